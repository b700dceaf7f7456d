//! Where a field's values come from: the [`Source`]s of a transaction, the
//! [`Phase`] at which each is known, and the [`Selector`] that picks the
//! values of a named field.
//!
//! A rule [`Field`] maps to one or two sources (`param` reads both query and
//! body parameters). Sources are what the engine extracts and scans: every
//! named header test scans the request-header source and keeps the matches
//! whose header name its selector accepts.

use palisade_rules::{Field, JsonPath, JsonSegment};
use smallvec::SmallVec;

/// When a part of a transaction is known, in the order they arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Request line and header fields parsed.
    RequestHeaders,
    /// Request body complete.
    RequestBody,
    /// Final status line and response header fields parsed.
    ResponseHeaders,
    /// Response body complete; the transaction is done.
    ResponseBody,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 4] = [
        Phase::RequestHeaders,
        Phase::RequestBody,
        Phase::ResponseHeaders,
        Phase::ResponseBody,
    ];

    /// Position in [`Phase::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// One list of values extracted from a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Source {
    Method,
    Host,
    /// The raw (still encoded) path of the request target.
    Path,
    /// The raw query string.
    Query,
    /// Decoded query parameters, named.
    QueryParams,
    /// Decoded query parameter names.
    QueryParamNames,
    /// Request header values, named by field name as sent.
    RequestHeaders,
    /// Request cookies, named.
    Cookies,
    ClientAddress,
    /// Form, multipart or top-level JSON body parameters, named.
    BodyParams,
    BodyParamNames,
    RequestBody,
    /// Flattened JSON request body, named by JSON pointer.
    RequestJson,
    ResponseStatus,
    ResponseHeaders,
    ResponseBody,
    ResponseJson,
}

impl Source {
    /// How many sources there are.
    pub(crate) const COUNT: usize = Source::ResponseJson as usize + 1;

    /// The phase from which the source's values are known.
    pub(crate) fn phase(self) -> Phase {
        match self {
            Source::BodyParams
            | Source::BodyParamNames
            | Source::RequestBody
            | Source::RequestJson => Phase::RequestBody,
            Source::ResponseStatus | Source::ResponseHeaders => Phase::ResponseHeaders,
            Source::ResponseBody | Source::ResponseJson => Phase::ResponseBody,
            _ => Phase::RequestHeaders,
        }
    }

    /// True for the two sources of header fields.
    pub(crate) fn is_headers(self) -> bool {
        matches!(self, Source::RequestHeaders | Source::ResponseHeaders)
    }

    /// True for the sources whose values a body's JSON or form fields
    /// give (see [`super::sweep::Lean`]).
    pub(crate) fn is_json_valued(self) -> bool {
        matches!(
            self,
            Source::BodyParams
                | Source::BodyParamNames
                | Source::RequestJson
                | Source::ResponseJson
        )
    }

    /// True for the sources whose values are taken from the query string
    /// alone (see [`super::clean::Key::Query`]).
    pub(crate) fn is_from_query(self) -> bool {
        matches!(
            self,
            Source::Query | Source::QueryParams | Source::QueryParamNames
        )
    }

    /// True for the two body sources, which can be streamed.
    pub(crate) fn is_body(self) -> bool {
        matches!(self, Source::RequestBody | Source::ResponseBody)
    }
}

/// Which values of a source a test looks at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Selector {
    /// Every value.
    Any,
    /// Values whose name is exactly this (parameters, cookies).
    Name(Vec<u8>),
    /// Values whose name is this, ignoring ASCII case (header fields).
    HeaderName(Vec<u8>),
    /// Values whose JSON pointer the path matches.
    Json(JsonPath),
}

impl Selector {
    /// Whether a value called `name` (`None` for unnamed values) is selected.
    pub(crate) fn accepts(&self, name: Option<&[u8]>) -> bool {
        match (self, name) {
            (Selector::Any, _) => true,
            (Selector::Name(want), Some(name)) => want.as_slice() == name,
            (Selector::HeaderName(want), Some(name)) => want.eq_ignore_ascii_case(name),
            (Selector::Json(path), Some(pointer)) => json_path_matches(path, pointer),
            (_, None) => false,
        }
    }
}

/// The sources a field reads and how it selects among their values.
pub(crate) fn targets(field: &Field) -> Vec<(Source, Selector)> {
    let name = |n: &String| Selector::Name(n.as_bytes().to_vec());
    let header = |n: &str| Selector::HeaderName(n.as_bytes().to_vec());
    let one = |source| vec![(source, Selector::Any)];
    match field {
        Field::Method => one(Source::Method),
        Field::Host => one(Source::Host),
        Field::Path => one(Source::Path),
        Field::Query => one(Source::Query),
        Field::QueryParam(n) => vec![(Source::QueryParams, name(n))],
        Field::BodyParam(n) => vec![(Source::BodyParams, name(n))],
        Field::Param(n) => vec![
            (Source::QueryParams, name(n)),
            (Source::BodyParams, name(n)),
        ],
        Field::ParamNames => vec![
            (Source::QueryParamNames, Selector::Any),
            (Source::BodyParamNames, Selector::Any),
        ],
        Field::ParamValues => vec![
            (Source::QueryParams, Selector::Any),
            (Source::BodyParams, Selector::Any),
        ],
        Field::Header(n) => vec![(Source::RequestHeaders, header(n))],
        Field::Headers => one(Source::RequestHeaders),
        Field::Cookie(n) => vec![(Source::Cookies, name(n))],
        Field::Cookies => one(Source::Cookies),
        Field::UserAgent => vec![(Source::RequestHeaders, header("user-agent"))],
        Field::RequestBody => one(Source::RequestBody),
        Field::RequestJson(p) => vec![(Source::RequestJson, Selector::Json(p.clone()))],
        Field::ResponseStatus => one(Source::ResponseStatus),
        Field::ResponseHeader(n) => vec![(Source::ResponseHeaders, header(n))],
        Field::ResponseHeaders => one(Source::ResponseHeaders),
        Field::ResponseBody => one(Source::ResponseBody),
        Field::ResponseJson(p) => vec![(Source::ResponseJson, Selector::Json(p.clone()))],
        Field::ClientAddress => one(Source::ClientAddress),
    }
}

/// Whether a rule's JSON path selects the RFC 6901 pointer of a flattened
/// value. A pointer does not say whether a step is an object member or an
/// array element, so `[n]` accepts the step `n` and `[*]` any all-digit
/// step; `.*` accepts any step.
pub(crate) fn json_path_matches(path: &JsonPath, pointer: &[u8]) -> bool {
    let steps: SmallVec<[Vec<u8>; 8]> = pointer_steps(pointer).collect();
    segments_match(&path.segments, &steps)
}

/// Whether `segments` match exactly the pointer `steps`; a
/// [`JsonSegment::Descend`] takes any number of steps, none included.
///
/// The steps reachable after each segment are kept as a set, so a path
/// with many descents costs segments x steps, never a search over every
/// way to split the pointer among them.
fn segments_match(segments: &[JsonSegment], steps: &[Vec<u8>]) -> bool {
    // reached[i]: the first i steps are matched by the segments so far.
    let mut reached: SmallVec<[bool; 16]> = SmallVec::from_elem(false, steps.len() + 1);
    if let Some(start) = reached.first_mut() {
        *start = true;
    }
    for segment in segments {
        let mut next: SmallVec<[bool; 16]> = SmallVec::from_elem(false, reached.len());
        match segment {
            JsonSegment::Descend => {
                let from = reached.iter().position(|r| *r).unwrap_or(reached.len());
                next.iter_mut().skip(from).for_each(|n| *n = true);
            }
            _ => {
                for (at, step) in steps.iter().enumerate() {
                    let here = reached.get(at).copied().unwrap_or(false);
                    if here && segment_accepts(segment, step) {
                        if let Some(n) = next.get_mut(at + 1) {
                            *n = true;
                        }
                    }
                }
            }
        }
        reached = next;
    }
    reached.last().copied().unwrap_or(false)
}

fn segment_accepts(segment: &JsonSegment, step: &[u8]) -> bool {
    match segment {
        JsonSegment::Key(key) => key.as_bytes() == step,
        JsonSegment::AnyKey => true,
        JsonSegment::Index(n) => is_index(step) && step == n.to_string().as_bytes(),
        JsonSegment::AnyIndex => is_index(step),
        // Not a step of its own: `segments_match` handles descents.
        JsonSegment::Descend => false,
    }
}

/// An array index as a pointer writes it: digits, no leading zero.
fn is_index(step: &[u8]) -> bool {
    match step {
        [] => false,
        [b'0'] => true,
        [b'0', ..] => false,
        _ => step.iter().all(u8::is_ascii_digit),
    }
}

/// The unescaped steps of a JSON pointer (`~1` is `/`, `~0` is `~`); the
/// empty pointer (the document root) has none.
fn pointer_steps(pointer: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let rest = pointer.strip_prefix(b"/");
    let pieces = rest.map(|r| r.split(|b| *b == b'/'));
    pieces.into_iter().flatten().map(unescape_step)
}

fn unescape_step(step: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(step.len());
    let mut bytes = step.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        match (b, bytes.peek()) {
            (b'~', Some(b'1')) => {
                out.push(b'/');
                bytes.next();
            }
            (b'~', Some(b'0')) => {
                out.push(b'~');
                bytes.next();
            }
            _ => out.push(b),
        }
    }
    out
}

/// The member name of a JSON pointer one step below the root (`/name`).
pub(crate) fn top_level_member(pointer: &[u8]) -> Option<Vec<u8>> {
    let mut steps = pointer_steps(pointer);
    let first = steps.next()?;
    steps.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use palisade_rules::JsonPath;

    use super::json_path_matches;

    fn matches(path: &str, pointer: &str) -> bool {
        let path = JsonPath::parse(path).expect("a valid path");
        json_path_matches(&path, pointer.as_bytes())
    }

    /// Pointers as RFC 6901 writes them; `..` as RFC 9535's descendant
    /// segment: the step after it at any depth, the current one included.
    #[test]
    fn descendant_steps_match_at_any_depth() {
        assert!(matches("$..id", "/id"));
        assert!(matches("$..id", "/a/0/b/id"));
        assert!(!matches("$..id", "/id/x"));
        assert!(!matches("$..id", "/ids"));
        assert!(matches("$..*", "/a"));
        assert!(matches("$..*", "/a/b/c/d"));
        assert!(!matches("$..*", ""));
        assert!(!matches("$.*..*", "/a"), "below the top level only");
        assert!(matches("$.*..*", "/a/b"));
        assert!(matches("$.*..*", "/o/p/q"));
        assert!(matches("$.*..*", "/0/x"));
        assert!(matches("$.a..b.c", "/a/b/c"));
        assert!(matches("$.a..b.c", "/a/x/y/b/c"));
        assert!(!matches("$.a..b.c", "/x/b/c"));
        assert!(
            matches("$..a/b", "/x/a~1b"),
            "a member name with `/`, escaped"
        );
    }

    /// Many descents over a deep pointer (each `..` may take any number
    /// of steps; a search over every split of 40 steps among 8 descents
    /// would make tens of millions of tries).
    #[test]
    fn many_descents_over_a_deep_pointer() {
        let deep = "/a".repeat(40);
        let path = "$..*..*..*..*..*..*..*..*..zz";
        assert!(!matches(path, &deep));
        assert!(matches(path, &format!("{deep}/zz")));
        assert!(
            !matches(path, "/a/a/a/a/a/a/a/zz"),
            "eight steps before zz needed"
        );
        assert!(matches(path, "/a/a/a/a/a/a/a/a/zz"));
        assert!(matches("$..*..*..a..a", &deep));
        assert!(!matches("$..*..b", &deep));
    }

    #[test]
    fn paths_without_descent_match_their_depth_only() {
        assert!(matches("$.*.*", "/a/b"));
        assert!(!matches("$.*.*", "/a/b/c"));
        assert!(matches("$.items[*].id", "/items/3/id"));
        assert!(!matches("$.items[*].id", "/items/x/id"));
    }
}
