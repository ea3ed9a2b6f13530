// Shared by the map's and the comparison's pages: written into each as a script of its
// own, ahead of the page's, which uses `shown`.
"use strict";
// A token's bidirectional controls and control characters would reorder or hide the page's
// text around it: each is shown as its code point instead, ⟨U+202E⟩ (the data file keeps them).
const shown = (text) => text.replace(
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
  (c) => `⟨U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}⟩`);
