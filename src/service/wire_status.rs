//! Gives requests that fail before any handler runs the status codes this
//! service documents.
//!
//! tonic answers an oversized message with `OUT_OF_RANGE`, and undecodable
//! protobuf (including invalid UTF-8 in a string field), a body that ends
//! inside a message, a bad compression flag and an empty body with
//! `INTERNAL`. To a caller all are its own fault, not the server's: we
//! answer `RESOURCE_EXHAUSTED` naming `--max-message-bytes`, and
//! `INVALID_ARGUMENT`. A message flagged compressed without a
//! `grpc-encoding` stays `INTERNAL`: gRPC's compression spec says it MUST.
//!
//! Requests that are not gRPC at all are refused before tonic sees them: a
//! method other than POST (HTTP 405, `UNIMPLEMENTED`) and a content type
//! other than `application/grpc…` (HTTP 415, `INVALID_ARGUMENT`), as the
//! gRPC over HTTP/2 spec asks, instead of decoding them as protobuf.

use std::task::{Context, Poll};

use tonic::body::Body;
use tonic::codegen::http::{Request, Response};
use tonic::{Code, Status};

/// The status a codec failure should have been, or `None` to keep it.
pub(super) fn reclassify(status: &Status, max_message_bytes: usize) -> Option<Status> {
    match status.code() {
        Code::OutOfRange if status.message().contains("message length too large") => {
            Some(Status::resource_exhausted(format!(
                "request message is larger than the limit of {max_message_bytes} bytes (--max-message-bytes)"
            )))
        }
        Code::Internal if status.message().starts_with("failed to decode Protobuf message") => {
            Some(Status::invalid_argument(format!(
                "request is not a valid protobuf message of this API: {}",
                status.message()
            )))
        }
        Code::Internal if status.message() == "Unexpected EOF decoding stream." => {
            Some(Status::invalid_argument(
                "request body ended inside a gRPC message: the frame is truncated (its 5-byte prefix declares more bytes than were sent)",
            ))
        }
        Code::Internal if status.message() == "Missing request message." => Some(
            Status::invalid_argument("request body holds no message: a unary call needs exactly one"),
        ),
        Code::Internal
            if status
                .message()
                .starts_with("protocol error: received message with invalid compression flag") =>
        {
            Some(Status::invalid_argument(format!(
                "request frame is malformed: {}",
                status.message()
            )))
        }
        _ => None,
    }
}

/// Why a request is not a gRPC call at all, with the HTTP status to send.
fn refuse_non_grpc<B>(request: &Request<B>) -> Option<(http::StatusCode, Status)> {
    if request.method() != http::Method::POST {
        return Some((
            http::StatusCode::METHOD_NOT_ALLOWED,
            Status::unimplemented(format!(
                "gRPC calls are HTTP/2 POST requests, not {}",
                request.method()
            )),
        ));
    }
    let content_type = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let grpc = content_type
        .strip_prefix("application/grpc")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('+') || rest.starts_with(';'));
    if !grpc {
        return Some((
            http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Status::invalid_argument(format!(
                "content-type {content_type:?} is not gRPC: send application/grpc (protobuf)"
            )),
        ));
    }
    None
}

/// A tower layer that refuses requests that are not gRPC and applies
/// [`reclassify`] to trailers-only error responses (the form tonic uses when
/// decoding a unary request fails).
pub(super) fn layer(max_message_bytes: usize) -> WireStatusLayer {
    WireStatusLayer { max_message_bytes }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct WireStatusLayer {
    max_message_bytes: usize,
}

impl<S> tower_layer::Layer<S> for WireStatusLayer {
    type Service = WireStatus<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WireStatus {
            inner,
            max_message_bytes: self.max_message_bytes,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct WireStatus<S> {
    inner: S,
    max_message_bytes: usize,
}

type BoxFuture<T, E> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, E>> + Send>>;

impl<S, ReqBody> tower_service::Service<Request<ReqBody>> for WireStatus<S>
where
    S: tower_service::Service<Request<ReqBody>, Response = Response<Body>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Response<Body>, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        if let Some((http_status, status)) = refuse_non_grpc(&request) {
            let mut response = status.into_http::<Body>();
            *response.status_mut() = http_status;
            return Box::pin(std::future::ready(Ok(response)));
        }
        let max_message_bytes = self.max_message_bytes;
        let call = self.inner.call(request);
        Box::pin(async move {
            let mut response = call.await?;
            let replacement = Status::from_header_map(response.headers())
                .and_then(|status| reclassify(&status, max_message_bytes));
            if let Some(status) = replacement {
                // Only fails for messages that cannot be header values; ours can.
                let _ = status.add_header(response.headers_mut());
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_message_becomes_resource_exhausted() {
        let tonic_status = Status::out_of_range(
            "Error, decoded message length too large: found 9 bytes, the limit is: 4 bytes",
        );
        let status = reclassify(&tonic_status, 4).unwrap();
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert!(status.message().contains("--max-message-bytes"));
    }

    #[test]
    fn decode_failure_becomes_invalid_argument_and_other_statuses_stay() {
        let tonic_status = Status::internal("failed to decode Protobuf message: invalid wire type");
        assert_eq!(
            reclassify(&tonic_status, 4).unwrap().code(),
            Code::InvalidArgument
        );
        assert!(reclassify(&Status::internal("something else"), 4).is_none());
        assert!(reclassify(&Status::out_of_range("min_confidence"), 4).is_none());
        for fault in [
            "Unexpected EOF decoding stream.",
            "Missing request message.",
        ] {
            let status = reclassify(&Status::internal(fault), 4).unwrap();
            assert_eq!(status.code(), Code::InvalidArgument, "{fault}");
        }
        let spec_says_internal = Status::internal(
            "protocol error: received message with compressed-flag but no grpc-encoding was specified",
        );
        assert!(reclassify(&spec_says_internal, 4).is_none());
    }

    #[test]
    fn requests_that_are_not_grpc_are_refused() {
        let request = |method: &str, content_type: &str| {
            Request::builder()
                .method(method)
                .header("content-type", content_type)
                .body(())
                .unwrap()
        };
        for ok in [
            "application/grpc",
            "application/grpc+proto",
            "application/grpc; x=1",
        ] {
            assert!(refuse_non_grpc(&request("POST", ok)).is_none(), "{ok}");
        }
        let (http, status) = refuse_non_grpc(&request("GET", "application/grpc")).unwrap();
        assert_eq!((http.as_u16(), status.code()), (405, Code::Unimplemented));
        for bad in ["text/plain", "application/grpcx", "application/json", ""] {
            let (http, status) = refuse_non_grpc(&request("POST", bad)).unwrap();
            assert_eq!(
                (http.as_u16(), status.code()),
                (415, Code::InvalidArgument),
                "{bad}"
            );
        }
    }
}
