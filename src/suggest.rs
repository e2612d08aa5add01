//! Which unlabelled articles to label next (`policy-classifier suggest`):
//! the ones the model is least sure about, so that each label teaches it
//! most (margin sampling: the smallest gap between the top two labels),
//! with near-duplicates of an article already picked skipped (a wire story
//! reprinted by ten papers teaches once) and articles too foreign to the
//! model (coverage below its minimum) left out, since their answer is a
//! guess from nothing and labelling one says little about the rest.

use std::collections::HashSet;

use crate::classifier::{Classifier, ClassifyOptions};
use crate::text::ArticleText;

/// Two articles whose word sets overlap this much (Jaccard) are one story.
pub const NEAR_DUPLICATE: f64 = 0.5;

/// One article worth labelling: its index in the pool and the model's view.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// Its position in the pool.
    pub index: usize,
    /// The model's label for it.
    pub guess: String,
    /// The model's probability of that label.
    pub guess_probability: f64,
    /// The second most probable label.
    pub runner_up: String,
    /// Its probability.
    pub runner_up_probability: f64,
    /// 1 − (top probability − runner-up probability): 1 is a coin toss.
    pub uncertainty: f64,
}

/// Up to `count` articles of `pool`, most uncertain first, no two near
/// duplicates; articles with no words or too foreign to the model are
/// skipped.
pub fn suggest(classifier: &Classifier, pool: &[ArticleText<'_>], count: usize) -> Vec<Suggestion> {
    let options = ClassifyOptions::default();
    let min_coverage = classifier.model().min_coverage().unwrap_or(0.0);
    let mut candidates: Vec<Suggestion> = pool
        .iter()
        .enumerate()
        .filter_map(|(index, &article)| {
            let answer = classifier.classify(article, &options).ok()?;
            if answer.coverage < min_coverage || answer.scores.len() < 2 {
                return None;
            }
            let ((guess, p1), (runner_up, p2)) =
                (answer.scores[0].clone(), answer.scores[1].clone());
            Some(Suggestion {
                index,
                guess,
                guess_probability: p1,
                runner_up,
                runner_up_probability: p2,
                uncertainty: 1.0 - (p1 - p2),
            })
        })
        .collect();
    // Most uncertain first; ties in pool order, so the choice is stable.
    candidates.sort_by(|a, b| {
        b.uncertainty
            .total_cmp(&a.uncertainty)
            .then(a.index.cmp(&b.index))
    });
    let mut picked: Vec<Suggestion> = Vec::with_capacity(count);
    let mut picked_words: Vec<HashSet<String>> = Vec::with_capacity(count);
    for candidate in candidates {
        if picked.len() == count {
            break;
        }
        let article = pool[candidate.index];
        let words: HashSet<String> = classifier
            .pipeline()
            .article_tokens(article)
            .into_iter()
            .collect();
        if picked_words
            .iter()
            .any(|p| jaccard(p, &words) >= NEAR_DUPLICATE)
        {
            continue;
        }
        picked_words.push(words);
        picked.push(candidate);
    }
    picked
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let shared = a.intersection(b).count();
    let union = a.len() + b.len() - shared;
    if union == 0 {
        1.0
    } else {
        shared as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::ModelSource;

    #[test]
    fn the_least_certain_come_first_and_a_reprint_or_foreign_text_is_skipped() {
        let classifier = ModelSource::Shipped.load().unwrap();
        // Written for this test.
        let clear = ArticleText::new(
            "海关推广关税保证保险",
            "进口企业先通关后缴税，进出口通关效率提高，外贸企业受益。",
        );
        let mixed = ArticleText::new(
            "港口扩建带动招聘",
            "港口码头扩建工程开工，企业招聘工人，外贸集装箱航线增加，城市交通改善。",
        );
        let reprint = ArticleText::new(
            "港口扩建带动招聘（转载）",
            "港口码头扩建工程开工，企业招聘工人，外贸集装箱航线增加，城市交通改善。",
        );
        let english =
            ArticleText::new("Port expansion", "The port hired workers and added routes.");
        let pool = [clear, mixed, reprint, english];
        let picked = suggest(&classifier, &pool, 10);
        let indices: Vec<usize> = picked.iter().map(|s| s.index).collect();
        assert!(!indices.contains(&3), "foreign text picked: {picked:?}");
        assert!(
            !(indices.contains(&1) && indices.contains(&2)),
            "both copies picked: {picked:?}"
        );
        assert_eq!(indices.len(), 2, "{picked:?}");
        assert!(picked[0].uncertainty >= picked[1].uncertainty);
        assert_ne!(picked[0].guess, picked[0].runner_up);
        assert!(picked[0].guess_probability >= picked[0].runner_up_probability);
        // The mixed story is less certain than the clear trade one.
        assert_eq!(picked.last().unwrap().index, 0, "{picked:?}");
        assert_eq!(suggest(&classifier, &pool, 1).len(), 1);
    }
}
