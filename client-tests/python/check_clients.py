"""Drives a running McDewey MCP server with the official Python SDK.

Usage: check_clients.py URL BIN SITE [TOKEN_URL TOKEN]

Connects over Streamable HTTP (URL) in each of the SDK's connection modes
(legacy initialize handshake, auto negotiation, the 2026-07-28 protocol
pinned) and over stdio (`BIN mcp SITE`), and runs the same checks on each:
tool schemas with their bounds, a search with a limit and its next page,
read_page with integer arguments, resources, and a garbage list cursor
refused with -32602. Structured results are validated by the SDK against
the tools' output schemas. With TOKEN_URL (a server requiring TOKEN), the
documented way to send a bearer token is checked too. Prints one line per check and
"N passed, N failed" last; exits 1 when a check failed.
"""

import asyncio
import sys
from importlib.metadata import version

import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

QUERY = "install"


async def checks(client, label, results):
    def check(name, cond, detail=""):
        results.append((f"{label}: {name}", bool(cond), detail))

    tools = {t.name: t for t in (await client.list_tools()).tools}
    check(
        "five tools",
        set(tools) == {"search", "fetch", "read_page", "list_library", "get_outline"},
        sorted(tools),
    )
    limit = tools["search"].input_schema["properties"]["limit"]
    check(
        "search.limit is an integer from 1 to 50",
        (limit.get("type"), limit.get("minimum"), limit.get("maximum")) == ("integer", 1, 50),
        limit,
    )

    first = await client.call_tool("search", {"query": QUERY, "limit": 2})
    hits = (first.structured_content or {}).get("hits", [])
    check("search limit=2 gives two hits", not first.is_error and len(hits) == 2, first.content[:1])
    cursor = (first.structured_content or {}).get("next_cursor")
    check("search gives a next_cursor", isinstance(cursor, str) and cursor, first.structured_content)
    if cursor:
        second = await client.call_tool("search", {"query": QUERY, "limit": 2, "cursor": cursor})
        ids = [h["id"] for h in (second.structured_content or {}).get("hits", [])]
        check(
            "the next page holds other hits",
            not second.is_error and ids and not set(ids) & {h["id"] for h in hits},
            ids,
        )

    bad = await client.call_tool("search", {"query": QUERY, "limit": 0})
    text = bad.content[0].text if bad.content else ""
    check("limit=0 is a tool error naming the bounds", bad.is_error and "1 and 50" in text, text)

    if hits:
        doc = hits[0]["document"]
        page = await client.call_tool(
            "read_page", {"document": doc, "page": hits[0]["page"], "neighbors": 1, "max_chars": 500}
        )
        body = page.structured_content or {}
        check("read_page with integer arguments", not page.is_error and body.get("document") == doc, page.content[:1])
        outline = await client.call_tool("get_outline", {"document": doc})
        check("get_outline", not outline.is_error and (outline.structured_content or {}).get("headings"))
        fetched = await client.call_tool("fetch", {"id": hits[0]["id"]})
        check("fetch a hit by id", not fetched.is_error and (fetched.structured_content or {}).get("markdown"))

        uri = f"mcdewey://chunk/{hits[0]['id']}"
        read = await client.read_resource(uri)
        check("read a chunk resource", read.contents and read.contents[0].text, uri)

    library = await client.call_tool("list_library", {})
    check("list_library", not library.is_error and (library.structured_content or {}).get("vendors"))
    resources = await client.list_resources()
    check("resources/list", len(resources.resources) > 0)
    templates = await client.list_resource_templates()
    check("resources/templates/list", len(templates.resource_templates) == 3, templates.resource_templates)

    try:
        await client.list_tools(cursor="not-a-cursor")
        check("a garbage tools/list cursor is -32602", False, "no error")
    except MCPError as e:
        check("a garbage tools/list cursor is -32602", e.code == -32602, f"{e.code} {e}")


async def run(label, server, mode, results):
    try:
        async with Client(server, mode=mode) as client:
            results.append((f"{label}: connects (protocol {client.protocol_version})", True, ""))
            await checks(client, label, results)
    except Exception as e:  # a failed connection is one failed check, the others still run
        results.append((f"{label}: runs without an exception", False, f"{type(e).__name__}: {e}"))


async def with_token(url, token, results):
    name = "token: the bearer token in the transport's HTTP client"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        transport = streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers))
        async with Client(transport) as client:
            r = await client.call_tool("search", {"query": QUERY, "limit": 2})
            results.append((name, len((r.structured_content or {}).get("hits", [])) == 2, r.content[:1]))
    except Exception as e:
        results.append((name, False, f"{type(e).__name__}: {e}"))
    name = "token: refused without it"
    try:
        async with Client(url) as client:
            await client.list_tools()
        results.append((name, False, "connected"))
    except Exception as e:  # the SDK raises inside a task group
        results.append((name, "Unauthorized" in repr(e) or "401" in repr(e), repr(e)))


async def main():
    if len(sys.argv) not in (4, 6):
        print(__doc__, file=sys.stderr)
        return 2
    url, binary, site = sys.argv[1:4]
    print(f"MCP Python SDK {version('mcp')}")
    results = []
    for mode in ("legacy", "auto", "2026-07-28"):
        await run(f"http {mode}", url, mode, results)
    stdio = StdioServerParameters(command=binary, args=["mcp", site])
    for mode in ("legacy", "auto"):
        await run(f"stdio {mode}", stdio, mode, results)
    if len(sys.argv) == 6:
        await with_token(sys.argv[4], sys.argv[5], results)
    failed = 0
    for name, ok, detail in results:
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
        failed += not ok
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
