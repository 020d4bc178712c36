//! Small hand-written doc sets: a generic one and a Sphinx-like one.

use mcdewey_import::{html_set_to_markdown, HtmlFlavor, HtmlImport, HtmlOptions, ImportedDoc};

/// The document imported from `rel_path`, or a failure naming it.
fn doc_at<'a>(imp: &'a HtmlImport, rel_path: &str) -> &'a ImportedDoc {
    imp.docs
        .iter()
        .find(|d| d.rel_path == rel_path)
        .unwrap_or_else(|| panic!("{rel_path} not imported"))
}

fn set(files: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .map(|(p, s)| (p.to_string(), s.as_bytes().to_vec()))
        .collect()
}

fn generic_set() -> Vec<(String, Vec<u8>)> {
    set(&[
        (
            "index.html",
            r##"<html><head><title>Widget Docs | Home</title></head><body>
<nav><a href="a.html">Nav A</a> Home Next</nav>
<header>Site banner</header>
<main><h1>Widget Docs</h1>
<p>Start with <a href="guide/setup.html#top">Setup</a>, then read
<a href="zeta.html">Zeta</a>. See <a href="https://example.org/x?y=1">upstream</a>.</p>
</main><footer>Copyright footer</footer></body></html>"##,
        ),
        (
            "guide/setup.html",
            r##"<html><head><title>Setup</title></head><body><main>
<h1>Setup</h1><h2>Install</h2>
<p>Run <code>make install</code> as <em>root</em> &amp; <strong>check</strong> it.</p>
<pre>make install
  make check</pre>
<table><thead><tr><th>Option</th><th>Meaning</th></tr></thead>
<tbody><tr><td>-v</td><td>verbose | loud</td></tr><tr><td colspan="2">spanning</td></tr></tbody></table>
<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>
<ol start="3"><li>third</li></ol>
<p>Back to <a href="../index.html">the start</a>.</p>
</main></body></html>"##,
        ),
        (
            "zeta.html",
            "<html><head><title>Zeta</title></head><body><article><h1>Zeta</h1><p>Last page.</p></article></body></html>",
        ),
        (
            "alpha.html",
            "<html><head><title>Alpha</title></head><body><p>Not linked from the index.</p></body></html>",
        ),
        ("style.css", "body{}"),
    ])
}

#[test]
fn generic_set_order_content_and_links() {
    let imp = html_set_to_markdown(&generic_set(), &HtmlOptions::default()).unwrap();
    assert_eq!(imp.flavor, HtmlFlavor::Generic);
    let order: Vec<&str> = imp.docs.iter().map(|d| d.rel_path.as_str()).collect();
    // Index, then its links in order, then the rest alphabetically.
    assert_eq!(order, ["index.md", "guide/setup.md", "zeta.md", "alpha.md"]);

    let index = &imp.docs[0].markdown;
    assert!(
        index.starts_with("---\ntitle: \"Widget Docs\"\nweight: 1\n"),
        "{index}"
    );
    assert!(index.contains("[Setup](guide/setup.md)"), "{index}");
    assert!(
        index.contains("[upstream](https://example.org/x?y=1)"),
        "{index}"
    );
    for leaked in ["Nav A", "Site banner", "Copyright footer", "# Widget Docs"] {
        assert!(!index.contains(leaked), "{leaked} leaked: {index}");
    }

    let setup = &imp.docs[1].markdown;
    assert!(setup.contains("weight: 2\n"));
    assert!(setup.contains("\n## Install\n"), "{setup}");
    assert!(
        setup.contains("Run `make install` as *root* & **check** it."),
        "{setup}"
    );
    assert!(
        setup.contains("```\nmake install\n  make check\n```"),
        "{setup}"
    );
    assert!(
        setup.contains(
            "| Option | Meaning |\n| --- | --- |\n| -v | verbose \\| loud |\n| spanning |  |"
        ),
        "{setup}"
    );
    assert!(setup.contains("- one\n\n- two\n\n  - nested"), "{setup}");
    assert!(setup.contains("3. third"), "{setup}");
    assert!(setup.contains("[the start](../index.md)"), "{setup}");

    let alpha = &imp.docs[3];
    assert_eq!(alpha.title, "Alpha");
    assert!(alpha.markdown.contains("Not linked from the index."));
}

/// Sphinx object descriptions (functions, classes, methods) become sections
/// one level below the one they are in, so each starts its own chunk; where
/// a heading cannot stand (a list, a table cell, below level 6) the
/// signature stays a code paragraph.
#[test]
fn sphinx_api_entries_become_sections() {
    let sig = |id: &str, text: &str| {
        format!(
            r##"<dt class="sig sig-object py" id="{id}">{text}<a class="headerlink" href="#{id}">¶</a></dt>"##
        )
    };
    let body = format!(
        r##"<section><h1>API</h1><section><h2>Files</h2><p>Intro.</p>
<dl class="py function">{}{}<dd><p>Remove (delete) the file.</p></dd></dl>
<dl class="py class">{}<dd><p>A box.</p>
<dl class="py method">{}<dd><p>Opens the box.</p>
<dl class="field-list simple"><dt class="field-odd">Parameters</dt><dd class="field-odd"><p>none</p></dd></dl></dd></dl></dd></dl>
<dl class="py function">{}<dd><p>After the class.</p></dd></dl>
<ul><li><dl class="py data">{}<dd><p>In a list.</p></dd></dl></li></ul>
<table><tr><td><dl class="py data">{}<dd><p>In a cell.</p></dd></dl></td><td>x</td></tr></table>
</section><section><h2>Deep</h2><h3>a</h3><h4>b</h4><h5>c</h5><h6>d</h6>
<dl class="py function">{}<dd><p>Too deep.</p></dd></dl></section></section>"##,
        sig(
            "a",
            r#"<span class="sig-name">demo.remove</span>(<em>path</em>)"#
        ),
        sig(
            "b",
            r#"<span class="sig-name">demo.unlink</span>(<em>path</em>)"#
        ),
        sig("c", "class demo.Box"),
        sig("d", "open()"),
        sig("z", "demo.after()"),
        sig("e", "demo.LIMIT"),
        sig("g", "demo.CELL"),
        sig("h", "demo.deep()"),
    );
    let html = format!(
        r##"<html><head><meta name="generator" content="Sphinx 7"><title>API — Demo 1.0</title></head>
<body><div class="document"><div class="body" role="main">{body}</div></div></body></html>"##
    );
    let files = vec![
        (
            "index.html".to_string(),
            html.replace("API", "Demo")
                .replace("demo.", "x.")
                .into_bytes(),
        ),
        ("api.html".to_string(), html.into_bytes()),
    ];
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    assert_eq!(imp.flavor, HtmlFlavor::Sphinx);
    let api = &imp
        .docs
        .iter()
        .find(|d| d.rel_path == "api.md")
        .unwrap()
        .markdown;
    let expect = [
        // An entry with two signatures: the first is the heading.
        "## Files\n\nIntro.\n\n### `demo.remove(path)`\n\n`demo.unlink(path)`\n\nRemove (delete) the file.",
        // A method inside a class is a level deeper; field lists stay bold.
        "### `class demo.Box`\n\nA box.\n\n#### `open()`\n\nOpens the box.\n\n**Parameters**",
        // After the class, entries are back at the section's level.
        "### `demo.after()`\n\nAfter the class.",
        "- `demo.LIMIT`",
        "`demo.deep()`\n\nToo deep.",
    ];
    for e in expect {
        assert!(api.contains(e), "{e:?} not in:\n{api}");
    }
    for line in api.lines() {
        assert!(
            !(line.starts_with('#')
                && (line.contains("LIMIT") || line.contains("CELL") || line.contains("deep()"))),
            "{line:?} should not be a heading:\n{api}"
        );
    }
    assert!(!api.contains("#######"), "{api}");
    assert!(api.contains("demo.CELL"), "{api}");
}

/// Outside Sphinx, a definition list long enough to be cut by size
/// (options, variables, settings, FAQ entries) is cut at its entries: each
/// entry's first term becomes a heading one level below its section and
/// further terms of the entry stay bold under it. A short list, a list
/// inside an entry's description and a list of fields stay bold terms.
#[test]
fn long_definition_lists_become_sections() {
    let words = |w: &str, n: usize| vec![w; n].join(" ");
    let body = format!(
        r##"<h1>tool-config(1)</h1><h2>OPTIONS</h2>
<div class="dlist"><dl>
<dt class="hdlist1">-f</dt><dt class="hdlist1">--force</dt><dd><p>Force it. {force}</p>
<div class="dlist"><dl><dt class="hdlist1">always</dt><dd><p>{nested}</p></dd><dt class="hdlist1">never</dt><dd><p>{nested}</p></dd></dl></div></dd>
<dt class="hdlist1">What does <code>core.size</code> do?</dt><dd><p>Sets the size. {size}</p></dd>
</dl></div>
<p>Between the lists.</p>
<dl class="variablelist"><dt id="GUC-WORK-MEM"><span class="term"><code class="varname">work_mem</code> (<code class="type">integer</code>)</span></dt><dd><p>Memory per sort. {mem}</p></dd>
<dt><span class="term"><code class="varname">huge_pages</code></span></dt><dd><p>Huge pages. {mem}</p></dd></dl>
<h2>SEE ALSO</h2>
<dl><dt>short</dt><dd><p>A short list.</p></dd><dt>list</dt><dd><p>Stays together.</p></dd></dl>
<dl><dt>{long_term}</dt><dd><p>{size}</p></dd><dt>x</dt><dd><p>{size}</p></dd></dl>
<dl class="field-list"><dt>Parameters</dt><dd><p>{size}</p></dd><dt>Returns</dt><dd><p>{size}</p></dd></dl>
<ul><li><dl><dt>in-a-list</dt><dd><p>{size}</p></dd><dt>second</dt><dd><p>{size}</p></dd></dl></li></ul>"##,
        force = words("force", 60),
        nested = words("nested", 40),
        size = words("size", 110),
        mem = words("memory", 110),
        long_term = words("long", 30),
    );
    let html =
        format!("<html><head><title>tool-config(1)</title></head><body>{body}</body></html>");
    let files = vec![("tool-config.html".to_string(), html.into_bytes())];
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    let expect = [
        // The first term names the entry; an alias stays under it.
        "## OPTIONS\n\n### -f\n\n**--force**\n\nForce it.",
        // A list inside an entry's description stays bold terms.
        "**always**\n\nnested",
        "### What does `core.size` do?\n\nSets the size.",
        "Between the lists.\n\n### `work_mem` (`integer`)\n\nMemory per sort.",
        "### `huge_pages`\n\nHuge pages.",
        // A short list, a sentence as a term, fields and a list in a list
        // stay bold.
        "**short**\n\nA short list.",
        "**Parameters**",
        "- **in-a-list**",
    ];
    for e in expect {
        assert!(md.contains(e), "{e:?} not in:\n{md}");
    }
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(
        headings,
        [
            "## OPTIONS",
            "### -f",
            "### What does `core.size` do?",
            "### `work_mem` (`integer`)",
            "### `huge_pages`",
            "## SEE ALSO",
        ],
        "{md}"
    );
}

#[test]
fn sphinx_like_set() {
    let page = |title: &str, body: &str| {
        format!(
            r##"<html><head><meta name="generator" content="Sphinx 7"><title>{title} — Demo 1.0</title></head>
<body><div class="related"><h3>Navigation</h3><a href="genindex.html">index</a></div>
<div class="document"><div class="body" role="main">{body}</div></div>
<div class="sphinxsidebar"><h3>Quick search</h3></div></body></html>"##
        )
    };
    let files = vec![
        (
            "index.html".to_string(),
            page(
                "Demo",
                r##"<section><h1>Demo<a class="headerlink" href="#demo">¶</a></h1>
<div class="toctree-wrapper compound"><ul>
<li class="toctree-l1"><a class="reference internal" href="usage.html">Usage</a></li>
<li class="toctree-l1"><a class="reference internal" href="api.html">API</a></li></ul></div></section>"##,
            ),
        ),
        (
            "api.html".to_string(),
            page(
                "API",
                r##"<h1>API</h1><dl class="py function"><dt class="sig sig-object py" id="f">
<span class="sig-name">demo.run</span>(<em>x</em>)<a class="headerlink" href="#f">¶</a></dt>
<dd><p>Runs it.</p></dd></dl>"##,
            ),
        ),
        (
            "usage.html".to_string(),
            page(
                "Usage",
                r##"<h1>Usage</h1><div class="admonition note"><p class="admonition-title">Note</p><p>Careful.</p></div>
<div class="highlight-python notranslate"><div class="highlight"><pre><span class="kn">import</span> demo
</pre></div></div>"##,
            ),
        ),
        ("genindex.html".to_string(), page("Index", "<h1>Index</h1>")),
        (
            "search.html".to_string(),
            page(
                "Search",
                r#"<h1>Search</h1><form action="" method="get"><input type="text" name="q"/></form>"#,
            ),
        ),
        ("_static/x.html".to_string(), page("X", "<p>x</p>")),
    ];
    let files: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(p, s)| (p, s.into_bytes()))
        .collect();
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    assert_eq!(imp.flavor, HtmlFlavor::Sphinx);
    let order: Vec<&str> = imp.docs.iter().map(|d| d.rel_path.as_str()).collect();
    assert_eq!(order, ["index.md", "usage.md", "api.md"]);
    assert_eq!(
        imp.skipped,
        ["_static/x.html", "genindex.html", "search.html"]
    );
    let usage = &imp.docs[1];
    assert_eq!(usage.title, "Usage");
    assert!(
        usage.markdown.contains("**Note**\n\nCareful."),
        "{}",
        usage.markdown
    );
    assert!(
        usage.markdown.contains("```python\nimport demo\n```"),
        "{}",
        usage.markdown
    );
    let api = &imp.docs[2].markdown;
    assert!(api.contains("`demo.run(x)`\n\nRuns it."), "{api}");
    for d in &imp.docs {
        for leaked in ["Navigation", "Quick search", "¶"] {
            assert!(!d.markdown.contains(leaked), "{leaked} in {}", d.rel_path);
        }
    }
    assert!(imp.docs[0].markdown.contains("- [Usage](usage.md)"));
}

#[test]
fn no_html_is_an_error() {
    let files = set(&[
        ("a.css", "x"),
        ("search.html", r#"<p>s</p><input type="search">"#),
    ]);
    assert!(html_set_to_markdown(&files, &HtmlOptions::default()).is_err());
}

#[test]
fn non_utf8_pages_are_decoded() {
    let mut bytes = b"<html><head><meta charset=\"iso-8859-1\"><title>Caf".to_vec();
    bytes.push(0xE9);
    bytes.extend_from_slice(b"</title></head><body><main><p>na");
    bytes.push(0xEF);
    bytes.extend_from_slice(b"ve</p></main></body></html>");
    let imp =
        html_set_to_markdown(&[("index.html".into(), bytes)], &HtmlOptions::default()).unwrap();
    assert_eq!(imp.docs[0].title, "Café");
    assert!(imp.docs[0].markdown.contains("naïve"));
}

fn owned(files: Vec<(String, String)>) -> Vec<(String, Vec<u8>)> {
    files
        .into_iter()
        .map(|(p, s)| (p, s.into_bytes()))
        .collect()
}

fn body_of(md: &str) -> &str {
    md.strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---\n").map(|i| &rest[i + 5..]))
        .unwrap_or(md)
}

/// Pages of a hand-made site: a banner and menu before the content, a
/// "last updated" footer after it, no `main`, `article` or role marker.
/// Words that tell pages apart (digits alone do not: dates and counters
/// are folded when blocks are compared).
const NAMES: [&str; 10] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
];

fn handmade_site(n: usize) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (i, w) in NAMES.iter().enumerate().take(n) {
        let name = if i == 0 {
            "index.html".to_string()
        } else {
            format!("page{i}.html")
        };
        let links: String = (1..n)
            .map(|j| format!("<a href=\"page{j}.html\">Topic {j}</a> "))
            .collect();
        files.push((
            name,
            format!(
                r#"<html><head><title>Topic {i} title</title></head><body>
<div class="top"><a href="index.html"><img src="logo.gif" alt="Acme"></a>
<div class="tagline">Small. Fast. Reliable.</div>
<div class="menu"><ul><li><a href="index.html">Home</a></li><li><a href="about.html">About</a></li>
<li><a href="docs.html">Documentation</a></li><li><a href="dl.html">Download</a></li></ul></div></div>
<pre>#include &lt;widget.h&gt;</pre>
<h1>Topic {i}</h1>
<p>Topic {i} explains the {w} widget in some detail, with enough words to read as content.</p>
<p>Added in version 2.</p>
<p>The second paragraph about {w} says more about how the widget is set up and used.</p>
{index}
<hr>
<p align="center"><small>This page last modified on 2024-05-{day:02} 12:18:{i:02} UTC</small></p>
</body></html>"#,
                index = if i == 0 { links } else { String::new() },
                day = i + 1,
            ),
        ));
    }
    owned(files)
}

#[test]
fn repeated_menu_and_footer_are_removed_by_frequency() {
    let imp = html_set_to_markdown(&handmade_site(8), &HtmlOptions::default()).unwrap();
    assert_eq!(imp.flavor, HtmlFlavor::Generic);
    assert_eq!(imp.docs.len(), 8);
    assert!(imp.problems.is_empty(), "{:?}", imp.problems);
    for d in &imp.docs {
        let b = body_of(&d.markdown);
        for furniture in [
            "Small. Fast",
            "Documentation",
            "Download",
            "last modified",
            "Home",
        ] {
            assert!(
                !b.contains(furniture),
                "{furniture} in {}:\n{b}",
                d.rel_path
            );
        }
        // Content stays, including a sentence that repeats mid-page.
        assert!(b.contains("widget in some detail"), "{b}");
        assert!(b.contains("Added in version 2."), "{b}");
        assert!(b.contains("second paragraph"), "{b}");
        // Code repeated at the top of every page is still code.
        assert!(b.contains("```\n#include <widget.h>\n```"), "{b}");
        // The rule above the footer went with it.
        assert!(!b.trim_end().ends_with("---"), "{b}");
    }
    // The index page's own list of links is content, not furniture.
    assert!(imp.docs[0].markdown.contains("[Topic 3](page3.md)"));
}

#[test]
fn small_sets_are_not_pruned_by_frequency() {
    let imp = html_set_to_markdown(&handmade_site(3), &HtmlOptions::default()).unwrap();
    assert!(body_of(&imp.docs[1].markdown).contains("Added in version 2."));
    assert!(body_of(&imp.docs[1].markdown).contains("last modified"));
}

/// A Sphinx set with a custom theme: no `role=main`, no `div.body`, no
/// `main` or `article`; the global contents in a sidebar on every page.
#[test]
fn theme_without_markers_keeps_content_and_drops_navigation() {
    let n = 7;
    let mut files = Vec::new();
    for (i, w) in NAMES.iter().enumerate().take(n) {
        let name = if i == 0 {
            "index.html".to_string()
        } else {
            format!("ch{i}.html")
        };
        let toc: String = (1..n)
            .map(|j| format!("<li class=\"l1\"><a href=\"ch{j}.html\">Chapter {j}</a></li>"))
            .collect();
        let toctree = if i == 0 {
            format!("<div class=\"toctree-wrapper\"><ul>{toc}</ul></div>")
        } else {
            String::new()
        };
        files.push((
            name,
            format!(
                r#"<html><head><meta name="generator" content="Sphinx 7.2"><title>Chapter {i} &#8212; Gadget 2.0 manual</title></head>
<body><div class="wrap"><div class="leftcol"><p class="caption">Contents</p><ul>{toc}</ul>
<div class="searchbox"><form><input name="q"></form></div></div>
<div class="page"><section id="c{i}"><h1>Chapter {i}<a class="headerlink" href="{hash}c{i}" title="Link to this heading">¶</a></h1>
<p>Chapter {i} of the gadget manual describes the {w} step of the setup with several words.</p>{toctree}
<section id="d{i}"><h2>Details<a href="{hash}d{i}">{hash}</a></h2><p>Details of the {w} step follow here.</p></section></section></div>
<div class="foot">&#169; Copyright 2024, Gadget team. Created using Sphinx 7.2.</div></div></body></html>"#,
                hash = "#"
            ),
        ));
    }
    let imp = html_set_to_markdown(&owned(files), &HtmlOptions::default()).unwrap();
    assert_eq!(imp.flavor, HtmlFlavor::Sphinx);
    assert!(imp.problems.is_empty(), "{:?}", imp.problems);
    let order: Vec<&str> = imp.docs.iter().map(|d| d.rel_path.as_str()).collect();
    assert_eq!(order[..3], ["index.md", "ch1.md", "ch2.md"]);
    for (i, d) in imp.docs.iter().enumerate() {
        let b = body_of(&d.markdown);
        assert!(
            b.contains(&format!("describes the {} step", NAMES[i])),
            "{b}"
        );
        assert!(b.contains("## Details"), "{b}");
        assert!(!b.contains("Copyright"), "{b}");
        assert!(!b.contains('¶') && !b.contains("Details#"), "{b}");
        assert_eq!(d.title, format!("Chapter {i}"));
        if i > 0 {
            assert!(
                !b.contains("Chapter 3]"),
                "sidebar leaked into {}: {b}",
                d.rel_path
            );
        }
    }
    assert_eq!(imp.title.as_deref(), Some("Gadget 2.0 manual"));
}

#[test]
fn permalink_anchors_never_reach_text_or_headings() {
    let files = set(&[(
        "index.html",
        r##"<html><head><title>Anchors</title></head><body><main>
<h1 id="a">Anchors <a class="anchor" href="#a"><svg></svg></a></h1>
<h2 id="b">Second<a href="#b" aria-label="Permalink to this headline">§</a></h2>
<p>Text with a <a href="#b">real link</a> kept.</p>
<h2 id="c"><a href="#c">#</a> Third</h2>
<dl><dt id="f">func()<a class="headerlink" href="#f" title="Link to this definition">¶</a></dt><dd>Does it.</dd></dl>
<h3 id="d">Fourth ¶</h3>
<h2 class="anchor anchorTargetStickyNavbar_Vzrq" id="e">Fifth, a Docusaurus heading<a href="#e" class="hash-link" aria-label="Direct link to Fifth" title="Direct link to Fifth">&#8203;</a></h2>
<p>Its text.</p>
</main></body></html>"##,
    )]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    for mark in ['¶', '§'] {
        assert!(!md.contains(mark), "{mark} in {md}");
    }
    assert!(md.contains("\n## Second\n"), "{md}");
    assert!(md.contains("\n## Third\n"), "{md}");
    assert!(md.contains("\n### Fourth\n"), "{md}");
    // The class `anchor` on a heading marks a scroll target, not a link.
    assert!(
        md.contains("\n## Fifth, a Docusaurus heading\n\nIts text.\n"),
        "{md}"
    );
    assert!(!md.contains('\u{200b}'), "{md}");
    assert!(md.contains("real link"), "{md}");
    assert!(!md.contains("Link to this"), "{md}");
}

#[test]
fn block_content_in_cells_makes_a_readable_pipe_table() {
    let files = set(&[(
        "index.html",
        r##"<html><head><title>Tables</title></head><body><main><h1>Tables</h1>
<table><thead><tr><th><p>Option</p></th><th><p>Meaning</p></th></tr></thead><tbody>
<tr><td><p><code>-v</code></p></td><td><p>Verbose.</p><p>Prints more.</p></td></tr>
<tr><td><p>-q</p></td><td><ul><li><p>quiet</p></li><li><p>no | output</p></li></ul></td></tr>
<tr><td></td><td></td></tr>
<tr><td rowspan="2"><p>both</p></td><td><p>first</p></td></tr>
<tr><td><p>second</p></td></tr>
</tbody></table>
<table><tr><th>Form</th><th>Example</th></tr>
<tr><td><p>Loop</p></td><td><pre>for x in y:
    pass</pre></td></tr></table>
</main></body></html>"##,
    )]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    assert!(
        md.contains(
            "| Option | Meaning |\n| --- | --- |\n| `-v` | Verbose.<br>Prints more. |\n\
| -q | - quiet<br>- no \\| output |\n| both | first |\n| both | second |\n"
        ),
        "{md}"
    );
    // No empty rows, no loose paragraphs before the table.
    assert!(!md.contains("|  |  |"), "{md}");
    assert!(!md.contains("\nVerbose.\n"), "{md}");
    // Code cannot live in a pipe cell: that table becomes labelled blocks.
    assert!(
        md.contains(
            "- **Form**\n\n  Loop\n\n  **Example**\n\n  ```\n  for x in y:\n      pass\n  ```"
        ),
        "{md}"
    );
}

#[test]
fn in_page_contents_lists_are_dropped() {
    let files = set(&[(
        "index.html",
        r##"<html><head><title>Guide</title></head><body><main><h1>Guide</h1>
<div class="contents"><p class="topic-title">On this page</p><ul>
<li><a href="#one">One</a></li><li><a href="#two">Two</a></li><li><a href="index.html#three">Three</a></li></ul></div>
<h2 id="one">One</h2><p>First part.</p><h2 id="two">Two</h2><p>Second part.</p><h2 id="three">Three</h2><p>Third.</p>
</main></body></html>"##,
    )]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    assert!(!md.contains("On this page"), "{md}");
    assert!(!md.contains("- One"), "{md}");
    assert!(md.contains("## Two\n\nSecond part."), "{md}");
}

#[test]
fn titles_drop_the_site_name_and_collisions_are_told_apart() {
    let page = |title: &str, h1: &str| {
        format!("<html><head><title>{title}</title></head><body><main><h1>{h1}</h1><p>Some text about {title}.</p></main></body></html>")
    };
    let files = owned(vec![
        ("index.html".into(), page("Acme Docs", "Welcome")),
        (
            "a/intro.html".into(),
            page("Overview | Acme Docs", "Overview"),
        ),
        (
            "b/intro.html".into(),
            page("Overview | Acme Docs", "Overview"),
        ),
        (
            "c/open.html".into(),
            page("Open a file | Acme Docs", "C API"),
        ),
        (
            "c/close.html".into(),
            page("Close a file | Acme Docs", "C API"),
        ),
        ("c/index.html".into(), page("C API | Acme Docs", "C API")),
    ]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let title = |p: &str| {
        imp.docs
            .iter()
            .find(|d| d.rel_path == p)
            .map(|d| d.title.clone())
            .unwrap()
    };
    assert_eq!(title("index.md"), "Welcome");
    assert_eq!(title("c/open.md"), "Open a file");
    assert_eq!(title("c/close.md"), "Close a file");
    assert_eq!(title("c/index.md"), "C API");
    assert_ne!(title("a/intro.md"), title("b/intro.md"));
    assert!(
        title("a/intro.md").starts_with("Overview ("),
        "{}",
        title("a/intro.md")
    );
    assert_eq!(imp.distinct_title_share(), 1.0);
    assert_eq!(imp.title.as_deref(), Some("Acme Docs"));
}

#[test]
fn an_empty_page_is_a_problem_not_a_silent_drop() {
    let files = set(&[
        ("index.html", "<html><head><title>Home</title></head><body><main><h1>Home</h1><p>Hello there.</p></main></body></html>"),
        ("blank.html", "<html><head><title>Blank</title></head><body><script>x()</script></body></html>"),
    ]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    assert_eq!(
        imp.docs.len(),
        2,
        "the document is kept so links to it resolve"
    );
    assert_eq!(imp.problems.len(), 1, "{:?}", imp.problems);
    assert_eq!(imp.problems[0].path, "blank.html");
    assert!(
        imp.problems[0].reason.contains("no text"),
        "{:?}",
        imp.problems
    );
}

#[test]
fn undeclared_non_utf8_is_decoded_and_reported() {
    let mut bytes = b"<html><head><title>Caf".to_vec();
    bytes.push(0xE9);
    bytes.extend_from_slice(b"</title></head><body><main><p>cr");
    bytes.push(0xE8);
    bytes.extend_from_slice(b"me</p></main></body></html>");
    let imp =
        html_set_to_markdown(&[("index.html".into(), bytes)], &HtmlOptions::default()).unwrap();
    assert!(imp.docs[0].markdown.contains("crème"));
    let w = &imp.docs[0].warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].message.contains("declares no charset"), "{w:?}");
}

/// A Doxygen-like class reference: no content marker, a title area and menu
/// above the content, a generator footer below, declarations in a layout
/// table with separator rows and a heading in a cell.
#[test]
fn doxygen_like_reference_pages() {
    let files: Vec<(String, String)> = NAMES[..7]
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let name = if i == 0 {
                "index.html".to_string()
            } else {
                format!("class_{w}.html")
            };
            let page = format!(
                r##"<html><head><meta name="generator" content="Doxygen 1.9.8"><title>Widget Lib: {w} Class Reference</title></head><body>
<div id="top"><div id="titlearea"><table><tr><td><div id="projectname">Widget Lib <span id="projectnumber">2.1</span></div></td></tr></table></div>
<div id="main-nav"><ul><li><a href="index.html">Main Page</a></li><li><a href="annotated.html">Classes</a></li><li><a href="files.html">Files</a></li></ul></div></div>
<div id="doc-content"><div class="header"><div class="headertitle"><div class="title">{w} Class Reference</div></div></div>
<div class="contents"><p>The {w} class keeps widgets in order.</p>
<table class="memberdecls"><tr class="heading"><td colspan="2"><h2 class="groupheader">Public Member Functions</h2></td></tr>
<tr><td class="memItemLeft">int </td><td class="memItemRight"><a class="el" href="#a1">size</a> () const</td></tr>
<tr><td class="memSeparator" colspan="2">&#160;</td></tr></table>
<h2 class="groupheader">Member Function Documentation</h2>
<div class="memitem"><div class="memproto">int {w}::size () const</div><div class="memdoc"><p>Returns the {w} size.</p></div></div>
</div></div>
<hr class="footer"/><address class="footer"><small>Generated by&#160;<a href="https://www.doxygen.org/index.html">doxygen</a> 1.9.8</small></address>
</body></html>"##
            );
            (name, page)
        })
        .collect();
    let imp = html_set_to_markdown(&owned(files), &HtmlOptions::default()).unwrap();
    assert_eq!(imp.flavor, HtmlFlavor::Generic);
    assert!(imp.problems.is_empty(), "{:?}", imp.problems);
    for d in &imp.docs {
        let b = body_of(&d.markdown);
        let w = d
            .title
            .strip_suffix(" Class Reference")
            .unwrap_or_else(|| panic!("title {}", d.title));
        assert!(NAMES.contains(&w), "{}", d.title);
        assert!(b.contains(&format!("Returns the {w} size.")), "{b}");
        assert!(b.contains(&format!("int {w}::size () const")), "{b}");
        assert!(b.contains("| **Public Member Functions** |"), "{b}");
        assert!(b.contains("| int | size () const |"), "{b}");
        for chrome in [
            "Main Page",
            "Classes",
            "Generated by",
            "doxygen",
            "Widget Lib",
        ] {
            assert!(!b.contains(chrome), "{chrome} in {b}");
        }
        assert!(!b.contains("|  |  |"), "{b}");
    }
    assert_eq!(imp.title.as_deref(), Some("Widget Lib"));
}

/// Sites with extensionless URLs (Docusaurus, Hugo) link pages as
/// `/docs/intro`, which is `docs/intro/index.html` (or `docs/intro.html`) on
/// disk: such links resolve to the imported document and set the reading
/// order. Code blocks take their language from the highlighter's class on
/// the `pre`, the `code` or a wrapper (also around a line-numbered table),
/// a one-item "On this page" list naming the page's heading is dropped, and
/// callout titles (Docusaurus, Bootstrap) are bold labels.
#[test]
fn extensionless_links_code_languages_contents_lists_and_callouts() {
    let page = |title: &str, body: &str| {
        format!(
            r##"<html><head><title>{title} | Acme</title></head><body class="language-en">
<nav><a href="/docs/zeta">Zeta</a> <a href="/docs/alpha">Alpha</a></nav>
<main><article><h1>{title}</h1>{body}</article>
<div class="col"><ul class="table-of-contents"><li><a href="#more">More</a></li></ul></div></main></body></html>"##
        )
    };
    let files = owned(vec![
        (
            "index.html".into(),
            page(
                "Acme",
                r#"<p>Read <a href="/docs/zeta">Zeta</a>, then <a href="docs/alpha">Alpha</a>.</p><h2 id="more">More</h2><p>x</p>"#,
            ),
        ),
        (
            "docs/zeta/index.html".into(),
            page(
                "Zeta",
                r#"<pre class="prism-code language-bash"><code>acme start</code></pre><h2 id="more">More</h2><p>Back to <a href="/">home</a>.</p>
<div class="theme-admonition alert"><div class="admonitionHeading_Gvgb"><span><svg viewBox="0 0 1 1"><path d="M0"></path></svg></span>tip</div><div class="admonitionContent_BuS1"><p>Restart after changes.</p></div></div>
<div class="alert alert-info"><h4 class="alert-heading">Note</h4><p>A callout.</p></div>"#,
            ),
        ),
        (
            "docs/alpha.html".into(),
            page(
                "Alpha",
                r#"<div class="language-python highlight"><table class="highlighttable"><tr><td class="linenos"><div class="linenodiv"><pre>1</pre></div></td><td class="code"><div><pre><code>import acme</code></pre></div></td></tr></table></div>
<div class="lang-en"><pre>no language</pre></div><h2 id="more">More</h2><p>y</p>"#,
            ),
        ),
    ]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let doc = |p: &str| doc_at(&imp, p);
    let home = body_of(&doc("index.md").markdown);
    assert!(
        home.contains("Read [Zeta](docs/zeta/index.md), then [Alpha](docs/alpha.md)."),
        "{home}"
    );
    let order: Vec<&str> = {
        let mut d: Vec<_> = imp.docs.iter().collect();
        d.sort_by_key(|d| d.weight);
        d.iter().map(|d| d.rel_path.as_str()).collect()
    };
    assert_eq!(order, ["index.md", "docs/zeta/index.md", "docs/alpha.md"]);
    let zeta = body_of(&doc("docs/zeta/index.md").markdown);
    assert!(zeta.contains("```bash\nacme start\n```"), "{zeta}");
    assert!(zeta.contains("Back to [home](../../index.md)."), "{zeta}");
    // Callout titles are bold labels, not headings.
    assert!(zeta.contains("**tip**\n\nRestart after changes."), "{zeta}");
    assert!(zeta.contains("**Note**\n\nA callout."), "{zeta}");
    assert!(!zeta.contains("# Note"), "{zeta}");
    let alpha = body_of(&doc("docs/alpha.md").markdown);
    assert!(alpha.contains("```python\nimport acme\n```"), "{alpha}");
    assert!(alpha.contains("```\nno language\n```"), "{alpha}");
    for md in [home, zeta, alpha] {
        assert!(!md.contains("- More") && !md.contains("[More]"), "{md}");
    }
}

/// DITA-style topic pages (XHTML, no `nav`): each ends with "Parent topic:",
/// "Previous topic:"/"Next topic:" lines naming other pages and, on some, a
/// "Related information" label over links. Their text differs on every
/// page, their shape does not. A start page that is only a contents list
/// keeps the list; a frameset and a style fragment are skipped, not errors.
/// Pages that end with a "See also" list of their own, and a heading that
/// is a link over a repeated "Added in" line, keep them.
#[test]
fn navigation_by_shape_contents_pages_and_shells() {
    let names = [
        "install", "require", "config", "backup", "upgrade", "logging", "tuning",
    ];
    let mut pages: Vec<(String, String)> = Vec::new();
    pages.push((
        "index.html".into(),
        r#"<html><head><title>Widget Server Guide</title></head><body><main>
<h1>Widget Server Guide</h1><nav><ul><li><a href="topics/install.html">Install</a>
<ul><li><a href="topics/require.html">Requirements</a></li></ul></li>
<li><a href="topics/config.html">Configure</a></li></ul></nav></main></body></html>"#
            .into(),
    ));
    for (i, n) in names.iter().enumerate() {
        let prev = names[(i + names.len() - 1) % names.len()];
        let next = names[(i + 1) % names.len()];
        let children = if i == 2 {
            r#"<ul class="ullinks"><li><strong><a href="tuning.html">Tuning</a></strong><br/>Tune the caches.</li></ul>"#
        } else {
            ""
        };
        let related = if i % 2 == 0 {
            format!(
                r#"<div class="relinfo"><strong>Related information</strong><br/><div><a href="{prev}.html">About {prev}</a></div><div><a href="{next}.html">About {next}</a></div></div>"#
            )
        } else {
            String::new()
        };
        pages.push((
            format!("topics/{n}.html"),
            format!(
                r#"<html><head><title>{n} - Widget Guide</title></head><body>
<div class="crumbs">You are in: <a href="../index.html">Guide</a> › <a href="{n}.html">{}</a></div><h1><a href="{n}.html">About {n}</a></h1>
<p>Applies to every edition.</p>
<div class="body"><p>How {n} works, case {i}.</p><p>The {n} settings live in server.conf; value {i} is the default.</p>{children}</div>
<div class="related-links"><div class="familylinks">
<div class="parentlink"><strong>Parent topic:</strong> <a href="../topics/section{}.html">Section {}</a></div>
<div class="previouslink"><strong>Previous topic:</strong> <a href="{prev}.html">About {prev}</a></div>
<div class="nextlink"><strong>Next topic:</strong> <a href="{next}.html">About {next}</a></div></div>{related}</div>
</body></html>"#,
                ["Setup", "Operations", "Tuning"][i % 3],
                i % 3,
                i % 3
            ),
        ));
    }
    // A reference set: "See also" lists and "Added in" notes of their own.
    let cmds = ["list", "show", "purge", "merge", "split", "watch"];
    for (i, c) in cmds.iter().enumerate() {
        let other = cmds[(i + 1) % cmds.len()];
        pages.push((
            format!("ref/{c}.html"),
            format!(
                r#"<html><head><title>{c}</title></head><body><main>
<h1><a href="{c}.html#{c}">{c}</a></h1><p>Added in version 3.{i}.</p>
<p>The {c} command works on the {c} queue.</p><p><strong>See also</strong></p>
<ul><li><a href="{other}.html">{other}</a></li></ul></main></body></html>"#
            ),
        ));
    }
    pages.push((
        "Default.htm".into(),
        r#"<html><head><title>Help</title></head><body><nav><input type="search"></nav><iframe src="topics/install.html"></iframe></body></html>"#.into(),
    ));
    pages.push((
        "docinfo.html".into(),
        "<style>pre>code { display: inline; }</style>".into(),
    ));
    let files: Vec<(String, Vec<u8>)> = pages
        .iter()
        .map(|(p, s)| (p.clone(), s.as_bytes().to_vec()))
        .collect();
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    assert!(imp.problems.is_empty(), "{:?}", imp.problems);
    assert_eq!(imp.skipped, ["Default.htm", "docinfo.html"]);
    let doc = |p: &str| &doc_at(&imp, p).markdown;
    for (i, n) in names.iter().enumerate() {
        let md = doc(&format!("topics/{n}.md"));
        for gone in [
            "Parent topic",
            "Previous topic",
            "Next topic",
            "Related information",
            "[About",
        ] {
            assert!(!md.contains(gone), "{n}: {gone} left in\n{md}");
        }
        assert!(md.contains(&format!("title: \"About {n}\"")), "{md}");
        assert!(!md.contains("You are in"), "{md}");
        assert!(md.contains(&format!("How {n} works, case {i}.")), "{md}");
        assert!(md.contains("value"), "{md}");
    }
    assert!(doc("topics/config.md").contains("[Tuning](tuning.md)"));
    assert!(doc("topics/config.md").contains("Tune the caches."));
    let start = doc("index.md");
    for link in [
        "[Install](topics/install.md)",
        "[Requirements](topics/require.md)",
        "[Configure](topics/config.md)",
    ] {
        assert!(start.contains(link), "{start}");
    }
    for (i, c) in cmds.iter().enumerate() {
        let md = doc(&format!("ref/{c}.md"));
        assert!(md.contains(&format!("title: \"{c}\"")), "{md}");
        assert!(md.contains(&format!("Added in version 3.{i}.")), "{md}");
        assert!(md.contains("**See also**"), "{md}");
        let other = cmds[(i + 1) % cmds.len()];
        assert!(md.contains(&format!("[{other}]({other}.md)")), "{md}");
    }
}

/// Javadoc lays out a class page's sections as lists (`ul.summary-list`,
/// `ul.member-list`, each `li` a `section` with its heading): those items
/// are sections, so their headings stay headings. A list of steps whose
/// item holds a callout titled with a heading, or a nested list with
/// headings, stays a list.
#[test]
fn lists_that_lay_out_sections_are_not_bullets() {
    let files = set(&[
        (
            "index.html",
            r#"<html><head><title>Home</title></head><body><main><h1>Home</h1><p>See <a href="Queue.html">Queue</a>.</p></main></body></html>"#,
        ),
        (
            "Queue.html",
            r#"<html><head><title>Queue</title></head><body><main><h1>Class Queue</h1>
<div class="block">A bounded queue.</div>
<section class="details"><ul class="details-list"><li><section class="method-details"><h2>Method Details</h2>
<ul class="member-list"><li><section class="detail" id="offer(E)"><h3>offer</h3>
<div class="member-signature">public boolean offer(E e)</div><div class="block">Adds an element if there is room.</div></section></li>
<li><section class="detail" id="poll()"><h3>poll</h3><div class="block">Takes the head, or null.</div></section></li></ul>
</section></li></ul></section>
<ol><li><p>Create the queue.</p><div class="note"><h3 class="title">Note</h3><p>Capacity is fixed.</p></div></li>
<li><p>Offer elements.</p><ul><li><h4>Inner</h4><p>nested layout</p></li></ul></li></ol>
</main></body></html>"#,
        ),
    ]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp
        .docs
        .iter()
        .find(|d| d.rel_path == "Queue.md")
        .unwrap()
        .markdown;
    for line in ["## Method Details", "### offer", "### poll"] {
        assert!(md.lines().any(|l| l == line), "{line} missing\n{md}");
    }
    assert!(md.contains("\nAdds an element if there is room."), "{md}");
    assert!(md.contains("1. Create the queue."), "{md}");
    assert!(md.contains("2. Offer elements."), "{md}");
    assert!(!md.contains("- ## ") && !md.contains("- ### "), "{md}");
}

/// A wiki space export (Confluence's layout, no `main`): each `<title>` and
/// page heading read "Space : Page", a "Created by …, last modified on …"
/// line with a different author on each page, and a start page that is
/// mostly one table, whose content is found by score.
#[test]
fn wiki_export_titles_bylines_and_a_page_that_is_one_table() {
    let topics = [
        "Installing the relay servers",
        "Upgrading the relay servers",
        "Opening the relay ports",
        "Backing up relay queues",
        "Reading the relay logs",
        "Tuning relay throughput",
    ];
    let file = |t: &str| t.split(' ').next().unwrap().to_lowercase();
    let mut pages: Vec<(String, String)> = topics
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let who = ["Ann", "Bob", "Cid", "Dee", "Eve", "Fay"][i];
            (
                format!("{}.html", file(t)),
                format!(
                    r#"<html><head><title>Relay Ops : {t}</title></head><body><div id="page"><div id="main">
<div id="main-header"><h1 id="title-heading"><span id="title-text">Relay Ops : {t}</span></h1></div>
<div id="content" class="view"><div class="page-metadata">Created by <span class="author">{who} Smith</span>, last modified on Mar 0{i}, 2021</div>
<div id="main-content" class="wiki-content"><p>{t} covers the relay's {t} runbook, step by step.</p><h2>Details</h2><p>The {t} log is kept for a week.</p></div>
</div></div></div></body></html>"#
                ),
            )
        })
        .collect();
    pages.push((
        "index.html".into(),
        r#"<html><head><title>Relay Ops</title></head><body><div id="page"><div id="content">
<table class="confluenceTable"><tr><th>Key</th><td>RELAY</td></tr><tr><th>Name</th><td>Relay Ops</td></tr>
<tr><th>Description</th><td>Operations runbooks for the relay fleet</td></tr></table>
<ul><li><a href="installing.html">Installing</a></li><li><a href="upgrading.html">Upgrading</a></li></ul>
</div></div></body></html>"#
            .into(),
    ));
    let files: Vec<(String, Vec<u8>)> = pages
        .iter()
        .map(|(p, s)| (p.clone(), s.as_bytes().to_vec()))
        .collect();
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    assert!(imp.problems.is_empty(), "{:?}", imp.problems);
    let doc = |p: &str| &imp.docs.iter().find(|d| d.rel_path == p).unwrap().markdown;
    for t in topics {
        let md = doc(&format!("{}.md", file(t)));
        assert!(md.contains(&format!("title: \"{t}\"\n")), "{md}");
        assert!(!md.contains("Relay Ops :"), "{md}");
        assert!(!md.contains("Created by"), "{md}");
        assert!(
            md.contains(&format!("{t} covers the relay's {t} runbook")),
            "{md}"
        );
        assert!(md.contains("## Details"), "{md}");
    }
    let start = doc("index.md");
    assert!(start.contains("| Key | RELAY |"), "{start}");
    assert!(
        start.contains("| Description | Operations runbooks for the relay fleet |"),
        "{start}"
    );
}

/// Code languages written the older ways: SyntaxHighlighter's `brush:` (in
/// a class, or in Confluence's `data-syntaxhighlighter-params`), and a bare
/// well-known name on the `pre` (rustdoc's `pre.rust`); a bare class that is
/// not a language name gives none.
#[test]
fn code_languages_from_brushes_and_bare_names() {
    let files = set(&[(
        "index.html",
        r#"<html><head><title>Code</title></head><body><main><h1>Code</h1><p>Four blocks follow.</p>
<pre class="brush: java; gutter: false">int x = 1;</pre>
<pre class="syntaxhighlighter-pre" data-syntaxhighlighter-params="brush: sql; gutter: false; theme: Confluence">SELECT 1;</pre>
<pre class="rust rust-example-rendered"><code>let v = Vec::new();</code></pre>
<pre class="example wide">make all</pre>
</main></body></html>"#,
    )]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    for fence in [
        "```java\nint x = 1;",
        "```sql\nSELECT 1;",
        "```rust\nlet v = Vec::new();",
        "```\nmake all",
    ] {
        assert!(md.contains(fence), "{fence:?} missing\n{md}");
    }
}

/// Icon-font ligatures in `aria-hidden` elements and a link's
/// screen-reader label are not text; longer `aria-hidden` text and
/// screen-reader labels outside links stay.
#[test]
fn icon_ligatures_and_screen_reader_labels_are_not_text() {
    let files = set(&[(
        "index.html",
        r#"<html><head><title>Limits</title></head><body><main><h1>Rate limits</h1>
<p>The gateway allows 100 requests a minute. <a href="https://example.com/p">Read the policy<span class="sr-only">(opens in a new tab)</span><span class="material-icons" aria-hidden="true">open_in_new</span></a></p>
<div class="alert"><span class="material-icons" aria-hidden="true">warning</span> Going over returns HTTP 429.</div>
<div aria-hidden="true"><p>A decorative block that is long enough to be kept as text anyway.</p></div>
<p><span class="sr-only">Note:</span> Keys expire after a year. <span aria-hidden="true">An inline remark long enough to be read.</span></p>
<table><caption class="visually-hidden">Limits by plan</caption><tr><th>Plan</th><th>Limit</th></tr><tr><td>Free</td><td>100</td></tr></table>
</main></body></html>"#,
    )]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    assert!(
        md.contains("[Read the policy](https://example.com/p)"),
        "{md}"
    );
    assert!(md.contains("\nGoing over returns HTTP 429."), "{md}");
    assert!(
        !md.contains("open_in_new") && !md.contains("warning"),
        "{md}"
    );
    assert!(
        md.contains("A decorative block that is long enough"),
        "{md}"
    );
    assert!(md.contains("Limits by plan"), "{md}");
    assert!(md.contains("Note: Keys expire after a year."), "{md}");
    assert!(
        md.contains("An inline remark long enough to be read."),
        "{md}"
    );
}

/// Tables drawn with `div`s: Javadoc's summary grid (the class names the
/// column count, the cells follow each other) and ARIA's `role="table"`
/// with row groups, rows, column headers and cells become pipe tables; a
/// grid whose cells do not fill its rows is left as text.
#[test]
fn tables_drawn_with_divs() {
    let files = set(&[(
        "index.html",
        r##"<html><head><title>Grids</title></head><body><main><h1>Grids</h1><p>Three grids follow.</p>
<div class="summary-table three-column-summary"><div class="table-header col-first">Modifier and Type</div><div class="table-header col-second">Method</div><div class="table-header col-last">Description</div>
<div class="col-first even-row-color"><code>boolean</code></div><div class="col-second even-row-color"><code><a href="#add(E)">add</a>(E e)</code></div><div class="col-last even-row-color"><div class="block">Appends the element.</div></div></div>
<div role="table" aria-label="Limits"><div role="rowgroup"><div role="row"><span role="columnheader">Plan</span><span role="columnheader">Limit</span></div></div>
<div role="rowgroup"><div role="row"><span role="cell">Free</span><span role="cell">100</span></div><div role="row"><span role="cell">Pro</span><span role="cell">1000</span></div></div></div>
<div class="summary-table two-column-summary"><div>Lone</div><div>cells</div><div>three</div></div>
</main></body></html>"##,
    )]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    for line in [
        "| Modifier and Type | Method | Description |",
        "| `boolean` | `add(E e)` | Appends the element. |",
        "| Plan | Limit |",
        "| Free | 100 |",
        "| Pro | 1000 |",
    ] {
        assert!(md.lines().any(|l| l == line), "{line} missing\n{md}");
    }
    assert!(md.contains("\nLone\n"), "{md}");
}

/// Links to a definition's source are not text: Sphinx's "[source]" beside
/// a signature (viewcode), rustdoc's "1.0.0 · Source" beside each method
/// and its "Expand description" toggle.
#[test]
fn source_links_and_toggles_beside_signatures_are_not_text() {
    let sphinx = set(&[
        ("objects.inv", ""),
        (
            "index.html",
            r##"<html><head><title>API — Req 2 documentation</title></head><body><div class="body" role="main">
<section id="api"><h1>API</h1><p>Methods of the client.</p><dl class="py function"><dt class="sig sig-object py" id="req.get">
<span class="sig-name descname"><span class="pre">get</span></span><span class="sig-paren">(</span><em class="sig-param">url</em><span class="sig-paren">)</span><a class="reference internal" href="_modules/req/api.html#get"><span class="viewcode-link"><span class="pre">[source]</span></span></a></dt>
<dd><p>Sends a GET request.</p></dd></dl></section></div></body></html>"##,
        ),
    ]);
    let imp = html_set_to_markdown(&sphinx, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    assert!(md.contains("get(*url*)"), "{md}");
    assert!(
        !md.contains("[source]") && !md.contains("\\[source\\]"),
        "{md}"
    );

    let rustdoc = set(&[(
        "index.html",
        r##"<html><head><title>Queue in q - Rust</title></head><body><main><section id="main-content">
<div class="main-heading"><h1>Struct Queue</h1><span class="sub-heading"><span class="since">1.0.0</span> · <a class="src" href="../src/q/lib.rs.html#1">Source</a></span></div>
<details class="toggle top-doc" open><summary class="hideme"><span>Expand description</span></summary><div class="docblock"><p>A queue of jobs.</p></div></details>
<section id="method.len" class="method"><span class="rightside"><span class="since">1.2.0</span> · <a class="src" href="../src/q/lib.rs.html#9">Source</a></span><h4 class="code-header">pub fn len(&amp;self) -&gt; usize</h4></section>
<div class="docblock"><p>Number of jobs; the source of truth for sizing.</p></div></section></main></body></html>"##,
    )]);
    let imp = html_set_to_markdown(&rustdoc, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    for gone in ["Source", "Expand description", "1.2.0"] {
        assert!(!md.contains(gone), "{gone} left in\n{md}");
    }
    assert!(md.contains("A queue of jobs."), "{md}");
    assert!(md.contains("pub fn len(&self) -> usize"), "{md}");
    assert!(md.contains("the source of truth"), "{md}");
}

/// GNU texinfo's HTML: every node page opens with "Next: §, Previous: §,
/// Up: §" (links with `rel`), whose labels differ with the node's place;
/// every node and anchor name also gets a redirect page ("The node you are
/// looking for is at §"); a node's file is named after the node, so a node
/// called "search" is documentation, not a search page.
#[test]
fn texinfo_node_pages_redirect_stubs_and_a_node_called_search() {
    let nodes = [
        "Overview", "Install", "Ports", "search", "Backup", "Restore", "Upgrade",
    ];
    let mut pages: Vec<(String, String)> = Vec::new();
    let head = |n: &str, body: &str| {
        format!(
            r#"<html><head><title>{n} (Widget Manual)</title><meta name="Generator" content="makeinfo"></head><body lang="en">{body}</body></html>"#
        )
    };
    let menu: String = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!(
                r#"<li><a href="{n}.html" accesskey="{}">{n}</a></li>"#,
                i + 1
            )
        })
        .collect();
    pages.push((
        "index.html".into(),
        head(
            "Top",
            &format!(
                r#"<div class="top" id="Top"><div class="header"><p>Next: <a href="Overview.html" accesskey="n" rel="next">Overview</a> &nbsp; </p></div><hr>
<h1 class="top">Widget Manual</h1><ul class="section-toc">{menu}</ul></div>"#
            ),
        ),
    ));
    for (i, n) in nodes.iter().enumerate() {
        // The first node has no "Previous", the last no "Next": three shapes.
        let mut nav = Vec::new();
        if i + 1 < nodes.len() {
            nav.push(format!(
                r#"Next: <a href="{}.html" accesskey="n" rel="next">{}</a>"#,
                nodes[i + 1],
                nodes[i + 1]
            ));
        }
        if i > 0 {
            nav.push(format!(
                r#"Previous: <a href="{}.html" accesskey="p" rel="prev">{}</a>"#,
                nodes[i - 1],
                nodes[i - 1]
            ));
        }
        nav.push(r#"Up: <a href="index.html" accesskey="u" rel="up">Top</a>"#.into());
        let nav = nav.join(", ");
        pages.push((
            format!("{n}.html"),
            head(
                n,
                &format!(
                    r#"<div class="chapter" id="{n}"><div class="header"><p>{nav} &nbsp; </p></div><hr>
<h2 class="chapter">{} {n}</h2><p>The {n} node explains step {i} of running the widget server.</p>
<p>Next, read <a href="Ports.html">Ports</a> before you open the firewall for {n}.</p>
<p>When {n} fails, go back to the <a href="index.html" rel="up">top</a> of this manual and start again from the overview, which lists every node in order.</p></div>"#,
                    i + 1
                ),
            ),
        ));
        pages.push((
            format!("_0023{}.html", n.to_lowercase()),
            head(
                n,
                &format!(
                    r#"<meta http-equiv="Refresh" content="0; url={n}.html#g_t_0023{n}"><p>The node you are looking for is at <a href="{n}.html#g_t_0023{n}">{n}</a>.</p>"#
                ),
            ),
        ));
    }
    // A page that refreshes slowly (a live status page) is documentation.
    pages.push((
        "status.html".into(),
        head(
            "Status",
            r#"<meta http-equiv="refresh" content="60; url=status.html"><h1>Status</h1><p>The status page lists every running job.</p>"#,
        ),
    ));
    let files: Vec<(String, Vec<u8>)> = pages
        .iter()
        .map(|(p, s)| (p.clone(), s.as_bytes().to_vec()))
        .collect();
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    assert!(imp.problems.is_empty(), "{:?}", imp.problems);
    let stubs: Vec<String> = nodes
        .iter()
        .map(|n| format!("_0023{}.html", n.to_lowercase()))
        .collect();
    let mut want = stubs.clone();
    want.sort();
    assert_eq!(imp.skipped, want);
    let doc = |p: &str| &doc_at(&imp, p).markdown;
    for (i, n) in nodes.iter().enumerate() {
        let md = doc(&format!("{n}.md"));
        for gone in ["Next: [", "Previous: [", "Up: ["] {
            assert!(!md.contains(gone), "{n}: {gone} left in\n{md}");
        }
        assert!(
            md.contains(&format!("explains step {i} of running")),
            "{md}"
        );
        // Links without `rel`, and a `rel` link inside a sentence, stay.
        assert!(md.contains("Next, read "), "{md}");
        assert!(md.contains("go back to the [top](index.md) of"), "{md}");
        assert!(md.contains(&format!("firewall for {n}.")), "{md}");
    }
    assert!(doc("status.md").contains("lists every running job"));
    let top = doc("index.md");
    assert!(top.contains("[search](search.md)"), "{top}");
    assert!(!top.contains("Next: ["), "{top}");
}

/// Footers that themes put inside the element marking the content
/// (pydata's and the book theme's "previous / next" footer sits in
/// `main[role=main]`): page chrome. A quote's footer, its source, is text.
#[test]
fn page_footers_inside_the_content_marker() {
    let page = |name: &str, prev: &str, next: &str| {
        format!(
            r##"<html><head><title>{name} — Widget 2.0 documentation</title><meta name="generator" content="Sphinx 9.0.4"></head><body>
<main id="main-content" class="bd-main" role="main"><div class="bd-article-container">
<article class="bd-article"><section id="{name}"><h1>{name}</h1><p>The {name} page of the widget manual.</p>
<blockquote><p>Measure twice, cut once.</p><footer>Carpenters' saying</footer></blockquote></section></article>
<footer class="prev-next-footer"><div class="prev-next-area">
<a class="left-prev" href="{prev}.html" title="previous page"><div class="prev-next-info"><p class="prev-next-subtitle">previous</p><p class="prev-next-title">{prev}</p></div></a>
<a class="right-next" href="{next}.html" title="next page"><div class="prev-next-info"><p class="prev-next-subtitle">next</p><p class="prev-next-title">{next}</p></div></a>
</div></footer></div></main></body></html>"##
        )
    };
    let names = ["index", "usage", "api"];
    let mut files = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let prev = names[(i + names.len() - 1) % names.len()];
        let next = names[(i + 1) % names.len()];
        files.push((format!("{n}.html"), page(n, prev, next).into_bytes()));
    }
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    assert_eq!(imp.flavor, HtmlFlavor::Sphinx);
    for d in &imp.docs {
        let md = &d.markdown;
        assert!(md.contains("page of the widget manual."), "{md}");
        assert!(md.contains("Carpenters' saying"), "{md}");
        for gone in ["previous", "next"] {
            assert!(!md.contains(gone), "{gone} left in\n{md}");
        }
    }
}

/// VitePress prints the language over each code block (`span.lang` in
/// `div.language-sh`), which the fence already says; the host's "not found"
/// page at the root of any generator's output is not documentation, while
/// a `404.html` further down (a status code's page) is.
#[test]
fn code_block_language_labels_and_the_hosts_404_page() {
    let files = set(&[
        (
            "index.html",
            r##"<html><head><title>Relay | Docs</title></head><body><main><div class="vp-doc"><h1>Install</h1>
<p>Install the package:</p>
<div class="language-sh vp-adaptive-theme"><button title="Copy Code" class="copy"></button><span class="lang">sh</span><pre class="shiki"><code><span class="line">dnf install relay</span></code></pre></div>
<p>The shell is sh by default; see <a href="errors/404.html">404</a>.</p>
<div class="language-json"><span class="lang">json</span><pre><code>{"lang": "json"}</code></pre></div></div></main></body></html>"##,
        ),
        (
            "errors/404.html",
            r##"<html><head><title>404 Not Found | Docs</title></head><body><main><h1>404 Not Found</h1><p>The call or session does not exist.</p></main></body></html>"##,
        ),
        (
            "404.html",
            r##"<html><head><title>404 | Docs</title></head><body><main><h1>404</h1><p>Page not found.</p><a href="index.html">Take me home</a></main></body></html>"##,
        ),
    ]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    assert_eq!(imp.skipped, ["404.html"]);
    let md = &imp.docs[0].markdown;
    assert!(
        md.contains("Install the package:\n\n```sh\ndnf install relay\n```"),
        "{md}"
    );
    assert!(md.contains("```json\n{\"lang\": \"json\"}\n```"), "{md}");
    assert!(!md.contains("\nsh\n") && !md.contains("\njson\n"), "{md}");
    assert!(md.contains("The shell is sh by default"), "{md}");
    let status = imp
        .docs
        .iter()
        .find(|d| d.rel_path == "errors/404.md")
        .expect("a status code's page is kept");
    assert!(status.markdown.contains("does not exist"));
}

/// What Doxygen 1.9 writes beyond the layout above: the page title in
/// `div.headertitle > div.title` (no heading; the first heading is a
/// declaration table's "Classes"), code drawn one `div.line` per line with
/// its number and hover tooltips, signatures laid out as `table.memname`,
/// and the search machinery's frames under `search/`.
#[test]
fn doxygen_titles_line_drawn_code_signatures_and_search_frames() {
    // Doxygen's `<title>` of every member list is "Project: Member List".
    let page = |head: &str, title: &str, body: &str| {
        format!(
            r##"<html><head><meta name="generator" content="Doxygen 1.9.4"/><title>Widget Lib: {head}</title></head><body>
<div id="top"><div id="titlearea"><div id="projectname">Widget Lib</div></div></div>
<div id="doc-content"><div class="header"><div class="summary"><a href="#nested-classes">Classes</a> &#124; <a href="#func-members">Functions</a></div>
<div class="headertitle"><div class="title">{title}</div></div></div><div class="contents">{body}</div></div>
<hr class="footer"/><address class="footer"><small>Generated by&#160;<a href="https://www.doxygen.org/index.html">doxygen</a> 1.9.4</small></address></body></html>"##
        )
    };
    let line = |n: usize, code: &str| {
        format!(
            r#"<div class="line"><a id="l{n:05}" name="l{n:05}"></a><span class="lineno">{n:>5}</span>{code}</div>"#
        )
    };
    let header = page(
        "widget.h File Reference",
        "widget.h File Reference",
        &format!(
            r##"<table class="memberdecls"><tr class="heading"><td colspan="2"><h2 class="groupheader"><a name="nested-classes"></a>Classes</h2></td></tr>
<tr class="memitem:"><td class="memItemLeft">struct </td><td class="memItemRight"><a class="el" href="structwidget.html">widget</a></td></tr></table>
<h2 class="groupheader">Function Documentation</h2>
<h2 class="memtitle"><span class="permalink"><a href="#a1">&#9670;&nbsp;</a></span>widget_resize()</h2>
<div class="memitem"><div class="memproto"><table class="memname"><tr><td class="memname">int widget_resize </td><td>(</td><td class="paramtype">struct <a class="el" href="structwidget.html">widget</a> *&#160;</td><td class="paramname"><em>w</em>, </td></tr>
<tr><td class="paramkey"></td><td></td><td class="paramtype">int&#160;</td><td class="paramname"><em>size</em>&#160;</td></tr><tr><td></td><td>)</td><td></td><td></td></tr></table></div>
<div class="memdoc"><p>Resizes a widget in place.</p><div class="fragment">{}
<div class="ttc" id="aw"><div class="ttname"><a href="structwidget.html">widget</a></div><div class="ttdef"><b>Definition:</b> widget.h:12</div></div>
{}</div></div></div>"##,
            line(
                1,
                r#"<span class="keywordtype">int</span> rc = widget_resize(w, 10);"#
            ),
            line(2, r#"<span class="keywordflow">if</span> (rc) abort();"#)
        ),
    );
    let members = |w: &str| {
        page(
            "Member List",
            &format!("{w} Member List"),
            &format!(
                r#"<p>This is the complete list of members for {w}, including all inherited members.</p><table class="directory"><tr><td><a href="struct{w}.html">size</a></td><td>{w}</td></tr></table>"#
            ),
        )
    };
    let frame = r#"<html><head><title></title></head><body class="SRPage"><div id="SRIndex"><div class="SRStatus" id="Loading">Loading...</div><div id="SRResults"></div><div class="SRStatus" id="Searching">Searching...</div><div class="SRStatus" id="NoMatches">No Matches</div></div></body></html>"#;
    let files = owned(vec![
        ("widget_8h.html".to_string(), header),
        ("structwidget-members.html".to_string(), members("widget")),
        ("structgadget-members.html".to_string(), members("gadget")),
        ("search/all_0.html".to_string(), frame.to_string()),
        ("search/nomatches.html".to_string(), frame.to_string()),
        // Member indexes, Doxygen's `genindex`: links to where each name is.
        (
            "globals_func_w.html".to_string(),
            page(
                "Globals",
                "Globals",
                r#"<h3>- w -</h3><ul><li>widget_resize() : <a href="widget_8h.html">widget.h</a></li></ul>"#,
            ),
        ),
        (
            "functions.html".to_string(),
            page(
                "Data Fields",
                "Data Fields",
                r#"<ul><li>size : <a href="structwidget.html">widget</a></li></ul>"#,
            ),
        ),
    ]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    assert!(imp.problems.is_empty(), "{:?}", imp.problems);
    assert_eq!(
        imp.skipped,
        [
            "functions.html",
            "globals_func_w.html",
            "search/all_0.html",
            "search/nomatches.html"
        ]
    );
    // The same name from another generator is a page like any other.
    let hand = set(&[(
        "functions.html",
        "<html><head><title>Functions</title></head><body><main><h1>Functions</h1><p>Every function of the widget library.</p></main></body></html>",
    )]);
    let other = html_set_to_markdown(&hand, &HtmlOptions::default()).unwrap();
    assert!(other.skipped.is_empty(), "{:?}", other.skipped);
    let doc = |p: &str| doc_at(&imp, p);
    let h = doc("widget_8h.md");
    assert_eq!(h.title, "widget.h File Reference");
    let b = body_of(&h.markdown);
    assert!(b.contains("| **Classes** |"), "{b}");
    assert!(
        b.contains("```\nint widget_resize(struct widget * w, int size)\n```"),
        "{b}"
    );
    assert!(
        b.contains("```\nint rc = widget_resize(w, 10);\nif (rc) abort();\n```"),
        "{b}"
    );
    assert!(!b.contains("Definition:"), "{b}");
    assert!(!b.contains("widget.h File Reference"), "{b}");
    for w in ["widget", "gadget"] {
        let d = doc(&format!("struct{w}-members.md"));
        assert_eq!(d.title, format!("{w} Member List"));
    }
}

/// A listing drawn as a table with its line numbers in the first cell
/// (gtk-doc's `td.listing_lines`, other highlighters' gutters under other
/// class names): the numbers are not code. A table whose first column
/// counts rows is data and stays.
#[test]
fn line_number_gutters_beside_code_are_not_code() {
    let files = set(&[(
        "index.html",
        r##"<html><head><title>Arrays</title></head><body><main><h1>Arrays</h1><p>An example:</p>
<table class="listing_frame"><tbody><tr><td class="listing_lines" align="right"><pre>1
2
3</pre></td><td class="listing_code"><pre class="programlisting">GArray *a;
a = g_array_new (FALSE, FALSE, sizeof (gint));
g_array_free (a, TRUE);</pre></td></tr></tbody></table>
<table><tr><th>#</th><th>Step</th></tr><tr><td>1</td><td>Create</td></tr><tr><td>2</td><td>Free</td></tr></table>
</main></body></html>"##,
    )]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    assert!(
        md.contains("```\nGArray *a;\na = g_array_new (FALSE, FALSE, sizeof (gint));\ng_array_free (a, TRUE);\n```"),
        "{md}"
    );
    assert!(!md.contains("```\n1\n2\n3\n```"), "{md}");
    assert!(md.contains("| 1 | Create |"), "{md}");
}

/// Javadoc: the site name is a bracketed suffix of every `<title>`
/// ("StringUtils (Commons Lang 3.12.0 API)"), a heading breaks a line
/// between words ("Uses of Package<br>org.example"), and the linked source
/// numbers every line in `span.source-line-no`.
#[test]
fn javadoc_bracketed_site_names_broken_headings_and_source_line_numbers() {
    let page = |path: &str, title: &str, body: &str| {
        (
            path.to_string(),
            format!(
                r#"<html><head><title>{title} (Widget Lib 2.1 API)</title><meta name="generator" content="javadoc/JavadocTool"></head><body><main role="main">{body}</main></body></html>"#
            ),
        )
    };
    let files = vec![
        page(
            "org/example/Widget.html",
            "Widget",
            r#"<p>A widget that resizes.</p>"#,
        ),
        page(
            "org/example/Gadget.html",
            "Gadget",
            r#"<p>A gadget that counts.</p>"#,
        ),
        page(
            "org/example/package-use.html",
            "Uses of Package org.example",
            r#"<h1 title="Uses of Package org.example" class="title">Uses of Package<br>org.example</h1><p>Classes in org.example used by org.example.</p>"#,
        ),
        page(
            "src-html/org/example/Widget.html",
            "Source code",
            r#"<div class="source-container"><pre><span class="source-line-no">001</span><span id="line-1">package org.example;</span>
<span class="source-line-no">002</span><span id="line-2">public class Widget {}</span></pre></div>"#,
        ),
    ];
    let imp = html_set_to_markdown(&owned(files), &HtmlOptions::default()).unwrap();
    let doc = |p: &str| doc_at(&imp, p);
    // Pages without a heading take their `<title>`, less the site's name.
    assert_eq!(imp.title.as_deref(), Some("Widget Lib 2.1 API"));
    assert_eq!(doc("org/example/Widget.md").title, "Widget");
    assert_eq!(doc("org/example/Gadget.md").title, "Gadget");
    assert_eq!(
        doc("org/example/package-use.md").title,
        "Uses of Package org.example"
    );
    let src = &doc("src-html/org/example/Widget.md").markdown;
    assert!(
        src.contains("```\npackage org.example;\npublic class Widget {}\n```"),
        "{src}"
    );
}

/// What a page shows on hover is text a reader has: an abbreviation's
/// expansion (Sphinx's `:abbr:` role) and a glossary term's popup
/// definition (MadCap Flare) follow their term in parentheses, once.
#[test]
fn abbreviation_expansions_and_glossary_popups_are_kept() {
    let files = set(&[(
        "index.html",
        r##"<html><head><title>Storage</title></head><body><main><h1>Storage</h1>
<p>Store images as a <abbr title="Binary Large OBject">BLOB</abbr>; a stack is
<abbr title="last-in, first-out">LIFO</abbr>.</p>
<p>A Common Table Expression (<abbr title="Common Table Expression">CTE</abbr>) names a query.</p>
<p>Plain <abbr>EOF</abbr> and <abbr title="URL">URL</abbr> stay as they are.</p>
<p>Set <a href="javascript:void(0);" class="MCTextPopup glossaryTerm"
 data-mc-popup-text="The time a delivered message is kept before it is purged.">retention period<span class="MCTextPopupArrow"></span></a> under Settings.</p>
</main></body></html>"##,
    )]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    assert!(
        md.contains("as a BLOB (Binary Large OBject); a stack is LIFO (last-in, first-out)."),
        "{md}"
    );
    assert!(
        md.contains("A Common Table Expression (CTE) names a query."),
        "{md}"
    );
    assert!(md.contains("Plain EOF and URL stay as they are."), "{md}");
    assert!(
        md.contains(
            "Set retention period (The time a delivered message is kept before it is purged.) under Settings."
        ),
        "{md}"
    );
}

/// Doxygen says where a page's documentation is (`div.contents`): a line
/// that ends many of its pages ("Definition at line § of file §.") is the
/// last member's, not a footer, and a page for a file with nothing
/// documented is chrome only, so it is skipped, not imported as its
/// project name and "Generated by".
#[test]
fn doxygen_contents_are_exact_and_empty_file_pages_are_skipped() {
    let page = |title: &str, body: &str| {
        format!(
            r##"<html><head><meta name="generator" content="Doxygen 1.9.4"/><title>Gizmo: {title}</title></head><body>
<div id="top"><div id="titlearea"><table><tr id="projectrow"><td><div id="projectname">Gizmo<span id="projectnumber">&#160;2.0</span></div></td></tr></table></div></div>
<div id="doc-content"><div class="header"><div class="headertitle"><div class="title">{title}</div></div></div>
<div class="contents">{body}</div></div>
<div id="nav-path" class="navpath"><ul><li class="navelem"><a class="el" href="index.html">{title}</a></li>
<li class="footer">Generated by <a href="https://www.doxygen.org/index.html">doxygen</a> 1.9.4 </li></ul></div></body></html>"##
        )
    };
    let member = |name: &str, line: usize| {
        format!(
            r#"<h2 class="memtitle">{name}</h2><div class="memitem"><div class="memdoc"><p>The {name} of the gizmo.</p>
<p class="definition">Definition at line <a class="el" href="gizmo_8h_source.html">{line}</a> of file <a class="el" href="gizmo_8h_source.html">gizmo.h</a>.</p></div></div>"#
        )
    };
    let mut files = Vec::new();
    for (i, s) in ["color", "shape", "size", "speed", "state", "style", "track"]
        .iter()
        .enumerate()
    {
        let body = format!(
            r#"<p><code>#include &lt;gizmo.h&gt;</code></p><h2 class="groupheader">Field Documentation</h2>{}{}
<hr/>The documentation for this struct was generated from the following file:<ul><li><a class="el" href="gizmo_8h_source.html">gizmo.h</a></li></ul>"#,
            member("width", 10 + i),
            member(&format!("{s}_depth"), 20 + i)
        );
        files.push((
            format!("struct_{s}.html"),
            page(&format!("gizmo_{s} Struct Reference"), &body),
        ));
    }
    files.push((
        "README-porting_8md.html".to_string(),
        page("README-porting.md File Reference", "\n"),
    ));
    let imp = html_set_to_markdown(&owned(files), &HtmlOptions::default()).unwrap();
    let md = &doc_at(&imp, "struct_track.md").markdown;
    assert!(
        md.contains(
            "The track_depth of the gizmo.\n\nDefinition at line 26 of file gizmo.h.\n\n---\n\nThe documentation for this struct was generated from the following file:\n\n- gizmo.h\n"
        ),
        "{md}"
    );
    assert!(md.contains("`#include <gizmo.h>`"), "{md}");
    assert!(
        !md.contains("Gizmo 2.0") && !md.contains("Generated by"),
        "{md}"
    );
    assert!(
        imp.skipped.iter().any(|p| p == "README-porting_8md.html"),
        "{:?}",
        imp.skipped
    );
    assert!(imp.problems.is_empty(), "{:?}", imp.problems);
}

/// A table whose columns are empty in every row lays text out: groff's man
/// pages indent a short option and its description with two empty cells,
/// hand-made sites put a gap between a term and its text. Its cells are
/// blocks, one item per row; a table with data in every column stays a
/// pipe table.
#[test]
fn layout_tables_with_spacer_columns_are_blocks() {
    let files = set(&[(
        "ls.html",
        r##"<html><head><meta name="generator" content="groff -Thtml, see www.gnu.org"><title>LS</title></head><body>
<h1 align="center">LS</h1><h2>OPTIONS</h2>
<p style="margin-left:11%;"><b>-A</b>, <b>--almost-all</b></p><p style="margin-left:22%;">do not list implied . and ..</p>
<table width="100%" border="0" rules="none" frame="void" cellspacing="0" cellpadding="0">
<tr valign="top" align="left"><td width="11%"></td><td width="3%"><p><b>-c</b></p></td><td width="8%"></td>
<td width="78%"><p>sort by ctime, newest first</p></td></tr>
<tr valign="top" align="left"><td width="11%"></td><td width="3%"><p><b>-C</b></p></td><td width="8%"></td>
<td width="78%"><p>list entries by columns</p></td></tr></table>
<table><tr><td>%d</td><td></td><td>day of month</td></tr></table>
<table><tr><td>Unit</td><td>Size</td></tr><tr><td>K</td><td>1024</td></tr></table>
</body></html>"##,
    )]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    assert!(
        md.contains(
            "- **-c**\n\n  sort by ctime, newest first\n\n- **-C**\n\n  list entries by columns"
        ),
        "{md}"
    );
    assert!(md.contains("%d\n\nday of month"), "{md}");
    assert!(!md.contains("|  |"), "{md}");
    assert!(
        md.contains("| Unit | Size |\n| --- | --- |\n| K | 1024 |"),
        "{md}"
    );
}

/// pydoc lays each section out as a table: a title row across it, then a
/// row of two empty cells and the section's body. The body reads as
/// blocks; bold inside bold (pydoc's `<dt><strong>name</strong>(args)`,
/// a `<b>` inside a `<b>`) is bold once.
#[test]
fn pydoc_section_tables_and_bold_inside_bold() {
    let files = set(&[(
        "textwrap.html",
        r##"<html><head><title>Python: module textwrap</title></head><body>
<p>Text wrapping and filling.</p>
<table class="section"><tr class="decor functions-decor heading-text">
<td class="section-title" colspan=3>&nbsp;<br><strong class="bigsection">Functions</strong></td></tr>
<tr><td class="decor functions-decor"><span class="code">&nbsp;&nbsp;&nbsp;</span></td><td>&nbsp;</td>
<td class="singlecolumn"><dl><dt><a name="-dedent"><strong>dedent</strong></a>(text)</dt><dd><span class="code">Remove&nbsp;any&nbsp;common&nbsp;leading&nbsp;whitespace.</span></dd>
<dt><a name="-fill"><strong>fill</strong></a>(text, width=70)</dt><dd><span class="code">Fill&nbsp;a&nbsp;single&nbsp;paragraph.</span></dd></dl></td></tr></table>
<table class="section"><tr class="decor title-decor heading-text">
<td class="section-title" colspan=3>&nbsp;<br><a name="TextWrapper">class <strong>TextWrapper</strong></a>(builtins.object)</td></tr>
<tr><td class="decor title-decor" rowspan=2><span class="code">&nbsp;&nbsp;&nbsp;</span></td>
<td class="decor title-decor" colspan=2><span class="code">Object&nbsp;for&nbsp;wrapping&nbsp;text.</span></td></tr>
<tr><td>&nbsp;</td><td class="singlecolumn">Methods&nbsp;defined&nbsp;here:<br>
<dl><dt><a name="TextWrapper-wrap"><strong>wrap</strong></a>(self, text)</dt><dd><span class="code">Wrap&nbsp;it.</span></dd></dl></td></tr></table>
<p><b>for the <b>.cs</b> file:</b> keep it.</p>
<dl><dt><p><b>avg(<i>X</i>)</b></dt><dd><p>The average of X.</p></dd></dl>
</body></html>"##,
    )]);
    let imp = html_set_to_markdown(&files, &HtmlOptions::default()).unwrap();
    let md = &imp.docs[0].markdown;
    assert!(
        md.contains("**Functions**\n\n**dedent(text)**\n\nRemove any common leading whitespace.\n\n**fill(text, width=70)**\n\nFill a single paragraph."),
        "{md}"
    );
    assert!(
        md.contains("class **TextWrapper**(builtins.object)\n\nObject for wrapping text.\n\nMethods defined here:"),
        "{md}"
    );
    assert!(md.contains("**wrap(self, text)**\n\nWrap it."), "{md}");
    assert!(!md.contains("|"), "{md}");
    assert!(md.contains("**for the .cs file:** keep it."), "{md}");
    assert!(md.contains("**avg(*X*)**"), "{md}");
}

/// Pages a site keeps out of search engines are not documents: mdBook's
/// `print.html` holds the whole book again and `toc.html` its sidebar. A
/// `noindex` on most pages is the whole site's setting (a preview build)
/// and skips nothing.
#[test]
fn pages_kept_out_of_search_engines_are_skipped_unless_all_are() {
    let page = |title: &str, robots: bool, body: &str| {
        format!(
            r#"<html><head><title>{title} - Book</title>{}</head><body><main><h1>{title}</h1>{body}</main></body></html>"#,
            if robots {
                r#"<meta name="robots" content="noindex">"#
            } else {
                ""
            }
        )
    };
    let chapters = ["Install", "Configure", "Run", "Upgrade"];
    let book = |robots_everywhere: bool| {
        let mut files: Vec<(String, String)> = chapters
            .iter()
            .map(|c| {
                (
                    format!("{}.html", c.to_lowercase()),
                    page(
                        c,
                        robots_everywhere,
                        &format!("<p>How to {c} the server.</p>"),
                    ),
                )
            })
            .collect();
        let all: String = chapters
            .iter()
            .map(|c| format!("<h1>{c}</h1><p>How to {c} the server.</p>"))
            .collect();
        files.push(("print.html".into(), page("Book", true, &all)));
        files.push((
            "toc.html".into(),
            page(
                "Book",
                true,
                r#"<ol><li><a href="install.html">Install</a></li></ol>"#,
            ),
        ));
        html_set_to_markdown(&owned(files), &HtmlOptions::default()).unwrap()
    };
    let imp = book(false);
    assert_eq!(imp.docs.len(), 4, "{:?}", imp.skipped);
    for p in ["print.html", "toc.html"] {
        assert!(imp.skipped.iter().any(|s| s == p), "{p}: {:?}", imp.skipped);
    }
    let preview = book(true);
    assert_eq!(preview.docs.len(), 6, "{:?}", preview.skipped);
}

#[test]
fn a_page_that_repeats_another_is_skipped_and_links_follow() {
    let long = "The server reads its settings once at start, then watches the file and \
                applies each change without a restart; a setting it cannot apply is \
                logged with its line and the old value stays in force until the file is \
                fixed. Settings that need a restart say so in their reference entry, and \
                the status page lists them as pending.";
    let page = |title: &str, body: &str| {
        format!(
            r#"<html><head><title>{title} - Book</title></head><body><nav><a href="index.html">Home</a></nav><main><h1>{title}</h1>{body}</main></body></html>"#
        )
    };
    let intro = page("Introduction", &format!("<p>{long}</p>"));
    let files = vec![
        // mdBook's start page is its first chapter again.
        ("index.html".to_string(), intro.clone()),
        ("intro.html".to_string(), intro),
        (
            "guide/setup.html".to_string(),
            page(
                "Setup",
                r#"<p>Read the <a href="../index.html">introduction</a> first, then <a href="../intro.html#top">again</a>.</p>"#,
            ),
        ),
        // Short pages that say the same are not copies.
        ("a.html".to_string(), page("A", "<p>To be written.</p>")),
        ("b.html".to_string(), page("B", "<p>To be written.</p>")),
    ];
    let imp = html_set_to_markdown(&owned(files), &HtmlOptions::default()).unwrap();
    let paths: Vec<&str> = imp.docs.iter().map(|d| d.rel_path.as_str()).collect();
    assert!(paths.contains(&"intro.md"), "{paths:?}");
    assert!(!paths.contains(&"index.md"), "{paths:?}");
    assert!(
        paths.contains(&"a.md") && paths.contains(&"b.md"),
        "{paths:?}"
    );
    assert!(
        imp.skipped.iter().any(|s| s == "index.html"),
        "{:?}",
        imp.skipped
    );
    let setup = &imp
        .docs
        .iter()
        .find(|d| d.rel_path == "guide/setup.md")
        .unwrap()
        .markdown;
    assert!(setup.contains("[introduction](../intro.md)"), "{setup}");
    assert!(!setup.contains("index.md"), "{setup}");
}

/// A link to `page.html#id` lands on the heading that id belongs to: the id
/// of the heading itself, of its section, of an anchor just before it, of a
/// definition-list entry made a heading, or of any element in the heading's
/// text; headings with the same text get `-2`, as the generator names them.
/// An id before the first heading and an unknown id give the page; a
/// link within the page to an unknown id is its text.
#[test]
fn a_link_to_an_element_id_lands_on_its_heading() {
    let page = |title: &str, body: &str| {
        format!(
            r#"<html><head><title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"#
        )
    };
    let entries: String = ["alpha", "bravo", "charlie"]
        .iter()
        .map(|t| {
            format!(
                r#"<dt id="term-{t}">{t} mode</dt><dd><p>The {t} mode keeps every write in a journal that the server replays after a crash, so no acknowledged change is lost; it costs one extra flush per transaction and a little disk space for the journal files.</p><p>Turn it off only for data that can be rebuilt from elsewhere, such as caches and scratch tables, where losing the last second of writes after a crash does no harm.</p></dd>"#
            )
        })
        .collect();
    let reference = page(
        "Reference",
        &format!(
            r##"<p id="intro">Settings of the server.</p>
<section id="limits"><h2>Limits <code>max_conn</code></h2><p>At most 100 connections; see <a href="#timeouts">timeouts</a>, <a href="reference.html#usage-a">usage</a> and <a href="#gone">nothing</a>.</p>
<p>Above that, <span id="queue">new clients wait in a queue</span>.</p></section>
<span id="old-timeouts"></span><section id="timeouts"><h2>Timeouts</h2><p>Idle clients are closed after a minute.</p></section>
<h2 id="usage-a">Usage</h2><p>Start it once.</p>
<h2 id="usage-b">Usage</h2><p>Stop it once.</p>
<h2><a name="legacy"></a>Legacy names</h2><p>Old names still work.</p>
<table><tr><td><span id="in-cell">cell</span></td><td>value</td></tr></table>
<dl class="glossary">{entries}</dl>"##
        ),
    );
    let links = [
        ("limits", "the limits"),
        ("queue", "the queue"),
        ("old-timeouts", "timeouts"),
        ("usage-b", "stopping"),
        ("legacy", "legacy names"),
        ("in-cell", "the cell"),
        ("term-bravo", "bravo"),
        ("intro", "the intro"),
        ("nowhere", "a lost id"),
    ]
    .iter()
    .map(|(id, text)| format!(r#"<li><a href="reference.html#{id}">{text}</a></li>"#))
    .collect::<String>();
    let guide = page(
        "Guide",
        &format!(r##"<ul>{links}</ul><p>See <a href="#top">the top</a>.</p>"##),
    );
    let files = vec![
        ("guide.html".to_string(), guide),
        ("reference.html".to_string(), reference),
    ];
    let imp = html_set_to_markdown(&owned(files), &HtmlOptions::default()).unwrap();
    let guide = &imp
        .docs
        .iter()
        .find(|d| d.rel_path == "guide.md")
        .unwrap()
        .markdown;
    for (text, target) in [
        ("the limits", "reference.md#limits-max_conn"),
        ("the queue", "reference.md#limits-max_conn"),
        ("timeouts", "reference.md#timeouts"),
        ("stopping", "reference.md#usage-2"),
        ("legacy names", "reference.md#legacy-names"),
        ("the cell", "reference.md#legacy-names"),
        ("bravo", "reference.md#bravo-mode"),
        ("the intro", "reference.md"),
        ("a lost id", "reference.md"),
    ] {
        assert!(
            guide.contains(&format!("[{text}]({target})")),
            "{text} → {target}:\n{guide}"
        );
    }
    assert!(guide.contains("See the top."), "{guide}");
    // Within the page: a link to the heading, or the text alone.
    let reference = &imp
        .docs
        .iter()
        .find(|d| d.rel_path == "reference.md")
        .unwrap()
        .markdown;
    assert!(
        reference.contains(
            "see [timeouts](reference.md#timeouts), [usage](reference.md#usage) and nothing."
        ),
        "{reference}"
    );
    assert!(
        !reference.contains(['\u{E000}', '\u{E001}', '\u{E002}', '\u{E003}']),
        "{reference:?}"
    );
    assert!(
        !guide.contains(['\u{E000}', '\u{E001}', '\u{E002}']),
        "{guide:?}"
    );
}
