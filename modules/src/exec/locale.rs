//! `locale.*` execution functions (salt/modules/localemod.py) for hosts without systemd
//! (localectl needs a running systemd): Debian reads `LANG=` from `/etc/default/locale`
//! and sets it with `update-locale` + a `^LANG=.*` replacement (appended when missing),
//! RedHat/Suse edit `/etc/sysconfig/i18n` / `/etc/sysconfig/language`. `gen_locale`
//! enables the locale in `/etc/locale.gen` and runs `locale-gen LOCALE` (Debian checks
//! `/usr/share/i18n/SUPPORTED` first).

use super::sysutil::{self, failed, grain};
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::Value;
use rsalt_sls::CallError;
use std::path::Path;

/// Registers the `locale.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "locale.get_locale",
        get_locale_fn,
        "Get the current system locale\n",
    );
    r.add_doc(
        "locale.set_locale",
        set_locale_fn,
        "Sets the current system locale\n",
    );
    r.add_doc(
        "locale.list_avail",
        list_avail_fn,
        "Lists available (compiled) locales\n",
    );
    r.add_doc(
        "locale.avail",
        avail_fn,
        "Check if a locale is available.\n",
    );
    r.add_doc(
        "locale.gen_locale",
        gen_locale_fn,
        "Generate a locale. Options:\n",
    );
}

/// The parts of `language[_territory][.codeset][@modifier] [charmap]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocaleParts {
    /// `en`.
    pub language: String,
    /// `US`.
    pub territory: String,
    /// `UTF-8`.
    pub codeset: String,
    /// `euro`.
    pub modifier: String,
    /// ` UTF-8` suffix.
    pub charmap: String,
}

fn split2(s: &str, c: char) -> (&str, &str) {
    s.split_once(c).unwrap_or((s, ""))
}

/// `salt.utils.locales.split_locale`.
pub fn split_locale(loc: &str) -> LocaleParts {
    let (w, charmap) = split2(loc, ' ');
    let (w, modifier) = split2(w, '@');
    let (w, codeset) = split2(w, '.');
    let (language, territory) = split2(w, '_');
    LocaleParts {
        language: language.into(),
        territory: territory.into(),
        codeset: codeset.into(),
        modifier: modifier.into(),
        charmap: charmap.into(),
    }
}

/// `salt.utils.locales.join_locale`.
pub fn join_locale(c: &LocaleParts) -> String {
    let mut s = c.language.clone();
    for (sep, v) in [
        ('_', &c.territory),
        ('.', &c.codeset),
        ('@', &c.modifier),
        (' ', &c.charmap),
    ] {
        if !v.is_empty() {
            s.push(sep);
            s.push_str(v);
        }
    }
    s
}

/// `salt.utils.locales.normalize_locale` (the `locale -a` spelling: `en_US.utf8`).
pub fn normalize_locale(loc: &str) -> String {
    let mut c = split_locale(loc);
    c.territory = c.territory.to_uppercase();
    c.codeset = c.codeset.to_lowercase().replace('-', "");
    c.charmap.clear();
    join_locale(&c)
}

fn family(ctx: &RunContext) -> String {
    grain(ctx, "os_family")
}

/// `locale.get_locale` without systemd.
pub fn get_locale(ctx: &RunContext) -> Result<String, CallError> {
    let f = family(ctx);
    let (path, key) = if f.contains("Suse") {
        ("/etc/sysconfig/language", "RC_LANG")
    } else if f.contains("RedHat") {
        ("/etc/sysconfig/i18n", "LANG=")
    } else if f.contains("Debian") {
        ("/etc/default/locale", "LANG=")
    } else {
        return Err(failed(format!(
            "Error: \"{}\" is unsupported!",
            grain(ctx, "oscodename")
        )));
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let line = text.lines().find(|l| l.starts_with(key)).unwrap_or("");
    Ok(line
        .split('=')
        .nth(1)
        .map(|v| v.replace('"', ""))
        .unwrap_or_default())
}

/// Replaces `^KEY=.*` lines with `line`, appending it when there is none.
fn replace_or_append(path: &str, key: &str, line: &str) -> Result<(), CallError> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut found = false;
    let mut out = String::new();
    for l in text.split_inclusive('\n') {
        if l.starts_with(key) {
            found = true;
            out.push_str(line);
            out.push_str(if l.ends_with('\n') { "\n" } else { "" });
        } else {
            out.push_str(l);
        }
    }
    if !found {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    if out != text {
        std::fs::write(path, out).map_err(|e| failed(format!("{path}: {e}")))?;
    }
    Ok(())
}

/// `locale.set_locale` without systemd.
pub fn set_locale(ctx: &RunContext, locale: &str) -> Result<bool, CallError> {
    let f = family(ctx);
    if f.contains("Suse") {
        replace_or_append(
            "/etc/sysconfig/language",
            "RC_LANG=",
            &format!("RC_LANG=\"{locale}\""),
        )?;
    } else if f.contains("RedHat") {
        replace_or_append(
            "/etc/sysconfig/i18n",
            "LANG=",
            &format!("LANG=\"{locale}\""),
        )?;
    } else if f.contains("Debian") {
        let Some(ul) = sysutil::which("update-locale") else {
            return Err(failed(
                "Cannot set locale: \"update-locale\" was not found.",
            ));
        };
        let _ = sysutil::run(ctx, &[&ul]);
        replace_or_append(
            "/etc/default/locale",
            "LANG=",
            &format!("LANG=\"{locale}\""),
        )?;
    } else {
        return Err(failed("Error: Unsupported platform!"));
    }
    Ok(true)
}

/// `locale.list_avail`: `locale -a` lines.
pub fn list_avail(ctx: &RunContext) -> Result<Vec<String>, CallError> {
    let r = sysutil::run(ctx, &["locale", "-a"])?;
    Ok(r.stdout.split('\n').map(str::to_string).collect())
}

/// `locale.avail`: whether `locale` is compiled (compared normalised).
pub fn avail(ctx: &RunContext, locale: &str) -> Result<bool, CallError> {
    let want = normalize_locale(locale);
    Ok(list_avail(ctx)?
        .iter()
        .any(|x| normalize_locale(x.trim()) == want))
}

/// `locale.gen_locale` (Debian/Ubuntu/others with `locale-gen` or `localedef`).
pub fn gen_locale(ctx: &RunContext, locale: &str) -> Result<bool, CallError> {
    let os = grain(ctx, "os");
    let on_debian = os == "Debian";
    let on_ubuntu = os == "Ubuntu";
    let mut info = split_locale(locale);
    let search_str = format!("{}_{}", info.language, info.territory);
    let mut locale = locale.to_string();
    if info.charmap.is_empty() && !on_ubuntu {
        info.charmap = info.codeset.clone();
        locale = join_locale(&info);
    }
    let valid = if on_debian {
        let supported = std::fs::read_to_string("/usr/share/i18n/SUPPORTED").unwrap_or_default();
        supported.lines().any(|l| l == locale)
    } else {
        std::fs::read_dir("/usr/share/i18n/locales")
            .map_err(|_| failed(format!("Locale \"{locale}\" is not available.")))?
            .flatten()
            .any(|e| e.file_name().to_string_lossy() == search_str)
    };
    if !valid {
        return Ok(false);
    }
    if Path::new("/etc/locale.gen").exists() {
        let text = std::fs::read_to_string("/etc/locale.gen").unwrap_or_default();
        let re = regex::Regex::new(&format!(r"^\s*#\s*{}\s*$", regex::escape(&locale)))
            .map_err(|e| failed(e.to_string()))?;
        let mut found = false;
        let mut out = String::new();
        for l in text.split_inclusive('\n') {
            let body = l.strip_suffix('\n').unwrap_or(l);
            if re.is_match(body) {
                // Salt's replacement text ends with "\n" and the line keeps its own
                // newline, so an empty line follows the enabled locale.
                found = true;
                out.push_str(&locale);
                out.push('\n');
                out.push_str(&l[body.len()..]);
            } else if body == locale {
                found = true;
                out.push_str(l);
            } else {
                out.push_str(l);
            }
        }
        if !found {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&locale);
            out.push('\n');
        }
        if out != text {
            std::fs::write("/etc/locale.gen", out).map_err(|e| failed(e.to_string()))?;
        }
    }
    let r = if sysutil::which("locale-gen").is_some() {
        let arg = if on_ubuntu {
            normalize_locale(&locale)
        } else {
            locale.clone()
        };
        sysutil::run(ctx, &["locale-gen", &arg])?
    } else if sysutil::which("localedef").is_some() {
        sysutil::run(
            ctx,
            &[
                "localedef",
                "--force",
                "-i",
                &search_str,
                "-f",
                &info.codeset,
                &format!("{search_str}.{}", info.codeset),
                "--quiet",
            ],
        )?
    } else {
        return Err(failed(
            "Command \"locale-gen\" or \"localedef\" was not found on this system.",
        ));
    };
    Ok(r.retcode == Some(0))
}

fn sig(name: &'static str, params: &'static [&'static str], required: usize) -> Sig {
    Sig {
        name,
        params,
        required,
        varargs: false,
        varkw: false,
    }
}

fn get_locale_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("get_locale", &[], 0))?;
    get_locale(ctx).map(Value::from)
}

fn set_locale_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("set_locale", &["locale"], 1))?;
    set_locale(ctx, &b.str("locale").unwrap_or_default()).map(Value::Bool)
}

fn list_avail_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("list_avail", &[], 0))?;
    Ok(Value::List(
        list_avail(ctx)?.into_iter().map(Value::from).collect(),
    ))
}

fn avail_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("avail", &["locale"], 1))?;
    avail(ctx, &b.str("locale").unwrap_or_default()).map(Value::Bool)
}

fn gen_locale_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "gen_locale",
        params: &["locale"],
        required: 1,
        varargs: false,
        varkw: true,
    })?;
    gen_locale(ctx, &b.str("locale").unwrap_or_default()).map(Value::Bool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_names_like_salt() {
        assert_eq!(normalize_locale("en_US.UTF-8"), "en_US.utf8");
        assert_eq!(
            normalize_locale("de_de.ISO-8859-1@euro"),
            "de_DE.iso88591@euro"
        );
        let p = split_locale("ca_ES.UTF-8@valencia UTF-8");
        assert_eq!(p.modifier, "valencia");
        assert_eq!(p.charmap, "UTF-8");
        assert_eq!(join_locale(&p), "ca_ES.UTF-8@valencia UTF-8");
    }
}
