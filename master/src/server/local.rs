//! The local API server (`sock_dir/master_cli.sock`): publish jobs and stream returns,
//! runner functions, key-change notifications and the event stream. Only root, the
//! master's own user and the users named in `publisher_acl` may connect.

use super::Shared;
use crate::jobcache::{jid_to_time, JobRecord};
use crate::keystore::KeyState;
use crate::localapi::{read_frame, write_frame, LocalEvent, LocalRequest};
use rsalt_data::{Dict, Value};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::sync::Arc;
use tokio::net::{UnixListener, UnixStream};

fn allowed_uids(shared: &Shared) -> Vec<u32> {
    let mut uids = vec![0];
    if let Ok(m) = std::fs::metadata("/proc/self") {
        uids.push(m.uid());
    }
    if let Some(acl) = shared
        .cfg
        .opts
        .get("publisher_acl")
        .and_then(Value::as_dict)
    {
        for (user, _) in acl.iter() {
            if let Some(pw) = user.as_str().and_then(rsalt_modules::exec::cmd::getpwnam) {
                uids.push(pw.uid);
            }
        }
    }
    uids
}

/// Binds the socket and spawns the accept loop.
pub(crate) async fn start(shared: Arc<Shared>) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let path = shared.cfg.cli_socket();
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)
        .map_err(|e| anyhow::anyhow!("binding the local socket {}: {e}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o660))?;
    Ok(tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let uid = stream.peer_cred().map(|c| c.uid()).ok();
            if !uid.is_some_and(|u| allowed_uids(&shared).contains(&u)) {
                tracing::warn!(?uid, "refusing a local client not allowed by publisher_acl");
                continue;
            }
            let user = uid
                .and_then(|u| {
                    std::fs::read_to_string("/etc/passwd").ok().and_then(|t| {
                        t.lines()
                            .find(|l| l.split(':').nth(2) == Some(&u.to_string()))
                            .and_then(|l| l.split(':').next().map(str::to_string))
                    })
                })
                .unwrap_or_else(|| "root".into());
            tokio::spawn(serve(shared.clone(), stream, user));
        }
    }))
}

async fn serve(shared: Arc<Shared>, mut s: UnixStream, user: String) {
    let req: LocalRequest = match read_frame(&mut s).await {
        Ok(Some(r)) => r,
        _ => return,
    };
    match req {
        LocalRequest::Publish(spec) => match super::jobs::publish(&shared, spec, &user) {
            Ok(mut rx) => {
                while let Some(ev) = rx.recv().await {
                    let done = matches!(ev, LocalEvent::Done { .. });
                    if write_frame(&mut s, &ev).await.is_err() || done {
                        break;
                    }
                }
            }
            Err(message) => {
                let _ = write_frame(&mut s, &LocalEvent::Error { message }).await;
            }
        },
        LocalRequest::Resolve { tgt, tgt_type } => {
            let ids = super::expected_minions(&shared, &tgt, &tgt_type);
            let _ = write_frame(&mut s, &LocalEvent::Minions { ids }).await;
        }
        LocalRequest::KeysChanged => {
            shared.recheck_keys_and_rotate(true);
            let _ = write_frame(&mut s, &LocalEvent::Ok).await;
        }
        LocalRequest::Runner { fun, arg, kwarg } => {
            let ev = match runner(&shared, &fun, &arg, &kwarg) {
                Ok(ret) => LocalEvent::RunnerResult { ret, retcode: 0 },
                Err(message) => LocalEvent::Error { message },
            };
            let _ = write_frame(&mut s, &ev).await;
        }
        LocalRequest::Events => {
            let mut rx = shared.events.subscribe();
            loop {
                match rx.recv().await {
                    Ok((tag, data)) => {
                        if write_frame(&mut s, &LocalEvent::Event { tag, data })
                            .await
                            .is_err()
                        {
                            break;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
        }
    }
}

fn strs(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::from(s.as_str())).collect())
}

fn job_info(r: &JobRecord) -> Dict {
    let mut d = Dict::new();
    d.insert("Arguments", Value::List(r.arg.clone()));
    d.insert("Function", Value::from(r.fun.as_str()));
    d.insert("StartTime", Value::Str(jid_to_time(&r.jid)));
    d.insert("Target", r.tgt.clone());
    d.insert("Target-type", Value::from(r.tgt_type.as_str()));
    d.insert("User", Value::from(r.user.as_str()));
    d
}

fn up_down(shared: &Shared) -> (Vec<String>, Vec<String>) {
    let accepted = shared.keys.list(KeyState::Accepted).unwrap_or_default();
    let st = shared.lock();
    accepted.into_iter().partition(|id| {
        st.minions
            .get(id)
            .is_some_and(|m| Shared::is_connected(m, shared.heartbeat))
    })
}

/// The runner functions the master serves.
fn runner(shared: &Shared, fun: &str, arg: &[Value], kwarg: &Value) -> Result<Value, String> {
    let kw = |k: &str| kwarg.as_dict().and_then(|d| d.get(k)).cloned();
    match fun {
        "manage.up" => Ok(strs(&up_down(shared).0)),
        "manage.down" => Ok(strs(&up_down(shared).1)),
        "manage.status" => {
            let (up, down) = up_down(shared);
            let mut d = Dict::new();
            d.insert("up", strs(&up));
            d.insert("down", strs(&down));
            Ok(Value::Dict(d))
        }
        "jobs.list_jobs" => {
            let mut d = Dict::new();
            for jid in shared.jobs.list_jids() {
                if let Some(r) = shared.jobs.get_load(&jid) {
                    d.insert(jid.as_str(), Value::Dict(job_info(&r)));
                }
            }
            Ok(Value::Dict(d))
        }
        "jobs.lookup_jid" => {
            let jid = arg
                .first()
                .cloned()
                .or_else(|| kw("jid"))
                .map(|v| v.to_py_str())
                .ok_or("jobs.lookup_jid needs a jid")?;
            let mut d = Dict::new();
            for (id, r) in shared.jobs.get_returns(&jid) {
                d.insert(id.as_str(), r.ret);
            }
            Ok(Value::Dict(d))
        }
        "jobs.list_job" => {
            let jid = arg
                .first()
                .cloned()
                .or_else(|| kw("jid"))
                .map(|v| v.to_py_str())
                .ok_or("jobs.list_job needs a jid")?;
            let r = shared
                .jobs
                .get_load(&jid)
                .ok_or_else(|| format!("job {jid} not found"))?;
            let mut d = job_info(&r);
            d.insert("jid", Value::from(jid.as_str()));
            d.insert("Minions", strs(&r.minions));
            let mut rets = Dict::new();
            for (id, ret) in shared.jobs.get_returns(&jid) {
                rets.insert(id.as_str(), ret.ret);
            }
            d.insert("Result", Value::Dict(rets));
            Ok(Value::Dict(d))
        }
        "jobs.active" => {
            let st = shared.lock();
            let mut d = Dict::new();
            for (jid, job) in &st.jobs {
                let Some(r) = shared.jobs.get_load(jid) else {
                    continue;
                };
                let mut info = job_info(&r);
                let running: Vec<Value> = job
                    .expected
                    .iter()
                    .filter(|id| !job.returned.contains(*id))
                    .map(|id| Value::from(id.as_str()))
                    .collect();
                info.insert("Running", Value::List(running));
                info.insert(
                    "Returned",
                    strs(&job.returned.iter().cloned().collect::<Vec<_>>()),
                );
                d.insert(jid.as_str(), Value::Dict(info));
            }
            Ok(Value::Dict(d))
        }
        other => Err(format!("'{other}' is not available.")),
    }
}
