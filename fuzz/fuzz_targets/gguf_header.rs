//! Any bytes as a `.gguf` file: the header parser, the embedding matrix reader and the
//! tokenizer built from the metadata must answer with an error, never panic, hang or
//! allocate beyond what the input can hold.
#![no_main]

use common::model::gguf::{EMBEDDING_TENSOR, Header, decode_matrix};
use common::model::tokenizer::TokenizerModel;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(header) = Header::parse(bytes) {
        let _ = decode_matrix(bytes, &header, EMBEDDING_TENSOR);
        if let Ok(tokenizer) = TokenizerModel::from_gguf(&header)
            && let Ok(ids) = tokenizer.encode("ring 2024 é", false)
        {
            let _ = tokenizer.decode(&ids);
        }
    }
});
