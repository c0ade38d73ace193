//! Docker containers for the system tests (`tests/tests/system_*.rs`).
//!
//! Every system module is exercised for real inside a container started from the local
//! images that `cargo xtask images` builds (`tests/images/`, no registry):
//! [`TEST_IMAGE`] for rsalt, [`SALT_IMAGE`] for recording the Salt oracle.
//!
//! ```no_run
//! use rsalt_tests::container::{Container, Opts, TEST_IMAGE};
//! let Some(c) = Container::start_or_skip(TEST_IMAGE, Opts::default()) else { return };
//! c.write_sls("demo", "/tmp/x:\n  file.managed:\n    - contents: hi\n");
//! let ret = c.apply("demo", false, None);
//! assert_eq!(rsalt_tests::container::changed(&ret), 1);
//! ```
//!
//! - The container runs `sleep infinity` under docker's init (`--init`, reaps the daemons
//!   that init scripts start), is never `--net host`, and mounts nothing from the host but
//!   the `rsalt-call` binary (read-only at `/usr/local/bin/rsalt-call`) and, when
//!   [`Opts::state_tree`] is given, that folder read-only at `/srv/salt`.
//! - [`Container::apply`] runs `rsalt-call --local -c /etc/rsalt --out json state.apply SLS`
//!   with the minion config [`MINION_CONFIG`] (file_roots `/srv/salt`, pillar_roots
//!   `/srv/pillar`) and returns the parsed JSON (the `local` dict).
//! - Dropping the [`Container`] removes it (`docker rm -f`).
//! - Docker unreachable or the image missing: [`Container::start_or_skip`] prints the reason
//!   and returns `None` (the test passes as skipped), unless `RSALT_REQUIRE_DOCKER=1`
//!   (`.ci/run` sets it): then it panics.
//!
//! The `rsalt-call` binary: `$RSALT_CALL` when set; otherwise the harness runs
//! `cargo build -p rsalt-minion --bin rsalt-call` once per test process (`$CARGO`, the
//! current `CARGO_TARGET_DIR`) and uses the executable cargo reports; when cargo is not
//! available, `rsalt-call` beside the test binary's profile folder
//! (`target/debug/rsalt-call`). The host is Debian 12 like the image, so the host's debug
//! build runs inside the container.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The image module tests run in (Debian bookworm plus tools, `tests/images/debian`).
pub const TEST_IMAGE: &str = "rsalt-test/debian:bookworm";
/// Debian's dnf/rpm with a local rpm repository (`tests/images/debian-dnf`).
pub const DNF_IMAGE: &str = "rsalt-test/debian-dnf:bookworm";
/// The Salt 3007.8 oracle image (`cargo xtask images --salt`).
pub const SALT_IMAGE: &str = "rsalt-test/debian-salt:bookworm";
/// Where the state tree lives in the container.
pub const STATE_TREE: &str = "/srv/salt";
/// Where the pillar tree lives in the container.
pub const PILLAR_TREE: &str = "/srv/pillar";
/// The minion config written to `/etc/rsalt/minion` (and `/etc/salt/minion` for the oracle).
pub const MINION_CONFIG: &str = "file_client: local\nfile_roots:\n  base:\n    - /srv/salt\npillar_roots:\n  base:\n    - /srv/pillar\nid: rsalt-test\n";

/// How to start a container.
#[derive(Debug, Clone, Default)]
pub struct Opts {
    /// `--privileged`. Off unless a test needs it; prefer [`Opts::cap_add`]: some hosts'
    /// runtimes refuse privileged containers ("unable to apply caps").
    pub privileged: bool,
    /// Extra capabilities (`--cap-add`): `NET_ADMIN` for iptables/nftables, `SYS_ADMIN`
    /// for mounts.
    pub cap_add: Vec<String>,
    /// A docker network to join (see [`Network`]); default bridge otherwise.
    pub network: Option<String>,
    /// Container hostname.
    pub hostname: Option<String>,
    /// A host folder mounted read-only at `/srv/salt`.
    pub state_tree: Option<PathBuf>,
    /// Apply with salt-call instead of rsalt-call (the Salt oracle image); rsalt-call is
    /// still mounted when it can be found.
    pub no_rsalt: bool,
    /// `--security-opt` values, e.g. `systempaths=unconfined` (a writable `/proc/sys`
    /// for network-namespaced sysctl keys with `NET_ADMIN`; never touch non-namespaced
    /// keys such as `vm.*` from such a container: they are the host's).
    pub security_opt: Vec<String>,
}

/// Whether `RSALT_REQUIRE_DOCKER=1`: missing docker or images fail instead of skipping.
pub fn docker_required() -> bool {
    std::env::var("RSALT_REQUIRE_DOCKER").is_ok_and(|v| v == "1")
}

/// Whether the docker daemon answers (`Err` with the reason otherwise).
pub fn docker_available() -> Result<(), String> {
    static CACHE: OnceLock<Result<(), String>> = OnceLock::new();
    CACHE
        .get_or_init(|| {
            match Command::new("docker")
                .args(["version", "--format", "{{.Server.Version}}"])
                .stdin(Stdio::null())
                .output()
            {
                Ok(o) if o.status.success() => Ok(()),
                Ok(o) => Err(format!(
                    "docker is unreachable: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                )),
                Err(e) => Err(format!("cannot run docker: {e}")),
            }
        })
        .clone()
}

/// Whether `image` exists locally.
pub fn image_exists(image: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", image])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Skip (print and return false) or, under `RSALT_REQUIRE_DOCKER=1`, panic, when docker or
/// `image` is not available. True when the test can run.
pub fn can_run(image: &str) -> bool {
    let reason = match docker_available() {
        Err(e) => Some(e),
        Ok(()) if !image_exists(image) => Some(format!(
            "image {image} is missing (build it with `cargo xtask images{}`)",
            if image == SALT_IMAGE { " --salt" } else { "" }
        )),
        Ok(()) => None,
    };
    match reason {
        None => true,
        Some(r) if docker_required() => panic!("RSALT_REQUIRE_DOCKER=1 but {r}"),
        Some(r) => {
            eprintln!("SKIPPED (system test): {r}");
            false
        }
    }
}

/// The rsalt-call executable mounted into containers (see the module docs).
pub fn rsalt_call() -> Result<PathBuf, String> {
    static CACHE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    CACHE.get_or_init(find_rsalt_call).clone()
}

fn find_rsalt_call() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("RSALT_CALL").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = Command::new(cargo)
        .current_dir(&workspace)
        .args([
            "build",
            "-q",
            "-p",
            "rsalt-minion",
            "--bin",
            "rsalt-call",
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output();
    if let Some(o) = built.ok().filter(|o| o.status.success()) {
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            let Ok(msg) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            if msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "rsalt-call" {
                if let Some(exe) = msg["executable"].as_str() {
                    return Ok(PathBuf::from(exe));
                }
            }
        }
    }
    // Fallback: beside the test binary (target/<profile>/deps/<test> -> target/<profile>).
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(profile) = exe.parent().and_then(Path::parent) {
            candidates.push(profile.join("rsalt-call"));
        }
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(t).join("debug/rsalt-call"));
    }
    candidates.push(workspace.join("target/debug/rsalt-call"));
    candidates.into_iter().find(|p| p.is_file()).ok_or_else(|| {
        "rsalt-call not found: set RSALT_CALL or `cargo build -p rsalt-minion --bin rsalt-call`"
            .to_string()
    })
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    )
}

/// A user-defined docker network, removed on drop (containers on it reach each other by
/// name).
pub struct Network {
    /// The network's name.
    pub name: String,
}

impl Network {
    /// `docker network create`.
    pub fn create() -> Result<Network, String> {
        let name = unique_name("rsalt-net");
        let o = Command::new("docker")
            .args(["network", "create", &name])
            .output()
            .map_err(|e| format!("docker network create: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "docker network create: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        Ok(Network { name })
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["network", "rm", &self.name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A running container, removed on drop.
pub struct Container {
    /// The container name (`rsalt-test-<pid>-<n>`).
    pub name: String,
    /// The image it runs.
    pub image: String,
    /// `rsalt-call`, or `salt-call` when recording the oracle.
    pub bin: &'static str,
    /// The oracle case this container records or checks (see [`Container::for_case`]).
    case: Option<Case>,
}

impl Container {
    /// Starts a detached container from `image` (see the module docs).
    pub fn start(image: &str, opts: Opts) -> Result<Container, String> {
        let name = unique_name("rsalt-test");
        let mut cmd = Command::new("docker");
        cmd.args([
            "run",
            "-d",
            "--init",
            "--name",
            &name,
            "--label",
            "rsalt-test=1",
        ]);
        if opts.privileged {
            cmd.arg("--privileged");
        }
        for c in &opts.cap_add {
            cmd.args(["--cap-add", c]);
        }
        for o in &opts.security_opt {
            cmd.args(["--security-opt", o]);
        }
        if let Some(n) = &opts.network {
            cmd.args(["--network", n]);
        }
        if let Some(h) = &opts.hostname {
            cmd.args(["--hostname", h]);
        }
        // rsalt-call is mounted into every container (also the Salt image, so that both
        // can run against the same system); only the rsalt image requires it.
        match rsalt_call() {
            Ok(bin) => {
                cmd.arg("-v")
                    .arg(format!("{}:/usr/local/bin/rsalt-call:ro", bin.display()));
            }
            Err(e) if !opts.no_rsalt => return Err(e),
            Err(_) => {}
        }
        if let Some(tree) = &opts.state_tree {
            cmd.arg("-v")
                .arg(format!("{}:{STATE_TREE}:ro", tree.display()));
        }
        cmd.args([image, "sleep", "infinity"]);
        let o = cmd.output().map_err(|e| format!("docker run: {e}"))?;
        if !o.status.success() {
            // A container that was created but could not start stays behind otherwise.
            let _ = Command::new("docker")
                .args(["rm", "-f", &name])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            return Err(format!(
                "docker run {image}: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        let c = Container {
            name,
            image: image.to_string(),
            bin: if opts.no_rsalt {
                "salt-call"
            } else {
                "rsalt-call"
            },
            case: None,
        };
        let mut setup = format!(
            "mkdir -p /etc/rsalt /etc/salt {PILLAR_TREE} && cat > /etc/rsalt/minion <<'EOF'\n{MINION_CONFIG}EOF\ncp /etc/rsalt/minion /etc/salt/minion"
        );
        if opts.state_tree.is_none() {
            setup.push_str(&format!(" && mkdir -p {STATE_TREE}"));
        }
        let o = c.sh(&setup);
        if !o.status.success() {
            return Err(format!(
                "container setup failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        Ok(c)
    }

    /// [`Container::start`], or `None` (test skipped, reason printed) when docker or the
    /// image is unavailable; panics under `RSALT_REQUIRE_DOCKER=1` or when the start fails.
    pub fn start_or_skip(image: &str, opts: Opts) -> Option<Container> {
        if !can_run(image) {
            return None;
        }
        match Container::start(image, opts) {
            Ok(c) => Some(c),
            Err(e) => panic!("starting a container from {image}: {e}"),
        }
    }

    /// `docker exec` of `argv` (no shell), stdin from /dev/null.
    pub fn exec(&self, argv: &[&str]) -> Output {
        self.exec_with_input(argv, None)
    }

    /// `docker exec -i` of `argv` with `input` on stdin.
    pub fn exec_with_input(&self, argv: &[&str], input: Option<&[u8]>) -> Output {
        let mut cmd = Command::new("docker");
        cmd.arg("exec");
        if input.is_some() {
            cmd.arg("-i");
        }
        cmd.arg(&self.name).args(argv);
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("docker exec");
        if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(data).expect("writing to docker exec");
        }
        child.wait_with_output().expect("docker exec")
    }

    /// `sh -c script` in the container.
    pub fn sh(&self, script: &str) -> Output {
        self.exec(&["sh", "-c", script])
    }

    /// `sh -c script`, panicking with its output unless it exits 0; returns stdout.
    pub fn sh_ok(&self, script: &str) -> String {
        let o = self.sh(script);
        assert!(
            o.status.success(),
            "`{script}` failed in {} ({}):\nstdout: {}\nstderr: {}",
            self.name,
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Writes `content` to `path` in the container (parent folders created).
    pub fn write_file(&self, path: &str, content: impl AsRef<[u8]>) {
        let o = self.exec_with_input(
            &[
                "sh",
                "-c",
                "mkdir -p \"$(dirname \"$1\")\" && cat > \"$1\"",
                "write_file",
                path,
            ],
            Some(content.as_ref()),
        );
        assert!(
            o.status.success(),
            "write_file {path}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// Copies a host file or folder into the container (`docker cp`; a folder's content
    /// goes into `dest`).
    pub fn copy_in(&self, src: &Path, dest: &str) {
        let _ = self.sh(&format!("mkdir -p '{dest}'"));
        let from = if src.is_dir() {
            format!("{}/.", src.display())
        } else {
            src.display().to_string()
        };
        let o = Command::new("docker")
            .args(["cp", &from, &format!("{}:{dest}", self.name)])
            .output()
            .expect("docker cp");
        assert!(
            o.status.success(),
            "docker cp {from}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// The content of `path`, or None when it cannot be read.
    pub fn read_file(&self, path: &str) -> Option<String> {
        let o = self.exec(&["cat", path]);
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
    }

    /// Writes `/srv/salt/<sls with dots as slashes>.sls`.
    pub fn write_sls(&self, sls: &str, content: &str) {
        self.write_file(
            &format!("{STATE_TREE}/{}.sls", sls.replace('.', "/")),
            content,
        );
    }

    /// The raw output of `rsalt-call --local --out json state.apply SLS` (plus `test=True`
    /// and `pillar=<json>` when given).
    pub fn apply_output(&self, sls: &str, test: bool, pillar: Option<&Value>) -> Output {
        self.call_output(self.bin, &["state.apply", sls], test, pillar)
    }

    /// Runs `<bin> --local -c <conf> --out json ARGS...` (bin: `rsalt-call` or `salt-call`).
    pub fn call_output(
        &self,
        bin: &str,
        args: &[&str],
        test: bool,
        pillar: Option<&Value>,
    ) -> Output {
        let conf = if bin == "salt-call" {
            "/etc/salt"
        } else {
            "/etc/rsalt"
        };
        let mut argv: Vec<String> = vec![
            bin.into(),
            "--local".into(),
            "-c".into(),
            conf.into(),
            "--out".into(),
            "json".into(),
        ];
        if bin == "salt-call" {
            argv.extend(["-l".into(), "quiet".into()]);
        }
        argv.extend(args.iter().map(|a| a.to_string()));
        if test {
            argv.push("test=True".into());
        }
        if let Some(p) = pillar {
            argv.push(format!("pillar={p}"));
        }
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        self.exec(&refs)
    }

    /// `state.apply SLS` through rsalt-call; the parsed `local` value (a dict of state
    /// returns, or a list of error strings). Panics when the output is not JSON.
    pub fn apply(&self, sls: &str, test: bool, pillar: Option<&Value>) -> Value {
        let ret = parse_local(&self.apply_output(sls, test, pillar));
        if let Some(case) = &self.case {
            case.step(sls, test, &ret);
        }
        ret
    }

    /// Any function through rsalt-call (or salt-call when recording), e.g.
    /// `["pkg.version", "nginx"]`; the parsed `local`.
    pub fn call(&self, args: &[&str]) -> Value {
        parse_local(&self.call_output(self.bin, args, false, None))
    }

    /// Declares a known difference from Salt at `step` (1-based): differences whose path
    /// starts with `path_prefix` are printed with `reason` instead of failing. Use only
    /// for differences documented in docs/state-modules.md.
    pub fn known_difference(&self, step: usize, path_prefix: &str, reason: &str) {
        if let Some(case) = &self.case {
            case.known.lock().unwrap_or_else(|e| e.into_inner()).push((
                step,
                path_prefix.to_string(),
                reason.to_string(),
            ));
        }
    }

    /// A container for an oracle-checked case: normally [`TEST_IMAGE`] with rsalt-call,
    /// every [`Container::apply`] compared with the recorded Salt output in
    /// `tests/system/fixtures/<module>/<case>.json` (when it exists); with
    /// `RSALT_RECORD_ORACLE=1`, [`SALT_IMAGE`] with salt-call 3007.8, the outputs recorded
    /// into that file when the container is dropped. The same test body runs in both
    /// modes, so its own assertions also check Salt. `None`: skipped (see [`can_run`]).
    pub fn for_case(module: &str, case: &str, mut opts: Opts) -> Option<Container> {
        let recording = recording();
        let image = if recording { SALT_IMAGE } else { TEST_IMAGE };
        opts.no_rsalt = recording;
        let mut c = Container::start_or_skip(image, opts)?;
        c.case = Some(Case::new(module, case, recording));
        Some(c)
    }

    /// The container's IP address on its first network.
    pub fn ip(&self) -> String {
        let o = Command::new("docker")
            .args([
                "inspect",
                "--format",
                "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
                &self.name,
            ])
            .output()
            .expect("docker inspect");
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if let Some(case) = &self.case {
            case.finish();
        }
        if std::env::var_os("RSALT_KEEP_CONTAINERS").is_some() {
            eprintln!("keeping container {}", self.name);
            return;
        }
        let _ = Command::new("docker")
            .args(["rm", "-f", "-v", &self.name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Parses `{"local": ...}` from a `--out json` call; panics with the output otherwise.
pub fn parse_local(o: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&o.stdout);
    match serde_json::from_str::<Value>(&stdout) {
        Ok(mut v) => v
            .get_mut("local")
            .map(Value::take)
            .unwrap_or_else(|| panic!("no `local` key in output: {stdout}")),
        Err(e) => panic!(
            "output is not JSON ({e}); exit {}\nstdout: {stdout}\nstderr: {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        ),
    }
}

/// The state returns of a `state.apply` result, in run order (`__run_num__`).
pub fn states(ret: &Value) -> Vec<(&str, &Value)> {
    let Some(map) = ret.as_object() else {
        panic!("state.apply did not return a dict of states: {ret}");
    };
    let mut v: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    v.sort_by_key(|(_, s)| s["__run_num__"].as_u64().unwrap_or(u64::MAX));
    v
}

/// How many states reported changes.
pub fn changed(ret: &Value) -> usize {
    states(ret)
        .iter()
        .filter(|(_, s)| s["changes"].as_object().is_some_and(|c| !c.is_empty()))
        .count()
}

/// Panics (listing the failures) unless every state's result is `true`.
pub fn assert_all_ok(ret: &Value) {
    let bad: Vec<String> = states(ret)
        .iter()
        .filter(|(_, s)| s["result"] != Value::Bool(true))
        .map(|(k, s)| format!("{k}: result={} comment={}", s["result"], s["comment"]))
        .collect();
    assert!(bad.is_empty(), "states not ok:\n{}", bad.join("\n"));
}

/// The state whose key starts with `<module>_|-<id>_|-` (one state by module and ID).
pub fn state<'a>(ret: &'a Value, module: &str, id: &str) -> &'a Value {
    let prefix = format!("{module}_|-{id}_|-");
    states(ret)
        .into_iter()
        .find(|(k, _)| k.starts_with(&prefix))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no state {prefix}* in {ret:#}"))
}

/// Whether `RSALT_RECORD_ORACLE=1` (record Salt's outputs instead of checking rsalt).
pub fn recording() -> bool {
    std::env::var("RSALT_RECORD_ORACLE").is_ok_and(|v| v == "1")
}

/// Where oracle fixtures live.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("system/fixtures")
}

/// Volatile text in outputs, replaced before comparing: log timestamps, `pid#tid`,
/// check_cmd temp files (Salt `/__salt.tmp.x`, rsalt `/tmp/__salt.tmp.x`).
pub fn normalise_text(s: &str) -> String {
    static RULES: OnceLock<Vec<(regex::Regex, &'static str)>> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            (r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d", "<TIME>"),
            (r"\b\d+#\d+:", "<PID>#<TID>:"),
            (r"/(?:tmp/)?__salt\.tmp\.[A-Za-z0-9_]+", "<TMPFILE>"),
        ]
        .into_iter()
        .filter_map(|(re, to)| regex::Regex::new(re).ok().map(|r| (r, to)))
        .collect()
    });
    let mut out = s.to_string();
    for (re, to) in rules {
        out = re.replace_all(&out, *to).into_owned();
    }
    out
}

fn normalise_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(normalise_text(s)),
        Value::Array(a) => Value::Array(a.iter().map(normalise_value).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (normalise_text(k), normalise_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The comparable part of a `state.apply` result: `{tag: {result, changes, comment}}`
/// (`start_time`, `duration`, `__run_num__`... dropped; a list of errors kept as is),
/// volatile text normalised ([`normalise_text`]).
pub fn comparable(ret: &Value) -> Value {
    normalise_value(&comparable_raw(ret))
}

fn comparable_raw(ret: &Value) -> Value {
    let Some(map) = ret.as_object() else {
        return ret.clone();
    };
    let mut out = serde_json::Map::new();
    for (k, s) in map {
        let mut st = serde_json::Map::new();
        for key in ["result", "changes", "comment"] {
            st.insert(key.into(), s.get(key).cloned().unwrap_or(Value::Null));
        }
        out.insert(k.clone(), Value::Object(st));
    }
    Value::Object(out)
}

/// Salt's comment when the state function raised: a Python traceback (Salt misbehaving;
/// rsalt returns a clean failure instead, so only `result` and `changes` are compared).
fn is_salt_traceback(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.starts_with("An exception occurred in this state: Traceback"))
}

/// A system-range uid/gid (100–999) in `changes` (`.../uid`, `.../gid`).
fn is_system_id(path: &str, v: &Value) -> bool {
    (path.ends_with("/gid") || path.ends_with("/uid"))
        && v.as_i64().is_some_and(|n| (100..1000).contains(&n))
}

/// Differences between a recorded (Salt) and an actual (rsalt) comparable value, as
/// `path: expected != actual` lines. Objects compare by key set (order ignored). A
/// `comment` holding a Salt traceback is not compared (see the docs).
pub fn differences(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    if path.ends_with("/comment") && is_salt_traceback(expected) {
        return;
    }
    if is_system_id(path, expected) && is_system_id(path, actual) {
        // System uids/gids are allocated from what the image already has (groupadd
        // --system takes the next free one below 1000): they follow the image, not the tool.
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => differences(&format!("{path}/{k}"), ev, av, out),
                    None => out.push(format!("{path}/{k}: missing (Salt: {ev})")),
                }
            }
            for k in a.keys().filter(|k| !e.contains_key(*k)) {
                out.push(format!("{path}/{k}: unexpected (rsalt: {})", a[k]));
            }
        }
        (e, a) if e != a => out.push(format!("{path}: Salt {e} != rsalt {a}")),
        _ => {}
    }
}

/// One oracle case: the recorded steps, or the steps being recorded.
struct Case {
    file: PathBuf,
    recording: bool,
    /// Known differences: (step, path prefix, reason), printed instead of failing.
    known: std::sync::Mutex<Vec<(usize, String, String)>>,
    expected: Option<Vec<Value>>,
    steps: std::sync::Mutex<Vec<Value>>,
}

impl Case {
    fn new(module: &str, case: &str, recording: bool) -> Case {
        let file = fixtures_dir().join(module).join(format!("{case}.json"));
        let expected = if recording {
            None
        } else {
            let steps = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .and_then(|v| v.get("steps").and_then(Value::as_array).cloned());
            if steps.is_none() {
                eprintln!(
                    "NOTE: no Salt recording {} (RSALT_RECORD_ORACLE=1 records it): not compared",
                    file.display()
                );
            }
            steps
        };
        Case {
            file,
            recording,
            known: std::sync::Mutex::new(Vec::new()),
            expected,
            steps: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn step(&self, sls: &str, test: bool, ret: &Value) {
        let got = comparable(ret);
        let mut steps = self.steps.lock().unwrap_or_else(|e| e.into_inner());
        let i = steps.len();
        steps.push(serde_json::json!({"sls": sls, "test": test, "states": got}));
        if let Some(exp) = &self.expected {
            let Some(e) = exp.get(i) else {
                panic!(
                    "{}: step {} (state.apply {sls}) was not recorded; re-record with RSALT_RECORD_ORACLE=1",
                    self.file.display(),
                    i + 1
                );
            };
            let mut diffs = Vec::new();
            differences("", &normalise_value(&e["states"]), &got, &mut diffs);
            let known = self.known.lock().unwrap_or_else(|e| e.into_inner()).clone();
            diffs.retain(|d| {
                match known
                    .iter()
                    .find(|(st, prefix, _)| *st == i + 1 && d.starts_with(prefix.as_str()))
                {
                    Some((_, _, reason)) => {
                        eprintln!("known difference from Salt (step {}): {reason}: {d}", i + 1);
                        false
                    }
                    None => true,
                }
            });
            assert!(
                diffs.is_empty(),
                "step {} (state.apply {sls}{}) differs from Salt 3007.8 ({}):\n{}",
                i + 1,
                if test { " test=True" } else { "" },
                self.file.display(),
                diffs.join("\n")
            );
        }
    }

    fn finish(&self) {
        if !self.recording || std::thread::panicking() {
            return;
        }
        let steps = self.steps.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let doc = serde_json::json!({
            "recorded_with": "salt-call 3007.8 --local in rsalt-test/debian-salt:bookworm",
            "steps": steps,
        });
        if let Some(dir) = self.file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
        match std::fs::write(&self.file, text) {
            Ok(()) => eprintln!("recorded {}", self.file.display()),
            Err(e) => eprintln!("cannot write {}: {e}", self.file.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_catch_result_changes_and_comments() {
        let salt = json!({"pkg_|-a_|-a_|-installed": {"result": true, "changes": {"a": {"old": "", "new": "1"}}, "comment": "x"}});
        let same = salt.clone();
        let mut d = Vec::new();
        differences("", &salt, &same, &mut d);
        assert!(d.is_empty());
        let other = json!({"pkg_|-a_|-a_|-installed": {"result": false, "changes": {"a": {"old": "", "new": "2"}}, "comment": "y"}, "extra": {}});
        differences("", &salt, &other, &mut d);
        assert_eq!(d.len(), 4, "{d:?}");
        let tb = json!({"comment": "An exception occurred in this state: Traceback (most recent call last):"});
        let mut d = Vec::new();
        differences("", &tb, &json!({"comment": "clean"}), &mut d);
        assert!(d.is_empty());
    }
}
