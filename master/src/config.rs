//! Master configuration: `DIR/master` plus `DIR/master.d/*.conf` with Salt's option names
//! and defaults (Salt 3007 `DEFAULT_MASTER_OPTS`, paths under `/etc/rsalt`,
//! `/var/cache/rsalt`, `/var/run/rsalt`). `root_dir` is prepended to the path options as
//! Salt's `apply_master_config` does, so a whole fleet runs from temporary folders.

use anyhow::{bail, Context};
use rsalt_data::{Dict, Value};
use rsalt_sls::opts::{prepend_root_dir, read_config_set, OptsExt};
use std::path::{Path, PathBuf};

/// The default configuration directory.
pub const DEFAULT_CONFIG_DIR: &str = "/etc/rsalt";

/// `(key, default as JSON, python type names accepted)`.
const DEFAULTS: &[(&str, &str, &str)] = &[
    ("interface", r#""0.0.0.0""#, "str"),
    ("publish_port", "4505", "int"),
    ("ret_port", "4506", "int"),
    ("root_dir", r#""/""#, "str"),
    ("pki_dir", r#""/etc/rsalt/pki/master""#, "str"),
    ("cachedir", r#""/var/cache/rsalt/master""#, "str"),
    ("sock_dir", r#""/var/run/rsalt/master""#, "str"),
    (
        "file_roots",
        r#"{"base": ["/srv/salt", "/srv/spm/salt"]}"#,
        "dict",
    ),
    (
        "pillar_roots",
        r#"{"base": ["/srv/pillar", "/srv/spm/pillar"]}"#,
        "dict",
    ),
    ("auto_accept", "false", "bool"),
    ("autosign_file", r#""/etc/rsalt/autosign.conf""#, "str"),
    ("autoreject_file", r#""/etc/rsalt/autoreject.conf""#, "str"),
    ("nodegroups", "{}", "dict"),
    ("keep_jobs_seconds", "86400", "int"),
    ("worker_threads", "5", "int"),
    ("timeout", "5", "int"),
    ("gather_job_timeout", "10", "int"),
    ("log_level", r#""warning""#, "str"),
    ("log_file", r#""/var/log/rsalt/master""#, "str"),
    (
        "log_fmt_console",
        r#""[%(levelname)-8s] %(message)s""#,
        "str",
    ),
    ("log_fmt_json", "false", "bool"),
    ("top_file_merging_strategy", r#""merge""#, "str"),
    ("env_order", "[]", "list"),
    ("default_top", r#""base""#, "str"),
    ("state_top", r#""top.sls""#, "str"),
    ("renderer", r#""jinja|yaml""#, "str"),
    ("jinja_trim_blocks", "false", "bool"),
    ("jinja_lstrip_blocks", "false", "bool"),
    ("pillar_source_merging_strategy", r#""smart""#, "str"),
    ("pillar_merge_lists", "false", "bool"),
    ("state_output", r#""full""#, "str"),
    ("state_verbose", "true", "bool"),
    ("publisher_acl", "{}", "dict"),
    ("metrics_address", r#""127.0.0.1:4508""#, "str"),
    ("heartbeat_interval", "5", "int"),
    ("max_minions_per_second", "200", "int"),
];

const ROOT_PREFIXED: &[&str] = &[
    "pki_dir",
    "cachedir",
    "sock_dir",
    "log_file",
    "autosign_file",
    "autoreject_file",
];

/// The master's options: Salt's `__opts__` dict plus typed accessors.
#[derive(Debug, Clone)]
pub struct MasterConfig {
    /// All options (defaults filled in).
    pub opts: Dict,
    /// The configuration directory.
    pub config_dir: PathBuf,
}

fn type_ok(expected: &str, v: &Value) -> bool {
    match expected {
        "int" => matches!(v, Value::Int(_)),
        "bool" => matches!(v, Value::Bool(_)),
        "str" => matches!(v, Value::Str(_)),
        "dict" => matches!(v, Value::Dict(_)),
        "list" => matches!(v, Value::List(_)),
        _ => true,
    }
}

impl MasterConfig {
    /// Loads `DIR/master` and `DIR/master.d/*.conf`. A wrong type is an error naming the
    /// file and key; unknown keys are kept and logged at debug level.
    pub fn load(config_dir: &Path) -> anyhow::Result<MasterConfig> {
        let conf_file = config_dir.join("master");
        let (overrides, sources) = read_config_set(&conf_file, "master.d/*.conf")
            .with_context(|| format!("loading {}", conf_file.display()))?;
        let mut opts = Dict::new();
        for (key, json, _) in DEFAULTS {
            let v = rsalt_sls::opts::parse_yaml(json).unwrap_or(Value::None);
            opts.insert(*key, v);
        }
        for (k, v) in overrides.map {
            let key = k.to_string();
            match DEFAULTS.iter().find(|(name, _, _)| *name == key) {
                Some((_, _, ty)) if !v.is_none() && !type_ok(ty, &v) => {
                    let file = sources
                        .get(&key)
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| conf_file.display().to_string());
                    bail!(
                        "{file}: config option '{key}' has an invalid type of {}, a {ty} is required for this option",
                        v.type_name()
                    );
                }
                Some(_) if v.is_none() => continue,
                Some(_) => {}
                None => tracing::debug!("unknown master option '{key}' kept as is"),
            }
            opts.map.insert(k, v);
        }
        let root = opts.opt_str("root_dir").unwrap_or_else(|| "/".into());
        for key in ROOT_PREFIXED {
            if let Some(Value::Str(p)) = opts.get(key) {
                let p = prepend_root_dir(&root, p);
                opts.insert(*key, Value::Str(p));
            }
        }
        if opts.get("id").is_none() {
            let id = format!("{}_master", rsalt_sls::opts::gethostname());
            opts.insert("id", Value::Str(id));
        }
        opts.insert("conf_file", Value::Str(conf_file.display().to_string()));
        opts.insert("config_dir", Value::Str(config_dir.display().to_string()));
        opts.insert("__role", Value::from("master"));
        Ok(MasterConfig {
            opts,
            config_dir: config_dir.to_path_buf(),
        })
    }

    /// A string option.
    pub fn str(&self, key: &str) -> String {
        self.opts.get(key).map(Value::to_py_str).unwrap_or_default()
    }

    /// An integer option.
    pub fn int(&self, key: &str) -> i64 {
        self.opts.get(key).and_then(Value::as_int).unwrap_or(0)
    }

    /// A boolean option.
    pub fn bool(&self, key: &str) -> bool {
        self.opts.get(key).is_some_and(Value::truthy)
    }

    /// A path option.
    pub fn path(&self, key: &str) -> PathBuf {
        PathBuf::from(self.str(key))
    }

    /// `tcp://interface:port` for a port option.
    pub fn endpoint(&self, port_key: &str) -> String {
        format!("tcp://{}:{}", self.str("interface"), self.int(port_key))
    }

    /// The unix socket the CLIs talk to.
    pub fn cli_socket(&self) -> PathBuf {
        self.path("sock_dir").join("master_cli.sock")
    }

    /// The options a minion's states are rendered with on the master: the minion's own
    /// options (Salt's minion defaults when it sent none), overridden by the master's
    /// state-tree options and the minion's id.
    pub fn render_opts(&self, minion_id: &str) -> Dict {
        self.render_opts_for(minion_id, None)
    }

    /// [`MasterConfig::render_opts`] over the options a minion sent.
    pub fn render_opts_for(&self, minion_id: &str, minion_opts: Option<&Dict>) -> Dict {
        let mut o = rsalt_sls::opts::default_minion_opts();
        if let Some(m) = minion_opts {
            for (k, v) in m.iter() {
                o.map.insert(k.clone(), v.clone());
            }
        }
        for key in [
            "file_roots",
            "pillar_roots",
            "top_file_merging_strategy",
            "env_order",
            "default_top",
            "state_top",
            "renderer",
            "jinja_trim_blocks",
            "jinja_lstrip_blocks",
            "pillar_source_merging_strategy",
            "pillar_merge_lists",
            "nodegroups",
            "state_output",
            "state_verbose",
        ] {
            if let Some(v) = self.opts.get(key) {
                o.insert(key, v.clone());
            }
        }
        for (k, v) in self.opts.iter() {
            if let Some(name) = k.as_str() {
                if name.starts_with("rsalt_") {
                    o.insert(name, v.clone());
                }
            }
        }
        o.insert("id", Value::from(minion_id));
        o.insert("file_client", Value::from("local"));
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_root_dir_and_type_errors() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("master"),
            "root_dir: /tmp/x\npublish_port: 14505\n",
        )
        .expect("write");
        std::fs::create_dir(dir.path().join("master.d")).expect("mkdir");
        std::fs::write(dir.path().join("master.d/a.conf"), "auto_accept: true\n").expect("w");
        let c = MasterConfig::load(dir.path()).expect("load");
        assert_eq!(c.int("publish_port"), 14505);
        assert_eq!(c.int("ret_port"), 4506);
        assert!(c.bool("auto_accept"));
        assert_eq!(c.str("pki_dir"), "/tmp/x/etc/rsalt/pki/master");
        std::fs::write(dir.path().join("master"), "ret_port: abc\n").expect("write");
        let err = MasterConfig::load(dir.path()).expect_err("type");
        assert!(err.to_string().contains("ret_port"), "{err}");
        assert!(err.to_string().contains("master"), "{err}");
    }
}
