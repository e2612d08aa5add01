//! The plain-text tables of an evaluation, printed by `eval` and by
//! `train --cv`.

use crate::model::metrics::{EvaluationSummary, MeanSd};

/// Plain-text tables of a summary.
pub(super) fn render(summary: &EvaluationSummary) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} documents ({})", summary.documents, summary.method);
    let _ = writeln!(
        out,
        "{}accuracy {:.4}   macro-F1 {:.4}   ECE {:.4}\n",
        if summary.spread.is_some() {
            "all held-out predictions pooled: "
        } else {
            ""
        },
        summary.accuracy,
        summary.macro_f1,
        summary.expected_calibration_error
    );
    if let Some(spread) = &summary.spread {
        let ms = |m: MeanSd| format!("{:.4} ± {:.4}", m.mean, m.sd);
        let _ = writeln!(
            out,
            "over {} folds (mean ± sd): accuracy {}   macro-F1 {}   ECE {}\n",
            spread.folds,
            ms(spread.accuracy),
            ms(spread.macro_f1),
            ms(spread.expected_calibration_error)
        );
        let _ = writeln!(
            out,
            "{:<16} {:>17} {:>17} {:>17} {:>8}",
            "label", "precision", "recall", "f1", "support"
        );
        for (m, s) in summary.per_label.iter().zip(&spread.per_label) {
            let _ = writeln!(
                out,
                "{:<16} {:>17} {:>17} {:>17} {:>8}",
                m.label,
                ms(s.precision),
                ms(s.recall),
                ms(s.f1),
                m.support
            );
        }
    } else {
        let _ = writeln!(
            out,
            "{:<16} {:>9} {:>9} {:>9} {:>8}",
            "label", "precision", "recall", "f1", "support"
        );
        for m in &summary.per_label {
            let _ = writeln!(
                out,
                "{:<16} {:>9.4} {:>9.4} {:>9.4} {:>8}",
                m.label, m.precision, m.recall, m.f1, m.support
            );
        }
    }
    let _ = writeln!(out, "\nconfusion (rows: true label, columns: predicted)");
    let _ = write!(out, "{:<16}", "");
    for m in &summary.per_label {
        let _ = write!(out, " {:>8.8}", m.label);
    }
    let _ = writeln!(out);
    for (m, row) in summary.per_label.iter().zip(&summary.confusion) {
        let _ = write!(out, "{:<16}", m.label);
        for count in row {
            let _ = write!(out, " {count:>8}");
        }
        let _ = writeln!(out);
    }
    if let Some(first) = summary.groups.first() {
        let _ = writeln!(out, "\nby {} (F1 per label)", first.field);
        let width = summary
            .groups
            .iter()
            .map(|g| display_width(&g.value))
            .chain([display_width(&first.field)])
            .max()
            .unwrap_or(0);
        let pad = width.saturating_sub(display_width(&first.field));
        let _ = write!(
            out,
            "{}{:pad$} {:>6} {:>8} {:>8} {:>7}",
            first.field, "", "docs", "accuracy", "macro-F1", "ECE"
        );
        for m in &summary.per_label {
            let _ = write!(out, " {:>8.8}", m.label);
        }
        let _ = writeln!(out);
        for group in &summary.groups {
            let g = &group.summary;
            // Padded by terminal columns, not bytes: values are often Chinese.
            let pad = width.saturating_sub(display_width(&group.value));
            let _ = write!(
                out,
                "{}{:pad$} {:>6} {:>8.4} {:>8.4} {:>7.4}",
                group.value, "", g.documents, g.accuracy, g.macro_f1, g.expected_calibration_error
            );
            for m in &g.per_label {
                let _ = write!(out, " {:>8.4}", m.f1);
            }
            let _ = writeln!(out);
        }
    }
    out
}

/// Columns `text` takes in a terminal: CJK characters take two.
pub(super) fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '\u{1100}'..='\u{115f}'
            | '\u{2e80}'..='\u{a4cf}'
            | '\u{ac00}'..='\u{d7a3}'
            | '\u{f900}'..='\u{faff}'
            | '\u{fe30}'..='\u{fe4f}'
            | '\u{ff00}'..='\u{ff60}'
            | '\u{ffe0}'..='\u{ffe6}'
            | '\u{20000}'..='\u{3fffd}' => 2,
            _ => 1,
        })
        .sum()
}
