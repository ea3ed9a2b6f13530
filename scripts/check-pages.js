// Measures one built page of the book from inside it, in headless Chromium, once its
// fonts and images have loaded; scripts/check-pages.py injects it before </body> and
// reads what it finds from the page's DOM (--dump-dom). It reports:
// - wide: every element (or run of text) reaching past the content column (<main>),
//   every box whose content is wider than the box itself (it scrolls sideways: a reader
//   sees it cut at the edge), outermost first, and every numbered formula too wide to
//   sit beside its number (the two overlap);
// - figures: every image, inline SVG drawing and frame, whether it has a caption (a
//   <figure> with a <figcaption>, or the paragraph right after its block starting in
//   italics, the book's caption), and the link around it;
// - widgets: for every element holding a slider, each image it shows in each state its
//   sliders and radio buttons can take, with the image's data-map and data-labels.
(function () {
  "use strict";
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    const classes = [...el.classList].slice(0, 2);
    if (classes.length) name += "." + classes.join(".");
    const text = (el.getAttribute("alt") || el.innerText || el.getAttribute("src") || "").replace(/\s+/g, " ").trim();
    return text ? `${name} “${text.slice(0, 60)}”` : name;
  };
  const scrolls = (el) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
  const skipped = (el) => el.closest(".katex-mathml, script, style, template");

  function wide(main) {
    const column = main.getBoundingClientRect();
    const found = [];
    const reported = new Set();
    const under = (el) => { for (let a = el.parentElement; a && a !== main; a = a.parentElement) if (reported.has(a)) return true; return false; };
    const clipped = (el) => { for (let a = el.parentElement; a && a !== main; a = a.parentElement) if (scrolls(a)) return true; return false; };
    for (const el of main.querySelectorAll("*")) {
      if (skipped(el) || !el.getClientRects().length || under(el)) continue;
      const r = el.getBoundingClientRect();
      if (!clipped(el) && (r.right > column.right + 1 || r.left < column.left - 1)) {
        found.push({ element: describe(el), kind: "reaches past the column", left: Math.round(r.left - column.left), width: Math.round(r.width), column: Math.round(column.width) });
        reported.add(el);
      } else if (scrolls(el) && el.scrollWidth > el.clientWidth + 1) {
        found.push({ element: describe(el), kind: "scrolls sideways", width: el.scrollWidth, box: el.clientWidth, column: Math.round(column.width) });
        reported.add(el);
      }
    }
    // A numbered formula too wide for the column beside its number: KaTeX centres the
    // formula and pins the number to the right edge, so the two overlap instead.
    for (const display of main.querySelectorAll(".katex-display")) {
      const tag = display.querySelector(".tag");
      const bases = [...display.querySelectorAll(".katex-html > .base")];
      if (!tag || !bases.length || reported.has(display) || under(display)) continue;
      const right = Math.max(...bases.map((b) => b.getBoundingClientRect().right));
      const left = Math.min(...bases.map((b) => b.getBoundingClientRect().left));
      if (right > tag.getBoundingClientRect().left + 1) {
        found.push({ element: `formula ${tag.textContent.trim()}`, kind: "runs into its number", left: Math.round(left - column.left), width: Math.round(right - left), column: Math.round(column.width) });
        reported.add(display);
      }
    }
    // Text that runs past the column without an element of its own (a long word or URL).
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!node.textContent.trim() || skipped(parent) || reported.has(parent) || under(parent) || clipped(parent)) continue;
      range.selectNodeContents(node);
      const r = range.getBoundingClientRect();
      if (r.width && (r.right > column.right + 1 || r.left < column.left - 1)) {
        found.push({ element: describe(parent), kind: "has text reaching past the column", left: Math.round(r.left - column.left), width: Math.round(r.width), column: Math.round(column.width) });
        reported.add(parent);
      }
    }
    return { column: Math.round(column.width), found };
  }

  // The block of the page's flow a figure sits in: the child of <main> (or of a list item,
  // an exercise's answer, a widget's container) that holds it.
  function block(el, main) {
    let b = el;
    while (b.parentElement && b.parentElement !== main && !b.parentElement.matches("figure, td, th, li, details")) b = b.parentElement;
    if (b.parentElement && b.parentElement.matches("td, th")) return b.parentElement.closest("table");
    return b;
  }

  function caption(el, main) {
    const figure = el.closest("figure");
    if (figure) {
      const cap = figure.querySelector("figcaption");
      return cap && cap.textContent.trim() ? "figcaption" : null;
    }
    const b = block(el, main);
    if (b.tagName === "TABLE" && b.querySelector("caption") && b.querySelector("caption").textContent.trim()) return "table caption";
    let next = b.nextElementSibling;
    while (next && next.matches("script, style")) next = next.nextElementSibling;
    if (!next || next.tagName !== "P") return null;
    const first = [...next.childNodes].find((n) => n.nodeType !== Node.TEXT_NODE || n.textContent.trim());
    return first && first.nodeType === Node.ELEMENT_NODE && first.tagName === "EM" && first.textContent.trim() ? "italic paragraph" : null;
  }

  function figures(main) {
    const shown = [...main.querySelectorAll("img, svg, iframe, video, canvas, object")].filter((el) => {
      // Not shown (a zoomed copy waiting to be opened), or a glyph of maths, an icon.
      if (!el.getClientRects().length || skipped(el) || el.closest(".katex, button, pre, nav") || el.parentElement.closest("svg")) return false;
      const r = el.getBoundingClientRect();
      return !(el.tagName.toLowerCase() === "svg" && r.width < 40 && r.height < 40);
    });
    return shown.map((el) => ({
      element: describe(el),
      src: el.src || el.getAttribute("data") || "",
      link: el.closest("a[href]") ? el.closest("a[href]").href : null,
      caption: caption(el, main),
      widget: !!el.closest("[data-check-widget]"),
    }));
  }

  function widgets(main) {
    const found = [];
    const containers = new Set();
    for (const slider of main.querySelectorAll('input[type="range"]')) {
      let c = slider.parentElement;
      while (c && c !== main && !c.querySelector("img")) c = c.parentElement;
      if (c && c !== main) containers.add(c);
    }
    for (const c of containers) {
      c.setAttribute("data-check-widget", "");
      const sliders = [...c.querySelectorAll('input[type="range"]')];
      const groups = {};
      for (const r of c.querySelectorAll('input[type="radio"]')) (groups[r.name] = groups[r.name] || []).push(r);
      // Every combination of slider positions and radio choices.
      let states = [[]];
      for (const s of sliders) {
        const values = [];
        for (let v = Number(s.min || 0); v <= Number(s.max || 100); v += Number(s.step || 1)) values.push(() => { s.value = String(v); s.dispatchEvent(new Event("input", { bubbles: true })); });
        states = states.flatMap((st) => values.map((set) => st.concat([set])));
      }
      for (const radios of Object.values(groups)) {
        states = states.flatMap((st) => radios.map((r) => st.concat([() => { r.checked = true; r.dispatchEvent(new Event("change", { bubbles: true })); }])));
      }
      const images = new Map();
      for (const st of states.slice(0, 400)) {
        st.forEach((set) => set());
        for (const img of c.querySelectorAll("img")) {
          const key = img.id || describe(img);
          const entry = images.get(key) || { element: describe(img), map: img.dataset.map || null, labels: img.dataset.labels || (img.closest("[data-labels]") || {}).dataset?.labels || null, srcs: new Set() };
          entry.srcs.add(img.src);
          images.set(key, entry);
        }
      }
      found.push({ widget: describe(c), states: states.length, images: [...images.values()].map((e) => ({ ...e, srcs: [...e.srcs] })) });
    }
    return found;
  }

  async function run() {
    for (const img of document.images) img.loading = "eager";
    await document.fonts.ready;
    await Promise.all([...document.images].map((img) => (img.complete ? null : new Promise((done) => { img.onload = img.onerror = done; }))));
    await new Promise((done) => setTimeout(done, 200));
    const main = document.querySelector("main");
    const result = { viewport: window.innerWidth, sidebar: document.documentElement.classList.contains("sidebar-visible") || document.body.classList.contains("sidebar-visible") };
    if (!main) {
      result.error = "no <main> element";
    } else {
      Object.assign(result, wide(main));
      result.widgets = widgets(main);
      result.figures = figures(main);
    }
    const out = document.createElement("script");
    out.type = "application/json";
    out.id = "page-check-result";
    out.textContent = JSON.stringify(result).replace(/</g, "\\u003c");
    document.body.appendChild(out);
  }
  if (document.readyState === "complete") run();
  else window.addEventListener("load", run);
})();
