//! A tower layer that observes every RPC: one debug log line per request
//! (method, status, latency, label) and the Prometheus metrics of
//! [`super::metrics`].
//!
//! gRPC reports its status in the response trailers (or in the headers of a
//! trailers-only error), and a streaming response ends long after the handler
//! returns, so the layer wraps the response body and finishes its record when
//! the trailers pass (or when the body is dropped early: the client went
//! away). What a call classified (labels and coverage) the handler leaves
//! in the response's extensions as an [`Answered`]; the layer records it as
//! the body's data passes, whatever the method and however the body is
//! encoded or compressed. Methods whose responses carry none have no label
//! metrics.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tonic::Code;

use super::metrics;
use super::redact::{log_field, ID_SHOWN_CHARS};
use super::rpc::Answers;

/// Adds observation to a tonic server: `Server::builder().layer(ObserveLayer)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ObserveLayer;

impl<S> tower_layer::Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Observe { inner }
    }
}

/// The observation layer's service: logs and metrics of every call.
#[derive(Debug, Clone)]
pub struct Observe<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> tower_service::Service<http::Request<ReqBody>> for Observe<S>
where
    S: tower_service::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    ResBody: Body<Data = Bytes>,
{
    type Response = http::Response<ObservedBody<ResBody>>;
    type Error = S::Error;
    type Future = ObservedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let call = Call::new(request.uri().path());
        ObservedFuture {
            inner: self.inner.call(request),
            call: Some(call),
        }
    }
}

pin_project! {
    /// A call's response future, recording the call when it completes.
    pub struct ObservedFuture<F> {
        #[pin]
        inner: F,
        call: Option<Call>,
    }
}

impl<F, B, E> Future for ObservedFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: Body<Data = Bytes>,
{
    type Output = Result<http::Response<ObservedBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let mut call = this
            .call
            .take()
            .expect("ObservedFuture polled after completion");
        Poll::Ready(match result {
            Ok(response) => {
                // A trailers-only response (most errors) has its status here.
                call.read_status(response.headers());
                call.answered = response.extensions().get::<Answered>().cloned();
                Ok(response.map(|inner| ObservedBody { inner, call }))
            }
            Err(error) => {
                call.code = Some(Code::Internal);
                Err(error) // dropping `call` records it
            }
        })
    }
}

pin_project! {
    /// A call's response body, recording the call when it ends.
    pub struct ObservedBody<B> {
        #[pin]
        inner: B,
        call: Call,
    }
}

impl<B: Body<Data = Bytes>> Body for ObservedBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                if frame.is_data() {
                    this.call.record_answers();
                } else if let Some(trailers) = frame.trailers_ref() {
                    this.call.read_status(trailers);
                    this.call.finish();
                }
            }
            Some(Err(_)) => {
                this.call.code.get_or_insert(Code::Internal);
                this.call.finish();
            }
            None => this.call.finish(),
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// What one RPC has shown so far.
struct Call {
    path: String,
    started: Instant,
    code: Option<Code>,
    answered: Option<Answered>,
    /// How often each label was answered, for the log line.
    labels: LabelCounts,
    finished: bool,
}

impl Call {
    fn new(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            started: Instant::now(),
            code: None,
            answered: None,
            labels: LabelCounts::new(),
            finished: false,
        }
    }

    fn read_status(&mut self, headers: &HeaderMap) {
        if let Some(code) = headers
            .get("grpc-status")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i32>().ok())
        {
            self.code = Some(Code::from_i32(code));
        }
    }

    /// Records in the metrics, and counts for the log line, what the
    /// handler has answered since the last time.
    fn record_answers(&mut self) {
        let Some(answered) = &self.answered else {
            return;
        };
        for (label, coverage) in answered.take() {
            metrics::record_label(&label);
            metrics::record_coverage(coverage);
            *self.labels.entry(label).or_default() += 1;
        }
    }

    /// Records the call once: at its trailers, or when dropped unfinished
    /// (then the client cancelled, unless a status was already seen).
    fn finish(&mut self) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        self.record_answers();
        let latency = self.started.elapsed();
        let code = self.code.unwrap_or(Code::Cancelled);
        // Unknown paths answer UNIMPLEMENTED; naming them would let any
        // client create unbounded metric series.
        let (service, method) = match (code, split_path(&self.path)) {
            (Code::Unimplemented, _) | (_, None) => ("unknown", "unknown"),
            (_, Some(parts)) => parts,
        };
        metrics::record_rpc(service, method, code_name(code), latency);
        tracing::debug!(
            method = %log_field(&self.path, ID_SHOWN_CHARS),
            status = code_name(code),
            latency_ms = latency.as_secs_f64() * 1e3,
            label = %summarise_labels(&self.labels),
            "request"
        );
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `/package.Service/Method` → `(package.Service, Method)`.
fn split_path(path: &str) -> Option<(&str, &str)> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    (!service.is_empty() && !method.is_empty() && !method.contains('/'))
        .then_some((service, method))
}

/// The one label, or `label=count,...` for a batch or stream.
fn summarise_labels(counts: &LabelCounts) -> String {
    match counts.iter().collect::<Vec<_>>().as_slice() {
        [] => String::new(),
        [(label, 1)] => (*label).clone(),
        many => {
            let parts: Vec<String> = many.iter().map(|(l, n)| format!("{l}={n}")).collect();
            parts.join(",")
        }
    }
}

/// How often each label was answered in one call. A stream's state stays
/// this size however many messages it carries (one entry per label).
type LabelCounts = std::collections::BTreeMap<String, usize>;

/// The canonical upper-case name of a status code, as gRPC documents it.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// What a call answered, by the handler for this layer: put it in the
/// response's extensions and [`Answered::add`] each response message (a
/// stream's as it sends them). Shared, so that a stream can go on adding
/// after its response has left; the layer takes what is pending at each
/// data frame, so it holds only the answers not yet sent.
#[derive(Debug, Clone, Default)]
pub(super) struct Answered {
    pending: Arc<Mutex<Vec<(String, f64)>>>,
}

impl Answered {
    /// What `response` answers: each classification's label and coverage.
    pub(super) fn add(&self, response: &impl Answers) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.extend(response.answers().map(|a| (a.label.clone(), a.coverage)));
    }

    fn take(&self) -> Vec<(String, f64)> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{ClassifyBatchResponse, ClassifyResponse};
    use http_body_util::BodyExt;
    use tower_layer::Layer;
    use tower_service::Service;

    fn response(label: &str) -> ClassifyResponse {
        ClassifyResponse {
            id: "x".into(),
            label: label.into(),
            confidence: 0.9,
            model_version: "1-abc".into(),
            coverage: 0.9,
            ..Default::default()
        }
    }

    fn call_answering(answered: &Answered) -> Call {
        let mut call = Call::new("/policy.classifier.v1.PolicyClassifier/ClassifyStream");
        call.answered = Some(answered.clone());
        call
    }

    #[test]
    fn answers_added_after_the_response_left_are_counted() {
        let answered = Answered::default();
        let mut call = call_answering(&answered);
        answered.add(&response("trade"));
        call.record_answers();
        answered.add(&response("labor"));
        call.record_answers();
        let counts: Vec<_> = call.labels.clone().into_iter().collect();
        assert_eq!(counts, [("labor".to_owned(), 1), ("trade".to_owned(), 1)]);
        call.finished = true; // not recorded as an RPC
    }

    #[test]
    fn batch_labels_come_in_order() {
        let batch = ClassifyBatchResponse {
            results: vec![response("urban"), response("other"), response("urban")],
        };
        let answered = Answered::default();
        let mut call = call_answering(&answered);
        answered.add(&batch);
        call.record_answers();
        assert_eq!(summarise_labels(&call.labels), "other=1,urban=2");
        call.finished = true;
    }

    #[test]
    fn a_long_stream_keeps_one_count_per_label() {
        let answered = Answered::default();
        let mut call = call_answering(&answered);
        for i in 0..10_000 {
            let label = if i % 2 == 0 { "trade" } else { "urban" };
            answered.add(&response(label));
            call.record_answers();
        }
        assert_eq!(call.labels.len(), 2);
        assert!(answered.take().is_empty());
        assert_eq!(summarise_labels(&call.labels), "trade=5000,urban=5000");
        let one = LabelCounts::from([("labor".to_owned(), 1)]);
        assert_eq!(summarise_labels(&one), "labor");
        call.finished = true;
    }

    #[test]
    fn calls_without_answers_carry_no_labels() {
        let mut call = Call::new("/grpc.health.v1.Health/Check");
        call.record_answers();
        assert!(call.labels.is_empty());
        call.finished = true;
    }

    /// The layer reads what the handler left, not the body: a compressed
    /// message (flag byte 1) of a method it has never heard of still counts.
    #[tokio::test]
    async fn labels_are_recorded_whatever_the_body_holds() {
        let label = "observe-test-compressed";
        let mut service = ObserveLayer.layer(tower::service_fn(|_request| async {
            let answered = Answered::default();
            answered.add(&response("observe-test-compressed"));
            let frames = vec![
                Ok::<_, std::convert::Infallible>(Frame::data(Bytes::from_static(
                    b"\x01\x00\x00\x00\x03abc",
                ))),
                Ok(Frame::trailers(HeaderMap::from_iter([(
                    http::header::HeaderName::from_static("grpc-status"),
                    http::HeaderValue::from_static("0"),
                )]))),
            ];
            let body = http_body_util::StreamBody::new(tokio_stream::iter(frames));
            let mut response = http::Response::new(body);
            response.extensions_mut().insert(answered);
            Ok::<_, std::convert::Infallible>(response)
        }));
        let request = http::Request::builder()
            .uri("/test.v1.Gzipped/Answer")
            .body(())
            .unwrap();
        let response = service.call(request).await.unwrap();
        response.into_body().collect().await.unwrap();
        let series = format!("policy_classifier_articles_total{{label=\"{label}\"}} 1");
        assert!(metrics::render().contains(&series), "{}", metrics::render());
    }

    #[test]
    fn paths_split_into_service_and_method() {
        assert_eq!(
            split_path("/grpc.health.v1.Health/Check"),
            Some(("grpc.health.v1.Health", "Check"))
        );
        assert_eq!(split_path("/no-method"), None);
        assert_eq!(split_path("/a/b/c"), None);
        assert_eq!(split_path(""), None);
    }
}
