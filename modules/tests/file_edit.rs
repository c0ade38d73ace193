//! file.replace / append / prepend / line / blockreplace (corpus 045, 046).

mod file_support;
use file_support::*;
use rsalt_data::Value;

#[test]
fn replace_sequence_like_salt() {
    let e = Env::new();
    e.seed(
        "sshd_config",
        "# sample\nPort 22\nPermitRootLogin yes\nPasswordAuthentication yes\n#UseDNS no\n",
    );
    let n = e.s("sshd_config");
    let root = [
        ("pattern", s(r"^PermitRootLogin\s+\S+")),
        ("repl", s("PermitRootLogin no")),
    ];
    let r = e.run("file.replace", &n, &root, true);
    assert_eq!(r.result, None);
    assert_eq!(r.comment, "Changes would have been made");
    assert!(!e.p("sshd_config.bak").exists());
    let r = e.run("file.replace", &n, &root, false);
    assert_eq!(
        changes(&r),
        r#"{"diff":"--- \n+++ \n@@ -1,5 +1,5 @@\n # sample\n Port 22\n-PermitRootLogin yes\n+PermitRootLogin no\n PasswordAuthentication yes\n #UseDNS no\n"}"#
    );
    assert_eq!(r.comment, "Changes were made");
    let r = e.run(
        "file.replace",
        &n,
        &[("pattern", s(r"^(Port)\s+\d+$")), ("repl", s(r"\1 2222"))],
        false,
    );
    assert!(
        changes(&r).contains(r#"-Port 22\n+Port 2222\n"#),
        "{}",
        changes(&r)
    );
    let r = e.run(
        "file.replace",
        &n,
        &[("pattern", s("^#?UseDNS.*$")), ("repl", s("UseDNS no"))],
        false,
    );
    assert_eq!(
        changes(&r),
        r#"{"diff":"--- \n+++ \n@@ -2,4 +2,4 @@\n Port 2222\n PermitRootLogin no\n PasswordAuthentication yes\n-#UseDNS no\n+UseDNS no\n"}"#
    );
    let banner = [
        ("pattern", s("^Banner .*$")),
        ("repl", s("Banner /etc/issue.net")),
        ("append_if_not_found", Value::Bool(true)),
    ];
    let r = e.run("file.replace", &n, &banner, false);
    assert_eq!(
        changes(&r),
        r#"{"diff":"--- \n+++ \n@@ -3,3 +3,4 @@\n PermitRootLogin no\n PasswordAuthentication yes\n UseDNS no\n+Banner /etc/issue.net\n"}"#
    );
    assert_eq!(e.read("sshd_config"), "# sample\nPort 2222\nPermitRootLogin no\nPasswordAuthentication yes\nUseDNS no\nBanner /etc/issue.net\n");
    assert_eq!(
        e.read("sshd_config.bak"),
        "# sample\nPort 2222\nPermitRootLogin no\nPasswordAuthentication yes\nUseDNS no\n"
    );
    let r = e.run("file.replace", &n, &banner, false);
    assert_eq!(changes(&r), "{}");
    assert_eq!(r.comment, "No changes needed to be made");
    let r = e.run("file.replace", &e.s("missing"), &banner, false);
    assert_eq!(r.result, Some(false));
    assert_eq!(r.comment, format!("{}: file not found", e.s("missing")));
    let r = e.run(
        "file.replace",
        &n,
        &[("pattern", s("(unclosed")), ("repl", s("x"))],
        false,
    );
    assert_eq!(r.result, Some(false));
}

#[test]
fn append_with_doubled_newline_diff() {
    let e = Env::new();
    e.seed("profile", "export PATH=/usr/bin\n");
    let n = e.s("profile");
    let args = [("text", list(&["export EDITOR=vim", "export PATH=/usr/bin"]))];
    let r = e.run("file.append", &n, &args, true);
    assert_eq!(r.result, None);
    assert_eq!(e.read("profile"), "export PATH=/usr/bin\n");
    let r = e.run("file.append", &n, &args, false);
    assert_eq!(
        changes(&r),
        r#"{"diff":"--- \n\n+++ \n\n@@ -1 +1,2 @@\n\n export PATH=/usr/bin\n+export EDITOR=vim"}"#
    );
    assert_eq!(r.comment, "Appended 1 lines");
    assert_eq!(
        e.read("profile"),
        "export PATH=/usr/bin\nexport EDITOR=vim\n"
    );
    let r = e.run("file.append", &n, &args, false);
    assert_eq!(changes(&r), "{}");
    assert_eq!(r.comment, format!("File {n} is in correct state"));

    let r = e.run("file.prepend", &n, &[("text", s("# head"))], false);
    assert_eq!(r.comment, "Prepended 1 lines");
    assert!(e.read("profile").starts_with("# head\n"));
    let r = e.run("file.prepend", &n, &[("text", s("# head"))], false);
    assert_eq!(changes(&r), "{}");
}

#[test]
fn line_ensure_replace_delete() {
    let e = Env::new();
    e.seed(
        "limits.conf",
        "* soft nofile 1024\n* hard nofile 4096\n# end\n",
    );
    let n = e.s("limits.conf");
    let ensure = [
        ("content", s("* soft nproc 2048")),
        ("mode", s("ensure")),
        ("after", s(r"\* hard nofile 4096")),
    ];
    let r = e.run("file.line", &n, &ensure, true);
    assert_eq!(r.result, None);
    assert_eq!(r.comment, "Changes would be made");
    let r = e.run("file.line", &n, &ensure, false);
    assert_eq!(
        changes(&r),
        r#"{"diff":"--- \n+++ \n@@ -1,3 +1,4 @@\n * soft nofile 1024\n * hard nofile 4096\n+* soft nproc 2048\n # end\n"}"#
    );
    let rep = [
        ("match", s(r"^\* soft nofile")),
        ("content", s("* soft nofile 65536")),
        ("mode", s("replace")),
    ];
    let r = e.run("file.line", &n, &rep, false);
    assert_eq!(
        changes(&r),
        r#"{"diff":"--- \n+++ \n@@ -1,4 +1,4 @@\n-* soft nofile 1024\n+* soft nofile 65536\n * hard nofile 4096\n * soft nproc 2048\n # end\n"}"#
    );
    let del = [("content", s("# end")), ("mode", s("delete"))];
    let r = e.run("file.line", &n, &del, false);
    assert_eq!(r.comment, "Changes were made");
    assert_eq!(
        e.read("limits.conf"),
        "* soft nofile 65536\n* hard nofile 4096\n* soft nproc 2048\n"
    );
    for a in [&ensure[..], &rep[..], &del[..]] {
        let r = e.run("file.line", &n, a, false);
        assert_eq!(changes(&r), "{}");
        assert_eq!(r.comment, "No changes needed to be made");
    }
    // Known Salt 3007 behaviour: insert at start is not idempotent.
    let ins = [
        ("content", s("first")),
        ("mode", s("insert")),
        ("location", s("start")),
    ];
    e.run("file.line", &n, &ins, false);
    let r = e.run("file.line", &n, &ins, false);
    assert_eq!(r.comment, "Changes were made");
    assert!(e.read("limits.conf").starts_with("first\nfirst\n"));
    let r = e.run("file.line", &n, &[("content", s("x"))], false);
    assert_eq!(r.result, Some(false));
    assert_eq!(r.comment, "Mode was not defined. How to process the file?");
}

#[test]
fn blockreplace_replace_and_append() {
    let e = Env::new();
    e.seed("hosts", "127.0.0.1 localhost\n# BEGIN managed hosts\n10.0.0.1 stale\n# END managed hosts\n::1 localhost6\n");
    e.seed("bashrc", "alias ll=\"ls -l\"\n");
    let hosts = [
        ("marker_start", s("# BEGIN managed hosts")),
        ("marker_end", s("# END managed hosts")),
        ("content", s("10.0.0.5 db\n10.0.0.6 cache\n")),
        ("backup", Value::Bool(false)),
    ];
    let n = e.s("hosts");
    let r = e.run("file.blockreplace", &n, &hosts, true);
    assert_eq!(r.result, None);
    let r = e.run("file.blockreplace", &n, &hosts, false);
    assert_eq!(
        changes(&r),
        r#"{"diff":"--- \n+++ \n@@ -1,5 +1,6 @@\n 127.0.0.1 localhost\n # BEGIN managed hosts\n-10.0.0.1 stale\n+10.0.0.5 db\n+10.0.0.6 cache\n # END managed hosts\n ::1 localhost6\n"}"#
    );
    let r = e.run("file.blockreplace", &n, &hosts, false);
    assert_eq!(r.comment, "No changes needed to be made");
    assert!(!e.p("hosts.bak").exists());

    let b = e.s("bashrc");
    let bash = [
        ("marker_start", s("# >>> salt >>>")),
        ("marker_end", s("# <<< salt <<<")),
        ("content", s("export HISTSIZE=5000")),
        ("append_if_not_found", Value::Bool(true)),
        ("backup", Value::Bool(false)),
    ];
    let r = e.run("file.blockreplace", &b, &bash, false);
    assert_eq!(
        changes(&r),
        r#"{"diff":"--- \n+++ \n@@ -1 +1,4 @@\n alias ll=\"ls -l\"\n+# >>> salt >>>\n+export HISTSIZE=5000\n+# <<< salt <<<\n"}"#
    );
    let r = e.run("file.blockreplace", &b, &bash, false);
    assert_eq!(changes(&r), "{}");
    let r = e.run("file.blockreplace", &b, &[("content", s("x"))], false);
    assert_eq!(r.result, Some(false));
    assert!(
        r.comment.contains("Markers were not found"),
        "{}",
        r.comment
    );
}

#[test]
fn accumulated_feeds_blockreplace() {
    let e = Env::new();
    e.seed("acc", "# BEGIN\n# END\n");
    let n = e.s("acc");
    let r = e.run(
        "file.accumulated",
        "acc-a",
        &[("filename", s(&n)), ("text", s("line one"))],
        false,
    );
    assert_eq!(r.result, Some(false));
    assert!(r.comment.starts_with("Orphaned accumulator acc-a"));
    let req = Value::List(vec![dict(&[("file", s("blk"))])]);
    let r = e.run(
        "file.accumulated",
        "acc-a",
        &[
            ("filename", s(&n)),
            ("text", s("line one")),
            ("require_in", req),
        ],
        false,
    );
    assert_eq!(r.result, Some(true));
    assert_eq!(
        r.comment,
        format!("Accumulator acc-a for file {n} was charged by text")
    );
    let r = e.run(
        "file.blockreplace",
        &n,
        &[
            ("marker_start", s("# BEGIN")),
            ("marker_end", s("# END")),
            ("backup", Value::Bool(false)),
        ],
        false,
    );
    rsalt_modules::state::file::accumulated::clear();
    assert_eq!(r.result, Some(true), "{}", r.comment);
    assert_eq!(e.read("acc"), "# BEGIN\nline one\n# END\n");
}
