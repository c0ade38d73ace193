//! The master-side binaries on bad input and without a running master: clear errors, the
//! right exit codes, no panics.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn bin(name: &str) -> Command {
    let exe = match name {
        "rsalt" => env!("CARGO_BIN_EXE_rsalt"),
        "rsalt-key" => env!("CARGO_BIN_EXE_rsalt-key"),
        "rsalt-run" => env!("CARGO_BIN_EXE_rsalt-run"),
        _ => env!("CARGO_BIN_EXE_rsalt-master"),
    };
    Command::new(exe)
}

#[test]
fn bad_config_names_file_and_key() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("master"), "ret_port: [1, 2]\n").expect("w");
    let o = bin("rsalt-master")
        .arg("-c")
        .arg(dir.path())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("master") && err.contains("'ret_port'") && err.contains("int"),
        "{err}"
    );
    std::fs::write(dir.path().join("master"), "interface: [\n").expect("w");
    let o = bin("rsalt-master")
        .arg("-c")
        .arg(dir.path())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Error parsing configuration file") && err.contains("line"),
        "{err}"
    );
}

#[test]
fn clients_without_a_master_exit_2_with_a_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("master"),
        format!("root_dir: {}\n", dir.path().display()),
    )
    .expect("w");
    let o = bin("rsalt")
        .arg("-c")
        .arg(dir.path())
        .args(["*", "test.ping"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot reach the rsalt master"), "{err}");
    let o = bin("rsalt")
        .arg("-c")
        .arg(dir.path())
        .args(["onlytarget"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let o = bin("rsalt-run")
        .arg("-c")
        .arg(dir.path())
        .args(["manage.up"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn key_listing_and_generated_keys() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("master"),
        format!("root_dir: {}\n", dir.path().display()),
    )
    .expect("w");
    let o = bin("rsalt-key")
        .arg("-c")
        .arg(dir.path())
        .arg("-L")
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "Accepted Keys:\nDenied Keys:\nUnaccepted Keys:\nRejected Keys:\n"
    );
    let o = bin("rsalt-key")
        .arg("-c")
        .arg(dir.path())
        .args(["-l", "bogus"])
        .output()
        .expect("run");
    assert!(!o.status.success());
    let keys = dir.path().join("keys");
    let o = bin("rsalt-key")
        .arg("-c")
        .arg(dir.path())
        .args(["--gen-keys", "web1", "--gen-keys-dir"])
        .arg(&keys)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mode = std::fs::metadata(keys.join("web1.pem"))
        .expect("pem")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert!(std::fs::read_to_string(keys.join("web1.pub"))
        .expect("pub")
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    let o = bin("rsalt-key")
        .arg("-c")
        .arg(dir.path())
        .args(["-a", "nobody", "-y"])
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "The key glob 'nobody' does not match any unaccepted keys.\n"
    );
}
