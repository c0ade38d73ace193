//! Python string formatting: `'%s-%d' % (a, b)`, `'%(x)s' % d` and `'{0}:{x}'.format(...)`.

use super::objects::{err, float_repr, py_repr, py_str, type_name, PyDict};
use minijinja::value::{Value as MjValue, ValueKind};
use minijinja::Error;

/// Formats a float like C `printf` with Python's conventions (`e` has a 2-digit exponent).
pub fn fmt_float(f: f64, ty: char, prec: usize, alt: bool) -> String {
    if f.is_nan() {
        return if ty.is_ascii_uppercase() {
            "NAN"
        } else {
            "nan"
        }
        .into();
    }
    if f.is_infinite() {
        let s = if f > 0.0 { "inf" } else { "-inf" };
        return if ty.is_ascii_uppercase() {
            s.to_uppercase()
        } else {
            s.into()
        };
    }
    match ty {
        'f' | 'F' => {
            let mut s = format!("{f:.prec$}");
            if alt && prec == 0 {
                s.push('.');
            }
            s
        }
        'e' | 'E' => {
            let s = exp_fmt(f, prec, alt);
            if ty == 'E' {
                s.to_uppercase()
            } else {
                s
            }
        }
        'g' | 'G' => {
            let p = if prec == 0 { 1 } else { prec };
            let s = if f == 0.0 {
                if alt {
                    format!("{:.*}", p - 1, 0.0)
                } else {
                    "0".into()
                }
            } else {
                let e = exp_fmt(f, p - 1, false);
                let x: i32 = e
                    .rsplit_once('e')
                    .and_then(|(_, x)| x.parse().ok())
                    .unwrap_or(0);
                if x >= -4 && x < p as i32 {
                    let digits = (p as i32 - 1 - x).max(0) as usize;
                    let s = format!("{f:.digits$}");
                    if alt {
                        s
                    } else {
                        strip_zeros(&s)
                    }
                } else {
                    let s = exp_fmt(f, p - 1, alt);
                    if alt {
                        s
                    } else {
                        match s.split_once('e') {
                            Some((m, x)) => format!("{}e{}", strip_zeros(m), x),
                            None => s,
                        }
                    }
                }
            };
            if ty == 'G' {
                s.to_uppercase()
            } else {
                s
            }
        }
        _ => float_repr(f),
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

fn exp_fmt(f: f64, prec: usize, alt: bool) -> String {
    let s = format!("{f:.prec$e}");
    let (m, x) = s.split_once('e').unwrap_or((&s, "0"));
    let x: i32 = x.parse().unwrap_or(0);
    let mut m = m.to_string();
    if alt && !m.contains('.') {
        m.push('.');
    }
    format!("{}e{}{:02}", m, if x < 0 { '-' } else { '+' }, x.abs())
}

fn as_f64(v: &MjValue) -> Option<f64> {
    match v.kind() {
        ValueKind::Number => f64::try_from(v.clone()).ok(),
        ValueKind::Bool => Some(if v.is_true() { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn as_int(v: &MjValue) -> Option<i128> {
    match v.kind() {
        ValueKind::Bool => Some(i128::from(v.is_true())),
        ValueKind::Number if v.is_integer() => i128::try_from(v.clone()).ok(),
        ValueKind::Number => as_f64(v).map(|f| f.trunc() as i128),
        _ => None,
    }
}

fn pad(body: String, sign: &str, width: usize, left: bool, zero: bool) -> String {
    let len = body.chars().count() + sign.chars().count();
    if len >= width {
        return format!("{sign}{body}");
    }
    let fill = width - len;
    if left {
        format!("{sign}{body}{}", " ".repeat(fill))
    } else if zero {
        format!("{sign}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{sign}{body}", " ".repeat(fill))
    }
}

/// `fmt % args` for a string `fmt`.
pub fn percent_format(fmt: &str, args: &MjValue) -> Result<String, Error> {
    let is_map = args.kind() == ValueKind::Map;
    let positional: Vec<MjValue> = if args.is_tuple() {
        args.try_iter().map(|i| i.collect()).unwrap_or_default()
    } else {
        vec![args.clone()]
    };
    let mut next = 0usize;
    let mut used_map = false;
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if i >= chars.len() {
            return Err(err("incomplete format"));
        }
        let mut key: Option<String> = None;
        if chars[i] == '(' {
            let mut depth = 1;
            let start = i + 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            if depth > 0 {
                return Err(err("incomplete format key"));
            }
            key = Some(chars[start..i - 1].iter().collect());
        }
        let (mut left, mut plus, mut space, mut alt, mut zero) =
            (false, false, false, false, false);
        while i < chars.len() {
            match chars[i] {
                '-' => left = true,
                '+' => plus = true,
                ' ' => space = true,
                '#' => alt = true,
                '0' => zero = true,
                _ => break,
            }
            i += 1;
        }
        let mut take_arg = |out_next: &mut usize| -> Result<MjValue, Error> {
            if let Some(k) = &key {
                used_map = true;
                if !is_map {
                    return Err(err("format requires a mapping"));
                }
                return args
                    .get_item(&MjValue::from(k.as_str()))
                    .ok()
                    .filter(|v| !v.is_undefined())
                    .ok_or_else(|| {
                        err(format!("KeyError: {}", py_repr(&MjValue::from(k.as_str()))))
                    });
            }
            let v = positional.get(*out_next).cloned();
            *out_next += 1;
            v.ok_or_else(|| err("not enough arguments for format string"))
        };
        let mut width = 0usize;
        if i < chars.len() && chars[i] == '*' {
            let w = take_arg(&mut next)?;
            let w = as_int(&w).ok_or_else(|| err("* wants int"))?;
            if w < 0 {
                left = true;
            }
            width = w.unsigned_abs() as usize;
            i += 1;
        } else {
            while i < chars.len() && chars[i].is_ascii_digit() {
                width = width * 10 + chars[i] as usize - '0' as usize;
                i += 1;
            }
        }
        let mut prec: Option<usize> = None;
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let mut p = 0usize;
            if i < chars.len() && chars[i] == '*' {
                let w = take_arg(&mut next)?;
                p = as_int(&w).ok_or_else(|| err("* wants int"))?.max(0) as usize;
                i += 1;
            } else {
                while i < chars.len() && chars[i].is_ascii_digit() {
                    p = p * 10 + chars[i] as usize - '0' as usize;
                    i += 1;
                }
            }
            prec = Some(p);
        }
        while i < chars.len() && matches!(chars[i], 'h' | 'l' | 'L') {
            i += 1;
        }
        if i >= chars.len() {
            return Err(err("incomplete format"));
        }
        let ty = chars[i];
        i += 1;
        if ty == '%' {
            out.push('%');
            continue;
        }
        let arg = take_arg(&mut next)?;
        let sign_of = |neg: bool| -> &'static str {
            if neg {
                "-"
            } else if plus {
                "+"
            } else if space {
                " "
            } else {
                ""
            }
        };
        let piece = match ty {
            's' | 'r' | 'a' => {
                let mut s = if ty == 's' {
                    py_str(&arg)
                } else {
                    py_repr(&arg)
                };
                if let Some(p) = prec {
                    s = s.chars().take(p).collect();
                }
                pad(s, "", width, left, false)
            }
            'd' | 'i' | 'u' => {
                let n = as_int(&arg).ok_or_else(|| {
                    err(format!(
                        "%{ty} format: a real number is required, not {}",
                        type_name(&arg)
                    ))
                })?;
                let mut body = n.unsigned_abs().to_string();
                if let Some(p) = prec {
                    while body.len() < p {
                        body.insert(0, '0');
                    }
                }
                pad(body, sign_of(n < 0), width, left, zero)
            }
            'x' | 'X' | 'o' => {
                let n = as_int(&arg).ok_or_else(|| {
                    err(format!(
                        "%{ty} format: an integer is required, not {}",
                        type_name(&arg)
                    ))
                })?;
                let a = n.unsigned_abs();
                let mut body = match ty {
                    'x' => format!("{a:x}"),
                    'X' => format!("{a:X}"),
                    _ => format!("{a:o}"),
                };
                if alt {
                    body = format!(
                        "{}{}",
                        match ty {
                            'x' => "0x",
                            'X' => "0X",
                            _ => "0o",
                        },
                        body
                    );
                }
                pad(body, sign_of(n < 0), width, left, zero)
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                let f = as_f64(&arg)
                    .ok_or_else(|| err(format!("must be real number, not {}", type_name(&arg))))?;
                let body = fmt_float(f.abs(), ty, prec.unwrap_or(6), alt);
                pad(
                    body,
                    sign_of(f.is_sign_negative() && f != 0.0 || (f == 0.0 && f.is_sign_negative())),
                    width,
                    left,
                    zero && !f.is_infinite() && !f.is_nan(),
                )
            }
            'c' => {
                let s = match arg.as_str() {
                    Some(s) if s.chars().count() == 1 => s.to_string(),
                    _ => as_int(&arg)
                        .and_then(|n| u32::try_from(n).ok())
                        .and_then(char::from_u32)
                        .map(String::from)
                        .ok_or_else(|| err("%c requires int or char"))?,
                };
                pad(s, "", width, left, false)
            }
            other => {
                return Err(err(format!(
                    "unsupported format character '{other}' (0x{:x}) at index {}",
                    other as u32,
                    i - 1
                )))
            }
        };
        out.push_str(&piece);
    }
    if !used_map && !is_map && next < positional.len() && args.is_tuple() {
        return Err(err("not all arguments converted during string formatting"));
    }
    if !used_map && !is_map && !args.is_tuple() && next == 0 && positional.len() == 1 {
        return Err(err("not all arguments converted during string formatting"));
    }
    Ok(out)
}

/// Python `%` between two values: string formatting or numeric modulo.
pub fn py_mod(a: &MjValue, b: &MjValue) -> Result<MjValue, Error> {
    if let Some(s) = a.as_str() {
        return percent_format(s, b).map(MjValue::from);
    }
    match (a.kind(), b.kind()) {
        (ValueKind::Number | ValueKind::Bool, ValueKind::Number | ValueKind::Bool) => {
            if a.is_integer() && b.is_integer()
                || a.kind() == ValueKind::Bool
                || b.kind() == ValueKind::Bool
            {
                if let (Some(x), Some(y)) = (as_int(a), as_int(b)) {
                    if (a.is_integer() || a.kind() == ValueKind::Bool)
                        && (b.is_integer() || b.kind() == ValueKind::Bool)
                    {
                        if y == 0 {
                            return Err(err("integer division or modulo by zero"));
                        }
                        let r = ((x % y) + y) % y;
                        return Ok(i64::try_from(r)
                            .map(MjValue::from)
                            .unwrap_or_else(|_| MjValue::from(r)));
                    }
                }
            }
            let (x, y) = (as_f64(a).unwrap_or(0.0), as_f64(b).unwrap_or(0.0));
            if y == 0.0 {
                return Err(err("float modulo"));
            }
            let r = x % y;
            let r = if r != 0.0 && (r < 0.0) != (y < 0.0) {
                r + y
            } else {
                r
            };
            Ok(MjValue::from(r))
        }
        _ => Err(err(format!(
            "unsupported operand type(s) for %: '{}' and '{}'",
            type_name(a),
            type_name(b)
        ))),
    }
}

/// A parsed `str.format` spec.
struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    alt: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    prec: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(s: &str) -> Result<Spec, Error> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut sp = Spec {
        fill: ' ',
        align: None,
        sign: '-',
        alt: false,
        zero: false,
        width: 0,
        grouping: None,
        prec: None,
        ty: None,
    };
    let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
    if c.len() >= 2 && is_align(c[1]) {
        sp.fill = c[0];
        sp.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        sp.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        sp.sign = c[i];
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        sp.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        sp.zero = true;
        i += 1;
    }
    while i < c.len() && c[i].is_ascii_digit() {
        sp.width = sp.width * 10 + c[i] as usize - '0' as usize;
        i += 1;
    }
    if i < c.len() && matches!(c[i], ',' | '_') {
        sp.grouping = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let mut p = 0;
        while i < c.len() && c[i].is_ascii_digit() {
            p = p * 10 + c[i] as usize - '0' as usize;
            i += 1;
        }
        sp.prec = Some(p);
    }
    if i < c.len() {
        sp.ty = Some(c[i]);
        i += 1;
    }
    if i != c.len() {
        return Err(err("Invalid format specifier"));
    }
    Ok(sp)
}

fn group(digits: &str, sep: char) -> String {
    let (int, frac) = match digits.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (digits, None),
    };
    let mut out = String::new();
    for (n, ch) in int.chars().enumerate() {
        if n > 0 && (int.len() - n) % 3 == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

fn apply_spec(v: &MjValue, spec: &str) -> Result<String, Error> {
    if spec.is_empty() {
        return Ok(py_str(v));
    }
    let sp = parse_spec(spec)?;
    let numeric = matches!(v.kind(), ValueKind::Number | ValueKind::Bool);
    let (sign, body, default_right) = if numeric && !matches!(sp.ty, Some('s')) {
        let f = as_f64(v).unwrap_or(0.0);
        let neg = f < 0.0;
        let body = match sp.ty {
            None | Some('d') | Some('n') if v.is_integer() || v.kind() == ValueKind::Bool => {
                let n = as_int(v).unwrap_or(0);
                if sp.ty.is_none() && v.kind() == ValueKind::Bool {
                    return Ok(pad_spec(py_str(v), "", &sp, false));
                }
                let b = n.unsigned_abs().to_string();
                match sp.grouping {
                    Some(g) => group(&b, g),
                    None => b,
                }
            }
            Some('x') | Some('X') | Some('o') | Some('b') => {
                let n = as_int(v).ok_or_else(|| err("Unknown format code for float"))?;
                let a = n.unsigned_abs();
                let (b, p) = match sp.ty {
                    Some('x') => (format!("{a:x}"), "0x"),
                    Some('X') => (format!("{a:X}"), "0X"),
                    Some('o') => (format!("{a:o}"), "0o"),
                    _ => (format!("{a:b}"), "0b"),
                };
                if sp.alt {
                    format!("{p}{b}")
                } else {
                    b
                }
            }
            Some('c') => {
                let n = as_int(v).unwrap_or(0);
                u32::try_from(n)
                    .ok()
                    .and_then(char::from_u32)
                    .map(String::from)
                    .unwrap_or_default()
            }
            Some('%') => {
                let b = fmt_float(f.abs() * 100.0, 'f', sp.prec.unwrap_or(6), sp.alt);
                format!("{b}%")
            }
            Some(t @ ('e' | 'E' | 'f' | 'F' | 'g' | 'G')) => {
                let b = fmt_float(f.abs(), t, sp.prec.unwrap_or(6), sp.alt);
                match sp.grouping {
                    Some(g) => group(&b, g),
                    None => b,
                }
            }
            None | Some('n') => match sp.prec {
                Some(p) => fmt_float(f.abs(), 'g', p.max(1), sp.alt),
                None => float_repr(f.abs()),
            },
            Some(t) => {
                return Err(err(format!(
                    "Unknown format code '{t}' for object of type '{}'",
                    type_name(v)
                )))
            }
        };
        let sign = if neg {
            "-"
        } else {
            match sp.sign {
                '+' => "+",
                ' ' => " ",
                _ => "",
            }
        };
        (sign, body, true)
    } else {
        if let Some(t) = sp.ty {
            if t != 's' {
                return Err(err(format!(
                    "Unknown format code '{t}' for object of type '{}'",
                    type_name(v)
                )));
            }
        }
        let mut s = py_str(v);
        if let Some(p) = sp.prec {
            s = s.chars().take(p).collect();
        }
        ("", s, false)
    };
    Ok(pad_spec(body, sign, &sp, default_right))
}

fn pad_spec(body: String, sign: &str, sp: &Spec, numeric: bool) -> String {
    let len = body.chars().count() + sign.len();
    if len >= sp.width {
        return format!("{sign}{body}");
    }
    let n = sp.width - len;
    let (fill, align) = if sp.zero && sp.align.is_none() {
        ('0', '=')
    } else {
        (sp.fill, sp.align.unwrap_or(if numeric { '>' } else { '<' }))
    };
    let f = |k: usize| fill.to_string().repeat(k);
    match align {
        '<' => format!("{sign}{body}{}", f(n)),
        '^' => format!("{}{sign}{body}{}", f(n / 2), f(n - n / 2)),
        '=' => format!("{sign}{}{body}", f(n)),
        _ => format!("{}{sign}{body}", f(n)),
    }
}

fn lookup_field(
    name: &str,
    args: &[MjValue],
    kwargs: &dyn Fn(&str) -> Option<MjValue>,
    auto: &mut usize,
) -> Result<MjValue, Error> {
    let end = name.find(['.', '[']).unwrap_or(name.len());
    let (first, mut rest) = name.split_at(end);
    let mut v = if first.is_empty() {
        let v = args.get(*auto).cloned().ok_or_else(|| {
            err(format!(
                "Replacement index {} out of range for positional args tuple",
                *auto
            ))
        })?;
        *auto += 1;
        v
    } else if let Ok(n) = first.parse::<usize>() {
        args.get(n).cloned().ok_or_else(|| {
            err(format!(
                "Replacement index {n} out of range for positional args tuple"
            ))
        })?
    } else {
        kwargs(first).ok_or_else(|| err(format!("KeyError: '{first}'")))?
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let e = r.find(['.', '[']).unwrap_or(r.len());
            let attr = &r[..e];
            v = v.get_attr(attr)?;
            rest = &r[e..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let e = r
                .find(']')
                .ok_or_else(|| err("Missing ']' in format string"))?;
            let key = &r[..e];
            let k = match key.parse::<i64>() {
                Ok(n) => MjValue::from(n),
                Err(_) => MjValue::from(key),
            };
            v = v.get_item(&k)?;
            rest = &r[e + 1..];
        } else {
            return Err(err(
                "Only '.' or '[' may follow ']' in format field specifier",
            ));
        }
        if v.is_undefined() {
            return Err(err(format!("KeyError: {name}")));
        }
    }
    Ok(v)
}

/// `fmt.format(*args, **kwargs)`.
pub fn str_format(
    fmt: &str,
    args: &[MjValue],
    kwargs: &dyn Fn(&str) -> Option<MjValue>,
) -> Result<String, Error> {
    let mut out = String::new();
    let mut auto = 0usize;
    let mut it = fmt.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            '{' => {
                if matches!(it.peek(), Some((_, '{'))) {
                    it.next();
                    out.push('{');
                    continue;
                }
                // find the matching close brace (allowing one nested level in the spec)
                let mut depth = 1;
                let mut end = None;
                for (j, ch) in it.by_ref() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(j);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| err("Single '{' encountered in format string"))?;
                let field = &fmt[i + 1..end];
                let (field, spec) = match field.find(':') {
                    Some(p) => (&field[..p], &field[p + 1..]),
                    None => (field, ""),
                };
                let (field, conv) = match field.find('!') {
                    Some(p) => (&field[..p], Some(&field[p + 1..])),
                    None => (field, None),
                };
                // nested replacement fields inside the spec
                let spec = if spec.contains('{') {
                    str_format(spec, args, kwargs)?
                } else {
                    spec.to_string()
                };
                let v = lookup_field(field, args, kwargs, &mut auto)?;
                let v = match conv {
                    Some("r") | Some("a") => MjValue::from(py_repr(&v)),
                    Some("s") => MjValue::from(py_str(&v)),
                    None => v,
                    Some(_) => return Err(err("Unknown conversion specifier")),
                };
                out.push_str(&apply_spec(&v, &spec)?);
            }
            '}' => {
                if matches!(it.peek(), Some((_, '}'))) {
                    it.next();
                    out.push('}');
                } else {
                    return Err(err("Single '}' encountered in format string"));
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Helper for kwargs lookups backed by a dict value.
pub fn dict_lookup(d: &MjValue) -> impl Fn(&str) -> Option<MjValue> + '_ {
    move |k: &str| {
        if let Some(pd) = d.downcast_object_ref::<PyDict>() {
            let m = super::objects::lock(&pd.map);
            return m.get(&MjValue::from(k)).cloned();
        }
        d.get_item(&MjValue::from(k))
            .ok()
            .filter(|v| !v.is_undefined())
    }
}
