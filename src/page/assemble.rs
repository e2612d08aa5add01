//! From classified lines to articles, in three passes:
//!
//! 1. [`segments`]: lines become segments: headline blocks, paragraphs (with
//!    column breaks joined), captions and dropped lines (banners decided from
//!    context here).
//! 2. [`article_starts`]: which segments open an article.
//! 3. [`attach_captions`]: captions between two articles go to the one they
//!    share more words with.

use std::collections::HashSet;

use super::lines::{is_terminated, starts_mid_sentence, Line, LineKind};
use super::DroppedKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SegmentKind {
    /// A headline block: kicker, headline and sub-headline lines.
    Head,
    /// A paragraph that opens with a lead or byline.
    Lead,
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

    pub fn is_dropped(&self) -> bool {
        matches!(self.kind, SegmentKind::Dropped(_))
    }
}

/// Pass 1. `lines` must come from `read_lines`.
pub(super) fn segments(lines: &[Line<'_>]) -> Vec<Segment> {
    let banners = banner_lines(lines);
    let mut segments = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let dropped = match line.kind {
            _ if banners.contains(&i) => Some(DroppedKind::Banner),
            LineKind::Banner => Some(DroppedKind::Banner),
            LineKind::Furniture => Some(DroppedKind::Furniture),
            LineKind::Jump => Some(DroppedKind::Jump),
            LineKind::Marker => Some(DroppedKind::Marker),
            _ => None,
        };
        if let Some(kind) = dropped {
            segments.push(Segment::from_lines(SegmentKind::Dropped(kind), &[line], ""));
            i += 1;
            continue;
        }
        match line.kind {
            LineKind::Blank => i += 1,
            LineKind::Short => {
                let run = lines[i..]
                    .iter()
                    .take_while(|l| l.kind == LineKind::Short)
                    .count();
                let block: Vec<&Line> = lines[i..i + run].iter().collect();
                segments.push(Segment::from_lines(SegmentKind::Head, &block, " "));
                i += run;
            }
            LineKind::Caption => {
                segments.push(Segment::from_lines(SegmentKind::Caption, &[line], ""));
                i += 1;
            }
            LineKind::Lead | LineKind::Byline => {
                i = paragraph(lines, i, SegmentKind::Lead, &mut segments);
            }
            _ => i = paragraph(lines, i, SegmentKind::Paragraph, &mut segments),
        }
    }
    segments
}

/// Reads the paragraph that starts at line `first`, joining the halves a
/// column break cut apart, and pushes it (then any caption that sat between
/// the halves). Returns the index of the line after it.
fn paragraph(lines: &[Line<'_>], first: usize, kind: SegmentKind, out: &mut Vec<Segment>) -> usize {
    let mut parts = vec![&lines[first]];
    let mut captions = Vec::new();
    let mut next = first + 1;
    while let Some((continuation, between)) = continuation_of(lines, next, parts[parts.len() - 1]) {
        parts.push(&lines[continuation]);
        captions.extend(between);
        next = continuation + 1;
    }
    out.push(Segment::from_lines(kind, &parts, ""));
    for caption in captions {
        let mut segment = Segment::from_lines(SegmentKind::Caption, &[&lines[caption]], "");
        segment.pinned = true;
        out.push(segment);
    }
    next
}

/// If `last` was cut by a column break, the line (from `from` on) that
/// carries on its sentence, and the captions met on the way. Only body text
/// that does not end a sentence is cut; the other half is body text, past
/// blank lines and photo captions.
fn continuation_of(
    lines: &[Line<'_>],
    from: usize,
    last: &Line<'_>,
) -> Option<(usize, Vec<usize>)> {
    let joinable = matches!(last.kind, LineKind::Text | LineKind::Lead);
    if !joinable || is_terminated(last.text) {
        return None;
    }
    let mut captions = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(from) {
        match line.kind {
            LineKind::Blank => {}
            LineKind::Caption => captions.push(i),
            LineKind::Text => return Some((i, captions)),
            LineKind::Short if starts_mid_sentence(line.text) => return Some((i, captions)),
            _ => return None,
        }
    }
    None
}

/// Indices of undecorated banners: a block of short lines followed, past a
/// blank line, by another block of short lines (the headline it stands over).
/// A kicker touches its headline; a banner is set apart from it.
fn banner_lines(lines: &[Line<'_>]) -> HashSet<usize> {
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

/// Pass 2: indices of the segments that open an article.
///
/// A headline block opens one. So does a lead when the current article
/// already has body text (briefs without headlines). Text before the first
/// headline opens an untitled article. A "related news" marker keeps the
/// next headline and lead inside the current article: the related item is
/// part of the story's package.
pub(super) fn article_starts(segments: &[Segment]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut has_body = false;
    let mut related = false;
    for (i, segment) in segments.iter().enumerate() {
        match segment.kind {
            SegmentKind::Dropped(DroppedKind::Marker) => related = true,
            SegmentKind::Dropped(_) | SegmentKind::Caption => {}
            SegmentKind::Head if related => {}
            SegmentKind::Head => {
                starts.push(i);
                has_body = false;
            }
            SegmentKind::Lead | SegmentKind::Paragraph => {
                let opens = segment.kind == SegmentKind::Lead && has_body && !related;
                if opens || starts.is_empty() {
                    starts.push(i);
                }
                has_body = true;
                related = false;
            }
        }
    }
    if starts.is_empty() && segments.iter().any(|s| !s.is_dropped()) {
        starts.push(0);
    }
    if let Some(first) = starts.first_mut() {
        // Captions and dropped lines above the first article belong to it
        // (dropped ones stay out of its span).
        *first = 0;
    }
    starts
}

/// Pass 3: moves each article start back over the captions just above it
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
fn words(segments: &[Segment]) -> HashSet<(char, char)> {
    segments
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                SegmentKind::Head | SegmentKind::Lead | SegmentKind::Paragraph
            )
        })
        .flat_map(|s| bigrams(&s.text))
        .collect()
}

fn bigrams(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Share of `caption`'s bigrams found in `article`.
fn overlap(caption: &HashSet<(char, char)>, article: &HashSet<(char, char)>) -> f64 {
    if caption.is_empty() {
        return 0.0;
    }
    caption.intersection(article).count() as f64 / caption.len() as f64
}
