//! What a lesson's run will take, declared once per lesson beside its flags: memory and
//! disk as functions of a flag's value and of the models' shape. The session checks the
//! whole budget as soon as the models are loaded, before the lesson's first computation,
//! so a run that cannot fit stops at once with the flag to change — and the lesson's
//! `run` reads as the notebook, with no estimates in it.

use std::path::Path;

use anyhow::Result;

use crate::run::resources::{ensure_disk_for, ensure_memory};

/// The shape a budget is sized by: the most rows and the most columns among the
/// embedding matrices the lesson loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    pub rows: u64,
    pub cols: u64,
}

/// Where a limit's bytes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Memory,
    /// The disk holding `--out`.
    Disk,
}

/// One line of a budget: `bytes(value, shape)` of memory or disk for `what`, where
/// `value` is the value of `flag` (bytes must grow with it, for the error to name the
/// largest value that fits).
struct Limit {
    place: Place,
    what: &'static str,
    flag: &'static str,
    value: u64,
    bytes: Box<dyn Fn(u64, Shape) -> u64>,
}

/// A lesson's declared resource needs (`budget(&Args)` in each lesson), checked by
/// [`crate::Session`] once the models are loaded.
#[derive(Default)]
pub struct Budget {
    limits: Vec<Limit>,
}

impl Budget {
    /// A lesson that needs nothing beyond its models.
    pub fn none() -> Self {
        Self::default()
    }

    /// `bytes(value, shape)` of memory for `what`, sized by `flag`'s `value`.
    pub fn memory(
        self,
        what: &'static str,
        flag: &'static str,
        value: u64,
        bytes: impl Fn(u64, Shape) -> u64 + 'static,
    ) -> Self {
        self.with(Place::Memory, what, flag, value, bytes)
    }

    /// `bytes(value, shape)` written to the disk holding `--out` for `what`.
    pub fn disk(
        self,
        what: &'static str,
        flag: &'static str,
        value: u64,
        bytes: impl Fn(u64, Shape) -> u64 + 'static,
    ) -> Self {
        self.with(Place::Disk, what, flag, value, bytes)
    }

    fn with(
        mut self,
        place: Place,
        what: &'static str,
        flag: &'static str,
        value: u64,
        bytes: impl Fn(u64, Shape) -> u64 + 'static,
    ) -> Self {
        self.limits.push(Limit {
            place,
            what,
            flag,
            value,
            bytes: Box::new(bytes),
        });
        self
    }

    /// Every limit against what is free (memory, and the disk holding `out`) for models
    /// of `shape`: the first that does not fit is a one-line error naming its flag and the
    /// largest value that fits.
    pub fn check(&self, shape: Shape, out: &Path) -> Result<()> {
        for limit in &self.limits {
            let bytes = |value| (limit.bytes)(value, shape);
            match limit.place {
                Place::Memory => ensure_memory(limit.what, limit.flag, limit.value, bytes)?,
                Place::Disk => ensure_disk_for(out, limit.what, limit.flag, limit.value, bytes)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_within_reach_passes_and_one_past_it_names_its_flag() {
        let dir = tempfile::tempdir().unwrap();
        let shape = Shape {
            rows: 1000,
            cols: 10,
        };
        let small = Budget::none().memory("a table", "--k", 10, |k, s| k * s.rows);
        assert!(small.check(shape, dir.path()).is_ok());
        let huge = Budget::none()
            .memory("a table", "--k", 10, |k, s| k * s.rows)
            .disk("the figures", "--words", u64::MAX / 2, |n, _| n);
        let error = huge.check(shape, dir.path()).unwrap_err().to_string();
        assert!(error.starts_with("the figures needs about"), "{error}");
        assert!(error.contains("--words"), "{error}");
    }
}
