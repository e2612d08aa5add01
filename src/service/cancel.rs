//! Stops abandoned work: a request whose caller cancelled or whose deadline
//! passed is dropped by tonic, and with it this guard, which tells the work
//! running on another thread to stop at its next check.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tonic::Status;

/// Held by the request's future; dropping it cancels the [`CancelFlag`]s.
#[derive(Default)]
pub(super) struct CancelOnDrop {
    cancelled: Arc<AtomicBool>,
}

impl CancelOnDrop {
    pub(super) fn flag(&self) -> CancelFlag {
        CancelFlag {
            cancelled: self.cancelled.clone(),
        }
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

/// Checked by the worker between units of work.
#[derive(Clone)]
pub(super) struct CancelFlag {
    cancelled: Arc<AtomicBool>,
}

impl CancelFlag {
    pub(super) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// `Err(CANCELLED)` once the request is gone.
    pub(super) fn check(&self) -> Result<(), Status> {
        if self.is_cancelled() {
            Err(Status::cancelled(
                "request was cancelled or its deadline passed",
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_the_guard_cancels_its_flags() {
        let guard = CancelOnDrop::default();
        let flag = guard.flag();
        assert!(flag.check().is_ok());
        drop(guard);
        assert_eq!(flag.check().unwrap_err().code(), tonic::Code::Cancelled);
    }
}
