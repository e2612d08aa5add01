//! The page benchmark behind `eval-pages`: real pages, given item by item
//! in printed order (the JSONL shape of `../shared/corpus/pages/`), are
//! rendered as a user would paste them, split by [`split_page`], and scored
//! against the items they were made of.
//!
//! A gold article is found when one predicted article's span holds at least
//! 85% of its non-space characters and at least 85% of that span's
//! non-space characters are its own. Lines that belong to no article (the
//! masthead, the editor line, a photo with no story, jump markers) have no
//! owner. See `docs/page-splitting.md`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Splitter;
use crate::error::{Error, Result};

/// One item of a page file.
#[derive(Debug, Clone, Deserialize)]
pub struct PageItem {
    /// `<paper>-<YYYYMMDD>-<page>-<order>`.
    #[serde(default)]
    pub id: String,
    /// The paper's name.
    #[serde(default)]
    pub source: String,
    /// Issue date, `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    /// The page number (版次).
    #[serde(default)]
    pub page: String,
    /// `article`, `continuation`, `editor_note` or `photo_or_empty`.
    #[serde(default)]
    pub kind: String,
    /// The kicker (引题).
    pub intro_title: Option<String>,
    /// The headline.
    pub title: Option<String>,
    /// The deck (副题).
    pub subtitle: Option<String>,
    /// The byline, where the paper keeps it apart from the body.
    pub byline: Option<String>,
    /// The body, paragraphs joined by `\n`.
    #[serde(default)]
    pub text: String,
    /// Captions of the item's photos.
    #[serde(default)]
    pub photo_captions: Vec<String>,
    /// For a continuation, the page it began on.
    pub continued_from_page: Option<serde_json::Value>,
}

impl PageItem {
    fn is_article(&self) -> bool {
        matches!(self.kind.as_str(), "article" | "continuation")
    }

    /// Kicker, headline and deck, as the splitter's title should read with
    /// white space removed.
    fn headline(&self) -> String {
        [&self.intro_title, &self.title, &self.subtitle]
            .into_iter()
            .flatten()
            .flat_map(|s| s.chars())
            .filter(|c| !c.is_whitespace())
            .collect()
    }
}

/// A page file: its name and items in printed order.
#[derive(Debug, Clone)]
pub struct PageFile {
    /// The file's name without `.jsonl`.
    pub name: String,
    /// Its items in printed order.
    pub items: Vec<PageItem>,
}

/// Reads every `*.jsonl` page file in `dir` (not `_index.jsonl`), sorted by
/// name.
pub fn read_pages(dir: &Path) -> Result<Vec<PageFile>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "jsonl")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        })
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let items = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, line)| {
                    serde_json::from_str(line).map_err(|e| Error::Corpus {
                        path: path.clone(),
                        line: i + 1,
                        reason: e.to_string(),
                    })
                })
                .collect::<Result<Vec<PageItem>>>()?;
            let name = path.file_stem().map(|n| n.to_string_lossy().into_owned());
            Ok(PageFile {
                name: name.unwrap_or_default(),
                items,
            })
        })
        .collect()
}

/// Pages made of article files (JSONL, one article a line, the shape of
/// `../shared/corpus/labeled-news.jsonl`): articles are grouped into pages
/// by their id, `<paper>-<YYYYMMDD>-<page>-<order>`, and put in `<order>`.
/// Such a page has no captions, editor line or continuation markers, but
/// its stories in printed order. Pages are named like page files
/// (`rmrb-2026-06-11-04`) and returned in name order.
pub fn pages_from_articles(paths: &[std::path::PathBuf]) -> Result<Vec<PageFile>> {
    let mut pages: std::collections::BTreeMap<String, Vec<(u32, PageItem)>> = Default::default();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let bad = |reason: String| Error::Corpus {
                path: path.clone(),
                line: i + 1,
                reason,
            };
            let mut item: PageItem = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
            let page_name = page_of_id(&item.id).ok_or_else(|| {
                bad(format!(
                    "id {:?} is not <paper>-<YYYYMMDD>-<page>-<order>",
                    item.id
                ))
            })?;
            item.kind = "article".into();
            pages
                .entry(page_name.0)
                .or_default()
                .push((page_name.1, item));
        }
    }
    Ok(pages
        .into_iter()
        .map(|(name, mut items)| {
            items.sort_by_key(|(order, _)| *order);
            PageFile {
                name,
                items: items.into_iter().map(|(_, item)| item).collect(),
            }
        })
        .collect())
}

/// `rmrb-20260611-04-07` → (`rmrb-2026-06-11-04`, 7).
fn page_of_id(id: &str) -> Option<(String, u32)> {
    let mut parts = id.split('-');
    let (paper, date, page, order) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let order = order.parse().ok()?;
    let name = format!(
        "{paper}-{}-{}-{}-{page}",
        &date[..4],
        &date[4..6],
        &date[6..]
    );
    Some((name, order))
}

/// How a page is pasted. Every page is rendered in each variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// A blank line between lines, LF; captions under the headline (photo
    /// on top); bylines on their own line.
    BlankLines,
    /// No blank lines; paragraphs indented with two ideographic spaces.
    Dense,
    /// CRLF; a masthead and date line on top; captions after the body; the
    /// editor line at the end.
    CrlfMasthead,
    /// No blank lines, no bylines; long paragraphs cut in two where a
    /// column breaks, mid-sentence.
    ColumnBreaks,
}

/// Every rendering, in the order the tables list them.
pub const VARIANTS: [Variant; 4] = [
    Variant::BlankLines,
    Variant::Dense,
    Variant::CrlfMasthead,
    Variant::ColumnBreaks,
];

/// A page rendered as pasted text, with each character's gold article.
pub struct Rendered {
    /// The page as a user would paste it.
    pub text: String,
    /// For each character of `text`, the index of the gold article (into
    /// `headlines`) it belongs to, or `None`.
    owners: Vec<Option<usize>>,
    headlines: Vec<String>,
    /// The non-blank lines of `text`, in order, with what they are.
    pub(super) lines: Vec<RenderedLine>,
}

/// One line of a rendered page, trimmed, with its gold article.
#[derive(Debug, Clone)]
pub(super) struct RenderedLine {
    pub text: String,
    pub owner: Option<usize>,
    /// A kicker, headline or deck line (not body, byline or caption).
    pub head: bool,
}

/// What a rendered line is to its article.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Head,
    Body,
    /// A paragraph of body text: indented in the `dense` rendering.
    Paragraph,
}

impl Rendered {
    fn push(&mut self, text: &str, owner: Option<usize>) {
        self.text.push_str(text);
        self.owners.extend(text.chars().map(|_| owner));
    }

    fn line(&mut self, text: &str, owner: Option<usize>, role: Role, variant: Variant) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if variant == Variant::Dense && role == Role::Paragraph {
            self.push("\u{3000}\u{3000}", None);
        }
        self.push(text, owner);
        self.lines.push(RenderedLine {
            text: text.to_owned(),
            owner,
            head: role == Role::Head,
        });
        let end = match variant {
            Variant::BlankLines => "\n\n",
            Variant::CrlfMasthead => "\r\n",
            Variant::Dense | Variant::ColumnBreaks => "\n",
        };
        self.push(end, None);
    }
}

/// `page` pasted as `variant` renders it, with each character's gold article.
pub fn render(page: &PageFile, variant: Variant) -> Rendered {
    let mut out = Rendered {
        text: String::new(),
        owners: Vec::new(),
        headlines: Vec::new(),
        lines: Vec::new(),
    };
    let body = Role::Body;
    if variant == Variant::CrlfMasthead {
        if let Some(first) = page.items.first() {
            let masthead = format!("{}  {}  第{}版", first.source, first.date, first.page);
            out.line(&masthead, None, body, variant);
        }
    }
    for item in &page.items {
        if !item.is_article() {
            if item.kind == "editor_note" {
                // Always at the page's end in print; kept in place here.
                let text = item.title.as_deref().unwrap_or(&item.text);
                out.line(text, None, body, variant);
            } else {
                for caption in &item.photo_captions {
                    out.line(caption, None, body, variant);
                }
            }
            continue;
        }
        let owner = Some(out.headlines.len());
        out.headlines.push(item.headline());
        for head in [&item.intro_title, &item.title, &item.subtitle]
            .into_iter()
            .flatten()
        {
            out.line(head, owner, Role::Head, variant);
        }
        if item.kind == "continuation" {
            let from = item
                .continued_from_page
                .as_ref()
                .map(|v| {
                    v.to_string()
                        .trim_matches('"')
                        .trim_start_matches('0')
                        .to_owned()
                })
                .unwrap_or_else(|| "1".into());
            out.line(&format!("（上接第{from}版）"), None, body, variant);
        }
        if variant == Variant::BlankLines {
            for caption in &item.photo_captions {
                out.line(caption, owner, body, variant);
            }
        }
        if variant != Variant::ColumnBreaks {
            if let Some(byline) = &item.byline {
                out.line(byline, owner, body, variant);
            }
        }
        let paragraph_role = Role::Paragraph;
        for (n, paragraph) in item.text.lines().enumerate() {
            let paragraph = paragraph.trim();
            match variant {
                Variant::ColumnBreaks if n % 3 == 1 && paragraph.chars().count() > 60 => {
                    let cut = paragraph
                        .char_indices()
                        .nth(paragraph.chars().count() * 2 / 5)
                        .map_or(paragraph.len(), |(i, _)| i);
                    out.line(&paragraph[..cut], owner, paragraph_role, variant);
                    out.line(&paragraph[cut..], owner, paragraph_role, variant);
                }
                _ => out.line(paragraph, owner, paragraph_role, variant),
            }
        }
        if variant != Variant::BlankLines {
            for caption in &item.photo_captions {
                out.line(caption, owner, body, variant);
            }
        }
    }
    out
}

/// The score of one rendered page.
#[derive(Debug, Clone, Serialize)]
pub struct PageScore {
    /// The page file's name.
    pub page: String,
    /// The paper (the items' `source`).
    pub paper: String,
    /// How it was rendered.
    pub variant: Variant,
    /// Gold articles on the page.
    pub gold: usize,
    /// Articles the splitter returned.
    pub predicted: usize,
    /// Gold articles found (see the module's matching rule).
    pub found: usize,
    /// Found articles whose headline came out exactly.
    pub exact_headlines: usize,
}

impl PageScore {
    /// The page's article F1.
    pub fn f1(&self) -> f64 {
        f1(self.found, self.found, self.predicted, self.gold)
    }
}

fn f1(found_gold: usize, matched_predictions: usize, predicted: usize, gold: usize) -> f64 {
    let precision = ratio(matched_predictions, predicted);
    let recall = ratio(found_gold, gold);
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// The share a span must hold of a gold article, and of itself.
const MATCH: f64 = 0.85;

/// Splits `rendered` with `splitter` and scores it against its gold articles.
pub fn score(splitter: &Splitter, page: &str, variant: Variant, rendered: &Rendered) -> PageScore {
    let split = splitter.split(&rendered.text);
    let chars: Vec<char> = rendered.text.chars().collect();
    let gold = rendered.headlines.len();
    let mut gold_sizes = vec![0usize; gold];
    for (c, owner) in chars.iter().zip(&rendered.owners) {
        if let (false, Some(o)) = (c.is_whitespace(), owner) {
            gold_sizes[*o] += 1;
        }
    }
    let mut found = vec![false; gold];
    let mut exact_headlines = 0;
    for article in &split.articles {
        let mut own = vec![0usize; gold];
        let mut size = 0usize;
        let end = article.end.min(chars.len());
        let span = chars
            .iter()
            .zip(&rendered.owners)
            .take(end)
            .skip(article.start);
        for (c, owner) in span {
            if c.is_whitespace() {
                continue;
            }
            size += 1;
            if let Some(o) = owner {
                own[*o] += 1;
            }
        }
        let best = (0..gold).max_by_key(|&g| own[g]);
        if let Some(g) = best {
            let held = own[g] as f64;
            if !found[g] && held >= MATCH * gold_sizes[g] as f64 && held >= MATCH * size as f64 {
                found[g] = true;
                let title: String = article
                    .title
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                if title == rendered.headlines[g] {
                    exact_headlines += 1;
                }
            }
        }
    }
    PageScore {
        page: page.to_owned(),
        paper: String::new(),
        variant,
        gold,
        predicted: split.articles.len(),
        found: found.iter().filter(|&&f| f).count(),
        exact_headlines,
    }
}

/// Each non-blank line of a rendered page with its gold tag and the tag
/// `splitter` gives it (`H` headline opens an article, `B` body opens one,
/// `T` headline continues, `I` inside, `D` dropped): what `eval-pages
/// --show` prints.
pub fn tagged_lines(
    splitter: &Splitter,
    rendered: &Rendered,
) -> Vec<(&'static str, &'static str, String)> {
    let gold = super::train::gold_tags(&rendered.lines);
    let predicted = splitter.tagged(&rendered.text);
    gold.iter()
        .zip(predicted)
        .map(|(g, (text, p))| (g.code(), p.code(), text))
        .collect()
}

/// Totals over many rendered pages.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Renderings scored.
    pub pages: usize,
    /// Gold articles in them.
    pub gold: usize,
    /// Articles the splitter returned.
    pub predicted: usize,
    /// Gold articles found.
    pub found: usize,
    /// Share of returned articles that found a gold one.
    pub precision: f64,
    /// Share of gold articles found.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Found articles whose headline came out exactly.
    pub exact_headline_rate: f64,
    /// Pages where every gold article was found and nothing else returned.
    pub perfect_page_rate: f64,
}

/// Totals and rates over `scores`.
pub fn summarise(scores: &[PageScore]) -> Summary {
    let sum = |f: fn(&PageScore) -> usize| scores.iter().map(f).sum::<usize>();
    let (gold, predicted, found) = (sum(|s| s.gold), sum(|s| s.predicted), sum(|s| s.found));
    let perfect = scores
        .iter()
        .filter(|s| s.found == s.gold && s.predicted == s.gold)
        .count();
    Summary {
        pages: scores.len(),
        gold,
        predicted,
        found,
        precision: ratio(found, predicted),
        recall: ratio(found, gold),
        f1: f1(found, found, predicted, gold),
        exact_headline_rate: ratio(sum(|s| s.exact_headlines), found),
        perfect_page_rate: ratio(perfect, scores.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: &str, title: &str, text: &str) -> PageItem {
        PageItem {
            id: String::new(),
            source: "本报".into(),
            date: "2026-01-01".into(),
            page: "01".into(),
            kind: kind.into(),
            intro_title: None,
            title: Some(title.into()),
            subtitle: None,
            byline: None,
            text: text.into(),
            photo_captions: Vec::new(),
            continued_from_page: None,
        }
    }

    fn page() -> PageFile {
        let body = "市政府召开会议，部署滨江步道建设工作，要求年内建成开放。\n步道全长十二公里，连接三个公园和两个观景平台，沿线老旧小区同步改造。";
        PageFile {
            name: "test-page".into(),
            items: vec![
                item("article", "滨江步道年内建成", body),
                item("article", "海关推广关税保证保险", "海关推广关税保证保险，进口企业先通关后缴税，通关效率提高。\n芯片进口企业资金压力减轻。"),
                item("editor_note", "本版责编：张三", ""),
            ],
        }
    }

    #[test]
    fn every_variant_gives_each_character_an_owner_or_none() {
        for variant in VARIANTS {
            let rendered = render(&page(), variant);
            assert_eq!(rendered.text.chars().count(), rendered.owners.len());
            assert_eq!(rendered.headlines.len(), 2, "the editor line is no article");
            let owned: String = rendered
                .text
                .chars()
                .zip(&rendered.owners)
                .filter(|(_, o)| **o == Some(1))
                .map(|(c, _)| c)
                .collect();
            assert!(
                owned.starts_with("海关推广关税保证保险"),
                "{variant:?}: {owned}"
            );
        }
        assert!(render(&page(), Variant::CrlfMasthead).text.contains("\r\n"));
    }

    #[test]
    fn article_ids_name_their_page_and_place() {
        assert_eq!(
            page_of_id("rmrb-20260611-04-07"),
            Some(("rmrb-2026-06-11-04".to_owned(), 7))
        );
        assert_eq!(page_of_id("rmrb-2026-06-11"), None);
        assert_eq!(page_of_id("tv-1"), None);
    }

    #[test]
    fn a_perfect_split_scores_one_and_a_merged_split_does_not() {
        let rendered = render(&page(), Variant::BlankLines);
        let perfect = score(Splitter::shipped(), "p", Variant::BlankLines, &rendered);
        assert_eq!((perfect.gold, perfect.found), (2, 2), "{perfect:?}");
        // The same page with the headline of the second article turned into
        // a body line: the splitter can only return one article for both.
        let mut merged = rendered;
        merged.text = merged
            .text
            .replacen("海关推广关税保证保险\n\n", "海关推广关税保证保险，", 1);
        merged.owners.truncate(merged.text.chars().count());
        let s = score(Splitter::shipped(), "p", Variant::BlankLines, &merged);
        assert!(s.found < 2, "{s:?}");
        assert!(summarise(&[s]).f1 < 1.0);
    }
}
