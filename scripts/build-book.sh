#!/usr/bin/env bash
# Builds the book: checks the code regions the chapters show (every ANCHOR included by a
# chapter, none longer than 30 lines: scripts/check-anchors.py), runs every lesson (each
# folder under lessons/) on the offline stand-ins into book/src/generated/, where each
# writes its figures, report.json and the numbers.md its chapter includes; draws the
# notebooks' own figures beside them for the appendix; draws the explanatory diagrams
# (scripts/diagrams/draw.py); checks that every figure a chapter shows exists and that no
# figure's text is under 11 px on the page, no diagram's under 12 px
# (scripts/figures/text_sizes.py), then runs mdbook (which fails on a broken {{#include}});
# then reads every built page in headless Chromium at 1,100 and 800 px
# (scripts/check-pages.py, first shown to fail on a book of planted defects).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python3 scripts/check-anchors.py
# The typesetting preprocessor's examples: what it must keep on a line, and leave alone.
python3 scripts/typeset.py check
generated=book/src/generated
rm -rf "$generated"
# run_into OUT ARGS…: `cargo run --quiet ARGS… --out OUT`, its terminal output kept as
# OUT/output.txt (the chapters show it); on failure the output is shown and the build stops.
run_into() {
  local out=$1 log
  shift
  log="$generated.$(basename "$out").log"
  cargo run --quiet "$@" --out "$out" > "$log" 2>&1 || { cat "$log"; exit 1; }
  mv "$log" "$out/output.txt"
}
for lesson in lessons/*/; do
  name=$(basename "$lesson")
  run_into "$generated/$name" -p "lesson${name:0:2}" -- --standin
done
# Lesson 1 on its exercise 1's word, and with its exercise 2's seeds: the answers quote
# those runs' r.
run_into "$generated/01-word-cat" -p lesson01 -- --standin --word cat
for seed in 1 2 3; do
  run_into "$generated/01-seed-$seed" -p lesson01 -- --standin --seed "$seed"
done
# Lesson 4 with 100 random draws: its exercise 2's answer quotes that run's band.
run_into "$generated/04-draws-100" -p lesson04 -- --standin --draws 100
# Lesson 2 with --graph too: its exercise on every token's neighbours quotes the hubs.
run_into "$generated/02-knn-kompetition-graph" -p lesson02 -- --standin --graph
# Lesson 6 with --fold-case: its exercise 1's answer quotes that run's shared tokens and
# scores (every number is over all shared tokens whatever the maps hold, so the maps are
# small and the permutation tests skipped).
run_into "$generated/06-fold-case" -p lesson06 -- --standin --fold-case --map-tokens 1000 --permutations 0
# Lesson 3 with 10,000 shuffles: its exercise 5's answer sets that run's p-values beside
# the default run's.
run_into "$generated/03-permutations-10000" -p lesson03 -- --standin --permutations 10000
# Lesson 3 on its exercise 2's words: the answer shows that run's matrices and score.
run_into "$generated/03-rsa-own-words" -p lesson03 -- --standin --words cat,dog,horse,car,bus,train,red,green,blue
# Lesson 7 on the BERT stand-in too: its chapter shows the two stand-ins' reports side by side.
run_into "$generated/07-diagnose-a-model-bert" -p lesson07 -- --standin --model bert-base-uncased
# And with 1 and 20 directions removed by all-but-the-top: its exercise 3's answer
# (scripts/lesson07-answers.py writes it from the three runs' reports).
for removed in 1 20; do
  run_into "$generated/07-remove-top-$removed" -p lesson07 -- --standin --remove-top "$removed"
done
python3 scripts/lesson07-answers.py "$generated"
# Numbers of the runs above that an exercise's answer quotes inside a list item, indented to
# the item's text: Markdown would end the item at an unindented line (a table's, a second
# paragraph's).
mkdir -p "$generated/answers"
for run in 03-rsa-own-words 03-permutations-10000 06-fold-case 06-two-vocabularies; do
  sed 's/^/   /' "$generated/$run/numbers.md" > "$generated/answers/$run.md"
done
# Lesson 6's exercise 6: the two lists of two tokens that share no neighbour.
python3 scripts/lesson06-answers.py "$generated" grace stadium
# Lesson 5 at scale: t-SNE (FFT-interpolated forces, perplexity 30) of every text token of
# each stand-in, with its interactive map (map.html), shown in the At-scale chapter: what
# DBSCAN finds on each map at eps from 0.25 to 7 (--example eps-sweep, eps.md), and views
# of the map taken by headless Chromium from the page (scripts/scale-figures.py: coloured
# by region and by token kind, and two words each under both metrics, zoomed in around the
# word beside its neighbour lists, words.md).
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "error: the book's map views need Chromium (apt-get install chromium)" >&2; exit 1; }
# Its screenshots show tokens of every script the vocabularies hold: a CJK ideograph (龍)
# and a Tamil letter (க) stand for them.
for char in 9f8d 0b95; do
  fc-list ":charset=$char" | grep -q . \
    || { echo "error: the book's map views need fonts for CJK and Indic scripts (apt-get install fonts-noto-core fonts-noto-cjk)" >&2; exit 1; }
done
# Lesson 6's compare.html for its chapter: "ring" selected by a deep link, and the maps
# coloured by token kind (in a folder of their own: a lesson's folder holds only the
# figures its report lists, which its cross-check compares). A narrow window at twice the
# pixels, so that the page's text is still readable at the column's width; each window as
# tall as what it shows (the maps, and the lists or the colour key below them): measured
# on these pages, so raise a height if the page grows (a cropped screenshot passes every
# check).
shots="$generated/06-screenshots"
mkdir -p "$shots"
for shot in "ring token=ring 1150" "kinds colour=token%20kind 960"; do
  read -r name fragment height <<< "$shot"
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="750,$height" \
    --force-device-scale-factor=2 --virtual-time-budget=8000 --screenshot="$shots/compare-$name.png" \
    "file://$PWD/$generated/06-two-vocabularies/compare.html#$fragment" 2> /dev/null
done
# model, its text tokens (the vocabulary less its special tokens), a label, two words as
# stored (URL-encoded: GPT-2's leading space Ġ is %C4%A0), and lesson 7's run on the model
# (the map's "under-trained score" colouring, lesson 7's exercise 6)
for run in "bert-base-uncased 30517 BERT ring paris 07-diagnose-a-model-bert" \
  "gpt2 49135 GPT %C4%A0ring %C4%A0Paris 07-diagnose-a-model"; do
  read -r model tokens label first second diagnosis <<< "$run"
  out="$generated/scale-$model"
  run_into "$out" -p lesson05 -- --standin --model "$model" --tokens "first:$tokens" --perplexity 30 --eps 1 \
    --method fft --diagnosis "$generated/$diagnosis"
  cargo run --quiet -p lesson05 --example eps-sweep -- "$out/report.json" 0.25 0.5 1 2 3 5 7 > "$out/eps.md"
  python3 scripts/scale-figures.py "$browser" "$out" "$label stand-in" "$first" "$second"
done
# At scale's exercise 2: 5,000 random BERT tokens mapped, and DBSCAN at several eps on that
# map; its answer shows the table (indented to the list item, as above).
sample="$generated/scale-random-5000"
run_into "$sample" -p lesson05 -- --standin --model bert-base-uncased --tokens random:5000 --perplexity 30 \
  --method fft
cargo run --quiet -p lesson05 --example eps-sweep -- "$sample/report.json" 0.5 1 2 3 5 7 \
  | sed 's/^/   /' > "$generated/answers/scale-random-5000.md"
# Lesson 5's widgets. The known answers: point sets of known structure mapped by the
# lesson's t-SNE at distill's perplexities (--example known-answers). The small multiples:
# the notebook's 100 tokens mapped at perplexities 2 to 50 from two random starts (--init
# random, the start drawn from --seed), and DBSCAN's eps on the notebook's own map.
# scripts/lesson05-multiples.py makes them the chapter's widgets
# (generated/05-known-answers/known.md, generated/05-multiples/perplexity.md and eps.md).
known="$generated/05-known-answers"
run_into "$known" -p lesson05 --example known-answers --
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
python3 scripts/lesson05-multiples.py "$multiples" "$known"
# The appendix: the notebooks' own plotting cells (matplotlib) on the same data, beside the
# lessons' figures. FIGURES_PYTHON is a Python with scripts/figures/requirements.txt.
python=${FIGURES_PYTHON:-python3}
"$python" -c 'import matplotlib, gguf, safetensors, transformers' 2> /dev/null \
  || { echo "error: the appendix needs a Python with scripts/figures/requirements.txt installed (pip install -r scripts/figures/requirements.txt, or set FIGURES_PYTHON to one)" >&2; exit 1; }
"$python" scripts/figures/notebook_figures.py "$generated" > /dev/null
# The explanatory diagrams: the chapters' worked examples drawn, the introduction's text
# cut by the real tokenizers (from the stand-ins' files), lesson 1's run (its report).
"$python" scripts/diagrams/draw.py "$generated" > /dev/null
# Lesson 2's exercise 6: the graph of the centred, unit-length vectors beside the --graph
# run's raw one (numpy, on the stand-in files; scripts/lesson02-answers.py).
"$python" scripts/lesson02-answers.py "$generated"
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
    if [ ! -f "book/src/${figure%%#*}" ]; then  # a link's #fragment is not part of the file
      echo "error: $chapter shows $figure, which the lessons did not write" >&2
      missing=1
    fi
  done
done
[ "$missing" = 0 ]
python3 scripts/figures/text_sizes.py "$generated" --min 11 --diagram-min 12 > /dev/null
# mdbook-katex keeps a formula it cannot parse as raw text with a warning; fail instead.
mdbook build book 2>&1 | tee book/build.log
if grep -q 'Rendering failed' book/build.log; then
  grep 'Rendering failed' book/build.log >&2
  echo "error: a formula above does not parse (KaTeX); fix it in its chapter" >&2
  exit 1
fi
# A warning about HTML tags is a page that renders wrong (KaTeX's \tilde is a "~" that
# Markdown reads as strikethrough: write \widetilde); the preprocessor's note on the mdBook
# version it was built against is the one warning allowed.
if grep 'WARN' book/build.log | grep -v 'was built against mdbook' >&2; then
  echo "error: mdbook warned about the pages above; fix them in their chapters" >&2
  exit 1
fi
# The book is read offline: no page may load a script, stylesheet, font or image from the
# network (links to references are fine: they load nothing until followed).
python3 scripts/check-offline.py book/book
# The lesson 5 widgets, opened from disk in headless Chromium: moving a slider shows
# another map.
python3 scripts/check-widget.py "$browser" book/book/lesson05.html
# Every page as a reader's browser lays it out, at 1,100 and 800 px: nothing wider than
# the content column, every figure captioned, every map image linked to its map page,
# every widget map labelled with its tokens. The checks are first shown to catch each
# defect planted in scripts/planted-book/ (and to pass its clean page).
python3 scripts/check-pages-planted.py "$browser"
python3 scripts/check-pages.py "$browser" book/book
echo "book written to book/book/index.html"
