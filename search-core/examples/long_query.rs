//! Cost of very long queries through search-core (as `mcdewey search` runs
//! them, with no bound on length): distinct words from the site's own pages,
//! 10,000 to 80,000 of them. Time per word should stay flat (linear
//! analysis); `/mcp` refuses such queries before any work.
//!
//! cargo run -p mcdewey-search-core --example long_query -- SITE

use mcdewey_search_core::{parse_query, Filters, FormatError, Index, MANIFEST_PATH};
use std::time::Instant;

fn load_index(site: &std::path::Path) -> Index {
    let dir = site.join("_search");
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let mut index = Index::open(&read(MANIFEST_PATH)).expect("a McDewey index");
    index
        .add_all(|p| Ok::<_, FormatError>(read(p)))
        .expect("index file");
    index
}

fn main() {
    let site = std::env::args().nth(1).expect("usage: long_query SITE");
    let site = std::path::Path::new(&site);
    let index = load_index(site);
    // Words as they appear in the pages, first occurrence order.
    let mut seen = std::collections::HashSet::new();
    let mut words = Vec::new();
    let mut stack = vec![site.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "md") && words.len() < 80_000 {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for w in text.split(|c: char| !c.is_alphanumeric()) {
                    if w.len() >= 3 && seen.insert(w.to_string()) {
                        words.push(w.to_string());
                    }
                }
            }
        }
    }
    // Too few distinct words: repeat them with a suffix, still distinct.
    let mut i = 0;
    while words.len() < 80_000 {
        words.push(format!("{}{}", words[i % words.len().max(1)], i));
        i += 1;
    }
    // Shuffled (fixed seed) so every prefix has the same mix of known and
    // unknown words: time per word then compares like with like.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for i in (1..words.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        words.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    println!(
        "{:>7} {:>9} {:>10} {:>8}",
        "words", "bytes", "ms", "µs/word"
    );
    for n in [10_000, 20_000, 40_000, 80_000] {
        let q = words[..n].join(" ") + " ";
        let query = parse_query(&q, Filters::default());
        let t = Instant::now();
        let r = index.search(&query).expect("search");
        let ms = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "{n:>7} {:>9} {ms:>10.1} {:>8.2}   ({} results)",
            q.len(),
            ms * 1e3 / n as f64,
            r.total
        );
    }
}
