//! Grains: static facts about the minion, as Salt 3007.8's core grains report them.
//!
//! [`core_grains`] reads the running system through files only (`/proc`, `/sys`,
//! `/etc/os-release`, `/etc/hosts`, ...): no commands are run and no DNS query is made,
//! so loading grains takes about a millisecond. [`load_grains`] adds the `grains` file of
//! the configuration directory and the `grains:` option on top, in Salt's order.
//!
//! Grains are inserted in the order Salt's loader produces them (core grain functions by
//! name, then the other grain modules), so the `json` outputter prints them alike.
//!
//! Layout: [`os`] (kernel, distribution, init, locale, user), [`net`] (host names,
//! interfaces, DNS, gateways), [`hw`] (CPU, memory, disks, GPUs), [`virt`] (the `virtual`
//! grain).
//!
//! Differences from Salt: Python grains (`pythonversion`, `pythonpath`, `saltpath`,
//! `zmqversion`, ...) and `systemd`, `selinux`, `package`, `zfs_*` are not provided;
//! `saltversion` is `3007.8` (the Salt version rsalt behaves as); `fqdn`, `fqdn_ip4/6` and
//! `fqdns` are resolved through `/etc/hosts` only.

pub mod hw;
pub mod net;
pub mod os;
pub mod virt;

use rsalt_data::{Dict, Value};
use rsalt_sls::opts::{dict_update, parse_yaml, OptsExt};
use std::path::Path;

/// The Salt version rsalt reports in `saltversion`/`saltversioninfo`.
pub const SALT_VERSION: (i64, i64) = (3007, 8);

/// An error while loading grains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrainsError {
    /// The `grains` option of the configuration is not a dict (the Python type found).
    BadOption(&'static str),
}

impl std::fmt::Display for GrainsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GrainsError::BadOption(t) => write!(f, "the 'grains' option must be a dict, not {t}"),
        }
    }
}

impl std::error::Error for GrainsError {}

/// Sets `key` in `d`.
pub(crate) fn set(d: &mut Dict, key: &str, v: impl Into<Value>) {
    d.insert(key, v.into());
}

/// A list of strings as a [`Value`].
pub(crate) fn str_list<S: AsRef<str>>(items: &[S]) -> Value {
    Value::List(items.iter().map(|s| Value::from(s.as_ref())).collect())
}

/// The core grains of this machine (see the module docs). `opts` supplies `id`,
/// `master` and `enable_fqdns_grains`.
pub fn core_grains(opts: &Dict) -> Dict {
    let mut g = Dict::new();
    let cwd = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    set(&mut g, "cwd", cwd);
    net::default_gateway(&mut g);
    net::dns(&mut g);
    let fqdns_enabled = opts.opt_bool("enable_fqdns_grains", false);
    let ifaces = net::interfaces();
    let hosts = rsalt_sls::opts::hosts_file();
    net::fqdns(&mut g, fqdns_enabled, &ifaces, &hosts);
    os::machine_id(&mut g);
    set(&mut g, "master", opts.opt_str("master").unwrap_or_default());
    let id = opts.opt_str("id").unwrap_or_default();
    set(
        &mut g,
        "server_id",
        Value::Int(rsalt_sls::opts::server_id(&id)),
    );
    let fqdn = net::hostname_grains(&mut g, &hosts);
    net::hwaddr_interfaces(&mut g, &ifaces);
    set(&mut g, "id", id);
    net::ip_grains(&mut g, &ifaces, &fqdn, &hosts, fqdns_enabled);
    os::kernelparams(&mut g);
    os::locale_info(&mut g);
    // os_data()
    set(&mut g, "num_gpus", Value::Int(0));
    set(&mut g, "gpus", Value::List(Vec::new()));
    os::uname(&mut g);
    set(&mut g, "init", os::init_system());
    os::distribution(&mut g);
    hw::cpudata(&mut g);
    hw::gpudata(&mut g);
    let os_family = g.opt_str("os_family").unwrap_or_default();
    let cpuarch = g.opt_str("cpuarch").unwrap_or_default();
    set(&mut g, "osarch", os::osarch(&os_family, &cpuarch));
    hw::memdata(&mut g);
    virt::virtual_grains(&mut g);
    set(&mut g, "ps", "ps -efHww");
    os::osrelease_data(&mut g);
    // the other core functions
    os::path(&mut g);
    set(
        &mut g,
        "saltversion",
        format!("{}.{}", SALT_VERSION.0, SALT_VERSION.1),
    );
    set(
        &mut g,
        "saltversioninfo",
        Value::List(vec![Value::Int(SALT_VERSION.0), Value::Int(SALT_VERSION.1)]),
    );
    // other grain modules: disks, extra, minion_process
    hw::disks(&mut g);
    os::extra(&mut g);
    os::process(&mut g);
    g
}

/// All grains: [`core_grains`], then the YAML file `DIR/grains` (Salt's `extra.config`
/// grain module), then the `grains` option of `opts`, each overriding the previous (the
/// option wins, as `salt.loader.grains` applies it last). A `grains` file that is not a
/// mapping or does not parse is skipped with a warning, as Salt does. With
/// `grains_deep_merge: True` the layers are merged recursively.
pub fn load_grains(opts: &Dict, config_dir: &Path) -> Result<Dict, GrainsError> {
    let deep = matches!(opts.get("grains_deep_merge"), Some(Value::Bool(true)));
    let mut g = core_grains(opts);
    let file = config_dir.join("grains");
    if let Ok(text) = std::fs::read_to_string(&file) {
        tracing::debug!("Loading static grains from {}", file.display());
        match parse_yaml(&text) {
            Ok(Value::Dict(d)) => merge(&mut g, d, deep),
            Ok(_) => {}
            Err(e) => tracing::warn!("Bad syntax in grains file! Skipping. ({e})"),
        }
    }
    match opts.get("grains") {
        None | Some(Value::None) => {}
        Some(Value::Dict(d)) => merge(&mut g, d.clone(), deep),
        Some(other) => return Err(GrainsError::BadOption(other.type_name())),
    }
    Ok(g)
}

fn merge(g: &mut Dict, upd: Dict, deep: bool) {
    if deep {
        dict_update(g, upd, false);
    } else {
        for (k, v) in upd.map {
            g.map.insert(k, v);
        }
    }
}
