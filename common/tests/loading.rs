//! The model layer on small generated checkpoints: every dtype, sharded checkpoints,
//! tokenizer fallbacks, and the HF cache layout — no network, no large files.

use std::fs;
use std::path::Path;

use common::model::Model;
use common::model::files::locate;
use common::model::hub::Hub;
use common::model::weights::{
    DecodeError, SafetensorsEntry, decode_matrix, parse_header, read_header, write_safetensors,
};
use half::{bf16, f16};

/// A tiny WordPiece vocabulary: specials, then a few words.
const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\n##s\n";
const ROWS: usize = 8;
const COLS: usize = 3;

fn values() -> Vec<f32> {
    // Exactly representable in f16 and bf16, so every dtype must read back these values.
    (0..ROWS * COLS).map(|i| i as f32 * 0.25 - 2.0).collect()
}

fn entry(name: &str, dtype: &str, shape: Vec<usize>, bytes: Vec<u8>) -> SafetensorsEntry {
    SafetensorsEntry {
        name: name.into(),
        dtype: dtype.into(),
        shape,
        bytes,
    }
}

fn encode(dtype: &str, values: &[f32]) -> Vec<u8> {
    match dtype {
        "F32" => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        "F16" => values
            .iter()
            .flat_map(|v| f16::from_f32(*v).to_le_bytes())
            .collect(),
        "BF16" => values
            .iter()
            .flat_map(|v| bf16::from_f32(*v).to_le_bytes())
            .collect(),
        _ => unreachable!(),
    }
}

/// A BERT-like model directory: vocab.txt, config.json, and a checkpoint holding the
/// embeddings under BERT's real tensor name plus another tensor that must not be read.
fn bert_dir(dir: &Path, dtype: &str) {
    bert_dir_with(dir, dtype, &values());
}

/// [`bert_dir`] with the given embedding values.
fn bert_dir_with(dir: &Path, dtype: &str, embeddings: &[f32]) {
    fs::write(dir.join("vocab.txt"), VOCAB).unwrap();
    fs::write(
        dir.join("config.json"),
        r#"{"model_type":"bert","num_hidden_layers":2,"hidden_size":3}"#,
    )
    .unwrap();
    write_safetensors(
        &dir.join("model.safetensors"),
        &[
            entry(
                "bert.embeddings.position_embeddings.weight",
                dtype,
                vec![2, COLS],
                encode(dtype, &[9.0; 2 * COLS]),
            ),
            entry(
                "bert.embeddings.word_embeddings.weight",
                dtype,
                vec![ROWS, COLS],
                encode(dtype, embeddings),
            ),
        ],
    )
    .unwrap();
}

#[test]
fn every_dtype_reads_back_as_f32() {
    for dtype in ["F32", "F16", "BF16"] {
        let dir = tempfile::tempdir().unwrap();
        bert_dir(dir.path(), dtype);
        let files = locate(dir.path().to_str().unwrap(), &Hub::new(dir.path(), true)).unwrap();
        assert_eq!(
            files.embedding_tensor,
            "bert.embeddings.word_embeddings.weight"
        );
        let model = Model::load(files).unwrap();
        assert_eq!(model.embeddings.shape(), [ROWS, COLS], "{dtype}");
        assert_eq!(model.embeddings.data(), values().as_slice(), "{dtype}");
    }
}

#[test]
fn embeddings_holding_nan_infinity_or_an_overflowing_value_are_refused_by_row() {
    // 1e20² overflows f32 (3.4e38): every distance from that row would be infinite.
    for (row, bad) in [(6, f32::NAN), (2, f32::NEG_INFINITY), (4, 1e20)] {
        let dir = tempfile::tempdir().unwrap();
        let mut embeddings = values();
        embeddings[row * COLS + 1] = bad;
        bert_dir_with(dir.path(), "F32", &embeddings);
        let files = locate(dir.path().to_str().unwrap(), &Hub::new(dir.path(), true)).unwrap();
        let error = Model::load(files)
            .err()
            .expect("a damaged matrix loads")
            .to_string();
        assert!(
            error.contains(&format!(
                "row {row} of bert.embeddings.word_embeddings.weight"
            )) && error.contains("the file is damaged")
                && !error.contains('\n'),
            "{error}"
        );
    }
    // The largest value whose square still fits loads.
    let dir = tempfile::tempdir().unwrap();
    let mut embeddings = values();
    embeddings[1] = 1e19;
    bert_dir_with(dir.path(), "F32", &embeddings);
    let files = locate(dir.path().to_str().unwrap(), &Hub::new(dir.path(), true)).unwrap();
    assert!(Model::load(files).is_ok());
}

#[test]
fn wordpiece_tokenizer_is_built_from_vocab_txt() {
    let dir = tempfile::tempdir().unwrap();
    bert_dir(dir.path(), "F32");
    let model =
        Model::load(locate(dir.path().to_str().unwrap(), &Hub::new(dir.path(), true)).unwrap())
            .unwrap();
    // lower-cased, split into word pieces, wrapped in [CLS] … [SEP]
    assert_eq!(
        model.tokenizer.encode("The cats", true).unwrap(),
        vec![2, 5, 6, 7, 3]
    );
    assert_eq!(model.tokenizer.encode("dog", false).unwrap(), vec![1]); // [UNK]
    assert_eq!(model.tokenizer.decode(&[5, 6, 7]).unwrap(), "the cats");
    assert_eq!(model.tokenizer.vocab_size(), ROWS);
}

#[test]
fn sharded_checkpoints_read_only_the_embedding_shard() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("vocab.txt"), VOCAB).unwrap();
    write_safetensors(
        &d.join("model-00001-of-00002.safetensors"),
        &[entry(
            "model.layers.0.mlp.weight",
            "F32",
            vec![1, 2],
            encode("F32", &[1.0, 2.0]),
        )],
    )
    .unwrap();
    write_safetensors(
        &d.join("model-00002-of-00002.safetensors"),
        &[entry(
            "model.embed_tokens.weight",
            "BF16",
            vec![ROWS, COLS],
            encode("BF16", &values()),
        )],
    )
    .unwrap();
    fs::write(
        d.join("model.safetensors.index.json"),
        r#"{"metadata":{},"weight_map":{"model.layers.0.mlp.weight":"model-00001-of-00002.safetensors",
            "model.embed_tokens.weight":"model-00002-of-00002.safetensors"}}"#,
    )
    .unwrap();
    // Remove the first shard: it must not be needed.
    fs::remove_file(d.join("model-00001-of-00002.safetensors")).unwrap();
    let model = Model::load(locate(d.to_str().unwrap(), &Hub::new(d, true)).unwrap()).unwrap();
    assert_eq!(model.files.embedding_tensor, "model.embed_tokens.weight");
    assert_eq!(model.embeddings.data(), values().as_slice());
}

#[test]
fn a_shard_index_pointing_at_a_missing_shard_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("vocab.txt"), VOCAB).unwrap();
    fs::write(
        d.join("model.safetensors.index.json"),
        r#"{"weight_map":{"wte.weight":"gone.safetensors"}}"#,
    )
    .unwrap();
    let err = locate(d.to_str().unwrap(), &Hub::new(d, true)).unwrap_err();
    assert!(format!("{err:#}").contains("gone.safetensors"), "{err:#}");
}

#[test]
fn a_tokenizer_with_more_tokens_than_the_matrix_has_rows_is_refused_at_load() {
    // What is checked: a vocabulary of 8 tokens over a matrix of 5 rows is one line naming
    // both counts when the model loads (it was accepted, and lessons used only the first 5).
    let dir = tempfile::tempdir().unwrap();
    bert_dir(dir.path(), "F32");
    write_safetensors(
        &dir.path().join("model.safetensors"),
        &[entry(
            "bert.embeddings.word_embeddings.weight",
            "F32",
            vec![5, COLS],
            encode("F32", &values()[..5 * COLS]),
        )],
    )
    .unwrap();
    let files = locate(dir.path().to_str().unwrap(), &Hub::new(dir.path(), true)).unwrap();
    let error = Model::load(files).err().expect("refused").to_string();
    assert!(
        error.contains("the tokenizer has 8 token ids")
            && error.contains("has 5 rows")
            && !error.contains('\n'),
        "{error}"
    );
}

#[test]
fn a_matrix_without_columns_is_refused_at_load() {
    // What is checked: a [8, 0] embedding tensor is one line naming its shape when the
    // model loads (it failed later, drawing a figure, with the hidden staging path).
    let dir = tempfile::tempdir().unwrap();
    bert_dir(dir.path(), "F32");
    write_safetensors(
        &dir.path().join("model.safetensors"),
        &[entry(
            "bert.embeddings.word_embeddings.weight",
            "F32",
            vec![ROWS, 0],
            Vec::new(),
        )],
    )
    .unwrap();
    let files = locate(dir.path().to_str().unwrap(), &Hub::new(dir.path(), true)).unwrap();
    let error = Model::load(files).err().expect("refused").to_string();
    assert!(error.contains("has shape [8, 0]"), "{error}");
}

#[test]
fn shard_index_paths_outside_the_model_folder_are_refused_before_any_open() {
    // What is checked: a `weight_map` naming a file outside the model folder (`..`, an
    // absolute path) is refused when the index is read, before anything is opened. The
    // bait beside the folder is a valid checkpoint holding the embedding tensor, so a
    // lesson that opened it would load it and succeed.
    let root = tempfile::tempdir().unwrap();
    let bait = root.path().join("bait.safetensors");
    write_safetensors(
        &bait,
        &[entry(
            "wte.weight",
            "F32",
            vec![ROWS, COLS],
            encode("F32", &values()),
        )],
    )
    .unwrap();
    let model = root.path().join("model");
    fs::create_dir_all(model.join("sub")).unwrap();
    fs::write(model.join("vocab.txt"), VOCAB).unwrap();
    for shard in [
        "../bait.safetensors".to_string(),
        "sub/../../bait.safetensors".to_string(),
        bait.to_str().unwrap().to_string(),
    ] {
        fs::write(
            model.join("model.safetensors.index.json"),
            serde_json::json!({ "weight_map": { "wte.weight": shard } }).to_string(),
        )
        .unwrap();
        let loaded =
            locate(model.to_str().unwrap(), &Hub::new(root.path(), true)).and_then(Model::load);
        let error = format!("{:#}", loaded.err().expect("the index is refused"));
        assert!(
            error.contains("not a plain file name inside the model folder")
                && error.contains(&shard)
                && !error.contains('\n'),
            "{shard}: {error}"
        );
    }
}

#[test]
fn truncated_and_corrupt_files_are_reported_not_panicked() {
    let dir = tempfile::tempdir().unwrap();
    bert_dir(dir.path(), "F32");
    let path = dir.path().join("model.safetensors");
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
    let err = locate(dir.path().to_str().unwrap(), &Hub::new(dir.path(), true)).unwrap_err();
    assert!(
        format!("{err:#}").contains("not a valid safetensors file"),
        "{err:#}"
    );

    // header length far past the end of the file
    fs::write(&path, [0xff; 16]).unwrap();
    assert!(read_header(&path).is_err());
    // an empty file
    fs::write(&path, []).unwrap();
    assert!(read_header(&path).is_err());
}

/// A safetensors file from a header written by hand and `data_len` zero bytes of data.
fn raw_safetensors(header: &str, data_len: usize) -> Vec<u8> {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.resize(bytes.len() + data_len, 0);
    bytes
}

#[test]
fn every_kind_of_corrupt_header_is_an_error_not_a_panic() {
    const NAME: &str = "wte.weight";
    let tensor = |dtype: &str, shape: &str, offsets: &str| {
        format!(r#"{{"{NAME}":{{"dtype":"{dtype}","shape":{shape},"data_offsets":{offsets}}}}}"#)
    };
    let good = tensor("F32", "[2,3]", "[0,24]");
    assert!(decode_matrix(&raw_safetensors(&good, 24), NAME).is_ok());

    let mut huge_length = raw_safetensors(&good, 24);
    huge_length[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    let two = |a: &str, b: &str| {
        format!(
            r#"{{"a":{{"dtype":"F32","shape":[2],"data_offsets":{a}}},"b":{{"dtype":"F32","shape":[2],"data_offsets":{b}}}}}"#
        )
    };
    let corrupt: Vec<(&str, Vec<u8>)> = vec![
        ("empty file", vec![]),
        ("shorter than the length prefix", vec![1, 0, 0]),
        (
            "header length past the end",
            raw_safetensors(&good, 24)[..20].to_vec(),
        ),
        ("header length u64::MAX", huge_length),
        (
            "header not UTF-8",
            [2u64.to_le_bytes().as_slice(), &[0xff, 0xfe]].concat(),
        ),
        ("header not JSON", raw_safetensors("{ nope", 0)),
        ("header a JSON list", raw_safetensors("[1,2]", 0)),
        (
            "unknown dtype",
            raw_safetensors(&tensor("Q9", "[2,3]", "[0,24]"), 24),
        ),
        (
            "shape and byte count disagree",
            raw_safetensors(&tensor("F32", "[2,3]", "[0,20]"), 20),
        ),
        (
            "offsets past the data",
            raw_safetensors(&tensor("F32", "[2,3]", "[0,24]"), 16),
        ),
        (
            "offsets reversed",
            raw_safetensors(&tensor("F32", "[2,3]", "[24,0]"), 24),
        ),
        ("trailing bytes after the data", raw_safetensors(&good, 32)),
        (
            "overlapping tensors",
            raw_safetensors(&two("[0,8]", "[4,12]"), 12),
        ),
        (
            "a gap between tensors",
            raw_safetensors(&two("[0,8]", "[12,20]"), 20),
        ),
        (
            "shape overflowing usize",
            raw_safetensors(&tensor("F32", "[18446744073709551615,2]", "[0,24]"), 24),
        ),
    ];
    for (what, bytes) in &corrupt {
        assert!(parse_header(bytes).is_err(), "{what}: header accepted");
        assert!(
            matches!(decode_matrix(bytes, NAME), Err(DecodeError::Corrupt(_))),
            "{what}: not reported as corrupt"
        );
    }

    // Valid files that hold no usable matrix: the reason is said, not "corrupt".
    let unusable = [
        (
            "integer dtype",
            raw_safetensors(&tensor("I32", "[2,3]", "[0,24]"), 24),
            "dtype I32",
        ),
        (
            "1-D tensor",
            raw_safetensors(&tensor("F32", "[6]", "[0,24]"), 24),
            "2-D",
        ),
        (
            "no such tensor",
            raw_safetensors(&two("[0,8]", "[8,16]"), 16),
            "no tensor named",
        ),
    ];
    for (what, bytes, reason) in unusable {
        match decode_matrix(&bytes, NAME) {
            Err(DecodeError::Unusable(why)) => assert!(why.contains(reason), "{what}: {why}"),
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn a_checkpoint_without_embeddings_lists_the_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("vocab.txt"), VOCAB).unwrap();
    write_safetensors(
        &d.join("model.safetensors"),
        &[entry(
            "encoder.emb_proj.weight",
            "F32",
            vec![1, 1],
            encode("F32", &[1.0]),
        )],
    )
    .unwrap();
    let err = locate(d.to_str().unwrap(), &Hub::new(d, true)).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("no token-embedding tensor") && text.contains("encoder.emb_proj.weight"),
        "{text}"
    );
}

#[test]
fn models_are_found_in_the_hf_cache_layout_offline() {
    let cache = tempfile::tempdir().unwrap();
    let repo = cache.path().join("models--someone--tiny-bert");
    let snapshot = repo.join("snapshots").join("0123abcd");
    fs::create_dir_all(&snapshot).unwrap();
    fs::create_dir_all(repo.join("refs")).unwrap();
    fs::write(repo.join("refs").join("main"), "0123abcd").unwrap();
    bert_dir(&snapshot, "F16");
    let hub = Hub::new(cache.path(), true);
    let model = Model::load(locate("someone/tiny-bert", &hub).unwrap()).unwrap();
    assert_eq!(model.embeddings.data(), values().as_slice());
    assert!(!model.is_standin());

    // A repo that is not cached, offline: one error that names the fix.
    let err = locate("someone/other", &hub).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("not in the Hugging Face cache") && text.contains("--standin"),
        "{text}"
    );
    assert!(!text.contains('\n'));
}

#[test]
fn invalid_names_are_rejected_before_any_lookup() {
    let hub = Hub::new("/nonexistent", true);
    let err = locate("no/such/model", &hub).unwrap_err();
    assert!(format!("{err:#}").contains("neither a local directory nor a Hub repo id"));
}

#[test]
fn a_malformed_tokenizer_json_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    bert_dir(dir.path(), "F32");
    let hub = Hub::new(dir.path(), true);
    let name = dir.path().to_str().unwrap();

    // Cut short: not even JSON, found when the model is located.
    fs::write(dir.path().join("tokenizer.json"), "{ not json").unwrap();
    let err = format!("{:#}", locate(name, &hub).err().unwrap());
    assert!(
        err.contains("tokenizer.json") && err.contains("not valid JSON"),
        "{err}"
    );
    assert!(!err.contains('\n'));

    // JSON, but not a tokenizer: found when it is loaded.
    fs::write(dir.path().join("tokenizer.json"), r#"{"model": 3}"#).unwrap();
    let err = Model::load(locate(name, &hub).unwrap())
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(
        err.contains("tokenizer.json") && err.contains("not a valid tokenizer.json"),
        "{err}"
    );
    assert!(!err.contains('\n'));
}

#[test]
fn missing_or_broken_tokenizer_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    bert_dir(d, "F32");
    let hub = Hub::new(d, true);
    let name = d.to_str().unwrap();
    let error = |result: anyhow::Result<Model>| {
        let text = format!("{:#}", result.err().expect("loading fails"));
        assert!(!text.contains('\n'), "{text}");
        text
    };

    fs::remove_file(d.join("vocab.txt")).unwrap();
    let text = format!("{:#}", locate(name, &hub).err().unwrap());
    assert!(text.contains("has no tokenizer"), "{text}");

    // A vocab.txt that is not BERT's: no [CLS]/[SEP].
    fs::write(d.join("vocab.txt"), "a\nb\nc\n").unwrap();
    let text = error(locate(name, &hub).and_then(Model::load));
    assert!(
        text.contains("vocab.txt") && text.contains("[CLS]"),
        "{text}"
    );

    // GPT-2's pair with a vocab.json that is not JSON.
    fs::remove_file(d.join("vocab.txt")).unwrap();
    fs::write(d.join("vocab.json"), "{\"a\": 0, ").unwrap();
    fs::write(d.join("merges.txt"), "#version: 0.2\n").unwrap();
    let text = error(locate(name, &hub).and_then(Model::load));
    assert!(
        text.contains("vocab.json") && text.contains("not a valid"),
        "{text}"
    );
}
