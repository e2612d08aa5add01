//! Semi-supervised naive Bayes by EM (Nigam, McCallum, Thrun & Mitchell
//! 2000, "Text Classification from Labeled and Unlabeled Documents using
//! EM"): fit on the labelled documents, then repeat
//!
//! - E-step: the current model's posterior `P(label | d)` of every
//!   unlabelled document;
//! - M-step: refit on the labelled sums plus each unlabelled document's
//!   weighted vector spread over labels by that posterior, times `weight`
//!   (their λ < 1: unlabelled documents help estimate word statistics but
//!   must not outvote the labels).
//!
//! The vocabulary and IDF stay those of the labelled set.

use super::naive_bayes::TermWeights;
use super::softmax::softmax;
use super::weighting::SparseRow;

/// How EM uses unlabelled documents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmParams {
    /// EM rounds after the labelled-only fit; 0 ignores unlabelled data.
    pub iterations: usize,
    /// λ: weight of one unlabelled document relative to a labelled one.
    pub weight: f64,
}

impl Default for EmParams {
    fn default() -> Self {
        Self {
            iterations: 0,
            weight: 0.1,
        }
    }
}

impl EmParams {
    /// E-step: how much an unlabelled `row` counts in each label in the
    /// M-step (`naive_bayes::LabelCounts::count`), its posterior under the
    /// current model times λ.
    pub(crate) fn membership(
        &self,
        weights: &TermWeights,
        row: &SparseRow,
    ) -> impl Iterator<Item = (usize, f64)> {
        let weight = self.weight;
        softmax(&weights.log_joint_of(row))
            .into_iter()
            .map(move |p| p * weight)
            .enumerate()
    }
}
