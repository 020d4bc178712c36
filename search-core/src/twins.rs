//! Twins: one passage whose text is identical in several versions of the
//! same document. A multi-version library would otherwise fill a page of
//! results with the same passage once per version; search shows one of
//! them and lists the others (see [`crate::SearchResult::also`]).
//!
//! Chunks are twins when vendor, product, doc set, document key, title,
//! headings and text are all equal and only the version differs. A set
//! with two chunks in one version (a passage repeated inside a document)
//! is left alone: which copy matches which is not clear.

use crate::codec::{Reader, Writer};
use crate::error::FormatError;
use crate::hash::FastMap;
use crate::input::ChunkInput;
use crate::result::{better, ScoredChunk};

/// Ordinals `start .. start + len` are twins of `canonical .. canonical + len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: u32,
    len: u32,
    canonical: u32,
}

/// The twin sets of an index: each chunk that has twins maps to the
/// canonical member of its set (the one in the current-most version).
/// Written as runs, since whole stretches of a document stay unchanged
/// from one version to the next; held per ordinal, so a look-up per
/// result costs no search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Twins {
    /// Canonical member per ordinal; empty when no chunk has twins.
    canon: Vec<u32>,
}

impl Twins {
    /// Twin sets of `chunks` (in ordinal order). `first[o]` is the first
    /// ordinal whose passage (title, headings, text) is `o`'s, which the
    /// build has found already: twins share a passage, so only chunks
    /// whose passage repeats are grouped again, by document.
    pub(crate) fn find(chunks: &[ChunkInput], first: &[u32]) -> Twins {
        debug_assert_eq!(chunks.len(), first.len());
        let mut repeated = vec![false; chunks.len()];
        for (o, &f) in first.iter().enumerate() {
            if f as usize != o {
                repeated[f as usize] = true;
            }
        }
        type Key<'a> = (u32, &'a str, &'a str, &'a str, &'a str);
        let mut sets: FastMap<Key<'_>, Vec<u32>> = FastMap::default();
        for ((o, c), &f) in (0u32..).zip(chunks).zip(first) {
            if repeated[f as usize] {
                let key = (
                    f,
                    c.vendor.as_str(),
                    c.product.as_str(),
                    c.doc_set.as_str(),
                    c.document.as_str(),
                );
                sets.entry(key).or_default().push(o);
            }
        }
        let mut canon: Vec<u32> = (0..chunks.len() as u32).collect();
        for members in sets.values().filter(|m| m.len() > 1) {
            let c = |o: u32| &chunks[o as usize];
            let mut versions: Vec<&str> = members.iter().map(|&o| c(o).version.as_str()).collect();
            versions.sort_unstable();
            versions.dedup();
            if versions.len() != members.len() {
                continue;
            }
            let rep = *members
                .iter()
                .min_by_key(|&&o| (c(o).version_rank, o))
                .expect("a set has members");
            for &o in members {
                canon[o as usize] = rep;
            }
        }
        Twins::from_canon(canon)
    }

    fn from_canon(canon: Vec<u32>) -> Twins {
        let any = canon.iter().enumerate().any(|(o, &c)| c != o as u32);
        Twins {
            canon: if any { canon } else { Vec::new() },
        }
    }

    /// The maximal runs of ordinals mapped to consecutive canonical ones.
    fn runs(&self) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for (o, &c) in self.canon.iter().enumerate() {
            let o = o as u32;
            if c == o {
                continue;
            }
            match runs.last_mut() {
                Some(r) if r.start + r.len == o && r.canonical + r.len == c => r.len += 1,
                _ => runs.push(Run {
                    start: o,
                    len: 1,
                    canonical: c,
                }),
            }
        }
        runs
    }

    /// The canonical member of `o`'s twin set (`o` itself when it is the
    /// canonical one or has no twins).
    pub(crate) fn canonical(&self, o: u32) -> u32 {
        self.canon.get(o as usize).copied().unwrap_or(o)
    }

    /// Payloads of the twin blocks `w/<k>.bin` of an index of
    /// `chunk_count` chunks in blocks of `block` (none when no chunk has
    /// twins). Runs are cut where either side crosses a block boundary;
    /// each piece is written in the block of its members (to find a
    /// chunk's canonical) and in the block of its canonicals (to list a
    /// set's members).
    pub(crate) fn encode_blocks(&self, chunk_count: u32, block: u32) -> Vec<Vec<u8>> {
        if self.canon.is_empty() {
            return Vec::new();
        }
        let n = chunk_count.div_ceil(block) as usize;
        let mut forward: Vec<Vec<Run>> = vec![Vec::new(); n];
        let mut inverse: Vec<Vec<Run>> = vec![Vec::new(); n];
        for r in self.runs() {
            let mut done = 0;
            while done < r.len {
                let (s, c) = (r.start + done, r.canonical + done);
                let room = (block - s % block).min(block - c % block);
                let len = room.min(r.len - done);
                let piece = Run {
                    start: s,
                    len,
                    canonical: c,
                };
                forward[(s / block) as usize].push(piece);
                inverse[(c / block) as usize].push(piece);
                done += len;
            }
        }
        forward
            .iter()
            .zip(&mut inverse)
            .zip((0u32..).map(|k| k * block))
            .map(|((fwd, inv), lo)| {
                // Members of one canonical range come from several versions:
                // order by canonical so its runs are adjacent.
                inv.sort_by_key(|r| (r.canonical, r.start));
                let mut w = Writer::new();
                w.varint(fwd.len() as u64);
                let mut end = lo;
                for r in fwd {
                    w.varint(u64::from(r.start - end));
                    w.varint(u64::from(r.len));
                    w.varint(zigzag(i64::from(r.canonical) - i64::from(r.start)));
                    end = r.start + r.len;
                }
                w.varint(inv.len() as u64);
                let mut prev = lo;
                for r in inv.iter() {
                    w.varint(u64::from(r.canonical - prev));
                    w.varint(u64::from(r.len));
                    w.varint(zigzag(i64::from(r.start) - i64::from(r.canonical)));
                    prev = r.canonical;
                }
                w.buf
            })
            .collect()
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(z: u64) -> i64 {
    (z >> 1) as i64 ^ -((z & 1) as i64)
}

/// One decoded twin block: the runs whose members lie in the block
/// (ascending by member) and those whose canonicals do (ascending by
/// canonical).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TwinBlock {
    forward: Vec<Run>,
    inverse: Vec<Run>,
}

impl TwinBlock {
    /// Reads block `k` of an index of `chunk_count` chunks in blocks of
    /// `block`.
    pub(crate) fn decode(
        payload: &[u8],
        k: u32,
        block: u32,
        chunk_count: u32,
    ) -> Result<TwinBlock, FormatError> {
        let bad = || FormatError::Malformed("twin runs out of range");
        let lo = u64::from(k) * u64::from(block);
        let hi = (lo + u64::from(block)).min(u64::from(chunk_count));
        // Every sum is checked: the bytes may be anyone's.
        let inside = |a: i64, len: u64, lo: u64, hi: u64| {
            a >= 0 && a as u64 >= lo && (a as u64).checked_add(len).is_some_and(|e| e <= hi)
        };
        let ends_by = |a: u64, len: u64, hi: u64| a.checked_add(len).is_some_and(|e| e <= hi);
        let block_of = |a: u64| a / u64::from(block);
        let mut r = Reader::new(payload);
        let mut forward = Vec::new();
        let mut end = lo;
        for _ in 0..r.count(3)? {
            let start = end.checked_add(r.varint()?).ok_or_else(bad)?;
            let len = r.varint()?;
            let canonical = i64::try_from(start)
                .map_err(|_| bad())?
                .checked_add(unzigzag(r.varint()?))
                .ok_or_else(bad)?;
            if len == 0 || !inside(start as i64, len, lo, hi) || canonical < 0 {
                return Err(bad());
            }
            let cb = block_of(canonical as u64);
            let c_hi = ((cb + 1) * u64::from(block)).min(u64::from(chunk_count));
            if !ends_by(canonical as u64, len, c_hi) {
                return Err(bad());
            }
            forward.push(Run {
                start: start as u32,
                len: len as u32,
                canonical: canonical as u32,
            });
            end = start + len;
        }
        let mut inverse = Vec::new();
        let mut prev = lo;
        for _ in 0..r.count(3)? {
            let canonical = prev.checked_add(r.varint()?).ok_or_else(bad)?;
            let len = r.varint()?;
            let start = i64::try_from(canonical)
                .map_err(|_| bad())?
                .checked_add(unzigzag(r.varint()?))
                .ok_or_else(bad)?;
            if len == 0 || !inside(canonical as i64, len, lo, hi) || start < 0 {
                return Err(bad());
            }
            let sb = block_of(start as u64);
            let s_hi = ((sb + 1) * u64::from(block)).min(u64::from(chunk_count));
            if !ends_by(start as u64, len, s_hi) {
                return Err(bad());
            }
            inverse.push(Run {
                start: start as u32,
                len: len as u32,
                canonical: canonical as u32,
            });
            prev = canonical;
        }
        if !r.is_empty() {
            return Err(FormatError::Malformed("trailing bytes in twin block"));
        }
        Ok(TwinBlock { forward, inverse })
    }

    /// Canonical member of `o` (in this block).
    fn canonical(&self, o: u32) -> u32 {
        let i = self.forward.partition_point(|r| r.start <= o);
        match i.checked_sub(1).map(|i| &self.forward[i]) {
            Some(r) if o < r.start + r.len => r.canonical + (o - r.start),
            _ => o,
        }
    }

    /// Other members of the set whose canonical is `c` (in this block).
    fn members(&self, c: u32, out: &mut Vec<u32>) {
        // Runs of several versions may overlap on the canonical side.
        for r in self.inverse.iter().take_while(|r| r.canonical <= c) {
            if c < r.canonical + r.len {
                out.push(r.start + (c - r.canonical));
            }
        }
    }
}

/// Hits, best first, and per hit the other members of its set among the
/// results (ascending).
pub(crate) type Folded = (Vec<ScoredChunk>, Vec<Vec<u32>>);

/// The twin blocks an index has loaded, and folding a ranking with them.
#[derive(Debug, Clone, Default)]
pub(crate) struct TwinBlocks {
    block: u32,
    /// One entry per block; empty when the index has no twins.
    pub(crate) blocks: Vec<Option<TwinBlock>>,
}

impl TwinBlocks {
    pub(crate) fn new(block: u32, count: usize) -> TwinBlocks {
        TwinBlocks {
            block,
            blocks: vec![None; count],
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The canonical member of `o`'s set; `None` while its block is not
    /// added.
    pub(crate) fn canonical_of(&self, o: u32) -> Option<u32> {
        if self.is_empty() {
            return Some(o);
        }
        self.get(o).ok().map(|t| t.canonical(o))
    }

    fn get(&self, o: u32) -> Result<&TwinBlock, u32> {
        let b = o / self.block;
        match self.blocks.get(b as usize) {
            Some(Some(t)) => Ok(t),
            _ => Err(b),
        }
    }

    /// The best `limit` results, best first, keeping one chunk per twin
    /// set; with each, the other members of its set among `sorted`
    /// (ascending). `sorted` is ordered best first: higher score, then
    /// lower ordinal. Within a set, the best member is shown and the
    /// canonical one wins a tie. `Err` lists the twin blocks still needed:
    /// those of the results walked so far and of their canonicals.
    ///
    /// `group` gives the first ordinal of the group (product) holding an
    /// ordinal; sets never span groups. It only decides which blocks to ask
    /// for, never the answer: a run of tied results from many copies of a
    /// product would otherwise ask for a block per result.
    pub(crate) fn top(
        &self,
        sorted: &[ScoredChunk],
        limit: usize,
        group: &dyn Fn(u32) -> u32,
    ) -> Result<Folded, Vec<u32>> {
        if self.is_empty() {
            let hits: Vec<ScoredChunk> = sorted.iter().take(limit).copied().collect();
            return Ok((hits.clone(), vec![Vec::new(); hits.len()]));
        }
        if limit == 0 {
            return Ok((Vec::new(), Vec::new()));
        }
        // Which ordinals are results, one bit each; the score of one is
        // found in its run of equal scores in `sorted`.
        let bits_len = sorted
            .iter()
            .map(|s| s.ordinal as usize / 64 + 1)
            .max()
            .unwrap_or(0);
        let mut is_result = vec![0u64; bits_len];
        for s in sorted {
            is_result[s.ordinal as usize / 64] |= 1 << (s.ordinal % 64);
        }
        let in_results = |o: u32| {
            is_result
                .get(o as usize / 64)
                .is_some_and(|w| w >> (o % 64) & 1 == 1)
        };
        let scored = |o: u32, score: f32| {
            let run = sorted.partition_point(|x| x.score > score);
            let run = &sorted[run..sorted.partition_point(|x| x.score >= score)];
            run.binary_search_by(|x| x.ordinal.cmp(&o)).is_ok()
        };
        let mut missing: Vec<u32> = Vec::new();
        let mut seen: Vec<u64> = Vec::new();
        // Canonical member and representative of each set, in walking order.
        let mut canons: Vec<u32> = Vec::new();
        let mut reps: Vec<ScoredChunk> = Vec::new();
        let mut boundary: Option<f32> = None;
        let mut prev: Option<ScoredChunk> = None;
        // Results passed over as likely copies of the one before, with
        // their blocks: asked for only if no walked set claims them.
        let mut deferred: Vec<(usize, u32, u32)> = Vec::new();
        // Where in `sorted` each set was first met, in walking order.
        let mut first: Vec<usize> = Vec::new();
        let mut last_walked = 0u32;
        for (i, s) in sorted.iter().enumerate() {
            // Past the `limit`-th set, only ties of its score can still
            // enter (a tie is broken by the representative's ordinal).
            if boundary.is_some_and(|b| s.score < b) {
                break;
            }
            // Nor can a tie from a group that starts after every ordinal
            // walked so far: its set's members all come after the sets
            // already kept, and so do the later ties (ordinal order).
            if boundary.is_some() && group(s.ordinal) > last_walked {
                break;
            }
            let tied = prev.is_some_and(|p| p.score == s.score);
            let copy = tied && prev.is_some_and(|p| group(p.ordinal) == group(s.ordinal));
            prev = Some(*s);
            last_walked = last_walked.max(s.ordinal);
            let c = match self.get(s.ordinal) {
                Ok(t) => t.canonical(s.ordinal),
                Err(b) => {
                    // Copies of a passage score the same: a result tied
                    // with the previous one of its group is likely its
                    // copy, whose set's canonical block will list it.
                    if copy {
                        deferred.push((i, s.ordinal, b));
                        continue;
                    }
                    missing.push(b);
                    s.ordinal
                }
            };
            last_walked = last_walked.max(c);
            let (w, bit) = (c as usize / 64, 1u64 << (c % 64));
            if seen.len() <= w {
                seen.resize(w + 1, 0);
            }
            if seen[w] & bit != 0 {
                continue;
            }
            seen[w] |= bit;
            let rep = if c != s.ordinal && scored(c, s.score) {
                ScoredChunk {
                    ordinal: c,
                    score: s.score,
                }
            } else {
                *s
            };
            canons.push(c);
            first.push(i);
            reps.push(rep);
            if reps.len() == limit {
                boundary = Some(s.score);
            }
        }
        let walked = reps.clone();
        crate::order::sort_by(&mut reps, better);
        reps.truncate(limit);
        let mut also = Vec::with_capacity(reps.len());
        let mut claimed: Vec<(u32, usize)> = Vec::new();
        for rep in &reps {
            let k = walked.iter().position(|w| w == rep).unwrap_or(0);
            let c = canons[k];
            let mut members = vec![c];
            match self.get(c) {
                Ok(t) => t.members(c, &mut members),
                Err(b) => missing.push(b),
            }
            claimed.extend(members.iter().map(|&m| (m, first[k])));
            let mut a: Vec<u32> = members
                .into_iter()
                .filter(|&m| m != rep.ordinal && in_results(m))
                .collect();
            crate::order::sort_dedup(&mut a);
            also.push(a);
        }
        // A deferred result is settled when a kept set met before it
        // claims it (that set's representative already outranks it);
        // otherwise it may be a set of its own, or its set's best member,
        // and its block is needed after all.
        if missing.is_empty() {
            crate::order::sort(&mut claimed);
            for &(i, o, b) in &deferred {
                let at = claimed.partition_point(|&(m, _)| m < o);
                let settled = claimed[at..]
                    .iter()
                    .take_while(|&&(m, _)| m == o)
                    .any(|&(_, f)| f < i);
                if !settled {
                    missing.push(b);
                }
            }
        }
        if !missing.is_empty() {
            crate::order::sort_dedup(&mut missing);
            return Err(missing);
        }
        Ok((reps, also))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run offsets that overflow when added are malformed, not a panic.
    #[test]
    fn overflowing_runs_are_malformed() {
        for (forward, inverse) in [(1u64, 0u64), (0, 1)] {
            let mut w = crate::codec::Writer::new();
            for n in [forward, inverse] {
                w.varint(n);
                for _ in 0..n {
                    w.varint(u64::MAX); // offset from the previous run
                    w.varint(1);
                    w.varint(u64::MAX); // zigzag: the most negative step
                }
            }
            // Block 1: runs are offsets from ordinal 64.
            assert!(TwinBlock::decode(&w.buf, 1, 64, 128).is_err());
        }
    }

    fn chunk(version: &str, rank: u32, doc: &str, text: &str) -> ChunkInput {
        ChunkInput {
            id: format!("{version}/{doc}/{text}"),
            title: doc.into(),
            vendor: "v".into(),
            product: "p".into(),
            version: version.into(),
            version_rank: rank,
            doc_set: "s".into(),
            document: doc.into(),
            text: text.into(),
            ..ChunkInput::default()
        }
    }

    /// Twin sets by their definition, every field of every chunk compared:
    /// the reference for [`Twins::find`], which groups only the chunks
    /// whose passage repeats.
    fn by_definition(chunks: &[ChunkInput]) -> Vec<u32> {
        let mut sets: std::collections::HashMap<_, Vec<u32>> = Default::default();
        for (o, c) in (0u32..).zip(chunks) {
            let key = (&c.vendor, &c.product, &c.doc_set, &c.document, c.passage());
            sets.entry(key).or_default().push(o);
        }
        let mut canon: Vec<u32> = (0..chunks.len() as u32).collect();
        for members in sets.values() {
            let c = |o: u32| &chunks[o as usize];
            let versions: std::collections::HashSet<&str> =
                members.iter().map(|&o| c(o).version.as_str()).collect();
            if members.len() > 1 && versions.len() == members.len() {
                let rep = *members
                    .iter()
                    .min_by_key(|&&o| (c(o).version_rank, o))
                    .unwrap();
                for &o in members {
                    canon[o as usize] = rep;
                }
            }
        }
        canon
    }

    /// [`Twins::find`] with each chunk's first passage found as the build
    /// finds it, checked against [`by_definition`].
    fn find(chunks: &[ChunkInput]) -> Twins {
        let mut seen: std::collections::HashMap<_, u32> = Default::default();
        let first: Vec<u32> = (0u32..)
            .zip(chunks)
            .map(|(o, c)| *seen.entry(c.passage()).or_insert(o))
            .collect();
        let t = Twins::find(chunks, &first);
        let canon: Vec<u32> = (0..chunks.len() as u32).map(|o| t.canonical(o)).collect();
        assert_eq!(canon, by_definition(chunks));
        t
    }

    fn blocks(t: &Twins, n: u32, block: u32) -> TwinBlocks {
        // An index without twins has no twin blocks.
        let payloads = t.encode_blocks(n, block);
        let mut b = TwinBlocks::new(block, payloads.len());
        for (k, p) in payloads.iter().enumerate() {
            b.blocks[k] = Some(TwinBlock::decode(p, k as u32, block, n).unwrap());
        }
        b
    }

    #[test]
    fn identical_passages_of_other_versions_map_to_the_current_one() {
        // Ordinal order: version 1.0 (rank 1) first, then 2.0 (current).
        let chunks = vec![
            chunk("1.0", 1, "a", "alpha"),
            chunk("1.0", 1, "a", "beta"),
            chunk("1.0", 1, "a", "old gamma"),
            chunk("1.0", 1, "a", "same"),
            chunk("1.0", 1, "a", "same"),
            chunk("2.0", 0, "a", "alpha"),
            chunk("2.0", 0, "a", "beta"),
            chunk("2.0", 0, "a", "new gamma"),
            chunk("2.0", 0, "a", "same"),
            chunk("2.0", 0, "b", "alpha"),
        ];
        let t = find(&chunks);
        let canon: Vec<u32> = (0..chunks.len() as u32).map(|o| t.canonical(o)).collect();
        // alpha and beta of 1.0 are one run onto 2.0; "same" appears twice
        // in 1.0 and is left alone; document b is another document.
        assert_eq!(canon, vec![5, 6, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(t.runs().len(), 1);
        for block in [1, 3, 4, 100] {
            let b = blocks(&t, 10, block);
            for o in 0..10 {
                let got = b.get(o).unwrap().canonical(o);
                assert_eq!(got, canon[o as usize], "block {block} ordinal {o}");
            }
            let mut m = Vec::new();
            b.get(5).unwrap().members(5, &mut m);
            assert_eq!(m, vec![0], "block {block}");
        }
        // A block of another index, or a cut one, is rejected.
        let p = t.encode_blocks(10, 4);
        assert!(TwinBlock::decode(&p[0], 0, 4, 3).is_err());
        assert!(TwinBlock::decode(&p[1], 0, 4, 10).is_err());
        assert!(TwinBlock::decode(&p[0][..p[0].len() - 1], 0, 4, 10).is_err());
        assert!(TwinBlock::decode(&[1, 0, 0, 0, 0], 0, 4, 10).is_err());
    }

    fn s(ordinal: u32, score: f32) -> ScoredChunk {
        ScoredChunk { ordinal, score }
    }

    fn best_first(mut v: Vec<ScoredChunk>) -> Vec<ScoredChunk> {
        v.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.ordinal.cmp(&b.ordinal)));
        v
    }

    #[test]
    fn top_keeps_the_best_of_each_set_and_prefers_the_canonical_on_ties() {
        let t = Twins::from_canon(vec![5, 6, 2, 3, 4, 5, 6, 7]);
        let b = blocks(&t, 8, 4);
        let results = best_first(vec![s(0, 1.0), s(5, 1.0), s(1, 0.9), s(6, 0.5), s(3, 0.7)]);
        let (hits, also) = b.top(&results, 10, &|_| 0).unwrap();
        assert_eq!(hits, vec![s(5, 1.0), s(1, 0.9), s(3, 0.7)]);
        assert_eq!(also, vec![vec![0], vec![6], vec![]]);
        let (hits, also) = b.top(&results, 2, &|_| 0).unwrap();
        assert_eq!((hits.len(), also.len()), (2, 2));
        // Without sets: plain ranking.
        let none = TwinBlocks::default();
        let (hits, also) = none
            .top(
                &best_first(vec![s(2, 0.1), s(1, 0.1), s(0, 0.3)]),
                2,
                &|_| 0,
            )
            .unwrap();
        assert_eq!(hits, vec![s(0, 0.3), s(1, 0.1)]);
        assert_eq!(also, vec![Vec::<u32>::new(); 2]);
    }

    #[test]
    fn top_names_the_blocks_it_still_needs() {
        let t = Twins::from_canon(vec![5, 6, 2, 3, 4, 5, 6, 7]);
        let all = blocks(&t, 8, 4);
        let mut part = all.clone();
        part.blocks[1] = None;
        // Result 0 is in block 0, its canonical 5 in block 1.
        let results = best_first(vec![s(0, 1.0), s(2, 0.5)]);
        assert_eq!(part.top(&results, 1, &|_| 0), Err(vec![1]));
        assert_eq!(all.top(&results, 1, &|_| 0).unwrap().0, vec![s(0, 1.0)]);
    }

    /// The fold over blocks equals a fold over the whole canonical table:
    /// one result per set (its best member, the canonical on a tie), sets
    /// ranked by that member, the other members listed.
    fn reference(
        canon: &[u32],
        results: &[ScoredChunk],
        limit: usize,
    ) -> (Vec<ScoredChunk>, Vec<Vec<u32>>) {
        let mut best: std::collections::BTreeMap<u32, ScoredChunk> = Default::default();
        for r in results {
            let c = canon[r.ordinal as usize];
            let e = best.entry(c).or_insert(*r);
            let wins = r.score > e.score
                || (r.score == e.score
                    && (r.ordinal == c || (e.ordinal != c && r.ordinal < e.ordinal)));
            if wins {
                *e = *r;
            }
        }
        let reps = best_first(best.values().copied().collect());
        let reps: Vec<ScoredChunk> = reps.into_iter().take(limit).collect();
        let also = reps
            .iter()
            .map(|h| {
                let c = canon[h.ordinal as usize];
                let mut a: Vec<u32> = results
                    .iter()
                    .map(|r| r.ordinal)
                    .filter(|&o| canon[o as usize] == c && o != h.ordinal)
                    .collect();
                a.sort_unstable();
                a
            })
            .collect();
        (reps, also)
    }

    /// Folds with blocks added as `top` asks for them, from none, as a
    /// browser or `/mcp` does; also returns the blocks it asked for.
    fn fold_on_demand(
        all: &TwinBlocks,
        results: &[ScoredChunk],
        limit: usize,
        group: &dyn Fn(u32) -> u32,
    ) -> (Folded, usize) {
        let mut part = all.clone();
        for b in &mut part.blocks {
            *b = None;
        }
        let mut asked = 0;
        loop {
            match part.top(results, limit, group) {
                Ok(f) => return (f, asked),
                Err(need) => {
                    assert!(!need.is_empty());
                    for b in need {
                        // Every round asks only for blocks not yet added.
                        assert!(part.blocks[b as usize].is_none(), "block {b} asked twice");
                        part.blocks[b as usize] = all.blocks[b as usize].clone();
                        asked += 1;
                    }
                }
            }
        }
    }

    /// Many copies of a product tie on every passage: the fold asks for the
    /// blocks of the copies it keeps, not of every tied result.
    #[test]
    fn tied_copies_of_a_product_do_not_ask_for_every_block() {
        let (copies, versions, per) = (12u32, 3u32, 4u32);
        let mut chunks = Vec::new();
        for p in 0..copies {
            for v in 0..versions {
                for i in 0..per {
                    let mut c = chunk(&format!("{v}.0"), versions - v, "a", &format!("p{i}"));
                    c.product = format!("p{p:02}");
                    chunks.push(c);
                }
            }
        }
        let t = find(&chunks);
        let n = chunks.len() as u32;
        let canon: Vec<u32> = (0..n).map(|o| t.canonical(o)).collect();
        let all = blocks(&t, n, per);
        let span = versions * per;
        let group = |o: u32| o / span * span;
        // Passage 0 of every version of every copy, all with one score.
        let results: Vec<ScoredChunk> =
            (0..n).filter(|o| o % per == 0).map(|o| s(o, 1.0)).collect();
        let (got, asked) = fold_on_demand(&all, &results, 3, &group);
        assert_eq!(got, reference(&canon, &results, 3));
        // Three kept sets, each found through one block per version at most.
        assert!(asked <= (3 * versions) as usize, "asked for {asked} blocks");
        let (_, flat) = fold_on_demand(&all, &results, 3, &|_| 0);
        assert!(asked < flat, "{asked} vs {flat} without groups");
    }

    proptest::proptest! {
        #[test]
        fn blocks_fold_like_the_whole_table(
            products in 1usize..4,
            versions in 1usize..4,
            per in 1usize..12,
            same in proptest::collection::vec(proptest::bool::ANY, 12),
            picks in proptest::collection::vec((0usize..144, 0u8..4), 0..40),
            block in 1u32..20,
            limit in 0usize..6,
        ) {
            // `products` copies of a product with `versions` copies of a
            // document of `per` chunks; chunk i is the same in every
            // version when same[i]; the last version is current.
            let mut chunks = Vec::new();
            for p in 0..products {
                for v in 0..versions {
                    for (i, &same) in same.iter().enumerate().take(per) {
                        let text = if same { format!("p{i}") } else { format!("v{v} p{i}") };
                        let mut c = chunk(&format!("{v}.0"), (versions - v) as u32, "a", &text);
                        c.product = format!("p{p}");
                        chunks.push(c);
                    }
                }
            }
            let t = find(&chunks);
            let n = chunks.len() as u32;
            let canon: Vec<u32> = (0..n).map(|o| t.canonical(o)).collect();
            let mut results: Vec<ScoredChunk> = Vec::new();
            for (o, sc) in picks {
                let o = (o % n as usize) as u32;
                if !results.iter().any(|r| r.ordinal == o) {
                    results.push(s(o, f32::from(sc)));
                }
            }
            let results = best_first(results);
            let all = blocks(&t, n, block);
            let got = all.top(&results, limit, &|_| 0).unwrap();
            proptest::prop_assert_eq!(&got, &reference(&canon, &results, limit));
            // Blocks added only as asked for give the same answer, with
            // products as groups and with one group for all.
            let span = (versions * per) as u32;
            let by_product = move |o: u32| o / span * span;
            let (asked, _) = fold_on_demand(&all, &results, limit, &by_product);
            proptest::prop_assert_eq!(&asked, &got);
            let (asked, _) = fold_on_demand(&all, &results, limit, &|_| 0);
            proptest::prop_assert_eq!(&asked, &got);
            // Twin blocks round trip: a block decodes to what was written.
            for (k, p) in t.encode_blocks(n, block).iter().enumerate() {
                let b = TwinBlock::decode(p, k as u32, block, n).unwrap();
                for o in (k as u32 * block)..((k as u32 + 1) * block).min(n) {
                    proptest::prop_assert_eq!(b.canonical(o), canon[o as usize]);
                }
            }
        }
    }
}
