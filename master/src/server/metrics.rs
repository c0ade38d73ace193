//! Prometheus-format metrics on `metrics_address` (loopback by default): connected
//! minions, jobs published, returns, publish-to-return latency, auth failures, dropped
//! frames. Set `metrics_address: ""` to disable.

use super::Shared;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BUCKETS_MS: [u64; 10] = [1, 5, 10, 25, 50, 100, 250, 1000, 5000, 30000];

/// Counters.
#[derive(Default)]
pub(crate) struct Metrics {
    published: AtomicU64,
    returns: AtomicU64,
    auth_failures: AtomicU64,
    dropped: AtomicU64,
    latency_buckets: [AtomicU64; 10],
    latency_sum_us: AtomicU64,
    latency_count: AtomicU64,
}

impl Metrics {
    pub(crate) fn inc_published(&self) {
        self.published.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn inc_returns(&self) {
        self.returns.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn inc_auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn inc_dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn observe_latency(&self, d: Duration) {
        let ms = d.as_millis() as u64;
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            if ms <= *b {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_sum_us
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, connected: usize) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut s = String::new();
        s.push_str("# TYPE rsalt_connected_minions gauge\n");
        s.push_str(&format!("rsalt_connected_minions {connected}\n"));
        s.push_str("# TYPE rsalt_jobs_published_total counter\n");
        s.push_str(&format!(
            "rsalt_jobs_published_total {}\n",
            g(&self.published)
        ));
        s.push_str("# TYPE rsalt_returns_total counter\n");
        s.push_str(&format!("rsalt_returns_total {}\n", g(&self.returns)));
        s.push_str("# TYPE rsalt_auth_failures_total counter\n");
        s.push_str(&format!(
            "rsalt_auth_failures_total {}\n",
            g(&self.auth_failures)
        ));
        s.push_str("# TYPE rsalt_dropped_frames_total counter\n");
        s.push_str(&format!(
            "rsalt_dropped_frames_total {}\n",
            g(&self.dropped)
        ));
        s.push_str("# TYPE rsalt_return_latency_seconds histogram\n");
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            s.push_str(&format!(
                "rsalt_return_latency_seconds_bucket{{le=\"{}\"}} {}\n",
                *b as f64 / 1000.0,
                g(&self.latency_buckets[i])
            ));
        }
        s.push_str(&format!(
            "rsalt_return_latency_seconds_bucket{{le=\"+Inf\"}} {}\n",
            g(&self.latency_count)
        ));
        s.push_str(&format!(
            "rsalt_return_latency_seconds_sum {}\n",
            g(&self.latency_sum_us) as f64 / 1e6
        ));
        s.push_str(&format!(
            "rsalt_return_latency_seconds_count {}\n",
            g(&self.latency_count)
        ));
        s
    }
}

/// Serves `GET /metrics` on `metrics_address`; `None` when disabled or the bind fails.
pub(crate) async fn start(shared: Arc<Shared>) -> Option<tokio::task::JoinHandle<()>> {
    let addr = shared.cfg.str("metrics_address");
    if addr.is_empty() {
        return None;
    }
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(addr, error = %e, "metrics endpoint disabled: cannot bind");
            return None;
        }
    };
    Some(tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                continue;
            };
            let sh = shared.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
                let connected = {
                    let st = sh.lock();
                    st.minions
                        .values()
                        .filter(|m| Shared::is_connected(m, sh.heartbeat))
                        .count()
                };
                let body = sh.metrics.render(connected);
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    }))
}
