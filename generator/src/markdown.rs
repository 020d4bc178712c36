//! Markdown helpers shared by the content model and the renderer: parser
//! options, plain text for search, and HTML rendering of a
//! chunk with the document's link definitions. Pure functions of their input.

use pulldown_cmark::{
    html, BrokenLink, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use std::collections::BTreeMap;

/// One parser configuration for every pass, so block boundaries found while
/// chunking are the ones the renderer sees.
/// (The importer reads its headings with it too, see
/// [`mcdewey_import::markdown_options`].)
pub fn options() -> Options {
    mcdewey_import::markdown_options()
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

/// Link reference definitions of a whole document (`[label]: url "title"`),
/// keyed by normalised label, so a chunk rendered alone keeps its links.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LinkDefs {
    defs: BTreeMap<String, (String, String)>,
}

impl LinkDefs {
    pub fn collect(src: &str) -> Self {
        Self::from_parsed(Parser::new_ext(src, options()).reference_definitions())
    }

    /// The definitions a parser found (its first pass reads them all), so
    /// a document parsed for other reasons is not parsed again for these.
    pub fn from_parsed(found: &pulldown_cmark::RefDefs<'_>) -> Self {
        let defs = found
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

    /// Hands every label, destination and title to `f`, in label order
    /// (for digests of what depends on the definitions).
    pub fn feed(&self, f: &mut dyn FnMut(&[u8])) {
        for (label, (dest, title)) in &self.defs {
            f(label.as_bytes());
            f(dest.as_bytes());
            f(title.as_bytes());
        }
    }

    /// The parser's answer for a reference whose definition is elsewhere.
    fn resolve<'a>(&self, link: &BrokenLink<'_>) -> Option<(CowStr<'a>, CowStr<'a>)> {
        self.get(&link.reference)
            .map(|(d, t)| (CowStr::from(d.clone()), CowStr::from(t.clone())))
    }

    /// Definition lines for the labels `md` uses, to make a page's raw Markdown
    /// self-contained.
    pub fn used_in(&self, md: &str) -> String {
        let mut out = String::new();
        // Every chunk asks; most documents define nothing.
        if self.defs.is_empty() || !md.contains(']') {
            return out;
        }
        let lower = md.to_lowercase();
        let mut needle = String::new();
        for (label, (dest, title)) in &self.defs {
            needle.clear();
            needle.push('[');
            needle.push_str(label);
            needle.push(']');
            if lower.contains(&needle) {
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
    let mut text = TextOut::new(md.len());
    for event in Parser::new_ext(md, options()) {
        text.event(&event);
    }
    text.finish()
}

/// [`plain_text`] of a chunk of a document defining `defs`: a reference
/// link defined elsewhere in the document is its text, as on the chunk's
/// page. The same text as [`render_html_and_text`] gives.
pub fn chunk_text(md: &str, defs: &LinkDefs) -> String {
    let mut callback = |link: BrokenLink<'_>| defs.resolve(&link);
    let mut text = TextOut::new(md.len());
    for event in Parser::new_with_broken_link_callback(md, options(), Some(&mut callback)) {
        text.event(&event);
    }
    text.finish()
}

/// Gathers plain text from parser events (see [`plain_text`]).
struct TextOut {
    out: String,
    in_html_block: bool,
}

impl TextOut {
    fn new(capacity: usize) -> Self {
        TextOut {
            out: String::with_capacity(capacity),
            in_html_block: false,
        }
    }

    fn event(&mut self, event: &Event<'_>) {
        let out = &mut self.out;
        match event {
            Event::Text(t) | Event::Code(t) if !self.in_html_block => out.push_str(t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::Start(Tag::HtmlBlock) => self.in_html_block = true,
            Event::End(TagEnd::HtmlBlock) => self.in_html_block = false,
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

    /// The lines without trailing blanks, empty ones dropped.
    fn finish(self) -> String {
        let mut text = String::with_capacity(self.out.len());
        for line in self
            .out
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
        {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(line);
        }
        text
    }
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

/// Elements a chunk may contain: what Markdown itself produces plus inline
/// and block markup that neither loads nor runs anything. Everything else
/// (`script`, `img`, `iframe`, `style`, `form`, `svg`, `textarea`,
/// `plaintext`...) is removed by the sanitizer, keeping its text.
const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "input",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Link schemes kept in `href`. No `javascript:`, `vbscript:` or `data:`:
/// a data: URL opens content of the author's choosing under no origin the
/// reader can judge, and images are never loaded anyway (see below).
/// Relative URLs (other pages of the site, `#fragments`) pass unchanged.
const URL_SCHEMES: &[&str] = &[
    "http", "https", "mailto", "tel", "ftp", "ftps", "news", "irc",
];

/// The allow-list sanitizer every chunk's HTML goes through. It parses the
/// HTML as a browser would (entities decoded, whitespace in schemes and
/// attribute names handled, unclosed and stray tags balanced) before it
/// decides, which is what a pattern-matching filter cannot do.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.tags(ALLOWED_TAGS.iter().copied().collect())
            .clean_content_tags(["script", "style", "template"].into_iter().collect())
            .generic_attributes(
                ["id", "class", "title", "lang", "dir"]
                    .into_iter()
                    .collect(),
            )
            .tag_attributes(
                [
                    ("a", &["href", "hreflang"][..]),
                    ("td", &["colspan", "rowspan", "style", "align"]),
                    ("th", &["colspan", "rowspan", "style", "align", "scope"]),
                    ("col", &["span"]),
                    ("colgroup", &["span"]),
                    ("ol", &["start", "type", "reversed"]),
                    ("li", &["value"]),
                    ("input", &["type", "checked", "disabled"]),
                    ("time", &["datetime"]),
                    ("details", &["open"]),
                    ("del", &["datetime"]),
                    ("ins", &["datetime"]),
                ]
                .into_iter()
                .map(|(t, attrs)| (t, attrs.iter().copied().collect()))
                .collect(),
            )
            .url_schemes(URL_SCHEMES.iter().copied().collect())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(None)
            .strip_comments(true)
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                // Table alignment as Markdown writes it; any other CSS could
                // fetch (`background: url(...)`).
                ("td" | "th", "style") => {
                    let v = value.trim().trim_end_matches(';').to_ascii_lowercase();
                    matches!(
                        v.as_str(),
                        "text-align: left" | "text-align: center" | "text-align: right"
                    )
                    .then(|| value.into())
                }
                // Task-list boxes only.
                ("input", "type") => value.eq_ignore_ascii_case("checkbox").then(|| value.into()),
                _ => Some(value.into()),
            });
        b
    })
}

/// Scheme of a link target, if it has one. Parsed as a browser does: control
/// characters and whitespace are ignored, entities were decoded by the
/// Markdown parser.
fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let colon = cleaned.find(':')?;
    let s = &cleaned[..colon];
    let ok = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then(|| s.to_ascii_lowercase())
}

/// A Markdown link target that may stay a link: relative, or one of
/// [`URL_SCHEMES`].
fn link_allowed(url: &str) -> bool {
    match scheme(url) {
        Some(s) => URL_SCHEMES.contains(&s.as_str()),
        None => true,
    }
}

fn is_remote(url: &str) -> bool {
    let l = url.trim().to_ascii_lowercase();
    l.starts_with("http:") || l.starts_with("https:") || l.starts_with("//") || l.contains("://")
}

/// Renders one chunk's Markdown to HTML.
pub fn render_html(md: &str, ctx: &RenderCtx<'_>) -> String {
    sanitized(markdown_html(md, ctx, None))
}

/// [`render_html`] and the chunk's [`chunk_text`], from one parse.
pub fn render_html_and_text(md: &str, ctx: &RenderCtx<'_>) -> (String, String) {
    let mut text = TextOut::new(md.len());
    let html = sanitized(markdown_html(md, ctx, Some(&mut text)));
    (html, text.finish())
}

fn sanitized((html, raw): (String, bool)) -> String {
    if raw {
        // Raw HTML in the Markdown and the parser's own output alike: one
        // allow-list decides what reaches the page.
        sanitizer().clean(&html).to_string()
    } else {
        as_sanitizer_writes(&html)
    }
}

/// The parser's HTML of one chunk, and whether it holds anything written
/// by the author rather than by the parser: raw HTML, or a heading's
/// attributes (`# T {onclick=x}` is copied into the tag as written). The
/// rest is the parser's own markup, all of it on the sanitizer's allow-list
/// (tags, attributes, link schemes checked below, images replaced), with
/// text and attributes escaped. With `text`, the events also go there.
fn markdown_html(md: &str, ctx: &RenderCtx<'_>, mut text: Option<&mut TextOut>) -> (String, bool) {
    let mut raw = false;
    let mut callback = |link: BrokenLink<'_>| ctx.link_defs.resolve(&link);
    let parser = Parser::new_with_broken_link_callback(md, options(), Some(&mut callback));
    let mut heading_idx = 0;
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut in_dropped_link = false;
    for event in parser {
        if let Some(text) = text.as_deref_mut() {
            text.event(&event);
        }
        match event {
            Event::End(TagEnd::Link) if in_dropped_link => in_dropped_link = false,
            Event::Html(_) | Event::InlineHtml(_) => {
                raw = true;
                events.push(event);
            }
            Event::Start(Tag::Heading {
                level,
                id: _,
                classes,
                attrs,
            }) => {
                raw |= !attrs.is_empty();
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
                // A link with an unsafe scheme is shown as its text alone
                // (links do not nest, so one flag finds its end).
                if !link_allowed(&dest_url) {
                    in_dropped_link = true;
                    continue;
                }
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
    (out, raw)
}

/// The parser's HTML of a chunk without raw HTML, written as the sanitizer
/// writes what it keeps (it would keep all of it, and re-parsing it was
/// most of a chunk's rendering time): void tags without the slash, `'`
/// unescaped in attribute values, no-break spaces as `&nbsp;`, line ends
/// as `\n` and NUL dropped from text (an HTML parser's normalisation). The
/// tests compare the two on fixtures and on every shared document.
fn as_sanitizer_writes(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 32);
    let mut in_tag = false;
    let mut from = 0;
    let b = html.as_bytes();
    // The bytes the loop acts on; runs of others are skipped at once.
    const SPECIAL: [bool; 256] = {
        let mut t = [false; 256];
        t[b'<' as usize] = true;
        t[b'>' as usize] = true;
        t[b'&' as usize] = true;
        t[b'\r' as usize] = true;
        t[0] = true;
        t[0xC2] = true;
        t
    };
    let mut i = 0;
    while i < b.len() {
        if !SPECIAL[usize::from(b[i])] {
            i += 1;
            continue;
        }
        let (skip, with): (usize, &str) = match b[i] {
            b'<' if !in_tag => {
                in_tag = true;
                (0, "")
            }
            b'>' if in_tag => {
                in_tag = false;
                if b[..i].ends_with(b" /") {
                    out.push_str(&html[from..i - 2]);
                    from = i;
                } else if b[..i].ends_with(b"/") {
                    out.push_str(&html[from..i - 1]);
                    from = i;
                }
                (0, "")
            }
            // As an HTML parser reads it: dropped from text, replaced in
            // attribute values.
            b'\0' if in_tag => (1, "\u{fffd}"),
            b'\0' => (1, ""),
            b'\r' if b.get(i + 1) == Some(&b'\n') => (1, ""),
            b'\r' => (1, "\n"),
            0xC2 if b.get(i + 1) == Some(&0xA0) => (2, "&nbsp;"),
            b'&' if in_tag => {
                let rest = &html[i..];
                match ["&#39;", "&#x27;"]
                    .into_iter()
                    .find(|e| rest.starts_with(e))
                {
                    Some(e) => (e.len(), "'"),
                    None => (0, ""),
                }
            }
            _ => (0, ""),
        };
        if skip > 0 {
            out.push_str(&html[from..i]);
            out.push_str(with);
            i += skip;
            from = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&html[from..]);
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
    fn plain_text_drops_markup() {
        let t = plain_text("# Title\n\nSome *bold* `code`.\n\n```sh\nls -l\n```\n\n<div>x</div>\n");
        assert_eq!(t, "Title\nSome bold code.\nls -l");
    }

    #[test]
    fn unsafe_html_is_removed() {
        let h = render("<script src=\"https://cdn.example/x.js\">alert(1)</script>\n");
        assert!(
            !h.contains("<script") && !h.contains("cdn.example") && !h.contains("alert"),
            "{h}"
        );
        let h = render("text <img src=\"https://x/y.png\"> more\n");
        assert!(!h.contains("<img") && !h.contains("x/y.png"), "{h}");
        assert!(h.contains("text") && h.contains("more"), "{h}");
        let h = render("<div onclick=\"x()\">a</div>\n");
        assert!(!h.contains("onclick"), "{h}");
        assert!(h.contains("<div>a</div>"), "{h}");
        let h = render("<kbd>Ctrl</kbd>\n");
        assert!(h.contains("<kbd>"), "{h}");
    }

    /// Markdown without raw HTML skips the sanitizer: its HTML must be what
    /// the sanitizer would have written, byte for byte.
    fn assert_written_as_sanitized(md: &str) {
        let defs = LinkDefs::collect(md);
        let rewrite = |t: &str| (t == "other.md").then(|| "../p/2.html#c-3".to_string());
        let ctx = RenderCtx {
            link_defs: &defs,
            rewrite_link: &rewrite,
            heading_ids: &["a".into(), "b\"<x>".into(), "c".into()],
        };
        let (html, raw) = markdown_html(md, &ctx, None);
        if !raw {
            assert_eq!(
                as_sanitizer_writes(&html),
                sanitizer().clean(&html).to_string(),
                "{md:?}"
            );
        }
    }

    #[test]
    fn markdown_without_raw_html_is_written_as_the_sanitizer_writes_it() {
        for md in [
            "# Title {#x .big .wide}\n\nText with \"quotes\", 'single', a & b, 1 < 2 > 0.\n",
            "Line one  \nline two\\\nthree\n\n---\n\n***\n",
            "| a | b | c |\n|:--|:-:|--:|\n| 1 | **2** | `3` |\n",
            "| only | head |\n|---|---|\n",
            "- [ ] open\n- [x] done\n\n3. three\n4. four\n\n1. a\n   - nested\n",
            "Text[^n] and more[^m].\n\n[^n]: The note.\n[^m]: Another *one*.\n",
            "```rust {linenos=true}\nlet a = \"<b>\" & 'c';\n```\n\n    indented <code>\n",
            "[a link](https://example.com/a?b=c&d='e' \"A <title> & 'more'\") and [other](other.md)\n",
            "[ref][r] <https://example.com/x> <mailto:a@b.c> ~~gone~~\n\n[r]: http://x.test/\"q\" 'T'\n",
            "![alt *text*](https://x/y.png \"t\") and [![i](a.png)](b.md)\n",
            "> quote\n>\n> > nested with `code`\n",
            "no\u{a0}break&nbsp;space &copy; &amp; &lt;tag&gt; &quot;q&quot; &#39;\n",
            "crlf\r\nline\r\n\r\n```\r\ncode\r\n```\r\n",
            "lone\rreturn\n",
            "[unsafe](javascript:alert(1)) and [ok](#frag) and [sp](<a b.md>)\n",
            "Unicode ünïcödé — “quotes” 中文 \u{fffd}\0null [t](x.md \"a\0b\") `c\0d`\n",
            "Setext\n======\n\nAnother\n-------\n\n###### six ######\n",
            "",
        ] {
            assert_written_as_sanitized(md);
        }
        // Raw HTML and heading attributes go through the sanitizer.
        let defs = LinkDefs::collect("");
        let rewrite = |_: &str| None;
        let ctx = RenderCtx {
            link_defs: &defs,
            rewrite_link: &rewrite,
            heading_ids: &[],
        };
        for md in ["a <b>b</b>\n", "<div>x</div>\n", "# T {onclick=alert(1)}\n"] {
            assert!(markdown_html(md, &ctx, None).1, "{md:?}");
        }
        assert!(!render("# T {onclick=alert(1)}\n").contains("onclick"));
    }

    /// Every Markdown document of the shared corpora, rendered both ways
    /// (skipped where they are absent).
    #[test]
    fn shared_documents_are_written_as_the_sanitizer_writes_them() {
        let root = std::env::var_os("MCDEWEY_SHARED")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
            })
            .join("corpora");
        if !root.is_dir() {
            eprintln!(
                "skipping: {} not found (set MCDEWEY_SHARED)",
                root.display()
            );
            return;
        }
        let mut n = 0;
        for e in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let e = e.unwrap();
            if e.path().extension().is_some_and(|x| x == "md") {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                assert_written_as_sanitized(&text);
                n += 1;
            }
        }
        assert!(n > 1000, "{n} documents");
    }

    /// Each way around the old deny-list, and the shapes that broke pages.
    #[test]
    fn sanitizer_bypasses_are_closed() {
        let cases = [
            // A tab (or newline, slash) before an event handler.
            "<div\tonmouseover=\"alert(1)\">x</div>\n",
            "<div\nonmouseover=alert(1)>x</div>\n",
            "<div/onmouseover=alert(1)>x</div>\n",
            "<a href=\"#\" ONCLICK=\"alert(1)\">x</a>\n",
            // Entity-encoded and whitespace-obfuscated schemes in raw HTML.
            "<a href=\"jav&#x61;script:alert(1)\">x</a>\n",
            "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>\n",
            "<a href=\"java\tscript:alert(1)\">x</a>\n",
            "<a href=\" javascript:alert(1)\">x</a>\n",
            "<a href=\"vbscript:msgbox(1)\">x</a>\n",
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>\n",
            // Elements that load or run things under other names.
            "<svg><script>alert(1)</script></svg>\n",
            "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>\n",
            "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>\n",
            "<object data=\"https://x/y.swf\"></object>\n",
            "<form action=\"https://x\"><button>go</button></form>\n",
            "<table background=\"https://x/bg.png\"><tr><td style=\"background:url(https://x/y)\">a</td></tr></table>\n",
            "<link rel=stylesheet href=\"https://x/s.css\">\n",
            "<meta http-equiv=refresh content=\"0;url=https://x\">\n",
            "<base href=\"https://x/\">\n",
            "<style>@import url(https://x/s.css)</style>\n",
        ];
        // Text is escaped, so every `<` in the output opens a real tag: the
        // bad words must not appear inside one (as text they are harmless).
        let tags = |h: &str| -> String {
            h.split('<')
                .skip(1)
                .map(|t| t.split('>').next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(" ")
        };
        for md in cases {
            let h = tags(&render(md).to_ascii_lowercase());
            for bad in [
                "onmouseover",
                "onclick",
                "javascript",
                "vbscript",
                "data:",
                "script",
                "svg",
                "iframe",
                "object",
                "form",
                "background",
                "link",
                "meta",
                "base",
                "style",
                "https://x",
                "alert",
            ] {
                assert!(!h.contains(bad), "{md:?} gave {h:?} (has {bad:?})");
            }
        }
    }

    #[test]
    fn markdown_links_with_unsafe_schemes_lose_their_target() {
        let cases = [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](jav&#x61;script:alert(1))",
            "[x](&#x6A;avascript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](<javascript\n:alert(1)>)",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "<javascript:alert(1)>",
            "![x](javascript:alert(1))",
            "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        ];
        for md in cases {
            let h = render(md);
            assert!(!h.contains("<a"), "{md:?} gave {h:?}");
            assert!(!h.contains("<img"), "{md:?} gave {h:?}");
        }
        // Safe links keep their targets.
        let h = render("[a](https://example.com/x) [b](mailto:a@b.c) [c](other.md#s) [d](#top)");
        for href in [
            "https://example.com/x",
            "mailto:a@b.c",
            "other.md#s",
            "#top",
        ] {
            assert!(h.contains(&format!("href=\"{href}\"")), "{h}");
        }
    }

    #[test]
    fn stray_and_raw_text_tags_cannot_break_the_page() {
        for md in [
            "<plaintext>\n\nrest",
            "<textarea>\n\nrest",
            "a </main></body></html> b",
            "<xmp>a",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
            "<title>x",
            "<div><div><div>unclosed",
            "</div></div></div>stray",
            "<!-- unclosed comment",
        ] {
            let h = render(md);
            let l = h.to_ascii_lowercase();
            for bad in [
                "<plaintext",
                "<textarea",
                "</main",
                "</body",
                "</html",
                "<xmp",
                "<noscript",
                "<title",
                "<!--",
                "<img",
            ] {
                assert!(!l.contains(bad), "{md:?} gave {h:?} (has {bad:?})");
            }
            // Balanced: every opened div is closed.
            assert_eq!(
                l.matches("<div").count(),
                l.matches("</div>").count(),
                "{h}"
            );
        }
    }

    #[test]
    fn markdown_output_survives_sanitizing() {
        let h = render("| a | b |\n|:--|--:|\n| 1 | 2 |\n\n- [x] done\n\nNote[^1]\n\n[^1]: foot\n\n```sh\nls <a>\n```\n");
        assert!(h.contains("style=\"text-align: left\""), "{h}");
        assert!(h.contains("style=\"text-align: right\""), "{h}");
        assert!(h.contains("type=\"checkbox\""), "{h}");
        assert!(h.contains("class=\"language-sh\""), "{h}");
        assert!(h.contains("ls &lt;a&gt;"), "{h}");
        assert!(h.contains("footnote"), "{h}");
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

    /// The text the index gets from a chunk's rendering is the text of
    /// [`chunk_text`], which is [`plain_text`] with the document's
    /// references resolved; the HTML is [`render_html`]'s.
    #[test]
    fn rendering_gives_the_chunk_text_of_one_parse() {
        let defs = LinkDefs::collect(
            "[g]: https://example.com/guide\n[Other Page]: ../other.md \"Other\"\n",
        );
        let rewrite = |t: &str| Some(format!("/site/{t}"));
        let ctx = RenderCtx {
            link_defs: &defs,
            rewrite_link: &rewrite,
            heading_ids: &["h".into()],
        };
        let cases = [
            "# Title {#x}\n\nSee [the guide][g] and [other page], or [missing].",
            "Text with <b>inline</b> HTML.\n\n<div>\nblock <i>html</i>\n</div>\n\nafter",
            "| a | b |\n|---|---|\n| `c` | d |\n",
            "- one\n- two  \n  broken\n\n```sh {x}\nls -l\n```\n",
            "![alt text](https://example.com/i.png) and [bad](javascript:alert(1))",
            "Footnote[^1].\n\n[^1]: the note\n",
            "",
        ];
        for md in cases {
            let (html, text) = render_html_and_text(md, &ctx);
            assert_eq!(html, render_html(md, &ctx), "{md}");
            assert_eq!(text, chunk_text(md, &defs), "{md}");
        }
        // Resolved references read as their text; unknown ones as written.
        let md = cases[0];
        assert_eq!(
            chunk_text(md, &defs),
            "Title\nSee the guide and other page, or [missing]."
        );
        assert_eq!(
            plain_text(md),
            "Title\nSee [the guide][g] and [other page], or [missing]."
        );
        assert_eq!(chunk_text(md, &LinkDefs::default()), plain_text(md));
        assert_eq!(chunk_text(cases[1], &defs), "Text with inline HTML.\nafter");
    }

    #[test]
    fn code_block_language_is_first_word() {
        let h = render("```sh {linenos=true}\nls\n```\n");
        assert!(h.contains("class=\"language-sh\""), "{h}");
    }
}
