//! Tool schemas as clients read them: the bounds the descriptions state are
//! in the schema, optional arguments have a plain type, no Rust-only
//! `format`, integers sent as strings (as MCP Inspector 0.15 sends them)
//! are accepted, and a list cursor the server never issued is -32602.

use crate::mcp::{eras, err, http_client, json_post, ok, rpc_error, start};
use rmcp::model::PaginatedRequestParams;
use rmcp::service::ServiceError;
use serde_json::{json, Value};

fn formats(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(f) = m.get("format") {
                out.push(format!("{path}: {f}"));
            }
            for (k, x) in m {
                formats(x, &format!("{path}/{k}"), out);
            }
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| formats(x, &format!("{path}/{i}"), out)),
        _ => {}
    }
}

/// Paths of (sub)schemas whose `type` is an array, which MCP Inspector 2.x
/// reports as a portability warning.
fn type_arrays(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(t @ Value::Array(_)) = m.get("type") {
                out.push(format!("{path}: {t}"));
            }
            for (k, x) in m {
                type_arrays(x, &format!("{path}/{k}"), out);
            }
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| type_arrays(x, &format!("{path}/{i}"), out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_schemas_spell_nullable_values_with_one_type_per_branch() {
    let http = start(&[]);
    for (era, mode) in eras() {
        let client = http_client(http.addr, era, mode).await;
        let tools = client.list_all_tools().await.unwrap();
        let mut found = Vec::new();
        for t in &tools {
            let out = Value::Object((**t.output_schema.as_ref().unwrap()).clone());
            type_arrays(&out, &format!("{} output", t.name), &mut found);
            if t.name == "search" {
                assert_eq!(
                    out["properties"]["next_cursor"]["anyOf"],
                    json!([{ "type": "string" }, { "type": "null" }]),
                    "{era}"
                );
            }
        }
        assert!(found.is_empty(), "{era}: {found:?}");
        client.cancel().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemas_carry_their_bounds_and_plain_types() {
    let http = start(&[]);
    for (era, mode) in eras() {
        let client = http_client(http.addr, era, mode).await;
        let tools = client.list_all_tools().await.unwrap();
        let input = |name: &str| -> Value {
            let t = tools.iter().find(|t| t.name == name).unwrap();
            Value::Object((*t.input_schema).clone())
        };
        let search = input("search");
        assert_eq!(
            search["properties"]["limit"],
            json!({ "type": "integer", "minimum": 1, "maximum": 50, "description": "Results per call, 1 to 50 (default 10)." }),
            "{era}"
        );
        let read = input("read_page");
        let bounds = |p: &str| {
            (
                read["properties"][p]["type"].clone(),
                read["properties"][p]["minimum"].clone(),
                read["properties"][p]["maximum"].clone(),
            )
        };
        assert_eq!(bounds("neighbors"), (json!("integer"), json!(0), json!(3)));
        assert_eq!(
            bounds("max_chars"),
            (json!("integer"), json!(200), json!(100000))
        );
        assert_eq!(bounds("page"), (json!("integer"), json!(1), Value::Null));
        for t in &tools {
            let schema = Value::Object((*t.input_schema).clone());
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, p) in schema["properties"].as_object().unwrap() {
                assert!(
                    p["type"].is_string(),
                    "{}.{name}: type {} (optional by not being required: {required:?})",
                    t.name,
                    p["type"]
                );
            }
            let mut found = Vec::new();
            formats(&schema, &format!("{} input", t.name), &mut found);
            if let Some(out) = &t.output_schema {
                formats(
                    &Value::Object((**out).clone()),
                    &format!("{} output", t.name),
                    &mut found,
                );
            }
            assert!(found.is_empty(), "{era}: {found:?}");
        }
        client.cancel().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integers_sent_as_strings_are_accepted() {
    let http = start(&[]);
    let (era, mode) = eras().into_iter().next().unwrap();
    let client = http_client(http.addr, era, mode).await;
    let as_number = ok(
        &client,
        "search",
        json!({ "query": "recording", "version": "2.0", "limit": 2 }),
    )
    .await;
    let as_string = ok(
        &client,
        "search",
        json!({ "query": "recording", "version": "2.0", "limit": "2" }),
    )
    .await;
    assert_eq!(
        as_string["hits"].as_array().unwrap().len(),
        2,
        "{as_string}"
    );
    assert_eq!(as_string["hits"], as_number["hits"]);
    let doc = crate::mcp::ADMIN;
    let r = ok(
        &client,
        "read_page",
        json!({ "document": doc, "page": "2", "neighbors": "1", "max_chars": "5000" }),
    )
    .await;
    let pages: Vec<i64> = r["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["number"].as_i64().unwrap())
        .collect();
    assert_eq!(pages, [1, 2, 3]);
    // Strings that are not whole numbers, and numbers out of range, are
    // errors the model can read.
    let e = err(&client, "search", json!({ "query": "x", "limit": "two" })).await;
    assert!(e.contains("expected a whole number"), "{e}");
    let e = err(&client, "search", json!({ "query": "x", "limit": "51" })).await;
    assert!(e.contains("between 1 and 50"), "{e}");
    let e = err(
        &client,
        "read_page",
        json!({ "document": doc, "page": 1, "neighbors": "4" }),
    )
    .await;
    assert!(e.contains("`neighbors`"), "{e}");
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_the_server_never_issued_is_invalid_params() {
    let http = start(&[]);
    for (era, mode) in eras() {
        let client = http_client(http.addr, era, mode).await;
        let e = client
            .list_tools(Some(
                PaginatedRequestParams::default().with_cursor(Some("garbage".into())),
            ))
            .await
            .expect_err("a garbage cursor is refused");
        match e {
            ServiceError::McpError(data) => assert_eq!(data.code.0, -32602, "{era}"),
            other => panic!("{era}: {other}"),
        }
        // Without a cursor, or with an empty one, the list comes back.
        assert_eq!(client.list_tools(None).await.unwrap().tools.len(), 5);
        let e = client
            .list_resources(Some(
                PaginatedRequestParams::default().with_cursor(Some("garbage".into())),
            ))
            .await
            .expect_err("resources/list too");
        assert!(
            matches!(e, ServiceError::McpError(ref d) if d.code.0 == -32602),
            "{e}"
        );
        client.cancel().await.unwrap();
    }
    let r = json_post(
        http.addr,
        &[],
        r#"{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"cursor":"%%%garbage"}}"#,
    );
    assert_eq!(rpc_error(&r).0, -32602, "{}", r.text());
}
