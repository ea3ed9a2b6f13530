"""Lesson 1's diagram, from its run (report.json): two embedding matrices drawn to scale,
the row that one index picks in each, and the rows that one word picks."""
import json

from svg import BERT, GPT, GREY, INK, Svg, number, thousands



def short(token, limit=12):
    return token if len(token) <= limit else token[: limit - 1] + "\u2026"


def rows_diagram(path, report_path):
    if not report_path.is_file():
        raise SystemExit(f"error: {report_path} is missing: run lesson 1 first (scripts/build-book.sh does)")
    report = json.loads(report_path.read_text())
    labels, shapes = report["labels"], report["embedding_shapes"]
    same_index, same_word = report["same_index"], report["same_word"]["comparison"]
    word = report["same_word"]["word"]
    svg = Svg(750, 360, "Two embedding matrices: the same index, the same word")
    top, tallest, widest = 74, 220, 110
    most_rows = max(shapes["bert"][0], shapes["gpt"][0])
    most_cols = max(shapes["bert"][1], shapes["gpt"][1])
    boxes = {}
    for model, x, colour in [("bert", 176, BERT), ("gpt", 470, GPT)]:
        rows, cols = shapes[model]
        h, w = rows / most_rows * tallest, cols / most_cols * widest
        boxes[model] = (x, w, h, rows)
        svg.rect(x, top, w, h, colour, INK, 1, opacity=0.12)
        # Column 1, which (1.3) pairs with the other model's column 1.
        svg.rect(x + 4, top, 5, h, colour, "none", opacity=0.6)
        svg.text(x + w / 2, top - 30, labels[model], 14, "middle", colour, bold=True)
        svg.text(x + w / 2, top - 12, f"E: {thousands(rows)} \u00d7 {cols}", 13, "middle", GREY)

    def row_y(model, index):
        x, w, h, rows = boxes[model]
        return top + (index + 0.5) / rows * h

    for comparison, kind in [(same_word, "word"), (same_index, "index")]:
        ys = {}
        for model in ("bert", "gpt"):
            x, w, h, rows = boxes[model]
            y = ys[model] = row_y(model, comparison["index"][model])
            colour = BERT if model == "bert" else GPT
            svg.rect(x, y - 2.5, w, 5, colour, colour)
            text = f"row {thousands(comparison['index'][model])}: \u201c{short(comparison['token'][model])}\u201d"
            if model == "bert":
                svg.text(x - 8, y + 5, text, 13, "end", INK)
            else:
                svg.text(x + w + 8, y + 5, text, 13, "start", INK)
        start, end = boxes["bert"][0] + boxes["bert"][1], boxes["gpt"][0]
        svg.line(start, ys["bert"], end, ys["gpt"], GREY, 1.2, dash="4 3")
        middle = (start + end) / 2
        below = max(ys.values()) + 20
        if kind == "word":
            svg.text(middle, below, f"same word \u201c{short(word)}\u201d: other rows", 13, "middle")
        else:
            svg.text(middle, below, "same index: unrelated tokens", 13, "middle")
        svg.text(middle, below + 17, [("r", "i"), f" = {number(comparison['pearson_r'], 3)}"], 13, "middle", GREY)
    bottom = top + tallest + 28
    svg.text(8, bottom, [
        "Column 1 of each (shaded): an axis each model's training chose on its own.",
    ], 13, fill=GREY)
    svg.text(8, bottom + 18, [
        ("r", "i"), " (1.3) pairs value ", ("k", "i"), " with value ", ("k", "i"),
        f" over the first {same_index['dimensions']} columns, so it compares unrelated axes.",
    ], 13, fill=GREY)
    svg.save(path)
