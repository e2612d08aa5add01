//! The real binary configured only through `POLICY_CLASSIFIER_*` variables:
//! JSON logs with a config summary and one line per request, and Prometheus
//! metrics scraped over HTTP.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::sample_articles;
use policy_classifier::proto::policy_classifier_client::PolicyClassifierClient;
use policy_classifier::proto::{
    Article, ClassifyBatchRequest, ClassifyRequest, GetModelInfoRequest,
};
use serde_json::Value;
use tokio_stream::StreamExt;
use tonic::Code;

const BIN: &str = env!("CARGO_BIN_EXE_policy-classifier");

/// The server process; killed when dropped so a failing test leaves none.
struct Served {
    child: Child,
    logs: mpsc::Receiver<Value>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start() -> Self {
        let mut child = Command::new(BIN)
            .arg("serve")
            .env("POLICY_CLASSIFIER_ADDR", "127.0.0.1:0")
            .env("POLICY_CLASSIFIER_METRICS_ADDR", "127.0.0.1:0")
            .env("POLICY_CLASSIFIER_LOG_FORMAT", "json")
            .env("POLICY_CLASSIFIER_LOG", "info,policy_classifier=debug")
            .env_remove("POLICY_CLASSIFIER_MODEL")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the server binary");
        let stderr = child.stderr.take().unwrap();
        let (tx, logs) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let parsed = serde_json::from_str::<Value>(&line)
                    .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
                if tx.send(parsed).is_err() {
                    break;
                }
            }
        });
        Self { child, logs }
    }

    /// The next log line satisfying `wanted`, skipping others.
    fn wait_for_log(&self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.logs.recv_timeout(left) {
                Ok(line) if wanted(&line) => return line,
                Ok(_) => {}
                Err(e) => panic!("no log line {what}: {e}"),
            }
        }
    }
}

fn message_is(line: &Value, message: &str) -> bool {
    line["message"] == message
}

fn field_addr(line: &Value, field: &str) -> SocketAddr {
    line[field]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no address in {field}: {line}"))
}

/// `GET /metrics` with a plain HTTP/1.1 request.
fn scrape(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("application/openmetrics-text"), "{head}");
    body.to_owned()
}

/// The value of the sample whose line starts with `series` (name and labels).
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sample {series} in:\n{metrics}"))
}

/// The "model loaded" line comes just before the model is swapped in, so
/// wait for health to say so.
async fn wait_until_serving(addr: SocketAddr) {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    for _ in 0..400 {
        let status = health
            .check(HealthCheckRequest::default())
            .await
            .unwrap()
            .into_inner()
            .status();
        if status == ServingStatus::Serving {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server never became SERVING");
}

#[tokio::test]
async fn env_configured_server_logs_json_and_exports_metrics() {
    let served = Served::start();
    let config = served.wait_for_log("with the configuration", |l| message_is(l, "configuration"));
    assert!(
        config["config"].as_str().unwrap().contains("metrics_addr"),
        "{config}"
    );
    let metrics_addr = field_addr(
        &served.wait_for_log("about metrics", |l| l.get("metrics_addr").is_some()),
        "metrics_addr",
    );
    // "serving" is announced only once the model has loaded.
    served.wait_for_log("model loaded", |l| message_is(l, "model loaded"));
    let addr = field_addr(
        &served.wait_for_log("serving", |l| message_is(l, "serving")),
        "addr",
    );
    wait_until_serving(addr).await;

    let mut client = PolicyClassifierClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let (trade, _) = sample_articles().remove(3);
    let answer = client
        .classify(ClassifyRequest {
            article: Some(trade.clone()),
            explain: false,
            min_confidence: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.label, "trade");
    let empty = client
        .classify(ClassifyRequest {
            article: Some(Article::default()),
            explain: false,
            min_confidence: None,
        })
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    let articles: Vec<Article> = sample_articles().into_iter().map(|(a, _)| a).collect();
    client
        .classify_batch(ClassifyBatchRequest {
            articles,
            explain: false,
            min_confidence: None,
        })
        .await
        .unwrap();
    let streamed: Vec<_> = client
        .classify_stream(tokio_stream::iter(vec![
            ClassifyRequest {
                article: Some(trade.clone()),
                explain: false,
                min_confidence: None,
            };
            2
        ]))
        .await
        .unwrap()
        .into_inner()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(streamed.len(), 2);
    let version = client
        .get_model_info(GetModelInfoRequest {})
        .await
        .unwrap()
        .into_inner()
        .version;

    let request_line = served.wait_for_log("for the Classify request", |l| {
        l["message"] == "request"
            && l["status"] == "OK"
            && l["method"]
                .as_str()
                .is_some_and(|m| m.ends_with("/Classify"))
    });
    assert_eq!(request_line["level"], "DEBUG");
    assert_eq!(request_line["label"], "trade");
    assert!(request_line["latency_ms"].as_f64().unwrap() >= 0.0);
    let failed_line = served.wait_for_log("for the failed request", |l| {
        l["message"] == "request" && l["status"] == "INVALID_ARGUMENT"
    });
    assert_eq!(failed_line["label"], "");

    let metrics = scrape(metrics_addr);
    let handled = |method: &str, code: &str| {
        sample(
            &metrics,
            &format!(
                "grpc_server_handled_total{{grpc_service=\"policy.classifier.v1.PolicyClassifier\",grpc_method=\"{method}\",grpc_code=\"{code}\"}}"
            ),
        )
    };
    assert_eq!(handled("Classify", "OK"), 1.0);
    assert_eq!(handled("Classify", "INVALID_ARGUMENT"), 1.0);
    assert_eq!(handled("ClassifyBatch", "OK"), 1.0);
    assert_eq!(handled("ClassifyStream", "OK"), 1.0);
    assert_eq!(handled("GetModelInfo", "OK"), 1.0);
    assert_eq!(
        sample(
            &metrics,
            "grpc_server_handling_seconds_count{grpc_service=\"policy.classifier.v1.PolicyClassifier\",grpc_method=\"Classify\"}"
        ),
        2.0
    );
    assert!(
        metrics.contains("grpc_server_handling_seconds_bucket{"),
        "{metrics}"
    );
    // One trade article alone, one of each label in the batch, two streamed.
    assert_eq!(
        sample(
            &metrics,
            "policy_classifier_articles_total{label=\"trade\"}"
        ),
        4.0
    );
    assert_eq!(
        sample(
            &metrics,
            "policy_classifier_articles_total{label=\"urban\"}"
        ),
        1.0
    );
    assert_eq!(
        sample(
            &metrics,
            &format!("policy_classifier_model_info{{version=\"{version}\"}}")
        ),
        1.0
    );
    // Every answered article's coverage, through every RPC: as many as the
    // label counts, and high for news in Chinese.
    let answered: f64 = metrics
        .lines()
        .filter(|l| l.starts_with("policy_classifier_articles_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    let coverage_count = sample(&metrics, "policy_classifier_article_coverage_count");
    assert_eq!(coverage_count, answered);
    assert!(sample(&metrics, "policy_classifier_article_coverage_sum") / coverage_count > 0.8);
    assert!(sample(&metrics, "policy_classifier_model_loaded_timestamp_seconds") > 1.7e9);
    assert!(sample(&metrics, "policy_classifier_model_load_duration_seconds") > 0.0);
}

#[test]
fn every_serve_flag_has_an_environment_variable_in_help() {
    let output = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    let options = help.split("Options:").nth(1).expect("an Options section");
    // One block per flag: its line and the description lines under it.
    let mut blocks: Vec<String> = Vec::new();
    for line in options.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent <= 6 && (trimmed.starts_with("--") || trimmed.starts_with('-')) {
            blocks.push(String::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    let flags: Vec<&String> = blocks
        .iter()
        .filter(|b| !b.contains("--help") && !b.contains("--version"))
        .collect();
    assert!(flags.len() >= 5, "too few flags parsed from:\n{help}");
    for block in flags {
        assert!(
            block.contains("[env: POLICY_CLASSIFIER_"),
            "a serve flag has no POLICY_CLASSIFIER_* variable:\n{block}"
        );
    }
}
