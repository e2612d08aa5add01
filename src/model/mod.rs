//! The naive-Bayes model: corpus reading, fitting (with linfa-bayes), the
//! compiled sparse scorer, the artifact format and evaluation metrics.

mod artifact;
mod calibrate;
pub mod corpus;
pub mod coverage;
mod discriminative;
mod em;
pub mod evaluate;
mod evidence;
mod fit;
mod linfa_bridge;
pub mod metrics;
mod naive_bayes;
mod parallel;
mod params;
mod scorer;
mod softmax;
pub mod split;
mod term_ids;
mod terms;
mod validate;
mod weighting;

pub use artifact::{decode_bytes, load, load_limited, save, FORMAT_VERSION};
pub use corpus::{field_values, read_corpus, read_unlabeled, LabeledDocument};
pub use discriminative::DiscriminativeParams;
pub use em::EmParams;
pub use fit::{extract_features, TrainingSet};
pub use params::{
    describe, Calibration, CalibrationSkipped, TrainParams, ValidTrainParams,
    MIN_CALIBRATION_DOCUMENTS,
};
pub use scorer::{ArticleVector, Model, Scores, TermEvidence, TrainingMetadata};
pub use weighting::Weighting;

/// The labels of `LABELS.md`, in the order models list them by default.
pub const DEFAULT_LABELS: [&str; 6] = [
    "infrastructure",
    "industry_policy",
    "labor",
    "trade",
    "urban",
    "other",
];

/// [`DEFAULT_LABELS`] as owned strings.
pub fn default_labels() -> Vec<String> {
    DEFAULT_LABELS.iter().map(|l| l.to_string()).collect()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectorise_tests;
