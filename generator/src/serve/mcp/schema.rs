//! Tool schemas as every client reads them, and arguments as clients send
//! them. schemars writes an optional integer as `["integer", "null"]` with a
//! Rust-specific `format` (`uint32`); some clients (MCP Inspector 0.15) then
//! send the number as a string, and validators warn about the format. So an
//! optional argument is declared by its plain type (it is optional by not
//! being `required`), formats JSON Schema does not define are dropped, and
//! integer arguments are accepted as numbers or as strings of digits. In
//! output schemas a nullable value (`["string", "null"]`) becomes `anyOf`
//! with one type per branch, the same set of values in the spelling that
//! clients mapping schemas onto a single-`type` dialect accept (MCP
//! Inspector 2.x reports the array form as a portability warning).

use rmcp::model::JsonObject;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `format` values JSON Schema defines for numbers: none. Every integer
/// and float format schemars writes comes from the Rust type.
fn is_rust_number_format(f: &str) -> bool {
    matches!(
        f,
        "int8"
            | "int16"
            | "int32"
            | "int64"
            | "int128"
            | "int"
            | "uint8"
            | "uint16"
            | "uint32"
            | "uint64"
            | "uint128"
            | "uint"
            | "float"
            | "double"
    )
}

fn drop_number_formats(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(is_rust_number_format)
            {
                map.remove("format");
            }
            map.values_mut().for_each(drop_number_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_number_formats),
        _ => {}
    }
}

/// An input schema: optional properties by their plain type, no Rust formats.
pub fn clean_input(schema: &mut JsonObject) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            if required.contains(name) {
                continue;
            }
            let Some(Value::Array(types)) = prop.get("type") else {
                continue;
            };
            let non_null: Vec<Value> = types
                .iter()
                .filter(|t| t.as_str() != Some("null"))
                .cloned()
                .collect();
            if let [only] = non_null.as_slice() {
                let only = only.clone();
                prop["type"] = only;
                if prop.get("default") == Some(&Value::Null) {
                    prop.as_object_mut().map(|o| o.remove("default"));
                }
            }
        }
    }
    for v in schema.values_mut() {
        drop_number_formats(v);
    }
}

/// An output schema: no Rust formats, one `type` per (sub)schema.
pub fn clean_output(schema: &mut JsonObject) {
    single_types(schema);
    for v in schema.values_mut() {
        drop_number_formats(v);
        single_types_in(v);
    }
}

fn single_types_in(v: &mut Value) {
    match v {
        Value::Object(map) => {
            single_types(map);
            map.values_mut().for_each(single_types_in);
        }
        Value::Array(items) => items.iter_mut().for_each(single_types_in),
        _ => {}
    }
}

/// `"type": [A, B]` becomes `"anyOf": [{"type": A}, {"type": B}]`. The
/// other keywords stay beside it: each constrains only values of its own
/// type (`items` arrays, `minimum` numbers), so the set of valid values is
/// unchanged. A schema that already has `anyOf` keeps its type array, as
/// merging the two would need `allOf`.
fn single_types(map: &mut JsonObject) {
    let Some(Value::Array(types)) = map.get("type") else {
        return;
    };
    if types.len() < 2 || !types.iter().all(Value::is_string) || map.contains_key("anyOf") {
        return;
    }
    let branches = types
        .iter()
        .map(|t| serde_json::json!({ "type": t }))
        .collect();
    map.remove("type");
    map.insert("anyOf".into(), Value::Array(branches));
}

/// An optional `u32` argument sent as a number or as a string of digits
/// (`2` or `"2"`). Anything else is an error naming what was sent.
pub fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    use serde::de::Error;
    let v = Option::<Value>::deserialize(d)?;
    let bad = |v: &Value| D::Error::custom(format!("expected a whole number, got {v}"));
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad(&Value::Number(n))),
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            if !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&Value::String(s)));
            }
            t.parse().map(Some).map_err(|_| bad(&Value::String(s)))
        }
        Some(other) => Err(bad(&other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize, Debug)]
    struct A {
        #[serde(default, deserialize_with = "lenient_u32")]
        n: Option<u32>,
    }

    fn parse(v: Value) -> Result<Option<u32>, String> {
        serde_json::from_value::<A>(v)
            .map(|a| a.n)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn integers_as_numbers_or_strings() {
        assert_eq!(parse(json!({})), Ok(None));
        assert_eq!(parse(json!({ "n": null })), Ok(None));
        assert_eq!(parse(json!({ "n": 2 })), Ok(Some(2)));
        assert_eq!(parse(json!({ "n": "2" })), Ok(Some(2)));
        assert_eq!(parse(json!({ "n": " 12 " })), Ok(Some(12)));
        assert_eq!(parse(json!({ "n": "" })), Ok(None));
        for bad in [
            json!("two"),
            json!("-1"),
            json!(-1),
            json!(2.5),
            json!("1e3"),
            json!(true),
            json!(5_000_000_000u64),
        ] {
            let e = parse(json!({ "n": bad })).unwrap_err();
            assert!(e.contains("expected a whole number"), "{bad}: {e}");
        }
    }

    #[test]
    fn optional_properties_lose_null_and_formats() {
        let mut s: JsonObject = serde_json::from_value(json!({
            "type": "object",
            "required": ["query"],
            "properties": {
                "query": { "type": "string" },
                "limit": { "type": ["integer", "null"], "format": "uint32", "minimum": 1, "maximum": 50 },
                "cursor": { "type": ["string", "null"], "default": null },
                "either": { "type": ["string", "integer", "null"] }
            }
        }))
        .unwrap();
        clean_input(&mut s);
        let p = &s["properties"];
        assert_eq!(
            p["limit"],
            json!({ "type": "integer", "minimum": 1, "maximum": 50 })
        );
        assert_eq!(p["cursor"], json!({ "type": "string" }));
        assert_eq!(
            p["either"],
            json!({ "type": ["string", "integer", "null"] })
        );
        let mut o: JsonObject = serde_json::from_value(json!({
            "properties": { "n": { "type": "integer", "format": "uint" }, "d": { "type": "string", "format": "date-time" } }
        }))
        .unwrap();
        clean_output(&mut o);
        assert_eq!(o["properties"]["n"], json!({ "type": "integer" }));
        assert_eq!(o["properties"]["d"]["format"], "date-time");
    }

    #[test]
    fn output_type_arrays_become_single_type_branches() {
        let mut o: JsonObject = serde_json::from_value(json!({
            "type": "object",
            "properties": {
                "next": { "type": ["string", "null"], "description": "d" },
                "docs": { "type": ["array", "null"], "items": { "$ref": "#/$defs/Doc" } },
                "n": { "type": ["integer", "null"], "format": "uint32", "minimum": 0 },
                "kept": { "type": ["string", "null"], "anyOf": [{ "minLength": 1 }, { "type": "null" }] },
                "plain": { "type": "string" },
                "type": { "type": "string" }
            },
            "$defs": {
                "Doc": { "type": "object", "properties": { "label": { "type": ["string", "null"] } } }
            }
        }))
        .unwrap();
        clean_output(&mut o);
        let p = &o["properties"];
        let nullable = |t: &str| json!([{ "type": t }, { "type": "null" }]);
        assert_eq!(
            p["next"],
            json!({ "anyOf": nullable("string"), "description": "d" })
        );
        assert_eq!(
            p["docs"],
            json!({ "anyOf": nullable("array"), "items": { "$ref": "#/$defs/Doc" } })
        );
        assert_eq!(
            p["n"],
            json!({ "anyOf": nullable("integer"), "minimum": 0 })
        );
        assert_eq!(p["kept"]["type"], json!(["string", "null"]));
        assert_eq!(p["plain"], json!({ "type": "string" }));
        assert_eq!(p["type"], json!({ "type": "string" }));
        assert_eq!(o["type"], "object");
        assert_eq!(
            o["$defs"]["Doc"]["properties"]["label"],
            json!({ "anyOf": nullable("string") })
        );
    }
}
