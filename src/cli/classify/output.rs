//! The JSON lines `classify` prints. Structs, not maps, so that every line
//! starts with `id`, `label` and `confidence` whatever follows.

use serde::Serialize;

use crate::classifier::{Classification, Classifier};

#[derive(Serialize)]
pub(super) struct ResultLine<'a> {
    pub id: &'a str,
    pub label: String,
    pub confidence: f64,
    pub scores: Vec<Score>,
    /// The share of the article's words the model knows.
    pub coverage: f64,
    pub model_version: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Present, and true, only when the answer abstained to `other`
    /// (`--min-confidence`, or a coverage below the model's minimum).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abstained: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abstain_reason: Option<String>,
}

#[derive(Serialize)]
pub(super) struct Score {
    pub label: String,
    pub probability: f64,
}

#[derive(Serialize)]
pub(super) struct Evidence {
    pub term: String,
    pub weight: f64,
}

/// An article that could not be classified, with the reason.
#[derive(Serialize)]
pub(super) struct ErrorLine<'a> {
    pub id: &'a str,
    pub error: String,
}

impl<'a> ResultLine<'a> {
    pub(super) fn new(id: &'a str, result: Classification, classifier: &'a Classifier) -> Self {
        Self {
            id,
            label: result.label,
            confidence: result.confidence,
            scores: result
                .scores
                .into_iter()
                .map(|(label, probability)| Score { label, probability })
                .collect(),
            coverage: result.coverage,
            model_version: classifier.model().version(),
            abstained: result.abstain_reason.is_some().then_some(true),
            abstain_reason: result.abstain_reason,
            evidence: result
                .evidence
                .into_iter()
                .map(|e| Evidence {
                    term: e.term,
                    weight: e.weight,
                })
                .collect(),
        }
    }
}
