//! Hot reload: load a model file beside the serving one, and swap it in
//! only once it has loaded and checked out.
//!
//! The swap is one atomic store into the [`ModelSlot`]. Requests hold the
//! snapshot they started with, so none fails or mixes models during a swap,
//! and a response names the new `model_version` only once that model is the
//! one answering. A file that fails to load (damaged, truncated, of another
//! format version) changes nothing: the old model keeps serving.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Mutex;

use super::redact::log_field;
use super::slot::ModelSlot;
use crate::classifier::ModelSource;
use crate::error::Error;

/// How much of a model path or version, and of a failed reload's error, a
/// log line shows.
const SHOWN_PATH_CHARS: usize = 1024;
#[cfg(unix)]
const SHOWN_ERROR_CHARS: usize = 2048;

/// What a successful reload replaced, and with what.
#[derive(Debug, Clone, PartialEq)]
pub struct Reloaded {
    pub previous_version: Option<String>,
    pub version: String,
}

/// Reloads models into one slot. Reloads are serialised, so two at once
/// cannot finish in the opposite order they started.
pub struct Reloader {
    slot: Arc<ModelSlot>,
    configured: ModelSource,
    in_progress: Mutex<()>,
}

impl Reloader {
    /// `configured` is what a reload without a path (SIGHUP) loads again.
    pub fn new(slot: Arc<ModelSlot>, configured: ModelSource) -> Self {
        Self {
            slot,
            configured,
            in_progress: Mutex::new(()),
        }
    }

    /// Loads `path` (or the configured model) off the async threads and
    /// swaps it in if, and only if, it loads.
    pub async fn reload(&self, path: Option<PathBuf>) -> Result<Reloaded, Error> {
        let _one_at_a_time = self.in_progress.lock().await;
        let source = path.map_or_else(|| self.configured.clone(), ModelSource::File);
        let loader = source.clone();
        let started = std::time::Instant::now();
        let classifier = tokio::task::spawn_blocking(move || loader.load())
            .await
            .map_err(|e| Error::ModelFormat {
                path: source.to_string().into(),
                reason: format!("loading failed: {e}"),
            })??;
        let version = classifier.model().version().to_owned();
        let previous_version = self.slot.get().map(|c| c.model().version().to_owned());
        self.slot.set(classifier);
        super::metrics::record_model_loaded(&version, started.elapsed());
        // The path may come from an admin call; the version is read from the file.
        tracing::info!(
            source = %log_field(&source.to_string(), SHOWN_PATH_CHARS),
            version = %log_field(&version, SHOWN_PATH_CHARS),
            previous = ?previous_version,
            "model loaded"
        );
        Ok(Reloaded {
            previous_version,
            version,
        })
    }
}

/// Reloads the configured model on every SIGHUP, for the life of the process.
/// A failed reload is logged and the old model keeps serving.
#[cfg(unix)]
pub fn reload_on_sighup(reloader: Arc<Reloader>) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the model");
            if let Err(error) = reloader.reload(None).await {
                let error = log_field(&error.to_string(), SHOWN_ERROR_CHARS);
                tracing::error!(%error, "reload failed; the previous model keeps serving");
            }
        }
    });
    Ok(())
}

#[cfg(not(unix))]
pub fn reload_on_sighup(_reloader: Arc<Reloader>) -> std::io::Result<()> {
    Ok(())
}
