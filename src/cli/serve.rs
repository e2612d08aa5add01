//! `serve`: the gRPC server until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::hardening::HardeningArgs;
use super::{model_source, CliResult};
use crate::service::{serve, serve_metrics, ServeConfig};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Model file to serve; the shipped model when omitted.
    #[arg(long, env = "POLICY_CLASSIFIER_MODEL")]
    model: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "POLICY_CLASSIFIER_ADDR", default_value = "0.0.0.0:50051")]
    addr: SocketAddr,
    /// Serve Prometheus metrics over HTTP at this address (`GET /metrics`);
    /// off unless set.
    #[arg(long, env = "POLICY_CLASSIFIER_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,
    #[command(flatten)]
    hardening: HardeningArgs,
}

pub fn run(args: ServeArgs) -> CliResult {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        tracing::info!(config = ?args, "configuration");
        if let Some(addr) = args.metrics_addr {
            let metrics = bind("--metrics-addr", addr).await?;
            tracing::info!(metrics_addr = %metrics.local_addr()?, "serving metrics at /metrics");
            tokio::spawn(async move {
                if let Err(error) = serve_metrics(metrics).await {
                    tracing::error!(%error, "metrics endpoint stopped");
                }
            });
        }
        let listener = bind("--addr", args.addr).await?;
        let config = ServeConfig {
            model: model_source(args.model),
            hardening: args.hardening.into_hardening(),
        };
        tracing::info!(
            addr = %listener.local_addr()?,
            model = %config.model,
            tls = config.hardening.tls.is_some(),
            admin = config.hardening.admin_token.is_some(),
            "serving"
        );
        serve(listener, config, shutdown_signal())
            .await
            .map_err(|e| e as Box<dyn std::error::Error>)?;
        tracing::info!("shut down");
        Ok(())
    })
}

/// Binds `addr`; the error names the flag and the address, which the OS
/// error alone does not.
async fn bind(flag: &str, addr: SocketAddr) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|error| bind_error(flag, addr, &error))
}

fn bind_error(flag: &str, addr: SocketAddr, error: &std::io::Error) -> String {
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
