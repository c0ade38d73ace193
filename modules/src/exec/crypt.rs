//! SHA-512 crypt (`$6$`, Ulrich Drepper's specification, as glibc's `crypt(3)`), for
//! `user.present` with `hash_password: True` (Salt's `shadow.gen_password`).

use sha2::{Digest, Sha512};

const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DEFAULT_ROUNDS: usize = 5000;

/// Byte triples of the final digest in output order (the specification's table).
const ORDER: [(usize, usize, usize); 21] = [
    (0, 21, 42),
    (22, 43, 1),
    (44, 2, 23),
    (3, 24, 45),
    (25, 46, 4),
    (47, 5, 26),
    (6, 27, 48),
    (28, 49, 7),
    (50, 8, 29),
    (9, 30, 51),
    (31, 52, 10),
    (53, 11, 32),
    (12, 33, 54),
    (34, 55, 13),
    (56, 14, 35),
    (15, 36, 57),
    (37, 58, 16),
    (59, 17, 38),
    (18, 39, 60),
    (40, 61, 19),
    (62, 20, 41),
];

fn b64(out: &mut String, b2: u8, b1: u8, b0: u8, n: usize) {
    let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
    for _ in 0..n {
        out.push(char::from(ALPHABET[(w & 0x3f) as usize]));
        w >>= 6;
    }
}

/// `crypt(password, "$6$<salt>")` with the default 5000 rounds (salt cut to 16 chars).
pub fn sha512_crypt(password: &str, salt: &str) -> String {
    let p = password.as_bytes();
    let s: Vec<u8> = salt.bytes().take(16).collect();
    let b = Sha512::new()
        .chain_update(p)
        .chain_update(&s)
        .chain_update(p)
        .finalize();
    let mut a = Sha512::new().chain_update(p).chain_update(&s);
    let mut n = p.len();
    while n > 64 {
        a.update(b);
        n -= 64;
    }
    a.update(&b[..n]);
    let mut n = p.len();
    while n > 0 {
        if n & 1 == 1 {
            a.update(b);
        } else {
            a.update(p);
        }
        n >>= 1;
    }
    let a = a.finalize();
    let mut dp = Sha512::new();
    for _ in 0..p.len() {
        dp.update(p);
    }
    let dp = dp.finalize();
    let pseq: Vec<u8> = dp.iter().copied().cycle().take(p.len()).collect();
    let mut ds = Sha512::new();
    for _ in 0..16 + usize::from(a[0]) {
        ds.update(&s);
    }
    let ds = ds.finalize();
    let sseq: Vec<u8> = ds.iter().copied().cycle().take(s.len()).collect();
    let mut c = a;
    for i in 0..DEFAULT_ROUNDS {
        let mut h = Sha512::new();
        if i % 2 == 1 {
            h.update(&pseq);
        } else {
            h.update(c);
        }
        if i % 3 != 0 {
            h.update(&sseq);
        }
        if i % 7 != 0 {
            h.update(&pseq);
        }
        if i % 2 == 1 {
            h.update(c);
        } else {
            h.update(&pseq);
        }
        c = h.finalize();
    }
    let mut out = format!("$6${}$", String::from_utf8_lossy(&s));
    for (x, y, z) in ORDER {
        b64(&mut out, c[x], c[y], c[z], 4);
    }
    b64(&mut out, 0, 0, c[63], 2);
    out
}

/// A random 16-character salt from `/dev/urandom` (Salt: a random salt too).
pub fn random_salt() -> String {
    use std::io::Read;
    let mut buf = [0u8; 16];
    let ok = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf));
    if ok.is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        buf = (t ^ u128::from(std::process::id())).to_le_bytes();
    }
    buf.iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 0x3f)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test vectors from the SHA-crypt specification (default rounds).
    #[test]
    fn matches_the_specification() {
        assert_eq!(
            sha512_crypt("Hello world!", "saltstring"),
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
        );
        assert_eq!(random_salt().len(), 16);
    }
}
