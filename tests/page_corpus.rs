//! Split quality on pages assembled from the labelled corpus (not in the
//! repository): each page is 3-8 consecutive corpus articles, each a title
//! line then its paragraphs, some paragraphs cut by a column break.
//!
//! Ignored by default (it needs the corpus); run with
//! `cargo test --release --test page_corpus -- --ignored --nocapture`
//! (corpus path in `POLICY_CORPUS`, default `/work/shared/corpus/labeled.jsonl`).

use std::collections::BTreeSet;

use policy_classifier::page::split_page;
use serde::Deserialize;

#[derive(Deserialize)]
struct Item {
    title: String,
    text: String,
}

/// A tiny deterministic generator: pages are the same on every run.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

struct Page {
    text: String,
    starts: Vec<usize>,
    /// Paragraphs that were cut in two, as they should read once mended.
    cut: Vec<String>,
}

fn build_page(items: &[Item], rng: &mut XorShift) -> Page {
    let (mut text, mut starts, mut cut) = (String::new(), Vec::new(), Vec::new());
    let mut chars = 0;
    let mut push = |text: &mut String, s: &str| {
        text.push_str(s);
        chars += s.chars().count();
        chars
    };
    for item in items {
        let title_at = push(&mut text, "");
        starts.push(title_at);
        push(&mut text, item.title.trim());
        for paragraph in item.text.lines().map(str::trim).filter(|p| !p.is_empty()) {
            push(&mut text, "\n");
            let length = paragraph.chars().count();
            if length > 90 && rng.below(4) == 0 {
                // A column break after at least 45 characters, not at the end.
                let at = 45 + rng.below(length - 60);
                let first: String = paragraph.chars().take(at).collect();
                let second: String = paragraph.chars().skip(at).collect();
                push(&mut text, &format!("{first}\n\n{second}"));
                cut.push(paragraph.to_owned());
            } else {
                push(&mut text, paragraph);
            }
        }
        push(&mut text, if rng.below(2) == 0 { "\n\n" } else { "\n" });
    }
    Page { text, starts, cut }
}

#[test]
#[ignore = "needs the corpus; see the module documentation"]
fn split_quality_on_pages_built_from_the_corpus() {
    let path = std::env::var("POLICY_CORPUS")
        .unwrap_or_else(|_| "/work/shared/corpus/labeled.jsonl".into());
    let items: Vec<Item> = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut rng = XorShift(0x5eed_1234_abcd_0017);
    let (mut found, mut expected, mut hit, mut cuts, mut mended, mut pages) = (0, 0, 0, 0, 0, 0);
    let mut rest = &items[..];
    while rest.len() >= 8 {
        let k = 3 + rng.below(6);
        let page = build_page(&rest[..k], &mut rng);
        rest = &rest[k..];
        let split = split_page(&page.text);
        let truth: BTreeSet<usize> = page.starts.iter().copied().collect();
        pages += 1;
        found += split.articles.len();
        expected += truth.len();
        hit += split
            .articles
            .iter()
            .filter(|a| truth.contains(&a.start))
            .count();
        cuts += page.cut.len();
        mended += page
            .cut
            .iter()
            // A cut right after a full stop leaves two paragraphs: fine, as
            // long as both halves are in the same body, in order.
            .filter(|p| {
                split
                    .articles
                    .iter()
                    .any(|a| a.body.replace('\n', "").contains(p.as_str()))
            })
            .count();
    }
    println!(
        "{pages} pages, {expected} articles expected, {found} found\n\
         boundaries: precision {:.3}, recall {:.3}\n\
         column breaks mended: {mended}/{cuts} ({:.3})",
        hit as f64 / found as f64,
        hit as f64 / expected as f64,
        mended as f64 / cuts as f64,
    );
    assert!(pages > 100 && hit > 0);
}
