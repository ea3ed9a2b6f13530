//! Text on a figure: its sizes on the book's page (matplotlib's in proportion, never
//! below 12 px), titles wrapped between words, and the bundled DejaVu font.

use std::sync::OnceLock;

use anyhow::{Result, bail};
use plotters::prelude::*;

use crate::plot::spec::{Figure, RcParams};

pub(crate) const FONT: &str = "sans-serif";

/// The width, in CSS pixels, the book shows a figure at (mdbook's content column).
pub const PAGE_WIDTH: u32 = 750;

/// The text's least size on the book's page, in CSS pixels (the font's em): matplotlib's
/// 10 pt tick and axis labels and its 12 pt ("large") titles, in that proportion, with the
/// smallest at 12 px so that a student reads them at the page's width. A figure narrow
/// enough for matplotlib's own text to come out larger on the page gets matplotlib's.
pub(crate) const TICK_PX: f64 = 12.0;
pub(crate) const AXIS_LABEL_PX: f64 = 12.0;
pub(crate) const TITLE_PX: f64 = 14.4;

/// The most numbered ticks on an axis: matplotlib's 9 intervals.
const MAX_TICKS: usize = 10;

/// Page pixels left of a panel for its y tick labels ("-0.005") and the axis label.
pub(crate) const Y_LABEL_AREA: u32 = 66;

/// plotters writes a font of size `s` as CSS `font-size: s / 1.24` (its SVG backend) and
/// lays text out at the same em, so sizes given to it are this much larger than the em.
pub(crate) const PLOTTERS_FONT: f64 = 1.24;

/// matplotlib's 10 pt labels in CSS pixels on the page, for a figure `width` pixels wide
/// at the notebooks' 100 pixels an inch: its SVG is `0.96 × width` CSS pixels wide (72 pt
/// an inch), shown at most at the column's width.
fn matplotlib_label_px(width: u32) -> f64 {
    let css_width = 0.96 * width as f64;
    10.0 * 4.0 / 3.0 * (PAGE_WIDTH as f64 / css_width).min(1.0)
}

/// Text and spacing sizes for one figure. A figure wider than the book's column is shown
/// scaled down to it, so its text and spacing are drawn larger by the same factor: every
/// figure's text lands on the page at the sizes above, or matplotlib's where larger.
#[derive(Clone, Copy)]
pub(crate) struct Sizes {
    /// Figure pixels a page pixel.
    scale: f64,
    /// How much larger than the least sizes the text is (matplotlib's on a narrow figure).
    text: f64,
}

impl Sizes {
    pub(crate) fn of(figure: &Figure) -> Self {
        Sizes {
            scale: (figure.width as f64 / PAGE_WIDTH as f64).max(1.0),
            text: (matplotlib_label_px(figure.width) / TICK_PX).max(1.0),
        }
    }

    /// `n` page pixels in figure pixels.
    pub(crate) fn px(self, n: u32) -> u32 {
        (n as f64 * self.scale).round() as u32
    }

    /// The plotters font size for text of least size `page_px` CSS pixels on the page.
    pub(crate) fn font_size(self, page_px: f64) -> f64 {
        page_px * self.text * self.scale * PLOTTERS_FONT
    }

    /// At most how many numbered ticks fit a plotting area of `(width, height)` figure
    /// pixels with room between their labels: 4 em apart across ("10000" is 3), 2 em up;
    /// at least 2, at most [`MAX_TICKS`]. (matplotlib's locator likewise spaces ticks by
    /// the labels' size, 3 and 2 font sizes, in at most 9 intervals.)
    pub(crate) fn tick_counts(self, (width, height): (u32, u32)) -> (usize, usize) {
        let em = TICK_PX * self.text * self.scale;
        let fit = |pixels: u32, spacing: f64| {
            ((pixels as f64 / (spacing * em)) as usize).clamp(2, MAX_TICKS)
        };
        (fit(width, 4.0), fit(height, 2.0))
    }

    /// Tick labels and text in panels.
    pub(crate) fn label_font<'a>(self) -> TextStyle<'a> {
        (FONT, self.font_size(TICK_PX)).into_font().into()
    }

    pub(crate) fn axis_font<'a>(self, rc: RcParams) -> TextStyle<'a> {
        (FONT, self.font_size(AXIS_LABEL_PX), weight(rc))
            .into_font()
            .into()
    }

    pub(crate) fn title_font<'a>(self, rc: RcParams) -> TextStyle<'a> {
        (FONT, self.font_size(TITLE_PX), weight(rc))
            .into_font()
            .into()
    }

    /// A title's lines in a panel `width` figure pixels wide: one line when it fits at
    /// about 0.6 em a character (0.66 in bold), otherwise wrapped between words, so that
    /// it never runs into the next panel nor shrinks below the page's title size.
    pub(crate) fn title_lines(self, title: &str, width: u32, rc: RcParams) -> Vec<String> {
        let em_per_char = match rc {
            RcParams::Matplotlib => 0.6,
            RcParams::OpenBold => 0.66,
        };
        let em = TITLE_PX * self.text * self.scale;
        wrap(title, (width as f64 / (em_per_char * em)) as usize)
    }
}

/// `text` in lines of at most `chars` characters, broken between words (a longer word
/// stays whole on its own line).
fn wrap(text: &str, chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= chars => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

pub(crate) fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../../../assets/fonts/DejaVuSans.ttf"),
        )
        .is_ok()
            && plotters::style::register_font(
                FONT,
                FontStyle::Bold,
                include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf"),
            )
            .is_ok()
    });
    if ok {
        Ok(())
    } else {
        bail!("the bundled font could not be loaded")
    }
}

pub(crate) fn weight(rc: RcParams) -> FontStyle {
    match rc {
        RcParams::Matplotlib => FontStyle::Normal,
        RcParams::OpenBold => FontStyle::Bold,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_wrap_between_words_and_short_ones_stay_on_one_line() {
        assert_eq!(
            wrap("A) Cossim matrix for BERT [stand-in]", 26),
            ["A) Cossim matrix for BERT", "[stand-in]"]
        );
        assert_eq!(wrap("Token 42", 26), ["Token 42"]);
        assert!(wrap("", 26).is_empty());
        // a three-panel figure 1500 px wide shows 250-px panels: 26 bold characters at 14.4 px
        let sizes = Sizes {
            scale: 2.0,
            text: 1.0,
        };
        let lines = sizes.title_lines(
            "B) Cossim matrix for GPT-2 [stand-in]",
            500,
            RcParams::OpenBold,
        );
        assert_eq!(lines, ["B) Cossim matrix for GPT-2", "[stand-in]"]);
        assert_eq!(sizes.font_size(TICK_PX), 12.0 * 2.0 * PLOTTERS_FONT);
        // matplotlib's own 10 pt: 13.3 px on the page for a 6.4-inch figure, 8.7 px for a
        // 12-inch one (which the lessons draw at 12 px)
        assert!((matplotlib_label_px(640) - 13.33).abs() < 0.01);
        assert!((matplotlib_label_px(1200) - 8.68).abs() < 0.01);
        assert_eq!(Sizes::of(&Figure::grid(1200, 400, 1, 1, vec![])).text, 1.0);
    }
}
