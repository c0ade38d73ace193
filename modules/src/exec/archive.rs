//! Archive helpers for `archive.extracted` (salt/modules/archive.py `list`, Salt's
//! `file.get_source_sum` and `file.cached`), plus the `archive.list` execution function.
//!
//! Listing and extraction use the `tar` (GNU tar, compression auto-detected) and
//! `unzip`/`zipinfo` commands instead of Python's `tarfile`/`zipfile`. Remote sources
//! (`salt://`, `http://`, `https://`, `ftp://`) are cached under the minion `cachedir`
//! like Salt does (`files/<saltenv>/<path>` and `extrn_files/<saltenv>/<host>/<path>`);
//! http(s) downloads use `curl`.

use super::sysutil::{self, failed};
use super::{Args, ExecRegistry, Sig};
use crate::state::file::util::hash_hex;
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::path::{Path, PathBuf};

/// Registers `archive.list`.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "archive.list",
        list_fn,
        "List the files and directories in an tar, zip, or rar archive.\n",
    );
}

/// What an archive holds (`archive.list(verbose=True)`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contents {
    /// Directories, with a trailing `/`, sorted.
    pub dirs: Vec<String>,
    /// Regular files (and hard links), sorted.
    pub files: Vec<String>,
    /// Symlinks, sorted.
    pub links: Vec<String>,
    /// Top-level directories.
    pub top_level_dirs: Vec<String>,
    /// Top-level files.
    pub top_level_files: Vec<String>,
    /// Top-level links.
    pub top_level_links: Vec<String>,
    /// Member names in archive order (what `tarfile.getnames()` returns).
    pub names: Vec<String>,
}

/// `salt.utils.files.guess_archive_type`.
pub fn guess_archive_type(name: &str) -> Option<&'static str> {
    let n = name.to_lowercase();
    for e in [
        "tar", "tar.gz", "tgz", "tar.bz2", "tbz2", "tbz", "tar.xz", "txz", "tar.lzma", "tlz",
    ] {
        if n.ends_with(&format!(".{e}")) {
            return Some("tar");
        }
    }
    for e in ["zip", "rar"] {
        if n.ends_with(&format!(".{e}")) {
            return Some(e);
        }
    }
    None
}

fn common_prefix(v: &[String]) -> String {
    let Some(first) = v.first() else {
        return String::new();
    };
    let mut end = first.len();
    for s in &v[1..] {
        end = end.min(
            first
                .bytes()
                .zip(s.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    while !first.is_char_boundary(end) {
        end -= 1;
    }
    first[..end].to_string()
}

/// Sorts and derives the top-level lists as `archive.list(verbose=True)`.
pub fn finish(mut c: Contents, strip_components: Option<usize>) -> Contents {
    if let Some(n) = strip_components.filter(|n| *n > 0) {
        for item in [&mut c.dirs, &mut c.files, &mut c.links] {
            let stripped: Vec<String> = item
                .iter()
                .filter_map(|p| p.splitn(n + 1, '/').nth(n).map(str::to_string))
                .filter(|p| !p.is_empty())
                .collect();
            *item = stripped;
        }
    }
    c.dirs.sort();
    c.files.sort();
    c.links.sort();
    let mut top: Vec<String> = c
        .dirs
        .iter()
        .filter(|d| d.matches('/').count() == 1)
        .cloned()
        .collect();
    let cp = common_prefix(&c.dirs);
    if cp.contains('/') {
        let first = format!("{}/", cp.split('/').next().unwrap_or(""));
        if !top.contains(&first) {
            top.push(first);
        }
    }
    c.top_level_dirs = top;
    c.top_level_files = c
        .files
        .iter()
        .filter(|f| !f.contains('/'))
        .cloned()
        .collect();
    c.top_level_links = c
        .links
        .iter()
        .filter(|f| !f.contains('/'))
        .cloned()
        .collect();
    c
}

/// Parses `tar -tv --quoting-style=literal` output (GNU tar).
pub fn parse_tar_listing(out: &str) -> Contents {
    let mut c = Contents::default();
    for line in out.lines() {
        let fields: Vec<&str> = line.splitn(6, char::is_whitespace).collect();
        // perms owner size date time name: the name is what follows the 5th column.
        let mut rest = line;
        let mut cols = 0;
        while cols < 5 {
            rest = rest.trim_start();
            match rest.find(char::is_whitespace) {
                Some(i) => rest = &rest[i..],
                None => {
                    rest = "";
                    break;
                }
            }
            cols += 1;
        }
        let mut name = rest.trim_start().to_string();
        let Some(kind) = fields.first().and_then(|p| p.chars().next()) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        match kind {
            'l' => {
                if let Some(i) = name.find(" -> ") {
                    name.truncate(i);
                }
                c.names.push(name.clone());
                c.links.push(name);
            }
            'h' => {
                if let Some(i) = name.find(" link to ") {
                    name.truncate(i);
                }
                c.names.push(name.clone());
                c.files.push(name);
            }
            'd' => {
                let n = name.trim_end_matches('/').to_string();
                c.names.push(n.clone());
                c.dirs.push(format!("{n}/"));
            }
            _ => {
                c.names.push(name.clone());
                c.files.push(name);
            }
        }
    }
    c
}

/// Builds the contents of a zip from its name list (`unzip -Z1`, archive order) and its
/// `zipinfo` listing (`unzip -Z`, for symlinks), as Salt's `_list_zip`: entries ending in
/// `/` and the parents of files are directories, everything else a file.
pub fn parse_zip_listing(names: &str, info: &str) -> Contents {
    let mut c = Contents::default();
    let mut links: Vec<String> = Vec::new();
    for line in info.lines() {
        if !line.starts_with('l') {
            continue;
        }
        let mut rest = line;
        for _ in 0..8 {
            rest = rest.trim_start();
            rest = rest.find(char::is_whitespace).map_or("", |i| &rest[i..]);
        }
        links.push(rest.trim_start().to_string());
    }
    let mut dirs: Vec<String> = Vec::new();
    for name in names.lines().filter(|l| !l.is_empty()) {
        c.names.push(name.to_string());
        if links.iter().any(|l| l == name) {
            c.links.push(name.to_string());
        } else if name.ends_with('/') {
            if !dirs.iter().any(|d| d == name) {
                dirs.push(name.to_string());
            }
        } else {
            c.files.push(name.to_string());
        }
    }
    for f in c.files.clone() {
        if let Some(i) = f.rfind('/') {
            let d = f[..=i].to_string();
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    c.dirs = dirs;
    c
}

/// `archive.list(name, archive_format, verbose=True)` on a local file.
pub fn list_local(
    ctx: &RunContext,
    path: &str,
    archive_format: &str,
    strip_components: Option<usize>,
) -> Result<Contents, CallError> {
    match archive_format {
        "tar" => {
            if sysutil::which("tar").is_none() {
                return Err(failed("'tar' command not available"));
            }
            let argv: Vec<String> = ["tar", "--quoting-style=literal", "-tvf", path]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let r = sysutil::run_spec(ctx, &argv, None, &[("LC_ALL", "C")], true, true)?;
            if r.retcode != Some(0) {
                return Err(failed(format!(
                    "Unable to list contents of {path}. If this is an XZ-compressed tar archive, install XZ Utils to enable listing its contents. If it is compressed using something other than XZ, it may be necessary to specify CLI options to decompress the archive. See the documentation for details."
                )));
            }
            Ok(finish(parse_tar_listing(&r.stdout), strip_components))
        }
        "zip" => {
            let run = |flag: &str| {
                let argv: Vec<String> = ["unzip", flag, path]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                sysutil::run_spec(ctx, &argv, None, &[], false, true)
            };
            let names = run("-Z1")?;
            if names.retcode != Some(0) {
                return Err(failed(format!("{path} is not a ZIP file")));
            }
            let info = run("-Z")?;
            Ok(finish(
                parse_zip_listing(&names.stdout, &info.stdout),
                strip_components,
            ))
        }
        other => Err(failed(format!("Unsupported archive format '{other}'"))),
    }
}

/// `HASHES_REVMAP`: hash type by hex length.
pub fn hash_type_for_len(n: usize) -> Option<&'static str> {
    Some(match n {
        32 => "md5",
        40 => "sha1",
        56 => "sha224",
        64 => "sha256",
        96 => "sha384",
        128 => "sha512",
        _ => return None,
    })
}

/// A source hash: `{hsum, hash_type}`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSum {
    /// Lower-case hex digest.
    pub hsum: String,
    /// `sha256`, ...
    pub hash_type: String,
}

fn invalid_hash(source_hash: &str) -> CallError {
    failed(format!(
        "Source hash {source_hash} format is invalid. The supported formats are: 1) a hash, 2) an expression in the format <hash_type>=<hash>, or 3) either a path to a local file containing hashes, or a URI of a remote hash file. Supported protocols for remote hash files are: salt, file, http, https, ftp, swift, s3. The hash may also not be of a valid length, the following are supported hash types and lengths: md5 (32), sha1 (40), sha224 (56), sha256 (64), sha384 (96), sha512 (128)."
    ))
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// Picks the hash for `source` out of a hash file (`file.extract_hash`): the line naming
/// `source_hash_name` (or the source's file name), else the only hash in the file.
pub fn extract_hash(text: &str, source: &str, source_hash_name: Option<&str>) -> Option<SourceSum> {
    let base = source.rsplit('/').next().unwrap_or(source);
    let mut found: Vec<(String, &str)> = Vec::new();
    for line in text.lines() {
        for tok in line.split_whitespace() {
            let tok = tok.trim_start_matches('*');
            let (t, h) = match tok.split_once('=') {
                Some((t, h)) if is_hex(h) => (Some(t.to_lowercase()), h),
                _ => (None, tok),
            };
            if let Some(ht) = hash_type_for_len(h.len()).filter(|_| is_hex(h)) {
                let ht = t.unwrap_or_else(|| ht.to_string());
                found.push((format!("{ht}:{}", h.to_lowercase()), line));
            }
        }
    }
    let mk = |s: &str| {
        let (t, h) = s.split_once(':').unwrap_or(("", s));
        SourceSum {
            hsum: h.to_string(),
            hash_type: t.to_string(),
        }
    };
    let wanted = source_hash_name.unwrap_or(base);
    let named = |(_, line): &&(String, &str)| {
        line.split_whitespace()
            .any(|w| w.trim_start_matches('*') == wanted || w.ends_with(&format!("/{wanted}")))
    };
    if let Some((s, _)) = found.iter().find(named) {
        return Some(mk(s));
    }
    if found.len() == 1 && source_hash_name.is_none() {
        return Some(mk(&found[0].0));
    }
    None
}

/// `file.get_source_sum`: parses `source_hash` (a hash, `type=hash`, or a hash file given
/// by path or URL).
pub fn get_source_sum(
    ctx: &RunContext,
    source: &str,
    source_hash: &str,
    source_hash_name: Option<&str>,
    saltenv: &str,
) -> Result<SourceSum, CallError> {
    let sh = source_hash.trim();
    let file_text = if sh.starts_with('/') {
        Some(
            std::fs::read_to_string(sh)
                .map_err(|_| failed(format!("Source hash file {sh} not found")))?,
        )
    } else if sh.contains("://") {
        let p = cache_file(ctx, sh, saltenv)
            .map_err(|_| failed(format!("Source hash file {sh} not found")))?;
        Some(
            std::fs::read_to_string(&p)
                .map_err(|_| failed(format!("Source hash file {sh} not found")))?,
        )
    } else {
        None
    };
    if let Some(text) = file_text {
        return extract_hash(&text, source, source_hash_name).ok_or_else(|| {
            failed(format!(
                "Source hash file {sh} contains an invalid hash format, it must be in the format <hash type>=<hash>"
            ))
        });
    }
    let (t, h) = match sh.split_once('=') {
        Some((t, h)) => (Some(t.trim().to_lowercase()), h.trim()),
        None => (None, sh),
    };
    let Some(len_type) = hash_type_for_len(h.len()).filter(|_| is_hex(h)) else {
        return Err(invalid_hash(source_hash));
    };
    Ok(SourceSum {
        hsum: h.to_lowercase(),
        hash_type: t.unwrap_or_else(|| len_type.to_string()),
    })
}

/// The hex digest of a file (`sha1` through `sha1sum`, the rest natively).
pub fn file_hash(ctx: &RunContext, path: &Path, form: &str) -> Option<String> {
    if form == "sha1" {
        let r = sysutil::run(ctx, &["sha1sum", &path.to_string_lossy()]).ok()?;
        return r.stdout.split_whitespace().next().map(str::to_string);
    }
    let data = std::fs::read(path).ok()?;
    hash_hex(&data, form)
}

fn cachedir(ctx: &RunContext) -> PathBuf {
    PathBuf::from(
        ctx.opt("cachedir")
            .map(Value::to_py_str)
            .unwrap_or_else(|| "/var/cache/salt/minion".into()),
    )
}

/// Where Salt caches a remote source (`cp.is_cached` location).
pub fn cache_path(ctx: &RunContext, url: &str, saltenv: &str) -> PathBuf {
    let cd = cachedir(ctx);
    if let Some(rest) = url.strip_prefix("salt://") {
        let (path, env) = crate::state::file::parse_salt_url(&format!("salt://{rest}"));
        return cd
            .join("files")
            .join(env.unwrap_or_else(|| saltenv.to_string()))
            .join(path.trim_start_matches('/'));
    }
    let after = url.split_once("://").map_or(url, |(_, r)| r);
    let (host, path) = after.split_once('/').unwrap_or((after, ""));
    let path = path.split(['?', '#']).next().unwrap_or("");
    cd.join("extrn_files")
        .join(saltenv)
        .join(host.replace(':', ""))
        .join(path.trim_start_matches('/'))
}

/// `cp.cache_file`: copies/downloads a remote source into the cache; its local path.
pub fn cache_file(ctx: &RunContext, url: &str, saltenv: &str) -> Result<PathBuf, CallError> {
    let dest = cache_path(ctx, url, saltenv);
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| failed(e.to_string()))?;
    }
    if url.starts_with("salt://") {
        let (path, env) = crate::state::file::parse_salt_url(url);
        let env = env.unwrap_or_else(|| saltenv.to_string());
        let src = ctx
            .files
            .find(&env, &path)
            .ok_or_else(|| failed(format!("Failed to cache {url}")))?;
        std::fs::copy(&src, &dest).map_err(|e| failed(e.to_string()))?;
        return Ok(dest);
    }
    if let Some(p) = url.strip_prefix("file://") {
        return Ok(PathBuf::from(p));
    }
    if url.starts_with("http://") || url.starts_with("https://") || url.starts_with("ftp://") {
        if sysutil::which("curl").is_none() {
            return Err(failed(format!(
                "Failed to cache {url}: curl is needed for remote sources"
            )));
        }
        let tmp = dest.with_extension("part");
        let argv: Vec<String> = vec![
            "curl".into(),
            "-fsSL".into(),
            "-o".into(),
            tmp.to_string_lossy().into_owned(),
            url.into(),
        ];
        let r = sysutil::run_spec(ctx, &argv, None, &[], true, true)?;
        if r.retcode != Some(0) {
            let _ = std::fs::remove_file(&tmp);
            return Err(failed(format!(
                "Failed to cache {url}: {}",
                r.stderr.trim()
            )));
        }
        std::fs::rename(&tmp, &dest).map_err(|e| failed(e.to_string()))?;
        return Ok(dest);
    }
    Err(failed(format!("Invalid source \"{url}\"")))
}

fn list_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "list_",
        params: &[
            "name",
            "archive_format",
            "options",
            "strip_components",
            "clean",
            "verbose",
            "saltenv",
        ],
        required: 1,
        varargs: false,
        varkw: true,
    })?;
    let name = b.str("name").unwrap_or_default();
    let saltenv = b.str("saltenv").unwrap_or_else(|| "base".into());
    let local = if name.contains("://") && !name.starts_with("file://") {
        cache_file(ctx, &name, &saltenv)?
    } else {
        PathBuf::from(name.trim_start_matches("file://"))
    };
    let fmt = match b.str("archive_format") {
        Some(f) => f,
        None => guess_archive_type(&name)
            .ok_or_else(|| {
                failed("Unable to guess archive format, please pass an 'archive_format' argument.")
            })?
            .to_string(),
    };
    let strip = b
        .str("strip_components")
        .and_then(|s| s.parse::<usize>().ok());
    let c = list_local(ctx, &local.to_string_lossy(), &fmt, strip)?;
    let l = |v: &[String]| Value::List(v.iter().map(|s| Value::from(s.as_str())).collect());
    if b.truthy("verbose", false) {
        let mut d = Dict::new();
        d.insert("dirs", l(&c.dirs));
        d.insert("files", l(&c.files));
        d.insert("links", l(&c.links));
        d.insert("top_level_dirs", l(&c.top_level_dirs));
        d.insert("top_level_files", l(&c.top_level_files));
        d.insert("top_level_links", l(&c.top_level_links));
        Ok(Value::Dict(d))
    } else {
        let mut all: Vec<String> = c
            .dirs
            .iter()
            .chain(c.files.iter())
            .chain(c.links.iter())
            .cloned()
            .collect();
        all.sort();
        Ok(l(&all))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_listing_and_top_level() {
        let out = "drwxr-xr-x root/root         0 2026-11-29 14:50 app-1.2.3/\n\
lrwxrwxrwx root/root         0 2026-11-29 14:50 app-1.2.3/LINK -> README\n\
-rw-r--r-- root/root         7 2026-11-29 14:50 app-1.2.3/README\n\
drwxr-xr-x root/root         0 2026-11-29 14:50 app-1.2.3/bin/\n\
-rwxr-xr-x root/root        10 2026-11-29 14:50 app-1.2.3/bin/my app\n";
        let c = finish(parse_tar_listing(out), None);
        assert_eq!(c.dirs, vec!["app-1.2.3/", "app-1.2.3/bin/"]);
        assert_eq!(c.files, vec!["app-1.2.3/README", "app-1.2.3/bin/my app"]);
        assert_eq!(c.links, vec!["app-1.2.3/LINK"]);
        assert_eq!(c.top_level_dirs, vec!["app-1.2.3/"]);
        assert!(c.top_level_files.is_empty());
        assert_eq!(c.names[0], "app-1.2.3");
        let s = finish(parse_tar_listing(out), Some(1));
        assert_eq!(s.files, vec!["README", "bin/my app"]);
    }

    #[test]
    fn zip_listing() {
        let names = "app/\napp/README\ntop.txt\napp/ln\n";
        let info = "Archive:  a.zip\n\
lrwxrwxrwx  3.0 unx        6 tx stor 26-Nov-29 14:50 app/ln\n";
        let c = finish(parse_zip_listing(names, info), None);
        assert_eq!(c.dirs, vec!["app/"]);
        assert_eq!(c.files, vec!["app/README", "top.txt"]);
        assert_eq!(c.links, vec!["app/ln"]);
        assert_eq!(c.top_level_files, vec!["top.txt"]);
        assert_eq!(c.names, vec!["app/", "app/README", "top.txt", "app/ln"]);
    }

    #[test]
    fn hashes() {
        let h = "d9ef58022faa3b4de515585195c01ea6b849187f8097656a75112a621f037256";
        let t = format!("{h}  app.tar.gz\n{}  other.tar.gz\n", "a".repeat(64));
        let s = extract_hash(&t, "salt://dist/app.tar.gz", None).expect("hash");
        assert_eq!(s.hsum, h);
        assert_eq!(s.hash_type, "sha256");
        assert!(extract_hash(&t, "nope.tgz", None).is_none());
        let one = format!("{h}\n");
        assert!(extract_hash(&one, "x.tgz", None).is_some());
        assert_eq!(guess_archive_type("a.TGZ"), Some("tar"));
        assert_eq!(guess_archive_type("a.zip"), Some("zip"));
        assert_eq!(guess_archive_type("a.bin"), None);
        assert_eq!(hash_type_for_len(64), Some("sha256"));
    }
}
