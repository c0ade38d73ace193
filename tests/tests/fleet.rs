//! The fleet end to end, with real `rsalt-master` and `rsalt-minion` processes on
//! loopback: keys, ping, states rendered on the master for minions with different grains
//! and pillar, every target type, a master restart, a minion killed mid-job, and a down
//! minion reported at once.

use rsalt_tests::fleet::{stderr, stdout, Fleet};
use std::time::{Duration, Instant};

fn sandbox_tree(f: &Fleet) -> std::path::PathBuf {
    let out = f.root.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    f.state(
        "top.sls",
        "base:\n  '*':\n    - common\n  'role:api':\n    - match: grain\n    - api\n",
    );
    f.state(
        "common.sls",
        &format!(
            "{{% set dir = '{out}/' ~ grains['id'] %}}\n{{{{ dir }}}}:\n  file.directory: []\n{{{{ dir }}}}/motd:\n  file.managed:\n    - source: salt://files/motd.j2\n    - template: jinja\n    - context:\n        region: {{{{ pillar['region'] }}}}\n    - require:\n      - file: {{{{ dir }}}}\n",
            out = out.display()
        ),
    );
    f.state(
        "api.sls",
        &format!(
            "{out}/{{{{ grains['id'] }}}}/api.conf:\n  file.managed:\n    - contents: 'port={{{{ pillar['api_port'] }}}} host={{{{ salt['cmd.run']('echo minion-side') }}}}'\n",
            out = out.display()
        ),
    );
    f.state(
        "files/motd.j2",
        "{{ grains['id'] }} in {{ region }} ({{ grains['role'] }})\n",
    );
    f.pillar_file(
        "top.sls",
        "base:\n  '*':\n    - common\n  'eu-*':\n    - eu\n  'cn-*':\n    - cn\n",
    );
    f.pillar_file("common.sls", "api_port: 8080\n");
    f.pillar_file("eu.sls", "region: eu\n");
    f.pillar_file("cn.sls", "region: cn\n");
    out
}

#[test]
fn keys_ping_states_targets_and_restarts() {
    let metrics = rsalt_tests::fleet::free_port();
    let mut f = Fleet::new(&format!(
        "nodegroups:\n  apis: 'G@role:api'\nmetrics_address: 127.0.0.1:{metrics}\n"
    ));
    f.metrics_port = Some(metrics);
    let out = sandbox_tree(&f);
    f.start_master();
    let a = f.add_minion("eu-api-1", "  role: api\n  roles: [api, web]", "");
    let b = f.add_minion("cn-api-2", "  role: api", "");
    let c = f.add_minion("eu-db-1", "  role: db", "");
    for i in [a, b, c] {
        f.start_minion(i);
    }
    // Key workflow: pending until accepted; a pending minion is not targeted.
    assert!(f.wait_pending(
        &["eu-api-1", "cn-api-2", "eu-db-1"],
        Duration::from_secs(20)
    ));
    let listing = stdout(&f.key(&["-L"]));
    assert!(
        listing.contains("Unaccepted Keys:\ncn-api-2\neu-api-1\neu-db-1\n"),
        "{listing}"
    );
    let o = f.key(&["-a", "eu-*", "-y"]);
    assert!(
        stdout(&o).contains("Key for minion eu-api-1 accepted."),
        "{}",
        stdout(&o)
    );
    assert!(f.wait_up(&["eu-api-1", "eu-db-1"], Duration::from_secs(20)));
    let ping = f.rsalt(&["*", "test.ping", "--out", "json", "--static"]);
    let text = stdout(&ping);
    assert!(
        text.contains("\"eu-api-1\": true") && !text.contains("cn-api-2"),
        "{text}"
    );
    f.key(&["-A", "-y"]);
    assert!(f.wait_up(&["cn-api-2"], Duration::from_secs(20)));
    let json = stdout(&f.key(&["-L", "--out", "json"]));
    assert!(json.contains("\"minions\": [\n        \"cn-api-2\",\n        \"eu-api-1\",\n        \"eu-db-1\"\n    ]"), "{json}");

    // States rendered on the master with each minion's grains and pillar.
    let apply = f.rsalt(&["*", "state.apply", "--out", "json", "--static"]);
    assert!(
        apply.status.success(),
        "{}\n{}",
        stdout(&apply),
        stderr(&apply)
    );
    let motd = |id: &str| std::fs::read_to_string(out.join(id).join("motd")).unwrap_or_default();
    assert_eq!(motd("eu-api-1"), "eu-api-1 in eu (api)\n");
    assert_eq!(motd("cn-api-2"), "cn-api-2 in cn (api)\n");
    assert_eq!(motd("eu-db-1"), "eu-db-1 in eu (db)\n");
    let api = std::fs::read_to_string(out.join("eu-api-1/api.conf")).unwrap_or_default();
    assert_eq!(api, "port=8080 host=minion-side\n");
    assert!(!out.join("eu-db-1/api.conf").exists());
    // Idempotent: the second run changes nothing.
    let again = stdout(&f.rsalt(&["*", "state.apply", "--out", "json", "--static"]));
    assert!(!again.contains("\"diff\""), "{again}");
    assert_eq!(again.matches("\"changes\": {}").count(), 8, "{again}");

    // `rsalt-call` without --local asks the master, as a published job does.
    let call = |args: &[&str]| {
        std::process::Command::new(rsalt_tests::fleet::bin("rsalt-call"))
            .arg("-c")
            .arg(&f.minions[b].dir)
            .args(args)
            .output()
            .expect("rsalt-call")
    };
    let o = call(&["pillar.get", "region", "--out", "json"]);
    assert_eq!(
        stdout(&o),
        "{\n    \"local\": \"cn\"\n}\n",
        "{}",
        stderr(&o)
    );
    let o = call(&["state.apply", "test=True", "--out", "json"]);
    assert!(
        o.status.success() && stdout(&o).contains("api.conf"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    let pil = stdout(&f.rsalt(&["-G", "role:db", "pillar.items", "--out", "json", "--static"]));
    assert!(
        pil.contains("\"region\": \"eu\"") && !pil.contains("\"cn\""),
        "{pil}"
    );

    // Every target type.
    let who = |args: &[&str]| -> Vec<String> {
        let mut a = args.to_vec();
        a.extend(["test.ping", "--out", "json", "--static"]);
        let o = stdout(&f.rsalt(&a));
        let mut ids: Vec<String> = ["eu-api-1", "cn-api-2", "eu-db-1"]
            .iter()
            .filter(|id| o.contains(&format!("\"{id}\"")))
            .map(|s| s.to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(who(&["eu-*"]), ["eu-api-1", "eu-db-1"]);
    assert_eq!(who(&["-E", "^cn-.*"]), ["cn-api-2"]);
    assert_eq!(who(&["-L", "eu-db-1,cn-api-2"]), ["cn-api-2", "eu-db-1"]);
    assert_eq!(who(&["-G", "role:api"]), ["cn-api-2", "eu-api-1"]);
    assert_eq!(who(&["-P", "role:d.*"]), ["eu-db-1"]);
    assert_eq!(who(&["-I", "region:cn"]), ["cn-api-2"]);
    assert_eq!(who(&["-C", "G@role:api and eu-*"]), ["eu-api-1"]);
    assert_eq!(who(&["-N", "apis"]), ["cn-api-2", "eu-api-1"]);
    assert_eq!(
        who(&["-S", "127.0.0.0/8"]),
        ["cn-api-2", "eu-api-1", "eu-db-1"]
    );
    assert!(who(&["-S", "203.0.113.77/32"]).is_empty());
    let roles = stdout(&f.rsalt(&["test.ping", "role=web", "--out", "json", "--static"]));
    assert!(
        roles.contains("eu-api-1") && !roles.contains("cn-api-2"),
        "{roles}"
    );

    // Batches, the job cache, the event stream, metrics.
    let batched = f.rsalt(&["-b", "1", "*", "test.ping", "--out", "json"]);
    assert_eq!(
        stdout(&batched).matches("true").count(),
        3,
        "{}",
        stdout(&batched)
    );
    let jobs = stdout(&f.run(&["jobs.list_jobs", "--out", "json"]));
    assert!(
        jobs.contains("\"Function\": \"state.apply\"") && jobs.contains("\"Target\": \"*\""),
        "{jobs}"
    );
    let mut events = std::process::Command::new(rsalt_tests::fleet::bin("rsalt-run"))
        .arg("-c")
        .arg(&f.master_dir)
        .arg("state.event")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("state.event");
    std::thread::sleep(Duration::from_millis(300));
    let ping = f.rsalt(&["eu-db-1", "test.ping", "--show-jid"]);
    let jid = stdout(&ping)
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("jid: ")
        .to_string();
    std::thread::sleep(Duration::from_millis(300));
    let _ = events.kill();
    let ev =
        String::from_utf8_lossy(&events.wait_with_output().expect("events").stdout).into_owned();
    assert!(
        ev.contains(&format!("salt/job/{jid}/ret/eu-db-1\t")),
        "{ev}"
    );
    if let Some(port) = f.metrics_port {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("metrics");
        s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").expect("w");
        let mut body = String::new();
        s.read_to_string(&mut body).expect("r");
        assert!(body.contains("rsalt_connected_minions 3"), "{body}");
        assert!(body.contains("rsalt_returns_total"), "{body}");
    }

    // A down minion is reported at once, with a non-zero exit.
    f.kill_minion(c);
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    let o = f.rsalt(&["*", "test.ping"]);
    let took = t.elapsed();
    assert!(
        stdout(&o).contains("eu-db-1:\n    Minion did not return. [Not connected]"),
        "{}",
        stdout(&o)
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(took < Duration::from_secs(1), "took {took:?}");

    // Master restart: the minions come back by themselves, and a job that was running
    // while the master was down returns once it is back.
    let slow = f.rsalt(&["eu-api-1", "test.sleep", "2", "--async"]);
    let jid = stdout(&slow)
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(jid.len(), 20, "{}", stdout(&slow));
    std::thread::sleep(Duration::from_millis(300));
    f.kill_master();
    std::thread::sleep(Duration::from_millis(2500));
    f.start_master();
    assert!(
        f.wait_up(&["eu-api-1", "cn-api-2"], Duration::from_secs(20)),
        "{}",
        f.master_log()
    );
    assert!(f.wait(Duration::from_secs(20), || {
        stdout(&f.run(&["jobs.lookup_jid", &jid])).contains("eu-api-1")
    }));
    let ping = f.rsalt(&["-L", "eu-api-1,cn-api-2", "test.ping"]);
    assert!(ping.status.success(), "{}", stdout(&ping));

    // A minion killed in the middle of a job is reported as gone, well before the timeout.
    let t = Instant::now();
    let child_kill = {
        let slow = std::process::Command::new(rsalt_tests::fleet::bin("rsalt"))
            .arg("-c")
            .arg(&f.master_dir)
            .args(["cn-api-2", "test.sleep", "30", "-t", "60"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn rsalt");
        std::thread::sleep(Duration::from_millis(500));
        f.kill_minion(b);
        slow.wait_with_output().expect("wait")
    };
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
    assert!(
        stdout(&child_kill).contains("Minion did not return. [Not connected]"),
        "{}",
        stdout(&child_kill)
    );
    assert_eq!(child_kill.status.code(), Some(1));
}

#[test]
fn startup_states_run_once_the_key_is_accepted() {
    let mut f = Fleet::new("");
    let out = f.root.path().join("out");
    f.state("top.sls", "base:\n  '*':\n    - boot\n");
    f.state(
        "boot.sls",
        &format!("{}/booted:\n  file.managed:\n    - contents: '{{{{ grains[\"id\"] }}}}'\n    - makedirs: True\n", out.display()),
    );
    f.start_master();
    let i = f.add_minion("fresh", "", "startup_states: highstate");
    f.start_minion(i);
    assert!(f.wait_pending(&["fresh"], Duration::from_secs(20)));
    assert!(!out.join("booted").exists());
    f.key(&["-a", "fresh", "-y"]);
    assert!(
        f.wait(Duration::from_secs(20), || out.join("booted").exists()),
        "{}",
        f.minion_log(i)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("booted")).unwrap_or_default(),
        "fresh\n"
    );
    // The run's return reached the job cache.
    assert!(f.wait(Duration::from_secs(10), || stdout(&f.run(&[
        "jobs.list_jobs",
        "--out",
        "json"
    ])) != "{}\n"
        || std::fs::read_dir(
            f.root
                .path()
                .join("master-root/var/cache/rsalt/master/jobs")
        )
        .map(|d| d.count() > 0)
        .unwrap_or(false)));
}

#[test]
fn pre_seeded_keys_are_trusted_without_a_pending_step() {
    let mut f = Fleet::new("");
    f.start_master();
    let i = f.add_minion("seeded", "", "");
    // rsalt-key --gen-keys, the public half placed in the master's accepted keys and the
    // pair in the minion's pki_dir (what the cloud-init generator does).
    let keys = f.root.path().join("gen");
    let o = f.key(&[
        "--gen-keys",
        "seeded",
        "--gen-keys-dir",
        &keys.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let accepted = f
        .root
        .path()
        .join("master-root/etc/rsalt/pki/master/minions");
    std::fs::create_dir_all(&accepted).expect("mkdir");
    std::fs::copy(keys.join("seeded.pub"), accepted.join("seeded")).expect("cp");
    let pki = f.minions[i].dir.join("root/etc/salt/pki/minion");
    std::fs::create_dir_all(&pki).expect("mkdir");
    std::fs::copy(keys.join("seeded.pem"), pki.join("minion.pem")).expect("cp");
    std::fs::copy(keys.join("seeded.pub"), pki.join("minion.pub")).expect("cp");
    f.start_minion(i);
    assert!(
        f.wait_up(&["seeded"], Duration::from_secs(10)),
        "{}",
        f.minion_log(i)
    );
    assert!(!stdout(&f.key(&["-L"])).contains("Unaccepted Keys:\nseeded"));
    assert!(!f.master_log().contains("key pending acceptance"));
}
