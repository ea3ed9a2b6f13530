//! Which burn backend runs the tensor ops.
//!
//! burn 0.22 picks the backend at run time through its `Device`, so every op in
//! [`crate::tensor::ops`] is written once and runs on any of these.

use anyhow::{Result, anyhow};
use burn::tensor::Device;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn's maintained pure-Rust CPU backend.
    #[default]
    Flex,
    /// burn's ndarray CPU backend (deprecated upstream in favour of flex; kept for comparison).
    Ndarray,
    /// wgpu: Vulkan, Metal, DX12 or OpenGL, on a GPU or on a software rasteriser.
    Wgpu,
}

/// Whether `device` computes on this machine's CPU (flex or ndarray), where a kernel may
/// work on the matrix's memory directly instead of through burn tensors.
pub fn is_cpu(device: &Device) -> bool {
    #[allow(deprecated)] // compared with, not created
    let ndarray = Device::ndarray();
    *device == Device::flex() || *device == ndarray
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Flex, Backend::Ndarray, Backend::Wgpu];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::Ndarray => "ndarray",
            Backend::Wgpu => "wgpu",
        }
    }

    /// The device to create tensors on. wgpu asks the driver for an adapter here, so a
    /// machine without one fails now, with a message, rather than at the first op.
    pub fn device(self) -> Result<Device> {
        match self {
            Backend::Flex => Ok(Device::flex()),
            #[allow(deprecated)] // offered on purpose: the course names ndarray
            Backend::Ndarray => Ok(Device::ndarray()),
            Backend::Wgpu => wgpu_device(),
        }
    }
}

/// Whether this build has burn's wgpu backend (the `wgpu` cargo feature).
pub const WGPU_BUILT: bool = cfg!(feature = "wgpu");

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device> {
    use std::sync::OnceLock;
    // burn registers one wgpu runtime per process: initialise it once, share it.
    static WGPU: OnceLock<Result<Device, String>> = OnceLock::new();
    WGPU.get_or_init(|| Device::wgpu_options().init().map_err(|e| e.to_string()))
        .clone()
        .map_err(|e| {
            anyhow!(
                "no wgpu adapter ({e}); install a GPU driver (or Mesa's Vulkan/OpenGL drivers) or run with --backend flex"
            )
        })
}

/// Without the feature `--backend wgpu` still parses (it is one of the course's backends),
/// and says how to get it, naming the lesson that was run (its binary's name).
#[cfg(not(feature = "wgpu"))]
fn wgpu_device() -> Result<Device> {
    let lesson = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.file_stem()?.to_string_lossy().into_owned()))
        .filter(|name| name.starts_with("lesson"))
        .unwrap_or_else(|| "lesson01".into());
    Err(anyhow!(
        "this build has no wgpu backend; rebuild with the wgpu feature: `cargo run -p {lesson} --features wgpu -- --backend wgpu`, or run with --backend flex"
    ))
}
