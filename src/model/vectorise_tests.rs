//! Serving scores articles straight from token ids (`Model::vectorise`);
//! training and reports name every term (`TextPipeline::features`). These
//! tests hold the two paths to the same vectors, bit for bit.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::classifier::ModelSource;
use crate::text::{ArticleText, TextConfig, TextPipeline};

/// Articles that stress the id path: underscores inside tokens (jieba keeps
/// `a_b` whole, so `x_y_z` can be two different pairs), ASCII words, `#`,
/// repeated terms across title, lead and body, and nothing but punctuation.
const TRICKY: [(&str, &str); 8] = [
    (
        "foo_bar 港口",
        "foo_bar baz 港口 foo bar_baz。港口 foo_bar_baz 集装箱 港口",
    ),
    ("", "foo bar_baz foo_bar baz foo_bar_baz"),
    (
        "#港口 #算力",
        "算力枢纽 #港口 东数西算 算力 枢纽 算力枢纽。东数西算",
    ),
    ("大桥通车", ""),
    ("", "。,、!?"),
    ("5g基站建设", "5g 基站 2022 年 建设 5g 基站 3.5% 的 了"),
    ("ＡＢＣ　全角", "Ａｂｃ ａｂｃ abc ABC 全角 半角"),
    (
        "城市更新 老旧小区",
        "老旧小区改造 城市更新 老旧 小区 改造。城市 更新 老旧小区",
    ),
];

fn fixture_articles() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus.jsonl");
    let documents = read_corpus(&[path], &default_labels()).expect("fixture corpus reads");
    documents
        .into_iter()
        .map(|d| (d.title, d.text))
        .chain(TRICKY.iter().map(|(t, b)| (t.to_string(), b.to_string())))
        .collect()
}

fn assert_paths_agree(model: &Model, pipeline: &TextPipeline) {
    for (title, body) in fixture_articles() {
        let article = ArticleText::new(&title, &body);
        let features = pipeline.features(article);
        let vector = model.vectorise(article);
        assert_eq!(
            vector.row,
            model.vector_of_features(&features),
            "vectors differ for {title:?} / {body:?}"
        );
        assert_eq!(vector.has_no_terms(), features.is_empty(), "{body:?}");
        assert_eq!(model.score(&vector), model.score_features(&features));
        let (top, next) = (0, model.labels().len() - 1);
        assert_eq!(
            model.evidence(&vector, top, next, 10),
            model.evidence_of_features(&features, top, next, 10)
        );
    }
}

/// A model whose vocabulary holds every term of the fixture and the tricky
/// articles, with bigrams and character bigrams on.
fn model_knowing_everything(text: TextConfig) -> (Model, Arc<TextPipeline>) {
    let params = TrainParams {
        text,
        min_df: 1,
        weighting: Weighting::ALL,
        ..TrainParams::plain()
    }
    .check()
    .unwrap();
    let pipeline = params.pipeline();
    let articles = fixture_articles();
    let features: Vec<_> = articles
        .iter()
        .map(|(title, body)| pipeline.features(ArticleText::new(title, body)))
        .collect();
    let labels: Vec<usize> = (0..features.len()).map(|i| i % 6).collect();
    let model = params.fit(&TrainingSet::new(&features, &labels)).unwrap();
    (model, pipeline)
}

#[test]
fn id_path_equals_named_path_with_word_and_character_bigrams() {
    let (model, pipeline) = model_knowing_everything(TextConfig {
        bigrams: true,
        char_bigrams: true,
        strip_boilerplate: true,
        lead_weight: 1.5,
        ..TextConfig::default()
    });
    assert!(
        model.vocabulary_size() > 500,
        "the vocabulary covers the articles"
    );
    assert_paths_agree(&model, &pipeline);
}

#[test]
fn id_path_equals_named_path_without_bigrams() {
    let (model, pipeline) = model_knowing_everything(TextConfig::default());
    assert_paths_agree(&model, &pipeline);
}

#[test]
fn id_path_equals_named_path_on_the_shipped_model() {
    let classifier = ModelSource::Shipped.load().unwrap();
    assert_paths_agree(classifier.model(), classifier.pipeline());
}

#[test]
fn a_pair_of_tokens_with_underscores_finds_its_bigram() {
    let (model, _) = model_knowing_everything(TextConfig {
        bigrams: true,
        ..TextConfig::default()
    });
    // `foo_bar_baz` is in the vocabulary as a single token and as the pairs
    // (foo_bar, baz) and (foo, bar_baz); each must reach the same id.
    let id = model
        .term_ids
        .term("foo_bar_baz")
        .expect("in the vocabulary");
    for body in ["foo_bar baz", "foo bar_baz", "foo_bar_baz"] {
        let vector = model.vectorise(ArticleText::new("", body));
        assert!(
            vector.row.iter().any(|&(t, _)| t == id),
            "{body:?} counts foo_bar_baz"
        );
    }
}

#[test]
fn a_vocabulary_with_a_repeated_term_is_refused() {
    let (model, _) = model_knowing_everything(TextConfig::default());
    let mut parts = model.parts().clone();
    parts.vocabulary[1] = parts.vocabulary[0].clone();
    let error = Model::from_parts(parts, "test".into())
        .expect_err("a repeated term must not load")
        .to_string();
    assert!(error.contains("twice"), "{error}");
}

#[test]
fn an_extreme_calibration_is_clamped_so_the_saved_model_loads() {
    let (mut model, _) = model_knowing_everything(TextConfig::default());
    let labels = model.labels().len();
    model.set_calibration(1e-9, vec![5e3; labels]);
    assert_eq!(model.temperature(), 1e-4);
    assert!(model.label_bias().iter().all(|&b| b == 1e3));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clamped.model");
    crate::model::save(&mut model, &path, false).unwrap();
    assert!(crate::model::load(&path).is_ok());
}
