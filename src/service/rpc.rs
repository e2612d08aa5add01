//! What each RPC's messages mean to the request policy and to the metrics,
//! one impl per message type (as qdrant's `Validate`):
//!
//! - a request checks itself against the limits and says what serving it
//!   costs ([`Validate`]);
//! - a response says which classifications it answers ([`Answers`]), which
//!   the handler leaves in the response's extensions for
//!   [`super::observe`].
//!
//! [`super::ClassifierService`] applies both to every RPC, so a new RPC
//! cannot skip the limits, admission, cancellation or the label metrics:
//! it does not compile until its messages implement these traits.

use tonic::Status;

use super::limits::{Cost, RequestGuard};
use crate::proto::{
    Article, ClassifyBatchRequest, ClassifyBatchResponse, ClassifyPageRequest,
    ClassifyPageResponse, ClassifyRequest, ClassifyResponse, GetModelInfoRequest, ModelInfo,
    SegmentRequest, SegmentResponse,
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

/// The classifier's methods whose requests validate to [`Admission::Free`],
/// by name for the shed layer, which sees only the path
/// ([`super::methods::takes_admission`]); a test holds the two together.
pub(super) const FREE_METHODS: &[&str] = &["GetModelInfo"];

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

/// A response message: the classifications it carries, each of which the
/// metrics count by label and coverage.
pub(super) trait Answers {
    fn answers(&self) -> impl Iterator<Item = &ClassifyResponse>;
}

impl Answers for ClassifyResponse {
    fn answers(&self) -> impl Iterator<Item = &ClassifyResponse> {
        std::iter::once(self)
    }
}

impl Answers for ClassifyBatchResponse {
    fn answers(&self) -> impl Iterator<Item = &ClassifyResponse> {
        self.results.iter()
    }
}

/// Skipped articles (no `result`) answer nothing.
impl Answers for ClassifyPageResponse {
    fn answers(&self) -> impl Iterator<Item = &ClassifyResponse> {
        self.articles.iter().filter_map(|a| a.result.as_ref())
    }
}

impl Answers for SegmentResponse {
    fn answers(&self) -> impl Iterator<Item = &ClassifyResponse> {
        std::iter::empty()
    }
}

impl Answers for ModelInfo {
    fn answers(&self) -> impl Iterator<Item = &ClassifyResponse> {
        std::iter::empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::PageArticle;
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
        let batch = ClassifyBatchRequest {
            articles: vec![
                Article {
                    body: "港口扩建".into(),
                    ..Default::default()
                },
                Article {
                    body: "码头".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        for status in [
            page.check(&g).unwrap_err(),
            segment.check(&g).unwrap_err(),
            batch.check(&g).unwrap_err(),
        ] {
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
        assert_eq!(FREE_METHODS, ["GetModelInfo"]);
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

    #[test]
    fn pages_answer_their_classified_articles_only() {
        let answer = |label: &str| ClassifyResponse {
            label: label.into(),
            ..Default::default()
        };
        let page = ClassifyPageResponse {
            articles: vec![
                PageArticle {
                    result: Some(answer("trade")),
                    ..Default::default()
                },
                PageArticle {
                    skipped_reason: "too short".into(),
                    ..Default::default()
                },
                PageArticle {
                    result: Some(answer("urban")),
                    ..Default::default()
                },
            ],
        };
        let labels: Vec<&str> = page.answers().map(|a| a.label.as_str()).collect();
        assert_eq!(labels, ["trade", "urban"]);
        assert_eq!(SegmentResponse::default().answers().count(), 0);
    }
}
