//! Bearer tokens for `/mcp` (and, when asked, the whole site): a request
//! passes with `Authorization: Bearer <token>` for one of the configured
//! tokens; otherwise 401 with `WWW-Authenticate: Bearer ...` (RFC 6750, as
//! the MCP authorization section asks of HTTP servers). Tokens come from a
//! file (one per line) or an environment variable; they are static secrets
//! shared with the operator's clients, not OAuth.

use anyhow::{bail, Context};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// Environment variable holding tokens (separated by whitespace or commas).
pub const TOKENS_ENV: &str = "MCDEWEY_MCP_TOKENS";

/// The accepted tokens, kept as SHA-256 digests: every comparison is
/// between two 32-byte values, whatever the lengths of the tokens.
#[derive(Clone)]
pub struct Tokens {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} configured)", self.digests.len())
    }
}

fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

/// Equality of two digests in time independent of where they differ.
fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Token characters RFC 6750 allows (`b64token`).
fn check_token(t: &str) -> Result<(), String> {
    if t.len() < 16 {
        return Err("is shorter than 16 characters".into());
    }
    match t
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "-._~+/=".contains(c)))
    {
        Some(c) => Err(format!(
            "has the character {c:?}; tokens use letters, digits and - . _ ~ + / ="
        )),
        None => Ok(()),
    }
}

impl Tokens {
    /// Tokens from a list; each is checked.
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a str>) -> Result<Tokens, String> {
        let mut digests = Vec::new();
        for t in tokens {
            check_token(t).map_err(|e| format!("a token {e}"))?;
            digests.push(digest(t.as_bytes()));
        }
        if digests.is_empty() {
            return Err("no tokens given".into());
        }
        Ok(Tokens { digests })
    }

    /// One token per line; blank lines and lines starting with `#` are
    /// skipped. Errors name the file and line.
    pub fn from_file(path: &Path) -> anyhow::Result<Tokens> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read token file {}", path.display()))?;
        let mut digests = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            if let Err(e) = check_token(t) {
                bail!("{}:{}: the token {e}", path.display(), i + 1);
            }
            digests.push(digest(t.as_bytes()));
        }
        if digests.is_empty() {
            bail!("{}: no tokens (one per line)", path.display());
        }
        Ok(Tokens { digests })
    }

    /// Tokens from [`TOKENS_ENV`], if it is set.
    pub fn from_env() -> anyhow::Result<Option<Tokens>> {
        let Some(v) = std::env::var_os(TOKENS_ENV) else {
            return Ok(None);
        };
        let v = v
            .into_string()
            .map_err(|_| anyhow::anyhow!("{TOKENS_ENV} is not valid UTF-8"))?;
        Tokens::new(v.split([',', ' ', '\n', '\t']).filter(|t| !t.is_empty()))
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{TOKENS_ENV}: {e}"))
    }

    /// Both sources together.
    pub fn merge(self, other: Tokens) -> Tokens {
        let mut digests = self.digests;
        digests.extend(other.digests);
        Tokens { digests }
    }

    /// Whether `token` is one of ours. Every configured token is compared,
    /// so the time taken does not tell which one matched or how far.
    pub fn accepts(&self, token: &str) -> bool {
        let d = digest(token.as_bytes());
        self.digests
            .iter()
            .fold(false, |found, ours| found | ct_eq(ours, &d))
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Middleware: the request goes on with a valid token, else 401. CORS
/// preflights carry no credentials and pass (the `/mcp` layer answers them).
pub async fn require(State(tokens): State<Arc<Tokens>>, req: Request, next: Next) -> Response {
    if req.method() == axum::http::Method::OPTIONS {
        return next.run(req).await;
    }
    match bearer(&req) {
        Some(t) if tokens.accepts(t) => next.run(req).await,
        Some(_) => unauthorized(
            "Bearer realm=\"mcdewey\", error=\"invalid_token\", error_description=\"the token is not valid\"",
            "the bearer token is not valid",
        ),
        None => unauthorized(
            "Bearer realm=\"mcdewey\"",
            "this server requires `Authorization: Bearer <token>`",
        ),
    }
}

fn unauthorized(challenge: &'static str, message: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": -32001, "message": format!("Unauthorized: {message}") },
    });
    let mut res = Response::new(Body::from(body.to_string()));
    *res.status_mut() = StatusCode::UNAUTHORIZED;
    let h = res.headers_mut();
    h.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "s3cr3t-token-alpha-0001";
    const B: &str = "s3cr3t-token-bravo-0002";

    #[test]
    fn accepts_exactly_the_configured_tokens() {
        let t = Tokens::new([A, B]).unwrap();
        assert!(t.accepts(A) && t.accepts(B));
        for wrong in [
            "",
            "s3cr3t-token-alpha-000",
            "s3cr3t-token-alpha-00011",
            "S3CR3T-TOKEN-ALPHA-0001",
            &A.replace('1', "2"),
        ] {
            assert!(!t.accepts(wrong), "{wrong}");
        }
    }

    #[test]
    fn digest_comparison_looks_at_every_byte() {
        let a = digest(A.as_bytes());
        for i in 0..32 {
            let mut b = a;
            b[i] ^= 0x80;
            assert!(!ct_eq(&a, &b), "byte {i}");
        }
        assert!(ct_eq(&a, &a));
    }

    #[test]
    fn token_files_skip_comments_and_name_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tokens");
        std::fs::write(&p, format!("# readers\n{A}\n\n  {B}  \n")).unwrap();
        let t = Tokens::from_file(&p).unwrap();
        assert!(t.accepts(A) && t.accepts(B));
        std::fs::write(&p, format!("{A}\nshort\n")).unwrap();
        let e = Tokens::from_file(&p).unwrap_err().to_string();
        assert!(
            e.ends_with("tokens:2: the token is shorter than 16 characters"),
            "{e}"
        );
        std::fs::write(&p, "tok en with spaces ok?\n").unwrap();
        let e = Tokens::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("tokens:1:") && e.contains("' '"), "{e}");
        std::fs::write(&p, "# nothing\n").unwrap();
        assert!(Tokens::from_file(&p)
            .unwrap_err()
            .to_string()
            .contains("no tokens"));
        let e = Tokens::from_file(&dir.path().join("missing")).unwrap_err();
        assert!(e.to_string().contains("cannot read token file"), "{e}");
    }
}
