//! Tool schemas as every client reads them, and arguments as clients send
//! them. schemars writes an optional integer as `["integer", "null"]` with a
//! Rust-specific `format` (`uint32`); some clients (MCP Inspector 0.15) then
//! send the number as a string, and validators warn about the format. So an
//! optional argument is declared by its plain type (it is optional by not
//! being `required`), formats JSON Schema does not define are dropped, and
//! integer arguments are accepted as numbers or as strings of digits.

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

/// An output schema: no Rust formats.
pub fn clean_output(schema: &mut JsonObject) {
    for v in schema.values_mut() {
        drop_number_formats(v);
    }
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
}
