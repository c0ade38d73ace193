//! The `virtual` and `virtual_subtype` grains, from files only.
//!
//! Salt runs `systemd-detect-virt` (or `virt-what`/`dmidecode`) and then checks a few
//! files; rsalt reproduces `systemd-detect-virt`'s container checks (`/run/systemd/container`,
//! `container=` in PID 1's environment, `/run/.containerenv`, `/.dockerenv`) and its DMI
//! checks, then applies Salt's own file checks in Salt's order.

use super::set;
use rsalt_data::{Dict, Value};
use rsalt_sls::opts::OptsExt;
use std::path::Path;

fn read(p: &str) -> String {
    std::fs::read(p)
        .map(|d| String::from_utf8_lossy(&d).into_owned())
        .unwrap_or_default()
}

/// What `systemd-detect-virt` would print (`None` for "none").
fn detect_virt() -> Option<String> {
    // Containers first.
    let mut container = read("/run/systemd/container").trim().to_string();
    if container.is_empty() {
        container = read("/proc/1/environ")
            .split('\0')
            .find_map(|kv| kv.strip_prefix("container="))
            .unwrap_or("")
            .to_string();
    }
    if container.is_empty() {
        if Path::new("/run/.containerenv").exists() {
            container = "podman".into();
        } else if Path::new("/.dockerenv").exists() {
            container = "docker".into();
        }
    }
    if !container.is_empty() {
        return Some(match container.as_str() {
            "oci" => "container-other".into(),
            other => other.to_string(),
        });
    }
    // Virtual machines by DMI.
    let vendor_of = |f: &str| read(&format!("/sys/class/dmi/id/{f}")).trim().to_string();
    for f in [
        "product_name",
        "sys_vendor",
        "board_vendor",
        "bios_vendor",
        "product_version",
    ] {
        let v = vendor_of(f);
        let id = if v.starts_with("KVM") || v.starts_with("OpenStack") || v.starts_with("KubeVirt")
        {
            "kvm"
        } else if v.starts_with("Amazon EC2") {
            "amazon"
        } else if v.starts_with("QEMU") {
            "qemu"
        } else if v.starts_with("VMware") || v.starts_with("VMW") {
            "vmware"
        } else if v.starts_with("innotek GmbH")
            || v.starts_with("VirtualBox")
            || v.starts_with("Oracle Corporation")
        {
            "oracle"
        } else if v.starts_with("Xen") {
            "xen"
        } else if v.starts_with("Bochs") {
            "bochs"
        } else if v.starts_with("Parallels") {
            "parallels"
        } else if v.starts_with("BHYVE") {
            "bhyve"
        } else if v.starts_with("Microsoft Corporation") && f != "bios_vendor" {
            "microsoft"
        } else if v.starts_with("Google") {
            "google"
        } else {
            continue;
        };
        return Some(id.into());
    }
    if read("/sys/hypervisor/type").trim() == "xen" {
        return Some("xen".into());
    }
    None
}

/// Salt's `virtual`/`virtual_subtype` decision from `systemd-detect-virt`'s answer and the
/// contents of `/proc/1/cgroup`, `/proc/1/environ`, `/proc/cpuinfo` and the DMI product name.
pub fn decide(
    detected: Option<&str>,
    cgroup: &str,
    environ: &str,
    cpuinfo: &str,
    product_name: &str,
    xen_dirs: bool,
) -> Dict {
    let mut g = Dict::new();
    set(&mut g, "virtual", "physical");
    if let Some(out) = detected {
        match out {
            "qemu" | "kvm" | "oracle" | "xen" | "bochs" | "chroot" | "uml" | "systemd-nspawn" => {
                set(&mut g, "virtual", out)
            }
            o if o.contains("vmware") => set(&mut g, "virtual", "VMware"),
            o if o.contains("microsoft") => set(&mut g, "virtual", "VirtualPC"),
            o if o.contains("lxc") => {
                set(&mut g, "virtual", "container");
                set(&mut g, "virtual_subtype", "LXC");
            }
            o if o.contains("podman") => {
                set(&mut g, "virtual", "container");
                set(&mut g, "virtual_subtype", "Podman");
            }
            o if o.contains("docker") => {
                set(&mut g, "virtual", "container");
                set(&mut g, "virtual_subtype", "Docker");
            }
            o if o.contains("amazon") => {
                set(&mut g, "virtual", "Nitro");
                set(&mut g, "virtual_subtype", "Amazon EC2");
            }
            _ => {}
        }
    }
    if xen_dirs
        && g.opt_str("virtual_subtype")
            .is_some_and(|s| s.to_lowercase().contains("dom"))
    {
        set(&mut g, "virtual", "xen");
    }
    if cpuinfo.contains("QEMU Virtual CPU") {
        set(&mut g, "virtual", "kvm");
    }
    if product_name.contains("VirtualBox") {
        set(&mut g, "virtual", "VirtualBox");
    } else if product_name.contains("RHEV Hypervisor") {
        set(&mut g, "virtual", "kvm");
        set(&mut g, "virtual_subtype", "rhev");
    } else if product_name.contains("oVirt Node") {
        set(&mut g, "virtual", "kvm");
        set(&mut g, "virtual_subtype", "ovirt");
    } else if product_name.contains("Google") {
        set(&mut g, "virtual", "gce");
    } else if product_name.contains("BHYVE") {
        set(&mut g, "virtual", "bhyve");
    }
    if cgroup.contains(":/lxc/") {
        set(&mut g, "virtual", "container");
        set(&mut g, "virtual_subtype", "LXC");
    } else if cgroup.contains(":/kubepods/") {
        set(&mut g, "virtual_subtype", "kubernetes");
    } else if cgroup.contains(":/libpod_parent/") {
        set(&mut g, "virtual_subtype", "libpod");
    } else if [":/system.slice/docker", ":/docker/", ":/docker-ce/"]
        .iter()
        .any(|x| cgroup.contains(x))
    {
        set(&mut g, "virtual", "container");
        set(&mut g, "virtual_subtype", "Docker");
    }
    if g.opt_str("virtual_subtype").as_deref() != Some("LXC") && environ.contains("container=lxc") {
        set(&mut g, "virtual", "container");
        set(&mut g, "virtual_subtype", "LXC");
    }
    if g.opt_str("virtual_subtype").is_some() && g.opt_str("virtual").as_deref() == Some("physical")
    {
        set(&mut g, "virtual", "virtual");
    }
    g
}

/// Adds `virtual` (and `virtual_subtype` when known) for this machine.
pub fn virtual_grains(g: &mut Dict) {
    let detected = detect_virt();
    let xen = ["/proc/sys/xen", "/sys/bus/xen", "/proc/xen"]
        .iter()
        .any(|p| Path::new(p).is_dir());
    let d = decide(
        detected.as_deref(),
        &read("/proc/1/cgroup"),
        &read("/proc/1/environ"),
        &read("/proc/cpuinfo"),
        &read("/sys/devices/virtual/dmi/id/product_name"),
        xen,
    );
    for (k, v) in d.map {
        g.map.insert(k, v);
    }
    let _ = Value::None;
}
