//! Package version comparison: Debian's (`dpkg --compare-versions`) and RPM's
//! (`rpmvercmp` with epoch and release), and Salt's version-condition strings
//! (`>=1.0,<2.0`, `1.2*`) as `salt.states.pkg._fulfills_version_string` reads them.

use std::cmp::Ordering;

fn deb_order(c: Option<char>) -> i32 {
    match c {
        None => 0,
        Some('~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => c as i32,
        Some(c) => c as i32 + 256,
    }
}

/// dpkg's `verrevcmp` on one part (upstream version or revision).
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let mut first_diff = 0;
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = deb_order(a.get(i).copied());
            let bc = deb_order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == '0' {
            i += 1;
        }
        while j < b.len() && b[j] == '0' {
            j += 1;
        }
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == 0 {
                first_diff = a[i] as i32 - b[j] as i32;
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

/// Splits `epoch:upstream-revision`.
fn deb_parts(v: &str) -> (u64, &str, &str) {
    let v = v.trim();
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) if e.chars().all(|c| c.is_ascii_digit()) => (e.parse().unwrap_or(0), r),
        _ => (0, v),
    };
    match rest.rfind('-') {
        Some(i) => (epoch, &rest[..i], &rest[i + 1..]),
        None => (epoch, rest, ""),
    }
}

/// Debian version comparison (`dpkg --compare-versions`).
pub fn deb_cmp(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = deb_parts(a);
    let (eb, ub, rb) = deb_parts(b);
    ea.cmp(&eb)
        .then_with(|| verrevcmp(ua, ub))
        .then_with(|| verrevcmp(ra, rb))
}

/// `rpmvercmp` on one version or release string.
fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (mut i, mut j) = (0, 0);
    loop {
        while i < a.len() && !a[i].is_ascii_alphanumeric() && a[i] != '~' && a[i] != '^' {
            i += 1;
        }
        while j < b.len() && !b[j].is_ascii_alphanumeric() && b[j] != '~' && b[j] != '^' {
            j += 1;
        }
        // Tilde sorts before everything, even the end.
        let at = a.get(i) == Some(&'~');
        let bt = b.get(j) == Some(&'~');
        if at || bt {
            if !at {
                return Ordering::Greater;
            }
            if !bt {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // Caret sorts after the end but before anything else.
        let ac = a.get(i) == Some(&'^');
        let bc = b.get(j) == Some(&'^');
        if ac || bc {
            if i >= a.len() {
                return Ordering::Less;
            }
            if j >= b.len() {
                return Ordering::Greater;
            }
            if !ac {
                return Ordering::Greater;
            }
            if !bc {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if i >= a.len() || j >= b.len() {
            break;
        }
        let numeric = a[i].is_ascii_digit();
        let take = |s: &[char], mut k: usize| {
            let start = k;
            while k < s.len()
                && (if numeric {
                    s[k].is_ascii_digit()
                } else {
                    s[k].is_ascii_alphabetic()
                })
            {
                k += 1;
            }
            (s[start..k].iter().collect::<String>(), k)
        };
        let (sa, ni) = take(&a, i);
        let (sb, nj) = take(&b, j);
        if sb.is_empty() {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ord = if numeric {
            let ta = sa.trim_start_matches('0');
            let tb = sb.trim_start_matches('0');
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb))
        } else {
            sa.cmp(&sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i = ni;
        j = nj;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

/// RPM version comparison of `[epoch:]version[-release]` strings.
pub fn rpm_cmp(a: &str, b: &str) -> Ordering {
    fn parts(v: &str) -> (u64, &str, Option<&str>) {
        let (e, rest) = match v.split_once(':') {
            Some((e, r)) if e.chars().all(|c| c.is_ascii_digit()) => (e.parse().unwrap_or(0), r),
            _ => (0, v),
        };
        match rest.rsplit_once('-') {
            Some((ver, rel)) => (e, ver, Some(rel)),
            None => (e, rest, None),
        }
    }
    let (ea, va, ra) = parts(a.trim());
    let (eb, vb, rb) = parts(b.trim());
    ea.cmp(&eb).then_with(|| rpmvercmp(va, vb)).then_with(|| {
        // A missing release matches any release (as rpm's labelCompare with None).
        match (ra, rb) {
            (Some(x), Some(y)) => rpmvercmp(x, y),
            _ => Ordering::Equal,
        }
    })
}

/// Salt's `split_comparison`: `>=1.0` → (">=", "1.0"); no operator → ("", v).
pub fn split_comparison(v: &str) -> (String, String) {
    let v = v.trim();
    for op in ["<=>", "!=", ">=", "<=", ">>", "<<", "<>", ">", "<", "="] {
        if let Some(rest) = v.strip_prefix(op) {
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            return (op.to_string(), rest.to_string());
        }
    }
    (String::new(), v.to_string())
}

fn strip_epoch(v: &str) -> &str {
    match v.split_once(':') {
        Some((e, r)) if e.chars().all(|c| c.is_ascii_digit()) => r,
        _ => v,
    }
}

/// Python's `fnmatch` for the `*`/`?` globs Salt allows in `==` versions.
fn glob_match(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// `salt.utils.versions.compare(installed, oper, desired)` with `cmp`.
pub fn compare_oper(
    installed: &str,
    oper: &str,
    desired: &str,
    cmp: fn(&str, &str) -> Ordering,
    ignore_epoch: bool,
) -> bool {
    let (a, b) = if ignore_epoch {
        (strip_epoch(installed), strip_epoch(desired))
    } else {
        (installed, desired)
    };
    let oper = match oper {
        "" | "=" => "==",
        "<>" => "!=",
        o => o,
    };
    if oper == "==" && (b.contains('*') || b.contains('?')) {
        return glob_match(b, a);
    }
    let ord = cmp(a, b);
    match oper {
        "==" => ord == Ordering::Equal,
        "!=" => ord != Ordering::Equal,
        ">=" => ord != Ordering::Less,
        "<=" => ord != Ordering::Greater,
        ">" | ">>" => ord == Ordering::Greater,
        "<" | "<<" => ord == Ordering::Less,
        _ => false,
    }
}

/// `_fulfills_version_string`: whether one of `installed` satisfies every comma-separated
/// condition of `conditions` (a bare version means `==`).
pub fn fulfills(
    installed: &[String],
    conditions: &str,
    cmp: fn(&str, &str) -> Ordering,
    ignore_epoch: bool,
    allow_updates: bool,
) -> bool {
    let conds: Vec<(String, String)> = conditions
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            let (mut op, v) = split_comparison(c);
            if op.is_empty() || op == "=" {
                op = if allow_updates {
                    ">=".into()
                } else {
                    "==".into()
                };
            }
            (op, v)
        })
        .collect();
    installed.iter().any(|i| {
        conds
            .iter()
            .all(|(op, v)| compare_oper(i, op, v, cmp, ignore_epoch))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_order() {
        use Ordering::*;
        for (a, b, o) in [
            ("1.0", "1.0", Equal),
            ("1.0", "1.1", Less),
            ("1.10", "1.9", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1:0.1", "2.0", Greater),
            ("1.22.1-9", "1.22.1-10", Less),
            ("1.0-1", "1.0", Greater),
            ("1.0a", "1.0+", Less),
            ("2.4.57-2+deb12u1", "2.4.57-2", Greater),
        ] {
            assert_eq!(deb_cmp(a, b), o, "{a} vs {b}");
        }
    }

    #[test]
    fn rpm_order() {
        use Ordering::*;
        for (a, b, o) in [
            ("1.0-1.el9", "1.0-1.el9", Equal),
            ("1.0-1", "1.0-2", Less),
            ("1.10", "1.9", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1.0^git1", "1.0", Greater),
            ("1:1.0", "2.0", Greater),
            ("1.20.1-1.el9", "1.20.1", Equal),
            ("2.0a", "2.0", Greater),
        ] {
            assert_eq!(rpm_cmp(a, b), o, "{a} vs {b}");
        }
    }

    #[test]
    fn conditions() {
        let inst = vec!["1.1".to_string()];
        assert!(fulfills(&inst, "1.1", deb_cmp, false, false));
        assert!(!fulfills(&inst, "1.0", deb_cmp, false, false));
        assert!(fulfills(&inst, "1.0", deb_cmp, false, true));
        assert!(fulfills(&inst, ">=1.0,<2.0", deb_cmp, false, false));
        assert!(!fulfills(&inst, ">1.1", deb_cmp, false, false));
        assert!(fulfills(&inst, "1.*", deb_cmp, false, false));
        assert_eq!(split_comparison(">= 1.0"), (">=".into(), "1.0".into()));
    }
}
