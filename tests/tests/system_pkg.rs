//! `pkg` states and functions inside the test image, against the local file:// apt
//! repository of the image (tests/images/debian/make-local-repo.sh: rsalt-hello 1.0 and
//! 1.1, rsalt-extra 1.0, rsalt-conf 1.0 with a conffile). Every `apply` is compared with
//! Salt 3007.8's recorded output (tests/system/fixtures/pkg/).

use rsalt_tests::container::{assert_all_ok, changed, state, Container, Opts};
use serde_json::{json, Value};

fn dpkg_status(c: &Container, pkg: &str) -> String {
    let o = c.exec(&["dpkg-query", "-W", "-f", "${Status} ${Version}", pkg]);
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

const INSTALL: &str = "\
hello:
  pkg.installed:
    - name: rsalt-hello
    - version: '1.0'
    - hold: true
extra:
  pkg.installed:
    - pkgs:
      - rsalt-extra
      - rsalt-conf
";

const LATEST: &str = "\
hello:
  pkg.latest:
    - name: rsalt-hello
";

#[test]
fn installed_hold_latest_idempotent() {
    let Some(c) = Container::for_case("pkg", "installed_hold_latest", Opts::default()) else {
        return;
    };
    c.write_sls("install", INSTALL);
    c.write_sls("latest", LATEST);

    // test=True: predicted versions, nothing installed.
    let ret = c.apply("install", true, None);
    let s = state(&ret, "pkg", "hello");
    assert_eq!(s["result"], Value::Null);
    assert_eq!(
        s["changes"]["rsalt-hello"],
        json!({"new": "1.0", "old": ""})
    );
    let s = state(&ret, "pkg", "extra");
    assert_eq!(
        s["changes"]["rsalt-extra"],
        json!({"new": "1.0", "old": ""})
    );
    assert_eq!(dpkg_status(&c, "rsalt-hello"), "");

    let ret = c.apply("install", false, None);
    assert_all_ok(&ret);
    let s = state(&ret, "pkg", "hello");
    assert_eq!(
        s["changes"]["rsalt-hello"],
        json!({"old": "install", "new": "1.0\nhold"})
    );
    assert_eq!(dpkg_status(&c, "rsalt-hello"), "hold ok installed 1.0");
    assert_eq!(dpkg_status(&c, "rsalt-extra"), "install ok installed 1.0");

    let ret = c.apply("install", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");

    // latest: upgrades the held package to 1.1 and keeps the hold.
    let ret = c.apply("latest", true, None);
    let s = state(&ret, "pkg", "hello");
    assert_eq!(s["result"], Value::Null);
    assert_eq!(
        s["changes"]["rsalt-hello"],
        json!({"new": "1.1", "old": "1.0"})
    );
    let ret = c.apply("latest", false, None);
    assert_all_ok(&ret);
    let s = state(&ret, "pkg", "hello");
    assert_eq!(
        s["changes"]["rsalt-hello"],
        json!({"new": "1.1", "old": "1.0"})
    );
    assert_eq!(dpkg_status(&c, "rsalt-hello"), "hold ok installed 1.1");
    let ret = c.apply("latest", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0);

    // The version pin now disagrees: installed with version 1.0 downgrades. Salt's
    // downgrade (apt-get --force-yes) drops the hold, the state holds it again and
    // reports both in the same change (Salt's own output, recorded).
    let ret = c.apply("install", false, None);
    assert_all_ok(&ret);
    let s = state(&ret, "pkg", "hello");
    assert_eq!(
        s["changes"]["rsalt-hello"],
        json!({"old": "1.1\ninstall", "new": "1.0\nhold"})
    );
    assert_eq!(dpkg_status(&c, "rsalt-hello"), "hold ok installed 1.0");

    // Execution functions.
    assert_eq!(c.call(&["pkg.version", "rsalt-hello"]), json!("1.0"));
    assert_eq!(c.call(&["pkg.version", "rsalt-nosuch"]), json!(""));
    assert_eq!(c.call(&["pkg.latest_version", "rsalt-hello"]), json!("1.1"));
    let pkgs = c.call(&["pkg.list_pkgs"]);
    assert_eq!(pkgs["rsalt-extra"], "1.0");
}

const REMOVE: &str = "\
extra:
  pkg.removed:
    - name: rsalt-extra
conf:
  pkg.removed:
    - name: rsalt-conf
";

const PURGE: &str = "\
conf:
  pkg.purged:
    - pkgs:
      - rsalt-conf
      - rsalt-extra
";

#[test]
fn removed_then_purged() {
    let Some(c) = Container::for_case("pkg", "removed_purged", Opts::default()) else {
        return;
    };
    c.sh_ok("apt-get install -y -q rsalt-extra rsalt-conf >/dev/null");
    c.write_sls("remove", REMOVE);
    c.write_sls("purge", PURGE);

    let ret = c.apply("remove", true, None);
    let s = state(&ret, "pkg", "extra");
    assert_eq!(s["result"], Value::Null);
    assert_eq!(
        s["changes"]["rsalt-extra"],
        json!({"new": "removed", "old": ""})
    );
    assert!(dpkg_status(&c, "rsalt-extra").starts_with("install ok installed"));

    let ret = c.apply("remove", false, None);
    assert_all_ok(&ret);
    let s = state(&ret, "pkg", "extra");
    assert_eq!(
        s["changes"]["rsalt-extra"],
        json!({"new": "", "old": "1.0"})
    );
    assert_eq!(s["comment"], "All targeted packages were removed.");
    // Removed, the conffile stays: dpkg says config-files.
    assert_eq!(
        dpkg_status(&c, "rsalt-conf"),
        "deinstall ok config-files 1.0"
    );
    assert!(c.read_file("/etc/rsalt-conf.conf").is_some());

    let ret = c.apply("remove", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0);

    // Purge: the config-files package goes, the absent one is fine.
    let ret = c.apply("purge", true, None);
    let s = state(&ret, "pkg", "conf");
    assert_eq!(s["result"], Value::Null);
    let ret = c.apply("purge", false, None);
    assert_all_ok(&ret);
    let s = state(&ret, "pkg", "conf");
    assert_eq!(
        s["changes"]["removed"]["rsalt-conf"],
        json!({"new": "", "old": "1.0"})
    );
    assert!(c.read_file("/etc/rsalt-conf.conf").is_none());
    let ret = c.apply("purge", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0);
}

const BAD: &str = "\
nosuch:
  pkg.installed:
    - name: rsalt-nosuch-package
badpkgs:
  pkg.installed:
    - pkgs:
      - [not, a, name]
nolatest:
  pkg.latest:
    - name: rsalt-nosuch-package
";

#[test]
fn bad_arguments_fail_cleanly() {
    let Some(c) = Container::for_case("pkg", "bad_arguments", Opts::default()) else {
        return;
    };
    c.write_sls("bad", BAD);
    let ret = c.apply("bad", false, None);
    for id in ["nosuch", "badpkgs", "nolatest"] {
        let fun = if id == "nolatest" { "pkg" } else { "pkg" };
        let s = state(&ret, fun, id);
        assert_eq!(s["result"], false, "{id}: {s:#}");
        assert!(!s["comment"].as_str().unwrap_or_default().is_empty());
    }
    let s = state(&ret, "pkg", "nolatest");
    assert_eq!(
        s["comment"],
        "No information found for 'rsalt-nosuch-package'."
    );
}
