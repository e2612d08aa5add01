//! Everything that touches linfa-bayes lives here.
//!
//! Multinomial naive Bayes only needs, per label, the summed feature counts
//! of its documents. So instead of handing linfa a documents × vocabulary
//! dense matrix (the shipped model's 6,326 documents × 249,438 terms would
//! be 12.6 GB of f64), we hand it one row per label holding that label's
//! summed counts: linfa's smoothing and log-probabilities come out the same,
//! from a labels × vocabulary matrix (6 × 249,438, 12 MB).
//! The priors linfa derives from row counts are then meaningless (one row per
//! label) and the caller supplies its own; see `naive_bayes.rs`.
//!
//! Upstream linfa-bayes keeps the fitted parameters private; our vendored
//! copy adds one read accessor (`class_parameters`) for them.

use linfa::traits::Fit;
use linfa::DatasetBase;
use linfa_bayes::{MultinomialNb, MultinomialNbParams};
use ndarray::{Array1, ArrayView2};

use crate::error::{Error, Result};

/// Per-label smoothed log-probabilities of each feature, `[label][term]`.
pub(crate) type FeatureLogProb = Vec<Vec<f64>>;

/// Fits linfa's `MultinomialNb` with smoothing `alpha` on rows of feature
/// counts and returns the fitted model. Training passes one row per label
/// (pre-summed); the tests also pass one row per document, to show the two
/// agree.
pub(crate) fn fit_linfa(
    rows: ArrayView2<'_, f64>,
    targets: Array1<usize>,
    alpha: f64,
) -> Result<MultinomialNb<f64, usize>> {
    let dataset = DatasetBase::new(rows, targets);
    let params = MultinomialNbParams::new().alpha(alpha);
    // The patched linfa-bayes (vendor/linfa-bayes) no longer `dbg!`s every
    // class histogram, so stderr needs no silencing here.
    params.fit(&dataset).map_err(|e| Error::Fit(e.to_string()))
}

/// Fits on one row per label (the label's summed counts) and returns the
/// smoothed feature log-probabilities for labels `0..label_count`.
pub(crate) fn feature_log_prob_from_class_sums(
    class_sums: ArrayView2<'_, f64>,
    alpha: f64,
) -> Result<FeatureLogProb> {
    let labels = class_sums.nrows();
    let targets = Array1::from_iter(0..labels);
    let model = fit_linfa(class_sums, targets, alpha)?;
    let (_, feature_log_prob) = fitted_parameters(&model, labels)?;
    Ok(feature_log_prob)
}

/// Reads `(log prior, feature log-probabilities)` out of a fitted linfa model
/// (through the accessor our vendored copy adds; see
/// `vendor/linfa-bayes/PATCHED.md`).
pub(crate) fn fitted_parameters(
    model: &MultinomialNb<f64, usize>,
    label_count: usize,
) -> Result<(Vec<f64>, FeatureLogProb)> {
    let mut log_prior = Vec::with_capacity(label_count);
    let mut feature_log_prob = Vec::with_capacity(label_count);
    for label in 0..label_count {
        let (prior, log_prob) = model
            .class_parameters(&label)
            .ok_or_else(|| Error::Fit(format!("no documents for label index {label}")))?;
        log_prior.push(prior.ln());
        feature_log_prob.push(log_prob.to_vec());
    }
    Ok((log_prior, feature_log_prob))
}
