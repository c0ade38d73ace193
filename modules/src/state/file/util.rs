//! Shared helpers for the file states and the `file.*` execution functions: Salt's mode
//! normalisation, user/group lookups, `stats`, `check_perms`, `makedirs`, atomic copies,
//! text/binary detection and file diffs.

use super::difflib;
use rsalt_data::{Dict, Value};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// Python's `str.splitlines(keepends)`.
pub fn py_splitlines(s: &str, keepends: bool) -> Vec<String> {
    rsalt_data::pystr::splitlines(s, keepends)
        .into_iter()
        .map(String::from)
        .collect()
}

/// `salt.utils.files.normalize_mode`: `644`, `'0644'`, `0o644` → `"0644"`; `None` stays None.
pub fn normalize_mode(v: Option<&Value>) -> Option<String> {
    let raw = match v? {
        Value::None => return None,
        Value::Str(s) => s.clone(),
        other => other.to_py_str(),
    };
    Some(normalize_mode_str(&raw))
}

/// `normalize_mode` on a string.
pub fn normalize_mode_str(raw: &str) -> String {
    let m = raw.replace("0o", "0");
    let m = m
        .trim_matches('"')
        .trim_matches('\'')
        .trim_start_matches('0');
    format!("{m:0>4}")
}

/// Parses a normalised mode as `set_mode` does (`int(mode.lstrip("0Oo"), 8)`).
pub fn parse_mode(mode: &str) -> Option<u32> {
    let m = mode.trim_start_matches(['0', 'O', 'o']);
    if m.is_empty() {
        return Some(0);
    }
    let n = u32::from_str_radix(m, 8).ok()?;
    (n <= 0o7777).then_some(n)
}

/// Formats permission bits as Salt's `stats()['mode']`.
pub fn mode_str(bits: u32) -> String {
    normalize_mode_str(&format!("0o{:o}", bits & 0o7777))
}

/// The process umask (from `/proc/self/status`, 022 if unknown).
pub fn umask() -> u32 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// The text of `/etc/passwd` or `/etc/group`, cached until the file's mtime or size
/// changes (a state run looks users up twice per file; a daemon must see new users).
fn account_db(path: &str) -> Option<std::sync::Arc<str>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Entry = (Option<std::time::SystemTime>, u64, Arc<str>);
    static CACHE: OnceLock<Mutex<HashMap<String, Entry>>> = OnceLock::new();
    let meta = fs::metadata(path).ok()?;
    let stamp = (meta.modified().ok(), meta.len());
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    // The lock is held only for map access, never across I/O that could block long.
    if let Ok(map) = cache.lock() {
        if let Some((m, l, text)) = map.get(path) {
            if (*m, *l) == stamp {
                return Some(text.clone());
            }
        }
    }
    let text: Arc<str> = Arc::from(fs::read_to_string(path).ok()?);
    if let Ok(mut map) = cache.lock() {
        map.insert(path.to_string(), (stamp.0, stamp.1, text.clone()));
    }
    Some(text)
}

fn lookup_db(path: &str, by_name: Option<&str>, by_id: Option<u32>) -> Option<(String, u32)> {
    let text = account_db(path)?;
    for line in text.lines() {
        let mut parts = line.split(':');
        let (Some(name), Some(_), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Ok(id) = id.parse::<u32>() else { continue };
        if by_name == Some(name) || by_id == Some(id) {
            return Some((name.to_string(), id));
        }
    }
    None
}

/// `file.uid_to_user`: the user name, or the uid as text when unknown.
pub fn uid_to_user(uid: u32) -> String {
    lookup_db("/etc/passwd", None, Some(uid))
        .map(|(n, _)| n)
        .unwrap_or_else(|| uid.to_string())
}

/// `file.gid_to_group`: the group name, or the gid as text when unknown.
pub fn gid_to_group(gid: u32) -> String {
    lookup_db("/etc/group", None, Some(gid))
        .map(|(n, _)| n)
        .unwrap_or_else(|| gid.to_string())
}

/// An owner argument (`user:`/`group:`) as given: a name or a numeric id.
#[derive(Debug, Clone, PartialEq)]
pub enum Owner {
    /// A user or group name.
    Name(String),
    /// A numeric id (YAML int).
    Id(u32),
}

impl Owner {
    /// Reads an owner argument; None/empty/False mean "not managed".
    pub fn from_value(v: Option<&Value>) -> Option<Owner> {
        match v? {
            Value::Int(i) if *i >= 0 => u32::try_from(*i).ok().map(Owner::Id),
            Value::Str(s) if !s.is_empty() => Some(Owner::Name(s.clone())),
            Value::None | Value::Bool(false) => None,
            Value::Str(_) => None,
            other => Some(Owner::Name(other.to_py_str())),
        }
    }

    /// The owner as Salt would put it into `changes`.
    pub fn to_value(&self) -> Value {
        match self {
            Owner::Name(n) => Value::Str(n.clone()),
            Owner::Id(i) => Value::Int(i64::from(*i)),
        }
    }

    /// Display text.
    pub fn text(&self) -> String {
        match self {
            Owner::Name(n) => n.clone(),
            Owner::Id(i) => i.to_string(),
        }
    }

    /// Whether this owner is `name`/`id`.
    pub fn matches(&self, name: &str, id: u32) -> bool {
        match self {
            Owner::Name(n) => n == name,
            Owner::Id(i) => *i == id,
        }
    }

    /// Resolves to a uid (`user_to_uid`).
    pub fn uid(&self) -> Option<u32> {
        match self {
            Owner::Id(i) => Some(*i),
            Owner::Name(n) => lookup_db("/etc/passwd", Some(n), None).map(|(_, i)| i),
        }
    }

    /// Resolves to a gid (`group_to_gid`).
    pub fn gid(&self) -> Option<u32> {
        match self {
            Owner::Id(i) => Some(*i),
            Owner::Name(n) => lookup_db("/etc/group", Some(n), None).map(|(_, i)| i),
        }
    }
}

/// `_check_user`: "User X is not available " / "Group Y is not available" (empty = fine;
/// always fine under test=True as Salt only logs there).
pub fn check_user(user: Option<&Owner>, group: Option<&Owner>, test: bool) -> String {
    let mut err = String::new();
    if let Some(u) = user {
        if u.uid().is_none() {
            err.push_str(&format!("User {} is not available ", u.text()));
        }
    }
    if let Some(g) = group {
        if g.gid().is_none() {
            err.push_str(&format!("Group {} is not available", g.text()));
        }
    }
    if test {
        String::new()
    } else {
        err
    }
}

/// The parts of `file.stats` the states use.
#[derive(Debug, Clone)]
pub struct Stats {
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Owner name.
    pub user: String,
    /// Group name.
    pub group: String,
    /// Normalised mode (`"0644"`).
    pub mode: String,
    /// `file`, `dir`, `link`, ...
    pub kind: &'static str,
    /// Size in bytes.
    pub size: u64,
}

/// `file.stats(path, follow_symlinks)`; `None` when the path does not exist (a broken
/// symlink is still stat'ed without following).
pub fn stats(path: &Path, follow_symlinks: bool) -> Option<Stats> {
    let md = if follow_symlinks {
        fs::metadata(path)
            .or_else(|_| fs::symlink_metadata(path))
            .ok()?
    } else {
        fs::symlink_metadata(path).ok()?
    };
    let ft = md.file_type();
    let kind = if ft.is_symlink() {
        "link"
    } else if ft.is_dir() {
        "dir"
    } else if ft.is_file() {
        "file"
    } else {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_char_device() {
            "char"
        } else if ft.is_block_device() {
            "block"
        } else if ft.is_fifo() {
            "pipe"
        } else {
            "socket"
        }
    };
    Some(Stats {
        uid: md.uid(),
        gid: md.gid(),
        user: uid_to_user(md.uid()),
        group: gid_to_group(md.gid()),
        mode: mode_str(md.mode()),
        kind,
        size: md.size(),
    })
}

/// `os.path.lexists`.
pub fn lexists(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}

/// `os.path.islink`.
pub fn is_link(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// Python's `OSError.__str__` for an io error: `[Errno 13] Permission denied: 'path'`.
pub fn os_error(e: &std::io::Error, path: &Path) -> String {
    match e.raw_os_error() {
        Some(code) => format!("[Errno {code}] {}: '{}'", strerror(e), path.display()),
        None => e.to_string(),
    }
}

/// The C `strerror` text of an io error (`Permission denied`).
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn set_mode_bits(path: &Path, bits: u32) -> std::io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(bits))
}

/// Arguments of [`check_perms`].
#[derive(Debug, Clone, Default)]
pub struct Perms<'a> {
    /// Wanted owner.
    pub user: Option<&'a Owner>,
    /// Wanted group.
    pub group: Option<&'a Owner>,
    /// Wanted mode (normalised, `"0644"`).
    pub mode: Option<&'a str>,
    /// Follow a symlink at `name`.
    pub follow_symlinks: bool,
}

/// `file.check_perms`: fixes user/group/mode (unless `test`), records `user`/`group`/`mode`
/// in `changes`, and joins failure comments with `"; "` after the existing comment.
/// Returns the mode found before any change (`lmode`), if the path exists.
pub fn check_perms(
    name: &Path,
    changes: &mut Dict,
    result: &mut Option<bool>,
    comment: &mut String,
    p: &Perms<'_>,
    test: bool,
) -> Option<String> {
    let mut comments: Vec<String> = Vec::new();
    let Some(cur) = stats(name, p.follow_symlinks) else {
        *result = Some(false);
        let msg = format!("Path not found: {}", name.display());
        *comment = if comment.is_empty() {
            msg
        } else {
            format!("{comment}; {msg}")
        };
        return None;
    };
    let is_link = is_link(name);
    let cuser = p.user.filter(|u| !u.matches(&cur.user, cur.uid));
    let cgroup = p.group.filter(|g| !g.matches(&cur.group, cur.gid));
    if (cuser.is_some() || cgroup.is_some()) && !test {
        let uid = match p.user {
            Some(u) => u.uid(),
            None => Some(cur.uid),
        };
        let gid = match p.group {
            Some(g) => g.gid(),
            None => Some(cur.gid),
        };
        let mut err = String::new();
        if uid.is_none() {
            err.push_str("User does not exist\n");
        }
        if gid.is_none() {
            err.push_str("Group does not exist\n");
        }
        if !err.is_empty() {
            *result = Some(false);
            comments.push(err);
        } else {
            let r = if is_link && !p.follow_symlinks {
                std::os::unix::fs::lchown(name, uid, gid)
            } else {
                std::os::unix::fs::chown(name, uid, gid)
            };
            match r {
                Ok(()) => {
                    if !is_link {
                        if let Some(bits) = parse_mode(&cur.mode) {
                            let _ = set_mode_bits(name, bits);
                        }
                    }
                }
                Err(_) => *result = Some(false),
            }
        }
    }
    let skip_mode = is_link && !p.follow_symlinks;
    let mut cmode = false;
    if let Some(mode) = p.mode {
        if !test && !skip_mode && mode != cur.mode {
            cmode = true;
            if let Some(bits) = parse_mode(mode) {
                let _ = set_mode_bits(name, bits);
            }
        }
    }
    let post = stats(name, p.follow_symlinks).unwrap_or(cur.clone());
    if let Some(u) = p.user {
        if !u.matches(&post.user, post.uid) {
            if test {
                changes.insert("user", u.to_value());
            } else {
                *result = Some(false);
                comments.push(format!("Failed to change user to {}", u.text()));
            }
        } else if cuser.is_some() {
            changes.insert("user", u.to_value());
        }
    }
    if let Some(g) = p.group {
        if !g.matches(&post.group, post.gid) {
            if test {
                changes.insert("group", g.to_value());
            } else {
                *result = Some(false);
                comments.push(format!("Failed to change group to {}", g.text()));
            }
        } else if cgroup.is_some() {
            changes.insert("group", g.to_value());
        }
    }
    if let Some(mode) = p.mode {
        if !skip_mode {
            if mode != post.mode {
                if test {
                    changes.insert("mode", Value::from(mode));
                } else {
                    *result = Some(false);
                    comments.push(format!("Failed to change mode to {mode}"));
                }
            } else if cmode {
                changes.insert("mode", Value::from(mode));
            }
        }
    }
    if !comment.is_empty() {
        comments.insert(0, comment.clone());
    }
    *comment = comments.join("; ");
    if test && !changes.is_empty() {
        *result = None;
    }
    Some(cur.mode)
}

/// `file.mkdir` for one directory: `os.mkdir` then `check_perms(user, group, mode)`.
pub fn mkdir_one(
    dir: &Path,
    user: Option<&Owner>,
    group: Option<&Owner>,
    mode: Option<&str>,
) -> Result<(), String> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir(dir).map_err(|e| os_error(&e, dir))?;
    let mut ch = Dict::new();
    let mut res = Some(true);
    let mut com = String::new();
    let perms = Perms {
        user,
        group,
        mode,
        follow_symlinks: false,
    };
    check_perms(dir, &mut ch, &mut res, &mut com, &perms, false);
    Ok(())
}

/// `file.mkdir`: creates `dir` and missing parents, each with user/group/mode.
pub fn mkdir_all(
    dir: &Path,
    user: Option<&Owner>,
    group: Option<&Owner>,
    mode: Option<&str>,
) -> Result<(), String> {
    let mut todo = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.as_os_str().is_empty() || d.exists() {
            break;
        }
        todo.push(d.to_path_buf());
        cur = d.parent();
    }
    for d in todo.iter().rev() {
        mkdir_one(d, user, group, mode)?;
    }
    Ok(())
}

/// `file.makedirs`: creates the parent directories of `path` (not `path` itself).
pub fn makedirs_parent(
    path: &Path,
    user: Option<&Owner>,
    group: Option<&Owner>,
    mode: Option<&str>,
) -> Result<(), String> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    if parent.is_dir() {
        return Ok(());
    }
    if lexists(parent) {
        return Err(format!(
            "The path '{}' already exists and is not a directory",
            parent.display()
        ));
    }
    mkdir_all(parent, user, group, mode)
}

/// The `dir_mode` Salt derives from a file mode for `makedirs`: each non-zero digit of
/// the last three gets the x bit (`0600` → `700`, `0644` → `755`).
pub fn dir_mode_from_file_mode(mode: &str) -> String {
    let chars: Vec<char> = mode.chars().collect();
    let tail = &chars[chars.len().saturating_sub(3)..];
    tail.iter()
        .map(|c| match c.to_digit(10) {
            Some(0) | None => *c,
            Some(d) => char::from_digit(d | 1, 10).unwrap_or(*c),
        })
        .collect()
}

/// `salt.utils.files.is_text` on bytes (first 512 bytes).
pub fn is_text(data: &[u8]) -> bool {
    let block = &data[..data.len().min(512)];
    if block.contains(&0) {
        return false;
    }
    if block.is_empty() || std::str::from_utf8(block).is_ok() {
        return true;
    }
    let nontext = block
        .iter()
        .filter(|&&b| !((32..127).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x08)))
        .count();
    (nontext as f64) / (block.len() as f64) <= 0.30
}

/// Decodes bytes as Salt's `decode_list` would (utf-8, else latin-1).
pub fn decode(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(s) => s.to_string(),
        Err(_) => data.iter().map(|&b| char::from(b)).collect(),
    }
}

/// `file.get_diff(old, new)` on contents: `""` when equal, binary notices, else the
/// unified diff of the lines.
pub fn content_diff(old: &[u8], new: &[u8]) -> String {
    if old == new {
        return String::new();
    }
    let old_bin = !is_text(old);
    let new_bin = !is_text(new);
    match (old_bin, new_bin) {
        (true, true) => return "Replace binary file".into(),
        (true, false) => return "Replace binary file with text file".into(),
        (false, true) => return "Replace text file with binary file".into(),
        _ => {}
    }
    let a = difflib::readlines(&decode(old));
    let b = difflib::readlines(&decode(new));
    difflib::get_diff(&a, &b)
}

/// Writes `data` to a fresh temp file (mode 0600) in `dir`, returning its path.
pub fn write_temp_in(dir: &Path, prefix: &str, data: &[u8]) -> std::io::Result<std::path::PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    for n in 0..1000u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let cand = dir.join(format!("{prefix}{:x}{:x}{n}", std::process::id(), nanos));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&cand)
        {
            Ok(mut f) => {
                f.write_all(data)?;
                return Ok(cand);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("could not create a temporary file"))
}

/// `salt.utils.files.copyfile` with the source given as bytes: writes a 0600 temp file
/// beside `dest`, renames it over `dest` and, if `dest` existed, restores its owner and
/// mode.
pub fn copy_into(data: &[u8], dest: &Path) -> Result<(), String> {
    let dir = dest
        .parent()
        .filter(|p| p.is_dir())
        .ok_or_else(|| format!("[Errno 2] No such file or directory: {}", dest.display()))?;
    let prefix = dest
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let before = fs::metadata(dest).ok();
    let tmp = write_temp_in(dir, &format!(".{prefix}"), data).map_err(|e| os_error(&e, dir))?;
    if let Err(e) = fs::rename(&tmp, dest) {
        let _ = fs::remove_file(&tmp);
        return Err(os_error(&e, dest));
    }
    if let Some(md) = before {
        let _ = std::os::unix::fs::chown(dest, Some(md.uid()), Some(md.gid()));
        let _ = set_mode_bits(dest, md.mode() & 0o7777);
    }
    Ok(())
}

/// Creates an empty file (Python `open(name, 'a')`), honouring `umask` via the mode bits.
pub fn touch_new(path: &Path, mode_bits: u32) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(mode_bits)
        .open(path)
        .map(|_| ())
}

/// Hex digest of `data` with `form` (md5, sha224, sha256, sha384, sha512).
pub fn hash_hex(data: &[u8], form: &str) -> Option<String> {
    use sha2::Digest;
    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
    Some(match form {
        "md5" => hex(&md5::Md5::digest(data)),
        "sha224" => hex(&sha2::Sha224::digest(data)),
        "sha256" => hex(&sha2::Sha256::digest(data)),
        "sha384" => hex(&sha2::Sha384::digest(data)),
        "sha512" => hex(&sha2::Sha512::digest(data)),
        _ => return None,
    })
}

/// Removes a file, symlink or directory tree (`file.remove`).
pub fn remove_path(p: &Path) -> std::io::Result<()> {
    let md = fs::symlink_metadata(p)?;
    if md.is_dir() {
        fs::remove_dir_all(p)
    } else {
        fs::remove_file(p)
    }
}

/// Joins comments Salt-style.
pub fn backup_file(path: &Path, suffix: &str) -> Result<(), String> {
    let mut b = path.as_os_str().to_owned();
    b.push(suffix);
    let bpath = std::path::PathBuf::from(b);
    fs::copy(path, &bpath).map_err(|e| os_error(&e, &bpath))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(
            normalize_mode(Some(&Value::Int(644))).as_deref(),
            Some("0644")
        );
        assert_eq!(
            normalize_mode(Some(&Value::from("0o755"))).as_deref(),
            Some("0755")
        );
        assert_eq!(
            normalize_mode(Some(&Value::from("'440'"))).as_deref(),
            Some("0440")
        );
        assert_eq!(
            normalize_mode(Some(&Value::from("00644"))).as_deref(),
            Some("0644")
        );
        assert_eq!(mode_str(0o4755), "4755");
        assert_eq!(mode_str(0), "0000");
        assert_eq!(dir_mode_from_file_mode("0600"), "700");
        assert_eq!(dir_mode_from_file_mode("0640"), "750");
        assert_eq!(parse_mode("0644"), Some(0o644));
        assert_eq!(parse_mode("0abc"), None);
    }

    #[test]
    fn splitlines() {
        assert_eq!(
            py_splitlines("a\nb\r\nc\rd", false),
            vec!["a", "b", "c", "d"]
        );
        assert_eq!(py_splitlines("a\n", true), vec!["a\n"]);
        assert!(py_splitlines("", false).is_empty());
    }
}
