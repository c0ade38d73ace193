//! Tests for `rsalt_minion::grains`: parsing functions against fixture files (expected
//! values recorded from Salt 3007.8's own functions on the same files), and invariants of
//! the grains of the machine running the tests. On the development machine every grain
//! rsalt implements was compared with `salt-call --local grains.items` and matched, in
//! the same order.

use rsalt_data::{Dict, Value};
use rsalt_minion::grains::{self, hw, net, os, virt};
use std::path::{Path, PathBuf};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/grains_data");

fn json(v: &Value) -> serde_json::Value {
    v.to_json()
}

fn keys(d: &Dict) -> Vec<String> {
    d.iter().map(|(k, _)| k.to_string()).collect()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rsalt-grains-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    dir
}

#[test]
fn distributions_match_salt() {
    let text =
        std::fs::read_to_string(Path::new(DATA).join("salt3007_distro.json")).expect("expected");
    let expected: serde_json::Value = serde_json::from_str(&text).expect("json");
    let expected = Value::from_json(&expected);
    for (name, want) in expected.as_dict().expect("dict").iter() {
        let dir = Path::new(DATA).join(name.to_string());
        let osr = std::fs::read_to_string(dir.join("os-release")).ok();
        let lsb = std::fs::read_to_string(dir.join("lsb-release")).ok();
        let mut got = os::distribution_from(osr.as_deref(), lsb.as_deref());
        os::osrelease_data(&mut got);
        let want = want.as_dict().expect("dict");
        assert_eq!(
            json(&Value::Dict(got.clone())),
            json(&Value::Dict(want.clone())),
            "{name}"
        );
        assert_eq!(keys(&got), keys(want), "{name}: key order");
    }
}

#[test]
fn osmajorrelease_is_int_and_osrelease_str() {
    let osr =
        std::fs::read_to_string(Path::new(DATA).join("ubuntu2204/os-release")).expect("fixture");
    let mut g = os::distribution_from(Some(&osr), None);
    os::osrelease_data(&mut g);
    assert_eq!(g.get("osrelease"), Some(&Value::from("22.04")));
    assert_eq!(g.get("osmajorrelease"), Some(&Value::Int(22)));
    assert_eq!(
        g.get("osrelease_info"),
        Some(&Value::List(vec![Value::Int(22), Value::Int(4)]))
    );
    assert_eq!(g.get("osfinger"), Some(&Value::from("Ubuntu-22.04")));
    assert_eq!(
        os::derive_os_grain("Red Hat Enterprise Linux", Some("rhel")),
        "RedHat"
    );
    assert_eq!(os::derive_os_grain("Arch Linux", Some("arch")), "Arch");
    assert_eq!(os::derive_os_grain("Pop!_OS", Some("pop")), "Pop");
}

#[test]
fn os_release_quoting() {
    let info = os::parse_os_release("NAME='A \\\"b\\\"'\nID=x\nBAD LINE\nPRETTY_NAME=\"P\"\n");
    assert_eq!(info.get("NAME").map(String::as_str), Some("A \"b\""));
    assert_eq!(info.get("ID").map(String::as_str), Some("x"));
    assert_eq!(info.get("PRETTY_NAME").map(String::as_str), Some("P"));
    let empty = os::parse_os_release("");
    assert_eq!(empty.get("ID").map(String::as_str), Some("linux"));
}

#[test]
fn cpu_and_memory_parsing() {
    let cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu vme\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu vme\n";
    let g = hw::cpudata_from(Some(cpuinfo));
    assert_eq!(g.get("num_cpus"), Some(&Value::Int(2)));
    assert_eq!(
        g.get("cpu_model"),
        Some(&Value::from("Intel(R) Xeon(R) Processor"))
    );
    assert_eq!(
        g.get("cpu_flags"),
        Some(&Value::List(vec![Value::from("fpu"), Value::from("vme")]))
    );
    let none = hw::cpudata_from(None);
    assert_eq!(none.get("cpu_model"), Some(&Value::from("Unknown")));
    assert_eq!(none.get("num_cpus"), Some(&Value::Int(0)));
    let (mem, swap) = hw::memdata_from(
        "MemTotal:       24683520 kB\nMemFree: 1 kB\nSwapTotal:       2097148 kB\n",
    );
    assert_eq!((mem, swap), (24105, 2047));
}

#[test]
fn network_parsing() {
    let trie = "Main:\n  +-- 0.0.0.0/0 3 0 4\n     |-- 0.0.0.0\n        /0 universe UNICAST\n     +-- 127.0.0.0/8 2 0 2\n        +-- 127.0.0.0/31 1 0 0\n           |-- 127.0.0.0\n              /8 host LOCAL\n           |-- 127.0.0.1\n              /32 host LOCAL\n        |-- 127.255.255.255\n           /32 link BROADCAST\n     +-- 192.0.2.0/24 2 0 2\n           |-- 192.0.2.0\n              /24 link UNICAST\n           |-- 192.0.2.2\n              /32 host LOCAL\nLocal:\n           |-- 192.0.2.2\n              /32 host LOCAL\n";
    let local = net::parse_fib_trie(trie);
    assert_eq!(
        local,
        vec![
            "127.0.0.1".parse::<std::net::Ipv4Addr>().expect("ip"),
            "192.0.2.2".parse().expect("ip")
        ]
    );
    let route = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\ndocker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
    let routes = net::parse_route(route);
    assert_eq!(routes.len(), 3);
    assert_eq!(routes[0].3.to_string(), "192.0.2.1");
    assert_eq!(
        net::iface_for("192.0.2.2".parse().expect("ip"), &routes).as_deref(),
        Some("eth0")
    );
    assert_eq!(
        net::iface_for("172.17.0.1".parse().expect("ip"), &routes).as_deref(),
        Some("docker0")
    );
    assert_eq!(
        net::iface_for("127.0.0.1".parse().expect("ip"), &routes).as_deref(),
        Some("lo")
    );
    let v6 = net::parse_if_inet6("fe8000000000000000fc00fffe000001 04 40 20 80     eth0\nfd000000000000000000000000000002 04 40 00 82     eth0\n");
    assert_eq!(v6[0].0.to_string(), "fe80::fc:ff:fe00:1");
    assert_eq!((v6[1].1.as_str(), v6[1].2), ("eth0", 0));
    let resolv = net::parse_resolv("# c\nnameserver 10.0.0.1\nnameserver ::1 # x\nsearch a.example b.example\noptions ndots:2\noptions ndots:2\n");
    assert_eq!(
        json(&Value::Dict(resolv)),
        serde_json::json!({"nameservers": ["10.0.0.1", "::1"], "ip4_nameservers": ["10.0.0.1"],
            "ip6_nameservers": ["::1"], "sortlist": [], "domain": "", "search": ["a.example", "b.example"],
            "options": ["ndots:2"]})
    );
}

#[test]
fn kernelparams_like_salt() {
    // Salt 3007.8 on `console=ttyS0 quiet a=b=c x="y z" -- 0.0.0.0:2024`.
    let v = os::kernelparams_from("console=ttyS0 quiet a=b=c x=\"y z\" -- 0.0.0.0:2024\n");
    assert_eq!(
        json(&v),
        serde_json::json!([
            ["console", "ttyS0"],
            ["quiet", null],
            ["a", null],
            ["x", "y z"],
            ["--", null],
            ["0.0.0.0:2024", null]
        ])
    );
}

#[test]
fn locale_names() {
    assert_eq!(os::getlocale("C.UTF-8"), ("en_US".into(), "UTF-8".into()));
    assert_eq!(os::getlocale(""), ("en_US".into(), "UTF-8".into()));
    assert_eq!(
        os::getlocale("de_DE.utf8"),
        ("de_DE".into(), "UTF-8".into())
    );
    assert_eq!(
        os::getlocale("fr_FR.UTF-8@euro"),
        ("fr_FR".into(), "UTF-8".into())
    );
}

#[test]
fn tzif_abbreviation() {
    // A minimal TZif v1 file: one transition at t=100 from type 0 (AAA) to type 1 (BBB).
    let mut d = b"TZif".to_vec();
    d.extend([0u8; 16]);
    for n in [0u32, 0, 0, 1, 2, 8] {
        d.extend(n.to_be_bytes());
    }
    d.extend(100i32.to_be_bytes());
    d.push(1);
    d.extend([0, 0, 0, 0, 0, 0]);
    d.extend([0, 0, 0x0e, 0x10, 1, 4]);
    d.extend(b"AAA\0BBB\0");
    assert_eq!(os::tz_abbrev(&d, 50).as_deref(), Some("AAA"));
    assert_eq!(os::tz_abbrev(&d, 150).as_deref(), Some("BBB"));
    assert_eq!(os::tz_abbrev(b"nope", 0), None);
}

#[test]
fn virtual_decisions() {
    let d = virt::decide(Some("docker"), "0::/\n", "", "", "", false);
    assert_eq!(d.get("virtual"), Some(&Value::from("container")));
    assert_eq!(d.get("virtual_subtype"), Some(&Value::from("Docker")));
    let d = virt::decide(Some("kvm"), "", "", "", "", false);
    assert_eq!(d.get("virtual"), Some(&Value::from("kvm")));
    assert!(d.get("virtual_subtype").is_none());
    let d = virt::decide(None, "1:name=x:/lxc/c1\n", "", "", "", false);
    assert_eq!(d.get("virtual_subtype"), Some(&Value::from("LXC")));
    let d = virt::decide(None, "0::/kubepods/x", "", "", "", false);
    assert_eq!(d.get("virtual"), Some(&Value::from("virtual")));
    let d = virt::decide(None, "", "", "", "", false);
    assert_eq!(d.get("virtual"), Some(&Value::from("physical")));
    let d = virt::decide(None, "", "", "", "VirtualBox\n", false);
    assert_eq!(d.get("virtual"), Some(&Value::from("VirtualBox")));
}

fn test_opts(id: &str) -> Dict {
    let mut o = rsalt_sls::opts::default_minion_opts();
    o.insert("id", Value::from(id));
    o
}

#[test]
fn core_grains_types_and_invariants() {
    let g = grains::core_grains(&test_opts("testminion"));
    let s = |k: &str| g.get(k).and_then(Value::as_str).map(str::to_string);
    let i = |k: &str| g.get(k).and_then(Value::as_int);
    assert_eq!(s("id").as_deref(), Some("testminion"));
    assert_eq!(
        i("server_id"),
        Some(470207069),
        "Salt's server_id for 'testminion'"
    );
    assert_eq!(s("master").as_deref(), Some("salt"));
    assert_eq!(s("kernel").as_deref(), Some("Linux"));
    assert_eq!(s("saltversion").as_deref(), Some("3007.8"));
    assert!(i("num_cpus").is_some_and(|n| n >= 1));
    assert!(i("mem_total").is_some_and(|n| n > 0));
    assert!(i("swap_total").is_some_and(|n| n >= 0));
    for k in [
        "os",
        "os_family",
        "osfullname",
        "osrelease",
        "oscodename",
        "kernelrelease",
        "kernelversion",
        "cpuarch",
        "cpu_model",
        "osarch",
        "fqdn",
        "host",
        "domain",
        "localhost",
        "nodename",
        "init",
        "virtual",
        "path",
        "shell",
        "groupname",
        "cwd",
        "ps",
    ] {
        assert!(s(k).is_some(), "{k} should be a str: {:?}", g.get(k));
    }
    if g.contains_key("osmajorrelease") {
        assert!(i("osmajorrelease").is_some());
        assert!(matches!(g.get("osrelease_info"), Some(Value::List(_))));
    }
    let fqdn = s("fqdn").unwrap_or_default();
    let host = s("host").unwrap_or_default();
    let domain = s("domain").unwrap_or_default();
    assert_eq!(
        if domain.is_empty() {
            host.clone()
        } else {
            format!("{host}.{domain}")
        },
        fqdn
    );
    // Interfaces: lo has 127.0.0.1, every ipv4 address belongs to the ipv4 list.
    let ip4 = g
        .get("ip4_interfaces")
        .and_then(Value::as_dict)
        .expect("ip4_interfaces");
    let ipv4 = g
        .get("ipv4")
        .and_then(Value::as_list)
        .expect("ipv4")
        .clone();
    if let Some(lo) = ip4.get("lo") {
        assert!(lo
            .as_list()
            .is_some_and(|l| l.contains(&Value::from("127.0.0.1"))));
    }
    for (_, addrs) in ip4.iter() {
        for a in addrs.as_list().expect("list") {
            assert!(ipv4.contains(a), "{a:?} missing from ipv4");
        }
    }
    let sorted = {
        let mut v: Vec<std::net::Ipv4Addr> = ipv4
            .iter()
            .filter_map(|a| a.as_str()?.parse().ok())
            .collect();
        v.sort();
        v.iter()
            .map(|a| Value::Str(a.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ipv4, sorted, "ipv4 is sorted numerically");
    let ipall = g
        .get("ip_interfaces")
        .and_then(Value::as_dict)
        .expect("ip_interfaces");
    assert_eq!(keys(ipall), keys(ip4));
    assert!(matches!(g.get("hwaddr_interfaces"), Some(Value::Dict(_))));
    assert!(
        matches!(g.get("fqdns"), Some(Value::List(l)) if l.is_empty()),
        "fqdns off by default"
    );
    assert!(i("uid").is_some() && i("gid").is_some() && i("pid").is_some());
    let li = g
        .get("locale_info")
        .and_then(Value::as_dict)
        .expect("locale_info");
    assert!(li.get("timezone").and_then(Value::as_str).is_some());
    // Salt's order of the first grains.
    let k = keys(&g);
    let pos = |name: &str| k.iter().position(|x| x == name);
    assert!(pos("cwd") < pos("machine_id").or(pos("master")));
    assert!(pos("id") < pos("ipv4"));
    assert!(pos("kernel") < pos("os") && pos("os") < pos("osfinger").or(Some(usize::MAX)));
    assert!(pos("path") < pos("username"));
}

#[test]
fn core_grains_are_fast() {
    let opts = test_opts("m");
    let _ = grains::core_grains(&opts);
    let start = std::time::Instant::now();
    for _ in 0..5 {
        let _ = grains::core_grains(&opts);
    }
    let per = start.elapsed() / 5;
    // < 2 ms in release builds; allow for debug builds and a busy machine.
    assert!(
        per < std::time::Duration::from_millis(100),
        "core_grains took {per:?}"
    );
}

#[test]
fn grains_file_then_config_option_win() {
    let dir = temp_dir("precedence");
    std::fs::write(
        dir.join("grains"),
        "{\"os\": \"FromFile\", \"role\": \"file\", \"roles\": {\"a\": 1}}",
    )
    .expect("write");
    let mut opts = test_opts("m");
    let mut cfg = Dict::new();
    cfg.insert("role", Value::from("config"));
    cfg.insert(
        "roles",
        Value::Dict([("b".into(), Value::Int(2))].into_iter().collect()),
    );
    opts.insert("grains", Value::Dict(cfg));
    let g = grains::load_grains(&opts, &dir).expect("grains");
    assert_eq!(
        g.get("os"),
        Some(&Value::from("FromFile")),
        "grains file overrides core grains"
    );
    assert_eq!(
        g.get("role"),
        Some(&Value::from("config")),
        "config option overrides grains file"
    );
    assert_eq!(
        json(g.get("roles").expect("roles")),
        serde_json::json!({"b": 2})
    );
    // grains_deep_merge merges the dicts.
    opts.insert("grains_deep_merge", Value::Bool(true));
    let g = grains::load_grains(&opts, &dir).expect("grains");
    assert_eq!(
        json(g.get("roles").expect("roles")),
        serde_json::json!({"a": 1, "b": 2})
    );
    // A grains file that is not a mapping is skipped.
    std::fs::write(dir.join("grains"), "[1, 2]").expect("write");
    let g = grains::load_grains(&opts, &dir).expect("grains");
    assert_ne!(g.get("os"), Some(&Value::from("FromFile")));
    // A non-dict grains option is an error.
    opts.insert("grains", Value::from("x"));
    assert!(grains::load_grains(&opts, &dir).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn load_from_config_dir() {
    let dir = temp_dir("confdir");
    std::fs::write(
        dir.join("minion"),
        "{\"id\": \"web1\", \"grains\": {\"roles\": [\"web\"]}}",
    )
    .expect("write");
    let opts = rsalt_sls::opts::load_minion_opts(&dir).expect("opts");
    let g = grains::load_grains(&opts, &dir).expect("grains");
    assert_eq!(g.get("id"), Some(&Value::from("web1")));
    assert_eq!(
        json(g.get("roles").expect("roles")),
        serde_json::json!(["web"])
    );
    let _ = std::fs::remove_dir_all(&dir);
}
