//! `pkgrepo.managed`/`absent` for apt inside the test image: a signed flat repository
//! (/opt/rsalt-repo2, built by make-local-repo.sh with a throw-away key) configured with
//! `signed-by` and `key_url`, read back by `apt-get update` (signature checked) and
//! installed from. Compared with Salt 3007.8's recorded output
//! (tests/system/fixtures/pkgrepo/).

use rsalt_tests::container::{assert_all_ok, changed, state, Container, Opts};
use serde_json::{json, Value};

const REPO: &str = "deb [signed-by=/etc/apt/keyrings/rsalt.gpg] file:/opt/rsalt-repo2 ./";

fn managed_sls() -> String {
    format!(
        "\
rsalt-signed-repo:
  pkgrepo.managed:
    - name: {REPO}
    - file: /etc/apt/sources.list.d/rsalt-signed.list
    - key_url: salt://keys/rsalt.asc
    - aptkey: False
rsalt-signed:
  pkg.installed:
    - require:
      - pkgrepo: rsalt-signed-repo
"
    )
}

fn absent_sls() -> String {
    format!("rsalt-signed-repo:\n  pkgrepo.absent:\n    - name: {REPO}\n")
}

#[test]
fn signed_repo_managed_then_absent() {
    let Some(c) = Container::for_case("pkgrepo", "signed_repo", Opts::default()) else {
        return;
    };
    let key = c
        .read_file("/opt/rsalt-repo2/key.asc")
        .expect("key.asc in the image");
    c.write_file("/srv/salt/keys/rsalt.asc", key);
    c.write_sls("repo", &managed_sls());
    c.write_sls("norepo", &absent_sls());
    let tag = "rsalt-signed-repo";

    let ret = c.apply("repo", true, None);
    let s = state(&ret, "pkgrepo", tag);
    assert_eq!(s["result"], Value::Null);
    assert_eq!(s["changes"], json!({"repo": REPO}));
    assert!(c
        .read_file("/etc/apt/sources.list.d/rsalt-signed.list")
        .is_none());

    let ret = c.apply("repo", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "pkgrepo", tag)["changes"],
        json!({"repo": REPO})
    );
    assert_eq!(
        c.read_file("/etc/apt/sources.list.d/rsalt-signed.list")
            .as_deref(),
        Some(format!("{REPO} \n").as_str())
    );
    // The key is stored dearmored where signed-by points, apt verifies the repo with it.
    c.sh_ok("gpg --show-keys /etc/apt/keyrings/rsalt.gpg | grep -q 'rsalt test repo'");
    let upd = c.sh_ok("apt-get update 2>&1");
    assert!(
        !upd.contains("NO_PUBKEY") && !upd.contains("not signed"),
        "{upd}"
    );
    assert_eq!(
        state(&ret, "pkg", "rsalt-signed")["changes"]["rsalt-signed"],
        json!({"old": "", "new": "1.0"})
    );

    let ret = c.apply("repo", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0);
    assert_eq!(
        state(&ret, "pkgrepo", tag)["comment"],
        format!("Package repo '{REPO}' already configured")
    );

    let ret = c.apply("norepo", true, None);
    assert_eq!(state(&ret, "pkgrepo", tag)["result"], Value::Null);
    assert!(c
        .read_file("/etc/apt/sources.list.d/rsalt-signed.list")
        .is_some());
    let ret = c.apply("norepo", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "pkgrepo", tag)["changes"],
        json!({"repo": REPO})
    );
    assert!(c
        .read_file("/etc/apt/sources.list.d/rsalt-signed.list")
        .is_none());
    let ret = c.apply("norepo", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0);
}

const BAD: &str = "\
wrongarg:
  pkgrepo.managed:
    - name: deb http://deb.debian.org/debian bookworm main
    - repo: deb http://deb.debian.org/debian bookworm main
both:
  pkgrepo.managed:
    - name: deb http://deb.debian.org/debian bookworm main
    - enabled: True
    - disabled: True
";

#[test]
fn bad_arguments_fail_cleanly() {
    let Some(c) = Container::for_case("pkgrepo", "bad_arguments", Opts::default()) else {
        return;
    };
    c.write_sls("bad", BAD);
    let ret = c.apply("bad", false, None);
    for id in ["wrongarg", "both"] {
        let s = state(&ret, "pkgrepo", id);
        assert_eq!(s["result"], false, "{id}: {s:#}");
    }
}
