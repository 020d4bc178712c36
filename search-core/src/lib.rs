//! McDewey's search core: the index format (writer, reader, byte layout), the
//! tokenizer and the ranking. Pure Rust: no file or network I/O, no wasm-bindgen,
//! so the browser engine and the `/mcp` server run exactly the same code.
//!
//! # Building
//!
//! ```
//! use mcdewey_search_core::{build_index, BuildOptions, ChunkInput};
//! let chunks = vec![ChunkInput {
//!     id: "guide#1".into(),
//!     url: "/acme/guide.html#1".into(),
//!     title: "Recording Guide".into(),
//!     vendor: "Acme".into(),
//!     product: "Rocket".into(),
//!     version: "1.0".into(),
//!     doc_set: "Guides".into(),
//!     document: "guide".into(),
//!     text: "Call START_RECORDING to begin.".into(),
//!     ..Default::default()
//! }];
//! let files = build_index(chunks, &BuildOptions::default()).unwrap();
//! assert!(files.iter().any(|(path, _)| path == "manifest.bin"));
//! ```
//!
//! # Searching: plan → fetch → execute
//!
//! The browser fetches `manifest.bin`, opens it, builds a [`Pass`] from
//! the query and its filters (a [`FilterSet`]: a union of scopes), and
//! loops: ask [`Pass::plan`] which files are still needed (term shards,
//! semantic files and the document blocks of a document filter, then the
//! twin blocks of the best results, then the fragments of the hits), fetch them in
//! parallel, [`Index::add_file`] each, until the plan is empty. Then
//! [`Pass::results`] gives the ordered hits with display data, scores and
//! the same passage in other versions. The same steps one by one:
//! [`Index::plan`], [`Index::search`], [`Index::fragments_for`] and
//! [`Index::hit`]. A server either adds every file, asking
//! [`Index::files_to_load`] until it names none (fragment files are named
//! once the twin blocks are in; [`Index::add_all`] runs that loop), and
//! shares the index (`Index: Send + Sync`),
//! or runs the same loop against a bounded cache: [`Index::files_for`]
//! names the files a query read (to keep them as recently used) and
//! [`Index::forget_file`] drops one, which a later plan names again.
//!
//! ```
//! # use mcdewey_search_core::*;
//! # let files = build_index(vec![ChunkInput { id: "a".into(), text: "start recording now".into(), ..Default::default() }], &BuildOptions::default()).unwrap();
//! let get = |p: &str| files.iter().find(|(q, _)| q == p).unwrap().1.clone();
//! let mut index = Index::open(&get("manifest.bin")).unwrap();
//! let query = parse_query("recor", Filters::default());
//! loop {
//!     let need = index.plan(&query);
//!     if need.is_empty() { break; }
//!     for path in need { index.add_file(&path, &get(&path)).unwrap(); }
//! }
//! let result = index.search(&query).unwrap();
//! let ords: Vec<u32> = result.hits.iter().map(|h| h.ordinal).collect();
//! for path in index.fragments_for(&ords) { index.add_file(&path, &get(&path)).unwrap(); }
//! let hit = index.hit(ords[0], &query).unwrap();
//! assert_eq!(hit.snippet.text, "start recording now");
//! assert_eq!(hit.snippet.highlights, vec![(6, 15)]);
//! ```
//!
//! The byte layout of every file is specified in `README.md`.

mod analysis;
mod build;
pub mod codec;
mod directory;
mod docblock;
pub mod embed;
mod error;
pub mod eval;
mod fragment;
mod hash;
mod index;
mod input;
mod layout;
mod manifest;
pub mod names;
mod order;
pub mod pairs;
mod par;
mod prior;
mod query;
mod result;
mod shard;
mod snippet;
pub mod spill;
pub mod synonyms;
pub mod tokenize;
mod twins;

pub use analysis::{AnalysisCache, AnalysisCounts};
pub use build::embedding_text;
pub use build::{
    build_index, build_index_to, build_index_to_cached, BuildOptions, ChunkInput, IndexFiles,
    SemanticOptions, TeacherVectors, CENTROIDS_PATH, DEFAULT_BLOCK_CHUNKS, DEFAULT_COPY_GROUP,
    DEFAULT_INLINK_PRIOR, DEFAULT_MEMORY_BUDGET, DEFAULT_SEMANTIC_WEIGHT, INLINKS_CAP,
    MANIFEST_PATH, VOCAB_PATH,
};
pub use embed::{Model, ModelInfo, Quantization, VectorEncoding};
pub use error::{BuildError, FormatError, SearchError};
pub use fragment::DocumentInfo;
pub use index::{shape_weight, Found, Index, Pass, Results, SHAPE_FACTORS};
pub use layout::is_fragment_path;
pub use manifest::{FieldParams, RankingParams};
pub use order::TermSet;
pub use query::{
    is_phrasing_word, parse_query, FilterSet, Filters, Query, QueryShape, DEFAULT_LIMIT,
};
pub use result::{
    FacetCounts, FacetKind, FacetNode, Facets, Hit, PostingsView, ScoredChunk, SearchResult,
};
pub use snippet::{snippet, utf16_ranges, Snippet, SNIPPET_CHARS};
pub use spill::{MemorySpill, SpillId, SpillStore};
pub use tokenize::{Term, TermKind, Tokenizer, TokenizerSettings, Word};

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn index_is_send_and_sync() {
        assert_send_sync::<crate::Index>();
    }
}
