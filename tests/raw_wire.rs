//! Hostile bytes on the wire: malformed protobuf, invalid UTF-8, truncated
//! HTTP/2 frames, a client that never reads. After each, the server must
//! still answer an ordinary client.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{grpc_request, sample_articles, TestServer};
use policy_classifier::classifier::ModelSource;
use policy_classifier::proto::ClassifyRequest;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const CLASSIFY: &str = "/policy.classifier.v1.PolicyClassifier/Classify";
const CLASSIFY_STREAM: &str = "/policy.classifier.v1.PolicyClassifier/ClassifyStream";

/// One gRPC length-prefixed message frame around `payload`.
fn grpc_frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0];
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(payload);
    frame
}

async fn h2_connect(server: &TestServer) -> h2::client::SendRequest<Bytes> {
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Sends `body` as the whole request; returns grpc-status and grpc-message.
async fn raw_call(server: &TestServer, path: &str, body: Vec<u8>) -> (String, String) {
    let (_, status, message) = raw_request(server, grpc_request(server, path), body).await;
    (status, message)
}

/// Sends `request` with `body`; returns the HTTP status, grpc-status and
/// grpc-message.
async fn raw_request(
    server: &TestServer,
    request: http::Request<()>,
    body: Vec<u8>,
) -> (u16, String, String) {
    let client = h2_connect(server).await;
    let mut client = client.ready().await.unwrap();
    let (response, mut send) = client.send_request(request, false).unwrap();
    send.send_data(Bytes::from(body), true).unwrap();
    let response = response.await.unwrap();
    let http_status = response.status().as_u16();
    let (parts, mut body) = response.into_parts();
    let headers = if parts.headers.contains_key("grpc-status") {
        parts.headers
    } else {
        while let Some(chunk) = body.data().await {
            let chunk = chunk.unwrap();
            let _ = body.flow_control().release_capacity(chunk.len());
        }
        body.trailers().await.unwrap().expect("trailers")
    };
    let get = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    (http_status, get("grpc-status"), get("grpc-message"))
}

async fn assert_still_serving(server: &TestServer) {
    let mut client = server.client().await;
    let (a, expected) = sample_articles().remove(0);
    let call = client.classify(ClassifyRequest {
        article: Some(a),
        explain: false,
        min_confidence: None,
    });
    let response = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("server did not answer an ordinary client")
        .expect("ordinary call failed");
    assert_eq!(response.into_inner().label, expected);
}

const INVALID_ARGUMENT: &str = "3";

#[tokio::test]
async fn malformed_protobuf_is_invalid_argument() {
    let server = TestServer::start(ModelSource::Shipped).await;
    for garbage in [
        vec![0xff; 16],                     // field 31, invalid wire type
        vec![0x0a, 0x7f, 0x01],             // length runs past the end
        vec![0x0a, 0x05, 0x1a, 0x10, 0x41], // nested length runs past the end
    ] {
        let (status, message) = raw_call(&server, CLASSIFY, grpc_frame(&garbage)).await;
        assert_eq!(status, INVALID_ARGUMENT, "{garbage:?}: {message}");
    }
    assert_still_serving(&server).await;
}

#[tokio::test]
async fn invalid_utf8_in_a_string_field_is_invalid_argument() {
    let server = TestServer::start(ModelSource::Shipped).await;
    // ClassifyRequest { article (1): Article { body (3): [0xff, 0xfe, 0x41] } }
    let article = [0x1a, 0x03, 0xff, 0xfe, 0x41];
    let mut request = vec![0x0a, article.len() as u8];
    request.extend_from_slice(&article);
    let (status, message) = raw_call(&server, CLASSIFY, grpc_frame(&request)).await;
    assert_eq!(status, INVALID_ARGUMENT, "{message}");
    assert!(message.contains("UTF-8"), "{message}");
    assert_still_serving(&server).await;
}

#[tokio::test]
async fn a_grpc_frame_shorter_than_it_declares_fails_that_call_only() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let mut frame = grpc_frame(&[0x0a, 0x02, 0x1a, 0x00]);
    frame[4] = 200; // declares 200 bytes, then the stream ends
    let (status, message) = raw_call(&server, CLASSIFY, frame).await;
    assert_eq!(status, INVALID_ARGUMENT, "{message}");
    assert!(message.contains("truncated"), "{message}");
    assert_still_serving(&server).await;
}

#[tokio::test]
async fn caller_faults_on_the_wire_get_caller_fault_codes() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let message = grpc_frame(&[0x0a, 0x02, 0x1a, 0x00]);
    let mut flagged = message.clone();
    flagged[0] = 7; // neither 0 nor 1
    for (what, body) in [
        ("3-byte prefix", vec![0, 0, 0]),
        ("empty body", Vec::new()),
        ("bad compression flag", flagged),
    ] {
        let (status, message) = raw_call(&server, CLASSIFY, body).await;
        assert_eq!(status, INVALID_ARGUMENT, "{what}: {message}");
    }
    // gRPC's compression spec: a compressed flag with no grpc-encoding MUST
    // be INTERNAL.
    let mut compressed = message.clone();
    compressed[0] = 1;
    let (status, message_text) = raw_call(&server, CLASSIFY, compressed).await;
    assert_eq!(status, "13", "{message_text}");

    let mut get = grpc_request(&server, CLASSIFY);
    *get.method_mut() = http::Method::GET;
    let (http, status, text) = raw_request(&server, get, Vec::new()).await;
    assert_eq!((http, status.as_str()), (405, "12"), "{text}");
    let mut plain = grpc_request(&server, CLASSIFY);
    plain
        .headers_mut()
        .insert("content-type", "text/plain".parse().unwrap());
    let (http, status, text) = raw_request(&server, plain, message).await;
    assert_eq!((http, status.as_str()), (415, INVALID_ARGUMENT), "{text}");
    assert!(text.contains("content-type"), "{text}");
    assert_still_serving(&server).await;
}

#[tokio::test]
async fn truncated_http2_frames_do_not_hurt_the_server() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    // Frame header: 24-bit length, type, flags, 31-bit stream id.
    let settings_cut_short = [&[0x00, 0x00, 0x60, 0x04, 0x00, 0, 0, 0, 0][..], &[0; 10]].concat();
    let headers_cut_short = [&[0x00, 0x10, 0x00, 0x01, 0x04, 0, 0, 0, 1][..], &[0x82; 7]].concat();
    let garbage_preface = b"GET / HTTP/1.1\r\n\r\n\x00\x01\x02".to_vec();
    for tail in [settings_cut_short, headers_cut_short, Vec::new()] {
        let mut tcp = TcpStream::connect(server.addr).await.unwrap();
        tcp.write_all(preface).await.unwrap();
        tcp.write_all(&tail).await.unwrap();
        drop(tcp); // hang up mid-frame
    }
    // One that stays connected, mid-frame, for the rest of the test.
    let mut stalled = TcpStream::connect(server.addr).await.unwrap();
    stalled.write_all(preface).await.unwrap();
    stalled.write_all(&[0x00, 0x40, 0x00, 0x00]).await.unwrap();
    let mut not_http2 = TcpStream::connect(server.addr).await.unwrap();
    not_http2.write_all(&garbage_preface).await.unwrap();
    assert_still_serving(&server).await;
    drop(stalled);
}

#[tokio::test]
async fn a_client_that_never_reads_does_not_block_others() {
    let server = TestServer::start(ModelSource::Shipped).await;
    let (a, _) = sample_articles().remove(1);
    let message = prost::Message::encode_to_vec(&ClassifyRequest {
        article: Some(a),
        explain: true,
        min_confidence: None,
    });
    let many: Vec<u8> = (0..500).flat_map(|_| grpc_frame(&message)).collect();
    let client = h2_connect(&server).await;
    let mut unread = Vec::new();
    for _ in 0..20 {
        let mut ready = client.clone().ready().await.unwrap();
        let (response, mut send) = ready
            .send_request(grpc_request(&server, CLASSIFY_STREAM), false)
            .unwrap();
        send.reserve_capacity(many.len());
        let _ = send.send_data(Bytes::from(many.clone()), false);
        // Keep both halves alive and never poll the response body.
        unread.push((response, send));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_still_serving(&server).await;
    drop(unread);
    assert_still_serving(&server).await;
}

#[tokio::test]
async fn the_server_announces_its_stream_limit() {
    let server = TestServer::start_with(policy_classifier::service::ServeConfig {
        model: ModelSource::Shipped,
        hardening: policy_classifier::service::Hardening {
            limits: policy_classifier::service::limits::Limits {
                max_concurrent_streams: 3,
                ..Default::default()
            },
            ..Default::default()
        },
    })
    .await;
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (_client, mut connection): (h2::client::SendRequest<Bytes>, _) =
        h2::client::handshake(tcp).await.unwrap();
    // Drive the connection until the server's SETTINGS have arrived.
    let _ = tokio::time::timeout(Duration::from_millis(500), &mut connection).await;
    assert_eq!(connection.max_concurrent_send_streams(), 3);
}
