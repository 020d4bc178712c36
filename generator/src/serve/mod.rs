//! `mcdewey serve`: the built site as static files (correct MIME types,
//! gzip/brotli compressed once and kept in memory, cache headers, nothing
//! outside the site directory, symlinks included), bound to loopback unless
//! told otherwise. Every response carries `X-Content-Type-Options: nosniff`,
//! and every one a browser could run as a page or a worker the pages'
//! Content-Security-Policy.

use anyhow::Context;
use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub mod auth;
pub mod files;
pub mod library;
pub mod mcp;
pub mod source;
pub mod watch;

/// What the server needs to know; filled from flags and mcdewey.toml.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub site: PathBuf,
    pub addr: SocketAddr,
    /// Path prefix the site was built for (from the site's marker file).
    pub base_path: String,
}

/// The base path a site was built for, from its marker; a site of another
/// format version is refused.
pub fn site_base_path(site: &Path) -> anyhow::Result<String> {
    Ok(crate::site::SiteDir::open(site)?.marker.base_path)
}

/// Cache policy: HTML and data revalidate on every load so a rebuild shows at
/// once; theme assets may be cached for an hour.
async fn cache_headers(req: Request<Body>, next: Next) -> Response {
    let is_static = req.uri().path().contains("/_static/");
    let mut res = next.run(req).await;
    let value = if is_static {
        "public, max-age=3600"
    } else {
        "no-cache"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

/// The static part of the router: the site under its base path. Files are
/// resolved by [`files::SiteFiles`]; a site directory that cannot be read
/// answers 500 for every file.
pub fn static_router(opts: &ServeOptions) -> Router {
    let router = match files::SiteFiles::new(&opts.site, &opts.base_path) {
        Ok(f) => Router::new().fallback_service(files::FilesService(Arc::new(f))),
        Err(e) => {
            let msg = format!(
                "cannot read the site directory {}: {e}",
                opts.site.display()
            );
            tracing::error!("{msg}");
            Router::new().fallback(move || {
                let msg = msg.clone();
                async move { (StatusCode::INTERNAL_SERVER_ERROR, msg) }
            })
        }
    };
    router.layer(middleware::from_fn(cache_headers))
}

/// The Content-Security-Policy of the default theme's pages.
pub fn default_csp() -> &'static str {
    static CSP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        meta_csp(crate::render::theme::default_template("base.html").unwrap_or_default())
            .unwrap_or_else(|| "default-src 'self'; object-src 'none'; base-uri 'none'".into())
    })
}

/// The policy of a `<meta http-equiv="Content-Security-Policy">` tag in `html`.
pub fn meta_csp(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let at = lower.find("http-equiv=\"content-security-policy\"")?;
    let tag_start = lower[..at].rfind('<')?;
    let tag_end = at + lower[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let c = tag.to_ascii_lowercase().find("content=\"")? + "content=\"".len();
    let len = tag[c..].find('"')?;
    Some(tag[c..c + len].to_string())
}

/// The policy the server sends: the one in the site's own home page (so the
/// header and the pages' meta tag always agree, whatever the theme), or the
/// default theme's when the page has none.
pub fn site_csp(site: &Path) -> String {
    std::fs::read_to_string(site.join("index.html"))
        .ok()
        .and_then(|html| meta_csp(&html))
        .unwrap_or_else(|| default_csp().to_string())
}

/// Whether a response of this content type can never become a document or a
/// worker, so that a CSP on it has no effect. Index files are most of a
/// query's requests, and the policy would be over half of their bytes.
fn inert(content_type: Option<&HeaderValue>) -> bool {
    let Some(t) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let t = t
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        t.as_str(),
        "application/octet-stream"
            | "application/wasm"
            | "application/json"
            | "text/event-stream"
            | "text/css"
            | "image/png"
            | "image/jpeg"
            | "image/gif"
            | "image/webp"
            | "image/avif"
            | "font/woff"
            | "font/woff2"
    )
}

/// Adds `nosniff` to every response, files and `/mcp` alike, and the site's
/// CSP to every one that is not [`inert`] (pages, scripts, SVG, errors).
pub fn with_security_headers(router: Router, site: &Path) -> Router {
    let csp = HeaderValue::from_str(&site_csp(site))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    router.layer(middleware::from_fn(
        move |req: Request<Body>, next: Next| {
            let csp = csp.clone();
            async move {
                let mut res = next.run(req).await;
                let h = res.headers_mut();
                if !inert(h.get(header::CONTENT_TYPE)) {
                    h.insert(header::CONTENT_SECURITY_POLICY, csp);
                }
                h.insert(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                );
                res
            }
        },
    ))
}

/// Binds and serves until `shutdown` resolves. Returns the bound address via
/// `on_bound` (useful with port 0).
pub async fn run(
    opts: ServeOptions,
    router: Router,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_with(opts, |_| router, on_bound, shutdown).await
}

/// Like [`run`], but builds the router once the address is bound, so it can
/// name the actual port (the MCP endpoint allows its own origin by default).
pub async fn run_with(
    opts: ServeOptions,
    make_router: impl FnOnce(SocketAddr) -> Router,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(opts.addr)
        .await
        .with_context(|| format!("cannot listen on {}", opts.addr))?;
    let addr = listener.local_addr()?;
    let router = with_security_headers(make_router(addr), &opts.site);
    on_bound(addr);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .context("server failed")
}
