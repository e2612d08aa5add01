//! The real `policy-classifier` binary: `train` refusing bad data without
//! touching the old model, and `serve` reloading on SIGHUP, keeping article
//! text out of its logs and shutting down gracefully on SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use policy_classifier::classifier::SHIPPED_MODEL;
use policy_classifier::proto::policy_classifier_client::PolicyClassifierClient;
use policy_classifier::proto::{
    Article, ClassifyBatchRequest, ClassifyRequest, GetModelInfoRequest,
};
use tokio_stream::StreamExt;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

const BINARY: &str = env!("CARGO_BIN_EXE_policy-classifier");
const FIXTURE: &str = "tests/fixtures/corpus.jsonl";

fn train(data: &Path, out: &Path) -> std::process::Output {
    Command::new(BINARY)
        .args([
            "train",
            "--force",
            "--trained-at",
            "2026-01-01T00:00:00Z",
            "--data",
        ])
        .arg(data)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn train_stops_at_a_bad_line_and_keeps_the_old_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("current.model");
    assert!(train(Path::new(FIXTURE), &model).status.success());
    let before = std::fs::read(&model).unwrap();

    let good_line = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let cases = [
        (
            "malformed.jsonl",
            format!("{good_line}\n\n{{\"title\": \"x\", \"label\"\n"),
            ":3:",
        ),
        (
            "unknown-label.jsonl",
            format!(
                "{good_line}\n{}\n",
                good_line.replace("infrastructure", "sports")
            ),
            ":2: unknown label \"sports\"",
        ),
        (
            "no-label.jsonl",
            format!("{good_line}\n{{\"title\": \"标题\"}}\n"),
            ":2: missing",
        ),
        ("empty.jsonl", "\n  \n".to_owned(), "empty"),
    ];
    for (name, content, expected) in cases {
        let data = dir.path().join(name);
        std::fs::write(&data, content).unwrap();
        let output = train(&data, &model);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name}: training succeeded");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert_eq!(
            std::fs::read(&model).unwrap(),
            before,
            "{name} touched the model"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `serve` as a child process, its stderr collected as it runs.
struct Served {
    child: Child,
    log: Arc<Mutex<String>>,
    url: String,
}

impl Served {
    fn start(model: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(BINARY)
            .args(["serve", "--addr", "127.0.0.1:0", "--model"])
            .arg(model)
            .args(extra)
            .env("POLICY_CLASSIFIER_LOG", "debug")
            .env("NO_COLOR", "1")
            .env_remove("POLICY_CLASSIFIER_ADMIN_TOKEN")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let line = strip_ansi(&line.unwrap());
                if let Some(addr) = line.split("addr=").nth(1) {
                    let addr = addr.split_whitespace().next().unwrap_or("").to_owned();
                    let _ = addr_tx.send(addr);
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("no address logged");
        Self {
            child,
            log,
            url: format!("http://{addr}"),
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    async fn channel(&self) -> tonic::transport::Channel {
        let endpoint = tonic::transport::Endpoint::from_shared(self.url.clone()).unwrap();
        for _ in 0..200 {
            if let Ok(channel) = endpoint.connect().await {
                let mut health = HealthClient::new(channel.clone());
                let request = HealthCheckRequest {
                    service: String::new(),
                };
                if let Ok(r) = health.check(request).await {
                    if r.into_inner().status() == ServingStatus::Serving {
                        return channel;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server never became SERVING:\n{}", self.log());
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

async fn version(client: &mut PolicyClassifierClient<tonic::transport::Channel>) -> String {
    client
        .get_model_info(GetModelInfoRequest {})
        .await
        .unwrap()
        .into_inner()
        .version
}

#[tokio::test]
async fn serve_reloads_on_sighup_redacts_logs_and_drains_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("serving.model");
    std::fs::write(&model, SHIPPED_MODEL).unwrap();
    let served = Served::start(
        &model,
        &["--log-text-prefix", "4", "--shutdown-grace", "20s"],
    );
    let channel = served.channel().await;
    let mut client = PolicyClassifierClient::new(channel.clone());

    // Logs carry at most a 4-character prefix of an article's text.
    let secret_body = "港口扩建秘密内容不应出现在日志里的句子";
    let article = Article {
        id: "log-check".into(),
        title: "码头工程开工建设".into(),
        body: secret_body.into(),
        ..Article::default()
    };
    let request = ClassifyRequest {
        article: Some(article.clone()),
        explain: true,
        min_confidence: None,
    };
    client.classify(request).await.unwrap();

    // A client-chosen id cannot forge a log line, colour it or stretch it.
    let forged_id = format!(
        "forged\n2026-01-01T00:00:00Z  INFO forged line\x1b[31m{}",
        "i".repeat(10_000)
    );
    let forged = ClassifyRequest {
        article: Some(Article {
            id: forged_id,
            ..article.clone()
        }),
        explain: false,
        min_confidence: None,
    };
    client.classify(forged).await.unwrap();

    // SIGHUP reloads the configured file; a damaged file is refused first.
    let old_version = version(&mut client).await;
    std::fs::write(&model, b"PCMODEL\nbroken").unwrap();
    served.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !served.log().contains("reload failed") {
        assert!(
            Instant::now() < deadline,
            "no reload failure logged:\n{}",
            served.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        version(&mut client).await,
        old_version,
        "a broken file must not be swapped in"
    );
    assert!(train(Path::new(FIXTURE), &model).status.success());
    served.signal("HUP");
    let mut new_version = old_version.clone();
    while new_version == old_version {
        assert!(
            Instant::now() < deadline,
            "SIGHUP did not reload:\n{}",
            served.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        new_version = version(&mut client).await;
    }

    // SIGTERM with a batch in flight: health turns NOT_SERVING, the batch
    // still completes, the process exits 0.
    let mut health = HealthClient::new(channel.clone());
    let mut watch = health
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );
    let body = secret_body.repeat(200);
    let batch = ClassifyBatchRequest {
        articles: (0..200)
            .map(|i| Article {
                id: i.to_string(),
                title: article.title.clone(),
                body: body.clone(),
                ..Article::default()
            })
            .collect(),
        explain: true,
        min_confidence: None,
    };
    let mut batch_client = PolicyClassifierClient::new(channel.clone());
    let in_flight = tokio::spawn(async move { batch_client.classify_batch(batch).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    served.signal("TERM");
    let next = tokio::time::timeout(Duration::from_secs(10), watch.next()).await;
    let status = next
        .expect("no health update")
        .expect("watch ended")
        .unwrap()
        .status();
    assert_eq!(status, ServingStatus::NotServing);
    let answered = in_flight
        .await
        .unwrap()
        .expect("in-flight batch failed during shutdown");
    assert_eq!(answered.into_inner().results.len(), 200);
    drop(watch);
    drop(health);
    drop(client);
    drop(channel);

    let mut served = served;
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "did not exit:\n{}", served.log());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit {exit:?}:\n{}", served.log());
    let log = served.log();
    assert!(
        log.contains("article received"),
        "debug log missing:\n{log}"
    );
    assert!(log.contains("港口扩建"), "prefix missing:\n{log}");
    assert!(
        !log.lines().any(|l| l.starts_with("2026-01-01T00:00:00Z")),
        "a forged line:\n{log}"
    );
    let forged_line = log
        .lines()
        .find(|l| l.contains("id=forged\\n2026-01-01T00:00:00Z  INFO forged line\\u{1b}[31miii"))
        .unwrap_or_else(|| panic!("the forged id is not logged escaped:\n{log}"));
    assert!(forged_line.len() < 1000, "{} bytes", forged_line.len());
    assert!(
        !log.contains("港口扩建秘"),
        "article text leaked into the log:\n{log}"
    );
}
