//! What the line tagger sees of a line: its shape on its own ([`Shape`]),
//! the shapes around it, the state of the article it would join
//! ([`ArticleState`]) and how much it shares words with the text above and
//! below (lexical cohesion). Features are named strings, so that the
//! trained weights file can be read and a feature added without renumbering.

use std::collections::{HashMap, HashSet};

/// foldhash: bigram sets are built and probed for every line of a page. A
/// fixed seed (not a random one per process) keeps their iteration order,
/// and so the order of the sums in [`Idf::share`], the same from run to
/// run: training must give the same file bit for bit.
pub(super) type Hasher = foldhash::fast::FixedState;
pub(super) type BigramSet = HashSet<Bigram, Hasher>;
pub(super) type IdfTable = HashMap<Bigram, f32, Hasher>;

use super::lines::{is_terminated, kind_of, starts_mid_sentence, LineKind, BYLINE_PREFIXES};
use super::tagger::Tag;
use crate::text::is_han;

/// Longest line, in characters, the tagger treats as a possible heading.
const SHORT: usize = 40;
/// Longest headline, in characters, read as a column's name.
const COLUMN_NAME: usize = 4;
/// Longest line whose whole text is a feature (column names, `图片报道`).
const NAMED_LINE: usize = 8;
/// How much text below a line, in characters, is compared with the article
/// above it.
const LOOKAHEAD: usize = 400;

/// A pair of adjacent letters or digits: the unit of lexical cohesion
/// (Chinese words are mostly one or two characters, so bigrams of characters
/// catch shared words without segmenting).
pub(super) type Bigram = (char, char);

/// Inverse document frequencies of bigrams, learned with the tagger.
pub(super) struct Idf<'a> {
    pub table: &'a IdfTable,
    /// The weight of a bigram not in the table (seen in no or one article).
    pub unseen: f32,
}

impl Idf<'_> {
    fn of(&self, b: &Bigram) -> f64 {
        f64::from(self.table.get(b).copied().unwrap_or(self.unseen))
    }

    /// The IDF weight of all of `b`.
    fn total(&self, b: &BigramSet) -> f64 {
        b.iter().map(|x| self.of(x)).sum()
    }

    /// The IDF-weighted share of `b`'s bigrams also in `a`, `total` being
    /// [`Idf::total`] of `b` (computed once per line, not per reading).
    fn share(&self, a: &BigramSet, b: &BigramSet, total: f64) -> f64 {
        if a.is_empty() || b.is_empty() {
            return 0.0;
        }
        let shared: f64 = b.iter().filter(|x| a.contains(x)).map(|x| self.of(x)).sum();
        if total > 0.0 {
            shared / total
        } else {
            0.0
        }
    }
}

pub(super) fn bigrams(text: &str) -> BigramSet {
    let chars: Vec<char> = text.chars().filter(|&c| is_word_char(c)).collect();
    let mut set = BigramSet::with_capacity_and_hasher(chars.len(), Hasher::default());
    set.extend(chars.windows(2).map(|w| (w[0], w[1])));
    set
}

/// `char::is_alphanumeric`, answered without its slow table lookup for what
/// most of a Chinese page is made of: Han characters and common punctuation.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if is_han(c) {
        true
    } else if COMMON_PUNCTUATION.contains(&c) {
        false
    } else {
        c.is_alphanumeric()
    }
}

/// `char::is_numeric`, with the same shortcut.
fn is_digit_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else if is_han(c) || COMMON_PUNCTUATION.contains(&c) {
        false
    } else {
        c.is_numeric()
    }
}

/// Full-width and CJK punctuation, none of it a letter or a digit.
const COMMON_PUNCTUATION: &[char] = &[
    '，', '。', '、', '：', '；', '！', '？', '（', '）', '“', '”', '‘', '’', '《', '》', '—', '…',
    '·', '\u{3000}', '【', '】', '「', '」',
];

/// A line on its own.
#[derive(Debug, Clone)]
pub(super) struct Shape {
    pub kind: LineKind,
    pub chars: usize,
    /// Short, not ending a sentence, no full stop: could be a heading.
    pub shortish: bool,
    /// Named yes/no properties, in a fixed order.
    pub flags: Vec<&'static str>,
    pub length: &'static str,
}

/// Properties of neighbouring lines that the tagger also sees.
const CONTEXT_FLAGS: &[&str] = &[
    "term",
    "lead",
    "byline",
    "caption",
    "stop",
    "mid",
    "author",
    "numbered",
    "dash",
    "name",
    "paren",
    "comma_end",
    "quote_start",
    "dateline",
    "marker",
    "column_tag",
    "ask_end",
    "editor_note",
    "compiled",
];

/// Agency and commentary bylines, besides the rule's own prefixes.
const MORE_BYLINE_PREFIXES: &[&str] = &["新华社记者", "本报评论员"];
const CLOSERS: &[char] = &[
    '”', '’', '」', '』', '）', ')', '】', '"', '\'', '》', '〉', ']', '］',
];

impl Shape {
    pub(super) fn of(text: &str) -> Shape {
        let kind = kind_of(text);
        let chars = text.chars().count();
        let first = text.chars().next().unwrap_or(' ');
        let last = text.chars().next_back().unwrap_or(' ');
        let bare_end = text.trim_end_matches(CLOSERS).chars().next_back();
        let terminated = is_terminated(text);
        let mut flags = Vec::new();
        let mut flag = |on: bool, name: &'static str| {
            if on {
                flags.push(name);
            }
        };
        flag(terminated, "term");
        flag(text.ends_with('—'), "dash");
        flag(matches!(last, '，' | ',' | '、'), "comma_end");
        flag(matches!(bare_end, Some('？' | '?' | '！' | '!')), "ask_end");
        flag(CLOSERS.contains(&last), "close_end");
        flag(matches!(first, '“' | '"' | '「'), "quote_start");
        flag(matches!(first, '（' | '('), "paren_start");
        let paren = matches!(first, '（' | '(') && matches!(last, '）' | ')');
        flag(paren, "paren");
        flag(paren && is_author_line(text), "author");
        flag(paren && is_compiler_line(text), "compiled");
        flag(text.contains("摘编") || text.contains("发言摘要"), "digest");
        flag(starts_mid_sentence(text), "mid");
        flag(text.contains('。'), "stop");
        flag(text.matches('。').count() >= 3, "stops3");
        flag(text.contains(['，', ',']), "comma");
        flag(text.contains('；'), "semicolon");
        flag(text.contains(['：', ':']), "colon");
        flag(has_inner_space(text), "space");
        flag(kind == LineKind::Lead, "lead");
        flag(
            chars <= 30
                && BYLINE_PREFIXES
                    .iter()
                    .chain(MORE_BYLINE_PREFIXES)
                    .any(|p| text.starts_with(p))
                && !text.contains(['，', ',', '。', '：']),
            "byline",
        );
        flag(kind == LineKind::Caption, "caption");
        flag(kind == LineKind::Subhead, "numbered");
        flag(kind == LineKind::Marker, "marker");
        flag(kind == LineKind::Banner, "bracketed");
        flag(text.chars().any(is_digit_char), "digit");
        flag(chars <= 12 && is_name_like(text), "name");
        flag(chars <= 16 && is_dateline(text), "dateline");
        flag(text.contains("责编"), "editor");
        flag(has_column_tag(text), "column_tag");
        flag(
            text.starts_with("——编") || text.starts_with("编者按"),
            "editor_note",
        );
        let length = match chars {
            0..=4 => "len0",
            5..=9 => "len5",
            10..=14 => "len10",
            15..=19 => "len15",
            20..=24 => "len20",
            25..=29 => "len25",
            30..=34 => "len30",
            35..=39 => "len35",
            40..=49 => "len40",
            50..=59 => "len50",
            60..=99 => "len60",
            100..=199 => "len100",
            _ => "len200",
        };
        Shape {
            kind,
            chars,
            shortish: chars <= SHORT && !terminated && !text.contains('。'),
            flags,
            length,
        }
    }

    fn has(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }
}

/// `（作者为中国人民大学…院长）`, `（本文作者…）`, `（记者 …）`.
fn is_author_line(text: &str) -> bool {
    let inner = text.trim_start_matches(['（', '(']);
    ["作者", "本文", "本报", "记者", "执笔", "综合"]
        .iter()
        .any(|p| inner.starts_with(p))
        || inner
            .chars()
            .take(14)
            .collect::<String>()
            .contains(['系', '为'])
}

/// A compiler's line: `（本报记者某某整理）`, `（作者为某大学教授，本报记者
/// 某某采访整理）`: the pieces above and below it are one package.
fn is_compiler_line(text: &str) -> bool {
    let inner = text.trim_end_matches(['）', ')']);
    inner.ends_with("整理") && text.chars().count() <= 60
}

/// A column's tag closing a headline: `木、枝、叶与恩（金台随感）`,
/// `完善手机流量超量提醒机制（建议）`.
fn has_column_tag(text: &str) -> bool {
    let Some(inner) = text.strip_suffix('）') else {
        return false;
    };
    let Some(open) = inner.rfind('（') else {
        return false;
    };
    let tag = &inner[open + '（'.len_utf8()..];
    let n = tag.chars().count();
    open > 0 && (1..=12).contains(&n) && !tag.contains(['。', '，', ','])
}

/// White space between two non-space characters (`魏  楚`, `本报记者 张三`).
fn has_inner_space(text: &str) -> bool {
    let inner = text.trim();
    inner.contains([' ', '\u{3000}'])
}

/// One to four Han characters, possibly spaced out, possibly several names:
/// `魏  楚`, `冯继康`, `张三  李四`.
fn is_name_like(text: &str) -> bool {
    let words: Vec<&str> = text
        .split([' ', '\u{3000}'])
        .filter(|w| !w.is_empty())
        .collect();
    !words.is_empty()
        && words.iter().all(|w| {
            let n = w.chars().count();
            (1..=4).contains(&n) && w.chars().all(is_han)
        })
}

/// `新华社北京6月3日电`: a dateline alone on a line.
fn is_dateline(text: &str) -> bool {
    let t = text.trim_end();
    (t.ends_with("日电") || t.ends_with("日讯")) && t.contains('月')
}

/// What the tagger knows of the article the line would join: the lines
/// tagged since the last article start.
#[derive(Clone, Default)]
pub(super) struct ArticleState {
    chars: usize,
    paragraphs: usize,
    has_lead: bool,
    has_byline: bool,
    /// How many heading-like lines the body has had so far (section
    /// sub-headings).
    subheading_count: usize,
    /// The last [`KEPT_SUBHEADINGS`] of them, for parallelism.
    subheadings: Vec<String>,
    /// The headline when it is a column's name alone (`环球扫描`): the
    /// article is a compilation of items under it.
    column: Option<String>,
    /// Lines of the headline block.
    head_lines: usize,
    /// The body has had an editor's note (`——编  者`): a package whose
    /// bylined sections the papers count as one article.
    editor_note: bool,
    /// The body has had a compiler's line (`（本报记者某某整理）`): the
    /// pieces of a compiled package follow one another under headings.
    compiled: bool,
    /// The headline block says the article is a digest of speeches
    /// (`——…论坛发言摘编`): its sections follow under their own headings.
    digest: bool,
    /// The line the article began at; its words are in [`ArticleWords`].
    start: Option<usize>,
}

/// How many of an article's sub-headings parallelism compares with: enough
/// for a feature's sections, and a page of nothing but short lines cannot
/// make each line cost more than the last.
const KEPT_SUBHEADINGS: usize = 8;

impl ArticleState {
    /// Characters of the article's lines so far, less its first.
    pub(super) fn chars(&self) -> usize {
        self.chars
    }

    /// Whether the article is a column of items under a name alone
    /// (`八方速递`).
    pub(super) fn is_column(&self) -> bool {
        self.column.is_some()
    }

    /// The line the current article began at.
    pub(super) fn start(&self) -> Option<usize> {
        self.start
    }

    /// Takes in line `i`, `text` (of shape `shape`), tagged `tag`.
    pub(super) fn update(&mut self, i: usize, text: &str, shape: &Shape, tag: Tag) {
        match tag {
            Tag::Head | Tag::Body => {
                *self = ArticleState {
                    start: Some(i),
                    ..ArticleState::default()
                };
                if tag == Tag::Body {
                    self.paragraphs = 1;
                    self.chars = shape.chars;
                } else {
                    self.head_lines = 1;
                    self.column = (shape.chars <= COLUMN_NAME).then(|| text.to_owned());
                    self.digest = shape.has("digest");
                }
            }
            Tag::Title => {
                self.head_lines += 1;
                self.column = None;
                self.digest |= shape.has("digest");
                self.chars += shape.chars;
            }
            Tag::Inside => {
                self.chars += shape.chars;
                self.paragraphs += 1;
                self.has_lead |= shape.has("lead");
                self.has_byline |= shape.has("byline");
                self.editor_note |= shape.has("editor_note");
                self.compiled |= shape.has("compiled");
                if shape.shortish {
                    self.subheading_count += 1;
                    if self.subheadings.len() == KEPT_SUBHEADINGS {
                        self.subheadings.remove(0);
                    }
                    self.subheadings.push(text.to_owned());
                }
            }
            Tag::Dropped => {}
        }
    }
}

/// The character bigrams of each open article so far: every line from the
/// one it began at up to the line being read. Readings of a page that began
/// an article at the same line share one set, so a reading's state is
/// cheap to copy.
#[derive(Default)]
pub(super) struct ArticleWords {
    sets: Vec<(usize, BigramSet)>,
    empty: BigramSet,
}

impl ArticleWords {
    /// The words of the article that began at `start` (none before the
    /// first article).
    pub(super) fn of(&self, start: Option<usize>) -> &BigramSet {
        start
            .and_then(|s| self.sets.iter().find(|(from, _)| *from == s))
            .map_or(&self.empty, |(_, set)| set)
    }

    /// Takes in line `i` (its bigrams `line`), once every reading has
    /// tagged it: `starts` are the readings' article starts after it. An
    /// article begun at `i` starts with the line's words; the others gain
    /// them; articles no reading holds any more are forgotten.
    pub(super) fn advance(
        &mut self,
        i: usize,
        line: &BigramSet,
        starts: impl Iterator<Item = Option<usize>>,
    ) {
        let mut live: Vec<usize> = starts.flatten().collect();
        live.sort_unstable();
        live.dedup();
        self.sets.retain(|(s, _)| live.contains(s));
        for s in live {
            match self.sets.iter_mut().find(|(from, _)| *from == s) {
                Some((_, set)) => set.extend(line.iter().copied()),
                None => self.sets.push((s, line.clone())),
            }
        }
        debug_assert!(self.sets.iter().all(|(s, _)| *s <= i));
    }
}

/// Where features go: into a list of named values for training, or
/// straight into the weights for tagging (no name is allocated).
pub(super) trait FeatureSink {
    fn add(&mut self, name: std::fmt::Arguments<'_>, value: f64);

    fn on(&mut self, name: std::fmt::Arguments<'_>) {
        self.add(name, 1.0);
    }
}

impl FeatureSink for Vec<(String, f64)> {
    fn add(&mut self, name: std::fmt::Arguments<'_>, value: f64) {
        self.push((name.to_string(), value));
    }
}

/// What the tagger keeps of line `i` whatever the reading of the page above
/// it: the bigram sets that cohesion compares with the article (the line's
/// own features went to the sink).
pub(super) struct LineView {
    /// The block below the line, up to the next heading-like line.
    below: BigramSet,
    pub this: BigramSet,
    below_total: f64,
    this_total: f64,
    /// How much of the line the block below shares.
    below_line: f64,
    /// The next line is a lead (`本报讯…`, `…日电`): a feature of columns
    /// of briefs, and what the tagger's brief rule reads.
    pub next_lead: bool,
}

/// The reading-independent features of line `i` of `lines`, into `sink`.
pub(super) fn line_view(
    lines: &[&str],
    shapes: &[Shape],
    i: usize,
    idf: &Idf<'_>,
    sink: &mut impl FeatureSink,
) -> LineView {
    let shape = &shapes[i];
    sink.on(format_args!("bias"));
    sink.on(format_args!("kind:{:?}", shape.kind));
    sink.on(format_args!("c:{}", shape.length));
    for flag in &shape.flags {
        sink.on(format_args!("c:{flag}"));
    }
    for offset in [-2isize, -1, 1, 2] {
        match i.checked_add_signed(offset).and_then(|j| shapes.get(j)) {
            None => sink.on(format_args!("o{offset}:none")),
            Some(s) => {
                sink.on(format_args!("o{offset}:{}", s.length));
                sink.on(format_args!("o{offset}:kind:{:?}", s.kind));
                for flag in CONTEXT_FLAGS.iter().filter(|f| s.has(f)) {
                    sink.on(format_args!("o{offset}:{flag}"));
                }
                if s.shortish {
                    sink.on(format_args!("o{offset}:short"));
                }
            }
        }
    }
    if shape.shortish {
        sink.on(format_args!("short"));
        if let Some(next) = shapes.get(i + 1) {
            for flag in ["lead", "byline", "term", "caption", "name", "author"] {
                if next.has(flag) {
                    sink.on(format_args!("short&next:{flag}"));
                }
            }
            if next.shortish {
                sink.on(format_args!("short&next:short"));
            }
        }
        // Words of heading-like lines: recurring column names and the way
        // a paper's headlines begin and end.
        let chars: Vec<char> = lines[i].chars().collect();
        let first: String = chars.iter().take(2).collect();
        let last: String = chars[chars.len().saturating_sub(2)..].iter().collect();
        sink.on(format_args!("w:first:{first}"));
        sink.on(format_args!("w:last:{last}"));
        if shape.chars <= NAMED_LINE {
            sink.on(format_args!("w:line:{}", lines[i]));
        }
    }

    let mut below = String::new();
    let mut below_chars = 0;
    for (j, line) in lines.iter().enumerate().skip(i + 1) {
        if shapes[j].shortish && !below.is_empty() {
            break;
        }
        below.push_str(line);
        below_chars += shapes[j].chars;
        if below_chars > LOOKAHEAD {
            break;
        }
    }
    let below = bigrams(&below);
    let this = bigrams(lines[i]);
    let (below_total, this_total) = (idf.total(&below), idf.total(&this));
    LineView {
        below_line: idf.share(&below, &this, this_total),
        next_lead: shapes.get(i + 1).is_some_and(|s| s.has("lead")),
        below,
        this,
        below_total,
        this_total,
    }
}

/// The features of line `text` (of shape `shape`) that depend on the reading of the page above
/// it: the tag of the last line that was not dropped, the state of the
/// current article and how the line and the block below it share the
/// article's words. Into `sink`.
pub(super) fn reading_features(
    text: &str,
    shape: &Shape,
    view: &LineView,
    previous: Tag,
    (state, words): (&ArticleState, &BigramSet),
    idf: &Idf<'_>,
    sink: &mut impl FeatureSink,
) {
    let prev = previous.code();
    sink.on(format_args!("prev:{prev}"));
    if shape.shortish {
        sink.on(format_args!("short&prev:{prev}"));
    }
    let log_chars = (usize::BITS - state.chars.leading_zeros()).min(14);
    sink.on(format_args!("since:{log_chars}"));
    sink.on(format_args!("paragraphs:{}", state.paragraphs.min(6)));
    if state.has_lead {
        sink.on(format_args!("article:lead"));
    }
    if state.has_byline {
        sink.on(format_args!("article:byline"));
    }
    sink.on(format_args!(
        "subheadings:{}",
        state.subheading_count.min(4)
    ));
    // Packages whose pieces follow one another under their own headings.
    let packages = [
        (state.editor_note, "editor_note"),
        (state.compiled, "compiled"),
        (state.digest, "digest"),
    ];
    for (_, package) in packages.iter().filter(|(on, _)| *on) {
        sink.on(format_args!("article:{package}"));
        if shape.shortish {
            sink.on(format_args!("short&article:{package}"));
        }
    }
    if let Some(column) = &state.column {
        sink.on(format_args!("in_column"));
        sink.on(format_args!("in_column:{column}"));
        if shape.shortish {
            sink.on(format_args!("in_column&short"));
            // A column of briefs: a short line in its body over a lead
            // opens the next.
            if view.next_lead && state.paragraphs > 0 {
                sink.on(format_args!("in_column&short&next:lead"));
            }
        }
    }

    // Lexical cohesion: the block below this line (up to the next heading),
    // the line itself and the article so far.
    let cohesion = [
        (
            "article>below",
            idf.share(words, &view.below, view.below_total),
        ),
        ("below>line", view.below_line),
        (
            "article>line",
            idf.share(words, &view.this, view.this_total),
        ),
    ];
    for (name, value) in cohesion {
        sink.add(format_args!("coh:{name}"), value);
        // Buckets let the weight of cohesion change with its level.
        let bucket = ((value * 10.0) as usize).min(9);
        sink.on(format_args!("coh:{name}:{bucket}"));
        if shape.shortish {
            sink.add(format_args!("short&coh:{name}"), value);
            sink.on(format_args!("short&coh:{name}:{bucket}"));
        }
    }

    // Parallelism: a section sub-heading looks like the ones before it.
    if shape.shortish && !state.subheadings.is_empty() {
        let first = text.chars().next();
        let colon = text.contains('：');
        let same_length = state
            .subheadings
            .iter()
            .any(|s| s.chars().count().abs_diff(shape.chars) <= 2);
        let same_first = state.subheadings.iter().any(|s| s.chars().next() == first);
        let same_colon = colon && state.subheadings.iter().any(|s| s.contains('：'));
        // `民意反转——` over its sub-heading, then `现实承压——` over the next.
        let same_dash = shape.has("dash") && state.subheadings.iter().any(|s| s.ends_with('—'));
        for (on_, name) in [
            (same_length, "parallel:length"),
            (same_first, "parallel:first"),
            (same_colon, "parallel:colon"),
            (same_dash, "parallel:dash"),
        ] {
            if on_ {
                sink.on(format_args!("{name}"));
            }
        }
    }
}

/// The names of the features line `at` of `lines` gets when the lines
/// before it were tagged `tags` (one per line from the top, the last the
/// line before `at`), with no IDF table: what a test checks a rule against.
#[cfg(test)]
pub(super) fn feature_names_at(lines: &[&str], tags: &[Tag], at: usize) -> Vec<String> {
    let table = IdfTable::default();
    let idf = Idf {
        table: &table,
        unseen: 1.0,
    };
    let shapes: Vec<Shape> = lines.iter().map(|l| Shape::of(l)).collect();
    let mut state = ArticleState::default();
    for (i, tag) in tags.iter().enumerate() {
        state.update(i, lines[i], &shapes[i], *tag);
    }
    let mut sink: Vec<(String, f64)> = Vec::new();
    let view = line_view(lines, &shapes, at, &idf, &mut sink);
    let previous = *tags.last().expect("a line before");
    reading_features(
        lines[at],
        &shapes[at],
        &view,
        previous,
        (&state, &BigramSet::default()),
        &idf,
        &mut sink,
    );
    sink.into_iter().map(|(n, _)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shortcuts_agree_with_the_unicode_tables() {
        let ranges = [
            0u32..0x3000,
            0x3000..0x3100,
            0x3400..0x4dc0,
            0x4e00..0xa000,
            0xff00..0xfff0,
        ];
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?}");
            assert_eq!(is_digit_char(c), c.is_numeric(), "{c:?}");
        }
    }

    #[test]
    fn cohesion_is_the_weighted_share_of_the_block_found_in_the_article() {
        let table = IdfTable::default();
        let idf = Idf {
            table: &table,
            unseen: 1.0,
        };
        let article = bigrams("数据中心集群开工");
        let block = bigrams("数据中心建设");
        // 数据 据中 中心 of 数据 据中 中心 心建 建设: three of five.
        let share = idf.share(&article, &block, idf.total(&block));
        assert!((share - 0.6).abs() < 1e-12, "{share}");
        assert_eq!(idf.share(&BigramSet::default(), &block, 5.0), 0.0);
    }

    #[test]
    fn a_package_marker_in_the_body_says_so_to_the_headings_below_it() {
        use Tag::{Head, Inside};
        // An editor's note and a compiler's line: the pieces that follow
        // under their own headings belong to the same package.
        for (marker, flag) in [
            ("——编  者", "editor_note"),
            ("（作者为某农业大学教授，本报记者钱某整理）", "compiled"),
        ] {
            let lines = [
                "各地推进城市更新",
                "城市更新行动全面展开，各地探索新做法。",
                marker,
                "老街换新颜",
                "老街改造完成。",
            ];
            let before = feature_names_at(&lines, &[Head, Inside], 3);
            assert!(
                !before
                    .iter()
                    .any(|n| n.contains(&format!("article:{flag}"))),
                "{before:?}"
            );
            let after = feature_names_at(&lines, &[Head, Inside, Inside], 3);
            assert!(
                after.iter().any(|n| *n == format!("short&article:{flag}")),
                "{after:?}"
            );
        }
    }

    #[test]
    fn a_dash_heading_is_parallel_to_an_earlier_dash_heading() {
        let lines = [
            "老城区更新十年回望",
            "十年来，老城区的街巷换了模样。",
            "起步——",
            "从一条街开始",
            "第一条街改造于十年前。",
            "提速——",
        ];
        use Tag::{Head, Inside};
        let tags = [Head, Inside, Inside, Inside, Inside];
        let names = feature_names_at(&lines, &tags, 5);
        assert!(names.iter().any(|n| n == "parallel:dash"), "{names:?}");
        // Without a dash heading before it, the same line has no partner.
        let mut plain = lines;
        plain[2] = "起步阶段";
        let names = feature_names_at(&plain, &tags, 5);
        assert!(!names.iter().any(|n| n == "parallel:dash"), "{names:?}");
    }

    #[test]
    fn a_digest_in_the_headline_block_says_so_to_its_headings() {
        use Tag::{Head, Inside, Title};
        let lines = [
            "凝聚发展合力",
            "——城市更新论坛发言摘编",
            "一位嘉宾的发言要点如下。",
            "以更新带动发展",
        ];
        let names = feature_names_at(&lines, &[Head, Title, Inside], 3);
        assert!(
            names.iter().any(|n| n == "short&article:digest"),
            "{names:?}"
        );
        let mut plain = lines;
        plain[1] = "——城市更新论坛在京举行";
        let names = feature_names_at(&plain, &[Head, Title, Inside], 3);
        assert!(
            !names.iter().any(|n| n.contains("article:digest")),
            "{names:?}"
        );
    }
}
