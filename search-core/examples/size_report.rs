//! Index size and cold-query download cost on a synthetic documentation
//! site (default 3,000 documents × 10 chunks = 30,000 chunks).
//!
//! Usage: cargo run --release -p mcdewey-search-core --example size_report [DOCS] [CHUNKS_PER_DOC]

mod synth;

use std::collections::HashMap;

use mcdewey_search_core::{
    build_index, parse_query, BuildOptions, ChunkInput, Filters, Index, MANIFEST_PATH,
};
use synth::Rng;

type Files = HashMap<String, Vec<u8>>;

/// Bytes and request rounds of one cold query: manifest, planned shards,
/// fragments of the top 10.
fn cold(files: &Files, text: &str) -> (usize, usize, usize) {
    let manifest = &files[MANIFEST_PATH];
    let mut bytes = manifest.len();
    let mut rounds = 1;
    let mut index = Index::open(manifest).expect("manifest");
    let q = parse_query(text, Filters::default());
    loop {
        let need = index.plan(&q);
        if need.is_empty() {
            break;
        }
        rounds += 1;
        for p in need {
            bytes += files[&p].len();
            index.add_file(&p, &files[&p]).expect("file");
        }
    }
    let r = index.search(&q).expect("search");
    let ords: Vec<u32> = r.hits.iter().map(|h| h.ordinal).collect();
    let frags = index.fragments_for(&ords);
    if !frags.is_empty() {
        rounds += 1;
    }
    for p in frags {
        bytes += files[&p].len();
        index.add_file(&p, &files[&p]).expect("fragment");
    }
    for &o in &ords {
        index.hit(o, &q).expect("hit");
    }
    (bytes, rounds, r.total as usize)
}

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c == '.')
        .filter(|w| w.len() > 3 && w.chars().all(|c| c.is_ascii_lowercase()))
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let docs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3000);
    let per_doc: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let chunks: Vec<ChunkInput> = synth::generate(docs, per_doc, 7);
    let text_bytes: usize = chunks.iter().map(|c| c.text.len()).sum();
    let t = std::time::Instant::now();
    let files: Files = build_index(chunks.clone(), &BuildOptions::default())
        .expect("build")
        .into_iter()
        .collect();
    let build_time = t.elapsed();
    // Optionally write the files out (to measure e.g. gzip ratios).
    if let Ok(dir) = std::env::var("MCDEWEY_DUMP") {
        for (p, b) in &files {
            let path = std::path::Path::new(&dir).join(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, b).expect("write");
        }
    }

    let mut by_kind: HashMap<&str, (usize, usize, usize)> = HashMap::new();
    for (p, b) in &files {
        let k = match p.split('/').next().unwrap() {
            "t" => "term shards (t/)",
            "p" => "position shards (p/)",
            "f" => "fragments (f/)",
            _ => p.as_str(),
        };
        let e = by_kind.entry(k).or_default();
        e.0 += 1;
        e.1 += b.len();
        e.2 = e.2.max(b.len());
    }
    println!(
        "corpus: {} chunks in {docs} documents, {:.1} MB of chunk text; build {:.1?}",
        chunks.len(),
        text_bytes as f64 / 1e6,
        build_time
    );
    let mut kinds: Vec<_> = by_kind.into_iter().collect();
    kinds.sort();
    println!(
        "{:<22} {:>7} {:>12} {:>10} {:>10}",
        "files", "count", "total KB", "avg KB", "max KB"
    );
    for (k, (n, total, max)) in kinds {
        println!(
            "{k:<22} {n:>7} {:>12.1} {:>10.2} {:>10.1}",
            total as f64 / 1024.0,
            total as f64 / 1024.0 / n as f64,
            max as f64 / 1024.0
        );
    }

    // Query mixes a user would type, drawn from the corpus itself.
    let mut rng = Rng::new(99);
    let mut mixes: Vec<(&str, Vec<String>)> = vec![
        ("2 topic words", vec![]),
        ("frequent + topic word", vec![]),
        ("typing (prefix)", vec![]),
        ("phrase", vec![]),
        ("identifier", vec![]),
        ("typo", vec![]),
        ("4-word question", vec![]),
    ];
    let common = synth::Corpus::new(40_000, &mut Rng::new(7)).words;
    for _ in 0..25 {
        let c = &chunks[rng.below(chunks.len())];
        let t = words(&c.title);
        let w = words(&c.text);
        let pick = |rng: &mut Rng, v: &[&str]| v[rng.below(v.len())].to_string();
        mixes[0]
            .1
            .push(format!("{} {} ", pick(&mut rng, &t), pick(&mut rng, &t)));
        mixes[1].1.push(format!(
            "{} {} ",
            common[5 + rng.below(40)],
            pick(&mut rng, &t)
        ));
        let tw = pick(&mut rng, &t);
        mixes[2]
            .1
            .push(format!("{} {}", pick(&mut rng, &t), &tw[..4.min(tw.len())]));
        let i = rng.below(w.len().saturating_sub(1));
        mixes[3].1.push(format!("\"{} {}\"", w[i], w[i + 1]));
        let id = c
            .text
            .split_whitespace()
            .find(|x| x.contains('_') || x.starts_with('E') || x.contains('('))
            .unwrap_or("E0001")
            .trim_end_matches('.');
        mixes[4].1.push(format!("{id} "));
        let mut typo = pick(&mut rng, &t);
        typo.remove(typo.len() / 2);
        mixes[5].1.push(format!("{typo} "));
        mixes[6].1.push(format!(
            "how to {} the {} {} ",
            pick(&mut rng, &w),
            pick(&mut rng, &t),
            pick(&mut rng, &w)
        ));
    }
    println!(
        "\ncold query download (manifest {:.1} KB + shards + top-10 fragments), 25 queries each:",
        files[MANIFEST_PATH].len() as f64 / 1024.0
    );
    println!(
        "{:<24} {:>10} {:>10} {:>8} {:>11}  example",
        "query mix", "avg KB", "max KB", "rounds", "avg hits"
    );
    let mut worst = 0;
    for (name, qs) in &mixes {
        let res: Vec<(usize, usize, usize)> = qs.iter().map(|q| cold(&files, q)).collect();
        let avg = res.iter().map(|r| r.0).sum::<usize>() as f64 / res.len() as f64;
        let max = res.iter().map(|r| r.0).max().unwrap_or(0);
        let rounds = res.iter().map(|r| r.1).max().unwrap_or(0);
        let hits = res.iter().map(|r| r.2).sum::<usize>() as f64 / res.len() as f64;
        worst = worst.max(max);
        println!(
            "{name:<24} {:>10.1} {:>10.1} {:>8} {:>11.0}  {}",
            avg / 1024.0,
            max as f64 / 1024.0,
            rounds,
            hits,
            qs[0]
        );
    }
    println!("\nworst cold query: {:.1} KB", worst as f64 / 1024.0);
}
