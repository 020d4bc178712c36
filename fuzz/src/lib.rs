//! Bodies of the fuzz targets: each takes the fuzzer's bytes and calls one
//! reader or parser of the project. A panic, an overflow (debug assertions
//! are on in fuzz builds), a hang or runaway memory is a finding; returned
//! errors are the expected answer to bad bytes.

#[path = "../../search-core/tests/compat/input.rs"]
mod compat_input;

use mcdewey::content::{document, frontmatter};
use mcdewey::markdown::{self, LinkDefs, RenderCtx};
use mcdewey_search_core::codec::{self, FileKind};
use mcdewey_search_core::{build_index, parse_query, Filters, Index, Query, MANIFEST_PATH};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The compat fixture's index (six chunks, semantic files included), built
/// once: the context every index file is read in.
pub fn base_files() -> &'static BTreeMap<String, Vec<u8>> {
    static FILES: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        build_index(compat_input::chunks(), &compat_input::options())
            .expect("fixture index builds")
            .into_iter()
            .collect()
    })
}

fn base_index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| open_except(None).expect("fixture opens"))
}

/// The base index with every file added but `skip`.
fn open_except(skip: Option<&str>) -> Result<Index, mcdewey_search_core::FormatError> {
    let files = base_files();
    let mut index = Index::open(&files[MANIFEST_PATH])?;
    // Fragment files are named once the twin blocks are in: ask again.
    loop {
        let mut need = index.files_to_load();
        need.retain(|p| Some(p.as_str()) != skip);
        if need.is_empty() {
            return Ok(index);
        }
        for path in need {
            index.add_file(&path, &files[&path])?;
        }
    }
}

/// Index file paths other than the manifest, in a fixed order.
pub fn file_paths() -> Vec<String> {
    base_files()
        .keys()
        .filter(|p| *p != MANIFEST_PATH)
        .cloned()
        .collect()
}

pub fn kind_of(path: &str) -> FileKind {
    match path {
        MANIFEST_PATH => FileKind::Manifest,
        mcdewey_search_core::VOCAB_PATH => FileKind::Vocab,
        mcdewey_search_core::CENTROIDS_PATH => FileKind::Centroids,
        p if p.starts_with("d/") => FileKind::DocBlock,
        p if p.starts_with("w/") => FileKind::TwinBlock,
        p if p.starts_with("t/") => FileKind::Terms,
        p if p.starts_with("p/") => FileKind::Positions,
        p if p.starts_with("e/") => FileKind::TokenRows,
        p if p.starts_with("v/") => FileKind::Vectors,
        p if p.starts_with("s/") => FileKind::ShardDir,
        p if p.starts_with("c/") => FileKind::CopyFragments,
        _ => FileKind::Fragments,
    }
}

/// Queries that exercise every file kind once the index is loaded.
fn exercise(index: &Index) {
    for q in [
        parse_query("recording", Filters::default()),
        parse_query("E0729 \"healthy cluster\"", Filters::default()),
        parse_query("backu", Filters::default()).with_prefix(true),
        parse_query("archve", Filters::default()),
        parse_query("archive backup", Filters::default()).with_semantic(true),
    ] {
        search_all(index, &q);
    }
    let _ = index.facets();
    for d in 0..4 {
        let _ = index.document(d);
    }
}

fn search_all(index: &Index, q: &Query) {
    let _ = index.plan(q);
    let _ = index.plan_semantic(q);
    let _ = index.query_embedding(q);
    if let Ok(r) = index.search(q) {
        for h in &r.hits {
            let _ = index.hit(h.ordinal, q);
        }
    }
}

/// `manifest.bin` as fetched: any bytes.
pub fn index_manifest(data: &[u8]) {
    if let Ok(index) = Index::open(data) {
        let _ = index.all_files();
        let q = parse_query("recording", Filters::default());
        let _ = index.plan(&q);
        let _ = index.plan_semantic(&q);
        let _ = index.search(&q);
    }
}

/// Any other index file: byte 0 picks which (term, position, fragment,
/// documents, vocabulary, token-row or vector file), byte 1 whether the
/// rest is the whole file or a payload to seal with a valid header and
/// checksum (so the decoders behind the checksum are reached).
pub fn index_file(data: &[u8]) {
    let [pick, mode, rest @ ..] = data else {
        return;
    };
    let paths = file_paths();
    let path = &paths[*pick as usize % paths.len()];
    let Ok(mut index) = open_except(Some(path)) else {
        return;
    };
    let bytes = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        // The id the fixture's file carries: the build id, or for
        // fragments the fragments' id.
        let id = codec::open(&base_files()[path], kind_of(path))
            .expect("fixture file")
            .build_id;
        codec::seal(kind_of(path), id, rest)
    };
    if index.add_file(path, &bytes).is_ok() {
        exercise(&index);
    }
}

/// Query text: parsing, tokenizing and a search of the fixture index.
pub fn query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let index = base_index();
    let q = parse_query(&text, Filters::default());
    search_all(index, &q);
    search_all(index, &q.clone().with_prefix(true).with_semantic(true));
    let _ = q.semantic_text();
    index.tokenizer().tokenize(&text, 0, |_| {});
}

/// A Markdown document: front matter, page markers, chunks, and each
/// chunk's HTML through the sanitizer.
pub fn markdown(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(split) = frontmatter::split(text) else {
        return;
    };
    let parsed = document::parse(split.body, split.line_offset, Default::default());
    let defs = LinkDefs::collect(split.body);
    let rewrite = |t: &str| Some(format!("x/{t}"));
    for c in &parsed.chunks {
        let html = markdown::render_html(
            &c.markdown,
            &RenderCtx {
                link_defs: &defs,
                rewrite_link: &rewrite,
                heading_ids: &c.heading_ids,
            },
        );
        // What the sanitizer lets through must never run or load anything.
        let l = html.to_ascii_lowercase();
        assert!(
            !l.contains("<script") && !l.contains("<img") && !l.contains("<iframe"),
            "{html}"
        );
        // Only inside a tag: the same characters as escaped text are fine.
        for tag in l.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or_default();
            assert!(
                !tag.contains("href=\"javascript:") && !tag.contains("src=\"javascript:"),
                "{html}"
            );
        }
        let _ = markdown::plain_text(&c.markdown);
    }
    let _ = defs.used_in(split.body);
}

/// A PDF file through the importer.
pub fn pdf(data: &[u8]) {
    // pdf-extract panics on some damaged files (`missing object reference`);
    // the importer catches those panics per page and reports them, by
    // design. libFuzzer's hook would abort on any panic, caught or not, so
    // here a quiet hook lets caught ones unwind as in a real build; one that
    // escapes the importer still reaches the harness and is a finding.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let opts = mcdewey_import::PdfOptions {
        threads: 1,
        ..Default::default()
    };
    let _ = mcdewey_import::pdf_to_markdown(data, "fuzz.pdf", &opts);
}

/// An HTML doc set: the bytes are split at NUL bytes into `index.html` and
/// further pages, so links between pages are exercised too.
pub fn html(data: &[u8]) {
    let files: Vec<(String, Vec<u8>)> = data
        .split(|&b| b == 0)
        .take(8)
        .enumerate()
        .map(|(i, part)| {
            let name = if i == 0 {
                "index.html".to_string()
            } else {
                format!("p{i}/page.html")
            };
            (name, part.to_vec())
        })
        .collect();
    let _ = mcdewey_import::html_set_to_markdown(&files, &Default::default());
}

/// Runs every seed of `seeds/<target>/` through its body (stable toolchain).
#[cfg(test)]
mod tests {
    use std::path::Path;

    fn run(target: &str, body: fn(&[u8])) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("seeds")
            .join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!(
                "skipping {target}: no seeds (cargo run --manifest-path fuzz/Cargo.toml --example write-seeds)"
            );
            return;
        };
        let mut n = 0;
        for e in entries {
            body(&std::fs::read(e.unwrap().path()).unwrap());
            n += 1;
        }
        eprintln!("{target}: {n} seeds");
    }

    #[test]
    fn seeds_run_through_every_body() {
        run("index_manifest", super::index_manifest);
        run("index_file", super::index_file);
        run("query", super::query);
        run("markdown", super::markdown);
        run("pdf", super::pdf);
        run("html", super::html);
    }

    #[test]
    fn bodies_accept_edge_inputs() {
        for body in [
            super::index_manifest,
            super::index_file,
            super::query,
            super::markdown,
            super::pdf,
            super::html,
        ] {
            body(b"");
            body(b"\x00\x01");
            body(b"MCDW\x01\x00");
        }
    }
}
