//! `service` states inside the test image (no systemd: Debian init scripts, `service`,
//! `update-rc.d`/`insserv`, runlevel 2 links), compared with Salt 3007.8's recorded output
//! (tests/system/fixtures/service/).

use rsalt_tests::container::{assert_all_ok, changed, state, Container, Opts};
use serde_json::{json, Value};

fn running(c: &Container, svc: &str) -> bool {
    c.exec(&["service", svc, "status"]).status.success()
}

fn enabled(c: &Container, svc: &str) -> bool {
    c.sh(&format!("ls /etc/rc2.d/S*{svc}")).status.success()
}

const RUNNING: &str = "\
cron:
  service.running:
    - enable: True
";

const DEAD: &str = "\
cron:
  service.dead:
    - enable: False
";

const ENABLED: &str = "\
cron:
  service.enabled: []
";

#[test]
fn running_dead_enabled_disabled() {
    let Some(c) = Container::for_case("service", "running_dead", Opts::default()) else {
        return;
    };
    c.write_sls("running", RUNNING);
    c.write_sls("dead", DEAD);
    c.write_sls("enabled", ENABLED);
    assert!(!running(&c, "cron"));

    let ret = c.apply("running", true, None);
    let s = state(&ret, "service", "cron");
    assert_eq!(s["result"], Value::Null);
    assert_eq!(s["comment"], "Service cron is set to start");
    assert!(!running(&c, "cron"));

    let ret = c.apply("running", false, None);
    assert_all_ok(&ret);
    let s = state(&ret, "service", "cron");
    assert_eq!(s["changes"], json!({"cron": true}));
    assert!(running(&c, "cron"));

    let ret = c.apply("running", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0);
    assert_eq!(
        state(&ret, "service", "cron")["comment"],
        "The service cron is already running"
    );

    let ret = c.apply("dead", true, None);
    assert_eq!(state(&ret, "service", "cron")["result"], Value::Null);
    assert!(running(&c, "cron"));
    let ret = c.apply("dead", false, None);
    assert_all_ok(&ret);
    let s = state(&ret, "service", "cron");
    assert_eq!(s["changes"], json!({"cron": true}));
    assert!(!running(&c, "cron"));
    assert!(!enabled(&c, "cron"));
    let ret = c.apply("dead", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0);

    let ret = c.apply("enabled", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "service", "cron")["changes"],
        json!({"cron": true})
    );
    assert!(enabled(&c, "cron"));
    let ret = c.apply("enabled", false, None);
    assert_eq!(changed(&ret), 0);
}

const WATCH: &str = "\
/etc/default/cron:
  file.managed:
    - contents: |
        EXTRA_OPTS='-L {{ pillar.get(\"level\", 1) }}'
cron:
  service.running:
    - watch:
      - file: /etc/default/cron
ssh-config:
  file.managed:
    - name: /etc/ssh/sshd_config.d/rsalt.conf
    - contents: |
        MaxAuthTries {{ pillar.get(\"tries\", 4) }}
ssh:
  service.running:
    - reload: True
    - watch:
      - file: ssh-config
";

#[test]
fn watch_restarts_or_reloads() {
    let Some(c) = Container::for_case("service", "watch", Opts::default()) else {
        return;
    };
    c.write_sls("watch", WATCH);
    // First run: files change, services were not running: mod_watch starts them.
    let ret = c.apply("watch", false, None);
    assert_all_ok(&ret);
    assert!(running(&c, "cron"));
    assert!(running(&c, "ssh"));
    let cron_pid = c.sh_ok("cat /run/crond.pid");
    let ssh_pid = c.sh_ok("cat /run/sshd.pid");

    // No change: nothing fires.
    let ret = c.apply("watch", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");

    // test=True with a changed file predicts the restart/reload.
    let pillar = json!({"level": 2, "tries": 5});
    let ret = c.apply("watch", true, Some(&pillar));
    assert_eq!(
        state(&ret, "service", "cron")["comment"],
        "Service is set to be restarted"
    );
    assert_eq!(
        state(&ret, "service", "ssh")["comment"],
        "Service is set to be reloaded"
    );

    let ret = c.apply("watch", false, Some(&pillar));
    assert_all_ok(&ret);
    let s = state(&ret, "service", "cron");
    assert_eq!(s["changes"], json!({"cron": true}));
    assert_eq!(s["comment"], "Service restarted");
    let s = state(&ret, "service", "ssh");
    assert_eq!(s["comment"], "Service reloaded");
    // restart: new pid; reload: same sshd pid.
    assert_ne!(c.sh_ok("cat /run/crond.pid"), cron_pid);
    assert_eq!(c.sh_ok("cat /run/sshd.pid"), ssh_pid);
}

const BAD: &str = "\
nosuch:
  service.running: []
typo:
  service.running:
    - name: cron
    - enabled: True
nosuch-dead:
  service.dead:
    - name: nosuch
";

#[test]
fn bad_arguments_fail_cleanly() {
    let Some(c) = Container::for_case("service", "bad_arguments", Opts::default()) else {
        return;
    };
    c.write_sls("bad", BAD);
    let ret = c.apply("bad", false, None);
    let s = state(&ret, "service", "nosuch");
    assert_eq!(s["result"], false);
    assert_eq!(s["comment"], "The named service nosuch is not available");
    let s = state(&ret, "service", "typo");
    assert_eq!(s["result"], false);
    assert!(s["comment"]
        .as_str()
        .unwrap_or_default()
        .contains("\"enabled\""));
    // dead on a missing service is fine.
    assert_eq!(state(&ret, "service", "nosuch-dead")["result"], true);
}
