//! `rsalt-call`: a drop-in for `salt-call` on the subset rsalt supports.
//!
//! Flow (as `salt/cli/caller.py`): load options (`-c DIR`), grains, compile pillar, run the
//! function, print `{"local": return}` with the chosen outputter, exit with Salt's codes
//! (`--retcode-passthrough` passes the function's retcode, otherwise any non-zero is 1).

use anyhow::Context;
use clap::Parser;
use rsalt_data::{Dict, Value};
use rsalt_modules::exec::{self, Args};
use rsalt_output::{OutputOptions, StateOutput};
use rsalt_sls::jinja::JinjaOptions;
use rsalt_sls::FileClient;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// `rsalt-call` options (salt-call's spellings).
#[derive(Debug, Parser)]
#[command(
    name = "rsalt-call",
    version,
    about = "Run a Salt execution function locally (salt-call compatible)"
)]
pub struct CallArgs {
    /// Configuration directory holding `minion` and `minion.d/` (a Salt config dir works).
    #[arg(short = 'c', long = "config-dir", default_value = "/etc/rsalt")]
    pub config_dir: PathBuf,
    /// Run masterless: use the local file_roots and pillar_roots.
    #[arg(long)]
    pub local: bool,
    /// Outputter: highstate, nested, json, yaml, txt, raw, quiet, pprint.
    #[arg(long = "out", alias = "output")]
    pub out: Option<String>,
    /// Indentation for json/yaml/nested outputters.
    #[arg(
        long = "out-indent",
        alias = "output-indent",
        allow_hyphen_values = true
    )]
    pub out_indent: Option<i64>,
    /// Write the output to this file instead of stdout.
    #[arg(long = "out-file", alias = "output-file")]
    pub out_file: Option<PathBuf>,
    /// Disable colours.
    #[arg(long = "no-color", alias = "no-colour")]
    pub no_color: bool,
    /// Force colours even when stdout is not a TTY.
    #[arg(long = "force-color", alias = "force-colour")]
    pub force_color: bool,
    /// Highstate output mode: full, terse, mixed, changes, full_id, terse_id, mixed_id, changes_id.
    #[arg(long = "state-output", alias = "state_output")]
    pub state_output: Option<String>,
    /// Show successful states without changes (True/False).
    #[arg(long = "state-verbose", alias = "state_verbose")]
    pub state_verbose: Option<String>,
    /// Show only changed and failed states.
    #[arg(long = "output-diff")]
    pub output_diff: bool,
    /// Exit with the function's return code instead of 0/1.
    #[arg(long = "retcode-passthrough")]
    pub retcode_passthrough: bool,
    /// Console log level.
    #[arg(short = 'l', long = "log-level")]
    pub log_level: Option<String>,
    /// Override the minion id.
    #[arg(long = "id")]
    pub id: Option<String>,
    /// Override file_roots (base) with this directory.
    #[arg(long = "file-root")]
    pub file_root: Option<PathBuf>,
    /// Override pillar_roots (base) with this directory.
    #[arg(long = "pillar-root")]
    pub pillar_root: Option<PathBuf>,
    /// Print the grains and exit.
    #[arg(short = 'g', long = "grains")]
    pub grains: bool,
    /// The function to run, then its arguments (`key=value` for keyword arguments).
    /// Options may appear anywhere, as with salt-call.
    pub fun_and_args: Vec<String>,
}

pub use rsalt_modules::args::{parse_kwarg, yamlify_arg};

/// A job id as Salt makes them: local time `YYYYMMDDhhmmssffffff`.
pub fn gen_jid() -> String {
    chrono::Local::now().format("%Y%m%d%H%M%S%6f").to_string()
}

fn is_true_str(s: &str) -> bool {
    matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
}

fn opt_bool(opts: &Dict, key: &str, default: bool) -> bool {
    match opts.get(key) {
        Some(Value::Str(s)) => is_true_str(s),
        Some(v) => v.truthy(),
        None => default,
    }
}

fn set_root(opts: &mut Dict, key: &str, dir: &std::path::Path) {
    let mut d = Dict::new();
    d.insert(
        "base",
        Value::List(vec![Value::Str(dir.to_string_lossy().into_owned())]),
    );
    opts.insert(key, Value::Dict(d));
}

fn output_options(args: &CallArgs, opts: &Dict, retcode: i64) -> OutputOptions {
    let mut o = OutputOptions::default();
    let color_opt = opts.get("color").map(Value::truthy).unwrap_or(true);
    o.color = args.force_color || (!args.no_color && color_opt && std::io::stdout().is_terminal());
    let so = args
        .state_output
        .clone()
        .or_else(|| opts.get("state_output").map(Value::to_py_str))
        .unwrap_or_else(|| "full".into());
    o.state_output = StateOutput::parse(&so);
    o.state_verbose = match &args.state_verbose {
        Some(s) => is_true_str(s),
        None => opt_bool(opts, "state_verbose", true),
    };
    o.output_diff = args.output_diff || opt_bool(opts, "state_output_diff", false);
    o.indent = args
        .out_indent
        .or_else(|| opts.get("output_indent").and_then(Value::as_int));
    o.state_tabular = opt_bool(opts, "state_tabular", false);
    o.state_output_profile = opt_bool(opts, "state_output_profile", true);
    o.state_output_pct = opt_bool(opts, "state_output_pct", false);
    o.state_compress_ids = opt_bool(opts, "state_compress_ids", false);
    o.retcode = retcode;
    o
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RSALT_LOG").unwrap_or_else(|_| {
        let lvl = match level.to_ascii_lowercase().as_str() {
            "all" | "garbage" | "trace" => "trace",
            "debug" | "profile" => "debug",
            "info" => "info",
            "warning" | "warn" => "warn",
            "quiet" => "off",
            _ => "error",
        };
        tracing_subscriber::EnvFilter::new(lvl)
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// Runs `rsalt-call`; returns the process exit code.
pub fn run(args: CallArgs) -> anyhow::Result<i32> {
    let mut opts = rsalt_sls::opts::load_minion_opts(&args.config_dir).with_context(|| {
        format!(
            "reading the minion configuration in {}",
            args.config_dir.display()
        )
    })?;
    let level = args
        .log_level
        .clone()
        .or_else(|| opts.get("log_level").map(Value::to_py_str))
        .unwrap_or_else(|| "warning".into());
    init_logging(&level);
    if args.local {
        opts.insert("file_client", Value::from("local"));
    }
    if let Some(id) = &args.id {
        opts.insert("id", Value::from(id.as_str()));
    }
    if let Some(d) = &args.file_root {
        set_root(&mut opts, "file_roots", d);
    }
    if let Some(d) = &args.pillar_root {
        set_root(&mut opts, "pillar_roots", d);
    }
    let remote = opts.get("file_client").and_then(Value::as_str) != Some("local");
    let grains = crate::grains::load_grains(&opts, &args.config_dir).context("loading grains")?;
    opts.insert("grains", Value::Dict(grains.clone()));

    if args.grains {
        let mut ret = Dict::new();
        ret.insert("local", Value::Dict(grains));
        return print(&args, &opts, "nested", &Value::Dict(ret), 0).map(|_| 0);
    }
    let Some(fun) = args.fun_and_args.first().cloned() else {
        anyhow::bail!("no function given: rsalt-call [options] <function> [arguments]");
    };
    let mut call_args = Args::default();
    for a in &args.fun_and_args[1..] {
        match parse_kwarg(a) {
            Some((k, v)) => {
                call_args.kwargs.insert(k, yamlify_arg(&v));
            }
            None => call_args.args.push(yamlify_arg(a)),
        }
    }
    // What salt-call passes to every function (visible to those taking **kwargs).
    call_args
        .kwargs
        .insert("__pub_fun", Value::from(fun.as_str()));
    call_args
        .kwargs
        .insert("__pub_pid", Value::Int(i64::from(std::process::id())));
    call_args.kwargs.insert("__pub_jid", Value::Str(gen_jid()));
    call_args
        .kwargs
        .insert("__pub_tgt", Value::from("salt-call"));

    if remote {
        return remote_call(&args, &opts, &fun, call_args);
    }
    let files: Arc<dyn FileClient> =
        Arc::new(rsalt_modules::highstate::roots_client(&opts, "file_roots"));
    let jinja_options = JinjaOptions {
        trim_blocks: opt_bool(&opts, "jinja_trim_blocks", false),
        lstrip_blocks: opt_bool(&opts, "jinja_lstrip_blocks", false),
        allow_undefined: opt_bool(&opts, "allow_undefined", false),
    };
    let registry = exec::registry();
    let usage = registry.doc(&fun).unwrap_or("").to_string();
    let ctx = exec::new_context(
        opts.clone(),
        grains,
        Dict::new(),
        files,
        jinja_options,
        registry,
    );
    let pillar = rsalt_modules::highstate::compile_pillar(&ctx, &Dict::new(), None);
    if let Ok(mut p) = ctx.pillar.write() {
        *p = pillar;
    }

    let caller = ctx.caller.clone();
    let _ = exec::take_retcode();
    let (ret, mut retcode) =
        match caller.call(&fun, call_args.args.clone(), call_args.kwargs.clone()) {
            Ok(v) => {
                let rc = exec::take_retcode().unwrap_or(0);
                (v, rc)
            }
            Err(rsalt_sls::CallError::NotAvailable(f)) => {
                // salt-call prints this on stderr, no output, and exits 255.
                let _ = writeln!(std::io::stderr(), "'{f}' is not available.");
                return Ok(255);
            }
            Err(rsalt_sls::CallError::BadArguments(e)) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "\nPassed invalid arguments: {e}.\n\nUsage:\n{usage}"
                );
                return Ok(1);
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "Error running '{fun}': {e}");
                return Ok(1);
            }
        };
    if retcode == 0 {
        if let Value::Dict(d) = &ret {
            let failed = ["result", "success"]
                .iter()
                .any(|k| d.get(k).is_some_and(|v| !v.truthy()));
            if failed {
                retcode = 1;
            }
        }
    }
    let outputter = rsalt_output::resolve_outputter(args.out.as_deref(), &fun);
    let mut wrapped = Dict::new();
    wrapped.insert("local", ret);
    print(&args, &opts, &outputter, &Value::Dict(wrapped), retcode)?;
    Ok(
        if args.retcode_passthrough || opt_bool(&opts, "retcode_passthrough", false) {
            i32::try_from(retcode).unwrap_or(1)
        } else if retcode != 0 {
            1
        } else {
            0
        },
    )
}

/// `rsalt-call` with a master: state and pillar functions are compiled by the master
/// (exactly as for a published job); everything else runs here.
fn remote_call(args: &CallArgs, opts: &Dict, fun: &str, call_args: Args) -> anyhow::Result<i32> {
    use crate::daemon::{self, exec};
    let setup = daemon::setup(&args.config_dir, true)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let outcome = rt.block_on(async {
        let channel = daemon::channel::Channel::start(setup.channel.clone());
        let timeout = std::time::Duration::from_secs(
            opts.get("auth_timeout")
                .and_then(Value::as_int)
                .unwrap_or(60)
                .max(1) as u64,
        );
        channel
            .wait_up(timeout)
            .await
            .map_err(|e| anyhow::anyhow!("cannot authenticate with the master: {e}"))?;
        let local = exec::Local {
            opts: setup.opts.clone(),
            grains: setup.grains.clone(),
            file_cache: setup.cachedir.join("files"),
        };
        let jid = gen_jid();
        Ok::<_, anyhow::Error>(if exec::is_remote_state(fun) {
            exec::run_state(&channel, &local, &jid, fun, call_args).await
        } else {
            let f = fun.to_string();
            tokio::task::spawn_blocking(move || local.call(&f, &call_args))
                .await
                .context("running the function")?
        })
    })?;
    if !outcome.success && outcome.retcode == 254 {
        let _ = writeln!(std::io::stderr(), "{}", outcome.ret.to_py_str());
        return Ok(255);
    }
    let outputter = rsalt_output::resolve_outputter(args.out.as_deref(), fun);
    let mut wrapped = Dict::new();
    wrapped.insert("local", outcome.ret);
    print(
        args,
        opts,
        &outputter,
        &Value::Dict(wrapped),
        outcome.retcode,
    )?;
    Ok(if args.retcode_passthrough {
        i32::try_from(outcome.retcode).unwrap_or(1)
    } else {
        i32::from(outcome.retcode != 0)
    })
}

fn print(
    args: &CallArgs,
    opts: &Dict,
    outputter: &str,
    ret: &Value,
    retcode: i64,
) -> anyhow::Result<()> {
    let oo = output_options(args, opts, retcode);
    let text = rsalt_output::display(outputter, ret, &oo).map_err(|e| anyhow::anyhow!("{e}"))?;
    match &args.out_file {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kwargs_and_yamlify() {
        assert_eq!(
            parse_kwarg("test=true"),
            Some(("test".into(), "true".into()))
        );
        assert_eq!(parse_kwarg("a==b"), None);
        assert_eq!(parse_kwarg("1a=b"), None);
        assert_eq!(yamlify_arg("1_000"), Value::from("1_000"));
        assert_eq!(yamlify_arg("None"), Value::None);
        assert_eq!(yamlify_arg("a: b"), Value::from("a: b"));
    }
}
