//! The interactive vocabulary map: a t-SNE map written as a self-contained page,
//! `map.html`, and its data beside it, `map-data.js`, for a browser to open from
//! `file://` with no network. Every token is drawn with its DBSCAN cluster; hovering shows
//! a token, a search box finds one, clicking lists its exact nearest neighbours in the
//! original embedding space with their distances, a cluster can be listed and exported,
//! and `map.html#token=<text>` opens with a token selected.
//!
//! The data is a script (`window.MAP_DATA = …`) rather than JSON because a page opened
//! from `file://` may not fetch files beside it, but may load scripts. Coordinates are
//! f32, neighbour indices u16 (u32 past 65,535 points) and distances u16 steps of a
//! common scale, each array little-endian and base64-encoded: the 49,135 text tokens of
//! the GPT stand-in with 15 neighbours each come to 5.5 MB (`bench/map-page.md`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const PAGE: &str = include_str!("explorer/map.html");
const SCRIPT: &str = include_str!("explorer/explorer.js");

/// What the explorer shows: one entry per point of the map.
pub struct VocabularyMap<'a> {
    pub title: String,
    /// Each token as a student reads it (see `model::display_text`).
    pub tokens: &'a [String],
    /// Vocabulary ids.
    pub ids: &'a [usize],
    pub points: &'a [[f64; 2]],
    /// DBSCAN labels, −1 for noise.
    pub clusters: &'a [i64],
    /// Each point's nearest neighbours among the map's points, nearest first:
    /// `(index into the map, squared Euclidean distance)`; the same count for every point.
    pub neighbours: &'a [Vec<(usize, f32)>],
}

/// The files written and the data's size.
pub struct Explorer {
    pub page: PathBuf,
    pub data_bytes: u64,
}

fn base64_of<T: Copy>(values: &[T], bytes: impl Fn(T) -> Vec<u8>) -> String {
    let raw: Vec<u8> = values.iter().flat_map(|&v| bytes(v)).collect();
    STANDARD.encode(raw)
}

/// Writes `map.html` and `map-data.js` into `dir`.
pub fn write_explorer(dir: &Path, map: &VocabularyMap) -> Result<Explorer> {
    let n = map.tokens.len();
    ensure!(
        map.ids.len() == n
            && map.points.len() == n
            && map.clusters.len() == n
            && map.neighbours.len() == n,
        "the map's tokens, ids, points, clusters and neighbour lists differ in length"
    );
    let k = map.neighbours.first().map_or(0, Vec::len);
    ensure!(
        map.neighbours.iter().all(|row| row.len() == k),
        "every token needs the same number of neighbours"
    );
    let xy: Vec<f32> = map
        .points
        .iter()
        .flat_map(|p| [p[0] as f32, p[1] as f32])
        .collect();
    let indices: Vec<usize> = map.neighbours.iter().flatten().map(|&(j, _)| j).collect();
    let distances: Vec<f64> = map
        .neighbours
        .iter()
        .flatten()
        .map(|&(_, d2)| (d2.max(0.0) as f64).sqrt())
        .collect();
    let scale = distances
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE)
        / 65535.0;
    let steps: Vec<u16> = distances
        .iter()
        .map(|d| (d / scale).round() as u16)
        .collect();
    let index_bytes = if n <= u16::MAX as usize + 1 { 2 } else { 4 };
    let neighbours = if index_bytes == 2 {
        base64_of(&indices, |j| (j as u16).to_le_bytes().to_vec())
    } else {
        base64_of(&indices, |j| (j as u32).to_le_bytes().to_vec())
    };
    let data = serde_json::json!({
        "title": map.title,
        "tokens": map.tokens,
        "ids": map.ids,
        "clusters": map.clusters,
        "k": k,
        "xy": base64_of(&xy, |v| v.to_le_bytes().to_vec()),
        "index_bytes": index_bytes,
        "neighbours": neighbours,
        "distances": base64_of(&steps, |v| v.to_le_bytes().to_vec()),
        "distance_scale": scale,
    });
    // serde_json escapes what would end a JavaScript string; the file is a script of its
    // own (not inline in the page), so token text like `</script>` is inert.
    let script = format!("window.MAP_DATA = {data};\n");
    let page = dir.join("map.html");
    let data_path = dir.join("map-data.js");
    std::fs::write(&data_path, &script)
        .with_context(|| format!("cannot write {}", data_path.display()))?;
    std::fs::write(&page, PAGE.replace("/*EXPLORER*/", SCRIPT))
        .with_context(|| format!("cannot write {}", page.display()))?;
    Ok(Explorer {
        page,
        data_bytes: script.len() as u64,
    })
}
