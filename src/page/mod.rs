//! Splits the text of a printed newspaper page into its articles.
//!
//! Input is the text of a whole page, pasted or extracted from a PDF, one
//! paragraph per line. Output is each article's title and body with its
//! span in the input, plus the lines that were dropped (banners, "related
//! news" markers, page furniture). Rules read what is certain about a line
//! on its own (`lines.rs`); a tagger trained on real pages (`tagger.rs`,
//! `features.rs`, `train.rs`) decides which lines open an article; see
//! `docs/page-splitting.md`.
//!
//! The splitter knows nothing of the classifier; `classify.rs` adds
//! `Classifier::classify_page` on top of it.

mod assemble;
pub mod benchmark;
mod classify;
mod features;
mod lines;
mod marked;
mod tagger;
#[cfg(test)]
mod tests;
mod train;

pub use classify::{ClassifiedArticle, PageOutcome};
pub use marked::{read_marked_pages, TaggedPage};
pub use tagger::{Splitter, SplitterFile};
pub use train::{train_splitter, SplitterParams};

use assemble::{
    attach_captions, banner_lines, continued_headlines, forced_tag, segments, Segment, SegmentKind,
};
use lines::{read_lines, Line, LineKind};
use tagger::Tag;

/// One article found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageArticle {
    /// The headline block (kicker, headline, sub-headline) joined by spaces;
    /// empty for an article without one (a brief that opens with its lead,
    /// or text continued from another page).
    pub title: String,
    /// Paragraphs joined by `\n`, column breaks mended, captions included,
    /// banners and markers left out.
    pub body: String,
    /// Offset of the article's first character in the page, counted in
    /// Unicode scalar values (Rust `char`s), not bytes.
    pub start: usize,
    /// Offset just past its last character, in the same unit.
    pub end: usize,
}

/// Why a line was left out of every body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DroppedKind {
    /// A slogan line over a group of articles.
    Banner,
    /// A "related news" marker (`相关新闻`, `延伸阅读`, ...).
    Marker,
    /// Folio, date line or editor credits.
    Furniture,
    /// A jump line (`（下转第2版）`).
    Jump,
    /// The caption of a photo that goes with no story.
    Photo,
}

/// A line left out of every body, with its span in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedLine {
    /// Why it was left out.
    pub kind: DroppedKind,
    /// The line, trimmed.
    pub text: String,
    /// Its span in the page, in characters.
    pub start: usize,
    /// End of the span (exclusive).
    pub end: usize,
}

/// A page split into articles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SplitPage {
    /// In page order; spans are ordered and do not overlap.
    pub articles: Vec<PageArticle>,
    /// In page order. A marker may lie inside an article's span; its text is
    /// still not in the body.
    pub dropped: Vec<DroppedLine>,
}

/// Splits `page` into articles with the shipped splitter. Never fails:
/// every character of the page that is not white space ends up in exactly
/// one title, body or dropped line.
pub fn split_page(page: &str) -> SplitPage {
    Splitter::shipped().split(page)
}

impl Splitter {
    /// Splits `page` into articles; see [`split_page`].
    pub fn split(&self, page: &str) -> SplitPage {
        let all = read_lines(page);
        let (lines, tags) = self.tag_lines(&all);
        let (segments, mut starts) = segments(&lines, &tags);
        attach_captions(&segments, &mut starts);

        let ends = starts.iter().skip(1).copied().chain([segments.len()]);
        let articles = starts
            .iter()
            .zip(ends)
            .filter_map(|(&from, to)| article(&segments[from..to]))
            .collect();
        let dropped = segments
            .iter()
            .filter_map(|s| match s.kind {
                SegmentKind::Dropped(kind) => Some(DroppedLine {
                    kind,
                    text: s.text.clone(),
                    start: s.start,
                    end: s.end,
                }),
                _ => None,
            })
            .collect();
        SplitPage { articles, dropped }
    }
}

impl Splitter {
    /// The non-blank lines of `all` (from `read_lines`) and their tags:
    /// rules first (jumps, furniture, markers, banners set apart by a blank
    /// line), the model for the rest.
    fn tag_lines<'a, 'p>(&self, all: &'a [Line<'p>]) -> (Vec<&'a Line<'p>>, Vec<Tag>) {
        let banners = banner_lines(all);
        let (lines, forced): (Vec<_>, Vec<_>) = all
            .iter()
            .enumerate()
            .filter(|(_, l)| l.kind != LineKind::Blank)
            .map(|(i, l)| {
                let banner = banners.contains(&i).then_some(Tag::Dropped);
                (l, forced_tag(l).or(banner))
            })
            .unzip();
        let heading = continued_headlines(&lines);
        let texts: Vec<&str> = lines.iter().map(|l| l.text).collect();
        let tags = self.tag(&texts, &forced, &heading);
        (lines, tags)
    }

    /// Each non-blank line of `page`, trimmed, with its tag.
    pub(crate) fn tagged(&self, page: &str) -> Vec<(String, Tag)> {
        let all = read_lines(page);
        let (lines, tags) = self.tag_lines(&all);
        lines.iter().map(|l| l.text.to_owned()).zip(tags).collect()
    }
}

/// The article made of `segments`: its first headline block is the title,
/// everything else not dropped is body, in segment order.
fn article(segments: &[Segment]) -> Option<PageArticle> {
    let kept: Vec<&Segment> = segments.iter().filter(|s| !s.is_dropped()).collect();
    let title_at = kept
        .iter()
        .position(|s| s.kind == SegmentKind::Head)
        .filter(|&i| kept[..i].iter().all(|s| s.kind == SegmentKind::Caption));
    let title = title_at.map(|i| kept[i].text.clone()).unwrap_or_default();
    let body: Vec<&str> = kept
        .iter()
        .enumerate()
        .filter(|&(i, _)| Some(i) != title_at)
        .map(|(_, s)| s.text.as_str())
        .collect();
    Some(PageArticle {
        title,
        body: body.join("\n"),
        start: kept.iter().map(|s| s.start).min()?,
        end: kept.iter().map(|s| s.end).max()?,
    })
}
