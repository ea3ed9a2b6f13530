//! The GGUF reader: its dequantisers against the `gguf` Python package, the tokenizer it
//! builds from GGUF metadata, and every kind of damaged file as a one-line error.
//!
//! `data/gguf/<TYPE>.blocks` and `.f32` were written by `scripts/crosscheck/gguf_quants.py`
//! with `gguf.quants` (pinned in `scripts/crosscheck/requirements.txt`): the blocks, and
//! what gguf's reference dequantisation makes of them.

mod support;
use support::common_dir;

use common::model::gguf::{GgmlType, Gguf, Header, decode_matrix};
use common::model::tokenizer::{TokenizerFiles, TokenizerModel};
use common::model::{Model, files::locate, standins};

const TYPES: [(&str, GgmlType); 11] = [
    ("F32", GgmlType::F32),
    ("F16", GgmlType::F16),
    ("BF16", GgmlType::BF16),
    ("Q8_0", GgmlType::Q8_0),
    ("Q4_0", GgmlType::Q4_0),
    ("Q4_1", GgmlType::Q4_1),
    ("Q5_0", GgmlType::Q5_0),
    ("Q5_1", GgmlType::Q5_1),
    ("Q4_K", GgmlType::Q4K),
    ("Q5_K", GgmlType::Q5K),
    ("Q6_K", GgmlType::Q6K),
];

fn data(file: &str) -> Vec<u8> {
    let path = common_dir().join("tests/data/gguf").join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_type_dequantises_as_the_gguf_package_does() {
    for (name, kind) in TYPES {
        let blocks = data(&format!("{name}.blocks"));
        let want: Vec<f32> = data(&format!("{name}.f32"))
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let mut got = vec![f32::NAN; want.len()];
        kind.dequantize(&blocks, &mut got);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            // gguf computes in float32 too; allow for a different order of the products.
            assert!(
                (g - w).abs() <= 1e-6 * w.abs().max(1e-3),
                "{name} value {i}: {g} vs gguf's {w}"
            );
        }
    }
}

/// A GGUF file in memory, for damaged-file tests: metadata entries and one tensor.
struct GgufWriter {
    metadata: Vec<u8>,
    entries: u64,
    tensors: Vec<(String, Vec<u64>, u32, Vec<u8>)>,
}

impl GgufWriter {
    fn new() -> Self {
        Self {
            metadata: Vec::new(),
            entries: 0,
            tensors: Vec::new(),
        }
    }

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend(s.as_bytes());
    }

    fn text(mut self, key: &str, value: &str) -> Self {
        Self::string(&mut self.metadata, key);
        self.metadata.extend(8u32.to_le_bytes());
        Self::string(&mut self.metadata, value);
        self.entries += 1;
        self
    }

    fn strings(mut self, key: &str, values: &[&str]) -> Self {
        Self::string(&mut self.metadata, key);
        self.metadata.extend(9u32.to_le_bytes());
        self.metadata.extend(8u32.to_le_bytes());
        self.metadata.extend((values.len() as u64).to_le_bytes());
        for v in values {
            Self::string(&mut self.metadata, v);
        }
        self.entries += 1;
        self
    }

    fn tensor(mut self, name: &str, dims: &[u64], kind: u32, bytes: Vec<u8>) -> Self {
        self.tensors.push((name.into(), dims.to_vec(), kind, bytes));
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = b"GGUF".to_vec();
        out.extend(3u32.to_le_bytes());
        out.extend((self.tensors.len() as u64).to_le_bytes());
        out.extend(self.entries.to_le_bytes());
        out.extend(&self.metadata);
        let mut offset = 0u64;
        for (name, dims, kind, bytes) in &self.tensors {
            Self::string(&mut out, name);
            out.extend((dims.len() as u32).to_le_bytes());
            for d in dims {
                out.extend(d.to_le_bytes());
            }
            out.extend(kind.to_le_bytes());
            out.extend(offset.to_le_bytes());
            offset += (bytes.len() as u64).next_multiple_of(32);
        }
        out.resize(out.len().next_multiple_of(32), 0);
        for (.., bytes) in &self.tensors {
            out.extend(bytes);
            out.resize(out.len().next_multiple_of(32), 0);
        }
        out
    }
}

/// A tiny valid model: 4 tokens ("a", "b", "ab", "Ġ"), one merge, a 4 × 2 F32 matrix.
fn tiny() -> GgufWriter {
    let values: Vec<u8> = (0..8).flat_map(|i| (i as f32).to_le_bytes()).collect();
    GgufWriter::new()
        .text("general.architecture", "llama")
        .text("tokenizer.ggml.model", "gpt2")
        .strings("tokenizer.ggml.tokens", &["a", "b", "ab", "Ġ"])
        .strings("tokenizer.ggml.merges", &["a b"])
        .tensor("token_embd.weight", &[2, 4], 0, values)
}

/// Loads `bytes` as a `.gguf` file and returns the error a user would see.
fn load_error(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.gguf");
    std::fs::write(&path, bytes).unwrap();
    let hub = common::model::hub::Hub::new(dir.path(), true);
    let error = locate(path.to_str().unwrap(), &hub)
        .and_then(Model::load)
        .err()
        .expect("the file is refused");
    let text = format!("{error:#}");
    assert!(!text.contains('\n'), "one line: {text}");
    text
}

#[test]
fn a_tiny_gguf_model_loads_with_its_tokenizer() {
    // As a .gguf file, and as a file named by its hash without the extension (Ollama's
    // blobs), recognised by its magic bytes; another file without the extension is refused.
    let dir = tempfile::tempdir().unwrap();
    let hub = common::model::hub::Hub::new(dir.path(), true);
    for name in ["tiny.gguf", "sha256-0123abcd"] {
        let path = dir.path().join(name);
        std::fs::write(&path, tiny().bytes()).unwrap();
        let model = Model::load(locate(path.to_str().unwrap(), &hub).unwrap()).unwrap();
        assert_eq!(model.embeddings.shape(), [4, 2], "{name}");
        assert_eq!(model.embeddings.row(3), &[6.0, 7.0]);
        assert_eq!(model.tokenizer.encode("ab", false).unwrap(), vec![2]);
        assert_eq!(model.tokenizer.encode(" a", false).unwrap(), vec![3, 0]);
    }
    let text = dir.path().join("notes");
    std::fs::write(&text, "GGU").unwrap();
    let error = locate(text.to_str().unwrap(), &hub).err().expect("refused");
    assert!(error.to_string().contains("not a .gguf"), "{error}");
}

#[test]
fn damaged_gguf_files_are_one_line_errors() {
    let good = tiny().bytes();
    let truncated = load_error(&good[..good.len() - 8]);
    assert!(truncated.contains("truncated"), "{truncated}");
    let header_cut = load_error(&good[..40]);
    assert!(header_cut.contains("not a valid GGUF file"), "{header_cut}");
    let not_gguf = load_error(b"PK\x03\x04 this is a zip file");
    assert!(not_gguf.contains("does not start with GGUF"), "{not_gguf}");

    let q2k = tiny_with_tensor("token_embd.weight", &[256, 4], 10, vec![0; 4 * 84]);
    let unknown = load_error(&q2k);
    assert!(
        unknown.contains("Q2_K") && unknown.contains("not read here"),
        "{unknown}"
    );

    let renamed = tiny_with_tensor("output.weight", &[2, 4], 0, vec![0; 32]);
    let missing = load_error(&renamed);
    assert!(missing.contains("no tensor token_embd.weight"), "{missing}");

    let rows = tiny_with_tensor("token_embd.weight", &[2, 3], 0, vec![0; 24]);
    let mismatch = load_error(&rows);
    assert!(
        mismatch.contains("4 tokens") && mismatch.contains("3 rows"),
        "{mismatch}"
    );

    let no_tokenizer = GgufWriter::new()
        .tensor("token_embd.weight", &[2, 4], 0, vec![0; 32])
        .bytes();
    let untokenized = load_error(&no_tokenizer);
    assert!(
        untokenized.contains("no tokenizer.ggml.model"),
        "{untokenized}"
    );
}

/// The tiny model's metadata with another tensor.
fn tiny_with_tensor(name: &str, dims: &[u64], kind: u32, bytes: Vec<u8>) -> Vec<u8> {
    let mut writer = tiny();
    writer.tensors.clear();
    writer.tensor(name, dims, kind, bytes).bytes()
}

#[test]
fn corrupt_counts_do_not_allocate_or_panic() {
    let mut bytes = tiny().bytes();
    // The tensor count (bytes 8..16) says 2^60.
    bytes[8..16].copy_from_slice(&(1u64 << 60).to_le_bytes());
    assert!(Header::parse(&bytes).unwrap_err().contains("exceeds"));
    let mut dims = tiny_with_tensor("token_embd.weight", &[u64::MAX, 4], 0, vec![0; 32]);
    assert!(Header::parse(&dims).is_err());
    dims.truncate(3);
    assert!(Header::parse(&dims).is_err());
}

/// The SmolLM2 stand-in's tokenizer, as built from its GGUF metadata. The ids are those of
/// `scripts/crosscheck/standins.py`'s pure-Python tokenizer (transformers' GPT2Tokenizer on
/// the same tokens and merges, digits split first as llama.cpp's `smollm` pre-tokenizer).
#[test]
fn smollm2_tokenizer_from_gguf_metadata() {
    standins::ensure().unwrap();
    let gguf = standins::packages_dir()
        .join("smollm2")
        .join("SmolLM2-135M-Instruct.Q4_1.gguf");
    let t = TokenizerModel::load(&TokenizerFiles::Gguf(Gguf::open(&gguf).unwrap())).unwrap();
    assert_eq!(t.vocab_size(), 49152);
    for (text, ids) in [
        ("ring", vec![2277]),
        (" ring", vec![8233]),
        ("the", vec![1195]),
        (" the", vec![260]),
        ("beauty", vec![1425, 1648, 105]),
        ("2024", vec![34, 32, 34, 36]),
        ("hello world", vec![28120, 905]),
    ] {
        assert_eq!(t.encode(text, false).unwrap(), ids, "{text:?}");
    }
    // The 17 control tokens come first and are special; "!" (17) is text.
    assert_eq!(t.special_ids(), (0..17).collect());
    assert_eq!(t.decode(&[1]).unwrap(), "<|im_start|>");
    assert_eq!(t.decode(&[8233]).unwrap(), " ring");

    let map = std::fs::read(&gguf).unwrap();
    let header = Header::parse(&map).unwrap();
    let matrix = decode_matrix(&map, &header, "token_embd.weight").unwrap();
    assert_eq!(matrix.shape(), [49152, 576]);
    // gguf.quants.dequantize gives row 2277 ("ring") as 0.04935265, -0.05922318, 0.07896423, 0.167799.
    for (got, want) in matrix
        .row(2277)
        .iter()
        .zip([0.04935265, -0.05922318, 0.07896423, 0.167799])
    {
        assert!((got - want).abs() < 1e-7, "{got} vs {want}");
    }
}

/// The tiny model with every embedding value `value`, so tests can tell files apart.
fn tiny_filled(value: f32) -> Vec<u8> {
    let bytes = (0..8).flat_map(|_| value.to_le_bytes()).collect();
    tiny_with_tensor("token_embd.weight", &[2, 4], 0, bytes)
}

#[test]
fn a_folder_or_cached_repo_of_gguf_files_reads_the_most_precise_unless_told() {
    use common::model::files::locate_with_gguf;
    use common::model::hub::Hub;

    // A local folder, as llama.cpp users keep them.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.Q4_K_M.gguf"), tiny_filled(4.0)).unwrap();
    std::fs::write(dir.path().join("m.Q8_0.gguf"), tiny_filled(8.0)).unwrap();
    let hub = Hub::new(dir.path(), true);
    let first_value = |gguf_file: Option<&str>, name: &str, hub: &Hub| {
        let model = Model::load(locate_with_gguf(name, hub, gguf_file).unwrap()).unwrap();
        model.embeddings.row(0)[0]
    };
    let folder = dir.path().to_str().unwrap();
    assert_eq!(first_value(None, folder, &hub), 8.0, "Q8_0 before Q4_K_M");
    assert_eq!(first_value(Some("m.Q4_K_M.gguf"), folder, &hub), 4.0);

    // A Hub repo in the Hugging Face cache, offline: its files are listed from the snapshot.
    let cache = tempfile::tempdir().unwrap();
    let repo = cache.path().join("models--someone--tiny-GGUF");
    let snapshot = repo.join("snapshots").join("0123abcd");
    std::fs::create_dir_all(&snapshot).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs").join("main"), "0123abcd").unwrap();
    std::fs::write(snapshot.join("tiny-F16.gguf"), tiny_filled(16.0)).unwrap();
    std::fs::write(snapshot.join("tiny-Q4_0.gguf"), tiny_filled(4.0)).unwrap();
    let offline = Hub::new(cache.path(), true);
    assert_eq!(first_value(None, "someone/tiny-GGUF", &offline), 16.0);
    assert_eq!(
        first_value(Some("tiny-Q4_0.gguf"), "someone/tiny-GGUF", &offline),
        4.0
    );
    let missing = locate_with_gguf("someone/tiny-GGUF", &offline, Some("tiny-Q2_K.gguf"))
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap();
    assert!(missing.contains("tiny-Q2_K.gguf"), "{missing}");
}
