//! Two models' maps of the tokens they share, side by side and linked: `compare.html`
//! and its data beside it, `compare-data.js`, for a browser to open from `file://` with no
//! network (the rules of the vocabulary map, `explorer`). Hovering or selecting a token in
//! either map marks it and its neighbours in both; each side lists the token's nearest
//! shared tokens in its model, those in both lists marked; the maps are coloured by the
//! models' agreement, by token kind, or by either model's regions; a search box finds a
//! token, and `compare.html#token=ring` opens with one selected.
//!
//! Token text is data: the page writes it with `textContent` and canvas text only, and the
//! data is a script of its own (serde_json escapes what would end a string), so a token
//! such as `</script>` stays text.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::analysis::communities::Regions;
use crate::model::token_kinds::TokenKind;

const PAGE: &str = include_str!("compare/compare.html");
/// How the page shows a token's control and bidirectional characters ([`SCRIPT`] uses it).
const SHOWN: &str = include_str!("shown.js");
const SCRIPT: &str = include_str!("compare/compare.js");

/// What the page shows. The first `count` tokens are on both maps; tokens after them are
/// shared tokens off the maps that a neighbour list names.
pub struct CompareMaps {
    pub title: String,
    /// The two models' names.
    pub models: [String; 2],
    /// Tokens on the maps.
    pub count: usize,
    /// Each token as the course writes it whatever the tokenizer (`ring`, `##ing`).
    pub labels: Vec<String>,
    /// Each token as each model stores it (`model::display_text`: `ring`, `Ġring`).
    pub texts: [Vec<String>; 2],
    /// Each token's id in each model.
    pub ids: Vec<[usize; 2]>,
    /// Each map token's kind.
    pub kinds: Vec<TokenKind>,
    /// Each map token's agreement: how many of its neighbours the two lists share.
    pub agreement: Vec<usize>,
    /// Each model's map.
    pub points: [Vec<[f64; 2]>; 2],
    /// Each map token's nearest tokens in each model, nearest first, as (index into the
    /// tokens, cosine similarity); the same count for every token.
    pub neighbours: [Vec<Vec<(usize, f32)>>; 2],
    /// Each model's regions over the map's tokens.
    pub regions: [Regions; 2],
}

/// The files written and the data's size.
pub struct Written {
    pub page: PathBuf,
    pub data_bytes: u64,
}

fn base64_of<T: Copy, const N: usize>(
    values: impl Iterator<Item = T>,
    bytes: impl Fn(T) -> [u8; N],
) -> String {
    let raw: Vec<u8> = values.flat_map(bytes).collect();
    STANDARD.encode(raw)
}

/// Writes `compare.html` and `compare-data.js` into `dir`.
pub fn write_compare(dir: &Path, maps: &CompareMaps) -> Result<Written> {
    let (n, total) = (maps.count, maps.labels.len());
    let k = maps.neighbours[0].first().map_or(0, Vec::len);
    ensure!(
        n <= total
            && maps.texts.iter().all(|t| t.len() == total)
            && maps.ids.len() == total
            && maps.kinds.len() == n
            && maps.agreement.len() == n
            && maps.points.iter().all(|p| p.len() == n)
            && maps.regions.iter().all(|r| r.labels.len() == n)
            && maps.neighbours.iter().flatten().all(|row| row.len() == k)
            && maps.neighbours.iter().all(|lists| lists.len() == n)
            && maps
                .neighbours
                .iter()
                .flatten()
                .flatten()
                .all(|&(j, _)| j < total),
        "the compared maps' tokens, texts, ids, kinds, points, regions and neighbour lists differ in length"
    );
    // The legend lists the kinds in their own order (special, digits, …, scripts).
    let mut present = maps.kinds.clone();
    present.sort_unstable();
    present.dedup();
    let kinds: Vec<usize> = maps
        .kinds
        .iter()
        .map(|kind| present.binary_search(kind).unwrap_or(0))
        .collect();
    let kind_names: Vec<String> = present.iter().map(|kind| kind.name()).collect();
    let side = |s: usize| {
        serde_json::json!({
            "model": maps.models[s],
            "texts": maps.texts[s],
            "ids": maps.ids.iter().map(|ids| ids[s]).collect::<Vec<_>>(),
            "xy": base64_of(maps.points[s].iter().flat_map(|p| [p[0] as f32, p[1] as f32]), f32::to_le_bytes),
            "neighbours": base64_of(maps.neighbours[s].iter().flatten().map(|&(j, _)| j as u32), u32::to_le_bytes),
            // Cosine similarity in steps of 2/65535 over [-1, 1].
            "similarities": base64_of(
                maps.neighbours[s].iter().flatten().map(|&(_, c)| ((c.clamp(-1.0, 1.0) as f64 + 1.0) / 2.0 * 65535.0).round() as u16),
                u16::to_le_bytes,
            ),
            "region_names": maps.regions[s].names,
            "regions": maps.regions[s].labels,
        })
    };
    let data = serde_json::json!({
        "title": maps.title,
        "count": n,
        "k": k,
        "labels": maps.labels,
        "kind_names": kind_names,
        "kinds": kinds,
        "agreement": maps.agreement,
        "sides": [side(0), side(1)],
    });
    let script = format!("window.COMPARE_DATA = {data};\n");
    let page = dir.join("compare.html");
    let data_path = dir.join("compare-data.js");
    std::fs::write(&data_path, &script)
        .with_context(|| format!("cannot write {}", data_path.display()))?;
    std::fs::write(
        &page,
        PAGE.replace("/*SHOWN*/", SHOWN)
            .replace("/*COMPARE*/", SCRIPT),
    )
    .with_context(|| format!("cannot write {}", page.display()))?;
    Ok(Written {
        page,
        data_bytes: script.len() as u64,
    })
}
