//! What each RPC's request means to the request policy, one impl per
//! message type (as qdrant's `Validate`): a request checks itself against
//! the limits and says what serving it costs ([`Validate`]).
//!
//! [`super::ClassifierService`] applies it to every RPC, so a new RPC
//! cannot skip the limits, admission or cancellation: it does not compile
//! until its request implements the trait.

use tonic::Status;

use super::limits::{Cost, RequestGuard};
use crate::proto::{
    Article, ClassifyBatchRequest, ClassifyPageRequest, ClassifyRequest, GetModelInfoRequest,
    SegmentRequest,
};

/// How a checked request is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Admission {
    /// CPU work of this cost: within `--max-request-chars`, admitted
    /// against `--max-in-flight`, run on the worker pool, stopped when the
    /// caller goes.
    Work(Cost),
    /// A lookup too cheap to queue (model info): answered at once, even
    /// when the server is full.
    Free,
}

/// A request that checks itself against the limits.
pub(super) trait Validate {
    /// Why the request is refused (`INVALID_ARGUMENT` naming the field and
    /// the limit's flag), or what serving it costs.
    fn validate(&self, guard: &RequestGuard) -> Result<Admission, Status>;

    /// [`Validate::validate`], then the limit every request shares: the
    /// work of one call within `--max-request-chars`.
    fn check(&self, guard: &RequestGuard) -> Result<Admission, Status> {
        match self.validate(guard)? {
            Admission::Work(cost) => guard.check_request_cost(cost).map(Admission::Work),
            Admission::Free => Ok(Admission::Free),
        }
    }
}

pub(super) fn require_article(article: &Option<Article>) -> Result<&Article, Status> {
    article
        .as_ref()
        .ok_or_else(|| Status::invalid_argument("`article` is required"))
}

impl Validate for ClassifyRequest {
    fn validate(&self, guard: &RequestGuard) -> Result<Admission, Status> {
        let article = require_article(&self.article)?;
        guard.check_article(article).map(Admission::Work)
    }
}

impl Validate for ClassifyBatchRequest {
    fn validate(&self, guard: &RequestGuard) -> Result<Admission, Status> {
        guard.check_batch(&self.articles).map(Admission::Work)
    }
}

impl Validate for SegmentRequest {
    fn validate(&self, guard: &RequestGuard) -> Result<Admission, Status> {
        guard.check_text("text", &self.text).map(Admission::Work)
    }
}

/// A page is one text: `--max-article-chars` bounds it as a whole (so every
/// article split from it is within the limit too), and like every call it
/// is within `--max-request-chars`.
impl Validate for ClassifyPageRequest {
    fn validate(&self, guard: &RequestGuard) -> Result<Admission, Status> {
        guard.check_text("text", &self.text).map(Admission::Work)
    }
}

impl Validate for GetModelInfoRequest {
    fn validate(&self, _guard: &RequestGuard) -> Result<Admission, Status> {
        Ok(Admission::Free)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::limits::Limits;

    fn guard(max_article_chars: usize, max_request_chars: usize) -> RequestGuard {
        RequestGuard::new(Limits {
            max_article_chars,
            max_request_chars,
            ..Limits::default()
        })
    }

    #[test]
    fn every_request_that_works_is_held_to_the_request_budget() {
        let g = guard(100, 5);
        let page = ClassifyPageRequest {
            text: "港口扩建工程开工".into(),
            ..Default::default()
        };
        let segment = SegmentRequest {
            text: "港口扩建工程开工".into(),
        };
        for status in [page.check(&g).unwrap_err(), segment.check(&g).unwrap_err()] {
            assert_eq!(status.code(), tonic::Code::InvalidArgument);
            assert!(
                status.message().contains("--max-request-chars"),
                "{status:?}"
            );
        }
        let short = ClassifyPageRequest {
            text: "港口".into(),
            ..Default::default()
        };
        assert_eq!(short.check(&g).unwrap(), Admission::Work(Cost(2)));
        assert_eq!(GetModelInfoRequest {}.check(&g).unwrap(), Admission::Free);
    }

    #[test]
    fn a_page_is_one_text_under_the_article_limit() {
        let status = ClassifyPageRequest {
            text: "港".repeat(11),
            ..Default::default()
        }
        .check(&guard(10, 1000))
        .unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(status.message().starts_with("text is longer"), "{status:?}");
        assert!(status.message().contains("--max-article-chars"));
    }

    #[test]
    fn a_request_without_an_article_is_refused() {
        let status = ClassifyRequest::default()
            .check(&guard(10, 10))
            .unwrap_err();
        assert_eq!(status.message(), "`article` is required");
    }
}
