//! The whole text path, from untrusted bytes to an answer: normalise,
//! segment, features and scoring with the shipped model. Any input must give
//! either a well-formed classification or the "no words" error, never a
//! panic, a hang or a non-finite probability.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use policy_classifier::classifier::{ClassifyOptions, ModelSource};
use policy_classifier::text::{normalise, ArticleText};
use policy_classifier::{Classifier, Error};

fn classifier() -> &'static Classifier {
    static CLASSIFIER: OnceLock<Classifier> = OnceLock::new();
    CLASSIFIER.get_or_init(|| ModelSource::Shipped.load().expect("shipped model loads"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first line is the title, the rest the body.
    let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
    let normalised = normalise(&text);
    assert!(!normalised.starts_with(' ') && !normalised.ends_with(' '));
    let classifier = classifier();
    let _ = classifier.segment(body);
    let options = ClassifyOptions {
        explain: data.first().is_some_and(|b| b & 1 == 1),
        min_confidence: None,
    };
    match classifier.classify(ArticleText::new(title, body), &options) {
        Ok(answer) => {
            let sum: f64 = answer.scores.iter().map(|(_, p)| p).sum();
            assert!((sum - 1.0).abs() < 1e-6, "probabilities sum to {sum}");
            assert!(answer.scores.iter().all(|(_, p)| p.is_finite()));
            assert!(answer.evidence.iter().all(|e| e.weight.is_finite()));
        }
        Err(Error::InvalidArticle(_)) => {}
        Err(other) => panic!("unexpected error: {other}"),
    }
});
