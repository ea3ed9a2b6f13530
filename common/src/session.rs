//! One run of a lesson: where its output goes, the device its ops run on, the models it
//! loaded and the report it fills. Every lesson starts, loads, draws and finishes the
//! same way, so that lives here and a lesson's code is only its steps.

use std::path::PathBuf;

use anyhow::{Result, anyhow};

use crate::Device;
use crate::cli::LessonArgs;
use crate::model::{Model, ModelRequest, load_for_lesson};
use crate::plot::{self, Figure};
use crate::report::{Report, standin_banner};

pub struct Session {
    pub out: PathBuf,
    pub device: Device,
    pub report: Report,
    standin: bool,
    /// Every model loaded so far, so a lesson loading in several steps announces each once.
    loaded: Vec<String>,
}

impl Session {
    /// Checks the output directory and the backend before any work, and starts the report.
    pub fn start(lesson: &str, args: &LessonArgs) -> Result<Self> {
        let out = args.out_dir(lesson)?;
        let device = args.backend.device()?;
        let mut report = Report::new(lesson);
        report.record("backend", args.backend)?;
        report.record("seed", args.seed)?;
        Ok(Self {
            out,
            device,
            report,
            standin: args.standin,
            loaded: Vec::new(),
        })
    }

    /// Loads the models named by the lesson's model flags, given as `(value, course
    /// default)`, prints the stand-in banner when any is a stand-in, and records them.
    pub fn load<const N: usize>(&mut self, flags: [(&str, &str); N]) -> Result<[Model; N]> {
        self.load_many(&flags)?
            .try_into()
            .map_err(|_| anyhow!("expected {N} models"))
    }

    /// [`Session::load`] for a list of any length.
    pub fn load_many(&mut self, flags: &[(&str, &str)]) -> Result<Vec<Model>> {
        let requests: Vec<ModelRequest> = flags
            .iter()
            .map(|&(name, default)| ModelRequest::new(name, default, self.standin))
            .collect();
        let models = load_for_lesson(&requests)?;
        let new: Vec<&Model> = models
            .iter()
            .filter(|m| !self.loaded.contains(&m.files.name))
            .collect();
        self.report.add_models(&new)?;
        if let Some(banner) = standin_banner(&new) {
            println!("{banner}");
        }
        self.loaded.extend(new.iter().map(|m| m.files.name.clone()));
        Ok(models)
    }

    /// Writes `figure` as `stem.svg` and `stem.png` and lists both in the report.
    pub fn figure(&mut self, figure: &Figure, stem: &str) -> Result<()> {
        let files = plot::save(figure, &self.out, stem)?;
        self.report.figure(&files);
        Ok(())
    }

    /// Writes `report.json` and says where everything went.
    pub fn finish(self) -> Result<Report> {
        self.report.write(&self.out)?;
        println!(
            "\nfigures and report.json written to {}",
            self.out.display()
        );
        Ok(self.report)
    }
}
