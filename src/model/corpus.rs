//! Labelled JSONL corpora: `{"id", "title", "text" | "body", "label"}` a
//! line, with a newspaper's `kicker` (or `intro_title`), `subtitle` and
//! `byline` where it has them.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::text::{ArticleText, HasArticle, OwnedArticle};

/// One labelled article, its label an index into the label list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabeledDocument {
    /// The id the file gives it (text; a number is written out).
    pub id: String,
    /// The kicker above the headline, empty when there is none.
    pub kicker: String,
    /// The headline.
    pub title: String,
    /// The deck below the headline, empty when there is none.
    pub subtitle: String,
    /// The body.
    pub text: String,
    /// Index into the label list the corpus was read with.
    pub label: usize,
    /// Where it was read: the index of its file in the list read, and its
    /// 1-based line (0 for documents not read from a file).
    pub file: usize,
    /// Its 1-based line in that file (0 when not read from a file).
    pub line: usize,
}

impl LabeledDocument {
    /// The text the model reads.
    pub fn article(&self) -> ArticleText<'_> {
        ArticleText {
            kicker: &self.kicker,
            title: &self.title,
            subtitle: &self.subtitle,
            body: &self.text,
        }
    }
}

impl HasArticle for LabeledDocument {
    fn article(&self) -> ArticleText<'_> {
        LabeledDocument::article(self)
    }
}

/// One JSONL article line as users write it: `id` may be any JSON value,
/// `text` or `body` holds the text, `label` is optional here; `null` is
/// the same as a missing key for the headline block and byline.
#[derive(Debug, Deserialize)]
pub struct ArticleLine {
    #[serde(default)]
    id: Option<serde_json::Value>,
    /// `intro_title` is what the newspaper corpora call it.
    #[serde(default, alias = "intro_title")]
    kicker: Option<String>,
    /// The headline.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub title: String,
    #[serde(default)]
    subtitle: Option<String>,
    /// Read so that a file with bylines can be classified as it is; the
    /// model does not read it ([`ArticleText`]).
    #[serde(default)]
    #[allow(dead_code)]
    byline: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    body: Option<String>,
    /// The label's name; absent in an unlabelled file.
    #[serde(default)]
    pub label: Option<String>,
}

impl ArticleLine {
    /// The id as text (a number's digits, a string as is), or `fallback`.
    pub fn id_or(&self, fallback: impl FnOnce() -> String) -> String {
        match &self.id {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => fallback(),
        }
    }

    /// `text`, or `body` when there is no `text`.
    pub fn take_text(&mut self) -> String {
        self.text.take().or(self.body.take()).unwrap_or_default()
    }

    /// The kicker, empty when there is none.
    pub fn take_kicker(&mut self) -> String {
        self.kicker.take().unwrap_or_default()
    }

    /// The deck, empty when there is none.
    pub fn take_subtitle(&mut self) -> String {
        self.subtitle.take().unwrap_or_default()
    }

    /// Headline block and body, taken out of the line.
    pub fn take_article(&mut self) -> OwnedArticle {
        OwnedArticle {
            kicker: self.take_kicker(),
            title: std::mem::take(&mut self.title),
            subtitle: self.take_subtitle(),
            body: self.take_text(),
        }
    }
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// Keys an article line to classify may have: the article's own...
pub const ARTICLE_KEYS: [&str; 8] = [
    "id",
    "kicker",
    "intro_title",
    "title",
    "subtitle",
    "byline",
    "text",
    "body",
];
/// ...and those of labelled corpora, accepted and ignored, so that a
/// training file can be classified as it is.
pub const IGNORED_CORPUS_KEYS: [&str; 6] =
    ["label", "sample", "source", "date", "page", "page_name"];

/// [`ArticleLine`] refusing any other key: a misspelt key (`"headline"`)
/// would otherwise leave an article with no words and no hint why.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
// The corpus keys are only read to be accepted.
#[allow(dead_code)]
struct StrictArticleLine {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default, alias = "intro_title")]
    kicker: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    title: String,
    #[serde(default)]
    subtitle: Option<String>,
    #[serde(default)]
    byline: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    label: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    sample: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    source: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    date: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    page: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    page_name: Option<serde::de::IgnoredAny>,
}

/// Parses one line of articles to classify: only [`ARTICLE_KEYS`] and
/// [`IGNORED_CORPUS_KEYS`] are accepted; an unknown key is named together
/// with the accepted ones.
fn parse_strict(line: &str) -> std::result::Result<ArticleLine, String> {
    let strict: StrictArticleLine = serde_json::from_str(line).map_err(|e| {
        let message = e.to_string();
        match message.strip_prefix("unknown field `") {
            Some(rest) => format!(
                "unknown key \"{}\"; an article has {} ({} are accepted and ignored)",
                rest.split('`').next().unwrap_or(rest),
                ARTICLE_KEYS.map(|k| format!("\"{k}\"")).join(", "),
                IGNORED_CORPUS_KEYS.join(", ")
            ),
            None => not_json(&message),
        }
    })?;
    Ok(ArticleLine {
        id: strict.id,
        kicker: strict.kicker,
        title: strict.title,
        subtitle: strict.subtitle,
        byline: strict.byline,
        text: strict.text,
        body: strict.body,
        label: None,
    })
}

fn parse_lenient(line: &str) -> std::result::Result<ArticleLine, String> {
    serde_json::from_str(line).map_err(|e| not_json(&e.to_string()))
}

/// serde's message without its `at line 1`: the line is one of many, and
/// the caller names the right one.
fn not_json(message: &str) -> String {
    let message = match message.rsplit_once(" at line 1 column ") {
        Some((reason, column)) => format!("{reason} at column {column}"),
        None => message.to_owned(),
    };
    format!("not a JSON object: {message}")
}

/// The non-blank lines of a JSONL stream, parsed, with their 1-based line
/// numbers. A line that is not a JSON article is an error naming `path` and
/// the line; every reader of articles goes through here. Keys other than
/// the known ones are ignored (corpora carry their own metadata).
pub fn article_lines<'a>(
    reader: impl BufRead + 'a,
    path: impl AsRef<Path> + 'a,
) -> impl Iterator<Item = Result<(usize, ArticleLine)>> + 'a {
    parsed_lines(reader, path, parse_lenient)
}

/// [`article_lines`] for articles to classify: a key that is neither an
/// article's nor a known corpus key is an error.
pub fn strict_article_lines<'a>(
    reader: impl BufRead + 'a,
    path: impl AsRef<Path> + 'a,
) -> impl Iterator<Item = Result<(usize, ArticleLine)>> + 'a {
    parsed_lines(reader, path, parse_strict)
}

fn parsed_lines<'a>(
    reader: impl BufRead + 'a,
    path: impl AsRef<Path> + 'a,
    parse: fn(&str) -> std::result::Result<ArticleLine, String>,
) -> impl Iterator<Item = Result<(usize, ArticleLine)>> + 'a {
    reader.lines().enumerate().filter_map(move |(index, line)| {
        let number = index + 1;
        let parsed = line
            .map_err(|e| e.to_string())
            .and_then(|line| {
                // Editors on Windows start UTF-8 files with a byte-order mark.
                let line = match number {
                    1 => line.strip_prefix('\u{feff}').unwrap_or(&line),
                    _ => &line,
                };
                if line.trim().is_empty() {
                    return Ok(None);
                }
                parse(line).map(Some)
            })
            .map_err(|reason| corpus_error(path.as_ref(), number, reason));
        parsed
            .transpose()
            .map(|r| r.map(|article| (number, article)))
    })
}

fn corpus_error(path: &Path, line: usize, reason: String) -> Error {
    Error::Corpus {
        path: path.to_owned(),
        line,
        reason,
    }
}

/// Reads every file in order. A line that is not JSON, has no `label`, or a
/// label outside `labels` stops reading with its file and line number.
/// Blank lines are skipped.
pub fn read_corpus(paths: &[impl AsRef<Path>], labels: &[String]) -> Result<Vec<LabeledDocument>> {
    let mut documents = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let start = documents.len();
        read_lines(std::io::BufReader::new(file), path, labels, &mut documents)?;
        for document in &mut documents[start..] {
            document.file = index;
        }
    }
    if documents.is_empty() {
        return Err(Error::EmptyCorpus);
    }
    Ok(documents)
}

/// Reads up to `limit` unlabelled articles (`{"title", "text" | "body"}` a
/// line, kicker and deck if given; any `label` is ignored): only their text,
/// which is all semi-supervised training reads. A bad line stops reading
/// with its line number.
pub fn read_unlabeled(path: &Path, limit: usize) -> Result<Vec<OwnedArticle>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    article_lines(std::io::BufReader::new(file), path)
        .take(limit)
        .map(|item| item.map(|(_, mut article)| article.take_article()))
        .collect()
}

/// The value of `field` for every document read by [`read_corpus`] from
/// `paths`, for per-group metrics (`eval --by source`): a string as is,
/// a number or `true`/`false` as written, a missing or `null` field as
/// `(no FIELD)`. The pseudo-field `file` is the file's path.
pub fn field_values(
    paths: &[impl AsRef<Path>],
    documents: &[LabeledDocument],
    field: &str,
) -> Result<Vec<String>> {
    let missing = format!("(no {field})");
    let mut by_file: Vec<std::collections::HashMap<usize, String>> = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let mut values = std::collections::HashMap::new();
        if field != "file" {
            let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
                let line = line.map_err(|e| Error::io(path, e))?;
                let Ok(serde_json::Value::Object(object)) = serde_json::from_str(&line) else {
                    continue;
                };
                let value = match object.get(field) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    None | Some(serde_json::Value::Null) => continue,
                    Some(other) => other.to_string(),
                };
                values.insert(index + 1, value);
            }
        }
        by_file.push(values);
    }
    Ok(documents
        .iter()
        .map(|d| match field {
            "file" => paths[d.file].as_ref().display().to_string(),
            _ => by_file[d.file]
                .get(&d.line)
                .cloned()
                .unwrap_or_else(|| missing.clone()),
        })
        .collect())
}

/// Ids given to more than one document, in order of first appearance, each
/// with every document that has it.
pub fn duplicate_ids(documents: &[LabeledDocument]) -> Vec<Vec<&LabeledDocument>> {
    let mut by_id: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut groups: Vec<Vec<&LabeledDocument>> = Vec::new();
    for document in documents {
        match by_id.entry(&document.id) {
            std::collections::hash_map::Entry::Occupied(group) => {
                groups[*group.get()].push(document)
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(groups.len());
                groups.push(vec![document]);
            }
        }
    }
    groups.retain(|group| group.len() > 1);
    groups
}

fn read_lines(
    reader: impl BufRead,
    path: &Path,
    labels: &[String],
    out: &mut Vec<LabeledDocument>,
) -> Result<()> {
    for item in article_lines(reader, path) {
        let (number, mut article) = item?;
        let label_name = article.label.take().ok_or_else(|| {
            corpus_error(
                path,
                number,
                format!(
                    "missing \"label\" (every training line needs one of {})",
                    labels.join(", ")
                ),
            )
        })?;
        let label = labels
            .iter()
            .position(|l| *l == label_name)
            .ok_or_else(|| corpus_error(path, number, unknown_label(&label_name, labels)))?;
        out.push(LabeledDocument {
            id: article.id_or(|| format!("{}:{number}", path.display())),
            kicker: article.take_kicker(),
            subtitle: article.take_subtitle(),
            text: article.take_text(),
            title: article.title,
            label,
            file: 0,
            line: number,
        });
    }
    Ok(())
}

/// Names the nearest known label when the unknown one is a likely typo
/// (`labour` → `labor`), else says how to train with other labels.
fn unknown_label(name: &str, labels: &[String]) -> String {
    let expected = labels.join(", ");
    let nearest = labels
        .iter()
        .map(|l| (edit_distance(name, l), l))
        .min_by_key(|&(distance, _)| distance)
        .filter(|&(distance, label)| distance <= 2.min(label.chars().count() / 2));
    match nearest {
        Some((_, label)) => {
            format!("unknown label {name:?}: did you mean {label:?}? (expected one of {expected})")
        }
        None => format!(
            "unknown label {name:?} (expected one of {expected}; to train on other labels pass them all with --labels)"
        ),
    }
}

/// Levenshtein distance between `a` and `b`, counted in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kicker_deck_and_byline_are_read_by_either_name_and_null_is_absent() {
        let labels: Vec<String> = ["trade", "other"].map(String::from).to_vec();
        let input = concat!(
            "{\"id\": \"n\", \"intro_title\": \"引\", \"title\": \"主\", \"subtitle\": \"副\", \"byline\": \"记者\", \"text\": \"正文\", \"label\": \"trade\"}\n",
            "{\"id\": \"k\", \"kicker\": \"引二\", \"title\": null, \"subtitle\": null, \"text\": \"文\", \"label\": \"other\"}\n",
        );
        let mut documents = Vec::new();
        read_lines(
            input.as_bytes(),
            Path::new("n.jsonl"),
            &labels,
            &mut documents,
        )
        .unwrap();
        let first = documents[0].article();
        assert_eq!(
            (first.kicker, first.title, first.subtitle, first.body),
            ("引", "主", "副", "正文")
        );
        let second = documents[1].article();
        assert_eq!(
            (second.kicker, second.title, second.subtitle),
            ("引二", "", "")
        );
        // Articles to classify accept them too, and still refuse a typo.
        let strict: Vec<_> = strict_article_lines(input.as_bytes(), "s")
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(strict.len(), 2);
        let both = "{\"kicker\": \"a\", \"intro_title\": \"b\"}";
        assert!(strict_article_lines(both.as_bytes(), "s").any(|r| r.is_err()));
    }

    #[test]
    fn field_values_name_each_document_s_group_and_the_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (tv, paper) = (dir.path().join("tv.jsonl"), dir.path().join("paper.jsonl"));
        std::fs::write(
            &tv,
            "{\"id\": \"t\", \"text\": \"港口\", \"label\": \"trade\"}\n",
        )
        .unwrap();
        std::fs::write(
            &paper,
            concat!(
                "{\"source\": \"日报\", \"page\": 4, \"text\": \"港口\", \"label\": \"trade\"}\n",
                "\n",
                "{\"source\": null, \"text\": \"港口\", \"label\": \"other\"}\n",
            ),
        )
        .unwrap();
        let labels: Vec<String> = ["trade", "other"].map(String::from).to_vec();
        let paths = [&tv, &paper];
        let documents = read_corpus(&paths, &labels).unwrap();
        assert_eq!(
            field_values(&paths, &documents, "source").unwrap(),
            ["(no source)", "日报", "(no source)"]
        );
        assert_eq!(
            field_values(&paths, &documents, "page").unwrap(),
            ["(no page)", "4", "(no page)"]
        );
        let files = field_values(&paths, &documents, "file").unwrap();
        assert_eq!(files[0], tv.display().to_string());
        assert_eq!(files[2], paper.display().to_string());
    }

    #[test]
    fn a_byte_order_mark_before_the_first_line_is_skipped() {
        let input = "\u{feff}{\"id\": \"a\", \"text\": \"港口\"}\n{\"id\": \"b\"}\n";
        let lines: Vec<_> = article_lines(input.as_bytes(), Path::new("in.jsonl"))
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].1.id_or(String::new), "a");
        // Only at the start of the file: elsewhere it is a bad line.
        let inside = "{\"id\": \"a\"}\n\u{feff}{\"id\": \"b\"}\n";
        let error = article_lines(inside.as_bytes(), Path::new("in.jsonl"))
            .find_map(Result::err)
            .unwrap();
        assert!(error.to_string().starts_with("in.jsonl:2: "), "{error}");
        let only_bom = "\u{feff}\n";
        assert_eq!(
            article_lines(only_bom.as_bytes(), Path::new("x")).count(),
            0
        );
    }

    #[test]
    fn an_unknown_label_suggests_the_nearest_or_labels_and_a_missing_one_lists_them() {
        let labels: Vec<String> = ["labor", "trade", "other"].map(String::from).to_vec();
        assert_eq!(edit_distance("labour", "labor"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        let read = |line: &str| {
            let mut out = Vec::new();
            read_lines(line.as_bytes(), Path::new("t.jsonl"), &labels, &mut out)
                .unwrap_err()
                .to_string()
        };
        let typo = read("{\"label\": \"labour\"}");
        assert!(typo.contains("did you mean \"labor\"?"), "{typo}");
        let other = read("{\"label\": \"health\"}");
        assert!(
            other.contains("--labels") && !other.contains("did you mean"),
            "{other}"
        );
        let missing = read("{\"id\": \"x\"}");
        assert!(missing.contains("labor, trade, other"), "{missing}");
        let strict = strict_article_lines("{\"headline\": \"x\"}".as_bytes(), "s")
            .find_map(Result::err)
            .unwrap()
            .to_string();
        assert!(
            strict.starts_with("s:1: unknown key \"headline\""),
            "{strict}"
        );
    }

    #[test]
    fn documents_know_their_file_and_line_and_duplicates_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
        std::fs::write(
            &a,
            "{\"id\": \"x\", \"label\": \"l\"}\n\n{\"id\": \"y\", \"label\": \"l\"}\n",
        )
        .unwrap();
        std::fs::write(&b, "{\"id\": \"x\", \"label\": \"l\"}\n").unwrap();
        let documents = read_corpus(&[&a, &b], &["l".to_owned()]).unwrap();
        let places: Vec<_> = documents
            .iter()
            .map(|d| (d.id.as_str(), d.file, d.line))
            .collect();
        assert_eq!(places, [("x", 0, 1), ("y", 0, 3), ("x", 1, 1)]);
        let duplicates = duplicate_ids(&documents);
        assert_eq!(duplicates.len(), 1);
        assert_eq!(
            duplicates[0].iter().map(|d| d.file).collect::<Vec<_>>(),
            [0, 1]
        );
    }
}
