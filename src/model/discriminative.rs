//! Discriminative multinomial naive Bayes (Su, Sayyad-Shirabad, Matwin &
//! Huang 2008, "Discriminative Multinomial Naive Bayes for Text
//! Classification"), in its batch form.
//!
//! Plain naive Bayes counts every training document once, however well the
//! model already explains it. DMNB keeps the model's form (class-conditional
//! multinomials fitted from per-label counts) but chooses the counts
//! discriminatively: starting from the ordinary counts, each round adds
//! every training document's vector to its own label again, weighted by how
//! badly the current model classifies it, `step · (1 − P(true | d))^power`,
//! and the multinomials are refitted (by linfa-bayes, like any fit).
//! Documents the model already gets right add almost nothing; the confused
//! ones (policy articles taken for `other`, and back) pull their words
//! toward their true label. A few rounds are enough.
//!
//! `power` < 1 (our extension; the paper uses 1) flattens the loss so that
//! half-right documents count almost as much as wrong ones, which
//! cross-validated better here (`docs/accuracy.md`).
//!
//! What is learnt is still naive Bayes: per label, a smoothed distribution
//! over terms and a prior; only how many times each document is counted
//! changes. The label prior stays the document counts.

use super::naive_bayes::TermWeights;
use super::softmax::softmax;
use super::weighting::SparseRow;

/// How many discriminative rounds to run and how far each moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiscriminativeParams {
    /// Reweighting rounds after the plain fit; 0 is plain naive Bayes.
    pub rounds: usize,
    /// Extra counts a completely misclassified document adds per round.
    pub step: f64,
    /// Exponent of the loss `1 − P(true | d)`; 1 is the paper's rule.
    pub loss_power: f64,
}

impl Default for DiscriminativeParams {
    fn default() -> Self {
        Self {
            rounds: 0,
            step: 10.0,
            loss_power: 0.5,
        }
    }
}

impl DiscriminativeParams {
    /// Adds this round's loss of every training document to its weight
    /// (how many times it is counted), under the current model's `weights`.
    pub(crate) fn add_losses(
        &self,
        weights: &TermWeights,
        rows: &[SparseRow],
        labels: &[usize],
        document_weights: &mut [f64],
    ) {
        for ((row, &truth), weight) in rows.iter().zip(labels).zip(document_weights.iter_mut()) {
            let loss = 1.0 - softmax(&weights.log_joint_prior_last(row))[truth];
            *weight += self.step * loss.max(0.0).powf(self.loss_power);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two labels, two terms. Document 0 (label 0) is explained well, so
    /// its weight barely moves; document 1 (label 1, but its term favours
    /// label 0) gets most of the step.
    #[test]
    fn confused_documents_gain_weight() {
        let prior = [0.5f64.ln(), 0.5f64.ln()];
        let log_prob = vec![
            vec![0.9f64.ln(), 0.1f64.ln()],
            vec![0.4f64.ln(), 0.6f64.ln()],
        ];
        let rows: Vec<SparseRow> = vec![vec![(0, 3.0)], vec![(0, 1.0)]];
        let mut weights = vec![1.0, 1.0];
        let params = DiscriminativeParams {
            rounds: 1,
            step: 2.0,
            loss_power: 1.0,
        };
        let model = TermWeights::from_fit(&prior, &log_prob, false, false);
        params.add_losses(&model, &rows, &[0, 1], &mut weights);
        // P(0 | d0) = 0.9³ / (0.9³ + 0.4³); P(1 | d1) = 0.4 / (0.9 + 0.4).
        let p0 = 0.729 / (0.729 + 0.064);
        let p1 = 0.4 / 1.3;
        assert!((weights[0] - (1.0 + 2.0 * (1.0 - p0))).abs() < 1e-12);
        assert!((weights[1] - (1.0 + 2.0 * (1.0 - p1))).abs() < 1e-12);
        assert!(weights[1] > 2.0 && weights[0] < 1.2);
    }

    #[test]
    fn loss_power_below_one_flattens_the_loss() {
        let prior = [0.0, 0.0];
        let log_prob = vec![
            vec![0.5f64.ln(), 0.5f64.ln()],
            vec![0.5f64.ln(), 0.5f64.ln()],
        ];
        let rows: Vec<SparseRow> = vec![vec![(0, 1.0)]];
        let weight_with = |loss_power| {
            let mut weights = vec![0.0];
            let params = DiscriminativeParams {
                rounds: 1,
                step: 1.0,
                loss_power,
            };
            let model = TermWeights::from_fit(&prior, &log_prob, false, false);
            params.add_losses(&model, &rows, &[0], &mut weights);
            weights[0]
        };
        assert!((weight_with(1.0) - 0.5).abs() < 1e-12);
        assert!((weight_with(0.5) - 0.5f64.sqrt()).abs() < 1e-12);
    }
}
