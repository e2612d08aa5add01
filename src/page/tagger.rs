//! The learned line tagger: each non-blank line of a page gets a [`Tag`]
//! from a multinomial logistic regression over the features of
//! `features.rs`, decoded from the top of the page down (the tag of the line
//! before and the state of the article so far are features, so a line is
//! read knowing what it would join). Trained by `train.rs`; the shipped
//! weights are `models/page-splitter.json`, compiled into the binary.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::features::{
    line_view, reading_features, ArticleState, ArticleWords, FeatureSink, Hasher, Idf, IdfTable,
    LineView, Shape,
};
use super::lines::LineKind;
use crate::error::{Error, Result};

/// What a line is to the articles of its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Tag {
    /// Opens an article with its headline block (kicker or headline).
    Head,
    /// Opens an article without a headline (a brief, text continued from
    /// another page).
    Body,
    /// Carries on the headline block above it (headline after a kicker, a
    /// deck).
    Title,
    /// Belongs to the current article: body, byline, sub-heading, caption.
    Inside,
    /// Belongs to no article: masthead, editor line, jump line, a photo
    /// without a story.
    Dropped,
}

pub(super) const TAGS: [Tag; 5] = [Tag::Head, Tag::Body, Tag::Title, Tag::Inside, Tag::Dropped];

impl Tag {
    pub(super) fn code(self) -> &'static str {
        match self {
            Tag::Head => "H",
            Tag::Body => "B",
            Tag::Title => "T",
            Tag::Inside => "I",
            Tag::Dropped => "D",
        }
    }

    fn index(self) -> usize {
        TAGS.iter().position(|&t| t == self).unwrap_or(0)
    }

    /// Whether a line may get this tag after `previous` (the last line not
    /// dropped, `None` at the top of the page).
    fn allowed_after(self, previous: Option<Tag>) -> bool {
        match self {
            Tag::Title => matches!(previous, Some(Tag::Head | Tag::Title)),
            Tag::Inside => previous.is_some(),
            _ => true,
        }
    }
}

/// A trained tagger as stored on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SplitterFile {
    /// What it was trained on and how, for people reading the file.
    pub trained: BTreeMap<String, String>,
    /// Per feature, one weight per tag in the order of `tags`.
    pub weights: BTreeMap<String, [f32; 5]>,
    /// Tags in weight order (`H`, `B`, `T`, `I`, `D`).
    pub tags: Vec<String>,
    /// Inverse document frequency of character bigrams (two-character
    /// strings) seen in at least two training articles.
    pub idf: BTreeMap<String, f32>,
    /// IDF of a bigram not in `idf`.
    pub unseen_idf: f32,
}

/// How many readings of a page the decoder keeps.
const BEAM: usize = 2;

/// One reading of the page so far: its tags and what they imply.
#[derive(Clone, Default)]
struct Reading {
    log_p: f64,
    state: ArticleState,
    /// The last tag that was not `Dropped`; `None` at the top of the page.
    previous: Option<Tag>,
    /// After a "related news" marker the next story, headline and all, is
    /// part of the package above it (and shares its label).
    related: bool,
}

impl Reading {
    /// This reading with line `i`, `text` (of shape `shape`), tagged `tag`;
    /// the new reading's log probability is `log_p`.
    fn then(&self, i: usize, text: &str, shape: &Shape, tag: Tag, log_p: f64) -> Reading {
        let mut next = self.clone();
        if shape.kind == LineKind::Marker && self.previous.is_some() {
            next.related = true;
        } else if tag == Tag::Inside && !shape.shortish {
            next.related = false;
        }
        next.state.update(i, text, shape, tag);
        if tag != Tag::Dropped {
            next.previous = Some(tag);
        }
        next.log_p = log_p;
        next
    }
}

fn log_softmax(scores: [f64; 5]) -> [f64; 5] {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = scores.iter().map(|s| (s - max).exp()).sum();
    scores.map(|s| s - max - total.ln())
}

/// A tagger ready to decode.
pub struct Splitter {
    weights: HashMap<String, [f32; 5], Hasher>,
    idf: IdfTable,
    unseen_idf: f32,
}

static SHIPPED: LazyLock<Splitter> = LazyLock::new(|| {
    let file: SplitterFile = serde_json::from_str(include_str!("../../models/page-splitter.json"))
        .expect("models/page-splitter.json is a splitter file");
    Splitter::from_file(file, Path::new("models/page-splitter.json"))
        .expect("models/page-splitter.json is a valid splitter")
});

impl Splitter {
    /// The splitter compiled into the binary.
    pub fn shipped() -> &'static Splitter {
        &SHIPPED
    }

    /// Checks and indexes `file`, read from `origin` (named in errors).
    pub fn from_file(file: SplitterFile, origin: &Path) -> Result<Splitter> {
        let invalid = |reason: String| Error::ModelFormat {
            path: origin.to_owned(),
            reason,
        };
        let expected: Vec<&str> = TAGS.iter().map(|t| t.code()).collect();
        if file.tags != expected {
            return Err(invalid(format!(
                "page splitter tags are {:?}, expected {expected:?}",
                file.tags
            )));
        }
        let mut idf = IdfTable::with_capacity_and_hasher(file.idf.len(), Hasher::default());
        for (pair, weight) in file.idf {
            let mut chars = pair.chars();
            match (chars.next(), chars.next(), chars.next()) {
                (Some(a), Some(b), None) => idf.insert((a, b), weight),
                _ => {
                    return Err(invalid(format!(
                        "page splitter idf key {pair:?} is not two characters"
                    )))
                }
            };
        }
        Ok(Splitter {
            weights: file.weights.into_iter().collect(),
            idf,
            unseen_idf: file.unseen_idf,
        })
    }

    /// Reads a splitter written by `train-splitter`.
    pub fn load(path: &Path) -> Result<Splitter> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file: SplitterFile = serde_json::from_str(&text).map_err(|e| Error::ModelFormat {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Splitter::from_file(file, path)
    }

    /// Tags every line of `lines` (trimmed, non-blank). `forced[i]`, when
    /// set, is line `i`'s tag whatever the model says (lines a rule is sure
    /// of). Keeps a beam of [`BEAM`] readings of the page so far: each
    /// reading carries its own article state, so a line is scored knowing
    /// what it would join under that reading; the most probable complete
    /// reading wins.
    ///
    /// `heading[i]`, when set, limits line `i` to `Head` or `Title` (a
    /// continued story's headline, see `continued_headlines`).
    pub(super) fn tag(&self, lines: &[&str], forced: &[Option<Tag>], heading: &[bool]) -> Vec<Tag> {
        let shapes: Vec<Shape> = lines.iter().map(|l| Shape::of(l)).collect();
        let idf = Idf {
            table: &self.idf,
            unseen: self.unseen_idf,
        };
        let mut beam = vec![Reading::default()];
        let mut words = ArticleWords::default();
        // For each line, each reading's (reading it came from, its tag):
        // the tags are read back from the best reading at the end, so a
        // reading does not carry (and copy) its whole history.
        let mut history: Vec<Vec<(usize, Tag)>> = Vec::with_capacity(lines.len());
        let mut scorer = Scorer::new(&self.weights);
        for i in 0..lines.len() {
            // What does not depend on the reading is scored once.
            scorer.scores = [0.0; 5];
            let view = line_view(lines, &shapes, i, &idf, &mut scorer);
            let line_scores = scorer.scores;
            // Candidates as (reading, tag, log p of the whole reading); only
            // the best `width` become readings.
            let mut candidates: Vec<(usize, Tag, f64)> = Vec::with_capacity(beam.len() * 5);
            for (r, reading) in beam.iter().enumerate() {
                let rule = || {
                    (!reading.related)
                        .then(|| brief_rule(&shapes, i, &view, reading.previous, &reading.state))
                        .flatten()
                };
                if let Some(tag) = forced.get(i).copied().flatten().or_else(rule) {
                    candidates.push((r, tag, reading.log_p));
                    continue;
                }
                let prev = reading.previous.unwrap_or(Tag::Dropped);
                scorer.scores = [0.0; 5];
                let state = (&reading.state, words.of(reading.state.start()));
                reading_features(lines[i], &shapes[i], &view, prev, state, &idf, &mut scorer);
                let mut scores = scorer.scores;
                for (s, l) in scores.iter_mut().zip(line_scores) {
                    *s += l;
                }
                let log_p = log_softmax(scores);
                let opens = |t: &Tag| matches!(t, Tag::Head | Tag::Body | Tag::Title);
                let before = candidates.len();
                candidates.extend(
                    TAGS.iter()
                        .copied()
                        .filter(|t| t.allowed_after(reading.previous))
                        .filter(|t| !(reading.related && opens(t)))
                        .filter(|t| *t != Tag::Dropped || may_drop(&shapes[i]))
                        .filter(|t| {
                            !heading.get(i).copied().unwrap_or(false)
                                || matches!(t, Tag::Head | Tag::Title)
                        })
                        .map(|t| (r, t, reading.log_p + log_p[t.index()])),
                );
                if candidates.len() == before {
                    candidates.push((r, Tag::Body, reading.log_p));
                }
            }
            // Best first; ties keep the earlier candidate (stable sort).
            candidates.sort_by(|a, b| b.2.total_cmp(&a.2));
            candidates.truncate(BEAM);
            beam = candidates
                .iter()
                .map(|&(r, tag, log_p)| beam[r].then(i, lines[i], &shapes[i], tag, log_p))
                .collect();
            history.push(candidates.iter().map(|&(r, tag, _)| (r, tag)).collect());
            words.advance(i, &view.this, beam.iter().map(|r| r.state.start()));
        }
        let mut tags = vec![Tag::Dropped; lines.len()];
        let mut best = 0;
        for (i, step) in history.iter().enumerate().rev() {
            let (from, tag) = step[best];
            tags[i] = tag;
            best = from;
        }
        tags
    }
}

/// Adds each feature's weights to the tags' scores as it is produced,
/// looking the name up without allocating it.
struct Scorer<'a> {
    weights: &'a HashMap<String, [f32; 5], Hasher>,
    name: String,
    scores: [f64; 5],
}

impl<'a> Scorer<'a> {
    fn new(weights: &'a HashMap<String, [f32; 5], Hasher>) -> Self {
        Scorer {
            weights,
            name: String::with_capacity(64),
            scores: [0.0; 5],
        }
    }
}

impl FeatureSink for Scorer<'_> {
    fn add(&mut self, name: std::fmt::Arguments<'_>, value: f64) {
        let name = match name.as_str() {
            Some(literal) => literal,
            None => {
                self.name.clear();
                // Writing into a String cannot fail.
                let _ = std::fmt::Write::write_fmt(&mut self.name, name);
                &self.name
            }
        };
        if let Some(w) = self.weights.get(name) {
            for (s, w) in self.scores.iter_mut().zip(w) {
                *s += f64::from(*w) * value;
            }
        }
    }
}

/// Longest article, in characters, after which the brief rule still
/// applies: in a short story a lead under a heading cannot be the story's
/// own (long features are left to the model, where compilations of wire
/// items count as one article).
const BRIEF_CHARS: usize = 300;

/// What the rules of briefs say, whatever the model thinks: a lead
/// (`本报讯…`, `新华社北京…电`) under a heading-like line right after a short
/// story's body opens a new story at that line; a lead right after a short
/// story's body text opens a brief without a headline. Not under a
/// column's name (`八方速递`), whose items are one article.
fn brief_rule(
    shapes: &[Shape],
    i: usize,
    view: &LineView,
    previous: Option<Tag>,
    state: &ArticleState,
) -> Option<Tag> {
    let in_body = matches!(previous, Some(Tag::Inside | Tag::Body));
    if !in_body || state.chars() > BRIEF_CHARS || state.is_column() {
        return None;
    }
    let shape = &shapes[i];
    if shape.kind == LineKind::Short && view.next_lead {
        return Some(Tag::Head);
    }
    let after_text = i > 0 && matches!(shapes[i - 1].kind, LineKind::Text | LineKind::Lead);
    (shape.kind == LineKind::Lead && after_text).then_some(Tag::Body)
}

/// Whether the model may leave a line out of every article: only a photo
/// caption (a photo without a story) or a decorated banner. Everything else
/// it may leave out (mastheads, editor lines, jumps) a rule has already
/// dropped, and dropping a headline or a paragraph would lose its words.
fn may_drop(shape: &Shape) -> bool {
    matches!(shape.kind, LineKind::Caption | LineKind::Banner)
}
