//! The vector files of an index: the SEMANTIC manifest section, token-table
//! shards (`e/<i>.bin`), the vocabulary (`e/vocab.bin`) and vector
//! partitions (`v/<i>.bin`); the k-means that builds the partitions is in
//! [`super::kmeans`].

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
}
