//! Where the MCP server reads a built site from: a local directory (files
//! read when a query needs them) or the site's own base URL on a static host
//! (`http://bucket.example/docs/`), fetched over HTTP with keep-alive,
//! timeouts, retries with back-off, and conditional requests for
//! re-validation.

use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a remote origin is fetched.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Per attempt: connecting, sending and reading the whole body.
    pub timeout: Duration,
    /// Attempts per file (1: no retry). Retried: connection errors,
    /// timeouts, 5xx and 429; never a refused certificate, which the next
    /// handshake would refuse again.
    pub attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub backoff: Duration,
    /// PEM certificates trusted besides the system's roots (an intranet's
    /// own certificate authority).
    pub extra_roots: Option<PathBuf>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(10),
            attempts: 3,
            backoff: Duration::from_millis(200),
            extra_roots: None,
        }
    }
}

/// What re-validation found.
pub enum Revalidated {
    Unchanged,
    Changed(Vec<u8>, Validator),
}

/// What identifies one version of a file: the origin's ETag and
/// Last-Modified, or for a local file its length and modification time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validator {
    etag: Option<String>,
    last_modified: Option<String>,
    local: Option<(u64, std::time::SystemTime)>,
}

/// A built site, read file by file. Paths are site-relative
/// (`search/manifest.bin`, `acme/1.0/guide/intro/document.json`).
pub enum Source {
    Local(PathBuf),
    Http(Box<HttpSource>),
}

impl Source {
    /// `location` is a directory, or an `http://` base URL.
    pub fn new(location: &str, http: HttpSettings) -> anyhow::Result<Source> {
        if location.starts_with("http://") || location.starts_with("https://") {
            Ok(Source::Http(Box::new(HttpSource::new(location, http)?)))
        } else {
            Ok(Source::Local(PathBuf::from(location)))
        }
    }

    pub fn local(dir: &Path) -> Source {
        Source::Local(dir.to_path_buf())
    }

    /// Where `rel` is, for messages.
    pub fn describe(&self, rel: &str) -> String {
        match self {
            Source::Local(dir) => dir.join(rel).display().to_string(),
            Source::Http(h) => h.url(rel),
        }
    }

    /// The whole file, or an error naming it.
    pub fn get(&self, rel: &str) -> anyhow::Result<Vec<u8>> {
        Ok(self.get_validated(rel)?.0)
    }

    /// The file and what identifies its version.
    pub fn get_validated(&self, rel: &str) -> anyhow::Result<(Vec<u8>, Validator)> {
        check_rel(rel)?;
        match self {
            Source::Local(dir) => {
                let path = dir.join(rel);
                let validator = local_validator(&path);
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                Ok((bytes, validator))
            }
            Source::Http(h) => h.get(rel, None).map(|r| match r {
                Revalidated::Changed(b, v) => (b, v),
                Revalidated::Unchanged => unreachable!("an unconditional request is never 304"),
            }),
        }
    }

    /// Whether `rel` changed since `seen`: a conditional request to a
    /// remote origin (304 costs no body), the length and modification time
    /// of a local file.
    pub fn revalidate(&self, rel: &str, seen: &Validator) -> anyhow::Result<Revalidated> {
        check_rel(rel)?;
        match self {
            Source::Local(dir) => {
                let path = dir.join(rel);
                if seen.local.is_some() && local_validator(&path) == *seen {
                    return Ok(Revalidated::Unchanged);
                }
                let (b, v) = self.get_validated(rel)?;
                Ok(Revalidated::Changed(b, v))
            }
            Source::Http(h) => h.get(rel, Some(seen)),
        }
    }
}

fn local_validator(path: &Path) -> Validator {
    let local = std::fs::metadata(path)
        .ok()
        .and_then(|m| Some((m.len(), m.modified().ok()?)));
    Validator {
        local,
        ..Validator::default()
    }
}

/// Site-relative paths only: a path from a site file must not reach
/// outside the site.
fn check_rel(rel: &str) -> anyhow::Result<()> {
    if rel.starts_with('/') || rel.split('/').any(|p| p == ".." || p.is_empty()) {
        anyhow::bail!("`{rel}` is not a path inside the site");
    }
    Ok(())
}

/// What a path segment must escape (RFC 3986 `pchar` leaves the rest).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Makes ring the process's TLS provider, which every HTTPS client built
/// afterwards needs. A second install is refused, harmlessly.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A site on a static host. Requests run on a small runtime of their own,
/// so the tool threads (plain threads) can wait for them.
pub struct HttpSource {
    base: String,
    client: reqwest::Client,
    settings: HttpSettings,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    handle: tokio::runtime::Handle,
}

impl HttpSource {
    fn new(base: &str, settings: HttpSettings) -> anyhow::Result<HttpSource> {
        install_tls_provider();
        let base = format!("{}/", base.trim_end_matches('/'));
        let mut builder = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .pool_idle_timeout(Duration::from_secs(60));
        if let Some(path) = &settings.extra_roots {
            let pem = std::fs::read(path)
                .with_context(|| format!("cannot read the certificates in {}", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .with_context(|| format!("{} holds no PEM certificate", path.display()))?;
            if certs.is_empty() {
                anyhow::bail!("{} holds no PEM certificate", path.display());
            }
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder.build().context("cannot set up the HTTP client")?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mcdewey-fetch")
            .enable_all()
            .build()
            .context("cannot start the HTTP runtime")?;
        let handle = runtime.handle().clone();
        Ok(HttpSource {
            base,
            client,
            settings,
            runtime: Mutex::new(Some(runtime)),
            handle,
        })
    }

    fn url(&self, rel: &str) -> String {
        let path: String = rel
            .split('/')
            .map(|p| percent_encoding::utf8_percent_encode(p, SEGMENT).to_string())
            .collect::<Vec<_>>()
            .join("/");
        format!("{}{path}", self.base)
    }

    /// GETs `rel` (conditionally when `seen` is given), retrying what may
    /// pass on a second try. Waits on the source's runtime from any thread.
    fn get(&self, rel: &str, seen: Option<&Validator>) -> anyhow::Result<Revalidated> {
        let url = self.url(rel);
        let (tx, rx) = std::sync::mpsc::channel();
        let client = self.client.clone();
        let settings = self.settings.clone();
        let seen = seen.cloned();
        let u = url.clone();
        self.handle.spawn(async move {
            let _ = tx.send(fetch(&client, &u, &settings, seen.as_ref()).await);
        });
        rx.recv()
            .map_err(|_| anyhow::anyhow!("the HTTP runtime stopped"))?
            .with_context(|| format!("cannot fetch {url}"))
    }
}

impl Drop for HttpSource {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's task panics; this one
        // owns no state worth waiting for.
        if let Some(rt) = self.runtime.lock().ok().and_then(|mut r| r.take()) {
            rt.shutdown_background();
        }
    }
}

async fn fetch(
    client: &reqwest::Client,
    url: &str,
    settings: &HttpSettings,
    seen: Option<&Validator>,
) -> anyhow::Result<Revalidated> {
    let mut wait = settings.backoff;
    let mut last = None;
    for attempt in 1..=settings.attempts.max(1) {
        if attempt > 1 {
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
        match once(client, url, seen).await {
            Ok(r) => return Ok(r),
            Err((e, retry)) => {
                if !retry {
                    return Err(e);
                }
                last = Some(e);
            }
        }
    }
    let e = last.expect("at least one attempt");
    Err(e.context(format!(
        "gave up after {} attempts",
        settings.attempts.max(1)
    )))
}

/// One request; the error says whether another try may help.
async fn once(
    client: &reqwest::Client,
    url: &str,
    seen: Option<&Validator>,
) -> Result<Revalidated, (anyhow::Error, bool)> {
    use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
    let mut req = client.get(url);
    if let Some(v) = seen {
        if let Some(e) = &v.etag {
            req = req.header(IF_NONE_MATCH, e);
        } else if let Some(m) = &v.last_modified {
            req = req.header(IF_MODIFIED_SINCE, m);
        }
    }
    let res = req.send().await.map_err(|e| {
        let retry = !refused_by_tls(&e);
        (describe(e), retry)
    })?;
    let status = res.status();
    if status == reqwest::StatusCode::NOT_MODIFIED && seen.is_some() {
        return Ok(Revalidated::Unchanged);
    }
    if !status.is_success() {
        let retry = status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
        return Err((anyhow::anyhow!("the origin answered {status}"), retry));
    }
    let header = |h| {
        res.headers()
            .get(h)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let validator = Validator {
        etag: header(ETAG),
        last_modified: header(LAST_MODIFIED),
        local: None,
    };
    let body = res.bytes().await.map_err(|e| (describe(e), true))?;
    Ok(Revalidated::Changed(body.to_vec(), validator))
}

/// Whether the TLS layer refused the origin (its certificate, name or
/// protocol): a decision, not a network accident. The rustls error sits in
/// `io::Error`s (nested), whose `source()` skips what they wrap, so they
/// are opened by hand.
fn refused_by_tls(e: &reqwest::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<rustls::Error>() {
            return true;
        }
        cur = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    false
}

fn describe(e: reqwest::Error) -> anyhow::Error {
    let what = if refused_by_tls(&e) {
        "the TLS handshake was refused"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    anyhow::Error::new(e).context(what)
}

/// Shared so one source serves every generation of a remote site.
pub type SharedSource = Arc<Source>;
