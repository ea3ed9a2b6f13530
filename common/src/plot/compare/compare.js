// Two models' t-SNE maps of the tokens they share, side by side and linked: a token under
// the pointer in either map is marked in both; a selected token's nearest neighbours in
// each model are listed, those in both lists marked ◆, and drawn in both maps, so a
// reader sees where one model's neighbours of a token lie in the other model's map.
// Data from compare-data.js, written by the lesson beside this page. No network, no
// libraries.
//
// Token text is data, never markup: it reaches the page only through textContent and
// canvas fillText.
"use strict";

const data = window.COMPARE_DATA;
const $ = (id) => document.getElementById(id);

data.labels = data.labels.map(shown);

/** A base64 string as the typed array `Type` over its little-endian bytes. */
function typed(Type, base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return new Type(bytes.buffer);
}

const count = data.count; // tokens on the maps; data.labels goes on with off-map neighbours
const k = data.k;
const NEIGHBOUR = ["#1f77b4", "#d62728"]; // each model's neighbours; in both lists: BOTH
const BOTH = "#7b2cbf";

// ---- one side per model: its canvas, map and neighbour lists, panned and zoomed apart ----
const sides = data.sides.map((side, s) => ({
  s,
  model: side.model,
  texts: side.texts.map(shown),
  ids: side.ids,
  xy: typed(Float32Array, side.xy),
  neighbours: typed(Uint32Array, side.neighbours),
  similarities: typed(Uint16Array, side.similarities),
  regionNames: side.region_names.map(shown),
  regions: side.regions,
  canvas: $(`map-${s}`),
  view: { scale: 1, x: 0, y: 0 },
  fitScale: 1,
  image: null,
}));
for (const side of sides) {
  side.context = side.canvas.getContext("2d");
  const b = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
  for (let i = 0; i < count; i++) {
    b.minX = Math.min(b.minX, side.xy[2 * i]);
    b.maxX = Math.max(b.maxX, side.xy[2 * i]);
    b.minY = Math.min(b.minY, side.xy[2 * i + 1]);
    b.maxY = Math.max(b.maxY, side.xy[2 * i + 1]);
  }
  side.bounds = b;
  side.grid = buckets(side);
}
const neighboursOf = (side, i) => Array.from(side.neighbours.subarray(i * k, i * k + k));
const similarity = (side, i, n) => side.similarities[i * k + n] / 65535 * 2 - 1;

/** Points in a grid of cells over the map, to find the one under the pointer quickly. */
function buckets(side) {
  const b = side.bounds;
  const cells = Math.max(1, Math.ceil(Math.sqrt(count / 4)));
  const w = (b.maxX - b.minX) / cells || 1;
  const h = (b.maxY - b.minY) / cells || 1;
  const cell = (x, y) => [
    Math.min(cells - 1, Math.max(0, Math.floor((x - b.minX) / w))),
    Math.min(cells - 1, Math.max(0, Math.floor((y - b.minY) / h))),
  ];
  const lists = Array.from({ length: cells * cells }, () => []);
  for (let i = 0; i < count; i++) {
    const [cx, cy] = cell(side.xy[2 * i], side.xy[2 * i + 1]);
    lists[cy * cells + cx].push(i);
  }
  return { cells, cell, lists };
}

const toPixel = (side, i) => [
  (side.xy[2 * i] - side.view.x) * side.view.scale,
  (side.view.y - side.xy[2 * i + 1]) * side.view.scale,
];
const toData = (side, px, py) => [px / side.view.scale + side.view.x, side.view.y - py / side.view.scale];

function centreOn(side, x, y) {
  side.view.x = x - side.canvas.width / 2 / side.view.scale;
  side.view.y = y + side.canvas.height / 2 / side.view.scale;
}

function resize(side) {
  const rect = side.canvas.getBoundingClientRect();
  side.canvas.width = Math.max(1, Math.round(rect.width * devicePixelRatio));
  side.canvas.height = Math.max(1, Math.round(rect.height * devicePixelRatio));
  const b = side.bounds;
  side.fitScale = 0.95 * Math.min(side.canvas.width / Math.max(b.maxX - b.minX, 1e-9),
                                  side.canvas.height / Math.max(b.maxY - b.minY, 1e-9));
}

function fit(side) {
  resize(side);
  side.view.scale = side.fitScale;
  const b = side.bounds;
  centreOn(side, (b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2);
}

/** The map point nearest to canvas pixel (px, py) within `radius` pixels, or −1. */
function pointAt(side, px, py, radius) {
  const [x, y] = toData(side, px, py);
  const r = radius / side.view.scale;
  const [x0, y0] = side.grid.cell(x - r, y - r);
  const [x1, y1] = side.grid.cell(x + r, y + r);
  let best = -1;
  let bestD = r * r;
  for (let cy = y0; cy <= y1; cy++) {
    for (let cx = x0; cx <= x1; cx++) {
      for (const i of side.grid.lists[cy * side.grid.cells + cx]) {
        const d = (side.xy[2 * i] - x) ** 2 + (side.xy[2 * i + 1] - y) ** 2;
        if (d <= bestD) {
          best = i;
          bestD = d;
        }
      }
    }
  }
  return best;
}

// ---- colourings: each token's group under each "Colour by" choice ----
const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                 "#e377c2", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31",
                 "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1"];
const GREY = "#c8c8c8";
const viridis = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
                 "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"];

/** Groups of a labelling (−1: the grey "none" group) with a colour per group. */
function categorical(labels, names, noneName) {
  return { values: Int32Array.from(labels), names, colours: names.map((_, c) => palette[c % palette.length]), noneName };
}

const colourings = {
  "agreement": () => ({
    values: Int32Array.from(data.agreement),
    names: Array.from({ length: k + 1 }, (_, a) => `${a} of ${k} neighbours shared`),
    colours: Array.from({ length: k + 1 }, (_, a) => viridis[Math.round(a / Math.max(k, 1) * (viridis.length - 1))]),
    noneName: null,
  }),
  "token kind": () => categorical(data.kinds, data.kind_names, null),
  [`region (${sides[0].model})`]: () => categorical(sides[0].regions, sides[0].regionNames, "no region"),
  [`region (${sides[1].model})`]: () => categorical(sides[1].regions, sides[1].regionNames, "no region"),
};
let colouring = null;
let colourName = "";
let order = null; // drawing order: grey first, then by group, so groups lie on top
let pixel = null; // each token's colour as RGBA bytes in a Uint32

function rgba(hex) {
  const v = parseInt(hex.slice(1), 16);
  return new Uint32Array(new Uint8Array([v >> 16, (v >> 8) & 255, v & 255, 255]).buffer)[0];
}

// ---- state ----
let hovered = -1;
let selected = -1;
let group = null; // a legend entry outlined in both maps
let pending = false;

function draw() {
  pending = false;
  for (const side of sides) drawSide(side);
}

function redraw() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(draw);
  }
}

function drawSide(side) {
  const { canvas, context } = side;
  const w = canvas.width;
  const h = canvas.height;
  const base = Math.max(2, Math.min(7, 400 / Math.sqrt(count)));
  const size = Math.max(1, Math.round(base * Math.min(3, Math.max(1, Math.sqrt(side.view.scale / side.fitScale))) * devicePixelRatio));
  if (side.image === null || side.image.width !== w || side.image.height !== h) side.image = context.createImageData(w, h);
  const pixels = new Uint32Array(side.image.data.buffer);
  pixels.fill(0xffffffff);
  const half = size >> 1;
  for (const i of order) {
    const px = Math.round((side.xy[2 * i] - side.view.x) * side.view.scale) - half;
    const py = Math.round((side.view.y - side.xy[2 * i + 1]) * side.view.scale) - half;
    if (px < 0 || py < 0 || px + size > w || py + size > h) continue;
    for (let dy = 0; dy < size; dy++) pixels.fill(pixel[i], (py + dy) * w + px, (py + dy) * w + px + size);
  }
  context.putImageData(side.image, 0, 0);
  if (group !== null) {
    context.strokeStyle = "#000";
    context.lineWidth = devicePixelRatio;
    for (let i = 0; i < count; i++) {
      if (colouring.values[i] !== group) continue;
      const [px, py] = toPixel(side, i);
      context.strokeRect(px - size, py - size, 2 * size, 2 * size);
    }
  }
  if (selected >= 0) drawSelected(side, size);
  if (hovered >= 0) {
    const [px, py] = toPixel(side, hovered);
    context.strokeStyle = "#000";
    context.lineWidth = 2 * devicePixelRatio;
    context.beginPath();
    context.arc(px, py, 3 * size, 0, 2 * Math.PI);
    context.stroke();
  }
}

/** The selected token, its neighbours in this side's model joined to it by lines, and
 *  the other model's neighbours marked where this map puts them. */
function drawSelected(side, size) {
  const { context } = side;
  const [sx, sy] = toPixel(side, selected);
  const own = neighboursOf(side, selected);
  const other = neighboursOf(sides[1 - side.s], selected);
  const marks = [];
  for (const j of own) {
    if (j >= count) continue;
    const [px, py] = toPixel(side, j);
    marks.push([other.includes(j) ? BOTH : NEIGHBOUR[side.s], 1, () => {
      context.beginPath();
      context.moveTo(sx, sy);
      context.lineTo(px, py);
      context.stroke();
    }]);
  }
  for (const [s, list] of [[side.s, own], [1 - side.s, other]]) {
    for (const j of list) {
      if (j >= count) continue;
      const [px, py] = toPixel(side, j);
      const colour = own.includes(j) && other.includes(j) ? BOTH : NEIGHBOUR[s];
      marks.push([colour, 2, () =>
        context.strokeRect(px - 1.5 * size, py - 1.5 * size, 3 * size, 3 * size)]);
    }
  }
  haloed(context, marks);
  context.strokeStyle = "#000";
  context.lineWidth = 2 * devicePixelRatio;
  context.beginPath();
  context.arc(sx, sy, 2.5 * size, 0, 2 * Math.PI);
  context.stroke();
}

/** Strokes each mark `[colour, width, draw]` in its colour, `width` pixels wide, over a
 *  white outline two pixels wider: blue and purple marks stay visible over viridis's blues
 *  and purples. Every outline is drawn before any colour, so no outline covers a mark. */
function haloed(context, marks) {
  context.strokeStyle = "#fff";
  for (const [, width, draw] of marks) {
    context.lineWidth = (width + 2) * devicePixelRatio;
    draw();
  }
  for (const [colour, width, draw] of marks) {
    context.strokeStyle = colour;
    context.lineWidth = width * devicePixelRatio;
    draw();
  }
}

// ---- the side panel ----
function tokenSpan(text) {
  const span = document.createElement("span");
  span.className = "token";
  span.textContent = text;
  return span;
}

/** The link that reopens the page as it is: the selected token and the colouring. */
function link() {
  const token = selected >= 0 ? "token=" + encodeURIComponent(data.labels[selected]) + "&" : "";
  history.replaceState(null, "", "#" + token + "colour=" + encodeURIComponent(colourName));
}

function select(i, centre) {
  selected = i;
  link();
  for (const side of sides) $(`list-${side.s}`).replaceChildren();
  if (i < 0) return redraw();
  const lists = sides.map((side) => neighboursOf(side, i));
  const both = lists[0].filter((j) => lists[1].includes(j)).length;
  const kind = data.kind_names[data.kinds[i]];
  // regions are the named groups of each map (its colouring "region"); most tokens lie
  // outside all of them
  const region = (side) => (side.regions[i] < 0
    ? `outside ${side.model}'s named regions`
    : `in ${side.model}'s region "${side.regionNames[side.regions[i]]}"`);
  $("selected").replaceChildren(
    tokenSpan(data.labels[i]),
    ` (${kind}): ${sides[0].texts[i]} id ${sides[0].ids[i]}, ${sides[1].texts[i]} id ${sides[1].ids[i]}. ` +
    `${both} of its ${k} nearest shared tokens are the same in both models. ` +
    `On the maps: ${region(sides[0])}; ${region(sides[1])}.`);
  for (const side of sides) {
    $(`list-title-${side.s}`).textContent = `Nearest in ${side.model}`;
    const list = $(`list-${side.s}`);
    lists[side.s].forEach((j, n) => {
      const item = document.createElement("li");
      item.dataset.index = j;
      item.dataset.both = lists[1 - side.s].includes(j) ? "yes" : "no";
      if (item.dataset.both === "yes") item.className = "both";
      const value = document.createElement("span");
      value.className = "value";
      value.textContent = similarity(side, i, n).toFixed(3);
      item.append(tokenSpan(data.labels[j]), value);
      if (j < count) item.addEventListener("click", () => select(j, true));
      else {
        item.classList.add("off-map");
        item.title = "not on these maps";
        item.prepend("✕ ");
      }
      list.append(item);
    });
  }
  if (centre) for (const side of sides) centreOn(side, side.xy[2 * i], side.xy[2 * i + 1]);
  redraw();
}

function colourBy(name) {
  colourName = name;
  colouring = colourings[name]();
  group = null;
  const colourOf = (v) => (v < 0 ? GREY : colouring.colours[v]);
  const codes = new Map();
  pixel = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const c = colourOf(colouring.values[i]);
    if (!codes.has(c)) codes.set(c, rgba(c));
    pixel[i] = codes.get(c);
  }
  order = Array.from({ length: count }, (_, i) => i).sort((a, b) => colouring.values[a] - colouring.values[b]);
  const sizes = new Map();
  for (const v of colouring.values) sizes.set(v, (sizes.get(v) ?? 0) + 1);
  const legend = $("legend");
  legend.replaceChildren();
  const entries = colouring.names.map((label, v) => [v, label]);
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
    size.className = "value";
    size.textContent = sizes.get(v).toLocaleString("en");
    const text = document.createElement("span");
    text.textContent = label;
    item.append(swatch, text, size);
    item.addEventListener("click", () => {
      group = group === v ? null : v;
      $("group-size").textContent = group === null ? "" : `${name}: ${label}, ${sizes.get(v)} tokens outlined`;
      redraw();
    });
    legend.append(item);
  }
  $("group-size").textContent = "";
  link();
  redraw();
}

/** The map token written `query`: as the course writes it (`ring`, `##ing`), or as
 *  either model stores it (`Ġring`, a leading space for Ġ); else the first whose label
 *  starts with it; −1 when none. */
function find(query) {
  if (query === "") return -1;
  const stored = query.replace(/ /g, "Ġ");
  for (let i = 0; i < count; i++) {
    if (data.labels[i] === query || sides[0].texts[i] === stored || sides[1].texts[i] === stored) return i;
  }
  for (let i = 0; i < count; i++) if (data.labels[i].startsWith(query)) return i;
  return -1;
}

function setUp() {
  $("title").textContent = data.title;
  for (const side of sides) $(`model-${side.s}`).textContent = side.model;
  const chooser = $("colour-by");
  for (const name of Object.keys(colourings)) {
    const option = document.createElement("option");
    option.value = option.textContent = name;
    chooser.append(option);
  }
  chooser.addEventListener("change", () => colourBy(chooser.value));
  const tooltip = $("tooltip");
  for (const side of sides) {
    const { canvas } = side;
    let drag = null;
    const at = (e) => {
      const rect = canvas.getBoundingClientRect();
      return pointAt(side, (e.clientX - rect.left) * devicePixelRatio, (e.clientY - rect.top) * devicePixelRatio, 6 * devicePixelRatio);
    };
    canvas.addEventListener("mousemove", (e) => {
      if (drag) {
        side.view.x -= (e.clientX - drag.x) * devicePixelRatio / side.view.scale;
        side.view.y += (e.clientY - drag.y) * devicePixelRatio / side.view.scale;
        drag = { x: e.clientX, y: e.clientY, moved: true };
        return redraw();
      }
      const i = at(e);
      if (i !== hovered) {
        hovered = i;
        redraw();
      }
      tooltip.hidden = i < 0;
      if (i >= 0) {
        tooltip.textContent = `${data.labels[i]}  (${data.agreement[i]} of ${k} neighbours shared)`;
        tooltip.style.left = `${e.clientX + 12}px`;
        tooltip.style.top = `${e.clientY + 12}px`;
      }
    });
    canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, moved: false }; });
    canvas.addEventListener("mouseup", (e) => {
      const moved = drag && drag.moved;
      drag = null;
      if (moved) return;
      const i = at(e);
      if (i >= 0) select(i, false);
    });
    canvas.addEventListener("mouseleave", () => {
      drag = null;
      tooltip.hidden = true;
      hovered = -1;
      redraw();
    });
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const [x, y] = toData(side, (e.clientX - rect.left) * devicePixelRatio, (e.clientY - rect.top) * devicePixelRatio);
      const factor = Math.exp(-e.deltaY / 500);
      side.view.scale *= factor;
      side.view.x = x - (x - side.view.x) / factor;
      side.view.y = y - (y - side.view.y) / factor;
      redraw();
    }, { passive: false });
  }
  $("search").addEventListener("input", (e) => {
    const i = find(e.target.value);
    $("search-result").textContent = e.target.value === "" ? "" : i < 0 ? "not on these maps" : "found";
    if (i >= 0) select(i, true);
  });
  window.addEventListener("resize", () => {
    for (const side of sides) resize(side);
    redraw();
  });
}

/** With `&selftest` in the link: hover over the selected token in the left map as a
 *  reader would, and record in #status what both maps and both lists showed. */
function selfTest(status) {
  if (selected < 0) return;
  const left = sides[0];
  left.view.scale = 256 * left.fitScale;
  centreOn(left, left.xy[2 * selected], left.xy[2 * selected + 1]);
  const [px, py] = toPixel(left, selected);
  const rect = left.canvas.getBoundingClientRect();
  left.canvas.dispatchEvent(new MouseEvent("mousemove", {
    clientX: rect.left + px / devicePixelRatio, clientY: rect.top + py / devicePixelRatio, bubbles: true }));
  status.dataset.hover = $("tooltip").hidden ? "" : $("tooltip").textContent;
  status.dataset.hovered = hovered >= 0 ? data.labels[hovered] : "";
  for (const side of sides) status.dataset[`list${side.s}`] = $(`list-${side.s}`).children.length;
  status.dataset.both = [...$("list-0").children].filter((item) => item.dataset.both === "yes").length;
  const chooser = $("colour-by");
  const legendTotals = Object.keys(colourings).map((name) => {
    chooser.value = name;
    chooser.dispatchEvent(new Event("change", { bubbles: true }));
    return [...$("legend").children].reduce((sum, item) => sum + Number(item.dataset.size), 0);
  });
  status.dataset.legendTotals = legendTotals.join(" ");
  chooser.value = colourName = Object.keys(colourings)[0];
  chooser.dispatchEvent(new Event("change", { bubbles: true }));
}

const hash = new URLSearchParams(location.hash.slice(1));
setUp();
for (const side of sides) fit(side);
const colour = Object.hasOwn(colourings, hash.get("colour")) ? hash.get("colour") : "agreement";
$("colour-by").value = colour;
colourBy(colour);
const linked = hash.has("token") ? find(hash.get("token")) : -1;
select(linked, false); // the whole maps stay in view, the token marked on both
if (linked < 0 && hash.has("token")) {
  $("selected").textContent = `The link names a token that is not on these maps: ${hash.get("token")}`;
}
draw();
const status = $("status");
status.dataset.points = count;
status.dataset.selected = selected >= 0 ? data.labels[selected] : "";
status.dataset.readyMs = performance.now().toFixed(0);
const before = performance.now(); // one more frame of both maps, as a pan or zoom draws it
draw();
status.dataset.frameMs = (performance.now() - before).toFixed(1);
if (hash.has("selftest")) selfTest(status);
status.dataset.errors = window.pageErrors.join(" | ");
status.dataset.done = "yes";
