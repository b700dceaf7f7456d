//! Where a value sits in a YAML text, by its key path (`queues.rx_desc`,
//! `ports[1].name`): for errors found after a document was read into
//! other types (the dataplane's configuration), so that they carry the
//! same line and column as errors found while reading it; and the first
//! key written twice in a mapping, at both of its places.

use std::collections::HashMap;

use crate::yaml::{self, Node, Value};

/// The 1-based line and column where the value at `path` starts, or
/// `None` when the text is not YAML or holds nothing there. A path is
/// mapping keys joined by `.`, each optionally followed by list indices
/// (`[0]`); of keys written twice, the last counts.
pub fn value_position(text: &str, path: &str) -> Option<(u32, u32)> {
    let root = yaml::parse(text).ok()??;
    let mut node = &root;
    for step in path.split('.') {
        let (key, indices) = step.split_once('[').unwrap_or((step, ""));
        if !key.is_empty() {
            node = member(node, key)?;
        }
        for index in indices.split('[').filter(|i| !i.is_empty()) {
            node = item(node, index.strip_suffix(']')?.parse().ok()?)?;
        }
    }
    Some((node.mark.line, node.mark.column))
}

/// A key written twice in one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The key path of the mapping (`pool`, `ports[0]`; empty at the top).
    pub path: String,
    /// The key's text.
    pub key: String,
    /// 1-based line and column of its first occurrence.
    pub first: (u32, u32),
    /// 1-based line and column of its second occurrence.
    pub second: (u32, u32),
}

/// Of all keys written twice in a mapping of `text`, the one whose second
/// occurrence comes first; `None` when there is none or the text is not
/// YAML this crate reads.
pub fn duplicate_key(text: &str) -> Option<DuplicateKey> {
    let root = yaml::parse(text).ok()??;
    let mut found = Vec::new();
    duplicates(&root, String::new(), &mut found);
    found.into_iter().min_by_key(|d| d.second)
}

/// Adds every repeated key under `node` (at `path`) to `found`.
fn duplicates(node: &Node, path: String, found: &mut Vec<DuplicateKey>) {
    match &node.value {
        Value::Scalar { .. } => {}
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                duplicates(item, format!("{path}[{i}]"), found);
            }
        }
        Value::Map(entries) => {
            // The first key of each name, so that a mapping of many keys
            // is checked in one pass.
            let mut seen: HashMap<&str, &Node> = HashMap::with_capacity(entries.len());
            for (key, value) in entries {
                let name = scalar(key);
                let first = *seen.entry(name).or_insert(key);
                if !std::ptr::eq(first, key) {
                    found.push(DuplicateKey {
                        path: path.clone(),
                        key: name.to_owned(),
                        first: (first.mark.line, first.mark.column),
                        second: (key.mark.line, key.mark.column),
                    });
                }
                let inner = match path.is_empty() {
                    true => name.to_owned(),
                    false => format!("{path}.{name}"),
                };
                duplicates(value, inner, found);
            }
        }
    }
}

fn scalar(node: &Node) -> &str {
    match &node.value {
        Value::Scalar { text, .. } => text,
        _ => "",
    }
}

fn member<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    let named =
        |(k, _): &&(Node, Node)| matches!(&k.value, Value::Scalar { text, .. } if text == key);
    entries.iter().rfind(named).map(|(_, v)| v)
}

fn item(node: &Node, index: usize) -> Option<&Node> {
    match &node.value {
        Value::List(items) => items.get(index),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{duplicate_key, value_position, DuplicateKey};

    const TEXT: &str =
        "mode: inline\nports:\n  - name: a\n    device: x\n  - {name: b, device: y}\n\
                        cores:\n  workers: [1, 2]\nmode: tap\n";

    #[test]
    fn finds_keys_items_and_flow_values() {
        assert_eq!(value_position(TEXT, "ports[0].device"), Some((4, 13)));
        assert_eq!(value_position(TEXT, "ports[1].device"), Some((5, 23)));
        assert_eq!(value_position(TEXT, "cores.workers"), Some((7, 12)));
        assert_eq!(value_position(TEXT, "cores.workers[1]"), Some((7, 16)));
        assert_eq!(
            value_position(TEXT, "mode"),
            Some((8, 7)),
            "the last of two"
        );
    }

    #[test]
    fn missing_places_and_bad_text_give_none() {
        assert_eq!(value_position(TEXT, "queues.rx_desc"), None);
        assert_eq!(value_position(TEXT, "ports[2]"), None);
        assert_eq!(value_position(TEXT, "ports[x]"), None);
        assert_eq!(value_position(TEXT, "mode.deeper"), None);
        assert_eq!(value_position("a: [", "a"), None);
    }

    #[test]
    fn finds_the_earliest_second_occurrence_at_any_depth() {
        let found = duplicate_key(TEXT).unwrap();
        assert_eq!(
            found,
            DuplicateKey {
                path: String::new(),
                key: "mode".into(),
                first: (1, 1),
                second: (8, 1),
            }
        );
        let nested = "a:\n  - {b: 1, c: 2, b: 3}\nd: {e: 1}\nd: 2\n";
        let found = duplicate_key(nested).unwrap();
        assert_eq!((found.path.as_str(), found.key.as_str()), ("a[0]", "b"));
        assert_eq!((found.first, found.second), ((2, 6), (2, 18)));
        let deeper = "x:\n  y:\n    z: 1\n    z: 2\n";
        assert_eq!(duplicate_key(deeper).unwrap().path, "x.y");
        assert_eq!(duplicate_key("a: 1\nb: {a: 2}\n"), None);
        assert_eq!(duplicate_key("a: ["), None);
    }
}
