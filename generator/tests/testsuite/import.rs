//! Importers in the generator: `mcdewey import pdf|html`, and PDFs and HTML
//! doc sets dropped into the content tree, with the conversion cache. PDFs
//! are generated here with lopdf; the last tests use the shared corpora.

use crate::util::{shared, TestSite};
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream, StringFormat};
use mcdewey::diag::Skip;
use std::path::Path;
use std::process::Command;

fn mcdewey() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mcdewey"))
}

/// What one generated page shows.
enum Page<'a> {
    /// Lines of text, top to bottom.
    Text(&'a [&'a str]),
    /// A picture and no text, like a scan.
    Image,
}

/// A PDF with one page per entry; with `roman_front`, the first that many
/// pages are labelled i, ii, ... and the rest 1, 2, ...
fn pdf(pages: &[Page<'_>], roman_front: Option<i64>) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 2, "Height" => 2,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
        },
        vec![0, 255, 255, 0],
    ));
    let resources = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font },
        "XObject" => dictionary! { "Im1" => image },
    });
    let mut kids: Vec<Object> = Vec::new();
    for page in pages {
        let mut ops = Vec::new();
        match page {
            Page::Text(lines) => {
                for (i, line) in lines.iter().enumerate() {
                    ops.push(Operation::new("BT", vec![]));
                    ops.push(Operation::new("Tf", vec!["F1".into(), 11.into()]));
                    let y = 700 - 16 * i as i64;
                    ops.push(Operation::new("Td", vec![72.into(), y.into()]));
                    ops.push(Operation::new(
                        "Tj",
                        vec![Object::String(
                            line.as_bytes().to_vec(),
                            StringFormat::Literal,
                        )],
                    ));
                    ops.push(Operation::new("ET", vec![]));
                }
            }
            Page::Image => {
                ops.push(Operation::new("q", vec![]));
                let m: Vec<Object> = vec![
                    300.into(),
                    0.into(),
                    0.into(),
                    400.into(),
                    150.into(),
                    200.into(),
                ];
                ops.push(Operation::new("cm", m));
                ops.push(Operation::new("Do", vec!["Im1".into()]));
                ops.push(Operation::new("Q", vec![]));
            }
        }
        let content = Content { operations: ops }.encode().unwrap();
        let stream = doc.add_object(Stream::new(dictionary! {}, content));
        let id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Contents" => stream,
            "Resources" => resources,
        });
        kids.push(id.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    if let Some(front) = roman_front {
        catalog.set(
            "PageLabels",
            dictionary! {
                "Nums" => vec![
                    0.into(), Object::Dictionary(dictionary! { "S" => "r" }),
                    front.into(), Object::Dictionary(dictionary! { "S" => "D" }),
                ],
            },
        );
    }
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

/// A five-page manual: four front-matter pages (i–iv), then page 1.
fn manual() -> Vec<u8> {
    pdf(
        &[
            Page::Text(&["Acme Widget Manual", "Release 1.0"]),
            Page::Text(&["Copyright notice for the widget manual."]),
            Page::Text(&[
                "Contents",
                "Installing the widget",
                "Calibrating the widget",
            ]),
            Page::Text(&[
                "Preface",
                "This preface explains who should read the manual.",
            ]),
            Page::Text(&[
                "Installing the widget",
                "Unpack the widget and mount it level.",
            ]),
        ],
        Some(4),
    )
}

/// Page views of `doc_dir` (site-relative), by physical number, from its
/// document.json; asserts each has its HTML and Markdown files.
fn page_numbers(site: &Path, doc_dir: &str) -> Vec<u64> {
    let base = site.join(doc_dir);
    let json =
        mcdewey::site::DocumentFile::from_json(&std::fs::read(base.join("document.json")).unwrap())
            .unwrap();
    let mut numbers = Vec::new();
    for p in &json.pages {
        let n = u64::from(p.number);
        assert!(
            base.join(format!("p/{n}.html")).is_file(),
            "{doc_dir} p/{n}"
        );
        assert!(
            base.join(format!("p/{n}.md")).is_file(),
            "{doc_dir} p/{n}.md"
        );
        numbers.push(n);
    }
    for c in &json.chunks {
        assert!(
            base.join(format!("c/{}.html", c.n)).is_file(),
            "{doc_dir} chunk {}",
            c.n
        );
    }
    numbers
}

/// The chunk views of a document, concatenated.
fn chunk_views(site: &TestSite, doc_dir: &str) -> String {
    let dir = site.out().join(doc_dir).join("c");
    let mut all = String::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        all.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    all
}

#[test]
fn cli_import_pdf_keeps_printed_page_labels() {
    let site = TestSite::new();
    let pdf_path = site.dir.path().join("Acme Manual.pdf");
    std::fs::write(&pdf_path, manual()).unwrap();
    let run = |extra: &[&str]| {
        let out = mcdewey()
            .args([
                "import",
                "pdf",
                "Acme Manual.pdf",
                "--into",
                "content/acme/1.0/guide/",
            ])
            .args(extra)
            .current_dir(site.dir.path())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };

    let (code, err) = run(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("Acme Manual.pdf -> content/acme/1.0/guide/acme-manual.md: 5 pages in, 5 pages out, 0 warnings"),
        "{err}"
    );
    let md = std::fs::read_to_string(site.content().join("acme/1.0/guide/acme-manual.md")).unwrap();
    assert!(md.contains("<!-- page 4 label=\"iv\" -->"), "{md}");
    assert!(md.contains("<!-- page 5 label=\"1\" -->"), "{md}");

    let (code, err) = run(&[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("acme-manual.md already exists; use --force"),
        "{err}"
    );
    let (code, err) = run(&["--force"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = run(&["--name", "Second Copy"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(site
        .content()
        .join("acme/1.0/guide/second-copy.md")
        .is_file());
    std::fs::remove_file(site.content().join("acme/1.0/guide/second-copy.md")).unwrap();

    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    let doc = "acme/1.0/guide/acme-manual";
    assert_eq!(page_numbers(&site.out(), doc), [1, 2, 3, 4, 5]);
    let chunks = chunk_views(&site, doc);
    assert!(
        chunks.contains("<p class=\"page-number\">Page iv</p>"),
        "{chunks}"
    );
    assert!(
        chunks.contains("<p class=\"page-number\">Page 1</p>"),
        "{chunks}"
    );
}

#[test]
fn cli_import_usage_and_input_errors() {
    let site = TestSite::new();
    std::fs::write(site.dir.path().join("a.pdf"), manual()).unwrap();
    std::fs::write(site.dir.path().join("b.pdf"), b"not a pdf at all").unwrap();
    let out = mcdewey()
        .args([
            "import",
            "pdf",
            "a.pdf",
            "b.pdf",
            "--name",
            "x",
            "--into",
            "content/p/1/s",
        ])
        .current_dir(site.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // One good and one broken file: the good one is written, exit 1.
    let out = mcdewey()
        .args(["import", "pdf", "a.pdf", "b.pdf", "--into", "content/p/1/s"])
        .current_dir(site.dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("b.pdf: error: cannot import: not a readable PDF"),
        "{err}"
    );
    assert!(err.contains("Imported 1 of 2 PDFs"), "{err}");
    assert!(site.content().join("p/1/s/a.md").is_file());
    assert!(!site.content().join("p/1/s/b.md").exists());
}

#[test]
fn cli_import_html_writes_one_document_per_page() {
    let site = TestSite::new();
    let src = site.dir.path().join("export");
    std::fs::create_dir_all(src.join("events")).unwrap();
    std::fs::write(
        src.join("index.html"),
        "<html><head><title>Help</title></head><body><main><h1>Help</h1>\
<p>Start with <a href=\"events/recording.html\">recording</a>.</p></main></body></html>",
    )
    .unwrap();
    std::fs::write(
        src.join("events/recording.html"),
        "<html><body><main><h1>Recording events</h1><p>Events are recorded.</p></main></body></html>",
    )
    .unwrap();
    // A generator's search page: a box to type in, and no text of its own.
    std::fs::write(
        src.join("search.html"),
        "<html><body><form><input type=\"text\" name=\"q\"></form></body></html>",
    )
    .unwrap();
    let run = || {
        mcdewey()
            .args([
                "import",
                "html",
                "export",
                "--into",
                "content/acme/1.0/help",
            ])
            .current_dir(site.dir.path())
            .output()
            .unwrap()
    };
    let out = run();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("export (Generic) -> content/acme/1.0/help: 3 HTML pages in, 2 documents out, 1 skipped"),
        "{err}"
    );
    let rec =
        std::fs::read_to_string(site.content().join("acme/1.0/help/events/recording.md")).unwrap();
    assert!(rec.contains("Events are recorded."), "{rec}");
    let out = run();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was written"));

    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    page_numbers(&site.out(), "acme/1.0/help/events/recording");
}

#[test]
fn dropped_in_pdfs_are_imported_and_cached() {
    let quick = |text: &str| pdf(&[Page::Text(&["Quick start", text]), Page::Image], None);
    let site = TestSite::new()
        .bytes("acme/1.0/guide/manual.pdf", &manual())
        .bytes("acme/1.0/quick.pdf", &quick("Plug the widget in."))
        .file("acme/1.0/guide/notes.md", "# Notes\n\nWritten by hand.\n");
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    assert_eq!(outcome.counts.documents, 3);
    assert_eq!(outcome.load.documents, 3);
    assert!(outcome.load.is_balanced(), "{:?}", outcome.load);
    assert_eq!(
        (
            outcome.load.imports.pdfs,
            outcome.load.imports.converted,
            outcome.load.imports.cached
        ),
        (2, 2, 0)
    );
    let diags = site.diagnostics(&outcome);
    assert!(
        diags.contains(&"[ROOT]/content/acme/1.0/quick.pdf: warning: page 2: no extractable text: the page is an image (scanned?), OCR would be needed".to_string()),
        "{diags:?}"
    );
    let summary = outcome.summary();
    assert!(
        summary.contains("Imported 2 PDFs: 2 converted in "),
        "{summary}"
    );
    assert_eq!(
        page_numbers(&site.out(), "acme/1.0/guide/manual"),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(page_numbers(&site.out(), "acme/1.0/quick/quick"), [1, 2]);
    let chunks = chunk_views(&site, "acme/1.0/guide/manual");
    assert!(
        chunks.contains("<code>acme/1.0/guide/manual.pdf</code>"),
        "{chunks}"
    );
    assert!(chunks.contains("Page iv"), "{chunks}");
    let cache = site.dir.path().join(".mcdewey-cache/import");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 2);

    // Unchanged: nothing is converted, the result and diagnostics are the same.
    let again = site.build();
    assert_eq!(
        (again.load.imports.converted, again.load.imports.cached),
        (0, 2)
    );
    assert_eq!(again.counts, outcome.counts);
    assert_eq!(site.diagnostics(&again), diags);

    // A changed PDF is converted again; the other still comes from the cache.
    let site = site.bytes("acme/1.0/quick.pdf", &quick("Plug the widget in firmly."));
    let third = site.build();
    assert_eq!(
        (third.load.imports.converted, third.load.imports.cached),
        (1, 1)
    );
    assert!(site.read("acme/1.0/quick/quick/p/1.md").contains("firmly"));
}

#[test]
fn corrupt_pdf_is_an_error_naming_the_file() {
    let site = TestSite::new()
        .bytes(
            "acme/1.0/guide/broken.pdf",
            b"%PDF-1.4\nthis is not really a PDF\n",
        )
        .file("acme/1.0/guide/ok.md", "# Ok\n\nText.\n");
    let outcome = site.build();
    assert_eq!(outcome.errors(), 1, "{:?}", outcome.diagnostics);
    let diags = site.diagnostics(&outcome);
    assert!(
        diags[0].starts_with(
            "[ROOT]/content/acme/1.0/guide/broken.pdf: error: cannot import: not a readable PDF"
        ),
        "{diags:?}"
    );
    assert!(site.exists("acme/1.0/guide/ok/index.html"));
    assert_eq!(outcome.load.skipped.get(&Skip::Failed), Some(&1));
    assert!(outcome.load.is_balanced(), "{:?}", outcome.load);
}

/// A PDF over one of the importer's resource limits (here two forms that
/// draw each other, which would never end) is reported by name with the
/// limit, and the rest of the build goes on.
#[test]
fn pdf_over_a_resource_limit_is_an_error_naming_the_file() {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /A 5 0 R >> >> >>",
        "<< /Length 5 >>\nstream\n/A Do\nendstream",
        "<< /Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources << /XObject << /B 6 0 R >> >> /Length 5 >>\nstream\n/B Do\nendstream",
        "<< /Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources << /XObject << /A 5 0 R >> >> /Length 5 >>\nstream\n/A Do\nendstream",
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 7\n0000000000 65535 f \n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    let site = TestSite::new()
        .bytes("acme/1.0/guide/loop.pdf", &pdf)
        .file("acme/1.0/guide/ok.md", "# Ok\n\nText.\n");
    let outcome = site.build();
    assert_eq!(outcome.errors(), 1, "{:?}", outcome.diagnostics);
    let diags = site.diagnostics(&outcome);
    assert!(
        diags[0].starts_with(
            "[ROOT]/content/acme/1.0/guide/loop.pdf: error: cannot import: over the max_page_operations limit"
        ),
        "{diags:?}"
    );
    assert!(site.exists("acme/1.0/guide/ok/index.html"));
}

#[test]
fn dropped_in_html_set_is_imported_and_cached() {
    let page = |title: &str, body: &str| {
        format!("<html><head><title>{title}</title></head><body><nav>Menu</nav><main><h1>{title}</h1>{body}</main></body></html>")
    };
    let site = TestSite::new()
        .file(
            "acme/1.0/help/index.html",
            &page("Acme Help", "<p>See <a href=\"install.html\">installing</a>, <a href=\"ref/api.html\">the API</a> and <a href=\"ref/api.html#calls-section\">its calls</a>.</p>"),
        )
        .file("acme/1.0/help/install.html", &page("Installing", "<p>Mount the widget level.</p>"))
        .file("acme/1.0/help/ref/api.html", &page("API", "<p>Overview.</p><section id=\"calls-section\"><h2>Calls</h2><p>The widget answers calls.</p></section>"))
        .file(
            "acme/1.0/help/search.html",
            &page("Search", "<form><input type=\"search\" name=\"q\"></form>"),
        )
        .file("acme/1.0/help/style.css", "body {}\n")
        .file("acme/1.0/help/stray.md", "# Stray\n\nNot part of the set.\n")
        .file("acme/1.0/loose/page.html", &page("Loose", "<p>No index.html here.</p>"));
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    assert!(outcome.load.is_balanced(), "{:?}", outcome.load);
    assert_eq!(outcome.load.files_seen, 7);
    assert_eq!(outcome.load.documents, 3);
    assert_eq!(outcome.load.skipped.get(&Skip::NotContent), Some(&1));
    assert_eq!(outcome.load.skipped.get(&Skip::NotMarkdown), Some(&2));
    assert_eq!(outcome.load.skipped.get(&Skip::OutsideLayout), Some(&1));
    let diags = site.diagnostics(&outcome);
    assert!(
        diags.iter().any(|d| d
            .starts_with("[ROOT]/content/acme/1.0/help/stray.md: warning: inside an HTML doc set")),
        "{diags:?}"
    );
    assert_eq!(outcome.load.imports.html_sets, 1);
    for doc in ["index", "install", "ref/api"] {
        page_numbers(&site.out(), &format!("acme/1.0/help/{doc}"));
    }
    let chunks = chunk_views(&site, "acme/1.0/help/ref/api");
    assert!(
        chunks.contains("<code>acme/1.0/help/ref/api.html</code>"),
        "{chunks}"
    );
    assert!(chunks.contains("The widget answers calls."), "{chunks}");
    // Links between pages of the set lead to the imported documents.
    let index = site.read("acme/1.0/help/index/p/1.html");
    assert!(
        index.contains("href=\"../../install/index.html\""),
        "{index}"
    );
    assert!(!index.contains("install.md"), "{index}");
    // A link to an element id lands on the heading it belongs to, on the
    // page view that holds it.
    let href = index
        .split("href=\"../../ref/api/p/")
        .nth(1)
        .and_then(|r| r.split_once(".html#calls\">its calls</a>"))
        .map(|(page, _)| page)
        .unwrap_or_else(|| panic!("no link to the Calls heading: {index}"));
    let api = site.read(&format!("acme/1.0/help/ref/api/p/{href}.html"));
    assert!(api.contains("id=\"calls\""), "{api}");
    // Reading order follows the index page's links.
    let set = site.read("acme/1.0/help/index.html");
    let (i, a) = (set.find("Installing").unwrap(), set.find("API").unwrap());
    assert!(i < a, "{set}");

    let again = site.build();
    assert_eq!(
        (again.load.imports.converted, again.load.imports.cached),
        (0, 1)
    );
    assert_eq!(again.counts, outcome.counts);
}

/// Physical page count of a PDF, as the importer's own dependency sees it.
fn pdf_pages(path: &Path) -> usize {
    Document::load(path).unwrap().get_pages().len()
}

#[cfg(unix)]
#[test]
fn shared_sample_library_pdfs_dropped_in() {
    let Some(shared) = shared() else { return };
    let pdf_root = shared.join("corpora/sample-library/pdf");
    let mut site = TestSite::new();
    site.config.symlink_roots = vec![pdf_root.clone()];
    std::fs::create_dir_all(site.content()).unwrap();
    // Products are symlinked whole: product/version/file.pdf is a one-document doc set.
    let mut expected = Vec::new();
    for product in std::fs::read_dir(&pdf_root).unwrap() {
        let product = product.unwrap().path();
        let name = product.file_name().unwrap().to_string_lossy().to_string();
        std::os::unix::fs::symlink(&product, site.content().join(&name)).unwrap();
        for version in std::fs::read_dir(&product).unwrap() {
            let version = version.unwrap().path();
            for f in std::fs::read_dir(&version).unwrap() {
                let f = f.unwrap().path();
                let id = mcdewey::content::sanitize_id(&f.file_stem().unwrap().to_string_lossy());
                let v = version.file_name().unwrap().to_string_lossy().to_string();
                expected.push((format!("{name}/{v}/{id}/{id}"), pdf_pages(&f)));
            }
        }
    }
    assert!(expected.len() >= 4, "{expected:?}");
    let outcome = site.build();
    eprintln!(
        "sample-library PDFs: {}",
        outcome.summary().replace('\n', " | ")
    );
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    assert!(outcome.load.is_balanced(), "{:?}", outcome.load);
    assert_eq!(outcome.load.imports.pdfs, expected.len());
    for (doc, pages) in &expected {
        let numbers = page_numbers(&site.out(), doc);
        assert_eq!(numbers.len(), *pages, "{doc}");
        assert_eq!(numbers, (1..=*pages as u64).collect::<Vec<_>>(), "{doc}");
    }
    // R-intro's printed labels survive into the site.
    let chunks = chunk_views(&site, "r-manuals/4.5.0/r-intro/r-intro");
    assert!(chunks.contains("<p class=\"page-number\">Page i</p>"));

    let again = site.build();
    eprintln!(
        "sample-library PDFs, cached: {}",
        again.summary().replace('\n', " | ")
    );
    assert_eq!(again.load.imports.cached, expected.len());
    assert_eq!(again.load.imports.converted, 0);
    assert_eq!(again.counts, outcome.counts);
}

#[cfg(unix)]
#[test]
fn shared_postgresql_17_html_set_dropped_in() {
    let Some(shared) = shared() else { return };
    let set = shared.join("corpora/html/postgresql/17");
    let mut site = TestSite::new();
    site.config.symlink_roots = vec![set.clone()];
    std::fs::create_dir_all(site.content().join("postgresql/17")).unwrap();
    std::os::unix::fs::symlink(&set, site.content().join("postgresql/17/manual")).unwrap();
    let html: Vec<String> = std::fs::read_dir(&set)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".html"))
        .collect();
    let outcome = site.build();
    eprintln!("postgresql 17: {}", outcome.summary().replace('\n', " | "));
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    assert!(outcome.load.is_balanced(), "{:?}", outcome.load);
    let not_content = outcome
        .load
        .skipped
        .get(&Skip::NotContent)
        .copied()
        .unwrap_or(0);
    assert_eq!(outcome.load.documents + not_content, html.len());
    // Every HTML page is a document whose pages all have their views.
    let mut pages = 0;
    for name in &html {
        let id = mcdewey::content::sanitize_id(name.trim_end_matches(".html"));
        let dir = format!("postgresql/17/manual/{id}");
        if site.out().join(&dir).join("document.json").is_file() {
            pages += page_numbers(&site.out(), &dir).len();
        }
    }
    assert_eq!(pages, outcome.counts.pages);
    let chunks = chunk_views(&site, "postgresql/17/manual/sql-select");
    assert!(chunks.contains("<code>postgresql/17/manual/sql-select.html</code>"));
}

/// One bad file never stops a set: a dangling link to a script (as Debian
/// installs Sphinx sets), a FIFO named like a page (a file that cannot be
/// read as one; permissions do not stop root, which the tests may run as)
/// and a page that comes out empty are each reported with their path, the
/// rest is written, and the exit code is 1.
#[cfg(unix)]
#[test]
fn cli_import_html_reports_bad_files_and_goes_on() {
    let site = TestSite::new();
    let src = site.dir.path().join("html");
    std::fs::create_dir_all(src.join("_static")).unwrap();
    let page = |title: &str, body: &str| {
        format!("<html><head><title>{title} — Gizmo 3 manual</title></head><body><main><h1>{title}</h1>{body}</main></body></html>")
    };
    std::fs::write(
        src.join("index.html"),
        page("Gizmo", "<p>Read <a href=\"use.html\">the usage</a>.</p>"),
    )
    .unwrap();
    std::fs::write(src.join("use.html"), page("Usage", "<p>Turn the knob.</p>")).unwrap();
    std::fs::write(
        src.join("blank.html"),
        "<html><body><script>x()</script></body></html>",
    )
    .unwrap();
    std::os::unix::fs::symlink("/nonexistent/jquery.js", src.join("_static/jquery.js")).unwrap();
    let fifo = src.join("stuck.html");
    let made = Command::new("mkfifo").arg(&fifo).status();
    let have_fifo = made.is_ok_and(|s| s.success());
    let out = mcdewey()
        .args(["import", "html", "html", "--into", "content/gizmo/3/manual"])
        .current_dir(site.dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("html/_static/jquery.js: error: dangling symbolic link"),
        "{err}"
    );
    assert!(
        err.contains("html/blank.html: error: the page has no text"),
        "{err}"
    );
    if have_fifo {
        assert!(
            err.contains("html/stuck.html: error: not a regular file"),
            "{err}"
        );
    }
    let usage = std::fs::read_to_string(site.content().join("gizmo/3/manual/use.md")).unwrap();
    assert!(usage.contains("title: \"Usage\""), "{usage}");
    assert!(usage.contains("Turn the knob."), "{usage}");
}

/// The same set dropped into the content tree: the build reports the bad
/// files, builds the rest, and names the doc set after the set's own site
/// name instead of its directory ("html"); the breadcrumb does not repeat a
/// product name that also serves as vendor.
#[cfg(unix)]
#[test]
fn dropped_in_html_set_with_bad_files_builds_the_rest() {
    let page = |title: &str, body: &str| {
        format!("<html><head><title>{title} — Gizmo 3 manual</title></head><body><main><h1>{title}</h1>{body}</main></body></html>")
    };
    let site = TestSite::new()
        .file(
            "gizmo/3/html/index.html",
            &page("Gizmo", "<p>Read <a href=\"use.html\">the usage</a>.</p>"),
        )
        .file(
            "gizmo/3/html/use.html",
            &page("Usage", "<p>Turn the knob.</p>"),
        )
        .file(
            "gizmo/3/html/blank.html",
            "<html><body><script>x()</script></body></html>",
        );
    let fifo = site.content().join("gizmo/3/html/stuck.html");
    let have_fifo = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let outcome = site.build();
    let diags = site.diagnostics(&outcome);
    assert!(
        diags
            .iter()
            .any(|d| d.contains("gizmo/3/html/blank.html: error: the page has no text")),
        "{diags:?}"
    );
    if have_fifo {
        assert!(
            diags
                .iter()
                .any(|d| d.contains("gizmo/3/html/stuck.html: warning: not a regular file")),
            "{diags:?}"
        );
    }
    // The FIFO is skipped by the content walk (a warning), the empty page
    // is an error: the build still exits 1 and writes the rest.
    assert_eq!(outcome.errors(), 1, "{diags:?}");
    assert!(outcome.load.is_balanced(), "{:?}", outcome.load);
    let doc = site.read("gizmo/3/html/use/index.html");
    assert!(
        doc.contains("Gizmo 3 manual"),
        "doc set named after the set"
    );
    assert!(!doc.contains(">Html<"), "not after its directory");
    assert!(!doc.contains("Gizmo Gizmo"), "vendor not repeated");
}
