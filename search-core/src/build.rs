//! The index writer.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use crate::analysis::{
    Analysed, AnalysisCache, AnalysisCounts, ChunkTerms, KMeansMemo, KeptVector, Made,
};
use crate::codec::{crc32, crc32_update, seal, FileKind, Writer};
use crate::directory::{ShardTable, DEFAULT_DIR_MIN, DEFAULT_ROOT_ENTRIES};
use crate::docblock::encode_doc_blocks;
use crate::embed::vectors::{
    encode_partition, encode_token_shard, kmeans, kmeans_sample, nearest, SemanticSettings,
    VectorEncoding,
};
use crate::embed::wordpiece::PieceCache;
use crate::embed::Model;
use crate::error::BuildError;
use crate::fragment::{encode_fragment, ChunkDisplay};
use crate::hash::FastMap;
pub use crate::input::ChunkInput;
use crate::layout::{
    doc_block_path, fragment_path, partition_path, position_shard_path, shard_dir_path,
    term_shard_path, token_shard_path, twin_block_path,
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
    /// postings alone are larger gets a shard of its own.
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
}

/// Default [`BuildOptions::memory_budget`].
pub const DEFAULT_MEMORY_BUDGET: usize = 256 << 20;

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            tokenizer: TokenizerSettings::default(),
            ranking: RankingParams::default(),
            shard_target_bytes: 8 * 1024,
            shard_root_entries: DEFAULT_ROOT_ENTRIES,
            shard_dir_min: DEFAULT_DIR_MIN,
            fragment_group: 3,
            block_chunks: DEFAULT_BLOCK_CHUNKS,
            semantic: None,
            memory_budget: DEFAULT_MEMORY_BUDGET,
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
        }
    }
}

/// The text of a chunk that is embedded: title, headings and body.
pub fn embedding_text(c: &ChunkInput) -> String {
    let mut s = String::with_capacity(c.title.len() + c.text.len() + 64);
    s.push_str(&c.title);
    for h in &c.breadcrumb {
        s.push('\n');
        s.push_str(h);
    }
    s.push('\n');
    s.push_str(&c.text);
    s
}

/// Weight of each token in this corpus: BM25's IDF over the `n` chunks,
/// from the number of chunks that contain it (a token no chunk contains
/// gets the largest weight).
fn token_weights(df: &[u32], n: usize) -> Vec<f32> {
    let n = n as f64;
    df.iter()
        .map(|&d| {
            let d = f64::from(d);
            (1.0 + (n - d + 0.5) / (d + 0.5)).ln() as f32
        })
        .collect()
}

/// Blocks of [`PIECE_CACHE_CHUNKS`] chunks cut into token ids per parallel
/// step; the ids wait in the spill store between the two passes (document
/// frequencies first, then vectors).
const ID_BLOCKS_PER_STEP: usize = 64;

/// Token ids of a block of chunks, as varints: per chunk its count, then
/// its ids.
fn encode_ids(ids: &[Vec<u32>]) -> Vec<u8> {
    let mut w = Writer::new();
    for c in ids {
        w.varint(c.len() as u64);
        for &id in c {
            w.varint(u64::from(id));
        }
    }
    w.buf
}

fn decode_ids(bytes: &[u8]) -> Result<Vec<Vec<u32>>, BuildError> {
    let bad = |_| BuildError::Spill("spilled token ids do not decode".into());
    let mut r = crate::codec::Reader::new(bytes);
    let mut out = Vec::new();
    while !r.is_empty() {
        let n = r.varint().map_err(bad)? as usize;
        let mut c = Vec::with_capacity(n);
        for _ in 0..n {
            c.push(r.varint_u32().map_err(bad)?);
        }
        out.push(c);
    }
    Ok(out)
}

/// Chunks cut into pieces with one word cache: big enough that most words
/// repeat within a block, small enough for many blocks per core.
const PIECE_CACHE_CHUNKS: usize = 256;

/// Payloads of the semantic files.
struct SemanticFiles {
    settings: SemanticSettings,
    vocab: Vec<u8>,
    token_shards: Vec<Stored>,
    partitions: Vec<Stored>,
}

/// Token ids of each chunk of `block`, cut with one word cache.
fn block_token_ids(m: &Model, lookup: &FastMap<&str, u32>, block: &[&ChunkInput]) -> Vec<Vec<u32>> {
    let mut cache = PieceCache::default();
    block
        .iter()
        .map(|c| {
            m.vocab()
                .token_ids_cached(&embedding_text(c), |t| lookup.get(t).copied(), &mut cache)
        })
        .collect()
}

fn vocab_lookup(m: &Model) -> FastMap<&str, u32> {
    m.vocab().iter().zip(0u32..).collect()
}

/// Vectors of the last build that a build with a cache may keep.
struct KeptVectors<'a> {
    analysed: &'a [Arc<Analysed>],
    vectors: &'a [KeptVector],
    weights: &'a [f32],
    kmeans: Option<&'a KMeansMemo>,
}

fn build_semantic(
    chunks: &[ChunkInput],
    s: &SemanticOptions,
    store: &dyn SpillStore,
    kept: Option<KeptVectors<'_>>,
) -> Result<(SemanticFiles, Option<(Made, usize)>), BuildError> {
    if s.rows_per_shard == 0 || s.partition_size == 0 || s.nprobe == 0 || s.candidates == 0 {
        return Err(BuildError::InvalidOption(
            "semantic shard, partition, probe and candidate counts must be positive",
        ));
    }
    if !(0.0..=1.0).contains(&s.weight) {
        return Err(BuildError::InvalidOption(
            "semantic weight must be in [0, 1]",
        ));
    }
    let m = &*s.model;
    let n = chunks.len();
    let Some(kept) = kept else {
        let (vectors, weights) = vectors_streamed(chunks, m, store)?;
        let (files, _) = semantic_files(&vectors, &weights, s, store, n, None)?;
        return Ok((files, None));
    };
    let (vectors, made, weights) = vectors_from_cache(m, n, &kept);
    // Where a kept vector's partition still holds: its vector is the same.
    let partitions: Vec<Option<u32>> = made
        .iter()
        .zip(kept.vectors)
        .map(|((_, new), k)| k.as_ref().and_then(|k| k.1).filter(|_| !new))
        .collect();
    let embedded = made.iter().filter(|(_, new)| *new).count();
    let (files, (assigned, kmeans)) = semantic_files(
        &vectors,
        &weights,
        s,
        store,
        n,
        Some((kept.kmeans, &partitions)),
    )?;
    let made = Made {
        vectors: made
            .into_iter()
            .zip(assigned)
            .map(|((v, _), p)| Some((v, Some(p))))
            .collect(),
        weights,
        kmeans: Some(Arc::new(kmeans)),
    };
    Ok((files, Some((made, embedded))))
}

/// Document frequencies of the tokens over the chunks' ids.
struct Df {
    df: Vec<u32>,
    seen: Vec<u32>,
    c: u32,
}

impl Df {
    fn new(vocab_size: usize) -> Df {
        Df {
            df: vec![0; vocab_size],
            seen: vec![u32::MAX; vocab_size],
            c: 0,
        }
    }

    fn add(&mut self, ids: &[u32]) {
        for &id in ids {
            if self.seen[id as usize] != self.c {
                self.seen[id as usize] = self.c;
                self.df[id as usize] += 1;
            }
        }
        self.c += 1;
    }
}

/// Vectors from the cached token ids; a chunk's kept vector is used when
/// none of its tokens changed weight.
#[allow(clippy::type_complexity)]
fn vectors_from_cache(
    m: &Model,
    n: usize,
    kept: &KeptVectors<'_>,
) -> (Vec<f32>, Vec<(Arc<[f32]>, bool)>, Vec<f32>) {
    let d = m.dims();
    let mut df = Df::new(m.vocab().len());
    fn ids(a: &Analysed) -> &[u32] {
        a.ids.as_deref().unwrap_or(&[])
    }
    for a in kept.analysed {
        df.add(ids(a));
    }
    let weights = token_weights(&df.df, n);
    let changed: Vec<bool> = if kept.weights.len() == weights.len() {
        weights
            .iter()
            .zip(kept.weights)
            .map(|(a, b)| a.to_bits() != b.to_bits())
            .collect()
    } else {
        vec![true; weights.len()]
    };
    let items: Vec<(&Arc<Analysed>, &KeptVector)> =
        kept.analysed.iter().zip(kept.vectors).collect();
    let made = par::map(&items, |(a, v)| match v {
        Some((v, _)) if !ids(a).iter().any(|&t| changed[t as usize]) => (v.clone(), false),
        _ => {
            let v = crate::embed::embed_ids(ids(a), m.quantization(), d, |id| {
                Some((m.row(id), weights[id as usize]))
            });
            (Arc::from(v), true)
        }
    });
    let mut vectors = Vec::with_capacity(n * d);
    for (v, _) in &made {
        vectors.extend_from_slice(v);
    }
    (vectors, made, weights)
}

/// Vectors with the token ids cut twice over: once for the document
/// frequencies, then kept in the store until their weights are known.
fn vectors_streamed(
    chunks: &[ChunkInput],
    m: &Model,
    store: &dyn SpillStore,
) -> Result<(Vec<f32>, Vec<f32>), BuildError> {
    let d = m.dims();
    let n = chunks.len();
    let vocab_size = m.vocab().len() as u32;
    // A hash map beats the vocabulary's binary search over a whole corpus,
    // and each block of chunks cuts each distinct word once.
    let lookup = vocab_lookup(m);
    let blocks: Vec<&[ChunkInput]> = chunks.chunks(PIECE_CACHE_CHUNKS).collect();
    // Token ids are needed twice (document frequencies, then the vectors
    // they weight) and are several times the vectors' size: each block's
    // go to the store, compact, between the passes.
    let mut df = vec![0u32; vocab_size as usize];
    let mut seen = vec![u32::MAX; vocab_size as usize];
    let mut id_blobs = Vec::with_capacity(blocks.len());
    let mut c = 0u32;
    for step in blocks.chunks(ID_BLOCKS_PER_STEP) {
        let ids = par::map(step, |block| {
            let block: Vec<&ChunkInput> = block.iter().collect();
            block_token_ids(m, &lookup, &block)
        });
        for block in ids {
            for ids in &block {
                for &id in ids {
                    if seen[id as usize] != c {
                        seen[id as usize] = c;
                        df[id as usize] += 1;
                    }
                }
                c += 1;
            }
            id_blobs.push(store.put(encode_ids(&block)).map_err(spill_err)?);
        }
    }
    drop(seen);
    let weights = token_weights(&df, n);
    let mut vectors: Vec<f32> = Vec::with_capacity(n * d);
    for step in id_blobs.chunks(ID_BLOCKS_PER_STEP) {
        let encoded = step
            .iter()
            .map(|&id| store.take(id).map_err(spill_err))
            .collect::<Result<Vec<_>, _>>()?;
        let embedded = par::map(&encoded, |bytes| {
            decode_ids(bytes).map(|ids| {
                ids.iter()
                    .flat_map(|ids| {
                        crate::embed::embed_ids(ids, m.quantization(), d, |id| {
                            Some((m.row(id), weights[id as usize]))
                        })
                    })
                    .collect::<Vec<f32>>()
            })
        });
        for v in embedded {
            vectors.extend(v?);
        }
    }
    Ok((vectors, weights))
}

/// The semantic files from the chunk vectors: partitions by k-means, the
/// token table with the corpus' weights, the vocabulary.
/// With `kept` (the last build's k-means and, per chunk whose vector did
/// not change, its partition), the centroids are trained only when their
/// sample changed and kept vectors are assigned only when the centroids
/// did; the assignment and this k-means are returned for the next build.
#[allow(clippy::type_complexity)]
fn semantic_files(
    vectors: &[f32],
    weights: &[f32],
    s: &SemanticOptions,
    store: &dyn SpillStore,
    n: usize,
    kept: Option<(Option<&KMeansMemo>, &[Option<u32>])>,
) -> Result<(SemanticFiles, (Vec<u32>, KMeansMemo)), BuildError> {
    let m = &*s.model;
    let d = m.dims();
    let vocab_size = m.vocab().len() as u32;
    let mut mean = vec![0f32; d];
    for v in vectors.chunks(d) {
        for (a, x) in mean.iter_mut().zip(v) {
            *a += x;
        }
    }
    for a in &mut mean {
        *a /= n.max(1) as f32;
    }
    let k = n.div_ceil(s.partition_size as usize).max(1);
    let memo = kept.and_then(|k| k.0);
    let sample: Vec<f32> = kmeans_sample(n, k)
        .into_iter()
        .flat_map(|i| vectors[i * d..(i + 1) * d].iter().copied())
        .collect();
    let same_bits = |a: &[f32], b: &[f32]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    };
    let trained = match memo {
        Some(m) if m.k == k && same_bits(&m.sample, &sample) => m.trained.clone(),
        _ => kmeans(vectors, d, k, 10),
    };
    // Assign with the centroids as the reader will see them (quantised).
    let (_, cent) = SemanticSettings::quantize_centroids(d, &trained);
    let previous: &[Option<u32>] = match (memo, kept) {
        (Some(m), Some((_, p))) if same_bits(&m.cent, &cent) => p,
        _ => &[],
    };
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); k];
    let rows: Vec<(usize, &[f32])> = vectors.chunks(d).enumerate().collect();
    let assigned = par::map(&rows, |&(o, v)| match previous.get(o) {
        Some(&Some(p)) => p,
        _ => nearest(&cent, d, v) as u32,
    });
    for (o, &p) in assigned.iter().enumerate() {
        members[p as usize].push(o as u32);
    }
    let mut centroids = Vec::new();
    let mut partition_sizes = Vec::new();
    let mut partitions = Vec::new();
    for (p, ords) in members.iter().enumerate() {
        if ords.is_empty() && n > 0 {
            continue;
        }
        centroids.extend_from_slice(&trained[p * d..(p + 1) * d]);
        partition_sizes.push(ords.len() as u32);
        let mut codes = Vec::with_capacity(ords.len() * s.vectors.code_bytes(d));
        for &o in ords {
            s.vectors.encode(
                &vectors[o as usize * d..(o as usize + 1) * d],
                &mean,
                &mut codes,
            );
        }
        partitions.push(stash(store, encode_partition(ords, &codes))?);
    }
    let mut vw = Writer::new();
    m.vocab().encode(&mut vw);
    let token_shards = (0..vocab_size.div_ceil(s.rows_per_shard))
        .map(|i| {
            let first = i * s.rows_per_shard;
            let count = (vocab_size - first).min(s.rows_per_shard);
            let mut rows = Vec::new();
            for id in first..first + count {
                rows.extend_from_slice(m.row(id));
            }
            let range = first as usize..(first + count) as usize;
            stash(store, encode_token_shard(first, &weights[range], &rows))
        })
        .collect::<Result<_, _>>()?;
    let files = SemanticFiles {
        settings: SemanticSettings {
            model_name: m.info().name.clone(),
            teacher: m.info().teacher.clone(),
            licence: m.info().licence.clone(),
            dims: d,
            rows: m.quantization(),
            vocab_size,
            rows_per_shard: s.rows_per_shard,
            vectors: s.vectors,
            nprobe: s.nprobe,
            candidates: s.candidates,
            weight: s.weight,
            mean,
            partition_sizes,
            centroids,
        },
        vocab: vw.buf,
        token_shards,
        partitions,
    };
    let memo = KMeansMemo {
        k,
        sample,
        trained,
        cent,
    };
    Ok((files, (assigned, memo)))
}

/// The files of a built index: (path relative to the index directory, bytes).
pub type IndexFiles = Vec<(String, Vec<u8>)>;

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
/// [`build_index`] lists them) instead of collecting them.
pub fn build_index_to<E: From<BuildError>>(
    chunks: Vec<ChunkInput>,
    opts: &BuildOptions,
    store: &dyn SpillStore,
    emit: impl FnMut(String, Vec<u8>) -> Result<(), E>,
) -> Result<(), E> {
    build_index_to_cached(chunks, opts, store, None, emit)
}

/// [`build_index_to`], taking each chunk's analysis (terms, token ids,
/// vector) from `cache` where an earlier build analysed the same text with
/// the same settings, and leaving this build's in it. The files are the
/// same bytes as without a cache. The analysis of every chunk is held in
/// memory (the cache keeps it), not spilled.
pub fn build_index_to_cached<E: From<BuildError>>(
    mut chunks: Vec<ChunkInput>,
    opts: &BuildOptions,
    store: &dyn SpillStore,
    cache: Option<&AnalysisCache>,
    mut emit: impl FnMut(String, Vec<u8>) -> Result<(), E>,
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
    if opts.fragment_group == 0 {
        return Err(BuildError::InvalidOption("fragment_group must be positive").into());
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
    let mut seen = HashSet::with_capacity(chunks.len());
    for c in &chunks {
        if !seen.insert(c.id.as_str()) {
            return Err(BuildError::DuplicateId(c.id.clone()).into());
        }
    }
    drop(seen);
    chunks.sort_by(|a, b| facet_key(a).cmp(&facet_key(b)));

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

    // The inverted index and the vectors do not depend on each other.
    let (lexical, semantic) = par::join(
        || {
            let analysed = lookup.as_ref().map(|l| l.analysed.as_slice());
            invert(&chunks, &tokenizer, opts, store, analysed)
        },
        || {
            opts.semantic.as_ref().map(|s| {
                let kept = lookup.as_ref().map(|l| KeptVectors {
                    analysed: &l.analysed,
                    vectors: &l.vectors,
                    weights: &l.weights,
                    kmeans: l.kmeans.as_deref(),
                });
                build_semantic(&chunks, s, store, kept)
            })
        },
    );
    let Lexical {
        avg_len,
        shard_firsts,
        term_payloads,
        pos_payloads,
    } = lexical?;
    let (semantic, made) = match semantic.transpose()? {
        Some((files, made)) => (Some(files), made),
        None => (None, None),
    };
    if let (Some(cache), Some(lookup)) = (cache, lookup) {
        let analysed = chunks.len() - lookup.reused;
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

    // Fragments, a group at a time: display data copies the chunk texts,
    // a twin set's once (its canonical member holds it).
    let twins = Twins::find(&chunks);
    let group = opts.fragment_group as usize;
    let fragment_payloads: Vec<Stored> = chunks
        .chunks(group)
        .enumerate()
        .map(|(i, g)| {
            let displays: Vec<ChunkDisplay> = g
                .iter()
                .zip((i * group) as u32..)
                .map(|(c, o)| (c, Some(twins.canonical(o)).filter(|&t| t != o)))
                .map(|(c, twin_of)| ChunkDisplay {
                    id: c.id.clone(),
                    url: c.url.clone(),
                    title: c.title.clone(),
                    breadcrumb: c.breadcrumb.clone(),
                    page: c.page,
                    page_label: c.page_label.clone(),
                    paged: c.paged,
                    document: c.document.clone(),
                    text: if twin_of.is_some() {
                        String::new()
                    } else {
                        c.text.clone()
                    },
                    twin_of,
                })
                .collect();
            let refs: Vec<&ChunkDisplay> = displays.iter().collect();
            stash(store, encode_fragment((i * group) as u32, &refs))
        })
        .collect::<Result<_, _>>()?;

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
        settings: Settings {
            tokenizer: opts.tokenizer,
            ranking: opts.ranking,
            chunk_count: chunks.len() as u32,
            avg_len,
            fragment_group: opts.fragment_group,
        },
        shards: shard_table,
        facets,
        semantic: semantic.as_ref().map(|s| s.settings.clone()),
        blocks: Blocks {
            chunks: block,
            twins: !twin_block_payloads.is_empty(),
        },
        changes: ChangeDocs::find(docs.iter().copied()),
    };
    let manifest_payload = manifest.encode();
    let centroids_payload = semantic.as_ref().map(|s| s.settings.encode_centroids());
    drop(chunks);

    // The build id ties every file to this manifest, so a stale cached shard
    // is detected instead of silently mixing two builds. Stored payloads
    // enter it by their CRCs: they are not read twice.
    let combine = |id: u32, s: &Stored| crc32_combine(id, s.crc, s.len);
    let mut id = crc32_update(0, &manifest_payload);
    id = term_payloads
        .iter()
        .chain(&pos_payloads)
        .chain(&fragment_payloads)
        .fold(id, combine);
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
    for (i, p) in fragment_payloads.into_iter().enumerate() {
        out(fragment_path(i as u32), FileKind::Fragments, p)?;
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

fn facet_key(c: &ChunkInput) -> (&str, &str, &str, &str, &str) {
    (&c.vendor, &c.product, &c.version, &c.doc_set, &c.document)
}

/// Quantised BM25F impact of one posting: the saturated pseudo term
/// frequency `tf'·(k1+1)/(tf'+k1)` with
/// `tf' = Σ_f weight_f·tf_f / (1 − b_f + b_f·len_f/avg_f)`, scaled so
/// `k1+1` maps to 255. The query multiplies it by the term's IDF.
fn impact(r: &RankingParams, avg: &[f32; 3], len: &[u32; 3], tf: &[u16; 3]) -> u8 {
    let mut tfp = 0f64;
    for (f, p) in r.fields().iter().enumerate() {
        if tf[f] == 0 {
            continue;
        }
        let a = f64::from(avg[f]).max(1e-6);
        let norm = 1.0 - f64::from(p.b) + f64::from(p.b) * f64::from(len[f]) / a;
        tfp += f64::from(p.weight) * f64::from(tf[f]) / norm.max(1e-6);
    }
    let k1 = f64::from(r.k1);
    let s = tfp / (tfp + k1);
    (s * 255.0).round().clamp(1.0, 255.0) as u8
}

/// Chunks tokenized per parallel step of [`invert`] (bounds the memory of
/// not yet merged terms).
const INVERT_BLOCK: usize = 2048;

/// Merged terms encoded per parallel step of [`invert`].
const ENCODE_BATCH: usize = 4096;

/// What [`invert`] gives: field length means and the term and position
/// shard payloads.
struct Lexical {
    avg_len: [f32; 3],
    shard_firsts: Vec<String>,
    term_payloads: Vec<Stored>,
    pos_payloads: Vec<Stored>,
}

/// A chunk's field lengths and its terms with their sorted positions per
/// field.
fn chunk_terms(tokenizer: &Tokenizer, c: &ChunkInput) -> ChunkTerms {
    let mut local: FastMap<String, FieldPositions> = FastMap::default();
    let mut len = [0u32; 3];
    let mut add = |field: usize, text: &str, first: u32| -> u32 {
        tokenizer.tokenize(text, first, |w| {
            len[field] += w.span;
            for t in &w.terms {
                local.entry(t.text.clone()).or_default()[field].push(t.pos);
            }
        })
    };
    add(0, &c.title, 0);
    let mut p = 0;
    for h in &c.breadcrumb {
        // A one-position gap keeps phrases from spanning two headings.
        p = add(1, h, p) + 1;
    }
    add(2, &c.text, 0);
    let mut out = ChunkTerms::new(len);
    let mut scratch = Writer::new();
    for (term, mut fields) in local {
        for f in &mut fields {
            f.sort_unstable();
            f.dedup();
        }
        out.push(&term, &fields, &mut scratch);
    }
    out
}

/// Inverts the chunks and cuts the dictionary into shards. Postings are
/// accumulated until they reach a third of the memory budget (vectors may
/// hold up to twice what they use), then spilled as a sorted run; the runs
/// are merged term by term into the shards.
fn invert(
    chunks: &[ChunkInput],
    tokenizer: &Tokenizer,
    opts: &BuildOptions,
    store: &dyn SpillStore,
    analysed: Option<&[Arc<Analysed>]>,
) -> Result<Lexical, BuildError> {
    let r = &opts.ranking;
    let run_budget = (opts.memory_budget / 3).max(1);
    let page_bytes = (opts.memory_budget / 64).clamp(1024, 1 << 20);
    let mut dict: FastMap<String, TermAcc> = FastMap::default();
    let mut held = 0usize;
    let mut runs = Vec::new();
    let mut lens: Vec<[u32; 3]> = Vec::with_capacity(chunks.len());
    let sorted = |dict: &mut FastMap<String, TermAcc>| {
        let mut v: Vec<(String, TermAcc)> = dict.drain().collect();
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        v
    };
    // Tokenizing is the costly part: it runs in parallel over blocks of
    // chunks, and the terms are merged in chunk order.
    for (block_no, block) in chunks.chunks(INVERT_BLOCK).enumerate() {
        let first = block_no * INVERT_BLOCK;
        let tokenized;
        let terms: Vec<&ChunkTerms> = match analysed {
            Some(a) => a[first..first + block.len()]
                .iter()
                .map(|a| &a.terms)
                .collect(),
            None => {
                tokenized = par::map(block, |c| chunk_terms(tokenizer, c));
                tokenized.iter().collect()
            }
        };
        for (i, t) in terms.into_iter().enumerate() {
            let ord = (first + i) as u32;
            lens.push(t.lens);
            t.each(|term, tfs, positions| {
                if !dict.contains_key(term) {
                    dict.insert(term.to_owned(), TermAcc::default());
                    held += term.len() + ENTRY_OVERHEAD;
                }
                let acc = dict.get_mut(term).expect("inserted above");
                acc.ords.push(ord);
                acc.tfs.push(tfs);
                acc.positions.extend_from_slice(positions);
                held += 10 + positions.len();
            })?;
            if held > run_budget {
                runs.push(write_run(store, sorted(&mut dict), page_bytes)?);
                dict.shrink_to_fit();
                held = 0;
            }
        }
    }

    let n = chunks.len().max(1) as f64;
    let mut avg_len = [0f32; 3];
    for (f, a) in avg_len.iter_mut().enumerate() {
        *a = (lens.iter().map(|l| f64::from(l[f])).sum::<f64>() / n) as f32;
    }

    // Shards, in term order.
    let mut merge = Merge::new(store, runs, sorted(&mut dict))?;
    drop(dict);
    let mut shard_firsts: Vec<String> = Vec::new();
    let mut term_payloads: Vec<Stored> = Vec::new();
    let mut pos_payloads: Vec<Stored> = Vec::new();
    let mut cur: Vec<PendingTerm> = Vec::new();
    let mut cur_size = 0usize;
    let mut flush = |cur: &mut Vec<PendingTerm>, cur_size: &mut usize| -> Result<(), BuildError> {
        if cur.is_empty() {
            return Ok(());
        }
        let enc: Vec<EncodedTerm> = cur
            .iter()
            .map(|t| EncodedTerm {
                term: &t.term,
                df: t.df,
                postings: &t.postings,
            })
            .collect();
        term_payloads.push(stash(store, encode_term_shard(&enc))?);
        let pos: Vec<(u32, Vec<u8>)> = cur
            .iter_mut()
            .map(|t| (t.df, std::mem::take(&mut t.positions)))
            .collect();
        pos_payloads.push(stash(store, encode_position_shard(&pos))?);
        shard_firsts.push(std::mem::take(&mut cur[0].term));
        cur.clear();
        *cur_size = 0;
        Ok(())
    };
    // Merged terms are encoded in parallel a batch at a time, so only a
    // batch of merged postings is held besides the runs' pages.
    let mut batch: Vec<(String, TermAcc)> = Vec::with_capacity(ENCODE_BATCH);
    loop {
        batch.clear();
        let mut batch_bytes = 0;
        while batch.len() < ENCODE_BATCH && batch_bytes < run_budget {
            let Some((term, acc)) = merge.next_term()? else {
                break;
            };
            batch_bytes += acc.heap_bytes() + term.len() + ENTRY_OVERHEAD;
            batch.push((term, acc));
        }
        if batch.is_empty() {
            break;
        }
        let encoded = par::map(&batch, |(_, acc)| {
            let impacts: Vec<u8> = acc
                .ords
                .iter()
                .zip(&acc.tfs)
                .map(|(&o, tf)| impact(r, &avg_len, &lens[o as usize], tf))
                .collect();
            let mut postings = Vec::new();
            encode_postings(&mut postings, &acc.ords, &impacts);
            postings
        });
        for ((term, acc), postings) in batch.drain(..).zip(encoded) {
            let size = term.len() + 4 + postings.len();
            let big = size > opts.shard_target_bytes;
            if big || cur_size + size > opts.shard_target_bytes {
                flush(&mut cur, &mut cur_size)?;
            }
            cur.push(PendingTerm {
                term,
                df: acc.ords.len() as u32,
                postings,
                positions: acc.positions,
            });
            cur_size += size;
            if big {
                flush(&mut cur, &mut cur_size)?;
            }
        }
    }
    flush(&mut cur, &mut cur_size)?;

    Ok(Lexical {
        avg_len,
        shard_firsts,
        term_payloads,
        pos_payloads,
    })
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
