//! `classify` with the real binary and the shipped model: errors that name
//! the file and line, strict keys, the input format, broken pipes, output
//! order and the closing rate line.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_policy-classifier");

const TRADE: &str =
    r#"{"id": "t", "title": "海关通关便利", "text": "进口企业享受关税保证保险，外贸进出口增长。"}"#;

fn classify(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .arg("classify")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run policy-classifier");
    // Written from a thread: output comes while input is still being read,
    // and a full stdout pipe must not block the writer.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_owned();
    let writer = std::thread::spawn(move || pipe.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    // A command that fails early stops reading, so the write may fail.
    let _ = writer.join().unwrap();
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_missing_file_or_a_directory_is_named_without_os_codes() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("x.jsonl");
    let missing = missing.to_str().unwrap();
    let out = classify(&[missing], "");
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out).trim(),
        format!("error: {missing}: No such file or directory")
    );
    let directory = dir.path().to_str().unwrap();
    for args in [vec![directory], vec!["--page", directory]] {
        let out = classify(&args, "");
        assert!(!out.status.success());
        assert_eq!(
            stderr(&out).trim(),
            format!("error: {directory}: Is a directory")
        );
    }
}

#[test]
fn a_bad_line_fails_after_the_answers_for_the_lines_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{TRADE}\n\n{TRADE}\nnot json\n{TRADE}\n");
    let path = write(dir.path(), "bad.jsonl", &text);
    let out = classify(&[&path], "");
    assert!(!out.status.success());
    assert_eq!(json_lines(&out).len(), 2, "the two good lines before it");
    let stderr = stderr(&out);
    assert!(
        stderr.contains(&format!("error: {path}:4: not a JSON object: ")),
        "{stderr}"
    );
    assert!(!stderr.contains("at line 1"), "{stderr}");
}

#[test]
fn an_unknown_key_is_refused_and_corpus_keys_are_accepted() {
    let out = classify(&[], "{\"id\": \"h\", \"headline\": \"海关通关便利\"}\n");
    assert!(!out.status.success());
    let stderr = stderr(&out);
    assert!(
        stderr.contains("standard input:1: unknown key \"headline\"")
            && stderr.contains(
                r#""id", "kicker", "intro_title", "title", "subtitle", "byline", "text", "body""#
            ),
        "{stderr}"
    );
    let corpus_line = r#"{"id": "c", "title": "海关通关便利", "text": "进口关税下调。", "label": "trade", "sample": "s", "source": "x", "date": "2020-01-01", "page": 1, "page_name": "p", "intro_title": "", "subtitle": "", "byline": ""}"#;
    let out = classify(&[], &format!("{corpus_line}\n"));
    assert!(out.status.success(), "{}", self::stderr(&out));
    assert_eq!(json_lines(&out)[0]["label"], "trade");
}

#[test]
fn the_format_is_chosen_by_the_first_line_or_by_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let commented = write(dir.path(), "c.jsonl", &format!("# comment\n{TRADE}\n"));
    // auto: text, and a warning says so and how to read it as JSONL.
    let out = classify(&[&commented], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_lines(&out)[0]["id"], commented.as_str());
    assert!(
        stderr(&out).contains("read as one plain-text article")
            && stderr(&out).contains("--format jsonl"),
        "{}",
        stderr(&out)
    );
    let out = classify(&["--format", "jsonl", &commented], "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!("{commented}:1: not a JSON object")),
        "{}",
        stderr(&out)
    );
    // Text: the first line is the title, exactly as a JSONL title would be.
    let jsonl = classify(&[], &format!("{TRADE}\n"));
    let text = classify(
        &["--format", "text"],
        "海关通关便利\n进口企业享受关税保证保险，外贸进出口增长。",
    );
    let (jsonl, text) = (&json_lines(&jsonl)[0], &json_lines(&text)[0]);
    assert_eq!(text["id"], "-");
    assert_eq!(text["confidence"], jsonl["confidence"]);
    assert_eq!(text["scores"], jsonl["scores"]);
}

#[test]
fn lines_start_with_id_label_and_confidence() {
    let out = classify(&[], &format!("{TRADE}\n"));
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(
        line.starts_with(r#"{"id":"t","label":"trade","confidence":"#),
        "{line}"
    );
    let out = classify(
        &["--page", "-"],
        "海关通关便利\n\n进口企业享受关税保证保险，外贸进出口增长。\n",
    );
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(line.starts_with(r#"{"id":"0","label":"#), "{line}");
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let many = format!("{TRADE}\n").repeat(5000);
    let path = write(dir.path(), "many.jsonl", &many);
    let mut child = Command::new(BIN)
        .args(["classify", &path])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with(r#"{"id":"t""#));
    // The reader is dropped: like `| head -1`.
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn many_articles_keep_their_order_and_the_rate_is_reported() {
    let input: String = (0..3000)
        .map(|i| {
            let body = [
                "海关关税下调，外贸进出口增长。",
                "新建滨江步道和口袋公园。",
                "农民工乘坐返岗专列返回务工城市。",
            ][i % 3];
            format!("{{\"id\": {i}, \"text\": \"{body}\"}}\n")
        })
        .collect();
    let out = classify(&[], &input);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    let ids: Vec<String> = lines
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, (0..3000).map(|i| i.to_string()).collect::<Vec<_>>());
    let labels: Vec<&str> = lines[..3]
        .iter()
        .map(|l| l["label"].as_str().unwrap())
        .collect();
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["label"], labels[i % 3], "line {i}");
    }
    let stderr = stderr(&out);
    assert!(
        stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("classified 3000 articles in "),
        "{stderr}"
    );
}

#[test]
fn errors_name_what_the_user_gave_not_api_fields() {
    let out = classify(&["--page", "-"], " \n\n");
    assert!(!out.status.success());
    assert_eq!(stderr(&out).trim(), "error: -: the page is empty");
    let out = classify(&["--min-confidence", "1.5"], &format!("{TRADE}\n"));
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out).trim(),
        "error: --min-confidence must be within [0, 1], is 1.5"
    );
}
