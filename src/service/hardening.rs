//! Everything `serve` adds to survive hostile input, overload and faults,
//! gathered in one configuration so the server assembly stays readable.
//! See `docs/robustness.md`.

use std::sync::Arc;
use std::time::Duration;

use tonic::transport::Server;

use super::admin::AdminToken;
use super::connections::ConnectionLimits;
use super::limits::Limits;
use super::reload::ModelFiles;
use super::tls::TlsFiles;

/// Everything that bounds what a client can make the server do.
#[derive(Debug, Clone)]
pub struct Hardening {
    /// Per-request limits (sizes, counts, budget).
    pub limits: Limits,
    /// Connection count, handshake, idle and stall timeouts, and the memory
    /// partly received requests may hold.
    pub connections: ConnectionLimits,
    /// Serve TLS instead of plaintext.
    pub tls: Option<TlsFiles>,
    /// Serve `PolicyClassifierAdmin` behind this token; off when `None`.
    pub admin_token: Option<AdminToken>,
    /// How long in-flight calls may run on after a shutdown signal.
    pub shutdown_grace: Duration,
    /// Reload the model on SIGHUP (the CLI turns this on; tests need not).
    pub reload_on_sighup: bool,
    /// Size limit of model files and where `ReloadModel` may read them.
    pub model_files: ModelFiles,
    /// Tests only: the first model load waits until this is notified, so a
    /// test can observe the server before its model is loaded.
    #[doc(hidden)]
    pub first_load_gate: Option<Arc<tokio::sync::Notify>>,
}

impl Default for Hardening {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            connections: ConnectionLimits::default(),
            tls: None,
            admin_token: None,
            shutdown_grace: Duration::from_secs(10),
            reload_on_sighup: false,
            model_files: ModelFiles::default(),
            first_load_gate: None,
        }
    }
}

/// Largest header block of one request (HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE).
pub const MAX_HEADER_LIST_BYTES: u32 = 64 * 1024;

impl Hardening {
    /// A server builder with the transport-level limits and TLS applied.
    pub fn server_builder(&self) -> Result<Server, Box<dyn std::error::Error + Send + Sync>> {
        // Deadlines are applied by `deadline::DeadlineLayer`, not tonic's
        // timeout, so that streams get them too.
        let builder = Server::builder()
            .max_concurrent_streams(self.limits.max_concurrent_streams)
            // Bounds the resets a client can make us do per connection, so a
            // rapid-reset flood cannot keep us busy for free.
            .http2_max_pending_accept_reset_streams(Some(64))
            // gRPC metadata is small; hyper's default would let one request
            // carry 16 MB of headers.
            .http2_max_header_list_size(MAX_HEADER_LIST_BYTES)
            // Finds peers that vanished without closing (a call in progress
            // keeps a connection from its idle timeout).
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .http2_keepalive_timeout(Some(Duration::from_secs(10)));
        Ok(match &self.tls {
            Some(files) => builder.tls_config(files.server_config()?)?,
            None => builder,
        })
    }
}
