//! One run of a lesson: where its output goes, the device its ops run on, the models it
//! loaded and the figures it drew. Every lesson starts, loads, shows, draws and finishes
//! the same way, so that lives here and a lesson's code is only its steps.

use std::cell::RefCell;
use std::fmt::Display;
use std::path::Path;

use anyhow::{Result, anyhow};
use serde::Serialize;

use crate::Device;
use crate::model::standins::StandinInfo;
use crate::model::{Model, ModelRequest, load_located, locate_for_lesson, matrix_shapes};
use crate::pair::Pair;
use crate::plot::{self, Figure};
use crate::run::budget::Budget;
use crate::run::cli::LessonArgs;
use crate::run::output::Staged;
use crate::run::report::{BookNumbers, ModelRecord, Report, standin_banner};
use crate::tensor::Backend;
use crate::text::{one_line, terminal};

pub struct Session {
    lesson: &'static str,
    /// Every file of the run is written here and moved into `--out` only by `finish`.
    out: Staged,
    device: Device,
    backend: Backend,
    seed: u64,
    standin: bool,
    gguf_file: Option<String>,
    /// Every model loaded so far, so a lesson loading in several steps announces each once.
    models: RefCell<Vec<ModelRecord>>,
    /// The lesson's declared needs, checked whenever models are loaded.
    budget: Budget,
    /// The shape of every distinct embedding matrix loaded so far: what the budget is
    /// sized by.
    matrices: RefCell<Vec<[usize; 2]>>,
    /// The section headings shown so far, in order.
    sections: RefCell<Vec<String>>,
    figures: RefCell<Vec<String>>,
}

impl Session {
    /// Checks the output directory and the backend before any work; `budget` is the
    /// lesson's declared needs, checked as soon as its models are loaded.
    pub fn start(lesson: &'static str, args: &LessonArgs, budget: Budget) -> Result<Self> {
        Ok(Self {
            lesson,
            out: Staged::begin(&args.out_path(lesson), lesson)?,
            device: args.backend.device()?,
            backend: args.backend,
            seed: args.seed,
            standin: args.standin,
            gguf_file: args.gguf_file.clone(),
            models: RefCell::default(),
            budget,
            matrices: RefCell::default(),
            sections: RefCell::default(),
            figures: RefCell::default(),
        })
    }

    /// The device every tensor op of this run uses.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The `--seed` of this run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Where this run writes its files: a staging folder that `finish` swaps into
    /// `--out`, so an interrupted run leaves the earlier output whole.
    pub fn out(&self) -> &Path {
        self.out.dir()
    }

    /// Loads the models named by model flags, given as `(value, course default)`, side by
    /// side; prints the stand-in banner when any is a stand-in, and records them. The
    /// lesson's budget is checked first, from the shapes in the files' headers: a run that
    /// cannot fit stops before a matrix is read.
    pub fn load(&self, flags: &[(&str, &str)]) -> Result<Vec<Model>> {
        let requests: Vec<ModelRequest> = flags
            .iter()
            .map(|&(name, default)| ModelRequest {
                gguf_file: self.gguf_file.as_deref(),
                ..ModelRequest::new(name, default, self.standin)
            })
            .collect();
        let located = locate_for_lesson(&requests)?;
        let shapes = matrix_shapes(&located)?;
        let names: Vec<&str> = flags.iter().map(|&(name, _)| name).collect();
        self.budget
            .check(&self.matrices.borrow(), &shapes, &names, self.out.target())?;
        self.matrices.borrow_mut().extend(shapes);
        let models = load_located(located)?;
        let mut known = self.models.borrow_mut();
        let new: Vec<&Model> = models
            .iter()
            .filter(|m| !known.iter().any(|k| k.name == m.files.name))
            .collect();
        let standins: Vec<&StandinInfo> = new
            .iter()
            .filter_map(|m| m.files.standin.as_ref())
            .collect();
        if let Some(banner) = standin_banner(&standins) {
            println!("{banner}");
        }
        known.extend(new.iter().map(|m| ModelRecord {
            name: m.files.name.clone(),
            standin: m.files.standin.clone(),
        }));
        Ok(models)
    }

    /// [`Session::load`] for a lesson's one model.
    pub fn load_one(&self, name: &str, course_default: &str) -> Result<Model> {
        self.load(&[(name, course_default)])?
            .pop()
            .ok_or_else(|| anyhow!("no model loaded for {name}"))
    }

    /// [`Session::load`] for the BERT/GPT pair, each flag as `(value, course default)`.
    pub fn load_pair(&self, flags: Pair<(&str, &str)>) -> Result<Pair<Model>> {
        let mut models = self.load(&flags.into_array())?.into_iter();
        match (models.next(), models.next()) {
            (Some(bert), Some(gpt)) => Ok(Pair { bert, gpt }),
            _ => Err(anyhow!("expected two models")),
        }
    }

    /// Starts a section of the lesson: prints `heading` (a notebook's own heading, so the
    /// terminal reads as the notebook) and records it in the report.
    pub fn section(&self, heading: &str) {
        println!("\n# {}\n", crate::text::one_line(heading));
        self.sections.borrow_mut().push(heading.to_string());
    }

    /// [`Session::section`] for what the lesson adds after the notebook's last cell,
    /// marked so.
    pub fn beyond(&self, heading: &str) {
        self.section(&format!("Beyond the notebook: {heading}"));
    }

    /// Prints a step's result as its `Display` shows it (control characters in words
    /// escaped), and hands it back for the report.
    pub fn show<T: Display>(&self, value: T) -> T {
        println!("{}", terminal(&value.to_string()));
        value
    }

    /// Runs `write` on the output folder (see [`Session::out`]) and counts every file it
    /// adds as written, for writers that name their own files, such as the map's page.
    pub fn write_files<T>(&self, write: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
        self.out.write_with(write)
    }

    /// Writes `figure` as `stem.svg` and `stem.png`, its panel titles tagged when the
    /// lesson runs on stand-ins, and lists both in the report.
    pub fn figure(&self, mut figure: Figure, stem: &str) -> Result<()> {
        figure.tag_titles(self.standin_tag());
        let files = plot::save(figure, self.out.dir(), stem).map_err(|e| self.out.unstaged(e))?;
        self.out.wrote(&files);
        self.figures.borrow_mut().extend(
            files
                .iter()
                .filter_map(|f| f.file_name())
                .map(|n| n.to_string_lossy().into_owned()),
        );
        Ok(())
    }

    /// What figure titles carry so a stand-in is never mistaken for the real model, and a
    /// synthetic one never for a real stand-in.
    fn standin_tag(&self) -> &'static str {
        let models = self.models.borrow();
        let standins: Vec<_> = models.iter().filter_map(|m| m.standin.as_ref()).collect();
        let synthetic = standins.iter().filter(|s| s.synthetic).count();
        tag_for(standins.len(), synthetic)
    }

    /// Writes `report.json` and `numbers.md` with the lesson's results, swaps the whole
    /// output into place, and says where everything went.
    pub fn finish<R: Serialize + BookNumbers>(self, results: R) -> Result<Report<R>> {
        let report = Report {
            lesson: self.lesson,
            backend: self.backend,
            seed: self.seed,
            models: self.models.into_inner(),
            memory: self.budget.estimate(&self.matrices.borrow()),
            sections: self.sections.into_inner(),
            results,
            figures: self.figures.into_inner(),
        };
        let json = report
            .write(self.out.dir())
            .map_err(|e| self.out.unstaged(e))?;
        self.out.wrote(&[json, self.out.dir().join("numbers.md")]);
        let out = self.out.commit()?;
        println!(
            "\nfigures, report.json and numbers.md written to {}",
            one_line(&out.dir.display().to_string())
        );
        if !out.kept.is_empty() {
            println!(
                "kept as they were, since this lesson did not write them: {}",
                one_line(&listed(&out.kept))
            );
        }
        Ok(report)
    }
}

/// Names as one short line: the first five, then how many more.
fn listed(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
    match names.len().saturating_sub(shown.len()) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// The figure-title tag of a run with `standins` stand-in models, `synthetic` of them
/// synthetic.
fn tag_for(standins: usize, synthetic: usize) -> &'static str {
    match (standins, synthetic) {
        (0, _) => "",
        (_, 0) => " [stand-in]",
        (all, some) if some == all => " [SYNTHETIC stand-in]",
        _ => " [stand-ins, some SYNTHETIC]",
    }
}

#[cfg(test)]
mod tests {
    use super::tag_for;

    #[test]
    fn figure_titles_tag_real_synthetic_and_mixed_standins_apart() {
        assert_eq!(tag_for(0, 0), "");
        assert_eq!(tag_for(2, 0), " [stand-in]");
        assert_eq!(tag_for(2, 2), " [SYNTHETIC stand-in]");
        assert_eq!(tag_for(1, 1), " [SYNTHETIC stand-in]");
        assert_eq!(tag_for(2, 1), " [stand-ins, some SYNTHETIC]");
    }
}
