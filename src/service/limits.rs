//! Input limits and load shedding: what the server refuses, and when.
//!
//! Every limit is configurable (see `serve --help` and
//! `docs/robustness.md`); past one the caller gets `INVALID_ARGUMENT` (the
//! request itself is too big) or `RESOURCE_EXHAUSTED` (the server is full),
//! with a message naming the limit and its flag.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::Status;

use super::redact::{log_field, ID_SHOWN_CHARS};
use super::status::at_article;
use crate::proto::Article;

/// The configurable limits of one server.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest encoded request message accepted, in bytes.
    pub max_message_bytes: usize,
    /// Longest title or body accepted, in Unicode scalar values.
    pub max_article_chars: usize,
    /// Most articles in one `ClassifyBatch` call.
    pub max_batch_articles: usize,
    /// HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: open calls per connection.
    pub max_concurrent_streams: u32,
    /// Classification jobs admitted at once, server-wide; the rest are shed
    /// with `RESOURCE_EXHAUSTED` instead of queueing without bound.
    pub max_in_flight: usize,
    /// How long a job may wait for a free slot before it is shed: absorbs
    /// bursts (and moments when the OS gives us no CPU) without letting a
    /// queue grow under sustained overload.
    pub admission_wait: Duration,
    /// Deadline applied to calls whose client sets none (`grpc-timeout`
    /// shorter than this wins).
    pub request_timeout: Duration,
    /// Characters of an article's title and body that may reach the logs.
    pub log_text_prefix: usize,
}

/// Enough to recognise an article in a log, too little to leak it.
pub const DEFAULT_LOG_TEXT_PREFIX: usize = 16;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_bytes: 4 * 1024 * 1024,
            max_article_chars: 200_000,
            max_batch_articles: 256,
            max_concurrent_streams: 128,
            max_in_flight: default_max_in_flight(),
            admission_wait: Duration::from_millis(50),
            request_timeout: Duration::from_secs(30),
            log_text_prefix: DEFAULT_LOG_TEXT_PREFIX,
        }
    }
}

/// Room for bursts of ordinary requests (a few hundred microseconds each)
/// without shedding at normal load, while bounding the queue to some
/// milliseconds of work per core. (4 per core shed at 80% load in the soak:
/// open-loop arrivals come in bursts.)
pub const IN_FLIGHT_PER_CORE: usize = 32;

pub fn default_max_in_flight() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    cores * IN_FLIGHT_PER_CORE
}

/// The limits in force plus the server-wide admission counter.
#[derive(Debug, Clone)]
pub struct RequestGuard {
    limits: Limits,
    in_flight: Arc<Semaphore>,
}

impl Default for RequestGuard {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl RequestGuard {
    pub fn new(limits: Limits) -> Self {
        let in_flight = Arc::new(Semaphore::new(limits.max_in_flight.max(1)));
        Self { limits, in_flight }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Admits one job, waiting at most `admission_wait` for a slot, or sheds
    /// it. Hold the permit until the work is done (not merely until the
    /// caller gives up), so abandoned work still counts against the limit
    /// while it occupies a core.
    pub async fn admit(&self) -> Result<OwnedSemaphorePermit, Status> {
        if let Ok(permit) = self.in_flight.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let wait = self.in_flight.clone().acquire_owned();
        match tokio::time::timeout(self.limits.admission_wait, wait).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Status::resource_exhausted(format!(
                "server is at its limit of {} concurrent classification jobs (--max-in-flight) and none freed within {:?} (--admission-wait); retry with backoff",
                self.limits.max_in_flight, self.limits.admission_wait
            ))),
        }
    }

    /// Checks an article against the limits and logs (at debug level) that
    /// it arrived, with no more of its text than `log_text_prefix` allows.
    pub fn check_article(&self, article: &Article) -> Result<(), Status> {
        self.check_text("title", &article.title)?;
        self.check_text("body", &article.body)?;
        let shown = self.limits.log_text_prefix;
        tracing::debug!(
            id = %log_field(&article.id, ID_SHOWN_CHARS),
            title = %log_field(&article.title, shown),
            body = %log_field(&article.body, shown),
            body_bytes = article.body.len(),
            "article received"
        );
        Ok(())
    }

    pub fn check_text(&self, field: &str, text: &str) -> Result<(), Status> {
        let max = self.limits.max_article_chars;
        // Cheap bound first: a string of at most `max` bytes has at most
        // `max` characters.
        if text.len() > max && text.chars().count() > max {
            return Err(Status::invalid_argument(format!(
                "{field} is longer than the limit of {max} characters (--max-article-chars)"
            )));
        }
        Ok(())
    }

    /// A codec failure inside a stream, with the status unary calls get.
    pub fn wire_status(&self, status: Status) -> Status {
        super::wire_status::reclassify(&status, self.limits.max_message_bytes).unwrap_or(status)
    }

    /// The batch size, then every article, naming the first that fails.
    pub fn check_batch(&self, articles: &[Article]) -> Result<(), Status> {
        let (count, max) = (articles.len(), self.limits.max_batch_articles);
        if count > max {
            return Err(Status::invalid_argument(format!(
                "batch has {count} articles, more than the limit of {max} (--max-batch-articles); split it"
            )));
        }
        for (i, article) in articles.iter().enumerate() {
            self.check_article(article)
                .map_err(|s| at_article(i, &article.id, s))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(
        max_article_chars: usize,
        max_batch_articles: usize,
        max_in_flight: usize,
    ) -> RequestGuard {
        RequestGuard::new(Limits {
            max_article_chars,
            max_batch_articles,
            max_in_flight,
            admission_wait: Duration::from_millis(20),
            ..Limits::default()
        })
    }

    #[test]
    fn text_limit_counts_characters_not_bytes() {
        let g = guard(3, 10, 1);
        assert!(g.check_text("body", "中文字").is_ok(), "9 bytes, 3 chars");
        let err = g.check_text("body", "中文字符").unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(
            err.message().contains("--max-article-chars"),
            "{}",
            err.message()
        );
        assert!(err.message().starts_with("body"));
    }

    #[test]
    fn batch_limit_names_the_flag_and_the_failing_article() {
        let g = guard(10, 2, 1);
        let article = |body: &str| Article {
            id: "b".into(),
            title: String::new(),
            body: body.into(),
        };
        assert!(g.check_batch(&[article("港口"), article("码头")]).is_ok());
        let err = g
            .check_batch(&[article("港口"), article("码头"), article("铁路")])
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(err.message().contains("--max-batch-articles"));
        let err = g
            .check_batch(&[article("港口"), article(&"长".repeat(11))])
            .unwrap_err();
        assert!(
            err.message().starts_with("article #1 (id \"b\"): body"),
            "{}",
            err.message()
        );
    }

    #[tokio::test]
    async fn admission_sheds_beyond_the_limit_and_recovers() {
        let g = guard(10, 10, 2);
        let a = g.admit().await.unwrap();
        let _b = g.admit().await.unwrap();
        let err = g.admit().await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::ResourceExhausted);
        assert!(err.message().contains("--max-in-flight"));
        // A slot freed while a job waits admits that job.
        let waiter = {
            let g = g.clone();
            tokio::spawn(async move { g.admit().await.map(drop) })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        drop(a);
        assert!(waiter.await.unwrap().is_ok());
    }
}
