//! `/mcp`: MCP over Streamable HTTP, stateless with JSON responses, for both
//! the 2025-11-25 (initialize) and 2026-07-28 (server/discover) protocol
//! eras. rmcp checks Host, Origin, Accept, Content-Type and the protocol
//! headers; the layer here caps the body, answers CORS preflights for
//! allowed origins, and turns every plain-text error into a JSON-RPC error.

use super::McpServer;
use crate::serve::library::Live;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest request body accepted (413 above).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Who may call `/mcp`.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Origins (`scheme://host:port`, `:*` for any port) allowed to send an
    /// `Origin` header. A request without one (not from a browser) passes.
    pub allowed_origins: Vec<String>,
    /// Accepted `Host` values (`host` or `host:port`).
    pub allowed_hosts: Vec<String>,
    /// Recent tool results kept in memory (0: none).
    pub cache_entries: usize,
    /// Bearer tokens `/mcp` requires, if any (see [`crate::serve::auth`]).
    pub tokens: Option<Arc<crate::serve::auth::Tokens>>,
    /// Where tool calls run (bounded, with a time budget).
    pub pool: Arc<super::pool::Pool>,
}

/// Tool results `/mcp` keeps by default.
pub const DEFAULT_CACHE_ENTRIES: usize = 1024;

impl HttpOptions {
    /// The server's own loopback origins and hosts, plus the ones configured.
    pub fn for_addr(addr: SocketAddr, origins: &[String], hosts: &[String]) -> Self {
        let port = addr.port();
        let mut allowed_origins: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .map(|h| format!("http://{h}:{port}"))
            .collect();
        allowed_origins.extend(origins.iter().cloned());
        let mut allowed_hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"]
            .iter()
            .map(|h| h.to_string())
            .collect();
        let ip = addr.ip();
        if !ip.is_loopback() && !ip.is_unspecified() {
            allowed_hosts.push(ip.to_string());
        }
        allowed_hosts.extend(hosts.iter().cloned());
        HttpOptions {
            allowed_origins,
            allowed_hosts,
            cache_entries: DEFAULT_CACHE_ENTRIES,
            tokens: None,
            pool: Arc::new(super::pool::Pool::for_this_machine()),
        }
    }
}

/// Checks an `--allow-origin` value and returns it in the form rmcp matches
/// exactly: no trailing `/`, and the scheme's port written out when none is
/// given (rmcp reads a missing port as "any port").
pub fn check_origin(value: &str) -> Result<String, String> {
    let v = value.trim().trim_end_matches('/');
    let wildcard = v.ends_with(":*");
    let base = v.strip_suffix(":*").unwrap_or(v);
    let has_port = base
        .parse::<Uri>()
        .ok()
        .and_then(|u| u.port_u16())
        .is_some();
    match Origin::parse(base) {
        Some(o) if o.scheme == "http" || o.scheme == "https" => Ok(match (wildcard, has_port, o.port) {
            (false, false, Some(port)) => format!("{base}:{port}"),
            _ => v.to_string(),
        }),
        _ => Err(format!(
            "`{value}` is not an origin: use scheme://host[:port], e.g. https://app.example.com or http://localhost:5173"
        )),
    }
}

/// The `/mcp` route, to merge with the site's router.
pub fn router(lib: impl Into<Live>, opts: &HttpOptions) -> Router {
    let server = McpServer::new(lib, opts.cache_entries).with_pool(opts.pool.clone());
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_allowed_hosts(opts.allowed_hosts.clone())
        .with_allowed_origins(opts.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(MAX_BODY_BYTES);
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let origins = Arc::new(opts.allowed_origins.clone());
    let mut router = Router::new().route_service("/mcp", service);
    if let Some(tokens) = &opts.tokens {
        // Inside `guard`, so preflights are answered and a 401 carries CORS headers.
        router = router.layer(middleware::from_fn_with_state(
            tokens.clone(),
            crate::serve::auth::require,
        ));
    }
    router.layer(middleware::from_fn_with_state(origins, guard))
}

/// `/mcp` for a site whose library could not be loaded: every request gets
/// a JSON-RPC error (503) that says why, so a client shows the cause instead
/// of failing on an unexpected status.
pub fn unavailable_router(reason: &str) -> Router {
    let message: Arc<str> = format!(
        "this site's library cannot be read, so /mcp is unavailable: {reason}. Rebuild the site with `mcdewey build`."
    )
    .into();
    Router::new().route_service(
        "/mcp",
        tower::service_fn(move |_req: Request| {
            let message = message.clone();
            async move {
                Ok::<_, std::convert::Infallible>(error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    -32603,
                    &message,
                ))
            }
        }),
    )
}

async fn guard(State(origins): State<Arc<Vec<String>>>, req: Request, next: Next) -> Response {
    let origin = allowed_origin(req.headers(), &origins);
    if req.method() == Method::OPTIONS && req.headers().contains_key(header::ORIGIN) {
        return preflight(origin);
    }
    let res = if req.method() == Method::POST {
        post(req, next).await
    } else {
        as_jsonrpc_error(next.run(req).await, None).await
    };
    with_cors(res, origin)
}

/// Reads the body once, within the limit, so an oversized request is
/// refused before any parsing and a parse failure can be classified.
async fn post(req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let json_body = is_json(req.headers());
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return too_large();
    };
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    as_jsonrpc_error(res, json_body.then_some(&bytes)).await
}

fn too_large() -> Response {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        -32600,
        &format!("request body exceeds {MAX_BODY_BYTES} bytes"),
    )
}

/// rmcp answers transport errors in plain text; MCP clients expect JSON-RPC.
/// A JSON body that failed to parse (415 from rmcp) becomes 400 with
/// -32700 (not JSON) or -32600 (JSON, but not a JSON-RPC message).
async fn as_jsonrpc_error(res: Response, json_body: Option<&Bytes>) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(res.headers()) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let (status, code) = match (status, json_body) {
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some(b)) => (StatusCode::BAD_REQUEST, garbage_code(b)),
        (s, _) if s.is_server_error() => (s, -32603),
        (s, _) => (s, -32600),
    };
    let mut out = error_response(status, code, text.trim());
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    for (k, v) in &parts.headers {
        out.headers_mut().insert(k.clone(), v.clone());
    }
    out
}

fn garbage_code(body: &[u8]) -> i64 {
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Ok(_) => -32600,
        Err(_) => -32700,
    }
}

fn error_response(status: StatusCode, code: i64, message: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": code, "message": message },
    });
    let mut res = Response::new(Body::from(body.to_string()));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

// ---------------------------------------------------------------- CORS

/// The request's `Origin` when it is allowed, for CORS headers. rmcp makes
/// the same decision (403) for the request itself.
fn allowed_origin(headers: &HeaderMap, allowed: &[String]) -> Option<HeaderValue> {
    let value = headers.get(header::ORIGIN)?;
    let origin = Origin::parse(value.to_str().ok()?)?;
    allowed
        .iter()
        .any(|a| origin.matches(a))
        .then(|| value.clone())
}

fn preflight(origin: Option<HeaderValue>) -> Response {
    let Some(origin) = origin else {
        return error_response(
            StatusCode::FORBIDDEN,
            -32600,
            "Forbidden: Origin header is not allowed",
        );
    };
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::NO_CONTENT;
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(
            "content-type, accept, authorization, mcp-protocol-version, mcp-session-id, mcp-method, mcp-name, last-event-id",
        ),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    with_cors(res, Some(origin))
}

fn with_cors(mut res: Response, origin: Option<HeaderValue>) -> Response {
    if let Some(o) = origin.filter(|_| res.status() != StatusCode::FORBIDDEN) {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("mcp-session-id, mcp-protocol-version"),
        );
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    res
}

/// An origin as (scheme, host, port), the port filled in from the scheme.
#[derive(Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn parse(s: &str) -> Option<Origin> {
        let uri: Uri = s.trim().parse().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let auth = uri.authority()?;
        let default = match scheme.as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        };
        Some(Origin {
            host: auth.host().trim_matches(['[', ']']).to_ascii_lowercase(),
            port: auth.port_u16().or(default),
            scheme,
        })
    }

    /// Whether an allow-list entry admits this origin; `:*` admits any port.
    fn matches(&self, entry: &str) -> bool {
        let (base, any_port) = match entry.trim().strip_suffix(":*") {
            Some(b) => (b, true),
            None => (entry, false),
        };
        Origin::parse(base).is_some_and(|a| {
            a.scheme == self.scheme && a.host == self.host && (any_port || a.port == self.port)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_scheme_host_and_port() {
        let o = Origin::parse("http://LOCALHOST:5173").unwrap();
        assert!(o.matches("http://localhost:5173"));
        assert!(o.matches("http://localhost:*"));
        assert!(!o.matches("http://localhost:5174"));
        assert!(!o.matches("https://localhost:5173"));
        let o = Origin::parse("https://app.example.com").unwrap();
        assert!(o.matches("https://app.example.com:443"));
        assert!(o.matches("https://app.example.com"));
        assert!(Origin::parse("http://[::1]:8080")
            .unwrap()
            .matches("http://[::1]:8080"));
        assert!(Origin::parse("null").is_none());
    }

    #[test]
    fn origin_flags_are_checked() {
        assert_eq!(
            check_origin("https://a.example/"),
            Ok("https://a.example:443".into())
        );
        assert_eq!(
            check_origin("http://a.example:8080"),
            Ok("http://a.example:8080".into())
        );
        assert_eq!(
            check_origin("http://localhost:*"),
            Ok("http://localhost:*".into())
        );
        assert!(check_origin("a.example").is_err());
        assert!(check_origin("ftp://a.example").is_err());
    }

    #[test]
    fn defaults_are_the_servers_own_origins() {
        let o = HttpOptions::for_addr(
            "0.0.0.0:9000".parse().unwrap(),
            &[],
            &["docs.example".into()],
        );
        assert!(o
            .allowed_origins
            .contains(&"http://127.0.0.1:9000".to_string()));
        assert!(o
            .allowed_origins
            .contains(&"http://localhost:9000".to_string()));
        assert!(o.allowed_hosts.contains(&"docs.example".to_string()));
        assert!(!o.allowed_hosts.contains(&"0.0.0.0".to_string()));
    }
}
