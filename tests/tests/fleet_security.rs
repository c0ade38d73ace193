//! Security tests modelled on Salt's advisories, against real processes on loopback. Each
//! attacker is a raw ZeroMQ peer speaking rsalt's protocol through `rsalt-proto`.

use rsalt_data::{Dict, Value};
use rsalt_proto::codec::{decode, encode};
use rsalt_proto::frame::{self, Kind};
use rsalt_proto::handshake::{Challenge, CookieJar, Hello, MinionHandshake, Refusal, Welcome};
use rsalt_proto::keys::{Identity, PublicKey};
use rsalt_proto::msg::{Job, Request, RequestBody, Response, ResponseBody};
use rsalt_proto::publish::{self, PublishKey};
use rsalt_proto::session::{Role, Session};
use rsalt_tests::fleet::{stdout, Fleet};
use std::time::Duration;
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn recv(s: &mut zeromq::DealerSocket, ms: u64) -> Option<Vec<u8>> {
    match tokio::time::timeout(Duration::from_millis(ms), s.recv()).await {
        Ok(Ok(m)) => m.into_vec().last().map(|b| b.to_vec()),
        _ => None,
    }
}

async fn send(s: &mut zeromq::DealerSocket, f: Vec<u8>) {
    s.send(ZmqMessage::from(f)).await.expect("send");
}

/// A raw client that completes the handshake with a given key and id.
struct Raw {
    socket: zeromq::DealerSocket,
    session: Option<Session>,
    last_frame: Vec<u8>,
    refusal: Option<String>,
}

impl Raw {
    async fn connect(port: u16) -> Raw {
        let mut socket = zeromq::DealerSocket::new();
        socket
            .connect(&format!("tcp://127.0.0.1:{port}"))
            .await
            .expect("connect");
        Raw {
            socket,
            session: None,
            last_frame: Vec::new(),
            refusal: None,
        }
    }

    async fn handshake(&mut self, key: &Identity, id: &str) -> bool {
        send(
            &mut self.socket,
            MinionHandshake::init_frame(id).expect("init"),
        )
        .await;
        let Some(f) = recv(&mut self.socket, 3000).await else {
            return false;
        };
        let (_, b) = frame::split(&f).expect("challenge frame");
        let c: Challenge = decode(b).expect("challenge");
        let (hs, hello) = MinionHandshake::hello(key, id, &c).expect("hello");
        send(&mut self.socket, hello).await;
        let Some(f) = recv(&mut self.socket, 3000).await else {
            return false;
        };
        match frame::split(&f).expect("frame") {
            (Kind::Welcome, b) => {
                let w: Welcome = decode(b).expect("welcome");
                let (_, keys) = hs.finish(&w).expect("finish");
                self.session = Some(Session::new(&keys, Role::Minion).expect("session"));
                true
            }
            (Kind::Refusal, b) => {
                let r: Refusal = decode(b).expect("refusal");
                self.refusal = Some(r.code);
                false
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    async fn request(&mut self, req_id: u64, body: RequestBody) -> Option<ResponseBody> {
        let plain = encode(&Request { req_id, body }).expect("encode");
        let f = self
            .session
            .as_mut()
            .expect("session")
            .seal(&plain)
            .expect("seal");
        self.last_frame = f.clone();
        send(&mut self.socket, f).await;
        self.reply(1500).await
    }

    async fn reply(&mut self, ms: u64) -> Option<ResponseBody> {
        let f = recv(&mut self.socket, ms).await?;
        let (_, b) = frame::split(&f).ok()?;
        let plain = self.session.as_mut()?.open(b).ok()?;
        decode::<Response>(&plain).ok().map(|r| r.body)
    }
}

fn minion_key(f: &Fleet, i: usize) -> Identity {
    let pem = std::fs::read_to_string(f.minions[i].dir.join("root/etc/salt/pki/minion/minion.pem"))
        .expect("minion key");
    Identity::from_pem(&pem).expect("parse")
}

fn fleet_ab() -> Fleet {
    let mut f = Fleet::new("");
    f.state("top.sls", "base:\n  'a':\n    - a\n  'b':\n    - b\n");
    let out = f.root.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    f.state(
        "a.sls",
        &format!(
            "{}/a:\n  file.managed:\n    - source: salt://a.txt\n",
            out.display()
        ),
    );
    f.state(
        "b.sls",
        &format!(
            "{}/b:\n  file.managed:\n    - source: salt://b-secret.txt\n",
            out.display()
        ),
    );
    f.state("a.txt", "for a\n");
    f.state("b-secret.txt", "only for b\n");
    f.up(&[("a", "  evil: '{{ 7*7 }}'"), ("b", "")]);
    f
}

fn sha(data: &[u8]) -> String {
    rsalt_proto::session::hex(ring_digest(data).as_slice())
}

fn ring_digest(data: &[u8]) -> Vec<u8> {
    // SHA-256 through the proto crate's dependency (no extra dev-dependency).
    use std::process::Command;
    let tmp = tempfile::NamedTempFile::new().expect("tmp");
    std::fs::write(tmp.path(), data).expect("w");
    let o = Command::new("sha256sum")
        .arg(tmp.path())
        .output()
        .expect("sha256sum");
    let hex = String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    (0..hex.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[test]
fn advisories() {
    let f = fleet_ab();
    let (pub_port, ret_port) = f.ports;
    let a_key = minion_key(&f, 0);
    let b_key = minion_key(&f, 1);
    assert!(f.rsalt(&["*", "state.apply"]).status.success());
    let rt = rt();
    rt.block_on(async {
        // A listener on the publish port sees whatever the attacks might cause.
        let mut sub = zeromq::SubSocket::new();
        sub.connect(&format!("tcp://127.0.0.1:{pub_port}"))
            .await
            .expect("sub");
        sub.subscribe("").await.expect("subscribe");

        // 1. An unauthenticated peer: every non-handshake kind, garbage, other versions,
        //    fuzzed command names. Nothing but a challenge or a refusal comes back.
        let mut raw = Raw::connect(ret_port).await;
        let mut frames: Vec<Vec<u8>> = vec![
            b"garbage".to_vec(),
            vec![],
            frame::join(Kind::Sealed, &[0u8; 64]),
            frame::join(Kind::Publication, &[1u8; 200]),
            frame::join(Kind::Welcome, &[0x80]),
            frame::join(Kind::Challenge, &[0x80]),
            frame::join(Kind::Refusal, &[0x80]),
            frame::join(Kind::Hello, &[0xc1]),
            b"RSLT\x00\x01\x80".to_vec(),
            b"RSLT\x02\x01\x80".to_vec(),
        ];
        for name in [
            "publish",
            "runner",
            "wheel",
            "_auth",
            "_file_recv",
            "mk_token",
            "key.accept",
        ] {
            let mut d = Dict::new();
            d.insert("cmd", Value::from(name));
            d.insert("fun", Value::from(name));
            frames
                .push(encode(&rsalt_proto::codec::WireValue::from(&Value::Dict(d))).expect("enc"));
        }
        for fr in frames {
            send(&mut raw.socket, fr).await;
        }
        let mut answers = Vec::new();
        while let Some(a) = recv(&mut raw.socket, 700).await {
            answers.push(a);
        }
        for a in &answers {
            let kind = frame::split(a).map(|(k, _)| k);
            assert!(
                matches!(kind, Ok(Kind::Refusal) | Ok(Kind::Challenge)),
                "answered {a:?}"
            );
        }
        let master_pem = std::fs::read_to_string(
            f.root
                .path()
                .join("master-root/etc/rsalt/pki/master/master.pem"),
        )
        .expect("pem");
        let body: String = master_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        for a in &answers {
            assert!(!String::from_utf8_lossy(a).contains(&body[..20]));
        }

        // 2. Minion A claims to be B (with A's key): denied and recorded; A's own session
        //    never gets B's file.
        let mut imp = Raw::connect(ret_port).await;
        assert!(!imp.handshake(&a_key, "b").await);
        assert_eq!(imp.refusal.as_deref(), Some("denied"));
        let mut a = Raw::connect(ret_port).await;
        assert!(a.handshake(&a_key, "a").await, "a's own handshake");
        assert!(matches!(
            a.request(
                1,
                RequestBody::Connect {
                    grains: Value::dict(),
                    version: "t".into(),
                    opts: Value::dict(),
                }
            )
            .await,
            Some(ResponseBody::Connected { .. })
        ));
        let b_hash = sha(b"only for b\n");
        match a
            .request(
                2,
                RequestBody::GetFile {
                    hash: b_hash.clone(),
                },
            )
            .await
        {
            Some(ResponseBody::Error { .. }) => {}
            other => panic!("A got B's file: {other:?}"),
        }
        let a_hash = sha(b"for a\n");
        // GetStates in A's session always renders A's states, whatever is asked.
        let r = a
            .request(
                3,
                RequestBody::GetStates {
                    jid: String::new(),
                    fun: "state.apply".into(),
                    arg: vec![],
                    kwarg: Value::dict(),
                    answers: vec![],
                },
            )
            .await;
        match r {
            Some(ResponseBody::States(s)) => {
                assert!(s.files.iter().all(|x| x.hash != b_hash));
                assert!(s.files.iter().any(|x| x.hash == a_hash));
            }
            other => panic!("{other:?}"),
        }

        // 3. Replay: a captured request resent, and resent with another version byte.
        let captured = a.last_frame.clone();
        send(&mut a.socket, captured.clone()).await;
        assert!(a.reply(700).await.is_none(), "replayed request answered");
        let mut old = captured.clone();
        old[4] = 0;
        send(&mut a.socket, old).await;
        assert!(recv(&mut a.socket, 500).await.is_none());

        // 5. Tampered ciphertext, swapped nonce: dropped; the session still works after.
        let plain = encode(&Request {
            req_id: 9,
            body: RequestBody::Heartbeat { running: vec![] },
        })
        .expect("e");
        let mut t = a.session.as_mut().expect("s").seal(&plain).expect("seal");
        let n = t.len() - 1;
        t[n] ^= 1;
        send(&mut a.socket, t).await;
        let mut t = a.session.as_mut().expect("s").seal(&plain).expect("seal");
        t[6 + 16 + 7] ^= 0x10;
        send(&mut a.socket, t).await;
        assert!(a.reply(500).await.is_none());
        assert!(matches!(
            a.request(10, RequestBody::Heartbeat { running: vec![] })
                .await,
            Some(ResponseBody::Ack)
        ));

        // 9. A flood of garbage (5× the workers), truncated and deeply nested msgpack inside
        //    a valid session, then a valid request: answered promptly.
        for _ in 0..25 {
            send(&mut raw.socket, vec![0xffu8; 4096]).await;
        }
        let mut deep = vec![0x91u8; 100_000];
        deep.push(0xc0);
        let sealed = a.session.as_mut().expect("s").seal(&deep).expect("seal");
        send(&mut a.socket, sealed).await;
        let sealed = a
            .session
            .as_mut()
            .expect("s")
            .seal(&[0xdd, 0xff, 0xff, 0xff, 0xff])
            .expect("seal");
        send(&mut a.socket, sealed).await;
        let t0 = std::time::Instant::now();
        assert!(matches!(
            a.request(11, RequestBody::Heartbeat { running: vec![] })
                .await,
            Some(ResponseBody::Ack)
        ));
        assert!(
            t0.elapsed() < Duration::from_millis(500),
            "took {:?}",
            t0.elapsed()
        );

        // Nothing was published by any of this.
        assert!(tokio::time::timeout(Duration::from_millis(300), sub.recv())
            .await
            .is_err());

        // 7. Delete A's key: its session can neither send requests nor get the new publish key.
        let before = match a.request(12, RequestBody::GetPublishKey).await {
            Some(ResponseBody::PublishKey(k)) => k.epoch,
            other => panic!("{other:?}"),
        };
        let o = f.key(&["-d", "a", "-y"]);
        assert!(stdout(&o).contains("Key for minion a deleted."));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            a.request(13, RequestBody::GetPublishKey).await.is_none(),
            "deleted minion still served"
        );
        let mut bb = Raw::connect(ret_port).await;
        assert!(bb.handshake(&b_key, "b").await);
        match bb.request(1, RequestBody::GetPublishKey).await {
            Some(ResponseBody::PublishKey(k)) => {
                assert!(k.epoch > before, "publish key not rotated")
            }
            other => panic!("{other:?}"),
        }
        // The same id with a different key goes to minions_denied.
        let other = Identity::generate().expect("k");
        let mut x = Raw::connect(ret_port).await;
        assert!(!x.handshake(&other, "b").await);
        assert_eq!(x.refusal.as_deref(), Some("denied"));
    });
    // The denied keys are recorded where salt-key shows them.
    let denied = stdout(&f.key(&["-l", "den"]));
    assert!(denied.contains("b"), "{denied}");

    // 6. Paths: traversal and symlinks out of the tree never serve a file.
    let out = f.root.path().join("out");
    std::os::unix::fs::symlink("/etc/hostname", f.states.join("evil")).expect("symlink");
    f.state(
        "b.sls",
        &format!(
            "{o}/t1:\n  file.managed:\n    - source: salt://../../../../etc/passwd\n{o}/t2:\n  file.managed:\n    - source: salt://%2e%2e/%2e%2e/etc/passwd\n{o}/t3:\n  file.managed:\n    - source: salt://evil\n{o}/t4:\n  file.managed:\n    - source: salt:///etc/passwd\n{o}/t5:\n  file.managed:\n    - source: salt://a.txt?saltenv=../x\n",
            o = out.display()
        ),
    );
    let o = f.rsalt(&["b", "state.apply", "--out", "json"]);
    for t in ["t1", "t2", "t3", "t4", "t5"] {
        assert!(!out.join(t).exists(), "{t} was written: {}", stdout(&o));
    }
    assert_eq!(o.status.code(), Some(1));

    // 10. Private keys are 0600; no key material in any log.
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |p: std::path::PathBuf| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(
        mode(
            f.root
                .path()
                .join("master-root/etc/rsalt/pki/master/master.pem")
        ),
        0o600
    );
    assert_eq!(
        mode(f.minions[1].dir.join("root/etc/salt/pki/minion/minion.pem")),
        0o600
    );
    let secrets: Vec<String> = [
        std::fs::read_to_string(
            f.root
                .path()
                .join("master-root/etc/rsalt/pki/master/master.pem"),
        )
        .unwrap_or_default(),
        b_key.to_pem(),
        a_key.to_pem(),
    ]
    .iter()
    .map(|p| {
        p.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>()
    })
    .collect();
    let logs = format!("{}{}{}", f.master_log(), f.minion_log(0), f.minion_log(1));
    for s in &secrets {
        assert!(
            !logs.contains(&s[..24]),
            "a private key appears in the logs"
        );
    }
    let _ = PublicKey::from_slice(&[0; 32]);
}

#[test]
fn jinja_in_grains_is_data() {
    let mut f = Fleet::new("");
    let out = f.root.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    f.state("top.sls", "base:\n  '*':\n    - t\n");
    f.state(
        "t.sls",
        &format!(
            "{}/g:\n  file.managed:\n    - contents: {{{{ grains['evil'] | yaml_encode }}}}\n",
            out.display()
        ),
    );
    f.up(&[("m1", "  evil: \"{{ 7*7 }} {% raw %}\"")]);
    let o = f.rsalt(&["m1", "state.apply"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("g")).unwrap_or_default(),
        "{{ 7*7 }} {% raw %}\n"
    );
}

/// 3 and 4 from the minion's side: a fake master (same protocol, its own key) publishes a
/// valid job, the same publication again, one under another protocol version, one unsigned,
/// one signed by another key, one with tampered ciphertext, and a plaintext job. The real
/// minion runs exactly one.
#[test]
fn minion_runs_each_valid_publication_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let (pub_port, ret_port) = (
        rsalt_tests::fleet::free_port(),
        rsalt_tests::fleet::free_port(),
    );
    let counter = dir.path().join("counter");
    std::fs::write(
        dir.path().join("minion"),
        format!("id: m\nroot_dir: {}\nmaster: 127.0.0.1\nmaster_port: {ret_port}\npublish_port: {pub_port}\nheartbeat_interval: 1\n", dir.path().join("root").display()),
    )
    .expect("cfg");
    let master = Identity::generate().expect("k");
    let intruder = Identity::generate().expect("k");
    let key = PublishKey::generate(1).expect("pk");
    let rt = rt();
    rt.block_on(async {
        let mut router = zeromq::RouterSocket::new();
        router
            .bind(&format!("tcp://127.0.0.1:{ret_port}"))
            .await
            .expect("bind");
        let mut pubs = zeromq::PubSocket::new();
        pubs.bind(&format!("tcp://127.0.0.1:{pub_port}"))
            .await
            .expect("bind");
        let mut child = std::process::Command::new(rsalt_tests::fleet::bin("rsalt-minion"))
            .arg("-c")
            .arg(dir.path())
            .args(["-l", "info"])
            .stderr(std::fs::File::create(dir.path().join("log")).expect("log"))
            .spawn()
            .expect("minion");
        let mut jar = CookieJar::new().expect("jar");
        let mut session: Option<Session> = None;
        let mut returns = 0;
        let job = |jid: &str| Job {
            jid: jid.into(),
            tgt: Value::from("*"),
            tgt_type: "glob".into(),
            fun: "cmd.shell".into(),
            arg: vec![Value::Str(format!("echo ran >> {}", counter.display()))],
            kwarg: Value::dict(),
            user: "root".into(),
            issued: rsalt_proto::unix_now(),
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let mut published = false;
        while std::time::Instant::now() < deadline {
            let msg = match tokio::time::timeout(Duration::from_millis(200), router.recv()).await {
                Ok(Ok(m)) => m.into_vec(),
                _ => {
                    if session.is_some() && !published {
                        published = true;
                        let plain = encode(&job("20260101000000000001")).expect("e");
                        let good = publish::seal(&key, 1, &master, &plain).expect("seal");
                        let mut old_version = good.clone();
                        old_version[4] = 0;
                        let mut unsigned = good.clone();
                        for b in &mut unsigned[6 + 12..6 + 12 + 64] {
                            *b = 0;
                        }
                        let foreign = publish::seal(
                            &key,
                            2,
                            &intruder,
                            &encode(&job("20260101000000000002")).expect("e"),
                        )
                        .expect("s");
                        let mut tampered = publish::seal(
                            &key,
                            3,
                            &master,
                            &encode(&job("20260101000000000003")).expect("e"),
                        )
                        .expect("s");
                        let n = tampered.len() - 1;
                        tampered[n] ^= 1;
                        let plaintext = frame::join(
                            Kind::Publication,
                            &encode(&job("20260101000000000004")).expect("e"),
                        );
                        for fr in [
                            good.clone(),
                            good,
                            old_version,
                            unsigned,
                            foreign,
                            tampered,
                            plaintext,
                        ] {
                            pubs.send(ZmqMessage::from(fr)).await.expect("pub");
                        }
                    }
                    continue;
                }
            };
            let (peer, payload) = (msg[0].clone(), msg[1].to_vec());
            let reply = |bytes: Vec<u8>| {
                let mut m = ZmqMessage::from(bytes);
                m.push_front(peer.clone());
                m
            };
            match frame::split(&payload) {
                Ok((Kind::HelloInit, b)) => {
                    let init: rsalt_proto::handshake::HelloInit = decode(b).expect("init");
                    let c = jar
                        .issue(&init.id, rsalt_proto::unix_now())
                        .expect("cookie");
                    router
                        .send(reply(frame::join(Kind::Challenge, &encode(&c).expect("e"))))
                        .await
                        .expect("send");
                }
                Ok((Kind::Hello, b)) => {
                    let h: Hello = decode(b).expect("hello");
                    rsalt_proto::handshake::verify_hello(&h).expect("verify");
                    jar.redeem(&h.id, &h.cookie, rsalt_proto::unix_now())
                        .expect("cookie");
                    let (w, keys) = rsalt_proto::handshake::welcome(&master, &h).expect("welcome");
                    session = Some(Session::new(&keys, Role::Master).expect("s"));
                    router.send(reply(w)).await.expect("send");
                }
                Ok((Kind::Sealed, b)) => {
                    let s = session.as_mut().expect("session");
                    let Ok(plain) = s.open(b) else { continue };
                    let req: Request = decode(&plain).expect("req");
                    let body = match req.body {
                        RequestBody::Connect { .. } => ResponseBody::Connected {
                            publish_key: key.clone(),
                            master_id: "fake".into(),
                        },
                        RequestBody::GetPublishKey => ResponseBody::PublishKey(key.clone()),
                        RequestBody::Return(_) => {
                            returns += 1;
                            ResponseBody::Ack
                        }
                        _ => ResponseBody::Ack,
                    };
                    let f = s
                        .seal(
                            &encode(&Response {
                                req_id: req.req_id,
                                body,
                            })
                            .expect("e"),
                        )
                        .expect("seal");
                    router.send(reply(f)).await.expect("send");
                }
                _ => {}
            }
            if returns >= 1 && published {
                // Give any wrongly accepted publication time to run too.
                tokio::time::sleep(Duration::from_millis(800)).await;
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            returns,
            1,
            "log: {}",
            std::fs::read_to_string(dir.path().join("log")).unwrap_or_default()
        );
    });
    assert_eq!(
        std::fs::read_to_string(&counter).unwrap_or_default(),
        "ran\n"
    );
}

/// 9, at the ZeroMQ layer: a peer declaring a 2^50-byte frame (the zeromq crate would
/// reserve that much before any authentication) and a peer sending a truncated greeting are
/// cut off by the guard; the master keeps answering at once and its memory stays bounded.
#[test]
fn oversized_zmtp_frames_are_cut_off() {
    use std::io::{Read, Write};
    let mut f = Fleet::new("");
    f.up(&[("m1", "")]);
    for port in [f.ports.1, f.ports.0] {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let mut greeting = vec![0xffu8, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 0];
        greeting.extend_from_slice(b"NULL");
        greeting.extend(vec![0u8; 64 - greeting.len()]);
        s.write_all(&greeting).expect("greeting");
        let mut ready = b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER".to_vec();
        ready.insert(0, ready.len() as u8);
        ready.insert(0, 0x04);
        let _ = s.write_all(&ready);
        let mut bomb = vec![0x02u8];
        bomb.extend_from_slice(&(1u64 << 50).to_be_bytes());
        bomb.extend(vec![b'x'; 1000]);
        let _ = s.write_all(&bomb);
        s.set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        // The guard closes the connection: reads end (EOF or reset) instead of hanging.
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    }
    // Half a greeting, then silence, on many connections.
    let idle: Vec<std::net::TcpStream> = (0..50)
        .filter_map(|_| std::net::TcpStream::connect(("127.0.0.1", f.ports.1)).ok())
        .map(|mut s| {
            let _ = s.write_all(&[0xff, 0, 0]);
            s
        })
        .collect();
    let t = std::time::Instant::now();
    let o = f.rsalt(&["*", "test.ping"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(f.master_log().contains("refused"), "{}", f.master_log());
    let pid = f.master_pid().expect("master runs");
    let rss_kb: u64 = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(rss_kb > 0 && rss_kb < 200 * 1024, "master RSS {rss_kb} kB");
    drop(idle);
}
