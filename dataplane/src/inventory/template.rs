//! Path templates from raw paths: which segments are ids.
//!
//! Raw paths go into a trie of segments, one per host, each node keeping
//! per-method figures of the paths ending there and how many requests went
//! through it. Templates are made when asked, by looking at all the values
//! seen at one position under one prefix:
//!
//! - many distinct values, most of them seen only once or twice: the
//!   position is a parameter (values seen often and shaped like words stay
//!   static beside it, such as `/users/me` next to `/users/{id}`);
//! - several distinct values of one id type (integer, hex, date, ...) that
//!   are rarely repeated: those values are a parameter;
//! - a value whose shape alone is an id (UUID, e-mail, long hex, opaque
//!   token) is a parameter even when alone;
//! - anything else stays static: API versions (`v1`), a handful of numeric
//!   values each used over and over (years in fixed paths, `/image/png`).
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
/// Distinct values from which a position may be a parameter whatever their
/// shape.
const MANY_VALUES: usize = 8;
/// Distinct id-shaped values from which they may be a parameter.
const FEW_IDS: usize = 3;
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

/// What one child position holds: its value's type and request count.
struct Candidate<'a> {
    key: &'a String,
    node: &'a Node,
    ty: ValueType,
}

type Split<'a> = (Vec<(&'a String, &'a Node)>, Option<(Node, ValueType, u64)>);

/// Divides `node`'s children into static ones and those that are values of
/// one parameter (merged into one node, with their joined type).
fn split_children(node: &Node) -> Split<'_> {
    let cands: Vec<Candidate> = node
        .children
        .iter()
        .map(|(key, node)| Candidate {
            key,
            node,
            ty: segment_type(key),
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
    let rare = |c: &Candidate| c.node.hits <= RARE_HITS;
    let rare_share = share(cands.iter().filter(|c| rare(c)).count(), cands.len());
    let many = cands.len() >= MANY_VALUES && rare_share >= 0.5;

    let ids: Vec<&Candidate> = cands.iter().filter(|c| c.ty.is_id()).collect();
    let id_rare = share(ids.iter().filter(|c| rare(c)).count(), ids.len());
    let ids_are_param = ids.len() >= FEW_IDS && id_rare >= 0.5 && one_family(&ids);

    cands
        .iter()
        .map(|c| {
            c.key == OVERFLOW
                || c.ty.is_unmistakable_id()
                || (many && (rare(c) || c.ty.is_id()))
                || (ids_are_param && c.ty.is_id())
        })
        .collect()
}

/// True when the id types join into one that is not a plain string.
fn one_family(ids: &[&Candidate]) -> bool {
    let mut it = ids.iter().map(|c| c.ty);
    let first = it.next();
    let joined = it.fold(first, |acc, t| acc.map(|a| a.join(t)));
    joined.is_some_and(|t| t != ValueType::String)
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The type of a raw (percent-encoded) segment.
fn segment_type(raw: &str) -> ValueType {
    if raw == OVERFLOW {
        return ValueType::String;
    }
    if !raw.contains('%') {
        return classify(raw.as_bytes());
    }
    let mut decoded = Vec::with_capacity(raw.len());
    percent_decode(raw.as_bytes(), false, &mut decoded);
    classify(&decoded)
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
