//! `cargo xtask demo`: the quick start. Builds `rsalt-call`, writes a minion config that
//! points `file_roots` at `states/` and `pillar_roots` at `pillar/`, and applies the tree
//! twice to a sandbox folder; the second run must report no changes.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Options of `cargo xtask demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Build rsalt-call in release mode (slower to build, faster to run).
    #[arg(long)]
    pub release: bool,
    /// Where to put the config, root_dir and sandbox (default: <target dir>/demo).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Runs the demo; returns whether the second run was clean.
pub fn run(root: &Path, args: &DemoArgs, rsalt_call: &Path) -> Result<bool> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| target_dir(root).join("demo"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("cleaning {}", dir.display()))?;
    }
    let conf = dir.join("conf");
    let sandbox = dir.join("sandbox");
    for d in [&conf, &sandbox, &dir.join("root")] {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let config = serde_json::json!({
        "file_client": "local",
        "root_dir": dir.join("root"),
        "file_roots": {"base": [root.join("states")]},
        "pillar_roots": {"base": [root.join("pillar")]},
        "id": "demo-minion",
        "rsalt_sandbox": sandbox,
        "enable_fqdns_grains": false,
    });
    std::fs::write(
        conf.join("minion"),
        serde_json::to_string_pretty(&config)? + "\n",
    )?;

    let apply = |extra: &[&str]| -> Result<(bool, String)> {
        let out = Command::new(rsalt_call)
            .arg("-c")
            .arg(&conf)
            .args(["--local", "state.apply"])
            .args(extra)
            .output()
            .with_context(|| format!("running {}", rsalt_call.display()))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        print!("{text}");
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        Ok((out.status.success(), text))
    };
    println!("== first run: applying states/ to {}", sandbox.display());
    let (ok1, _) = apply(&[])?;
    println!("\n== second run (idempotency: expect no changes)");
    let (ok2, _) = apply(&["--state-output=terse"])?;
    let json = Command::new(rsalt_call)
        .arg("-c")
        .arg(&conf)
        .args(["--local", "--out=json", "state.apply"])
        .output()?;
    let ret: serde_json::Value =
        serde_json::from_slice(&json.stdout).context("parsing JSON output")?;
    let changed: Vec<String> = ret["local"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v["changes"].as_object().is_some_and(|c| !c.is_empty()))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    if !ok1 || !ok2 {
        bail!("state.apply failed");
    }
    if !changed.is_empty() {
        println!("\nnot idempotent: {changed:?}");
        return Ok(false);
    }
    println!(
        "\nDone. Files are under {}; config in {}.",
        sandbox.display(),
        conf.display()
    );
    Ok(true)
}
