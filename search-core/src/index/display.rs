//! Display: hits with snippets and highlights for ranked chunks.

use std::collections::HashSet;

use super::rank::Ranking;
use super::Index;
use crate::error::SearchError;
use crate::layout::fragment_path;
use crate::query::Query;
use crate::result::{FacetCounts, Hit};
use crate::snippet::{highlight, snippet, SNIPPET_CHARS};

impl Index {
    /// Terms of the index that the query matched: exact terms, expansions
    /// and corrections. Used for highlighting.
    pub fn matched_terms(&self, query: &Query) -> HashSet<String> {
        let a = self.analyze(query);
        let mut set: HashSet<String> = HashSet::new();
        for g in self.expand(&a) {
            for s in g {
                set.insert(s.postings.term.clone());
            }
        }
        set
    }

    /// Display data, snippet and highlights of one result. Its fragment
    /// (see [`Index::fragments_for`]) must have been added.
    pub fn hit(&self, ordinal: u32, query: &Query) -> Result<Hit, SearchError> {
        self.hit_with_terms(ordinal, &self.matched_terms(query))
    }

    /// [`Index::hit`] with the query's matched terms worked out already.
    fn hit_with_terms(&self, ordinal: u32, terms: &HashSet<String>) -> Result<Hit, SearchError> {
        if ordinal >= self.chunk_count() {
            return Err(SearchError::NoSuchChunk(ordinal));
        }
        let g = self.m.settings.fragment_group;
        let frag = self
            .fragments
            .get(&(ordinal / g))
            .ok_or_else(|| SearchError::NotLoaded(vec![fragment_path(ordinal / g)]))?;
        let c = frag
            .chunks
            .get((ordinal - frag.first) as usize)
            .ok_or(SearchError::NoSuchChunk(ordinal))?;
        let [vendor, product, version, doc_set] =
            self.leaf_names(self.leaf_of(ordinal)).map(str::to_string);
        Ok(Hit {
            ordinal,
            id: c.id.clone(),
            url: c.url.clone(),
            title_highlights: highlight(&self.tokenizer, &c.title, terms),
            title: c.title.clone(),
            breadcrumb: c.breadcrumb.clone(),
            page: c.page,
            page_label: c.page_label.clone(),
            paged: c.paged,
            vendor,
            product,
            version,
            doc_set,
            document: c.document.clone(),
            document_index: self.document_of(ordinal),
            snippet: snippet(&self.tokenizer, &c.text, terms, SNIPPET_CHARS),
        })
    }
}

/// One search pass of a query, built once from its text and filters: it
/// names the files still needed, then gives complete, ordered results
/// (hits with display data, scores and the same passage in other
/// versions). A page loops plan → fetch → results:
///
/// ```
/// # use mcdewey_search_core::*;
/// # let files = build_index(vec![ChunkInput { id: "a".into(), text: "start recording now".into(), ..Default::default() }], &BuildOptions::default()).unwrap();
/// # let get = |p: &str| files.iter().find(|(q, _)| q == p).unwrap().1.clone();
/// let mut index = Index::open(&get("manifest.bin")).unwrap();
/// let mut pass = Pass::new(parse_query("recor", Filters::default()));
/// loop {
///     let need = pass.plan(&index);
///     if need.is_empty() { break; }
///     for path in need { index.add_file(&path, &get(&path)).unwrap(); }
/// }
/// let results = pass.results(&index).unwrap();
/// assert_eq!(results.hits[0].hit.snippet.text, "start recording now");
/// ```
///
/// The ranking is kept until a file that can change it is added, so the
/// plan that names the hits' fragments and the results rank once.
#[derive(Debug, Clone)]
pub struct Pass {
    query: Query,
    ranked: Option<Ranked>,
}

#[derive(Debug, Clone)]
struct Ranked {
    /// [`Index::ranking_files`] when ranked.
    files: u64,
    /// Every result; folded into hits as twin blocks arrive.
    ranking: Ranking,
    terms: HashSet<String>,
}

/// Results of a [`Pass`], best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub hits: Vec<Found>,
    /// See [`crate::SearchResult::total`].
    pub total: u32,
    pub facets: FacetCounts,
    /// See [`crate::SearchResult::phrases_relaxed`].
    pub phrases_relaxed: bool,
    /// Semantic scores are blended in (see [`Index::semantic_ready`]).
    pub semantic: bool,
}

/// One result of a [`Pass`].
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub hit: Hit,
    pub score: f32,
    /// Matching chunks with the same text in other versions, ascending
    /// (see [`crate::SearchResult::also`]); [`Index::version_of`] names them.
    pub also: Vec<u32>,
}

impl Pass {
    pub fn new(query: Query) -> Pass {
        Pass {
            query,
            ranked: None,
        }
    }

    pub fn query(&self) -> &Query {
        &self.query
    }

    /// Turns semantic ranking on or off for the next plan and results: a
    /// page shows lexical results first, then the blended ones.
    pub fn set_semantic(&mut self, on: bool) {
        if self.query.semantic != on {
            self.query.semantic = on;
            self.ranked = None;
        }
    }

    /// Files still needed, fetched in parallel before calling again: the
    /// query's term and position shards with the semantic files (when
    /// semantic is on) and the document blocks of a document filter; then
    /// the twin blocks of the best results (in an index with passages
    /// shared by versions); then the fragments of the hits. Empty when
    /// [`Pass::results`] can answer.
    pub fn plan(&mut self, index: &Index) -> Vec<String> {
        let mut need = index.plan_ranking(&self.query);
        need.extend(index.plan_semantic(&self.query));
        if !need.is_empty() {
            return need;
        }
        let limit = self.query.limit;
        match self.rank(index).map(|r| index.fold(&r.ranking, limit)) {
            Ok(Ok(r)) => {
                let ords: Vec<u32> = r.hits.iter().map(|h| h.ordinal).collect();
                index.fragments_for(&ords)
            }
            Ok(Err(SearchError::NotLoaded(paths))) => paths,
            // Nothing more to fetch; `results` reports the error.
            _ => Vec::new(),
        }
    }

    /// The ranked hits with their display data, once [`Pass::plan`] is
    /// empty. Semantic files that are missing make a lexical ranking, not
    /// an error.
    pub fn results(&mut self, index: &Index) -> Result<Results, SearchError> {
        let semantic = index.semantic_ready(&self.query);
        let limit = self.query.limit;
        let r = self.rank(index)?;
        let result = index.fold(&r.ranking, limit)?;
        let hits = result
            .hits
            .iter()
            .zip(&result.also)
            .map(|(s, also)| {
                Ok(Found {
                    hit: index.hit_with_terms(s.ordinal, &r.terms)?,
                    score: s.score,
                    also: also.clone(),
                })
            })
            .collect::<Result<Vec<_>, SearchError>>()?;
        Ok(Results {
            hits,
            total: result.total,
            facets: result.facets,
            phrases_relaxed: result.phrases_relaxed,
            semantic,
        })
    }

    fn rank(&mut self, index: &Index) -> Result<&Ranked, SearchError> {
        let fresh = self
            .ranked
            .as_ref()
            .is_some_and(|r| r.files == index.ranking_files);
        if !fresh {
            let mut terms = HashSet::new();
            let ranking = index.rank_collecting(&self.query, Some(&mut terms))?;
            self.ranked = Some(Ranked {
                files: index.ranking_files,
                ranking,
                terms,
            });
        }
        Ok(self.ranked.as_ref().expect("ranked above"))
    }
}
