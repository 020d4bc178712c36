//! `mcdewey serve`: the built site as static files (correct MIME types,
//! precompressed or on-the-fly gzip/brotli, cache headers, no directory
//! traversal), bound to loopback unless told otherwise.

use anyhow::Context;
use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

pub mod auth;
pub mod library;
pub mod mcp;
pub mod watch;

/// What the server needs to know; filled from flags and mcdewey.toml.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub site: PathBuf,
    pub addr: SocketAddr,
    /// Path prefix the site was built for (from the site's marker file).
    pub base_path: String,
}

/// Reads the base path a site was built for from its marker file.
pub fn site_base_path(site: &Path) -> anyhow::Result<String> {
    let marker = site.join(crate::render::SITE_MARKER);
    let text = std::fs::read_to_string(&marker).with_context(|| {
        format!(
            "{} is not a McDewey site (no {})",
            site.display(),
            marker.display()
        )
    })?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix("base_path = "))
        .map(|v| v.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| "/".into()))
}

/// The `site_url` a site was built with, from its marker file.
pub fn site_url(site: &Path) -> Option<String> {
    let text = std::fs::read_to_string(site.join(crate::render::SITE_MARKER)).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("site_url = "))
        .map(|v| v.trim().trim_matches('"').trim_end_matches('/').to_string())
        .filter(|v| v.starts_with("http://") || v.starts_with("https://"))
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
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// The static part of the router: the site under its base path.
pub fn static_router(opts: &ServeOptions) -> Router {
    let not_found = ServeFile::new(opts.site.join("404.html"));
    let files = ServeDir::new(&opts.site)
        .append_index_html_on_directories(true)
        .precompressed_br()
        .precompressed_gzip()
        .not_found_service(not_found);
    let router = if opts.base_path == "/" {
        Router::new().fallback_service(files)
    } else {
        let prefix = opts.base_path.trim_end_matches('/').to_string();
        Router::new()
            .nest_service(&prefix, files)
            .fallback(|| async {
                (
                    StatusCode::NOT_FOUND,
                    "not found: this site is served under its base path",
                )
            })
    };
    router
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(cache_headers))
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
    let router = make_router(addr);
    on_bound(addr);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .context("server failed")
}
