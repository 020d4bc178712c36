//! The site's files over HTTP. A request path is decoded, checked segment by
//! segment, and its file resolved with every symlink followed: a file whose
//! real location is outside the site directory is not found, wherever the
//! link sits. Small files are kept in memory with their headers made once and
//! their gzip and brotli forms compressed once (or taken from `<file>.br` and
//! `<file>.gz` beside it when they decode to the file), so a repeated request
//! costs a `stat` (which notices a rebuilt site) and a hash lookup; larger
//! files are streamed from disk.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use bytes::Bytes;
use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::SystemTime;

/// Files up to this size are kept in memory.
pub const CACHE_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// Memory for cached files, their compressed forms included.
pub const CACHE_TOTAL_BYTES: usize = 128 * 1024 * 1024;
/// Smaller files are sent as they are: compression would gain a few bytes.
const COMPRESS_MIN_BYTES: usize = 512;
/// Files from this size on are looked for with precompressed forms beside
/// them; smaller ones are compressed on the fly without a further `stat`.
const PRECOMPRESSED_MIN_BYTES: usize = 16 * 1024;
/// Brotli quality for cached files: compressed once per file, so near the
/// best ratio, but fast enough that a first request does not stall.
const BROTLI_QUALITY: u32 = 9;

/// The files of one site, shared by every request.
pub struct SiteFiles {
    /// The site directory with every symlink resolved.
    root: PathBuf,
    /// Path prefix the site is served under, without a trailing `/`.
    prefix: String,
    cache: RwLock<Cache>,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<String, Arc<Entry>>,
    bytes: usize,
}

/// A cached file: its bytes, headers and compressed forms.
struct Entry {
    /// The path whose `stat` must still give `stamp` (the asked path, or
    /// its `index.html`), links not resolved.
    check: PathBuf,
    /// Identity of the file read (device, inode, length, mtime).
    stamp: Stamp,
    body: Bytes,
    content_type: HeaderValue,
    etag: HeaderValue,
    compressible: bool,
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: Option<SystemTime>,
}

impl Stamp {
    fn of(m: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        Stamp {
            dev,
            ino,
            len: m.len(),
            mtime: m.modified().ok(),
        }
    }
}

/// What a request path names, once checked.
enum Resolved {
    /// The real path, the path to check on later requests, its metadata.
    File(PathBuf, PathBuf, Box<std::fs::Metadata>),
    /// A directory asked for without its trailing `/`.
    Redirect,
    NotFound,
}

impl SiteFiles {
    /// The files of `site`, served under `base_path` (`/` or `/docs/`).
    pub fn new(site: &Path, base_path: &str) -> std::io::Result<SiteFiles> {
        Ok(SiteFiles {
            root: std::fs::canonicalize(site)?,
            prefix: base_path.trim_end_matches('/').to_string(),
            cache: RwLock::new(Cache::default()),
        })
    }

    /// Answers one request.
    pub async fn respond(self: Arc<Self>, req: Request<Body>) -> Response<Body> {
        let head = req.method() == Method::HEAD;
        if req.method() != Method::GET && !head {
            let mut res = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            res.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return res;
        }
        let path = req.uri().path();
        let Some(rest) = strip_prefix(path, &self.prefix) else {
            return plain(
                StatusCode::NOT_FOUND,
                "not found: this site is served under its base path",
            );
        };
        let Some(rel) = relative_path(rest) else {
            return self.not_found(req.headers(), head).await;
        };
        match self.entry(&rel).await {
            Ok(Some(Found::Cached(e))) => e.respond(req.headers(), head, StatusCode::OK).await,
            Ok(Some(Found::Large(p, m))) => stream(&p, &m, req.headers(), head).await,
            Ok(Some(Found::Redirect)) => {
                let mut to = format!("{path}/");
                if let Some(q) = req.uri().query() {
                    to.push('?');
                    to.push_str(q);
                }
                let mut res = plain(StatusCode::TEMPORARY_REDIRECT, "");
                if let Ok(v) = HeaderValue::from_str(&to) {
                    res.headers_mut().insert(header::LOCATION, v);
                }
                res
            }
            Ok(None) => self.not_found(req.headers(), head).await,
            Err(e) => {
                tracing::warn!(path = %rel, error = %e, "cannot read a site file");
                plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file")
            }
        }
    }

    /// The site's `404.html` with status 404 (a plain text one if it has none).
    async fn not_found(&self, headers: &HeaderMap, head: bool) -> Response<Body> {
        match self.entry("404.html").await {
            Ok(Some(Found::Cached(e))) => e.respond(headers, head, StatusCode::NOT_FOUND).await,
            _ => plain(StatusCode::NOT_FOUND, "not found"),
        }
    }

    /// The cached entry for `rel` when the file is unchanged since it was
    /// read; otherwise resolves and reads it again.
    async fn entry(&self, rel: &str) -> std::io::Result<Option<Found>> {
        let cached = self
            .cache
            .read()
            .ok()
            .and_then(|c| c.entries.get(rel).cloned());
        if let Some(e) = cached {
            // One stat, following links: a file replaced by a rebuild, or by a
            // link to somewhere else, has another identity and is resolved anew.
            if let Ok(m) = std::fs::metadata(&e.check) {
                if Stamp::of(&m) == e.stamp {
                    return Ok(Some(Found::Cached(e)));
                }
            }
        }
        let root = self.root.clone();
        let rel_owned = rel.to_string();
        let found = tokio::task::spawn_blocking(move || load(&root, &rel_owned))
            .await
            .map_err(std::io::Error::other)??;
        if let Some(Found::Cached(e)) = &found {
            self.remember(rel, e.clone());
        }
        Ok(found)
    }

    fn remember(&self, rel: &str, e: Arc<Entry>) {
        let Ok(mut c) = self.cache.write() else {
            return;
        };
        let size = e.body.len() * 2;
        if let Some(old) = c.entries.remove(rel) {
            c.bytes -= old.body.len() * 2;
        }
        // Full: make room by dropping entries in no particular order (the
        // cache only saves work; any file can be read again).
        while c.bytes + size > CACHE_TOTAL_BYTES && !c.entries.is_empty() {
            let Some(k) = c.entries.keys().next().cloned() else {
                break;
            };
            if let Some(old) = c.entries.remove(&k) {
                c.bytes -= old.body.len() * 2;
            }
        }
        c.bytes += size;
        c.entries.insert(rel.to_string(), e);
    }
}

enum Found {
    Cached(Arc<Entry>),
    Large(PathBuf, Box<std::fs::Metadata>),
    Redirect,
}

/// Resolves and, when small, reads `rel` under `root` (blocking).
fn load(root: &Path, rel: &str) -> std::io::Result<Option<Found>> {
    let (path, check, meta) = match resolve(root, rel) {
        Resolved::File(p, c, m) => (p, c, m),
        Resolved::Redirect => return Ok(Some(Found::Redirect)),
        Resolved::NotFound => return Ok(None),
    };
    if meta.len() > CACHE_FILE_BYTES {
        return Ok(Some(Found::Large(path, meta)));
    }
    let body = Bytes::from(std::fs::read(&path)?);
    let stamp = Stamp::of(&meta);
    // A file changed between the stat and the read would be cached with the
    // old identity and re-read on the next request; nothing stale sticks.
    let etag = format!("\"{:016x}-{:x}\"", fnv1a(&body), body.len());
    let mime = content_type(&path);
    let compressible = is_compressible(mime) && body.len() >= COMPRESS_MIN_BYTES;
    let (gzip, br) = (OnceLock::new(), OnceLock::new());
    if compressible && body.len() >= PRECOMPRESSED_MIN_BYTES && !rel.ends_with('/') {
        for (enc, cell) in [(Encoding::Gzip, &gzip), (Encoding::Br, &br)] {
            if let Some(packed) = precompressed(root, rel, enc, &body) {
                let _ = cell.set(packed);
            }
        }
    }
    Ok(Some(Found::Cached(Arc::new(Entry {
        check,
        stamp,
        compressible,
        content_type: HeaderValue::from_static(mime),
        etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\"")),
        body,
        gzip,
        br,
    }))))
}

/// The form of `rel` compressed with `enc` that the site holds beside it
/// (`<rel>.br`, `<rel>.gz`; the engine's are written by every build), if it
/// decodes to exactly `body`: a stale or broken one is ignored, and the
/// decoder stops one byte past `body`'s length.
fn precompressed(root: &Path, rel: &str, enc: Encoding, body: &[u8]) -> Option<Bytes> {
    use std::io::Read;
    let ext = match enc {
        Encoding::Br => "br",
        Encoding::Gzip => "gz",
    };
    let Resolved::File(path, _, meta) = resolve(root, &format!("{rel}.{ext}")) else {
        return None;
    };
    if meta.len() > CACHE_FILE_BYTES {
        return None;
    }
    let packed = std::fs::read(path).ok()?;
    let limit = body.len() as u64 + 1;
    let mut plain = Vec::with_capacity(body.len());
    let read = match enc {
        Encoding::Br => brotli::Decompressor::new(&packed[..], 4096)
            .take(limit)
            .read_to_end(&mut plain),
        Encoding::Gzip => flate2::read::GzDecoder::new(&packed[..])
            .take(limit)
            .read_to_end(&mut plain),
    };
    (read.is_ok() && plain == body).then(|| Bytes::from(packed))
}

/// The file `rel` names under `root`, with symlinks followed. Its resolved
/// location must be inside `root`; a directory means its `index.html`.
fn resolve(root: &Path, rel: &str) -> Resolved {
    let asked = root.join(rel);
    let Ok(real) = std::fs::canonicalize(&asked) else {
        return Resolved::NotFound;
    };
    if !real.starts_with(root) {
        return Resolved::NotFound;
    }
    let Ok(meta) = std::fs::metadata(&real) else {
        return Resolved::NotFound;
    };
    if meta.is_dir() {
        if !rel.is_empty() && !rel.ends_with('/') {
            return Resolved::Redirect;
        }
        let check = asked.join("index.html");
        let Ok(index) = std::fs::canonicalize(&check) else {
            return Resolved::NotFound;
        };
        return match std::fs::metadata(&index) {
            Ok(m) if m.is_file() && index.starts_with(root) => {
                Resolved::File(index, check, Box::new(m))
            }
            _ => Resolved::NotFound,
        };
    }
    if !meta.is_file() || rel.ends_with('/') {
        return Resolved::NotFound;
    }
    Resolved::File(real, asked, Box::new(meta))
}

impl Entry {
    async fn respond(
        self: &Arc<Self>,
        headers: &HeaderMap,
        head: bool,
        status: StatusCode,
    ) -> Response<Body> {
        if status == StatusCode::OK && not_modified(headers, &self.etag, None) {
            let mut res = plain(StatusCode::NOT_MODIFIED, "");
            res.headers_mut().insert(header::ETAG, self.etag.clone());
            return res;
        }
        let encoding = if self.compressible {
            preferred_encoding(headers)
        } else {
            None
        };
        let body = match encoding {
            Some(enc) => self.compressed(enc).await,
            None => self.body.clone(),
        };
        // Ranges only over the identity form (as a browser's PDF or media
        // reader asks for them).
        if status == StatusCode::OK && encoding.is_none() {
            if let Some(range) = headers.get(header::RANGE) {
                return self.ranged(range, head);
            }
        }
        let mut res = Response::new(if head {
            Body::empty()
        } else {
            Body::from(body.clone())
        });
        *res.status_mut() = status;
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, self.content_type.clone());
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        // The ETag is the validator (If-None-Match); a Last-Modified would
        // only add bytes to every response, most of a small index file's.
        h.insert(header::ETAG, self.etag.clone());
        // Ranges are for readers of PDFs and media, which are not compressed.
        if !self.compressible {
            h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        }
        if self.compressible {
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if let Some(enc) = encoding {
            h.insert(
                header::CONTENT_ENCODING,
                HeaderValue::from_static(enc.name()),
            );
        }
        res
    }

    fn ranged(&self, range: &HeaderValue, head: bool) -> Response<Body> {
        let len = self.body.len() as u64;
        match parse_range(range, len) {
            Some((a, b)) => {
                let part = self.body.slice(a as usize..=b as usize);
                let mut res = Response::new(if head {
                    Body::empty()
                } else {
                    Body::from(part)
                });
                *res.status_mut() = StatusCode::PARTIAL_CONTENT;
                let h = res.headers_mut();
                h.insert(header::CONTENT_TYPE, self.content_type.clone());
                h.insert(header::CONTENT_LENGTH, HeaderValue::from(b - a + 1));
                h.insert(header::ETAG, self.etag.clone());
                h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
                if let Ok(v) = HeaderValue::from_str(&format!("bytes {a}-{b}/{len}")) {
                    h.insert(header::CONTENT_RANGE, v);
                }
                res
            }
            None => unsatisfiable(len),
        }
    }

    /// The body in `enc`, compressed on first use.
    async fn compressed(self: &Arc<Self>, enc: Encoding) -> Bytes {
        let cell = match enc {
            Encoding::Br => &self.br,
            Encoding::Gzip => &self.gzip,
        };
        if let Some(b) = cell.get() {
            return b.clone();
        }
        let me = self.clone();
        // Compression takes milliseconds: off the async workers.
        let made = tokio::task::spawn_blocking(move || compress(&me.body, enc))
            .await
            .unwrap_or_else(|_| self.body.clone());
        cell.get_or_init(|| made).clone()
    }
}

/// A file too large to keep in memory, read from disk as it is sent.
async fn stream(
    path: &Path,
    meta: &std::fs::Metadata,
    headers: &HeaderMap,
    head: bool,
) -> Response<Body> {
    let len = meta.len();
    let last_modified = http_date(meta.modified().ok());
    if not_modified(headers, &HeaderValue::from_static(""), meta.modified().ok()) {
        return plain(StatusCode::NOT_MODIFIED, "");
    }
    let (status, start, count) = match headers.get(header::RANGE) {
        Some(r) => match parse_range(r, len) {
            Some((a, b)) => (StatusCode::PARTIAL_CONTENT, a, b - a + 1),
            None => return unsatisfiable(len),
        },
        None => (StatusCode::OK, 0, len),
    };
    let body = if head {
        Body::empty()
    } else {
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let mut file = match tokio::fs::File::open(path).await {
            Ok(f) => f,
            Err(_) => return plain(StatusCode::NOT_FOUND, "not found"),
        };
        if start > 0 && file.seek(std::io::SeekFrom::Start(start)).await.is_err() {
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file");
        }
        Body::from_stream(tokio_util::io::ReaderStream::new(file.take(count)))
    };
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    h.insert(header::LAST_MODIFIED, last_modified);
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", start + count - 1))
        {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    res
}

// ---------------------------------------------------------------- paths

fn strip_prefix<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// The path below the site root, percent-decoded, with empty and `.`
/// segments dropped; `None` for anything that could leave the root (`..`, a
/// backslash, a NUL, a drive prefix) or is not UTF-8. A trailing `/` is kept:
/// it asks for a directory.
fn relative_path(path: &str) -> Option<String> {
    let decoded = percent_decode(path)?;
    let mut out = String::with_capacity(decoded.len());
    for seg in decoded.split('/') {
        if seg.is_empty() || seg == "." {
            continue;
        }
        if seg == ".." || seg.contains(['\\', '\0', ':']) {
            return None;
        }
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(seg);
    }
    if decoded.ends_with('/') && !out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// `None` for a `%` without two hex digits (a malformed request, not a
/// literal) or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let malformed = b.iter().enumerate().any(|(i, &c)| {
        c == b'%'
            && !b
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if malformed {
        return None;
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

// ---------------------------------------------------------------- headers

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Br,
    Gzip,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Br => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// Brotli when the client takes it, else gzip, else none (`q=0` refuses).
fn preferred_encoding(headers: &HeaderMap) -> Option<Encoding> {
    let mut br = false;
    let mut gzip = false;
    for v in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(v) = v.to_str() else { continue };
        for item in v.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            if name.eq_ignore_ascii_case("br") {
                br = true;
            } else if name.eq_ignore_ascii_case("gzip") || name == "*" {
                gzip = true;
            }
        }
    }
    if br {
        Some(Encoding::Br)
    } else if gzip {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

/// `If-None-Match` naming `etag`, or (without one) `If-Modified-Since` not
/// before the file's time.
fn not_modified(headers: &HeaderMap, etag: &HeaderValue, mtime: Option<SystemTime>) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
        let Ok(v) = inm.to_str() else { return false };
        return !etag.is_empty()
            && v.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t.trim_start_matches("W/") == etag.to_str().unwrap_or("")
            });
    }
    let (Some(ims), Some(mtime)) = (headers.get(header::IF_MODIFIED_SINCE), mtime) else {
        return false;
    };
    let Some(since) = ims
        .to_str()
        .ok()
        .and_then(|s| httpdate::parse_http_date(s).ok())
    else {
        return false;
    };
    // HTTP dates have whole seconds.
    let secs = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
    secs(mtime) <= secs(since)
}

/// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range within `len`, inclusive.
fn parse_range(v: &HeaderValue, len: u64) -> Option<(u64, u64)> {
    let spec = v.to_str().ok()?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            len - 1
        } else {
            b.parse::<u64>().ok()?.min(len - 1)
        };
        (start, end)
    };
    (start <= end && start < len).then_some((start, end))
}

fn unsatisfiable(len: u64) -> Response<Body> {
    let mut res = plain(StatusCode::RANGE_NOT_SATISFIABLE, "");
    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
        res.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    res
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut res = Response::new(Body::from(text));
    *res.status_mut() = status;
    if !text.is_empty() {
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    res
}

fn http_date(t: Option<SystemTime>) -> HeaderValue {
    let t = t.unwrap_or(SystemTime::UNIX_EPOCH);
    HeaderValue::from_str(&httpdate::fmt_http_date(t))
        .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
}

/// Content type by extension, with a charset for text.
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "md" => "text/markdown; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "wasm" => "application/wasm",
        "xml" => "application/xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => mime_guess::from_ext(&ext)
            .first_raw()
            .unwrap_or("application/octet-stream"),
    }
}

fn is_compressible(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime.starts_with("application/json")
        || mime.starts_with("application/wasm")
        || mime.starts_with("application/xml")
        || mime.starts_with("image/svg")
        || mime == "application/octet-stream"
}

fn compress(body: &[u8], enc: Encoding) -> Bytes {
    let mut out = Vec::with_capacity(body.len() / 3 + 64);
    let ok = match enc {
        Encoding::Br => {
            let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, 22);
            let ok = w.write_all(body).is_ok() && w.flush().is_ok();
            drop(w);
            ok
        }
        Encoding::Gzip => {
            let mut w = flate2::write::GzEncoder::new(&mut out, flate2::Compression::new(9));
            w.write_all(body).is_ok() && w.finish().is_ok()
        }
    };
    if ok {
        Bytes::from(out)
    } else {
        Bytes::copy_from_slice(body)
    }
}

/// FNV-1a over the body: a strong-enough validator for an ETag (the site's
/// files change as a whole, and a collision only costs a stale reload).
fn fnv1a(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A tower service over [`SiteFiles`], for a router's fallback.
#[derive(Clone)]
pub struct FilesService(pub Arc<SiteFiles>);

impl tower::Service<Request<Body>> for FilesService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Response<Body>, Infallible>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let files = self.0.clone();
        Box::pin(async move { Ok(files.respond(req).await) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_could_leave_the_root_are_refused() {
        for p in [
            "/../x",
            "/a/../../x",
            "/%2e%2e/x",
            "/%2E%2E%2Fx",
            "/a%5c..%5cx",
            "/a%00",
            "/c:/x",
            "/%ff",
            "/%2",
        ] {
            assert_eq!(relative_path(p), None, "{p}");
        }
        assert_eq!(relative_path("//etc/passwd").as_deref(), Some("etc/passwd"));
        assert_eq!(relative_path("/a/./b/").as_deref(), Some("a/b/"));
        assert_eq!(relative_path("/").as_deref(), Some(""));
        assert_eq!(relative_path("/a%20b.html").as_deref(), Some("a b.html"));
    }

    #[test]
    fn encodings_follow_accept_encoding() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            preferred_encoding(&m)
        };
        assert_eq!(h("gzip, deflate, br"), Some(Encoding::Br));
        assert_eq!(h("gzip"), Some(Encoding::Gzip));
        assert_eq!(h("br;q=0, gzip"), Some(Encoding::Gzip));
        assert_eq!(h("identity"), None);
        assert_eq!(preferred_encoding(&HeaderMap::new()), None);
    }

    #[test]
    fn ranges() {
        let r = |v: &str, len| parse_range(&HeaderValue::from_str(v).unwrap(), len);
        assert_eq!(r("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(r("bytes=90-", 100), Some((90, 99)));
        assert_eq!(r("bytes=-10", 100), Some((90, 99)));
        assert_eq!(r("bytes=95-200", 100), Some((95, 99)));
        assert_eq!(r("bytes=100-", 100), None);
        assert_eq!(r("bytes=0-1,5-6", 100), None);
        assert_eq!(r("items=0-1", 100), None);
    }
}
