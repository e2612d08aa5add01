//! `train-splitter`: fit the page splitter's line tagger on page files and
//! write it as JSON (the shipped one is `models/page-splitter.json`).

use std::path::PathBuf;

use clap::Args;

use super::CliResult;
use crate::files::write_atomically;
use crate::page::benchmark::{pages_from_articles, read_pages};
use crate::page::{read_marked_pages, train_splitter, SplitterParams};

#[derive(Args, Debug)]
pub(super) struct TrainSplitterArgs {
    /// Directory of page files: one JSONL file a page, one item a line in
    /// printed order (the shape of ../shared/corpus/pages).
    dir: PathBuf,
    /// Train only on pages dated before this day (YYYY-MM-DD), so that the
    /// later ones can be evaluated with `eval-pages --from`.
    #[arg(long)]
    before: Option<String>,
    /// Where to write the splitter.
    #[arg(long, short)]
    out: PathBuf,
    /// Replace `--out` if it exists.
    #[arg(long)]
    force: bool,
    /// Also learn from marked pages: `NAME.txt` (a page as pasted) beside
    /// `NAME.expected.json` (each article's title, first and last text), the
    /// shape of tests/fixtures/pages.
    #[arg(long, value_name = "DIR")]
    marked: Vec<PathBuf>,
    /// Also learn from article files (JSONL, one article a line, the shape
    /// of ../shared/corpus/labeled-news.jsonl), grouped into pages by their
    /// ids (`<paper>-<YYYYMMDD>-<page>-<order>`); a page that DIR also holds
    /// is taken from DIR only.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    articles: Vec<PathBuf>,
    /// How many times each marked page counts (a page file counts once per
    /// rendering, four times).
    #[arg(long, default_value_t = SplitterParams::default().marked_repeats)]
    marked_repeats: usize,
    /// Passes over the training lines per round.
    #[arg(long, default_value_t = SplitterParams::default().epochs)]
    epochs: usize,
    /// L2 penalty per feature and pass.
    #[arg(long, default_value_t = SplitterParams::default().l2)]
    l2: f64,
    /// AdaGrad learning rate.
    #[arg(long, default_value_t = SplitterParams::default().learning_rate)]
    learning_rate: f64,
    /// 1: learn from gold history only; 2: also from the first model's own
    /// decoding of the training pages.
    #[arg(long, default_value_t = SplitterParams::default().rounds)]
    rounds: usize,
}

pub(super) fn run(args: TrainSplitterArgs) -> CliResult {
    let mut pages = read_pages(&args.dir)?;
    let known: std::collections::HashSet<String> = pages.iter().map(|p| p.name.clone()).collect();
    let from_articles = pages_from_articles(&args.articles)?;
    let added = from_articles.len();
    pages.extend(
        from_articles
            .into_iter()
            .filter(|p| !known.contains(&p.name)),
    );
    if added > 0 && pages.len() == known.len() {
        return Err("every page of --articles is also in DIR: nothing added".into());
    }
    let pages: Vec<_> = pages
        .into_iter()
        .filter(|p| {
            let date = p.items.first().map_or("", |i| i.date.as_str());
            args.before.as_deref().is_none_or(|before| date < before)
        })
        .collect();
    if pages.is_empty() {
        return Err(format!("{}: no page files to train on", args.dir.display()).into());
    }
    let mut marked = Vec::new();
    for dir in &args.marked {
        let read = read_marked_pages(dir)?;
        if read.is_empty() {
            return Err(format!(
                "{}: no marked pages (NAME.txt with NAME.expected.json)",
                dir.display()
            )
            .into());
        }
        marked.extend(read);
    }
    let params = SplitterParams {
        epochs: args.epochs,
        l2: args.l2,
        learning_rate: args.learning_rate,
        rounds: args.rounds,
        marked_repeats: args.marked_repeats,
    };
    let file = train_splitter(&pages, &marked, &params)?;
    let mut json = serde_json::to_string_pretty(&file)?;
    json.push('\n');
    write_atomically(&args.out, json.as_bytes(), args.force).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{}: exists; pass --force to replace it", args.out.display())
        } else {
            format!("{}: {e}", args.out.display())
        }
    })?;
    eprintln!(
        "trained the page splitter on {} pages and {} marked pages ({} lines, {} features); wrote {}",
        pages.len(),
        marked.len(),
        file.trained.get("lines").map_or("?", String::as_str),
        file.weights.len(),
        args.out.display()
    );
    Ok(())
}
