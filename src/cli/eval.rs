//! `eval`: accuracy, per-label precision/recall/F1, macro-F1, ECE and
//! confusion of a model on files, or of a training configuration by
//! stratified K-fold cross-validation (`--cv K`).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::config::{check_folds, training_time, ConfigArgs};
use super::evaluation_table::render;
use super::{model_source, CliResult};
use crate::model::evaluate::{cross_validate_with_outcomes, leave_one_group_out, outcomes};
use crate::model::metrics::{summarise, summarise_groups};
use crate::model::{field_values, read_corpus};

#[derive(Args)]
pub(super) struct EvalArgs {
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

pub(super) fn run(args: EvalArgs) -> CliResult {
    let summary = match args.cv {
        _ if args.leave_out_by.is_some() => {
            let field = args.leave_out_by.as_deref().unwrap_or_default();
            let started = std::time::Instant::now();
            let documents = read_corpus(&args.data, args.config.labels())?;
            let groups = field_values(&args.data, &documents, field)?;
            let params = args.config.params(training_time()?)?;
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
            let params = args.config.params(training_time()?)?;
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
