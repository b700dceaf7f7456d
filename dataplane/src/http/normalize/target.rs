//! Splitting a request-target into its path, query and fragment.
//!
//! The request line's target comes in one of the four forms of RFC 9112
//! §3.2. This file finds the form and slices the target without copying or
//! decoding; [`super::normalize_path`] and [`super::parse_query`] take the
//! pieces from here.

/// Which of the RFC 9112 §3.2 forms a request-target has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TargetForm {
    /// `/path?query`, the usual form.
    Origin,
    /// `scheme://authority/path?query`, sent to proxies.
    Absolute,
    /// `host:port`, the target of CONNECT; the path is empty.
    Authority,
    /// `*`, the target of a server-wide OPTIONS.
    Asterisk,
    /// None of the above, such as `index.html?x`: split like a relative
    /// reference, with everything before `?` taken as the path.
    Other,
}

/// A request-target cut into its components, borrowed from the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// The form the target was sent in.
    pub form: TargetForm,
    /// The scheme of an absolute-form target, without `://`.
    pub scheme: Option<&'a [u8]>,
    /// The authority of an absolute-form or authority-form target.
    pub authority: Option<&'a [u8]>,
    /// The path, still encoded; may be empty (absolute and authority form).
    pub path: &'a [u8],
    /// What follows the first `?`, without it.
    pub query: Option<&'a [u8]>,
    /// What follows the first `#`, without it. Clients do not send one; its
    /// presence in a request is itself suspicious.
    pub fragment: Option<&'a [u8]>,
}

/// Splits a request-target. Never fails: any bytes give some split.
///
/// The fragment is cut at the first `#`, then the query at the first `?`
/// before it (RFC 3986 §3 and appendix B). An origin-form path starting with
/// `//` stays a path, as RFC 9112 reads it, and is not taken as an authority.
pub fn split_target(target: &[u8]) -> Target<'_> {
    let (rest, fragment) = split_once(target, b'#');
    let (head, query) = split_once(rest, b'?');
    let mut split = Target {
        form: TargetForm::Other,
        scheme: None,
        authority: None,
        path: head,
        query,
        fragment,
    };

    if head.first() == Some(&b'/') {
        split.form = TargetForm::Origin;
    } else if target == b"*" {
        split.form = TargetForm::Asterisk;
    } else if let Some((scheme, after)) = scheme_and_rest(head) {
        let end = after.iter().position(|b| *b == b'/').unwrap_or(after.len());
        split.form = TargetForm::Absolute;
        split.scheme = Some(scheme);
        split.authority = Some(&after[..end]);
        split.path = &after[end..];
    } else if !head.is_empty() && query.is_none() && fragment.is_none() && !head.contains(&b'/') {
        split.form = TargetForm::Authority;
        split.authority = Some(head);
        split.path = b"";
    }
    split
}

/// `(before, Some(after))` around the first `sep`, or `(all, None)`.
fn split_once(bytes: &[u8], sep: u8) -> (&[u8], Option<&[u8]>) {
    match memchr::memchr(sep, bytes) {
        Some(at) => (&bytes[..at], Some(&bytes[at + 1..])),
        None => (bytes, None),
    }
}

/// The scheme (RFC 3986 §3.1) of `head` and what follows its `://`.
fn scheme_and_rest(head: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = head.iter().position(|b| *b == b':')?;
    let (scheme, rest) = (&head[..colon], &head[colon..]);
    let after = rest.strip_prefix(b"://")?;
    let valid = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    valid.then_some((scheme, after))
}
