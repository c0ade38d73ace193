//! `cargo xtask bench-fleet`: an rsalt fleet and a Salt 3007 fleet side by side on this
//! machine, same size and same state tree: `test.ping` and a 10-state `state.apply` on N
//! real minion processes (wall time of the CLI, median of `--runs`), idle minion memory
//! (RSS and PSS), the CLI with one minion down, and `test.ping` across a swarm of 1,000
//! and 5,000 rsalt minion identities (`rsalt-minion --swarm N`) with the master's RSS.
//!
//! Results are printed as a table and written to `target/bench-fleet.json`; the numbers in
//! `docs/performance.md` come from this command.

use anyhow::{bail, Context, Result};
use serde_json::json;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `cargo xtask bench-fleet` options.
#[derive(clap::Args, Debug)]
pub struct BenchFleetArgs {
    /// Minion processes per fleet.
    #[arg(long, default_value_t = 10)]
    minions: usize,
    /// Timed runs per measurement (median reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Swarm sizes for the rsalt-only scale test (empty: skip).
    #[arg(long, value_delimiter = ',', default_values_t = [1000usize, 5000])]
    swarm: Vec<usize>,
    /// Skip the Salt fleet.
    #[arg(long)]
    no_salt: bool,
    /// Only the swarm measurements.
    #[arg(long)]
    swarm_only: bool,
    /// Salt venv (bin/salt-master, bin/salt-minion, bin/salt); default $RSALT_ORACLE_VENV,
    /// /work/oracle or /work/oracle/venv.
    #[arg(long)]
    salt_venv: Option<PathBuf>,
    /// Use rsalt binaries from this folder instead of building them in release mode.
    #[arg(long)]
    bin_dir: Option<PathBuf>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

/// RSS and PSS of a process in kB.
fn mem_kb(pid: u32) -> (u64, u64) {
    let field = |path: String, key: &str| -> u64 {
        fs::read_to_string(path)
            .ok()
            .and_then(|t| {
                t.lines()
                    .find(|l| l.starts_with(key))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse().ok())
            })
            .unwrap_or(0)
    };
    (
        field(format!("/proc/{pid}/status"), "VmRSS:"),
        field(format!("/proc/{pid}/smaps_rollup"), "Pss:"),
    )
}

struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn spawn(cmd: &mut Command, log: &Path) -> Result<Child> {
    let log = fs::File::create(log)?;
    cmd.stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {cmd:?}"))
}

fn timed(cmd: &mut Command) -> Result<(f64, std::process::Output)> {
    let t = Instant::now();
    let o = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    Ok((t.elapsed().as_secs_f64(), o))
}

/// The shared state tree: 10 file.managed states per minion, under its own sandbox.
fn write_tree(root: &Path, sandbox: &Path) -> Result<()> {
    let states = root.join("salt");
    fs::create_dir_all(&states)?;
    fs::create_dir_all(root.join("pillar"))?;
    fs::write(states.join("top.sls"), "base:\n  '*':\n    - bench\n")?;
    let mut sls = format!(
        "{{% set dir = '{}/' ~ grains['id'] %}}\n{{{{ dir }}}}:\n  file.directory:\n    - makedirs: True\n",
        sandbox.display()
    );
    for i in 0..9 {
        sls.push_str(&format!(
            "{{{{ dir }}}}/f{i}.conf:\n  file.managed:\n    - contents: 'state {i} on {{{{ grains[\"id\"] }}}}'\n    - require:\n      - file: {{{{ dir }}}}\n"
        ));
    }
    fs::write(states.join("bench.sls"), sls)?;
    fs::write(root.join("pillar/top.sls"), "base: {}\n")?;
    Ok(())
}

struct FleetResult {
    ping: f64,
    apply: f64,
    rss_kb: u64,
    pss_kb: u64,
    down_ping: f64,
    down_rc: i32,
}

fn wait_for(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < timeout {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

fn count_true(o: &std::process::Output) -> usize {
    String::from_utf8_lossy(&o.stdout).matches("true").count()
}

/// What differs between the two fleets.
struct Flavor {
    name: &'static str,
    bin_dir: PathBuf,
    master: &'static str,
    minion: &'static str,
    cli: &'static str,
    /// Extra master / minion config lines.
    master_extra: &'static str,
    minion_extra: &'static str,
    /// Minion id prefix.
    prefix: &'static str,
    /// Extra CLI arguments for applies (Salt needs a longer timeout).
    apply_args: &'static [&'static str],
    /// Master start-up time before minions start; how long the fleet may take to come up.
    settle: Duration,
    up_timeout: Duration,
}

impl Flavor {
    fn rsalt(bins: &Path) -> Flavor {
        Flavor {
            name: "rsalt",
            bin_dir: bins.to_path_buf(),
            master: "rsalt-master",
            minion: "rsalt-minion",
            cli: "rsalt",
            master_extra: "metrics_address: ''\nworker_threads: 4\n",
            minion_extra: "",
            prefix: "rsalt",
            apply_args: &[],
            settle: Duration::from_millis(300),
            up_timeout: Duration::from_secs(60),
        }
    }

    fn salt(venv: &Path) -> Flavor {
        Flavor {
            name: "salt",
            bin_dir: venv.join("bin"),
            master: "salt-master",
            minion: "salt-minion",
            cli: "salt",
            master_extra: "user: root\n",
            minion_extra: "user: root\n",
            prefix: "salt",
            apply_args: &["-t", "120"],
            settle: Duration::from_secs(3),
            up_timeout: Duration::from_secs(180),
        }
    }
}

/// Starts a master and `n` minion processes of one flavor, then measures.
fn fleet(fl: &Flavor, n: usize, runs: usize) -> Result<FleetResult> {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let sandbox = root.join("sandbox");
    write_tree(root, &sandbox)?;
    let (pp, rp) = (free_port(), free_port());
    let mdir = root.join("master");
    fs::create_dir_all(&mdir)?;
    fs::write(
        mdir.join("master"),
        format!(
            "root_dir: {r}/mroot\ninterface: 127.0.0.1\npublish_port: {pp}\nret_port: {rp}\nauto_accept: true\n{extra}file_roots:\n  base: [{r}/salt]\npillar_roots:\n  base: [{r}/pillar]\n",
            r = root.display(),
            extra = fl.master_extra,
        ),
    )?;
    let mut procs = Procs(Vec::new());
    procs.0.push(spawn(
        Command::new(fl.bin_dir.join(fl.master))
            .arg("-c")
            .arg(&mdir),
        &root.join("master.log"),
    )?);
    std::thread::sleep(fl.settle);
    for i in 0..n {
        let d = root.join(format!("m{i}"));
        fs::create_dir_all(&d)?;
        fs::write(
            d.join("minion"),
            format!(
                "id: {p}-{i:02}\nroot_dir: {}\nmaster: 127.0.0.1\nmaster_port: {rp}\npublish_port: {pp}\n{extra}",
                d.join("root").display(),
                p = fl.prefix,
                extra = fl.minion_extra,
            ),
        )?;
        procs.0.push(spawn(
            Command::new(fl.bin_dir.join(fl.minion)).arg("-c").arg(&d),
            &d.join("minion.log"),
        )?);
    }
    let cli = || {
        let mut c = Command::new(fl.bin_dir.join(fl.cli));
        c.arg("-c").arg(&mdir);
        c
    };
    if !wait_for(fl.up_timeout, || {
        cli()
            .args(["*", "test.ping", "--out", "json", "--static"])
            .output()
            .map(|o| count_true(&o) == n)
            .unwrap_or(false)
    }) {
        bail!("the {} fleet did not come up", fl.name);
    }
    // First apply creates the files; the timed runs are idempotent re-applies.
    let (_, first) = timed(
        cli()
            .args(["*", "state.apply", "--out", "quiet"])
            .args(fl.apply_args),
    )?;
    if !first.status.success() {
        bail!(
            "{} first apply failed: {}",
            fl.name,
            String::from_utf8_lossy(&first.stderr)
        );
    }
    let mut pings = Vec::new();
    let mut applies = Vec::new();
    for _ in 0..runs {
        let (t, o) = timed(cli().args(["*", "test.ping", "--out", "json", "--static"]))?;
        if count_true(&o) != n {
            bail!("{} ping: {} of {n} returned", fl.name, count_true(&o));
        }
        pings.push(t);
        let (t, o) = timed(
            cli()
                .args(["*", "state.apply", "--out", "json", "--static"])
                .args(fl.apply_args),
        )?;
        if String::from_utf8_lossy(&o.stdout)
            .matches("\"changes\": {}")
            .count()
            != n * 10
        {
            bail!("{} re-apply was not clean", fl.name);
        }
        applies.push(t);
    }
    std::thread::sleep(Duration::from_secs(2));
    // Each minion's main process (Salt forks more; see docs/performance.md).
    let mems: Vec<(u64, u64)> = procs.0[1..].iter().map(|c| mem_kb(c.id())).collect();
    let rss = mems.iter().map(|m| m.0).sum::<u64>() / n as u64;
    let pss = mems.iter().map(|m| m.1).sum::<u64>() / n as u64;
    let mut victim = procs.0.remove(1);
    let _ = victim.kill();
    let _ = victim.wait();
    std::thread::sleep(Duration::from_millis(300));
    let (down_ping, o) = timed(cli().args(["*", "test.ping"]))?;
    Ok(FleetResult {
        ping: median(pings),
        apply: median(applies),
        rss_kb: rss,
        pss_kb: pss,
        down_ping,
        down_rc: o.status.code().unwrap_or(-1),
    })
}

/// (ids up, median ping seconds, master RSS kB)
fn swarm(bins: &Path, n: usize, runs: usize) -> Result<(usize, f64, u64)> {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    write_tree(root, &root.join("sandbox"))?;
    let (pp, rp) = (free_port(), free_port());
    let mdir = root.join("master");
    fs::create_dir_all(&mdir)?;
    fs::write(
        mdir.join("master"),
        format!(
            "root_dir: {r}/mroot\ninterface: 127.0.0.1\npublish_port: {pp}\nret_port: {rp}\nauto_accept: true\nmetrics_address: ''\nfile_roots:\n  base: [{r}/salt]\npillar_roots:\n  base: [{r}/pillar]\n",
            r = root.display()
        ),
    )?;
    let sdir = root.join("swarm");
    fs::create_dir_all(&sdir)?;
    fs::write(
        sdir.join("minion"),
        format!(
            "id: sw\nroot_dir: {}\nmaster: 127.0.0.1\nmaster_port: {rp}\npublish_port: {pp}\n",
            sdir.join("root").display()
        ),
    )?;
    let mut procs = Procs(Vec::new());
    procs.0.push(spawn(
        Command::new(bins.join("rsalt-master")).arg("-c").arg(&mdir),
        &root.join("master.log"),
    )?);
    std::thread::sleep(Duration::from_millis(300));
    procs.0.push(spawn(
        Command::new(bins.join("rsalt-minion"))
            .arg("-c")
            .arg(&sdir)
            .args(["--swarm", &n.to_string()]),
        &root.join("swarm.log"),
    )?);
    let rsalt = || {
        let mut c = Command::new(bins.join("rsalt"));
        c.arg("-c").arg(&mdir);
        c
    };
    let mut up = 0;
    wait_for(Duration::from_secs(300), || {
        up = rsalt()
            .args(["*", "test.ping", "--out", "json", "--static", "-t", "10"])
            .output()
            .map(|o| count_true(&o))
            .unwrap_or(0);
        up == n
    });
    let mut pings = Vec::new();
    for _ in 0..runs {
        let (t, o) =
            timed(rsalt().args(["*", "test.ping", "--out", "json", "--static", "-t", "30"]))?;
        up = count_true(&o);
        pings.push(t);
    }
    let rss = mem_kb(procs.0[0].id()).0;
    Ok((up, median(pings), rss))
}

fn salt_venv(args: &BenchFleetArgs) -> Option<PathBuf> {
    let mut c: Vec<PathBuf> = args.salt_venv.iter().cloned().collect();
    if let Ok(v) = std::env::var("RSALT_ORACLE_VENV") {
        c.push(PathBuf::from(v));
    }
    c.push(PathBuf::from("/work/oracle"));
    c.push(PathBuf::from("/work/oracle/venv"));
    c.into_iter().find(|v| v.join("bin/salt-master").exists())
}

/// Runs the fleet benchmark.
pub fn run(args: BenchFleetArgs, root: &Path) -> Result<bool> {
    let bins = match &args.bin_dir {
        Some(d) => d.clone(),
        None => {
            let st = Command::new(env!("CARGO"))
                .args([
                    "build",
                    "--release",
                    "--bins",
                    "-p",
                    "rsalt-master",
                    "-p",
                    "rsalt-minion",
                ])
                .current_dir(root)
                .status()?;
            if !st.success() {
                bail!("release build failed");
            }
            let target = std::env::var("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|_| root.join("target"));
            target.join("release")
        }
    };
    let n = args.minions;
    if args.swarm_only {
        for &size in &args.swarm {
            let (up, t, rss) = swarm(&bins, size, 3)?;
            println!(
                "swarm {size}: {up} returned, ping {t:.3} s, master RSS {} MB",
                rss / 1024
            );
        }
        return Ok(true);
    }
    println!("rsalt fleet: {n} minion processes ...");
    let r = fleet(&Flavor::rsalt(&bins), n, args.runs)?;
    let s = if args.no_salt {
        None
    } else {
        match salt_venv(&args) {
            Some(v) => {
                println!(
                    "Salt fleet: {n} salt-minion processes ({}) ...",
                    v.display()
                );
                Some(fleet(&Flavor::salt(&v), n, args.runs)?)
            }
            None => {
                println!("no Salt venv found (install with ../shared/tools/install-salt-oracle DIR, pass --salt-venv)");
                None
            }
        }
    };
    let mut swarms = Vec::new();
    for &size in &args.swarm {
        println!("rsalt swarm: {size} identities ...");
        let (up, t, rss) = swarm(&bins, size, 3)?;
        swarms.push(json!({"minions": size, "returned": up, "ping_s": t, "master_rss_kb": rss}));
    }
    println!("\n| measurement (N = {n}) | rsalt | Salt 3007.8 | ratio |");
    println!("|---|---|---|---|");
    let row = |name: &str, a: f64, b: Option<f64>, unit: &str| match b {
        Some(b) => println!("| {name} | {a:.3} {unit} | {b:.3} {unit} | {:.1}x |", b / a),
        None => println!("| {name} | {a:.3} {unit} | - | - |"),
    };
    row(
        "test.ping wall time",
        r.ping,
        s.as_ref().map(|s| s.ping),
        "s",
    );
    row(
        "10-state state.apply wall time",
        r.apply,
        s.as_ref().map(|s| s.apply),
        "s",
    );
    row(
        "idle minion RSS",
        r.rss_kb as f64 / 1024.0,
        s.as_ref().map(|s| s.rss_kb as f64 / 1024.0),
        "MB",
    );
    row(
        "idle minion PSS",
        r.pss_kb as f64 / 1024.0,
        s.as_ref().map(|s| s.pss_kb as f64 / 1024.0),
        "MB",
    );
    row(
        "test.ping with one minion down",
        r.down_ping,
        s.as_ref().map(|s| s.down_ping),
        "s",
    );
    println!(
        "| exit code with one minion down | {} | {} | |",
        r.down_rc,
        s.as_ref()
            .map(|s| s.down_rc.to_string())
            .unwrap_or_default()
    );
    for sw in &swarms {
        println!(
            "| swarm test.ping, {} identities | {:.3} s ({} returned), master RSS {:.0} MB | - | |",
            sw["minions"],
            sw["ping_s"].as_f64().unwrap_or(0.0),
            sw["returned"],
            sw["master_rss_kb"].as_f64().unwrap_or(0.0) / 1024.0
        );
    }
    let out = json!({
        "minions": n,
        "rsalt": {"ping_s": r.ping, "apply_s": r.apply, "rss_kb": r.rss_kb, "pss_kb": r.pss_kb, "down_ping_s": r.down_ping, "down_rc": r.down_rc},
        "salt": s.as_ref().map(|s| json!({"ping_s": s.ping, "apply_s": s.apply, "rss_kb": s.rss_kb, "pss_kb": s.pss_kb, "down_ping_s": s.down_ping, "down_rc": s.down_rc})),
        "swarm": swarms,
    });
    let path = root.join("target/bench-fleet.json");
    let _ = fs::create_dir_all(root.join("target"));
    fs::write(&path, serde_json::to_string_pretty(&out)?)?;
    println!("\nwritten: {}", path.display());
    Ok(true)
}
