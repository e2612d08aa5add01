//! A tower layer that observes every RPC: one debug log line per request
//! (method, status, latency, label) and the Prometheus metrics of
//! [`super::metrics`]. Handlers know nothing of it.
//!
//! gRPC reports its status in the response trailers (or in the headers of a
//! trailers-only error), and a streaming response ends long after the handler
//! returns, so the layer wraps the response body and finishes its record when
//! the trailers pass (or when the body is dropped early: the client went
//! away). Predicted labels are read back from the response messages, which
//! keeps the handlers free of observation code; only the `label` field is
//! decoded.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tonic::Code;

use super::metrics;
use super::redact::{log_field, ID_SHOWN_CHARS};

/// Adds observation to a tonic server: `Server::builder().layer(ObserveLayer)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ObserveLayer;

impl<S> tower_layer::Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Observe { inner }
    }
}

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
                if let Some(data) = frame.data_ref() {
                    this.call.read_data(data);
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
    labels: Option<LabelReader>,
    finished: bool,
}

impl Call {
    fn new(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            started: Instant::now(),
            code: None,
            labels: LabelReader::for_path(path),
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

    fn read_data(&mut self, data: &Bytes) {
        if let Some(labels) = &mut self.labels {
            labels.push(data);
        }
    }

    /// Records the call once: at its trailers, or when dropped unfinished
    /// (then the client cancelled, unless a status was already seen).
    fn finish(&mut self) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let latency = self.started.elapsed();
        let code = self.code.unwrap_or(Code::Cancelled);
        // Unknown paths answer UNIMPLEMENTED; naming them would let any
        // client create unbounded metric series.
        let (service, method) = match (code, split_path(&self.path)) {
            (Code::Unimplemented, _) | (_, None) => ("unknown", "unknown"),
            (_, Some(parts)) => parts,
        };
        let labels = self.labels.take().map(|r| r.counts).unwrap_or_default();
        metrics::record_rpc(service, method, code_name(code), latency);
        tracing::debug!(
            method = %log_field(&self.path, ID_SHOWN_CHARS),
            status = code_name(code),
            latency_ms = latency.as_secs_f64() * 1e3,
            label = %summarise_labels(&labels),
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

/// Only the `label` fields of the response messages; prost skips the rest.
#[derive(Clone, PartialEq, prost::Message)]
struct LabelOnly {
    #[prost(string, tag = "2")]
    label: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct BatchLabels {
    #[prost(message, repeated, tag = "1")]
    results: Vec<LabelOnly>,
}

/// The `result` of each `PageArticle` of a `ClassifyPageResponse`.
#[derive(Clone, PartialEq, prost::Message)]
struct PageLabels {
    #[prost(message, repeated, tag = "1")]
    articles: Vec<PageArticleLabel>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PageArticleLabel {
    #[prost(message, optional, tag = "5")]
    result: Option<LabelOnly>,
}

#[derive(Clone, Copy)]
enum Shape {
    /// Every message is a `ClassifyResponse`.
    Single,
    /// Every message is a `ClassifyBatchResponse`.
    Batch,
    /// Every message is a `ClassifyPageResponse`.
    Page,
}

/// Reassembles gRPC length-prefixed messages from body chunks, records
/// their labels in the metrics and counts them for the log line.
struct LabelReader {
    shape: Shape,
    pending: BytesMut,
    counts: LabelCounts,
}

/// The length prefix: a compression flag byte and a big-endian u32.
const PREFIX: usize = 5;

impl LabelReader {
    fn for_path(path: &str) -> Option<Self> {
        let shape = match path {
            "/policy.classifier.v1.PolicyClassifier/Classify"
            | "/policy.classifier.v1.PolicyClassifier/ClassifyStream" => Shape::Single,
            "/policy.classifier.v1.PolicyClassifier/ClassifyBatch" => Shape::Batch,
            "/policy.classifier.v1.PolicyClassifier/ClassifyPage" => Shape::Page,
            _ => return None,
        };
        Some(Self {
            shape,
            pending: BytesMut::new(),
            counts: LabelCounts::new(),
        })
    }

    fn push(&mut self, data: &Bytes) {
        self.pending.extend_from_slice(data);
        while self.pending.len() >= PREFIX {
            let compressed = self.pending[0] != 0;
            let length = u32::from_be_bytes([
                self.pending[1],
                self.pending[2],
                self.pending[3],
                self.pending[4],
            ]) as usize;
            if self.pending.len() < PREFIX + length {
                return;
            }
            self.pending.advance(PREFIX);
            let message = self.pending.split_to(length);
            if !compressed {
                self.decode(&message);
            }
        }
    }

    fn decode(&mut self, message: &[u8]) {
        use prost::Message;
        match self.shape {
            Shape::Single => {
                if let Ok(m) = LabelOnly::decode(message) {
                    self.count(m.label);
                }
            }
            Shape::Batch => {
                if let Ok(m) = BatchLabels::decode(message) {
                    m.results.into_iter().for_each(|r| self.count(r.label));
                }
            }
            Shape::Page => {
                if let Ok(m) = PageLabels::decode(message) {
                    let results = m.articles.into_iter().filter_map(|a| a.result);
                    results.for_each(|r| self.count(r.label));
                }
            }
        }
    }

    fn count(&mut self, label: String) {
        metrics::record_label(&label);
        *self.counts.entry(label).or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{ClassifyBatchResponse, ClassifyResponse};
    use prost::Message;

    fn framed(message: &impl Message) -> Vec<u8> {
        let body = message.encode_to_vec();
        let mut out = vec![0u8];
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    fn response(label: &str) -> ClassifyResponse {
        ClassifyResponse {
            id: "x".into(),
            label: label.into(),
            confidence: 0.9,
            model_version: "1-abc".into(),
            ..Default::default()
        }
    }

    #[test]
    fn labels_are_read_from_messages_split_across_chunks() {
        let mut bytes = framed(&response("trade"));
        bytes.extend(framed(&response("labor")));
        let mut reader =
            LabelReader::for_path("/policy.classifier.v1.PolicyClassifier/ClassifyStream").unwrap();
        for chunk in bytes.chunks(3) {
            reader.push(&Bytes::copy_from_slice(chunk));
        }
        let counts: Vec<_> = reader.counts.into_iter().collect();
        assert_eq!(counts, [("labor".to_owned(), 1), ("trade".to_owned(), 1)]);
    }

    #[test]
    fn batch_labels_come_in_order() {
        let batch = ClassifyBatchResponse {
            results: vec![response("urban"), response("other"), response("urban")],
        };
        let mut reader =
            LabelReader::for_path("/policy.classifier.v1.PolicyClassifier/ClassifyBatch").unwrap();
        reader.push(&Bytes::from(framed(&batch)));
        assert_eq!(summarise_labels(&reader.counts), "other=1,urban=2");
    }

    #[test]
    fn a_long_stream_keeps_one_count_per_label() {
        let mut reader =
            LabelReader::for_path("/policy.classifier.v1.PolicyClassifier/ClassifyStream").unwrap();
        for i in 0..10_000 {
            let label = if i % 2 == 0 { "trade" } else { "urban" };
            reader.push(&Bytes::from(framed(&response(label))));
        }
        assert_eq!(reader.counts.len(), 2);
        assert!(reader.pending.is_empty());
        assert_eq!(summarise_labels(&reader.counts), "trade=5000,urban=5000");
        let one = LabelCounts::from([("labor".to_owned(), 1)]);
        assert_eq!(summarise_labels(&one), "labor");
    }

    #[test]
    fn other_methods_carry_no_labels() {
        assert!(LabelReader::for_path("/grpc.health.v1.Health/Check").is_none());
        assert!(LabelReader::for_path("/policy.classifier.v1.PolicyClassifier/Segment").is_none());
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
