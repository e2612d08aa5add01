//! policy-classifier: labels Chinese news articles with the policy event
//! they report, and serves that over gRPC.
//!
//! - [`text`]: normalise, segment (jieba-rs), features.
//! - [`model`]: train (linfa-bayes), score, artifact format, metrics.
//! - [`classifier`]: the core API: article in, classification out.
//! - [`page`]: split a newspaper page into articles (and classify each).
//! - [`report`]: the HTML evaluation report (`eval --report`).
//! - [`suggest`]: which unlabelled articles to label next.
//! - [`service`]: tonic handlers, health, reflection.
//! - [`files`]: atomic output files, bounded reads of model files.
//! - `cli` (private): the `policy-classifier` command line; the binary
//!   calls [`run_cli`], nothing else of it is public.

// Every public item is documented, and an item public only inside the crate
// says so (`pub(crate)`), so `dead_code` can see what nobody uses.
#![warn(missing_docs, unreachable_pub)]

pub mod classifier;
mod cli;
pub mod error;
pub mod files;
pub mod model;
pub mod page;
pub mod proto;
pub mod report;
pub mod service;
pub mod suggest;
pub mod text;

pub use classifier::{Classification, Classifier, ClassifyOptions};
pub use error::{Error, Result};

/// Runs the `policy-classifier` command line (the binary's `main`): parses
/// the arguments, runs the command, prints errors, returns the exit code.
pub fn run_cli() -> std::process::ExitCode {
    cli::main()
}
