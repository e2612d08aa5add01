//! Model tests on the hand-written fixture corpus (short articles, so that
//! linfa's own `predict_proba`, which exponentiates joint log-likelihoods
//! without subtracting their maximum, does not underflow).

use std::path::{Path, PathBuf};

use linfa_bayes::NaiveBayes;
use ndarray::{Array1, Array2};

use super::linfa_bridge::fit_linfa;
use super::metrics::{summarise_groups, EvaluationSummary};
use super::*;
use crate::error::Error;
use crate::text::{ArticleText, Features};

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus.jsonl")
}

fn fixture() -> Vec<LabeledDocument> {
    read_corpus(&[fixture_path()], &default_labels()).expect("fixture corpus reads")
}

fn labels_of(documents: &[LabeledDocument]) -> Vec<usize> {
    documents.iter().map(|d| d.label).collect()
}

/// Raw multinomial NB, every term kept, no calibration.
fn plain_params() -> ValidTrainParams {
    TrainParams {
        min_df: 1,
        ..TrainParams::plain()
    }
    .check()
    .unwrap()
}

/// The model's weighted vectors of `features` as a dense documents ×
/// vocabulary matrix: what linfa would be handed without the sparse path.
fn dense(model: &Model, features: &[Features]) -> Array2<f64> {
    let mut x = Array2::zeros((features.len(), model.vocabulary_size()));
    for (i, f) in features.iter().enumerate() {
        for (t, value) in model.vector_of_features(f) {
            x[[i, t as usize]] = value;
        }
    }
    x
}

/// Fits linfa on the full dense matrix and checks that the compiled sparse
/// scorer gives the same probabilities as `predict_proba` on every document.
fn assert_scorer_matches_linfa(params: &ValidTrainParams) {
    let documents = fixture();
    let features = extract_features(&params.pipeline(), &documents);
    let labels = labels_of(&documents);
    let model = params.fit(&TrainingSet::new(&features, &labels)).unwrap();
    assert_eq!(model.temperature(), 1.0, "uncalibrated for this comparison");

    let x = dense(&model, &features);
    let linfa_model = fit_linfa(x.view(), Array1::from(labels), params.params().alpha).unwrap();
    let (proba, classes) = linfa_model.predict_proba(x.view());
    assert_eq!(
        classes.into_iter().copied().collect::<Vec<_>>(),
        (0..6).collect::<Vec<_>>()
    );
    let mut largest_gap = 0f64;
    for (i, f) in features.iter().enumerate() {
        let ours = model.score_features(f).probabilities;
        for (label, p) in ours.iter().enumerate() {
            assert!(
                proba[[i, label]].is_finite(),
                "linfa underflowed on doc {i}"
            );
            largest_gap = largest_gap.max((p - proba[[i, label]]).abs());
        }
    }
    assert!(largest_gap < 1e-9, "largest probability gap {largest_gap}");
}

#[test]
fn sparse_scorer_matches_linfa_predict_proba_on_raw_counts() {
    assert_scorer_matches_linfa(&plain_params());
}

#[test]
fn sparse_scorer_matches_linfa_predict_proba_on_weighted_vectors() {
    let params = TrainParams {
        min_df: 1,
        weighting: Weighting::ALL,
        ..TrainParams::plain()
    }
    .check()
    .unwrap();
    assert_scorer_matches_linfa(&params);
}

#[test]
fn fitted_models_label_their_training_documents() {
    let documents = fixture();
    for complement in [false, true] {
        let params = TrainParams {
            min_df: 1,
            complement,
            weighting: Weighting::ALL,
            ..TrainParams::plain()
        }
        .check()
        .unwrap();
        let model = params.fit_corpus(&documents).unwrap();
        let summary = evaluate::evaluate(&model, &documents, "training set");
        assert!(
            summary.accuracy > 0.9,
            "complement={complement}: {}",
            summary.accuracy
        );
    }
}

#[test]
fn complement_model_counts_terms_against_the_other_labels() {
    let documents = fixture();
    let params = TrainParams {
        min_df: 1,
        complement: true,
        ..TrainParams::plain()
    }
    .check()
    .unwrap();
    let model = params.fit_corpus(&documents).unwrap();
    let port = Features::from_counts(vec![("海关".into(), 1.0)]);
    let joint = model.log_joint_of_features(&port);
    let prior = &model.parts().class_log_prior;
    let trade = 3;
    let urban = 4;
    // A trade word is rare outside trade, so trade's complement gives it a
    // low probability and its weight -ln P(term | not trade) is largest.
    assert!(joint[trade] - prior[trade] > joint[urban] - prior[urban]);
}

#[test]
fn calibration_fits_a_temperature_on_held_out_folds() {
    let documents = fixture();
    let params = TrainParams {
        min_df: 1,
        calibration_folds: 4,
        // The fixture has 8 documents a label; these tests are about
        // calibration, so they lower its minimum.
        calibration_min_documents: 4,
        ..TrainParams::plain()
    }
    .check()
    .unwrap();
    let model = params.fit_corpus(&documents).unwrap();
    assert!(model.temperature().is_finite() && model.temperature() > 0.0);
    assert_ne!(model.temperature(), 1.0, "a temperature was fitted");
    let uncalibrated = plain_params().fit_corpus(&documents).unwrap();
    let features = extract_features(&params.pipeline(), &documents);
    for f in &features {
        // Temperature changes confidence, never the ranking.
        assert_eq!(
            model.score_features(f).ranking()[0],
            uncalibrated.score_features(f).ranking()[0]
        );
    }
}

#[test]
fn em_with_zero_weight_is_the_supervised_fit_and_positive_weight_moves_it() {
    let documents = fixture();
    let base = TrainParams {
        min_df: 1,
        ..TrainParams::plain()
    };
    let features = extract_features(&plain_params().pipeline(), &documents);
    let labels = labels_of(&documents);
    let unlabeled: Vec<Features> = features.iter().take(12).cloned().collect();
    let fit_with = |weight: f64| {
        TrainParams {
            em: EmParams {
                iterations: 2,
                weight,
            },
            ..base.clone()
        }
        .check()
        .unwrap()
        .fit(&TrainingSet::new(&features, &labels).with_unlabeled(&unlabeled))
        .unwrap()
    };
    let supervised = plain_params()
        .fit(&TrainingSet::new(&features, &labels))
        .unwrap();
    assert_eq!(
        fit_with(0.0).parts().feature_log_prob,
        supervised.parts().feature_log_prob
    );
    assert_ne!(
        fit_with(0.5).parts().feature_log_prob,
        supervised.parts().feature_log_prob
    );
}

#[test]
fn evidence_is_taken_after_length_normalisation() {
    let documents = fixture();
    let params = TrainParams {
        min_df: 1,
        weighting: Weighting::IDF_L2,
        ..TrainParams::plain()
    }
    .check()
    .unwrap();
    let model = params.fit_corpus(&documents).unwrap();
    let pipeline = params.pipeline();
    let body = &documents[0].text;
    let once = pipeline.features(ArticleText::new("", body));
    let twice = pipeline.features(ArticleText::new("", &format!("{body} {body}")));
    let scores = model.score_features(&once);
    let ranking = scores.ranking();
    let a = model.evidence_of_features(&once, ranking[0], ranking[1], 5);
    let b = model.evidence_of_features(&twice, ranking[0], ranking[1], 5);
    assert!(!a.is_empty());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.term, y.term);
        assert!((x.weight - y.weight).abs() < 1e-12, "{x:?} vs {y:?}");
    }
}

#[test]
fn cross_validation_reports_spread_over_folds() {
    let documents = fixture();
    let summary = evaluate::cross_validate(&plain_params(), &documents, 4, 3).unwrap();
    assert_eq!(summary.documents, documents.len() as u64);
    let spread = summary.spread.expect("cross-validation has a spread");
    assert_eq!(spread.folds, 4);
    assert_eq!(spread.per_label.len(), 6);
    assert!((0.0..=1.0).contains(&spread.macro_f1.mean));
    assert!(spread.macro_f1.sd >= 0.0);
}

#[test]
fn cross_validation_by_group_splits_the_pooled_outcomes_without_changing_them() {
    let documents = fixture();
    let params = plain_params();
    let pooled = evaluate::cross_validate(&params, &documents, 4, 3).unwrap();
    let (summary, outcomes) =
        evaluate::cross_validate_with_outcomes(&params, &documents, &[], 4, 3).unwrap();
    assert_eq!(summary, pooled);
    assert_eq!(outcomes.len(), documents.len());
    // Outcomes are in document order: each carries its document's label.
    assert!(outcomes
        .iter()
        .zip(&documents)
        .all(|(o, d)| o.truth == d.label));
    let groups: Vec<String> = (0..documents.len())
        .map(|i| if i % 3 == 0 { "a" } else { "b" }.to_string())
        .collect();
    let by = summarise_groups("half", &params.params().labels, &outcomes, &groups);
    assert_eq!(by.len(), 2);
    assert_eq!((by[0].value.as_str(), by[1].value.as_str()), ("a", "b"));
    assert_eq!(
        by[0].summary.documents + by[1].summary.documents,
        pooled.documents
    );
    let correct = |s: &EvaluationSummary| (s.accuracy * s.documents as f64).round() as u64;
    assert_eq!(
        correct(&by[0].summary) + correct(&by[1].summary),
        correct(&pooled)
    );
}

#[test]
fn leaving_a_group_out_scores_it_with_a_model_that_never_saw_it() {
    let documents = fixture();
    let params = plain_params();
    let groups: Vec<String> = (0..documents.len())
        .map(|i| if i % 2 == 0 { "even" } else { "odd" }.to_string())
        .collect();
    let summary =
        evaluate::leave_one_group_out(&params, &documents, &[], "parity", &groups).unwrap();
    assert_eq!(summary.documents, documents.len() as u64);
    assert_eq!(summary.groups.len(), 2);
    // The odd group scored by a model fitted on the even documents alone.
    let even: Vec<LabeledDocument> = documents.iter().step_by(2).cloned().collect();
    let odd: Vec<LabeledDocument> = documents.iter().skip(1).step_by(2).cloned().collect();
    let model = params.fit_corpus(&even).unwrap();
    let expected = evaluate::evaluate(&model, &odd, "x");
    assert_eq!(summary.groups[1].value, "odd");
    assert_eq!(summary.groups[1].summary.confusion, expected.confusion);
    // One group is nothing to leave out.
    let one = vec!["all".to_string(); documents.len()];
    let error = evaluate::leave_one_group_out(&params, &documents, &[], "x", &one).unwrap_err();
    assert!(error.to_string().contains("at least two values"), "{error}");
}

#[test]
fn cross_validation_refuses_more_folds_than_a_label_has_documents() {
    let documents = fixture();
    let smallest = (0..6)
        .map(|l| documents.iter().filter(|d| d.label == l).count())
        .filter(|&n| n > 0)
        .min()
        .unwrap();
    let error = evaluate::cross_validate(&plain_params(), &documents, smallest + 1, 3).unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("has only {smallest} documents")),
        "{error}"
    );
    assert!(evaluate::cross_validate(&plain_params(), &documents, smallest, 3).is_ok());
}

mod artifact {
    use super::*;

    fn saved_model() -> (tempfile::TempDir, PathBuf, Model) {
        let params = TrainParams {
            min_df: 1,
            calibration_folds: 3,
            calibration_min_documents: 4,
            weighting: Weighting::ALL,
            ..TrainParams::plain()
        }
        .check()
        .unwrap();
        let mut model = params.fit_corpus(&fixture()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.model");
        save(&mut model, &path, false).unwrap();
        (dir, path, model)
    }

    fn load_error(bytes: &[u8]) -> String {
        decode_bytes(bytes, Path::new("test.model"))
            .expect_err("damaged file must not load")
            .to_string()
    }

    #[test]
    fn round_trip_keeps_every_parameter_and_score() {
        let (_dir, path, model) = saved_model();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.parts(), model.parts());
        assert_eq!(loaded.version(), model.version());
        assert!(loaded.version().starts_with(&format!("{FORMAT_VERSION}-")));
        let features = extract_features(
            &crate::text::TextPipeline::new(model.text_config().clone()),
            &fixture(),
        );
        for f in &features {
            assert_eq!(loaded.score_features(f), model.score_features(f));
        }
    }

    #[test]
    fn saving_twice_gives_identical_bytes() {
        let (dir, path, mut model) = saved_model();
        let again = dir.path().join("again.model");
        save(&mut model, &again, false).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(&again).unwrap()
        );
        assert!(
            save(&mut model, &again, false).is_err(),
            "no silent overwrite"
        );
    }

    #[test]
    fn a_flipped_byte_fails_the_checksum() {
        let (_dir, path, _) = saved_model();
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        assert!(load_error(&bytes).contains("checksum mismatch"));
    }

    #[test]
    fn a_truncated_file_is_reported_as_damaged() {
        let (_dir, path, _) = saved_model();
        let bytes = std::fs::read(&path).unwrap();
        let error = load_error(&bytes[..bytes.len() - 100]);
        assert!(error.contains("truncated"), "{error}");
        let error = load_error(&bytes[..10]);
        assert!(error.contains("bad magic"), "{error}");
    }

    #[test]
    fn another_format_version_is_refused_by_name() {
        let (_dir, path, _) = saved_model();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        let error = load_error(&bytes);
        assert!(
            error.contains(&format!("format version {}", FORMAT_VERSION + 1)),
            "{error}"
        );
    }

    #[test]
    fn the_shipped_model_loads_and_records_its_cross_validation() {
        let model = decode_bytes(crate::classifier::SHIPPED_MODEL, Path::new("shipped")).unwrap();
        let evaluation = model.metadata().evaluation.as_ref().expect("CV recorded");
        assert!(evaluation.spread.is_some());
        assert!(evaluation.macro_f1 > 0.5);
    }
}

#[test]
fn calibration_is_skipped_when_a_label_has_too_few_documents() {
    let documents = fixture();
    let params = TrainParams {
        min_df: 1,
        calibration: Calibration::TemperatureAndBias,
        calibration_folds: 4,
        ..TrainParams::plain()
    }
    .check()
    .unwrap();
    let labels = labels_of(&documents);
    let smallest = (0..6)
        .map(|l| labels.iter().filter(|&&x| x == l).count())
        .min()
        .unwrap();
    assert!(smallest < crate::model::MIN_CALIBRATION_DOCUMENTS);
    let skipped = params
        .calibration_skipped(&labels)
        .expect("too few to calibrate");
    assert_eq!(skipped.documents, smallest);
    assert_eq!(skipped.needed, crate::model::MIN_CALIBRATION_DOCUMENTS);
    assert!(!params.calibrates(&labels));
    let model = params.fit_corpus(&documents).unwrap();
    assert_eq!(model.temperature(), 1.0, "not calibrated");
    assert_eq!(model.label_bias(), &[0.0; 6]);
}

#[test]
fn bias_calibration_without_folds_leaves_scores_uncalibrated() {
    let documents = fixture();
    let params = TrainParams {
        min_df: 1,
        calibration: Calibration::TemperatureAndBias,
        calibration_folds: 0,
        ..TrainParams::plain()
    }
    .check()
    .unwrap();
    let model = params.fit_corpus(&documents).unwrap();
    assert_eq!(model.temperature(), 1.0);
    assert_eq!(model.label_bias(), &[0.0; 6]);
    let features = extract_features(&params.pipeline(), &documents);
    assert_eq!(model.score_features(&features[0]).probabilities.len(), 6);
}

#[test]
fn bias_calibration_fits_centred_biases() {
    let documents = fixture();
    let params = TrainParams {
        min_df: 1,
        calibration: Calibration::TemperatureAndBias,
        calibration_folds: 4,
        // The fixture has 8 documents a label; these tests are about
        // calibration, so they lower its minimum.
        calibration_min_documents: 4,
        ..TrainParams::plain()
    }
    .check()
    .unwrap();
    let model = params.fit_corpus(&documents).unwrap();
    assert_eq!(model.label_bias().len(), 6);
    assert!(model.label_bias().iter().sum::<f64>().abs() < 1e-9);
    assert!(model.label_bias().iter().any(|&b| b != 0.0));
}

/// Length-normalised vectors: plain NB is sure but not certain of every
/// training document, so the losses are not all zero.
fn discriminative(rounds: usize) -> TrainParams {
    TrainParams {
        min_df: 1,
        weighting: Weighting::IDF_L2,
        discriminative: DiscriminativeParams {
            rounds,
            step: 4.0,
            loss_power: 0.5,
        },
        ..TrainParams::plain()
    }
}

/// One DMNB round is naive Bayes fitted by linfa on the training documents,
/// each counted `1 + step · (1 − P(true | d))^power` times under the plain
/// model: rebuild that dense, reweighted matrix by hand, fit linfa on it and
/// compare probabilities.
#[test]
fn a_discriminative_round_is_linfa_naive_bayes_on_reweighted_documents() {
    let documents = fixture();
    let labels = labels_of(&documents);
    let plain = discriminative(0).check().unwrap();
    let features = extract_features(&plain.pipeline(), &documents);
    let plain_model = plain.fit(&TrainingSet::new(&features, &labels)).unwrap();
    let one_round = discriminative(1).check().unwrap();
    let model = one_round
        .fit(&TrainingSet::new(&features, &labels))
        .unwrap();
    assert_ne!(
        model.parts().feature_log_prob,
        plain_model.parts().feature_log_prob,
        "the round must change the fit"
    );
    assert_eq!(
        model.parts().class_log_prior,
        plain_model.parts().class_log_prior,
        "the prior stays the document counts"
    );

    let x = dense(&model, &features);
    let mut reweighted = x.clone();
    for (i, f) in features.iter().enumerate() {
        let p_true = plain_model.score_features(f).probabilities[labels[i]];
        let weight = 1.0 + 4.0 * (1.0 - p_true).sqrt();
        reweighted.row_mut(i).mapv_inplace(|v| v * weight);
    }
    let linfa_model = fit_linfa(reweighted.view(), Array1::from(labels.clone()), 0.1).unwrap();
    let (proba, _) = linfa_model.predict_proba(x.view());
    for (i, f) in features.iter().enumerate() {
        for (label, p) in model.score_features(f).probabilities.iter().enumerate() {
            assert!(
                (p - proba[[i, label]]).abs() < 1e-9,
                "doc {i} label {label}: ours {p}, linfa {}",
                proba[[i, label]]
            );
        }
    }
}

/// The documents the plain model explains worst gain weight, so the
/// training set's mean `P(true | d)` goes up round after round.
#[test]
fn discriminative_rounds_fit_the_training_labels_better() {
    let documents = fixture();
    let labels = labels_of(&documents);
    let mean_p_true = |rounds: usize| {
        let params = discriminative(rounds).check().unwrap();
        let features = extract_features(&params.pipeline(), &documents);
        let model = params.fit(&TrainingSet::new(&features, &labels)).unwrap();
        features
            .iter()
            .zip(&labels)
            .map(|(f, &y)| model.score_features(f).probabilities[y])
            .sum::<f64>()
            / labels.len() as f64
    };
    let (plain, one, three) = (mean_p_true(0), mean_p_true(1), mean_p_true(3));
    assert!(plain < one && one < three, "{plain} {one} {three}");
}

#[test]
fn discriminative_rounds_need_a_plain_multinomial_model() {
    for (complement, normalise_weights) in [(true, false), (false, true)] {
        let error = TrainParams {
            complement,
            normalise_weights,
            ..discriminative(2)
        }
        .check()
        .unwrap_err();
        assert!(error.to_string().contains("discriminative"), "{error}");
    }
    let error = TrainParams {
        discriminative: DiscriminativeParams {
            loss_power: 0.0,
            ..DiscriminativeParams::default()
        },
        ..TrainParams::plain()
    }
    .check()
    .unwrap_err();
    assert!(error.to_string().contains("loss power"), "{error}");
}

/// Calibration folds are fitted side by side; the model must not depend on
/// which finished first.
#[test]
fn calibrated_fits_are_reproducible() {
    let documents = fixture();
    let params = TrainParams {
        calibration: Calibration::TemperatureAndBias,
        calibration_folds: 4,
        // The fixture has 8 documents a label; these tests are about
        // calibration, so they lower its minimum.
        calibration_min_documents: 4,
        ..discriminative(2)
    }
    .check()
    .unwrap();
    let first = params.fit_corpus(&documents).unwrap();
    let second = params.fit_corpus(&documents).unwrap();
    assert_eq!(first.parts(), second.parts());
}

#[test]
fn errors_say_what_is_wrong_by_their_type() {
    // A hyper-parameter out of range is named as set.
    let bad_alpha = TrainParams {
        alpha: 0.0,
        ..TrainParams::plain()
    };
    assert!(matches!(
        bad_alpha.check(),
        Err(Error::InvalidParameter { name: "alpha", .. })
    ));
    // An unlabelled document's weight in EM is a weight like the others.
    for weight in [-0.5, f64::NAN, f64::INFINITY] {
        let mut bad_em = TrainParams::plain();
        bad_em.em.weight = weight;
        assert!(
            matches!(
                bad_em.check(),
                Err(Error::InvalidParameter {
                    name: "EM weight",
                    ..
                })
            ),
            "{weight}"
        );
    }
    let mut twice = TrainParams::plain();
    twice.labels[1] = twice.labels[0].clone();
    assert!(matches!(
        twice.check(),
        Err(Error::InvalidParameter { name: "labels", .. })
    ));
    // Data that cannot be fitted is the data's fault, not a parameter's.
    let documents: Vec<_> = fixture().into_iter().filter(|d| d.label != 0).collect();
    let params = plain_params();
    let features = extract_features(&params.pipeline(), &documents);
    let labels = labels_of(&documents);
    assert!(matches!(
        params.fit(&TrainingSet::new(&features, &labels)),
        Err(Error::UnusableData(_))
    ));
    // A model with a broken table is an invalid model, and a file holding
    // one is named in the error.
    let model = params
        .fit(&TrainingSet::new(
            &extract_features(&params.pipeline(), &fixture()),
            &labels_of(&fixture()),
        ))
        .unwrap();
    let mut parts = model.parts().clone();
    parts.labels.pop();
    assert!(matches!(
        Model::from_parts(parts, "test".into()),
        Err(Error::InvalidModel(_))
    ));
}

#[test]
fn a_fitted_model_reads_text_with_its_training_pipeline() {
    let params = plain_params();
    let model = params.fit_corpus(&fixture()).unwrap();
    // fit_corpus built the pipeline to extract features: the model shares
    // it instead of loading jieba's dictionary a second time.
    assert!(std::ptr::eq(model.pipeline(), &*params.pipeline()));
}
