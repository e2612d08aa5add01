//! The one place where core errors become gRPC statuses.

use tonic::{Code, Status};

use super::redact::{text_prefix, ID_SHOWN_CHARS};
use crate::error::Error;

/// Status messages are cut to this many bytes. tonic sends the message as a
/// percent-encoded `grpc-message` header (up to 3 bytes a byte), and clients
/// refuse header blocks over 8–16 KiB (or drop the connection), so a message
/// that echoes client input must stay well below that.
pub(super) const MAX_STATUS_MESSAGE_BYTES: usize = 1024;

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let code = match &error {
            Error::InvalidArticle(_) | Error::InvalidRequest(_) => Code::InvalidArgument,
            // The admin's token was good; the path it sent breaks a rule
            // (PERMISSION_DENIED stays reserved for a bad token).
            Error::ModelPathRefused { .. } => Code::InvalidArgument,
            Error::ModelFormat { .. } | Error::InvalidModel(_) | Error::Io { .. } => {
                Code::FailedPrecondition
            }
            Error::Corpus { .. }
            | Error::EmptyCorpus
            | Error::InvalidParameter { .. }
            | Error::UnusableData(_) => Code::InvalidArgument,
            Error::Fit(_) | Error::Encode(_) => Code::Internal,
            Error::Cancelled => Code::Cancelled,
        };
        Status::new(code, bounded(error.to_string()))
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
        // `{:?}` escapes newlines and control characters; the cut keeps a
        // megabyte id from becoming a megabyte trailer.
        format!(
            "article #{index} (id {:?})",
            text_prefix(id, ID_SHOWN_CHARS)
        )
    };
    Status::new(
        status.code(),
        bounded(format!("{which}: {}", status.message())),
    )
}

/// `message` cut at a character boundary to [`MAX_STATUS_MESSAGE_BYTES`].
fn bounded(mut message: String) -> String {
    if message.len() > MAX_STATUS_MESSAGE_BYTES {
        let mut cut = MAX_STATUS_MESSAGE_BYTES - '…'.len_utf8();
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_article_cuts_and_escapes_the_id() {
        let id = format!("a\n\u{1b}[31m{}", "长".repeat(20_000));
        let status = at_article(3, &id, Status::invalid_argument("title is empty"));
        let message = status.message();
        assert!(
            message.starts_with("article #3 (id \"a\\n\\u{1b}[31m长长"),
            "{message}"
        );
        assert!(message.ends_with("…\"): title is empty"), "{message}");
        assert!(!message.contains('\n') && !message.contains('\x1b'));
        assert!(message.chars().count() < ID_SHOWN_CHARS + 64);
    }

    #[test]
    fn messages_are_bounded_whatever_they_echo() {
        let error = Error::ModelFormat {
            path: "模".repeat(100_000).into(),
            reason: "not a model".into(),
        };
        let status = Status::from(error);
        assert!(status.message().len() <= MAX_STATUS_MESSAGE_BYTES);
        assert!(status.message().ends_with('…'));
        assert_eq!(bounded("short".into()), "short");
    }
}
