//! `cargo xtask images [--salt] [--force]`: the local Docker images of the system tests.
//! No registry is used:
//!
//! - `rsalt-test/debian-base:bookworm`: `debootstrap --variant=minbase bookworm` piped into
//!   `docker import` (recipe: `tests/images/debian-base/recipe`).
//! - `rsalt-test/debian:bookworm`: `tests/images/debian/Dockerfile` on top of the base (the
//!   tools every module test needs, a local file:// apt repository).
//! - `rsalt-test/debian-salt:bookworm` (`--salt`): Salt 3007.8 from
//!   `tests/conformance/oracle-requirements.txt` on top of the test image, for recording
//!   fixtures (never needed by CI).
//!
//! Every image carries the label `rsalt.recipe=<sha256 of its recipe files and its parent's
//! hash>`; an image whose label matches is reused, so a second run costs a few
//! `docker image inspect` calls. debootstrap comes from `PATH`, else it is unpacked (not
//! installed) from the Debian package into `~/.cache/rsalt/debootstrap`.

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The base image (debootstrap + docker import).
pub const BASE_IMAGE: &str = "rsalt-test/debian-base:bookworm";
/// The image module tests run in.
pub const TEST_IMAGE: &str = "rsalt-test/debian:bookworm";
/// The Salt oracle image.
pub const SALT_IMAGE: &str = "rsalt-test/debian-salt:bookworm";
const LABEL: &str = "rsalt.recipe";

/// Options of `cargo xtask images`.
#[derive(Debug, Default, clap::Args)]
pub struct ImagesArgs {
    /// Also build the Salt 3007.8 oracle image (rsalt-test/debian-salt:bookworm)
    #[arg(long)]
    pub salt: bool,
    /// Rebuild even when the recipe hash is unchanged
    #[arg(long)]
    pub force: bool,
}

/// Whether the docker daemon answers.
pub fn docker_available() -> Result<(), String> {
    match Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
        Err(e) => Err(format!("cannot run docker: {e}")),
    }
}

fn hash_files(parent: &str, root: &Path, files: &[PathBuf]) -> Result<String> {
    let mut h = Sha256::new();
    h.update(parent.as_bytes());
    for f in files {
        let data = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        let rel = f.strip_prefix(root).unwrap_or(f);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        h.update((data.len() as u64).to_le_bytes());
        h.update(&data);
    }
    Ok(format!("{:x}", h.finalize()))
}

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The `rsalt.recipe` label of `image`, if the image exists.
fn image_label(image: &str) -> Option<String> {
    let o = Command::new("docker")
        .args([
            "image",
            "inspect",
            "--format",
            &format!("{{{{index .Config.Labels \"{LABEL}\"}}}}"),
            image,
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// `key=value` lines of the base recipe.
fn recipe_value(recipe: &str, key: &str, default: &str) -> String {
    recipe
        .lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| default.to_string())
}

/// `debootstrap` from PATH, else unpacked from the Debian package (`apt-get download` +
/// `dpkg -x`, no installation). Returns (program, DEBOOTSTRAP_DIR to set).
fn debootstrap() -> Result<(PathBuf, Option<PathBuf>)> {
    if let Ok(o) = Command::new("sh")
        .args(["-c", "command -v debootstrap"])
        .output()
    {
        if o.status.success() {
            let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
            return Ok((PathBuf::from(p), None));
        }
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    let cache = PathBuf::from(home).join(".cache/rsalt/debootstrap");
    let prog = cache.join("root/usr/sbin/debootstrap");
    let dir = cache.join("root/usr/share/debootstrap");
    if !prog.exists() {
        println!("images: unpacking debootstrap into {}", cache.display());
        std::fs::create_dir_all(&cache)?;
        run(
            Command::new("apt-get")
                .args(["download", "debootstrap"])
                .current_dir(&cache),
            "apt-get download debootstrap (run `apt-get update` first if the package is unknown)",
        )?;
        let deb = std::fs::read_dir(&cache)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "deb"))
            .context("no debootstrap .deb downloaded")?;
        run(
            Command::new("dpkg")
                .arg("-x")
                .arg(&deb)
                .arg(cache.join("root")),
            "dpkg -x debootstrap",
        )?;
    }
    Ok((prog, Some(dir)))
}

fn build_base(root: &Path, force: bool) -> Result<String> {
    let dir = root.join("tests/images/debian-base");
    let files = files_under(&dir)?;
    let hash = hash_files("", root, &files)?;
    if !force && image_label(BASE_IMAGE).as_deref() == Some(hash.as_str()) {
        println!("images: {BASE_IMAGE} is up to date");
        return Ok(hash);
    }
    let recipe = std::fs::read_to_string(dir.join("recipe"))?;
    let suite = recipe_value(&recipe, "suite", "bookworm");
    let variant = recipe_value(&recipe, "variant", "minbase");
    let mirror = recipe_value(&recipe, "mirror", "http://deb.debian.org/debian");
    let include = recipe_value(&recipe, "include", "");
    let t = Instant::now();
    println!("images: building {BASE_IMAGE} (debootstrap --variant={variant} {suite})");
    let tmp = tempfile::Builder::new()
        .prefix("rsalt-debootstrap-")
        .tempdir_in("/var/tmp")
        .or_else(|_| tempfile::tempdir())?;
    let rootfs = tmp.path().join("rootfs");
    let (prog, ddir) = debootstrap()?;
    let mut cmd = Command::new(&prog);
    if let Some(d) = ddir {
        cmd.env("DEBOOTSTRAP_DIR", d);
    }
    cmd.arg(format!("--variant={variant}"));
    if !include.is_empty() {
        cmd.arg(format!("--include={include}"));
    }
    cmd.arg(&suite).arg(&rootfs).arg(&mirror);
    run(&mut cmd, "debootstrap")?;
    // Smaller image: no downloaded .debs.
    let _ = std::fs::remove_dir_all(rootfs.join("var/cache/apt/archives"));
    let _ = std::fs::create_dir_all(rootfs.join("var/cache/apt/archives/partial"));
    let tar = Command::new("tar")
        .arg("-C")
        .arg(&rootfs)
        .args(["--numeric-owner", "-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .context("starting tar")?;
    let stdout = tar.stdout.context("tar stdout")?;
    run(
        Command::new("docker")
            .args([
                "import",
                "--change",
                &format!("LABEL {LABEL}={hash}"),
                "--change",
                "CMD [\"/bin/bash\"]",
                "--change",
                "ENV LANG=C.UTF-8",
                "-",
                BASE_IMAGE,
            ])
            .stdin(stdout),
        "docker import",
    )?;
    println!("images: {BASE_IMAGE} built in {:.0?}", t.elapsed());
    Ok(hash)
}

/// `docker build` of `dir` (its Dockerfile) with extra context files, tagged `image`.
fn build_layer(
    root: &Path,
    dir: &Path,
    extra: &[PathBuf],
    parent_hash: &str,
    image: &str,
    force: bool,
) -> Result<String> {
    let mut files = files_under(dir)?;
    files.extend(extra.iter().cloned());
    let hash = hash_files(parent_hash, root, &files)?;
    if !force && image_label(image).as_deref() == Some(hash.as_str()) {
        println!("images: {image} is up to date");
        return Ok(hash);
    }
    let t = Instant::now();
    println!("images: building {image}");
    // A build context with the recipe folder plus the extra files (flat).
    let ctx = tempfile::tempdir()?;
    for f in &files {
        let name = if extra.contains(f) {
            PathBuf::from(f.file_name().context("file name")?)
        } else {
            f.strip_prefix(dir).unwrap_or(f).to_path_buf()
        };
        let dest = ctx.path().join(name);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::copy(f, &dest).with_context(|| format!("copying {}", f.display()))?;
    }
    run(
        Command::new("docker")
            .env("DOCKER_BUILDKIT", "0")
            .args(["build", "--label", &format!("{LABEL}={hash}"), "-t", image])
            .arg(ctx.path()),
        &format!("docker build {image}"),
    )?;
    println!("images: {image} built in {:.0?}", t.elapsed());
    Ok(hash)
}

/// Builds (or reuses) the images.
pub fn build(root: &Path, args: &ImagesArgs) -> Result<()> {
    if let Err(e) = docker_available() {
        bail!("docker is not reachable: {e}");
    }
    let base = build_base(root, args.force)?;
    let test = build_layer(
        root,
        &root.join("tests/images/debian"),
        &[],
        &base,
        TEST_IMAGE,
        args.force,
    )?;
    if args.salt {
        build_layer(
            root,
            &root.join("tests/images/debian-salt"),
            &[
                root.join("tests/conformance/oracle-requirements.txt"),
                PathBuf::from("/etc/ssl/certs/ca-certificates.crt"),
            ],
            &test,
            SALT_IMAGE,
            args.force,
        )?;
    }
    Ok(())
}
