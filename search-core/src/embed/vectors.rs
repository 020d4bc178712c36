//! The vector files of an index: the SEMANTIC manifest section, token-table
//! shards (`e/<i>.bin`), the vocabulary (`e/vocab.bin`) and vector
//! partitions (`v/<i>.bin`), plus the k-means that builds the partitions.

use crate::codec::{Reader, Writer};
use crate::embed::model::{dot, normalize, Quantization, MAX_DIMS};
use crate::error::FormatError;

/// How chunk vectors are stored in the partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VectorEncoding {
    /// f32 scale + one signed byte per dimension (the row format of
    /// [`Quantization::Int8`]); scored as a dot product with the query.
    Int8,
    /// f32 scale + one bit per dimension: the sign of the chunk vector minus
    /// the corpus mean. Scored as `scale · Σ ±q[i]`, which ranks like the
    /// dot product with the query (the mean's share is the same for every
    /// chunk).
    Binary,
}

impl VectorEncoding {
    pub fn code(self) -> u8 {
        match self {
            VectorEncoding::Int8 => 1,
            VectorEncoding::Binary => 2,
        }
    }
    pub fn from_code(c: u8) -> Result<Self, FormatError> {
        match c {
            1 => Ok(VectorEncoding::Int8),
            2 => Ok(VectorEncoding::Binary),
            _ => Err(FormatError::Malformed("unknown vector encoding")),
        }
    }
    /// Bytes of one chunk vector.
    pub fn code_bytes(self, dims: usize) -> usize {
        4 + match self {
            VectorEncoding::Int8 => dims,
            VectorEncoding::Binary => dims.div_ceil(8),
        }
    }

    /// Encode unit vector `v`; `mean` is the corpus mean (used by Binary).
    pub fn encode(self, v: &[f32], mean: &[f32], out: &mut Vec<u8>) {
        match self {
            VectorEncoding::Int8 => Quantization::Int8.encode_row(v, out),
            VectorEncoding::Binary => {
                let r: Vec<f32> = v.iter().zip(mean).map(|(x, m)| x - m).collect();
                let mut l1 = 0f32;
                for x in &r {
                    l1 += x.abs();
                }
                let scale = l1 / r.len().max(1) as f32;
                out.extend_from_slice(&scale.to_le_bytes());
                for bits in r.chunks(8) {
                    let mut b = 0u8;
                    for (k, x) in bits.iter().enumerate() {
                        if *x > 0.0 {
                            b |= 1 << k;
                        }
                    }
                    out.push(b);
                }
            }
        }
    }

    /// Score of stored `code` for unit query `q`: an estimate of the
    /// cosine, up to a constant that is the same for every chunk. For many
    /// codes, prepare a [`Scorer`] once instead.
    pub fn score(self, q: &[f32], code: &[u8]) -> f32 {
        self.scorer(q).score(code)
    }

    /// A scorer for query `q`, for scoring many codes.
    pub fn scorer(self, q: &[f32]) -> Scorer {
        match self {
            VectorEncoding::Int8 => Scorer::Int8(q.to_vec()),
            VectorEncoding::Binary => {
                // Σ ±q[i] = 2 · Σ_{bit set} q[i] − Σ q[i]; the first sum is
                // one table look-up per code byte instead of 8 branches.
                let mut lut = vec![0f32; q.len().div_ceil(8) * 256];
                for (j, part) in q.chunks(8).enumerate() {
                    let t = &mut lut[j * 256..(j + 1) * 256];
                    for b in 1..256usize {
                        let low = b.trailing_zeros() as usize;
                        t[b] = t[b & (b - 1)] + part.get(low).copied().unwrap_or(0.0);
                    }
                }
                let mut total = 0f32;
                for x in q {
                    total += x;
                }
                Scorer::Binary { lut, total }
            }
        }
    }
}

/// A query prepared for scoring stored chunk vectors
/// ([`VectorEncoding::scorer`]).
#[derive(Debug, Clone)]
pub enum Scorer {
    Int8(Vec<f32>),
    Binary { lut: Vec<f32>, total: f32 },
}

impl Scorer {
    /// Score of one stored code (see [`VectorEncoding::score`]).
    pub fn score(&self, code: &[u8]) -> f32 {
        let scale = f32::from_le_bytes([code[0], code[1], code[2], code[3]]);
        let body = &code[4..];
        let s = match self {
            Scorer::Int8(q) => {
                let mut s = 0f32;
                for (x, &b) in q.iter().zip(body) {
                    s += x * f32::from(b as i8);
                }
                s
            }
            Scorer::Binary { lut, total } => {
                let mut set = 0f32;
                for (t, &b) in lut.chunks_exact(256).zip(body) {
                    set += t[b as usize];
                }
                2.0 * set - total
            }
        };
        s * scale
    }
}

/// Everything the query side needs to plan and score semantic search
/// (manifest section [`crate::manifest::section::SEMANTIC`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticSettings {
    pub model_name: String,
    pub teacher: String,
    pub licence: String,
    pub dims: usize,
    /// Format of token rows in `e/<i>.bin`.
    pub rows: Quantization,
    pub vocab_size: u32,
    pub rows_per_shard: u32,
    pub vectors: VectorEncoding,
    /// Partitions searched per query.
    pub nprobe: u32,
    /// Semantic candidates that enter the blend.
    pub candidates: u32,
    /// Weight of the semantic score in the blend (lexical gets 1 − w).
    pub weight: f32,
    /// Corpus mean of the chunk vectors.
    pub mean: Vec<f32>,
    /// Chunks in each partition.
    pub partition_sizes: Vec<u32>,
    /// Partition centroids, unit length, dequantised (`P × dims`). They
    /// are not in the manifest but in `e/centroids.bin`, fetched with the
    /// vocabulary by a query's semantic half: empty until it is added.
    pub centroids: Vec<f32>,
}

impl SemanticSettings {
    pub fn token_shards(&self) -> usize {
        self.vocab_size.div_ceil(self.rows_per_shard) as usize
    }
    pub fn partitions(&self) -> usize {
        self.partition_sizes.len()
    }
    pub fn centroid(&self, p: usize) -> &[f32] {
        &self.centroids[p * self.dims..(p + 1) * self.dims]
    }

    /// Centroids are stored as int8 rows; `quantize_centroids` gives the
    /// values the reader will see, so the writer assigns chunks with them.
    pub fn quantize_centroids(dims: usize, centroids: &[f32]) -> (Vec<u8>, Vec<f32>) {
        let mut bytes = Vec::new();
        let mut back = Vec::with_capacity(centroids.len());
        for c in centroids.chunks(dims) {
            let at = bytes.len();
            Quantization::Int8.encode_row(c, &mut bytes);
            let mut v = vec![0f32; dims];
            Quantization::Int8.add_row(&bytes[at..], 1.0, &mut v);
            normalize(&mut v);
            back.extend(v);
        }
        (bytes, back)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.str(&self.model_name);
        w.str(&self.teacher);
        w.str(&self.licence);
        w.varint(self.dims as u64);
        w.u8(self.rows.code());
        w.varint(u64::from(self.vocab_size));
        w.varint(u64::from(self.rows_per_shard));
        w.u8(self.vectors.code());
        w.varint(u64::from(self.nprobe));
        w.varint(u64::from(self.candidates));
        w.f32(self.weight);
        for &m in &self.mean {
            w.f32(m);
        }
        w.varint(self.partition_sizes.len() as u64);
        for &s in &self.partition_sizes {
            w.varint(u64::from(s));
        }
        w.buf
    }

    /// Payload of `e/centroids.bin`: the centroids as int8 rows, one per
    /// partition.
    pub fn encode_centroids(&self) -> Vec<u8> {
        Self::quantize_centroids(self.dims, &self.centroids).0
    }

    /// Reads `e/centroids.bin` into these settings.
    pub fn decode_centroids(&mut self, payload: &[u8]) -> Result<(), FormatError> {
        let row = Quantization::Int8.row_bytes(self.dims);
        if payload.len() != self.partitions() * row {
            return Err(FormatError::Malformed(
                "centroid count differs from the manifest",
            ));
        }
        let mut centroids = Vec::with_capacity(self.partitions() * self.dims);
        for c in payload.chunks(row) {
            let mut v = vec![0f32; self.dims];
            Quantization::Int8.add_row(c, 1.0, &mut v);
            if v.iter().any(|x| !x.is_finite()) {
                return Err(FormatError::Malformed("non-finite centroid"));
            }
            normalize(&mut v);
            centroids.extend(v);
        }
        self.centroids = centroids;
        Ok(())
    }

    /// Whether `e/centroids.bin` has been read.
    pub fn has_centroids(&self) -> bool {
        !self.centroids.is_empty() || self.partitions() == 0
    }

    pub fn decode(body: &[u8], chunk_count: u32) -> Result<Self, FormatError> {
        let mut r = Reader::new(body);
        let model_name = r.str()?.to_string();
        let teacher = r.str()?.to_string();
        let licence = r.str()?.to_string();
        let dims = r.count(0)?;
        if dims == 0 || dims > MAX_DIMS {
            return Err(FormatError::Malformed("vector dimension out of range"));
        }
        let rows = Quantization::from_code(r.u8()?)?;
        let vocab_size = r.varint_u32()?;
        let rows_per_shard = r.varint_u32()?;
        if rows_per_shard == 0 {
            return Err(FormatError::Malformed("zero rows per token shard"));
        }
        let vectors = VectorEncoding::from_code(r.u8()?)?;
        let nprobe = r.varint_u32()?;
        let candidates = r.varint_u32()?;
        let weight = r.f32()?;
        if !(0.0..=1.0).contains(&weight) {
            return Err(FormatError::Malformed("semantic weight out of range"));
        }
        if r.remaining() < dims * 4 {
            return Err(FormatError::Truncated);
        }
        let mut mean = Vec::with_capacity(dims);
        for _ in 0..dims {
            mean.push(r.f32()?);
        }
        let p = r.count(1)?;
        let mut partition_sizes = Vec::with_capacity(p);
        let mut total = 0u64;
        for _ in 0..p {
            let s = r.varint_u32()?;
            total += u64::from(s);
            partition_sizes.push(s);
        }
        if total != u64::from(chunk_count) {
            return Err(FormatError::Malformed(
                "partitions do not add up to the chunk count",
            ));
        }
        if !r.is_empty() {
            return Err(FormatError::Malformed("trailing bytes in semantic section"));
        }
        Ok(SemanticSettings {
            model_name,
            teacher,
            licence,
            dims,
            rows,
            vocab_size,
            rows_per_shard,
            vectors,
            nprobe,
            candidates,
            weight,
            mean,
            partition_sizes,
            centroids: Vec::new(),
        })
    }

    /// The `nprobe` partitions whose centroids are closest to `q`, best
    /// first (ties by index).
    pub fn probe(&self, q: &[f32]) -> Vec<usize> {
        let mut s: Vec<(f32, usize)> = (0..self.partitions())
            .map(|p| (dot(q, self.centroid(p)), p))
            .collect();
        crate::order::sort_by(&mut s, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        s.truncate(self.nprobe.max(1) as usize);
        s.into_iter().map(|(_, p)| p).collect()
    }
}

/// Token-table shard payload: `v first id · v n · n × f32 weight · n rows`.
pub fn encode_token_shard(first: u32, weights: &[f32], rows: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.varint(u64::from(first));
    w.varint(weights.len() as u64);
    for &x in weights {
        w.f32(x);
    }
    w.bytes(rows);
    w.buf
}

/// A decoded token shard: one weight and one row per token.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TokenShard {
    pub weights: Vec<f32>,
    pub rows: Vec<u8>,
}

/// Decode a token shard and check it is shard `index` of `s`.
pub fn decode_token_shard(
    payload: &[u8],
    s: &SemanticSettings,
    index: usize,
) -> Result<TokenShard, FormatError> {
    let mut r = Reader::new(payload);
    let first = r.varint_u32()?;
    let n = r.varint_u32()?;
    let want_first = index as u64 * u64::from(s.rows_per_shard);
    let want_n = (u64::from(s.vocab_size) - want_first).min(u64::from(s.rows_per_shard));
    if u64::from(first) != want_first || u64::from(n) != want_n {
        return Err(FormatError::Malformed(
            "token shard does not match its path",
        ));
    }
    let len = n as usize * (4 + s.rows.row_bytes(s.dims));
    if r.remaining() != len {
        return Err(FormatError::Malformed("token shard length"));
    }
    let mut weights = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let w = r.f32()?;
        if w < 0.0 {
            return Err(FormatError::Malformed("negative token weight"));
        }
        weights.push(w);
    }
    let rows = r.take(r.remaining())?.to_vec();
    Ok(TokenShard { weights, rows })
}

/// Chunks of one partition: ordinals (ascending) and their vector codes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Partition {
    pub ords: Vec<u32>,
    pub codes: Vec<u8>,
}

/// Partition payload: `v n · n × v ordinal gap (first absolute) · n codes`.
pub fn encode_partition(ords: &[u32], codes: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.varint(ords.len() as u64);
    let mut prev = 0u32;
    for (i, &o) in ords.iter().enumerate() {
        w.varint(u64::from(if i == 0 { o } else { o - prev }));
        prev = o;
    }
    w.bytes(codes);
    w.buf
}

pub fn decode_partition(
    payload: &[u8],
    s: &SemanticSettings,
    index: usize,
    chunk_count: u32,
) -> Result<Partition, FormatError> {
    let mut r = Reader::new(payload);
    let n = r.count(1)?;
    if n as u64 != u64::from(s.partition_sizes[index]) {
        return Err(FormatError::Malformed(
            "partition size differs from manifest",
        ));
    }
    let mut ords = Vec::with_capacity(n);
    let mut prev = 0u64;
    for i in 0..n {
        let g = r.varint()?;
        if i > 0 && g == 0 {
            return Err(FormatError::Malformed("partition ordinals not ascending"));
        }
        // A gap that overflows is out of range too, not a panic.
        let o = if i == 0 { Some(g) } else { prev.checked_add(g) };
        let Some(o) = o.filter(|&o| o < u64::from(chunk_count)) else {
            return Err(FormatError::Malformed("partition ordinal out of range"));
        };
        ords.push(o as u32);
        prev = o;
    }
    let len = n * s.vectors.code_bytes(s.dims);
    if r.remaining() != len {
        return Err(FormatError::Malformed("partition length"));
    }
    let codes = r.take(len)?.to_vec();
    Ok(Partition { ords, codes })
}

/// The rows k-means trains on, in the order of `keys` (one stable key per
/// row: a hash of the chunk's id): 64 per centroid but never fewer than
/// 10,000, so small collections train on everything. Taking them by key
/// rather than by position keeps the sample, the seeds and so the
/// partitions where they were when chunks are added or removed elsewhere
/// in the library; evenly spaced positions all moved with one insertion.
/// Twice as many rows cost a 250k-chunk build 1.2 s of CPU and raised the
/// mean similarity of a chunk to its centroid by 0.4% (0.7636 to 0.7665).
pub fn kmeans_sample(keys: &[u64], k: usize) -> Vec<usize> {
    let n = keys.len();
    let k = k.clamp(1, n.max(1));
    let take = (64 * k).max(10_000).min(n);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by_key(|&i| (keys[i], i));
    order.truncate(take);
    order
}

/// Spherical k-means over `vectors` (`n × dims` unit vectors, `keys` one
/// stable key per row, see [`kmeans_sample`]) with a fixed number of
/// rounds. Returns `k × dims` unit centroids: the same for the same rows
/// and keys in any order.
pub fn kmeans(vectors: &[f32], dims: usize, keys: &[u64], k: usize, rounds: usize) -> Vec<f32> {
    let n = vectors.len() / dims;
    let k = k.clamp(1, n.max(1));
    // Nothing to train on (a site with no chunks): one zero centroid, checked
    // before the seeding below indexes into an empty sample.
    if n == 0 {
        return vec![0.0; dims];
    }
    let row = |i: usize| &vectors[i * dims..(i + 1) * dims];
    let sample = kmeans_sample(keys, k);
    let mut cent: Vec<f32> = kmeans_seeds(&sample, row, k)
        .into_iter()
        .flat_map(|i| row(i).to_vec())
        .collect();
    // A passage in several versions has one vector, so the sample repeats
    // vectors (5,643 of 32,384 rows at 250k chunks): each distinct one is
    // searched once a round and its repeats take its centroid.
    // Rows are told apart by their bits, found by a hash of them (a map
    // keyed by the rows themselves would hold a copy of the sample).
    let same = |a: usize, b: usize| {
        row(a)
            .iter()
            .zip(row(b))
            .all(|(x, y)| x.to_bits() == y.to_bits())
    };
    let hash = |i: usize| {
        use std::hash::Hasher as _;
        let mut h = crate::hash::FastHasher::default();
        row(i).iter().for_each(|x| h.write_u32(x.to_bits()));
        h.finish()
    };
    let mut by_hash: crate::hash::FastMap<u64, Vec<usize>> = Default::default();
    let mut distinct: Vec<usize> = Vec::new();
    let slot: Vec<usize> = sample
        .iter()
        .map(|&i| {
            let seen = by_hash.entry(hash(i)).or_default();
            match seen.iter().find(|&&d| same(distinct[d], i)) {
                Some(&d) => d,
                None => {
                    distinct.push(i);
                    seen.push(distinct.len() - 1);
                    distinct.len() - 1
                }
            }
        })
        .collect();
    drop(by_hash);
    for _ in 0..rounds {
        let mut sum = vec![0f32; k * dims];
        let mut count = vec![0u32; k];
        // Assignments in parallel, sums in sample order (same bytes on
        // any number of threads).
        let nearest_of = crate::par::map(&distinct, |&i| nearest(&cent, dims, row(i)));
        let assigned = slot.iter().map(|&d| nearest_of[d]);
        for (&i, c) in sample.iter().zip(assigned) {
            count[c] += 1;
            for (s, x) in sum[c * dims..(c + 1) * dims].iter_mut().zip(row(i)) {
                *s += x;
            }
        }
        for c in 0..k {
            if count[c] > 0 {
                let s = &mut sum[c * dims..(c + 1) * dims];
                normalize(s);
                cent[c * dims..(c + 1) * dims].copy_from_slice(s);
            }
        }
    }
    cent
}

/// The rows that start k-means: the sample's first `k` distinct vectors
/// (a passage in several versions has one vector, and two equal centroids
/// would leave one empty), then repeats if the sample has fewer.
pub fn kmeans_seeds<'a>(
    sample: &[usize],
    row: impl Fn(usize) -> &'a [f32],
    k: usize,
) -> Vec<usize> {
    let bits = |i: usize| row(i).iter().map(|x| x.to_bits()).collect::<Vec<u32>>();
    let mut seen = std::collections::HashSet::new();
    let mut seeds: Vec<usize> = Vec::with_capacity(k);
    for &i in sample {
        if seeds.len() == k {
            break;
        }
        if seen.insert(bits(i)) {
            seeds.push(i);
        }
    }
    let distinct = seeds.len();
    for j in 0..k - distinct {
        seeds.push(sample[j % sample.len()]);
    }
    seeds
}

/// Index of the centroid with the largest dot product with `v` (the first
/// of equal ones). Centroids are taken four at a time so `v` is read once
/// per four and the four sums run side by side; each sum is added in
/// exactly [`dot`]'s order, so the answer is the one `dot` gives. This is
/// most of a large build's k-means and partition assignment.
#[allow(unsafe_code)]
pub fn nearest(cent: &[f32], dims: usize, v: &[f32]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx") {
        // SAFETY: the processor has AVX (checked just above).
        return unsafe { nearest_avx(cent, dims, v) };
    }
    nearest_in_order(cent, dims, v)
}

/// [`nearest`] compiled for AVX: eight sums in one register instead of
/// two (1.8x as fast). Each sum sees the same multiplications and
/// additions in the same order (Rust does not fuse them), so the answer is
/// the same bits; a large build spends most of its k-means here.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn nearest_avx(cent: &[f32], dims: usize, v: &[f32]) -> usize {
    nearest_in_order(cent, dims, v)
}

#[inline(always)]
fn nearest_in_order(cent: &[f32], dims: usize, v: &[f32]) -> usize {
    let mut best = (f32::NEG_INFINITY, 0usize);
    let mut consider = |d: f32, c: usize| {
        if d > best.0 {
            best = (d, c);
        }
    };
    let v = &v[..dims.min(v.len())];
    let mut quads = cent.chunks_exact(4 * dims.max(1));
    let mut c = 0;
    for quad in quads.by_ref() {
        for d in dot4(quad, dims, v) {
            consider(d, c);
            c += 1;
        }
    }
    for cv in quads.remainder().chunks(dims.max(1)) {
        consider(dot(cv, v), c);
        c += 1;
    }
    best.1
}

/// [`dot`] of `v` with each of the four rows of `quad`, each summed in
/// `dot`'s order: eight running sums over blocks of eight, added pairwise,
/// then the tail in index order.
#[inline(always)]
fn dot4(quad: &[f32], dims: usize, v: &[f32]) -> [f32; 4] {
    let (c0, rest) = quad.split_at(dims);
    let (c1, rest) = rest.split_at(dims);
    let (c2, c3) = rest.split_at(dims);
    let rows = [c0, c1, c2, c3];
    let mut acc = [[0f32; 8]; 4];
    let blocks = v.chunks_exact(8);
    let tail = blocks.remainder();
    let (b0, b1, b2, b3) = (
        c0.chunks_exact(8),
        c1.chunks_exact(8),
        c2.chunks_exact(8),
        c3.chunks_exact(8),
    );
    for ((((x, y0), y1), y2), y3) in blocks.zip(b0).zip(b1).zip(b2).zip(b3) {
        for (a, y) in acc.iter_mut().zip([y0, y1, y2, y3]) {
            for k in 0..8 {
                a[k] += y[k] * x[k];
            }
        }
    }
    // Left to itself the compiler lays the sums out to suit the final
    // additions below and shuffles in every block (2.8x slower); this
    // barrier keeps each row's eight sums in plain vector registers.
    let acc = std::hint::black_box(acc);
    let mut out = [0f32; 4];
    for ((o, a), row) in out.iter_mut().zip(&acc).zip(rows) {
        let mut s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
        for (x, y) in row[dims - tail.len()..].iter().zip(tail) {
            s += x * y;
        }
        *o = s;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SemanticSettings {
        SemanticSettings {
            model_name: "m".into(),
            teacher: "t".into(),
            licence: "MIT".into(),
            dims: 3,
            rows: Quantization::Int8,
            vocab_size: 5,
            rows_per_shard: 2,
            vectors: VectorEncoding::Binary,
            nprobe: 1,
            candidates: 10,
            weight: 0.5,
            mean: vec![0.1, 0.0, -0.1],
            partition_sizes: vec![2, 1],
            centroids: vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        }
    }

    /// Ordinal gaps that overflow are malformed input, not a panic.
    #[test]
    fn overflowing_partition_gaps_are_malformed() {
        let s = settings();
        let mut w = Writer::new();
        w.varint(2);
        w.varint(1);
        w.varint(u64::MAX);
        assert_eq!(
            decode_partition(&w.buf, &s, 0, 10).unwrap_err(),
            FormatError::Malformed("partition ordinal out of range")
        );
    }

    #[test]
    fn settings_round_trip() {
        let s = settings();
        let mut back = SemanticSettings::decode(&s.encode(), 3).unwrap();
        assert_eq!(back.partition_sizes, s.partition_sizes);
        assert_eq!(back.mean, s.mean);
        // The centroids are a file of their own, read into the settings.
        assert!(!back.has_centroids());
        back.decode_centroids(&s.encode_centroids()).unwrap();
        assert!(back.has_centroids());
        assert_eq!(back.centroids, s.centroids);
        assert!(back.decode_centroids(&s.encode_centroids()[1..]).is_err());
        assert_eq!(back.token_shards(), 3);
        assert!(SemanticSettings::decode(&s.encode(), 4).is_err());
        assert_eq!(back.probe(&[0.1, 0.9, 0.0]), vec![1]);
    }

    #[test]
    fn shard_and_partition_round_trip() {
        let s = settings();
        let rows = vec![7u8; 2 * s.rows.row_bytes(3)];
        let p = encode_token_shard(2, &[1.0, 2.5], &rows);
        let back = decode_token_shard(&p, &s, 1).unwrap();
        assert_eq!((back.weights, back.rows), (vec![1.0, 2.5], rows.clone()));
        assert!(decode_token_shard(&p, &s, 0).is_err());
        let last = encode_token_shard(4, &[1.0], &rows[..s.rows.row_bytes(3)]);
        assert!(decode_token_shard(&last, &s, 2).is_ok());

        let mut codes = Vec::new();
        for v in [[1.0f32, 0.0, 0.0], [0.0, 0.6, 0.8]] {
            s.vectors.encode(&v, &s.mean, &mut codes);
        }
        let p = encode_partition(&[3, 9], &codes);
        let back = decode_partition(&p, &s, 0, 10).unwrap();
        assert_eq!(back.ords, vec![3, 9]);
        assert_eq!(back.codes, codes);
        assert!(decode_partition(&p, &s, 0, 9).is_err());
        assert!(decode_partition(&p, &s, 1, 10).is_err());
    }

    #[test]
    fn binary_and_int8_scores_rank_like_cosine() {
        let mean = [0.0f32; 4];
        let a = [0.9f32, 0.1, -0.3, 0.3];
        let b = [-0.5f32, 0.5, 0.5, -0.5];
        let q = [1.0f32, 0.0, -0.2, 0.2];
        for e in [VectorEncoding::Int8, VectorEncoding::Binary] {
            let (mut ca, mut cb) = (Vec::new(), Vec::new());
            e.encode(&a, &mean, &mut ca);
            e.encode(&b, &mean, &mut cb);
            assert_eq!(ca.len(), e.code_bytes(4));
            assert!(e.score(&q, &ca) > e.score(&q, &cb), "{e:?}");
        }
    }

    #[test]
    fn binary_table_scorer_matches_the_signed_sum() {
        // 13 dims: a partial last byte too.
        let q: Vec<f32> = (0..13).map(|i| ((i * 7 % 5) as f32 - 2.0) * 0.1).collect();
        let mean = vec![0f32; 13];
        for seed in 0..20u32 {
            let v: Vec<f32> = (0..13)
                .map(|i| {
                    ((seed + 3).wrapping_mul(i + 1).wrapping_mul(2654435761u32) >> 16) as f32
                        / 65536.0
                        - 0.5
                })
                .collect();
            let mut code = Vec::new();
            VectorEncoding::Binary.encode(&v, &mean, &mut code);
            let scale = f32::from_le_bytes([code[0], code[1], code[2], code[3]]);
            let direct: f32 = q
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    if code[4 + i / 8] >> (i % 8) & 1 == 1 {
                        *x
                    } else {
                        -x
                    }
                })
                .sum::<f32>()
                * scale;
            let fast = VectorEncoding::Binary.scorer(&q).score(&code);
            assert!((fast - direct).abs() < 1e-5, "{seed}: {fast} vs {direct}");
        }
    }

    #[test]
    fn kmeans_separates_two_clusters() {
        let mut v = Vec::new();
        for i in 0..10 {
            let t = i as f32 * 0.01;
            let mut a = [1.0, t, 0.0];
            let mut b = [0.0, t, 1.0];
            normalize(&mut a);
            normalize(&mut b);
            v.extend(a);
            v.extend(b);
        }
        let keys: Vec<u64> = (0..20).collect();
        let c = kmeans(&v, 3, &keys, 2, 5);
        let ca = nearest(&c, 3, &[1.0, 0.0, 0.0]);
        let cb = nearest(&c, 3, &[0.0, 0.0, 1.0]);
        assert_ne!(ca, cb);
    }

    /// Rows in another order give the same centroids bit for bit, and
    /// rows added give the same seeds unless their keys come first: the
    /// partitions do not move with where chunks sit in the library.
    #[test]
    fn kmeans_follows_the_keys_not_the_positions() {
        let (n, dims, k) = (3000usize, 8usize, 12usize);
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 2001) as f32 / 1000.0 - 1.0
        };
        let mut rows: Vec<Vec<f32>> = (0..n + 5)
            .map(|_| {
                let mut v: Vec<f32> = (0..dims).map(|_| next()).collect();
                normalize(&mut v);
                v
            })
            .collect();
        // Pseudo-random keys below 2^63; the five added rows' keys are last.
        let keys: Vec<u64> = (0..n as u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 1)
            .chain((0..5).map(|j| u64::MAX - j))
            .collect();
        let flat = |rows: &[Vec<f32>]| rows.concat();
        let base = kmeans(&flat(&rows[..n]), dims, &keys[..n], k, 10);
        // The same rows reversed.
        let rev_rows: Vec<Vec<f32>> = rows[..n].iter().rev().cloned().collect();
        let rev_keys: Vec<u64> = keys[..n].iter().rev().copied().collect();
        let reversed = kmeans(&flat(&rev_rows), dims, &rev_keys, k, 10);
        assert_eq!(base, reversed);
        // Five rows inserted at the front, with keys after every seed's.
        rows.rotate_right(5);
        let mut more_keys = keys.clone();
        more_keys.rotate_right(5);
        let grown = kmeans(&flat(&rows), dims, &more_keys, k, 10);
        let moved = (5..n + 5)
            .filter(|&i| nearest(&base, dims, &rows[i]) != nearest(&grown, dims, &rows[i]))
            .count();
        // Rows without clusters (the hardest case): 136 of 3,000 move;
        // with seeds by position, 2,773 did.
        assert!(moved * 10 < n, "{moved} of {n} rows changed partition");
    }

    proptest::proptest! {
        /// The blocked search picks exactly what one `dot` per centroid
        /// picks (the first of equal bests), for any number of centroids
        /// and dims that are not multiples of 4 or 8; repeated centroids
        /// make ties.
        #[test]
        fn nearest_equals_a_dot_per_centroid(
            dims in 1usize..40,
            k in 1usize..13,
            seed in proptest::prelude::any::<u64>(),
            repeat in proptest::prelude::any::<bool>(),
        ) {
            let mut x = seed | 1;
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 2001) as f32 / 1000.0 - 1.0
            };
            let mut cent: Vec<f32> = (0..k * dims).map(|_| next()).collect();
            if repeat && k > 1 {
                let first = cent[..dims].to_vec();
                cent[(k - 1) * dims..].copy_from_slice(&first);
            }
            let v: Vec<f32> = (0..dims).map(|_| next()).collect();
            let mut best = (f32::NEG_INFINITY, 0usize);
            for (c, cv) in cent.chunks(dims).enumerate() {
                let d = dot(cv, &v);
                if d > best.0 {
                    best = (d, c);
                }
            }
            proptest::prop_assert_eq!(nearest(&cent, dims, &v), best.1);
            // The portable build too, where `nearest` took the AVX one.
            proptest::prop_assert_eq!(nearest_in_order(&cent, dims, &v), best.1);
            for (c, d) in cent.chunks_exact(4 * dims).flat_map(|q| dot4(q, dims, &v)).enumerate() {
                proptest::prop_assert_eq!(d.to_bits(), dot(&cent[c * dims..(c + 1) * dims], &v).to_bits());
            }
        }

        /// k-means with the blocked search gives the centroids, bit for
        /// bit, of a plain `dot` per centroid for every vector each round,
        /// on clustered data and on noise.
        #[test]
        fn kmeans_equals_the_search_of_every_centroid(
            n in 1usize..400,
            k in 1usize..60,
            dims in 1usize..20,
            spread in 0u32..4,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let mut x = seed | 1;
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 2001) as f32 / 1000.0 - 1.0
            };
            let centres: Vec<f32> = (0..8 * dims).map(|_| next()).collect();
            let mut vectors = Vec::new();
            for i in 0..n {
                let c = &centres[(i % 8) * dims..(i % 8 + 1) * dims];
                let mut v: Vec<f32> = c.iter().map(|a| a + next() * spread as f32 * 0.3).collect();
                normalize(&mut v);
                vectors.extend(v);
            }
            // Keys in reverse row order, so key order is not row order.
            let keys: Vec<u64> = (0..n as u64).map(|i| (n as u64 - i) * 7919).collect();
            let reference = {
                let row = |i: usize| &vectors[i * dims..(i + 1) * dims];
                let k = k.clamp(1, n);
                let sample = kmeans_sample(&keys, k);
                let mut cent: Vec<f32> = kmeans_seeds(&sample, row, k)
                    .into_iter()
                    .flat_map(|i| row(i).to_vec())
                    .collect();
                for _ in 0..6 {
                    let mut sum = vec![0f32; k * dims];
                    let mut count = vec![0u32; k];
                    for &i in &sample {
                        let mut best = (f32::NEG_INFINITY, 0usize);
                        for (c, cv) in cent.chunks(dims).enumerate() {
                            let d = dot(cv, row(i));
                            if d > best.0 {
                                best = (d, c);
                            }
                        }
                        count[best.1] += 1;
                        for (s, x) in sum[best.1 * dims..(best.1 + 1) * dims].iter_mut().zip(row(i)) {
                            *s += x;
                        }
                    }
                    for c in 0..k {
                        if count[c] > 0 {
                            let s = &mut sum[c * dims..(c + 1) * dims];
                            normalize(s);
                            cent[c * dims..(c + 1) * dims].copy_from_slice(s);
                        }
                    }
                }
                cent
            };
            let blocked = kmeans(&vectors, dims, &keys, k, 6);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(bits(&blocked), bits(&reference));
        }
    }
}
