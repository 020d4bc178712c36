//! The index writer.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use crate::codec::{crc32_update, seal, FileKind, Writer};
use crate::embed::vectors::{
    encode_partition, encode_token_shard, kmeans, nearest, SemanticSettings, VectorEncoding,
};
use crate::embed::wordpiece::PieceCache;
use crate::embed::Model;
use crate::error::BuildError;
use crate::fragment::{encode_documents, encode_fragment, ChunkDisplay};
use crate::hash::FastMap;
pub use crate::input::ChunkInput;
use crate::layout::{
    fragment_path, partition_path, position_shard_path, term_shard_path, token_shard_path,
};
pub use crate::layout::{DOCUMENTS_PATH, MANIFEST_PATH, MAX_CHUNKS, VOCAB_PATH};
use crate::manifest::{FacetTree, Manifest, RankingParams, Settings, LEVELS};
use crate::par;
use crate::prior::ChangeDocs;
use crate::shard::{
    encode_position_shard, encode_positions, encode_postings, encode_term_shard, EncodedTerm,
    FieldPositions,
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
    /// Chunks per fragment file (1 = each result costs exactly its own
    /// bytes). The default, 3, makes a third of a file per chunk; a cold
    /// result fetches about twice its own bytes gzipped (0.8 vs 0.4 KB on
    /// the PowerShell docs), fewer when results are neighbours.
    pub fragment_group: u32,
    /// Semantic search: when set, the index also holds chunk vectors, the
    /// model's token table and its vocabulary. `None` (the default) builds
    /// a lexical-only index.
    pub semantic: Option<SemanticOptions>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            tokenizer: TokenizerSettings::default(),
            ranking: RankingParams::default(),
            shard_target_bytes: 8 * 1024,
            fragment_group: 3,
            semantic: None,
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

/// Weight of each token in this corpus: BM25's IDF over the chunks that
/// contain it (a token no chunk contains gets the largest weight).
fn token_weights(ids: &[Vec<u32>], vocab: usize) -> Vec<f32> {
    let mut df = vec![0u32; vocab];
    let mut seen = vec![u32::MAX; vocab];
    for (c, ids) in ids.iter().enumerate() {
        for &id in ids {
            if seen[id as usize] != c as u32 {
                seen[id as usize] = c as u32;
                df[id as usize] += 1;
            }
        }
    }
    let n = ids.len() as f64;
    df.iter()
        .map(|&d| {
            let d = f64::from(d);
            (1.0 + (n - d + 0.5) / (d + 0.5)).ln() as f32
        })
        .collect()
}

/// Chunks cut into pieces with one word cache: big enough that most words
/// repeat within a block, small enough for many blocks per core.
const PIECE_CACHE_CHUNKS: usize = 256;

/// Payloads of the semantic files.
struct SemanticFiles {
    settings: SemanticSettings,
    vocab: Vec<u8>,
    token_shards: Vec<Vec<u8>>,
    partitions: Vec<Vec<u8>>,
}

fn build_semantic(chunks: &[ChunkInput], s: &SemanticOptions) -> Result<SemanticFiles, BuildError> {
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
    let d = m.dims();
    let n = chunks.len();
    let vocab_size = m.vocab().len() as u32;
    // A hash map beats the vocabulary's binary search over a whole corpus,
    // and each block of chunks cuts each distinct word once.
    let lookup: FastMap<&str, u32> = m.vocab().iter().zip(0u32..).collect();
    let blocks: Vec<&[ChunkInput]> = chunks.chunks(PIECE_CACHE_CHUNKS).collect();
    let ids: Vec<Vec<u32>> = par::map(&blocks, |block| {
        let mut cache = PieceCache::default();
        block
            .iter()
            .map(|c| {
                m.vocab().token_ids_cached(
                    &embedding_text(c),
                    |t| lookup.get(t).copied(),
                    &mut cache,
                )
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let weights = token_weights(&ids, vocab_size as usize);
    let vectors: Vec<f32> = par::map(&ids, |ids| {
        crate::embed::embed_ids(ids, m.quantization(), d, |id| {
            Some((m.row(id), weights[id as usize]))
        })
    })
    .concat();
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
    let trained = kmeans(&vectors, d, k, 10);
    // Assign with the centroids as the reader will see them (quantised).
    let (_, cent) = SemanticSettings::quantize_centroids(d, &trained);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); k];
    let rows: Vec<&[f32]> = vectors.chunks(d).collect();
    for (o, p) in par::map(&rows, |v| nearest(&cent, d, v))
        .into_iter()
        .enumerate()
    {
        members[p].push(o as u32);
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
        partitions.push(encode_partition(ords, &codes));
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
            encode_token_shard(first, &weights[range], &rows)
        })
        .collect();
    Ok(SemanticFiles {
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
    })
}

/// The files of a built index: (path relative to the index directory, bytes).
pub type IndexFiles = Vec<(String, Vec<u8>)>;

/// A term waiting for its shard to be written.
struct PendingTerm {
    term: usize,
    df: u32,
    postings: Vec<u8>,
    positions: Vec<u8>,
}

#[derive(Default)]
struct TermAcc {
    ords: Vec<u32>,
    tfs: Vec<[u16; 3]>,
    positions: Writer,
}

/// Build an index from chunks. Chunks are reordered by (vendor, product,
/// version, doc set, document), keeping input order within a document;
/// the resulting position is the chunk's *ordinal*.
pub fn build_index(
    mut chunks: Vec<ChunkInput>,
    opts: &BuildOptions,
) -> Result<IndexFiles, BuildError> {
    if chunks.len() > MAX_CHUNKS {
        return Err(BuildError::TooManyChunks(chunks.len()));
    }
    if opts.shard_target_bytes == 0 {
        return Err(BuildError::InvalidOption(
            "shard_target_bytes must be positive",
        ));
    }
    if opts.fragment_group == 0 {
        return Err(BuildError::InvalidOption("fragment_group must be positive"));
    }
    let r = &opts.ranking;
    let params_ok = r.k1.is_finite()
        && r.k1 > 0.0
        && r.fields()
            .iter()
            .all(|f| f.weight.is_finite() && f.weight >= 0.0 && (0.0..=1.0).contains(&f.b));
    if !params_ok {
        return Err(BuildError::InvalidOption("ranking parameters out of range"));
    }
    let mut seen = HashSet::with_capacity(chunks.len());
    for c in &chunks {
        if !seen.insert(c.id.as_str()) {
            return Err(BuildError::DuplicateId(c.id.clone()));
        }
    }
    drop(seen);
    chunks.sort_by(|a, b| facet_key(a).cmp(&facet_key(b)));

    let facets = facet_tree(&chunks);
    let tokenizer = Tokenizer::new(opts.tokenizer);

    // The inverted index and the vectors do not depend on each other.
    let (lexical, semantic) = par::join(
        || invert(&chunks, &tokenizer, opts),
        || opts.semantic.as_ref().map(|s| build_semantic(&chunks, s)),
    );
    let Lexical {
        avg_len,
        shard_firsts,
        term_payloads,
        pos_payloads,
    } = lexical;
    let semantic = semantic.transpose()?;

    // Fragments.
    let displays: Vec<ChunkDisplay> = chunks
        .iter()
        .map(|c| ChunkDisplay {
            id: c.id.clone(),
            url: c.url.clone(),
            title: c.title.clone(),
            breadcrumb: c.breadcrumb.clone(),
            page: c.page,
            page_label: c.page_label.clone(),
            paged: c.paged,
            document: c.document.clone(),
            text: c.text.clone(),
        })
        .collect();
    let group = opts.fragment_group as usize;
    let fragment_payloads: Vec<Vec<u8>> = displays
        .chunks(group)
        .enumerate()
        .map(|(i, g)| encode_fragment((i * group) as u32, &g.iter().collect::<Vec<_>>()))
        .collect();

    // Documents.
    let mut docs: Vec<(&str, &str)> = Vec::with_capacity(facets.doc_chunks.len());
    let mut at = 0usize;
    for &n in &facets.doc_chunks {
        let c = &chunks[at];
        docs.push((&c.document, &c.title));
        at += n as usize;
    }
    let docs_payload = encode_documents(&docs);

    let mut manifest = Manifest {
        build_id: 0,
        settings: Settings {
            tokenizer: opts.tokenizer,
            ranking: opts.ranking,
            chunk_count: chunks.len() as u32,
            avg_len,
            fragment_group: opts.fragment_group,
        },
        shards: shard_firsts,
        facets,
        semantic: semantic.as_ref().map(|s| s.settings.clone()),
        twins: Twins::find(&chunks),
        changes: ChangeDocs::find(docs.iter().copied()),
    };
    let manifest_payload = manifest.encode();

    // The build id ties every file to this manifest, so a stale cached shard
    // is detected instead of silently mixing two builds.
    let mut id = crc32_update(0, &manifest_payload);
    for p in term_payloads
        .iter()
        .chain(&pos_payloads)
        .chain(&fragment_payloads)
        .chain(std::iter::once(&docs_payload))
        .chain(semantic.iter().flat_map(|s| {
            std::iter::once(&s.vocab)
                .chain(&s.token_shards)
                .chain(&s.partitions)
        }))
    {
        id = crc32_update(id, p);
    }
    manifest.build_id = id;

    let mut files: IndexFiles = Vec::new();
    files.push((
        MANIFEST_PATH.into(),
        seal(FileKind::Manifest, id, &manifest_payload),
    ));
    files.push((
        DOCUMENTS_PATH.into(),
        seal(FileKind::Documents, id, &docs_payload),
    ));
    for (i, p) in term_payloads.iter().enumerate() {
        files.push((term_shard_path(i), seal(FileKind::Terms, id, p)));
    }
    for (i, p) in pos_payloads.iter().enumerate() {
        files.push((position_shard_path(i), seal(FileKind::Positions, id, p)));
    }
    for (i, p) in fragment_payloads.iter().enumerate() {
        files.push((fragment_path(i as u32), seal(FileKind::Fragments, id, p)));
    }
    if let Some(s) = &semantic {
        files.push((VOCAB_PATH.into(), seal(FileKind::Vocab, id, &s.vocab)));
        for (i, p) in s.token_shards.iter().enumerate() {
            files.push((token_shard_path(i), seal(FileKind::TokenRows, id, p)));
        }
        for (i, p) in s.partitions.iter().enumerate() {
            files.push((partition_path(i), seal(FileKind::Vectors, id, p)));
        }
    }
    Ok(files)
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

/// What [`invert`] gives: field length means and the term and position
/// shard payloads.
struct Lexical {
    avg_len: [f32; 3],
    shard_firsts: Vec<String>,
    term_payloads: Vec<Vec<u8>>,
    pos_payloads: Vec<Vec<u8>>,
}

/// A chunk's field lengths and its terms with their sorted positions per
/// field.
fn chunk_terms(tokenizer: &Tokenizer, c: &ChunkInput) -> ([u32; 3], Vec<(String, FieldPositions)>) {
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
    let terms = local
        .into_iter()
        .map(|(term, mut fields)| {
            for f in &mut fields {
                f.sort_unstable();
                f.dedup();
            }
            (term, fields)
        })
        .collect();
    (len, terms)
}

/// Inverts the chunks and cuts the dictionary into shards.
fn invert(chunks: &[ChunkInput], tokenizer: &Tokenizer, opts: &BuildOptions) -> Lexical {
    let r = &opts.ranking;
    let mut dict: FastMap<String, usize> = FastMap::default();
    let mut accs: Vec<TermAcc> = Vec::new();
    let mut lens: Vec<[u32; 3]> = Vec::with_capacity(chunks.len());
    // Tokenizing is the costly part: it runs in parallel over blocks of
    // chunks, and the terms are merged in chunk order.
    for (block_no, block) in chunks.chunks(INVERT_BLOCK).enumerate() {
        let tokenized = par::map(block, |c| chunk_terms(tokenizer, c));
        for (i, (len, terms)) in tokenized.into_iter().enumerate() {
            let ord = (block_no * INVERT_BLOCK + i) as u32;
            lens.push(len);
            for (term, fields) in terms {
                let idx = *dict.entry(term).or_insert_with(|| {
                    accs.push(TermAcc::default());
                    accs.len() - 1
                });
                let acc = &mut accs[idx];
                acc.ords.push(ord);
                acc.tfs.push(
                    fields
                        .each_ref()
                        .map(|f| f.len().min(u16::MAX as usize) as u16),
                );
                encode_positions(&mut acc.positions, &fields);
            }
        }
    }

    let n = chunks.len().max(1) as f64;
    let mut avg_len = [0f32; 3];
    for (f, a) in avg_len.iter_mut().enumerate() {
        *a = (lens.iter().map(|l| f64::from(l[f])).sum::<f64>() / n) as f32;
    }

    // Shards, in term order.
    let mut terms: Vec<(String, usize)> = dict.into_iter().collect();
    terms.sort_unstable();
    let mut shard_firsts: Vec<String> = Vec::new();
    let mut term_payloads: Vec<Vec<u8>> = Vec::new();
    let mut pos_payloads: Vec<Vec<u8>> = Vec::new();
    let mut cur: Vec<PendingTerm> = Vec::new();
    let mut cur_size = 0usize;
    let mut flush = |cur: &mut Vec<PendingTerm>, cur_size: &mut usize| {
        if cur.is_empty() {
            return;
        }
        let enc: Vec<EncodedTerm> = cur
            .iter()
            .map(|t| EncodedTerm {
                term: &terms[t.term].0,
                df: t.df,
                postings: &t.postings,
            })
            .collect();
        shard_firsts.push(terms[cur[0].term].0.clone());
        term_payloads.push(encode_term_shard(&enc));
        let pos: Vec<(u32, Vec<u8>)> = cur
            .iter_mut()
            .map(|t| (t.df, std::mem::take(&mut t.positions)))
            .collect();
        pos_payloads.push(encode_position_shard(&pos));
        cur.clear();
        *cur_size = 0;
    };
    let encoded = par::map(&terms, |(_, idx)| {
        let acc = &accs[*idx];
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
    for (ti, postings) in encoded.into_iter().enumerate() {
        let acc = &mut accs[terms[ti].1];
        let size = terms[ti].0.len() + 4 + postings.len();
        let big = size > opts.shard_target_bytes;
        if big || cur_size + size > opts.shard_target_bytes {
            flush(&mut cur, &mut cur_size);
        }
        cur.push(PendingTerm {
            term: ti,
            df: acc.ords.len() as u32,
            postings,
            positions: std::mem::take(&mut acc.positions.buf),
        });
        cur_size += size;
        if big {
            flush(&mut cur, &mut cur_size);
        }
    }
    flush(&mut cur, &mut cur_size);

    Lexical {
        avg_len,
        shard_firsts,
        term_payloads,
        pos_payloads,
    }
}

fn facet_tree(chunks: &[ChunkInput]) -> FacetTree {
    let mut t = FacetTree::default();
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
            if l > 0 {
                if let Some(parent) = t.nodes[l - 1].last_mut() {
                    parent.1 += 1;
                }
            }
        }
        if differs <= LEVELS {
            t.doc_chunks.push(0);
            if let Some(parent) = t.nodes[LEVELS - 1].last_mut() {
                parent.1 += 1;
            }
        }
        if let Some(d) = t.doc_chunks.last_mut() {
            *d += 1;
        }
        prev = Some(c);
    }
    t
}
