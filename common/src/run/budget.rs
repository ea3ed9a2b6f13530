//! What a lesson's run will take, declared once per lesson beside its flags: memory and
//! disk as functions of a flag's value and of the models' shape. The session checks the
//! whole budget when the models are located, from their files' headers, before a matrix
//! is read: a run that cannot fit stops at once, in one line, with the model or the flag
//! to change — and the lesson's `run` reads as the notebook, with no estimates in it.
//!
//! The estimate is the run's peak: the program, each model's f32 matrix and tokenizer,
//! and each declared line of work. `bench/scale.py` checks it against the measured peak
//! of every lesson on the largest vocabularies.

use std::path::Path;

use anyhow::{Result, bail};

use crate::run::resources::{available_memory, ensure_disk_for, ensure_fits};

/// What the program holds whatever its models: code, the allocator's arenas, thread
/// stacks, the matrix-product workspaces and a GGUF file's window being decoded (lessons
/// 3 and 4 on a generated 20,000 × 512 model: 30–34 MB beside the matrix and tokenizer;
/// lesson 4 on the BERT stand-in, heaptrack and `/usr/bin/time`: 27 MB beside its
/// matrix's pages and a 4 MB tokenizer, 8 MB of it the SVG text of its projection figure).
pub const PROGRAM_BYTES: u64 = 32_000_000;

/// What a loaded model holds per vocabulary token beside its matrix: the tokenizer's
/// vocabulary and merges, a GGUF file's metadata, the row norms (lesson 3 on the
/// generated 256,000- and 128,256-token models together: 199 MB beside their matrices,
/// 450 bytes a token with the program's share).
pub const PER_TOKEN_BYTES: u64 = 450;

/// Memory for one model's embedding matrix of `[rows, cols]`, read as f32, and its
/// tokenizer.
pub fn model_bytes([rows, cols]: [usize; 2]) -> u64 {
    (rows as u64)
        .saturating_mul(cols as u64)
        .saturating_mul(4)
        .saturating_add((rows as u64).saturating_mul(PER_TOKEN_BYTES))
}

/// A run's memory, estimated before its matrices are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Estimate {
    /// The f32 bytes of the embedding matrices the run holds.
    pub matrices: u64,
    /// The run's estimated peak resident memory.
    pub peak: u64,
}

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

    /// The memory a run holding matrices of `shapes` (every distinct one the run loads)
    /// will take at its peak: the program, the models and every line of work.
    pub fn estimate(&self, shapes: &[[usize; 2]]) -> Estimate {
        let shape = Shape::of(shapes);
        let work: u64 = self
            .limits
            .iter()
            .filter(|l| l.place == Place::Memory)
            .map(|l| (l.bytes)(l.value, shape))
            .fold(0, u64::saturating_add);
        Estimate {
            matrices: shapes
                .iter()
                .map(|&[r, c]| (r as u64).saturating_mul(c as u64).saturating_mul(4))
                .fold(0, u64::saturating_add),
            peak: shapes
                .iter()
                .map(|&s| model_bytes(s))
                .fold(PROGRAM_BYTES, u64::saturating_add)
                .saturating_add(work),
        }
    }

    /// Checks, before the models `names` of `new` shapes are read (beside the `loaded` ones),
    /// that they and every line of work fit in the free memory, and every output on the
    /// disk holding `out`. The first that does not is a one-line error naming the models,
    /// or the flag and the largest value of it that fits.
    pub fn check(
        &self,
        loaded: &[[usize; 2]],
        new: &[[usize; 2]],
        names: &[&str],
        out: &Path,
    ) -> Result<()> {
        let all: Vec<[usize; 2]> = loaded.iter().chain(new).copied().collect();
        let shape = Shape::of(&all);
        let models = new.iter().map(|&s| model_bytes(s)).fold(
            if loaded.is_empty() { PROGRAM_BYTES } else { 0 },
            u64::saturating_add,
        );
        let memory: Vec<&Limit> = self
            .limits
            .iter()
            .filter(|l| l.place == Place::Memory)
            .collect();
        if let Some(free) = available_memory() {
            if models > free {
                let shapes: Vec<String> = new.iter().map(|[r, c]| format!("{r} × {c}")).collect();
                bail!(
                    "{} {} about {} of memory (embedding matrices of {} as f32, and their tokenizers), and {} is free; choose a smaller model or free some memory",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    if names.len() == 1 { "needs" } else { "need" },
                    crate::run::resources::size(models),
                    shapes.join(" and "),
                    crate::run::resources::size(free)
                );
            }
            // Past the free memory, the largest line of work is the one to cut: its flag,
            // and the largest value of it that fits beside the rest.
            let bytes: Vec<u64> = memory.iter().map(|l| (l.bytes)(l.value, shape)).collect();
            let total = bytes.iter().fold(models, |a, &b| a.saturating_add(b));
            if total > free
                && let Some((i, _)) = bytes.iter().enumerate().max_by_key(|&(_, b)| *b)
            {
                let limit = memory[i];
                let others = total.saturating_sub(bytes[i]);
                ensure_fits(
                    limit.what,
                    limit.flag,
                    limit.value,
                    |v| (limit.bytes)(v, shape),
                    free.saturating_sub(others),
                )?;
            }
        }
        for limit in self.limits.iter().filter(|l| l.place == Place::Disk) {
            ensure_disk_for(out, limit.what, limit.flag, limit.value, |v| {
                (limit.bytes)(v, shape)
            })?;
        }
        Ok(())
    }
}

impl Shape {
    /// The most rows and the most columns among `shapes`.
    fn of(shapes: &[[usize; 2]]) -> Self {
        shapes.iter().fold(Shape::default(), |s, &[r, c]| Shape {
            rows: s.rows.max(r as u64),
            cols: s.cols.max(c as u64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_within_reach_passes_and_one_past_it_names_its_flag() {
        let dir = tempfile::tempdir().unwrap();
        let shape = [[1000, 10]];
        let small = Budget::none().memory("a table", "--k", 10, |k, s| k * s.rows);
        assert!(small.check(&[], &shape, &["m"], dir.path()).is_ok());
        let huge = Budget::none()
            .memory("a table", "--k", 10, |k, s| k * s.rows)
            .disk("the figures", "--words", u64::MAX / 2, |n, _| n);
        let error = huge
            .check(&[], &shape, &["m"], dir.path())
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("the figures needs about"), "{error}");
        assert!(error.contains("--words"), "{error}");
    }

    #[test]
    fn the_estimate_adds_the_program_the_models_and_the_work() {
        let budget = Budget::none().memory("a table", "--k", 10, |k, s| k * s.rows * s.cols);
        let estimate = budget.estimate(&[[1000, 10], [500, 20]]);
        assert_eq!(estimate.matrices, 4 * (10_000 + 10_000));
        // The table is sized by the most rows and the most columns: 10 × 1000 × 20.
        assert_eq!(
            estimate.peak,
            PROGRAM_BYTES + estimate.matrices + 1500 * PER_TOKEN_BYTES + 200_000
        );
    }

    #[test]
    fn models_past_the_free_memory_are_named_before_they_are_read() {
        if available_memory().is_none() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let error = Budget::none()
            .check(&[], &[[1 << 40, 1 << 20]], &["huge"], dir.path())
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("`huge` needs about"), "{error}");
        assert!(error.contains("choose a smaller model"), "{error}");
        assert!(!error.contains('\n'));
    }
}
