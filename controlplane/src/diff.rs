//! Differences between two rulesets' files, as a unified diff per file
//! (files only in one version show as wholly added or removed).

use palisade_proto::RuleFile;
use similar::TextDiff;

/// The unified diff from `old` (version `a`) to `new` (version `b`); empty
/// when they hold the same files with the same text.
pub fn files(old: &[RuleFile], new: &[RuleFile], a: u64, b: u64) -> String {
    let mut names: Vec<&str> = old.iter().chain(new).map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let text = |set: &[RuleFile], name: &str| -> String {
        set.iter()
            .find(|f| f.name == name)
            .map(|f| f.text.clone())
            .unwrap_or_default()
    };
    let mut out = String::new();
    for name in names {
        let (x, y) = (text(old, name), text(new, name));
        if x == y {
            continue;
        }
        let diff = TextDiff::from_lines(&x, &y);
        out += &diff
            .unified_diff()
            .context_radius(3)
            .header(&format!("v{a}/{name}"), &format!("v{b}/{name}"))
            .to_string();
    }
    out
}
