//! The `policy-classifier` command line: serve, train, eval, classify.

mod classify;
mod eval;
mod eval_pages;
mod hardening;
mod listen_addr;
mod log_lines;
mod logging;
pub mod progress;
mod serve;
mod train;
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
}

pub fn main() -> ExitCode {
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

pub type CliResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// `--model PATH` if given, else the shipped model.
fn model_source(path: Option<PathBuf>) -> ModelSource {
    path.map_or(ModelSource::Shipped, ModelSource::File)
}
