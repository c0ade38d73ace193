//! Per-case temporary tree (`conf/`, `root/`, `sandbox/`), the minion config
//! written into it, output normalisation and the sandbox snapshot.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::{Captures, Regex};
use serde_json::{json, Map, Value};

use crate::case::Case;
use crate::pyjson::{self, DumpOpts};
use crate::HarnessError;

/// Minion id unless the case grains set `id`.
pub const DEFAULT_ID: &str = "web1";

/// Keys removed at any depth of a JSON output (wall-clock and pid values).
pub const DROP_KEYS: &[&str] = &["start_time", "duration", "pid"];

/// Grains every case starts from; case `grains` are merged over them
/// (shallow update) and the runner adds `sandbox`.
pub fn base_grains() -> Map<String, Value> {
    let v = json!({
        "os": "Debian",
        "os_family": "Debian",
        "osrelease": "12",
        "osmajorrelease": 12,
        "oscodename": "bookworm",
        "osfinger": "Debian-12",
        "kernel": "Linux",
        "cpuarch": "x86_64",
        "num_cpus": 4,
        "mem_total": 7936,
        "host": "web1",
        "nodename": "web1",
        "domain": "example.com",
        "fqdn": "web1.example.com",
        "role": "api",
        "roles": ["web", "api"],
        "datacenter": "dc1",
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The temporary tree one case runs in.
#[derive(Debug)]
pub struct Sandbox {
    tmp: Option<tempfile::TempDir>,
    /// The temp dir (`@TMP@`).
    pub tmp_path: PathBuf,
    /// Minion config dir passed as `-c` (`@CONF@`).
    pub conf: PathBuf,
    /// `root_dir` (`@ROOT@`).
    pub root: PathBuf,
    /// cwd of every call; the only place apply cases write (`@SANDBOX@`).
    pub sandbox: PathBuf,
    replacements: Vec<(String, &'static str)>,
}

impl Sandbox {
    /// Create the tree for `case`: seed `sandbox/` from `CASE/sandbox` when
    /// present, write `conf/minion` (JSON, which is valid YAML).
    pub fn new(case: &Case) -> Result<Sandbox, HarnessError> {
        let tmp = tempfile::Builder::new()
            .prefix("rsalt-conf-")
            .tempdir()
            .map_err(|e| HarnessError::Io(std::env::temp_dir(), e))?;
        let tmp_path = tmp.path().to_path_buf();
        let conf = tmp_path.join("conf");
        let root = tmp_path.join("root");
        let sandbox = tmp_path.join("sandbox");
        for d in [&conf, &root] {
            fs::create_dir(d).map_err(|e| HarnessError::Io(d.clone(), e))?;
        }
        let seed = case.dir.join("sandbox");
        if seed.is_dir() {
            copy_tree(&seed, &sandbox)?;
        } else {
            fs::create_dir(&sandbox).map_err(|e| HarnessError::Io(sandbox.clone(), e))?;
            fs::set_permissions(&sandbox, fs::Permissions::from_mode(0o755))
                .map_err(|e| HarnessError::Io(sandbox.clone(), e))?;
        }
        let case_dir = case.dir.to_string_lossy().into_owned();
        let sb = Sandbox {
            replacements: vec![
                (sandbox.to_string_lossy().into_owned(), "@SANDBOX@"),
                (root.to_string_lossy().into_owned(), "@ROOT@"),
                (conf.to_string_lossy().into_owned(), "@CONF@"),
                (tmp_path.to_string_lossy().into_owned(), "@TMP@"),
                (case_dir, "@CASE@"),
            ],
            tmp: Some(tmp),
            tmp_path,
            conf,
            root,
            sandbox,
        };
        let cfg = sb.minion_config(case);
        let text = pyjson::dumps(
            &cfg,
            DumpOpts {
                indent: Some(2),
                sort_keys: true,
                ensure_ascii: true,
            },
        ) + "\n";
        let path = sb.conf.join("minion");
        fs::write(&path, text).map_err(|e| HarnessError::Io(path, e))?;
        Ok(sb)
    }

    /// The minion config for `case` (see the README: base keys, case
    /// `minion` keys over them, grains with `sandbox`).
    pub fn minion_config(&self, case: &Case) -> Value {
        let mut grains = base_grains();
        for (k, v) in &case.grains {
            grains.insert(k.clone(), v.clone());
        }
        let id = grains
            .shift_remove("id")
            .unwrap_or_else(|| Value::String(DEFAULT_ID.into()));
        grains.insert(
            "sandbox".into(),
            Value::String(self.sandbox.to_string_lossy().into_owned()),
        );
        let path_list = |sub: &str| json!({"base": [case.dir.join(sub).to_string_lossy()]});
        let mut cfg = Map::new();
        cfg.insert("file_client".into(), json!("local"));
        cfg.insert("root_dir".into(), json!(self.root.to_string_lossy()));
        cfg.insert("file_roots".into(), path_list("salt"));
        cfg.insert("pillar_roots".into(), path_list("pillar"));
        cfg.insert("id".into(), id);
        cfg.insert("grains".into(), Value::Object(grains));
        cfg.insert("enable_fqdns_grains".into(), json!(false));
        let case_dir = case.dir.to_string_lossy();
        let sandbox = self.sandbox.to_string_lossy();
        for (k, v) in &case.minion {
            cfg.insert(k.clone(), subst_paths(v, &case_dir, &sandbox));
        }
        Value::Object(cfg)
    }

    /// Keep the temp dir after the run (for `--keep`); returns its path.
    pub fn keep(&mut self) -> PathBuf {
        if let Some(t) = self.tmp.take() {
            let _ = t.keep();
        }
        self.tmp_path.clone()
    }

    /// Replace the sandbox, root, conf, temp and case paths by placeholders.
    pub fn norm_str(&self, s: &str) -> String {
        norm_str_with(&self.replacements, s)
    }

    /// Normalise a JSON output: placeholders in keys and strings, `DROP_KEYS` removed.
    pub fn normalise(&self, v: &Value) -> Value {
        normalise_with(&self.replacements, v)
    }

    /// Normalise a text output: placeholders, then the time/pid text rules.
    pub fn normalise_text(&self, s: &str) -> String {
        normalise_text_rules(&self.norm_str(s))
    }
}

/// `@CASE@` and `@SANDBOX@` inside the case's `minion` values become the
/// case folder and the sandbox (e.g. `file_roots: {dev: ["@CASE@/salt-dev"]}`).
fn subst_paths(v: &Value, case_dir: &str, sandbox: &str) -> Value {
    match v {
        Value::String(s) => {
            Value::String(s.replace("@CASE@", case_dir).replace("@SANDBOX@", sandbox))
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| subst_paths(x, case_dir, sandbox))
                .collect(),
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), subst_paths(x, case_dir, sandbox)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn norm_str_with(reps: &[(String, &'static str)], s: &str) -> String {
    let mut s = s.to_string();
    for (old, new) in reps {
        if !old.is_empty() && s.contains(old.as_str()) {
            s = s.replace(old.as_str(), new);
        }
    }
    s
}

fn normalise_with(reps: &[(String, &'static str)], v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !DROP_KEYS.contains(&k.as_str()))
                .map(|(k, x)| (norm_str_with(reps, k), normalise_with(reps, x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| normalise_with(reps, x)).collect()),
        Value::String(s) => Value::String(norm_str_with(reps, s)),
        other => other.clone(),
    }
}

// ------------------------------------------------------------ text rules

const NUM: &str = r"[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?";
const TIME: &str = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?";
const KEYS: &str = "(pid|duration|start_time)";

fn key_placeholder(k: &str) -> &'static str {
    match k {
        "pid" => "@PID@",
        "duration" => "@MS@",
        _ => "@TIME@",
    }
}

type Rule = (Regex, fn(&Captures) -> String);

fn text_rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let re = |s: String| Regex::new(&s).expect("text rules are valid regexes");
        let val = format!("(?:{TIME}|{NUM})");
        vec![
            // highstate full/terse "Started: 12:17:14.682657" and "Duration: 7.4 ms"
            (re(format!("(Started: ){TIME}")), |c: &Captures| {
                format!("{}@TIME@", &c[1])
            }),
            (re(format!("(Duration: ){NUM} ms")), |c: &Captures| {
                format!("{}@MS@ ms", &c[1])
            }),
            (re(format!(r"Total run time: +{NUM} m?s\b")), |_: &Captures| {
                "Total run time: @RUNTIME@".to_string()
            }),
            // state_tabular: "TIME [  8.5 ms]"
            (
                re(format!(r"(?P<t>{TIME} )?\[ *{NUM} ms\]")),
                |c: &Captures| {
                    let t = if c.name("t").is_some() { "@TIME@ " } else { "" };
                    format!("{t}[@MS@ ms]")
                },
            ),
            // nested: "pid:" then the value alone on the next line
            (
                re(format!(r"(?m)^( *(?:- )?){KEYS}:\n( +){val}$")),
                |c: &Captures| {
                    format!("{}{}:\n{}{}", &c[1], &c[2], &c[3], key_placeholder(&c[2]))
                },
            ),
            // yaml: "pid: 123", "start_time: '12:18:26.931390'"
            (
                re(format!(r"(?m)^( *(?:- )?){KEYS}: (?:(?P<q>'){val}'|{val})$")),
                |c: &Captures| {
                    let q = c.name("q").map_or("", |m| m.as_str());
                    format!("{}{}: {q}{}{q}", &c[1], &c[2], key_placeholder(&c[2]))
                },
            ),
            // python repr / json text: "'pid': 123", "\"start_time\": \"...\""
            (
                re(format!(
                    r#"(?:(?P<kq1>')(?P<k1>pid|duration|start_time)'|(?P<kq2>")(?P<k2>pid|duration|start_time)"): (?:(?P<vq1>'){val}'|(?P<vq2>"){val}"|{val})"#
                )),
                |c: &Captures| {
                    let (kq, k) = match c.name("k1") {
                        Some(k) => ("'", k.as_str()),
                        None => ("\"", c.name("k2").map_or("", |m| m.as_str())),
                    };
                    let vq = if c.name("vq1").is_some() {
                        "'"
                    } else if c.name("vq2").is_some() {
                        "\""
                    } else {
                        ""
                    };
                    format!("{kq}{k}{kq}: {vq}{}{vq}", key_placeholder(k))
                },
            ),
        ]
    })
}

/// The text rules alone (applied after the path placeholders): `Started:`,
/// `Duration:`, `Total run time:` and the values of pid/duration/start_time
/// keys in nested, yaml and repr/json text.
pub fn normalise_text_rules(s: &str) -> String {
    let mut s = s.to_string();
    for (rx, f) in text_rules() {
        s = rx.replace_all(&s, |c: &Captures| f(c)).into_owned();
    }
    s
}

// -------------------------------------------------------------- snapshot

/// Filesystem state under `root`: `{relpath: {type, mode, content|target}}`
/// (first 64 KiB of a file; `<binary N bytes>` when not UTF-8).
pub fn snapshot(root: &Path) -> Value {
    let mut snap = Map::new();
    walk(root, root, &mut snap);
    Value::Object(snap)
}

fn walk(root: &Path, dir: &Path, snap: &mut Map<String, Value>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for full in entries {
        let Ok(md) = fs::symlink_metadata(&full) else {
            continue;
        };
        let rel = full
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mode = format!("{:04o}", md.mode() & 0o7777);
        let ft = md.file_type();
        let entry = if ft.is_symlink() {
            let target = fs::read_link(&full)
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            json!({"type": "link", "target": target})
        } else if ft.is_dir() {
            walk(root, &full, snap);
            json!({"type": "dir", "mode": mode})
        } else if ft.is_file() {
            let mut data = Vec::new();
            let content =
                match fs::File::open(&full).and_then(|f| f.take(65536).read_to_end(&mut data)) {
                    Ok(_) => match String::from_utf8(data) {
                        Ok(s) => s,
                        Err(_) => format!("<binary {} bytes>", md.len()),
                    },
                    Err(_) => format!("<binary {} bytes>", md.len()),
                };
            json!({"type": "file", "mode": mode, "content": content})
        } else {
            json!({"type": "other"})
        };
        snap.insert(rel, entry);
    }
}

/// Copy a case's `sandbox/` seed: links copied as links, and modes as a git
/// checkout under umask 022 gives them (dirs 0755, files 0755 when any x bit
/// is set, else 0644), so the result does not depend on how the case folder
/// was checked out or copied (the shared corpus' copy is read-only, for one).
pub fn copy_tree(src: &Path, dst: &Path) -> Result<(), HarnessError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| HarnessError::Io(p, e)
    };
    fs::create_dir(dst).map_err(io(dst))?;
    for entry in fs::read_dir(src).map_err(io(src))? {
        let entry = entry.map_err(io(src))?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let md = fs::symlink_metadata(&from).map_err(io(&from))?;
        if md.file_type().is_symlink() {
            let target = fs::read_link(&from).map_err(io(&from))?;
            std::os::unix::fs::symlink(target, &to).map_err(io(&to))?;
        } else if md.is_dir() {
            copy_tree(&from, &to)?;
        } else {
            fs::copy(&from, &to).map_err(io(&to))?;
            let mode = if md.mode() & 0o111 != 0 { 0o755 } else { 0o644 };
            fs::set_permissions(&to, fs::Permissions::from_mode(mode)).map_err(io(&to))?;
        }
    }
    fs::set_permissions(dst, fs::Permissions::from_mode(0o755)).map_err(io(dst))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reps() -> Vec<(String, &'static str)> {
        vec![
            ("/tmp/x/sandbox".into(), "@SANDBOX@"),
            ("/tmp/x/root".into(), "@ROOT@"),
            ("/tmp/x/conf".into(), "@CONF@"),
            ("/tmp/x".into(), "@TMP@"),
            ("/cases/001".into(), "@CASE@"),
        ]
    }

    #[test]
    fn json_normalisation_drops_keys_and_replaces_paths() {
        let v = json!({"local": {"file_|-/tmp/x/sandbox/a_|-/tmp/x/sandbox/a_|-managed": {
            "name": "/tmp/x/sandbox/a", "start_time": "10:00:00.1", "duration": 1.5,
            "changes": {"pid": 42, "diff": "/tmp/x/other /cases/001/salt/a"},
            "__run_num__": 0, "list": ["/tmp/x/root/cache", 1.0]}}});
        let n = normalise_with(&reps(), &v);
        assert_eq!(
            n,
            json!({"local": {"file_|-@SANDBOX@/a_|-@SANDBOX@/a_|-managed": {
                "name": "@SANDBOX@/a",
                "changes": {"diff": "@TMP@/other @CASE@/salt/a"},
                "__run_num__": 0, "list": ["@ROOT@/cache", 1.0]}}})
        );
    }

    #[test]
    fn highstate_text_rules() {
        let s = "     Started: 12:17:14.682657\n    Duration: 7.407 ms\n\
                 Total run time:  14.812 ms\nTotal run time:   1.234 s\n \
                 - Started: 12:17:14.682657 - Duration: 6.305 ms\n";
        assert_eq!(
            normalise_text_rules(s),
            "     Started: @TIME@\n    Duration: @MS@ ms\n\
             Total run time: @RUNTIME@\nTotal run time: @RUNTIME@\n \
             - Started: @TIME@ - Duration: @MS@ ms\n"
        );
    }

    #[test]
    fn nested_yaml_and_repr_key_rules() {
        let nested = "          pid:\n              1234\n          retcode:\n              0\n";
        assert_eq!(
            normalise_text_rules(nested),
            "          pid:\n              @PID@\n          retcode:\n              0\n"
        );
        let yaml =
            "    pid: 99\n    start_time: '12:18:26.931390'\n    duration: 3.5\n    other: 1\n";
        assert_eq!(
            normalise_text_rules(yaml),
            "    pid: @PID@\n    start_time: '@TIME@'\n    duration: @MS@\n    other: 1\n"
        );
        let repr = r#"{'pid': 7, 'start_time': '01:02:03.4', "duration": 2.25, 'x': 1}"#;
        assert_eq!(
            normalise_text_rules(repr),
            r#"{'pid': @PID@, 'start_time': '@TIME@', "duration": @MS@, 'x': 1}"#
        );
        // mismatched quotes stay as they are (the Python rule uses a backreference)
        let odd = r#"'pid": 7"#;
        assert_eq!(normalise_text_rules(odd), odd);
    }

    #[test]
    fn snapshot_records_types_modes_and_content() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        fs::create_dir(p.join("sub")).unwrap();
        fs::set_permissions(p.join("sub"), fs::Permissions::from_mode(0o750)).unwrap();
        fs::write(p.join("sub/f"), "hi\n").unwrap();
        fs::set_permissions(p.join("sub/f"), fs::Permissions::from_mode(0o640)).unwrap();
        fs::write(p.join("bin"), [0xff, 0xfe, 0]).unwrap();
        std::os::unix::fs::symlink("sub", p.join("l")).unwrap();
        let s = snapshot(p);
        assert_eq!(s["sub"], json!({"type": "dir", "mode": "0750"}));
        assert_eq!(s["sub/f"]["content"], json!("hi\n"));
        assert_eq!(s["sub/f"]["mode"], json!("0640"));
        assert_eq!(s["bin"]["content"], json!("<binary 3 bytes>"));
        assert_eq!(s["l"], json!({"type": "link", "target": "sub"}));
        assert_eq!(s.as_object().unwrap().len(), 4);
    }

    #[test]
    fn minion_config_merges_grains_and_case_keys() {
        let d = tempfile::tempdir().unwrap();
        let case_dir = d.path().join("001-x");
        fs::create_dir_all(case_dir.join("sandbox/sub")).unwrap();
        fs::write(case_dir.join("sandbox/sub/seed"), "s").unwrap();
        let case = Case {
            name: "001-x".into(),
            dir: case_dir.clone(),
            grains: json!({"id": "db2", "role": "db", "extra": [1]})
                .as_object()
                .unwrap()
                .clone(),
            minion: json!({"enable_fqdns_grains": true,
                           "file_roots": {"dev": ["@CASE@/salt-dev"]}})
            .as_object()
            .unwrap()
            .clone(),
            calls: vec![],
        };
        let sb = Sandbox::new(&case).unwrap();
        let text = fs::read_to_string(sb.conf.join("minion")).unwrap();
        let cfg: Value = serde_json::from_str(&text).unwrap();
        let cd = case_dir.to_string_lossy();
        assert_eq!(cfg["id"], json!("db2"));
        assert_eq!(cfg["grains"]["role"], json!("db"));
        assert_eq!(cfg["grains"]["os"], json!("Debian"));
        assert_eq!(cfg["grains"]["extra"], json!([1]));
        assert!(cfg["grains"].get("id").is_none());
        assert_eq!(
            cfg["grains"]["sandbox"],
            json!(sb.sandbox.to_string_lossy())
        );
        assert_eq!(cfg["enable_fqdns_grains"], json!(true));
        // a case key replaces the default wholesale (shallow update)
        assert_eq!(
            cfg["file_roots"],
            json!({"dev": [format!("{cd}/salt-dev")]})
        );
        assert_eq!(
            cfg["pillar_roots"],
            json!({"base": [format!("{cd}/pillar")]})
        );
        // Python json.dump(indent=2, sort_keys=True) layout
        assert!(
            text.starts_with("{\n  \"enable_fqdns_grains\": true,\n  \"file_client\": \"local\",")
        );
        assert_eq!(
            fs::read_to_string(sb.sandbox.join("sub/seed")).unwrap(),
            "s"
        );
        assert_eq!(
            sb.norm_str(&format!(
                "{}/x {}/r {cd}/salt",
                sb.sandbox.display(),
                sb.root.display()
            )),
            "@SANDBOX@/x @ROOT@/r @CASE@/salt"
        );
        let tmp = sb.tmp_path.clone();
        drop(sb);
        assert!(!tmp.exists(), "temp dir removed on drop");
    }

    #[test]
    fn copy_tree_normalises_modes_and_keeps_links() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        fs::create_dir_all(src.join("a")).unwrap();
        fs::write(src.join("a/x"), "1").unwrap();
        fs::write(src.join("run.sh"), "#!/bin/sh\n").unwrap();
        std::os::unix::fs::symlink("a/x", src.join("ln")).unwrap();
        fs::set_permissions(src.join("a/x"), fs::Permissions::from_mode(0o444)).unwrap();
        fs::set_permissions(src.join("run.sh"), fs::Permissions::from_mode(0o500)).unwrap();
        fs::set_permissions(src.join("a"), fs::Permissions::from_mode(0o555)).unwrap();
        copy_tree(&src, &d.path().join("dst")).unwrap();
        let s = snapshot(&d.path().join("dst"));
        assert_eq!(
            s,
            json!({
                "a": {"type": "dir", "mode": "0755"},
                "a/x": {"type": "file", "mode": "0644", "content": "1"},
                "ln": {"type": "link", "target": "a/x"},
                "run.sh": {"type": "file", "mode": "0755", "content": "#!/bin/sh\n"},
            })
        );
        fs::set_permissions(src.join("a"), fs::Permissions::from_mode(0o755)).unwrap();
    }
}
