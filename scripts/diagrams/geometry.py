"""The diagrams of lessons 2-5: small worked examples of the chapters' maths, drawn. Every
number a diagram prints is computed here from the example's coordinates."""
import math
import random

from svg import BERT, GREEN, GREY, INK, LIGHT, PURPLE, RED, Svg, number


def _norm(v):
    return math.sqrt(sum(a * a for a in v))


def _cos(a, b):
    return sum(x * y for x, y in zip(a, b)) / (_norm(a) * _norm(b))


def _dist(a, b):
    return _norm([x - y for x, y in zip(a, b)])


def _pearson(a, b):
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    ca, cb = [x - ma for x in a], [y - mb for y in b]
    return sum(x * y for x, y in zip(ca, cb)) / (_norm(ca) * _norm(cb))


def euclidean_cosine(path):
    """Lesson 2: the worked example after (2.2), q = (1, 0), a long x pointing q's way and a
    short y pointing elsewhere, measured raw (Euclidean distance) and at unit length."""
    q, x, y = (1.0, 0.0), (3.0, 0.3), (0.1, 0.2)
    svg = Svg(750, 300, "Euclidean distance and cosine on two vectors of different length")
    # Left: the raw vectors, 105 px a unit.
    ox, oy, s = 28, 232, 105

    def raw(v):
        return ox + v[0] * s, oy - v[1] * s

    svg.text(10, 22, "Raw vectors: Euclidean distance (2.1)", 15, bold=True)
    svg.line(ox - 10, oy, ox + 3.25 * s, oy, LIGHT, 1)
    svg.line(ox, oy + 10, ox, oy - 1.2 * s, LIGHT, 1)
    for v, colour in [(q, INK), (x, GREEN), (y, PURPLE)]:
        svg.arrow(ox, oy, *raw(v), colour, 2)
    for v, colour in [(x, GREEN), (y, PURPLE)]:
        svg.line(*raw(q), *raw(v), colour, 1.5, dash="5 4")
    qx, qy = raw(q)
    svg.text(qx, qy + 20, "q", 15, "middle", italic=True)
    svg.text(raw(x)[0] - 4, raw(x)[1] - 10, "x", 15, "middle", GREEN, italic=True)
    svg.text(raw(y)[0] - 10, raw(y)[1] - 6, "y", 15, "middle", PURPLE, italic=True)
    svg.text(ox + 2.2 * s, oy - 0.37 * s, ["\u2016", ("x", "i"), " \u2212 ", ("q", "i"), f"\u2016 = {number(_dist(x, q))}"], 14, "middle", GREEN)
    svg.text(ox + 0.3 * s, oy - 0.4 * s, ["\u2016", ("y", "i"), " \u2212 ", ("q", "i"), f"\u2016 = {number(_dist(y, q))}"], 14, "start", PURPLE)
    svg.text(10, 270, ["nearest to ", ("q", "i"), ": ", ("y", "i"), ", the short one"], 14)
    svg.text(10, 290, ["(", ("y", "i"), " sits near the origin, and so near everything)"], 13, fill=GREY)

    # Right: the same three at unit length, on the unit circle, 150 px a unit.
    ux, uy, r = 420, 232, 150

    def unit(v):
        n = _norm(v)
        return ux + v[0] / n * r, uy - v[1] / n * r

    svg.text(400, 22, "Unit length: only the angle counts (2.3)", 15, bold=True)
    svg.line(ux - 10, uy, ux + 1.2 * r, uy, LIGHT, 1)
    svg.line(ux, uy + 10, ux, uy - 1.12 * r, LIGHT, 1)
    svg.path(f"M{ux + r},{uy} A{r},{r} 0 0 0 {ux},{uy - r}", GREY, 1, dash="3 3")
    for v, colour in [(q, INK), (x, GREEN), (y, PURPLE)]:
        svg.arrow(ux, uy, *unit(v), colour, 2)
    for v, colour in [(x, GREEN), (y, PURPLE)]:
        svg.line(*unit(q), *unit(v), colour, 1.5, dash="5 4")
    # The angle between q and y, marked where the cosine is read.
    a = math.atan2(y[1], y[0])
    svg.path(f"M{ux + 40},{uy} A40,40 0 0 0 {ux + 40 * math.cos(a):.1f},{uy - 40 * math.sin(a):.1f}", PURPLE, 1.5)
    svg.text(unit(q)[0] + 8, unit(q)[1] + 18, ["q\u0302"], 15, italic=True)
    svg.text(unit(x)[0] + 8, unit(x)[1] - 4, ["x\u0302"], 15, fill=GREEN, italic=True)
    svg.text(unit(y)[0] - 6, unit(y)[1] - 10, ["y\u0302"], 15, "middle", PURPLE, italic=True)
    xq = _dist([c / _norm(x) for c in x], q)
    yq = _dist([c / _norm(y) for c in y], q)
    svg.text(unit(x)[0] + 30, unit(x)[1] - 28, f"distance {number(xq)}", 14, "start", GREEN)
    svg.text(unit(x)[0] + 30, unit(x)[1] - 10, f"cos {number(_cos(x, q), 3)}", 14, "start", GREEN)
    # Outside the circle, beside the upper end of its chord: inside, it would cross the
    # chord, the circle or y's arrow.
    svg.text(ux + 0.78 * r, uy - 0.68 * r, f"distance {number(yq)}", 14, "start", PURPLE)
    svg.text(ux + 46, uy - 17, f"cos {number(_cos(y, q))}", 14, "start", PURPLE)
    svg.text(400, 270, ["nearest to ", ("q", "i"), ": ", ("x", "i"), ", the one pointing its way"], 14)
    svg.text(400, 290, "(distance\u00b2 = 2 \u2212 2 cos: both rank alike)", 13, fill=GREY)
    svg.save(path)


def rsa(path):
    """Lesson 3: four words in two models of different widths, their cosine matrices
    (3.1), upper triangles (3.2) and the correlation of the triangles (3.3)."""
    words = ["sun", "moon", "apple", "pear"]
    a = {"sun": (2.0, 0.4), "moon": (1.7, 1.0), "apple": (0.4, 1.8), "pear": (0.8, 2.0)}
    # Model B: the same words in 3 dimensions, along other axes, with its own small
    # differences: its coordinates have nothing in common with A's, its angles much.
    b = {"sun": (1.6, 0.2, 0.9), "moon": (1.2, 0.5, 1.3), "apple": (0.1, 1.7, 0.6), "pear": (0.6, 1.4, 0.2)}
    sims = [{(i, j): _cos(m[words[i]], m[words[j]]) for i in range(4) for j in range(4)} for m in (a, b)]
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    tri = [[s[p] for p in pairs] for s in sims]
    r = _pearson(*tri)

    svg = Svg(750, 412, "RSA: two spaces, two similarity matrices, one correlation")
    heads = [(8, "1. Each model's vectors"), (205, "2. Cosine of every"), (438, "3. Upper"), (565, "4. Correlate the")]
    heads2 = [(205, "pair (3.1)"), (438, "triangles (3.2)"), (565, "triangles (3.3)")]
    for x, t in heads:
        svg.text(x, 18, t, 13, bold=True)
    for x, t in heads2:
        svg.text(x, 34, t, 13, bold=True)
    colours = {"sun": RED, "moon": PURPLE, "apple": GREEN, "pear": "#8c564b"}
    rows = [76, 256]  # top of model A's row, model B's
    # Model A: 2-D.
    o = (30, rows[0] + 105)
    svg.line(o[0], o[1], o[0] + 150, o[1], GREY)
    svg.line(o[0], o[1], o[0], o[1] - 105, GREY)
    svg.text(8, rows[0] - 16, ["model A, ", ("d", "i"), " = 2"], 13, fill=GREY)
    for w in words:
        end = (o[0] + a[w][0] * 58, o[1] - a[w][1] * 48)
        svg.arrow(*o, *end, colours[w], 1.6)
        # apple's name above its tip: to the left it would cross the vertical axis.
        if w == "apple":
            svg.text(end[0], end[1] - 7, w, 13, "middle", colours[w])
        else:
            svg.text(end[0] + 3, end[1] - 3, w, 13, "start", colours[w])
    # Model B: 3-D, drawn in oblique projection.
    o = (70, rows[1] + 95)
    axes = [(60, 0), (0, -60), (-38, 38)]
    for dx, dy in axes:
        svg.line(o[0], o[1], o[0] + dx, o[1] + dy, GREY)
    svg.text(8, rows[1] - 16, ["model B, ", ("d", "i"), " = 3"], 13, fill=GREY)
    for w in words:
        v = b[w]
        end = (o[0] + sum(v[k] * axes[k][0] for k in range(3)), o[1] + sum(v[k] * axes[k][1] for k in range(3)))
        svg.arrow(*o, *end, colours[w], 1.6)
        # sun's name under its tip, moon's below and left of its own: to the right of
        # moon's tip it would lie on sun's arrow.
        if w == "moon":
            svg.text(end[0] - 4, end[1] + 14, w, 13, "end", colours[w])
        else:
            svg.text(end[0] + 4, end[1] + (14 if w == "sun" else -3), w, 13, fill=colours[w])
    # Similarity matrices.
    cell, left = 36, 262
    for m, top in zip(sims, rows):
        for i, w in enumerate(words):
            svg.text(left - 5, top + i * cell + 23, w, 12, "end", colours[w])
            svg.text(left + i * cell + cell / 2, top - 4 - 14 * (i % 2), w, 12, "middle", colours[w])
            for j in range(4):
                value = m[(i, j)]
                upper = j > i
                svg.rect(left + j * cell, top + i * cell, cell, cell, BERT if upper else LIGHT, "white" if not upper else INK, 1.5 if upper else 1, opacity=_shade(value) if upper else None)
                svg.text(left + j * cell + cell / 2, top + i * cell + 23, number(value), 12, "middle")
    svg.arrow(186, rows[0] + 72, 216, rows[0] + 72, GREY)
    svg.arrow(186, rows[1] + 72, 216, rows[1] + 72, GREY)
    # Triangles as vectors.
    tx = 448
    for k, (t, top, name) in enumerate(zip(tri, rows, "AB")):
        svg.text(tx + 22, top - 4, ["u", (name, "sup")], 13, "middle")
        for n, value in enumerate(t):
            svg.rect(tx, top + n * 22, 44, 22, BERT, INK, 1, opacity=_shade(value))
            svg.text(tx + 22, top + n * 22 + 16, number(value), 12, "middle")
        svg.arrow(left + 4 * cell + 8, top + 60, tx - 8, top + 60, GREY)
    # The scatter of the two triangles.
    sx, sy, side = 590, 95, 140
    lo = min(min(t) for t in tri) - 0.05
    hi = max(max(t) for t in tri) + 0.05

    def at(u, v):
        return sx + (u - lo) / (hi - lo) * side, sy + side - (v - lo) / (hi - lo) * side

    # u^A up the side, u^B along the bottom: each triangle's arrow reaches its own axis
    # (u^A's, from above, the side; u^B's, from below, the bottom).
    svg.rect(sx, sy, side, side, "none", GREY)
    for u, v in zip(*tri):
        svg.circle(*at(v, u), 5, BERT, INK, 1)
    # (to the right of the bottom's arrowhead)
    svg.text(sx + side / 2 + 16, sy + side + 20, ["u", ("B", "sup"), " (B's pairs)"], 13, "middle")
    svg.text(sx - 8, sy + side / 2, ["u", ("A", "sup")], 13, "end")
    svg.text(sx + side / 2, sy + side + 44, f"RSA = r = {number(r)}", 15, "middle", bold=True)
    svg.text(sx + side / 2, sy + side + 64, "(one number, no axes left)", 13, "middle", GREY)
    svg.arrow(tx + 52, rows[0] + 70, sx - 10, sy + 40, GREY)
    svg.arrow(tx + 52, rows[1] + 60, sx + 12, sy + side + 4, GREY)
    svg.save(path)
    return r


def _shade(value):
    """The opacity of a cosine's blue cell: darker for a larger cosine, and never so dark
    that the cell's dark number loses its 4.5:1 contrast (0.7 of the blue at most)."""
    return 0.12 + 0.58 * min(max(value, 0.0), 1.0)


def spectrum(path, seed=4):
    """Lesson 4: what the singular values of a set of points measure: the spread along
    each direction, after centring (4.1)-(4.3); and what they measure without it."""
    rng = random.Random(seed)
    n = 40
    angle = math.radians(30)
    long = [(rng.gauss(0, 1.5), rng.gauss(0, 0.35)) for _ in range(n)]
    stretched = _centre([(u * math.cos(angle) - v * math.sin(angle), u * math.sin(angle) + v * math.cos(angle)) for u, v in long])
    # A round set: Gaussian points made exactly isotropic (whitened), then stretched by 10%
    # along one axis, so that its two directions carry nearly the same spread.
    roundish = _stretch(_whiten(_centre([(rng.gauss(0, 1), rng.gauss(0, 1)) for _ in range(n)])), 1.1, 1.0)
    offset = (3.2, 2.2)
    sets = [
        ("Centred, one direction", stretched, True),
        ("Centred, no direction", roundish, True),
        ("The first set, not centred", [(u + offset[0], v + offset[1]) for u, v in stretched], False),
    ]
    svg = Svg(750, 372, "What a singular value spectrum measures")
    panel, s = 250, 30  # panel width, px a unit
    shares = []
    for k, (title, points, centred) in enumerate(sets):
        left = k * panel
        svg.text(left + 10, 20, title, 14, bold=True)
        # The origin: the middle of the panel for the centred sets, lower left for the
        # uncentred one, so that its cloud is seen far from it.
        o = (left + 125, 130) if centred else (left + 40, 215)
        if centred:
            svg.line(o[0] - 105, o[1], o[0] + 105, o[1], LIGHT)
            svg.line(o[0], o[1] + 85, o[0], o[1] - 95, LIGHT)
        else:
            svg.line(o[0] - 10, o[1], o[0] + 200, o[1], LIGHT)
            svg.line(o[0], o[1] + 10, o[0], o[1] - 180, LIGHT)
        svg.text(o[0] - 4, o[1] + 16, "0", 13, "end", GREY)
        for u, v in points:
            svg.circle(o[0] + u * s, o[1] - v * s, 2.4, "#aaaaaa", "none")
        sigma, vectors = _svd2(points)
        for i, (sg, vec) in enumerate(zip(sigma, vectors)):
            # Each direction drawn in proportion to its singular value: 1.5 sigma / sqrt(n),
            # one and a half times the points' root-mean-square reach along it.
            length = 1.5 * sg / math.sqrt(n) * s
            colour = BERT if i == 0 else RED
            svg.arrow(o[0], o[1], o[0] + vec[0] * length, o[1] - vec[1] * length, colour, 2.2)
            tip = (o[0] + vec[0] * (length + 14), o[1] - vec[1] * (length + 14))
            svg.text(tip[0], tip[1] + 5, ["v", (str(i + 1), "sub")], 14, "middle", colour, bold=True, halo=True)
        # The spectrum, max-norm scaled as the lesson's plot is labelled: sigma_1 is 50 px.
        base = 292
        for i, sg in enumerate(sigma):
            x = left + 70 + i * 60
            h = sg / sigma[0] * 50
            svg.rect(x, base - h, 34, h, BERT if i == 0 else RED, "none")
            svg.text(x + 17, base + 17, ["\u03c3", (str(i + 1), "sub")], 14, "middle")
        svg.line(left + 55, base, left + 190, base, INK)
        share = sigma[0] ** 2 / sum(x * x for x in sigma)
        shares.append(share)
        svg.text(left + 10, base + 44, ["\u03c3", ("1", "sub"), "\u00b2 / \u03a3\u03c3\u00b2 = ", number(share)], 14)
        note = ["v\u2081 carries most of the spread", "v\u2081 and v\u2082 carry it alike", "\u03c3\u2081 measures where the set sits"][k]
        svg.text(left + 10, base + 64, note, 13, fill=GREY)
    svg.save(path)
    return shares


def _whiten(points):
    """The points linearly mapped so that their covariance is the identity."""
    sigma, vectors = _svd2(points)
    n = math.sqrt(len(points))
    return [tuple(sum((p[0] * v[0] + p[1] * v[1]) / sg * n * v[k] for sg, v in zip(sigma, vectors)) for k in range(2)) for p in points]


def _stretch(points, a, b):
    return [(u * a, v * b) for u, v in points]


def _centre(points):
    mu = [sum(p[k] for p in points) / len(points) for k in range(2)]
    return [(u - mu[0], v - mu[1]) for u, v in points]


def _svd2(points):
    """Singular values and right singular vectors of an n x 2 matrix, from the 2 x 2
    matrix X^T X (its eigenvalues are the squared singular values)."""
    a = sum(u * u for u, _ in points)
    b = sum(u * v for u, v in points)
    d = sum(v * v for _, v in points)
    mean, diff = (a + d) / 2, math.hypot((a - d) / 2, b)
    values = [mean + diff, max(mean - diff, 0.0)]
    vectors = []
    for lam in values:
        v = (b, lam - a) if abs(b) > 1e-12 else ((1.0, 0.0) if abs(lam - a) < abs(lam - d) else (0.0, 1.0))
        n = _norm(v)
        v = (v[0] / n, v[1] / n)
        # The sign rule of the lessons' SVD: the largest entry positive.
        if max(v, key=abs) < 0:
            v = (-v[0], -v[1])
        vectors.append(v)
    return [math.sqrt(x) for x in values], vectors


def _conditional(distances, beta):
    weights = [math.exp(-beta * d * d) for d in distances]
    total = sum(weights)
    return [w / total for w in weights]


def _perplexity(p):
    return math.exp(-sum(x * math.log(x) for x in p if x > 0))


def _beta_for(distances, perplexity):
    """The binary search of (5.2): the beta whose neighbour distribution has this perplexity."""
    lo, hi = 1e-6, 1e6
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if _perplexity(_conditional(distances, mid)) > perplexity:
            lo = mid  # too many effective neighbours: narrow the Gaussian
        else:
            hi = mid
    return math.sqrt(lo * hi)


def perplexity(path):
    """Lesson 5: perplexity sets the width of each point's Gaussian (5.1)-(5.2): a larger
    perplexity gives a wider Gaussian, and the same perplexity in a sparser region gives a
    proportionally wider one."""
    dense = [-1.3, -0.8, -0.45, -0.2, 0.3, 0.6, 1.0, 1.6, 2.2]
    spread = 2
    sparse = [d * spread for d in dense]
    svg = Svg(750, 420, "Perplexity as the width of a Gaussian over a point's neighbours")
    col_w, row_h = 375, 150
    span = 5.0  # map units either side of point i, the same in every panel
    sigmas = {}
    for c, (name, distances) in enumerate([("Neighbours close together", dense), (f"The same, {spread} times as spread", sparse)]):
        svg.text(c * col_w + col_w / 2, 18, name, 14, "middle", bold=True)
        for r, perp in enumerate((2, 5)):
            beta = _beta_for(distances, perp)
            sigma = 1 / math.sqrt(2 * beta)
            sigmas[(c, perp)] = sigma
            p = _conditional(distances, beta)
            top = 34 + r * (row_h + 12)
            left, right = c * col_w + 15, (c + 1) * col_w - 15
            mid = (left + right) / 2
            scale = (right - left) / 2 / span
            axis = top + row_h - 26
            svg.line(left, axis, right, axis, GREY)
            # The Gaussian exp(-beta d^2), 1 at point i.
            height = row_h - 56
            xs = [-span + 2 * span * k / 200 for k in range(201)]
            d = " ".join(f"{'M' if k == 0 else 'L'}{mid + u * scale:.1f},{axis - math.exp(-beta * u * u) * height:.1f}" for k, u in enumerate(xs))
            svg.path(d, BERT, 2)
            # p_{j|i} of each neighbour as a bar, on the scale where 1 is the Gaussian's peak.
            for dist, pj in zip(distances, p):
                x = mid + dist * scale
                svg.rect(x - 3, axis - pj * height, 6, pj * height, RED, "none")
                svg.circle(x, axis, 3.2, INK, "none")
            svg.circle(mid, axis, 5, "white", INK, 2)
            svg.text(mid, axis + 18, "i", 14, "middle", italic=True)
            svg.text(left, top + 14, ["perplexity ", str(perp), ": \u03c3", ("i", "sub"), " = ", number(sigma)], 14, "start")
    legend = 372
    svg.path(f"M15,{legend - 5} L45,{legend - 5}", BERT, 2)
    svg.text(52, legend, ["the Gaussian of (5.1) around ", ("i", "i")], 13)
    svg.rect(300, legend - 12, 6, 12, RED, "none")
    svg.text(314, legend, ["p", ("j|i", "sub"), ": the probability that ", ("i", "i"), " picks neighbour ", ("j", "i"), " (the bars sum to 1)"], 13)
    # The Gaussian's width follows the spacing: the ratio of the two columns' sigmas.
    ratio = sigmas[(1, 2)] / sigmas[(0, 2)]
    svg.text(15, legend + 28, f"Same perplexity, {number(ratio, 1)} times the \u03c3: each point's Gaussian adapts to how far apart its neighbours are.", 13, fill=GREY)
    svg.save(path)
    return sigmas


def _clusters(near, core):
    """Connected groups of core points (each a set of indices), as DBSCAN grows them."""
    label, groups = {}, []
    for i, is_core in enumerate(core):
        if not is_core or i in label:
            continue
        group, todo = set(), [i]
        while todo:
            j = todo.pop()
            if j in group:
                continue
            group.add(j)
            label[j] = len(groups)
            todo += [k for k in near[j] if core[k] and k not in group]
        groups.append(group)
    return groups


def dbscan(path):
    """Lesson 5: DBSCAN's core, border and noise points (5.8), min_samples 3."""
    eps, m = 1.0, 3
    points = [(0.0, 0.0), (0.8, 0.35), (1.55, -0.1), (0.6, -0.6), (2.35, 0.25), (3.05, -0.2),
              (-0.95, 0.25), (4.6, 1.2), (5.0, -1.1), (-0.9, -1.4)]
    near = [[j for j, q in enumerate(points) if _dist(p, q) <= eps] for p in points]
    core = [len(nb) >= m for nb in near]
    kind = ["core" if core[i] else ("border" if any(core[j] for j in near[i]) else "noise") for i in range(len(points))]
    if not {"core", "border", "noise"} <= set(kind):
        raise SystemExit(f"error: the DBSCAN diagram's points should show every kind, not {kind}")
    groups = _clusters(near, core)
    svg = Svg(750, 310, "DBSCAN's core, border and noise points")
    s, o = 72, (100, 168)

    def at(p):
        return o[0] + p[0] * s, o[1] - p[1] * s

    # An eps circle around one point of each kind, with its count.
    shown = {}
    for i, k in enumerate(kind):
        shown.setdefault(k, i)
    colours = {"core": BERT, "border": GREEN, "noise": GREY}
    for k, i in shown.items():
        svg.circle(*at(points[i]), eps * s, colours[k], colours[k], 1.5, dash="5 4", opacity=0.07)
    for i, p in enumerate(points):
        for j in near[i]:
            if j > i and core[i] and core[j]:
                svg.line(*at(p), *at(points[j]), BERT, 1.2)
    for p, k in zip(points, kind):
        _marker(svg, *at(p), k)
    c = at(points[shown["core"]])
    svg.line(c[0], c[1], c[0] - eps * s * 0.6, c[1] + eps * s * 0.8, INK, 1.2)
    svg.text(c[0] - eps * s * 0.38, c[1] + eps * s * 0.32, "\u03b5", 15, "middle", italic=True)
    for k, i in shown.items():
        x, y = at(points[i])
        below = y + eps * s + 18
        svg.text(x, below if below < 292 else y - eps * s - 8, f"{len(near[i])} within \u03b5", 13, "middle", colours[k] if k != "noise" else INK)
    legend = 520
    svg.text(legend, 30, f"min_samples = {m}", 13, fill=GREY)
    rows = [
        ("core", [f"\u2265 {m} points within \u03b5,", "itself included"]),
        ("border", ["fewer, but within \u03b5", "of a core point"]),
        ("noise", ["neither: label \u22121"]),
    ]
    for n, (k, lines) in enumerate(rows):
        y = 64 + n * 56
        _marker(svg, legend + 8, y - 5, k)
        svg.text(legend + 24, y, k, 14, bold=True)
        for l, line in enumerate(lines):
            svg.text(legend + 24, y + 18 + l * 16, line, 13)
    svg.text(legend, 250, f"Here: {len(groups)} cluster{'s' if len(groups) != 1 else ''} of", 13, fill=GREY)
    svg.text(legend, 266, f"{kind.count('core')} core and {kind.count('border')} border points,", 13, fill=GREY)
    svg.text(legend, 282, f"{kind.count('noise')} noise points", 13, fill=GREY)
    svg.save(path)
    return kind


def _marker(svg, x, y, kind):
    if kind == "core":
        svg.circle(x, y, 7, BERT, INK, 1)
    elif kind == "border":
        svg.circle(x, y, 7, "white", GREEN, 2.5)
    else:
        svg.cross(x, y, 6, INK, 2)
