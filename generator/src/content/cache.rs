//! Documents parsed by earlier loads of the same process (`serve --watch`).

use super::{Document, LoadOptions};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Documents parsed by earlier loads, by a digest of all that parsing reads
/// (the text, the document's place and the chunking options): an unchanged
/// file is not parsed again. Each document keeps the warnings its parse
/// gave, so a load from the cache reports the same diagnostics.
type Warnings = Vec<(Option<usize>, String)>;

#[derive(Debug)]
struct Entry {
    doc: Document,
    warnings: Warnings,
    /// Whether the current load asked for it.
    used: bool,
}

#[derive(Debug, Default)]
pub struct ParseCache {
    entries: Mutex<HashMap<[u8; 32], Entry>>,
    /// Lookups of the current load that found a document / did not.
    hits: AtomicUsize,
    misses: AtomicUsize,
}

impl ParseCache {
    pub(super) fn key(doc: &str, source: &str, text: &str, opts: &LoadOptions) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let chunking = format!("{:?}", opts.chunking);
        for part in [doc, source, &chunking, text] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    }

    /// The document parsed from the same input, and the warnings its parse
    /// gave.
    pub(super) fn get(&self, key: &[u8; 32]) -> Option<(Document, Warnings)> {
        let mut entries = self.entries.lock().expect("parse cache");
        let Some(e) = entries.get_mut(key) else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        e.used = true;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some((e.doc.clone(), e.warnings.clone()))
    }

    pub(super) fn insert(&self, key: [u8; 32], doc: &Document, warnings: Warnings) {
        let mut entries = self.entries.lock().expect("parse cache");
        let doc = doc.clone();
        entries.insert(
            key,
            Entry {
                doc,
                warnings,
                used: true,
            },
        );
    }

    /// Forgets what the last load did not use (deleted or edited files).
    pub(super) fn sweep(&self) {
        let mut entries = self.entries.lock().expect("parse cache");
        entries.retain(|_, e| std::mem::take(&mut e.used));
    }

    /// Documents taken from the cache and documents parsed since the last
    /// call.
    pub fn take_counts(&self) -> (usize, usize) {
        (
            self.hits.swap(0, Ordering::Relaxed),
            self.misses.swap(0, Ordering::Relaxed),
        )
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("parse cache").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
