//! The Palisade rule language: reference.
//!
//! All policy lives in YAML rule files of one format. A file is a mapping
//! with two keys:
//!
//! | key       | required | meaning                                                  |
//! |-----------|----------|----------------------------------------------------------|
//! | `version` | no       | format version; only `1` exists                          |
//! | `rules`   | yes      | a list of rules; each names its `kind`                   |
//!
//! Every rule carries a `kind`: `signature`, `rate-limit` or `bot`. The names
//! `acl`, `sensitive-data` and `api-spec` are reserved for
//! the policies that will share this format; a file using them is refused
//! with "not supported yet", and any other kind is an unknown kind. A new kind
//! adds its own keys next to the shared ones below, so one file can mix kinds
//! and one loader reads them all.
//!
//! # Keys every rule has
//!
//! | key           | required | type                 | default   |
//! |---------------|----------|----------------------|-----------|
//! | `id`          | yes      | integer ≥ 1          |           |
//! | `kind`        | yes      | `signature`, `rate-limit`, `bot` |  |
//! | `name`        | yes      | non-empty string     |           |
//! | `description` | no       | string               | empty     |
//! | `severity`    | yes      | `info`, `low`, `medium`, `high`, `critical` | |
//! | `tags`        | no       | list of strings      | none      |
//! | `action`      | yes      | `log`, `alert`, `block` |        |
//! | `verdict`     | no       | `drop`, `reset`, `respond`, `tarpit`, only with `action: block` | config |
//! | `respond`     | no       | `{status: N, retry-after: S}`, only with `verdict: respond` | |
//! | `mode`        | no       | `enforce`, `shadow`  | `enforce` |
//! | `enabled`     | no       | `true`, `false`      | `true`    |
//!
//! Ids are unique across every file loaded together. Tags are free-form
//! labels without whitespace; a tag `owasp-api:APIn` must name one of the
//! OWASP API Security Top 10 categories `API1` to `API10`.
//!
//! Actions: `log` records the match as a low-priority event; `alert` raises
//! an alert and lets the transaction go on; `block` raises an alert and stops
//! the transaction. `verdict` says how a block stops it in inline mode:
//! `drop` drops the packet and the rest of the flow; `reset` drops and sends
//! a TCP reset to both ends; `respond` drops, answers the client with an
//! HTTP response and resets the server; `tarpit` drops, resets the server
//! and holds the client's connection open answering nothing. Without
//! `verdict` the dataplane's `enforcement.verdict` applies. `respond:
//! {status: 403}` (any status from 100 to 599; `retry-after` in seconds, 0 to
//! 86400, adds a `Retry-After` header, which a 429 always carries) sets the
//! answer and implies `verdict: respond`. In `mode: shadow` a rule is evaluated and its
//! matches are reported with the action it would have taken, but nothing is
//! done. A rule with `enabled: false` is kept but never evaluated.
//!
//! # Signatures
//!
//! A signature has one more key, `match`, holding a condition over one HTTP
//! transaction (a request and its response). A condition is a mapping of one
//! of these shapes:
//!
//! ```yaml
//! all: [<condition>, ...]   # every member holds; at least one member
//! any: [<condition>, ...]   # some member holds; at least one member
//! not: <condition>          # the condition does not hold
//! field: <field>            # a test, see below
//! ```
//!
//! `all`, `any` and `not` take no other key beside them and nest freely, up to
//! the file's nesting limit of 64 levels.
//!
//! ## Tests
//!
//! A test reads one field of the transaction, applies its transforms in
//! order, and matches the result with exactly one operator. Keys:
//!
//! | key          | meaning                                                        |
//! |--------------|----------------------------------------------------------------|
//! | `field`      | which part of the transaction (table below)                    |
//! | `name`       | the header, parameter, cookie or JSON path, for named fields   |
//! | `transforms` | list of transforms applied in order before matching            |
//! | an operator  | exactly one of the operator keys listed under Operators below  |
//! | `nocase`     | `true`: text operators ignore case                             |
//! | `dotall`     | `true`: in a `regex`, `.` also matches a newline               |
//! | `multiline`  | `true`: in a `regex`, `^` and `$` match at every line          |
//!
//! To test one field twice, put two tests under `all`.
//!
//! ## Fields
//!
//! | field              | `name`          | values                                      |
//! |--------------------|-----------------|---------------------------------------------|
//! | `method`           |                 | request method                              |
//! | `host`             |                 | Host header (`:authority`), port included   |
//! | `path`             |                 | request path, without the query, still encoded |
//! | `query`            |                 | raw query string, without `?`               |
//! | `query-param`      | parameter name  | values of that query parameter              |
//! | `body-param`       | parameter name  | values of that form or top-level JSON body parameter |
//! | `param`            | parameter name  | values of that parameter, query or body     |
//! | `param-names`      |                 | every parameter name, query and body        |
//! | `param-values`     |                 | every parameter value, query and body       |
//! | `header`           | header name     | values of that request header               |
//! | `headers`          |                 | every request header value                  |
//! | `cookie`           | cookie name     | value of that request cookie                |
//! | `cookies`          |                 | every request cookie value                  |
//! | `user-agent`       |                 | User-Agent request header                   |
//! | `request-body`     |                 | request body, after content decoding        |
//! | `request-json`     | JSON path       | values at that path of a JSON request body  |
//! | `response-status`  |                 | response status code                        |
//! | `response-header`  | header name     | values of that response header              |
//! | `response-headers` |                 | every response header value                 |
//! | `response-body`    |                 | response body, after content decoding       |
//! | `response-json`    | JSON path       | values at that path of a JSON response body |
//! | `client-address`   |                 | client IP address                           |
//!
//! A field with several values matches when any one of them matches. Header
//! names are case-insensitive (kept in lower case); parameter and cookie names
//! are exact. A JSON path starts at `$` and goes on with `.member`, `.*` (any
//! member), `[n]` (element `n`) and `[*]` (any element), as in
//! `$.items[*].price`; `..member` and `..*` match at any depth below
//! (`$..price`: every member `price`; `$.*..*`: every value below the top
//! level). JSON bodies are flattened into (path, value) pairs, one per
//! scalar, and the test sees the values whose path matches.
//!
//! ## Operators
//!
//! | operator   | value                          | matches when the value...          |
//! |------------|--------------------------------|------------------------------------|
//! | `regex`    | pattern                        | contains a match of the pattern    |
//! | `contains` | non-empty string               | contains the string                |
//! | `equals`   | non-empty string               | is the string                      |
//! | `prefix`   | non-empty string               | starts with the string             |
//! | `suffix`   | non-empty string               | ends with the string               |
//! | `in`       | non-empty list of strings      | is one of the strings              |
//! | `eq` `ne` `lt` `le` `gt` `ge` | integer     | read as a decimal integer, compares so |
//! | `cidr`     | network, or non-empty list     | read as an IP address, is in one of them |
//!
//! `nocase` applies to the text operators (`regex` to `in`). A value that is
//! not a number never matches a comparison, and one that is not an address
//! never matches `cidr`. Networks are written `10.0.0.0/8` or
//! `2001:db8::/32` with no host bits set; a bare address means that one host.
//!
//! Patterns use the common Perl-style syntax shared by the `regex` crate and
//! Vectorscan, without backreferences, look-around or possessive
//! quantifiers (`a++`, which the `regex` crate would read as `(?:a+)+`,
//! is refused). The parser checks that
//! each pattern compiles under its flags and keeps its text as written, so
//! write it in single quotes, or double quotes with backslashes doubled.
//!
//! Bounded repeats are limited, since Vectorscan's compile time grows faster
//! than their counts: written out, a pattern's repeats may come to at most
//! 1000 characters and classes. A `{m,n}` repeat counts n copies of what it
//! repeats (`x{3000}` counts 3000, `.{0,200}` 200, `\d{1,5}` 5); `{m,}`
//! counts m copies; repeats inside a repeat are written out too; parts in sequence and
//! alternatives add up; `*`, `+`, `?` and text outside
//! repeats count nothing. `(?:a|b){2000}x{3000}` (5000) is refused.
//!
//! ## Transforms
//!
//! | transform             | effect                                          |
//! |-----------------------|-------------------------------------------------|
//! | `lowercase`           | ASCII letters to lower case                     |
//! | `url-decode`          | `%XX` escapes decoded, `+` to space             |
//! | `html-entity-decode`  | named and numeric character references decoded  |
//! | `base64-decode`       | standard or URL-safe alphabet, padding optional |
//! | `normalize-path`      | `.` and `..` resolved, repeated `/` collapsed   |
//! | `compress-whitespace` | each run of whitespace becomes one space        |
//! | `json-decode`         | JSON string escapes decoded (`\u0024` to `$`)   |
//!
//! # Rate limits
//!
//! `kind: rate-limit` counts requests in a token bucket per key value,
//! shared by every worker core. Keys beside the common ones:
//!
//! ```yaml
//! limit:
//!   key: client-address      # or a list, joined into one key
//!   requests: 100            # sustained rate: `requests` per `period`
//!   period: 1m               # seconds, or 30s, 5m, 1h, 1d (at most a day)
//!   burst: 20                # bucket size; default: `requests`
//! scope:                     # optional: which requests count
//!   methods: [POST]
//!   path: /api/orders/*      # normalized path; a trailing `*` makes a prefix
//!   host: api.example.com
//! ```
//!
//! Key parts: `client-address`, `endpoint` (method and normalized path),
//! `tls-fingerprint` (the client's JA4), `header:<name>` (e.g. an API key)
//! and `jwt-claim:<claim>` (from `Authorization: Bearer`, decoded without
//! checking the signature). A request without a key part (no such header,
//! no token) is not counted by that rule. A request over the limit raises an
//! alert; with `action: block` it is stopped, answered 429 (or `respond`'s
//! status) with `Retry-After`.
//!
//! # Bot rules
//!
//! `kind: bot` names fingerprints:
//!
//! ```yaml
//! fingerprint:
//!   ja4: [t13d1516h2_8daaf6152771_02713d6af862]   # any of these JA4s
//!   http: [11t03nnnn_fe444ad14866]                # or header fingerprints
//! client: {name: curl, class: library}            # optional: browser, library, crawler
//! allow: true                                     # optional: an allow list
//! ```
//!
//! The first bot rule naming a client's fingerprint labels its events;
//! `action: block` makes it a deny list (a TLS connection is stopped at its
//! ClientHello), `allow: true` an allow list (the client is never scored
//! or acted on as a bot; not with `action: block`).
//!
//! # Errors
//!
//! A file with any error is refused whole, and every error found is reported,
//! one per line, as `path:line:column: rule <id>: message` (the rule part is
//! left out for errors outside a rule or before its id is known). Lines and
//! columns count from 1; columns count characters. The parser reports unknown
//! keys, fields, operators, transforms, kinds, severities and actions with the
//! closest valid name; values of the wrong type; missing required keys; empty
//! `all`, `any`, `in` and `cidr` lists and empty literals; patterns that do not
//! compile or whose repeats pass the limit above; invalid networks and JSON paths; duplicate keys; and duplicate
//! rule ids, at the later rule, naming where the id was first defined.
//! Aliases (`*name`) and more than one YAML document per file are refused.
//!
//! # A complete file
//!
//! This is `rules/examples/signatures.yaml`:
//!
//! ```yaml
#![doc = include_str!("../examples/signatures.yaml")]
//! ```
//!
//! Loading it:
//!
//! ```
//! let text = include_str!("../examples/signatures.yaml");
//! let rules = palisade_rules::parse_str("signatures.yaml", text).unwrap();
//! assert_eq!(rules.len(), 6);
//! let ruleset = palisade_rules::Ruleset::new(rules).unwrap();
//! assert_eq!(ruleset.get(1003).unwrap().mode, palisade_rules::Mode::Shadow);
//! ```
