//! Any text in every place a figure draws text (title, labels, ticks, legend, marks): the
//! SVG drawn must be well-formed XML whose text holds no unprintable character. The
//! input is split into texts at 0xFF bytes (never part of UTF-8), each read as UTF-8
//! with invalid bytes replaced.
#![no_main]

use common::plot::{Figure, svg};
use common::text::is_unprintable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let texts: Vec<String> = bytes
        .split(|&b| b == 0xFF)
        .map(|text| String::from_utf8_lossy(text).into_owned())
        .collect();
    let drawn = svg(Figure::text_specimen(&texts)).expect("a figure of any text is drawn");
    let document = roxmltree::Document::parse(&drawn)
        .unwrap_or_else(|e| panic!("not well-formed XML ({e}): {texts:?}"));
    for node in document.descendants().filter(|n| n.is_text()) {
        let text = node.text().unwrap_or_default();
        assert!(
            !text.chars().any(|c| c != '\n' && is_unprintable(c)),
            "{text:?}"
        );
    }
});
