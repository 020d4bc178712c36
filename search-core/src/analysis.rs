//! What the index writer derives from each chunk on its own (its terms with
//! their positions, its embedding token ids, its vector), and
//! [`AnalysisCache`], which keeps it between builds of one process so that
//! a rebuild analyses only the chunks whose text changed.
//!
//! Only the per-chunk part is kept: everything that depends on the whole
//! library (field length means, impacts, document frequencies, token
//! weights, partitions, the build id) is computed again, so an index built
//! with the cache is the same bytes as one built without it. A kept vector
//! is used only when none of its tokens changed weight since it was made.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use crate::codec::{Reader, Writer};
use crate::embed::Model;
use crate::error::BuildError;
use crate::hash::{FastHasher, FastMap};
use crate::input::ChunkInput;
use crate::shard::{encode_positions, FieldPositions};
use crate::tokenize::TokenizerSettings;

/// A chunk's terms as the inverted index takes them: its field lengths and,
/// per term, the term, its frequency per field and its positions already
/// encoded as in a position shard. Compact, so that a whole library's fit in
/// the memory of a watching process.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChunkTerms {
    pub lens: [u32; 3],
    bytes: Vec<u8>,
}

impl ChunkTerms {
    pub(crate) fn push(&mut self, term: &str, fields: &FieldPositions, scratch: &mut Writer) {
        let mut w = Writer {
            buf: std::mem::take(&mut self.bytes),
        };
        w.str(term);
        for f in fields {
            w.varint(f.len().min(u16::MAX as usize) as u64);
        }
        scratch.buf.clear();
        encode_positions(scratch, fields);
        w.varint(scratch.buf.len() as u64);
        w.bytes(&scratch.buf);
        self.bytes = w.buf;
    }

    /// Bytes it holds on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.bytes.capacity()
    }

    pub(crate) fn new(lens: [u32; 3]) -> ChunkTerms {
        ChunkTerms {
            lens,
            bytes: Vec::new(),
        }
    }

    /// Each term with its per-field frequencies and encoded positions.
    pub(crate) fn each(&self, mut f: impl FnMut(&str, [u16; 3], &[u8])) -> Result<(), BuildError> {
        let bad = |_| BuildError::Spill("analysed chunk terms do not decode".into());
        let mut r = Reader::new(&self.bytes);
        while !r.is_empty() {
            let term = r.str().map_err(bad)?;
            let mut tfs = [0u16; 3];
            for tf in &mut tfs {
                *tf = r.varint().map_err(bad)? as u16;
            }
            let n = r.varint().map_err(bad)? as usize;
            let positions = r.take(n).map_err(bad)?;
            f(term, tfs, positions);
        }
        Ok(())
    }
}

/// Everything derived from one chunk's text alone.
#[derive(Debug)]
pub(crate) struct Analysed {
    pub terms: ChunkTerms,
    /// Embedding token ids, when the index is semantic.
    pub ids: Option<Box<[u32]>>,
}

/// A cached chunk: what analysis reads (compared in full, so a hash
/// collision cannot hand one chunk another's terms), what it gave, and the
/// vector the last build made from it.
#[derive(Debug)]
struct Slot {
    title: String,
    breadcrumb: Vec<String>,
    text: String,
    analysed: Arc<Analysed>,
    vector: Option<Arc<[f32]>>,
    /// The partition the vector went to.
    partition: Option<u32>,
}

impl Slot {
    fn holds(&self, c: &ChunkInput) -> bool {
        (
            self.title.as_str(),
            self.breadcrumb.as_slice(),
            self.text.as_str(),
        ) == c.passage()
    }
}

/// The fields analysis reads, hashed.
fn key(c: &ChunkInput) -> u64 {
    let mut h = FastHasher::default();
    c.passage().hash(&mut h);
    h.finish()
}

#[derive(Debug, Default)]
struct Inner {
    /// What the entries were analysed with; other settings empty the cache.
    tokenizer: Option<TokenizerSettings>,
    model: Option<Arc<Model>>,
    slots: FastMap<u64, Vec<Slot>>,
    /// The token weights the kept vectors were made with.
    weights: Vec<f32>,
    kmeans: Option<Arc<KMeansMemo>>,
    counts: AnalysisCounts,
}

/// How much of the last build's per-chunk work the cache saved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnalysisCounts {
    /// Chunks whose terms (and token ids) came from the cache.
    pub reused: usize,
    /// Distinct passages tokenized by the last build (a passage that
    /// several of its chunks repeat, once).
    pub analysed: usize,
    /// Chunk vectors computed by the last build (the others were kept:
    /// same tokens, same weights).
    pub embedded: usize,
}

/// Per-chunk analysis kept between index builds of one process (a watching
/// server): pass the same cache to each [`crate::build_index_to_cached`]
/// call. It holds what the last build's chunks gave, and nothing else:
/// chunks that left the library leave the cache with the next build.
#[derive(Debug, Default)]
pub struct AnalysisCache {
    inner: Mutex<Inner>,
}

/// The last build's k-means: the same sample of vectors trains the same
/// centroids, and a kept vector goes to the same one of the same centroids.
#[derive(Debug)]
pub(crate) struct KMeansMemo {
    pub k: usize,
    /// The sampled vectors, in sample order.
    pub sample: Vec<f32>,
    pub trained: Vec<f32>,
    /// The centroids as quantised for assignment.
    pub cent: Vec<f32>,
}

/// A chunk's vector and partition from the last build.
pub(crate) type KeptVector = Option<(Arc<[f32]>, Option<u32>)>;

/// What a build took from the cache, and what it hands back.
pub(crate) struct Lookup {
    /// Per chunk (in the build's order), its analysis.
    pub analysed: Vec<Arc<Analysed>>,
    /// Per chunk, the vector the last build made from the same text and
    /// the partition it went to.
    pub vectors: Vec<KeptVector>,
    /// The weights those vectors were made with.
    pub weights: Vec<f32>,
    pub kmeans: Option<Arc<KMeansMemo>>,
    pub reused: usize,
    /// Distinct passages analysed by `analyse` (the misses, each
    /// repeated passage once).
    pub fresh: usize,
}

/// This build's vectors, partitions, weights and k-means, for the next.
#[derive(Default)]
pub(crate) struct Made {
    pub vectors: Vec<KeptVector>,
    pub weights: Vec<f32>,
    pub kmeans: Option<Arc<KMeansMemo>>,
}

fn same_model(a: &Option<Arc<Model>>, b: Option<&Arc<Model>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || **a == **b,
        _ => false,
    }
}

impl AnalysisCache {
    /// Counts of the last build that used this cache.
    pub fn counts(&self) -> AnalysisCounts {
        self.inner.lock().map(|i| i.counts).unwrap_or_default()
    }

    /// Chunks held.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .map(|i| i.slots.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The analysis of each chunk: from the cache when it holds the same
    /// text analysed with the same settings, else by `analyse`, which gets
    /// the misses in blocks of `block` chunks, in parallel.
    pub(crate) fn lookup(
        &self,
        chunks: &[ChunkInput],
        tokenizer: TokenizerSettings,
        model: Option<&Arc<Model>>,
        block: usize,
        analyse: impl Fn(&[&ChunkInput]) -> Vec<Analysed> + Sync + Send,
    ) -> Result<Lookup, BuildError> {
        let poisoned = || BuildError::Spill("analysis cache poisoned".into());
        let keys = crate::par::map(chunks, key);
        let inner = self.inner.lock().map_err(|_| poisoned())?;
        let valid = inner.tokenizer == Some(tokenizer) && same_model(&inner.model, model);
        let found: Vec<Option<&Slot>> = chunks
            .iter()
            .zip(&keys)
            .map(|(c, k)| {
                valid
                    .then(|| inner.slots.get(k)?.iter().find(|s| s.holds(c)))
                    .flatten()
            })
            .collect();
        // A passage that misses in several chunks (the same text in
        // several versions, on a first build) is analysed once and its
        // repeats share that analysis: `distinct` holds the first chunk of
        // each, `miss_of` each missing chunk's place in it.
        let mut distinct: Vec<&ChunkInput> = Vec::new();
        let mut by_key: FastMap<u64, Vec<usize>> = FastMap::default();
        let mut miss_of: Vec<usize> = Vec::with_capacity(chunks.len());
        let mut missing = 0;
        for ((c, k), f) in chunks.iter().zip(&keys).zip(&found) {
            if f.is_some() {
                miss_of.push(usize::MAX);
                continue;
            }
            missing += 1;
            let same = by_key.entry(*k).or_default();
            let at = match same.iter().find(|&&d| distinct[d].passage() == c.passage()) {
                Some(&d) => d,
                None => {
                    distinct.push(c);
                    same.push(distinct.len() - 1);
                    distinct.len() - 1
                }
            };
            miss_of.push(at);
        }
        let blocks: Vec<&[&ChunkInput]> = distinct.chunks(block.max(1)).collect();
        let fresh: Vec<Arc<Analysed>> = crate::par::map(&blocks, |b| analyse(b))
            .into_iter()
            .flatten()
            .map(Arc::new)
            .collect();
        let mut analysed = Vec::with_capacity(chunks.len());
        let mut vectors = Vec::with_capacity(chunks.len());
        for (f, &at) in found.iter().zip(&miss_of) {
            match f {
                Some(s) => {
                    analysed.push(s.analysed.clone());
                    vectors.push(s.vector.clone().map(|v| (v, s.partition)));
                }
                None => {
                    analysed.push(fresh[at].clone());
                    vectors.push(None);
                }
            }
        }
        Ok(Lookup {
            analysed,
            vectors,
            weights: if valid {
                inner.weights.clone()
            } else {
                Vec::new()
            },
            kmeans: inner.kmeans.clone().filter(|_| valid),
            reused: chunks.len() - missing,
            fresh: fresh.len(),
        })
    }

    /// Replaces the cache's content with this build's chunks, their
    /// analysis, vectors (made with `made.weights`) and partitions.
    pub(crate) fn store(
        &self,
        chunks: &[ChunkInput],
        tokenizer: TokenizerSettings,
        model: Option<&Arc<Model>>,
        analysed: Vec<Arc<Analysed>>,
        made: Made,
        counts: AnalysisCounts,
    ) -> Result<(), BuildError> {
        let Made {
            vectors,
            weights,
            kmeans,
        } = made;
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| BuildError::Spill("analysis cache poisoned".into()))?;
        let keys = crate::par::map(chunks, key);
        let mut old = std::mem::take(&mut inner.slots);
        let mut slots: FastMap<u64, Vec<Slot>> = FastMap::default();
        for (((c, k), analysed), vector) in chunks.iter().zip(keys).zip(analysed).zip(vectors) {
            let bucket = slots.entry(k).or_default();
            if bucket.iter().any(|s| s.holds(c)) {
                continue;
            }
            // The key strings of a kept chunk move over instead of being
            // copied again.
            let kept = old.get_mut(&k).and_then(|b| {
                let i = b.iter().position(|s| s.holds(c))?;
                Some(b.swap_remove(i))
            });
            let (title, breadcrumb, text) = match kept {
                Some(s) => (s.title, s.breadcrumb, s.text),
                None => (c.title.clone(), c.breadcrumb.clone(), c.text.clone()),
            };
            let (vector, partition) = match vector {
                Some((v, p)) => (Some(v), p),
                None => (None, None),
            };
            bucket.push(Slot {
                title,
                breadcrumb,
                text,
                analysed,
                vector,
                partition,
            });
        }
        *inner = Inner {
            tokenizer: Some(tokenizer),
            model: model.cloned(),
            slots,
            weights,
            kmeans,
            counts,
        };
        Ok(())
    }
}
