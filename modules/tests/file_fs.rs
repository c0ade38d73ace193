//! file.directory / symlink / absent / touch / copy (corpus 044, 047).

mod file_support;
use file_support::*;
use rsalt_data::Value;

#[test]
fn directory_makedirs_mode_then_correct() {
    let e = Env::new();
    let n = e.s("data/nested/leaf");
    let args = [("makedirs", Value::Bool(true)), ("mode", s("0750"))];
    let r = e.run("file.directory", &n, &args, true);
    assert_eq!(r.result, None);
    assert!(!e.p("data").exists());
    let r = e.run("file.directory", &n, &args, false);
    assert_eq!(r.result, Some(true), "{}", r.comment);
    assert_eq!(changes(&r), format!(r#"{{"{n}":{{"directory":"new"}}}}"#));
    assert_eq!(r.comment, "");
    for d in ["data", "data/nested", "data/nested/leaf"] {
        assert_eq!(e.mode(d), "0750", "{d}");
    }
    let r = e.run("file.directory", &n, &args, false);
    assert_eq!(changes(&r), "{}");
    assert_eq!(
        r.comment,
        format!("The directory {n} is in the correct state")
    );

    let r = e.run("file.directory", &e.s("x/y"), &[], false);
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        format!("No directory to create {} in", e.s("x/y"))
    );
}

#[test]
fn directory_recurse_mode_and_clean() {
    let e = Env::new();
    e.seed("d/sub/f", "x\n");
    let n = e.s("d");
    let r = e.run(
        "file.directory",
        &n,
        &[("mode", Value::Int(750)), ("recurse", list(&["mode"]))],
        false,
    );
    assert_eq!(
        changes(&r),
        format!(
            r#"{{"{n}/sub":{{"mode":"0750"}},"{n}/sub/f":{{"mode":"0750"}},"{n}":{{"mode":"0750"}},"mode":"0750"}}"#
        )
    );
    assert_eq!(r.comment, format!("Directory {n} updated"));
    assert_eq!(e.mode("d/sub/f"), "0750");

    e.seed("cleanme/wanted.txt", "keep\n");
    e.seed("cleanme/junk.txt", "junk\n");
    let c = e.s("cleanme");
    let req = Value::List(vec![dict(&[("file", s(&e.s("cleanme/wanted.txt")))])]);
    let args = [("clean", Value::Bool(true)), ("require", req)];
    let r = e.run("file.directory", &c, &args, true);
    assert_eq!(r.result, None);
    assert!(e.p("cleanme/junk.txt").exists());
    let r = e.run("file.directory", &c, &args, false);
    assert_eq!(
        changes(&r),
        format!(
            r#"{{"{c}/junk.txt":{{"removed":"Removed due to clean"}},"removed":["{c}/junk.txt"]}}"#
        )
    );
    assert_eq!(r.comment, format!("Files cleaned from directory {c}"));
    assert!(!e.p("cleanme/junk.txt").exists());
    assert!(e.p("cleanme/wanted.txt").exists());
    let r = e.run("file.directory", &c, &args, false);
    assert_eq!(changes(&r), "{}");
}

#[test]
fn symlink_create_and_present() {
    let e = Env::new();
    std::fs::create_dir_all(e.p("data")).expect("mkdir");
    let n = e.s("links/rel");
    let args = [("target", s("../data")), ("makedirs", Value::Bool(true))];
    let r = e.run("file.symlink", &n, &args, true);
    assert_eq!(r.result, None);
    assert_eq!(changes(&r), format!(r#"{{"new":"{n}"}}"#));
    assert!(!e.p("links").exists());
    let r = e.run("file.symlink", &n, &args, false);
    assert_eq!(changes(&r), format!(r#"{{"new":"{n}"}}"#));
    assert!(r
        .comment
        .starts_with(&format!("Created new symlink {n} -> ../data")));
    assert_eq!(
        std::fs::read_link(e.p("links/rel"))
            .expect("link")
            .display()
            .to_string(),
        "../data"
    );
    assert_eq!(e.mode("links"), "0755");
    let r = e.run("file.symlink", &n, &args, false);
    assert_eq!(changes(&r), "{}");
    assert!(
        r.comment
            .starts_with(&format!("Symlink {n} is present and owned by"))
            || r.result == Some(false)
    );

    e.seed("blocker", "x");
    let r = e.run(
        "file.symlink",
        &e.s("blocker"),
        &[("target", s("/tmp"))],
        false,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        format!("File exists where the symlink {} should be", e.s("blocker"))
    );
}

#[test]
fn absent_file_dir_missing() {
    let e = Env::new();
    e.seed("old/sub/file.txt", "x");
    e.seed("obsolete.txt", "y");
    let d = e.s("old");
    let r = e.run("file.absent", &d, &[], true);
    assert_eq!(r.result, None);
    assert_eq!(r.comment, format!("Directory {d} is set for removal"));
    assert!(e.p("old").exists());
    let r = e.run("file.absent", &d, &[], false);
    assert_eq!(changes(&r), format!(r#"{{"removed":"{d}"}}"#));
    assert_eq!(r.comment, format!("Removed directory {d}"));
    let f = e.s("obsolete.txt");
    let r = e.run("file.absent", &f, &[], false);
    assert_eq!(r.comment, format!("Removed file {f}"));
    let r = e.run("file.absent", &f, &[], false);
    assert_eq!(changes(&r), "{}");
    assert_eq!(r.comment, format!("File {f} is not present"));
    let r = e.run("file.absent", "/", &[], false);
    assert_eq!(r.result, Some(false));
}

#[test]
fn touch_is_not_idempotent() {
    let e = Env::new();
    let n = e.s("stamp");
    let r = e.run("file.touch", &n, &[], false);
    assert_eq!(changes(&r), format!(r#"{{"new":"{n}"}}"#));
    assert_eq!(r.comment, format!("Created empty file {n}"));
    assert_eq!(e.mode("stamp"), "0644");
    let r = e.run("file.touch", &n, &[], false);
    assert_eq!(changes(&r), format!(r#"{{"touched":"{n}"}}"#));
    assert_eq!(r.comment, format!("Updated times on file {n}"));
    let r = e.run("file.touch", &e.s("no/dir/x"), &[], false);
    assert_eq!(r.result, Some(false));
}

#[test]
fn copy_then_not_overwritten() {
    let e = Env::new();
    e.seed("source.txt", "original\n");
    let n = e.s("copy.txt");
    let src = e.s("source.txt");
    let r = e.run("file.copy", &n, &[("source", s(&src))], true);
    assert_eq!(r.result, None);
    assert!(!e.p("copy.txt").exists());
    let r = e.run("file.copy", &n, &[("source", s(&src))], false);
    assert_eq!(r.result, Some(true), "{}", r.comment);
    assert_eq!(changes(&r), format!(r#"{{"{n}":"{src}"}}"#));
    assert_eq!(r.comment, format!("Copied \"{src}\" to \"{n}\""));
    assert_eq!(e.read("copy.txt"), "original\n");
    let r = e.run("file.copy", &n, &[("source", s(&src))], false);
    assert_eq!(changes(&r), "{}");
    assert_eq!(
        r.comment,
        format!("The target file \"{n}\" exists and will not be overwritten")
    );
    let r = e.run("file.copy", &n, &[("source", s("/nonexistent/x"))], false);
    assert_eq!(r.result, Some(false));
}

#[test]
fn recurse_tree_then_correct() {
    let e = Env::new();
    e.salt_file("site/htdocs/style.css", "body { color: red; }\n");
    e.salt_file("site/htdocs/img/logo.txt", "not really a png\n");
    e.salt_file("site/htdocs/index.html", "<h1>x</h1>\n");
    let n = e.s("www");
    let args = [
        ("source", s("salt://site/htdocs")),
        ("file_mode", s("0640")),
        ("dir_mode", s("0750")),
        ("include_empty", Value::Bool(true)),
    ];
    let r = e.run("file.recurse", &n, &args, false);
    assert_eq!(r.result, Some(true), "{}", r.comment);
    assert_eq!(
        changes(&r),
        format!(
            r#"{{"{n}/img":{{"{n}/img":{{"directory":"new"}}}},"{n}/img/logo.txt":{{"diff":"New file","mode":"0640"}},"{n}/index.html":{{"diff":"New file","mode":"0640"}},"{n}/style.css":{{"diff":"New file","mode":"0640"}}}}"#
        )
    );
    assert_eq!(r.comment, format!("Recursively updated {n}"));
    assert_eq!(e.mode("www"), "0750");
    assert_eq!(e.mode("www/img"), "0750");
    assert_eq!(e.mode("www/style.css"), "0640");
    let r = e.run("file.recurse", &n, &args, false);
    assert_eq!(changes(&r), "{}");
    assert_eq!(
        r.comment,
        format!("The directory {n} is in the correct state")
    );
    let r = e.run("file.recurse", &n, &[("source", s("salt://nope"))], false);
    assert_eq!(r.result, Some(false));
}

#[test]
fn serialize_json_and_yaml() {
    let e = Env::new();
    let data = dict(&[
        ("name", s("metrics")),
        (
            "ports",
            Value::List(vec![Value::Int(9090), Value::Int(9091)]),
        ),
        ("tls", Value::Bool(true)),
        ("labels", dict(&[("team", s("obs")), ("tier", s("2"))])),
    ]);
    let n = e.s("svc.json");
    let args = [("dataset", data.clone()), ("serializer", s("json"))];
    let r = e.run("file.serialize", &n, &args, false);
    assert_eq!(changes(&r), r#"{"diff":"New file"}"#);
    assert_eq!(r.comment, format!("File {n} updated"));
    assert_eq!(
        e.read("svc.json"),
        "{\n  \"labels\": {\n    \"team\": \"obs\",\n    \"tier\": \"2\"\n  },\n  \"name\": \"metrics\",\n  \"ports\": [\n    9090,\n    9091\n  ],\n  \"tls\": true\n}\n"
    );
    let r = e.run("file.serialize", &n, &args, false);
    assert_eq!(changes(&r), "{}");
    assert_eq!(r.comment, format!("File {n} is in the correct state"));
    let r = e.run("file.serialize", &n, &[("serializer", s("json"))], false);
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "Neither 'dataset' nor 'dataset_pillar' was defined"
    );
}
