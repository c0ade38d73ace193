//! The `git` state module (salt/states/git.py): `latest` — clone a repository and keep
//! the checkout at the remote's `rev`, with Salt's return shape (`changes.new` on a clone,
//! `changes.revision: {old, new}`) and comments.
//!
//! Supported: `name` (URL), `target`, `rev` (branch, tag, full SHA or `HEAD`), `branch`
//! (local branch name), `remote`, `depth`, `force_reset` (discard uncommitted changes /
//! reset a non-fast-forward), `force_clone` (non-git target dir), `fetch_tags`,
//! `identity` (SSH key path, list of paths, or `salt://` key), `user`.
//! Not supported: `bare`, `mirror`, `submodules`, `https_user`/`https_pass`,
//! `refspec_*`, `sync_tags`, Salt's `new_tags`/`updated refs` bookkeeping of no-op fetches.

use super::{StateCall, StateModule, StateReturn};
use crate::exec::cmd::{run_command, CmdLine, RunResult, RunSpec};
use crate::exec::sysutil::{arg, arg_bool, arg_str};
use rsalt_data::{Dict, Value};
use std::path::Path;

/// The `git` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Git;

impl StateModule for Git {
    fn name(&self) -> &'static str {
        "git"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["latest"]
    }

    fn required_args(&self, fun: &str) -> &'static [&'static str] {
        match fun {
            "latest" => &["target"],
            _ => &[],
        }
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "latest" => latest(call),
            other => StateReturn::new(call.name.clone())
                .fail(format!("State 'git.{other}' was not found")),
        }
    }
}

/// Runs git commands for one state (same user, cwd and SSH identity).
struct GitRunner<'a> {
    call: &'a StateCall<'a>,
    user: Option<String>,
    ssh: Option<String>,
}

impl GitRunner<'_> {
    fn run(&self, cwd: Option<&str>, args: &[&str]) -> Result<RunResult, String> {
        let mut argv = vec!["git".to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        let mut spec = RunSpec::new(CmdLine::List(argv));
        spec.cwd = cwd.map(str::to_string);
        spec.runas = self.user.clone();
        spec.ignore_retcode = true;
        spec.env.push(("GIT_TERMINAL_PROMPT".into(), "0".into()));
        if let Some(s) = &self.ssh {
            spec.env.push(("GIT_SSH_COMMAND".into(), s.clone()));
        }
        run_command(self.call.ctx, &spec).map_err(|e| e.to_string())
    }

    /// Runs and returns stdout, or the error text (stderr, else stdout).
    fn ok(&self, cwd: Option<&str>, args: &[&str]) -> Result<String, String> {
        let r = self.run(cwd, args)?;
        if r.retcode == Some(0) {
            Ok(r.stdout)
        } else if r.stderr.trim().is_empty() {
            Err(r.stdout)
        } else {
            Err(r.stderr)
        }
    }
}

fn short(s: &str) -> &str {
    s.get(..7).unwrap_or(s)
}

fn is_sha(s: &str) -> bool {
    s.len() >= 4 && s.len() <= 40 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// What `rev` names on the remote.
enum RemoteRev {
    Branch(String, String),
    Tag(String, String),
    Head(String),
    Sha(String),
}

impl RemoteRev {
    fn sha(&self) -> &str {
        match self {
            RemoteRev::Branch(_, s)
            | RemoteRev::Tag(_, s)
            | RemoteRev::Head(s)
            | RemoteRev::Sha(s) => s,
        }
    }
}

fn resolve_remote(refs: &str, rev: &str) -> Option<RemoteRev> {
    let mut heads = None;
    let mut tag = None;
    let mut tag_peeled = None;
    let mut head = None;
    for line in refs.lines() {
        let Some((sha, r)) = line.split_once('\t') else {
            continue;
        };
        if r == "HEAD" {
            head = Some(sha.to_string());
        } else if r == format!("refs/heads/{rev}") {
            heads = Some(sha.to_string());
        } else if r == format!("refs/tags/{rev}^{{}}") {
            tag_peeled = Some(sha.to_string());
        } else if r == format!("refs/tags/{rev}") {
            tag = Some(sha.to_string());
        }
    }
    if rev == "HEAD" {
        return head.map(RemoteRev::Head);
    }
    if let Some(s) = heads {
        return Some(RemoteRev::Branch(rev.to_string(), s));
    }
    if let Some(s) = tag_peeled.or(tag) {
        return Some(RemoteRev::Tag(rev.to_string(), s));
    }
    if is_sha(rev) {
        return Some(RemoteRev::Sha(rev.to_lowercase()));
    }
    None
}

fn ssh_command(call: &StateCall<'_>) -> Result<Option<String>, String> {
    let ids: Vec<String> = match arg(call.low, "identity") {
        None => return Ok(None),
        Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
        Some(v) => vec![v.to_py_str()],
    };
    let mut paths = Vec::new();
    let mut missing = Vec::new();
    for id in ids {
        let p = if id.starts_with("salt://") {
            match crate::exec::archive::cache_file(call.ctx, &id, call.saltenv()) {
                Ok(p) => {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
                    p.to_string_lossy().into_owned()
                }
                Err(_) => {
                    missing.push(id);
                    continue;
                }
            }
        } else {
            id
        };
        if Path::new(&p).exists() {
            paths.push(p);
        } else {
            missing.push(p);
        }
    }
    if paths.is_empty() {
        return Err(format!(
            "Failed to check remote refs: Unable to authenticate using identity file:\n\nThe following identity file(s) were not found: {}",
            missing.join(", ")
        ));
    }
    // The options of Salt's ssh-id-wrapper.
    let mut cmd = String::from("ssh -oStrictHostKeyChecking=no -oPasswordAuthentication=no -oKbdInteractiveAuthentication=no -oChallengeResponseAuthentication=no");
    for p in paths {
        cmd.push_str(&format!(" -i '{}'", p.replace('\'', "'\\''")));
    }
    Ok(Some(cmd))
}

fn revision(old: Option<&str>, new: &str) -> Value {
    let mut d = Dict::new();
    d.insert("new", Value::from(new));
    d.insert("old", old.map_or(Value::None, Value::from));
    Value::Dict(d)
}

#[allow(clippy::too_many_lines)]
fn latest(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    let Some(target) = arg_str(call.low, "target") else {
        return ret.fail("\"target\" option is required");
    };
    if !target.starts_with('/') {
        return ret.fail(format!("target '{target}' is not an absolute path"));
    }
    let target = target.trim_end_matches('/').to_string();
    let rev = arg_str(call.low, "rev").unwrap_or_else(|| "HEAD".into());
    let remote = arg_str(call.low, "remote").unwrap_or_else(|| "origin".into());
    let branch = arg_str(call.low, "branch");
    let depth = match arg(call.low, "depth") {
        None => None,
        Some(v) => match v.to_py_str().parse::<u32>() {
            Ok(d) if d > 0 => Some(d.to_string()),
            _ => return ret.fail("depth must be a positive integer"),
        },
    };
    let force_reset = arg(call.low, "force_reset").is_some_and(Value::truthy);
    let force_clone = arg_bool(call.low, "force_clone", false);
    let fetch_tags = arg_bool(call.low, "fetch_tags", true);
    let ssh = match ssh_command(call) {
        Ok(s) => s,
        Err(e) => return ret.fail(e),
    };
    let g = GitRunner {
        call,
        user: arg_str(call.low, "user"),
        ssh,
    };
    let refs = match g.ok(None, &["ls-remote", &name]) {
        Ok(r) => r,
        Err(e) => return ret.fail(format!("Failed to check remote refs: {}", e.trim_end())),
    };
    let Some(remote_rev) = resolve_remote(&refs, &rev) else {
        return ret.fail(format!(
            "No revision matching '{rev}' exists in the remote repository"
        ));
    };
    let want = remote_rev.sha().to_string();
    let tpath = Path::new(&target);
    let is_repo = tpath.join(".git").exists();
    let empty_dir =
        tpath.is_dir() && std::fs::read_dir(tpath).is_ok_and(|mut d| d.next().is_none());
    if !is_repo {
        if tpath.exists() && !empty_dir {
            if !tpath.is_dir() {
                return ret.fail(format!("Target '{target}' exists and is not a directory"));
            }
            if !force_clone {
                return ret.fail(format!("Target '{target}' exists, is non-empty and is not a git repository. Set the 'force_clone' option to True to remove this directory's contents and proceed with cloning the remote repository"));
            }
        }
        ret.changes
            .insert("new", Value::from(format!("{name} => {target}")));
        if call.test {
            ret.result = None;
            ret.comment = format!("Repository {name} would be cloned to {target}");
            return ret;
        }
        if tpath.exists() && !empty_dir {
            if let Err(e) = crate::state::file::util::remove_path(tpath) {
                ret.changes = Dict::new();
                return ret.fail(format!("Unable to remove {target}: {e}"));
            }
        }
        let mut args: Vec<String> = vec!["clone".into(), "--origin".into(), remote.clone()];
        if let Some(d) = &depth {
            args.push("--depth".into());
            args.push(d.clone());
            if let RemoteRev::Branch(b, _) | RemoteRev::Tag(b, _) = &remote_rev {
                args.push("--branch".into());
                args.push(b.clone());
            }
        }
        if !fetch_tags && depth.is_none() {
            args.push("--no-tags".into());
        }
        args.push(name.clone());
        args.push(target.clone());
        let refs_args: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Err(e) = g.ok(None, &refs_args) {
            ret.changes = Dict::new();
            return ret.fail(format!("Clone failed: {}", e.trim_end()));
        }
        let mut comment = format!("{name} cloned to {target}");
        let checkout = match &remote_rev {
            RemoteRev::Branch(b, _) => {
                let local = branch.clone().unwrap_or_else(|| b.clone());
                g.ok(
                    Some(&target),
                    &["checkout", "-B", &local, &format!("{remote}/{b}")],
                )
                .map(|_| ())
            }
            RemoteRev::Head(_) => match &branch {
                Some(bn) => g
                    .ok(Some(&target), &["checkout", "-B", bn, &want])
                    .map(|_| ()),
                None => Ok(()),
            },
            RemoteRev::Tag(..) | RemoteRev::Sha(_) => {
                let r = match &branch {
                    Some(bn) => g.ok(Some(&target), &["checkout", "-B", bn, &want]),
                    None => g.ok(Some(&target), &["checkout", "--detach", &want]),
                };
                if r.is_ok() {
                    if branch.is_some() {
                        let _ = g.ok(Some(&target), &["branch", "--unset-upstream"]);
                    }
                    comment.push_str(". Tracking branch was unset.");
                }
                r.map(|_| ())
            }
        };
        if let Err(e) = checkout {
            return ret.fail(format!("Failed to checkout {rev}: {}", e.trim_end()));
        }
        let new = g
            .ok(Some(&target), &["rev-parse", "HEAD"])
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        ret.changes.insert("revision", revision(None, &new));
        ret.comment = comment;
        return ret;
    }
    // existing checkout
    let local_rev = match g.ok(Some(&target), &["rev-parse", "HEAD"]) {
        Ok(s) => s.trim().to_string(),
        Err(e) => {
            return ret.fail(format!(
                "Unable to determine local revision: {}",
                e.trim_end()
            ))
        }
    };
    let cur_url = g
        .ok(
            Some(&target),
            &["config", "--get", &format!("remote.{remote}.url")],
        )
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let mut comments: Vec<String> = Vec::new();
    let want_full = if let RemoteRev::Sha(s) = &remote_rev {
        g.ok(
            Some(&target),
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{s}^{{commit}}"),
            ],
        )
        .map(|x| x.trim().to_string())
        .unwrap_or_else(|_| s.clone())
    } else {
        want.clone()
    };
    let url_ok = cur_url == name;
    if local_rev == want_full && url_ok {
        ret.comment = format!("Repository {target} is up-to-date");
        // Salt fetches tags the checkout lacks (e.g. after a shallow clone) and reports
        // them as a Python set repr.
        if fetch_tags && !call.test {
            let mut missing: Vec<String> = Vec::new();
            let local_tags = g.ok(Some(&target), &["tag", "--list"]).unwrap_or_default();
            let local: Vec<&str> = local_tags.lines().map(str::trim).collect();
            for line in refs.lines() {
                if let Some(t) = line
                    .split_once('\t')
                    .and_then(|(_, r)| r.strip_prefix("refs/tags/"))
                {
                    if !t.ends_with("^{}") && !local.contains(&t) && !missing.iter().any(|m| m == t)
                    {
                        missing.push(t.to_string());
                    }
                }
            }
            if !missing.is_empty() {
                let mut args: Vec<String> = vec!["fetch".into(), remote.clone(), "--tags".into()];
                if let Some(d) = &depth {
                    args.push("--depth".into());
                    args.push(d.clone());
                }
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                if g.ok(Some(&target), &a).is_ok() {
                    missing.sort();
                    let set: Vec<String> = missing.iter().map(|t| format!("'{t}'")).collect();
                    ret.changes
                        .insert("new_tags", Value::from(format!("{{{}}}", set.join(", "))));
                    ret.comment +=
                        &format!("\n\nChanges made: {name} was fetched, resulting in updated refs");
                }
            }
        }
        return ret;
    }
    let dirty = g
        .ok(
            Some(&target),
            &["status", "--porcelain", "--untracked-files=no"],
        )
        .map(|s| !s.trim().is_empty())
        .unwrap_or(false);
    if local_rev != want_full && dirty && !force_reset {
        return ret.fail(format!(
            "Repository would be updated from {} to {}, but there are uncommitted changes. Set 'force_reset' to True (or 'remote-changes') to force this update and discard these changes.",
            short(&local_rev),
            short(&want_full)
        ));
    }
    let have_commit = g
        .ok(
            Some(&target),
            &["cat-file", "-e", &format!("{want_full}^{{commit}}")],
        )
        .is_ok();
    if call.test {
        ret.result = None;
        let mut parts = Vec::new();
        if !url_ok {
            parts.push(format!(
                "Remote '{remote}' would be changed from {cur_url} to {name}."
            ));
        }
        if !have_commit {
            parts.push(format!("Remote '{remote}' would be fetched."));
        }
        if local_rev != want_full {
            parts.push(format!(
                "Repository would be updated from {} to {}.",
                short(&local_rev),
                short(&want_full)
            ));
            ret.changes
                .insert("revision", revision(Some(&local_rev), &want_full));
        }
        ret.comment = parts.join(" ");
        return ret;
    }
    if !url_ok {
        let r = if cur_url.is_empty() {
            g.ok(Some(&target), &["remote", "add", &remote, &name])
        } else {
            g.ok(Some(&target), &["remote", "set-url", &remote, &name])
        };
        if let Err(e) = r {
            return ret.fail(format!("Failed to set remote URL: {}", e.trim_end()));
        }
        let mut d = Dict::new();
        d.insert("old", Value::from(cur_url.as_str()));
        d.insert("new", Value::from(name.as_str()));
        ret.changes.insert("remotes", Value::Dict(d));
        comments.push(format!(
            "Remote '{remote}' changed from {cur_url} to {name}."
        ));
    }
    if !have_commit || matches!(remote_rev, RemoteRev::Branch(..) | RemoteRev::Head(_)) {
        let mut args: Vec<String> = vec!["fetch".into(), remote.clone()];
        if fetch_tags {
            args.push("--tags".into());
        }
        if let Some(d) = &depth {
            args.push("--depth".into());
            args.push(d.clone());
        }
        if let RemoteRev::Branch(b, _) = &remote_rev {
            args.push(format!("+refs/heads/{b}:refs/remotes/{remote}/{b}"));
        }
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = match g.run(Some(&target), &a) {
            Ok(r) => r,
            Err(e) => return ret.fail(e),
        };
        if r.retcode != Some(0) {
            return ret.fail(format!("Fetch failed: {}", r.stderr.trim_end()));
        }
        if !have_commit || !r.stderr.trim().is_empty() {
            comments.push(format!("{name} was fetched, resulting in updated refs."));
        }
    }
    if local_rev != want_full {
        if dirty {
            if let Err(e) = g.ok(Some(&target), &["reset", "--hard", "HEAD"]) {
                return ret.fail(format!("Failed to discard changes: {}", e.trim_end()));
            }
            comments.push("Uncommitted changes were discarded.".into());
        }
        let ff = g
            .ok(
                Some(&target),
                &["merge-base", "--is-ancestor", &local_rev, &want_full],
            )
            .is_ok();
        match &remote_rev {
            RemoteRev::Branch(b, _) => {
                let remote_loc = format!("{remote}/{b}");
                let local_branch = branch.clone().unwrap_or_else(|| b.clone());
                let cur_branch = g
                    .ok(
                        Some(&target),
                        &["symbolic-ref", "--quiet", "--short", "HEAD"],
                    )
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default();
                if cur_branch != local_branch {
                    if let Err(e) = g.ok(
                        Some(&target),
                        &["checkout", "-B", &local_branch, &remote_loc],
                    ) {
                        return ret.fail(format!("Failed to checkout {b}: {}", e.trim_end()));
                    }
                    comments.push(format!("'{local_branch}' was checked out."));
                } else if ff {
                    if let Err(e) = g.ok(Some(&target), &["merge", "--ff-only", &remote_loc]) {
                        return ret.fail(format!("Fast-forward failed: {}", e.trim_end()));
                    }
                    comments.push(format!(
                        "Repository was fast-forwarded to {remote_loc} ({}).",
                        short(&want_full)
                    ));
                } else if force_reset {
                    if let Err(e) = g.ok(Some(&target), &["reset", "--hard", &remote_loc]) {
                        return ret.fail(format!("Reset failed: {}", e.trim_end()));
                    }
                    comments.push(format!(
                        "Repository was hard-reset to {remote_loc} ({}).",
                        short(&want_full)
                    ));
                } else {
                    return ret.fail(format!(
                        "Repository would be updated from {} to {}, but this is not a fast-forward merge. Set 'force_reset' to True to force this update.",
                        short(&local_rev),
                        short(&want_full)
                    ));
                }
            }
            _ => {
                let r = if ff || force_reset {
                    match &branch {
                        Some(bn) => g.ok(Some(&target), &["checkout", "-B", bn, &want_full]),
                        None => g.ok(Some(&target), &["checkout", "--detach", &want_full]),
                    }
                } else {
                    return ret.fail(format!(
                        "Repository would be updated from {} to {}, but this is not a fast-forward merge. Set 'force_reset' to True to force this update.",
                        short(&local_rev),
                        short(&want_full)
                    ));
                };
                if let Err(e) = r {
                    return ret.fail(format!("Failed to checkout {rev}: {}", e.trim_end()));
                }
                comments.push(format!("Repository was updated to {}.", short(&want_full)));
            }
        }
        ret.changes
            .insert("revision", revision(Some(&local_rev), &want_full));
    }
    ret.comment = if comments.is_empty() {
        format!("Repository {target} is up-to-date")
    } else {
        comments.join(" ")
    };
    ret
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_refs() {
        let refs = "aaaa\tHEAD\nbbbb\trefs/heads/main\ncccc\trefs/tags/v1\ndddd\trefs/tags/v1^{}\n";
        assert!(matches!(resolve_remote(refs, "HEAD"), Some(RemoteRev::Head(s)) if s == "aaaa"));
        assert!(
            matches!(resolve_remote(refs, "main"), Some(RemoteRev::Branch(_, s)) if s == "bbbb")
        );
        assert!(matches!(resolve_remote(refs, "v1"), Some(RemoteRev::Tag(_, s)) if s == "dddd"));
        assert!(matches!(
            resolve_remote(refs, "abc123"),
            Some(RemoteRev::Sha(_))
        ));
        assert!(resolve_remote(refs, "nope").is_none());
    }
}
