//! The container harness itself: a file.managed state applied inside the test image, then
//! a second run with no changes, and test=True touching nothing.

use rsalt_tests::container::{assert_all_ok, changed, state, Container, Opts, TEST_IMAGE};

const SLS: &str = "\
smoke file:
  file.managed:
    - name: /etc/rsalt-smoke.conf
    - contents: |
        hello from rsalt
    - mode: '0640'
";

#[test]
fn file_managed_in_container_then_idempotent() {
    let Some(c) = Container::start_or_skip(TEST_IMAGE, Opts::default()) else {
        return;
    };
    c.write_sls("smoke", SLS);

    // test=True predicts and touches nothing.
    let ret = c.apply("smoke", true, None);
    let s = state(&ret, "file", "smoke file");
    assert_eq!(s["result"], serde_json::Value::Null, "{ret:#}");
    assert!(c.read_file("/etc/rsalt-smoke.conf").is_none());

    let ret = c.apply("smoke", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 1, "{ret:#}");
    let s = state(&ret, "file", "smoke file");
    assert_eq!(s["changes"]["diff"], "New file", "{ret:#}");
    assert_eq!(
        c.read_file("/etc/rsalt-smoke.conf").as_deref(),
        Some("hello from rsalt\n")
    );
    assert_eq!(c.sh_ok("stat -c %a /etc/rsalt-smoke.conf").trim(), "640");

    let ret = c.apply("smoke", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "second run changed something: {ret:#}");
}
