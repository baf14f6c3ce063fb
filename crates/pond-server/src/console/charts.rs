//! Charts for console pages, drawn by plotters as inline SVG. They carry
//! no caption: the page's heading, in the page's language, names them, and
//! their ticks are numbers and dates that read the same in both.

use maud::{Markup, PreEscaped, html};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The drawing size; the SVG scales to the page width through its viewBox.
pub const SIZE: (u32, u32) = (720, 300);
const SERIES: RGBColor = RGBColor(46, 125, 50);
const REFERENCE: RGBColor = RGBColor(198, 40, 40);

/// What drawing on the SVG backend can fail with.
pub type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// Draws `draw` on an SVG of `size` and wraps it for a page, with `label`
/// as its accessible name. A chart that fails to draw becomes a sentence,
/// never a broken page.
pub fn svg(
    size: (u32, u32),
    label: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Drawn,
) -> Markup {
    pond_app::plot::fonts_ready();
    let mut out = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&root).and_then(|()| root.present()).is_ok()
    };
    if !drawn {
        return html! { p.muted { "(chart unavailable)" } };
    }
    html! { figure.chart role="img" aria-label=(label) { (PreEscaped(out)) } }
}

/// A line over labelled points (one per period), with an optional dashed
/// reference level (K = 1).
pub fn line(points: &[(String, f64)], reference: Option<f64>, label: &str) -> Markup {
    if points.is_empty() {
        return html! {};
    }
    svg(SIZE, label, |root| {
        let n = points.len();
        let max = points
            .iter()
            .map(|(_, v)| *v)
            .chain(reference)
            .fold(0.0_f64, f64::max);
        let y_max = if max > 0.0 { max * 1.1 } else { 1.0 };
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..y_max)?;
        let label_of = |x: &f64| {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            points
                .get(i as usize)
                .map(|(l, _)| l.clone())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(8))
            .x_label_formatter(&label_of)
            .y_label_formatter(&|v| short(*v))
            .label_style(("sans-serif", 13))
            .draw()?;
        if let Some(r) = reference {
            chart.draw_series(LineSeries::new(
                [(-0.5, r), (n as f64 - 0.5, r)],
                REFERENCE.stroke_width(1),
            ))?;
        }
        let series = points.iter().enumerate().map(|(i, (_, v))| (i as f64, *v));
        chart.draw_series(LineSeries::new(series.clone(), SERIES.stroke_width(3)))?;
        chart.draw_series(series.map(|p| Circle::new(p, 3, SERIES.filled())))?;
        Ok(())
    })
}

/// A tick value: 0.85, 12, 3.4k.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A mean curve over days with its 5–95 % band shaded: a simulated
/// campaign's members by day.
pub fn band(points: &[pond_growth::simulate::CurvePoint], label: &str) -> Markup {
    if points.is_empty() {
        return html! {};
    }
    svg(SIZE, label, |root| {
        let x_max = points.iter().map(|p| p.day).fold(1.0_f64, f64::max);
        let y_max = points
            .iter()
            .map(|p| p.p95.max(p.mean))
            .fold(1.0_f64, f64::max)
            * 1.1;
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(52)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|d| format!("{d:.0}"))
            .y_label_formatter(&|v| short(*v))
            .label_style(("sans-serif", 13))
            .draw()?;
        let outline: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.day, p.p95))
            .chain(points.iter().rev().map(|p| (p.day, p.p05)))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            RGBColor(165, 214, 167).mix(0.6).filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            points.iter().map(|p| (p.day, p.mean)),
            SERIES.stroke_width(3),
        ))?;
        Ok(())
    })
}
