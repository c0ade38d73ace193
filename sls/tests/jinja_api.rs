//! API-level tests: options, the `salt` object, in-place mutation through salt
//! functions, `sls_context`, error shapes.

mod jinja_common;

use jinja_common::TestCaller;
use rsalt_data::{dict, Value};
use rsalt_sls::jinja::{render, sls_context, JinjaEnv, JinjaOptions};
use rsalt_sls::{RootsFileClient, SlsError};
use std::sync::Arc;

fn env_with(opts: JinjaOptions) -> JinjaEnv {
    JinjaEnv {
        files: Arc::new(RootsFileClient::new(vec![(
            "base".into(),
            vec![jinja_common::inputs().join("c003/salt")],
        )])),
        caller: Arc::new(TestCaller {
            grains: dict! {"role" => "api"},
            pillar: dict! {"a" => dict! {"b" => "c"}},
            opts: Value::dict(),
        }),
        options: opts,
    }
}

fn r(src: &str) -> Result<String, SlsError> {
    r_opts(src, JinjaOptions::default())
}

fn r_opts(src: &str, opts: JinjaOptions) -> Result<String, SlsError> {
    let mut ctx = sls_context(Some("t"), "t.sls", "base");
    ctx.insert("grains", dict! {"role" => "api"});
    render(&env_with(opts), src, "t.sls", "base", &ctx)
}

fn msg(e: SlsError) -> String {
    e.to_string()
}

#[test]
fn sls_context_matches_salt() {
    let c = sls_context(Some("web.nginx"), "web/nginx/init.sls", "base");
    assert_eq!(c.get("tpldir"), Some(&Value::from("web/nginx")));
    assert_eq!(c.get("tplfile"), Some(&Value::from("web/nginx/init.sls")));
    assert_eq!(c.get("slspath"), Some(&Value::from("web/nginx")));
    assert_eq!(c.get("sls_path"), Some(&Value::from("web_nginx")));
    assert_eq!(c.get("slscolonpath"), Some(&Value::from("web:nginx")));
    assert_eq!(c.get("tpldot"), Some(&Value::from("web.nginx")));
    let top = sls_context(Some("top"), "/srv/salt/top.sls", "dev");
    assert_eq!(top.get("tpldir"), Some(&Value::from(".")));
    assert_eq!(top.get("tplfile"), Some(&Value::from("top.sls")));
    assert_eq!(top.get("slspath"), Some(&Value::from("")));
    assert_eq!(top.get("saltenv"), Some(&Value::from("dev")));
    let plain = sls_context(None, "files/motd", "base");
    assert!(plain.get("tpldir").is_none());
}

#[test]
fn salt_object_forms() {
    assert_eq!(r("{{ salt['pillar.get']('a:b') }}").expect("r"), "c");
    assert_eq!(r("{{ salt.pillar.get('a:b') }}").expect("r"), "c");
    assert_eq!(
        r("{{ 'pillar.get' in salt }} {{ 'nope.x' in salt }}").expect("r"),
        "True False"
    );
    let e = msg(r("{{ salt['test.fail']() }}").expect_err("fails"));
    assert!(
        e.starts_with("Problem running salt function in Jinja template: boom; line 1"),
        "{e}"
    );
}

#[test]
fn defaults_merge_mutates_first_argument() {
    let out = r("{% set a = {'x': {'y': 1}, 'l': [1]} %}{% set n = a.x %}\
{% do salt['defaults.merge'](a, {'x': {'z': 2}, 'l': [2], 'k': 3}) %}{{ a }} {{ n }}")
    .expect("r");
    assert_eq!(
        out,
        "{'x': {'y': 1, 'z': 2}, 'l': [2], 'k': 3} {'y': 1, 'z': 2}"
    );
    // slsutil.merge (recurse) leaves its arguments alone
    let out =
        r("{% set a = {'x': 1} %}{% set m = salt['slsutil.merge'](a, {'y': 2}) %}{{ a }} {{ m }}")
            .expect("r");
    assert_eq!(out, "{'x': 1} {'x': 1, 'y': 2}");
}

#[test]
fn whitespace_options() {
    let src = "{% if true %}\n  x\n{% endif %}\n";
    assert_eq!(r(src).expect("r"), "\n  x\n\n");
    let trimmed = r_opts(
        src,
        JinjaOptions {
            trim_blocks: true,
            lstrip_blocks: true,
            ..Default::default()
        },
    )
    .expect("r");
    // jinja2 drops the final newline before trimming; Salt then adds it back
    assert_eq!(trimmed, "  x\n\n");
    assert_eq!(r("a\n\n").expect("r"), "a\n\n");
    assert_eq!(r("a").expect("r"), "a");
}

#[test]
fn allow_undefined_is_lenient() {
    assert!(r("{{ nope }}").is_err());
    let out = r_opts(
        "[{{ nope }}]",
        JinjaOptions {
            allow_undefined: true,
            ..Default::default()
        },
    )
    .expect("lenient");
    assert_eq!(out, "[]");
}

#[test]
fn errors_name_file_and_line() {
    match r("a\n{{ nope }}\n") {
        Err(SlsError::Render {
            file,
            line,
            message,
        }) => {
            assert_eq!(file, "t.sls");
            assert_eq!(line, Some(2));
            assert!(message.starts_with("Jinja variable 'nope' is undefined; line 2\n\n---\na\n{{ nope }}    <======================\n---"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let e = msg(r("{{ raise('custom problem') }}").expect_err("raise"));
    assert!(e.starts_with("Jinja error: custom problem"), "{e}");
    // an error inside an imported template names that template
    match r("{% from 'lib/macros.jinja' import vhost %}{{ vhost() }}") {
        Ok(s) => panic!("expected error, got {s}"),
        Err(SlsError::Render { message, .. }) => {
            assert!(message.contains("undefined"), "{message}")
        }
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[test]
fn imports_and_macros_across_files() {
    let out = r("{% import 'lib/macros.jinja' as m with context %}{{ m.who() }}").expect("r");
    assert_eq!(out, "api");
    let out =
        r("{% from 'lib/macros.jinja' import vhost %}{{ vhost('x', extra=1)|trim }}").expect("r");
    assert!(out.contains("- extra: [[\"extra\", 1]]"), "{out}");
}
