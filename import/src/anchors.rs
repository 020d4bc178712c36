//! Heading anchors: the URL fragment each heading of a document gets. The
//! generator names headings this way, and the HTML importer predicts the
//! names to keep a link's `#fragment` pointing at the same section, so both
//! use this one module.

use pulldown_cmark::Options;
use std::collections::HashMap;

/// The Markdown dialect of McDewey's documents: one parser configuration
/// for the generator's every pass and for the importer's reading of its
/// own headings, so both see the same heading text.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// URL fragment for a heading's text: lowercase letters and digits, `_`,
/// and `-` for each run of anything else; "section" when nothing is left.
pub fn heading_slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            out.extend(c.to_lowercase());
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

/// The anchors of one document's headings, in order: a slug already taken
/// gets `-2`, `-3`, ... so every heading has its own.
#[derive(Debug, Default)]
pub struct HeadingIds {
    used: HashMap<String, u32>,
}

impl HeadingIds {
    /// The anchor of the document's next heading.
    pub fn next(&mut self, text: &str) -> String {
        let base = heading_slug(text);
        let count = self.used.entry(base.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            base
        } else {
            format!("{base}-{count}")
        }
    }
}

/// The text of a heading whose Markdown is `inline` (its text and code, as
/// the generator reads a heading: no link targets, no markup, no trailing
/// `{#id .class}` attributes).
pub(crate) fn heading_text(inline: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let line = format!("# {inline}");
    let mut text = String::new();
    for e in Parser::new_ext(&line, markdown_options()) {
        if let Event::Text(t) | Event::Code(t) = e {
            text.push_str(&t);
        }
    }
    text.trim().to_string()
}

/// The anchors of every heading of a converted document (front matter
/// skipped), in order: what the generator names them.
pub fn heading_anchors(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let body = markdown
        .strip_prefix("---\n")
        .and_then(|r| r.find("\n---\n").map(|i| &r[i + 5..]))
        .unwrap_or(markdown);
    let mut ids = HeadingIds::default();
    let mut out = Vec::new();
    let mut text: Option<String> = None;
    for e in Parser::new_ext(body, markdown_options()) {
        match e {
            Event::Start(Tag::Heading { .. }) => text = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(t) = text.take() {
                    out.push(ids.next(t.trim()));
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = text.as_mut() {
                    h.push_str(&t);
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_repeats() {
        assert_eq!(heading_slug("Start Recording"), "start-recording");
        assert_eq!(heading_slug("about_Aliases (v2)"), "about_aliases-v2");
        assert_eq!(heading_slug("!!!"), "section");
        assert_eq!(heading_slug("Größe"), "größe");
        let mut ids = HeadingIds::default();
        assert_eq!(ids.next("Usage"), "usage");
        assert_eq!(ids.next("Other"), "other");
        assert_eq!(ids.next("usage"), "usage-2");
        assert_eq!(ids.next("Usage!"), "usage-3");
    }

    #[test]
    fn heading_text_drops_markup() {
        assert_eq!(
            heading_text(r"`os.path` \_ [links](x.md) *em*"),
            "os.path _ links em"
        );
        assert_eq!(heading_text("Title {#custom}"), "Title");
    }
}
