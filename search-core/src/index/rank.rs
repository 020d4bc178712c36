//! Rank: score the chunks that match, within the filters, blend in the
//! semantic scores, fold passages shared by versions and count facets.

use crate::order::TermSet;

use super::analyze::Analysis;
use super::semantic::fuse;
use super::Index;
use crate::error::{FormatError, SearchError};
use crate::layout::{doc_block_path, position_shard_path, twin_block_path};
use crate::manifest::LEVELS;
use crate::names::{NAMED_PRIOR, NAME_SHARE, NAMING_WEIGHT};
use crate::prior::{asks_for_changes, CHANGES_PRIOR};
use crate::query::Query;
use crate::result::{FacetCounts, ScoredChunk, SearchResult};
use crate::shard::impact_value;

/// What a query names: the chunk ranges of the products it names (empty
/// when none, or when they cover the library) and, per named version, its
/// product's range and its own.
#[derive(Debug, Default)]
pub(super) struct Named {
    products: Vec<(u32, u32)>,
    versions: Vec<((u32, u32), (u32, u32))>,
}

impl Named {
    fn is_empty(&self) -> bool {
        self.products.is_empty() && self.versions.is_empty()
    }

    /// Whether chunk `o` lies outside what the query names: in a product it
    /// does not name, or in another version of a product whose version it
    /// names.
    fn outside(&self, o: u32) -> bool {
        let within = |r: &(u32, u32)| (r.0..r.1).contains(&o);
        if !self.products.is_empty() && !self.products.iter().any(within) {
            return true;
        }
        let mut product = false;
        for (p, v) in &self.versions {
            if within(p) {
                if within(v) {
                    return false;
                }
                product = true;
            }
        }
        product
    }
}

impl Index {
    /// Products and versions the query names (see [`crate::names`]). The
    /// naming words weigh [`NAMING_WEIGHT`] when the query has other
    /// content words. The one-word names' postings are loaded: they are
    /// query terms.
    pub(super) fn named(&self, a: &mut Analysis) -> Named {
        let mut named = Named::default();
        let mut nodes: Vec<usize> = Vec::new();
        let mut naming: Vec<usize> = Vec::new();
        let clause = |term: &str| {
            a.clauses
                .iter()
                .position(|c| c.weight >= 1.0 && !c.term.is_empty() && c.term == term)
        };
        for n in &self.names {
            let (lo, hi) = self.ranges[1][n.product];
            let found: Vec<usize> = n.terms.iter().filter_map(|t| clause(t)).collect();
            if found.len() < n.terms.len() || hi <= lo {
                continue;
            }
            let counts = match n.terms.as_slice() {
                [one] => match self.lookup(one) {
                    Ok(Some(p)) => {
                        let o = &p.ords;
                        let inside =
                            o.partition_point(|&x| x < hi) - o.partition_point(|&x| x < lo);
                        inside as f32 >= NAME_SHARE * o.len() as f32
                    }
                    Ok(None) => true,
                    Err(_) => false,
                },
                _ => true,
            };
            if counts {
                if !nodes.contains(&n.product) {
                    nodes.push(n.product);
                    named.products.push((lo, hi));
                }
                naming.extend(found);
            }
        }
        // Naming every product (a library of one) scopes nothing: those
        // words rank as before.
        let covered: u64 = named.products.iter().map(|r| u64::from(r.1 - r.0)).sum();
        if covered >= u64::from(self.chunk_count()) {
            named.products.clear();
            naming.clear();
        }
        // A version is named with its product, or alone when no other
        // product has a version of that id.
        for v in &self.version_names {
            if let Some(i) = clause(&v.term) {
                if v.unique || nodes.contains(&v.product) {
                    named
                        .versions
                        .push((self.ranges[1][v.product], self.ranges[2][v.version]));
                    naming.push(i);
                }
            }
        }
        let others = a
            .clauses
            .iter()
            .enumerate()
            .any(|(i, c)| c.weight >= 1.0 && !c.term.is_empty() && !naming.contains(&i));
        if others {
            for i in naming {
                a.clauses[i].weight = a.clauses[i].weight.min(NAMING_WEIGHT);
            }
        }
        named
    }

    /// Allowed ordinal ranges for the filters (any of their
    /// alternatives); `None` means everything. Doc sets are resolved from
    /// the manifest; a filter that names documents reads the document
    /// blocks of the doc sets it admits ([`Index::filter_doc_blocks`]).
    pub(super) fn allowed(&self, q: &Query) -> Result<Option<Vec<(u32, u32)>>, SearchError> {
        let set = &q.filters;
        if set.is_everything() {
            return Ok(None);
        }
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        let mut push = |s: u32, e: u32| match ranges.last_mut() {
            Some(last) if last.1 == s => last.1 = e,
            _ => ranges.push((s, e)),
        };
        for (leaf, &(lo, hi)) in self.ranges[LEVELS - 1].iter().enumerate() {
            let names = self.leaf_names(leaf);
            let alts: Vec<_> = set
                .alternatives()
                .iter()
                .filter(|f| f.admits_names(names))
                .collect();
            if alts.is_empty() {
                continue;
            }
            if alts.iter().any(|f| f.document.is_empty()) {
                push(lo, hi);
                continue;
            }
            let mut o = lo;
            while o < hi {
                let b = self.doc_block(o).ok_or_else(|| {
                    SearchError::NotLoaded(vec![doc_block_path(
                        (o / self.m.blocks.chunks) as usize,
                    )])
                })?;
                let i = b
                    .local_of(o)
                    .ok_or(FormatError::Malformed("document block misses a chunk"))?;
                let (s, e) = (b.starts[i].max(lo), b.starts[i + 1].min(hi));
                if alts.iter().any(|f| f.document.contains(&b.keys[i])) {
                    push(s, e);
                }
                o = e;
            }
        }
        Ok(Some(ranges))
    }

    /// Document blocks a query's filters need: those of the doc sets an
    /// alternative that names documents admits.
    pub(super) fn filter_doc_blocks(&self, q: &Query) -> Vec<usize> {
        let set = &q.filters;
        let mut out: Vec<usize> = Vec::new();
        if !set.names_documents() {
            return out;
        }
        let b = self.m.blocks.chunks;
        for (leaf, &(lo, hi)) in self.ranges[LEVELS - 1].iter().enumerate() {
            let names = self.leaf_names(leaf);
            let named = set
                .alternatives()
                .iter()
                .any(|f| !f.document.is_empty() && f.admits_names(names));
            if named && hi > lo {
                out.extend((lo / b) as usize..=((hi - 1) / b) as usize);
            }
        }
        out.dedup();
        out
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
    pub fn search_with_terms(&self, query: &Query) -> Result<(SearchResult, TermSet), SearchError> {
        let mut terms = TermSet::new();
        let r = self.search_collecting(query, Some(&mut terms))?;
        Ok((r, terms))
    }

    pub(super) fn search_collecting(
        &self,
        query: &Query,
        terms: Option<&mut TermSet>,
    ) -> Result<SearchResult, SearchError> {
        let r = self.rank_collecting(query, terms)?;
        self.fold(&r, query.limit)
    }

    /// Every result of a query, best first, with its facet counts: what
    /// [`Index::fold`] turns into hits once the twin blocks it names are
    /// added.
    pub(super) fn rank_collecting(
        &self,
        query: &Query,
        terms: Option<&mut TermSet>,
    ) -> Result<Ranking, SearchError> {
        let mut a = self.analyze(query);
        let missing = self.plan_analyzed(query, &a);
        if !missing.is_empty() {
            return Err(SearchError::NotLoaded(missing));
        }
        let named = self.named(&mut a);
        let groups = self.expand(&a);
        if let Some(set) = terms {
            set.extend(groups.iter().flatten().map(|s| s.postings.term.clone()));
        }
        // One bit per chunk: a posting's filter check is then a load, not
        // a binary search over the allowed ranges.
        let allowed = self.allowed(query)?.map(|ranges| self.bitset(ranges));
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
                if self.m.changes.contains(r.ordinal) {
                    r.score *= CHANGES_PRIOR;
                }
            }
        }
        if !named.is_empty() {
            for r in &mut results {
                if named.outside(r.ordinal) {
                    r.score *= NAMED_PRIOR;
                }
            }
        }
        let facets = self.count_facets(results.iter().map(|s| s.ordinal));
        crate::order::sort_ranking(&mut results);
        Ok(Ranking {
            sorted: results,
            facets,
            phrases_relaxed,
        })
    }

    /// The hits of a ranking: the best `limit`, one per passage that is
    /// the same in several versions. `NotLoaded` names the twin blocks
    /// still needed (those of the best results and of their sets).
    pub(super) fn fold(&self, r: &Ranking, limit: usize) -> Result<SearchResult, SearchError> {
        // Sets never span products: a product's first ordinal names its group.
        let products = &self.ranges[1];
        let group = |o: u32| {
            let i = products.partition_point(|r| r.0 <= o);
            i.checked_sub(1).map_or(0, |i| products[i].0)
        };
        let (hits, also) = self.twins.top(&r.sorted, limit, &group).map_err(|blocks| {
            SearchError::NotLoaded(
                blocks
                    .into_iter()
                    .map(|b| twin_block_path(b as usize))
                    .collect(),
            )
        })?;
        Ok(SearchResult {
            hits,
            also,
            total: r.sorted.len() as u32,
            facets: r.facets.clone(),
            phrases_relaxed: r.phrases_relaxed,
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
                Err(m) => return Err(SearchError::NotLoaded(vec![m.path()])),
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
            let s = self.shard_of(t).ok().flatten().unwrap_or(0);
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

    /// Matching chunks per facet value. Vendors, products, versions and
    /// doc sets come from the manifest; documents are counted when the
    /// document blocks of every result are added (always on a server),
    /// otherwise left empty.
    pub(super) fn count_facets(&self, ords: impl Iterator<Item = u32>) -> FacetCounts {
        let leaves = self.ranges[LEVELS - 1].len();
        let mut per_leaf = vec![0u32; leaves];
        let mut per_doc: Option<Vec<u32>> = Some(vec![0; self.document_count() as usize]);
        for o in ords {
            if o >= self.chunk_count() {
                continue;
            }
            per_leaf[self.leaf_of(o)] += 1;
            if let Some(docs) = &mut per_doc {
                match self.document_of(o) {
                    Some(d) => docs[d as usize] += 1,
                    None => per_doc = None,
                }
            }
        }
        // Per level, (name, count) of every leaf in scope, summed by name.
        let mut by_name: [Vec<(&str, u32)>; LEVELS] = Default::default();
        for (leaf, &c) in per_leaf.iter().enumerate() {
            if c == 0 {
                continue;
            }
            for (l, name) in self.leaf_names(leaf).into_iter().enumerate() {
                by_name[l].push((name, c));
            }
        }
        let sorted = |mut m: Vec<(&str, u32)>| {
            crate::order::sort_by(&mut m, |a, b| a.0.cmp(b.0));
            let mut v: Vec<(String, u32)> = Vec::new();
            for (name, c) in m {
                match v.last_mut() {
                    Some(last) if last.0 == name => last.1 += c,
                    _ => v.push((name.to_string(), c)),
                }
            }
            crate::order::sort_by(&mut v, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        let mut document: Vec<(u32, u32)> = (0u32..)
            .zip(per_doc.unwrap_or_default())
            .filter(|&(_, c)| c > 0)
            .collect();
        crate::order::sort_by(&mut document, |a, b| {
            b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0))
        });
        let [vendor, product, version, doc_set] = by_name.map(sorted);
        FacetCounts {
            vendor,
            product,
            version,
            doc_set,
            document,
        }
    }
}

/// Every result of a query, best first (higher score, then lower
/// ordinal), before passages shared by versions are folded.
#[derive(Debug, Clone)]
pub(super) struct Ranking {
    pub(super) sorted: Vec<ScoredChunk>,
    pub(super) facets: FacetCounts,
    pub(super) phrases_relaxed: bool,
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
