//! Markdown helpers shared by the content model and the renderer: parser
//! options, heading slugs, plain text for search, and HTML rendering of a
//! chunk with the document's link definitions. Pure functions of their input.

use pulldown_cmark::{
    html, BrokenLink, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use std::collections::BTreeMap;

/// One parser configuration for every pass, so block boundaries found while
/// chunking are the ones the renderer sees.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

pub fn heading_level_num(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// URL fragment for a heading: lowercase ASCII letters, digits, `-` and `_`.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            for l in c.to_lowercase() {
                out.push(l);
            }
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

/// Link reference definitions of a whole document (`[label]: url "title"`),
/// keyed by normalised label, so a chunk rendered alone keeps its links.
#[derive(Debug, Default, Clone)]
pub struct LinkDefs {
    defs: BTreeMap<String, (String, String)>,
}

impl LinkDefs {
    pub fn collect(src: &str) -> Self {
        let parser = Parser::new_ext(src, options());
        let defs = parser
            .reference_definitions()
            .iter()
            .map(|(label, def)| {
                (
                    normalise_label(label),
                    (
                        def.dest.to_string(),
                        def.title.as_deref().unwrap_or("").to_string(),
                    ),
                )
            })
            .collect();
        LinkDefs { defs }
    }

    fn get(&self, label: &str) -> Option<&(String, String)> {
        self.defs.get(&normalise_label(label))
    }

    /// Definition lines for the labels `md` uses, to make a page's raw Markdown
    /// self-contained.
    pub fn used_in(&self, md: &str) -> String {
        let lower = md.to_lowercase();
        let mut out = String::new();
        for (label, (dest, title)) in &self.defs {
            if lower.contains(&format!("[{label}]")) {
                out.push_str(&format!("[{label}]: {dest}"));
                if !title.is_empty() {
                    out.push_str(&format!(" \"{}\"", title.replace('"', "\\\"")));
                }
                out.push('\n');
            }
        }
        out
    }
}

fn normalise_label(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Plain text of Markdown, for search indexing and snippets: text and code
/// spans, blocks separated by newlines, markup and HTML dropped.
pub fn plain_text(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut in_html_block = false;
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Text(t) | Event::Code(t) if !in_html_block => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::Start(Tag::HtmlBlock) => in_html_block = true,
            Event::End(TagEnd::HtmlBlock) => in_html_block = false,
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::Item
                | TagEnd::TableRow
                | TagEnd::TableHead,
            ) => out.push('\n'),
            Event::End(TagEnd::TableCell) => out.push_str(" | "),
            _ => {}
        }
    }
    let trimmed: Vec<&str> = out
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    trimmed.join("\n")
}

/// How a rendered chunk treats links and embedded resources.
pub struct RenderCtx<'a> {
    pub link_defs: &'a LinkDefs,
    /// Rewrites a relative link target (a path to another source document)
    /// into a site URL; `None` keeps it as written.
    pub rewrite_link: &'a dyn Fn(&str) -> Option<String>,
    /// Heading ids, in order of the headings in the chunk.
    pub heading_ids: &'a [String],
}

/// Tags whose raw HTML could fetch from another host or run script; such HTML
/// is shown as text instead, so a built site never requests anything remote.
const UNSAFE_HTML: &[&str] = &[
    "<script", "<iframe", "<img", "<video", "<audio", "<source", "<embed", "<object", "<link",
    "<style", "<meta", "<base", "<form", "<frame", "<svg", "<picture", "<track", "<portal",
];

fn html_is_safe(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    if UNSAFE_HTML.iter().any(|t| lower.contains(t)) {
        return false;
    }
    // Event handler attributes (onclick=...) and javascript: URLs.
    for (i, w) in lower.match_indices(" on") {
        let rest = &lower[i + w.len()..];
        let name_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        if name_len > 0 && rest[name_len..].trim_start().starts_with('=') {
            return false;
        }
    }
    !lower.contains("javascript:")
}

fn is_remote(url: &str) -> bool {
    let l = url.trim().to_ascii_lowercase();
    l.starts_with("http:") || l.starts_with("https:") || l.starts_with("//") || l.contains("://")
}

/// Renders one chunk's Markdown to HTML.
pub fn render_html(md: &str, ctx: &RenderCtx<'_>) -> String {
    let mut callback = |link: BrokenLink<'_>| {
        ctx.link_defs
            .get(&link.reference)
            .map(|(d, t)| (CowStr::from(d.clone()), CowStr::from(t.clone())))
    };
    let parser = Parser::new_with_broken_link_callback(md, options(), Some(&mut callback));
    let mut heading_idx = 0;
    let mut events: Vec<Event<'_>> = Vec::new();
    for event in parser {
        match event {
            Event::Start(Tag::Heading {
                level,
                id: _,
                classes,
                attrs,
            }) => {
                let id = ctx.heading_ids.get(heading_idx).cloned();
                heading_idx += 1;
                events.push(Event::Start(Tag::Heading {
                    level,
                    id: id.map(CowStr::from),
                    classes,
                    attrs,
                }));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = if is_remote(&dest_url) || dest_url.starts_with('#') {
                    dest_url
                } else {
                    match (ctx.rewrite_link)(&dest_url) {
                        Some(u) => CowStr::from(u),
                        None => dest_url,
                    }
                };
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                }));
            }
            // Images are not copied into the site and remote ones must never load:
            // show the alt text as a link to the original target instead.
            Event::Start(Tag::Image { .. }) => {
                events.push(Event::Html(CowStr::from(
                    "<span class=\"img-ref\">[image: ",
                )));
            }
            Event::End(TagEnd::Image) => {
                events.push(Event::Html(CowStr::from("]</span>")));
            }
            Event::Html(h) | Event::InlineHtml(h) if !html_is_safe(&h) => {
                events.push(Event::Text(h));
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                // Keep only the language word of an info string like "sh {linenos=true}".
                let lang: String = info
                    .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                    .next()
                    .unwrap_or("")
                    .to_string();
                events.push(Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(
                    CowStr::from(lang),
                ))));
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(md: &str) -> String {
        let defs = LinkDefs::collect(md);
        let rewrite = |_: &str| None;
        render_html(
            md,
            &RenderCtx {
                link_defs: &defs,
                rewrite_link: &rewrite,
                heading_ids: &["a".into(), "b".into()],
            },
        )
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Start Recording"), "start-recording");
        assert_eq!(slug("about_Aliases (v2)"), "about_aliases-v2");
        assert_eq!(slug("!!!"), "section");
        assert_eq!(slug("Größe"), "größe");
    }

    #[test]
    fn plain_text_drops_markup() {
        let t = plain_text("# Title\n\nSome *bold* `code`.\n\n```sh\nls -l\n```\n\n<div>x</div>\n");
        assert_eq!(t, "Title\nSome bold code.\nls -l");
    }

    #[test]
    fn unsafe_html_is_escaped() {
        let h = render("<script src=\"https://cdn.example/x.js\"></script>\n");
        assert!(!h.contains("<script"), "{h}");
        assert!(h.contains("&lt;script"), "{h}");
        let h = render("text <img src=\"https://x/y.png\"> more\n");
        assert!(!h.contains("<img"), "{h}");
        let h = render("<div onclick=\"x()\">a</div>\n");
        assert!(!h.contains("<div onclick"), "{h}");
        let h = render("<kbd>Ctrl</kbd>\n");
        assert!(h.contains("<kbd>"), "{h}");
    }

    #[test]
    fn images_never_load() {
        let h = render("![diagram](https://example.com/d.png)\n");
        assert!(!h.contains("<img"), "{h}");
        assert!(h.contains("[image: diagram]"), "{h}");
    }

    #[test]
    fn heading_ids_are_assigned_in_order() {
        let h = render("## One\n\ntext\n\n### Two\n");
        assert!(h.contains("<h2 id=\"a\">One</h2>"), "{h}");
        assert!(h.contains("<h3 id=\"b\">Two</h3>"), "{h}");
    }

    #[test]
    fn reference_links_resolve_from_document_defs() {
        let defs = LinkDefs::collect("See [the guide][g].\n\n[g]: https://example.com/guide\n");
        let rewrite = |_: &str| None;
        let h = render_html(
            "See [the guide][g].",
            &RenderCtx {
                link_defs: &defs,
                rewrite_link: &rewrite,
                heading_ids: &[],
            },
        );
        assert!(h.contains("href=\"https://example.com/guide\""), "{h}");
        assert_eq!(
            defs.used_in("See [the guide][g]."),
            "[g]: https://example.com/guide\n"
        );
    }

    #[test]
    fn code_block_language_is_first_word() {
        let h = render("```sh {linenos=true}\nls\n```\n");
        assert!(h.contains("class=\"language-sh\""), "{h}");
    }
}
