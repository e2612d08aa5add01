//! Sheds classification calls before their bodies are read when the server
//! is saturated, so that refusing a call costs as little as possible.
//!
//! Admission (`RequestGuard::admit`) runs in the handler, after tonic has
//! received and decoded the whole request. Under heavy overload that work
//! is wasted on calls that will be shed anyway, and it competes with the
//! calls being served. When as many jobs wait for admission as may be in
//! flight, this layer answers `RESOURCE_EXHAUSTED` at once from the request
//! headers. Cheap calls (health, `GetModelInfo`, reflection, admin) are
//! never shed here.

use std::task::{Context, Poll};

use tonic::body::Body;
use tonic::codegen::http::{Request, Response};

use super::limits::RequestGuard;
use super::methods::takes_admission;

#[derive(Clone)]
pub(super) struct ShedLayer {
    guard: RequestGuard,
}

impl ShedLayer {
    pub(super) fn new(guard: RequestGuard) -> Self {
        Self { guard }
    }
}

impl<S> tower_layer::Layer<S> for ShedLayer {
    type Service = Shed<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Shed {
            inner,
            guard: self.guard.clone(),
        }
    }
}

#[derive(Clone)]
pub(super) struct Shed<S> {
    inner: S,
    guard: RequestGuard,
}

impl<S, ReqBody> tower_service::Service<Request<ReqBody>> for Shed<S>
where
    S: tower_service::Service<Request<ReqBody>, Response = Response<Body>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = futures_util::future::Either<
        std::future::Ready<Result<Response<Body>, S::Error>>,
        S::Future,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        if self.guard.saturated() && takes_admission(request.uri().path()) {
            let response = self.guard.shed_status().into_http::<Body>();
            return futures_util::future::Either::Left(std::future::ready(Ok(response)));
        }
        futures_util::future::Either::Right(self.inner.call(request))
    }
}
