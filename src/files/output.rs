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
/// On any error the temporary file is removed. The file is created mode
/// 0644 on Unix.
pub fn write_atomically(path: &Path, bytes: &[u8], overwrite: bool) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{file_name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Readable by others, as a file written with `>` would be: a model or
    // report is meant to be read by a server or a browser under another
    // user (the temporary file's default is owner-only).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut temp = builder.tempfile_in(dir)?;
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

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_written_file_is_readable_by_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        super::write_atomically(&path, b"{}", false).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
    }
}
