//! Path normalization against RFC 3986 §5.2.4 and §5.4, request-target
//! splitting against RFC 9112 §3.2 and RFC 3986 appendix B, and the path
//! tricks used to slip past rules.

use super::super::*;

fn clean(path: &str) -> String {
    String::from_utf8(clean_path(path.as_bytes()).0).unwrap()
}

fn normalize(path: &[u8]) -> (String, Flags) {
    let (out, flags) = normalize_path(path);
    (String::from_utf8_lossy(&out).into_owned(), flags)
}

#[test]
fn rfc3986_remove_dot_segments_examples() {
    // §5.2.4 walks through both of these.
    assert_eq!(clean("/a/b/c/./../../g"), "/a/g");
    let (out, flags) = clean_path(b"mid/content=5/../6");
    assert_eq!(out, b"/mid/6");
    assert!(flags.contains(Flag::RelativePath));
}

/// RFC 3986 §5.4 resolves references against "http://a/b/c/d;p?q". For a
/// relative-path reference, §5.2.3 merges it onto the base directory
/// "/b/c/"; an absolute path is taken as it is.
fn resolve(reference: &str) -> String {
    if reference.starts_with('/') {
        clean(reference)
    } else {
        clean(&format!("/b/c/{reference}"))
    }
}

#[test]
fn rfc3986_normal_examples() {
    let cases = [
        ("g", "/b/c/g"),
        ("./g", "/b/c/g"),
        ("g/", "/b/c/g/"),
        ("/g", "/g"),
        (";x", "/b/c/;x"),
        ("g;x", "/b/c/g;x"),
        (".", "/b/c/"),
        ("./", "/b/c/"),
        ("..", "/b/"),
        ("../", "/b/"),
        ("../g", "/b/g"),
        ("../..", "/"),
        ("../../", "/"),
        ("../../g", "/g"),
    ];
    for (reference, path) in cases {
        assert_eq!(resolve(reference), path, "{reference}");
    }
}

#[test]
fn rfc3986_abnormal_examples() {
    let cases = [
        ("../../../g", "/g"),
        ("../../../../g", "/g"),
        ("/./g", "/g"),
        ("/../g", "/g"),
        ("g.", "/b/c/g."),
        (".g", "/b/c/.g"),
        ("g..", "/b/c/g.."),
        ("..g", "/b/c/..g"),
        ("./../g", "/b/g"),
        ("./g/.", "/b/c/g/"),
        ("g/./h", "/b/c/g/h"),
        ("g/../h", "/b/c/h"),
        ("g;x=1/./y", "/b/c/g;x=1/y"),
        ("g;x=1/../y", "/b/c/y"),
    ];
    for (reference, path) in cases {
        assert_eq!(resolve(reference), path, "{reference}");
    }
    assert!(clean_path(b"/b/c/../../../g")
        .1
        .contains(Flag::PathAboveRoot));
    assert!(!clean_path(b"/b/c/../../g").1.contains(Flag::PathAboveRoot));
}

#[test]
fn slashes_and_backslashes() {
    let (out, flags) = normalize(b"/a//b\\c/");
    assert_eq!(out, "/a/b/c/");
    assert!(flags.contains(Flag::DuplicateSlashes));
    assert!(flags.contains(Flag::BackslashInPath));
    assert!(!flags.contains(Flag::DotSegments));

    let (out, flags) = normalize(b"\\..\\windows\\win.ini");
    assert_eq!(out, "/windows/win.ini");
    assert!(flags.contains(Flag::PathAboveRoot));
}

#[test]
fn encoded_traversal_is_resolved() {
    let (out, flags) = normalize(b"/static/..%2f..%2fetc/passwd");
    assert_eq!(out, "/etc/passwd");
    assert!(flags.contains(Flag::EncodedSlash));
    assert!(flags.contains(Flag::PathAboveRoot));

    let (out, flags) = normalize(b"/a/%2e%2E/b%5c..%5Cc");
    assert_eq!(out, "/c");
    assert!(flags.contains(Flag::DotSegments));
    assert!(flags.contains(Flag::BackslashInPath));
    assert!(flags.contains(Flag::EncodedSlash));

    let (out, flags) = normalize(b"/a/%u002e%u002e/b");
    assert_eq!(out, "/b");
    assert!(flags.contains(Flag::PercentU));
}

#[test]
fn double_encoded_traversal_is_flagged_not_resolved() {
    let (out, flags) = normalize(b"/a/%252e%252e/b");
    assert_eq!(out, "/a/%2e%2e/b");
    assert!(flags.contains(Flag::DoubleEncoded));
    assert!(!flags.contains(Flag::DotSegments));
}

#[test]
fn path_parameters_and_odd_paths() {
    let (out, flags) = normalize(b"/app/..;/admin");
    assert_eq!(out, "/app/..;/admin");
    assert!(flags.contains(Flag::PathParameter));

    assert_eq!(normalize(b"").0, "/");
    assert!(normalize(b"").1.is_empty());
    assert_eq!(normalize(b"*").0, "*");
    assert!(normalize(b"/%00.php").1.contains(Flag::NulByte));
    assert!(normalize(b"/%c0%ae%c0%ae/").1.contains(Flag::OverlongUtf8));
    assert!(normalize(b"/plain/path").1.is_empty());
}

#[test]
fn rfc9112_target_forms() {
    let t = split_target(b"/where?q=now");
    assert_eq!(t.form, TargetForm::Origin);
    assert_eq!(
        (t.path, t.query, t.fragment),
        (&b"/where"[..], Some(&b"q=now"[..]), None)
    );

    let t = split_target(b"http://www.example.org/pub/WWW/TheProject.html");
    assert_eq!(t.form, TargetForm::Absolute);
    assert_eq!(t.scheme, Some(&b"http"[..]));
    assert_eq!(t.authority, Some(&b"www.example.org"[..]));
    assert_eq!(t.path, b"/pub/WWW/TheProject.html");

    let t = split_target(b"www.example.com:80");
    assert_eq!(t.form, TargetForm::Authority);
    assert_eq!(t.authority, Some(&b"www.example.com:80"[..]));
    assert_eq!(t.path, b"");

    let t = split_target(b"*");
    assert_eq!((t.form, t.path), (TargetForm::Asterisk, &b"*"[..]));
}

#[test]
fn rfc3986_appendix_b_example() {
    let t = split_target(b"http://www.ics.uci.edu/pub/ietf/uri/#Related");
    assert_eq!(t.scheme, Some(&b"http"[..]));
    assert_eq!(t.authority, Some(&b"www.ics.uci.edu"[..]));
    assert_eq!(t.path, b"/pub/ietf/uri/");
    assert_eq!(t.query, None);
    assert_eq!(t.fragment, Some(&b"Related"[..]));
}

#[test]
fn target_edge_cases() {
    // In origin form "//x" is a path, not an authority.
    let t = split_target(b"//evil.example/a?b#c?d");
    assert_eq!(t.form, TargetForm::Origin);
    assert_eq!(t.path, b"//evil.example/a");
    assert_eq!((t.query, t.fragment), (Some(&b"b"[..]), Some(&b"c?d"[..])));

    let t = split_target(b"http://host?x=1");
    assert_eq!((t.authority, t.path), (Some(&b"host"[..]), &b""[..]));
    assert_eq!(t.query, Some(&b"x=1"[..]));

    let t = split_target(b"index.html?x");
    assert_eq!((t.form, t.path), (TargetForm::Other, &b"index.html"[..]));
    assert_eq!(split_target(b"").form, TargetForm::Other);
}
