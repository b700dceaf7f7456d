//! The values of a transaction, per [`Source`], extracted on first use.
//!
//! [`TxFields`] borrows a [`Transaction`] for one inspection call and
//! extracts each source at most once: header values and bodies are
//! borrowed, parameters, cookies and flattened JSON are decoded by
//! [`crate::http::normalize`] under its [`Limits`], which bound both the
//! number and the size of the values. Nothing here fails or panics; a part
//! that is missing or malformed simply yields fewer values.
//!
//! What a query string, form or JSON body holds past those limits (values
//! past the 512th, long values whole, JSON nested too deep, JSON after a
//! grammar error) is not dropped: it becomes more values, the rest, each
//! named [`REST`] (or [`REST_POINTER`] among JSON values), which rules on
//! every parameter value or on JSON paths with wildcards read like any
//! other. Rules on a named parameter do not see them.

use std::borrow::Cow;
use std::net::IpAddr;

use smallvec::{smallvec, SmallVec};

use super::source::{top_level_member, Phase, Source};
use crate::http::normalize::{
    cookie_pairs, flatten_json_rest, media_type, parse_multipart, split_target,
    urlencoded_pairs_rest, Limits, Pair, Param,
};
use crate::http::{Header, Transaction};

/// The name of the values of a query string or body past the
/// normalization limits (see the module documentation).
pub(crate) const REST: &[u8] = b"(past limits)";
/// Their name among JSON values: a pointer two members deep, so that the
/// default rules' `$.*..*` reads them.
pub(crate) const REST_POINTER: &[u8] = b"/(past limits)/(past limits)";

/// The values of one source: most sources have one, which then costs no
/// allocation.
pub(crate) type Values<'a> = SmallVec<[Value<'a>; 1]>;

/// One value of a source, with its name for named sources.
#[derive(Clone, Debug)]
pub(crate) struct Value<'a> {
    pub(crate) name: Option<Cow<'a, [u8]>>,
    pub(crate) bytes: Cow<'a, [u8]>,
}

impl Value<'_> {
    pub(crate) fn name(&self) -> Option<&[u8]> {
        self.name.as_deref()
    }
}

/// The sources of one transaction, extracted lazily.
#[derive(Debug)]
pub(crate) struct TxFields<'a> {
    tx: &'a Transaction,
    client: IpAddr,
    limits: &'a Limits,
    cache: [Option<Values<'a>>; Source::COUNT],
}

impl<'a> TxFields<'a> {
    pub(crate) fn new(tx: &'a Transaction, client: IpAddr, limits: &'a Limits) -> Self {
        TxFields {
            tx,
            client,
            limits,
            cache: Default::default(),
        }
    }

    /// The values of `source`, extracting them on the first call.
    pub(crate) fn values(&mut self, source: Source) -> &[Value<'a>] {
        let at = source as usize;
        if matches!(self.cache.get(at), Some(None)) {
            let values = self.extract(source);
            if let Some(slot) = self.cache.get_mut(at) {
                *slot = Some(values);
            }
        }
        self.cache
            .get(at)
            .and_then(Option::as_deref)
            .unwrap_or_default()
    }

    /// The body kept for body phase `phase` and its `Content-Type`; `None`
    /// for the other phases.
    pub(crate) fn raw_body(&self, phase: Phase) -> Option<(&'a [u8], Option<&'a [u8]>)> {
        let tx = self.tx;
        match phase {
            Phase::RequestBody => Some((&tx.request_body.data, tx.request_header("content-type"))),
            Phase::ResponseBody => {
                Some((&tx.response_body.data, tx.response_header("content-type")))
            }
            _ => None,
        }
    }

    fn extract(&mut self, source: Source) -> Values<'a> {
        let tx = self.tx;
        match source {
            Source::Method => one(tx.method.as_bytes()),
            Source::Host => tx.hostname().map(one).unwrap_or_default(),
            Source::Path => one(split_target(&tx.uri).path),
            Source::Query => split_target(&tx.uri).query.map(one).unwrap_or_default(),
            Source::QueryParams => {
                let query = split_target(&tx.uri).query.unwrap_or_default();
                form(query, self.limits)
            }
            Source::QueryParamNames => names_of(self.values(Source::QueryParams)),
            Source::RequestHeaders => headers(&tx.request_headers),
            Source::Cookies => self.cookies(),
            Source::ClientAddress => owned(self.client.to_string().into_bytes()),
            Source::BodyParams => self.body_params(),
            Source::BodyParamNames => names_of(self.values(Source::BodyParams)),
            Source::RequestBody => body(&tx.request_body.data),
            Source::RequestJson => json(
                &tx.request_body.data,
                tx.request_header("content-type"),
                self.limits,
            ),
            Source::ResponseStatus => {
                let status = tx.status.map(|s| s.to_string().into_bytes());
                status.map(owned).unwrap_or_default()
            }
            Source::ResponseHeaders => headers(&tx.response_headers),
            Source::ResponseBody => body(&tx.response_body.data),
            Source::ResponseJson => json(
                &tx.response_body.data,
                tx.response_header("content-type"),
                self.limits,
            ),
        }
    }

    fn cookies(&self) -> Values<'a> {
        let tx = self.tx;
        let values: SmallVec<[&'a [u8]; 2]> = tx
            .request_headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(b"cookie"))
            .map(|h| h.value.as_slice())
            .collect();
        if values.is_empty() {
            return Values::new();
        }
        pairs(cookie_pairs(&values, self.limits).0)
    }

    /// Form fields, multipart parts or top-level JSON members, by the
    /// request's media type.
    fn body_params(&mut self) -> Values<'a> {
        let data = &self.tx.request_body.data;
        let content_type = self.tx.request_header("content-type");
        let media = content_type.map(media_type).unwrap_or_default();
        match media.as_slice() {
            b"application/x-www-form-urlencoded" => form(data, self.limits),
            b"multipart/form-data" => {
                let parts = parse_multipart(content_type.unwrap_or_default(), data, self.limits).0;
                let values = parts.into_iter().map(|part| Value {
                    name: Some(Cow::Owned(part.name)),
                    bytes: Cow::Owned(part.data),
                });
                values.collect()
            }
            _ => self.json_members(),
        }
    }

    /// Top-level scalar members of a JSON request body, and the values of
    /// its rest.
    fn json_members(&mut self) -> Values<'a> {
        let members = self.values(Source::RequestJson).iter().filter_map(|v| {
            let name = match v.name()? {
                REST_POINTER => REST.to_vec(),
                name => top_level_member(name)?,
            };
            Some(Value {
                name: Some(Cow::Owned(name)),
                bytes: v.bytes.clone(),
            })
        });
        members.collect()
    }
}

fn one(bytes: &[u8]) -> Values<'_> {
    smallvec![Value {
        name: None,
        bytes: Cow::Borrowed(bytes),
    }]
}

fn owned<'a>(bytes: Vec<u8>) -> Values<'a> {
    smallvec![Value {
        name: None,
        bytes: Cow::Owned(bytes),
    }]
}

/// A body is one value, or none when it is empty.
fn body(data: &[u8]) -> Values<'_> {
    if data.is_empty() {
        return Values::new();
    }
    one(data)
}

fn headers(list: &[Header]) -> Values<'_> {
    list.iter().map(header_value).collect()
}

fn header_value(header: &Header) -> Value<'_> {
    Value {
        name: Some(Cow::Borrowed(header.name.as_slice())),
        bytes: Cow::Borrowed(header.value.as_slice()),
    }
}

/// Name/value pairs as named values, borrowed where they were.
fn pairs<'a>(pairs: Vec<Pair<'a>>) -> Values<'a> {
    let value = |(name, bytes): Pair<'a>| Value {
        name: Some(name),
        bytes,
    };
    pairs.into_iter().map(value).collect()
}

fn named<'a>(params: Vec<Param>) -> Values<'a> {
    let value = |p: Param| Value {
        name: Some(Cow::Owned(p.name)),
        bytes: Cow::Owned(p.value),
    };
    params.into_iter().map(value).collect()
}

/// The names of named values, as unnamed values.
fn names_of<'a>(values: &[Value<'a>]) -> Values<'a> {
    let name = |v: &Value<'a>| {
        v.name.clone().map(|name| Value {
            name: None,
            bytes: name,
        })
    };
    values.iter().filter_map(name).collect()
}

/// Query or form pairs, and their rest when there is one.
fn form<'a>(text: &'a [u8], limits: &Limits) -> Values<'a> {
    let (list, rest) = urlencoded_pairs_rest(text, limits);
    let mut values = pairs(list);
    push_rest(&mut values, REST, rest);
    values
}

/// A body flattened into (JSON pointer, value) pairs, when it is JSON,
/// and its rest when there is one.
fn json<'a>(data: &[u8], content_type: Option<&[u8]>, limits: &Limits) -> Values<'a> {
    if !is_json(data, content_type) {
        return Values::new();
    }
    let (params, rest, _) = flatten_json_rest(data, limits);
    let mut values = named(params);
    push_rest(&mut values, REST_POINTER, rest);
    values
}

/// Adds the values of the rest, each under `name`.
fn push_rest(values: &mut Values<'_>, name: &'static [u8], rest: Vec<Vec<u8>>) {
    values.extend(rest.into_iter().map(|bytes| Value {
        name: Some(Cow::Borrowed(name)),
        bytes: Cow::Owned(bytes),
    }));
}

/// JSON by its media type (`application/json`, `*/*+json`), or, without a
/// `Content-Type`, by a body that starts like a JSON object or array.
fn is_json(data: &[u8], content_type: Option<&[u8]>) -> bool {
    if let Some(content_type) = content_type {
        let media = media_type(content_type);
        return media == b"application/json" || media.ends_with(b"+json");
    }
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    matches!(first, Some(b'{' | b'['))
}
