//! Marked pages: a page as pasted (`NAME.txt`) beside the reader's marks
//! (`NAME.expected.json`: each article's title and the text its span starts
//! and ends with, and lines that belong to no article), the shape of
//! `tests/fixtures/pages`. The splitter can learn from them as from the
//! page files of `benchmark`: every non-blank line gets its gold tag.

use std::path::Path;

use serde::Deserialize;

use super::lines::{read_lines, LineKind};
use super::tagger::Tag;
use crate::error::{Error, Result};

#[derive(Deserialize)]
struct Marks {
    articles: Vec<MarkedArticle>,
    #[serde(default)]
    dropped: Vec<String>,
}

#[derive(Deserialize)]
struct MarkedArticle {
    /// Headline block, its lines joined by single spaces; empty for none.
    title: String,
    /// Text the article's span starts with.
    first: String,
    /// Text the article's span ends with.
    last: String,
}

/// A page's non-blank lines (trimmed) and their gold tags.
pub struct TaggedPage {
    /// The marked page's file name without `.txt`.
    pub name: String,
    /// Its non-blank lines, trimmed.
    pub lines: Vec<String>,
    pub(super) tags: Vec<Tag>,
}

/// Reads every `NAME.txt` of `dir` that has a `NAME.expected.json`.
pub fn read_marked_pages(dir: &Path) -> Result<Vec<TaggedPage>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .filter(|p| p.with_extension("expected.json").exists())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let page = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let marks_path = path.with_extension("expected.json");
            let json =
                std::fs::read_to_string(&marks_path).map_err(|e| Error::io(&marks_path, e))?;
            let marks: Marks = serde_json::from_str(&json).map_err(|e| Error::Corpus {
                path: marks_path.clone(),
                line: e.line(),
                reason: e.to_string(),
            })?;
            let name = path.file_stem().map(|n| n.to_string_lossy().into_owned());
            tag_marked(name.unwrap_or_default(), &page, &marks).map_err(|reason| Error::Corpus {
                path: marks_path,
                line: 0,
                reason,
            })
        })
        .collect()
}

/// Gold tags of `page` from `marks` (the JSON of an `.expected.json`).
#[cfg(test)]
pub(super) fn tag_marked_text(
    name: &str,
    page: &str,
    marks: &str,
) -> std::result::Result<TaggedPage, String> {
    let marks: Marks = serde_json::from_str(marks).map_err(|e| e.to_string())?;
    tag_marked(name.to_owned(), page, &marks)
}

/// Gold tags from the marks. A line inside an article's span is the
/// article's; its title lines are `Head` then `Title`; lines before the
/// title (a photo above its headline) stay with the article before, where
/// the caption pass of the splitter moves them; lines listed as dropped,
/// and lines in no span, belong to no article.
fn tag_marked(name: String, page: &str, marks: &Marks) -> std::result::Result<TaggedPage, String> {
    let lines: Vec<_> = read_lines(page)
        .into_iter()
        .filter(|l| l.kind != LineKind::Blank)
        .collect();
    let mut tags = vec![Tag::Dropped; lines.len()];
    let mut from = 0;
    let mut opened = false;
    for article in &marks.articles {
        let start = find_chars(page, &article.first, from)
            .ok_or_else(|| format!("{:?} not found after character {from}", article.first))?;
        let last = find_chars(page, &article.last, start)
            .ok_or_else(|| format!("{:?} not found after character {start}", article.last))?;
        let end = last + article.last.chars().count();
        from = end;
        let inside: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].start < end && lines[i].end > start)
            .filter(|&i| !marks.dropped.iter().any(|d| d == lines[i].text))
            .collect();
        let head = title_lines(&article.title, &inside, |i| lines[i].text);
        let first_own = head.as_ref().map_or(0, |h| h.start);
        for (k, &i) in inside.iter().enumerate() {
            tags[i] = match &head {
                _ if k < first_own => {
                    if opened {
                        Tag::Inside
                    } else {
                        Tag::Dropped
                    }
                }
                Some(h) if k == h.start => Tag::Head,
                Some(h) if h.contains(&k) => Tag::Title,
                None if k == 0 => Tag::Body,
                _ => Tag::Inside,
            };
        }
        opened |= !inside.is_empty();
    }
    Ok(TaggedPage {
        name,
        lines: lines.iter().map(|l| l.text.to_owned()).collect(),
        tags,
    })
}

/// Positions (in `inside`) of the lines that make `title`, joined by spaces.
fn title_lines<'a>(
    title: &str,
    inside: &[usize],
    text: impl Fn(usize) -> &'a str,
) -> Option<std::ops::Range<usize>> {
    if title.is_empty() {
        return None;
    }
    for from in 0..inside.len() {
        let mut joined = String::new();
        for (to, &line) in inside.iter().enumerate().skip(from) {
            if !joined.is_empty() {
                joined.push(' ');
            }
            joined.push_str(text(line));
            if joined == title {
                return Some(from..to + 1);
            }
            if !title.starts_with(&joined) {
                break;
            }
        }
    }
    None
}

/// Character offset of `needle` in `haystack` at or after character `from`.
fn find_chars(haystack: &str, needle: &str, from: usize) -> Option<usize> {
    let byte_from = haystack
        .char_indices()
        .nth(from)
        .map_or(haystack.len(), |(b, _)| b);
    let found = haystack[byte_from..].find(needle)? + byte_from;
    Some(haystack[..found].chars().count())
}
