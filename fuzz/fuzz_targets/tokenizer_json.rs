//! Any bytes as a `tokenizer.json`: loading must answer with an error, and a tokenizer that
//! loads must encode and decode a word without panicking.
#![no_main]

use common::model::tokenizer::TokenizerModel;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(tokenizer) = TokenizerModel::from_json_bytes(bytes)
        && let Ok(ids) = tokenizer.encode("ring beauty é 🤗", true)
    {
        let _ = tokenizer.decode(&ids);
    }
});
