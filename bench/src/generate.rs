//! Generated models of today's largest vocabularies, for measuring the lessons at their
//! scale: a GGUF file whose only tensor is a Q8_0 `token_embd.weight` of the asked shape,
//! with a byte-level BPE tokenizer of exactly that many tokens in its metadata. Nothing in
//! it is trained; it is seeded, so the same options give the same file byte for byte.
//!
//! The vocabulary is built as BPE training builds one, word by word: each word is encoded
//! with the merges so far and its leftmost pair merged until it is one token, so every
//! word (and each prefix made on the way) is reachable by the tokenizer, and `Ġplanet`
//! is one merge of `Ġ` and `planet`. The words are a list of English words (every word the
//! lessons search for among them, in topics: space, furniture, fruit, …), each bare, after
//! a space and capitalised, then seeded pseudo-words made of syllables, each a stem with
//! its suffixed forms (a family).
//!
//! The matrix has the structure that makes real embedding matrices interesting to the
//! lessons: a common mean vector shared by every row (anisotropy), a few dominant
//! directions with large variance, a cluster centre per topic (so t-SNE and DBSCAN find
//! groups, and RSA sees topics), an offset per word family (a word's forms are each
//! other's nearest neighbours), a direction for the leading space, and per-row noise.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use common::rng::SeededRng;
use rayon::prelude::*;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct ModelSpec {
    /// Tokens (rows of the matrix).
    pub rows: usize,
    /// Width (a multiple of 32, Q8_0's block).
    pub cols: usize,
    pub seed: u64,
}

/// The file's name in its folder (a folder holding one GGUF is a model to the lessons).
pub const FILE_NAME: &str = "model-Q8_0.gguf";

/// Writes the model of `spec` into the folder `dir` (created if needed); returns the file.
pub fn generate_model(dir: &Path, spec: ModelSpec) -> Result<PathBuf> {
    ensure!(
        spec.cols > 0 && spec.cols.is_multiple_of(32),
        "the width must be a positive multiple of 32 (Q8_0 blocks), got {}",
        spec.cols
    );
    let vocabulary = Vocabulary::build(spec.rows, spec.seed)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(FILE_NAME);
    // Written beside its final name and renamed when whole: an interrupted run leaves no
    // file that looks like a model.
    let part = dir.join(format!("{FILE_NAME}.part"));
    let file =
        std::fs::File::create(&part).with_context(|| format!("cannot write {}", part.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    write_header(&mut out, &vocabulary, spec)?;
    let structure = Structure::new(&vocabulary, spec);
    const ROWS_AT_ONCE: usize = 4096;
    let row_bytes = spec.cols / 32 * 34;
    for start in (0..spec.rows).step_by(ROWS_AT_ONCE) {
        let count = ROWS_AT_ONCE.min(spec.rows - start);
        let mut block = vec![0u8; count * row_bytes];
        block.par_chunks_mut(row_bytes).enumerate().for_each_init(
            || vec![0.0f32; spec.cols],
            |row, (i, out)| {
                structure.row(start + i, row);
                quantize_q8_0(row, out);
            },
        );
        out.write_all(&block)?;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", part.display()))?;
    drop(out);
    std::fs::rename(&part, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

// ---- the vocabulary ----

/// Groups of real words, each a topic of its own (the lessons' words among them).
const TOPICS: [&[&str]; 10] = [
    &[
        "space",
        "spaceship",
        "planet",
        "moon",
        "star",
        "galaxy",
        "orbit",
        "comet",
        "rocket",
        "sun",
        "sky",
        "astronaut",
    ],
    &[
        "chair", "table", "couch", "stool", "floor", "desk", "bed", "shelf", "lamp", "sofa",
        "bench", "cabinet",
    ],
    &[
        "apple", "banana", "pear", "orange", "peach", "grape", "lemon", "cherry", "plum", "melon",
        "berry", "mango",
    ],
    &[
        "ring", "necklace", "gold", "silver", "diamond", "jewel", "bracelet", "pearl", "crown",
        "gem", "earring", "chain",
    ],
    &[
        "beauty",
        "pretty",
        "lovely",
        "charm",
        "grace",
        "elegant",
        "gorgeous",
        "beautiful",
        "handsome",
        "cute",
        "attractive",
        "style",
    ],
    &[
        "the", "a", "an", "of", "to", "and", "in", "is", "it", "that", "for", "on", "with", "as",
        "was", "at", "by", "this", "be", "from",
    ],
    &[
        "dog", "cat", "horse", "bird", "fish", "cow", "sheep", "lion", "tiger", "bear", "wolf",
        "mouse",
    ],
    &[
        "run", "walk", "jump", "swim", "fly", "read", "write", "sing", "dance", "play", "talk",
        "sleep",
    ],
    &[
        "red", "blue", "green", "yellow", "black", "white", "purple", "brown", "pink", "grey",
        "violet", "cyan",
    ],
    &[
        "house", "city", "road", "river", "mountain", "forest", "village", "bridge", "street",
        "garden", "school", "market",
    ],
];

const ONSETS: [&str; 38] = [
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br",
    "cr", "dr", "fr", "gr", "pr", "tr", "st", "sp", "sl", "pl", "bl", "cl", "fl", "gl", "sh", "ch",
    "th", "wh", "qu",
];
const VOWELS: [&str; 11] = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "oo", "ou", "y"];
const CODAS: [&str; 15] = [
    "", "n", "r", "s", "t", "l", "m", "nd", "st", "ng", "ck", "rt", "sh", "th", "x",
];
const SUFFIXES: [&str; 7] = ["s", "ed", "ing", "er", "ly", "ness", "tion"];
/// Topics of the generated words (beside the real words' own).
const GENERATED_TOPICS: u32 = 200;
const SPECIALS: [&str; 4] = ["<pad>", "<eos>", "<bos>", "<unk>"];

/// Where each token comes from, for the matrix: its topic, its word family, and whether
/// it starts with a space.
#[derive(Clone, Copy, Debug)]
struct Origin {
    topic: u32,
    family: u32,
    spaced: bool,
}

/// A byte-level BPE vocabulary: token strings by id (GPT-2's byte alphabet, `Ġ` for a
/// space), their llama.cpp types, the merges in rank order, and each token's origin.
struct Vocabulary {
    tokens: Vec<String>,
    types: Vec<i32>,
    merges: Vec<String>,
    origins: Vec<Origin>,
    topics: u32,
}

/// GPT-2's map from bytes to printable characters (its `bytes_to_unicode`).
fn byte_alphabet() -> Vec<char> {
    let printable =
        |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
    let mut extra = 0;
    (0..256u32)
        .map(|b| {
            if printable(b) {
                char::from_u32(b).unwrap_or('?')
            } else {
                extra += 1;
                char::from_u32(255 + extra).unwrap_or('?')
            }
        })
        .collect()
}

/// The vocabulary being built: tokens, and merges by pair with their rank.
struct Builder {
    vocabulary: Vocabulary,
    ids: HashMap<String, u32>,
    /// (left, right) → (rank, merged token)
    ranks: HashMap<(u32, u32), (u32, u32)>,
    alphabet: Vec<char>,
    size: usize,
}

impl Builder {
    fn full(&self) -> bool {
        self.vocabulary.tokens.len() >= self.size
    }

    fn push(&mut self, token: String, kind: i32, origin: Origin) -> u32 {
        let id = self.vocabulary.tokens.len() as u32;
        self.ids.insert(token.clone(), id);
        self.vocabulary.tokens.push(token);
        self.vocabulary.types.push(kind);
        self.vocabulary.origins.push(origin);
        id
    }

    /// BPE's encoding of `symbols` with the merges so far: the adjacent pair of lowest
    /// rank merged (the leftmost of equals) until none is a merge.
    fn encode(&self, mut symbols: Vec<u32>) -> Vec<u32> {
        loop {
            let best = symbols
                .windows(2)
                .enumerate()
                .filter_map(|(at, pair)| {
                    self.ranks
                        .get(&(pair[0], pair[1]))
                        .map(|&(rank, merged)| (rank, at, merged))
                })
                .min();
            match best {
                Some((_, at, merged)) => {
                    symbols[at] = merged;
                    symbols.remove(at + 1);
                }
                None => return symbols,
            }
        }
    }

    /// Adds `word` (a space before it when `spaced`) as BPE training would make it one
    /// token: its leftmost pair merged, with the next rank, until it is.
    fn add_word(&mut self, word: &str, spaced: bool, topic: u32, family: u32) {
        let text: String = (if spaced { " " } else { "" })
            .chars()
            .chain(word.chars())
            .collect();
        let mut symbols: Vec<u32> = text
            .bytes()
            .map(|b| self.ids[&self.alphabet[b as usize].to_string()])
            .collect();
        loop {
            symbols = self.encode(symbols);
            if symbols.len() < 2 || self.full() {
                return;
            }
            let (left, right) = (symbols[0], symbols[1]);
            let merged = format!(
                "{}{}",
                self.vocabulary.tokens[left as usize], self.vocabulary.tokens[right as usize]
            );
            let id = match self.ids.get(&merged) {
                // The token exists (made by another path): the merge still makes it here.
                Some(&id) => id,
                None => self.push(
                    merged,
                    1,
                    Origin {
                        topic,
                        family,
                        spaced,
                    },
                ),
            };
            let rank = self.vocabulary.merges.len() as u32;
            self.vocabulary.merges.push(format!(
                "{} {}",
                self.vocabulary.tokens[left as usize], self.vocabulary.tokens[right as usize]
            ));
            self.ranks.insert((left, right), (rank, id));
        }
    }
}

impl Vocabulary {
    /// Exactly `size` tokens: the specials, the 256 bytes, then words until full.
    fn build(size: usize, seed: u64) -> Result<Self> {
        ensure!(
            size >= SPECIALS.len() + 256 + 1000,
            "a generated vocabulary has at least {} tokens, got {size}",
            SPECIALS.len() + 256 + 1000
        );
        let topics = TOPICS.len() as u32 + 3 + GENERATED_TOPICS;
        let (specials_topic, bytes_topic, numbers_topic) = (
            TOPICS.len() as u32,
            TOPICS.len() as u32 + 1,
            TOPICS.len() as u32 + 2,
        );
        let mut builder = Builder {
            vocabulary: Vocabulary {
                tokens: Vec::with_capacity(size),
                types: Vec::with_capacity(size),
                merges: Vec::with_capacity(size),
                origins: Vec::with_capacity(size),
                topics,
            },
            ids: HashMap::with_capacity(size),
            ranks: HashMap::with_capacity(size),
            alphabet: byte_alphabet(),
            size,
        };
        let mut family = 0;
        for special in SPECIALS {
            builder.push(
                special.into(),
                3,
                Origin {
                    topic: specials_topic,
                    family,
                    spaced: false,
                },
            );
            family += 1;
        }
        for b in 0..256usize {
            let token = builder.alphabet[b].to_string();
            builder.push(
                token,
                1,
                Origin {
                    topic: bytes_topic,
                    family,
                    spaced: b == b' ' as usize,
                },
            );
            family += 1;
        }
        for (topic, words) in TOPICS.iter().enumerate() {
            for word in *words {
                let capital: String = word[..1].to_uppercase() + &word[1..];
                for (form, spaced) in [
                    (*word, false),
                    (*word, true),
                    (capital.as_str(), true),
                    (capital.as_str(), false),
                ] {
                    builder.add_word(form, spaced, topic as u32, family);
                }
                for suffix in ["s", "ing"] {
                    builder.add_word(&format!("{word}{suffix}"), true, topic as u32, family);
                }
                family += 1;
            }
        }
        for number in (0..100).chain(1900..2030).map(|n| n.to_string()) {
            builder.add_word(&number, false, numbers_topic, family);
            builder.add_word(&number, true, numbers_topic, family);
            family += 1;
        }
        let mut rng = SeededRng::new(seed);
        let mut tries = 0usize;
        while !builder.full() {
            tries += 1;
            ensure!(tries < 50 * size, "the word generator ran out of new words");
            let syllables = 1 + rng.below(0, 3) + rng.below(0, 2);
            let stem: String = (0..syllables)
                .map(|_| {
                    format!(
                        "{}{}{}",
                        ONSETS[rng.below(0, ONSETS.len())],
                        VOWELS[rng.below(0, VOWELS.len())],
                        CODAS[rng.below(0, CODAS.len())]
                    )
                })
                .collect();
            if builder.ids.contains_key(&format!("Ġ{stem}")) {
                continue;
            }
            let topic = TOPICS.len() as u32 + 3 + rng.below(0, GENERATED_TOPICS as usize) as u32;
            builder.add_word(&stem, true, topic, family);
            builder.add_word(&stem, false, topic, family);
            for suffix in SUFFIXES {
                if rng.next_f64() < 0.3 {
                    builder.add_word(&format!("{stem}{suffix}"), true, topic, family);
                }
            }
            family += 1;
        }
        Ok(builder.vocabulary)
    }
}

// ---- the matrix ----

/// Lengths of what a row is made of, whatever its width (each part's values are drawn
/// with standard deviation length/√width): the mean vector shared by all rows, a topic's
/// centre, a word family's offset, a row's own noise, and the leading space's direction.
/// A row is then about 1.7 long and its mean-vector part 1, as in GPT-style matrices.
const MEAN_LENGTH: f64 = 1.0;
const TOPIC_LENGTH: f64 = 0.7;
const FAMILY_LENGTH: f64 = 0.45;
const NOISE_LENGTH: f64 = 0.9;
const SPACE_LENGTH: f64 = 0.35;
/// The dominant directions' standard deviations (a row's coefficient on each): together
/// about 0.57 of a row's length, shared in part by its topic and its family, so they
/// spread the vocabulary along a few axes without hiding its topics.
const DOMINANT: [f64; 6] = [0.4, 0.28, 0.2, 0.16, 0.12, 0.08];
/// How a dominant coefficient is shared: by the row's topic, its family, and itself.
const DOMINANT_SHARES: [f64; 3] = [0.8, 0.4, 0.3];

/// What every row is made of (see the module's doc).
struct Structure<'a> {
    vocabulary: &'a Vocabulary,
    cols: usize,
    seed: u64,
    mean: Vec<f32>,
    dominant: Vec<Vec<f32>>,
    topics: Vec<Vec<f32>>,
    /// Each topic's share of the dominant coefficients.
    topic_coefficients: Vec<[f64; DOMINANT.len()]>,
    space: Vec<f32>,
}

impl<'a> Structure<'a> {
    fn new(vocabulary: &'a Vocabulary, spec: ModelSpec) -> Self {
        let d = spec.cols;
        let per_value = |length: f64| length / (d as f64).sqrt();
        let mut rng = SeededRng::new(spec.seed ^ 0x6d61_7472_6978); // "matrix"
        let unit = |rng: &mut SeededRng| {
            let v = rng.normal_values(d, 1.0);
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.into_iter().map(|x| x / norm).collect::<Vec<f32>>()
        };
        Structure {
            vocabulary,
            cols: d,
            seed: spec.seed,
            mean: rng.normal_values(d, per_value(MEAN_LENGTH)),
            dominant: DOMINANT.iter().map(|_| unit(&mut rng)).collect(),
            topics: (0..vocabulary.topics)
                .map(|_| rng.normal_values(d, per_value(TOPIC_LENGTH)))
                .collect(),
            topic_coefficients: (0..vocabulary.topics)
                .map(|_| DOMINANT.map(|_| rng.normal()))
                .collect(),
            space: rng.normal_values(d, per_value(SPACE_LENGTH)),
        }
    }

    /// Row `i` of the matrix, into `out`: each row and each family drawn from its own
    /// seeded stream, so rows can be made in any order on any number of cores.
    fn row(&self, i: usize, out: &mut [f32]) {
        let origin = self.vocabulary.origins[i];
        let d = self.cols as f64;
        let mut noise = SeededRng::new(self.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut family = SeededRng::new(
            self.seed ^ 0x66616d ^ (origin.family as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
        );
        let topic_share = &self.topic_coefficients[origin.topic as usize];
        let [by_topic, by_family, by_row] = DOMINANT_SHARES;
        let coefficients: Vec<f32> = DOMINANT
            .iter()
            .zip(topic_share)
            .map(|(s, t)| {
                (s * (by_topic * t + by_family * family.normal() + by_row * noise.normal())) as f32
            })
            .collect();
        let topic = &self.topics[origin.topic as usize];
        let (family_scale, noise_scale) = (FAMILY_LENGTH / d.sqrt(), NOISE_LENGTH / d.sqrt());
        for (j, x) in out.iter_mut().enumerate().take(self.cols) {
            let mut v = self.mean[j] + topic[j];
            for (c, direction) in coefficients.iter().zip(&self.dominant) {
                v += c * direction[j];
            }
            v += (family_scale * family.normal() + noise_scale * noise.normal()) as f32;
            if origin.spaced {
                v += self.space[j];
            }
            *x = v;
        }
    }
}

/// ggml's Q8_0 of one row: per block of 32, the scale d = max|x| / 127 as f16, then
/// round(x / d) as 32 signed bytes (`quantize_row_q8_0_ref`).
fn quantize_q8_0(row: &[f32], out: &mut [u8]) {
    for (values, block) in row.chunks_exact(32).zip(out.chunks_exact_mut(34)) {
        let amax = values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let inverse = if d > 0.0 { 1.0 / d } else { 0.0 };
        block[..2].copy_from_slice(&half::f16::from_f32(d).to_le_bytes());
        for (q, &v) in block[2..].iter_mut().zip(values) {
            *q = ((v * inverse).round() as i8) as u8;
        }
    }
}

// ---- the file ----

fn string(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    out.write_all(&(s.len() as u64).to_le_bytes())?;
    out.write_all(s.as_bytes())
}

/// GGUF v3: the metadata (a llama-style architecture of the asked width, the tokenizer),
/// one tensor's entry, padding to 32 bytes; the tensor's rows follow.
fn write_header(out: &mut impl Write, vocabulary: &Vocabulary, spec: ModelSpec) -> Result<()> {
    let (rows, cols) = (spec.rows, spec.cols);
    let mut body: Vec<u8> = Vec::new();
    let mut count = 0u64;
    {
        let b = &mut body;
        let mut key = |b: &mut Vec<u8>, k: &str, kind: u32| -> std::io::Result<()> {
            count += 1;
            string(b, k)?;
            b.write_all(&kind.to_le_bytes())
        };
        let name = format!(
            "synthetic {rows} x {cols} (generated by bench/, seed {})",
            spec.seed
        );
        for (k, v) in [
            ("general.architecture", "llama"),
            ("general.name", name.as_str()),
            ("tokenizer.ggml.model", "gpt2"),
            ("tokenizer.ggml.pre", "gpt2"),
        ] {
            key(b, k, 8)?;
            string(b, v)?;
        }
        let heads = (cols / 128).max(1) as u32;
        for (k, v) in [
            ("llama.embedding_length", cols as u32),
            ("llama.block_count", 0),
            ("llama.attention.head_count", heads),
            ("llama.attention.head_count_kv", (heads / 4).max(1)),
            ("llama.context_length", 8192),
            ("llama.feed_forward_length", 4 * cols as u32),
            ("llama.vocab_size", rows as u32),
            ("tokenizer.ggml.padding_token_id", 0),
            ("tokenizer.ggml.eos_token_id", 1),
            ("tokenizer.ggml.bos_token_id", 2),
        ] {
            key(b, k, 4)?;
            b.write_all(&v.to_le_bytes())?;
        }
        key(b, "tokenizer.ggml.tokens", 9)?;
        b.write_all(&8u32.to_le_bytes())?;
        b.write_all(&(vocabulary.tokens.len() as u64).to_le_bytes())?;
        for t in &vocabulary.tokens {
            string(b, t)?;
        }
        key(b, "tokenizer.ggml.token_type", 9)?;
        b.write_all(&5u32.to_le_bytes())?;
        b.write_all(&(vocabulary.types.len() as u64).to_le_bytes())?;
        for t in &vocabulary.types {
            b.write_all(&t.to_le_bytes())?;
        }
        key(b, "tokenizer.ggml.merges", 9)?;
        b.write_all(&8u32.to_le_bytes())?;
        b.write_all(&(vocabulary.merges.len() as u64).to_le_bytes())?;
        for m in &vocabulary.merges {
            string(b, m)?;
        }
        // The tensor table: one entry, data at offset 0 of the data section.
        string(b, common::model::gguf::EMBEDDING_TENSOR)?;
        b.write_all(&2u32.to_le_bytes())?;
        b.write_all(&(cols as u64).to_le_bytes())?;
        b.write_all(&(rows as u64).to_le_bytes())?;
        b.write_all(&8u32.to_le_bytes())?; // Q8_0
        b.write_all(&0u64.to_le_bytes())?;
    }
    out.write_all(b"GGUF")?;
    out.write_all(&3u32.to_le_bytes())?;
    out.write_all(&1u64.to_le_bytes())?;
    out.write_all(&count.to_le_bytes())?;
    out.write_all(&body)?;
    let written = 4 + 4 + 8 + 8 + body.len();
    out.write_all(&vec![0u8; written.next_multiple_of(32) - written])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::model::tokenizer::TokenizerModel;

    /// A generated model of `rows` × `cols` (seed `seed`): its folder, file and tokenizer.
    fn generated(
        rows: usize,
        cols: usize,
        seed: u64,
    ) -> (tempfile::TempDir, common::model::gguf::Gguf, TokenizerModel) {
        let dir = tempfile::tempdir().unwrap();
        let spec = ModelSpec { rows, cols, seed };
        let path = generate_model(dir.path(), spec).unwrap();
        let gguf = common::model::gguf::Gguf::open(&path).unwrap();
        let tokenizer = TokenizerModel::from_gguf(&gguf.header).unwrap();
        (dir, gguf, tokenizer)
    }

    #[test]
    fn every_word_is_one_token_and_the_vocabulary_has_the_asked_size() {
        let (_dir, gguf, tokenizer) = generated(3000, 64, 7);
        assert_eq!(tokenizer.vocab_size(), 3000);
        for word in [
            "planet",
            " planet",
            " Planet",
            " ring",
            "ring",
            " beauty",
            " spaceships",
        ] {
            let ids = tokenizer.encode(word, false).unwrap();
            assert_eq!(ids.len(), 1, "{word:?} is {ids:?}");
            assert_eq!(tokenizer.decode(&ids).unwrap(), word);
        }
        let matrix = gguf.embeddings().unwrap();
        assert_eq!(matrix.shape(), [3000, 64]);
        // The same seed gives the same file byte for byte.
        let (_again, same, _) = generated(3000, 64, 7);
        assert_eq!(
            std::fs::read(&gguf.path).unwrap(),
            std::fs::read(&same.path).unwrap()
        );
    }

    #[test]
    fn a_word_s_forms_are_its_nearest_and_its_topic_comes_next() {
        let (_dir, gguf, tokenizer) = generated(3000, 256, 1);
        let m = gguf.embeddings().unwrap();
        let row = |w: &str| {
            m.row(tokenizer.encode(w, false).unwrap()[0] as usize)
                .to_vec()
        };
        let distance =
            |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f32>();
        // Each topic word after a space: the nearest of the other words in its own topic
        // (all 128 at this seed and width), and its plural nearer still for most (110 of
        // 128: in 256 dimensions a row's noise varies more than in thousands).
        let words: Vec<(usize, &str)> = TOPICS
            .iter()
            .enumerate()
            .flat_map(|(t, words)| words.iter().map(move |w| (t, *w)))
            .collect();
        let (mut plural_nearest, mut topic_nearest) = (0, 0);
        for &(topic, word) in &words {
            let me = row(&format!(" {word}"));
            let plural = distance(&me, &row(&format!(" {word}s")));
            let (nearest_topic, nearest) = words
                .iter()
                .filter(|(_, other)| other != &word)
                .map(|&(t, other)| (t, distance(&me, &row(&format!(" {other}")))))
                .fold((usize::MAX, f32::INFINITY), |best, c| {
                    if c.1 < best.1 { c } else { best }
                });
            plural_nearest += usize::from(plural < nearest);
            topic_nearest += usize::from(nearest_topic == topic);
        }
        assert!(
            plural_nearest as f64 >= 0.8 * words.len() as f64,
            "{plural_nearest} of {}",
            words.len()
        );
        assert!(
            topic_nearest as f64 >= 0.95 * words.len() as f64,
            "{topic_nearest} of {}",
            words.len()
        );
    }
}
