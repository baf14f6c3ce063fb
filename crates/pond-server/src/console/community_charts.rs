//! The community pages' charts, drawn by plotters as inline SVG through
//! [`charts::svg`]: a group's day-by-day activity heatmap, the groups'
//! Kaplan–Meier survival curve and the community funnel's bars.
//!
//! Text inside the drawings is numbers, dates and the few words the page
//! passes in; headings and explanations stay in the page's HTML, in its
//! language.

use super::charts::{self, Drawn};
use jiff::civil::Date;
use maud::Markup;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// GitHub's contribution greens: none, then four levels.
const LEVELS: [RGBColor; 5] = [
    RGBColor(235, 237, 240),
    RGBColor(198, 228, 139),
    RGBColor(123, 201, 111),
    RGBColor(35, 154, 59),
    RGBColor(25, 97, 39),
];
const INK: RGBColor = RGBColor(90, 100, 90);
const SERIES: RGBColor = RGBColor(46, 125, 50);
const MEDIAN: RGBColor = RGBColor(198, 40, 40);

/// A heatmap's cell size and pitch, in drawing pixels. With 26 weeks the
/// drawing is about 480 px wide, so on a 375 px phone a cell stays near
/// 10 px: readable without scrolling sideways.
const CELL: i32 = 14;
const STEP: i32 = 17;
const LEFT: i32 = 36;
const TOP: i32 = 20;

/// What a heatmap shows.
#[derive(Debug, Clone)]
pub struct Heatmap<'a> {
    /// The first day drawn (moved back to its week's Monday).
    pub from: Date,
    /// The last day drawn (today): later days of its week stay blank.
    pub to: Date,
    /// The value of each day with any (messages or posters).
    pub values: &'a BTreeMap<Date, u32>,
    /// Row labels for Monday, Wednesday and Friday.
    pub weekdays: [&'a str; 3],
    /// The accessible name of the chart.
    pub label: &'a str,
}

/// The upper bound of each colour level for values up to `max`: level 0
/// is exactly zero, levels 1–4 split `(0, max]` in quarters.
pub fn levels(max: u32) -> [u32; 5] {
    let q = |k: u32| (u64::from(max) * u64::from(k)).div_ceil(4) as u32;
    [0, q(1).max(1), q(2).max(1), q(3).max(1), max.max(1)]
}

/// The colour level (0–4) of `value` under `bounds` from [`levels`].
pub fn level(value: u32, bounds: &[u32; 5]) -> usize {
    bounds.iter().position(|&b| value <= b).unwrap_or(4)
}

/// Weeks as columns (Monday on top), weekdays as rows, one square per
/// day coloured by its value, with month ticks above and a scale below.
pub fn heatmap(h: &Heatmap<'_>) -> Markup {
    let monday = week_start(h.from);
    let days = (h.to - monday).get_days().max(0);
    let weeks = days / 7 + 1;
    let width = LEFT + weeks * STEP + 8;
    let height = TOP + 7 * STEP + 44;
    let max = h.values.values().copied().max().unwrap_or(0);
    let bounds = levels(max);
    let size = (width.max(200) as u32, height as u32);
    charts::svg(size, h.label, |root| {
        root.fill(&WHITE)?;
        let small = ("sans-serif", 12).into_font().color(&INK);
        for (row, name) in [(0, h.weekdays[0]), (2, h.weekdays[1]), (4, h.weekdays[2])] {
            root.draw(&Text::new(
                name.to_string(),
                (2, TOP + row * STEP + 1),
                small.clone(),
            ))?;
        }
        let mut last_tick: Option<i32> = None;
        for week in 0..weeks {
            let x = LEFT + week * STEP;
            for dow in 0..7 {
                let Ok(day) = monday.checked_add(jiff::Span::new().days(week * 7 + dow)) else {
                    continue;
                };
                if day > h.to {
                    break;
                }
                // A month's tick over the column holding its first day,
                // unless it would crowd the previous one.
                if day.day() == 1 && last_tick.is_none_or(|t| week - t >= 3) {
                    root.draw(&Text::new(
                        day.strftime("%Y-%m").to_string(),
                        (x, 2),
                        small.clone(),
                    ))?;
                    last_tick = Some(week);
                }
                let value = h.values.get(&day).copied().unwrap_or(0);
                let y = TOP + dow * STEP;
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    LEVELS[level(value, &bounds)].filled(),
                ))?;
            }
        }
        scale(root, &bounds, TOP + 7 * STEP + 10, small)
    })
}

/// The heatmap's scale: each level's square with the largest value it holds.
fn scale(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    bounds: &[u32; 5],
    y: i32,
    font: TextStyle<'_>,
) -> Drawn {
    let mut x = LEFT;
    for (i, colour) in LEVELS.iter().enumerate() {
        root.draw(&Rectangle::new(
            [(x, y), (x + CELL, y + CELL)],
            colour.filled(),
        ))?;
        let text = match i {
            0 => "0".to_string(),
            _ if bounds[i] == bounds[i - 1] => String::new(),
            _ => format!("≤{}", bounds[i]),
        };
        root.draw(&Text::new(text, (x + CELL + 3, y + 1), font.clone()))?;
        x += CELL + 44;
    }
    Ok(())
}

/// The Kaplan–Meier curve as steps: the share of groups still alive
/// after so many days, with the median marked when there is one.
pub fn survival(curve: &[(u32, f64)], median: Option<f64>, label: &str) -> Markup {
    let mut steps: Vec<(f64, f64)> = vec![(0.0, 1.0)];
    let mut level = 1.0;
    for &(days, share) in curve {
        let x = f64::from(days);
        steps.push((x, level));
        steps.push((x, share));
        level = share;
    }
    let x_max = steps.last().map_or(1.0, |p| p.0).max(1.0) * 1.05;
    steps.push((x_max, level));
    // Narrower than the other charts, so its ticks stay legible on a phone.
    charts::svg((480, 260), label, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d(0.0..x_max, 0.0..1.05)?;
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|d| format!("{d:.0}"))
            .y_label_formatter(&|s| format!("{:.0}%", s * 100.0))
            .label_style(("sans-serif", 14))
            .draw()?;
        if let Some(m) = median {
            chart.draw_series(LineSeries::new(
                [(m, 0.0), (m, 0.5), (0.0, 0.5)],
                MEDIAN.stroke_width(1),
            ))?;
        }
        chart.draw_series(LineSeries::new(steps, SERIES.stroke_width(3)))?;
        Ok(())
    })
}

/// Horizontal bars, one per funnel stage, each with its label, count and
/// share of the stage before it. The bars are on a log scale: joins
/// outnumber orders a hundredfold, and on a linear scale every stage
/// after the first would be a sliver.
pub fn funnel(stages: &[(&str, i64)], label: &str) -> Markup {
    const ROW: i32 = 50;
    const WIDTH: i32 = 400;
    let height = 12 + ROW * stages.len() as i32;
    let log = |n: i64| ((n.max(0) + 1) as f64).log10();
    let max = stages
        .iter()
        .map(|s| log(s.1))
        .fold(0.0, f64::max)
        .max(1e-9);
    charts::svg((WIDTH as u32, height.max(40) as u32), label, |root| {
        root.fill(&WHITE)?;
        let text = ("sans-serif", 15).into_font().color(&INK);
        let mut before: Option<i64> = None;
        for (i, (name, n)) in stages.iter().enumerate() {
            let y = 8 + i as i32 * ROW;
            let share = match before {
                Some(b) if b > 0 => format!(" ({})", super::fmt::percent(*n as f64 / b as f64)),
                _ => String::new(),
            };
            before = Some(*n);
            root.draw(&Text::new(
                format!("{name}  {}{share}", super::fmt::num(*n)),
                (4, y),
                text.clone(),
            ))?;
            let w = (log(*n) / max * f64::from(WIDTH - 12)).round() as i32;
            root.draw(&Rectangle::new(
                [(4, y + 22), (4 + w.max(2), y + 44)],
                LEVELS[3 - i.min(2)].filled(),
            ))?;
        }
        Ok(())
    })
}

/// The Monday on or before `d`.
pub fn week_start(d: Date) -> Date {
    d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
        .unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_split_the_range_in_quarters() {
        let b = levels(8);
        assert_eq!(b, [0, 2, 4, 6, 8]);
        assert_eq!(level(0, &b), 0);
        assert_eq!(level(1, &b), 1);
        assert_eq!(level(5, &b), 3);
        assert_eq!(level(8, &b), 4);
        assert_eq!(level(9, &b), 4);
        // Nothing at all still draws (every day at level 0).
        assert_eq!(levels(0), [0, 1, 1, 1, 1]);
    }

    #[test]
    fn a_heatmap_draws_a_square_per_day() {
        let to = jiff::civil::date(2026, 11, 23);
        let from = to.checked_sub(jiff::Span::new().days(26 * 7)).unwrap_or(to);
        let values: BTreeMap<Date, u32> = [(to, 5)].into_iter().collect();
        let html = heatmap(&Heatmap {
            from,
            to,
            values: &values,
            weekdays: ["Mon", "Wed", "Fri"],
            label: "activity",
        })
        .into_string();
        let days = (to - week_start(from)).get_days() + 1;
        // Day squares plus the five of the scale (and the background).
        assert!(html.matches("<rect").count() as i32 >= days + 5, "{html}");
        assert!(html.contains("Wed"));
    }

    #[test]
    fn survival_and_funnel_draw() {
        let s = survival(&[(10, 0.8), (40, 0.5)], Some(40.0), "survival").into_string();
        assert!(s.contains("<svg"), "{s}");
        let f = funnel(&[("joins", 10), ("orders", 3)], "funnel").into_string();
        assert!(f.contains("joins"), "{f}");
    }
}
