//! A YAML document as a tree whose every node knows its line and column.
//!
//! The `yaml-rust2` event parser supplies the events and their positions;
//! this module folds them into [`Node`]s without recursion, so that hostile
//! nesting cannot exhaust the stack, and refuses what rule files never need:
//! several documents, aliases, non-scalar mapping keys, nesting deeper than
//! [`MAX_DEPTH`]. Scalars stay text here; the rule parser decides what type a
//! scalar must have from where it stands.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diag::Mark;

/// Deepest nesting of lists and mappings a rule file may use.
pub(crate) const MAX_DEPTH: usize = 64;

/// One YAML node and where it starts.
#[derive(Debug)]
pub(crate) struct Node {
    pub mark: Mark,
    pub value: Value,
}

#[derive(Debug)]
pub(crate) enum Value {
    /// A scalar's text; `plain` is false for quoted and block scalars, which
    /// are always strings.
    Scalar {
        text: String,
        plain: bool,
    },
    List(Vec<Node>),
    /// Entries in source order; keys are always scalars.
    Map(Vec<(Node, Node)>),
}

/// Why a text is not a usable YAML document.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub mark: Mark,
    pub message: String,
}

/// Parses `text` into its single document; `Ok(None)` for a file without one.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    loop {
        let (event, marker) = parser.next_token().map_err(|e| SyntaxError {
            mark: mark(e.marker()),
            message: format!("invalid YAML: {}", e.info()),
        })?;
        if let Event::StreamEnd = event {
            return Ok(builder.document);
        }
        builder.event(event, mark(&marker))?;
    }
}

fn mark(marker: &Marker) -> Mark {
    Mark {
        index: marker.index(),
        line: saturate(marker.line()),
        column: saturate(marker.col().saturating_add(1)),
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A list or mapping whose end event has not arrived yet.
#[derive(Debug)]
enum Open {
    List(Mark, Vec<Node>),
    Map(Mark, Vec<(Node, Node)>, Option<Node>),
}

#[derive(Debug, Default)]
struct Builder {
    open: Vec<Open>,
    document: Option<Node>,
    documents: usize,
}

impl Builder {
    fn event(&mut self, event: Event, at: Mark) -> Result<(), SyntaxError> {
        match event {
            Event::DocumentStart => self.start_document(at),
            Event::Scalar(text, style, _, _) => {
                let plain = matches!(style, TScalarStyle::Plain);
                self.add(Node {
                    mark: at,
                    value: Value::Scalar { text, plain },
                })
            }
            Event::SequenceStart(..) => self.push(Open::List(at, Vec::new())),
            Event::MappingStart(..) => self.push(Open::Map(at, Vec::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(_) => Err(error(
                at,
                "aliases (`*name`) are not supported in rule files",
            )),
            _ => Ok(()),
        }
    }

    fn start_document(&mut self, at: Mark) -> Result<(), SyntaxError> {
        self.documents += 1;
        if self.documents > 1 {
            return Err(error(
                at,
                "a rule file holds one YAML document, found a second",
            ));
        }
        Ok(())
    }

    fn push(&mut self, open: Open) -> Result<(), SyntaxError> {
        if self.open.len() >= MAX_DEPTH {
            let at = match &open {
                Open::List(at, _) | Open::Map(at, _, _) => *at,
            };
            return Err(error(at, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.open.push(open);
        Ok(())
    }

    /// Ends the innermost open list or mapping and adds it to its parent.
    fn close(&mut self) -> Result<(), SyntaxError> {
        let node = match self.open.pop() {
            Some(Open::List(at, items)) => {
                let first = items.first().map(|n| n.mark);
                Node {
                    mark: earliest(at, first),
                    value: Value::List(items),
                }
            }
            Some(Open::Map(at, entries, _)) => {
                // A block mapping's start event is reported after its first
                // key; the first key is where a reader sees the mapping begin.
                let first = entries.first().map(|(key, _)| key.mark);
                Node {
                    mark: earliest(at, first),
                    value: Value::Map(entries),
                }
            }
            None => return Ok(()),
        };
        self.add(node)
    }

    /// Places a finished node into the innermost open container.
    fn add(&mut self, mut node: Node) -> Result<(), SyntaxError> {
        match self.open.last_mut() {
            None => self.document = Some(node),
            Some(Open::List(_, items)) => items.push(node),
            Some(Open::Map(_, _, pending @ None)) => {
                if !matches!(node.value, Value::Scalar { .. }) {
                    return Err(error(node.mark, "mapping keys must be plain text"));
                }
                *pending = Some(node);
            }
            Some(Open::Map(_, entries, pending @ Some(_))) => {
                if let Some(key) = pending.take() {
                    if is_empty_scalar(&node) {
                        // An empty value is reported after its key; point at the key.
                        node.mark = key.mark;
                    }
                    entries.push((key, node));
                }
            }
        }
        Ok(())
    }
}

fn earliest(start: Mark, first: Option<Mark>) -> Mark {
    match first {
        Some(first) if first.index < start.index => first,
        _ => start,
    }
}

fn is_empty_scalar(node: &Node) -> bool {
    matches!(&node.value, Value::Scalar { text, plain: true } if text.is_empty())
}

fn error(mark: Mark, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        mark,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(node: &Node) -> (u32, u32) {
        (node.mark.line, node.mark.column)
    }

    #[test]
    fn block_mapping_starts_at_its_first_key() {
        let doc = parse("rules:\n  - id: 1\n    name: x\n").unwrap().unwrap();
        let Value::Map(top) = &doc.value else {
            panic!("not a map")
        };
        assert_eq!(at(&doc), (1, 1));
        let Value::List(rules) = &top[0].1.value else {
            panic!("not a list")
        };
        assert_eq!(at(&rules[0]), (2, 5));
        let Value::Map(rule) = &rules[0].value else {
            panic!("not a map")
        };
        assert_eq!(at(&rule[1].0), (3, 5));
        assert_eq!(at(&rule[1].1), (3, 11));
    }

    #[test]
    fn flow_collections_start_at_their_bracket() {
        let doc = parse("a: {b: [1, 2]}\n").unwrap().unwrap();
        let Value::Map(top) = &doc.value else {
            panic!("not a map")
        };
        assert_eq!(at(&top[0].1), (1, 4));
        let Value::Map(inner) = &top[0].1.value else {
            panic!("not a map")
        };
        assert_eq!(at(&inner[0].1), (1, 8));
    }

    #[test]
    fn empty_value_points_at_its_key() {
        let doc = parse("a:\n  all:\n  b: 1\n").unwrap().unwrap();
        let Value::Map(top) = &doc.value else {
            panic!("not a map")
        };
        let Value::Map(inner) = &top[0].1.value else {
            panic!("not a map")
        };
        assert_eq!(at(&inner[0].1), (2, 3));
    }

    #[test]
    fn refuses_aliases_second_documents_and_deep_nesting() {
        let alias = parse("a: &x 1\nb: *x\n").unwrap_err();
        assert_eq!((alias.mark.line, alias.mark.column), (2, 4));
        let second = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(second.mark.line, 2);
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().message.contains("nesting"));
    }

    #[test]
    fn empty_text_has_no_document() {
        assert!(parse("").unwrap().is_none());
        assert!(parse("# only a comment\n").unwrap().is_none());
    }
}
