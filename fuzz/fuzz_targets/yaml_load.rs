//! Feeds arbitrary text to the YAML loaders: they must return Ok or Err, never panic,
//! overflow the stack or blow up memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = rsalt_data::yaml::load(&text);
    let _ = rsalt_data::yaml::safe_load(&text);
});
