//! Writes the seed corpora of the fuzz targets to `fuzz/seeds/<target>/`
//! from what the tests use: the compat fixture's index files, the sample
//! library's Markdown, the benchmark queries, the Markdown safety cases, a
//! small generated PDF and, when `../shared` is present, a few small real
//! PDFs and HTML pages. Seeds are generated, never committed.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example write-seeds`

use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream, StringFormat};
use mcdewey_fuzz::{base_files, file_paths};
use mcdewey_search_core::codec::open;
use mcdewey_search_core::MANIFEST_PATH;
use std::path::{Path, PathBuf};

/// Largest seed file; PDFs may be larger (whole small manuals).
const MAX_SEED: u64 = 256 * 1024;
const MAX_PDF: u64 = 1024 * 1024;

struct Seeds {
    root: PathBuf,
    n: usize,
}

impl Seeds {
    fn put(&mut self, target: &str, bytes: &[u8]) {
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        let n = std::fs::read_dir(&dir).unwrap().count();
        std::fs::write(dir.join(format!("seed-{n:05}")), bytes).unwrap();
        self.n += 1;
    }
}

fn files_under(dir: &Path, ext: &str, max: u64, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, ext, max, out);
        } else if p.extension().is_some_and(|x| x == ext)
            && p.metadata().is_ok_and(|m| m.len() <= max)
        {
            out.push(p);
        }
    }
}

fn small_pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let mut kids = Vec::new();
    for (i, line) in ["Chapter 1 Overview", "Call START_RECORDING to begin."]
        .iter()
        .enumerate()
    {
        let ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![72.into(), 700.into()]),
            Operation::new(
                "Tj",
                vec![Object::String(
                    line.as_bytes().to_vec(),
                    StringFormat::Literal,
                )],
            ),
            Operation::new("ET", vec![]),
        ];
        let content = Content { operations: ops }.encode().unwrap();
        let stream = doc.add_object(Stream::new(dictionary! {}, content));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => stream,
            "Resources" => resources, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        });
        kids.push(page.into());
        let _ = i;
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn main() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = fuzz.parent().unwrap();
    let root = fuzz.join("seeds");
    if root.exists() {
        std::fs::remove_dir_all(&root).unwrap();
    }
    let mut s = Seeds { root, n: 0 };

    // Index files: the compat fixture's, whole and as payloads to seal.
    let files = base_files();
    s.put("index_manifest", &files[MANIFEST_PATH]);
    for (i, path) in file_paths().iter().enumerate() {
        let bytes = &files[path];
        let mut raw = vec![i as u8, 0];
        raw.extend_from_slice(bytes);
        s.put("index_file", &raw);
        let payload = open(bytes, mcdewey_fuzz::kind_of(path)).unwrap().payload;
        let mut sealed = vec![i as u8, 1];
        sealed.extend_from_slice(payload);
        s.put("index_file", &sealed);
    }

    // Queries: the benchmark's, and the shapes the ranking tests use.
    let queries = std::fs::read_to_string(repo.join("bench/queries.txt")).unwrap_or_default();
    for q in queries.lines().filter(|l| !l.trim().is_empty()).take(200) {
        s.put("query", q.as_bytes());
    }
    for q in [
        "E0729",
        "START_RECORDING",
        "12.5(1)",
        "\"healthy cluster\"",
        "backu",
        "archve",
        "version:5.0 status",
        "-x \"",
        "ß日本語 ǅ",
    ] {
        s.put("query", q.as_bytes());
    }

    // Markdown: the sample library and the safety cases.
    let mut md = Vec::new();
    files_under(&repo.join("content"), "md", MAX_SEED, &mut md);
    for p in &md {
        s.put("markdown", &std::fs::read(p).unwrap());
    }
    for m in [
        "---\ntitle: t\nweight: \"2\"\n---\n# T\n",
        "+++\nweight = 3\n+++\n<!-- page 2 label=\"iv\" -->\n# A\n\n<!-- page 1 -->\nB\n",
        "<div\tonmouseover=\"alert(1)\">x</div>\n\n[x](jav&#x61;script:alert(1))\n\n<plaintext>\n",
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n- [x] done\n\nNote[^1]\n\n[^1]: foot\n",
        "<textarea>\n</main></body>\n[r]: javascript:x\n[a][r]\n",
    ] {
        s.put("markdown", m.as_bytes());
    }

    // PDFs: a generated one, and the smallest real ones.
    s.put("pdf", &small_pdf());
    let shared = std::env::var_os("MCDEWEY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared"));
    let mut pdfs = Vec::new();
    files_under(&shared.join("corpora"), "pdf", MAX_PDF, &mut pdfs);
    pdfs.sort_by_key(|p| p.metadata().map(|m| m.len()).unwrap_or(0));
    for p in pdfs.iter().take(8) {
        s.put("pdf", &std::fs::read(p).unwrap());
    }

    // HTML: a two-page set, and real pages (one per seed, a second page
    // after a NUL byte as the html target reads it).
    s.put(
        "html",
        b"<html><head><title>Guide</title></head><body><h1>Guide</h1><p><a href=\"p1/page.html\">next</a></p></body></html>\0<html><body><h1>Next</h1><pre>code</pre><table><tr><td>a</td></tr></table></body></html>",
    );
    let mut html = Vec::new();
    files_under(&shared.join("corpora/html"), "html", MAX_SEED, &mut html);
    let step = (html.len() / 24).max(1);
    for p in html.iter().step_by(step).take(24) {
        s.put("html", &std::fs::read(p).unwrap());
    }
    if pdfs.is_empty() || html.is_empty() {
        eprintln!(
            "note: no shared corpora at {}; PDF and HTML seeds are the generated ones only",
            shared.display()
        );
    }
    println!("wrote {} seeds to {}", s.n, s.root.display());
}
