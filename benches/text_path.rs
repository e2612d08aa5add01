//! The cost of each step of the text path and of scoring, on synthetic
//! articles of 100, 1,000 and 10,000 characters.
//!
//! `segment_raw` is jieba alone on the raw text: the floor every other line
//! is measured against. Run with `cargo bench --bench text_path`.

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use jieba_rs::Jieba;
use policy_classifier::classifier::{ClassifyOptions, ModelSource};
use policy_classifier::text::{normalise, ArticleText};

const SIZES: [usize; 3] = [100, 1_000, 10_000];

fn text_path(c: &mut Criterion) {
    let classifier = ModelSource::Shipped.load().expect("shipped model loads");
    let pipeline = classifier.pipeline();
    let hmm = pipeline.config().hmm;
    let jieba = Jieba::new();
    let mut rng = support::Rng::new(7);
    let articles: Vec<(usize, String)> = SIZES
        .iter()
        .map(|&n| (n, support::article_text(&mut rng, n)))
        .collect();

    let mut group = c.benchmark_group("text_path");
    for (size, text) in &articles {
        group.throughput(Throughput::Bytes(text.len() as u64));
        let article = ArticleText::new("", text);
        group.bench_with_input(BenchmarkId::new("segment_raw", size), text, |b, t| {
            b.iter(|| jieba.cut(black_box(t), hmm).len())
        });
        group.bench_with_input(BenchmarkId::new("normalise", size), text, |b, t| {
            b.iter(|| normalise(black_box(t)))
        });
        group.bench_with_input(BenchmarkId::new("normalise_segment", size), text, |b, t| {
            b.iter(|| jieba.cut(&normalise(black_box(t)), hmm).len())
        });
        // Training's path: every term named.
        group.bench_with_input(BenchmarkId::new("features", size), &article, |b, a| {
            b.iter(|| pipeline.features(black_box(*a)))
        });
        // Serving's path: tokens straight to vocabulary ids, weighted.
        let model = classifier.model();
        group.bench_with_input(BenchmarkId::new("vectorise", size), &article, |b, a| {
            b.iter(|| model.vectorise(black_box(*a)))
        });
        let vector = model.vectorise(article);
        group.bench_with_input(BenchmarkId::new("score", size), &vector, |b, v| {
            b.iter(|| model.score(black_box(v)))
        });
        let options = ClassifyOptions::default();
        group.bench_with_input(BenchmarkId::new("classify", size), &article, |b, a| {
            b.iter(|| classifier.classify(black_box(*a), &options))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = text_path
}
criterion_main!(benches);
