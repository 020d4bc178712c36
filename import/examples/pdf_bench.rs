//! The PDF importer on every PDF of the shared corpora: pages in/out,
//! printed labels, per-page word fidelity against poppler's `pdftotext`
//! (min, mean, share of pages at 97% or more, pages under 90% and how many
//! of those a warning names), fenced code blocks, warnings and time.
//! Prints a table and writes it to `bench/results/pdf-import.tsv`.
//!
//! ```text
//! cargo run --release -p mcdewey-import --example pdf_bench [-- FILTER] [--out=FILE]
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::time::Instant;

use mcdewey_import::{pdf_to_markdown, PdfOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filter = args.iter().find(|a| !a.starts_with("--")).cloned();
    let out_path = args
        .iter()
        .find_map(|a| a.strip_prefix("--out="))
        .map(String::from)
        .unwrap_or_else(|| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../bench/results/pdf-import.tsv"
            )
            .to_string()
        });
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let poppler = common::have_pdftotext();
    if !poppler {
        println!("note: pdftotext not found (Debian poppler-utils), fidelity not measured");
    }
    let corpora = shared.join("corpora");
    let mut tsv = String::from(
        "pdf\tpages_in\tpages_out\tlabels\tfid_min\tfid_mean\tshare_ge_97\tpages_lt_90\tlt_90_warned\tcode_blocks\twarnings\tms\n",
    );
    println!(
        "{:<52} {:>5} {:>5} {:>14} {:>7} {:>7} {:>6} {:>9} {:>5} {:>5} {:>7}",
        "pdf", "in", "out", "labels", "min", "mean", ">=97%", "<90%(w)", "code", "warn", "ms"
    );
    for pdf in common::find_pdfs(&corpora.join("pdf")) {
        let rel = pdf
            .strip_prefix(corpora.join("pdf"))
            .unwrap_or(&pdf)
            .display()
            .to_string();
        if filter.as_ref().is_some_and(|f| !rel.contains(f.as_str())) {
            continue;
        }
        let bytes = std::fs::read(&pdf).expect("read pdf");
        let name = pdf.file_name().unwrap().to_string_lossy().to_string();
        let t = Instant::now();
        let imp = match pdf_to_markdown(&bytes, &name, &PdfOptions::default()) {
            Ok(i) => i,
            Err(e) => {
                println!("{rel:<52} error: {e}");
                let _ = writeln!(tsv, "{rel}\terror: {e}");
                continue;
            }
        };
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let labels: Vec<&str> = imp
            .pages
            .iter()
            .filter_map(|p| p.label.as_deref())
            .collect();
        let labels = match (labels.first(), labels.last()) {
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => "-".to_string(),
        };
        let code_blocks = imp
            .doc
            .markdown
            .lines()
            .filter(|l| l.starts_with("```") || l.starts_with("~~~"))
            .count()
            / 2;
        let fid = if poppler {
            let stripped: Vec<Vec<String>> = imp.pages.iter().map(|p| p.stripped.clone()).collect();
            common::pdftotext_pages(&pdf)
                .and_then(|pp| common::fidelity(&imp.doc.markdown, &stripped, &pp))
        } else {
            None
        };
        let (fmin, fmean, share, low, warned) = match &fid {
            Some(f) => {
                let good = f.pages.iter().filter(|p| p.1 >= 0.97).count();
                let low: Vec<u32> = f.pages.iter().filter(|p| p.1 < 0.9).map(|p| p.0).collect();
                let warned = low
                    .iter()
                    .filter(|&&p| imp.doc.warnings.iter().any(|w| w.page == Some(p)))
                    .count();
                (
                    format!("{:.1}%", f.min * 100.0),
                    format!("{:.2}%", f.mean * 100.0),
                    format!("{:.1}%", 100.0 * good as f64 / f.pages.len() as f64),
                    low.len().to_string(),
                    warned.to_string(),
                )
            }
            None => ("-".into(), "-".into(), "-".into(), "-".into(), "-".into()),
        };
        println!(
            "{:<52} {:>5} {:>5} {:>14} {:>7} {:>7} {:>6} {:>9} {:>5} {:>5} {:>7.0}",
            rel,
            imp.pages_in,
            imp.pages_out,
            labels,
            fmin,
            fmean,
            share,
            format!("{low}({warned})"),
            code_blocks,
            imp.doc.warnings.len(),
            ms
        );
        let _ = writeln!(
            tsv,
            "{rel}\t{}\t{}\t{labels}\t{fmin}\t{fmean}\t{share}\t{low}\t{warned}\t{code_blocks}\t{}\t{ms:.0}",
            imp.pages_in,
            imp.pages_out,
            imp.doc.warnings.len()
        );
    }
    if filter.is_none() {
        match std::fs::write(&out_path, tsv) {
            Ok(()) => println!("written: {out_path}"),
            Err(e) => eprintln!("cannot write {out_path}: {e}"),
        }
    }
}
