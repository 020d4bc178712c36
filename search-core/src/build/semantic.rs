//! The semantic half of the index writer: token ids, token weights,
//! chunk vectors (streamed, or taken from the analysis cache) and their
//! partitions.

use super::*;

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
pub(super) fn token_weights(df: &[u32], n: usize) -> Vec<f32> {
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
pub(super) const ID_BLOCKS_PER_STEP: usize = 64;

/// Token ids of a block of chunks, as varints: per chunk its count, then
/// its ids.
pub(super) fn encode_ids(ids: &[Vec<u32>]) -> Vec<u8> {
    let mut w = Writer::new();
    for c in ids {
        w.varint(c.len() as u64);
        for &id in c {
            w.varint(u64::from(id));
        }
    }
    w.buf
}

pub(super) fn decode_ids(bytes: &[u8]) -> Result<Vec<Vec<u32>>, BuildError> {
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
pub(super) const PIECE_CACHE_CHUNKS: usize = 256;

/// Payloads of the semantic files.
pub(super) struct SemanticFiles {
    pub(super) settings: SemanticSettings,
    pub(super) vocab: Vec<u8>,
    pub(super) token_shards: Vec<Stored>,
    pub(super) partitions: Vec<Stored>,
}

/// Token ids of each chunk of `block`, cut with one word cache.
pub(super) fn block_token_ids(
    m: &Model,
    lookup: &FastMap<&str, u32>,
    block: &[&ChunkInput],
) -> Vec<Vec<u32>> {
    let mut cache = PieceCache::default();
    block
        .iter()
        .map(|c| {
            m.vocab()
                .token_ids_cached(&embedding_text(c), |t| lookup.get(t).copied(), &mut cache)
        })
        .collect()
}

pub(super) fn vocab_lookup(m: &Model) -> FastMap<&str, u32> {
    m.vocab().iter().zip(0u32..).collect()
}

/// Vectors of the last build that a build with a cache may keep.
pub(super) struct KeptVectors<'a> {
    pub(super) analysed: &'a [Arc<Analysed>],
    /// Per chunk, the first chunk that holds its analysis ([`first_holders`]).
    pub(super) first: &'a [u32],
    pub(super) vectors: &'a [KeptVector],
    pub(super) weights: &'a [f32],
    pub(super) kmeans: Option<&'a KMeansMemo>,
}

/// What the chunk vectors are made from besides the embedding pass: one
/// or the other, as the terms are ([`super::lexical::TermsOf`]).
pub(super) enum VectorsFrom<'a> {
    /// The last build's vectors, for the chunks whose analysis it kept.
    Kept(KeptVectors<'a>),
    /// Each distinct passage is embedded once and its repeats copy it.
    Passages(&'a Sources),
}

pub(super) fn build_semantic(
    chunks: &[ChunkInput],
    s: &SemanticOptions,
    store: &dyn SpillStore,
    from: VectorsFrom<'_>,
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
    // k-means samples and seeds by these, so partitions stay put when
    // chunks are added or removed elsewhere (see `kmeans_sample`).
    let keys: Vec<u64> = chunks
        .iter()
        .map(|c| {
            use std::hash::Hasher as _;
            let mut h = crate::hash::FastHasher::default();
            h.write(c.id.as_bytes());
            h.finish()
        })
        .collect();
    let sources = match &from {
        VectorsFrom::Passages(p) => Some(*p),
        VectorsFrom::Kept(_) => None,
    };
    if let Some(t) = &s.teacher {
        let (vectors, weights) = vectors_streamed(chunks, m, store, sources)?;
        let mut rows: Vec<&[f32]> = Vec::with_capacity(n);
        for c in chunks {
            match t.by_id.get(&c.id) {
                Some(v) if v.len() == t.dims => rows.push(v),
                Some(v) => {
                    return Err(BuildError::Teacher(format!(
                        "chunk {} has {} values, expected {}",
                        c.id,
                        v.len(),
                        t.dims
                    )))
                }
                None => return Err(BuildError::Teacher(format!("no vector for chunk {}", c.id))),
            }
        }
        let aligned = crate::embed::align::fit(m, &vectors, t.dims, |i| rows[i])
            .map_err(|e| BuildError::Teacher(e.to_string()))?;
        drop(vectors);
        let (files, _) = semantic_files(
            &aligned.vectors,
            &keys,
            &weights,
            s,
            &aligned.model,
            store,
            Reuse::Nothing,
        )?;
        return Ok((files, None));
    }
    let kept = match from {
        VectorsFrom::Kept(kept) => kept,
        VectorsFrom::Passages(p) => {
            let (vectors, weights) = vectors_streamed(chunks, m, store, Some(p))?;
            let reuse = Reuse::Copies(&p.first);
            let (files, _) = semantic_files(&vectors, &keys, &weights, s, m, store, reuse)?;
            return Ok((files, None));
        }
    };
    let source = kept.first;
    let (vectors, made, weights) = vectors_from_cache(m, n, &kept, source);
    // Where a kept vector's partition still holds: its vector is the same.
    let partitions: Vec<Option<u32>> = made
        .iter()
        .zip(kept.vectors)
        .map(|((_, new), k)| k.as_ref().and_then(|k| k.1).filter(|_| !new))
        .collect();
    let embedded = made.iter().filter(|(_, new)| *new).count();
    let (files, (assigned, kmeans)) = semantic_files(
        &vectors,
        &keys,
        &weights,
        s,
        m,
        store,
        Reuse::Kept(kept.kmeans, &partitions, source),
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
pub(super) struct Df {
    pub(super) df: Vec<u32>,
    pub(super) seen: Vec<u32>,
    pub(super) c: u32,
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
/// Per chunk, the first chunk that holds the same analysis (the same
/// allocation: the cache gives the chunks of one passage one analysis,
/// see `AnalysisCache::lookup`); its own ordinal when it is the first.
/// So it is the first chunk of its passage, as `Sources::first` is in a
/// build without the cache (the twins are found from it too).
pub(super) fn first_holders(analysed: &[Arc<Analysed>]) -> Vec<u32> {
    let mut first: FastMap<*const Analysed, u32> = FastMap::default();
    (0u32..)
        .zip(analysed)
        .map(|(i, a)| *first.entry(Arc::as_ptr(a)).or_insert(i))
        .collect()
}

/// A chunk's vector, and whether it was made again rather than kept.
pub(super) type MadeVector = (Arc<[f32]>, bool);

/// `source`: see [`first_holders`].
pub(super) fn vectors_from_cache(
    m: &Model,
    n: usize,
    kept: &KeptVectors<'_>,
    source: &[u32],
) -> (Vec<f32>, Vec<MadeVector>, Vec<f32>) {
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
    // A repeat whose vector is made again copies the vector of the first
    // chunk that holds its analysis, which is the same bits whether that
    // one was kept or made.
    let items: Vec<(usize, &Arc<Analysed>, &KeptVector)> = (kept.analysed.iter().enumerate())
        .zip(kept.vectors)
        .map(|((i, a), v)| (i, a, v))
        .collect();
    let made = par::map(&items, |&(i, a, v)| match v {
        Some((v, _)) if !ids(a).iter().any(|&t| changed[t as usize]) => (Some(v.clone()), false),
        _ if source[i] as usize != i => (None, true),
        _ => {
            let v = crate::embed::embed_ids(ids(a), m.quantization(), d, |id| {
                Some((m.row(id), weights[id as usize]))
            });
            (Some(Arc::from(v)), true)
        }
    });
    let mut copied: Vec<MadeVector> = Vec::with_capacity(n);
    for (i, (v, new)) in made.into_iter().enumerate() {
        let v = v.unwrap_or_else(|| copied[source[i] as usize].0.clone());
        copied.push((v, new));
    }
    let made = copied;
    let mut vectors = Vec::with_capacity(n * d);
    for (v, _) in &made {
        vectors.extend_from_slice(v);
    }
    (vectors, made, weights)
}

/// Vectors with the token ids cut twice over: once for the document
/// frequencies, then kept in the store until their weights are known.
/// With `sources`, only each distinct passage's first chunk is cut and
/// embedded; the chunks that repeat it count in the frequencies as many
/// times and copy its vector.
pub(super) fn vectors_streamed(
    chunks: &[ChunkInput],
    m: &Model,
    store: &dyn SpillStore,
    sources: Option<&Sources>,
) -> Result<(Vec<f32>, Vec<f32>), BuildError> {
    let d = m.dims();
    let n = chunks.len();
    let vocab_size = m.vocab().len() as u32;
    // A hash map beats the vocabulary's binary search over a whole corpus,
    // and each block of chunks cuts each distinct word once.
    let lookup = vocab_lookup(m);
    // The chunks that are cut, with how many chunks each stands for.
    let cut: Vec<(&ChunkInput, u32)> = match sources {
        Some(src) => chunks
            .iter()
            .enumerate()
            .filter(|&(o, _)| src.is_first(o))
            .map(|(o, c)| (c, src.copies[o]))
            .collect(),
        None => chunks.iter().map(|c| (c, 1)).collect(),
    };
    let blocks: Vec<&[(&ChunkInput, u32)]> = cut.chunks(PIECE_CACHE_CHUNKS).collect();
    // Token ids are needed twice (document frequencies, then the vectors
    // they weight) and are several times the vectors' size: each block's
    // go to the store, compact, between the passes.
    let mut df = vec![0u32; vocab_size as usize];
    let mut seen = vec![u32::MAX; vocab_size as usize];
    let mut id_blobs = Vec::with_capacity(blocks.len());
    let mut c = 0u32;
    for step in blocks.chunks(ID_BLOCKS_PER_STEP) {
        let ids = par::map(step, |block| {
            let block: Vec<&ChunkInput> = block.iter().map(|&(c, _)| c).collect();
            block_token_ids(m, &lookup, &block)
        });
        for (block, cut) in ids.into_iter().zip(step) {
            for (ids, &(_, copies)) in block.iter().zip(cut.iter()) {
                for &id in ids {
                    if seen[id as usize] != c {
                        seen[id as usize] = c;
                        df[id as usize] += copies;
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
    // Appends a cut chunk's vector, then those of the chunks after it
    // that repeat an earlier passage (`o`: the next chunk's ordinal).
    let mut o = 0usize;
    let mut push = |vectors: &mut Vec<f32>, v: &[f32]| {
        vectors.extend_from_slice(v);
        o += 1;
        if let Some(src) = sources {
            while o < n && !src.is_first(o) {
                let f = src.first[o] as usize;
                vectors.extend_from_within(f * d..(f + 1) * d);
                o += 1;
            }
        }
    };
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
            for v in v?.chunks(d.max(1)) {
                push(&mut vectors, v);
            }
        }
    }
    Ok((vectors, weights))
}

/// What the partition assignment takes instead of searching the nearest
/// centroid.
pub(super) enum Reuse<'a> {
    Nothing,
    /// The last build's k-means and, per chunk whose vector did not
    /// change, its partition; and per chunk, the earlier chunk whose
    /// vector it copies, as in `Copies`.
    Kept(Option<&'a KMeansMemo>, &'a [Option<u32>], &'a [u32]),
    /// Per chunk, the earlier chunk whose vector it copies (its own
    /// ordinal when none; see [`Sources`]): a copy takes that partition.
    Copies(&'a [u32]),
}

/// The semantic files from the chunk vectors: partitions by k-means, the
/// token table (`m`'s rows) with the corpus' weights, the vocabulary.
/// With [`Reuse::Kept`], the centroids are trained only when their sample
/// changed and kept vectors are assigned only when the centroids did; the
/// assignment and this k-means are returned for the next build.
pub(super) fn semantic_files(
    vectors: &[f32],
    keys: &[u64],
    weights: &[f32],
    s: &SemanticOptions,
    m: &Model,
    store: &dyn SpillStore,
    reuse: Reuse<'_>,
) -> Result<(SemanticFiles, (Vec<u32>, KMeansMemo)), BuildError> {
    let (kept, same) = match reuse {
        Reuse::Nothing => (None, None),
        Reuse::Kept(memo, partitions, first) => (Some((memo, partitions)), Some(first)),
        Reuse::Copies(first) => (None, Some(first)),
    };
    // One key per chunk.
    let n = keys.len();
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
    let sample: Vec<f32> = kmeans_sample(keys, k)
        .into_iter()
        .flat_map(|i| vectors[i * d..(i + 1) * d].iter().copied())
        .collect();
    let same_bits = |a: &[f32], b: &[f32]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    };
    let trained = match memo {
        Some(m) if m.k == k && same_bits(&m.sample, &sample) => m.trained.clone(),
        _ => kmeans(vectors, d, keys, k, 10),
    };
    // Assign with the centroids as the reader will see them (quantised).
    let (_, cent) = SemanticSettings::quantize_centroids(d, &trained);
    let previous: &[Option<u32>] = match (memo, kept) {
        (Some(m), Some((_, p))) if same_bits(&m.cent, &cent) => p,
        _ => &[],
    };
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); k];
    let rows: Vec<(usize, &[f32])> = vectors.chunks(d).enumerate().collect();
    // A chunk whose vector copies an earlier one's (`same`: the ordinal
    // it copies) takes that chunk's partition.
    let copied = |o: usize| same.map_or(o, |s| s[o] as usize) != o;
    let mut assigned = par::map(&rows, |&(o, v)| match previous.get(o) {
        Some(&Some(p)) => p,
        _ if copied(o) => u32::MAX,
        _ => nearest(&cent, d, v) as u32,
    });
    if let Some(same) = same {
        for o in 0..assigned.len() {
            if assigned[o] == u32::MAX {
                assigned[o] = assigned[same[o] as usize];
            }
        }
    }
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
