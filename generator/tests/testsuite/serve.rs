//! The static server, over real TCP with raw HTTP/1.1 requests (so paths are
//! sent exactly as written, `..` included).

use crate::util::TestSite;
use mcdewey::serve::{self, ServeOptions};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A server on 127.0.0.1, port 0, in a thread of its own. The router is
/// made once the port is bound, so it can name its own address.
pub fn start(
    site: &std::path::Path,
    make_router: impl FnOnce(&ServeOptions, SocketAddr) -> axum::Router + Send + 'static,
) -> Server {
    let opts = ServeOptions {
        site: site.to_path_buf(),
        addr: "127.0.0.1:0".parse().unwrap(),
        base_path: serve::site_base_path(site).unwrap(),
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let for_router = opts.clone();
        rt.block_on(serve::run_with(
            opts,
            move |addr| make_router(&for_router, addr),
            move |a| addr_tx.send(a).unwrap(),
            async {
                let _ = rx.await;
            },
        ))
        .unwrap();
    });
    Server {
        addr: addr_rx.recv().unwrap(),
        stop: Some(tx),
        thread: Some(thread),
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

/// Sends one raw request (`Connection: close`) and parses the response.
pub fn raw(addr: SocketAddr, request: &str) -> Response {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    parse_response(&buf)
}

/// Parses raw HTTP/1.1 response bytes, decoding a chunked body.
pub fn parse_response(buf: &[u8]) -> Response {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let mut body = buf[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
    out
}

pub fn get(addr: SocketAddr, path: &str, extra: &str) -> Response {
    raw(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n"),
    )
}

fn site() -> TestSite {
    let site = TestSite::new()
        .file(
            "p/1.0/s/doc.md",
            "# Doc\n\nSome text about recording calls.\n",
        )
        .file("p/1.0/s/secret.md", "# S\n\nx\n");
    site.build();
    std::fs::write(site.out().join("_static/engine.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(site.dir.path().join("outside.txt"), "TOP SECRET").unwrap();
    site
}

#[test]
fn serves_files_with_types_and_cache_headers() {
    let site = site();
    let server = start(&site.out(), |o, _| serve::static_router(o));
    let r = get(server.addr, "/index.html", "");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert!(r.text().contains("Multi-vendor documentation library"));
    // One validator per response; ranges advertised for what is sent as is.
    assert!(r.header("etag").is_some());
    assert_eq!(r.header("last-modified"), None);
    assert_eq!(r.header("accept-ranges"), None);
    let r = get(server.addr, "/_static/engine.wasm", "");
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    assert_eq!(r.header("cache-control"), Some("public, max-age=3600"));
    let r = get(server.addr, "/p/1.0/s/doc/p/1.md", "");
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/markdown"),
        "{:?}",
        r.headers
    );
    // Directory URLs serve their index.html.
    assert_eq!(get(server.addr, "/p/1.0/s/doc/", "").status, 200);
}

#[test]
fn compresses_on_the_fly() {
    let site = site();
    let server = start(&site.out(), |o, _| serve::static_router(o));
    let r = get(
        server.addr,
        "/_static/style.css",
        "Accept-Encoding: gzip\r\n",
    );
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    let r = get(server.addr, "/_static/style.css", "Accept-Encoding: br\r\n");
    assert_eq!(r.header("content-encoding"), Some("br"));
    let r = get(server.addr, "/_static/style.css", "");
    assert_eq!(r.header("content-encoding"), None);
}

#[test]
fn sends_the_precompressed_forms_beside_a_file_when_they_match_it() {
    let site = site();
    let out = site.out();
    let unzip = |b: &[u8]| {
        let mut v = Vec::new();
        flate2::read::GzDecoder::new(b).read_to_end(&mut v).unwrap();
        v
    };
    let unbrotli = |b: &[u8]| {
        let mut v = Vec::new();
        brotli::Decompressor::new(b, 4096)
            .read_to_end(&mut v)
            .unwrap();
        v
    };
    // A text file with a stale .gz (another text) and a .br that decodes to
    // more than the file (cut off, so ignored too).
    let text: String = (0..3000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(out.join("_static/big.txt"), &text).unwrap();
    let mut stale = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    stale.write_all(b"an older version of the file").unwrap();
    std::fs::write(out.join("_static/big.txt.gz"), stale.finish().unwrap()).unwrap();
    let mut longer = Vec::new();
    let doubled = format!("{text}{text}");
    brotli::BrotliCompress(&mut doubled.as_bytes(), &mut longer, &Default::default()).unwrap();
    std::fs::write(out.join("_static/big.txt.br"), &longer).unwrap();

    let server = start(&out, |o, _| serve::static_router(o));
    // Every build writes the engine's forms; they are sent as they are.
    let engine = "_static/engine/mcdewey_search_wasm_bg.wasm";
    let wasm = std::fs::read(out.join(engine)).unwrap();
    for (enc, ext) in [("br", "br"), ("gzip", "gz")] {
        let r = get(
            server.addr,
            &format!("/{engine}"),
            &format!("Accept-Encoding: {enc}\r\n"),
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-encoding"), Some(enc));
        let packed = std::fs::read(out.join(format!("{engine}.{ext}"))).unwrap();
        assert!(r.body == packed, "{enc}: not the precompressed form");
    }
    assert_eq!(
        unbrotli(&std::fs::read(out.join(format!("{engine}.br"))).unwrap()),
        wasm
    );
    assert_eq!(
        unzip(&std::fs::read(out.join(format!("{engine}.gz"))).unwrap()),
        wasm
    );
    // Forms that do not decode to the file are not sent: the server
    // compresses the file itself.
    let r = get(server.addr, "/_static/big.txt", "Accept-Encoding: gzip\r\n");
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(unzip(&r.body), text.as_bytes());
    let r = get(server.addr, "/_static/big.txt", "Accept-Encoding: br\r\n");
    assert_eq!(r.header("content-encoding"), Some("br"));
    assert_eq!(unbrotli(&r.body), text.as_bytes());
}

#[test]
fn missing_files_get_the_404_page() {
    let site = site();
    let server = start(&site.out(), |o, _| serve::static_router(o));
    let r = get(server.addr, "/no/such/page.html", "");
    assert_eq!(r.status, 404);
    assert!(r.text().contains("Not found"), "{}", r.text());
}

#[test]
fn no_directory_traversal() {
    let site = site();
    let server = start(&site.out(), |o, _| serve::static_router(o));
    for path in [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/_static/../../outside.txt",
        "/_static/%2e%2e/%2e%2e/outside.txt",
        "/..%2foutside.txt",
        "/%2e%2e%5coutside.txt",
        "//etc/passwd",
        "/../../../../../../etc/passwd",
    ] {
        let r = get(server.addr, path, "");
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.text().contains("TOP SECRET"), "{path} leaked");
        assert!(!r.text().contains("root:"), "{path} leaked");
    }
}

#[test]
fn serves_under_the_base_path() {
    let mut site = TestSite::new().file("p/1.0/s/doc.md", "# Doc\n\nText.\n");
    site.config.base_path = "/docs/".into();
    site.build();
    let server = start(&site.out(), |o, _| serve::static_router(o));
    assert_eq!(get(server.addr, "/docs/index.html", "").status, 200);
    assert_eq!(get(server.addr, "/index.html", "").status, 404);
}
