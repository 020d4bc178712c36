//! The reader and query engine: open a manifest, plan which files a query
//! needs, add them, search, then build display hits.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::build::{
    fragment_path, impact_value, partition_path, position_shard_path, term_shard_path,
    token_shard_path, DOCUMENTS_PATH, MANIFEST_PATH, MAX_CHUNKS, VOCAB_PATH,
};
use crate::codec::{open, FileKind};
use crate::embed::model::embed_ids;
use crate::embed::vectors::{
    decode_partition, decode_token_shard, Partition, SemanticSettings, TokenShard,
};
use crate::embed::wordpiece::Vocab;
use crate::error::{FormatError, SearchError};
use crate::fragment::{decode_documents, DocumentInfo, Fragment};
use crate::manifest::{Manifest, LEVELS};
use crate::prior::{asks_for_changes, CHANGES_PRIOR};

/// Facet level of versions (vendor 0, product 1, version 2, doc set 3).
const VERSION_LEVEL: usize = 2;
use crate::query::{contraction, is_phrasing_word, Query, QueryShape, PHRASING_WEIGHT};
use crate::shard::{PositionShard, TermPostings, TermShard};
use crate::snippet::{highlight, snippet, Snippet, SNIPPET_CHARS};
use crate::tokenize::Tokenizer;

/// Weight of a prefix expansion of the last word, relative to an exact match.
pub const PREFIX_WEIGHT: f32 = 0.6;
/// Weight of a typo correction, relative to an exact match.
pub const TYPO_WEIGHT: f32 = 0.3;
/// Typo corrections are tried only when the exact term occurs in at most this
/// many chunks.
pub const TYPO_MAX_DF: u32 = 2;
/// Most prefix expansions kept (the most frequent).
pub const MAX_PREFIX_TERMS: usize = 16;
/// Most typo corrections kept (closest, then most frequent).
pub const MAX_TYPO_TERMS: usize = 8;
/// Term shards a prefix may span; beyond that, expansion stops.
pub const MAX_PREFIX_SHARDS: usize = 2;
/// Shortest prefix that is expanded.
pub const MIN_PREFIX_CHARS: usize = 2;

/// A facet level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FacetKind {
    Vendor,
    Product,
    Version,
    DocSet,
    Document,
}

/// One node of the facet tree (vendor, product, version or doc set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetNode {
    pub kind: FacetKind,
    pub value: String,
    /// Index of the parent node in [`Facets::tree`].
    pub parent: Option<usize>,
    /// Chunk ordinals covered: `start..end`.
    pub start: u32,
    pub end: u32,
}

/// All facet values of the index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facets {
    pub vendor: Vec<String>,
    pub product: Vec<String>,
    pub version: Vec<String>,
    pub doc_set: Vec<String>,
    /// Vendors, then products, versions and doc sets, each pointing to its parent.
    pub tree: Vec<FacetNode>,
    /// Documents in ordinal order; empty until `docs.bin` is added.
    pub documents: Vec<DocumentInfo>,
}

/// Number of matching chunks per facet value, sorted by count (descending).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FacetCounts {
    pub vendor: Vec<(String, u32)>,
    pub product: Vec<(String, u32)>,
    pub version: Vec<(String, u32)>,
    pub doc_set: Vec<(String, u32)>,
    /// (document index, count); see [`Index::document`] for names.
    pub document: Vec<(u32, u32)>,
}

/// Ordinals and quantised impacts of one term, see [`Index::postings`].
pub type PostingsView<'a> = (&'a [u32], &'a [u8]);

/// A ranked chunk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredChunk {
    pub ordinal: u32,
    pub score: f32,
}

/// Result of [`Index::search`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResult {
    /// Best first, at most `query.limit`.
    pub hits: Vec<ScoredChunk>,
    /// Per hit, the matching chunks with the same text in other versions
    /// of the document (ascending ordinals): they are not hits of their
    /// own. Empty lists when the index has no such passages.
    pub also: Vec<Vec<u32>>,
    /// Number of results: matching chunks, counting each passage that is
    /// the same in several versions once. Facet counts count chunks.
    pub total: u32,
    pub facets: FacetCounts,
    /// The query's quoted phrases matched nothing, so its results match
    /// their words anywhere instead (a page can say so).
    pub phrases_relaxed: bool,
}

/// Display data of one result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub ordinal: u32,
    pub id: String,
    pub url: String,
    pub title: String,
    /// Byte ranges of `title` to highlight.
    pub title_highlights: Vec<(usize, usize)>,
    pub breadcrumb: Vec<String>,
    pub page: u32,
    pub page_label: Option<String>,
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub doc_set: String,
    pub document: String,
    pub document_index: u32,
    pub snippet: Snippet,
}

/// One free word of the query after analysis.
#[derive(Debug, Clone)]
struct Clause {
    /// Exact term; empty for a stop word kept only for its prefix.
    term: String,
    /// Atoms of a multi-atom word, used when the whole word is not indexed.
    atoms: Vec<String>,
    /// Normalised surface form to expand, for the last word while typing.
    prefix: Option<String>,
    /// 1, or [`PHRASING_WEIGHT`] for a word that only phrases a question.
    weight: f32,
}

#[derive(Debug, Clone, Default)]
struct Analysis {
    clauses: Vec<Clause>,
    /// Each phrase: (term, position relative to the first word).
    phrases: Vec<Vec<(String, u32)>>,
}

/// One term to score and its weight.
struct Scored<'a> {
    postings: &'a TermPostings,
    weight: f32,
}

/// An opened index. Files are added as they arrive; `search` and `hit`
/// take `&self`, so a fully loaded index can be shared between threads.
#[derive(Debug)]
pub struct Index {
    m: Manifest,
    tokenizer: Tokenizer,
    /// Ordinal where each document starts, plus the chunk count at the end.
    doc_starts: Vec<u32>,
    /// Per level, each node's parent in the level above (level 0: none).
    parents: [Vec<u32>; LEVELS],
    /// Docset node of each document.
    doc_parent: Vec<u32>,
    /// Per level, ordinal range of each node.
    ranges: [Vec<(u32, u32)>; LEVELS],
    terms: Vec<Option<TermShard>>,
    positions: Vec<Option<PositionShard>>,
    fragments: BTreeMap<u32, Fragment>,
    documents: Option<Vec<(String, String)>>,
    /// Embedding vocabulary (`e/vocab.bin`), for indexes with vectors.
    vocab: Option<Vocab>,
    /// Weights and rows of each token-table shard `e/<i>.bin`.
    token_rows: Vec<Option<TokenShard>>,
    /// Vector partitions `v/<i>.bin`.
    partitions: Vec<Option<Partition>>,
}

impl Index {
    /// Open an index from the bytes of `manifest.bin`.
    pub fn open(manifest: &[u8]) -> Result<Index, FormatError> {
        let env = open(manifest, FileKind::Manifest)?;
        let m = Manifest::decode(env.build_id, env.payload)?;
        if m.settings.chunk_count as usize > MAX_CHUNKS {
            return Err(FormatError::Malformed("too many chunks"));
        }
        let f = &m.facets;
        let mut doc_starts = Vec::with_capacity(f.doc_chunks.len() + 1);
        let mut at = 0u32;
        for &c in &f.doc_chunks {
            doc_starts.push(at);
            at += c; // sum checked against chunk_count by Manifest::decode
        }
        doc_starts.push(at);
        // Walk levels bottom-up: children of level l are nodes of l+1 (or documents).
        let mut parents: [Vec<u32>; LEVELS] = std::array::from_fn(|l| vec![0; f.nodes[l].len()]);
        let mut ranges: [Vec<(u32, u32)>; LEVELS] = Default::default();
        let mut doc_parent = vec![0u32; f.doc_chunks.len()];
        for l in (0..LEVELS).rev() {
            let mut child = 0usize;
            for (i, &(_, n)) in f.nodes[l].iter().enumerate() {
                let n = n as usize;
                let (lo, hi) = if l == LEVELS - 1 {
                    for p in &mut doc_parent[child..child + n] {
                        *p = i as u32;
                    }
                    (doc_starts[child], doc_starts[child + n])
                } else {
                    for p in &mut parents[l + 1][child..child + n] {
                        *p = i as u32;
                    }
                    let below = &ranges[l + 1];
                    if n == 0 {
                        (0, 0)
                    } else {
                        (below[child].0, below[child + n - 1].1)
                    }
                };
                ranges[l].push((lo, hi));
                child += n;
            }
        }
        let shards = m.shards.len();
        let (token_shards, partitions) = m
            .semantic
            .as_ref()
            .map_or((0, 0), |s| (s.token_shards(), s.partitions()));
        Ok(Index {
            vocab: None,
            token_rows: vec![None; token_shards],
            partitions: vec![None; partitions],
            tokenizer: Tokenizer::new(m.settings.tokenizer),
            doc_starts,
            parents,
            doc_parent,
            ranges,
            terms: (0..shards).map(|_| None).collect(),
            positions: (0..shards).map(|_| None).collect(),
            fragments: BTreeMap::new(),
            documents: None,
            m,
        })
    }

    /// Build id shared by all files of this index.
    pub fn build_id(&self) -> u32 {
        self.m.build_id
    }

    /// Number of chunks.
    pub fn chunk_count(&self) -> u32 {
        self.m.settings.chunk_count
    }

    /// The tokenizer the index was built with.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Paths of every file of the index except the manifest, for servers
    /// that load everything up front.
    pub fn all_files(&self) -> Vec<String> {
        let mut v = vec![DOCUMENTS_PATH.to_string()];
        for i in 0..self.m.shards.len() {
            v.push(term_shard_path(i));
            v.push(position_shard_path(i));
        }
        for f in 0..self.fragment_count() {
            v.push(fragment_path(f));
        }
        if self.m.semantic.is_some() {
            v.push(VOCAB_PATH.to_string());
            v.extend((0..self.token_rows.len()).map(token_shard_path));
            v.extend((0..self.partitions.len()).map(partition_path));
        }
        v
    }

    fn fragment_count(&self) -> u32 {
        self.chunk_count().div_ceil(self.m.settings.fragment_group)
    }

    /// Add a fetched file. Bytes must be the raw file (not gzip-wrapped).
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Result<(), FormatError> {
        let unknown = || FormatError::UnknownFile(path.to_string());
        let (kind, index) = if path == MANIFEST_PATH {
            (FileKind::Manifest, 0)
        } else if path == DOCUMENTS_PATH {
            (FileKind::Documents, 0)
        } else if path == VOCAB_PATH && self.m.semantic.is_some() {
            (FileKind::Vocab, 0)
        } else {
            let (dir, rest) = path.split_once('/').ok_or_else(unknown)?;
            let n: usize = rest
                .strip_suffix(".bin")
                .and_then(|s| s.parse().ok())
                .ok_or_else(unknown)?;
            match dir {
                "t" if n < self.terms.len() => (FileKind::Terms, n),
                "p" if n < self.positions.len() => (FileKind::Positions, n),
                "f" if n < self.fragment_count() as usize => (FileKind::Fragments, n),
                "e" if n < self.token_rows.len() => (FileKind::TokenRows, n),
                "v" if n < self.partitions.len() => (FileKind::Vectors, n),
                _ => return Err(unknown()),
            }
        };
        let env = open(bytes, kind)?;
        if env.build_id != self.m.build_id {
            return Err(FormatError::BuildMismatch {
                expected: self.m.build_id,
                found: env.build_id,
            });
        }
        match kind {
            FileKind::Manifest => {}
            FileKind::Documents => {
                let d = decode_documents(env.payload)?;
                if d.len() != self.m.facets.doc_chunks.len() {
                    return Err(FormatError::Malformed(
                        "document count differs from manifest",
                    ));
                }
                self.documents = Some(d);
            }
            FileKind::Terms => {
                self.terms[index] = Some(TermShard::decode(env.payload, self.chunk_count())?);
            }
            FileKind::Positions => {
                self.positions[index] = Some(PositionShard::decode(env.payload)?);
            }
            FileKind::Fragments => {
                let f = Fragment::decode(env.payload)?;
                let g = self.m.settings.fragment_group;
                let expected = (
                    n_chunks_in_group(self.chunk_count(), g, index as u32),
                    index as u32 * g,
                );
                if (f.chunks.len() as u32, f.first) != expected {
                    return Err(FormatError::Malformed("fragment does not match its path"));
                }
                self.fragments.insert(index as u32, f);
            }
            FileKind::Vocab | FileKind::TokenRows | FileKind::Vectors => {
                let s = self.m.semantic.as_ref().ok_or_else(unknown)?;
                match kind {
                    FileKind::Vocab => {
                        let v = Vocab::decode(&mut crate::codec::Reader::new(env.payload))?;
                        if v.len() != s.vocab_size as usize {
                            return Err(FormatError::Malformed(
                                "vocabulary size differs from manifest",
                            ));
                        }
                        self.vocab = Some(v);
                    }
                    FileKind::TokenRows => {
                        self.token_rows[index] = Some(decode_token_shard(env.payload, s, index)?);
                    }
                    _ => {
                        let chunks = self.chunk_count();
                        self.partitions[index] =
                            Some(decode_partition(env.payload, s, index, chunks)?);
                    }
                }
            }
        }
        Ok(())
    }

    /// Document `index` (see [`FacetCounts::document`]); `None` until
    /// `docs.bin` is added or when out of range.
    pub fn document(&self, index: u32) -> Option<DocumentInfo> {
        let (key, title) = self.documents.as_ref()?.get(index as usize)?;
        Some(DocumentInfo {
            key: key.clone(),
            title: title.clone(),
            start: self.doc_starts[index as usize],
            end: self.doc_starts[index as usize + 1],
        })
    }

    /// Document index of a chunk ordinal.
    pub fn document_of(&self, ordinal: u32) -> Option<u32> {
        if ordinal >= self.chunk_count() {
            return None;
        }
        Some((self.doc_starts.partition_point(|&s| s <= ordinal) - 1) as u32)
    }

    /// Version of a chunk ordinal (known from the manifest alone, so the
    /// versions of [`SearchResult::also`] need no fragment).
    pub fn version_of(&self, ordinal: u32) -> Option<&str> {
        let d = self.document_of(ordinal)?;
        Some(self.facet_names(d)[VERSION_LEVEL])
    }

    /// Vendor, product, version and doc-set names of document `d`.
    fn facet_names(&self, d: u32) -> [&str; LEVELS] {
        let f = &self.m.facets;
        let mut names = [""; LEVELS];
        let mut node = self.doc_parent[d as usize] as usize;
        for l in (0..LEVELS).rev() {
            names[l] = &f.names[l][f.nodes[l][node].0 as usize];
            if l > 0 {
                node = self.parents[l][node] as usize;
            }
        }
        names
    }

    /// Facet values and tree (document names once `docs.bin` is added).
    pub fn facets(&self) -> Facets {
        let f = &self.m.facets;
        let kinds = [
            FacetKind::Vendor,
            FacetKind::Product,
            FacetKind::Version,
            FacetKind::DocSet,
        ];
        let mut tree = Vec::new();
        let mut level_base = 0usize;
        let mut prev_base = 0usize;
        for (l, &kind) in kinds.iter().enumerate() {
            for (i, &(name, _)) in f.nodes[l].iter().enumerate() {
                tree.push(FacetNode {
                    kind,
                    value: f.names[l][name as usize].clone(),
                    parent: (l > 0).then(|| prev_base + self.parents[l][i] as usize),
                    start: self.ranges[l][i].0,
                    end: self.ranges[l][i].1,
                });
            }
            prev_base = level_base;
            level_base += f.nodes[l].len();
        }
        let documents = (0..f.doc_chunks.len() as u32)
            .filter_map(|i| self.document(i))
            .collect();
        Facets {
            vendor: f.names[0].clone(),
            product: f.names[1].clone(),
            version: f.names[2].clone(),
            doc_set: f.names[3].clone(),
            tree,
            documents,
        }
    }

    // ------------------------------------------------------------ analysis

    fn analyze(&self, q: &Query) -> Analysis {
        let mut a = Analysis::default();
        let mut words = Vec::new();
        self.tokenizer
            .tokenize(&q.free, 0, |w| words.push(w.clone()));
        let last = words.len().saturating_sub(1);
        // Clause of each term seen, so a repeated word is found in O(1): a
        // long query stays linear in its length.
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, w) in words.iter().enumerate() {
            let prefix = (q.prefix && i == last && w.end == q.free.len())
                .then(|| self.tokenizer.normalize(&q.free[w.start..w.end]))
                .filter(|p| p.chars().count() >= MIN_PREFIX_CHARS);
            let term = w.primary().map(|t| t.text.clone()).unwrap_or_default();
            if term.is_empty() && prefix.is_none() {
                continue;
            }
            let atoms = w.atoms().map(|t| t.text.clone()).collect();
            let weight = if is_phrasing_word(contraction(&q.free, w.start, w.end)) {
                PHRASING_WEIGHT
            } else {
                1.0
            };
            if let Some(&k) = seen.get(&term).filter(|_| !term.is_empty()) {
                let c = &mut a.clauses[k];
                c.prefix = c.prefix.take().or(prefix);
                c.weight = c.weight.max(weight);
                continue;
            }
            if !term.is_empty() {
                seen.insert(term.clone(), a.clauses.len());
            }
            a.clauses.push(Clause {
                term,
                atoms,
                prefix,
                weight,
            });
        }
        // A query of phrasing words only ("what is", "how") is about them.
        if a.clauses.iter().all(|c| c.weight < 1.0) {
            for c in &mut a.clauses {
                c.weight = 1.0;
            }
        }
        for p in &q.phrases {
            let mut terms = Vec::new();
            let mut first = None;
            self.tokenizer.tokenize(p, 0, |w| {
                if let Some(t) = w.primary() {
                    let f = *first.get_or_insert(w.pos);
                    terms.push((t.text.clone(), w.pos - f));
                }
            });
            if !terms.is_empty() {
                a.phrases.push(terms);
            }
        }
        a
    }

    fn shard_of(&self, term: &str) -> Option<usize> {
        if self.m.shards.is_empty() {
            return None;
        }
        Some(
            self.m
                .shards
                .partition_point(|f| f.as_str() <= term)
                .saturating_sub(1),
        )
    }

    /// `Err(shard)` when the term's shard is not loaded; `Ok(None)` when the
    /// term is not in the index.
    fn lookup(&self, term: &str) -> Result<Option<&TermPostings>, usize> {
        let Some(s) = self.shard_of(term) else {
            return Ok(None);
        };
        match &self.terms[s] {
            Some(shard) => Ok(shard.get(term)),
            None => Err(s),
        }
    }

    /// Shards a prefix expansion reads: the prefix's own shard, the next one
    /// when it starts with the prefix, and the shards of the prefix minus its
    /// last 1–3 characters (a stem of a longer word: `recordi` → `record`).
    fn prefix_shards(&self, prefix: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let Some(home) = self.shard_of(prefix) else {
            return out;
        };
        out.push(home);
        let mut s = home + 1;
        while s < self.m.shards.len()
            && self.m.shards[s].starts_with(prefix)
            && out.len() < MAX_PREFIX_SHARDS
        {
            out.push(s);
            s += 1;
        }
        for stem in stem_prefixes(prefix) {
            if let Some(s) = self.shard_of(stem) {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }

    fn prefix_terms<'s>(&'s self, prefix: &str, exact: &str) -> Vec<&'s TermPostings> {
        let mut out: Vec<&TermPostings> = Vec::new();
        for s in self.prefix_shards(prefix) {
            if let Some(shard) = &self.terms[s] {
                out.extend(shard.with_prefix(prefix).filter(|t| t.term != exact));
            }
        }
        for stem in stem_prefixes(prefix) {
            if let Ok(Some(t)) = self.lookup(stem) {
                if t.term != exact {
                    out.push(t);
                }
            }
        }
        out.sort_by(|a, b| b.df().cmp(&a.df()).then_with(|| a.term.cmp(&b.term)));
        out.dedup_by(|a, b| a.term == b.term);
        out.truncate(MAX_PREFIX_TERMS);
        out
    }

    /// Largest edit distance allowed for a typo of `term`, if any.
    fn typo_budget(term: &str, exact_df: u32) -> Option<usize> {
        let n = term.chars().count();
        if exact_df > TYPO_MAX_DF || n < 5 {
            return None;
        }
        Some(if n >= 8 { 2 } else { 1 })
    }

    /// Shard-table terms within typo distance (big terms sit alone in their
    /// shard, so their names are all in the manifest).
    fn boundary_typos(&self, term: &str, max: usize) -> Vec<usize> {
        let mut v: Vec<(usize, usize)> = self
            .m
            .shards
            .iter()
            .enumerate()
            .filter(|(_, t)| t.as_str() != term)
            .filter_map(|(i, t)| edit_distance(term, t, max).map(|d| (d, i)))
            .collect();
        v.sort_unstable();
        v.truncate(3);
        v.into_iter().map(|(_, i)| i).collect()
    }

    fn typo_terms<'s>(&'s self, term: &str, exact_df: u32) -> Vec<&'s TermPostings> {
        let Some(max) = Self::typo_budget(term, exact_df) else {
            return Vec::new();
        };
        let mut cands: Vec<(usize, &TermPostings)> = Vec::new();
        if let Some(Some(shard)) = self.shard_of(term).map(|s| &self.terms[s]) {
            for t in &shard.terms {
                if t.df() > exact_df && t.term != term {
                    if let Some(d) = edit_distance(term, &t.term, max) {
                        cands.push((d, t));
                    }
                }
            }
        }
        for s in self.boundary_typos(term, max) {
            if let Some(shard) = &self.terms[s] {
                if let Some(t) = shard.terms.first() {
                    if t.df() > exact_df {
                        if let Some(d) = edit_distance(term, &t.term, max) {
                            cands.push((d, t));
                        }
                    }
                }
            }
        }
        cands.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| b.1.df().cmp(&a.1.df()))
                .then_with(|| a.1.term.cmp(&b.1.term))
        });
        cands.dedup_by(|a, b| a.1.term == b.1.term);
        cands.truncate(MAX_TYPO_TERMS);
        cands.into_iter().map(|(_, t)| t).collect()
    }

    /// Ordinals and quantised impacts of `term` (an index term, as the
    /// tokenizer emits it); `Ok(None)` when the index does not have it. For
    /// tools and tests.
    pub fn postings(&self, term: &str) -> Result<Option<PostingsView<'_>>, SearchError> {
        match self.lookup(term) {
            Ok(t) => Ok(t.map(|t| (t.ords.as_slice(), t.impacts.as_slice()))),
            Err(s) => Err(SearchError::NotLoaded(vec![term_shard_path(s)])),
        }
    }

    /// Positions of `term` in chunk `ordinal` per field (title, heading,
    /// body); `Ok(None)` when the chunk does not contain the term.
    pub fn positions(
        &self,
        term: &str,
        ordinal: u32,
    ) -> Result<Option<[Vec<u32>; 3]>, SearchError> {
        let Some(s) = self.shard_of(term) else {
            return Ok(None);
        };
        let (Some(shard), Some(pshard)) = (&self.terms[s], &self.positions[s]) else {
            return Err(SearchError::NotLoaded(vec![
                term_shard_path(s),
                position_shard_path(s),
            ]));
        };
        let Some(ti) = shard.index_of(term) else {
            return Ok(None);
        };
        let Ok(i) = shard.terms[ti].ords.binary_search(&ordinal) else {
            return Ok(None);
        };
        let mut out = None;
        pshard.for_each(ti, |k, fp| {
            if k == i {
                out = Some(fp.clone());
            }
        })?;
        Ok(out)
    }

    /// A prefix word that already extends to indexed terms is being typed,
    /// not misspelt: no typo correction (and no extra request round).
    fn still_typing(&self, c: &Clause) -> bool {
        c.prefix
            .as_ref()
            .is_some_and(|p| !self.prefix_terms(p, &c.term).is_empty())
    }

    // ------------------------------------------------------------ semantic

    /// Whether the index holds vectors (was built with a model).
    pub fn has_semantic(&self) -> bool {
        self.m.semantic.is_some()
    }

    /// Model and vector settings of an index with vectors.
    pub fn semantic_settings(&self) -> Option<&SemanticSettings> {
        self.m.semantic.as_ref()
    }

    /// Weight of the semantic score for `q` (0 when semantic is off or the
    /// index has no vectors): the query's own override, else the index's
    /// weight scaled by the query's shape ([`shape_weight`]).
    pub fn semantic_weight(&self, q: &Query) -> f32 {
        match &self.m.semantic {
            Some(s) if q.semantic => q
                .semantic_weight()
                .unwrap_or_else(|| shape_weight(s.weight, q.shape())),
            _ => 0.0,
        }
    }

    /// The query's unit vector from the loaded token shards: `Err(paths)`
    /// lists the files still missing, `Ok(None)` means the query has no
    /// known token (or the index no vectors).
    fn query_vector(&self, q: &Query) -> Result<Option<Vec<f32>>, Vec<String>> {
        let Some(s) = &self.m.semantic else {
            return Ok(None);
        };
        let Some(vocab) = &self.vocab else {
            return Err(vec![VOCAB_PATH.to_string()]);
        };
        let ids = vocab.token_ids(&q.semantic_text());
        let per = s.rows_per_shard as usize;
        let missing: BTreeSet<usize> = ids
            .iter()
            .map(|&id| id as usize / per)
            .filter(|&i| self.token_rows[i].is_none())
            .collect();
        if !missing.is_empty() {
            return Err(missing.into_iter().map(token_shard_path).collect());
        }
        let row_bytes = s.rows.row_bytes(s.dims);
        let v = embed_ids(&ids, s.rows, s.dims, |id| {
            let shard = self.token_rows[id as usize / per].as_ref()?;
            let k = id as usize % per;
            Some((
                shard.rows.get(k * row_bytes..(k + 1) * row_bytes)?,
                *shard.weights.get(k)?,
            ))
        });
        Ok(v.iter().any(|&x| x != 0.0).then_some(v))
    }

    /// The query's embedding, once `e/vocab.bin` and the token shards of
    /// [`Index::plan_semantic`] are added; bit-identical to
    /// [`crate::Model::embed`] of [`Query::semantic_text`] with the model
    /// the index was built with.
    pub fn query_embedding(&self, q: &Query) -> Option<Vec<f32>> {
        self.query_vector(q).ok().flatten()
    }

    /// Files still needed to add semantic results to `query`: first the
    /// vocabulary, then the token shards of the query's WordPieces, then
    /// the vector partitions nearest to the query. Call again after adding
    /// them (at most three rounds; the vocabulary stays loaded across
    /// queries). Empty when semantic search is complete, off
    /// ([`Query::with_semantic`]) or unavailable. [`Index::search`] does
    /// not wait for these files: it ranks lexically until they are added,
    /// so a page can show lexical results first and re-run the search when
    /// the semantic files arrive.
    pub fn plan_semantic(&self, query: &Query) -> Vec<String> {
        if self.semantic_weight(query) <= 0.0 {
            return Vec::new();
        }
        let Some(s) = &self.m.semantic else {
            return Vec::new();
        };
        match self.query_vector(query) {
            Err(paths) => paths,
            Ok(None) => Vec::new(),
            Ok(Some(v)) => s
                .probe(&v)
                .into_iter()
                .filter(|&p| self.partitions[p].is_none())
                .map(partition_path)
                .collect(),
        }
    }

    /// True when [`Index::search`] will blend semantic results into
    /// `query` (the index has vectors, semantic is on, the query has known
    /// tokens and every file of [`Index::plan_semantic`] is added).
    pub fn semantic_ready(&self, query: &Query) -> bool {
        self.semantic_weight(query) > 0.0
            && matches!(self.query_vector(query), Ok(Some(_)))
            && self.plan_semantic(query).is_empty()
    }

    /// One bit per chunk, set for the ordinals in `ranges` (`start..end`).
    fn bitset(&self, ranges: impl IntoIterator<Item = (u32, u32)>) -> Vec<u64> {
        let mut bits = vec![0u64; (self.chunk_count() as usize).div_ceil(64)];
        for (a, b) in ranges {
            for o in a..b.min(self.chunk_count()) {
                bits[o as usize / 64] |= 1 << (o % 64);
            }
        }
        bits
    }

    /// Semantic scores of every chunk passing `ok` in the probed
    /// partitions, or `None` when semantic ranking does not apply or its
    /// files are missing.
    fn semantic_candidates(
        &self,
        query: &Query,
        ok: &dyn Fn(u32) -> bool,
    ) -> Option<SemanticScores> {
        if self.semantic_weight(query) <= 0.0 {
            return None;
        }
        let s = self.m.semantic.as_ref()?;
        let q = self.query_vector(query).ok()??;
        let code = s.vectors.code_bytes(s.dims);
        let scorer = s.vectors.scorer(&q);
        let mut all: Vec<(u32, f32)> = Vec::new();
        for p in s.probe(&q) {
            let part = self.partitions[p].as_ref()?;
            for (&o, c) in part.ords.iter().zip(part.codes.chunks_exact(code)) {
                if ok(o) {
                    all.push((o, scorer.score(c)));
                }
            }
        }
        let mut by_ord = vec![f32::NAN; self.chunk_count() as usize];
        let (mut hi, mut lo, mut sum) = (f32::NEG_INFINITY, f32::INFINITY, 0f32);
        for &(o, x) in &all {
            by_ord[o as usize] = x;
            hi = hi.max(x);
            lo = lo.min(x);
            sum += x;
        }
        // A lexical match outside the probed partitions has no semantic
        // score; it gets the mean of the probed ones rather than the worst.
        let (hi, lo, unprobed) = if all.is_empty() {
            (0.0, 0.0, 0.0)
        } else {
            (hi, lo, sum / all.len() as f32)
        };
        let best = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        let top = s.candidates.max(1) as usize;
        if all.len() > top {
            all.select_nth_unstable_by(top - 1, best);
            all.truncate(top);
        }
        all.sort_by(best);
        Some(SemanticScores {
            hi,
            lo,
            unprobed,
            top: all,
            by_ord,
        })
    }

    // ------------------------------------------------------------ planning

    /// Files (relative paths) still needed to answer `query`. Call again
    /// after adding them: a second round is needed only when the first
    /// shows that a word is missing (typo correction from a frequent term's
    /// shard, or the parts of an unknown identifier). Empty means
    /// [`Index::search`] can run.
    pub fn plan(&self, query: &Query) -> Vec<String> {
        self.plan_analyzed(query, &self.analyze(query))
    }

    fn plan_analyzed(&self, query: &Query, a: &Analysis) -> Vec<String> {
        let mut shards: BTreeSet<usize> = BTreeSet::new();
        let mut pos: BTreeSet<usize> = BTreeSet::new();
        for c in &a.clauses {
            if !c.term.is_empty() {
                match self.lookup(&c.term) {
                    Err(s) => {
                        shards.insert(s);
                    }
                    Ok(found) => {
                        let df = found.map_or(0, |t| t.df());
                        if found.is_none() {
                            for atom in &c.atoms {
                                if let Err(s) = self.lookup(atom) {
                                    shards.insert(s);
                                }
                            }
                        }
                        if let Some(max) = Self::typo_budget(&c.term, df) {
                            if !self.still_typing(c) {
                                shards.extend(self.boundary_typos(&c.term, max));
                            }
                        }
                    }
                }
            }
            if let Some(p) = &c.prefix {
                shards.extend(self.prefix_shards(p));
            }
        }
        for ph in &a.phrases {
            for (t, _) in ph {
                if let Some(s) = self.shard_of(t) {
                    shards.insert(s);
                    if ph.len() > 1 {
                        pos.insert(s);
                    }
                }
            }
        }
        let mut out: Vec<String> = shards
            .into_iter()
            .filter(|&s| self.terms[s].is_none())
            .map(term_shard_path)
            .collect();
        out.extend(
            pos.into_iter()
                .filter(|&s| self.positions[s].is_none())
                .map(position_shard_path),
        );
        if !query.filters.document.is_empty() && self.documents.is_none() {
            out.push(DOCUMENTS_PATH.to_string());
        }
        out
    }

    /// Fragment files (relative paths) not yet added that hold `ordinals`.
    pub fn fragments_for(&self, ordinals: &[u32]) -> Vec<String> {
        let g = self.m.settings.fragment_group;
        let mut set: BTreeSet<u32> = BTreeSet::new();
        for &o in ordinals {
            if o < self.chunk_count() && !self.fragments.contains_key(&(o / g)) {
                set.insert(o / g);
            }
        }
        set.into_iter().map(fragment_path).collect()
    }

    // ------------------------------------------------------------ search

    /// Allowed ordinal ranges for the filters; `None` means everything.
    fn allowed(&self, q: &Query) -> Option<Vec<(u32, u32)>> {
        let fl = &q.filters;
        if fl.is_empty() {
            return None;
        }
        let f = &self.m.facets;
        let lists = [&fl.vendor, &fl.product, &fl.version, &fl.doc_set];
        // Per level, which nodes pass that level's own filter.
        let pass: Vec<Vec<bool>> = (0..LEVELS)
            .map(|l| {
                f.nodes[l]
                    .iter()
                    .map(|&(name, _)| {
                        lists[l].is_empty() || lists[l].contains(&f.names[l][name as usize])
                    })
                    .collect()
            })
            .collect();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for d in 0..f.doc_chunks.len() {
            let mut node = self.doc_parent[d] as usize;
            let mut ok = true;
            for l in (0..LEVELS).rev() {
                ok &= pass[l][node];
                if l > 0 {
                    node = self.parents[l][node] as usize;
                }
            }
            if ok && !fl.document.is_empty() {
                ok = self
                    .documents
                    .as_ref()
                    .is_some_and(|docs| fl.document.contains(&docs[d].0));
            }
            if ok {
                let (s, e) = (self.doc_starts[d], self.doc_starts[d + 1]);
                match ranges.last_mut() {
                    Some(last) if last.1 == s => last.1 = e,
                    _ => ranges.push((s, e)),
                }
            }
        }
        Some(ranges)
    }

    fn idf(&self, df: u32) -> f32 {
        let n = self.chunk_count() as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The scored terms of every clause (exact, prefix and typo
    /// alternatives), or the files that are still missing.
    fn expand(&self, a: &Analysis) -> Vec<Vec<Scored<'_>>> {
        let mut groups = Vec::new();
        for c in &a.clauses {
            let mut g = Vec::new();
            let exact = if c.term.is_empty() {
                None
            } else {
                self.lookup(&c.term).ok().flatten()
            };
            let df = exact.map_or(0, |t| t.df());
            if let Some(t) = exact {
                g.push(Scored {
                    postings: t,
                    weight: c.weight,
                });
            } else if !c.term.is_empty() && !c.atoms.is_empty() {
                // Unknown identifier: its parts, each as a word of its own.
                for atom in &c.atoms {
                    if let Ok(Some(t)) = self.lookup(atom) {
                        groups.push(vec![Scored {
                            postings: t,
                            weight: c.weight,
                        }]);
                    }
                }
            }
            if let Some(p) = &c.prefix {
                for t in self.prefix_terms(p, &c.term) {
                    g.push(Scored {
                        postings: t,
                        weight: PREFIX_WEIGHT * c.weight,
                    });
                }
            }
            if !c.term.is_empty() && !self.still_typing(c) {
                for t in self.typo_terms(&c.term, df) {
                    if !g.iter().any(|s| s.postings.term == t.term) {
                        g.push(Scored {
                            postings: t,
                            weight: TYPO_WEIGHT * c.weight,
                        });
                    }
                }
            }
            if !g.is_empty() {
                groups.push(g);
            }
        }
        let clause_terms: HashSet<&str> = a.clauses.iter().map(|c| c.term.as_str()).collect();
        for ph in &a.phrases {
            for (t, _) in ph {
                if clause_terms.contains(t.as_str()) {
                    continue;
                }
                if let Ok(Some(p)) = self.lookup(t) {
                    groups.push(vec![Scored {
                        postings: p,
                        weight: 1.0,
                    }]);
                }
            }
        }
        groups
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

    fn search_collecting(
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
    fn phrase_matches(&self, ph: &[(String, u32)]) -> Result<Vec<u32>, SearchError> {
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

    fn count_facets(&self, ords: impl Iterator<Item = u32>) -> FacetCounts {
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

    /// Terms of the index that the query matched: exact terms, expansions
    /// and corrections. Used for highlighting.
    pub fn matched_terms(&self, query: &Query) -> HashSet<String> {
        let a = self.analyze(query);
        let mut set: HashSet<String> = HashSet::new();
        for g in self.expand(&a) {
            for s in g {
                set.insert(s.postings.term.clone());
            }
        }
        set
    }

    /// Display data, snippet and highlights of one result. Its fragment
    /// (see [`Index::fragments_for`]) must have been added.
    pub fn hit(&self, ordinal: u32, query: &Query) -> Result<Hit, SearchError> {
        if ordinal >= self.chunk_count() {
            return Err(SearchError::NoSuchChunk(ordinal));
        }
        let g = self.m.settings.fragment_group;
        let frag = self
            .fragments
            .get(&(ordinal / g))
            .ok_or_else(|| SearchError::NotLoaded(vec![fragment_path(ordinal / g)]))?;
        let c = frag
            .chunks
            .get((ordinal - frag.first) as usize)
            .ok_or(SearchError::NoSuchChunk(ordinal))?;
        let terms = self.matched_terms(query);
        let d = self.document_of(ordinal).unwrap_or(0);
        let [vendor, product, version, doc_set] = self.facet_names(d).map(str::to_string);
        Ok(Hit {
            ordinal,
            id: c.id.clone(),
            url: c.url.clone(),
            title_highlights: highlight(&self.tokenizer, &c.title, &terms),
            title: c.title.clone(),
            breadcrumb: c.breadcrumb.clone(),
            page: c.page,
            page_label: c.page_label.clone(),
            vendor,
            product,
            version,
            doc_set,
            document: c.document.clone(),
            document_index: d,
            snippet: snippet(&self.tokenizer, &c.text, &terms, SNIPPET_CHARS),
        })
    }
}

/// Multiplier on the index's semantic weight per [`QueryShape`], chosen
/// per shape on the dev sets (doc-QA dev split, heading set, IR
/// collections; see README, "Query-dependent weight"). With the default
/// model neither exact names nor questions gain from moving away from the
/// index's weight; a few plain words gain from a lower one.
pub const SHAPE_FACTORS: [(QueryShape, f32); 3] = [
    (QueryShape::Exact, 1.0),
    (QueryShape::Keywords, 2.0 / 3.0),
    (QueryShape::Question, 1.0),
];

/// The semantic weight for a query of `shape` in an index whose weight is
/// `base`, in `[0, 1]`.
pub fn shape_weight(base: f32, shape: QueryShape) -> f32 {
    let f = SHAPE_FACTORS
        .iter()
        .find(|(s, _)| *s == shape)
        .map_or(1.0, |&(_, f)| f);
    (base * f).clamp(0.0, 1.0)
}

/// Semantic scores of the chunks in the probed partitions.
pub(crate) struct SemanticScores {
    /// The best, best first: they enter the results on their own.
    top: Vec<(u32, f32)>,
    /// Raw score per ordinal, NaN outside the probed partitions.
    by_ord: Vec<f32>,
    /// Raw score assumed for chunks outside the probed partitions.
    unprobed: f32,
    hi: f32,
    lo: f32,
}

/// Hybrid score: `(1 − w) · lexical / best lexical + w · semantic`, where
/// the semantic score is min-max normalised over every chunk of the probed
/// partitions (best = 1, worst = 0). Every lexical match in a probed
/// partition gets its semantic score; the `top` best semantic chunks enter
/// even without a lexical match. Both normalisations are independent of
/// the query's limit. See README ("Hybrid ranking") for how this was chosen.
pub(crate) fn fuse(
    mut lexical: Vec<ScoredChunk>,
    sem: &SemanticScores,
    w: f32,
) -> Vec<ScoredChunk> {
    let lmax = lexical.iter().fold(0f32, |m, s| m.max(s.score));
    let norm = |x: f32| {
        if sem.hi > sem.lo {
            (x - sem.lo) / (sem.hi - sem.lo)
        } else {
            1.0
        }
    };
    let mut lexical_match = vec![false; sem.by_ord.len()];
    for s in &mut lexical {
        let lex = if lmax > 0.0 {
            (1.0 - w) * (s.score / lmax)
        } else {
            0.0
        };
        let x = sem.by_ord[s.ordinal as usize];
        let x = if x.is_nan() { sem.unprobed } else { x };
        s.score = lex + w * norm(x);
        lexical_match[s.ordinal as usize] = true;
    }
    for &(ordinal, x) in &sem.top {
        if !lexical_match[ordinal as usize] {
            lexical.push(ScoredChunk {
                ordinal,
                score: w * norm(x),
            });
        }
    }
    lexical.retain(|s| s.score > 0.0);
    lexical
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
    fn fit(&mut self, n: usize) {
        if self.scores.len() < n {
            self.scores.resize(n, 0.0);
            self.local.resize(n, 0.0);
        }
    }

    /// Back to all zeros. `local` is reset per clause as it is used.
    fn reset(&mut self) {
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

fn n_chunks_in_group(total: u32, group: u32, index: u32) -> u32 {
    let start = index * group;
    (total - start).min(group)
}

/// `prefix` without its last 1–3 characters, longest first, keeping at
/// least 3 characters: candidate stems of the word being typed.
fn stem_prefixes(prefix: &str) -> Vec<&str> {
    let bounds: Vec<usize> = prefix.char_indices().map(|(b, _)| b).collect();
    let n = bounds.len();
    (1..=3)
        .filter(|&cut| n > cut && n - cut >= 3)
        .map(|cut| &prefix[..bounds[n - cut]])
        .collect()
}

/// Optimal-string-alignment distance (edits plus adjacent transpositions)
/// between `a` and `b` if it is at most `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    // Typo candidates are scanned by the thousand per query: compare
    // bytes without allocating when both are ASCII (the usual case).
    if a.is_ascii() && b.is_ascii() {
        return osa(a.as_bytes(), b.as_bytes(), max);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    osa(&a, &b, max)
}

/// Optimal string alignment distance, or `None` above `max`.
fn osa<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    const STACK: usize = 80;
    let w = b.len() + 1;
    let mut heap;
    let mut stack = [0usize; 3 * STACK];
    let rows: &mut [usize] = if w <= STACK {
        &mut stack[..3 * w]
    } else {
        heap = vec![0usize; 3 * w];
        &mut heap
    };
    let (mut prev2, rest) = rows.split_at_mut(w);
    let (mut prev, mut cur) = rest.split_at_mut(w);
    for (j, x) in prev.iter_mut().enumerate() {
        *x = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_cases() {
        assert_eq!(edit_distance("record", "record", 1), Some(0));
        assert_eq!(edit_distance("recrd", "record", 1), Some(1));
        assert_eq!(edit_distance("rceord", "record", 1), Some(1));
        assert_eq!(edit_distance("rcd", "record", 2), None);
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
    }

    #[test]
    fn stem_prefixes_keep_three_chars() {
        assert_eq!(stem_prefixes("recordi"), vec!["record", "recor", "reco"]);
        assert_eq!(stem_prefixes("reco"), vec!["rec"]);
        assert!(stem_prefixes("rec").is_empty());
    }
}
