//! The term-shard table in two levels: writer, serializer and reader.
//!
//! The table maps a term to its term shard by the first term of each shard.
//! It grows with the vocabulary, and so with the library, while the
//! manifest is fetched by every query: the manifest keeps a bounded sample
//! (the first term of every `fanout`-th shard, at most
//! [`DEFAULT_ROOT_ENTRIES`] by default) and directory files `s/<j>.bin`
//! hold the first terms of the shards of block `j`. A query fetches the
//! directory blocks its words land in, then their term shards. A table
//! small enough for the root is kept there whole: no directory files and
//! no extra request round for small libraries.

use crate::codec::{Reader, Writer};
use crate::error::FormatError;

/// Default most first terms the manifest holds (see
/// [`crate::BuildOptions::shard_root_entries`]).
pub const DEFAULT_ROOT_ENTRIES: usize = 128;
/// Default fewest shards per directory block (see
/// [`crate::BuildOptions::shard_dir_min`]): a block much smaller than its
/// HTTP headers would cost more than it saves.
pub const DEFAULT_DIR_MIN: usize = 32;

/// The root part of the shard table (manifest section SHARDS).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShardTable {
    /// Number of term shards.
    pub count: u32,
    /// Shards per directory block; the last block may hold fewer.
    pub fanout: u32,
    /// First term of the first shard of each directory block.
    pub sample: Vec<String>,
    /// The whole table, when the root holds it (then there is one block
    /// and no directory file).
    pub inline: Option<Vec<String>>,
}

impl ShardTable {
    /// Splits the first terms of all shards (sorted) into the root and the
    /// directory block payloads. The root keeps the whole table when it has
    /// at most `root_entries` shards; otherwise blocks of
    /// `max(dir_min, ⌈n / root_entries⌉)` shards, so the root holds at most
    /// `root_entries` terms.
    pub fn split(
        firsts: Vec<String>,
        root_entries: usize,
        dir_min: usize,
    ) -> (ShardTable, Vec<Vec<u8>>) {
        let n = firsts.len();
        if n <= root_entries.max(1) {
            let table = ShardTable {
                count: n as u32,
                fanout: n.max(1) as u32,
                sample: firsts.first().cloned().into_iter().collect(),
                inline: Some(firsts),
            };
            return (table, Vec::new());
        }
        let fanout = dir_min.max(n.div_ceil(root_entries.max(1))).max(1);
        let mut sample = Vec::with_capacity(n.div_ceil(fanout));
        let mut payloads = Vec::with_capacity(n.div_ceil(fanout));
        for block in firsts.chunks(fanout) {
            sample.push(block[0].clone());
            payloads.push(encode_terms(block));
        }
        let table = ShardTable {
            count: n as u32,
            fanout: fanout as u32,
            sample,
            inline: None,
        };
        (table, payloads)
    }

    /// Number of directory blocks (1 for an inline table with shards).
    pub fn blocks(&self) -> usize {
        self.sample.len()
    }

    /// Number of directory files `s/<j>.bin`.
    pub fn dir_files(&self) -> usize {
        if self.inline.is_some() {
            0
        } else {
            self.blocks()
        }
    }

    /// Directory block a term's shard is listed in; `None` for an empty
    /// table. Terms before the first shard belong to block 0.
    pub fn block_of(&self, term: &str) -> Option<usize> {
        if self.sample.is_empty() {
            return None;
        }
        Some(
            self.sample
                .partition_point(|f| f.as_str() <= term)
                .saturating_sub(1),
        )
    }

    /// Shard of `term`, given the first terms of block `j`.
    pub fn shard_in(&self, j: usize, block: &[String], term: &str) -> usize {
        j * self.fanout as usize
            + block
                .partition_point(|f| f.as_str() <= term)
                .saturating_sub(1)
    }

    /// Number of shards in block `j`.
    fn block_len(&self, j: usize) -> usize {
        let start = j * self.fanout as usize;
        (self.count as usize - start).min(self.fanout as usize)
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.varint(u64::from(self.count));
        w.varint(u64::from(self.fanout));
        w.u8(u8::from(self.inline.is_some()));
        let terms = self.inline.as_ref().unwrap_or(&self.sample);
        w.bytes(&encode_terms(terms));
        w.buf
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<ShardTable, FormatError> {
        let count = r.varint_u32()?;
        let fanout = r.varint_u32()?;
        let inline = match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(FormatError::Malformed("bad shard table flag")),
        };
        if fanout == 0 || (inline && fanout != count.max(1)) {
            return Err(FormatError::Malformed("bad shard table fan-out"));
        }
        let terms = decode_terms(r)?;
        let blocks = (count as usize).div_ceil(fanout as usize);
        let expected = if inline { count as usize } else { blocks };
        if terms.len() != expected {
            return Err(FormatError::Malformed(
                "shard table size does not match its count",
            ));
        }
        Ok(if inline {
            ShardTable {
                count,
                fanout,
                sample: terms.first().cloned().into_iter().collect(),
                inline: Some(terms),
            }
        } else {
            ShardTable {
                count,
                fanout,
                sample: terms,
                inline: None,
            }
        })
    }

    /// Reads directory block `j` (`s/<j>.bin`): the first terms of its
    /// shards, checked against the root (its first term and the next
    /// block's bound it).
    pub fn decode_block(&self, j: usize, payload: &[u8]) -> Result<Vec<String>, FormatError> {
        if j >= self.dir_files() {
            return Err(FormatError::Malformed("directory block out of range"));
        }
        let mut r = Reader::new(payload);
        let terms = decode_terms(&mut r)?;
        if terms.len() != self.block_len(j) {
            return Err(FormatError::Malformed(
                "directory block size does not match the manifest",
            ));
        }
        let next = self.sample.get(j + 1);
        if terms.first() != self.sample.get(j)
            || next.is_some_and(|n| terms.last().is_some_and(|l| l >= n))
        {
            return Err(FormatError::Malformed(
                "directory block does not match the manifest",
            ));
        }
        Ok(terms)
    }
}

/// Serializer of a sorted term list: count, then front-coded terms.
fn encode_terms(terms: &[String]) -> Vec<u8> {
    let mut w = Writer::new();
    w.varint(terms.len() as u64);
    let mut prev = "";
    for t in terms {
        w.front_coded(prev, t);
        prev = t;
    }
    w.buf
}

fn decode_terms(r: &mut Reader<'_>) -> Result<Vec<String>, FormatError> {
    let n = r.count(2)?;
    let mut out: Vec<String> = Vec::with_capacity(n);
    for _ in 0..n {
        let t = r.front_coded(out.last().map_or("", |s| s.as_str()))?;
        if out.last().is_some_and(|p| *p >= t) {
            return Err(FormatError::Malformed("shard table not sorted"));
        }
        out.push(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("t{i:05}")).collect()
    }

    fn round_trip(t: &ShardTable) -> ShardTable {
        let bytes = t.encode();
        ShardTable::decode(&mut Reader::new(&bytes)).unwrap()
    }

    #[test]
    fn small_table_stays_in_the_root() {
        let (t, dirs) = ShardTable::split(terms(5), 128, 32);
        assert!(dirs.is_empty());
        assert_eq!(t.dir_files(), 0);
        assert_eq!(t.blocks(), 1);
        assert_eq!(round_trip(&t), t);
        let all = t.inline.clone().unwrap();
        assert_eq!(t.shard_in(0, &all, "t00003x"), 3);
        assert_eq!(t.shard_in(0, &all, "a"), 0);
        let (empty, dirs) = ShardTable::split(Vec::new(), 128, 32);
        assert!(dirs.is_empty());
        assert_eq!(empty.block_of("x"), None);
        assert_eq!(round_trip(&empty), empty);
    }

    #[test]
    fn large_table_is_split_and_the_root_stays_bounded() {
        for n in [129, 1000, 5000, 40_000] {
            let all = terms(n);
            let (t, dirs) = ShardTable::split(all.clone(), 128, 32);
            assert!(t.sample.len() <= 128, "{n}: {} in the root", t.sample.len());
            assert!(t.fanout >= 32);
            assert_eq!(dirs.len(), t.dir_files());
            assert_eq!(round_trip(&t), t);
            let blocks: Vec<Vec<String>> = dirs
                .iter()
                .enumerate()
                .map(|(j, d)| t.decode_block(j, d).unwrap())
                .collect();
            assert_eq!(blocks.concat(), all);
            // Every term maps to the shard the one-level table gives.
            for probe in ["a", "t00000", "t00017x", &all[n / 2], "t99999", "zz"] {
                let one_level = all
                    .partition_point(|f| f.as_str() <= probe)
                    .saturating_sub(1);
                let j = t.block_of(probe).unwrap();
                assert_eq!(t.shard_in(j, &blocks[j], probe), one_level, "{n} {probe}");
            }
        }
    }

    #[test]
    fn directory_blocks_are_checked_against_the_root() {
        let (t, dirs) = ShardTable::split(terms(300), 4, 8);
        assert!(t.dir_files() > 2);
        // A block read as another block's number.
        assert!(t.decode_block(1, &dirs[0]).is_err());
        assert!(t.decode_block(t.dir_files(), &dirs[0]).is_err());
        // Unsorted, and too short.
        let mut bad = terms(t.fanout as usize);
        bad.swap(1, 2);
        assert!(t.decode_block(0, &encode_terms(&bad)).is_err());
        assert!(t.decode_block(0, &encode_terms(&terms(3))).is_err());
        // A truncated root.
        let bytes = t.encode();
        assert!(ShardTable::decode(&mut Reader::new(&bytes[..bytes.len() - 2])).is_err());
    }

    proptest::proptest! {
        /// Any sorted table and split sizes: the root round trips, the
        /// blocks give back the table, and every term is routed to the
        /// shard the whole table gives.
        #[test]
        fn any_table_round_trips(
            set in proptest::collection::btree_set("[a-e]{1,6}", 0..400),
            root in 1usize..40,
            min in 1usize..20,
            probes in proptest::collection::vec("[a-f]{0,7}", 1..20),
        ) {
            let all: Vec<String> = set.into_iter().collect();
            let (t, dirs) = ShardTable::split(all.clone(), root, min);
            proptest::prop_assert!(t.sample.len() <= root.max(1));
            proptest::prop_assert_eq!(&round_trip(&t), &t);
            let blocks: Vec<Vec<String>> = match &t.inline {
                Some(all) => vec![all.clone()],
                None => dirs
                    .iter()
                    .enumerate()
                    .map(|(j, d)| t.decode_block(j, d).unwrap())
                    .collect(),
            };
            if !all.is_empty() {
                proptest::prop_assert_eq!(blocks.concat(), all.clone());
            }
            for p in &probes {
                let one_level = all.partition_point(|f| f <= p).saturating_sub(1);
                match t.block_of(p) {
                    None => proptest::prop_assert!(all.is_empty()),
                    Some(j) => proptest::prop_assert_eq!(t.shard_in(j, &blocks[j], p), one_level),
                }
            }
        }
    }
}
