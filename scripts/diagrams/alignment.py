"""The diagrams of lesson 6: aligning one space with another. Orthogonal Procrustes (6.5)
on five tokens in two dimensions, and how CSLS (6.6) takes a hub's queries back from it.
Every number a diagram prints is computed here (numpy) from the example's coordinates."""
import math

import numpy as np

from svg import BERT, GREEN, GREY, INK, LIGHT, PURPLE, RED, Svg, number

# The tokens of the Procrustes example and their colours (lesson 3's diagram's, and two more).
WORDS = ["sun", "moon", "star", "apple", "pear"]
COLOURS = {"sun": RED, "moon": PURPLE, "star": "#17becf", "apple": GREEN, "pear": "#8c564b"}


def _centred_unit(m):
    """(6.5)'s preparation: subtract the mean row, then scale every row to unit length."""
    m = m - m.mean(axis=0)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _turn(degrees):
    """The 2 x 2 matrix that turns a row vector x (as x R) anticlockwise by `degrees`."""
    t = math.radians(degrees)
    return np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]])


def procrustes(path, turn=50.0, noise=0.15, seed=6):
    """Lesson 6, (6.5): model A's rows X; model B's rows Y, the same tokens turned by `turn`
    degrees with Gaussian noise added; the W = U V^T found from the SVD of X^T Y, and XW
    laid on Y with what is left over."""
    raw = np.array([(1.0, 0.25), (0.55, 0.95), (-0.45, 0.85), (-1.0, -0.35), (0.15, -1.0)])
    rng = np.random.default_rng(seed)
    x = _centred_unit(raw)
    y = _centred_unit(raw @ _turn(turn) + rng.normal(0.0, noise, raw.shape))
    u, _, vt = np.linalg.svd(x.T @ y)
    w = u @ vt
    if np.linalg.det(w) < 0:
        raise SystemExit("error: the Procrustes diagram's W is a reflection: choose another seed")
    found = math.degrees(math.atan2(w[0, 1], w[0, 0]))
    xw = x @ w
    before, after = np.linalg.norm(x - y), np.linalg.norm(xw - y)
    if not after < before / 2:
        raise SystemExit(f"error: the Procrustes diagram's turn leaves {after:.2f} of {before:.2f}: choose another seed")

    svg = Svg(750, 392, "Orthogonal Procrustes: the turn W that carries model A's rows onto model B's")
    r = 78  # px a unit: every row has unit length, so every point lies on the circle
    centres = [(132, 150), (378, 150), (620, 150)]
    titles = [
        ["1. Model A: the rows of ", ("X", "i")],
        ["2. Model B: the rows of ", ("Y", "i")],
        ["3. ", ("XW", "i"), " laid on ", ("Y", "i")],
    ]
    subtitles = [
        "centred, each row at unit length",
        f"A\u2019s rows turned by {number(turn, 0)}\u00b0, noise added",
        ["hollow: ", ("XW", "i"), ", filled: ", ("Y", "i")],
    ]
    for (cx, cy), title, subtitle in zip(centres, titles, subtitles):
        svg.text(cx, 22, title, 14, "middle", bold=True)
        svg.text(cx, 42, subtitle, 13, "middle", GREY)
        svg.circle(cx, cy, r, "none", LIGHT, 1.5)
        svg.line(cx - 6, cy, cx + 6, cy, GREY)
        svg.line(cx, cy - 6, cx, cy + 6, GREY)

    def at(centre, v, scale=1.0):
        return centre[0] + v[0] * r * scale, centre[1] - v[1] * r * scale

    def label(centre, v, word):
        # Outside the circle, along the point's own direction, anchored away from the centre.
        lx, ly = at(centre, v, 1.22)
        anchor = "start" if v[0] > 0.35 else ("end" if v[0] < -0.35 else "middle")
        svg.text(lx, ly + 5, word, 13, anchor, COLOURS[word])

    for i, word in enumerate(WORDS):
        colour = COLOURS[word]
        for centre, v in [(centres[0], x[i]), (centres[1], y[i])]:
            svg.line(*centre, *at(centre, v), colour, 1, dash="3 3")
            svg.circle(*at(centre, v), 6, colour, INK, 1)
            label(centre, v, word)
        # Panel 3: the residual xW - y as a line, then the two points on it.
        c = centres[2]
        svg.line(*at(c, xw[i]), *at(c, y[i]), INK, 2)
        svg.circle(*at(c, y[i]), 5.5, colour, INK, 1)
        svg.circle(*at(c, xw[i]), 9, "none", colour, 2.2)
        label(c, (xw[i] + y[i]) / 2 / np.linalg.norm((xw[i] + y[i]) / 2), word)
    # The turn W makes, as an arc at the middle of panel 3.
    c = centres[2]
    a1 = math.radians(found)
    rr = 30
    svg.path(
        f"M{c[0] + rr:.1f},{c[1]:.1f} A{rr},{rr} 0 0 0 {c[0] + rr * math.cos(a1):.1f},{c[1] - rr * math.sin(a1):.1f}",
        BERT, 2,
    )
    tip = (c[0] + rr * math.cos(a1), c[1] - rr * math.sin(a1))
    back = (c[0] + rr * math.cos(a1 - 0.2), c[1] - rr * math.sin(a1 - 0.2))
    svg.arrow(*back, *tip, BERT, 2)
    svg.text(c[0] + rr + 4, c[1] - 6, [("W", "i")], 14, "start", BERT)

    # The maths, with this example's numbers.
    top = 300  # the middle line of the matrix
    svg.text(20, top + 5, ["The SVD (6.5): ", ("X", "i"), ("\u22a4", "sup"), ("Y", "i"), " = ", ("U", "i"),
                           " \u03a3 ", ("V", "i"), ("\u22a4", "sup"), ", so  ", ("W", "i"), ("\u22c6", "sup"),
                           " = ", ("U", "i"), ("V", "i"), ("\u22a4", "sup"), " ="], 14)
    mx = 348
    for row in range(2):
        for col in range(2):
            svg.text(mx + 56 + col * 60, top - 6 + row * 22, number(w[row, col]), 14, "end")
    svg.path(f"M{mx + 8},{top - 24} Q{mx - 2},{top} {mx + 8},{top + 24}", INK, 1.3)
    svg.path(f"M{mx + 124},{top - 24} Q{mx + 134},{top} {mx + 124},{top + 24}", INK, 1.3)
    svg.text(mx + 148, top + 5, [f"a turn by {number(found, 1)}\u00b0 (det ", ("W", "i"), f" = {number(np.linalg.det(w))})"], 14, fill=BERT)
    svg.text(20, top + 50, ["Left over: ", "\u2016", ("X", "i"), " \u2212 ", ("Y", "i"), "\u2016", ("F", "sub"),
                            f" = {number(before)} unturned,  ",
                            "\u2016", ("XW", "i"), " \u2212 ", ("Y", "i"), "\u2016", ("F", "sub"),
                            f" = {number(after)} turned (the black lines in 3)"], 14)
    svg.text(20, top + 74, ["A turn keeps every length and angle of A (", ("WW", "i"), ("\u22a4", "sup"), " = ", ("I", "i"),
                            "): only the noise is left over."], 13, fill=GREY)
    svg.save(path)
    return {"turn": found, "before": before, "after": after}


def _cosines(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def _mean_of_largest(m, k, axis):
    return np.sort(m, axis=axis).take(range(-k, 0), axis=axis).mean(axis=axis)


def csls(path, k=2):
    """Lesson 6, (6.6): four mapped queries x_i W and their four counterparts y_i, in two
    dimensions; y_4 sits among the queries, a hub, and is the nearest by cosine of three of
    them. CSLS subtracts each candidate's r_B, its mean cosine to its k nearest queries, and
    every query finds its own counterpart."""
    def unit(degrees):
        t = np.radians(degrees)
        return np.stack([np.cos(t), np.sin(t)], axis=1)

    # Degrees anticlockwise from the right; the hub y_4 straight up, among the queries.
    query_angles = np.array([50.0, 135.0, 270.0, 100.0])
    candidate_angles = np.array([5.0, 185.0, 250.0, 90.0])
    queries, candidates = unit(query_angles), unit(candidate_angles)
    n = len(queries)
    cos = _cosines(queries, candidates)
    r_a = _mean_of_largest(cos, k, axis=1)  # each query's mean cosine to its k nearest candidates
    r_b = _mean_of_largest(cos, k, axis=0)  # each candidate's mean cosine to its k nearest queries
    scores = 2 * cos - r_a[:, None] - r_b[None, :]
    by_cos, by_csls = cos.argmax(axis=1), scores.argmax(axis=1)
    hub = n - 1
    # The chapter's caption describes exactly this: the hub the nearest by cosine of
    # queries 1, 2 and its own, query 3 right either way, every query right by CSLS.
    if list(by_cos) != [hub, hub, 2, hub] or list(by_csls) != list(range(n)) or r_b.argmax() != hub:
        raise SystemExit(f"error: the CSLS diagram should show a hub that CSLS undoes: {by_cos}, {by_csls}")
    # The tokens' colours, none of them the green and red that mark a right and a wrong pick.
    colours = ["#8c564b", PURPLE, "#17becf", INK]

    svg = Svg(750, 476, "CSLS: a hub near many queries, discounted")
    # Left: the directions. A cosine reads only direction, so the queries are drawn on an
    # inner circle and the candidates on an outer one.
    c, r_in, r_out = (180, 236), 88, 136
    svg.text(20, 22, "Four queries and their counterparts", 14, bold=True)
    svg.text(20, 42, ["queries ", ("x", "b"), ("i", "sub"), ("W", "i"), " inside, candidates ", ("y", "b"), ("j", "sub"), " outside"], 13, fill=GREY)
    svg.circle(*c, r_in, "none", LIGHT, 1.5)
    svg.circle(*c, r_out, "none", LIGHT, 1.5)

    def at(v, radius):
        return c[0] + v[0] * radius, c[1] - v[1] * radius

    def shorten(p, q, by):
        d = math.hypot(q[0] - p[0], q[1] - p[1])
        return q[0] - (q[0] - p[0]) * by / d, q[1] - (q[1] - p[1]) * by / d

    for i in range(n):
        start = at(queries[i], r_in)
        # Cosine's choice (grey, dashed) and CSLS's (the token's colour).
        for choice, colour, dash in [(by_cos[i], GREY, "5 4"), (by_csls[i], colours[i], None)]:
            if choice == by_csls[i] and dash:
                continue  # the same choice: one arrow says both
            end = at(candidates[choice], r_out)
            svg.arrow(*shorten(end, start, 7), *shorten(start, end, 9), colour, 1.8, dash=dash)
    for i in range(n):
        svg.circle(*at(queries[i], r_in), 6.5, "white", colours[i], 2.5)
        svg.circle(*at(candidates[i], r_out), 7 if i != hub else 9, colours[i], INK, 1)

    def name(letter, i, mapped):
        return [(letter, "b"), (str(i + 1), "sub")] + ([("W", "i")] if mapped else [])

    for i in range(n):
        # Queries' names inside their circle, candidates' outside theirs.
        qx, qy = at(queries[i], r_in - 24)
        svg.text(qx, qy + 5, name("x", i, True), 14, "middle", colours[i], halo=True)
        cx, cy = at(candidates[i], r_out + 22)
        svg.text(cx, cy + 5, name("y", i, False) + ([", the hub"] if i == hub else []), 14,
                 "middle", colours[i], halo=True)
    svg.line(20, 408, 48, 408, GREY, 1.8, dash="5 4")
    svg.text(54, 413, "nearest by cosine, where it differs", 13)
    svg.line(20, 432, 48, 432, INK, 1.8)
    svg.text(54, 437, "nearest by CSLS", 13)
    svg.text(20, 461, ["by cosine, ", ("y", "b"), (str(hub + 1), "sub"), f" is the nearest of {int(sum(by_cos == hub))} queries of {n}"], 13, fill=GREY)

    # Right: the numbers, cosine first, then CSLS.
    left, cw, ch = 440, 54, 24

    def table(top, values, picks, title, extra=None):
        svg.text(left - 64, top - 34, title, 14, bold=True)
        for j in range(n):
            svg.text(left + j * cw + cw / 2, top - 8, name("y", j, False), 14, "middle", colours[j])
        if extra:
            svg.text(left + n * cw + 36, top - 8, extra[0], 14, "middle")
        for i in range(n):
            y = top + i * ch
            svg.text(left - 10, y + 17, name("x", i, True), 14, "end", colours[i])
            for j in range(n):
                picked = picks[i] == j
                svg.rect(left + j * cw, y, cw, ch, LIGHT if i == j else "white", GREY, 0.8)
                svg.text(left + j * cw + cw / 2, y + 17, number(values[i, j]), 13, "middle", bold=picked)
            if extra:
                svg.text(left + n * cw + 36, y + 17, number(extra[1][i]), 13, "middle")
        for i in range(n):
            colour = GREEN if picks[i] == i else RED
            svg.rect(left + picks[i] * cw + 1.5, top + i * ch + 1.5, cw - 3, ch - 3, "none", colour, 2.5)

    svg.text(left - 64, 22, "Every query against every candidate", 14, bold=True)
    svg.text(left - 64, 42, [("r", "i"), ("A", "sub"), ", ", ("r", "i"), ("B", "sub"), ": mean cosine to the ", ("k", "i"), f" = {k} nearest of the other side"], 13, fill=GREY)
    top1 = 104
    table(top1, cos, by_cos, "cos", ([("r", "i"), ("A", "sub"), "(", ("x", "b"), ("W", "i"), ")"], r_a))
    rb_y = top1 + n * ch
    svg.text(left - 10, rb_y + 17, [("r", "i"), ("B", "sub"), "(", ("y", "b"), ")"], 14, "end")
    for j in range(n):
        svg.text(left + j * cw + cw / 2, rb_y + 17, number(r_b[j]), 13, "middle", bold=j == hub)
    top2 = rb_y + 96
    table(top2, scores, by_csls, ["CSLS = 2 cos \u2212 ", ("r", "i"), ("A", "sub"), " \u2212 ", ("r", "i"), ("B", "sub")])
    p_cos = float(np.mean(by_cos == np.arange(n)))
    p_csls = float(np.mean(by_csls == np.arange(n)))
    note = top2 + n * ch + 28
    svg.text(left - 64, note, ["precision@1: ", f"cosine {number(p_cos)}, CSLS {number(p_csls)}"], 14)
    svg.text(left - 64, note + 20, "shaded: the true pairs", 13, fill=GREY)
    svg.text(left - 64, note + 38, "outlined: each query\u2019s pick, red if it is wrong", 13, fill=GREY)
    svg.save(path)
    return {"cos": cos, "r_a": r_a, "r_b": r_b, "csls": scores, "precision": (p_cos, p_csls)}
