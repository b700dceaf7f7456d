//! Rule reloads on SIGHUP in the lab: a rule file with an error is refused
//! whole with its place and the running rules keep blocking; a good file is
//! taken up without a restart, by new connections, while traffic flows.

use std::path::Path;
use std::time::Duration;

use palisade_tests::lab::{Lab, SERVER};
use palisade_tests::{exclusive, scratch};

const CONFIG: &str = "\
mode: inline
cores: {main: 0, workers: [1]}
memory: {hugepages: false, size_mb: 512}
ports:
  - {name: client, device: 'net_af_packet0,iface=c0'}
  - {name: server, device: 'net_af_packet1,iface=s0'}
rules: [rules]
";

fn rule(id: u64, word: &str) -> String {
    format!(
        "rules:\n  - id: {id}\n    kind: signature\n    name: block {word}\n    severity: high\n    \
         action: block\n    match: {{field: query, contains: {word}}}\n"
    )
}

/// The HTTP status curl got for `/get?w=WORD`, "000" when nothing came back.
fn status(lab: &Lab, word: &str) -> String {
    let out = palisade_tests::run(lab.cmd("cli", "curl").args([
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "2",
        &format!("http://{SERVER}/get?w={word}"),
    ]));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_until(lab: &Lab, word: &str, want: &str) {
    let start = std::time::Instant::now();
    while status(lab, word) != want {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{word} never gave {want}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
}

#[test]
fn sighup_reloads_good_rules_and_refuses_bad_ones_keeping_the_old() {
    let _lock = exclusive();
    let dir = scratch("lab-reload");
    std::fs::create_dir_all(dir.join("rules")).expect("rules dir");
    write(&dir.join("rules/one.yaml"), &rule(1, "forbidden-one"));
    write(&dir.join("dataplane.yaml"), CONFIG);
    let lab = Lab::up();
    let dp = lab.start_dataplane(&dir.join("dataplane.yaml"), &dir);

    wait_until(&lab, "fine", "200");
    assert_eq!(status(&lab, "forbidden-one"), "000");
    assert_eq!(status(&lab, "forbidden-two"), "200");

    // A second file with an unknown key (line 6, column 5): refused whole.
    let bad = dir.join("rules/two.yaml");
    write(&bad, &rule(2, "forbidden-two").replace("action:", "acton:"));
    dp.signal("HUP");
    dp.wait_for_log("rules reload refused", Duration::from_secs(10));
    dp.wait_for_log(&format!("{}:6:5", bad.display()), Duration::from_secs(1));
    assert_eq!(
        status(&lab, "forbidden-one"),
        "000",
        "the running rules stay"
    );
    assert_eq!(status(&lab, "forbidden-two"), "200");

    // Fixed: taken up by the workers without a restart.
    write(&bad, &rule(2, "forbidden-two"));
    dp.signal("HUP");
    dp.wait_for_log("rules reloaded", Duration::from_secs(10));
    wait_until(&lab, "forbidden-two", "000");
    assert_eq!(status(&lab, "forbidden-one"), "000");
    assert_eq!(status(&lab, "fine"), "200");

    let report = dp.stop();
    assert_eq!(report["totals"]["inspect"]["rule_reloads"], 1, "{report}");
}
