//! Builds the EAL argument list from the configuration: cores, memory mode,
//! devices, and a per-process runtime prefix so several dataplanes (and test
//! runs) can share a host.

use crate::config::{Config, PortSpec};

/// The per-process runtime prefix (EAL keeps a directory of that name under
/// /var/run/dpdk, which [`remove_runtime_dir`] deletes on exit).
pub fn file_prefix() -> String {
    format!("palisade-{}", std::process::id())
}

/// EAL arguments for `run`.
pub fn for_run(config: &Config) -> Vec<String> {
    let mut args = base(
        &config.cores.placement(),
        config.cores.main,
        config.memory.hugepages,
        config.memory.size_mb,
    );
    add_devices(&mut args, &config.ports);
    args.extend(config.eal_args.iter().cloned());
    args
}

/// EAL arguments for capture mode: one core, plain memory, the given vdevs.
pub fn for_capture(core: u32, vdevs: &[String]) -> Vec<String> {
    let mut args = base(&[(core, core)], core, false, 512);
    args.push("--no-pci".into());
    args.extend(vdevs.iter().map(|v| format!("--vdev={v}")));
    args
}

/// `placement` is (lcore, cpu) pairs; `--lcores` maps each lcore to its CPU.
fn base(placement: &[(u32, u32)], main: u32, hugepages: bool, size_mb: u32) -> Vec<String> {
    let lcores = placement
        .iter()
        .map(|(l, c)| format!("{l}@{c}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut args: Vec<String> = vec![
        "palisade-dataplane".into(),
        "--lcores".into(),
        lcores,
        "--main-lcore".into(),
        main.to_string(),
        "--file-prefix".into(),
        file_prefix(),
        "--no-telemetry".into(),
        "--log-level".into(),
        "lib.eal:warning".into(),
    ];
    if !hugepages {
        args.extend([
            "--no-huge".into(),
            "--no-shconf".into(),
            "-m".into(),
            size_mb.to_string(),
        ]);
    }
    args
}

fn add_devices(args: &mut Vec<String>, ports: &[PortSpec]) {
    if ports.iter().all(PortSpec::is_vdev) {
        args.push("--no-pci".into());
    }
    for p in ports {
        if p.is_vdev() {
            args.push(format!("--vdev={}", p.device));
        } else {
            args.push("-a".into());
            args.push(p.device.clone());
        }
    }
}

/// Where EAL keeps its runtime directories.
const RUNTIME_ROOT: &str = "/var/run/dpdk";

/// Removes this process's EAL runtime directory (best effort; EAL leaves it
/// behind even with `--no-shconf`).
pub fn remove_runtime_dir() {
    let _ = std::fs::remove_dir_all(std::path::Path::new(RUNTIME_ROOT).join(file_prefix()));
}

/// Removes the runtime directories of earlier dataplanes whose process is
/// gone (killed before they could remove their own); best effort.
pub fn remove_stale_runtime_dirs() {
    let Ok(entries) = std::fs::read_dir(RUNTIME_ROOT) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("palisade-"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = std::path::Path::new("/proc").join(pid.to_string()).exists();
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_args_list_cores_devices_and_memory() {
        let c = Config::parse(
            "mode: inline\ncores: {main: 0, workers: [1]}\nports:\n  - {name: a, device: 'net_af_packet0,iface=c0'}\n  - {name: b, device: '0000:03:00.0'}\n",
        )
        .unwrap();
        let args = for_run(&c);
        assert!(args.windows(2).any(|w| w == ["--lcores", "0@0,1@1"]));
        assert!(args.contains(&"--vdev=net_af_packet0,iface=c0".to_string()));
        assert!(args.windows(2).any(|w| w == ["-a", "0000:03:00.0"]));
        assert!(!args.contains(&"--no-pci".to_string()));
        assert!(args.contains(&"--no-huge".to_string()));
    }
}
