//! The `policy-classifier` command line: serve, train, eval, classify.

mod classify;
mod config;
mod eval;
mod eval_pages;
mod evaluation_table;
mod hardening;
mod listen_addr;
mod log_lines;
mod logging;
pub(crate) mod progress;
mod serve;
mod suggest;
mod train;
mod train_splitter;
mod train_summary;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::classifier::ModelSource;

#[derive(Parser)]
#[command(
    name = "policy-classifier",
    version,
    about = "Labels Chinese news articles with the policy event they report"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    logging: logging::LogArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the gRPC API (classifier, health, reflection).
    Serve(serve::ServeArgs),
    /// Train a model from labelled JSONL files.
    Train(train::TrainArgs),
    /// Evaluate a model on labelled JSONL files.
    Eval(eval::EvalArgs),
    /// Classify articles from a file or standard input; one JSON line each.
    Classify(classify::ClassifyArgs),
    /// Benchmark page splitting on real pages (one JSONL file a page).
    EvalPages(eval_pages::EvalPagesArgs),
    /// Train the page splitter on real pages (one JSONL file a page).
    TrainSplitter(train_splitter::TrainSplitterArgs),
    /// Pick the unlabelled articles whose labels would teach the model most.
    Suggest(suggest::SuggestArgs),
}

pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = cli.logging.init() {
        eprintln!("error: {error}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Classify(args) => classify::run(args),
        Command::EvalPages(args) => eval_pages::run(args),
        Command::TrainSplitter(args) => train_splitter::run(args),
        Command::Suggest(args) => suggest::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`… | head -1`): it has all it wanted, so
        // stop quietly, as other command-line tools do.
        Err(error) if is_broken_pipe(error.as_ref()) => ExitCode::SUCCESS,
        Err(error) => {
            // The core says a file exists; the flag that replaces it is
            // the command line's, so it is named here.
            let hint = if is_already_exists(error.as_ref()) {
                "; pass --force to replace it"
            } else {
                ""
            };
            eprintln!("error: {error}{hint}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `error` (or one it wraps) is an output file that already exists.
fn is_already_exists(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::AlreadyExists)
        {
            return true;
        }
        cause = error.source();
    }
    false
}

/// Whether `error` (or one it wraps) is a write to a closed pipe.
fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return true;
            }
        }
        if let Some(json) = error.downcast_ref::<serde_json::Error>() {
            if json.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) {
                return true;
            }
        }
        cause = error.source();
    }
    false
}

pub(crate) type CliResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// `--model PATH` if given, else the shipped model.
fn model_source(path: Option<PathBuf>) -> ModelSource {
    path.map_or(ModelSource::Shipped, ModelSource::File)
}
