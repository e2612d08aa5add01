//! Deadlines for every call, streams included.
//!
//! tonic's own timeout covers only the handler's future: a streaming call
//! returns its response at once and then ran unbounded, and an expired
//! deadline came back as `CANCELLED`. This layer owns deadlines instead: the
//! client's `grpc-timeout`, or `--request-timeout` (unary) or
//! `--stream-timeout` (streaming calls) when it sets none or a longer one.
//! When the deadline passes before the response, the call's future is
//! dropped (stopping its work, see `cancel.rs`) and the caller gets
//! `DEADLINE_EXCEEDED`; when it passes during a streamed response, the stream
//! ends there with trailers saying `DEADLINE_EXCEEDED`, and dropping the
//! body stops the work behind it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};
use tonic::Status;

use super::methods::is_streaming;

/// The `grpc-timeout` header: at most 8 digits and a unit (gRPC over HTTP/2).
pub(super) fn parse_grpc_timeout(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount.saturating_mul(3600)),
        "M" => Duration::from_secs(amount.saturating_mul(60)),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy)]
pub(super) struct DeadlineLayer {
    unary: Duration,
    streaming: Duration,
}

impl DeadlineLayer {
    pub(super) fn new(unary: Duration, streaming: Duration) -> Self {
        Self { unary, streaming }
    }
}

impl<S> tower_layer::Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Deadline {
            inner,
            limits: *self,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Deadline<S> {
    inner: S,
    limits: DeadlineLayer,
}

impl<S, ReqBody, ResBody> tower_service::Service<Request<ReqBody>> for Deadline<S>
where
    S: tower_service::Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Body<Data = Bytes>,
{
    type Response = Response<DeadlineBody<ResBody>>;
    type Error = S::Error;
    type Future = DeadlineFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let server_limit = if is_streaming(request.uri().path()) {
            self.limits.streaming
        } else {
            self.limits.unary
        };
        let timeout = parse_grpc_timeout(request.headers())
            .map_or(server_limit, |client| client.min(server_limit));
        // A deadline too far to represent is no deadline worth keeping.
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
        DeadlineFuture {
            inner: self.inner.call(request),
            timer: Some(Box::pin(tokio::time::sleep_until(deadline))),
            timeout,
        }
    }
}

fn expired_status(timeout: Duration) -> Status {
    Status::deadline_exceeded(format!(
        "deadline of {timeout:?} exceeded (the client's grpc-timeout, or the server's --request-timeout / --stream-timeout)"
    ))
}

pin_project! {
    pub struct DeadlineFuture<F> {
        #[pin]
        inner: F,
        timer: Option<Pin<Box<Sleep>>>,
        timeout: Duration,
    }
}

impl<F, B, E> Future for DeadlineFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Body<Data = Bytes>,
{
    type Output = Result<Response<DeadlineBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let timeout = *this.timeout;
        if let Poll::Ready(result) = this.inner.poll(cx) {
            let timer = this.timer.take().expect("polled after completion");
            return Poll::Ready(result.map(|response| {
                response.map(|inner| DeadlineBody {
                    inner: Some(inner),
                    timer: Some(timer),
                    timeout,
                })
            }));
        }
        let timer = this.timer.as_mut().expect("polled after completion");
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        // Trailers-only response; the inner future is dropped with us.
        this.timer.take();
        let mut response = Response::new(DeadlineBody::empty());
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/grpc"),
        );
        // Fails only for messages that cannot be header values; ours can.
        let _ = expired_status(timeout).add_header(headers);
        Poll::Ready(Ok(response))
    }
}

pin_project! {
    /// A response body that ends with `DEADLINE_EXCEEDED` trailers when the
    /// call's deadline passes before the body ends.
    pub struct DeadlineBody<B> {
        #[pin]
        inner: Option<B>,
        // `None` once the body has ended or its deadline trailers were sent.
        timer: Option<Pin<Box<Sleep>>>,
        timeout: Duration,
    }
}

impl<B> DeadlineBody<B> {
    fn empty() -> Self {
        Self {
            inner: None,
            timer: None,
            timeout: Duration::ZERO,
        }
    }
}

impl<B: Body<Data = Bytes>> Body for DeadlineBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut this = self.project();
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        if this.timer.is_none() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = inner.poll_frame(cx) {
            if frame.is_none()
                || frame
                    .as_ref()
                    .is_some_and(|f| matches!(f, Ok(f) if f.is_trailers()))
            {
                *this.timer = None;
            }
            return Poll::Ready(frame);
        }
        let timer = this.timer.as_mut().expect("checked above");
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        *this.timer = None;
        let mut trailers = HeaderMap::new();
        let _ = expired_status(*this.timeout).add_header(&mut trailers);
        Poll::Ready(Some(Ok(Frame::trailers(trailers))))
    }

    fn is_end_stream(&self) -> bool {
        self.timer.is_none() || self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Some(inner) if self.timer.is_some() => inner.size_hint(),
            _ => SizeHint::with_exact(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout(value: &str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-timeout", value.parse().unwrap());
        parse_grpc_timeout(&headers)
    }

    #[test]
    fn grpc_timeout_units_parse_and_junk_does_not() {
        assert_eq!(timeout("1S"), Some(Duration::from_secs(1)));
        assert_eq!(timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(timeout("99999999n"), Some(Duration::from_nanos(99_999_999)));
        for junk in ["", "S", "123456789S", "1x", "-1S", "1.5S"] {
            assert_eq!(timeout(junk), None, "{junk:?}");
        }
    }
}
