//! The naive-Bayes core, in scikit-learn's `naive_bayes.py` shape: one
//! place counts (weighted rows summed per label), one smooths and takes the
//! prior, one computes the joint log-likelihood. Every training strategy
//! only decides the membership weights it counts with:
//!
//! - a plain fit: each labelled document in its own label, weight 1;
//! - DMNB (`discriminative.rs`): weight 1 plus its accumulated losses;
//! - EM (`em.rs`): each unlabelled document in every label, weight its
//!   posterior times λ;
//!
//! and calibration (`calibrate.rs`) only rescales the joint log-likelihood.

use ndarray::{Array2, Axis};

use super::linfa_bridge::{feature_log_prob_from_class_sums, FeatureLogProb};
use super::scorer::ModelParts;
use super::weighting::SparseRow;
use crate::error::Result;

/// Per-label sums of weighted rows (`[label][term]`) and the per-label
/// document mass the prior is taken from.
#[derive(Debug, Clone)]
pub(crate) struct LabelCounts {
    pub sums: Array2<f64>,
    pub mass: Vec<f64>,
}

impl LabelCounts {
    pub(crate) fn zeros(labels: usize, vocabulary: usize) -> Self {
        Self {
            sums: Array2::zeros((labels, vocabulary)),
            mass: vec![0.0; labels],
        }
    }

    /// The counting step: replaces the counts by the sum, over `rows`, of
    /// row `i` added to each label `membership(i)` names, times its weight
    /// (mass gains the weight). Rows and labels are visited in order, so the
    /// sums come out the same on every run. Counting into the same arrays
    /// each round: a fresh 6 × 110k array per round was a page fault per
    /// 4 KB, and faults were a fifth of training time.
    pub(crate) fn count<M>(&mut self, rows: &[SparseRow], membership: impl Fn(usize) -> M)
    where
        M: IntoIterator<Item = (usize, f64)>,
    {
        self.sums.fill(0.0);
        self.mass.fill(0.0);
        for (i, row) in rows.iter().enumerate() {
            for (label, weight) in membership(i) {
                self.mass[label] += weight;
                for &(t, value) in row {
                    self.sums[[label, t as usize]] += weight * value;
                }
            }
        }
    }

    /// Both counts together (labelled plus EM's unlabelled), term by term.
    pub(crate) fn plus(&self, other: &Self) -> Self {
        let mut sums = self.sums.clone();
        sums += &other.sums;
        let mass = self
            .mass
            .iter()
            .zip(&other.mass)
            .map(|(a, b)| a + b)
            .collect();
        Self { sums, mass }
    }
}

/// How counts become a model's parameters (the `TrainParams` fields that
/// matter here).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Estimator {
    pub alpha: f64,
    pub complement: bool,
    pub prior_weight: f64,
}

impl Estimator {
    /// The smoothing step (linfa-bayes) and the prior: `(class log prior,
    /// feature log-probabilities)` from `counts`.
    pub(crate) fn estimate(&self, counts: &LabelCounts) -> Result<(Vec<f64>, FeatureLogProb)> {
        let complement;
        let fitted_sums = if self.complement {
            complement = complement_sums(&counts.sums);
            complement.view()
        } else {
            counts.sums.view()
        };
        let feature_log_prob = feature_log_prob_from_class_sums(fitted_sums, self.alpha)?;
        let class_log_prior = log_prior(&counts.mass)
            .into_iter()
            .map(|p| p * self.prior_weight)
            .collect();
        Ok((class_log_prior, feature_log_prob))
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

/// The fitted parameters in the layout scoring reads: what a numbered row
/// needs to be scored, and nothing else. Training's DMNB rounds, EM rounds
/// and calibration folds score only numbered rows, so they build this and
/// skip the token maps a `Model` builds for text (tens of milliseconds per
/// fit).
#[derive(Debug, Clone)]
pub(crate) struct TermWeights {
    labels: usize,
    /// `weights[term * labels + label]`: one term's weights are adjacent, so
    /// a sparse dot product reads one short run per term.
    weights: Vec<f64>,
    class_log_prior: Vec<f64>,
}

impl TermWeights {
    /// From parameters that passed `validate` or that a fit just produced.
    pub(crate) fn new(parts: &ModelParts) -> Self {
        Self::from_fit(
            &parts.class_log_prior,
            &parts.feature_log_prob,
            parts.complement,
            parts.normalise_weights,
        )
    }

    /// From the estimated parameters; a complement model's weights count
    /// against their label, normalised ones are divided by their L1 norm.
    pub(crate) fn from_fit(
        class_log_prior: &[f64],
        feature_log_prob: &[Vec<f64>],
        complement: bool,
        normalise_weights: bool,
    ) -> Self {
        let labels = class_log_prior.len();
        let vocabulary = feature_log_prob.first().map_or(0, Vec::len);
        let mut weights = vec![0.0; vocabulary * labels];
        let sign = if complement { -1.0 } else { 1.0 };
        for (label, row) in feature_log_prob.iter().enumerate() {
            let norm = if normalise_weights {
                row.iter()
                    .map(|w| w.abs())
                    .sum::<f64>()
                    .max(f64::MIN_POSITIVE)
            } else {
                1.0
            };
            for (term, &w) in row.iter().enumerate() {
                weights[term * labels + label] = sign * w / norm;
            }
        }
        Self {
            labels,
            weights,
            class_log_prior: class_log_prior.to_vec(),
        }
    }

    /// One term's weight for every label, model order.
    pub(super) fn of_term(&self, term: u32) -> &[f64] {
        let start = term as usize * self.labels;
        &self.weights[start..start + self.labels]
    }

    /// Adds each term's value times its weight to every label's `joint`,
    /// term by term in row order.
    fn add_terms(&self, joint: &mut [f64], row: &SparseRow) {
        for &(t, value) in row {
            for (acc, w) in joint.iter_mut().zip(self.of_term(t)) {
                *acc += value * w;
            }
        }
    }

    /// Joint log-likelihood of every label for a weighted row: the class log
    /// prior plus each term's value times its weight (for a multinomial
    /// model, its log-probability). What serving, EM and the calibration
    /// folds score.
    pub(crate) fn log_joint_of(&self, row: &SparseRow) -> Vec<f64> {
        let mut joint = self.class_log_prior.clone();
        self.add_terms(&mut joint, row);
        joint
    }

    /// [`Self::log_joint_of`] with the terms summed first and the prior
    /// added last: the order DMNB has always summed its losses in. Floating
    /// addition is not associative, so the other order would change the
    /// shipped model's last bits.
    pub(crate) fn log_joint_prior_last(&self, row: &SparseRow) -> Vec<f64> {
        let mut joint = vec![0.0; self.labels];
        self.add_terms(&mut joint, row);
        for (acc, prior) in joint.iter_mut().zip(&self.class_log_prior) {
            *acc += prior;
        }
        joint
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counting with one-hot weights is the per-label sum; with posteriors,
    /// each row spread over labels.
    #[test]
    fn counts_are_rows_times_membership_weights() {
        let rows: Vec<SparseRow> = vec![vec![(0, 1.0), (2, 2.0)], vec![(1, 3.0)]];
        let mut counts = LabelCounts::zeros(2, 3);
        counts.count(&rows, |i| [(i, 2.0)]);
        assert_eq!(counts.sums.row(0).to_vec(), vec![2.0, 0.0, 4.0]);
        assert_eq!(counts.sums.row(1).to_vec(), vec![0.0, 6.0, 0.0]);
        assert_eq!(counts.mass, vec![2.0, 2.0]);
        counts.count(&rows, |_| [(0, 0.25), (1, 0.75)]);
        assert_eq!(counts.sums.row(1).to_vec(), vec![0.75, 2.25, 1.5]);
        assert_eq!(counts.mass, vec![0.5, 1.5]);
    }

    /// Both orders of the joint log-likelihood agree up to rounding.
    #[test]
    fn the_joint_log_likelihood_is_prior_plus_weighted_terms() {
        let weights = TermWeights::from_fit(
            &[0.5f64.ln(), 0.5f64.ln()],
            &[
                vec![0.9f64.ln(), 0.1f64.ln()],
                vec![0.4f64.ln(), 0.6f64.ln()],
            ],
            false,
            false,
        );
        let row: SparseRow = vec![(0, 2.0), (1, 1.0)];
        let expected = [
            0.5f64.ln() + 2.0 * 0.9f64.ln() + 0.1f64.ln(),
            0.5f64.ln() + 2.0 * 0.4f64.ln() + 0.6f64.ln(),
        ];
        for joint in [
            weights.log_joint_of(&row),
            weights.log_joint_prior_last(&row),
        ] {
            for (j, e) in joint.iter().zip(expected) {
                assert!((j - e).abs() < 1e-12);
            }
        }
    }
}
