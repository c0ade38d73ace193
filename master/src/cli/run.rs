//! `rsalt-run`: runner functions served by the master (`jobs.*`, `manage.*`) and
//! `state.event`.

use crate::localapi::{self, LocalEvent, LocalRequest};
use clap::Parser;
use rsalt_data::{Dict, Value};
use rsalt_modules::args::{parse_kwarg, yamlify_arg};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Run a master-side function.
#[derive(Debug, Parser)]
#[command(
    name = "rsalt-run",
    version,
    about = "Run master-side functions (salt-run compatible subset)"
)]
pub struct RunArgs {
    /// Configuration directory.
    #[arg(short = 'c', long = "config-dir", default_value = crate::config::DEFAULT_CONFIG_DIR)]
    pub config_dir: PathBuf,
    /// Log level.
    #[arg(short = 'l', long = "log-level")]
    pub log_level: Option<String>,
    /// Outputter.
    #[arg(long = "out")]
    pub out: Option<String>,
    /// Function and arguments.
    #[arg(required = true)]
    pub args: Vec<String>,
}

/// Runs `rsalt-run`; returns the exit code.
pub fn run(args: RunArgs) -> anyhow::Result<i32> {
    let cfg = super::load(&args.config_dir, args.log_level.as_deref(), false)?;
    let fun = args.args[0].clone();
    let mut arg = Vec::new();
    let mut kwarg = Dict::new();
    for w in &args.args[1..] {
        match parse_kwarg(w) {
            Some((k, v)) => {
                kwarg.insert(k, yamlify_arg(&v));
            }
            None => arg.push(yamlify_arg(w)),
        }
    }
    let rt = super::runtime()?;
    rt.block_on(async {
        let mut s = match localapi::connect(&cfg.cli_socket()).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("ERROR: {e}");
                return Ok(2);
            }
        };
        let o = rsalt_output::OutputOptions {
            color: std::io::stdout().is_terminal(),
            ..Default::default()
        };
        if fun == "state.event" {
            let pretty = kwarg.get("pretty").is_some_and(Value::truthy);
            localapi::write_frame(&mut s, &LocalRequest::Events).await?;
            while let Some(ev) = localapi::read_frame::<LocalEvent>(&mut s).await? {
                if let LocalEvent::Event { tag, data } = ev {
                    let opts = rsalt_data::json::JsonOptions {
                        indent: pretty.then_some(4),
                        sort_keys: true,
                        ..Default::default()
                    };
                    println!("{tag}\t{}", rsalt_data::json::dumps(&data, &opts));
                }
            }
            return Ok(0);
        }
        localapi::write_frame(
            &mut s,
            &LocalRequest::Runner {
                fun: fun.clone(),
                arg,
                kwarg: Value::Dict(kwarg),
            },
        )
        .await?;
        match localapi::read_frame::<LocalEvent>(&mut s).await? {
            Some(LocalEvent::RunnerResult { ret, retcode }) => {
                let out = args.out.clone().unwrap_or_else(|| "nested".into());
                let text =
                    rsalt_output::display(&out, &ret, &o).map_err(|e| anyhow::anyhow!("{e}"))?;
                print!("{text}");
                Ok(i32::try_from(retcode).unwrap_or(1))
            }
            Some(LocalEvent::Error { message }) => {
                eprintln!("{message}");
                Ok(1)
            }
            _ => {
                eprintln!("ERROR: no answer from the master");
                Ok(2)
            }
        }
    })
}
