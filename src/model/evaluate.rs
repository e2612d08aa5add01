//! Held-out evaluation: stratified K-fold cross-validation of a training
//! configuration, and scoring a fitted model on labelled documents.

use super::corpus::LabeledDocument;
use super::fit::{extract_features, ValidTrainParams};
use super::metrics::{summarise, EvaluationSummary, FoldSpread, Outcome};
use super::scorer::Model;
use super::split::stratified_folds;
use crate::error::{Error, Result};
use crate::text::{ArticleText, Features, TextPipeline};

/// Fits on K-1 folds and scores the held-out fold, K times; every document
/// is scored exactly once by a model that never saw it.
pub fn cross_validate(
    params: &ValidTrainParams,
    documents: &[LabeledDocument],
    folds: usize,
    seed: u64,
) -> Result<EvaluationSummary> {
    cross_validate_semi_supervised(params, documents, &[], folds, seed)
}

/// [`cross_validate`] where every fold's model also learns, by EM, from the
/// features of `unlabeled` documents (never from the held-out fold's labels).
/// The summary pools all held-out predictions; `spread` has each metric's
/// mean and deviation over folds.
pub fn cross_validate_semi_supervised(
    params: &ValidTrainParams,
    documents: &[LabeledDocument],
    unlabeled: &[Features],
    folds: usize,
    seed: u64,
) -> Result<EvaluationSummary> {
    let label_names = &params.params().labels;
    if let Some(short) = label_short_of_folds(documents, label_names, folds) {
        return Err(Error::InvalidParameter(short.to_string()));
    }
    let features = extract_features(&params.pipeline(), documents);
    let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
    let assignment = stratified_folds(&labels, folds, seed);
    let mut outcomes = Vec::with_capacity(documents.len());
    let mut per_fold = Vec::with_capacity(folds);
    for fold in 0..folds {
        let (train, test): (Vec<usize>, Vec<usize>) =
            (0..documents.len()).partition(|&i| assignment[i] != fold);
        let train_features: Vec<&Features> = train.iter().map(|&i| &features[i]).collect();
        let train_labels: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
        let model = params.fit_documents(&train_features, &train_labels, unlabeled)?;
        let fold_outcomes: Vec<Outcome> = test
            .iter()
            .map(|&i| outcome(&model, &features[i], labels[i]))
            .collect();
        per_fold.push(summarise("fold", label_names, &fold_outcomes));
        outcomes.extend(fold_outcomes);
    }
    let method = format!("{folds}-fold stratified cross-validation, seed {seed}");
    let mut summary = summarise(&method, label_names, &outcomes);
    summary.spread = Some(FoldSpread::of(&per_fold));
    Ok(summary)
}

/// The label with the fewest documents when it has fewer than `folds`
/// (labels with none are not counted): stratified folds would then leave
/// that label out of some folds, whose per-fold recall and F1 for it are
/// meaningless, and with many folds some folds would be empty.
pub fn label_short_of_folds(
    documents: &[LabeledDocument],
    label_names: &[String],
    folds: usize,
) -> Option<FoldShortfall> {
    let mut counts = vec![0usize; label_names.len()];
    for document in documents {
        if let Some(count) = counts.get_mut(document.label) {
            *count += 1;
        }
    }
    counts
        .iter()
        .enumerate()
        .filter(|&(_, &count)| count > 0 && count < folds)
        .min_by_key(|&(_, &count)| count)
        .map(|(label, &documents)| FoldShortfall {
            folds,
            label: label_names[label].clone(),
            documents,
        })
}

/// A label with fewer documents than cross-validation folds.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldShortfall {
    pub folds: usize,
    pub label: String,
    pub documents: usize,
}

impl std::fmt::Display for FoldShortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} folds: label {:?} has only {} documents; use {} folds or fewer",
            self.folds, self.label, self.documents, self.documents
        )
    }
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
