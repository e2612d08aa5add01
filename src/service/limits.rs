//! Input limits and load shedding: what the server refuses, and when.
//!
//! Every limit is configurable (see `serve --help` and
//! `docs/robustness.md`); past one the caller gets `INVALID_ARGUMENT` (the
//! request itself is too big) or `RESOURCE_EXHAUSTED` (the server is full),
//! with a message naming the limit and its flag.

use std::sync::Arc;
use std::time::Duration;

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::Status;

use super::redact::{log_field, ID_SHOWN_CHARS};
use super::status::at_article;
use crate::proto::Article;
use crate::text::normalised_len_bound_up_to;

/// The configurable limits of one server.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest encoded request message accepted, in bytes.
    pub max_message_bytes: usize,
    /// Longest title, body or page accepted, in Unicode scalar values,
    /// both as sent and after Unicode normalisation (NFKC).
    pub max_article_chars: usize,
    /// Most characters, after normalisation, all the text of one call (an
    /// article, a batch, a streamed message, a page, a segment text) may
    /// hold together: bounds the CPU one call can cost.
    pub max_request_chars: usize,
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
    /// Deadline applied to unary calls whose client sets none
    /// (`grpc-timeout` shorter than this wins).
    pub request_timeout: Duration,
    /// The same for streaming calls, which may rightly live long.
    pub stream_timeout: Duration,
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
            max_request_chars: DEFAULT_MAX_REQUEST_CHARS,
            max_batch_articles: 256,
            max_concurrent_streams: 128,
            max_in_flight: default_max_in_flight(),
            admission_wait: Duration::from_millis(50),
            request_timeout: Duration::from_secs(30),
            stream_timeout: Duration::from_secs(600),
            log_text_prefix: DEFAULT_LOG_TEXT_PREFIX,
        }
    }
}

/// About 3 MB of Chinese text (3 bytes a character), some 70 ms of CPU on
/// the 2-core test machine (`scripts/attack.sh`): keeps every request under
/// 100 ms. A full 4 MiB message of Chinese text must be split.
pub const DEFAULT_MAX_REQUEST_CHARS: usize = 1_000_000;

/// Characters of normalised text that one admission slot pays for: about
/// a millisecond of work, several ordinary articles. A job takes one slot
/// per this many characters, so admission counts work, not calls.
pub const CHARS_PER_SLOT: usize = 16_384;

/// Room for bursts of ordinary requests (a few hundred microseconds each)
/// without shedding at normal load, while bounding the queue to some
/// milliseconds of work per core. (4 per core shed at 80% load in the soak:
/// open-loop arrivals come in bursts.)
pub const IN_FLIGHT_PER_CORE: usize = 32;

/// The default `--max-in-flight`: a few jobs per core.
pub fn default_max_in_flight() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    cores * IN_FLIGHT_PER_CORE
}

/// The limits in force plus the server-wide admission counter.
#[derive(Debug, Clone)]
pub struct RequestGuard {
    limits: Limits,
    in_flight: Arc<Semaphore>,
    /// Jobs waiting for slots now: past `max_in_flight` of them a job is
    /// shed at once, so under heavy overload shedding costs no waiting.
    waiting: Arc<AtomicUsize>,
}

/// The work a checked request carries: characters after normalisation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cost(pub usize);

impl std::ops::Add for Cost {
    type Output = Cost;
    fn add(self, other: Cost) -> Cost {
        Cost(self.0.saturating_add(other.0))
    }
}

impl std::iter::Sum for Cost {
    fn sum<I: Iterator<Item = Cost>>(costs: I) -> Cost {
        costs.fold(Cost::default(), |a, b| a + b)
    }
}

impl Default for RequestGuard {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl RequestGuard {
    /// A guard enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        let in_flight = Arc::new(Semaphore::new(limits.max_in_flight.max(1)));
        Self {
            limits,
            in_flight,
            waiting: Arc::default(),
        }
    }

    /// The slots a job of this cost takes: one per [`CHARS_PER_SLOT`]
    /// characters, at least one, at most half of all slots (so one heavy
    /// job never has to wait for the server to empty).
    fn slots(&self, cost: Cost) -> u32 {
        let most = (self.limits.max_in_flight / 2).max(1);
        let slots = cost.0.div_ceil(CHARS_PER_SLOT).clamp(1, most);
        u32::try_from(slots).unwrap_or(u32::MAX)
    }

    /// Admits one job of `cost`, waiting at most `admission_wait` for its
    /// slots, or sheds it; sheds at once when as many jobs are waiting
    /// already as may be in flight (waiting could not end well). Hold the
    /// permit until the work is done (not merely until the caller gives up),
    /// so abandoned work still counts against the limit while it occupies
    /// a core.
    pub async fn admit(&self, cost: Cost) -> Result<OwnedSemaphorePermit, Status> {
        let slots = self.slots(cost);
        if let Ok(permit) = self.in_flight.clone().try_acquire_many_owned(slots) {
            return Ok(permit);
        }
        let shed = || self.shed_status();
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.limits.max_in_flight {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(shed());
        }
        let wait = self.in_flight.clone().acquire_many_owned(slots);
        let admitted = tokio::time::timeout(self.limits.admission_wait, wait).await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        match admitted {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(shed()),
        }
    }

    /// True when as many jobs wait for admission as may be in flight: a new
    /// job would be shed at once.
    pub fn saturated(&self) -> bool {
        self.waiting.load(Ordering::Relaxed) >= self.limits.max_in_flight
    }

    /// What a shed job is told.
    pub fn shed_status(&self) -> Status {
        Status::resource_exhausted(format!(
            "server is at its limit of {} concurrent classification jobs (--max-in-flight) and none freed within {:?} (--admission-wait); retry with backoff",
            self.limits.max_in_flight, self.limits.admission_wait
        ))
    }

    /// Checks an article against the limits, logs (at debug level) that it
    /// arrived, with no more of its text than `log_text_prefix` allows, and
    /// returns what classifying it costs.
    pub fn check_article(&self, article: &Article) -> Result<Cost, Status> {
        let cost = self.check_text("kicker", &article.kicker)?
            + self.check_text("title", &article.title)?
            + self.check_text("subtitle", &article.subtitle)?
            + self.check_text("byline", &article.byline)?
            + self.check_text("body", &article.body)?;
        let shown = self.limits.log_text_prefix;
        tracing::debug!(
            id = %log_field(&article.id, ID_SHOWN_CHARS),
            title = %log_field(&article.title, shown),
            body = %log_field(&article.body, shown),
            body_bytes = article.body.len(),
            "article received"
        );
        Ok(cost)
    }

    /// Checks one text against `--max-article-chars`, as sent and after
    /// normalisation, and returns its cost (its normalised length, bounded).
    pub fn check_text(&self, field: &str, text: &str) -> Result<Cost, Status> {
        let max = self.limits.max_article_chars;
        // Cheap bound first: a string of at most `max` bytes has at most
        // `max` characters.
        if text.len() > max && text.chars().count() > max {
            return Err(Status::invalid_argument(format!(
                "{field} is longer than the limit of {max} characters (--max-article-chars)"
            )));
        }
        let normalised = normalised_len_bound_up_to(text, max);
        if normalised > max {
            return Err(Status::invalid_argument(format!(
                "{field} grows to more than the limit of {max} characters under Unicode normalisation (NFKC) (--max-article-chars)"
            )));
        }
        Ok(Cost(normalised))
    }

    /// Checks the total cost of one call's articles against
    /// `--max-request-chars`.
    pub fn check_request_cost(&self, cost: Cost) -> Result<Cost, Status> {
        let max = self.limits.max_request_chars;
        if cost.0 > max {
            return Err(Status::invalid_argument(format!(
                "request holds {} characters of text (after Unicode normalisation), more than the limit of {max} (--max-request-chars); split it",
                cost.0
            )));
        }
        Ok(cost)
    }

    /// A codec failure inside a stream, with the status unary calls get.
    pub fn wire_status(&self, status: Status) -> Status {
        super::wire_status::reclassify(&status, self.limits.max_message_bytes).unwrap_or(status)
    }

    /// The batch size, then every article, naming the first that fails;
    /// returns their total cost, which `Validate::check` holds to
    /// `--max-request-chars` as it does every request's.
    pub fn check_batch(&self, articles: &[Article]) -> Result<Cost, Status> {
        let (count, max) = (articles.len(), self.limits.max_batch_articles);
        if count > max {
            return Err(Status::invalid_argument(format!(
                "batch has {count} articles, more than the limit of {max} (--max-batch-articles); split it"
            )));
        }
        let mut total = Cost::default();
        for (i, article) in articles.iter().enumerate() {
            total = total
                + self
                    .check_article(article)
                    .map_err(|s| at_article(i, &article.id, s))?;
        }
        Ok(total)
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
    fn text_limit_applies_after_normalisation_too() {
        let g = guard(100, 10, 1);
        // 10 characters as sent, 180 after NFKC.
        let err = g.check_text("body", &"\u{FDFA}".repeat(10)).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(err.message().contains("NFKC"), "{}", err.message());
        assert_eq!(g.check_text("body", "港口扩建").unwrap(), Cost(4));
    }

    #[test]
    fn a_batch_costs_the_sum_of_its_articles() {
        let g = guard(10, 10, 1);
        let article = |body: &str| Article {
            body: body.into(),
            ..Article::default()
        };
        assert_eq!(
            g.check_batch(&[article("港口扩建"), article("码头")])
                .unwrap(),
            Cost(6)
        );
    }

    #[test]
    fn batch_limit_names_the_flag_and_the_failing_article() {
        let g = guard(10, 2, 1);
        let article = |body: &str| Article {
            id: "b".into(),
            title: String::new(),
            body: body.into(),
            ..Article::default()
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
        let a = g.admit(Cost(1)).await.unwrap();
        let _b = g.admit(Cost(1)).await.unwrap();
        let err = g.admit(Cost(1)).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::ResourceExhausted);
        assert!(err.message().contains("--max-in-flight"));
        // A slot freed while a job waits admits that job.
        let waiter = {
            let g = g.clone();
            tokio::spawn(async move { g.admit(Cost(1)).await.map(drop) })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        drop(a);
        assert!(waiter.await.unwrap().is_ok());
    }
}
