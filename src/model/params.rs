//! Training hyper-parameters: the one home of the shipped configuration
//! ([`TrainParams::shipped`]; the CLI's flag defaults and
//! `scripts/train-default-model.sh` read it), the checks a fit relies on,
//! and the one-line description stored in every model file.

use std::sync::{Arc, OnceLock};

use super::discriminative::DiscriminativeParams;
use super::em::EmParams;
use super::weighting::Weighting;
use crate::error::{Error, Result};
use crate::text::{TextConfig, TextPipeline};

/// Training hyper-parameters, unchecked.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainParams {
    /// Label names; documents refer to them by index.
    pub labels: Vec<String>,
    /// How articles become features.
    pub text: TextConfig,
    /// Additive (Lidstone) smoothing of term counts.
    pub alpha: f64,
    /// A term enters the vocabulary when at least this many training
    /// documents contain it: rarer terms are mostly typos and names.
    pub min_df: usize,
    /// Sublinear TF, IDF and length normalisation (see `weighting.rs`).
    pub weighting: Weighting,
    /// Fit complement naive Bayes instead of multinomial.
    pub complement: bool,
    /// L1-normalise each label's weights (Rennie et al. 2003, §3.2).
    pub normalise_weights: bool,
    /// Multiplies the class log priors: 1 is the empirical prior, 0 a
    /// uniform one (every label equally likely before reading).
    pub prior_weight: f64,
    /// What calibration fits on held-out folds of the training set.
    pub calibration: Calibration,
    /// Folds of the cross-validation inside the training set whose held-out
    /// scores fit the calibration; 0 or 1 turns calibration off.
    pub calibration_folds: usize,
    /// Calibration is skipped (temperature 1, no biases) when a label has
    /// fewer training documents than this: a temperature fitted on a
    /// handful of held-out scores runs to its bound and makes every answer
    /// certain. See [`MIN_CALIBRATION_DOCUMENTS`].
    pub calibration_min_documents: usize,
    /// Seed of those folds.
    pub seed: u64,
    /// Semi-supervised EM over unlabelled documents, when some are given.
    pub em: EmParams,
    /// Discriminative reweighting rounds of the labelled documents (DMNB).
    pub discriminative: DiscriminativeParams,
    /// Recorded as the training time; fixed by the caller so that the same
    /// data and parameters give a byte-identical model file.
    pub trained_at: String,
}

impl TrainParams {
    /// The configuration `models/default.model` is trained with; `train`'s
    /// flags default to it and `docs/accuracy.md` says why each value won.
    pub fn shipped() -> Self {
        Self {
            labels: super::default_labels(),
            text: TextConfig {
                bigrams: true,
                char_bigrams: true,
                strip_boilerplate: true,
                traditional_to_simplified: true,
                ..TextConfig::default()
            },
            alpha: 0.05,
            min_df: 3,
            weighting: Weighting::IDF_L2,
            complement: false,
            normalise_weights: false,
            prior_weight: 1.0,
            calibration: Calibration::TemperatureAndBias,
            calibration_folds: 5,
            calibration_min_documents: MIN_CALIBRATION_DOCUMENTS,
            seed: 17,
            // Only runs when unlabelled documents are given (`--unlabeled`);
            // the shipped model has none.
            em: EmParams {
                iterations: 3,
                ..EmParams::default()
            },
            discriminative: DiscriminativeParams {
                rounds: 3,
                ..DiscriminativeParams::default()
            },
            trained_at: EPOCH.into(),
        }
    }

    /// Plain multinomial naive Bayes on raw counts of unigrams (alpha 0.1,
    /// min_df 2): no DMNB, no calibration. Small and easy to check by hand
    /// or against linfa, which is why most tests start from it.
    pub fn plain() -> Self {
        Self {
            labels: super::default_labels(),
            text: TextConfig::default(),
            alpha: 0.1,
            min_df: 2,
            weighting: Weighting::RAW,
            complement: false,
            normalise_weights: false,
            prior_weight: 1.0,
            calibration: Calibration::Temperature,
            calibration_folds: 0,
            calibration_min_documents: MIN_CALIBRATION_DOCUMENTS,
            seed: 17,
            em: EmParams::default(),
            discriminative: DiscriminativeParams::default(),
            trained_at: EPOCH.into(),
        }
    }
}

/// The training time recorded when the caller fixes none.
const EPOCH: &str = "1970-01-01T00:00:00Z";

/// Fewest documents of every label for training to fit a calibration: with
/// 5 calibration folds, 10 leaves each fold 2 held-out documents of the
/// label. Below it (10 documents over 6 labels gave temperature 0.001 and
/// confidence 1.0 on unrelated text) the model stays uncalibrated.
pub const MIN_CALIBRATION_DOCUMENTS: usize = 10;

/// Why calibration was not fitted although asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalibrationSkipped {
    /// The label with too few documents.
    pub label: String,
    /// How many it has.
    pub documents: usize,
    /// How many calibration needs of every label.
    pub needed: usize,
}

impl std::fmt::Display for CalibrationSkipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "label {} has {} document{} (needs {})",
            self.label,
            self.documents,
            if self.documents == 1 { "" } else { "s" },
            self.needed
        )
    }
}

/// What calibration fits (see `calibrate.rs`). The CLI names the values
/// itself (`cli/train.rs`), so the core does not depend on clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calibration {
    /// No calibration: temperature 1, no biases.
    None,
    /// One temperature: confidence changes, decisions do not.
    Temperature,
    /// A temperature and one bias per label: also adjusts the prior.
    TemperatureAndBias,
}

/// Checked hyper-parameters: the only way to fit. They hold the text
/// pipeline they train with, built on first use, so that extracting
/// features and every model they fit share one (see [`Self::pipeline`]).
#[derive(Debug, Clone)]
pub struct ValidTrainParams(pub(super) TrainParams, OnceLock<Arc<TextPipeline>>);

impl TrainParams {
    /// Checks every parameter once, naming the first out of range: only
    /// checked parameters fit.
    pub fn check(self) -> Result<ValidTrainParams> {
        let invalid =
            |name: &'static str, reason: String| Err(Error::InvalidParameter { name, reason });
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return invalid("alpha", format!("must be > 0, is {}", self.alpha));
        }
        if self.min_df == 0 {
            return invalid("min_df", "must be at least 1".into());
        }
        if self.labels.len() < 2 {
            return invalid("labels", "at least two labels are needed".into());
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = self.labels.iter().find(|l| !seen.insert(l.as_str())) {
            return invalid("labels", format!("label {dup:?} is listed twice"));
        }
        let at_least_zero = [
            ("title weight", self.text.title_weight),
            ("lead weight", self.text.lead_weight),
            ("prior weight", self.prior_weight),
            ("discriminative step", self.discriminative.step),
            ("EM weight", self.em.weight),
        ];
        for (name, value) in at_least_zero {
            if !(value.is_finite() && value >= 0.0) {
                return invalid(name, format!("must be >= 0, is {value}"));
            }
        }
        let dmnb = &self.discriminative;
        if !(dmnb.loss_power.is_finite() && dmnb.loss_power > 0.0) {
            return invalid(
                "discriminative loss power",
                format!("must be > 0, is {}", dmnb.loss_power),
            );
        }
        if dmnb.rounds > 0 && (self.complement || self.normalise_weights) {
            return invalid(
                "discriminative rounds",
                "discriminative rounds reweight a multinomial model: not with complement or normalised weights"
                    .into(),
            );
        }
        Ok(ValidTrainParams(self, OnceLock::new()))
    }
}

impl ValidTrainParams {
    /// The parameters as given.
    pub fn params(&self) -> &TrainParams {
        &self.0
    }

    /// Whether fitting on documents with `labels` calibrates: asked for
    /// (a calibration and at least 2 folds) and possible.
    pub fn calibrates(&self, labels: &[usize]) -> bool {
        self.calibration_requested() && self.calibration_skipped(labels).is_none()
    }

    /// Whether the parameters ask for a calibration at all.
    pub fn calibration_requested(&self) -> bool {
        self.0.calibration_folds >= 2 && self.0.calibration != Calibration::None
    }

    /// The label (with documents) that has the fewest, when fewer than
    /// `calibration_min_documents`: calibration is then skipped.
    pub fn calibration_skipped(&self, labels: &[usize]) -> Option<CalibrationSkipped> {
        let mut counts = vec![0usize; self.0.labels.len()];
        for &label in labels {
            if let Some(count) = counts.get_mut(label) {
                *count += 1;
            }
        }
        let needed = self.0.calibration_min_documents;
        counts
            .iter()
            .enumerate()
            .filter(|&(_, &count)| count > 0 && count < needed)
            .min_by_key(|&(_, &count)| count)
            .map(|(label, &documents)| CalibrationSkipped {
                label: self.0.labels[label].clone(),
                documents,
                needed,
            })
    }

    /// The text pipeline these parameters train with, built once.
    pub fn pipeline(&self) -> Arc<TextPipeline> {
        Arc::clone(
            self.1
                .get_or_init(|| Arc::new(TextPipeline::new(self.0.text.clone()))),
        )
    }

    /// The pipeline if it was built (features were extracted with it): a
    /// model these parameters fit reads text with it instead of loading
    /// jieba's dictionary again.
    pub(super) fn built_pipeline(&self) -> Option<Arc<TextPipeline>> {
        self.1.get().cloned()
    }
}

/// One line naming the model kind and every training parameter that shapes
/// the fitted weights, stored in the model file (`configuration`).
///
/// The structs are taken apart without `..`, so a new parameter does not
/// compile until it is either described here or listed as left out. The
/// names and their order are those of every model file written so far
/// (the shipped model's bytes include this line), which is why they are
/// spelled here rather than taken from the serde form: `TextConfig`'s serde
/// order is the model format's and differs, and it skips
/// `traditional_to_simplified` when off.
pub fn describe(params: &TrainParams) -> String {
    let TrainParams {
        // Stored in the model file by themselves.
        labels: _,
        trained_at: _,
        // Described by the kind.
        complement,
        // Not in the line since before they were parameters; adding them
        // would change every model file's bytes.
        calibration_min_documents: _,
        seed: _,
        text,
        alpha,
        min_df,
        weighting,
        normalise_weights,
        prior_weight,
        calibration,
        calibration_folds,
        em,
        discriminative,
    } = params;
    let TextConfig {
        hmm,
        title_weight,
        bigrams,
        user_words,
        strip_boilerplate,
        lead_weight,
        char_bigrams,
        traditional_to_simplified,
    } = text;
    let Weighting {
        sublinear_tf,
        idf,
        l2_normalise,
    } = weighting;
    let EmParams {
        iterations: em_iterations,
        weight: em_weight,
    } = em;
    let DiscriminativeParams {
        rounds,
        step,
        loss_power,
    } = discriminative;
    let kind = if *complement {
        "complement"
    } else {
        "multinomial"
    };
    let user_words = user_words.len();
    let fields: [(&str, &dyn std::fmt::Display); 22] = [
        ("alpha", alpha),
        ("min_df", min_df),
        ("sublinear_tf", sublinear_tf),
        ("idf", idf),
        ("l2_normalise", l2_normalise),
        ("normalise_weights", normalise_weights),
        ("prior_weight", prior_weight),
        ("discriminative_rounds", rounds),
        ("discriminative_step", step),
        ("discriminative_loss_power", loss_power),
        ("calibration", &CalibrationName(*calibration)),
        ("calibration_folds", calibration_folds),
        ("em_iterations", em_iterations),
        ("em_weight", em_weight),
        ("title_weight", title_weight),
        ("lead_weight", lead_weight),
        ("bigrams", bigrams),
        ("char_bigrams", char_bigrams),
        ("strip_boilerplate", strip_boilerplate),
        ("traditional_to_simplified", traditional_to_simplified),
        ("hmm", hmm),
        ("user_words", &user_words),
    ];
    let mut line = format!("{kind} naive Bayes (linfa-bayes)");
    for (name, value) in fields {
        line.push_str(&format!(", {name}={value}"));
    }
    line
}

/// The calibration as model files have always named it (its `Debug` form).
struct CalibrationName(Calibration);

impl std::fmt::Display for CalibrationName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line inside `models/default.model`: the shipped parameters as
    /// `train` passes them without unlabelled documents (no EM rounds).
    #[test]
    fn the_shipped_description_is_the_shipped_models() {
        let mut params = TrainParams::shipped();
        params.em.iterations = 0;
        assert_eq!(
            describe(&params),
            "multinomial naive Bayes (linfa-bayes), alpha=0.05, min_df=3, sublinear_tf=false, \
             idf=true, l2_normalise=true, normalise_weights=false, prior_weight=1, \
             discriminative_rounds=3, discriminative_step=10, discriminative_loss_power=0.5, \
             calibration=TemperatureAndBias, calibration_folds=5, em_iterations=0, em_weight=0.1, \
             title_weight=2, lead_weight=1, bigrams=true, char_bigrams=true, \
             strip_boilerplate=true, traditional_to_simplified=true, hmm=true, user_words=0"
        );
    }

    /// Changing any described parameter changes the line: each field is
    /// read, none is a stale copy of another.
    #[test]
    fn every_described_parameter_shows() {
        let base = TrainParams::plain();
        let changed: Vec<TrainParams> = vec![
            TrainParams {
                complement: true,
                ..base.clone()
            },
            TrainParams {
                alpha: 0.7,
                ..base.clone()
            },
            TrainParams {
                min_df: 9,
                ..base.clone()
            },
            TrainParams {
                weighting: Weighting {
                    sublinear_tf: true,
                    ..base.weighting
                },
                ..base.clone()
            },
            TrainParams {
                weighting: Weighting::IDF_L2,
                ..base.clone()
            },
            TrainParams {
                normalise_weights: true,
                ..base.clone()
            },
            TrainParams {
                prior_weight: 0.5,
                ..base.clone()
            },
            TrainParams {
                calibration: Calibration::None,
                ..base.clone()
            },
            TrainParams {
                calibration_folds: 4,
                ..base.clone()
            },
            TrainParams {
                em: EmParams {
                    iterations: 2,
                    weight: 0.3,
                },
                ..base.clone()
            },
            TrainParams {
                discriminative: DiscriminativeParams {
                    rounds: 1,
                    step: 2.0,
                    loss_power: 1.0,
                },
                ..base.clone()
            },
            TrainParams {
                text: TextConfig {
                    hmm: false,
                    title_weight: 3.0,
                    bigrams: true,
                    user_words: vec!["专精特新".into()],
                    strip_boilerplate: true,
                    lead_weight: 2.0,
                    char_bigrams: true,
                    traditional_to_simplified: true,
                },
                ..base.clone()
            },
        ];
        let plain = describe(&base);
        assert_eq!(plain.matches('=').count(), 22, "{plain}");
        for params in changed {
            assert_ne!(describe(&params), plain, "{params:?}");
        }
    }
}
