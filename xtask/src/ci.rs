//! `cargo xtask test`: everything CI runs, in order, stopping at the first failure:
//! rustfmt, clippy (`-D warnings`), the system-test images (`cargo xtask images`), the
//! workspace tests (which include the recorded-Salt
//! conformance cases), and a bounded fuzz smoke run of each fuzz target.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Options of `cargo xtask test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Seconds per fuzz target (0 skips fuzzing).
    #[arg(long, default_value_t = 60)]
    pub fuzz_seconds: u64,
    /// Skip rustfmt and clippy.
    #[arg(long)]
    pub no_lint: bool,
    /// Skip the conformance run against a release build of rsalt-call.
    #[arg(long)]
    pub no_release: bool,
    /// Do not build the system-test images (their tests then skip, or fail under
    /// RSALT_REQUIRE_DOCKER=1).
    #[arg(long)]
    pub no_images: bool,
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn step(name: &str, cmd: &mut Command) -> Result<()> {
    let t = Instant::now();
    println!("==> {name}");
    let status = cmd.status().with_context(|| format!("starting {name}"))?;
    println!(
        "<== {name}: {} in {:.0?}",
        if status.success() { "ok" } else { "FAILED" },
        t.elapsed()
    );
    if !status.success() {
        bail!("{name} failed");
    }
    Ok(())
}

/// The fuzz targets that must exist in `fuzz/` (each runs `seconds`).
const FUZZ_TARGETS: &[&str] = &["yaml_load", "jinja_render", "wire_decode"];

/// Runs the whole suite; `conformance` runs the recorded cases (passed in by main).
pub fn run(
    root: &Path,
    args: &TestArgs,
    release_conformance: impl FnOnce() -> Result<bool>,
) -> Result<bool> {
    if !args.no_lint {
        step(
            "rustfmt",
            Command::new(cargo())
                .current_dir(root)
                .args(["fmt", "--all", "--", "--check"]),
        )?;
        step(
            "clippy",
            Command::new(cargo()).current_dir(root).args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        )?;
    }
    // The system tests (tests/tests/system_*.rs) run inside local Docker images: build or
    // reuse them first. Without docker they skip, unless RSALT_REQUIRE_DOCKER=1 (.ci/run).
    if !args.no_images {
        let require = std::env::var("RSALT_REQUIRE_DOCKER").is_ok_and(|v| v == "1");
        match crate::images::docker_available() {
            Ok(()) => {
                let t = Instant::now();
                println!("==> images");
                crate::images::build(root, &crate::images::ImagesArgs::default())?;
                println!("<== images: ok in {:.0?}", t.elapsed());
            }
            Err(e) if require => bail!("docker is required (RSALT_REQUIRE_DOCKER=1): {e}"),
            Err(e) => println!("==> images: docker unreachable ({e}); system tests will skip"),
        }
    }
    // The workspace tests include the conformance cases (tests/conformance, recorded from
    // Salt 3007.8): `cargo test --workspace` builds rsalt-call before running them.
    step(
        "tests + conformance",
        Command::new(cargo())
            .current_dir(root)
            .args(["test", "--workspace", "--quiet"]),
    )?;
    if !args.no_release {
        // The same cases against the optimised binary users run: behaviour must not depend
        // on the build profile (minijinja's debug info once did).
        println!("==> conformance (release rsalt-call)");
        if !release_conformance()? {
            bail!("conformance against the release build failed");
        }
    }
    if args.fuzz_seconds > 0 {
        fuzz(root, args.fuzz_seconds)?;
    }
    Ok(true)
}

/// Runs every fuzz target for `seconds` each (`cargo fuzz`, stable toolchain with
/// `RUSTC_BOOTSTRAP=1`); skipped with a message when cargo-fuzz is not installed.
pub fn fuzz(root: &Path, seconds: u64) -> Result<()> {
    let has_fuzz = Command::new(cargo())
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_fuzz {
        println!(
            "==> fuzz: cargo-fuzz is not installed (`cargo install cargo-fuzz --locked`); skipped"
        );
    } else {
        let fuzz_dir = root.join("fuzz");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(|t| Path::new(&t).join("fuzz"))
            .unwrap_or_else(|| fuzz_dir.join("target"));
        for t in FUZZ_TARGETS {
            if !fuzz_dir
                .join("fuzz_targets")
                .join(format!("{t}.rs"))
                .exists()
            {
                bail!("fuzz target {t} is missing from fuzz/fuzz_targets");
            }
            step(
                &format!("fuzz {t} ({}s)", seconds),
                Command::new(cargo())
                    .current_dir(&fuzz_dir)
                    .env("RUSTC_BOOTSTRAP", "1")
                    .env("CARGO_TARGET_DIR", &target)
                    .args([
                        "fuzz",
                        "run",
                        t,
                        "--",
                        &format!("-max_total_time={}", seconds),
                    ]),
            )?;
        }
    }
    Ok(())
}
