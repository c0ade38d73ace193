//! `cargo xtask <task>`: developer tasks for the rsalt workspace.
//!
//! - `conformance [--cases DIR] [--bin PATH] [-j N] [-v] [--keep] [CASE...]`:
//!   build `rsalt-call` (unless `--bin`/`RSALT_CALL` is given) and run the
//!   conformance runner (`rsalt_tests::run`).
//! - `record [--venv DIR] [--salt-call PATH] [-j N] [CASE...]`: record
//!   expected outputs from Salt 3007.8 (`tests/conformance/record.py`).
//! - `demo [--release]`: the quick start: apply `states/` + `pillar/` to a sandbox, twice.
//! - `test` (alias `ci`): everything CI runs: fmt, clippy, tests + conformance, fuzz smoke.
//! - `bench`: rsalt-call vs salt-call side by side (see docs/performance.md).
//! - `fuzz [--seconds N]`: every fuzz target for N seconds.
//! - `images [--salt] [--force]`: the local Docker images of the system tests
//!   (`tests/images/`, reused while their recipe hash is unchanged).

mod bench;
mod ci;
mod demo;
mod images;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "xtask", about = "rsalt developer tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand, Debug)]
enum Task {
    /// Run the conformance cases against rsalt-call (or --bin)
    Conformance {
        #[command(flatten)]
        opts: rsalt_tests::Options,
        /// Build rsalt-call in release mode (when no --bin/RSALT_CALL)
        #[arg(long)]
        release: bool,
    },
    /// Record expected outputs from the Salt oracle (runs tests/conformance/record.py)
    Record {
        /// Arguments for record.py (`--venv DIR`, `--salt-call PATH`, `-j N`, `CASE...`)
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Build rsalt-call and apply the example tree (states/, pillar/) to a sandbox, twice
    Demo(demo::DemoArgs),
    /// Everything CI runs: fmt, clippy, tests, conformance, fuzz smoke
    #[command(alias = "ci")]
    Test(ci::TestArgs),
    /// Benchmark rsalt-call --local against salt-call --local (docs/performance.md)
    Bench(bench::BenchArgs),
    /// Build (or reuse) the system-test Docker images (tests/images/)
    Images(images::ImagesArgs),
    /// Fuzz smoke run: every fuzz target for N seconds
    Fuzz {
        /// Seconds per target
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `cargo build -p rsalt-minion --bin rsalt-call`; returns the executable's path.
fn build_rsalt_call(release: bool) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root()).args([
        "build",
        "-p",
        "rsalt-minion",
        "--bin",
        "rsalt-call",
        "--message-format=json-render-diagnostics",
    ]);
    if release {
        cmd.arg("--release");
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo build")?;
    if !out.status.success() {
        bail!("cargo build of rsalt-call failed");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "rsalt-call" {
            if let Some(exe) = msg["executable"].as_str() {
                return Ok(PathBuf::from(exe));
            }
        }
    }
    bail!("cargo build did not report the rsalt-call executable")
}

fn conformance(mut opts: rsalt_tests::Options, release: bool) -> Result<bool> {
    let from_env = std::env::var_os("RSALT_CALL").is_some_and(|v| !v.is_empty());
    if opts.bin.is_none() && !from_env {
        opts.bin = Some(build_rsalt_call(release)?);
    }
    let summary = rsalt_tests::run(&opts, &mut std::io::stdout())?;
    Ok(summary.failed == 0)
}

fn record(args: &[String]) -> Result<bool> {
    let script = workspace_root().join("tests/conformance/record.py");
    let status = Command::new("python3")
        .arg(&script)
        .args(args)
        .status()
        .with_context(|| format!("running python3 {}", script.display()))?;
    Ok(status.success())
}

fn run(cli: Cli) -> Result<bool> {
    match cli.task {
        Task::Conformance { opts, release } => conformance(opts, release),
        Task::Record { args } => record(&args),
        Task::Demo(args) => {
            let exe = build_rsalt_call(args.release)?;
            demo::run(&workspace_root(), &args, &exe)
        }
        Task::Test(args) => ci::run(&workspace_root(), &args, || {
            conformance(rsalt_tests::Options::default(), true)
        }),
        Task::Bench(args) => bench::run(args),
        Task::Images(args) => images::build(&workspace_root(), &args).map(|()| true),
        Task::Fuzz { seconds } => ci::fuzz(&workspace_root(), seconds).map(|()| true),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}
