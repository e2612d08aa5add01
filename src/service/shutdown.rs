//! Graceful shutdown: report NOT_SERVING, let in-flight calls finish, but
//! never wait longer than a grace period.

use std::future::Future;
use std::time::Duration;

use tokio::sync::oneshot;
use tonic_health::server::HealthReporter;
use tonic_health::ServingStatus;

/// Splits `signal` into the future tonic drains on and one that resolves a
/// `grace` period after the signal: whoever selects on both stops waiting
/// for stragglers then.
///
/// On the signal, health turns NOT_SERVING for every service first, so load
/// balancers stop sending before the listener closes.
pub(super) fn drain(
    signal: impl Future<Output = ()> + Send + 'static,
    health: HealthReporter,
    services: &'static [&'static str],
    grace: Duration,
) -> (
    impl Future<Output = ()> + Send + 'static,
    impl Future<Output = ()> + Send + 'static,
) {
    let (signalled_tx, signalled_rx) = oneshot::channel::<()>();
    let begin = async move {
        signal.await;
        tracing::info!(grace = ?grace, "shutting down: NOT_SERVING, draining in-flight calls");
        for service in services {
            health
                .set_service_status(*service, ServingStatus::NotServing)
                .await;
        }
        let _ = signalled_tx.send(());
    };
    let deadline = async move {
        match signalled_rx.await {
            Ok(()) => tokio::time::sleep(grace).await,
            Err(_) => std::future::pending().await,
        }
        tracing::warn!("grace period over; abandoning calls still running");
    };
    (begin, deadline)
}
