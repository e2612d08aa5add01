//! The core API the service and the CLI call: an article in, a labelled,
//! scored, optionally explained answer out. Knows nothing of gRPC.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{self, Model, TermEvidence};
use crate::text::{ArticleText, TextPipeline};

/// How many evidence terms an explained answer carries at most.
pub const EVIDENCE_TERMS: usize = 10;

/// The label `min_confidence` falls back to.
pub const FALLBACK_LABEL: &str = "other";

/// What a caller asks of one classification.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassifyOptions {
    /// Also return the terms that decided the answer.
    pub explain: bool,
    /// Below this confidence the answer is [`FALLBACK_LABEL`].
    pub min_confidence: Option<f64>,
}

/// The answer for one article.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The chosen label (the fallback label when the answer abstained).
    pub label: String,
    /// The chosen label's probability.
    pub confidence: f64,
    /// Every label with its probability, highest first.
    pub scores: Vec<(String, f64)>,
    /// Terms that favour `label` over the runner-up, strongest first.
    pub evidence: Vec<TermEvidence>,
    /// Set when the answer abstained to [`FALLBACK_LABEL`]: why, e.g.
    /// `confidence 0.41 for trade is below min_confidence 0.6`, or that the
    /// model knows too few of the article's words.
    pub abstain_reason: Option<String>,
    /// The share of the article's word tokens the model knows, in [0, 1].
    pub coverage: f64,
}

/// The model shipped in `models/`, built into the binary so that `serve`
/// works from anywhere with no files beside it.
pub const SHIPPED_MODEL: &[u8] = include_bytes!("../models/default.model");

/// Where a model comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSource {
    /// A model file written by `train`.
    File(PathBuf),
    /// [`SHIPPED_MODEL`].
    Shipped,
}

impl ModelSource {
    /// Loads the model; a file must be a regular file of at most
    /// [`DEFAULT_MAX_MODEL_BYTES`](crate::files::DEFAULT_MAX_MODEL_BYTES).
    pub fn load(&self) -> Result<Classifier> {
        self.load_limited(crate::files::DEFAULT_MAX_MODEL_BYTES)
    }

    /// Loads the model; a file must be a regular file of at most `max_bytes`.
    pub fn load_limited(&self, max_bytes: u64) -> Result<Classifier> {
        let model = match self {
            Self::File(path) => model::load_limited(path, max_bytes)?,
            Self::Shipped => {
                model::decode_bytes(SHIPPED_MODEL, Path::new("models/default.model (built in)"))?
            }
        };
        Ok(Classifier::new(model))
    }
}

impl std::fmt::Display for ModelSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Shipped => f.write_str("shipped model (built in)"),
        }
    }
}

/// A model ready to answer requests.
pub struct Classifier {
    model: Model,
}

impl Classifier {
    /// Builds the model's text pipeline now (loading jieba's dictionary),
    /// so that the first request does not wait for it.
    pub fn new(model: Model) -> Self {
        model.pipeline();
        Self { model }
    }

    /// The model behind the answers.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The model's text pipeline.
    pub fn pipeline(&self) -> &TextPipeline {
        self.model.pipeline()
    }

    /// The word tokens the model reads in `text` as an article's body.
    pub fn segment(&self, text: &str) -> Vec<String> {
        self.pipeline().tokens(text)
    }

    /// Classifies one article: its label, confidence and every label's score
    /// (with `explain`, the terms that decided it), abstaining to
    /// [`FALLBACK_LABEL`] when `min_confidence` or the coverage threshold says
    /// so. Fails for invalid options or an article with no words to classify.
    pub fn classify(
        &self,
        article: ArticleText<'_>,
        options: &ClassifyOptions,
    ) -> Result<Classification> {
        let fallback = self.check_options(options)?;
        let vector = self.model.vectorise(article);
        if vector.has_no_terms() {
            return Err(Error::InvalidArticle(
                "article has no words to classify: title and body are empty or only punctuation, numbers and stop words".into(),
            ));
        }
        let coverage = vector.coverage();
        if let Some(min) = self.model.min_coverage().filter(|&min| coverage < min) {
            if let Some(fallback) = self.fallback_label() {
                return Ok(self.knows_too_little(fallback, coverage, min));
            }
        }
        let scores = self.model.score(&vector);
        let ranking = scores.ranking();
        let (top, runner_up) = (ranking[0], ranking[1]);
        let labels = self.model.labels();

        let chosen = choose(
            top,
            scores.probabilities[top],
            options.min_confidence,
            fallback,
        );
        let evidence = if options.explain {
            let other = if chosen == top { runner_up } else { top };
            self.model.evidence(&vector, chosen, other, EVIDENCE_TERMS)
        } else {
            Vec::new()
        };
        Ok(Classification {
            label: labels[chosen].clone(),
            confidence: scores.probabilities[chosen],
            scores: ranking
                .iter()
                .map(|&l| (labels[l].clone(), scores.probabilities[l]))
                .collect(),
            evidence,
            abstain_reason: (chosen != top).then(|| {
                abstain_reason(
                    &labels[top],
                    scores.probabilities[top],
                    options.min_confidence.unwrap_or_default(),
                )
            }),
            coverage,
        })
    }

    /// The answer for an article the model cannot read: the fallback label,
    /// every label equally likely (the scores say it knows nothing), no
    /// evidence, and why.
    fn knows_too_little(&self, fallback: usize, coverage: f64, min: f64) -> Classification {
        let labels = self.model.labels();
        let uniform = 1.0 / labels.len() as f64;
        let scores = std::iter::once(fallback)
            .chain((0..labels.len()).filter(|&l| l != fallback))
            .map(|l| (labels[l].clone(), uniform))
            .collect();
        Classification {
            label: labels[fallback].clone(),
            confidence: uniform,
            scores,
            evidence: Vec::new(),
            abstain_reason: Some(format!(
                "coverage {coverage:.2}: the model knows too few of the article's words (below {min:.2}); another language or script, or not news?"
            )),
            coverage,
        }
    }

    fn fallback_label(&self) -> Option<usize> {
        self.model.labels().iter().position(|l| l == FALLBACK_LABEL)
    }

    /// Validates options once; returns the fallback label's index when
    /// `min_confidence` is set.
    pub(crate) fn check_options(&self, options: &ClassifyOptions) -> Result<Option<usize>> {
        let Some(min) = options.min_confidence else {
            return Ok(None);
        };
        if !(0.0..=1.0).contains(&min) {
            return Err(Error::InvalidRequest(format!(
                "min_confidence must be within [0, 1], is {min}"
            )));
        }
        self.fallback_label().map(Some).ok_or_else(|| {
            Error::InvalidRequest(format!(
                "min_confidence needs a model with an {FALLBACK_LABEL:?} label"
            ))
        })
    }
}

/// The top label, or the fallback when `min` is set and the top label's
/// confidence is not at least `min`: a NaN confidence, for which every
/// comparison is false, falls back too.
fn choose(top: usize, confidence: f64, min: Option<f64>, fallback: Option<usize>) -> usize {
    match (min, fallback) {
        (Some(min), Some(fallback)) if confidence.is_nan() || confidence < min => fallback,
        _ => top,
    }
}

/// Why the answer is [`FALLBACK_LABEL`], with as many digits as it takes
/// for the confidence not to print as `min` itself (0.5999 is not "0.60").
fn abstain_reason(top_label: &str, confidence: f64, min: f64) -> String {
    if confidence.is_nan() {
        return format!("confidence for {top_label} is not a number (min_confidence {min})");
    }
    let mut digits = 2;
    let mut shown = format!("{confidence:.digits$}");
    while digits < 17 && shown.parse::<f64>().is_ok_and(|c| c >= min) {
        digits += 1;
        shown = format!("{confidence:.digits$}");
    }
    format!("confidence {shown} for {top_label} is below min_confidence {min}")
}

#[cfg(test)]
mod tests {
    use super::{abstain_reason, choose};

    #[test]
    fn low_or_nan_confidence_falls_back_and_enough_keeps_the_top_label() {
        let fallback = Some(5);
        assert_eq!(choose(1, 0.4, Some(0.5), fallback), 5);
        assert_eq!(choose(1, f64::NAN, Some(0.5), fallback), 5);
        assert_eq!(choose(1, f64::NAN, Some(0.0), fallback), 5);
        assert_eq!(choose(1, 0.5, Some(0.5), fallback), 1);
        assert_eq!(choose(1, 0.9, Some(0.5), fallback), 1);
        assert_eq!(choose(1, f64::NAN, None, None), 1);
    }

    #[test]
    fn the_reason_never_shows_the_confidence_as_the_threshold() {
        assert_eq!(
            abstain_reason("trade", 0.41, 0.6),
            "confidence 0.41 for trade is below min_confidence 0.6"
        );
        assert_eq!(
            abstain_reason("trade", 0.5999, 0.6),
            "confidence 0.5999 for trade is below min_confidence 0.6"
        );
    }
}

#[cfg(test)]
mod answer_tests {
    use super::*;

    fn shipped() -> Classifier {
        ModelSource::Shipped.load().unwrap()
    }

    /// Written for this test: workers back at work after the holiday.
    const RETURN_TO_WORK: ArticleText<'static> = ArticleText::new(
        "农民工返岗复工",
        "春节后各地组织农民工返岗，企业复工复产，返岗人员免费乘车，人社部门提供岗位。",
    );

    #[test]
    fn explained_answers_name_each_surface_word_once() {
        let options = ClassifyOptions {
            explain: true,
            min_confidence: None,
        };
        let result = shipped().classify(RETURN_TO_WORK, &options).unwrap();
        assert!(!result.evidence.is_empty());
        let mut surfaces: Vec<String> = result
            .evidence
            .iter()
            .map(|e| crate::text::TermKey::surface(&e.term))
            .collect();
        surfaces.sort();
        let listed = surfaces.len();
        surfaces.dedup();
        assert_eq!(surfaces.len(), listed, "{:?}", result.evidence);
    }

    #[test]
    fn an_answer_turned_into_other_says_so_and_why() {
        let classifier = shipped();
        let plain = classifier
            .classify(RETURN_TO_WORK, &ClassifyOptions::default())
            .unwrap();
        assert_eq!(plain.abstain_reason, None);
        let strict = ClassifyOptions {
            explain: false,
            min_confidence: Some(1.0),
        };
        let result = classifier.classify(RETURN_TO_WORK, &strict).unwrap();
        assert_eq!(result.label, FALLBACK_LABEL);
        let reason = result.abstain_reason.expect("abstained");
        assert!(reason.contains(&plain.label), "{reason}");
        assert!(reason.ends_with("is below min_confidence 1"), "{reason}");
    }

    #[test]
    fn text_the_model_cannot_read_abstains_and_says_it_knows_nothing() {
        let classifier = shipped();
        let min = classifier
            .model()
            .min_coverage()
            .expect("the shipped model records coverage");
        assert!((0.05..0.9).contains(&min), "{min}");
        let news = classifier
            .classify(RETURN_TO_WORK, &ClassifyOptions::default())
            .unwrap();
        assert!(news.coverage > 0.9, "{}", news.coverage);
        assert_eq!(news.abstain_reason, None);
        // Written for this test: an English metro story and gibberish.
        for (title, body) in [
            (
                "New metro line opens",
                "The city opened a new subway line with fifteen stations.",
            ),
            ("xyzzy qwerty", "asdf zxcv plugh"),
        ] {
            let answer = classifier
                .classify(ArticleText::new(title, body), &ClassifyOptions::default())
                .unwrap();
            assert!(answer.coverage < min, "{title}: {}", answer.coverage);
            assert_eq!(answer.label, FALLBACK_LABEL);
            let uniform = 1.0 / classifier.model().labels().len() as f64;
            assert_eq!(answer.confidence, uniform);
            assert!(answer.scores.iter().all(|(_, p)| *p == uniform));
            assert_eq!(answer.scores[0].0, FALLBACK_LABEL);
            let reason = answer.abstain_reason.expect("abstained");
            assert!(reason.starts_with("coverage 0."), "{reason}");
        }
    }
}
