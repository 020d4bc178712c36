//! `serve` under hostile input: links out of the site, security headers,
//! compressed and conditional responses, oversized and flooding searches,
//! clients that go away, malformed calls, a damaged index, and `search`
//! into a closed pipe.

use crate::serve::{get, parse_response, start, Response};
use crate::util::TestSite;
use mcdewey::serve::library::Library;
use mcdewey::serve::mcp::{self, limits, pool::Pool, HttpOptions};
use mcdewey::serve::{self as server};
use serde_json::{json, Value};
use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "TOP SECRET 7f3a";

fn site() -> TestSite {
    let site = TestSite::new()
        .file(
            "p/1.0/s/doc.md",
            "# Doc\n\nSome text about recording calls.\n\n## More\n\nThe recorder keeps a log of every session.\n",
        )
        .file("p/1.0/s/other.md", "# Other\n\nDiagnostics bundles.\n");
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    std::fs::write(site.dir.path().join("outside.txt"), SECRET).unwrap();
    let dir = site.dir.path().join("secret-dir");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), SECRET).unwrap();
    std::fs::write(dir.join("a.html"), SECRET).unwrap();
    site
}

fn with_mcp(site: &Path, pool: Option<Arc<Pool>>) -> crate::serve::Server {
    let lib = Arc::new(Library::load(site).expect("site loads"));
    crate::serve::start(site, move |opts, addr| {
        let mut http = HttpOptions::for_addr(addr, &[], &[]);
        http.cache_entries = 0;
        if let Some(p) = pool {
            http.pool = p;
        }
        server::static_router(opts).merge(mcp::router(lib, &http))
    })
}

#[cfg(unix)]
#[test]
fn links_leading_out_of_the_site_are_not_served() {
    use std::os::unix::fs::symlink;
    let site = site();
    let out = site.out();
    let outside = site.dir.path().join("outside.txt");
    symlink(&outside, out.join("leak.txt")).unwrap();
    symlink("../outside.txt", out.join("rel-leak.txt")).unwrap();
    symlink(site.dir.path().join("secret-dir"), out.join("leakdir")).unwrap();
    symlink(&outside, out.join("_static/leak.css")).unwrap();
    symlink("/etc/passwd", out.join("passwd")).unwrap();
    // A link that stays inside the site is fine.
    symlink("index.html", out.join("home.html")).unwrap();
    let server = start(&out, |o, _| server::static_router(o));
    for path in [
        "/leak.txt",
        "/rel-leak.txt",
        "/leakdir/",
        "/leakdir/a.html",
        "/leakdir/index.html",
        "/_static/leak.css",
        "/passwd",
        "/%6c%65%61%6b.txt",
    ] {
        for enc in ["", "Accept-Encoding: br, gzip\r\n"] {
            let r = get(server.addr, path, enc);
            assert_eq!(r.status, 404, "{path}");
            assert!(!r.text().contains(SECRET), "{path} leaked");
            assert!(!r.text().contains("root:"), "{path} leaked");
        }
    }
    let r = get(server.addr, "/home.html", "");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Multi-vendor documentation library"));

    // A file served (and cached) once, then swapped for a link out.
    let page = "p/1.0/s/doc/p/1.md";
    assert_eq!(get(server.addr, &format!("/{page}"), "").status, 200);
    std::fs::remove_file(out.join(page)).unwrap();
    symlink(&outside, out.join(page)).unwrap();
    let r = get(server.addr, &format!("/{page}"), "");
    assert_eq!(r.status, 404);
    assert!(!r.text().contains(SECRET));
}

#[test]
fn traversal_stays_refused() {
    let site = site();
    let server = start(&site.out(), |o, _| server::static_router(o));
    for path in [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2E%2E%2Foutside.txt",
        "/_static/%2e%2e/%2e%2e/outside.txt",
        "/..%2foutside.txt",
        "/%2e%2e%5coutside.txt",
        "/..%5c..%5coutside.txt",
        "/.%2e/outside.txt",
        "/%252e%252e/outside.txt",
        "/%c0%ae%c0%ae/outside.txt",
        "/index.html%00.txt",
        "//etc/passwd",
        "/../../../../../../etc/passwd",
    ] {
        let r = get(server.addr, path, "");
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.text().contains(SECRET), "{path} leaked");
        assert!(!r.text().contains("root:"), "{path} leaked");
    }
}

#[test]
fn files_come_compressed_with_validators() {
    let site = site();
    let server = start(&site.out(), |o, _| server::static_router(o));
    let plain = get(server.addr, "/_static/style.css", "");
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.body.len() > 1000);
    let br = get(
        server.addr,
        "/_static/style.css",
        "Accept-Encoding: gzip, br\r\n",
    );
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.header("vary"), Some("accept-encoding"));
    assert!(br.body.len() < plain.body.len());
    let mut unbr = Vec::new();
    brotli::Decompressor::new(&br.body[..], 4096)
        .read_to_end(&mut unbr)
        .unwrap();
    assert_eq!(unbr, plain.body);
    let gz = get(
        server.addr,
        "/_static/style.css",
        "Accept-Encoding: gzip\r\n",
    );
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let mut ungz = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut ungz)
        .unwrap();
    assert_eq!(ungz, plain.body);
    let refused = get(
        server.addr,
        "/_static/style.css",
        "Accept-Encoding: br;q=0\r\n",
    );
    assert_eq!(refused.header("content-encoding"), None);

    // Validators, HEAD and ranges.
    let etag = plain.header("etag").expect("etag").to_string();
    let r = get(
        server.addr,
        "/_static/style.css",
        &format!("If-None-Match: {etag}\r\n"),
    );
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    let r = crate::serve::raw(
        server.addr,
        "HEAD /_static/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-length"),
        Some(plain.body.len().to_string().as_str())
    );
    let r = get(server.addr, "/_static/style.css", "Range: bytes=0-9\r\n");
    assert_eq!(r.status, 206);
    assert_eq!(r.body, plain.body[..10]);
    let r = get(
        server.addr,
        "/_static/style.css",
        "Range: bytes=999999-\r\n",
    );
    assert_eq!(r.status, 416);

    // A rebuilt file is served as it is now, not as cached.
    let page = site.out().join("p/1.0/s/doc/p/1.md");
    let before = get(server.addr, "/p/1.0/s/doc/p/1.md", "");
    assert_eq!(before.status, 200);
    std::fs::write(&page, "changed since the first request\n").unwrap();
    let after = get(server.addr, "/p/1.0/s/doc/p/1.md", "");
    assert_eq!(after.text(), "changed since the first request\n");
    // Directories: index.html, and a redirect to the slash form.
    assert_eq!(get(server.addr, "/p/1.0/s/doc/", "").status, 200);
    let r = get(server.addr, "/p/1.0/s/doc", "");
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("/p/1.0/s/doc/"));
    let r = crate::serve::raw(
        server.addr,
        "DELETE /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 405);
}

#[test]
fn security_headers_on_files_and_mcp() {
    let site = site();
    let home = site.read("index.html");
    let policy = server::meta_csp(&home).expect("the page has a CSP meta tag");
    assert!(policy.contains("default-src 'self'"), "{policy}");
    let http = with_mcp(&site.out(), None);
    // Whatever a browser can run as a page or a worker carries the policy;
    // data it can only read (index files, the engine, JSON, CSS) does not
    // need it. Every response is `nosniff`.
    let check = |what: &str, r: &Response, policy_sent: bool| {
        assert_eq!(
            r.header("content-security-policy"),
            policy_sent.then_some(policy.as_str()),
            "{what}"
        );
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
    };
    check("page", &get(http.addr, "/index.html", ""), true);
    check("404", &get(http.addr, "/no/such.html", ""), true);
    check(
        "worker",
        &get(http.addr, "/_static/search-worker.js", ""),
        true,
    );
    check("svg", &get(http.addr, "/_static/favicon.svg", ""), true);
    check("css", &get(http.addr, "/_static/style.css", ""), false);
    check(
        "index file",
        &get(http.addr, "/_search/manifest.bin", ""),
        false,
    );
    check(
        "engine",
        &get(http.addr, "/_static/engine/mcdewey_search_wasm_bg.wasm", ""),
        false,
    );
    check("mcp", &rpc(http.addr, INIT), false);
    check(
        "mcp 405",
        &crate::serve::raw(
            http.addr,
            "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n",
        ),
        false,
    );
}

#[test]
fn the_default_policy_is_the_themes() {
    let base = include_str!("../../../themes/default/templates/base.html");
    assert_eq!(
        server::meta_csp(base).as_deref(),
        Some(server::default_csp())
    );
    // A site page without the tag gets the default theme's policy.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<html></html>").unwrap();
    assert_eq!(server::site_csp(dir.path()), server::default_csp());
}

// ---------------------------------------------------------------- /mcp

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;

fn request(addr: SocketAddr, body: &str) -> Vec<u8> {
    let mut req = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        addr.port(),
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body.as_bytes());
    req
}

fn rpc(addr: SocketAddr, body: &str) -> Response {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let _ = s.write_all(&request(addr, body));
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse_response(&buf)
}

fn search_call(query: &str) -> String {
    json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search","arguments":{"query":query}}})
        .to_string()
}

fn json_of(r: &Response) -> Value {
    serde_json::from_str(&r.text()).unwrap_or_else(|_| panic!("{}: {}", r.status, r.text()))
}

/// A query at both limits: the most characters and the most words.
fn max_query() -> String {
    let words = ["recording", "session", "diagnostics", "recorder"];
    let mut q = String::new();
    for i in 0..limits::MAX_QUERY_WORDS {
        if !q.is_empty() {
            q.push(' ');
        }
        q.push_str(words[i % words.len()]);
        q.push_str(&"x".repeat(i % 3));
    }
    let pad = limits::MAX_QUERY_CHARS - q.chars().count();
    q.push_str(&" ".repeat(pad));
    assert_eq!(q.chars().count(), limits::MAX_QUERY_CHARS);
    q
}

#[test]
fn oversized_queries_get_a_clear_error() {
    let site = site();
    let http = with_mcp(&site.out(), None);
    // 80,000 words (630 KB, under the body limit).
    let huge = vec!["recording"; 80_000].join(" ");
    let big = ["recording"; 70].join(" ");
    for (query, says) in [
        (huge.as_str(), "too long"),
        (big.as_str(), "too many words"),
    ] {
        let r = rpc(http.addr, &search_call(query));
        assert_eq!(r.status, 200, "{}", r.text());
        let v = json_of(&r);
        assert_eq!(v["result"]["isError"], true, "{v}");
        let text = v["result"]["content"][0]["text"].as_str().unwrap_or("");
        assert!(text.contains(says), "{text}");
    }
    // At the limits a search runs.
    let r = rpc(http.addr, &search_call(&max_query()));
    let v = json_of(&r);
    assert_ne!(v["result"]["isError"], true, "{v}");
    assert!(v["result"]["structuredContent"]["total"].as_u64().unwrap() > 0);
}

#[test]
fn a_flood_of_maximum_queries_leaves_static_files_answering() {
    let site = site();
    let http = with_mcp(&site.out(), None);
    let addr = http.addr;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let body = search_call(&max_query());
    let flooders: Vec<_> = (0..8)
        .map(|_| {
            let (stop, answered) = (stop.clone(), answered.clone());
            let body = body.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let r = rpc(addr, &body);
                    assert_eq!(r.status, 200, "{}", r.text());
                    assert_ne!(json_of(&r)["result"]["isError"], true);
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let page = site.read("index.html");
    // Static files keep answering for as long as the flood lasts: at least
    // 50 of them, and until the flood has answered a search per thread (a
    // loaded machine may take longer for its first searches than for 50
    // files).
    let mut files = 0;
    let started = Instant::now();
    while files < 50
        || (answered.load(Ordering::Relaxed) < 8 && started.elapsed() < Duration::from_secs(120))
    {
        let r = get(addr, "/index.html", "");
        assert_eq!(r.status, 200);
        assert_eq!(r.text(), page);
        files += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for t in flooders {
        t.join().unwrap();
    }
    assert!(answered.load(Ordering::Relaxed) >= 8, "the flood ran");
}

#[test]
fn a_client_that_goes_away_cancels_its_call() {
    let site = site();
    let pool = Arc::new(Pool::new(1, Duration::from_secs(60)));
    let http = with_mcp(&site.out(), Some(pool.clone()));
    // Keep the only slot busy so the call waits, then hang up.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let busy = rt.block_on(pool.hold());
    let mut s = TcpStream::connect(http.addr).unwrap();
    s.write_all(&request(http.addr, &search_call("recording")))
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(s);
    let deadline = Instant::now() + Duration::from_secs(30);
    while pool.stats().cancelled.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the call was not cancelled");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(busy);
    // The slot is free for the next call, and the abandoned one never ran.
    let r = rpc(http.addr, &search_call("recording"));
    assert_ne!(json_of(&r)["result"]["isError"], true);
    assert_eq!(pool.stats().started.load(Ordering::SeqCst), 1);
}

#[test]
fn a_call_over_its_budget_gets_a_tool_error() {
    let site = site();
    let pool = Arc::new(Pool::new(1, Duration::from_millis(300)));
    let http = with_mcp(&site.out(), Some(pool.clone()));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let busy = rt.block_on(pool.hold());
    let r = rpc(http.addr, &search_call("recording"));
    drop(busy);
    let v = json_of(&r);
    assert_eq!(v["result"]["isError"], true, "{v}");
    let text = v["result"]["content"][0]["text"].as_str().unwrap_or("");
    assert!(text.contains("longer than"), "{text}");
    assert_eq!(pool.stats().over_budget.load(Ordering::SeqCst), 1);
}

#[test]
fn tools_call_with_a_malformed_name_is_invalid_params() {
    let site = site();
    let http = with_mcp(&site.out(), None);
    for name in [json!(5), json!(null), json!({"a": 1}), json!(["search"])] {
        let body = json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":name,"arguments":{}}});
        let v = json_of(&rpc(http.addr, &body.to_string()));
        assert_eq!(v["error"]["code"], -32602, "{name}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("tools/call"),
            "{v}"
        );
    }
    let body = json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"arguments":{}}});
    assert_eq!(
        json_of(&rpc(http.addr, &body.to_string()))["error"]["code"],
        -32602
    );
    // An unknown method is still method-not-found.
    let body = json!({"jsonrpc":"2.0","id":5,"method":"no/such","params":{}});
    assert_eq!(
        json_of(&rpc(http.addr, &body.to_string()))["error"]["code"],
        -32601
    );
}

// ---------------------------------------------------------------- the binary

fn mcdewey() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_mcdewey"))
}

/// Kills the server when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_damaged_index_makes_mcp_say_why() {
    let site = site();
    let manifest = site
        .out()
        .join(mcdewey::site::SEARCH_DIR)
        .join(mcdewey_search_core::MANIFEST_PATH);
    std::fs::write(&manifest, b"not an index at all").unwrap();
    let mut child = Child(
        mcdewey()
            .arg("serve")
            .arg(site.out())
            .args(["--port", "0"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut err = std::io::BufReader::new(child.0.stderr.take().unwrap());
    let mut said = String::new();
    let addr: SocketAddr = loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "serve exited: {said}"
        );
        said.push_str(&line);
        if let Some(rest) = line.split("http://").nth(1) {
            if line.starts_with("Serving") {
                break rest.split('/').next().unwrap().parse().unwrap();
            }
        }
    };
    assert!(said.contains("/mcp is unavailable"), "{said}");
    assert!(
        said.contains("manifest.bin: not a McDewey index file"),
        "{said}"
    );
    assert_eq!(get(addr, "/index.html", "").status, 200);
    let r = rpc(addr, INIT);
    assert_eq!(r.status, 503, "{}", r.text());
    let v = json_of(&r);
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("cannot be read"), "{message}");
    assert!(
        message.contains("manifest.bin: not a McDewey index file"),
        "{message}"
    );
}

#[test]
fn search_into_a_closed_pipe_exits_quietly() {
    // Enough matching chunks that the output overflows a pipe's buffer.
    let mut site = TestSite::new();
    for d in 0..30 {
        let mut text = format!("# Doc {d}\n\n");
        for s in 0..40 {
            text.push_str(&format!(
                "## Section {s}\n\nThe recorder keeps recording session {d}-{s} with its diagnostics.\n\n"
            ));
        }
        site = site.file(&format!("p/1.0/s/doc{d}.md"), &text);
    }
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    let mut child = mcdewey()
        .arg("search")
        .arg(site.out())
        .arg("recorder session")
        .args(["--limit", "1000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, as `head -1` does, then close the pipe.
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.contains("results"), "{first}");
    drop(out);
    let done = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn oversized_headers_are_431() {
    let site = site();
    let http = with_mcp(&site.out(), None);
    let mut many = String::new();
    for i in 0..200 {
        many.push_str(&format!("X-Filler-{i}: {}\r\n", "y".repeat(20)));
    }
    let r = crate::serve::raw(
        http.addr,
        &format!("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n{many}Connection: close\r\n\r\n"),
    );
    assert_eq!(r.status, 431);
    let big = format!("X-Big: {}\r\n", "z".repeat(512 * 1024));
    let mut s = TcpStream::connect(http.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ =
        s.write_all(format!("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n{big}\r\n").as_bytes());
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(buf.is_empty() || parse_response(&buf).status == 431);
    // Still serving.
    assert_eq!(get(http.addr, "/index.html", "").status, 200);
}
