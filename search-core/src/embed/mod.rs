//! Semantic search: a static embedding model (one vector per WordPiece
//! token, distilled from a sentence-transformer by `tools/distill`, or
//! imported from a ready-made SentencePiece table by
//! `examples/import_static.rs`), its tokenizer, and the vector files of
//! the index.
//!
//! A text's vector is the normalised sum of its tokens' rows. The model
//! file format is described in [`model`]; the index files in the crate
//! README ("Semantic search").

pub mod align;
#[cfg(feature = "teacher")]
pub mod bert;
pub mod kmeans;
pub mod model;
pub mod vectors;
pub mod wordpiece;

pub use model::{
    dot, embed_ids, fingerprint, normalize, Model, ModelInfo, Quantization, MAX_DIMS, MODEL_MAGIC,
    MODEL_VERSION,
};
pub use vectors::{SemanticSettings, VectorEncoding};
pub use wordpiece::{basic_words, wordpiece_form, Vocab, MAX_WORD_CHARS};
