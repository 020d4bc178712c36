//! Finding a page's main content without relying on one theme: known
//! markers first (validated), else a content score over text and link
//! density; plus the page-local furniture every theme has in some form
//! (permalink anchors, in-page contents lists).

use std::collections::{HashMap, HashSet};

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};

use super::markdown::heading_level;
use super::HtmlFlavor;

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("static selector")
}

/// Elements that never hold readable text.
pub(crate) fn is_invisible(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "noscript" | "template" | "head" | "svg" | "canvas" | "iframe"
    )
}

/// Characters of text and of link text below each element, computed once
/// per page in one walk.
pub(crate) struct Density {
    stats: HashMap<NodeId, (usize, usize)>,
}

impl Density {
    pub(crate) fn new(html: &Html) -> Self {
        let mut stats = HashMap::new();
        fn walk(
            node: NodeRef<'_, Node>,
            in_link: bool,
            stats: &mut HashMap<NodeId, (usize, usize)>,
        ) -> (usize, usize) {
            match node.value() {
                Node::Text(t) => {
                    let n = t.chars().filter(|c| !c.is_whitespace()).count();
                    (n, if in_link { n } else { 0 })
                }
                Node::Element(e) if is_invisible(e.name()) => (0, 0),
                Node::Element(_) | Node::Document | Node::Fragment => {
                    let link = in_link
                        || node
                            .value()
                            .as_element()
                            .is_some_and(|e| e.name() == "a" && e.attr("href").is_some());
                    let mut sum = (0, 0);
                    for c in node.children() {
                        let (t, l) = walk(c, link, stats);
                        sum.0 += t;
                        sum.1 += l;
                    }
                    stats.insert(node.id(), sum);
                    sum
                }
                _ => (0, 0),
            }
        }
        walk(html.tree.root(), false, &mut stats);
        Density { stats }
    }

    /// (all text, link text) in characters, whitespace excluded.
    pub(crate) fn of(&self, id: NodeId) -> (usize, usize) {
        self.stats.get(&id).copied().unwrap_or((0, 0))
    }

    fn plain(&self, id: NodeId) -> usize {
        let (t, l) = self.of(id);
        t - l
    }
}

/// Semantic furniture: elements that are navigation or page chrome by their
/// name or ARIA role, in every theme.
pub(crate) fn is_chrome(e: &scraper::node::Element) -> bool {
    matches!(e.name(), "nav" | "header" | "footer" | "aside")
        || e.attr("role").is_some_and(|r| {
            matches!(
                r.trim(),
                "navigation" | "banner" | "contentinfo" | "search" | "complementary"
            )
        })
}

/// [`is_chrome`] in its place in the page: an article's or a section's own
/// `header` holding its heading is that section's introduction (a blog
/// list's post titles, Docusaurus' `article > header > h2`), not the site's
/// banner.
pub(crate) fn is_chrome_at(el: ElementRef<'_>) -> bool {
    let e = el.value();
    if !is_chrome(e) {
        return false;
    }
    let section_header = e.name() == "header"
        && e.attr("role").is_none()
        && el
            .descendants()
            .filter_map(ElementRef::wrap)
            .any(|d| heading_level(d.value().name()).is_some())
        && el
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| matches!(a.value().name(), "article" | "section"));
    !section_header
}

/// The element(s) holding a page's main content, and whether they came
/// from a known marker (`true`) or from the content score.
pub(crate) fn main_content<'a>(
    html: &'a Html,
    flavor: HtmlFlavor,
    density: &Density,
) -> Option<(Vec<ElementRef<'a>>, bool)> {
    let body = html.select(&sel("body")).next()?;
    let (body_all, body_links) = density.of(body.id());
    let body_plain = body_all - body_links;
    // A marker counts only when it holds text, and a fair part of the page's:
    // a theme may use `article` or `main` for a teaser or a banner.
    let valid = |els: &[ElementRef<'_>]| {
        let (all, links) = els
            .iter()
            .map(|e| density.of(e.id()))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        all > 0 && ((all - links) * 2 >= body_plain || all * 5 >= body_all)
    };
    for cand in markers(html, flavor) {
        if valid(&cand) {
            return Some((cand, true));
        }
    }
    let root = scored_root(body, density);
    (density.of(root.id()).0 > 0).then(|| (vec![root], false))
}

/// The content of a page whose generator says exactly where it is:
/// Doxygen writes every page's documentation into `div.contents` and
/// nothing else there (the project's name, the path bar and "Generated by"
/// lie outside).
pub(crate) fn exact_content(html: &Html) -> Option<ElementRef<'_>> {
    if !is_doxygen(html) {
        return None;
    }
    html.select(&sel("div.contents")).next()
}

/// A Doxygen page for a file or group with nothing documented: its
/// `div.contents` holds no word (SDL's `README-android.md File
/// Reference`), and the rest of the page is chrome.
pub(crate) fn is_empty_doxygen_page(html: &Html) -> bool {
    exact_content(html).is_some_and(|c| !c.text().any(|t| t.chars().any(char::is_alphanumeric)))
}

/// A page Doxygen wrote (its `generator` meta).
pub(crate) fn is_doxygen(html: &Html) -> bool {
    html.select(&sel("meta[name=generator]")).any(|m| {
        m.value()
            .attr("content")
            .is_some_and(|c| c.trim_start().starts_with("Doxygen"))
    })
}

fn markers(html: &Html, flavor: HtmlFlavor) -> Vec<Vec<ElementRef<'_>>> {
    let first = |s: &str| html.select(&sel(s)).next().map(|e| vec![e]);
    let mut out = Vec::new();
    match flavor {
        HtmlFlavor::Sphinx => {
            for s in [
                "div[role=main]",
                "[role=main]",
                "div.body",
                "article",
                "main",
            ] {
                out.extend(first(s));
            }
        }
        HtmlFlavor::DocBook => {
            if let Some(body) = html.select(&sel("body")).next() {
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
                if !parts.is_empty() {
                    out.push(parts);
                }
            }
        }
        HtmlFlavor::Generic => {
            for s in ["main", "[role=main]", "article"] {
                out.extend(first(s));
            }
        }
    }
    out
}

/// Readability-style choice: walk down from `body` into the child that holds
/// most of the text outside links, as long as it holds nearly all of it and
/// what it leaves out looks like page chrome (mostly links, or a few words).
/// Where the text is spread over siblings (a page with its content directly
/// in `body`, a man page whose name section precedes the content), the walk
/// stops; the frequency pass removes what repeats.
fn scored_root<'a>(body: ElementRef<'a>, density: &Density) -> ElementRef<'a> {
    let mut cur = body;
    loop {
        let total = density.plain(cur.id());
        let kids: Vec<ElementRef<'a>> = cur
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|c| !is_chrome_at(*c) && !is_invisible(c.value().name()))
            .collect();
        let Some(best) = kids.iter().copied().max_by_key(|c| density.plain(c.id())) else {
            return whole(cur);
        };
        let chrome_like = |e: &ElementRef<'_>| {
            let (all, links) = density.of(e.id());
            all - links <= 20 || links * 2 >= all
        };
        let rest_is_chrome = kids.iter().filter(|k| k.id() != best.id()).all(chrome_like);
        if total > 0 && density.plain(best.id()) * 10 >= total * 8 && rest_is_chrome {
            cur = best;
        } else {
            return whole(cur);
        }
    }
}

/// The element a walk that stopped at `e` should take: not a part of a
/// table, a list or a code block, whose text only reads right with the
/// whole (a page whose text is mostly one table must not come out as its
/// rows' cells run together). A layout table's cell is a container and
/// stays.
fn whole(mut e: ElementRef<'_>) -> ElementRef<'_> {
    while matches!(
        e.value().name(),
        "table" | "thead" | "tbody" | "tfoot" | "tr" | "ul" | "ol" | "dl" | "pre" | "code"
    ) || is_line_code(e)
    {
        match e.parent().and_then(ElementRef::wrap) {
            Some(p) => e = p,
            None => break,
        }
    }
    e
}

/// Code that a generator draws with one `div.line` per line instead of a
/// `pre` (Doxygen's `div.fragment`: examples, macro values, whole source
/// listings; hover tooltips may sit between the lines). Written as text,
/// every line became a paragraph with its line number in front.
pub(crate) fn is_line_code(el: ElementRef<'_>) -> bool {
    let is_line =
        |k: &ElementRef<'_>| k.value().name() == "div" && k.value().classes().any(|c| c == "line");
    let kids: Vec<ElementRef<'_>> = el.children().filter_map(ElementRef::wrap).collect();
    el.value().name() == "div"
        && el.value().classes().any(|c| c == "fragment")
        && kids.first().is_some_and(is_line)
        && kids.iter().filter(|k| is_line(k)).count() * 2 >= kids.len()
}

/// Permalink anchors themes put beside headings and definitions: a known
/// class, a "link to this" label, or a link to a fragment whose whole text
/// is one symbol (¶, #, §, 🔗).
pub(crate) fn is_permalink(e: ElementRef<'_>) -> bool {
    let v = e.value();
    if v.classes().any(|c| {
        matches!(
            c,
            "headerlink"
                | "headerlink-icon"
                | "anchor"
                | "anchorlink"
                | "anchor-link"
                | "anchorjs-link"
                | "permalink"
                | "hash-link"
                | "heading-anchor"
                | "header-anchor"
                | "id_link"
        )
    }) {
        // The class names the link, not what holds it: Docusaurus marks
        // every heading `h2.anchor` (a target under the sticky navbar),
        // and its text is the heading's.
        let heading = heading_level(v.name()).is_some();
        let short = e.text().collect::<String>().trim().chars().count() <= 16;
        return !heading && short;
    }
    if v.name() != "a" {
        return false;
    }
    let label = [v.attr("title"), v.attr("aria-label")]
        .into_iter()
        .flatten()
        .map(str::to_ascii_lowercase)
        .any(|l| l.contains("permalink") || l.contains("link to this"));
    if label {
        return true;
    }
    let self_link = v.attr("href").is_some_and(|h| h.trim().starts_with('#'));
    if !self_link {
        return false;
    }
    let text: String = e.text().collect();
    let t = text.trim();
    t.chars().count() <= 2 && !t.is_empty() && !t.chars().any(char::is_alphanumeric)
}

/// In-page contents lists ("On this page", "Contents"): blocks whose text is
/// nearly all links to fragments of the same page, three or more of them,
/// or one or two that read as the page's headings. Returns the outermost
/// element to drop for each (the block with its caption).
pub(crate) fn in_page_tocs(
    roots: &[ElementRef<'_>],
    page: &str,
    density: &Density,
) -> HashSet<NodeId> {
    let name = crate::paths::file_name(page);
    let mut out = HashSet::new();
    // Heading texts of the page: a short list (one or two links) is a
    // contents list only when its links read as the page's headings.
    let headings: HashSet<String> = roots
        .iter()
        .flat_map(|r| r.descendants())
        .filter_map(ElementRef::wrap)
        .filter(|e| crate::html::markdown::heading_level(e.value().name()).is_some())
        .map(|e| crate::html::markdown::plain_text(e).to_lowercase())
        .collect();
    for root in roots {
        for e in root.descendants().filter_map(ElementRef::wrap) {
            if !matches!(e.value().name(), "ul" | "ol" | "nav" | "div" | "table") {
                continue;
            }
            if out.iter().any(|id| e.ancestors().any(|a| a.id() == *id)) {
                continue;
            }
            let (all, links) = density.of(e.id());
            if all == 0 || links * 10 < all * 9 {
                continue;
            }
            let hrefs: Vec<&str> = e
                .descendants()
                .filter_map(ElementRef::wrap)
                .filter_map(|a| {
                    (a.value().name() == "a")
                        .then(|| a.value().attr("href"))
                        .flatten()
                })
                .collect();
            let local = |h: &&str| {
                let h = h.trim();
                h.starts_with('#') || h.strip_prefix(name).is_some_and(|r| r.starts_with('#'))
            };
            if hrefs.is_empty() || !hrefs.iter().all(local) {
                continue;
            }
            let names_headings = || {
                e.descendants()
                    .filter_map(ElementRef::wrap)
                    .filter(|a| a.value().name() == "a")
                    .all(|a| {
                        headings.contains(&crate::html::markdown::plain_text(a).to_lowercase())
                    })
            };
            if hrefs.len() < 3 && !names_headings() {
                continue;
            }
            // Take the caption along: climb while the parent adds only a
            // short label ("Contents", "On this page").
            let mut top = e;
            while let Some(p) = top.parent().and_then(ElementRef::wrap) {
                if roots.iter().any(|r| r.id() == p.id()) {
                    break;
                }
                let extra = density.of(p.id()).0 - density.of(top.id()).0;
                if extra > 40 {
                    break;
                }
                top = p;
            }
            out.insert(top.id());
        }
    }
    out
}
