//! Held-out evaluation: stratified K-fold cross-validation of a training
//! configuration, and scoring a fitted model on labelled documents.

use super::corpus::LabeledDocument;
use super::fit::{extract_features, ValidTrainParams};
use super::metrics::{summarise, EvaluationSummary, Outcome};
use super::scorer::Model;
use super::split::stratified_folds;
use crate::error::Result;
use crate::text::{ArticleText, Features, TextPipeline};

/// Fits on K-1 folds and scores the held-out fold, K times; every document
/// is scored exactly once by a model that never saw it.
pub fn cross_validate(
    params: &ValidTrainParams,
    documents: &[LabeledDocument],
    folds: usize,
    seed: u64,
) -> Result<EvaluationSummary> {
    let features = extract_features(&params.pipeline(), documents);
    let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
    let assignment = stratified_folds(&labels, folds, seed);
    let mut outcomes = Vec::with_capacity(documents.len());
    for fold in 0..folds {
        let (train, test): (Vec<usize>, Vec<usize>) =
            (0..documents.len()).partition(|&i| assignment[i] != fold);
        let train_features: Vec<Features> = train.iter().map(|&i| features[i].clone()).collect();
        let train_labels: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
        let model = params.fit_features(&train_features, &train_labels)?;
        outcomes.extend(
            test.iter()
                .map(|&i| outcome(&model, &features[i], labels[i])),
        );
    }
    let method = format!("{folds}-fold stratified cross-validation, seed {seed}");
    Ok(summarise(&method, &params.params().labels, &outcomes))
}

/// Scores a fitted model on labelled documents.
pub fn evaluate(model: &Model, documents: &[LabeledDocument], method: &str) -> EvaluationSummary {
    let pipeline = TextPipeline::new(model.text_config().clone());
    let outcomes: Vec<Outcome> = documents
        .iter()
        .map(|d| {
            let features = pipeline.features(ArticleText {
                title: &d.title,
                body: &d.text,
            });
            outcome(model, &features, d.label)
        })
        .collect();
    summarise(method, model.labels(), &outcomes)
}

fn outcome(model: &Model, features: &Features, truth: usize) -> Outcome {
    let scores = model.score(features);
    let predicted = scores.ranking()[0];
    Outcome {
        truth,
        predicted,
        confidence: scores.probabilities[predicted],
    }
}
