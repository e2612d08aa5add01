//! Progress shown while training or classifying: a bar for work with a known size, a
//! spinner for the rest. Drawn on standard error only when it is a terminal,
//! so piped or CI output stays clean (the summary at the end still prints).
//!
//! Usage: `let bar = Progress::bar("segmenting", n); ... bar.inc(k); bar.finish();`
//! or `progress::spin("fitting", || fit())` / `progress::in_chunks(...)`.

use std::borrow::Cow;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// How many items [`in_chunks`] hands to its worker at a time: small enough
/// for a smooth bar, large enough that per-call overhead does not matter.
const CHUNK: usize = 128;

/// A progress indicator; hidden when standard error is not a terminal.
pub(crate) struct Progress(ProgressBar);

impl Progress {
    /// A bar counting `total` items of `what`.
    pub(crate) fn bar(what: impl Into<Cow<'static, str>>, total: u64) -> Self {
        Self::drawn_as(
            what,
            total,
            "{msg:<16} [{bar:32}] {pos:>6}/{len:6} {elapsed_precise} (eta {eta})",
        )
    }

    /// A bar over `total` bytes of input of `what`.
    pub(crate) fn bytes(what: impl Into<Cow<'static, str>>, total: u64) -> Self {
        Self::drawn_as(
            what,
            total,
            "{msg:<16} [{bar:32}] {bytes:>10}/{total_bytes:10} {elapsed_precise} (eta {eta})",
        )
    }

    /// A bar of `total` drawn with `template` (hidden off a terminal).
    fn drawn_as(what: impl Into<Cow<'static, str>>, total: u64, template: &str) -> Self {
        let bar = if drawing() {
            ProgressBar::new(total)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(template)
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(what);
        Self(bar)
    }

    /// A spinner for work of unknown size.
    pub(crate) fn spinner(what: impl Into<Cow<'static, str>>) -> Self {
        let bar = if drawing() {
            ProgressBar::new_spinner()
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("{msg:<16} {spinner} {elapsed_precise}")
                .expect("valid template"),
        );
        bar.set_message(what);
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(bar)
    }

    pub(crate) fn inc(&self, n: u64) {
        self.0.inc(n);
    }

    pub(crate) fn set_position(&self, position: u64) {
        self.0.set_position(position);
    }

    /// Leaves the finished bar on screen.
    pub(crate) fn finish(&self) {
        self.0.finish();
    }
}

impl Drop for Progress {
    /// A bar dropped unfinished (an error) is left as it stood.
    fn drop(&mut self) {
        if !self.0.is_finished() {
            self.0.abandon();
        }
    }
}

fn drawing() -> bool {
    std::io::stderr().is_terminal()
}

/// Runs `work` under a spinner.
pub(crate) fn spin<T>(what: impl Into<Cow<'static, str>>, work: impl FnOnce() -> T) -> T {
    let spinner = Progress::spinner(what);
    let result = work();
    spinner.finish();
    result
}

/// Maps `items` chunk by chunk with `work` (which may itself be parallel),
/// advancing a bar; results keep the order of `items`.
pub(crate) fn in_chunks<T, R>(
    what: impl Into<Cow<'static, str>>,
    items: &[T],
    mut work: impl FnMut(&[T]) -> Vec<R>,
) -> Vec<R> {
    let bar = Progress::bar(what, items.len() as u64);
    let mut results = Vec::with_capacity(items.len());
    for chunk in items.chunks(CHUNK) {
        results.extend(work(chunk));
        bar.inc(chunk.len() as u64);
    }
    bar.finish();
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_chunks_keeps_order_and_covers_every_item() {
        let items: Vec<usize> = (0..1000).collect();
        let mut calls = 0;
        let doubled = in_chunks("doubling", &items, |part| {
            calls += 1;
            part.iter().map(|i| i * 2).collect()
        });
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(calls, 1000usize.div_ceil(CHUNK));
    }

    #[test]
    fn chunked_segmentation_fits_the_same_model_as_the_core() {
        use crate::model::{extract_features, read_corpus, TrainParams, TrainingSet};
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/corpus.jsonl");
        let params = TrainParams::plain().check().unwrap();
        let documents = read_corpus(&[path], &params.params().labels).unwrap();
        let pipeline = params.pipeline();
        let chunked = in_chunks("segmenting", &documents, |part| {
            extract_features(&pipeline, part)
        });
        assert_eq!(chunked, extract_features(&pipeline, &documents));
        let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
        let dir = tempfile::tempdir().unwrap();
        let written = |name: &str, mut model: crate::model::Model| {
            let path = dir.path().join(name);
            crate::model::save(&mut model, &path, false).unwrap();
            std::fs::read(path).unwrap()
        };
        let via_chunks = written(
            "chunks",
            params.fit(&TrainingSet::new(&chunked, &labels)).unwrap(),
        );
        let via_core = written("core", params.fit_corpus(&documents).unwrap());
        assert!(via_chunks == via_core, "model files differ");
    }

    #[test]
    fn spin_returns_the_work_result() {
        assert_eq!(spin("adding", || 2 + 2), 4);
    }
}
