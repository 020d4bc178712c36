//! `serve --watch`: an edited page is rebuilt and served changed within
//! seconds, and a page connected to the reload stream is told to reload.

use crate::serve::get;
use crate::util::TestSite;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Kills the server when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const PAGE: &str = "/kit/1.0/guide/intro/p/1.html";

fn intro(text: &str) -> String {
    format!("---\ntitle: Intro\n---\n# Intro\n\n{text}\n")
}

/// Starts `serve CONTENT --watch` on a free port; returns the server, its
/// address and the rest of its stderr, line by line.
fn start(site: &TestSite) -> (Running, SocketAddr, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcdewey"))
        .arg("serve")
        .arg(site.content())
        .arg("--out")
        .arg(site.out())
        .args(["--port", "0", "--watch"])
        .current_dir(site.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let running = Running(child);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the server starts");
        if let Some(rest) = line.split("Serving the library at http://").nth(1) {
            let addr = rest.split('/').next().unwrap().parse().unwrap();
            return (running, addr, rx);
        }
    }
}

/// Reads from the event stream until `want` appears; the bytes read.
fn read_until(s: &mut TcpStream, want: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains(want) {
        assert!(
            Instant::now() < deadline,
            "no `{want}` within {within:?}: {}",
            String::from_utf8_lossy(&seen)
        );
        match s.read(&mut buf) {
            Ok(0) => panic!("stream closed: {}", String::from_utf8_lossy(&seen)),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("{e}"),
        }
    }
    String::from_utf8_lossy(&seen).to_string()
}

#[test]
fn an_edited_page_is_rebuilt_and_open_pages_reload() {
    let site = TestSite::new()
        .file("kit/1.0/guide/intro.md", &intro("The first draft."))
        .file("kit/1.0/guide/other.md", "# Other\n\nUnchanged text.\n");
    let (_server, addr, _log) = start(&site);
    let page = get(addr, PAGE, "");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("The first draft."), "{html}");
    assert!(
        html.contains("<script src=\"/_mcdewey/reload.js\"></script></body>"),
        "{html}"
    );
    let script = get(addr, "/_mcdewey/reload.js", "");
    assert_eq!(script.status, 200);
    assert!(script
        .text()
        .contains("new EventSource(\"/_mcdewey/reload\")"));
    // A page connects for reloads.
    let mut events = TcpStream::connect(addr).unwrap();
    events
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    events
        .write_all(b"GET /_mcdewey/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .unwrap();
    let head = read_until(&mut events, ": connected", Duration::from_secs(10));
    assert!(head.contains("text/event-stream"), "{head}");
    // Edit the page.
    let edited = Instant::now();
    std::fs::write(
        site.content().join("kit/1.0/guide/intro.md"),
        intro("The second draft."),
    )
    .unwrap();
    let got = read_until(&mut events, "event: reload", Duration::from_secs(60));
    let took = edited.elapsed();
    assert!(got.contains("data: 1"), "{got}");
    eprintln!("reload event {took:?} after the edit");
    let html = get(addr, PAGE, "").text();
    assert!(html.contains("The second draft."), "{html}");
    assert!(!html.contains("The first draft."), "{html}");
    // A second edit, a second event.
    std::fs::write(
        site.content().join("kit/1.0/guide/intro.md"),
        intro("The third draft."),
    )
    .unwrap();
    let got = read_until(&mut events, "data: 2", Duration::from_secs(60));
    assert!(got.contains("event: reload"), "{got}");
    assert!(get(addr, PAGE, "").text().contains("The third draft."));
    // Files that are not HTML pass unchanged.
    let json = get(addr, "/library.json", "").text();
    assert!(!json.contains("reload.js"), "{json}");
}

#[test]
fn watch_needs_a_content_directory() {
    let site = TestSite::new().file("kit/1.0/guide/intro.md", &intro("Text."));
    site.build();
    let out = Command::new(env!("CARGO_BIN_EXE_mcdewey"))
        .arg("serve")
        .arg(site.out())
        .args(["--watch", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a built site"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
