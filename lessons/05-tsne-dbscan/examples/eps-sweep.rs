//! DBSCAN at several eps on one map a lesson 5 run wrote (its report.json), as a Markdown
//! table: how many clusters, how much noise, how large the largest cluster is. On a map of
//! a whole vocabulary it shows that no one eps gives groups (the At-scale chapter):
//! `cargo run -p lesson05 --example eps-sweep -- out/05-tsne-dbscan/report.json 0.5 1 2`.
//! On the book's two whole-vocabulary maps every count agrees with scikit-learn's
//! `DBSCAN(eps, min_samples=3)` on the same points.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use common::analysis::dbscan::dbscan;

/// The notebook's min_samples, as the lesson's runs use it.
const MIN_SAMPLES: usize = 3;
/// A cluster of at least this many tokens counts as a group one could read.
const GROUP: usize = 10;

fn sweep(report: &str, eps: &[f64]) -> Result<String> {
    let text = std::fs::read_to_string(report).with_context(|| format!("cannot read {report}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{report} is not JSON"))?;
    let points: Vec<[f64; 2]> = serde_json::from_value(json["tsne"]["points"].clone())
        .with_context(|| format!("{report} holds no t-SNE map (tsne.points): is it lesson 5's?"))?;
    let n = points.len() as f64;
    let mut table = format!(
        "| eps | clusters | noise | largest cluster | clusters of {GROUP} or more tokens |\n|---|---|---|---|---|\n"
    );
    for &e in eps {
        let labels = dbscan(&points, e, MIN_SAMPLES)?;
        let clusters = labels.iter().copied().max().map_or(0, |m| (m + 1) as usize);
        let mut sizes = vec![0usize; clusters];
        for &l in labels.iter().filter(|&&l| l >= 0) {
            sizes[l as usize] += 1;
        }
        let noise = labels.iter().filter(|&&l| l < 0).count() as f64;
        let largest = sizes.iter().copied().max().unwrap_or(0) as f64;
        table += &format!(
            "| {e} | {clusters} | {:.1}% | {:.1}% | {} |\n",
            100.0 * noise / n,
            100.0 * largest / n,
            sizes.iter().filter(|&&s| s >= GROUP).count()
        );
    }
    Ok(table)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let run = || -> Result<String> {
        let Some((report, eps)) = args.split_first() else {
            bail!("usage: eps-sweep REPORT.json EPS… (a lesson 5 report and the radii to try)");
        };
        let eps = eps
            .iter()
            .map(|e| match e.parse::<f64>() {
                Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
                _ => bail!("eps must be a positive number, got `{e}`"),
            })
            .collect::<Result<Vec<_>>>()?;
        if eps.is_empty() {
            bail!("name at least one eps after the report");
        }
        sweep(report, &eps)
    };
    match run() {
        Ok(table) => {
            print!("{table}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
