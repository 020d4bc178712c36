//! HTML doc sets → one Markdown document per page, in table-of-contents
//! order.

mod extract;
mod furniture;
mod markdown;
mod titles;

use crate::paths;
use std::collections::{HashMap, HashSet};

use scraper::{ElementRef, Html, Selector};

use crate::frontmatter::{self, Value};
use crate::{ImportError, ImportWarning, ImportedDoc, IMPORTER};

/// Which documentation generator produced the set; decides where the main
/// content and the table of contents are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HtmlFlavor {
    /// Sphinx: content in `div[role=main]`/`div.body`, order from toctrees.
    Sphinx,
    /// DocBook XSL (chunked): content between `navheader` and `navfooter`,
    /// order from the `div.toc` lists.
    DocBook,
    /// Anything else: `main`, `article` or `[role=main]`, else the body
    /// without navigation; order from the index page's links.
    Generic,
}

/// Knobs for [`html_set_to_markdown`].
#[derive(Debug, Clone, Default)]
pub struct HtmlOptions {
    /// Force a flavor instead of detecting it.
    pub flavor: Option<HtmlFlavor>,
}

/// Result of [`html_set_to_markdown`].
#[derive(Debug, Clone)]
pub struct HtmlImport {
    /// One document per imported page, in reading order (`weight` 1, 2, …).
    pub docs: Vec<ImportedDoc>,
    /// The flavor used.
    pub flavor: HtmlFlavor,
    /// HTML files left out on purpose (search, indexes, assets, sources),
    /// and pages without text that load others (framesets, redirects) or
    /// have none to lose (head fragments).
    pub skipped: Vec<String>,
    /// Problems not tied to one document.
    pub warnings: Vec<ImportWarning>,
    /// Pages that gave no document, or lost content, and why: errors for
    /// the caller to report (the rest of the set is imported).
    pub problems: Vec<HtmlProblem>,
    /// The set's name: the site name its pages' `<title>`s share, else its
    /// start page's `<title>`.
    pub title: Option<String>,
}

/// A page of the set that could not be imported as it should.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlProblem {
    /// Path of the page relative to the set.
    pub path: String,
    /// What went wrong, for a person.
    pub reason: String,
}

/// Converts all pages of an HTML doc set. `files` are every file of the
/// set's directory as (path relative to it, bytes); non-HTML files are only
/// used to recognise the generator. Fails only when there is no page to
/// import; a page that cannot be imported as it should is listed in
/// [`HtmlImport::problems`] and the rest of the set goes on.
pub fn html_set_to_markdown(
    files: &[(String, Vec<u8>)],
    opts: &HtmlOptions,
) -> Result<HtmlImport, ImportError> {
    let all_paths: Vec<String> = files.iter().map(|(p, _)| paths::clean(p)).collect();
    let mut skipped = Vec::new();
    let mut pages: Vec<(String, Html)> = Vec::new();
    let mut decode_notes: HashMap<String, String> = HashMap::new();
    for ((_, bytes), path) in files.iter().zip(&all_paths) {
        if !is_html(path) {
            continue;
        }
        if skip_path(path) {
            skipped.push(path.clone());
            continue;
        }
        let (mut text, note) = decode(bytes);
        if text.contains(markdown::FRAG_CHARS) {
            // Reserved for marking links' fragments while converting (icon
            // fonts' glyphs at most, which read as nothing in Markdown).
            text.retain(|c| !markdown::FRAG_CHARS.contains(&c));
        }
        let html = Html::parse_document(&text);
        let name = path.rsplit('/').next().unwrap_or(path);
        if (paths::stem(name) == "search" && is_search_page(&html))
            || is_search_frame(&html)
            || is_doxygen_member_index(name, &html)
            || extract::is_empty_doxygen_page(&html)
        {
            skipped.push(path.clone());
            continue;
        }
        if let Some(n) = note {
            decode_notes.insert(path.clone(), n);
        }
        pages.push((path.clone(), html));
    }
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    // Pages the site keeps out of search engines: mdBook's `print.html`
    // (the whole book again on one page) and `toc.html` (its sidebar for
    // browsers without scripts). Read as documents they repeat every
    // chunk, or are a list of links. On most of a set's pages the tag is a
    // setting of the whole site (a preview build), which says nothing.
    let hidden = pages.iter().filter(|(_, html)| is_noindex(html)).count();
    if hidden > 0 && hidden * 2 < pages.len() {
        pages.retain(|(path, html)| {
            let keep = !is_noindex(html);
            if !keep {
                skipped.push(path.clone());
            }
            keep
        });
    }

    let flavor = opts.flavor.unwrap_or_else(|| detect(&pages, &all_paths));
    if pages.is_empty() {
        return Err(ImportError::NoHtml);
    }
    skipped.sort();

    let index: HashMap<&str, usize> = pages
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.as_str(), i))
        .collect();
    let (order, parent) = reading_order(&pages, &index, flavor);
    let mut md_paths: HashMap<String, String> = pages
        .iter()
        .map(|(p, _)| (p.clone(), paths::md_path(p)))
        .collect();

    // Main content and text blocks of every page, then what repeats.
    let mut found: Vec<Found<'_>> = pages
        .iter()
        .map(|(path, html)| Found::new(path, html, flavor))
        .collect();
    let counted = |f: &&Found<'_>| !f.roots.is_empty() && !f.stub;
    if let Some(min) = furniture::threshold(found.iter().filter(counted).count()) {
        let freq =
            furniture::frequencies(found.iter().filter(counted).map(|f| f.blocks.as_slice()));
        for f in found.iter_mut().filter(|f| !f.stub && !f.exact) {
            let mut dropped = furniture::furniture(&f.blocks, &freq, min);
            if !dropped.is_empty() {
                furniture::close_upwards(&f.roots, &f.blocks, &mut dropped);
                f.removed.extend(dropped);
            }
        }
    }
    // A page whose text is another page's again (mdBook's `index.html` is
    // its first chapter) would give every passage twice: it is skipped,
    // and links to it lead to the page it repeats.
    let copies = copies(&pages, &found, &order);
    for (&copy, &of) in &copies {
        let target = md_paths[&pages[of].0].clone();
        md_paths.insert(pages[copy].0.clone(), target);
        skipped.push(pages[copy].0.clone());
    }
    // A heading in a table cell labels a group of rows (Doxygen's "Classes",
    // "Macros" over its declaration tables), never the page: the title is
    // the first heading outside tables.
    let firsts: Vec<Option<ElementRef<'_>>> = found
        .iter()
        .map(|f| {
            markdown::headings(&f.roots, &f.removed)
                .into_iter()
                .find(|(e, _)| {
                    !e.ancestors()
                        .filter_map(ElementRef::wrap)
                        .any(|a| matches!(a.value().name(), "td" | "th"))
                })
                .map(|(e, _)| e)
        })
        .zip(&pages)
        .map(|(first, (_, html))| first.filter(|_| shown_title(html).is_none()))
        .collect();
    // A shown title becomes the document's title, so the body does not
    // repeat it.
    for (f, (_, html)) in found.iter_mut().zip(&pages) {
        if let Some(t) = shown_title_element(html) {
            f.removed.insert(t.id());
        }
    }
    let candidates: Vec<titles::Candidates> = pages
        .iter()
        .zip(&firsts)
        .enumerate()
        .map(|(i, ((path, html), first))| titles::Candidates {
            head: head_title(html),
            heading: shown_title(html)
                .or_else(|| first.map(markdown::plain_text))
                .filter(|t| !t.is_empty()),
            parent: parent[i],
            path: path.clone(),
        })
        .collect();
    let titles::Chosen {
        titles,
        from_heading,
        site,
    } = titles::choose(&candidates);
    let set_title = site.or_else(|| candidates[order[0]].head.clone());

    let mut docs = Vec::with_capacity(pages.len());
    let mut problems = Vec::new();
    // Per converted page: element id → the heading anchor it lands on.
    let mut anchors: HashMap<String, HashMap<String, String>> = HashMap::new();
    for (rank, &i) in order.iter().enumerate() {
        if copies.contains_key(&i) {
            continue;
        }
        let (path, _) = &pages[i];
        let f = &found[i];
        let weight = rank as u32 + 1;
        let mut warnings = Vec::new();
        if let Some(n) = decode_notes.get(path) {
            warnings.push(ImportWarning {
                page: None,
                message: format!("{path}: {n}"),
            });
        }
        let ctx = markdown::Ctx {
            flavor,
            page: path,
            md_paths: &md_paths,
            removed: &f.removed,
            drop_chrome: flavor == HtmlFlavor::Generic || !f.from_marker,
            title_id: firsts[i].filter(|_| from_heading[i]).map(|e| e.id()),
            keep_nav: false,
        };
        // A rule left at either end once the furniture around it is gone
        // (the line above a footer) separates nothing.
        let converted = markdown::convert(&f.roots, &ctx);
        let mut body = trim_rules(&converted.markdown);
        let mut page_anchors = converted.anchors;
        let has_text = |b: &str| b.chars().any(char::is_alphanumeric);
        if !has_text(&body) && !f.roots.is_empty() {
            // A contents page (a DITA map's start page, a section's landing
            // page): its list of links is all it has, so it is its text.
            let none = HashSet::new();
            let contents = markdown::Ctx {
                removed: &none,
                drop_chrome: false,
                keep_nav: true,
                ..ctx
            };
            let converted = markdown::convert(&f.roots, &contents);
            body = trim_rules(&converted.markdown);
            page_anchors = converted.anchors;
        }
        let title = &titles[i];
        if f.stub {
            // "Redirecting…", "This page has moved to …", texinfo's "The
            // node you are looking for is at …": the text is on the page it
            // sends the reader to, which is in the set.
            skipped.push(path.clone());
            continue;
        }
        if !has_text(&body) {
            let html = &pages[i].1;
            if f.roots.is_empty() && (is_shell(html) || !has_script(html)) {
                // A frameset, a frame around a topic or a redirect (the text
                // is on the pages it loads, which are in the set), or a
                // fragment with no text to lose (a style snippet for heads).
                skipped.push(path.clone());
                continue;
            }
            problems.push(HtmlProblem {
                path: path.clone(),
                reason: if f.roots.is_empty() {
                    "the page has no text: a script may write it in the browser, which an import \
                     cannot run"
                        .to_string()
                } else {
                    "no text left after removing the site's navigation; the document is empty"
                        .to_string()
                },
            });
        }
        let mut md = frontmatter::render(&[
            ("title", Value::Str(title)),
            ("weight", Value::Int(u64::from(weight))),
            ("source", Value::Str(path)),
            ("importer", Value::Str(IMPORTER)),
        ]);
        if !body.trim().is_empty() {
            md.push('\n');
            md.push_str(body.trim_end());
            md.push('\n');
        }
        anchors.insert(md_paths[path].clone(), page_anchors);
        docs.push(ImportedDoc {
            rel_path: md_paths[path].clone(),
            markdown: md,
            title: title.clone(),
            weight: Some(weight),
            warnings,
        });
    }

    // Links into another page name their heading once all are converted.
    for d in &mut docs {
        d.markdown = markdown::resolve_fragments(&d.markdown, &anchors);
    }
    skipped.sort();
    Ok(HtmlImport {
        docs,
        flavor,
        skipped,
        warnings: Vec::new(),
        problems,
        title: set_title,
    })
}

impl HtmlImport {
    /// Share of documents whose title no other document of the set has.
    pub fn distinct_title_share(&self) -> f64 {
        if self.docs.is_empty() {
            return 1.0;
        }
        let distinct: HashSet<&str> = self.docs.iter().map(|d| d.title.as_str()).collect();
        distinct.len() as f64 / self.docs.len() as f64
    }
}

/// Why a path of the set is not imported, or `None` when it is a page to
/// import (HTML files only).
pub fn skip_reason(path: &str) -> Option<&'static str> {
    let path = paths::clean(path);
    if !is_html(&path) {
        return Some("not an HTML page");
    }
    skip_path(&path)
        .then_some("generated page or asset folder (indexes, the 404 page, _static, _sources)")
}

/// The title a page shows above its content without a heading element:
/// Doxygen's `div.headertitle > div.title` ("zlib.h File Reference",
/// "gzFile_s Member List"), where the first heading is a section's
/// ("Detailed Description") and the `<title>` is the same on every member
/// list.
fn shown_title(html: &Html) -> Option<String> {
    let text = crate::text::collapse_ws(&shown_title_element(html)?.text().collect::<String>());
    (!text.is_empty()).then_some(text)
}

fn shown_title_element(html: &Html) -> Option<ElementRef<'_>> {
    let title = Selector::parse("div.headertitle div.title").expect("static selector");
    html.select(&title).next()
}

/// Doxygen's indexes of members (`globals_func_i.html`,
/// `functions_vars_n.html`, `namespacemembers.html`, `classes.html`):
/// alphabetical lists of links to the pages that document each name, as
/// Sphinx's `genindex`. They hold nothing of their own but the site's
/// chrome, which the frequency pass keeps on a page that is all links.
fn is_doxygen_member_index(name: &str, html: &Html) -> bool {
    let stem = paths::stem(name);
    let index = ["globals", "functions", "namespacemembers"]
        .iter()
        .any(|p| stem == *p || stem.strip_prefix(p).is_some_and(|r| r.starts_with('_')))
        || stem == "classes";
    index && extract::is_doxygen(html)
}

/// Fewest words a page's text must have for another page with the same
/// text to be its copy (two short stubs may say the same by chance).
const MIN_COPY_WORDS: usize = 50;

/// Pages (by index) whose main text is that of another page, with the page
/// they repeat. Of two, the set's start page (`index.html` at its root) is
/// the copy, since the other has its place in the book; else the later in
/// reading order.
fn copies(pages: &[(String, Html)], found: &[Found<'_>], order: &[usize]) -> HashMap<usize, usize> {
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut out = HashMap::new();
    for &i in order {
        let f = &found[i];
        if f.stub || f.roots.is_empty() {
            continue;
        }
        let text: Vec<String> = f.roots.iter().map(|&r| markdown::plain_text(r)).collect();
        let text = crate::text::collapse_ws(&text.join(" "));
        if text.split(' ').count() < MIN_COPY_WORDS {
            continue;
        }
        match first.entry(text) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let earlier = *o.get();
                if pages[earlier].0 == "index.html" {
                    out.insert(earlier, i);
                    o.insert(i);
                } else {
                    out.insert(i, earlier);
                }
            }
        }
    }
    out
}

/// A page whose `robots` meta asks search engines not to index it.
fn is_noindex(html: &Html) -> bool {
    let robots = Selector::parse("meta[name=robots]").expect("static selector");
    html.select(&robots).any(|m| {
        m.value().attr("content").is_some_and(|c| {
            c.split(',')
                .any(|d| matches!(d.trim().to_ascii_lowercase().as_str(), "noindex" | "none"))
        })
    })
}

/// Doxygen's search machinery (`search/all_0.html`, `search/nomatches.html`):
/// frames a script fills with results, their only text "Loading...",
/// "Searching...", "No Matches".
fn is_search_frame(html: &Html) -> bool {
    let body = Selector::parse("body.SRPage").expect("static selector");
    html.select(&body).next().is_some()
}

/// A generator's search page (Sphinx's, MkDocs', Javadoc's `search.html`):
/// a box to type in. A page of the same name without one is documentation
/// (texinfo names a node's file after the node: a tool called "search").
fn is_search_page(html: &Html) -> bool {
    let boxes = Selector::parse("form, input").expect("static selector");
    html.select(&boxes).any(|e| {
        let e = e.value();
        e.name() == "form"
            || e.attr("type")
                .is_none_or(|t| matches!(t.trim().to_ascii_lowercase().as_str(), "text" | "search"))
    })
}

/// One page's main content and its text blocks.
struct Found<'a> {
    roots: Vec<ElementRef<'a>>,
    from_marker: bool,
    /// The generator marks the content exactly
    /// ([`extract::exact_content`]): nothing in it is furniture, though it
    /// may repeat ("Definition at line § of file §." ends many pages).
    exact: bool,
    blocks: Vec<furniture::Block>,
    /// A redirect left where a page was (see [`is_redirect_stub`]): skipped,
    /// and not counted when finding what repeats.
    stub: bool,
    /// In-page contents lists, then furniture found across the set.
    removed: HashSet<ego_tree::NodeId>,
}

impl<'a> Found<'a> {
    fn new(path: &str, html: &'a Html, flavor: HtmlFlavor) -> Self {
        let density = extract::Density::new(html);
        let exact = extract::exact_content(html);
        let content = match exact {
            Some(root) => Some((vec![root], true)),
            None => extract::main_content(html, flavor, &density),
        };
        let Some((roots, from_marker)) = content else {
            return Found {
                roots: Vec::new(),
                from_marker: false,
                exact: false,
                blocks: Vec::new(),
                stub: is_redirect_stub(html, 0),
                removed: HashSet::new(),
            };
        };
        let removed = extract::in_page_tocs(&roots, path, &density);
        let drop_chrome = flavor == HtmlFlavor::Generic || !from_marker;
        let root_ids: HashSet<_> = roots.iter().map(|r| r.id()).collect();
        let skip = |e: ElementRef<'_>| {
            markdown::is_skipped(e)
                || removed.contains(&e.id())
                || (drop_chrome && !root_ids.contains(&e.id()) && extract::is_chrome_at(e))
        };
        let blocks = furniture::blocks(&roots, &skip);
        let words = blocks
            .iter()
            .map(|b| {
                b.key
                    .split_whitespace()
                    .filter(|w| w.chars().any(char::is_alphanumeric))
                    .count()
            })
            .sum();
        Found {
            roots,
            from_marker,
            exact: exact.is_some(),
            stub: is_redirect_stub(html, words),
            blocks,
            removed,
        }
    }
}

fn trim_rules(body: &str) -> String {
    let mut lines: Vec<&str> = body.lines().collect();
    let is_rule = |l: &str| l.trim().is_empty() || l.trim() == "---";
    while lines.last().is_some_and(|l| is_rule(l)) {
        lines.pop();
    }
    let start = lines.iter().take_while(|l| is_rule(l)).count();
    let mut out = lines[start..].join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn is_html(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".html") || lower.ends_with(".htm") || lower.ends_with(".xhtml")
}

/// Generated pages and asset folders that are not documentation.
fn skip_path(path: &str) -> bool {
    let mut parts = path.split('/');
    let name = parts.next_back().unwrap_or(path);
    if path.split('/').any(|seg| {
        matches!(
            seg,
            "_static" | "_sources" | "_images" | "_downloads" | "_modules"
        )
    }) {
        return true;
    }
    let stem = paths::stem(name);
    // The host's "not found" page at the root (GitHub Pages and most
    // generators: Sphinx, MkDocs, VitePress, Docusaurus), not documentation;
    // a `404.html` further down may be a status code's reference page.
    if path == "404.html" {
        return true;
    }
    matches!(
        stem,
        "genindex" | "py-modindex" | "np-modindex" | "searchindex"
    ) || stem.starts_with("genindex-")
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("static selector")
}

/// Decodes a page: UTF-8 (with or without BOM) when valid, else the charset
/// named in the document, else Windows-1252 (what browsers assume). The
/// note says when the bytes were not what the page declares.
fn decode(bytes: &[u8]) -> (String, Option<String>) {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return (s.trim_start_matches('\u{FEFF}').to_string(), None);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let label = head.find("charset=").map(|i| {
        head[i + 8..]
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect::<String>()
    });
    let declared = label
        .as_deref()
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()));
    match declared {
        Some(enc) if enc != encoding_rs::UTF_8 => {
            let (text, _, bad) = enc.decode(bytes);
            let note =
                bad.then(|| format!("bytes not valid in its declared {}; replaced", enc.name()));
            (text.into_owned(), note)
        }
        _ => {
            let what = if declared.is_some() {
                "declared UTF-8 but is not valid UTF-8"
            } else {
                "is not valid UTF-8 and declares no charset"
            };
            (
                encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
                Some(format!("the page {what}; read as Windows-1252")),
            )
        }
    }
}

fn detect(pages: &[(String, Html)], all_paths: &[String]) -> HtmlFlavor {
    let generator = sel("meta[name=generator]");
    let (mut sphinx, mut docbook) = (0usize, 0usize);
    if all_paths
        .iter()
        .any(|p| p == "searchindex.js" || p.ends_with("/searchindex.js"))
    {
        sphinx += 3;
    }
    let navheader = sel("div.navheader");
    let toctree = sel("div.toctree-wrapper, div.sphinxsidebar");
    for (_, html) in pages.iter().take(50) {
        let gen = html
            .select(&generator)
            .filter_map(|m| m.value().attr("content"))
            .collect::<Vec<_>>()
            .join(" ");
        if gen.contains("Sphinx") || html.select(&toctree).next().is_some() {
            sphinx += 1;
        }
        if gen.contains("DocBook") || html.select(&navheader).next().is_some() {
            docbook += 1;
        }
    }
    if sphinx == 0 && docbook == 0 {
        HtmlFlavor::Generic
    } else if sphinx >= docbook {
        HtmlFlavor::Sphinx
    } else {
        HtmlFlavor::DocBook
    }
}

/// A page that only loads others: a frameset, a frame or an inline frame
/// with a source, or a `refresh` redirect.
fn is_shell(html: &Html) -> bool {
    let frames = Selector::parse("frameset, frame[src], iframe[src]").expect("static selector");
    let meta = Selector::parse("meta[http-equiv]").expect("static selector");
    html.select(&frames).next().is_some()
        || html.select(&meta).any(|m| {
            m.value()
                .attr("http-equiv")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"))
        })
}

/// A page that sends the reader on at once (a `refresh` of a few seconds
/// at most, to another URL) and says little else: a redirect left where a
/// page used to be, or one per anchor (texinfo writes one for every node
/// and anchor name). A page that refreshes itself, or has text of its own,
/// is documentation.
fn is_redirect_stub(html: &Html, words: usize) -> bool {
    /// Words a redirect's notice needs at most ("This page has moved to a
    /// new location; if you are not redirected, follow this link").
    const MAX_WORDS: usize = 30;
    let meta = Selector::parse("meta[http-equiv]").expect("static selector");
    let redirects = html.select(&meta).any(|m| {
        let e = m.value();
        if !e
            .attr("http-equiv")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"))
        {
            return false;
        }
        let content = e.attr("content").unwrap_or("");
        let (delay, rest) = content.split_once([';', ',']).unwrap_or((content, ""));
        let soon = delay.trim().parse::<f32>().is_ok_and(|d| d <= 5.0);
        let target = rest
            .trim()
            .trim_start_matches(|c: char| c.is_ascii_alphabetic());
        let target = target.trim_start().strip_prefix('=').unwrap_or("").trim();
        let target = target.trim_matches(|c| c == '\'' || c == '"');
        soon && !target.is_empty() && !target.starts_with('#')
    });
    redirects && words <= MAX_WORDS
}

fn has_script(html: &Html) -> bool {
    let script = Selector::parse("script").expect("static selector");
    html.select(&script).next().is_some()
}

/// `<title>`, whitespace collapsed (site affixes are removed set-wide).
fn head_title(html: &Html) -> Option<String> {
    let t = html.select(&sel("title")).next()?;
    let text = crate::text::collapse_ws(&t.text().collect::<String>());
    (!text.is_empty()).then_some(text)
}

/// Pages in the doc set's own order: a depth-first walk of the table(s) of
/// contents from the start page, then every page not reached, by path.
fn reading_order(
    pages: &[(String, Html)],
    index: &HashMap<&str, usize>,
    flavor: HtmlFlavor,
) -> (Vec<usize>, Vec<Option<usize>>) {
    let mut parent = vec![None; pages.len()];
    let start = index
        .get("index.html")
        .or_else(|| index.get("index.htm"))
        .copied()
        .or_else(|| pages.iter().position(|(p, _)| !p.contains('/')))
        .unwrap_or(0);
    let toc_sel = match flavor {
        HtmlFlavor::Sphinx => sel("div.toctree-wrapper a[href]"),
        HtmlFlavor::DocBook => sel("div.toc a[href]"),
        HtmlFlavor::Generic => sel("a[href]"),
    };
    let mut order = Vec::with_capacity(pages.len());
    let mut seen = HashSet::new();
    seen.insert(start);
    order.push(start);
    if flavor == HtmlFlavor::Generic {
        for target in toc_targets(pages, index, start, &toc_sel) {
            if seen.insert(target) {
                order.push(target);
                parent[target] = Some(start);
            }
        }
    } else {
        // Explicit stack so deep documentation trees cannot overflow.
        let mut stack: Vec<(usize, std::vec::IntoIter<usize>)> = vec![(
            start,
            toc_targets(pages, index, start, &toc_sel).into_iter(),
        )];
        while let Some((from, top)) = stack.last_mut() {
            let from = *from;
            match top.next() {
                Some(t) => {
                    if seen.insert(t) {
                        order.push(t);
                        parent[t] = Some(from);
                        stack.push((t, toc_targets(pages, index, t, &toc_sel).into_iter()));
                    }
                }
                None => {
                    stack.pop();
                }
            }
        }
    }
    for i in 0..pages.len() {
        if seen.insert(i) {
            order.push(i);
        }
    }
    (order, parent)
}

/// The pages a page's table of contents links to, in document order.
fn toc_targets(
    pages: &[(String, Html)],
    index: &HashMap<&str, usize>,
    page: usize,
    toc: &Selector,
) -> Vec<usize> {
    let (path, html) = &pages[page];
    let mut out = Vec::new();
    for a in html.select(toc) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        if let Some(target) = paths::resolve(path, href) {
            let found = paths::candidates(&target).find_map(|c| index.get(c.as_str()).copied());
            if let Some(t) = found {
                if t != page && !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}
