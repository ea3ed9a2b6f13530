//! Figures as data, drawn twice: SVG for the book and the browser, PNG for everything else.
//!
//! A lesson describes a figure the way a notebook calls matplotlib — panels on a grid,
//! each with lines, markers, bars or an image — and [`save`] renders it with plotters.
//! Keeping the description separate from the drawing lets one renderer serve both
//! formats and every lesson.

mod color;
pub mod compare;
pub mod explorer;
mod image;
mod labels;
mod render;
mod spec;

pub use color::*;
pub use labels::{for_name, hyphenated, model_labels, own_label, short_label};
pub use render::{save, svg};
pub use spec::*;
