//! The three figures, each an SVG document drawn with plotters.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{CalibrationBin, ReportError};
use crate::model::metrics::{EvaluationSummary, LabelMetrics, ECE_BINS};

const FONT: &str = "sans-serif";
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const GREEN: RGBColor = RGBColor(44, 160, 44);

/// Counts of `confusion[true][predicted]`, each cell shaded by its share of
/// the true label's documents (so the diagonal reads as recall).
pub(super) fn confusion_heatmap(summary: &EvaluationSummary) -> Result<String, ReportError> {
    let labels: Vec<&str> = summary.per_label.iter().map(|m| m.label.as_str()).collect();
    let n = labels.len() as i32;
    // Row 0 (the first label) drawn at the top.
    let row_of = |label: i32| n - 1 - label;
    let name_at = |value: &SegmentValue<i32>, flip: bool| match value {
        SegmentValue::CenterOf(v) if (0..n).contains(v) => {
            let index = if flip { row_of(*v) } else { *v };
            labels[index as usize].to_owned()
        }
        _ => String::new(),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Confusion matrix", (FONT, 20))
            .margin(12)
            .x_label_area_size(56)
            .y_label_area_size(130)
            // plotters' integer ranges include their end: 0..n - 1 gives n cells.
            .build_cartesian_2d((0..n - 1).into_segmented(), (0..n - 1).into_segmented())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(labels.len())
            .y_labels(labels.len())
            .x_label_formatter(&|v| name_at(v, false))
            .y_label_formatter(&|v| name_at(v, true))
            .x_desc("predicted label")
            .y_desc("true label")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
        let cells: Vec<(i32, i32, u64, f64)> = summary
            .confusion
            .iter()
            .enumerate()
            .flat_map(|(t, row)| {
                let total = row.iter().sum::<u64>().max(1) as f64;
                row.iter()
                    .enumerate()
                    .map(move |(p, &count)| (p as i32, t as i32, count, count as f64 / total))
            })
            .collect();
        chart.draw_series(cells.iter().map(|&(x, t, _, share)| {
            let y = row_of(t);
            Rectangle::new(
                [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ],
                shade(share).filled(),
            )
        }))?;
        chart.draw_series(cells.iter().map(|&(x, t, count, share)| {
            let colour: &'static RGBColor = if share > 0.55 { &WHITE } else { &BLACK };
            let style = TextStyle::from((FONT, 14).into_font())
                .color(colour)
                .pos(Pos::new(HPos::Center, VPos::Center));
            Text::new(
                count.to_string(),
                (SegmentValue::CenterOf(x), SegmentValue::CenterOf(row_of(t))),
                style,
            )
        }))?;
        root.present()?;
    }
    Ok(svg)
}

/// Reads one score out of a label's metrics.
type MetricOf = fn(&LabelMetrics) -> f64;

/// White at 0, dark blue at 1.
fn shade(share: f64) -> RGBColor {
    let mix = |from: f64, to: f64| (from + (to - from) * share.clamp(0.0, 1.0)).round() as u8;
    RGBColor(mix(255.0, 8.0), mix(255.0, 48.0), mix(255.0, 107.0))
}

/// Precision, recall and F1 of every label, side by side.
pub(super) fn label_bars(summary: &EvaluationSummary) -> Result<String, ReportError> {
    // Each label takes four slots: precision, recall, F1, and a gap.
    const SLOTS: i32 = 4;
    let labels: Vec<&str> = summary.per_label.iter().map(|m| m.label.as_str()).collect();
    let n = labels.len() as i32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Per-label precision, recall and F1", (FONT, 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            // Headroom above 1.0 keeps the legend off the bars.
            .build_cartesian_2d((0..n * SLOTS - 1).into_segmented(), 0f64..1.3)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels((n * SLOTS) as usize)
            .x_label_formatter(&|v| match v {
                // Name each label under its middle (recall) bar.
                SegmentValue::CenterOf(slot) if slot % SLOTS == 1 && *slot < n * SLOTS => {
                    labels[(slot / SLOTS) as usize].to_owned()
                }
                _ => String::new(),
            })
            .y_labels(7)
            .y_label_formatter(&|v| {
                if *v <= 1.0 + 1e-9 {
                    format!("{v:.1}")
                } else {
                    String::new()
                }
            })
            .x_desc("label")
            .y_desc("score")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
        let series: [(&str, RGBColor, MetricOf); 3] = [
            ("precision", BLUE, |m| m.precision),
            ("recall", ORANGE, |m| m.recall),
            ("F1", GREEN, |m| m.f1),
        ];
        for (offset, (name, colour, value)) in series.into_iter().enumerate() {
            chart
                .draw_series(summary.per_label.iter().enumerate().map(|(l, m)| {
                    let slot = l as i32 * SLOTS + offset as i32;
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(slot), 0.0),
                            (SegmentValue::Exact(slot + 1), value(m)),
                        ],
                        colour.filled(),
                    );
                    bar.set_margin(0, 0, 1, 1);
                    bar
                }))?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}

/// Accuracy against confidence per bin; a calibrated model sits on the
/// diagonal.
pub(super) fn reliability_diagram(bins: &[CalibrationBin]) -> Result<String, ReportError> {
    let width = 1.0 / ECE_BINS as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Reliability diagram", (FONT, 20))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..1.0, 0f64..1.0)?;
        chart
            .configure_mesh()
            .x_labels(ECE_BINS + 1)
            .y_labels(ECE_BINS + 1)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .x_desc("confidence")
            .y_desc("accuracy")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
        let filled: Vec<(usize, &CalibrationBin)> = bins
            .iter()
            .enumerate()
            .filter(|(_, b)| b.count > 0)
            .collect();
        chart
            .draw_series(filled.iter().map(|&(i, bin)| {
                let lower = i as f64 * width;
                let mut bar = Rectangle::new(
                    [(lower, 0.0), (lower + width, bin.accuracy)],
                    BLUE.mix(0.7).filled(),
                );
                bar.set_margin(0, 0, 2, 2);
                bar
            }))?
            .label("accuracy of the bin")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], BLUE.mix(0.7).filled()));
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (1.0, 1.0)],
                BLACK.stroke_width(1),
            )))?
            .label("perfect calibration")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], BLACK));
        chart
            .draw_series(filled.iter().map(|&(_, bin)| {
                Circle::new((bin.mean_confidence, bin.accuracy), 4, ORANGE.filled())
            }))?
            .label("mean confidence of the bin")
            .legend(|(x, y)| Circle::new((x + 6, y), 4, ORANGE.filled()));
        chart.draw_series(filled.iter().map(|&(i, bin)| {
            let style =
                TextStyle::from((FONT, 11).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
            let top = (bin.accuracy + 0.01).min(0.99);
            Text::new(
                format!("n={}", bin.count),
                ((i as f64 + 0.5) * width, top),
                style,
            )
        }))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}
