// The vocabulary map explorer: every token of a lesson's t-SNE map on a canvas, coloured
// by a choice of the reader's (DBSCAN cluster, region, token kind, token length, vector
// length), the named regions labelled, and each token's exact nearest neighbours in the
// whole vocabulary under two metrics (from map-data.js, written by the lesson beside this
// page). No network, no libraries.
//
// Token text is data, never markup: it reaches the page only through textContent and
// canvas fillText.
"use strict";

const data = window.MAP_DATA;

data.tokens = data.tokens.map(shown);
data.region_names = data.region_names.map(shown);
const $ = (id) => document.getElementById(id);

/** The bytes a base64 string encodes (natively where the browser can). */
function decode(base64) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(base64);
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** A base64 string as the typed array `Type` over its little-endian bytes. */
const typed = (Type, base64) => new Type(decode(base64).buffer);

/** Bytes `from`..`to` of what a base64 string encodes, decoding only the 4-character
 *  groups that hold them: a token's neighbours are read when it is selected, not all
 *  of a whole vocabulary's when the page opens. */
function bytesOf(base64, from, to) {
  const first = Math.floor(from / 3);
  return decode(base64.slice(4 * first, 4 * Math.ceil(to / 3))).subarray(from - 3 * first, to - 3 * first);
}

const count = data.count; // points on the map; data.tokens goes on with off-map neighbours
const xy = typed(Float32Array, data.xy); // x0, y0, x1, y1, …
const k = data.k;
const metrics = data.metrics.map((m) => ({
  name: m.name,
  description: m.description,
  neighbours: m.neighbours, // base64: k indices per token, u16 or (past 65,536 tokens) 3 bytes
  distances: m.distances, // base64: k u16 steps per token, × scale
  scale: m.distance_scale,
}));

/** Token i's neighbours under metric m: their indices and distances, nearest first. */
function neighboursOf(m, i) {
  const width = data.index_bytes;
  const raw = bytesOf(m.neighbours, i * k * width, (i + 1) * k * width);
  const steps = bytesOf(m.distances, i * k * 2, (i + 1) * k * 2);
  const ids = new Uint32Array(k);
  const distances = new Float64Array(k);
  for (let n = 0; n < k; n++) {
    for (let b = 0; b < width; b++) ids[n] |= raw[n * width + b] << (8 * b);
    distances[n] = (steps[2 * n] | (steps[2 * n + 1] << 8)) * m.scale;
  }
  return { ids, distances };
}
const vectorLengths = typed(Float32Array, data.vector_lengths);
const tokenLength = (i) => [...data.tokens[i].replace(/^(Ġ|##|▁)/, "")].length;

// ---- colourings: each point's group under each "Colour by" choice, with a legend ----
const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                 "#e377c2", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31",
                 "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1"];
const GREY = "#c8c8c8";
// A sequential scale (viridis) for the binned continuous colourings.
const ramp = ["#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725"];

/** Groups of a categorical labelling (−1: the grey "none" group). */
function categorical(labels, nameOf, noneName) {
  const values = Int32Array.from(labels);
  const top = values.reduce((a, b) => Math.max(a, b), -1);
  const names = [];
  for (let c = 0; c <= top; c++) names.push(nameOf(c));
  return { values, names, colours: names.map((_, c) => palette[c % palette.length]), noneName };
}

/** Groups of a continuous value: eight equal bins between its 1st and 99th percentiles. */
function binned(valueOf, digits) {
  const values = Float64Array.from({ length: count }, (_, i) => valueOf(i));
  const sorted = Float64Array.from(values).sort();
  const lo = sorted[Math.floor(0.01 * (count - 1))];
  const hi = sorted[Math.floor(0.99 * (count - 1))];
  const bins = ramp.length;
  const width = (hi - lo) / bins || 1;
  const bin = (v) => Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
  const names = ramp.map((_, b) => {
    const from = b === 0 ? "≤" : (lo + b * width).toFixed(digits) + "–";
    const to = b === bins - 1 ? `≥ ${(lo + b * width).toFixed(digits)}` : (lo + (b + 1) * width).toFixed(digits);
    return b === 0 ? `${from} ${to}` : b === bins - 1 ? to : from + to;
  });
  return { values: Int32Array.from(values, bin), names, colours: ramp, noneName: null };
}

const colourings = {
  "region": () => categorical(data.regions, (c) => data.region_names[c], "no region"),
  "token kind": () => categorical(data.kinds, (c) => data.kind_names[c], null),
  "DBSCAN cluster": () => categorical(data.clusters, (c) => `cluster ${c}`, "noise"),
  "token length": () => binned(tokenLength, 0),
  "vector length": () => binned((i) => vectorLengths[i], 2),
};
// A diagnosis's scores (lesson 7's token-scores.json, lesson 5's --diagnosis), when given.
if (data.under_trained) {
  const underTrained = typed(Float32Array, data.under_trained);
  const hubness = typed(Uint32Array, data.hubness);
  colourings["under-trained score"] = () => binned((i) => underTrained[i], 2);
  colourings["hubness"] = () => binned((i) => hubness[i], 0);
}
let colouring = null; // the current one: { values, names, colours, noneName }
let colourName = "";
let order = null; // points in drawing order: grey first, so groups are drawn on top
let pixel = null; // each point's colour as a canvas pixel (RGBA bytes in a Uint32)

function rgba(hex) {
  const v = parseInt(hex.slice(1), 16);
  return new Uint32Array(new Uint8Array([v >> 16, (v >> 8) & 255, v & 255, 255]).buffer)[0];
}

// ---- view: data coordinates to canvas pixels, panned and zoomed by the reader ----
const canvas = $("map");
const context = canvas.getContext("2d");
const bounds = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
for (let i = 0; i < count; i++) {
  bounds.minX = Math.min(bounds.minX, xy[2 * i]);
  bounds.maxX = Math.max(bounds.maxX, xy[2 * i]);
  bounds.minY = Math.min(bounds.minY, xy[2 * i + 1]);
  bounds.maxY = Math.max(bounds.maxY, xy[2 * i + 1]);
}
const view = { scale: 1, x: 0, y: 0 }; // pixel = (data − (x, y)) · scale, y flipped
let fitScale = 1; // the scale at which the whole map fits

/** Puts data point (x, y) at the canvas centre. */
function centreOn(x, y) {
  view.x = x - canvas.width / 2 / view.scale;
  view.y = y + canvas.height / 2 / view.scale;
}
const centre = () => toData(canvas.width / 2, canvas.height / 2);

/** Sizes the canvas to its box, keeping the point at its centre where it was. */
function resize() {
  const [x, y] = centre();
  const rect = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(rect.width * devicePixelRatio));
  canvas.height = Math.max(1, Math.round(rect.height * devicePixelRatio));
  const spanX = Math.max(bounds.maxX - bounds.minX, 1e-9);
  const spanY = Math.max(bounds.maxY - bounds.minY, 1e-9);
  fitScale = 0.95 * Math.min(canvas.width / spanX, canvas.height / spanY);
  centreOn(x, y);
}

/** Shows the whole map. */
function fit() {
  resize();
  view.scale = fitScale;
  centreOn((bounds.minX + bounds.maxX) / 2, (bounds.minY + bounds.maxY) / 2);
}
const toPixel = (i) => [(xy[2 * i] - view.x) * view.scale, (view.y - xy[2 * i + 1]) * view.scale];
const toData = (px, py) => [px / view.scale + view.x, view.y - py / view.scale];

// ---- state ----
let selected = -1;
let metric = metrics[0];
let group = null; // the legend entry whose tokens are listed, or null
let pending = false;
let image = null; // the frame's pixels, reused while the canvas keeps its size

/** Where each named region's label goes: the middle of its members in the cell (of a
 *  32 × 32 grid over the map) that holds most of them — its densest part, not its mean,
 *  which for a region spread over the map falls in the middle of everything. */
const regionCentres = (() => {
  const side = 32;
  const cellOf = (i) =>
    Math.min(side - 1, Math.floor(((xy[2 * i] - bounds.minX) / (bounds.maxX - bounds.minX || 1)) * side)) * side +
    Math.min(side - 1, Math.floor(((xy[2 * i + 1] - bounds.minY) / (bounds.maxY - bounds.minY || 1)) * side));
  const counts = data.region_names.map(() => new Map());
  for (let i = 0; i < count; i++) {
    const r = data.regions[i];
    if (r >= 0) counts[r].set(cellOf(i), (counts[r].get(cellOf(i)) ?? 0) + 1);
  }
  const best = counts.map((cells) => [...cells].reduce((a, b) => (b[1] > a[1] ? b : a), [-1, 0])[0]);
  const centres = data.region_names.map(() => [0, 0, 0]);
  for (let i = 0; i < count; i++) {
    const r = data.regions[i];
    if (r < 0 || cellOf(i) !== best[r]) continue;
    centres[r][0] += xy[2 * i];
    centres[r][1] += xy[2 * i + 1];
    centres[r][2] += 1;
  }
  return centres;
})();

function draw() {
  pending = false;
  const w = canvas.width;
  const h = canvas.height;
  // Points are larger in small maps, and grow a little as the reader zooms in. They are
  // written straight into the pixels: one canvas call per frame, however many points.
  const base = Math.max(2, Math.min(7, 500 / Math.sqrt(count)));
  const size = Math.max(1, Math.round(base * Math.min(3, Math.max(1, Math.sqrt(view.scale / fitScale))) * devicePixelRatio));
  if (image === null || image.width !== w || image.height !== h) image = context.createImageData(w, h);
  const pixels = new Uint32Array(image.data.buffer);
  pixels.fill(0xffffffff);
  const half = size >> 1;
  const { x: vx, y: vy, scale } = view;
  for (let o = 0; o < order.length; o++) {
    const i = order[o];
    const px = Math.round((xy[2 * i] - vx) * scale) - half;
    const py = Math.round((vy - xy[2 * i + 1]) * scale) - half;
    if (px < 0 || py < 0 || px + size > w || py + size > h) continue;
    const colour = pixel[i];
    // Points of a few pixels (a whole vocabulary's) are written pixel by pixel: a call
    // per row of a square costs more than its pixels.
    for (let dy = 0, at = py * w + px; dy < size; dy++, at += w) {
      for (let dx = 0; dx < size; dx++) pixels[at + dx] = colour;
    }
  }
  context.putImageData(image, 0, 0);
  if (group !== null) {
    context.strokeStyle = "#000";
    context.lineWidth = 1;
    for (let i = 0; i < count; i++) {
      if (colouring.values[i] !== group) continue;
      const [px, py] = toPixel(i);
      context.strokeRect(px - size, py - size, 2 * size, 2 * size);
    }
  }
  // Zoomed in on a selected token, its neighbourhood's tokens are written first and the
  // regions' names only where room is left; otherwise the names first.
  if (selected >= 0 && view.scale > 2 * fitScale) drawRegionNames(drawTokenNames(size, []));
  else drawTokenNames(size, drawRegionNames([]));
  if (selected >= 0) {
    const [sx, sy] = toPixel(selected);
    context.strokeStyle = "#d00";
    context.lineWidth = devicePixelRatio;
    const { ids } = neighboursOf(metric, selected);
    for (let n = 0; n < k; n++) {
      const j = ids[n];
      if (j >= count) continue; // not on the map
      const [px, py] = toPixel(j);
      context.beginPath();
      context.moveTo(sx, sy);
      context.lineTo(px, py);
      context.stroke();
      context.strokeRect(px - size, py - size, 2 * size, 2 * size);
    }
    context.lineWidth = 2 * devicePixelRatio;
    context.beginPath();
    context.arc(sx, sy, 2 * size, 0, 2 * Math.PI);
    context.stroke();
    // Its own name last, outside the ring, so no line or ring crosses it.
    labelStyle();
    context.fillStyle = "#d00";
    haloText(label(selected), sx + selectedOffset(size), sy);
  }
}

/** How far right of its point the selected token's name starts: past its ring. */
const selectedOffset = (size) => 2 * size + 3 * devicePixelRatio;

/** The font and halo every token name is written with. */
function labelStyle() {
  context.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
  context.textAlign = "left";
  context.textBaseline = "middle";
  context.lineJoin = "round";
  context.lineWidth = 3 * devicePixelRatio;
  context.strokeStyle = "rgba(255, 255, 255, 0.85)";
}

/** A token as the map writes it: a leading space `␣` (a `Ġ` at label size reads as a `G`),
 *  as the regions' names write it. */
const label = (i) => data.tokens[i].replace(/Ġ/g, "␣");

/** Text dark on a white halo, centred at (px, py). */
function haloText(text, px, py) {
  context.strokeText(text, px, py);
  context.fillText(text, px, py);
}

/** Whether a box (centre px, py, half-width half, half-height h) overlaps one taken. */
const overlaps = (taken, px, py, half, h) =>
  taken.some(([qx, qy, qw, qh]) => Math.abs(qx - px) < qw + half && Math.abs(qy - py) < qh + h);

/** Each named region's name at its centre, dark on a white halo, moved inside the canvas
 *  where it would be cut at an edge, none over a box `taken`. Returns the boxes taken. */
function drawRegionNames(taken) {
  context.font = `bold ${12 * devicePixelRatio}px system-ui, sans-serif`;
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.lineJoin = "round";
  context.lineWidth = 4 * devicePixelRatio;
  context.strokeStyle = "rgba(255, 255, 255, 0.85)";
  context.fillStyle = "#111";
  // Largest regions first; a name that would overlap one already drawn waits for a zoom.
  const drawn = taken;
  const named = [];
  const h = 7 * devicePixelRatio;
  regionCentres.forEach(([x, y, members], r) => {
    if (members === 0) return;
    const half = context.measureText(data.region_names[r]).width / 2 + 2;
    let px = (x / members - view.x) * view.scale;
    let py = (view.y - y / members) * view.scale;
    if (px < -half || px > canvas.width + half || py < 0 || py > canvas.height) return; // off screen
    px = Math.min(Math.max(px, half), canvas.width - half);
    py = Math.min(Math.max(py, h), canvas.height - h);
    if (overlaps(drawn, px, py, half, h)) return;
    drawn.push([px, py, half, h]);
    named.push(data.region_names[r]);
    haloText(data.region_names[r], px, py);
  });
  // The names written, for a reader of the page's DOM (the book's captions say which).
  $("status").dataset.regionsNamed = JSON.stringify(named);
  return drawn;
}

/** Most tokens written beside their points: zoomed in this far, the map reads as text. */
const LABELLED = 400;
/** Tokens written around the selected one when more than LABELLED are on screen. */
const AROUND_SELECTED = 80;
const onCanvas = ([px, py]) => px >= 0 && py >= 0 && px <= canvas.width && py <= canvas.height;
/** The `m` items of `items` with the smallest `key`, nearest first, equal keys in their
 *  order in `items` (as a stable sort's first m): kept in a short sorted list, so a frame
 *  with a whole vocabulary on screen does not sort every point (a 256,000-token map's
 *  redraw took 100 ms that way). */
function nearestFirst(items, key, m) {
  const best = []; // [key, item], ascending
  for (const item of items) {
    const d = key(item);
    if (best.length === m && d >= best[m - 1][0]) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (best[mid][0] <= d) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, [d, item]);
    if (best.length > m) best.pop();
  }
  return best.map(([, item]) => item);
}

/** Each token on screen written beside its point once at most LABELLED are on screen, else
 *  the AROUND_SELECTED nearest the selected token (the selected token and its neighbours
 *  always), none over another label or a region's name. */
function drawTokenNames(size, taken) {
  // Far from enough zoom to write the map's tokens and none selected: nothing to write (and
  // no pass over every point in a frame of a large map).
  if (selected < 0 && count * (fitScale / view.scale) ** 2 > 4 * LABELLED) return taken;
  const onScreen = [];
  for (let i = 0; i < count; i++) if (onCanvas(toPixel(i))) onScreen.push(i);
  const first = selected < 0 ? [] : [selected, ...Array.from(neighboursOf(metric, selected).ids)
    .filter((j) => j < count)];
  let named = first;
  if (onScreen.length <= LABELLED) named = first.concat(onScreen);
  else if (selected >= 0) {
    const [sx, sy] = toPixel(selected);
    const away = (i) => { const [px, py] = toPixel(i); return (px - sx) ** 2 + (py - sy) ** 2; };
    named = first.concat(nearestFirst(onScreen, away, AROUND_SELECTED));
  }
  labelStyle();
  const h = 7 * devicePixelRatio;
  const done = new Set();
  for (const i of named) {
    if (done.has(i)) continue;
    done.add(i);
    const [px, py] = toPixel(i);
    const text = label(i);
    const half = context.measureText(text).width / 2;
    // The selected token's name is only kept free here: draw() writes it last, past its ring.
    const left = px + (i === selected ? selectedOffset(size) : size);
    const cx = left + half;
    if (i !== selected && (overlaps(taken, cx, py, half, h) || cx + half > canvas.width)) continue;
    taken.push([cx, py, half, h]);
    if (i === selected) continue;
    context.fillStyle = "#111";
    haloText(text, left, py);
  }
  return taken;
}

function redraw() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(draw);
  }
}

// ---- finding points: under the cursor (a grid of buckets) and by text ----
const grid = (() => {
  const side = Math.max(1, Math.ceil(Math.sqrt(count / 4)));
  const w = (bounds.maxX - bounds.minX) / side || 1;
  const h = (bounds.maxY - bounds.minY) / side || 1;
  const cell = (x, y) => [
    Math.min(side - 1, Math.max(0, Math.floor((x - bounds.minX) / w))),
    Math.min(side - 1, Math.max(0, Math.floor((y - bounds.minY) / h))),
  ];
  const buckets = Array.from({ length: side * side }, () => []);
  for (let i = 0; i < count; i++) {
    const [cx, cy] = cell(xy[2 * i], xy[2 * i + 1]);
    buckets[cy * side + cx].push(i);
  }
  return { side, cell, buckets };
})();

/** The point nearest to canvas pixel (px, py) within `radius` pixels, or −1. */
function pointAt(px, py, radius) {
  const [x, y] = toData(px, py);
  const r = radius / view.scale;
  const [x0, y0] = grid.cell(x - r, y - r);
  const [x1, y1] = grid.cell(x + r, y + r);
  let best = -1;
  let bestD = r * r;
  for (let cy = y0; cy <= y1; cy++) {
    for (let cx = x0; cx <= x1; cx++) {
      for (const i of grid.buckets[cy * grid.side + cx]) {
        const d = (xy[2 * i] - x) ** 2 + (xy[2 * i + 1] - y) ** 2;
        if (d <= bestD) {
          best = i;
          bestD = d;
        }
      }
    }
  }
  return best;
}

/** How a query is written in the map's token text: a space as GPT-2's `Ġ`. */
const asToken = (query) => query.replace(/ /g, "Ġ").replace(/\n/g, "Ċ");
const mapTokens = data.tokens.slice(0, count);

/** The index of the map token whose text is `query` (else the first that starts with it), or −1. */
function find(query) {
  if (query === "") return -1;
  const text = asToken(query);
  const exact = mapTokens.indexOf(text);
  if (exact >= 0) return exact;
  return mapTokens.findIndex((t) => t.startsWith(text));
}

// ---- the side panel ----
function tokenSpan(i) {
  const span = document.createElement("span");
  span.className = "token";
  span.textContent = data.tokens[i];
  return span;
}

/** The link that reopens the page as it is: the selected token, the metric, the colouring.
 *  Written into the address when the reader changes something, never while the page opens
 *  (the address a reader opened stays as it was). */
let opening = true;
function link() {
  if (opening) return;
  const token = selected >= 0 ? "token=" + encodeURIComponent(data.tokens[selected]) + "&" : "";
  history.replaceState(null, "", "#" + token + "metric=" + metric.name + "&colour=" + encodeURIComponent(colourName));
}

function select(i, centre) {
  selected = i;
  const list = $("neighbours");
  list.replaceChildren();
  link();
  if (i < 0) return redraw();
  const region = data.regions[i] < 0 ? "none" : data.region_names[data.regions[i]];
  const cluster = data.clusters[i] < 0 ? "none (noise)" : data.clusters[i];
  const { ids, distances } = neighboursOf(metric, i);
  let offMap = 0;
  for (let n = 0; n < k; n++) if (ids[n] >= count) offMap++;
  const where = offMap > 0 ? ` (${offMap} of them not on this map, marked ✕)` : "";
  $("selected").replaceChildren(
    tokenSpan(i),
    ` id ${data.ids[i]}, ${data.kind_names[data.kinds[i]]}, region ${region}, cluster ${cluster}. ` +
    `Its ${k} nearest tokens in the whole vocabulary by ${metric.description}${where}:`);
  for (let n = 0; n < k; n++) {
    const j = ids[n];
    const distance = distances[n];
    const item = document.createElement("li");
    item.dataset.index = j;
    item.dataset.id = data.ids[j];
    item.dataset.distance = distance.toPrecision(6);
    item.dataset.onMap = j < count ? "yes" : "no";
    const d = document.createElement("span");
    d.className = "distance";
    d.textContent = metric.name === "cosine"
      ? `${distance.toFixed(4)} (cos ${(1 - distance * distance / 2).toFixed(3)})`
      : distance.toFixed(4);
    item.append(tokenSpan(j), d);
    if (j < count) item.addEventListener("click", () => select(j, true));
    else {
      item.className = "off-map";
      item.title = "not on this map";
      item.prepend("✕ ");
    }
    list.append(item);
  }
  if (centre) centreOn(xy[2 * i], xy[2 * i + 1]);
  redraw();
}

/** Colours the map by `name` and draws its legend: each group's colour, name and size. */
function colourBy(name) {
  colourName = name;
  if (metric) link();
  colouring = colourings[name]();
  group = null;
  const colourOf = (v) => (v < 0 ? GREY : colouring.colours[v]);
  pixel = new Uint32Array(count);
  const codes = new Map();
  for (let i = 0; i < count; i++) {
    const c = colourOf(colouring.values[i]);
    if (!codes.has(c)) codes.set(c, rgba(c));
    pixel[i] = codes.get(c);
  }
  order = new Int32Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) if (colouring.values[i] < 0) order[at++] = i;
  for (let i = 0; i < count; i++) if (colouring.values[i] >= 0) order[at++] = i;
  const sizes = new Map();
  for (const v of colouring.values) sizes.set(v, (sizes.get(v) ?? 0) + 1);
  const legend = $("legend");
  legend.replaceChildren();
  const entries = colouring.names.map((n, v) => [v, n]);
  if (sizes.has(-1)) entries.push([-1, colouring.noneName]);
  for (const [v, label] of entries) {
    if (!sizes.has(v)) continue;
    const item = document.createElement("li");
    item.dataset.group = v;
    item.dataset.size = sizes.get(v);
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = colourOf(v);
    const size = document.createElement("span");
    size.className = "distance";
    size.textContent = sizes.get(v).toLocaleString("en");
    const text = document.createElement("span");
    text.className = "name";
    text.textContent = label;
    item.append(swatch, text, size);
    item.addEventListener("click", () => showGroup(v));
    legend.append(item);
  }
  $("group-size").textContent = "";
  $("group-tokens").replaceChildren();
  redraw();
}

const LISTED = 500; // a group's list longer than this is cut (the export has all)
/** Lists the tokens of legend entry `v` and outlines them on the map. */
function showGroup(v) {
  group = v;
  const members = [];
  for (let i = 0; i < count; i++) if (colouring.values[i] === v) members.push(i);
  const name = v < 0 ? colouring.noneName : colouring.names[v];
  $("group-size").textContent = `${colourName}: ${name}, ${members.length} tokens`;
  const list = $("group-tokens");
  list.replaceChildren();
  for (const i of members.slice(0, LISTED)) {
    const item = document.createElement("li");
    item.append(tokenSpan(i));
    item.addEventListener("click", () => select(i, true));
    list.append(item);
  }
  if (members.length > LISTED) list.append(`… and ${members.length - LISTED} more`);
  redraw();
  return members;
}

function download(name, type, text) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
}
const rows = () => (group === null ? [] : showGroup(group)).map((i) => ({
  id: data.ids[i], token: data.tokens[i], x: xy[2 * i], y: xy[2 * i + 1], cluster: data.clusters[i],
  region: data.regions[i] < 0 ? "" : data.region_names[data.regions[i]], kind: data.kind_names[data.kinds[i]],
}));
const csvField = (v) => (typeof v === "string" ? `"${v.replace(/"/g, '""')}"` : String(v));
/** The listed group's tokens as CSV (text quoted, quotes doubled). */
const csv = () =>
  "id,token,x,y,cluster,region,kind\n" + rows().map((r) => Object.values(r).map(csvField).join(",")).join("\n") + "\n";
const exportName = () => `${colourName}-${group}`.replace(/[^A-Za-z0-9-]+/g, "-");

// ---- wiring ----
function setUp() {
  $("title").textContent = data.title;
  const chooser = $("colour-by");
  for (const name of Object.keys(colourings)) {
    const option = document.createElement("option");
    option.value = option.textContent = name;
    chooser.append(option);
  }
  chooser.addEventListener("change", () => colourBy(chooser.value));
  const metricChooser = $("metric");
  for (const m of metrics) {
    const option = document.createElement("option");
    option.value = m.name;
    option.textContent = m.name;
    metricChooser.append(option);
  }
  metricChooser.addEventListener("change", () => setMetric(metricChooser.value));
  $("export-csv").addEventListener("click", () => download(`${exportName()}.csv`, "text/csv", csv()));
  $("export-json").addEventListener("click", () => download(
    `${exportName()}.json`, "application/json", JSON.stringify(rows(), null, 1)));

  const tooltip = $("tooltip");
  let drag = null;
  canvas.addEventListener("mousemove", (e) => {
    if (drag) {
      view.x -= (e.clientX - drag.x) * devicePixelRatio / view.scale;
      view.y += (e.clientY - drag.y) * devicePixelRatio / view.scale;
      drag = { x: e.clientX, y: e.clientY, moved: true };
      return redraw();
    }
    const rect = canvas.getBoundingClientRect();
    const i = pointAt((e.clientX - rect.left) * devicePixelRatio, (e.clientY - rect.top) * devicePixelRatio, 6 * devicePixelRatio);
    tooltip.hidden = i < 0;
    if (i >= 0) {
      tooltip.textContent = data.tokens[i];
      tooltip.style.left = `${e.clientX + 12}px`;
      tooltip.style.top = `${e.clientY + 12}px`;
    }
  });
  canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, moved: false }; });
  canvas.addEventListener("mouseup", (e) => {
    const moved = drag && drag.moved;
    drag = null;
    if (moved) return;
    const rect = canvas.getBoundingClientRect();
    const i = pointAt((e.clientX - rect.left) * devicePixelRatio, (e.clientY - rect.top) * devicePixelRatio, 6 * devicePixelRatio);
    if (i >= 0) select(i, false);
  });
  canvas.addEventListener("mouseleave", () => { drag = null; tooltip.hidden = true; });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const rect = canvas.getBoundingClientRect();
    const [x, y] = toData((e.clientX - rect.left) * devicePixelRatio, (e.clientY - rect.top) * devicePixelRatio);
    const factor = Math.exp(-e.deltaY / 500);
    view.scale *= factor;
    view.x = x - (x - view.x) / factor;
    view.y = y - (y - view.y) / factor;
    redraw();
  }, { passive: false });
  $("search").addEventListener("input", (e) => {
    const i = find(e.target.value);
    $("search-result").textContent = e.target.value === "" ? "" : i < 0 ? "not in this map" : `found (id ${data.ids[i]})`;
    if (i >= 0) select(i, true);
  });
  window.addEventListener("resize", () => { resize(); redraw(); });
}

/** Lists the selected token's neighbours under the metric named `name`. */
function setMetric(name) {
  metric = metrics.find((m) => m.name === name) ?? metrics[0];
  $("metric").value = metric.name;
  select(selected, false);
}

/** `#token=<text>` (URL-encoded) or `#id=<token id>`: the token to open with. */
function fromLink(hash) {
  if (hash.has("token")) return find(hash.get("token"));
  if (hash.has("id")) return data.ids.slice(0, count).indexOf(Number(hash.get("id")));
  return -1;
}

/** With `&selftest` in the link: hover over and search for the selected token as a reader
 *  would, colour by token kind and list the selected token's kind from the legend, and
 *  record what the page showed in #status for a headless browser to read. */
function selfTest(status) {
  if (selected < 0) return;
  // Zoomed in far, so that the pointer (whole CSS pixels) lands on this token alone.
  view.scale = 256 * fitScale;
  centreOn(xy[2 * selected], xy[2 * selected + 1]);
  const [px, py] = toPixel(selected);
  const rect = canvas.getBoundingClientRect();
  const at = { clientX: rect.left + px / devicePixelRatio, clientY: rect.top + py / devicePixelRatio, bubbles: true };
  canvas.dispatchEvent(new MouseEvent("mousemove", at));
  status.dataset.hover = $("tooltip").hidden ? "" : $("tooltip").textContent;
  const search = $("search");
  search.value = data.tokens[selected];
  search.dispatchEvent(new Event("input", { bubbles: true }));
  status.dataset.search = $("search-result").textContent;
  // Colour by token kind, then click the selected token's kind in the legend.
  const chooser = $("colour-by");
  chooser.value = "token kind";
  chooser.dispatchEvent(new Event("change", { bubbles: true }));
  const legend = [...$("legend").children];
  status.dataset.legendTotal = legend.reduce((sum, item) => sum + Number(item.dataset.size), 0);
  const mine = legend.find((item) => Number(item.dataset.group) === data.kinds[selected]);
  mine.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  status.dataset.kind = data.kind_names[data.kinds[selected]];
  status.dataset.kindListed = $("group-size").textContent;
  status.dataset.exportCsvRows = csv().trim().split("\n").length - 1;
  status.dataset.exportJsonRows = JSON.parse(JSON.stringify(rows())).length;
  // Back to the first colouring: the screenshot shows the named regions.
  chooser.value = Object.keys(colourings)[0];
  chooser.dispatchEvent(new Event("change", { bubbles: true }));
}

const hash = new URLSearchParams(location.hash.slice(1));
// `&crop`: the map alone, without the header and the side panel (the book's crops); with
// `&legend` too, the colouring's legend over the map's corner.
if (hash.has("crop")) document.body.classList.add("crop");
if (hash.has("crop") && hash.has("legend")) document.body.classList.add("legend");
setUp();
fit();
// `&zoom=Z`: Z times closer than the whole map (the book's crops around a token).
const zoom = Number(hash.get("zoom"));
if (Number.isFinite(zoom) && zoom >= 1) {
  const [x, y] = centre();
  view.scale = fitScale * zoom;
  centreOn(x, y);
}
// `&colour=token kind` (any "Colour by" choice) opens with that colouring.
const colour = Object.hasOwn(colourings, hash.get("colour")) ? hash.get("colour") : Object.keys(colourings)[0];
$("colour-by").value = colour;
colourBy(colour);
metric = metrics.find((m) => m.name === hash.get("metric")) ?? metrics[0];
$("metric").value = metric.name;
const linked = fromLink(hash);
select(linked, true);
if (linked < 0 && (hash.has("token") || hash.has("id"))) {
  $("selected").textContent = `The link names a token that is not on this map: ${hash.get("token") ?? hash.get("id")}`;
}
draw();
const status = $("status");
status.dataset.points = count;
status.dataset.metric = metric.name;
status.dataset.readyMs = performance.now().toFixed(0);
const before = performance.now(); // one more frame, as a pan or zoom draws it
draw();
status.dataset.frameMs = (performance.now() - before).toFixed(1);
status.dataset.address = location.hash; // as opened: the page does not rewrite it
// How many of the selected token's neighbours (under the metric shown) are in view.
if (selected >= 0) {
  status.dataset.neighboursInView = Array.from(neighboursOf(metric, selected).ids)
    .filter((j) => j < count && onCanvas(toPixel(j))).length;
}
opening = false;
if (hash.has("selftest")) selfTest(status);
status.dataset.errors = window.pageErrors.join(" | ");
status.dataset.done = "yes";
