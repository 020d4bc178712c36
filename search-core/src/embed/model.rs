//! The static embedding model file (`.mcdm`): a WordPiece vocabulary and one
//! quantised vector per token.
//!
//! ```text
//!  0      4         6        8          12                12+len
//!  ┌──────┬─────────┬────────┬──────────┬─────────────────┬──────────┐
//!  │ MCDM │ version │ flags  │ len      │ payload         │ CRC-32   │
//!  │      │ u16 LE  │ u16 =0 │ u32 LE   │ (len bytes)     │ u32 LE   │
//!  └──────┴─────────┴────────┴──────────┴─────────────────┴──────────┘
//!  payload: str name · str teacher · str licence · str notes
//!           v dims · u8 quantisation (1 = int8, 2 = int4)
//!           vocabulary (v n · n × fc token, byte order; id = rank)
//!           n × row: f32 LE scale · dims × i8 (int8) or ⌈dims/2⌉ bytes of
//!                    two's-complement nibbles, low nibble first (int4)
//! ```
//!
//! The CRC-32 (IEEE) covers bytes `[0, 12+len)`. A row's value `i` is
//! `scale · q[i]`.

use crate::codec::{crc32, Reader, Writer};
use crate::embed::wordpiece::Vocab;
use crate::error::FormatError;

/// First bytes of a model file.
pub const MODEL_MAGIC: [u8; 4] = *b"MCDM";
/// Model file version written and read by this crate.
pub const MODEL_VERSION: u16 = 1;
const MODEL_HEADER: usize = 12;
/// Largest dimension a model may have.
pub const MAX_DIMS: usize = 4096;

/// How a token row is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantization {
    /// f32 scale + one signed byte per dimension.
    Int8,
    /// f32 scale + one signed nibble per dimension (values −7..=7).
    Int4,
}

impl Quantization {
    pub fn code(self) -> u8 {
        match self {
            Quantization::Int8 => 1,
            Quantization::Int4 => 2,
        }
    }

    pub fn from_code(c: u8) -> Result<Self, FormatError> {
        match c {
            1 => Ok(Quantization::Int8),
            2 => Ok(Quantization::Int4),
            _ => Err(FormatError::Malformed("unknown quantisation")),
        }
    }

    /// Bytes of one row of `dims` values.
    pub fn row_bytes(self, dims: usize) -> usize {
        4 + match self {
            Quantization::Int8 => dims,
            Quantization::Int4 => dims.div_ceil(2),
        }
    }

    fn max_level(self) -> f32 {
        match self {
            Quantization::Int8 => 127.0,
            Quantization::Int4 => 7.0,
        }
    }

    /// Quantise `v` into one row.
    pub fn encode_row(self, v: &[f32], out: &mut Vec<u8>) {
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 {
            max / self.max_level()
        } else {
            0.0
        };
        out.extend_from_slice(&scale.to_le_bytes());
        let q = |x: f32| -> i8 {
            if scale == 0.0 {
                0
            } else {
                (x / scale)
                    .round()
                    .clamp(-self.max_level(), self.max_level()) as i8
            }
        };
        match self {
            Quantization::Int8 => out.extend(v.iter().map(|&x| q(x) as u8)),
            Quantization::Int4 => {
                for pair in v.chunks(2) {
                    let lo = q(pair[0]) as u8 & 0x0F;
                    let hi = pair.get(1).map_or(0, |&x| q(x) as u8 & 0x0F);
                    out.push(lo | hi << 4);
                }
            }
        }
    }

    /// `acc[i] += weight · row[i]` for one stored row. Plain IEEE f32
    /// products and sums in index order, so the result is the same bits on
    /// every platform (Rust never fuses or reorders float operations).
    pub fn add_row(self, row: &[u8], weight: f32, acc: &mut [f32]) {
        let scale = f32::from_le_bytes([row[0], row[1], row[2], row[3]]) * weight;
        let body = &row[4..];
        match self {
            Quantization::Int8 => {
                for (a, &q) in acc.iter_mut().zip(body) {
                    *a += scale * f32::from(q as i8);
                }
            }
            Quantization::Int4 => {
                for (i, a) in acc.iter_mut().enumerate() {
                    let b = body[i / 2];
                    let nib = if i % 2 == 0 { b & 0x0F } else { b >> 4 };
                    // Sign-extend the nibble.
                    let q = ((nib << 4) as i8) >> 4;
                    *a += scale * f32::from(q);
                }
            }
        }
    }
}

/// Provenance written into the model file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelInfo {
    /// Short name, e.g. `minilm-static-128`.
    pub name: String,
    /// The model the vectors were distilled from.
    pub teacher: String,
    /// Licence of the teacher's weights (SPDX id).
    pub licence: String,
    /// How the file was made (free text).
    pub notes: String,
}

/// A static embedding model: a text's vector is the normalised sum of the
/// vectors of its WordPiece tokens.
#[derive(Clone, PartialEq)]
pub struct Model {
    info: ModelInfo,
    dims: usize,
    quant: Quantization,
    vocab: Vocab,
    rows: Vec<u8>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("info", &self.info)
            .field("dims", &self.dims)
            .field("quant", &self.quant)
            .field("tokens", &self.vocab.len())
            .finish()
    }
}

impl Model {
    /// Build a model from (token, vector) pairs in any order. Every vector
    /// must have `dims` values.
    pub fn from_vectors(
        info: ModelInfo,
        quant: Quantization,
        mut tokens: Vec<(String, Vec<f32>)>,
    ) -> Result<Model, FormatError> {
        let dims = tokens.first().map_or(0, |t| t.1.len());
        if dims == 0 || dims > MAX_DIMS {
            return Err(FormatError::Malformed("model dimension out of range"));
        }
        if tokens
            .iter()
            .any(|t| t.1.len() != dims || t.1.iter().any(|x| !x.is_finite()))
        {
            return Err(FormatError::Malformed(
                "vectors differ in length or are not finite",
            ));
        }
        crate::order::sort_by(&mut tokens, |a, b| a.0.cmp(&b.0));
        let vocab = Vocab::from_sorted(tokens.iter().map(|t| t.0.as_str()))?;
        let mut rows = Vec::with_capacity(tokens.len() * quant.row_bytes(dims));
        for (_, v) in &tokens {
            quant.encode_row(v, &mut rows);
        }
        Ok(Model {
            info,
            dims,
            quant,
            vocab,
            rows,
        })
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }
    pub fn dims(&self) -> usize {
        self.dims
    }
    pub fn quantization(&self) -> Quantization {
        self.quant
    }
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    /// Stored bytes of token `id`'s row.
    pub fn row(&self, id: u32) -> &[u8] {
        let n = self.quant.row_bytes(self.dims);
        &self.rows[id as usize * n..(id as usize + 1) * n]
    }

    /// Token ids of `text` (BERT uncased basic tokenization + WordPiece).
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.vocab.token_ids(text)
    }

    /// The unit vector of `text` (all zeros when no token is known).
    pub fn embed(&self, text: &str) -> Vec<f32> {
        self.embed_weighted(text, |_| 1.0)
    }

    /// The unit vector of `text` with token `id`'s row scaled by
    /// `weight(id)` (an index weights tokens by their rarity in its corpus).
    pub fn embed_weighted(&self, text: &str, weight: impl Fn(u32) -> f32) -> Vec<f32> {
        let ids = self.token_ids(text);
        embed_ids(&ids, self.quant, self.dims, |id| {
            Some((self.row(id), weight(id)))
        })
    }

    /// Serialise to the `.mcdm` format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Writer::new();
        p.str(&self.info.name);
        p.str(&self.info.teacher);
        p.str(&self.info.licence);
        p.str(&self.info.notes);
        p.varint(self.dims as u64);
        p.u8(self.quant.code());
        self.vocab.encode(&mut p);
        p.bytes(&self.rows);
        let mut out = Vec::with_capacity(MODEL_HEADER + p.len() + 4);
        out.extend_from_slice(&MODEL_MAGIC);
        out.extend_from_slice(&MODEL_VERSION.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(&p.buf);
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Read a `.mcdm` file. Checks magic (`BadMagic`), version
    /// (`UnsupportedVersion`), length (`Truncated`), checksum (`Checksum`),
    /// then every field.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, FormatError> {
        if bytes.len() >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B {
            return Err(FormatError::Compressed);
        }
        if bytes.len() < 4 {
            return Err(if MODEL_MAGIC.starts_with(bytes) {
                FormatError::Truncated
            } else {
                FormatError::BadMagic
            });
        }
        if bytes[..4] != MODEL_MAGIC {
            return Err(FormatError::BadMagic);
        }
        let mut h = Reader::new(&bytes[4..]);
        let version = h.u16()?;
        if version != MODEL_VERSION {
            return Err(FormatError::UnsupportedVersion {
                found: version,
                supported: MODEL_VERSION,
            });
        }
        let _flags = h.u16()?;
        let len = h.u32()? as usize;
        if bytes.len() < MODEL_HEADER + 4 || bytes.len() - MODEL_HEADER - 4 < len {
            return Err(FormatError::Truncated);
        }
        if bytes.len() != MODEL_HEADER + len + 4 {
            return Err(FormatError::Malformed("trailing bytes after checksum"));
        }
        let t = &bytes[MODEL_HEADER + len..];
        if crc32(&bytes[..MODEL_HEADER + len]) != u32::from_le_bytes([t[0], t[1], t[2], t[3]]) {
            return Err(FormatError::Checksum);
        }
        let mut r = Reader::new(&bytes[MODEL_HEADER..MODEL_HEADER + len]);
        let info = ModelInfo {
            name: r.str()?.to_string(),
            teacher: r.str()?.to_string(),
            licence: r.str()?.to_string(),
            notes: r.str()?.to_string(),
        };
        let dims = r.count(0)?;
        if dims == 0 || dims > MAX_DIMS {
            return Err(FormatError::Malformed("model dimension out of range"));
        }
        let quant = Quantization::from_code(r.u8()?)?;
        let vocab = Vocab::decode(&mut r)?;
        let need = vocab.len() * quant.row_bytes(dims);
        if r.remaining() != need {
            return Err(FormatError::Malformed(
                "row bytes do not match the vocabulary",
            ));
        }
        let rows = r.take(need)?.to_vec();
        Ok(Model {
            info,
            dims,
            quant,
            vocab,
            rows,
        })
    }
}

/// Sum the weighted rows of `ids` (in order) and normalise to unit length.
/// `row` returns a token's stored row and weight, or `None` to skip it. The
/// query side calls this with rows from the token shards it fetched, the
/// writer with the model's own rows, so both produce the same bits.
pub fn embed_ids<'a>(
    ids: &[u32],
    quant: Quantization,
    dims: usize,
    row: impl Fn(u32) -> Option<(&'a [u8], f32)>,
) -> Vec<f32> {
    let mut acc = vec![0f32; dims];
    for &id in ids {
        if let Some((r, w)) = row(id) {
            quant.add_row(r, w, &mut acc);
        }
    }
    normalize(&mut acc);
    acc
}

/// Scale `v` to unit length in place (left as is when it is all zeros).
pub fn normalize(v: &mut [f32]) {
    let mut s = 0f32;
    for &x in v.iter() {
        s += x * x;
    }
    if s > 0.0 {
        let inv = 1.0 / s.sqrt();
        for x in v.iter_mut() {
            *x *= inv;
        }
    }
}

/// CRC-32 of the vector's IEEE bits (little-endian): a cheap way for a test
/// on another platform (wasm) to check that it computed the same bits.
pub fn fingerprint(v: &[f32]) -> u32 {
    let mut crc = 0;
    for x in v {
        crc = crate::codec::crc32_update(crc, &x.to_bits().to_le_bytes());
    }
    crc
}

/// Dot product in index order (deterministic).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight running sums, added in a fixed order: the compiler can keep
    // them in vector registers, and the result is the same on every target.
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    // Without this barrier the compiler shuffles the sums in every block
    // to suit the additions below (see `vectors::dot4`).
    let acc = std::hint::black_box(acc);
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn tiny(quant: Quantization) -> Model {
        let v = |a: f32, b: f32, c: f32| vec![a, b, c];
        Model::from_vectors(
            ModelInfo {
                name: "tiny".into(),
                teacher: "none".into(),
                licence: "MIT".into(),
                notes: String::new(),
            },
            quant,
            vec![
                ("record".into(), v(1.0, 0.0, 0.0)),
                ("capture".into(), v(0.9, 0.1, 0.0)),
                ("##ing".into(), v(0.0, 0.0, 0.2)),
                ("call".into(), v(0.0, 1.0, 0.0)),
            ],
        )
        .unwrap()
    }

    #[test]
    fn round_trip_and_checksum() {
        for q in [Quantization::Int8, Quantization::Int4] {
            let m = tiny(q);
            let bytes = m.to_bytes();
            let back = Model::from_bytes(&bytes).unwrap();
            assert_eq!(back, m);
            assert_eq!(back.embed("Recording calls"), m.embed("Recording calls"));
            let mut bad = bytes.clone();
            bad[MODEL_HEADER + 3] ^= 0x10;
            assert_eq!(Model::from_bytes(&bad).unwrap_err(), FormatError::Checksum);
            let mut v2 = bytes.clone();
            v2[4] = 9;
            assert_eq!(
                Model::from_bytes(&v2).unwrap_err(),
                FormatError::UnsupportedVersion {
                    found: 9,
                    supported: MODEL_VERSION
                }
            );
            assert_eq!(
                Model::from_bytes(b"MCDW....").unwrap_err(),
                FormatError::BadMagic
            );
            for cut in 0..bytes.len() {
                assert!(Model::from_bytes(&bytes[..cut]).is_err());
            }
        }
    }

    #[test]
    fn quantisation_is_close() {
        for q in [Quantization::Int8, Quantization::Int4] {
            let v = [0.5f32, -0.25, 0.125, -1.0, 0.0];
            let mut row = Vec::new();
            q.encode_row(&v, &mut row);
            assert_eq!(row.len(), q.row_bytes(v.len()));
            let mut acc = [0f32; 5];
            q.add_row(&row, 1.0, &mut acc);
            let tol = if q == Quantization::Int8 { 0.005 } else { 0.08 };
            for (a, b) in acc.iter().zip(v) {
                assert!((a - b).abs() <= tol, "{q:?}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn embedding_is_unit_length_and_zero_when_unknown() {
        let m = tiny(Quantization::Int8);
        let e = m.embed("record a call");
        assert!((dot(&e, &e) - 1.0).abs() < 1e-5);
        assert!(m.embed("zzz qqq").iter().all(|&x| x == 0.0));
    }
}
