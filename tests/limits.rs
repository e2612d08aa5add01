//! Input limits, awkward-but-valid text, load shedding and deadlines, on the
//! real server.

mod common;

use std::time::Duration;

use common::{article, sample_articles, TestServer};
use policy_classifier::classifier::ModelSource;
use policy_classifier::proto::{Article, ClassifyBatchRequest, ClassifyRequest, SegmentRequest};
use policy_classifier::service::limits::Limits;
use tonic::Code;

fn request(a: Article) -> ClassifyRequest {
    ClassifyRequest {
        article: Some(a),
        explain: false,
        min_confidence: None,
    }
}

fn batch(articles: Vec<Article>) -> ClassifyBatchRequest {
    ClassifyBatchRequest {
        articles,
        explain: false,
        min_confidence: None,
    }
}

#[tokio::test]
async fn awkward_but_valid_text_gets_an_answer() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    let cases = [
        (
            "traditional",
            "港口擴建工程開工",
            "政府批准興建新的貨櫃碼頭和鐵路連接線，預計三年後完工。",
        ),
        (
            "mixed",
            "AI芯片 export 管制",
            "The ministry 宣布 new rules on 芯片出口 and 关税 for semiconductor trade.",
        ),
        (
            "emoji",
            "🚄高铁开通🎉",
            "新线路今天开通运营 👍👍 沿线城市 🏙️ 交通更方便。",
        ),
        (
            "control",
            "工厂\u{0}招工\u{7}",
            "企业\u{1b}[31m 扩大\u{8}招聘\r\n\t农民工\u{7f}返岗。",
        ),
    ];
    for (id, title, body) in cases {
        let response = client
            .classify(request(article(id, title, body)))
            .await
            .unwrap_or_else(|s| panic!("{id}: {s:?}"))
            .into_inner();
        assert_eq!(response.id, id);
        assert!(!response.label.is_empty());
    }
    // 100 KB of one character, as body: a valid (if uninformative) answer.
    for ch in ['港', 'a', '!', '\u{200b}'] {
        let body: String = std::iter::repeat_n(ch, 100 * 1024 / ch.len_utf8()).collect();
        let result = client
            .classify(request(article("repeat", "工程开工", &body)))
            .await;
        assert!(result.is_ok(), "{ch:?}: {result:?}");
    }
}

#[tokio::test]
async fn no_words_is_invalid_argument() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut client = server.client().await;
    for (title, body) in [
        ("", ""),
        ("   ", "\n\t "),
        ("。！？", "……——，、"),
        ("!!!", "..."),
    ] {
        let status = client
            .classify(request(article("x", title, body)))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{title:?} {body:?}");
    }
}

#[tokio::test]
async fn past_a_limit_the_error_names_it() {
    let server = TestServer::with_limits(Limits {
        max_article_chars: 50,
        max_batch_articles: 3,
        max_message_bytes: 4096,
        ..Limits::default()
    })
    .await;
    let mut client = server.client().await;

    let long: String = "工".repeat(51);
    let status = client
        .classify(request(article("long", "标题", &long)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("--max-article-chars"),
        "{status:?}"
    );

    let status = client
        .segment(SegmentRequest { text: long.clone() })
        .await
        .unwrap_err();
    assert!(
        status.message().contains("--max-article-chars"),
        "{status:?}"
    );

    let four: Vec<Article> = sample_articles()
        .into_iter()
        .take(4)
        .map(|(a, _)| a)
        .collect();
    let status = client
        .classify_batch(batch(four.clone()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("--max-batch-articles"),
        "{status:?}"
    );
    assert!(client
        .classify_batch(batch(four[..3].to_vec()))
        .await
        .is_ok());

    let huge = "字".repeat(2000); // 6000 bytes > 4096
    let status = client
        .classify(request(article("big", "", &huge)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains("--max-message-bytes"),
        "{status:?}"
    );

    // The server is still fine.
    let (a, expected) = sample_articles().remove(0);
    assert_eq!(
        client
            .classify(request(a))
            .await
            .unwrap()
            .into_inner()
            .label,
        expected
    );
}

#[tokio::test]
async fn characters_that_grow_under_normalisation_count_at_their_grown_length() {
    let server = TestServer::with_limits(Limits {
        max_article_chars: 1000,
        max_request_chars: 3000,
        ..Limits::default()
    })
    .await;
    let mut client = server.client().await;
    // 100 characters as sent; NFKC makes 18 of each (1,800).
    let grows = "\u{FDFA}".repeat(100);
    let status = client
        .classify(request(article("g", "", &grows)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().contains("NFKC"), "{status:?}");
    assert!(
        status.message().contains("--max-article-chars"),
        "{status:?}"
    );

    // Pages have the same limit, as sent and grown.
    for page in ["港口".repeat(501), grows.clone()] {
        let status = client
            .classify_page(policy_classifier::proto::ClassifyPageRequest {
                text: page,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            status.message().contains("--max-article-chars"),
            "{status:?}"
        );
    }

    // Each article fits, the batch together does not.
    let body = "港口扩建工程开工。".repeat(100); // 900 characters
    let four = (0..4).map(|i| article(&i.to_string(), "", &body)).collect();
    let status = client.classify_batch(batch(four)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(
        status.message().contains("--max-request-chars"),
        "{status:?}"
    );
    let three = (0..3).map(|i| article(&i.to_string(), "", &body)).collect();
    assert!(client.classify_batch(batch(three)).await.is_ok());
}

/// A stream whose client keeps its side open and sends nothing more.
async fn idle_stream(
    client: &mut policy_classifier::proto::policy_classifier_client::PolicyClassifierClient<
        tonic::transport::Channel,
    >,
    timeout: Option<Duration>,
) -> (
    tonic::Streaming<policy_classifier::proto::ClassifyResponse>,
    tokio::sync::mpsc::Sender<ClassifyRequest>,
) {
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let (a, _) = sample_articles().remove(0);
    sender.send(request(a)).await.unwrap();
    let mut call = tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(receiver));
    if let Some(timeout) = timeout {
        call.set_timeout(timeout);
    }
    let responses = client.classify_stream(call).await.unwrap().into_inner();
    (responses, sender)
}

#[tokio::test]
async fn streams_end_at_their_deadline_with_deadline_exceeded() {
    let server = TestServer::with_limits(Limits {
        stream_timeout: Duration::from_secs(2),
        ..Limits::default()
    })
    .await;
    let mut client = server.client().await;
    // The client's deadline, then the server's --stream-timeout.
    for timeout in [Some(Duration::from_millis(500)), None] {
        let (mut responses, _open) = idle_stream(&mut client, timeout).await;
        let first = responses.message().await.unwrap();
        assert!(first.is_some(), "the first request was answered");
        let ended = tokio::time::timeout(Duration::from_secs(10), responses.message())
            .await
            .expect("the stream outlived its deadline");
        let status = ended.unwrap_err();
        assert_eq!(
            status.code(),
            Code::DeadlineExceeded,
            "{timeout:?}: {status:?}"
        );
    }
}

/// Articles big enough that a batch of them keeps a core busy for a while.
fn heavy_batch(articles: usize) -> ClassifyBatchRequest {
    let body = sample_articles()
        .into_iter()
        .map(|(a, _)| a.body)
        .collect::<Vec<_>>()
        .concat()
        .repeat(40);
    batch(
        (0..articles)
            .map(|i| article(&i.to_string(), "工程", &body))
            .collect(),
    )
}

#[tokio::test]
async fn full_server_sheds_load_and_still_answers_health_and_model_info() {
    let server = TestServer::with_limits(Limits {
        max_in_flight: 1,
        ..Limits::default()
    })
    .await;
    let mut calls = Vec::new();
    for _ in 0..6 {
        let mut client = server.client().await;
        calls.push(tokio::spawn(async move {
            client.classify_batch(heavy_batch(64)).await.map(|_| ())
        }));
    }
    let mut info = server.client().await;
    let model = info
        .get_model_info(policy_classifier::proto::GetModelInfoRequest {})
        .await;
    assert!(model.is_ok(), "GetModelInfo under load: {model:?}");
    assert_eq!(
        server.health("").await,
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );
    let mut shed = 0;
    let mut served = 0;
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

#[tokio::test]
async fn a_short_deadline_ends_the_call_and_frees_the_server() {
    // The server's deadline (a client's own grpc-timeout is also enforced
    // by tonic's client, which would answer first).
    let server = TestServer::with_limits(Limits {
        max_in_flight: 1,
        request_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let mut client = server.client().await;
    // ~3 MB: under the message limit, seconds of work in a debug build.
    let status = client.classify_batch(heavy_batch(100)).await.unwrap_err();
    // The server ends the call and says why.
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(status.message().contains("--request-timeout"), "{status:?}");
    // The cancelled batch stops at its next article, so the only slot frees
    // up quickly; retry until it has (bounded).
    let (a, _) = sample_articles().remove(0);
    let mut last = None;
    for _ in 0..100 {
        match client.classify(request(a.clone())).await {
            Ok(_) => return,
            Err(status) => last = Some(status),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server never freed its slot: {last:?}");
}

/// A status message echoes the failing article's id; a megabyte id must not
/// make a megabyte `grpc-message` header (clients refuse those, or drop the
/// connection), nor carry its newlines into the client's logs.
#[tokio::test]
async fn a_huge_id_is_cut_in_the_status_message() {
    let server = TestServer::with_limits(Limits {
        max_article_chars: 50,
        ..Limits::default()
    })
    .await;
    let mut client = server.client().await;
    let (good, _) = sample_articles().remove(0);
    let huge_id = format!("line\nbreak{}", "i".repeat(1_000_000));
    let too_long = article(&huge_id, "港口", &"港".repeat(51));
    let empty = article(&huge_id, "", "");
    for bad in [too_long, empty] {
        let status = client
            .classify_batch(batch(vec![good.clone(), bad]))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        let message = status.message();
        assert!(message.len() < 8 * 1024, "{} bytes", message.len());
        assert!(
            message.starts_with("article #1 (id \"line\\nbreakiii"),
            "{message:.200}"
        );
        assert!(!message.contains('\n'));
    }
    // The connection survived.
    assert!(client.classify_batch(batch(vec![good])).await.is_ok());
}
