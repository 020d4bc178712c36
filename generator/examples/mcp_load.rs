//! Load generator for `/mcp`: keeps N keep-alive HTTP/1.1 connections busy
//! with `search` tool calls from a fixed list of queries for a fixed time,
//! then prints requests/s, latency percentiles and errors.
//!
//! cargo run --release -p mcdewey --example mcp_load -- --url http://127.0.0.1:8080/mcp --seconds 20
//!
//! Plain threads and sockets: the client should cost the shared cores as
//! little as possible, and a request is one write and one read.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "common/queries.rs"]
mod queries;
use queries::QUERIES;

struct Args {
    url: String,
    seconds: u64,
    connections: usize,
    warmup: u64,
    /// `ping` measures the transport alone (no tool runs).
    ping: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8080/mcp".into(),
        seconds: 20,
        connections: 8,
        warmup: 2,
        ping: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        if k == "--ping" {
            a.ping = true;
            continue;
        }
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--url" => a.url = v,
            "--seconds" => a.seconds = v.parse().expect("--seconds"),
            "--connections" => a.connections = v.parse().expect("--connections"),
            "--warmup" => a.warmup = v.parse().expect("--warmup"),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// `host:port` and path of an `http://` URL.
fn split_url(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    match rest.split_once('/') {
        Some((host, path)) => (host.to_string(), format!("/{path}")),
        None => (rest.to_string(), "/".into()),
    }
}

fn request(host: &str, path: &str, id: usize, query: Option<(&str, Option<&str>)>) -> Vec<u8> {
    let body = match query {
        Some((query, version)) => {
            let mut args = serde_json::json!({ "query": query });
            if let Some(v) = version {
                args["version"] = v.into();
            }
            serde_json::json!({
                "jsonrpc": "2.0",
                "id": id,
                "method": "tools/call",
                "params": { "name": "search", "arguments": args },
            })
        }
        None => serde_json::json!({ "jsonrpc": "2.0", "id": id, "method": "ping" }),
    }
    .to_string();
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one response; true when it is a 200 with a result that is not an error.
fn read_response(r: &mut BufReader<TcpStream>) -> std::io::Result<bool> {
    let mut line = String::new();
    r.read_line(&mut line)?;
    let ok_status = line.split(' ').nth(1) == Some("200");
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    let text = String::from_utf8_lossy(&body);
    Ok(ok_status && text.contains("\"result\"") && !text.contains("\"isError\":true"))
}

struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
}

fn worker(
    n: usize,
    host: String,
    path: String,
    ping: bool,
    stop: Arc<AtomicBool>,
    record: Arc<AtomicBool>,
) -> Tally {
    let mut t = Tally {
        latencies: Vec::new(),
        errors: 0,
    };
    let connect = || TcpStream::connect(&host).expect("server reachable");
    let mut stream = connect();
    stream.set_nodelay(true).ok();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut i = n * 7919;
    while !stop.load(Ordering::Relaxed) {
        let query = (!ping).then(|| QUERIES[i % QUERIES.len()]);
        let req = request(&host, &path, i, query);
        let start = Instant::now();
        let ok = stream
            .write_all(&req)
            .and_then(|_| read_response(&mut reader))
            .unwrap_or(false);
        let took = start.elapsed();
        if record.load(Ordering::Relaxed) {
            t.latencies.push(took);
            t.errors += usize::from(!ok);
        }
        if !ok {
            // A failed exchange may leave the connection unusable.
            stream = connect();
            stream.set_nodelay(true).ok();
            reader = BufReader::new(stream.try_clone().unwrap());
        }
        i += 1;
    }
    t
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let args = parse_args();
    let (host, path) = split_url(&args.url);
    let stop = Arc::new(AtomicBool::new(false));
    let record = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..args.connections)
        .map(|n| {
            let (h, p, s, r) = (host.clone(), path.clone(), stop.clone(), record.clone());
            let ping = args.ping;
            std::thread::spawn(move || worker(n, h, p, ping, s, r))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(args.warmup));
    record.store(true, Ordering::Relaxed);
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(args.seconds));
    record.store(false, Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in threads {
        let tally = t.join().expect("worker");
        all.extend(tally.latencies);
        errors += tally.errors;
    }
    all.sort();
    let n = all.len();
    let rps = n as f64 / elapsed;
    let (p50, p90, p99) = (
        percentile(&all, 0.5),
        percentile(&all, 0.9),
        percentile(&all, 0.99),
    );
    let max = percentile(&all, 1.0);
    println!(
        "{n} requests in {elapsed:.1} s over {} connections ({} queries): {rps:.0} req/s, p50 {p50:.2} ms, p90 {p90:.2} ms, p99 {p99:.2} ms, max {max:.2} ms, {errors} errors",
        args.connections,
        QUERIES.len()
    );
    println!("TSV\t{n}\t{elapsed:.1}\t{rps:.0}\t{p50:.3}\t{p90:.3}\t{p99:.3}\t{max:.3}\t{errors}");
    if errors > 0 {
        std::process::exit(1);
    }
}
