//! Server assembly: the classifier, health and reflection on one listener.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic_health::ServingStatus;

use super::handlers::ClassifierService;
use super::slot::ModelSlot;
use crate::classifier::ModelSource;
use crate::proto::policy_classifier_server::PolicyClassifierServer;
use crate::proto::FILE_DESCRIPTOR_SET;

/// The fully-qualified service name, as health checks name it.
pub const SERVICE_NAME: &str = "policy.classifier.v1.PolicyClassifier";

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub model: ModelSource,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves on `listener` until `shutdown` completes. Health answers
/// NOT_SERVING at once and SERVING as soon as the model is loaded; a model
/// that fails to load stops the server with that error.
pub async fn serve(
    listener: TcpListener,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BoxError> {
    let slot = Arc::new(ModelSlot::default());
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("", ServingStatus::NotServing)
        .await;
    health
        .set_service_status(SERVICE_NAME, ServingStatus::NotServing)
        .await;

    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let (load_failed_tx, load_failed_rx) = tokio::sync::oneshot::channel::<BoxError>();
    let loader_slot = slot.clone();
    let loader_health = health.clone();
    tokio::spawn(async move {
        let source = config.model.clone();
        let loading = std::time::Instant::now();
        match tokio::task::spawn_blocking(move || source.load()).await {
            Ok(Ok(classifier)) => {
                super::metrics::record_model_loaded(
                    classifier.model().version(),
                    loading.elapsed(),
                );
                tracing::info!(
                    version = classifier.model().version(),
                    source = %config.model,
                    "model loaded"
                );
                loader_slot.set(classifier);
                loader_health
                    .set_service_status("", ServingStatus::Serving)
                    .await;
                loader_health
                    .set_service_status(SERVICE_NAME, ServingStatus::Serving)
                    .await;
            }
            Ok(Err(e)) => drop(load_failed_tx.send(e.into())),
            Err(e) => drop(load_failed_tx.send(e.into())),
        }
    });

    let classifier = PolicyClassifierServer::new(ClassifierService::new(slot));
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let load_failed = async move {
        match load_failed_rx.await {
            Ok(error) => Err(error),
            Err(_) => std::future::pending().await,
        }
    };
    let server = Server::builder()
        .layer(super::observe::ObserveLayer)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(classifier)
        .serve_with_incoming_shutdown(incoming, shutdown);
    tokio::select! {
        result = server => result.map_err(Into::into),
        error = load_failed => error,
    }
}
