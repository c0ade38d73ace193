//! `cmd.*` execution functions (salt/modules/cmdmod.py): running commands with Salt's
//! shell, environment, cwd, runas, timeout and success-code semantics.
//!
//! [`run_command`] is the engine (Salt's `cmdmod._run`); the `cmd` state module calls it
//! directly through [`run_all_spec`].

use super::{Args, Bound, ExecRegistry, Sig};
use crate::RunContext;
use indexmap::IndexMap;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Registers the `cmd.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "cmd.run",
        run,
        "Execute the passed command and return the output as a string\n",
    );
    r.add_doc("cmd.shell", shell, "Execute the passed command and return the output as a string.\n\nThis passes the cmd argument directly to the shell\n");
    r.add_doc(
        "cmd.run_stdout",
        run_stdout,
        "Execute a command, and only return the standard out\n",
    );
    r.add_doc(
        "cmd.run_stderr",
        run_stderr,
        "Execute a command and only return the standard error\n",
    );
    r.add_doc(
        "cmd.run_all",
        run_all,
        "Execute the passed command and return a dict of return data\n",
    );
    r.add_doc(
        "cmd.retcode",
        retcode,
        "Execute a shell command and return the command's return code.\n",
    );
    r.add_doc(
        "cmd.script",
        script,
        "Download a script from a remote location and execute the script locally.\n",
    );
    r.add_doc("cmd.script_retcode", script_retcode, "Download a script from a remote location and execute the script locally.\n\nOnly evaluate the script return code and do not block for terminal output\n");
    r.add_doc(
        "cmd.which",
        which,
        "Returns the path of an executable available on the minion, None otherwise\n",
    );
    r.add_doc(
        "cmd.has_exec",
        has_exec,
        "Returns true if the executable is available on the minion, false otherwise\n",
    );
}

/// Salt's `DEFAULT_SHELL`: `$SHELL`, else `/bin/sh`.
pub fn default_shell() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into())
}

/// The shell states use: the `shell` grain, else [`default_shell`].
pub fn grains_shell(ctx: &RunContext) -> String {
    ctx.grains
        .get("shell")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(default_shell)
}

/// Python's `shlex.split(s)` (POSIX mode, no comments).
pub fn shlex_split(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(n) => cur.push(n),
                    None => return Err("No escaped character".into()),
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(n) => cur.push(n),
                        None => return Err("No closing quotation".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(n @ ('"' | '\\')) => cur.push(n),
                            Some(n) => {
                                cur.push('\\');
                                cur.push(n);
                            }
                            None => return Err("No escaped character".into()),
                        },
                        Some(n) => cur.push(n),
                        None => return Err("No closing quotation".into()),
                    }
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// One `/etc/passwd` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct PwEntry {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

/// Looks a user up in `/etc/passwd` by name.
pub fn getpwnam(name: &str) -> Option<PwEntry> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 7 && f[0] == name).then(|| PwEntry {
            name: f[0].to_string(),
            uid: f[2].parse().unwrap_or(u32::MAX),
            gid: f[3].parse().unwrap_or(u32::MAX),
            home: f[5].to_string(),
            shell: f[6].to_string(),
        })
    })
}

/// Looks a group id up in `/etc/group` by name.
pub fn getgrnam(name: &str) -> Option<u32> {
    let text = std::fs::read_to_string("/etc/group").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 3 && f[0] == name)
            .then(|| f[2].parse().ok())
            .flatten()
    })
}

/// The effective uid of this process (owner of `/proc/self`).
pub fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// The command to run: a shell string or an argument list.
#[derive(Debug, Clone, PartialEq)]
pub enum CmdLine {
    /// A string (run by the shell, or split with `shlex` when not using a shell).
    Str(String),
    /// An argument vector.
    List(Vec<String>),
}

impl CmdLine {
    /// How Salt shows the command in messages (`'str'` or a Python list repr).
    pub fn display(&self) -> String {
        match self {
            CmdLine::Str(s) => s.clone(),
            CmdLine::List(l) => rsalt_data::repr::repr(&Value::List(
                l.iter().map(|s| Value::from(s.as_str())).collect(),
            )),
        }
    }
}

/// Everything `cmdmod._run` takes.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The command.
    pub cmd: CmdLine,
    /// Working directory (default: the home of `runas` or of the current user, else `/`).
    pub cwd: Option<String>,
    /// Text written to the command's stdin (`\n` escapes translated unless
    /// `stdin_raw_newlines`).
    pub stdin: Option<String>,
    /// Keep `\n` escapes in `stdin` literally.
    pub stdin_raw_newlines: bool,
    /// Run as this user.
    pub runas: Option<String>,
    /// Run with this group.
    pub group: Option<String>,
    /// The shell (`python_shell` uses it; default [`default_shell`]).
    pub shell: Option<String>,
    /// Run through the shell.
    pub python_shell: bool,
    /// Extra environment (already repacked), values as Python `str()`.
    pub env: Vec<(String, String)>,
    /// Start from an empty environment.
    pub clean_env: bool,
    /// Prepended to `PATH`.
    pub prepend_path: Option<String>,
    /// Strip trailing whitespace from the output.
    pub rstrip: bool,
    /// umask for the command (octal digits).
    pub umask: Option<String>,
    /// Seconds before the command is killed.
    pub timeout: Option<Value>,
    /// Set the `LC_*` variables to `C` unless given.
    pub reset_system_locale: bool,
    /// Merge stderr into stdout.
    pub redirect_stderr: bool,
    /// Return codes treated as success (become 0).
    pub success_retcodes: Option<Value>,
    /// Substrings of stdout that make the command a success.
    pub success_stdout: Option<Value>,
    /// Substrings of stderr that make the command a success.
    pub success_stderr: Option<Value>,
    /// `ignore_retcode` (the CLI exit status stays 0).
    pub ignore_retcode: bool,
    /// Run in the background without waiting.
    pub bg: bool,
    /// Template engine for `cmd` and `cwd` (`jinja`).
    pub template: Option<String>,
    /// Environment for templates.
    pub saltenv: Option<String>,
    /// Extra template context (`cmd.script`).
    pub context: Dict,
}

impl RunSpec {
    /// A spec for `cmd` with Salt's defaults.
    pub fn new(cmd: CmdLine) -> Self {
        RunSpec {
            cmd,
            cwd: None,
            stdin: None,
            stdin_raw_newlines: false,
            runas: None,
            group: None,
            shell: None,
            python_shell: false,
            env: Vec::new(),
            clean_env: false,
            prepend_path: None,
            rstrip: true,
            umask: None,
            timeout: None,
            reset_system_locale: true,
            redirect_stderr: false,
            success_retcodes: None,
            success_stdout: None,
            success_stderr: None,
            ignore_retcode: false,
            bg: false,
            template: None,
            saltenv: None,
            context: Dict::new(),
        }
    }

    /// Fills the options from keyword arguments (`cwd`, `env`, `runas`, `timeout`, ...)
    /// read through `get`; `None` values count as not given.
    pub fn apply_kwargs<'a>(&mut self, get: impl Fn(&str) -> Option<&'a Value>) {
        let s = |k: &str| get(k).filter(|v| !v.is_none()).map(Value::to_py_str);
        let b = |k: &str, d: bool| get(k).filter(|v| !v.is_none()).map_or(d, Value::truthy);
        self.cwd = s("cwd").filter(|c| !c.is_empty());
        self.stdin = s("stdin");
        self.stdin_raw_newlines = b("stdin_raw_newlines", false);
        self.runas = s("runas").filter(|r| !r.is_empty());
        self.group = s("group").filter(|r| !r.is_empty());
        self.shell = s("shell").filter(|r| !r.is_empty());
        self.env = parse_env(get("env"));
        self.clean_env = b("clean_env", false);
        self.prepend_path = s("prepend_path").filter(|r| !r.is_empty());
        self.rstrip = b("rstrip", true);
        self.umask = s("umask");
        self.timeout = get("timeout").filter(|v| v.truthy()).cloned();
        self.reset_system_locale = b("reset_system_locale", true);
        self.success_retcodes = get("success_retcodes").filter(|v| !v.is_none()).cloned();
        self.success_stdout = get("success_stdout").filter(|v| !v.is_none()).cloned();
        self.success_stderr = get("success_stderr").filter(|v| !v.is_none()).cloned();
        self.ignore_retcode = b("ignore_retcode", false);
        self.bg = b("bg", false);
        self.template = s("template").filter(|r| !r.is_empty());
        self.saltenv = s("saltenv").or_else(|| s("__env__"));
    }
}

/// What a command produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// Process id.
    pub pid: u32,
    /// Return code after `success_*` mapping (`-N` for signal N, `None` in background).
    pub retcode: Option<i64>,
    /// Standard output (stderr too when redirected).
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The command was killed after `timeout` (Salt then reorders the keys).
    pub timed_out: bool,
}

impl RunResult {
    /// The `cmd.run_all` dict: `{pid, retcode, stdout, stderr}` (Salt's key order, which
    /// differs after a timeout).
    pub fn to_value(&self) -> Value {
        let mut d = Dict::new();
        let rc = self.retcode.map_or(Value::None, Value::Int);
        if self.timed_out {
            d.insert("stdout", Value::from(self.stdout.as_str()));
            d.insert("stderr", Value::from(self.stderr.as_str()));
            d.insert("retcode", rc);
            d.insert("pid", Value::Int(i64::from(self.pid)));
        } else {
            d.insert("pid", Value::Int(i64::from(self.pid)));
            d.insert("retcode", rc);
            d.insert("stdout", Value::from(self.stdout.as_str()));
            d.insert("stderr", Value::from(self.stderr.as_str()));
        }
        Value::Dict(d)
    }
}

/// `cmdmod._parse_env` + `_ensure_env_str`: a dict, or a list of one-key dicts, becomes
/// `(name, value)` pairs with Python `str()` values (`None` → empty string).
pub fn parse_env(env: Option<&Value>) -> Vec<(String, String)> {
    let mut d = Dict::new();
    match env {
        Some(Value::Dict(e)) => d = e.clone(),
        Some(Value::List(items)) => {
            for it in items {
                match it {
                    Value::Dict(one) if one.len() == 1 => {
                        for (k, v) in one.iter() {
                            d.insert(k.clone(), v.clone());
                        }
                    }
                    Value::Str(_) | Value::Int(_) | Value::Float(_) => {
                        if let Some(k) = rsalt_data::Key::from_value(it) {
                            d.insert(k, Value::None);
                        }
                    }
                    _ => {
                        tracing::error!("Invalid input for repack_dictlist");
                        return Vec::new();
                    }
                }
            }
        }
        _ => {}
    }
    d.iter()
        .map(|(k, v)| {
            let val = match v {
                Value::None => {
                    tracing::error!(
                        "Environment variable '{k}' passed without a value. Setting value to an empty string"
                    );
                    String::new()
                }
                other => other.to_py_str(),
            };
            (k.to_string(), val)
        })
        .collect()
}

/// `salt.utils.args.split_input`: a list stays, anything else is split on commas.
fn split_input(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().map(Value::to_py_str).collect(),
        other => other
            .to_py_str()
            .split(',')
            .map(|x| x.trim().to_string())
            .collect(),
    }
}

const LOCALE_VARS: [&str; 13] = [
    "LC_CTYPE",
    "LC_NUMERIC",
    "LC_TIME",
    "LC_COLLATE",
    "LC_MONETARY",
    "LC_MESSAGES",
    "LC_PAPER",
    "LC_NAME",
    "LC_ADDRESS",
    "LC_TELEPHONE",
    "LC_MEASUREMENT",
    "LC_IDENTIFICATION",
    "LANGUAGE",
];

fn home_readable(p: &str) -> bool {
    std::fs::read_dir(p).is_ok()
}

fn failed(msg: impl Into<String>) -> CallError {
    CallError::Failed(msg.into())
}

/// Renders a command or cwd string with `template` (only `jinja`).
fn render_str(ctx: &RunContext, spec: &RunSpec, text: &str) -> Result<String, CallError> {
    let Some(engine) = spec.template.as_deref() else {
        return Ok(text.to_string());
    };
    if engine != "jinja" {
        return Err(failed(format!(
            "Attempted to render file paths with unavailable engine {engine}"
        )));
    }
    let saltenv = spec.saltenv.clone().unwrap_or_else(|| "base".into());
    let mut tctx = ctx.template_context(None, ":string:", &saltenv);
    for (k, v) in spec.context.iter() {
        tctx.insert(k.clone(), v.clone());
    }
    rsalt_sls::jinja::render(&ctx.jinja, text, ":string:", &saltenv, &tctx)
        .map_err(|e| failed(format!("Failed to execute cmd with error: {e}")))
}

fn reader<R: Read + Send + 'static>(mut r: R) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// The `new_kwargs` dict Salt shows in "Unable to run command ... with the context ...".
fn popen_context_repr(
    spec: &RunSpec,
    cwd: &str,
    run_env: &IndexMap<String, String>,
    shell: Option<&str>,
    timeout: Option<&(f64, Value)>,
) -> String {
    use rsalt_data::repr::{repr, str_repr};
    let env: Vec<String> = run_env
        .iter()
        .map(|(k, v)| format!("{}: {}", str_repr(k), str_repr(v)))
        .collect();
    let mut parts = vec![
        format!("'cwd': {}", str_repr(cwd)),
        format!(
            "'shell': {}",
            if spec.python_shell { "True" } else { "False" }
        ),
        format!("'env': {{{}}}", env.join(", ")),
        format!(
            "'stdin': {}",
            spec.stdin.as_deref().map_or("None".to_string(), str_repr)
        ),
        "'stdout': -1".to_string(),
        format!("'stderr': {}", if spec.redirect_stderr { -2 } else { -1 }),
        "'with_communicate': True".to_string(),
        format!(
            "'timeout': {}",
            timeout.map_or("None".to_string(), |t| repr(&t.1))
        ),
        format!("'bg': {}", if spec.bg { "True" } else { "False" }),
    ];
    if spec.stdin_raw_newlines {
        parts.push("'stdin_raw_newlines': True".to_string());
    }
    if spec.python_shell {
        if let Some(sh) = shell {
            parts.push(format!("'executable': {}", str_repr(sh)));
        }
    }
    parts.push("'close_fds': True".to_string());
    format!("{{{}}}", parts.join(", "))
}

/// Salt's `cmdmod._run`: runs the command and collects its output. Errors are Salt's
/// `CommandExecutionError` texts.
pub fn run_command(ctx: &RunContext, spec: &RunSpec) -> Result<RunResult, CallError> {
    let shell = match (&spec.shell, spec.python_shell) {
        (Some(s), _) => Some(s.clone()),
        (None, true) => Some(default_shell()),
        (None, false) => None,
    };
    let user = match &spec.runas {
        Some(u) => Some(getpwnam(u).ok_or_else(|| failed(format!("User '{u}' is not available")))?),
        None => None,
    };
    let cwd = match &spec.cwd {
        Some(c) => c.clone(),
        None => {
            let home = match &user {
                Some(u) => u.home.clone(),
                None => std::env::var("HOME").unwrap_or_else(|_| "/".into()),
            };
            if home_readable(&home) {
                home
            } else {
                "/".into()
            }
        }
    };
    if let Some(sh) = &shell {
        let ok = std::fs::metadata(sh).is_ok_and(|m| {
            use std::os::unix::fs::PermissionsExt;
            m.is_file() && m.permissions().mode() & 0o111 != 0
        });
        if !ok {
            return Err(failed(format!("The shell {sh} is not available")));
        }
    }
    let cmd = match &spec.cmd {
        CmdLine::Str(s) => CmdLine::Str(render_str(ctx, spec, s)?),
        l => l.clone(),
    };
    let cwd = if spec.template.is_some() {
        render_str(ctx, spec, &cwd)?
    } else {
        cwd
    };
    let gid = match &spec.group {
        Some(g) => {
            Some(getgrnam(g).ok_or_else(|| failed(format!("Group '{g}' is not available")))?)
        }
        None => None,
    };
    if let Some(u) = &user {
        let me = current_uid();
        if me != Some(0) && me != Some(u.uid) {
            return Err(failed(format!(
                "Cannot run as user '{}': rsalt is not running as root",
                u.name
            )));
        }
    }
    // Environment: the user's env plus locale defaults, over the process env (Python
    // dict order: updated keys keep their place, new ones are appended).
    let mut env: IndexMap<String, String> = spec.env.iter().cloned().collect();
    if spec.reset_system_locale {
        for k in LOCALE_VARS {
            env.entry(k.to_string()).or_insert_with(|| "C".into());
        }
    }
    if let Some(u) = &user {
        env.insert("USER".into(), u.name.clone());
        env.insert("LOGNAME".into(), u.name.clone());
        env.insert("HOME".into(), u.home.clone());
        if !u.shell.is_empty() {
            env.entry("SHELL".into()).or_insert_with(|| u.shell.clone());
        }
    }
    let mut run_env: IndexMap<String, String> = if spec.clean_env {
        IndexMap::new()
    } else {
        std::env::vars().collect()
    };
    run_env.extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
    if let Some(pp) = &spec.prepend_path {
        let old = run_env.get("PATH").cloned().unwrap_or_default();
        run_env.insert("PATH".into(), format!("{pp}:{old}"));
    }
    if !env.contains_key("NOTIFY_SOCKET") {
        run_env.shift_remove("NOTIFY_SOCKET");
    }
    let umask = match &spec.umask {
        None => None,
        Some(u) => {
            let t = u.trim_start_matches('0');
            if t.is_empty() {
                return Err(failed("Zero umask is not allowed."));
            }
            u32::from_str_radix(t, 8).map_err(|_| failed(format!("Invalid umask: '{u}'")))?;
            Some(t.to_string())
        }
    };
    if !Path::new(&cwd).is_absolute() || !Path::new(&cwd).is_dir() {
        return Err(failed(format!(
            "Specified cwd '{cwd}' either not absolute or does not exist"
        )));
    }
    // argv, as Popen builds it.
    let mut argv: Vec<String> = match (&cmd, spec.python_shell) {
        (CmdLine::Str(s), true) => vec![
            shell.clone().unwrap_or_else(default_shell),
            "-c".into(),
            s.clone(),
        ],
        (CmdLine::List(l), true) => {
            let mut v = vec![shell.clone().unwrap_or_else(default_shell), "-c".into()];
            v.extend(l.iter().cloned());
            v
        }
        (CmdLine::Str(s), false) => shlex_split(s).map_err(failed)?,
        (CmdLine::List(l), false) => l.clone(),
    };
    // Salt shows the command as handed to Popen: split into a list unless run by a shell.
    let shown_cmd = match (&cmd, spec.python_shell) {
        (CmdLine::Str(s), true) => s.clone(),
        (CmdLine::List(l), _) => CmdLine::List(l.clone()).display(),
        (CmdLine::Str(_), false) => CmdLine::List(argv.clone()).display(),
    };
    if let Some(u) = &umask {
        let mut w = vec![
            "/bin/sh".to_string(),
            "-c".into(),
            format!("umask {u} && exec \"$@\""),
            "sh".into(),
        ];
        w.append(&mut argv);
        argv = w;
    }
    let success_retcodes: Vec<i64> = match &spec.success_retcodes {
        None => vec![0],
        Some(v) => split_input(v)
            .iter()
            .map(|x| x.trim().parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| failed("success_retcodes must be a list of integers"))?,
    };
    let success_stdout = spec
        .success_stdout
        .as_ref()
        .map(split_input)
        .unwrap_or_default();
    let success_stderr = spec
        .success_stderr
        .as_ref()
        .map(split_input)
        .unwrap_or_default();
    let timeout = match &spec.timeout {
        None => None,
        Some(Value::Int(i)) => Some((*i as f64, Value::Int(*i))),
        Some(Value::Float(f)) => Some((*f, Value::Float(*f))),
        Some(v) => {
            return Err(failed(format!(
                "Error: timeout {} must be a number",
                v.to_py_str()
            )))
        }
    };
    let Some((prog, rest)) = argv.split_first() else {
        return Err(failed("Unable to run an empty command"));
    };
    let context_repr = popen_context_repr(spec, &cwd, &run_env, shell.as_deref(), timeout.as_ref());

    tracing::info!("Executing command '{}' in directory '{cwd}'", cmd.display());
    let merged = spec.redirect_stderr && !spec.bg;
    let mut merged_reader: Option<std::os::unix::net::UnixStream> = None;
    let spawned = {
        let mut c = Command::new(prog);
        c.args(rest).current_dir(&cwd).env_clear().envs(&run_env);
        if let Some(u) = &user {
            c.gid(gid.unwrap_or(u.gid)).uid(u.uid);
        } else if let Some(g) = gid {
            c.gid(g);
        }
        if spec.bg {
            c.stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
        } else {
            c.stdin(if spec.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::inherit()
            });
            if merged {
                let (r, w) = std::os::unix::net::UnixStream::pair()
                    .map_err(|e| failed(format!("Unable to create a pipe: {e}")))?;
                let w2 = w
                    .try_clone()
                    .map_err(|e| failed(format!("Unable to create a pipe: {e}")))?;
                c.stdout(Stdio::from(std::os::fd::OwnedFd::from(w)));
                c.stderr(Stdio::from(std::os::fd::OwnedFd::from(w2)));
                merged_reader = Some(r);
            } else {
                c.stdout(Stdio::piped()).stderr(Stdio::piped());
            }
        }
        c.spawn()
        // `c` (and the parent's copies of the write ends) is dropped here.
    };
    let mut child = spawned.map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(0);
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
            _ => e.to_string(),
        };
        failed(format!(
            "Unable to run command '{shown_cmd}' with the context '{context_repr}', reason: [Errno {errno}] {what}: {}",
            rsalt_data::repr::str_repr(prog)
        ))
    })?;
    let pid = child.id();
    if spec.bg {
        return Ok(RunResult {
            pid,
            retcode: None,
            stdout: String::new(),
            stderr: String::new(),
            timed_out: false,
        });
    }
    if let (Some(mut w), Some(text)) = (child.stdin.take(), spec.stdin.clone()) {
        let data = if spec.stdin_raw_newlines {
            text
        } else {
            text.replace("\\n", "\n")
        };
        std::thread::spawn(move || {
            let _ = w.write_all(data.as_bytes());
        });
    }
    let out_h = match merged_reader {
        Some(r) => Some(reader(r)),
        None => child.stdout.take().map(reader),
    };
    let err_h = child.stderr.take().map(reader);
    let start = Instant::now();
    let mut delay = Duration::from_millis(1);
    let status = loop {
        let st = child
            .try_wait()
            .map_err(|e| failed(format!("Unable to wait for the command: {e}")))?;
        let readers_done = out_h.as_ref().is_none_or(JoinHandle::is_finished)
            && err_h.as_ref().is_none_or(JoinHandle::is_finished);
        if let (Some(st), true) = (st, readers_done) {
            break st;
        }
        if let Some((secs, ref shown)) = timeout {
            if start.elapsed().as_secs_f64() >= secs {
                let _ = child.kill();
                // Reap it in the background: grandchildren may still hold the pipes.
                std::thread::spawn(move || {
                    let _ = child.wait();
                });
                return Ok(RunResult {
                    pid,
                    retcode: Some(1),
                    stdout: format!(
                        "{shown_cmd} : Timed out after {} seconds",
                        shown.to_py_str()
                    ),
                    stderr: String::new(),
                    timed_out: true,
                });
            }
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(25));
    };
    let join = |h: Option<JoinHandle<Vec<u8>>>| {
        h.and_then(|h| h.join().ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    let mut stdout = join(out_h);
    let mut stderr = join(err_h);
    if spec.rstrip {
        stdout.truncate(stdout.trim_end().len());
        stderr.truncate(stderr.trim_end().len());
    }
    let mut rc = status
        .code()
        .map(i64::from)
        .or_else(|| status.signal().map(|s| -i64::from(s)))
        .unwrap_or(1);
    if success_retcodes.contains(&rc) {
        rc = 0;
    }
    if success_stdout.iter().any(|s| stdout.contains(s.as_str()))
        || success_stderr.iter().any(|s| stderr.contains(s.as_str()))
    {
        rc = 0;
    }
    super::set_retcode(if spec.ignore_retcode { 0 } else { rc });
    if rc != 0 && !spec.ignore_retcode {
        tracing::error!("Command '{}' failed with return code: {rc}", cmd.display());
    }
    Ok(RunResult {
        pid,
        retcode: Some(rc),
        stdout,
        stderr,
        timed_out: false,
    })
}

/// `cmd.run_all` for a prepared spec: the result dict, with output blanked by
/// `hide_output`.
pub fn run_all_spec(
    ctx: &RunContext,
    spec: &RunSpec,
    hide_output: bool,
) -> Result<RunResult, CallError> {
    let mut r = run_command(ctx, spec)?;
    if hide_output {
        r.stdout.clear();
        r.stderr.clear();
    }
    Ok(r)
}

const RUN_PARAMS: &[&str] = &[
    "cmd",
    "cwd",
    "stdin",
    "runas",
    "group",
    "shell",
    "python_shell",
    "env",
    "clean_env",
    "template",
    "rstrip",
    "umask",
    "output_encoding",
    "output_loglevel",
    "log_callback",
    "hide_output",
    "timeout",
    "reset_system_locale",
    "ignore_retcode",
    "saltenv",
    "use_vt",
    "redirect_stderr",
    "bg",
    "password",
    "encoded_cmd",
    "raise_err",
    "prepend_path",
    "success_retcodes",
    "success_stdout",
    "success_stderr",
];

fn bind_run(fun: &'static str, args: &Args) -> Result<Bound, CallError> {
    args.bind(&Sig {
        name: fun,
        params: RUN_PARAMS,
        required: 1,
        varargs: false,
        varkw: true,
    })
}

fn cmdline(v: Option<&Value>) -> CmdLine {
    match v {
        Some(Value::List(l)) => CmdLine::List(l.iter().map(Value::to_py_str).collect()),
        Some(v) => CmdLine::Str(v.to_py_str()),
        None => CmdLine::Str(String::new()),
    }
}

/// `_python_shell_default`: an explicit shell implies `python_shell=True` unless given.
fn python_shell_default(b: &Bound, shell: bool) -> bool {
    match b.get("python_shell").filter(|v| !v.is_none()) {
        Some(v) => v.truthy(),
        None => shell,
    }
}

fn spec_from(b: &Bound, fun_default_redirect: bool) -> RunSpec {
    let mut spec = RunSpec::new(cmdline(b.get("cmd")));
    spec.apply_kwargs(|k| b.get(k).or_else(|| b.kwargs.get(k)));
    spec.python_shell = python_shell_default(b, spec.shell.is_some());
    spec.redirect_stderr = b.truthy("redirect_stderr", fun_default_redirect);
    spec
}

/// `cmd.run(cmd, ...)`: stdout (stderr merged by default).
pub fn run(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = bind_run("run", args)?;
    let spec = spec_from(&b, true);
    let r = run_command(ctx, &spec)?;
    if r.retcode != Some(0) && !spec.ignore_retcode && b.truthy("raise_err", false) {
        return Err(failed(if b.truthy("hide_output", false) {
            String::new()
        } else {
            r.stdout
        }));
    }
    Ok(Value::from(if b.truthy("hide_output", false) {
        String::new()
    } else {
        r.stdout
    }))
}

/// `cmd.shell(cmd, ...)`: `cmd.run` through the shell.
pub fn shell(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = bind_run("shell", args)?;
    let mut spec = spec_from(&b, true);
    let sh = spec.shell.clone().unwrap_or_else(default_shell);
    spec.shell = Some(sh);
    spec.python_shell = b
        .get("python_shell")
        .filter(|v| !v.is_none())
        .is_none_or(Value::truthy);
    let r = run_command(ctx, &spec)?;
    Ok(Value::from(if b.truthy("hide_output", false) {
        String::new()
    } else {
        r.stdout
    }))
}

/// `cmd.run_stdout(cmd, ...)`.
pub fn run_stdout(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = bind_run("run_stdout", args)?;
    let r = run_command(ctx, &spec_from(&b, false))?;
    Ok(Value::from(if b.truthy("hide_output", false) {
        String::new()
    } else {
        r.stdout
    }))
}

/// `cmd.run_stderr(cmd, ...)`.
pub fn run_stderr(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = bind_run("run_stderr", args)?;
    let r = run_command(ctx, &spec_from(&b, false))?;
    Ok(Value::from(if b.truthy("hide_output", false) {
        String::new()
    } else {
        r.stderr
    }))
}

/// `cmd.run_all(cmd, ...)` → `{pid, retcode, stdout, stderr}`.
pub fn run_all(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = bind_run("run_all", args)?;
    let r = run_all_spec(ctx, &spec_from(&b, false), b.truthy("hide_output", false))?;
    Ok(r.to_value())
}

/// `cmd.retcode(cmd, ...)` → the return code.
pub fn retcode(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = bind_run("retcode", args)?;
    let mut spec = spec_from(&b, true);
    spec.redirect_stderr = true;
    let r = run_command(ctx, &spec)?;
    Ok(r.retcode.map_or(Value::None, Value::Int))
}

/// Where a `cmd.script` source comes from.
fn fetch_source(ctx: &RunContext, source: &str, saltenv: &str) -> Option<(String, String)> {
    let (path, env) = match source.split_once("?saltenv=") {
        Some((p, e)) => (p.to_string(), e.to_string()),
        None => (source.to_string(), saltenv.to_string()),
    };
    if let Some(rel) = path.strip_prefix("salt://") {
        let text = ctx.files.read(&env, rel)?;
        return Some((text, path));
    }
    let local = path.strip_prefix("file://").unwrap_or(&path);
    if Path::new(local).is_absolute() {
        let text = std::fs::read_to_string(local).ok()?;
        return Some((text, path));
    }
    None
}

fn cache_error() -> Value {
    let mut d = Dict::new();
    d.insert("pid", Value::Int(0));
    d.insert("retcode", Value::Int(1));
    d.insert("stdout", Value::from(""));
    d.insert("stderr", Value::from(""));
    d.insert("cache_error", Value::Bool(true));
    Value::Dict(d)
}

/// Salt's `cmd.script`: fetches `source` (optionally rendering it with `template` and
/// `context`), writes it to a temp file in `cwd` and runs it with `args`. Returns the
/// `run_all` dict, or the `cache_error` dict when the source cannot be fetched.
pub fn script_spec(
    ctx: &RunContext,
    source: &str,
    script_args: Option<&Value>,
    mut spec: RunSpec,
    hide_output: bool,
) -> Result<Value, CallError> {
    let saltenv = spec
        .saltenv
        .clone()
        .or_else(|| {
            ctx.opt("saltenv")
                .filter(|v| !v.is_none())
                .map(Value::to_py_str)
        })
        .unwrap_or_else(|| "base".into());
    let base = source.split('?').next().unwrap_or(source);
    let file_name = base.rsplit('/').next().unwrap_or(base);
    let ext = match file_name.rfind('.') {
        Some(i) if i > 0 && !file_name[..i].chars().all(|c| c == '.') => &file_name[i..],
        _ => "",
    };
    let Some((mut text, tpl_path)) = fetch_source(ctx, source, &saltenv) else {
        return Ok(cache_error());
    };
    if let Some(engine) = spec.template.clone() {
        if engine != "jinja" {
            return Ok(cache_error());
        }
        let rel = tpl_path.trim_start_matches("salt://").to_string();
        let mut tctx = ctx.template_context(None, &rel, &saltenv);
        for (k, v) in spec.context.iter() {
            tctx.insert(k.clone(), v.clone());
        }
        match rsalt_sls::jinja::render(&ctx.jinja, &text, &rel, &saltenv, &tctx) {
            Ok(t) => text = t,
            Err(e) => {
                tracing::error!("cmd.script: Unable to render '{source}': {e}");
                return Ok(cache_error());
            }
        }
    }
    let dir = spec
        .cwd
        .clone()
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!(
        "__salt.tmp.{:08x}{ext}",
        super::test::random_u64() & 0xffff_ffff
    ));
    if let Err(e) = std::fs::write(&path, text.as_bytes()) {
        return Err(failed(format!(
            "Unable to write script {}: {e}",
            path.display()
        )));
    }
    let cleanup = |p: &Path| {
        let _ = std::fs::remove_file(p);
    };
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o500));
        let uid = match &spec.runas {
            Some(u) => getpwnam(u).map(|p| p.uid),
            None => current_uid(),
        };
        let _ = std::os::unix::fs::chown(&path, uid, None);
    }
    let path_s = path.to_string_lossy().into_owned();
    let mut argv = vec![path_s];
    match script_args {
        Some(Value::List(l)) => argv.extend(l.iter().map(Value::to_py_str)),
        Some(v) if v.truthy() => argv.push(v.to_py_str()),
        _ => {}
    }
    spec.cmd = CmdLine::List(argv);
    spec.template = None;
    let ret = match run_command(ctx, &spec) {
        Ok(r) => r.to_value(),
        Err(e) => {
            tracing::error!("cmd.script: Unable to run script: {e}");
            Value::dict()
        }
    };
    cleanup(&path);
    let mut ret = ret;
    if hide_output {
        if let Value::Dict(d) = &mut ret {
            d.insert("stdout", Value::from(""));
            d.insert("stderr", Value::from(""));
        }
    }
    Ok(ret)
}

const SCRIPT_PARAMS: &[&str] = &[
    "source",
    "args",
    "cwd",
    "stdin",
    "runas",
    "group",
    "shell",
    "python_shell",
    "env",
    "template",
    "umask",
    "output_encoding",
    "output_loglevel",
    "log_callback",
    "hide_output",
    "timeout",
    "reset_system_locale",
    "saltenv",
    "use_vt",
    "bg",
    "password",
    "success_retcodes",
    "success_stdout",
    "success_stderr",
];

fn script_common(ctx: &RunContext, fun: &'static str, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: fun,
        params: SCRIPT_PARAMS,
        required: 1,
        varargs: false,
        varkw: true,
    })?;
    let source = b.get("source").map(Value::to_py_str).unwrap_or_default();
    let mut spec = RunSpec::new(CmdLine::List(Vec::new()));
    spec.apply_kwargs(|k| b.get(k).or_else(|| b.kwargs.get(k)));
    spec.python_shell = python_shell_default(&b, spec.shell.is_some());
    if let Some(Value::Dict(c)) = b.kwargs.get("context") {
        spec.context = c.clone();
    }
    script_spec(
        ctx,
        &source,
        b.get("args"),
        spec,
        b.truthy("hide_output", false),
    )
}

/// `cmd.script(source, args=None, cwd=None, ...)`.
pub fn script(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    script_common(ctx, "script", args)
}

/// `cmd.script_retcode(source, ...)` → the return code.
pub fn script_retcode(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let v = script_common(ctx, "script_retcode", args)?;
    Ok(v.get("retcode").cloned().unwrap_or(Value::None))
}

fn find_in_path(name: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let is_exec = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        return is_exec(Path::new(name)).then(|| name.to_string());
    }
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(name))
        .find(|p| is_exec(p))
        .map(|p| p.to_string_lossy().into_owned())
}

/// `cmd.which(cmd)`: the executable's path, or None.
pub fn which(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "which",
        params: &["cmd"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    Ok(find_in_path(&b.str("cmd").unwrap_or_default()).map_or(Value::None, Value::from))
}

/// `cmd.has_exec(cmd)`.
pub fn has_exec(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "has_exec",
        params: &["cmd"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    Ok(Value::Bool(
        find_in_path(&b.str("cmd").unwrap_or_default()).is_some(),
    ))
}
