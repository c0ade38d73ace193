//! Minion options: Salt's `__opts__`.
//!
//! Salt keeps its options in a plain `dict`; so does rsalt: [`load_minion_opts`] returns a
//! [`Dict`] (what templates see as `opts` and what `config.get` reads), and [`OptsExt`]
//! gives typed accessors over it.
//!
//! Loading follows `salt.config.minion_config` (Salt 3007.8):
//! 1. `DIR/minion` is read as YAML (a missing file is an empty config);
//! 2. the files matching `default_include` (`minion.d/*.conf`, relative to `DIR`) are read
//!    in lexical order and merged into each other recursively (lists are concatenated without
//!    duplicates); the result then replaces the matching top-level keys of `DIR/minion`;
//! 3. the same for the paths/globs of the `include` option;
//! 4. Salt's `DEFAULT_MINION_OPTS` fill the missing keys, `id` is guessed when unset
//!    ([`minion_id`]), and `root_dir` is prepended to `pki_dir`, `cachedir`, `sock_dir`,
//!    `extension_modules`, `pidfile`, `log_file` and `key_logfile` as `apply_minion_config`
//!    does;
//! 5. the types of known keys are checked (Salt's `VALID_OPTS` rules); a wrong type is an
//!    [`OptsError::Type`] naming the file, key, expected and actual type. Unknown keys are
//!    kept and logged at debug level.
//!
//! The default configuration directory is [`DEFAULT_CONFIG_DIR`] (`/etc/rsalt`). A Salt
//! configuration directory works as-is: `rsalt-call -c /etc/salt` reads `/etc/salt/minion`,
//! `/etc/salt/minion.d/*.conf` and `/etc/salt/grains` exactly as `salt-call` would.
//!
//! Differences from Salt: a wrong type is an error (Salt only logs a warning), `conf_file`
//! is always `DIR/minion` (Salt keeps `/etc/salt/minion` when that file is missing), and
//! the minion id is guessed without DNS (see [`minion_id`]).

use rsalt_data::{Dict, Key, Value};
use std::path::{Path, PathBuf};

/// The default configuration directory of rsalt.
pub const DEFAULT_CONFIG_DIR: &str = "/etc/rsalt";

/// An error while loading options.
#[derive(Debug, thiserror::Error)]
pub enum OptsError {
    /// A configuration file exists but cannot be read.
    #[error("cannot read configuration file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A configuration file is not valid YAML.
    #[error("Error parsing configuration file: {path} - {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A configuration file holds something other than a mapping.
    #[error("Error parsing configuration file: {path} - conf should be a document, not {found}")]
    NotADict {
        /// The file.
        path: PathBuf,
        /// Python type name of what was found.
        found: &'static str,
    },
    /// An option has the wrong type.
    #[error("{path}: config option '{key}' has an invalid type of {actual}, a {expected} is required for this option")]
    Type {
        /// The file that set the option (or `<defaults>`).
        path: PathBuf,
        /// The option.
        key: String,
        /// The accepted type(s), Python names (`str`, `list or str`, ...).
        expected: String,
        /// The Python type name of the value found.
        actual: &'static str,
    },
}

/// Typed read access to an options dict.
pub trait OptsExt {
    /// The value of `key`, if set.
    fn opt(&self, key: &str) -> Option<&Value>;

    /// A string option (`None` when unset, `None`/null, or not a scalar). Ints, floats and
    /// bools are given as Python's `str()` of them, as Salt accepts them for `str` options.
    fn opt_str(&self, key: &str) -> Option<String> {
        match self.opt(key)? {
            Value::Str(s) => Some(s.clone()),
            v @ (Value::Int(_) | Value::Float(_) | Value::Bool(_)) => Some(v.to_py_str()),
            _ => None,
        }
    }

    /// A boolean option: Python truthiness of the value, `default` when unset.
    fn opt_bool(&self, key: &str, default: bool) -> bool {
        self.opt(key).map_or(default, Value::truthy)
    }

    /// An integer option (ints and numeric strings), `None` when unset or not an int.
    fn opt_int(&self, key: &str) -> Option<i64> {
        match self.opt(key)? {
            Value::Int(i) => Some(*i),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A list-of-strings option; a single string is a one-element list (as for
    /// `file_ignore_regex`). Non-string items are given as their `str()`.
    fn opt_str_list(&self, key: &str) -> Vec<String> {
        match self.opt(key) {
            Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
            Some(Value::Str(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// A dict option, `None` when unset or not a dict.
    fn opt_dict(&self, key: &str) -> Option<&Dict> {
        self.opt(key).and_then(Value::as_dict)
    }

    /// `file_roots`/`pillar_roots`-style option: saltenv → directories, in order.
    fn opt_roots(&self, key: &str) -> Vec<(String, Vec<String>)> {
        let Some(d) = self.opt_dict(key) else {
            return Vec::new();
        };
        d.iter()
            .map(|(k, v)| {
                let dirs = v
                    .as_list()
                    .map(|l| l.iter().map(Value::to_py_str).collect())
                    .unwrap_or_default();
                (k.to_string(), dirs)
            })
            .collect()
    }
}

impl OptsExt for Dict {
    fn opt(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

/// Where the value of each top-level key came from (for error messages).
type Sources = indexmap::IndexMap<String, PathBuf>;

/// Loads the minion options from the configuration directory `config_dir` (see the module
/// docs for the steps). A missing directory or `minion` file gives Salt's defaults.
pub fn load_minion_opts(config_dir: &Path) -> Result<Dict, OptsError> {
    let conf_file = config_dir.join("minion");
    let (overrides, sources) = read_config_set(&conf_file, "minion.d/*.conf")?;
    check_types(&overrides, &sources)?;
    let mut opts = apply_minion_config(overrides);
    opts.insert("conf_file", Value::Str(path_str(&conf_file)));
    opts.insert("config_dir", Value::Str(path_str(config_dir)));
    Ok(opts)
}

/// Where the value of each top-level key came from (file path per key).
pub type ConfigSources = indexmap::IndexMap<String, PathBuf>;

/// Reads a daemon's configuration file set as Salt does: `conf_file` (missing = empty), then
/// the files of its `default_include` (default `default_include`, relative to the file's
/// folder) and of `include`, merged recursively and replacing top-level keys. No defaults
/// and no type checks: the caller applies its own (minion or master).
pub fn read_config_set(
    conf_file: &Path,
    default_include: &str,
) -> Result<(Dict, ConfigSources), OptsError> {
    let mut sources = Sources::new();
    let mut overrides = if conf_file.is_file() {
        read_conf_file(conf_file)?
    } else {
        tracing::debug!("Missing configuration file: {}", conf_file.display());
        Dict::new()
    };
    for (k, _) in overrides.iter() {
        sources.insert(k.to_string(), conf_file.to_path_buf());
    }
    let default_include = overrides
        .get("default_include")
        .cloned()
        .unwrap_or_else(|| Value::from(default_include));
    let include = overrides.get("include").cloned().unwrap_or(Value::None);
    for inc in [default_include, include] {
        let (extra, extra_sources) = include_config(&inc, conf_file)?;
        for (k, v) in extra.map {
            if let Some(src) = extra_sources.get(&k.to_string()) {
                sources.insert(k.to_string(), src.clone());
            }
            overrides.insert(k, v);
        }
    }
    Ok((overrides, sources))
}

/// Salt's `DEFAULT_MINION_OPTS` (without the computed `id`), as a plain dict.
pub fn default_minion_opts() -> Dict {
    let mut d = Dict::new();
    for (key, _, json) in DEFAULTS {
        let v = serde_json::from_str::<serde_json::Value>(json)
            .map(|j| Value::from_json(&j))
            .unwrap_or(Value::None);
        d.insert(*key, v);
    }
    if let Some(user) = current_user() {
        d.insert("user", Value::Str(user));
    }
    d
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Reads one configuration file as Salt's `_read_conf_file` does: YAML, empty → `{}`,
/// a non-mapping document is an error, a non-string `id` becomes a string.
fn read_conf_file(path: &Path) -> Result<Dict, OptsError> {
    tracing::debug!("Reading configuration from {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|source| OptsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value = parse_yaml(&text).map_err(|message| OptsError::Parse {
        path: path.to_path_buf(),
        message,
    })?;
    let mut d = match value {
        Value::None => Dict::new(),
        Value::Dict(d) => d,
        other => {
            return Err(OptsError::NotADict {
                path: path.to_path_buf(),
                found: other.type_name(),
            })
        }
    };
    if let Some(id) = d.get("id") {
        if !matches!(id, Value::Str(_)) {
            let s = id.to_py_str();
            d.insert("id", Value::Str(s));
        }
    }
    Ok(d)
}

/// Loads YAML the way Salt loads configuration files (`salt.utils.yaml.safe_load`):
/// mappings are plain dicts. Used for the minion config and the grains file.
pub fn parse_yaml(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::None);
    }
    match rsalt_data::yaml::load(text) {
        Ok(v) => Ok(Value::into_plain_dicts(v)),
        Err(e) => {
            // JSON is YAML; accept it directly while the YAML loader is incomplete.
            let t = text.trim_start();
            if t.starts_with('{') || t.starts_with('[') {
                if let Ok(j) = serde_json::from_str::<serde_json::Value>(text) {
                    return Ok(Value::from_json(&j));
                }
            }
            Err(e.to_string())
        }
    }
}

/// `~` expansion as Python's `os.path.expanduser` does for the current user.
fn expand_user(path: &str) -> String {
    if path == "~" || path.starts_with("~/") {
        if let Ok(home) = std::env::var("HOME") {
            return format!("{}{}", home.trim_end_matches('/'), &path[1..]);
        }
    }
    path.to_string()
}

/// Salt's `include_config`: reads the files matching each pattern (relative to the
/// directory of `orig_path`) in sorted order, merging them recursively with list merging.
fn include_config(include: &Value, orig_path: &Path) -> Result<(Dict, Sources), OptsError> {
    let patterns: Vec<String> = match include {
        Value::Str(s) if !s.is_empty() => vec![s.clone()],
        Value::List(l) => l.iter().map(Value::to_py_str).collect(),
        _ => Vec::new(),
    };
    let mut configuration = Dict::new();
    let mut sources = Sources::new();
    let base = orig_path.parent().unwrap_or(Path::new("/"));
    for pattern in patterns {
        let pattern = expand_user(&pattern);
        let full = if Path::new(&pattern).is_absolute() {
            PathBuf::from(&pattern)
        } else {
            base.join(&pattern)
        };
        let mut matches: Vec<String> = match glob::glob(&path_str(&full)) {
            Ok(paths) => paths.filter_map(Result::ok).map(|p| path_str(&p)).collect(),
            Err(e) => {
                tracing::warn!("bad include pattern '{}': {e}", full.display());
                Vec::new()
            }
        };
        matches.sort();
        if matches.is_empty() {
            tracing::debug!(
                "\"include\" path/glob '{}' matches no files",
                full.display()
            );
        }
        for file in matches {
            let file = PathBuf::from(file);
            if !file.is_file() {
                continue;
            }
            tracing::debug!("Including configuration from '{}'", file.display());
            let mut opts = read_conf_file(&file)?;
            let mut file_sources: Sources = opts
                .iter()
                .map(|(k, _)| (k.to_string(), file.clone()))
                .collect();
            if let Some(nested) = opts.get("include").cloned() {
                let (extra, extra_sources) = include_config(&nested, &file)?;
                for (k, v) in extra.map {
                    if let Some(src) = extra_sources.get(&k.to_string()) {
                        file_sources.insert(k.to_string(), src.clone());
                    }
                    opts.insert(k, v);
                }
            }
            sources.extend(file_sources);
            dict_update(&mut configuration, opts, true);
        }
    }
    Ok((configuration, sources))
}

/// `salt.utils.dictupdate.update(dest, upd, recursive_update=True, merge_lists)`:
/// nested dicts are merged, lists concatenated without duplicates when `merge_lists`,
/// anything else replaced.
pub fn dict_update(dest: &mut Dict, upd: Dict, merge_lists: bool) {
    for (k, v) in upd.map {
        match (dest.map.get_mut(&k), v) {
            (Some(Value::Dict(d)), Value::Dict(u)) => dict_update(d, u, merge_lists),
            (Some(Value::List(d)), Value::List(u)) if merge_lists => {
                for item in u {
                    if !d.contains(&item) {
                        d.push(item);
                    }
                }
            }
            (_, v) => {
                dest.map.insert(k, v);
            }
        }
    }
}

/// The accepted types of a known option (letters `NBIFSLD`; empty = any), or `None` for
/// an option Salt does not know.
fn known_types(key: &str) -> Option<&'static str> {
    DEFAULTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, t, _)| *t)
        .or_else(|| TYPED_ONLY.iter().find(|(k, _)| *k == key).map(|(_, t)| *t))
}

/// Whether `v` is acceptable for an option of types `types`, following Salt's
/// `_validate_opts` (e.g. an int is fine for a `str` option, a str is not a list).
fn type_ok(types: &str, v: &Value) -> bool {
    if types.is_empty() {
        return true;
    }
    let has = |c: char| types.contains(c);
    match v {
        Value::None => has('N'),
        Value::Bool(_) => has('B') || has('S'),
        Value::Int(_) => has('I') || has('F') || has('S'),
        Value::Float(_) => has('F') || has('S'),
        Value::Str(s) => {
            has('S')
                || (has('I') && s.trim().parse::<i64>().is_ok())
                || (has('F') && s.trim().parse::<f64>().is_ok())
        }
        Value::List(_) => has('L'),
        Value::Dict(_) => has('D'),
    }
}

/// Python names of the accepted types, joined as Salt does (`list or str`).
fn type_names(types: &str) -> String {
    let names: Vec<&str> = types
        .chars()
        .map(|c| match c {
            'N' => "NoneType",
            'B' => "bool",
            'I' => "int",
            'F' => "float",
            'S' => "str",
            'L' => "list",
            _ => "dict",
        })
        .collect();
    match names.split_last() {
        None => "any".into(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {}", rest.join(", "), last),
    }
}

fn check_types(overrides: &Dict, sources: &Sources) -> Result<(), OptsError> {
    for (k, v) in overrides.iter() {
        let key = k.to_string();
        let Some(types) = known_types(&key) else {
            tracing::debug!("unknown minion option '{key}' kept as is");
            continue;
        };
        if matches!(key.as_str(), "file_roots" | "pillar_roots") && v.is_none() {
            continue; // replaced by the defaults, as Salt does
        }
        if let Value::Str(s) = v {
            if s.starts_with("sdb://") {
                continue;
            }
        }
        if !type_ok(types, v) {
            return Err(OptsError::Type {
                path: sources
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from("<defaults>")),
                key,
                expected: type_names(types),
                actual: v.type_name(),
            });
        }
    }
    Ok(())
}

/// Salt's `apply_minion_config`: defaults, overrides, id, roots, root_dir prefixing.
fn apply_minion_config(mut overrides: Dict) -> Dict {
    let mut opts = default_minion_opts();
    // _adjust_log_file_override
    if let Some(log_dir) = overrides
        .get("log_dir")
        .filter(|v| v.truthy())
        .map(Value::to_py_str)
    {
        let file = match overrides.opt_str("log_file").filter(|s| !s.is_empty()) {
            Some(f) if Path::new(&f).is_absolute() => f,
            Some(f) => path_str(&Path::new(&log_dir).join(f)),
            None => path_str(&Path::new(&log_dir).join("minion")),
        };
        overrides.insert("log_file", Value::Str(file));
    }
    opts.insert("__role", Value::from("minion"));
    for (k, v) in overrides.map {
        opts.map.insert(k, v);
    }
    if opts.contains_key("environment") {
        if opts.get("saltenv").is_some_and(|v| !v.is_none()) {
            tracing::warn!(
                "The 'saltenv' and 'environment' minion config options cannot both be used. \
                 Ignoring 'environment' in favor of 'saltenv'."
            );
            let s = opts.get("saltenv").cloned().unwrap_or_default();
            opts.insert("environment", s);
        } else {
            tracing::warn!("The 'environment' minion config option has been renamed to 'saltenv'.");
            let e = opts.get("environment").cloned().unwrap_or_default();
            opts.insert("saltenv", e);
        }
    }
    if let Some(Value::List(backends)) = opts.get_mut("fileserver_backend") {
        for b in backends.iter_mut() {
            if let Value::Str(s) = b {
                if matches!(s.as_str(), "git" | "hg" | "svn" | "minion") {
                    s.push_str("fs");
                }
            }
        }
    }
    let cli = std::env::args()
        .next()
        .and_then(|a| {
            Path::new(&a)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "rsalt-call".into());
    opts.insert("__cli", Value::Str(cli));

    let mut using_ip_for_id = false;
    if !opts.get("id").is_some_and(Value::truthy) {
        let id = minion_id(&opts);
        using_ip_for_id = id.parse::<std::net::Ipv4Addr>().is_ok();
        opts.insert("id", Value::Str(id));
    }
    if !using_ip_for_id {
        if let Some(domain) = opts.opt_str("append_domain") {
            let id = opts.opt_str("id").unwrap_or_default();
            if !id.ends_with(&domain) && !id.ends_with('.') {
                opts.insert("id", Value::Str(format!("{id}.{domain}")));
            }
        }
    }
    let id = opts.opt_str("id").unwrap_or_default();
    for dir in opts.opt_str_list("append_minionid_config_dirs") {
        if matches!(dir.as_str(), "pki_dir" | "cachedir" | "extension_modules") {
            if let Some(base) = opts.opt_str(&dir) {
                opts.insert(
                    dir.as_str(),
                    Value::Str(path_str(&Path::new(&base).join(&id))),
                );
            }
        } else if dir == "default_include" {
            if let Some(inc) = opts.opt_str("default_include") {
                let p = Path::new(&inc);
                let parent = p.parent().unwrap_or(Path::new(""));
                let name = p
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                opts.insert(
                    "default_include",
                    Value::Str(path_str(&parent.join(&id).join(name))),
                );
            }
        } else if dir == "pidfile" {
            if let Some(pf) = opts.opt_str("pidfile") {
                let p = Path::new(&pf);
                let parent = p.parent().unwrap_or(Path::new(""));
                let name = p
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                opts.insert(
                    "pidfile",
                    Value::Str(path_str(&parent.join("salt").join(&id).join(name))),
                );
            }
        }
    }
    let sock_dir = opts.opt_str("sock_dir").unwrap_or_default();
    let cachedir = opts.opt_str("cachedir").unwrap_or_default();
    if sock_dir.len() > cachedir.len() + 10 {
        opts.insert(
            "sock_dir",
            Value::Str(path_str(&Path::new(&cachedir).join(".salt-unix"))),
        );
    }
    let open_mode = matches!(opts.get("open_mode"), Some(Value::Bool(true)));
    opts.insert("open_mode", Value::Bool(open_mode));
    for (key, default) in [
        ("file_roots", ["/srv/salt", "/srv/spm/salt"]),
        ("pillar_roots", ["/srv/pillar", "/srv/spm/pillar"]),
    ] {
        let roots = normalize_roots(opts.get(key), &default);
        opts.insert(key, Value::Dict(roots));
    }
    let ext = opts
        .get("extension_modules")
        .filter(|v| v.truthy())
        .map(Value::to_py_str)
        .unwrap_or_else(|| path_str(&Path::new(&cachedir).join("extmods")));
    opts.insert("extension_modules", Value::Str(ext.clone()));
    if !opts.get("utils_dirs").is_some_and(Value::truthy) {
        opts.insert(
            "utils_dirs",
            Value::List(vec![Value::Str(path_str(&Path::new(&ext).join("utils")))]),
        );
    }
    let mut prepend = vec![
        "pki_dir",
        "cachedir",
        "sock_dir",
        "extension_modules",
        "pidfile",
    ];
    for key in ["log_file", "key_logfile"] {
        if let Some(Value::Str(p)) = opts.get(key) {
            if !has_url_scheme(p) {
                prepend.push(key);
            }
        }
    }
    let root_dir = opts.opt_str("root_dir").unwrap_or_else(|| "/".into());
    for key in prepend {
        if let Some(Value::Str(p)) = opts.get(key) {
            let new = prepend_root_dir(&root_dir, p);
            opts.insert(key, Value::Str(new));
        }
    }
    if !opts.contains_key("beacons") {
        opts.insert("beacons", Value::dict());
    }
    opts.insert("ipc_write_buffer", Value::Int(0));
    if let Some(h) = opts.opt_str("hash_type") {
        opts.insert("hash_type", Value::Str(h.to_lowercase()));
    }
    opts
}

/// Whether `urllib.parse.urlparse(path).scheme` is non-empty (`udp://`, `file:///`, ...).
fn has_url_scheme(path: &str) -> bool {
    match path.split_once(':') {
        Some((scheme, _)) => {
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Python's `os.path.normpath` for POSIX paths.
fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let initial = if path.starts_with("//") && !path.starts_with("///") {
        2
    } else if path.starts_with('/') {
        1
    } else {
        0
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial == 0 && parts.is_empty()) || parts.last() == Some(&"..") {
            parts.push(comp);
        } else if !parts.is_empty() {
            parts.pop();
        }
    }
    let joined = parts.join("/");
    let out = format!("{}{}", "/".repeat(initial), joined);
    if out.is_empty() {
        ".".into()
    } else {
        out
    }
}

/// Salt's `prepend_root_dir` for one path (with `salt.syspaths.ROOT_DIR` = `/`): an
/// absolute path already under `root_dir` is kept, any other path is put under `root_dir`.
pub fn prepend_root_dir(root_dir: &str, path: &str) -> String {
    let root = normpath(root_dir);
    let root = if root.starts_with('/') {
        root
    } else {
        let cwd = std::env::current_dir()
            .map(|p| path_str(&p))
            .unwrap_or_else(|_| "/".into());
        normpath(&format!("{cwd}/{root}"))
    };
    let rel = if root != "/" && path.starts_with(&format!("{root}/")) {
        path[root.len()..].to_string()
    } else {
        path.to_string()
    };
    // salt.utils.path.join: normalise each part, strip the leading separators of the tail.
    let tail = normpath(&rel);
    let tail = tail.trim_start_matches('/');
    normpath(&format!("{}/{}", root.trim_end_matches('/'), tail))
}

/// `_validate_file_roots`/`_normalize_roots`: a non-dict gives the defaults; keys become
/// strings, non-list values `[]`, and glob patterns are expanded.
fn normalize_roots(v: Option<&Value>, default: &[&str]) -> Dict {
    let Some(Value::Dict(d)) = v else {
        if v.is_some() {
            tracing::warn!("The roots parameter is not properly formatted, using defaults");
        }
        let mut out = Dict::new();
        out.insert(
            "base",
            Value::List(default.iter().map(|s| Value::from(*s)).collect()),
        );
        return out;
    };
    let mut out = Dict::new();
    for (k, dirs) in d.iter() {
        let dirs = match dirs {
            Value::List(l) => l.iter().map(Value::to_py_str).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let mut expanded = Vec::new();
        for dir in dirs {
            if dir.contains(['*', '?', '[']) {
                let mut found: Vec<String> = glob::glob(&dir)
                    .map(|paths| paths.filter_map(Result::ok).map(|p| path_str(&p)).collect())
                    .unwrap_or_default();
                found.sort();
                expanded.extend(found.into_iter().map(Value::Str));
            } else {
                expanded.push(Value::Str(dir));
            }
        }
        out.insert(Key::Str(k.to_string()), Value::List(expanded));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Host names (no DNS: /proc and /etc/hosts only)

/// The kernel host name (`socket.gethostname()`), from `/proc/sys/kernel/hostname`.
pub fn gethostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// One line of `/etc/hosts`: the address and its names (canonical name first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostsEntry {
    /// The IP address, as written.
    pub addr: String,
    /// The canonical name followed by the aliases.
    pub names: Vec<String>,
}

/// Parses `/etc/hosts`-format text.
pub fn parse_hosts(text: &str) -> Vec<HostsEntry> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let addr = words.next()?.to_string();
            let names: Vec<String> = words.map(str::to_string).collect();
            (!names.is_empty()).then_some(HostsEntry { addr, names })
        })
        .collect()
}

/// The entries of `/etc/hosts` (empty when unreadable).
pub fn hosts_file() -> Vec<HostsEntry> {
    std::fs::read_to_string("/etc/hosts")
        .map(|t| parse_hosts(&t))
        .unwrap_or_default()
}

/// Python's `socket.getfqdn(name)` resolved through `/etc/hosts` only: the name's first
/// address, then the first entry for that address; its first name containing a dot, else
/// its canonical name. Unresolvable names are returned unchanged.
pub fn getfqdn(name: &str, hosts: &[HostsEntry]) -> String {
    let Some(addr) = hosts
        .iter()
        .find(|e| e.names.iter().any(|n| n == name))
        .map(|e| e.addr.clone())
    else {
        return name.to_string();
    };
    let Some(entry) = hosts.iter().find(|e| e.addr == addr) else {
        return name.to_string();
    };
    entry
        .names
        .iter()
        .find(|n| n.contains('.'))
        .unwrap_or(&entry.names[0])
        .clone()
}

/// Salt's `get_fqhostname()` through `/etc/hosts`: the canonical name of the first entry
/// naming `hostname`, else `getfqdn(hostname)`, else `hostname`.
pub fn fqhostname(hostname: &str, hosts: &[HostsEntry]) -> String {
    if let Some(e) = hosts.iter().find(|e| e.names.iter().any(|n| n == hostname)) {
        return e.names[0].clone();
    }
    getfqdn(hostname, hosts)
}

/// Whether Salt's `generate_minion_id` skips a candidate as a localhost name.
fn is_localhost_name(name: &str) -> bool {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"^(?:localhost.*|ip6-.*|127[.]\d|0\.0\.0\.0|::1.*|ipv6-.*|fe00::.*|fe02::.*|1.0.0.*.ip6.arpa)",
        )
        .ok()
    })
    .as_ref()
    .is_some_and(|re| re.is_match(name))
}

/// Salt's `generate_minion_id()` without DNS: the first non-localhost name among
/// `getfqdn(hostname)`, the node name, the host name, then the names in `/etc/hostname`,
/// `/etc/nodename` and the loopback lines of `/etc/hosts`; `localhost` if none.
pub fn generate_minion_id() -> String {
    let hostname = gethostname();
    let hosts = hosts_file();
    let mut candidates: Vec<String> = Vec::new();
    let mut push = |c: &str| {
        if !c.is_empty() && !candidates.iter().any(|x| x == c) && !is_localhost_name(c) {
            candidates.push(c.to_string());
        }
    };
    push(&getfqdn(&hostname, &hosts));
    push(&hostname);
    for file in ["/etc/hostname", "/etc/nodename", "/etc/hosts"] {
        if let Ok(text) = std::fs::read_to_string(file) {
            for line in text.lines() {
                let line = line.trim().split('#').next().unwrap_or("");
                let words: Vec<&str> = line.split_whitespace().collect();
                if let Some(first) = words.first() {
                    let head: String = first.chars().take(4).collect();
                    if head == "127." || head == "::1" || words.len() == 1 {
                        for w in &words {
                            push(w);
                        }
                    }
                }
            }
        }
    }
    candidates
        .into_iter()
        .next()
        .unwrap_or_else(|| "localhost".into())
}

/// The minion id: `id` when set; else the cached id in `ROOT_DIR/etc/salt/minion_id`
/// (when `minion_id_caching`, as Salt reads it); else [`generate_minion_id`], lowercased
/// and stripped of domains per `minion_id_lowercase` / `minion_id_remove_domain`.
pub fn minion_id(opts: &Dict) -> String {
    if let Some(id) = opts.get("id").filter(|v| v.truthy()) {
        return id.to_py_str();
    }
    let root_dir = opts.opt_str("root_dir").unwrap_or_else(|| "/".into());
    if opts.opt_bool("minion_id_caching", true) {
        let cache = Path::new(&root_dir).join("etc/salt/minion_id");
        if let Ok(text) = std::fs::read_to_string(&cache) {
            let name = text
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string();
            if !name.is_empty() && name != "localhost" {
                tracing::debug!("Using cached minion ID from {}: {name}", cache.display());
                return name;
            }
        }
    }
    let mut id = generate_minion_id();
    if opts.opt_bool("minion_id_lowercase", false) {
        id = id.to_lowercase();
    }
    match opts.get("minion_id_remove_domain") {
        Some(Value::Bool(true)) => {
            if let Some((host, _)) = id.split_once('.') {
                id = host.to_string();
            }
        }
        Some(Value::Str(domain)) if !domain.is_empty() => {
            let suffix = format!(".{}", domain.to_uppercase());
            if id.to_uppercase().ends_with(&suffix) {
                id.truncate(id.len() - suffix.len());
            }
        }
        _ => {}
    }
    id
}

/// The effective user's name (`pwd.getpwuid(os.geteuid())`), from `/proc/self/status`
/// and `/etc/passwd`.
pub fn current_user() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2] == euid).then(|| f[0].to_string())
    })
}

/// Salt 3007.8 `DEFAULT_MINION_OPTS` (platform-independent part): key, accepted types, default as JSON.
const DEFAULTS: &[(&str, &str, &str)] = &[
    ("interface", "S", r#""0.0.0.0""#),
    ("master", "SL", r#""salt""#),
    ("master_type", "S", r#""str""#),
    ("master_uri_format", "S", r#""default""#),
    ("source_interface_name", "S", r#""""#),
    ("source_address", "S", r#""""#),
    ("source_ret_port", "SI", r#"0"#),
    ("source_publish_port", "SI", r#"0"#),
    ("master_port", "SI", r#"4506"#),
    ("master_finger", "S", r#""""#),
    ("master_shuffle", "B", r#"false"#),
    ("master_alive_interval", "I", r#"0"#),
    ("master_failback", "B", r#"false"#),
    ("master_failback_interval", "I", r#"0"#),
    ("verify_master_pubkey_sign", "B", r#"false"#),
    ("sign_pub_messages", "B", r#"false"#),
    ("always_verify_signature", "B", r#"false"#),
    ("master_sign_key_name", "S", r#""master_sign""#),
    ("syndic_finger", "S", r#""""#),
    ("user", "S", r#""root""#),
    ("root_dir", "S", r#""/""#),
    ("pki_dir", "S", r#""/etc/salt/pki/minion""#),
    ("id", "S", r#""""#),
    ("id_function", "DS", r#"{}"#),
    ("cachedir", "S", r#""/var/cache/salt/minion""#),
    ("append_minionid_config_dirs", "L", r#"[]"#),
    ("cache_jobs", "B", r#"false"#),
    ("grains_blacklist", "L", r#"[]"#),
    ("grains_cache", "B", r#"false"#),
    ("grains_cache_expiration", "I", r#"300"#),
    ("grains_deep_merge", "B", r#"false"#),
    ("conf_file", "S", r#""/etc/salt/minion""#),
    ("sock_dir", "S", r#""/var/run/salt/minion""#),
    ("sock_pool_size", "I", r#"1"#),
    ("backup_mode", "S", r#""""#),
    ("renderer", "S", r#""jinja|yaml""#),
    ("renderer_whitelist", "L", r#"[]"#),
    ("renderer_blacklist", "L", r#"[]"#),
    ("random_startup_delay", "I", r#"0"#),
    ("failhard", "B", r#"false"#),
    ("autoload_dynamic_modules", "B", r#"true"#),
    ("saltenv", "NS", r#"null"#),
    ("lock_saltenv", "B", r#"false"#),
    ("pillarenv", "NS", r#"null"#),
    ("pillarenv_from_saltenv", "B", r#"false"#),
    ("pillar_opts", "B", r#"false"#),
    ("pillar_source_merging_strategy", "S", r#""smart""#),
    ("pillar_merge_lists", "B", r#"false"#),
    ("pillar_includes_override_sls", "B", r#"false"#),
    ("pillar_cache", "B", r#"false"#),
    ("pillar_cache_ttl", "I", r#"3600"#),
    ("pillar_cache_backend", "S", r#""disk""#),
    ("request_channel_timeout", "I", r#"60"#),
    ("request_channel_tries", "I", r#"3"#),
    ("gpg_cache", "B", r#"false"#),
    ("gpg_cache_ttl", "I", r#"86400"#),
    ("gpg_cache_backend", "S", r#""disk""#),
    (
        "extension_modules",
        "S",
        r#""/var/cache/salt/minion/extmods""#,
    ),
    ("state_top", "S", r#""top.sls""#),
    ("state_top_saltenv", "NS", r#"null"#),
    ("startup_states", "S", r#""""#),
    ("sls_list", "L", r#"[]"#),
    ("start_event_grains", "L", r#"[]"#),
    ("top_file", "S", r#""""#),
    ("thoriumenv", "NS", r#"null"#),
    ("thorium_top", "S", r#""top.sls""#),
    ("thorium_interval", "F", r#"0.5"#),
    ("thorium_roots", "D", r#"{"base": ["/srv/thorium"]}"#),
    ("file_client", "S", r#""remote""#),
    ("local", "B", r#"false"#),
    ("use_master_when_local", "B", r#"false"#),
    (
        "file_roots",
        "D",
        r#"{"base": ["/srv/salt", "/srv/spm/salt"]}"#,
    ),
    ("top_file_merging_strategy", "S", r#""merge""#),
    ("env_order", "L", r#"[]"#),
    ("default_top", "S", r#""base""#),
    ("file_recv", "B", r#"false"#),
    ("file_recv_max_size", "I", r#"100"#),
    ("file_ignore_regex", "LS", r#"[]"#),
    ("file_ignore_glob", "LS", r#"[]"#),
    ("fileserver_backend", "L", r#"["roots"]"#),
    ("fileserver_followsymlinks", "B", r#"true"#),
    ("fileserver_ignoresymlinks", "B", r#"false"#),
    (
        "pillar_roots",
        "D",
        r#"{"base": ["/srv/pillar", "/srv/spm/pillar"]}"#,
    ),
    ("on_demand_ext_pillar", "L", r#"["libvirt", "virtkey"]"#),
    ("decrypt_pillar", "L", r#"[]"#),
    ("decrypt_pillar_delimiter", "S", r#"":""#),
    ("decrypt_pillar_default", "S", r#""gpg""#),
    ("decrypt_pillar_renderers", "L", r#"["gpg"]"#),
    ("gpg_decrypt_must_succeed", "B", r#"true"#),
    ("roots_update_interval", "I", r#"60"#),
    ("gitfs_update_interval", "I", r#"60"#),
    ("git_pillar_update_interval", "I", r#"60"#),
    ("hgfs_update_interval", "I", r#"60"#),
    ("minionfs_update_interval", "I", r#"60"#),
    ("s3fs_update_interval", "I", r#"60"#),
    ("svnfs_update_interval", "I", r#"60"#),
    ("git_pillar_base", "S", r#""master""#),
    ("git_pillar_branch", "S", r#""master""#),
    ("git_pillar_env", "S", r#""""#),
    ("git_pillar_fallback", "S", r#""""#),
    ("git_pillar_root", "S", r#""""#),
    ("git_pillar_ssl_verify", "B", r#"true"#),
    ("git_pillar_global_lock", "B", r#"true"#),
    ("git_pillar_user", "S", r#""""#),
    ("git_pillar_password", "S", r#""""#),
    ("git_pillar_insecure_auth", "B", r#"false"#),
    ("git_pillar_privkey", "S", r#""""#),
    ("git_pillar_pubkey", "S", r#""""#),
    ("git_pillar_passphrase", "S", r#""""#),
    (
        "git_pillar_refspecs",
        "L",
        r#"["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]"#,
    ),
    ("git_pillar_includes", "B", r#"true"#),
    ("gitfs_remotes", "L", r#"[]"#),
    ("gitfs_mountpoint", "S", r#""""#),
    ("gitfs_root", "S", r#""""#),
    ("gitfs_base", "S", r#""master""#),
    ("gitfs_fallback", "S", r#""""#),
    ("gitfs_user", "S", r#""""#),
    ("gitfs_password", "S", r#""""#),
    ("gitfs_insecure_auth", "B", r#"false"#),
    ("gitfs_privkey", "S", r#""""#),
    ("gitfs_pubkey", "S", r#""""#),
    ("gitfs_passphrase", "S", r#""""#),
    ("gitfs_saltenv_whitelist", "L", r#"[]"#),
    ("gitfs_saltenv_blacklist", "L", r#"[]"#),
    ("gitfs_global_lock", "B", r#"true"#),
    ("gitfs_ssl_verify", "B", r#"true"#),
    ("gitfs_saltenv", "L", r#"[]"#),
    ("gitfs_ref_types", "L", r#"["branch", "tag", "sha"]"#),
    (
        "gitfs_refspecs",
        "L",
        r#"["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]"#,
    ),
    ("gitfs_disable_saltenv_mapping", "B", r#"false"#),
    ("unique_jid", "B", r#"false"#),
    ("hash_type", "S", r#""sha256""#),
    ("optimization_order", "L", r#"[0, 1, 2]"#),
    ("disable_modules", "L", r#"[]"#),
    ("disable_returners", "L", r#"[]"#),
    ("whitelist_modules", "L", r#"[]"#),
    ("module_dirs", "L", r#"[]"#),
    ("returner_dirs", "L", r#"[]"#),
    ("grains_dirs", "L", r#"[]"#),
    ("states_dirs", "L", r#"[]"#),
    ("render_dirs", "L", r#"[]"#),
    ("outputter_dirs", "L", r#"[]"#),
    ("utils_dirs", "L", r#"[]"#),
    ("publisher_acl", "D", r#"{}"#),
    ("publisher_acl_blacklist", "D", r#"{}"#),
    ("providers", "D", r#"{}"#),
    ("clean_dynamic_modules", "B", r#"true"#),
    ("open_mode", "B", r#"false"#),
    ("auto_accept", "B", r#"true"#),
    ("autosign_timeout", "I", r#"120"#),
    ("multiprocessing", "B", r#"true"#),
    ("process_count_max", "I", r#"-1"#),
    ("mine_enabled", "B", r#"true"#),
    ("mine_return_job", "B", r#"false"#),
    ("mine_interval", "I", r#"60"#),
    ("ipc_mode", "S", r#""ipc""#),
    ("ipc_write_buffer", "I", r#"631912550"#),
    ("ipv6", "NB", r#"null"#),
    ("file_buffer_size", "I", r#"262144"#),
    ("tcp_pub_port", "I", r#"4510"#),
    ("tcp_pull_port", "I", r#"4511"#),
    ("tcp_authentication_retries", "I", r#"5"#),
    ("tcp_reconnect_backoff", "F", r#"1"#),
    ("log_file", "S", r#""/var/log/salt/minion""#),
    ("log_level", "S", r#""warning""#),
    ("log_level_logfile", "NS", r#"null"#),
    ("log_datefmt", "S", r#""%H:%M:%S""#),
    ("log_datefmt_logfile", "S", r#""%Y-%m-%d %H:%M:%S""#),
    ("log_fmt_console", "S", r#""[%(levelname)-8s] %(message)s""#),
    (
        "log_fmt_logfile",
        "LS",
        r#""%(asctime)s,%(msecs)03d [%(name)-17s:%(lineno)-4d][%(levelname)-8s][%(process)d] %(message)s""#,
    ),
    ("log_fmt_jid", "S", r#""[JID: %(jid)s]""#),
    ("log_granular_levels", "D", r#"{}"#),
    ("log_rotate_max_bytes", "I", r#"0"#),
    ("log_rotate_backup_count", "I", r#"0"#),
    ("max_event_size", "I", r#"1048576"#),
    ("enable_legacy_startup_events", "B", r#"true"#),
    ("test", "B", r#"false"#),
    ("ext_job_cache", "S", r#""""#),
    ("cython_enable", "B", r#"false"#),
    ("enable_fqdns_grains", "B", r#"false"#),
    ("enable_gpu_grains", "B", r#"true"#),
    ("enable_zip_modules", "B", r#"false"#),
    ("state_verbose", "B", r#"true"#),
    ("state_output", "S", r#""full""#),
    ("state_output_diff", "B", r#"false"#),
    ("state_output_profile", "B", r#"true"#),
    ("state_auto_order", "B", r#"true"#),
    ("state_events", "B", r#"false"#),
    ("state_aggregate", "B", r#"false"#),
    ("state_queue", "BI", r#"false"#),
    ("snapper_states", "B", r#"false"#),
    ("snapper_states_config", "S", r#""root""#),
    ("acceptance_wait_time", "F", r#"10"#),
    ("acceptance_wait_time_max", "F", r#"0"#),
    ("rejected_retry", "B", r#"false"#),
    ("loop_interval", "F", r#"1"#),
    ("verify_env", "B", r#"true"#),
    ("grains", "D", r#"{}"#),
    ("permissive_pki_access", "B", r#"false"#),
    ("default_include", "S", r#""minion.d/*.conf""#),
    ("update_url", "BS", r#"false"#),
    ("update_restart_services", "L", r#"[]"#),
    ("retry_dns", "F", r#"30"#),
    ("retry_dns_count", "NI", r#"null"#),
    ("resolve_dns_fallback", "B", r#"true"#),
    ("recon_max", "F", r#"10000"#),
    ("recon_default", "F", r#"1000"#),
    ("recon_randomize", "B", r#"true"#),
    ("return_retry_timer", "I", r#"5"#),
    ("return_retry_timer_max", "I", r#"10"#),
    ("return_retry_tries", "I", r#"3"#),
    ("random_reauth_delay", "I", r#"10"#),
    ("winrepo_source_dir", "S", r#""salt://win/repo-ng/""#),
    ("winrepo_dir", "S", r#""/srv/salt/win/repo""#),
    ("winrepo_dir_ng", "S", r#""/srv/salt/win/repo-ng""#),
    ("winrepo_cachefile", "S", r#""winrepo.p""#),
    ("winrepo_cache_expire_max", "I", r#"604800"#),
    ("winrepo_cache_expire_min", "I", r#"1800"#),
    (
        "winrepo_remotes",
        "L",
        r#"["https://github.com/saltstack/salt-winrepo.git"]"#,
    ),
    (
        "winrepo_remotes_ng",
        "L",
        r#"["https://github.com/saltstack/salt-winrepo-ng.git"]"#,
    ),
    ("winrepo_branch", "S", r#""master""#),
    ("winrepo_fallback", "S", r#""""#),
    ("winrepo_ssl_verify", "B", r#"true"#),
    ("winrepo_user", "S", r#""""#),
    ("winrepo_password", "S", r#""""#),
    ("winrepo_insecure_auth", "B", r#"false"#),
    ("winrepo_privkey", "S", r#""""#),
    ("winrepo_pubkey", "S", r#""""#),
    ("winrepo_passphrase", "S", r#""""#),
    (
        "winrepo_refspecs",
        "L",
        r#"["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]"#,
    ),
    ("pidfile", "S", r#""/var/run/salt-minion.pid""#),
    ("range_server", "S", r#""range:80""#),
    ("reactor_refresh_interval", "I", r#"60"#),
    ("reactor_worker_threads", "I", r#"10"#),
    ("reactor_worker_hwm", "I", r#"10000"#),
    ("engines", "L", r#"[]"#),
    ("tcp_keepalive", "B", r#"true"#),
    ("tcp_keepalive_idle", "F", r#"300"#),
    ("tcp_keepalive_cnt", "F", r#"-1"#),
    ("tcp_keepalive_intvl", "F", r#"-1"#),
    ("modules_max_memory", "I", r#"-1"#),
    ("grains_refresh_every", "I", r#"0"#),
    ("minion_id_caching", "B", r#"true"#),
    ("minion_id_lowercase", "B", r#"false"#),
    ("minion_id_remove_domain", "SB", r#"false"#),
    ("keysize", "I", r#"2048"#),
    ("transport", "S", r#""zeromq""#),
    ("auth_timeout", "I", r#"5"#),
    ("auth_tries", "I", r#"7"#),
    ("master_tries", "I", r#"1"#),
    ("master_tops_first", "B", r#"false"#),
    ("auth_safemode", "B", r#"false"#),
    ("random_master", "B", r#"false"#),
    ("cluster_mode", "B", r#"false"#),
    ("restart_on_error", "B", r#"false"#),
    ("ping_interval", "I", r#"0"#),
    ("username", "NS", r#"null"#),
    ("password", "NS", r#"null"#),
    ("zmq_filtering", "B", r#"false"#),
    ("zmq_monitor", "B", r#"false"#),
    ("cache_sreqs", "B", r#"true"#),
    ("cmd_safe", "B", r#"true"#),
    ("sudo_user", "S", r#""""#),
    ("http_connect_timeout", "F", r#"20.0"#),
    ("http_request_timeout", "F", r#"3600.0"#),
    ("http_max_body", "I", r#"107374182400"#),
    ("event_match_type", "S", r#""startswith""#),
    ("minion_restart_command", "L", r#"[]"#),
    ("pub_ret", "B", r#"true"#),
    ("proxy_host", "S", r#""""#),
    ("proxy_username", "S", r#""""#),
    ("proxy_password", "S", r#""""#),
    ("proxy_port", "I", r#"0"#),
    ("minion_jid_queue_hwm", "I", r#"100"#),
    ("ssl", "DBN", r#"null"#),
    ("multifunc_ordered", "B", r#"false"#),
    ("beacons_before_connect", "B", r#"false"#),
    ("scheduler_before_connect", "B", r#"false"#),
    ("cache", "S", r#""localfs""#),
    ("salt_cp_chunk_size", "I", r#"65536"#),
    ("extmod_whitelist", "D", r#"{}"#),
    ("extmod_blacklist", "D", r#"{}"#),
    ("minion_sign_messages", "B", r#"false"#),
    ("discovery", "DB", r#"false"#),
    ("schedule", "D", r#"{}"#),
    ("ssh_merge_pillar", "B", r#"true"#),
    ("disabled_requisites", "SL", r#"[]"#),
    ("global_state_conditions", "ND", r#"null"#),
    ("reactor_niceness", "NI", r#"null"#),
    ("fips_mode", "B", r#"false"#),
    ("features", "D", r#"{}"#),
    ("encryption_algorithm", "S", r#""OAEP-SHA1""#),
    ("signing_algorithm", "S", r#""PKCS1v15-SHA1""#),
];
/// Keys Salt validates (`VALID_OPTS`) that have no minion default: key, accepted types.
const TYPED_ONLY: &[(&str, &str)] = &[
    ("master_sign_pubkey", "B"),
    ("master_pubkey_signature", "S"),
    ("master_use_pubkey_signature", "B"),
    ("master_stats", "B"),
    ("master_stats_event_iter", "I"),
    ("key_cache", "S"),
    ("cluster_id", "S"),
    ("cluster_peers", "L"),
    ("cluster_pki_dir", "S"),
    ("cluster_pool_port", "I"),
    ("tcp_master_pub_port", "I"),
    ("tcp_master_pull_port", "I"),
    ("tcp_master_publish_pull", "I"),
    ("tcp_master_workers", "I"),
    ("show_timeout", "B"),
    ("show_jid", "B"),
    ("state_output_pct", "B"),
    ("state_compress_ids", "B"),
    ("key_pass", "NS"),
    ("cluster_key_pass", "NS"),
    ("signing_key_pass", "NS"),
    ("event_return", "LS"),
    ("event_return_queue", "I"),
    ("event_return_queue_max_seconds", "I"),
    ("event_return_whitelist", "L"),
    ("event_return_blacklist", "L"),
    ("publish_port", "I"),
    ("auth_mode", "I"),
    ("zmq_backlog", "I"),
    ("pub_hwm", "I"),
    ("req_server_niceness", "NI"),
    ("pub_server_niceness", "NI"),
    ("fileserver_update_niceness", "NI"),
    ("maintenance_niceness", "NI"),
    ("mworker_niceness", "NI"),
    ("mworker_queue_niceness", "NI"),
    ("event_return_niceness", "NI"),
    ("event_publisher_niceness", "NI"),
    ("worker_threads", "I"),
    ("ret_port", "I"),
    ("keep_jobs", "I"),
    ("keep_jobs_seconds", "I"),
    ("archive_jobs", "B"),
    ("master_roots", "D"),
    ("add_proxymodule_to_opts", "B"),
    ("proxy_merge_pillar_in_opts", "B"),
    ("proxy_deep_merge_pillar_in_opts", "B"),
    ("proxy_merge_pillar_in_opts_strategy", "S"),
    ("proxy_mines_pillar", "B"),
    ("proxy_always_alive", "B"),
    ("proxy_keep_alive", "B"),
    ("proxy_keep_alive_interval", "I"),
    ("git_pillar_verify_config", "B"),
    ("hgfs_remotes", "L"),
    ("hgfs_mountpoint", "S"),
    ("hgfs_root", "S"),
    ("hgfs_base", "S"),
    ("hgfs_branch_method", "S"),
    ("hgfs_saltenv_whitelist", "L"),
    ("hgfs_saltenv_blacklist", "L"),
    ("svnfs_remotes", "L"),
    ("svnfs_mountpoint", "S"),
    ("svnfs_root", "S"),
    ("svnfs_trunk", "S"),
    ("svnfs_branches", "S"),
    ("svnfs_tags", "S"),
    ("svnfs_saltenv_whitelist", "L"),
    ("svnfs_saltenv_blacklist", "L"),
    ("minionfs_env", "S"),
    ("minionfs_mountpoint", "S"),
    ("minionfs_whitelist", "L"),
    ("minionfs_blacklist", "L"),
    ("ext_pillar", "L"),
    ("pillar_version", "I"),
    ("pillar_safe_render_error", "B"),
    ("ping_on_rotate", "B"),
    ("peer", "D"),
    ("preserve_minion_cache", "B"),
    ("syndic_master", "SL"),
    ("syndic_failover", "S"),
    ("syndic_forward_all_events", "B"),
    ("runner_dirs", "L"),
    ("client_acl_verify", "B"),
    ("sudo_acl", "B"),
    ("external_auth", "D"),
    ("token_expire", "I"),
    ("token_expire_user_override", "BD"),
    ("fileserver_verify_config", "B"),
    ("permissive_acl", "B"),
    ("keep_acl_in_token", "B"),
    ("eauth_acl_module", "S"),
    ("eauth_tokens", "S"),
    ("max_open_files", "I"),
    ("master_tops", "D"),
    ("order_masters", "B"),
    ("job_cache", "B"),
    ("master_job_cache", "S"),
    ("job_cache_store_endtime", "B"),
    ("minion_data_cache", "B"),
    ("publish_session", "I"),
    ("reactor", "L"),
    ("runner_returns", "B"),
    ("serial", "S"),
    ("search", "S"),
    ("nodegroups", "DL"),
    ("ssh_list_nodegroups", "D"),
    ("ssh_use_home_key", "B"),
    ("key_logfile", "S"),
    ("grains_refresh_pre_exec", "B"),
    ("enable_lspci", "B"),
    ("syndic_wait", "I"),
    ("jinja_env", "D"),
    ("jinja_sls_env", "D"),
    ("jinja_lstrip_blocks", "B"),
    ("jinja_trim_blocks", "B"),
    ("gather_job_timeout", "I"),
    ("syndic_event_forward_timeout", "F"),
    ("syndic_jid_forward_cache_hwm", "I"),
    ("ssh_passwd", "S"),
    ("ssh_port", "S"),
    ("ssh_sudo", "B"),
    ("ssh_sudo_user", "S"),
    ("ssh_timeout", "F"),
    ("ssh_user", "S"),
    ("ssh_scan_ports", "S"),
    ("ssh_scan_timeout", "F"),
    ("ssh_identities_only", "B"),
    ("ssh_log_file", "S"),
    ("ssh_config_file", "S"),
    ("ssh_run_pre_flight", "B"),
    ("sqlite_queue_dir", "S"),
    ("queue_dirs", "L"),
    ("cli_summary", "B"),
    ("max_minions", "I"),
    ("con_cache", "B"),
    ("rotate_aes_key", "B"),
    ("rest_timeout", "I"),
    ("bootstrap_delay", "I"),
    ("proxy_merge_grains_in_module", "B"),
    ("no_proxy", "L"),
    ("memcache_expire_seconds", "I"),
    ("memcache_max_items", "I"),
    ("memcache_full_cleanup", "B"),
    ("memcache_debug", "B"),
    ("thin_extra_mods", "S"),
    ("min_extra_mods", "S"),
    ("return", "SL"),
    ("django_auth_path", "S"),
    ("django_auth_settings", "S"),
    ("allow_minion_key_revoke", "B"),
    ("drop_messages_signature_fail", "B"),
    ("require_minion_sign_messages", "B"),
    ("pass_to_ext_pillars", "SL"),
    ("auth_events", "B"),
    ("minion_data_cache_events", "B"),
    ("enable_ssh_minions", "B"),
    ("netapi_allow_raw_shell", "B"),
    ("netapi_enable_clients", "L"),
    ("detect_remote_minions", "B"),
    ("remote_minions_port", "I"),
    ("pass_variable_prefix", "S"),
    ("pass_strict_fetch", "B"),
    ("pass_gnupghome", "S"),
    ("pass_dir", "S"),
    ("maintenance_interval", "I"),
    ("fileserver_interval", "I"),
    ("publish_signing_algorithm", "S"),
    ("request_server_ttl", "I"),
    ("request_server_aes_session", "I"),
];

/// Salt's `server_id` grain for a minion id: `abs(int(sha256(id)) % 2**31)`.
pub fn server_id(id: &str) -> i64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(id.as_bytes());
    let tail = [digest[28], digest[29], digest[30], digest[31]];
    i64::from(u32::from_be_bytes(tail) & 0x7fff_ffff)
}
