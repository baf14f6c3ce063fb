//! Charts of a simulation and of the shop's K, as SVG or PNG.
//!
//! One chart description per picture, drawn by plotters onto either its SVG
//! backend (for the console and documents: small, sharp at any size) or its
//! bitmap backend (for chat apps and spreadsheets, which show PNG but not
//! SVG). Text is rendered with an embedded font (Ubuntu Light, from
//! `epaint_default_fonts`), so a PNG has its labels on a server with no
//! fonts installed; should the font ever fail to load, the chart is drawn
//! without text rather than not at all.

use std::io::Cursor;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use pond_growth::{CurvePoint, SimulationResult};

/// Width of every chart, in pixels.
pub const WIDTH: u32 = 800;
/// Height of every chart, in pixels.
pub const HEIGHT: u32 = 480;

/// Most bars of a generations chart: beyond that a bar is under 6 pixels.
const MAX_BARS: usize = 120;

/// A shop-friendly green for the series, lighter for the band.
const SERIES: RGBColor = RGBColor(46, 125, 50);
const BAND: RGBColor = RGBColor(165, 214, 167);
const REFERENCE: RGBColor = RGBColor(198, 40, 40);

/// The image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `image/svg+xml`.
    Svg,
    /// `image/png`.
    Png,
}

impl Format {
    /// From a file extension or query value (`svg`, `png`), any case.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "svg" => Some(Self::Svg),
            "png" => Some(Self::Png),
            _ => None,
        }
    }

    /// The HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Svg => "image/svg+xml",
            Self::Png => "image/png",
        }
    }
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// There is nothing to draw (e.g. no K points yet).
    #[error("nothing to plot: {0}")]
    Empty(&'static str),
    /// The drawing backend failed.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("encoding the PNG failed: {0}")]
    Encode(String),
}

/// The expected growth curve: mean members by day, inside the band where
/// 90 % of runs ended (5th to 95th percentile).
///
/// # Errors
/// [`PlotError::Empty`] for a result without a curve; drawing or encoding
/// failures otherwise.
pub fn growth(result: &SimulationResult, format: Format) -> Result<Vec<u8>, PlotError> {
    if result.growth_curve.is_empty() {
        return Err(PlotError::Empty("the growth curve has no points"));
    }
    render(&Growth(&result.growth_curve), format, fonts_ready())
}

/// Mean members joining in each generation (the seeds are generation 0),
/// as bars. Trailing generations whose mean is under a thousandth of the
/// largest are left out, so a campaign that dies out in five cycles is not
/// drawn as five bars and four hundred empty slots.
///
/// # Errors
/// As [`growth`].
pub fn generations(result: &SimulationResult, format: Format) -> Result<Vec<u8>, PlotError> {
    if result.generation_sizes.is_empty() {
        return Err(PlotError::Empty("there are no generations"));
    }
    render(
        &Generations(&result.generation_sizes),
        format,
        fonts_ready(),
    )
}

/// K over time: one point per period (`label`, e.g. `2025-03`, and K), with
/// the line K = 1 above which referrals alone would keep the shop growing.
///
/// # Errors
/// [`PlotError::Empty`] without points; drawing or encoding failures
/// otherwise.
pub fn k_over_time(points: &[(String, f64)], format: Format) -> Result<Vec<u8>, PlotError> {
    if points.is_empty() {
        return Err(PlotError::Empty("there is no K to show yet"));
    }
    render(&KOverTime(points), format, fonts_ready())
}

/// Registers the embedded font once; false if it could not be parsed.
pub fn fonts_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        )
        .is_ok()
    })
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart that can be drawn on any plotters backend, with or without text.
trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, text: bool)
    -> DrawResult<DB>;
}

fn render(chart: &impl Chart, format: Format, text: bool) -> Result<Vec<u8>, PlotError> {
    let draw_err = |e: &dyn std::fmt::Display| PlotError::Draw(e.to_string());
    match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
                chart.draw(&root, text).map_err(|e| draw_err(&e))?;
                root.present().map_err(|e| draw_err(&e))?;
            }
            Ok(svg.into_bytes())
        }
        Format::Png => {
            let mut pixels = vec![0_u8; WIDTH as usize * HEIGHT as usize * 3];
            {
                let root =
                    BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
                chart.draw(&root, text).map_err(|e| draw_err(&e))?;
                root.present().map_err(|e| draw_err(&e))?;
            }
            let img = image::RgbImage::from_raw(WIDTH, HEIGHT, pixels)
                .ok_or_else(|| PlotError::Encode("buffer size mismatch".into()))?;
            let mut png = Vec::new();
            image::DynamicImage::ImageRgb8(img)
                .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
                .map_err(|e| PlotError::Encode(e.to_string()))?;
            Ok(png)
        }
    }
}

/// Counts as a shop owner reads them: 950, 12.5k, 3.2M.
fn short_count(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A positive upper bound for an axis (a flat zero series still gets one).
fn top(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.08
    } else {
        1.0
    }
}

/// Index of the last point worth drawing: the curve is cut a little after
/// it stops moving (mean within 0.1 % of the final mean and the same
/// band), since a campaign with K < 1 is over long before a 400-cycle
/// horizon.
fn settled(points: &[CurvePoint]) -> usize {
    let Some(last) = points.last() else { return 0 };
    let moving = |p: &CurvePoint| {
        (last.mean - p.mean).abs() > 1e-3 * last.mean.max(1.0)
            || p.p95 != last.p95
            || p.p05 != last.p05
    };
    let first_still = points.iter().rposition(moving).map_or(0, |i| i + 1);
    (first_still + (first_still / 4).max(2)).min(points.len() - 1)
}

struct Growth<'a>(&'a [CurvePoint]);

impl Chart for Growth<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        text: bool,
    ) -> DrawResult<DB> {
        let points = &self.0[..=settled(self.0)];
        let x_max = points.last().map_or(1.0, |p| p.day).max(1e-9);
        let y_max = top(points.iter().map(|p| p.p95.max(p.mean)).fold(0.0, f64::max));
        root.fill(&WHITE)?;
        let mut builder = ChartBuilder::on(root);
        builder
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64);
        if text {
            builder.caption("Expected members over time", ("sans-serif", 22));
        }
        let mut chart = builder.build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_label_formatter(&|v| short_count(*v))
            .x_label_formatter(&|v| short_count(*v));
        if text {
            mesh.x_desc("day").y_desc("members (cumulative)");
        } else {
            mesh.x_labels(0).y_labels(0);
        }
        mesh.draw()?;
        let band: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.day, p.p95))
            .chain(points.iter().rev().map(|p| (p.day, p.p05)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(band, BAND.mix(0.6).filled())))?
            .label("5–95 % of runs")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], BAND.filled()));
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.day, p.mean)),
                SERIES.stroke_width(3),
            ))?
            .label("mean")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], SERIES.stroke_width(3)));
        if text {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .draw()?;
        }
        Ok(())
    }
}

struct Generations<'a>(&'a [f64]);

impl Chart for Generations<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        text: bool,
    ) -> DrawResult<DB> {
        let peak = self.0.iter().copied().fold(0.0, f64::max);
        let shown = self
            .0
            .iter()
            .rposition(|&v| v >= peak * 1e-3 && v > 0.0)
            .map_or(1, |i| i + 1)
            .min(MAX_BARS);
        let sizes = &self.0[..shown];
        root.fill(&WHITE)?;
        let mut builder = ChartBuilder::on(root);
        builder
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64);
        if text {
            builder.caption("Members joining per generation (mean)", ("sans-serif", 22));
        }
        let mut chart = builder.build_cartesian_2d(-0.5..(shown as f64 - 0.5), 0.0..top(peak))?;
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .y_label_formatter(&|v| short_count(*v))
            .x_label_formatter(&|v| format!("{v:.0}"));
        if text {
            mesh.x_desc("generation (0 = seeds)").y_desc("members");
        } else {
            mesh.x_labels(0).y_labels(0);
        }
        mesh.draw()?;
        chart.draw_series(sizes.iter().enumerate().map(|(g, &v)| {
            let x = g as f64;
            Rectangle::new([(x - 0.38, 0.0), (x + 0.38, v)], SERIES.filled())
        }))?;
        Ok(())
    }
}

struct KOverTime<'a>(&'a [(String, f64)]);

impl Chart for KOverTime<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        text: bool,
    ) -> DrawResult<DB> {
        let n = self.0.len();
        let k_max = self.0.iter().map(|(_, k)| *k).fold(0.0, f64::max);
        let y_max = top(k_max.max(1.0));
        root.fill(&WHITE)?;
        let mut builder = ChartBuilder::on(root);
        builder
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(56);
        if text {
            builder.caption(
                "K over time: friends each member brings",
                ("sans-serif", 22),
            );
        }
        let x_range = -0.5..(n as f64 - 0.5);
        let mut chart = builder.build_cartesian_2d(x_range, 0.0..y_max)?;
        let labels = self.0;
        let label_of = |x: &f64| {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            labels
                .get(i as usize)
                .map(|(l, _)| l.clone())
                .unwrap_or_default()
        };
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .x_labels(n.min(12))
            .x_label_formatter(&label_of)
            .y_label_formatter(&|v| format!("{v:.2}"));
        if text {
            mesh.x_desc("members who joined in").y_desc("K");
        } else {
            mesh.x_labels(0).y_labels(0);
        }
        mesh.draw()?;
        chart
            .draw_series(LineSeries::new(
                [(-0.5, 1.0), (n as f64 - 0.5, 1.0)],
                REFERENCE.stroke_width(1),
            ))?
            .label("K = 1: referrals alone sustain growth")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], REFERENCE));
        let points = self.0.iter().enumerate().map(|(i, (_, k))| (i as f64, *k));
        chart
            .draw_series(LineSeries::new(points.clone(), SERIES.stroke_width(3)))?
            .label("K")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], SERIES.stroke_width(3)));
        chart.draw_series(points.map(|p| Circle::new(p, 4, SERIES.filled())))?;
        if text {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .draw()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn curve() -> Vec<CurvePoint> {
        (0..=10)
            .map(|g| {
                let mean = 10.0 * 2f64.powi(g);
                CurvePoint {
                    day: f64::from(g) * 7.0,
                    mean,
                    p05: mean * 0.5,
                    p95: mean * 1.6,
                }
            })
            .collect()
    }

    /// Without the font the picture is still drawn: bars and lines, no text.
    #[test]
    fn png_renders_without_text() {
        let sizes = [10.0, 8.0, 6.4, 5.1];
        for (chart, name) in [
            (
                render(&Generations(&sizes), Format::Png, false),
                "generations",
            ),
            (render(&Growth(&curve()), Format::Png, false), "growth"),
        ] {
            let png = chart.unwrap();
            let img = image::load_from_memory(&png).unwrap().to_rgb8();
            assert_eq!(img.dimensions(), (WIDTH, HEIGHT), "{name}");
            let green = img.pixels().filter(|p| p.0 == [46, 125, 50]).count();
            assert!(green > 500, "{name}: {green} series pixels");
        }
        let svg =
            String::from_utf8(render(&Growth(&curve()), Format::Svg, false).unwrap()).unwrap();
        assert!(!svg.contains("<text"), "no text without a font");
    }

    #[test]
    fn a_flat_tail_is_cut_and_counts_read_short() {
        let mut points = curve();
        let last = *points.last().unwrap();
        points.extend((11..=400).map(|g| CurvePoint {
            day: f64::from(g) * 7.0,
            ..last
        }));
        // Moving until index 9, still from 10 on: drawn to 10 + 2.
        assert_eq!(settled(&points), 12);
        assert_eq!(settled(&curve()), 10);
        assert_eq!(short_count(950.0), "950");
        assert_eq!(short_count(12_600.0), "13k");
        assert_eq!(short_count(3_200_000.0), "3.2M");
        assert_eq!(short_count(2.5), "2.5");
    }
}
