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

    /// Ordinal ranges of the copies (members other than the canonical
    /// one) in block `k`, ascending; `None` while the block is not added.
    pub(crate) fn copies_in(&self, k: usize) -> Option<Vec<std::ops::Range<u32>>> {
        let b = self.blocks.get(k)?.as_ref()?;
        Some(b.forward.iter().map(|r| r.start..r.start + r.len).collect())
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
#[path = "twins_tests.rs"]
mod tests;
