#!/usr/bin/env bash
# Builds the book: runs every lesson (each folder under lessons/) on the offline stand-ins
# into book/src/generated/, where each writes its figures, report.json and the numbers.md
# its chapter includes; checks that every figure a chapter shows exists, then runs mdbook
# (which fails on a broken {{#include}}).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
generated=book/src/generated
rm -rf "$generated"
for lesson in lessons/*/; do
  name=$(basename "$lesson")
  crate="lesson${name:0:2}"
  cargo run --quiet -p "$crate" -- --standin --out "$generated/$name" > "$generated.$name.log" 2>&1 \
    || { cat "$generated.$name.log"; exit 1; }
  mv "$generated.$name.log" "$generated/$name/output.txt"
done
# Lesson 5 at scale: t-SNE (FFT-interpolated forces) of 5,000 BERT stand-in tokens.
cargo run --quiet -p lesson05 -- --standin --model bert-base-uncased --tokens random:5000 --perplexity 30 --eps 3 --method fft \
  --out "$generated/scale" > /dev/null
missing=0
for chapter in book/src/*.md; do
  for figure in $(grep -o '](generated/[^)]*)' "$chapter" | sed 's/^](//; s/)$//'); do
    if [ ! -f "book/src/$figure" ]; then
      echo "error: $chapter shows $figure, which the lessons did not write" >&2
      missing=1
    fi
  done
done
[ "$missing" = 0 ]
mdbook build book
echo "book written to book/book/index.html"
