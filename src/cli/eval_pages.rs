//! `eval-pages`: the page-splitting benchmark on a directory of page files
//! (see `page::benchmark` and `docs/page-splitting.md`).

use std::path::PathBuf;

use clap::Args;

use super::CliResult;
use crate::page::benchmark::{read_pages, render, score, summarise, PageScore, VARIANTS};

#[derive(Args, Debug)]
pub struct EvalPagesArgs {
    /// Directory of page files: one JSONL file a page, one item a line in
    /// printed order (the shape of ../shared/corpus/pages).
    dir: PathBuf,
    /// Only pages dated on or after this day (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Only pages dated on or before this day (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    /// How many of the worst rendered pages to list.
    #[arg(long, default_value_t = 10)]
    worst: usize,
    /// One JSON object on standard output instead of tables.
    #[arg(long)]
    json: bool,
}

pub fn run(args: EvalPagesArgs) -> CliResult {
    let pages = read_pages(&args.dir)?;
    let in_range = |date: &str| {
        args.from.as_deref().is_none_or(|from| date >= from)
            && args.to.as_deref().is_none_or(|to| date <= to)
    };
    let pages: Vec<_> = pages
        .into_iter()
        .filter(|p| p.items.first().is_some_and(|i| in_range(&i.date)))
        .collect();
    if pages.is_empty() {
        return Err(format!("{}: no page files in that range", args.dir.display()).into());
    }
    let mut scores: Vec<PageScore> = Vec::new();
    for page in &pages {
        for variant in VARIANTS {
            scores.push(score(&page.name, variant, &render(page, variant)));
        }
    }
    let overall = summarise(&scores);
    let by_variant: Vec<_> = VARIANTS
        .iter()
        .map(|v| {
            let of: Vec<PageScore> = scores.iter().filter(|s| s.variant == *v).cloned().collect();
            (*v, summarise(&of))
        })
        .collect();
    let mut worst = scores.clone();
    worst.sort_by(|a, b| a.f1().total_cmp(&b.f1()).then(a.page.cmp(&b.page)));
    worst.truncate(args.worst);
    if args.json {
        let variants: serde_json::Map<String, serde_json::Value> = by_variant
            .iter()
            .map(|(v, s)| {
                (
                    serde_json::to_value(v)
                        .unwrap()
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                    serde_json::to_value(s).unwrap(),
                )
            })
            .collect();
        let out = serde_json::json!({ "overall": overall, "variants": variants, "worst": worst });
        println!("{out}");
        return Ok(());
    }
    println!(
        "{} pages x {} renderings; article F1 {:.3} (precision {:.3}, recall {:.3}: {} of {} articles found, {} returned); exact headlines {:.3}; pages split perfectly {:.3}",
        pages.len(),
        VARIANTS.len(),
        overall.f1,
        overall.precision,
        overall.recall,
        overall.found,
        overall.gold,
        overall.predicted,
        overall.exact_headline_rate,
        overall.perfect_page_rate
    );
    println!(
        "\n{:<14} {:>6} {:>9} {:>7} {:>9} {:>8}",
        "rendering", "F1", "precision", "recall", "headline", "perfect"
    );
    for (variant, s) in &by_variant {
        let name = serde_json::to_value(variant)?;
        println!(
            "{:<14} {:>6.3} {:>9.3} {:>7.3} {:>9.3} {:>8.3}",
            name.as_str().unwrap_or(""),
            s.f1,
            s.precision,
            s.recall,
            s.exact_headline_rate,
            s.perfect_page_rate
        );
    }
    println!("\nworst renderings:");
    for s in &worst {
        let name = serde_json::to_value(s.variant)?;
        println!(
            "  {} ({}): F1 {:.2}, {} of {} found, {} returned",
            s.page,
            name.as_str().unwrap_or(""),
            s.f1(),
            s.found,
            s.gold,
            s.predicted
        );
    }
    Ok(())
}
