//! `train`: fit a model on labelled JSONL and write it atomically.

use std::path::PathBuf;

use clap::Args;

use super::config::{check_folds, training_time, ConfigArgs};
use super::evaluation_table::render;
use super::{progress, train_summary, CliResult};
use crate::error::Error;
use crate::model::corpus::duplicate_ids;
use crate::model::coverage::CoverageStats;
use crate::model::evaluate::cross_validate_semi_supervised;
use crate::model::{
    extract_features, read_corpus, save, LabeledDocument, TrainingSet, ValidTrainParams,
};
use crate::text::Features;

#[derive(Args)]
pub(super) struct TrainArgs {
    /// Labelled JSONL files: one `{"id","title","text"|"body","label"}` a line.
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Where to write the model.
    #[arg(long)]
    out: PathBuf,
    /// Replace `--out` if it exists.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    config: ConfigArgs,
    /// Cross-validate with K stratified folds first and record the result in
    /// the model (shown by GetModelInfo). 0 skips it.
    #[arg(long, default_value_t = 0)]
    cv: usize,
    /// Training time to record (RFC 3339). Defaults to $SOURCE_DATE_EPOCH if
    /// set, else now; fix it to rebuild a model byte for byte.
    #[arg(long)]
    trained_at: Option<String>,
}

pub(super) fn run(args: TrainArgs) -> CliResult {
    let started = std::time::Instant::now();
    let documents = read_corpus(&args.data, args.config.labels())?;
    let trained_at = args.trained_at.clone().map_or_else(training_time, Ok)?;
    let params = args.config.params(trained_at)?;
    let unlabeled = args.config.unlabeled_features(&params)?;
    let pipeline = params.pipeline();
    let features = progress::in_chunks("segmenting", &documents, |part| {
        extract_features(&pipeline, part)
    });
    let duplicates = train_summary::duplicate_ids_warning(&duplicate_ids(&documents), &args.data);
    // A document with no words carries no evidence; kept, it would only
    // tilt its label's prior.
    let (documents, features, wordless) = without_wordless(documents, features);
    let wordless = train_summary::wordless_warning(&wordless, &args.data);
    if documents.is_empty() {
        return Err(format!(
            "no document has words after segmentation: {}",
            Error::EmptyCorpus
        )
        .into());
    }

    let evaluation = match args.cv {
        0 => None,
        1 => return Err("--cv needs at least 2 folds".into()),
        k => Some({
            check_folds(&documents, args.config.labels(), k)?;
            progress::spin(format!("cross-validating ({k} folds)"), || {
                cross_validate_semi_supervised(
                    &params,
                    &documents,
                    &unlabeled,
                    k,
                    args.config.seed(),
                )
            })?
        }),
    };
    let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
    let mut model = progress::spin("fitting", || {
        params.fit(&TrainingSet::new(&features, &labels).with_unlabeled(&unlabeled))
    })?;
    if let Some(evaluation) = evaluation {
        eprint!("{}", render(&evaluation));
        model.set_evaluation(evaluation);
    }
    let coverage = CoverageStats::measure(&model, &documents);
    if let Some(coverage) = coverage {
        model.set_coverage(coverage);
    }
    let version = save(&mut model, &args.out, args.force)?;

    eprint!(
        "{}",
        train_summary::render(&model, &args.out, &version, started.elapsed())
    );
    eprintln!(
        "unlabelled documents used: {}; {}",
        unlabeled.len(),
        calibration_summary(&params, &labels, model.temperature())
    );
    if let Some(c) = coverage {
        eprintln!(
            "coverage of the training documents: mean {:.3}, 99% reach {:.3}; answers below {:.3} abstain to \"other\"",
            c.mean, c.p01, c.min_coverage
        );
    }
    for warning in [wordless, duplicates].into_iter().flatten() {
        eprintln!("{warning}");
    }
    Ok(())
}

/// `calibration temperature T`, or why there is none.
fn calibration_summary(params: &ValidTrainParams, labels: &[usize], temperature: f64) -> String {
    if !params.calibration_requested() {
        return "calibration: off".into();
    }
    match params.calibration_skipped(labels) {
        Some(reason) => format!("calibration: skipped, {reason}"),
        None => format!("calibration temperature {temperature:.4}"),
    }
}

/// The documents with words and their features, and the documents without.
fn without_wordless(
    documents: Vec<LabeledDocument>,
    features: Vec<Features>,
) -> (Vec<LabeledDocument>, Vec<Features>, Vec<LabeledDocument>) {
    let (mut kept, mut kept_features, mut wordless) = (Vec::new(), Vec::new(), Vec::new());
    for (document, features) in documents.into_iter().zip(features) {
        if features.is_empty() {
            wordless.push(document);
        } else {
            kept.push(document);
            kept_features.push(features);
        }
    }
    (kept, kept_features, wordless)
}
