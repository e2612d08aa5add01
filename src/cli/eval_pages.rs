//! `eval-pages`: the page-splitting benchmark on a directory of page files
//! (see `page::benchmark` and `docs/page-splitting.md`).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::evaluation_table::display_width;
use super::CliResult;
use crate::page::benchmark::{
    read_pages, render, score, summarise, tagged_lines, PageScore, Summary, Variant, VARIANTS,
};
use crate::page::Splitter;

#[derive(Args, Debug)]
pub(super) struct EvalPagesArgs {
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
    /// Print every line of this page (file name without `.jsonl`) in this
    /// rendering, with its gold tag and the splitter's, instead of scores.
    #[arg(long, value_name = "PAGE")]
    show: Option<String>,
    /// The rendering `--show` prints: blank-lines, dense, crlf-masthead or
    /// column-breaks.
    #[arg(long, default_value = "dense")]
    variant: String,
    /// A splitter written by `train-splitter` instead of the shipped one.
    #[arg(long, value_name = "FILE")]
    splitter: Option<PathBuf>,
}

pub(super) fn run(args: EvalPagesArgs) -> CliResult {
    let mut out = std::io::stdout().lock();
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
    let loaded = args.splitter.as_deref().map(Splitter::load).transpose()?;
    let splitter = loaded.as_ref().unwrap_or_else(|| Splitter::shipped());
    if let Some(name) = &args.show {
        let page = pages
            .iter()
            .find(|p| &p.name == name)
            .ok_or_else(|| format!("no page {name} in {}", args.dir.display()))?;
        let variant = VARIANTS
            .into_iter()
            .find(|v| variant_name(*v) == args.variant)
            .ok_or_else(|| format!("no rendering {:?}: expected blank-lines, dense, crlf-masthead or column-breaks", args.variant))?;
        for (gold, predicted, text) in tagged_lines(splitter, &render(page, variant)) {
            let mark = if gold == predicted { ' ' } else { '!' };
            let short: String = text.chars().take(60).collect();
            writeln!(out, "{mark} {gold} {predicted}  {short}")?;
        }
        return Ok(());
    }
    let mut scores: Vec<PageScore> = Vec::new();
    for page in &pages {
        for variant in VARIANTS {
            let mut s = score(splitter, &page.name, variant, &render(page, variant));
            s.paper = page
                .items
                .first()
                .map(|i| i.source.clone())
                .unwrap_or_default();
            scores.push(s);
        }
    }
    let overall = summarise(&scores);
    let by_variant = summaries_by(&scores, |s| variant_name(s.variant));
    let mut by_paper = summaries_by(&scores, |s| s.paper.clone());
    by_paper.sort_by(|a, b| a.0.cmp(&b.0));
    let mut worst = scores.clone();
    worst.sort_by(|a, b| a.f1().total_cmp(&b.f1()).then(a.page.cmp(&b.page)));
    worst.truncate(args.worst);
    if args.json {
        let as_map = |groups: &[(String, Summary)]| -> serde_json::Map<String, serde_json::Value> {
            groups
                .iter()
                .map(|(name, s)| (name.clone(), serde_json::to_value(s).unwrap()))
                .collect()
        };
        let report = serde_json::json!({
            "overall": overall,
            "variants": as_map(&by_variant),
            "papers": as_map(&by_paper),
            "worst": worst,
        });
        writeln!(out, "{report}")?;
        return Ok(());
    }
    writeln!(out, "{} pages x {} renderings; article F1 {:.3} (precision {:.3}, recall {:.3}: {} of {} articles found, {} returned); exact headlines {:.3}; pages split perfectly {:.3}",
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
    )?;
    write_table(&mut out, "rendering", &by_variant)?;
    write_table(&mut out, "paper", &by_paper)?;
    writeln!(out, "\nworst renderings:")?;
    for s in &worst {
        writeln!(
            out,
            "  {} ({}): F1 {:.2}, {} of {} found, {} returned",
            s.page,
            variant_name(s.variant),
            s.f1(),
            s.found,
            s.gold,
            s.predicted
        )?;
    }
    Ok(())
}

/// The scores summed per group, groups named by `key`, in the order they
/// first appear.
fn summaries_by(
    scores: &[PageScore],
    key: impl Fn(&PageScore) -> String,
) -> Vec<(String, Summary)> {
    let mut names: Vec<String> = Vec::new();
    for s in scores {
        let name = key(s);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let of: Vec<PageScore> = scores.iter().filter(|s| key(s) == name).cloned().collect();
            (name, summarise(&of))
        })
        .collect()
}

/// One table of group summaries, headed by `what` the groups are.
fn write_table(
    out: &mut impl Write,
    what: &str,
    groups: &[(String, Summary)],
) -> std::io::Result<()> {
    writeln!(
        out,
        "\n{:<14} {:>6} {:>9} {:>7} {:>9} {:>8}",
        what, "F1", "precision", "recall", "headline", "perfect"
    )?;
    for (name, s) in groups {
        // Padded by terminal columns, not characters: a paper's name in
        // Chinese takes two columns a character.
        let pad = " ".repeat(14usize.saturating_sub(display_width(name)));
        writeln!(
            out,
            "{name}{pad} {:>6.3} {:>9.3} {:>7.3} {:>9.3} {:>8.3}",
            s.f1, s.precision, s.recall, s.exact_headline_rate, s.perfect_page_rate
        )?;
    }
    Ok(())
}

/// The name `--json` and the tables use for a rendering.
fn variant_name(variant: Variant) -> String {
    serde_json::to_value(variant)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
