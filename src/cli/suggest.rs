//! `suggest`: from an unlabelled JSONL pool, the N articles whose labels
//! would teach the model most, written as JSONL ready to label.

use std::path::PathBuf;

use clap::Args;

use super::{model_source, CliResult};
use crate::model::corpus::article_lines;
use crate::suggest::suggest;
use crate::text::{ArticleText, OwnedArticle};

#[derive(Args)]
pub(super) struct SuggestArgs {
    /// Unlabelled JSONL articles to choose from (the `classify` format).
    pool: PathBuf,
    /// How many articles to suggest.
    #[arg(long, short = 'n', default_value_t = 50)]
    count: usize,
    /// Model file; the shipped model when omitted.
    #[arg(long, env = "POLICY_CLASSIFIER_MODEL")]
    model: Option<PathBuf>,
    /// Where to write the suggestions (JSONL); standard output when omitted.
    #[arg(long, short = 'o', value_name = "FILE.jsonl")]
    out: Option<PathBuf>,
    /// Replace `--out` if it exists.
    #[arg(long, requires = "out")]
    force: bool,
}

/// A pool line kept whole (every field, in its order) and as text to score.
struct PoolArticle {
    fields: serde_json::Map<String, serde_json::Value>,
    article: OwnedArticle,
}

pub(super) fn run(args: SuggestArgs) -> CliResult {
    if let Some(path) = args.out.as_ref().filter(|p| p.exists() && !args.force) {
        return Err(format!(
            "{}: file exists; pass --force to replace it",
            path.display()
        )
        .into());
    }
    let classifier = model_source(args.model).load()?;
    let pool = read_pool(&args.pool)?;
    let texts: Vec<ArticleText<'_>> = pool.iter().map(|a| a.article.text()).collect();
    let picked = suggest(&classifier, &texts, args.count);
    let mut out = String::new();
    for s in &picked {
        let mut fields = pool[s.index].fields.clone();
        // Empty, so that `train` stops at a line nobody labelled.
        fields.insert("label".into(), "".into());
        fields.insert("guess".into(), s.guess.clone().into());
        fields.insert("guess_probability".into(), s.guess_probability.into());
        fields.insert("runner_up".into(), s.runner_up.clone().into());
        fields.insert(
            "runner_up_probability".into(),
            s.runner_up_probability.into(),
        );
        out.push_str(&serde_json::to_string(&fields)?);
        out.push('\n');
    }
    match &args.out {
        Some(path) => {
            crate::files::write_atomically(path, out.as_bytes(), args.force)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        None => {
            use std::io::Write;
            std::io::stdout().lock().write_all(out.as_bytes())?;
        }
    }
    eprintln!(
        "suggested {} of {} articles{} (most uncertain first, near-duplicates and text foreign to the model skipped); label them in \"label\" and train with them",
        picked.len(),
        pool.len(),
        args.out
            .as_ref()
            .map(|p| format!(", wrote {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}

fn read_pool(path: &std::path::Path) -> Result<Vec<PoolArticle>, Box<dyn std::error::Error>> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = std::io::read_to_string(file).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut pool = Vec::new();
    // Parsed twice: once as an article (the one reader of article lines,
    // with its errors naming file and line), once as a map to keep every
    // field the user's file has.
    for (item, raw) in
        article_lines(text.as_bytes(), path).zip(text.lines().filter(|l| !l.trim().is_empty()))
    {
        let (_, mut article) = item?;
        let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
        let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_str(raw)?;
        pool.push(PoolArticle {
            fields,
            article: article.take_article(),
        });
    }
    Ok(pool)
}
