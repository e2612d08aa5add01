//! `PolicyClassifierAdmin`: operator calls (model reload), behind a bearer
//! token. Without a configured token the service is not served at all:
//! reflection does not list it, and [`AdminOff`] answers its calls with
//! UNIMPLEMENTED saying how to switch it on.

use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status};

use super::reload::Reloader;
use crate::proto::policy_classifier_admin_server::{
    PolicyClassifierAdmin, PolicyClassifierAdminServer,
};
use crate::proto::{ReloadModelRequest, ReloadModelResponse};

/// The environment variable holding the admin token.
pub const ADMIN_TOKEN_ENV: &str = "POLICY_CLASSIFIER_ADMIN_TOKEN";

/// The fully-qualified name of the admin service, as tonic generated it.
pub const ADMIN_SERVICE_NAME: &str =
    <PolicyClassifierAdminServer<AdminService> as tonic::server::NamedService>::NAME;

/// What a call to the admin service hears while it is off.
pub const ADMIN_OFF_MESSAGE: &str =
    "the admin service is off; start the server with POLICY_CLASSIFIER_ADMIN_TOKEN set";

/// Stands in for the admin service while it is off: tonic would answer an
/// unknown service with UNIMPLEMENTED and no message, which reads like a
/// client bug rather than a server setting.
#[derive(Debug, Clone, Copy, Default)]
pub struct AdminOff;

impl tonic::server::NamedService for AdminOff {
    const NAME: &'static str = ADMIN_SERVICE_NAME;
}

impl<B> tower_service::Service<http::Request<B>> for AdminOff {
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Request<B>) -> Self::Future {
        std::future::ready(Ok(Status::unimplemented(ADMIN_OFF_MESSAGE).into_http()))
    }
}

/// The secret callers must present. Only its SHA-256 digest is kept, so that
/// comparing digests in constant time also hides the token's length.
#[derive(Clone)]
pub struct AdminToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

impl AdminToken {
    /// `None` for an empty or blank token: that would admit anyone.
    pub fn new(token: &str) -> Option<Self> {
        let token = token.trim();
        (!token.is_empty()).then(|| Self {
            digest: Sha256::digest(token.as_bytes()).into(),
        })
    }

    /// The token from [`ADMIN_TOKEN_ENV`], if set and not blank.
    pub fn from_env() -> Option<Self> {
        std::env::var(ADMIN_TOKEN_ENV)
            .ok()
            .as_deref()
            .and_then(Self::new)
    }

    fn admits(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        self.digest.ct_eq(&presented).into()
    }

    /// Checks `authorization: Bearer <token>`.
    #[allow(clippy::result_large_err)] // tonic's interceptor signature
    pub fn check<T>(&self, request: Request<T>) -> Result<Request<T>, Status> {
        let header = request.metadata().get("authorization").ok_or_else(|| {
            Status::unauthenticated("admin calls need `authorization: Bearer <token>`")
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(bearer_token)
            .ok_or_else(|| Status::unauthenticated("authorization must be `Bearer <token>`"))?;
        if self.admits(token.trim()) {
            Ok(request)
        } else {
            Err(Status::permission_denied("admin token is not valid"))
        }
    }
}

/// The credentials of `Bearer <token>`. Auth schemes are case-insensitive
/// (RFC 7235 §2.1), so `bearer` and `BEARER` are accepted too.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim_start().split_once([' ', '\t'])?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// The `PolicyClassifierAdmin` service: model reload for operators.
pub struct AdminService {
    reloader: Arc<Reloader>,
}

impl AdminService {
    /// An admin service that reloads through `reloader`.
    pub fn new(reloader: Arc<Reloader>) -> Self {
        Self { reloader }
    }

    /// The admin service behind `token`.
    pub fn into_server(
        self,
        token: AdminToken,
    ) -> InterceptedService<
        PolicyClassifierAdminServer<Self>,
        impl tonic::service::Interceptor + Clone,
    > {
        PolicyClassifierAdminServer::with_interceptor(self, move |request| token.check(request))
    }
}

#[tonic::async_trait]
impl PolicyClassifierAdmin for AdminService {
    async fn reload_model(
        &self,
        request: Request<ReloadModelRequest>,
    ) -> Result<Response<ReloadModelResponse>, Status> {
        let path = request.into_inner().path;
        let path = (!path.trim().is_empty()).then(|| PathBuf::from(path));
        let reloaded = self.reloader.reload(path).await?;
        Ok(Response::new(ReloadModelResponse {
            previous_version: reloaded.previous_version.unwrap_or_default(),
            version: reloaded.version,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_auth(value: &str) -> Request<()> {
        let mut request = Request::new(());
        request
            .metadata_mut()
            .insert("authorization", value.parse().unwrap());
        request
    }

    #[test]
    fn right_token_passes_wrong_or_missing_is_refused() {
        let token = AdminToken::new("s3cret-token").unwrap();
        assert!(token.check(with_auth("Bearer s3cret-token")).is_ok());
        let wrong = token.check(with_auth("Bearer s3cret-tokeN")).unwrap_err();
        assert_eq!(wrong.code(), tonic::Code::PermissionDenied);
        let prefix = token.check(with_auth("Bearer s3cret")).unwrap_err();
        assert_eq!(prefix.code(), tonic::Code::PermissionDenied);
        let not_bearer = token.check(with_auth("s3cret-token")).unwrap_err();
        assert_eq!(not_bearer.code(), tonic::Code::Unauthenticated);
        let missing = token.check(Request::new(())).unwrap_err();
        assert_eq!(missing.code(), tonic::Code::Unauthenticated);
    }

    #[test]
    fn the_scheme_is_case_insensitive_the_token_is_not() {
        let token = AdminToken::new("s3cret-token").unwrap();
        for header in [
            "bearer s3cret-token",
            "BEARER s3cret-token",
            "BeArEr  s3cret-token",
            "Bearer\ts3cret-token",
        ] {
            assert!(token.check(with_auth(header)).is_ok(), "{header}");
        }
        let wrong_case = token.check(with_auth("bearer S3CRET-TOKEN")).unwrap_err();
        assert_eq!(wrong_case.code(), tonic::Code::PermissionDenied);
        for not_bearer in [
            "Basic s3cret-token",
            "Bearers3cret-token",
            "Bear s3cret-token",
        ] {
            let refused = token.check(with_auth(not_bearer)).unwrap_err();
            assert_eq!(refused.code(), tonic::Code::Unauthenticated, "{not_bearer}");
        }
    }

    #[test]
    fn blank_token_configures_nothing() {
        assert!(AdminToken::new("").is_none());
        assert!(AdminToken::new("  \t").is_none());
        assert!(!format!("{:?}", AdminToken::new("abc").unwrap()).contains("abc"));
    }
}
