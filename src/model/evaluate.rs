//! Held-out evaluation: stratified K-fold cross-validation of a training
//! configuration, and scoring a fitted model on labelled documents.

use super::corpus::LabeledDocument;
use super::fit::{extract_features, TrainingSet};
use super::metrics::{summarise, summarise_groups, EvaluationSummary, FoldSpread, Outcome};
use super::parallel::map_in_order;
use super::params::ValidTrainParams;
use super::scorer::{ArticleVector, Model};
use super::split::stratified_folds;
use crate::error::{Error, Result};
use crate::text::Features;

/// Fits on K-1 folds and scores the held-out fold, K times; every document
/// is scored exactly once by a model that never saw it. (The command line
/// calls [`cross_validate_with_outcomes`]; tests start from this.)
#[cfg(test)]
pub(crate) fn cross_validate(
    params: &ValidTrainParams,
    documents: &[LabeledDocument],
    folds: usize,
    seed: u64,
) -> Result<EvaluationSummary> {
    cross_validate_semi_supervised(params, documents, &[], folds, seed)
}

/// Stratified K-fold cross-validation where every fold's model also learns, by EM, from the
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
    cross_validate_with_outcomes(params, documents, unlabeled, folds, seed).map(|(s, _)| s)
}

/// [`cross_validate_semi_supervised`], also returning every document's
/// held-out outcome in document order (for per-group metrics).
pub fn cross_validate_with_outcomes(
    params: &ValidTrainParams,
    documents: &[LabeledDocument],
    unlabeled: &[Features],
    folds: usize,
    seed: u64,
) -> Result<(EvaluationSummary, Vec<Outcome>)> {
    let label_names = &params.params().labels;
    if let Some(short) = label_short_of_folds(documents, label_names, folds) {
        return Err(Error::UnusableData(short.to_string()));
    }
    let features = extract_features(&params.pipeline(), documents);
    let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
    let assignment = stratified_folds(&labels, folds, seed);
    let mut by_document: Vec<Option<Outcome>> = vec![None; documents.len()];
    // Pooled fold by fold, the order the summary's sums have always run in.
    let mut pooled = Vec::with_capacity(documents.len());
    let mut per_fold = Vec::with_capacity(folds);
    for fold in 0..folds {
        let held_out: Vec<bool> = assignment.iter().map(|&f| f == fold).collect();
        let fold_outcomes: Vec<Outcome> =
            fit_and_score(params, documents, &features, &labels, unlabeled, &held_out)?
                .into_iter()
                .map(|(i, o)| {
                    by_document[i] = Some(o);
                    o
                })
                .collect();
        per_fold.push(summarise("fold", label_names, &fold_outcomes));
        pooled.extend(fold_outcomes);
    }
    let method = format!("{folds}-fold stratified cross-validation, seed {seed}");
    let mut summary = summarise(&method, label_names, &pooled);
    summary.spread = Some(FoldSpread::of(&per_fold));
    Ok((summary, by_document.into_iter().flatten().collect()))
}

/// Leave one group out: for every value of `groups` (one per document),
/// fits on the documents of the other values and scores that value's
/// documents, e.g. trains on TV news and tests on newspapers, and the
/// reverse. The summary pools every held-out outcome; `groups` has each.
pub fn leave_one_group_out(
    params: &ValidTrainParams,
    documents: &[LabeledDocument],
    unlabeled: &[Features],
    field: &str,
    groups: &[String],
) -> Result<EvaluationSummary> {
    let label_names = &params.params().labels;
    let features = extract_features(&params.pipeline(), documents);
    let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
    let mut by_document: Vec<Option<Outcome>> = vec![None; documents.len()];
    let mut values: Vec<&String> = Vec::new();
    for group in groups {
        if !values.contains(&group) {
            values.push(group);
        }
    }
    if values.len() < 2 {
        return Err(Error::UnusableData(format!(
            "leaving one {field} out needs at least two values of {field:?}; the documents have {}",
            values.len()
        )));
    }
    for value in values {
        let held_out: Vec<bool> = groups.iter().map(|g| g == value).collect();
        for (i, o) in fit_and_score(params, documents, &features, &labels, unlabeled, &held_out)? {
            by_document[i] = Some(o);
        }
    }
    let outcomes: Vec<Outcome> = by_document.into_iter().flatten().collect();
    let method =
        format!("leave one {field} out: each {field} scored by a model trained on the others");
    let mut summary = summarise(&method, label_names, &outcomes);
    summary.groups = summarise_groups(field, label_names, &outcomes, groups);
    Ok(summary)
}

/// Fits on the documents not `held_out` (their `features`) and scores the
/// held-out ones as serving would, from their text, returning `(document
/// index, outcome)` in document order.
fn fit_and_score(
    params: &ValidTrainParams,
    documents: &[LabeledDocument],
    features: &[Features],
    labels: &[usize],
    unlabeled: &[Features],
    held_out: &[bool],
) -> Result<Vec<(usize, Outcome)>> {
    let (test, train): (Vec<usize>, Vec<usize>) = (0..features.len()).partition(|&i| held_out[i]);
    let set = TrainingSet::subset(features, labels, train).with_unlabeled(unlabeled);
    let model = params.fit(&set)?;
    let tested: Vec<&LabeledDocument> = test.iter().map(|&i| &documents[i]).collect();
    Ok(test.into_iter().zip(outcomes(&model, &tested)).collect())
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
    /// The folds asked for.
    pub folds: usize,
    /// The label short of documents.
    pub label: String,
    /// How many documents it has.
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
    summarise(method, model.labels(), &outcomes(model, documents))
}

/// A fitted model's outcome on every document, in document order.
/// The documents are read on all cores (reading is most of the cost), each
/// on its own, so the outcomes do not depend on the core count.
pub fn outcomes<D: std::borrow::Borrow<LabeledDocument> + Sync>(
    model: &Model,
    documents: &[D],
) -> Vec<Outcome> {
    map_in_order(documents.len(), |i| {
        let document = documents[i].borrow();
        outcome(model, &model.vectorise(document.article()), document.label)
    })
}

fn outcome(model: &Model, vector: &ArticleVector, truth: usize) -> Outcome {
    let scores = model.score(vector);
    let predicted = scores.ranking()[0];
    Outcome {
        truth,
        predicted,
        confidence: scores.probabilities[predicted],
    }
}
