//! Trains the line tagger on real pages: every page is rendered in each
//! variant of the benchmark, each rendered line gets its gold [`Tag`] from
//! the item it came from, and a multinomial logistic regression is fitted
//! by AdaGrad in a fixed order, so the same pages give the same file, bit
//! for bit.
//!
//! Decoding reads the tag of the line before, which at training time is the
//! gold one. A second round adds every training line again as the first
//! round's model decodes it (its own, sometimes wrong, history), so the
//! tagger learns to recover from its mistakes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use super::benchmark::{render, PageFile, RenderedLine, VARIANTS};
use super::features::{
    bigrams, line_view, reading_features, ArticleState, ArticleWords, Bigram, Idf, IdfTable, Shape,
};
use super::marked::TaggedPage;
use super::tagger::{Splitter, SplitterFile, Tag, TAGS};
use crate::error::{Error, Result};

/// How the tagger is fitted.
#[derive(Debug, Clone)]
pub struct SplitterParams {
    /// Passes over the training lines, per round.
    pub epochs: usize,
    /// L2 penalty per feature and pass.
    pub l2: f64,
    /// AdaGrad learning rate.
    pub learning_rate: f64,
    /// 1: gold history only; 2: also the first model's own history.
    pub rounds: usize,
    /// How many times each marked page counts (a page file counts once per
    /// rendering, four times).
    pub marked_repeats: usize,
}

impl Default for SplitterParams {
    fn default() -> Self {
        // Chosen on pages of 2026-05-16..31 with training before them
        // (docs/page-splitting.md): with the article pages the data is
        // seven times larger and wants more passes and a lighter penalty.
        SplitterParams {
            epochs: 30,
            l2: 1.0,
            learning_rate: 0.2,
            rounds: 1,
            marked_repeats: 4,
        }
    }
}

impl SplitterParams {
    fn check(&self) -> Result<()> {
        let bad = |name: &'static str, reason: &str| {
            Err(Error::InvalidParameter {
                name,
                reason: reason.to_owned(),
            })
        };
        if self.epochs == 0 {
            return bad("epochs", "must be at least 1");
        }
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return bad("l2", "must be a finite number >= 0");
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad("learning_rate", "must be a finite number > 0");
        }
        if !(1..=2).contains(&self.rounds) {
            return bad("rounds", "must be 1 or 2");
        }
        Ok(())
    }
}

/// The gold tag of each rendered line.
pub(super) fn gold_tags(lines: &[RenderedLine]) -> Vec<Tag> {
    let mut seen = HashSet::new();
    let mut last: Option<(usize, bool)> = None;
    lines
        .iter()
        .map(|line| {
            let Some(owner) = line.owner else {
                return Tag::Dropped;
            };
            let tag = if seen.insert(owner) {
                if line.head {
                    Tag::Head
                } else {
                    Tag::Body
                }
            } else if line.head && last == Some((owner, true)) {
                Tag::Title
            } else {
                Tag::Inside
            };
            last = Some((owner, line.head));
            tag
        })
        .collect()
}

/// One training line: its features (interned) and its gold tag.
struct Example {
    features: Vec<(u32, f64)>,
    tag: usize,
}

#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        id
    }
}

/// Trains a splitter on `pages` (all of them: choose the training pages
/// before calling), each rendered in every variant, and on `marked` pages,
/// each taken `params.marked_repeats` times.
pub fn train_splitter(
    pages: &[PageFile],
    marked: &[TaggedPage],
    params: &SplitterParams,
) -> Result<SplitterFile> {
    params.check()?;
    let mut renderings: Vec<(Vec<String>, Vec<Tag>)> = pages
        .iter()
        .flat_map(|page| VARIANTS.iter().map(move |&v| render(page, v)))
        .map(|r| {
            let tags = gold_tags(&r.lines);
            let lines = r.lines.into_iter().map(|l| l.text).collect::<Vec<_>>();
            (lines, tags)
        })
        .collect();
    for page in marked {
        for _ in 0..params.marked_repeats {
            renderings.push((page.lines.clone(), page.tags.clone()));
        }
    }
    renderings.retain(|(lines, _)| !lines.is_empty());
    if renderings.is_empty() {
        return Err(Error::UnusableData(
            "no page with any line to train the splitter on".into(),
        ));
    }
    let (idf, unseen_idf) = idf_table(pages);
    let mut interner = Interner::default();
    let mut examples = Vec::new();
    for (lines, tags) in &renderings {
        featurise(
            lines,
            tags,
            tags,
            &idf,
            unseen_idf,
            &mut interner,
            &mut examples,
        );
    }
    let mut weights = fit(&examples, interner.names.len(), params);
    if params.rounds == 2 {
        let first = to_file(&interner, &weights, &idf, unseen_idf, BTreeMap::new());
        let model = Splitter::from_file(first, Path::new("(first round)"))?;
        for (lines, tags) in &renderings {
            let texts: Vec<&str> = lines.iter().map(String::as_str).collect();
            let decoded = model.tag(&texts, &[], &[]);
            featurise(
                lines,
                &decoded,
                tags,
                &idf,
                unseen_idf,
                &mut interner,
                &mut examples,
            );
        }
        weights = fit(&examples, interner.names.len(), params);
    }
    let trained = BTreeMap::from([
        ("pages".to_owned(), pages.len().to_string()),
        ("marked_pages".to_owned(), marked.len().to_string()),
        (
            "marked_repeats".to_owned(),
            params.marked_repeats.to_string(),
        ),
        ("renderings".to_owned(), renderings.len().to_string()),
        ("lines".to_owned(), examples.len().to_string()),
        ("epochs".to_owned(), params.epochs.to_string()),
        ("l2".to_owned(), params.l2.to_string()),
        ("learning_rate".to_owned(), params.learning_rate.to_string()),
        ("rounds".to_owned(), params.rounds.to_string()),
        (
            "dates".to_owned(),
            date_range(pages).unwrap_or_else(|| "-".into()),
        ),
    ]);
    Ok(to_file(&interner, &weights, &idf, unseen_idf, trained))
}

fn date_range(pages: &[PageFile]) -> Option<String> {
    let dates = pages
        .iter()
        .filter_map(|p| p.items.first())
        .map(|i| i.date.as_str());
    let first = dates.clone().min()?;
    let last = dates.max()?;
    Some(format!("{first}..{last}"))
}

/// Features of every line given the tags of the lines before it
/// (`history`), labelled with the gold tags.
fn featurise(
    lines: &[String],
    history: &[Tag],
    gold: &[Tag],
    idf: &IdfTable,
    unseen_idf: f32,
    interner: &mut Interner,
    out: &mut Vec<Example>,
) {
    let texts: Vec<&str> = lines.iter().map(String::as_str).collect();
    let shapes: Vec<Shape> = texts.iter().map(|l| Shape::of(l)).collect();
    let idf = Idf {
        table: idf,
        unseen: unseen_idf,
    };
    let mut state = ArticleState::default();
    let mut words = ArticleWords::default();
    let mut previous = Tag::Dropped;
    let mut features = Vec::new();
    for i in 0..texts.len() {
        features.clear();
        let view = line_view(&texts, &shapes, i, &idf, &mut features);
        reading_features(
            texts[i],
            &shapes[i],
            &view,
            previous,
            (&state, words.of(state.start())),
            &idf,
            &mut features,
        );
        out.push(Example {
            features: features
                .iter()
                .map(|(name, value)| (interner.id(name), *value))
                .collect(),
            tag: TAGS.iter().position(|&t| t == gold[i]).unwrap_or(0),
        });
        state.update(i, texts[i], &shapes[i], history[i]);
        words.advance(i, &view.this, std::iter::once(state.start()));
        if history[i] != Tag::Dropped {
            previous = history[i];
        }
    }
}

/// Multinomial logistic regression by AdaGrad, examples in their order.
fn fit(examples: &[Example], features: usize, params: &SplitterParams) -> Vec<[f64; 5]> {
    let mut counts = vec![0u32; features];
    for example in examples {
        for &(f, _) in &example.features {
            counts[f as usize] += 1;
        }
    }
    let mut weights = vec![[0.0f64; 5]; features];
    let mut squared = vec![[1e-6f64; 5]; features];
    let mut probabilities = [0.0f64; 5];
    for _ in 0..params.epochs {
        for example in examples {
            let mut scores = [0.0f64; 5];
            for &(f, v) in &example.features {
                for (s, w) in scores.iter_mut().zip(&weights[f as usize]) {
                    *s += w * v;
                }
            }
            let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut total = 0.0;
            for (p, s) in probabilities.iter_mut().zip(scores) {
                *p = (s - max).exp();
                total += *p;
            }
            for (f, v) in &example.features {
                let f = *f as usize;
                // The penalty is spread over the lines a feature occurs on,
                // so each pass applies it once per feature in all.
                let shrink = params.l2 / f64::from(counts[f]);
                for k in 0..5 {
                    let target = if k == example.tag { 1.0 } else { 0.0 };
                    let gradient = v * (probabilities[k] / total - target) + shrink * weights[f][k];
                    squared[f][k] += gradient * gradient;
                    weights[f][k] -= params.learning_rate * gradient / squared[f][k].sqrt();
                }
            }
        }
    }
    weights
}

fn to_file(
    interner: &Interner,
    weights: &[[f64; 5]],
    idf: &IdfTable,
    unseen_idf: f32,
    trained: BTreeMap<String, String>,
) -> SplitterFile {
    let weights = interner
        .names
        .iter()
        .zip(weights)
        .map(|(name, w)| (name.clone(), w.map(|x| x as f32)))
        .filter(|(_, w)| w.iter().any(|x| x.abs() > 1e-4))
        .collect();
    SplitterFile {
        trained,
        weights,
        tags: TAGS.iter().map(|t| t.code().to_owned()).collect(),
        idf: idf
            .iter()
            .map(|(&(a, b), &w)| (format!("{a}{b}"), w))
            .collect(),
        unseen_idf,
    }
}

/// IDF of character bigrams over the articles of `pages`; only bigrams in
/// at least two articles are kept (the rest weigh as unseen).
fn idf_table(pages: &[PageFile]) -> (IdfTable, f32) {
    let mut df: HashMap<Bigram, u32> = HashMap::new();
    let mut articles = 0u32;
    for item in pages.iter().flat_map(|p| &p.items) {
        if !matches!(item.kind.as_str(), "article" | "continuation") {
            continue;
        }
        articles += 1;
        let text = format!("{}{}", item.title.as_deref().unwrap_or(""), item.text);
        for bigram in bigrams(&text) {
            *df.entry(bigram).or_default() += 1;
        }
    }
    let n = f64::from(articles.max(2));
    let table = df
        .into_iter()
        .filter(|&(_, d)| d >= 2)
        .map(|(b, d)| (b, (n / f64::from(1 + d)).ln() as f32))
        .collect();
    (table, (n / 2.0).ln() as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::benchmark::{PageItem, Variant};
    use crate::page::marked::tag_marked_text;

    fn item(title: &str, text: &str) -> PageItem {
        PageItem {
            id: String::new(),
            source: "本报".into(),
            date: "2026-01-01".into(),
            page: "01".into(),
            kind: "article".into(),
            intro_title: None,
            title: Some(title.into()),
            subtitle: None,
            byline: Some("本报记者  张三".into()),
            text: text.into(),
            photo_captions: Vec::new(),
            continued_from_page: None,
        }
    }

    /// Pages of three stories each, every story a headline, a byline and
    /// two paragraphs.
    fn pages() -> Vec<PageFile> {
        let stories = [
            ("滨江步道年内建成", "市政府召开会议，部署滨江步道建设工作，要求年内建成开放。\n步道全长十二公里，连接三个公园和两个观景平台。"),
            ("海关推广关税保证保险", "海关推广关税保证保险，进口企业先通关后缴税。\n芯片进口企业资金压力减轻，通关效率提高。"),
            ("专列送农民工返岗", "首趟返岗专列从重庆北站开出，千余名务工人员奔赴广东。\n各地还开通包车，点对点送员工返岗。"),
            ("算力枢纽节点获批", "全国一体化算力网络枢纽节点获批，数据中心集群开工。\n首批项目总投资超过百亿元。"),
        ];
        (0..4)
            .map(|n| PageFile {
                name: format!("page-{n}"),
                items: (0..3)
                    .map(|k| {
                        let (title, text) = stories[(n + k) % stories.len()];
                        item(title, text)
                    })
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn gold_tags_open_each_story_at_its_headline() {
        let rendered = render(&pages()[0], Variant::Dense);
        let tags = gold_tags(&rendered.lines);
        let codes: String = tags.iter().map(|t| t.code()).collect();
        // Headline, byline, two paragraphs; three times.
        assert_eq!(codes, "HIIIHIIIHIII");
    }

    #[test]
    fn training_is_deterministic_and_learns_the_pages() {
        let params = SplitterParams::default();
        let first = train_splitter(&pages(), &[], &params).unwrap();
        let second = train_splitter(&pages(), &[], &params).unwrap();
        let json = |f: &SplitterFile| serde_json::to_string(f).unwrap();
        assert_eq!(json(&first), json(&second));

        let splitter = Splitter::from_file(first, Path::new("test")).unwrap();
        let page = render(&pages()[1], Variant::BlankLines);
        let split = splitter.split(&page.text);
        let titles: Vec<&str> = split.articles.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "海关推广关税保证保险",
                "专列送农民工返岗",
                "算力枢纽节点获批"
            ]
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        for params in [
            SplitterParams {
                epochs: 0,
                ..SplitterParams::default()
            },
            SplitterParams {
                l2: f64::NAN,
                ..SplitterParams::default()
            },
            SplitterParams {
                rounds: 3,
                ..SplitterParams::default()
            },
        ] {
            assert!(
                train_splitter(&pages(), &[], &params).is_err(),
                "{params:?}"
            );
        }
    }

    #[test]
    fn marked_pages_train_alongside_page_files() {
        let page = "重庆日报  2022年2月17日  星期四\n步道新段开放\n本报讯 南滨路步道新段建成开放。\n算力枢纽获批\n本报讯 成渝枢纽节点获批。\n";
        let marks = r#"{"articles": [
            {"title": "步道新段开放", "first": "步道新段", "last": "建成开放。"},
            {"title": "算力枢纽获批", "first": "算力枢纽", "last": "节点获批。"}
        ]}"#;
        let tagged = tag_marked_text("p", page, marks).unwrap();
        let codes: String = tagged.tags.iter().map(|t| t.code()).collect();
        assert_eq!(codes, "DHIHI");
        let with = train_splitter(&pages(), &[tagged], &SplitterParams::default()).unwrap();
        assert_eq!(with.trained["marked_pages"], "1");
    }

    #[test]
    fn a_splitter_file_with_other_tags_is_refused() {
        let mut file = train_splitter(&pages(), &[], &SplitterParams::default()).unwrap();
        file.tags.reverse();
        let error = Splitter::from_file(file, Path::new("x.json"))
            .err()
            .unwrap();
        assert!(error.to_string().contains("x.json"), "{error}");
    }
}
