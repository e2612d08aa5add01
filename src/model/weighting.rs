//! Term weighting: how an article's raw term counts become the vector the
//! model is fitted on and scores, after Rennie et al. (2003), "Tackling the
//! Poor Assumptions of Naive Bayes Text Classifiers", §4:
//!
//! 1. sublinear TF, `ln(1 + count)`: a word's fifth use in one article says
//!    far less than its first (word occurrences are bursty);
//! 2. IDF, `ln((1 + N) / (1 + df)) + 1`: words in every article say little;
//! 3. L2 length normalisation: a long feature story and a short brief on the
//!    same subject get vectors of the same length, so long documents no
//!    longer dominate the class sums or the posterior's sharpness.
//!
//! Training and scoring both go through [`Weighting::apply`], so a model is
//! scored on exactly the vectors it was fitted on.

use serde::{Deserialize, Serialize};

/// Which of the three transforms are on; stored in the model file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weighting {
    /// Counts become `ln(1 + count)`.
    pub sublinear_tf: bool,
    /// Each term's value is multiplied by its inverse document frequency.
    pub idf: bool,
    /// Each article's vector is scaled to unit length.
    pub l2_normalise: bool,
}

impl Weighting {
    /// Raw counts: plain multinomial naive Bayes.
    pub const RAW: Self = Self {
        sublinear_tf: false,
        idf: false,
        l2_normalise: false,
    };

    /// IDF and L2 without sublinear TF: the shipped model's weighting
    /// (`TrainParams::shipped`).
    pub const IDF_L2: Self = Self {
        sublinear_tf: false,
        idf: true,
        l2_normalise: true,
    };
}

#[cfg(test)]
impl Weighting {
    /// Sublinear TF, IDF and L2 together: the tests' fully weighted vectors.
    pub const ALL: Self = Self {
        sublinear_tf: true,
        idf: true,
        l2_normalise: true,
    };
}

impl Default for Weighting {
    fn default() -> Self {
        Self::RAW
    }
}

/// One document as `(vocabulary index, value)` pairs in index order.
pub(crate) type SparseRow = Vec<(u32, f64)>;

impl Weighting {
    /// Transforms one document's known terms in place. `idf` is indexed by
    /// vocabulary index and only read when IDF is on.
    pub(crate) fn apply(&self, row: &mut SparseRow, idf: &[f64]) {
        for (term, value) in row.iter_mut() {
            if self.sublinear_tf {
                *value = value.ln_1p();
            }
            if self.idf {
                *value *= idf[*term as usize];
            }
        }
        if self.l2_normalise {
            let norm = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                for (_, value) in row.iter_mut() {
                    *value /= norm;
                }
            }
        }
    }
}

/// Smoothed inverse document frequency of every vocabulary term over `rows`
/// (scikit-learn's `smooth_idf`): always positive, finite for unseen terms.
pub(crate) fn inverse_document_frequency(rows: &[SparseRow], vocabulary_size: usize) -> Vec<f64> {
    let mut df = vec![0u64; vocabulary_size];
    for row in rows {
        for &(term, _) in row {
            df[term as usize] += 1;
        }
    }
    let n = rows.len() as f64;
    df.into_iter()
        .map(|d| ((1.0 + n) / (1.0 + d as f64)).ln() + 1.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_compose_in_rennie_order() {
        let idf = [1.0, 2.0];
        let mut row: SparseRow = vec![(0, 3.0), (1, 1.0)];
        Weighting {
            sublinear_tf: true,
            idf: true,
            l2_normalise: true,
        }
        .apply(&mut row, &idf);
        let a = 4f64.ln();
        let b = 2f64.ln() * 2.0;
        let norm = (a * a + b * b).sqrt();
        assert!((row[0].1 - a / norm).abs() < 1e-12);
        assert!((row[1].1 - b / norm).abs() < 1e-12);
    }

    #[test]
    fn raw_weighting_changes_nothing() {
        let mut row: SparseRow = vec![(0, 3.0), (4, 1.5)];
        Weighting::RAW.apply(&mut row, &[]);
        assert_eq!(row, vec![(0, 3.0), (4, 1.5)]);
    }

    #[test]
    fn idf_is_lower_for_common_terms() {
        let rows: Vec<SparseRow> = vec![vec![(0, 1.0), (1, 1.0)], vec![(0, 1.0)]];
        let idf = inverse_document_frequency(&rows, 3);
        assert!((idf[0] - 1.0).abs() < 1e-12, "in every document: ln(1)+1");
        assert!(idf[1] > idf[0] && idf[2] > idf[1]);
    }
}
