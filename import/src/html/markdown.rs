//! Our Markdown emitter over html5ever's DOM (via scraper).

use std::collections::{HashMap, HashSet};

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Node};

use super::extract::{is_chrome_at, is_line_code, is_permalink};
use super::HtmlFlavor;
use crate::paths;
use crate::text::{code_span, collapse_ws, escape_block_start, escape_inline, fence_for};

/// What a page's conversion needs beside its DOM.
pub(crate) struct Ctx<'a> {
    pub flavor: HtmlFlavor,
    /// The page's path in the set.
    pub page: &'a str,
    pub md_paths: &'a HashMap<String, String>,
    /// Elements left out: furniture found across the set, in-page contents
    /// lists.
    pub removed: &'a HashSet<NodeId>,
    /// Leave out `header`/`footer`/`aside`/navigation roles below the roots
    /// (generic pages, and pages whose content was found by score).
    pub drop_chrome: bool,
    /// The heading that became the title, not repeated in the body.
    pub title_id: Option<NodeId>,
    /// Write `nav` elements as text: for a page whose navigation is all it
    /// has (a contents page).
    pub keep_nav: bool,
}

/// Stands for `<br>` in the inline buffer until the paragraph is written.
const BREAK: char = '\u{2028}';

/// The page's headings below `roots` that will be written, in order.
pub(crate) fn headings<'a>(
    roots: &[ElementRef<'a>],
    removed: &HashSet<NodeId>,
) -> Vec<(ElementRef<'a>, usize)> {
    roots
        .iter()
        .flat_map(|r| r.descendants())
        .filter_map(ElementRef::wrap)
        .filter_map(|e| heading_level(e.value().name()).map(|l| (e, l)))
        .filter(|(e, _)| {
            !removed.contains(&e.id())
                && !e
                    .ancestors()
                    .filter_map(ElementRef::wrap)
                    .any(|a| removed.contains(&a.id()) || is_skipped(a))
                && !collapse_ws(&plain_text(*e)).is_empty()
        })
        .collect()
}

/// The Markdown body of one page.
/// A page converted: its Markdown, and the anchor (heading slug) that each
/// element id of the page lands on, for links into the page.
pub(crate) struct Converted {
    pub markdown: String,
    pub anchors: HashMap<String, String>,
}

pub(crate) fn convert(roots: &[ElementRef<'_>], ctx: &Ctx<'_>) -> Converted {
    let heads = headings(roots, ctx.removed);
    let min_rest = heads
        .iter()
        .filter(|(e, _)| Some(e.id()) != ctx.title_id)
        .map(|(_, l)| *l)
        .min();
    let mut w = Writer {
        out: String::new(),
        inline: String::new(),
        prefixes: Vec::new(),
        ctx,
        page_md: ctx.md_paths.get(ctx.page).cloned().unwrap_or_default(),
        shift: min_rest.map_or(0, |m| 2 - m as i32),
        roots: roots.iter().map(|r| r.id()).collect(),
        level: 0,
        headings: true,
        in_entry: false,
        bold: false,
        heads: Vec::new(),
        pending: Vec::new(),
        ids: Vec::new(),
    };
    for r in roots {
        w.children(**r);
    }
    w.flush();
    w.bind_pending();
    let mut names = crate::anchors::HeadingIds::default();
    let slugs: Vec<String> = w
        .heads
        .iter()
        .map(|h| names.next(&crate::anchors::heading_text(h)))
        .collect();
    let mut anchors = HashMap::new();
    for (id, head) in w.ids {
        anchors.entry(id).or_insert_with(|| slugs[head].clone());
    }
    Converted {
        markdown: w.out,
        anchors,
    }
}

/// Brackets a link's fragment until every page of the set is converted:
/// `START target.md SEP id END` after the link's path, replaced by
/// [`resolve_fragments`] with the heading anchor the id lands on (or
/// nothing). Private-use characters, cleared from the pages' text first.
const FRAG_START: char = '\u{E000}';
const FRAG_SEP: char = '\u{E001}';
const FRAG_END: char = '\u{E002}';
/// A link within its own page: `SELF text SEP page.md SEP id END`, which
/// becomes a link to the heading the id lands on, or else the text alone
/// (a link to the page's top would lead away from where the reader is).
const FRAG_SELF: char = '\u{E003}';
/// The marks, which pages' own text is cleared of before conversion.
pub(crate) const FRAG_CHARS: [char; 4] = [FRAG_START, FRAG_SEP, FRAG_END, FRAG_SELF];

/// Whether an absolute link leads somewhere a reader can follow (the web,
/// mail); `javascript:` and local schemes are dropped, their text kept.
fn is_web(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    ["http:", "https:", "ftp:", "mailto:", "//"]
        .iter()
        .any(|s| lower.starts_with(s))
}

/// A link destination: `path` then `tail` (a fragment or its mark), in
/// angle brackets when the path holds a space, a parenthesis or a bracket.
fn destination(path: &str, tail: &str) -> String {
    if path.contains([' ', '(', ')', '<', '>']) {
        format!("<{}{tail}>", path.replace('<', "%3C").replace('>', "%3E"))
    } else {
        format!("{path}{tail}")
    }
}

/// Replaces the fragment marks of one converted page: a link to an element
/// id that lands on a heading of its page gets that heading's anchor; any
/// other keeps pointing at the page.
pub(crate) fn resolve_fragments(
    md: &str,
    anchors: &HashMap<String, HashMap<String, String>>,
) -> String {
    if !md.contains([FRAG_START, FRAG_SELF]) {
        return md.to_string();
    }
    let mut out = String::with_capacity(md.len());
    let mut rest = md;
    while let Some(i) = rest.find([FRAG_START, FRAG_SELF]) {
        out.push_str(&rest[..i]);
        let own = rest[i..].starts_with(FRAG_SELF);
        let after = &rest[i + FRAG_START.len_utf8()..];
        let Some(end) = after.find(FRAG_END) else {
            rest = after;
            continue;
        };
        let mark = &after[..end];
        if own {
            let mut parts = mark.splitn(3, FRAG_SEP);
            let (text, page, id) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            match anchors.get(page).and_then(|a| a.get(id)) {
                Some(slug) => {
                    let name = page.rsplit('/').next().unwrap_or(page);
                    let url = destination(name, &format!("#{slug}"));
                    out.push_str(&format!("[{text}]({url})"));
                }
                None => out.push_str(text),
            }
        } else if let Some((target, id)) = mark.split_once(FRAG_SEP) {
            if let Some(slug) = anchors.get(target).and_then(|a| a.get(id)) {
                out.push('#');
                out.push_str(slug);
            }
        }
        rest = &after[end + FRAG_END.len_utf8()..];
    }
    out.push_str(rest);
    out
}

pub(crate) fn heading_level(name: &str) -> Option<usize> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// Text of an element without permalink anchors, collapsed.
pub(crate) fn plain_text(e: ElementRef<'_>) -> String {
    let mut s = String::new();
    // A `<br>` separates words ("Uses of Package<br>org.example" in
    // Javadoc's headings): kept as a break, then collapsed to a space.
    collect_text(*e, &mut s, true);
    strip_marks(&collapse_ws(&s))
}

/// A heading's text without permalink symbols left as plain text at its end.
fn strip_marks(s: &str) -> String {
    s.trim_end_matches(['¶', '§', '🔗', '⚓'])
        .trim_end()
        .to_string()
}

/// Concatenated text of a subtree; `keep_breaks` turns `<br>` into newlines
/// (for preformatted text).
fn collect_text(node: NodeRef<'_, Node>, out: &mut String, keep_breaks: bool) {
    for child in node.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                if e.name() == "br" && keep_breaks {
                    out.push('\n');
                } else if !is_skipped(ElementRef::wrap(child).expect("element")) {
                    collect_text(child, out, keep_breaks);
                }
            }
            _ => {}
        }
    }
}

/// Words of description a definition list needs before its entries
/// become sections: about one chunk's worth (the chunker's target is 200
/// words), so a short list stays together and a long one is not cut by size
/// in the middle of an entry.
const ENTRY_LIST_MIN_WORDS: usize = 200;

/// Longest term (in characters) that names an entry; a longer one is a
/// sentence set in a term, not a name.
const ENTRY_TERM_MAX_CHARS: usize = 120;

/// Whether a definition list is a reference of entries (options, variables,
/// settings, questions) whose terms become headings: two or more
/// descriptions with [`ENTRY_LIST_MIN_WORDS`] words in all, every term at
/// most [`ENTRY_TERM_MAX_CHARS`] long, and not a list of fields, footnotes
/// or citations.
fn is_entry_list(node: NodeRef<'_, Node>) -> bool {
    let Some(dl) = ElementRef::wrap(node) else {
        return false;
    };
    if ["field-list", "footnote", "citation", "docinfo"]
        .iter()
        .any(|c| has_class(dl.value(), c))
    {
        return false;
    }
    let (mut descriptions, mut words) = (0, 0);
    for child in node.children().filter_map(ElementRef::wrap) {
        match child.value().name() {
            "dt" if plain_text(child).chars().count() > ENTRY_TERM_MAX_CHARS => return false,
            "dd" => {
                descriptions += 1;
                words += plain_text(child).split_whitespace().count();
            }
            _ => {}
        }
    }
    descriptions >= 2 && words >= ENTRY_LIST_MIN_WORDS
}

/// Whether a highlighter's language name can stand after a code fence:
/// a short word of letters, digits and `+#._-` (`c++`, `objective-c`),
/// not a placeholder such as `none`, `plain` or `text`.
fn is_language_name(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 24
        && l.starts_with(|c: char| c.is_ascii_alphabetic())
        && l.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '.' | '_' | '-'))
        && !matches!(
            l.to_ascii_lowercase().as_str(),
            "none" | "plain" | "plaintext" | "text" | "nohighlight" | "undefined"
        )
}

/// SyntaxHighlighter's `brush: java; gutter: false` (in a class or, as
/// Confluence writes it, in `data-syntaxhighlighter-params`).
fn brush(params: Option<&str>) -> Option<&str> {
    params?.split(';').find_map(|p| {
        let (k, v) = p.split_once(':')?;
        (k.trim() == "brush").then(|| v.trim())
    })
}

/// Language names common enough to be read from a bare class (`pre.rust`);
/// one letter or an everyday word would be taken for a theme's class.
fn is_common_language(c: &str) -> bool {
    matches!(
        c,
        "bash"
            | "cpp"
            | "csharp"
            | "css"
            | "go"
            | "golang"
            | "java"
            | "javascript"
            | "json"
            | "kotlin"
            | "perl"
            | "php"
            | "powershell"
            | "python"
            | "ruby"
            | "rust"
            | "scala"
            | "sql"
            | "swift"
            | "toml"
            | "typescript"
            | "xml"
            | "yaml"
    )
}

/// The title of a callout box: Sphinx's and MkDocs' `p.admonition-title`,
/// Docusaurus' `div.admonitionHeading_x1y2` (a CSS-module class: the hash
/// after `_` is dropped), Bootstrap's and Docsy's `h4.alert-heading`,
/// `callout-title` elsewhere.
fn is_callout_title(e: &scraper::node::Element) -> bool {
    if !matches!(
        e.name(),
        "p" | "div" | "span" | "strong" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
    ) {
        return false;
    }
    e.classes().any(|c| {
        let base = match c.rsplit_once('_') {
            Some((b, hash))
                if hash.len() >= 4 && hash.chars().all(|x| x.is_ascii_alphanumeric()) =>
            {
                b
            }
            _ => c,
        };
        matches!(
            base.to_ascii_lowercase().replace('-', "").as_str(),
            "admonitiontitle" | "admonitionheading" | "alertheading" | "callouttitle"
        )
    })
}

fn has_class(e: &scraper::node::Element, class: &str) -> bool {
    e.classes().any(|c| c == class)
}

/// Text a reader sees when pointing at a term: an abbreviation's
/// expansion (`abbr`/`acronym` with a `title`, as Sphinx's `:abbr:` role
/// writes it) or a glossary popup's definition (MadCap Flare's
/// `data-mc-popup-text`). It is written after the term in parentheses, as
/// text renderings of such pages do, unless it adds nothing: empty, the
/// term itself, or already spelled out in the term's block.
fn hover_text(el: ElementRef<'_>) -> Option<String> {
    let e = el.value();
    let raw = match e.name() {
        "abbr" | "acronym" => e.attr("title"),
        _ => e.attr("data-mc-popup-text"),
    }?;
    let text = collapse_ws(raw);
    let term = collapse_ws(&el.text().collect::<String>());
    if text.is_empty() || term.is_empty() || text.eq_ignore_ascii_case(&term) {
        return None;
    }
    // The nearest block around the term: "Binary Large Object
    // (<abbr>BLOB</abbr>)" needs nothing more.
    let block = el.ancestors().filter_map(ElementRef::wrap).find(|a| {
        matches!(
            a.value().name(),
            "p" | "li" | "dd" | "dt" | "td" | "th" | "div" | "section" | "body"
        ) || heading_level(a.value().name()).is_some()
    })?;
    let around = collapse_ws(&block.text().collect::<String>()).to_lowercase();
    (!around.contains(&text.to_lowercase())).then_some(text)
}

/// Text a reader never sees as text: an icon font's ligature in an
/// `aria-hidden` element ("open_in_new", "content_copy", "warning": short
/// text, no blocks), and the screen-reader label of a link ("(opens in a
/// new tab)"), which would run into the link's text.
fn is_decoration(el: ElementRef<'_>) -> bool {
    let e = el.value();
    if e.attr("aria-hidden") == Some("true") {
        let short = el.text().map(str::len).sum::<usize>() <= 32;
        let inline = el.descendants().filter_map(ElementRef::wrap).all(|d| {
            !matches!(
                d.value().name(),
                "p" | "div" | "pre" | "table" | "ul" | "ol" | "dl" | "section" | "blockquote"
            ) && heading_level(d.value().name()).is_none()
        });
        return short && inline;
    }
    e.classes().any(|c| {
        matches!(
            c,
            "sr-only" | "visually-hidden" | "screen-reader-text" | "screenreader-only"
        )
    }) && el
        .ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == "a")
}

/// A page's footer, wherever the theme put it: previous and next links,
/// "Edit this page", "Last updated". Themes place it inside the element
/// that marks the content (pydata's and the book theme's prev/next footer
/// sits in `role=main`), where the flavor's markers keep other chrome such
/// as Sphinx's `aside` sidebars and footnotes. Only a quote's or a
/// figure's footer (its source, its credit) is text.
fn is_page_footer(el: ElementRef<'_>) -> bool {
    el.value().name() == "footer"
        && !el
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| matches!(a.value().name(), "blockquote" | "figure"))
}

/// The cell of a listing table that holds only the line numbers of the
/// code in the next cell: gtk-doc's `td.listing_lines`, and any
/// highlighter's gutter whatever its class. Known classes (`linenos`) are
/// skipped by name; this finds the rest by their text: consecutive numbers,
/// one per line, beside a cell with a `pre`.
fn is_line_number_gutter(el: ElementRef<'_>) -> bool {
    if !matches!(el.value().name(), "td" | "th") {
        return false;
    }
    let text: String = el.text().collect();
    let numbers: Option<Vec<u64>> = text
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.parse().ok())
        .collect();
    let counts = numbers.is_some_and(|n| n.len() >= 2 && n.windows(2).all(|w| w[1] == w[0] + 1));
    counts
        && el
            .next_siblings()
            .filter_map(ElementRef::wrap)
            .find(|s| matches!(s.value().name(), "td" | "th"))
            .is_some_and(|s| {
                s.descendants()
                    .filter_map(ElementRef::wrap)
                    .any(|d| d.value().name() == "pre")
            })
}

/// The language name a theme prints over a code block (VitePress'
/// `span.lang` in `div.language-sh`): it repeats the wrapper's class, and
/// the fence already says it, so as text it is a stray "sh" before every
/// block.
fn is_code_label(el: ElementRef<'_>) -> bool {
    /// Longest language name taken for a label ("powershell", "javascript").
    const MAX_LEN: usize = 20;
    let text: String = el.text().collect();
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_LEN || text.contains(char::is_whitespace) {
        return false;
    }
    let in_code = el
        .ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| matches!(a.value().name(), "pre" | "code"));
    !in_code
        && el
            .ancestors()
            .filter_map(ElementRef::wrap)
            .take(2)
            .any(|a| {
                a.value().classes().any(|c| {
                    ["language-", "lang-", "highlight-"].iter().any(|p| {
                        c.strip_prefix(p)
                            .is_some_and(|l| l.eq_ignore_ascii_case(text))
                    })
                })
            })
}

/// A line of links that say they are navigation: each carries a `rel` of
/// the page sequence (`next`, `prev`, `up`, `contents`, `index`, ...), and
/// the text beside them is a few labels ("Next:",
/// "Previous:", "Up:"). Texinfo heads every node with one; its labels vary
/// with the node's place (a first child has no "Previous"), so the shape
/// of no single variant need repeat on a quarter of the pages.
fn is_rel_navigation(el: ElementRef<'_>) -> bool {
    /// Letters and digits of labels the line may hold outside its links.
    const MAX_LABEL: usize = 40;
    const RELS: &[&str] = &[
        "next", "prev", "previous", "up", "first", "last", "start", "begin", "end", "contents",
        "toc", "index", "home", "top", "parent",
    ];
    if !matches!(
        el.value().name(),
        "p" | "div" | "td" | "th" | "li" | "span" | "center"
    ) {
        return false;
    }
    let mut links = 0;
    for a in el.descendants().filter_map(ElementRef::wrap) {
        let e = a.value();
        if e.name() != "a" || e.attr("href").is_none() {
            continue;
        }
        let rel = e.attr("rel").is_some_and(|r| {
            r.split_whitespace()
                .any(|t| RELS.iter().any(|n| t.eq_ignore_ascii_case(n)))
        });
        // An `accesskey` alone does not say it: texinfo's menus of child
        // nodes carry one per item, and a contents page is made of them.
        if !rel {
            return false;
        }
        links += 1;
    }
    if links == 0 {
        return false;
    }
    let outside: usize = el
        .descendants()
        .filter_map(|n| match n.value() {
            Node::Text(t)
                if !n
                    .ancestors()
                    .any(|a| a.value().as_element().is_some_and(|e| e.name() == "a")) =>
            {
                Some(t.chars().filter(|c| c.is_alphanumeric()).count())
            }
            _ => None,
        })
        .sum();
    outside <= MAX_LABEL
}

/// A list some item of which holds a heading of its own: a layout of
/// sections, not a list of points. Headings of a nested list and the
/// titles of callouts inside an item ("Note") do not count.
fn is_layout_list(list: NodeRef<'_, Node>) -> bool {
    let callout = |e: &scraper::node::Element| {
        e.classes().any(|c| {
            matches!(
                c,
                "note"
                    | "tip"
                    | "warning"
                    | "caution"
                    | "important"
                    | "admonition"
                    | "callout"
                    | "alert"
            )
        })
    };
    list.children()
        .filter_map(ElementRef::wrap)
        .filter(|li| li.value().name() == "li")
        .any(|li| {
            li.descendants().filter_map(ElementRef::wrap).any(|h| {
                heading_level(h.value().name()).is_some()
                    && !is_callout_title(h.value())
                    && h.ancestors()
                        .filter_map(ElementRef::wrap)
                        .take_while(|a| a.id() != li.id())
                        .all(|a| !matches!(a.value().name(), "li" | "table") && !callout(a.value()))
            })
        })
}

/// Elements that never contribute text: scripts, navigation, permalinks,
/// line-number gutters, images.
pub(crate) fn is_skipped(el: ElementRef<'_>) -> bool {
    let e = el.value();
    is_permalink(el)
        || is_decoration(el)
        || is_page_footer(el)
        || is_rel_navigation(el)
        || is_code_label(el)
        || is_line_number_gutter(el)
        || (e.name() == "a"
            && e.classes().any(|c| c == "src")
            && el.text().collect::<String>().trim() == "Source")
        || matches!(
            e.name(),
            "script"
                | "style"
                | "noscript"
                | "template"
                | "nav"
                | "button"
                | "form"
                | "input"
                | "select"
                | "textarea"
                | "iframe"
                | "svg"
                | "canvas"
                | "img"
                | "picture"
                | "video"
                | "audio"
                | "object"
                | "embed"
                | "map"
                | "link"
                | "meta"
                | "head"
        )
        || e.classes().any(|c| {
            matches!(
                c,
                "headerlink"
                    | "navheader"
                    | "navfooter"
                    | "sphinxsidebar"
                    | "related"
                    | "linenos"
                    | "lineno"
                    // Javadoc's linked source: `source-line-no` (JDK 17+),
                    // `sourceLineNo` (JDK 9-16) before every line.
                    | "source-line-no"
                    | "sourceLineNo"
                    // Doxygen's hover tooltips: a copy of the declaration
                    // a link points to, hidden until hovered.
                    | "ttc"
                    | "linenodiv"
                    | "list-of-tables"
                    | "list-of-figures"
                    | "list-of-examples"
                    | "list-of-procedures"
                    | "list-of-equations"
                    // Confluence's "Created by …, last modified on …" line:
                    // its author and date change from page to page, so the
                    // frequency pass cannot see it repeat.
                    | "page-metadata"
                    // Links to a definition's source: Sphinx's "[source]"
                    // (viewcode) and rustdoc's "1.0.0 · Source" beside each
                    // signature; rustdoc's "Expand description" toggle.
                    | "viewcode-link"
                    | "rightside"
                    | "hideme"
            )
        })
}

struct Prefix {
    first: String,
    rest: String,
    used: bool,
}

struct Writer<'a> {
    out: String,
    inline: String,
    prefixes: Vec<Prefix>,
    ctx: &'a Ctx<'a>,
    page_md: String,
    shift: i32,
    roots: HashSet<NodeId>,
    /// Level of the last heading written (0 before the first): API entries
    /// become headings one level below it.
    level: usize,
    /// False in a table cell's writer, where a heading cannot stand.
    headings: bool,
    /// Inside a definition list's description: a list there is part of an
    /// entry, not a reference of its own.
    in_entry: bool,
    /// Inside text already set bold (a `strong`, a definition's term): a
    /// `strong` there adds no markers, which nested would read
    /// "****name**(args)**".
    bold: bool,
    /// The headings written, as Markdown inline text.
    heads: Vec<String>,
    /// Element ids met since the last block was written: they land on the
    /// next heading if one comes first, else on the last one.
    pending: Vec<String>,
    /// Element id → index in `heads` of the heading it lands on.
    ids: Vec<(String, usize)>,
}

impl Writer<'_> {
    /// Writes a block (already-formatted lines) under the current list and
    /// quote prefixes, separated from the previous block by a blank line.
    fn block(&mut self, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        self.bind_pending();
        if !self.out.is_empty() {
            let sep: String = self
                .prefixes
                .iter()
                .filter(|p| p.used)
                .map(|p| p.rest.as_str())
                .collect();
            self.out.push_str(sep.trim_end());
            self.out.push('\n');
        }
        for (i, line) in lines.iter().enumerate() {
            for p in &mut self.prefixes {
                if i == 0 && !p.used {
                    self.out.push_str(&p.first);
                    p.used = true;
                } else {
                    self.out.push_str(&p.rest);
                }
            }
            self.out.push_str(line);
            self.out.push('\n');
        }
    }

    /// Ids met before some text lands on the last heading written (in a
    /// table cell's writer they wait for the page's writer).
    fn bind_pending(&mut self) {
        if !self.headings {
            return;
        }
        match self.heads.len().checked_sub(1) {
            Some(h) => self.ids.extend(self.pending.drain(..).map(|id| (id, h))),
            // Before the first heading: the top of the page, which a link
            // without a fragment reaches.
            None => self.pending.clear(),
        }
    }

    /// Writes a heading line; the ids met just before it land on it.
    fn write_heading(&mut self, level: usize, inner: String) {
        if self.headings {
            let h = self.heads.len();
            self.ids.extend(self.pending.drain(..).map(|id| (id, h)));
            self.heads.push(inner.clone());
        }
        self.block(&[format!("{} {}", "#".repeat(level), inner)]);
    }

    /// Notes an element's id (and an old-style `<a name>`), which links
    /// from other pages may name.
    fn note_id(&mut self, e: &scraper::node::Element) {
        if let Some(id) = e.attr("id").map(str::trim).filter(|i| !i.is_empty()) {
            self.pending.push(id.to_string());
        }
        if e.name() == "a" {
            if let Some(n) = e.attr("name").map(str::trim).filter(|i| !i.is_empty()) {
                self.pending.push(n.to_string());
            }
        }
    }

    /// Ends the current paragraph.
    fn flush(&mut self) {
        if self.inline.trim().is_empty() {
            self.inline.clear();
            return;
        }
        let text = std::mem::take(&mut self.inline);
        let parts: Vec<String> = text
            .split(BREAK)
            .map(collapse_ws)
            .filter(|p| !p.is_empty())
            .collect();
        let n = parts.len();
        let lines: Vec<String> = parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let p = if i == 0 { escape_block_start(&p) } else { p };
                // A trailing backslash is CommonMark's hard line break.
                if i + 1 < n {
                    format!("{p}\\")
                } else {
                    p
                }
            })
            .collect();
        self.block(&lines);
    }

    fn children(&mut self, node: NodeRef<'_, Node>) {
        for child in node.children() {
            self.node(child);
        }
    }

    fn text(&mut self, t: &str) {
        let mut collapsed = String::with_capacity(t.len());
        let mut space = false;
        for c in t.chars() {
            if c.is_whitespace() {
                space = true;
            } else {
                if space {
                    collapsed.push(' ');
                }
                space = false;
                collapsed.push(c);
            }
        }
        if space {
            collapsed.push(' ');
        }
        escape_inline(&collapsed, &mut self.inline);
    }

    /// [`Writer::capture`] of text that will be set bold.
    fn bold_capture(&mut self, node: NodeRef<'_, Node>) -> String {
        let outer = std::mem::replace(&mut self.bold, true);
        let inner = self.capture(node);
        self.bold = outer;
        inner
    }

    /// Renders the children of `node` as inline Markdown into a string.
    fn capture(&mut self, node: NodeRef<'_, Node>) -> String {
        let saved = std::mem::take(&mut self.inline);
        self.children(node);
        std::mem::replace(&mut self.inline, saved)
    }

    fn node(&mut self, node: NodeRef<'_, Node>) {
        let e = match node.value() {
            Node::Text(t) => {
                self.text(t);
                return;
            }
            Node::Element(e) => e,
            _ => return,
        };
        let el = ElementRef::wrap(node).expect("element");
        if self.ctx.removed.contains(&node.id()) {
            return;
        }
        if (is_skipped(el) && !(self.ctx.keep_nav && e.name() == "nav"))
            || Some(node.id()) == self.ctx.title_id
        {
            // A permalink anchor or the title is not written, but links
            // may name its id (Doxygen's `<a class="anchor" id>`).
            self.note_id(e);
            return;
        }
        let name = e.name();
        if self.ctx.drop_chrome && is_chrome_at(el) && !self.roots.contains(&node.id()) {
            return;
        }
        self.note_id(e);
        if self.ctx.flavor == HtmlFlavor::DocBook && name == "p" && self.is_toc_title(node) {
            return;
        }
        if is_callout_title(e) {
            // A callout's "Note", "Warning", "tip": a label, shown bold, not
            // a heading that would open a section of its own.
            self.flush();
            let inner = collapse_ws(&self.capture(node));
            if !inner.is_empty() {
                self.block(&[format!("**{inner}**")]);
            }
            return;
        }
        if let Some(level) = heading_level(name) {
            self.heading(node, level);
            return;
        }
        if name != "table" {
            if let Some(rows) = grid_rows(node) {
                self.table_of(node, None, rows);
                return;
            }
        }
        let hover = hover_text(el);
        match name {
            "pre" => self.pre(node),
            "div" if is_line_code(el) => self.line_code(node),
            "table" if has_class(e, "memname") => self.signature_table(node),
            "ul" | "ol" => self.list(node, name == "ol", e.attr("start")),
            "dl" => self.definitions(node),
            "table" => self.table(node),
            "blockquote" => {
                self.flush();
                self.prefixes.push(Prefix {
                    first: "> ".into(),
                    rest: "> ".into(),
                    used: false,
                });
                self.children(node);
                self.flush();
                self.prefixes.pop();
            }
            "hr" => {
                self.flush();
                self.block(&["---".to_string()]);
            }
            "br" => self.inline.push(BREAK),
            "a" => self.link(node, e.attr("href")),
            "code" | "tt" | "kbd" | "samp" => {
                let mut raw = String::new();
                collect_text(node, &mut raw, false);
                let raw = collapse_ws(&raw);
                if !raw.is_empty() {
                    self.inline.push_str(&code_span(&raw));
                }
            }
            "em" | "i" | "cite" | "dfn" | "var" => {
                let inner = self.capture(node);
                self.inline.push_str(&wrap(&inner, "*"));
            }
            "strong" | "b" if self.bold => self.children(node),
            "strong" | "b" => {
                let inner = self.bold_capture(node);
                self.inline.push_str(&wrap(&inner, "**"));
            }
            "p" | "div" | "section" | "article" | "main" | "header" | "footer" | "figure"
            | "figcaption" | "center" | "address" | "details" | "summary" | "aside"
            | "fieldset" | "legend" | "caption" | "body" | "html" | "li" | "dd" | "dt" => {
                self.flush();
                self.children(node);
                self.flush();
            }
            _ => self.children(node),
        }
        if let Some(h) = hover {
            self.text(&format!(" ({h})"));
        }
    }

    /// DocBook's "Table of Contents" caption inside `div.toc`.
    fn is_toc_title(&self, node: NodeRef<'_, Node>) -> bool {
        let in_toc = node
            .parent()
            .and_then(ElementRef::wrap)
            .is_some_and(|p| has_class(p.value(), "toc"));
        if !in_toc {
            return false;
        }
        let mut t = String::new();
        collect_text(node, &mut t, false);
        matches!(
            collapse_ws(&t).as_str(),
            "Table of Contents" | "Contents" | "List of Tables" | "List of Examples"
        )
    }

    fn heading(&mut self, node: NodeRef<'_, Node>, level: usize) {
        self.flush();
        let inner = strip_marks(&collapse_ws(&self.capture(node)).replace(BREAK, " "));
        if inner.is_empty() {
            return;
        }
        // DocBook admonitions title themselves with an h3 ("Note"); that is a
        // label, not a section.
        let in_admonition = self.ctx.flavor == HtmlFlavor::DocBook
            && node.parent().and_then(ElementRef::wrap).is_some_and(|p| {
                p.value()
                    .classes()
                    .any(|c| matches!(c, "note" | "tip" | "warning" | "caution" | "important"))
            });
        if in_admonition {
            self.block(&[format!("**{inner}**")]);
            return;
        }
        let level = (level as i32 + self.shift).clamp(1, 6) as usize;
        self.write_heading(level, inner);
        self.level = level;
    }

    /// Doxygen lays out a function's or macro's signature as a table
    /// (`table.memname`: name, "(", one row per parameter, ")"): as a pipe
    /// table it read "| #define f | ( | | a, |". It is one declaration.
    fn signature_table(&mut self, node: NodeRef<'_, Node>) {
        self.flush();
        let mut raw = String::new();
        collect_text(node, &mut raw, false);
        let mut sig = collapse_ws(&raw);
        for (from, to) in [("( ", "("), (" )", ")"), (" ,", ","), (" (", "(")] {
            sig = sig.replace(from, to);
        }
        if !sig.is_empty() {
            let fence = fence_for(&sig);
            self.block(&[fence.clone(), sig, fence]);
        }
    }

    /// Code drawn one `div.line` per line (see [`is_line_code`]).
    fn line_code(&mut self, node: NodeRef<'_, Node>) {
        self.flush();
        let mut lines = Vec::new();
        for line in node
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|k| k.value().name() == "div" && has_class(k.value(), "line"))
        {
            let mut raw = String::new();
            collect_text(*line, &mut raw, true);
            lines.push(raw.replace('\t', "    ").trim_end().to_string());
        }
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        let code = lines.join("\n");
        let fence = fence_for(&code);
        let mut out = vec![fence.clone()];
        out.extend(lines);
        out.push(fence);
        self.block(&out);
    }

    fn pre(&mut self, node: NodeRef<'_, Node>) {
        self.flush();
        let mut raw = String::new();
        collect_text(node, &mut raw, true);
        let raw = raw.replace("\r\n", "\n").replace('\t', "    ");
        let raw = raw.strip_prefix('\n').unwrap_or(&raw);
        let code = raw.trim_end();
        let lang = self.code_language(node);
        let fence = fence_for(code);
        let mut lines = vec![format!("{fence}{lang}")];
        lines.extend(code.lines().map(|l| l.trim_end().to_string()));
        lines.push(fence);
        self.block(&lines);
    }

    /// Sphinx wraps highlighted code in `div.highlight-<lexer>`; other
    /// generators and highlighters (Prism, highlight.js, Pygments in MkDocs,
    /// Chroma in Hugo) mark the `pre`, its `code` or a wrapper with
    /// `language-<name>` (or `lang-<name>`, or `data-lang`).
    fn code_language(&self, node: NodeRef<'_, Node>) -> String {
        if self.ctx.flavor != HtmlFlavor::Sphinx {
            let code = node
                .children()
                .filter_map(ElementRef::wrap)
                .find(|c| c.value().name() == "code");
            // The code element and the `pre` itself, then wrappers up to a
            // line-numbered table's (`div.language-x > table > tr > td >
            // div > pre`), short of the page's own elements; `lang-` only
            // on the first two. Either way a page's natural language
            // (`body.language-en`, `article.lang-de`) is not taken.
            let near = code
                .into_iter()
                .chain(ElementRef::wrap(node))
                .map(|e| (e, true))
                .chain(
                    node.ancestors()
                        .filter_map(ElementRef::wrap)
                        .take(6)
                        .take_while(|e| {
                            !matches!(e.value().name(), "html" | "body" | "main" | "article")
                        })
                        .map(|e| (e, false)),
                );
            for (e, own) in near {
                let v = e.value();
                let named = v
                    .classes()
                    .find_map(|c| {
                        c.strip_prefix("language-")
                            .or_else(|| c.strip_prefix("lang-").filter(|_| own))
                    })
                    .or_else(|| v.attr("data-lang"))
                    .or_else(|| brush(v.attr("class")))
                    .or_else(|| brush(v.attr("data-syntaxhighlighter-params")))
                    .or_else(|| {
                        // rustdoc's `pre.rust`, old themes' `pre.java`: a
                        // bare class counts only as a well-known name.
                        v.classes().find(|c| own && is_common_language(c))
                    });
                if let Some(l) = named.map(str::trim).filter(|l| is_language_name(l)) {
                    return l.to_ascii_lowercase();
                }
            }
            return String::new();
        }
        for a in node.ancestors().filter_map(ElementRef::wrap).take(4) {
            for c in a.value().classes() {
                if let Some(lexer) = c.strip_prefix("highlight-") {
                    return match lexer {
                        "default" => String::new(),
                        "none" | "text" => "text".into(),
                        "python3" | "py" | "py3" => "python".into(),
                        l => l.to_string(),
                    };
                }
            }
        }
        String::new()
    }

    fn list(&mut self, node: NodeRef<'_, Node>, ordered: bool, start: Option<&str>) {
        self.flush();
        if is_layout_list(node) {
            // A list used to lay out sections (Javadoc's summary and member
            // lists): its items are the page's sections, not bullets, so
            // their headings stay headings and open chunks of their own.
            for child in node.children() {
                if !self.ctx.removed.contains(&child.id()) {
                    self.node(child);
                }
            }
            self.flush();
            return;
        }
        let mut n: u64 = start.and_then(|s| s.trim().parse().ok()).unwrap_or(1);
        for child in node.children() {
            let Some(li) = ElementRef::wrap(child) else {
                if let Node::Text(t) = child.value() {
                    if !t.trim().is_empty() {
                        self.text(t);
                    }
                }
                continue;
            };
            if li.value().name() != "li" {
                self.node(child);
                continue;
            }
            if self.ctx.removed.contains(&child.id()) {
                continue;
            }
            let marker = if ordered {
                format!("{n}. ")
            } else {
                "- ".to_string()
            };
            n += 1;
            self.prefixes.push(Prefix {
                rest: " ".repeat(marker.len()),
                first: marker,
                used: false,
            });
            self.children(child);
            self.flush();
            if let Some(p) = self.prefixes.pop() {
                if !p.used {
                    // An empty item still shows up as an item.
                    self.prefixes.push(p);
                    self.block(&[String::new()]);
                    self.prefixes.pop();
                }
            }
        }
    }

    /// DocBook's table of contents (`dl.toc`, `dt` entries, nested `dd > dl`)
    /// as a nested bullet list.
    fn toc_list(&mut self, node: NodeRef<'_, Node>) {
        self.flush();
        let mut open = false;
        for child in node.children() {
            let Some(el) = ElementRef::wrap(child) else {
                continue;
            };
            match el.value().name() {
                "dt" => {
                    if open {
                        self.prefixes.pop();
                    }
                    let text = collapse_ws(&self.capture(child));
                    self.prefixes.push(Prefix {
                        first: "- ".into(),
                        rest: "  ".into(),
                        used: false,
                    });
                    open = true;
                    self.block(&[text]);
                }
                "dd" => {
                    for inner in child.children() {
                        if ElementRef::wrap(inner).is_some_and(|e| e.value().name() == "dl") {
                            self.toc_list(inner);
                        } else {
                            self.node(inner);
                        }
                    }
                    self.flush();
                }
                _ => self.node(child),
            }
        }
        if open {
            self.prefixes.pop();
        }
    }

    fn definitions(&mut self, node: NodeRef<'_, Node>) {
        if ElementRef::wrap(node).is_some_and(|e| has_class(e.value(), "toc")) {
            self.toc_list(node);
            return;
        }
        self.flush();
        // An API entry (a Sphinx object description: function, method,
        // option, command form) is a section of its own: its first
        // signature becomes a heading one level below the enclosing one, so
        // the entry starts its own chunk and names it, instead of sharing a
        // size-cut chunk with its neighbours. Not inside lists, quotes or
        // table cells, nor below level 6.
        let base = self.level;
        let entry_level = base.max(1) + 1;
        let can_head = self.headings && self.prefixes.is_empty() && entry_level <= 6;
        // Any other reference list (options, variables, settings, FAQ
        // entries) long enough to be cut by size is cut at its entries
        // instead, by the same headings; see [`is_entry_list`].
        let entries = can_head && !self.in_entry && is_entry_list(node);
        let outer_entry = self.in_entry;
        let mut after_sig = false;
        for child in node.children() {
            let Some(el) = ElementRef::wrap(child) else {
                continue;
            };
            if self.ctx.removed.contains(&child.id()) {
                continue;
            }
            match el.value().name() {
                "dt" => {
                    self.flush();
                    self.note_id(el.value());
                    let sig = self.ctx.flavor == HtmlFlavor::Sphinx && has_class(el.value(), "sig");
                    if sig {
                        // An API signature reads best as code.
                        let text = collapse_ws(&plain_text(el));
                        if text.is_empty() {
                            continue;
                        }
                        let heading = !after_sig && can_head;
                        if heading {
                            self.write_heading(entry_level, code_span(&text));
                            self.level = entry_level;
                        } else {
                            // Further signatures of one entry stay under its
                            // heading.
                            self.block(&[code_span(&text)]);
                        }
                        after_sig = true;
                    } else {
                        // A term holding a block (SQLite's `<dt><p><b>`) is
                        // written out by that block, unwrapped: its own
                        // `strong` must keep its markers there.
                        let blocks = child.descendants().skip(1).any(|d| {
                            ElementRef::wrap(d).is_some_and(|e| {
                                matches!(
                                    e.value().name(),
                                    "p" | "div" | "ul" | "ol" | "dl" | "table" | "pre"
                                )
                            })
                        });
                        let inner = if blocks {
                            collapse_ws(&self.capture(child))
                        } else {
                            collapse_ws(&self.bold_capture(child))
                        };
                        if inner.is_empty() {
                            continue;
                        }
                        if entries && !after_sig {
                            // The entry's first term names it; further terms
                            // of the same entry (aliases) stay under it.
                            let text = strip_marks(&inner.replace(BREAK, " "));
                            self.write_heading(entry_level, text);
                            self.level = entry_level;
                            after_sig = true;
                        } else {
                            self.block(&[escape_block_start(&wrap(&inner, "**"))]);
                            after_sig = entries;
                        }
                    }
                }
                _ => {
                    after_sig = false;
                    self.in_entry = true;
                    self.node(child);
                    self.in_entry = outer_entry;
                }
            }
        }
        self.flush();
        self.level = base;
    }

    fn link(&mut self, node: NodeRef<'_, Node>, href: Option<&str>) {
        let inner = self.capture(node);
        if inner.trim().is_empty() {
            return;
        }
        let Some(href) = href.map(str::trim).filter(|h| !h.is_empty()) else {
            self.inline.push_str(&inner);
            return;
        };
        let (lead, core, trail) = split_ws(&inner);
        let external = paths::has_scheme(href) || href.starts_with("//");
        // The set's document a relative link resolves to, found once.
        let in_set = if href.starts_with('#') {
            Some(self.page_md.clone())
        } else if external {
            None
        } else {
            paths::resolve(self.ctx.page, href)
                .and_then(|p| paths::candidates(&p).find_map(|c| self.ctx.md_paths.get(&c)))
                .cloned()
        };
        match (in_set, paths::fragment(href)) {
            // An element of this very page (`#id`, `this.html#id`): the
            // heading it lands on, through the page's own file.
            (Some(md), Some(id)) if md == self.page_md => self.inline.push_str(&format!(
                "{lead}{FRAG_SELF}{core}{FRAG_SEP}{md}{FRAG_SEP}{id}{FRAG_END}{trail}"
            )),
            (Some(md), _) if md == self.page_md => self.inline.push_str(&inner),
            // Another page of the set; a fragment is marked, and becomes
            // the anchor of the heading it lands on once every page is
            // converted (see [`resolve_fragments`]).
            (Some(md), id) => {
                let mark = id
                    .map(|id| format!("{FRAG_START}{md}{FRAG_SEP}{id}{FRAG_END}"))
                    .unwrap_or_default();
                let url = destination(&paths::relative(&self.page_md, &md), &mark);
                self.inline
                    .push_str(&format!("{lead}[{core}]({url}){trail}"));
            }
            (None, _) if external && is_web(href) => {
                let url = destination(href, "");
                self.inline
                    .push_str(&format!("{lead}[{core}]({url}){trail}"));
            }
            (None, _) => self.inline.push_str(&inner),
        }
    }

    /// Renders a subtree as separate Markdown (a table cell), with the same
    /// context.
    fn sub(&mut self, node: NodeRef<'_, Node>) -> String {
        let mut w = Writer {
            out: String::new(),
            inline: String::new(),
            prefixes: Vec::new(),
            ctx: self.ctx,
            page_md: self.page_md.clone(),
            shift: self.shift,
            roots: self.roots.clone(),
            level: self.level,
            headings: false,
            in_entry: self.in_entry,
            bold: self.bold,
            heads: Vec::new(),
            pending: Vec::new(),
            ids: Vec::new(),
        };
        w.children(node);
        w.flush();
        self.pending.extend(w.pending);
        w.out
    }

    fn table(&mut self, node: NodeRef<'_, Node>) {
        self.flush();
        let caption = node
            .children()
            .filter_map(ElementRef::wrap)
            .find(|c| c.value().name() == "caption")
            .map(|c| collapse_ws(&self.capture(*c)))
            .filter(|c| !c.is_empty());
        self.table_of(node, caption, table_rows(node));
    }

    /// A table from its rows of cells, whatever elements make them (`tr`
    /// and `td`, or a grid of `div`s: [`grid_rows`]).
    fn table_of<'a>(
        &mut self,
        node: NodeRef<'a, Node>,
        caption: Option<String>,
        mut rows: Vec<Vec<NodeRef<'a, Node>>>,
    ) {
        self.flush();
        for r in &mut rows {
            r.retain(|c| {
                !self.ctx.removed.contains(&c.id())
                    && !ElementRef::wrap(*c).is_some_and(is_line_number_gutter)
            });
        }
        rows.retain(|r| !r.is_empty());
        if rows.is_empty() {
            self.children(node);
            self.flush();
            return;
        }
        if let Some(c) = caption {
            self.block(&[format!("**{c}**")]);
        }
        let span = |cell: NodeRef<'_, Node>, attr: &str| {
            ElementRef::wrap(cell).map_or(1, |c| cell_span(c, attr))
        };
        let cols = rows
            .iter()
            .map(|r| r.iter().map(|c| span(*c, "colspan")).sum::<usize>())
            .max()
            .unwrap_or(0);
        if let Some(kept) = layout_rows(&rows) {
            let cols = kept.iter().map(Vec::len).max().unwrap_or(0);
            self.table_as_blocks(&kept, cols);
            return;
        }
        // Code and nested tables cannot live in a pipe table's cell, nor
        // can a one-column layout table's content; those are written as
        // blocks, row by row.
        let blocky = cols <= 1
            || rows.iter().flatten().any(|cell| {
                ElementRef::wrap(*cell)
                    .expect("cells are elements")
                    .descendants()
                    .skip(1)
                    .filter_map(ElementRef::wrap)
                    .any(|d| matches!(d.value().name(), "pre" | "table"))
            });
        if blocky {
            self.table_as_blocks(&rows, cols);
            return;
        }
        // The grid, with row spans repeated into the rows they cover.
        let mut grid: Vec<Vec<String>> = Vec::new();
        let mut pending: Vec<(usize, String)> = vec![(0, String::new()); cols];
        for row in &rows {
            let mut cells: Vec<String> = Vec::with_capacity(cols);
            let fill = |cells: &mut Vec<String>, pending: &mut Vec<(usize, String)>| {
                while cells.len() < cols && pending[cells.len()].0 > 0 {
                    let p = &mut pending[cells.len()];
                    p.0 -= 1;
                    cells.push(p.1.clone());
                }
            };
            for cell in row {
                fill(&mut cells, &mut pending);
                let text = cell_text(&self.sub(*cell));
                let (cs, rs) = (span(*cell, "colspan"), span(*cell, "rowspan"));
                for k in 0..cs {
                    if cells.len() >= cols {
                        break;
                    }
                    let t = if k == 0 { text.clone() } else { String::new() };
                    if rs > 1 {
                        pending[cells.len()] = (rs - 1, t.clone());
                    }
                    cells.push(t);
                }
            }
            fill(&mut cells, &mut pending);
            cells.resize(cols, String::new());
            // A row with nothing in it says nothing.
            if cells.iter().any(|c| !c.is_empty()) {
                grid.push(cells);
            }
        }
        if grid.is_empty() {
            return;
        }
        let fmt_row = |r: &[String]| format!("| {} |", r.join(" | "));
        let mut lines = vec![fmt_row(&grid[0])];
        lines.push(format!("|{}", " --- |".repeat(cols)));
        lines.extend(grid[1..].iter().map(|r| fmt_row(r)));
        self.block(&lines);
    }

    /// A table Markdown cannot hold: each row becomes a list item holding
    /// its cells' blocks, labelled with the column header when there is
    /// one, so code stays fenced and nothing is flattened into a grid.
    fn table_as_blocks(&mut self, rows: &[Vec<NodeRef<'_, Node>>], cols: usize) {
        let is_header = |r: &[NodeRef<'_, Node>]| {
            r.iter().all(|c| {
                ElementRef::wrap(*c).is_some_and(|e| {
                    e.value().name() == "th"
                        || e.parent()
                            .and_then(|p| p.parent())
                            .and_then(ElementRef::wrap)
                            .is_some_and(|g| g.value().name() == "thead")
                })
            })
        };
        let (labels, body): (Vec<String>, &[Vec<NodeRef<'_, Node>>]) =
            if cols > 1 && rows.len() > 1 && is_header(&rows[0]) {
                (
                    rows[0]
                        .iter()
                        .map(|c| cell_text(&self.sub(*c)).replace("<br>", " "))
                        .collect(),
                    &rows[1..],
                )
            } else {
                (Vec::new(), rows)
            };
        let single = body.len() == 1 && labels.is_empty();
        for row in body {
            if cols <= 1 || single {
                for cell in row {
                    self.flush();
                    self.children(*cell);
                    self.flush();
                }
                continue;
            }
            self.prefixes.push(Prefix {
                first: "- ".into(),
                rest: "  ".into(),
                used: false,
            });
            for (i, cell) in row.iter().enumerate() {
                let label = labels.get(i).filter(|l| !l.is_empty());
                if let Some(l) = label {
                    self.block(&[format!("**{}**", l.replace("\\|", "|"))]);
                }
                self.flush();
                self.children(*cell);
                self.flush();
            }
            let p = self.prefixes.pop();
            if p.is_some_and(|p| !p.used) {
                continue;
            }
        }
    }
}

/// A cell's `colspan` or `rowspan`: 1 when absent or unreadable, at most 50.
fn cell_span(cell: ElementRef<'_>, attr: &str) -> usize {
    cell.value()
        .attr(attr)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 50)
}

/// The rows of a layout table, each with its cells that hold something,
/// or `None` when the table is not one. A layout has a spacer: a column
/// empty in every row, spans followed as a browser lays them out, a row
/// spanning the whole table aside (a title over it), and no header cell.
/// Spacers indent what stands beside them: groff's man pages draw a short
/// option and its description as a row of four cells, two of them empty
/// (as a pipe table: "|  | **-c** |  | with **-lt**: sort by … |"); pydoc
/// indents each section under a full-width title row, its class sections
/// with one spacer spanning the rows of a docstring and its methods.
fn layout_rows<'a>(rows: &[Vec<NodeRef<'a, Node>>]) -> Option<Vec<Vec<NodeRef<'a, Node>>>> {
    fn cell<'b>(c: &NodeRef<'b, Node>) -> Option<ElementRef<'b>> {
        ElementRef::wrap(*c).filter(|e| e.value().name() == "td")
    }
    let cells: Vec<Vec<ElementRef<'a>>> = rows
        .iter()
        .map(|r| r.iter().map(cell).collect::<Option<Vec<_>>>())
        .collect::<Option<_>>()?;
    let n = cells
        .iter()
        .map(|r| r.iter().map(|c| cell_span(*c, "colspan")).sum::<usize>())
        .max()?;
    if n < 2 {
        return None;
    }
    let empty = |e: &ElementRef<'_>| {
        !e.text().any(|t| t.chars().any(|ch| !ch.is_whitespace()))
            && !e
                .descendants()
                .filter_map(ElementRef::wrap)
                .any(|d| matches!(d.value().name(), "img" | "svg" | "input" | "object"))
    };
    // Per column: seen in a cell that does not span the table, and empty
    // in every such cell.
    let (mut seen, mut blank) = (vec![false; n], vec![true; n]);
    let mut covered = vec![0usize; n];
    for row in &cells {
        let mut j = 0;
        for c in row {
            while j < n && covered[j] > 0 {
                j += 1;
            }
            let (cs, rs) = (cell_span(*c, "colspan"), cell_span(*c, "rowspan"));
            let cols = j..(j + cs).min(n);
            if cs < n {
                for k in cols.clone() {
                    seen[k] = true;
                    blank[k] &= empty(c);
                }
            }
            for k in cols {
                covered[k] = covered[k].max(rs);
            }
            j += cs;
        }
        for c in &mut covered {
            *c = c.saturating_sub(1);
        }
    }
    let spacer = (0..n).any(|k| seen[k] && blank[k]);
    let filled = (0..n).any(|k| seen[k] && !blank[k]);
    if !(spacer && filled) {
        return None;
    }
    Some(
        rows.iter()
            .zip(&cells)
            .map(|(r, c)| {
                r.iter()
                    .zip(c)
                    .filter(|(_, e)| !empty(e))
                    .map(|(node, _)| *node)
                    .collect::<Vec<_>>()
            })
            .filter(|r| !r.is_empty())
            .collect(),
    )
}

/// A cell's Markdown as one pipe-table cell: its blocks joined with `<br>`,
/// pipes escaped.
fn cell_text(md: &str) -> String {
    md.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            // A heading cannot be one inside a cell; it reads as bold.
            let hashes = l.chars().take_while(|c| *c == '#').count();
            match l[hashes..].strip_prefix(' ') {
                Some(text) if hashes > 0 => format!("**{text}**"),
                _ => l.to_string(),
            }
        })
        .map(|l| l.trim_end_matches('\\').replace('|', "\\|"))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Rows of a table (its own, not nested tables'), each a list of cells.
/// The rows of a table drawn with other elements than `table`: ARIA's
/// `role="table"`/`"grid"` with `row`s of `cell`s and headers, or Javadoc's
/// `div.summary-table.three-column-summary`, whose cells follow each other
/// in one `div` and whose class names the column count. `None` for any
/// other element.
fn grid_rows<'a>(node: NodeRef<'a, Node>) -> Option<Vec<Vec<NodeRef<'a, Node>>>> {
    let e = node.value().as_element()?;
    fn role<'b>(n: NodeRef<'b, Node>) -> &'b str {
        n.value()
            .as_element()
            .and_then(|e| e.attr("role"))
            .map(str::trim)
            .unwrap_or("")
    }
    if matches!(role(node), "table" | "grid") {
        let mut rows = Vec::new();
        let mut stack: Vec<NodeRef<'a, Node>> = node.children().rev().collect();
        while let Some(n) = stack.pop() {
            match role(n) {
                "row" => rows.push(
                    n.children()
                        .filter(|c| {
                            matches!(role(*c), "cell" | "gridcell" | "columnheader" | "rowheader")
                        })
                        .collect::<Vec<_>>(),
                ),
                "rowgroup" => stack.extend(n.children().rev()),
                _ => {}
            }
        }
        rows.retain(|r: &Vec<_>| !r.is_empty());
        return (!rows.is_empty()).then_some(rows);
    }
    if !e.classes().any(|c| c == "summary-table") {
        return None;
    }
    let cols = e.classes().find_map(|c| {
        let words = ["two", "three", "four", "five", "six"];
        let n = c.strip_suffix("-column-summary")?;
        words.iter().position(|w| *w == n).map(|i| i + 2)
    })?;
    let cells: Vec<NodeRef<'a, Node>> = node
        .children()
        .filter(|c| c.value().as_element().is_some())
        .collect();
    (cells.len() >= cols && cells.len().is_multiple_of(cols))
        .then(|| cells.chunks(cols).map(<[_]>::to_vec).collect())
}

fn table_rows<'a>(table: NodeRef<'a, Node>) -> Vec<Vec<NodeRef<'a, Node>>> {
    fn cells<'a>(tr: NodeRef<'a, Node>) -> Vec<NodeRef<'a, Node>> {
        tr.children()
            .filter(|c| {
                ElementRef::wrap(*c).is_some_and(|e| matches!(e.value().name(), "td" | "th"))
            })
            .collect()
    }
    let mut rows = Vec::new();
    for child in table.children() {
        let Some(el) = ElementRef::wrap(child) else {
            continue;
        };
        match el.value().name() {
            "tr" => rows.push(cells(child)),
            "thead" | "tbody" | "tfoot" => {
                for tr in child.children() {
                    if ElementRef::wrap(tr).is_some_and(|e| e.value().name() == "tr") {
                        rows.push(cells(tr));
                    }
                }
            }
            _ => {}
        }
    }
    rows.retain(|r| !r.is_empty());
    rows
}

/// Wraps inline Markdown in a delimiter, keeping surrounding spaces outside
/// (CommonMark does not allow `* x*`).
fn wrap(inner: &str, delim: &str) -> String {
    let (lead, core, trail) = split_ws(inner);
    if core.is_empty() {
        return inner.to_string();
    }
    format!("{lead}{delim}{core}{delim}{trail}")
}

fn split_ws(s: &str) -> (&str, &str, &str) {
    let core = s.trim();
    if core.is_empty() {
        return (s, "", "");
    }
    let start = s.find(core).unwrap_or(0);
    (&s[..start], core, &s[start + core.len()..])
}
