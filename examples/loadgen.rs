//! Load generator and measuring tools for `scripts/loadtest.sh`.
//!
//! - `prepare`: draws the test articles (from a labelled JSONL corpus at run
//!   time, or synthetic) and writes the h2load request body for `Classify`.
//! - `floor`: raw jieba-rs segmentation of those articles on all cores, with
//!   no server (the floor); `--classify` runs the whole core in-process.
//! - `wait-serving`: polls health until SERVING; prints the time since a
//!   given start instant.
//! - `batch` / `stream`: `ClassifyBatch` / `ClassifyStream` throughput.
//! - `check`: sends the h2load body once and prints the answer.
//!
//! Every measuring command prints `result <name> <value>` lines.

#[path = "../benches/support/mod.rs"]
mod support;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use policy_classifier::classifier::{ClassifyOptions, ModelSource};
use policy_classifier::model::DEFAULT_LABELS;
use policy_classifier::proto::policy_classifier_client::PolicyClassifierClient;
use policy_classifier::proto::{Article, ClassifyBatchRequest, ClassifyRequest};
use policy_classifier::text::ArticleText;
use prost::Message;
use serde::{Deserialize, Serialize};
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

// The same allocator as the server (src/main.rs), so the comparison is
// like with like.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Prepare {
        /// Labelled JSONL corpus to draw from; synthetic text if absent.
        #[arg(long)]
        corpus: Option<PathBuf>,
        #[arg(long, default_value_t = 400)]
        count: usize,
        #[arg(long)]
        out: PathBuf,
    },
    Floor {
        #[arg(long)]
        articles: PathBuf,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Threads; all cores when omitted.
        #[arg(long)]
        threads: Option<usize>,
        /// Run the full in-process classification instead of jieba alone.
        #[arg(long)]
        classify: bool,
        /// Only this article (0-based line), e.g. the one h2load sends.
        #[arg(long)]
        only: Option<usize>,
    },
    WaitServing {
        #[arg(long)]
        addr: String,
        /// Nanoseconds since the Unix epoch at which the server was started.
        #[arg(long)]
        started_ns: u128,
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
    },
    Batch {
        #[arg(long)]
        addr: String,
        #[arg(long)]
        articles: PathBuf,
        #[arg(long, default_value_t = 64)]
        batch: usize,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
    Stream {
        #[arg(long)]
        addr: String,
        #[arg(long)]
        articles: PathBuf,
        #[arg(long, default_value_t = 4)]
        streams: usize,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
    Check {
        #[arg(long)]
        addr: String,
        #[arg(long)]
        frame: PathBuf,
    },
}

/// One test article as the tools store it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TestArticle {
    id: String,
    title: String,
    #[serde(alias = "text")]
    body: String,
    #[serde(default)]
    label: Option<String>,
}

impl TestArticle {
    fn proto(&self) -> Article {
        Article {
            id: self.id.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            ..Article::default()
        }
    }
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Prepare { corpus, count, out } => prepare(corpus.as_deref(), count, &out),
        Command::Floor {
            articles,
            seconds,
            threads,
            classify,
            only,
        } => floor(&articles, seconds, threads, classify, only),
        command => runtime()?.block_on(remote(command)),
    }
}

/// One thread for the client, so it takes as little CPU from the server
/// (on the same cores) as it can.
fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

async fn remote(command: Command) -> Result<()> {
    match command {
        Command::WaitServing {
            addr,
            started_ns,
            timeout,
        } => wait_serving(&addr, started_ns, timeout).await,
        Command::Batch {
            addr,
            articles,
            batch,
            concurrency,
            seconds,
        } => {
            batch_load(
                &addr,
                &read_articles(&articles)?,
                batch,
                concurrency,
                seconds,
            )
            .await
        }
        Command::Stream {
            addr,
            articles,
            streams,
            seconds,
        } => stream_load(&addr, &read_articles(&articles)?, streams, seconds).await,
        Command::Check { addr, frame } => check(&addr, &frame).await,
        _ => unreachable!("local commands are handled in main"),
    }
}

fn read_articles(path: &Path) -> Result<Vec<TestArticle>> {
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut articles = Vec::new();
    for line in file.lines() {
        let line = line?;
        if !line.trim().is_empty() {
            articles.push(serde_json::from_str(&line)?);
        }
    }
    if articles.is_empty() {
        return Err(format!("{} has no articles", path.display()).into());
    }
    Ok(articles)
}

/// Every `step`-th article of the corpus (an even spread), or synthetic
/// articles of 200 to 3,000 characters; then the h2load body for the article
/// of median length.
fn prepare(corpus: Option<&Path>, count: usize, out: &Path) -> Result<()> {
    let articles = match corpus.filter(|p| p.exists()) {
        Some(path) => {
            let all = read_articles(path)?;
            let step = (all.len() / count.max(1)).max(1);
            all.into_iter().step_by(step).take(count).collect()
        }
        None => synthetic_articles(count),
    };
    std::fs::create_dir_all(out)?;
    let mut file = std::fs::File::create(out.join("articles.jsonl"))?;
    for article in &articles {
        writeln!(file, "{}", serde_json::to_string(article)?)?;
    }
    let mut by_length: Vec<usize> = (0..articles.len()).collect();
    by_length
        .sort_by_key(|&i| articles[i].title.chars().count() + articles[i].body.chars().count());
    let median = by_length[by_length.len() / 2];
    let request = ClassifyRequest {
        article: Some(articles[median].proto()),
        ..ClassifyRequest::default()
    };
    std::fs::write(out.join("unary.bin"), grpc_frame(&request))?;
    let chars: usize = articles
        .iter()
        .map(|a| a.title.chars().count() + a.body.chars().count())
        .sum();
    println!("result articles {}", articles.len());
    println!("result mean_chars {}", chars / articles.len());
    println!("result unary_article {median}");
    println!(
        "result unary_chars {}",
        articles[median].title.chars().count() + articles[median].body.chars().count()
    );
    Ok(())
}

fn synthetic_articles(count: usize) -> Vec<TestArticle> {
    let mut rng = support::Rng::new(2024);
    (0..count)
        .map(|i| {
            let body_chars = 200 + rng.below(2_800);
            let (title, body) = support::article(&mut rng, body_chars);
            TestArticle {
                id: format!("synthetic-{i}"),
                title,
                body,
                label: Some(DEFAULT_LABELS[rng.below(DEFAULT_LABELS.len())].to_owned()),
            }
        })
        .collect()
}

/// A gRPC length-prefixed message: flag 0 (uncompressed), length, bytes.
fn grpc_frame(message: &impl Message) -> Vec<u8> {
    let body = message.encode_to_vec();
    let mut frame = Vec::with_capacity(5 + body.len());
    frame.push(0);
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    frame
}

/// Runs `work` over the articles on `threads` threads for `seconds` after a
/// short warm-up; returns articles per second.
fn floor(
    path: &Path,
    seconds: f64,
    threads: Option<usize>,
    classify: bool,
    only: Option<usize>,
) -> Result<()> {
    let mut articles = read_articles(path)?;
    if let Some(index) = only {
        articles = vec![articles.get(index).ok_or("--only is out of range")?.clone()];
    }
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let rate = if classify {
        let classifier = ModelSource::Shipped.load()?;
        let options = ClassifyOptions::default();
        on_threads(threads, seconds, &articles, |a| {
            let _ = classifier.classify(ArticleText::new(&a.title, &a.body), &options);
        })
    } else {
        let jieba = jieba_rs::Jieba::new();
        on_threads(threads, seconds, &articles, |a| {
            std::hint::black_box(jieba.cut(&a.title, true).len() + jieba.cut(&a.body, true).len());
        })
    };
    let name = if classify {
        "inprocess_classify"
    } else {
        "raw_segment"
    };
    println!("result {name} {rate:.1}");
    Ok(())
}

fn on_threads(
    threads: usize,
    seconds: f64,
    articles: &[TestArticle],
    work: impl Fn(&TestArticle) + Sync,
) -> f64 {
    let warm_up = Duration::from_millis(500);
    let measure = Duration::from_secs_f64(seconds);
    let done = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (work, done) = (&work, &done);
            scope.spawn(move || {
                let start = Instant::now();
                let mut i = t * 7919;
                while start.elapsed() < warm_up {
                    work(&articles[i % articles.len()]);
                    i += 1;
                }
                let start = Instant::now();
                let mut n = 0;
                while start.elapsed() < measure {
                    work(&articles[i % articles.len()]);
                    i += 1;
                    n += 1;
                }
                done.fetch_add(n, Ordering::Relaxed);
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / seconds
}

async fn wait_serving(addr: &str, started_ns: u128, timeout: f64) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs_f64(timeout);
    loop {
        if let Ok(channel) = Channel::from_shared(format!("http://{addr}"))?
            .connect()
            .await
        {
            let mut health = HealthClient::new(channel);
            loop {
                let status = health
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await;
                if matches!(status, Ok(ref r) if r.get_ref().status == 1) {
                    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
                    let seconds = now.saturating_sub(started_ns) as f64 / 1e9;
                    println!("result serving_seconds {seconds:.3}");
                    return Ok(());
                }
                if Instant::now() > deadline {
                    return Err("server did not report SERVING in time".into());
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        if Instant::now() > deadline {
            return Err("server did not accept connections in time".into());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn client(addr: &str) -> Result<PolicyClassifierClient<Channel>> {
    let channel = Channel::from_shared(format!("http://{addr}"))?
        .connect()
        .await?;
    Ok(PolicyClassifierClient::new(channel)
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20))
}

/// `concurrency` callers, each sending batches back to back; counts the
/// articles answered within the measured window (after a 1 s warm-up).
async fn batch_load(
    addr: &str,
    articles: &[TestArticle],
    batch: usize,
    concurrency: usize,
    seconds: f64,
) -> Result<()> {
    let batches: Vec<ClassifyBatchRequest> = (0..articles.len().div_ceil(batch))
        .map(|b| ClassifyBatchRequest {
            articles: articles
                .iter()
                .cycle()
                .skip(b * batch)
                .take(batch)
                .map(TestArticle::proto)
                .collect(),
            ..ClassifyBatchRequest::default()
        })
        .collect();
    let batches = Arc::new(batches);
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let mut callers = Vec::new();
    for c in 0..concurrency {
        let mut client = client(addr).await?;
        let (batches, counting, stop, answered) = (
            batches.clone(),
            counting.clone(),
            stop.clone(),
            answered.clone(),
        );
        callers.push(tokio::spawn(async move {
            let mut i = c;
            while !stop.load(Ordering::Relaxed) {
                let request = batches[i % batches.len()].clone();
                let results = client.classify_batch(request).await?.into_inner().results;
                if counting.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
                    answered.fetch_add(results.len() as u64, Ordering::Relaxed);
                }
                i += concurrency;
            }
            Ok::<(), tonic::Status>(())
        }));
    }
    let rate = measure(seconds, &counting, &stop, &answered).await;
    for caller in callers {
        caller.await??;
    }
    println!("result batch {rate:.1}");
    Ok(())
}

/// `streams` bidirectional streams, each fed as fast as the server takes
/// requests; counts the responses within the measured window.
async fn stream_load(
    addr: &str,
    articles: &[TestArticle],
    streams: usize,
    seconds: f64,
) -> Result<()> {
    let requests: Arc<Vec<ClassifyRequest>> = Arc::new(
        articles
            .iter()
            .map(|a| ClassifyRequest {
                article: Some(a.proto()),
                ..ClassifyRequest::default()
            })
            .collect(),
    );
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    for s in 0..streams {
        let mut client = client(addr).await?;
        let (sender, receiver) = tokio::sync::mpsc::channel::<ClassifyRequest>(64);
        let feeder_stop = stop.clone();
        let feed = requests.clone();
        tokio::spawn(async move {
            let mut i = s * 31;
            while !feeder_stop.load(Ordering::Relaxed) {
                if sender.send(feed[i % feed.len()].clone()).await.is_err() {
                    break;
                }
                i += 1;
            }
        });
        let mut inbound = client
            .classify_stream(tokio_stream::wrappers::ReceiverStream::new(receiver))
            .await?
            .into_inner();
        let (counting, stop, answered) = (counting.clone(), stop.clone(), answered.clone());
        readers.push(tokio::spawn(async move {
            while let Some(response) = inbound.message().await? {
                let _ = response;
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if counting.load(Ordering::Relaxed) {
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<(), tonic::Status>(())
        }));
    }
    let rate = measure(seconds, &counting, &stop, &answered).await;
    for reader in readers {
        reader.await??;
    }
    println!("result stream {rate:.1}");
    Ok(())
}

async fn measure(
    seconds: f64,
    counting: &AtomicBool,
    stop: &AtomicBool,
    answered: &AtomicU64,
) -> f64 {
    tokio::time::sleep(Duration::from_secs(1)).await;
    counting.store(true, Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let n = answered.load(Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    n as f64 / elapsed
}

async fn check(addr: &str, frame: &Path) -> Result<()> {
    let bytes = std::fs::read(frame)?;
    let request = ClassifyRequest::decode(&bytes[5..])?;
    let response = client(addr).await?.classify(request).await?.into_inner();
    println!("result check_label {}", response.label);
    Ok(())
}
