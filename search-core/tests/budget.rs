//! Download budget of cold queries on a synthetic documentation site
//! (smaller than the 30,000-chunk report of `examples/size_report.rs` so it
//! runs in debug builds; per-query costs depend little on corpus size).

#[path = "../examples/synth/mod.rs"]
mod synth;

use std::collections::HashMap;

use mcdewey_search_core::*;

#[test]
fn cold_queries_stay_within_budget() {
    let chunks = synth::generate(400, 10, 3);
    let files: HashMap<String, Vec<u8>> = build_index(chunks.clone(), &BuildOptions::default())
        .unwrap()
        .into_iter()
        .collect();
    let mut rng = synth::Rng::new(5);
    for _ in 0..20 {
        let c = &chunks[rng.below(chunks.len())];
        let words: Vec<&str> = c.title.split(' ').collect();
        let text = format!("{} {}", words[0], &words[1][..3]);
        let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
        let q = parse_query(&text, Filters::default());
        let mut bytes = files[MANIFEST_PATH].len();
        let mut rounds = 1;
        loop {
            let need = index.plan(&q);
            if need.is_empty() {
                break;
            }
            rounds += 1;
            for p in need {
                bytes += files[&p].len();
                index.add_file(&p, &files[&p]).unwrap();
            }
        }
        let r = index.search(&q).unwrap();
        assert!(!r.hits.is_empty(), "{text}");
        let ords: Vec<u32> = r.hits.iter().map(|h| h.ordinal).collect();
        let frags = index.fragments_for(&ords);
        assert!(frags.len() <= 10);
        rounds += 1;
        for p in frags {
            bytes += files[&p].len();
            index.add_file(&p, &files[&p]).unwrap();
        }
        // The chunk the words came from is among the results' documents.
        let hits: Vec<Hit> = ords.iter().map(|&o| index.hit(o, &q).unwrap()).collect();
        assert!(hits.iter().any(|h| h.title == c.title), "{text}");
        // Manifest, term shards, fragments; plus the shard table's
        // directory blocks when the manifest does not hold it whole.
        let dirs = files.keys().any(|p| p.starts_with("s/"));
        assert!(rounds <= 3 + usize::from(dirs), "{text}: {rounds} rounds");
        assert!(bytes < 100 * 1024, "{text}: {bytes} bytes");
    }
}
