//! Rank: score the chunks that match, within the filters, blend in the
//! semantic scores, fold passages shared by versions and count facets.

use std::collections::{BTreeMap, HashSet};

use super::semantic::fuse;
use super::Index;
use crate::error::{FormatError, SearchError};
use crate::layout::{position_shard_path, term_shard_path};
use crate::manifest::LEVELS;
use crate::prior::{asks_for_changes, CHANGES_PRIOR};
use crate::query::Query;
use crate::result::{FacetCounts, ScoredChunk, SearchResult};
use crate::shard::impact_value;

impl Index {
    /// Allowed ordinal ranges for the filters (any of their
    /// alternatives); `None` means everything.
    pub(super) fn allowed(&self, q: &Query) -> Option<Vec<(u32, u32)>> {
        let set = &q.filters;
        if set.is_everything() {
            return None;
        }
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for d in 0..self.doc_starts.len() - 1 {
            let names = self.facet_names(d as u32);
            let key = self.documents.as_ref().map(|docs| docs[d].0.as_str());
            if set.alternatives().iter().any(|f| f.admits(names, key)) {
                let (s, e) = (self.doc_starts[d], self.doc_starts[d + 1]);
                match ranges.last_mut() {
                    Some(last) if last.1 == s => last.1 = e,
                    _ => ranges.push((s, e)),
                }
            }
        }
        Some(ranges)
    }

    pub(super) fn idf(&self, df: u32) -> f32 {
        let n = self.chunk_count() as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// One bit per chunk, set for the ordinals in `ranges` (`start..end`).
    pub(super) fn bitset(&self, ranges: impl IntoIterator<Item = (u32, u32)>) -> Vec<u64> {
        let mut bits = vec![0u64; (self.chunk_count() as usize).div_ceil(64)];
        for (a, b) in ranges {
            for o in a..b.min(self.chunk_count()) {
                bits[o as usize / 64] |= 1 << (o % 64);
            }
        }
        bits
    }

    /// Run a query. Every file of [`Index::plan`] must have been added.
    pub fn search(&self, query: &Query) -> Result<SearchResult, SearchError> {
        self.search_collecting(query, None)
    }

    /// [`Index::search`] and [`Index::matched_terms`] of one query, with
    /// the query's terms looked up and expanded once for both.
    pub fn search_with_terms(
        &self,
        query: &Query,
    ) -> Result<(SearchResult, HashSet<String>), SearchError> {
        let mut terms = HashSet::new();
        let r = self.search_collecting(query, Some(&mut terms))?;
        Ok((r, terms))
    }

    pub(super) fn search_collecting(
        &self,
        query: &Query,
        terms: Option<&mut HashSet<String>>,
    ) -> Result<SearchResult, SearchError> {
        let a = self.analyze(query);
        let missing = self.plan_analyzed(query, &a);
        if !missing.is_empty() {
            return Err(SearchError::NotLoaded(missing));
        }
        let groups = self.expand(&a);
        if let Some(set) = terms {
            set.extend(groups.iter().flatten().map(|s| s.postings.term.clone()));
        }
        // One bit per chunk: a posting's filter check is then a load, not
        // a binary search over the allowed ranges.
        let allowed = self.allowed(query).map(|ranges| self.bitset(ranges));
        let ok = |o: u32| allowed.as_ref().is_none_or(|bits| bit(bits, o));
        let k1 = self.m.settings.ranking.k1;
        let n = self.chunk_count() as usize;
        // Buffers of this thread's earlier searches, all zero (see
        // [`Scratch`]); on an early return they are dropped, not put back.
        let mut scratch = SCRATCH.take();
        scratch.fit(n);
        let Scratch {
            scores,
            local,
            touched,
            local_touched,
        } = &mut scratch;
        for group in &groups {
            // Within a clause the best alternative counts, so a chunk is not
            // rewarded for matching several spellings of one word.
            for s in group {
                let idf = self.idf(s.postings.df()) * s.weight;
                for (&o, &imp) in s.postings.ords.iter().zip(&s.postings.impacts) {
                    if !ok(o) {
                        continue;
                    }
                    let v = idf * impact_value(imp, k1);
                    let l = &mut local[o as usize];
                    if *l == 0.0 {
                        local_touched.push(o);
                    }
                    if v > *l {
                        *l = v;
                    }
                }
            }
            for &o in local_touched.iter() {
                let s = &mut scores[o as usize];
                if *s == 0.0 {
                    touched.push(o);
                }
                *s += local[o as usize];
                local[o as usize] = 0.0;
            }
            local_touched.clear();
        }
        // Phrases are required.
        let mut required: Option<Vec<u32>> = None;
        for ph in &a.phrases {
            let docs = self.phrase_matches(ph)?;
            required = Some(match required {
                None => docs,
                Some(r) => intersect_sorted(&r, &docs),
            });
        }
        // Quoted phrases that match nothing (within the filters) are
        // relaxed to their words, so the query still finds something.
        let phrases_relaxed = required
            .as_ref()
            .is_some_and(|r| !r.iter().any(|&o| ok(o) && scores[o as usize] > 0.0));
        let required = required
            .filter(|_| !phrases_relaxed)
            .map(|r| self.bitset(r.iter().map(|&o| (o, o + 1))));
        let is_required = |o: u32| required.as_ref().is_none_or(|r| bit(r, o));
        let mut results: Vec<ScoredChunk> = touched
            .iter()
            .filter(|&&o| is_required(o))
            .map(|&o| ScoredChunk {
                ordinal: o,
                score: scores[o as usize],
            })
            .filter(|s| s.score > 0.0)
            .collect();
        scratch.reset();
        SCRATCH.set(scratch);
        if let Some(sem) = self.semantic_candidates(query, &|o| ok(o) && is_required(o)) {
            results = fuse(results, &sem, self.semantic_weight(query));
        }
        if !self.m.changes.is_empty() && !asks_for_changes(query) {
            for r in &mut results {
                if self
                    .document_of(r.ordinal)
                    .is_some_and(|d| self.m.changes.contains(d))
                {
                    r.score *= CHANGES_PRIOR;
                }
            }
        }
        let facets = self.count_facets(results.iter().map(|s| s.ordinal));
        let (hits, also, total) = self.m.twins.top(results, query.limit);
        Ok(SearchResult {
            hits,
            also,
            total,
            facets,
            phrases_relaxed,
        })
    }

    /// Chunks (sorted ordinals) where the phrase's terms occur at their
    /// relative positions in one field.
    pub(super) fn phrase_matches(&self, ph: &[(String, u32)]) -> Result<Vec<u32>, SearchError> {
        let mut lists = Vec::with_capacity(ph.len());
        for (t, _) in ph {
            match self.lookup(t) {
                Ok(Some(p)) => lists.push(p),
                Ok(None) => return Ok(Vec::new()),
                Err(s) => return Err(SearchError::NotLoaded(vec![term_shard_path(s)])),
            }
        }
        // Candidates: chunks holding every term.
        let mut cand: Vec<u32> = lists[0].ords.clone();
        for l in &lists[1..] {
            cand = intersect_sorted(&cand, &l.ords);
        }
        if ph.len() == 1 || cand.is_empty() {
            return Ok(cand);
        }
        // Positions of each term in each candidate, flat: candidate k's
        // field f is `pos[bounds[k][f]..bounds[k][f + 1]]`.
        let mut per_term: Vec<(Vec<u32>, Vec<[u32; 4]>)> = Vec::with_capacity(ph.len());
        for ((t, _), l) in ph.iter().zip(&lists) {
            let s = self.shard_of(t).unwrap_or(0);
            let (Some(shard), Some(pshard)) = (&self.terms[s], &self.positions[s]) else {
                return Err(SearchError::NotLoaded(vec![position_shard_path(s)]));
            };
            let ti = shard.index_of(t).unwrap_or(0);
            if pshard.term_count() != shard.terms.len() || pshard.df(ti) != Some(l.df()) {
                return Err(
                    FormatError::Malformed("position shard does not match term shard").into(),
                );
            }
            let mut pos = Vec::new();
            let mut bounds = Vec::with_capacity(cand.len());
            // Postings and candidates are both in ordinal order.
            let mut next = 0;
            let is_candidate = |i: usize| {
                while next < cand.len() && cand[next] < l.ords[i] {
                    next += 1;
                }
                cand.get(next) == Some(&l.ords[i])
            };
            pshard.for_each_where(ti, is_candidate, |_, fp| {
                let mut b = [pos.len() as u32; 4];
                for (f, list) in fp.iter().enumerate() {
                    pos.extend_from_slice(list);
                    b[f + 1] = pos.len() as u32;
                }
                bounds.push(b);
            })?;
            if bounds.len() != cand.len() {
                return Err(FormatError::Malformed("postings out of order").into());
            }
            per_term.push((pos, bounds));
        }
        let field = |t: usize, k: usize, f: usize| {
            let (pos, bounds) = &per_term[t];
            &pos[bounds[k][f] as usize..bounds[k][f + 1] as usize]
        };
        let mut out = Vec::new();
        for (k, &o) in cand.iter().enumerate() {
            let hit = (0..3).any(|f| {
                field(0, k, f).iter().any(|&p0| {
                    ph.iter().enumerate().skip(1).all(|(t, (_, rel))| {
                        field(t, k, f)
                            .binary_search(&p0.saturating_add(*rel))
                            .is_ok()
                    })
                })
            });
            if hit {
                out.push(o);
            }
        }
        Ok(out)
    }

    pub(super) fn count_facets(&self, ords: impl Iterator<Item = u32>) -> FacetCounts {
        let mut counts = vec![0u32; self.doc_starts.len().saturating_sub(1)];
        for o in ords {
            if let Some(d) = self.document_of(o) {
                counts[d as usize] += 1;
            }
        }
        let per_doc: Vec<(u32, u32)> = (0u32..).zip(counts).filter(|&(_, c)| c > 0).collect();
        let f = &self.m.facets;
        let mut by_name: [BTreeMap<&str, u32>; LEVELS] = Default::default();
        for &(d, c) in &per_doc {
            let mut node = self.doc_parent[d as usize] as usize;
            for l in (0..LEVELS).rev() {
                let name = f.names[l][f.nodes[l][node].0 as usize].as_str();
                *by_name[l].entry(name).or_default() += c;
                if l > 0 {
                    node = self.parents[l][node] as usize;
                }
            }
        }
        let sorted = |m: &BTreeMap<&str, u32>| {
            let mut v: Vec<(String, u32)> = m.iter().map(|(k, &c)| (k.to_string(), c)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        let mut document = per_doc;
        document.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        FacetCounts {
            vendor: sorted(&by_name[0]),
            product: sorted(&by_name[1]),
            version: sorted(&by_name[2]),
            doc_set: sorted(&by_name[3]),
            document,
        }
    }
}

/// Per-chunk score buffers kept between searches on one thread: filling two
/// arrays the size of the index with zeros for every query cost more than
/// ranking a short one. Between searches every entry is zero; a search
/// resets only the entries it touched.
#[derive(Default)]
struct Scratch {
    scores: Vec<f32>,
    local: Vec<f32>,
    touched: Vec<u32>,
    local_touched: Vec<u32>,
}

impl Scratch {
    /// At least `n` entries (an index of another size may have used them).
    pub(super) fn fit(&mut self, n: usize) {
        if self.scores.len() < n {
            self.scores.resize(n, 0.0);
            self.local.resize(n, 0.0);
        }
    }

    /// Back to all zeros. `local` is reset per clause as it is used.
    pub(super) fn reset(&mut self) {
        for &o in &self.touched {
            self.scores[o as usize] = 0.0;
        }
        self.touched.clear();
        debug_assert!(self.local_touched.is_empty());
    }
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

/// Whether `o` is set in a [`Index::bitset`].
fn bit(bits: &[u64], o: u32) -> bool {
    bits.get(o as usize / 64)
        .is_some_and(|w| w >> (o % 64) & 1 == 1)
}

/// Intersection of two ascending lists.
fn intersect_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}
