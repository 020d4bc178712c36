//! `serve --watch`: rebuild the site when the content or theme changes and
//! tell open pages to reload. Pages get one extra script, served from the
//! site's own origin (the pages' Content-Security-Policy allows nothing
//! else), which listens on a server-sent event stream; each finished
//! rebuild sends one event. Only watch mode adds the script or the routes.

use anyhow::Context as _;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Event stream of finished rebuilds.
pub const EVENTS_PATH: &str = "/_mcdewey/reload";
/// The script pages load in watch mode.
pub const SCRIPT_PATH: &str = "/_mcdewey/reload.js";

const SCRIPT: &str = r#"// Reloads the page when `mcdewey serve --watch` has rebuilt the site.
(() => {
  const events = new EventSource("/_mcdewey/reload");
  events.addEventListener("reload", () => location.reload());
})();
"#;

/// Quiet time after the last file event before a rebuild starts, so an
/// editor's save (several events) or a `git checkout` causes one rebuild.
const SETTLE: Duration = Duration::from_millis(250);

/// The rebuild counter shared by the watcher and the event stream.
#[derive(Clone)]
pub struct Reload {
    tx: watch::Sender<u64>,
    /// Set on shutdown: open event streams end, so a graceful shutdown does
    /// not wait for the pages still connected.
    closed: watch::Sender<bool>,
}

impl Default for Reload {
    fn default() -> Self {
        Reload {
            tx: watch::channel(0).0,
            closed: watch::channel(false).0,
        }
    }
}

impl Reload {
    /// Ends every open event stream.
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Tells every connected page that the site changed.
    pub fn notify(&self) {
        self.tx.send_modify(|n| *n += 1);
    }

    /// The event stream and the script.
    pub fn router(&self) -> Router {
        Router::new()
            .route(EVENTS_PATH, get(events))
            .route(SCRIPT_PATH, get(script))
            .with_state(self.clone())
    }
}

async fn script() -> Response {
    let mut res = Response::new(Body::from(SCRIPT));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    res
}

/// `text/event-stream`: a comment on connecting, then `event: reload` with
/// the rebuild number after each rebuild.
async fn events(State(reload): State<Reload>) -> Response {
    let mut rx = reload.tx.subscribe();
    rx.mark_unchanged();
    let hello = futures_util::stream::once(async {
        Ok::<_, std::convert::Infallible>(": connected\n\n".to_string())
    });
    let closed = reload.closed.subscribe();
    let changes = futures_util::stream::unfold((rx, closed), |(mut rx, mut closed)| async move {
        tokio::select! {
            changed = rx.changed() => changed.ok()?,
            _ = closed.wait_for(|c| *c) => return None,
        }
        let n = *rx.borrow_and_update();
        Some((Ok(format!("event: reload\ndata: {n}\n\n")), (rx, closed)))
    });
    let mut res = Response::new(Body::from_stream(futures_util::StreamExt::chain(
        hello, changes,
    )));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Middleware for the static site: HTML pages get the reload script before
/// `</body>`. Responses are requested uncompressed so the page can be
/// edited; a local preview does not need compression.
pub async fn inject(mut req: Request, next: Next) -> Response {
    req.headers_mut().remove(header::ACCEPT_ENCODING);
    let res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html || res.status() != StatusCode::OK {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let html = String::from_utf8_lossy(&bytes);
    let tag = format!("<script src=\"{SCRIPT_PATH}\"></script>");
    let page = match html.rfind("</body>") {
        Some(i) => format!("{}{tag}{}", &html[..i], &html[i..]),
        None => format!("{html}{tag}"),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::ETAG);
    parts.headers.remove(header::LAST_MODIFIED);
    Response::from_parts(parts, Body::from(page))
}

/// Watches `dirs` on a thread of its own; after each burst of changes
/// (outside `ignore`, where the build writes) runs `rebuild`, then notifies
/// `reload` when it succeeded. The thread ends with the process.
pub fn spawn(
    dirs: Vec<PathBuf>,
    ignore: Vec<PathBuf>,
    reload: Reload,
    rebuild: impl Fn() -> bool + Send + 'static,
) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx)?;
    for d in &dirs {
        watcher
            .watch(&resolved(d), RecursiveMode::Recursive)
            .with_context(|| format!("cannot watch {}", d.display()))?;
    }
    let ignore: Vec<PathBuf> = ignore.iter().map(|p| resolved(p)).collect();
    let relevant = move |e: &notify::Event| {
        !e.kind.is_access()
            && e.paths
                .iter()
                .any(|p| !ignore.iter().any(|i| p.starts_with(i)))
    };
    std::thread::spawn(move || {
        // Keeps the watcher alive as long as the thread.
        let _watcher = watcher;
        while let Ok(first) = rx.recv() {
            if !first.as_ref().is_ok_and(&relevant) {
                continue;
            }
            // Wait for the burst to end.
            let mut last = Instant::now();
            while last.elapsed() < SETTLE {
                if rx.recv_timeout(SETTLE).is_ok() {
                    last = Instant::now();
                }
            }
            if rebuild() {
                reload.notify();
            }
        }
    });
    Ok(())
}

/// `p` with its parent resolved (it may not exist yet), as file events name it.
fn resolved(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent)
            .map(|c| c.join(name))
            .unwrap_or_else(|_| p.to_path_buf()),
        _ => p.to_path_buf(),
    }
}
