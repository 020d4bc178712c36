//! Plan: which files a query still needs.

use super::analyze::Analysis;
use super::analyze::Missing;
use super::{Holder, Index};
use crate::error::SearchError;
use crate::layout::{doc_block_path, position_shard_path, shard_dir_path, term_shard_path};
use crate::query::Query;
use crate::shard::TermPostings;

impl Index {
    /// Files (relative paths) still needed to answer `query`. Call again
    /// after adding them: a second round is needed when the first shows
    /// that a word is missing (typo correction from a frequent term's
    /// shard, or the parts of an unknown identifier), and, in an index
    /// with passages shared by versions, for the twin blocks of the best
    /// results (found by ranking; [`Pass::plan`] ranks once for both).
    /// Empty means [`Index::search`] can run.
    ///
    /// [`Pass::plan`]: super::Pass::plan
    pub fn plan(&self, query: &Query) -> Vec<String> {
        let need = self.plan_analyzed(query, &self.analyze(query));
        if !need.is_empty() || self.twins.is_empty() {
            return need;
        }
        match self.search(query) {
            Err(SearchError::NotLoaded(paths)) => paths,
            _ => Vec::new(),
        }
    }

    /// The files a query's ranking needs: term and position shards, and
    /// the document blocks of a document filter.
    pub(super) fn plan_ranking(&self, query: &Query) -> Vec<String> {
        self.plan_analyzed(query, &self.analyze(query))
    }

    /// Files `query` reads, loaded or not, as far as the loaded files tell
    /// (a term's typo candidates are known once its shard is loaded): what a
    /// bounded cache keeps as recently used after the query ran.
    pub fn files_for(&self, query: &Query) -> Vec<String> {
        let mut files = self.files_analyzed(query, &self.analyze(query), false);
        files.extend(self.semantic_files(query));
        files
    }

    pub(super) fn plan_analyzed(&self, query: &Query, a: &Analysis) -> Vec<String> {
        self.files_analyzed(query, a, true)
    }

    fn files_analyzed(&self, query: &Query, a: &Analysis, missing_only: bool) -> Vec<String> {
        let mut n = Needs::default();
        for c in &a.clauses {
            if !c.term.is_empty() {
                if let Some(found) = self.lookup_noting(&c.term, &mut n) {
                    let df = found.map_or(0, |t| t.df());
                    if found.is_none() {
                        for atom in &c.atoms {
                            self.lookup_noting(atom, &mut n);
                        }
                    }
                    if let Some(max) = Self::typo_budget(&c.term, df) {
                        if !self.still_typing(c) {
                            n.shards.extend(self.boundary_typos(&c.term, max));
                        }
                    }
                }
            }
            for s in &c.synonyms {
                self.lookup_noting(s, &mut n);
            }
            if let Some(p) = &c.prefix {
                let mut missing = Vec::new();
                n.shards.extend(self.prefix_shards(p, &mut missing));
                for m in missing {
                    n.note(m);
                }
            }
        }
        for ph in &a.phrases {
            for (t, _) in ph {
                match self.shard_of(t) {
                    Ok(Some(s)) => {
                        n.shards.push(s);
                        if ph.len() > 1 {
                            n.pos.push(s);
                        }
                    }
                    Ok(None) => {}
                    Err(m) => n.note(m),
                }
            }
        }
        for v in [&mut n.dirs, &mut n.shards, &mut n.pos] {
            crate::order::sort_dedup(v);
        }
        let mut out: Vec<String> = n
            .dirs
            .into_iter()
            .filter(|&j| !missing_only || self.dirs[j].is_none())
            .filter(|&j| j < self.m.shards.dir_files())
            .map(shard_dir_path)
            .collect();
        out.extend(
            n.shards
                .into_iter()
                .filter(|&s| !missing_only || self.terms[s].is_none())
                .map(term_shard_path),
        );
        out.extend(
            n.pos
                .into_iter()
                .filter(|&s| !missing_only || self.positions[s].is_none())
                .map(position_shard_path),
        );
        out.extend(
            self.filter_doc_blocks(query)
                .into_iter()
                .filter(|&k| !missing_only || self.doc_blocks[k].is_none())
                .map(doc_block_path),
        );
        out
    }

    /// Looks `term` up, noting the directory block and shard it reads;
    /// `None` while one of them is missing.
    fn lookup_noting(&self, term: &str, n: &mut Needs) -> Option<Option<&TermPostings>> {
        if let Some(j) = self.m.shards.block_of(term) {
            n.dirs.push(j);
        }
        if let Ok(Some(s)) = self.shard_of(term) {
            n.shards.push(s);
        }
        match self.lookup(term) {
            Ok(found) => Some(found),
            Err(m) => {
                n.note(m);
                None
            }
        }
    }

    /// Document blocks (relative paths) not yet added that hold
    /// `ordinals`: what [`Index::document_of`] needs for them.
    pub fn doc_blocks_for(&self, ordinals: &[u32]) -> Vec<String> {
        let b = self.m.blocks.chunks;
        let mut set: Vec<usize> = ordinals
            .iter()
            .filter(|&&o| o < self.chunk_count())
            .map(|&o| (o / b) as usize)
            .filter(|&k| self.doc_blocks[k].is_none())
            .collect();
        crate::order::sort_dedup(&mut set);
        set.into_iter().map(doc_block_path).collect()
    }

    /// Files (relative paths) not yet added that [`Index::hit`] needs for
    /// `ordinals`: the fragments holding their records and, for a copy of
    /// a passage, the one holding its canonical member's text. In an index
    /// with twins, which fragment holds a chunk is known once its twin
    /// block is added (a search pass has added those of its hits); until
    /// then the block is named, and a second call names the fragments.
    pub fn fragments_for(&self, ordinals: &[u32]) -> Vec<String> {
        let mut need: Vec<String> = Vec::new();
        for &o in ordinals.iter().filter(|&&o| o < self.chunk_count()) {
            match self.holder(o) {
                Err(block) => need.push(block),
                Ok(h) => {
                    need.extend(self.missing_holder(h));
                    if let Holder::Copy(_, c) = h {
                        if c < self.chunk_count() {
                            need.extend(self.missing_holder(self.canonical_holder(c)));
                        }
                    }
                }
            }
        }
        crate::order::sort_dedup(&mut need);
        need
    }

    /// Files not yet added that [`Index::url`] needs for `ordinal`: its
    /// own record's fragment (or first its twin block, as above).
    pub fn url_files(&self, ordinal: u32) -> Vec<String> {
        if ordinal >= self.chunk_count() {
            return Vec::new();
        }
        match self.holder(ordinal) {
            Err(block) => vec![block],
            Ok(h) => self.missing_holder(h).into_iter().collect(),
        }
    }
}

/// Files a query reads, by kind.
#[derive(Default)]
struct Needs {
    dirs: Vec<usize>,
    shards: Vec<usize>,
    pos: Vec<usize>,
}

impl Needs {
    fn note(&mut self, m: Missing) {
        match m {
            Missing::Dir(j) => self.dirs.push(j),
            Missing::Shard(s) => self.shards.push(s),
        };
    }
}
