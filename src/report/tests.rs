use super::html::escape;
use super::*;
use crate::model::metrics::{summarise, EvaluationSummary, Outcome};

fn verdict(truth: usize, predicted: usize, confidence: f64) -> Verdict {
    Verdict {
        id: format!("d-{truth}-{predicted}-{confidence}"),
        title: "<b>标题</b> & more".into(),
        truth,
        predicted,
        confidence,
        truth_probability: if truth == predicted { confidence } else { 0.1 },
        evidence: vec![TermEvidence {
            term: "港口".into(),
            weight: 1.25,
        }],
    }
}

fn outcomes_of(verdicts: &[Verdict]) -> Vec<Outcome> {
    verdicts
        .iter()
        .map(|v| Outcome {
            truth: v.truth,
            predicted: v.predicted,
            confidence: v.confidence,
        })
        .collect()
}

#[test]
fn bins_follow_the_ece_binning() {
    let verdicts = [
        verdict(0, 0, 0.95),
        verdict(0, 1, 0.91),
        verdict(1, 1, 1.0),
        verdict(1, 1, 0.34),
    ];
    let bins = calibration_bins(&verdicts);
    assert_eq!(bins.len(), ECE_BINS);
    // 1.0 falls into the last bin, like the calibration error's binning.
    assert_eq!(bins[9].count, 3);
    assert!((bins[9].accuracy - 2.0 / 3.0).abs() < 1e-12);
    assert!((bins[9].mean_confidence - (0.95 + 0.91 + 1.0) / 3.0).abs() < 1e-12);
    assert_eq!(bins[3].count, 1);
    assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 4);
}

#[test]
fn worst_mistakes_are_wrong_answers_most_confident_first() {
    let verdicts = [
        verdict(0, 1, 0.6),
        verdict(0, 0, 0.99),
        verdict(1, 0, 0.9),
        verdict(1, 2, 0.7),
    ];
    let worst: Vec<f64> = worst_mistakes(&verdicts, 2)
        .iter()
        .map(|v| v.confidence)
        .collect();
    assert_eq!(worst, vec![0.9, 0.7]);
}

#[test]
fn escape_neutralises_markup() {
    assert_eq!(
        escape(r#"<a href="x">'&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
}

#[test]
fn the_page_has_three_figures_and_escapes_titles() {
    let labels = vec!["alpha".to_string(), "beta".to_string(), "gamma".to_string()];
    let verdicts = vec![
        verdict(0, 0, 0.9),
        verdict(0, 1, 0.8),
        verdict(1, 1, 0.7),
        verdict(2, 2, 0.6),
    ];
    let outcomes = outcomes_of(&verdicts);
    let summary = summarise("unit test", &labels, &outcomes);
    let page = render_report(&ReportInput {
        summary: &summary,
        model_description: "model m".into(),
        verdicts,
        unclassifiable: 0,
    })
    .unwrap();
    assert_eq!(page.matches("<svg").count(), 3, "{page}");
    for label in &labels {
        assert!(page.contains(&format!(">{label}<")), "{label} missing");
    }
    assert!(page.contains("&lt;b&gt;标题&lt;/b&gt; &amp; more"));
    assert!(!page.contains("<b>标题"));
    // One mistake row: true alpha, predicted beta, with its evidence.
    let mistakes = &page[page.find("id=\"mistakes-table\"").unwrap()..];
    assert_eq!(mistakes.matches("<tr>").count(), 2);
    assert!(mistakes.contains("<td>alpha</td><td>beta</td>"));
    assert!(mistakes.contains("港口 +1.25"));
}

#[test]
fn a_summary_by_source_gets_one_row_per_source_and_none_without() {
    let labels = vec!["alpha".to_string(), "beta".to_string()];
    let verdicts = vec![verdict(0, 0, 0.9), verdict(1, 0, 0.8), verdict(1, 1, 0.7)];
    let outcomes = outcomes_of(&verdicts);
    let mut summary = summarise("unit test", &labels, &outcomes);
    fn input<'a>(summary: &'a EvaluationSummary, verdicts: &[Verdict]) -> ReportInput<'a> {
        ReportInput {
            summary,
            model_description: "model m".into(),
            verdicts: verdicts.to_vec(),
            unclassifiable: 0,
        }
    }
    let plain = render_report(&input(&summary, &verdicts)).unwrap();
    assert!(!plain.contains("id=\"groups\""));

    let sources = ["<tv>".to_string(), "报纸".into(), "报纸".into()];
    summary.groups =
        crate::model::metrics::summarise_groups("source", &labels, &outcomes, &sources);
    let page = render_report(&input(&summary, &verdicts)).unwrap();
    let table = &page[page.find("id=\"groups-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), 3, "{table}");
    assert!(
        table.contains("<td>&lt;tv&gt;</td><td class=\"num\">1</td><td class=\"num\">1.0000</td>")
    );
    // 报纸: one beta right, one wrong: accuracy 0.5.
    assert!(table.contains("<td>报纸</td><td class=\"num\">2</td><td class=\"num\">0.5000</td>"));
}
