//! file.comment / file.uncomment / file.keyvalue against behaviour recorded from Salt
//! 3007.8 (oracle_ini/states.json, groups `file_*`), plus hand-written edge cases.

mod file_support;
mod oracle_ini;
use file_support::*;
use rsalt_data::Value;

#[test]
fn file_comment_states_match_recorded_salt() {
    let errors = oracle_ini::replay("file_comment");
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn file_uncomment_states_match_recorded_salt() {
    let errors = oracle_ini::replay("file_uncomment");
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn file_keyvalue_states_match_recorded_salt() {
    let errors = oracle_ini::replay("file_keyvalue");
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn file_edge_cases_match_recorded_salt() {
    let errors = oracle_ini::replay("file_edge");
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// 300 seeded random files and arguments run through Salt's own state functions
/// (oracle_ini/file_edit.json, written by record_file_edit.py).
#[test]
fn file_edits_match_salt_on_random_inputs() {
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("oracle_ini/file_edit.json")).expect("file_edit.json");
    assert!(cases.len() >= 300);
    let mut errors = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let e = Env::new();
        let text = c["text"].as_str().expect("text");
        std::fs::write(e.p("f"), text).expect("write");
        let n = e.s("f");
        let args: Vec<(String, Value)> = c["args"]
            .as_object()
            .expect("args")
            .iter()
            .map(|(k, v)| (k.clone(), oracle_ini::ordered(v)))
            .collect();
        let argrefs: Vec<(&str, Value)> =
            args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let fun = c["fun"].as_str().expect("fun");
        let r = e.run(fun, &n, &argrefs, c["test"].as_bool().unwrap_or(false));
        let ctx = format!("case {i} {fun} {:?} on {text:?}", c["args"]);
        let want = &c["ret"];
        if r.result != want["result"].as_bool() {
            errors.push(format!(
                "{ctx}: result {:?}, want {}",
                r.result, want["result"]
            ));
        }
        let want_comment = want["comment"]
            .as_str()
            .unwrap_or_default()
            .replace("@FILE@", &n);
        if r.comment != want_comment {
            errors.push(format!(
                "{ctx}: comment\n  got:  {:?}\n  want: {want_comment:?}",
                r.comment
            ));
        }
        let got_changes = Value::Dict(r.changes.clone()).to_json().to_string();
        let want_changes = want["changes"].to_string().replace("@FILE@", &n);
        if got_changes != want_changes {
            errors.push(format!(
                "{ctx}: changes\n  got:  {got_changes}\n  want: {want_changes}"
            ));
        }
        if e.read("f") != c["written"].as_str().unwrap_or_default() {
            errors.push(format!(
                "{ctx}: file\n  got:  {:?}\n  want: {:?}",
                e.read("f"),
                c["written"]
            ));
        }
        let mut backups: Vec<String> = std::fs::read_dir(&e.sandbox)
            .expect("readdir")
            .flatten()
            .filter_map(|d| {
                d.file_name()
                    .to_str()
                    .and_then(|s| s.strip_prefix('f'))
                    .map(str::to_string)
            })
            .filter(|s| !s.is_empty())
            .collect();
        backups.sort();
        let want_backups: Vec<String> = c["backup"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|b| b.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if backups != want_backups {
            errors.push(format!("{ctx}: backups {backups:?}, want {want_backups:?}"));
        }
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn comment_keeps_mode_and_backs_up_the_original() {
    use std::os::unix::fs::PermissionsExt;
    let e = Env::new();
    e.seed("f.conf", "a = 1\nb = 2\n");
    std::fs::set_permissions(e.p("f.conf"), std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let n = e.s("f.conf");
    let r = e.run("file.comment", &n, &[("regex", s("^b = "))], true);
    assert_eq!(r.result, None);
    assert!(!e.p("f.conf.bak").exists());
    assert_eq!(e.read("f.conf"), "a = 1\nb = 2\n");
    let r = e.run("file.comment", &n, &[("regex", s("^b = "))], false);
    assert_eq!(r.result, Some(true), "{}", r.comment);
    assert_eq!(e.read("f.conf"), "a = 1\n#b = 2\n");
    assert_eq!(e.read("f.conf.bak"), "a = 1\nb = 2\n");
    assert_eq!(e.mode("f.conf"), "0640");
    let r = e.run(
        "file.uncomment",
        &n,
        &[("regex", s("b = ")), ("backup", Value::Bool(false))],
        false,
    );
    assert_eq!(r.comment, "Uncommented lines successfully");
    assert_eq!(e.read("f.conf"), "a = 1\nb = 2\n");
    assert_eq!(e.read("f.conf.bak"), "a = 1\nb = 2\n");
}

/// `^(?!\s*#)\s*regex` needs a lookahead; top-level alternatives match anywhere.
#[test]
fn comment_search_lookahead_and_alternation() {
    let e = Env::new();
    e.seed("f", "  # foo\nbar\n");
    let n = e.s("f");
    // Checked against Salt 3007.8: "# foo" is commented, but "#foo" is not in the file.
    let r = e.run("file.comment", &n, &[("regex", s("^foo"))], true);
    assert_eq!(r.comment, "foo: Pattern not found");
    let r = e.run("file.comment", &n, &[("regex", s("^foo|bar"))], true);
    assert_eq!(r.result, None);
    let r = e.run("file.comment", &n, &[("regex", s("^(foo|bar)"))], false);
    assert_eq!(r.comment, "Commented lines successfully");
    assert_eq!(e.read("f"), "  # foo\n#bar\n");
}

#[test]
fn comment_refuses_binary_files() {
    let e = Env::new();
    std::fs::write(e.p("bin"), b"\x00\x01foo\n").expect("write");
    let r = e.run("file.comment", &e.s("bin"), &[("regex", s("^foo"))], false);
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        format!(
            "An exception occurred in this state: SaltInvocationError: Cannot perform string replacements on a binary file: {}",
            e.s("bin")
        )
    );
}

#[test]
fn keyvalue_bad_input() {
    let e = Env::new();
    e.seed("f", "a=1\r\nb=2\r\n");
    let n = e.s("f");
    // A plain dict (not from YAML) combined with key/value is refused, as in Salt.
    let mut plain = rsalt_data::Dict::new();
    plain.insert("c", s("d"));
    let r = e.run(
        "file.keyvalue",
        &n,
        &[
            ("key", s("a")),
            ("value", s("2")),
            ("key_values", Value::Dict(plain)),
        ],
        false,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "file.keyvalue can not combine key_values with key and value"
    );
    let mut intkey = rsalt_data::Dict::new();
    intkey.map.insert(rsalt_data::Key::Int(1), s("x"));
    let r = e.run(
        "file.keyvalue",
        &n,
        &[("key_values", Value::Dict(intkey))],
        false,
    );
    assert_eq!(r.result, Some(false));
    assert!(r.comment.contains("TypeError"), "{}", r.comment);
    let r = e.run(
        "file.keyvalue",
        &n,
        &[("key", s("a")), ("value", s("1")), ("count", s("x"))],
        false,
    );
    assert_eq!(r.result, Some(false));
    // CRLF lines: the value is compared stripped; a changed line is written with "\n".
    let r = e.run(
        "file.keyvalue",
        &n,
        &[("key", s("a")), ("value", s("1"))],
        false,
    );
    assert_eq!((r.result, r.comment.as_str()), (Some(true), ""));
    let r = e.run(
        "file.keyvalue",
        &n,
        &[("key", s("b")), ("value", s("3"))],
        false,
    );
    assert_eq!(r.comment, "Changed 1 lines");
    assert_eq!(e.read("f"), "a=1\r\nb=3\n");
}
