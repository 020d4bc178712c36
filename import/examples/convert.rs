//! Converts one PDF or one HTML doc-set directory and writes the Markdown
//! next to the given output directory, for eyeballing the importer:
//!
//! ```text
//! cargo run --release -p mcdewey-import --example convert -- INPUT OUT_DIR
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use mcdewey_import::{html_set_to_markdown, pdf_to_markdown, HtmlOptions, PdfOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(out)) = (args.first(), args.get(1)) else {
        eprintln!("usage: convert INPUT(.pdf|dir) OUT_DIR");
        std::process::exit(2);
    };
    let input = Path::new(input);
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).expect("create output dir");
    let t = Instant::now();
    if input.is_dir() {
        let files = read_tree(input);
        let imp = html_set_to_markdown(&files, &HtmlOptions::default()).expect("import");
        for d in &imp.docs {
            let p = out.join(&d.rel_path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, &d.markdown).unwrap();
        }
        println!(
            "{:?}: {} files -> {} docs ({:?}, skipped {}) in {:?}",
            imp.flavor,
            files.len(),
            imp.docs.len(),
            imp.flavor,
            imp.skipped.len(),
            t.elapsed()
        );
    } else {
        let bytes = std::fs::read(input).expect("read");
        let name = input.file_name().unwrap().to_string_lossy();
        let imp = pdf_to_markdown(&bytes, &name, &PdfOptions::default()).expect("import");
        std::fs::write(out.join(&imp.doc.rel_path), &imp.doc.markdown).unwrap();
        println!(
            "{name}: {} pages -> {} markers in {:?}, {} warnings",
            imp.pages_in,
            imp.pages_out,
            t.elapsed(),
            imp.doc.warnings.len()
        );
        for w in imp.doc.warnings.iter().take(10) {
            println!("  {w}");
        }
    }
}

fn read_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read(&p).expect("read file")));
            }
        }
    }
    out.sort();
    out
}
