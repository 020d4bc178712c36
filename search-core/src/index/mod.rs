//! The reader and query engine. Each stage of a query has its own module:
//! [`plan`] names the files a query needs, [`fetch`] adds them as they
//! arrive, [`rank`] scores and counts facets (with [`semantic`] for the
//! vector half and [`analyze`] for the query's terms), and [`display`]
//! turns ranked chunks into hits with snippets, through the [`Pass`] handle.

mod analyze;
mod display;
mod fetch;
mod plan;
mod rank;
mod semantic;

pub use display::{Found, Pass, Results};
pub use semantic::{shape_weight, SHAPE_FACTORS};

use crate::codec::{open, FileKind};
use crate::docblock::{block_count, DocBlock};
use crate::embed::vectors::{Partition, SemanticSettings, TokenShard};
use crate::embed::wordpiece::Vocab;
use crate::error::{FormatError, SearchError};
use crate::fragment::{ChunkDisplay, DocumentInfo, Fragment};
use crate::layout::{
    copy_fragment_path, fragment_path, position_shard_path, term_shard_path, twin_block_path,
    MAX_CHUNKS,
};
use crate::manifest::{Manifest, LEVELS};
use crate::names::{product_names, version_names, Name, VersionName};
use crate::result::{FacetKind, FacetNode, Facets, PostingsView};
use crate::shard::{PositionShard, TermShard};
use crate::synonyms::Synonyms;
use crate::tokenize::Tokenizer;
use crate::twins::TwinBlocks;

/// Facet level of versions (vendor 0, product 1, version 2, doc set 3).
const VERSION_LEVEL: usize = 2;

/// An opened index. Files are added as they arrive; `search` and `hit`
/// take `&self`, so a fully loaded index can be shared between threads.
#[derive(Debug)]
pub struct Index {
    m: Manifest,
    tokenizer: Tokenizer,
    /// The thesaurus in this index's terms.
    synonyms: Synonyms,
    /// Per level, each node's parent in the level above (level 0: none).
    parents: [Vec<u32>; LEVELS],
    /// Per level, ordinal range of each node.
    ranges: [Vec<(u32, u32)>; LEVELS],
    /// Products' names as index terms (see [`crate::names`]).
    names: Vec<Name>,
    /// Versions' names as index terms.
    version_names: Vec<VersionName>,
    /// Directory blocks of the term-shard table (first terms of their
    /// shards), as added; an inline table is block 0 from the start.
    dirs: Vec<Option<Vec<String>>>,
    terms: Vec<Option<TermShard>>,
    positions: Vec<Option<PositionShard>>,
    /// Own fragment files `f/<i>.bin`, as added (boxed: a slot per file,
    /// most of them empty in a browser).
    fragments: Vec<Option<Box<Fragment>>>,
    /// Copy fragment files `c/<i>.bin`, as added (no slot when no passage
    /// has twins).
    copies: Vec<Option<Box<Fragment>>>,
    /// Document blocks `d/<k>.bin`, as added.
    doc_blocks: Vec<Option<DocBlock>>,
    /// Twin blocks `w/<k>.bin`, as added (none when no passage has twins).
    twins: TwinBlocks,
    /// Embedding vocabulary (`e/vocab.bin`), for indexes with vectors.
    vocab: Option<Vocab>,
    /// Weights and rows of each token-table shard `e/<i>.bin`.
    token_rows: Vec<Option<TokenShard>>,
    /// Vector partitions `v/<i>.bin`.
    partitions: Vec<Option<Partition>>,
    /// Counts the added files that can change a ranking (all but
    /// fragments and twin blocks), so a [`Pass`] knows when its ranking is
    /// stale.
    ranking_files: u64,
}

/// Slots of own fragment files (some of which an index with twins may not
/// have) and of copy fragment files.
fn fragment_slots(m: &Manifest) -> (usize, usize) {
    let n = m.settings.chunk_count as usize;
    let own = n.div_ceil(m.settings.fragment_group.max(1) as usize);
    let copies = if m.blocks.twins {
        n.div_ceil(m.settings.copy_group.max(1) as usize)
    } else {
        0
    };
    (own, copies)
}

/// The file that holds a chunk's display record (see [`crate::fragment`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Holder {
    /// Own fragment `f/<k>.bin`: the record has the chunk's text.
    Own(u32),
    /// Copy fragment `c/<k>.bin`; the text is in the record of the
    /// canonical member (the second field), in its own fragment.
    Copy(u32, u32),
}

impl Index {
    /// The fragment file of `h`, if added, and its path.
    fn holder_file(&self, h: Holder) -> (Option<&Fragment>, String) {
        let (slots, k, path) = match h {
            Holder::Own(k) => (&self.fragments, k, fragment_path(k)),
            Holder::Copy(k, _) => (&self.copies, k, copy_fragment_path(k)),
        };
        (slots.get(k as usize).and_then(|f| f.as_deref()), path)
    }

    /// Where `o`'s record is. A chunk is a copy when its twin block says
    /// so; `Err` names that block while it is not added.
    pub(super) fn holder(&self, o: u32) -> Result<Holder, String> {
        match self.twins.canonical_of(o) {
            Some(c) if c == o => Ok(Holder::Own(o / self.m.settings.fragment_group)),
            Some(c) => Ok(Holder::Copy(o / self.m.settings.copy_group, c)),
            None => Err(twin_block_path((o / self.m.blocks.chunks) as usize)),
        }
    }

    /// The canonical member of a copy is never a copy (twin sets point at
    /// it), so its record is in its own fragment without asking its block.
    pub(super) fn canonical_holder(&self, canonical: u32) -> Holder {
        Holder::Own(canonical / self.m.settings.fragment_group)
    }

    /// The path of `h`'s file when it is not added yet.
    pub(super) fn missing_holder(&self, h: Holder) -> Option<String> {
        match self.holder_file(h) {
            (None, path) => Some(path),
            (Some(_), _) => None,
        }
    }

    /// `o`'s record in the file `h` (which [`Index::holder`] gave).
    pub(super) fn record(&self, o: u32, h: Holder) -> Result<&ChunkDisplay, SearchError> {
        match self.holder_file(h) {
            (None, path) => Err(SearchError::NotLoaded(vec![path])),
            (Some(f), _) => f
                .get(o)
                .ok_or_else(|| FormatError::Malformed("fragment lacks a chunk").into()),
        }
    }

    /// Open an index from the bytes of `manifest.bin`.
    pub fn open(manifest: &[u8]) -> Result<Index, FormatError> {
        let env = open(manifest, FileKind::Manifest)?;
        let m = Manifest::decode(env.build_id, env.payload)?;
        if m.settings.chunk_count as usize > MAX_CHUNKS {
            return Err(FormatError::Malformed("too many chunks"));
        }
        let f = &m.facets;
        // Walk levels bottom-up: children of level l are nodes of l+1; the
        // doc sets' ranges follow from their chunk counts.
        let mut parents: [Vec<u32>; LEVELS] = std::array::from_fn(|l| vec![0; f.nodes[l].len()]);
        let mut ranges: [Vec<(u32, u32)>; LEVELS] = Default::default();
        let mut at = 0u32;
        for &c in &f.leaf_chunks {
            ranges[LEVELS - 1].push((at, at + c));
            at += c; // sum checked against chunk_count by Manifest::decode
        }
        for l in (0..LEVELS - 1).rev() {
            let mut child = 0usize;
            for (i, &(_, n)) in f.nodes[l].iter().enumerate() {
                let n = n as usize;
                for p in &mut parents[l + 1][child..child + n] {
                    *p = i as u32;
                }
                let below = &ranges[l + 1];
                ranges[l].push(if n == 0 {
                    (0, 0)
                } else {
                    (below[child].0, below[child + n - 1].1)
                });
                child += n;
            }
        }
        let blocks = block_count(m.settings.chunk_count, m.blocks.chunks);
        let shards = m.shards.count as usize;
        let mut dirs = vec![None; m.shards.blocks()];
        if let (Some(all), Some(first)) = (&m.shards.inline, dirs.first_mut()) {
            *first = Some(all.clone());
        }
        let (token_shards, partitions) = m
            .semantic
            .as_ref()
            .map_or((0, 0), |s| (s.token_shards(), s.partitions()));
        let tokenizer = Tokenizer::new(m.settings.tokenizer);
        let names = product_names(
            &tokenizer,
            f.nodes[1]
                .iter()
                .enumerate()
                .map(|(i, &(name, _))| (i, f.names[1][name as usize].as_str())),
            &m.names,
        );
        let version_names = version_names(
            &tokenizer,
            f.nodes[2].iter().enumerate().map(|(i, &(name, _))| {
                (
                    i,
                    parents[2][i] as usize,
                    f.names[2][name as usize].as_str(),
                )
            }),
        );
        Ok(Index {
            names,
            version_names,
            vocab: None,
            token_rows: vec![None; token_shards],
            partitions: vec![None; partitions],
            synonyms: Synonyms::new(&tokenizer, &m.synonyms),
            tokenizer,
            parents,
            ranges,
            dirs,
            terms: (0..shards).map(|_| None).collect(),
            positions: (0..shards).map(|_| None).collect(),
            fragments: vec![None; fragment_slots(&m).0],
            copies: vec![None; fragment_slots(&m).1],
            doc_blocks: vec![None; blocks],
            twins: TwinBlocks::new(m.blocks.chunks, if m.blocks.twins { blocks } else { 0 }),
            ranking_files: 0,
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

    /// Number of documents.
    pub fn document_count(&self) -> u32 {
        self.m.facets.document_count()
    }

    /// Document `index` (see [`FacetCounts::document`]); `None` until a
    /// document block that lists it is added, or when out of range.
    pub fn document(&self, index: u32) -> Option<DocumentInfo> {
        self.doc_blocks.iter().flatten().find_map(|b| {
            let i = b.local_index(index)?;
            Some(DocumentInfo {
                key: b.keys[i].clone(),
                title: b.titles[i].clone(),
                start: b.starts[i],
                end: b.starts[i + 1],
            })
        })
    }

    /// Document index of a chunk ordinal; `None` when out of range or
    /// until the chunk's document block (see [`Index::doc_blocks_for`]) is
    /// added.
    pub fn document_of(&self, ordinal: u32) -> Option<u32> {
        if ordinal >= self.chunk_count() {
            return None;
        }
        let b = self.doc_block(ordinal)?;
        Some(b.first_doc + b.local_of(ordinal)? as u32)
    }

    /// The added document block holding `ordinal`.
    pub(super) fn doc_block(&self, ordinal: u32) -> Option<&DocBlock> {
        self.doc_blocks
            .get((ordinal / self.m.blocks.chunks) as usize)?
            .as_ref()
    }

    /// Doc set node (leaf of the facet tree) of an ordinal below the chunk
    /// count.
    pub(super) fn leaf_of(&self, ordinal: u32) -> usize {
        let leaves = &self.ranges[LEVELS - 1];
        leaves
            .partition_point(|r| r.1 <= ordinal)
            .min(leaves.len() - 1)
    }

    /// Version of a chunk ordinal (known from the manifest alone, so the
    /// versions of [`SearchResult::also`] need no fragment).
    pub fn version_of(&self, ordinal: u32) -> Option<&str> {
        if ordinal >= self.chunk_count() {
            return None;
        }
        Some(self.leaf_names(self.leaf_of(ordinal))[VERSION_LEVEL])
    }

    /// Vendor, product, version and doc-set names of doc set node `leaf`.
    pub(super) fn leaf_names(&self, leaf: usize) -> [&str; LEVELS] {
        let f = &self.m.facets;
        let mut names = [""; LEVELS];
        let mut node = leaf;
        for l in (0..LEVELS).rev() {
            names[l] = &f.names[l][f.nodes[l][node].0 as usize];
            if l > 0 {
                node = self.parents[l][node] as usize;
            }
        }
        names
    }

    /// Facet values and tree, with the documents of the document blocks
    /// added so far (all of them on a server that adds every file).
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
        // A document that straddles blocks is listed by each: keep one.
        let mut documents: Vec<DocumentInfo> = Vec::new();
        let mut next = 0u32;
        for b in self.doc_blocks.iter().flatten() {
            for i in 0..b.len() {
                let d = b.first_doc + i as u32;
                if d >= next {
                    documents.push(DocumentInfo {
                        key: b.keys[i].clone(),
                        title: b.titles[i].clone(),
                        start: b.starts[i],
                        end: b.starts[i + 1],
                    });
                    next = d + 1;
                }
            }
        }
        Facets {
            vendor: f.names[0].clone(),
            product: f.names[1].clone(),
            version: f.names[2].clone(),
            doc_set: f.names[3].clone(),
            tree,
            documents,
        }
    }

    /// Ordinals and quantised impacts of `term` (an index term, as the
    /// tokenizer emits it); `Ok(None)` when the index does not have it. For
    /// tools and tests.
    pub fn postings(&self, term: &str) -> Result<Option<PostingsView<'_>>, SearchError> {
        match self.lookup(term) {
            Ok(t) => Ok(t.map(|t| (t.ords.as_slice(), t.impacts.as_slice()))),
            Err(m) => Err(SearchError::NotLoaded(vec![m.path()])),
        }
    }

    /// Positions of `term` in chunk `ordinal` per field (title, heading,
    /// body); `Ok(None)` when the chunk does not contain the term.
    pub fn positions(
        &self,
        term: &str,
        ordinal: u32,
    ) -> Result<Option<[Vec<u32>; 3]>, SearchError> {
        let s = match self.shard_of(term) {
            Ok(Some(s)) => s,
            Ok(None) => return Ok(None),
            Err(m) => return Err(SearchError::NotLoaded(vec![m.path()])),
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

    /// Whether the index holds vectors (was built with a model).
    pub fn has_semantic(&self) -> bool {
        self.m.semantic.is_some()
    }

    /// Model and vector settings of an index with vectors.
    pub fn semantic_settings(&self) -> Option<&SemanticSettings> {
        self.m.semantic.as_ref()
    }
}
