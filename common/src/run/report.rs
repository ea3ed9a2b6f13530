//! `report.json` and `numbers.md`: every number a lesson prints, typed, in one
//! machine-readable file and as the Markdown its book chapter includes, with what the
//! numbers were computed from (models, stand-ins, backend, seed) and the figures made.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Value, json};

use crate::model::standins::StandinInfo;
use crate::tensor::Backend;
use crate::text::markdown_cell;
pub use crate::text::markdown_code as code;

/// What a lesson's results give its book chapter: the "numbers" section, as Markdown.
pub trait BookNumbers {
    fn numbers(&self) -> String;
}

/// A model a report's numbers come from.
#[derive(Clone, Debug, Serialize)]
pub struct ModelRecord {
    pub name: String,
    pub standin: Option<StandinInfo>,
}

/// One run of a lesson: its typed results and what they were computed from.
#[derive(Debug, Serialize)]
pub struct Report<R> {
    pub lesson: &'static str,
    pub backend: Backend,
    pub seed: u64,
    pub models: Vec<ModelRecord>,
    /// The memory the run was estimated to take before its matrices were read (its
    /// peak, and the f32 bytes of its embedding matrices among it).
    pub memory: crate::run::budget::Estimate,
    /// The section headings the run showed, in order: the notebook's cells, then what
    /// the lesson adds beyond them.
    pub sections: Vec<String>,
    #[serde(flatten)]
    pub results: R,
    pub figures: Vec<String>,
}

impl<R: Serialize + BookNumbers> Report<R> {
    /// The report as JSON, as `report.json` holds it.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|e| json!({ "error": e.to_string() }))
    }

    /// Writes `dir/report.json` and `dir/numbers.md`.
    pub fn write(&self, dir: &Path) -> Result<PathBuf> {
        let path = dir.join("report.json");
        std::fs::write(&path, serde_json::to_string_pretty(self)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        let numbers = dir.join("numbers.md");
        std::fs::write(&numbers, self.standin_note() + &self.results.numbers())
            .with_context(|| format!("cannot write {}", numbers.display()))?;
        Ok(path)
    }

    /// The book's reminder, above the numbers, of which models are stand-ins.
    fn standin_note(&self) -> String {
        let lines: String = self
            .models
            .iter()
            .filter_map(|m| m.standin.as_ref())
            .map(|s| format!("\n> - {}: {}", s.stands_in_for, s.description))
            .collect();
        if lines.is_empty() {
            String::new()
        } else {
            format!("> **Offline stand-ins** (not the course models):{lines}\n\n")
        }
    }
}

/// The loud notice printed when a stand-in is in use.
pub fn standin_banner(standins: &[&StandinInfo]) -> Option<String> {
    if standins.is_empty() {
        return None;
    }
    let lines: Vec<String> = standins
        .iter()
        .map(|s| format!("  {} → {}", s.stands_in_for, s.description))
        .collect();
    let rule = "!".repeat(78);
    Some(format!(
        "{rule}\n  OFFLINE STAND-IN MODELS: numbers and figures below are NOT those of the course models.\n{}\n{rule}",
        lines.join("\n")
    ))
}

/// A Markdown table; each cell kept on one line with `|` escaped
/// ([`crate::text::markdown_cell`]), so a token cannot split a cell or end a row.
pub fn markdown_table<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> String {
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = line(header.iter().map(|h| markdown_cell(h)).collect());
    out += &format!("|{}\n", "---|".repeat(header.len()));
    for row in rows {
        out += &line(row.as_ref().iter().map(|c| markdown_cell(c)).collect());
    }
    out
}

/// A part of `numbers.md` that a chapter can include on its own, right after the code that
/// computed it (`{{#include …/numbers.md:name}}`): mdBook's anchor lines, written as HTML
/// comments so that the file included whole still reads clean. The title, in bold above
/// the anchor, labels the part where the whole file is read (the chapters' "run's
/// numbers"), and is not in what the anchor includes; an empty one, for a part inside
/// another, is left out.
pub fn book_section(name: &str, title: &str, body: &str) -> String {
    let title = if title.is_empty() {
        String::new()
    } else {
        format!("**{title}**\n\n")
    };
    format!(
        "{title}<!-- ANCHOR: {name} -->\n{}\n<!-- ANCHOR_END: {name} -->\n\n",
        body.trim_end()
    )
}

/// A copy of `value` with every float rounded to `digits` significant digits, so snapshots
/// do not depend on the last bits of floating-point arithmetic.
pub fn rounded(value: &Value, digits: i32) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or_default();
            if x == 0.0 || !x.is_finite() {
                return json!(x);
            }
            let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
            json!((x * scale).round() / scale)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| rounded(v, digits)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), rounded(v, digits)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_keeps_significant_digits() {
        let v = json!({"a": 0.123456, "b": [1234.5678, -0.00098765], "c": 3, "d": "x"});
        assert_eq!(
            rounded(&v, 4),
            json!({"a": 0.1235, "b": [1235.0, -0.0009877], "c": 3, "d": "x"})
        );
    }

    #[test]
    fn inline_code_survives_a_backtick() {
        assert_eq!(code("ring"), "`ring`");
        assert_eq!(code("`"), "`` ` ``");
    }

    #[test]
    fn table_cells_cannot_split_on_a_pipe() {
        let table = markdown_table(&["token"], &[vec!["a|b".to_string()]]);
        assert_eq!(table, "| token |\n|---|\n| a\\|b |\n");
        // A line break in a token cannot end the row.
        let table = markdown_table(&["token"], &[vec![code("a\nb")]]);
        assert_eq!(table, "| token |\n|---|\n| `a\\u{a}b` |\n");
    }

    #[test]
    fn a_section_is_titled_outside_what_its_anchor_includes() {
        let part = book_section("sizes", "Sizes", "Vocabulary: 3 tokens.\n");
        assert_eq!(
            part,
            "**Sizes**\n\n<!-- ANCHOR: sizes -->\nVocabulary: 3 tokens.\n<!-- ANCHOR_END: sizes -->\n\n"
        );
        assert!(book_section("inner", "", "x").starts_with("<!-- ANCHOR: inner -->"));
    }
}
