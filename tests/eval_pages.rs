//! `eval-pages` on a directory of page files written here (our own text):
//! the real binary reads them, renders, splits and scores.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_policy-classifier");

fn item(order: usize, kind: &str, title: &str, text: &str) -> String {
    serde_json::json!({
        "id": format!("test-20260101-01-{order}"), "source": "测试报", "date": "2026-01-01",
        "page": "01", "order": order, "kind": kind, "intro_title": null, "title": title,
        "subtitle": null, "byline": null, "text": text, "photo_captions": [],
    })
    .to_string()
}

fn page_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        item(1, "article", "滨江步道年内建成开放", "市政府召开会议，部署滨江步道建设工作，要求年内建成开放。\n步道全长十二公里，连接三个公园和两个观景平台，沿线老旧小区同步改造。"),
        item(2, "article", "海关推广关税保证保险", "海关推广关税保证保险，进口企业先通关后缴税，通关效率明显提高。\n芯片进口企业资金压力减轻，外贸企业普遍受益。"),
        item(3, "editor_note", "本版责编：测试", ""),
    ];
    std::fs::write(
        dir.path().join("test-2026-01-01-01.jsonl"),
        lines.join("\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("_index.jsonl"), "{\"not\": \"a page\"}\n").unwrap();
    dir
}

#[test]
fn eval_pages_scores_every_rendering_of_every_page() {
    let dir = page_dir();
    let out = Command::new(BIN)
        .args(["eval-pages", dir.path().to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let overall = &report["overall"];
    // One page, four renderings, two articles each (the editor line is none).
    assert_eq!(overall["pages"], 4, "{report}");
    assert_eq!(overall["gold"], 8, "{report}");
    assert_eq!(report["variants"].as_object().unwrap().len(), 4);
    let f1 = overall["f1"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&f1), "{report}");
    assert!(
        overall["found"].as_u64().unwrap() >= 4,
        "two plain stories: {report}"
    );

    let table = Command::new(BIN)
        .args(["eval-pages", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("article F1") && text.contains("column-breaks"),
        "{text}"
    );
}

#[test]
fn eval_pages_says_when_there_is_nothing_to_score() {
    let dir = page_dir();
    let out = Command::new(BIN)
        .args([
            "eval-pages",
            dir.path().to_str().unwrap(),
            "--from",
            "2027-01-01",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no page files"), "{stderr}");
}
