//! The real server on an ephemeral port, called with tonic clients.

mod common;

use common::{article, sample_articles, TestServer};
use policy_classifier::classifier::ModelSource;
use policy_classifier::model::DEFAULT_LABELS;
use policy_classifier::proto::{
    ClassifyBatchRequest, ClassifyRequest, GetModelInfoRequest, SegmentRequest,
};
use policy_classifier::service::{Hardening, ServeConfig};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

fn request(a: policy_classifier::proto::Article) -> ClassifyRequest {
    ClassifyRequest {
        article: Some(a),
        explain: false,
        min_confidence: None,
    }
}

#[tokio::test]
async fn classify_labels_each_sample_article() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    for (a, expected) in sample_articles() {
        let id = a.id.clone();
        let response = client.classify(request(a)).await.unwrap().into_inner();
        assert_eq!(response.id, id);
        assert_eq!(response.label, expected, "{id}: {response:?}");
        assert_eq!(response.scores.len(), DEFAULT_LABELS.len());
        assert_eq!(response.scores[0].label, response.label);
        assert!(response
            .scores
            .windows(2)
            .all(|w| w[0].probability >= w[1].probability));
        let sum: f64 = response.scores.iter().map(|s| s.probability).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{sum}");
        assert_eq!(response.confidence, response.scores[0].probability);
        assert!(response.evidence.is_empty(), "no evidence unless asked");
        assert!(response
            .model_version
            .starts_with(&format!("{}-", policy_classifier::model::FORMAT_VERSION)));
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn explain_returns_terms_found_in_the_article() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let (a, _) = sample_articles().remove(2);
    let text = format!("{}{}", a.title, a.body);
    let mut req = request(a);
    req.explain = true;
    let response = client.classify(req).await.unwrap().into_inner();
    assert!(!response.evidence.is_empty());
    assert!(response
        .evidence
        .windows(2)
        .all(|w| w[0].weight >= w[1].weight));
    for e in &response.evidence {
        assert!(e.weight > 0.0);
        // Word bigrams are `词_词`; Han character pairs `#字字`.
        let term = e.term.strip_prefix('#').unwrap_or(&e.term);
        assert!(
            term.split('_').all(|part| text.contains(part)),
            "{} not in article",
            e.term
        );
    }
}

#[tokio::test]
async fn min_confidence_falls_back_to_other_and_keeps_scores() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let (a, expected) = sample_articles().remove(0);
    let mut req = request(a);
    req.min_confidence = Some(1.0 + f64::EPSILON - f64::EPSILON); // 1.0: nothing is that sure
    let response = client.classify(req.clone()).await.unwrap().into_inner();
    assert_eq!(response.label, "other");
    assert_eq!(
        response.scores[0].label, expected,
        "scores are reported unchanged"
    );
    let other = response.scores.iter().find(|s| s.label == "other").unwrap();
    assert_eq!(response.confidence, other.probability);
    assert!(response.abstained, "the answer says it abstained");
    assert!(
        response.abstain_reason.contains(expected)
            && response.abstain_reason.contains("below min_confidence 1"),
        "{}",
        response.abstain_reason
    );
    let mut confident = req.clone();
    confident.min_confidence = None;
    let plain = client.classify(confident).await.unwrap().into_inner();
    assert!(
        !plain.abstained && plain.abstain_reason.is_empty(),
        "{plain:?}"
    );

    req.min_confidence = Some(1.5);
    let status = client.classify(req).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("min_confidence"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn empty_or_missing_article_is_invalid_argument() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    for a in [
        article("e", "", ""),
        article("e", "  ", "，。！"),
        article("e", "2022", "12.5%"),
    ] {
        let status = client.classify(request(a)).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            status.message().contains("no words"),
            "{}",
            status.message()
        );
    }
    let missing = ClassifyRequest {
        article: None,
        explain: false,
        min_confidence: None,
    };
    let status = client.classify(missing).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn batch_answers_in_request_order_and_names_a_bad_article() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let samples = sample_articles();
    let articles: Vec<_> = samples.iter().rev().map(|(a, _)| a.clone()).collect();
    let response = client
        .classify_batch(ClassifyBatchRequest {
            articles: articles.clone(),
            explain: true,
            min_confidence: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.results.len(), articles.len());
    for (result, (a, expected)) in response.results.iter().zip(samples.iter().rev()) {
        assert_eq!(result.id, a.id);
        assert_eq!(result.label, *expected);
        assert!(!result.evidence.is_empty());
    }

    let mut with_bad = articles;
    with_bad.insert(2, article("bad-one", "", ""));
    let status = client
        .classify_batch(ClassifyBatchRequest {
            articles: with_bad,
            explain: false,
            min_confidence: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("#2") && status.message().contains("bad-one"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn stream_answers_each_request_in_order() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let samples = sample_articles();
    let requests: Vec<_> = samples.iter().map(|(a, _)| request(a.clone())).collect();
    let responses: Vec<_> = client
        .classify_stream(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(responses.len(), samples.len());
    for (response, (a, expected)) in responses.iter().zip(&samples) {
        assert_eq!(response.id, a.id);
        assert_eq!(response.label, *expected);
    }
}

#[tokio::test]
async fn stream_ends_with_the_failing_requests_status() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let (good, _) = sample_articles().remove(0);
    let requests = vec![
        request(good.clone()),
        request(article("empty", "", "")),
        request(good),
    ];
    let mut stream = client
        .classify_stream(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    assert!(stream.next().await.unwrap().is_ok());
    let status = stream.next().await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("#1"), "{}", status.message());
    assert!(stream.next().await.is_none());
}

/// Requests that arrive together are classified in groups (one pool job
/// each); a long stream must still answer every request in order and name a
/// failure by its place in the whole stream, not in its group.
#[tokio::test]
async fn a_long_stream_keeps_order_and_names_a_late_failure_by_its_place() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let samples = sample_articles();
    let failing_at = 45;
    let mut requests: Vec<_> = (0..failing_at)
        .map(|i| {
            let (mut a, _) = samples[i % samples.len()].clone();
            a.id = format!("n{i}");
            request(a)
        })
        .collect();
    requests.push(request(article("late-empty", "", "")));
    requests.push(request(samples[0].0.clone()));
    let mut stream = client
        .classify_stream(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    for i in 0..failing_at {
        let response = stream.next().await.unwrap().unwrap();
        assert_eq!(response.id, format!("n{i}"));
        assert_eq!(response.label, samples[i % samples.len()].1);
    }
    let status = stream.next().await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("#45") && status.message().contains("late-empty"),
        "{}",
        status.message()
    );
    assert!(stream.next().await.is_none());
}

/// A request refused before classification (here: no article) in the middle
/// of a group ends the stream there too, after the answers before it.
#[tokio::test]
async fn a_request_without_an_article_mid_group_ends_the_stream_at_its_place() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let (good, _) = sample_articles().remove(0);
    let mut requests: Vec<_> = (0..20).map(|_| request(good.clone())).collect();
    requests.push(ClassifyRequest {
        article: None,
        explain: false,
        min_confidence: None,
    });
    requests.extend((0..5).map(|_| request(good.clone())));
    let mut stream = client
        .classify_stream(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    for _ in 0..20 {
        assert!(stream.next().await.unwrap().is_ok());
    }
    let status = stream.next().await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("#20"), "{}", status.message());
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn segment_returns_the_models_tokens() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let tokens = client
        .segment(SegmentRequest {
            text: "重庆的港口，２０２２年吞吐量增长。".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens;
    assert!(tokens.contains(&"港口".to_string()), "{tokens:?}");
    assert!(
        !tokens
            .iter()
            .any(|t| t == "的" || t == "2022" || t == "，" || t == "。"),
        "{tokens:?}"
    );
}

#[tokio::test]
async fn model_info_describes_the_shipped_model() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let info = client
        .get_model_info(GetModelInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.labels, DEFAULT_LABELS);
    assert!(info.vocabulary_size > 1000);
    assert!(info.training_documents > 1000);
    let per_label: u64 = info.documents_per_label.values().sum();
    assert_eq!(per_label, info.training_documents);
    let evaluation = info
        .evaluation
        .expect("shipped model records its cross-validation");
    assert!(evaluation.macro_f1 > 0.5 && evaluation.macro_f1 <= 1.0);
    assert_eq!(evaluation.per_label.len(), DEFAULT_LABELS.len());
    assert!(info.trained_at.ends_with('Z'));
    assert!(info
        .version
        .starts_with(&format!("{}-", policy_classifier::model::FORMAT_VERSION)));
}

#[tokio::test]
async fn health_is_not_serving_until_the_model_loads_and_bad_model_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.model");
    std::fs::write(&broken, b"not a model").unwrap();
    let server = TestServer::start_unready(ModelSource::File(broken)).await;
    let error = server.finished().await.unwrap_err();
    assert!(error.contains("bad magic"), "{error}");

    let server = TestServer::start(ModelSource::Shipped).await;
    assert_eq!(server.health("").await, ServingStatus::Serving);
    assert_eq!(
        server.health("policy.classifier.v1.PolicyClassifier").await,
        ServingStatus::Serving
    );
}

/// The first load waits for a gate the test opens later, so the load
/// provably takes as long as the test wants.
#[tokio::test]
async fn health_is_not_serving_and_rpcs_unavailable_until_the_model_is_loaded() {
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    let server = TestServer::start_unready_with(ServeConfig {
        model: ModelSource::Shipped,
        hardening: Hardening {
            first_load_gate: Some(gate.clone()),
            ..Hardening::default()
        },
    })
    .await;

    assert_eq!(server.health("").await, ServingStatus::NotServing);
    assert_eq!(
        server.health("policy.classifier.v1.PolicyClassifier").await,
        ServingStatus::NotServing
    );
    let mut client = server.client().await;
    let (a, _) = sample_articles().remove(0);
    let status = client.classify(request(a.clone())).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");

    gate.notify_one();
    server.wait_until_serving().await;
    assert!(client.classify(request(a)).await.is_ok());
}

/// A FIFO as `--model` used to block the loading thread until someone
/// wrote to it (and then SIGTERM could not exit); now it is refused at once.
#[cfg(unix)]
#[tokio::test]
async fn a_fifo_as_the_model_stops_the_server_at_once_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("model.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let server = TestServer::start_unready(ModelSource::File(fifo)).await;
    // `finished` fails the test if the server has not stopped within 10 s.
    let error = server.finished().await.unwrap_err();
    assert!(error.contains("model.fifo"), "{error}");
    assert!(
        error.contains("not a regular file (it is a FIFO)"),
        "{error}"
    );
}

#[tokio::test]
async fn text_the_model_cannot_read_abstains_through_the_api_with_its_coverage() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let info = client
        .get_model_info(policy_classifier::proto::GetModelInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        info.min_coverage > 0.0 && info.min_coverage < info.training_coverage,
        "{info:?}"
    );
    // Written for this test.
    let news = article(
        "n",
        "码头扩建工程开工",
        "港口码头扩建，集装箱吞吐能力提高。",
    );
    let answer = client.classify(request(news)).await.unwrap().into_inner();
    assert!(
        answer.coverage > info.min_coverage && !answer.abstained,
        "{answer:?}"
    );
    let english = article(
        "e",
        "Port expansion",
        "The port added two berths for container ships.",
    );
    let answer = client
        .classify(request(english))
        .await
        .unwrap()
        .into_inner();
    assert!(answer.coverage < info.min_coverage, "{answer:?}");
    assert!(
        answer.abstained && answer.abstain_reason.starts_with("coverage "),
        "{answer:?}"
    );
    assert_eq!(answer.label, "other");
    assert!(answer
        .scores
        .iter()
        .all(|s| s.probability == answer.confidence));
}
