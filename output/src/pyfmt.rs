//! Small re-implementations of Python string behaviour the outputters rely on.

use rsalt_data::Value;

pub use rsalt_data::pystr::{
    is_space as is_py_space, rstrip as py_rstrip, splitlines, strip as py_strip,
};

/// Python's `str(value)`.
pub fn py_str(v: &Value) -> String {
    v.to_py_str()
}

/// Number of characters (Python's `len()` of a str).
pub fn py_len(s: &str) -> usize {
    s.chars().count()
}

/// Right-aligns `s` in a field of `width` characters (Python's `{:>N}` / `rjust`).
pub fn rjust(s: &str, width: usize) -> String {
    let n = py_len(s);
    if n >= width {
        s.to_string()
    } else {
        format!("{}{}", " ".repeat(width - n), s)
    }
}

/// Left-aligns `s` in a field of `width` characters (Python's `{:<N}` / `ljust`).
pub fn ljust(s: &str, width: usize) -> String {
    let n = py_len(s);
    if n >= width {
        s.to_string()
    } else {
        format!("{}{}", s, " ".repeat(width - n))
    }
}

/// Python's `float(x)` for a value; `Err(())` where Python raises TypeError,
/// `Ok(None)` where it raises ValueError.
pub(crate) fn py_float(v: &Value) -> Result<Option<f64>, ()> {
    match v {
        Value::Int(i) => Ok(Some(*i as f64)),
        Value::Float(f) => Ok(Some(*f)),
        Value::Bool(b) => Ok(Some(if *b { 1.0 } else { 0.0 })),
        Value::Str(s) => Ok(parse_py_float(s)),
        _ => Err(()),
    }
}

/// Parses a string as Python's `float()` does (surrounding whitespace, `inf`, `nan`, `_`).
pub fn parse_py_float(s: &str) -> Option<f64> {
    let t = py_strip(s);
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let cleaned: String = t.chars().filter(|c| *c != '_').collect();
    let lower = cleaned.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        return lower.parse().ok();
    }
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'))
    {
        return None;
    }
    cleaned.parse().ok()
}

/// `textwrap.TextWrapper(width, initial_indent, subsequent_indent).fill(text)` with
/// Python's defaults (whitespace collapsed to single spaces, long words broken,
/// words split after hyphens).
pub fn textwrap_fill(text: &str, width: usize, initial: &str, subsequent: &str) -> String {
    // expand_tabs + replace_whitespace: every whitespace char becomes one space
    let text: String = text
        .replace('\t', "        ")
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\x0b' | '\x0c' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let chunks = split_chunks(&text);
    let mut lines: Vec<String> = Vec::new();
    let mut chunks: Vec<String> = chunks.into_iter().rev().collect();
    while !chunks.is_empty() {
        let indent = if lines.is_empty() {
            initial
        } else {
            subsequent
        };
        let avail = width.saturating_sub(py_len(indent)).max(1);
        let mut cur: Vec<String> = Vec::new();
        let mut cur_len = 0;
        // drop leading whitespace chunk on non-first lines
        if !lines.is_empty() {
            if let Some(last) = chunks.last() {
                if last.trim().is_empty() {
                    chunks.pop();
                }
            }
        }
        while let Some(chunk) = chunks.last() {
            let l = py_len(chunk);
            if cur_len + l <= avail {
                cur_len += l;
                cur.push(chunks.pop().unwrap_or_default());
            } else {
                break;
            }
        }
        if let Some(chunk) = chunks.last() {
            if py_len(chunk) > avail {
                // break a long word
                let space_left = if avail > cur_len { avail - cur_len } else { 1 };
                if cur.is_empty() || space_left > 0 {
                    let c = chunks.pop().unwrap_or_default();
                    let head: String = c.chars().take(space_left).collect();
                    let tail: String = c.chars().skip(space_left).collect();
                    cur_len += py_len(&head);
                    cur.push(head);
                    if !tail.is_empty() {
                        chunks.push(tail);
                    }
                }
            }
        }
        if let Some(last) = cur.last() {
            if last.trim().is_empty() {
                cur_len -= py_len(last);
                cur.pop();
            }
        }
        let _ = cur_len;
        if !cur.is_empty() {
            lines.push(format!("{indent}{}", cur.concat()));
        } else if chunks.is_empty() {
            break;
        }
    }
    lines.join("\n")
}

/// Splits text into alternating word / whitespace chunks; words also split after a hyphen
/// that follows a letter or digit and precedes a letter (textwrap's `wordsep_re`, simplified).
fn split_chunks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_space = false;
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let sp = c == ' ';
        if !cur.is_empty() && sp != in_space {
            out.push(std::mem::take(&mut cur));
        }
        in_space = sp;
        cur.push(c);
        if !sp
            && c == '-'
            && i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|n| n.is_alphabetic())
        {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitlines_like_python() {
        assert_eq!(splitlines("", false), Vec::<&str>::new());
        assert_eq!(splitlines("a\nb\n", false), vec!["a", "b"]);
        assert_eq!(
            splitlines("a\r\nb\rc\x0cd", false),
            vec!["a", "b", "c", "d"]
        );
        assert_eq!(splitlines("a\n\nb", true), vec!["a\n", "\n", "b"]);
        assert_eq!(splitlines("\n", false), vec![""]);
    }

    #[test]
    fn floats_like_python() {
        assert_eq!(parse_py_float(" 1.5 "), Some(1.5));
        assert_eq!(parse_py_float("1_000"), Some(1000.0));
        assert_eq!(parse_py_float("7.4 ms"), None);
        assert_eq!(parse_py_float("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_py_float("abc"), None);
    }

    #[test]
    fn textwrap_basic() {
        let s = textwrap_fill("one two\nthree", 80, "   ", "   ");
        assert_eq!(s, "   one two three");
        let long = "word ".repeat(20);
        let s = textwrap_fill(long.trim(), 30, "> ", "  ");
        assert_eq!(
            s,
            "> word word word word word\n  word word word word word\n  word word word word word\n  word word word word word"
        );
    }
}
