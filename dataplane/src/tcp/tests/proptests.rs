//! Property tests: random streams cut into segments, shuffled, duplicated and
//! overlapped, must come out exactly as they went in; conflicting copies must
//! resolve as the policy says (checked against [`Model`]).

use proptest::prelude::*;
use proptest::sample::Index;

use super::model::Model;
use super::*;

const FWD: Direction = Direction::ToResponder;

/// Deterministic shuffle (xorshift64*), so a failing case replays.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        let j = (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// Segments that cover `0..len` exactly once, cut at `cuts`.
fn cover(len: usize, cuts: &[Index]) -> Vec<(usize, usize)> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c.index(len)).collect();
    points.extend([0, len]);
    points.sort_unstable();
    points.dedup();
    points.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Random sub-ranges of `0..len`.
fn ranges(len: usize, picks: &[(Index, usize)]) -> Vec<(usize, usize)> {
    picks
        .iter()
        .map(|(at, n)| (at.index(len), (at.index(len) + n).min(len)))
        .collect()
}

struct Run {
    worker: Worker,
    stream: TcpStream,
    sink: Collect,
    isn: u32,
}

impl Run {
    fn new(policy: OverlapPolicy, isn: u32) -> Self {
        let mut stream = TcpStream::new(FWD);
        stream.start(SeqNum(isn));
        Self {
            worker: Worker::with_policy(policy),
            stream,
            sink: Collect::default(),
            isn,
        }
    }

    fn feed(&mut self, start: usize, payload: &[u8]) -> Delivery {
        let seq = SeqNum(self.isn).add(start as u32);
        let mut cx = self.worker.cx();
        self.stream.segment(seq, payload, &mut cx, &mut self.sink)
    }

    fn out(&self) -> &[u8] {
        &self.sink.data[0]
    }
}

/// Feeds the same-content pieces of `data` in the given order and checks the
/// stream comes back whole.
fn rebuilds(data: &[u8], pieces: &[(usize, usize)], isn: u32) -> Result<(), TestCaseError> {
    let mut run = Run::new(OverlapPolicy::First, isn);
    for &(start, end) in pieces {
        let before = run.out().len();
        let d = run.feed(start, &data[start..end]);
        if !d.fresh.is_empty() {
            prop_assert!(start + d.fresh.start >= before);
            prop_assert!(start + d.fresh.end <= run.out().len());
        }
    }
    prop_assert_eq!(run.out(), data);
    prop_assert!(run.sink.gaps[0].is_empty());
    prop_assert_eq!(run.worker.counters.overlap_conflicts, 0);
    prop_assert_eq!(run.worker.budget.used(), 0);
    Ok(())
}

fn pieces(
    data: &[u8],
    cuts: &[Index],
    extra: &[(Index, usize)],
    dups: &[Index],
    seed: u64,
) -> Vec<(usize, usize)> {
    let mut all = cover(data.len(), cuts);
    let copies: Vec<(usize, usize)> = dups.iter().map(|d| all[d.index(all.len())]).collect();
    all.extend(copies);
    all.extend(ranges(data.len(), extra).into_iter().filter(|(s, e)| s < e));
    shuffle(&mut all, seed);
    all
}

proptest! {
    #[test]
    fn shuffled_duplicated_overlapping_segments_rebuild_the_stream(
        data in prop::collection::vec(any::<u8>(), 1..3000),
        cuts in prop::collection::vec(any::<Index>(), 0..40),
        extra in prop::collection::vec((any::<Index>(), 1usize..400), 0..20),
        dups in prop::collection::vec(any::<Index>(), 0..10),
        isn in any::<u32>(),
        seed in any::<u64>(),
    ) {
        rebuilds(&data, &pieces(&data, &cuts, &extra, &dups, seed), isn)?;
    }

    #[test]
    fn rebuilds_across_sequence_wrap(
        data in prop::collection::vec(any::<u8>(), 1..3000),
        cuts in prop::collection::vec(any::<Index>(), 0..40),
        extra in prop::collection::vec((any::<Index>(), 1usize..400), 0..20),
        dups in prop::collection::vec(any::<Index>(), 0..10),
        back in 0u32..3000,
        seed in any::<u64>(),
    ) {
        rebuilds(&data, &pieces(&data, &cuts, &extra, &dups, seed), u32::MAX - back)?;
    }

    #[test]
    fn first_policy_keeps_the_first_copy_seen(
        data in prop::collection::vec(any::<u8>(), 1..1000),
        cuts in prop::collection::vec(any::<Index>(), 0..20),
        evil in prop::collection::vec((any::<Index>(), 1usize..200, any::<u8>()), 1..10),
        isn in any::<u32>(),
        seed in any::<u64>(),
    ) {
        let mut feed: Vec<(usize, Vec<u8>)> =
            cover(data.len(), &cuts).into_iter().map(|(s, e)| (s, data[s..e].to_vec())).collect();
        for (at, n, byte) in &evil {
            let start = at.index(data.len());
            let end = (start + n).min(data.len());
            feed.push((start, vec![*byte; end - start]));
        }
        shuffle(&mut feed, seed);

        let mut expected: Vec<Option<u8>> = vec![None; data.len()];
        for (start, bytes) in &feed {
            for (slot, &b) in expected[*start..].iter_mut().zip(bytes) {
                slot.get_or_insert(b);
            }
        }
        let mut run = Run::new(OverlapPolicy::First, isn);
        for (start, bytes) in &feed {
            run.feed(*start, bytes);
        }
        let expected: Vec<u8> = expected.into_iter().flatten().collect();
        prop_assert_eq!(run.out(), &expected[..]);
    }

    #[test]
    fn every_policy_matches_the_byte_model(
        policy in prop::sample::select(vec![
            OverlapPolicy::First, OverlapPolicy::Last, OverlapPolicy::Bsd,
            OverlapPolicy::Linux, OverlapPolicy::Windows,
        ]),
        segs in prop::collection::vec((0usize..300, prop::collection::vec(0u8..3, 1..60)), 1..40),
        isn in any::<u32>(),
    ) {
        let mut model = Model::new(policy);
        let mut run = Run::new(policy, isn);
        for (start, bytes) in &segs {
            model.segment(*start as u64, bytes);
            run.feed(*start, bytes);
            prop_assert_eq!(run.out(), &model.out[..]);
        }
        prop_assert_eq!(run.worker.counters.overlap_conflicts, model.conflicts);
        model.finish();
        let mut cx = run.worker.cx();
        run.stream.finish(&mut cx, &mut run.sink);
        prop_assert_eq!(run.out(), &model.out[..]);
        prop_assert_eq!(&run.sink.gaps[0], &model.gaps);
        prop_assert_eq!(run.worker.budget.used(), 0);
    }
}
