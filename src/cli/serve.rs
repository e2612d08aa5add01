//! `serve`: the gRPC server until SIGINT or SIGTERM.

use std::path::PathBuf;

use clap::Args;

use super::hardening::HardeningArgs;
use super::listen_addr::{self, ListenAddr};
use super::{model_source, CliResult};
use crate::service::{serve, serve_metrics, ServeConfig};

#[derive(Args, Debug)]
pub(super) struct ServeArgs {
    /// Model file to serve; the shipped model when omitted.
    #[arg(long, env = "POLICY_CLASSIFIER_MODEL")]
    model: Option<PathBuf>,
    /// Address to listen on: HOST:PORT (a host name is resolved and its
    /// first address that binds is used), a bare PORT (on 127.0.0.1) or a
    /// bare HOST (port 50051).
    #[arg(
        long,
        env = "POLICY_CLASSIFIER_ADDR",
        default_value = "0.0.0.0:50051",
        value_parser = listen_addr::grpc_addr
    )]
    addr: ListenAddr,
    /// Serve Prometheus metrics over HTTP at this address (`GET /metrics`);
    /// off unless set. Same forms as --addr; a bare HOST means port 9090.
    #[arg(long, env = "POLICY_CLASSIFIER_METRICS_ADDR", value_parser = listen_addr::metrics_addr)]
    metrics_addr: Option<ListenAddr>,
    #[command(flatten)]
    hardening: HardeningArgs,
}

pub(super) fn run(args: ServeArgs) -> CliResult {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        tracing::info!(config = ?args, "configuration");
        if let Some(addr) = &args.metrics_addr {
            let metrics = bind("--metrics-addr", addr).await?;
            tracing::info!(metrics_addr = %metrics.local_addr()?, "serving metrics at /metrics");
            tokio::spawn(async move {
                if let Err(error) = serve_metrics(metrics).await {
                    tracing::error!(%error, "metrics endpoint stopped");
                }
            });
        }
        let listener = bind("--addr", &args.addr).await?;
        let config = ServeConfig {
            model: model_source(args.model),
            hardening: args.hardening.into_hardening(),
        };
        // Health answers NOT_SERVING while the model loads; the server logs
        // "serving" once it has, or stops with the load error.
        tracing::info!(
            addr = %listener.local_addr()?,
            model = %config.model,
            "listening; loading the model"
        );
        serve(listener, config, shutdown_signal())
            .await
            .map_err(|e| e as Box<dyn std::error::Error>)?;
        tracing::info!("shut down");
        Ok(())
    })
}

/// Binds the first address `addr` resolves to that can be bound; the error
/// names the flag and the address, which the OS error alone does not.
async fn bind(flag: &str, addr: &ListenAddr) -> Result<tokio::net::TcpListener, String> {
    let candidates = addr
        .resolve()
        .await
        .map_err(|error| format!("{flag} {addr}: cannot resolve the host: {error}"))?;
    let mut first_error = None;
    for candidate in candidates {
        match tokio::net::TcpListener::bind(candidate).await {
            Ok(listener) => return Ok(listener),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    let error = first_error.expect("resolve returns at least one address");
    Err(bind_error(flag, addr, &error))
}

fn bind_error(flag: &str, addr: &ListenAddr, error: &std::io::Error) -> String {
    let hint = match error.kind() {
        std::io::ErrorKind::AddrInUse => "; is another server running there?",
        std::io::ErrorKind::AddrNotAvailable => "; is that address one of this host's?",
        std::io::ErrorKind::PermissionDenied => "; ports below 1024 need privileges",
        _ => "",
    };
    format!("{flag} {addr}: {error}{hint}")
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("install SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
