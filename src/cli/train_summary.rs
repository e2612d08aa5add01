//! The table `train` prints when it is done.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use crate::model::Model;

/// Documents per label (with their share), vocabulary, time and output.
pub fn render(model: &Model, out: &Path, version: &str, elapsed: Duration) -> String {
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
