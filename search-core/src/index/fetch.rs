//! Fetch: the files of the index, and adding them as they arrive.

use super::Index;
use crate::codec::{open, FileKind};
use crate::docblock::DocBlock;
use crate::embed::vectors::{decode_partition, decode_token_shard};
use crate::embed::wordpiece::Vocab;
use crate::error::FormatError;
use crate::fragment::Fragment;
use crate::layout::{
    doc_block_path, fragment_path, partition_path, position_shard_path, shard_dir_path,
    term_shard_path, token_shard_path, twin_block_path, CENTROIDS_PATH, MANIFEST_PATH, VOCAB_PATH,
};
use crate::shard::{PositionShard, TermShard};
use crate::twins::TwinBlock;

impl Index {
    /// Paths of every file of the index except the manifest, for servers
    /// that load everything up front.
    pub fn all_files(&self) -> Vec<String> {
        let mut v: Vec<String> = (0..self.doc_blocks.len()).map(doc_block_path).collect();
        v.extend((0..self.twins.blocks.len()).map(twin_block_path));
        v.extend((0..self.m.shards.dir_files()).map(shard_dir_path));
        for i in 0..self.m.shards.count as usize {
            v.push(term_shard_path(i));
            v.push(position_shard_path(i));
        }
        for f in 0..self.fragment_count() {
            v.push(fragment_path(f));
        }
        if self.m.semantic.is_some() {
            v.push(VOCAB_PATH.to_string());
            v.push(CENTROIDS_PATH.to_string());
            v.extend((0..self.token_rows.len()).map(token_shard_path));
            v.extend((0..self.partitions.len()).map(partition_path));
        }
        v
    }

    pub(super) fn fragment_count(&self) -> u32 {
        self.chunk_count().div_ceil(self.m.settings.fragment_group)
    }

    /// Add a fetched file. Bytes must be the raw file (not gzip-wrapped).
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Result<(), FormatError> {
        let unknown = || FormatError::UnknownFile(path.to_string());
        let (kind, index) = if path == MANIFEST_PATH {
            (FileKind::Manifest, 0)
        } else if path == VOCAB_PATH && self.m.semantic.is_some() {
            (FileKind::Vocab, 0)
        } else if path == CENTROIDS_PATH && self.m.semantic.is_some() {
            (FileKind::Centroids, 0)
        } else {
            let (dir, rest) = path.split_once('/').ok_or_else(unknown)?;
            let n: usize = rest
                .strip_suffix(".bin")
                .and_then(|s| s.parse().ok())
                .ok_or_else(unknown)?;
            match dir {
                "s" if n < self.m.shards.dir_files() => (FileKind::ShardDir, n),
                "t" if n < self.terms.len() => (FileKind::Terms, n),
                "p" if n < self.positions.len() => (FileKind::Positions, n),
                "f" if n < self.fragment_count() as usize => (FileKind::Fragments, n),
                "d" if n < self.doc_blocks.len() => (FileKind::DocBlock, n),
                "w" if n < self.twins.blocks.len() => (FileKind::TwinBlock, n),
                "e" if n < self.token_rows.len() => (FileKind::TokenRows, n),
                "v" if n < self.partitions.len() => (FileKind::Vectors, n),
                _ => return Err(unknown()),
            }
        };
        let env = open(bytes, kind)?;
        // Twin blocks fold a ranking without changing it.
        if !matches!(kind, FileKind::Fragments | FileKind::TwinBlock) {
            self.ranking_files += 1;
        }
        // Fragments are written before the rest of the index is known and
        // carry their own id, which the manifest holds.
        let expected = if kind == FileKind::Fragments {
            self.m.fragments_id
        } else {
            self.m.build_id
        };
        if env.build_id != expected {
            return Err(FormatError::BuildMismatch {
                expected,
                found: env.build_id,
            });
        }
        match kind {
            FileKind::Manifest => {}
            FileKind::ShardDir => {
                self.dirs[index] = Some(self.m.shards.decode_block(index, env.payload)?);
            }
            FileKind::DocBlock => {
                self.doc_blocks[index] = Some(DocBlock::decode(
                    env.payload,
                    index as u32,
                    self.m.blocks.chunks,
                    self.chunk_count(),
                    self.document_count(),
                )?);
            }
            FileKind::TwinBlock => {
                self.twins.blocks[index] = Some(TwinBlock::decode(
                    env.payload,
                    index as u32,
                    self.m.blocks.chunks,
                    self.chunk_count(),
                )?);
            }
            FileKind::Terms => {
                self.terms[index] = Some(TermShard::decode(env.payload, self.chunk_count())?);
            }
            FileKind::Positions => {
                self.positions[index] = Some(PositionShard::decode(env.payload)?);
            }
            FileKind::Fragments => {
                let f = Fragment::decode(env.payload)?;
                let g = self.m.settings.fragment_group;
                let expected = (
                    n_chunks_in_group(self.chunk_count(), g, index as u32),
                    index as u32 * g,
                );
                if (f.chunks.len() as u32, f.first) != expected {
                    return Err(FormatError::Malformed("fragment does not match its path"));
                }
                let count = self.chunk_count();
                if f.chunks
                    .iter()
                    .any(|c| c.twin_of.is_some_and(|t| t >= count))
                {
                    return Err(FormatError::Malformed("twin outside the index"));
                }
                let slot = self
                    .fragments
                    .get_mut(index)
                    .ok_or(FormatError::Malformed("fragment does not match its path"))?;
                *slot = Some(Box::new(f));
            }
            FileKind::Centroids => {
                let s = self.m.semantic.as_mut().ok_or_else(unknown)?;
                s.decode_centroids(env.payload)?;
            }
            FileKind::Vocab | FileKind::TokenRows | FileKind::Vectors => {
                let s = self.m.semantic.as_ref().ok_or_else(unknown)?;
                match kind {
                    FileKind::Vocab => {
                        let v = Vocab::decode(&mut crate::codec::Reader::new(env.payload))?;
                        if v.len() != s.vocab_size as usize {
                            return Err(FormatError::Malformed(
                                "vocabulary size differs from manifest",
                            ));
                        }
                        self.vocab = Some(v);
                    }
                    FileKind::TokenRows => {
                        self.token_rows[index] = Some(decode_token_shard(env.payload, s, index)?);
                    }
                    _ => {
                        let chunks = self.chunk_count();
                        self.partitions[index] =
                            Some(decode_partition(env.payload, s, index, chunks)?);
                    }
                }
            }
        }
        Ok(())
    }
}

impl Index {
    /// Drops an added file, so a server with a bounded cache can keep only
    /// the files recent queries used; a later [`Index::plan`] names it
    /// again. Returns whether it was loaded. The manifest and the centroids
    /// (part of its semantic settings) cannot be dropped.
    pub fn forget_file(&mut self, path: &str) -> bool {
        let Some((dir, n)) = path
            .split_once('/')
            .and_then(|(d, rest)| Some((d, rest.strip_suffix(".bin")?.parse::<usize>().ok()?)))
        else {
            let slot = match path {
                VOCAB_PATH => self.vocab.take().is_some(),
                _ => false,
            };
            self.ranking_files += u64::from(slot);
            return slot;
        };
        let dropped = match dir {
            // An inline table has no directory file to fetch again.
            "s" if n < self.m.shards.dir_files() => {
                self.dirs.get_mut(n).and_then(Option::take).is_some()
            }
            "t" => self.terms.get_mut(n).and_then(Option::take).is_some(),
            "p" => self.positions.get_mut(n).and_then(Option::take).is_some(),
            "e" => self.token_rows.get_mut(n).and_then(Option::take).is_some(),
            "v" => self.partitions.get_mut(n).and_then(Option::take).is_some(),
            "d" => self.doc_blocks.get_mut(n).and_then(Option::take).is_some(),
            "w" => self
                .twins
                .blocks
                .get_mut(n)
                .and_then(Option::take)
                .is_some(),
            "f" => return self.fragments.get_mut(n).and_then(Option::take).is_some(),
            _ => false,
        };
        // A ranking made with the file is stale once it is gone.
        self.ranking_files += u64::from(dropped);
        dropped
    }
}

fn n_chunks_in_group(total: u32, group: u32, index: u32) -> u32 {
    let start = index * group;
    (total - start).min(group)
}
