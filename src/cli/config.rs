//! The training configuration flags shared by `train` and `eval --cv`
//! (so both evaluate exactly the same thing), and what both need around
//! them: the training time and the check that every label fills the folds.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use clap::{Args, ValueEnum};

use super::CliResult;
use crate::model::evaluate::label_short_of_folds;
use crate::model::{
    extract_features, read_unlabeled, Calibration, DiscriminativeParams, EmParams, LabeledDocument,
    TrainParams, ValidTrainParams, Weighting,
};
use crate::text::{Features, TextConfig};

/// The shipped parameters every flag below defaults to: built once, when
/// clap first renders the defaults.
static SHIPPED: LazyLock<TrainParams> = LazyLock::new(TrainParams::shipped);

/// The shipped labels as the `--labels` flag spells them.
static SHIPPED_LABELS: LazyLock<String> = LazyLock::new(|| SHIPPED.labels.join(","));

/// The training configuration, shared by `train` and `eval --cv` so both
/// evaluate exactly the same thing. Every default is read from
/// [`TrainParams::shipped`]: no flag adds a value of its own.
#[derive(Args, Debug, Clone)]
pub(super) struct ConfigArgs {
    /// Comma-separated label names the data may use.
    #[arg(
        long,
        value_delimiter = ',',
        env = "POLICY_CLASSIFIER_LABELS",
        default_value = SHIPPED_LABELS.as_str()
    )]
    labels: Vec<String>,
    /// Additive smoothing of term counts.
    #[arg(long, default_value_t = SHIPPED.alpha)]
    alpha: f64,
    /// Minimum number of documents a term must appear in.
    #[arg(long, default_value_t = SHIPPED.min_df)]
    min_df: usize,
    /// Weight of title tokens relative to body tokens.
    #[arg(long, default_value_t = SHIPPED.text.title_weight)]
    title_weight: f64,
    /// Weight of the body's first sentence relative to the rest of the body.
    #[arg(long, default_value_t = SHIPPED.text.lead_weight)]
    lead_weight: f64,
    /// Also use adjacent-token bigrams as features.
    #[arg(long, default_value_t = SHIPPED.text.bigrams, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    bigrams: bool,
    /// Also use adjacent Han-character pairs as features.
    #[arg(long, default_value_t = SHIPPED.text.char_bigrams, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    char_bigrams: bool,
    /// Convert traditional characters to simplified before segmenting.
    #[arg(long, default_value_t = SHIPPED.text.traditional_to_simplified, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    traditional_to_simplified: bool,
    /// Drop datelines, bylines, photo credits and editor lines.
    #[arg(long, default_value_t = SHIPPED.text.strip_boilerplate, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    strip_boilerplate: bool,
    /// User dictionary: one term a line that jieba must keep whole (shipped
    /// inside the model).
    #[arg(long)]
    user_dict: Option<PathBuf>,
    /// Sublinear term frequency, ln(1 + count).
    #[arg(long, default_value_t = SHIPPED.weighting.sublinear_tf, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    sublinear_tf: bool,
    /// Inverse-document-frequency weighting.
    #[arg(long, default_value_t = SHIPPED.weighting.idf, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    idf: bool,
    /// L2-normalise each document's vector (length normalisation).
    #[arg(long, default_value_t = SHIPPED.weighting.l2_normalise, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    l2: bool,
    /// Complement naive Bayes instead of multinomial.
    #[arg(long, default_value_t = SHIPPED.complement, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    complement: bool,
    /// L1-normalise each label's weights.
    #[arg(long, default_value_t = SHIPPED.normalise_weights, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    normalise_weights: bool,
    /// Multiplier of the class log priors (1 empirical, 0 uniform).
    #[arg(long, default_value_t = SHIPPED.prior_weight)]
    prior_weight: f64,
    /// Discriminative reweighting rounds (DMNB): each counts every training
    /// document again in proportion to how badly it is classified (0 = plain
    /// naive Bayes).
    #[arg(long, default_value_t = SHIPPED.discriminative.rounds)]
    dmnb_rounds: usize,
    /// Extra counts a wholly misclassified document adds per DMNB round.
    #[arg(long, default_value_t = SHIPPED.discriminative.step)]
    dmnb_step: f64,
    /// Exponent of the DMNB loss 1 - P(true label) (1 = the paper's rule).
    #[arg(long, default_value_t = SHIPPED.discriminative.loss_power)]
    dmnb_loss_power: f64,
    /// What calibration fits on held-out folds of the training set.
    #[arg(long, value_enum, default_value_t = CalibrationFlag::from(SHIPPED.calibration))]
    calibration: CalibrationFlag,
    /// Folds inside the training set whose held-out scores fit the
    /// calibration temperature (0 = no calibration).
    #[arg(long, default_value_t = SHIPPED.calibration_folds)]
    calibration_folds: usize,
    /// Skip calibration (and say so) when a label has fewer training
    /// documents than this: a few held-out scores give a degenerate fit.
    #[arg(long, default_value_t = SHIPPED.calibration_min_documents)]
    calibration_min_documents: usize,
    /// Unlabelled JSONL ({"title","text"|"body"} a line) for semi-supervised EM.
    #[arg(long)]
    unlabeled: Option<PathBuf>,
    /// Use at most this many unlabelled documents (the first ones).
    #[arg(long, default_value_t = 30_000)]
    unlabeled_limit: usize,
    /// EM rounds over the unlabelled documents.
    #[arg(long, default_value_t = SHIPPED.em.iterations)]
    em_iterations: usize,
    /// Weight of an unlabelled document relative to a labelled one.
    #[arg(long, default_value_t = SHIPPED.em.weight)]
    em_weight: f64,
    /// Seed of the cross-validation and calibration folds.
    #[arg(long, default_value_t = SHIPPED.seed)]
    seed: u64,
}

/// `--calibration`'s values: the CLI's names for [`Calibration`], so the
/// core needs no clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CalibrationFlag {
    None,
    /// One temperature: confidence changes, decisions do not.
    Temperature,
    /// A temperature and one bias per label: also adjusts the prior.
    TemperatureAndBias,
}

impl From<Calibration> for CalibrationFlag {
    fn from(calibration: Calibration) -> Self {
        match calibration {
            Calibration::None => Self::None,
            Calibration::Temperature => Self::Temperature,
            Calibration::TemperatureAndBias => Self::TemperatureAndBias,
        }
    }
}

impl From<CalibrationFlag> for Calibration {
    fn from(flag: CalibrationFlag) -> Self {
        match flag {
            CalibrationFlag::None => Self::None,
            CalibrationFlag::Temperature => Self::Temperature,
            CalibrationFlag::TemperatureAndBias => Self::TemperatureAndBias,
        }
    }
}

impl ConfigArgs {
    /// Checked training parameters, recording `trained_at`: the shipped
    /// ones with every flag applied.
    pub(super) fn params(
        &self,
        trained_at: String,
    ) -> Result<ValidTrainParams, Box<dyn std::error::Error>> {
        let user_words = match &self.user_dict {
            Some(path) => read_user_dictionary(path)?,
            None => Vec::new(),
        };
        let shipped = TrainParams::shipped();
        // No EM rounds without unlabelled documents, so that the model's
        // description says what ran.
        let em = EmParams {
            iterations: if self.unlabeled.is_some() {
                self.em_iterations
            } else {
                0
            },
            weight: self.em_weight,
        };
        Ok(TrainParams {
            labels: self.labels.clone(),
            text: TextConfig {
                title_weight: self.title_weight,
                lead_weight: self.lead_weight,
                bigrams: self.bigrams,
                char_bigrams: self.char_bigrams,
                strip_boilerplate: self.strip_boilerplate,
                traditional_to_simplified: self.traditional_to_simplified,
                user_words,
                ..shipped.text
            },
            alpha: self.alpha,
            min_df: self.min_df,
            weighting: Weighting {
                sublinear_tf: self.sublinear_tf,
                idf: self.idf,
                l2_normalise: self.l2,
            },
            complement: self.complement,
            normalise_weights: self.normalise_weights,
            prior_weight: self.prior_weight,
            discriminative: DiscriminativeParams {
                rounds: self.dmnb_rounds,
                step: self.dmnb_step,
                loss_power: self.dmnb_loss_power,
            },
            calibration: self.calibration.into(),
            calibration_folds: self.calibration_folds,
            calibration_min_documents: self.calibration_min_documents,
            seed: self.seed,
            em,
            trained_at,
        }
        .check()?)
    }

    pub(super) fn labels(&self) -> &[String] {
        &self.labels
    }

    pub(super) fn seed(&self) -> u64 {
        self.seed
    }

    /// Features of the unlabelled documents, if any were given.
    pub(super) fn unlabeled_features(
        &self,
        params: &ValidTrainParams,
    ) -> Result<Vec<Features>, Box<dyn std::error::Error>> {
        let Some(path) = &self.unlabeled else {
            return Ok(Vec::new());
        };
        let documents = read_unlabeled(path, self.unlabeled_limit)?;
        Ok(extract_features(&params.pipeline(), &documents))
    }
}

/// One term a line; blank lines and `#` comments skipped; sorted and
/// deduplicated so the model file does not depend on the file's order.
fn read_user_dictionary(path: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut words: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    words.sort();
    words.dedup();
    Ok(words)
}

/// `$SOURCE_DATE_EPOCH` (reproducible builds convention) or the current time.
/// `$SOURCE_DATE_EPOCH` (reproducible builds convention) or the current time.
pub(super) fn training_time() -> Result<String, Box<dyn std::error::Error>> {
    let time = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(secs) => {
            let secs: u64 = secs
                .trim()
                .parse()
                .map_err(|_| "SOURCE_DATE_EPOCH must be whole seconds")?;
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)
        }
        Err(_) => std::time::SystemTime::now(),
    };
    Ok(humantime::format_rfc3339_seconds(time).to_string())
}

/// Refuses `--cv K` when a label has fewer than K documents: some folds
/// would not contain it (and, with K near the corpus size, some folds
/// would be empty), so the figures over folds would mean nothing.
pub(super) fn check_folds(
    documents: &[LabeledDocument],
    labels: &[String],
    folds: usize,
) -> CliResult {
    let Some(short) = label_short_of_folds(documents, labels, folds) else {
        return Ok(());
    };
    let (label, count) = (&short.label, short.documents);
    Err(match count {
        1 => format!(
            "--cv {folds}: label {label:?} has only 1 document; cross-validation needs at least 2 of every label"
        ),
        _ => format!("--cv {folds}: label {label:?} has only {count} documents; use --cv {count} or less"),
    }
    .into())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        config: ConfigArgs,
    }

    /// `train` with no configuration flag trains the shipped parameters
    /// (without unlabelled documents, so without EM rounds).
    #[test]
    fn every_default_is_the_shipped_parameters() {
        let flags = Flags::try_parse_from(["train"]).unwrap();
        let trained_at = "2026-01-01T00:00:00Z".to_string();
        let params = flags.config.params(trained_at.clone()).unwrap();
        let mut expected = TrainParams {
            trained_at,
            ..TrainParams::shipped()
        };
        expected.em.iterations = 0;
        assert_eq!(params.params(), &expected);
        assert_eq!(
            flags.config.em_iterations,
            TrainParams::shipped().em.iterations
        );
    }

    #[test]
    fn calibration_flags_name_every_calibration() {
        for calibration in [
            Calibration::None,
            Calibration::Temperature,
            Calibration::TemperatureAndBias,
        ] {
            assert_eq!(
                Calibration::from(CalibrationFlag::from(calibration)),
                calibration
            );
        }
    }
}
