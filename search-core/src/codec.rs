//! Low-level byte codecs shared by every file: LEB128 varints, bit packing,
//! CRC-32 and the common file envelope (magic, version, kind, build id,
//! payload, checksum). Every read is bounds-checked and returns
//! [`FormatError`] instead of panicking.

use crate::error::FormatError;

/// First four bytes of every index file.
pub const MAGIC: [u8; 4] = *b"MCDW";
/// Format version written and read by this crate.
pub const FORMAT_VERSION: u16 = 6;
/// magic(4) + version(2) + kind(1) + flags(1) + build id(4) + payload length(4).
pub const HEADER_LEN: usize = 16;
/// CRC-32 trailer.
pub const TRAILER_LEN: usize = 4;

/// What a file holds; stored in byte 6 of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FileKind {
    Manifest = 1,
    Terms = 2,
    Positions = 3,
    Fragments = 4,
    // 5 was the one documents file of format 1 (now document blocks).
    /// Embedding vocabulary (`e/vocab.bin`).
    Vocab = 6,
    /// Token-table shard (`e/<i>.bin`).
    TokenRows = 7,
    /// Vector partition (`v/<i>.bin`).
    Vectors = 8,
    /// Document block (`d/<k>.bin`).
    DocBlock = 9,
    /// Twin block (`w/<k>.bin`).
    TwinBlock = 10,
    /// Partition centroids (`e/centroids.bin`).
    Centroids = 11,
    /// Directory block of the term-shard table (`s/<j>.bin`).
    ShardDir = 12,
    /// Copy fragment (`c/<k>.bin`): display data of twin copies.
    CopyFragments = 13,
}

impl FileKind {
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Manifest => "manifest",
            FileKind::Terms => "term shard",
            FileKind::Positions => "position shard",
            FileKind::Fragments => "fragment",
            FileKind::DocBlock => "document block",
            FileKind::TwinBlock => "twin block",
            FileKind::Centroids => "centroids",
            FileKind::ShardDir => "shard directory",
            FileKind::CopyFragments => "copy fragment",
            FileKind::Vocab => "vocabulary",
            FileKind::TokenRows => "token shard",
            FileKind::Vectors => "vector partition",
        }
    }
}

// ---------------------------------------------------------------- CRC-32

// IEEE CRC-32 (the zlib/gzip one), table built at compile time so it costs
// 1 KiB of data and no dependency.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32_update(0, bytes)
}

/// Continue a CRC-32 over more bytes (`crc32_update(crc32(a), b) == crc32(a ++ b)`).
pub fn crc32_update(crc: u32, bytes: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in bytes {
        c = CRC_TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

// ---------------------------------------------------------------- writing

/// Append-only byte buffer with the encoders used by the writers.
#[derive(Default, Debug, Clone)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    /// Unsigned LEB128.
    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }
    /// Length-prefixed UTF-8.
    pub fn str(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.bytes(s.as_bytes());
    }
    /// Front coding: bytes shared with `prev`, then the rest. Sorted or
    /// repetitive strings (terms, URLs, ids) shrink to a few bytes each.
    pub fn front_coded(&mut self, prev: &str, s: &str) {
        let shared = shared_prefix(prev, s);
        self.varint(shared as u64);
        self.str(&s[shared..]);
    }
}

/// Length in bytes of the common prefix of `a` and `b`, cut back to a char
/// boundary so the suffix stays valid UTF-8.
pub fn shared_prefix(a: &str, b: &str) -> usize {
    let mut n = a
        .as_bytes()
        .iter()
        .zip(b.as_bytes())
        .take_while(|(x, y)| x == y)
        .count();
    while !b.is_char_boundary(n) {
        n -= 1;
    }
    n
}

// ---------------------------------------------------------------- reading

/// Bounds-checked cursor over a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub fn position(&self) -> usize {
        self.pos
    }
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }
    /// Skip `n` varints without decoding them.
    pub fn skip_varints(&mut self, n: u64) -> Result<(), FormatError> {
        let mut left = n;
        let rest = &self.buf[self.pos.min(self.buf.len())..];
        for (i, &b) in rest.iter().enumerate() {
            if left == 0 {
                self.pos += i;
                return Ok(());
            }
            if b & 0x80 == 0 {
                left -= 1;
            }
        }
        if left == 0 {
            self.pos = self.buf.len();
            Ok(())
        } else {
            Err(FormatError::Truncated)
        }
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        if n > self.remaining() {
            return Err(FormatError::Truncated);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> Result<u16, FormatError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    pub fn u32(&mut self) -> Result<u32, FormatError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn f32(&mut self) -> Result<f32, FormatError> {
        let v = f32::from_bits(self.u32()?);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(FormatError::Malformed("non-finite float"))
        }
    }
    pub fn varint(&mut self) -> Result<u64, FormatError> {
        let mut v = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.u8()?;
            if shift == 63 && b > 1 {
                return Err(FormatError::Malformed("varint overflows u64"));
            }
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return Err(FormatError::Malformed("varint too long"));
            }
        }
    }
    pub fn varint_u32(&mut self) -> Result<u32, FormatError> {
        u32::try_from(self.varint()?).map_err(|_| FormatError::Malformed("varint exceeds u32"))
    }
    /// A varint used as a count or length; rejected when it exceeds what the
    /// remaining bytes could possibly hold, so corrupt counts cannot trigger
    /// huge allocations.
    pub fn count(&mut self, min_bytes_each: usize) -> Result<usize, FormatError> {
        let n = self.varint()?;
        let max = (self.remaining() / min_bytes_each.max(1)) as u64;
        if n > max {
            return Err(FormatError::Truncated);
        }
        Ok(n as usize)
    }
    pub fn str(&mut self) -> Result<&'a str, FormatError> {
        let n = self.count(1)?;
        std::str::from_utf8(self.take(n)?).map_err(|_| FormatError::Malformed("invalid UTF-8"))
    }
    /// Inverse of [`Writer::front_coded`].
    pub fn front_coded(&mut self, prev: &str) -> Result<String, FormatError> {
        // The shared length is bounded by `prev`, not by the bytes left.
        let shared = self.varint()?;
        let shared = usize::try_from(shared).unwrap_or(usize::MAX);
        if shared > prev.len() || !prev.is_char_boundary(shared) {
            return Err(FormatError::Malformed("bad front-coding prefix"));
        }
        let suffix = self.str()?;
        let mut s = String::with_capacity(shared + suffix.len());
        s.push_str(&prev[..shared]);
        s.push_str(suffix);
        Ok(s)
    }
}

// ---------------------------------------------------------------- bit packing

/// Bits needed to store `v`.
pub fn bit_width(v: u32) -> u8 {
    (32 - v.leading_zeros()) as u8
}

/// Pack `values` with `width` bits each, least significant bit first.
pub fn pack_bits(out: &mut Vec<u8>, values: &[u32], width: u8) {
    if width == 0 {
        return;
    }
    let mut acc: u64 = 0;
    let mut nbits = 0u32;
    for &v in values {
        acc |= u64::from(v) << nbits;
        nbits += u32::from(width);
        while nbits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            nbits -= 8;
        }
    }
    if nbits > 0 {
        out.push(acc as u8);
    }
}

/// Bytes taken by `n` values packed at `width` bits.
pub fn packed_len(n: usize, width: u8) -> usize {
    (n * usize::from(width)).div_ceil(8)
}

/// Inverse of [`pack_bits`]; `out` receives `n` values.
pub fn unpack_bits(
    r: &mut Reader<'_>,
    n: usize,
    width: u8,
    out: &mut Vec<u32>,
) -> Result<(), FormatError> {
    if width > 32 {
        return Err(FormatError::Malformed("bit width above 32"));
    }
    if width == 0 {
        out.extend(std::iter::repeat_n(0, n));
        return Ok(());
    }
    let bytes = r.take(packed_len(n, width))?;
    let mask = if width == 32 {
        u64::from(u32::MAX)
    } else {
        (1u64 << width) - 1
    };
    let mut acc: u64 = 0;
    let mut nbits = 0u32;
    let mut it = bytes.iter();
    for _ in 0..n {
        while nbits < u32::from(width) {
            // packed_len guarantees enough bytes for n values
            let b = it.next().copied().unwrap_or(0);
            acc |= u64::from(b) << nbits;
            nbits += 8;
        }
        out.push((acc & mask) as u32);
        acc >>= width;
        nbits -= u32::from(width);
    }
    Ok(())
}

// ---------------------------------------------------------------- envelope

/// Wrap a payload in the common envelope.
pub fn seal(kind: FileKind, build_id: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + TRAILER_LEN);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(kind as u8);
    out.push(0); // flags: reserved
    out.extend_from_slice(&build_id.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Header fields of an opened envelope.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    pub build_id: u32,
    pub payload: &'a [u8],
}

/// Check magic, version, kind, length and checksum; return the payload.
pub fn open(bytes: &[u8], expected: FileKind) -> Result<Envelope<'_>, FormatError> {
    if bytes.len() >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B {
        return Err(FormatError::Compressed);
    }
    if bytes.len() < 4 {
        return Err(if MAGIC.starts_with(bytes) {
            FormatError::Truncated
        } else {
            FormatError::BadMagic
        });
    }
    if bytes[..4] != MAGIC {
        return Err(FormatError::BadMagic);
    }
    let mut r = Reader::new(&bytes[4..]);
    // Version is checked before the checksum so a newer file gets the
    // helpful error, not "corrupted".
    let version = r.u16()?;
    if version != FORMAT_VERSION {
        return Err(FormatError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let kind = r.u8()?;
    let _flags = r.u8()?;
    let build_id = r.u32()?;
    let len = r.u32()? as usize;
    if bytes.len() < HEADER_LEN + TRAILER_LEN || bytes.len() - HEADER_LEN - TRAILER_LEN < len {
        return Err(FormatError::Truncated);
    }
    if bytes.len() != HEADER_LEN + len + TRAILER_LEN {
        return Err(FormatError::Malformed("trailing bytes after checksum"));
    }
    let body = &bytes[..HEADER_LEN + len];
    let stored = &bytes[HEADER_LEN + len..];
    let stored = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    if crc32(body) != stored {
        return Err(FormatError::Checksum);
    }
    if kind != expected as u8 {
        return Err(FormatError::WrongKind {
            expected: expected.name(),
            found: kind,
        });
    }
    Ok(Envelope {
        build_id,
        payload: &bytes[HEADER_LEN..HEADER_LEN + len],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn crc32_known_value() {
        // The standard check value for CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32_update(crc32(b"1234"), b"56789"), 0xCBF4_3926);
    }

    #[test]
    fn envelope_round_trip_and_errors() {
        let f = seal(FileKind::Terms, 7, b"hello");
        let e = open(&f, FileKind::Terms).unwrap();
        assert_eq!(e.payload, b"hello");
        assert_eq!(e.build_id, 7);
        assert_eq!(
            open(&f, FileKind::Manifest).unwrap_err(),
            FormatError::WrongKind {
                expected: "manifest",
                found: 2
            }
        );
        let mut bad = f.clone();
        bad[HEADER_LEN + 1] ^= 1;
        assert_eq!(
            open(&bad, FileKind::Terms).unwrap_err(),
            FormatError::Checksum
        );
        let mut other = f.clone();
        other[4] = (FORMAT_VERSION + 1) as u8;
        assert_eq!(
            open(&other, FileKind::Terms).unwrap_err(),
            FormatError::UnsupportedVersion {
                found: FORMAT_VERSION + 1,
                supported: FORMAT_VERSION
            }
        );
        assert_eq!(
            open(b"XXXXXXXXXXXXXXXXXXXXXXXX", FileKind::Terms).unwrap_err(),
            FormatError::BadMagic
        );
        assert_eq!(
            open(&f[..f.len() - 1], FileKind::Terms).unwrap_err(),
            FormatError::Truncated
        );
        assert_eq!(
            open(&[0x1F, 0x8B, 8, 0], FileKind::Terms).unwrap_err(),
            FormatError::Compressed
        );
    }

    #[test]
    fn reader_rejects_overlong_varint_and_huge_counts() {
        let mut r = Reader::new(&[0xFF; 11]);
        assert!(r.varint().is_err());
        let mut w = Writer::new();
        w.varint(1_000_000);
        let mut r = Reader::new(&w.buf);
        assert_eq!(r.count(1).unwrap_err(), FormatError::Truncated);
    }

    proptest! {
        #[test]
        fn varint_round_trip(values in proptest::collection::vec(any::<u64>(), 0..64)) {
            let mut w = Writer::new();
            for &v in &values { w.varint(v); }
            let mut r = Reader::new(&w.buf);
            for &v in &values { prop_assert_eq!(r.varint().unwrap(), v); }
            prop_assert!(r.is_empty());
        }

        #[test]
        fn bitpack_round_trip(width in 0u8..=32, raw in proptest::collection::vec(any::<u32>(), 0..300)) {
            let mask = if width == 32 { u32::MAX } else { (1u32 << width) - 1 };
            let values: Vec<u32> = raw.iter().map(|v| v & mask).collect();
            let mut out = Vec::new();
            pack_bits(&mut out, &values, width);
            prop_assert_eq!(out.len(), packed_len(values.len(), width));
            let mut r = Reader::new(&out);
            let mut back = Vec::new();
            unpack_bits(&mut r, values.len(), width, &mut back).unwrap();
            prop_assert_eq!(back, values);
        }

        #[test]
        fn front_coding_round_trip(a in "\\PC{0,12}", b in "\\PC{0,12}") {
            let mut w = Writer::new();
            w.front_coded(&a, &b);
            let mut r = Reader::new(&w.buf);
            prop_assert_eq!(r.front_coded(&a).unwrap(), b);
        }

        #[test]
        fn front_coding_at_the_end_of_a_buffer(prefix in "[a-z]{5,20}", tail in "[a-z]{0,3}") {
            // A long shared prefix with a short suffix as the last entry.
            let full = format!("{prefix}{tail}");
            let mut w = Writer::new();
            w.front_coded(&prefix, &full);
            let mut r = Reader::new(&w.buf);
            prop_assert_eq!(r.front_coded(&prefix).unwrap(), full);
            prop_assert!(r.is_empty());
        }

        #[test]
        fn open_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = open(&bytes, FileKind::Terms);
        }
    }
}
