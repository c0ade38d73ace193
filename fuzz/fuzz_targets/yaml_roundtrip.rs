//! Whatever loads must dump in every style without panicking, and the block dump of a
//! loaded document must load back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsalt_data::yaml::{self, DumpOptions};

fn has_nan(v: &rsalt_data::Value) -> bool {
    match v {
        rsalt_data::Value::Float(f) => f.is_nan(),
        rsalt_data::Value::List(l) => l.iter().any(has_nan),
        rsalt_data::Value::Dict(d) => d.iter().any(|(_, v)| has_nan(v)),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(v) = yaml::safe_load(&text) else {
        return;
    };
    let block = yaml::dump(&v, &DumpOptions::outputter(None));
    let _ = yaml::dump(&v, &DumpOptions::outputter(Some(-1)));
    let _ = yaml::format_yaml(&v, None);
    let _ = yaml::serialize(&v);
    if has_nan(&v) {
        return;
    }
    match yaml::safe_load(&block) {
        Ok(back) => assert_eq!(back, v, "round trip changed the value; dump was {block:?}"),
        Err(e) => panic!("dump does not load back: {e}; dump was {block:?}"),
    }
});
