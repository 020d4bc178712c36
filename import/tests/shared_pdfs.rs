//! The PDF importer on the shared corpora (`../shared/corpora`): page counts,
//! R-intro's printed labels, and text fidelity against poppler's
//! `pdftotext`. Skips (and says so) when the corpora or pdftotext are
//! missing. `fullrefman.pdf` (2,400+ pages) only runs with
//! `MCDEWEY_FULL_CORPUS=1`, to keep debug-mode test time reasonable.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use mcdewey_import::{pdf_to_markdown, PdfImport, PdfOptions};

fn corpus_pdfs() -> Option<Vec<PathBuf>> {
    let shared = common::shared_dir()?;
    let corpora = shared.join("corpora");
    let mut pdfs = common::find_pdfs(&corpora.join("pdf"));
    pdfs.extend(common::find_pdfs(&corpora.join("sample-library/pdf")));
    let full = std::env::var_os("MCDEWEY_FULL_CORPUS").is_some();
    pdfs.retain(|p| full || !p.ends_with("fullrefman.pdf"));
    if pdfs.is_empty() {
        println!("skipping: no PDF under {}", corpora.display());
        return None;
    }
    Some(pdfs)
}

/// Each PDF is imported once per test binary; the tests share the result.
fn import(path: &Path) -> std::sync::Arc<PdfImport> {
    type Cache = std::sync::Mutex<
        HashMap<PathBuf, std::sync::Arc<std::sync::OnceLock<std::sync::Arc<PdfImport>>>>,
    >;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let slot = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(path.to_path_buf())
        .or_default()
        .clone();
    slot.get_or_init(|| std::sync::Arc::new(import_uncached(path)))
        .clone()
}

fn import_uncached(path: &Path) -> PdfImport {
    let bytes = std::fs::read(path).expect("read pdf");
    let name = path.file_name().unwrap().to_string_lossy();
    pdf_to_markdown(&bytes, &name, &PdfOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_physical_page_gets_one_marker() {
    let Some(pdfs) = corpus_pdfs() else {
        return;
    };
    for pdf in pdfs {
        let bytes = std::fs::read(&pdf).unwrap();
        let expected = lopdf::Document::load_mem(&bytes).unwrap().get_pages().len() as u32;
        let imp = import(&pdf);
        assert_eq!(imp.pages_in, expected, "{}", pdf.display());
        assert_eq!(imp.pages_out, expected, "{}", pdf.display());
        let numbers: Vec<u32> = common::split_pages(&imp.doc.markdown)
            .iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(
            numbers,
            (1..=expected).collect::<Vec<_>>(),
            "{}",
            pdf.display()
        );
        println!(
            "{}: {} pages in, {} out, {} warnings",
            pdf.display(),
            imp.pages_in,
            imp.pages_out,
            imp.doc.warnings.len()
        );
    }
}

/// R-intro's `/PageLabels` is `[0 <</P (T-) /S /D>> 2 <</S /r>> 6 <</S /D>>]`:
/// two title pages T-1, T-2, roman i..iv for the contents, then arabic
/// from one. The arabic labels must also be the numbers printed in the
/// running heads we strip, which ties the labels to the printed page.
#[test]
fn r_intro_labels() {
    let Some(pdfs) = corpus_pdfs() else {
        return;
    };
    let intros: Vec<_> = pdfs.iter().filter(|p| p.ends_with("R-intro.pdf")).collect();
    assert!(!intros.is_empty(), "R-intro.pdf is part of the corpus");
    for pdf in intros {
        let imp = import(pdf);
        let labels: Vec<String> = imp
            .pages
            .iter()
            .map(|p| p.label.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            labels[..8],
            ["T-1", "T-2", "i", "ii", "iii", "iv", "1", "2"]
        );
        assert_eq!(labels[112], "107");
        let markers = common::split_pages(&imp.doc.markdown);
        assert_eq!(markers[2].1.as_deref(), Some("i"));
        assert_eq!(markers[6].1.as_deref(), Some("1"));

        let arabic: Vec<_> = imp.pages.iter().skip(7).collect();
        let printed = arabic
            .iter()
            .filter(|p| {
                let label = p.label.as_deref().unwrap_or("");
                p.stripped.iter().any(|s| {
                    s == label
                        || s.ends_with(&format!(" {label}"))
                        || s.starts_with(&format!("{label} "))
                })
            })
            .count();
        assert!(
            printed * 10 >= arabic.len() * 9,
            "{}: only {printed} of {} pages print their label in the running head",
            pdf.display(),
            arabic.len()
        );
    }
}

/// Word overlap with pdftotext, per page: |ours ∩ poppler| / |poppler| over
/// bags of lowercased tokens, after taking out the running headers/footers
/// we strip on purpose. Every file must average ≥ 97%, every page under 90%
/// must be named in a warning, and at least 97% of all pages must
/// individually reach 97%; the rest are listed (they are
/// figure pages whose rotated labels poppler cuts into letter groups, and
/// tables with wrapped cells).
#[test]
fn text_fidelity_against_pdftotext() {
    let Some(pdfs) = corpus_pdfs() else {
        return;
    };
    if !common::have_pdftotext() {
        println!("skipping: pdftotext not found (Debian package poppler-utils)");
        return;
    }
    let (mut pages, mut good) = (0usize, 0usize);
    for pdf in pdfs {
        let imp = import(&pdf);
        let poppler = common::pdftotext_pages(&pdf).expect("pdftotext runs");
        assert_eq!(poppler.len(), imp.pages_in as usize, "{}", pdf.display());
        let stripped: Vec<Vec<String>> = imp.pages.iter().map(|p| p.stripped.clone()).collect();
        let Some(f) = common::fidelity(&imp.doc.markdown, &stripped, &poppler) else {
            continue;
        };
        let low: Vec<String> = f
            .pages
            .iter()
            .filter(|(_, r)| *r < 0.97)
            .map(|(p, r)| format!("p{p} {:.1}%", r * 100.0))
            .collect();
        println!(
            "{}: min {:.1}% (page {}), mean {:.2}% over {} pages; below 97%: {:?}",
            pdf.display(),
            f.min * 100.0,
            f.worst_page,
            f.mean * 100.0,
            f.pages.len(),
            low
        );
        assert!(f.mean >= 0.97, "{}: mean {:.3}", pdf.display(), f.mean);
        // No page may lose text silently: under 90% of poppler's words,
        // the import must have warned about that page, unless the letters
        // are all there and only the word boundaries differ (poppler cuts
        // a figure's rotated labels into letter groups).
        let ours = common::split_pages(&imp.doc.markdown);
        let silent: Vec<String> = f
            .pages
            .iter()
            .filter(|(p, r)| *r < 0.9 && !imp.doc.warnings.iter().any(|w| w.page == Some(*p)))
            .filter(|(p, _)| {
                let i = *p as usize - 1;
                let mine = ours.get(i).map(|o| o.2.as_str()).unwrap_or("");
                letter_overlap(mine, &poppler[i], &imp.pages[i].stripped) < 0.97
            })
            .map(|(p, r)| format!("p{p} {:.1}%", r * 100.0))
            .collect();
        assert!(
            silent.is_empty(),
            "{}: pages under 90% of pdftotext's words without a warning: {silent:?}",
            pdf.display()
        );
        pages += f.pages.len();
        good += f.pages.len() - low.len();
    }
    println!("pages at or above 97%: {good} of {pages}");
    assert!(
        good * 100 >= pages * 97,
        "{good} of {pages} pages reach 97%"
    );
}

/// Share of poppler's letters and digits (as a multiset, running heads we
/// strip taken out) that our page has.
fn letter_overlap(ours: &str, theirs: &str, stripped: &[String]) -> f64 {
    let bag = |t: &str| {
        let mut m: HashMap<String, usize> = HashMap::new();
        for (w, n) in common::bag(t) {
            for c in w.chars() {
                *m.entry(c.to_string()).or_default() += n;
            }
        }
        m
    };
    let ours = bag(ours);
    let mut theirs = bag(theirs);
    for s in stripped {
        for (c, n) in bag(s) {
            if let Some(v) = theirs.get_mut(&c) {
                *v = v.saturating_sub(n);
            }
        }
    }
    let total: usize = theirs.values().sum();
    let common: usize = theirs
        .iter()
        .map(|(c, n)| (*n).min(ours.get(c).copied().unwrap_or(0)))
        .sum();
    if total == 0 {
        1.0
    } else {
        common as f64 / total as f64
    }
}

/// The parallel extraction path gives the same bytes as the sequential one.
#[test]
fn output_does_not_depend_on_thread_count() {
    let Some(pdfs) = corpus_pdfs() else {
        return;
    };
    let Some(pdf) = pdfs.iter().find(|p| p.ends_with("R-data.pdf")) else {
        println!("skipping: R-data.pdf not in the corpus");
        return;
    };
    let bytes = std::fs::read(pdf).unwrap();
    let run = |threads| {
        let opts = PdfOptions {
            threads,
            ..PdfOptions::default()
        };
        pdf_to_markdown(&bytes, "R-data.pdf", &opts)
            .unwrap()
            .doc
            .markdown
    };
    assert_eq!(run(1), run(3));
}
