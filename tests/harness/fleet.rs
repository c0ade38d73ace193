//! A fleet of real `rsalt-master` / `rsalt-minion` processes on loopback, each in its own
//! temporary folder, for integration tests and benchmarks.
//!
//! The binaries are found next to the test executable's `deps/` folder (the workspace's
//! `target/debug`); `cargo test --workspace` (what `cargo xtask test` runs) builds them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The folder holding the workspace binaries of the current build.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

/// Path of a workspace binary; panics with how to build it when missing.
pub fn bin(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} not built: run `cargo build --bins` (or `cargo test --workspace`) first",
        p.display()
    );
    p
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// One minion process.
pub struct MinionProc {
    /// Minion id.
    pub id: String,
    /// Its config dir.
    pub dir: PathBuf,
    child: Option<Child>,
}

/// A master and its minions.
pub struct Fleet {
    /// Root temp folder.
    pub root: tempfile::TempDir,
    /// Master config dir.
    pub master_dir: PathBuf,
    /// State tree (`file_roots: base`).
    pub states: PathBuf,
    /// Pillar tree.
    pub pillar: PathBuf,
    /// Publish and request ports.
    pub ports: (u16, u16),
    master: Option<Child>,
    /// The metrics port, when the test configured one.
    pub metrics_port: Option<u16>,
    /// Minions by index.
    pub minions: Vec<MinionProc>,
}

impl Fleet {
    /// A fleet folder with a master config (`extra` YAML appended).
    pub fn new(extra_master: &str) -> Fleet {
        let root = tempfile::tempdir().expect("tempdir");
        let master_dir = root.path().join("master");
        let states = root.path().join("srv/salt");
        let pillar = root.path().join("srv/pillar");
        for d in [&master_dir, &states, &pillar] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        let ports = (free_port(), free_port());
        let cfg = format!(
            "root_dir: {root}/master-root\ninterface: 127.0.0.1\npublish_port: {}\nret_port: {}\n{metrics}heartbeat_interval: 1\nfile_roots:\n  base: [{}]\npillar_roots:\n  base: [{}]\n{extra_master}\n",
            ports.0,
            ports.1,
            states.display(),
            pillar.display(),
            root = root.path().display(),
            metrics = if extra_master.contains("metrics_address") {
                ""
            } else {
                "metrics_address: ''\n"
            },
        );
        std::fs::write(master_dir.join("master"), cfg).expect("write master config");
        Fleet {
            root,
            master_dir,
            states,
            pillar,
            ports,
            master: None,
            metrics_port: None,
            minions: Vec::new(),
        }
    }

    /// Writes a file under the state tree.
    pub fn state(&self, rel: &str, text: &str) {
        let p = self.states.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, text).expect("write state");
    }

    /// Writes a file under the pillar tree.
    pub fn pillar_file(&self, rel: &str, text: &str) {
        let p = self.pillar.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, text).expect("write pillar");
    }

    /// Starts (or restarts) the master and waits until its local socket answers.
    pub fn start_master(&mut self) {
        self.stop_master();
        let log = std::fs::File::create(self.root.path().join("master.log")).expect("log");
        let child = Command::new(bin("rsalt-master"))
            .arg("-c")
            .arg(&self.master_dir)
            .args(["-l", "info"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn rsalt-master");
        self.master = Some(child);
        let sock = self
            .root
            .path()
            .join("master-root/var/run/rsalt/master/master_cli.sock");
        let t = Instant::now();
        while !sock.exists() && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the master (SIGKILL: a crash, not a clean stop).
    pub fn kill_master(&mut self) {
        if let Some(mut c) = self.master.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops the master with SIGTERM and waits for it to exit.
    pub fn stop_master(&mut self) {
        if let Some(mut c) = self.master.take() {
            let _ = Command::new("kill").arg(c.id().to_string()).status();
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(5) {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The master's process id, while it runs.
    pub fn master_pid(&self) -> Option<u32> {
        self.master.as_ref().map(Child::id)
    }

    /// The master's log so far.
    pub fn master_log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("master.log")).unwrap_or_default()
    }

    /// Adds a minion config (`grains_yaml` is the `grains:` mapping body, indented by the
    /// caller or empty). Returns its index.
    pub fn add_minion(&mut self, id: &str, grains_yaml: &str, extra: &str) -> usize {
        let dir = self.root.path().join(format!("minion-{id}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let cfg = format!(
            "id: {id}\nroot_dir: {root}\nmaster: 127.0.0.1\nmaster_port: {ret}\npublish_port: {publ}\nheartbeat_interval: 1\nacceptance_wait_time: 0.2\ngrains:\n  fleet_test: true\n{grains_yaml}\n{extra}\n",
            root = dir.join("root").display(),
            ret = self.ports.1,
            publ = self.ports.0,
        );
        std::fs::write(dir.join("minion"), cfg).expect("write minion config");
        self.minions.push(MinionProc {
            id: id.to_string(),
            dir,
            child: None,
        });
        self.minions.len() - 1
    }

    /// Starts minion `i`.
    pub fn start_minion(&mut self, i: usize) {
        let m = &mut self.minions[i];
        let log = std::fs::File::create(m.dir.join("minion.log")).expect("log");
        let child = Command::new(bin("rsalt-minion"))
            .arg("-c")
            .arg(&m.dir)
            .args(["-l", "info"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn rsalt-minion");
        m.child = Some(child);
    }

    /// Kills minion `i` (SIGKILL).
    pub fn kill_minion(&mut self, i: usize) {
        if let Some(mut c) = self.minions[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Minion `i`'s log.
    pub fn minion_log(&self, i: usize) -> String {
        std::fs::read_to_string(self.minions[i].dir.join("minion.log")).unwrap_or_default()
    }

    fn cmd(&self, name: &str, args: &[&str]) -> Output {
        Command::new(bin(name))
            .arg("-c")
            .arg(&self.master_dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run CLI")
    }

    /// Runs `rsalt ARGS`.
    pub fn rsalt(&self, args: &[&str]) -> Output {
        self.cmd("rsalt", args)
    }

    /// Runs `rsalt-key ARGS`.
    pub fn key(&self, args: &[&str]) -> Output {
        self.cmd("rsalt-key", args)
    }

    /// Runs `rsalt-run ARGS`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd("rsalt-run", args)
    }

    /// Waits until `rsalt-key -L --out json` lists `ids` as pending.
    pub fn wait_pending(&self, ids: &[&str], timeout: Duration) -> bool {
        self.wait(timeout, || {
            let o = stdout(&self.key(&["-l", "un", "--out", "json"]));
            ids.iter().all(|id| o.contains(&format!("\"{id}\"")))
        })
    }

    /// Waits until `rsalt-run manage.up` lists all `ids`.
    pub fn wait_up(&self, ids: &[&str], timeout: Duration) -> bool {
        self.wait(timeout, || {
            let o = stdout(&self.run(&["manage.up", "--out", "json"]));
            ids.iter().all(|id| o.contains(&format!("\"{id}\"")))
        })
    }

    /// Polls `f` every 50 ms until it holds or `timeout` passes.
    pub fn wait(&self, timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
        let t = Instant::now();
        while t.elapsed() < timeout {
            if f() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Starts the master and minions `ids` with grains, accepts them and waits until all
    /// are connected.
    pub fn up(&mut self, minions: &[(&str, &str)]) {
        self.start_master();
        let mut idx = Vec::new();
        for (id, grains) in minions {
            let i = self.add_minion(id, grains, "");
            self.start_minion(i);
            idx.push(i);
        }
        let ids: Vec<&str> = minions.iter().map(|(id, _)| *id).collect();
        assert!(
            self.wait_pending(&ids, Duration::from_secs(20)),
            "minions never showed up as pending"
        );
        let o = self.key(&["-A", "-y"]);
        assert!(o.status.success(), "rsalt-key -A failed: {}", stderr(&o));
        assert!(
            self.wait_up(&ids, Duration::from_secs(20)),
            "minions did not connect; master log:\n{}",
            self.master_log()
        );
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for i in 0..self.minions.len() {
            self.kill_minion(i);
        }
        self.kill_master();
    }
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
