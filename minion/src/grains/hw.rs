//! CPU, memory, disk and GPU grains.

use super::set;
use rsalt_data::{Dict, Value};

/// `num_cpus`, `cpu_model`, `cpu_flags` from `/proc/cpuinfo` text (Salt's `_linux_cpudata`).
pub fn cpudata_from(cpuinfo: Option<&str>) -> Dict {
    let mut g = Dict::new();
    let mut num: Option<i64> = None;
    let mut model: Option<String> = None;
    let mut flags: Option<Vec<Value>> = None;
    if let Some(text) = cpuinfo {
        num = Some(0);
        for line in text.lines() {
            let mut comps = line.split(':');
            let (Some(key), Some(val)) = (comps.next(), comps.next()) else {
                continue;
            };
            let (key, val) = (key.trim(), val.trim());
            match key {
                "processor" => num = Some(num.unwrap_or(0) + 1),
                "# processors" => num = val.parse().ok().or(num),
                "vendor_id" | "model name" | "cpu" => model = Some(val.to_string()),
                "flags" | "Features" => {
                    flags = Some(val.split_whitespace().map(Value::from).collect())
                }
                "Processor" => {
                    model = Some(val.split('-').next().unwrap_or("").to_string());
                    num = Some(1);
                }
                _ => {}
            }
        }
    }
    set(&mut g, "num_cpus", Value::Int(num.unwrap_or(0)));
    set(
        &mut g,
        "cpu_model",
        model.unwrap_or_else(|| "Unknown".into()),
    );
    set(&mut g, "cpu_flags", Value::List(flags.unwrap_or_default()));
    g
}

/// CPU grains of this machine.
pub fn cpudata(g: &mut Dict) {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok();
    for (k, v) in cpudata_from(text.as_deref()).map {
        g.map.insert(k, v);
    }
}

/// `mem_total` and `swap_total` in MiB (floor) from `/proc/meminfo` text.
pub fn memdata_from(meminfo: &str) -> (i64, i64) {
    let mut mem = 0;
    let mut swap = 0;
    for line in meminfo.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let kib: i64 = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        match key.trim() {
            "MemTotal" => mem = kib / 1024,
            "SwapTotal" => swap = kib / 1024,
            _ => {}
        }
    }
    (mem, swap)
}

/// Memory grains of this machine.
pub fn memdata(g: &mut Dict) {
    let (mem, swap) = std::fs::read_to_string("/proc/meminfo")
        .map(|t| memdata_from(&t))
        .unwrap_or((0, 0));
    set(g, "mem_total", Value::Int(mem));
    set(g, "swap_total", Value::Int(swap));
}

/// `disks` and `ssds`: non-virtual block devices by `queue/rotational`.
pub fn disks(g: &mut Dict) {
    let mut disks = Vec::new();
    let mut ssds = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir("/sys/block")
        .map(|rd| rd.filter_map(Result::ok).collect())
        .unwrap_or_default();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let link = std::fs::read_link(e.path()).unwrap_or_default();
        if link.to_string_lossy().starts_with("../devices/virtual/") {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        match std::fs::read(e.path().join("queue/rotational"))
            .ok()
            .and_then(|d| d.first().copied())
        {
            Some(b'0') => ssds.push(Value::Str(name)),
            Some(b'1') => disks.push(Value::Str(name)),
            _ => {}
        }
    }
    set(g, "disks", Value::List(disks));
    set(g, "ssds", Value::List(ssds));
}

/// `num_gpus`/`gpus` from display-class PCI devices in `/sys/bus/pci/devices` (Salt runs
/// `lspci`; the model is the PCI device id here).
pub fn gpudata(g: &mut Dict) {
    let Ok(rd) = std::fs::read_dir("/sys/bus/pci/devices") else {
        return;
    };
    let mut gpus = Vec::new();
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let read = |f: &str| {
            std::fs::read_to_string(e.path().join(f))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if !read("class").starts_with("0x03") {
            continue;
        }
        let vendor = match read("vendor").as_str() {
            "0x10de" => "nvidia",
            "0x1002" => "amd",
            "0x8086" => "intel",
            "0x1013" => "cirrus logic",
            "0x15ad" => "vmware",
            "0x102b" => "matrox",
            "0x1a03" => "aspeed",
            _ => "unknown",
        };
        let mut d = Dict::new();
        set(&mut d, "vendor", vendor);
        set(&mut d, "model", read("device"));
        gpus.push(Value::Dict(d));
    }
    set(g, "num_gpus", Value::Int(gpus.len() as i64));
    set(g, "gpus", Value::List(gpus));
}
