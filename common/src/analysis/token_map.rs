//! What a map of some of a model's tokens shows beside the map itself, computed over the
//! whole vocabulary: each token's exact neighbours under both metrics, the text of those
//! not on the map, the named regions of the cosine neighbour graph, token kinds and vector
//! lengths. `plot::explorer` draws it as the interactive page.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;

use crate::Device;
use crate::analysis::communities::{Regions, named_regions};
use crate::analysis::neighbours::Neighbours;
use crate::analysis::tsne::TsneResult;
use crate::analysis::vocabulary::vocabulary_neighbours;
use crate::model::token_kinds::{TokenKind, token_kinds};
use crate::model::{Model, display_text, token_text};

/// Neighbours listed for each token on the map, under each metric.
pub const MAP_NEIGHBOURS: usize = 15;
/// Fewer on a map of more than 65,536 tokens, so that the data of a 150,000-token map
/// stays under 25 MB (`bench/map-page.md`).
pub const LARGE_MAP_NEIGHBOURS: usize = 8;

/// One metric's neighbour lists, one per point of the map.
pub struct MetricNeighbours {
    /// As deep links name it: `euclidean` or `cosine`.
    pub name: &'static str,
    /// What the distances are, as the page says above the list.
    pub description: String,
    /// Each point's nearest tokens, nearest first: `(vocabulary id, distance)`; the same
    /// count for every point.
    pub lists: Vec<Vec<(usize, f32)>>,
}

/// The map's tokens as the lesson computed them.
pub struct MapTokens<'a> {
    /// Vocabulary ids, one per point.
    pub ids: &'a [usize],
    /// Each token decoded, as the figures label it.
    pub labels: &'a [String],
    /// t-SNE's 2-D points.
    pub points: &'a [[f64; 2]],
    /// DBSCAN labels, −1 for noise.
    pub clusters: &'a [i64],
    /// t-SNE's Euclidean neighbour graph of the map's tokens, when it kept one: reused
    /// when the map is the whole vocabulary.
    pub neighbourhoods: Option<&'a [Neighbours]>,
}

impl<'a> MapTokens<'a> {
    /// A lesson's map: the tokens `ids` labelled `labels`, where t-SNE put them (with
    /// the neighbour graph it kept) and DBSCAN's `clusters`.
    pub fn new(
        ids: &'a [usize],
        labels: &'a [String],
        tsne: &'a TsneResult,
        clusters: &'a [i64],
    ) -> Self {
        Self {
            ids,
            labels,
            points: &tsne.points,
            clusters,
            neighbourhoods: tsne.neighbourhoods.as_deref(),
        }
    }
}

/// Everything the page shows beyond the lesson's own results.
pub struct MapContent {
    pub title: String,
    /// Each token as a student reads it (`model::display_text`).
    pub tokens: Vec<String>,
    pub kinds: Vec<String>,
    pub vector_lengths: Vec<f32>,
    pub regions: Regions,
    pub metrics: Vec<MetricNeighbours>,
    pub off_map: BTreeMap<usize, String>,
    /// Neighbours listed per token and metric.
    pub neighbours: usize,
    /// Tokens the neighbours were searched among.
    pub vocabulary: usize,
}

/// A token as a region's name writes it: the space `display_text` writes as GPT-2's `Ġ`
/// written `␣` (U+2423, the visible space), so that the mark is not read as a letter, and
/// a control character as its escape (`\u{d}`), which a canvas can measure and draw.
pub fn region_label(token: &str) -> String {
    crate::text::one_line(&token.replace('Ġ', "␣")).into_owned()
}

/// The page of `map`, a t-SNE map of some of `model`'s tokens: each token's nearest among
/// `text_tokens` and the map's own (special tokens are searched only when on the map),
/// and regions named from communities of the cosine neighbour graph (seeded by `seed`).
pub fn map_content(
    model: &Model,
    text_tokens: &[usize],
    map: &MapTokens,
    seed: u64,
    device: &Device,
) -> Result<MapContent> {
    let ids = map.ids;
    let mut vocabulary: Vec<usize> = text_tokens.iter().chain(ids).copied().collect();
    vocabulary.sort_unstable();
    vocabulary.dedup();
    let listed = if ids.len() > 1 << 16 {
        LARGE_MAP_NEIGHBOURS
    } else {
        MAP_NEIGHBOURS
    };
    let k = listed.min(vocabulary.len() - 1);
    let lists = vocabulary_neighbours(
        &model.embeddings,
        &vocabulary,
        ids,
        k,
        map.neighbourhoods,
        device,
    )?;
    // Tokens as a student reads them: the decoded labels of the figures.
    let entries = model.tokenizer.vocab_strings();
    let shown =
        |id: usize, decoded: &str| display_text(decoded, entries.get(id).map(String::as_str));
    let tokens: Vec<String> = ids
        .iter()
        .zip(map.labels)
        .map(|(&id, l)| shown(id, l))
        .collect();
    let position: HashMap<usize, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let off_map = lists
        .euclidean
        .iter()
        .chain(&lists.cosine)
        .flatten()
        .filter(|(id, _)| !position.contains_key(id))
        .map(|&(id, _)| Ok((id, shown(id, &token_text(model, id)?))))
        .collect::<Result<BTreeMap<usize, String>>>()?;
    // Regions from the cosine lists, as indices into the map (off-map neighbours past it).
    let cosine_graph: Vec<Vec<usize>> = lists
        .cosine
        .iter()
        .map(|row| {
            row.iter()
                .map(|(id, _)| position.get(id).copied().unwrap_or(usize::MAX))
                .collect()
        })
        .collect();
    // Named as a label on the map is read: a leading space as `␣`, since a bold `Ġ` at
    // label size reads as a `G` ("GLebanese GBrazilian GThai").
    let label_texts: Vec<String> = tokens.iter().map(|t| region_label(t)).collect();
    let regions = named_regions(&cosine_graph, &label_texts, seed);
    let kinds = token_kinds(model, ids)?
        .into_iter()
        .map(TokenKind::name)
        .collect();
    let squares = model.embeddings.squared_norms();
    let vector_lengths = ids.iter().map(|&id| squares[id].sqrt()).collect();
    Ok(MapContent {
        title: format!("{}: t-SNE map of {} tokens", model.label(), ids.len()),
        tokens,
        kinds,
        vector_lengths,
        regions,
        metrics: vec![
            MetricNeighbours {
                name: "euclidean",
                description: "Euclidean distance between the raw vectors".into(),
                lists: lists.euclidean,
            },
            MetricNeighbours {
                name: "cosine",
                description: "Euclidean distance between unit-length vectors (cosine)".into(),
                lists: lists.cosine,
            },
        ],
        off_map,
        neighbours: k,
        vocabulary: vocabulary.len(),
    })
}
