//! `report.json`: every number a lesson prints, in one machine-readable file, plus what
//! the numbers were computed from (models, stand-ins, backend, seed) and the figures made.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::model::Model;

pub struct Report {
    lesson: String,
    fields: Map<String, Value>,
    figures: Vec<String>,
}

impl Report {
    pub fn new(lesson: &str) -> Self {
        Self {
            lesson: lesson.to_string(),
            fields: Map::new(),
            figures: Vec::new(),
        }
    }

    /// Stores `value` under `key` (a step name).
    pub fn record(&mut self, key: &str, value: impl Serialize) -> Result<()> {
        self.fields
            .insert(key.to_string(), serde_json::to_value(value)?);
        Ok(())
    }

    /// Adds the models used to the report's `models` list, saying which are stand-ins.
    pub fn add_models(&mut self, models: &[&Model]) -> Result<()> {
        let entry = self
            .fields
            .entry("models")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.extend(
                models
                    .iter()
                    .map(|m| json!({ "name": m.files.name, "standin": m.files.standin })),
            );
        }
        Ok(())
    }

    pub fn figure(&mut self, files: &[PathBuf]) {
        self.figures.extend(
            files
                .iter()
                .filter_map(|f| f.file_name())
                .map(|n| n.to_string_lossy().into_owned()),
        );
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key)
    }

    pub fn to_json(&self) -> Value {
        let mut all = Map::new();
        all.insert("lesson".into(), json!(self.lesson));
        all.extend(self.fields.clone());
        all.insert("figures".into(), json!(self.figures));
        Value::Object(all)
    }

    /// Writes `dir/report.json`.
    pub fn write(&self, dir: &Path) -> Result<PathBuf> {
        let path = dir.join("report.json");
        std::fs::write(&path, serde_json::to_string_pretty(&self.to_json())? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }
}

/// The loud notice printed (and put in figure titles) when a stand-in is in use.
pub fn standin_banner(models: &[&Model]) -> Option<String> {
    let lines: Vec<String> = models
        .iter()
        .filter_map(|m| {
            m.files
                .standin
                .as_ref()
                .map(|s| format!("  {} → {}", s.stands_in_for, s.description))
        })
        .collect();
    if lines.is_empty() {
        return None;
    }
    let rule = "!".repeat(78);
    Some(format!(
        "{rule}\n  OFFLINE STAND-IN MODELS: numbers and figures below are NOT those of the course models.\n{}\n{rule}",
        lines.join("\n")
    ))
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
}
