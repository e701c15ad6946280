//! Checks a generated module the way Odoo would read it: every `.py` file compiles
//! (`python3 -m py_compile`), the manifest is one literal dict, every XML file parses, every
//! `data` file exists, ids are defined before they are referenced, access rules name the
//! module's models, and every field a view shows exists on its model.
#![allow(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "the generator writes lowercase extensions"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use abp_node_odoo::GeneratedFile;
use abp_node_sdk::Value;

/// What Python said about a module folder.
pub struct Inspection {
    pub manifest: Value,
    /// Per model file: `{ "top", "class", "body": [{ "target", "call", "args", "kwargs" }] }`.
    pub models: BTreeMap<String, Value>,
    pub compiled: Vec<String>,
}

impl Inspection {
    /// The class-body entry assigning `target` in `models/<file>`.
    pub fn assignment(&self, file: &str, target: &str) -> &Value {
        self.models[file]["body"]
            .as_array()
            .and_then(|body| body.iter().find(|e| e["target"] == target))
            .unwrap_or_else(|| panic!("no `{target}` in models/{file}"))
    }
}

/// Writes `files` into `dir`, runs the Python inspector on it and all structural checks.
pub fn inspect(dir: &Path, files: &[GeneratedFile]) -> Inspection {
    for file in files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.content).unwrap();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/inspect_module.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(dir)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python rejected the module:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let inspection = Inspection {
        manifest: json["manifest"].clone(),
        models: json["models"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        compiled: json["compiled"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect(),
    };
    let py_files = files.iter().filter(|f| f.path.ends_with(".py")).count();
    assert_eq!(
        inspection.compiled.len(),
        py_files,
        "every .py file compiled"
    );
    check_structure(files, &inspection);
    inspection
}

/// Model name -> field name -> comodel (for relational fields) from the Python class bodies.
fn model_fields(inspection: &Inspection) -> BTreeMap<String, BTreeMap<String, Option<String>>> {
    let mut models = BTreeMap::new();
    for model in inspection.models.values() {
        let body = model["body"].as_array().unwrap();
        let name = body.iter().find(|e| e["target"] == "_name").unwrap()["value"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut fields = BTreeMap::new();
        for entry in body {
            if entry["call"]
                .as_str()
                .is_some_and(|c| c.starts_with("fields."))
            {
                let comodel = entry["args"]
                    .get(0)
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                fields.insert(entry["target"].as_str().unwrap().to_owned(), comodel);
            }
        }
        models.insert(name, fields);
    }
    models
}

fn check_structure(files: &[GeneratedFile], inspection: &Inspection) {
    let by_path: BTreeMap<&str, &str> = files
        .iter()
        .map(|f| (f.path.as_str(), f.content.as_str()))
        .collect();
    let models = model_fields(inspection);
    let data: Vec<&str> = inspection.manifest["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut defined: BTreeSet<String> = BTreeSet::new();
    for file in &data {
        let content = by_path
            .get(file)
            .unwrap_or_else(|| panic!("manifest `data` names {file}, which was not generated"));
        if file.ends_with(".csv") {
            check_access_csv(content, &models);
            continue;
        }
        let doc = roxmltree::Document::parse(content)
            .unwrap_or_else(|e| panic!("{file} is not XML: {e}"));
        assert_eq!(
            doc.root_element().tag_name().name(),
            "odoo",
            "{file}: root element"
        );
        for node in doc
            .root_element()
            .children()
            .filter(roxmltree::Node::is_element)
        {
            // References to this module's ids must point at ids loaded earlier.
            for attr in ["action", "parent"] {
                if let Some(target) = node.attribute(attr) {
                    assert!(
                        defined.contains(target),
                        "{file}: `{attr}=\"{target}\"` is used before it is defined"
                    );
                }
            }
            for reference in node.descendants().filter_map(|n| n.attribute("ref")) {
                assert!(
                    defined.contains(reference),
                    "{file}: ref `{reference}` is used before it is defined"
                );
            }
            let id = node
                .attribute("id")
                .unwrap_or_else(|| panic!("{file}: element without id"));
            assert!(
                defined.insert(id.to_owned()),
                "{file}: id `{id}` defined twice"
            );
            if node.attribute("model") == Some("ir.ui.view") {
                check_view_fields(file, node, &models);
            }
        }
    }
    // Every generated data file is loaded.
    for file in files
        .iter()
        .filter(|f| f.path.ends_with(".xml") || f.path.ends_with(".csv"))
    {
        assert!(
            data.contains(&file.path.as_str()),
            "{} is generated but not in `data`",
            file.path
        );
    }
}

fn check_access_csv(content: &str, models: &BTreeMap<String, BTreeMap<String, Option<String>>>) {
    let mut lines = content.lines();
    assert_eq!(
        lines.next(),
        Some("id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink")
    );
    let mut covered = BTreeSet::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 8, "access line `{line}`");
        assert_eq!(cells[3], "base.group_user");
        assert!(
            cells[4..].iter().all(|c| *c == "0" || *c == "1"),
            "permissions in `{line}`"
        );
        covered.insert(cells[2].to_owned());
    }
    let expected: BTreeSet<String> = models
        .keys()
        .map(|m| format!("model_{}", m.replace('.', "_")))
        .collect();
    assert_eq!(
        covered, expected,
        "access rules cover exactly the module's models"
    );
}

fn check_view_fields(
    file: &str,
    record: roxmltree::Node<'_, '_>,
    models: &BTreeMap<String, BTreeMap<String, Option<String>>>,
) {
    let model = record
        .children()
        .find(|n| n.attribute("name") == Some("model"))
        .and_then(|n| n.text())
        .unwrap_or_else(|| panic!("{file}: view without model"));
    let arch = record
        .children()
        .find(|n| n.attribute("name") == Some("arch"))
        .unwrap();
    let root = arch.children().find(roxmltree::Node::is_element).unwrap();
    walk_fields(file, root, model, models);
}

fn walk_fields(
    file: &str,
    node: roxmltree::Node<'_, '_>,
    model: &str,
    models: &BTreeMap<String, BTreeMap<String, Option<String>>>,
) {
    for child in node.children().filter(roxmltree::Node::is_element) {
        let mut inner = model.to_owned();
        if child.tag_name().name() == "field" {
            let name = child.attribute("name").unwrap();
            let fields = models
                .get(model)
                .unwrap_or_else(|| panic!("{file}: unknown model {model}"));
            assert!(
                fields.contains_key(name),
                "{file}: view shows `{name}`, which `{model}` does not have"
            );
            if let Some(Some(comodel)) = fields.get(name) {
                inner.clone_from(comodel);
            }
        }
        walk_fields(file, child, &inner, models);
    }
}
