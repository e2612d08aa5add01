//! The page around the figures: headline numbers, per-label table and the
//! mistakes table. Everything inline, so the file opens anywhere offline.

use std::fmt::Write;

use super::figures::{confusion_heatmap, label_bars, reliability_diagram};
use super::{calibration_bins, worst_mistakes, ReportError, ReportInput, MISTAKES_SHOWN};

const STYLE: &str = "body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}\
h1{margin-bottom:.2em}.meta{color:#555}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\
td.num{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}\
.evidence span{display:inline-block;margin:0 .5em .2em 0;white-space:nowrap}";

/// The whole report page.
pub fn render_report(input: &ReportInput<'_>) -> Result<String, ReportError> {
    let summary = input.summary;
    let bins = calibration_bins(&input.verdicts);
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>policy-classifier evaluation report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Evaluation report</h1>\n<p class=\"meta\">{} documents, {}; {}</p>\n",
        summary.documents,
        escape(&summary.method),
        escape(&input.model_description),
    );
    let _ = writeln!(
        page,
        "<table id=\"headline\"><tr><th>accuracy</th><th>macro-F1</th><th>ECE (10 bins)</th></tr>\
         <tr><td class=\"num\">{:.4}</td><td class=\"num\">{:.4}</td><td class=\"num\">{:.4}</td></tr></table>",
        summary.accuracy, summary.macro_f1, summary.expected_calibration_error
    );

    page.push_str("<section id=\"confusion\">\n<h2>Confusion matrix</h2>\n<p>Rows: true label; columns: predicted label. Shading is the share of the row, so the diagonal reads as recall.</p>\n<figure>");
    page.push_str(&confusion_heatmap(summary)?);
    page.push_str("</figure>\n</section>\n");

    page.push_str(
        "<section id=\"per-label\">\n<h2>Per-label precision, recall and F1</h2>\n<figure>",
    );
    page.push_str(&label_bars(summary)?);
    page.push_str("</figure>\n");
    per_label_table(&mut page, input);
    page.push_str("</section>\n");
    groups_section(&mut page, input);

    page.push_str("<section id=\"reliability\">\n<h2>Reliability diagram</h2>\n<p>Documents binned by the confidence of their answer (10 equal-width bins, as in ECE); a bar is how often the answers in its bin were right. A calibrated model's bars reach the diagonal.</p>\n<figure>");
    page.push_str(&reliability_diagram(&bins)?);
    page.push_str("</figure>\n</section>\n");

    mistakes_section(&mut page, input);
    page.push_str("</body>\n</html>\n");
    Ok(page)
}

fn per_label_table(page: &mut String, input: &ReportInput<'_>) {
    page.push_str("<table id=\"per-label-table\"><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n");
    for m in &input.summary.per_label {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{:.4}</td><td class=\"num\">{:.4}</td><td class=\"num\">{:.4}</td><td class=\"num\">{}</td></tr>",
            escape(&m.label),
            m.precision,
            m.recall,
            m.f1,
            m.support
        );
    }
    page.push_str("</table>\n");
}

/// With `eval --by FIELD`: one row per value of the field (e.g. per
/// source), so that a good pooled figure cannot hide a weak source.
fn groups_section(page: &mut String, input: &ReportInput<'_>) {
    let Some(first) = input.summary.groups.first() else {
        return;
    };
    let _ = write!(
        page,
        "<section id=\"groups\">\n<h2>By {field}</h2>\n<table id=\"groups-table\"><tr><th>{field}</th><th>documents</th><th>accuracy</th><th>macro-F1</th><th>ECE</th>",
        field = escape(&first.field)
    );
    for m in &input.summary.per_label {
        let _ = write!(page, "<th>F1 {}</th>", escape(&m.label));
    }
    page.push_str("</tr>\n");
    for group in &input.summary.groups {
        let g = &group.summary;
        let _ = write!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.4}</td><td class=\"num\">{:.4}</td><td class=\"num\">{:.4}</td>",
            escape(&group.value),
            g.documents,
            g.accuracy,
            g.macro_f1,
            g.expected_calibration_error
        );
        for m in &g.per_label {
            let _ = write!(page, "<td class=\"num\">{:.4}</td>", m.f1);
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n</section>\n");
}

fn mistakes_section(page: &mut String, input: &ReportInput<'_>) {
    let labels: Vec<&str> = input
        .summary
        .per_label
        .iter()
        .map(|m| m.label.as_str())
        .collect();
    let name = |index: usize| labels.get(index).copied().unwrap_or("?");
    let mistakes = worst_mistakes(&input.verdicts, MISTAKES_SHOWN);
    let wrong = input
        .verdicts
        .iter()
        .filter(|v| v.truth != v.predicted)
        .count();
    let _ = writeln!(
        page,
        "<section id=\"mistakes\">\n<h2>Most confident mistakes</h2>\n\
         <p>{wrong} of {} classified documents are wrong; the {} the model was surest of are listed. \
         Evidence: the terms that pushed the answer over the runner-up label, with their weight in nats.{}</p>",
        input.verdicts.len(),
        mistakes.len(),
        if input.unclassifiable > 0 {
            format!(
                " {} documents had no words to classify and are left out.",
                input.unclassifiable
            )
        } else {
            String::new()
        }
    );
    page.push_str("<table id=\"mistakes-table\"><tr><th>#</th><th>document</th><th>true label</th><th>predicted</th><th>confidence</th><th>P(true label)</th><th>evidence</th></tr>\n");
    for (rank, v) in mistakes.iter().enumerate() {
        let evidence: String = v
            .evidence
            .iter()
            .map(|e| format!("<span>{} {:+.2}</span>", escape(&e.term), e.weight))
            .collect();
        let document = if v.title.is_empty() {
            escape(&v.id)
        } else {
            format!("{}<br><small>{}</small>", escape(&v.title), escape(&v.id))
        };
        let _ = writeln!(
            page,
            "<tr><td class=\"num\">{}</td><td>{document}</td><td>{}</td><td>{}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"evidence\">{evidence}</td></tr>",
            rank + 1,
            escape(name(v.truth)),
            escape(name(v.predicted)),
            v.confidence,
            v.truth_probability,
        );
    }
    page.push_str("</table>\n</section>\n");
}

/// Text made safe for HTML element content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}
