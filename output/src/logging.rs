//! Log setup shared by every rsalt binary: Salt's level names (`-l/--log-level`,
//! `log_level`), stderr on the console, an optional `log_file`, and JSON lines when
//! `log_fmt_json: True` or `RSALT_LOG_FORMAT=json`. `RSALT_LOG` (an `EnvFilter`) overrides
//! the level.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Salt's level name → a tracing filter directive.
pub fn level_filter(level: &str) -> &'static str {
    match level.to_ascii_lowercase().as_str() {
        "all" | "garbage" | "trace" => "trace",
        "debug" | "profile" => "debug",
        "info" => "info",
        "warning" | "warn" => "warn",
        "quiet" => "off",
        _ => "error",
    }
}

/// Installs the global subscriber (a second call is a no-op).
pub fn init(level: &str, log_file: Option<&Path>, json: bool) {
    let json = json || std::env::var("RSALT_LOG_FORMAT").is_ok_and(|v| v == "json");
    let filter = || {
        EnvFilter::try_from_env("RSALT_LOG").unwrap_or_else(|_| EnvFilter::new(level_filter(level)))
    };
    let console = if json {
        fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .with_filter(filter())
            .boxed()
    } else {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
            .with_filter(filter())
            .boxed()
    };
    let file = log_file.and_then(|p| {
        if let Some(dir) = p.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .ok()
    });
    let file_layer = file.map(|f| {
        if json {
            fmt::layer()
                .json()
                .with_writer(Mutex::new(f))
                .with_filter(filter())
                .boxed()
        } else {
            fmt::layer()
                .with_writer(Mutex::new(f))
                .with_ansi(false)
                .with_filter(filter())
                .boxed()
        }
    });
    let _ = tracing_subscriber::registry()
        .with(console)
        .with(file_layer)
        .try_init();
}
