//! `service.*` execution functions: systemd when it is PID 1 (Salt's
//! `systemd_service`, `/run/systemd/system` present), otherwise the distribution's init
//! scripts: `service NAME ACTION` plus `update-rc.d`/`insserv` and the runlevel's
//! `/etc/rcN.d/S*` links on Debian (Salt's `debian_service`), `chkconfig` on RedHat
//! (`rh_service`).

use super::pkg::run;
use super::{Args, ExecRegistry};
use crate::RunContext;
use rsalt_data::Value;
use rsalt_sls::CallError;
use std::collections::BTreeSet;
use std::path::Path;

/// Registers the `service.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc("service.start", start_fn, "Start the specified service\n");
    r.add_doc("service.stop", stop_fn, "Stop the specified service\n");
    r.add_doc("service.restart", restart_fn, "Restart the named service\n");
    r.add_doc("service.reload", reload_fn, "Reload the named service\n");
    r.add_doc(
        "service.force_reload",
        force_reload_fn,
        "Force-reload the named service\n",
    );
    r.add_doc("service.status", status_fn, "Return the status for a service.\nIf the name contains globbing, a dict mapping service name to True/False\nvalues is returned.\n");
    r.add_doc(
        "service.enable",
        enable_fn,
        "Enable the named service to start at boot\n",
    );
    r.add_doc(
        "service.disable",
        disable_fn,
        "Disable the named service to start at boot\n",
    );
    r.add_doc(
        "service.enabled",
        enabled_fn,
        "Return True if the named service is enabled, false otherwise\n",
    );
    r.add_doc(
        "service.disabled",
        disabled_fn,
        "Return True if the named service is disabled, false otherwise\n",
    );
    r.add_doc(
        "service.available",
        available_fn,
        "Returns ``True`` if the specified service is available, otherwise returns\n``False``.\n",
    );
    r.add_doc(
        "service.missing",
        missing_fn,
        "The inverse of service.available.\n",
    );
    r.add_doc(
        "service.get_all",
        get_all_fn,
        "Return all available boot services\n",
    );
    r.add_doc(
        "service.get_enabled",
        get_enabled_fn,
        "Return a list of service that are enabled on boot\n",
    );
    r.add_doc(
        "service.get_disabled",
        get_disabled_fn,
        "Return a set of services that are installed but disabled\n",
    );
}

/// How services are managed on this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// systemd is PID 1: systemctl.
    Systemd,
    /// Debian init scripts: `service`, `update-rc.d`, `/etc/rcN.d`.
    Debian,
    /// RedHat init scripts: `service`, `chkconfig`.
    RedHat,
}

fn failed(msg: impl Into<String>) -> CallError {
    CallError::Failed(msg.into())
}

impl Backend {
    /// systemd when booted with it (`/run/systemd/system`), else by `os_family`.
    pub fn detect(ctx: &RunContext) -> Backend {
        if Path::new("/run/systemd/system").is_dir() {
            return Backend::Systemd;
        }
        match ctx.grains.get("os_family").and_then(Value::as_str) {
            Some("RedHat") | Some("Suse") => Backend::RedHat,
            _ => Backend::Debian,
        }
    }

    fn ok(ctx: &RunContext, argv: &[&str]) -> Result<bool, CallError> {
        Ok(run(ctx, argv)?.retcode == 0)
    }

    /// Like [`Backend::ok`] with stdio on /dev/null: a daemon started by an init script
    /// may keep inherited pipes open, and reading them to EOF would never return.
    fn ok_detached(ctx: &RunContext, argv: &[&str]) -> Result<bool, CallError> {
        let mut v = vec!["sh", "-c", "exec \"$@\" </dev/null >/dev/null 2>&1", "sh"];
        v.extend_from_slice(argv);
        Self::ok(ctx, &v)
    }

    /// Runs an action (`start`, `stop`, `restart`, `reload`, `force-reload`); true on
    /// success.
    pub fn action(&self, ctx: &RunContext, name: &str, action: &str) -> Result<bool, CallError> {
        match self {
            Backend::Systemd => {
                let verb = if action == "force-reload" {
                    "reload-or-restart"
                } else {
                    action
                };
                Self::ok(ctx, &["systemctl", verb, &unit(name)])
            }
            _ => Self::ok_detached(ctx, &["service", name, action]),
        }
    }

    /// `service.status` (or a process matching `sig` when given).
    pub fn status(
        &self,
        ctx: &RunContext,
        name: &str,
        sig: Option<&str>,
    ) -> Result<bool, CallError> {
        if let Some(sig) = sig.filter(|s| !s.is_empty()) {
            return Self::ok(ctx, &["pgrep", "-f", sig]);
        }
        match self {
            Backend::Systemd => Self::ok(ctx, &["systemctl", "is-active", "--quiet", &unit(name)]),
            _ => Self::ok(ctx, &["service", name, "status"]),
        }
    }

    /// The runlevel whose links decide "enabled" (Debian: `runlevel`, "2" when unknown).
    fn runlevel(ctx: &RunContext) -> String {
        match run(ctx, &["runlevel"]) {
            Ok(o) if !o.stdout.contains("unknown") && o.retcode == 0 => o
                .stdout
                .split_whitespace()
                .nth(1)
                .unwrap_or("2")
                .to_string(),
            _ => "2".into(),
        }
    }

    /// Services enabled at boot.
    pub fn get_enabled(&self, ctx: &RunContext) -> Result<Vec<String>, CallError> {
        match self {
            Backend::Systemd => {
                let o = run(
                    ctx,
                    &[
                        "systemctl",
                        "list-unit-files",
                        "--type=service",
                        "--state=enabled",
                        "--no-legend",
                        "--no-pager",
                    ],
                )?;
                Ok(o.stdout
                    .lines()
                    .filter_map(|l| l.split_whitespace().next())
                    .map(|u| u.trim_end_matches(".service").to_string())
                    .collect())
            }
            Backend::Debian => {
                let rl = Self::runlevel(ctx);
                let mut set = BTreeSet::new();
                for dir in [format!("/etc/rc{rl}.d"), "/etc/rcS.d".to_string()] {
                    let Ok(rd) = std::fs::read_dir(&dir) else {
                        continue;
                    };
                    for e in rd.flatten() {
                        let f = e.file_name().to_string_lossy().into_owned();
                        if let Some(rest) = f.strip_prefix('S') {
                            // re.split(r"\d+", line)[-1]
                            let svc = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                            set.insert(svc.to_string());
                        }
                    }
                }
                Ok(set.into_iter().collect())
            }
            Backend::RedHat => {
                let o = run(ctx, &["chkconfig", "--list"])?;
                let rl = Self::runlevel(ctx);
                Ok(o.stdout
                    .lines()
                    .filter(|l| l.contains(&format!("{rl}:on")))
                    .filter_map(|l| l.split_whitespace().next())
                    .map(String::from)
                    .collect())
            }
        }
    }

    /// All services.
    pub fn get_all(&self, ctx: &RunContext) -> Result<Vec<String>, CallError> {
        let mut set: BTreeSet<String> = BTreeSet::new();
        match self {
            Backend::Systemd => {
                let o = run(
                    ctx,
                    &[
                        "systemctl",
                        "list-unit-files",
                        "--type=service",
                        "--no-legend",
                        "--no-pager",
                    ],
                )?;
                for l in o.stdout.lines() {
                    if let Some(u) = l.split_whitespace().next() {
                        set.insert(u.trim_end_matches(".service").to_string());
                    }
                }
                let o = run(
                    ctx,
                    &[
                        "systemctl",
                        "list-units",
                        "--type=service",
                        "--all",
                        "--no-legend",
                        "--no-pager",
                        "--plain",
                    ],
                )?;
                for l in o.stdout.lines() {
                    if let Some(u) = l.split_whitespace().next() {
                        set.insert(u.trim_end_matches(".service").to_string());
                    }
                }
            }
            _ => {
                if let Ok(rd) = std::fs::read_dir("/etc/init.d") {
                    for e in rd.flatten() {
                        let f = e.file_name().to_string_lossy().into_owned();
                        if f != "README" {
                            set.insert(f);
                        }
                    }
                }
                set.extend(self.get_enabled(ctx)?);
            }
        }
        Ok(set.into_iter().collect())
    }

    /// Whether the service exists.
    pub fn available(&self, ctx: &RunContext, name: &str) -> Result<bool, CallError> {
        match self {
            Backend::Systemd => {
                let o = run(
                    ctx,
                    &[
                        "systemctl",
                        "show",
                        "--property=LoadState",
                        "--value",
                        &unit(name),
                    ],
                )?;
                Ok(o.stdout.trim() == "loaded")
            }
            _ => Ok(self.get_all(ctx)?.iter().any(|s| s == name)),
        }
    }

    /// Whether it starts at boot.
    pub fn enabled(&self, ctx: &RunContext, name: &str) -> Result<bool, CallError> {
        match self {
            Backend::Systemd => {
                let o = run(ctx, &["systemctl", "is-enabled", &unit(name)])?;
                Ok(o.retcode == 0
                    && matches!(
                        o.stdout.trim(),
                        "enabled"
                            | "enabled-runtime"
                            | "alias"
                            | "static"
                            | "indirect"
                            | "generated"
                    ))
            }
            _ => Ok(self.get_enabled(ctx)?.iter().any(|s| s == name)),
        }
    }

    /// Whether it is installed but not enabled.
    pub fn disabled(&self, ctx: &RunContext, name: &str) -> Result<bool, CallError> {
        match self {
            Backend::Systemd => Ok(!self.enabled(ctx, name)?),
            _ => {
                let en = self.get_enabled(ctx)?;
                Ok(self.get_all(ctx)?.iter().any(|s| s == name) && !en.iter().any(|s| s == name))
            }
        }
    }

    /// Enables (true) or disables (false) the service at boot; true on success.
    pub fn set_enabled(&self, ctx: &RunContext, name: &str, on: bool) -> Result<bool, CallError> {
        match self {
            Backend::Systemd => Self::ok(
                ctx,
                &[
                    "systemctl",
                    if on { "enable" } else { "disable" },
                    &unit(name),
                ],
            ),
            Backend::Debian => {
                if on {
                    // Salt: `insserv NAME && update-rc.d NAME enable`.
                    if !Self::ok(ctx, &["insserv", name])? {
                        return Ok(false);
                    }
                    Self::ok(ctx, &["update-rc.d", name, "enable"])
                } else {
                    Self::ok(ctx, &["update-rc.d", name, "disable"])
                }
            }
            Backend::RedHat => Self::ok(ctx, &["chkconfig", name, if on { "on" } else { "off" }]),
        }
    }
}

fn unit(name: &str) -> String {
    if name.contains('.') && !name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.service")
    }
}

fn name_arg(a: &Args, fun: &str) -> Result<String, CallError> {
    Ok(a.require(fun, 0, "name")?.to_py_str())
}

fn act(ctx: &RunContext, a: &Args, fun: &str, action: &str) -> Result<Value, CallError> {
    let n = name_arg(a, fun)?;
    Ok(Value::Bool(Backend::detect(ctx).action(ctx, &n, action)?))
}

fn start_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    act(ctx, a, "start", "start")
}
fn stop_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    act(ctx, a, "stop", "stop")
}
fn restart_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    act(ctx, a, "restart", "restart")
}
fn reload_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    act(ctx, a, "reload_", "reload")
}
fn force_reload_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    act(ctx, a, "force_reload", "force-reload")
}

fn status_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let n = name_arg(a, "status")?;
    let sig = a.str(1, "sig");
    let b = Backend::detect(ctx);
    if n.contains(['*', '?', '[']) {
        let re = regex::Regex::new(&format!(
            "^{}$",
            regex::escape(&n).replace("\\*", ".*").replace("\\?", ".")
        ))
        .map_err(|e| failed(e.to_string()))?;
        let mut d = rsalt_data::Dict::new();
        for s in b.get_all(ctx)?.into_iter().filter(|s| re.is_match(s)) {
            let st = b.status(ctx, &s, None)?;
            d.insert(s, Value::Bool(st));
        }
        return Ok(Value::Dict(d));
    }
    Ok(Value::Bool(b.status(ctx, &n, sig.as_deref())?))
}

fn enable_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let n = name_arg(a, "enable")?;
    Ok(Value::Bool(
        Backend::detect(ctx).set_enabled(ctx, &n, true)?,
    ))
}
fn disable_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let n = name_arg(a, "disable")?;
    Ok(Value::Bool(
        Backend::detect(ctx).set_enabled(ctx, &n, false)?,
    ))
}
fn enabled_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let n = name_arg(a, "enabled")?;
    Ok(Value::Bool(Backend::detect(ctx).enabled(ctx, &n)?))
}
fn disabled_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let n = name_arg(a, "disabled")?;
    Ok(Value::Bool(Backend::detect(ctx).disabled(ctx, &n)?))
}
fn available_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let n = name_arg(a, "available")?;
    Ok(Value::Bool(Backend::detect(ctx).available(ctx, &n)?))
}
fn missing_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let n = name_arg(a, "missing")?;
    Ok(Value::Bool(!Backend::detect(ctx).available(ctx, &n)?))
}
fn list_value(v: Vec<String>) -> Value {
    Value::List(v.into_iter().map(Value::from).collect())
}
fn get_all_fn(ctx: &RunContext, _a: &Args) -> Result<Value, CallError> {
    Ok(list_value(Backend::detect(ctx).get_all(ctx)?))
}
fn get_enabled_fn(ctx: &RunContext, _a: &Args) -> Result<Value, CallError> {
    Ok(list_value(Backend::detect(ctx).get_enabled(ctx)?))
}
fn get_disabled_fn(ctx: &RunContext, _a: &Args) -> Result<Value, CallError> {
    let b = Backend::detect(ctx);
    let en: BTreeSet<String> = b.get_enabled(ctx)?.into_iter().collect();
    Ok(list_value(
        b.get_all(ctx)?
            .into_iter()
            .filter(|s| !en.contains(s))
            .collect(),
    ))
}
