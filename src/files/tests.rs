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

/// Runs `f` on another thread and fails, instead of hanging, if it blocks.
fn without_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || drop(tx.send(f())));
    rx.recv_timeout(std::time::Duration::from_secs(5))
        .expect("the read blocked")
}

fn model_error(path: &Path, max_bytes: u64) -> String {
    let path = path.to_owned();
    without_blocking(move || read_model_file(&path, max_bytes))
        .expect_err("must be refused")
        .to_string()
}

#[test]
fn a_regular_file_up_to_the_limit_is_read_and_a_larger_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.model");
    std::fs::write(&path, [7u8; 100]).unwrap();
    assert_eq!(read_model_file(&path, 100).unwrap(), vec![7u8; 100]);
    let error = model_error(&path, 99);
    assert!(error.contains("m.model"), "{error}");
    assert!(
        error.contains("larger than the limit of 99 bytes (--max-model-bytes)"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn dev_zero_is_refused_before_any_read() {
    let error = model_error(Path::new("/dev/zero"), 1024);
    assert!(error.contains("/dev/zero"), "{error}");
    assert!(
        error.contains("not a regular file (it is a device)"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_device_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("zero.model");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let error = model_error(&link, 1 << 30);
    assert!(error.contains("it is a device"), "{error}");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("m.fifo");
    let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: `name` is a valid NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    let error = model_error(&fifo, 1 << 30);
    assert!(error.contains("m.fifo"), "{error}");
    assert!(
        error.contains("not a regular file (it is a FIFO)"),
        "{error}"
    );
}

#[test]
fn a_directory_or_a_missing_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let error = model_error(dir.path(), 1 << 30);
    assert!(error.contains("it is a directory"), "{error}");
    let error = model_error(&dir.path().join("absent.model"), 1 << 30);
    assert!(error.contains("absent.model"), "{error}");
}

#[test]
fn paths_inside_the_directory_resolve_and_paths_leading_out_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let allowed = root.path().join("models");
    std::fs::create_dir(&allowed).unwrap();
    std::fs::write(allowed.join("good.model"), b"m").unwrap();
    std::fs::write(root.path().join("secret"), b"s").unwrap();

    let inside = confine_to(&allowed.join("good.model"), &allowed).unwrap();
    assert_eq!(inside, allowed.canonicalize().unwrap().join("good.model"));
    let dotted = allowed.join("..").join("models").join("good.model");
    assert_eq!(confine_to(&dotted, &allowed).unwrap(), inside);

    let escaping = allowed.join("..").join("secret");
    let error = confine_to(&escaping, &allowed).unwrap_err();
    assert!(matches!(error, crate::Error::ModelPathRefused { .. }));
    let message = error.to_string();
    assert!(
        message.contains("outside the reload directory"),
        "{message}"
    );
    assert!(message.contains("--reload-dir"), "{message}");
    // A sibling whose name starts like the directory is still outside.
    let sibling = root.path().join("models-old");
    std::fs::create_dir(&sibling).unwrap();
    std::fs::write(sibling.join("m.model"), b"m").unwrap();
    assert!(confine_to(&sibling.join("m.model"), &allowed).is_err());
}

#[cfg(unix)]
#[test]
fn a_symlink_leading_out_of_the_directory_is_refused_one_within_is_followed() {
    let root = tempfile::tempdir().unwrap();
    let allowed = root.path().join("models");
    std::fs::create_dir(&allowed).unwrap();
    std::fs::write(allowed.join("v2.model"), b"m").unwrap();
    std::fs::write(root.path().join("secret"), b"s").unwrap();
    let out = allowed.join("out.model");
    std::os::unix::fs::symlink(root.path().join("secret"), &out).unwrap();
    let current = allowed.join("current.model");
    std::os::unix::fs::symlink("v2.model", &current).unwrap();

    let error = confine_to(&out, &allowed).unwrap_err().to_string();
    assert!(error.contains("outside the reload directory"), "{error}");
    let resolved = confine_to(&current, &allowed).unwrap();
    assert_eq!(resolved, allowed.canonicalize().unwrap().join("v2.model"));
}

/// `/proc` files report a length of 0 but have content: the limit holds on
/// the bytes read, not only on the length the file claims.
#[cfg(target_os = "linux")]
#[test]
fn the_limit_holds_for_a_file_longer_than_its_reported_length() {
    let path = Path::new("/proc/self/maps");
    assert_eq!(std::fs::metadata(path).unwrap().len(), 0);
    let error = model_error(path, 10);
    assert!(
        error.contains("larger than the limit of 10 bytes"),
        "{error}"
    );
}

/// The second line of defence, for a path swapped for a FIFO after the
/// first check: opening it does not wait for a writer, and the opened
/// file's own metadata refuses it.
#[cfg(unix)]
#[test]
fn opening_a_fifo_returns_at_once_and_its_metadata_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("swapped.model");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success());
    let file = without_blocking(move || super::model_file::open_nonblocking(&fifo).unwrap());
    let refused = super::model_file::check_kind(&file.metadata().unwrap()).unwrap_err();
    assert!(refused.contains("it is a FIFO"), "{refused}");
}
