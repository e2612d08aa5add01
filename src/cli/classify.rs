//! `classify`: JSONL articles or plain text in, one JSON result per article out.
//! With `--page FILE`: a newspaper page in, one JSON line per article found.
//!
//! Articles are read in batches and each batch is classified on all cores;
//! lines come out in input order, a batch at a time, so a bad line further
//! down still leaves every answer before it printed.

mod input;
mod output;
mod page;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::progress::Progress;
use super::{model_source, CliResult};
use crate::classifier::{Classification, Classifier, ClassifyOptions};
use crate::error::Result;
use crate::text::OwnedArticle;
use input::{Articles, InputFormat};
use output::{ErrorLine, ResultLine};

#[derive(Args)]
pub(super) struct ClassifyArgs {
    /// Model file; the shipped model when omitted.
    #[arg(long, env = "POLICY_CLASSIFIER_MODEL")]
    model: Option<PathBuf>,
    /// Input: JSONL (`{"id","title","text"|"body"}` a line, with `kicker`,
    /// `subtitle` and `byline` where the paper has them) or plain text (one
    /// article, its first line the title). `-` or nothing reads standard input.
    input: Option<PathBuf>,
    /// How to read the input: `auto` reads JSONL when the first non-blank
    /// line starts with `{`, plain text otherwise.
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        env = "POLICY_CLASSIFIER_FORMAT"
    )]
    format: InputFormat,
    /// Include the terms that decided each label.
    #[arg(long)]
    explain: bool,
    /// Answer `other` when the top label's confidence is below this.
    #[arg(long, env = "POLICY_CLASSIFIER_MIN_CONFIDENCE")]
    min_confidence: Option<f64>,
    /// Read FILE (`-`: standard input) as a whole newspaper page: split it
    /// into articles and classify each (see docs/page-splitting.md).
    #[arg(long, value_name = "FILE", conflicts_with = "input")]
    page: Option<PathBuf>,
}

/// Articles classified together per core: large enough that starting the
/// threads costs nothing next to the work, small enough to print steadily.
const BATCH_PER_CORE: usize = 256;

/// One article read, waiting for its batch to be classified.
struct Pending {
    id: String,
    article: OwnedArticle,
}

pub(super) fn run(args: ClassifyArgs) -> CliResult {
    if let Some(min) = args.min_confidence.filter(|m| !(0.0..=1.0).contains(m)) {
        // Checked here to name the flag rather than the API field.
        return Err(format!("--min-confidence must be within [0, 1], is {min}").into());
    }
    let classifier = model_source(args.model.clone()).load()?;
    let options = ClassifyOptions {
        explain: args.explain,
        min_confidence: args.min_confidence,
    };
    if let Some(path) = &args.page {
        let page = input::open(Some(path))?.read_to_string()?;
        if page.trim().is_empty() {
            // Said in the user's terms, not the API's (`text` of a request).
            return Err(format!("{}: the page is empty", path.display()).into());
        }
        return page::run(&classifier, &page, &options);
    }
    let input = input::open(args.input.as_ref())?;
    let progress = match input.size {
        Some(bytes) => Progress::bytes("classifying", bytes),
        None => Progress::spinner("classifying"),
    };
    let consumed = input.consumed.clone();
    let text_id = match args.input.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(path) => path.display().to_string(),
        None => "-".to_owned(),
    };
    let started = Instant::now();
    let mut printer = Printer {
        classifier: &classifier,
        options: &options,
        out: std::io::BufWriter::new(std::io::stdout().lock()),
        classified: 0,
        failed: 0,
    };
    match input.articles(args.format)? {
        Articles::Text { title, body } => {
            let article = Pending {
                id: text_id,
                article: OwnedArticle {
                    title,
                    body,
                    ..OwnedArticle::default()
                },
            };
            printer.print(&[article])?;
        }
        Articles::Jsonl(lines) => {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let batch_size = BATCH_PER_CORE * cores;
            let mut batch = Vec::with_capacity(batch_size);
            for item in lines {
                let (number, mut article) = match item {
                    Ok(line) => line,
                    Err(error) => {
                        // Answers for the lines before the bad one first.
                        printer.print(&batch)?;
                        return Err(error.into());
                    }
                };
                batch.push(Pending {
                    id: article.id_or(|| number.to_string()),
                    article: article.take_article(),
                });
                if batch.len() == batch_size {
                    printer.print(&batch)?;
                    batch.clear();
                    progress.set_position(consumed.get());
                }
            }
            printer.print(&batch)?;
        }
    }
    progress.set_position(consumed.get());
    progress.finish();
    let (classified, failed) = (printer.classified, printer.failed);
    eprintln!("{}", rate_line(classified + failed, started.elapsed()));
    if failed > 0 {
        return Err(
            format!("{failed} article(s) could not be classified (see their \"error\")").into(),
        );
    }
    Ok(())
}

/// `classified 28000 articles in 1.2 s (23000/s)`.
fn rate_line(articles: usize, elapsed: std::time::Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let noun = if articles == 1 { "article" } else { "articles" };
    let rate = if seconds > 0.0 {
        format!(" ({:.0}/s)", articles as f64 / seconds)
    } else {
        String::new()
    };
    format!("classified {articles} {noun} in {seconds:.1} s{rate}")
}

/// Classifies batches and prints their lines in order.
struct Printer<'a, W: Write> {
    classifier: &'a Classifier,
    options: &'a ClassifyOptions,
    out: W,
    classified: usize,
    failed: usize,
}

impl<W: Write> Printer<'_, W> {
    fn print(&mut self, batch: &[Pending]) -> CliResult {
        let results = classify_on_all_cores(self.classifier, self.options, batch);
        for (article, result) in batch.iter().zip(results) {
            match result {
                Ok(result) => {
                    self.classified += 1;
                    let line = ResultLine::new(&article.id, result, self.classifier);
                    serde_json::to_writer(&mut self.out, &line)?;
                }
                Err(error) => {
                    self.failed += 1;
                    let line = ErrorLine {
                        id: &article.id,
                        error: error.to_string(),
                    };
                    serde_json::to_writer(&mut self.out, &line)?;
                }
            }
            self.out.write_all(b"\n")?;
        }
        self.out.flush()?;
        Ok(())
    }
}

/// The result of every article of `batch`, in its order, computed on up to
/// as many threads as there are cores.
fn classify_on_all_cores(
    classifier: &Classifier,
    options: &ClassifyOptions,
    batch: &[Pending],
) -> Vec<Result<Classification>> {
    let classify = |pending: &Pending| classifier.classify(pending.article.text(), options);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores == 1 || batch.len() < 2 {
        return batch.iter().map(classify).collect();
    }
    let chunk = batch.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let workers: Vec<_> = batch
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(classify).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("classification panicked"))
            .collect()
    })
}
