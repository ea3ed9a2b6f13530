//! Colours: matplotlib's default cycle and colour maps, so figures look like the
//! notebooks'. Lessons name colours with these types; only the renderer knows plotters.

use crate::pair::Pair;

/// An opaque colour, 8 bits per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8);

impl Color {
    pub(crate) fn rgb(self) -> plotters::style::RGBColor {
        plotters::style::RGBColor(self.0, self.1, self.2)
    }
}

pub const BLACK: Color = Color(0, 0, 0);
pub const WHITE: Color = Color(255, 255, 255);
pub const BLUE: Color = Color(0, 0, 255);

/// matplotlib's default colour cycle, so figures look like the notebooks'.
pub const C0: Color = Color(0x1f, 0x77, 0xb4);
pub const C1: Color = Color(0xff, 0x7f, 0x0e);
pub const C2: Color = Color(0x2c, 0xa0, 0x2c);
pub const C3: Color = Color(0xd6, 0x27, 0x28);
pub const C4: Color = Color(0x94, 0x67, 0xbd);
pub const CYCLE: [Color; 10] = [
    C0,
    C1,
    C2,
    C3,
    C4,
    Color(0x8c, 0x56, 0x4b),
    Color(0xe3, 0x77, 0xc2),
    Color(0x7f, 0x7f, 0x7f),
    Color(0xbc, 0xbd, 0x22),
    Color(0x17, 0xbe, 0xcf),
];
pub const GRAY: Color = Color(0xb3, 0xb3, 0xb3);

/// One colour per model family in every lesson's figures: BERT in the cycle's first colour
/// (blue), GPT in its second (orange), as the first notebook draws them. A notebook that
/// draws GPT first (lesson 2's) would give GPT the blue; the lessons keep each model's
/// colour instead, so a curve's colour names its model in every chapter.
pub const MODEL_COLOURS: Pair<Color> = Pair::new(C0, C1);

/// Colours told apart at a glance, for figures with more groups than matplotlib's cycle
/// of 10: Kelly's (1965) colours of maximum contrast, without white, black and grey (grey
/// is for "none"), the most distinct first.
pub const DISTINCT: [Color; 19] = [
    Color(0x00, 0x67, 0xa5),
    Color(0xbe, 0x00, 0x32),
    Color(0x00, 0x88, 0x56),
    Color(0xf3, 0x84, 0x00),
    Color(0x87, 0x56, 0x92),
    Color(0xf3, 0xc3, 0x00),
    Color(0xa1, 0xca, 0xf1),
    Color(0x88, 0x2d, 0x17),
    Color(0xe6, 0x8f, 0xac),
    Color(0x8d, 0xb6, 0x00),
    Color(0x60, 0x4e, 0x97),
    Color(0xf9, 0x93, 0x79),
    Color(0x2b, 0x3d, 0x26),
    Color(0xb3, 0x44, 0x6c),
    Color(0xdc, 0xd3, 0x00),
    Color(0x65, 0x45, 0x22),
    Color(0xe2, 0x58, 0x22),
    Color(0xc2, 0xb2, 0x80),
    Color(0xf6, 0xa6, 0x00),
];

/// A colour with opacity, for marker faces like matplotlib's `[.7, .9, .7, .5]`.
#[derive(Clone, Copy, Debug)]
pub struct Rgba(pub f64, pub f64, pub f64, pub f64);

impl Rgba {
    pub(crate) fn style(self) -> plotters::style::RGBAColor {
        let c = |v: f64| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        plotters::style::RGBAColor(c(self.0), c(self.1), c(self.2), self.3)
    }
}

/// Perceptually uniform colour maps, sampled from matplotlib's tables at 17 points
/// (every 1/16) and interpolated linearly between them.
#[derive(Clone, Copy, Debug)]
pub enum Colormap {
    Viridis,
    Plasma,
}

const VIRIDIS: [(u8, u8, u8); 17] = [
    (68, 1, 84),
    (72, 24, 106),
    (71, 45, 123),
    (66, 64, 134),
    (59, 82, 139),
    (51, 99, 141),
    (44, 114, 142),
    (38, 130, 142),
    (33, 145, 140),
    (31, 160, 136),
    (40, 174, 128),
    (63, 188, 115),
    (94, 201, 98),
    (132, 212, 75),
    (173, 220, 48),
    (216, 226, 25),
    (253, 231, 37),
];
const PLASMA: [(u8, u8, u8); 17] = [
    (13, 8, 135),
    (49, 5, 151),
    (76, 2, 161),
    (102, 0, 167),
    (126, 3, 168),
    (149, 17, 161),
    (170, 35, 149),
    (188, 53, 135),
    (204, 71, 120),
    (218, 90, 106),
    (230, 108, 92),
    (240, 128, 78),
    (248, 149, 64),
    (253, 172, 51),
    (253, 197, 39),
    (248, 223, 37),
    (240, 249, 33),
];

impl Colormap {
    /// Colour of `t` in [0, 1] (clamped, as imshow clips to vmin/vmax).
    pub fn color(self, t: f64) -> [u8; 3] {
        let table = match self {
            Colormap::Viridis => &VIRIDIS,
            Colormap::Plasma => &PLASMA,
        };
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) } * 16.0;
        let i = (t.floor() as usize).min(15);
        let f = t - i as f64;
        let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
        let (a, b) = (table[i], table[i + 1]);
        [mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormap_ends_match_matplotlib() {
        assert_eq!(Colormap::Viridis.color(0.0), [68, 1, 84]);
        assert_eq!(Colormap::Viridis.color(1.0), [253, 231, 37]);
        assert_eq!(Colormap::Plasma.color(0.5), [204, 71, 120]);
        // clipped like imshow outside vmin..vmax
        assert_eq!(Colormap::Viridis.color(-3.0), Colormap::Viridis.color(0.0));
    }
}
