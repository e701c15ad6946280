//! Module specs the tests share: a small one, one with every field type and relation kind,
//! and helpers to build variants.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use abp_node_sdk::{Value, json};

/// The consulting example from params.md.
pub fn consulting() -> Value {
    json!({
        "name": "consulting_engagements",
        "title": "Consulting Engagements",
        "version": "1.0.0",
        "summary": "Track client engagements",
        "category": "Services",
        "depends": ["base"],
        "application": true,
        "models": [{
            "name": "consulting.engagement",
            "description": "Engagement",
            "fields": [
                { "name": "partner_id", "type": "many2one", "string": "Client", "required": true, "relation": "res.partner" },
                { "name": "state", "type": "selection", "string": "Status", "required": true,
                  "selection": [["draft", "Draft"], ["running", "Running"], ["done", "Done"]] },
                { "name": "start_date", "type": "date", "string": "Start" }
            ]
        }]
    })
}

/// Every field type, relations between spec models in all directions, core relations that
/// imply dependencies, a self relation and a monetary field with an implied currency.
pub fn every_field_type() -> Value {
    json!({
        "name": "field_zoo",
        "title": "Field Zoo",
        "version": "2.3.4",
        "summary": "Every supported field type",
        "description": "A module with all field types.\n\nSecond paragraph.",
        "category": "Tools/Testing",
        "depends": ["base", "mail"],
        "models": [
            {
                "name": "zoo.enclosure",
                "description": "Enclosure",
                "fields": [
                    { "name": "name", "type": "char", "string": "Name", "required": true },
                    { "name": "sequence", "type": "integer" },
                    { "name": "notes", "type": "text", "help": "Free notes" },
                    { "name": "area", "type": "float", "string": "Area (m²)" },
                    { "name": "active", "type": "boolean" },
                    { "name": "opened_on", "type": "date" },
                    { "name": "inspected_at", "type": "datetime" },
                    { "name": "climate", "type": "selection", "selection": [["tropical", "Tropical"], ["arctic", "Arctic"]] },
                    { "name": "keeper_id", "type": "many2one", "relation": "res.users" },
                    { "name": "animal_ids", "type": "one2many", "relation": "zoo.animal", "inverse_name": "enclosure_id" },
                    { "name": "tag_ids", "type": "many2many", "relation": "zoo.tag" },
                    { "name": "budget", "type": "monetary" },
                    { "name": "website_text", "type": "html" },
                    { "name": "neighbour_ids", "type": "many2many", "relation": "zoo.enclosure", "string": "Neighbours" },
                    { "name": "product_id", "type": "many2one", "relation": "product.product" }
                ]
            },
            {
                "name": "zoo.animal",
                "description": "Animal",
                "fields": [
                    { "name": "enclosure_id", "type": "many2one", "relation": "zoo.enclosure", "required": true },
                    { "name": "weight", "type": "float" },
                    { "name": "price", "type": "monetary", "currency_field": "price_currency_id" },
                    { "name": "tag_ids", "type": "many2many", "relation": "zoo.tag" }
                ]
            },
            {
                "name": "zoo.tag",
                "fields": [
                    { "name": "enclosure_ids", "type": "many2many", "relation": "zoo.enclosure" },
                    { "name": "color", "type": "integer" }
                ]
            }
        ]
    })
}

/// `spec` with `pointer` (a JSON pointer) set to `value`; an object member is added when
/// missing.
pub fn with(mut spec: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("bad pointer {pointer}"));
    let parent = spec
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent} in spec"));
    match parent {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{pointer} is inside a scalar"),
    }
    spec
}
