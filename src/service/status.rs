//! The one place where core errors become gRPC statuses.

use tonic::{Code, Status};

use crate::error::Error;

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let code = match &error {
            Error::InvalidArticle(_) | Error::InvalidRequest(_) => Code::InvalidArgument,
            // The admin's token was good; the path it sent breaks a rule
            // (PERMISSION_DENIED stays reserved for a bad token).
            Error::ModelPathRefused { .. } => Code::InvalidArgument,
            Error::ModelFormat { .. } | Error::Io { .. } => Code::FailedPrecondition,
            Error::Corpus { .. } | Error::EmptyCorpus | Error::InvalidParameter(_) => {
                Code::InvalidArgument
            }
            Error::Fit(_) => Code::Internal,
            Error::Cancelled => Code::Cancelled,
        };
        Status::new(code, error.to_string())
    }
}

/// No model is loaded yet (the server answers health before it has one).
pub(super) fn model_not_loaded() -> Status {
    Status::unavailable("no model is loaded yet; retry when health reports SERVING")
}

/// A request's article failed; names which one in a batch or stream.
pub(super) fn at_article(index: usize, id: &str, status: Status) -> Status {
    let which = if id.is_empty() {
        format!("article #{index}")
    } else {
        format!("article #{index} (id {id:?})")
    };
    Status::new(status.code(), format!("{which}: {}", status.message()))
}
