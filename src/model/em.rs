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

use ndarray::Array2;

use super::scorer::{softmax, TermWeights};
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

/// E-step: the posterior-weighted per-label sums of `rows` (times `weight`)
/// and the per-label document mass they add to the prior.
pub(crate) fn expected_sums(
    weights: &TermWeights,
    rows: &[SparseRow],
    weight: f64,
) -> (Array2<f64>, Vec<f64>) {
    let labels = weights.labels();
    let mut sums = Array2::zeros((labels, weights.vocabulary_size()));
    let mut mass = vec![0.0; labels];
    for row in rows {
        let posterior = softmax(&weights.log_joint_of(row), 1.0);
        for (label, p) in posterior.iter().enumerate() {
            let p = p * weight;
            mass[label] += p;
            for &(t, value) in row {
                sums[[label, t as usize]] += p * value;
            }
        }
    }
    (sums, mass)
}
