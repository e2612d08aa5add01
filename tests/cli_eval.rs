//! `eval` and `train` with the real binary: cross-validation folds that
//! every label can fill, and calibration that tiny training sets skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_policy-classifier");

/// 48 documents, 8 of each of the six labels.
fn fixture_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus.jsonl")
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run policy-classifier")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn more_folds_than_a_label_has_documents_are_refused() {
    let corpus = fixture_corpus();
    let corpus = corpus.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.model");
    let model = model.to_str().unwrap();
    let expected = r#"--cv 10: label "infrastructure" has only 8 documents; use --cv 8 or less"#;
    for args in [
        vec!["eval", "--cv", "10", "--data", corpus, "--min-df", "1"],
        vec![
            "train", "--cv", "10", "--data", corpus, "--out", model, "--min-df", "1",
        ],
    ] {
        let out = run(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(!Path::new(model).exists());
}

#[test]
fn a_tiny_training_set_is_not_calibrated_and_the_summary_says_why() {
    let corpus = fixture_corpus();
    let dir = tempfile::tempdir().unwrap();
    let train = |name: &str, extra: &[&str]| {
        let model = dir.path().join(name);
        let mut args = vec![
            "train",
            "--data",
            corpus.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
            "--min-df",
            "1",
        ];
        args.extend(extra);
        let out = run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    let summary = train("tiny.model", &[]);
    assert!(
        summary.contains("calibration: skipped, label infrastructure has 8 documents (needs 10)"),
        "{summary}"
    );
    let summary = train("lowered.model", &["--calibration-min-documents", "8"]);
    assert!(summary.contains("calibration temperature "), "{summary}");
    let summary = train("off.model", &["--calibration", "none"]);
    assert!(summary.contains("calibration: off"), "{summary}");
}

#[test]
fn eval_report_says_where_it_wrote_and_needs_force_to_replace() {
    let corpus = fixture_corpus();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.html");
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "--data",
            corpus.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ];
        args.extend(extra);
        run(&args)
    };
    let out = eval(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("wrote {}", report.display())),
        "{}",
        stderr(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("macro-F1"),
        "tables on stdout"
    );
    std::fs::write(&report, "mine").unwrap();
    let out = eval(&[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("report file exists; pass --force to replace it"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "mine");
    let out = eval(&["--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(std::fs::read_to_string(&report).unwrap(), "mine");
}

#[test]
fn global_log_flags_have_their_own_heading_in_help() {
    for command in ["train", "eval", "classify", "serve"] {
        let help = String::from_utf8_lossy(&run(&[command, "--help"]).stdout).into_owned();
        let heading = help
            .find("Global options:")
            .unwrap_or_else(|| panic!("{help}"));
        let (before, after) = help.split_at(heading);
        assert!(
            !before.contains("--log <") && !before.contains("--log-format"),
            "{command}: {help}"
        );
        assert!(
            after.contains("--log <") && after.contains("--log-format"),
            "{command}: {help}"
        );
    }
}

#[test]
fn every_variable_train_eval_and_classify_read_is_documented() {
    let operations =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/operations.md"))
            .unwrap();
    for command in ["train", "eval", "classify"] {
        let help = String::from_utf8_lossy(&run(&[command, "--help"]).stdout).into_owned();
        let variables: Vec<&str> = help
            .split("[env: ")
            .skip(1)
            .map(|rest| rest.split(['=', ']']).next().unwrap())
            .collect();
        assert!(!variables.is_empty(), "{command}: {help}");
        for variable in variables {
            assert!(
                operations.contains(&format!("`{variable}`")),
                "{command}: {variable} is not in docs/operations.md"
            );
        }
    }
}

#[test]
fn eval_into_a_closed_pipe_ends_quietly() {
    let corpus = fixture_corpus();
    let mut child = std::process::Command::new(BIN)
        .args(["eval", "--data", corpus.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before eval has loaded its model, so its first write fails.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

/// The fixture corpus as two files, the second with a `source` on every
/// line: `paper` for its odd lines, none for its even ones.
fn two_sources(dir: &Path) -> (PathBuf, PathBuf) {
    let lines: Vec<String> = std::fs::read_to_string(fixture_corpus())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let (tv, paper) = (dir.join("tv.jsonl"), dir.join("paper.jsonl"));
    let (first, second): (Vec<_>, Vec<_>) = lines.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let join = |part: Vec<(usize, &String)>, tag: bool| {
        part.into_iter()
            .map(|(i, line)| match tag && i % 4 == 1 {
                true => line.replacen('{', "{\"source\": \"paper\", ", 1),
                false => line.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    std::fs::write(&tv, join(first, false)).unwrap();
    std::fs::write(&paper, join(second, true)).unwrap();
    (tv, paper)
}

#[test]
fn eval_by_a_field_reports_each_value_and_leave_one_out_trains_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let (tv, paper) = two_sources(dir.path());
    let (tv, paper) = (tv.to_str().unwrap(), paper.to_str().unwrap());
    let json = |args: &[&str]| -> serde_json::Value {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let base = ["eval", "--data", tv, paper, "--min-df", "1", "--json"];
    let cv = json(&[&base[..], &["--cv", "4", "--by", "source"]].concat());
    let groups = cv["groups"].as_array().unwrap();
    let values: Vec<&str> = groups
        .iter()
        .map(|g| g["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["(no source)", "paper"]);
    let counts: Vec<u64> = groups
        .iter()
        .map(|g| g["summary"]["documents"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [36, 12]);

    let by_file = json(&[&base[..], &["--leave-out-by", "file"]].concat());
    assert!(by_file["method"]
        .as_str()
        .unwrap()
        .starts_with("leave one file out"));
    let groups = by_file["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["value"], tv);
    assert_eq!(groups[0]["summary"]["documents"], 24);

    // The text table has a row per value, padded by terminal columns.
    let text = run(&[
        "eval", "--data", tv, paper, "--min-df", "1", "--cv", "4", "--by", "source",
    ]);
    let text = String::from_utf8(text.stdout).unwrap();
    let table = &text[text.find("by source").expect(&text)..];
    assert!(table.lines().any(|l| l.starts_with("paper ")), "{table}");

    // Leaving out the only value there is refuses with a reason.
    let out = run(&[
        "eval",
        "--data",
        tv,
        "--min-df",
        "1",
        "--leave-out-by",
        "source",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("at least two values"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn suggest_writes_the_uncertain_articles_ready_to_label_and_keeps_their_fields() {
    let dir = tempfile::tempdir().unwrap();
    let pool = dir.path().join("pool.jsonl");
    // Written for this test: two stories mixing labels, a reprint of one,
    // a clear one and an English one the model cannot read.
    let lines = [
        r#"{"id": "mix", "source": "测试报", "title": "港口扩建带动招聘", "text": "港口码头扩建工程开工，企业招聘工人，外贸集装箱航线增加。"}"#,
        r#"{"id": "mix-copy", "title": "港口扩建带动招聘", "text": "港口码头扩建工程开工，企业招聘工人，外贸集装箱航线增加。"}"#,
        r#"{"id": "clear", "title": "海关推广关税保证保险", "text": "进口企业先通关后缴税，外贸企业受益。"}"#,
        r#"{"id": "en", "title": "Port expansion", "text": "The port hired workers and added routes."}"#,
    ];
    std::fs::write(&pool, lines.join("\n")).unwrap();
    let out = dir.path().join("next.jsonl");
    let args = [
        "suggest",
        pool.to_str().unwrap(),
        "-n",
        "5",
        "-o",
        out.to_str().unwrap(),
    ];
    let first = run(&args);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("suggested 2 of 4 articles"),
        "{}",
        stderr(&first)
    );
    let picked: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = picked.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"clear") && !ids.contains(&"en"), "{ids:?}");
    for p in &picked {
        assert_eq!(p["label"], "");
        assert_ne!(p["guess"], p["runner_up"]);
        assert!(p["guess_probability"].as_f64() >= p["runner_up_probability"].as_f64());
    }
    if ids[0] == "mix" {
        assert_eq!(picked[0]["source"], "测试报", "the pool's fields are kept");
    }
    // An existing output is kept unless --force.
    let again = run(&args);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("pass --force"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn train_keeps_an_existing_model_file_and_names_the_flag_that_replaces_it() {
    let corpus = fixture_corpus();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.model");
    std::fs::write(&model, "mine").unwrap();
    let args = [
        "train",
        "--data",
        corpus.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--min-df",
        "1",
    ];
    let out = run(&args);
    assert!(!out.status.success());
    // The core says the file exists; the command line adds its own flag.
    assert!(
        stderr(&out).contains("model file exists; pass --force to replace it"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&model).unwrap(), "mine");
}
