//! The memory budget of the index writer: however small, the index is the
//! same bytes, and everything it kept in the store is read back.

#[path = "compat/input.rs"]
mod input;

use mcdewey_search_core::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A memory store that counts what passes through it.
#[derive(Default)]
struct Counting {
    inner: MemorySpill,
    put: AtomicUsize,
    taken: AtomicUsize,
}

impl SpillStore for Counting {
    fn put(&self, bytes: Vec<u8>) -> Result<SpillId, String> {
        self.put.fetch_add(1, Ordering::Relaxed);
        self.inner.put(bytes)
    }
    fn take(&self, id: SpillId) -> Result<Vec<u8>, String> {
        self.taken.fetch_add(1, Ordering::Relaxed);
        self.inner.take(id)
    }
}

/// The fixture's chunks, each repeated as another document so terms recur
/// across many runs.
fn chunks() -> Vec<ChunkInput> {
    let base = input::chunks();
    (0..6)
        .flat_map(|copy| {
            base.iter().cloned().map(move |mut c| {
                c.id = format!("{}~{copy}", c.id);
                c.document = format!("{}-{copy}", c.document);
                c
            })
        })
        .collect()
}

#[test]
fn every_memory_budget_writes_the_same_index() {
    let reference = build_index(chunks(), &input::options()).unwrap();
    let mut runs_seen = Vec::new();
    for budget in [1, 64, 700, 4096, 1 << 20] {
        let opts = BuildOptions {
            memory_budget: budget,
            ..input::options()
        };
        let store = Counting::default();
        let mut files = Vec::new();
        build_index_to(chunks(), &opts, &store, |path, bytes| {
            files.push((path, bytes));
            Ok::<_, BuildError>(())
        })
        .unwrap();
        assert!(files == reference, "budget {budget} changes the index");
        let (put, taken) = (store.put.into_inner(), store.taken.into_inner());
        assert_eq!(
            put, taken,
            "budget {budget}: every stored blob is read back once"
        );
        runs_seen.push(put);
    }
    // Smaller budgets spill more: the smallest stores far more blobs (runs'
    // pages) than the largest, which stores only the files themselves.
    assert!(runs_seen[0] > runs_seen[4] + 10, "{runs_seen:?}");
}
