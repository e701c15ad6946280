//! The generator against real parsers: Python compiles and reads back every generated file,
//! XML parses, ids load in order, and hostile spec values either fail the checks or come
//! back from the parsers as exactly the text that went in.

mod support {
    pub mod inspect;
    pub mod specs;
}

use abp_node_odoo::{GeneratedFile, ModuleSpec, OdooVersion, generate};
use abp_node_sdk::{Value, json};
use support::inspect::inspect;
use support::specs::{consulting, every_field_type, with};

fn spec(value: Value) -> ModuleSpec {
    serde_json::from_value(value).expect("spec deserializes")
}

fn files_of(value: Value, version: OdooVersion) -> Vec<GeneratedFile> {
    generate(&spec(value), version).unwrap_or_else(|e| panic!("spec refused: {e}"))
}

fn content<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .content
}

#[test]
fn consulting_spec_generates_the_oca_layout() {
    let files = files_of(consulting(), OdooVersion::V17);
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "__init__.py",
            "__manifest__.py",
            "README.rst",
            "models/__init__.py",
            "models/consulting_engagement.py",
            "security/ir.model.access.csv",
            "views/consulting_engagement_views.xml",
            "views/menus.xml",
        ]
    );
}

#[test]
fn every_field_type_compiles_and_loads_in_order_on_both_versions() {
    for version in [OdooVersion::V17, OdooVersion::V18] {
        for value in [consulting(), every_field_type()] {
            let dir = tempfile::tempdir().unwrap();
            let files = files_of(value, version);
            let inspection = inspect(dir.path(), &files);
            assert!(
                inspection.manifest["version"]
                    .as_str()
                    .unwrap()
                    .starts_with(version.series())
            );
        }
    }
}

#[test]
fn manifest_has_exactly_the_expected_keys_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let inspection = inspect(dir.path(), &files_of(consulting(), OdooVersion::V17));
    assert_eq!(
        inspection.manifest,
        json!({
            "name": "Consulting Engagements",
            "summary": "Track client engagements",
            "version": "17.0.1.0.0",
            "category": "Services",
            "license": "LGPL-3",
            "author": "abp",
            "depends": ["base"],
            "data": [
                "security/ir.model.access.csv",
                "views/consulting_engagement_views.xml",
                "views/menus.xml"
            ],
            "installable": true,
            "application": true
        })
    );
}

#[test]
fn version_takes_the_odoo_series_prefix() {
    let check = |given: Value, odoo: OdooVersion, expected: &str| {
        let dir = tempfile::tempdir().unwrap();
        let inspection = inspect(
            dir.path(),
            &files_of(with(consulting(), "/version", given), odoo),
        );
        assert_eq!(inspection.manifest["version"], expected);
    };
    check(json!("1.0.0"), OdooVersion::V17, "17.0.1.0.0");
    check(json!("2.1"), OdooVersion::V18, "18.0.2.1.0");
    check(json!("18.0.1.2.3"), OdooVersion::V18, "18.0.1.2.3");
    check(Value::Null, OdooVersion::V17, "17.0.1.0.0");
}

#[test]
fn list_views_are_tree_on_17_and_list_on_18() {
    for (version, tag, mode) in [
        (OdooVersion::V17, "tree", "tree,form"),
        (OdooVersion::V18, "list", "list,form"),
    ] {
        let files = files_of(every_field_type(), version);
        let xml = content(&files, "views/zoo_enclosure_views.xml");
        let doc = roxmltree::Document::parse(xml).unwrap();
        let list = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(&*format!("zoo_enclosure_view_{tag}")))
            .unwrap();
        let arch = list
            .children()
            .find(|n| n.attribute("name") == Some("arch"))
            .unwrap();
        assert_eq!(arch.first_element_child().unwrap().tag_name().name(), tag);
        let other = if tag == "tree" { "<list" } else { "<tree" };
        assert!(!xml.contains(other), "{version}: no `{other}` anywhere");
        let action_mode = doc
            .descendants()
            .find(|n| n.attribute("name") == Some("view_mode"))
            .and_then(|n| n.text())
            .unwrap();
        assert_eq!(action_mode, mode);
    }
}

#[test]
fn fields_map_to_odoo_field_classes_with_their_options() {
    let dir = tempfile::tempdir().unwrap();
    let inspection = inspect(dir.path(), &files_of(every_field_type(), OdooVersion::V17));
    let check = |file: &str, field: &str, call: &str, args: Value, kwargs: Value| {
        let entry = inspection.assignment(file, field);
        assert_eq!(entry["call"], call, "{file} {field}");
        assert_eq!(entry["args"], args, "{file} {field}");
        assert_eq!(entry["kwargs"], kwargs, "{file} {field}");
    };
    let zoo = "zoo_enclosure.py";
    check(
        zoo,
        "name",
        "fields.Char",
        json!([]),
        json!({ "string": "Name", "required": true }),
    );
    check(zoo, "sequence", "fields.Integer", json!([]), json!({}));
    check(
        zoo,
        "notes",
        "fields.Text",
        json!([]),
        json!({ "help": "Free notes" }),
    );
    check(
        zoo,
        "area",
        "fields.Float",
        json!([]),
        json!({ "string": "Area (m²)" }),
    );
    check(zoo, "active", "fields.Boolean", json!([]), json!({}));
    check(zoo, "opened_on", "fields.Date", json!([]), json!({}));
    check(zoo, "inspected_at", "fields.Datetime", json!([]), json!({}));
    check(
        zoo,
        "climate",
        "fields.Selection",
        json!([]),
        json!({ "selection": [["tropical", "Tropical"], ["arctic", "Arctic"]] }),
    );
    check(
        zoo,
        "keeper_id",
        "fields.Many2one",
        json!(["res.users"]),
        json!({}),
    );
    check(
        zoo,
        "animal_ids",
        "fields.One2many",
        json!(["zoo.animal"]),
        json!({ "inverse_name": "enclosure_id" }),
    );
    check(
        zoo,
        "tag_ids",
        "fields.Many2many",
        json!(["zoo.tag"]),
        json!({}),
    );
    check(
        zoo,
        "budget",
        "fields.Monetary",
        json!([]),
        json!({ "currency_field": "currency_id" }),
    );
    check(zoo, "website_text", "fields.Html", json!([]), json!({}));
    check(
        zoo,
        "currency_id",
        "fields.Many2one",
        json!(["res.currency"]),
        json!({ "string": "Currency", "required": true, "default": "<Lambda>" }),
    );
    // A self-referencing many2many cannot use Odoo's default table name.
    check(
        zoo,
        "neighbour_ids",
        "fields.Many2many",
        json!(["zoo.enclosure"]),
        json!({
            "relation": "zoo_enclosure_neighbour_ids_rel",
            "column1": "zoo_enclosure_id",
            "column2": "related_zoo_enclosure_id",
            "string": "Neighbours"
        }),
    );
    let animal = "zoo_animal.py";
    check(
        animal,
        "enclosure_id",
        "fields.Many2one",
        json!(["zoo.enclosure"]),
        json!({ "required": true, "ondelete": "cascade", "index": true }),
    );
    check(
        animal,
        "price",
        "fields.Monetary",
        json!([]),
        json!({ "currency_field": "price_currency_id" }),
    );
    check(
        animal,
        "price_currency_id",
        "fields.Many2one",
        json!(["res.currency"]),
        json!({ "string": "Price Currency", "required": true, "default": "<Lambda>" }),
    );
    // Implied `name` field, and `_order` from it.
    check(
        animal,
        "name",
        "fields.Char",
        json!([]),
        json!({ "required": true }),
    );
    assert_eq!(inspection.assignment(animal, "_order")["value"], "name, id");
    assert_eq!(
        inspection.assignment(zoo, "_order")["value"],
        "sequence, id"
    );
    assert_eq!(
        inspection.assignment("zoo_tag.py", "_description")["value"],
        "Zoo Tag"
    );
}

#[test]
fn required_selection_defaults_to_its_first_key() {
    let dir = tempfile::tempdir().unwrap();
    let inspection = inspect(dir.path(), &files_of(consulting(), OdooVersion::V18));
    let state = inspection.assignment("consulting_engagement.py", "state");
    assert_eq!(state["kwargs"]["default"], "draft");
}

#[test]
fn core_relations_add_the_modules_that_provide_them() {
    let dir = tempfile::tempdir().unwrap();
    let inspection = inspect(dir.path(), &files_of(every_field_type(), OdooVersion::V17));
    assert_eq!(
        inspection.manifest["depends"],
        json!(["base", "mail", "product"])
    );
}

#[test]
fn a_module_without_models_is_still_installable() {
    let dir = tempfile::tempdir().unwrap();
    let files = files_of(
        json!({ "name": "empty_shell", "title": "Empty" }),
        OdooVersion::V17,
    );
    let inspection = inspect(dir.path(), &files);
    assert_eq!(inspection.manifest["data"], json!([]));
    assert_eq!(files.len(), 3);
}

/// Values that try to break out of a Python string, an XML attribute or text, or RST.
const HOSTILE: &[&str] = &[
    "'''",
    "\"\"\"",
    "\"); import os; os.system(\"id\"); (\"",
    "'); import os; os.system('id'); ('",
    "</field><field name=\"arch\">",
    "\" onload=\"x",
    "back\\slash\\",
    "\\\"",
    "tab\there & <amp> 'quote' \"dq\"",
    "Ünïcødé ✓ \u{202e}reversed",
    "{{ODOO_PASSWORD}} %s %(x)s ${x}",
];

#[test]
fn hostile_free_text_is_escaped_and_reads_back_unchanged() {
    for (i, text) in HOSTILE.iter().enumerate() {
        let mut value = consulting();
        value["title"] = json!(text);
        value["summary"] = json!(text);
        value["category"] = json!(text);
        value["description"] = json!(format!(
            "{text}\n.. raw:: html\n\n   <script>alert(1)</script>\n{text}"
        ));
        value["models"][0]["description"] = json!(text);
        value["models"][0]["fields"][0]["string"] = json!(text);
        value["models"][0]["fields"][0]["help"] = json!(format!("{text}\nline two"));
        value["models"][0]["fields"][1]["selection"][0] = json!([text, text]);
        for version in [OdooVersion::V17, OdooVersion::V18] {
            let dir = tempfile::tempdir().unwrap();
            let files = files_of(value.clone(), version);
            let inspection = inspect(dir.path(), &files);
            let keys: Vec<&String> = inspection.manifest.as_object().unwrap().keys().collect();
            assert_eq!(
                keys,
                [
                    "name",
                    "summary",
                    "version",
                    "category",
                    "license",
                    "author",
                    "depends",
                    "data",
                    "installable",
                    "application"
                ],
                "hostile text {i}"
            );
            assert_eq!(inspection.manifest["name"], *text);
            assert_eq!(inspection.manifest["summary"], *text);
            let model = &inspection.models["consulting_engagement.py"];
            assert_eq!(
                model["top"],
                json!(["ImportFrom", "ClassDef"]),
                "hostile text {i}: only the import and the class"
            );
            assert!(
                model["body"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|e| e["kind"] == "Assign"),
                "hostile text {i}: class body"
            );
            assert_eq!(
                inspection.assignment("consulting_engagement.py", "_description")["value"],
                *text
            );
            let partner = inspection.assignment("consulting_engagement.py", "partner_id");
            assert_eq!(partner["kwargs"]["string"], *text);
            assert_eq!(partner["kwargs"]["help"], format!("{text}\nline two"));
            let state = inspection.assignment("consulting_engagement.py", "state");
            assert_eq!(state["kwargs"]["selection"][0], json!([text, text]));

            let menus = roxmltree::Document::parse(content(&files, "views/menus.xml")).unwrap();
            let root_menu = menus.root_element().first_element_child().unwrap();
            assert_eq!(
                root_menu.attribute("name"),
                Some(*text),
                "hostile text {i}: menu name"
            );
            let views = roxmltree::Document::parse(content(
                &files,
                "views/consulting_engagement_views.xml",
            ))
            .unwrap();
            let form = views
                .descendants()
                .find(|n| n.tag_name().name() == "form")
                .unwrap();
            assert_eq!(form.attribute("string"), Some(*text));
            let records = views
                .root_element()
                .children()
                .filter(roxmltree::Node::is_element)
                .count();
            assert_eq!(
                records, 4,
                "hostile text {i}: list, form, search and action, nothing injected"
            );
            let readme = content(&files, "README.rst");
            assert!(
                !readme.contains("\n.. raw::"),
                "hostile text {i}: no directive survives in the README"
            );
        }
    }
}

/// Checks that `value` is refused with problems at exactly `expected` (path, message part).
fn check_refused(value: &Value, expected: &[(&str, &str)]) {
    let err =
        generate(&spec(value.clone()), OdooVersion::V17).expect_err(&format!("accepted {value}"));
    let got: Vec<(String, String)> = err
        .0
        .iter()
        .map(|e| (e.path.clone(), e.message.clone()))
        .collect();
    assert_eq!(got.len(), expected.len(), "problems: {got:#?}");
    for ((path, message), (want_path, want_part)) in got.iter().zip(expected) {
        assert_eq!(path, want_path, "{got:#?}");
        assert!(
            message.contains(want_part),
            "`{message}` should mention `{want_part}`"
        );
    }
    let text = err.to_string();
    assert!(text.starts_with("module spec is invalid"), "{text}");
}

#[test]
fn rejects_module_names_with_path_traversal() {
    for name in ["../x", "..", "a/b", "/etc", "x\\y", "x/../../y", "."] {
        check_refused(
            &with(consulting(), "/name", json!(name)),
            &[("name", "not a plain folder name")],
        );
    }
    for name in [
        "",
        "Upper",
        "1abc",
        "with-dash",
        "with space",
        "_private",
        "naïve",
    ] {
        check_refused(
            &with(consulting(), "/name", json!(name)),
            &[("name", "^[a-z][a-z0-9_]*$")],
        );
    }
}

#[test]
fn rejects_reserved_module_names() {
    check_refused(
        &with(consulting(), "/name", json!("import")),
        &[("name", "Python keyword")],
    );
    for name in ["sale", "account", "web", "l10n_de_custom"] {
        check_refused(
            &with(consulting(), "/name", json!(name)),
            &[("name", "taken by an Odoo module")],
        );
    }
    check_refused(
        &with(consulting(), "/name", json!("base")),
        &[
            ("name", "taken by an Odoo module"),
            ("depends[0]", "cannot depend on itself"),
        ],
    );
}

#[test]
fn rejects_reserved_and_malformed_field_names() {
    let field = "/models/0/fields/2/name";
    let path = "models[0].fields[2].name";
    for name in [
        "id",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
        "display_name",
        "env",
        "ids",
        "fields",
        "models",
        "search",
        "write",
    ] {
        check_refused(
            &with(consulting(), field, json!(name)),
            &[(path, "reserved by Odoo")],
        );
    }
    for name in ["class", "import", "lambda", "def"] {
        check_refused(
            &with(consulting(), field, json!(name)),
            &[(path, "Python keyword")],
        );
    }
    for name in [
        "_name",
        "__last_update",
        "Name",
        "a-b",
        "a b",
        "x); import os",
    ] {
        check_refused(
            &with(consulting(), field, json!(name)),
            &[(path, "must match")],
        );
    }
    check_refused(&with(consulting(), field, json!("a__b")), &[(path, "`__`")]);
}

#[test]
fn rejects_core_and_malformed_model_names() {
    let model = "/models/0/name";
    let path = "models[0].name";
    check_refused(
        &with(consulting(), model, json!("res.partner")),
        &[(path, "`_inherit`")],
    );
    check_refused(
        &with(consulting(), model, json!("sale_order")),
        &[(path, "`_inherit`")],
    );
    check_refused(
        &with(consulting(), model, json!("ir.custom")),
        &[(path, "reserved for Odoo")],
    );
    check_refused(
        &with(consulting(), model, json!("x_custom")),
        &[(path, "reserved for Odoo")],
    );
    for name in [
        "Consulting.Engagement",
        "consulting..x",
        "consulting/x",
        "../x",
        ".x",
        "x.",
        "x.1y",
    ] {
        check_refused(
            &with(consulting(), model, json!(name)),
            &[(path, "dotted lowercase")],
        );
    }
}

#[test]
fn rejects_dangling_and_inconsistent_relations() {
    let field = |f: Value| with(consulting(), "/models/0/fields/2", f);
    let path = "models[0].fields[2]";
    check_refused(
        &field(json!({ "name": "x_id", "type": "many2one", "relation": "no.such.model" })),
        &[(
            &format!("{path}.relation"),
            "neither a model of this spec nor a known Odoo model",
        )],
    );
    check_refused(
        &field(json!({ "name": "x_id", "type": "many2one" })),
        &[(&format!("{path}.relation"), "needs `relation`")],
    );
    check_refused(
        &field(json!({ "name": "x", "type": "char", "relation": "res.partner" })),
        &[(&format!("{path}.relation"), "only applies")],
    );
    check_refused(
        &field(
            json!({ "name": "line_ids", "type": "one2many", "relation": "consulting.engagement" }),
        ),
        &[(&format!("{path}.inverse_name"), "needs `inverse_name`")],
    );
    check_refused(
        &field(
            json!({ "name": "child_ids", "type": "one2many", "relation": "consulting.engagement", "inverse_name": "parent_id" }),
        ),
        &[(&format!("{path}.inverse_name"), "has no field `parent_id`")],
    );
    check_refused(
        &field(
            json!({ "name": "child_ids", "type": "one2many", "relation": "consulting.engagement", "inverse_name": "state" }),
        ),
        &[(&format!("{path}.inverse_name"), "must be a many2one")],
    );
    check_refused(
        &field(
            json!({ "name": "contact_ids", "type": "one2many", "relation": "res.partner", "inverse_name": "engagement_id" }),
        ),
        &[(&format!("{path}.inverse_name"), "inheriting `res.partner`")],
    );
    check_refused(
        &field(json!({ "name": "kind", "type": "selection" })),
        &[(&format!("{path}.selection"), "needs `selection`")],
    );
    check_refused(
        &field(
            json!({ "name": "kind", "type": "selection", "selection": [["a", "A"], ["a", "Again"]] }),
        ),
        &[(&format!("{path}.selection[1][0]"), "appears twice")],
    );
    check_refused(
        &field(json!({ "name": "fee", "type": "monetary", "currency_field": "state" })),
        &[(
            &format!("{path}.currency_field"),
            "not a many2one to `res.currency`",
        )],
    );
}

#[test]
fn reports_every_problem_at_once() {
    let value = json!({
        "name": "../evil",
        "version": "one",
        "models": [
            { "name": "res.partner", "fields": [] },
            { "name": "good.model", "fields": [
                { "name": "id", "type": "char" },
                { "name": "ok", "type": "char" },
                { "name": "ok", "type": "integer" },
                { "name": "rel_id", "type": "many2one", "relation": "nowhere.model" }
            ] }
        ]
    });
    check_refused(
        &value,
        &[
            ("name", "plain folder name"),
            ("version", "must be `x.y.z`"),
            ("models[0].name", "existing Odoo model"),
            ("models[1].fields[0].name", "reserved by Odoo"),
            ("models[1].fields[2].name", "defined twice"),
            ("models[1].fields[3].relation", "neither a model"),
        ],
    );
}

#[test]
fn rejects_control_characters_that_xml_cannot_carry() {
    check_refused(
        &with(consulting(), "/title", json!("bad\u{1}title")),
        &[("title", "control character (U+0001)")],
    );
    check_refused(
        &with(consulting(), "/title", json!("two\nlines")),
        &[("title", "a line break")],
    );
    check_refused(
        &with(consulting(), "/description", json!("nul\u{0}")),
        &[("description", "control character")],
    );
}

#[test]
fn rejects_unknown_keys_in_the_spec() {
    let mut value = consulting();
    value["models"][0]["fields"][0]["ondelete"] = json!("cascade");
    let err = serde_json::from_value::<ModuleSpec>(value).unwrap_err();
    assert!(
        err.to_string().contains("unknown field `ondelete`"),
        "{err}"
    );
}
