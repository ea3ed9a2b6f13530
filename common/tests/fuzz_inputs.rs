//! The fuzz targets' inputs, run as ordinary tests: the seed corpus must load, and every
//! input the fuzzer ever found crashing (kept in `fuzz/regressions/`) must now give an
//! answer, not a panic. `fuzz/README.md` says how to fuzz for more.

mod support;
use support::common_dir;

use std::path::{Path, PathBuf};

use common::model::gguf::{EMBEDDING_TENSOR, Header, decode_matrix as decode_gguf};
use common::model::tokenizer::TokenizerModel;
use common::model::weights::{decode_matrix, parse_header, parse_shard_index};
use common::plot::{Figure, svg};
use common::text::is_unprintable;

fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = common_dir().join("../fuzz").join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep"));
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn safetensors_seeds_load_and_regressions_answer() {
    let seeds = inputs("seeds", "safetensors_header");
    assert!(!seeds.is_empty());
    for (path, bytes) in &seeds {
        let tensors = parse_header(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let first = &tensors.iter().find(|t| t.shape.len() == 2).unwrap().name;
        assert!(decode_matrix(bytes, first).is_ok(), "{}", path.display());
    }
    for (_, bytes) in inputs("regressions", "safetensors_header") {
        if let Ok(tensors) = parse_header(&bytes) {
            for tensor in tensors {
                let _ = decode_matrix(&bytes, &tensor.name);
            }
        }
    }
}

#[test]
fn gguf_seeds_load_and_regressions_answer() {
    // The seeds were written by the gguf Python package's own writer.
    let seeds = inputs("seeds", "gguf_header");
    assert!(!seeds.is_empty());
    for (path, bytes) in &seeds {
        let header = Header::parse(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let matrix = decode_gguf(bytes, &header, EMBEDDING_TENSOR)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let tokenizer = TokenizerModel::from_gguf(&header).unwrap();
        assert_eq!(matrix.rows(), tokenizer.vocab_size(), "{}", path.display());
        // "ab" is the second merged token (28 + 1), " " is "Ġ" (27), "c" the third letter.
        assert_eq!(tokenizer.encode("ab c", false).unwrap(), [29, 27, 3]);
        assert_eq!(tokenizer.special_ids().into_iter().collect::<Vec<_>>(), [0]);
    }
    for (_, bytes) in inputs("regressions", "gguf_header") {
        if let Ok(header) = Header::parse(&bytes) {
            let _ = decode_gguf(&bytes, &header, EMBEDDING_TENSOR);
            let _ = TokenizerModel::from_gguf(&header);
        }
    }
}

#[test]
fn tokenizer_seeds_load_and_regressions_answer() {
    let seeds = inputs("seeds", "tokenizer_json");
    assert!(!seeds.is_empty());
    for (path, bytes) in &seeds {
        let tokenizer = TokenizerModel::from_json_bytes(bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let ids = tokenizer.encode("ring", false).unwrap();
        assert!(!ids.is_empty(), "{}", path.display());
        assert_eq!(
            tokenizer.decode(&ids).unwrap().trim(),
            "ring",
            "{}",
            path.display()
        );
    }
    for (_, bytes) in inputs("regressions", "tokenizer_json") {
        if let Ok(tokenizer) = TokenizerModel::from_json_bytes(&bytes)
            && let Ok(ids) = tokenizer.encode("ring beauty é 🤗", true)
        {
            let _ = tokenizer.decode(&ids);
        }
    }
}

#[test]
fn shard_index_seeds_and_regressions_never_lead_outside_the_model_folder() {
    let seeds = inputs("seeds", "shard_index");
    assert!(!seeds.is_empty());
    for (path, bytes) in seeds.iter().chain(&inputs("regressions", "shard_index")) {
        let name = path.file_name().unwrap().to_string_lossy();
        match parse_shard_index(bytes) {
            Ok(weight_map) => {
                assert_eq!(name, "two_shards.json", "{name} is accepted");
                assert!(weight_map.values().all(|shard| {
                    !shard.contains(['\\', '\0'])
                        && Path::new(shard)
                            .components()
                            .all(|c| matches!(c, std::path::Component::Normal(_)))
                }));
            }
            Err(e) => assert_ne!(name, "two_shards.json", "{e:#}"),
        }
    }
}

#[test]
fn svg_text_seeds_and_regressions_draw_well_formed_xml() {
    let seeds = inputs("seeds", "svg_text");
    assert!(!seeds.is_empty());
    for (path, bytes) in seeds.iter().chain(&inputs("regressions", "svg_text")) {
        let texts: Vec<String> = bytes
            .split(|&b| b == 0xFF)
            .map(|text| String::from_utf8_lossy(text).into_owned())
            .collect();
        let drawn = svg(Figure::text_specimen(&texts)).unwrap();
        let document = roxmltree::Document::parse(&drawn)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for node in document.descendants().filter(|n| n.is_text()) {
            let text = node.text().unwrap_or_default();
            assert!(
                !text.chars().any(|c| c != '\n' && is_unprintable(c)),
                "{}: {text:?}",
                path.display()
            );
        }
    }
}
