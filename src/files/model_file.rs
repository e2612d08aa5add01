//! Reading a model file without trusting the path: only a regular file of
//! bounded size is read, and a reload path must lie inside one directory.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Default `--max-model-bytes`: 1 GiB, some hundred times the shipped model.
pub const DEFAULT_MAX_MODEL_BYTES: u64 = 1 << 30;

/// Reads the model file at `path` if it is a regular file of at most
/// `max_bytes` bytes. A FIFO, device, socket or directory is refused before
/// any read (so `/dev/zero` cannot fill memory and a FIFO cannot block a
/// thread), and a file that grows past the limit while read is refused once
/// it does.
pub fn read_model_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let refuse = |reason: String| Error::ModelFormat {
        path: path.to_owned(),
        reason,
    };
    // Checked before opening, as opening some devices has effects...
    let before = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    check_kind(&before).map_err(&refuse)?;
    // ...and after, on the opened file, in case the path was swapped for a
    // FIFO in between: O_NONBLOCK makes that open return at once instead of
    // waiting for a writer (it changes nothing for a regular file's reads).
    let file = open_nonblocking(path).map_err(|e| Error::io(path, e))?;
    let opened = file.metadata().map_err(|e| Error::io(path, e))?;
    check_kind(&opened).map_err(&refuse)?;
    let too_large = || {
        refuse(format!(
            "the file is larger than the limit of {max_bytes} bytes (--max-model-bytes)"
        ))
    };
    if opened.len() > max_bytes {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large());
    }
    Ok(bytes)
}

pub(super) fn check_kind(metadata: &std::fs::Metadata) -> std::result::Result<(), String> {
    if metadata.is_file() {
        return Ok(());
    }
    Err(format!(
        "not a regular file (it is {}); model files must be regular files",
        kind_of(metadata)
    ))
}

fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if metadata.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

#[cfg(unix)]
pub(super) fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
pub(super) fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// The canonical form of `path` if it lies inside `dir` once both are
/// canonicalised (so `..` and symlinks that lead out are refused); the
/// caller reads the returned path, not the one it was given.
pub fn confine_to(path: &Path, dir: &Path) -> Result<PathBuf> {
    let dir = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    let canonical = path.canonicalize().map_err(|e| Error::io(path, e))?;
    if canonical.starts_with(&dir) {
        return Ok(canonical);
    }
    Err(Error::ModelPathRefused {
        path: path.to_owned(),
        reason: format!(
            "it resolves to {}, outside the reload directory {} (--reload-dir, by default the directory of --model)",
            canonical.display(),
            dir.display()
        ),
    })
}
