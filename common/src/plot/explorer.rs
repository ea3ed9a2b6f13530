//! The interactive vocabulary map: a t-SNE map written as a self-contained page,
//! `map.html`, and its data beside it, `map-data.js`, for a browser to open from
//! `file://` with no network. Every token is drawn coloured by a choice of the reader's
//! ("Colour by": DBSCAN cluster, region, token kind, token length, vector length, and a
//! diagnosis's under-trained score and hubness when lesson 7's scores are given) with a
//! legend whose entries list and export their tokens; named regions are labelled on the
//! map; hovering shows a token, a search box finds one, and clicking lists its exact
//! nearest neighbours in the whole vocabulary under either metric (raw Euclidean or
//! unit-length vectors), those not on the map marked. `map.html#token=<text>&metric=cosine`
//! opens with a token selected under a metric.
//!
//! The data is a script (`window.MAP_DATA = …`) rather than JSON because a page opened
//! from `file://` may not fetch files beside it, but may load scripts. Coordinates are
//! f32, neighbour indices u16 (three bytes past 65,536 tokens) and distances u16 steps of a
//! scale per metric, each array little-endian and base64-encoded (`bench/map-page.md`
//! measures the size and speed at a whole vocabulary).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::analysis::communities::Regions;
use crate::analysis::token_map::{MapContent, MapTokens, MetricNeighbours};

const PAGE: &str = include_str!("explorer/map.html");
/// How the page shows a token's control and bidirectional characters ([`SCRIPT`] uses it).
const SHOWN: &str = include_str!("shown.js");
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
    /// Each token's kind, as the legend names it (`model::token_kinds`).
    pub kinds: &'a [String],
    /// ‖x‖ of each token's embedding vector.
    pub vector_lengths: &'a [f32],
    pub regions: &'a Regions,
    /// The neighbour lists under each metric, the default (first) first.
    pub metrics: &'a [MetricNeighbours],
    /// The text of every vocabulary token a neighbour list names that is not on the map.
    pub off_map: &'a BTreeMap<usize, String>,
    /// A diagnosis's scores of the map's tokens (lesson 7's `token-scores.json`), when the
    /// reader gave one: two more "Colour by" choices.
    pub diagnosis: Option<&'a MapDiagnosis>,
}

/// Lesson 7's per-token scores of the map's tokens, one entry per point.
pub struct MapDiagnosis {
    /// Higher: more likely under-trained.
    pub under_trained: Vec<f32>,
    /// N_k: in how many tokens' k nearest (by cosine) each token is, in the whole vocabulary.
    pub hubness: Vec<u32>,
}

impl<'a> VocabularyMap<'a> {
    /// The page of `content` (computed by `analysis::token_map`) over the map's tokens.
    pub fn new(content: &'a MapContent, map: &MapTokens<'a>) -> Self {
        VocabularyMap {
            title: content.title.clone(),
            tokens: &content.tokens,
            ids: map.ids,
            points: map.points,
            clusters: map.clusters,
            kinds: &content.kinds,
            vector_lengths: &content.vector_lengths,
            regions: &content.regions,
            metrics: &content.metrics,
            off_map: &content.off_map,
            diagnosis: None,
        }
    }
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

/// Each distinct value of `values` in order of first appearance, and each value's index.
fn categories(values: &[String]) -> (Vec<&str>, Vec<usize>) {
    let mut names: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let codes = values
        .iter()
        .map(|v| {
            *index.entry(v).or_insert_with(|| {
                names.push(v);
                names.len() - 1
            })
        })
        .collect();
    (names, codes)
}

/// Writes `map.html` and `map-data.js` into `dir`.
pub fn write_explorer(dir: &Path, map: &VocabularyMap) -> Result<Explorer> {
    let n = map.tokens.len();
    ensure!(
        map.ids.len() == n
            && map.points.len() == n
            && map.clusters.len() == n
            && map.kinds.len() == n
            && map.vector_lengths.len() == n
            && map.regions.labels.len() == n
            && map.metrics.iter().all(|m| m.lists.len() == n)
            && map
                .diagnosis
                .is_none_or(|d| d.under_trained.len() == n && d.hubness.len() == n),
        "the map's tokens, ids, points, clusters, kinds, lengths, regions and neighbour lists differ in length"
    );
    let k = map
        .metrics
        .first()
        .and_then(|m| m.lists.first())
        .map_or(0, Vec::len);
    ensure!(
        map.metrics
            .iter()
            .flat_map(|m| &m.lists)
            .all(|row| row.len() == k),
        "every token needs the same number of neighbours"
    );
    // The token table: the map's points, then the off-map tokens the lists name.
    let mut tokens: Vec<&str> = map.tokens.iter().map(String::as_str).collect();
    let mut ids = map.ids.to_vec();
    let mut row_of: HashMap<usize, usize> =
        ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    for metric in map.metrics {
        for &(id, _) in metric.lists.iter().flatten() {
            if let std::collections::hash_map::Entry::Vacant(slot) = row_of.entry(id) {
                let text = map.off_map.get(&id).with_context(|| {
                    format!("a neighbour list names token {id}, whose text is missing")
                })?;
                slot.insert(tokens.len());
                tokens.push(text);
                ids.push(id);
            }
        }
    }
    let xy: Vec<f32> = map
        .points
        .iter()
        .flat_map(|p| [p[0] as f32, p[1] as f32])
        .collect();
    // Indices in two bytes up to 65,536 tokens, else three (up to 16.7 million).
    let index_bytes = if tokens.len() <= 1 << 16 { 2 } else { 3 };
    ensure!(
        tokens.len() <= 1 << 24,
        "{} tokens are more than the map's data can index",
        tokens.len()
    );
    let metrics: Vec<serde_json::Value> = map
        .metrics
        .iter()
        .map(|metric| {
            let rows: Vec<usize> = metric
                .lists
                .iter()
                .flatten()
                .map(|(id, _)| row_of[id])
                .collect();
            let scale = metric
                .lists
                .iter()
                .flatten()
                .map(|&(_, d)| d as f64)
                .fold(0.0, f64::max)
                .max(f64::MIN_POSITIVE)
                / 65535.0;
            let steps: Vec<u16> = metric
                .lists
                .iter()
                .flatten()
                .map(|&(_, d)| (d.max(0.0) as f64 / scale).round() as u16)
                .collect();
            let neighbours = base64_of(&rows, |j| (j as u32).to_le_bytes()[..index_bytes].to_vec());
            serde_json::json!({
                "name": metric.name,
                "description": metric.description,
                "neighbours": neighbours,
                "distances": base64_of(&steps, |v| v.to_le_bytes().to_vec()),
                "distance_scale": scale,
            })
        })
        .collect();
    let (kind_names, kinds) = categories(map.kinds);
    let data = serde_json::json!({
        "title": map.title,
        "count": n,
        "tokens": tokens,
        "ids": ids,
        "clusters": map.clusters,
        "kind_names": kind_names,
        "kinds": kinds,
        "vector_lengths": base64_of(map.vector_lengths, |v| v.to_le_bytes().to_vec()),
        "region_names": map.regions.names,
        "regions": map.regions.labels,
        "k": k,
        "xy": base64_of(&xy, |v| v.to_le_bytes().to_vec()),
        "index_bytes": index_bytes,
        "metrics": metrics,
    });
    // serde_json escapes what would end a JavaScript string; the file is a script of its
    // own (not inline in the page), so token text like `</script>` is inert.
    let mut data = data;
    if let Some(d) = map.diagnosis {
        data["under_trained"] = base64_of(&d.under_trained, |v| v.to_le_bytes().to_vec()).into();
        data["hubness"] = base64_of(&d.hubness, |v| v.to_le_bytes().to_vec()).into();
    }
    let script = format!("window.MAP_DATA = {data};\n");
    let page = dir.join("map.html");
    let data_path = dir.join("map-data.js");
    std::fs::write(&data_path, &script)
        .with_context(|| format!("cannot write {}", data_path.display()))?;
    std::fs::write(
        &page,
        PAGE.replace("/*SHOWN*/", SHOWN)
            .replace("/*EXPLORER*/", SCRIPT),
    )
    .with_context(|| format!("cannot write {}", page.display()))?;
    Ok(Explorer {
        page,
        data_bytes: script.len() as u64,
    })
}
