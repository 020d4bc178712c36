//! Term shards (dictionary slice + impact postings) and their parallel
//! position shards.

use crate::codec::{bit_width, pack_bits, unpack_bits, Reader, Writer};
use crate::error::FormatError;

/// Postings are packed in blocks of this many documents.
pub const BLOCK: usize = 128;

/// Encode one posting list: blocks of `BLOCK` ordinals as bit-packed gaps
/// (width byte + packed `ord - prev - 1`), followed by that block's impact
/// bytes.
pub fn encode_postings(out: &mut Vec<u8>, ords: &[u32], impacts: &[u8]) {
    debug_assert_eq!(ords.len(), impacts.len());
    let mut prev: i64 = -1;
    let mut gaps = Vec::with_capacity(BLOCK);
    for (block, imps) in ords.chunks(BLOCK).zip(impacts.chunks(BLOCK)) {
        gaps.clear();
        for &o in block {
            gaps.push((i64::from(o) - prev - 1) as u32);
            prev = i64::from(o);
        }
        let width = gaps.iter().map(|&g| bit_width(g)).max().unwrap_or(0);
        out.push(width);
        pack_bits(out, &gaps, width);
        out.extend_from_slice(imps);
    }
}

/// Inverse of [`encode_postings`]; checks ordinals stay below `chunk_count`.
pub fn decode_postings(
    bytes: &[u8],
    df: usize,
    chunk_count: u32,
    ords: &mut Vec<u32>,
    impacts: &mut Vec<u8>,
) -> Result<(), FormatError> {
    let mut r = Reader::new(bytes);
    let mut prev: i64 = -1;
    let mut gaps = Vec::with_capacity(BLOCK);
    let mut left = df;
    while left > 0 {
        let n = left.min(BLOCK);
        let width = r.u8()?;
        gaps.clear();
        unpack_bits(&mut r, n, width, &mut gaps)?;
        for &g in &gaps {
            let o = prev + 1 + i64::from(g);
            if o >= i64::from(chunk_count) {
                return Err(FormatError::Malformed("posting beyond the last chunk"));
            }
            ords.push(o as u32);
            prev = o;
        }
        impacts.extend_from_slice(r.take(n)?);
        left -= n;
    }
    if !r.is_empty() {
        return Err(FormatError::Malformed("trailing bytes in posting list"));
    }
    Ok(())
}

/// One dictionary entry of a loaded term shard, postings decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermPostings {
    pub term: String,
    pub ords: Vec<u32>,
    pub impacts: Vec<u8>,
}

impl TermPostings {
    pub fn df(&self) -> u32 {
        self.ords.len() as u32
    }
}

/// A decoded term shard: sorted terms with their postings.
#[derive(Debug, Clone, Default)]
pub struct TermShard {
    pub terms: Vec<TermPostings>,
}

/// Writer-side view of a term: encoded postings plus document frequency.
pub struct EncodedTerm<'a> {
    pub term: &'a str,
    pub df: u32,
    pub postings: &'a [u8],
}

/// Term shard payload: term count; per term front-coded term, df and
/// postings length; then all postings back to back.
pub fn encode_term_shard(terms: &[EncodedTerm<'_>]) -> Vec<u8> {
    let mut w = Writer::new();
    w.varint(terms.len() as u64);
    let mut prev = "";
    for t in terms {
        w.front_coded(prev, t.term);
        w.varint(u64::from(t.df));
        w.varint(t.postings.len() as u64);
        prev = t.term;
    }
    for t in terms {
        w.bytes(t.postings);
    }
    w.buf
}

impl TermShard {
    pub fn decode(payload: &[u8], chunk_count: u32) -> Result<TermShard, FormatError> {
        let mut r = Reader::new(payload);
        let n = r.count(3)?;
        let mut heads = Vec::with_capacity(n);
        let mut prev = String::new();
        for _ in 0..n {
            let term = r.front_coded(&prev)?;
            if !heads.is_empty() && term <= prev {
                return Err(FormatError::Malformed("terms not sorted"));
            }
            let df = r.varint_u32()?;
            if df == 0 || df > chunk_count {
                return Err(FormatError::Malformed("document frequency out of range"));
            }
            let len = r.count(0)?;
            // Each posting has at least its impact byte; this also bounds
            // the allocations below by the payload size.
            if len < df as usize {
                return Err(FormatError::Malformed("posting list shorter than its df"));
            }
            prev.clone_from(&term);
            heads.push((term, df, len));
        }
        let mut terms = Vec::with_capacity(n);
        for (term, df, len) in heads {
            let bytes = r.take(len)?;
            let mut ords = Vec::with_capacity(df as usize);
            let mut impacts = Vec::with_capacity(df as usize);
            decode_postings(bytes, df as usize, chunk_count, &mut ords, &mut impacts)?;
            terms.push(TermPostings {
                term,
                ords,
                impacts,
            });
        }
        if !r.is_empty() {
            return Err(FormatError::Malformed("trailing bytes in term shard"));
        }
        Ok(TermShard { terms })
    }

    pub fn get(&self, term: &str) -> Option<&TermPostings> {
        self.index_of(term).map(|i| &self.terms[i])
    }

    pub fn index_of(&self, term: &str) -> Option<usize> {
        self.terms
            .binary_search_by(|t| t.term.as_str().cmp(term))
            .ok()
    }

    /// Terms starting with `prefix`.
    pub fn with_prefix<'s, 'p>(
        &'s self,
        prefix: &'p str,
    ) -> impl Iterator<Item = &'s TermPostings> + use<'s, 'p> {
        let start = self.terms.partition_point(|t| t.term.as_str() < prefix);
        self.terms[start..]
            .iter()
            .take_while(move |t| t.term.starts_with(prefix))
    }
}

/// Positions of one posting, per field (title, heading, body).
pub type FieldPositions = [Vec<u32>; 3];

/// Encode the positions of one posting: header varint
/// `body_tf << 2 | (heading_tf > 0) << 1 | (title_tf > 0)`, the title and
/// heading tf when their flag is set, then each field's positions as gaps.
pub fn encode_positions(w: &mut Writer, fields: &FieldPositions) {
    let [t, h, b] = fields;
    w.varint((b.len() as u64) << 2 | u64::from(!h.is_empty()) << 1 | u64::from(!t.is_empty()));
    if !t.is_empty() {
        w.varint(t.len() as u64);
    }
    if !h.is_empty() {
        w.varint(h.len() as u64);
    }
    for f in fields {
        let mut prev = 0u32;
        for (i, &p) in f.iter().enumerate() {
            w.varint(u64::from(if i == 0 { p } else { p - prev }));
            prev = p;
        }
    }
}

fn decode_positions(r: &mut Reader<'_>, out: &mut FieldPositions) -> Result<(), FormatError> {
    let h = r.varint()?;
    let body = usize::try_from(h >> 2).map_err(|_| FormatError::Malformed("tf too large"))?;
    let title = if h & 1 != 0 { r.count(1)? } else { 0 };
    let heading = if h & 2 != 0 { r.count(1)? } else { 0 };
    if body > r.remaining() {
        return Err(FormatError::Truncated);
    }
    for (f, n) in out.iter_mut().zip([title, heading, body]) {
        f.clear();
        let mut p = 0u32;
        for i in 0..n {
            let g = r.varint_u32()?;
            p = if i == 0 {
                g
            } else {
                p.checked_add(g)
                    .ok_or(FormatError::Malformed("position overflow"))?
            };
            f.push(p);
        }
    }
    Ok(())
}

/// A position shard: for each term of the matching term shard, the
/// positions of each of its postings, in posting order.
#[derive(Debug, Clone, Default)]
pub struct PositionShard {
    data: Vec<u8>,
    /// Per term (parallel to the term shard): posting count and byte range.
    terms: Vec<(u32, usize, usize)>,
}

/// Position shard payload: term count; per term its posting count and byte
/// length; then the data. Carrying the counts makes the file decodable on
/// its own, so it can arrive before its term shard.
pub fn encode_position_shard(terms: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut w = Writer::new();
    w.varint(terms.len() as u64);
    for (df, t) in terms {
        w.varint(u64::from(*df));
        w.varint(t.len() as u64);
    }
    for (_, t) in terms {
        w.bytes(t);
    }
    w.buf
}

impl PositionShard {
    /// Decode and fully validate.
    pub fn decode(payload: &[u8]) -> Result<PositionShard, FormatError> {
        let mut r = Reader::new(payload);
        let n = r.count(2)?;
        let mut heads = Vec::with_capacity(n);
        for _ in 0..n {
            let df = r.varint_u32()?;
            let len = r.count(0)?;
            heads.push((df, len));
        }
        let base = r.position();
        let mut terms = Vec::with_capacity(n);
        let mut scratch: FieldPositions = Default::default();
        for (df, len) in heads {
            let start = r.position() - base;
            let bytes = r.take(len)?;
            let mut tr = Reader::new(bytes);
            for _ in 0..df {
                decode_positions(&mut tr, &mut scratch)?;
            }
            if !tr.is_empty() {
                return Err(FormatError::Malformed("trailing bytes in positions"));
            }
            terms.push((df, start, start + len));
        }
        if !r.is_empty() {
            return Err(FormatError::Malformed("trailing bytes in position shard"));
        }
        Ok(PositionShard {
            data: payload[base..].to_vec(),
            terms,
        })
    }

    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// Call `f(posting index, positions)` for every posting of term `term_index`.
    pub fn for_each(
        &self,
        term_index: usize,
        f: impl FnMut(usize, &FieldPositions),
    ) -> Result<(), FormatError> {
        self.for_each_where(term_index, |_| true, f)
    }

    /// Like [`PositionShard::for_each`], for the postings where `want(i)`
    /// holds; the others are skipped without decoding (a phrase checks a
    /// few candidates among a frequent term's many postings).
    pub fn for_each_where(
        &self,
        term_index: usize,
        mut want: impl FnMut(usize) -> bool,
        mut f: impl FnMut(usize, &FieldPositions),
    ) -> Result<(), FormatError> {
        let &(df, a, b) = self
            .terms
            .get(term_index)
            .ok_or(FormatError::Malformed("term index out of range"))?;
        let mut r = Reader::new(&self.data[a..b]);
        let mut scratch: FieldPositions = Default::default();
        for i in 0..df as usize {
            if want(i) {
                decode_positions(&mut r, &mut scratch)?;
                f(i, &scratch);
            } else {
                let h = r.varint()?;
                let title = if h & 1 != 0 { r.varint()? } else { 0 };
                let heading = if h & 2 != 0 { r.varint()? } else { 0 };
                r.skip_varints((h >> 2).saturating_add(title).saturating_add(heading))?;
            }
        }
        Ok(())
    }

    /// Posting count of term `term_index`.
    pub fn df(&self, term_index: usize) -> Option<u32> {
        self.terms.get(term_index).map(|t| t.0)
    }
}

/// Decode a stored impact back to the saturated tf in `[0, k1+1)`.
pub(crate) fn impact_value(q: u8, k1: f32) -> f32 {
    f32::from(q) / 255.0 * (k1 + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sorted_ords() -> impl Strategy<Value = Vec<u32>> {
        proptest::collection::btree_set(0u32..5000, 1..400).prop_map(|s| s.into_iter().collect())
    }

    proptest! {
        #[test]
        fn skipping_positions_lands_on_the_same_postings(
            lists in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::btree_set(0u32..3000, 0..20), 3..=3),
                1..40,
            ),
            pick in any::<u64>(),
        ) {
            let mut w = Writer::new();
            for fields in &lists {
                let fp: FieldPositions = std::array::from_fn(|f| fields[f].iter().copied().collect());
                encode_positions(&mut w, &fp);
            }
            let shard = PositionShard::decode(&encode_position_shard(&[(lists.len() as u32, w.buf)])).unwrap();
            let mut all = Vec::new();
            shard.for_each(0, |i, fp| all.push((i, fp.clone()))).unwrap();
            let want = |i: usize| pick >> (i % 64) & 1 == 1;
            let mut some = Vec::new();
            shard.for_each_where(0, want, |i, fp| some.push((i, fp.clone()))).unwrap();
            let expected: Vec<_> = all.into_iter().filter(|(i, _)| want(*i)).collect();
            prop_assert_eq!(some, expected);
        }

        #[test]
        fn postings_round_trip(ords in sorted_ords(), seed in any::<u8>()) {
            let impacts: Vec<u8> = ords.iter().map(|&o| (o as u8).wrapping_add(seed)).collect();
            let mut buf = Vec::new();
            encode_postings(&mut buf, &ords, &impacts);
            let (mut o2, mut i2) = (Vec::new(), Vec::new());
            decode_postings(&buf, ords.len(), 5000, &mut o2, &mut i2).unwrap();
            prop_assert_eq!(o2, ords);
            prop_assert_eq!(i2, impacts);
        }

        #[test]
        fn positions_round_trip(fields in proptest::array::uniform3(
            proptest::collection::btree_set(0u32..100_000, 0..20))) {
            let fields: FieldPositions = fields.map(|s| s.into_iter().collect());
            let mut w = Writer::new();
            encode_positions(&mut w, &fields);
            let mut back: FieldPositions = Default::default();
            decode_positions(&mut Reader::new(&w.buf), &mut back).unwrap();
            prop_assert_eq!(back, fields);
        }

        #[test]
        fn decode_postings_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200), df in 0usize..300) {
            let (mut o, mut i) = (Vec::new(), Vec::new());
            let _ = decode_postings(&bytes, df, 1000, &mut o, &mut i);
        }
    }

    #[test]
    fn term_shard_round_trip_and_prefix() {
        let lists: Vec<(&str, Vec<u32>)> = vec![
            ("record", vec![1, 5, 9]),
            ("recorder", vec![2]),
            ("recur", vec![0, 9]),
        ];
        let encoded: Vec<Vec<u8>> = lists
            .iter()
            .map(|(_, o)| {
                let mut b = Vec::new();
                encode_postings(&mut b, o, &vec![7; o.len()]);
                b
            })
            .collect();
        let terms: Vec<EncodedTerm> = lists
            .iter()
            .zip(&encoded)
            .map(|((t, o), p)| EncodedTerm {
                term: t,
                df: o.len() as u32,
                postings: p,
            })
            .collect();
        let shard = TermShard::decode(&encode_term_shard(&terms), 10).unwrap();
        assert_eq!(shard.get("record").unwrap().ords, vec![1, 5, 9]);
        assert!(shard.get("reco").is_none());
        let pre: Vec<&str> = shard
            .with_prefix("recor")
            .map(|t| t.term.as_str())
            .collect();
        assert_eq!(pre, vec!["record", "recorder"]);
        // Ordinal 9 is out of range for a 5-chunk index.
        assert!(TermShard::decode(&encode_term_shard(&terms), 5).is_err());
    }
}
