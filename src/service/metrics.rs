//! Prometheus metrics of the service: gRPC requests by method and status
//! code, their latency, articles by predicted label, and which model serves.
//!
//! One process-wide registry, so that the request layer ([`super::observe`])
//! and the model loader record with one call each, without threading a
//! handle through the server. Names follow go-grpc-prometheus
//! (`grpc_server_handled_total`, `grpc_server_handling_seconds`) so that
//! existing gRPC dashboards work unchanged. The HTTP endpoint that exposes
//! the registry is [`super::metrics_http`].

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    grpc_service: String,
    grpc_method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HandledLabels {
    grpc_service: String,
    grpc_method: String,
    grpc_code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LabelLabels {
    label: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    version: String,
}

type FloatGauge = Gauge<f64, std::sync::atomic::AtomicU64>;

struct Metrics {
    registry: Registry,
    handled: Family<HandledLabels, Counter>,
    latency: Family<MethodLabels, Histogram>,
    articles: Family<LabelLabels, Counter>,
    coverage: Histogram,
    model: Family<ModelLabels, Gauge>,
    model_loaded_at: FloatGauge,
    model_load_seconds: FloatGauge,
    open_connections: Gauge,
    closed_connections: Family<ReasonLabels, Counter>,
}

/// Latency buckets from 0.5 ms to about 8 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let mut registry = Registry::default();
        let handled = Family::<HandledLabels, Counter>::default();
        registry.register(
            "grpc_server_handled",
            "RPCs completed on the server, by method and gRPC status code",
            handled.clone(),
        );
        let latency = Family::<MethodLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "grpc_server_handling_seconds",
            "Time from request to the end of the response (a whole stream for streams)",
            latency.clone(),
        );
        let articles = Family::<LabelLabels, Counter>::default();
        registry.register(
            "policy_classifier_articles",
            "Articles classified, by predicted label",
            articles.clone(),
        );
        let coverage = coverage_histogram();
        registry.register(
            "policy_classifier_article_coverage",
            "Share of each classified article's words the model knows (low: text unlike the training data)",
            coverage.clone(),
        );
        let model = Family::<ModelLabels, Gauge>::default();
        registry.register(
            "policy_classifier_model_info",
            "1 for the version of the model now serving",
            model.clone(),
        );
        let model_loaded_at = FloatGauge::default();
        registry.register(
            "policy_classifier_model_loaded_timestamp_seconds",
            "Unix time at which the serving model was loaded",
            model_loaded_at.clone(),
        );
        let model_load_seconds = FloatGauge::default();
        registry.register(
            "policy_classifier_model_load_duration_seconds",
            "How long reading and decoding the serving model took",
            model_load_seconds.clone(),
        );
        let open_connections = Gauge::default();
        registry.register(
            "policy_classifier_open_connections",
            "gRPC connections open now",
            open_connections.clone(),
        );
        let closed_connections = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "policy_classifier_connections_closed_by_server",
            "Connections the server closed or refused, by reason (limit, evicted, handshake, idle, stalled)",
            closed_connections.clone(),
        );
        Metrics {
            registry,
            open_connections,
            closed_connections,
            handled,
            latency,
            articles,
            coverage,
            model,
            model_loaded_at,
            model_load_seconds,
        }
    })
}

/// One finished RPC. `service`/`method` come from the request path
/// (`/package.Service/Method`); `code` is the canonical status name.
pub fn record_rpc(service: &str, method: &str, code: &'static str, latency: Duration) {
    let m = metrics();
    m.handled
        .get_or_create(&HandledLabels {
            grpc_service: service.to_owned(),
            grpc_method: method.to_owned(),
            grpc_code: code,
        })
        .inc();
    m.latency
        .get_or_create(&MethodLabels {
            grpc_service: service.to_owned(),
            grpc_method: method.to_owned(),
        })
        .observe(latency.as_secs_f64());
}

/// The number of open gRPC connections.
pub fn set_open_connections(open: usize) {
    metrics().open_connections.set(open as i64);
}

/// A connection the server closed, or refused at accept, and why.
pub fn record_connection_closed(reason: &'static str) {
    metrics()
        .closed_connections
        .get_or_create(&ReasonLabels { reason })
        .inc();
}

/// Coverage buckets: tenths, with more resolution near 1, where news like
/// the training data sits (a shift from 0.95 to 0.85 is drift).
fn coverage_histogram() -> Histogram {
    Histogram::new([
        0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1.0,
    ])
}

/// One classified article's coverage.
pub fn record_coverage(coverage: f64) {
    metrics().coverage.observe(coverage);
}

/// One article answered with `label`.
pub fn record_label(label: &str) {
    metrics()
        .articles
        .get_or_create(&LabelLabels {
            label: label.to_owned(),
        })
        .inc();
}

/// A model became the serving one, after `load` spent reading it.
pub fn record_model_loaded(version: &str, load: Duration) {
    let m = metrics();
    m.model.clear();
    m.model
        .get_or_create(&ModelLabels {
            version: version.to_owned(),
        })
        .set(1);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    m.model_loaded_at.set(now.as_secs_f64());
    m.model_load_seconds.set(load.as_secs_f64());
}

/// Every metric in the OpenMetrics text format (which Prometheus scrapes).
pub fn render() -> String {
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &metrics().registry)
        .expect("writing to a String cannot fail");
    out
}

/// The content type of [`render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
