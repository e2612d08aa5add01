//! `eval`: accuracy, per-label precision/recall/F1, macro-F1, ECE and
//! confusion of a model on files, or of a training configuration by
//! stratified K-fold cross-validation (`--cv K`).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::train::ConfigArgs;
use super::{model_source, CliResult};
use crate::model::evaluate::{
    cross_validate_with_outcomes, label_short_of_folds, leave_one_group_out, outcomes,
};
use crate::model::metrics::{summarise, summarise_groups, EvaluationSummary, MeanSd};
use crate::model::{field_values, read_corpus, LabeledDocument};

#[derive(Args)]
pub struct EvalArgs {
    /// Model file; the shipped model when omitted. Ignored with `--cv`.
    #[arg(long, env = "POLICY_CLASSIFIER_MODEL", conflicts_with = "cv")]
    model: Option<PathBuf>,
    /// Labelled JSONL files to evaluate on.
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
    /// Cross-validate the training configuration given by the `train` flags
    /// below with K stratified folds (fixed `--seed`) instead of evaluating a
    /// model: every document is scored by a model that never saw it.
    #[arg(long)]
    cv: Option<usize>,
    /// Also report every metric for each value of this field of the data
    /// lines (e.g. `source`; `file` for the input file), with the model or
    /// with `--cv`.
    #[arg(long, value_name = "FIELD")]
    by: Option<String>,
    /// Leave one value of this field out at a time (e.g. `source`): train
    /// the `train` flags' configuration on the other values' documents and
    /// score that value's; reports each value and all pooled.
    #[arg(long, value_name = "FIELD", conflicts_with_all = ["cv", "by", "model", "report"])]
    leave_out_by: Option<String>,
    /// Also write a self-contained HTML report (figures, worst mistakes) of
    /// the evaluated model.
    #[arg(long, value_name = "FILE.html", conflicts_with = "cv")]
    report: Option<PathBuf>,
    /// Replace the `--report` file if it exists.
    #[arg(long, requires = "report")]
    force: bool,
    #[command(flatten)]
    config: ConfigArgs,
}

pub fn run(args: EvalArgs) -> CliResult {
    let summary = match args.cv {
        _ if args.leave_out_by.is_some() => {
            let field = args.leave_out_by.as_deref().unwrap_or_default();
            let started = std::time::Instant::now();
            let documents = read_corpus(&args.data, args.config.labels())?;
            let groups = field_values(&args.data, &documents, field)?;
            let params = args.config.params(super::train::training_time()?)?;
            let unlabeled = args.config.unlabeled_features(&params)?;
            let summary = leave_one_group_out(&params, &documents, &unlabeled, field, &groups)?;
            eprintln!(
                "left one {field} out at a time with {} in {:.2?}",
                crate::model::describe(params.params()),
                started.elapsed()
            );
            summary
        }
        Some(folds) => {
            if folds < 2 {
                return Err("--cv needs at least 2 folds".into());
            }
            let started = std::time::Instant::now();
            let documents = read_corpus(&args.data, args.config.labels())?;
            check_folds(&documents, args.config.labels(), folds)?;
            let params = args.config.params(super::train::training_time()?)?;
            let unlabeled = args.config.unlabeled_features(&params)?;
            let (mut summary, outcomes) = cross_validate_with_outcomes(
                &params,
                &documents,
                &unlabeled,
                folds,
                args.config.seed(),
            )?;
            if let Some(field) = &args.by {
                let groups = field_values(&args.data, &documents, field)?;
                summary.groups =
                    summarise_groups(field, &params.params().labels, &outcomes, &groups);
            }
            eprintln!(
                "cross-validated {} in {:.2?}",
                crate::model::describe(params.params()),
                started.elapsed()
            );
            summary
        }
        None => {
            if let Some(path) = args.report.as_ref().filter(|p| p.exists() && !args.force) {
                // Refused before the evaluation, not after it.
                return Err(format!(
                    "{}: report file exists; pass --force to replace it",
                    path.display()
                )
                .into());
            }
            let classifier = model_source(args.model).load()?;
            let model = classifier.model();
            let documents = read_corpus(&args.data, model.labels())?;
            let outcomes = outcomes(model, &documents);
            let mut summary = summarise("held-out files", model.labels(), &outcomes);
            if let Some(field) = &args.by {
                let groups = field_values(&args.data, &documents, field)?;
                summary.groups = summarise_groups(field, model.labels(), &outcomes, &groups);
            }
            if let Some(path) = &args.report {
                crate::report::write_report(path, &classifier, &documents, &summary, args.force)?;
                eprintln!("wrote {}", path.display());
            }
            summary
        }
    };
    // Written, not printed: a closed pipe (`eval … | head`) is then an error
    // `main` ends quietly on, not a panic.
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        write!(out, "{}", render(&summary))?;
    }
    Ok(())
}

/// Refuses `--cv K` when a label has fewer than K documents: some folds
/// would not contain it (and, with K near the corpus size, some folds
/// would be empty), so the figures over folds would mean nothing.
pub(super) fn check_folds(
    documents: &[LabeledDocument],
    labels: &[String],
    folds: usize,
) -> CliResult {
    let Some(short) = label_short_of_folds(documents, labels, folds) else {
        return Ok(());
    };
    let (label, count) = (&short.label, short.documents);
    Err(match count {
        1 => format!(
            "--cv {folds}: label {label:?} has only 1 document; cross-validation needs at least 2 of every label"
        ),
        _ => format!("--cv {folds}: label {label:?} has only {count} documents; use --cv {count} or less"),
    }
    .into())
}

/// Plain-text tables of a summary.
pub fn render(summary: &EvaluationSummary) -> String {
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
fn display_width(text: &str) -> usize {
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
