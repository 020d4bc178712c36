//! The MCP server over a loaded site: five read-only tools (search, fetch,
//! read_page, list_library, get_outline) and Markdown resources. The same
//! handler serves Streamable HTTP at `/mcp` (see [`http`]) and stdio
//! (`mcdewey mcp`). Searches go through search-core only, so they rank
//! exactly as the browser does.

mod cache;
mod http;
pub mod limits;
pub mod pool;
pub mod resources;
pub mod schema;
pub mod scope;
pub mod text;
pub mod tools;

pub use http::{
    check_origin, router, unavailable_router, HttpOptions, DEFAULT_CACHE_ENTRIES, MAX_BODY_BYTES,
};
pub use tools::search_ids;

use crate::serve::library::Live;
use anyhow::Context as _;
use cache::ToolCache;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    Implementation, JsonObject, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;

const INSTRUCTIONS: &str = "A documentation library. Call list_library to see products, versions and document ids; \
search to find chunks (only the current version of each product unless `version` is given); fetch to read a chunk \
or page by id; read_page for whole pages; get_outline for a document's headings. Quote answers with the `citation` \
of each result: it names the printed page, or the section for documents without pages (web pages).";

/// The handler: cheap to clone (one per HTTP request), shares the library
/// and the cache of recent results.
#[derive(Clone)]
pub struct McpServer {
    live: Live,
    tools: Arc<Vec<Tool>>,
    cache: Arc<ToolCache>,
    pool: Arc<pool::Pool>,
}

impl McpServer {
    /// A server keeping the results of up to `cache_entries` recent tool
    /// calls (0: none).
    pub fn new(lib: impl Into<Live>, cache_entries: usize) -> Self {
        McpServer {
            live: lib.into(),
            tools: Arc::new(tool_list()),
            cache: Arc::new(ToolCache::new(cache_entries)),
            pool: Arc::new(pool::Pool::for_this_machine()),
        }
    }

    /// The same server running its tool calls in `pool`.
    pub fn with_pool(mut self, pool: Arc<pool::Pool>) -> Self {
        self.pool = pool;
        self
    }

    /// [`McpServer::call`] in the pool: off the async workers, within the
    /// time budget, cancelled with `cancel`. Only successful results are
    /// cached.
    async fn call_in_pool(
        &self,
        name: &str,
        args: JsonObject,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Option<CallToolResult>, pool::Refused> {
        let key = self.cache_key(name, &args);
        if let Some(hit) = self.cache.get(&key) {
            return Ok(Some(hit));
        }
        let me = self.clone();
        let tool = name.to_string();
        let result = self
            .pool
            .run(cancel, move || me.run_tool(&tool, args))
            .await?;
        if let Some(r) = &result {
            if r.is_error != Some(true) {
                self.cache.put(key, r);
            }
        }
        Ok(result)
    }

    /// Runs one tool by name, or answers from the cache; `None` for a name
    /// that is not a tool.
    pub fn call(&self, name: &str, args: JsonObject) -> Option<CallToolResult> {
        let key = self.cache_key(name, &args);
        if let Some(hit) = self.cache.get(&key) {
            return Some(hit);
        }
        let result = self.run_tool(name, args)?;
        self.cache.put(key, &result);
        Some(result)
    }

    /// [`McpServer::call`] for a client at `origin` (`http://host:port`):
    /// site-relative URLs in the result become absolute on that origin. A
    /// site built with `site_url` has absolute URLs already.
    pub fn call_from(
        &self,
        name: &str,
        args: JsonObject,
        origin: Option<&str>,
    ) -> Option<CallToolResult> {
        Some(on_origin(self.call(name, args)?, origin))
    }

    /// A cached result is only for the build it was made from.
    fn cache_key(&self, name: &str, args: &JsonObject) -> String {
        let build = self.live.peek().build_id();
        format!("{build:08x} {}", ToolCache::key(name, args))
    }

    fn run_tool(&self, name: &str, args: JsonObject) -> Option<CallToolResult> {
        if !tools::NAMES.contains(&name) {
            return None;
        }
        let lib = match self.live.current() {
            Ok(lib) => lib,
            Err(message) => return Some(CallToolResult::error(vec![ContentBlock::text(message)])),
        };
        let lib = &*lib;
        let args = serde_json::Value::Object(args);
        Some(match name {
            "search" => run(args, |a| tools::search(lib, &a)),
            "fetch" => run(args, |a| tools::fetch(lib, &a)),
            "read_page" => run(args, |a| tools::read_page(lib, &a)),
            "list_library" => run(args, |a| tools::list_library(lib, &a)),
            "get_outline" => run(args, |a| tools::get_outline(lib, &a)),
            _ => return None,
        })
    }
}

/// Prefixes every `url` field that is a site path (`/…`) with `origin`.
fn absolute_urls(value: &mut serde_json::Value, origin: &str) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match v {
                    serde_json::Value::String(s) if k == "url" && s.starts_with('/') => {
                        s.insert_str(0, origin);
                    }
                    _ => absolute_urls(v, origin),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| absolute_urls(v, origin)),
        _ => {}
    }
}

/// `scheme://host[:port]` of an HTTP request, from its `Host` header (which
/// rmcp has already checked against the allowed hosts); `https` when a proxy
/// says so in `X-Forwarded-Proto`. `None` over stdio or for a malformed Host.
/// Site-relative URLs in a result made absolute on `origin`.
fn on_origin(mut result: CallToolResult, origin: Option<&str>) -> CallToolResult {
    match (origin, result.structured_content.take()) {
        (Some(origin), Some(mut value)) if result.is_error != Some(true) => {
            absolute_urls(&mut value, origin);
            CallToolResult::structured(value)
        }
        (_, value) => {
            result.structured_content = value;
            result
        }
    }
}

fn request_origin(context: &RequestContext<RoleServer>) -> Option<String> {
    use axum::http::{header, request::Parts, uri::Authority};
    let parts = context.extensions.get::<Parts>()?;
    let host = parts.headers.get(header::HOST)?.to_str().ok()?;
    let authority: Authority = host.parse().ok()?;
    if authority.as_str().contains('@') {
        return None;
    }
    let scheme = match parts
        .headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("https") => "https",
        _ => "http",
    };
    Some(format!(
        "{scheme}://{}",
        authority.as_str().to_ascii_lowercase()
    ))
}

/// Parses the arguments, runs the tool, and puts its result both in
/// `structuredContent` and, as the same JSON, in a text block. Bad arguments
/// and tool failures come back with `isError` so the model can correct itself.
fn run<A, T>(args: serde_json::Value, f: impl FnOnce(A) -> tools::ToolResult<T>) -> CallToolResult
where
    A: DeserializeOwned,
    T: Serialize,
{
    let result = serde_json::from_value::<A>(args)
        .map_err(|e| format!("Invalid arguments: {e}."))
        .and_then(f)
        .and_then(|v| serde_json::to_value(v).map_err(|e| e.to_string()));
    match result {
        Ok(value) => CallToolResult::structured(value),
        Err(message) => CallToolResult::error(vec![ContentBlock::text(message)]),
    }
}

fn tool_list() -> Vec<Tool> {
    vec![
        tool::<tools::SearchArgs, tools::SearchOutput>(
            "search",
            "Search the library",
            "Ranked chunks for a query, with snippet, page and a ready citation. Filters take ids from list_library; \
an unknown value is an error that lists the valid ones. Without `version`, only the current version of each product \
is searched; when nothing matches there, every version is searched and `widened` says so.",
        ),
        tool::<tools::FetchArgs, tools::Passage>(
            "fetch",
            "Fetch a chunk or page",
            "The Markdown of a chunk (id from search) or of a page (`<document id>::p<page>`), with its citation and the \
ids of the previous and next chunk or page.",
        ),
        tool::<tools::ReadPageArgs, tools::ReadPageOutput>(
            "read_page",
            "Read pages of a document",
            "The Markdown of one page of a document, by physical page number or printed label, optionally with \
neighbouring pages. Long text is cut at `max_chars`; `next_cursor` continues it.",
        ),
        tool::<tools::ListLibraryArgs, tools::LibraryOutput>(
            "list_library",
            "List the library",
            "Vendors, products, versions (the first is current), doc sets and documents with their ids and page and \
chunk counts. Use it to turn names into the ids that the other tools take.",
        ),
        tool::<tools::OutlineArgs, tools::OutlineOutput>(
            "get_outline",
            "Outline of a document",
            "The heading tree of a document with the page of each heading and the chunk id that starts there.",
        ),
    ]
}

fn tool<I: JsonSchema + 'static, O: JsonSchema + 'static>(
    name: &'static str,
    title: &'static str,
    description: &'static str,
) -> Tool {
    let mut tool = Tool::new(name, description, JsonObject::new())
        .with_title(title)
        .with_input_schema::<I>()
        .with_output_schema::<O>();
    let mut input = (*tool.input_schema).clone();
    schema::clean_input(&mut input);
    tool.input_schema = Arc::new(input);
    if let Some(out) = &tool.output_schema {
        let mut out = (**out).clone();
        schema::clean_output(&mut out);
        tool.output_schema = Some(Arc::new(out));
    }
    tool.with_annotations(
        ToolAnnotations::with_title(title)
            .read_only(true)
            .destructive(false)
            .idempotent(true)
            .open_world(false),
    )
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new("mcdewey", env!("CARGO_PKG_VERSION")).with_title("McDewey library"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        no_cursor(request)?;
        Ok(ListToolsResult::with_all_items(self.tools.to_vec()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        tracing::debug!(tool = %request.name, arguments = %serde_json::Value::Object(args.clone()), "mcp tool call");
        let origin = request_origin(&context);
        let called = match self.call_in_pool(&request.name, args, &context.ct).await {
            Ok(r) => r,
            Err(pool::Refused::OverBudget(budget)) => {
                return Ok(CallToolResult::error(vec![ContentBlock::text(format!(
                    "The call took longer than {} s and was stopped; the server may be busy. \
Try again, or narrow the search (fewer words, a product or version filter).",
                    budget.as_secs_f32()
                ))])
                .into())
            }
            // Nobody is waiting for this answer; a tool error keeps it
            // out of the server's error log.
            Err(pool::Refused::Cancelled) => {
                return Ok(CallToolResult::error(vec![ContentBlock::text(tools::CANCELLED)]).into())
            }
        };
        match called.map(|r| on_origin(r, origin.as_deref())) {
            Some(result) => Ok(result.into()),
            None => Err(ErrorData::invalid_params(
                format!(
                    "unknown tool `{}`; the tools are {}",
                    request.name,
                    self.tools
                        .iter()
                        .map(|t| t.name.as_ref())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None,
            )),
        }
    }

    /// rmcp hands over a request for a known method whose params it could
    /// not read (a `tools/call` whose `name` is not a string) as a custom
    /// request; that is invalid params (-32602), not an unknown method.
    async fn on_custom_request(
        &self,
        request: rmcp::model::CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CustomResult, ErrorData> {
        Err(custom_request_error(&request))
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let cursor = request.and_then(|r| r.cursor);
        // The document list only: no file to read, no check for a new build.
        resources::list(&self.live.peek(), cursor.as_deref())
            .map_err(|m| ErrorData::invalid_params(m, None))
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        no_cursor(request)?;
        Ok(resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        tracing::debug!(uri = %request.uri, "mcp resource read");
        // Reading a document may wait for the site's origin: off the
        // async workers.
        let live = self.live.clone();
        let uri = request.uri.clone();
        let read = tokio::task::spawn_blocking(move || {
            let lib = live.current().map_err(Ok)?;
            resources::read(&lib, &uri).map_err(Err)
        });
        match read.await {
            Ok(Ok(r)) => Ok(r.into()),
            Ok(Err(Ok(m))) => Err(ErrorData::internal_error(m, None)),
            Ok(Err(Err(m))) => Err(ErrorData::resource_not_found(
                m,
                Some(serde_json::json!({ "uri": request.uri })),
            )),
            Err(e) => Err(ErrorData::internal_error(e.to_string(), None)),
        }
    }
}

/// Lists that fit in one answer hand out no cursor, so any cursor sent back
/// is not one of ours: -32602, as the pagination rules ask for an invalid
/// cursor, instead of silently starting over.
fn no_cursor(request: Option<PaginatedRequestParams>) -> Result<(), ErrorData> {
    match request.and_then(|r| r.cursor) {
        Some(c) if !c.trim().is_empty() => Err(ErrorData::invalid_params(
            format!(
                "invalid cursor `{c}`: this list is complete in one answer, so it takes no cursor"
            ),
            None,
        )),
        _ => Ok(()),
    }
}

/// Serves the library over stdin/stdout until the client closes them.
pub async fn serve_stdio(lib: impl Into<Live>, cache_entries: usize) -> anyhow::Result<()> {
    use rmcp::ServiceExt;
    let running = McpServer::new(lib, cache_entries)
        .serve(rmcp::transport::stdio())
        .await
        .context("MCP session failed to start")?;
    running
        .waiting()
        .await
        .context("MCP session ended with an error")?;
    Ok(())
}

/// Methods rmcp reads into typed requests: reaching the custom-request
/// handler means their params did not fit.
const KNOWN_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "resources/directory/read",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "subscriptions/listen",
    "tasks/get",
    "tasks/update",
    "tasks/cancel",
    "skills/list",
    "skills/get",
];

fn custom_request_error(request: &rmcp::model::CustomRequest) -> ErrorData {
    let method = request.method.as_str();
    if !KNOWN_METHODS.contains(&method) {
        return ErrorData::new(
            rmcp::model::ErrorCode::METHOD_NOT_FOUND,
            method.to_string(),
            None,
        );
    }
    // The typed parse's own message says which field is wrong.
    let why = match method {
        "tools/call" => request
            .params_as::<CallToolRequestParams>()
            .err()
            .map(|e| e.to_string()),
        "resources/read" => request
            .params_as::<ReadResourceRequestParams>()
            .err()
            .map(|e| e.to_string()),
        _ => None,
    };
    let message = match why {
        Some(why) => format!("invalid params for `{method}`: {why}"),
        None => format!("invalid params for `{method}`"),
    };
    ErrorData::invalid_params(message, None)
}
