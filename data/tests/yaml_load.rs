//! Loader conformance: expected values were recorded from Salt 3007.8 (PyYAML 6.0.4 with
//! libyaml) through `SaltYamlSafeLoader(dictclass=OrderedDict)` (the SLS renderer) and
//! `salt.utils.yaml.safe_load`. `Ok` holds Python's `repr()` of the result; `Err` holds
//! what Salt prints after "Rendering SLS '...' failed: " (the problem alone for scanner
//! errors, `str(exc)` otherwise).

use rsalt_data::repr::repr;
use rsalt_data::yaml::{self, YamlErrorKind};

const SLS_CASES: &[(&str, Result<&str, &str>)] = &[
    ("a: -0644", Ok("OrderedDict([('a', -420)])")),
    ("a: 0_644", Ok("OrderedDict([('a', 644)])")),
    ("a: 00", Ok("OrderedDict([('a', 0)])")),
    ("a: 0b101", Ok("OrderedDict([('a', 5)])")),
    ("a: 0x1F", Ok("OrderedDict([('a', 31)])")),
    ("a: 0o10", Ok("OrderedDict([('a', '0o10')])")),
    ("a: 1:30", Ok("OrderedDict([('a', 90)])")),
    ("a: -1:30", Ok("OrderedDict([('a', -90)])")),
    ("a: 1_000", Ok("OrderedDict([('a', 1000)])")),
    ("a: 1.10", Ok("OrderedDict([('a', 1.1)])")),
    ("a: 1e3", Ok("OrderedDict([('a', '1e3')])")),
    ("a: 1.0e+3", Ok("OrderedDict([('a', 1000.0)])")),
    ("a: 1.", Ok("OrderedDict([('a', 1.0)])")),
    ("a: .5", Ok("OrderedDict([('a', 0.5)])")),
    ("a: .inf", Ok("OrderedDict([('a', inf)])")),
    ("a: -.Inf", Ok("OrderedDict([('a', -inf)])")),
    ("a: .NaN", Ok("OrderedDict([('a', nan)])")),
    ("a: 1:30.5", Ok("OrderedDict([('a', 90.5)])")),
    ("a: 2024-01-02", Ok("OrderedDict([('a', '2024-01-02')])")),
    ("a: 2001-12-14t21:59:43.10-05:00", Ok("OrderedDict([('a', '2001-12-14t21:59:43.10-05:00')])")),
    ("a: yes\nb: Yes\nc: YES\nd: yEs\ne: y\nf: n\ng: On\nh: OFF\ni: True\nj: tRue", Ok("OrderedDict([('a', True), ('b', True), ('c', True), ('d', 'yEs'), ('e', 'y'), ('f', 'n'), ('g', True), ('h', False), ('i', True), ('j', 'tRue')])")),
    ("a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: nUll", Ok("OrderedDict([('a', None), ('b', None), ('c', None), ('d', None), ('e', None), ('f', 'nUll')])")),
    ("", Ok("None")),
    ("---\n", Ok("None")),
    ("# c\n", Ok("None")),
    ("--- 1\n--- 2\n", Err("expected a single document in the stream\n  in \"<unicode string>\", line 1, column 5\nbut found another document\n  in \"<unicode string>\", line 2, column 1")),
    ("a: 1\n---\nb: 2\n", Err("expected a single document in the stream\n  in \"<unicode string>\", line 1, column 1\nbut found another document\n  in \"<unicode string>\", line 2, column 1")),
    ("1: a\ntrue: b\n~: c\n1.5: d", Err("while constructing a mapping\n  in \"<unicode string>\", line 1, column 1\nfound conflicting ID 'True'\n  in \"<unicode string>\", line 2, column 1")),
    ("1: a\ntrue: b", Err("while constructing a mapping\n  in \"<unicode string>\", line 1, column 1\nfound conflicting ID 'True'\n  in \"<unicode string>\", line 2, column 1")),
    ("a: !!str 123\nb: !!int '0644'\nc: !!float '1'\nd: !foo x", Err("could not determine a constructor for the tag '!foo'\n  in \"<unicode string>\", line 4, column 4")),
    ("a: &x [1,2]\nb: *x", Ok("OrderedDict([('a', [1, 2]), ('b', [1, 2])])")),
    ("<<: {a: 1}\nb: 2", Ok("OrderedDict([('a', 1), ('b', 2)])")),
    ("a: {<<: [{x: 1}, {y: 2}], z: 3}", Ok("OrderedDict([('a', OrderedDict([('y', 2), ('x', 1), ('z', 3)]))])")),
    ("a: {<<: [{x: 1}, {x: 2}]}", Err("while constructing a mapping\n  in \"<unicode string>\", line 1, column 4\nfound conflicting ID 'x'\n  in \"<unicode string>\", line 1, column 11")),
    ("a: {<<: {x: 1}, x: 2}", Ok("OrderedDict([('a', OrderedDict([('x', 2)]))])")),
    ("a: {<<: 1}", Err("while constructing a mapping\n  in \"<unicode string>\", line 1, column 4\nexpected a mapping or list of mappings for merging, but found scalar\n  in \"<unicode string>\", line 1, column 9")),
    ("a: {<<: [1]}", Err("while constructing a mapping\n  in \"<unicode string>\", line 1, column 4\nexpected a mapping for merging, but found scalar\n  in \"<unicode string>\", line 1, column 10")),
    ("=: 1", Ok("OrderedDict([('=', 1)])")),
    ("a: =", Err("could not determine a constructor for the tag 'tag:yaml.org,2002:value'\n  in \"<unicode string>\", line 1, column 4")),
    ("a: [1, 2", Err("while parsing a flow sequence\n  in \"<unicode string>\", line 1, column 4\ndid not find expected ',' or ']'\n  in \"<unicode string>\", line 2, column 1")),
    ("a:\tb", Ok("OrderedDict([('a', 'b')])")),
    ("a: b: c", Err("mapping values are not allowed in this context")),
    ("a: 'x\n  y'", Ok("OrderedDict([('a', 'x y')])")),
    ("a: \"\\x41\\u00e9\\N\\_\"", Ok("OrderedDict([('a', 'Aé\\x85\\xa0')])")),
    ("a: [b]: c", Err("mapping values are not allowed in this context")),
    ("? [1]\n: 2", Err("while constructing a mapping\n  in \"<unicode string>\", line 1, column 1\nfound unacceptable key [ScalarNode(tag='tag:yaml.org,2002:int', value='1')]\n  in \"<unicode string>\", line 1, column 3")),
    ("? {a: 1}\n: 2", Err("while constructing a mapping\n  in \"<unicode string>\", line 1, column 1\nfound unacceptable key [(ScalarNode(tag='tag:yaml.org,2002:str', value='a'), ScalarNode(tag='tag:yaml.org,2002:int', value='1'))]\n  in \"<unicode string>\", line 1, column 3")),
    ("a: 0", Ok("OrderedDict([('a', 0)])")),
    ("a: -0", Ok("OrderedDict([('a', 0)])")),
    ("a: +12", Ok("OrderedDict([('a', 12)])")),
    ("a: 0x_1", Ok("OrderedDict([('a', 1)])")),
    ("a: 190:20:30", Ok("OrderedDict([('a', 685230)])")),
    ("a: 1:60", Ok("OrderedDict([('a', '1:60')])")),
    ("a: |\n  line1\n  line2\n", Ok("OrderedDict([('a', 'line1\\nline2\\n')])")),
    ("a: |-\n  x\n\n", Ok("OrderedDict([('a', 'x')])")),
    ("a: |+\n  x\n\n", Ok("OrderedDict([('a', 'x\\n\\n')])")),
    ("a: >\n  folded\n  text\n\n  para\n", Ok("OrderedDict([('a', 'folded text\\npara\\n')])")),
    ("a: >-\n  x\n   indented\n  y\n", Ok("OrderedDict([('a', 'x\\n indented\\ny')])")),
    ("a: |2\n    two\n", Ok("OrderedDict([('a', '  two\\n')])")),
    ("a: 'it''s'", Ok("OrderedDict([('a', \"it's\")])")),
    ("a: \"tab\\there\"", Ok("OrderedDict([('a', 'tab\\there')])")),
    ("a: plain\n  continued\n  lines", Ok("OrderedDict([('a', 'plain continued lines')])")),
    ("- a\n- b:\n  c: d\n- [e, f]\n- {g: h}", Ok("['a', OrderedDict([('b', None), ('c', 'd')]), ['e', 'f'], OrderedDict([('g', 'h')])]")),
    ("a:\n  - 1\n  - 2\nb:\n- 3", Ok("OrderedDict([('a', [1, 2]), ('b', [3])])")),
    ("key with spaces: v", Ok("OrderedDict([('key with spaces', 'v')])")),
    ("a: b # comment", Ok("OrderedDict([('a', 'b')])")),
    ("a: 'b # not'", Ok("OrderedDict([('a', 'b # not')])")),
    ("\"quoted key\": 1", Ok("OrderedDict([('quoted key', 1)])")),
    ("? complex\n: value", Ok("OrderedDict([('complex', 'value')])")),
    ("a: !!seq [1]", Ok("OrderedDict([('a', [1])])")),
    ("a: !!map {b: 1}", Ok("OrderedDict([('a', OrderedDict([('b', 1)]))])")),
    ("a: !!str [1]", Err("expected a scalar node, but found sequence\n  in \"<unicode string>\", line 1, column 4")),
    ("a: !!null ''", Ok("OrderedDict([('a', None)])")),
    ("a: !!bool 'yes'", Ok("OrderedDict([('a', True)])")),
    ("a: !!float 1", Ok("OrderedDict([('a', 1.0)])")),
    ("a: !!timestamp 2020-01-01", Ok("OrderedDict([('a', '2020-01-01')])")),
    ("a: ! 12", Ok("OrderedDict([('a', 12)])")),
    ("a: ! '12'", Ok("OrderedDict([('a', 12)])")),
    ("a: !<tag:yaml.org,2002:int> '7'", Ok("OrderedDict([('a', 7)])")),
    ("a: &x\n  b: 1\nc: *y", Err("found undefined alias\n  in \"<unicode string>\", line 3, column 4")),
    ("a: &x 1\nb: &x 2\nc: *x", Err("found duplicate anchor; first occurrence\n  in \"<unicode string>\", line 1, column 4\nsecond occurrence\n  in \"<unicode string>\", line 2, column 4")),
    ("a: b\n  c: d", Err("mapping values are not allowed in this context")),
    ("a:\n  b: 1\n c: 2", Err("while parsing a block mapping\n  in \"<unicode string>\", line 1, column 1\ndid not find expected key\n  in \"<unicode string>\", line 3, column 2")),
    ("- a\nb: c", Err("while parsing a block collection\n  in \"<unicode string>\", line 1, column 1\ndid not find expected '-' indicator\n  in \"<unicode string>\", line 2, column 1")),
    ("a: [1, 2]]", Err("while parsing a block mapping\n  in \"<unicode string>\", line 1, column 1\ndid not find expected key\n  in \"<unicode string>\", line 1, column 10")),
    ("a: {b: 1}}", Err("while parsing a block mapping\n  in \"<unicode string>\", line 1, column 1\ndid not find expected key\n  in \"<unicode string>\", line 1, column 10")),
    ("a: \"unterminated", Err("found unexpected end of stream")),
    ("a: 'unterminated", Err("found unexpected end of stream")),
    ("a: @foo", Err("found character that cannot start any token")),
    ("a: `x", Err("found character that cannot start any token")),
    ("a: %x", Err("found character that cannot start any token")),
    ("- - - x", Ok("[[['x']]]")),
    ("[a, b]: c", Err("while constructing a mapping\nfound unacceptable key [ScalarNode(tag='tag:yaml.org,2002:str', value='a'), ScalarNode(tag='tag:yaml.org,2002:str', value='b')]\n  in \"<unicode string>\", line 1, column 1")),
    ("a: *", Err("did not find expected alphabetic or numeric character")),
    ("a: &", Err("did not find expected alphabetic or numeric character")),
    ("{a: 1, a: 2}", Err("while constructing a mapping\n  in \"<unicode string>\", line 1, column 1\nfound conflicting ID 'a'\n  in \"<unicode string>\", line 1, column 8")),
    ("a: \"\\q\"", Err("found unknown escape character")),
    ("a\tb: c", Ok("OrderedDict([('a\\tb', 'c')])")),
    ("\tx: 1", Err("found character that cannot start any token")),
    ("a:\n\t- 1", Err("found character that cannot start any token")),
    ("a: {b: [1, {c: d}]}", Ok("OrderedDict([('a', OrderedDict([('b', [1, OrderedDict([('c', 'd')])])]))])")),
    ("a: x\n...\n", Ok("OrderedDict([('a', 'x')])")),
    ("%YAML 1.1\n---\na: 1", Ok("OrderedDict([('a', 1)])")),
    ("--- !!map\na: 1", Ok("OrderedDict([('a', 1)])")),
    ("a: 'x'y", Err("while parsing a block mapping\n  in \"<unicode string>\", line 1, column 1\ndid not find expected key\n  in \"<unicode string>\", line 1, column 7")),
    ("a: \"x\" y", Err("while parsing a block mapping\n  in \"<unicode string>\", line 1, column 1\ndid not find expected key\n  in \"<unicode string>\", line 1, column 8")),
    ("a: - b", Err("block sequence entries are not allowed in this context")),
    ("tabbed:\n\ttest.nop\n", Err("found character that cannot start any token")),
    ("a: 1\n\t\nb: 2", Err("found a tab character that violates indentation")),
    ("a: |\n\tx\n", Err("found a tab character where an indentation space is expected")),
    ("a: |\n  \tx\n", Err("found a tab character where an indentation space is expected")),
    ("a: b\t# c\n", Ok("OrderedDict([('a', 'b')])")),
    ("a:\n  - x\t\n", Ok("OrderedDict([('a', ['x'])])")),
    ("a: x\n\t# comment\n", Err("found a tab character that violates indentation")),
    ("[1]]", Err("did not find expected <document start>\n  in \"<unicode string>\", line 1, column 4")),
    ("- a\n- b]\n", Ok("['a', 'b]']")),
    ("a:\n  - b\n  c", Err("could not find expected ':'")),
    ("a: b\n- c", Err("while parsing a block mapping\n  in \"<unicode string>\", line 1, column 1\ndid not find expected key\n  in \"<unicode string>\", line 2, column 1")),
    ("- a\n  b: c", Err("mapping values are not allowed in this context")),
    ("a: {b: 1", Err("while parsing a flow mapping\n  in \"<unicode string>\", line 1, column 4\ndid not find expected ',' or '}'\n  in \"<unicode string>\", line 2, column 1")),
    ("a: [b, c:", Err("while parsing a flow node\ndid not find expected node content\n  in \"<unicode string>\", line 2, column 1")),
    ("{a: [1, 2}", Err("while parsing a flow sequence\n  in \"<unicode string>\", line 1, column 5\ndid not find expected ',' or ']'\n  in \"<unicode string>\", line 1, column 10")),
    ("a: !!python/object:foo.Bar {}", Err("could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:foo.Bar'\n  in \"<unicode string>\", line 1, column 4")),
    ("a: !!python/unicode x", Ok("OrderedDict([('a', 'x')])")),
    ("a: 1\n---\n- [", Err("expected a single document in the stream\n  in \"<unicode string>\", line 1, column 1\nbut found another document\n  in \"<unicode string>\", line 2, column 1")),
    ("key: value:", Err("mapping values are not allowed in this context")),
    ("a: 'x' # ok\nb: \"y\"", Ok("OrderedDict([('a', 'x'), ('b', 'y')])")),
    ("- \"a\" b", Err("while parsing a block collection\n  in \"<unicode string>\", line 1, column 1\ndid not find expected '-' indicator\n  in \"<unicode string>\", line 1, column 7")),
    ("a:\n    b: 1\n  c: 2", Err("while parsing a block mapping\n  in \"<unicode string>\", line 1, column 1\ndid not find expected key\n  in \"<unicode string>\", line 3, column 3")),
    ("foo:\n  bar\nbaz: 1", Ok("OrderedDict([('foo', 'bar'), ('baz', 1)])")),
    ("a: *x", Err("found undefined alias\n  in \"<unicode string>\", line 1, column 4")),
    ("a: 1\nb: *zz\n", Err("found undefined alias\n  in \"<unicode string>\", line 2, column 4")),
    ("a: 1\r\nb:\r\n  - x\r\n  - y\r\n", Ok("OrderedDict([('a', 1), ('b', ['x', 'y'])])")),
    ("﻿a: 1", Ok("OrderedDict([('a', 1)])")),
    ("on: 1\noff: 2\nnull: 3\n~: 4", Err("while constructing a mapping\n  in \"<unicode string>\", line 1, column 1\nfound conflicting ID 'None'\n  in \"<unicode string>\", line 4, column 1")),
    ("y: 1\nn: 2", Ok("OrderedDict([('y', 1), ('n', 2)])")),
    ("%TAG !e! tag:example.com,2000:\n---\na: !e!foo 1", Err("could not determine a constructor for the tag 'tag:example.com,2000:foo'\n  in \"<unicode string>\", line 3, column 4")),
    ("a: >\n  x\n\n\n  y\n", Ok("OrderedDict([('a', 'x\\n\\ny\\n')])")),
    ("a: |\n  x\n   y\n  z\n", Ok("OrderedDict([('a', 'x\\n y\\nz\\n')])")),
    ("a: \"multi\n  line\n\n  para\"", Ok("OrderedDict([('a', 'multi line\\npara')])")),
    ("a: 'x\n\n  y'", Ok("OrderedDict([('a', 'x\\ny')])")),
    ("- ? a\n  : b", Ok("[OrderedDict([('a', 'b')])]")),
    ("a: [1, [2, [3]]]", Ok("OrderedDict([('a', [1, [2, [3]]])])")),
    ("a: {b: {c: {d: 1}}}", Ok("OrderedDict([('a', OrderedDict([('b', OrderedDict([('c', OrderedDict([('d', 1)]))]))]))])")),
    ("a: [a: 1, b: 2]", Ok("OrderedDict([('a', [OrderedDict([('a', 1)]), OrderedDict([('b', 2)])])])")),
    ("a: [? x : y]", Ok("OrderedDict([('a', [OrderedDict([('x', 'y')])])])")),
    ("a: -1.5e+3", Ok("OrderedDict([('a', -1500.0)])")),
    ("a: 6.8523015e+5", Ok("OrderedDict([('a', 685230.15)])")),
    ("a: 685.230_15e+03", Ok("OrderedDict([('a', 685230.15)])")),
    ("a: 685_230.15", Ok("OrderedDict([('a', 685230.15)])")),
    ("a: 190:20:30.15", Ok("OrderedDict([('a', 685230.15)])")),
    ("a: -.inf", Ok("OrderedDict([('a', -inf)])")),
    ("a: +.inf", Ok("OrderedDict([('a', inf)])")),
    ("a: 0.", Ok("OrderedDict([('a', 0.0)])")),
    ("a: -0.0", Ok("OrderedDict([('a', -0.0)])")),
    ("a: 0b", Ok("OrderedDict([('a', '0b')])")),
    ("a: 0x", Ok("OrderedDict([('a', '0x')])")),
    ("a: +0b1", Ok("OrderedDict([('a', 1)])")),
    ("a: -0x1", Ok("OrderedDict([('a', -1)])")),
    ("a: 1__0", Ok("OrderedDict([('a', 10)])")),
    ("a: _1", Ok("OrderedDict([('a', '_1')])")),
    ("a: 1_", Ok("OrderedDict([('a', 1)])")),
    ("a: 09", Ok("OrderedDict([('a', '09')])")),
    ("a: 0_9", Ok("OrderedDict([('a', '0_9')])")),
    ("a: 00:30", Ok("OrderedDict([('a', '00:30')])")),
    ("a: 1:2:3", Ok("OrderedDict([('a', 3723)])")),
    ("a: 12:30:00", Ok("OrderedDict([('a', 45000)])")),
    ("a: 2001-12-14 21:59:43.10 -5", Ok("OrderedDict([('a', '2001-12-14 21:59:43.10 -5')])")),
    ("a: 2002-12-14", Ok("OrderedDict([('a', '2002-12-14')])")),
    ("a: 2002-1-14", Ok("OrderedDict([('a', '2002-1-14')])")),
    ("a: 1.2.3", Ok("OrderedDict([('a', '1.2.3')])")),
    ("a: 1,000", Ok("OrderedDict([('a', '1,000')])")),
    ("a: $x", Ok("OrderedDict([('a', '$x')])")),
    ("a: 1 # c", Ok("OrderedDict([('a', 1)])")),
    ("a: 'a' # c", Ok("OrderedDict([('a', 'a')])")),
    ("a: x:y", Ok("OrderedDict([('a', 'x:y')])")),
    ("a: http://x", Ok("OrderedDict([('a', 'http://x')])")),
    ("a: {url: http://x}", Ok("OrderedDict([('a', OrderedDict([('url', 'http://x')]))])")),
    ("a: [http://x]", Ok("OrderedDict([('a', ['http://x'])])")),
    ("'a': 1\n\"b\": 2", Ok("OrderedDict([('a', 1), ('b', 2)])")),
    ("a:\n\n\n  b", Ok("OrderedDict([('a', 'b')])")),
    ("a: b\n\n#c\n\nc: d", Ok("OrderedDict([('a', 'b'), ('c', 'd')])")),
    ("a:    b   ", Ok("OrderedDict([('a', 'b')])")),
    ("a: b\n  # comment\n", Ok("OrderedDict([('a', 'b')])")),
    ("a: 1\n...\n", Ok("OrderedDict([('a', 1)])")),
    ("--- >\n  folded\n", Ok("'folded\\n'")),
    ("--- |\n  lit\n", Ok("'lit\\n'")),
    ("- a\n-\n- c", Ok("['a', None, 'c']")),
    ("a:\n  -\n  - b", Ok("OrderedDict([('a', [None, 'b'])])")),
    ("? a", Ok("OrderedDict([('a', None)])")),
    ("a: !!str", Ok("OrderedDict([('a', '')])")),
    ("!!map {a: 1}", Ok("OrderedDict([('a', 1)])")),
    ("a: !!python/tuple [1]", Err("could not determine a constructor for the tag 'tag:yaml.org,2002:python/tuple'\n  in \"<unicode string>\", line 1, column 4")),
    ("a:\tb", Ok("OrderedDict([('a', 'b')])")),
    ("a:\t\tb\nc:\t-x", Ok("OrderedDict([('a', 'b'), ('c', '-x')])")),
    ("a:\t- b", Err("block sequence entries are not allowed in this context")),
    ("a: \"x:\tb\"\nc:\td", Ok("OrderedDict([('a', 'x:\\tb'), ('c', 'd')])")),
    ("- a:\tb\n- c:\t1", Ok("[OrderedDict([('a', 'b')]), OrderedDict([('c', 1)])]")),
    ("{a:\tb}", Ok("OrderedDict([('a', 'b')])")),
    ("a: |\n  x:\ty\nb:\tz", Ok("OrderedDict([('a', 'x:\\ty\\n'), ('b', 'z')])")),
];

const SAFE_LOAD_CASES: &[(&str, Result<&str, &str>)] = &[];

fn check(
    cases: &[(&str, Result<&str, &str>)],
    f: fn(&str) -> Result<rsalt_data::Value, yaml::YamlError>,
) {
    let mut failures = Vec::new();
    for (text, want) in cases {
        let got = f(text)
            .map(|v| repr(&v))
            .map_err(|e| e.salt_render_message());
        let want = want.map(str::to_string).map_err(str::to_string);
        if got != want {
            failures.push(format!("{text:?}\n   want {want:?}\n    got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn sls_renderer_loader_matches_salt() {
    check(SLS_CASES, yaml::load);
}

#[test]
fn safe_load_matches_salt() {
    check(SAFE_LOAD_CASES, yaml::safe_load);
}

/// SLS files from the conformance corpus (cases 016, 017, 018) and Salt's messages for them.
#[test]
fn corpus_render_errors() {
    let multi = "defaults-holder:\n  test.nop:\n    - a: &defaults\n        owner: root\n        group: adm\nmulti-merge:\n  test.nop:\n    - settings:\n        <<: [*defaults, {owner: nobody, shell: /bin/false}]\n";
    let e = yaml::load(multi).expect_err("conflicting merge");
    assert_eq!(
        e.salt_render_message(),
        "while constructing a mapping\n  in \"<unicode string>\", line 9, column 9\nfound conflicting ID 'owner'\n  in \"<unicode string>\", line 4, column 9"
    );
    assert_eq!(e.kind, YamlErrorKind::Constructor);

    let dup = "same-id:\n  test.nop:\n    - which: first\nother:\n  test.nop\nsame-id:\n  test.nop:\n    - which: second\n";
    assert_eq!(
        yaml::load(dup).expect_err("dup").salt_render_message(),
        "while constructing a mapping\n  in \"<unicode string>\", line 1, column 1\nfound conflicting ID 'same-id'\n  in \"<unicode string>\", line 6, column 1"
    );

    let broken = "broken-state:\n  test.nop:\n    - name: unclosed [bracket\n    - other: {a: 1\n";
    let e = yaml::load(broken).expect_err("broken");
    assert_eq!(e.kind, YamlErrorKind::Parser);
    assert_eq!(
        e.salt_render_message(),
        "while parsing a flow mapping\n  in \"<unicode string>\", line 4, column 14\ndid not find expected ',' or '}'\n  in \"<unicode string>\", line 5, column 1"
    );

    let tabs = "tabbed:\n\ttest.nop\n";
    let e = yaml::load(tabs).expect_err("tabs");
    assert_eq!(e.kind, YamlErrorKind::Scanner);
    assert_eq!(
        e.salt_render_message(),
        "found character that cannot start any token"
    );
}

#[test]
fn merge_keys_and_anchors() {
    let text = "_common: &common\n  restart: always\n  user: svc\nservices:\n  api:\n    <<: *common\n    port: 8000\n  worker:\n    <<: *common\n    user: worker\n";
    let v = yaml::load(text).expect("loads");
    assert_eq!(
        repr(v.get("services").expect("services")),
        "OrderedDict([('api', OrderedDict([('restart', 'always'), ('user', 'svc'), ('port', 8000)])), ('worker', OrderedDict([('restart', 'always'), ('user', 'worker')]))])"
    );
}

#[test]
fn nesting_depth_is_bounded() {
    let deep = "[".repeat(100_000);
    let e = yaml::load(&deep).expect_err("too deep");
    assert_eq!(e.kind, YamlErrorKind::Limit);
    let mut block = String::new();
    for i in 0..(yaml::MAX_DEPTH + 5) {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    assert_eq!(
        yaml::load(&block).expect_err("too deep").kind,
        YamlErrorKind::Limit
    );
    // nesting built up through aliases is bounded too
    let mut chain = String::from("a0: &a0 [x]\n");
    for i in 1..(yaml::MAX_DEPTH + 5) {
        chain.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
    }
    assert_eq!(
        yaml::load(&chain).expect_err("too deep").kind,
        YamlErrorKind::Limit
    );
}

#[test]
fn alias_expansion_is_bounded() {
    let mut laughs = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
    let mut prev = "a";
    for n in names {
        laughs.push_str(&format!("{n}: &{n} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = n;
    }
    let e = yaml::load(&laughs).expect_err("billion laughs");
    assert_eq!(e.kind, YamlErrorKind::Limit);
}

#[test]
fn plain_pyyaml_mode() {
    let opts = yaml::LoadOptions {
        dict_kind: rsalt_data::DictKind::Plain,
        salt: false,
    };
    // no leading-zero stripping: YAML 1.1 octal; duplicate keys: last value wins
    let v = yaml::load_with("a: 0644\nb: 1\nb: 2\n", &opts).expect("loads");
    assert_eq!(repr(&v), "{'a': 420, 'b': 2}");
    let v = yaml::load_with("a: {<<: [{x: 1}, {x: 2}], y: 3}", &opts).expect("loads");
    assert_eq!(repr(&v), "{'a': {'x': 2, 'y': 3}}");
}

#[test]
fn garbage_never_panics() {
    for text in [
        "\u{0}",
        "- [\n",
        "{{{",
        "]]]",
        "&a *a",
        "*a",
        "!<",
        "? ? ?",
        "- !!int",
        "a: !!float x",
        "%YAML 9.9\n---\n",
        "---\n...\n---",
        "\u{feff}a: 1",
        "a: \"\\u12\"",
        "|\n\u{85}",
    ] {
        let _ = yaml::load(text);
        let _ = yaml::safe_load(text);
    }
}
