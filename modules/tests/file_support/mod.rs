//! Shared test scaffolding for the file/ini state tests: a temp file_roots, a sandbox,
//! a trivial caller and a helper that runs one state function.
#![allow(dead_code)]

use rsalt_data::{Dict, Value};
use rsalt_modules::state::{registry, StateCall, StateReturn};
use rsalt_modules::RunContext;
use rsalt_sls::jinja::{JinjaEnv, JinjaOptions};
use rsalt_sls::{CallError, Caller, FileClient, RootsFileClient};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// A caller that knows no functions.
pub struct NoCaller;

impl Caller for NoCaller {
    fn call(&self, fun: &str, _args: Vec<Value>, _kwargs: Dict) -> Result<Value, CallError> {
        Err(CallError::NotAvailable(fun.to_string()))
    }
    fn has(&self, _fun: &str) -> bool {
        false
    }
}

/// A temp state tree plus sandbox.
pub struct Env {
    pub tmp: tempfile::TempDir,
    pub roots: PathBuf,
    pub sandbox: PathBuf,
    pub ctx: RunContext,
}

impl Env {
    pub fn new() -> Env {
        Env::with_pillar(Dict::new())
    }

    pub fn with_pillar(pillar: Dict) -> Env {
        let tmp = tempfile::tempdir().expect("tempdir");
        let roots = tmp.path().join("salt");
        let sandbox = tmp.path().join("sandbox");
        std::fs::create_dir_all(&roots).expect("mkdir");
        std::fs::create_dir_all(&sandbox).expect("mkdir");
        let files: Arc<dyn FileClient> = Arc::new(RootsFileClient::new(vec![(
            "base".into(),
            vec![roots.clone()],
        )]));
        let caller: Arc<dyn Caller> = Arc::new(NoCaller);
        let mut grains = Dict::new();
        grains.insert("id", Value::from("web1"));
        grains.insert("os", Value::from("Debian"));
        let ctx = RunContext {
            opts: Arc::new(Dict::new()),
            grains: Arc::new(grains),
            pillar: Arc::new(RwLock::new(pillar)),
            files: files.clone(),
            caller: caller.clone(),
            jinja: JinjaEnv {
                files,
                caller,
                options: JinjaOptions::default(),
            },
        };
        Env {
            tmp,
            roots,
            sandbox,
            ctx,
        }
    }

    /// Path inside the sandbox.
    pub fn p(&self, rel: &str) -> PathBuf {
        self.sandbox.join(rel)
    }

    /// Path inside the sandbox, as a string.
    pub fn s(&self, rel: &str) -> String {
        self.p(rel).display().to_string()
    }

    /// Writes a file into the sandbox (creating parents).
    pub fn seed(&self, rel: &str, content: &str) {
        write(&self.p(rel), content);
    }

    /// Writes a file into the state tree.
    pub fn salt_file(&self, rel: &str, content: &str) {
        write(&self.roots.join(rel), content);
    }

    /// Runs `module.fun` with `name` and arguments.
    pub fn run(&self, state: &str, name: &str, args: &[(&str, Value)], test: bool) -> StateReturn {
        let mut low = Dict::ordered();
        low.insert("state", Value::from(state));
        low.insert("__id__", Value::from(name));
        low.insert("__sls__", Value::from("x"));
        low.insert("__env__", Value::from("base"));
        low.insert("name", Value::from(name));
        for (k, v) in args {
            low.insert(*k, v.clone());
        }
        let (module, fun) = state.split_once('.').expect("module.fun");
        let reg = registry();
        let m = reg.get(module).expect("module registered");
        let call = StateCall {
            low: &low,
            name: name.to_string(),
            test,
            ctx: &self.ctx,
        };
        m.call(fun, &call)
    }

    /// Reads a sandbox file.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.p(rel)).unwrap_or_else(|_| "<missing>".into())
    }

    /// Octal mode of a sandbox path.
    pub fn mode(&self, rel: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        std::fs::symlink_metadata(self.p(rel))
            .map(|m| format!("{:04o}", m.permissions().mode() & 0o7777))
            .unwrap_or_else(|_| "<missing>".into())
    }
}

pub fn write(p: &Path, content: &str) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(p, content).expect("write");
}

/// `changes` as compact JSON text.
pub fn changes(r: &StateReturn) -> String {
    Value::Dict(r.changes.clone()).to_json().to_string()
}

pub fn s(v: &str) -> Value {
    Value::from(v)
}

pub fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::from(*s)).collect())
}

pub fn dict(items: &[(&str, Value)]) -> Value {
    let mut d = Dict::ordered();
    for (k, v) in items {
        d.insert(*k, v.clone());
    }
    Value::Dict(d)
}

/// Whether the Jinja renderer really renders (the workspace may still have a stub).
pub fn jinja_works(env: &Env) -> bool {
    rsalt_sls::jinja::render(&env.ctx.jinja, "{{ 1 + 1 }}", "t", "base", &Dict::new())
        .is_ok_and(|s| s == "2")
}
