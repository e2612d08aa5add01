//! The cost of splitting a page: `split_page` on pages of about 2,000 and
//! 20,000 characters made of the fixture pages in `tests/fixtures/pages`
//! (our own text), repeated, and on a hostile page of 20,000 characters of
//! nothing but short lines (one article of thousands of heading-like lines:
//! its cost must stay linear). Run with `cargo bench --bench page_split`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use policy_classifier::page::split_page;

const SIZES: [usize; 2] = [2_000, 20_000];

/// The fixture pages one after another until the page holds `chars`
/// characters.
fn page_of(chars: usize) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/pages")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    let pages: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("fixture page"))
        .collect();
    let mut page = String::new();
    for text in pages.iter().cycle() {
        if page.chars().count() >= chars {
            break;
        }
        page.push_str(text);
        page.push('\n');
    }
    page
}

fn page_split(c: &mut Criterion) {
    // Parse the shipped splitter before timing.
    black_box(split_page("标题\n正文。"));
    let mut group = c.benchmark_group("page_split");
    for size in SIZES {
        let page = page_of(size);
        group.throughput(Throughput::Bytes(page.len() as u64));
        group.bench_with_input(BenchmarkId::new("split_page", size), &page, |b, p| {
            b.iter(|| split_page(black_box(p)).articles.len())
        });
    }
    let short_lines = short_lines(20_000);
    group.throughput(Throughput::Bytes(short_lines.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("split_page_short_lines", 20_000),
        &short_lines,
        |b, p| b.iter(|| split_page(black_box(p)).articles.len()),
    );
    group.finish();
}

/// `chars` characters of lines of one to six characters.
fn short_lines(chars: usize) -> String {
    let alphabet: Vec<char> = "标题新闻发展经济建设城市".chars().collect();
    let mut page = String::new();
    let mut n = 0usize;
    let mut k = 0usize;
    while page.chars().count() < chars {
        n = (n * 7 + 3) % 6 + 1;
        for _ in 0..n {
            k = (k * 5 + 1) % alphabet.len();
            page.push(alphabet[k]);
        }
        page.push('\n');
    }
    page
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = page_split
}
criterion_main!(benches);
