//! `config.*` execution functions (salt/modules/config.py): option lookup through opts,
//! grains, pillar, `pillar['master']` and Salt's built-in defaults.

use super::grains::traverse_dict;
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, DictKind, Value};
use rsalt_sls::CallError;

/// Registers the `config.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "config.get",
        get,
        "Attempt to retrieve the named value from the minion config file, pillar,\ngrains or the master config. If the named value is not available, return the\nvalue specified by the ``default`` argument. If this argument is not\nspecified, ``default`` falls back to an empty string.\n\nValues can also be retrieved from nested dictionaries. Assume the below\ndata structure:\n\n    {'pkg': {'apache': 'httpd'}}\n\nTo retrieve the value associated with the ``apache`` key, in the\nsub-dictionary corresponding to the ``pkg`` key, the following command can\nbe used:\n\n    salt myminion config.get pkg:apache\n",
    );
    r.add_doc(
        "config.option",
        option,
        "Returns the setting for the specified config value. The priority for\nmatches is the same as in :py:func:`config.get <salt.modules.config.get>`,\nonly this function does not recurse into nested data structures.\n",
    );
    r.add_doc(
        "config.merge",
        merge,
        "Retrieves an option based on key, merging all matches.\n",
    );
    r.add_doc(
        "config.items",
        items,
        "Return the complete config from the currently running minion process.\nThis includes defaults for values not set in the config file.\n",
    );
    r.add_doc(
        "config.dot_vals",
        dot_vals,
        "Pass in a configuration value that should be preceded by the module name\nand a dot, this will return a list of all read key/value pairs\n",
    );
    r.add_doc(
        "config.valid_fileproto",
        valid_fileproto,
        "Returns a boolean value based on whether or not the URI passed has a valid\nremote file protocol designation\n",
    );
}

/// Salt's `config.DEFAULTS` (the part that matters outside specific cloud modules).
pub fn defaults() -> Dict {
    let mut d = Dict::new();
    let s = |x: &str| Value::from(x);
    d.insert("mongo.db", s("salt"));
    d.insert("mongo.password", s(""));
    d.insert("mongo.port", Value::Int(27017));
    d.insert("mongo.user", s(""));
    d.insert("redis.db", s("0"));
    d.insert("redis.host", s("salt"));
    d.insert("redis.port", Value::Int(6379));
    d.insert("test.foo", s("unconfigured"));
    d.insert("ca.cert_base_path", s("/etc/pki"));
    d.insert("solr.cores", Value::List(Vec::new()));
    d.insert("solr.host", s("localhost"));
    d.insert("solr.port", s("8983"));
    d.insert("solr.baseurl", s("/solr"));
    d.insert("solr.type", s("master"));
    d.insert("solr.request_timeout", Value::None);
    d.insert("solr.init_script", s("/etc/rc.d/solr"));
    let mut dih = Dict::new();
    dih.insert("clean", Value::Bool(false));
    dih.insert("optimize", Value::Bool(true));
    dih.insert("commit", Value::Bool(true));
    dih.insert("verbose", Value::Bool(false));
    d.insert("solr.dih.import_options", Value::Dict(dih));
    d.insert("solr.backup_path", Value::None);
    d.insert("solr.num_backups", Value::Int(1));
    d.insert("poudriere.config", s("/usr/local/etc/poudriere.conf"));
    d.insert("poudriere.config_dir", s("/usr/local/etc/poudriere.d"));
    d.insert("ldap.uri", s(""));
    d.insert("ldap.server", s("localhost"));
    d.insert("ldap.port", s("389"));
    d.insert("ldap.tls", Value::Bool(false));
    d.insert("ldap.no_verify", Value::Bool(false));
    d.insert("ldap.anonymous", Value::Bool(true));
    d.insert("ldap.scope", Value::Int(2));
    d.insert("ldap.attrs", Value::None);
    d.insert("ldap.binddn", s(""));
    d.insert("ldap.bindpw", s(""));
    d.insert("hosts.file", s("/etc/hosts"));
    d.insert("aliases.file", s("/etc/aliases"));
    let mut virt = Dict::new();
    virt.insert("tunnel", Value::Bool(false));
    virt.insert("images", s("/srv/salt-images"));
    d.insert("virt", Value::Dict(virt));
    d.insert("docker.exec_driver", s("docker-exec"));
    let mut net = Dict::new();
    net.insert(
        "static",
        Value::List(vec![s("Aliases"), s("Links"), s("IPAMConfig")]),
    );
    net.insert(
        "automatic",
        Value::List(vec![
            s("IPAddress"),
            s("Gateway"),
            s("GlobalIPv6Address"),
            s("IPv6Gateway"),
        ]),
    );
    d.insert("docker.compare_container_networks", Value::Dict(net));
    d
}

fn master_of(pillar: &Dict) -> Dict {
    pillar
        .get("master")
        .and_then(Value::as_dict)
        .cloned()
        .unwrap_or_default()
}

/// `config.get(key, default='', delimiter=':', merge=None, omit_opts=False,
/// omit_pillar=False, omit_master=False, omit_grains=False)`: the first hit in opts,
/// grains, pillar, `pillar['master']`, then Salt's defaults.
pub fn get(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "get",
        params: &[
            "key",
            "default",
            "delimiter",
            "merge",
            "omit_opts",
            "omit_pillar",
            "omit_master",
            "omit_grains",
        ],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let key = b.get("key").map(Value::to_py_str).unwrap_or_default();
    let default = b.get("default").cloned().unwrap_or_else(|| Value::from(""));
    let delim = b.str("delimiter").unwrap_or_else(|| ":".into());
    let pillar = ctx.pillar();
    let master = master_of(&pillar);
    match b.str("merge") {
        None => {
            let sources: [(bool, &Dict); 4] = [
                (b.truthy("omit_opts", false), &ctx.opts),
                (b.truthy("omit_grains", false), &ctx.grains),
                (b.truthy("omit_pillar", false), &pillar),
                (b.truthy("omit_master", false), &master),
            ];
            for (omit, src) in sources {
                if !omit {
                    if let Some(v) = traverse_dict(src, &key, &delim) {
                        return Ok(v.clone());
                    }
                }
            }
            Ok(traverse_dict(&defaults(), &key, &delim)
                .cloned()
                .unwrap_or(default))
        }
        Some(strategy) => {
            let strategy = if strategy == "recurse" || strategy == "overwrite" {
                strategy
            } else {
                tracing::warn!(
                    "Unsupported merge strategy '{strategy}'. Falling back to 'recurse'."
                );
                "recurse".to_string()
            };
            let mut data = defaults();
            for src in [&master, &pillar, &*ctx.grains, &*ctx.opts] {
                data = super::slsutil::merge(&data, src, &strategy, "yaml", false).0;
            }
            Ok(traverse_dict(&data, &key, &delim)
                .cloned()
                .unwrap_or(default))
        }
    }
}

/// `config.option(value, default=None, omit_opts=False, omit_grains=False,
/// omit_pillar=False, omit_master=False, omit_all=False, wildcard=False)`: like `get`
/// without nesting.
pub fn option(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "option",
        params: &[
            "value",
            "default",
            "omit_opts",
            "omit_grains",
            "omit_pillar",
            "omit_master",
            "omit_all",
            "wildcard",
        ],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let value = b.get("value").map(Value::to_py_str).unwrap_or_default();
    let all = b.truthy("omit_all", false);
    let omit = |k: &str| all || b.truthy(k, false);
    let wildcard = b.truthy("wildcard", false);
    let default = match b.get("default") {
        Some(Value::None) | None => {
            if wildcard {
                Value::dict()
            } else {
                Value::from("")
            }
        }
        Some(v) => v.clone(),
    };
    let pillar = ctx.pillar();
    let master = master_of(&pillar);
    let defs = defaults();
    if !wildcard {
        let sources: [(bool, &Dict); 4] = [
            (omit("omit_opts"), &ctx.opts),
            (omit("omit_grains"), &ctx.grains),
            (omit("omit_pillar"), &pillar),
            (omit("omit_master"), &master),
        ];
        for (o, src) in sources {
            if !o {
                if let Some(v) = src.get(&value) {
                    return Ok(v.clone());
                }
            }
        }
        return Ok(defs.get(&value).cloned().unwrap_or(default));
    }
    let mut ret = Dict::new();
    let sources: [(bool, &Dict); 4] = [
        (omit("omit_master"), &master),
        (omit("omit_pillar"), &pillar),
        (omit("omit_grains"), &ctx.grains),
        (omit("omit_opts"), &ctx.opts),
    ];
    for (o, src) in sources {
        if !o {
            for (k, v) in src.iter() {
                if rsalt_sls::fnmatch::fnmatch(&k.to_string(), &value) {
                    ret.insert(k.clone(), v.clone());
                }
            }
        }
    }
    for (k, v) in defs.iter() {
        if rsalt_sls::fnmatch::fnmatch(&k.to_string(), &value) && !ret.map.contains_key(k) {
            ret.insert(k.clone(), v.clone());
        }
    }
    Ok(if ret.is_empty() {
        default
    } else {
        Value::Dict(ret)
    })
}

/// `config.merge(value, default='', omit_opts=False, omit_master=False, omit_pillar=False)`.
pub fn merge(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "merge",
        params: &[
            "value",
            "default",
            "omit_opts",
            "omit_master",
            "omit_pillar",
        ],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let value = b.get("value").map(Value::to_py_str).unwrap_or_default();
    let default = b.get("default").cloned().unwrap_or_else(|| Value::from(""));
    let pillar = ctx.pillar();
    let master = master_of(&pillar);
    let mut ret: Option<Value> = None;
    if !b.truthy("omit_opts", false) {
        if let Some(v) = ctx.opts.get(&value) {
            if v.as_str().is_some() {
                return Ok(v.clone());
            }
            ret = Some(v.clone());
        }
    }
    for (omit, src) in [
        (b.truthy("omit_master", false), &master),
        (b.truthy("omit_pillar", false), &pillar),
    ] {
        if omit {
            continue;
        }
        let Some(tmp) = src.get(&value) else { continue };
        ret = match ret {
            None => {
                if tmp.as_str().is_some() {
                    return Ok(tmp.clone());
                }
                Some(tmp.clone())
            }
            Some(Value::Dict(r)) => match tmp {
                Value::Dict(t) => {
                    let mut t = t.clone();
                    for (k, v) in r.iter() {
                        t.insert(k.clone(), v.clone());
                    }
                    Some(Value::Dict(t))
                }
                _ => Some(Value::Dict(r)),
            },
            Some(Value::List(r)) => match tmp {
                Value::List(t) => {
                    let mut r = r;
                    r.extend(t.iter().cloned());
                    Some(Value::List(r))
                }
                _ => Some(Value::List(r)),
            },
            other => other,
        };
    }
    match ret {
        Some(v) => Ok(v),
        None => Ok(defaults().get(&value).cloned().unwrap_or(default)),
    }
}

/// `config.items()`: the minion options.
pub fn items(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&Sig {
        name: "items",
        params: &[],
        required: 0,
        varargs: false,
        varkw: false,
    })?;
    let mut o = (*ctx.opts).clone();
    o.kind = DictKind::Plain;
    Ok(Value::Dict(o))
}

/// `config.dot_vals(value)`: options (and `pillar['master']` keys) named `value.*`.
pub fn dot_vals(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "dot_vals",
        params: &["value"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let prefix = format!(
        "{}.",
        b.get("value").map(Value::to_py_str).unwrap_or_default()
    );
    let master = master_of(&ctx.pillar());
    let mut ret = Dict::new();
    for src in [&master, &*ctx.opts] {
        for (k, v) in src.iter() {
            if k.as_str().is_some_and(|s| s.starts_with(&prefix)) {
                ret.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::Dict(ret))
}

/// `config.valid_fileproto(uri)`.
pub fn valid_fileproto(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "valid_fileproto",
        params: &["uri"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let uri = b.str("uri").unwrap_or_default();
    let scheme = uri.split_once("://").map(|(s, _)| s).unwrap_or("");
    Ok(Value::Bool(matches!(
        scheme,
        "salt" | "file" | "http" | "https" | "ftp" | "s3" | "swift" | "hdfs"
    )))
}
