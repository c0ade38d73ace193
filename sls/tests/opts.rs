//! Tests for `rsalt_sls::opts`: loading, merging, defaults and type checks, compared with
//! what Salt 3007.8's `salt-call --local config.items` printed for the same files
//! (recorded in `opts_data/salt3007_config_items.json`).

use rsalt_data::Value;
use rsalt_sls::opts::{
    self, dict_update, getfqdn, load_minion_opts, parse_hosts, prepend_root_dir, OptsError, OptsExt,
};
use std::path::Path;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/opts_data");

/// Copies the fixture config dir into a temp dir, with `{ROOT}` replaced by a temp root.
fn fixture() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let conf = tmp.path().join("conf");
    let root = tmp.path().join("root").to_string_lossy().into_owned();
    std::fs::create_dir_all(conf.join("minion.d")).expect("mkdir");
    for f in ["minion", "minion.d/10-a.conf", "minion.d/20-b.conf"] {
        let text = std::fs::read_to_string(Path::new(DATA).join(f)).expect("fixture");
        std::fs::write(conf.join(f), text.replace("{ROOT}", &root)).expect("write");
    }
    (tmp, conf, root)
}

fn sub_root(v: &Value, root: &str) -> Value {
    match v {
        Value::Str(s) => Value::Str(s.replace("{ROOT}", root)),
        Value::List(l) => Value::List(l.iter().map(|x| sub_root(x, root)).collect()),
        Value::Dict(d) => Value::Dict(
            d.iter()
                .map(|(k, x)| (k.clone(), sub_root(x, root)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn matches_salt_config_items() {
    let (_tmp, conf, root) = fixture();
    let opts = load_minion_opts(&conf).expect("load");
    let text = std::fs::read_to_string(Path::new(DATA).join("salt3007_config_items.json"))
        .expect("expected");
    let expected: serde_json::Value = serde_json::from_str(&text).expect("json");
    let expected = Value::from_json(&expected);
    let expected = expected.as_dict().expect("dict");
    let mut mismatches = Vec::new();
    for (k, want) in expected.iter() {
        let key = k.to_string();
        let want = sub_root(want, &root);
        // `grains` in config.items is the loaded grains; compared separately below.
        match opts.get(&key) {
            Some(got) if got.to_json() == want.to_json() => {}
            got => mismatches.push(format!("{key}: want {want:?}, got {got:?}")),
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // Keys of ours that Salt's output does not have (other than the CLI-set ones).
    assert_eq!(
        opts.get("conf_file").and_then(Value::as_str),
        Some(conf.join("minion").to_string_lossy().as_ref())
    );
    assert_eq!(
        opts.get("config_dir").and_then(Value::as_str),
        Some(conf.to_string_lossy().as_ref())
    );
}

#[test]
fn include_files_merge_like_salt() {
    let (_tmp, conf, root) = fixture();
    let opts = load_minion_opts(&conf).expect("load");
    // minion.d files are merged into each other, then replace the top-level keys.
    assert_eq!(
        opts.opt_roots("file_roots"),
        vec![("base".to_string(), vec!["/srv/b".to_string()])]
    );
    assert_eq!(opts.opt_str_list("env_order"), vec!["base", "dev"]);
    let grains = opts.opt_dict("grains").expect("grains");
    assert_eq!(grains.get("role").and_then(Value::as_str), Some("web"));
    assert_eq!(
        grains.get("list"),
        Some(&Value::List(vec![Value::Int(1), Value::Int(2)]))
    );
    assert_eq!(opts.opt_str("state_output").as_deref(), Some("changes"));
    assert_eq!(opts.opt_str("hash_type").as_deref(), Some("sha256"));
    assert_eq!(opts.opt_str("id").as_deref(), Some("testminion"));
    assert_eq!(
        opts.opt_str("cachedir"),
        Some(format!("{root}/var/cache/salt/minion"))
    );
}

#[test]
fn missing_dir_gives_defaults() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let opts = load_minion_opts(&tmp.path().join("nope")).expect("load");
    assert_eq!(opts.opt_str("file_client").as_deref(), Some("remote"));
    assert_eq!(opts.opt_str("renderer").as_deref(), Some("jinja|yaml"));
    assert_eq!(opts.opt_str("state_top").as_deref(), Some("top.sls"));
    assert_eq!(opts.opt_str("default_top").as_deref(), Some("base"));
    assert_eq!(
        opts.opt_str("top_file_merging_strategy").as_deref(),
        Some("merge")
    );
    assert_eq!(
        opts.opt_str("pillar_source_merging_strategy").as_deref(),
        Some("smart")
    );
    assert_eq!(opts.opt_str("hash_type").as_deref(), Some("sha256"));
    assert_eq!(
        opts.opt_str("cachedir").as_deref(),
        Some("/var/cache/salt/minion")
    );
    assert_eq!(opts.opt_str("log_level").as_deref(), Some("warning"));
    assert_eq!(opts.opt_str("state_output").as_deref(), Some("full"));
    assert!(opts.opt_bool("state_verbose", false));
    assert!(!opts.opt_bool("failhard", true));
    assert!(!opts.opt_bool("test", true));
    assert!(!opts.opt_bool("enable_fqdns_grains", true));
    assert_eq!(opts.get("saltenv"), Some(&Value::None));
    assert_eq!(opts.get("pillarenv"), Some(&Value::None));
    assert_eq!(opts.get("state_top_saltenv"), Some(&Value::None));
    assert_eq!(
        opts.opt_roots("pillar_roots"),
        vec![(
            "base".to_string(),
            vec!["/srv/pillar".to_string(), "/srv/spm/pillar".to_string()]
        )]
    );
    // The id is always set.
    assert!(opts.opt_str("id").is_some_and(|s| !s.is_empty()));
}

#[test]
fn wrong_type_names_file_key_and_types() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("minion.d")).expect("mkdir");
    std::fs::write(tmp.path().join("minion"), "{\"id\": 5}").expect("write");
    std::fs::write(
        tmp.path().join("minion.d/x.conf"),
        "{\"failhard\": \"yes\"}",
    )
    .expect("write");
    let err = load_minion_opts(tmp.path()).expect_err("type error");
    match &err {
        OptsError::Type {
            path,
            key,
            expected,
            actual,
        } => {
            assert!(path.ends_with("minion.d/x.conf"), "{path:?}");
            assert_eq!(key, "failhard");
            assert_eq!(expected, "bool");
            assert_eq!(*actual, "str");
        }
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("failhard") && msg.contains("x.conf"), "{msg}");

    std::fs::remove_file(tmp.path().join("minion.d/x.conf")).expect("rm");
    std::fs::write(
        tmp.path().join("minion"),
        "{\"file_ignore_glob\": {\"a\": 1}}",
    )
    .expect("write");
    match load_minion_opts(tmp.path()) {
        Err(OptsError::Type {
            expected, actual, ..
        }) => {
            assert_eq!(expected, "list or str");
            assert_eq!(actual, "dict");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn lenient_types_and_id_conversion() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Salt accepts an int for a str option and a numeric string for an int option;
    // a numeric id becomes a string; unknown keys are kept.
    std::fs::write(
        tmp.path().join("minion"),
        "{\"id\": 42, \"saltenv\": 7, \"file_buffer_size\": \"1024\", \"my_key\": [1]}",
    )
    .expect("write");
    let opts = load_minion_opts(tmp.path()).expect("load");
    assert_eq!(opts.get("id"), Some(&Value::from("42")));
    assert_eq!(opts.opt_str("saltenv").as_deref(), Some("7"));
    assert_eq!(opts.opt_int("file_buffer_size"), Some(1024));
    assert_eq!(opts.get("my_key"), Some(&Value::List(vec![Value::Int(1)])));
}

#[test]
fn not_a_mapping_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("minion"), "[1, 2]").expect("write");
    let err = load_minion_opts(tmp.path()).expect_err("not a dict");
    assert!(
        matches!(err, OptsError::NotADict { found: "list", .. }),
        "{err:?}"
    );
    // An empty file is an empty config.
    std::fs::write(tmp.path().join("minion"), "\n").expect("write");
    assert!(load_minion_opts(tmp.path()).is_ok());
}

#[test]
fn include_option_and_environment_alias() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("extra")).expect("mkdir");
    std::fs::write(
        tmp.path().join("minion"),
        "{\"include\": \"extra/*.conf\", \"environment\": \"dev\", \"log_dir\": \"/l\", \"root_dir\": \"/r\"}",
    )
    .expect("write");
    std::fs::write(tmp.path().join("extra/a.conf"), "{\"test\": true}").expect("write");
    let opts = load_minion_opts(tmp.path()).expect("load");
    assert!(opts.opt_bool("test", false));
    assert_eq!(opts.opt_str("saltenv").as_deref(), Some("dev"));
    // log_dir sets log_file, then root_dir is prepended.
    assert_eq!(opts.opt_str("log_file").as_deref(), Some("/r/l/minion"));
    assert_eq!(
        opts.opt_str("pki_dir").as_deref(),
        Some("/r/etc/salt/pki/minion")
    );
}

#[test]
fn prepend_root_dir_like_salt() {
    assert_eq!(prepend_root_dir("/", "/var/cache/salt"), "/var/cache/salt");
    assert_eq!(
        prepend_root_dir("/r", "/var/cache/salt"),
        "/r/var/cache/salt"
    );
    assert_eq!(prepend_root_dir("/r", "/r/var/cache"), "/r/var/cache");
    assert_eq!(prepend_root_dir("/r/", "cache"), "/r/cache");
}

#[test]
fn dict_update_merges_recursively() {
    let parse = |s: &str| {
        Value::from_json(&serde_json::from_str(s).expect("json"))
            .as_dict()
            .cloned()
            .expect("dict")
    };
    let mut a = parse(r#"{"a": {"x": 1, "l": [1, 2]}, "b": 1}"#);
    dict_update(
        &mut a,
        parse(r#"{"a": {"y": 2, "l": [2, 3]}, "b": [1]}"#),
        true,
    );
    assert_eq!(
        Value::Dict(a).to_json(),
        serde_json::json!({"a": {"x": 1, "l": [1, 2, 3], "y": 2}, "b": [1]})
    );
}

#[test]
fn hosts_and_fqdn() {
    let hosts = parse_hosts(
        "127.0.0.1 localhost\n127.0.1.1 web1.example.com web1 # me\n::1 ip6-localhost\n\n#x\n",
    );
    assert_eq!(hosts.len(), 3);
    assert_eq!(hosts[1].names, vec!["web1.example.com", "web1"]);
    assert_eq!(getfqdn("web1", &hosts), "web1.example.com");
    assert_eq!(opts::fqhostname("web1", &hosts), "web1.example.com");
    assert_eq!(getfqdn("unknown", &hosts), "unknown");
    // Salt's getfqdn of a name on the 127.0.0.1 line is the first name of that address.
    let hosts = parse_hosts("127.0.0.1 localhost\n127.0.0.1 vm\n");
    assert_eq!(getfqdn("vm", &hosts), "localhost");
    assert_eq!(opts::fqhostname("vm", &hosts), "vm");
}

#[test]
fn minion_id_uses_cache_file_then_hostname() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_string_lossy().into_owned();
    let mut o = opts::default_minion_opts();
    o.insert("root_dir", Value::Str(root.clone()));
    std::fs::create_dir_all(tmp.path().join("etc/salt")).expect("mkdir");
    std::fs::write(
        tmp.path().join("etc/salt/minion_id"),
        "\u{feff}cached.example\n",
    )
    .expect("write");
    assert_eq!(opts::minion_id(&o), "cached.example");
    o.insert("minion_id_caching", Value::Bool(false));
    let id = opts::minion_id(&o);
    assert!(!id.is_empty());
    o.insert("id", Value::from("explicit"));
    assert_eq!(opts::minion_id(&o), "explicit");
}
#[test]
fn yaml_block_config() {
    let dir = std::env::temp_dir().join(format!("rsalt-opts-yaml-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("minion.d")).expect("mkdir");
    std::fs::write(
        dir.join("minion"),
        "# comment\nid: yamlminion\nfile_client: local\nfile_roots:\n  base:\n    - /srv/salt\ntest: yes\nstate_output: terse\n",
    )
    .expect("write");
    std::fs::write(dir.join("minion.d/a.conf"), "grains:\n  role: db\n").expect("write");
    let opts = rsalt_sls::opts::load_minion_opts(&dir).expect("load");
    use rsalt_sls::opts::OptsExt;
    assert_eq!(opts.opt_str("id").as_deref(), Some("yamlminion"));
    assert!(opts.opt_bool("test", false));
    assert_eq!(opts.opt_str("state_output").as_deref(), Some("terse"));
    assert_eq!(
        opts.opt_roots("file_roots"),
        vec![("base".to_string(), vec!["/srv/salt".to_string()])]
    );
    let grains = opts.opt_dict("grains").expect("grains");
    assert_eq!(
        grains.kind,
        rsalt_data::DictKind::Plain,
        "config dicts are plain dicts"
    );
    std::fs::write(dir.join("minion"), "id: [unclosed\n").expect("write");
    let err = rsalt_sls::opts::load_minion_opts(&dir).expect_err("parse error");
    assert!(
        err.to_string().contains("Error parsing configuration file"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
