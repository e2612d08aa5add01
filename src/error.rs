//! The core's error type. It knows nothing of gRPC: `service::status` maps it
//! to `tonic::Status` in one place.

use std::path::PathBuf;

/// Everything that can go wrong in the core, typed so callers can react.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// A training or evaluation file has a bad line.
    #[error("{path}:{line}: {reason}")]
    Corpus {
        /// The file.
        path: PathBuf,
        /// The 1-based line (0 when the file as a whole is wrong).
        line: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// No labelled document was read.
    #[error("the training data is empty: no labelled documents were read")]
    EmptyCorpus,

    /// A hyper-parameter out of its range, and which one (in words:
    /// `alpha`, `title weight`, `discriminative loss power`).
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its allowed range and the value given.
        reason: String,
    },

    /// Data that cannot support what was asked of it: a label without
    /// documents, too few documents for the folds, one group to leave out.
    #[error("{0}")]
    UnusableData(String),

    /// The fitting library failed (linfa).
    #[error("fitting failed: {0}")]
    Fit(String),

    /// A model whose tables are inconsistent or out of range; loading a
    /// file turns it into [`Error::ModelFormat`], which names the file.
    #[error("invalid model: {0}")]
    InvalidModel(String),

    /// The model could not be written as JSON.
    #[error("cannot encode the model: {0}")]
    Encode(#[source] serde_json::Error),

    /// A model file that is not one, is damaged, or is of another version.
    #[error("cannot load model {path}: {reason}")]
    ModelFormat {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A model path a reload may not read (outside the reload directory).
    #[error("refused to load model {path}: {reason}")]
    ModelPathRefused {
        /// The path asked for.
        path: PathBuf,
        /// Which rule it breaks.
        reason: String,
    },

    /// An article that cannot be classified as given (empty, too long...).
    #[error("{0}")]
    InvalidArticle(String),

    /// A request that breaks a limit or misses a field.
    #[error("{0}")]
    InvalidRequest(String),

    /// The caller stopped waiting (it cancelled, or its deadline passed)
    /// and the work was abandoned part way.
    #[error("the request was cancelled or its deadline passed")]
    Cancelled,
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
