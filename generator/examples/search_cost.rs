//! In-process cost of the `/mcp` search tool, per query, without HTTP: how
//! much of a request is search-core ranking and how much is building the
//! hits (snippets, citations).
//!
//! cargo run --release -p mcdewey --example search_cost -- SITE [ROUNDS [QUERY_FILTER]]

use mcdewey::serve::library::Library;
use mcdewey::serve::mcp::tools::{self, SearchArgs};
use mcdewey_search_core::{parse_query, Filters};
use std::time::Instant;

#[path = "common/queries.rs"]
mod queries;

fn main() {
    let mut args = std::env::args().skip(1);
    let site = args
        .next()
        .expect("usage: search_cost SITE [ROUNDS [QUERY_FILTER]]");
    let rounds: usize = args.next().map_or(50, |r| r.parse().expect("ROUNDS"));
    // Only queries containing this text (for profiling one query).
    let only = args.next().unwrap_or_default();
    let lib = Library::load(site.as_ref()).expect("a built site");
    let mut total_tool = 0f64;
    let mut total_core = 0f64;
    println!("{:>9} {:>9}  query", "tool µs", "core µs");
    for &(q, version) in queries::QUERIES.iter().filter(|(q, _)| q.contains(&only)) {
        let args = SearchArgs {
            query: q.to_string(),
            vendor: None,
            product: None,
            version: version.map(str::to_string),
            doc_set: None,
            document: None,
            limit: None,
            cursor: None,
        };
        tools::search(&lib, &args).expect("search");
        let t = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(tools::search(&lib, &args).expect("search"));
        }
        let tool = t.elapsed().as_secs_f64() * 1e6 / rounds as f64;
        let query = parse_query(q, Filters::default());
        let t = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(lib.with_index(|i| i.search(&query)).expect("search"));
        }
        let core = t.elapsed().as_secs_f64() * 1e6 / rounds as f64;
        total_tool += tool;
        total_core += core;
        println!(
            "{tool:>9.0} {core:>9.0}  {q}{}",
            version
                .map(|v| format!(" (version {v})"))
                .unwrap_or_default()
        );
    }
    let n = queries::QUERIES
        .iter()
        .filter(|(q, _)| q.contains(&only))
        .count() as f64;
    println!(
        "mean: tool {:.0} µs, search-core alone (all versions) {:.0} µs",
        total_tool / n,
        total_core / n
    );
}
