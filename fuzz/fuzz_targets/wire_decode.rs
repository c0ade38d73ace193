//! Everything a peer can send before and after the handshake: frame split, every
//! handshake body, sealed-frame opening and the application messages. Must never panic,
//! hang or allocate without bound.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rsalt_proto::codec::decode;
use rsalt_proto::frame;
use rsalt_proto::handshake::{Challenge, Hello, HelloInit, Refusal, Welcome};
use rsalt_proto::msg::{Job, Request, Response};
use rsalt_proto::session::{Role, Session, SessionKeys};

fuzz_target!(|data: &[u8]| {
    let _ = rsalt_proto::codec::check_msgpack(data, rsalt_proto::MAX_DEPTH);
    let body = match frame::split(data) {
        Ok((_, b)) => b,
        Err(_) => data,
    };
    let _ = decode::<HelloInit>(body);
    let _ = decode::<Challenge>(body);
    if let Ok(h) = decode::<Hello>(body) {
        let _ = rsalt_proto::handshake::verify_hello(&h);
    }
    let _ = decode::<Welcome>(body);
    let _ = decode::<Refusal>(body);
    let _ = decode::<Request>(body);
    let _ = decode::<Response>(body);
    let _ = decode::<Job>(body);
    let keys = SessionKeys { id: [0; 16], minion_to_master: [1; 32], master_to_minion: [2; 32] };
    if let Ok(mut s) = Session::new(&keys, Role::Master) {
        let _ = s.open(body);
    }
});
