"""numpy's side of the interactive map's neighbour lists, on a map of a sample.

Usage: python3 lessons/05-tsne-dbscan/crosscheck_map.py OUT

Run the lesson first on a sample of the GPT stand-in, e.g.
`cargo run -p lesson05 -- --standin --tokens random:3000 --method fft --out OUT`. For every
token on the map this reads the page's data (OUT/map-data.js), and recomputes with numpy,
on the stand-in's embeddings dequantised from its GGUF by the gguf package (not by the
Rust code), its nearest tokens among the whole vocabulary's text tokens (ids 17 on:
SmolLM2's 0-16 are special) by Euclidean distance between the raw vectors and between the
unit-length vectors (cosine). It checks that the page lists the same tokens in the same
order (ties within 1e-4 may swap), with the same distances to within the page's 16-bit
rounding, and that the listed tokens that are not on the map are the ones marked off it.
"""
import base64
import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code

SPECIAL = 17


def unpack(data, width):
    raw = base64.b64decode(data)
    return np.array([int.from_bytes(raw[i : i + width], "little") for i in range(0, len(raw), width)])


def disagreements(out):
    """The map's lists checked against numpy: (lists checked, k, what disagrees)."""
    text = (pathlib.Path(out) / "map-data.js").read_text()
    data = json.loads(text.split("window.MAP_DATA = ", 1)[1].rstrip().rstrip(";"))
    count, k, ids = data["count"], data["k"], np.array(data["ids"])
    on_map = set(ids[:count].tolist())
    e = standins.smollm_embeddings().astype(np.float64)
    vocabulary = np.arange(SPECIAL, e.shape[0])
    vocabulary = np.union1d(vocabulary, ids[:count])
    unit = e / np.linalg.norm(e, axis=1, keepdims=True)
    checked, problems = 0, []
    for metric in data["metrics"]:
        rows = unpack(metric["neighbours"], data["index_bytes"]).reshape(count, k)
        steps = np.frombuffer(base64.b64decode(metric["distances"]), dtype="<u2").reshape(count, k)
        listed_distances = steps * metric["distance_scale"]
        x = e if metric["name"] == "euclidean" else unit
        candidates = x[vocabulary]
        norms = (candidates**2).sum(1)
        for start in range(0, count, 500):
            block = ids[start : min(start + 500, count)]  # map tokens only, not the off-map ones after them
            q = x[block]
            d2 = (q**2).sum(1)[:, None] + norms[None, :] - 2 * q @ candidates.T
            d = np.sqrt(np.maximum(d2, 0))
            d[vocabulary[None, :] == block[:, None]] = np.inf  # a token is not its own neighbour
            for r, row in enumerate(range(start, start + len(block))):
                expected = np.sort(d[r])[:k]
                listed = ids[rows[row]]
                got = d[r][np.searchsorted(vocabulary, listed)]
                tolerance = metric["distance_scale"] + 1e-4 * expected[-1]
                if not np.all(np.abs(got - expected) <= tolerance):
                    problems.append(f"{metric['name']} neighbours of {block[r]}: {listed} at {got}, numpy {expected}")
                if not np.all(np.abs(listed_distances[row] - got) <= tolerance):
                    problems.append(f"{metric['name']} distances of {block[r]}: {listed_distances[row]}, numpy {got}")
                checked += 1
    off = [int(i) for i in ids[count:]]
    if set(off) & on_map:
        problems.append("a token marked off the map is on it")
    print(f"{checked} neighbour lists ({count} tokens x {len(data['metrics'])} metrics, k = {k}) checked against "
          f"numpy over {len(vocabulary)} tokens; {len(off)} listed neighbours are off the map")
    return checked, k, problems


if __name__ == "__main__":
    _, _, problems = disagreements(sys.argv[1])
    print("\n".join(problems) if problems else "all agree")
    sys.exit(1 if problems else 0)
