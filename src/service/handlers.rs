//! `PolicyClassifier` handlers. Each has one rhythm: validate, convert, call
//! the core, map. [`ClassifierService::call`] holds the request policy for
//! all of them (validation, the request budget, admission, the worker pool,
//! cancellation, what the metrics see); a handler only converts and calls
//! the core. The stream applies the same policy to each of its messages.

use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use super::cancel::{CancelFlag, CancelOnDrop};
use super::convert;
use super::groups::ReadyGroups;
use super::limits::{Cost, RequestGuard};
use super::observe::Answered;
use super::pool::WorkPool;
use super::rpc::{Admission, Answers, Validate};
use super::slot::ModelSlot;
use super::status::{at_article, model_not_loaded};
use crate::classifier::{Classifier, ClassifyOptions};
use crate::proto::policy_classifier_server::PolicyClassifier;
use crate::proto::{
    Article, ClassifyBatchRequest, ClassifyBatchResponse, ClassifyRequest, ClassifyResponse,
    GetModelInfoRequest, ModelInfo, SegmentRequest, SegmentResponse,
};
use crate::proto::{ClassifyPageRequest, ClassifyPageResponse};

/// Responses a stream may run ahead of a slow reader before it waits.
const STREAM_BUFFER: usize = 32;

/// Groups of requests of one stream classified at the same time, so that a
/// single stream keeps every worker busy; answers still leave in request
/// order.
const STREAM_IN_FLIGHT: usize = 8;

/// At most this many requests that have already arrived, and at most
/// [`STREAM_GROUP_BYTES`] of text unless one request is larger alone, go to
/// the pool as one job. Under load a stream's messages queue up while its
/// groups are in flight, and one job for the queue costs one hand-off, one
/// admission and one wake-up instead of one each; a lone message is never
/// held back to wait for company. The byte bound keeps the memory one
/// stream (or one admitted job) can hold where it was with one message per
/// job: only short articles are grouped.
const STREAM_GROUP: usize = 16;
const STREAM_GROUP_BYTES: usize = 64 * 1024;

/// The `PolicyClassifier` gRPC service: its handlers and their one request policy.
#[derive(Clone)]
pub struct ClassifierService {
    slot: Arc<ModelSlot>,
    guard: RequestGuard,
    pool: Arc<WorkPool>,
}

impl ClassifierService {
    /// A service answering with whatever model `slot` holds.
    pub fn new(slot: Arc<ModelSlot>) -> Self {
        Self {
            slot,
            guard: RequestGuard::default(),
            pool: Arc::new(WorkPool::sized_to_cores()),
        }
    }

    /// Enforces `guard`'s limits instead of the defaults.
    pub fn with_guard(self, guard: RequestGuard) -> Self {
        Self { guard, ..self }
    }

    /// The request policy of every unary RPC, in one place: checks the
    /// request ([`Validate::check`]), then does `work` as its
    /// [`Admission`] says (CPU work through [`Self::run`]), and answers
    /// with what the response [`Answers`] in its extensions, for the
    /// metrics.
    async fn call<R, T, F>(&self, request: Request<R>, work: F) -> Result<Response<T>, Status>
    where
        R: Validate + Send + 'static,
        T: Answers + Send + 'static,
        F: FnOnce(&Classifier, R, &CancelFlag) -> Result<T, Status> + Send + 'static,
    {
        let request = request.into_inner();
        let message = match request.check(&self.guard)? {
            Admission::Work(cost) => {
                self.run(cost, move |c, cancelled| work(c, request, cancelled))
                    .await?
            }
            Admission::Free => {
                let classifier = self.slot.get().ok_or_else(model_not_loaded)?;
                work(&classifier, request, &CancelOnDrop::default().flag())?
            }
        };
        let answered = Answered::default();
        answered.add(&message);
        let mut response = Response::new(message);
        response.extensions_mut().insert(answered);
        Ok(response)
    }

    /// Runs CPU-bound core work of `cost` on the worker pool (one thread
    /// per core) against a snapshot of the current model, once admitted
    /// (see [`RequestGuard::admit`]), keeping the async reactor free for
    /// I/O. The work gets a flag that is raised when the caller goes (this
    /// future is dropped: the client cancelled, its deadline passed or its
    /// stream ended); work that has not started by then does not start.
    async fn run<T, F>(&self, cost: Cost, work: F) -> Result<T, Status>
    where
        T: Send + 'static,
        F: FnOnce(&Classifier, &CancelFlag) -> Result<T, Status> + Send + 'static,
    {
        let classifier = self.slot.get().ok_or_else(model_not_loaded)?;
        let permit = self.guard.admit(cost).await?;
        let cancel = CancelOnDrop::default();
        let cancelled = cancel.flag();
        self.pool
            .run(move || {
                let _held_until_done = permit;
                cancelled.check()?;
                work(&classifier, &cancelled)
            })
            .await
            .map_err(|e| Status::internal(format!("classification task failed: {e}")))?
    }
}

/// The text a streamed message carries, for [`ReadyGroups`]' size bound.
fn text_bytes(message: &Result<ClassifyRequest, Status>) -> usize {
    match message {
        Ok(ClassifyRequest {
            article: Some(a), ..
        }) => {
            a.id.len()
                + a.kicker.len()
                + a.title.len()
                + a.subtitle.len()
                + a.byline.len()
                + a.body.len()
        }
        _ => 0,
    }
}

fn classify_one(
    classifier: &Classifier,
    article: &Article,
    options: &ClassifyOptions,
) -> Result<ClassifyResponse, Status> {
    let result = classifier.classify(convert::article_text(article), options)?;
    Ok(convert::classify_response(
        &article.id,
        result,
        classifier.model().version(),
    ))
}

type ResponseStream = Pin<Box<dyn Stream<Item = Result<ClassifyResponse, Status>> + Send>>;

#[tonic::async_trait]
impl PolicyClassifier for ClassifierService {
    async fn classify(
        &self,
        request: Request<ClassifyRequest>,
    ) -> Result<Response<ClassifyResponse>, Status> {
        self.call(request, |c, request, _| {
            let (article, options) = convert::classify_request(request);
            classify_one(c, &article, &options)
        })
        .await
    }

    async fn classify_batch(
        &self,
        request: Request<ClassifyBatchRequest>,
    ) -> Result<Response<ClassifyBatchResponse>, Status> {
        self.call(request, |c, request, cancelled| {
            let options = convert::options(request.explain, request.min_confidence);
            let results = (request.articles.iter().enumerate())
                .map(|(i, a)| {
                    cancelled.check()?;
                    classify_one(c, a, &options).map_err(|s| at_article(i, &a.id, s))
                })
                .collect::<Result<_, Status>>()?;
            Ok(ClassifyBatchResponse { results })
        })
        .await
    }

    type ClassifyStreamStream = ResponseStream;

    /// Answers each request in order. The first failing request ends the
    /// stream with its status (naming its index); earlier answers stand.
    async fn classify_stream(
        &self,
        request: Request<Streaming<ClassifyRequest>>,
    ) -> Result<Response<Self::ClassifyStreamStream>, Status> {
        let inbound = request.into_inner();
        let service = self.clone();
        let (sender, receiver) = mpsc::channel(STREAM_BUFFER);
        let answered = Answered::default();
        let tally = answered.clone();
        tokio::spawn(async move {
            let mut next_index = 0;
            let groups = ReadyGroups::new(inbound, STREAM_GROUP, STREAM_GROUP_BYTES, text_bytes);
            let answers = groups.map(move |messages| {
                let (service, first) = (service.clone(), next_index);
                next_index += messages.len();
                async move { service.answer_group(messages, first).await }
            });
            let mut answers =
                std::pin::pin!(futures_util::StreamExt::buffered(answers, STREAM_IN_FLIGHT));
            'stream: while let Some(group) = answers.next().await {
                for result in group {
                    if let Ok(response) = &result {
                        tally.add(response);
                    }
                    let failed = result.is_err();
                    // A send error means the client went away: stop working.
                    if sender.send(result).await.is_err() || failed {
                        break 'stream;
                    }
                }
            }
        });
        let mut response = Response::new(Box::pin(ReceiverStream::new(receiver)) as ResponseStream);
        response.extensions_mut().insert(answered);
        Ok(response)
    }

    async fn segment(
        &self,
        request: Request<SegmentRequest>,
    ) -> Result<Response<SegmentResponse>, Status> {
        self.call(request, |c, request, _| {
            Ok(SegmentResponse {
                tokens: c.segment(&request.text),
            })
        })
        .await
    }

    async fn classify_page(
        &self,
        request: Request<ClassifyPageRequest>,
    ) -> Result<Response<ClassifyPageResponse>, Status> {
        self.call(request, |c, request, cancelled| {
            let options = convert::options(request.explain, request.min_confidence);
            let version = c.model().version();
            let stop = || cancelled.is_cancelled();
            let page = c.classify_page_unless(&request.text, &options, &stop)?;
            let articles = (page.into_iter().enumerate())
                .map(|(i, a)| convert::page_article(i, a, version))
                .collect();
            Ok(ClassifyPageResponse { articles })
        })
        .await
    }

    async fn get_model_info(
        &self,
        request: Request<GetModelInfoRequest>,
    ) -> Result<Response<ModelInfo>, Status> {
        self.call(request, |c, _, _| Ok(convert::model_info(c.model())))
            .await
    }
}

impl ClassifierService {
    /// Streamed requests `first..` that arrived together: checked in order,
    /// then classified in one pool job. The answers end at the first failure
    /// (naming its place in the stream), which ends the stream; requests
    /// behind it in the group are not classified.
    async fn answer_group(
        &self,
        messages: Vec<Result<ClassifyRequest, Status>>,
        first: usize,
    ) -> Vec<Result<ClassifyResponse, Status>> {
        let mut accepted = Vec::with_capacity(messages.len());
        let mut failure = None;
        let mut cost = Cost::default();
        for (index, message) in (first..).zip(messages) {
            match self.accept(message, index) {
                Ok((request, request_cost)) => {
                    accepted.push(request);
                    cost = cost + request_cost;
                }
                Err(status) => {
                    failure = Some(status);
                    break;
                }
            }
        }
        let mut answers = if accepted.is_empty() {
            Vec::new()
        } else {
            // Dropped with the stream (the client went away or its deadline
            // passed): the job then stops.
            let classified = self.run(cost, move |c, cancelled| {
                let mut answers = Vec::with_capacity(accepted.len());
                for (index, article, options) in &accepted {
                    if let Err(status) = cancelled.check() {
                        answers.push(Err(status));
                        break;
                    }
                    let answer = classify_one(c, article, options)
                        .map_err(|s| at_article(*index, &article.id, s));
                    let failed = answer.is_err();
                    answers.push(answer);
                    if failed {
                        break;
                    }
                }
                Ok(answers)
            });
            match classified.await {
                Ok(answers) => answers,
                Err(status) => vec![Err(status)],
            }
        };
        answers.extend(failure.map(Err));
        answers
    }

    /// One streamed request, checked: its place in the stream, its article
    /// and its options, or the status that ends the stream there.
    fn accept(
        &self,
        message: Result<ClassifyRequest, Status>,
        index: usize,
    ) -> Result<((usize, Article, ClassifyOptions), Cost), Status> {
        let request = message.map_err(|status| self.guard.wire_status(status))?;
        let cost = match request.check(&self.guard) {
            Ok(Admission::Work(cost)) => cost,
            Ok(Admission::Free) => Cost::default(),
            Err(status) => {
                let id = request.article.as_ref().map_or("", |a| a.id.as_str());
                return Err(at_article(index, id, status));
            }
        };
        let (article, options) = convert::classify_request(request);
        Ok(((index, article, options), cost))
    }
}
