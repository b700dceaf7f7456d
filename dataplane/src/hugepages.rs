//! Before EAL starts with `memory.hugepages: true`: are any hugepages
//! reserved and free, and is hugetlbfs mounted? Without them EAL fails with
//! a bare "Permission denied"; this names the cause and the fix instead.
//!
//! Inputs are the texts of `/proc/meminfo`, `/proc/mounts` and the
//! `free_hugepages` counts under `/sys/kernel/mm/hugepages`; [`check`]
//! reads them, the functions it calls take them as arguments.

use std::path::Path;

/// What to do about it, said in every refusal.
const HOW: &str = "reserve hugepages as root (`echo 1024 > \
/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages`, or `hugepages=N` on the kernel \
command line) or set `memory.hugepages: false` in the configuration";

/// Refuses to go on when no hugepage is free or hugetlbfs is not mounted.
/// A host whose files cannot be read is left for EAL to judge.
pub fn check() -> Result<(), String> {
    let Ok(meminfo) = std::fs::read_to_string("/proc/meminfo") else {
        return Ok(());
    };
    let per_size = sysfs_free(Path::new("/sys/kernel/mm/hugepages"));
    let mounts = std::fs::read_to_string("/proc/mounts").ok();
    decide(&meminfo, per_size, mounts.as_deref())
}

/// The verdict from the texts: `per_size` is the free pages of every size
/// from sysfs (the meminfo count covers the default size only).
pub fn decide(meminfo: &str, per_size: Option<u64>, mounts: Option<&str>) -> Result<(), String> {
    if per_size.or_else(|| free_in_meminfo(meminfo)) == Some(0) {
        let total = field(meminfo, "HugePages_Total:").unwrap_or(0);
        return Err(format!(
            "memory.hugepages is true but no hugepage is free \
             (/proc/meminfo: HugePages_Total {total}, HugePages_Free 0): {HOW}"
        ));
    }
    match mounts {
        Some(mounts) if !hugetlbfs_mounted(mounts) => Err(format!(
            "memory.hugepages is true but no hugetlbfs is mounted \
             (`mount -t hugetlbfs nodev /dev/hugepages`), or {HOW}"
        )),
        _ => Ok(()),
    }
}

/// `HugePages_Free` of a `/proc/meminfo` text (pages of the default size).
pub fn free_in_meminfo(meminfo: &str) -> Option<u64> {
    field(meminfo, "HugePages_Free:")
}

fn field(meminfo: &str, name: &str) -> Option<u64> {
    let line = meminfo.lines().find_map(|l| l.strip_prefix(name))?;
    line.split_whitespace().next()?.parse().ok()
}

/// Free pages of every size (`hugepages-*/free_hugepages`), if readable.
fn sysfs_free(dir: &Path) -> Option<u64> {
    let sizes = std::fs::read_dir(dir).ok()?;
    let counts = sizes.filter_map(|e| {
        let text = std::fs::read_to_string(e.ok()?.path().join("free_hugepages")).ok()?;
        text.trim().parse::<u64>().ok()
    });
    counts.reduce(|a, b| a.saturating_add(b))
}

/// Whether a `/proc/mounts` text has a hugetlbfs mount.
pub fn hugetlbfs_mounted(mounts: &str) -> bool {
    mounts
        .lines()
        .any(|l| l.split_whitespace().nth(2) == Some("hugetlbfs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Linux 6.x `/proc/meminfo` with no hugepage reserved (the end of
    /// the file, from `HugePages_Total` on, as the kernel writes it).
    const NONE: &str = "MemTotal:       24683792 kB\nMemFree:        18013652 kB\n\
        AnonHugePages:         0 kB\nShmemHugePages:        0 kB\nShmemPmdMapped:        0 kB\n\
        FileHugePages:    151552 kB\nFilePmdMapped:         0 kB\nBalloon:               0 kB\n\
        HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\n\
        HugePages_Surp:        0\nHugepagesize:       2048 kB\nHugetlb:               0 kB\n\
        DirectMap4k:       28672 kB\n";

    #[test]
    fn free_hugepages_are_read_from_meminfo() {
        assert_eq!(free_in_meminfo(NONE), Some(0));
        let some = NONE
            .replace("HugePages_Total:       0", "HugePages_Total:    1024")
            .replace("HugePages_Free:        0", "HugePages_Free:      512");
        assert_eq!(free_in_meminfo(&some), Some(512));
        assert_eq!(field(&some, "HugePages_Total:"), Some(1024));
        assert_eq!(free_in_meminfo("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn no_free_hugepage_is_refused_with_the_fix() {
        let mounted = "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n";
        let why = decide(NONE, None, Some(mounted)).unwrap_err();
        assert!(why.contains("HugePages_Total 0, HugePages_Free 0"), "{why}");
        assert!(why.contains("nr_hugepages") && why.contains("memory.hugepages: false"));
        assert!(decide(NONE, Some(0), Some(mounted)).is_err());
        // 1 GiB pages free, none of the default size: sysfs counts them.
        assert_eq!(decide(NONE, Some(4), Some(mounted)), Ok(()));
        let some = NONE.replace("HugePages_Free:        0", "HugePages_Free:      512");
        assert_eq!(decide(&some, None, Some(mounted)), Ok(()));
        assert_eq!(
            decide(&some, None, None),
            Ok(()),
            "mounts unread: EAL judges"
        );
        let why = decide(&some, None, Some("proc /proc proc rw 0 0\n")).unwrap_err();
        assert!(why.contains("no hugetlbfs is mounted"), "{why}");
    }

    #[test]
    fn this_hosts_meminfo_parses() {
        let meminfo = std::fs::read_to_string("/proc/meminfo").expect("/proc/meminfo");
        assert!(free_in_meminfo(&meminfo).is_some(), "{meminfo}");
    }

    #[test]
    fn hugetlbfs_mounts_are_found() {
        let mounts = "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n\
                      tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0\n";
        assert!(!hugetlbfs_mounted(mounts));
        let with =
            format!("{mounts}hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n");
        assert!(hugetlbfs_mounted(&with));
    }
}
