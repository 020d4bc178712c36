//! `/mcp` reading the site on demand: the same answers as the server that
//! loads everything, a cache that stays within its bound, a remote origin
//! (a real HTTP server on 127.0.0.1, behind a switchable TCP relay) that
//! fails, hangs or is rebuilt mid-query, and two replicas behind nginx.

use crate::mcp::{self as fixture, eras, http_client, ok};
use crate::util::TestSite;
use mcdewey::serve as server;
use mcdewey::serve::library::{Library, Limits, Live};
use mcdewey::serve::mcp::{self, HttpOptions, McpServer};
use mcdewey::serve::source::{HttpSettings, Source};
use rmcp::model::CallToolResult;
use rmcp::ClientServiceExt;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tool calls covering every tool, with cursors.
fn calls() -> Vec<(&'static str, Value)> {
    vec![
        ("search", json!({"query": "recording", "limit": 1})),
        (
            "search",
            json!({"query": "recorder refused session", "version": "2.0"}),
        ),
        ("search", json!({"query": "recordng"})),
        ("search", json!({"query": "\"diagnostics bundle\""})),
        (
            "search",
            json!({"query": "sessions", "document": fixture::ADMIN}),
        ),
        ("search", json!({"query": "archives"})),
        ("fetch", json!({"id": format!("{}::2", fixture::ADMIN)})),
        ("fetch", json!({"id": format!("{}::p2", fixture::ADMIN)})),
        (
            "read_page",
            json!({"document": fixture::ADMIN, "page": 2, "neighbors": 1}),
        ),
        ("get_outline", json!({"document": fixture::OLD_ADMIN})),
        ("list_library", json!({})),
    ]
}

fn structured(r: &CallToolResult) -> Value {
    assert_ne!(r.is_error, Some(true), "{}", fixture::text(r));
    r.structured_content.clone().expect("structuredContent")
}

/// Runs `calls` and, for every answer with a cursor, the next page too.
fn answers(server: &McpServer) -> Vec<Value> {
    let mut out = Vec::new();
    for (tool, args) in calls() {
        let Value::Object(mut args) = args else {
            unreachable!()
        };
        loop {
            let r = structured(&server.call(tool, args.clone()).expect("a tool"));
            let next = r
                .get("next_cursor")
                .and_then(Value::as_str)
                .map(str::to_string);
            out.push(r);
            match next {
                Some(c) => {
                    args.insert("cursor".into(), Value::String(c));
                }
                None => break,
            }
        }
    }
    out
}

fn on_demand(site: &Path, limits: Limits) -> Arc<Library> {
    let live = Live::open(
        Arc::new(Source::local(site)),
        limits,
        Duration::from_secs(3600),
    )
    .expect("site opens");
    live.current().unwrap()
}

#[test]
fn on_demand_answers_equal_the_load_everything_answers() {
    let site = fixture::site();
    let everything = answers(&McpServer::new(Arc::new(Library::load(&site).unwrap()), 0));
    assert!(everything.len() > calls().len(), "a cursor was followed");
    // Unbounded, and so small that every query evicts the files of the
    // one before: the answers (ids, scores, cursors) are the same.
    for limits in [
        Limits::unbounded(),
        Limits {
            index_bytes: 1,
            doc_bytes: 1,
        },
    ] {
        let lib = on_demand(&site, limits);
        assert_eq!(lib.reads(), 0, "nothing is read before a query needs it");
        let got = answers(&McpServer::new(lib.clone(), 0));
        assert_eq!(got, everything, "limits {limits:?}");
        assert!(lib.reads() > 0);
    }
}

/// A library of many documents with words of their own, so its index has
/// many term shards.
fn wide_site(extra: bool) -> TestSite {
    let mut site = TestSite::new().file(
        "wide/product.toml",
        "vendor = \"Wide\"\nname = \"Wide\"\nversions = [\"1\"]\n\n[doc_sets]\nref = \"Reference\"\n",
    );
    for d in 0..120 {
        let words: Vec<String> = (0..60)
            .map(|w| format!("{}{d}q{w}", word(d * 7 + w)))
            .collect();
        site = site.file(
            &format!("wide/1/ref/doc{d}.md"),
            &format!(
                "---\ntitle: Document {d}\n---\n# Document {d}\n\n{}\n\n## More\n\n{}\n",
                words[..30].join(" "),
                words[30..].join(" ")
            ),
        );
    }
    if extra {
        site = site.file(
            "wide/1/ref/extra.md",
            "---\ntitle: Extra\n---\n# Extra\n\nThe zephyr calibration procedure.\n",
        );
    }
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    site
}

/// The word of document `d` at position `k`.
fn wide_word(d: usize, k: usize) -> String {
    format!("{}{d}q{k}", word(d * 7 + k))
}

/// Letters that spread terms over the alphabet (and so over shards).
fn word(n: usize) -> String {
    let a = b'a' + (n % 26) as u8;
    let b = b'a' + (n / 26 % 26) as u8;
    format!("{}{}z", a as char, b as char)
}

fn dir_bytes(dir: &Path) -> (u64, u64, usize) {
    let (mut total, mut largest, mut n) = (0, 0, 0);
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            let (t, l, k) = dir_bytes(&e.path());
            total += t;
            largest = largest.max(l);
            n += k;
        } else {
            let len = e.metadata().unwrap().len();
            total += len;
            largest = largest.max(len);
            n += 1;
        }
    }
    (total, largest, n)
}

#[test]
fn the_cache_bound_holds_under_a_query_mix_larger_than_the_cache() {
    let site = wide_site(false);
    let (terms, _, shards) = dir_bytes(&site.out().join("_search/t"));
    let largest = ["t", "p", "e", "v"]
        .iter()
        .map(|d| site.out().join("_search").join(d))
        .filter(|d| d.is_dir())
        .map(|d| dir_bytes(&d).1)
        .max()
        .unwrap();
    assert!(shards >= 8, "the fixture spreads over shards ({shards})");
    let limit = (terms / 4) as usize;
    let lib = on_demand(
        &site.out(),
        Limits {
            index_bytes: limit,
            doc_bytes: 4096,
        },
    );
    let everything = Library::load(&site.out()).unwrap();
    let mut queries: Vec<String> = (0..120).map(|d| wide_word(d, 3)).collect();
    queries.extend(
        (0..120)
            .step_by(7)
            .map(|d| format!("{} missing", wide_word(d, 5))),
    );
    let mut peak = 0;
    for q in &queries {
        let q = mcdewey_search_core::parse_query(q, mcdewey_search_core::Filters::default());
        let (got, _) = lib.search_with_terms(&q).unwrap();
        let (want, _) = everything.search_with_terms(&q).unwrap();
        assert_eq!(got.hits, want.hits, "{q:?}");
        let (index, docs) = lib.cached_bytes();
        peak = peak.max(index);
        // Within the bound plus the files of the query just answered
        // (kept until the next one needs room); a one-word query reads a
        // term shard and at most a few for its typo candidates.
        assert!(
            index <= limit + 4 * largest as usize,
            "{index} bytes cached, bound {limit}"
        );
        assert!(docs <= 4096);
    }
    // The mix needs more than the bound: files were read again after
    // eviction, so the bound was really applied.
    assert!(lib.reads() as usize > shards, "{} reads", lib.reads());
    // A query answered a moment ago finds its files still there.
    let hot =
        mcdewey_search_core::parse_query(&queries[5], mcdewey_search_core::Filters::default());
    lib.search_with_terms(&hot).unwrap();
    let before = lib.reads();
    lib.search_with_terms(&hot).unwrap();
    assert_eq!(lib.reads(), before, "hot files stay");
    assert!(peak > 0);
}

/// A library with more term shards than the manifest lists: a query reads
/// directory blocks of the shard table first, then their shards, and the
/// on-demand answers (exact words, a typo, a prefix) are those of the
/// server that loads everything, even when every query evicts the last.
#[test]
fn a_shard_table_in_two_levels_is_read_on_demand() {
    let mut site = TestSite::new().file(
        "deep/product.toml",
        "vendor = \"Deep\"\nname = \"Deep\"\nversions = [\"1\"]\n\n[doc_sets]\nref = \"Reference\"\n",
    );
    for d in 0..250 {
        let words: Vec<String> = (0..400).map(|w| wide_word(d, w)).collect();
        site = site.file(
            &format!("deep/1/ref/doc{d}.md"),
            &format!(
                "---\ntitle: Page {d}\n---\n# Page {d}\n\n{}\n",
                words.join(" ")
            ),
        );
    }
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    let (_, _, dirs) = dir_bytes(&site.out().join("_search/s"));
    assert!(dirs >= 2, "the fixture needs directory blocks ({dirs})");
    let everything = Library::load(&site.out()).unwrap();
    let mut queries: Vec<mcdewey_search_core::Query> = (0..250)
        .step_by(13)
        .map(|d| {
            mcdewey_search_core::parse_query(
                &wide_word(d, d % 400),
                mcdewey_search_core::Filters::default(),
            )
        })
        .collect();
    // A typo (one letter dropped) and a word being typed.
    let typo = wide_word(40, 17).replacen('q', "", 1);
    queries.push(mcdewey_search_core::parse_query(
        &typo,
        mcdewey_search_core::Filters::default(),
    ));
    let typed = wide_word(90, 300);
    queries.push(
        mcdewey_search_core::parse_query(
            &typed[..typed.len() - 2],
            mcdewey_search_core::Filters::default(),
        )
        .with_prefix(true),
    );
    for limits in [
        Limits::unbounded(),
        Limits {
            index_bytes: 1,
            doc_bytes: 1,
        },
    ] {
        let lib = on_demand(&site.out(), limits);
        for q in &queries {
            let (got, _) = lib.search_with_terms(q).unwrap();
            let (want, _) = everything.search_with_terms(q).unwrap();
            assert!(!want.hits.is_empty(), "{q:?}");
            assert_eq!(got.hits, want.hits, "{q:?}");
        }
        assert!(lib.reads() > 0);
    }
}

// ------------------------------------------------------------ remote origin

const RELAY_A: u8 = 0;
const RELAY_B: u8 = 1;
const REFUSE: u8 = 2;
const HANG: u8 = 3;

/// A TCP relay in front of two origins: forwards to A or B, closes every
/// connection at once, or accepts and never answers. Switching closes the
/// open connections, so pooled keep-alive connections see the change too.
struct Relay {
    addr: SocketAddr,
    mode: Arc<AtomicU8>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(a: SocketAddr, b: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(AtomicU8::new(RELAY_A));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (m, o) = (mode.clone(), open.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let target = match m.load(Ordering::SeqCst) {
                    RELAY_A => a,
                    RELAY_B => b,
                    REFUSE => continue, // dropped: closed at once
                    _ => {
                        o.lock().unwrap().push(conn);
                        continue;
                    }
                };
                let Ok(up) = TcpStream::connect(target) else {
                    continue;
                };
                o.lock().unwrap().push(conn.try_clone().unwrap());
                o.lock().unwrap().push(up.try_clone().unwrap());
                let (mut c1, mut u1) = (conn.try_clone().unwrap(), up.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c1, &mut u1);
                    let _ = u1.shutdown(std::net::Shutdown::Both);
                });
                let (mut c2, mut u2) = (conn, up);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut u2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Relay { addr, mode, open }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

fn static_origin(site: &Path) -> crate::serve::Server {
    crate::serve::start(site, |opts, _| server::static_router(opts))
}

async fn search(client: &fixture::Client, query: &str) -> CallToolResult {
    fixture::call(client, "search", json!({ "query": query })).await
}

fn ids(v: &CallToolResult) -> Vec<String> {
    structured(v)["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

fn expected(lib: &Arc<Library>, query: &str) -> Vec<String> {
    ids(&McpServer::new(lib.clone(), 0)
        .call("search", obj(json!({ "query": query })))
        .unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_origin_that_fails_hangs_or_is_rebuilt_gives_clear_errors_and_recovers() {
    let (a, b) = (wide_site(false), wide_site(true));
    let (origin_a, origin_b) = (static_origin(&a.out()), static_origin(&b.out()));
    let relay = Relay::start(origin_a.addr, origin_b.addr);
    let source = Source::new(
        &format!("http://{}/", relay.addr),
        HttpSettings {
            timeout: Duration::from_millis(800),
            attempts: 2,
            backoff: Duration::from_millis(50),
            extra_roots: None,
        },
    )
    .unwrap();
    // A re-validation interval longer than the test: the rebuild must be
    // noticed from the files themselves.
    let live = Live::open(
        Arc::new(source),
        Limits::default(),
        Duration::from_secs(3600),
    )
    .unwrap();
    let lib_a = Arc::new(Library::load(&a.out()).unwrap());
    let lib_b = Arc::new(Library::load(&b.out()).unwrap());
    let server = crate::serve::start(&a.out(), move |_, addr| {
        mcp::router(live, &HttpOptions::for_addr(addr, &[], &[]))
    });
    let client = http_client(server.addr, "2025-11-25", eras()[0].1.clone()).await;
    // Words of different documents start with different letters, so each
    // query below needs a term shard the ones before did not read.
    let q = |d: usize| wide_word(d, 3);
    assert_eq!(ids(&search(&client, &q(0)).await), expected(&lib_a, &q(0)));

    // The origin refuses connections: a tool error naming the file.
    relay.set(REFUSE);
    let r = search(&client, &q(1)).await;
    assert_eq!(r.is_error, Some(true), "{}", fixture::text(&r));
    let msg = fixture::text(&r);
    assert!(
        msg.contains("cannot fetch http://") && msg.contains("_search/"),
        "{msg}"
    );
    assert!(msg.contains("gave up after 2 attempts"), "{msg}");

    // It accepts and never answers: a timeout, well before the call's
    // own budget.
    relay.set(HANG);
    let started = std::time::Instant::now();
    let r = search(&client, &q(1)).await;
    assert_eq!(r.is_error, Some(true), "{}", fixture::text(&r));
    let msg = fixture::text(&r);
    assert!(msg.contains("timed out"), "{msg}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // Back: the same call answers.
    relay.set(RELAY_A);
    let want = expected(&lib_a, &q(1));
    assert!(!want.is_empty());
    assert_eq!(ids(&search(&client, &q(1)).await), want);

    // Rebuilt mid-flight: the next file read is of another build. The
    // call says so instead of mixing builds; the one after answers from
    // the new build.
    relay.set(RELAY_B);
    let r = search(&client, &q(2)).await;
    assert_eq!(r.is_error, Some(true), "{}", fixture::text(&r));
    assert!(
        fixture::text(&r).contains("rebuilt"),
        "{}",
        fixture::text(&r)
    );
    assert_eq!(ids(&search(&client, &q(2)).await), expected(&lib_b, &q(2)));
    let zephyr = expected(&lib_b, "zephyr calibration");
    assert!(!zephyr.is_empty());
    assert_eq!(ids(&search(&client, "zephyr calibration").await), zephyr);
    assert_eq!(ids(&search(&client, &q(0)).await), expected(&lib_b, &q(0)));
    client.cancel().await.unwrap();
}

fn obj(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

// ------------------------------------------------------------ replicas

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `mcdewey serve --site DIR --port 0`, and the address it printed.
fn replica(site: &Path) -> (Proc, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcdewey"))
        .arg("serve")
        .args(["--site", site.to_str().unwrap(), "--port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .parse()
        .unwrap();
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
    });
    (Proc(child), addr)
}

fn nginx() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// Runs `nginx` in the foreground from `dir` with `http` (the body of its
/// `http` block, which may name `{port}` for the port picked here and
/// `{dir}` for `dir`), and waits until it accepts connections.
fn start_nginx(nginx: &Path, dir: &Path, http: &str) -> (Proc, SocketAddr) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = dir.display().to_string();
    let http = http
        .replace("{port}", &port.to_string())
        .replace("{dir}", &d);
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
           fastcgi_temp_path {d}/fcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
           {http}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let proc = Proc(
        Command::new(nginx)
            .args(["-p", &d, "-c"])
            .arg(dir.join("nginx.conf"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    for _ in 0..100 {
        if TcpStream::connect(addr).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (proc, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_behind_nginx_answer_alike_cursors_included() {
    let Some(nginx) = nginx() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "nginx is missing; scripts/setup.sh installs it"
        );
        eprintln!("skipping: nginx is not installed (apt-get install nginx)");
        return;
    };
    let site = fixture::site();
    let (_r1, a1) = replica(&site);
    let (_r2, a2) = replica(&site);
    let dir = tempfile::tempdir().unwrap();
    let (_proxy, proxy) = start_nginx(
        &nginx,
        dir.path(),
        &format!(
            "log_format up '$request_method $upstream_addr $status';\n  access_log {{dir}}/access.log up;\n\
             upstream mcp {{ server {a1}; server {a2}; keepalive 4; }}\n\
             server {{\n    listen 127.0.0.1:{{port}};\n    location / {{\n      proxy_pass http://mcp;\n\
                 proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      proxy_set_header Host $http_host;\n\
                 proxy_buffering off;\n    }}\n  }}"
        ),
    );
    for (era, mode) in eras() {
        let direct = http_client(a1, era, mode.clone()).await;
        let proxied = http_client(proxy, era, mode).await;
        for (tool, args) in calls() {
            let (mut d_args, mut p_args) = (args.clone(), args);
            // Follow every cursor: the next page is asked of the other
            // replica through the proxy.
            for _ in 0..6 {
                // URLs name the origin the client called.
                let want: Value = serde_json::from_str(
                    &ok(&direct, tool, d_args.clone())
                        .await
                        .to_string()
                        .replace(&format!("http://{a1}"), &format!("http://{proxy}")),
                )
                .unwrap();
                let got = ok(&proxied, tool, p_args.clone()).await;
                assert_eq!(got, want, "{era} {tool} {p_args}");
                let Some(c) = got.get("next_cursor").and_then(Value::as_str) else {
                    break;
                };
                d_args["cursor"] = json!(c);
                p_args["cursor"] = json!(c);
            }
        }
        direct.cancel().await.unwrap();
        proxied.cancel().await.unwrap();
    }
    // Both replicas answered, taking turns.
    let log = std::fs::read_to_string(dir.path().join("access.log")).unwrap();
    let posts: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("POST"))
        .map(|l| l.split(' ').nth(1).unwrap_or(""))
        .collect();
    let (s1, s2) = (a1.to_string(), a2.to_string());
    assert!(posts.iter().filter(|u| **u == s1).count() > 5, "{log}");
    assert!(posts.iter().filter(|u| **u == s2).count() > 5, "{log}");
    let switches = posts.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(switches * 2 >= posts.len(), "requests alternate: {log}");
}

#[test]
fn a_raw_http_write_reaches_the_relay() {
    // The relay itself forwards bytes both ways (a check of the harness).
    let site = fixture::site();
    let origin = static_origin(&site);
    let relay = Relay::start(origin.addr, origin.addr);
    let mut s = TcpStream::connect(relay.addr).unwrap();
    s.write_all(b"GET /library.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));
}

/// `mcdewey mcp http://…`: the stdio server reads a remote site on demand
/// and answers as the load-everything library does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_answers_from_a_remote_site() {
    let site = fixture::site();
    let origin = static_origin(&site);
    let everything = McpServer::new(Arc::new(Library::load(&site).unwrap()), 0);
    for (era, mode) in eras() {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mcdewey"));
        cmd.arg("mcp").arg(format!("http://{}/", origin.addr));
        let transport = rmcp::transport::TokioChildProcess::new(cmd).unwrap();
        let client = fixture::client_config(era)
            .serve_with_lifecycle(transport, mode)
            .await
            .unwrap_or_else(|e| panic!("{era}: {e}"));
        for (tool, args) in calls() {
            // Through JSON text, as the client reads it (floats included).
            let want = structured(&everything.call(tool, obj(args.clone())).unwrap());
            let want: Value = serde_json::from_str(&want.to_string()).unwrap();
            assert_eq!(
                ok(&client, tool, args.clone()).await,
                want,
                "{era} {tool} {args}"
            );
        }
        client.cancel().await.unwrap();
    }
}

/// A server reading the site at `out` on demand, with its live library.
fn local_server(out: &Path) -> (Live, McpServer) {
    let live = Live::open(
        Arc::new(Source::local(out)),
        Limits::default(),
        Duration::from_secs(3600),
    )
    .unwrap();
    let server = McpServer::new(live.clone(), 0);
    (live, server)
}

/// A document that does not match `library.json` (a deploy in progress)
/// fails the call that reads it and marks the library stale; once the file
/// is right again, the next call answers, from a library read afresh.
#[test]
fn a_mismatched_document_fails_its_call_and_the_server_recovers() {
    let site = wide_site(false);
    let (live, server) = local_server(&site.out());
    let path = site.out().join("wide/1/ref/doc7/document.json");
    let good = std::fs::read_to_string(&path).unwrap();
    let mut doc: Value = serde_json::from_str(&good).unwrap();
    for column in doc["chunks"].as_object_mut().unwrap().values_mut() {
        column.as_array_mut().unwrap().pop();
    }
    doc["pages"][0]["chunks"] = json!(doc["pages"][0]["chunks"].as_u64().unwrap() - 1);
    std::fs::write(&path, doc.to_string()).unwrap();
    let args = obj(json!({ "id": "wide::1::ref::doc7::1" }));
    let r = server.call("fetch", args.clone()).unwrap();
    assert_eq!(r.is_error, Some(true));
    let msg = fixture::text(&r);
    assert!(
        msg.contains("doc7/document.json") && msg.contains("does not match library.json"),
        "{msg}"
    );
    let before = live.peek();
    std::fs::write(&path, good).unwrap();
    let r = server.call("fetch", args).unwrap();
    assert_eq!(structured(&r)["id"], "wide::1::ref::doc7::1");
    assert!(!Arc::ptr_eq(&before, &live.peek()), "a fresh library");
}

/// A rebuild that changes a document's text but not its number of chunks
/// gives its `document.json` another digest: a server still holding the old
/// `library.json` fails the call that reads it, and the next call answers
/// from the new build. Documents that did not change keep their files.
#[test]
fn a_document_rebuilt_with_the_same_chunk_count_fails_its_call_and_the_server_recovers() {
    let site = wide_site(false);
    let (live, server) = local_server(&site.out());
    let read = |d: &str| std::fs::read(site.out().join(format!("wide/1/ref/{d}/document.json")));
    let (old7, old8) = (read("doc7").unwrap(), read("doc8").unwrap());
    let src = site.content().join("wide/1/ref/doc7.md");
    let text = std::fs::read_to_string(&src).unwrap();
    let first = wide_word(7, 0);
    std::fs::write(&src, text.replacen(&first, "rewritten", 1)).unwrap();
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    let new7 = read("doc7").unwrap();
    assert_ne!(new7, old7);
    assert_eq!(
        read("doc8").unwrap(),
        old8,
        "an unchanged document keeps its file"
    );
    let parse = |b: &[u8]| mcdewey::site::DocumentFile::from_json(b).unwrap();
    let (was, now) = (parse(&old7), parse(&new7));
    assert_eq!(was.chunks.len(), now.chunks.len());
    assert_ne!(was.digest, now.digest);

    let args = obj(json!({ "id": "wide::1::ref::doc7::1" }));
    let before = live.peek();
    let r = server.call("fetch", args.clone()).unwrap();
    assert_eq!(r.is_error, Some(true));
    let msg = fixture::text(&r);
    assert!(
        msg.contains("doc7/document.json")
            && msg.contains("does not match library.json")
            && msg.contains(&now.digest),
        "{msg}"
    );
    let r = server.call("fetch", args).unwrap();
    assert_eq!(structured(&r)["id"], "wide::1::ref::doc7::1");
    assert!(
        structured(&r).to_string().contains("rewritten"),
        "{}",
        structured(&r)
    );
    assert!(!Arc::ptr_eq(&before, &live.peek()), "a fresh library");
}

// ------------------------------------------------------------ https

/// A test certificate authority and a certificate for `localhost` and
/// 127.0.0.1 signed by it, made with the `openssl` command.
fn test_certificates(dir: &Path) -> bool {
    let run = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=McDewey test CA",
        ],
    ]
    .concat())
        && run(&[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "site.key",
                "-out",
                "site.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat())
        && run(&[
            "x509",
            "-req",
            "-in",
            "site.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "site.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ])
}

/// A site on an https:// static host (nginx with a certificate from the
/// operator's own authority): `mcdewey mcp URL --origin-ca CA` answers as
/// the load-everything library does; without the authority the
/// certificate is refused with an error that says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_answers_from_an_https_site_with_its_own_authority() {
    let dir = tempfile::tempdir().unwrap();
    let (Some(nginx), true) = (nginx(), test_certificates(dir.path())) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "nginx or openssl is missing; scripts/setup.sh installs them"
        );
        eprintln!("skipping: nginx or openssl is not installed");
        return;
    };
    let site = fixture::site();
    let (_origin, addr) = start_nginx(
        &nginx,
        dir.path(),
        &format!(
            "access_log off;\n  server {{\n    listen 127.0.0.1:{{port}} ssl;\n    ssl_certificate {{dir}}/site.pem;\n\
                 ssl_certificate_key {{dir}}/site.key;\n    root {};\n  }}",
            site.display()
        ),
    );
    let port = addr.port();
    let url = format!("https://localhost:{port}/");

    // Without the authority: refused, and the message names the reason.
    let out = Command::new(env!("CARGO_BIN_EXE_mcdewey"))
        .args(["mcp", &url, "--origin-timeout", "5"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("certificate"), "{err}");
    // A refused certificate is a verdict, not a network accident: no retry.
    assert!(err.contains("TLS handshake was refused"), "{err}");
    assert!(!err.contains("gave up after"), "retried: {err}");

    let everything = McpServer::new(Arc::new(Library::load(&site).unwrap()), 0);
    let (era, mode) = eras().into_iter().next().unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mcdewey"));
    cmd.args(["mcp", &url, "--origin-ca"])
        .arg(dir.path().join("ca.pem"));
    let transport = rmcp::transport::TokioChildProcess::new(cmd).unwrap();
    let client = fixture::client_config(era)
        .serve_with_lifecycle(transport, mode)
        .await
        .unwrap_or_else(|e| panic!("{era}: {e}"));
    for (tool, args) in calls() {
        let want = structured(&everything.call(tool, obj(args.clone())).unwrap());
        let want: Value = serde_json::from_str(&want.to_string()).unwrap();
        assert_eq!(ok(&client, tool, args.clone()).await, want, "{tool} {args}");
    }
    client.cancel().await.unwrap();
}
