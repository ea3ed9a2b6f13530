//! What a run will take, checked before the work: memory estimated from the flags and the
//! model's shape, against what the machine has free, so a run that cannot fit stops at
//! once with the flag to change, instead of swapping, being killed, or aborting late.

use anyhow::{Result, bail};

/// Bytes of memory this process may still use: the least of the kernel's `MemAvailable`,
/// the room under every memory cgroup it is in (v2 `memory.max`, v1
/// `memory.limit_in_bytes`, at each level up to the root, less what the group uses beyond
/// reclaimable cache), and the room under its own limits on address space (`RLIMIT_AS`,
/// `ulimit -v`, less `VmSize`) and data (`RLIMIT_DATA`, less `VmData`). `None` where none
/// can be read (no check then).
pub fn available_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    [
        mem_available(),
        cgroup_room(),
        rlimit_room(Limit::AddressSpace, kib_field(&status, "VmSize:")),
        rlimit_room(Limit::Data, kib_field(&status, "VmData:")),
    ]
    .into_iter()
    .flatten()
    .min()
}

/// `MemAvailable` of `/proc/meminfo`, in bytes.
fn mem_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    kib_field(&meminfo, "MemAvailable:")
}

/// A `Name:   123 kB` line of a `/proc` file, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kib| kib * 1024)
}

/// A number in a cgroup file (`max` and unreadable files are `None`).
fn cgroup_number(path: &std::path::Path) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The least room under the memory cgroups this process is in: for each level from its
/// own group up to the root, the limit less the usage (less the inactive file cache the
/// kernel reclaims before it fails an allocation). Reads `/proc/self/cgroup`, both cgroup
/// versions, and the root files for a namespace whose paths are not mounted.
fn cgroup_room() -> Option<u64> {
    let membership = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    cgroup_room_in(
        &membership,
        std::path::Path::new("/sys/fs/cgroup"),
        std::path::Path::new("/sys/fs/cgroup/memory"),
    )
}

/// [`cgroup_room`] for the groups `membership` (a `/proc/self/cgroup`) names, with the v2
/// hierarchy mounted at `v2` and v1's memory controller at `v1`.
fn cgroup_room_in(membership: &str, v2: &std::path::Path, v1: &std::path::Path) -> Option<u64> {
    use std::path::PathBuf;
    let mut groups: Vec<(PathBuf, PathBuf, [&str; 3])> = Vec::new();
    const V1: [&str; 3] = [
        "memory.limit_in_bytes",
        "memory.usage_in_bytes",
        "total_inactive_file",
    ];
    const V2: [&str; 3] = ["memory.max", "memory.current", "inactive_file"];
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let (root, files) = if controllers.is_empty() {
            (v2, V2)
        } else if controllers.split(',').any(|c| c == "memory") {
            (v1, V1)
        } else {
            continue;
        };
        groups.push((
            root.to_path_buf(),
            root.join(path.trim_start_matches('/')),
            files,
        ));
    }
    groups.push((v2.to_path_buf(), v2.to_path_buf(), V2));
    groups.push((v1.to_path_buf(), v1.to_path_buf(), V1));
    let mut least: Option<u64> = None;
    for (root, mut dir, [limit, usage, inactive]) in groups {
        loop {
            if let Some(limit) = cgroup_number(&dir.join(limit)) {
                let used = cgroup_number(&dir.join(usage)).unwrap_or(0);
                let reclaimable = std::fs::read_to_string(dir.join("memory.stat"))
                    .ok()
                    .and_then(|stat| {
                        stat.lines().find_map(|l| {
                            l.strip_prefix(inactive)?
                                .strip_prefix(' ')?
                                .trim()
                                .parse::<u64>()
                                .ok()
                        })
                    })
                    .unwrap_or(0);
                let room = limit.saturating_sub(used.saturating_sub(reclaimable));
                least = Some(least.map_or(room, |l| l.min(room)));
            }
            if dir == root || !dir.pop() || !dir.starts_with(&root) {
                break;
            }
        }
    }
    least
}

/// A resource limit of this process (`getrlimit`).
#[derive(Clone, Copy)]
enum Limit {
    /// `RLIMIT_AS`: all of its virtual memory (`ulimit -v`).
    AddressSpace,
    /// `RLIMIT_DATA`: its data segment and private mappings.
    Data,
}

/// The room left under `limit` when `used` bytes of it are taken; `None` when unlimited.
#[cfg(unix)]
fn rlimit_room(limit: Limit, used: Option<u64>) -> Option<u64> {
    let resource = match limit {
        Limit::AddressSpace => libc::RLIMIT_AS,
        Limit::Data => libc::RLIMIT_DATA,
    };
    let mut value = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `value` is a valid rlimit for the call to fill.
    if unsafe { libc::getrlimit(resource, &mut value) } != 0
        || value.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    Some((value.rlim_cur as u64).saturating_sub(used.unwrap_or(0)))
}

#[cfg(not(unix))]
fn rlimit_room(_: Limit, _: Option<u64>) -> Option<u64> {
    None
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
    fn every_level_of_a_cgroup_v1_or_v2_limits_the_memory() {
        // What is checked: cgroup v1 (this machine's) is read beside v2, at every level
        // from the process's group up to the root, as limit less usage, with inactive file
        // cache counted as free (the kernel reclaims it before failing an allocation).
        let root = tempfile::tempdir().unwrap();
        let (v2, v1) = (root.path().join("v2"), root.path().join("v1"));
        let write = |dir: &std::path::Path, files: &[(&str, &str)]| {
            std::fs::create_dir_all(dir).unwrap();
            for (name, text) in files {
                std::fs::write(dir.join(name), text).unwrap();
            }
        };
        write(
            &v1,
            &[
                ("memory.limit_in_bytes", "9223372036854771712\n"),
                ("memory.usage_in_bytes", "5000\n"),
            ],
        );
        let group = v1.join("jobs/one");
        write(
            &group,
            &[
                ("memory.limit_in_bytes", "3000000000\n"),
                ("memory.usage_in_bytes", "2500000000\n"),
                ("memory.stat", "cache 1\ntotal_inactive_file 500000000\n"),
            ],
        );
        write(
            &v1.join("jobs"),
            &[
                ("memory.limit_in_bytes", "2800000000"),
                ("memory.usage_in_bytes", "2600000000"),
            ],
        );
        let membership = "4:memory:/jobs/one\n0::/\n";
        // jobs/one: 3.0 GB less (2.5 GB used − 0.5 GB reclaimable) = 1.0 GB; its parent
        // jobs: 2.8 − 2.6 = 0.2 GB, the least.
        assert_eq!(cgroup_room_in(membership, &v2, &v1), Some(200_000_000));
        write(&v2, &[("memory.max", "max\n"), ("memory.current", "1\n")]);
        write(
            &v2.join("user"),
            &[
                ("memory.max", "100000000\n"),
                ("memory.current", "40000000\n"),
            ],
        );
        assert_eq!(
            cgroup_room_in("0::/user\n", &v2, &v1),
            Some(60_000_000),
            "v2's memory.max less memory.current"
        );
        assert_eq!(
            cgroup_room_in("", &root.path().join("none"), &root.path().join("none")),
            None
        );
    }

    #[test]
    fn the_machine_reports_some_memory() {
        if cfg!(target_os = "linux") {
            assert!(available_memory().is_some_and(|bytes| bytes > 0));
        }
    }
}
