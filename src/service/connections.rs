//! Connection-level limits: how many connections are open at once, how long
//! one may take to send its first request, and how long one may sit with no
//! call in progress.
//!
//! Each accepted TCP stream is wrapped in a [`GuardedStream`], which fails
//! its reads once a deadline has passed; hyper then closes the connection.
//! The read side is the right place: hyper always keeps a read pending on a
//! connection, so the deadline fires even when the peer sends nothing, and
//! under TLS it covers the handshake as well (a stalled ClientHello is a
//! read that never completes). The [`super::transport`] layer tells the
//! connection when a call starts and ends, through the [`ConnectionInfo`]
//! that tonic puts in every request's extensions.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use futures_util::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tokio_stream::Stream;
use tonic::transport::server::{Connected, TcpConnectInfo};

use super::metrics;

/// The connection limits of one server.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionLimits {
    /// Connections open at once. At the limit, a new connection evicts the
    /// connection that has been idle longest, or is closed if none is idle.
    pub max_connections: usize,
    /// Time from accepting a connection to its first request's headers:
    /// bounds partial prefaces, stalled TLS handshakes and slow headers.
    pub handshake_timeout: Duration,
    /// Time a connection may stay open with no call in progress.
    pub idle_timeout: Duration,
    /// How long responses may sit unsent (more than [`STALL_BYTES`] queued
    /// for a peer that reads nothing, e.g. one that keeps its HTTP/2 window
    /// at zero) before the connection is closed.
    pub stall_timeout: Duration,
    /// Bytes of request messages that may be partly received at once on
    /// one connection (see [`super::transport`]).
    pub max_pending_bytes_per_connection: usize,
    /// The same, server-wide.
    pub max_pending_bytes: usize,
}

/// Default of [`ConnectionLimits::max_pending_bytes_per_connection`].
pub const DEFAULT_MAX_PENDING_BYTES_PER_CONNECTION: usize = 16 * 1024 * 1024;
/// Default of [`ConnectionLimits::max_pending_bytes`].
pub const DEFAULT_MAX_PENDING_BYTES: usize = 64 * 1024 * 1024;

/// Response bytes that may wait for a slow reader before the stall clock
/// starts: a few large answers' worth.
pub const STALL_BYTES: u64 = 1024 * 1024;

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: default_max_connections(),
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            stall_timeout: Duration::from_secs(30),
            max_pending_bytes_per_connection: DEFAULT_MAX_PENDING_BYTES_PER_CONNECTION,
            max_pending_bytes: DEFAULT_MAX_PENDING_BYTES,
        }
    }
}

/// 1,024 connections, or fewer when the process may not open that many
/// files: a quarter of the descriptors stay free for the model, logs and
/// the metrics port, so that the server never runs out before its limit.
pub fn default_max_connections() -> usize {
    let descriptors = open_file_limit().unwrap_or(1024);
    (descriptors - descriptors / 4).clamp(16, 1024)
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None`
/// elsewhere or when unlimited.
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The pause after a failed accept.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// The state one connection shares with the calls on it.
#[derive(Debug)]
pub struct ConnectionState {
    id: u64,
    accepted_at: Instant,
    /// Calls whose response has not ended yet.
    calls: AtomicUsize,
    /// Set by the first call: the handshake deadline no longer applies.
    seen_request: AtomicBool,
    /// When the last call ended, in milliseconds after `accepted_at`.
    idle_since_ms: AtomicU64,
    /// Set to close the connection at its next read (eviction).
    evicted: AtomicBool,
    /// The connection's reader, woken when a deadline moves or on eviction.
    reader: AtomicWaker,
    /// Response bytes handed to HTTP/2, and bytes written to the socket
    /// (frames, pings and TLS records included, so `queued - written`
    /// underestimates the backlog and never overestimates it).
    queued: AtomicU64,
    written: AtomicU64,
    /// Since when the backlog has exceeded [`STALL_BYTES`], in milliseconds
    /// after `accepted_at`; `NOT_STALLED` when it does not.
    stalled_since_ms: AtomicU64,
    /// Partly received request bytes this connection may hold.
    pub(super) pending_bytes: Arc<Semaphore>,
}

const NOT_STALLED: u64 = u64::MAX;

impl ConnectionState {
    /// Marks a call as started; the returned guard ends it when dropped.
    pub fn begin_call(self: &Arc<Self>) -> CallGuard {
        self.seen_request.store(true, Ordering::Release);
        self.calls.fetch_add(1, Ordering::AcqRel);
        CallGuard(self.clone())
    }

    /// Counts response bytes handed to HTTP/2; a backlog past
    /// [`STALL_BYTES`] wakes the reader to start the stall clock.
    fn queued(&self, bytes: usize) {
        let queued = self.queued.fetch_add(bytes as u64, Ordering::AcqRel) + bytes as u64;
        if queued.saturating_sub(self.written.load(Ordering::Acquire)) > STALL_BYTES {
            self.reader.wake();
        }
    }

    fn is_idle(&self) -> bool {
        self.calls.load(Ordering::Acquire) == 0
    }

    fn millis_since_accept(&self) -> u64 {
        self.accepted_at.elapsed().as_millis() as u64
    }

    /// Why and when this connection must next be closed, if it stays as it
    /// is now.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<(Instant, &'static str)> {
        if !self.seen_request.load(Ordering::Acquire) {
            return Some((self.accepted_at + limits.handshake_timeout, "handshake"));
        }
        let backlog = self
            .queued
            .load(Ordering::Acquire)
            .saturating_sub(self.written.load(Ordering::Acquire));
        if backlog > STALL_BYTES {
            let since = match self.stalled_since_ms.load(Ordering::Acquire) {
                NOT_STALLED => {
                    let now = self.millis_since_accept();
                    self.stalled_since_ms.store(now, Ordering::Release);
                    now
                }
                since => since,
            };
            let at = self.accepted_at + Duration::from_millis(since) + limits.stall_timeout;
            return Some((at, "stalled"));
        }
        self.stalled_since_ms.store(NOT_STALLED, Ordering::Release);
        if !self.is_idle() {
            return None;
        }
        let idle_since = Duration::from_millis(self.idle_since_ms.load(Ordering::Acquire));
        Some((self.accepted_at + idle_since + limits.idle_timeout, "idle"))
    }
}

/// Holds one call open on its connection (see [`ConnectionState::begin_call`]).
#[derive(Debug)]
pub struct CallGuard(Arc<ConnectionState>);

impl CallGuard {
    /// Counts response bytes of this call handed to HTTP/2.
    pub fn queued(&self, bytes: usize) {
        self.0.queued(bytes);
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        let state = &self.0;
        state
            .idle_since_ms
            .store(state.millis_since_accept(), Ordering::Release);
        if state.calls.fetch_sub(1, Ordering::AcqRel) == 1 {
            // The idle deadline starts now: let the reader re-arm its timer.
            state.reader.wake();
        }
    }
}

/// What tonic puts in each request's extensions for a [`GuardedStream`].
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// Addresses, as tonic reports them for plain TCP.
    pub tcp: TcpConnectInfo,
    /// The shared state of the connection.
    pub state: Arc<ConnectionState>,
}

/// The open connections, for the limit and for eviction.
#[derive(Debug)]
struct Registry {
    limits: ConnectionLimits,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<ConnectionState>>>,
}

impl Registry {
    /// Registers a new connection, evicting the longest-idle one at the
    /// limit; `None` when the limit is reached and no connection is idle.
    fn admit(&self) -> Option<Arc<ConnectionState>> {
        let mut open = self.open.lock().expect("connection registry poisoned");
        if open.len() >= self.limits.max_connections {
            let idlest = open
                .values()
                .filter(|c| c.is_idle() && !c.evicted.load(Ordering::Acquire))
                .min_by_key(|c| {
                    let deadline = c.deadline(&self.limits).map(|(at, _)| at);
                    (c.seen_request.load(Ordering::Acquire), deadline)
                })
                .cloned()?;
            idlest.evicted.store(true, Ordering::Release);
            idlest.reader.wake();
            open.remove(&idlest.id);
            metrics::record_connection_closed("evicted");
        }
        let state = Arc::new(ConnectionState {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            accepted_at: Instant::now(),
            calls: AtomicUsize::new(0),
            seen_request: AtomicBool::new(false),
            idle_since_ms: AtomicU64::new(0),
            evicted: AtomicBool::new(false),
            reader: AtomicWaker::new(),
            queued: AtomicU64::new(0),
            written: AtomicU64::new(0),
            stalled_since_ms: AtomicU64::new(NOT_STALLED),
            pending_bytes: Arc::new(Semaphore::new(self.limits.max_pending_bytes_per_connection)),
        });
        open.insert(state.id, state.clone());
        metrics::set_open_connections(open.len());
        Some(state)
    }

    fn remove(&self, id: u64) {
        let mut open = self.open.lock().expect("connection registry poisoned");
        open.remove(&id);
        metrics::set_open_connections(open.len());
    }
}

pin_project_lite::pin_project! {
    /// Accepted connections, each guarded; past the limit (with none idle to
    /// evict) a connection is closed at once, which costs less than keeping it.
    pub struct GuardedIncoming<S> {
        #[pin]
        inner: S,
        registry: Arc<Registry>,
        // After a failed accept (out of descriptors, say), a short pause
        // instead of a busy loop on a listener that keeps failing.
        backoff: Option<Pin<Box<Sleep>>>,
    }
}

impl<S> GuardedIncoming<S> {
    /// Wraps `inner`, holding every connection it yields to `limits`.
    pub fn new(inner: S, limits: ConnectionLimits) -> Self {
        let registry = Arc::new(Registry {
            limits,
            next_id: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        });
        Self {
            inner,
            registry,
            backoff: None,
        }
    }
}

impl<S> Stream for GuardedIncoming<S>
where
    S: Stream<Item = io::Result<TcpStream>>,
{
    type Item = io::Result<GuardedStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if let Some(backoff) = this.backoff.as_mut() {
            ready!(backoff.as_mut().poll(cx));
            *this.backoff = None;
        }
        loop {
            let stream = match ready!(this.inner.as_mut().poll_next(cx)) {
                Some(Ok(stream)) => stream,
                Some(Err(error)) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    *this.backoff = Some(Box::pin(tokio::time::sleep(ACCEPT_BACKOFF)));
                    return Poll::Ready(Some(Err(error)));
                }
                None => return Poll::Ready(None),
            };
            match this.registry.admit() {
                Some(state) => {
                    let limits = this.registry.limits.clone();
                    return Poll::Ready(Some(Ok(GuardedStream::new(
                        stream,
                        state,
                        this.registry.clone(),
                        limits,
                    ))));
                }
                None => {
                    metrics::record_connection_closed("limit");
                    tracing::debug!(
                        max_connections = this.registry.limits.max_connections,
                        "connection refused: at --max-connections and none idle"
                    );
                    drop(stream);
                }
            }
        }
    }
}

/// A TCP stream whose reads fail once its handshake or idle deadline has
/// passed, or once it has been evicted.
pub struct GuardedStream {
    stream: TcpStream,
    state: Arc<ConnectionState>,
    registry: Arc<Registry>,
    limits: ConnectionLimits,
    timer: Pin<Box<Sleep>>,
}

impl GuardedStream {
    fn new(
        stream: TcpStream,
        state: Arc<ConnectionState>,
        registry: Arc<Registry>,
        limits: ConnectionLimits,
    ) -> Self {
        let first = state.accepted_at + limits.handshake_timeout;
        Self {
            stream,
            state,
            registry,
            limits,
            timer: Box::pin(tokio::time::sleep_until(first)),
        }
    }

    /// `Err` when the connection must close now; otherwise arms the timer
    /// for the next deadline, so that the reader is woken when it comes.
    fn check_deadline(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        self.state.reader.register(cx.waker());
        if self.state.evicted.load(Ordering::Acquire) {
            return Err(closed("evicted to make room for a new connection"));
        }
        let Some((deadline, reason)) = self.state.deadline(&self.limits) else {
            return Ok(());
        };
        if Instant::now() >= deadline {
            metrics::record_connection_closed(reason);
            return Err(closed(match reason {
                "handshake" => "no request within the handshake timeout",
                "stalled" => "the peer read none of its responses within the stall timeout",
                _ => "no call for the idle timeout",
            }));
        }
        if self.timer.deadline() != deadline {
            self.timer.as_mut().reset(deadline);
        }
        // Registers the timer's wake-up; it cannot be ready before `deadline`.
        let _ = self.timer.as_mut().poll(cx);
        Ok(())
    }
}

fn closed(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("connection closed: {why}"))
}

impl Drop for GuardedStream {
    fn drop(&mut self) {
        self.registry.remove(self.state.id);
    }
}

impl Connected for GuardedStream {
    type ConnectInfo = ConnectionInfo;

    fn connect_info(&self) -> ConnectionInfo {
        ConnectionInfo {
            tcp: self.stream.connect_info(),
            state: self.state.clone(),
        }
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check_deadline(cx)?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = ready!(Pin::new(&mut self.stream).poll_write(cx, buf))?;
        self.state
            .written
            .fetch_add(written as u64, Ordering::AcqRel);
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = ready!(Pin::new(&mut self.stream).poll_write_vectored(cx, bufs))?;
        self.state
            .written
            .fetch_add(written as u64, Ordering::AcqRel);
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
