//! Drawing a [`Figure`] with plotters, to SVG and PNG: text sizes and the bundled font
//! ([`text`]), axes, ticks and labels ([`axes`]), lines, markers and bars ([`series`]),
//! the legend's place ([`legend`]);
//! images are drawn by `plot::image`.

mod axes;
mod legend;
mod series;
mod text;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::image::draw_image;
use super::spec::{Figure, Panel};
use series::draw_xy;
use text::register_font;

pub(crate) use axes::{build_chart, categorical_labels, frame, short_number};
pub(crate) use text::{FONT, Sizes, TICK_PX};

/// Writes `dir/stem.svg` and `dir/stem.png`; returns both paths. Every text is drawn as
/// [`crate::text::figure`] gives it, so the SVG is well-formed XML whatever a token holds.
pub fn save(mut figure: Figure, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    figure.map_texts(|text| crate::text::figure(text).into_owned());
    let figure = &figure;
    register_font()?;
    let svg = dir.join(format!("{stem}.svg"));
    let png = dir.join(format!("{stem}.png"));
    let text = draw_svg(figure).with_context(|| format!("cannot draw {}", svg.display()))?;
    std::fs::write(&svg, text).map_err(|e| anyhow!("cannot write {}: {e}", svg.display()))?;
    {
        let area = BitMapBackend::new(&png, (figure.width, figure.height)).into_drawing_area();
        draw_figure(figure, &area).with_context(|| format!("cannot draw {}", png.display()))?;
        area.present()
            .map_err(|e| anyhow!("cannot write {}: {e}", png.display()))?;
    }
    Ok(vec![svg, png])
}

/// The SVG [`save`] writes for `figure`, as text.
pub fn svg(mut figure: Figure) -> Result<String> {
    figure.map_texts(|text| crate::text::figure(text).into_owned());
    register_font()?;
    draw_svg(&figure)
}

fn draw_svg(figure: &Figure) -> Result<String> {
    let mut text = String::new();
    {
        let area =
            SVGBackend::with_string(&mut text, (figure.width, figure.height)).into_drawing_area();
        draw_figure(figure, &area)?;
        area.present().map_err(err)?;
    }
    Ok(text)
}

pub(crate) type Area<DB> = DrawingArea<DB, Shift>;
pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub(crate) fn err(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow!("plotting failed: {e:?}")
}

pub(crate) fn draw_figure<DB: DrawingBackend>(figure: &Figure, area: &Area<DB>) -> Result<()> {
    area.fill(&WHITE).map_err(err)?;
    let sizes = Sizes::of(figure);
    let cell_w = figure.width as f64 / figure.cols as f64;
    let cell_h = figure.height as f64 / figure.rows as f64;
    for placed in &figure.panels {
        let x = (placed.col as f64 * cell_w).round() as u32;
        let y = (placed.row as f64 * cell_h).round() as u32;
        let w = (placed.col_span as f64 * cell_w).round() as u32;
        let h = (placed.row_span as f64 * cell_h).round() as u32;
        let cell = area.clone().shrink((x, y), (w, h));
        match &placed.panel {
            Panel::Xy(panel) => draw_xy(panel, &cell, sizes)?,
            Panel::Image(panel) => draw_image(panel, &cell, sizes)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{Axes, C0, Colormap, ImagePanel, Series, XyPanel};
    use crate::tensor::Matrix;

    #[test]
    fn figures_are_written_as_svg_and_png() {
        let dir = tempfile::tempdir().unwrap();
        let xy = XyPanel {
            axes: Axes {
                title: "t".into(),
                ..Axes::default()
            },
            series: vec![Series::line(
                Some("a".to_string()),
                vec![(0.0, 0.0), (1.0, 1.0)],
                C0,
                1,
            )],
            legend: true,
        };
        let matrix = Matrix::new(2, 2, vec![0.0, 1.0, 2.0, 3.0]).unwrap();
        let image = ImagePanel {
            axes: Axes::default(),
            matrix: &matrix,
            transposed: true,
            vmin: 0.0,
            vmax: 3.0,
            colormap: Colormap::Viridis,
            colorbar: true,
            origin_lower: false,
            cell_values: true,
            equal_aspect: true,
        };
        let figure = Figure::grid(400, 200, 1, 2, vec![Panel::Xy(xy), Panel::Image(image)]);
        let files = save(figure, dir.path(), "f").unwrap();
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("<image"),
            "SVG with the embedded image"
        );
        let png = std::fs::read(&files[1]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn a_dense_marker_series_is_one_image_keyed_by_one_marker() {
        // 6,000 labelled circles: above the raster threshold, so the SVG holds one
        // embedded image and the legend key's circle pair, not 12,000 circles
        let points = (0..6_000).map(|i| (i as f64, (i % 7) as f64)).collect();
        let panel = XyPanel {
            axes: Axes::default(),
            series: vec![Series {
                label: Some("dots".to_string()),
                ..Series::markers(
                    points,
                    crate::plot::Marker::Circle,
                    2,
                    crate::plot::Rgba(0.1, 0.4, 0.7, 1.0),
                )
            }],
            legend: true,
        };
        let dir = tempfile::tempdir().unwrap();
        let files = save(Figure::single(600, 300, Panel::Xy(panel)), dir.path(), "f").unwrap();
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert_eq!(svg.matches("<image").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.len() < 200_000, "{} bytes", svg.len());
    }

    #[test]
    fn a_rasterised_panel_has_the_pixels_of_its_vector_drawing() {
        // Three points drawn 5,001 times over (one embedded image) and once each (vectors),
        // on a grid. Overdrawing darkens the markers' antialiased rims, a few pixels each;
        // a raster mapped a pixel off, or hiding the grid, would change hundreds.
        let three = [(0.0, 0.0), (1.0, 2.0), (2.5, 1.0)];
        let figure = |count: usize| {
            let points = three.iter().copied().cycle().take(count).collect();
            let panel = XyPanel {
                axes: Axes {
                    grid: true,
                    ..Axes::default()
                },
                series: vec![Series::markers(
                    points,
                    crate::plot::Marker::Circle,
                    3,
                    crate::plot::Rgba(0.1, 0.4, 0.7, 1.0),
                )],
                legend: false,
            };
            Figure::single(400, 300, Panel::Xy(panel))
        };
        let pixels = |count: usize| {
            register_font().unwrap();
            let mut buffer = vec![0u8; 400 * 300 * 3];
            {
                let area = BitMapBackend::with_buffer(&mut buffer, (400, 300)).into_drawing_area();
                draw_figure(&figure(count), &area).unwrap();
                area.present().unwrap();
            }
            buffer
        };
        assert!(svg(figure(5_001)).unwrap().contains("<image"));
        assert!(!svg(figure(3)).unwrap().contains("<image"));
        let (dense, sparse) = (pixels(5_001), pixels(3));
        let differing = dense
            .chunks(3)
            .zip(sparse.chunks(3))
            .filter(|(a, b)| a != b)
            .count();
        assert!(differing <= 3 * 16, "{differing} pixels differ");
    }

    #[test]
    fn a_labelled_marker_series_is_keyed_by_its_marker() {
        // Three points as circles, labelled: the legend names them and draws a fourth
        // circle, its key (a line key would add a path and no circle).
        let dots = |label: Option<&str>| Series {
            label: label.map(String::from),
            ..Series::markers(
                vec![(0.0, 0.0), (1.0, 1.0), (2.0, 0.5)],
                crate::plot::Marker::Circle,
                3,
                crate::plot::Rgba(0.1, 0.4, 0.7, 1.0),
            )
        };
        let svg = |label| {
            let dir = tempfile::tempdir().unwrap();
            let panel = XyPanel {
                axes: Axes::default(),
                series: vec![dots(label)],
                legend: true,
            };
            let files = save(Figure::single(400, 300, Panel::Xy(panel)), dir.path(), "f").unwrap();
            std::fs::read_to_string(&files[0]).unwrap()
        };
        let circles = |svg: &str| svg.matches("<circle").count();
        let (unlabelled, labelled) = (svg(None), svg(Some("dots")));
        assert!(labelled.contains("\ndots\n"), "the label is written");
        // each marker is a filled circle and its outline: the key adds one such pair
        assert_eq!(circles(&labelled), circles(&unlabelled) + 2);
    }
}
