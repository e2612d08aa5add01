//! From joint log-likelihoods to probabilities, written once: serving's
//! scores, DMNB's losses, EM's posteriors and calibration's loss all go
//! through these. Each shifts by the largest value first, so no `exp`
//! overflows however long the article.

/// The largest value (`-inf` for none).
pub(crate) fn largest(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// `exp(v - max)` of every value and their sum, summed in order.
fn shifted_exps(values: &[f64], max: f64) -> (Vec<f64>, f64) {
    let exps: Vec<f64> = values.iter().map(|&v| (v - max).exp()).collect();
    let sum = exps.iter().sum();
    (exps, sum)
}

/// Numerically stable softmax. A temperature, where there is one, divides
/// the logits before they come here (`Model::score_row`).
pub(crate) fn softmax(logits: &[f64]) -> Vec<f64> {
    let (exps, sum) = shifted_exps(logits, largest(logits));
    exps.into_iter().map(|e| e / sum).collect()
}

/// `ln Σ exp(v)`, computed stably around the largest value.
pub(crate) fn log_sum_exp(values: &[f64]) -> f64 {
    let max = largest(values);
    max + shifted_exps(values, max).1.ln()
}

/// Mean `-ln softmax(logits)[truth]` over `(logits, truth)` pairs: the loss
/// calibration minimises.
pub(crate) fn mean_negative_log_likelihood(
    scored: impl ExactSizeIterator<Item = (Vec<f64>, usize)>,
) -> f64 {
    let n = scored.len() as f64;
    let total: f64 = scored
        .map(|(logits, truth)| log_sum_exp(&logits) - logits[truth])
        .sum();
    total / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_without_overflow() {
        let p = softmax(&[1000.0, 1000.0 + 2f64.ln()]);
        assert!((p[0] - 1.0 / 3.0).abs() < 1e-12 && (p[1] - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn the_loss_is_minus_the_log_of_softmax() {
        let logits = vec![0.5, -1.0, 2.0];
        let p = softmax(&logits);
        let loss = mean_negative_log_likelihood([(logits.clone(), 1), (logits, 2)].into_iter());
        assert!((loss - (-(p[1].ln()) - p[2].ln()) / 2.0).abs() < 1e-12);
        assert!((log_sum_exp(&[0.0, 0.0]) - 2f64.ln()).abs() < 1e-15);
    }
}
