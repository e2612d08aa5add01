//! Starts the real server on an ephemeral port for integration tests.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use policy_classifier::classifier::ModelSource;
use policy_classifier::proto::policy_classifier_client::PolicyClassifierClient;
use policy_classifier::proto::Article;
use policy_classifier::service::limits::Limits;
use policy_classifier::service::{serve, Hardening, ServeConfig};
use tokio::sync::oneshot;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

pub struct TestServer {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), String>>>,
}

impl TestServer {
    /// Starts a server for `model` and waits until health says SERVING.
    pub async fn start(model: ModelSource) -> Self {
        let server = Self::start_unready(model).await;
        server.wait_until_serving().await;
        server
    }

    /// Starts a server without waiting for its model.
    pub async fn start_unready(model: ModelSource) -> Self {
        Self::start_unready_with(ServeConfig {
            model,
            hardening: Default::default(),
        })
        .await
    }

    /// Starts a server with `config` and waits until health says SERVING.
    pub async fn start_with(config: ServeConfig) -> Self {
        let server = Self::start_unready_with(config).await;
        server.wait_until_serving().await;
        server
    }

    /// Starts a server for the shipped model with `limits` (and every
    /// other hardening setting at its default), waiting until SERVING.
    pub async fn with_limits(limits: Limits) -> Self {
        Self::start_with(ServeConfig {
            model: ModelSource::Shipped,
            hardening: Hardening {
                limits,
                ..Hardening::default()
            },
        })
        .await
    }

    pub async fn start_unready_with(config: ServeConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(listener, config, async {
                let _ = rx.await;
            })
            .await
            .map_err(|e| e.to_string())
        });
        Self {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.url())
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    pub async fn client(&self) -> PolicyClassifierClient<Channel> {
        PolicyClassifierClient::new(self.channel().await)
    }

    pub async fn health(&self, service: &str) -> ServingStatus {
        let mut health = HealthClient::new(self.channel().await);
        let response = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap();
        response.into_inner().status()
    }

    /// Generous: loading the model takes seconds in a debug build on a busy
    /// machine with many test servers starting at once.
    pub async fn wait_until_serving(&self) {
        for _ in 0..2400 {
            if self.health("").await == ServingStatus::Serving {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("server never became SERVING");
    }

    /// Stops the server and returns how `serve` ended.
    pub async fn stop(mut self) -> Result<(), String> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.take().unwrap().await.unwrap()
    }

    /// Waits for `serve` to end on its own (e.g. a model that fails to load).
    pub async fn finished(mut self) -> Result<(), String> {
        tokio::time::timeout(Duration::from_secs(10), self.task.take().unwrap())
            .await
            .expect("server did not stop")
            .unwrap()
    }
}

pub fn article(id: &str, title: &str, body: &str) -> Article {
    Article {
        id: id.into(),
        title: title.into(),
        body: body.into(),
        ..Article::default()
    }
}

/// Short articles in our own words, one per label, with the label expected.
pub fn sample_articles() -> Vec<(Article, &'static str)> {
    vec![
        (article("a-infra", "西部算力枢纽节点开工建设", "国家批复建设数据中心集群和算力网络，推进东数西算工程，新建高速光纤网络。"), "infrastructure"),
        (article("a-industry", "专精特新中小企业认定申报启动", "经济和信息化部门组织中小企业申报专精特新，对入选企业给予奖励和融资支持，推动制造业企业创新发展。"), "industry_policy"),
        (article("a-labor", "返岗专列送农民工返城务工", "春节后开行返岗专列，点对点运送农民工返回务工地，保障企业用工和稳就业。"), "labor"),
        (article("a-trade", "海关关税保证保险助力芯片进口", "海关推广关税保证保险，进口企业先通关后缴税，进出口通关效率提高，外贸企业受益。"), "trade"),
        (article("a-urban", "滨江步道建成开放", "新建滨江步道连接公园和观景平台，老旧小区改造同步推进，市民休闲环境改善。"), "urban"),
    ]
}

/// A gRPC POST to `path` on `server`, for raw HTTP/2 clients.
pub fn grpc_request(server: &TestServer, path: &str) -> http::Request<()> {
    http::Request::builder()
        .method("POST")
        .uri(format!("http://{}{path}", server.addr))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap()
}
