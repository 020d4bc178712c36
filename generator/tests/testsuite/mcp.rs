//! The MCP server: every tool through rmcp's own client over HTTP in both
//! protocol eras (2025-11-25 initialize, 2026-07-28 discover) and over stdio,
//! plus HTTP-level checks with raw requests (status codes, JSON-RPC error
//! bodies, garbage input).

use crate::serve::{parse_response, Response, Server};
use crate::util::TestSite;
use mcdewey::serve as server;
use mcdewey::serve::library::Library;
use mcdewey::serve::mcp::{self, HttpOptions};
use mcdewey_search_core::Filters;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    JsonObject, ProtocolVersion, ReadResourceRequestParams, ResourceContents,
};
use rmcp::service::{RunningService, ServiceError};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientLifecycleMode, ClientServiceExt, RoleClient};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

pub(crate) const ADMIN: &str = "gateway::2.0::admin::admin-guide";
pub(crate) const OLD_ADMIN: &str = "gateway::1.0::admin::admin-guide";

const ADMIN_2_0: &str = r#"---
title: Signal Gateway 2.0 Administration Guide
---
<!-- page 1 label="i" -->
# Signal Gateway 2.0 Administration Guide

Acme Signal. This guide covers release 2.0 of the gateway.

<!-- page 2 label="1" -->
# Troubleshooting

## Recording does not start

When a recording does not start, check that the recorder in targetMediaAddress is reachable. Error RG-1042 means the recorder refused the session.

<!-- page 3 label="2" -->
## Collecting diagnostics

Run the diagnostics bundle command and attach the archive to the support case.
"#;

const ADMIN_1_0: &str = r#"---
title: Signal Gateway 1.0 Administration Guide
---
<!-- page 1 label="i" -->
# Signal Gateway 1.0 Administration Guide

# Troubleshooting

## Recording fails

If recording fails in release 1.0, restart the recorder service.
"#;

const REST: &str = "---\ntitle: REST API\n---\n# REST API\n\n## Sessions\n\nGET /sessions lists active recording sessions.\n";
const EVENTS: &str = "---\ntitle: Call events\n---\n# Call events\n\n## call.started\n\nSent when a call starts; recording may follow.\n";
const INTRO: &str = "---\ntitle: Introduction\n---\n# Introduction\n\nThe tool reads archives.\n";

/// Two vendors; one product with two versions, printed page labels and a
/// doc set of several (nested) documents.
pub(crate) fn site() -> PathBuf {
    static SITE: OnceLock<TestSite> = OnceLock::new();
    SITE.get_or_init(|| {
        let site = TestSite::new()
            .file(
                "gateway/product.toml",
                "vendor = \"Acme Signal\"\nname = \"Signal Gateway\"\naliases = [\"SGW\"]\nversions = [\"2.0\", \"1.0\"]\n\n[doc_sets]\nadmin = \"Administration Guide\"\napi = \"API Reference\"\n",
            )
            .file("gateway/2.0/admin/admin-guide.md", ADMIN_2_0)
            .file("gateway/2.0/api/rest.md", REST)
            .file("gateway/2.0/api/events/calls.md", EVENTS)
            .file("gateway/1.0/admin/admin-guide.md", ADMIN_1_0)
            .file(
                "tool/product.toml",
                "vendor = \"Other Co\"\nname = \"Tool\"\nversions = [\"v1\"]\n\n[doc_sets]\nguide = \"Guide\"\n",
            )
            .file("tool/v1/guide/intro.md", INTRO);
        let outcome = site.build();
        assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
        site
    })
    .out()
}

pub(crate) fn library() -> Arc<Library> {
    static LIB: OnceLock<Arc<Library>> = OnceLock::new();
    LIB.get_or_init(|| Arc::new(Library::load(&site()).expect("site loads")))
        .clone()
}

// ---------------------------------------------------------------- server

/// The site and `/mcp` on 127.0.0.1, port 0, in a thread of its own, with
/// the default allow lists plus `origins`.
pub(crate) fn start(origins: &[&str]) -> Server {
    let origins: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
    let lib = library();
    crate::serve::start(&site(), move |opts, addr| {
        let http = HttpOptions::for_addr(addr, &origins, &[]);
        server::static_router(opts).merge(mcp::router(lib, &http))
    })
}

// ---------------------------------------------------------------- rmcp client

pub(crate) type Client = RunningService<RoleClient, ClientConfig>;

pub(crate) fn eras() -> [(&'static str, ClientLifecycleMode); 2] {
    [
        ("2025-11-25", ClientLifecycleMode::Initialize),
        (
            "2026-07-28",
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        ),
    ]
}

pub(crate) fn client_config(era: &str) -> ClientConfig {
    let version = if era == "2026-07-28" {
        ProtocolVersion::V_2026_07_28
    } else {
        ProtocolVersion::V_2025_11_25
    };
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("mcdewey-tests", "0"),
    )
    .with_protocol_version(version)
}

pub(crate) async fn http_client(addr: SocketAddr, era: &str, mode: ClientLifecycleMode) -> Client {
    // rmcp's HTTP client is reqwest, built with the TLS provider the
    // binary installs.
    mcdewey::serve::source::install_tls_provider();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("http://{addr}/mcp")),
    );
    client_config(era)
        .serve_with_lifecycle(transport, mode)
        .await
        .unwrap_or_else(|e| panic!("{era} client starts: {e}"))
}

pub(crate) async fn call(client: &Client, tool: &str, args: Value) -> CallToolResult {
    let Value::Object(args) = args else {
        panic!("arguments must be an object")
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

/// A successful result: its structured content, checked to equal the text block.
pub(crate) async fn ok(client: &Client, tool: &str, args: Value) -> Value {
    let r = call(client, tool, args.clone()).await;
    assert_ne!(r.is_error, Some(true), "{tool} {args}: {}", text(&r));
    let structured = r.structured_content.clone().expect("structuredContent");
    let from_text: Value = serde_json::from_str(&text(&r)).expect("text block is JSON");
    assert_eq!(structured, from_text, "{tool}: text block differs");
    structured
}

/// A tool error: its message.
pub(crate) async fn err(client: &Client, tool: &str, args: Value) -> String {
    let r = call(client, tool, args.clone()).await;
    assert_eq!(
        r.is_error,
        Some(true),
        "{tool} {args} should fail: {}",
        text(&r)
    );
    text(&r)
}

pub(crate) fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------- tool tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_are_listed_with_schemas_and_annotations_in_both_eras() {
    let http = start(&[]);
    for (era, mode) in eras() {
        let client = http_client(http.addr, era, mode).await;
        let tools = client.list_all_tools().await.unwrap();
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        assert_eq!(
            names,
            [
                "search",
                "fetch",
                "read_page",
                "list_library",
                "get_outline"
            ],
            "{era}"
        );
        for t in &tools {
            assert!(t.output_schema.is_some(), "{}: outputSchema", t.name);
            let a = t.annotations.as_ref().expect("annotations");
            assert_eq!(a.read_only_hint, Some(true));
            assert_eq!(a.destructive_hint, Some(false));
            assert_eq!(a.idempotent_hint, Some(true));
            assert_eq!(a.open_world_hint, Some(false));
        }
        client.cancel().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_answers_in_both_eras() {
    let http = start(&[]);
    for (era, mode) in eras() {
        let client = http_client(http.addr, era, mode).await;
        let info = client.peer_info().expect("server info");
        assert_eq!(info.server_info.as_ref().unwrap().name, "mcdewey");
        check_search(&client).await;
        check_fetch(&client).await;
        check_read_page(&client).await;
        check_list_library(&client).await;
        check_outline(&client).await;
        client.cancel().await.unwrap();
    }
}

async fn check_search(client: &Client) {
    let r = ok(
        client,
        "search",
        json!({ "query": "recording does not start" }),
    )
    .await;
    assert_eq!(strings(&r["searched"]), ["gateway 2.0", "tool v1"]);
    assert!(r["note"].as_str().unwrap().contains("gateway 1.0"), "{r}");
    let hit = &r["hits"][0];
    assert!(
        hit["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{ADMIN}::")),
        "{r}"
    );
    assert_eq!(hit["document"], ADMIN);
    assert_eq!(hit["page"], 2);
    assert_eq!(hit["page_label"], "1");
    assert_eq!(hit["page_id"], format!("{ADMIN}::p2"));
    assert_eq!(
        hit["citation"],
        "Signal Gateway 2.0 — Administration Guide, p. 1 (§ Troubleshooting › Recording does not start)"
    );
    // Absolute on the origin the client reached the server at.
    let url = hit["url"].as_str().unwrap().split('#').next().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:")
            && url.ends_with("/gateway/2.0/admin/admin-guide/p/2.html"),
        "{url}"
    );
    assert!(hit["snippet"].as_str().unwrap().contains("RG-1042"));
    // Nothing from the old version unless asked for (Tool's only version,
    // v1, is current and may match by meaning).
    for h in r["hits"].as_array().unwrap() {
        assert!(h["version"] == "2.0" || h["version"] == "v1", "{h}");
    }
    let old = ok(
        client,
        "search",
        json!({ "query": "recording", "version": "1.0" }),
    )
    .await;
    assert_eq!(old["hits"][0]["document"], OLD_ADMIN);
    let inline = ok(
        client,
        "search",
        json!({ "query": "product:gateway version:1.0 recording" }),
    )
    .await;
    assert_eq!(inline["hits"], old["hits"]);
    // Several documents in a doc set: the citation names the document.
    let api = ok(
        client,
        "search",
        json!({ "query": "call.started", "doc_set": "api" }),
    )
    .await;
    assert_eq!(
        api["hits"][0]["document"],
        "gateway::2.0::api::events/calls"
    );
    assert!(api["hits"][0]["citation"]
        .as_str()
        .unwrap()
        .starts_with("Signal Gateway 2.0 — API Reference › Call events"));
    let one = ok(
        client,
        "search",
        json!({ "query": "recording", "document": OLD_ADMIN }),
    )
    .await;
    assert_eq!(strings(&one["searched"]), [OLD_ADMIN]);
}

async fn check_fetch(client: &Client) {
    let chunk_id = format!("{ADMIN}::2");
    let c = ok(client, "fetch", json!({ "id": chunk_id })).await;
    assert_eq!(c["kind"], "chunk");
    assert!(c["markdown"].as_str().unwrap().contains("RG-1042"), "{c}");
    assert_eq!(c["previous"], format!("{ADMIN}::1"));
    assert_eq!(c["next"], format!("{ADMIN}::3"));
    assert_eq!(c["page_id"], format!("{ADMIN}::p2"));
    let p = ok(client, "fetch", json!({ "id": format!("{ADMIN}::p3") })).await;
    assert_eq!(p["kind"], "page");
    assert_eq!(p["page_label"], "2");
    assert_eq!(p["previous"], format!("{ADMIN}::p2"));
    assert!(p.get("next").is_none());
    assert!(p["markdown"]
        .as_str()
        .unwrap()
        .starts_with("## Collecting diagnostics"));
    assert_eq!(p["truncated"], false);
}

async fn check_read_page(client: &Client) {
    let r = ok(
        client,
        "read_page",
        json!({ "document": ADMIN, "page_label": "1", "neighbors": 1 }),
    )
    .await;
    let numbers: Vec<u64> = r["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    let md = r["markdown"].as_str().unwrap();
    assert!(
        md.contains("<!-- page 2 (p. 1) -->\n# Troubleshooting"),
        "{md}"
    );
    assert_eq!(r["page_count"], 3);
    // A small window continues through its cursor, with nothing lost.
    let mut text = String::new();
    let mut cursor = Value::Null;
    for _ in 0..10 {
        let part = ok(
            client,
            "read_page",
            json!({ "document": ADMIN, "page": 2, "max_chars": 200, "cursor": cursor }),
        )
        .await;
        text.push_str(part["markdown"].as_str().unwrap());
        cursor = part.get("next_cursor").cloned().unwrap_or(Value::Null);
        if cursor.is_null() {
            break;
        }
        assert_eq!(part["truncated"], true);
    }
    let whole = ok(client, "read_page", json!({ "document": ADMIN, "page": 2 })).await;
    assert_eq!(text, whole["markdown"].as_str().unwrap());
}

async fn check_list_library(client: &Client) {
    let r = ok(client, "list_library", json!({})).await;
    assert_eq!(r["counts"]["documents"], 5);
    let vendors: Vec<&str> = r["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(vendors, ["Acme Signal", "Other Co"]);
    let gateway = &r["vendors"][0]["products"][0];
    assert_eq!(gateway["id"], "gateway");
    assert_eq!(gateway["aliases"], json!(["SGW"]));
    assert_eq!(gateway["current_version"], "2.0");
    assert_eq!(gateway["versions"][0]["current"], true);
    assert_eq!(gateway["versions"][1]["id"], "1.0");
    let admin = &gateway["versions"][0]["doc_sets"][0];
    assert_eq!(admin["documents"][0]["id"], ADMIN);
    assert_eq!(admin["documents"][0]["pages"], 3);
    let one = ok(
        client,
        "list_library",
        json!({ "product": "Signal Gateway", "version": "1.0" }),
    )
    .await;
    assert_eq!(one["counts"]["documents"], 1);
    assert_eq!(one["vendors"][0]["products"][0]["versions"][0]["id"], "1.0");
    // An alias is a product filter too.
    let aliased = ok(client, "list_library", json!({ "product": "sgw" })).await;
    assert_eq!(aliased["vendors"][0]["products"][0]["id"], "gateway");
}

async fn check_outline(client: &Client) {
    let r = ok(client, "get_outline", json!({ "document": ADMIN })).await;
    let top: Vec<&str> = r["headings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        top,
        ["Signal Gateway 2.0 Administration Guide", "Troubleshooting"]
    );
    let trouble = &r["headings"][1];
    assert_eq!(trouble["page_label"], "1");
    let kids = trouble["children"].as_array().unwrap();
    assert_eq!(kids[0]["text"], "Recording does not start");
    assert_eq!(kids[0]["chunk_id"], format!("{ADMIN}::2"));
    assert_eq!(kids[1]["page_id"], format!("{ADMIN}::p3"));
}

/// A guide whose "Retrying" section is the same in three versions and
/// whose "Limits" section changed in the current one.
fn twin_site() -> TestSite {
    let guide = |limits: &str| {
        format!("---\ntitle: API Guide\n---\n# API Guide\n\n## Retrying\n\nRetry a failed request after the Retry-After delay.\n\n## Limits\n\n{limits}\n")
    };
    let old = guide("Each token allows 20 requests per second.");
    let site = TestSite::new()
        .file(
            "gw/product.toml",
            "vendor = \"Acme\"\nname = \"Gateway\"\nversions = [\"3.0\", \"2.0\", \"1.0\"]\n\n[doc_sets]\napi = \"API\"\n",
        )
        .file("gw/3.0/api/guide.md", &guide("Each token allows 50 requests per second."))
        .file("gw/2.0/api/guide.md", &old)
        .file("gw/1.0/api/guide.md", &old);
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    site
}

/// A passage that is the same in several searched versions is one hit,
/// from the current-most version, naming the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_text_in_other_versions_is_one_hit() {
    let site = twin_site();
    let lib = Arc::new(Library::load(&site.out()).expect("site loads"));
    let http = crate::serve::start(&site.out(), move |opts, addr| {
        let http = HttpOptions::for_addr(addr, &[], &[]);
        server::static_router(opts).merge(mcp::router(lib, &http))
    });
    let (era, mode) = eras().into_iter().next().unwrap();
    let client = http_client(http.addr, era, mode).await;
    let all = "product:gw version:3.0 version:2.0 version:1.0";
    let r = ok(
        &client,
        "search",
        json!({ "query": format!("{all} retry failed request") }),
    )
    .await;
    let hit = &r["hits"][0];
    assert_eq!(hit["id"], "gw::3.0::api::guide::1", "{r}");
    let twins: Vec<(&str, &str)> = hit["same_text_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap(), t["version"].as_str().unwrap()))
        .collect();
    assert_eq!(
        twins,
        [
            ("gw::1.0::api::guide::1", "1.0"),
            ("gw::2.0::api::guide::1", "2.0")
        ]
    );
    let ids: Vec<&str> = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"gw::2.0::api::guide::1"), "{ids:?}");
    // The changed section: the current text, and the older one shared by 1.0 and 2.0.
    let r = ok(
        &client,
        "search",
        json!({ "query": format!("{all} requests per second") }),
    )
    .await;
    let limits: Vec<(&str, usize)> = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["id"].as_str().unwrap().ends_with("::2"))
        .map(|h| {
            (
                h["id"].as_str().unwrap(),
                h["same_text_in"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    assert!(limits.contains(&("gw::3.0::api::guide::2", 0)), "{r}");
    assert!(limits.contains(&("gw::2.0::api::guide::2", 1)), "{r}");
    // The default scope is the current version: nothing to list.
    let r = ok(
        &client,
        "search",
        json!({ "query": "retry failed request" }),
    )
    .await;
    assert_eq!(r["hits"][0]["id"], "gw::3.0::api::guide::1");
    assert!(r["hits"][0].get("same_text_in").is_none(), "{r}");
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_valid_values() {
    let http = start(&[]);
    for (era, mode) in eras() {
        let client = http_client(http.addr, era, mode).await;
        let e = err(
            &client,
            "search",
            json!({ "query": "x", "product": "nope" }),
        )
        .await;
        assert!(
            e.contains("gateway (Signal Gateway)") && e.contains("tool (Tool)"),
            "{e}"
        );
        let e = err(
            &client,
            "search",
            json!({ "query": "x", "product": "gateway", "version": "3.0" }),
        )
        .await;
        assert_eq!(
            e,
            "Signal Gateway has no version `3.0`. Its versions: 2.0 (current), 1.0."
        );
        let e = err(&client, "search", json!({ "query": "x", "version": "1" })).await;
        assert!(
            e.contains("No product in scope has version `1`") && e.contains("Did you mean `1.0`?"),
            "{e}"
        );
        let e = err(&client, "search", json!({ "query": "x", "vendor": "Acme" })).await;
        assert!(e.contains("Acme Signal, Other Co"), "{e}");
        let e = err(
            &client,
            "search",
            json!({ "query": "x", "doc_set": "guides" }),
        )
        .await;
        assert!(e.contains("admin (Administration Guide)"), "{e}");
        let e = err(
            &client,
            "search",
            json!({ "query": "x", "document": "gateway::2.0::admin::nope" }),
        )
        .await;
        assert!(e.contains("Unknown document") && e.contains(ADMIN), "{e}");
        let e = err(
            &client,
            "search",
            json!({ "query": "x", "document": ADMIN, "version": "1.0" }),
        )
        .await;
        assert!(e.contains("excludes"), "{e}");
        err(&client, "search", json!({ "query": "  " })).await;
        err(&client, "search", json!({ "query": "x", "limit": 500 })).await;
        let e = err(&client, "search", json!({ "query": 7 })).await;
        assert!(e.starts_with("Invalid arguments"), "{e}");
        let e = err(&client, "search", json!({ "query": "x", "colour": "red" })).await;
        assert!(e.contains("colour"), "{e}");
        let e = err(&client, "fetch", json!({ "id": ADMIN })).await;
        assert!(e.contains(&format!("{ADMIN}::p1")), "{e}");
        let e = err(&client, "fetch", json!({ "id": format!("{ADMIN}::99") })).await;
        assert!(e.contains("chunks are 1 to"), "{e}");
        let e = err(
            &client,
            "read_page",
            json!({ "document": ADMIN, "page": 9 }),
        )
        .await;
        assert!(e.contains("pages are 1 to 3 (printed i to 2)"), "{e}");
        err(&client, "read_page", json!({ "document": ADMIN })).await;
        err(&client, "get_outline", json!({ "document": "nope" })).await;
        err(
            &client,
            "list_library",
            json!({ "product": "gateway", "version": "9" }),
        )
        .await;
        let e = client
            .call_tool(CallToolRequestParams::new("delete_everything"))
            .await
            .expect_err("unknown tool is a protocol error");
        match e {
            ServiceError::McpError(data) => assert_eq!(data.code.0, -32602, "{era}"),
            other => panic!("{era}: {other}"),
        }
        client.cancel().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_pages_through_an_opaque_cursor() {
    let http = start(&[]);
    let (era, mode) = eras().into_iter().next().unwrap();
    let client = http_client(http.addr, era, mode).await;
    let args = json!({ "query": "recording", "version": "2.0", "limit": 1 });
    let first = ok(&client, "search", args.clone()).await;
    assert!(first["total"].as_u64().unwrap() >= 2, "{first}");
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let mut next_args = args.clone();
    next_args["cursor"] = json!(cursor);
    let second = ok(&client, "search", next_args).await;
    assert_ne!(second["hits"][0]["id"], first["hits"][0]["id"]);
    let both = ok(
        &client,
        "search",
        json!({ "query": "recording", "version": "2.0", "limit": 2 }),
    )
    .await;
    assert_eq!(both["hits"][1]["id"], second["hits"][0]["id"]);
    let e = err(
        &client,
        "search",
        json!({ "query": "other words", "cursor": cursor }),
    )
    .await;
    assert!(e.contains("cursor"), "{e}");
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_give_markdown_by_uri() {
    let http = start(&[]);
    for (era, mode) in eras() {
        let client = http_client(http.addr, era, mode).await;
        let templates = client.list_all_resource_templates().await.unwrap();
        assert_eq!(templates.len(), 3);
        let list = client.list_all_resources().await.unwrap();
        assert_eq!(list.len(), 5);
        assert!(list
            .iter()
            .all(|r| r.mime_type.as_deref() == Some("text/markdown")));
        let read = |uri: String| {
            let client = &client;
            async move {
                let r = client
                    .read_resource(ReadResourceRequestParams::new(uri.clone()))
                    .await
                    .unwrap_or_else(|e| panic!("{uri}: {e}"));
                match &r.contents[0] {
                    ResourceContents::TextResourceContents {
                        text, mime_type, ..
                    } => {
                        assert_eq!(mime_type.as_deref(), Some("text/markdown"));
                        text.clone()
                    }
                    other => panic!("{other:?}"),
                }
            }
        };
        let chunk = read(format!("mcdewey://chunk/{ADMIN}::2")).await;
        assert!(
            chunk.contains("p. 1 (§ Troubleshooting › Recording does not start)")
                && chunk.contains("RG-1042"),
            "{chunk}"
        );
        let page =
            read("mcdewey://page/gateway%3A%3A2.0%3A%3Aadmin%3A%3Aadmin-guide%3A%3Ap3".into())
                .await;
        assert!(page.contains("Collecting diagnostics"), "{page}");
        let outline = read(format!("mcdewey://outline/{ADMIN}")).await;
        assert!(
            outline.contains("- p. 2: Collecting diagnostics")
                || outline.contains("Recording does not start"),
            "{outline}"
        );
        let missing = client
            .read_resource(ReadResourceRequestParams::new("mcdewey://chunk/nope::1"))
            .await;
        assert!(missing.is_err());
        client.cancel().await.unwrap();
    }
}

#[test]
fn search_ids_rank_through_search_core() {
    let lib = library();
    let filters = Filters {
        version: vec!["2.0".into()],
        ..Filters::default()
    };
    let ids = mcp::search_ids(&lib, "RG-1042", filters);
    assert_eq!(
        ids.first().map(String::as_str),
        Some("gateway::2.0::admin::admin-guide::2")
    );
}

/// The search tool shows each hit from document.json (the server does not
/// load the index fragments); it must show what search-core's own `hit`
/// shows from the fragments.
#[test]
fn search_results_show_what_search_core_shows() {
    let dir = site().join("_search");
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap();
    let mut index = mcdewey_search_core::Index::open(&read("manifest.bin")).unwrap();
    index
        .add_all(|p| Ok::<_, mcdewey_search_core::FormatError>(read(p)))
        .unwrap();
    let lib = library();
    for query in [
        "recording",
        "RG-1042 recorder",
        "\"diagnostics bundle\"",
        "sessions",
        "archives",
    ] {
        let args = mcp::tools::SearchArgs {
            query: query.into(),
            vendor: None,
            product: None,
            version: Some("2.0".into()),
            doc_set: None,
            document: None,
            limit: Some(20),
            cursor: None,
        };
        let out = mcp::tools::search(&lib, &args).unwrap();
        let q = mcdewey_search_core::parse_query(
            query,
            Filters {
                version: vec!["2.0".into()],
                ..Filters::default()
            },
        )
        .with_limit(20);
        let expected = index.search(&q).unwrap();
        assert_eq!(out.total, expected.total, "{query}");
        assert_eq!(out.hits.len(), expected.hits.len(), "{query}");
        for (mine, theirs) in out.hits.iter().zip(&expected.hits) {
            let h = index.hit(theirs.ordinal, &q).unwrap();
            assert_eq!(mine.id, h.id, "{query}");
            assert_eq!(mine.score, theirs.score);
            assert_eq!(mine.snippet, h.snippet.text, "{query}");
            // The index holds an unpaged document's section title where a
            // paged one has its printed label; /mcp gives printed labels only.
            let printed = h.page_label.clone().filter(|_| h.paged);
            assert_eq!((mine.page, &mine.page_label), (h.page, &printed));
            assert_eq!(mine.breadcrumb, h.breadcrumb);
            assert_eq!(mine.url, format!("/{}", h.url));
        }
    }
}

/// Calls answered from the cache equal fresh ones, for every tool and for
/// calls that differ only in one argument.
#[test]
fn cached_results_equal_fresh_ones() {
    let lib = library();
    let cached = mcp::McpServer::new(lib.clone(), 3);
    let fresh = mcp::McpServer::new(lib, 0);
    let calls = [
        ("search", json!({ "query": "recording", "version": "2.0" })),
        ("search", json!({ "query": "recording", "version": "1.0" })),
        (
            "search",
            json!({ "query": "recording", "version": "2.0", "limit": 1 }),
        ),
        ("fetch", json!({ "id": format!("{ADMIN}::2") })),
        ("read_page", json!({ "document": ADMIN, "page": 2 })),
        ("list_library", json!({})),
        ("get_outline", json!({ "document": ADMIN })),
        ("search", json!({ "query": "recording", "version": "9.9" })),
    ];
    // Twice round, more calls than entries: hits, misses and evictions.
    for _ in 0..2 {
        for (tool, args) in &calls {
            let Value::Object(a) = args.clone() else {
                unreachable!()
            };
            let got = cached.call(tool, a.clone()).unwrap();
            let want = fresh.call(tool, a).unwrap();
            assert_eq!(got, want, "{tool} {args}");
            let again = cached
                .call(tool, args.as_object().unwrap().clone())
                .unwrap();
            assert_eq!(again, want, "{tool} {args} from the cache");
        }
    }
    assert!(cached.call("nope", JsonObject::new()).is_none());
}

// ---------------------------------------------------------------- stdio

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_serves_the_same_tools() {
    for (era, mode) in eras() {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mcdewey"));
        cmd.arg("mcp").arg(site());
        let transport = TokioChildProcess::new(cmd).unwrap();
        let client = client_config(era)
            .serve_with_lifecycle(transport, mode)
            .await
            .unwrap_or_else(|e| panic!("{era}: {e}"));
        assert_eq!(client.list_all_tools().await.unwrap().len(), 5);
        let r = ok(&client, "search", json!({ "query": "RG-1042" })).await;
        assert_eq!(r["hits"][0]["id"], format!("{ADMIN}::2"));
        let e = err(&client, "search", json!({ "query": "x", "version": "3.0" })).await;
        assert!(
            e.contains("no version `3.0`") || e.contains("has version `3.0`"),
            "{e}"
        );
        client.cancel().await.unwrap();
    }
}

#[test]
fn mcp_command_refuses_a_directory_that_is_not_a_site() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mcdewey"))
        .arg("mcp")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a built McDewey site"));
}

#[test]
fn serve_refuses_a_malformed_allowed_origin() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mcdewey"))
        .args(["serve", "--port", "0", "--allow-origin", "example.com"])
        .arg(site())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an origin"));
}

// ---------------------------------------------------------------- raw HTTP

pub(crate) const ACCEPT: &str = "application/json, text/event-stream";
pub(crate) const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;

pub(crate) fn post(addr: SocketAddr, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut head = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n",
        addr.port(),
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut req = head.into_bytes();
    req.extend_from_slice(body);
    send(addr, &req)
}

pub(crate) fn json_post(addr: SocketAddr, extra: &[(&str, &str)], body: &str) -> Response {
    let mut headers = vec![("Content-Type", "application/json"), ("Accept", ACCEPT)];
    headers.extend_from_slice(extra);
    post(addr, &headers, body.as_bytes())
}

/// Sends bytes and reads the reply, tolerating a server that answers and
/// closes before the whole request is written (as it does for a body over
/// the limit).
pub(crate) fn send(addr: SocketAddr, req: &[u8]) -> Response {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let _ = s.write_all(req);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse_response(&buf)
}

/// The body as a JSON-RPC error object: (code, message).
pub(crate) fn rpc_error(r: &Response) -> (i64, String) {
    let text = r.text();
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{} not JSON: {text}", r.status));
    assert_eq!(v["jsonrpc"], "2.0", "{text}");
    let e = &v["error"];
    (
        e["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no error code: {text}")),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn initialize_answers_with_json() {
    let http = start(&[]);
    let r = json_post(http.addr, &[], INIT);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let v: Value = serde_json::from_str(&r.text()).unwrap();
    assert_eq!(v["result"]["serverInfo"]["name"], "mcdewey");
    assert!(r.header("mcp-session-id").is_none(), "stateless");
}

#[test]
fn post_without_the_right_accept_is_406() {
    let http = start(&[]);
    for accept in ["application/json", "text/event-stream", "*/*"] {
        let r = post(
            http.addr,
            &[("Content-Type", "application/json"), ("Accept", accept)],
            INIT.as_bytes(),
        );
        assert_eq!(r.status, 406, "{accept}");
        assert_eq!(rpc_error(&r).0, -32600);
    }
    let r = post(
        http.addr,
        &[("Content-Type", "application/json")],
        INIT.as_bytes(),
    );
    assert_eq!(r.status, 406);
}

#[test]
fn other_methods_are_405() {
    let http = start(&[]);
    for method in ["GET", "DELETE", "PUT"] {
        let r = send(
            http.addr,
            format!(
                "{method} /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("POST"));
        rpc_error(&r);
    }
}

#[test]
fn origins_and_hosts_are_checked() {
    let http = start(&["https://app.example.com"]);
    let own = format!("http://127.0.0.1:{}", http.addr.port());
    for (origin, status) in [
        ("http://evil.example", 403),
        ("http://127.0.0.1:1", 403),
        ("null", 403),
        (own.as_str(), 200),
        ("https://app.example.com", 200),
    ] {
        let r = json_post(http.addr, &[("Origin", origin)], INIT);
        assert_eq!(r.status, status, "{origin}: {}", r.text());
        if status == 403 {
            rpc_error(&r);
            assert!(r.header("access-control-allow-origin").is_none());
        } else {
            assert_eq!(r.header("access-control-allow-origin"), Some(origin));
        }
    }
    let preflight = |origin: &str| {
        send(
            http.addr,
            format!("OPTIONS /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n").as_bytes(),
        )
    };
    assert_eq!(preflight("https://app.example.com").status, 204);
    assert_eq!(preflight("https://evil.example").status, 403);
    let r = send(
        http.addr,
        format!(
            "POST /mcp HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nAccept: {ACCEPT}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{INIT}",
            INIT.len()
        )
        .as_bytes(),
    );
    assert_eq!(r.status, 403, "DNS rebinding: foreign Host");
}

#[test]
fn bodies_over_the_limit_are_413() {
    let http = start(&[]);
    let big = vec![b' '; mcp::MAX_BODY_BYTES + 10];
    let r = post(
        http.addr,
        &[("Content-Type", "application/json"), ("Accept", ACCEPT)],
        &big,
    );
    assert_eq!(r.status, 413);
    assert_eq!(rpc_error(&r).0, -32600);
    // Declared small, streamed large: chunked without a length.
    let mut req = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: {ACCEPT}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..20 {
        req.extend_from_slice(format!("{:x}\r\n", 64 * 1024).as_bytes());
        req.extend_from_slice(&vec![b' '; 64 * 1024]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(send(http.addr, &req).status, 413);
}

#[test]
fn unknown_tool_is_invalid_params() {
    let http = start(&[]);
    let r = json_post(
        http.addr,
        &[],
        r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"nope","arguments":{}}}"#,
    );
    assert_eq!(rpc_error(&r).0, -32602, "{}", r.text());
}

#[test]
fn unknown_method_in_the_modern_era_is_404_method_not_found() {
    let http = start(&[]);
    let body = r#"{"jsonrpc":"2.0","id":9,"method":"nothing/here","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"raw","version":"0"}}}}"#;
    let r = json_post(
        http.addr,
        &[
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", "nothing/here"),
        ],
        body,
    );
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(rpc_error(&r).0, -32601);
    // The same era's discover answers.
    let discover = body.replace("nothing/here", "server/discover");
    let r = json_post(
        http.addr,
        &[
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", "server/discover"),
        ],
        &discover,
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn garbage_gets_json_rpc_errors_and_never_a_crash() {
    let http = start(&[]);
    let r = json_post(http.addr, &[], "{not json");
    assert_eq!((r.status, rpc_error(&r).0), (400, -32700));
    let r = json_post(http.addr, &[], r#"{"hello":"world"}"#);
    assert_eq!((r.status, rpc_error(&r).0), (400, -32600));
    let r = post(
        http.addr,
        &[("Content-Type", "text/plain"), ("Accept", ACCEPT)],
        INIT.as_bytes(),
    );
    assert_eq!(r.status, 415);
    rpc_error(&r);
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..300 {
        let body = garbage(i, &mut rand);
        let r = post(
            http.addr,
            &[("Content-Type", "application/json"), ("Accept", ACCEPT)],
            &body,
        );
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(200)
            .collect::<String>();
        assert!(r.status < 500, "{} for {shown}", r.status);
        match r.status {
            202 => {}
            200 => {
                let v: Value = serde_json::from_str(&r.text()).unwrap();
                assert!(
                    v.get("result").is_some() || v.get("error").is_some(),
                    "{shown}"
                );
            }
            _ => {
                rpc_error(&r);
            }
        }
    }
    // Still serving.
    assert_eq!(json_post(http.addr, &[], INIT).status, 200);
}

/// Random bytes, random JSON, and valid messages with fields broken.
fn garbage(i: usize, rand: &mut impl FnMut() -> u64) -> Vec<u8> {
    let words = [
        "jsonrpc",
        "2.0",
        "id",
        "method",
        "params",
        "tools/call",
        "name",
        "search",
        "arguments",
        "query",
        "initialize",
        "resources/read",
        "uri",
        "_meta",
        "cursor",
        "limit",
    ];
    match i % 4 {
        0 => (0..(rand() % 300)).map(|_| rand() as u8).collect(),
        1 => random_json(rand, &words, 0).to_string().into_bytes(),
        2 => {
            let msg = json!({ "jsonrpc": "2.0", "id": rand() % 100, "method": words[(rand() % words.len() as u64) as usize], "params": random_json(rand, &words, 0) });
            msg.to_string().into_bytes()
        }
        _ => {
            let tool = [
                "search",
                "fetch",
                "read_page",
                "list_library",
                "get_outline",
            ][(rand() % 5) as usize];
            let msg = json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": { "name": tool, "arguments": random_json(rand, &words, 0) } });
            let mut s = msg.to_string().into_bytes();
            if rand().is_multiple_of(3) {
                s.truncate((rand() as usize) % s.len().max(1));
            }
            s
        }
    }
}

fn random_json(rand: &mut impl FnMut() -> u64, words: &[&str], depth: u32) -> Value {
    let pick = |r: u64| words[(r % words.len() as u64) as usize].to_string();
    match (rand() % 7, depth) {
        (0, _) => Value::Null,
        (1, _) => json!(rand().is_multiple_of(2)),
        (2, _) => json!((rand() % 2000) as i64 - 1000),
        (3, _) => json!(pick(rand())),
        (4, d) if d < 3 => Value::Array(
            (0..rand() % 4)
                .map(|_| random_json(rand, words, d + 1))
                .collect(),
        ),
        (_, d) if d < 3 => {
            let mut o = JsonObject::new();
            for _ in 0..rand() % 5 {
                o.insert(pick(rand()), random_json(rand, words, d + 1));
            }
            Value::Object(o)
        }
        _ => json!("::p1"),
    }
}
