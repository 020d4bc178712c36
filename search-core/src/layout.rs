//! Where each file of an index lives, relative to the index directory,
//! and the limits every reader checks.

/// Largest number of chunks an index may hold; keeps the query-time score
/// array (4 bytes a chunk) bounded even for hostile manifests.
pub const MAX_CHUNKS: usize = 1 << 24;

/// Path of the manifest inside the index directory.
pub const MANIFEST_PATH: &str = "manifest.bin";

pub(crate) fn term_shard_path(i: usize) -> String {
    format!("t/{i}.bin")
}
pub(crate) fn shard_dir_path(j: usize) -> String {
    format!("s/{j}.bin")
}
pub(crate) fn position_shard_path(i: usize) -> String {
    format!("p/{i}.bin")
}
pub(crate) fn fragment_path(i: u32) -> String {
    format!("f/{i}.bin")
}
pub(crate) fn copy_fragment_path(i: u32) -> String {
    format!("c/{i}.bin")
}
/// Whether `path` is a fragment file, own or copy: display data, which an
/// index that only ranks never needs.
pub fn is_fragment_path(path: &str) -> bool {
    path.starts_with("f/") || path.starts_with("c/")
}
pub(crate) fn doc_block_path(k: usize) -> String {
    format!("d/{k}.bin")
}
pub(crate) fn twin_block_path(k: usize) -> String {
    format!("w/{k}.bin")
}
/// Path of the embedding vocabulary (semantic indexes only).
pub const VOCAB_PATH: &str = "e/vocab.bin";
/// Path of the vector partitions' centroids (semantic indexes only).
pub const CENTROIDS_PATH: &str = "e/centroids.bin";
pub(crate) fn token_shard_path(i: usize) -> String {
    format!("e/{i}.bin")
}
pub(crate) fn partition_path(i: usize) -> String {
    format!("v/{i}.bin")
}
