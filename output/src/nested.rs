//! The `nested` outputter (`salt/output/nested.py`): `----------` dict headers,
//! `key:` lines, `- item` lists, `|_` for containers in lists.

use crate::color::{strip_esc, Colors};
use crate::pyfmt::{py_len, splitlines};
use rsalt_data::{DictKind, Key, Value};

/// Renders `value` as Salt's nested outputter does, starting at `base_indent` spaces.
/// A non-zero `retcode` turns the structure colours red (as salt-call's `_retcode`).
pub fn nested(value: &Value, base_indent: usize, retcode: i64, colors: &Colors) -> String {
    let mut out = Vec::new();
    let nd = Nest { colors, retcode };
    nd.display(value, base_indent, "", &mut out);
    out.join("\n")
}

struct Nest<'a> {
    colors: &'a Colors,
    retcode: i64,
}

/// Orders a plain dict's keys as `sorted(dict)` would, or, when the keys are not mutually
/// comparable (TypeError in Python), as `sorted({str(k): v})`.
pub(crate) fn sorted_entries(d: &rsalt_data::Dict) -> Vec<(String, &Value)> {
    let keys: Vec<&Key> = d.map.keys().collect();
    let all_str = keys.iter().all(|k| matches!(k, Key::Str(_)));
    let all_num = keys.iter().all(|k| matches!(k, Key::Int(_) | Key::Bool(_)));
    if keys.len() <= 1 || all_str || all_num {
        let mut e: Vec<(&Key, &Value)> = d.iter().collect();
        if all_num {
            e.sort_by_key(|(k, _)| match k {
                Key::Int(i) => *i,
                Key::Bool(b) => i64::from(*b),
                _ => 0,
            });
        } else {
            e.sort_by(|a, b| a.0.cmp(b.0));
        }
        return e.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    }
    // {str(k): v for k, v in items}: later duplicates overwrite values in place
    let mut m: indexmap::IndexMap<String, &Value> = indexmap::IndexMap::new();
    for (k, v) in d.iter() {
        m.insert(k.to_string(), v);
    }
    let mut e: Vec<(String, &Value)> = m.into_iter().collect();
    e.sort_by(|a, b| a.0.cmp(&b.0));
    e
}

impl Nest<'_> {
    fn ustring(&self, indent: usize, color: &str, msg: &str, prefix: &str, suffix: &str) -> String {
        format!(
            "{}{}{}{}{}{}",
            " ".repeat(indent),
            color,
            prefix,
            msg,
            self.colors.endc,
            suffix
        )
    }

    fn struct_color(&self) -> &'static str {
        if self.retcode != 0 {
            self.colors.red
        } else {
            self.colors.cyan
        }
    }

    fn display(&self, ret: &Value, indent: usize, prefix: &str, out: &mut Vec<String>) {
        let c = self.colors;
        match ret {
            Value::None | Value::Bool(_) => {
                out.push(self.ustring(indent, c.light_yellow, &ret.to_py_str(), prefix, ""));
            }
            Value::Int(_) | Value::Float(_) => {
                out.push(self.ustring(
                    indent,
                    c.light_yellow,
                    &rsalt_data::repr::repr(ret),
                    prefix,
                    "",
                ));
            }
            Value::Str(s) => {
                for (i, line) in splitlines(s, false).into_iter().enumerate() {
                    let pad;
                    let line_prefix = if i == 0 {
                        prefix
                    } else {
                        pad = " ".repeat(py_len(prefix));
                        pad.as_str()
                    };
                    out.push(self.ustring(indent, c.green, &strip_esc(line), line_prefix, ""));
                }
            }
            Value::List(l) => {
                let color = if self.retcode != 0 { c.red } else { c.green };
                for item in l {
                    match item {
                        Value::List(_) | Value::Dict(_) => {
                            out.push(self.ustring(indent, color, "|_", "", ""));
                            let p = if matches!(item, Value::Dict(_)) {
                                ""
                            } else {
                                "- "
                            };
                            self.display(item, indent + 2, p, out);
                        }
                        _ => self.display(item, indent, "- ", out),
                    }
                }
            }
            Value::Dict(d) => {
                if indent > 0 {
                    out.push(self.ustring(indent, self.struct_color(), "----------", "", ""));
                }
                let entries: Vec<(String, &Value)> = if d.kind == DictKind::Ordered {
                    d.iter().map(|(k, v)| (k.to_string(), v)).collect()
                } else {
                    sorted_entries(d)
                };
                let color = self.struct_color();
                for (key, val) in entries {
                    out.push(self.ustring(indent, color, &key, prefix, ":"));
                    self.display(val, indent + 4, "", out);
                }
            }
        }
    }
}
