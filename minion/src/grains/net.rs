//! Host name, interface, DNS and gateway grains, from `/proc` and `/sys` (no `ip` command,
//! no DNS).
//!
//! IPv4 addresses come from `/proc/net/fib_trie` (the local `/32 host LOCAL` entries) and
//! are assigned to the interface whose link route in `/proc/net/route` contains them;
//! IPv6 addresses come from `/proc/net/if_inet6`; MAC addresses from `/sys/class/net`.
//! Interfaces are listed in `ifindex` order, as `ip addr show` does.

use super::set;
use rsalt_data::{Dict, Value};
use rsalt_sls::opts::{fqhostname, gethostname, HostsEntry};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One network interface.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Iface {
    /// Interface name.
    pub name: String,
    /// Kernel interface index.
    pub index: u32,
    /// MAC address, if the link has one.
    pub hwaddr: Option<String>,
    /// IPv4 addresses.
    pub inet: Vec<Ipv4Addr>,
    /// IPv6 addresses (global scope first).
    pub inet6: Vec<Ipv6Addr>,
}

/// Local IPv4 addresses listed in `/proc/net/fib_trie` text.
pub fn parse_fib_trie(text: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut leaf: Option<Ipv4Addr> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            leaf = addr.trim().parse().ok();
        } else if t.starts_with("/32 host LOCAL") {
            if let Some(a) = leaf {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    out
}

/// `(iface, destination, mask, gateway, flags)` of `/proc/net/route` text.
pub fn parse_route(text: &str) -> Vec<(String, Ipv4Addr, Ipv4Addr, Ipv4Addr, u32)> {
    let hex = |s: &str| {
        u32::from_str_radix(s, 16)
            .ok()
            .map(|v| Ipv4Addr::from(v.swap_bytes()))
    };
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 8 {
                return None;
            }
            Some((
                f[0].to_string(),
                hex(f[1])?,
                hex(f[7])?,
                hex(f[2])?,
                u32::from_str_radix(f[3], 16).ok()?,
            ))
        })
        .collect()
}

/// The interface an IPv4 address belongs to: the longest link route containing it
/// (`lo` for loopback addresses).
pub fn iface_for(
    addr: Ipv4Addr,
    routes: &[(String, Ipv4Addr, Ipv4Addr, Ipv4Addr, u32)],
) -> Option<String> {
    if addr.is_loopback() {
        return Some("lo".into());
    }
    let a = u32::from(addr);
    routes
        .iter()
        .filter(|(_, dest, mask, gw, _)| {
            gw.is_unspecified()
                && a & u32::from(*mask) == u32::from(*dest)
                && !mask.is_unspecified()
        })
        .max_by_key(|(_, _, mask, _, _)| u32::from(*mask).count_ones())
        .map(|(i, ..)| i.clone())
}

/// `(address, ifname, scope)` of `/proc/net/if_inet6` text.
pub fn parse_if_inet6(text: &str) -> Vec<(Ipv6Addr, String, u32)> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 6 || f[0].len() != 32 {
                return None;
            }
            let v = u128::from_str_radix(f[0], 16).ok()?;
            let scope = u32::from_str_radix(f[3], 16).ok()?;
            Some((Ipv6Addr::from(v), f[5].to_string(), scope))
        })
        .collect()
}

/// The interfaces of this machine.
pub fn interfaces() -> Vec<Iface> {
    let mut ifaces: Vec<Iface> = std::fs::read_dir("/sys/class/net")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let read = |f: &str| {
                        std::fs::read_to_string(e.path().join(f))
                            .map(|s| s.trim().to_string())
                            .unwrap_or_default()
                    };
                    let index = read("ifindex").parse().unwrap_or(u32::MAX);
                    let addr = read("address");
                    Iface {
                        name,
                        index,
                        hwaddr: (!addr.is_empty()).then_some(addr),
                        ..Iface::default()
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    ifaces.sort_by(|a, b| (a.index, &a.name).cmp(&(b.index, &b.name)));
    let routes = std::fs::read_to_string("/proc/net/route")
        .map(|t| parse_route(&t))
        .unwrap_or_default();
    let mut v4 = std::fs::read_to_string("/proc/net/fib_trie")
        .map(|t| parse_fib_trie(&t))
        .unwrap_or_default();
    v4.sort();
    for addr in v4 {
        if let Some(name) = iface_for(addr, &routes) {
            if let Some(i) = ifaces.iter_mut().find(|i| i.name == name) {
                i.inet.push(addr);
            }
        }
    }
    let mut v6 = std::fs::read_to_string("/proc/net/if_inet6")
        .map(|t| parse_if_inet6(&t))
        .unwrap_or_default();
    let rank = |scope: u32| match scope {
        0x00 => 0,
        0x40 => 1,
        0x20 => 2,
        _ => 3,
    };
    v6.sort_by_key(|(_, _, scope)| rank(*scope));
    for (addr, name, _) in v6 {
        if let Some(i) = ifaces.iter_mut().find(|i| i.name == name) {
            i.inet6.push(addr);
        }
    }
    ifaces
}

/// `localhost`, `fqdn`, `host`, `domain`; returns the fqdn.
pub fn hostname_grains(g: &mut Dict, hosts: &[HostsEntry]) -> String {
    let hostname = gethostname();
    let fqdn = fqhostname(&hostname, hosts);
    let fqdn = if fqdn.is_empty() {
        "localhost.localdomain".to_string()
    } else {
        fqdn
    };
    set(g, "localhost", hostname);
    set(g, "fqdn", fqdn.clone());
    let (host, domain) = fqdn.split_once('.').unwrap_or((&fqdn, ""));
    set(g, "host", host);
    set(g, "domain", domain);
    fqdn
}

/// `hwaddr_interfaces`.
pub fn hwaddr_interfaces(g: &mut Dict, ifaces: &[Iface]) {
    let mut d = Dict::new();
    for i in ifaces {
        if let Some(hw) = &i.hwaddr {
            set(&mut d, &i.name, hw.as_str());
        }
    }
    g.insert("hwaddr_interfaces", Value::Dict(d));
}

fn addrs<T: ToString>(items: &[T]) -> Value {
    Value::List(items.iter().map(|a| Value::Str(a.to_string())).collect())
}

/// The addresses `/etc/hosts` gives for `name` (`getaddrinfo` through the files backend).
pub fn hosts_lookup(name: &str, hosts: &[HostsEntry]) -> Vec<IpAddr> {
    let mut out = Vec::new();
    for e in hosts {
        if e.names.iter().any(|n| n == name) {
            if let Ok(a) = e.addr.parse::<IpAddr>() {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    out
}

/// `ip4_interfaces`, `ip6_interfaces`, `ipv4`, `ipv6`, `fqdn_ip4`, `fqdn_ip6`,
/// `ip_interfaces`. `fqdn_ip*` come from `/etc/hosts`, and also from the system resolver
/// when `resolve` (`enable_fqdns_grains`) is set.
pub fn ip_grains(g: &mut Dict, ifaces: &[Iface], fqdn: &str, hosts: &[HostsEntry], resolve: bool) {
    let mut ip4 = Dict::new();
    let mut ip6 = Dict::new();
    let mut ipall = Dict::new();
    for i in ifaces {
        ip4.insert(i.name.as_str(), addrs(&i.inet));
        ip6.insert(i.name.as_str(), addrs(&i.inet6));
        let mut all: Vec<String> = i.inet.iter().map(ToString::to_string).collect();
        all.extend(i.inet6.iter().map(ToString::to_string));
        ipall.insert(i.name.as_str(), addrs(&all));
    }
    let mut v4: Vec<Ipv4Addr> = ifaces.iter().flat_map(|i| i.inet.iter().copied()).collect();
    v4.sort();
    v4.dedup();
    let mut v6: Vec<Ipv6Addr> = ifaces
        .iter()
        .flat_map(|i| i.inet6.iter().copied())
        .collect();
    v6.sort();
    v6.dedup();
    g.insert("ip4_interfaces", Value::Dict(ip4));
    g.insert("ip6_interfaces", Value::Dict(ip6));
    set(g, "ipv4", addrs(&v4));
    set(g, "ipv6", addrs(&v6));
    let mut found = hosts_lookup(fqdn, hosts);
    if resolve {
        use std::net::ToSocketAddrs;
        if let Ok(it) = (fqdn, 0u16).to_socket_addrs() {
            for sa in it {
                if !found.contains(&sa.ip()) {
                    found.push(sa.ip());
                }
            }
        }
    }
    let f4: Vec<String> = if v4.is_empty() {
        Vec::new()
    } else {
        found
            .iter()
            .filter(|a| a.is_ipv4())
            .map(ToString::to_string)
            .collect()
    };
    let f6: Vec<String> = if v6.is_empty() {
        Vec::new()
    } else {
        found
            .iter()
            .filter(|a| a.is_ipv6())
            .map(ToString::to_string)
            .collect()
    };
    set(g, "fqdn_ip4", addrs(&f4));
    set(g, "fqdn_ip6", addrs(&f6));
    g.insert("ip_interfaces", Value::Dict(ipall));
}

/// `fqdns`: with `enable_fqdns_grains`, the names `/etc/hosts` gives for the non-loopback
/// addresses (Salt reverse-resolves them); else `[]`.
pub fn fqdns(g: &mut Dict, enabled: bool, ifaces: &[Iface], hosts: &[HostsEntry]) {
    let mut names: Vec<String> = Vec::new();
    if enabled {
        for i in ifaces {
            let ips = i
                .inet
                .iter()
                .map(|a| IpAddr::V4(*a))
                .chain(i.inet6.iter().map(|a| IpAddr::V6(*a)));
            for ip in ips.filter(|ip| !ip.is_loopback()) {
                for e in hosts
                    .iter()
                    .filter(|e| e.addr.parse::<IpAddr>().ok() == Some(ip))
                {
                    for n in e.names.iter().filter(|n| n.contains('.')) {
                        if !names.contains(n) {
                            names.push(n.clone());
                        }
                    }
                }
            }
        }
        names.sort();
    }
    set(g, "fqdns", addrs(&names));
}

/// Parses resolv.conf text as Salt's `parse_resolv` does.
pub fn parse_resolv(text: &str) -> Dict {
    let mut ns: Vec<String> = Vec::new();
    let mut ns4: Vec<String> = Vec::new();
    let mut ns6: Vec<String> = Vec::new();
    let mut search: Vec<String> = Vec::new();
    let mut sortlist: Vec<String> = Vec::new();
    let mut domain = String::new();
    let mut options: Vec<String> = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((directive, rest)) = words.split_first() else {
            continue;
        };
        let args: Vec<String> = rest
            .iter()
            .take_while(|w| !w.starts_with(['#', ';']))
            .map(|s| s.to_string())
            .collect();
        let Some(first) = args.first() else {
            continue;
        };
        match directive.to_lowercase().as_str() {
            "nameserver" => {
                if let Ok(ip) = first.parse::<IpAddr>() {
                    let s = ip.to_string();
                    if !ns.contains(&s) {
                        ns.push(s.clone());
                    }
                    let list = if ip.is_ipv4() { &mut ns4 } else { &mut ns6 };
                    if !list.contains(&s) {
                        list.push(s);
                    }
                }
            }
            "domain" => domain = first.clone(),
            "search" => search = args.clone(),
            "sortlist" => {
                for a in &args {
                    if !sortlist.contains(a) {
                        sortlist.push(a.clone());
                    }
                }
            }
            "options" if !options.contains(first) => options.push(first.clone()),
            _ => {}
        }
    }
    let mut d = Dict::new();
    set(&mut d, "nameservers", addrs(&ns));
    set(&mut d, "ip4_nameservers", addrs(&ns4));
    set(&mut d, "ip6_nameservers", addrs(&ns6));
    set(&mut d, "sortlist", addrs(&sortlist));
    set(&mut d, "domain", domain);
    set(&mut d, "search", addrs(&search));
    set(&mut d, "options", addrs(&options));
    d
}

/// The `dns` grain.
pub fn dns(g: &mut Dict) {
    let path = if std::path::Path::new("/run/systemd/resolve/resolv.conf").exists() {
        "/run/systemd/resolve/resolv.conf"
    } else {
        "/etc/resolv.conf"
    };
    if let Ok(text) = std::fs::read_to_string(path) {
        g.insert("dns", Value::Dict(parse_resolv(&text)));
    }
}

/// `ip_gw`, `ip4_gw`, `ip6_gw` from the main routing tables (only when the `ip` command
/// exists, as in Salt).
pub fn default_gateway(g: &mut Dict) {
    if super::os::which("ip").is_none() {
        return;
    }
    let mut gw4 = Value::Bool(false);
    let routes = std::fs::read_to_string("/proc/net/route")
        .map(|t| parse_route(&t))
        .unwrap_or_default();
    if let Some((_, _, _, gw, _)) = routes
        .iter()
        .find(|(_, d, m, _, _)| d.is_unspecified() && m.is_unspecified())
    {
        gw4 = if gw.is_unspecified() {
            Value::Bool(true)
        } else {
            Value::Str(gw.to_string())
        };
    }
    let mut gw6 = Value::Bool(false);
    if let Ok(text) = std::fs::read_to_string("/proc/net/ipv6_route") {
        for l in text.lines() {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 10 || f[0] != "00000000000000000000000000000000" || f[1] != "00" {
                continue;
            }
            let flags = u32::from_str_radix(f[8], 16).unwrap_or(0);
            if flags & 0x0200 != 0 {
                continue; // reject route
            }
            let nh = u128::from_str_radix(f[4], 16)
                .map(Ipv6Addr::from)
                .unwrap_or(Ipv6Addr::UNSPECIFIED);
            gw6 = if nh.is_unspecified() {
                Value::Bool(true)
            } else {
                Value::Str(nh.to_string())
            };
            break;
        }
    }
    set(g, "ip_gw", Value::Bool(gw4.truthy() || gw6.truthy()));
    set(g, "ip4_gw", gw4);
    set(g, "ip6_gw", gw6);
}
