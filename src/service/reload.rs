//! Hot reload: load a model file beside the serving one, and swap it in
//! only once it has loaded and checked out.
//!
//! The swap is one atomic store into the [`ModelSlot`]. Requests hold the
//! snapshot they started with, so none fails or mixes models during a swap,
//! and a response names the new `model_version` only once that model is the
//! one answering. A file that fails to load (damaged, truncated, of another
//! format version) changes nothing: the old model keeps serving.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Mutex;

use super::redact::log_field;
use super::slot::ModelSlot;
use crate::classifier::{Classifier, ModelSource};
use crate::error::Error;
use crate::files::{confine_to, DEFAULT_MAX_MODEL_BYTES};

/// How much of a model path or version, and of a failed reload's error, a
/// log line shows.
const SHOWN_PATH_CHARS: usize = 1024;
#[cfg(unix)]
const SHOWN_ERROR_CHARS: usize = 2048;

/// What a successful reload replaced, and with what.
#[derive(Debug, Clone, PartialEq)]
pub struct Reloaded {
    /// The version served before, if any.
    pub previous_version: Option<String>,
    /// The version now served.
    pub version: String,
}

/// Which model files the server reads (see `docs/robustness.md`, "Model
/// files and reload paths").
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFiles {
    /// Largest model file read, at startup, on SIGHUP and by `ReloadModel`.
    pub max_bytes: u64,
    /// The directory `ReloadModel` paths must lie in once canonicalised;
    /// `None`: the directory of the configured `--model` file.
    pub reload_dir: Option<PathBuf>,
}

impl Default for ModelFiles {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_MODEL_BYTES,
            reload_dir: None,
        }
    }
}

/// Reloads models into one slot. Reloads are serialised, so two at once
/// cannot finish in the opposite order they started.
pub struct Reloader {
    slot: Arc<ModelSlot>,
    configured: ModelSource,
    files: ModelFiles,
    in_progress: Mutex<()>,
}

impl Reloader {
    /// `configured` is what a reload without a path (SIGHUP) loads again.
    pub fn new(slot: Arc<ModelSlot>, configured: ModelSource, files: ModelFiles) -> Self {
        Self {
            slot,
            configured,
            files,
            in_progress: Mutex::new(()),
        }
    }

    /// Loads `path` (or the configured model) off the async threads and
    /// swaps it in if, and only if, it loads. A `path` must lie inside the
    /// reload directory; the canonical path is the one read.
    pub async fn reload(&self, path: Option<PathBuf>) -> Result<Reloaded, Error> {
        let _one_at_a_time = self.in_progress.lock().await;
        let requested = path
            .as_ref()
            .map_or_else(|| self.configured.to_string(), |p| p.display().to_string());
        let configured = self.configured.clone();
        let files = self.files.clone();
        let started = std::time::Instant::now();
        let (source, classifier) =
            tokio::task::spawn_blocking(move || resolve_and_load(path, configured, &files))
                .await
                .map_err(|e| Error::ModelFormat {
                    path: requested.into(),
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

/// Blocking: confines `path` (if any) to the reload directory, then loads.
fn resolve_and_load(
    path: Option<PathBuf>,
    configured: ModelSource,
    files: &ModelFiles,
) -> Result<(ModelSource, Classifier), Error> {
    let source = match path {
        None => configured,
        Some(path) => {
            let dir = reload_dir(&configured, files).ok_or_else(|| Error::ModelPathRefused {
                path: path.clone(),
                reason: "no reload directory: the server runs the built-in model; \
                         start it with --reload-dir DIR (or --model FILE) to reload from a path"
                    .into(),
            })?;
            ModelSource::File(confine_to(&path, &dir)?)
        }
    };
    let classifier = source.load_limited(files.max_bytes)?;
    Ok((source, classifier))
}

/// `--reload-dir`, else the directory of the configured model file.
fn reload_dir(configured: &ModelSource, files: &ModelFiles) -> Option<PathBuf> {
    if let Some(dir) = &files.reload_dir {
        return Some(dir.clone());
    }
    match configured {
        ModelSource::File(model) => Some(
            model
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_owned(),
        ),
        ModelSource::Shipped => None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::SHIPPED_MODEL;

    fn reloader(configured: ModelSource, files: ModelFiles) -> Reloader {
        Reloader::new(Arc::new(ModelSlot::default()), configured, files)
    }

    fn model_in(dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, SHIPPED_MODEL).unwrap();
        path
    }

    #[tokio::test]
    async fn by_default_paths_must_lie_beside_the_configured_model() {
        let served = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let configured = model_in(served.path(), "a.model");
        let beside = model_in(served.path(), "b.model");
        let outside = model_in(elsewhere.path(), "c.model");
        let reloader = reloader(ModelSource::File(configured), ModelFiles::default());

        reloader.reload(None).await.unwrap();
        reloader.reload(Some(beside)).await.unwrap();
        let error = reloader.reload(Some(outside.clone())).await.unwrap_err();
        assert!(matches!(error, Error::ModelPathRefused { .. }), "{error}");
        let message = error.to_string();
        assert!(
            message.contains(&outside.display().to_string()),
            "{message}"
        );
        assert!(
            message.contains("outside the reload directory"),
            "{message}"
        );
        let dotted = served
            .path()
            .join("..")
            .join(elsewhere.path().file_name().unwrap());
        let error = reloader.reload(Some(dotted.join("c.model"))).await;
        assert!(matches!(error, Err(Error::ModelPathRefused { .. })));
        assert!(reloader.slot.get().is_some(), "the old model still serves");
    }

    #[tokio::test]
    async fn reload_dir_replaces_the_default_and_the_shipped_model_has_none() {
        let served = tempfile::tempdir().unwrap();
        let drop_box = tempfile::tempdir().unwrap();
        let configured = model_in(served.path(), "a.model");
        let beside = model_in(served.path(), "b.model");
        let dropped = model_in(drop_box.path(), "new.model");
        let files = ModelFiles {
            reload_dir: Some(drop_box.path().to_owned()),
            ..ModelFiles::default()
        };
        let reloader = reloader(ModelSource::File(configured), files);
        reloader.reload(Some(dropped.clone())).await.unwrap();
        assert!(reloader.reload(Some(beside)).await.is_err());

        let shipped = self::reloader(ModelSource::Shipped, ModelFiles::default());
        shipped.reload(None).await.unwrap();
        let error = shipped.reload(Some(dropped)).await.unwrap_err().to_string();
        assert!(error.contains("no reload directory"), "{error}");
        assert!(error.contains("--reload-dir"), "{error}");
    }

    #[tokio::test]
    async fn the_size_limit_applies_to_the_configured_model_and_to_reloads() {
        let served = tempfile::tempdir().unwrap();
        let configured = model_in(served.path(), "a.model");
        let files = ModelFiles {
            max_bytes: SHIPPED_MODEL.len() as u64 - 1,
            ..ModelFiles::default()
        };
        let reloader = reloader(ModelSource::File(configured.clone()), files);
        for path in [None, Some(configured)] {
            let error = reloader.reload(path).await.unwrap_err().to_string();
            assert!(error.contains("--max-model-bytes"), "{error}");
        }
        assert!(reloader.slot.get().is_none());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_fifo_or_a_device_inside_the_directory_is_refused_at_once() {
        let served = tempfile::tempdir().unwrap();
        let configured = model_in(served.path(), "a.model");
        let fifo = served.path().join("b.model");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let files = ModelFiles {
            reload_dir: Some("/dev".into()),
            ..ModelFiles::default()
        };
        let beside = reloader(ModelSource::File(configured.clone()), ModelFiles::default());
        let in_dev = reloader(ModelSource::File(configured), files);
        let refused = [
            (beside.reload(Some(fifo)), "it is a FIFO"),
            (in_dev.reload(Some("/dev/zero".into())), "it is a device"),
        ];
        for (reload, expected) in refused {
            let error = tokio::time::timeout(std::time::Duration::from_secs(5), reload)
                .await
                .expect("a reload must not block")
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{error}");
        }
    }
}
