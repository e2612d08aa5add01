//! Gives requests that fail before any handler runs the status codes this
//! service documents.
//!
//! tonic answers an oversized message with `OUT_OF_RANGE` and undecodable
//! protobuf (including invalid UTF-8 in a string field) with `INTERNAL`. To
//! a caller both are its own fault, not the server's: we answer
//! `RESOURCE_EXHAUSTED` naming `--max-message-bytes`, and `INVALID_ARGUMENT`.

use tonic::body::Body;
use tonic::codegen::http::Response;
use tonic::{Code, Status};
use tower::util::MapResponseLayer;

/// The status a codec failure should have been, or `None` to keep it.
pub fn reclassify(status: &Status, max_message_bytes: usize) -> Option<Status> {
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
        _ => None,
    }
}

/// A tower layer applying [`reclassify`] to trailers-only error responses
/// (the form tonic uses when decoding a unary request fails).
pub fn layer(
    max_message_bytes: usize,
) -> MapResponseLayer<impl Fn(Response<Body>) -> Response<Body> + Clone> {
    MapResponseLayer::new(move |mut response: Response<Body>| {
        let replacement = Status::from_header_map(response.headers())
            .and_then(|status| reclassify(&status, max_message_bytes));
        if let Some(status) = replacement {
            // Only fails for messages that cannot be header values; ours can.
            let _ = status.add_header(response.headers_mut());
        }
        response
    })
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
    }
}
