//! The index writer.

mod lexical;
mod semantic;

use lexical::*;
pub use semantic::embedding_text;
use semantic::*;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use crate::analysis::{
    Analysed, AnalysisCache, AnalysisCounts, ChunkTerms, KMeansMemo, KeptVector, Made,
};
use crate::codec::{crc32, crc32_update, seal, FileKind, Writer};
use crate::directory::{ShardTable, DEFAULT_DIR_MIN, DEFAULT_ROOT_ENTRIES};
use crate::docblock::encode_doc_blocks;
use crate::embed::kmeans::{kmeans, kmeans_sample, nearest};
use crate::embed::vectors::{
    encode_partition, encode_token_shard, SemanticSettings, VectorEncoding,
};
use crate::embed::wordpiece::PieceCache;
use crate::embed::Model;
use crate::error::BuildError;
use crate::fragment::{encode_fragment, ChunkDisplay, Family};
use crate::hash::FastMap;
pub use crate::input::ChunkInput;
use crate::input::Passage;
use crate::layout::{
    copy_fragment_path, doc_block_path, fragment_path, partition_path, position_shard_path,
    shard_dir_path, term_shard_path, token_shard_path, twin_block_path,
};
pub use crate::layout::{CENTROIDS_PATH, MANIFEST_PATH, MAX_CHUNKS, VOCAB_PATH};
use crate::manifest::{Blocks, FacetTree, Manifest, RankingParams, Settings, LEVELS};
use crate::par;
use crate::prior::ChangeDocs;
use crate::shard::{
    encode_position_shard, encode_postings, encode_term_shard, EncodedTerm, FieldPositions,
};
use crate::spill::{
    crc32_combine, spill_err, write_run, MemorySpill, Merge, SpillId, SpillStore, TermAcc,
    ENTRY_OVERHEAD,
};
use crate::twins::Twins;

use crate::tokenize::{Tokenizer, TokenizerSettings};

/// Options of [`build_index`].
#[derive(Debug, Clone, PartialEq)]
pub struct BuildOptions {
    pub tokenizer: TokenizerSettings,
    pub ranking: RankingParams,
    /// A term shard is closed once it reaches this many bytes; a term whose
    /// postings alone are larger gets a shard of its own. 2 KiB by default:
    /// against 8 KiB, a cold query's term shards at 60k chunks fell from
    /// 14.0 to 7.6 KB for 1% more files (bench/results/build-speed.md,
    /// session 31).
    pub shard_target_bytes: usize,
    /// Most first terms of the term-shard table the manifest holds; a
    /// larger table goes to directory blocks `s/<j>.bin` (one more request
    /// round, a manifest that does not grow with the library).
    pub shard_root_entries: usize,
    /// Fewest shards per directory block.
    pub shard_dir_min: usize,
    /// Chunks per fragment file (1 = each result costs exactly its own
    /// bytes). The default, 3, makes a third of a file per chunk; a cold
    /// result fetches about twice its own bytes gzipped (0.8 vs 0.4 KB on
    /// the PowerShell docs), fewer when results are neighbours.
    pub fragment_group: u32,
    /// Ordinals per copy fragment file `c/<k>.bin`, which holds the
    /// records of twin copies (passages whose text another version's
    /// record holds; see [`crate::fragment`]). A copy's record is a few
    /// bytes, so a larger group than `fragment_group` costs a result little
    /// and spares the site a file (and its filesystem block) per few copies.
    pub copy_group: u32,
    /// Chunks per document block `d/<k>.bin` and twin block `w/<k>.bin`:
    /// smaller blocks cost a query fewer bytes and the site more files.
    pub block_chunks: u32,
    /// Semantic search: when set, the index also holds chunk vectors, the
    /// model's token table and its vocabulary. `None` (the default) builds
    /// a lexical-only index.
    pub semantic: Option<SemanticOptions>,
    /// Bytes of postings the writer accumulates before it spills them as a
    /// sorted run (see [`crate::spill`]). The index is the same bytes
    /// whatever the budget; a smaller one trades memory for merge work.
    pub memory_budget: usize,
    /// The site's thesaurus: its own entries and whether the built-in one
    /// is used (see [`crate::synonyms`]); carried by the manifest.
    pub synonyms: crate::synonyms::SynonymSettings,
    /// Names of products besides their ids (display names, aliases), by
    /// which a query names a product (see [`crate::names`]).
    pub names: crate::names::ProductNames,
    /// Weight β of the in-link prior: a chunk's lexical impacts are scaled
    /// by `1 + β·ln(1 + inlinks)` (inlinks capped at [`INLINKS_CAP`]),
    /// relative to the largest such factor of the library, so a library
    /// without links is ranked as with β = 0. Folded into the impacts: no
    /// bytes and no work at query time. 0 turns it off.
    pub inlink_prior: f32,
}

/// In-links beyond this many add nothing to a chunk's prior.
pub const INLINKS_CAP: u32 = 1000;

/// Default [`BuildOptions::inlink_prior`], chosen on the doc-QA dev split
/// (bench/results/doc-qa-steps.md, step 17).
pub const DEFAULT_INLINK_PRIOR: f32 = 0.05;

/// Default [`BuildOptions::memory_budget`].
pub const DEFAULT_MEMORY_BUDGET: usize = 256 << 20;

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            tokenizer: TokenizerSettings::default(),
            ranking: RankingParams::default(),
            shard_target_bytes: 2 * 1024,
            shard_root_entries: DEFAULT_ROOT_ENTRIES,
            shard_dir_min: DEFAULT_DIR_MIN,
            fragment_group: 3,
            copy_group: DEFAULT_COPY_GROUP,
            block_chunks: DEFAULT_BLOCK_CHUNKS,
            semantic: None,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            synonyms: crate::synonyms::SynonymSettings::default(),
            names: crate::names::ProductNames::default(),
            inlink_prior: DEFAULT_INLINK_PRIOR,
        }
    }
}

impl BuildOptions {
    /// These options with semantic search by `model` at its default settings.
    pub fn with_model(self, model: Arc<Model>) -> Self {
        self.with_semantic(SemanticOptions::new(model))
    }
    /// These options with semantic search configured by `s`.
    pub fn with_semantic(mut self, s: SemanticOptions) -> Self {
        self.semantic = Some(s);
        self
    }
}

/// Default [`BuildOptions::copy_group`].
pub const DEFAULT_COPY_GROUP: u32 = 16;

/// Default [`BuildOptions::block_chunks`].
pub const DEFAULT_BLOCK_CHUNKS: u32 = 1024;

/// Default semantic weight in the hybrid blend (see README, "Hybrid ranking").
pub const DEFAULT_SEMANTIC_WEIGHT: f32 = 0.3;

/// How the vector part of an index is built; see README ("Semantic search").
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticOptions {
    pub model: Arc<Model>,
    /// Token rows per token-table shard `e/<i>.bin`.
    pub rows_per_shard: u32,
    /// Target chunks per vector partition `v/<i>.bin`.
    pub partition_size: u32,
    /// Partitions searched per query.
    pub nprobe: u32,
    /// Best semantic matches that enter the blend.
    pub candidates: u32,
    /// Weight of the semantic score (lexical gets 1 − weight).
    pub weight: f32,
    /// How chunk vectors are stored.
    pub vectors: VectorEncoding,
    /// Chunk vectors from a full transformer, by chunk id: when set, the
    /// index's chunk vectors and query table are aligned to them
    /// ([`crate::embed::align`]) instead of coming from the table alone.
    pub teacher: Option<Arc<TeacherVectors>>,
}

/// Transformer vectors of every chunk of a build, by chunk id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TeacherVectors {
    /// Width of each vector.
    pub dims: usize,
    pub by_id: HashMap<String, Vec<f32>>,
}

impl SemanticOptions {
    pub fn new(model: Arc<Model>) -> Self {
        SemanticOptions {
            model,
            rows_per_shard: 16,
            partition_size: 512,
            nprobe: 4,
            candidates: 100,
            weight: DEFAULT_SEMANTIC_WEIGHT,
            vectors: VectorEncoding::Binary,
            teacher: None,
        }
    }
}

/// A term waiting for its shard to be written.
struct PendingTerm {
    term: String,
    df: u32,
    postings: Vec<u8>,
    positions: Vec<u8>,
}

/// A finished payload in the spill store, with what the build id needs.
struct Stored {
    id: SpillId,
    crc: u32,
    len: u64,
}

fn stash(store: &dyn SpillStore, payload: Vec<u8>) -> Result<Stored, BuildError> {
    let crc = crc32(&payload);
    let len = payload.len() as u64;
    let id = store.put(payload).map_err(spill_err)?;
    Ok(Stored { id, crc, len })
}

/// Build an index from chunks. Chunks are reordered by (vendor, product,
/// version, doc set, document), keeping input order within a document;
/// the resulting position is the chunk's *ordinal*.
pub fn build_index(chunks: Vec<ChunkInput>, opts: &BuildOptions) -> Result<IndexFiles, BuildError> {
    let mut files: IndexFiles = Vec::new();
    build_index_to(chunks, opts, &MemorySpill::default(), |path, bytes| {
        files.push((path, bytes));
        Ok::<(), BuildError>(())
    })?;
    Ok(files)
}

/// [`build_index`], keeping what does not fit [`BuildOptions::memory_budget`]
/// in `store` and handing each finished file to `emit` (in the order
/// [`build_index`] lists them: the fragments first, while the rest is
/// being computed) instead of collecting them.
pub fn build_index_to<E: From<BuildError> + Send>(
    chunks: Vec<ChunkInput>,
    opts: &BuildOptions,
    store: &dyn SpillStore,
    emit: impl FnMut(String, Vec<u8>) -> Result<(), E> + Send,
) -> Result<(), E> {
    build_index_to_cached(chunks, opts, store, None, emit)
}

/// [`build_index_to`], taking each chunk's analysis (terms, token ids,
/// vector) from `cache` where an earlier build analysed the same text with
/// the same settings, and leaving this build's in it. The files are the
/// same bytes as without a cache. The analysis of every chunk is held in
/// memory (the cache keeps it), not spilled.
pub fn build_index_to_cached<E: From<BuildError> + Send>(
    mut chunks: Vec<ChunkInput>,
    opts: &BuildOptions,
    store: &dyn SpillStore,
    cache: Option<&AnalysisCache>,
    mut emit: impl FnMut(String, Vec<u8>) -> Result<(), E> + Send,
) -> Result<(), E> {
    if chunks.len() > MAX_CHUNKS {
        return Err(BuildError::TooManyChunks(chunks.len()).into());
    }
    if opts.shard_target_bytes == 0 {
        return Err(BuildError::InvalidOption("shard_target_bytes must be positive").into());
    }
    if opts.shard_root_entries == 0 || opts.shard_dir_min == 0 {
        return Err(BuildError::InvalidOption("shard table sizes must be positive").into());
    }
    if opts.fragment_group == 0 || opts.copy_group == 0 {
        return Err(BuildError::InvalidOption("fragment groups must be positive").into());
    }
    if opts.block_chunks == 0 {
        return Err(BuildError::InvalidOption("block_chunks must be positive").into());
    }
    let r = &opts.ranking;
    let params_ok = r.k1.is_finite()
        && r.k1 > 0.0
        && r.fields()
            .iter()
            .all(|f| f.weight.is_finite() && f.weight >= 0.0 && (0.0..=1.0).contains(&f.b));
    if !params_ok {
        return Err(BuildError::InvalidOption("ranking parameters out of range").into());
    }
    if !(opts.inlink_prior.is_finite() && opts.inlink_prior >= 0.0) {
        return Err(
            BuildError::InvalidOption("inlink_prior must be finite and non-negative").into(),
        );
    }
    let mut seen = HashSet::with_capacity(chunks.len());
    for c in &chunks {
        if !seen.insert(c.id.as_str()) {
            return Err(BuildError::DuplicateId(c.id.clone()).into());
        }
    }
    drop(seen);
    sort_by_facets(&mut chunks);

    let (facets, doc_chunks) = facet_tree(&chunks);
    let tokenizer = Tokenizer::new(opts.tokenizer);

    let model = opts.semantic.as_ref().map(|s| &s.model);
    let lookup = cache
        .map(|cache| {
            let vocab = model.map(|m| (m, vocab_lookup(m)));
            cache.lookup(
                &chunks,
                opts.tokenizer,
                model,
                PIECE_CACHE_CHUNKS,
                |block| {
                    let ids = vocab
                        .as_ref()
                        .map(|(m, lookup)| block_token_ids(m, lookup, block));
                    let mut ids = ids.map(Vec::into_iter);
                    block
                        .iter()
                        .map(|c| Analysed {
                            terms: chunk_terms(&tokenizer, c),
                            ids: ids
                                .as_mut()
                                .and_then(|i| i.next())
                                .map(Vec::into_boxed_slice),
                        })
                        .collect()
                },
            )
        })
        .transpose()?;

    // A chunk is analysed once per distinct passage (see `Sources`); with
    // a cache every chunk's analysis is looked up instead.
    // `first`: per chunk, the first chunk with its passage (the twins are
    // found among those).
    let (passages, holders);
    let (terms_of, vectors_from, first) = match &lookup {
        Some(l) => {
            holders = first_holders(&l.analysed);
            (
                TermsOf::Cache(&l.analysed),
                VectorsFrom::Kept(KeptVectors {
                    analysed: &l.analysed,
                    first: &holders,
                    vectors: &l.vectors,
                    weights: &l.weights,
                    kmeans: l.kmeans.as_deref(),
                }),
                &holders[..],
            )
        }
        None => {
            passages = Sources::of(&chunks);
            (
                TermsOf::Passages(&passages),
                VectorsFrom::Passages(&passages),
                &passages.first[..],
            )
        }
    };

    // The inverted index, the fragments and the vectors do not depend on
    // each other. The fragments, most of the index's files, carry an id of
    // their own (the manifest holds it), so they go to `emit` while the
    // rest is computed; they come first in the join because rayon runs the
    // first closure itself and lets the other core steal the second.
    let emit_fragments = &mut emit;
    let (fragments, (lexical, semantic)) = par::join(
        || -> Result<(Twins, u32), E> {
            let (twins, payloads) = fragments(&chunks, first, opts, store)?;
            let id = payloads
                .iter()
                .fold(0, |id, (_, _, s)| crc32_combine(id, s.crc, s.len));
            for (path, kind, s) in payloads {
                let payload = store.take(s.id).map_err(spill_err)?;
                emit_fragments(path, seal(kind, id, &payload))?;
            }
            Ok((twins, id))
        },
        || {
            par::join(
                || invert(&chunks, &tokenizer, opts, store, terms_of),
                || {
                    opts.semantic
                        .as_ref()
                        .map(|s| build_semantic(&chunks, s, store, vectors_from))
                },
            )
        },
    );
    let Lexical {
        avg_len,
        shard_firsts,
        term_payloads,
        pos_payloads,
    } = lexical?;
    let (twins, fragments_id) = fragments?;
    let (semantic, made) = match semantic.transpose()? {
        Some((files, made)) => (Some(files), made),
        None => (None, None),
    };
    if let (Some(cache), Some(lookup)) = (cache, lookup) {
        let analysed = lookup.fresh;
        let (made, embedded) = made.unwrap_or_else(|| {
            let none = Made {
                vectors: vec![None; chunks.len()],
                ..Made::default()
            };
            (none, 0)
        });
        let counts = AnalysisCounts {
            reused: lookup.reused,
            analysed,
            embedded,
        };
        cache.store(
            &chunks,
            opts.tokenizer,
            model,
            lookup.analysed,
            made,
            counts,
        )?;
    }
    let (shard_table, dir_payloads) =
        ShardTable::split(shard_firsts, opts.shard_root_entries, opts.shard_dir_min);

    // Documents, twins and change documents: the per-document and
    // per-chunk tables go to blocks, the manifest keeps their sizes.
    let mut docs: Vec<(u32, &str, &str)> = Vec::with_capacity(doc_chunks.len());
    let mut at = 0usize;
    for &n in &doc_chunks {
        let c = &chunks[at];
        docs.push((n, &c.document, &c.title));
        at += n as usize;
    }
    let block = opts.block_chunks;
    let doc_block_payloads = encode_doc_blocks(&docs, block);
    let twin_block_payloads = twins.encode_blocks(chunks.len() as u32, block);
    drop(twins);

    let mut manifest = Manifest {
        build_id: 0,
        fragments_id,
        settings: Settings {
            tokenizer: opts.tokenizer,
            ranking: opts.ranking,
            chunk_count: chunks.len() as u32,
            avg_len,
            fragment_group: opts.fragment_group,
            copy_group: opts.copy_group,
        },
        shards: shard_table,
        facets,
        semantic: semantic.as_ref().map(|s| s.settings.clone()),
        blocks: Blocks {
            chunks: block,
            twins: !twin_block_payloads.is_empty(),
        },
        changes: ChangeDocs::find(docs.iter().copied()),
        synonyms: opts.synonyms.clone(),
        names: opts.names.clone(),
    };
    let manifest_payload = manifest.encode();
    let centroids_payload = semantic.as_ref().map(|s| s.settings.encode_centroids());
    drop(chunks);

    // The build id ties every file to this manifest, so a stale cached shard
    // is detected instead of silently mixing two builds (the fragments by
    // their own id, which the manifest holds). Stored payloads enter it by
    // their CRCs: they are not read twice.
    let combine = |id: u32, s: &Stored| crc32_combine(id, s.crc, s.len);
    let mut id = crc32_update(0, &manifest_payload);
    id = term_payloads.iter().chain(&pos_payloads).fold(id, combine);
    for p in dir_payloads
        .iter()
        .chain(&doc_block_payloads)
        .chain(&twin_block_payloads)
        .chain(&centroids_payload)
    {
        id = crc32_update(id, p);
    }
    if let Some(s) = &semantic {
        id = crc32_update(id, &s.vocab);
        id = s.token_shards.iter().chain(&s.partitions).fold(id, combine);
    }
    manifest.build_id = id;

    let mut out = |path: String, kind: FileKind, s: Stored| -> Result<(), E> {
        let payload = store.take(s.id).map_err(spill_err)?;
        emit(path, seal(kind, id, &payload))
    };
    out(
        MANIFEST_PATH.into(),
        FileKind::Manifest,
        stash(store, manifest_payload)?,
    )?;
    for (j, p) in dir_payloads.into_iter().enumerate() {
        out(shard_dir_path(j), FileKind::ShardDir, stash(store, p)?)?;
    }
    for (i, p) in doc_block_payloads.into_iter().enumerate() {
        out(doc_block_path(i), FileKind::DocBlock, stash(store, p)?)?;
    }
    for (i, p) in twin_block_payloads.into_iter().enumerate() {
        out(twin_block_path(i), FileKind::TwinBlock, stash(store, p)?)?;
    }
    for (i, p) in term_payloads.into_iter().enumerate() {
        out(term_shard_path(i), FileKind::Terms, p)?;
    }
    for (i, p) in pos_payloads.into_iter().enumerate() {
        out(position_shard_path(i), FileKind::Positions, p)?;
    }
    if let Some(s) = semantic {
        out(VOCAB_PATH.into(), FileKind::Vocab, stash(store, s.vocab)?)?;
        if let Some(c) = centroids_payload {
            out(CENTROIDS_PATH.into(), FileKind::Centroids, stash(store, c)?)?;
        }
        for (i, p) in s.token_shards.into_iter().enumerate() {
            out(token_shard_path(i), FileKind::TokenRows, p)?;
        }
        for (i, p) in s.partitions.into_iter().enumerate() {
            out(partition_path(i), FileKind::Vectors, p)?;
        }
    }
    Ok(())
}

/// Where each chunk's analysis (its terms, token ids and vector) comes
/// from. Analysis reads only a chunk's title, headings and text, and a
/// library of several versions repeats most passages word for word (a
/// 259k-chunk benchmark library has 84k distinct ones), so each distinct
/// passage is analysed once, by its first chunk, and the chunks that
/// repeat it take that analysis: the same bytes, a third of the work.
pub(super) struct Sources {
    /// The first ordinal with the same title, headings and text (the
    /// chunk's own when it is the first).
    pub(super) first: Vec<u32>,
    /// For a first ordinal, the last ordinal that takes its analysis (its
    /// own when none does).
    pub(super) last_use: Vec<u32>,
    /// For a first ordinal, how many chunks share its analysis, itself
    /// included (0 for the others).
    pub(super) copies: Vec<u32>,
}

impl Sources {
    pub(super) fn of(chunks: &[ChunkInput]) -> Sources {
        let n = chunks.len();
        let mut by_passage: FastMap<Passage<'_>, u32> =
            FastMap::with_capacity_and_hasher(n, Default::default());
        let mut first = Vec::with_capacity(n);
        let mut last_use: Vec<u32> = (0..n as u32).collect();
        let mut copies = vec![0u32; n];
        for (o, c) in (0u32..).zip(chunks) {
            let f = *by_passage.entry(c.passage()).or_insert(o);
            first.push(f);
            last_use[f as usize] = o;
            copies[f as usize] += 1;
        }
        Sources {
            first,
            last_use,
            copies,
        }
    }

    pub(super) fn is_first(&self, o: usize) -> bool {
        self.first[o] as usize == o
    }
}

/// Fragment files, by path and kind, with their payloads in the store.
type FragmentFiles = Vec<(String, FileKind, Stored)>;

/// The fragments: own fragments `f/<k>.bin` (chunks with their text, a
/// group of `fragment_group` ordinals a file) and copy fragments
/// `c/<k>.bin` (twin copies, whose text their canonical member's record
/// holds; `copy_group` ordinals a file). A file with no record is not
/// written. Returns the twin sets too (found among the chunks that share a
/// passage, `first` as in [`Sources`]), which the twin blocks are made
/// from, and the files in path order, own fragments first.
fn fragments(
    chunks: &[ChunkInput],
    first: &[u32],
    opts: &BuildOptions,
    store: &dyn SpillStore,
) -> Result<(Twins, FragmentFiles), BuildError> {
    let twins = Twins::find(chunks, first);
    let is_copy = |o: u32| twins.canonical(o) != o;
    let display = |c: &ChunkInput, copy: bool| ChunkDisplay {
        id: c.id.clone(),
        url: c.url.clone(),
        title: c.title.clone(),
        breadcrumb: c.breadcrumb.clone(),
        page: c.page,
        page_label: c.page_label.clone(),
        paged: c.paged,
        document: c.document.clone(),
        text: if copy { String::new() } else { c.text.clone() },
    };
    let mut files = Vec::new();
    for (family, group, path, kind) in [
        (
            Family::Own,
            opts.fragment_group,
            fragment_path as fn(u32) -> String,
            FileKind::Fragments,
        ),
        (
            Family::Copies,
            opts.copy_group,
            copy_fragment_path,
            FileKind::CopyFragments,
        ),
    ] {
        let copies = family == Family::Copies;
        for (k, g) in chunks.chunks(group as usize).enumerate() {
            let start = k as u32 * group;
            let displays: Vec<(u32, ChunkDisplay)> = g
                .iter()
                .zip(start..)
                .filter(|&(_, o)| is_copy(o) == copies)
                .map(|(c, o)| (o, display(c, copies)))
                .collect();
            if displays.is_empty() {
                continue;
            }
            let refs: Vec<(u32, &ChunkDisplay)> = displays.iter().map(|(o, d)| (*o, d)).collect();
            let payload = encode_fragment(start, &refs, family);
            files.push((path(k as u32), kind, stash(store, payload)?));
        }
    }
    Ok((twins, files))
}

fn facet_key(c: &ChunkInput) -> (&str, &str, &str, &str, &str) {
    (&c.vendor, &c.product, &c.version, &c.doc_set, &c.document)
}

/// Orders `chunks` by [`facet_key`] exactly as a stable sort would. They
/// come in runs of one key (a streaming build receives each document's
/// chunks together), so the runs are sorted and the chunks moved once, in
/// place: sorting the chunks themselves moved every one of them at each
/// merge, a third of a second at 250k chunks while the other core waited.
fn sort_by_facets(chunks: &mut [ChunkInput]) {
    let mut runs: Vec<Range<usize>> = Vec::new();
    for i in 0..chunks.len() {
        match runs.last_mut() {
            Some(r) if facet_key(&chunks[r.start]) == facet_key(&chunks[i]) => r.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    // Stable, so runs of equal keys keep their order, as their chunks would.
    runs.sort_by(|a, b| facet_key(&chunks[a.start]).cmp(&facet_key(&chunks[b.start])));
    // `from[i]`: where the chunk that belongs at `i` is now.
    let mut from: Vec<usize> = runs.into_iter().flatten().collect();
    for start in 0..from.len() {
        // Each cycle of the permutation once: a placed slot points to itself.
        let mut at = start;
        loop {
            let src = from[at];
            from[at] = at;
            if src == start {
                break;
            }
            chunks.swap(at, src);
            at = src;
        }
    }
}

/// The facet tree of `chunks` (in ordinal order) and the chunks of each
/// document.
fn facet_tree(chunks: &[ChunkInput]) -> (FacetTree, Vec<u32>) {
    let mut t = FacetTree::default();
    let mut doc_chunks: Vec<u32> = Vec::new();
    let fields = |c: &ChunkInput| -> [String; LEVELS] {
        [
            c.vendor.clone(),
            c.product.clone(),
            c.version.clone(),
            c.doc_set.clone(),
        ]
    };
    let mut names: [BTreeSet<String>; LEVELS] = Default::default();
    for c in chunks {
        for (l, v) in fields(c).into_iter().enumerate() {
            names[l].insert(v);
        }
    }
    for (dst, src) in t.names.iter_mut().zip(names) {
        *dst = src.into_iter().collect();
    }
    let mut prev: Option<&ChunkInput> = None;
    for c in chunks {
        let pk = prev.map(facet_key);
        let ck = facet_key(c);
        let ck_arr = [ck.0, ck.1, ck.2, ck.3, ck.4];
        // First level at which this chunk differs from the previous one.
        let differs = match pk {
            None => 0,
            Some(p) => {
                let pa = [p.0, p.1, p.2, p.3, p.4];
                (0..5).find(|&i| pa[i] != ck_arr[i]).unwrap_or(5)
            }
        };
        for (l, value) in ck_arr.iter().enumerate().take(LEVELS).skip(differs) {
            let name = t.names[l]
                .binary_search_by(|n| n.as_str().cmp(value))
                .unwrap_or(0);
            t.nodes[l].push((name as u32, 0));
            if l == LEVELS - 1 {
                t.leaf_chunks.push(0);
            }
            if l > 0 {
                if let Some(parent) = t.nodes[l - 1].last_mut() {
                    parent.1 += 1;
                }
            }
        }
        if differs <= LEVELS {
            doc_chunks.push(0);
            if let Some(parent) = t.nodes[LEVELS - 1].last_mut() {
                parent.1 += 1;
            }
        }
        if let Some(d) = doc_chunks.last_mut() {
            *d += 1;
        }
        if let Some(d) = t.leaf_chunks.last_mut() {
            *d += 1;
        }
        prev = Some(c);
    }
    (t, doc_chunks)
}

/// The files of a built index: (path relative to the index directory, bytes).
pub type IndexFiles = Vec<(String, Vec<u8>)>;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The runs' sort leaves the chunks where a stable sort of the
        /// chunks would, whether the keys come in runs (a streaming build)
        /// or interleaved (any caller of `build_index`).
        #[test]
        fn sorting_the_runs_is_the_stable_sort_of_the_chunks(
            keys in proptest::collection::vec((0u8..3, 0u8..2, 0u8..3, 0u8..2, 0u8..4), 0..200),
        ) {
            let chunks: Vec<ChunkInput> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| ChunkInput {
                    id: i.to_string(),
                    vendor: format!("v{}", k.0),
                    product: format!("p{}", k.1),
                    version: format!("r{}", k.2),
                    doc_set: format!("s{}", k.3),
                    document: format!("d{}", k.4),
                    ..ChunkInput::default()
                })
                .collect();
            let mut expected = chunks.clone();
            expected.sort_by(|a, b| facet_key(a).cmp(&facet_key(b)));
            let mut got = chunks;
            sort_by_facets(&mut got);
            prop_assert_eq!(got, expected);
        }
    }
}
