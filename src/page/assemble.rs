//! From tagged lines to segments: headline blocks, paragraphs (the halves a
//! column break cut apart joined again), captions and dropped lines, with
//! the segments that open an article; then captions between two articles
//! go to the one they share more words with.

use std::collections::HashSet;

use super::features::{bigrams, BigramSet};
use super::lines::{is_continued_from, is_terminated, starts_mid_sentence, Line, LineKind};
use super::tagger::Tag;
use super::DroppedKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SegmentKind {
    /// A headline block: kicker, headline and deck lines.
    Head,
    Paragraph,
    Caption,
    Dropped(DroppedKind),
}

#[derive(Debug, Clone)]
pub(super) struct Segment {
    pub kind: SegmentKind,
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// A caption that sat inside a paragraph cut by a column break: it stays
    /// with that paragraph's article.
    pub pinned: bool,
}

impl Segment {
    fn from_lines(kind: SegmentKind, lines: &[&Line<'_>], separator: &str) -> Self {
        let texts: Vec<&str> = lines.iter().map(|l| l.text).collect();
        Segment {
            kind,
            text: texts.join(separator),
            start: lines.iter().map(|l| l.start).min().unwrap_or(0),
            end: lines.iter().map(|l| l.end).max().unwrap_or(0),
            pinned: false,
        }
    }

    pub(super) fn is_dropped(&self) -> bool {
        matches!(self.kind, SegmentKind::Dropped(_))
    }
}

/// The tag a rule is sure of, whatever the model says: jump lines, page
/// furniture (date lines, folios, editor credits) and "related news"
/// markers belong to no article's text.
pub(super) fn forced_tag(line: &Line<'_>) -> Option<Tag> {
    matches!(
        line.kind,
        LineKind::Jump | LineKind::Furniture | LineKind::Marker
    )
    .then_some(Tag::Dropped)
}

/// Which of the page's non-blank `lines` must be part of a headline block
/// (the tagger picks `Head` or `Title` for them): the heading-like line
/// right above `（上接第1版）`. The papers repeat a continued story's
/// headline over its jump line and nothing else stands there; whether the
/// line opens the block or is its deck is left to the model.
pub(super) fn continued_headlines(lines: &[&Line<'_>]) -> Vec<bool> {
    let mut heading = vec![false; lines.len()];
    for k in 1..lines.len() {
        if is_continued_from(lines[k]) && is_heading_like(lines[k - 1]) {
            heading[k - 1] = true;
        }
    }
    heading
}

/// A short line that does not end a sentence: what a headline looks like.
fn is_heading_like(line: &Line<'_>) -> bool {
    matches!(line.kind, LineKind::Short | LineKind::Subhead)
}

/// Segments of the non-blank `lines`, tagged `tags`, and the indices of the
/// segments that open an article. Every line ends up in exactly one segment.
pub(super) fn segments(lines: &[&Line<'_>], tags: &[Tag]) -> (Vec<Segment>, Vec<usize>) {
    let mut segments = Vec::new();
    let mut starts = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        match tags[i] {
            Tag::Dropped => {
                let kind = SegmentKind::Dropped(dropped_kind(line.kind));
                segments.push(Segment::from_lines(kind, &[line], ""));
                i += 1;
            }
            Tag::Head => {
                starts.push(segments.len());
                let run = 1 + tags[i + 1..]
                    .iter()
                    .take_while(|&&t| t == Tag::Title)
                    .count();
                let block: Vec<&Line> = lines[i..i + run].to_vec();
                segments.push(Segment::from_lines(SegmentKind::Head, &block, " "));
                i += run;
            }
            Tag::Inside if line.kind == LineKind::Caption => {
                segments.push(Segment::from_lines(SegmentKind::Caption, &[line], ""));
                i += 1;
            }
            tag => {
                if tag == Tag::Body {
                    starts.push(segments.len());
                }
                i = paragraph(lines, tags, i, &mut segments);
            }
        }
    }
    if let Some(first) = starts.first_mut() {
        // Captions and dropped lines above the first article belong to it
        // (dropped ones stay out of its span); a photo above the first
        // headline is that article's.
        for segment in &mut segments[..*first] {
            if segment.kind == SegmentKind::Dropped(DroppedKind::Photo) {
                segment.kind = SegmentKind::Caption;
            }
        }
        *first = 0;
    }
    (segments, starts)
}

/// Why a line the tagger left out of every article was left out.
fn dropped_kind(kind: LineKind) -> DroppedKind {
    match kind {
        LineKind::Jump => DroppedKind::Jump,
        LineKind::Marker => DroppedKind::Marker,
        LineKind::Caption => DroppedKind::Photo,
        LineKind::Banner | LineKind::Short | LineKind::Subhead => DroppedKind::Banner,
        _ => DroppedKind::Furniture,
    }
}

/// Reads the paragraph that starts at line `first`, joining the halves a
/// column break cut apart, and pushes it (then any caption that sat between
/// the halves). Returns the index of the line after it.
fn paragraph(lines: &[&Line<'_>], tags: &[Tag], first: usize, out: &mut Vec<Segment>) -> usize {
    let mut parts = vec![lines[first]];
    let mut captions = Vec::new();
    let mut next = first + 1;
    while let Some((continuation, between)) =
        continuation_of(lines, tags, next, parts[parts.len() - 1])
    {
        parts.push(lines[continuation]);
        captions.extend(between);
        next = continuation + 1;
    }
    out.push(Segment::from_lines(SegmentKind::Paragraph, &parts, ""));
    for caption in captions {
        let mut segment = Segment::from_lines(SegmentKind::Caption, &[lines[caption]], "");
        segment.pinned = true;
        out.push(segment);
    }
    next
}

/// If `last` was cut by a column break, the line (from `from` on) that
/// carries on its sentence, and the captions met on the way. Only body text
/// that does not end a sentence is cut; the other half is body text of the
/// same article, past photo captions.
fn continuation_of(
    lines: &[&Line<'_>],
    tags: &[Tag],
    from: usize,
    last: &Line<'_>,
) -> Option<(usize, Vec<usize>)> {
    let joinable = matches!(last.kind, LineKind::Text | LineKind::Lead);
    if !joinable || is_terminated(last.text) {
        return None;
    }
    let mut captions = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(from) {
        if tags[i] != Tag::Inside {
            return None;
        }
        match line.kind {
            LineKind::Caption => captions.push(i),
            LineKind::Text => return Some((i, captions)),
            LineKind::Short if starts_mid_sentence(line.text) => return Some((i, captions)),
            _ => return None,
        }
    }
    None
}

/// Moves each article start back over the captions just above it
/// that share more words with it than with the article before.
pub(super) fn attach_captions(segments: &[Segment], starts: &mut [usize]) {
    for k in 1..starts.len() {
        let boundary = starts[k];
        let gap_start = (starts[k - 1] + 1..boundary)
            .rev()
            .take_while(|&i| {
                let s = &segments[i];
                (s.kind == SegmentKind::Caption && !s.pinned) || s.is_dropped()
            })
            .last()
            .unwrap_or(boundary);
        if gap_start == boundary {
            continue;
        }
        let end_of_next = starts.get(k + 1).copied().unwrap_or(segments.len());
        let before = words(&segments[starts[k - 1]..gap_start]);
        let after = words(&segments[boundary..end_of_next]);
        // Score each place the boundary could go; ties keep captions with the
        // article they follow in reading order.
        let score = |split: usize| -> f64 {
            (gap_start..boundary)
                .filter(|&i| segments[i].kind == SegmentKind::Caption)
                .map(|i| {
                    let bigrams = bigrams(&segments[i].text);
                    if i < split {
                        overlap(&bigrams, &before)
                    } else {
                        overlap(&bigrams, &after)
                    }
                })
                .sum()
        };
        let mut best = boundary;
        for split in gap_start..boundary {
            if score(split) > score(best) {
                best = split;
            }
        }
        starts[k] = best;
    }
}

/// Character bigrams of the non-caption text of `segments`.
fn words(segments: &[Segment]) -> BigramSet {
    let mut words = BigramSet::default();
    for s in segments {
        if matches!(s.kind, SegmentKind::Head | SegmentKind::Paragraph) {
            words.extend(bigrams(&s.text));
        }
    }
    words
}

/// Share of `caption`'s bigrams found in `article`.
fn overlap(caption: &BigramSet, article: &BigramSet) -> f64 {
    if caption.is_empty() {
        return 0.0;
    }
    caption.intersection(article).count() as f64 / caption.len() as f64
}

/// Indices (into `lines`, blank lines included) of undecorated banners: a
/// block of short lines followed, past a blank line, by another block of
/// short lines (the headline it stands over). A kicker touches its headline;
/// a banner is set apart from it. Only where blank lines mean something:
/// on a page with a blank line after every line they set nothing apart.
pub(super) fn banner_lines(lines: &[Line<'_>]) -> HashSet<usize> {
    let text_lines = lines.iter().filter(|l| l.kind != LineKind::Blank).count();
    let touching = lines
        .windows(2)
        .filter(|w| w[0].kind != LineKind::Blank && w[1].kind != LineKind::Blank)
        .count();
    if touching * 3 < text_lines {
        return HashSet::new();
    }
    let mut banners = HashSet::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].kind != LineKind::Short {
            i += 1;
            continue;
        }
        let run = lines[i..]
            .iter()
            .take_while(|l| l.kind == LineKind::Short)
            .count();
        let after = &lines[i + run..];
        let blanks = after
            .iter()
            .take_while(|l| l.kind == LineKind::Blank)
            .count();
        let next_is_headline = after.get(blanks).is_some_and(|l| l.kind == LineKind::Short);
        if blanks > 0 && next_is_headline {
            banners.extend(i..i + run);
        }
        i += run;
    }
    banners
}
