//! Image panels (`imshow`): a matrix as coloured cells, with its colour bar.

use std::ops::Range;

use anyhow::{Result, anyhow, bail};
use plotters::element::BitMapElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::render::{
    Area, FONT, Sizes, TICK_PX, build_chart, categorical_labels, err, frame, short_number,
};
use super::spec::ImagePanel;

impl ImagePanel<'_> {
    /// Rows and columns as displayed.
    fn shape(&self) -> (usize, usize) {
        let (r, c) = (self.matrix.rows(), self.matrix.cols());
        if self.transposed { (c, r) } else { (r, c) }
    }

    fn value(&self, row: usize, col: usize) -> f32 {
        if self.transposed {
            self.matrix.row(col)[row]
        } else {
            self.matrix.row(row)[col]
        }
    }
}

/// The cells each of `pixels` pixels shows along an axis of `cells` cells: the nearest
/// one when the image is enlarged, every cell the pixel covers when it is shrunk.
fn cells_per_pixel(cells: usize, pixels: u32) -> Vec<Range<usize>> {
    (0..pixels as usize)
        .map(|p| {
            let at = |p: usize| p * cells / pixels as usize;
            if cells > pixels as usize {
                at(p)..at(p + 1).max(at(p) + 1)
            } else {
                let nearest =
                    (((p as f64 + 0.5) / pixels as f64 * cells as f64) as usize).min(cells - 1);
                nearest..nearest + 1
            }
        })
        .collect()
}

/// RGB pixels of the displayed matrix scaled to `w × h` as imshow draws it: an enlarged
/// image shows each cell as a block, a shrunk one the mean of the cells a pixel covers
/// (matplotlib's default antialiasing on the data, so that a 50,000-token matrix in a few
/// hundred pixels shows its structure instead of one token in a hundred).
fn raster(panel: &ImagePanel, w: u32, h: u32) -> Vec<u8> {
    let (rows, cols) = panel.shape();
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    let span = panel.vmax - panel.vmin;
    let columns = cells_per_pixel(cols, w);
    for mut displayed in cells_per_pixel(rows, h) {
        if panel.origin_lower {
            displayed = rows - displayed.end..rows - displayed.start;
        }
        for columns in &columns {
            let mut sum = 0.0;
            for row in displayed.clone() {
                for col in columns.clone() {
                    sum += panel.value(row, col) as f64;
                }
            }
            let mean = sum / (displayed.len() * columns.len()) as f64;
            pixels.extend(panel.colormap.color((mean - panel.vmin) / span));
        }
    }
    pixels
}

pub(super) fn draw_image<DB: DrawingBackend>(
    panel: &ImagePanel,
    area: &Area<DB>,
    sizes: Sizes,
) -> Result<()> {
    if panel.matrix.rows() == 0 || panel.matrix.cols() == 0 {
        bail!("cannot draw an empty matrix");
    }
    let bar_width = if panel.colorbar { sizes.px(64) } else { 0 };
    let split = |area: &Area<DB>| {
        let (w, _) = area.dim_in_pixel();
        let (main, bar) = area.split_horizontally(w.saturating_sub(bar_width));
        if panel.colorbar {
            (main, bar)
        } else {
            (area.clone(), bar)
        }
    };
    let (rows, cols) = panel.shape();
    let (rows, cols) = (rows as f64, cols as f64);
    // Cell i spans i-0.5..i+0.5, as imshow places it, so integer ticks sit on cell centres.
    let y = if panel.origin_lower {
        -0.5..rows - 0.5
    } else {
        rows - 0.5..-0.5
    };
    let x = -0.5..cols - 0.5;
    let area = if panel.equal_aspect {
        square_cells(area, &split(area).0, panel, (x.clone(), y.clone()), sizes)?
    } else {
        area.clone()
    };
    let (main, bar) = split(&area);
    let mut chart = build_chart(&main, &panel.axes, x, y, sizes)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (w, h) = (
        (px.end - px.start).max(1) as u32,
        (py.end - py.start).max(1) as u32,
    );
    blit(&main, (px.start, py.start), (w, h), raster(panel, w, h))?;
    categorical_labels(&chart, &main, &panel.axes, sizes)?;
    frame(&chart, &main, &panel.axes)?;
    if panel.cell_values {
        let (rows, cols) = panel.shape();
        let centred = Pos::new(HPos::Center, VPos::Center);
        let mut labels = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let v = panel.value(r, c) as f64;
                // dark text on the bright end of the colour map, light text on the dark end
                let bright = (v - panel.vmin) / (panel.vmax - panel.vmin) > 0.6;
                let color = if bright { BLACK } else { WHITE };
                let style = (FONT, sizes.font_size(TICK_PX))
                    .into_font()
                    .color(&color)
                    .pos(centred);
                labels.push(Text::new(format!("{v:.2}"), (c as f64, r as f64), style));
            }
        }
        chart.draw_series(labels).map_err(err)?;
    }
    if panel.colorbar {
        draw_colorbar(panel, &bar, py, sizes)?;
    }
    Ok(())
}

/// The part of `area`, centred, in which the image's cells come out square (imshow's
/// default `aspect='equal'`): the axes are laid out once on a scratch bitmap of `main`'s
/// size to find the plotting area, which then loses its excess width or height.
fn square_cells<DB: DrawingBackend>(
    area: &Area<DB>,
    main: &Area<DB>,
    panel: &ImagePanel,
    (x, y): (Range<f64>, Range<f64>),
    sizes: Sizes,
) -> Result<Area<DB>> {
    let (w, h) = main.dim_in_pixel();
    let mut scratch = vec![0u8; (w * h * 3) as usize];
    let (pw, ph) = {
        let probe = BitMapBackend::with_buffer(&mut scratch, (w, h)).into_drawing_area();
        let chart = build_chart(&probe, &panel.axes, x.clone(), y.clone(), sizes)?;
        let (px, py) = chart.plotting_area().get_pixel_range();
        (
            (px.end - px.start).max(1) as f64,
            (py.end - py.start).max(1) as f64,
        )
    };
    let cols = (x.end - x.start).abs();
    let rows = (y.end - y.start).abs();
    let (aw, ah) = area.dim_in_pixel();
    let (dx, dy) = if pw / ph > cols / rows {
        ((pw - ph * cols / rows).round() as u32, 0)
    } else {
        (0, (ph - pw * rows / cols).round() as u32)
    };
    Ok(area.clone().shrink(
        (dx / 2, dy / 2),
        (aw.saturating_sub(dx), ah.saturating_sub(dy)),
    ))
}

fn draw_colorbar<DB: DrawingBackend>(
    panel: &ImagePanel,
    area: &Area<DB>,
    plot_rows: Range<i32>,
    sizes: Sizes,
) -> Result<()> {
    let (_, area_rows) = area.get_pixel_range();
    let top = (plot_rows.start - area_rows.start).max(0) as u32;
    let height = (plot_rows.end - plot_rows.start).max(1) as u32;
    let strip = area
        .clone()
        .shrink((4, top), (area.dim_in_pixel().0.saturating_sub(4), height));
    // Widened by a hair so that an end on a tick (-0.15 of ±0.15) keeps its label: the
    // tick finder divides the end by the step, and -0.15 / 0.05 rounds to -2.9999…
    let hair = (panel.vmax - panel.vmin) * 1e-9;
    let mut chart = ChartBuilder::on(&strip)
        .margin(0)
        .y_label_area_size(0)
        .right_y_label_area_size(sizes.px(46))
        .build_cartesian_2d(0.0..1.0, panel.vmin - hair..panel.vmax + hair)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .label_style(sizes.label_font())
        // matplotlib's outward ticks, their labels clear of the bar (plotters' default
        // tick, 5% of a plotting area this narrow, rounds to none, and its labels touched
        // the bar)
        .set_all_tick_mark_size(sizes.px(4))
        .y_labels(sizes.tick_counts(strip.dim_in_pixel()).1)
        .y_label_formatter(&|v| short_number(*v))
        .draw()
        .map_err(err)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (w, h) = (
        (px.end - px.start).max(1) as u32,
        (py.end - py.start).max(1) as u32,
    );
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    for row in 0..h {
        let color = panel.colormap.color(1.0 - (row as f64 + 0.5) / h as f64);
        for _ in 0..w {
            pixels.extend(color);
        }
    }
    blit(&strip, (px.start, py.start), (w, h), pixels)
}

/// Draws RGB `pixels` (`size`) with their top-left corner at backend pixel `at` (plotters
/// places elements relative to the area, so the area's own offset is taken off); an SVG
/// embeds them as one PNG image.
pub(super) fn blit<DB: DrawingBackend>(
    area: &Area<DB>,
    at: (i32, i32),
    size: (u32, u32),
    pixels: Vec<u8>,
) -> Result<()> {
    let (xs, ys) = area.get_pixel_range();
    let image = BitMapElement::with_owned_buffer((at.0 - xs.start, at.1 - ys.start), size, pixels)
        .ok_or_else(|| anyhow!("image buffer has the wrong size"))?;
    area.draw(&image).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{Axes, Colormap};
    use crate::tensor::Matrix;

    #[test]
    fn a_shrunk_image_shows_the_mean_of_its_cells_and_an_enlarged_one_each_cell() {
        assert_eq!(cells_per_pixel(6, 3), [0..2, 2..4, 4..6]);
        assert_eq!(cells_per_pixel(2, 4), [0..1, 0..1, 1..2, 1..2]);
        // one row of four cells, 0 1 0 1, in two pixels: both the mean 0.5
        let matrix = Matrix::new(1, 4, vec![0.0, 1.0, 0.0, 1.0]).unwrap();
        let panel = ImagePanel::new(Axes::default(), &matrix, (0.0, 1.0), Colormap::Viridis);
        let middle = Colormap::Viridis.color(0.5);
        assert_eq!(raster(&panel, 2, 1), [middle, middle].concat());
        // in four pixels, each cell as it is
        let (low, high) = (Colormap::Viridis.color(0.0), Colormap::Viridis.color(1.0));
        assert_eq!(raster(&panel, 4, 1), [low, high, low, high].concat());
    }
}
