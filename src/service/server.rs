//! Server assembly: the classifier, health and reflection on one listener.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic_health::ServingStatus;

use super::admin::{AdminOff, AdminService, ADMIN_SERVICE_NAME};
use super::connections::GuardedIncoming;
use super::deadline::DeadlineLayer;
use super::handlers::ClassifierService;
use super::hardening::Hardening;
use super::limits::RequestGuard;
use super::reload::{reload_on_sighup, Reloader};
use super::shed::ShedLayer;
use super::slot::ModelSlot;
use super::transport::TransportLayer;
use super::{shutdown, wire_status};
use crate::classifier::ModelSource;
use crate::proto::policy_classifier_server::PolicyClassifierServer;
use crate::proto::FILE_DESCRIPTOR_SET;

/// The fully-qualified service name, as health checks name it (tonic's
/// generated name).
pub(super) const SERVICE_NAME: &str =
    <PolicyClassifierServer<ClassifierService> as tonic::server::NamedService>::NAME;

/// What `serve` serves, where, and with which limits.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The model to serve.
    pub model: ModelSource,
    /// Limits, TLS, admin service, shutdown: see [`Hardening`].
    pub hardening: Hardening,
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

    let hardening = config.hardening.clone();
    let descriptors = served_descriptors(hardening.admin_token.is_some());
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_file_descriptor_set(descriptors.clone())
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_file_descriptor_set(descriptors)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let reloader = Arc::new(Reloader::new(
        slot.clone(),
        config.model.clone(),
        hardening.model_files.clone(),
    ));
    if hardening.reload_on_sighup {
        reload_on_sighup(reloader.clone())?;
    }
    let admin = hardening
        .admin_token
        .clone()
        .map(|token| AdminService::new(reloader.clone()).into_server(token));
    let admin_off = admin.is_none().then_some(AdminOff);
    let (load_failed_tx, load_failed_rx) = tokio::sync::oneshot::channel::<BoxError>();
    let loader_health = health.clone();
    let announce = (
        listener.local_addr()?,
        hardening.tls.is_some(),
        hardening.admin_token.is_some(),
    );
    let first_load_gate = hardening.first_load_gate.clone();
    // The first load is a reload from "no model": one code path swaps
    // models in, records the metrics and logs.
    tokio::spawn(async move {
        if let Some(gate) = first_load_gate {
            gate.notified().await;
        }
        match reloader.reload(None).await {
            Ok(_) => {
                // Parse the compiled-in page splitter now (tens of
                // milliseconds), not on the first ClassifyPage request.
                let _ = tokio::task::spawn_blocking(|| {
                    crate::page::Splitter::shipped();
                })
                .await;
                loader_health
                    .set_service_status("", ServingStatus::Serving)
                    .await;
                loader_health
                    .set_service_status(SERVICE_NAME, ServingStatus::Serving)
                    .await;
                let (addr, tls, admin) = announce;
                tracing::info!(%addr, tls, admin, "serving");
            }
            Err(e) => drop(load_failed_tx.send(e.into())),
        }
    });

    let max_message_bytes = hardening.limits.max_message_bytes;
    let guard = RequestGuard::new(hardening.limits.clone());
    let classifier =
        PolicyClassifierServer::new(ClassifierService::new(slot).with_guard(guard.clone()))
            .max_decoding_message_size(max_message_bytes);
    let (shutdown, drain_deadline) = shutdown::drain(
        shutdown,
        health.clone(),
        &["", SERVICE_NAME],
        hardening.shutdown_grace,
    );
    let incoming = GuardedIncoming::new(
        TcpIncoming::from(listener).with_nodelay(Some(true)),
        hardening.connections.clone(),
    );
    let load_failed = async move {
        match load_failed_rx.await {
            Ok(error) => Err(error),
            Err(_) => std::future::pending().await,
        }
    };
    let server = hardening
        .server_builder()?
        .layer(TransportLayer::new(
            hardening.connections.max_pending_bytes,
            max_message_bytes,
        ))
        .layer(super::observe::ObserveLayer)
        .layer(DeadlineLayer::new(
            hardening.limits.request_timeout,
            hardening.limits.stream_timeout,
        ))
        .layer(wire_status::layer(max_message_bytes))
        .layer(ShedLayer::new(guard))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(classifier)
        .add_optional_service(admin)
        .add_optional_service(admin_off)
        .serve_with_incoming_shutdown(incoming, shutdown);
    tokio::select! {
        result = server => result.map_err(Into::into),
        error = load_failed => error,
        () = drain_deadline => Ok(()),
    }
}

/// Our descriptors as reflection shows them: without the admin service's
/// file while it is off, so that `grpcurl list` shows only what answers.
fn served_descriptors(admin_on: bool) -> prost_types::FileDescriptorSet {
    let mut set = <prost_types::FileDescriptorSet as prost::Message>::decode(FILE_DESCRIPTOR_SET)
        .expect("the built-in descriptor set decodes");
    if !admin_on {
        let admin_service = ADMIN_SERVICE_NAME.rsplit('.').next().unwrap_or_default();
        // admin.proto holds the admin service and its messages only.
        set.file
            .retain(|file| !file.service.iter().any(|s| s.name() == admin_service));
    }
    set
}
