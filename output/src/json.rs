//! The `json` outputter: Python's `json.dumps(data, indent=N, ensure_ascii=False)`.

use rsalt_data::Value;

/// `json.dumps(value, indent=indent, ensure_ascii=False)`; `indent: None` is the compact
/// one-line form with `", "` / `": "` separators.
pub fn dumps(value: &Value, indent: Option<usize>) -> String {
    rsalt_data::json::dumps(
        value,
        &rsalt_data::json::JsonOptions {
            indent,
            sort_keys: false,
            ensure_ascii: false,
        },
    )
}

/// A JSON string literal as Python's encoder writes it with `ensure_ascii=False`.
pub fn encode_str(s: &str, out: &mut String) {
    rsalt_data::json::encode_str(s, false, out);
}
