//! Evidence terms as people read them: one entry per surface word.
//!
//! The model may count the same characters several ways: the word `返岗`,
//! its character pair `#返岗` (with `char_bigrams`), and, when jieba splits
//! it, the token pair `返_岗` (with `bigrams`). Listed apart they carry
//! near-equal weights and fill the top of the list with one word; merged,
//! the list names ten different words.

use foldhash::HashMap;

use super::TermEvidence;
use crate::text::TermKey;

/// Merges entries with the same [`TermKey::surface`]: weights summed (so all weights
/// still add up to the same log-odds gap), named by the plain word when it
/// is among them, else by the surface text. An entry with no twin keeps its
/// name. Order is that of each surface's first entry.
pub(super) fn merge_surface_twins(evidence: Vec<TermEvidence>) -> Vec<TermEvidence> {
    let mut merged: Vec<(TermEvidence, usize)> = Vec::with_capacity(evidence.len());
    let mut by_surface: HashMap<String, usize> = HashMap::default();
    let mut surfaces = Vec::with_capacity(evidence.len());
    for entry in evidence {
        let key = TermKey::surface(&entry.term);
        match by_surface.get(&key) {
            Some(&at) => {
                let (kept, members) = &mut merged[at];
                kept.weight += entry.weight;
                *members += 1;
                if entry.term == key {
                    kept.term = entry.term;
                }
            }
            None => {
                by_surface.insert(key.clone(), merged.len());
                merged.push((entry, 1));
                surfaces.push(key);
            }
        }
    }
    merged
        .into_iter()
        .zip(surfaces)
        .map(|((mut entry, members), surface)| {
            if members > 1 {
                entry.term = surface;
            }
            entry
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(term: &str, weight: f64) -> TermEvidence {
        TermEvidence {
            term: term.into(),
            weight,
        }
    }

    #[test]
    fn a_word_and_its_character_pair_become_one_entry_named_by_the_word() {
        let merged = merge_surface_twins(vec![
            entry("#返岗", 0.5),
            entry("复工", 0.25),
            entry("返岗", 0.5),
        ]);
        assert_eq!(merged, vec![entry("返岗", 1.0), entry("复工", 0.25)]);
    }

    #[test]
    fn a_token_pair_and_a_character_pair_merge_under_their_surface() {
        let merged = merge_surface_twins(vec![entry("#返岗", 0.5), entry("返_岗", 0.25)]);
        assert_eq!(merged, vec![entry("返岗", 0.75)]);
    }

    #[test]
    fn terms_without_a_twin_keep_their_names() {
        let terms = vec![
            entry("#港口", 0.5),
            entry("东数_西算", 0.25),
            entry("关税", 0.125),
        ];
        assert_eq!(merge_surface_twins(terms.clone()), terms);
    }
}
