//! The `pkg` state module (Salt's `salt/states/pkg.py`): `installed`, `latest`,
//! `removed`, `purged` and `mod_watch`, on the backends of [`crate::exec::pkg`].
//!
//! Follows Salt 3007's `installed` / `_find_install_targets` / `_uninstall` / `latest`
//! logic and comments: `pkgs:` lists (names or `{name: version}`), `version` (exact or
//! conditions such as `>=1.0,<2.0`), `latest` as a version, `refresh` (with Salt's
//! refresh-once-per-run tag: the first `installed`/`latest` of a run writes
//! `<cachedir>/pkg_refresh`, the next refresh removes it), `hold` (apt-mark / dnf
//! versionlock), `reinstall`, `fromrepo`, `skip_verify`, `allow_updates`,
//! `install_recommends`. Not supported: `sources`, `pkg_verify`, `resolve_capabilities`.

use super::{StateCall, StateModule, StateReturn};
use crate::exec::pkg::{self as pkgx, Backend, InstallOpts, PkgError};
use crate::exec::pkgver::{fulfills, split_comparison};
use indexmap::IndexMap;
use rsalt_data::{Dict, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering as AtOrd};

/// The `pkg` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pkg;

const FUNCTIONS: &[&str] = &["installed", "latest", "removed", "purged", "mod_watch"];

impl StateModule for Pkg {
    fn name(&self) -> &'static str {
        "pkg"
    }

    fn functions(&self) -> &'static [&'static str] {
        FUNCTIONS
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "installed" | "latest" => {
                mod_init(call);
                if fun == "installed" {
                    installed(call)
                } else {
                    latest(call)
                }
            }
            "removed" => uninstall(call, false),
            "purged" => uninstall(call, true),
            other => crate::state::not_found("pkg", other, call),
        }
    }

    fn mod_watch(&self, call: &StateCall<'_>) -> Option<StateReturn> {
        let sfun = call
            .low
            .get("sfun")
            .map(Value::to_py_str)
            .unwrap_or_default();
        Some(match sfun.as_str() {
            "installed" | "latest" | "removed" | "purged" => self.call(&sfun, call),
            other => StateReturn::new(call.name.clone()).fail(format!(
                "pkg.{other} does not work with the watch requisite"
            )),
        })
    }

    fn has_mod_watch(&self) -> bool {
        true
    }
}

static MOD_INIT_DONE: AtomicBool = AtomicBool::new(false);

fn rtag(call: &StateCall<'_>) -> PathBuf {
    let cachedir = call
        .ctx
        .opt("cachedir")
        .map(Value::to_py_str)
        .unwrap_or_else(|| "/var/cache/salt/minion".into());
    PathBuf::from(cachedir).join("pkg_refresh")
}

/// Salt's `pkg.mod_init`: once per run, the first `installed`/`latest` writes the rtag.
fn mod_init(call: &StateCall<'_>) {
    if !MOD_INIT_DONE.swap(true, AtOrd::SeqCst) {
        let p = rtag(call);
        if !p.exists() {
            if let Some(d) = p.parent() {
                let _ = std::fs::create_dir_all(d);
            }
            let _ = std::fs::write(&p, "");
        }
    }
}

/// `salt.utils.pkg.check_refresh`.
fn check_refresh(call: &StateCall<'_>) -> bool {
    match arg(call, "refresh") {
        Some(v) if crate::exec::is_true(v) => true,
        Some(Value::Bool(false)) => false,
        Some(v) if !v.truthy() && v.to_py_str().eq_ignore_ascii_case("false") => false,
        _ => rtag(call).is_file(),
    }
}

fn clear_rtag(call: &StateCall<'_>) {
    let _ = std::fs::remove_file(rtag(call));
}

fn arg<'a>(call: &'a StateCall<'_>, k: &str) -> Option<&'a Value> {
    call.low.get(k).filter(|v| !v.is_none())
}

fn flag(call: &StateCall<'_>, k: &str) -> bool {
    arg(call, k).is_some_and(crate::exec::is_true)
}

fn fail(call: &StateCall<'_>, msg: impl Into<String>) -> StateReturn {
    StateReturn::new(call.name.clone()).fail(msg)
}

/// `_get_desired_pkg`: `name`, `name=1.0` or `name>=1.0`.
fn desired_str(name: &str, ver: &Option<String>) -> String {
    match ver.as_deref() {
        None | Some("") => name.to_string(),
        Some(v) if v.starts_with(['<', '>', '=']) => format!("{name}{v}"),
        Some(v) => format!("{name}={v}"),
    }
}

fn pkg_err_return(call: &StateCall<'_>, e: &PkgError, what: &str) -> StateReturn {
    let mut r = StateReturn::new(call.name.clone());
    r.result = Some(false);
    if e.errors.is_empty() && e.changes.is_empty() {
        r.comment = format!(
            "An error was encountered while {what} package(s): {}",
            e.message
        );
    } else {
        r.changes = e.changes.clone();
        r.comment = e.without_changes();
    }
    r
}

/// The `pkgs` list for `name`/`version`/`pkgs`, or a failed return.
fn desired_list(
    call: &StateCall<'_>,
    invalid: &str,
) -> Result<Vec<(String, Option<String>)>, Box<StateReturn>> {
    let pkgs = arg(call, "pkgs");
    let version = arg(call, "version").map(|v| Value::from(v.to_py_str()));
    let list = match pkgs {
        Some(p) => pkgx::parse_targets(None, Some(p), None),
        // Salt packs the name as is (no comma splitting) for states.
        None => Ok(vec![(
            call.name.clone(),
            version.as_ref().map(Value::to_py_str),
        )]),
    };
    match list {
        Ok(l) if l.is_empty() => Err(Box::new(fail(call, invalid))),
        Ok(l) => Ok(l),
        Err(e) if e.starts_with("You are passing") => Err(Box::new(fail(call, e))),
        Err(_) => Err(Box::new(fail(call, invalid))),
    }
}

/// `hold`/`unhold` results, split as Salt does.
struct HoldOutcome {
    modified: Vec<Dict>,
    not_modified: Vec<Dict>,
    failed: Vec<Dict>,
}

fn do_hold(
    call: &StateCall<'_>,
    b: &Backend,
    names: &[String],
) -> Option<Result<HoldOutcome, String>> {
    let hold = arg(call, "hold")?;
    let hold = crate::exec::is_true(hold);
    let res = match b.set_hold(call.ctx, names, hold, call.test) {
        Ok(r) => r,
        Err(e) => return Some(Err(e.to_string())),
    };
    let mut out = HoldOutcome {
        modified: Vec::new(),
        not_modified: Vec::new(),
        failed: Vec::new(),
    };
    for (_, v) in res.iter() {
        let Some(d) = v.as_dict() else { continue };
        let changed = d.get("changes").is_some_and(Value::truthy);
        let ok = d.get("result").is_some_and(Value::truthy);
        if changed {
            out.modified.push(d.clone());
        }
        if !changed && ok {
            out.not_modified.push(d.clone());
        }
        if !ok {
            out.failed.push(d.clone());
        }
    }
    Some(Ok(out))
}

fn dstr(d: &Dict, k: &str) -> String {
    d.get(k).map(Value::to_py_str).unwrap_or_default()
}

fn installed(call: &StateCall<'_>) -> StateReturn {
    if matches!(arg(call, "pkgs"), Some(Value::List(l)) if l.is_empty()) {
        return StateReturn::new(call.name.clone()).with_comment("No packages to install provided");
    }
    if arg(call, "sources").is_some() {
        return fail(call, "The 'sources' argument is not supported by rsalt");
    }
    let mut refresh = check_refresh(call);
    let b = match Backend::detect(call.ctx) {
        Ok(b) => b,
        Err(e) => return fail(call, e.to_string()),
    };
    let cmp = b.cmp();
    let desired_l = match desired_list(
        call,
        "Invalidly formatted 'pkgs' parameter. See minion log.",
    ) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let mut desired: IndexMap<String, Option<String>> = desired_l.into_iter().collect();
    let names: Vec<String> = desired.keys().cloned().collect();
    let cur = match b.list_names(call.ctx, &names) {
        Ok(db) => db.current(),
        Err(e) => return fail(call, e.to_string()),
    };
    let fromrepo = arg(call, "fromrepo").map(Value::to_py_str);
    let ignore_epoch = flag(call, "ignore_epoch");
    let allow_updates = flag(call, "allow_updates");
    let reinstall = flag(call, "reinstall");

    // Resolve `latest` versions.
    let wants_latest: Vec<String> = desired
        .iter()
        .filter(|(_, v)| v.as_deref() == Some("latest"))
        .map(|(k, _)| k.clone())
        .collect();
    if !wants_latest.is_empty() {
        match pkgx::latest_versions(
            call.ctx,
            &b,
            &wants_latest,
            refresh,
            fromrepo.as_deref(),
            false,
        ) {
            Ok(m) => {
                if refresh {
                    clear_rtag(call);
                    refresh = false;
                }
                for k in &wants_latest {
                    let v = m.get(k).cloned().unwrap_or_default();
                    let v = if v.is_empty() {
                        cur.get(k).and_then(|l| l.last().cloned())
                    } else {
                        Some(v)
                    };
                    desired.insert(k.clone(), v);
                }
            }
            Err(e) => return fail(call, e.to_string()),
        }
    }

    let mut targets: IndexMap<String, Option<String>> = IndexMap::new();
    let mut to_reinstall: IndexMap<String, Option<String>> = IndexMap::new();
    let mut version_spec = false;
    for (pkg, ver) in &desired {
        let cver = cur.get(pkg).cloned().unwrap_or_default();
        if cver.is_empty() {
            targets.insert(pkg.clone(), ver.clone());
            continue;
        }
        if reinstall {
            to_reinstall.insert(pkg.clone(), ver.clone());
            continue;
        }
        let Some(v) = ver.as_deref().filter(|v| !v.is_empty()) else {
            continue;
        };
        version_spec = true;
        if !fulfills(&cver, v, cmp, ignore_epoch, allow_updates) {
            targets.insert(pkg.clone(), ver.clone());
        }
    }

    if targets.is_empty() && to_reinstall.is_empty() {
        let mut r = StateReturn::new(call.name.clone()).with_comment(format!(
            "All specified packages are already installed{}",
            if version_spec {
                " and are at the desired version"
            } else {
                ""
            }
        ));
        if let Some(h) = do_hold(call, &b, &names) {
            match h {
                Err(e) => return fail(call, e),
                Ok(h) => {
                    for i in h.modified {
                        r.comment.push_str(&format!(".\n{}", dstr(&i, "comment")));
                        r.result = i.get("result").and_then(Value::as_bool);
                        r.changes.insert(
                            dstr(&i, "name"),
                            i.get("changes").cloned().unwrap_or_default(),
                        );
                    }
                    for i in h.not_modified.iter().chain(h.failed.iter()) {
                        r.comment.push_str(&format!(".\n{}", dstr(i, "comment")));
                        r.result = i.get("result").and_then(Value::as_bool);
                    }
                }
            }
        }
        return r;
    }

    if call.test {
        let mut r = StateReturn::new(call.name.clone());
        r.result = None;
        let mut comment = Vec::new();
        if !targets.is_empty() {
            let latest: Vec<String> = targets
                .iter()
                .filter(|(_, v)| v.is_none())
                .map(|(k, _)| k.clone())
                .collect();
            let lv =
                pkgx::latest_versions(call.ctx, &b, &latest, false, fromrepo.as_deref(), false)
                    .unwrap_or_default();
            let explicit: Vec<String> = targets
                .iter()
                .filter(|(_, v)| v.is_some())
                .map(|(k, v)| desired_str(k, v))
                .collect();
            let ev = if explicit.is_empty() {
                IndexMap::new()
            } else {
                b.repo_versions(call.ctx, &explicit).unwrap_or_default()
            };
            for k in targets.keys() {
                let new = lv
                    .get(k)
                    .filter(|v| !v.is_empty())
                    .cloned()
                    .or_else(|| ev.get(k).and_then(|l| l.first().cloned()))
                    .unwrap_or_else(|| "installed".into());
                let mut d = Dict::new();
                d.insert("new", Value::from(new));
                d.insert("old", Value::from(""));
                r.changes.insert(k.as_str(), Value::Dict(d));
            }
            comment.push(format!(
                "The following packages would be installed/updated: {}",
                targets.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        if !to_reinstall.is_empty() {
            let list: Vec<String> = to_reinstall
                .iter()
                .map(|(k, v)| desired_str(k, v))
                .collect();
            for x in &list {
                let mut d = Dict::new();
                d.insert("new", Value::from("installed"));
                d.insert("old", Value::from(""));
                r.changes.insert(x.as_str(), Value::Dict(d));
            }
            comment.push(format!(
                "The following packages would be reinstalled: {}",
                list.join(", ")
            ));
        }
        r.comment = comment.join("\n");
        return r;
    }

    let opts = InstallOpts {
        refresh,
        fromrepo: fromrepo.clone(),
        skip_verify: flag(call, "skip_verify"),
        reinstall,
        install_recommends: arg(call, "install_recommends").map(crate::exec::is_true),
        force_conf_new: flag(call, "force_conf_new"),
    };
    let install_list: Vec<(String, Option<String>)> = targets
        .iter()
        .chain(to_reinstall.iter())
        .map(|(k, v)| (k.clone(), resolve_version(call, &b, k, v)))
        .collect();
    let mut changes = match b.install(call.ctx, &install_list, &opts) {
        Ok(c) => c,
        Err(e) => return pkg_err_return(call, &e, "installing"),
    };
    if refresh {
        clear_rtag(call);
    }
    let mut comment: Vec<String> = Vec::new();
    let mut result = Some(true);

    let hold = do_hold(call, &b, &names);
    let hold = match hold {
        Some(Err(e)) => {
            let mut r = StateReturn::new(call.name.clone());
            r.result = Some(false);
            r.changes = changes;
            r.comment = e;
            return r;
        }
        Some(Ok(h)) => Some(h),
        None => None,
    };

    let new = match b.list_names(call.ctx, &names) {
        Ok(db) => db.current(),
        Err(e) => return fail(call, e.to_string()),
    };
    let mut modified = Vec::new();
    let mut not_modified = Vec::new();
    let mut failed = Vec::new();
    for (pkg, ver) in &desired {
        let ok = match (new.get(pkg), ver.as_deref().filter(|v| !v.is_empty())) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(cv), Some(v)) => fulfills(cv, v, cmp, ignore_epoch, allow_updates),
        };
        if ok {
            if targets.contains_key(pkg) {
                modified.push(pkg.clone());
            } else if !to_reinstall.contains_key(pkg) {
                not_modified.push(pkg.clone());
            }
        } else if targets.contains_key(pkg) {
            failed.push(pkg.clone());
        }
    }
    if !modified.is_empty() {
        let summary = modified
            .iter()
            .map(|x| desired_str(x, &desired[x]))
            .collect::<Vec<_>>()
            .join(", ");
        if summary.chars().count() < 20 {
            comment.push(format!(
                "The following packages were installed/updated: {summary}"
            ));
        } else {
            let n = modified.len();
            comment.push(format!(
                "{n} targeted package{} {} installed/updated.",
                if n > 1 { "s" } else { "" },
                if n > 1 { "were" } else { "was" }
            ));
        }
    }
    if let Some(h) = &hold {
        for i in &h.modified {
            let cname = dstr(i, "name");
            let ich = i
                .get("changes")
                .and_then(Value::as_dict)
                .cloned()
                .unwrap_or_default();
            comment.push(dstr(i, "comment"));
            if let Some(Value::Dict(c)) = changes.get_mut(&cname) {
                for key in ["new", "old"] {
                    let mut s = dstr(c, key);
                    if !s.is_empty() {
                        s.push('\n');
                    }
                    s.push_str(&dstr(&ich, key));
                    c.insert(key, Value::from(s));
                }
            } else {
                let mut c = Dict::new();
                c.insert("new", Value::from(dstr(&ich, "new")));
                changes.insert(cname.as_str(), Value::Dict(c));
            }
        }
    }
    if !not_modified.is_empty() {
        let summary = not_modified
            .iter()
            .map(|x| desired_str(x, &desired[x]))
            .collect::<Vec<_>>()
            .join(", ");
        if not_modified.len() <= 20 {
            comment.push(format!(
                "The following packages were already installed: {summary}"
            ));
        } else {
            let n = not_modified.len();
            comment.push(format!(
                "{n} targeted package{} {} already installed",
                if n > 1 { "s" } else { "" },
                if n > 1 { "were" } else { "was" }
            ));
        }
    }
    if let Some(h) = &hold {
        for i in &h.not_modified {
            comment.push(dstr(i, "comment"));
        }
    }
    if !failed.is_empty() {
        let summary = failed
            .iter()
            .map(|x| desired_str(x, &desired[x]))
            .collect::<Vec<_>>()
            .join(", ");
        comment.insert(
            0,
            format!("The following packages failed to install/update: {summary}"),
        );
        result = Some(false);
    }
    if let Some(h) = &hold {
        for i in &h.failed {
            comment.push(dstr(i, "comment"));
            result = Some(false);
        }
    }
    for (pkg, ver) in &to_reinstall {
        if changes.contains_key(pkg) || new.contains_key(pkg) {
            comment.push(format!(
                "Package {} was reinstalled.",
                desired_str(pkg, ver)
            ));
        } else {
            comment.push(format!(
                "Reinstall was not successful for package {}.",
                desired_str(pkg, ver)
            ));
            result = Some(false);
        }
    }
    let mut r = StateReturn::new(call.name.clone());
    r.result = result;
    r.changes = changes;
    r.comment = comment.join("\n");
    r
}

/// A version condition (`>=1.0`) becomes the best matching available version; an exact
/// version is used as is.
fn resolve_version(
    call: &StateCall<'_>,
    b: &Backend,
    name: &str,
    ver: &Option<String>,
) -> Option<String> {
    let v = ver.as_deref().filter(|v| !v.is_empty())?;
    if !v.starts_with(['<', '>', '!']) && !v.contains(',') {
        return Some(split_comparison(v).1);
    }
    let avail = b
        .repo_versions(call.ctx, &[name.to_string()])
        .ok()?
        .get(name)
        .cloned()
        .unwrap_or_default();
    let cmp = b.cmp();
    let mut matching: Vec<String> = avail
        .into_iter()
        .filter(|a| fulfills(std::slice::from_ref(a), v, cmp, false, false))
        .collect();
    matching.sort_by(|a, b| cmp(b, a));
    matching.into_iter().next().or_else(|| Some(v.to_string()))
}

fn latest(call: &StateCall<'_>) -> StateReturn {
    if arg(call, "sources").is_some() {
        return fail(call, "The \"sources\" parameter is not supported.");
    }
    if matches!(arg(call, "pkgs"), Some(Value::List(l)) if l.is_empty()) {
        return StateReturn::new(call.name.clone()).with_comment("No packages to install provided");
    }
    let refresh = check_refresh(call);
    let b = match Backend::detect(call.ctx) {
        Ok(b) => b,
        Err(e) => return fail(call, e.to_string()),
    };
    let desired: Vec<String> = match arg(call, "pkgs") {
        Some(p) => match pkgx::parse_targets(None, Some(p), None) {
            Ok(l) if !l.is_empty() => l.into_iter().map(|(n, _)| n).collect(),
            _ => {
                return fail(
                    call,
                    "Invalidly formatted \"pkgs\" parameter. See minion log.",
                )
            }
        },
        None => vec![call.name.clone()],
    };
    let fromrepo = arg(call, "fromrepo").map(Value::to_py_str);
    let avail = match pkgx::latest_versions(call.ctx, &b, &desired, refresh, fromrepo.as_deref(), false) {
        Ok(m) => m,
        Err(e) => {
            return fail(
                call,
                format!("An error was encountered while checking the newest available version of package(s): {e}"),
            )
        }
    };
    if refresh {
        clear_rtag(call);
    }
    let cur = match b.list_names(call.ctx, &desired) {
        Ok(db) => db.current(),
        Err(e) => return fail(call, e.to_string()),
    };
    let curv = |p: &str| cur.get(p).map(|v| v.join(",")).unwrap_or_default();
    let mut targets: IndexMap<String, String> = IndexMap::new();
    let mut problems = Vec::new();
    for p in &desired {
        match avail.get(p).filter(|v| !v.is_empty()) {
            Some(v) => {
                targets.insert(p.clone(), v.clone());
            }
            None if curv(p).is_empty() => problems.push(format!("No information found for '{p}'.")),
            None => {}
        }
    }
    if !problems.is_empty() {
        return fail(call, problems.join(" "));
    }
    if targets.is_empty() {
        let comment = if desired.len() > 10 {
            format!("All {} packages are up-to-date.", desired.len())
        } else if desired.len() > 1 {
            let mut s = desired.clone();
            s.sort();
            format!("All packages are up-to-date ({}).", s.join(", "))
        } else {
            format!("Package {} is already up-to-date", desired[0])
        };
        return StateReturn::new(call.name.clone()).with_comment(comment);
    }
    let mut up_to_date: Vec<String> = if arg(call, "pkgs").is_some() {
        desired
            .iter()
            .filter(|x| !targets.contains_key(*x))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    up_to_date.sort();
    let mut sorted_targets: Vec<String> = targets.keys().cloned().collect();
    sorted_targets.sort();
    if call.test {
        let mut r = StateReturn::new(call.name.clone());
        r.result = None;
        let mut comments = vec![format!(
            "The following packages would be installed/upgraded: {}",
            sorted_targets.join(", ")
        )];
        if !up_to_date.is_empty() {
            if up_to_date.len() <= 10 {
                comments.push(format!(
                    "The following packages are already up-to-date: {}",
                    up_to_date
                        .iter()
                        .map(|x| format!("{x} ({})", curv(x)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            } else {
                comments.push(format!(
                    "{} packages are already up-to-date",
                    up_to_date.len()
                ));
            }
        }
        for (k, v) in &targets {
            let mut d = Dict::new();
            d.insert("new", Value::from(v.as_str()));
            d.insert("old", Value::from(curv(k)));
            r.changes.insert(k.as_str(), Value::Dict(d));
        }
        r.comment = comments.join("\n");
        return r;
    }
    let opts = InstallOpts {
        refresh: false,
        fromrepo,
        skip_verify: flag(call, "skip_verify"),
        install_recommends: arg(call, "install_recommends").map(crate::exec::is_true),
        ..Default::default()
    };
    let list: Vec<(String, Option<String>)> = targets.keys().map(|k| (k.clone(), None)).collect();
    let changes = match b.install(call.ctx, &list, &opts) {
        Ok(c) => c,
        Err(e) => {
            return fail(
                call,
                format!(
                    "An error was encountered while installing package(s): {}",
                    e.without_changes()
                ),
            )
        }
    };
    let mut r = StateReturn::new(call.name.clone());
    if !changes.is_empty() {
        let failed: Vec<String> = sorted_targets
            .iter()
            .filter(|x| match changes.get(x) {
                None => true,
                Some(c) => match c.get("new") {
                    Some(n) if !n.is_none() => {
                        !n.to_py_str().split(',').any(|v| v == targets[*x].as_str())
                    }
                    _ => false,
                },
            })
            .cloned()
            .collect();
        let successful: Vec<String> = sorted_targets
            .iter()
            .filter(|x| !failed.contains(x))
            .cloned()
            .collect();
        let mut comments = Vec::new();
        if !failed.is_empty() {
            comments.push(format!(
                "The following packages failed to update: {}",
                failed.join(", ")
            ));
        }
        if !successful.is_empty() {
            comments.push(format!(
                "The following packages were successfully installed/upgraded: {}",
                successful.join(", ")
            ));
        }
        if !up_to_date.is_empty() {
            if up_to_date.len() <= 10 {
                comments.push(format!(
                    "The following packages were already up-to-date: {}",
                    up_to_date.join(", ")
                ));
            } else {
                comments.push(format!(
                    "{} packages were already up-to-date ",
                    up_to_date.len()
                ));
            }
        }
        r.result = Some(failed.is_empty());
        r.changes = changes;
        r.comment = comments.join(" ");
    } else {
        r.result = Some(false);
        r.comment = if targets.len() > 10 {
            format!(
                "{} targeted packages failed to update. See debug log for details.",
                targets.len()
            )
        } else if targets.len() > 1 {
            format!(
                "The following targeted packages failed to update. See debug log for details: ({}).",
                sorted_targets.join(", ")
            )
        } else {
            format!("Package {} failed to update.", sorted_targets[0])
        };
        if !up_to_date.is_empty() {
            r.comment.push_str(&format!(
                " The following packages were already up-to-date: {}",
                up_to_date.join(", ")
            ));
        }
    }
    r
}

fn uninstall(call: &StateCall<'_>, purge: bool) -> StateReturn {
    let action = if purge { "purge" } else { "remove" };
    let b = match Backend::detect(call.ctx) {
        Ok(b) => b,
        Err(e) => return fail(call, e.to_string()),
    };
    let params = match desired_list(call, "Invalidly formatted pkgs parameter. See minion log.") {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let pnames: Vec<String> = params.iter().map(|(p, _)| p.clone()).collect();
    let db = match b.list_names(call.ctx, &pnames) {
        Ok(db) => db,
        Err(e) => return fail(call, e.to_string()),
    };
    let cur = db.current();
    let ignore_epoch = flag(call, "ignore_epoch");
    let mut version_spec = false;
    let mut targets: Vec<String> = Vec::new();
    for (p, v) in &params {
        let Some(cver) = cur.get(p) else { continue };
        match v.as_deref().filter(|v| !v.is_empty()) {
            None => targets.push(p.clone()),
            Some(v) => {
                version_spec = true;
                if fulfills(cver, v, b.cmp(), ignore_epoch, false) {
                    targets.push(p.clone());
                }
            }
        }
    }
    if targets.is_empty() && !purge {
        return StateReturn::new(call.name.clone()).with_comment(format!(
            "All specified packages{} are already absent",
            if version_spec {
                " (matching specified versions)"
            } else {
                ""
            }
        ));
    }
    if purge {
        let extra: Vec<String> = params
            .iter()
            .filter(|(p, _)| db.removed.contains_key(p) && !targets.contains(p))
            .map(|(p, _)| p.clone())
            .collect();
        targets.extend(extra);
    }
    targets.sort();
    if targets.is_empty() {
        return StateReturn::new(call.name.clone()).with_comment(format!(
            "None of the targeted packages are installed{}",
            if purge { " or partially installed" } else { "" }
        ));
    }
    if call.test {
        let mut r = StateReturn::new(call.name.clone());
        r.result = None;
        for t in &targets {
            let mut d = Dict::new();
            d.insert("new", Value::from(format!("{action}d")));
            d.insert("old", Value::from(""));
            r.changes.insert(t.as_str(), Value::Dict(d));
        }
        r.comment = format!(
            "The following packages will be {action}d: {}.",
            targets.join(", ")
        );
        return r;
    }
    let names: Vec<String> = params.iter().map(|(p, _)| p.clone()).collect();
    let changes = match b.uninstall(call.ctx, purge, &names) {
        Ok(c) => c,
        Err(e) => return pkg_err_return(call, &e, if purge { "purging" } else { "removing" }),
    };
    let db2 = match b.list_names(call.ctx, &pnames) {
        Ok(db) => db,
        Err(e) => return fail(call, e.to_string()),
    };
    let new = db2.current();
    let mut failed: Vec<String> = names
        .iter()
        .filter(|p| new.contains_key(*p))
        .cloned()
        .collect();
    if purge {
        failed.extend(
            names
                .iter()
                .filter(|p| db2.removed.contains_key(*p))
                .cloned(),
        );
    }
    failed.sort();
    let mut r = StateReturn::new(call.name.clone());
    r.changes = changes;
    if !failed.is_empty() {
        r.result = Some(false);
        r.comment = format!(
            "The following packages failed to {action}: {}.",
            failed.join(", ")
        );
        return r;
    }
    let mut not_installed: Vec<String> = names
        .iter()
        .filter(|p| !targets.contains(p))
        .cloned()
        .collect();
    not_installed.sort();
    r.comment = if not_installed.is_empty() {
        format!("All targeted packages were {action}d.")
    } else {
        format!(
            "The following packages were not installed: {} The following packages were {action}d: {}.",
            not_installed.join(", "),
            targets.join(", ")
        )
    };
    r
}
