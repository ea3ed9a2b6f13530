//! Any bytes as a `model.safetensors.index.json`: the index parser must answer with an
//! error or a weight map whose every shard name stays inside the model folder (ordinary
//! path components only, no backslash or NUL), never panic.
#![no_main]

use std::path::{Component, Path};

use common::model::weights::parse_shard_index;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(weight_map) = parse_shard_index(bytes) {
        for shard in weight_map.values() {
            let inside = !shard.is_empty()
                && !shard.contains(['\\', '\0'])
                && Path::new(shard)
                    .components()
                    .all(|c| matches!(c, Component::Normal(_)));
            assert!(inside, "{shard:?} leads outside the model folder");
        }
    }
});
