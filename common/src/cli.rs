//! What every lesson's command line shares, and how a lesson ends.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::backend::Backend;

/// Flags common to all lessons.
#[derive(clap::Args, Clone, Debug)]
pub struct LessonArgs {
    /// Seed for every random choice the lesson makes: the same seed gives the same results.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Tensor backend: flex (CPU, burn's maintained one), ndarray (CPU, deprecated upstream)
    /// or wgpu (GPU; Mesa's software drivers on machines without one).
    #[arg(long, value_enum, default_value_t = Backend::Flex)]
    pub backend: Backend,

    /// Use the offline stand-in models instead of the course models from the Hugging Face
    /// Hub (prepared on first use; the README explains what they are).
    #[arg(long)]
    pub standin: bool,

    /// Directory for figures (SVG and PNG) and report.json [default: out/<lesson>/]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl LessonArgs {
    /// The output directory, created and checked writable now rather than after the work.
    pub fn out_dir(&self, lesson: &str) -> Result<PathBuf> {
        let dir = self
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("out").join(lesson));
        std::fs::create_dir_all(&dir).with_context(|| {
            format!(
                "cannot create output directory {}; choose another with --out",
                dir.display()
            )
        })?;
        let probe = dir.join(".write-test");
        std::fs::write(&probe, b"").with_context(|| {
            format!(
                "output directory {} is not writable; choose another with --out",
                dir.display()
            )
        })?;
        let _ = std::fs::remove_file(probe);
        Ok(dir)
    }
}

/// Runs a lesson's body; an error becomes one line on stderr and exit status 1.
pub fn finish(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
