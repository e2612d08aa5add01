//! Training: hyper-parameters are checked once (`params.rs`), then `fit`
//! returns a [`Model`] that only predicts. This file arranges the steps: the
//! vocabulary and weighting, the counting and estimating of `naive_bayes.rs`
//! repeated for DMNB and EM rounds, and the calibration folds.

use super::calibrate::{fit_temperature, fit_temperature_and_bias, HeldOut};
use super::corpus::LabeledDocument;
use super::naive_bayes::{Estimator, LabelCounts, TermWeights};
use super::parallel::map_in_order;
use super::params::{describe, Calibration, ValidTrainParams};
use super::scorer::{Model, ModelParts, TrainingMetadata};
use super::split::stratified_folds;
use super::terms::{Columns, NumberedDocuments, TermCounts, TermTable, Vocabulary};
use super::weighting::{inverse_document_frequency, SparseRow};
use crate::error::{Error, Result};
use crate::text::{Features, HasArticle, TextPipeline};

/// What one fit learns from: labelled documents' features with their
/// labels (index into the parameters' label list), and unlabelled
/// documents' features for EM (none: a supervised fit). Features are
/// borrowed, so cross-validation fits on subsets without copying them.
#[derive(Debug, Clone)]
pub struct TrainingSet<'a> {
    features: Vec<&'a Features>,
    labels: Vec<usize>,
    unlabeled: &'a [Features],
}

impl<'a> TrainingSet<'a> {
    /// Every document of `features`, labelled by `labels` (same length).
    pub fn new(features: &'a [Features], labels: &[usize]) -> Self {
        Self::subset(features, labels, 0..features.len())
    }

    /// The documents `indices` of `features` and `labels`, in that order.
    pub fn subset(
        features: &'a [Features],
        labels: &[usize],
        indices: impl IntoIterator<Item = usize>,
    ) -> Self {
        assert_eq!(features.len(), labels.len(), "one label per document");
        let (features, labels) = indices
            .into_iter()
            .map(|i| (&features[i], labels[i]))
            .unzip();
        Self {
            features,
            labels,
            unlabeled: &[],
        }
    }

    /// Also learn, by EM, from `unlabeled` documents' features.
    pub fn with_unlabeled(self, unlabeled: &'a [Features]) -> Self {
        Self { unlabeled, ..self }
    }
}

impl ValidTrainParams {
    /// Fits on `set`, then calibrates on held-out folds of the same set.
    /// The model and the calibration folds' models are independent fits,
    /// run side by side.
    pub fn fit(&self, set: &TrainingSet<'_>) -> Result<Model> {
        let (mut model, held_out) =
            self.fit_with_held_out_scores(&set.features, &set.labels, set.unlabeled)?;
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

    /// Segments every document with these parameters' pipeline and fits
    /// on them all: for tests and benchmarks, which start from a corpus.
    pub fn fit_corpus(&self, documents: &[LabeledDocument]) -> Result<Model> {
        let features = extract_features(&self.pipeline(), documents);
        let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
        self.fit(&TrainingSet::new(&features, &labels))
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
            return Err(Error::UnusableData(format!(
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
        let estimator = Estimator {
            alpha: params.alpha,
            complement: params.complement,
            prior_weight: params.prior_weight,
        };
        let estimate = |parts: &mut ModelParts, counts: &LabelCounts| -> Result<()> {
            (parts.class_log_prior, parts.feature_log_prob) = estimator.estimate(counts)?;
            Ok(())
        };
        // Plain naive Bayes: every document once, in its own label.
        let mut counts = LabelCounts::zeros(label_count, parts.vocabulary.len());
        counts.count(&rows, |i| [(labels[i], 1.0)]);
        let document_mass = counts.mass.clone();
        estimate(&mut parts, &counts)?;
        let dmnb = &params.discriminative;
        let mut document_weights = vec![1.0; rows.len()];
        for _ in 0..dmnb.rounds {
            let weights = TermWeights::new(&parts);
            dmnb.add_losses(&weights, &rows, labels, &mut document_weights);
            counts.count(&rows, |i| [(labels[i], document_weights[i])]);
            // DMNB reweights the terms only: the prior stays the documents'.
            counts.mass.clone_from(&document_mass);
            estimate(&mut parts, &counts)?;
        }
        let em_rounds = if unlabeled_rows.is_empty() {
            0
        } else {
            params.em.iterations
        };
        let mut expected = LabelCounts::zeros(label_count, parts.vocabulary.len());
        for _ in 0..em_rounds {
            let weights = TermWeights::new(&parts);
            expected.count(&unlabeled_rows, |i| {
                params.em.membership(&weights, &unlabeled_rows[i])
            });
            estimate(&mut parts, &counts.plus(&expected))?;
        }
        Ok((parts, columns))
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
            let model = Model::from_parts(parts, "unsaved".into())?;
            if let Some(pipeline) = self.built_pipeline() {
                model.share_pipeline(pipeline);
            }
            Ok(model)
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
pub fn extract_features<D: HasArticle + Sync>(
    pipeline: &TextPipeline,
    documents: &[D],
) -> Vec<Features> {
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
        *counts
            .get_mut(label)
            .ok_or_else(|| Error::UnusableData(format!("label index {label} out of range")))? += 1;
    }
    Ok(counts)
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
                model.log_joint_of_features(&features[i]),
                "document {i}"
            );
        }
    }
}
