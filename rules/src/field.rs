//! Fields: the parts of an HTTP transaction a test can look at.
//!
//! [`Field`] lists every field the language knows, with the header, parameter,
//! cookie or JSON path a named field selects. The rule parser turns the
//! `field:` and `name:` keys of a test into a `Field` through [`shape_of`].

use std::fmt;

use crate::reader::excerpt;

/// A part of the transaction. Fields with several values (all headers, all
/// parameter values) match when any one value matches.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// `method`: the request method, as sent.
    Method,
    /// `host`: the Host header (or HTTP/2 `:authority`), port included.
    Host,
    /// `path`: the request path without the query string, still encoded.
    Path,
    /// `query`: the raw query string, without the `?`.
    Query,
    /// `query-param`: the values of the named query parameter.
    QueryParam(String),
    /// `body-param`: the values of the named form or JSON top-level body parameter.
    BodyParam(String),
    /// `param`: the values of the named parameter from the query or the body.
    Param(String),
    /// `param-names`: every parameter name, query and body.
    ParamNames,
    /// `param-values`: every parameter value, query and body.
    ParamValues,
    /// `header`: the values of the named request header (name in lower case).
    Header(String),
    /// `headers`: every request header value.
    Headers,
    /// `cookie`: the value of the named request cookie.
    Cookie(String),
    /// `cookies`: every request cookie value.
    Cookies,
    /// `user-agent`: the User-Agent request header.
    UserAgent,
    /// `request-body`: the decoded request body.
    RequestBody,
    /// `request-json`: values at a path of the request body read as JSON.
    RequestJson(JsonPath),
    /// `response-status`: the response status code, as decimal text.
    ResponseStatus,
    /// `response-header`: the values of the named response header (lower case).
    ResponseHeader(String),
    /// `response-headers`: every response header value.
    ResponseHeaders,
    /// `response-body`: the decoded response body.
    ResponseBody,
    /// `response-json`: values at a path of the response body read as JSON.
    ResponseJson(JsonPath),
    /// `client-address`: the client's IP address, as text.
    ClientAddress,
}

impl Field {
    /// Every field name a rule file may use after `field:`.
    pub const NAMES: &'static [&'static str] = &[
        "method",
        "host",
        "path",
        "query",
        "query-param",
        "body-param",
        "param",
        "param-names",
        "param-values",
        "header",
        "headers",
        "cookie",
        "cookies",
        "user-agent",
        "request-body",
        "request-json",
        "response-status",
        "response-header",
        "response-headers",
        "response-body",
        "response-json",
        "client-address",
    ];

    /// The name used after `field:` in rule files.
    pub fn name(&self) -> &'static str {
        match self {
            Field::Method => "method",
            Field::Host => "host",
            Field::Path => "path",
            Field::Query => "query",
            Field::QueryParam(_) => "query-param",
            Field::BodyParam(_) => "body-param",
            Field::Param(_) => "param",
            Field::ParamNames => "param-names",
            Field::ParamValues => "param-values",
            Field::Header(_) => "header",
            Field::Headers => "headers",
            Field::Cookie(_) => "cookie",
            Field::Cookies => "cookies",
            Field::UserAgent => "user-agent",
            Field::RequestBody => "request-body",
            Field::RequestJson(_) => "request-json",
            Field::ResponseStatus => "response-status",
            Field::ResponseHeader(_) => "response-header",
            Field::ResponseHeaders => "response-headers",
            Field::ResponseBody => "response-body",
            Field::ResponseJson(_) => "response-json",
            Field::ClientAddress => "client-address",
        }
    }

    /// The header, parameter, cookie or JSON path the field selects, if any.
    pub fn selector(&self) -> Option<&str> {
        match self {
            Field::QueryParam(n)
            | Field::BodyParam(n)
            | Field::Param(n)
            | Field::Header(n)
            | Field::Cookie(n)
            | Field::ResponseHeader(n) => Some(n),
            Field::RequestJson(p) | Field::ResponseJson(p) => Some(&p.source),
            _ => None,
        }
    }

    /// True for fields taken from the response.
    pub fn is_response(&self) -> bool {
        matches!(
            self,
            Field::ResponseStatus
                | Field::ResponseHeader(_)
                | Field::ResponseHeaders
                | Field::ResponseBody
                | Field::ResponseJson(_)
        )
    }
}

impl fmt::Display for Field {
    /// Writes `header(x-api-key)` for named fields and `path` otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.selector() {
            Some(selector) => write!(f, "{}({selector})", self.name()),
            None => f.write_str(self.name()),
        }
    }
}

/// What a field name needs besides itself, and how to build the field.
#[derive(Debug)]
pub(crate) enum Shape {
    /// Takes no `name:`.
    Plain(Field),
    /// Needs `name:`; header names are lowercased by the builder.
    Named(fn(String) -> Field),
    /// Needs `name:` holding a [`JsonPath`].
    Json(fn(JsonPath) -> Field),
}

/// How the field called `name` is built, or `None` for an unknown name.
pub(crate) fn shape_of(name: &str) -> Option<Shape> {
    let shape = match name {
        "method" => Shape::Plain(Field::Method),
        "host" => Shape::Plain(Field::Host),
        "path" => Shape::Plain(Field::Path),
        "query" => Shape::Plain(Field::Query),
        "query-param" => Shape::Named(Field::QueryParam),
        "body-param" => Shape::Named(Field::BodyParam),
        "param" => Shape::Named(Field::Param),
        "param-names" => Shape::Plain(Field::ParamNames),
        "param-values" => Shape::Plain(Field::ParamValues),
        "header" => Shape::Named(|n| Field::Header(n.to_ascii_lowercase())),
        "headers" => Shape::Plain(Field::Headers),
        "cookie" => Shape::Named(Field::Cookie),
        "cookies" => Shape::Plain(Field::Cookies),
        "user-agent" => Shape::Plain(Field::UserAgent),
        "request-body" => Shape::Plain(Field::RequestBody),
        "request-json" => Shape::Json(Field::RequestJson),
        "response-status" => Shape::Plain(Field::ResponseStatus),
        "response-header" => Shape::Named(|n| Field::ResponseHeader(n.to_ascii_lowercase())),
        "response-headers" => Shape::Plain(Field::ResponseHeaders),
        "response-body" => Shape::Plain(Field::ResponseBody),
        "response-json" => Shape::Json(Field::ResponseJson),
        "client-address" => Shape::Plain(Field::ClientAddress),
        _ => return None,
    };
    Some(shape)
}

/// A path into a JSON document, such as `$.items[*].id`.
///
/// The dataplane flattens a JSON body into (path, value) pairs, one per
/// scalar, with paths written in this same syntax (`$.items[0].id`). A path
/// with wildcards selects every pair whose path it matches.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsonPath {
    /// The path as written.
    pub source: String,
    /// The steps after the root `$`.
    pub segments: Vec<JsonSegment>,
}

/// One step of a [`JsonPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum JsonSegment {
    /// `.name`: the member called `name` of an object.
    Key(String),
    /// `.*`: any member of an object.
    AnyKey,
    /// `[n]`: element `n` of an array, from 0.
    Index(u32),
    /// `[*]`: any element of an array.
    AnyIndex,
    /// `..`: any number of steps, none included, before the next one
    /// (`$..id`: a member `id` at any depth; `$.*..*`: any value below the
    /// top level).
    Descend,
}

impl JsonPath {
    /// Parses `$`, then any number of `.name`, `.*`, `[n]` and `[*]` steps,
    /// each `.name` or `.*` step possibly written `..name` or `..*` to
    /// match at any depth below. Member names cannot contain `.`, `[` or
    /// `]`.
    pub fn parse(source: &str) -> Result<JsonPath, String> {
        let rest = source
            .strip_prefix('$')
            .ok_or_else(|| format!("JSON path `{}` must start with `$`", excerpt(source)))?;
        let mut segments = Vec::new();
        let mut rest = rest;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("..") {
                segments.push(JsonSegment::Descend);
                rest = &rest[1..];
                if after.is_empty() || after.starts_with(['.', '[']) {
                    let why = "expected a member name or `*` after `..`";
                    return Err(format!("invalid JSON path `{}`: {why}", excerpt(source)));
                }
            }
            let (segment, after) = next_segment(rest)
                .map_err(|why| format!("invalid JSON path `{}`: {why}", excerpt(source)))?;
            segments.push(segment);
            rest = after;
        }
        Ok(JsonPath {
            source: source.to_string(),
            segments,
        })
    }
}

/// Splits the first step off `rest`, which is not empty.
fn next_segment(rest: &str) -> Result<(JsonSegment, &str), String> {
    if let Some(after_dot) = rest.strip_prefix('.') {
        let end = after_dot.find(['.', '[', ']']).unwrap_or(after_dot.len());
        let (name, after) = after_dot.split_at(end);
        let segment = match name {
            "" => return Err("expected a member name after `.`".to_string()),
            "*" => JsonSegment::AnyKey,
            _ => JsonSegment::Key(name.to_string()),
        };
        return Ok((segment, after));
    }
    if let Some(after_bracket) = rest.strip_prefix('[') {
        let (inside, after) = after_bracket
            .split_once(']')
            .ok_or_else(|| "missing `]`".to_string())?;
        let segment = match inside {
            "*" => JsonSegment::AnyIndex,
            _ => JsonSegment::Index(
                inside
                    .parse()
                    .map_err(|_| format!("`[{inside}]` is not an array index or `[*]`"))?,
            ),
        };
        return Ok((segment, after));
    }
    Err(format!("expected `.` or `[` at `{}`", excerpt(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_parse_into_steps() {
        let path = JsonPath::parse("$.items[*].id").unwrap();
        assert_eq!(
            path.segments,
            [
                JsonSegment::Key("items".into()),
                JsonSegment::AnyIndex,
                JsonSegment::Key("id".into())
            ]
        );
        assert_eq!(JsonPath::parse("$").unwrap().segments, []);
        assert_eq!(
            JsonPath::parse("$.*[3]").unwrap().segments,
            [JsonSegment::AnyKey, JsonSegment::Index(3)]
        );
        assert_eq!(
            JsonPath::parse("$.*..*").unwrap().segments,
            [
                JsonSegment::AnyKey,
                JsonSegment::Descend,
                JsonSegment::AnyKey
            ]
        );
        assert_eq!(
            JsonPath::parse("$..id").unwrap().segments,
            [JsonSegment::Descend, JsonSegment::Key("id".into())]
        );
    }

    #[test]
    fn bad_json_paths_say_why() {
        assert!(JsonPath::parse("items")
            .unwrap_err()
            .contains("must start with `$`"));
        assert!(JsonPath::parse("$.a[x]").unwrap_err().contains("`[x]`"));
        assert!(JsonPath::parse("$.a[1")
            .unwrap_err()
            .contains("missing `]`"));
        assert!(JsonPath::parse("$..").unwrap_err().contains("after `..`"));
        assert!(JsonPath::parse("$...a").unwrap_err().contains("after `..`"));
        assert!(JsonPath::parse("$..[0]")
            .unwrap_err()
            .contains("after `..`"));
        assert!(JsonPath::parse("$.a.").unwrap_err().contains("member name"));
        assert!(JsonPath::parse("$a")
            .unwrap_err()
            .contains("expected `.` or `[`"));
    }

    #[test]
    fn every_name_has_a_shape() {
        for name in Field::NAMES {
            let field = match shape_of(name).unwrap() {
                Shape::Plain(f) => f,
                Shape::Named(build) => build("X".into()),
                Shape::Json(build) => build(JsonPath::parse("$").unwrap()),
            };
            assert_eq!(field.name(), *name);
        }
    }
}
