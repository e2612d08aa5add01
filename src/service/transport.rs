//! The outermost request layer: ties each call to its connection (so idle
//! connections can be closed, see [`super::connections`]) and bounds the
//! memory that partly received request messages hold.
//!
//! tonic reserves a buffer of a message's declared length as soon as its
//! 5-byte gRPC prefix arrives, and keeps it until the message is complete.
//! A client that declares 4 MB, sends part of it and stalls thus holds 4 MB
//! per stream for as long as it likes. [`PendingBody`] reads the same
//! prefixes as the bytes pass and charges each message's declared length to
//! its connection's budget and to the server's before tonic sees the prefix;
//! the charge is returned when the message's last byte has passed (tonic
//! then decodes it at once) or when the call ends. A message that does not
//! fit fails its call with `RESOURCE_EXHAUSTED` and holds nothing.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::transport::server::TlsConnectInfo;
use tonic::Status;

use super::connections::{CallGuard, ConnectionInfo, ConnectionState};

/// gRPC's message prefix: a compression flag and a big-endian length.
const PREFIX_LEN: usize = 5;

/// Adds [`Transport`] to a server: `Server::builder().layer(TransportLayer::new(..))`.
#[derive(Debug, Clone)]
pub(super) struct TransportLayer {
    pending_bytes: Arc<Semaphore>,
    max_pending_bytes: usize,
    max_message_bytes: usize,
}

impl TransportLayer {
    /// `max_pending_bytes`: partly received message bytes, server-wide.
    /// Messages declared above `max_message_bytes` are not charged: tonic
    /// refuses them before reserving anything.
    pub(super) fn new(max_pending_bytes: usize, max_message_bytes: usize) -> Self {
        Self {
            pending_bytes: Arc::new(Semaphore::new(max_pending_bytes)),
            max_pending_bytes,
            max_message_bytes,
        }
    }
}

impl<S> tower_layer::Layer<S> for TransportLayer {
    type Service = Transport<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Transport {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Transport<S> {
    inner: S,
    layer: TransportLayer,
}

fn connection_of<B>(request: &http::Request<B>) -> Option<Arc<ConnectionState>> {
    let extensions = request.extensions();
    extensions
        .get::<ConnectionInfo>()
        .or_else(|| {
            extensions
                .get::<TlsConnectInfo<ConnectionInfo>>()
                .map(|tls| tls.get_ref())
        })
        .map(|info| info.state.clone())
}

impl<S, ResBody> tower_service::Service<http::Request<tonic::body::Body>> for Transport<S>
where
    S: tower_service::Service<http::Request<tonic::body::Body>, Response = http::Response<ResBody>>,
{
    type Response = http::Response<CallBody<ResBody>>;
    type Error = S::Error;
    type Future = CallFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let connection = connection_of(&request);
        let call = connection.as_ref().map(|c| c.begin_call());
        let budget = MessageBudget {
            server: self.layer.pending_bytes.clone(),
            max_server: self.layer.max_pending_bytes,
            connection: connection.map(|c| c.pending_bytes.clone()),
            max_message_bytes: self.layer.max_message_bytes,
            prefix: [0; PREFIX_LEN],
            prefix_len: 0,
            body_left: 0,
            held: Vec::new(),
        };
        let request = request.map(|inner| tonic::body::Body::new(PendingBody { inner, budget }));
        CallFuture {
            inner: self.inner.call(request),
            call,
        }
    }
}

pin_project! {
    pub struct CallFuture<F> {
        #[pin]
        inner: F,
        call: Option<CallGuard>,
    }
}

impl<F, B, E> std::future::Future for CallFuture<F>
where
    F: std::future::Future<Output = Result<http::Response<B>, E>>,
{
    type Output = Result<http::Response<CallBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx));
        let call = this.call.take();
        Poll::Ready(response.map(|r| r.map(|inner| CallBody { inner, call })))
    }
}

pin_project! {
    /// A response body that keeps its call open on the connection until the
    /// body ends or is dropped (a stream's response outlives its handler).
    pub struct CallBody<B> {
        #[pin]
        inner: B,
        call: Option<CallGuard>,
    }
}

impl<B: Body<Data = Bytes>> Body for CallBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        if let (Some(Ok(frame)), Some(call)) = (&frame, this.call.as_ref()) {
            if let Some(data) = frame.data_ref() {
                call.queued(data.len());
            }
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

/// The budgets one request's partly received message is charged to.
struct MessageBudget {
    server: Arc<Semaphore>,
    max_server: usize,
    connection: Option<Arc<Semaphore>>,
    max_message_bytes: usize,
    prefix: [u8; PREFIX_LEN],
    prefix_len: usize,
    /// Bytes of the current message still to come after its prefix.
    body_left: usize,
    /// The current message's charge, returned when it is complete.
    held: Vec<OwnedSemaphorePermit>,
}

impl MessageBudget {
    /// Follows the gRPC framing through `chunk`, charging each message as
    /// its prefix completes and releasing it as its last byte passes.
    fn pass(&mut self, mut chunk: &[u8]) -> Result<(), Status> {
        while !chunk.is_empty() {
            if self.body_left > 0 {
                let taken = self.body_left.min(chunk.len());
                self.body_left -= taken;
                chunk = &chunk[taken..];
                if self.body_left == 0 {
                    self.held.clear();
                }
                continue;
            }
            let taken = (PREFIX_LEN - self.prefix_len).min(chunk.len());
            self.prefix[self.prefix_len..self.prefix_len + taken].copy_from_slice(&chunk[..taken]);
            self.prefix_len += taken;
            chunk = &chunk[taken..];
            if self.prefix_len == PREFIX_LEN {
                self.prefix_len = 0;
                let [_, a, b, c, d] = self.prefix;
                let declared = u32::from_be_bytes([a, b, c, d]) as usize;
                self.charge(declared)?;
                self.body_left = declared;
            }
        }
        Ok(())
    }

    fn charge(&mut self, declared: usize) -> Result<(), Status> {
        if declared == 0 || declared > self.max_message_bytes {
            return Ok(());
        }
        // Both fit in u32: `declared` is at most the message limit, which
        // the CLI bounds far below 4 GiB.
        let permits = u32::try_from(declared).unwrap_or(u32::MAX);
        if let Some(connection) = &self.connection {
            let permit = connection.clone().try_acquire_many_owned(permits).map_err(|_| {
                Status::resource_exhausted(format!(
                    "this connection already has as many partly received request bytes as it may hold (--max-pending-bytes-per-connection); a message of {declared} bytes does not fit: send fewer large messages at once"
                ))
            })?;
            self.held.push(permit);
        }
        let permit = self.server.clone().try_acquire_many_owned(permits).map_err(|_| {
            self.held.clear();
            Status::resource_exhausted(format!(
                "the server is receiving {} bytes of request messages already (--max-pending-bytes); retry with backoff",
                self.max_server
            ))
        })?;
        self.held.push(permit);
        Ok(())
    }
}

pin_project! {
    /// A request body charged to the budgets as its messages arrive.
    pub struct PendingBody<B> {
        #[pin]
        inner: B,
        budget: MessageBudget,
    }
}

impl<B> Body for PendingBody<B>
where
    B: Body<Data = Bytes, Error = Status>,
{
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        if let Some(Ok(frame)) = &frame {
            if let Some(data) = frame.data_ref() {
                this.budget.pass(data)?;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(connection: usize, server: usize) -> MessageBudget {
        MessageBudget {
            server: Arc::new(Semaphore::new(server)),
            max_server: server,
            connection: Some(Arc::new(Semaphore::new(connection))),
            max_message_bytes: 1 << 20,
            prefix: [0; PREFIX_LEN],
            prefix_len: 0,
            body_left: 0,
            held: Vec::new(),
        }
    }

    fn prefix(len: u32) -> Vec<u8> {
        let mut p = vec![0];
        p.extend_from_slice(&len.to_be_bytes());
        p
    }

    fn available(b: &MessageBudget) -> (usize, usize) {
        let c = b.connection.as_ref().unwrap().available_permits();
        (c, b.server.available_permits())
    }

    #[test]
    fn a_message_is_charged_at_its_prefix_and_released_at_its_last_byte() {
        let mut b = budget(100, 1000);
        // The prefix split across chunks, as HTTP/2 frames may split it.
        b.pass(&prefix(40)[..2]).unwrap();
        assert_eq!(available(&b), (100, 1000), "nothing declared yet");
        b.pass(&prefix(40)[2..]).unwrap();
        assert_eq!(available(&b), (60, 960), "declared length charged");
        b.pass(&[7; 39]).unwrap();
        assert_eq!(available(&b), (60, 960), "one byte still to come");
        // The last byte and the next message's prefix in one chunk.
        let mut chunk = vec![7];
        chunk.extend(prefix(10));
        b.pass(&chunk).unwrap();
        assert_eq!(available(&b), (90, 990), "first released, second charged");
    }

    #[test]
    fn a_message_over_the_connection_budget_is_refused_and_holds_nothing() {
        // Two calls on one connection share its budget.
        let mut first = budget(100, 1000);
        let mut second = budget(100, 1000);
        second.connection = first.connection.clone();
        first.pass(&prefix(60)).unwrap();
        let err = second.pass(&prefix(50)).unwrap_err();
        assert_eq!(err.code(), tonic::Code::ResourceExhausted);
        assert!(err.message().contains("--max-pending-bytes-per-connection"));
        assert_eq!(available(&second), (40, 1000), "the refusal holds nothing");
        // Once the first message is complete, the second fits.
        first.pass(&[1; 60]).unwrap();
        second.pass(&prefix(50)).unwrap();
        assert_eq!(available(&second), (50, 950));
        // A declared length the connection cannot hold at all.
        let mut b = budget(100, 1000);
        assert!(b.pass(&prefix(101)).is_err());
    }

    #[test]
    fn the_server_budget_is_shared_and_refusal_returns_the_connection_charge() {
        let server = Arc::new(Semaphore::new(100));
        let mut first = budget(100, 100);
        first.server = server.clone();
        let mut second = budget(100, 100);
        second.server = server.clone();
        first.pass(&prefix(80)).unwrap();
        let err = second.pass(&prefix(30)).unwrap_err();
        assert!(
            err.message().contains("--max-pending-bytes"),
            "{}",
            err.message()
        );
        assert_eq!(available(&second), (100, 20));
        drop(first);
        assert_eq!(
            server.available_permits(),
            100,
            "a dropped call returns its charge"
        );
    }

    #[test]
    fn oversized_and_empty_messages_are_left_to_tonic() {
        let mut b = budget(100, 1000);
        b.max_message_bytes = 50;
        b.pass(&prefix(0)).unwrap();
        b.pass(&prefix(51)).unwrap();
        assert_eq!(available(&b), (100, 1000));
    }
}
