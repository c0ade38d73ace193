//! System states of a base role, each inside its own container from the test image:
//! `timezone`, `mount` (tmpfs + fstab), `cron`, `host`, `sysctl`, `archive.extracted`,
//! `git.latest`, `locale`. For each: test=True predicts and touches nothing, apply
//! changes, a second apply changes nothing, the removal path, bad arguments fail cleanly.
//! Every `apply` is compared with Salt 3007.8's recorded output
//! (`tests/system/fixtures/<module>/<case>.json`; re-record with
//! `RSALT_RECORD_ORACLE=1 cargo test -p rsalt-tests --test system_base`).
//!
//! Containers get only what a module needs: `SYS_ADMIN` for mounts (in the container's own
//! mount namespace), `NET_ADMIN` + `systempaths=unconfined` for sysctl — which only ever
//! writes network-namespaced keys (`net.ipv4.*`): non-namespaced keys would be the host's.

use rsalt_tests::container::{assert_all_ok, changed, state, Container, Opts};
use serde_json::{json, Value};

fn result(ret: &Value, module: &str, id: &str) -> Value {
    state(ret, module, id)["result"].clone()
}

fn comment(ret: &Value, module: &str, id: &str) -> String {
    state(ret, module, id)["comment"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

const TZ: &str = "\
tz:
  timezone.system:
    - name: Europe/Berlin
";

const TZ_BAD: &str = "\
tz:
  timezone.system:
    - name: Mars/Olympus_Mons
";

#[test]
fn timezone_system() {
    let Some(c) = Container::for_case("timezone", "system", Opts::default()) else {
        return;
    };
    c.write_sls("tz", TZ);
    c.write_sls("tzbad", TZ_BAD);
    let before = c.sh_ok("readlink /etc/localtime; cat /etc/timezone");

    let ret = c.apply("tz", true, None);
    assert_eq!(result(&ret, "timezone", "tz"), Value::Null, "{ret:#}");
    assert_eq!(
        comment(&ret, "timezone", "tz"),
        "Timezone Europe/Berlin needs to be set"
    );
    assert_eq!(
        c.sh_ok("readlink /etc/localtime; cat /etc/timezone"),
        before
    );

    let ret = c.apply("tz", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "timezone", "tz")["changes"],
        json!({"timezone": "Europe/Berlin"})
    );
    assert_eq!(
        c.sh_ok("readlink /etc/localtime; cat /etc/timezone"),
        "/usr/share/zoneinfo/Europe/Berlin\nEurope/Berlin\n"
    );
    assert_eq!(c.sh_ok("date +%Z -d 2026-01-15").trim(), "CET");

    let ret = c.apply("tz", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");
    assert_eq!(
        comment(&ret, "timezone", "tz"),
        "Timezone Europe/Berlin already set, UTC already set to Europe/Berlin"
    );
    let ret = c.apply("tz", true, None);
    assert_eq!(result(&ret, "timezone", "tz"), json!(true));

    let ret = c.apply("tzbad", false, None);
    assert_eq!(result(&ret, "timezone", "tz"), json!(false));
    assert!(
        comment(&ret, "timezone", "tz").contains("Can't find a local timezone"),
        "{ret:#}"
    );
    assert_eq!(
        c.sh_ok("readlink /etc/localtime"),
        "/usr/share/zoneinfo/Europe/Berlin\n"
    );
}

const MOUNT: &str = "\
scratch:
  mount.mounted:
    - name: /mnt/scratch
    - device: tmpfs
    - fstype: tmpfs
    - opts: size=64m,mode=1777
    - mkmnt: True
    - persist: True
";

/// New options for the mounted tmpfs: Salt remounts (its mount cache holds the old
/// options) and rewrites the fstab line.
const MOUNT_CHANGED: &str = "\
scratch:
  mount.mounted:
    - name: /mnt/scratch
    - device: tmpfs
    - fstype: tmpfs
    - opts: size=32m,noexec
    - persist: True
";

const UMOUNT: &str = "\
scratch:
  mount.unmounted:
    - name: /mnt/scratch
    - persist: True
";

const MOUNT_BAD: &str = "\
nodevice:
  mount.mounted:
    - name: /mnt/x
    - fstype: tmpfs
nodir:
  mount.mounted:
    - name: /mnt/missing
    - device: tmpfs
    - fstype: tmpfs
    - persist: False
badfs:
  mount.mounted:
    - name: /mnt/badfs
    - device: none
    - fstype: no-such-fs
    - mkmnt: True
    - persist: False
";

const FSTAB_LINE: &str = "tmpfs\t\t/mnt/scratch\ttmpfs\tsize=64m,mode=1777\t0 0\n";

#[test]
fn mount_tmpfs_persisted() {
    let opts = Opts {
        cap_add: vec!["SYS_ADMIN".into()],
        ..Opts::default()
    };
    let Some(c) = Container::for_case("mount", "tmpfs", opts) else {
        return;
    };
    c.write_sls("mnt", MOUNT);
    c.write_sls("umnt", UMOUNT);
    c.write_sls("mntchg", MOUNT_CHANGED);
    c.write_sls("mntbad", MOUNT_BAD);
    let fstab = c.read_file("/etc/fstab").unwrap_or_default();

    let ret = c.apply("mnt", true, None);
    assert_eq!(result(&ret, "mount", "scratch"), Value::Null);
    assert_eq!(
        comment(&ret, "mount", "scratch"),
        "/mnt/scratch would be created and mounted"
    );
    assert!(c
        .read_file("/proc/self/mountinfo")
        .is_some_and(|m| !m.contains("/mnt/scratch")));
    assert_eq!(c.read_file("/etc/fstab").unwrap_or_default(), fstab);

    let ret = c.apply("mnt", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "mount", "scratch")["changes"],
        json!({"mount": true, "persist": "new"})
    );
    let info = c.sh_ok("grep ' /mnt/scratch ' /proc/self/mountinfo");
    assert!(
        info.contains(" - tmpfs tmpfs ") && info.contains("size=65536k"),
        "{info}"
    );
    assert_eq!(c.sh_ok("stat -c %a /mnt/scratch").trim(), "1777");
    assert_eq!(
        c.read_file("/etc/fstab").unwrap_or_default(),
        format!("{fstab}{FSTAB_LINE}")
    );

    let ret = c.apply("mnt", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");
    assert_eq!(
        comment(&ret, "mount", "scratch"),
        "Target was already mounted. Entry already exists in the fstab."
    );

    // changed options: remount + fstab update
    let ret = c.apply("mntchg", true, None);
    assert_eq!(result(&ret, "mount", "scratch"), Value::Null);
    let ret = c.apply("mntchg", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "mount", "scratch")["changes"]["persist"],
        json!("update")
    );
    let info = c.sh_ok("grep ' /mnt/scratch ' /proc/self/mountinfo");
    assert!(
        info.contains("noexec") && info.contains("size=32768k"),
        "{info}"
    );
    assert!(c
        .read_file("/etc/fstab")
        .unwrap_or_default()
        .ends_with("tmpfs\t\t/mnt/scratch\ttmpfs\tsize=32m,noexec\t0 0\n"));
    let ret = c.apply("mntchg", false, None);
    assert_eq!(changed(&ret), 0, "{ret:#}");

    // removal
    let ret = c.apply("umnt", true, None);
    assert_eq!(result(&ret, "mount", "scratch"), Value::Null);
    assert!(c.sh_ok("cat /proc/self/mountinfo").contains("/mnt/scratch"));
    let ret = c.apply("umnt", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "mount", "scratch")["changes"],
        json!({"umount": true, "persist": "purged"})
    );
    assert!(!c.sh_ok("cat /proc/self/mountinfo").contains("/mnt/scratch"));
    assert_eq!(c.read_file("/etc/fstab").unwrap_or_default(), fstab);
    let ret = c.apply("umnt", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0);

    // bad arguments
    let ret = c.apply("mntbad", false, None);
    assert_eq!(result(&ret, "mount", "nodevice"), json!(false));
    assert_eq!(
        comment(&ret, "mount", "nodevice"),
        "Missing parameter device for state mount.mounted\n"
    );
    assert_eq!(result(&ret, "mount", "nodir"), json!(false));
    assert_eq!(
        comment(&ret, "mount", "nodir"),
        "Mount directory is not present"
    );
    assert_eq!(result(&ret, "mount", "badfs"), json!(false));
    assert!(!comment(&ret, "mount", "badfs").is_empty());
}

const CRON: &str = "\
nightly backup:
  cron.present:
    - name: /usr/local/bin/backup.sh >/var/log/backup.log 2>&1
    - identifier: nightly-backup
    - comment: nightly backup of /srv
    - minute: 30
    - hour: 2
every five:
  cron.present:
    - name: /usr/bin/true
    - minute: '*/5'
on boot:
  cron.present:
    - name: /usr/bin/logger booted
    - special: '@reboot'
disabled:
  cron.present:
    - name: /usr/bin/false
    - hour: 4
    - commented: True
mailto:
  cron.env_present:
    - name: MAILTO
    - value: ops@example.com
";

const CRON_CHANGE: &str = "\
nightly backup:
  cron.present:
    - name: /usr/local/bin/backup.sh --full >/var/log/backup.log 2>&1
    - identifier: nightly-backup
    - comment: nightly backup of /srv
    - minute: 45
    - hour: 3
";

const CRON_ABSENT: &str = "\
nightly backup:
  cron.absent:
    - name: /usr/local/bin/backup.sh --full >/var/log/backup.log 2>&1
    - identifier: nightly-backup
every five:
  cron.absent:
    - name: /usr/bin/true
mailto:
  cron.env_absent:
    - name: MAILTO
";

const CRON_BAD: &str = "\
nouser:
  cron.present:
    - name: /usr/bin/true
    - user: nosuchuser
";

const CRONTAB_AFTER: &str = "\
# Lines below here are managed by Salt, do not edit
MAILTO=ops@example.com
# nightly backup of /srv SALT_CRON_IDENTIFIER:nightly-backup
30 2 * * * /usr/local/bin/backup.sh >/var/log/backup.log 2>&1
# SALT_CRON_IDENTIFIER:/usr/bin/true
*/5 * * * * /usr/bin/true
# SALT_CRON_IDENTIFIER:/usr/bin/false
#DISABLED#* 4 * * * /usr/bin/false
# SALT_CRON_IDENTIFIER:/usr/bin/logger booted
@reboot /usr/bin/logger booted
";

#[test]
fn cron_present_absent() {
    let Some(c) = Container::for_case("cron", "present_absent", Opts::default()) else {
        return;
    };
    c.write_sls("cron", CRON);
    c.write_sls("cronchg", CRON_CHANGE);
    c.write_sls("cronabs", CRON_ABSENT);
    c.write_sls("cronbad", CRON_BAD);
    let crontab = || {
        let o = c.exec(&["crontab", "-l"]);
        String::from_utf8_lossy(&o.stdout).to_string()
    };

    let ret = c.apply("cron", true, None);
    assert_eq!(result(&ret, "cron", "nightly backup"), Value::Null);
    assert_eq!(crontab(), "");

    let ret = c.apply("cron", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 5, "{ret:#}");
    assert_eq!(
        state(&ret, "cron", "nightly backup")["changes"],
        json!({"root": "/usr/local/bin/backup.sh >/var/log/backup.log 2>&1"})
    );
    assert_eq!(crontab(), CRONTAB_AFTER);

    let ret = c.apply("cron", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");
    let ret = c.apply("cron", true, None);
    assert_all_ok(&ret);

    // the same identifier, new command and time: updated in place
    let ret = c.apply("cronchg", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        comment(&ret, "cron", "nightly backup"),
        "Cron /usr/local/bin/backup.sh --full >/var/log/backup.log 2>&1 updated"
    );
    assert!(crontab().contains(
        "# nightly backup of /srv SALT_CRON_IDENTIFIER:nightly-backup\n45 3 * * * /usr/local/bin/backup.sh --full >/var/log/backup.log 2>&1\n"
    ));

    // removal
    let ret = c.apply("cronabs", true, None);
    assert_eq!(result(&ret, "cron", "nightly backup"), Value::Null);
    assert!(crontab().contains("backup.sh"));
    let ret = c.apply("cronabs", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 3, "{ret:#}");
    let tab = crontab();
    assert!(
        !tab.contains("backup.sh") && !tab.contains("MAILTO") && !tab.contains("/usr/bin/true"),
        "{tab}"
    );
    assert!(tab.contains("@reboot /usr/bin/logger booted"));
    let ret = c.apply("cronabs", false, None);
    assert_eq!(changed(&ret), 0);

    // bad arguments: crontab's own error, as Salt reports it
    let ret = c.apply("cronbad", false, None);
    assert_eq!(result(&ret, "cron", "nouser"), json!(false));
    assert!(
        comment(&ret, "cron", "nouser").contains("nosuchuser"),
        "{ret:#}"
    );
}

const CRON_FILE: &str = "\
root crontab:
  cron.file:
    - name: salt://files/crontab
    - user: root
";

const CRONTAB_SRC: &str = "# managed whole\nSHELL=/bin/sh\n15 1 * * * /usr/local/bin/rotate\n";

#[test]
fn cron_file() {
    let Some(c) = Container::for_case("cron", "file", Opts::default()) else {
        return;
    };
    c.write_sls("cronfile", CRON_FILE);
    c.write_file("/srv/salt/files/crontab", CRONTAB_SRC);
    let ret = c.apply("cronfile", true, None);
    assert_eq!(result(&ret, "cron", "root crontab"), Value::Null);
    assert!(comment(&ret, "cron", "root crontab")
        .starts_with("The following values are set to be changed:\ndiff: "));
    assert_eq!(
        String::from_utf8_lossy(&c.exec(&["crontab", "-l"]).stdout),
        ""
    );
    let ret = c.apply("cronfile", false, None);
    assert_all_ok(&ret);
    let s = state(&ret, "cron", "root crontab");
    assert!(
        s["changes"]["diff"]
            .as_str()
            .is_some_and(|d| d.contains("+15 1 * * * /usr/local/bin/rotate")),
        "{ret:#}"
    );
    assert_eq!(
        String::from_utf8_lossy(&c.exec(&["crontab", "-l"]).stdout),
        CRONTAB_SRC
    );
    let ret = c.apply("cronfile", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");
    assert_eq!(
        comment(&ret, "cron", "root crontab"),
        "Crontab for user root is in the correct state"
    );
}

const HOSTS: &str = "\
web:
  host.present:
    - name: web.internal
    - ip: 10.1.2.3
    - comment: app server
db:
  host.present:
    - names:
      - db1.internal
      - db.internal
    - ip: [10.1.2.4, 10.1.2.5]
";

const HOSTS_ABSENT: &str = "\
web:
  host.absent:
    - name: web.internal
    - ip: 10.1.2.3
db:
  host.absent:
    - name: db.internal
    - ip: [10.1.2.4, 10.1.2.5]
";

const HOSTS_BAD: &str = "\
noip:
  host.present:
    - name: x.internal
";

#[test]
fn host_present_absent() {
    let Some(c) = Container::for_case("host", "present_absent", Opts::default()) else {
        return;
    };
    c.write_sls("hosts", HOSTS);
    c.write_sls("hostsabs", HOSTS_ABSENT);
    c.write_sls("hostsbad", HOSTS_BAD);
    // Docker bind-mounts /etc/hosts: it can only be rewritten in place.
    assert!(c
        .sh_ok("grep ' /etc/hosts ' /proc/self/mountinfo || true")
        .contains("/etc/hosts"));
    // 10.1.2.4 is already there: with a single new address per state, Salt's comment
    // order is deterministic (it iterates a Python set of the addresses to add).
    c.sh_ok("echo '10.1.2.4 db1.internal db.internal' >> /etc/hosts");
    let inode = c.sh_ok("stat -c %i /etc/hosts");
    let before = c.read_file("/etc/hosts").unwrap_or_default();

    let ret = c.apply("hosts", true, None);
    assert_eq!(result(&ret, "host", "web"), Value::Null);
    assert_eq!(c.read_file("/etc/hosts").unwrap_or_default(), before);

    let ret = c.apply("hosts", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "host", "web")["changes"],
        json!({"added": {"10.1.2.3": ["web.internal"]}, "comment_added": {"10.1.2.3": ["app server"]}})
    );
    let text = c.read_file("/etc/hosts").unwrap_or_default();
    assert!(
        text.contains("10.1.2.3\t\tweb.internal\t\t# app server\n"),
        "{text}"
    );
    assert!(
        text.contains("10.1.2.4\t\tdb1.internal db.internal\n"),
        "{text}"
    );
    assert!(
        text.contains("10.1.2.5\t\tdb1.internal db.internal\n"),
        "{text}"
    );
    assert!(text.contains("localhost"));
    assert_eq!(c.sh_ok("stat -c %i /etc/hosts"), inode);
    assert_eq!(
        c.sh_ok("getent hosts web.internal")
            .split_whitespace()
            .next(),
        Some("10.1.2.3")
    );

    let ret = c.apply("hosts", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");

    let ret = c.apply("hostsabs", false, None);
    assert_all_ok(&ret);
    let text = c.read_file("/etc/hosts").unwrap_or_default();
    assert!(
        !text.contains("web.internal") && !text.contains(" db.internal"),
        "{text}"
    );
    assert!(text.contains("db1.internal"), "{text}");
    let ret = c.apply("hostsabs", false, None);
    assert_eq!(changed(&ret), 0, "{ret:#}");

    let ret = c.apply("hostsbad", false, None);
    assert_eq!(result(&ret, "host", "noip"), json!(false));
    assert_eq!(
        comment(&ret, "host", "noip"),
        "Missing parameter ip for state host.present\n"
    );
    // rsalt refuses a non-IP address (Salt writes it to /etc/hosts): not oracle-compared.
    c.write_sls(
        "hostsinv",
        "inv:\n  host.present:\n    - name: y.internal\n    - ip: not-an-ip\n",
    );
    let o = c.apply_output("hostsinv", false, None);
    if c.bin == "rsalt-call" {
        let ret = rsalt_tests::container::parse_local(&o);
        assert_eq!(result(&ret, "host", "inv"), json!(false));
        assert_eq!(
            comment(&ret, "host", "inv"),
            "Invalid IP Address for y.internal (not-an-ip)"
        );
        assert!(!c
            .read_file("/etc/hosts")
            .unwrap_or_default()
            .contains("not-an-ip"));
    }
}

const SYSCTL: &str = "\
port range:
  sysctl.present:
    - name: net.ipv4.ip_local_port_range
    - value: 20000 60999
syncookies:
  sysctl.present:
    - name: net.ipv4.tcp_syncookies
    - value: 0
    - config: /etc/sysctl.d/99-salt.conf
";

const SYSCTL_BAD: &str = "\
nokey:
  sysctl.present:
    - name: net.ipv4.no_such_key
    - value: 1
    - config: /etc/sysctl.d/98-bad.conf
novalue:
  sysctl.present:
    - name: net.ipv4.ip_forward
";

#[test]
fn sysctl_present() {
    // Only network-namespaced keys: with /proc/sys writable, vm.* or kernel.* would be
    // the host's.
    let opts = Opts {
        cap_add: vec!["NET_ADMIN".into()],
        security_opt: vec!["systempaths=unconfined".into()],
        ..Opts::default()
    };
    let Some(c) = Container::for_case("sysctl", "present", opts) else {
        return;
    };
    c.write_sls("sysctl", SYSCTL);
    c.write_sls("sysctlbad", SYSCTL_BAD);
    let get = |k: &str| c.sh_ok(&format!("sysctl -n {k}")).trim().to_string();
    assert_eq!(get("net.ipv4.ip_local_port_range"), "32768\t60999");
    assert_eq!(get("net.ipv4.tcp_syncookies"), "1");
    let conf = c.read_file("/etc/sysctl.conf").unwrap_or_default();

    let ret = c.apply("sysctl", true, None);
    assert_eq!(result(&ret, "sysctl", "port range"), Value::Null);
    assert_eq!(get("net.ipv4.tcp_syncookies"), "1");
    assert!(c.read_file("/etc/sysctl.d/99-salt.conf").is_none());

    let ret = c.apply("sysctl", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "sysctl", "port range")["changes"],
        json!({"net.ipv4.ip_local_port_range": "20000 60999"})
    );
    assert_eq!(get("net.ipv4.ip_local_port_range"), "20000\t60999");
    assert_eq!(get("net.ipv4.tcp_syncookies"), "0");
    // No systemd in the container: Salt's default config is /etc/sysctl.conf.
    assert_eq!(
        c.read_file("/etc/sysctl.conf").unwrap_or_default(),
        format!("{conf}net.ipv4.ip_local_port_range = 20000 60999\n")
    );
    assert_eq!(
        c.read_file("/etc/sysctl.d/99-salt.conf").as_deref(),
        Some("#\n# Kernel sysctl configuration\n#\nnet.ipv4.tcp_syncookies = 0\n")
    );

    let ret = c.apply("sysctl", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");
    let ret = c.apply("sysctl", true, None);
    assert_all_ok(&ret);

    let ret = c.apply("sysctlbad", false, None);
    assert_eq!(result(&ret, "sysctl", "nokey"), json!(false));
    assert_eq!(
        comment(&ret, "sysctl", "nokey"),
        "Failed to set net.ipv4.no_such_key to 1: sysctl net.ipv4.no_such_key does not exist"
    );
    assert_eq!(result(&ret, "sysctl", "novalue"), json!(false));
    assert_eq!(
        comment(&ret, "sysctl", "novalue"),
        "Missing parameter value for state sysctl.present\n"
    );
}

/// Builds reproducible CI-artifact-shaped archives inside the container (same bytes for
/// the Salt recording and the rsalt run) and serves them over HTTP on 127.0.0.1:8765.
const MAKE_ARTIFACTS: &str = r#"set -e
mkdir -p /build/app-1.4.2/bin /build/app-1.4.2/share /srv/salt/dist /srv/www
cd /build
printf '#!/bin/sh\necho app 1.4.2\n' > app-1.4.2/bin/app
chmod 755 app-1.4.2/bin/app
printf 'config\n' > app-1.4.2/share/app.conf
ln -s share/app.conf app-1.4.2/app.conf
printf 'loose\n' > README
touch -d @1700000000 app-1.4.2 app-1.4.2/bin app-1.4.2/share app-1.4.2/bin/app app-1.4.2/share/app.conf README
T="tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner"
$T -cf - app-1.4.2 | gzip -n > /srv/salt/dist/app-1.4.2.tar.gz
$T -cf - app-1.4.2 README | gzip -n > /srv/salt/dist/bomb.tar.gz
cp /srv/salt/dist/app-1.4.2.tar.gz /srv/www/
(cd /srv/www && sha256sum app-1.4.2.tar.gz > SHA256SUMS)
python3 - <<'PY'
import zipfile
with zipfile.ZipFile('/srv/salt/dist/tools-0.9.zip', 'w') as z:
    for name, data, mode in (('tools-0.9/', b'', 0o40755), ('tools-0.9/bin/tool', b'#!/bin/sh\necho tool\n', 0o100755), ('tools-0.9/README', b'tools\n', 0o100644)):
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.external_attr = mode << 16
        z.writestr(info, data)
PY
sha256sum /srv/salt/dist/app-1.4.2.tar.gz | cut -d' ' -f1
"#;

fn archive_sls(hash: &str) -> String {
    format!(
        "\
artifact:
  archive.extracted:
    - name: /opt/app
    - source: salt://dist/app-1.4.2.tar.gz
    - source_hash: sha256={hash}
    - user: nobody
    - group: nogroup
zip tools:
  archive.extracted:
    - name: /opt/tools
    - source: salt://dist/tools-0.9.zip
    - skip_verify: True
local once:
  archive.extracted:
    - name: /opt/local
    - source: /srv/salt/dist/app-1.4.2.tar.gz
    - source_hash: {hash}
    - if_missing: /opt/local/app-1.4.2/bin
"
    )
}

/// Over HTTP with a SHA256SUMS file. Not oracle-compared: Salt 3007.8 caches an empty
/// file from this server (python3 -m http.server answers 200 with the content; Salt's
/// `cp.cache_file` writes 0 bytes), then fails with "Source hash ... format is invalid".
const ARCHIVE_HTTP: &str = "\
from http:
  archive.extracted:
    - name: /opt/http
    - source: http://127.0.0.1:8765/app-1.4.2.tar.gz
    - source_hash: http://127.0.0.1:8765/SHA256SUMS
    - trim_output: 2
";

const ARCHIVE_BAD: &str = "\
bomb:
  archive.extracted:
    - name: /opt/bomb
    - source: salt://dist/bomb.tar.gz
    - skip_verify: True
wrong hash:
  archive.extracted:
    - name: /opt/wrong
    - source: /srv/salt/dist/app-1.4.2.tar.gz
    - source_hash: sha256=0000000000000000000000000000000000000000000000000000000000000000
missing source:
  archive.extracted:
    - name: /opt/missing
    - source: /srv/salt/dist/nope.tar.gz
relative:
  archive.extracted:
    - name: opt/relative
    - source: /srv/salt/dist/app-1.4.2.tar.gz
";

const ARCHIVE_CLEAN: &str = "\
bomb ok:
  archive.extracted:
    - name: /opt/bomb
    - source: salt://dist/bomb.tar.gz
    - skip_verify: True
    - enforce_toplevel: False
    - clean: True
    - overwrite: True
";

#[test]
fn archive_extracted() {
    let Some(c) = Container::for_case("archive", "extracted", Opts::default()) else {
        return;
    };
    let hash = c.sh_ok(MAKE_ARTIFACTS).trim().to_string();
    assert_eq!(hash.len(), 64, "{hash}");
    c.sh_ok("cd /srv/www && (python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 &) && for i in $(seq 50); do curl -fs http://127.0.0.1:8765/SHA256SUMS >/dev/null && break; sleep 0.1; done");
    c.write_sls("art", &archive_sls(&hash));
    c.write_sls("artbad", ARCHIVE_BAD);
    c.write_sls("artclean", ARCHIVE_CLEAN);

    let ret = c.apply("art", true, None);
    assert_eq!(result(&ret, "archive", "artifact"), Value::Null);
    assert_eq!(
        comment(&ret, "archive", "local once"),
        "Archive /srv/salt/dist/app-1.4.2.tar.gz would be extracted to /opt/local/, due to absence of one or more files/dirs"
    );
    assert!(c.sh("test -e /opt/app || test -e /opt/local").status.code() == Some(1));
    assert_eq!(result(&ret, "archive", "zip tools"), Value::Null);

    let ret = c.apply("art", false, None);
    assert_all_ok(&ret);
    let s = state(&ret, "archive", "artifact");
    assert_eq!(
        s["changes"]["extracted_files"],
        json!([
            "app-1.4.2",
            "app-1.4.2/app.conf",
            "app-1.4.2/bin",
            "app-1.4.2/bin/app",
            "app-1.4.2/share",
            "app-1.4.2/share/app.conf"
        ])
    );
    assert_eq!(s["changes"]["directories_created"], json!(["/opt/app/"]));
    assert_eq!(s["changes"]["updated ownership"], json!(true));
    assert_eq!(
        c.sh_ok("/opt/app/app-1.4.2/bin/app; stat -c '%U:%G %a' /opt/app/app-1.4.2/bin/app; readlink /opt/app/app-1.4.2/app.conf"),
        "app 1.4.2\nnobody:nogroup 755\nshare/app.conf\n"
    );
    assert_eq!(
        state(&ret, "archive", "zip tools")["changes"]["extracted_files"],
        json!(["tools-0.9/", "tools-0.9/bin/tool", "tools-0.9/README"])
    );
    assert_eq!(c.sh_ok("/opt/tools/tools-0.9/bin/tool"), "tool\n");
    if c.bin == "rsalt-call" {
        c.write_sls("arthttp", ARCHIVE_HTTP);
        let ret = rsalt_tests::container::parse_local(&c.apply_output("arthttp", false, None));
        assert_all_ok(&ret);
        let s = state(&ret, "archive", "from http");
        assert_eq!(
            s["changes"]["extracted_files"],
            json!(["app-1.4.2", "app-1.4.2/app.conf"])
        );
        assert!(comment(&ret, "archive", "from http")
            .ends_with("Output was trimmed to 2 number of lines"));
        assert!(c.sh("test -x /opt/http/app-1.4.2/bin/app").status.success());
        let ret = rsalt_tests::container::parse_local(&c.apply_output("arthttp", false, None));
        assert_eq!(changed(&ret), 0, "{ret:#}");
    }

    let ret = c.apply("art", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");
    assert_eq!(
        comment(&ret, "archive", "artifact"),
        "All files in archive are already present"
    );
    assert_eq!(
        comment(&ret, "archive", "local once"),
        "Path /opt/local/app-1.4.2/bin exists"
    );

    // a removed file is restored
    c.sh_ok("rm /opt/app/app-1.4.2/share/app.conf");
    let ret = c.apply("art", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 1, "{ret:#}");
    assert!(c
        .sh("test -f /opt/app/app-1.4.2/share/app.conf")
        .status
        .success());

    let ret = c.apply("artbad", false, None);
    assert_eq!(result(&ret, "archive", "bomb"), json!(false));
    assert!(comment(&ret, "archive", "bomb")
        .starts_with("Archive does not have a single top-level directory."));
    assert_eq!(result(&ret, "archive", "wrong hash"), json!(false));
    assert!(
        comment(&ret, "archive", "wrong hash").contains("does not match the desired source_hash")
    );
    assert_eq!(
        comment(&ret, "archive", "missing source"),
        "Source file '/srv/salt/dist/nope.tar.gz' does not exist"
    );
    assert_eq!(
        comment(&ret, "archive", "relative"),
        "opt/relative is not an absolute path"
    );
    assert!(
        c.sh("test -e /opt/bomb || test -e /opt/wrong")
            .status
            .code()
            == Some(1)
    );

    let ret = c.apply("artclean", false, None);
    assert_all_ok(&ret);
    assert_eq!(c.sh_ok("ls /opt/bomb"), "README\napp-1.4.2\n");
}

/// Builds `/srv/salt/dist/ci.tar.gz` (top-level `build/`, content VERSION) reproducibly
/// and prints its sha256.
fn make_ci_artifact(c: &Container, version: &str) -> String {
    c.sh_ok(&format!(
        "set -e; rm -rf /tmp/ci && mkdir -p /tmp/ci/build /srv/salt/dist && cd /tmp/ci && echo {version} > build/VERSION && touch -d @1700000000 build build/VERSION && tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner -cf - build | gzip -n > /srv/salt/dist/ci.tar.gz && sha256sum /srv/salt/dist/ci.tar.gz | cut -d' ' -f1"
    ))
    .trim()
    .to_string()
}

fn ci_sls(hash: &str) -> String {
    format!(
        "ci:\n  archive.extracted:\n    - name: /srv/ci\n    - source: salt://dist/ci.tar.gz\n    - source_hash: sha256={hash}\n    - source_hash_update: True\n"
    )
}

/// A CI artifact whose next build keeps the same file list: only `source_hash_update`
/// notices the new hash and re-extracts.
#[test]
fn archive_source_hash_update() {
    let Some(c) = Container::for_case("archive", "source_hash_update", Opts::default()) else {
        return;
    };
    let h1 = make_ci_artifact(&c, "1");
    c.write_sls("ci", &ci_sls(&h1));
    let ret = c.apply("ci", false, None);
    assert_all_ok(&ret);
    assert_eq!(c.read_file("/srv/ci/build/VERSION").as_deref(), Some("1\n"));
    let ret = c.apply("ci", false, None);
    assert_eq!(changed(&ret), 0, "{ret:#}");

    let h2 = make_ci_artifact(&c, "2");
    assert_ne!(h1, h2);
    c.write_sls("ci", &ci_sls(&h2));
    let ret = c.apply("ci", false, None);
    assert_all_ok(&ret);
    assert!(
        comment(&ret, "archive", "ci").contains("due to source_hash update"),
        "{ret:#}"
    );
    assert_eq!(c.read_file("/srv/ci/build/VERSION").as_deref(), Some("2\n"));
    let ret = c.apply("ci", false, None);
    assert_eq!(changed(&ret), 0, "{ret:#}");
}

/// A repository with reproducible commits (fixed dates and author), so Salt's recording
/// and rsalt's run see the same SHAs.
const MAKE_REPO: &str = r#"set -e
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com
export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
git init -q -b main /srv/git/app
cd /srv/git/app
echo v1 > VERSION && git add VERSION && git commit -qm v1 && git tag v1.0
git checkout -qb release && echo rc > RC && git add RC && git commit -qm rc && git checkout -q main
"#;

const NEW_COMMIT: &str = r#"set -e
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com
export GIT_AUTHOR_DATE='2026-01-02T00:00:00Z' GIT_COMMITTER_DATE='2026-01-02T00:00:00Z'
cd /srv/git/app && echo v2 > VERSION && git commit -qam v2 && git rev-parse HEAD
"#;

const GIT: &str = "\
app:
  git.latest:
    - name: file:///srv/git/app
    - target: /srv/app
    - rev: main
shallow release:
  git.latest:
    - name: file:///srv/git/app
    - target: /srv/app-release
    - rev: release
    - branch: release
    - depth: 1
tagged:
  git.latest:
    - name: file:///srv/git/app
    - target: /srv/app-tag
    - rev: v1.0
";

const GIT_FORCE: &str = "\
app:
  git.latest:
    - name: file:///srv/git/app
    - target: /srv/app
    - rev: main
    - force_reset: True
";

const GIT_BAD: &str = "\
norepo:
  git.latest:
    - name: file:///srv/git/nonexistent
    - target: /srv/none
notarget:
  git.latest:
    - name: file:///srv/git/app
norev:
  git.latest:
    - name: file:///srv/git/app
    - target: /srv/norev
    - rev: no-such-branch
";

#[test]
fn git_latest() {
    let Some(c) = Container::for_case("git", "latest", Opts::default()) else {
        return;
    };
    c.sh_ok(MAKE_REPO);
    let v1 = c
        .sh_ok("git -C /srv/git/app rev-parse main")
        .trim()
        .to_string();
    c.write_sls("git", GIT);
    c.write_sls("gitforce", GIT_FORCE);
    c.write_sls("gitbad", GIT_BAD);

    let ret = c.apply("git", true, None);
    assert_eq!(result(&ret, "git", "app"), Value::Null);
    assert_eq!(
        state(&ret, "git", "app")["changes"],
        json!({"new": "file:///srv/git/app => /srv/app"})
    );
    assert!(c.sh("test -e /srv/app").status.code() == Some(1));

    let ret = c.apply("git", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "git", "app")["changes"],
        json!({"new": "file:///srv/git/app => /srv/app", "revision": {"new": v1, "old": null}})
    );
    assert_eq!(
        comment(&ret, "git", "app"),
        "file:///srv/git/app cloned to /srv/app"
    );
    assert_eq!(
        c.sh_ok("cat /srv/app/VERSION; git -C /srv/app rev-parse --abbrev-ref HEAD"),
        "v1\nmain\n"
    );
    assert_eq!(
        c.sh_ok("git -C /srv/app-release rev-list --count HEAD")
            .trim(),
        "1"
    );

    let ret = c.apply("git", false, None);
    assert_all_ok(&ret);
    assert_eq!(state(&ret, "git", "app")["changes"], json!({}));
    assert_eq!(
        comment(&ret, "git", "app"),
        "Repository /srv/app is up-to-date"
    );

    // upstream moves: test=True predicts, apply fast-forwards
    let v2 = c.sh_ok(NEW_COMMIT).trim().to_string();
    let ret = c.apply("git", true, None);
    assert_eq!(result(&ret, "git", "app"), Value::Null);
    assert_eq!(
        state(&ret, "git", "app")["changes"],
        json!({"revision": {"old": v1, "new": v2}})
    );
    assert_eq!(c.sh_ok("cat /srv/app/VERSION"), "v1\n");
    let ret = c.apply("git", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "git", "app")["changes"],
        json!({"revision": {"old": v1, "new": v2}})
    );
    assert_eq!(c.sh_ok("cat /srv/app/VERSION"), "v2\n");

    // local changes block the update unless force_reset
    c.sh_ok("echo local > /srv/app/VERSION");
    let v3 = c
        .sh_ok(
            &NEW_COMMIT
                .replace("2026-01-02", "2026-01-03")
                .replace("echo v2", "echo v3")
                .replace("-qam v2", "-qam v3"),
        )
        .trim()
        .to_string();
    let ret = c.apply("git", false, None);
    assert_eq!(result(&ret, "git", "app"), json!(false));
    assert!(
        comment(&ret, "git", "app").contains("there are uncommitted changes"),
        "{ret:#}"
    );
    assert_eq!(c.sh_ok("cat /srv/app/VERSION"), "local\n");
    let ret = c.apply("gitforce", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "git", "app")["changes"],
        json!({"revision": {"old": v2, "new": v3}})
    );
    assert_eq!(c.sh_ok("cat /srv/app/VERSION"), "v3\n");

    let ret = c.apply("gitbad", false, None);
    for id in ["norepo", "notarget", "norev"] {
        assert_eq!(result(&ret, "git", id), json!(false), "{id}: {ret:#}");
    }
    assert!(comment(&ret, "git", "norepo").starts_with("Failed to check remote refs:"));
    assert_eq!(
        comment(&ret, "git", "notarget"),
        "Missing parameter target for state git.latest\n"
    );
}

/// sshd in the container, root logs in with a deploy key only.
const SSH_SETUP: &str = r#"set -e
ssh-keygen -A >/dev/null
mkdir -p /run/sshd /root/.ssh
ssh-keygen -q -t ed25519 -N '' -f /root/deploy_key
cat /root/deploy_key.pub > /root/.ssh/authorized_keys
chmod 700 /root/.ssh && chmod 600 /root/.ssh/authorized_keys
/usr/sbin/sshd
"#;

const GIT_SSH: &str = "\
over ssh:
  git.latest:
    - name: ssh://root@127.0.0.1/srv/git/app
    - target: /srv/app-ssh
    - rev: main
    - identity: /root/deploy_key
";

const GIT_SSH_BAD: &str = "\
no key:
  git.latest:
    - name: ssh://root@127.0.0.1/srv/git/app
    - target: /srv/app-nokey
    - identity: /root/no_such_key
";

#[test]
fn git_latest_ssh_identity() {
    let Some(c) = Container::for_case("git", "ssh_identity", Opts::default()) else {
        return;
    };
    c.sh_ok(MAKE_REPO);
    c.sh_ok(SSH_SETUP);
    let v1 = c
        .sh_ok("git -C /srv/git/app rev-parse main")
        .trim()
        .to_string();
    c.write_sls("gitssh", GIT_SSH);
    c.write_sls("gitsshbad", GIT_SSH_BAD);
    let ret = c.apply("gitssh", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "git", "over ssh")["changes"]["revision"],
        json!({"new": v1, "old": null})
    );
    assert_eq!(c.sh_ok("cat /srv/app-ssh/VERSION"), "v1\n");
    let ret = c.apply("gitssh", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");
    let ret = c.apply("gitsshbad", false, None);
    assert_eq!(result(&ret, "git", "no key"), json!(false));
    assert!(c.sh("test -e /srv/app-nokey").status.code() == Some(1));
}

const LOCALE: &str = "\
de:
  locale.present:
    - name: de_DE.UTF-8
system locale:
  locale.system:
    - name: de_DE.UTF-8
    - require:
      - locale: de
";

const LOCALE_BAD: &str = "\
nope:
  locale.present:
    - name: xx_NOPE.UTF-8
";

#[test]
fn locale_system() {
    let Some(c) = Container::for_case("locale", "system", Opts::default()) else {
        return;
    };
    c.write_sls("locale", LOCALE);
    c.write_sls("localebad", LOCALE_BAD);
    let ret = c.apply("locale", true, None);
    assert_eq!(result(&ret, "locale", "de"), Value::Null);
    assert!(!c.sh_ok("locale -a").contains("de_DE.utf8"));

    let ret = c.apply("locale", false, None);
    assert_all_ok(&ret);
    assert_eq!(
        state(&ret, "locale", "system locale")["changes"],
        json!({"locale": "de_DE.UTF-8"})
    );
    assert!(c.sh_ok("locale -a").contains("de_DE.utf8"));
    assert!(c
        .read_file("/etc/default/locale")
        .is_some_and(|t| t.contains("LANG=\"de_DE.UTF-8\"")));

    let ret = c.apply("locale", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");

    let ret = c.apply("localebad", false, None);
    assert_eq!(result(&ret, "locale", "nope"), json!(false));
    assert_eq!(
        comment(&ret, "locale", "nope"),
        "Failed to generate locale xx_NOPE.UTF-8"
    );
}
