//! `deploy/` without a cluster: the Kubernetes manifests against the
//! official schemas (strict) and against each other, the Dockerfile's
//! sources, and every `POLICY_CLASSIFIER_*` variable they set against the
//! binary's `--help`. The checks live in `scripts/check-deploy.py`.

use std::process::Command;

#[test]
fn deploy_manifests_are_valid_and_consistent() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new(&python)
        .arg(format!("{root}/scripts/check-deploy.py"))
        .arg(env!("CARGO_BIN_EXE_policy-classifier"))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {python} ({e}): install Python 3 and run scripts/install-test-tools.sh"
            )
        });
    assert!(
        output.status.success(),
        "{}{}\n(missing tools? run scripts/install-test-tools.sh)",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
