//! Path templates from raw paths: which segments are ids.
//!
//! Raw paths go into a trie of segments, one per host, each node keeping
//! per-method figures of the paths ending there and how many requests went
//! through it. Templates are made when asked, by looking at all the values
//! seen at one position under one prefix:
//!
//! - values are shaped like values (an id type such as integer, UUID, hex
//!   or date; a literal such as `true`; anything that is not a short ASCII
//!   name) or like resource names (`users`, `v1`, `robots.txt`);
//! - three or more value-shaped values, most of them rare (seen at most
//!   twice per method): the position is a parameter; its value-shaped values and its rare
//!   names are merged, names seen often stay static beside it
//!   (`/users/me` next to `/users/{id}`);
//! - names alone make a parameter only when there are very many (64) and
//!   nearly all rare: a static fan-out is seldom that wide;
//! - a value whose shape alone is an id (UUID, e-mail, long hex, opaque
//!   token) is a parameter even when alone;
//! - anything else stays static: API versions (`v1`), a few numbers each
//!   used over and over (years in fixed paths), `/image/png` beside
//!   `/image/jpeg`.
//!
//! The subtrees of the values made a parameter are merged, and the same
//! decision is taken again below them.

use std::collections::BTreeMap;

use super::stats::EndpointStats;
use super::value::{classify, ValueType};
use crate::http::normalize::percent_decode;

/// Most distinct values kept under one node; later new values go to one
/// overflow child, which is always a parameter.
const MAX_CHILDREN: usize = 2048;
/// Distinct value-shaped segments from which they may be a parameter.
const FEW_IDS: usize = 3;
/// Distinct name-shaped segments from which they may be a parameter on
/// their own (static fan-outs of APIs stay below this).
const MANY_NAMES: usize = 64;
/// A value seen at most this often counts as rare.
const RARE_HITS: u64 = 2;
/// The overflow child's key (never a real segment: it holds a NUL).
const OVERFLOW: &str = "\0overflow";

/// A trie node: the paths ending here by method, the next segments.
#[derive(Clone, Debug, Default)]
pub(super) struct Node {
    pub(super) hits: u64,
    pub(super) methods: BTreeMap<String, EndpointStats>,
    pub(super) children: BTreeMap<String, Node>,
}

/// One segment of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A segment as sent (percent-encoded as sent).
    Static(String),
    /// A parameter: the type of its values and how many were seen.
    Param { ty: ValueType, distinct: u64 },
}

impl Node {
    /// The node for `segments` below this one, created as needed, counting
    /// the request on the way.
    pub(super) fn walk<'a>(&mut self, segments: impl Iterator<Item = &'a str>) -> &mut Node {
        self.hits += 1;
        let mut node = self;
        for seg in segments {
            let key = if node.children.contains_key(seg) || node.children.len() < MAX_CHILDREN {
                seg
            } else {
                OVERFLOW
            };
            node = node.children.entry(key.to_owned()).or_default();
            node.hits += 1;
        }
        node
    }

    /// Adds `other` (a subtree found to be the same template) into `self`.
    fn absorb(&mut self, other: &Node) {
        self.hits += other.hits;
        for (m, s) in &other.methods {
            self.methods.entry(m.clone()).or_default().merge(s);
        }
        for (k, child) in &other.children {
            self.children.entry(k.clone()).or_default().absorb(child);
        }
    }
}

/// Every endpoint below `node`: its template and figures, in path order.
pub(super) fn templates(node: &Node) -> Vec<(Vec<Segment>, String, EndpointStats)> {
    let mut out = Vec::new();
    let mut prefix = Vec::new();
    collect(node, &mut prefix, &mut out);
    out
}

fn collect(
    node: &Node,
    prefix: &mut Vec<Segment>,
    out: &mut Vec<(Vec<Segment>, String, EndpointStats)>,
) {
    for (method, stats) in &node.methods {
        out.push((prefix.clone(), method.clone(), stats.clone()));
    }
    let (statics, param) = split_children(node);
    for (key, child) in statics {
        prefix.push(Segment::Static(key.clone()));
        collect(child, prefix, out);
        prefix.pop();
    }
    if let Some((merged, ty, distinct)) = param {
        prefix.push(Segment::Param { ty, distinct });
        collect(&merged, prefix, out);
        prefix.pop();
    }
}

/// One value seen at a position, and what the decision weighs of it.
struct Candidate<'a> {
    key: &'a String,
    node: &'a Node,
    ty: ValueType,
    /// Shaped like a value rather than a resource name: an id type, a
    /// literal (`true`, `null`), or not a short ASCII name.
    value_like: bool,
    /// Seen at most [`RARE_HITS`] times per method used under it.
    rare: bool,
}

type Split<'a> = (Vec<(&'a String, &'a Node)>, Option<(Node, ValueType, u64)>);

/// Divides `node`'s children into static ones and those that are values of
/// one parameter (merged into one node, with their joined type).
fn split_children(node: &Node) -> Split<'_> {
    let cands: Vec<Candidate> = node
        .children
        .iter()
        .map(|(key, node)| {
            let decoded = decode(key);
            let ty = segment_type(key, &decoded);
            Candidate {
                key,
                node,
                ty,
                value_like: ty.is_id() || is_literal(&decoded) || !is_name(&decoded),
                rare: node.hits <= RARE_HITS * method_count(node),
            }
        })
        .collect();
    let is_param = decide(&cands);
    let mut statics = Vec::new();
    let mut merged: Option<(Node, ValueType, u64)> = None;
    for (c, param) in cands.iter().zip(is_param) {
        if !param {
            statics.push((c.key, c.node));
            continue;
        }
        let (m, ty, n) = merged.get_or_insert_with(|| (Node::default(), c.ty, 0));
        m.absorb(c.node);
        *n += 1;
        if c.key != OVERFLOW {
            *ty = ty.join(c.ty);
        }
    }
    (statics, merged)
}

/// Which candidates are values of a parameter.
fn decide(cands: &[Candidate]) -> Vec<bool> {
    let values: Vec<&Candidate> = cands.iter().filter(|c| c.value_like).collect();
    let rare_values = values.iter().filter(|c| c.rare).count();
    let position_is_param = values.len() >= FEW_IDS && share(rare_values, values.len()) >= 0.5;

    let names = cands.len() - values.len();
    let rare_names = cands.iter().filter(|c| !c.value_like && c.rare).count();
    let names_are_param = names >= MANY_NAMES && share(rare_names, names) >= 0.8;

    cands
        .iter()
        .map(|c| {
            c.key == OVERFLOW
                || c.ty.is_unmistakable_id()
                || (position_is_param && (c.value_like || c.rare))
                || (names_are_param && c.rare)
        })
        .collect()
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The type of a segment (raw and percent-decoded).
fn segment_type(raw: &str, decoded: &[u8]) -> ValueType {
    if raw == OVERFLOW {
        return ValueType::String;
    }
    classify(decoded)
}

fn decode(raw: &str) -> Vec<u8> {
    let mut decoded = Vec::with_capacity(raw.len());
    if raw.contains('%') {
        percent_decode(raw.as_bytes(), false, &mut decoded);
    } else {
        decoded.extend_from_slice(raw.as_bytes());
    }
    decoded
}

/// A resource name: up to 40 ASCII letters, digits, `.`, `-` and `_`,
/// with a letter in it (`users`, `v1`, `robots.txt`, `image_png`).
fn is_name(seg: &[u8]) -> bool {
    seg.len() <= 40
        && seg.iter().any(u8::is_ascii_alphabetic)
        && seg
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(b))
}

/// Words that are values, not names, in a path.
fn is_literal(seg: &[u8]) -> bool {
    const LITERALS: [&[u8]; 6] = [b"true", b"false", b"null", b"undefined", b"none", b"nan"];
    LITERALS.iter().any(|l| seg.eq_ignore_ascii_case(l))
}

/// Methods used on the paths at and up to two levels below `node` (at
/// least 1; the walk is bounded so that deciding stays cheap).
fn method_count(node: &Node) -> u64 {
    fn walk<'a>(node: &'a Node, depth: u8, seen: &mut std::collections::BTreeSet<&'a str>) {
        seen.extend(node.methods.keys().map(String::as_str));
        if depth < 2 && seen.len() < 9 {
            node.children
                .values()
                .take(64)
                .for_each(|c| walk(c, depth + 1, seen));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    walk(node, 0, &mut seen);
    seen.len().max(1) as u64
}

/// The template as a path: static segments as sent (braces escaped),
/// parameters as `{name}` named after the segment before them.
pub fn template_path(segments: &[Segment]) -> (String, Vec<(String, ValueType, u64)>) {
    let mut path = String::new();
    let mut params: Vec<(String, ValueType, u64)> = Vec::new();
    let mut prev = "";
    for seg in segments {
        path.push('/');
        match seg {
            Segment::Static(s) => {
                path.push_str(&s.replace('{', "%7B").replace('}', "%7D"));
                prev = s;
            }
            Segment::Param { ty, distinct } => {
                let name = param_name(prev, &params);
                path.push('{');
                path.push_str(&name);
                path.push('}');
                params.push((name, *ty, *distinct));
                prev = "";
            }
        }
    }
    if path.is_empty() {
        path.push('/');
    }
    (path, params)
}

/// `<previous segment>_id`, or `param`, made unique in the template.
fn param_name(prev: &str, taken: &[(String, ValueType, u64)]) -> String {
    let clean: String = prev
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let clean = clean.trim_matches('_');
    let base = if clean.is_empty() {
        "param".to_owned()
    } else {
        format!("{clean}_id")
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|(t, _, _)| *t == name) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}
