//! `rsalt-minion` command line (Salt's `salt-minion` flags that apply).

use anyhow::Context;
use clap::Parser;
use rsalt_sls::opts::OptsExt;
use std::path::PathBuf;

/// The rsalt minion daemon.
#[derive(Debug, Parser)]
#[command(
    name = "rsalt-minion",
    version,
    about = "The rsalt minion: connects to its master and runs its jobs"
)]
pub struct MinionArgs {
    /// Configuration directory (`DIR/minion`, `DIR/minion.d/*.conf`, `DIR/grains`).
    #[arg(short = 'c', long = "config-dir", default_value = rsalt_sls::opts::DEFAULT_CONFIG_DIR)]
    pub config_dir: PathBuf,
    /// Console log level (Salt's names: quiet, critical, error, warning, info, debug, trace).
    #[arg(short = 'l', long = "log-level")]
    pub log_level: Option<String>,
    /// Log file (overrides `log_file`).
    #[arg(long = "log-file")]
    pub log_file: Option<PathBuf>,
    /// Accepted for compatibility; rsalt-minion always runs in the foreground (use the
    /// systemd unit to daemonize).
    #[arg(short = 'd', long = "daemon")]
    pub daemon: bool,
    /// Swarm mode (tests, benchmarks): run N minion identities `ID-0000`… in this process,
    /// each with its own key under `pki_dir/swarm/`.
    #[arg(long = "swarm", value_name = "N")]
    pub swarm: Option<usize>,
}

/// Runs the daemon until SIGTERM/SIGINT.
pub fn run(args: MinionArgs) -> anyhow::Result<()> {
    if let Some(n) = args.swarm {
        return run_swarm(&args, n);
    }
    let setup = crate::daemon::setup(&args.config_dir, false)?;
    let level = args
        .log_level
        .clone()
        .or_else(|| setup.opts.opt_str("log_level"))
        .unwrap_or_else(|| "warning".into());
    let log_file = args.log_file.clone().or_else(|| {
        setup
            .opts
            .opt_str("log_file")
            .filter(|s| !s.is_empty() && args.log_level.is_none())
            .map(PathBuf::from)
    });
    rsalt_output::logging::init(
        &level,
        log_file.as_deref(),
        setup.opts.opt_bool("log_fmt_json", false),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
        .context("starting the runtime")?;
    rt.block_on(async move {
        let shutdown = async {
            use tokio::signal::unix::{signal, SignalKind};
            match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => std::future::pending::<()>().await,
            }
        };
        crate::daemon::run(setup, shutdown).await
    })
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

fn run_swarm(args: &MinionArgs, n: usize) -> anyhow::Result<()> {
    rsalt_output::logging::init(
        args.log_level.as_deref().unwrap_or("warning"),
        args.log_file.as_deref(),
        false,
    );
    let setups = crate::daemon::swarm_setups(&args.config_dir, n)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .max_blocking_threads(64)
        .build()
        .context("starting the runtime")?;
    rt.block_on(crate::daemon::run_swarm(setups, shutdown_signal()))
}
