//! `cargo xtask bench`: `rsalt-call --local` against `salt-call --local`,
//! side by side, on generated trees of `file.managed` states.
//!
//! For each tree size (default 10 and 500 states) a fresh temp dir gets a
//! generated `salt/` (top.sls, `bench/partNN.sls` with Jinja over grains and
//! pillar), `pillar/`, and one `conf/ root/ sandbox/` set per tool (the minion
//! config is the one the conformance runner writes). Each tool then does one
//! first apply (creates the files), one untimed warm-up re-apply and `--runs`
//! timed idempotent re-applies, the two tools interleaved (alternating which
//! goes first) so machine noise hits both. Every apply is checked: all states
//! succeed, the first apply changes every file, re-applies change nothing, and
//! both sandboxes end up byte- and mode-identical.
//!
//! Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the child's
//! `ru_maxrss` from `wait4`), wrapped around the untimed applies only, so the
//! timed runs carry no wrapper overhead.
//!
//! Thresholds (the project's targets): salt/rsalt median ratio >= 50 on 10
//! states and >= 20 on 500 states, rsalt-call peak RSS <= 20 MB. A missed
//! threshold makes the command exit non-zero unless `--no-fail`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

/// Salt/rsalt median wall-time ratio required on the 10-state tree.
const MIN_RATIO_10: f64 = 50.0;
/// Salt/rsalt median wall-time ratio required on the 500-state tree.
const MIN_RATIO_500: f64 = 20.0;
/// rsalt-call peak RSS limit in bytes (20 MB).
const MAX_RSS_BYTES: u64 = 20_000_000;
/// States per generated sls file.
const STATES_PER_SLS: usize = 50;
/// GNU time, used for peak RSS.
const GNU_TIME: &str = "/usr/bin/time";

/// `cargo xtask bench` options.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Timed idempotent re-applies per tree and tool
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Quick run: 2 timed re-applies (overrides --runs)
    #[arg(long)]
    quick: bool,
    /// Salt's salt-call (else $SALT_CALL, /work/oracle/venv/bin/salt-call,
    /// $RSALT_ORACLE_VENV/bin/salt-call, <repo>/target/salt-oracle/bin/salt-call)
    #[arg(long, value_name = "PATH")]
    salt_call: Option<PathBuf>,
    /// Benchmark rsalt-call alone, without Salt
    #[arg(long)]
    no_salt: bool,
    /// Use this rsalt-call instead of building it (also $RSALT_CALL)
    #[arg(long, value_name = "PATH")]
    bin: Option<PathBuf>,
    /// Tree sizes in file states (the thresholds apply to 10 and 500)
    #[arg(long, value_delimiter = ',', default_values_t = [10usize, 500])]
    sizes: Vec<usize>,
    /// Only report: exit 0 even when a threshold is missed
    #[arg(long)]
    no_fail: bool,
    /// Keep the generated trees (their paths are printed)
    #[arg(long)]
    keep: bool,
}

/// One of the two tools under test.
#[derive(Debug, Clone)]
struct Tool {
    name: &'static str,
    exe: PathBuf,
}

/// One process run.
#[derive(Debug)]
struct RunOut {
    wall: Duration,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Peak RSS in KiB (only for runs wrapped with GNU time).
    rss_kib: Option<u64>,
}

/// What a `state.apply` JSON output says.
#[derive(Debug, Default, PartialEq)]
struct ApplyCheck {
    states: usize,
    failed: Vec<String>,
    changed: usize,
}

/// Results of one tool on one tree.
#[derive(Debug, Default)]
struct ToolResult {
    first: Option<Duration>,
    times: Vec<Duration>,
    rss_kib: Option<u64>,
    problems: Vec<String>,
}

/// Results for one tree size.
#[derive(Debug)]
struct TreeResult {
    size: usize,
    rsalt: ToolResult,
    salt: Option<ToolResult>,
    same_files: Option<Result<(), String>>,
    /// 1-minute load average before and after the tree's runs.
    load: (Option<f64>, Option<f64>),
}

/// Runs the benchmark; returns whether every check and threshold passed.
pub fn run(args: BenchArgs) -> Result<bool> {
    let runs = if args.quick { 2 } else { args.runs.max(1) };
    let rsalt_exe = match args.bin.clone().or_else(|| {
        std::env::var_os("RSALT_CALL")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }) {
        Some(p) => p,
        None => {
            println!("building rsalt-call (release) ...");
            super::build_rsalt_call(true)?
        }
    };
    let rsalt = Tool {
        name: "rsalt-call",
        exe: rsalt_exe,
    };
    let salt = if args.no_salt {
        None
    } else {
        find_salt_call(args.salt_call.as_deref())?.map(|exe| Tool {
            name: "salt-call",
            exe,
        })
    };
    let gnu_time = gnu_time_available();
    println!("rsalt-call: {}", rsalt.exe.display());
    match &salt {
        Some(t) => println!("salt-call:  {}", t.exe.display()),
        None => println!(
            "salt-call:  NOT FOUND (or --no-salt): the Salt comparison is SKIPPED, rsalt-call runs alone"
        ),
    }
    if !gnu_time {
        println!(
            "{GNU_TIME} (GNU time) not usable: peak RSS is NOT measured (apt-get install time)"
        );
    }
    println!("timed re-applies per tool and tree: {runs}\n");

    let mut results = Vec::new();
    for &size in &args.sizes {
        results.push(bench_tree(
            size,
            runs,
            &rsalt,
            salt.as_ref(),
            gnu_time,
            args.keep,
        )?);
    }
    let (report, ok) = report(&results, salt.is_some(), gnu_time, runs);
    print!("{report}");
    if !ok && args.no_fail {
        println!("(--no-fail: exiting 0 although a check failed)");
        return Ok(true);
    }
    Ok(ok)
}

/// The Salt oracle, in the documented order of precedence.
fn find_salt_call(opt: Option<&Path>) -> Result<Option<PathBuf>> {
    if let Some(p) = opt {
        if !p.is_file() {
            bail!("--salt-call {}: no such file", p.display());
        }
        return Ok(Some(p.to_path_buf()));
    }
    if let Some(p) = std::env::var_os("SALT_CALL").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(p);
        if !p.is_file() {
            bail!("SALT_CALL={}: no such file", p.display());
        }
        return Ok(Some(p));
    }
    let mut candidates = vec![PathBuf::from("/work/oracle/venv/bin/salt-call")];
    if let Some(v) = std::env::var_os("RSALT_ORACLE_VENV").filter(|v| !v.is_empty()) {
        candidates.push(PathBuf::from(v).join("bin/salt-call"));
    }
    candidates.push(super::workspace_root().join("target/salt-oracle/bin/salt-call"));
    Ok(candidates.into_iter().find(|p| p.is_file()))
}

fn gnu_time_available() -> bool {
    Command::new(GNU_TIME)
        .args(["-f", "%M", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map(|o| {
            o.status.success()
                && String::from_utf8_lossy(&o.stderr)
                    .trim()
                    .parse::<u64>()
                    .is_ok()
        })
        .unwrap_or(false)
}

// ------------------------------------------------------------ tree generator

/// Paths of one tool's minion: `conf/` (`-c`), `root/` (root_dir), `sandbox/`.
struct MinionDirs {
    conf: PathBuf,
    sandbox: PathBuf,
}

/// Writes `salt/` and `pillar/` for `n` states under `dir`.
fn generate_tree(dir: &Path, n: usize) -> Result<()> {
    let salt = dir.join("salt");
    let bench = salt.join("bench");
    let pillar = dir.join("pillar");
    fs::create_dir_all(&bench)?;
    fs::create_dir_all(&pillar)?;
    let parts = n.div_ceil(STATES_PER_SLS).max(1);
    let mut top = String::from("base:\n  '*':\n");
    for p in 0..parts {
        let _ = writeln!(top, "    - bench.part{p:02}");
        let lo = p * STATES_PER_SLS;
        let hi = ((p + 1) * STATES_PER_SLS).min(n);
        fs::write(bench.join(format!("part{p:02}.sls")), sls_part(lo, hi))?;
    }
    fs::write(salt.join("top.sls"), top)?;
    fs::write(pillar.join("top.sls"), "base:\n  '*':\n    - bench\n")?;
    fs::write(
        pillar.join("bench.sls"),
        "bench:\n  greeting: hello\n  owner: ops\n  port: 8000\n  \
         features:\n    - tls\n    - gzip\n  limits:\n    conns: 512\n    timeout: 30\n",
    )?;
    Ok(())
}

/// One sls file with states `lo..hi`. Four kinds, by `i % 4`: one-line
/// `contents`, with `mode`, in a subdirectory with `makedirs`, and a block
/// `contents` with a Jinja loop.
fn sls_part(lo: usize, hi: usize) -> String {
    let mut s = String::from(
        "{%- set owner = salt['pillar.get']('bench:owner', 'nobody') %}\n\
         {%- set sb = grains['sandbox'] %}\n",
    );
    for i in lo..hi {
        let _ = writeln!(s, "bench-file-{i:04}:\n  file.managed:");
        match i % 4 {
            0 => {
                let _ = writeln!(
                    s,
                    "    - name: {{{{ sb }}}}/f{i:04}.conf\n    - contents: \"{{{{ pillar['bench']['greeting'] }}}} \
                     from {{{{ grains['host'] }}}} (#{i}, owner {{{{ owner }}}})\""
                );
            }
            1 => {
                let _ = writeln!(
                    s,
                    "    - name: {{{{ sb }}}}/f{i:04}.conf\n    - mode: '0640'\n    - contents: \
                     \"port={{{{ pillar['bench']['port'] + {i} }}}} cpus={{{{ grains['num_cpus'] }}}}\""
                );
            }
            2 => {
                let _ = writeln!(
                    s,
                    "    - name: {{{{ sb }}}}/sub/d{d}/f{i:04}.conf\n    - makedirs: True\n    - contents: \
                     \"roles={{{{ grains['roles'] | join(',') }}}} dc={{{{ grains['datacenter'] | upper }}}}\"",
                    d = i % 7
                );
            }
            _ => {
                let _ = writeln!(
                    s,
                    "    - name: {{{{ sb }}}}/f{i:04}.conf\n    - mode: '0600'\n    - contents: |\n        \
                     # managed by bench ({{{{ grains['id'] }}}})\n        \
                     {{%- for f in pillar['bench']['features'] %}}\n        \
                     feature.{{{{ f }}}} = {{{{ loop.index }}}}\n        \
                     {{%- endfor %}}\n        \
                     timeout = {{{{ pillar['bench']['limits']['timeout'] }}}}"
                );
            }
        }
    }
    s
}

/// Writes one tool's `conf/minion` (as the conformance runner does) and dirs.
fn minion_dirs(tree: &Path, tool: &str) -> Result<MinionDirs> {
    let base = tree.join(tool);
    let conf = base.join("conf");
    let root = base.join("root");
    let sandbox = base.join("sandbox");
    for d in [&conf, &root, &sandbox] {
        fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let mut grains = rsalt_tests::sandbox::base_grains();
    grains.insert("sandbox".into(), json!(sandbox.to_string_lossy()));
    let cfg = json!({
        "file_client": "local",
        "root_dir": root.to_string_lossy(),
        "file_roots": {"base": [tree.join("salt").to_string_lossy()]},
        "pillar_roots": {"base": [tree.join("pillar").to_string_lossy()]},
        "id": rsalt_tests::sandbox::DEFAULT_ID,
        "grains": Value::Object(grains),
        "enable_fqdns_grains": false,
    });
    fs::write(
        conf.join("minion"),
        serde_json::to_string_pretty(&cfg)? + "\n",
    )?;
    Ok(MinionDirs { conf, sandbox })
}

// ----------------------------------------------------------------- running

/// `TOOL -c CONF --local --out=json state.apply`, in the sandbox; with
/// `rss`, wrapped in GNU time for the peak RSS.
fn apply(tool: &Tool, dirs: &MinionDirs, rss: bool, scratch: &Path) -> Result<RunOut> {
    let rss_file = scratch.join(format!("{}.rss", tool.name));
    let mut cmd = if rss {
        let mut c = Command::new(GNU_TIME);
        c.arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&rss_file)
            .arg(&tool.exe);
        c
    } else {
        Command::new(&tool.exe)
    };
    cmd.arg("-c")
        .arg(&dirs.conf)
        .args(["--local", "--out=json", "state.apply"])
        .current_dir(&dirs.sandbox)
        .stdin(Stdio::null());
    let start = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("running {}", tool.exe.display()))?;
    let wall = start.elapsed();
    let rss_kib = if rss {
        // GNU time writes "Command exited with non-zero status N" before the
        // format line when the command fails: the number is the last line.
        fs::read_to_string(&rss_file)
            .ok()
            .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()))
    } else {
        None
    };
    Ok(RunOut {
        wall,
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        rss_kib,
    })
}

/// Reads a `state.apply` JSON output: states, failures, changed states.
fn check_apply(stdout: &str) -> Result<ApplyCheck, String> {
    let v: Value = serde_json::from_str(stdout.trim()).map_err(|e| {
        format!(
            "output is not JSON ({e}): {}",
            stdout.chars().take(300).collect::<String>()
        )
    })?;
    let Some(local) = v.get("local") else {
        return Err(format!("no `local` key in the output: {}", short(&v)));
    };
    let Some(states) = local.as_object() else {
        return Err(format!("the run returned no state dict: {}", short(local)));
    };
    let mut c = ApplyCheck::default();
    for (id, st) in states {
        c.states += 1;
        if st.get("result") != Some(&Value::Bool(true)) {
            let comment = st.get("comment").map(short).unwrap_or_default();
            c.failed.push(format!("{id}: {comment}"));
        }
        if st
            .get("changes")
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty())
        {
            c.changed += 1;
        }
    }
    Ok(c)
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut t: String = s.chars().take(240).collect();
    if t.len() < s.len() {
        t.push_str("...");
    }
    t
}

/// Checks one run's outcome; returns a problem description, if any.
fn verify(run: &RunOut, n: usize, first: bool) -> Option<String> {
    let what = if first { "first apply" } else { "re-apply" };
    let c = match check_apply(&run.stdout) {
        Ok(c) => c,
        Err(e) => {
            let err: String = run.stderr.chars().take(400).collect();
            return Some(format!("{what}: exit {:?}: {e}; stderr: {err}", run.code));
        }
    };
    if !c.failed.is_empty() {
        let shown: Vec<&str> = c.failed.iter().take(3).map(String::as_str).collect();
        return Some(format!(
            "{what}: {} of {} states failed, e.g. {}",
            c.failed.len(),
            c.states,
            shown.join(" | ")
        ));
    }
    if c.states != n {
        return Some(format!(
            "{what}: {} states in the output, expected {n}",
            c.states
        ));
    }
    if run.code != Some(0) {
        return Some(format!("{what}: exit code {:?}", run.code));
    }
    if first && c.changed != n {
        return Some(format!("first apply changed {} of {n} states", c.changed));
    }
    if !first && c.changed != 0 {
        return Some(format!(
            "re-apply reported changes in {} states (not idempotent)",
            c.changed
        ));
    }
    None
}

/// Records a run into `res`: time (timed runs), RSS, first problem per kind.
fn note(res: &mut ToolResult, run: &RunOut, n: usize, first: bool) {
    if let Some(k) = run.rss_kib {
        res.rss_kib = Some(res.rss_kib.map_or(k, |r| r.max(k)));
    }
    if let Some(p) = verify(run, n, first) {
        if res.problems.len() < 4 && !res.problems.contains(&p) {
            res.problems.push(p);
        }
    }
}

fn bench_tree(
    n: usize,
    runs: usize,
    rsalt: &Tool,
    salt: Option<&Tool>,
    gnu_time: bool,
    keep: bool,
) -> Result<TreeResult> {
    let tmp = tempfile::Builder::new()
        .prefix(&format!("rsalt-bench-{n}-"))
        .tempdir()
        .context("creating a temp dir")?;
    let tree = tmp.path().to_path_buf();
    generate_tree(&tree, n)?;
    let r_dirs = minion_dirs(&tree, "rsalt")?;
    let s_dirs = match salt {
        Some(_) => Some(minion_dirs(&tree, "salt")?),
        None => None,
    };
    println!("== {n} file states ({}) ==", tree.display());
    let load_before = load_avg();

    let mut r_res = ToolResult::default();
    let mut s_res = salt.map(|_| ToolResult::default());
    // First apply (creates every file) and an untimed warm-up re-apply, both
    // under GNU time for the peak RSS.
    for first in [true, false] {
        let r = apply(rsalt, &r_dirs, gnu_time, &tree)?;
        if first {
            r_res.first = Some(r.wall);
        }
        note(&mut r_res, &r, n, first);
        if let (Some(tool), Some(dirs), Some(res)) = (salt, &s_dirs, s_res.as_mut()) {
            let s = apply(tool, dirs, gnu_time, &tree)?;
            if first {
                res.first = Some(s.wall);
            }
            note(res, &s, n, first);
        }
    }
    // Timed re-applies, interleaved; even runs start with rsalt-call.
    for i in 0..runs {
        let mut order: Vec<bool> = vec![true, false]; // true = rsalt
        if i % 2 == 1 {
            order.reverse();
        }
        for is_rsalt in order {
            if is_rsalt {
                let r = apply(rsalt, &r_dirs, false, &tree)?;
                r_res.times.push(r.wall);
                note(&mut r_res, &r, n, false);
            } else if let (Some(tool), Some(dirs), Some(res)) = (salt, &s_dirs, s_res.as_mut()) {
                let s = apply(tool, dirs, false, &tree)?;
                res.times.push(s.wall);
                note(res, &s, n, false);
            }
        }
        print!(".");
        let _ = std::io::Write::flush(&mut std::io::stdout());
    }
    println!();
    let same_files = s_dirs
        .as_ref()
        .map(|s| compare_sandboxes(&r_dirs.sandbox, &s.sandbox));
    if keep {
        let kept = tmp.keep();
        println!("kept {}", kept.display());
    }
    Ok(TreeResult {
        size: n,
        rsalt: r_res,
        salt: s_res,
        same_files,
        load: (load_before, load_avg()),
    })
}

/// The 1-minute load average (`/proc/loadavg`), to show how busy the machine was.
fn load_avg() -> Option<f64> {
    fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Both sandboxes hold the same paths, types, modes and contents.
fn compare_sandboxes(a: &Path, b: &Path) -> Result<(), String> {
    let sa = rsalt_tests::sandbox::snapshot(a);
    let sb = rsalt_tests::sandbox::snapshot(b);
    if sa == sb {
        return Ok(());
    }
    let (Some(ma), Some(mb)) = (sa.as_object(), sb.as_object()) else {
        return Err("snapshots are not objects".into());
    };
    let mut diffs = Vec::new();
    for (k, va) in ma {
        match mb.get(k) {
            None => diffs.push(format!("{k}: only from rsalt-call")),
            Some(vb) if vb != va => {
                diffs.push(format!("{k}: rsalt {} vs salt {}", short(va), short(vb)))
            }
            Some(_) => {}
        }
    }
    for k in mb.keys().filter(|k| !ma.contains_key(*k)) {
        diffs.push(format!("{k}: only from salt-call"));
    }
    let total = diffs.len();
    diffs.truncate(3);
    Err(format!("{total} paths differ, e.g. {}", diffs.join(" | ")))
}

// ------------------------------------------------------------------ report

fn median(ts: &[Duration]) -> Option<Duration> {
    let mut v = ts.to_vec();
    v.sort();
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

fn ms(d: Option<Duration>) -> String {
    d.map_or_else(
        || "-".into(),
        |d| format!("{:.1}", d.as_secs_f64() * 1000.0),
    )
}

fn mb(kib: Option<u64>) -> String {
    kib.map_or_else(|| "-".into(), |k| format!("{:.1}", k as f64 * 1024.0 / 1e6))
}

fn ratio(s: Option<Duration>, r: Option<Duration>) -> Option<f64> {
    match (s, r) {
        (Some(s), Some(r)) if !r.is_zero() => Some(s.as_secs_f64() / r.as_secs_f64()),
        _ => None,
    }
}

/// The results table (Markdown) and the checks; returns (text, all ok).
fn report(results: &[TreeResult], with_salt: bool, gnu_time: bool, runs: usize) -> (String, bool) {
    let mut out = String::new();
    let mut ok = true;
    let _ = writeln!(
        out,
        "\n| states | tool | first apply (ms) | re-apply median (ms) | re-apply min (ms) | peak RSS (MB) | salt/rsalt (median) | salt/rsalt (min) |"
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|---:|---:|");
    // (Some(pass), or None when skipped; text)
    let mut checks: Vec<(Option<bool>, String)> = Vec::new();
    for t in results {
        let (r_med, r_min) = (median(&t.rsalt.times), t.rsalt.times.iter().min().copied());
        let mut rows = vec![("rsalt-call", &t.rsalt)];
        if let Some(s) = &t.salt {
            rows.insert(0, ("salt-call", s));
        }
        let (s_med, s_min) = t.salt.as_ref().map_or((None, None), |s| {
            (median(&s.times), s.times.iter().min().copied())
        });
        let (rm, rn) = (ratio(s_med, r_med), ratio(s_min, r_min));
        for (name, res) in rows {
            let (rat_m, rat_n) = if name == "rsalt-call" && t.salt.is_some() {
                (
                    rm.map_or("-".into(), |x| format!("**{x:.1}x**")),
                    rn.map_or("-".into(), |x| format!("{x:.1}x")),
                )
            } else {
                (String::new(), String::new())
            };
            let _ = writeln!(
                out,
                "| {} | {name} | {} | {} | {} | {} | {rat_m} | {rat_n} |",
                t.size,
                ms(res.first),
                ms(median(&res.times)),
                ms(res.times.iter().min().copied()),
                mb(res.rss_kib),
            );
        }
        // Checks for this tree.
        let need = match t.size {
            10 => Some(MIN_RATIO_10),
            500 => Some(MIN_RATIO_500),
            _ => None,
        };
        if let Some(need) = need {
            match rm {
                Some(x) => checks.push((
                    Some(x >= need),
                    format!(
                        "{} states: salt/rsalt median ratio {x:.1}x (target >= {need:.0}x)",
                        t.size
                    ),
                )),
                None if !with_salt => checks.push((
                    None,
                    format!(
                        "{} states: ratio not measured, no salt-call (target >= {need:.0}x)",
                        t.size
                    ),
                )),
                None => checks.push((
                    Some(false),
                    format!("{} states: no ratio (no successful runs)", t.size),
                )),
            }
        }
        match t.rsalt.rss_kib {
            Some(k) => checks.push((
                Some(k * 1024 <= MAX_RSS_BYTES),
                format!(
                    "{} states: rsalt-call peak RSS {} MB (target <= {} MB)",
                    t.size,
                    mb(Some(k)),
                    MAX_RSS_BYTES / 1_000_000
                ),
            )),
            None => checks.push((
                Some(false),
                format!(
                    "{} states: rsalt-call peak RSS not measured{}",
                    t.size,
                    if gnu_time { "" } else { " (no GNU time)" }
                ),
            )),
        }
        match &t.same_files {
            Some(Ok(())) => checks.push((
                Some(true),
                format!("{} states: both tools wrote identical sandboxes", t.size),
            )),
            Some(Err(e)) => checks.push((
                Some(false),
                format!("{} states: sandboxes differ: {e}", t.size),
            )),
            None => {}
        }
        for (name, res) in [
            ("rsalt-call", Some(&t.rsalt)),
            ("salt-call", t.salt.as_ref()),
        ] {
            let Some(res) = res else { continue };
            if res.problems.is_empty() {
                checks.push((
                    Some(true),
                    format!(
                        "{} states: {name}: all states succeeded, first apply changed all, {} re-applies changed nothing",
                        t.size,
                        runs + 1
                    ),
                ));
            } else {
                for p in &res.problems {
                    checks.push((Some(false), format!("{} states: {name}: {p}", t.size)));
                }
            }
        }
    }
    let _ = writeln!(out);
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let loads: Vec<String> = results
        .iter()
        .map(|t| {
            let f = |x: Option<f64>| x.map_or_else(|| "?".into(), |x| format!("{x:.1}"));
            format!("{} states {} -> {}", t.size, f(t.load.0), f(t.load.1))
        })
        .collect();
    let _ = writeln!(
        out,
        "machine: {cores} cores; 1-min load average before -> after: {}\n",
        loads.join(", ")
    );
    for (pass, text) in &checks {
        ok &= pass.unwrap_or(true);
        let tag = match pass {
            Some(true) => " ok ",
            Some(false) => "FAIL",
            None => "skip",
        };
        let _ = writeln!(out, "[{tag}] {text}");
    }
    if !with_salt {
        let _ = writeln!(
            out,
            "NOTE: the Salt comparison was SKIPPED (no salt-call found or --no-salt)."
        );
    }
    let _ = writeln!(
        out,
        "{}",
        if ok {
            "bench: all checks passed"
        } else {
            "bench: some checks FAILED"
        }
    );
    (out, ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tree_has_parts_top_and_pillar() -> Result<()> {
        let tmp = tempfile::tempdir()?;
        generate_tree(tmp.path(), 120)?;
        let top = fs::read_to_string(tmp.path().join("salt/top.sls"))?;
        assert_eq!(top.matches("bench.part").count(), 3);
        let p2 = fs::read_to_string(tmp.path().join("salt/bench/part02.sls"))?;
        assert_eq!(p2.matches("file.managed").count(), 20);
        assert!(p2.contains("bench-file-0119:"));
        assert!(p2.contains("makedirs: True"));
        assert!(tmp.path().join("pillar/bench.sls").is_file());
        Ok(())
    }

    #[test]
    fn check_apply_counts_failures_and_changes() {
        let out = r#"{"local": {"a": {"result": true, "changes": {"diff": "New file"}},
                     "b": {"result": false, "comment": "boom", "changes": {}},
                     "c": {"result": true, "changes": {}}}}"#;
        let c = check_apply(out).expect("valid output");
        assert_eq!(c.states, 3);
        assert_eq!(c.changed, 1);
        assert_eq!(c.failed, vec!["b: boom".to_string()]);
        assert!(check_apply("not json").is_err());
        assert!(check_apply(r#"{"local": ["render error"]}"#).is_err());
    }

    #[test]
    fn median_of_even_and_odd() {
        let d = Duration::from_millis;
        assert_eq!(median(&[d(3), d(1), d(2)]), Some(d(2)));
        assert_eq!(
            median(&[d(4), d(1), d(2), d(3)]),
            Some(Duration::from_micros(2500))
        );
        assert_eq!(median(&[]), None);
    }

    fn tool(ms: &[u64], rss_kib: u64) -> ToolResult {
        ToolResult {
            first: Some(Duration::from_millis(ms[0])),
            times: ms.iter().map(|&m| Duration::from_millis(m)).collect(),
            rss_kib: Some(rss_kib),
            problems: Vec::new(),
        }
    }

    #[test]
    fn report_checks_thresholds() {
        let tree = |size, salt_ms: &[u64], rsalt_ms: &[u64], rss| TreeResult {
            size,
            rsalt: tool(rsalt_ms, rss),
            salt: Some(tool(salt_ms, 80_000)),
            same_files: Some(Ok(())),
            load: (Some(1.0), Some(1.0)),
        };
        let good = [tree(10, &[1000, 1100, 900], &[10, 12, 11], 9_000)];
        let (text, ok) = report(&good, true, true, 3);
        assert!(ok, "{text}");
        assert!(text.contains("**90.9x**"), "{text}");
        // 500 states at 15x misses the 20x target.
        let slow = [tree(500, &[1500], &[100], 9_000)];
        let (text, ok) = report(&slow, true, true, 1);
        assert!(!ok);
        assert!(
            text.contains("[FAIL] 500 states: salt/rsalt median ratio 15.0x"),
            "{text}"
        );
        // 25 MB of RSS misses the 20 MB target.
        let fat = [tree(10, &[1000], &[10], 25_000)];
        assert!(!report(&fat, true, true, 1).1);
        // Without Salt the ratio is skipped, not failed.
        let mut alone = tree(10, &[1], &[10], 9_000);
        alone.salt = None;
        alone.same_files = None;
        let (text, ok) = report(&[alone], false, true, 1);
        assert!(ok, "{text}");
        assert!(text.contains("[skip] 10 states"), "{text}");
        assert!(text.contains("SKIPPED"), "{text}");
    }
}
