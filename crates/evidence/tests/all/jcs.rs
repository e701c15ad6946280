//! RFC 8785 vectors: the section 3.2.2 serialization example and the section 3.2.3 property
//! sorting example, fed as JSON text (the workspace's `preserve_order` keeps the input order, so
//! sorting must come from the canonicalizer).

use abp_evidence::canonicalize;
use serde_json::Value;

fn check(input: &str, expected: &str) {
    let value: Value = serde_json::from_str(input).expect("input parses");
    assert_eq!(canonicalize(&value).expect("canonical form"), expected);
    // Canonical output is a fixed point.
    let again: Value = serde_json::from_str(expected).expect("output parses");
    assert_eq!(canonicalize(&again).expect("canonical form"), expected);
}

#[test]
fn serializes_the_rfc8785_section_3_2_2_example() {
    check(
        r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#,
        "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}",
    );
}

#[test]
fn sorts_properties_by_utf16_code_units_as_in_rfc8785_section_3_2_3() {
    check(
        r#"{
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#,
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\
         \"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}",
    );
}

#[test]
fn sorts_nested_objects_and_keeps_array_order() {
    check(
        r#"{"b": [{"z": 1, "a": 2}, 3], "a": {"y": -0.0, "x": 1e21, "w": 1e-7}, "": "\u007f\u2028"}"#,
        "{\"\":\"\u{7f}\u{2028}\",\"a\":{\"w\":1e-7,\"x\":1e+21,\"y\":0},\"b\":[{\"a\":2,\"z\":1},3]}",
    );
}

#[test]
fn escapes_control_characters_with_short_forms_where_ecmascript_has_them() {
    check(
        r#"["\u0000\u0008\u0009\u000a\u000b\u000c\u000d\u001f \"\\/"]"#,
        "[\"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f \\\"\\\\/\"]",
    );
}
