//! Small helpers shared by the system modules (`timezone`, `mount`, `cron`, `hosts`,
//! `sysctl`, `archive`, `git`, `locale`): running an argument vector through
//! [`crate::exec::cmd::run_command`], `which`, reading arguments of state chunks and
//! execution calls, and in-place file writes.

use super::cmd::{run_command, CmdLine, RunResult, RunSpec};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::path::Path;

/// Runs `argv` without a shell (Salt's `python_shell=False` with a list), output rstripped.
pub fn run(ctx: &RunContext, argv: &[&str]) -> Result<RunResult, CallError> {
    let spec = RunSpec::new(CmdLine::List(argv.iter().map(|s| s.to_string()).collect()));
    run_command(ctx, &spec)
}

/// Like [`run`] with options: working directory, extra environment, rstrip.
pub fn run_opts(
    ctx: &RunContext,
    argv: &[String],
    cwd: Option<&str>,
    env: &[(&str, &str)],
    rstrip: bool,
) -> Result<RunResult, CallError> {
    run_spec(ctx, argv, cwd, env, rstrip, false)
}

/// [`run_opts`] plus `ignore_retcode` (no error log for a non-zero exit status).
pub fn run_spec(
    ctx: &RunContext,
    argv: &[String],
    cwd: Option<&str>,
    env: &[(&str, &str)],
    rstrip: bool,
    ignore_retcode: bool,
) -> Result<RunResult, CallError> {
    let mut spec = RunSpec::new(CmdLine::List(argv.to_vec()));
    spec.ignore_retcode = ignore_retcode;
    spec.cwd = cwd.map(str::to_string);
    spec.rstrip = rstrip;
    spec.env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    run_command(ctx, &spec)
}

/// `salt.utils.path.which`: the first executable `name` on `PATH` (plus the sbin dirs
/// Salt appends).
pub fn which(name: &str) -> Option<String> {
    if name.contains('/') {
        return is_exec(Path::new(name)).then(|| name.to_string());
    }
    let path = std::env::var("PATH").unwrap_or_default();
    let extra = [
        "/bin",
        "/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
    ];
    let found = path
        .split(':')
        .filter(|d| !d.is_empty())
        .chain(extra)
        .map(|d| Path::new(d).join(name))
        .find(|p| is_exec(p));
    found.map(|p| p.to_string_lossy().into_owned())
}

fn is_exec(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A state argument, `None` values counting as missing.
pub fn arg<'a>(low: &'a Dict, key: &str) -> Option<&'a Value> {
    low.get(key).filter(|v| !v.is_none())
}

/// A state argument as a string (Python `str()`), `None` counting as missing.
pub fn arg_str(low: &Dict, key: &str) -> Option<String> {
    arg(low, key).map(Value::to_py_str)
}

/// A state argument with Python truthiness, or `default` when missing.
pub fn arg_bool(low: &Dict, key: &str, default: bool) -> bool {
    low.get(key).map_or(default, Value::truthy)
}

/// Writes `data` to `path` in place (truncate + write, like Python's `open(path, "w")`):
/// keeps the inode, so files Docker bind-mounts (`/etc/hosts`) can be rewritten.
pub fn write_in_place(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    f.write_all(data)?;
    f.flush()
}

/// `CommandExecutionError(msg)`.
pub fn failed(msg: impl Into<String>) -> CallError {
    CallError::Failed(msg.into())
}

/// The Python `strerror` of an I/O error (`No such file or directory`).
pub fn strerror(e: &std::io::Error) -> String {
    crate::state::file::util::strerror(e)
}

/// A one-key dict.
pub fn dict1(k: &str, v: Value) -> Dict {
    let mut d = Dict::new();
    d.insert(k, v);
    d
}

/// The `old`/`new` dict Salt uses for changes.
pub fn old_new(old: Value, new: Value) -> Value {
    let mut d = Dict::new();
    d.insert("old", old);
    d.insert("new", new);
    Value::Dict(d)
}

/// A grain as a string (empty when missing).
pub fn grain(ctx: &RunContext, key: &str) -> String {
    ctx.grains
        .get(key)
        .map(Value::to_py_str)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_finds_sh_and_not_nonsense() {
        assert!(which("sh").is_some());
        assert!(which("definitely-not-a-command-xyz").is_none());
    }

    #[test]
    fn write_in_place_keeps_inode() {
        use std::os::unix::fs::MetadataExt;
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("hosts");
        std::fs::write(&p, "a\n").expect("w");
        let ino = std::fs::metadata(&p).expect("m").ino();
        write_in_place(&p, b"bb\n").expect("w");
        assert_eq!(std::fs::metadata(&p).expect("m").ino(), ino);
        assert_eq!(std::fs::read_to_string(&p).expect("r"), "bb\n");
    }
}
