//! Bearer tokens on `/mcp`: without a token or with a wrong one, 401 and a
//! `WWW-Authenticate: Bearer` challenge; with a right one the MCP client
//! works; the static site stays open unless it is protected too.

use crate::mcp::{client_config, eras, json_post, library, ok, send, site, INIT};
use crate::serve::Response;
use mcdewey::serve as server;
use mcdewey::serve::auth::{self, Tokens};
use mcdewey::serve::mcp::{self, HttpOptions};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ClientServiceExt;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

const TOKEN: &str = "reader-token-0123456789abcdef";
const OTHER: &str = "second-reader-token-fedcba9876";

fn start(protect_site: bool) -> crate::serve::Server {
    let tokens = Arc::new(Tokens::new([TOKEN, OTHER]).unwrap());
    let lib = library();
    crate::serve::start(&site(), move |opts, addr| {
        let mut http = HttpOptions::for_addr(addr, &["http://app.example:8000".into()], &[]);
        http.tokens = Some(tokens.clone());
        let mut files = server::static_router(opts);
        if protect_site {
            files = files.layer(axum::middleware::from_fn_with_state(tokens, auth::require));
        }
        files.merge(mcp::router(lib, &http))
    })
}

fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut req = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
        addr.port()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    send(addr, req.as_bytes())
}

#[test]
fn mcp_requires_a_bearer_token() {
    let http = start(false);
    let bearer = format!("Bearer {TOKEN}");
    // Missing.
    let r = json_post(http.addr, &[], INIT);
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"mcdewey\"")
    );
    let body: serde_json::Value = serde_json::from_str(&r.text()).unwrap();
    assert_eq!(body["error"]["code"], -32001, "{body}");
    // Wrong: the token, a prefix of it, another scheme.
    for auth in [
        "Bearer wrong-token-0123456789abcdef".to_string(),
        format!("Bearer {}", &TOKEN[..TOKEN.len() - 1]),
        format!("Basic {TOKEN}"),
        "Bearer".to_string(),
    ] {
        let r = json_post(http.addr, &[("Authorization", &auth)], INIT);
        assert_eq!(r.status, 401, "{auth}: {}", r.text());
        let challenge = r.header("www-authenticate").unwrap();
        assert!(
            challenge.starts_with("Bearer realm=\"mcdewey\""),
            "{challenge}"
        );
        if auth.starts_with("Bearer ") {
            assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        }
    }
    // Right: either configured token, with the scheme in any case.
    for auth in [bearer.clone(), format!("bearer {OTHER}")] {
        let r = json_post(http.addr, &[("Authorization", &auth)], INIT);
        assert_eq!(r.status, 200, "{auth}: {}", r.text());
    }
    // The static site is not affected.
    let r = get(http.addr, "/", &[]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("<html"), "{}", r.text());
    // A browser's preflight carries no credentials and is answered; the
    // 401 after it carries CORS headers so the page can read it.
    let r = send(
        http.addr,
        format!(
            "OPTIONS /mcp HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nOrigin: http://app.example:8000\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n",
            http.addr.port()
        )
        .as_bytes(),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let r = json_post(http.addr, &[("Origin", "http://app.example:8000")], INIT);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://app.example:8000")
    );
}

#[test]
fn a_protected_site_needs_the_token_for_its_files_too() {
    let http = start(true);
    let r = get(http.addr, "/", &[]);
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    let r = get(
        http.addr,
        "/library.json",
        &[("Authorization", "Bearer nope-nope-nope-nope")],
    );
    assert_eq!(r.status, 401);
    let bearer = format!("Bearer {TOKEN}");
    let r = get(http.addr, "/library.json", &[("Authorization", &bearer)]);
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rmcp_client_works_with_the_token_and_fails_without() {
    // rmcp's HTTP client is reqwest, built with the TLS provider the
    // binary installs.
    mcdewey::serve::source::install_tls_provider();
    let http = start(false);
    let uri = format!("http://{}/mcp", http.addr);
    for (era, mode) in eras() {
        let config = StreamableHttpClientTransportConfig::with_uri(uri.clone()).auth_header(TOKEN);
        let client = client_config(era)
            .serve_with_lifecycle(
                StreamableHttpClientTransport::from_config(config),
                mode.clone(),
            )
            .await
            .unwrap_or_else(|e| panic!("{era}: {e}"));
        let r = ok(&client, "search", json!({ "query": "RG-1042" })).await;
        assert!(r["total"].as_u64().unwrap() > 0, "{r}");
        client.cancel().await.unwrap();
        let denied = client_config(era)
            .serve_with_lifecycle(
                StreamableHttpClientTransport::from_config(
                    StreamableHttpClientTransportConfig::with_uri(uri.clone())
                        .auth_header("wrong-token-0123456789"),
                ),
                mode,
            )
            .await;
        assert!(
            denied.is_err(),
            "{era}: a wrong token must not start a session"
        );
    }
}

/// `serve` refuses bad token settings before serving anything.
#[test]
fn serve_checks_its_token_settings() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mcdewey"))
            .arg("serve")
            .arg(site())
            .args(["--port", "0", "--quiet"])
            .args(args)
            .env_remove(auth::TOKENS_ENV)
            .output()
            .unwrap()
    };
    let out = run(&["--protect-site"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--protect-site needs tokens"));
    let missing = dir.path().join("no-such-file");
    let out = run(&["--token-file", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read token file") && err.contains("no-such-file"),
        "{err}"
    );
    let short = dir.path().join("tokens");
    std::fs::write(&short, "# one token\nabc\n").unwrap();
    let out = run(&["--token-file", short.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tokens:2: the token is shorter than 16 characters"),
        "{err}"
    );
}
