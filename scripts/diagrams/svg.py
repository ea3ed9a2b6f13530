"""A small SVG writer for the book's explanatory diagrams: shapes, arrows and text whose
size is given in CSS pixels, on a white ground (the book's dark themes would otherwise
show dark text on a dark page).

A diagram is drawn at most 750 pixels wide, the width of the book's content column, so
it is shown at its own size and every text keeps the size it is written with
(scripts/figures/text_sizes.py checks that none is under 12 px). Every text is drawn with
at least 4.5:1 contrast against the white ground (WCAG's level for body text): a colour
too light for that, such as GPT's orange, is darkened for text, so a label keeps the hue
of the shape it names.
"""
from html import escape

SANS = "DejaVu Sans, Helvetica, Arial, sans-serif"
MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"
# matplotlib's first colours, as the lessons' figures use them: BERT blue, GPT orange.
BERT = "#1f77b4"
GPT = "#ff7f0e"
GREEN = "#2ca02c"
RED = "#d62728"
PURPLE = "#9467bd"
INK = "#222222"
# Secondary text and rules: 7.5:1 on white, where a lighter grey would fade at 12-13 px.
GREY = "#555555"
LIGHT = "#e8e8e8"
# Average advance of a character, in ems: DejaVu Sans Mono's exactly, DejaVu Sans's
# widest usual text (capitals and digits) so that a label never runs into its neighbour.
MONO_EM = 0.602
SANS_EM = 0.62
SMALLEST = 12
CONTRAST = 4.5


def number(x, places=2):
    """A number as the diagrams print it: fixed places, a true minus sign."""
    return f"{x:.{places}f}".replace("-", "\u2212")


def thousands(n):
    """A count with thousands separated, as the lessons print it: 30,522."""
    return f"{n:,}"


def _luminance(colour):
    """WCAG's relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(colour):
    """The contrast ratio of a #rrggbb colour against white, from 1 to 21."""
    return 1.05 / (_luminance(colour) + 0.05)


def readable(colour):
    """`colour`, or the same hue darkened in small steps until it has CONTRAST against
    white: the colour a text in it is drawn with."""
    if not (colour.startswith("#") and len(colour) == 7):
        raise ValueError(f"diagram text is a #rrggbb colour on white, not {colour!r}")
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    while contrast(colour) < CONTRAST:
        rgb = [int(c * 0.95) for c in rgb]
        colour = "#" + "".join(f"{c:02x}" for c in rgb)
    return colour


def width(text, size, mono=False):
    """The width `text` takes at `size` px, estimated from the fonts' advances."""
    return len(text) * size * (MONO_EM if mono else SANS_EM)


class Svg:
    def __init__(self, w, h, title):
        if w > 750:
            raise ValueError(f"a diagram is at most 750 px wide (the content column), not {w}")
        self.w, self.h = w, h
        self.parts = [f"<title>{escape(title)}</title>", f'<rect width="{w}" height="{h}" fill="white"/>']
        self.markers = set()

    def rect(self, x, y, w, h, fill="none", stroke=INK, sw=1, dash=None, rx=0, opacity=None):
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        extra += f' fill-opacity="{opacity}"' if opacity is not None else ""
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{sw}"{extra}/>'
        )

    def line(self, x1, y1, x2, y2, stroke=INK, sw=1, dash=None, arrow=False):
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        if arrow:
            extra += f' marker-end="url(#{self._arrowhead(stroke)})"'
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
            f'stroke-width="{sw}"{extra}/>'
        )

    def arrow(self, x1, y1, x2, y2, stroke=INK, sw=1.5, dash=None):
        self.line(x1, y1, x2, y2, stroke, sw, dash, arrow=True)

    def path(self, d, stroke=INK, sw=1, fill="none", dash=None, opacity=None):
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        extra += f' fill-opacity="{opacity}"' if opacity is not None else ""
        self.parts.append(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{extra}/>')

    def circle(self, x, y, r, fill="none", stroke=INK, sw=1, dash=None, opacity=None):
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        extra += f' fill-opacity="{opacity}"' if opacity is not None else ""
        self.parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{sw}"{extra}/>'
        )

    def cross(self, x, y, r, stroke=INK, sw=2):
        self.line(x - r, y - r, x + r, y + r, stroke, sw)
        self.line(x - r, y + r, x + r, y - r, stroke, sw)

    def text(self, x, y, content, size=14, anchor="start", fill=INK, bold=False, mono=False, italic=False, halo=False):
        """Text at baseline `y`. `content` is a string, or a list of pieces: a string, or
        (string, style) with style "i" (italic), "b" (bold: a vector, as the chapters'
        maths writes it), "sub" or "sup" (a 12 px index). A halo is a white outline that
        keeps the text readable over lines and points. `fill` is drawn as `readable` makes
        it."""
        if size < SMALLEST:
            raise ValueError(f"diagram text is at least {SMALLEST} px, not {size}")
        fill = readable(fill)
        attrs = (
            f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-family="{MONO if mono else SANS}" '
            f'fill="{fill}" text-anchor="{anchor}"'
        )
        attrs += ' font-weight="bold"' if bold else ""
        attrs += ' font-style="italic"' if italic else ""
        attrs += ' stroke="white" stroke-width="4" stroke-linejoin="round" paint-order="stroke"' if halo else ""
        self.parts.append(f"<text {attrs}>{_pieces(content)}</text>")

    def _arrowhead(self, colour):
        name = "head-" + colour.lstrip("#")
        if name not in self.markers:
            self.markers.add(name)
            self.parts.insert(
                1,
                f'<defs><marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" '
                f'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
                f'<path d="M0,0 L10,5 L0,10 z" '
                f'fill="{colour}"/></marker></defs>',
            )
        return name

    def save(self, path):
        path.write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
            f'viewBox="0 0 {self.w} {self.h}">\n' + "\n".join(self.parts) + "\n</svg>\n",
            encoding="utf-8",
        )


def _pieces(content):
    if isinstance(content, str):
        return escape(content)
    out = []
    for piece in content:
        if isinstance(piece, str):
            out.append(escape(piece))
            continue
        text, style = piece
        if style == "i":
            out.append(f'<tspan font-style="italic">{escape(text)}</tspan>')
        elif style == "b":
            out.append(f'<tspan font-weight="bold">{escape(text)}</tspan>')
        elif style in ("sub", "sup"):
            # A shifted tspan, then a zero-width reset so the next piece sits on the baseline.
            shift = "0.35em" if style == "sub" else "-0.45em"
            back = "-0.35em" if style == "sub" else "0.45em"
            out.append(f'<tspan dy="{shift}" font-size="{SMALLEST}">{escape(text)}</tspan><tspan dy="{back}">\u200b</tspan>')
        else:
            raise ValueError(f"unknown text style {style!r}")
    return "".join(out)
