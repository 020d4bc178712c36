//! HTML doc sets → one Markdown document per page, in table-of-contents
//! order.

mod markdown;
mod paths;

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
    /// HTML files left out on purpose (search, indexes, assets, sources).
    pub skipped: Vec<String>,
    /// Problems not tied to one document.
    pub warnings: Vec<ImportWarning>,
}

/// Converts all pages of an HTML doc set. `files` are every file of the
/// set's directory as (path relative to it, bytes); non-HTML files are only
/// used to recognise the generator. Fails only when there is no page to
/// import.
pub fn html_set_to_markdown(
    files: &[(String, Vec<u8>)],
    opts: &HtmlOptions,
) -> Result<HtmlImport, ImportError> {
    let all_paths: Vec<String> = files.iter().map(|(p, _)| paths::clean(p)).collect();
    let mut skipped = Vec::new();
    let mut pages: Vec<(String, Html)> = Vec::new();
    for ((_, bytes), path) in files.iter().zip(&all_paths) {
        if !is_html(path) {
            continue;
        }
        if skip_path(path) {
            skipped.push(path.clone());
            continue;
        }
        pages.push((path.clone(), Html::parse_document(&decode(bytes))));
    }
    pages.sort_by(|a, b| a.0.cmp(&b.0));

    let flavor = opts.flavor.unwrap_or_else(|| detect(&pages, &all_paths));
    if flavor == HtmlFlavor::Sphinx {
        // Sphinx's 404 page is a template, not documentation.
        pages.retain(|(p, _)| {
            let keep = p != "404.html";
            if !keep {
                skipped.push(p.clone());
            }
            keep
        });
    }
    if pages.is_empty() {
        return Err(ImportError::NoHtml);
    }
    skipped.sort();

    let index: HashMap<&str, usize> = pages
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.as_str(), i))
        .collect();
    let order = reading_order(&pages, &index, flavor);
    let md_paths: HashMap<String, String> = pages
        .iter()
        .map(|(p, _)| (p.clone(), paths::md_path(p)))
        .collect();

    let mut docs = Vec::with_capacity(pages.len());
    for (rank, &i) in order.iter().enumerate() {
        let (path, html) = &pages[i];
        let weight = rank as u32 + 1;
        let mut warnings = Vec::new();
        let main = main_content(html, flavor);
        let found = main.is_some();
        let converted = match main {
            Some(roots) => markdown::convert(&roots, flavor, path, &md_paths),
            None => {
                warnings.push(ImportWarning {
                    page: None,
                    message: format!("{path}: no main content found"),
                });
                markdown::Converted::default()
            }
        };
        let title = converted
            .title
            .clone()
            .or_else(|| head_title(html))
            .unwrap_or_else(|| paths::stem(path).to_string());
        if converted.body.trim().is_empty() && found {
            warnings.push(ImportWarning {
                page: None,
                message: format!("{path}: the page has no text"),
            });
        }
        let mut md = frontmatter::render(&[
            ("title", Value::Str(&title)),
            ("weight", Value::Int(u64::from(weight))),
            ("source", Value::Str(path)),
            ("importer", Value::Str(IMPORTER)),
        ]);
        if !converted.body.trim().is_empty() {
            md.push('\n');
            md.push_str(converted.body.trim_end());
            md.push('\n');
        }
        docs.push(ImportedDoc {
            rel_path: md_paths[path].clone(),
            markdown: md,
            title,
            weight: Some(weight),
            warnings,
        });
    }

    Ok(HtmlImport {
        docs,
        flavor,
        skipped,
        warnings: Vec::new(),
    })
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
    matches!(
        stem,
        "search" | "genindex" | "py-modindex" | "np-modindex" | "searchindex"
    ) || stem.starts_with("genindex-")
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("static selector")
}

/// Decodes a page: UTF-8 (with or without BOM) when valid, else the charset
/// named in the document, else Windows-1252 (what browsers assume).
fn decode(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.trim_start_matches('\u{FEFF}').to_string();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let label = head.find("charset=").map(|i| {
        head[i + 8..]
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect::<String>()
    });
    let enc = label
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .unwrap_or(encoding_rs::WINDOWS_1252);
    enc.decode(bytes).0.into_owned()
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

/// The element(s) holding a page's main content.
fn main_content(html: &Html, flavor: HtmlFlavor) -> Option<Vec<ElementRef<'_>>> {
    let first = |s: &str| html.select(&sel(s)).next();
    match flavor {
        HtmlFlavor::Sphinx => first("div[role=main]")
            .or_else(|| first("[role=main]"))
            .or_else(|| first("div.body"))
            .or_else(|| first("article"))
            .or_else(|| first("main"))
            .map(|e| vec![e]),
        HtmlFlavor::DocBook => {
            let body = first("body")?;
            let parts: Vec<ElementRef<'_>> = body
                .children()
                .filter_map(ElementRef::wrap)
                .filter(|e| {
                    !e.value()
                        .classes()
                        .any(|c| c == "navheader" || c == "navfooter")
                        && !matches!(e.value().name(), "script" | "style" | "nav")
                })
                .collect();
            (!parts.is_empty()).then_some(parts)
        }
        HtmlFlavor::Generic => first("main")
            .or_else(|| first("[role=main]"))
            .or_else(|| first("article"))
            .or_else(|| first("body"))
            .map(|e| vec![e]),
    }
}

/// `<title>`, without the " — Project" suffix themes add.
fn head_title(html: &Html) -> Option<String> {
    let t = html.select(&sel("title")).next()?;
    let text = crate::text::collapse_ws(&t.text().collect::<String>());
    let text = text
        .split(" — ")
        .next()
        .unwrap_or(&text)
        .split(" | ")
        .next()
        .unwrap_or(&text)
        .trim()
        .to_string();
    (!text.is_empty()).then_some(text)
}

/// Pages in the doc set's own order: a depth-first walk of the table(s) of
/// contents from the start page, then every page not reached, by path.
fn reading_order(
    pages: &[(String, Html)],
    index: &HashMap<&str, usize>,
    flavor: HtmlFlavor,
) -> Vec<usize> {
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
            }
        }
    } else {
        // Explicit stack so deep documentation trees cannot overflow.
        let mut stack: Vec<std::vec::IntoIter<usize>> =
            vec![toc_targets(pages, index, start, &toc_sel).into_iter()];
        while let Some(top) = stack.last_mut() {
            match top.next() {
                Some(t) => {
                    if seen.insert(t) {
                        order.push(t);
                        stack.push(toc_targets(pages, index, t, &toc_sel).into_iter());
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
    order
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
            if let Some(&t) = index.get(target.as_str()) {
                if t != page && !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}
