//! Tokenizers: HF `tokenizer.json`, or the older file pairs that some repos ship instead.
//!
//! GPT-2 repos may have only `vocab.json` + `merges.txt` (byte-level BPE), BERT repos
//! only `vocab.txt` (WordPiece), and GGUF files carry theirs in their metadata; all are
//! built here into the same pipeline that `tokenizer.json` describes, so every lesson
//! sees one kind of tokenizer.

use std::path::{Path, PathBuf};

use super::gguf::{Gguf, Header};
use anyhow::{Result, anyhow};
use tokenizers::SplitDelimiterBehavior;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{
    AddedToken, DecoderWrapper, NormalizerWrapper, PostProcessorWrapper, PreTokenizerWrapper,
    Tokenizer, TokenizerImpl,
};

/// Which files describe a tokenizer.
#[derive(Clone, Debug)]
pub enum TokenizerFiles {
    /// A full HF `tokenizer.json`.
    Json(PathBuf),
    /// GPT-2 style byte-level BPE: `vocab.json` + `merges.txt`.
    BytePairs { vocab: PathBuf, merges: PathBuf },
    /// BERT style WordPiece: `vocab.txt`, lower-cased or not (`do_lower_case`).
    WordPiece { vocab: PathBuf, lowercase: bool },
    /// The `tokenizer.ggml.*` metadata of a GGUF file.
    Gguf(Gguf),
}

/// A loaded tokenizer with the few operations the lessons need. Cheap to clone: a model
/// named twice in one lesson is loaded once.
#[derive(Clone)]
pub struct TokenizerModel {
    inner: std::sync::Arc<Tokenizer>,
}

/// Runs a tokenizers call, turning a panic into an error: tokenizers 0.23 panics instead
/// of returning an error on some malformed `tokenizer.json` sections (found by fuzzing: a
/// bad `decoder` when loading, a template naming unknown tokens when encoding). The panic
/// report is held back so the user sees one error line; other panics still report.
fn without_panics<T>(
    call: impl FnOnce() -> tokenizers::Result<T> + std::panic::UnwindSafe,
) -> tokenizers::Result<T> {
    thread_local! {
        /// Set while this thread is inside a tokenizers call.
        static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    // One hook for the process, installed once: swapping hooks per call would race when
    // models load on several threads.
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.get() {
                report(info)
            }
        }));
    });
    QUIET.set(true);
    let result = std::panic::catch_unwind(call);
    QUIET.set(false);
    result.unwrap_or_else(|_| Err("the tokenizers library cannot handle this tokenizer".into()))
}

/// `Tokenizer::from_bytes`, about twice as fast for BPE and WordPiece: tokenizers reads a
/// `model` of unknown type by buffering it as a `serde_json::Value` and reading that
/// again; here a first pass that skips everything else finds the type, and the file is
/// read once with the model's own type. Other model types go the general way.
fn parse_tokenizer_json(bytes: &[u8]) -> tokenizers::Result<Tokenizer> {
    #[derive(serde::Deserialize)]
    struct Peek {
        model: PeekModel,
    }
    #[derive(serde::Deserialize)]
    struct PeekModel {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    type Typed<M> = TokenizerImpl<
        M,
        NormalizerWrapper,
        PreTokenizerWrapper,
        PostProcessorWrapper,
        DecoderWrapper,
    >;
    let kind = serde_json::from_slice::<Peek>(bytes)
        .ok()
        .and_then(|peek| peek.model.kind);
    Ok(match kind.as_deref() {
        Some("BPE") => serde_json::from_slice::<Typed<BPE>>(bytes)?.into(),
        Some("WordPiece") => serde_json::from_slice::<Typed<WordPiece>>(bytes)?.into(),
        _ => Tokenizer::from_bytes(bytes)?,
    })
}

fn broken(path: &Path, what: &str, error: impl std::fmt::Display) -> anyhow::Error {
    anyhow!(
        "{} is not a valid {what} ({error}); delete it so it is fetched again",
        path.display()
    )
}

impl TokenizerModel {
    pub fn load(files: &TokenizerFiles) -> Result<Self> {
        let inner = match files {
            TokenizerFiles::Json(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
                return Self::from_json_bytes(&bytes)
                    .map_err(|e| broken(path, "tokenizer.json", e));
            }
            TokenizerFiles::BytePairs { vocab, merges } => byte_level_bpe(vocab, merges)?,
            TokenizerFiles::WordPiece { vocab, lowercase } => wordpiece(vocab, *lowercase)?,
            TokenizerFiles::Gguf(gguf) => {
                return Self::from_gguf(&gguf.header)
                    .map_err(|e| anyhow!("{} {e}", gguf.path.display()));
            }
        };
        Ok(Self {
            inner: inner.into(),
        })
    }

    /// A tokenizer from the bytes of a `tokenizer.json`.
    pub fn from_json_bytes(bytes: &[u8]) -> tokenizers::Result<Self> {
        let mut inner = without_panics(|| parse_tokenizer_json(bytes))?;
        // Some repos (sentence-transformers among them) save padding and truncation for
        // batching; a word must encode to its own tokens only.
        inner.with_padding(None).with_truncation(None)?;
        Ok(Self {
            inner: inner.into(),
        })
    }

    /// A tokenizer from a GGUF header's `tokenizer.ggml.*` metadata; the error completes
    /// a sentence that starts with the file's name.
    pub fn from_gguf(header: &Header) -> Result<Self, String> {
        let inner =
            without_panics(|| gguf_bpe(header).map_err(Into::into)).map_err(|e| e.to_string())?;
        Ok(Self {
            inner: inner.into(),
        })
    }

    /// Token ids of `text`, with or without the model's special tokens (`[CLS]`… `[SEP]`).
    pub fn encode(&self, text: &str, add_special_tokens: bool) -> Result<Vec<u32>> {
        let encoding = without_panics(|| self.inner.encode(text, add_special_tokens))
            .map_err(|e| anyhow!("cannot tokenise {text:?}: {e}"))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Text of `ids`, special tokens kept (as `tokenizer.decode` does in transformers).
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        without_panics(|| self.inner.decode(ids, false))
            .map_err(|e| anyhow!("cannot decode {ids:?}: {e}"))
    }

    /// The number of tokens in the base vocabulary (transformers' `tokenizer.vocab_size`).
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(false)
    }

    /// How many token ids the tokenizer can produce: its highest id (added and special
    /// tokens included) plus one. Each needs a row of the embedding matrix.
    pub fn id_count(&self) -> usize {
        self.inner
            .get_vocab(true)
            .into_values()
            .max()
            .map_or(0, |id| id as usize + 1)
    }

    /// The vocabulary entries as stored, indexed by token id (GPT-2's `Ġ` for a space
    /// included). Ids with no entry are empty strings.
    pub fn vocab_strings(&self) -> Vec<String> {
        let vocab = self.inner.get_vocab(false);
        let mut strings = vec![String::new(); self.vocab_size()];
        for (token, id) in vocab {
            if let Some(slot) = strings.get_mut(id as usize) {
                *slot = token;
            }
        }
        strings
    }

    /// Length in characters (Unicode scalar values, as Python's `len`) of every vocabulary
    /// entry as stored: what the notebook measures.
    pub fn stored_lengths(&self) -> Vec<usize> {
        self.vocab_strings()
            .iter()
            .map(|t| t.chars().count())
            .collect()
    }

    /// Length in characters of every token decoded on its own: the text it stands for.
    pub fn decoded_lengths(&self) -> Result<Vec<usize>> {
        (0..self.vocab_size() as u32)
            .map(|id| Ok(self.decode(&[id])?.chars().count()))
            .collect()
    }

    /// The ids of the special tokens (`[CLS]`, `<|endoftext|>`, `<|im_start|>`…): markers
    /// for the model, not text.
    pub fn special_ids(&self) -> std::collections::BTreeSet<u32> {
        self.inner
            .get_added_tokens_decoder()
            .into_iter()
            .filter(|(_, token)| token.special)
            .map(|(id, _)| id)
            .collect()
    }

    /// The id of a vocabulary entry written as stored (`"Ġthe"`, `"[UNK]"`).
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// For a BPE tokenizer, the rank of the merge that makes each token (0 for the first
    /// merge learnt, the most frequent pair), by token id; `None` for tokens no merge makes
    /// (single bytes, added tokens). `None` altogether for other tokenizers (WordPiece).
    pub fn merge_ranks(&self) -> Result<Option<Vec<Option<u32>>>> {
        /// The merges as the model serialises them: pairs, in rank order.
        #[derive(serde::Deserialize)]
        struct Merges {
            merges: Vec<(String, String)>,
        }
        let tokenizers::models::ModelWrapper::BPE(bpe) = self.inner.get_model() else {
            return Ok(None);
        };
        let merges: Merges = serde_json::to_vec(bpe)
            .and_then(|bytes| serde_json::from_slice(&bytes))
            .map_err(|e| anyhow!("cannot read the tokenizer's merges: {e}"))?;
        let prefix = bpe.continuing_subword_prefix.as_deref().unwrap_or("");
        let mut ranks = vec![None; self.vocab_size()];
        for (rank, (left, right)) in merges.merges.iter().enumerate() {
            let merged = format!("{left}{}", right.strip_prefix(prefix).unwrap_or(right));
            if let Some(slot) = self
                .token_id(&merged)
                .and_then(|id| ranks.get_mut(id as usize))
            {
                slot.get_or_insert(rank as u32);
            }
        }
        Ok(Some(ranks))
    }

    /// Writes the tokenizer as a `tokenizer.json`.
    pub fn save(&self, path: &Path) -> Result<()> {
        self.inner
            .save(path, false)
            .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))
    }
}

/// GPT-2's tokenizer from `vocab.json` + `merges.txt`, as HF's `tokenizer.json` for gpt2
/// describes it: byte-level pre-tokenizer (no prefix space), BPE, byte-level decoder,
/// `<|endoftext|>` special.
fn byte_level_bpe(vocab: &Path, merges: &Path) -> Result<Tokenizer> {
    let (Some(vocab_s), Some(merges_s)) = (vocab.to_str(), merges.to_str()) else {
        return Err(anyhow!(
            "tokenizer paths must be UTF-8: {}",
            vocab.display()
        ));
    };
    let bpe = BPE::from_file(vocab_s, merges_s)
        .build()
        .map_err(|e| broken(vocab, "vocab.json + merges.txt pair", e))?;
    let mut tokenizer = Tokenizer::new(bpe);
    tokenizer
        .with_pre_tokenizer(Some(ByteLevel::default().add_prefix_space(false)))
        .with_decoder(Some(ByteLevelDecoder::default()));
    if tokenizer.token_to_id("<|endoftext|>").is_some() {
        tokenizer
            .add_special_tokens([AddedToken::from("<|endoftext|>", true)])
            .map_err(|e| anyhow!("cannot register <|endoftext|>: {e}"))?;
    }
    Ok(tokenizer)
}

/// How llama.cpp splits text before BPE, by `tokenizer.ggml.pre`: the byte-level
/// pre-tokenizer (GPT-2's regex), after splitting off every digit for the StarCoder
/// family (SmolLM's among them), or after Llama 3's or Qwen 2's own regex.
fn gguf_pre_tokenizer(pre: &str) -> Result<PreTokenizerWrapper, String> {
    const LLAMA3: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    const QWEN2: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    let byte_level = ByteLevel::default().add_prefix_space(false);
    let regex_then_bytes = |regex: &str| -> Result<PreTokenizerWrapper, String> {
        let split = Split::new(
            SplitPattern::Regex(regex.into()),
            SplitDelimiterBehavior::Isolated,
            false,
        )
        .map_err(|e| format!("cannot build the {pre} pre-tokenizer: {e}"))?;
        Ok(Sequence::new(vec![split.into(), byte_level.use_regex(false).into()]).into())
    };
    match pre {
        "default" | "gpt2" | "gpt-2" | "mpt" | "olmo" | "jais" => Ok(byte_level.into()),
        "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone" | "minerva" => {
            Ok(Sequence::new(vec![Digits::new(true).into(), byte_level.into()]).into())
        }
        "llama-bpe" | "llama3" => regex_then_bytes(LLAMA3),
        "qwen2" => regex_then_bytes(QWEN2),
        other => Err(format!(
            "has tokenizer.ggml.pre = {other}, a pre-tokenizer not read here (read: gpt2, smollm and the StarCoder family, llama-bpe, qwen2)"
        )),
    }
}

/// A byte-level BPE tokenizer from a GGUF file's `tokenizer.ggml.*` metadata, as
/// llama.cpp builds it: token strings by id, merges in rank order, control tokens (type
/// 3) special, and the pre-tokenizer `tokenizer.ggml.pre` names.
fn gguf_bpe(header: &Header) -> Result<Tokenizer, String> {
    let missing = |key: &str| format!("has no {key}: its tokenizer cannot be built");
    match header.text("tokenizer.ggml.model") {
        Some("gpt2") => {}
        Some(other) => {
            return Err(format!(
                "has a {other} tokenizer; byte-level BPE (tokenizer.ggml.model = gpt2) is read"
            ));
        }
        None => return Err(missing("tokenizer.ggml.model")),
    }
    let tokens = header
        .strings("tokenizer.ggml.tokens")
        .ok_or_else(|| missing("tokenizer.ggml.tokens"))?;
    let merges = header
        .strings("tokenizer.ggml.merges")
        .ok_or_else(|| missing("tokenizer.ggml.merges"))?;
    let types: Vec<u64> = match header.get("tokenizer.ggml.token_type") {
        Some(value) => value
            .as_array()
            .map(|items| items.iter().map(|v| v.as_u64().unwrap_or(1)).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let vocab: Vocab = tokens
        .iter()
        .enumerate()
        .map(|(id, token)| (token.to_string(), id as u32))
        .collect();
    let merges = merges
        .iter()
        .map(|merge| {
            merge
                .split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| format!("has a merge {merge:?} that is not two tokens"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .build()
        .map_err(|e| format!("has a tokenizer BPE cannot use ({e})"))?;
    let mut tokenizer = Tokenizer::new(bpe);
    tokenizer
        .with_pre_tokenizer(Some(gguf_pre_tokenizer(
            header.text("tokenizer.ggml.pre").unwrap_or("default"),
        )?))
        .with_decoder(Some(ByteLevelDecoder::default()));
    const CONTROL: u64 = 3;
    let specials: Vec<AddedToken> = tokens
        .iter()
        .zip(&types)
        .filter(|(_, kind)| **kind == CONTROL)
        .map(|(token, _)| AddedToken::from(token.to_string(), true))
        .collect();
    tokenizer
        .add_special_tokens(specials)
        .map_err(|e| format!("cannot register its control tokens ({e})"))?;
    Ok(tokenizer)
}

/// BERT's tokenizer from `vocab.txt`, as HF's `BertTokenizerFast` builds it.
fn wordpiece(vocab: &Path, lowercase: bool) -> Result<Tokenizer> {
    let Some(vocab_s) = vocab.to_str() else {
        return Err(anyhow!("tokenizer path must be UTF-8: {}", vocab.display()));
    };
    let model = WordPiece::from_file(vocab_s)
        .unk_token("[UNK]".into())
        .build()
        .map_err(|e| broken(vocab, "WordPiece vocab.txt", e))?;
    let special = |t: &str| {
        model_id(&model, t).ok_or_else(|| {
            anyhow!(
                "{} has no {t} token; it is not a BERT vocabulary",
                vocab.display()
            )
        })
    };
    let (cls, sep) = (special("[CLS]")?, special("[SEP]")?);
    let mut tokenizer = Tokenizer::new(model);
    tokenizer
        .with_normalizer(Some(BertNormalizer::new(true, true, None, lowercase)))
        .map_err(|e| anyhow!("cannot set the BERT normaliser: {e}"))?;
    tokenizer
        .with_pre_tokenizer(Some(BertPreTokenizer))
        .with_post_processor(Some(BertProcessing::new(
            ("[SEP]".into(), sep),
            ("[CLS]".into(), cls),
        )))
        .with_decoder(Some(WordPieceDecoder::default()));
    let specials =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map(|t| AddedToken::from(t, true));
    tokenizer
        .add_special_tokens(specials)
        .map_err(|e| anyhow!("cannot register BERT's special tokens: {e}"))?;
    Ok(tokenizer)
}

fn model_id(model: &WordPiece, token: &str) -> Option<u32> {
    use tokenizers::Model;
    model.token_to_id(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_ranks_follow_the_merges_order() {
        let dir = tempfile::tempdir().unwrap();
        let (vocab, merges) = (dir.path().join("vocab.json"), dir.path().join("merges.txt"));
        std::fs::write(&vocab, r#"{"a":0,"b":1,"c":2,"bc":3,"abc":4,"ab":5}"#).unwrap();
        std::fs::write(&merges, "#version: 0.2\nb c\na bc\na b\n").unwrap();
        let bpe = TokenizerModel::load(&TokenizerFiles::BytePairs { vocab, merges }).unwrap();
        let ranks = bpe.merge_ranks().unwrap().unwrap();
        assert_eq!(ranks, vec![None, None, None, Some(0), Some(1), Some(2)]);
        let vocab = dir.path().join("vocab.txt");
        std::fs::write(&vocab, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n").unwrap();
        let wordpiece = TokenizerFiles::WordPiece {
            vocab,
            lowercase: true,
        };
        assert!(
            TokenizerModel::load(&wordpiece)
                .unwrap()
                .merge_ranks()
                .unwrap()
                .is_none()
        );
    }
}
