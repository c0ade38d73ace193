//! The nginx reverse-proxy pattern end to end (tests/system/nginx/init.sls): nginx
//! installed from the Debian mirror by pkg.installed, nginx.conf validated by
//! `check_cmd: nginx -t -c` before it is written, service.running with watch → reload,
//! and an HTTP request through nginx reaching a JSON API on a unix socket. Compared with
//! Salt 3007.8's recorded output (tests/system/fixtures/nginx/).

use rsalt_tests::container::{assert_all_ok, changed, state, Container, Opts};
use serde_json::{json, Value};
use std::path::Path;

/// GET through nginx, retried while the services come up.
fn get(c: &Container, path: &str) -> Value {
    let mut last = String::new();
    for _ in 0..50 {
        let o = c.exec(&["curl", "-sf", &format!("http://127.0.0.1:8080{path}")]);
        if o.status.success() {
            let body = String::from_utf8_lossy(&o.stdout).into_owned();
            return serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        }
        last = String::from_utf8_lossy(&o.stderr).into_owned();
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no answer through nginx: {last}");
}

fn nginx_master_pid(c: &Container) -> String {
    c.sh_ok("cat /run/nginx.pid").trim().to_string()
}

#[test]
fn reverse_proxy_to_unix_socket() {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("system");
    let opts = Opts {
        state_tree: Some(tree),
        ..Opts::default()
    };
    let Some(c) = Container::for_case("nginx", "reverse_proxy", opts) else {
        return;
    };

    let ret = c.apply("nginx", false, None);
    assert_all_ok(&ret);
    let s = state(&ret, "pkg", "nginx");
    assert!(
        s["changes"]["nginx"]["new"]
            .as_str()
            .is_some_and(|v| !v.is_empty()),
        "{s:#}"
    );
    c.sh_ok("nginx -t");
    let body = get(&c, "/hello");
    assert_eq!(body["path"], "/hello");
    assert_eq!(body["via"], "rsalt-nginx");
    assert!(c
        .sh("ls /etc/rc2.d/S*nginx /etc/rc2.d/S*unix-api")
        .status
        .success());

    // Converged: nothing changes.
    let ret = c.apply("nginx", false, None);
    assert_all_ok(&ret);
    assert_eq!(changed(&ret), 0, "{ret:#}");

    // A config change reloads nginx (same master pid) and takes effect.
    let pid = nginx_master_pid(&c);
    let pillar = json!({"via": "reloaded"});
    let ret = c.apply("nginx", true, Some(&pillar));
    assert_eq!(state(&ret, "file", "nginx-conf")["result"], Value::Null);
    assert_eq!(
        state(&ret, "service", "nginx")["comment"],
        "Service is set to be reloaded"
    );
    assert_eq!(get(&c, "/x")["via"], "rsalt-nginx");
    let ret = c.apply("nginx", false, Some(&pillar));
    assert_all_ok(&ret);
    let s = state(&ret, "service", "nginx");
    assert_eq!(s["changes"], json!({"nginx": true}));
    assert_eq!(s["comment"], "Service reloaded");
    let mut via = String::new();
    for _ in 0..50 {
        via = get(&c, "/x")["via"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if via == "reloaded" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(via, "reloaded");
    assert_eq!(nginx_master_pid(&c), pid);

    // An invalid config is refused by check_cmd: the file keeps the working config, the
    // watching service fails its requisite, nginx keeps serving.
    let bad = json!({"via": "reloaded", "extra": "no_such_directive on;"});
    let ret = c.apply("nginx", false, Some(&bad));
    let f = state(&ret, "file", "nginx-conf");
    assert_eq!(f["result"], false);
    let comment = f["comment"].as_str().unwrap_or_default();
    assert!(
        comment.starts_with("check_cmd execution failed\n"),
        "{comment}"
    );
    assert!(
        comment.contains("unknown directive \"no_such_directive\""),
        "{comment}"
    );
    assert_eq!(state(&ret, "service", "nginx")["result"], false);
    assert!(!c
        .read_file("/etc/nginx/nginx.conf")
        .unwrap_or_default()
        .contains("no_such_directive"));
    c.sh_ok("nginx -t");
    assert_eq!(get(&c, "/still")["path"], "/still");
}
