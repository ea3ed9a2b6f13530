// The vocabulary map explorer: every token of a lesson's t-SNE map on a canvas, its
// DBSCAN cluster, and its exact nearest neighbours in the original embedding space (from
// map-data.js, written by the lesson beside this page). No network, no libraries.
//
// Token text is data, never markup: it reaches the page only through textContent.
"use strict";

const data = window.MAP_DATA;
const $ = (id) => document.getElementById(id);

/** A base64 string as the typed array `Type` over its little-endian bytes. */
function typed(Type, base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return new Type(bytes.buffer);
}

const count = data.tokens.length;
const xy = typed(Float32Array, data.xy); // x0, y0, x1, y1, …
const neighbours = typed(data.index_bytes === 2 ? Uint16Array : Uint32Array, data.neighbours);
const distances = typed(Uint16Array, data.distances); // × data.distance_scale
const k = data.k;

// Colours: ten for clusters (cycled), grey for noise.
const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const colourOf = (c) => (c < 0 ? "#c8c8c8" : palette[c % palette.length]);
// Points in drawing order, grouped by colour so each colour is set once per frame.
const byColour = new Map();
for (let i = 0; i < count; i++) {
  const colour = colourOf(data.clusters[i]);
  if (!byColour.has(colour)) byColour.set(colour, []);
  byColour.get(colour).push(i);
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
let cluster = null; // the cluster whose tokens are listed, or null
let pending = false;

function draw() {
  pending = false;
  context.clearRect(0, 0, canvas.width, canvas.height);
  // Points are larger in small maps, and grow a little as the reader zooms in.
  const base = Math.max(2, Math.min(7, 500 / Math.sqrt(count)));
  const size = base * Math.min(3, Math.max(1, Math.sqrt(view.scale / fitScale))) * devicePixelRatio;
  for (const [colour, points] of byColour) {
    context.fillStyle = colour;
    for (const i of points) {
      const [px, py] = toPixel(i);
      context.fillRect(px - size / 2, py - size / 2, size, size);
    }
  }
  if (cluster !== null) {
    context.strokeStyle = "#000";
    for (let i = 0; i < count; i++) {
      if (data.clusters[i] !== cluster) continue;
      const [px, py] = toPixel(i);
      context.strokeRect(px - size, py - size, 2 * size, 2 * size);
    }
  }
  if (selected >= 0) {
    const [sx, sy] = toPixel(selected);
    context.strokeStyle = "#d00";
    context.lineWidth = devicePixelRatio;
    for (let n = 0; n < k; n++) {
      const [px, py] = toPixel(neighbours[selected * k + n]);
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
  }
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

/** The index of the token whose text is `query` (else the first that starts with it), or −1. */
function find(query) {
  if (query === "") return -1;
  const text = asToken(query);
  const exact = data.tokens.indexOf(text);
  if (exact >= 0) return exact;
  return data.tokens.findIndex((t) => t.startsWith(text));
}

// ---- the side panel ----
function tokenSpan(i) {
  const span = document.createElement("span");
  span.className = "token";
  span.textContent = data.tokens[i];
  return span;
}

function select(i, centre) {
  selected = i;
  const list = $("neighbours");
  list.replaceChildren();
  if (i < 0) return redraw();
  const title = $("selected");
  title.replaceChildren(tokenSpan(i), ` id ${data.ids[i]}, cluster ${data.clusters[i] < 0 ? "none (noise)" : data.clusters[i]}; its ${k} nearest tokens in the embedding space:`);
  for (let n = 0; n < k; n++) {
    const j = neighbours[i * k + n];
    const distance = distances[i * k + n] * data.distance_scale;
    const item = document.createElement("li");
    item.dataset.index = j;
    item.dataset.id = data.ids[j];
    item.dataset.distance = distance.toPrecision(6);
    const d = document.createElement("span");
    d.className = "distance";
    d.textContent = distance.toFixed(4);
    item.append(tokenSpan(j), d);
    item.addEventListener("click", () => select(j, true));
    list.append(item);
  }
  if (centre) centreOn(xy[2 * i], xy[2 * i + 1]);
  history.replaceState(null, "", "#token=" + encodeURIComponent(data.tokens[i]));
  redraw();
}

const LISTED = 500; // a cluster list longer than this is cut (the export has all)
function showCluster(c) {
  cluster = c;
  const members = [];
  for (let i = 0; i < count; i++) if (data.clusters[i] === c) members.push(i);
  $("cluster-size").textContent = `${members.length} tokens`;
  const list = $("cluster-tokens");
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
const rows = () => showCluster(cluster).map((i) => ({
  id: data.ids[i], token: data.tokens[i], x: xy[2 * i], y: xy[2 * i + 1], cluster: data.clusters[i],
}));
const csvField = (v) => (typeof v === "string" ? `"${v.replace(/"/g, '""')}"` : String(v));
/** The listed cluster's tokens as CSV (text quoted, quotes doubled). */
const csv = () =>
  "id,token,x,y,cluster\n" + rows().map((r) => Object.values(r).map(csvField).join(",")).join("\n") + "\n";

// ---- wiring ----
function setUp() {
  $("title").textContent = data.title;
  const clusters = Math.max(-1, ...data.clusters) + 1;
  const select_ = $("cluster-select");
  for (let c = -1; c < clusters; c++) {
    const option = document.createElement("option");
    option.value = c;
    option.textContent = c < 0 ? "noise" : `cluster ${c}`;
    select_.append(option);
  }
  select_.addEventListener("change", () => showCluster(Number(select_.value)));
  $("export-csv").addEventListener("click", () => download(`cluster-${cluster}.csv`, "text/csv", csv()));
  $("export-json").addEventListener("click", () => download(
    `cluster-${cluster}.json`, "application/json", JSON.stringify(rows(), null, 1)));

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

/** `#token=<text>` (URL-encoded) or `#id=<token id>`: the token to open with. */
function fromLink() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.has("token")) return find(hash.get("token"));
  if (hash.has("id")) return data.ids.indexOf(Number(hash.get("id")));
  return -1;
}

/** With `&selftest` in the link: hover over and search for the selected token as a reader
 *  would, and record what the page showed in #status for a headless browser to read. */
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
  status.dataset.searchSelected = data.tokens[selected];
  // The selected token's cluster, listed and exported as the buttons would.
  showCluster(data.clusters[selected]);
  status.dataset.exportCsvRows = csv().trim().split("\n").length - 1;
  status.dataset.exportJsonRows = JSON.parse(JSON.stringify(rows())).length;
}

const selfTesting = location.hash.includes("selftest"); // before select() rewrites the link
setUp();
fit();
const linked = fromLink();
select(linked, true);
if (linked < 0 && location.hash.length > 1) {
  const named = new URLSearchParams(location.hash.slice(1));
  $("selected").textContent = `The link names a token that is not on this map: ${named.get("token") ?? named.get("id") ?? location.hash}`;
}
draw();
const status = $("status");
status.dataset.points = count;
status.dataset.readyMs = performance.now().toFixed(0);
const before = performance.now(); // one more frame, as a pan or zoom draws it
draw();
status.dataset.frameMs = (performance.now() - before).toFixed(1);
if (selfTesting) selfTest(status);
status.dataset.errors = window.pageErrors.join(" | ");
status.dataset.done = "yes";
