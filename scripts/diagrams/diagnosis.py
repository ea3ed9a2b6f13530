"""The diagrams of lesson 7: one model's matrix against chance. Anisotropy: the mean cosine
(7.1) of a round cloud of rows, of the same rows moved off the origin by one shared offset
(a cone), and of the cone centred. Every number a diagram prints is computed here (numpy,
seeded) from the example's rows."""

import numpy as np

from svg import BERT, GREY, INK, LIGHT, RED, Svg, number


def mean_cosine(rows):
    """(7.1): the mean cosine of all pairs of distinct rows, from s, the sum of the unit rows."""
    u = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    v = len(u)
    s = u.sum(axis=0)
    value = (s @ s - v) / (v * (v - 1))
    # The same, pair by pair, as (7.1)'s left side says.
    pairs = u @ u.T
    if abs(value - (pairs.sum() - np.trace(pairs)) / (v * (v - 1))) > 1e-12:
        raise SystemExit("error: (7.1) and the mean over pairs disagree")
    return value


def anisotropy(path, rows=40, offset=(2.4, 1.5), seed=134):
    """Lesson 7, (7.1): V rows in d = 2, a round Gaussian cloud; the same rows plus one
    offset every row shares, so that they all point one way (a cone); and the cone with its
    mean row subtracted. The seed is one that leaves every row of the cone up and right of
    the origin, where the offset points: a row of the cloud farther from 0 than the
    offset's length (2.8) can stay below or left of it once moved, pointing away from the
    mean, and the drawing would contradict the cone it shows."""
    rng = np.random.default_rng(seed)
    cloud = rng.normal(0.0, 1.0, (rows, 2))
    cone = cloud + np.array(offset)
    if not (cone > 0).all():
        raise SystemExit(
            f"error: {(cone <= 0).any(axis=1).sum()} rows of the anisotropy diagram's cone "
            "lie below or left of the origin, pointing away from its mean: choose another seed"
        )
    mean_row = cone.mean(axis=0)
    centred = cone - mean_row
    sets = [
        (cloud, "1. A round cloud", ["rows ", ("x", "i"), ("w", "sub"), " drawn at random"], "directions all round", None),
        (cone, "2. The same, plus one offset", "every row moved by one vector", "every row leans one way: a cone", mean_row),
        (centred, "3. The cone, centred", [("x", "i"), ("w", "sub"), " \u2212 ", ("x\u0304", "i"), ": the mean row subtracted"], "the lean is gone", None),
    ]
    svg = Svg(750, 400, "Anisotropy: a cone of rows against a round cloud, and the cone centred")
    s = 27  # px a unit, the same in every panel
    values = []
    for k, (points, title, subtitle, note, mean) in enumerate(sets):
        left = k * 250
        svg.text(left + 125, 22, title, 14, "middle", bold=True)
        svg.text(left + 125, 42, subtitle, 13, "middle", GREY)
        # The origin: the panel's middle for the clouds around it, lower left for the cone.
        o = (left + 125, 168) if mean is None else (left + 50, 250)
        svg.line(o[0] - (95 if mean is None else 30), o[1], o[0] + 105, o[1], LIGHT, 1.2)
        svg.line(o[0], o[1] + (95 if mean is None else 20), o[0], o[1] - (105 if mean is None else 130), LIGHT, 1.2)
        for p in points:
            end = (o[0] + p[0] * s, o[1] - p[1] * s)
            svg.line(*o, *end, "#bbbbbb", 0.8)
        for p in points:
            svg.circle(o[0] + p[0] * s, o[1] - p[1] * s, 2.8, BERT, "none")
        svg.circle(*o, 3.5, INK, "none")
        if mean is not None:
            end = (o[0] + mean[0] * s, o[1] - mean[1] * s)
            svg.arrow(*o, *end, RED, 2.5)
            svg.text(end[0] + 4, end[1] + 20, [("x\u0304", "i")], 15, "start", RED, halo=True)
        value = mean_cosine(points)
        values.append(value)
        svg.text(left + 125, 318, ["mean cos (7.1) = ", number(value)], 15, "middle", bold=True)
        svg.text(left + 125, 340, note, 13, "middle", GREY)
    # The chapter's caption reads them so: near 0, far above it, near 0 again.
    if not (abs(values[0]) < 0.1 and values[1] > 0.5 and abs(values[2]) < 0.1):
        raise SystemExit(f"error: the anisotropy diagram's mean cosines no longer show a cone: {values}")
    svg.arrow(226, 100, 268, 100, GREY)
    svg.text(247, 90, ["+ offset"], 13, "middle", GREY)
    svg.arrow(482, 100, 524, 100, GREY)
    svg.text(503, 90, ["\u2212 ", ("x\u0304", "i")], 13, "middle", GREY)
    svg.text(375, 370, [("V", "i"), f" = {rows} rows, ", ("d", "i"), " = 2, each drawn as a line from 0 (the black dot): the cosine of two rows"], 13, "middle", GREY)
    svg.text(375, 388, ["is the cosine of the angle between their lines. Red: the mean row ", ("x\u0304", "i"), "."], 13, "middle", GREY)
    svg.save(path)
    return values
