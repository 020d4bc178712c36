//! Small hand-written doc sets: a generic one and a Sphinx-like one.

use mcdewey_import::{html_set_to_markdown, HtmlFlavor, HtmlOptions};

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
        ("search.html".to_string(), page("Search", "<h1>Search</h1>")),
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
    let files = set(&[("a.css", "x"), ("search.html", "<p>s</p>")]);
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
