//! Plan: which files a query still needs.

use std::collections::BTreeSet;

use super::analyze::Analysis;
use super::Index;
use crate::error::SearchError;
use crate::layout::{doc_block_path, fragment_path, position_shard_path, term_shard_path};
use crate::query::Query;

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
        let mut shards: BTreeSet<usize> = BTreeSet::new();
        let mut pos: BTreeSet<usize> = BTreeSet::new();
        for c in &a.clauses {
            if !c.term.is_empty() {
                match self.lookup(&c.term) {
                    Err(s) => {
                        shards.insert(s);
                    }
                    Ok(found) => {
                        let df = found.map_or(0, |t| t.df());
                        if found.is_none() {
                            for atom in &c.atoms {
                                if let Err(s) = self.lookup(atom) {
                                    shards.insert(s);
                                }
                            }
                        }
                        if let Some(max) = Self::typo_budget(&c.term, df) {
                            if !self.still_typing(c) {
                                shards.extend(self.boundary_typos(&c.term, max));
                            }
                        }
                    }
                }
            }
            if let Some(p) = &c.prefix {
                shards.extend(self.prefix_shards(p));
            }
        }
        for ph in &a.phrases {
            for (t, _) in ph {
                if let Some(s) = self.shard_of(t) {
                    shards.insert(s);
                    if ph.len() > 1 {
                        pos.insert(s);
                    }
                }
            }
        }
        let mut out: Vec<String> = shards
            .into_iter()
            .filter(|&s| !missing_only || self.terms[s].is_none())
            .map(term_shard_path)
            .collect();
        out.extend(
            pos.into_iter()
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

    /// Document blocks (relative paths) not yet added that hold
    /// `ordinals`: what [`Index::document_of`] needs for them.
    pub fn doc_blocks_for(&self, ordinals: &[u32]) -> Vec<String> {
        let b = self.m.blocks.chunks;
        let set: BTreeSet<usize> = ordinals
            .iter()
            .filter(|&&o| o < self.chunk_count())
            .map(|&o| (o / b) as usize)
            .filter(|&k| self.doc_blocks[k].is_none())
            .collect();
        set.into_iter().map(doc_block_path).collect()
    }

    /// Fragment files (relative paths) not yet added that [`Index::hit`]
    /// needs for `ordinals`: those holding them and, for a twin, the one
    /// holding its canonical member's text. The canonical is known once
    /// the chunk's twin block or its own fragment is added (a search pass
    /// has added the twin blocks of its hits); otherwise a second call
    /// names it.
    pub fn fragments_for(&self, ordinals: &[u32]) -> Vec<String> {
        let g = self.m.settings.fragment_group;
        let mut set: BTreeSet<u32> = BTreeSet::new();
        for &o in ordinals.iter().filter(|&&o| o < self.chunk_count()) {
            let twin_of = match self.fragments.get(&(o / g)) {
                Some(f) => f.get(o).and_then(|c| c.twin_of),
                None => {
                    set.insert(o / g);
                    self.twins.canonical_of(o).filter(|&c| c != o)
                }
            };
            if let Some(c) = twin_of.filter(|&c| c < self.chunk_count()) {
                if !self.fragments.contains_key(&(c / g)) {
                    set.insert(c / g);
                }
            }
        }
        set.into_iter().map(fragment_path).collect()
    }

    /// Fragment files not yet added that [`Index::url`] needs for
    /// `ordinal`.
    pub fn url_files(&self, ordinal: u32) -> Vec<String> {
        let f = ordinal / self.m.settings.fragment_group;
        if ordinal < self.chunk_count() && !self.fragments.contains_key(&f) {
            vec![fragment_path(f)]
        } else {
            Vec::new()
        }
    }
}
