//! Round trips of every message through frames, and what happens with
//! frames from other versions, oversized or malformed ones, and messages
//! carrying fields this build does not know.

use palisade_proto::frame::{encode_version, HEADER_BYTES};
use palisade_proto::*;

fn samples() -> Vec<Message> {
    let mut worker = WorkerCounters {
        worker: 0,
        lcore: 1,
        rx_packets: 10,
        rx_bytes: 1500,
        ports: vec![PortCounters {
            port: "client".into(),
            rx_packets: 5,
            ..Default::default()
        }],
        latency: Some(Histogram {
            bounds: vec![1e-6, 1e-5],
            counts: vec![3, 4],
            count: 4,
            sum: 2.5e-5,
        }),
        ..Default::default()
    };
    worker.drops.insert("blocked".into(), 2);
    vec![
        Message::Register(Register {
            id: "dp-1".into(),
            version: "0.1.0".into(),
            cores: vec![1, 2],
            ports: vec!["client".into(), "server".into()],
            mode: "inline".into(),
            running: Some(3),
            features: vec![FEATURE_INVENTORY.into()],
        }),
        Message::Welcome(Welcome {
            features: vec![FEATURE_INVENTORY.into()],
        }),
        Message::Inventory(InventoryUpdate {
            hosts: vec![HostInventory {
                host: "api.example".into(),
                report: serde_json::json!({"host": "api.example", "requests": 2,
                    "endpoints": [{"method": "GET", "path": "/users/{id}", "count": 2}]}),
                openapi: serde_json::json!({"openapi": "3.0.3", "paths": {}}),
            }],
        }),
        Message::Specs(SpecSet {
            specs: vec![SpecBinding {
                host: "api.example".into(),
                name: "api.yaml".into(),
                loaded_at: "2026-01-01T00:00:00.000Z".into(),
                document: serde_json::json!({"openapi": "3.0.3", "paths": {"/users": {}}}),
            }],
        }),
        Message::Request(Request::SpecLoad {
            host: "api.example".into(),
            name: "api.yaml".into(),
            document: serde_json::json!({"openapi": "3.0.3"}),
        }),
        Message::Request(Request::Inventory {
            host: Some("api.example".into()),
        }),
        Message::Response(Response::OpenApi {
            host: "api.example".into(),
            document: serde_json::json!({"openapi": "3.0.3"}),
        }),
        Message::Ruleset(Ruleset {
            version: 4,
            files: vec![RuleFile {
                name: "a.yaml".into(),
                text: "rules: []\n".into(),
            }],
        }),
        Message::Ack(Ack {
            version: 4,
            ok: false,
            error: Some("a.yaml:1:1: bad".into()),
        }),
        Message::Counters(Counters {
            uptime_secs: 1.5,
            ruleset_version: Some(4),
            workers: vec![worker],
            rule_hits: vec![(100001, 7)],
        }),
        Message::Events(Events {
            lines: vec![r#"{"event_type":"alert"}"#.into()],
        }),
        Message::Request(Request::Events(EventQuery {
            rule: Some(9),
            ..Default::default()
        })),
        Message::Request(Request::Rollback {
            version: None,
            user: "ops".into(),
        }),
        Message::Response(Response::Error {
            kind: ErrorKind::NotFound,
            message: "no version 9".into(),
        }),
        Message::Error {
            message: "bye".into(),
        },
    ]
}

#[test]
fn every_message_survives_a_frame_round_trip() {
    for m in samples() {
        let bytes = encode(&m).expect("encode");
        assert_eq!(decode(&bytes).expect("decode"), m);
        let mut stream: &[u8] = &bytes;
        assert_eq!(read_frame(&mut stream).expect("read"), m);
        assert!(matches!(read_frame(&mut stream), Err(FrameError::Closed)));
    }
}

#[test]
fn frames_follow_one_another_on_a_stream() {
    let mut buf = Vec::new();
    for m in samples() {
        write_frame(&mut buf, &m).expect("write");
    }
    let mut stream: &[u8] = &buf;
    for m in samples() {
        assert_eq!(read_frame(&mut stream).expect("read"), m);
    }
}

#[test]
fn header_is_length_then_version_big_endian() {
    let m = Message::Error {
        message: "x".into(),
    };
    let bytes = encode(&m).expect("encode");
    let body = serde_json::to_vec(&m).expect("json");
    assert_eq!(&bytes[..4], &(body.len() as u32).to_be_bytes());
    assert_eq!(&bytes[4..6], &VERSION.to_be_bytes());
    assert_eq!(&bytes[HEADER_BYTES..], &body[..]);
}

#[test]
fn a_frame_of_an_older_or_newer_version_is_refused_by_name() {
    let m = samples().remove(0);
    for version in [MIN_VERSION - 1, VERSION + 1] {
        let bytes = encode_version(&m, version).expect("encode");
        let err = read_frame(&mut &bytes[..]).expect_err("refused");
        assert!(matches!(err, FrameError::Version { got } if got == version));
        assert!(err.is_peer_fault());
        let text = err.to_string();
        assert!(
            text.contains(&format!("protocol version {version} is not supported")),
            "{text}"
        );
    }
}

#[test]
fn an_oversized_frame_is_refused_before_reading_its_body() {
    let len = (MAX_FRAME_BYTES + 1) as u32;
    let mut bytes = len.to_be_bytes().to_vec();
    bytes.extend_from_slice(&VERSION.to_be_bytes());
    // No body follows: the reader must not wait for 16 MiB.
    let err = read_frame(&mut &bytes[..]).expect_err("refused");
    assert!(matches!(err, FrameError::Oversized { len: l } if l == len as usize));
    let huge = Message::Events(Events {
        lines: vec!["x".repeat(MAX_FRAME_BYTES)],
    });
    assert!(matches!(encode(&huge), Err(FrameError::Oversized { .. })));
}

#[test]
fn malformed_and_truncated_frames_give_errors() {
    let mut junk = 5u32.to_be_bytes().to_vec();
    junk.extend_from_slice(&VERSION.to_be_bytes());
    junk.extend_from_slice(b"{{{{{");
    assert!(matches!(
        read_frame(&mut &junk[..]),
        Err(FrameError::Malformed(_))
    ));

    let mut unknown = Vec::new();
    let body = br#"{"type":"launch_missiles"}"#;
    unknown.extend_from_slice(&(body.len() as u32).to_be_bytes());
    unknown.extend_from_slice(&VERSION.to_be_bytes());
    unknown.extend_from_slice(body);
    let err = read_frame(&mut &unknown[..]).expect_err("unknown type");
    assert!(err.to_string().contains("launch_missiles"), "{err}");

    let whole = encode(&samples().remove(1)).expect("encode");
    for cut in [3, HEADER_BYTES + 2, whole.len() - 1] {
        let err = read_frame(&mut &whole[..cut]).expect_err("truncated");
        assert!(matches!(err, FrameError::Truncated), "cut at {cut}: {err}");
    }
}

#[test]
fn unknown_fields_are_ignored_and_later_fields_default() {
    // A newer peer adds `labels` and a new counter; an older one omits the
    // optional `running` and `error`.
    let body = br#"{"type":"register","id":"dp","version":"9.9","cores":[1],
        "ports":["a"],"mode":"tap","labels":{"rack":"r1"}}"#;
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&VERSION.to_be_bytes());
    frame.extend_from_slice(body);
    match read_frame(&mut &frame[..]).expect("tolerated") {
        Message::Register(r) => {
            assert_eq!(r.id, "dp");
            assert_eq!(r.running, None);
        }
        other => panic!("{other:?}"),
    }
    let ack: Message =
        serde_json::from_str(r#"{"type":"ack","version":3,"ok":true,"extra":[1,2]}"#).expect("ack");
    assert_eq!(
        ack,
        Message::Ack(Ack {
            version: 3,
            ok: true,
            error: None
        })
    );
}

#[test]
fn a_register_of_an_older_dataplane_has_no_features_and_new_ones_omit_none() {
    let old =
        r#"{"type":"register","id":"dp","version":"0.1.0","cores":[1],"ports":[],"mode":"tap"}"#;
    let m: Message = serde_json::from_str(old).expect("parses");
    let Message::Register(r) = &m else {
        panic!("{m:?}")
    };
    assert!(r.features.is_empty());
    let text = serde_json::to_string(&m).expect("json");
    assert!(!text.contains("features"), "{text}");
}
