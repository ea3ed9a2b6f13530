//! The last guard of a memory limit: an allocation the system refuses ends the run with
//! one line naming the limit, instead of Rust's abort ("memory allocation of N bytes
//! failed", a backtrace and exit status 134).
//!
//! The estimates of [`crate::run::resources`] stop a run whose flags ask for more memory
//! than is free before the work; this catches what no estimate foresees (a limit met while
//! a model loads, the address space a thread or an allocator reserves). It is the global
//! allocator of every program linked with `common`: the system's, which it only watches.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, ending the process with one line when an allocation fails.
pub struct Guarded;

// SAFETY: every call is passed to the system allocator as it is; only a null result is
// acted on, by ending the process.
unsafe impl GlobalAlloc for Guarded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is the system allocator's.
        checked(unsafe { System.alloc(layout) }, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        checked(unsafe { System.alloc_zeroed(layout) }, layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        checked(unsafe { System.realloc(ptr, layout, new_size) }, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Guarded = Guarded;

/// Makes the most of an address-space limit (`ulimit -v`), when one is set; call before
/// any thread starts. glibc's malloc gives threads arenas of their own, each reserving
/// 64 MB of address space that it mostly never uses but that counts against the limit: a
/// lesson under 600 MB ran out while loading its models with half of it only reserved.
/// With one arena the limit goes to data (the threads share it; nothing else changes).
pub fn fit_address_space_limit() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if address_space_limit().is_some() {
        // SAFETY: mallopt only sets a tuning parameter of the C allocator.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}

/// Gives large blocks back to the system when they are freed. glibc maps a block of
/// 128 KB or more on its own, but raises that threshold to the largest such block freed
/// so far (up to 32 MiB): after a phase frees a work array of a few megabytes, later
/// arrays up to that size come from the heap, and what they leave when freed stays in the
/// process, counted in later phases' peaks. A fixed threshold of 1 MiB keeps each phase's
/// peak its own (lesson 5 on 20,000 × 2,304: 268 → 264 MiB). The cost: each block of
/// 1 MiB or more is mapped and unmapped on its own, its pages faulted in afresh.
pub fn give_back_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter of the C allocator.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn checked(pointer: *mut u8, bytes: usize) -> *mut u8 {
    if pointer.is_null() {
        out_of_memory(bytes);
    }
    pointer
}

/// Writes the one line and exits with status 1. Nothing here allocates: the line is
/// formatted into a buffer on the stack and written with one `write(2)`.
fn out_of_memory(bytes: usize) -> ! {
    use std::fmt::Write;
    let mut line = StackLine::default();
    let _ = write!(
        line,
        "error: out of memory: {:.1} MB more could not be had ",
        bytes as f64 / 1e6
    );
    let _ = match address_space_limit() {
        Some(limit) => write!(
            line,
            "under this process's address-space limit of {:.1} MB (ulimit -v)",
            limit as f64 / 1e6
        ),
        None => write!(
            line,
            "(the machine, or the memory limit of its cgroup, is full)"
        ),
    };
    let _ = writeln!(
        line,
        "; raise the limit or free memory, or choose smaller flags (the earlier output is unchanged)"
    );
    exit_with(&line)
}

#[cfg(unix)]
fn exit_with(line: &StackLine) -> ! {
    let bytes = line.as_bytes();
    // SAFETY: writing a valid buffer to stderr, then ending the process without unwinding
    // or running destructors (which might allocate).
    unsafe {
        libc::write(2, bytes.as_ptr().cast(), bytes.len());
        libc::_exit(1)
    }
}

#[cfg(not(unix))]
fn exit_with(_: &StackLine) -> ! {
    std::process::abort()
}

/// `RLIMIT_AS` when one is set.
#[cfg(unix)]
fn address_space_limit() -> Option<u64> {
    let mut value = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `value` is a valid rlimit for the call to fill.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut value) } == 0;
    (read && value.rlim_cur != libc::RLIM_INFINITY).then_some(value.rlim_cur as u64)
}

#[cfg(not(unix))]
fn address_space_limit() -> Option<u64> {
    None
}

/// A line of text in a fixed buffer (what does not fit is cut).
struct StackLine {
    buffer: [u8; 400],
    len: usize,
}

impl Default for StackLine {
    fn default() -> Self {
        Self {
            buffer: [0; 400],
            len: 0,
        }
    }
}

impl StackLine {
    fn as_bytes(&self) -> &[u8] {
        &self.buffer[..self.len]
    }
}

impl std::fmt::Write for StackLine {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let room = self.buffer.len() - self.len;
        let taken = text.len().min(room);
        self.buffer[self.len..self.len + taken].copy_from_slice(&text.as_bytes()[..taken]);
        self.len += taken;
        Ok(())
    }
}
