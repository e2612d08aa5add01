//! Load generator for `scripts/soak.sh`: measures capacity, holds a steady
//! mixed load, and probes health / GetModelInfo latency meanwhile.
//!
//! ```text
//! cargo run --release --example load -- capacity --url http://127.0.0.1:50051 --seconds 20
//! cargo run --release --example load -- soak --url ... --seconds 600 --rate 400
//! ```
//! Exit status 1 when a soak sees an unexpected error or a probe is slower
//! than `--probe-limit-ms`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use policy_classifier::proto::policy_classifier_client::PolicyClassifierClient;
use policy_classifier::proto::{
    Article, ClassifyBatchRequest, ClassifyRequest, GetModelInfoRequest,
};
use tonic::transport::Channel;
use tonic::Code;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    command: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Closed loop of good Classify calls (full load): prints the sustained
    /// rate and the slowest health / GetModelInfo probe meanwhile.
    Capacity {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
    /// Open loop at `--rate` calls/s of good and bad requests.
    Soak {
        #[arg(long)]
        url: String,
        #[arg(long)]
        seconds: u64,
        #[arg(long)]
        rate: u64,
        #[arg(long, default_value_t = 100)]
        probe_limit_ms: u64,
    },
}

/// Request kinds of the mix and what each must answer.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Good,
    Batch,
    Empty,
    BadOption,
}

impl Kind {
    /// 80% good single calls, 5% batches, 15% requests that must be refused.
    fn of(i: u64) -> Self {
        match i % 20 {
            0 => Self::Batch,
            1 | 2 => Self::Empty,
            3 => Self::BadOption,
            _ => Self::Good,
        }
    }

    fn expected(self) -> Code {
        match self {
            Self::Good | Self::Batch => Code::Ok,
            Self::Empty | Self::BadOption => Code::InvalidArgument,
        }
    }
}

/// Articles in our own words (no corpus text).
const TEXTS: [(&str, &str); 5] = [
    (
        "西部算力枢纽节点开工建设",
        "推进东数西算工程，建设数据中心集群和高速光纤网络。",
    ),
    (
        "专精特新企业认定启动",
        "对入选企业给予奖励和融资支持，推动制造业创新。",
    ),
    (
        "返岗专列送农民工返城",
        "点对点运送农民工返回务工地，保障企业用工和稳就业。",
    ),
    (
        "海关推广关税保证保险",
        "进口企业先通关后缴税，外贸企业通关效率提高。",
    ),
    (
        "滨江步道建成开放",
        "步道连接公园和观景平台，老旧小区改造同步推进。",
    ),
];

fn article(i: u64) -> Article {
    let (title, body) = TEXTS[(i % TEXTS.len() as u64) as usize];
    Article {
        id: i.to_string(),
        title: title.into(),
        body: body.repeat(1 + (i % 7) as usize),
        ..Article::default()
    }
}

async fn call(client: &mut PolicyClassifierClient<Channel>, kind: Kind, i: u64) -> Code {
    let single = |article: Article, min_confidence| ClassifyRequest {
        article: Some(article),
        explain: i % 3 == 0,
        min_confidence,
    };
    let result = match kind {
        Kind::Good => client.classify(single(article(i), None)).await.map(drop),
        Kind::Empty => {
            let empty = Article {
                id: "empty".into(),
                title: " ".into(),
                body: "。。".into(),
                ..Article::default()
            };
            client.classify(single(empty, None)).await.map(drop)
        }
        Kind::BadOption => client
            .classify(single(article(i), Some(2.0)))
            .await
            .map(drop),
        Kind::Batch => {
            let batch = ClassifyBatchRequest {
                articles: (i..i + 8).map(article).collect(),
                explain: false,
                min_confidence: None,
            };
            client.classify_batch(batch).await.map(drop)
        }
    };
    result.err().map_or(Code::Ok, |s| s.code())
}

async fn connect(url: &str) -> Channel {
    Channel::from_shared(url.to_owned())
        .unwrap()
        .connect()
        .await
        .expect("connect")
}

async fn capacity(url: String, seconds: u64, concurrency: usize) {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let mut client = PolicyClassifierClient::new(connect(&url).await);
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = w as u64;
            while Instant::now() < deadline {
                if call(&mut client, Kind::Good, i).await == Code::Ok {
                    done.fetch_add(1, Ordering::Relaxed);
                }
                i += concurrency as u64;
            }
        }));
    }
    let (worst_probe, probe_failures) = probe_until(connect(&url).await, deadline).await;
    for task in tasks {
        task.await.unwrap();
    }
    let rate = done.load(Ordering::Relaxed) as f64 / seconds as f64;
    println!(
        "capacity_rps {rate:.0} worst_probe_ms {} probe_failures {probe_failures}",
        worst_probe.as_millis()
    );
}

/// Health and GetModelInfo every `PROBE_EVERY` until `end`; returns the
/// slowest answer and the number of failed probes.
async fn probe_until(channel: Channel, end: Instant) -> (Duration, u64) {
    let mut health = HealthClient::new(channel.clone());
    let mut info = PolicyClassifierClient::new(channel);
    let (mut worst, mut failures) = (Duration::ZERO, 0u64);
    while Instant::now() < end {
        let t = Instant::now();
        let request = HealthCheckRequest {
            service: String::new(),
        };
        let ok_health = health.check(request).await.is_ok();
        worst = worst.max(t.elapsed());
        let t = Instant::now();
        let ok_info = info.get_model_info(GetModelInfoRequest {}).await.is_ok();
        worst = worst.max(t.elapsed());
        failures += u64::from(!ok_health) + u64::from(!ok_info);
        tokio::time::sleep(PROBE_EVERY).await;
    }
    (worst, failures)
}

const PROBE_EVERY: Duration = Duration::from_millis(250);

/// Calls the soak keeps outstanding at most.
const MAX_OUTSTANDING: usize = 20_000;

/// Connections the soak spreads its calls over.
const CONNECTIONS: usize = 8;

async fn soak(url: String, seconds: u64, rate: u64, probe_limit_ms: u64) -> bool {
    // Several connections, as several client instances would use; probes on
    // their own, so they measure the server, not our connection's queue.
    let mut channels = Vec::new();
    for _ in 0..CONNECTIONS {
        channels.push(connect(&url).await);
    }
    let sent = Arc::new(AtomicU64::new(0));
    let unexpected = Arc::new(AtomicU64::new(0));
    let shed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);

    let probes = tokio::spawn(probe_until(connect(&url).await, end));

    let mut ticker = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate.max(1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut i = 0u64;
    let mut skipped = 0u64;
    let mut last_report = Instant::now();
    let mut inflight = tokio::task::JoinSet::new();
    while Instant::now() < end {
        ticker.tick().await;
        while inflight.try_join_next().is_some() {}
        // Cap what we keep outstanding, so a server that falls behind shows
        // up as skipped sends instead of this process running out of memory.
        if inflight.len() >= MAX_OUTSTANDING {
            skipped += 1;
            continue;
        }
        let channel = channels[(i % CONNECTIONS as u64) as usize].clone();
        let mut client = PolicyClassifierClient::new(channel);
        let counters = (sent.clone(), unexpected.clone(), shed.clone());
        let n = i;
        inflight.spawn(async move {
            let (sent, unexpected, shed) = counters;
            let kind = Kind::of(n);
            let code = call(&mut client, kind, n).await;
            sent.fetch_add(1, Ordering::Relaxed);
            if code == Code::ResourceExhausted {
                shed.fetch_add(1, Ordering::Relaxed);
            }
            if code != kind.expected() && unexpected.fetch_add(1, Ordering::Relaxed) < 5 {
                eprintln!("unexpected {code:?} for {kind:?} #{n}");
            }
        });
        while inflight.try_join_next().is_some() {}
        i += 1;
        if last_report.elapsed() >= Duration::from_secs(30) {
            last_report = Instant::now();
            println!(
                "t={:>4}s sent={} unexpected={} shed={}",
                started.elapsed().as_secs(),
                sent.load(Ordering::Relaxed),
                unexpected.load(Ordering::Relaxed),
                shed.load(Ordering::Relaxed)
            );
        }
    }
    while inflight.join_next().await.is_some() {}
    let (worst_probe, probe_failures) = probes.await.unwrap();
    let total = sent.load(Ordering::Relaxed);
    let unexpected = unexpected.load(Ordering::Relaxed);
    println!(
        "soak_done seconds={seconds} rate={rate} sent={total} achieved_rps={:.0} unexpected={unexpected} shed={} skipped={skipped} worst_probe_ms={} probe_failures={probe_failures}",
        total as f64 / started.elapsed().as_secs_f64(),
        shed.load(Ordering::Relaxed),
        worst_probe.as_millis()
    );
    unexpected == 0
        && skipped == 0
        && probe_failures == 0
        && worst_probe <= Duration::from_millis(probe_limit_ms)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match Args::parse().command {
        Mode::Capacity {
            url,
            seconds,
            concurrency,
        } => {
            capacity(url, seconds, concurrency).await;
            std::process::ExitCode::SUCCESS
        }
        Mode::Soak {
            url,
            seconds,
            rate,
            probe_limit_ms,
        } => {
            if soak(url, seconds, rate, probe_limit_ms).await {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::FAILURE
            }
        }
    }
}
