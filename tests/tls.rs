//! TLS and mutual TLS with certificates generated at test time (rcgen).

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{sample_articles, TestServer};
use policy_classifier::classifier::ModelSource;
use policy_classifier::proto::policy_classifier_client::PolicyClassifierClient;
use policy_classifier::proto::ClassifyRequest;
use policy_classifier::service::tls::TlsFiles;
use policy_classifier::service::{Hardening, ServeConfig};
use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

/// A CA, a server certificate for `localhost` and a client certificate, as
/// PEM files in `dir`.
struct Pki {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: String,
    client_key: String,
}

fn generate_pki(dir: &Path) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let mut server_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();

    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(vec!["test-client".to_owned()]).unwrap();
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client_params.signed_by(&client_key, &issuer).unwrap();

    let write = |name: &str, pem: String| {
        let path = dir.join(name);
        std::fs::write(&path, pem).unwrap();
        path
    };
    Pki {
        ca: write("ca.pem", ca_cert.pem()),
        server_cert: write("server.pem", server_cert.pem()),
        server_key: write("server.key", server_key.serialize_pem()),
        client_cert: client_cert.pem(),
        client_key: client_key.serialize_pem(),
    }
}

async fn tls_server(pki: &Pki, require_client_cert: bool) -> TestServer {
    TestServer::start_unready_with(ServeConfig {
        model: ModelSource::Shipped,
        hardening: Hardening {
            tls: Some(TlsFiles {
                cert: pki.server_cert.clone(),
                key: pki.server_key.clone(),
                client_ca: require_client_cert.then(|| pki.ca.clone()),
            }),
            ..Hardening::default()
        },
    })
    .await
}

async fn tls_channel(
    server: &TestServer,
    pki: &Pki,
    with_client_cert: bool,
) -> Result<Channel, String> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(std::fs::read(&pki.ca).unwrap()))
        .domain_name("localhost");
    if with_client_cert {
        tls = tls.identity(Identity::from_pem(&pki.client_cert, &pki.client_key));
    }
    Channel::from_shared(format!("https://{}", server.addr))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .map_err(|e| format!("{e:?}"))
}

/// Classifies one sample article, retrying while the model loads (for up to
/// 30 s: a debug build on a loaded 2-core machine takes over 5 s).
async fn classify(channel: Channel) -> Result<String, tonic::Status> {
    let mut client = PolicyClassifierClient::new(channel);
    let (a, _) = sample_articles().remove(3);
    let mut last = None;
    for _ in 0..1200 {
        let request = ClassifyRequest {
            article: Some(a.clone()),
            explain: false,
            min_confidence: None,
        };
        match client.classify(request).await {
            Ok(response) => return Ok(response.into_inner().label),
            Err(status)
                if status.code() == tonic::Code::Unavailable
                    && status.message().contains("no model") =>
            {
                last = Some(status);
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(status) => return Err(status),
        }
    }
    Err(last.unwrap())
}

#[tokio::test]
async fn tls_serves_tls_clients_and_refuses_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let pki = generate_pki(dir.path());
    let server = tls_server(&pki, false).await;
    let channel = tls_channel(&server, &pki, false).await.unwrap();
    assert_eq!(classify(channel).await.unwrap(), "trade");

    let plaintext = Channel::from_shared(server.url()).unwrap().connect().await;
    if let Ok(channel) = plaintext {
        assert!(
            classify(channel).await.is_err(),
            "plaintext call succeeded over TLS port"
        );
    }
}

#[tokio::test]
async fn mutual_tls_requires_a_client_certificate_from_the_ca() {
    let dir = tempfile::tempdir().unwrap();
    let pki = generate_pki(dir.path());
    let server = tls_server(&pki, true).await;

    let with_cert = tls_channel(&server, &pki, true).await.unwrap();
    assert_eq!(classify(with_cert).await.unwrap(), "trade");

    match tls_channel(&server, &pki, false).await {
        Err(_) => {} // handshake refused
        Ok(channel) => assert!(
            classify(channel).await.is_err(),
            "call without client cert succeeded"
        ),
    }

    // A client certificate from another CA is refused too.
    let other_dir = dir.path().join("other");
    std::fs::create_dir(&other_dir).unwrap();
    let other = generate_pki(&other_dir);
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(std::fs::read(&pki.ca).unwrap()))
        .domain_name("localhost")
        .identity(Identity::from_pem(&other.client_cert, &other.client_key));
    let stranger = Channel::from_shared(format!("https://{}", server.addr))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await;
    if let Ok(channel) = stranger {
        assert!(
            classify(channel).await.is_err(),
            "foreign client certificate accepted"
        );
    }
}

fn files(cert: &Path, key: &Path, client_ca: Option<&Path>) -> TlsFiles {
    TlsFiles {
        cert: cert.to_owned(),
        key: key.to_owned(),
        client_ca: client_ca.map(Path::to_owned),
    }
}

fn check_error(files: &TlsFiles) -> String {
    match files.check() {
        Ok(_) => panic!("{files:?} passed the check"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn bad_tls_files_are_named_with_their_flag_and_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let pki = generate_pki(dir.path());
    assert!(files(&pki.server_cert, &pki.server_key, Some(&pki.ca))
        .check()
        .is_ok());

    let missing = dir.path().join("missing.pem");
    let error = check_error(&files(&missing, &pki.server_key, None));
    assert!(
        error.starts_with(&format!(
            "--tls-cert {}: cannot read it:",
            missing.display()
        )) && error.contains("No such file"),
        "{error}"
    );

    // A key where the certificate should be, and the other way round.
    let error = check_error(&files(&pki.server_key, &pki.server_key, None));
    assert_eq!(
        error,
        format!(
            "--tls-cert {}: no certificate found in the PEM file",
            pki.server_key.display()
        )
    );
    let error = check_error(&files(&pki.server_cert, &pki.server_cert, None));
    assert_eq!(
        error,
        format!(
            "--tls-key {}: no private key found in the PEM file",
            pki.server_cert.display()
        )
    );

    let other_key = dir.path().join("other.key");
    std::fs::write(&other_key, KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let error = check_error(&files(&pki.server_cert, &other_key, None));
    assert!(
        error.starts_with("--tls-key ") && error.contains("does not match the certificate"),
        "{error}"
    );

    let error = check_error(&files(&pki.server_cert, &pki.server_key, Some(&missing)));
    assert!(error.starts_with("--tls-client-ca "), "{error}");
    let error = check_error(&files(
        &pki.server_cert,
        &pki.server_key,
        Some(&pki.server_key),
    ));
    assert!(
        error.starts_with("--tls-client-ca ") && error.contains("no certificate found"),
        "{error}"
    );
}

#[test]
fn an_expired_certificate_is_found_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (dir.path().join("old.pem"), dir.path().join("old.key"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    let checked = files(&cert_path, &key_path, None).check().unwrap();
    let warning = policy_classifier::service::tls::expiry_warning(
        checked.not_after,
        std::time::SystemTime::now(),
    )
    .unwrap();
    assert!(
        warning.contains("expired at 2021-01-01T00:00:00Z"),
        "{warning}"
    );
}
