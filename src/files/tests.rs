use std::path::Path;

use super::*;

fn leftover_temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.contains(".tmp-"))
        .collect()
}

#[test]
fn writes_replace_or_refuse_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.bin");
    write_atomically(&path, b"one", false).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"one");
    let refused = write_atomically(&path, b"two", false).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read(&path).unwrap(), b"one");
    write_atomically(&path, b"two", true).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"two");
    assert!(leftover_temp_files(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn symlinks_in_the_directory_do_not_redirect_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let victim = elsewhere.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let path = dir.path().join("out.model");
    // The old predictable temporary names, and a symlink at the target.
    for pid in [std::process::id(), 1, 2] {
        let planted = dir.path().join(format!(".out.model.tmp-{pid}"));
        std::os::unix::fs::symlink(&victim, planted).unwrap();
    }
    std::os::unix::fs::symlink(&victim, &path).unwrap();

    write_atomically(&path, b"model", true).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(!std::fs::symlink_metadata(&path).unwrap().is_symlink());
    assert_eq!(std::fs::read(&path).unwrap(), b"model");
}

#[cfg(unix)]
#[test]
fn without_overwrite_a_symlink_at_the_target_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let path = dir.path().join("out.model");
    std::os::unix::fs::symlink(&victim, &path).unwrap();
    // Even a dangling symlink counts as an existing file.
    let dangling = dir.path().join("dangling.model");
    std::os::unix::fs::symlink(dir.path().join("absent"), &dangling).unwrap();
    for target in [&path, &dangling] {
        let error = write_atomically(target, b"model", false).unwrap_err();
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::AlreadyExists,
            "{target:?}"
        );
        assert!(std::fs::symlink_metadata(target).unwrap().is_symlink());
    }
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(leftover_temp_files(dir.path()).is_empty());
}

#[test]
fn a_failed_rename_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.model");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("inside"), b"x").unwrap();
    assert!(write_atomically(&path, b"model", true).is_err());
    assert!(write_atomically(&path, b"model", false).is_err());
    assert!(path.is_dir());
    assert!(leftover_temp_files(dir.path()).is_empty());
}

#[test]
fn a_missing_directory_fails_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent").join("out.model");
    assert!(write_atomically(&path, b"model", true).is_err());
    assert!(!path.exists());
}
