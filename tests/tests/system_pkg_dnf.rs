//! The dnf/rpm backend of `pkg` and the yum `.repo` side of `pkgrepo`, run against the
//! real dnf 4 and rpm 4.18 that Debian ships (rsalt-test/debian-dnf: a local rpm
//! repository built with rpmbuild + createrepo_c). The minion's grains say
//! `os_family: RedHat`, which selects the RedHat code paths. No Salt recording: Salt's
//! yumpkg does not load on this Debian userland.

use rsalt_tests::container::{assert_all_ok, changed, state, Container, Opts, DNF_IMAGE};
use serde_json::{json, Value};

fn redhat(c: &Container) {
    c.sh_ok("printf 'grains:\\n  os_family: RedHat\\n' >> /etc/rsalt/minion");
}

fn rpm_version(c: &Container, pkg: &str) -> String {
    let o = c.exec(&["rpm", "-q", "--queryformat", "%{VERSION}-%{RELEASE}", pkg]);
    if o.status.success() {
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    } else {
        String::new()
    }
}

const INSTALL: &str = "\
hello:
  pkg.installed:
    - name: rsalt-hello
    - version: '1.0'
extra:
  pkg.installed:
    - pkgs:
      - rsalt-extra
";

#[test]
fn dnf_install_latest_remove() {
    let Some(c) = Container::start_or_skip(DNF_IMAGE, Opts::default()) else {
        return;
    };
    redhat(&c);
    c.write_sls("install", INSTALL);
    c.write_sls("latest", "hello:\n  pkg.latest:\n    - name: rsalt-hello\n");
    c.write_sls(
        "remove",
        "extra:\n  pkg.removed:\n    - name: rsalt-extra\n",
    );

    let ret = c.apply("install", true, None);
    assert_eq!(state(&ret, "pkg", "hello")["result"], Value::Null);
    assert_eq!(rpm_version(&c, "rsalt-hello"), "");

    let ret = c.apply("install", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "pkg", "hello")["changes"]["rsalt-hello"],
        json!({"old": "", "new": "1.0-1"})
    );
    assert_eq!(
        state(&ret, "pkg", "extra")["changes"]["rsalt-extra"],
        json!({"old": "", "new": "1.0-1"})
    );
    assert_eq!(rpm_version(&c, "rsalt-hello"), "1.0-1");
    let ret = c.apply("install", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");

    let ret = c.apply("latest", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "pkg", "hello")["changes"]["rsalt-hello"],
        json!({"old": "1.0-1", "new": "1.1-1"})
    );
    let ret = c.apply("latest", false, None);
    assert_eq!(changed(&ret), 0);
    assert_eq!(
        state(&ret, "pkg", "hello")["comment"],
        "Package rsalt-hello is already up-to-date"
    );

    let ret = c.apply("remove", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "pkg", "extra")["changes"]["rsalt-extra"],
        json!({"old": "1.0-1", "new": ""})
    );
    assert_eq!(rpm_version(&c, "rsalt-extra"), "");
    let ret = c.apply("remove", false, None);
    assert_eq!(changed(&ret), 0);

    assert_eq!(c.call(&["pkg.version", "rsalt-hello"]), json!("1.1-1"));
    assert_eq!(c.call(&["pkg.version_cmp", "1.0-1", "1.0-2"]), json!(-1));
}

const REPO: &str = "\
mirror:
  pkgrepo.managed:
    - humanname: rsalt mirror
    - baseurl: file:///opt/rsalt-rpms
    - gpgcheck: 0
    - file: /etc/yum.repos.d/mirror.repo
";

#[test]
fn yum_repo_file_read_by_dnf() {
    let Some(c) = Container::start_or_skip(DNF_IMAGE, Opts::default()) else {
        return;
    };
    redhat(&c);
    c.sh_ok("rm /etc/yum.repos.d/rsalt.repo");
    c.write_sls("repo", REPO);
    c.write_sls(
        "norepo",
        "mirror:\n  pkgrepo.absent:\n    - file: /etc/yum.repos.d/mirror.repo\n",
    );

    let ret = c.apply("repo", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "pkgrepo", "mirror")["changes"],
        json!({"repo": "mirror"})
    );
    assert_eq!(
        c.read_file("/etc/yum.repos.d/mirror.repo").as_deref(),
        Some(
            "[mirror]\nname=rsalt mirror\nbaseurl=file:///opt/rsalt-rpms\ngpgcheck=0\nenabled=1\n"
        )
    );
    let repos = c.sh_ok("dnf -q repolist --enabled");
    assert!(
        repos.contains("mirror") && repos.contains("rsalt mirror"),
        "{repos}"
    );
    let avail = c.sh_ok("dnf -q list --available rsalt-hello");
    assert!(avail.contains("mirror"), "{avail}");

    let ret = c.apply("repo", false, None);
    assert_eq!(changed(&ret), 0);
    assert_eq!(
        state(&ret, "pkgrepo", "mirror")["comment"],
        "Package repo 'mirror' already configured"
    );

    let ret = c.apply("norepo", false, None);
    assert_all_ok(&ret);
    assert!(c.read_file("/etc/yum.repos.d/mirror.repo").is_none());
    let ret = c.apply("norepo", false, None);
    assert_eq!(changed(&ret), 0);
}
