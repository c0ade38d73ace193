//! The ini file model against Salt's own `_Ini` on 300 seeded random files
//! (oracle_ini/parse.json, written by record_parse.py): parsed dict, update changes and
//! the rewritten bytes.

use rsalt_data::Value;
use rsalt_modules::exec::ini::{IniFile, IniOpts, Input};
use std::collections::BTreeMap;

fn sorted(v: &serde_json::Value) -> String {
    fn go(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let b: BTreeMap<_, _> = m.iter().map(|(k, v)| (k.clone(), go(v))).collect();
                serde_json::Value::Object(b.into_iter().collect())
            }
            other => other.clone(),
        }
    }
    go(v).to_string()
}

#[test]
fn ini_model_matches_salt_on_random_files() {
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("oracle_ini/parse.json")).expect("parse.json");
    assert!(cases.len() >= 300);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.ini");
    let mut errors = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let text = c["text"].as_str().expect("text");
        std::fs::write(&path, text).expect("write");
        let o = IniOpts {
            separator: c["separator"].as_str().expect("sep").to_string(),
            no_spaces: c["no_spaces"].as_bool().unwrap_or(false),
            ..IniOpts::default()
        };
        let plain = IniOpts {
            no_spaces: false,
            ..o.clone()
        };
        let parsed = IniFile::load(&path, &plain)
            .expect("load")
            .to_value()
            .to_json();
        // Order matters here: it is the order the file is written in.
        if parsed != c["get_ini"] {
            errors.push(format!(
                "case {i} get_ini\n  got:  {parsed}\n  want: {}",
                c["get_ini"]
            ));
        }
        let mut ini = IniFile::load(&path, &o).expect("load");
        let upd = match Input::from_value(&Value::from_json(&c["update"])) {
            Input::Dict(e) => e,
            Input::Str(_) => panic!("update is a dict"),
        };
        let changes = Value::Dict(ini.root.update(upd).expect("update")).to_json();
        if sorted(&changes) != sorted(&c["changes"]) {
            errors.push(format!(
                "case {i} changes\n  got:  {changes}\n  want: {}",
                c["changes"]
            ));
        }
        let written = ini.render();
        if written != c["written"].as_str().expect("written") {
            errors.push(format!(
                "case {i} ({text:?}, sep {:?})\n  got:  {written:?}\n  want: {:?}",
                o.separator, c["written"]
            ));
        }
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
