//! The CLI round trip with the real binary: train on the fixture corpus,
//! evaluate it, serve it, classify through gRPC and through `classify`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use policy_classifier::proto::policy_classifier_client::PolicyClassifierClient;
use policy_classifier::proto::{Article, ClassifyRequest, GetModelInfoRequest};

const BIN: &str = env!("CARGO_BIN_EXE_policy-classifier");

fn fixture_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus.jsonl")
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run policy-classifier")
}

fn train_fixture_model(dir: &Path) -> PathBuf {
    let model = dir.join("fixture.model");
    let output = run(&[
        "train",
        "--data",
        fixture_corpus().to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--min-df",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "train failed: {stderr}");
    assert!(
        stderr.contains("infrastructure") && stderr.contains("8"),
        "reports documents per label: {stderr}"
    );
    model
}

/// Kills the server when the test ends, however it ends.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` on an ephemeral port and returns its address once it logs it.
fn serve(model: &Path) -> (ServerProcess, String) {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--model",
            model.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
        ])
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let stderr = child.stderr.take().unwrap();
    let server = ServerProcess(child);
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (server, addr)
}

#[test]
fn train_eval_serve_classify_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_fixture_model(dir.path());

    let output = run(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        fixture_corpus().to_str().unwrap(),
        "--json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["documents"], 48);
    assert!(
        summary["accuracy"].as_f64().unwrap() > 0.9,
        "fits its own training data: {summary}"
    );
    assert_eq!(summary["per_label"].as_array().unwrap().len(), 6);
    assert_eq!(summary["confusion"].as_array().unwrap().len(), 6);

    let table = run(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        fixture_corpus().to_str().unwrap(),
    ]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("macro-F1") && table.contains("confusion"),
        "{table}"
    );

    let (_server, addr) = serve(&model);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut client = connect(&addr).await;
        let info = client
            .get_model_info(GetModelInfoRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(info.training_documents, 48);
        let response = client
            .classify(ClassifyRequest {
                article: Some(Article {
                    id: "rt".into(),
                    title: "返岗专列开行".into(),
                    body: "农民工乘坐返岗专列返回务工城市，企业用工得到保障。".into(),
                    ..Article::default()
                }),
                explain: true,
                min_confidence: None,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(response.label, "labor");
        assert_eq!(response.model_version, info.version);
    });
}

async fn connect(addr: &str) -> PolicyClassifierClient<tonic::transport::Channel> {
    for _ in 0..100 {
        if let Ok(client) = PolicyClassifierClient::connect(format!("http://{addr}")).await {
            let mut probe = client.clone();
            if probe.get_model_info(GetModelInfoRequest {}).await.is_ok() {
                return client;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("server at {addr} never answered");
}

#[test]
fn classify_command_reads_jsonl_and_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_fixture_model(dir.path());
    let mut child = Command::new(BIN)
        .args(["classify", "--model", model.to_str().unwrap(), "--explain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = concat!(
        r#"{"id": "x1", "title": "海关通关便利", "text": "进口企业享受关税保证保险，外贸进出口增长。"}"#,
        "\n",
        r#"{"id": 7, "title": "", "body": "新建滨江步道和口袋公园，老旧小区改造。"}"#,
        "\n",
        r#"{"id": "x3", "title": "", "text": "，。"}"#,
        "\n",
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        !output.status.success(),
        "an unclassifiable article makes the exit code non-zero"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "one line per article, failures included");
    assert_eq!(lines[0]["id"], "x1");
    assert_eq!(lines[0]["label"], "trade");
    assert!(lines[0]["evidence"]
        .as_array()
        .is_some_and(|e| !e.is_empty()));
    assert_eq!(lines[1]["id"], "7");
    assert_eq!(lines[1]["label"], "urban");
    assert_eq!(lines[2]["id"], "x3");
    assert!(lines[2]["error"].as_str().unwrap().contains("no words"));

    let plain = dir.path().join("plain.txt");
    std::fs::write(
        &plain,
        "海关推出关税保证保险，芯片进口企业通关更快。\n外贸进出口保持增长。",
    )
    .unwrap();
    let output = run(&[
        "classify",
        "--model",
        model.to_str().unwrap(),
        plain.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(line["label"], "trade");
}

#[test]
fn serve_refuses_zero_limits_with_a_clear_error() {
    for flag in [
        "--max-in-flight",
        "--max-batch-articles",
        "--max-article-chars",
        "--max-message-bytes",
        "--max-concurrent-streams",
    ] {
        let out = run(&["serve", "--addr", "127.0.0.1:0", flag, "0"]);
        assert!(!out.status.success(), "{flag} 0 must not start a server");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(flag) && stderr.contains("must be at least 1"),
            "{flag}: {stderr}"
        );
    }
}

#[test]
fn serve_names_the_address_it_cannot_bind() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    for flag in ["--addr", "--metrics-addr"] {
        let out = match flag {
            "--addr" => run(&["serve", "--addr", &addr]),
            _ => run(&["serve", "--addr", "127.0.0.1:0", flag, &addr]),
        };
        assert!(!out.status.success(), "{flag} {addr} is taken");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{flag} {addr}: "))
                && stderr.contains("is another server running there?"),
            "{flag}: {stderr}"
        );
    }
}

#[test]
fn serve_names_an_unreadable_tls_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing-cert.pem");
    let missing = missing.to_str().unwrap();
    let out = run(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--tls-cert",
        missing,
        "--tls-key",
        missing,
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("--tls-cert {missing}: cannot read it: ")),
        "{stderr}"
    );
    assert!(!stderr.contains("transport error"), "{stderr}");
}

#[test]
fn train_reads_a_bom_and_warns_about_wordless_documents_and_duplicate_ids() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("bom.jsonl");
    let mut text = String::from("\u{feff}");
    text.push_str(&std::fs::read_to_string(fixture_corpus()).unwrap());
    text.push_str(concat!(
        r#"{"id": "fx-001", "title": "港口扩建", "text": "码头和铁路连接线开工建设。", "label": "infrastructure"}"#,
        "\n",
        r#"{"id": "empty-1", "title": "", "text": "，。！", "label": "trade"}"#,
        "\n",
        r#"{"id": "empty-2", "title": "", "text": "", "label": "trade"}"#,
        "\n",
    ));
    std::fs::write(&corpus, text).unwrap();
    let lines = std::fs::read_to_string(&corpus).unwrap().lines().count();
    let model = dir.path().join("bom.model");
    let output = run(&[
        "train",
        "--data",
        corpus.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--min-df",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let path = corpus.display();
    assert!(
        stderr.contains(&format!(
            "warning: 2 documents have no words after segmentation and were skipped ({path}:{}, {path}:{lines})",
            lines - 1
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "warning: 1 id appears more than once; all copies were trained on (first: \"fx-001\" at {path}:1 and {path}:{})",
            lines - 2
        )),
        "{stderr}"
    );

    // classify reads a JSONL input that starts with a byte-order mark.
    let input = dir.path().join("input.jsonl");
    std::fs::write(
        &input,
        "\u{feff}{\"id\": \"b1\", \"title\": \"海关通关便利\", \"text\": \"进口关税下调。\"}\n",
    )
    .unwrap();
    let output = run(&[
        "classify",
        "--model",
        model.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(line["id"], "b1");
}

#[test]
fn classify_says_when_min_confidence_turned_the_answer_into_other() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.txt");
    std::fs::write(
        &plain,
        "海关推出关税保证保险，进口企业通关更快，外贸进出口增长。",
    )
    .unwrap();
    let classify = |min: &str| {
        let output = run(&["classify", "--min-confidence", min, plain.to_str().unwrap()]);
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let strict = classify("1");
    assert_eq!(strict["label"], "other");
    assert_eq!(strict["abstained"], true, "{strict}");
    let reason = strict["abstain_reason"].as_str().unwrap();
    assert!(
        reason.contains("trade") && reason.ends_with("is below min_confidence 1"),
        "{reason}"
    );
    let lenient = classify("0");
    assert_eq!(lenient["label"], "trade");
    assert!(lenient.get("abstained").is_none(), "{lenient}");
}

/// `serve ARGS` with NO_COLOR: the child, and its stderr lines as they come.
fn spawn_serve(
    args: &[&str],
) -> (
    ServerProcess,
    std::io::Lines<BufReader<std::process::ChildStderr>>,
) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("POLICY_CLASSIFIER_ADDR")
        .env_remove("POLICY_CLASSIFIER_METRICS_ADDR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let stderr = child.stderr.take().unwrap();
    (ServerProcess(child), BufReader::new(stderr).lines())
}

/// The `addr=` of the first log line that has one and contains `message`.
fn logged_addr(lines: &mut impl Iterator<Item = std::io::Result<String>>, message: &str) -> String {
    for line in lines {
        let line = line.unwrap();
        if let (true, Some(rest)) = (line.contains(message), line.split("addr=").nth(1)) {
            return rest.split_whitespace().next().unwrap().to_owned();
        }
    }
    panic!("the server exited before logging {message:?}");
}

#[test]
fn serve_accepts_host_names_bare_ports_and_bare_hosts() {
    let free_port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let port = free_port().to_string();
    let (_server, mut lines) = spawn_serve(&["--addr", &port]);
    assert_eq!(
        logged_addr(&mut lines, "serving"),
        format!("127.0.0.1:{port}")
    );

    let (_server, mut lines) = spawn_serve(&["--addr", "localhost:0"]);
    let addr = logged_addr(&mut lines, "serving");
    let ip: std::net::SocketAddr = addr.parse().unwrap();
    assert!(ip.ip().is_loopback(), "{addr}");

    let metrics_port = free_port().to_string();
    let (_server, mut lines) =
        spawn_serve(&["--addr", "127.0.0.1:0", "--metrics-addr", &metrics_port]);
    let metrics = logged_addr(&mut lines, "metrics");
    assert_eq!(metrics, format!("127.0.0.1:{metrics_port}"));

    for bad in ["host name:1", "localhost:70000"] {
        let out = run(&["serve", "--addr", bad]);
        assert!(!out.status.success(), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("expected HOST:PORT") || stderr.contains("0-65535"),
            "{bad}: {stderr}"
        );
        assert!(
            !stderr.contains("invalid socket address syntax"),
            "{stderr}"
        );
    }
}

#[test]
fn serve_with_a_bad_model_never_announces_serving() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.model");
    let out = Command::new(BIN)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--model",
            missing.to_str().unwrap(),
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("loading the model"), "{stderr}");
    assert!(stderr.contains("missing.model"), "{stderr}");
    assert!(
        !stderr.lines().any(|l| l.contains(" serving")),
        "announced serving before the model loaded: {stderr}"
    );
}

#[test]
fn train_default_model_script_names_the_corpus_it_needs() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/train-default-model.sh");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(&script)
        .current_dir(dir.path())
        .env("CORPUS", "no-such-labeled.jsonl")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = dir.path().join("no-such-labeled.jsonl");
    assert!(
        stderr.contains(&format!("{} does not exist", expected.display()))
            && stderr.contains("CORPUS=tv.jsonl:papers.jsonl"),
        "{stderr}"
    );
    // Several files, colon-separated: the missing one is named.
    std::fs::write(dir.path().join("tv.jsonl"), "").unwrap();
    let out = Command::new("bash")
        .arg(&script)
        .current_dir(dir.path())
        .env("CORPUS", "tv.jsonl:no-such-papers.jsonl")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let missing = dir.path().join("no-such-papers.jsonl");
    assert!(
        stderr.contains(&format!("{} does not exist", missing.display())),
        "{stderr}"
    );
}
