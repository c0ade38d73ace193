//! Running cases: each call as a salt-call subprocess in the case sandbox,
//! normalised, compared with `expected/`, reported as `PASS`/`FAIL` lines.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::case::{abspath, list_cases, Call, Case};
use crate::compare::{compare_call, compare_text, short, Kind, Observed};
use crate::sandbox::{snapshot, Sandbox};
use crate::HarnessError;

/// Seconds one call may take before it is killed.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(180);

/// Runner options (shared by the `conformance` test binary and `cargo xtask conformance`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Options {
    /// Cases folder [default: this repo's tests/conformance/cases]
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// salt-call-compatible binary [default: $RSALT_CALL, else the workspace's target/<profile>/rsalt-call]
    #[arg(long, alias = "salt-call", value_name = "PATH")]
    pub bin: Option<PathBuf>,
    /// Cases run in parallel [default: number of CPUs]
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// Print every difference, comments too
    #[arg(short, long)]
    pub verbose: bool,
    /// Keep each case's temp dir (conf/root/sandbox) and print its path
    #[arg(long)]
    pub keep: bool,
    /// Cases to run: folder name, number (`007`) or path; all when empty
    #[arg(value_name = "CASE")]
    pub case: Vec<String>,
}

/// This repo's cases folder.
pub fn default_cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/cases")
}

/// Where the binary under test was looked for when neither `--bin` nor
/// `RSALT_CALL` is given: beside the running executable (`target/<profile>/`,
/// also from `target/<profile>/deps/`), `$CARGO_TARGET_DIR/debug`, then the
/// workspace's `target/debug`.
pub fn default_bin_candidates() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            if dir.file_name().is_some_and(|n| n == "deps") {
                if let Some(p) = dir.parent() {
                    dirs.push(p.to_path_buf());
                }
            }
            dirs.push(dir.to_path_buf());
        }
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        dirs.push(PathBuf::from(t).join("debug"));
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug"));
    dirs.into_iter()
        .map(|d| abspath(&d.join("rsalt-call")))
        .collect()
}

/// The binary to run: `--bin`, else `$RSALT_CALL`, else the first existing
/// default candidate. A bare name is looked up in `PATH`.
pub fn resolve_bin(opt: Option<&Path>) -> Result<String, HarnessError> {
    let given = opt.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("RSALT_CALL")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let path = match given {
        Some(p) if p.components().count() == 1 && !p.is_absolute() => {
            let name = p.to_string_lossy().into_owned();
            let found = std::env::var_os("PATH")
                .map(|paths| std::env::split_paths(&paths).any(|d| d.join(&name).is_file()))
                .unwrap_or(false);
            if !found {
                return Err(HarnessError::Bin(format!("{name}: not found in PATH")));
            }
            return Ok(name);
        }
        Some(p) => abspath(&p),
        None => {
            let cands = default_bin_candidates();
            match cands.iter().find(|c| c.is_file()) {
                Some(c) => c.clone(),
                None => {
                    return Err(HarnessError::Bin(format!(
                        "rsalt-call not found (looked for {}); build it with \
                         `cargo build -p rsalt-minion --bin rsalt-call`, or pass --bin / set RSALT_CALL",
                        cands
                            .iter()
                            .map(|c| c.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
            }
        }
    };
    if !path.is_file() {
        return Err(HarnessError::Bin(format!(
            "{}: no such file",
            path.display()
        )));
    }
    Ok(path.to_string_lossy().into_owned())
}

/// What one call produced (after normalisation).
#[derive(Debug, Clone)]
pub struct CallResult {
    /// The command line run.
    pub argv: Vec<String>,
    /// The call it came from.
    pub call: Call,
    /// Exit status (`None`: killed by the timeout or not started;
    /// a signal gives minus its number).
    pub rc: Option<i32>,
    /// Raw stdout (lossy UTF-8).
    pub stdout: String,
    /// Normalised stderr.
    pub stderr: String,
    /// Normalised JSON output of a JSON call (`Null` for empty stdout).
    pub output: Value,
    /// Normalised stdout of a text call.
    pub text: Option<String>,
    /// Not JSON, timeout, cannot run.
    pub error: Option<String>,
}

/// All calls of a case plus the sandbox snapshot after the last one.
#[derive(Debug, Clone)]
pub struct CaseRun {
    /// One entry per call, in order.
    pub calls: Vec<CallResult>,
    /// Normalised `snapshot()` of the sandbox.
    pub snapshot: Value,
    /// The temp dir, when kept.
    pub kept: Option<PathBuf>,
}

struct Raw {
    rc: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    error: Option<String>,
}

/// Run `argv` in `cwd` under umask 022 (via `sh -c 'umask 022 && exec "$@"'`),
/// stdin from /dev/null, `LC_ALL=C.UTF-8` unless already set, with a timeout.
fn run_argv(argv: &[String], cwd: &Path, timeout: Duration) -> Raw {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg("umask 022 && exec \"$@\"")
        .arg("rsalt-conformance")
        .args(argv)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if std::env::var_os("LC_ALL").is_none() {
        cmd.env("LC_ALL", "C.UTF-8");
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Raw {
                rc: None,
                stdout: Vec::new(),
                stderr: Vec::new(),
                error: Some(format!("cannot run: {e}")),
            }
        }
    };
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_t = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_t = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let mut sleep = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Ok(st),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("timed out after {}s", timeout.as_secs()));
            }
            Ok(None) => {
                std::thread::sleep(sleep);
                sleep = (sleep * 2).min(Duration::from_millis(20));
            }
            Err(e) => break Err(format!("cannot run: {e}")),
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    match status {
        Ok(st) => Raw {
            rc: st.code().or_else(|| st.signal().map(|s| -s)),
            stdout,
            stderr,
            error: None,
        },
        Err(e) => Raw {
            rc: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
            error: Some(e),
        },
    }
}

/// Run every call of `case` with `bin` in a fresh sandbox; the snapshot is
/// taken after the last call. The temp dir is removed unless `keep`.
pub fn run_case(bin: &str, case: &Case, keep: bool) -> Result<CaseRun, HarnessError> {
    let mut sb = Sandbox::new(case)?;
    let mut calls = Vec::new();
    for call in &case.calls {
        let argv = call.argv(bin, &sb.conf, &sb.sandbox);
        let raw = run_argv(&argv, &sb.sandbox, CALL_TIMEOUT);
        let stdout = String::from_utf8_lossy(&raw.stdout).into_owned();
        let mut res = CallResult {
            argv,
            call: call.clone(),
            rc: raw.rc,
            stderr: sb.norm_str(&String::from_utf8_lossy(&raw.stderr)),
            output: Value::Null,
            text: None,
            error: raw.error,
            stdout,
        };
        if res.error.is_none() {
            if call.is_text() {
                res.text = Some(sb.normalise_text(&res.stdout));
            } else if !res.stdout.trim().is_empty() {
                match serde_json::from_str::<Value>(&res.stdout) {
                    Ok(v) => res.output = sb.normalise(&v),
                    Err(e) => res.error = Some(format!("output is not JSON ({e})")),
                }
            }
        }
        calls.push(res);
    }
    let snap = sb.normalise(&snapshot(&sb.sandbox));
    let kept = keep.then(|| sb.keep());
    Ok(CaseRun {
        calls,
        snapshot: snap,
        kept,
    })
}

/// Outcome of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything matched.
    Pass,
    /// Passed with soft (comment / error wording) differences.
    Soft,
    /// A hard difference.
    Fail,
}

/// One case's outcome and report lines.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    /// Case folder name.
    pub name: String,
    /// Pass / soft pass / fail.
    pub status: Status,
    /// Lines to print (`PASS ...`, `FAIL ...`, details).
    pub lines: Vec<String>,
    /// Number of soft differences.
    pub soft: usize,
}

fn tail(s: &str, n: usize) -> String {
    let s = s.trim();
    let count = s.chars().count();
    if count > n {
        let t: String = s.chars().skip(count - n).collect();
        format!("...{t}")
    } else if s.is_empty() {
        "<empty>".into()
    } else {
        s.to_string()
    }
}

fn read_rc(path: &Path) -> Result<i32, String> {
    let s = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    s.trim()
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let s = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&s).map_err(|e| format!("{}: {e}", path.display()))
}

/// Run one case folder and compare it with its `expected/`.
pub fn check_case(bin: &str, case_dir: &Path, verbose: bool, keep: bool) -> CaseOutcome {
    let name = case_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fail = |msg: String| CaseOutcome {
        name: name.clone(),
        status: Status::Fail,
        lines: vec![format!("FAIL {name}: {msg}")],
        soft: 0,
    };
    let case = match Case::load(case_dir) {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot read case.json ({e}); run record first")),
    };
    let run = match run_case(bin, &case, keep) {
        Ok(r) => r,
        Err(e) => return fail(format!("runner error: {e}")),
    };
    let exp_dir = case.dir.join("expected");
    let mut hard: Vec<String> = Vec::new();
    let mut soft: Vec<String> = Vec::new();
    for (i, res) in run.calls.iter().enumerate() {
        let n = format!("{:02}", i + 1);
        let fun = &res.call.fun;
        let rc_str = res.rc.map_or("None".to_string(), |r| r.to_string());
        let exp_rc = match read_rc(&exp_dir.join(format!("{n}.rc"))) {
            Ok(r) => r,
            Err(e) => {
                hard.push(format!("call {n} {fun}: no expected output ({e})"));
                continue;
            }
        };
        if res.call.is_text() {
            let exp_txt = match fs::read(exp_dir.join(format!("{n}.txt"))) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    hard.push(format!("call {n} {fun}: no expected output ({e})"));
                    continue;
                }
            };
            let text = match (&res.error, &res.text) {
                (Some(e), _) => Err(e.as_str()),
                (None, Some(t)) => Ok(t.as_str()),
                (None, None) => Ok(""),
            };
            let (diffs, udiff) = compare_text(&exp_txt, exp_rc, res.rc, text, &format!("{n}.txt"));
            let out = &res.call.out;
            for d in diffs {
                let mut line = if let Some(k) = d.path.strip_prefix("<text line ") {
                    let mut l = format!(
                        "call {n} {fun} --out={out}: text differs from expected/{n}.txt at line {}",
                        k.trim_end_matches('>')
                    );
                    for u in &udiff {
                        l.push_str("\n      ");
                        l.push_str(u);
                    }
                    l
                } else {
                    format!(
                        "call {n} {fun} --out={out}: {}: expected {}, got {}",
                        d.path,
                        short(&d.expected, 160),
                        short(&d.actual, 160)
                    )
                };
                if d.path == "$" || d.path == "<exit status>" {
                    line.push_str(&format!(
                        "; exit status {rc_str}; stderr: {}",
                        tail(&res.stderr, 600)
                    ));
                }
                hard.push(line);
            }
            continue;
        }
        let exp = match read_json(&exp_dir.join(format!("{n}.json"))) {
            Ok(v) => v,
            Err(e) => {
                hard.push(format!("call {n} {fun}: no expected output ({e})"));
                continue;
            }
        };
        if let Some(err) = &res.error {
            hard.push(format!(
                "call {n} {fun}: {err}; exit status {rc_str}; stderr: {}",
                tail(&res.stderr, 600)
            ));
            continue;
        }
        let obs = Observed {
            rc: res.rc,
            output: &res.output,
            error: None,
        };
        for d in compare_call(&exp, Some(exp_rc), &obs) {
            let mut line = format!(
                "call {n} {fun}: {}: expected {}, got {}",
                d.path,
                short(&d.expected, 160),
                short(&d.actual, 160)
            );
            match d.kind {
                Kind::Hard => {
                    if d.path == "$" || d.path == "<exit status>" {
                        line.push_str(&format!(
                            "; exit status {rc_str}; stderr: {}",
                            tail(&res.stderr, 600)
                        ));
                    }
                    hard.push(line)
                }
                Kind::Soft => soft.push(line),
            }
        }
    }
    match read_json(&exp_dir.join("sandbox.json")) {
        Ok(exp) => {
            let obs = Observed {
                rc: None,
                output: &run.snapshot,
                error: None,
            };
            for d in compare_call(&exp, None, &obs) {
                let line = format!(
                    "after last call <sandbox>: {}: expected {}, got {}",
                    d.path,
                    short(&d.expected, 160),
                    short(&d.actual, 160)
                );
                match d.kind {
                    Kind::Hard => hard.push(line),
                    Kind::Soft => soft.push(line),
                }
            }
        }
        Err(e) => hard.push(format!("call sandbox <sandbox>: no expected output ({e})")),
    }
    let mut detail = Vec::new();
    if let Some(k) = &run.kept {
        detail.push(format!("    kept: {}", k.display()));
    }
    let nsoft = soft.len();
    let (status, mut lines) = if let Some(first) = hard.first() {
        let mut lines = vec![format!("FAIL {name}: {first}")];
        if verbose {
            lines.extend(hard[1..].iter().map(|h| format!("    {h}")));
            lines.extend(soft.iter().map(|s| format!("    (comment) {s}")));
        } else if hard.len() > 1 {
            lines.push(format!(
                "    (+{} more differences; --verbose lists them)",
                hard.len() - 1
            ));
        }
        (Status::Fail, lines)
    } else if !soft.is_empty() {
        let mut lines = vec![format!("PASS (comments differ: {nsoft}) {name}")];
        if verbose {
            lines.extend(soft.iter().map(|s| format!("    (comment) {s}")));
        }
        (Status::Soft, lines)
    } else {
        (Status::Pass, vec![format!("PASS {name}")])
    };
    lines.extend(detail);
    CaseOutcome {
        name,
        status,
        lines,
        soft: nsoft,
    }
}

/// Totals of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases that passed (soft passes included).
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases that passed with soft differences.
    pub soft_cases: usize,
    /// Soft differences in all.
    pub soft_total: usize,
}

/// Run the selected cases (`-j` in parallel), print each case's lines in
/// case order to `out`, then `# N cases ...` and `N passed, N failed`.
pub fn run(opts: &Options, out: &mut dyn Write) -> Result<Summary, HarnessError> {
    let bin = resolve_bin(opts.bin.as_deref())?;
    let cases_dir = abspath(&opts.cases.clone().unwrap_or_else(default_cases_dir));
    let names = list_cases(&cases_dir, &opts.case)?;
    let jobs = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
        .max(1);
    let t0 = Instant::now();
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, CaseOutcome)>();
    let mut summary = Summary::default();
    let io = |e| HarnessError::Io(PathBuf::from("<stdout>"), e);
    std::thread::scope(|s| -> Result<(), HarnessError> {
        for _ in 0..jobs.min(names.len().max(1)) {
            let tx = tx.clone();
            let (next, names, bin, cases_dir) = (&next, &names, &bin, &cases_dir);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(name) = names.get(i) else { break };
                let o = check_case(bin, &cases_dir.join(name), opts.verbose, opts.keep);
                if tx.send((i, o)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut pending: Vec<Option<CaseOutcome>> = vec![None; names.len()];
        let mut printed = 0;
        for (i, o) in rx {
            pending[i] = Some(o);
            while let Some(Some(o)) = pending.get_mut(printed).map(Option::take) {
                writeln!(out, "{}", o.lines.join("\n")).map_err(io)?;
                out.flush().map_err(io)?;
                match o.status {
                    Status::Fail => summary.failed += 1,
                    Status::Soft => {
                        summary.passed += 1;
                        summary.soft_cases += 1;
                    }
                    Status::Pass => summary.passed += 1,
                }
                summary.soft_total += o.soft;
                printed += 1;
            }
        }
        Ok(())
    })?;
    writeln!(
        out,
        "# {} cases in {:.0}s; {} passed with comment differences ({} comment mismatches)",
        names.len(),
        t0.elapsed().as_secs_f64(),
        summary.soft_cases,
        summary.soft_total
    )
    .map_err(io)?;
    writeln!(out, "{} passed, {} failed", summary.passed, summary.failed).map_err(io)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::os::unix::fs::PermissionsExt;

    /// A fake salt-call: prints canned output depending on the function.
    fn fake_bin(dir: &Path) -> String {
        let p = dir.join("fake-salt-call");
        let script = r#"#!/bin/sh
# args: -c CONF --local --out=OUT [...] FUN ARGS...
conf=$2
for a in "$@"; do last=$a; done
case "$*" in
  *test.echo*) printf '{"local": "%s", "pid": 99}\n' "$last" ;;
  *state.apply*) mkdir -p sub; printf 'x\n' > sub/f; printf '{"local": {"a": {"result": true, "comment": "c %s", "name": "%s/sub/f", "duration": 1.2}}}\n' "$(umask)" "$PWD"; exit 2 ;;
  *grains.get*) grep -q '"sandbox"' "$conf/minion" && printf '{"local": 1.0}\n' ;;
  *bad*) echo 'not json' ;;
  *) printf 'local:\n    pid:\n        12345\n' ;;
esac
"#;
        fs::write(&p, script).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        p.to_string_lossy().into_owned()
    }

    fn write_case(dir: &Path, calls: Value, expected: &[(&str, &str)]) {
        fs::create_dir_all(dir.join("expected")).unwrap();
        fs::write(
            dir.join("case.json"),
            json!({"description": "t", "calls": calls}).to_string(),
        )
        .unwrap();
        for (f, c) in expected {
            fs::write(dir.join("expected").join(f), c).unwrap();
        }
    }

    #[test]
    fn end_to_end_with_a_fake_binary() {
        let d = tempfile::tempdir().unwrap();
        let bin = fake_bin(d.path());
        let cases = d.path().join("cases");
        let calls = json!([
            {"fun": "test.echo", "args": ["@SANDBOX@/x"]},
            {"fun": "state.apply"},
            {"fun": "grains.get", "args": ["sandbox"]},
            {"fun": "test.ping", "out": "nested"}
        ]);
        let good = [
            ("01.json", r#"{"local": "@SANDBOX@/x"}"#),
            ("01.rc", "0\n"),
            (
                "02.json",
                r#"{"local": {"a": {"result": true, "comment": "c 0022", "name": "@SANDBOX@/sub/f"}}}"#,
            ),
            ("02.rc", "2\n"),
            ("03.json", r#"{"local": 1.0}"#),
            ("03.rc", "0\n"),
            ("04.txt", "local:\n    pid:\n        @PID@\n"),
            ("04.rc", "0\n"),
            (
                "sandbox.json",
                r#"{"sub": {"type": "dir", "mode": "0755"}, "sub/f": {"type": "file", "mode": "0644", "content": "x\n"}}"#,
            ),
        ];
        write_case(&cases.join("001-good"), calls.clone(), &good);
        // same case, but a comment, an int-vs-float and the exit status differ
        let mut soft = good;
        soft[2].1 =
            r#"{"local": {"a": {"result": true, "comment": "other", "name": "@SANDBOX@/sub/f"}}}"#;
        write_case(&cases.join("002-soft"), calls.clone(), &soft);
        let mut bad = good;
        bad[4].1 = r#"{"local": 1}"#;
        bad[3].1 = "0\n";
        write_case(&cases.join("003-bad"), calls, &bad);
        write_case(
            &cases.join("004-notjson"),
            json!([{"fun": "bad"}]),
            &[("01.json", "null"), ("01.rc", "0"), ("sandbox.json", "{}")],
        );

        let opts = Options {
            cases: Some(cases),
            bin: Some(PathBuf::from(&bin)),
            jobs: Some(2),
            verbose: true,
            ..Default::default()
        };
        let mut out = Vec::new();
        let s = run(&opts, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            (s.passed, s.failed, s.soft_cases, s.soft_total),
            (2, 2, 1, 1),
            "{text}"
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "PASS 001-good");
        assert_eq!(lines[1], "PASS (comments differ: 1) 002-soft");
        assert!(
            lines.iter().any(|l| l.starts_with(
                "FAIL 003-bad: call 02 state.apply: <exit status>: expected 0, got 2"
            )),
            "{text}"
        );
        assert!(
            text.contains("call 03 grains.get: $.local: expected 1, got 1.0"),
            "{text}"
        );
        assert!(
            text.contains("FAIL 004-notjson: call 01 bad: output is not JSON"),
            "{text}"
        );
        assert_eq!(lines.last(), Some(&"2 passed, 2 failed"));
    }

    #[test]
    fn missing_binary_is_a_clear_error() {
        let e = resolve_bin(Some(Path::new("/nonexistent/rsalt-call"))).unwrap_err();
        assert!(e.to_string().contains("no such file"));
        assert!(resolve_bin(Some(Path::new("sh"))).is_ok());
    }

    #[test]
    fn timeout_kills_the_call() {
        let d = tempfile::tempdir().unwrap();
        let raw = run_argv(
            &["sleep".into(), "5".into()],
            d.path(),
            Duration::from_millis(100),
        );
        assert_eq!(raw.rc, None);
        assert!(raw.error.unwrap().starts_with("timed out"));
    }
}
