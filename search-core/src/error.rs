//! Error types. Readers never panic on bad bytes: every failure is one of these.

use thiserror::Error;

/// Something is wrong with the bytes of an index file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormatError {
    #[error("not a McDewey index file (bad magic bytes)")]
    BadMagic,
    #[error("unsupported index format version {found} (this reader supports {supported})")]
    UnsupportedVersion { found: u16, supported: u16 },
    #[error("file ends early")]
    Truncated,
    #[error("checksum mismatch: the file is corrupted")]
    Checksum,
    #[error("expected a {expected} file, found kind {found}")]
    WrongKind { expected: &'static str, found: u8 },
    #[error(
        "file belongs to another build of the index (build {found:08x}, manifest {expected:08x})"
    )]
    BuildMismatch { expected: u32, found: u32 },
    #[error("unknown required section {0} (written by a newer McDewey?)")]
    UnknownRequiredSection(u16),
    #[error("required section {0} is missing")]
    MissingSection(u16),
    #[error("gzip-wrapped file: decompress it first (see README)")]
    Compressed,
    #[error("unknown index file path \"{0}\"")]
    UnknownFile(String),
    #[error("malformed data: {0}")]
    Malformed(&'static str),
}

/// The input to [`crate::build_index`] cannot be indexed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BuildError {
    #[error("duplicate chunk id \"{0}\"")]
    DuplicateId(String),
    #[error("too many chunks ({0}); an index holds at most {max}", max = crate::layout::MAX_CHUNKS)]
    TooManyChunks(usize),
    #[error("invalid build option: {0}")]
    InvalidOption(&'static str),
    #[error("teacher vectors: {0}")]
    Teacher(String),
    #[error("cannot keep the index being built: {0}")]
    Spill(String),
}

/// A query could not be answered with the files loaded so far.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SearchError {
    /// Fetch these files (as [`crate::Index::plan`] or
    /// [`crate::Index::fragments_for`] would have said) and try again.
    #[error("index files not loaded yet: {}", .0.join(", "))]
    NotLoaded(Vec<String>),
    #[error("no chunk with ordinal {0}")]
    NoSuchChunk(u32),
    #[error(transparent)]
    Format(#[from] FormatError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chunk_limit_message_names_the_enforced_limit() {
        let max = crate::layout::MAX_CHUNKS;
        let msg = BuildError::TooManyChunks(max + 1).to_string();
        assert_eq!(
            msg,
            format!(
                "too many chunks ({}); an index holds at most {max}",
                max + 1
            )
        );
    }
}
