//! Document blocks `d/<k>.bin`: the per-document table, cut by chunk
//! ordinal so the manifest does not grow with the library. Block `k` lists
//! every document with a chunk in ordinals `k·B .. (k+1)·B` (`B` is the
//! manifest's block size): its chunk count, key and title. A document that
//! straddles a block boundary is listed in each block it touches, so the
//! document of any chunk is found in the block of that chunk alone.
//!
//! A query fetches a block only when it filters by document (the blocks
//! of the doc sets the filter names); a server loads them all.
//!
//! Payload: `v first_doc` · `v first_start` (ordinal where the first
//! listed document starts, `≤ k·B`) · `v n` · n × (`v chunks` ·
//! front-coded key · title).

use crate::codec::{Reader, Writer};
use crate::error::FormatError;

/// Number of blocks of `chunk_count` chunks in blocks of `block`.
pub(crate) fn block_count(chunk_count: u32, block: u32) -> usize {
    chunk_count.div_ceil(block) as usize
}

/// Payloads of the document blocks, from the chunk count, key and title
/// of each document in ordinal order.
pub(crate) fn encode_doc_blocks(docs: &[(u32, &str, &str)], block: u32) -> Vec<Vec<u8>> {
    let total: u32 = docs.iter().map(|d| d.0).sum();
    let mut out = Vec::with_capacity(block_count(total, block));
    // Start ordinal of each document.
    let mut starts = Vec::with_capacity(docs.len());
    let mut at = 0u32;
    for d in docs {
        starts.push(at);
        at += d.0;
    }
    let mut first = 0usize;
    for k in 0..block_count(total, block) as u32 {
        let (lo, hi) = (k * block, ((k + 1) * block).min(total));
        // Skip documents that end at or before this block.
        while starts[first] + docs[first].0 <= lo {
            first += 1;
        }
        let mut w = Writer::new();
        w.varint(first as u64);
        w.varint(u64::from(starts[first]));
        let end = starts.partition_point(|&s| s < hi);
        w.varint((end - first) as u64);
        let mut prev = "";
        for &(chunks, key, title) in &docs[first..end] {
            w.varint(u64::from(chunks));
            w.front_coded(prev, key);
            w.str(title);
            prev = key;
        }
        out.push(w.buf);
    }
    out
}

/// A decoded document block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocBlock {
    /// Index of the first listed document.
    pub(crate) first_doc: u32,
    /// Start ordinal of each listed document, then the end of the last.
    pub(crate) starts: Vec<u32>,
    pub(crate) keys: Vec<String>,
    pub(crate) titles: Vec<String>,
}

impl DocBlock {
    /// Reads block `k` of an index of `chunk_count` chunks in `docs`
    /// documents, with blocks of `block` chunks.
    pub(crate) fn decode(
        payload: &[u8],
        k: u32,
        block: u32,
        chunk_count: u32,
        docs: u32,
    ) -> Result<DocBlock, FormatError> {
        let bad = |m: &'static str| FormatError::Malformed(m);
        let mut r = Reader::new(payload);
        let first_doc = r.varint_u32()?;
        let first_start = r.varint()?;
        let n = r.count(2)?;
        let lo = u64::from(k) * u64::from(block);
        let hi = (lo + u64::from(block)).min(u64::from(chunk_count));
        if n == 0 || first_start > lo || u64::from(first_doc) + n as u64 > u64::from(docs) {
            return Err(bad("document block does not cover its ordinals"));
        }
        let mut starts = Vec::with_capacity(n + 1);
        let mut keys: Vec<String> = Vec::with_capacity(n);
        let mut titles = Vec::with_capacity(n);
        let mut at = first_start;
        for _ in 0..n {
            starts.push(at as u32);
            let chunks = r.varint()?;
            if chunks == 0 {
                return Err(bad("document without chunks"));
            }
            at = at.saturating_add(chunks);
            if at > u64::from(chunk_count) {
                return Err(bad("documents exceed the chunk count"));
            }
            keys.push(r.front_coded(keys.last().map_or("", |s| s.as_str()))?);
            titles.push(r.str()?.to_owned());
        }
        starts.push(at as u32);
        // The first document reaches into the block, the last one to its end.
        if starts[1] as u64 <= lo || at < hi || starts[n - 1] as u64 >= hi {
            return Err(bad("document block does not cover its ordinals"));
        }
        if !r.is_empty() {
            return Err(bad("trailing bytes in document block"));
        }
        Ok(DocBlock {
            first_doc,
            starts,
            keys,
            titles,
        })
    }

    /// Number of listed documents.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Index (into this block) of the document holding ordinal `o`, which
    /// must lie in the block.
    pub(crate) fn local_of(&self, o: u32) -> Option<usize> {
        let i = self.starts.partition_point(|&s| s <= o);
        (i > 0 && i <= self.len()).then(|| i - 1)
    }

    /// Index (into this block) of document `doc`, when listed.
    pub(crate) fn local_index(&self, doc: u32) -> Option<usize> {
        let i = doc.checked_sub(self.first_doc)? as usize;
        (i < self.len()).then_some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_all(docs: &[(u32, &str, &str)], block: u32) -> Vec<DocBlock> {
        let total: u32 = docs.iter().map(|d| d.0).sum();
        encode_doc_blocks(docs, block)
            .iter()
            .enumerate()
            .map(|(k, p)| DocBlock::decode(p, k as u32, block, total, docs.len() as u32).unwrap())
            .collect()
    }

    #[test]
    fn straddling_documents_are_listed_in_each_block() {
        let docs = [(3, "a", "A"), (4, "b", "B"), (1, "c", "C")];
        let blocks = decode_all(&docs, 4);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].first_doc, 0);
        assert_eq!(blocks[0].starts, vec![0, 3, 7]);
        assert_eq!(blocks[1].first_doc, 1);
        assert_eq!(blocks[1].starts, vec![3, 7, 8]);
        assert_eq!(blocks[1].keys, vec!["b", "c"]);
        assert_eq!(blocks[1].local_of(6), Some(0));
        assert_eq!(blocks[1].local_of(7), Some(1));
        assert_eq!(blocks[1].local_index(2), Some(1));
        assert_eq!(blocks[1].local_index(0), None);
    }

    #[test]
    fn blocks_of_another_index_are_rejected() {
        let docs = [(3, "a", "A"), (4, "b", "B")];
        let p = encode_doc_blocks(&docs, 4);
        // Wrong block number, chunk count or document count.
        assert!(DocBlock::decode(&p[0], 1, 4, 7, 2).is_err());
        assert!(DocBlock::decode(&p[1], 1, 4, 6, 2).is_err());
        assert!(DocBlock::decode(&p[1], 1, 4, 7, 1).is_err());
        assert!(DocBlock::decode(&p[1][..p[1].len() - 1], 1, 4, 7, 2).is_err());
    }

    proptest! {
        /// Every chunk's document is found in its own block, with the key,
        /// title and ordinal range it was written with.
        #[test]
        fn round_trip(counts in prop::collection::vec(1u32..20, 1..40), block in 1u32..50) {
            let names: Vec<(String, String)> = (0..counts.len())
                .map(|i| (format!("doc/{i:03}"), format!("Title {i}")))
                .collect();
            let docs: Vec<(u32, &str, &str)> = counts
                .iter()
                .zip(&names)
                .map(|(&c, (k, t))| (c, k.as_str(), t.as_str()))
                .collect();
            let blocks = decode_all(&docs, block);
            let mut o = 0u32;
            for (d, &(c, key, title)) in docs.iter().enumerate() {
                for _ in 0..c {
                    let b = &blocks[(o / block) as usize];
                    let i = b.local_of(o).unwrap();
                    prop_assert_eq!(b.first_doc as usize + i, d);
                    prop_assert_eq!(&b.keys[i], key);
                    prop_assert_eq!(&b.titles[i], title);
                    prop_assert!(b.starts[i] <= o && o < b.starts[i + 1]);
                    prop_assert_eq!(b.starts[i + 1] - b.starts[i], c);
                    o += 1;
                }
            }
        }
    }
}
