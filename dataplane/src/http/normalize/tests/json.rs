//! JSON flattening against the examples of RFC 8259 and RFC 6901, and
//! against malformed, deep and oversized documents.

use super::super::*;

fn flatten(body: &[u8]) -> (Vec<(String, Vec<u8>)>, Flags) {
    flatten_with(body, &Limits::default())
}

fn flatten_with(body: &[u8], limits: &Limits) -> (Vec<(String, Vec<u8>)>, Flags) {
    let (params, flags) = flatten_json(body, limits);
    let pairs = params
        .into_iter()
        .map(|p| (String::from_utf8(p.name).unwrap(), p.value))
        .collect();
    (pairs, flags)
}

fn pair(path: &str, value: &str) -> (String, Vec<u8>) {
    (path.to_string(), value.as_bytes().to_vec())
}

#[test]
fn rfc8259_image_example() {
    let body = br#"{
        "Image": {
            "Width":  800,
            "Height": 600,
            "Title":  "View from 15th Floor",
            "Thumbnail": {
                "Url":    "http://www.example.com/image/481989943",
                "Height": 125,
                "Width":  100
            },
            "Animated" : false,
            "IDs": [116, 943, 234, 38793]
        }
    }"#;
    let (pairs, flags) = flatten(body);
    assert!(flags.is_empty(), "{flags}");
    let want = [
        pair("/Image/Width", "800"),
        pair("/Image/Height", "600"),
        pair("/Image/Title", "View from 15th Floor"),
        pair(
            "/Image/Thumbnail/Url",
            "http://www.example.com/image/481989943",
        ),
        pair("/Image/Thumbnail/Height", "125"),
        pair("/Image/Thumbnail/Width", "100"),
        pair("/Image/Animated", "false"),
        pair("/Image/IDs/0", "116"),
        pair("/Image/IDs/1", "943"),
        pair("/Image/IDs/2", "234"),
        pair("/Image/IDs/3", "38793"),
    ];
    assert_eq!(pairs, want);
}

#[test]
fn rfc8259_scalar_texts() {
    assert_eq!(flatten(br#""Hello world!""#).0, [pair("", "Hello world!")]);
    assert_eq!(flatten(b"42").0, [pair("", "42")]);
    assert_eq!(flatten(b" true ").0, [pair("", "true")]);
    assert_eq!(flatten(b"null").0, [pair("", "null")]);
    assert_eq!(flatten(b"-0.5e+10").0, [pair("", "-0.5e+10")]);
}

#[test]
fn rfc6901_pointers() {
    let body = br#"{
        "foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3,
        "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8
    }"#;
    let (pairs, flags) = flatten(body);
    assert!(flags.is_empty(), "{flags}");
    let want = [
        pair("/foo/0", "bar"),
        pair("/foo/1", "baz"),
        pair("/", "0"),
        pair("/a~1b", "1"),
        pair("/c%d", "2"),
        pair("/e^f", "3"),
        pair("/g|h", "4"),
        pair("/i\\j", "5"),
        pair("/k\"l", "6"),
        pair("/ ", "7"),
        pair("/m~0n", "8"),
    ];
    assert_eq!(pairs, want);
}

#[test]
fn rfc8259_string_escapes() {
    let (pairs, flags) = flatten(br#"["\"\\\/\b\f\n\r\t", "\u00e9\u20AC", "\uD834\uDD1E"]"#);
    assert!(flags.is_empty(), "{flags}");
    assert_eq!(pairs[0].1, b"\"\\/\x08\x0c\n\r\t");
    assert_eq!(pairs[1].1, "é€".as_bytes());
    // RFC 8259 §7: the G clef, U+1D11E, as a surrogate pair.
    assert_eq!(pairs[2].1, [0xF0, 0x9D, 0x84, 0x9E]);
}

#[test]
fn odd_strings_are_flagged() {
    let (pairs, flags) = flatten(br#"["\uDD1E", "a\u0000b"]"#);
    assert_eq!(pairs[0].1, "\u{FFFD}".as_bytes());
    assert_eq!(pairs[1].1, b"a\0b");
    assert!(flags.contains(Flag::InvalidUtf8));
    assert!(flags.contains(Flag::NulByte));
    assert!(!flags.contains(Flag::MalformedJson));

    // A raw tab is outside the grammar but kept, as lenient servers do.
    let (pairs, flags) = flatten(b"{\"a\":\"x\ty\",\"b\":1}");
    assert_eq!(pairs, [pair("/a", "x\ty"), pair("/b", "1")]);
    assert!(flags.contains(Flag::MalformedJson));
}

#[test]
fn malformed_documents_keep_what_came_before() {
    let cases: [(&[u8], usize); 12] = [
        (b"", 0),
        (b"   ", 0),
        (br#"{"a":1,}"#, 1),
        (b"[1,]", 1),
        (b"[1 2]", 1),
        (b"1 x", 1),
        (b"01", 1),
        (b"-", 0),
        (b"1.", 0),
        (b"tru", 0),
        (br#"{"a" 1}"#, 0),
        (br#"["ok", "\x"]"#, 1),
    ];
    for (body, kept) in cases {
        let (pairs, flags) = flatten(body);
        assert!(
            flags.contains(Flag::MalformedJson),
            "{:?}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(pairs.len(), kept, "{:?}", String::from_utf8_lossy(body));
    }
    assert!(flatten(br#"{"a":"unterminated"#)
        .1
        .contains(Flag::MalformedJson));
}

#[test]
fn duplicates_bom_and_empty_containers() {
    let (pairs, flags) = flatten(b"\xEF\xBB\xBF{\"a\":1,\"a\":2,\"e\":{},\"f\":[]}");
    assert!(flags.is_empty(), "{flags}");
    assert_eq!(pairs, [pair("/a", "1"), pair("/a", "2")]);
}

#[test]
fn too_deep_containers_are_skipped_and_siblings_kept() {
    let limits = Limits {
        max_depth: 2,
        ..Limits::default()
    };
    let body = br#"{"a":{"b":{"c":"}]"},"d":1},"e":[[2]],"f":3}"#;
    let (pairs, flags) = flatten_with(body, &limits);
    assert_eq!(pairs, [pair("/a/d", "1"), pair("/f", "3")]);
    assert!(flags.contains(Flag::TooDeep));
    assert!(!flags.contains(Flag::MalformedJson));
}

#[test]
fn deep_nesting_uses_no_call_depth() {
    let limits = Limits {
        max_depth: usize::MAX,
        ..Limits::default()
    };
    let depth = 200_000;
    let mut body = vec![b'['; depth];
    body.push(b'7');
    body.resize(body.len() + depth, b']');
    let (params, flags) = flatten_json(&body, &limits);
    assert!(
        flags.is_empty() || flags == Flags::from(Flag::TooLong),
        "{flags}"
    );
    assert_eq!(params.len(), 1);
    assert_eq!(params[0].value, b"7");
    assert!(params[0].name.len() <= limits.max_name);
}

#[test]
fn output_limits() {
    let limits = Limits {
        max_params: 2,
        max_name: 6,
        max_value: 3,
        ..Limits::default()
    };
    let (pairs, flags) = flatten_with(br#"{"abcdefgh":"12345","x":[1,2]}"#, &limits);
    assert_eq!(pairs, [pair("/abcde", "123"), pair("/x/0", "1")]);
    assert!(flags.contains(Flag::TooLong));
    assert!(flags.contains(Flag::TooManyParams));
}

#[test]
fn the_rest_holds_what_the_limits_leave_out() {
    let limits = Limits {
        max_params: 2,
        max_name: 4,
        max_value: 4,
        max_depth: 2,
        ..Limits::default()
    };
    let rest = |body: &[u8]| -> Vec<String> {
        let (params, rest, _) = flatten_json_rest(body, &limits);
        let (kept, _) = flatten_json(body, &limits);
        assert_eq!(params, kept, "the values are those flatten_json keeps");
        rest.into_iter()
            .map(|t| String::from_utf8(t).unwrap())
            .collect()
    };
    // Everything fits: no rest.
    assert!(rest(br#"{"a":1,"b":[2]}"#).is_empty());
    // Scalars past max_params, decoded, and the keys of their members.
    assert_eq!(
        rest(br#"{"a":1,"b":2,"c":"x	y","d":[true,null]}"#),
        ["c", "x\ty", "d", "true", "null"]
    );
    // A string or key past its limit, whole and decoded (its first bytes
    // are a value or a name).
    assert_eq!(rest(br#"{"a":"12\u0034567"}"#), ["124567"]);
    assert_eq!(rest(br#"{"abcdefg":1}"#), ["abcdefg"]);
    // A container nested too deep: walked, its keys and scalars decoded.
    assert_eq!(rest(br#"{"a":{"b":{"c":["\u0041", 2]}}}"#), ["c", "A", "2"]);
    // From the member with a grammar error on, or after the document:
    // each string and bare token, escapes decoded.
    assert_eq!(rest(br#"{"a":1,,"b":"\u0078"}"#), ["b", "x"]);
    assert_eq!(
        rest(br#"{"a":"ok","b":"bad\q \u0074ail"}"#),
        [r"bad\q tail"]
    );
    assert_eq!(
        rest(br#"{"a":NaN,'b':'it\'s',/* c */ d:-Infinity // e"#),
        ["NaN", "b", "it's", "d", "-Infinity"]
    );
    assert_eq!(rest(b"{\"a\":1}\n{\"b\":\"x y\"}"), ["b", "x y"]);
    // A tail without quotes is also read whole (`//` starts a comment).
    assert_eq!(
        rest(b"${jndi:ldap://x}"),
        ["$", "jndi", "ldap", "${jndi:ldap://x}"]
    );
}
