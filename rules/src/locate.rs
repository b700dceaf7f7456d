//! Where a value sits in a YAML text, by its key path (`queues.rx_desc`,
//! `ports[1].name`): for errors found after a document was read into
//! other types (the dataplane's configuration), so that they carry the
//! same line and column as errors found while reading it.

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
    use super::value_position;

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
}
