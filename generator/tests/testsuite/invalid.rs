//! Invalid input: every problem is reported with file and line, the build
//! goes on, and the summary accounts for every file.

use crate::util::TestSite;
use mcdewey::diag::Skip;

#[test]
fn bad_inputs_are_reported_exactly() {
    let site = TestSite::new()
        .file("p/1.0/guide/good.md", "# Good\n\nFine.\n")
        .file(
            "p/1.0/guide/yaml.md",
            "---\ntitle: Lenient\naliases:\n  - %\n---\n# Body\n\nText.\n",
        )
        .file(
            "p/1.0/guide/toml.md",
            "+++\ntitle = \"x\"\nweight = = 1\n+++\n# Body\n",
        )
        .file(
            "p/1.0/guide/unclosed.md",
            "---\ntitle: never closed\n\n# Body\n",
        )
        .bytes("p/1.0/guide/latin1.md", b"# Title\n\nCaf\xe9 au lait\n")
        .file("p/1.0/guide/empty.md", "  \n\n")
        .file("p/1.0/guide/dup.md", "# One\n\nx\n")
        .file("p/1.0/guide/DUP.md", "# Two\n\ny\n")
        .file(
            "p/1.0/guide/pages.md",
            "<!-- page 1 -->\nA\n\n<!-- page 3 -->\nB\n\n<!-- page 2 -->\nC\n",
        )
        .file("p/1.0/guide/marker.md", "<!-- page 4 label=107 -->\nA\n")
        .file(
            "p/1.0/guide/gap.md",
            "<!-- page 1 -->\nA\n\n<!-- page 4 -->\nB\n",
        )
        .file("p/loose.md", "# Not in a version\n")
        .file("stray.md", "# At the root\n")
        .file("p/1.0/guide/image.png", "not really a png")
        .file("p/product.toml", "vendr = \"typo\"\n")
        .file("p/1.0/guide/.hidden.md", "# Hidden\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", site.content().join("p/1.0/guide/loop")).unwrap();

    let outcome = site.build();
    let got = site.diagnostics(&outcome);
    let mut expected = vec![
        "[ROOT]/content/p/1.0/guide/dup.md: error: duplicate id p::1.0::guide::dup: [ROOT]/content/p/1.0/guide/DUP.md already has it; skipped",
        "[ROOT]/content/p/1.0/guide/empty.md: warning: empty document; skipped",
        "[ROOT]/content/p/1.0/guide/gap.md:4: warning: pages 2-3 missing: marker 4 follows page 1",
        "[ROOT]/content/p/1.0/guide/latin1.md:3: error: invalid UTF-8 at byte 12 (column 4); convert the file to UTF-8",
        "[ROOT]/content/p/1.0/guide/marker.md:1: error: malformed page marker `<!-- page 4 label=107 -->`: expected `<!-- page 4 -->` or `<!-- page 4 label=\"107\" -->`; document skipped",
        "[ROOT]/content/p/1.0/guide/pages.md:4: warning: page 2 missing: marker 3 follows page 1",
        "[ROOT]/content/p/1.0/guide/pages.md:7: error: page marker 2 follows page 3 (line 4): page numbers must increase; document skipped",
        "[ROOT]/content/p/1.0/guide/toml.md:3: error: malformed TOML front matter: extra `=`, expected nothing",
        "[ROOT]/content/p/1.0/guide/unclosed.md:1: error: front matter opened with `---` is never closed",
        "[ROOT]/content/p/1.0/guide/yaml.md:4: warning: malformed YAML front matter: found character that cannot start any token; keys were read line by line",
        "[ROOT]/content/p/loose.md: warning: outside the layout: documents live at product/version/doc-set/document.md; skipped",
        "[ROOT]/content/p/product.toml:1: error: unknown field `vendr`, expected one of `vendor`, `name`, `aliases`, `description`, `versions`, `current`, `doc_sets`; product metadata ignored",
        "[ROOT]/content/stray.md: warning: outside the layout: documents live at product/version/doc-set/document.md; skipped",
    ];
    #[cfg(unix)]
    expected.push("[ROOT]/content/p/1.0/guide/loop: error: symlink loop: this link leads back to [ROOT]/content/p/1.0; skipped");
    expected.sort();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    assert_eq!(got_sorted, expected, "\nactual:\n{}", got.join("\n"));

    // The build went on: the good documents are in the site.
    assert!(site.exists("p/1.0/guide/good/c/1.html"));
    assert!(site.exists("p/1.0/guide/gap/p/4.html"));
    assert!(site.exists("p/1.0/guide/dup/c/1.html"));
    assert!(site
        .read("p/1.0/guide/yaml/index.html")
        .contains("<h1>Lenient</h1>"));
    // And every file is accounted for.
    let r = &outcome.load;
    assert!(r.is_balanced(), "{r:?}");
    assert_eq!(r.documents, 4);
    assert_eq!(r.skipped.get(&Skip::NotMarkdown), Some(&1));
    assert_eq!(r.skipped.get(&Skip::Hidden), Some(&1));
    assert_eq!(r.skipped.get(&Skip::OutsideLayout), Some(&2));
    assert_eq!(r.skipped.get(&Skip::Empty), Some(&1));
    let failed = if cfg!(unix) { 7 } else { 6 };
    assert_eq!(r.skipped.get(&Skip::Failed), Some(&failed));
    let summary = outcome.summary();
    assert!(summary.contains("4 documents, 1 product metadata, skipped: 1 not Markdown, 1 hidden, 2 outside the layout, 1 empty"), "{summary}");
}
