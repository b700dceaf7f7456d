//! Transforms against the standards that define them: RFC 3986
//! percent-decoding, RFC 4648 base64, HTML5 character references, RFC
//! 8259 string escapes; and transform chains inside rules.

use palisade_rules::Transform::{self, *};

use super::{client, get, hit_ids, ids, matcher, sig};
use crate::engine::apply_transforms;

fn run(chain: &[Transform], input: &[u8]) -> Vec<u8> {
    apply_transforms(chain, input).into_owned()
}

#[test]
fn lowercase_touches_ascii_letters_only() {
    assert_eq!(
        run(&[Lowercase], b"SeLeCT \xC3\x89T\xFF"),
        b"select \xC3\x89t\xFF"
    );
}

#[test]
fn url_decode_follows_rfc_3986_with_plus_as_space() {
    // RFC 3986 §2.1: "%20" is a space; hex digits in either case.
    assert_eq!(run(&[UrlDecode], b"a%20b%2fc%2Fd"), b"a b/c/d");
    assert_eq!(run(&[UrlDecode], b"%41%4a%4A"), b"AJJ");
    assert_eq!(run(&[UrlDecode], b"1+1"), b"1 1");
    // Not escapes: kept as they are.
    assert_eq!(run(&[UrlDecode], b"100%"), b"100%");
    assert_eq!(run(&[UrlDecode], b"%zz%4"), b"%zz%4");
    // Once only: a double encoding keeps one level.
    assert_eq!(run(&[UrlDecode], b"%252e"), b"%2e");
    assert_eq!(run(&[UrlDecode, UrlDecode], b"%252e"), b".");
    assert_eq!(run(&[UrlDecode], b"%00%ff"), b"\x00\xff");
}

#[test]
fn base64_decode_follows_rfc_4648() {
    // The test vectors of RFC 4648 §10.
    let vectors: [(&[u8], &[u8]); 7] = [
        (b"", b""),
        (b"Zg==", b"f"),
        (b"Zm8=", b"fo"),
        (b"Zm9v", b"foo"),
        (b"Zm9vYg==", b"foob"),
        (b"Zm9vYmE=", b"fooba"),
        (b"Zm9vYmFy", b"foobar"),
    ];
    for (encoded, decoded) in vectors {
        assert_eq!(run(&[Base64Decode], encoded), decoded, "{encoded:?}");
    }
    // Padding optional, URL-safe alphabet (§5), whitespace skipped.
    assert_eq!(run(&[Base64Decode], b"Zm9vYg"), b"foob");
    assert_eq!(run(&[Base64Decode], b"-_-_"), [0xFB, 0xFF, 0xBF]);
    assert_eq!(run(&[Base64Decode], b"+/+/"), [0xFB, 0xFF, 0xBF]);
    assert_eq!(run(&[Base64Decode], b"Zm9v\r\nYmFy"), b"foobar");
    // Stops at the first byte outside both alphabets.
    assert_eq!(run(&[Base64Decode], b"Zm9v!YmFy"), b"foo");
}

#[test]
fn html_entity_decode_follows_html5() {
    let cases: [(&[u8], &[u8]); 12] = [
        (b"&lt;script&gt;", b"<script>"),
        (b"&#60;&#x3C;&#X3c;", b"<<<"),
        (b"&#60&#x3c", b"<<"),
        (b"jav&Tab;ascript&colon;", b"jav\tascript:"),
        (b"&quot;&apos;&amp;", b"\"'&"),
        (b"&amp&lt&gt", b"&<>"),
        (b"&nbsp;", "\u{a0}".as_bytes()),
        (b"&#x20AC;&#8364;", "\u{20ac}\u{20ac}".as_bytes()),
        // HTML5: 0x80 to 0x9F through windows-1252, 0 and surrogates to U+FFFD.
        (b"&#128;&#x99;", "\u{20ac}\u{2122}".as_bytes()),
        (
            b"&#0;&#xD800;&#x110000;",
            "\u{fffd}\u{fffd}\u{fffd}".as_bytes(),
        ),
        (b"&unknown; &#; &#x; &", b"&unknown; &#; &#x; &"),
        (b"&notanentity;", b"&notanentity;"),
    ];
    for (encoded, decoded) in cases {
        assert_eq!(run(&[HtmlEntityDecode], encoded), decoded, "{encoded:?}");
    }
}

#[test]
fn normalize_path_resolves_dot_segments() {
    assert_eq!(run(&[NormalizePath], b"/a/./b/../../c//d"), b"/c/d");
    assert_eq!(run(&[NormalizePath], b"/../../etc/passwd"), b"/etc/passwd");
    assert_eq!(run(&[NormalizePath], b"\\a\\..\\b"), b"/b");
    // No decoding: that is url-decode's job.
    assert_eq!(run(&[NormalizePath], b"/a/%2e%2e/b"), b"/a/%2e%2e/b");
}

#[test]
fn compress_whitespace_makes_each_run_one_space() {
    assert_eq!(
        run(&[CompressWhitespace], b"a \t\r\n\x0b\x0cb  c"),
        b"a b c"
    );
    assert_eq!(run(&[CompressWhitespace], b"  x  "), b" x ");
}

#[test]
fn json_decode_follows_rfc_8259() {
    // RFC 8259 §7: the reverse solidus as "\u005C", the G clef as the
    // surrogate pair "\uD834\uDD1E" (UTF-8 F0 9D 84 9E).
    assert_eq!(run(&[JsonDecode], br"a\u005Cb"), br"a\b");
    assert_eq!(run(&[JsonDecode], br"\uD834\uDD1E"), b"\xF0\x9D\x84\x9E");
    assert_eq!(
        run(&[JsonDecode], br#"\"\\\/\b\f\n\r\t"#),
        b"\"\\/\x08\x0C\n\r\t"
    );
    assert_eq!(
        run(&[JsonDecode], br"\u0024ne \u00e9"),
        "$ne \u{e9}".as_bytes()
    );
    // Not escapes, or a lone surrogate: kept as they are.
    assert_eq!(
        run(&[JsonDecode], br"\x \u12 \u+123 \"),
        br"\x \u12 \u+123 \"
    );
    assert_eq!(run(&[JsonDecode], br"\uD834x"), br"\uD834x");
}

#[test]
fn chains_apply_in_order() {
    // Decoding then lowering differs from lowering then decoding.
    assert_eq!(run(&[UrlDecode, Lowercase], b"%41"), b"a");
    assert_eq!(run(&[Lowercase, UrlDecode], b"%4A"), b"J");
    assert_eq!(run(&[Base64Decode, HtmlEntityDecode], b"Jmx0Ow=="), b"<");
}

#[test]
fn rules_match_the_transformed_value() {
    let rules = [
        sig(1, "", "field: query-param\nname: q\ntransforms: [html-entity-decode]\ncontains: '<script'"),
        sig(2, "", "field: query-param\nname: q\ncontains: '<script'"),
        sig(3, "", "field: path\ntransforms: [url-decode, normalize-path]\nprefix: /etc/"),
        sig(4, "", "field: header\nname: x-data\ntransforms: [base64-decode, lowercase]\ncontains: 'drop table'"),
        sig(5, "", "field: query\ntransforms: [url-decode, compress-whitespace]\ncontains: 'union select'"),
    ];
    let tx = get("/?q=%26lt%3Bscript%3E", "");
    assert_eq!(hit_ids(&rules, &tx), [1]);
    let tx = get(
        "/a/%2e%2e/etc/passwd",
        "\r\nX-Data: RFJPUCBUQUJMRSB1c2Vycw==",
    );
    assert_eq!(hit_ids(&rules, &tx), [3, 4]);
    let tx = get("/?x=1%20union%09%0A%20select%202", "");
    assert_eq!(hit_ids(&rules, &tx), [5]);
}

#[test]
fn one_value_serves_every_rule_of_its_chain() {
    // Three chains over one header: each rule sees its own transform.
    let rules = [
        sig(1, "", "field: user-agent\nequals: 'Bot%2F1'"),
        sig(
            2,
            "",
            "field: user-agent\ntransforms: [url-decode]\nequals: 'Bot/1'",
        ),
        sig(
            3,
            "",
            "field: user-agent\ntransforms: [url-decode, lowercase]\nequals: 'bot/1'",
        ),
        sig(
            4,
            "",
            "field: user-agent\ntransforms: [lowercase]\nequals: 'Bot%2F1'",
        ),
    ];
    assert_eq!(
        hit_ids(&rules, &get("/", "\r\nUser-Agent: Bot%2F1")),
        [1, 2, 3]
    );
}

#[test]
fn normalized_paths_share_the_head_sweep_and_still_match() {
    // A normalizing chain sweeps with the plain ones: its pass is left out
    // for paths that normalizing leaves as they are.
    let rules = [
        sig(
            1,
            "",
            "field: path\ntransforms: [normalize-path]\nprefix: /etc/",
        ),
        sig(2, "", "field: path\ncontains: admin"),
        sig(
            3,
            "",
            "field: header\nname: x-p\ntransforms: [normalize-path]\nequals: /a/b",
        ),
    ];
    let mut m = matcher(&rules);
    let cases: [(&str, &str, &[u64]); 12] = [
        ("/api/v1/users/1", "", &[]),
        ("/etc/passwd", "", &[1]),
        ("/x/../etc/passwd", "", &[1]),
        ("//etc/passwd", "", &[1]),
        ("/x/./etc/passwd", "", &[]),
        ("/x/./admin", "", &[2]),
        ("/api", "\r\nX-P: /a/b", &[3]),
        ("/api", "\r\nX-P: a/b", &[3]),
        ("/api", "\r\nX-P: /a//b", &[3]),
        ("/api", "\r\nX-P: /a/./b", &[3]),
        ("/api", "\r\nX-P: \\a\\b", &[3]),
        ("/api", "\r\nX-P: /a/c", &[]),
    ];
    // Twice: the second round meets values the first remembered clean.
    for _ in 0..2 {
        for (target, fields, expected) in cases {
            let hits = m.inspect_transaction(&get(target, fields), client());
            assert_eq!(ids(&hits), expected, "{target}{fields}");
        }
    }
}
