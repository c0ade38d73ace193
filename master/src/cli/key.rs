//! `rsalt-key`: salt-key's verbs and flags over the master's key store, then a nudge to the
//! running master so it drops sessions of removed keys and rotates the publish key.

use crate::keystore::{FsKeyStore, KeyState, KeyStore};
use crate::localapi::{self, LocalEvent, LocalRequest};
use clap::Parser;
use rsalt_data::{Dict, Value};
use rsalt_proto::keys::{pem_finger, Identity};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// Manage minion keys on the master.
#[derive(Debug, Parser)]
#[command(
    name = "rsalt-key",
    version,
    about = "Manage the master's minion keys (salt-key compatible)"
)]
pub struct KeyArgs {
    /// Configuration directory.
    #[arg(short = 'c', long = "config-dir", default_value = crate::config::DEFAULT_CONFIG_DIR)]
    pub config_dir: PathBuf,
    /// Log level.
    #[arg(long = "log-level")]
    pub log_level: Option<String>,
    /// List all keys.
    #[arg(short = 'L', long = "list-all")]
    pub list_all: bool,
    /// List keys in a state: pre/un/unaccepted, acc/accepted, rej/rejected, den/denied, all.
    #[arg(short = 'l', long = "list")]
    pub list: Option<String>,
    /// Accept the pending keys matching a glob.
    #[arg(short = 'a', long = "accept")]
    pub accept: Option<String>,
    /// Accept all pending keys.
    #[arg(short = 'A', long = "accept-all")]
    pub accept_all: bool,
    /// Reject the pending keys matching a glob.
    #[arg(short = 'r', long = "reject")]
    pub reject: Option<String>,
    /// Reject all pending keys.
    #[arg(short = 'R', long = "reject-all")]
    pub reject_all: bool,
    /// Delete the keys matching a glob.
    #[arg(short = 'd', long = "delete")]
    pub delete: Option<String>,
    /// Delete all keys.
    #[arg(short = 'D', long = "delete-all")]
    pub delete_all: bool,
    /// Print the fingerprint of the keys matching a glob.
    #[arg(short = 'f', long = "finger")]
    pub finger: Option<String>,
    /// Print all fingerprints.
    #[arg(short = 'F', long = "finger-all")]
    pub finger_all: bool,
    /// Print the keys matching a glob.
    #[arg(short = 'p', long = "print")]
    pub print: Option<String>,
    /// Print all keys.
    #[arg(short = 'P', long = "print-all")]
    pub print_all: bool,
    /// Answer yes to every question.
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
    /// Include rejected and denied keys when accepting, accepted when rejecting.
    #[arg(long = "include-all")]
    pub include_all: bool,
    /// Include rejected keys when accepting.
    #[arg(long = "include-rejected")]
    pub include_rejected: bool,
    /// Include denied keys when accepting.
    #[arg(long = "include-denied")]
    pub include_denied: bool,
    /// Include accepted keys when rejecting.
    #[arg(long = "include-accepted")]
    pub include_accepted: bool,
    /// Outputter (`key` by default; `json`, `yaml`, `nested`, ...).
    #[arg(long = "out")]
    pub out: Option<String>,
    /// Generate a key pair NAME.pem/NAME.pub (into --gen-keys-dir).
    #[arg(long = "gen-keys")]
    pub gen_keys: Option<String>,
    /// Where --gen-keys writes.
    #[arg(long = "gen-keys-dir", default_value = ".")]
    pub gen_keys_dir: PathBuf,
}

fn state_from_word(w: &str) -> Option<Vec<KeyState>> {
    Some(match w {
        "pre" | "un" | "unaccepted" => vec![KeyState::Pending],
        "acc" | "accepted" => vec![KeyState::Accepted],
        "rej" | "rejected" => vec![KeyState::Rejected],
        "den" | "denied" => vec![KeyState::Denied],
        "all" => KeyState::ALL.to_vec(),
        _ => return None,
    })
}

type Listing = Vec<(KeyState, Vec<String>)>;

/// Renders one key entry (fingerprint or PEM) for the `key` outputter.
type KeyDetail<'a> = &'a dyn Fn(KeyState, &str) -> String;

fn listing(store: &FsKeyStore, states: &[KeyState], glob: &str) -> anyhow::Result<Listing> {
    let mut out = Vec::new();
    for s in states {
        let ids: Vec<String> = store
            .list(*s)?
            .into_iter()
            .filter(|id| glob == "*" || rsalt_sls::fnmatch::fnmatch(id, glob) || id == glob)
            .collect();
        out.push((*s, ids));
    }
    // salt-key sorts by folder name: minions, minions_denied, minions_pre, minions_rejected.
    out.sort_by_key(|(s, _)| s.dir_name());
    Ok(out)
}

fn render_key(listing: &Listing, fingers: Option<KeyDetail<'_>>, color: bool) -> String {
    let (endc, heads) = if color {
        ("\x1b[0m", true)
    } else {
        ("", false)
    };
    let mut s = String::new();
    for (state, ids) in listing {
        let (head_c, c) = match (heads, state) {
            (false, _) => ("", ""),
            (true, KeyState::Accepted) => ("\x1b[1;32m", "\x1b[0;32m"),
            (true, KeyState::Pending) => ("\x1b[1;31m", "\x1b[0;31m"),
            (true, KeyState::Rejected) => ("\x1b[1;34m", "\x1b[0;34m"),
            (true, KeyState::Denied) => ("\x1b[1;35m", "\x1b[0;35m"),
        };
        s.push_str(&format!("{head_c}{}{endc}\n", state.heading()));
        let mut ids = ids.clone();
        ids.sort();
        for id in ids {
            match fingers {
                Some(f) => s.push_str(&format!("{c}{id}:  {}{endc}\n", f(*state, &id))),
                None => s.push_str(&format!("{c}{id}{endc}\n")),
            }
        }
    }
    s
}

fn as_value(listing: &Listing) -> Value {
    let mut d = Dict::new();
    for (state, ids) in listing {
        d.insert(
            state.out_key(),
            Value::List(ids.iter().map(|i| Value::from(i.as_str())).collect()),
        );
    }
    Value::Dict(d)
}

fn print_out(
    args: &KeyArgs,
    listing: &Listing,
    fingers: Option<KeyDetail<'_>>,
) -> anyhow::Result<()> {
    match args.out.as_deref() {
        None | Some("key") => {
            print!(
                "{}",
                render_key(listing, fingers, std::io::stdout().is_terminal())
            );
        }
        Some(out) => {
            let v = match fingers {
                Some(f) => {
                    let mut d = Dict::new();
                    for (state, ids) in listing {
                        let mut inner = Dict::new();
                        for id in ids {
                            inner.insert(id.as_str(), Value::Str(f(*state, id)));
                        }
                        d.insert(state.out_key(), Value::Dict(inner));
                    }
                    Value::Dict(d)
                }
                None => as_value(listing),
            };
            let text = rsalt_output::display(out, &v, &rsalt_output::OutputOptions::default())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            print!("{text}");
        }
    }
    Ok(())
}

fn confirm(prompt: &str, default_yes: bool) -> bool {
    print!("{prompt}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    let l = line.trim().to_ascii_lowercase();
    if l.is_empty() {
        default_yes
    } else {
        l.starts_with('y')
    }
}

async fn notify_master(sock: &std::path::Path) {
    if let Ok(mut s) = localapi::connect(sock).await {
        if localapi::write_frame(&mut s, &LocalRequest::KeysChanged)
            .await
            .is_ok()
        {
            let _ = localapi::read_frame::<LocalEvent>(&mut s).await;
        }
    }
}

/// Runs `rsalt-key`; returns the exit code.
pub fn run(args: KeyArgs) -> anyhow::Result<i32> {
    let cfg = super::load(&args.config_dir, args.log_level.as_deref(), false)?;
    if let Some(name) = &args.gen_keys {
        let id = Identity::generate()?;
        std::fs::create_dir_all(&args.gen_keys_dir)?;
        rsalt_proto::keys::write_private(&args.gen_keys_dir.join(format!("{name}.pem")), &id)?;
        rsalt_proto::keys::write_public(
            &args.gen_keys_dir.join(format!("{name}.pub")),
            &id.public(),
        )?;
        return Ok(0);
    }
    let pki = cfg.path("pki_dir");
    let store = FsKeyStore::new(&pki)?;
    let finger_of = |state: KeyState, id: &str| -> String {
        std::fs::read_to_string(pki.join(state.dir_name()).join(id))
            .map(|t| pem_finger(&t))
            .unwrap_or_default()
    };
    // Mutating verbs.
    let verb = if args.accept.is_some() || args.accept_all {
        Some(("accept", args.accept.clone().unwrap_or_else(|| "*".into())))
    } else if args.reject.is_some() || args.reject_all {
        Some(("reject", args.reject.clone().unwrap_or_else(|| "*".into())))
    } else if args.delete.is_some() || args.delete_all {
        Some(("delete", args.delete.clone().unwrap_or_else(|| "*".into())))
    } else {
        None
    };
    if let Some((verb, glob)) = verb {
        let mut from = vec![KeyState::Pending];
        match verb {
            "accept" => {
                if args.include_all || args.include_rejected {
                    from.push(KeyState::Rejected);
                }
                if args.include_all || args.include_denied {
                    from.push(KeyState::Denied);
                }
            }
            "reject" => {
                if args.include_all || args.include_accepted {
                    from.push(KeyState::Accepted);
                }
            }
            _ => from = KeyState::ALL.to_vec(),
        }
        let matched: Listing = listing(&store, &from, &glob)?
            .into_iter()
            .filter(|(_, ids)| !ids.is_empty())
            .collect();
        if matched.is_empty() {
            let statuses: Vec<&str> = match verb {
                "delete" => vec!["unaccepted", "accepted", "rejected", "denied"],
                _ => from
                    .iter()
                    .map(|s| match s {
                        KeyState::Pending => "unaccepted",
                        KeyState::Accepted => "accepted",
                        KeyState::Rejected => "rejected",
                        KeyState::Denied => "denied",
                    })
                    .collect(),
            };
            let stat = if statuses.len() == 1 {
                statuses[0].to_string()
            } else {
                format!(
                    "{} or {}",
                    statuses[..statuses.len() - 1].join(", "),
                    statuses[statuses.len() - 1]
                )
            };
            println!("The key glob '{glob}' does not match any {stat} keys.");
            return Ok(0);
        }
        println!(
            "The following keys are going to be {}ed:",
            verb.trim_end_matches('e')
        );
        print!(
            "{}",
            render_key(&matched, None, std::io::stdout().is_terminal())
        );
        let go = args.yes
            || if verb == "delete" {
                confirm("Proceed? [N/y] ", false)
            } else {
                confirm("Proceed? [n/Y] ", true)
            };
        if !go {
            return Ok(0);
        }
        for (state, ids) in &matched {
            for id in ids {
                let key = store.get(*state, id)?;
                match verb {
                    "accept" => {
                        if let Some(k) = key {
                            store.put(KeyState::Accepted, id, &k)?;
                            store.remove(*state, id)?;
                        }
                    }
                    "reject" => {
                        if let Some(k) = key {
                            store.put(KeyState::Rejected, id, &k)?;
                            store.remove(*state, id)?;
                        }
                    }
                    _ => {
                        store.remove(*state, id)?;
                    }
                }
                println!("Key for minion {id} {}ed.", verb.trim_end_matches('e'));
            }
        }
        if let Ok(rt) = super::runtime() {
            rt.block_on(notify_master(&cfg.cli_socket()));
        }
        return Ok(0);
    }
    // Read-only verbs.
    if args.finger.is_some() || args.finger_all {
        let glob = args.finger.clone().unwrap_or_else(|| "*".into());
        let mut l = listing(&store, &KeyState::ALL, &glob)?;
        l.retain(|(_, ids)| !ids.is_empty());
        if args.finger_all {
            // salt-key -F also shows the master's own keys as "Local Keys".
            let local: Vec<(String, String)> = ["master.pem", "master.pub"]
                .iter()
                .filter_map(|n| {
                    Some((
                        n.to_string(),
                        pem_finger(&std::fs::read_to_string(pki.join(n)).ok()?),
                    ))
                })
                .collect();
            if !local.is_empty() && args.out.is_none() {
                println!("Local Keys:");
                for (n, f) in &local {
                    println!("{n}:  {f}");
                }
            }
        }
        print_out(&args, &l, Some(&finger_of))?;
        return Ok(0);
    }
    if args.print.is_some() || args.print_all {
        let glob = args.print.clone().unwrap_or_else(|| "*".into());
        let mut l = listing(&store, &KeyState::ALL, &glob)?;
        l.retain(|(_, ids)| !ids.is_empty());
        let pem = |state: KeyState, id: &str| -> String {
            std::fs::read_to_string(pki.join(state.dir_name()).join(id)).unwrap_or_default()
        };
        print_out(&args, &l, Some(&pem))?;
        return Ok(0);
    }
    let states = match &args.list {
        Some(w) => state_from_word(w)
            .ok_or_else(|| anyhow::anyhow!("'{w}' is not a valid argument to '-l': use pre, un, unaccepted, acc, accepted, rej, rejected, den, denied or all"))?,
        None => KeyState::ALL.to_vec(),
    };
    let l = listing(&store, &states, "*")?;
    print_out(&args, &l, None)?;
    Ok(0)
}
