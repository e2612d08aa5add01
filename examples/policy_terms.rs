//! Proposes the policy-term user dictionary (`data/policy-terms.txt`) from
//! a labelled corpus: compounds that jieba cuts into 2–3 pieces, that occur
//! in many articles, whose pieces mostly occur together (cohesion), and that
//! mostly appear in policy articles rather than `other`.
//!
//! ```text
//! cargo run --release --example policy_terms -- ../shared/corpus/labeled.jsonl > data/policy-terms.txt
//! ```
//!
//! The output is a starting point: it was reviewed by hand and the terms
//! named in the label guide were added (see `docs/model.md`).

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use jieba_rs::Jieba;
use policy_classifier::text::{is_content_token, normalise};

const MIN_DOCUMENTS: usize = 6;
const MIN_COHESION: f64 = 0.25;
const MIN_POLICY_SHARE: f64 = 0.5;
const MAX_TERMS: usize = 400;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: policy_terms CORPUS.jsonl");
    let file = std::fs::File::open(&path).expect("corpus opens");
    let jieba = Jieba::new();
    let mut token_df: HashMap<String, usize> = HashMap::new();
    let mut compound_df: HashMap<String, (usize, usize)> = HashMap::new();
    let mut parts_of: HashMap<String, Vec<String>> = HashMap::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.expect("readable line");
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let field = |k: &str| doc.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let policy = field("label") != "other";
        let text = normalise(&format!("{}。{}", field("title"), field("text")));
        let words: Vec<&str> = jieba.cut(&text, true).into_iter().map(|t| t.word).collect();
        let mut seen_tokens = HashSet::new();
        let mut seen_compounds = HashSet::new();
        for w in &words {
            seen_tokens.insert(w.to_string());
        }
        for n in 2..=3 {
            for window in words.windows(n) {
                if !window
                    .iter()
                    .all(|w| w.chars().all(is_han) && is_content_token(w))
                {
                    continue;
                }
                let compound: String = window.concat();
                let chars = compound.chars().count();
                if !(3..=6).contains(&chars) {
                    continue;
                }
                parts_of
                    .entry(compound.clone())
                    .or_insert_with(|| window.iter().map(|w| w.to_string()).collect());
                seen_compounds.insert(compound);
            }
        }
        for t in seen_tokens {
            *token_df.entry(t).or_default() += 1;
        }
        for c in seen_compounds {
            let entry = compound_df.entry(c).or_default();
            entry.0 += 1;
            entry.1 += usize::from(policy);
        }
    }
    let mut chosen: Vec<(usize, String)> = compound_df
        .into_iter()
        .filter(|(c, (df, policy_df))| {
            let rarest_part = parts_of[c].iter().map(|p| token_df[p]).min().unwrap_or(1);
            *df >= MIN_DOCUMENTS
                && *df as f64 / rarest_part as f64 >= MIN_COHESION
                && *policy_df as f64 / *df as f64 >= MIN_POLICY_SHARE
        })
        .map(|(c, (df, _))| (df, c))
        .collect();
    chosen.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    chosen.truncate(MAX_TERMS);
    let mut terms: Vec<String> = chosen.into_iter().map(|(_, c)| c).collect();
    terms.sort();
    for t in terms {
        println!("{t}");
    }
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}
