//! Scoring cost must follow the article, not the vocabulary: the same
//! 1,000-character article scored and classified by synthetic models of
//! 10,000 and 200,000 terms should take the same time.
//!
//! Run with `cargo bench --bench vocabulary`.

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use policy_classifier::classifier::ClassifyOptions;
use policy_classifier::text::ArticleText;
use policy_classifier::Classifier;

const VOCABULARIES: [usize; 2] = [10_000, 200_000];

fn vocabulary(c: &mut Criterion) {
    let mut rng = support::Rng::new(11);
    let (title, body) = support::article(&mut rng, 1_000);
    let article = ArticleText::new(&title, &body);
    let options = ClassifyOptions::default();

    let mut group = c.benchmark_group("vocabulary");
    for size in VOCABULARIES {
        let classifier = Classifier::new(support::model_with_vocabulary(size));
        let actual = classifier.model().vocabulary_size();
        assert!(
            actual >= size * 9 / 10,
            "synthetic model has {actual} terms, wanted about {size}"
        );
        let model = classifier.model();
        let vector = model.vectorise(article);
        group.bench_with_input(BenchmarkId::new("score", size), &vector, |b, v| {
            b.iter(|| model.score(black_box(v)))
        });
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
    targets = vocabulary
}
criterion_main!(benches);
