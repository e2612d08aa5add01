//! Terms numbered once per training call.
//!
//! Training fits one model per calibration fold plus the final one, each on
//! its own vocabulary (the terms in at least `min_df` of *its* documents).
//! Hashing and sorting every document's term strings for each of those fits
//! was most of training time, so every distinct term of the labelled
//! documents gets one id up front, in sorted order; a fold's vocabulary is
//! then a filter over ids, and a document's row a lookup in a dense array.
//! Because ids follow the sorted strings, every vocabulary, row and sum comes
//! out in exactly the order the string-based code produced: the model is
//! bit-identical.

use foldhash::{HashMap, HashMapExt};

use super::weighting::SparseRow;
use crate::text::Features;

/// A document's counts by term id, ids ascending.
pub(crate) type TermCounts = Vec<(u32, f64)>;

/// Every distinct term of the labelled documents, sorted; a term's id is its
/// position.
pub(crate) struct TermTable {
    terms: Vec<String>,
}

/// The numbered documents of one training call.
pub(crate) struct NumberedDocuments {
    pub table: TermTable,
    pub labelled: Vec<TermCounts>,
    /// Unlabelled documents keep only terms some labelled one has: no
    /// vocabulary can hold the others.
    pub unlabeled: Vec<TermCounts>,
}

impl TermTable {
    /// Numbers the terms of `labelled` and rewrites both document sets by id.
    pub(crate) fn number(labelled: &[&Features], unlabeled: &[Features]) -> NumberedDocuments {
        // One hash lookup per occurrence: first-seen ids, then renumbered
        // in sorted order through a dense array.
        let mut first_seen: HashMap<&str, u32> = HashMap::new();
        let mut labelled: Vec<TermCounts> = labelled
            .iter()
            .map(|document| {
                document
                    .iter()
                    .map(|(term, count)| {
                        let next = first_seen.len() as u32;
                        (*first_seen.entry(term).or_insert(next), count)
                    })
                    .collect()
            })
            .collect();
        let mut terms: Vec<(&str, u32)> = first_seen.iter().map(|(&t, &id)| (t, id)).collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut sorted_id = vec![0u32; terms.len()];
        for (rank, &(_, id)) in terms.iter().enumerate() {
            sorted_id[id as usize] = rank as u32;
        }
        // `Features` iterate in term order, so sorted ids come out ascending.
        for document in &mut labelled {
            for (id, _) in document.iter_mut() {
                *id = sorted_id[*id as usize];
            }
        }
        let unlabeled = unlabeled
            .iter()
            .map(|document| {
                document
                    .iter()
                    .filter_map(|(term, count)| {
                        Some((sorted_id[*first_seen.get(term)? as usize], count))
                    })
                    .collect()
            })
            .collect();
        let table = Self {
            terms: terms.into_iter().map(|(t, _)| t.to_owned()).collect(),
        };
        NumberedDocuments {
            table,
            labelled,
            unlabeled,
        }
    }

    /// The terms in at least `min_df` of `documents`, in sorted order.
    pub(crate) fn vocabulary(&self, documents: &[&TermCounts], min_df: usize) -> Vocabulary {
        let mut document_frequency = vec![0usize; self.terms.len()];
        for document in documents {
            for &(id, _) in document.iter() {
                document_frequency[id as usize] += 1;
            }
        }
        let mut terms = Vec::new();
        let mut column = vec![NOT_IN_VOCABULARY; self.terms.len()];
        for (id, &df) in document_frequency.iter().enumerate() {
            if df >= min_df {
                column[id] = terms.len() as u32;
                terms.push(self.terms[id].clone());
            }
        }
        Vocabulary {
            terms,
            columns: Columns(column),
        }
    }
}

const NOT_IN_VOCABULARY: u32 = u32::MAX;

/// One fit's vocabulary: its terms, and each table id's column in it.
pub(crate) struct Vocabulary {
    pub terms: Vec<String>,
    pub columns: Columns,
}

/// Each table id's column in one fit's vocabulary: what turns a numbered
/// document into that fit's row, also after the terms moved into the model.
pub(crate) struct Columns(Vec<u32>);

impl Columns {
    /// A document's vocabulary terms as a sparse row, in vocabulary order.
    pub(crate) fn row(&self, document: &TermCounts) -> SparseRow {
        document
            .iter()
            .filter_map(|&(id, count)| {
                let column = self.0[id as usize];
                (column != NOT_IN_VOCABULARY).then_some((column, count))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(terms: &[(&str, f64)]) -> Features {
        let mut counts: Vec<(String, f64)> =
            terms.iter().map(|&(t, c)| (t.to_owned(), c)).collect();
        counts.sort_by(|a, b| a.0.cmp(&b.0));
        Features::from_counts(counts)
    }

    #[test]
    fn vocabulary_filters_by_document_frequency_in_sorted_order() {
        let a = features(&[("港口", 2.0), ("工资", 1.0), ("外贸", 1.0)]);
        let b = features(&[("港口", 1.0), ("外贸", 3.0)]);
        let unlabeled = [features(&[("港口", 5.0), ("未见", 1.0)])];
        let numbered = TermTable::number(&[&a, &b], &unlabeled);
        let documents: Vec<&TermCounts> = numbered.labelled.iter().collect();
        let vocabulary = numbered.table.vocabulary(&documents, 2);
        let mut expected = vec!["外贸".to_owned(), "港口".to_owned()];
        expected.sort();
        assert_eq!(vocabulary.terms, expected);
        let port = expected.iter().position(|t| t == "港口").unwrap() as u32;
        let trade = 1 - port;
        let mut row_a = vec![(port, 2.0), (trade, 1.0)];
        row_a.sort_by_key(|&(t, _)| t);
        assert_eq!(vocabulary.columns.row(&numbered.labelled[0]), row_a);
        assert_eq!(
            vocabulary.columns.row(&numbered.unlabeled[0]),
            vec![(port, 5.0)],
            "unknown terms are dropped"
        );
    }
}
