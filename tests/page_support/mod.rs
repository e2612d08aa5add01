//! Checks shared by the page-splitting tests: what every split must satisfy.
#![allow(dead_code)]

use std::collections::BTreeMap;

use policy_classifier::page::SplitPage;

fn non_space(text: impl IntoIterator<Item = char>) -> BTreeMap<char, usize> {
    let mut counts = BTreeMap::new();
    for c in text.into_iter().filter(|c| !c.is_whitespace()) {
        *counts.entry(c).or_insert(0) += 1;
    }
    counts
}

/// Spans ordered and disjoint; every non-space character of `page` in
/// exactly one title, body or dropped line, and each article's title and
/// body made of exactly the characters of its span (less dropped lines).
pub fn check_split(page: &str, split: &SplitPage) -> Result<(), String> {
    let chars: Vec<char> = page.chars().collect();
    let mut owner: Vec<Option<String>> = vec![None; chars.len()];
    let mut claim = |start: usize, end: usize, who: String| -> Result<(), String> {
        if start > end || end > chars.len() {
            return Err(format!("{who}: bad span {start}..{end} of {}", chars.len()));
        }
        for (i, slot) in owner.iter_mut().enumerate().take(end).skip(start) {
            if chars[i].is_whitespace() {
                continue;
            }
            if let Some(previous) = slot {
                if !(previous.starts_with("article") && who.starts_with("dropped")) {
                    return Err(format!("char {i} claimed by {previous} and {who}"));
                }
            }
            *slot = Some(who.clone());
        }
        Ok(())
    };
    for pair in split.articles.windows(2) {
        if pair[0].end > pair[1].start {
            return Err(format!("articles overlap or are out of order: {pair:?}"));
        }
    }
    for (i, a) in split.articles.iter().enumerate() {
        if a.start >= a.end {
            return Err(format!("article {i} is empty: {a:?}"));
        }
        claim(a.start, a.end, format!("article {i}"))?;
    }
    for (i, d) in split.dropped.iter().enumerate() {
        claim(d.start, d.end, format!("dropped {i}"))?;
        let span: String = chars[d.start..d.end].iter().collect();
        if span != d.text {
            return Err(format!(
                "dropped {i} text {:?} is not its span {span:?}",
                d.text
            ));
        }
    }
    if let Some(i) = (0..chars.len()).find(|&i| !chars[i].is_whitespace() && owner[i].is_none()) {
        return Err(format!(
            "char {i} {:?} is in no article or dropped line",
            chars[i]
        ));
    }
    for (i, a) in split.articles.iter().enumerate() {
        let kept =
            (a.start..a.end).filter(|&c| owner[c].as_deref() == Some(&format!("article {i}")));
        let expected = non_space(kept.map(|c| chars[c]));
        let found = non_space(a.title.chars().chain(a.body.chars()));
        if expected != found {
            return Err(format!(
                "article {i}: title and body do not hold exactly the characters of its span\n{a:?}"
            ));
        }
    }
    Ok(())
}
