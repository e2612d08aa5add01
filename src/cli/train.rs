//! `train`: fit a model on labelled JSONL and write it atomically.

use std::path::PathBuf;

use clap::Args;

use super::{progress, train_summary, CliResult};
use crate::model::evaluate::cross_validate;
use crate::model::{extract_features, read_corpus, save, TrainParams};
use crate::text::TextConfig;

#[derive(Args)]
pub struct TrainArgs {
    /// Labelled JSONL files: one `{"id","title","text"|"body","label"}` a line.
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Where to write the model.
    #[arg(long)]
    out: PathBuf,
    /// Replace `--out` if it exists.
    #[arg(long)]
    force: bool,
    /// Comma-separated label names the data may use.
    #[arg(
        long,
        env = "POLICY_CLASSIFIER_LABELS",
        value_delimiter = ',',
        default_value = "infrastructure,industry_policy,labor,trade,urban,other"
    )]
    labels: Vec<String>,
    /// Additive smoothing of term counts.
    #[arg(long, default_value_t = TrainParams::default().alpha)]
    alpha: f64,
    /// Minimum number of documents a term must appear in.
    #[arg(long, default_value_t = TrainParams::default().min_df)]
    min_df: usize,
    /// Weight of title tokens relative to body tokens.
    #[arg(long, default_value_t = TextConfig::default().title_weight)]
    title_weight: f64,
    /// Also use adjacent-token bigrams as features.
    #[arg(long)]
    bigrams: bool,
    /// Cross-validate with K stratified folds first and record the result in
    /// the model (shown by GetModelInfo). 0 skips it.
    #[arg(long, default_value_t = 0)]
    cv: usize,
    /// Seed of the cross-validation folds.
    #[arg(long, default_value_t = 17)]
    seed: u64,
    /// Training time to record (RFC 3339). Defaults to $SOURCE_DATE_EPOCH if
    /// set, else now; fix it to rebuild a model byte for byte.
    #[arg(long)]
    trained_at: Option<String>,
}

pub fn run(args: TrainArgs) -> CliResult {
    let started = std::time::Instant::now();
    let documents = read_corpus(&args.data, &args.labels)?;
    let params = TrainParams {
        labels: args.labels.clone(),
        text: TextConfig {
            title_weight: args.title_weight,
            bigrams: args.bigrams,
            ..TextConfig::default()
        },
        alpha: args.alpha,
        min_df: args.min_df,
        trained_at: args.trained_at.clone().map_or_else(training_time, Ok)?,
    }
    .check()?;

    let evaluation = match args.cv {
        0 => None,
        1 => return Err("--cv needs at least 2 folds".into()),
        k => Some(progress::spin(
            format!("cross-validating ({k} folds)"),
            || cross_validate(&params, &documents, k, args.seed),
        )?),
    };
    let pipeline = params.pipeline();
    let features = progress::in_chunks("segmenting", &documents, |part| {
        extract_features(&pipeline, part)
    });
    let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
    let mut model = progress::spin("fitting", || params.fit_features(&features, &labels))?;
    if let Some(evaluation) = evaluation {
        eprintln!(
            "cross-validation ({}): macro-F1 {:.4}, accuracy {:.4}, ECE {:.4}",
            evaluation.method,
            evaluation.macro_f1,
            evaluation.accuracy,
            evaluation.expected_calibration_error
        );
        model.set_evaluation(evaluation);
    }
    let version = save(&mut model, &args.out, args.force)?;

    eprint!(
        "{}",
        train_summary::render(&model, &args.out, &version, started.elapsed())
    );
    Ok(())
}

/// `$SOURCE_DATE_EPOCH` (reproducible builds convention) or the current time.
fn training_time() -> Result<String, Box<dyn std::error::Error>> {
    let time = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(secs) => {
            let secs: u64 = secs
                .trim()
                .parse()
                .map_err(|_| "SOURCE_DATE_EPOCH must be whole seconds")?;
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)
        }
        Err(_) => std::time::SystemTime::now(),
    };
    Ok(humantime::format_rfc3339_seconds(time).to_string())
}
