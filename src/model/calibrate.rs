//! Temperature scaling (Guo et al. 2017): naive-Bayes posteriors are far too
//! sure of themselves, because the model counts correlated words as
//! independent evidence. Dividing the joint log-likelihood by one fitted
//! temperature `T` keeps every ranking (so accuracy and F1 are untouched) and
//! makes "80% sure" mean right about 80% of the time.
//!
//! Per-label biases can be fitted with it ("vector scaling" restricted to a
//! bias, a learned prior adjustment): `softmax(log_joint / T + b)`. The
//! biases do move decisions: they undo the prior's pull toward the majority
//! label that naive Bayes overstates.
//!
//! `T` (and `b`) are fitted on held-out log-likelihoods (the caller produces them by
//! cross-validation inside the training set), never on the documents the
//! scored model trained on: those it always gets right, too sure.

use super::softmax::{largest, mean_negative_log_likelihood, softmax};

/// Held-out joint log-likelihoods of one document and its true label.
#[derive(Debug, Clone)]
pub(crate) struct HeldOut {
    pub log_joint: Vec<f64>,
    pub truth: usize,
}

/// The temperature minimising the negative log-likelihood of the true
/// labels, searched over `[1e-3, 1e4]` (golden-section on `ln T`; the NLL is
/// unimodal in `T`). Returns 1 when there is nothing to fit on.
pub(crate) fn fit_temperature(held_out: &[HeldOut]) -> f64 {
    if held_out.is_empty() {
        return 1.0;
    }
    let nll = |log_t: f64| negative_log_likelihood(held_out, log_t.exp());
    let (mut low, mut high) = (1e-3f64.ln(), 1e4f64.ln());
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut a = high - ratio * (high - low);
    let mut b = low + ratio * (high - low);
    let (mut fa, mut fb) = (nll(a), nll(b));
    for _ in 0..80 {
        if fa <= fb {
            high = b;
            b = a;
            fb = fa;
            a = high - ratio * (high - low);
            fa = nll(a);
        } else {
            low = a;
            a = b;
            fa = fb;
            b = low + ratio * (high - low);
            fb = nll(b);
        }
    }
    ((low + high) / 2.0).exp()
}

/// Temperature and per-label biases jointly minimising the held-out
/// negative log-likelihood of `softmax(log_joint / T + b)`, by damped
/// Newton steps on `(1/T, b)` (the loss is convex in them). A small ridge
/// on `b` pins its free constant. Falls back to `(1, 0)` with no data.
pub(crate) fn fit_temperature_and_bias(held_out: &[HeldOut]) -> (f64, Vec<f64>) {
    let labels = held_out.first().map_or(0, |h| h.log_joint.len());
    if held_out.is_empty() {
        return (1.0, vec![0.0; labels]);
    }
    // Shifted so the top label's log-joint is 0: same softmax, no overflow.
    let centred: Vec<(Vec<f64>, usize)> = held_out
        .iter()
        .map(|h| {
            let max = largest(&h.log_joint);
            (h.log_joint.iter().map(|l| l - max).collect(), h.truth)
        })
        .collect();
    let mut theta = vec![0.0; labels + 1];
    theta[0] = 1.0 / fit_temperature(held_out);
    let mut loss = scaled_loss(&centred, &theta);
    for _ in 0..50 {
        let (gradient, hessian) = gradient_and_hessian(&centred, &theta);
        let Some(step) = solve(hessian, &gradient) else {
            break;
        };
        let mut rate = 1.0;
        let mut improved = false;
        while rate > 1e-6 {
            let candidate: Vec<f64> = theta.iter().zip(&step).map(|(t, s)| t - rate * s).collect();
            let candidate_loss = scaled_loss(&centred, &candidate);
            if candidate[0] > 0.0 && candidate_loss < loss {
                improved = loss - candidate_loss > 1e-12;
                theta = candidate;
                loss = candidate_loss;
                break;
            }
            rate /= 2.0;
        }
        if !improved {
            break;
        }
    }
    let mean_bias = theta[1..].iter().sum::<f64>() / labels as f64;
    (
        1.0 / theta[0],
        theta[1..].iter().map(|b| b - mean_bias).collect(),
    )
}

const BIAS_RIDGE: f64 = 1e-4;

fn scaled_logits(z: &[f64], theta: &[f64]) -> Vec<f64> {
    z.iter()
        .zip(&theta[1..])
        .map(|(z, b)| theta[0] * z + b)
        .collect()
}

/// Mean NLL of `softmax(β z + b)` plus the ridge on `b`.
fn scaled_loss(centred: &[(Vec<f64>, usize)], theta: &[f64]) -> f64 {
    let nll = mean_negative_log_likelihood(
        centred
            .iter()
            .map(|(z, truth)| (scaled_logits(z, theta), *truth)),
    );
    nll + BIAS_RIDGE * theta[1..].iter().map(|b| b * b).sum::<f64>()
}

/// Gradient and Hessian of [`scaled_loss`] in `θ = (β, b)`.
fn gradient_and_hessian(centred: &[(Vec<f64>, usize)], theta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let k = theta.len();
    let mut gradient = vec![0.0; k];
    let mut hessian = vec![vec![0.0; k]; k];
    let n = centred.len() as f64;
    for (z, truth) in centred {
        let p = softmax(&scaled_logits(z, theta));
        // d logit_c / dθ: β → z_c, b_k → δ_ck.
        let jacobian = |c: usize, j: usize| -> f64 {
            if j == 0 {
                z[c]
            } else {
                f64::from(u8::from(j - 1 == c))
            }
        };
        for (c, &p_c) in p.iter().enumerate() {
            let residual = p_c - f64::from(u8::from(c == *truth));
            for (j, g) in gradient.iter_mut().enumerate() {
                *g += residual * jacobian(c, j) / n;
            }
        }
        // H = Jᵀ (diag p - p pᵀ) J
        let mean_j: Vec<f64> = (0..k)
            .map(|j| (0..p.len()).map(|c| p[c] * jacobian(c, j)).sum())
            .collect();
        for a in 0..k {
            for b in 0..k {
                let second: f64 = (0..p.len())
                    .map(|c| p[c] * jacobian(c, a) * jacobian(c, b))
                    .sum();
                hessian[a][b] += (second - mean_j[a] * mean_j[b]) / n;
            }
        }
    }
    for j in 1..k {
        gradient[j] += 2.0 * BIAS_RIDGE * theta[j];
        hessian[j][j] += 2.0 * BIAS_RIDGE;
    }
    (gradient, hessian)
}

/// Solves `A x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    let mut x = b.to_vec();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        x.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, row) in lower.iter_mut().enumerate() {
            let factor = row[col] / pivot_row[col];
            for (r, p) in row.iter_mut().zip(pivot_row).skip(col) {
                *r -= factor * p;
            }
            x[col + 1 + offset] -= factor * x[col];
        }
    }
    for col in (0..n).rev() {
        let tail: f64 = (col + 1..n).map(|k| a[col][k] * x[k]).sum();
        x[col] = (x[col] - tail) / a[col][col];
    }
    Some(x)
}

/// Mean `-ln P(truth)` under `softmax(log_joint / temperature)`.
fn negative_log_likelihood(held_out: &[HeldOut], temperature: f64) -> f64 {
    mean_negative_log_likelihood(held_out.iter().map(|h| {
        let scaled: Vec<f64> = h.log_joint.iter().map(|l| l / temperature).collect();
        (scaled, h.truth)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two labels whose logits differ by `gap`; the right one wins in a
    /// fraction `p` of documents. The best temperature makes
    /// `sigmoid(gap / T) = p`.
    #[test]
    fn recovers_the_temperature_that_matches_the_hit_rate() {
        let gap = 10.0;
        let held_out: Vec<HeldOut> = (0..100)
            .map(|i| HeldOut {
                log_joint: vec![gap, 0.0],
                truth: usize::from(i >= 80),
            })
            .collect();
        let t = fit_temperature(&held_out);
        let p = 1.0 / (1.0 + (-gap / t).exp());
        assert!((p - 0.8).abs() < 1e-6, "T={t}, p={p}");
    }

    /// Label 1 is right about 65% of the time although the logits always
    /// favour label 0: only a bias can express that. With an intercept, the
    /// fitted probabilities average to the observed frequency.
    #[test]
    fn bias_learns_what_the_logits_miss() {
        let held_out: Vec<HeldOut> = (0..100)
            .map(|i| HeldOut {
                log_joint: vec![(i % 7) as f64, 0.0],
                truth: usize::from(i % 7 < 5 && i % 10 != 0),
            })
            .collect();
        let (t, bias) = fit_temperature_and_bias(&held_out);
        let mean_p1: f64 = held_out
            .iter()
            .map(|h| {
                let gap = h.log_joint[0] / t + bias[0] - h.log_joint[1] / t - bias[1];
                1.0 / (1.0 + gap.exp())
            })
            .sum::<f64>()
            / 100.0;
        let frequency = held_out.iter().filter(|h| h.truth == 1).count() as f64 / 100.0;
        assert!(
            (mean_p1 - frequency).abs() < 0.01,
            "T={t}, b={bias:?}, mean p1={mean_p1}"
        );
        assert!(bias[1] > bias[0], "the bias favours the label that wins");
        assert!(bias.iter().sum::<f64>().abs() < 1e-9, "biases are centred");
    }

    #[test]
    fn nothing_to_fit_leaves_scores_alone() {
        assert_eq!(fit_temperature(&[]), 1.0);
    }
}
