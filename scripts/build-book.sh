#!/usr/bin/env bash
# Builds the book: checks the code regions the chapters show (every ANCHOR included by a
# chapter, none longer than 40 lines: scripts/check-anchors.py), runs every lesson (each
# folder under lessons/) on the offline stand-ins into book/src/generated/, where each
# writes its figures, report.json and the numbers.md its chapter includes; draws the
# notebooks' own figures beside them for the appendix; checks that every figure a chapter
# shows exists, then runs mdbook (which fails on a broken {{#include}}).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python3 scripts/check-anchors.py
generated=book/src/generated
rm -rf "$generated"
for lesson in lessons/*/; do
  name=$(basename "$lesson")
  crate="lesson${name:0:2}"
  cargo run --quiet -p "$crate" -- --standin --out "$generated/$name" > "$generated.$name.log" 2>&1 \
    || { cat "$generated.$name.log"; exit 1; }
  mv "$generated.$name.log" "$generated/$name/output.txt"
done
# Lesson 5 at scale: t-SNE (FFT-interpolated forces) of 5,000 tokens of each stand-in,
# each with its interactive map (map.html), shown in the At-scale chapter with a
# screenshot taken by headless Chromium with a word selected by a deep link.
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "error: the book's map screenshots need Chromium (apt-get install chromium)" >&2; exit 1; }
for model in bert-base-uncased gpt2; do
  out="$generated/scale-$model"
  cargo run --quiet -p lesson05 -- --standin --model "$model" --tokens random:5000 --perplexity 30 --eps 3 --method fft \
    --out "$out" > /dev/null
  # The link selects a common word: the map's lowest-id token of four or more ASCII
  # letters (both vocabularies give frequent words low ids).
  word=$(python3 -c 'import json, sys, urllib.parse
data = json.loads(open(sys.argv[1]).read().split("window.MAP_DATA = ", 1)[1].rstrip().rstrip(";"))
words = [(i, t) for i, t in zip(data["ids"], data["tokens"]) if len(t.lstrip("Ġ")) >= 4 and t.lstrip("Ġ").isalpha() and t.isascii()]
print(urllib.parse.quote(min(words)[1]))' "$out/map-data.js")
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,700 \
    --virtual-time-budget=5000 --screenshot="$out/map.png" "file://$PWD/$out/map.html#token=$word" 2> /dev/null
done
# Lesson 5's small multiples: the notebook's 100 tokens mapped at perplexities 2 to 50
# from two random starts (--init random, the start drawn from --seed), and DBSCAN's eps
# on the notebook's own map; scripts/lesson05-multiples.py inlines them into the
# chapter's slider widgets (generated/05-multiples/perplexity.md and eps.md).
multiples="$generated/05-multiples"
for perplexity in 2 5 10 30 50; do
  for seed in 1 2; do
    cargo run --quiet -p lesson05 -- --standin --init random --seed "$seed" --perplexity "$perplexity" \
      --out "$multiples/perplexity-$perplexity-seed-$seed" > /dev/null
  done
done
for eps in 2 3 5 7 10 15; do
  cargo run --quiet -p lesson05 -- --standin --eps "$eps" --out "$multiples/eps-$eps" > /dev/null
done
python3 scripts/lesson05-multiples.py "$multiples"
# The appendix: the notebooks' own plotting cells (matplotlib) on the same data, beside the
# lessons' figures. FIGURES_PYTHON is a Python with scripts/figures/requirements.txt.
python=${FIGURES_PYTHON:-python3}
"$python" -c 'import matplotlib, gguf, safetensors, transformers' 2> /dev/null \
  || { echo "error: the appendix needs a Python with scripts/figures/requirements.txt installed (pip install -r scripts/figures/requirements.txt, or set FIGURES_PYTHON to one)" >&2; exit 1; }
"$python" scripts/figures/notebook_figures.py "$generated" > /dev/null
# KaTeX's stylesheet and fonts for the maths (rendered at build time by mdbook-katex),
# from Debian's libjs-katex and fonts-katex (0.16.4, the KaTeX inside mdbook-katex 0.10),
# so the built book loads nothing from the network.
katex=/usr/share/javascript/katex
[ -f "$katex/katex.min.css" ] && [ -d "$katex/fonts/" ] \
  || { echo "error: the book's maths needs KaTeX's stylesheet and fonts (apt-get install libjs-katex fonts-katex)" >&2; exit 1; }
command -v mdbook-katex > /dev/null \
  || { echo "error: the book's maths needs mdbook-katex (cargo install mdbook-katex --version 0.10.0 --locked)" >&2; exit 1; }
rm -rf book/src/katex
mkdir -p book/src/katex/fonts
cp "$katex/katex.min.css" book/src/katex/
cp "$katex"/fonts/*.woff2 book/src/katex/fonts/
missing=0
for chapter in book/src/*.md "$generated"/notebooks/appendix.md; do
  for figure in $(grep -o '](generated/[^)]*)' "$chapter" | sed 's/^](//; s/)$//'); do
    if [ ! -f "book/src/$figure" ]; then
      echo "error: $chapter shows $figure, which the lessons did not write" >&2
      missing=1
    fi
  done
done
[ "$missing" = 0 ]
# mdbook-katex keeps a formula it cannot parse as raw text with a warning; fail instead.
mdbook build book 2>&1 | tee book/build.log
if grep -q 'Rendering failed' book/build.log; then
  grep 'Rendering failed' book/build.log >&2
  echo "error: a formula above does not parse (KaTeX); fix it in its chapter" >&2
  exit 1
fi
# The book is read offline: no page may load a script, stylesheet, font or image from the
# network (links to references are fine: they load nothing until followed).
python3 scripts/check-offline.py book/book
# The lesson 5 widgets, opened from disk in headless Chromium: moving a slider shows
# another map.
python3 scripts/check-widget.py "$browser" book/book/lesson05.html
echo "book written to book/book/index.html"
