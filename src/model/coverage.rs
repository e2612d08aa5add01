//! Coverage: the share of an article's word tokens the model knows, and the
//! threshold below which an answer would be a guess from the prior alone
//! (English text, gibberish, another script the model never saw).
//!
//! The threshold is fitted on the training documents: half the coverage
//! that 99% of them reach. Training coverage is in-sample (every word of a
//! training document that passed `min_df` is known), so new articles of the
//! same papers score a little lower; halving leaves room for that, while
//! foreign text sits near zero (measured in docs/accuracy.md).

use serde::{Deserialize, Serialize};

use super::corpus::LabeledDocument;
use super::scorer::Model;

/// The training documents' coverage, stored in the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageStats {
    /// Mean coverage of the training documents.
    pub mean: f64,
    /// The coverage 99% of training documents reach (1st percentile).
    pub p01: f64,
    /// Answers below this coverage abstain: `p01` × [`MARGIN`].
    pub min_coverage: f64,
}

/// The share of the 1st percentile an article must reach.
pub const MARGIN: f64 = 0.5;

impl CoverageStats {
    /// Measures `documents` (the model's own training documents) under
    /// `model`; `None` when none has a word.
    pub fn measure(model: &Model, documents: &[LabeledDocument]) -> Option<Self> {
        let mut shares: Vec<f64> = documents
            .iter()
            .map(|d| model.vectorise(d.article()))
            .filter(|v| !v.has_no_terms())
            .map(|v| v.coverage())
            .collect();
        if shares.is_empty() {
            return None;
        }
        shares.sort_unstable_by(f64::total_cmp);
        let mean = shares.iter().sum::<f64>() / shares.len() as f64;
        let p01 = shares[(shares.len() - 1) / 100];
        Some(Self {
            mean,
            p01,
            min_coverage: p01 * MARGIN,
        })
    }
}
