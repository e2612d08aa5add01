//! The table `train` prints when it is done.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::model::{LabeledDocument, Model};

/// Documents per label (with their share), vocabulary, time and output.
pub(super) fn render(model: &Model, out: &Path, version: &str, elapsed: Duration) -> String {
    let metadata = model.metadata();
    let total = metadata.documents.max(1) as f64;
    let mut text = String::new();
    let _ = writeln!(text, "{:<20} {:>9} {:>7}", "label", "documents", "share");
    for (label, count) in model.labels().iter().zip(&metadata.documents_per_label) {
        let share = 100.0 * *count as f64 / total;
        let _ = writeln!(text, "{label:<20} {count:>9} {share:>6.1}%");
    }
    let _ = writeln!(
        text,
        "{:<20} {:>9} {:>6.1}%\n",
        "total", metadata.documents, 100.0
    );
    let _ = writeln!(
        text,
        "{:<20} {} terms",
        "vocabulary",
        model.vocabulary_size()
    );
    let _ = writeln!(text, "{:<20} {:.2?}", "time", elapsed);
    let _ = writeln!(text, "{:<20} {}", "model", out.display());
    let _ = writeln!(text, "{:<20} {version}", "version");
    text
}

/// How many places a warning lists before "...".
const SHOWN_PLACES: usize = 5;

/// `file:line` of a document read from `paths`.
fn place(document: &LabeledDocument, paths: &[PathBuf]) -> String {
    match paths.get(document.file) {
        Some(path) => format!("{}:{}", path.display(), document.line),
        None => format!("line {}", document.line),
    }
}

/// "warning: 3 documents have no words and were skipped (a.jsonl:4, ...)".
pub(super) fn wordless_warning(wordless: &[LabeledDocument], paths: &[PathBuf]) -> Option<String> {
    let (first, rest) = (wordless.first()?, wordless.len() - 1);
    let mut places: Vec<String> = wordless
        .iter()
        .take(SHOWN_PLACES)
        .map(|d| place(d, paths))
        .collect();
    if wordless.len() > SHOWN_PLACES {
        places.push("...".to_owned());
    }
    let what = match rest {
        0 => format!("1 document ({:?}) has", first.id),
        _ => format!("{} documents have", wordless.len()),
    };
    Some(format!(
        "warning: {what} no words after segmentation and {} skipped ({})",
        if rest == 0 { "was" } else { "were" },
        places.join(", ")
    ))
}

/// "warning: 2 ids appear more than once (first: "x" at a.jsonl:3 and a.jsonl:8)".
pub(super) fn duplicate_ids_warning(
    duplicates: &[Vec<&LabeledDocument>],
    paths: &[PathBuf],
) -> Option<String> {
    let first = duplicates.first()?;
    let mut places: Vec<String> = first
        .iter()
        .take(SHOWN_PLACES)
        .map(|d| place(d, paths))
        .collect();
    if first.len() > SHOWN_PLACES {
        places.push("...".to_owned());
    }
    let last = places.pop().unwrap_or_default();
    let count = match duplicates.len() {
        1 => "1 id appears".to_owned(),
        n => format!("{n} ids appear"),
    };
    Some(format!(
        "warning: {count} more than once; all copies were trained on (first: {:?} at {} and {last})",
        first[0].id,
        places.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(id: &str, file: usize, line: usize) -> LabeledDocument {
        LabeledDocument {
            id: id.to_owned(),
            title: String::new(),
            text: String::new(),
            label: 0,
            file,
            line,
            ..LabeledDocument::default()
        }
    }

    #[test]
    fn wordless_documents_are_counted_and_placed() {
        let paths = [PathBuf::from("a.jsonl"), PathBuf::from("b.jsonl")];
        assert_eq!(wordless_warning(&[], &paths), None);
        assert_eq!(
            wordless_warning(&[document("x", 1, 4)], &paths).unwrap(),
            "warning: 1 document (\"x\") has no words after segmentation and was skipped (b.jsonl:4)"
        );
        let many: Vec<_> = (1..=7).map(|n| document("y", 0, n)).collect();
        assert_eq!(
            wordless_warning(&many, &paths).unwrap(),
            "warning: 7 documents have no words after segmentation and were skipped \
             (a.jsonl:1, a.jsonl:2, a.jsonl:3, a.jsonl:4, a.jsonl:5, ...)"
        );
    }

    #[test]
    fn duplicate_ids_name_the_first_and_where_it_is() {
        let paths = [PathBuf::from("a.jsonl")];
        let documents = [
            document("x", 0, 3),
            document("y", 0, 4),
            document("z", 0, 5),
            document("x", 0, 8),
            document("z", 0, 9),
            document("z", 0, 10),
        ];
        let groups = crate::model::corpus::duplicate_ids(&documents);
        assert_eq!(groups.len(), 2);
        assert_eq!(
            duplicate_ids_warning(&groups, &paths).unwrap(),
            "warning: 2 ids appear more than once; all copies were trained on \
             (first: \"x\" at a.jsonl:3 and a.jsonl:8)"
        );
        let z = crate::model::corpus::duplicate_ids(&documents[2..]);
        assert_eq!(
            duplicate_ids_warning(&z, &paths).unwrap(),
            "warning: 1 id appears more than once; all copies were trained on \
             (first: \"z\" at a.jsonl:5, a.jsonl:9 and a.jsonl:10)"
        );
        assert_eq!(duplicate_ids_warning(&[], &paths), None);
    }
}
