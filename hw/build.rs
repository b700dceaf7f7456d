//! Generates the DPDK bindings with bindgen and compiles the C shim, both
//! with exactly the flags `pkg-config libdpdk` gives (including
//! `-include rte_config.h`, without which the headers do not parse).

use std::env;
use std::path::PathBuf;

fn main() {
    pkg_config::Config::new()
        .atleast_version("22.11")
        .cargo_metadata(true)
        .probe("libdpdk")
        .unwrap_or_else(|e| {
            panic!("DPDK 22.11 not found through pkg-config (run scripts/deps.sh): {e}")
        });
    let cflags = dpdk_cflags();

    let mut shim = cc::Build::new();
    shim.file("shim/shim.c")
        .include("shim")
        .opt_level(3)
        .warnings(true);
    for flag in &cflags {
        shim.flag(flag);
    }
    shim.compile("palisade_shim");

    let bindings = bindgen::Builder::default()
        .header("shim/wrapper.h")
        .clang_arg("-Ishim")
        .clang_args(&cflags)
        .allowlist_function("rte_(eal|eth|pktmbuf|mempool|lcore|mbuf|get_tsc|strerror|socket|get_next_lcore|get_main_lcore|vdev).*")
        .allowlist_function("pal_.*")
        .allowlist_type("rte_(mbuf|mempool|eth_.*)")
        .allowlist_var("RTE_(ETH|MBUF|PKTMBUF|MAX).*")
        .derive_default(true)
        .layout_tests(false)
        .generate_comments(false)
        .prepend_enum_name(false)
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .generate()
        .expect("bindgen failed on the DPDK headers");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    bindings
        .write_to_file(out.join("dpdk.rs"))
        .expect("cannot write the DPDK bindings");
    println!("cargo:rerun-if-changed=shim");
}

/// The compiler flags from `pkg-config --cflags libdpdk`, split into
/// arguments (the `-include rte_config.h` pair stays two arguments).
fn dpdk_cflags() -> Vec<String> {
    let out = std::process::Command::new("pkg-config")
        .args(["--cflags", "libdpdk"])
        .output()
        .expect("pkg-config not found");
    assert!(out.status.success(), "pkg-config --cflags libdpdk failed");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}
