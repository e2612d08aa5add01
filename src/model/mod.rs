//! The naive-Bayes model: corpus reading, fitting (with linfa-bayes), the
//! compiled sparse scorer, the artifact format and evaluation metrics.

mod artifact;
pub mod corpus;
pub mod evaluate;
mod fit;
mod linfa_bridge;
pub mod metrics;
mod scorer;
pub mod split;

pub use artifact::{decode_bytes, load, save, FORMAT_VERSION};
pub use corpus::{read_corpus, LabeledDocument};
pub use fit::{extract_features, TrainParams, ValidTrainParams};
pub use scorer::{Model, Scores, TermEvidence, TrainingMetadata};

/// The labels of `LABELS.md`, in the order models list them by default.
pub const DEFAULT_LABELS: [&str; 6] = [
    "infrastructure",
    "industry_policy",
    "labor",
    "trade",
    "urban",
    "other",
];

pub fn default_labels() -> Vec<String> {
    DEFAULT_LABELS.iter().map(|l| l.to_string()).collect()
}

#[cfg(test)]
mod tests;
