//! `eval`: accuracy, per-label precision/recall/F1, macro-F1, confusion.

use std::path::PathBuf;

use clap::Args;

use super::{model_source, CliResult};
use crate::model::evaluate::evaluate;
use crate::model::metrics::EvaluationSummary;
use crate::model::read_corpus;

#[derive(Args)]
pub struct EvalArgs {
    /// Model file; the shipped model when omitted.
    #[arg(long, env = "POLICY_CLASSIFIER_MODEL")]
    model: Option<PathBuf>,
    /// Labelled JSONL files to evaluate on.
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report (figures, worst mistakes).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
}

pub fn run(args: EvalArgs) -> CliResult {
    let classifier = model_source(args.model).load()?;
    let model = classifier.model();
    let documents = read_corpus(&args.data, model.labels())?;
    let summary = evaluate(model, &documents, "held-out files");
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", render(&summary));
    }
    if let Some(path) = &args.report {
        crate::report::write_report(path, &classifier, &documents, &summary)?;
    }
    Ok(())
}

/// Plain-text tables of a summary.
pub fn render(summary: &EvaluationSummary) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} documents ({})", summary.documents, summary.method);
    let _ = writeln!(
        out,
        "accuracy {:.4}   macro-F1 {:.4}   ECE {:.4}\n",
        summary.accuracy, summary.macro_f1, summary.expected_calibration_error
    );
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
    out
}
