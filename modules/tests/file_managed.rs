//! file.managed against recorded Salt 3007.8 behaviour (corpus 014, 015, 042, 043).

mod file_support;
use file_support::*;
use rsalt_data::Value;

#[test]
fn contents_new_then_idempotent() {
    let e = Env::new();
    let n = e.s("a/b/c/deep.txt");
    let args = [
        ("makedirs", Value::Bool(true)),
        ("contents", s("deep")),
        ("mode", s("0600")),
    ];
    let r = e.run("file.managed", &n, &args, true);
    assert_eq!(r.result, None);
    assert_eq!(changes(&r), format!(r#"{{"newfile":"{n}"}}"#));
    assert!(!e.p("a").exists(), "test mode touched nothing");

    let r = e.run("file.managed", &n, &args, false);
    assert_eq!(r.result, Some(true), "{}", r.comment);
    assert_eq!(changes(&r), r#"{"diff":"New file"}"#);
    assert_eq!(r.comment, format!("File {n} updated"));
    assert_eq!(e.read("a/b/c/deep.txt"), "deep\n");
    assert_eq!(e.mode("a/b/c/deep.txt"), "0600");
    assert_eq!(e.mode("a"), "0700");
    assert_eq!(e.mode("a/b/c"), "0700");

    let r = e.run("file.managed", &n, &args, false);
    assert_eq!(changes(&r), "{}");
    assert_eq!(r.comment, format!("File {n} is in the correct state"));
    let r = e.run("file.managed", &n, &args, true);
    assert_eq!(r.result, Some(true));
    assert_eq!(r.comment, format!("The file {n} is in the correct state"));
}

#[test]
fn modes_reported_like_salt() {
    let e = Env::new();
    for (f, mode, expect) in [
        ("m1", Value::Int(640), Some("0640")),
        ("m2", s("0600"), None),
        ("m3", Value::Int(755), Some("0755")),
        ("m4", s("440"), Some("0440")),
    ] {
        let r = e.run(
            "file.managed",
            &e.s(f),
            &[("contents", s("x")), ("mode", mode)],
            false,
        );
        assert_eq!(r.result, Some(true));
        assert_eq!(r.changes.get("mode").and_then(Value::as_str), expect, "{f}");
        assert_eq!(e.mode(f), format!("0{}", &expect.unwrap_or("0600")[1..]));
    }
}

#[test]
fn overwrite_diff_and_replace_false() {
    let e = Env::new();
    e.seed("etc/overwrite.conf", "line one\nold line\nline three\n");
    e.seed("etc/keep.conf", "keep me\n");
    let n = e.s("etc/overwrite.conf");
    let args = [("contents", s("line one\nnew line\nline three\n"))];
    let r = e.run("file.managed", &n, &args, true);
    assert_eq!(r.result, None);
    assert_eq!(
        changes(&r),
        r#"{"diff":"--- \n+++ \n@@ -1,3 +1,3 @@\n line one\n-old line\n+new line\n line three\n"}"#
    );
    assert_eq!(
        e.read("etc/overwrite.conf"),
        "line one\nold line\nline three\n"
    );
    let r = e.run("file.managed", &n, &args, false);
    assert_eq!(
        changes(&r),
        r#"{"diff":"--- \n+++ \n@@ -1,3 +1,3 @@\n line one\n-old line\n+new line\n line three\n"}"#
    );
    assert_eq!(
        e.read("etc/overwrite.conf"),
        "line one\nnew line\nline three\n"
    );

    let k = e.s("etc/keep.conf");
    let r = e.run(
        "file.managed",
        &k,
        &[
            ("contents", s("would replace")),
            ("replace", Value::Bool(false)),
        ],
        false,
    );
    assert_eq!(changes(&r), "{}");
    assert_eq!(
        r.comment,
        format!("File {k} exists with proper permissions. No changes made.")
    );
    assert_eq!(e.read("etc/keep.conf"), "keep me\n");
}

#[test]
fn empty_file_and_missing_parent() {
    let e = Env::new();
    let n = e.s("empty");
    let r = e.run("file.managed", &n, &[], false);
    assert_eq!(changes(&r), format!(r#"{{"new":"file {n} created"}}"#));
    assert_eq!(r.comment, "Empty file");
    let r = e.run("file.managed", &n, &[], false);
    assert_eq!(
        r.comment,
        format!("File {n} exists with proper permissions. No changes made.")
    );

    let m = e.s("nodir/file.txt");
    let r = e.run("file.managed", &m, &[("contents", s("x"))], false);
    assert_eq!(r.result, Some(false));
    assert_eq!(r.comment, "Parent directory not present");
    assert_eq!(changes(&r), "{}");
}

#[test]
fn contents_newline_rules() {
    let e = Env::new();
    for (f, c, want) in [
        ("strip", s("no trailing newline"), "no trailing newline\n"),
        ("keep", s("keep trailing\n\n"), "keep trailing\n\n"),
        ("list", list(&["line a", "line b"]), "line a\nline b\n"),
        ("int", Value::Int(5), "5\n"),
    ] {
        let r = e.run("file.managed", &e.s(f), &[("contents", c)], false);
        assert_eq!(r.result, Some(true), "{f}: {}", r.comment);
        assert_eq!(e.read(f), want, "{f}");
        assert_eq!(e.mode(f), "0644");
    }
    let r = e.run(
        "file.managed",
        &e.s("nonl"),
        &[
            ("contents", s("a\n")),
            ("contents_newline", Value::Bool(false)),
        ],
        false,
    );
    assert_eq!(r.result, Some(true));
    assert_eq!(e.read("nonl"), "a");
}

#[test]
fn source_copy_and_list_fallback() {
    let e = Env::new();
    e.salt_file("motd/files/static.txt", "static {{ not rendered }}\n");
    let n = e.s("static.txt");
    let r = e.run(
        "file.managed",
        &n,
        &[("source", s("salt://motd/files/static.txt"))],
        false,
    );
    assert_eq!(changes(&r), r#"{"diff":"New file","mode":"0644"}"#);
    assert_eq!(e.read("static.txt"), "static {{ not rendered }}\n");
    let r = e.run(
        "file.managed",
        &n,
        &[("source", s("salt://motd/files/static.txt"))],
        false,
    );
    assert_eq!(changes(&r), "{}");

    let r = e.run(
        "file.managed",
        &e.s("fb"),
        &[(
            "source",
            list(&["salt://nope.txt", "salt://motd/files/static.txt"]),
        )],
        false,
    );
    assert_eq!(r.result, Some(true), "{}", r.comment);
    let r = e.run(
        "file.managed",
        &e.s("none"),
        &[("source", list(&["salt://a", "salt://b"]))],
        false,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "Unable to manage file: none of the specified sources were found"
    );
    let r = e.run(
        "file.managed",
        &e.s("none"),
        &[("source", s("salt://missing.txt"))],
        false,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "Source file salt://missing.txt not found in saltenv 'base'"
    );
}

#[test]
fn template_source_defaults_and_context() {
    let e = Env::new();
    if !jinja_works(&e) {
        return;
    }
    e.salt_file("t.j2", "a={{ a }} b={{ b }} src={{ source }}\n");
    let r = e.run(
        "file.managed",
        &e.s("t"),
        &[
            ("source", s("salt://t.j2")),
            ("template", s("jinja")),
            (
                "defaults",
                dict(&[("a", Value::Int(1)), ("b", Value::Int(2))]),
            ),
            ("context", dict(&[("b", Value::Int(3))])),
        ],
        false,
    );
    assert_eq!(r.result, Some(true), "{}", r.comment);
    assert_eq!(e.read("t"), "a=1 b=3 src=salt://t.j2\n");
}

#[test]
fn bad_arguments_fail_cleanly() {
    let e = Env::new();
    let r = e.run(
        "file.managed",
        "relative/path",
        &[("contents", s("x"))],
        false,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "Specified file relative/path is not an absolute path"
    );
    let r = e.run(
        "file.managed",
        &e.s("x"),
        &[("contents", s("x")), ("source", s("salt://x"))],
        false,
    );
    assert_eq!(r.result, Some(false));
    let r = e.run("file.managed", &e.s(""), &[("contents", s("x"))], false);
    assert_eq!(r.result, Some(false));
    assert!(r.comment.contains("is a directory"));
    let r = e.run(
        "file.managed",
        &e.s("u"),
        &[("contents", s("x")), ("user", s("no-such-user-xyz"))],
        false,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(r.comment, "User no-such-user-xyz is not available ");
    let r = e.run(
        "file.managed",
        &e.s("m"),
        &[("contents", s("x")), ("mode", s("abc"))],
        false,
    );
    assert_eq!(r.result, Some(false));
    let r = e.run(
        "file.managed",
        &e.s("c"),
        &[("contents", s("x")), ("context", s("nope"))],
        false,
    );
    assert_eq!(r.comment, "Context must be formed as a dict");
}

#[test]
fn check_cmd_failure_leaves_file() {
    let e = Env::new();
    e.seed("cc", "old\n");
    let r = e.run(
        "file.managed",
        &e.s("cc"),
        &[("contents", s("new")), ("check_cmd", s("false"))],
        false,
    );
    assert_eq!(r.result, Some(false));
    assert!(r.comment.starts_with("check_cmd execution failed"));
    assert_eq!(e.read("cc"), "old\n");
    let r = e.run(
        "file.managed",
        &e.s("cc"),
        &[("contents", s("new")), ("check_cmd", s("true"))],
        false,
    );
    assert_eq!(r.result, Some(true));
    assert_eq!(e.read("cc"), "new\n");
}
