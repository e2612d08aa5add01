//! The `policy-classifier` command line: serve, train, eval, classify.

mod classify;
mod eval;
mod hardening;
mod serve;
mod train;

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
}

pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Classify(args) => classify::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POLICY_CLASSIFIER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

pub type CliResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// `--model PATH` if given, else the shipped model.
fn model_source(path: Option<PathBuf>) -> ModelSource {
    path.map_or(ModelSource::Shipped, ModelSource::File)
}
