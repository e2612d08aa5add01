//! Training: hyper-parameters are checked once, then `fit` returns a
//! [`Model`] that only predicts. Counting, smoothing (linfa-bayes) and priors
//! are separate steps.

use std::collections::HashMap;

use ndarray::Array2;

use super::corpus::LabeledDocument;
use super::linfa_bridge::feature_log_prob_from_class_sums;
use super::scorer::{Model, ModelParts, TrainingMetadata};
use crate::error::{Error, Result};
use crate::text::{ArticleText, Features, TextConfig, TextPipeline};

/// Training hyper-parameters, unchecked.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainParams {
    /// Label names; documents refer to them by index.
    pub labels: Vec<String>,
    pub text: TextConfig,
    /// Additive (Lidstone) smoothing of term counts.
    pub alpha: f64,
    /// A term enters the vocabulary when at least this many training
    /// documents contain it: rarer terms are mostly typos and names.
    pub min_df: usize,
    /// Recorded as the training time; fixed by the caller so that the same
    /// data and parameters give a byte-identical model file.
    pub trained_at: String,
}

impl Default for TrainParams {
    fn default() -> Self {
        Self {
            labels: super::default_labels(),
            text: TextConfig::default(),
            alpha: 0.1,
            min_df: 2,
            trained_at: "1970-01-01T00:00:00Z".into(),
        }
    }
}

/// Checked hyper-parameters: the only way to fit.
#[derive(Debug, Clone)]
pub struct ValidTrainParams(TrainParams);

impl TrainParams {
    pub fn check(self) -> Result<ValidTrainParams> {
        let invalid = |m: String| Err(Error::InvalidParameter(m));
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return invalid(format!("alpha must be > 0, is {}", self.alpha));
        }
        if self.min_df == 0 {
            return invalid("min_df must be at least 1".into());
        }
        if self.labels.len() < 2 {
            return invalid("at least two labels are needed".into());
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = self.labels.iter().find(|l| !seen.insert(l.as_str())) {
            return invalid(format!("label {dup:?} is listed twice"));
        }
        if !(self.text.title_weight.is_finite() && self.text.title_weight >= 0.0) {
            return invalid(format!(
                "title weight must be >= 0, is {}",
                self.text.title_weight
            ));
        }
        Ok(ValidTrainParams(self))
    }
}

impl ValidTrainParams {
    pub fn params(&self) -> &TrainParams {
        &self.0
    }

    /// The text pipeline these parameters train with.
    pub fn pipeline(&self) -> TextPipeline {
        TextPipeline::new(self.0.text.clone())
    }

    /// Segments every document and fits.
    pub fn fit(&self, documents: &[LabeledDocument]) -> Result<Model> {
        let features = extract_features(&self.pipeline(), documents);
        let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
        self.fit_features(&features, &labels)
    }

    /// Fits on already extracted features (cross-validation extracts once).
    pub fn fit_features(&self, features: &[Features], labels: &[usize]) -> Result<Model> {
        let params = &self.0;
        if features.is_empty() {
            return Err(Error::EmptyCorpus);
        }
        let documents_per_label = count_labels(labels, params.labels.len())?;
        if let Some(empty) = documents_per_label.iter().position(|&n| n == 0) {
            return Err(Error::InvalidParameter(format!(
                "no training documents for label {:?}",
                params.labels[empty]
            )));
        }
        let vocabulary = build_vocabulary(features, params.min_df);
        let class_sums = sum_counts_per_label(features, labels, &vocabulary, params.labels.len());
        let feature_log_prob = feature_log_prob_from_class_sums(class_sums, params.alpha)?;
        let class_log_prior = empirical_log_prior(&documents_per_label);

        let parts = ModelParts {
            labels: params.labels.clone(),
            text: params.text.clone(),
            vocabulary,
            class_log_prior,
            feature_log_prob,
            temperature: 1.0,
            metadata: TrainingMetadata {
                trained_at: params.trained_at.clone(),
                documents: features.len() as u64,
                documents_per_label,
                configuration: describe(params),
                evaluation: None,
            },
        };
        Model::from_parts(parts, "unsaved".into())
    }
}

/// Features of every document, computed on all cores; order is preserved.
pub fn extract_features(pipeline: &TextPipeline, documents: &[LabeledDocument]) -> Vec<Features> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = documents.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = documents
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|d| {
                            pipeline.features(ArticleText {
                                title: &d.title,
                                body: &d.text,
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("feature extraction panicked"))
            .collect()
    })
}

fn count_labels(labels: &[usize], label_count: usize) -> Result<Vec<u64>> {
    let mut counts = vec![0u64; label_count];
    for &label in labels {
        *counts.get_mut(label).ok_or_else(|| {
            Error::InvalidParameter(format!("label index {label} out of range"))
        })? += 1;
    }
    Ok(counts)
}

/// Terms in at least `min_df` documents, sorted so the file is reproducible.
fn build_vocabulary(features: &[Features], min_df: usize) -> Vec<String> {
    let mut document_frequency: HashMap<&str, usize> = HashMap::new();
    for doc in features {
        for (term, _) in doc.iter() {
            *document_frequency.entry(term).or_default() += 1;
        }
    }
    let mut vocabulary: Vec<String> = document_frequency
        .into_iter()
        .filter(|&(_, df)| df >= min_df)
        .map(|(term, _)| term.to_owned())
        .collect();
    vocabulary.sort_unstable();
    vocabulary
}

/// The counting step: one row per label, the sum of its documents' counts.
fn sum_counts_per_label(
    features: &[Features],
    labels: &[usize],
    vocabulary: &[String],
    label_count: usize,
) -> Array2<f64> {
    let index: HashMap<&str, usize> = vocabulary
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let mut sums = Array2::zeros((label_count, vocabulary.len()));
    for (doc, &label) in features.iter().zip(labels) {
        for (term, count) in doc.iter() {
            if let Some(&t) = index.get(term) {
                sums[[label, t]] += count;
            }
        }
    }
    sums
}

/// `ln(n_label / n)`, the prior linfa-bayes itself would fit on the
/// unsummed documents.
fn empirical_log_prior(documents_per_label: &[u64]) -> Vec<f64> {
    let total: u64 = documents_per_label.iter().sum();
    documents_per_label
        .iter()
        .map(|&n| (n as f64 / total as f64).ln())
        .collect()
}

fn describe(params: &TrainParams) -> String {
    let t = &params.text;
    format!(
        "multinomial naive Bayes (linfa-bayes), alpha={}, min_df={}, title_weight={}, bigrams={}, hmm={}, user_words={}",
        params.alpha,
        params.min_df,
        t.title_weight,
        t.bigrams,
        t.hmm,
        t.user_words.len()
    )
}
