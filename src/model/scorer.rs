//! The fitted model in the form serving uses: a sparse, term-major table of
//! weights, so scoring one article costs O(terms in the article × labels),
//! whatever the vocabulary size.

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::metrics::EvaluationSummary;
use super::naive_bayes::TermWeights;
use super::softmax::softmax;
use super::term_ids::{Coverage, DenseSums, IdCounter, TermIds};
use super::weighting::{SparseRow, Weighting};
use crate::error::{Error, Result};
#[cfg(test)]
use crate::text::Features;
use crate::text::{ArticleText, TextConfig, TextPipeline};

/// What was trained, on what, when; stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingMetadata {
    /// RFC 3339 UTC.
    pub trained_at: String,
    /// Training documents.
    pub documents: u64,
    /// Aligned with the model's labels.
    pub documents_per_label: Vec<u64>,
    /// Human-readable summary of the training parameters.
    pub configuration: String,
    /// Measured on data the evaluated models did not train on.
    pub evaluation: Option<EvaluationSummary>,
    /// The training documents' coverage and the abstain threshold fitted on
    /// it; absent in models trained before coverage existed (which never
    /// abstain for it) and not written then, so their bytes are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<super::coverage::CoverageStats>,
}

/// Everything a model file holds, in the order the format documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModelParts {
    pub labels: Vec<String>,
    pub text: TextConfig,
    /// Feature names; index `t` is column `t` of `feature_log_prob`.
    pub vocabulary: Vec<String>,
    /// How raw counts become the scored vector (sublinear TF, IDF, L2).
    pub weighting: Weighting,
    /// Inverse document frequency per vocabulary term; empty unless
    /// `weighting.idf`.
    pub idf: Vec<f64>,
    /// `ln P(label)` used for scoring, one per label (already scaled by the
    /// training's prior weight).
    pub class_log_prior: Vec<f64>,
    /// `ln P(term | label)`, `[label][term]`, as linfa-bayes fitted it; for a
    /// complement model, `ln P(term | every label but this one)`.
    pub feature_log_prob: Vec<Vec<f64>>,
    /// Complement naive Bayes (Rennie et al. 2003): a term counts *against*
    /// the labels whose complement it is frequent in.
    pub complement: bool,
    /// Divide each label's weights by their L1 norm (Rennie's weight
    /// normalisation), so labels with more training text do not get larger
    /// weights.
    pub normalise_weights: bool,
    /// Divides the joint log-likelihood before the softmax (calibration).
    pub temperature: f64,
    /// Added to `log_joint / temperature` before the softmax, one per label
    /// (calibration's learned prior adjustment); all 0 when not fitted.
    pub label_bias: Vec<f64>,
    pub metadata: TrainingMetadata,
}

/// A trained model that only predicts, with the text pipeline its own text
/// config builds: an article goes in as text, so no caller can pair a model
/// with another pipeline.
#[derive(Debug, Clone)]
pub struct Model {
    parts: ModelParts,
    /// Tokens and token pairs to vocabulary ids.
    pub(super) term_ids: TermIds,
    weights: TermWeights,
    version: String,
    /// Built on first use: loading jieba's dictionary takes tens of
    /// milliseconds, and many fitted models (cross-validation folds, tests)
    /// are never asked to read text. [`crate::Classifier::new`] builds it at
    /// once, so no request pays for it.
    pipeline: OnceLock<Arc<TextPipeline>>,
}

/// Probabilities and raw joint log-likelihoods of every label, model order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Calibrated probabilities, summing to 1.
    pub probabilities: Vec<f64>,
    /// Joint log-likelihoods, before calibration.
    pub log_joint: Vec<f64>,
}

impl Scores {
    /// Label indices ordered by probability, highest first (ties: model order).
    pub fn ranking(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.probabilities.len()).collect();
        order.sort_by(|&a, &b| self.probabilities[b].total_cmp(&self.probabilities[a]));
        order
    }
}

/// One term's push toward a label over another, in nats.
#[derive(Debug, Clone, PartialEq)]
pub struct TermEvidence {
    /// The term's name (its surface, when twins were merged).
    pub term: String,
    /// Its share of the log-odds gap, in nats.
    pub weight: f64,
}

impl Model {
    pub(crate) fn from_parts(parts: ModelParts, version: String) -> Result<Self> {
        super::validate::validate(&parts).map_err(Error::InvalidModel)?;
        let weights = TermWeights::new(&parts);
        let term_ids = TermIds::new(&parts.vocabulary, &parts.text)
            .map_err(|repeated| Error::InvalidModel(repeated.to_string()))?;
        Ok(Self {
            parts,
            term_ids,
            weights,
            version,
            pipeline: OnceLock::new(),
        })
    }

    /// Reads text with `pipeline` (built from the same text config, as the
    /// training's) rather than building one; no-op once the model has one.
    pub(crate) fn share_pipeline(&self, pipeline: Arc<TextPipeline>) {
        debug_assert_eq!(pipeline.config(), &self.parts.text);
        let _ = self.pipeline.set(pipeline);
    }

    /// The text pipeline of this model's text config: the one that produced
    /// its training features.
    pub fn pipeline(&self) -> &TextPipeline {
        self.pipeline
            .get_or_init(|| Arc::new(TextPipeline::new(self.parts.text.clone())))
    }

    pub(crate) fn parts(&self) -> &ModelParts {
        &self.parts
    }

    /// Records how the model was evaluated (held out, before this fit).
    pub fn set_evaluation(&mut self, evaluation: super::metrics::EvaluationSummary) {
        self.parts.metadata.evaluation = Some(evaluation);
    }

    /// Records the training documents' coverage (see `coverage.rs`).
    pub fn set_coverage(&mut self, coverage: super::coverage::CoverageStats) {
        self.parts.metadata.coverage = Some(coverage);
    }

    /// Below this coverage an answer abstains; `None` for older models.
    pub fn min_coverage(&self) -> Option<f64> {
        self.parts.metadata.coverage.map(|c| c.min_coverage)
    }

    pub(crate) fn set_version(&mut self, version: String) {
        self.version = version;
    }

    /// The label names, in the order scores list them.
    pub fn labels(&self) -> &[String] {
        &self.parts.labels
    }

    /// The text settings the model was trained with.
    pub fn text_config(&self) -> &TextConfig {
        &self.parts.text
    }

    /// Terms in the vocabulary.
    pub fn vocabulary_size(&self) -> usize {
        self.parts.vocabulary.len()
    }

    /// What was trained, on what, when.
    pub fn metadata(&self) -> &TrainingMetadata {
        &self.parts.metadata
    }

    /// The calibration temperature (1 when not calibrated).
    pub fn temperature(&self) -> f64 {
        self.parts.temperature
    }

    /// `"<format version>-<first 12 hex digits of the payload's SHA-256>"`,
    /// or `"unsaved"` for a model that was never written.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The named twin of [`Self::vectorise`], for tests that check the two
    /// agree and for features built by hand: the article's known terms as
    /// the weighted vector the model scores, `(vocabulary index, value)` in
    /// vocabulary order. Unknown terms are dropped first, as they have no
    /// column in the training matrix.
    #[cfg(test)]
    pub(crate) fn vector_of_features(&self, features: &Features) -> SparseRow {
        let mut row: SparseRow = features
            .iter()
            .filter_map(|(term, count)| Some((self.term_ids.term(term)?, count)))
            .collect();
        row.sort_unstable_by_key(|&(t, _)| t);
        self.parts.weighting.apply(&mut row, &self.parts.idf);
        row
    }

    /// The article as the model scores it, read by the model's own pipeline
    /// straight from its tokens to vocabulary ids (no term names); equal bit
    /// for bit to naming every term and looking the names up. Serving,
    /// evaluation, coverage, reports and pages all score through it.
    pub fn vectorise(&self, article: ArticleText<'_>) -> ArticleVector {
        thread_local! {
            static SUMS: RefCell<DenseSums> = RefCell::default();
        }
        let (mut row, terms_seen, coverage) = SUMS.with_borrow_mut(|sums| {
            let mut counter = IdCounter::new(&self.term_ids, sums);
            self.pipeline().features_into(article, &mut counter);
            counter.finish()
        });
        self.parts.weighting.apply(&mut row, &self.parts.idf);
        ArticleVector {
            row,
            terms_seen,
            coverage,
        }
    }

    /// Joint log-likelihood of every label: the class log prior plus each
    /// known term's weighted value times its weight (for a multinomial model
    /// its log-probability).
    #[cfg(test)]
    pub(crate) fn log_joint_of_features(&self, features: &Features) -> Vec<f64> {
        self.log_joint_of(&self.vector_of_features(features))
    }

    fn log_joint_of(&self, row: &SparseRow) -> Vec<f64> {
        self.weights.log_joint_of(row)
    }

    /// Sets the calibration, clamped into the ranges loading accepts
    /// (`validate.rs`), so a degenerate fit (say, perfectly separable
    /// held-out scores driving the temperature toward 0) still saves a model
    /// that loads.
    pub(crate) fn set_calibration(&mut self, temperature: f64, label_bias: Vec<f64>) {
        use super::validate::{LABEL_BIAS, TEMPERATURE};
        self.parts.temperature = temperature.clamp(*TEMPERATURE.start(), *TEMPERATURE.end());
        self.parts.label_bias = label_bias
            .into_iter()
            .map(|b| b.clamp(*LABEL_BIAS.start(), *LABEL_BIAS.end()))
            .collect();
    }

    /// Per-label calibration biases (see [`ModelParts::label_bias`]).
    pub fn label_bias(&self) -> &[f64] {
        &self.parts.label_bias
    }

    /// [`Self::score`] of named features (see [`Self::vector_of_features`]).
    #[cfg(test)]
    pub(crate) fn score_features(&self, features: &Features) -> Scores {
        self.score_row(&self.vector_of_features(features))
    }

    /// Every label's probability (calibrated) and joint log-likelihood.
    pub fn score(&self, vector: &ArticleVector) -> Scores {
        self.score_row(&vector.row)
    }

    fn score_row(&self, row: &SparseRow) -> Scores {
        let log_joint = self.log_joint_of(row);
        let calibrated: Vec<f64> = log_joint
            .iter()
            .zip(&self.parts.label_bias)
            .map(|(l, b)| l / self.parts.temperature + b)
            .collect();
        let probabilities = softmax(&calibrated);
        Scores {
            probabilities,
            log_joint,
        }
    }

    /// The known terms of the article that most favour label `chosen` over
    /// label `other`, strongest first, at most `limit` of them (a word and
    /// its `#` or `_` twins count as one entry, see [`super::evidence`]): each term's
    /// share of the gap between the two labels' log-odds, after the same
    /// weighting (TF, IDF, length) and temperature as scoring, so the weights
    /// of all terms plus the prior and calibration-bias differences sum to
    /// `ln(P(chosen) / P(other))`.
    pub fn evidence(
        &self,
        vector: &ArticleVector,
        chosen: usize,
        other: usize,
        limit: usize,
    ) -> Vec<TermEvidence> {
        self.evidence_of(&vector.row, chosen, other, limit)
    }

    /// [`Self::evidence`] of named features (see [`Self::vector_of_features`]).
    #[cfg(test)]
    pub(crate) fn evidence_of_features(
        &self,
        features: &Features,
        chosen: usize,
        other: usize,
        limit: usize,
    ) -> Vec<TermEvidence> {
        self.evidence_of(&self.vector_of_features(features), chosen, other, limit)
    }

    fn evidence_of(
        &self,
        row: &SparseRow,
        chosen: usize,
        other: usize,
        limit: usize,
    ) -> Vec<TermEvidence> {
        let evidence: Vec<TermEvidence> = row
            .iter()
            .filter_map(|&(t, value)| {
                let weights = self.weights.of_term(t);
                let weight = value * (weights[chosen] - weights[other]) / self.parts.temperature;
                (weight > 0.0).then(|| TermEvidence {
                    term: self.parts.vocabulary[t as usize].clone(),
                    weight,
                })
            })
            .collect();
        let mut evidence = super::evidence::merge_surface_twins(evidence);
        evidence.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.term.cmp(&b.term))
        });
        evidence.truncate(limit);
        evidence
    }
}

/// One article as a model scores it (see [`Model::vectorise`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleVector {
    pub(super) row: SparseRow,
    terms_seen: usize,
    coverage: Coverage,
}

impl ArticleVector {
    /// The share of the article's word tokens the model knows.
    pub fn coverage(&self) -> f64 {
        self.coverage.share()
    }

    /// Whether the article had no terms at all (known to the model or not):
    /// nothing to classify.
    pub fn has_no_terms(&self) -> bool {
        self.terms_seen == 0
    }
}
