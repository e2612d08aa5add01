//! Atomic output files.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: to a temporary file created
/// exclusively (`O_EXCL`, random name) beside `path`, synced, then renamed
/// over it, so readers see the old file or the new one, never a half-written
/// one. The exclusive create means a symlink planted where the temporary file
/// will be cannot redirect the write, and the rename replaces a symlink at
/// `path` instead of writing through it. Without `overwrite`, an existing
/// `path` is refused (checked by the rename itself, so there is no window).
/// On any error the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8], overwrite: bool) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    let persisted = if overwrite {
        temp.persist(path)
    } else {
        temp.persist_noclobber(path)
    };
    // A failed persist hands the temporary file back; dropping it removes it.
    persisted.map(drop).map_err(|e| e.error)
}
