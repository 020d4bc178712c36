//! Fetch: the files of the index, and adding them as they arrive.

use super::Index;
use crate::codec::{open, FileKind};
use crate::docblock::DocBlock;
use crate::embed::vectors::{decode_partition, decode_token_shard};
use crate::embed::wordpiece::Vocab;
use crate::error::FormatError;
use crate::fragment::{Family, Fragment};
use crate::layout::{
    copy_fragment_path, doc_block_path, fragment_path, partition_path, position_shard_path,
    shard_dir_path, term_shard_path, token_shard_path, twin_block_path, CENTROIDS_PATH,
    MANIFEST_PATH, VOCAB_PATH,
};
use crate::shard::{PositionShard, TermShard};
use crate::twins::TwinBlock;

impl Index {
    /// Paths of the files of the index except the manifest, for servers
    /// that load everything up front: all of them, except the fragment
    /// files of an index with twins, which are named as far as the twin
    /// blocks added tell (see [`Index::files_to_load`]).
    pub fn all_files(&self) -> Vec<String> {
        let mut v: Vec<String> = (0..self.doc_blocks.len()).map(doc_block_path).collect();
        v.extend((0..self.twins.blocks.len()).map(twin_block_path));
        v.extend((0..self.m.shards.dir_files()).map(shard_dir_path));
        for i in 0..self.m.shards.count as usize {
            v.push(term_shard_path(i));
            v.push(position_shard_path(i));
        }
        v.extend(self.fragment_files());
        if self.m.semantic.is_some() {
            v.push(VOCAB_PATH.to_string());
            v.push(CENTROIDS_PATH.to_string());
            v.extend((0..self.token_rows.len()).map(token_shard_path));
            v.extend((0..self.partitions.len()).map(partition_path));
        }
        v
    }

    /// The fragment files, own and copy, as far as the added twin blocks
    /// tell: in an index with twins a file exists only when it holds a
    /// record, and which records are copies is in the twin blocks. A
    /// server that loads everything adds the files, then asks again.
    fn fragment_files(&self) -> Vec<String> {
        let (g, cg) = (self.m.settings.fragment_group, self.m.settings.copy_group);
        if self.twins.is_empty() {
            return (0..self.fragments.len() as u32)
                .map(fragment_path)
                .collect();
        }
        let (mut own, mut copies): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        let b = self.m.blocks.chunks;
        for k in 0..self.twins.blocks.len() {
            let Some(runs) = self.twins.copies_in(k) else {
                continue;
            };
            let lo = k as u32 * b;
            let hi = lo.saturating_add(b).min(self.chunk_count());
            let mut at = lo;
            for r in runs.into_iter().chain(std::iter::once(hi..hi)) {
                if at < r.start {
                    own.extend(at / g..=(r.start - 1) / g);
                }
                if !r.is_empty() {
                    copies.extend(r.start / cg..=(r.end - 1) / cg);
                }
                at = at.max(r.end);
            }
        }
        crate::order::sort_dedup(&mut own);
        crate::order::sort_dedup(&mut copies);
        let mut v: Vec<String> = own.into_iter().map(fragment_path).collect();
        v.extend(copies.into_iter().map(copy_fragment_path));
        v
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
            let (dir, n) = numbered(path).ok_or_else(unknown)?;
            match dir {
                "s" if n < self.m.shards.dir_files() => (FileKind::ShardDir, n),
                "t" if n < self.terms.len() => (FileKind::Terms, n),
                "p" if n < self.positions.len() => (FileKind::Positions, n),
                "f" if n < self.fragments.len() => (FileKind::Fragments, n),
                "c" if n < self.copies.len() => (FileKind::CopyFragments, n),
                "d" if n < self.doc_blocks.len() => (FileKind::DocBlock, n),
                "w" if n < self.twins.blocks.len() => (FileKind::TwinBlock, n),
                "e" if n < self.token_rows.len() => (FileKind::TokenRows, n),
                "v" if n < self.partitions.len() => (FileKind::Vectors, n),
                _ => return Err(unknown()),
            }
        };
        let env = open(bytes, kind)?;
        // Twin blocks fold a ranking without changing it.
        if !matches!(
            kind,
            FileKind::Fragments | FileKind::CopyFragments | FileKind::TwinBlock
        ) {
            self.ranking_files += 1;
        }
        // Fragments are written before the rest of the index is known and
        // carry their own id, which the manifest holds.
        let expected = if matches!(kind, FileKind::Fragments | FileKind::CopyFragments) {
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
            FileKind::Fragments | FileKind::CopyFragments => {
                let (family, group, slots) = if kind == FileKind::Fragments {
                    (
                        Family::Own,
                        self.m.settings.fragment_group,
                        &mut self.fragments,
                    )
                } else {
                    (Family::Copies, self.m.settings.copy_group, &mut self.copies)
                };
                let f = Fragment::decode(env.payload, family)?;
                let start = index as u32 * group;
                let end = start.saturating_add(group).min(self.m.settings.chunk_count);
                if f.first != start || f.end() > end {
                    return Err(FormatError::Malformed("fragment does not match its path"));
                }
                slots[index] = Some(Box::new(f));
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
    /// Whether the file at `path` (as [`Index::all_files`] names it) is
    /// added; the manifest always is.
    pub fn is_added(&self, path: &str) -> bool {
        let Some((dir, n)) = numbered(path) else {
            return match path {
                MANIFEST_PATH => true,
                VOCAB_PATH => self.vocab.is_some(),
                CENTROIDS_PATH => self.m.semantic.as_ref().is_some_and(|s| s.has_centroids()),
                _ => false,
            };
        };
        let added = |slot: Option<bool>| slot.unwrap_or(false);
        match dir {
            "s" => added(self.dirs.get(n).map(Option::is_some)),
            "t" => added(self.terms.get(n).map(Option::is_some)),
            "p" => added(self.positions.get(n).map(Option::is_some)),
            "e" => added(self.token_rows.get(n).map(Option::is_some)),
            "v" => added(self.partitions.get(n).map(Option::is_some)),
            "d" => added(self.doc_blocks.get(n).map(Option::is_some)),
            "w" => added(self.twins.blocks.get(n).map(Option::is_some)),
            "f" => added(self.fragments.get(n).map(Option::is_some)),
            "c" => added(self.copies.get(n).map(Option::is_some)),
            _ => false,
        }
    }

    /// The files of [`Index::all_files`] not added yet. A server that
    /// loads everything adds them and asks again until none is left: which
    /// fragment files exist is known once the twin blocks are in.
    pub fn files_to_load(&self) -> Vec<String> {
        let mut v = self.all_files();
        v.retain(|p| !self.is_added(p));
        v
    }

    /// Adds every file of the index, each read by `get` (once per path),
    /// asking [`Index::files_to_load`] again until it names none: a server's
    /// or a tool's whole load in one call. A failed read or add stops it.
    pub fn add_all<E: From<FormatError>>(
        &mut self,
        mut get: impl FnMut(&str) -> Result<Vec<u8>, E>,
    ) -> Result<(), E> {
        let mut asked = std::collections::BTreeSet::new();
        loop {
            let mut need = self.files_to_load();
            need.retain(|p| !asked.contains(p));
            if need.is_empty() {
                return Ok(());
            }
            for path in need {
                let bytes = get(&path)?;
                self.add_file(&path, &bytes)?;
                asked.insert(path);
            }
        }
    }

    /// Drops an added file, so a server with a bounded cache can keep only
    /// the files recent queries used; a later [`Index::plan`] names it
    /// again. Returns whether it was loaded. The manifest and the centroids
    /// (part of its semantic settings) cannot be dropped.
    pub fn forget_file(&mut self, path: &str) -> bool {
        let Some((dir, n)) = numbered(path) else {
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
            "c" => return self.copies.get_mut(n).and_then(Option::take).is_some(),
            _ => false,
        };
        // A ranking made with the file is stale once it is gone.
        self.ranking_files += u64::from(dropped);
        dropped
    }
}

/// The directory and number of a numbered index file (`t/12.bin` →
/// `("t", 12)`).
fn numbered(path: &str) -> Option<(&str, usize)> {
    let (dir, rest) = path.split_once('/')?;
    Some((dir, rest.strip_suffix(".bin")?.parse().ok()?))
}
