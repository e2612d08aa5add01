//! Reads a page line by line: where each line sits (in characters) and what
//! it looks like on its own. Context (which short lines are banners, which
//! paragraphs a column break cut) is decided later, in `assemble`.

use crate::text::is_han;

/// Longest line, in characters, still taken for a headline. Headlines and
/// sub-headlines of Chinese papers rarely pass 30; body paragraphs that are
/// this short almost always end with a full stop.
pub(super) const MAX_HEADLINE_CHARS: usize = 40;
/// Longest line taken for a headline when it has no comma or semicolon.
pub(super) const MAX_LONG_HEADLINE_CHARS: usize = 100;

/// What a line looks like, in the order [`kind_of`] tests for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineKind {
    Blank,
    /// A jump line such as `（下转第2版）`.
    Jump,
    /// Page furniture: folio and date lines, editor credits.
    Furniture,
    /// A "related news" marker such as `相关新闻` or `【延伸阅读】`.
    Marker,
    /// A decorated slogan line such as `【奋进新征程】`.
    Banner,
    /// A photo caption: ends with a photographer's or agency credit.
    Caption,
    /// A lead sentence (`本报讯`, `…日电`, `…日讯`): starts an article's body.
    Lead,
    /// A byline on its own line (`本报记者 某某`).
    Byline,
    /// A numbered or ornamented sub-heading inside an article (`一、…`, `■…`).
    Subhead,
    /// A short line without a full stop: a headline, kicker, sub-headline or
    /// an undecorated banner.
    Short,
    /// Body text.
    Text,
}

/// One line of the page, trimmed of surrounding white space.
#[derive(Debug, Clone)]
pub(super) struct Line<'a> {
    pub text: &'a str,
    /// Character offset of the first non-space character.
    pub start: usize,
    /// Character offset just past the last non-space character.
    pub end: usize,
    pub kind: LineKind,
}

/// Splits `page` into lines (`\n`, `\r\n`) with character offsets and kinds.
pub(super) fn read_lines(page: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for raw in page.split('\n') {
        let text = raw.trim();
        let leading = raw.len() - raw.trim_start().len();
        let start = offset + raw[..leading].chars().count();
        let length = text.chars().count();
        lines.push(Line {
            text,
            start,
            end: start + length,
            kind: kind_of(text),
        });
        offset += raw.chars().count() + 1;
    }
    lines
}

/// Sentence-final punctuation, ASCII and full width.
const TERMINAL: &[char] = &[
    '。', '！', '？', '!', '?', '…', '：', ':', '；', ';', '.', '．',
];
/// Closing quotes and brackets: a line ending in one ends where the character
/// before it says.
const CLOSERS: &[char] = &[
    '”', '’', '」', '』', '）', ')', '】', '"', '\'', '》', '〉', ']', '］',
];
/// Characters that cannot open a sentence or a headline: a line starting with
/// one continues the text before it.
const NON_INITIAL: &[char] = &[
    '，', '、', '。', '；', '：', '！', '？', '）', '”', '’', '」', '』', '》', ',', '.', ';', ':',
    ')', '!', '?', '的', '了', '们', '着',
];
/// Ornaments that may open a line and carry no words.
const ORNAMENTS: &[char] = &[
    '■', '□', '●', '○', '◆', '◇', '▲', '△', '★', '☆', '▶', '►', '·',
];

const MARKERS: &[&str] = &[
    "相关新闻",
    "相关报道",
    "相关链接",
    "相关阅读",
    "延伸阅读",
    "新闻链接",
    "背景链接",
    "新闻背景",
    "链接",
    "记者手记",
    "小贴士",
];
const EDITOR_CREDITS: &[&str] = &[
    "责任编辑",
    "责编",
    "美术编辑",
    "视觉设计",
    "版式设计",
    "校对",
];
/// Time stamps and source lines that web copies of a page carry.
const STAMP_PREFIXES: &[&str] = &["更新时间", "发布时间", "来源：", "来源:"];
/// Roles that precede a photographer's name in a credit.
const CREDIT_ROLES: &[&str] = &[
    "记者",
    "通讯员",
    "摄影",
    "特约",
    "实习生",
    "新华社",
    "中新社",
    "视觉",
    "图/",
    "图／",
];
/// Endings that are a credit on their own.
const CREDIT_ENDINGS: &[&str] = &[
    "供图",
    "新华社发",
    "资料图片",
    "资料图",
    "视觉中国",
    "影像中国",
    "人民视觉",
];
pub(super) const BYLINE_PREFIXES: &[&str] = &[
    "本报记者",
    "本报通讯员",
    "特约记者",
    "记者",
    "通讯员",
    "实习生",
    "文/",
    "文／",
    "文｜",
];

pub(super) fn kind_of(text: &str) -> LineKind {
    let chars = text.chars().count();
    let bare = text.trim_start_matches(ORNAMENTS).trim_start();
    if text.is_empty() {
        LineKind::Blank
    } else if is_jump(text, chars) {
        LineKind::Jump
    } else if is_furniture(text, chars) {
        LineKind::Furniture
    } else if is_marker(text) {
        LineKind::Marker
    } else if is_decorated_banner(text, chars) {
        LineKind::Banner
    } else if ends_with_credit(text) || is_chart_credit(text, chars) || is_figure_label(text, chars)
    {
        LineKind::Caption
    } else if is_lead(bare) {
        LineKind::Lead
    } else if is_byline(bare) {
        LineKind::Byline
    } else if chars <= MAX_HEADLINE_CHARS && is_subhead(text) && !is_terminated(text) {
        LineKind::Subhead
    } else if is_short(text, chars) {
        LineKind::Short
    } else {
        LineKind::Text
    }
}

/// Whether `text` ends a sentence: its last character, looking through
/// closing quotes and brackets, is sentence-final punctuation.
pub(super) fn is_terminated(text: &str) -> bool {
    let mut reversed = text.chars().rev().skip_while(|c| CLOSERS.contains(c));
    reversed.next().is_none_or(|c| TERMINAL.contains(&c))
}

pub(super) fn starts_mid_sentence(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| NON_INITIAL.contains(&c))
}

fn is_short(text: &str, chars: usize) -> bool {
    let has_word = text.chars().any(char::is_alphanumeric);
    if !has_word || text.contains('。') || starts_mid_sentence(text) {
        return false;
    }
    // A long line can still be a headline (kicker and headline run into one
    // line) when it holds no clause punctuation, which body text always has.
    let fits = chars <= MAX_HEADLINE_CHARS
        || (chars <= MAX_LONG_HEADLINE_CHARS && !text.contains(['，', ',', '；', ';']));
    // Headlines may end with ! or ?, but then they are short and hold no
    // other sentence punctuation.
    fits && (!is_terminated(text)
        || (chars <= 20
            && text.ends_with(['！', '？', '!', '?'])
            && !text.contains(['，', ',', '；'])))
}

fn is_furniture(text: &str, chars: usize) -> bool {
    if is_long_editor_line(text, chars) {
        return true;
    }
    if chars > 50 || text.contains('。') {
        return false;
    }
    let dated = text.contains("星期") && text.contains('年');
    // `第3版`, `第 12 版`, `第三版` standing as a word of its own.
    let edition = text.match_indices('第').any(|(i, _)| {
        let before_ok = text[..i]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace);
        let number = text[i + '第'.len_utf8()..].trim_start_matches(|c: char| {
            c.is_ascii_digit() || c.is_whitespace() || "一二三四五六七八九十".contains(c)
        });
        let after_ok = number
            .strip_prefix('版')
            .is_some_and(|rest| rest.chars().next().is_none_or(char::is_whitespace));
        before_ok && after_ok && number.len() < text[i..].len() - '第'.len_utf8()
    });
    dated
        || edition
        || is_bare_date(text)
        || EDITOR_CREDITS.iter().any(|c| text.contains(c))
        || STAMP_PREFIXES.iter().any(|p| text.starts_with(p))
}

/// An editor's credit with a colon anywhere in a line of up to 200
/// characters (`本版责编：某某  版式设计：某某`), full stops and all: no
/// paragraph of a story says `责编：`.
fn is_long_editor_line(text: &str, chars: usize) -> bool {
    chars <= 200 && (text.contains("责编：") || text.contains("责任编辑："))
}

/// A line that is only a date: `2022年2月17日`, `2022-02-17`.
fn is_bare_date(text: &str) -> bool {
    let rest = text.trim_matches(|c: char| c.is_ascii_digit() || "年月日-/.:：T Z".contains(c));
    rest.is_empty()
        && text.contains(['年', '月', '-', '/'])
        && text.chars().filter(char::is_ascii_digit).count() >= 4
}

/// A jump line that says the text below continues a story from another
/// page (`（上接第1版）`), as opposed to one sending the text on (`下转`).
pub(super) fn is_continued_from(line: &Line<'_>) -> bool {
    line.kind == LineKind::Jump && {
        let inner = line.text.trim_start_matches(['（', '(', ' ']);
        inner.starts_with("上接") || inner.starts_with("接第")
    }
}

fn is_jump(text: &str, chars: usize) -> bool {
    let inner = text.trim_matches(['（', '(', '）', ')', ' ']);
    chars <= 20
        && inner.ends_with('版')
        && ["下转", "上接", "转第", "接第"]
            .iter()
            .any(|p| inner.starts_with(p))
}

fn is_marker(text: &str) -> bool {
    let inner = text.trim_matches(ORNAMENTS).trim_matches([
        '【', '】', '[', ']', '［', '］', '〖', '〗', '<', '>', '《', '》', ' ', '　', '：', ':',
    ]);
    MARKERS.contains(&inner)
}

fn is_decorated_banner(text: &str, chars: usize) -> bool {
    chars <= 30
        && [('【', '】'), ('［', '］'), ('〖', '〗')]
            .iter()
            .any(|&(open, close)| text.starts_with(open) && text.ends_with(close))
}

/// A photo credit at the end of the line: `记者 某某 摄`, `（新华社发）`,
/// `特约摄影 某某 摄/视觉重庆`, `受访者供图`.
fn ends_with_credit(text: &str) -> bool {
    let mut tail = text.trim_end_matches(CLOSERS).trim_end();
    // `…摄/视觉重庆`: the distributor after the slash does not matter.
    if let Some(slash) = tail.rfind(['/', '／']) {
        if tail[..slash].trim_end().ends_with('摄') {
            tail = tail[..slash].trim_end();
        }
    }
    if CREDIT_ENDINGS.iter().any(|e| tail.ends_with(e)) {
        return true;
    }
    if is_named_credit(tail) {
        return true;
    }
    if !(tail.ends_with('摄') || tail.ends_with("航拍")) {
        return false;
    }
    let window: String = {
        let chars: Vec<char> = tail.chars().collect();
        chars[chars.len().saturating_sub(24)..].iter().collect()
    };
    CREDIT_ROLES.iter().any(|role| window.contains(role))
}

/// A caption's last sentence and then a name alone before `摄` or `绘`:
/// `游客在花海中拍照。王小明摄`, `……。（李  华绘）`. The full stop keeps
/// a headline or a sentence ending in a verb out.
fn is_named_credit(tail: &str) -> bool {
    let Some(rest) = tail.strip_suffix(['摄', '绘']) else {
        return false;
    };
    let Some(stop) = rest.rfind('。') else {
        return false;
    };
    let name = rest[stop + '。'.len_utf8()..]
        .trim()
        .trim_start_matches(['（', '('])
        .trim();
    let letters: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    (2..=4).contains(&letters.len())
        && letters.iter().all(|&c| is_han(c))
        && name.chars().count() <= 8
}

/// A chart's credit on its own line: `制图：某某`, `数据来源：某某  制图：某某`.
fn is_chart_credit(text: &str, chars: usize) -> bool {
    chars <= 30 && !text.contains('。') && (text.contains("制图：") || text.contains("制图:"))
}

/// A figure's label: `图1`, `图2：某市近五年产值`, `图③ 施工现场`, `图一`.
fn is_figure_label(text: &str, chars: usize) -> bool {
    let Some(rest) = text.strip_prefix('图') else {
        return false;
    };
    let after = rest.trim_start_matches(|c: char| {
        c.is_ascii_digit()
            || ('０'..='９').contains(&c)
            || ('①'..='⑳').contains(&c)
            || "一二三四五六七八九十".contains(c)
    });
    after.len() < rest.len()
        && chars <= 60
        && after
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || matches!(c, '：' | ':' | '　' | '、' | '.' | '．'))
}

/// `本报讯（记者 某某）…`, `新华社北京2月17日电（记者 …）`, `本报重庆2月16日讯`.
fn is_lead(text: &str) -> bool {
    if text.starts_with("本报讯") {
        return true;
    }
    // `新华社北京6月3日电 （记者 …）`: space before the bracket is no matter.
    let head: String = text
        .chars()
        .take(32)
        .filter(|c| !c.is_whitespace())
        .collect();
    // `本报北京电（记者 …）`: the paper's own dateline without a date.
    let own_dateline = head.strip_prefix("本报").is_some_and(|rest| {
        let near: String = rest.chars().take(12).collect();
        near.contains("电（") || near.contains("电(")
    });
    own_dateline
        || ["日电", "日讯", "本报讯", "电（记者", "电(记者"]
            .iter()
            .any(|p| head.contains(p))
}

/// `本报记者 某某 某某` alone on a line. A sentence that starts with 记者
/// (`记者从…获悉，`) is body text: it has punctuation.
fn is_byline(text: &str) -> bool {
    text.chars().count() <= 24
        && !text.contains(['，', ',', '。', '：'])
        && BYLINE_PREFIXES.iter().any(|p| text.starts_with(p))
}

/// `一、…`, `（一）…`, `1.…` or an ornament: a sub-heading inside an article.
fn is_subhead(text: &str) -> bool {
    if text.starts_with(ORNAMENTS) {
        return true;
    }
    let mut chars = text.chars();
    let first = chars.next().unwrap_or(' ');
    let second = chars.next().unwrap_or(' ');
    // `3.5%` is a number, not item 3.
    let third_is_digit = chars.next().is_some_and(|c| c.is_ascii_digit());
    let numeral = |c: char| "一二三四五六七八九十".contains(c) || c.is_ascii_digit();
    let separator =
        matches!(second, '、' | '是') || (matches!(second, '.' | '．') && !third_is_digit);
    (numeral(first) && separator) || (matches!(first, '（' | '(') && numeral(second))
}
