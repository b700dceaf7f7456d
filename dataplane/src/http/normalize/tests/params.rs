//! Query strings and form bodies against the WHATWG urlencoded parser,
//! cookies against RFC 6265, and both against their limits.

use super::super::*;

fn pairs(params: &[Param]) -> Vec<(String, String)> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    params
        .iter()
        .map(|p| (text(&p.name), text(&p.value)))
        .collect()
}

fn expect(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn whatwg_urlencoded_parsing() {
    // Empty pieces are skipped, a piece without "=" has an empty value, and
    // only the first "=" separates.
    let (params, flags) = parse_urlencoded(b"a=b&&c&=d&e=f=g&", &Limits::default());
    let want = expect(&[("a", "b"), ("c", ""), ("", "d"), ("e", "f=g")]);
    assert_eq!(pairs(&params), want);
    assert!(flags.is_empty(), "{flags}");
}

#[test]
fn plus_and_escapes_in_names_and_values() {
    let (params, _) = parse_query(
        b"first+name=J%C3%BCrgen+M%2B&q=%27+OR+1%3D1",
        &Limits::default(),
    );
    let want = expect(&[("first name", "Jürgen M+"), ("q", "' OR 1=1")]);
    assert_eq!(pairs(&params), want);
}

#[test]
fn order_and_duplicates_are_kept() {
    let (params, _) = parse_query(b"id=1&id=2&x=3&id=4", &Limits::default());
    let ids: Vec<_> = params
        .iter()
        .filter(|p| p.name == b"id")
        .map(|p| &p.value)
        .collect();
    assert_eq!(ids, [b"1", b"2", b"4"]);
}

#[test]
fn anomalies_in_values_are_flagged() {
    let (params, flags) = parse_query(b"a=%zz&b=%2527&c=%00", &Limits::default());
    assert_eq!(params[0].value, b"%zz");
    assert_eq!(params[1].value, b"%27");
    assert!(flags.contains(Flag::InvalidPercent));
    assert!(flags.contains(Flag::DoubleEncoded));
    assert!(flags.contains(Flag::NulByte));
}

#[test]
fn query_limits() {
    let limits = Limits {
        max_params: 2,
        max_name: 3,
        max_value: 4,
        ..Limits::default()
    };
    let (params, flags) = parse_query(b"a=1&b=2&c=3", &limits);
    assert_eq!(params.len(), 2);
    assert!(flags.contains(Flag::TooManyParams));

    let (params, flags) = parse_query(b"name=value", &limits);
    assert_eq!(pairs(&params), expect(&[("nam", "valu")]));
    assert!(flags.contains(Flag::TooLong));
    assert!(!flags.contains(Flag::TooManyParams));
}

#[test]
fn rfc6265_cookie_header() {
    // RFC 6265 §3.1: the user agent returns both cookies in one header.
    let header: &[u8] = b"SID=31d4d96e407aad42; lang=en-US";
    let (params, flags) = parse_cookies(&[header], &Limits::default());
    let want = expect(&[("SID", "31d4d96e407aad42"), ("lang", "en-US")]);
    assert_eq!(pairs(&params), want);
    assert!(flags.is_empty());
}

#[test]
fn cookies_are_read_tolerantly() {
    let headers: [&[u8]; 2] = [b" a = 1 ;b=\"two words\";;flag ", b"c=x+y%3B"];
    let (params, _) = parse_cookies(&headers, &Limits::default());
    let want = expect(&[("a", "1"), ("b", "two words"), ("flag", ""), ("c", "x+y;")]);
    assert_eq!(pairs(&params), want);
}

#[test]
fn cookie_limits_span_all_headers() {
    let limits = Limits {
        max_params: 3,
        ..Limits::default()
    };
    let headers: [&[u8]; 2] = [b"a=1; b=2", b"c=3; d=4"];
    let (params, flags) = parse_cookies(&headers, &limits);
    assert_eq!(
        pairs(&params),
        expect(&[("a", "1"), ("b", "2"), ("c", "3")])
    );
    assert!(flags.contains(Flag::TooManyParams));
}

#[test]
fn media_types_and_header_params() {
    assert_eq!(
        media_type(b" Multipart/Form-Data ; boundary=x"),
        b"multipart/form-data"
    );
    assert_eq!(media_type(b"application/json"), b"application/json");
    // RFC 9110 §8.3.1: type and subtype are case-insensitive; whitespace
    // around the essence and the parameters do not count.
    assert!(is_media_type(
        b" Multipart/Form-Data ; boundary=x",
        b"multipart/form-data"
    ));
    assert!(is_media_type(b"application/json", b"application/json"));
    assert!(!is_media_type(b"application/jsonx", b"application/json"));
    assert!(!is_media_type(
        b"application/json",
        b"application/x-www-form-urlencoded"
    ));
    assert!(!is_media_type(b"", b"application/json"));

    let value: &[u8] = br#"form-data; name="a\"b"; filename="C:\dir\f.txt"; x"#;
    assert_eq!(header_param(value, b"NAME").unwrap(), br#"a"b"#);
    assert_eq!(header_param(value, b"filename").unwrap(), br"C:\dir\f.txt");
    assert_eq!(header_param(value, b"x"), None);

    // RFC 9110 §8.3.1: all three are equivalent.
    for ct in [
        &b"text/html;charset=utf-8"[..],
        b"text/html;charset=UTF-8",
        b"text/html; charset=\"utf-8\"",
    ] {
        let charset = header_param(ct, b"charset").unwrap();
        assert!(charset.eq_ignore_ascii_case(b"utf-8"));
    }
}

#[test]
fn the_rest_of_a_form_holds_what_the_limits_leave_out() {
    let limits = Limits {
        max_params: 2,
        max_name: 4,
        max_value: 4,
        ..Limits::default()
    };
    let rest = |text: &[u8]| -> Vec<String> {
        let (pairs, rest) = urlencoded_pairs_rest(text, &limits);
        let (kept, _) = urlencoded_pairs(text, &limits);
        assert_eq!(pairs, kept, "the pairs are those urlencoded_pairs keeps");
        rest.into_iter()
            .map(|t| String::from_utf8(t).unwrap())
            .collect()
    };
    assert!(rest(b"a=1&&b=2").is_empty());
    // Names and values of the pairs past max_params, decoded.
    assert_eq!(rest(b"a=1&b=2&c=%41+b&&d&=e"), ["c", "A b", "d", "e"]);
    // A name or value longer than its limit, whole and decoded.
    assert_eq!(rest(b"a=12%335&b=1"), ["1235"]);
    assert_eq!(rest(b"abcde=1"), ["abcde"]);
}
