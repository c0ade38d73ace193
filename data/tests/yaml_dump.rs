//! Emitter conformance. Expected texts were recorded from Salt 3007.8 (PyYAML 6.0.4 with
//! libyaml) in `yaml_dump_cases.json`: for each value, the output of
//! - `block`: `salt.utils.yaml.safe_dump(v, default_flow_style=False)` (the `yaml` outputter),
//! - `block4`: the same with `indent=4` (`--out-indent=4`),
//! - `flowneg`: `default_flow_style=True, indent=0` (negative `--out-indent`),
//! - `jinja` / `jinja_none`: the Jinja `|yaml` filter (`format_yaml`) with flow style
//!   True / None,
//! - `serialize`: `salt.serializers.yaml.serialize(v)` (`file.serialize`).
//!
//! Values are encoded as `{"t": type, "v": value}` (`od` = OrderedDict, `f` = float repr).

use rsalt_data::yaml::{self, DumpOptions};
use rsalt_data::{dict, Dict, Key, Value};
use serde_json::Value as J;

fn decode(j: &J) -> Value {
    let t = j["t"].as_str().expect("type tag");
    match t {
        "n" => Value::None,
        "b" => Value::Bool(j["v"].as_bool().expect("bool")),
        "i" => Value::Int(j["v"].as_i64().expect("int")),
        "f" => Value::Float(match j["v"].as_str().expect("float text") {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            "nan" => f64::NAN,
            s => s.parse().expect("float"),
        }),
        "s" => Value::Str(j["v"].as_str().expect("str").to_string()),
        "l" => Value::List(
            j["v"]
                .as_array()
                .expect("list")
                .iter()
                .map(decode)
                .collect(),
        ),
        "d" | "od" => {
            let mut d = if t == "od" {
                Dict::ordered()
            } else {
                Dict::new()
            };
            for p in j["v"].as_array().expect("pairs") {
                let k = Key::from_value(&decode(&p[0])).expect("hashable key");
                d.map.insert(k, decode(&p[1]));
            }
            Value::Dict(d)
        }
        other => panic!("unknown type tag {other}"),
    }
}

#[test]
fn dumps_match_salt() {
    let cases: Vec<J> =
        serde_json::from_str(include_str!("yaml_dump_cases.json")).expect("valid case file");
    assert!(cases.len() > 200);
    let mut failures = Vec::new();
    for c in &cases {
        let v = decode(&c["value"]);
        let outs = [
            ("block", yaml::dump(&v, &DumpOptions::outputter(None))),
            ("block4", yaml::dump(&v, &DumpOptions::outputter(Some(4)))),
            ("flowneg", yaml::dump(&v, &DumpOptions::outputter(Some(-1)))),
            ("jinja", yaml::format_yaml(&v, Some(true))),
            ("jinja_none", yaml::format_yaml(&v, None)),
            ("serialize", yaml::serialize(&v)),
        ];
        for (name, got) in outs {
            let want = c[name].as_str().expect("expected text");
            if want != got {
                failures.push(format!(
                    "[{name}] {:?}\n  want {want:?}\n   got {got:?}",
                    c["value"]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn outputter_block_style() {
    let mut grains = Dict::ordered();
    grains.insert("roles", Value::List(vec!["web".into(), "api".into()]));
    grains.insert("os", "Debian".into());
    let v = dict! {"local" => grains, "answer" => "yes"};
    // plain dicts are sorted, OrderedDicts keep their order, lists under keys are indentless
    assert_eq!(
        yaml::dump(&v, &DumpOptions::outputter(None)),
        "answer: 'yes'\nlocal:\n  roles:\n  - web\n  - api\n  os: Debian\n"
    );
    assert_eq!(
        yaml::dump(&v, &DumpOptions::outputter(Some(4))),
        "answer: 'yes'\nlocal:\n    roles:\n    - web\n    - api\n    os: Debian\n"
    );
}

#[test]
fn jinja_filter_and_serializer() {
    let v = dict! {"foo" => true, "bar" => 42i64, "baz" => Value::List(vec![1i64.into(), 2i64.into()]), "qux" => Value::Float(2.0)};
    assert_eq!(
        yaml::format_yaml(&v, Some(true)),
        "{bar: 42, baz: [1, 2], foo: true, qux: 2.0}"
    );
    assert_eq!(
        yaml::format_yaml(&Value::from("hello"), Some(true)),
        "hello"
    );
    // recorded: salt.serializers.yaml.serialize(OrderedDict(...), default_flow_style=False)
    let mut od = Dict::ordered();
    od.insert("z", "café".into());
    od.insert("a", Value::List(vec![1i64.into(), dict! {"b" => 2i64}]));
    assert_eq!(
        yaml::serialize_with(&Value::Dict(od), &DumpOptions::file_serialize()),
        "a:\n- 1\n- b: 2\nz: \"caf\\xE9\""
    );
    assert_eq!(
        yaml::serialize(&dict! {"name" => "café", "list" => Value::List(vec![])}),
        "list: []\nname: \"caf\\xE9\""
    );
}

#[test]
fn scalars_quote_like_pyyaml() {
    let opts = DumpOptions::outputter(None);
    for (s, want) in [
        ("yes", "'yes'\n"),
        ("y", "y\n"),
        ("0644", "'0644'\n"),
        ("", "''\n"),
        ("a: b", "'a: b'\n"),
        ("line1\nline2", "'line1\n\n  line2'\n"),
        ("tab\there", "\"tab\\there\"\n"),
        ("it's", "it's\n"),
    ] {
        assert_eq!(yaml::dump(&Value::from(s), &opts), want, "{s:?}");
    }
    assert_eq!(yaml::dump(&Value::Float(1e16), &opts), "1.0e+16\n");
    assert_eq!(
        yaml::dump(&Value::Float(f64::NEG_INFINITY), &opts),
        "-.inf\n"
    );
}
