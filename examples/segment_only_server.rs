//! The ceiling of this architecture, for `scripts/loadtest.sh`: a tonic
//! server with the same API whose `Classify` only segments the article with
//! jieba (inline, no pool, no features, no model) and returns a constant.
//! Whatever the real server adds on top shows as the gap to this one.
//!
//! `cargo run --release --example segment_only_server -- 127.0.0.1:50061`

use std::net::SocketAddr;
use std::sync::Arc;

use jieba_rs::Jieba;
use policy_classifier::proto::policy_classifier_server::{
    PolicyClassifier, PolicyClassifierServer,
};
use policy_classifier::proto::{
    ClassifyBatchRequest, ClassifyBatchResponse, ClassifyRequest, ClassifyResponse,
    GetModelInfoRequest, ModelInfo, SegmentRequest, SegmentResponse,
};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status, Streaming};

// The same allocator as the server (src/main.rs), so the comparison is
// like with like.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

struct SegmentOnly {
    jieba: Arc<Jieba>,
}

impl SegmentOnly {
    fn answer(&self, request: ClassifyRequest) -> ClassifyResponse {
        let article = request.article.unwrap_or_default();
        let tokens =
            self.jieba.cut(&article.title, true).len() + self.jieba.cut(&article.body, true).len();
        ClassifyResponse {
            id: article.id,
            label: "other".into(),
            confidence: if tokens > 0 { 1.0 } else { 0.0 },
            ..ClassifyResponse::default()
        }
    }
}

#[tonic::async_trait]
impl PolicyClassifier for SegmentOnly {
    async fn classify(
        &self,
        request: Request<ClassifyRequest>,
    ) -> Result<Response<ClassifyResponse>, Status> {
        Ok(Response::new(self.answer(request.into_inner())))
    }

    async fn classify_batch(
        &self,
        request: Request<ClassifyBatchRequest>,
    ) -> Result<Response<ClassifyBatchResponse>, Status> {
        let results = request
            .into_inner()
            .articles
            .into_iter()
            .map(|article| {
                self.answer(ClassifyRequest {
                    article: Some(article),
                    ..ClassifyRequest::default()
                })
            })
            .collect();
        Ok(Response::new(ClassifyBatchResponse { results }))
    }

    type ClassifyStreamStream = ReceiverStream<Result<ClassifyResponse, Status>>;

    async fn classify_stream(
        &self,
        _request: Request<Streaming<ClassifyRequest>>,
    ) -> Result<Response<Self::ClassifyStreamStream>, Status> {
        Err(Status::unimplemented(
            "segment-only server: unary and batch only",
        ))
    }

    async fn segment(
        &self,
        _request: Request<SegmentRequest>,
    ) -> Result<Response<SegmentResponse>, Status> {
        Err(Status::unimplemented("segment-only server"))
    }

    async fn get_model_info(
        &self,
        _request: Request<GetModelInfoRequest>,
    ) -> Result<Response<ModelInfo>, Status> {
        Err(Status::unimplemented("segment-only server"))
    }

    async fn classify_page(
        &self,
        _request: Request<policy_classifier::proto::ClassifyPageRequest>,
    ) -> Result<Response<policy_classifier::proto::ClassifyPageResponse>, Status> {
        Err(Status::unimplemented("segment-only server"))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:50061".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let service = SegmentOnly {
        jieba: Arc::new(Jieba::new()),
    };
    eprintln!("segment-only server on {}", listener.local_addr()?);
    tonic::transport::Server::builder()
        .add_service(PolicyClassifierServer::new(service))
        .serve_with_incoming_shutdown(
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
        )
        .await?;
    Ok(())
}
