//! Classification metrics: accuracy, per-label precision/recall/F1,
//! macro-F1, confusion matrix and expected calibration error.

use serde::{Deserialize, Serialize};

/// Per-label precision, recall, F1 and support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelMetrics {
    /// The label's name.
    pub label: String,
    /// Share of the documents predicted as this label that have it.
    pub precision: f64,
    /// Share of the documents with this label predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Documents with this label.
    pub support: u64,
}

/// Quality on documents the model did not train on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationSummary {
    /// How it was measured (`5-fold stratified cross-validation, seed 42`).
    pub method: String,
    /// Documents scored.
    pub documents: u64,
    /// Share of documents predicted right.
    pub accuracy: f64,
    /// Mean of the per-label F1 scores.
    pub macro_f1: f64,
    /// Expected calibration error over [`ECE_BINS`] equal-width bins.
    pub expected_calibration_error: f64,
    /// Each label's metrics, in model order.
    pub per_label: Vec<LabelMetrics>,
    /// `confusion[true][predicted]`.
    pub confusion: Vec<Vec<u64>>,
    /// Cross-validation only: every metric's mean and spread over folds
    /// (the fields above pool all held-out predictions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<FoldSpread>,
    /// With `--by FIELD`: the same metrics for each value of the field
    /// (e.g. each source), in order of first appearance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupSummary>,
}

/// The metrics of the documents sharing one value of a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// The field grouped by, e.g. `source`.
    pub field: String,
    /// Its value, e.g. `人民日报`.
    pub value: String,
    /// The metrics of those documents.
    pub summary: EvaluationSummary,
}

/// One summary per distinct value of `groups` (parallel to `outcomes`), in
/// order of first appearance.
pub fn summarise_groups(
    field: &str,
    labels: &[String],
    outcomes: &[Outcome],
    groups: &[String],
) -> Vec<GroupSummary> {
    let mut values: Vec<&str> = Vec::new();
    for group in groups {
        if !values.contains(&group.as_str()) {
            values.push(group);
        }
    }
    values
        .into_iter()
        .map(|value| {
            let members: Vec<Outcome> = outcomes
                .iter()
                .zip(groups)
                .filter(|(_, g)| *g == value)
                .map(|(o, _)| *o)
                .collect();
            GroupSummary {
                field: field.to_owned(),
                value: value.to_owned(),
                summary: summarise(&format!("{field} = {value}"), labels, &members),
            }
        })
        .collect()
}

/// Mean and sample standard deviation of one metric over folds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanSd {
    /// The mean over folds.
    pub mean: f64,
    /// The sample standard deviation (0 for one fold).
    pub sd: f64,
}

impl MeanSd {
    /// The mean and spread of `values`.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        Self {
            mean,
            sd: var.sqrt(),
        }
    }
}

/// Per-label metrics as mean and spread over folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelSpread {
    /// The label's name.
    pub label: String,
    /// Precision over folds.
    pub precision: MeanSd,
    /// Recall over folds.
    pub recall: MeanSd,
    /// F1 over folds.
    pub f1: MeanSd,
}

/// How much the metrics vary from fold to fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldSpread {
    /// Folds that scored at least one document.
    pub folds: usize,
    /// Accuracy over folds.
    pub accuracy: MeanSd,
    /// Macro-F1 over folds.
    pub macro_f1: MeanSd,
    /// Expected calibration error over folds.
    pub expected_calibration_error: MeanSd,
    /// Each label's metrics over folds.
    pub per_label: Vec<LabelSpread>,
}

impl FoldSpread {
    /// Summarises per-fold summaries (all over the same labels). A fold
    /// that scored no document has no metrics: it is left out rather than
    /// averaged in as zeros.
    pub fn of(folds: &[EvaluationSummary]) -> Self {
        let folds: Vec<&EvaluationSummary> = folds.iter().filter(|f| f.documents > 0).collect();
        let metric = |f: &dyn Fn(&EvaluationSummary) -> f64| {
            MeanSd::of(&folds.iter().map(|s| f(s)).collect::<Vec<_>>())
        };
        let labels = folds.first().map_or(0, |f| f.per_label.len());
        let per_label = (0..labels)
            .map(|l| LabelSpread {
                label: folds[0].per_label[l].label.clone(),
                precision: metric(&|f| f.per_label[l].precision),
                recall: metric(&|f| f.per_label[l].recall),
                f1: metric(&|f| f.per_label[l].f1),
            })
            .collect();
        Self {
            folds: folds.len(),
            accuracy: metric(&|f| f.accuracy),
            macro_f1: metric(&|f| f.macro_f1),
            expected_calibration_error: metric(&|f| f.expected_calibration_error),
            per_label,
        }
    }
}

/// One prediction to score: the true label, the predicted one, and the
/// confidence the model gave its prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The document's label.
    pub truth: usize,
    /// The label the model chose.
    pub predicted: usize,
    /// The probability it gave that label.
    pub confidence: f64,
}

/// Number of equal-width confidence bins for the calibration error.
pub const ECE_BINS: usize = 10;

/// The metrics of `outcomes` (labels by index into `labels`), measured by
/// `method`.
pub fn summarise(method: &str, labels: &[String], outcomes: &[Outcome]) -> EvaluationSummary {
    let n = labels.len();
    let mut confusion = vec![vec![0u64; n]; n];
    for o in outcomes {
        confusion[o.truth][o.predicted] += 1;
    }
    let per_label: Vec<LabelMetrics> = (0..n)
        .map(|l| {
            let tp = confusion[l][l] as f64;
            let predicted: u64 = confusion.iter().map(|row| row[l]).sum();
            let support: u64 = confusion[l].iter().sum();
            let precision = ratio(tp, predicted as f64);
            let recall = ratio(tp, support as f64);
            LabelMetrics {
                label: labels[l].clone(),
                precision,
                recall,
                f1: ratio(2.0 * precision * recall, precision + recall),
                support,
            }
        })
        .collect();
    let correct = outcomes.iter().filter(|o| o.truth == o.predicted).count();
    EvaluationSummary {
        method: method.to_owned(),
        documents: outcomes.len() as u64,
        accuracy: ratio(correct as f64, outcomes.len() as f64),
        macro_f1: per_label.iter().map(|m| m.f1).sum::<f64>() / n.max(1) as f64,
        expected_calibration_error: expected_calibration_error(outcomes),
        per_label,
        confusion,
        spread: None,
        groups: Vec::new(),
    }
}

/// ECE over [`ECE_BINS`] equal-width bins of confidence: the
/// document-weighted mean gap between a bin's accuracy and its mean
/// confidence. 0 means "70% sure" is right 70% of the time.
pub fn expected_calibration_error(outcomes: &[Outcome]) -> f64 {
    let mut count = [0usize; ECE_BINS];
    let mut confidence = [0f64; ECE_BINS];
    let mut correct = [0usize; ECE_BINS];
    for o in outcomes {
        let bin = ((o.confidence * ECE_BINS as f64) as usize).min(ECE_BINS - 1);
        count[bin] += 1;
        confidence[bin] += o.confidence;
        correct[bin] += usize::from(o.truth == o.predicted);
    }
    let total = outcomes.len().max(1) as f64;
    (0..ECE_BINS)
        .filter(|&b| count[b] > 0)
        .map(|b| {
            let n = count[b] as f64;
            (n / total) * (correct[b] as f64 / n - confidence[b] / n).abs()
        })
        .sum()
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 {
        0.0
    } else {
        numerator / denominator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(truth: usize, predicted: usize, confidence: f64) -> Outcome {
        Outcome {
            truth,
            predicted,
            confidence,
        }
    }

    #[test]
    fn metrics_match_a_hand_computed_example() {
        let labels = vec!["a".to_string(), "b".to_string()];
        // truth a: 3 docs, 2 right; truth b: 1 doc, right.
        let outcomes = [
            outcome(0, 0, 0.9),
            outcome(0, 0, 0.9),
            outcome(0, 1, 0.6),
            outcome(1, 1, 0.6),
        ];
        let s = summarise("test", &labels, &outcomes);
        assert_eq!(s.confusion, vec![vec![2, 1], vec![0, 1]]);
        assert!((s.accuracy - 0.75).abs() < 1e-12);
        assert!((s.per_label[0].precision - 1.0).abs() < 1e-12);
        assert!((s.per_label[0].recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.per_label[1].precision - 0.5).abs() < 1e-12);
        assert!((s.per_label[0].f1 - 0.8).abs() < 1e-12);
        assert!((s.macro_f1 - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        // bin 9: conf .9, acc 1 -> gap .1 on 2 docs; bin 6: conf .6, acc .5 -> gap .1 on 2.
        assert!((s.expected_calibration_error - 0.1).abs() < 1e-12);
    }

    #[test]
    fn a_calibrated_model_has_zero_ece() {
        let outcomes: Vec<_> = (0..10)
            .map(|i| outcome(0, usize::from(i >= 7), 0.75))
            .collect();
        let ece = expected_calibration_error(&outcomes);
        assert!((ece - 0.05).abs() < 1e-12, "{ece}");
        let perfect: Vec<_> = (0..4)
            .map(|i| outcome(0, usize::from(i == 0), 0.75))
            .collect();
        assert!(expected_calibration_error(&perfect) < 1e-12);
    }

    #[test]
    fn spread_is_mean_and_sample_deviation() {
        let m = MeanSd::of(&[0.8, 0.9, 1.0]);
        assert!((m.mean - 0.9).abs() < 1e-12);
        assert!((m.sd - 0.1).abs() < 1e-12);
        let labels = vec!["a".to_string(), "b".to_string()];
        let good = summarise("f", &labels, &[outcome(0, 0, 0.9), outcome(1, 1, 0.9)]);
        let bad = summarise("f", &labels, &[outcome(0, 1, 0.9), outcome(1, 1, 0.9)]);
        let empty = summarise("f", &labels, &[]);
        let spread = FoldSpread::of(&[good, empty, bad]);
        assert_eq!(spread.folds, 2, "the empty fold is not counted");
        assert!((spread.accuracy.mean - 0.75).abs() < 1e-12);
        assert!((spread.per_label[0].recall.mean - 0.5).abs() < 1e-12);
    }
}
