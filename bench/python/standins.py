"""Where the Python counterparts find the offline stand-in models: the same files the
Rust lessons read with --standin (.standins/, prepared by scripts/fetch-standins.sh and
the first lesson run). Weights come through safetensors (transformers' model classes
need torch, which the stand-ins do not require); tokenizers through transformers, as the
notebooks load them."""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
HUB = ROOT / ".standins" / "hub"
GPT2_FILES = ROOT / ".standins" / "packages" / "gpt2-tokenizer"


# Names of the token-embedding tensor in BERT and GPT-2 checkpoints.
EMBEDDING_SUFFIXES = ("word_embeddings.weight", "wte.weight")


def snapshot(model):
    repo = HUB / f"models--standin--{model}"
    return repo / "snapshots" / (repo / "refs" / "main").read_text().strip()


def embeddings(model):
    """The token-embedding matrix as float32 numpy (the notebook's `.weight.detach().numpy()`)."""
    from safetensors import safe_open

    with safe_open(str(snapshot(model) / "model.safetensors"), "numpy") as f:
        name = next(k for k in f.keys() if k.endswith(EMBEDDING_SUFFIXES))
        return f.get_tensor(name)


def gpt2_tokenizer():
    from transformers import GPT2Tokenizer

    return GPT2Tokenizer(vocab_file=str(GPT2_FILES / "encoder.json"), merges_file=str(GPT2_FILES / "vocab.bpe"))


def bert_tokenizer(model="bert-base-uncased"):
    from transformers import BertTokenizer

    return BertTokenizer.from_pretrained(str(snapshot(model)))


def save(fig, out, name):
    """Every figure as SVG and PNG, as the Rust lessons write them."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / f"{name}.svg")
    fig.savefig(out / f"{name}.png", dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)


def out_dir():
    import sys

    return sys.argv[1] if len(sys.argv) > 1 else "out/python"

