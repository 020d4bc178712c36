//! Imports every HTML doc set under `../shared/corpora/html` and prints one
//! table per set: outcome, files in and documents out (skipped pages and
//! why), documents with text, code kept, boilerplate left, permalink marks
//! in headings, distinct titles, empty table rows and time. Writes the same
//! tables to `bench/results/html-import.md`.
//!
//! ```text
//! cargo run --release -p mcdewey-import --example html_bench [-- FILTER] [--out=FILE] [--dump=DIR]
//! ```
//!
//! `FILTER` keeps sets whose path contains it (and then writes no results
//! file); `--dump=DIR` writes every set's documents below `DIR/vendor/version/`.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/html_metrics/mod.rs"]
mod html_metrics;

use std::fmt::Write as _;
use std::time::Instant;

use mcdewey_import::{html_set_to_markdown, HtmlOptions};

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filter = args.iter().find(|a| !a.starts_with("--")).cloned();
    let out_file = args
        .iter()
        .find_map(|a| a.strip_prefix("--out="))
        .map(str::to_string)
        .unwrap_or_else(|| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../bench/results/html-import.md"
            )
            .to_string()
        });
    let dump = args
        .iter()
        .find_map(|a| a.strip_prefix("--dump="))
        .map(std::path::PathBuf::from);
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let root = shared.join("corpora/html");
    let mut report = String::from(
        "# HTML import on the shared doc sets\n\n\
Written by `cargo run --release -p mcdewey-import --example html_bench`.\n\
Targets: completes; >= 98% documents with >= 20 words; fenced blocks >= 97% of `<pre>`; \
boilerplate (a run of 3 consecutive lines in >= 30% of the documents) in <= 2% of documents; \
0 permalink marks; >= 95% distinct titles; <= 1% empty table rows.\n",
    );
    let mut total = 0.0;
    for dir in html_metrics::find_sets(&root) {
        let rel = dir
            .strip_prefix(&root)
            .unwrap_or(&dir)
            .display()
            .to_string();
        if filter.as_ref().is_some_and(|f| !rel.contains(f.as_str())) {
            continue;
        }
        let files = common::read_tree(&dir);
        let t = Instant::now();
        let result = html_set_to_markdown(&files, &HtmlOptions::default());
        let secs = t.elapsed().as_secs_f64();
        total += secs;
        let mut table = format!("\n## {rel}\n\n| figure | value | target |\n|---|---|---|\n");
        match result {
            Err(e) => {
                let _ = writeln!(table, "| exit | error: {e} | completes |");
            }
            Ok(imp) => {
                if let Some(d) = &dump {
                    for doc in &imp.docs {
                        let p = d.join(&rel).join(&doc.rel_path);
                        std::fs::create_dir_all(p.parent().expect("parent")).expect("dump dir");
                        std::fs::write(&p, &doc.markdown).expect("dump");
                    }
                }
                let f = html_metrics::measure(&files, &imp);
                let row = |t: &mut String, name: &str, value: String, target: &str| {
                    let _ = writeln!(t, "| {name} | {value} | {target} |");
                };
                let status = if f.problems > 0 { 1 } else { 0 };
                row(
                    &mut table,
                    "exit",
                    format!("{status} ({} problems reported)", f.problems),
                    "completes",
                );
                let skipped = f
                    .skipped
                    .iter()
                    .map(|(why, n)| format!("{n} {why}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                row(
                    &mut table,
                    "HTML files in -> documents out",
                    format!(
                        "{} -> {} (skipped {}: {})",
                        f.html_in,
                        f.docs_out,
                        imp.skipped.len(),
                        if skipped.is_empty() { "none" } else { &skipped }
                    ),
                    "",
                );
                row(
                    &mut table,
                    "documents with >= 20 words",
                    format!(
                        "{} ({}/{}); with the {} whose source page is as short: {}",
                        pct(f.text_share()),
                        f.with_text,
                        f.docs_out,
                        f.short_in_source,
                        pct(f.text_share_fair())
                    ),
                    ">= 98%",
                );
                row(
                    &mut table,
                    "fenced blocks out / <pre> in",
                    format!("{} ({}/{})", pct(f.code_share()), f.fences_out, f.pre_in),
                    ">= 97%",
                );
                row(
                    &mut table,
                    "documents with boilerplate",
                    format!(
                        "{} ({}/{})",
                        pct(f.boilerplate_share()),
                        f.boilerplate_docs,
                        f.docs_out
                    ),
                    "<= 2%",
                );
                row(
                    &mut table,
                    "headings with permalink marks",
                    format!("{} of {}", f.permalink_headings, f.headings),
                    "0",
                );
                row(
                    &mut table,
                    "distinct titles",
                    format!(
                        "{} ({}/{})",
                        pct(f.title_share()),
                        f.distinct_titles,
                        f.docs_out
                    ),
                    ">= 95%",
                );
                row(
                    &mut table,
                    "empty table rows",
                    format!(
                        "{} ({}/{})",
                        pct(f.empty_row_share()),
                        f.empty_table_rows,
                        f.table_rows
                    ),
                    "<= 1%",
                );
                row(&mut table, "time", format!("{secs:.2} s"), "");
                if let Some((n, run)) = &f.boilerplate_example {
                    let _ = writeln!(
                        table,
                        "\nMost repeated 3-line run ({n} documents): `{}`",
                        run.replace('\n', " ⏎ ").replace('`', "'")
                    );
                }
            }
        }
        print!("{table}");
        report.push_str(&table);
    }
    let _ = writeln!(report, "\nTotal import time: {total:.2} s");
    println!("\nTotal import time: {total:.2} s");
    if filter.is_none() {
        match std::fs::write(&out_file, &report) {
            Ok(()) => println!("written to {out_file}"),
            Err(e) => eprintln!("cannot write {out_file}: {e}"),
        }
    }
}
