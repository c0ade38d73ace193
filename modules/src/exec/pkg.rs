//! `pkg.*` execution functions (Salt's `salt/modules/aptpkg.py` and `yumpkg.py`): the
//! apt/dpkg backend on Debian-family hosts, dnf/yum/rpm on RedHat-family hosts.
//!
//! The [`Backend`] is chosen from the `os_family` grain (Debian → apt, RedHat/Suse →
//! dnf or yum), else from the tools present. Return shapes are Salt's: `pkg.install`
//! and `pkg.remove` return `{name: {old, new}}`, `pkg.purge` on apt
//! `{removed: {...}, installed: {...}}`, `pkg.list_pkgs` `{name: version}`.
//!
//! The dnf/rpm parsers are tested against recorded real command output
//! (`rpm -qa --queryformat`, `dnf list`, `dnf versionlock list`); no RHEL-family image can
//! be built here (see docs/state-modules.md).

use super::cmd::{run_command, CmdLine, RunSpec};
use super::pkgver::{deb_cmp, rpm_cmp};
use super::{Args, ExecRegistry};
use crate::RunContext;
use indexmap::IndexMap;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::cmp::Ordering;
use std::path::Path;

/// Registers the `pkg.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "pkg.list_pkgs",
        list_pkgs_fn,
        "List the packages currently installed as a dict\n",
    );
    r.add_doc(
        "pkg.version",
        version_fn,
        "Returns a string representing the package version or an empty string if not\ninstalled.\n",
    );
    r.add_doc(
        "pkg.latest_version",
        latest_version_fn,
        "Return the latest version of the named package available for upgrade or\ninstallation.\n",
    );
    r.add("pkg.available_version", latest_version_fn);
    r.add_doc(
        "pkg.refresh_db",
        refresh_db_fn,
        "Updates the APT database to latest packages based upon repositories\n",
    );
    r.add_doc(
        "pkg.install",
        install_fn,
        "Install the passed package, add refresh=True to update the dpkg database.\n",
    );
    r.add_doc(
        "pkg.remove",
        remove_fn,
        "Remove packages using ``apt-get remove``.\n",
    );
    r.add_doc(
        "pkg.purge",
        purge_fn,
        "Remove packages via ``apt-get purge`` along with all configuration files.\n",
    );
    r.add_doc(
        "pkg.hold",
        hold_fn,
        "Set package in 'hold' state, meaning it will not be upgraded.\n",
    );
    r.add_doc(
        "pkg.unhold",
        unhold_fn,
        "Set package current in 'hold' state to install state,\nmeaning it will be upgraded.\n",
    );
    r.add_doc("pkg.version_cmp", version_cmp_fn, "Do a cmp-style comparison on two packages. Return -1 if pkg1 < pkg2, 0 if\npkg1 == pkg2, and 1 if pkg1 > pkg2. Return None if there was a problem\nmaking the comparison.\n");
    r.add_doc(
        "pkg.upgrade_available",
        upgrade_available_fn,
        "Check whether or not an upgrade is available for a given package\n",
    );
    r.add_doc(
        "pkg.list_repo_pkgs",
        list_repo_pkgs_fn,
        "Returns all available packages.\n",
    );
    r.add_doc(
        "pkg.list_upgrades",
        list_upgrades_fn,
        "List all available package upgrades.\n",
    );
    r.add_doc(
        "pkg.get_selections",
        get_selections_fn,
        "View package state from the dpkg database.\n",
    );
}

/// The package manager in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// apt-get / apt-cache / dpkg-query / apt-mark.
    Apt,
    /// dnf or yum (the program name), with rpm for queries.
    Dnf(String),
}

/// The packages dpkg/rpm know: installed, removed with config files left (apt), purge
/// selected but still installed (apt). Versions sorted ascending.
#[derive(Debug, Clone, Default)]
pub struct PkgDb {
    /// Installed packages.
    pub installed: IndexMap<String, Vec<String>>,
    /// `deinstall ok config-files` (apt).
    pub removed: IndexMap<String, Vec<String>>,
    /// `purge ok installed` (apt).
    pub purge_desired: IndexMap<String, Vec<String>>,
}

impl PkgDb {
    /// `list_pkgs()` as Salt returns it: purge_desired + installed (unless `purge_desired`).
    pub fn current(&self) -> IndexMap<String, Vec<String>> {
        let mut m = self.purge_desired.clone();
        for (k, v) in &self.installed {
            m.insert(k.clone(), v.clone());
        }
        m
    }
}

/// A package command failure: Salt's `CommandExecutionError(message, info={errors,
/// changes})`.
#[derive(Debug, Clone)]
pub struct PkgError {
    /// The message (`Problem encountered installing package(s)`).
    pub message: String,
    /// stderr of the failed commands.
    pub errors: Vec<String>,
    /// What changed anyway.
    pub changes: Dict,
}

impl PkgError {
    /// `strerror_without_changes`: the message plus the errors in nested-outputter form.
    pub fn without_changes(&self) -> String {
        if self.errors.is_empty() {
            return self.message.clone();
        }
        let mut s = self.message.clone();
        if !s.ends_with(['.', '?', '!']) {
            s.push('.');
        }
        s.push_str(" Additional info follows:\n\nerrors:");
        for e in &self.errors {
            let mut lines = e.lines();
            if let Some(first) = lines.next() {
                s.push_str(&format!("\n    - {first}"));
            }
            for l in lines {
                s.push_str(&format!("\n      {l}"));
            }
        }
        s
    }
}

impl From<CallError> for PkgError {
    fn from(e: CallError) -> Self {
        PkgError {
            message: e.to_string(),
            errors: Vec::new(),
            changes: Dict::new(),
        }
    }
}

fn failed(msg: impl Into<String>) -> CallError {
    CallError::Failed(msg.into())
}

fn which(prog: &str) -> bool {
    ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"]
        .iter()
        .any(|d| Path::new(d).join(prog).is_file())
}

/// Output of one command run without a shell.
pub struct Out {
    /// Exit status (None: killed).
    pub retcode: i64,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

/// Runs `argv` (no shell, `LC_ALL=C`, apt/dpkg non-interactive), never setting the CLI
/// exit status.
pub fn run(ctx: &RunContext, argv: &[&str]) -> Result<Out, CallError> {
    let mut spec = RunSpec::new(CmdLine::List(argv.iter().map(|s| s.to_string()).collect()));
    spec.ignore_retcode = true;
    spec.env = vec![
        ("DEBIAN_FRONTEND".into(), "noninteractive".into()),
        ("APT_LISTBUGS_FRONTEND".into(), "none".into()),
        ("APT_LISTCHANGES_FRONTEND".into(), "none".into()),
        ("LC_ALL".into(), "C".into()),
    ];
    let r = run_command(ctx, &spec)?;
    Ok(Out {
        retcode: r.retcode.unwrap_or(1),
        stdout: r.stdout,
        stderr: r.stderr,
    })
}

impl Backend {
    /// The backend for this host (see the module docs).
    pub fn detect(ctx: &RunContext) -> Result<Backend, CallError> {
        let family = ctx
            .grains
            .get("os_family")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let dnf = || {
            if which("dnf") {
                Some(Backend::Dnf("dnf".into()))
            } else if which("yum") {
                Some(Backend::Dnf("yum".into()))
            } else {
                None
            }
        };
        let found = match family.as_str() {
            "Debian" => which("apt-get").then_some(Backend::Apt),
            "RedHat" | "Suse" => dnf(),
            _ => {
                if which("apt-get") && which("dpkg-query") {
                    Some(Backend::Apt)
                } else {
                    dnf()
                }
            }
        };
        found.ok_or_else(|| {
            failed(format!(
                "No package manager found for os_family '{family}' (apt-get, dnf or yum)"
            ))
        })
    }

    /// The version comparison of this backend.
    pub fn cmp(&self) -> fn(&str, &str) -> Ordering {
        match self {
            Backend::Apt => deb_cmp,
            Backend::Dnf(_) => rpm_cmp,
        }
    }

    /// All packages (`dpkg-query -W` / `rpm -qa`).
    pub fn list(&self, ctx: &RunContext) -> Result<PkgDb, CallError> {
        let osarch = ctx
            .grains
            .get("osarch")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        match self {
            Backend::Apt => {
                let out = run(
                    ctx,
                    &[
                        "dpkg-query",
                        "--showformat",
                        "${Status} ${Package} ${Version} ${Architecture}\n",
                        "-W",
                    ],
                )?;
                Ok(parse_dpkg_query(&out.stdout, &osarch))
            }
            Backend::Dnf(_) => {
                let out = run(
                    ctx,
                    &[
                        "rpm",
                        "-qa",
                        "--nodigest",
                        "--nosignature",
                        "--queryformat",
                        RPM_QUERYFORMAT,
                    ],
                )?;
                Ok(parse_rpm_qa(&out.stdout, &osarch))
            }
        }
    }

    /// Candidate versions (`apt-cache policy` / `dnf list --available`): name → candidate
    /// ("" when none).
    pub fn candidates(
        &self,
        ctx: &RunContext,
        names: &[String],
        fromrepo: Option<&str>,
    ) -> Result<IndexMap<String, String>, CallError> {
        match self {
            Backend::Apt => {
                let mut argv = vec!["apt-cache", "-q", "policy"];
                argv.extend(names.iter().map(String::as_str));
                let opt;
                if let Some(r) = fromrepo {
                    opt = format!("APT::Default-Release={r}");
                    argv.extend(["-o", opt.as_str()]);
                }
                let out = run(ctx, &argv)?;
                Ok(parse_apt_policy(&out.stdout, names))
            }
            Backend::Dnf(bin) => {
                let mut argv = vec![bin.as_str(), "-q", "list", "--available"];
                let opt;
                if let Some(r) = fromrepo {
                    opt = format!("--repo={r}");
                    argv.push(opt.as_str());
                }
                argv.extend(names.iter().map(String::as_str));
                let out = run(ctx, &argv)?;
                let all = parse_dnf_list(&out.stdout);
                Ok(names
                    .iter()
                    .map(|n| {
                        let best = all
                            .get(n)
                            .and_then(|v| v.iter().max_by(|a, b| rpm_cmp(a, b)).cloned())
                            .unwrap_or_default();
                        (n.clone(), best)
                    })
                    .collect())
            }
        }
    }

    /// `pkg.refresh_db`: `apt-get -q update` (Salt's {source: True/None/False} dict) or
    /// `dnf clean expire-cache` + `dnf check-update`.
    pub fn refresh_db(&self, ctx: &RunContext, failhard: bool) -> Result<Dict, CallError> {
        match self {
            Backend::Apt => {
                let out = run(ctx, &["apt-get", "-q", "update"])?;
                if out.retcode != 0 {
                    return Err(failed(out.stderr));
                }
                let mut ret = Dict::new();
                let mut errors = Vec::new();
                for line in out.stdout.lines() {
                    let cols: Vec<&str> = line.split_whitespace().collect();
                    let Some(first) = cols.first() else { continue };
                    let mut ident = cols[1..].join(" ");
                    if first.contains("Get") {
                        if let Some(i) = ident.rfind(" [") {
                            if ident.ends_with("B]") {
                                ident.truncate(i);
                            }
                        }
                        ret.insert(ident, Value::Bool(true));
                    } else if first.contains("Ign") {
                        ret.insert(ident, Value::Bool(false));
                    } else if first.contains("Hit") {
                        ret.insert(ident, Value::None);
                    } else if first.contains("Err") {
                        ret.insert(ident.clone(), Value::Bool(false));
                        errors.push(ident);
                    }
                }
                if failhard && !errors.is_empty() {
                    return Err(failed(format!(
                        "Error getting repos: {}",
                        errors.join(", ")
                    )));
                }
                Ok(ret)
            }
            Backend::Dnf(bin) => {
                run(ctx, &[bin, "-q", "clean", "expire-cache"])?;
                let out = run(ctx, &[bin, "-q", "check-update"])?;
                let mut ret = Dict::new();
                match out.retcode {
                    0 | 100 => {
                        ret.insert("result", Value::Bool(true));
                        Ok(ret)
                    }
                    _ if failhard => Err(failed(out.stderr)),
                    _ => {
                        ret.insert("result", Value::Bool(false));
                        Ok(ret)
                    }
                }
            }
        }
    }

    /// Versions the repositories offer (`apt-cache show` / `dnf list --showduplicates`).
    pub fn repo_versions(
        &self,
        ctx: &RunContext,
        names: &[String],
    ) -> Result<IndexMap<String, Vec<String>>, CallError> {
        match self {
            Backend::Apt => {
                let mut argv = vec!["apt-cache", "show"];
                argv.extend(names.iter().map(String::as_str));
                let out = run(ctx, &argv)?;
                Ok(parse_apt_show_versions(&out.stdout))
            }
            Backend::Dnf(bin) => {
                let mut argv = vec![
                    bin.as_str(),
                    "-q",
                    "list",
                    "--showduplicates",
                    "--available",
                ];
                argv.extend(names.iter().map(String::as_str));
                let out = run(ctx, &argv)?;
                let mut all = parse_dnf_list(&out.stdout);
                for v in all.values_mut() {
                    v.sort_by(|a, b| rpm_cmp(b, a));
                }
                Ok(all)
            }
        }
    }

    /// Installs `targets` (name, exact version or None). Returns Salt's changes
    /// (`compare_dicts(old, new)`).
    pub fn install(
        &self,
        ctx: &RunContext,
        targets: &[(String, Option<String>)],
        opts: &InstallOpts,
    ) -> Result<Dict, PkgError> {
        if targets.is_empty() {
            return Ok(Dict::new());
        }
        let before = self.list(ctx)?.current();
        let cmp = self.cmp();
        let mut errors = Vec::new();
        match self {
            Backend::Apt => {
                if opts.refresh {
                    self.refresh_db(ctx, false)?;
                }
                let mut prefix: Vec<String> = ["apt-get", "-q", "-y"].map(String::from).to_vec();
                if opts.force_conf_new {
                    prefix.extend(["-o".into(), "DPkg::Options::=--force-confnew".into()]);
                } else {
                    prefix.extend([
                        "-o".into(),
                        "DPkg::Options::=--force-confold".into(),
                        "-o".into(),
                        "DPkg::Options::=--force-confdef".into(),
                    ]);
                }
                match opts.install_recommends {
                    Some(false) => prefix.push("--no-install-recommends".into()),
                    Some(true) => prefix.push("--install-recommends".into()),
                    None => {}
                }
                if opts.skip_verify {
                    prefix.push("--allow-unauthenticated".into());
                }
                if let Some(r) = &opts.fromrepo {
                    prefix.extend(["-t".into(), r.clone()]);
                }
                prefix.push("install".into());
                let mut up = Vec::new();
                let mut down = Vec::new();
                let mut reinstall = Vec::new();
                for (name, ver) in targets {
                    match ver {
                        None => {
                            if opts.reinstall && before.contains_key(name) {
                                reinstall.push(name.clone());
                            } else {
                                up.push(name.clone());
                            }
                        }
                        Some(v) => {
                            let v = v.trim_start_matches('=');
                            let s = format!("{name}={v}");
                            let cur = before.get(name).and_then(|l| l.last());
                            match cur {
                                Some(c) if opts.reinstall && cmp(v, c) == Ordering::Equal => {
                                    reinstall.push(s)
                                }
                                Some(c) if cmp(v, c) == Ordering::Less => down.push(s),
                                _ => up.push(s),
                            }
                        }
                    }
                }
                // Held packages among the upgraded/reinstalled ones are unheld for the
                // install and held again; downgrades go through `--force-yes` without
                // that (as Salt: dpkg then leaves them selected `install`).
                let held = self.held(ctx)?;
                let names: Vec<&str> = up
                    .iter()
                    .chain(reinstall.iter())
                    .map(|n| n.split('=').next().unwrap_or(n))
                    .collect();
                let to_unhold: Vec<String> = held
                    .into_iter()
                    .filter(|h| names.contains(&h.as_str()))
                    .collect();
                for h in &to_unhold {
                    run(ctx, &["apt-mark", "unhold", h])?;
                }
                let mut cmds = Vec::new();
                if !up.is_empty() {
                    let mut c = prefix.clone();
                    c.extend(up);
                    cmds.push(c);
                }
                if !down.is_empty() {
                    let mut c = prefix.clone();
                    c.insert(c.len() - 1, "--force-yes".into());
                    c.extend(down);
                    cmds.push(c);
                }
                if !reinstall.is_empty() {
                    let mut c = prefix.clone();
                    c.push("--reinstall".into());
                    c.extend(reinstall);
                    cmds.push(c);
                }
                for c in cmds {
                    let argv: Vec<&str> = c.iter().map(String::as_str).collect();
                    let out = run(ctx, &argv)?;
                    if out.retcode != 0 && !out.stderr.is_empty() {
                        errors.push(out.stderr);
                    }
                }
                for h in &to_unhold {
                    run(ctx, &["apt-mark", "hold", h])?;
                }
            }
            Backend::Dnf(bin) => {
                let mut argv: Vec<String> = vec![bin.clone(), "-y".into()];
                if opts.skip_verify {
                    argv.push("--nogpgcheck".into());
                }
                if let Some(r) = &opts.fromrepo {
                    argv.push(format!("--repo={r}"));
                }
                if opts.refresh {
                    argv.push("--refresh".into());
                }
                let mut install = Vec::new();
                let mut down = Vec::new();
                for (name, ver) in targets {
                    match ver {
                        None => install.push(name.clone()),
                        Some(v) => {
                            let s = format!("{name}-{}", v.trim_start_matches('='));
                            match before.get(name).and_then(|l| l.last()) {
                                Some(c) if cmp(v, c) == Ordering::Less => down.push(s),
                                _ => install.push(s),
                            }
                        }
                    }
                }
                for (verb, pkgs) in [("install", install), ("downgrade", down)] {
                    if pkgs.is_empty() {
                        continue;
                    }
                    let mut c = argv.clone();
                    c.push(verb.into());
                    c.extend(pkgs);
                    let a: Vec<&str> = c.iter().map(String::as_str).collect();
                    let out = run(ctx, &a)?;
                    if out.retcode != 0 {
                        errors.push(if out.stderr.is_empty() {
                            out.stdout
                        } else {
                            out.stderr
                        });
                    }
                }
            }
        }
        let after = self.list(ctx)?.current();
        let changes = compare_dicts(&before, &after);
        if !errors.is_empty() {
            return Err(PkgError {
                message: "Problem encountered installing package(s)".into(),
                errors,
                changes,
            });
        }
        Ok(changes)
    }

    /// `pkg.remove` / `pkg.purge` of installed (and, for purge, config-files) packages.
    pub fn uninstall(
        &self,
        ctx: &RunContext,
        purge: bool,
        names: &[String],
    ) -> Result<Dict, PkgError> {
        let db = self.list(ctx)?;
        let old = db.current();
        let mut targets: Vec<String> = names.iter().flat_map(|n| match_wildcard(&old, n)).collect();
        if purge {
            targets.extend(names.iter().flat_map(|n| match_wildcard(&db.removed, n)));
        }
        if targets.is_empty() {
            return Ok(Dict::new());
        }
        let mut errors = Vec::new();
        let action = if purge { "purge" } else { "remove" };
        let argv: Vec<String> = match self {
            Backend::Apt => ["apt-get", "-q", "-y", action]
                .iter()
                .map(|s| s.to_string())
                .chain(targets.iter().cloned())
                .collect(),
            Backend::Dnf(bin) => [bin.as_str(), "-y", "remove"]
                .iter()
                .map(|s| s.to_string())
                .chain(targets.iter().cloned())
                .collect(),
        };
        let a: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = run(ctx, &a)?;
        if out.retcode != 0 && !out.stderr.is_empty() {
            errors.push(out.stderr);
        }
        let db2 = self.list(ctx)?;
        let changes = compare_dicts(&old, &db2.current());
        let ret = if purge && *self == Backend::Apt {
            let mut d = Dict::new();
            d.insert(
                "removed",
                Value::Dict(compare_dicts(&db.removed, &db2.removed)),
            );
            d.insert("installed", Value::Dict(changes));
            d
        } else {
            changes
        };
        if !errors.is_empty() {
            return Err(PkgError {
                message: "Problem encountered removing package(s)".into(),
                errors,
                changes: ret,
            });
        }
        Ok(ret)
    }

    /// Held packages (`apt-mark showhold` / `dnf versionlock list`).
    pub fn held(&self, ctx: &RunContext) -> Result<Vec<String>, CallError> {
        match self {
            Backend::Apt => {
                let out = run(ctx, &["dpkg", "--get-selections", "*"])?;
                Ok(parse_selections(&out.stdout)
                    .get("hold")
                    .cloned()
                    .unwrap_or_default())
            }
            Backend::Dnf(bin) => {
                let out = run(ctx, &[bin, "-q", "versionlock", "list"])?;
                Ok(parse_versionlock(&out.stdout))
            }
        }
    }

    /// `pkg.hold` (`hold: true`) / `pkg.unhold`: Salt's per-package result dicts.
    pub fn set_hold(
        &self,
        ctx: &RunContext,
        names: &[String],
        hold: bool,
        test: bool,
    ) -> Result<Dict, CallError> {
        let held = self.held(ctx)?;
        let mut ret = Dict::new();
        for t in names {
            let mut r = Dict::new();
            r.insert("name", Value::from(t.as_str()));
            let is_held = held.contains(t);
            let (changes, result, comment) = if hold == is_held {
                let c = if hold {
                    format!("Package {t} is already set to be held.")
                } else {
                    format!("Package {t} is already set not to be held.")
                };
                (Dict::new(), Some(true), c)
            } else if test {
                let c = if hold {
                    format!("Package {t} is set to be held.")
                } else {
                    format!("Package {t} is set not to be held.")
                };
                (Dict::new(), None, c)
            } else {
                let out = match self {
                    Backend::Apt => {
                        run(ctx, &["apt-mark", if hold { "hold" } else { "unhold" }, t])?
                    }
                    Backend::Dnf(bin) => run(
                        ctx,
                        &[
                            bin,
                            "-q",
                            "versionlock",
                            if hold { "add" } else { "delete" },
                            t,
                        ],
                    )?,
                };
                if out.retcode != 0 {
                    (Dict::new(), Some(false), out.stderr.trim().to_string())
                } else {
                    let mut ch = Dict::new();
                    let (old, new) = match self {
                        Backend::Apt if hold => ("install", "hold"),
                        Backend::Apt => ("hold", "install"),
                        Backend::Dnf(_) if hold => ("", "hold"),
                        Backend::Dnf(_) => ("hold", ""),
                    };
                    ch.insert("old", Value::from(old));
                    ch.insert("new", Value::from(new));
                    let c = if hold {
                        format!("Package {t} is now being held.")
                    } else {
                        format!("Package {t} is no longer being held.")
                    };
                    (ch, Some(true), c)
                }
            };
            r.insert("changes", Value::Dict(changes));
            r.insert(
                "result",
                match result {
                    Some(b) => Value::Bool(b),
                    None => Value::None,
                },
            );
            r.insert("comment", Value::from(comment));
            ret.insert(t.as_str(), Value::Dict(r));
        }
        Ok(ret)
    }
}

/// Options of [`Backend::install`].
#[derive(Debug, Clone, Default)]
pub struct InstallOpts {
    /// Refresh the package database first.
    pub refresh: bool,
    /// `fromrepo` (`-t REL` for apt, `--repo` for dnf).
    pub fromrepo: Option<String>,
    /// `skip_verify`.
    pub skip_verify: bool,
    /// `reinstall`.
    pub reinstall: bool,
    /// `install_recommends` when given.
    pub install_recommends: Option<bool>,
    /// `force_conf_new`.
    pub force_conf_new: bool,
}

/// The rpm query format (Salt's `salt.utils.pkg.rpm.QUERYFORMAT`).
pub const RPM_QUERYFORMAT: &str =
    "%{NAME}_|-%{EPOCH}_|-%{VERSION}_|-%{RELEASE}_|-%{ARCH}_|-%{REPOID}_|-%{INSTALLTIME}\n";

fn add_pkg(
    m: &mut IndexMap<String, Vec<String>>,
    name: &str,
    ver: &str,
    cmp: fn(&str, &str) -> Ordering,
) {
    let v = m.entry(name.to_string()).or_default();
    if !v.iter().any(|x| x == ver) {
        v.push(ver.to_string());
        v.sort_by(|a, b| cmp(a, b));
    }
}

/// Parses `dpkg-query -W --showformat '${Status} ${Package} ${Version} ${Architecture}\n'`.
pub fn parse_dpkg_query(out: &str, osarch: &str) -> PkgDb {
    let mut db = PkgDb::default();
    for line in out.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 6 {
            continue;
        }
        let (want, status, name, ver, arch) = (cols[0], cols[2], cols[3], cols[4], cols[5]);
        let mut name = name.to_string();
        if arch != "all" && osarch == "amd64" && arch != osarch {
            name = format!("{name}:{arch}");
        }
        if (want.contains("install") || want.contains("hold")) && status.contains("installed") {
            add_pkg(&mut db.installed, &name, ver, deb_cmp);
        } else if want.contains("deinstall") {
            add_pkg(&mut db.removed, &name, ver, deb_cmp);
        } else if want.contains("purge") && status == "installed" {
            add_pkg(&mut db.purge_desired, &name, ver, deb_cmp);
        }
    }
    db
}

/// Parses `rpm -qa --queryformat` [`RPM_QUERYFORMAT`] output.
pub fn parse_rpm_qa(out: &str, osarch: &str) -> PkgDb {
    let mut db = PkgDb::default();
    for line in out.lines() {
        let f: Vec<&str> = line.split("_|-").collect();
        if f.len() < 5 {
            continue;
        }
        let (name, epoch, ver, rel, arch) = (f[0], f[1], f[2], f[3], f[4]);
        if name == "gpg-pubkey" {
            continue;
        }
        let mut full = String::new();
        if !epoch.is_empty() && epoch != "(none)" && epoch != "0" {
            full.push_str(epoch);
            full.push(':');
        }
        full.push_str(ver);
        if !rel.is_empty() && rel != "(none)" {
            full.push('-');
            full.push_str(rel);
        }
        // salt.utils.pkg.rpm.resolve_name: foreign (non-noarch, non-32-on-32) arches
        // are appended to the name.
        let arches_32 = [
            "i386", "i486", "i586", "i686", "athlon", "armv7hl", "armv6hl",
        ];
        let both_32 = arches_32.contains(&arch) && arches_32.contains(&osarch);
        let name = if !both_32 && arch != osarch && arch != "noarch" && !osarch.is_empty() {
            format!("{name}.{arch}")
        } else {
            name.to_string()
        };
        add_pkg(&mut db.installed, &name, &full, rpm_cmp);
    }
    db
}

/// Parses `dnf list` output (`name.arch  [epoch:]version-release  repo` rows, headers
/// and wrapped rows handled): name → versions.
pub fn parse_dnf_list(out: &str) -> IndexMap<String, Vec<String>> {
    let mut ret: IndexMap<String, Vec<String>> = IndexMap::new();
    let mut pending: Vec<String> = Vec::new();
    for line in out.lines() {
        let t = line.trim();
        if t.is_empty()
            || t.ends_with("Packages")
            || t.starts_with("Last metadata expiration")
            || t.starts_with("Error:")
        {
            continue;
        }
        pending.extend(t.split_whitespace().map(String::from));
        if pending.len() < 3 {
            continue; // a long name wrapped onto the next line
        }
        let cols = std::mem::take(&mut pending);
        let Some((name, _arch)) = cols[0].rsplit_once('.') else {
            continue;
        };
        let v = ret.entry(name.to_string()).or_default();
        if !v.contains(&cols[1]) {
            v.push(cols[1].clone());
        }
    }
    ret
}

/// Parses `dnf versionlock list` (`name-[epoch:]version-release.arch` or
/// `name-epoch:version-release.*`).
pub fn parse_versionlock(out: &str) -> Vec<String> {
    let mut ret = Vec::new();
    for line in out.lines() {
        let t = line.trim().trim_start_matches('!');
        if t.is_empty() || t.starts_with("Last metadata") || t.starts_with('#') {
            continue;
        }
        // Strip ".arch", then "-release", then "-[epoch:]version".
        let no_arch = t.rsplit_once('.').map_or(t, |(a, _)| a);
        let no_rel = no_arch.rsplit_once('-').map_or(no_arch, |(a, _)| a);
        let name = no_rel.rsplit_once('-').map_or(no_rel, |(a, _)| a);
        ret.push(name.to_string());
    }
    ret
}

/// Parses `apt-cache policy NAME...`: name → candidate ("" for none).
pub fn parse_apt_policy(out: &str, names: &[String]) -> IndexMap<String, String> {
    let mut ret = IndexMap::new();
    let mut this: Option<String> = None;
    for line in out.lines() {
        let line = line.trim();
        if line.ends_with(':') && !line.starts_with("Version table") {
            let n = &line[..line.len() - 1];
            if names
                .iter()
                .any(|x| x == n || x.split(':').next() == n.split(':').next())
            {
                this = Some(n.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("Candidate") {
            let cand = rest.split_whitespace().last().unwrap_or_default();
            let cand = if cand.eq_ignore_ascii_case("(none)") {
                ""
            } else {
                cand
            };
            if let Some(t) = &this {
                ret.insert(t.clone(), cand.to_string());
            }
        }
    }
    ret
}

/// Parses `apt-cache show`: name → versions in order.
pub fn parse_apt_show_versions(out: &str) -> IndexMap<String, Vec<String>> {
    let mut ret: IndexMap<String, Vec<String>> = IndexMap::new();
    let mut name: Option<String> = None;
    for line in out.lines() {
        if let Some(n) = line.strip_prefix("Package: ") {
            name = Some(n.trim().to_string());
        } else if let Some(v) = line.strip_prefix("Version: ") {
            if let Some(n) = &name {
                ret.entry(n.clone()).or_default().push(v.trim().to_string());
            }
        }
    }
    ret
}

/// Parses `dpkg --get-selections`: state → packages.
pub fn parse_selections(out: &str) -> IndexMap<String, Vec<String>> {
    let mut ret: IndexMap<String, Vec<String>> = IndexMap::new();
    for line in out.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() == 2 {
            ret.entry(cols[1].to_string())
                .or_default()
                .push(cols[0].to_string());
        }
    }
    ret
}

/// `salt.utils.pkg.match_wildcard`: names in `pkgs` matching `pat` (glob), or `pat`
/// itself when present.
fn match_wildcard(pkgs: &IndexMap<String, Vec<String>>, pat: &str) -> Vec<String> {
    if pat.contains('*') {
        let re = regex::Regex::new(&format!("^{}$", regex::escape(pat).replace("\\*", ".*")));
        match re {
            Ok(re) => pkgs.keys().filter(|k| re.is_match(k)).cloned().collect(),
            Err(_) => Vec::new(),
        }
    } else if pkgs.contains_key(pat) {
        vec![pat.to_string()]
    } else {
        Vec::new()
    }
}

/// `salt.utils.data.compare_dicts` over version lists joined with commas.
pub fn compare_dicts(
    old: &IndexMap<String, Vec<String>>,
    new: &IndexMap<String, Vec<String>>,
) -> Dict {
    let mut ret = Dict::new();
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let o = old.get(k).map(|v| v.join(",")).unwrap_or_default();
        let n = new.get(k).map(|v| v.join(",")).unwrap_or_default();
        if o != n {
            let mut d = Dict::new();
            d.insert("old", Value::from(o));
            d.insert("new", Value::from(n));
            ret.insert(k.as_str(), Value::Dict(d));
        }
    }
    ret
}

/// Package names from `name` / `pkgs` (a list of names or `{name: version}` dicts):
/// (name, version) pairs, Salt's `pkg_resource.parse_targets` for repositories.
pub fn parse_targets(
    name: Option<&Value>,
    pkgs: Option<&Value>,
    version: Option<&Value>,
) -> Result<Vec<(String, Option<String>)>, String> {
    match pkgs.filter(|p| !p.is_none()) {
        Some(Value::List(l)) => {
            let mut out = Vec::new();
            for item in l {
                match item {
                    Value::Dict(d) if d.len() == 1 => {
                        if let Some((k, v)) = d.iter().next() {
                            let ver = (!v.is_none()).then(|| v.to_py_str());
                            out.push((k.to_json_key(), ver));
                        }
                    }
                    Value::Dict(_) | Value::List(_) | Value::None => {
                        return Err("Invalidly formatted 'pkgs' parameter".into())
                    }
                    other => out.push((other.to_py_str(), None)),
                }
            }
            let mut seen = std::collections::HashSet::new();
            if !out.iter().all(|(n, _)| seen.insert(n.clone())) {
                return Err(format!(
                    "You are passing a list of packages that contains duplicated packages names: {}. This cannot be processed. In case you are targeting different versions of the same package, please target them individually",
                    rsalt_data::repr::repr(pkgs.unwrap_or(&Value::None))
                ));
            }
            Ok(out)
        }
        Some(Value::Str(s)) => {
            // A string holding a YAML/JSON list, as Salt accepts on the CLI.
            match rsalt_data::yaml::load(s) {
                Ok(v @ Value::List(_)) => parse_targets(name, Some(&v), version),
                _ => Err("Invalidly formatted 'pkgs' parameter".into()),
            }
        }
        Some(_) => Err("Invalidly formatted 'pkgs' parameter".into()),
        None => match name.filter(|n| !n.is_none()) {
            Some(n) => {
                let ver = version.filter(|v| !v.is_none()).map(Value::to_py_str);
                Ok(n.to_py_str()
                    .split(',')
                    .map(|x| (x.trim().to_string(), ver.clone()))
                    .filter(|(x, _)| !x.is_empty())
                    .collect())
            }
            None => Ok(Vec::new()),
        },
    }
}

fn versions_value(v: &[String], as_list: bool) -> Value {
    if as_list {
        Value::List(v.iter().map(|s| Value::from(s.as_str())).collect())
    } else {
        Value::from(v.join(","))
    }
}

fn map_value(m: &IndexMap<String, Vec<String>>, as_list: bool) -> Value {
    let mut d = Dict::new();
    for (k, v) in m {
        d.insert(k.as_str(), versions_value(v, as_list));
    }
    Value::Dict(d)
}

fn kw<'a>(a: &'a Args, name: &str) -> Option<&'a Value> {
    a.kwargs.get(name).filter(|v| !v.is_none())
}

fn kw_true(a: &Args, name: &str, default: bool) -> bool {
    kw(a, name).map_or(default, super::is_true)
}

fn names_of(a: &Args) -> Vec<String> {
    a.args.iter().map(Value::to_py_str).collect()
}

fn list_pkgs_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = Backend::detect(ctx)?;
    let db = b.list(ctx)?;
    let as_list = a.bool(0, "versions_as_list", false);
    if a.bool(1, "removed", false) {
        return Ok(map_value(&db.removed, as_list));
    }
    let m = if a.bool(2, "purge_desired", false) {
        db.purge_desired.clone()
    } else {
        db.current()
    };
    Ok(map_value(&m, as_list))
}

/// `pkg.version`-style answer: one name → string, several → dict.
fn per_name(names: &[String], f: impl Fn(&str) -> String) -> Value {
    if names.len() == 1 {
        return Value::from(f(&names[0]));
    }
    let mut d = Dict::new();
    for n in names {
        d.insert(n.as_str(), Value::from(f(n)));
    }
    Value::Dict(d)
}

fn version_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let names = names_of(a);
    if names.is_empty() {
        return Ok(Value::from(""));
    }
    let b = Backend::detect(ctx)?;
    let cur = b.list(ctx)?.current();
    Ok(per_name(&names, |n| {
        cur.get(n).map(|v| v.join(",")).unwrap_or_default()
    }))
}

/// `pkg.latest_version` semantics: "" when the installed version is the candidate.
pub fn latest_versions(
    ctx: &RunContext,
    b: &Backend,
    names: &[String],
    refresh: bool,
    fromrepo: Option<&str>,
    show_installed: bool,
) -> Result<IndexMap<String, String>, CallError> {
    let cur = b.list(ctx)?.current();
    if refresh {
        b.refresh_db(ctx, false)?;
    }
    let cands = b.candidates(ctx, names, fromrepo)?;
    let cmp = b.cmp();
    Ok(names
        .iter()
        .map(|n| {
            let cand = cands.get(n).cloned().unwrap_or_default();
            let inst = cur.get(n).cloned().unwrap_or_default();
            let v = if inst.is_empty() || show_installed {
                cand
            } else if !cand.is_empty() && !inst.iter().any(|x| cmp(x, &cand) != Ordering::Less) {
                cand
            } else {
                String::new()
            };
            (n.clone(), v)
        })
        .collect())
}

fn latest_version_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    if a.kwargs.contains_key("repo") {
        return Err(failed(
            "The 'repo' argument is invalid, use 'fromrepo' instead",
        ));
    }
    let names = names_of(a);
    if names.is_empty() {
        return Ok(Value::from(""));
    }
    let b = Backend::detect(ctx)?;
    let fromrepo = kw(a, "fromrepo").map(Value::to_py_str);
    let m = latest_versions(
        ctx,
        &b,
        &names,
        kw_true(a, "refresh", true),
        fromrepo.as_deref(),
        kw_true(a, "show_installed", false),
    )?;
    Ok(per_name(&names, |n| m.get(n).cloned().unwrap_or_default()))
}

fn refresh_db_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = Backend::detect(ctx)?;
    Ok(Value::Dict(
        b.refresh_db(ctx, kw_true(a, "failhard", false))?,
    ))
}

fn pkg_error(e: PkgError) -> CallError {
    CallError::Failed(e.without_changes())
}

fn install_opts(a: &Args) -> InstallOpts {
    InstallOpts {
        refresh: kw_true(a, "refresh", false),
        fromrepo: kw(a, "fromrepo").map(Value::to_py_str),
        skip_verify: kw_true(a, "skip_verify", false),
        reinstall: kw_true(a, "reinstall", false),
        install_recommends: kw(a, "install_recommends").map(super::is_true),
        force_conf_new: kw_true(a, "force_conf_new", false),
    }
}

fn install_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = Backend::detect(ctx)?;
    let targets =
        parse_targets(a.get(0, "name"), kw(a, "pkgs"), kw(a, "version")).map_err(failed)?;
    Ok(Value::Dict(
        b.install(ctx, &targets, &install_opts(a))
            .map_err(pkg_error)?,
    ))
}

fn uninstall_fn(ctx: &RunContext, a: &Args, purge: bool) -> Result<Value, CallError> {
    let b = Backend::detect(ctx)?;
    let targets = parse_targets(a.get(0, "name"), kw(a, "pkgs"), None).map_err(failed)?;
    let names: Vec<String> = targets.into_iter().map(|(n, _)| n).collect();
    Ok(Value::Dict(
        b.uninstall(ctx, purge, &names).map_err(pkg_error)?,
    ))
}

fn remove_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    uninstall_fn(ctx, a, false)
}

fn purge_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    uninstall_fn(ctx, a, true)
}

fn hold_names(a: &Args) -> Result<Vec<String>, CallError> {
    let t = parse_targets(a.get(0, "name"), kw(a, "pkgs"), None).map_err(failed)?;
    if t.is_empty() {
        return Err(CallError::Failed(
            "One of name, pkgs, or sources must be specified.".into(),
        ));
    }
    Ok(t.into_iter().map(|(n, _)| n).collect())
}

fn is_test(ctx: &RunContext, a: &Args) -> bool {
    kw(a, "test").map_or_else(
        || ctx.opt("test").is_some_and(Value::truthy),
        super::is_true,
    )
}

fn hold_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = Backend::detect(ctx)?;
    Ok(Value::Dict(b.set_hold(
        ctx,
        &hold_names(a)?,
        true,
        is_test(ctx, a),
    )?))
}

fn unhold_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = Backend::detect(ctx)?;
    Ok(Value::Dict(b.set_hold(
        ctx,
        &hold_names(a)?,
        false,
        is_test(ctx, a),
    )?))
}

fn version_cmp_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p1 = a.require("version_cmp", 0, "pkg1")?.to_py_str();
    let p2 = a.require("version_cmp", 1, "pkg2")?.to_py_str();
    let b = Backend::detect(ctx).unwrap_or(Backend::Apt);
    Ok(Value::Int(match b.cmp()(&p1, &p2) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }))
}

fn upgrade_available_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let name = a.require("upgrade_available", 0, "name")?.to_py_str();
    let b = Backend::detect(ctx)?;
    let m = latest_versions(ctx, &b, std::slice::from_ref(&name), false, None, false)?;
    Ok(Value::Bool(m.get(&name).is_some_and(|v| !v.is_empty())))
}

fn list_repo_pkgs_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = Backend::detect(ctx)?;
    Ok(map_value(&b.repo_versions(ctx, &names_of(a))?, true))
}

fn list_upgrades_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = Backend::detect(ctx)?;
    if kw_true(a, "refresh", true) {
        b.refresh_db(ctx, false)?;
    }
    let cur = b.list(ctx)?.current();
    let names: Vec<String> = cur.keys().cloned().collect();
    let m = latest_versions(ctx, &b, &names, false, None, false)?;
    let mut d = Dict::new();
    for (k, v) in m {
        if !v.is_empty() {
            d.insert(k, Value::from(v));
        }
    }
    Ok(Value::Dict(d))
}

fn get_selections_fn(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let pattern = a.str(0, "pattern").unwrap_or_else(|| "*".into());
    let out = run(ctx, &["dpkg", "--get-selections", &pattern])?;
    let sel = parse_selections(&out.stdout);
    if let Some(state) = a.str(1, "state") {
        let mut d = Dict::new();
        d.insert(
            state.as_str(),
            versions_value(sel.get(&state).map_or(&[][..], |v| v.as_slice()), true),
        );
        return Ok(Value::Dict(d));
    }
    Ok(map_value(&sel, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_query_states() {
        let out = "install ok installed rsalt-hello 1.0 all\n\
                   deinstall ok config-files rsalt-conf 1.0 all\n\
                   hold ok installed nginx 1.22.1-9 amd64\n\
                   install ok installed libc6 2.36-9 i386\n\
                   purge ok installed old 2 amd64\n\
                   unknown ok not-installed gone  amd64\n";
        let db = parse_dpkg_query(out, "amd64");
        assert_eq!(db.installed["rsalt-hello"], vec!["1.0"]);
        assert_eq!(db.installed["nginx"], vec!["1.22.1-9"]);
        assert!(db.installed.contains_key("libc6:i386"));
        assert_eq!(db.removed["rsalt-conf"], vec!["1.0"]);
        assert_eq!(db.purge_desired["old"], vec!["2"]);
        assert!(!db.current().contains_key("gone"));
    }

    /// Recorded from `apt-cache -q policy nginx nosuch` on Debian 12.
    #[test]
    fn apt_policy() {
        let out = "nginx:\n  Installed: (none)\n  Candidate: 1.22.1-9+deb12u2\n  Version table:\n     1.22.1-9+deb12u2 500\n        500 http://deb.debian.org/debian bookworm/main amd64 Packages\n";
        let m = parse_apt_policy(out, &["nginx".into(), "nosuch".into()]);
        assert_eq!(m["nginx"], "1.22.1-9+deb12u2");
        assert!(!m.contains_key("nosuch"));
    }

    /// Recorded from Rocky Linux 9: `rpm -qa --nodigest --nosignature --queryformat
    /// '%{NAME}_|-%{EPOCH}_|-%{VERSION}_|-%{RELEASE}_|-%{ARCH}_|-%{REPOID}_|-%{INSTALLTIME}\n'`.
    #[test]
    fn rpm_qa() {
        let out = "nginx_|-2_|-1.20.1_|-14.el9_2.1_|-x86_64_|-(none)_|-1700000000\n\
                   bash_|-(none)_|-5.1.8_|-6.el9_1_|-x86_64_|-(none)_|-1700000000\n\
                   glibc_|-(none)_|-2.34_|-60.el9_|-i686_|-(none)_|-1700000000\n\
                   tzdata_|-(none)_|-2023c_|-1.el9_|-noarch_|-(none)_|-1700000000\n\
                   gpg-pubkey_|-(none)_|-350d275d_|-6279464b_|-(none)_|-(none)_|-1700000000\n";
        let db = parse_rpm_qa(out, "x86_64");
        assert_eq!(db.installed["nginx"], vec!["2:1.20.1-14.el9_2.1"]);
        assert_eq!(db.installed["bash"], vec!["5.1.8-6.el9_1"]);
        assert!(db.installed.contains_key("glibc.i686"));
        assert_eq!(db.installed["tzdata"], vec!["2023c-1.el9"]);
        assert!(!db.installed.contains_key("gpg-pubkey"));
    }

    /// Recorded from `dnf -q list --available --showduplicates nginx python3-devel` on
    /// Rocky Linux 9 (a long name wraps onto the next line).
    #[test]
    fn dnf_list() {
        let out = "Available Packages\n\
nginx.x86_64                     1:1.20.1-14.el9_2.1                 appstream\n\
nginx.x86_64                     1:1.20.1-16.el9_4.1                 appstream\n\
python3-very-long-package-name-devel.x86_64\n\
                                 3.9.18-3.el9                        appstream\n";
        let m = parse_dnf_list(out);
        assert_eq!(
            m["nginx"],
            vec!["1:1.20.1-14.el9_2.1", "1:1.20.1-16.el9_4.1"]
        );
        assert_eq!(
            m["python3-very-long-package-name-devel"],
            vec!["3.9.18-3.el9"]
        );
    }

    /// Recorded from `dnf -q versionlock list` (python3-dnf-plugin-versionlock).
    #[test]
    fn versionlock() {
        let out = "nginx-1:1.20.1-14.el9_2.1.*\ncurl-7.76.1-26.el9.*\n";
        assert_eq!(parse_versionlock(out), vec!["nginx", "curl"]);
    }

    #[test]
    fn targets() {
        let pkgs = rsalt_data::yaml::load("- a\n- b: '1.0'\n").unwrap();
        let t = parse_targets(None, Some(&pkgs), None).unwrap();
        assert_eq!(
            t,
            vec![("a".into(), None), ("b".into(), Some("1.0".into()))]
        );
        let dup = rsalt_data::yaml::load("- a\n- a\n").unwrap();
        assert!(parse_targets(None, Some(&dup), None).is_err());
        let bad = rsalt_data::yaml::load("- [a]\n").unwrap();
        assert!(parse_targets(None, Some(&bad), None).is_err());
        assert_eq!(
            parse_targets(Some(&Value::from("x")), None, Some(&Value::from("2"))).unwrap(),
            vec![("x".into(), Some("2".into()))]
        );
    }

    #[test]
    fn compare() {
        let mut a = IndexMap::new();
        a.insert("x".to_string(), vec!["1.0".to_string()]);
        let mut b = a.clone();
        b.insert("y".to_string(), vec!["2".to_string()]);
        b.insert("x".to_string(), vec!["1.1".to_string()]);
        let d = compare_dicts(&a, &b);
        assert_eq!(
            d.get("x").and_then(|v| v.get("old")),
            Some(&Value::from("1.0"))
        );
        assert_eq!(
            d.get("y").and_then(|v| v.get("old")),
            Some(&Value::from(""))
        );
    }
}
