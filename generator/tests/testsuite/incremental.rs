//! Incremental rebuilds (`serve --watch`): after an edit, only the changed
//! documents are parsed and rendered again, and the site is byte for byte
//! the one a fresh full build writes.

use crate::util::{list_files, TestSite};
use mcdewey::build::{build, build_with, Memo};
use std::path::Path;

fn fixture() -> TestSite {
    let mut site = TestSite::new()
        .file(
            "kit/product.toml",
            "vendor = \"Acme\"\nname = \"Kit\"\n",
        )
        .file(
            "kit/1.0/manual/manual.md",
            "# Manual\n\n<!-- page 1 -->\nFront.\n\n<!-- page 2 -->\n## Wiring\n\nConnect the sensor. See [intro](../guide/intro.md#sensors).\n",
        )
        .file(
            "kit/1.0/guide/intro.md",
            "---\ntitle: Intro\n---\n# Intro\n\n## Sensors\n\nThe sensor reports.\n",
        )
        .file("kit/1.0/guide/setup.md", "# Setup\n\nUnpack the kit.\n")
        .file("kit/0.9/guide/intro.md", "# Intro\n\nOld text about the sensor.\n");
    // Vectors make the index slow in debug builds and do not change what is
    // compared here.
    site.config.semantic = false;
    site
}

/// Every file of `a` and `b`, compared byte for byte.
fn assert_same_site(a: &Path, b: &Path) {
    let files = list_files(a);
    assert_eq!(files, list_files(b), "the same files");
    for f in &files {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs from a full build's");
    }
}

fn full_build(site: &TestSite, name: &str) -> std::path::PathBuf {
    let out = site.dir.path().join(name);
    let outcome = build(&site.content(), &out, &site.config, true).unwrap();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    out
}

fn edit(site: &TestSite, rel: &str, text: &str) {
    std::fs::write(site.content().join(rel), text).unwrap();
}

#[test]
fn an_edited_page_is_rebuilt_alone_and_the_site_equals_a_full_build() {
    let site = fixture();
    let mut memo = Memo::default();
    let build_again = |memo: &mut Memo| {
        let o = build_with(&site.content(), &site.out(), &site.config, true, Some(memo)).unwrap();
        assert_eq!(o.errors(), 0, "{:?}", o.diagnostics);
        o
    };
    let first = build_again(&mut memo);
    assert_eq!((first.parsed, first.reused), (4, 0));

    // Nothing changed: nothing parsed or rendered.
    let same = build_again(&mut memo);
    assert_eq!((same.parsed, same.reused), (0, 4));
    // Warnings of a parse are reported again when the parse is reused.
    let shown = |o: &mcdewey::build::BuildOutcome| -> Vec<String> {
        o.diagnostics.iter().map(|d| d.to_string()).collect()
    };
    assert!(!shown(&first).is_empty(), "the fixture has a warning");
    assert_eq!(shown(&same), shown(&first));
    assert_same_site(&site.out(), &full_build(&site, "full0"));

    // One page's text: that document alone.
    edit(
        &site,
        "kit/1.0/guide/setup.md",
        "# Setup\n\nUnpack the kit, then charge it.\n",
    );
    let one = build_again(&mut memo);
    assert_eq!((one.parsed, one.reused), (1, 3));
    assert!(site
        .read("kit/1.0/guide/setup/p/1.html")
        .contains("charge it"));
    assert_same_site(&site.out(), &full_build(&site, "full1"));

    // A new heading moves an anchor other documents may link to: every
    // document's links are rendered again.
    edit(
        &site,
        "kit/1.0/guide/intro.md",
        "---\ntitle: Intro\n---\n# Intro\n\n## Overview\n\nFirst.\n\n## Sensors\n\nThe sensor reports.\n",
    );
    let anchors = build_again(&mut memo);
    assert_eq!((anchors.parsed, anchors.reused), (1, 0));
    assert_same_site(&site.out(), &full_build(&site, "full2"));

    // A document removed and one added.
    std::fs::remove_file(site.content().join("kit/0.9/guide/intro.md")).unwrap();
    edit(&site, "kit/1.0/guide/faq.md", "# FAQ\n\nAsk away.\n");
    let moved = build_again(&mut memo);
    assert_eq!(moved.counts.documents, 4);
    assert_same_site(&site.out(), &full_build(&site, "full3"));
}

#[test]
fn a_changed_template_renders_every_document_again() {
    let mut site = fixture();
    let theme = site.dir.path().join("theme");
    std::fs::create_dir_all(theme.join("templates")).unwrap();
    site.config.theme = Some(theme.clone());
    let mut memo = Memo::default();
    build_with(
        &site.content(),
        &site.out(),
        &site.config,
        true,
        Some(&mut memo),
    )
    .unwrap();
    let chunk = mcdewey::render::theme::default_template("chunk.html").unwrap();
    std::fs::write(
        theme.join("templates/chunk.html"),
        chunk.replace(
            "{% block content %}",
            "{% block content %}<p>Edited theme</p>",
        ),
    )
    .unwrap();
    let again = build_with(
        &site.content(),
        &site.out(),
        &site.config,
        true,
        Some(&mut memo),
    )
    .unwrap();
    assert_eq!((again.parsed, again.reused), (0, 0));
    assert!(site
        .read("kit/1.0/guide/setup/c/1.html")
        .contains("Edited theme"));
    assert_same_site(&site.out(), &full_build(&site, "full"));
}

/// A site changed behind the build's back (a file deleted) is not trusted:
/// the document is rendered again rather than linked from what is missing.
#[test]
fn a_damaged_previous_site_is_not_reused() {
    let site = fixture();
    let mut memo = Memo::default();
    build_with(
        &site.content(),
        &site.out(),
        &site.config,
        true,
        Some(&mut memo),
    )
    .unwrap();
    std::fs::remove_file(site.out().join("kit/1.0/guide/setup/c/1.html")).unwrap();
    let again = build_with(
        &site.content(),
        &site.out(),
        &site.config,
        true,
        Some(&mut memo),
    )
    .unwrap();
    assert_eq!(again.reused, 3);
    assert_same_site(&site.out(), &full_build(&site, "full"));
}

/// A library of several documents with passages shared between versions, so
/// the index has twins, several chunks per document and (with semantic
/// search) vectors whose weights an edit moves.
fn index_fixture() -> TestSite {
    let mut site = fixture();
    for (v, extra) in [("1.0", "Newer wording."), ("1.1", "Newest wording.")] {
        for n in 0..4 {
            site = site.file(
                &format!("kit/{v}/ref/topic{n}.md"),
                &format!(
                    "# Topic {n}\n\n## Usage\n\nThe sensor topic {n} reads the probe.\n\n## Notes\n\nCalibrate probe {n} monthly. {extra}\n"
                ),
            );
        }
    }
    site.config.semantic = true;
    site
}

/// Chunks of [`index_fixture`] that repeat another's passage (the Usage
/// sections of version 1.1).
const REPEATED: usize = 4;

fn index_counts(o: &mcdewey::build::BuildOutcome) -> mcdewey_search_core::AnalysisCounts {
    o.index
        .expect("a build with a memo counts its index analysis")
}

/// The index side of an incremental rebuild: an edited document's chunks
/// are analysed again, the others' terms, token ids and (where no token
/// changed weight) vectors are kept, and the index is byte for byte a full
/// build's.
#[test]
fn an_edit_reanalyses_only_the_changed_chunks_and_the_index_equals_a_full_build() {
    let site = index_fixture();
    let mut memo = Memo::default();
    let build_again = |memo: &mut Memo| {
        let o = build_with(&site.content(), &site.out(), &site.config, true, Some(memo)).unwrap();
        assert_eq!(o.errors(), 0, "{:?}", o.diagnostics);
        o
    };
    let first = build_again(&mut memo);
    let chunks = first.counts.chunks;
    let c = index_counts(&first);
    // The four Usage sections read the same in both versions: each is
    // analysed once, and every chunk gets its vector.
    assert_eq!(
        (c.reused, c.analysed, c.embedded),
        (0, chunks - REPEATED, chunks)
    );
    assert_same_site(&site.out(), &full_build(&site, "full0"));

    // Nothing changed: nothing analysed or embedded again.
    let same = build_again(&mut memo);
    let c = index_counts(&same);
    assert_eq!((c.reused, c.analysed, c.embedded), (chunks, 0, 0));
    assert_same_site(&site.out(), &full_build(&site, "full1"));

    // One section of one document: that chunk alone is analysed. The new
    // words change the weights of the chunks that share them, so some
    // vectors are made again, never all.
    edit(
        &site,
        "kit/1.1/ref/topic2.md",
        "# Topic 2\n\n## Usage\n\nThe sensor topic 2 reads the probe.\n\n## Notes\n\nCalibrate probe 2 weekly, then log the drift.\n",
    );
    let one = build_again(&mut memo);
    let c = index_counts(&one);
    assert_eq!(one.counts.chunks, chunks);
    assert_eq!((c.reused, c.analysed), (chunks - 1, 1), "{c:?}");
    assert!(
        c.embedded >= 1 && c.embedded < chunks,
        "vectors made again: {c:?}"
    );
    assert_same_site(&site.out(), &full_build(&site, "full2"));

    // A document removed: nothing to analyse, the rest kept.
    std::fs::remove_file(site.content().join("kit/1.0/ref/topic3.md")).unwrap();
    let fewer = build_again(&mut memo);
    let c = index_counts(&fewer);
    assert_eq!(c.analysed, 0, "{c:?}");
    assert_eq!(c.reused, fewer.counts.chunks);
    assert_same_site(&site.out(), &full_build(&site, "full3"));
}

/// Settings that change what analysis gives (here semantic search turned
/// off, then on again) analyse every chunk again rather than mixing
/// analyses made under other settings.
#[test]
fn changed_index_settings_reanalyse_every_chunk() {
    let mut site = index_fixture();
    let mut memo = Memo::default();
    build_with(
        &site.content(),
        &site.out(),
        &site.config,
        true,
        Some(&mut memo),
    )
    .unwrap();
    for semantic in [false, true] {
        site.config.semantic = semantic;
        let o = build_with(
            &site.content(),
            &site.out(),
            &site.config,
            true,
            Some(&mut memo),
        )
        .unwrap();
        let c = index_counts(&o);
        assert_eq!(
            (c.reused, c.analysed),
            (0, o.counts.chunks - REPEATED),
            "{c:?}"
        );
        assert_same_site(&site.out(), &full_build(&site, &format!("full-{semantic}")));
    }
}
