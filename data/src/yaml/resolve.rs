//! PyYAML's YAML 1.1 implicit resolvers and its scalar constructors (int, float, bool).
//!
//! The resolvers decide which tag a *plain* (unquoted, untagged) scalar gets; they are
//! written out by hand from the regular expressions in PyYAML's `resolver.py`.

/// The `tag:yaml.org,2002:` prefix.
pub const YAML_PREFIX: &str = "tag:yaml.org,2002:";
/// `!!null`
pub const TAG_NULL: &str = "tag:yaml.org,2002:null";
/// `!!bool`
pub const TAG_BOOL: &str = "tag:yaml.org,2002:bool";
/// `!!int`
pub const TAG_INT: &str = "tag:yaml.org,2002:int";
/// `!!float`
pub const TAG_FLOAT: &str = "tag:yaml.org,2002:float";
/// `!!str`
pub const TAG_STR: &str = "tag:yaml.org,2002:str";
/// `!!timestamp`
pub const TAG_TIMESTAMP: &str = "tag:yaml.org,2002:timestamp";
/// `!!merge` (`<<`)
pub const TAG_MERGE: &str = "tag:yaml.org,2002:merge";
/// `!!value` (`=`)
pub const TAG_VALUE: &str = "tag:yaml.org,2002:value";
/// `!!seq`
pub const TAG_SEQ: &str = "tag:yaml.org,2002:seq";
/// `!!map`
pub const TAG_MAP: &str = "tag:yaml.org,2002:map";

/// The tag PyYAML's resolver gives a plain scalar.
pub fn resolve_plain(v: &str) -> &'static str {
    let Some(first) = v.chars().next() else {
        return TAG_NULL;
    };
    match first {
        'y' | 'Y' | 'n' | 'N' | 't' | 'T' | 'f' | 'F' | 'o' | 'O' => {
            if is_bool(v) {
                return TAG_BOOL;
            }
            if is_null(v) {
                return TAG_NULL;
            }
        }
        '~' if v == "~" => return TAG_NULL,
        '-' | '+' | '0'..='9' | '.' => {
            if is_float(v) {
                return TAG_FLOAT;
            }
            if is_int(v) {
                return TAG_INT;
            }
            if is_timestamp(v) {
                return TAG_TIMESTAMP;
            }
        }
        '<' if v == "<<" => return TAG_MERGE,
        '=' if v == "=" => return TAG_VALUE,
        _ => {}
    }
    TAG_STR
}

fn is_bool(v: &str) -> bool {
    matches!(
        v,
        "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

fn is_null(v: &str) -> bool {
    matches!(v, "~" | "null" | "Null" | "NULL" | "")
}

/// A tiny cursor over ASCII bytes for the hand-written regexes.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(s: &'a str) -> Self {
        Cur {
            b: s.as_bytes(),
            i: 0,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_if(&mut self, f: impl Fn(u8) -> bool) -> bool {
        match self.peek() {
            Some(c) if f(c) => {
                self.i += 1;
                true
            }
            _ => false,
        }
    }
    /// Eats zero or more; returns the count.
    fn eat_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.eat_if(&f) {}
        self.i - start
    }
    fn sign(&mut self) {
        let _ = self.eat(b'-') || self.eat(b'+');
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}
fn digit_(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

/// `(?::[0-5]?[0-9])+` — at least one group.
fn sexagesimal_groups(c: &mut Cur) -> bool {
    let mut n = 0;
    loop {
        let save = c.i;
        if !c.eat(b':') {
            break;
        }
        // [0-5]?[0-9]
        let a = c.peek();
        let ok = match a {
            Some(x @ b'0'..=b'5') => {
                c.i += 1;
                // optional second digit
                if c.eat_if(digit) {
                    true
                } else {
                    // the single digit was the [0-9]
                    let _ = x;
                    true
                }
            }
            Some(b'6'..=b'9') => {
                c.i += 1;
                true
            }
            _ => false,
        };
        if !ok {
            c.i = save;
            break;
        }
        n += 1;
    }
    n > 0
}

/// `(?:[eE][-+][0-9]+)?`
fn opt_exponent(c: &mut Cur) {
    let save = c.i;
    if c.eat(b'e') || c.eat(b'E') {
        if (c.eat(b'-') || c.eat(b'+')) && c.eat_while(digit) > 0 {
            return;
        }
        c.i = save;
    }
}

fn is_float(v: &str) -> bool {
    // [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    {
        let mut c = Cur::new(v);
        c.sign();
        if c.eat_if(digit) {
            c.eat_while(digit_);
            if c.eat(b'.') {
                c.eat_while(digit_);
                opt_exponent(&mut c);
                if c.done() {
                    return true;
                }
            }
        }
    }
    // \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    {
        let mut c = Cur::new(v);
        if c.eat(b'.') && c.eat_if(digit) {
            c.eat_while(digit_);
            opt_exponent(&mut c);
            if c.done() {
                return true;
            }
        }
    }
    // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    {
        let mut c = Cur::new(v);
        c.sign();
        if c.eat_if(digit) {
            c.eat_while(digit_);
            if sexagesimal_groups(&mut c) && c.eat(b'.') {
                c.eat_while(digit_);
                if c.done() {
                    return true;
                }
            }
        }
    }
    // [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    matches!(v, ".nan" | ".NaN" | ".NAN")
}

fn is_int(v: &str) -> bool {
    let mut c = Cur::new(v);
    c.sign();
    let body_start = c.i;
    let rest = &v[body_start..];
    // 0b[0-1_]+
    if let Some(r) = rest.strip_prefix("0b") {
        return !r.is_empty() && r.bytes().all(|b| b == b'0' || b == b'1' || b == b'_');
    }
    // 0x[0-9a-fA-F_]+
    if let Some(r) = rest.strip_prefix("0x") {
        return !r.is_empty() && r.bytes().all(|b| b.is_ascii_hexdigit() || b == b'_');
    }
    // 0[0-7_]+ | 0
    if let Some(r) = rest.strip_prefix('0') {
        return r.is_empty() || r.bytes().all(|b| (b'0'..=b'7').contains(&b) || b == b'_');
    }
    // [1-9][0-9_]* (?::[0-5]?[0-9])*
    if !c.eat_if(|b| (b'1'..=b'9').contains(&b)) {
        return false;
    }
    c.eat_while(digit_);
    if c.done() {
        return true;
    }
    sexagesimal_groups(&mut c) && c.done()
}

fn is_timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    // [0-9]{4}-[0-9]{2}-[0-9]{2}
    let ymd = b.len() == 10
        && b[..4].iter().all(|x| x.is_ascii_digit())
        && b[4] == b'-'
        && b[5..7].iter().all(|x| x.is_ascii_digit())
        && b[7] == b'-'
        && b[8..10].iter().all(|x| x.is_ascii_digit());
    if ymd {
        return true;
    }
    // [0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]
    //   (?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
    let mut c = Cur::new(v);
    let d1_2 = |c: &mut Cur| -> bool {
        if !c.eat_if(digit) {
            return false;
        }
        c.eat_if(digit);
        true
    };
    let d2 = |c: &mut Cur| -> bool { c.eat_if(digit) && c.eat_if(digit) };
    if !(d2(&mut c) && d2(&mut c) && c.eat(b'-') && d1_2(&mut c) && c.eat(b'-') && d1_2(&mut c)) {
        return false;
    }
    if !(c.eat(b'T') || c.eat(b't')) && c.eat_while(|x| x == b' ' || x == b'\t') == 0 {
        return false;
    }
    if !(d1_2(&mut c) && c.eat(b':') && d2(&mut c) && c.eat(b':') && d2(&mut c)) {
        return false;
    }
    if c.eat(b'.') {
        c.eat_while(digit);
    }
    if c.done() {
        return true;
    }
    c.eat_while(|x| x == b' ' || x == b'\t');
    if c.eat(b'Z') {
        return c.done();
    }
    if !(c.eat(b'-') || c.eat(b'+')) || !d1_2(&mut c) {
        return false;
    }
    if c.done() {
        return true;
    }
    c.eat(b':') && d2(&mut c) && c.done()
}

/// The result of PyYAML's `construct_yaml_int`.
#[derive(Debug, Clone, PartialEq)]
pub enum IntValue {
    /// Fits in an `i64`.
    Small(i64),
    /// Python would hold a big integer; we keep its decimal text when we can.
    Big(String),
}

/// Salt's `construct_scalar` tweak for `!!int`: strip leading zeros unless `0b`/`0x`.
pub fn salt_strip_int(v: &str) -> String {
    if v == "0" || !v.starts_with('0') || v.starts_with("0b") || v.starts_with("0x") {
        return v.to_string();
    }
    let s = v.trim_start_matches('0');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// PyYAML's `construct_yaml_int` (Python `int()` errors become `Err(message)`).
pub fn construct_int(v: &str) -> Result<IntValue, String> {
    let value: String = v.chars().filter(|&c| c != '_').collect();
    let invalid = || format!("invalid literal for int() with base 10: '{value}'");
    let (neg, body) = match value.as_bytes().first() {
        None => return Err("string index out of range".into()),
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value.as_str()),
    };
    if body == "0" {
        return Ok(IntValue::Small(0));
    }
    let parsed: Option<i128> = if let Some(r) = body.strip_prefix("0b") {
        parse_radix(r, 2)
    } else if let Some(r) = body.strip_prefix("0x") {
        parse_radix(r, 16)
    } else if body.starts_with('0') {
        parse_radix(body, 8)
    } else if body.contains(':') {
        let mut total: i128 = 0;
        for part in body.split(':') {
            let d = parse_radix(part, 10).ok_or_else(invalid)?;
            match total.checked_mul(60).and_then(|t| t.checked_add(d)) {
                Some(t) => total = t,
                // overflow: Python would hold a big int
                None => return Ok(IntValue::Big(v.to_string())),
            }
        }
        Some(total)
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            // Python's int() also accepts surrounding whitespace and unicode digits; a
            // plain scalar never has those when resolved implicitly.
            let t = body.trim();
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            return big_or_small(neg, t);
        }
        return big_or_small(neg, body);
    };
    match parsed {
        Some(n) => {
            let n = if neg { -n } else { n };
            match i64::try_from(n) {
                Ok(i) => Ok(IntValue::Small(i)),
                Err(_) => Ok(IntValue::Big(n.to_string())),
            }
        }
        None => {
            if body.bytes().all(|b| b.is_ascii_alphanumeric()) && !body.is_empty() {
                // too big for i128 in a non-decimal base
                Ok(IntValue::Big(v.to_string()))
            } else {
                Err(invalid())
            }
        }
    }
}

fn big_or_small(neg: bool, digits: &str) -> Result<IntValue, String> {
    let t = digits.trim_start_matches('0');
    let t = if t.is_empty() { "0" } else { t };
    let text = if neg && t != "0" {
        format!("-{t}")
    } else {
        t.to_string()
    };
    match text.parse::<i64>() {
        Ok(i) => Ok(IntValue::Small(i)),
        Err(_) => Ok(IntValue::Big(text)),
    }
}

fn parse_radix(s: &str, radix: u32) -> Option<i128> {
    if s.is_empty() {
        return None;
    }
    let mut n: i128 = 0;
    for c in s.chars() {
        let d = c.to_digit(radix)?;
        n = n.checked_mul(radix as i128)?.checked_add(d as i128)?;
    }
    Some(n)
}

/// PyYAML's `construct_yaml_float` (Python `float()` errors become `Err(message)`).
pub fn construct_float(v: &str) -> Result<f64, String> {
    let value: String = v
        .chars()
        .filter(|&c| c != '_')
        .collect::<String>()
        .to_lowercase();
    let (sign, body) = match value.as_bytes().first() {
        None => return Err("string index out of range".into()),
        Some(b'-') => (-1.0, &value[1..]),
        Some(b'+') => (1.0, &value[1..]),
        _ => (1.0, value.as_str()),
    };
    if body == ".inf" {
        return Ok(sign * f64::INFINITY);
    }
    if body == ".nan" {
        return Ok(f64::NAN);
    }
    if body.contains(':') {
        let mut total = 0.0f64;
        for part in body.split(':') {
            total = total * 60.0 + py_float(part)?;
        }
        return Ok(sign * total);
    }
    Ok(sign * py_float(body)?)
}

/// Python's `float(str)` for the forms the resolver lets through.
fn py_float(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        return lower
            .replace("infinity", "inf")
            .parse::<f64>()
            .map_err(|_| format!("could not convert string to float: '{s}'"));
    }
    // Rust rejects "1." before an exponent and bare "."; normalise to digits around the dot.
    let mut norm = String::with_capacity(t.len() + 2);
    let bytes: Vec<char> = t.chars().collect();
    for (i, &c) in bytes.iter().enumerate() {
        norm.push(c);
        if c == '.' {
            let prev_digit = i > 0 && bytes[i - 1].is_ascii_digit();
            let next_digit = bytes.get(i + 1).is_some_and(|n| n.is_ascii_digit());
            if !next_digit && prev_digit {
                norm.push('0');
            }
        }
    }
    if !norm
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return Err(format!("could not convert string to float: '{s}'"));
    }
    norm.parse::<f64>()
        .map_err(|_| format!("could not convert string to float: '{s}'"))
}

/// PyYAML's `construct_yaml_bool` (unknown words are a `KeyError` in Python).
pub fn construct_bool(v: &str) -> Result<bool, String> {
    match v.to_lowercase().as_str() {
        "yes" | "true" | "on" => Ok(true),
        "no" | "false" | "off" => Ok(false),
        other => Err(format!("'{other}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_pyyaml() {
        for (v, t) in [
            ("", TAG_NULL),
            ("~", TAG_NULL),
            ("Null", TAG_NULL),
            ("nUll", TAG_STR),
            ("yes", TAG_BOOL),
            ("y", TAG_STR),
            ("0644", TAG_INT),
            ("0o10", TAG_STR),
            ("0x1F", TAG_INT),
            ("0b101", TAG_INT),
            ("1:30", TAG_INT),
            ("1:60", TAG_STR),
            ("1_000", TAG_INT),
            ("1.10", TAG_FLOAT),
            ("1e3", TAG_STR),
            ("1.0e+3", TAG_FLOAT),
            ("1.", TAG_FLOAT),
            (".5", TAG_FLOAT),
            ("-.inf", TAG_FLOAT),
            ("-.nan", TAG_STR),
            ("1:30.5", TAG_FLOAT),
            ("2024-01-02", TAG_TIMESTAMP),
            ("2001-12-14t21:59:43.10-05:00", TAG_TIMESTAMP),
            ("2001-12-14 21:59:43.10 -5", TAG_TIMESTAMP),
            ("<<", TAG_MERGE),
            ("=", TAG_VALUE),
            ("-", TAG_STR),
            ("+", TAG_STR),
            (".", TAG_STR),
            ("08", TAG_STR),
        ] {
            assert_eq!(resolve_plain(v), t, "{v:?}");
        }
    }

    #[test]
    fn constructs_numbers() {
        assert_eq!(construct_int("0x_1"), Ok(IntValue::Small(1)));
        assert_eq!(construct_int("-0644"), Ok(IntValue::Small(-420)));
        assert_eq!(construct_int("190:20:30"), Ok(IntValue::Small(685230)));
        assert_eq!(construct_float("1."), Ok(1.0));
        assert_eq!(construct_float("1.e+3"), Ok(1000.0));
        assert_eq!(construct_float("1:30.5"), Ok(90.5));
        assert_eq!(salt_strip_int("0644"), "644");
        assert_eq!(salt_strip_int("00"), "0");
    }
}
