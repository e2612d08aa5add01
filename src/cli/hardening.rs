//! `serve` flags for limits, TLS, shutdown and logging (see
//! `docs/robustness.md`). The admin token comes only from the environment, so
//! that it never shows in `ps` or shell history.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::files::DEFAULT_MAX_MODEL_BYTES;
use crate::service::admin::AdminToken;
use crate::service::connections::{
    default_max_connections, ConnectionLimits, DEFAULT_MAX_PENDING_BYTES,
    DEFAULT_MAX_PENDING_BYTES_PER_CONNECTION,
};
use crate::service::limits::{Limits, DEFAULT_LOG_TEXT_PREFIX, DEFAULT_MAX_REQUEST_CHARS};
use crate::service::reload::ModelFiles;
use crate::service::tls::TlsFiles;
use crate::service::Hardening;

#[derive(Args, Debug)]
pub(super) struct HardeningArgs {
    /// Largest request message accepted, in bytes (RESOURCE_EXHAUSTED above).
    #[arg(long, env = "POLICY_CLASSIFIER_MAX_MESSAGE_BYTES", default_value_t = Limits::default().max_message_bytes, value_parser = at_least_one::<usize>)]
    max_message_bytes: usize,
    /// Longest article title or body, or page, in characters, as sent and
    /// after Unicode normalisation (INVALID_ARGUMENT above).
    #[arg(long, env = "POLICY_CLASSIFIER_MAX_ARTICLE_CHARS", default_value_t = Limits::default().max_article_chars, value_parser = at_least_one::<usize>)]
    max_article_chars: usize,
    /// Most characters (after Unicode normalisation) all the text of one
    /// call (its articles, page or segment text) may hold together
    /// (INVALID_ARGUMENT above).
    #[arg(long, env = "POLICY_CLASSIFIER_MAX_REQUEST_CHARS", default_value_t = DEFAULT_MAX_REQUEST_CHARS, value_parser = at_least_one::<usize>)]
    max_request_chars: usize,
    /// Most articles in one ClassifyBatch call (INVALID_ARGUMENT above).
    #[arg(long, env = "POLICY_CLASSIFIER_MAX_BATCH_ARTICLES", default_value_t = Limits::default().max_batch_articles, value_parser = at_least_one::<usize>)]
    max_batch_articles: usize,
    /// HTTP/2 concurrent streams (calls) per connection.
    #[arg(long, env = "POLICY_CLASSIFIER_MAX_CONCURRENT_STREAMS", default_value_t = Limits::default().max_concurrent_streams, value_parser = at_least_one::<u32>)]
    max_concurrent_streams: u32,
    /// Classification jobs admitted at once; more are shed with
    /// RESOURCE_EXHAUSTED. Default: 32 per CPU core.
    #[arg(long, env = "POLICY_CLASSIFIER_MAX_IN_FLIGHT", value_parser = at_least_one::<usize>)]
    max_in_flight: Option<usize>,
    /// How long a job may wait for a free --max-in-flight slot before it is
    /// shed.
    #[arg(long, env = "POLICY_CLASSIFIER_ADMISSION_WAIT", default_value = "50ms", value_parser = humantime::parse_duration)]
    admission_wait: Duration,
    /// Deadline for unary calls that set none (a shorter grpc-timeout wins).
    #[arg(long, env = "POLICY_CLASSIFIER_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    request_timeout: Duration,
    /// Deadline for ClassifyStream calls that set none (a shorter
    /// grpc-timeout wins): long-lived streams are a normal way to call.
    #[arg(long, env = "POLICY_CLASSIFIER_STREAM_TIMEOUT", default_value = "10m", value_parser = humantime::parse_duration)]
    stream_timeout: Duration,
    /// Connections open at once; at the limit a new one evicts the
    /// longest-idle connection, or is closed if none is idle. Default: 1024,
    /// or three quarters of the open-file limit if that is lower.
    #[arg(long, env = "POLICY_CLASSIFIER_MAX_CONNECTIONS", value_parser = at_least_one::<usize>)]
    max_connections: Option<usize>,
    /// Time a new connection has to send its first request (TLS handshake
    /// and HTTP/2 preface included).
    #[arg(long, env = "POLICY_CLASSIFIER_HANDSHAKE_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    handshake_timeout: Duration,
    /// Time a connection may stay open with no call in progress.
    #[arg(long, env = "POLICY_CLASSIFIER_IDLE_TIMEOUT", default_value = "2m", value_parser = humantime::parse_duration)]
    idle_timeout: Duration,
    /// Time responses may wait unread (over 1 MiB queued) before the
    /// connection is closed.
    #[arg(long, env = "POLICY_CLASSIFIER_STALL_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    stall_timeout: Duration,
    /// Bytes of partly received request messages the server holds at once
    /// (RESOURCE_EXHAUSTED above).
    #[arg(long, env = "POLICY_CLASSIFIER_MAX_PENDING_BYTES", default_value_t = DEFAULT_MAX_PENDING_BYTES, value_parser = at_least_one::<usize>)]
    max_pending_bytes: usize,
    /// The same, per connection.
    #[arg(long, env = "POLICY_CLASSIFIER_MAX_PENDING_BYTES_PER_CONNECTION", default_value_t = DEFAULT_MAX_PENDING_BYTES_PER_CONNECTION, value_parser = at_least_one::<usize>)]
    max_pending_bytes_per_connection: usize,
    /// After SIGTERM/SIGINT, how long in-flight calls may still run.
    #[arg(long, env = "POLICY_CLASSIFIER_SHUTDOWN_GRACE", default_value = "10s", value_parser = humantime::parse_duration)]
    shutdown_grace: Duration,
    /// Characters of an article's title and body that debug logs may show.
    #[arg(long, env = "POLICY_CLASSIFIER_LOG_TEXT_PREFIX", default_value_t = DEFAULT_LOG_TEXT_PREFIX)]
    log_text_prefix: usize,
    /// Largest model file read (at startup, on SIGHUP, by ReloadModel), in
    /// bytes; larger files are refused.
    #[arg(long, env = "POLICY_CLASSIFIER_MAX_MODEL_BYTES", default_value_t = DEFAULT_MAX_MODEL_BYTES, value_parser = at_least_one::<u64>)]
    max_model_bytes: u64,
    /// ReloadModel reads only files inside this directory (after resolving
    /// `..` and symlinks). Default: the directory of --model; without
    /// either, ReloadModel with a path is refused.
    #[arg(long, env = "POLICY_CLASSIFIER_RELOAD_DIR")]
    reload_dir: Option<PathBuf>,
    /// Serve TLS with this PEM certificate chain (needs --tls-key).
    #[arg(long, env = "POLICY_CLASSIFIER_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "POLICY_CLASSIFIER_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates signed by this PEM CA (mutual TLS).
    #[arg(long, env = "POLICY_CLASSIFIER_TLS_CLIENT_CA", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
}

/// A count limit: 0 would refuse every request, so it is a usage error, not
/// a setting.
fn at_least_one<T>(value: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
    T::Err: std::fmt::Display,
{
    let parsed: T = value.parse().map_err(|e: T::Err| e.to_string())?;
    if parsed < T::from(1) {
        return Err("must be at least 1".into());
    }
    Ok(parsed)
}

impl HardeningArgs {
    pub(super) fn into_hardening(self) -> Hardening {
        let defaults = Limits::default();
        let tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert,
                key,
                client_ca: self.tls_client_ca,
            }),
            _ => None,
        };
        Hardening {
            limits: Limits {
                max_message_bytes: self.max_message_bytes,
                max_article_chars: self.max_article_chars,
                max_request_chars: self.max_request_chars,
                max_batch_articles: self.max_batch_articles,
                max_concurrent_streams: self.max_concurrent_streams,
                max_in_flight: self.max_in_flight.unwrap_or(defaults.max_in_flight),
                admission_wait: self.admission_wait,
                request_timeout: self.request_timeout,
                stream_timeout: self.stream_timeout,
                log_text_prefix: self.log_text_prefix,
            },
            connections: ConnectionLimits {
                max_connections: self.max_connections.unwrap_or_else(default_max_connections),
                handshake_timeout: self.handshake_timeout,
                idle_timeout: self.idle_timeout,
                stall_timeout: self.stall_timeout,
                max_pending_bytes_per_connection: self.max_pending_bytes_per_connection,
                max_pending_bytes: self.max_pending_bytes,
            },
            tls,
            admin_token: AdminToken::from_env(),
            shutdown_grace: self.shutdown_grace,
            reload_on_sighup: true,
            model_files: ModelFiles {
                max_bytes: self.max_model_bytes,
                reload_dir: self.reload_dir,
            },
            first_load_gate: None,
        }
    }
}
