//! Training: hyper-parameters are checked once, then `fit` returns a
//! [`Model`] that only predicts. Counting, smoothing (linfa-bayes) and priors
//! are separate steps.

use ndarray::{Array2, Axis};

use super::calibrate::{fit_temperature, fit_temperature_and_bias, HeldOut};
use super::corpus::LabeledDocument;
use super::discriminative::DiscriminativeParams;
use super::em::{expected_sums, EmParams};
use super::linfa_bridge::feature_log_prob_from_class_sums;
use super::parallel::map_in_order;
use super::scorer::{Model, ModelParts, TermWeights, TrainingMetadata};
use super::split::stratified_folds;
use super::terms::{Columns, NumberedDocuments, TermCounts, TermTable, Vocabulary};
use super::weighting::{inverse_document_frequency, SparseRow, Weighting};
use crate::error::{Error, Result};
use crate::text::{Features, TextConfig, TextPipeline};

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
    /// Sublinear TF, IDF and length normalisation (see `weighting.rs`).
    pub weighting: Weighting,
    /// Fit complement naive Bayes instead of multinomial.
    pub complement: bool,
    /// L1-normalise each label's weights (Rennie et al. 2003, §3.2).
    pub normalise_weights: bool,
    /// Multiplies the class log priors: 1 is the empirical prior, 0 a
    /// uniform one (every label equally likely before reading).
    pub prior_weight: f64,
    /// What calibration fits on held-out folds of the training set.
    pub calibration: Calibration,
    /// Folds of the cross-validation inside the training set whose held-out
    /// scores fit the calibration; 0 or 1 turns calibration off.
    pub calibration_folds: usize,
    /// Calibration is skipped (temperature 1, no biases) when a label has
    /// fewer training documents than this: a temperature fitted on a
    /// handful of held-out scores runs to its bound and makes every answer
    /// certain. See [`MIN_CALIBRATION_DOCUMENTS`].
    pub calibration_min_documents: usize,
    /// Seed of those folds.
    pub seed: u64,
    /// Semi-supervised EM over unlabelled documents, when some are given.
    pub em: EmParams,
    /// Discriminative reweighting rounds of the labelled documents (DMNB).
    pub discriminative: DiscriminativeParams,
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
            weighting: Weighting::RAW,
            complement: false,
            normalise_weights: false,
            prior_weight: 1.0,
            calibration: Calibration::Temperature,
            calibration_folds: 0,
            calibration_min_documents: MIN_CALIBRATION_DOCUMENTS,
            seed: 17,
            em: EmParams::default(),
            discriminative: DiscriminativeParams::default(),
            trained_at: "1970-01-01T00:00:00Z".into(),
        }
    }
}

/// Fewest documents of every label for training to fit a calibration: with
/// 5 calibration folds, 10 leaves each fold 2 held-out documents of the
/// label. Below it (10 documents over 6 labels gave temperature 0.001 and
/// confidence 1.0 on unrelated text) the model stays uncalibrated.
pub const MIN_CALIBRATION_DOCUMENTS: usize = 10;

/// Why calibration was not fitted although asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalibrationSkipped {
    pub label: String,
    pub documents: usize,
    pub needed: usize,
}

impl std::fmt::Display for CalibrationSkipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "label {} has {} document{} (needs {})",
            self.label,
            self.documents,
            if self.documents == 1 { "" } else { "s" },
            self.needed
        )
    }
}

/// What calibration fits (see `calibrate.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Calibration {
    None,
    /// One temperature: confidence changes, decisions do not.
    Temperature,
    /// A temperature and one bias per label: also adjusts the prior.
    TemperatureAndBias,
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
        if !(self.text.lead_weight.is_finite() && self.text.lead_weight >= 0.0) {
            return invalid(format!(
                "lead weight must be >= 0, is {}",
                self.text.lead_weight
            ));
        }
        if !(self.prior_weight.is_finite() && self.prior_weight >= 0.0) {
            return invalid(format!(
                "prior weight must be >= 0, is {}",
                self.prior_weight
            ));
        }
        let dmnb = &self.discriminative;
        if !(dmnb.step.is_finite() && dmnb.step >= 0.0) {
            return invalid(format!(
                "discriminative step must be >= 0, is {}",
                dmnb.step
            ));
        }
        if !(dmnb.loss_power.is_finite() && dmnb.loss_power > 0.0) {
            return invalid(format!(
                "discriminative loss power must be > 0, is {}",
                dmnb.loss_power
            ));
        }
        if dmnb.rounds > 0 && (self.complement || self.normalise_weights) {
            return invalid(
                "discriminative rounds reweight a multinomial model: not with complement or normalised weights"
                    .into(),
            );
        }
        Ok(ValidTrainParams(self))
    }
}

impl ValidTrainParams {
    pub fn params(&self) -> &TrainParams {
        &self.0
    }

    /// Whether fitting on documents with `labels` calibrates: asked for
    /// (a calibration and at least 2 folds) and possible.
    pub fn calibrates(&self, labels: &[usize]) -> bool {
        self.calibration_requested() && self.calibration_skipped(labels).is_none()
    }

    /// Whether the parameters ask for a calibration at all.
    pub fn calibration_requested(&self) -> bool {
        self.0.calibration_folds >= 2 && self.0.calibration != Calibration::None
    }

    /// The label (with documents) that has the fewest, when fewer than
    /// `calibration_min_documents`: calibration is then skipped.
    pub fn calibration_skipped(&self, labels: &[usize]) -> Option<CalibrationSkipped> {
        let mut counts = vec![0usize; self.0.labels.len()];
        for &label in labels {
            if let Some(count) = counts.get_mut(label) {
                *count += 1;
            }
        }
        let needed = self.0.calibration_min_documents;
        counts
            .iter()
            .enumerate()
            .filter(|&(_, &count)| count > 0 && count < needed)
            .min_by_key(|&(_, &count)| count)
            .map(|(label, &documents)| CalibrationSkipped {
                label: self.0.labels[label].clone(),
                documents,
                needed,
            })
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

    /// Fits on already extracted features (cross-validation extracts once),
    /// then calibrates on held-out folds of the same training set.
    pub fn fit_features(&self, features: &[Features], labels: &[usize]) -> Result<Model> {
        self.fit_semi_supervised(features, labels, &[])
    }

    /// [`Self::fit_features`] plus EM over `unlabeled` documents' features.
    pub fn fit_semi_supervised(
        &self,
        features: &[Features],
        labels: &[usize],
        unlabeled: &[Features],
    ) -> Result<Model> {
        let features: Vec<&Features> = features.iter().collect();
        self.fit_documents(&features, labels, unlabeled)
    }

    /// [`Self::fit_semi_supervised`] on borrowed features (cross-validation
    /// fits on subsets without copying them). The model and the calibration
    /// folds' models are independent fits, run side by side.
    pub(crate) fn fit_documents(
        &self,
        features: &[&Features],
        labels: &[usize],
        unlabeled: &[Features],
    ) -> Result<Model> {
        let (mut model, held_out) = self.fit_with_held_out_scores(features, labels, unlabeled)?;
        let (temperature, bias) = match self.0.calibration {
            _ if held_out.is_empty() => (1.0, vec![0.0; model.labels().len()]),
            Calibration::None => (1.0, vec![0.0; model.labels().len()]),
            Calibration::Temperature => {
                (fit_temperature(&held_out), vec![0.0; model.labels().len()])
            }
            Calibration::TemperatureAndBias => fit_temperature_and_bias(&held_out),
        };
        model.set_calibration(temperature, bias);
        Ok(model)
    }

    /// Fits the labelled `documents` (re-weighted by the discriminative
    /// rounds, see `discriminative.rs`), then `unlabeled` ones through EM
    /// (see `em.rs`); with neither, a plain fit. Temperature 1. Returns the
    /// fitted parameters and the columns that turn a numbered document into
    /// this fit's row.
    fn fit_uncalibrated(
        &self,
        table: &TermTable,
        documents: &[&TermCounts],
        labels: &[usize],
        unlabeled: &[TermCounts],
    ) -> Result<(ModelParts, Columns)> {
        let params = &self.0;
        if documents.is_empty() {
            return Err(Error::EmptyCorpus);
        }
        let label_count = params.labels.len();
        let documents_per_label = count_labels(labels, label_count)?;
        if let Some(empty) = documents_per_label.iter().position(|&n| n == 0) {
            return Err(Error::InvalidParameter(format!(
                "no training documents for label {:?}",
                params.labels[empty]
            )));
        }
        let Vocabulary { terms, columns } = table.vocabulary(documents, params.min_df);
        let mut rows: Vec<SparseRow> = documents.iter().map(|d| columns.row(d)).collect();
        let idf = if params.weighting.idf {
            inverse_document_frequency(&rows, terms.len())
        } else {
            Vec::new()
        };
        for row in &mut rows {
            params.weighting.apply(row, &idf);
        }
        let unlabeled_rows: Vec<SparseRow> = unlabeled
            .iter()
            .map(|d| {
                let mut row = columns.row(d);
                params.weighting.apply(&mut row, &idf);
                row
            })
            .collect();
        let mut document_weights = vec![1.0; rows.len()];
        // One array for every round's sums: a fresh 6 × 110k array per
        // round was a page fault per 4 KB, and faults were a fifth of
        // training time.
        let mut class_sums = Array2::zeros((label_count, terms.len()));
        sum_rows_per_label(&mut class_sums, &rows, labels, &document_weights);
        let label_mass: Vec<f64> = documents_per_label.iter().map(|&n| n as f64).collect();
        let mut parts = ModelParts {
            labels: params.labels.clone(),
            text: params.text.clone(),
            vocabulary: terms,
            weighting: params.weighting,
            idf,
            class_log_prior: Vec::new(),
            feature_log_prob: Vec::new(),
            complement: params.complement,
            normalise_weights: params.normalise_weights,
            temperature: 1.0,
            label_bias: vec![0.0; label_count],
            metadata: TrainingMetadata {
                trained_at: params.trained_at.clone(),
                documents: documents.len() as u64,
                documents_per_label,
                configuration: describe(params),
                evaluation: None,
                coverage: None,
            },
        };
        self.estimate(&mut parts, &class_sums, &label_mass)?;
        let dmnb = &params.discriminative;
        for _ in 0..dmnb.rounds {
            dmnb.add_losses(
                &parts.class_log_prior,
                &parts.feature_log_prob,
                &rows,
                labels,
                &mut document_weights,
            );
            sum_rows_per_label(&mut class_sums, &rows, labels, &document_weights);
            self.estimate(&mut parts, &class_sums, &label_mass)?;
        }
        let em_rounds = if unlabeled_rows.is_empty() {
            0
        } else {
            params.em.iterations
        };
        for _ in 0..em_rounds {
            let weights = TermWeights::new(&parts);
            let (sums, mass) = expected_sums(&weights, &unlabeled_rows, params.em.weight);
            let mut total_sums = class_sums.clone();
            total_sums += &sums;
            let total_mass: Vec<f64> = label_mass.iter().zip(&mass).map(|(a, b)| a + b).collect();
            self.estimate(&mut parts, &total_sums, &total_mass)?;
        }
        Ok((parts, columns))
    }

    /// The smoothing step (linfa-bayes) and the prior, from per-label sums
    /// of weighted counts and per-label document mass.
    fn estimate(
        &self,
        parts: &mut ModelParts,
        class_sums: &Array2<f64>,
        label_mass: &[f64],
    ) -> Result<()> {
        let params = &self.0;
        let complement;
        let fitted_sums = if params.complement {
            complement = complement_sums(class_sums);
            complement.view()
        } else {
            class_sums.view()
        };
        parts.feature_log_prob = feature_log_prob_from_class_sums(fitted_sums, params.alpha)?;
        parts.class_log_prior = log_prior(label_mass)
            .into_iter()
            .map(|p| p * params.prior_weight)
            .collect();
        Ok(())
    }

    /// The uncalibrated model on all of `features`, and the out-of-fold
    /// joint log-likelihoods over them that the calibration fits on (empty
    /// when calibration is off). The model and each calibration fold's model
    /// are independent fits: they run on all cores, and the scores are
    /// collected in fold order, so the result does not depend on the cores.
    fn fit_with_held_out_scores(
        &self,
        features: &[&Features],
        labels: &[usize],
        unlabeled: &[Features],
    ) -> Result<(Model, Vec<HeldOut>)> {
        let NumberedDocuments {
            table,
            labelled,
            unlabeled,
        } = TermTable::number(features, unlabeled);
        let fit = |subset: &[usize]| {
            let documents: Vec<&TermCounts> = subset.iter().map(|&i| &labelled[i]).collect();
            let labels: Vec<usize> = subset.iter().map(|&i| labels[i]).collect();
            self.fit_uncalibrated(&table, &documents, &labels, &unlabeled)
        };
        let fit_model = |subset: &[usize]| -> Result<Model> {
            let (parts, _) = fit(subset)?;
            Model::from_parts(parts, "unsaved".into())
        };
        let everything: Vec<usize> = (0..features.len()).collect();
        let folds = self.0.calibration_folds;
        if !self.calibrates(labels) {
            return Ok((fit_model(&everything)?, Vec::new()));
        }
        let assignment = stratified_folds(labels, folds, self.0.seed);
        // Job 0 fits on everything; job f + 1 leaves calibration fold f out
        // and scores it.
        let jobs = map_in_order(folds + 1, |job| -> Result<(Option<Model>, Vec<HeldOut>)> {
            let Some(fold) = job.checked_sub(1) else {
                return Ok((Some(fit_model(&everything)?), Vec::new()));
            };
            let (train, test): (Vec<usize>, Vec<usize>) =
                (0..features.len()).partition(|&i| assignment[i] != fold);
            let (parts, columns) = fit(&train)?;
            let documents = test.iter().map(|&i| (&labelled[i], labels[i]));
            Ok((None, held_out_scores(&parts, &columns, documents)))
        });
        let mut model = None;
        let mut held_out = Vec::with_capacity(features.len());
        for job in jobs {
            let (fitted, scores) = job?;
            model = model.or(fitted);
            held_out.extend(scores);
        }
        let model = model.expect("job 0 fits the model");
        Ok((model, held_out))
    }
}

/// A calibration fold's scores of the documents it left out. They are
/// numbered already, so their rows come from the fold's columns: the terms
/// `Model::vector` would find by name, in the same order, so the scores are
/// the same bit for bit, without building the token maps a `Model` needs
/// for text.
fn held_out_scores<'d>(
    parts: &ModelParts,
    columns: &Columns,
    documents: impl Iterator<Item = (&'d TermCounts, usize)>,
) -> Vec<HeldOut> {
    let weights = TermWeights::new(parts);
    documents
        .map(|(document, truth)| {
            let mut row = columns.row(document);
            parts.weighting.apply(&mut row, &parts.idf);
            HeldOut {
                log_joint: weights.log_joint_of(&row),
                truth,
            }
        })
        .collect()
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
                        .map(|d| pipeline.features(d.article()))
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

/// The counting step: `sums` (labels × vocabulary) becomes one row per
/// label, the sum of its documents' rows, each counted `weight` times (1 in
/// plain naive Bayes).
fn sum_rows_per_label(
    sums: &mut Array2<f64>,
    rows: &[SparseRow],
    labels: &[usize],
    weights: &[f64],
) {
    sums.fill(0.0);
    for ((row, &label), &weight) in rows.iter().zip(labels).zip(weights) {
        for &(t, value) in row {
            sums[[label, t as usize]] += weight * value;
        }
    }
}

/// Row `c` becomes the sum of every other label's row: what complement
/// naive Bayes fits `P(term | not c)` on.
fn complement_sums(class_sums: &Array2<f64>) -> Array2<f64> {
    let total = class_sums.sum_axis(Axis(0));
    let mut complement = class_sums.clone();
    for mut row in complement.rows_mut() {
        row.zip_mut_with(&total, |c, &t| *c = t - *c);
    }
    complement
}

/// `ln(mass_label / total mass)`: with whole documents, the prior
/// linfa-bayes itself would fit on the unsummed rows.
fn log_prior(label_mass: &[f64]) -> Vec<f64> {
    let total: f64 = label_mass.iter().sum();
    label_mass.iter().map(|&n| (n / total).ln()).collect()
}

/// One line naming the model kind and every training parameter.
pub fn describe(params: &TrainParams) -> String {
    let t = &params.text;
    let w = &params.weighting;
    let kind = if params.complement {
        "complement"
    } else {
        "multinomial"
    };
    format!(
        "{kind} naive Bayes (linfa-bayes), alpha={}, min_df={}, sublinear_tf={}, idf={}, l2_normalise={}, normalise_weights={}, prior_weight={}, discriminative_rounds={}, discriminative_step={}, discriminative_loss_power={}, calibration={:?}, calibration_folds={}, em_iterations={}, em_weight={}, title_weight={}, lead_weight={}, bigrams={}, char_bigrams={}, strip_boilerplate={}, traditional_to_simplified={}, hmm={}, user_words={}",
        params.alpha,
        params.min_df,
        w.sublinear_tf,
        w.idf,
        w.l2_normalise,
        params.normalise_weights,
        params.prior_weight,
        params.discriminative.rounds,
        params.discriminative.step,
        params.discriminative.loss_power,
        params.calibration,
        params.calibration_folds,
        params.em.iterations,
        params.em.weight,
        t.title_weight,
        t.lead_weight,
        t.bigrams,
        t.char_bigrams,
        t.strip_boilerplate,
        t.traditional_to_simplified,
        t.hmm,
        t.user_words.len()
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::{default_labels, read_corpus};

    #[test]
    fn held_out_scores_equal_scoring_the_fold_model_by_name() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus.jsonl");
        let documents = read_corpus(&[path], &default_labels()).unwrap();
        let params = TrainParams {
            text: TextConfig {
                bigrams: true,
                char_bigrams: true,
                ..TextConfig::default()
            },
            // As shipped: the held-out rows must be weighted like the
            // model's own vectors.
            weighting: Weighting::IDF_L2,
            ..TrainParams::default()
        }
        .check()
        .unwrap();
        let features = extract_features(&params.pipeline(), &documents);
        let refs: Vec<&Features> = features.iter().collect();
        let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
        let numbered = TermTable::number(&refs, &[]);
        // Train on every third document left out, score those.
        let (train, test): (Vec<usize>, Vec<usize>) =
            (0..documents.len()).partition(|i| i % 3 != 0);
        let train_documents: Vec<&TermCounts> =
            train.iter().map(|&i| &numbered.labelled[i]).collect();
        let train_labels: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
        let (parts, columns) = params
            .fit_uncalibrated(&numbered.table, &train_documents, &train_labels, &[])
            .unwrap();
        let scores = held_out_scores(
            &parts,
            &columns,
            test.iter().map(|&i| (&numbered.labelled[i], labels[i])),
        );
        let model = Model::from_parts(parts, "test".into()).unwrap();
        assert_eq!(scores.len(), test.len());
        for (score, &i) in scores.iter().zip(&test) {
            assert_eq!(score.truth, labels[i]);
            assert_eq!(
                score.log_joint,
                model.log_joint(&features[i]),
                "document {i}"
            );
        }
    }
}
