//! Training: hyper-parameters are checked once, then `fit` returns a
//! [`Model`] that only predicts. Counting, smoothing (linfa-bayes) and priors
//! are separate steps.

use ndarray::{Array2, Axis};

use super::calibrate::{fit_temperature, fit_temperature_and_bias, HeldOut};
use super::corpus::LabeledDocument;
use super::em::expected_sums;
use super::linfa_bridge::feature_log_prob_from_class_sums;
use super::parallel::map_in_order;
use super::params::{describe, Calibration, ValidTrainParams};
use super::scorer::{Model, ModelParts, TermWeights, TrainingMetadata};
use super::split::stratified_folds;
use super::terms::{Columns, NumberedDocuments, TermCounts, TermTable, Vocabulary};
use super::weighting::{inverse_document_frequency, SparseRow};
use crate::error::{Error, Result};
use crate::text::{Features, TextPipeline};

impl ValidTrainParams {
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::{default_labels, read_corpus, TrainParams, Weighting};
    use crate::text::TextConfig;

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
            ..TrainParams::plain()
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
