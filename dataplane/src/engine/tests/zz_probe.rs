use super::super::Snapshot;
use std::sync::Arc;

#[test]
#[ignore]
fn zz_probe() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/default");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let t = std::time::Instant::now();
    let s = Arc::new(Snapshot::from_files(&files).unwrap());
    eprintln!("compile {:?} {:?}", t.elapsed(), s.stats());
    for g in &s.groups {
        eprintln!(
            "G {:?} {:?} {} size={:?}",
            g.source,
            g.chain,
            g.tests.len(),
            g.db.size()
        );
    }
    for g in &s.streams {
        eprintln!(
            "S {:?} {:?} {} size={:?}",
            g.source,
            g.chain,
            g.tests.len(),
            g.db.size()
        );
    }
    eprintln!("always {:?}", s.always);
    for w in &s.sweeps {
        eprintln!("W {:?} size={:?}", w, w.db.size());
    }
}

#[test]
#[ignore]
fn zz_speed() {
    use hyperscan::prelude::*;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/default");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let s = Arc::new(Snapshot::from_files(&files).unwrap());
    let mut text = Vec::new();
    let mut i = 0;
    while text.len() < 1000 {
        text.extend_from_slice(
            format!(
                "item {i} of the catalogue\nEUR\n{}\na3\nname_{i}\n",
                i * 7919 % 100000
            )
            .as_bytes(),
        );
        i += 1;
    }
    let low = text.to_ascii_lowercase();
    for w in &s.sweeps {
        let scratch = w.db.alloc_scratch().unwrap();
        for (label, t) in [
            ("raw", &text),
            ("low", &low),
            ("small", &b"/api/v1/users/123\n".to_vec()),
        ] {
            let n = 20000;
            let st = std::time::Instant::now();
            let mut c = 0;
            for _ in 0..n {
                w.db.scan(&t[..], &scratch, |_, _, _, _| {
                    c += 1;
                    Matching::Continue
                })
                .unwrap();
            }
            eprintln!(
                "{:?} {label} {} bytes: {:?}/scan, {} reports",
                w.phase,
                t.len(),
                st.elapsed() / n,
                c / n
            );
        }
    }
}

fn walk(c: &palisade_rules::Condition, out: &mut Vec<palisade_rules::Operator>) {
    use palisade_rules::Condition::*;
    match c {
        All(m) | Any(m) => m.iter().for_each(|m| walk(m, out)),
        Not(i) => walk(i, out),
        Test(t) => out.push(t.operator.clone()),
    }
}

#[test]
#[ignore]
fn zz_patterns() {
    use hyperscan::prelude::*;
    use hyperscan::PatternFlags as F;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/default");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let rs = palisade_rules::load_files(&files).unwrap();
    let mut ops = Vec::new();
    for r in rs.enabled() {
        let palisade_rules::RuleBody::Signature(s) = &r.body;
        walk(&s.condition, &mut ops);
    }
    let mut text = Vec::new();
    let mut i = 0;
    while text.len() < 1000 {
        text.extend_from_slice(
            format!(
                "item {i} of the catalogue\u{7f}eur\u{7f}{}\u{7f}a3\u{7f}name_{i}\u{7f}",
                i * 7919 % 100000
            )
            .as_bytes(),
        );
        i += 1;
    }
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for op in &ops {
        let Some(e) = crate::engine::pattern::expression(op) else {
            continue;
        };
        if !seen.insert(e.text.clone()) {
            continue;
        }
        let t = crate::engine::sweep::sweep_text(&e.text).unwrap();
        let mut f = e.flags;
        f.remove(F::SINGLEMATCH);
        let time = |p: &str, f: F| {
            let db: BlockDatabase = Pattern::with_flags(p, f).unwrap().build().unwrap();
            let sc = db.alloc_scratch().unwrap();
            let n = 5000;
            let st = std::time::Instant::now();
            for _ in 0..n {
                db.scan(&text[..], &sc, |_, _, _, _| Matching::Continue)
                    .unwrap();
            }
            st.elapsed().as_nanos() / n as u128
        };
        let a = time(&t, f);
        let b = time(&e.text, e.flags);
        let mut fp = f;
        fp.insert(F::PREFILTER);
        let c = time(&t, fp);
        rows.push((a, b, c, e.text.chars().take(120).collect::<String>()));
    }
    rows.sort();
    for r in rows.iter().rev().take(25) {
        eprintln!("sweep {} exact {} prefilter {} : {}", r.0, r.1, r.2, r.3);
    }
    eprintln!("total distinct {}", rows.len());
}
