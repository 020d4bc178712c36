//! HTML of the site: minijinja templates over view structs ([`views`]).
//! Templates see only the views (never the content model), so the model can
//! change without breaking themes. Rendering knows nothing of search, files
//! or directories: pages go to a [`Sink`] as (site path, bytes).

mod href;
mod links;
pub use links::inlinks;
mod nav;
pub mod theme;
pub mod views;

use crate::config::Config;
use crate::content::document::ParsedDoc;
use crate::content::{Catalog, Counts, DocRef};
use crate::markdown::{self, RenderCtx};
use crate::site::{self, VendorEntry};
use anyhow::Context;
use links::LinkIndex;
use minijinja::{context, Environment, Value};
use theme::Theme;
use views::ChunkView;

pub const HEADER: &str = "McDewey — Multi-vendor documentation library";

/// Where rendered files go: a site-relative path and its bytes.
pub trait Sink: Sync {
    fn put(&self, rel: String, bytes: Vec<u8>) -> anyhow::Result<()>;
}

/// `../` repeated once per directory level of `rel`.
fn root_of(rel: &str) -> String {
    "../".repeat(rel.matches('/').count())
}

/// A template context of the given names and the ones every page sees, in
/// one map: a context merged from two is searched through both for every
/// name, which cost a tenth of a chunk page's rendering.
macro_rules! page_context {
    ($r:expr, $rel:expr; $($key:ident => $value:expr),* $(,)?) => {
        context! {
            $($key => $value,)*
            root => $r.root($rel),
            base_path => &$r.config.base_path,
            header => HEADER,
            library_title => &$r.config.title,
            path => $rel,
            offline_search => $r.config.offline_search,
        }
    };
}

/// What [`Renderer::document`] made besides its files.
pub struct Rendered {
    pub page_views: usize,
    pub chunk_views: usize,
    /// Each chunk's plain text, for the search index.
    pub texts: Vec<String>,
}

pub struct Renderer<'a> {
    env: Environment<'static>,
    config: &'a Config,
    links: LinkIndex,
}

impl<'a> Renderer<'a> {
    pub fn new(lib: &Catalog, config: &'a Config, theme: &Theme) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_formatter(html_formatter);
        env.add_filter("href", href::filter);
        for (name, src) in &theme.templates {
            env.add_template_owned(name.clone(), src.clone())
                .with_context(|| format!("template {name} does not compile"))?;
        }
        Ok(Renderer {
            env,
            config,
            links: LinkIndex::new(lib),
        })
    }

    /// A digest of everything outside a document that its pages depend on
    /// (where the other documents' pages and anchors are), so a cached
    /// rendering is reused only while it still holds.
    pub fn links_digest(&self) -> [u8; 32] {
        self.links.digest()
    }

    /// [`inlinks`] of `lib` (the catalog this renderer was made from),
    /// through the renderer's own link index.
    pub fn inlinks(&self, lib: &Catalog) -> std::collections::HashMap<String, u32> {
        self.links.inlinks(lib)
    }

    /// `template` at site path `rel` with `ctx` and what every page sees.
    fn render(&self, template: &str, rel: &str, ctx: Value) -> anyhow::Result<String> {
        self.render_whole(
            template,
            rel,
            context! { ..ctx, ..page_context!(self, rel;) },
        )
    }

    /// `template` with a context [`page_context!`] made.
    fn render_whole(&self, template: &str, rel: &str, ctx: Value) -> anyhow::Result<String> {
        let tmpl = self
            .env
            .get_template(template)
            .with_context(|| format!("theme has no template {template}"))?;
        tmpl.render(ctx)
            .map_err(|e| anyhow::anyhow!("rendering {rel} with {template}: {e:#}"))
    }

    fn root(&self, rel: &str) -> String {
        if rel == "404.html" {
            self.config.base_path.clone()
        } else {
            root_of(rel)
        }
    }

    /// A document's HTML (from `parsed`, its parse): its page, its page
    /// views and its chunk views. Returns the number of page and chunk
    /// views, and each chunk's plain text ([`markdown::chunk_text`]), which
    /// comes from the same parse as its HTML.
    pub fn document(
        &self,
        d: &DocRef<'_>,
        parsed: &ParsedDoc,
        out: &dyn Sink,
    ) -> anyhow::Result<Rendered> {
        let dir = d.dir();
        let view = views::doc_view(d, parsed);
        let body_defs = &parsed.link_defs;
        // Page and chunk views sit at the same depth (`p/`, `c/`), so one
        // relative form of each link serves both.
        let from = site::page_url(&dir, 0);
        let source = d.doc.source.as_str();
        let rewrite = |target: &str| {
            self.links
                .resolve(source, target)
                .map(|u| href::relative(&from, &u))
        };
        let (chunk_html, texts): (Vec<String>, Vec<String>) = parsed
            .chunks
            .iter()
            .map(|c| {
                markdown::render_html_and_text(
                    &c.markdown,
                    &RenderCtx {
                        link_defs: body_defs,
                        rewrite_link: &rewrite,
                        heading_ids: &c.heading_ids,
                    },
                )
            })
            .unzip();

        // The document's view goes into every page and chunk view: turn it
        // into a template value once (a clone shares it), not once a view.
        let doc = Value::from_serialize(&view);
        let doc_rel = site::doc_url(&dir);
        let html = self.render("document.html", &doc_rel, context! { doc => doc.clone() })?;
        out.put(doc_rel, html.into_bytes())?;

        for (pi, page) in parsed.pages.iter().enumerate() {
            let rel = site::page_url(&dir, page.number);
            let chunks: Vec<ChunkView> = page
                .chunks
                .clone()
                .map(|ci| {
                    let c = &parsed.chunks[ci];
                    ChunkView {
                        n: c.n,
                        id: d.chunk_id(c.n),
                        anchor: site::chunk_anchor(c.n),
                        html: chunk_html[ci].clone(),
                        url: site::chunk_url(&dir, c.n),
                        breadcrumb: c.breadcrumb.clone(),
                    }
                })
                .collect();
            let prev = pi.checked_sub(1).map(|i| &view.pages[i]);
            let next = view.pages.get(pi + 1);
            let html = self.render_whole(
                "page.html",
                &rel,
                page_context!(self, &rel; doc => doc.clone(), page => &view.pages[pi], chunks => chunks, prev => prev, next => next),
            )?;
            out.put(rel, html.into_bytes())?;
        }

        for (ci, c) in parsed.chunks.iter().enumerate() {
            let rel = site::chunk_url(&dir, c.n);
            let page = &parsed.pages[c.page];
            let chunk = context! {
                n => c.n,
                id => d.chunk_id(c.n),
                html => &chunk_html[ci],
                breadcrumb => &c.breadcrumb,
                line => c.line,
                words => c.words,
                page_number => page.number,
                page_label => &page.label,
                page_display => site::page_display(parsed.has_markers, page.number, page.label.as_deref(), page.title.as_deref()),
                context_url => site::chunk_in_page_url(&dir, page.number, c.n),
                prev_url => ci.checked_sub(1).map(|i| site::chunk_url(&dir, parsed.chunks[i].n)),
                next_url => parsed.chunks.get(ci + 1).map(|n| site::chunk_url(&dir, n.n)),
            };
            let html = self.render_whole(
                "chunk.html",
                &rel,
                page_context!(self, &rel; doc => doc.clone(), chunk => chunk),
            )?;
            out.put(rel, html.into_bytes())?;
        }
        Ok(Rendered {
            page_views: parsed.pages.len(),
            chunk_views: parsed.chunks.len(),
            texts,
        })
    }

    /// The home page, the product, version and doc-set pages, and 404.
    pub fn library_pages(
        &self,
        vendors: &[VendorEntry],
        counts: Counts,
        out: &dyn Sink,
    ) -> anyhow::Result<()> {
        nav::write(self, out, vendors, counts)?;
        let html = self.render("404.html", "404.html", context! {})?;
        out.put("404.html".into(), html.into_bytes())
    }
}

/// Escapes only what HTML needs (`&<>"'`); the default also escapes `/`,
/// which bloats every relative URL.
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    let escape = !matches!(state.auto_escape(), minijinja::AutoEscape::None) && !value.is_safe();
    if !escape {
        return minijinja::escape_formatter(out, state, value);
    }
    let owned;
    let text = if value.is_undefined() || value.is_none() {
        ""
    } else if let Some(s) = value.as_str() {
        s
    } else {
        owned = value.to_string();
        &owned
    };
    // Runs without a special character are written as they are.
    let write = |out: &mut minijinja::Output<'_>, s: &str| {
        out.write_str(s).map_err(|e| {
            minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed").with_source(e)
        })
    };
    let mut from = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        write(out, &text[from..i])?;
        write(out, entity)?;
        from = i + 1;
    }
    write(out, &text[from..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_values_are_escaped_for_html() {
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        env.add_template(
            "t.html",
            "<p title=\"{{ a }}\">{{ a }} {{ n }} {{ s | safe }} {{ u }}{{ e }}</p>",
        )
        .unwrap();
        let html = env
            .get_template("t.html")
            .unwrap()
            .render(context! { a => "Tom & \"Jerry\" <b>'s/x'", n => 3.5, s => "<i>ok</i>", u => (), e => "" })
            .unwrap();
        assert_eq!(
            html,
            "<p title=\"Tom &amp; &quot;Jerry&quot; &lt;b&gt;&#39;s/x&#39;\">Tom &amp; &quot;Jerry&quot; &lt;b&gt;&#39;s/x&#39; 3.5 <i>ok</i> </p>"
        );
    }

    #[test]
    fn roots() {
        assert_eq!(root_of("index.html"), "");
        assert_eq!(root_of("a/b/c/d/p/1.html"), "../../../../../");
    }
}
