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
use crate::result::ScoredChunk;

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
    /// Twin sets of `chunks` (in ordinal order).
    pub(crate) fn find(chunks: &[ChunkInput]) -> Twins {
        type Key<'a> = (
            &'a str,
            &'a str,
            &'a str,
            &'a str,
            &'a str,
            &'a [String],
            &'a str,
        );
        let mut sets: FastMap<Key<'_>, Vec<u32>> = FastMap::default();
        for (o, c) in chunks.iter().enumerate() {
            let key = (
                c.vendor.as_str(),
                c.product.as_str(),
                c.doc_set.as_str(),
                c.document.as_str(),
                c.title.as_str(),
                c.breadcrumb.as_slice(),
                c.text.as_str(),
            );
            sets.entry(key).or_default().push(o as u32);
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

    pub(crate) fn is_empty(&self) -> bool {
        self.canon.is_empty()
    }

    /// The canonical member of `o`'s twin set (`o` itself when it is the
    /// canonical one or has no twins).
    pub(crate) fn canonical(&self, o: u32) -> u32 {
        self.canon.get(o as usize).copied().unwrap_or(o)
    }

    /// The best `limit` results, best first, keeping one
    /// chunk per twin set; with each, the other members of its set among
    /// `results` (ascending); and the number of results kept. Best: higher
    /// score, then lower ordinal; within a set, the canonical member wins
    /// a tie.
    pub(crate) fn top(
        &self,
        mut results: Vec<ScoredChunk>,
        limit: usize,
    ) -> (Vec<ScoredChunk>, Vec<Vec<u32>>, u32) {
        let better = |a: &ScoredChunk, b: &ScoredChunk| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.ordinal.cmp(&b.ordinal))
        };
        let all = results.len();
        let mut reps = if self.canon.is_empty() {
            std::mem::take(&mut results)
        } else {
            // One representative per set: slot[canonical] is its place.
            let mut slot = vec![u32::MAX; self.canon.len()];
            let mut reps: Vec<ScoredChunk> = Vec::with_capacity(all);
            for s in &results {
                let c = self.canonical(s.ordinal);
                match slot[c as usize] {
                    u32::MAX => {
                        slot[c as usize] = reps.len() as u32;
                        reps.push(*s);
                    }
                    i => {
                        let best = &mut reps[i as usize];
                        let wins = s.score > best.score
                            || (s.score == best.score
                                && (s.ordinal == c
                                    || (best.ordinal != c && s.ordinal < best.ordinal)));
                        if wins {
                            *best = *s;
                        }
                    }
                }
            }
            reps
        };
        let total = reps.len() as u32;
        // Only the first `limit` need ordering.
        if limit > 0 && reps.len() > limit {
            reps.select_nth_unstable_by(limit - 1, better);
        }
        reps.truncate(limit);
        reps.sort_by(better);
        let mut also = vec![Vec::new(); reps.len()];
        if !self.canon.is_empty() {
            let at: FastMap<u32, usize> = reps
                .iter()
                .enumerate()
                .map(|(i, s)| (self.canonical(s.ordinal), i))
                .collect();
            for s in &results {
                if let Some(&i) = at.get(&self.canonical(s.ordinal)) {
                    if s.ordinal != reps[i].ordinal {
                        also[i].push(s.ordinal);
                    }
                }
            }
            for a in &mut also {
                a.sort_unstable();
            }
        }
        (reps, also, total)
    }

    /// Payload of the manifest's twins section.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let runs = self.runs();
        let mut w = Writer::new();
        w.varint(runs.len() as u64);
        let mut end = 0u32;
        for r in &runs {
            w.varint(u64::from(r.start - end));
            w.varint(u64::from(r.len));
            let delta = i64::from(r.canonical) - i64::from(r.start);
            w.varint(((delta << 1) ^ (delta >> 63)) as u64);
            end = r.start + r.len;
        }
        w.buf
    }

    /// Reads [`Twins::encode`]'s payload for an index of `chunk_count` chunks.
    pub(crate) fn decode(body: &[u8], chunk_count: u32) -> Result<Twins, FormatError> {
        let bad = || FormatError::Malformed("twin runs out of range");
        let mut r = Reader::new(body);
        let n = r.count(3)?;
        let mut canon: Vec<u32> = (0..chunk_count).collect();
        let mut end = 0u64;
        for _ in 0..n {
            let start = end + r.varint()?;
            let len = r.varint()?;
            let z = r.varint()?;
            let delta = (z >> 1) as i64 ^ -((z & 1) as i64);
            let canonical = i64::try_from(start).map_err(|_| bad())? + delta;
            let fits = |a: i64| a >= 0 && a as u64 + len <= u64::from(chunk_count);
            if len == 0 || !fits(start as i64) || !fits(canonical) {
                return Err(bad());
            }
            for i in 0..len as u32 {
                canon[start as usize + i as usize] = canonical as u32 + i;
            }
            end = start + len;
        }
        Ok(Twins::from_canon(canon))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let t = Twins::find(&chunks);
        let canon: Vec<u32> = (0..chunks.len() as u32).map(|o| t.canonical(o)).collect();
        // alpha and beta of 1.0 are one run onto 2.0; "same" appears twice
        // in 1.0 and is left alone; document b is another document.
        assert_eq!(canon, vec![5, 6, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(t.runs().len(), 1);
        let back = Twins::decode(&t.encode(), chunks.len() as u32).unwrap();
        assert_eq!(back, t);
        assert!(Twins::decode(&t.encode(), 6).is_err());
        assert!(Twins::decode(&[1, 0, 0, 0], 10).is_err());
    }

    #[test]
    fn top_keeps_the_best_of_each_set_and_prefers_the_canonical_on_ties() {
        let t = Twins::from_canon(vec![5, 6, 2, 3, 4, 5, 6, 7]);
        let s = |ordinal, score| ScoredChunk { ordinal, score };
        let results = vec![s(0, 1.0), s(5, 1.0), s(1, 0.9), s(6, 0.5), s(3, 0.7)];
        let (hits, also, total) = t.top(results.clone(), 10);
        assert_eq!(hits, vec![s(5, 1.0), s(1, 0.9), s(3, 0.7)]);
        assert_eq!(also, vec![vec![0], vec![6], vec![]]);
        assert_eq!(total, 3);
        let (hits, also, total) = t.top(results, 2);
        assert_eq!((hits.len(), also.len(), total), (2, 2, 3));
        // Without sets: plain ranking.
        let (hits, also, total) = Twins::default().top(vec![s(2, 0.1), s(1, 0.1), s(0, 0.3)], 2);
        assert_eq!((hits, total), (vec![s(0, 0.3), s(1, 0.1)], 3));
        assert_eq!(also, vec![Vec::<u32>::new(); 2]);
    }
}
