//! `ClassifyPage` on the real server, and `classify --page` through the
//! command-line binary.

mod common;

use std::process::Command;

use common::TestServer;
use policy_classifier::classifier::ModelSource;
use policy_classifier::proto::ClassifyPageRequest;
use policy_classifier::service::limits::Limits;
use serde_json::Value;
use tonic::Code;

const PAGE: &str = "tests/fixtures/pages/p01_chongqing_front.txt";
const LABELS: [&str; 5] = [
    "infrastructure",
    "industry_policy",
    "labor",
    "trade",
    "urban",
];

fn page_text() -> String {
    std::fs::read_to_string(PAGE).unwrap()
}

/// `text[start..end]` in characters.
fn chars(text: &str, start: u64, end: u64) -> String {
    text.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

/// Whether every line of a title (joined by spaces) is in `span`.
fn in_span(span: &str, title: &str) -> bool {
    !title.is_empty() && title.split(' ').all(|part| span.contains(part))
}

fn request(text: &str) -> ClassifyPageRequest {
    ClassifyPageRequest {
        text: text.into(),
        explain: false,
        min_confidence: None,
    }
}

#[tokio::test]
async fn classify_page_splits_and_labels_each_article() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let text = page_text();
    let mut req = request(&text);
    req.explain = true;
    let articles = client
        .classify_page(req)
        .await
        .unwrap()
        .into_inner()
        .articles;

    assert_eq!(articles.len(), LABELS.len());
    for (i, (a, label)) in articles.iter().zip(LABELS).enumerate() {
        let result = a.result.as_ref().expect("every article has words");
        assert_eq!(result.label, label, "{}", a.title);
        assert_eq!(result.id, i.to_string());
        assert!(!result.evidence.is_empty(), "explain asked for evidence");
        assert!(a.skipped_reason.is_empty());
        let span = chars(&text, a.start, a.end);
        assert!(in_span(&span, &a.title), "{span:?} lacks {:?}", a.title);
        let last_line = a.body.lines().last().unwrap();
        assert!(
            span.ends_with(last_line),
            "{span:?} does not end {last_line:?}"
        );
    }
    assert!(articles.windows(2).all(|w| w[0].end <= w[1].start));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_article_without_words_is_skipped_not_fatal() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let text = "返岗专列送农民工返城务工\n本报讯（记者 张三）春节后开行返岗专列，点对点运送农民工返回务工地，保障企业用工。\n\n2022\n3.5%\n";
    let articles = client
        .classify_page(request(text))
        .await
        .unwrap()
        .into_inner()
        .articles;
    assert_eq!(articles.len(), 2, "{articles:?}");
    assert_eq!(articles[0].result.as_ref().unwrap().label, "labor");
    assert!(articles[1].result.is_none());
    assert!(articles[1].skipped_reason.contains("no words"));
    assert_eq!(
        chars(text, articles[1].start, articles[1].end),
        "2022\n3.5%"
    );
}

#[tokio::test]
async fn empty_page_or_bad_options_are_invalid_argument() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let status = client
        .classify_page(request(" \n\u{3000}\n"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("empty"), "{}", status.message());

    let mut req = request(&page_text());
    req.min_confidence = Some(2.0);
    let status = client.classify_page(req).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("min_confidence"),
        "{}",
        status.message()
    );
}

#[test]
fn cli_classify_page_prints_one_line_per_article() {
    let output = Command::new(env!("CARGO_BIN_EXE_policy-classifier"))
        .args(["classify", "--page", PAGE])
        .env("POLICY_CLASSIFIER_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = page_text();
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), LABELS.len());
    for (i, (line, label)) in lines.iter().zip(LABELS).enumerate() {
        assert_eq!(line["index"], i);
        assert_eq!(line["label"], label, "{line}");
        let (start, end) = (
            line["start"].as_u64().unwrap(),
            line["end"].as_u64().unwrap(),
        );
        let title = line["title"].as_str().unwrap();
        assert!(in_span(&chars(&text, start, end), title), "{line}");
        assert!(line["scores"].as_array().unwrap().len() > 1);
    }
}

/// A page is one text of one call: `--max-article-chars` bounds it as a
/// whole and, as for every call, `--max-request-chars` bounds its work.
#[tokio::test]
async fn a_page_is_held_to_the_request_budget_like_every_call() {
    let text = page_text();
    let length = text.chars().count();
    let server = TestServer::with_limits(Limits {
        max_article_chars: 10 * length,
        max_request_chars: length - 1,
        ..Limits::default()
    })
    .await;
    let mut client = server.client().await;
    let status = client.classify_page(request(&text)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(
        status.message().contains("--max-request-chars"),
        "{status:?}"
    );
    let half: String = text.chars().take(length / 2).collect();
    assert!(client.classify_page(request(&half)).await.is_ok());
}

/// Pages take admission slots like every call that works, and are shed
/// when the server is full.
#[tokio::test]
async fn pages_are_admitted_and_shed_like_every_call() {
    let server = TestServer::with_limits(Limits {
        max_in_flight: 1,
        ..Limits::default()
    })
    .await;
    let heavy = page_text().repeat(20);
    let mut calls = Vec::new();
    for _ in 0..6 {
        let mut client = server.client().await;
        let page = request(&heavy);
        calls.push(tokio::spawn(async move {
            client.classify_page(page).await.map(drop)
        }));
    }
    let (mut served, mut shed) = (0, 0);
    for call in calls {
        match call.await.unwrap() {
            Ok(()) => served += 1,
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                assert!(status.message().contains("--max-in-flight"));
                shed += 1;
            }
        }
    }
    assert!(served >= 1, "nothing was served");
    assert!(shed >= 1, "nothing was shed with max_in_flight = 1");
}

/// The count of `series` in the process's metrics (0 before its first use).
fn metric(series: &str) -> f64 {
    policy_classifier::service::metrics::render()
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// Each classified article of a page reaches the label and coverage metrics
/// (other tests of this binary only add to them).
#[tokio::test]
async fn page_answers_are_counted_in_the_metrics() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let labelled = |label: &str| format!("policy_classifier_articles_total{{label=\"{label}\"}}");
    let before: Vec<f64> = LABELS.iter().map(|l| metric(&labelled(l))).collect();
    let coverage_before = metric("policy_classifier_article_coverage_count");
    let articles = client
        .classify_page(request(&page_text()))
        .await
        .unwrap()
        .into_inner()
        .articles;
    let answered = articles.iter().filter(|a| a.result.is_some()).count();
    assert!(answered >= 2, "{articles:?}");
    for (label, before) in LABELS.iter().zip(before) {
        let on_page = (articles.iter())
            .filter(|a| a.result.as_ref().is_some_and(|r| r.label == *label))
            .count();
        assert!(
            metric(&labelled(label)) >= before + on_page as f64,
            "{label}"
        );
    }
    assert!(
        metric("policy_classifier_article_coverage_count") >= coverage_before + answered as f64
    );
}
