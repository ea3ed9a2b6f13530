//! Any bytes as a `model.safetensors`: the header parser and the matrix reader must
//! answer with an error, never panic or allocate beyond the input.
#![no_main]

use common::model::weights::{decode_matrix, parse_header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(tensors) = parse_header(bytes) {
        for tensor in tensors {
            let _ = decode_matrix(bytes, &tensor.name);
        }
    }
    let _ = decode_matrix(bytes, "wte.weight");
});
