//! `eval --report`: trains a model on the fixture corpus with the CLI,
//! evaluates it on a copy with some labels deliberately wrong, and checks
//! the HTML page has the three figures and lists those documents as the
//! model's confident mistakes.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_policy-classifier");
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/corpus.jsonl");
const LABELS: [&str; 6] = [
    "infrastructure",
    "industry_policy",
    "labor",
    "trade",
    "urban",
    "other",
];

fn run(args: &[&str]) -> Output {
    let output = Command::new(BIN).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The fixture with every seventh document moved to the next label; returns
/// the ids of the moved documents.
fn write_mislabelled_copy(path: &Path) -> Vec<String> {
    let mut moved = Vec::new();
    let mut out = String::new();
    for (i, line) in std::fs::read_to_string(FIXTURE)
        .unwrap()
        .lines()
        .enumerate()
    {
        let mut doc: serde_json::Value = serde_json::from_str(line).unwrap();
        if i % 7 == 3 {
            let label = doc["label"].as_str().unwrap();
            let index = LABELS.iter().position(|l| *l == label).unwrap();
            doc["label"] = LABELS[(index + 1) % LABELS.len()].into();
            moved.push(doc["id"].as_str().unwrap().to_owned());
        }
        out.push_str(&doc.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
    moved
}

/// The trimmed contents of a figure's `<text>` elements.
fn svg_texts(figure: &str) -> Vec<&str> {
    figure
        .split("<text")
        .skip(1)
        .filter_map(|t| Some(t[t.find('>')? + 1..t.find("</text>")?].trim()))
        .collect()
}

#[test]
fn eval_report_has_the_figures_and_the_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("fixture.model");
    let data = dir.path().join("mislabelled.jsonl");
    let report = dir.path().join("report.html");
    run(&["train", "--data", FIXTURE, "--out", model.to_str().unwrap()]);
    let moved = write_mislabelled_copy(&data);
    let output = run(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--json",
        "--report",
        report.to_str().unwrap(),
    ]);
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let page = std::fs::read_to_string(&report).unwrap();

    assert!(page.starts_with("<!DOCTYPE html>"));
    let figures: Vec<&str> = page.split("<svg").skip(1).collect();
    assert_eq!(figures.len(), 3, "three inline SVG figures");
    assert!(figures.iter().all(|f| f.contains("</svg>")));
    let (heatmap, bars, reliability) = (figures[0], figures[1], figures[2]);
    for (figure, texts) in [
        (
            heatmap,
            &["Confusion matrix", "predicted label", "true label"][..],
        ),
        (bars, &["precision", "recall", "F1", "score"][..]),
        (
            reliability,
            &[
                "Reliability diagram",
                "confidence",
                "accuracy",
                "perfect calibration",
            ][..],
        ),
    ] {
        for text in texts {
            assert!(figure.contains(text), "{text:?} missing from a figure");
        }
    }
    for label in LABELS {
        assert!(svg_texts(heatmap).contains(&label), "heatmap lacks {label}");
        assert!(svg_texts(bars).contains(&label), "bar chart lacks {label}");
    }
    // Reliability bars carry bin sizes; together they cover every document.
    let binned: u64 = reliability
        .split("n=")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().trim().parse::<u64>().unwrap())
        .sum();
    assert_eq!(binned, 48);

    // The mistakes table agrees with the summary and shows the moved documents.
    let accuracy = summary["accuracy"].as_f64().unwrap();
    let wrong = (48.0 * (1.0 - accuracy)).round() as usize;
    assert!(
        wrong >= moved.len() / 2,
        "the model should get most moved documents 'wrong'"
    );
    assert!(page.contains(&format!("{wrong} of 48 classified documents are wrong")));
    let table = &page[page.find("id=\"mistakes-table\"").expect("mistakes table")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count() - 1, wrong.min(25));
    let listed = moved
        .iter()
        .filter(|id| table.contains(id.as_str()))
        .count();
    assert!(listed >= moved.len() / 2, "{listed} of {moved:?} listed");
    assert!(
        table.contains("<td class=\"evidence\"><span>"),
        "mistakes carry evidence terms"
    );
}

#[test]
fn eval_report_into_a_missing_directory_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("fixture.model");
    run(&["train", "--data", FIXTURE, "--out", model.to_str().unwrap()]);
    let report = dir.path().join("no-such-dir").join("report.html");
    let output = Command::new(BIN)
        .args([
            "eval",
            "--model",
            model.to_str().unwrap(),
            "--data",
            FIXTURE,
        ])
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("report.html"), "{stderr}");
}
