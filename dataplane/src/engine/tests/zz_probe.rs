use std::sync::Arc;
use super::super::Snapshot;

#[test]
#[ignore]
fn zz_probe() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/default");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml")).collect();
    files.sort();
    let t = std::time::Instant::now();
    let s = Arc::new(Snapshot::from_files(&files).unwrap());
    eprintln!("compile {:?} {:?}", t.elapsed(), s.stats());
    for g in &s.groups { eprintln!("G {:?} {:?} {} size={:?}", g.source, g.chain, g.tests.len(), g.db.size()); }
    for g in &s.streams { eprintln!("S {:?} {:?} {} size={:?}", g.source, g.chain, g.tests.len(), g.db.size()); }
    eprintln!("always {:?}", s.always);
}
