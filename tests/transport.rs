//! Connection-level limits against a real server and raw HTTP/2 clients:
//! handshake and idle timeouts, the connection limit with eviction, the
//! budget for partly received messages, and peers that read no responses.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{grpc_request, sample_articles, TestServer};
use policy_classifier::classifier::ModelSource;
use policy_classifier::proto::{ClassifyRequest, SegmentRequest};
use policy_classifier::service::connections::ConnectionLimits;
use policy_classifier::service::{Hardening, ServeConfig};
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

const CLASSIFY: &str = "/policy.classifier.v1.PolicyClassifier/Classify";
const CLASSIFY_STREAM: &str = "/policy.classifier.v1.PolicyClassifier/ClassifyStream";
const SEGMENT: &str = "/policy.classifier.v1.PolicyClassifier/Segment";

async fn server(connections: ConnectionLimits) -> TestServer {
    let server = TestServer::start_with(ServeConfig {
        model: ModelSource::Shipped,
        hardening: Hardening {
            connections,
            ..Hardening::default()
        },
    })
    .await;
    // Let the health checks' connections close before a test counts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server
}

fn prefix(declared: u32) -> Vec<u8> {
    let mut p = vec![0];
    p.extend_from_slice(&declared.to_be_bytes());
    p
}

fn frame(message: &impl Message) -> Bytes {
    let payload = message.encode_to_vec();
    let mut f = prefix(payload.len() as u32);
    f.extend(payload);
    Bytes::from(f)
}

/// An HTTP/2 connection and a receiver that fires when it ends.
async fn h2_connect(
    server: &TestServer,
    builder: h2::client::Builder,
) -> (h2::client::SendRequest<Bytes>, oneshot::Receiver<()>) {
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (client, connection) = builder.handshake(tcp).await.unwrap();
    let (ended_tx, ended) = oneshot::channel();
    tokio::spawn(async move {
        let _ = connection.await;
        let _ = ended_tx.send(());
    });
    (client, ended)
}

/// The gRPC status of a response that ended before its request did.
async fn status_of(response: h2::client::ResponseFuture) -> (String, String) {
    let response = tokio::time::timeout(Duration::from_secs(20), response)
        .await
        .expect("the server answered")
        .unwrap();
    let headers = response.headers();
    let get = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    (get("grpc-status"), get("grpc-message"))
}

/// True when the server closes `tcp` within `within`.
async fn closed_within(tcp: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let read = async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue, // SETTINGS, GOAWAY: wait for the close itself
            }
        }
    };
    tokio::time::timeout(within, read).await.is_ok()
}

async fn assert_still_serving(server: &TestServer) {
    let mut client = server.client().await;
    let (article, expected) = sample_articles().remove(0);
    let response = client
        .classify(ClassifyRequest {
            article: Some(article),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(response.into_inner().label, expected);
}

#[tokio::test]
async fn a_connection_that_sends_no_request_is_closed_after_the_handshake_timeout() {
    let server = server(ConnectionLimits {
        handshake_timeout: Duration::from_millis(400),
        ..ConnectionLimits::default()
    })
    .await;
    // Half an HTTP/2 preface, then nothing: a slowloris.
    let mut partial = TcpStream::connect(server.addr).await.unwrap();
    partial.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    assert!(closed_within(&mut partial, Duration::from_secs(10)).await);
    assert!(closed_within(&mut silent, Duration::from_secs(10)).await);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "closed before its handshake timeout"
    );
    assert_still_serving(&server).await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_but_not_while_a_call_is_open() {
    let server = server(ConnectionLimits {
        idle_timeout: Duration::from_millis(400),
        ..ConnectionLimits::default()
    })
    .await;
    let (client, mut ended) = h2_connect(&server, h2::client::Builder::new()).await;
    let mut client = client.ready().await.unwrap();
    let (response, mut send) = client
        .send_request(grpc_request(&server, CLASSIFY_STREAM), false)
        .unwrap();
    let message = |i: usize| {
        let (article, _) = sample_articles().remove(i);
        frame(&ClassifyRequest {
            article: Some(article),
            ..Default::default()
        })
    };
    send.send_data(message(0), false).unwrap();
    let mut body = response.await.unwrap().into_body();
    assert!(body.data().await.unwrap().is_ok(), "first answer");
    // Longer than the idle timeout, with the stream open: no close.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(ended.try_recv().is_err(), "closed during an open call");
    send.send_data(message(1), true).unwrap();
    assert!(body.data().await.unwrap().is_ok(), "second answer");
    while body.data().await.is_some() {}
    // The call is over: now the idle timeout applies.
    let closed = tokio::time::timeout(Duration::from_secs(10), &mut ended).await;
    assert!(closed.is_ok(), "idle connection was never closed");
    assert_still_serving(&server).await;
}

#[tokio::test]
async fn at_the_connection_limit_an_idle_connection_is_evicted_and_busy_ones_are_not() {
    let server = server(ConnectionLimits {
        max_connections: 2,
        ..ConnectionLimits::default()
    })
    .await;
    let mut first = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut second = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _third = TcpStream::connect(server.addr).await.unwrap();
    assert!(
        closed_within(&mut first, Duration::from_secs(5)).await,
        "the oldest idle connection was not evicted"
    );
    drop((second.shutdown().await, _third));
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Two connections with a call in progress each: nothing to evict.
    let mut busy = Vec::new();
    for _ in 0..2 {
        let (client, ended) = h2_connect(&server, h2::client::Builder::new()).await;
        let mut client = client.ready().await.unwrap();
        let (response, send) = client
            .send_request(grpc_request(&server, CLASSIFY_STREAM), false)
            .unwrap();
        busy.push((client, response, send, ended));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut refused = TcpStream::connect(server.addr).await.unwrap();
    assert!(
        closed_within(&mut refused, Duration::from_secs(5)).await,
        "a connection past the limit was kept"
    );
    for (_, response, mut send, ended) in busy {
        let (article, _) = sample_articles().remove(0);
        let message = frame(&ClassifyRequest {
            article: Some(article),
            ..Default::default()
        });
        send.send_data(message, true).unwrap();
        let mut body = response.await.unwrap().into_body();
        assert!(
            body.data().await.unwrap().is_ok(),
            "a busy connection was cut"
        );
        drop(ended);
    }
}

#[tokio::test]
async fn partly_received_messages_are_bounded_per_connection_and_server_wide() {
    let server = server(ConnectionLimits {
        max_pending_bytes_per_connection: 1_000_000,
        max_pending_bytes: 1_500_000,
        ..ConnectionLimits::default()
    })
    .await;
    // Declares 700 kB, sends part of it and stalls.
    let stall = |client: &mut h2::client::SendRequest<Bytes>| {
        let (response, mut send) = client
            .send_request(grpc_request(&server, CLASSIFY), false)
            .unwrap();
        let mut partial = prefix(700_000);
        partial.extend(vec![0x0a; 1000]);
        send.send_data(Bytes::from(partial), false).unwrap();
        (response, send)
    };
    let (one, _one_ended) = h2_connect(&server, h2::client::Builder::new()).await;
    let mut one = one.ready().await.unwrap();
    let first = stall(&mut one);
    let (code, message) = status_of(stall(&mut one).0).await;
    assert_eq!(code, "8", "{message}");
    assert!(
        message.contains("--max-pending-bytes-per-connection"),
        "{message}"
    );

    let (two, _two_ended) = h2_connect(&server, h2::client::Builder::new()).await;
    let mut two = two.ready().await.unwrap();
    let _second = stall(&mut two);
    let (three, _three_ended) = h2_connect(&server, h2::client::Builder::new()).await;
    let mut three = three.ready().await.unwrap();
    let (code, message) = status_of(stall(&mut three).0).await;
    assert_eq!(code, "8", "{message}");
    assert!(message.contains("(--max-pending-bytes)"), "{message}");

    // The first stalled call goes away: its charge comes back, and a whole
    // message of that size is answered.
    drop((first, one));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (article, expected) = sample_articles().remove(0);
    let mut large = article.clone();
    large.body = article.body.chars().cycle().take(190_000).collect();
    let message = frame(&ClassifyRequest {
        article: Some(large),
        ..Default::default()
    });
    assert!(message.len() > 500_000 && message.len() < 1_000_000);
    let (response, mut send) = three
        .send_request(grpc_request(&server, CLASSIFY), false)
        .unwrap();
    send.send_data(message, true).unwrap();
    let mut response = response.await.unwrap();
    let mut body = Vec::new();
    while let Some(chunk) = response.body_mut().data().await {
        body.extend_from_slice(&chunk.unwrap());
    }
    let trailers = response.body_mut().trailers().await.unwrap().unwrap();
    assert_eq!(trailers.get("grpc-status").unwrap(), "0");
    let answer = policy_classifier::proto::ClassifyResponse::decode(&body[5..]).expect("an answer");
    assert_eq!(answer.label, expected);
}

#[tokio::test]
async fn a_peer_that_reads_no_responses_is_disconnected_after_the_stall_timeout() {
    let server = server(ConnectionLimits {
        stall_timeout: Duration::from_millis(500),
        ..ConnectionLimits::default()
    })
    .await;
    // A window of zero: the server may send headers but no data.
    let mut builder = h2::client::Builder::new();
    builder.initial_window_size(0);
    let (client, mut ended) = h2_connect(&server, builder).await;
    let mut client = client.ready().await.unwrap();
    // Two answers of ~800 kB each: more than a megabyte queued, unread.
    let text = "港口码头".repeat(50_000);
    let mut calls = Vec::new();
    for _ in 0..2 {
        let (response, mut send) = client
            .send_request(grpc_request(&server, SEGMENT), false)
            .unwrap();
        send.send_data(frame(&SegmentRequest { text: text.clone() }), true)
            .unwrap();
        calls.push((response, send));
    }
    let closed = tokio::time::timeout(Duration::from_secs(30), &mut ended).await;
    assert!(
        closed.is_ok(),
        "a peer that reads nothing kept its connection"
    );
    assert_still_serving(&server).await;
}
