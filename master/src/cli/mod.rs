//! Command-line front ends: `rsalt-master`, `rsalt`, `rsalt-key`, `rsalt-run`.

pub mod key;
pub mod master;
pub mod run;
pub mod salt;

use crate::config::MasterConfig;
use std::path::Path;

/// Loads the master config and sets up logging for a CLI (`-l` wins over `log_level`).
pub fn load(
    config_dir: &Path,
    log_level: Option<&str>,
    daemon: bool,
) -> anyhow::Result<MasterConfig> {
    let cfg = MasterConfig::load(config_dir)?;
    let level = log_level.map(str::to_string).unwrap_or_else(|| {
        if daemon {
            cfg.str("log_level")
        } else {
            "warning".into()
        }
    });
    let log_file = (daemon && log_level.is_none())
        .then(|| cfg.path("log_file"))
        .filter(|p| !p.as_os_str().is_empty());
    rsalt_output::logging::init(&level, log_file.as_deref(), cfg.bool("log_fmt_json"));
    Ok(cfg)
}

/// A current-thread tokio runtime for the CLIs.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
