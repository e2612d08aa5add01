//! Traditional script reads like simplified: a model trained on the
//! simplified fixture corpus gives the fixture corpus converted to
//! traditional characters (OpenCC s2t, `tests/fixtures/corpus-traditional.jsonl`)
//! the same labels (and nearly always the same scores); with the conversion
//! off it does not.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_policy-classifier");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `(label, scores)` of every line `classify` prints.
fn answers(model: &str, input: &Path) -> Vec<(String, String)> {
    run(&["classify", "--model", model, input.to_str().unwrap()])
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            (v["label"].to_string(), v["scores"].to_string())
        })
        .collect()
}

fn train(dir: &Path, name: &str, extra: &[&str]) -> String {
    let model = dir.join(name);
    let model = model.to_str().unwrap().to_owned();
    let corpus = fixture("corpus.jsonl");
    let args = [
        &[
            "train",
            "--data",
            corpus.to_str().unwrap(),
            "--out",
            &model,
            "--min-df",
            "1",
        ][..],
        extra,
    ]
    .concat();
    run(&args);
    model
}

#[test]
fn the_fixture_corpus_in_traditional_script_gets_the_simplified_answers() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), "t2s.model", &[]);
    let simplified = answers(&model, &fixture("corpus.jsonl"));
    let traditional = answers(&model, &fixture("corpus-traditional.jsonl"));
    assert_eq!(simplified.len(), 48);
    let labels = |answers: &[(String, String)]| -> Vec<String> {
        answers.iter().map(|(label, _)| label.clone()).collect()
    };
    assert_eq!(labels(&traditional), labels(&simplified));
    // Scores too, but for the few articles where s2t then t2s is not the
    // identity (a character with two simplified forms, say).
    let identical = traditional
        .iter()
        .zip(&simplified)
        .filter(|(a, b)| a == b)
        .count();
    assert!(identical >= 40, "only {identical} of 48 score the same");

    // Without the conversion the same text is foreign to the model.
    let plain = train(
        dir.path(),
        "plain.model",
        &["--traditional-to-simplified", "false"],
    );
    let unconverted = answers(&plain, &fixture("corpus-traditional.jsonl"));
    let same_scores = unconverted
        .iter()
        .zip(&answers(&plain, &fixture("corpus.jsonl")))
        .filter(|(a, b)| a == b)
        .count();
    assert!(
        same_scores < 10,
        "{same_scores} of 48 unchanged without t2s"
    );
}
