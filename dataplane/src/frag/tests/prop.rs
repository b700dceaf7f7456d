//! Property tests: shuffled, duplicated and overlapping fragments against a
//! first-data-wins model, and arbitrary fragments against the limits.

use proptest::prelude::*;

use crate::decode::tests::build::{self, V4};
use crate::decode::IpProtocol;
use crate::frag::{FragKey, FragLimits, Fragment, Outcome, Reassembler};

/// One fragment to push: payload offset, bytes and the more flag.
#[derive(Debug, Clone)]
struct Piece {
    offset: usize,
    data: Vec<u8>,
    more: bool,
}

/// Cuts `payload` at the given 8-byte-aligned points.
fn cut(payload: &[u8], cuts: &[usize]) -> Vec<Piece> {
    let mut bounds: Vec<usize> = cuts
        .iter()
        .map(|c| c * 8)
        .filter(|c| *c < payload.len())
        .collect();
    bounds.extend([0, payload.len()]);
    bounds.sort_unstable();
    bounds.dedup();
    bounds
        .windows(2)
        .map(|w| Piece {
            offset: w[0],
            data: payload[w[0]..w[1]].to_vec(),
            more: w[1] != payload.len(),
        })
        .collect()
}

/// Extra non-last fragments over `payload`, some with altered bytes.
fn extras(payload: &[u8], specs: &[(usize, usize, bool)]) -> Vec<Piece> {
    let aligned = payload.len() / 8 * 8;
    specs
        .iter()
        .filter_map(|&(start, units, corrupt)| {
            let offset = (start * 8).min(aligned);
            let end = (offset + units * 8).min(aligned);
            let data = payload[offset..end]
                .iter()
                .map(|b| if corrupt { b ^ 0x5a } else { *b });
            (end > offset).then(|| Piece {
                offset,
                data: data.collect(),
                more: true,
            })
        })
        .collect()
}

/// Fisher-Yates with a small deterministic generator.
fn shuffle(pieces: &mut [Piece], mut seed: u64) {
    for i in (1..pieces.len()).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (seed >> 33) as usize % (i + 1);
        pieces.swap(i, j);
    }
}

fn key(v6: bool) -> FragKey {
    if v6 {
        FragKey::V6 {
            src: build::V6_SRC,
            dst: build::V6_DST,
            id: 7,
        }
    } else {
        FragKey::V4 {
            src: build::V4_SRC,
            dst: build::V4_DST,
            id: 7,
            protocol: IpProtocol(253),
        }
    }
}

/// Pushes `pieces`; checks the datagram that completes against the
/// first-data-wins model, and that it completes exactly when it should.
fn run(v6: bool, payload_len: usize, pieces: &[Piece]) -> Result<(), TestCaseError> {
    let header = if v6 {
        build::ipv6(44, &[])
    } else {
        V4::new(IpProtocol(253)).build(&[])
    };
    let limits = FragLimits {
        max_fragments: u16::MAX,
        ..FragLimits::default()
    };
    let mut reassembler = Reassembler::new(limits);
    let mut model: Vec<Option<u8>> = vec![None; payload_len];
    let mut last_seen = false;

    for piece in pieces {
        if piece.offset == 0 && !piece.more {
            // An atomic fragment stands alone (RFC 6946).
            model = piece.data.iter().copied().map(Some).collect();
            last_seen = true;
        }
        for (slot, byte) in model[piece.offset..].iter_mut().zip(&piece.data) {
            slot.get_or_insert(*byte);
        }
        last_seen |= !piece.more;
        let fragment = Fragment {
            key: key(v6),
            offset: u16::try_from(piece.offset).expect("offset fits"),
            more: piece.more,
            header: &header,
            next_header_at: 6,
            protocol: IpProtocol(253),
            data: &piece.data,
        };
        let expect_done = last_seen && model.iter().all(Option::is_some);
        match reassembler.push(&fragment, 0) {
            Outcome::Complete(datagram) => {
                prop_assert!(expect_done);
                let expected: Vec<u8> = model.iter().map(|b| b.unwrap_or(0)).collect();
                prop_assert_eq!(&datagram[header.len()..], &expected[..]);
                return Ok(());
            }
            Outcome::Held => prop_assert!(!expect_done),
            Outcome::Dropped(reason) => prop_assert!(false, "dropped: {}", reason.as_str()),
        }
    }
    prop_assert!(false, "never completed");
    Ok(())
}

/// A fragment from fuzz-like fields, on one of a few keys; mostly aligned,
/// sometimes ragged.
fn arbitrary_fragment<'a>(
    fields: &(u8, u16, bool, bool),
    header: &'a [u8],
    data: &'a [u8],
) -> Fragment<'a> {
    let &(id, units, more, v6) = fields;
    let offset = units * 8 + u16::from(id % 7 == 0) * 3;
    let len = if id % 5 == 0 {
        data.len()
    } else {
        data.len() / 8 * 8
    };
    let data = &data[..len];
    let key = match v6 {
        true => FragKey::V6 {
            src: build::V6_SRC,
            dst: build::V6_DST,
            id: u32::from(id % 4),
        },
        false => FragKey::V4 {
            src: build::V4_SRC,
            dst: build::V4_DST,
            id: u16::from(id % 4),
            protocol: IpProtocol::TCP,
        },
    };
    Fragment {
        key,
        offset,
        more,
        header,
        next_header_at: 6,
        protocol: IpProtocol::TCP,
        data,
    }
}

proptest! {
    #[test]
    fn shuffled_overlapping_fragments_follow_first_data_wins(
        payload in proptest::collection::vec(any::<u8>(), 1..1500),
        cuts in proptest::collection::vec(1usize..200, 0..20),
        specs in proptest::collection::vec((0usize..200, 1usize..40, any::<bool>()), 0..10),
        seed in any::<u64>(),
        v6 in any::<bool>(),
    ) {
        let mut pieces = cut(&payload, &cuts);
        pieces.extend(extras(&payload, &specs));
        pieces.extend(pieces.clone().into_iter().step_by(3));
        shuffle(&mut pieces, seed);
        run(v6, payload.len(), &pieces)?;
    }

    #[test]
    fn arbitrary_fragments_stay_within_limits(
        fragments in proptest::collection::vec(
            ((any::<u8>(), 0u16..160, any::<bool>(), any::<bool>()), 0usize..600, 0u64..5),
            1..60,
        ),
    ) {
        let limits = FragLimits {
            max_fragments: 6,
            global_memory: 2048,
            max_datagrams: 3,
            timeout_ns: 3,
            spare_buffers: 2,
            ..FragLimits::default()
        };
        let mut reassembler = Reassembler::new(limits);
        let v4_header = V4::new(IpProtocol::TCP).build(&[]);
        let v6_header = build::ipv6(44, &[]);
        let data = vec![0xabu8; 600];
        let mut now = 0;
        for (fields, len, step) in &fragments {
            now += step;
            let header = if fields.3 { &v6_header } else { &v4_header };
            let fragment = arbitrary_fragment(fields, header, &data[..*len]);
            if let Outcome::Complete(datagram) = reassembler.push(&fragment, now) {
                prop_assert!(datagram.len() >= header.len());
            }
            prop_assert!(reassembler.memory() <= limits.global_memory);
            prop_assert!(reassembler.len() <= limits.max_datagrams);
        }
    }
}
