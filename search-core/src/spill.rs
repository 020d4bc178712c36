//! Bounded-memory index builds. The inverted index of a large library does
//! not fit in memory, so the writer accumulates postings for a stretch of
//! chunks, writes them as a *run* sorted by term, and merges the runs at the
//! end (an external merge sort). Finished file payloads go to the same
//! store until the build id that seals them is known.
//!
//! search-core does no I/O: the store is a trait. [`MemorySpill`] keeps
//! everything in memory (tests, the WASM engine); the generator keeps
//! blobs in a temporary file beside the site it builds.
//!
//! Runs cover consecutive ordinals, so merging a term's entries in run order
//! gives its postings in ordinal order: the merged index is the same bytes
//! whatever the number of runs.

use std::collections::BinaryHeap;
use std::sync::Mutex;

use crate::codec::{Reader, Writer};
use crate::error::BuildError;

/// A blob in a [`SpillStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpillId(pub u64);

/// Where the index writer puts bytes it does not keep: sorted runs of
/// postings and finished file payloads. Each blob is read back once.
pub trait SpillStore: Sync {
    /// Stores `bytes`.
    fn put(&self, bytes: Vec<u8>) -> Result<SpillId, String>;
    /// The bytes of `id`, which the store may then forget.
    fn take(&self, id: SpillId) -> Result<Vec<u8>, String>;
}

/// A store that keeps every blob in memory.
#[derive(Debug, Default)]
pub struct MemorySpill {
    blobs: Mutex<Vec<Option<Vec<u8>>>>,
}

impl SpillStore for MemorySpill {
    fn put(&self, bytes: Vec<u8>) -> Result<SpillId, String> {
        let mut b = self.blobs.lock().map_err(|_| "spill store poisoned")?;
        b.push(Some(bytes));
        Ok(SpillId(b.len() as u64 - 1))
    }
    fn take(&self, id: SpillId) -> Result<Vec<u8>, String> {
        let mut b = self.blobs.lock().map_err(|_| "spill store poisoned")?;
        b.get_mut(id.0 as usize)
            .and_then(Option::take)
            .ok_or_else(|| format!("spill blob {} missing or already read", id.0))
    }
}

pub(crate) fn spill_err(e: String) -> BuildError {
    BuildError::Spill(e)
}

/// One term's postings so far: ordinals ascending, field term frequencies,
/// and the encoded positions of each posting, concatenated.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct TermAcc {
    pub ords: Vec<u32>,
    pub tfs: Vec<[u16; 3]>,
    pub positions: Vec<u8>,
}

impl TermAcc {
    /// Memory this accumulator holds (capacity, not length: that is what
    /// the allocator has handed out).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.ords.capacity() * 4 + self.tfs.capacity() * 6 + self.positions.capacity()
    }

    fn append(&mut self, mut other: TermAcc) {
        if self.ords.is_empty() {
            *self = other;
            return;
        }
        self.ords.append(&mut other.ords);
        self.tfs.append(&mut other.tfs);
        self.positions.append(&mut other.positions);
    }
}

/// Memory a dictionary entry costs beyond its accumulator: the term's
/// string, the hash-map slot and the accumulator's own fields.
pub(crate) const ENTRY_OVERHEAD: usize = 96;

/// A spilled run: its pages in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    pages: Vec<SpillId>,
}

/// Writes `terms` (sorted by term) as a run of pages of about `page_bytes`
/// each; a page ends at an entry boundary.
pub(crate) fn write_run(
    store: &dyn SpillStore,
    terms: Vec<(String, TermAcc)>,
    page_bytes: usize,
) -> Result<Run, BuildError> {
    debug_assert!(terms.windows(2).all(|w| w[0].0 < w[1].0));
    let mut pages = Vec::new();
    let mut w = Writer::new();
    for (term, acc) in terms {
        encode_entry(&mut w, &term, &acc);
        if w.len() >= page_bytes {
            pages.push(store.put(std::mem::take(&mut w.buf)).map_err(spill_err)?);
        }
    }
    if !w.is_empty() {
        pages.push(store.put(w.buf).map_err(spill_err)?);
    }
    Ok(Run { pages })
}

fn encode_entry(w: &mut Writer, term: &str, acc: &TermAcc) {
    w.str(term);
    w.varint(acc.ords.len() as u64);
    let mut prev = 0u32;
    for (&o, tf) in acc.ords.iter().zip(&acc.tfs) {
        w.varint(u64::from(o - prev));
        prev = o;
        for &t in tf {
            w.varint(u64::from(t));
        }
    }
    w.varint(acc.positions.len() as u64);
    w.bytes(&acc.positions);
}

fn decode_entry(r: &mut Reader<'_>) -> Result<(String, TermAcc), BuildError> {
    let bad = |_| BuildError::Spill("a spilled run does not decode".into());
    let term = r.str().map_err(bad)?.to_string();
    let n = r.varint().map_err(bad)? as usize;
    let mut acc = TermAcc {
        ords: Vec::with_capacity(n),
        tfs: Vec::with_capacity(n),
        positions: Vec::new(),
    };
    let mut prev = 0u32;
    for _ in 0..n {
        prev += r.varint_u32().map_err(bad)?;
        acc.ords.push(prev);
        let mut tf = [0u16; 3];
        for t in &mut tf {
            *t = r.varint().map_err(bad)? as u16;
        }
        acc.tfs.push(tf);
    }
    let len = r.varint().map_err(bad)? as usize;
    acc.positions = r.take(len).map_err(bad)?.to_vec();
    Ok((term, acc))
}

/// Reads a run back one page at a time.
struct RunCursor<'s> {
    store: &'s dyn SpillStore,
    pages: std::vec::IntoIter<SpillId>,
    page: Vec<u8>,
    at: usize,
}

impl RunCursor<'_> {
    fn next(&mut self) -> Result<Option<(String, TermAcc)>, BuildError> {
        while self.at >= self.page.len() {
            let Some(id) = self.pages.next() else {
                return Ok(None);
            };
            self.page = self.store.take(id).map_err(spill_err)?;
            self.at = 0;
        }
        let mut r = Reader::new(&self.page[self.at..]);
        let entry = decode_entry(&mut r)?;
        self.at += r.position();
        Ok(Some(entry))
    }
}

enum Source<'s> {
    Spilled(RunCursor<'s>),
    Memory(std::vec::IntoIter<(String, TermAcc)>),
}

impl Source<'_> {
    fn next(&mut self) -> Result<Option<(String, TermAcc)>, BuildError> {
        match self {
            Source::Spilled(c) => c.next(),
            Source::Memory(it) => Ok(it.next()),
        }
    }
}

/// The head entry of a source, ordered so the heap pops the smallest term
/// first and, for equal terms, the earliest source first.
struct Head {
    term: String,
    source: usize,
    acc: TermAcc,
}

impl PartialEq for Head {
    fn eq(&self, o: &Self) -> bool {
        self.term == o.term && self.source == o.source
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Head {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        // Reversed: BinaryHeap is a max-heap.
        (&o.term, o.source).cmp(&(&self.term, self.source))
    }
}

/// The k-way merge of spilled runs and a last run still in memory (sorted
/// by term), earliest run first: each term once, its postings from all
/// runs concatenated in run order.
pub(crate) struct Merge<'s> {
    sources: Vec<Source<'s>>,
    heap: BinaryHeap<Head>,
}

impl<'s> Merge<'s> {
    pub(crate) fn new(
        store: &'s dyn SpillStore,
        runs: Vec<Run>,
        last: Vec<(String, TermAcc)>,
    ) -> Result<Merge<'s>, BuildError> {
        let mut sources: Vec<Source<'s>> = runs
            .into_iter()
            .map(|r| {
                Source::Spilled(RunCursor {
                    store,
                    pages: r.pages.into_iter(),
                    page: Vec::new(),
                    at: 0,
                })
            })
            .collect();
        sources.push(Source::Memory(last.into_iter()));
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, s) in sources.iter_mut().enumerate() {
            if let Some((term, acc)) = s.next()? {
                heap.push(Head {
                    term,
                    source: i,
                    acc,
                });
            }
        }
        Ok(Merge { sources, heap })
    }

    fn advance(&mut self, source: usize) -> Result<(), BuildError> {
        if let Some((term, acc)) = self.sources[source].next()? {
            self.heap.push(Head { term, source, acc });
        }
        Ok(())
    }

    /// The next term in order with all its postings.
    pub(crate) fn next_term(&mut self) -> Result<Option<(String, TermAcc)>, BuildError> {
        let Some(first) = self.heap.pop() else {
            return Ok(None);
        };
        let (term, mut acc) = (first.term, first.acc);
        self.advance(first.source)?;
        while self.heap.peek().is_some_and(|h| h.term == term) {
            let h = self.heap.pop().expect("peeked");
            acc.append(h.acc);
            self.advance(h.source)?;
        }
        Ok(Some((term, acc)))
    }
}

/// `crc32(a ++ b)` from `crc32(a)`, `crc32(b)` and `b`'s length, so the
/// CRC of payloads made out of order can be chained without reading them
/// again: `crc_a` times x^(8·len_b) modulo the CRC polynomial, from a table
/// of the powers x^(2^k), is a few dozen shifts per set bit of the length.
pub(crate) fn crc32_combine(crc_a: u32, crc_b: u32, len_b: u64) -> u32 {
    mul_mod_p(x_pow_8n(len_b), crc_a) ^ crc_b
}

/// The reflected CRC-32 polynomial.
const POLY: u32 = 0xEDB8_8320;

/// `a · b` modulo the polynomial, both in reflected bit order.
const fn mul_mod_p(a: u32, mut b: u32) -> u32 {
    let mut m = 1u32 << 31;
    let mut p = 0u32;
    loop {
        if a & m != 0 {
            p ^= b;
            if a & (m - 1) == 0 {
                return p;
            }
        }
        m >>= 1;
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
    }
}

/// `X_POW_2K[k]` = x^(2^k) modulo the polynomial.
const X_POW_2K: [u32; 64] = {
    let mut t = [0u32; 64];
    // x^1 in reflected order.
    let mut p = 1u32 << 30;
    let mut k = 0;
    while k < 64 {
        t[k] = p;
        p = mul_mod_p(p, p);
        k += 1;
    }
    t
};

/// x^(8·n) modulo the polynomial: the operator for `n` zero bytes.
fn x_pow_8n(mut n: u64) -> u32 {
    // x^0 in reflected order.
    let mut p = 1u32 << 31;
    // 8·n = n·2^3: start at the table's third power.
    let mut k = 3;
    while n != 0 {
        if n & 1 != 0 {
            p = mul_mod_p(X_POW_2K[k % 64], p);
        }
        n >>= 1;
        k += 1;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{crc32, crc32_update};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn acc_for(ord: u32, seed: u8) -> TermAcc {
        TermAcc {
            ords: vec![ord],
            tfs: vec![[u16::from(seed % 3), 1, u16::from(seed)]],
            positions: vec![seed, seed.wrapping_add(1)],
        }
    }

    /// Postings `(term, ord)` in ordinal order, cut into runs at `cuts`,
    /// spilled with pages of `page` bytes and merged, against one sort in
    /// memory.
    fn merge_equals_sort(postings: &[(u8, u32, u8)], cuts: &[usize], page: usize) {
        let mut all: BTreeMap<String, TermAcc> = BTreeMap::new();
        for &(t, o, s) in postings {
            all.entry(format!("t{t}"))
                .or_default()
                .append(acc_for(o, s));
        }
        let store = MemorySpill::default();
        let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (postings.len() + 1)).collect();
        bounds.push(0);
        bounds.push(postings.len());
        bounds.sort_unstable();
        bounds.dedup();
        let mut runs = Vec::new();
        let mut last = Vec::new();
        for (i, w) in bounds.windows(2).enumerate() {
            let mut part: BTreeMap<String, TermAcc> = BTreeMap::new();
            for &(t, o, s) in &postings[w[0]..w[1]] {
                part.entry(format!("t{t}"))
                    .or_default()
                    .append(acc_for(o, s));
            }
            let part: Vec<_> = part.into_iter().collect();
            if i + 2 == bounds.len() {
                last = part;
            } else {
                runs.push(write_run(&store, part, page).unwrap());
            }
        }
        let mut m = Merge::new(&store, runs, last).unwrap();
        let mut merged = Vec::new();
        while let Some(e) = m.next_term().unwrap() {
            merged.push(e);
        }
        assert_eq!(merged, all.into_iter().collect::<Vec<_>>());
    }

    proptest! {
        #[test]
        fn merging_runs_equals_sorting_in_memory(
            raw in prop::collection::vec((0u8..40, 0u32..3, any::<u8>()), 0..300),
            cuts in prop::collection::vec(any::<usize>(), 0..12),
            page in 1usize..200,
        ) {
            // Ordinals ascending, as the writer produces them.
            let mut ord = 0u32;
            let postings: Vec<(u8, u32, u8)> = raw
                .into_iter()
                .map(|(t, step, s)| { ord += step; (t, ord, s) })
                .collect();
            // One posting per (term, ordinal), as in a real index.
            let mut seen = std::collections::HashSet::new();
            let postings: Vec<_> = postings.into_iter().filter(|p| seen.insert((p.0, p.1))).collect();
            merge_equals_sort(&postings, &cuts, page);
        }

        #[test]
        fn crc_combine_equals_crc_of_concatenation(
            a in prop::collection::vec(any::<u8>(), 0..300),
            b in prop::collection::vec(any::<u8>(), 0..3000),
        ) {
            let whole = crc32_update(crc32(&a), &b);
            prop_assert_eq!(crc32_combine(crc32(&a), crc32(&b), b.len() as u64), whole);
        }
    }

    #[test]
    fn a_blob_is_read_once() {
        let s = MemorySpill::default();
        let id = s.put(vec![1, 2, 3]).unwrap();
        assert_eq!(s.take(id).unwrap(), vec![1, 2, 3]);
        assert!(s.take(id).is_err());
        assert!(s.take(SpillId(9)).is_err());
    }

    #[test]
    fn entries_larger_than_a_page_are_written_whole() {
        let store = MemorySpill::default();
        let big = TermAcc {
            ords: (0..100).collect(),
            tfs: vec![[1, 0, 2]; 100],
            positions: vec![7; 500],
        };
        let terms = vec![("a".to_string(), acc_for(1, 1)), ("b".to_string(), big)];
        // Both entries are larger than a page: each ends one.
        let run = write_run(&store, terms.clone(), 8).unwrap();
        assert_eq!(run.pages.len(), 2);
        let mut m = Merge::new(&store, vec![run], Vec::new()).unwrap();
        assert_eq!(m.next_term().unwrap(), Some(terms[0].clone()));
        assert_eq!(m.next_term().unwrap(), Some(terms[1].clone()));
        assert_eq!(m.next_term().unwrap(), None);
    }
}
