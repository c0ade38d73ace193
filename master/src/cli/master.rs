//! `rsalt-master` command line.

use clap::Parser;
use std::path::PathBuf;

/// The rsalt master daemon.
#[derive(Debug, Parser)]
#[command(
    name = "rsalt-master",
    version,
    about = "The rsalt master: keys, rendering, publishing, job cache"
)]
pub struct MasterArgs {
    /// Configuration directory (`DIR/master`, `DIR/master.d/*.conf`).
    #[arg(short = 'c', long = "config-dir", default_value = crate::config::DEFAULT_CONFIG_DIR)]
    pub config_dir: PathBuf,
    /// Console log level (Salt's names).
    #[arg(short = 'l', long = "log-level")]
    pub log_level: Option<String>,
    /// Accepted for compatibility; runs in the foreground (use the systemd unit).
    #[arg(short = 'd', long = "daemon")]
    pub daemon: bool,
}

/// Runs the master until SIGTERM/SIGINT; SIGHUP reloads keys and autosign files.
pub fn run(args: MasterArgs) -> anyhow::Result<()> {
    let cfg = super::load(&args.config_dir, args.log_level.as_deref(), true)?;
    let workers = usize::try_from(cfg.int("worker_threads").clamp(1, 64)).unwrap_or(2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(workers.clamp(2, 4))
        .max_blocking_threads(workers.max(2) * 2)
        .build()?;
    rt.block_on(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (reload_tx, reload_rx) = tokio::sync::mpsc::channel(4);
        if let Ok(mut hup) = signal(SignalKind::hangup()) {
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    let _ = reload_tx.send(()).await;
                }
            });
        }
        let shutdown = async {
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
        crate::server::run(cfg, shutdown, reload_rx).await
    })
}
