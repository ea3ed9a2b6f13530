//! What a run will take, checked before the work: memory estimated from the flags and the
//! model's shape, against what the machine has free, so a run that cannot fit stops at
//! once with the flag to change, instead of swapping, being killed, or aborting late.

use anyhow::{Result, bail};

/// Bytes of memory this process may still use: the kernel's `MemAvailable`, or the
/// cgroup's limit when it is lower. `None` where neither can be read (no check then).
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let available = meminfo.as_deref().and_then(|text| {
        text.lines()
            .find_map(|line| line.strip_prefix("MemAvailable:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kib| kib * 1024)
    });
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok());
    match (available, cgroup) {
        (Some(a), Some(c)) => Some(a.min(c)),
        (a, c) => a.or(c),
    }
}

/// Bytes free for an unprivileged writer on the file system holding `path`.
#[cfg(unix)]
pub fn available_disk(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    // A folder not yet made (an `--out` before its first run) is on its parent's disk.
    let path = path.ancestors().find(|p| p.exists())?;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is NUL-terminated and `stats` is written by the call before it is read.
    let stats = unsafe {
        if libc::statvfs(path.as_ptr(), stats.as_mut_ptr()) != 0 {
            return None;
        }
        stats.assume_init()
    };
    Some((stats.f_bavail as u64).saturating_mul(stats.f_frsize as u64))
}

#[cfg(not(unix))]
pub fn available_disk(_: &std::path::Path) -> Option<u64> {
    None
}

/// How much a run of `what` may take: `bytes(value)` is its estimate for the flag's
/// value. Past the free memory, a one-line error naming `flag` and the largest value that
/// fits (`bytes` must grow with the value).
pub fn ensure_memory(what: &str, flag: &str, value: u64, bytes: impl Fn(u64) -> u64) -> Result<()> {
    match available_memory() {
        Some(budget) => ensure_fits(what, flag, value, bytes, budget),
        None => Ok(()),
    }
}

/// [`ensure_memory`] for what a run will write: `bytes(value)` is the estimated output,
/// against the free space of the disk holding `dir`.
pub fn ensure_disk_for(
    dir: &std::path::Path,
    what: &str,
    flag: &str,
    value: u64,
    bytes: impl Fn(u64) -> u64,
) -> Result<()> {
    match available_disk(dir) {
        Some(budget) => fits_in(
            what,
            flag,
            value,
            bytes,
            budget,
            &format!("on the disk holding {}", dir.display()),
        ),
        None => Ok(()),
    }
}

/// [`ensure_memory`] against a given `budget` of bytes.
pub fn ensure_fits(
    what: &str,
    flag: &str,
    value: u64,
    bytes: impl Fn(u64) -> u64,
    budget: u64,
) -> Result<()> {
    fits_in(what, flag, value, bytes, budget, "of memory")
}

/// Whether `bytes(value)` fits in `budget` bytes of `place` ("of memory", "on the disk
/// holding …"); past it, a one-line error naming `flag` and the largest value that fits.
fn fits_in(
    what: &str,
    flag: &str,
    value: u64,
    bytes: impl Fn(u64) -> u64,
    budget: u64,
    place: &str,
) -> Result<()> {
    let need = bytes(value);
    if need <= budget {
        return Ok(());
    }
    // The largest value in 0..value whose estimate fits: a binary search.
    let (mut fits, mut too_big) = (0, value);
    while too_big - fits > 1 {
        let middle = fits + (too_big - fits) / 2;
        if bytes(middle) <= budget {
            fits = middle;
        } else {
            too_big = middle;
        }
    }
    let advice = if fits == 0 || bytes(fits) > budget {
        format!("no value of {flag} fits")
    } else {
        format!("the largest {flag} that fits is {fits}")
    };
    bail!(
        "{what} needs about {} {place} with {flag} {value}, and {} is free; {advice}",
        size(need),
        size(budget)
    )
}

/// A size as a person reads it: GB, MB or kB, one decimal.
pub fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.1} kB", b / 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_that_fits_passes() {
        assert!(ensure_fits("RSA", "--words", 100, |n| n * n * 4, 1_000_000).is_ok());
    }

    #[test]
    fn a_value_past_the_budget_names_the_flag_and_the_largest_that_fits() {
        let error = ensure_fits("RSA", "--words", 100_000, |n| n * n * 4, 4_000_000)
            .unwrap_err()
            .to_string();
        // 1000² × 4 = 4,000,000 bytes: exactly the budget.
        assert!(error.contains("--words 100000"), "{error}");
        assert!(
            error.contains("the largest --words that fits is 1000"),
            "{error}"
        );
        assert!(!error.contains('\n'));
    }

    #[test]
    fn an_output_past_the_free_disk_names_the_disk_and_the_largest_value() {
        let dir = tempfile::tempdir().unwrap();
        let free = available_disk(dir.path()).unwrap();
        assert!(ensure_disk_for(dir.path(), "the draws", "--draws", 10, |d| d * 1000).is_ok());
        // Each draw a hundredth of the free space: 100 fit, 1000 do not.
        let error = ensure_disk_for(dir.path(), "the draws", "--draws", 1000, |d| {
            d * (free / 100)
        })
        .unwrap_err()
        .to_string();
        assert!(error.contains("on the disk holding"), "{error}");
        assert!(
            error.contains("the largest --draws that fits is 100"),
            "{error}"
        );
    }

    #[test]
    fn the_machine_reports_some_memory() {
        if cfg!(target_os = "linux") {
            assert!(available_memory().is_some_and(|bytes| bytes > 0));
        }
    }
}
