//! Hot reload through the admin service: token checks, atomic swaps under
//! traffic, and refusal of damaged files.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{sample_articles, TestServer};
use policy_classifier::classifier::{ModelSource, SHIPPED_MODEL};
use policy_classifier::model::{default_labels, read_corpus, save, TrainParams};
use policy_classifier::proto::policy_classifier_admin_client::PolicyClassifierAdminClient;
use policy_classifier::proto::{ClassifyRequest, GetModelInfoRequest, ReloadModelRequest};
use policy_classifier::service::admin::AdminToken;
use policy_classifier::service::{Hardening, ServeConfig};
use tonic::Code;

const TOKEN: &str = "test-admin-token-1234";

/// A model unlike the shipped one, trained on the fixture corpus.
fn write_fixture_model(path: &Path) -> String {
    let documents = read_corpus(&["tests/fixtures/corpus.jsonl"], &default_labels()).unwrap();
    let params = TrainParams {
        trained_at: "2026-01-01T00:00:00Z".into(),
        ..TrainParams::plain()
    };
    let mut model = params.check().unwrap().fit_corpus(&documents).unwrap();
    save(&mut model, path, true).unwrap()
}

async fn server_with_admin(model: PathBuf, token: Option<&str>) -> TestServer {
    TestServer::start_with(ServeConfig {
        model: ModelSource::File(model),
        hardening: Hardening {
            admin_token: token.and_then(AdminToken::new),
            ..Hardening::default()
        },
    })
    .await
}

fn reload_request(path: &Path, token: Option<&str>) -> tonic::Request<ReloadModelRequest> {
    let mut request = tonic::Request::new(ReloadModelRequest {
        path: path.display().to_string(),
    });
    if let Some(token) = token {
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    request
}

async fn serving_version(server: &TestServer) -> String {
    let mut client = server.client().await;
    client
        .get_model_info(GetModelInfoRequest {})
        .await
        .unwrap()
        .into_inner()
        .version
}

#[tokio::test]
async fn admin_is_off_without_a_token_and_refuses_a_wrong_or_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("a.model");
    std::fs::write(&model, SHIPPED_MODEL).unwrap();

    let off = server_with_admin(model.clone(), None).await;
    let mut admin = PolicyClassifierAdminClient::new(off.channel().await);
    let status = admin
        .reload_model(reload_request(&model, Some(TOKEN)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented, "{status:?}");
    assert!(
        status.message().contains("POLICY_CLASSIFIER_ADMIN_TOKEN"),
        "the refusal says how to switch admin on: {status:?}"
    );

    let on = server_with_admin(model.clone(), Some(TOKEN)).await;
    let mut admin = PolicyClassifierAdminClient::new(on.channel().await);
    let missing = admin
        .reload_model(reload_request(&model, None))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::Unauthenticated, "{missing:?}");
    let wrong = admin
        .reload_model(reload_request(&model, Some("test-admin-token-1235")))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::PermissionDenied, "{wrong:?}");
    let ok = admin
        .reload_model(reload_request(&model, Some(TOKEN)))
        .await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn reload_under_traffic_fails_nothing_and_switches_versions_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.model");
    std::fs::write(&first, SHIPPED_MODEL).unwrap();
    let second = dir.path().join("second.model");
    let second_version = write_fixture_model(&second);

    let server = server_with_admin(first, Some(TOKEN)).await;
    let first_version = serving_version(&server).await;
    assert_ne!(first_version, second_version);

    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..4 {
        let mut client = server.client().await;
        let stop = stop.clone();
        workers.push(tokio::spawn(async move {
            let articles = sample_articles();
            let mut versions = Vec::new();
            let mut i = w;
            while !stop.load(Ordering::Relaxed) {
                let (a, _) = articles[i % articles.len()].clone();
                let response = client
                    .classify(ClassifyRequest {
                        article: Some(a),
                        explain: i % 2 == 0,
                        min_confidence: None,
                    })
                    .await
                    .expect("no request may fail during a reload");
                versions.push(response.into_inner().model_version);
                i += 1;
            }
            versions
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut admin = PolicyClassifierAdminClient::new(server.channel().await);
    let reloaded = admin
        .reload_model(reload_request(&second, Some(TOKEN)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reloaded.previous_version, first_version);
    assert_eq!(reloaded.version, second_version);
    // Once the reload has answered, every new request sees the new model.
    assert_eq!(serving_version(&server).await, second_version);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let versions = worker.await.unwrap();
        assert!(!versions.is_empty());
        // Each client sees the old version, then only the new one.
        let switch = versions
            .iter()
            .position(|v| *v == second_version)
            .expect("the new model never answered");
        assert!(versions[..switch].iter().all(|v| *v == first_version));
        assert!(versions[switch..].iter().all(|v| *v == second_version));
    }
}

#[tokio::test]
async fn damaged_truncated_or_incompatible_files_are_refused_and_the_old_model_serves() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.model");
    let version = write_fixture_model(&good);
    let bytes = std::fs::read(&good).unwrap();
    let server = server_with_admin(good, Some(TOKEN)).await;

    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x20;
    let truncated = bytes[..bytes.len() - 100].to_vec();
    let mut other_version = bytes.clone();
    other_version[8..12].copy_from_slice(&99u32.to_le_bytes());
    let cases = [
        ("flipped.model", flipped, "checksum"),
        ("truncated.model", truncated, "truncated"),
        ("v99.model", other_version, "version 99"),
        ("text.model", b"hello".to_vec(), "bad magic"),
    ];
    let mut admin = PolicyClassifierAdminClient::new(server.channel().await);
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let status = admin
            .reload_model(reload_request(&path, Some(TOKEN)))
            .await
            .unwrap_err();
        assert_eq!(
            status.code(),
            Code::FailedPrecondition,
            "{name}: {status:?}"
        );
        assert!(
            status.message().contains(expected),
            "{name}: {}",
            status.message()
        );
        assert_eq!(serving_version(&server).await, version, "{name}");
    }
    let missing = admin
        .reload_model(reload_request(
            &dir.path().join("absent.model"),
            Some(TOKEN),
        ))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::FailedPrecondition);
    assert_eq!(serving_version(&server).await, version);
}

#[tokio::test]
async fn reload_paths_outside_the_model_directory_or_not_regular_files_are_refused() {
    let served = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let good = served.path().join("good.model");
    let version = write_fixture_model(&good);
    let outside = elsewhere.path().join("other.model");
    std::fs::write(&outside, SHIPPED_MODEL).unwrap();
    let server = server_with_admin(good, Some(TOKEN)).await;
    let mut admin = PolicyClassifierAdminClient::new(server.channel().await);

    // `served/../<elsewhere>/other.model`: both are siblings in the temp dir.
    let dotted = served
        .path()
        .join("..")
        .join(elsewhere.path().file_name().unwrap())
        .join("other.model");
    let mut escaping = vec![outside.clone(), dotted];
    #[cfg(unix)]
    {
        let link = served.path().join("link.model");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        escaping.push(link);
    }
    for path in escaping {
        let status = admin
            .reload_model(reload_request(&path, Some(TOKEN)))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{path:?}: {status:?}");
        assert!(
            status.message().contains("outside the reload directory"),
            "{}",
            status.message()
        );
        assert_eq!(serving_version(&server).await, version);
    }

    #[cfg(unix)]
    {
        let fifo = served.path().join("pipe.model");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let reload = admin.reload_model(reload_request(&fifo, Some(TOKEN)));
        let status = tokio::time::timeout(std::time::Duration::from_secs(10), reload)
            .await
            .expect("a FIFO must not block the reload")
            .unwrap_err();
        assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
        assert!(
            status.message().contains("pipe.model"),
            "{}",
            status.message()
        );
        assert!(
            status
                .message()
                .contains("not a regular file (it is a FIFO)"),
            "{}",
            status.message()
        );
        assert_eq!(serving_version(&server).await, version);
    }
}

/// The services reflection lists, as `grpcurl list` prints them.
async fn listed_services(server: &TestServer) -> Vec<String> {
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;

    let mut client = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await.unwrap().expect("one response");
    match response.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("not a service list: {other:?}"),
    }
}

#[tokio::test]
async fn reflection_lists_the_admin_service_only_when_it_is_on() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("a.model");
    std::fs::write(&model, SHIPPED_MODEL).unwrap();
    let admin = "policy.classifier.v1.PolicyClassifierAdmin";

    let off = listed_services(&server_with_admin(model.clone(), None).await).await;
    assert!(
        off.iter()
            .any(|s| s == "policy.classifier.v1.PolicyClassifier"),
        "{off:?}"
    );
    assert!(!off.iter().any(|s| s == admin), "{off:?}");

    let on = listed_services(&server_with_admin(model, Some(TOKEN)).await).await;
    assert!(on.iter().any(|s| s == admin), "{on:?}");
}
