//! The public API: outputter selection, option parsing, and a few hand-checked renders.

use rsalt_data::{dict, Value};
use rsalt_output::{
    default_outputter, display, resolve_outputter, OutputOptions, StateMode, StateOutput,
};

#[test]
fn salt_call_picks_the_function_outputter_for_out_highstate() {
    assert_eq!(default_outputter("state.apply"), "highstate");
    assert_eq!(default_outputter("state.sls"), "highstate");
    assert_eq!(default_outputter("state.single"), "highstate");
    assert_eq!(default_outputter("state.show_sls"), "nested");
    assert_eq!(default_outputter("grains.item"), "nested");
    assert_eq!(default_outputter("test.echo"), "nested");
    assert_eq!(resolve_outputter(None, "state.apply"), "highstate");
    assert_eq!(resolve_outputter(Some("highstate"), "test.echo"), "nested");
    assert_eq!(
        resolve_outputter(Some("highstate"), "state.highstate"),
        "highstate"
    );
    assert_eq!(resolve_outputter(Some("json"), "state.apply"), "json");
    assert_eq!(resolve_outputter(Some("text"), "test.echo"), "txt");
}

#[test]
fn state_output_parses_like_salt() {
    let p = StateOutput::parse;
    assert_eq!(
        p("full"),
        StateOutput {
            mode: StateMode::Full,
            by_id: false
        }
    );
    assert_eq!(
        p("terse_id"),
        StateOutput {
            mode: StateMode::Terse,
            by_id: true
        }
    );
    assert_eq!(
        p("Mixed"),
        StateOutput {
            mode: StateMode::Mixed,
            by_id: false
        }
    );
    assert_eq!(
        p("changes_id"),
        StateOutput {
            mode: StateMode::Changes,
            by_id: true
        }
    );
    assert_eq!(
        p("filter"),
        StateOutput {
            mode: StateMode::Filter,
            by_id: false
        }
    );
    assert_eq!(p("whatever"), StateOutput::default());
}

fn state(result: Value, changes: Value, run: i64) -> Value {
    dict! {
        "name" => "n", "result" => result, "changes" => changes, "comment" => "c",
        "__run_num__" => run, "__id__" => "i", "__sls__" => "s",
        "start_time" => "10:00:00.000001", "duration" => Value::Float(1.25),
    }
}

#[test]
fn highstate_terse_and_summary() {
    let data = dict! { "local" => dict! {
        "test_|-i_|-n_|-nop" => state(Value::Bool(true), dict! {}, 1),
        "test_|-j_|-j_|-fail" => state(Value::Bool(false), dict! {"x" => 1i64}, 0),
    }};
    let opts = OutputOptions {
        state_output: StateOutput::parse("terse"),
        ..OutputOptions::default()
    };
    let got = display("highstate", &data, &opts).expect("display");
    assert_eq!(
        got,
        "local:\n  Name: j - Function: test.fail - Result: Failed - Started: 10:00:00.000001 - Duration: 1.25 ms\n  Name: n - Function: test.nop - Result: Clean - Started: 10:00:00.000001 - Duration: 1.25 ms\n\nSummary for local\n------------\nSucceeded: 1 (changed=1)\nFailed:    1\n------------\nTotal states run:     2\nTotal run time:   2.500 ms\n"
    );
}

#[test]
fn highstate_error_list_and_colour() {
    let data = dict! { "local" => Value::List(vec!["boom".into()]) };
    let plain = display("highstate", &data, &OutputOptions::default()).expect("display");
    assert_eq!(
        plain,
        "local:\n    Data failed to compile:\n----------\n    boom\n"
    );
    let opts = OutputOptions {
        color: true,
        ..OutputOptions::default()
    };
    let coloured = display("highstate", &data, &opts).expect("display");
    assert_eq!(
        coloured,
        "\x1b[0;1;31mlocal:\x1b[0;0m\n    \x1b[0;1;31mData failed to compile:\x1b[0;0m\n\x1b[0;1;31m----------\n    boom\x1b[0;0m\n"
    );
}

#[test]
fn highstate_falls_back_to_nested_when_salt_would_raise() {
    // no "changes" key: KeyError in highstate.py, so Salt prints nested
    let data = dict! { "local" => dict! { "a_|-b_|-c_|-d" => dict! {
    "result" => true, "__run_num__" => 0i64, "comment" => "x" } } };
    let got = display("highstate", &data, &OutputOptions::default()).expect("display");
    assert_eq!(
        got,
        "local:\n    ----------\n    a_|-b_|-c_|-d:\n        ----------\n        __run_num__:\n            0\n        comment:\n            x\n        result:\n            True\n"
    );
}

#[test]
fn simple_outputters() {
    let data = dict! { "local" => dict! { "b" => Value::Float(1e16), "a" => "it's" } };
    let o = OutputOptions::default();
    assert_eq!(display("quiet", &data, &o).expect("quiet"), "");
    assert_eq!(
        display("raw", &data, &o).expect("raw"),
        "{'local': {'b': 1e+16, 'a': \"it's\"}}\n"
    );
    assert_eq!(
        display("txt", &data, &o).expect("txt"),
        "local: {'b': 1e+16, 'a': \"it's\"}\n"
    );
    assert_eq!(
        display("json", &data, &o).expect("json"),
        "{\n    \"local\": {\n        \"b\": 1e+16,\n        \"a\": \"it's\"\n    }\n}\n"
    );
    let compact = OutputOptions {
        indent: Some(-1),
        ..OutputOptions::default()
    };
    assert_eq!(
        display("json", &data, &compact).expect("json"),
        "{\"local\": {\"b\": 1e+16, \"a\": \"it's\"}}\n"
    );
    assert_eq!(
        display("nested", &data, &o).expect("nested"),
        "local:\n    ----------\n    a:\n        it's\n    b:\n        1e+16\n"
    );
    // unknown outputters mean nested, like Salt
    assert_eq!(display("bogus", &data, &o), display("nested", &data, &o));
}
