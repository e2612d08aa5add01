//! The checks a model's parameters pass before it may score anything. A
//! model file with a valid checksum is still untrusted input: numbers that
//! are infinite, huge or tiny make scores overflow to NaN, so every number
//! must be finite and within bounds that trained models keep to with wide
//! margins (see `docs/model-format.md`, "Validation").

use std::collections::HashSet;
use std::ops::RangeInclusive;

use super::scorer::ModelParts;

/// `ln P(label)` (times the prior weight) and `ln P(term | label)`: a
/// probability's log is at most 0; smoothing keeps it far above -10⁴.
pub(crate) const LOG_PROB: RangeInclusive<f64> = -1e4..=0.0;
/// `ln((1+N)/(1+df)) + 1` is at least 1 and at most `ln(1+N) + 1`.
pub(crate) const IDF: RangeInclusive<f64> = 0.0..=1e3;
/// Title and lead token weights (0 turns a part off).
pub(crate) const TOKEN_WEIGHT: RangeInclusive<f64> = 0.0..=1e3;
/// Calibration searches the temperature over `[1e-3, 1e4]`.
pub(crate) const TEMPERATURE: RangeInclusive<f64> = 1e-4..=1e5;
/// Calibration's per-label bias, in nats.
pub(crate) const LABEL_BIAS: RangeInclusive<f64> = -1e3..=1e3;

/// Every reason a model's parameters cannot be scored with, the first one
/// found, naming the field and the bad value.
pub(crate) fn validate(parts: &ModelParts) -> Result<(), String> {
    let labels = check_labels(&parts.labels)?;
    let vocabulary = parts.vocabulary.len();
    check_len(
        "class_log_prior",
        parts.class_log_prior.len(),
        labels,
        "labels",
    )?;
    check_len(
        "feature_log_prob",
        parts.feature_log_prob.len(),
        labels,
        "labels",
    )?;
    check_len("label_bias", parts.label_bias.len(), labels, "labels")?;
    check_len(
        "metadata.documents_per_label",
        parts.metadata.documents_per_label.len(),
        labels,
        "labels",
    )?;
    for (label, row) in parts.feature_log_prob.iter().enumerate() {
        check_len(
            &format!("feature_log_prob[{label}]"),
            row.len(),
            vocabulary,
            "vocabulary terms",
        )?;
    }
    let idf_len = if parts.weighting.idf { vocabulary } else { 0 };
    check_len(
        "idf",
        parts.idf.len(),
        idf_len,
        "(weighting.idf ? vocabulary terms : 0)",
    )?;

    check_all("class_log_prior", &parts.class_log_prior, &LOG_PROB)?;
    for (label, row) in parts.feature_log_prob.iter().enumerate() {
        check_all(&format!("feature_log_prob[{label}]"), row, &LOG_PROB)?;
    }
    check_all("idf", &parts.idf, &IDF)?;
    check_all("label_bias", &parts.label_bias, &LABEL_BIAS)?;
    check_number("temperature", parts.temperature, &TEMPERATURE)?;
    check_number("text.title_weight", parts.text.title_weight, &TOKEN_WEIGHT)?;
    check_number("text.lead_weight", parts.text.lead_weight, &TOKEN_WEIGHT)?;
    if let Some(at) = parts.vocabulary.iter().position(|t| t.is_empty()) {
        return Err(format!(
            "vocabulary[{at}] is empty; terms must be non-empty"
        ));
    }
    if let Some(at) = parts
        .text
        .user_words
        .iter()
        .position(|w| w.trim().is_empty())
    {
        return Err(format!(
            "text.user_words[{at}] is blank; user words must be non-empty"
        ));
    }
    Ok(())
}

/// At least two labels, each non-blank and named once; returns the count.
fn check_labels(labels: &[String]) -> Result<usize, String> {
    if labels.len() < 2 {
        return Err(format!(
            "labels has {} entries; a model needs at least 2",
            labels.len()
        ));
    }
    let mut seen = HashSet::new();
    for (at, label) in labels.iter().enumerate() {
        if label.trim().is_empty() {
            return Err(format!(
                "labels[{at}] is {label:?}; labels must be non-blank"
            ));
        }
        if !seen.insert(label.as_str()) {
            return Err(format!(
                "labels[{at}] is {label:?}, which an earlier label already is; labels must be distinct"
            ));
        }
    }
    Ok(labels.len())
}

fn check_len(field: &str, len: usize, expected: usize, of: &str) -> Result<(), String> {
    if len == expected {
        return Ok(());
    }
    Err(format!(
        "{field} has {len} entries; expected {expected}, one per {of}"
    ))
}

fn check_all(field: &str, values: &[f64], range: &RangeInclusive<f64>) -> Result<(), String> {
    match values.iter().position(|v| !range.contains(v)) {
        None => Ok(()),
        Some(at) => check_number(&format!("{field}[{at}]"), values[at], range),
    }
}

/// `range.contains` is false for NaN, so NaN is refused too.
fn check_number(field: &str, value: f64, range: &RangeInclusive<f64>) -> Result<(), String> {
    if range.contains(&value) {
        return Ok(());
    }
    Err(format!(
        "{field} is {value:?}; expected a finite number in [{:?}, {:?}]",
        range.start(),
        range.end()
    ))
}
