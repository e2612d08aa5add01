//! The peer comparison (`bench/peers/`) scores scikit-learn and fastText on
//! folds computed in Python; these tests prove they are exactly the folds
//! of `split::stratified_folds`, so peers and our model see the same splits.
//! Needs `python3` (standard library only); `$PYTHON` overrides it.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use policy_classifier::model::split::stratified_folds;
use policy_classifier::model::{default_labels, read_corpus};

const FOLDS_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/peers/folds.py");
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/corpus.jsonl");

fn python_folds(data: &Path, folds: usize, seed: u64) -> Vec<usize> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let output = Command::new(&python)
        .arg(FOLDS_SCRIPT)
        .arg("--data")
        .arg(data)
        .args(["--folds", &folds.to_string(), "--seed", &seed.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python} (needed by bench/peers/folds.py): {e}"));
    assert!(
        output.status.success(),
        "folds.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("folds.py prints a JSON array")
}

fn rust_folds(data: &Path, folds: usize, seed: u64) -> Vec<usize> {
    let documents = read_corpus(&[data], &default_labels()).unwrap();
    let labels: Vec<usize> = documents.iter().map(|d| d.label).collect();
    stratified_folds(&labels, folds, seed)
}

#[test]
fn python_folds_match_rust_on_the_fixture_corpus() {
    let fixture = Path::new(FIXTURE);
    let rust = rust_folds(fixture, 5, 17);
    assert_eq!(rust.len(), 48);
    assert_eq!(python_folds(fixture, 5, 17), rust);
}

#[test]
fn python_folds_match_rust_on_a_large_skewed_corpus() {
    // Uneven label sizes, a label with no documents, blank lines: the
    // shapes where a port would drift (rng calls per label, skipped lines).
    let labels = default_labels();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("skewed.jsonl");
    let mut file = std::fs::File::create(&path).unwrap();
    for i in 0..1237usize {
        let label = match (i * i + 3 * i) % 11 {
            0..=4 => 0,
            5 | 6 => 1,
            7 => 2,
            8 => 4, // no document is labelled 3
            _ => 5,
        };
        writeln!(
            file,
            r#"{{"id": "d{i}", "title": "t", "text": "x", "label": "{}"}}"#,
            labels[label]
        )
        .unwrap();
        if i % 97 == 0 {
            writeln!(file).unwrap();
        }
    }
    drop(file);
    for (folds, seed) in [(5, 17), (3, 0), (10, u64::MAX), (7, 0x9E37_79B9_7F4A_7C15)] {
        let rust = rust_folds(&path, folds, seed);
        assert_eq!(rust.len(), 1237);
        assert_eq!(
            python_folds(&path, folds, seed),
            rust,
            "folds {folds}, seed {seed}"
        );
    }
}

/// The licensed corpus is not in the repository: run with
/// `POLICY_CORPUS=/path/labeled.jsonl cargo test --test peer_folds -- --ignored`
/// (default `../shared/corpus/labeled.jsonl`, where CI finds it).
#[test]
#[ignore = "needs the labelled corpus outside the repository"]
fn python_folds_match_rust_on_the_labelled_corpus() {
    let corpus = std::env::var("POLICY_CORPUS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/labeled.jsonl"
        )
        .into()
    });
    let corpus = Path::new(&corpus);
    let rust = rust_folds(corpus, 5, 17);
    assert_eq!(python_folds(corpus, 5, 17), rust);
}
