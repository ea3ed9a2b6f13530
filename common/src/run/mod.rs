//! One run of a lesson: its command line, its session (output, device, models, figures)
//! and its report.

pub mod allocator;
pub mod budget;
pub mod cli;
pub mod output;
pub mod progress;
pub mod report;
pub mod resources;
pub mod session;
pub mod token_scores;

pub use budget::Budget;
pub use cli::{BaseModels, CourseModels, Flags, LargeModels, LessonArgs, ModelPairArgs, finish};
pub use report::Report;
pub use session::Session;
