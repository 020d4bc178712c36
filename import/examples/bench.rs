//! Imports every shared corpus and prints one table row per set: input
//! pages/files, output pages/documents, time, fidelity against poppler's
//! `pdftotext` (PDFs), and warnings.
//!
//! ```text
//! cargo run --release -p mcdewey-import --example bench [-- FILTER] [--pages]
//! ```
//!
//! `FILTER` keeps sets whose path contains it; `--pages` lists the five
//! worst pages per PDF.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use mcdewey_import::{html_set_to_markdown, pdf_to_markdown, HtmlOptions, PdfOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_pages = args.iter().any(|a| a == "--pages");
    // --diff=N prints poppler's words that page N of our output lacks.
    let diff_page: Option<usize> = args
        .iter()
        .find_map(|a| a.strip_prefix("--diff="))
        .and_then(|n| n.parse().ok());
    let filter = args.iter().find(|a| !a.starts_with("--")).cloned();
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let poppler = common::have_pdftotext();
    if !poppler {
        println!("note: pdftotext not found, fidelity not measured");
    }
    let corpora = shared.join("corpora");

    println!(
        "{:<58} {:>6} {:>6} {:>8} {:>8} {:>7} {:>7} {:>5}",
        "set", "in", "out", "ms", "pages/s", "fid.min", "fid.avg", "warn"
    );
    let mut pdfs = common::find_pdfs(&corpora.join("pdf"));
    pdfs.extend(common::find_pdfs(&corpora.join("sample-library/pdf")));
    for pdf in pdfs {
        let rel = pdf
            .strip_prefix(&corpora)
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
                println!("{rel:<58} error: {e}");
                continue;
            }
        };
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let fid = if poppler {
            let stripped: Vec<Vec<String>> = imp.pages.iter().map(|p| p.stripped.clone()).collect();
            common::pdftotext_pages(&pdf)
                .and_then(|pp| common::fidelity(&imp.doc.markdown, &stripped, &pp))
        } else {
            None
        };
        let (fmin, favg) = fid.as_ref().map_or(("-".into(), "-".into()), |f| {
            (
                format!("{:.1}%", f.min * 100.0),
                format!("{:.1}%", f.mean * 100.0),
            )
        });
        println!(
            "{:<58} {:>6} {:>6} {:>8.0} {:>8.0} {:>7} {:>7} {:>5}",
            rel,
            imp.pages_in,
            imp.pages_out,
            ms,
            f64::from(imp.pages_in) / (ms / 1000.0),
            fmin,
            favg,
            imp.doc.warnings.len()
        );
        if let (Some(n), true) = (diff_page, poppler) {
            if let Some(pp) = common::pdftotext_pages(&pdf) {
                let ours = common::split_pages(&imp.doc.markdown);
                let our_text = ours.get(n - 1).map(|p| p.2.clone()).unwrap_or_default();
                let theirs = common::bag(pp.get(n - 1).map(String::as_str).unwrap_or(""));
                let mine = common::bag(&our_text);
                let mut missing: Vec<String> = theirs
                    .iter()
                    .filter(|(t, c)| mine.get(*t).copied().unwrap_or(0) < **c)
                    .map(|(t, c)| format!("{t}({}/{c})", mine.get(t).copied().unwrap_or(0)))
                    .collect();
                missing.sort();
                println!("--- page {n}: stripped {:?}", imp.pages[n - 1].stripped);
                println!("--- missing: {}", missing.join(" "));
                println!("--- ours:\n{our_text}");
            }
        }
        if show_pages {
            if let Some(f) = &fid {
                let mut worst = f.pages.clone();
                worst.sort_by(|a, b| a.1.total_cmp(&b.1));
                for (p, r) in worst.iter().take(5) {
                    println!("    page {p}: {:.1}%", r * 100.0);
                }
            }
            for w in imp.doc.warnings.iter().take(5) {
                println!("    warning: {w}");
            }
        }
    }

    let html = corpora.join("html");
    let mut sets = Vec::new();
    for vendor in ["flask", "postgresql"] {
        if let Ok(entries) = std::fs::read_dir(html.join(vendor)) {
            let mut v: Vec<_> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            v.sort();
            sets.extend(v);
        }
    }
    for dir in sets {
        let rel = dir
            .strip_prefix(&corpora)
            .unwrap_or(&dir)
            .display()
            .to_string();
        if filter.as_ref().is_some_and(|f| !rel.contains(f.as_str())) {
            continue;
        }
        let files = common::read_tree(&dir);
        let html_files = files
            .iter()
            .filter(|(p, _)| p.ends_with(".html") || p.ends_with(".htm"))
            .count();
        let t = Instant::now();
        let imp = match html_set_to_markdown(&files, &HtmlOptions::default()) {
            Ok(i) => i,
            Err(e) => {
                println!("{rel:<58} error: {e}");
                continue;
            }
        };
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let warnings: usize =
            imp.warnings.len() + imp.docs.iter().map(|d| d.warnings.len()).sum::<usize>();
        println!(
            "{:<58} {:>6} {:>6} {:>8.0} {:>8.0} {:>7} {:>7} {:>5}",
            format!("{rel} ({:?}, {} skipped)", imp.flavor, imp.skipped.len()),
            html_files,
            imp.docs.len(),
            ms,
            html_files as f64 / (ms / 1000.0),
            "-",
            "-",
            warnings
        );
    }
}
