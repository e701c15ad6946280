//! The module generator: a pure function from a [`ModuleSpec`] and an Odoo version to the
//! module's files (manifest, models, views with actions and menus, access rules, README).
//!
//! Invariant: no I/O here. Every name comes from a `validate.rs` check and every piece of
//! free text goes through `escape.rs`, so the output parses as Python, XML and CSV for any
//! spec that passes the checks. Layout and ids follow Odoo's and OCA's conventions:
//! `views/<model>_views.xml`, `<model>_view_form`, `<model>_action`, `<module>_menu_root`.

use std::fmt::Write as _;

use crate::escape::{py_str, rst_text, xml_attr, xml_text};
use crate::spec::{FieldType, ModuleSpec, OdooVersion, humanize};
use crate::validate::{
    AUTHOR, CheckedField, CheckedModel, CheckedModule, FieldDefault, SpecErrors, check,
};

/// One file of a generated module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path inside the module folder, with `/` separators, e.g. `models/consulting_engagement.py`.
    pub path: String,
    pub content: String,
}

/// Generates the module for `spec` and `version`, or reports every problem of the spec.
pub fn generate(spec: &ModuleSpec, version: OdooVersion) -> Result<Vec<GeneratedFile>, SpecErrors> {
    check(spec, version).map(|module| render(&module))
}

/// The files of a checked module, in the order a reader would look at them.
pub fn render(module: &CheckedModule) -> Vec<GeneratedFile> {
    let mut files = Vec::new();
    let file = |path: &str, content: String| GeneratedFile {
        path: path.to_owned(),
        content,
    };
    let has_models = !module.models.is_empty();
    files.push(file(
        "__init__.py",
        if has_models {
            format!("{LICENSE_LINE}\nfrom . import models\n")
        } else {
            format!("{LICENSE_LINE}\n")
        },
    ));
    files.push(file("__manifest__.py", manifest(module)));
    files.push(file("README.rst", readme(module)));
    if has_models {
        let mut init = format!("{LICENSE_LINE}\n");
        for model in &module.models {
            let _ = writeln!(init, "from . import {}", model.table);
        }
        files.push(file("models/__init__.py", init));
        for model in &module.models {
            files.push(file(
                &format!("models/{}.py", model.table),
                model_py(module, model),
            ));
        }
        files.push(file("security/ir.model.access.csv", access_csv(module)));
        for model in &module.models {
            files.push(file(
                &format!("views/{}_views.xml", model.table),
                views_xml(module, model),
            ));
        }
        files.push(file("views/menus.xml", menus_xml(module)));
    }
    files
}

/// The `data` files in load order: access rules first (views need the models' access), then
/// each model's views and action, then the menus that reference the actions.
pub fn data_files(module: &CheckedModule) -> Vec<String> {
    if module.models.is_empty() {
        return Vec::new();
    }
    let mut data = vec!["security/ir.model.access.csv".to_owned()];
    data.extend(
        module
            .models
            .iter()
            .map(|m| format!("views/{}_views.xml", m.table)),
    );
    data.push("views/menus.xml".to_owned());
    data
}

const LICENSE_LINE: &str = "# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).";
/// Black's (and OCA's flake8) line length.
const LINE_MAX: usize = 88;

fn manifest(module: &CheckedModule) -> String {
    let mut out = format!("{LICENSE_LINE}\n{{\n");
    let mut entry = |key: &str, value: String| {
        let _ = writeln!(out, "    {}: {value},", py_str(key));
    };
    entry("name", py_str(&module.title));
    entry("summary", py_str(&module.summary));
    entry("version", py_str(&module.version));
    entry("category", py_str(&module.category));
    entry("license", py_str("LGPL-3"));
    entry("author", py_str(AUTHOR));
    entry("depends", py_list(&module.depends, 4));
    entry("data", py_list(&data_files(module), 4));
    entry("installable", "True".to_owned());
    entry(
        "application",
        if module.application { "True" } else { "False" }.to_owned(),
    );
    out.push_str("}\n");
    out
}

/// A list of strings, one per line, indented for a value at `indent`.
fn py_list(items: &[String], indent: usize) -> String {
    if items.is_empty() {
        return "[]".to_owned();
    }
    let pad = " ".repeat(indent + 4);
    let mut out = "[\n".to_owned();
    for item in items {
        let _ = writeln!(out, "{pad}{},", py_str(item));
    }
    out.push_str(&" ".repeat(indent));
    out.push(']');
    out
}

fn readme(module: &CheckedModule) -> String {
    let title = rst_text(&module.title);
    // Wide characters take two columns; docutils only objects to an underline that is short.
    let rule = "=".repeat(title.chars().count() * 2 + 2);
    let mut out = format!("{rule}\n{title}\n{rule}\n\n{}\n", rst_text(&module.summary));
    if let Some(description) = &module.description {
        // A line block keeps the author's line breaks; escaping keeps it plain text.
        out.push('\n');
        for line in description.lines() {
            let line = rst_text(line.trim_end());
            if line.is_empty() {
                out.push_str("|\n");
            } else {
                let _ = writeln!(out, "| {line}");
            }
        }
    }
    let _ = write!(
        out,
        "\nGenerated by abp for Odoo {}: models, list, form and search views, menus and access rules.\n",
        module.odoo_version
    );
    out
}

fn model_py(module: &CheckedModule, model: &CheckedModel) -> String {
    let mut out = format!(
        "{LICENSE_LINE}\n\nfrom odoo import fields, models\n\n\nclass {}(models.Model):\n",
        model.class_name
    );
    let _ = writeln!(out, "    _name = {}", py_str(&model.name));
    let _ = writeln!(out, "    _description = {}", py_str(&model.description));
    if let Some(order) = &model.order {
        let _ = writeln!(out, "    _order = {}", py_str(order));
    }
    out.push('\n');
    for field in &model.fields {
        out.push_str(&field_py(module, model, field));
    }
    out
}

/// One keyword argument of a field definition.
enum Arg {
    One(String),
    /// A list of items, written one per line when the definition does not fit one line.
    List(String, Vec<String>),
}

fn field_py(module: &CheckedModule, model: &CheckedModel, field: &CheckedField) -> String {
    let spec = &field.spec;
    let mut args = Vec::new();
    if let Some(relation) = &spec.relation {
        args.push(Arg::One(py_str(relation)));
    }
    if let Some(inverse) = &spec.inverse_name {
        args.push(Arg::One(format!("inverse_name={}", py_str(inverse))));
    }
    if let Some((relation, column1, column2)) = &field.m2m_table {
        args.push(Arg::One(format!("relation={}", py_str(relation))));
        args.push(Arg::One(format!("column1={}", py_str(column1))));
        args.push(Arg::One(format!("column2={}", py_str(column2))));
    }
    if let Some(options) = &spec.selection {
        let items = options
            .iter()
            .map(|(key, label)| format!("({}, {})", py_str(key), py_str(label)))
            .collect();
        args.push(Arg::List("selection".to_owned(), items));
    }
    if spec.field_type == FieldType::Monetary {
        let currency = spec.currency_field.as_deref().unwrap_or("currency_id");
        args.push(Arg::One(format!("currency_field={}", py_str(currency))));
    }
    if let Some(string) = &spec.string {
        args.push(Arg::One(format!("string={}", py_str(string))));
    }
    if spec.is_required() {
        args.push(Arg::One("required=True".to_owned()));
    }
    if is_inverse_of_one2many(module, model, &spec.name) {
        // Lines go with their parent, and the parent looks its lines up by this column.
        args.push(Arg::One("ondelete=\"cascade\"".to_owned()));
        args.push(Arg::One("index=True".to_owned()));
    }
    match &field.default {
        Some(FieldDefault::SelectionKey(key)) => {
            args.push(Arg::One(format!("default={}", py_str(key))));
        }
        Some(FieldDefault::CompanyCurrency) => {
            args.push(Arg::One(
                "default=lambda self: self.env.company.currency_id".to_owned(),
            ));
        }
        None => {}
    }
    if let Some(help) = &spec.help {
        args.push(Arg::One(format!("help={}", py_str(help))));
    }

    let head = format!(
        "    {} = fields.{}(",
        spec.name,
        spec.field_type.odoo_class()
    );
    let inline: Vec<String> = args
        .iter()
        .map(|arg| match arg {
            Arg::One(text) => text.clone(),
            Arg::List(key, items) => format!("{key}=[{}]", items.join(", ")),
        })
        .collect();
    let one_line = format!("{head}{})", inline.join(", "));
    if one_line.len() <= LINE_MAX && !one_line.contains('\n') {
        return one_line + "\n";
    }
    let mut out = head + "\n";
    for arg in &args {
        match arg {
            Arg::One(text) => {
                let _ = writeln!(out, "        {text},");
            }
            Arg::List(key, items) => {
                let _ = writeln!(out, "        {key}=[");
                for item in items {
                    let _ = writeln!(out, "            {item},");
                }
                out.push_str("        ],\n");
            }
        }
    }
    out.push_str("    )\n");
    out
}

/// Whether `field` of `model` is the `inverse_name` of a one2many somewhere in the module.
fn is_inverse_of_one2many(module: &CheckedModule, model: &CheckedModel, field: &str) -> bool {
    module.models.iter().flat_map(|m| &m.fields).any(|f| {
        f.spec.field_type == FieldType::One2many
            && f.spec.relation.as_deref() == Some(model.name.as_str())
            && f.spec.inverse_name.as_deref() == Some(field)
    })
}

fn access_csv(module: &CheckedModule) -> String {
    let mut out =
        "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n".to_owned();
    for model in &module.models {
        let id = format!("access_{}_user", model.table);
        let _ = writeln!(
            out,
            "{id},{id},model_{},base.group_user,1,1,1,1",
            model.table
        );
    }
    out
}

/// The label Odoo shows for a field: its `string`, else derived from the name the way Odoo
/// does (`partner_id` -> `Partner`).
fn label(field: &CheckedField) -> String {
    field.spec.string.clone().unwrap_or_else(|| {
        let name = &field.spec.name;
        let stem = name
            .strip_suffix("_ids")
            .or_else(|| name.strip_suffix("_id"))
            .unwrap_or(name);
        humanize(stem)
    })
}

/// Fields that belong on a notebook page rather than in the form's main group.
fn on_page(field: &CheckedField) -> bool {
    matches!(
        field.spec.field_type,
        FieldType::Text | FieldType::Html | FieldType::One2many
    )
}

/// Columns for a list of `model`: a handle for `sequence`, then `name`, then the other short
/// fields (at most [`LIST_COLUMNS`] optional ones, every required one), and the hidden currency
/// fields monetary columns need. `skip` leaves out the inverse field of an embedded list.
fn list_columns(model: &CheckedModel, skip: Option<&str>) -> Vec<String> {
    const LIST_COLUMNS: usize = 8;
    let mut columns = Vec::new();
    let mut shown = Vec::new();
    let mut optional = 0;
    let push = |field: &CheckedField, attrs: &str, columns: &mut Vec<String>| {
        columns.push(format!("<field name=\"{}\"{attrs}/>", field.spec.name));
    };
    if let Some(sequence) = model
        .field("sequence")
        .filter(|f| f.spec.field_type == FieldType::Integer)
    {
        push(sequence, " widget=\"handle\"", &mut columns);
        shown.push("sequence");
    }
    for field in &model.fields {
        let name = field.spec.name.as_str();
        if shown.contains(&name) || Some(name) == skip || on_page(field) {
            continue;
        }
        let currency_of_monetary = field.implied() && field.spec.field_type == FieldType::Many2one;
        if currency_of_monetary {
            continue;
        }
        if !field.spec.is_required() && name != "name" {
            if optional >= LIST_COLUMNS {
                continue;
            }
            optional += 1;
        }
        let attrs = if field.spec.field_type == FieldType::Many2many {
            " widget=\"many2many_tags\""
        } else {
            ""
        };
        push(field, attrs, &mut columns);
        shown.push(name);
    }
    for field in &model.fields {
        if field.spec.field_type != FieldType::Monetary
            || !shown.contains(&field.spec.name.as_str())
        {
            continue;
        }
        let currency = field
            .spec
            .currency_field
            .as_deref()
            .unwrap_or("currency_id");
        if !shown.contains(&currency) {
            columns.push(format!(
                "<field name=\"{currency}\" column_invisible=\"True\"/>"
            ));
            shown.push(currency);
        }
    }
    columns
}

fn views_xml(module: &CheckedModule, model: &CheckedModel) -> String {
    let version = module.odoo_version;
    let list_tag = version.list_tag();
    let table = &model.table;
    let mut out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<odoo>\n".to_owned();

    // list
    let list_id = format!("{table}_view_{list_tag}");
    view_record(&mut out, &list_id, &model.name, list_tag, |out| {
        let _ = writeln!(out, "            <{list_tag}>");
        for column in list_columns(model, None) {
            let _ = writeln!(out, "                {column}");
        }
        let _ = writeln!(out, "            </{list_tag}>");
    });

    // form
    view_record(
        &mut out,
        &format!("{table}_view_form"),
        &model.name,
        "form",
        |out| {
            form_arch(out, module, model);
        },
    );

    // search
    view_record(
        &mut out,
        &format!("{table}_view_search"),
        &model.name,
        "search",
        |out| {
            search_arch(out, model);
        },
    );

    // window action
    let view_mode = format!("{list_tag},form");
    let _ = write!(
        out,
        "    <record id=\"{table}_action\" model=\"ir.actions.act_window\">\n        \
         <field name=\"name\">{}</field>\n        \
         <field name=\"res_model\">{}</field>\n        \
         <field name=\"view_mode\">{view_mode}</field>\n        \
         <field name=\"search_view_id\" ref=\"{table}_view_search\"/>\n        \
         <field name=\"help\" type=\"html\">\n            \
         <p class=\"o_view_nocontent_smiling_face\">Create a new {}</p>\n        \
         </field>\n    </record>\n",
        xml_text(&model.description),
        xml_text(&model.name),
        xml_text(&model.description),
    );
    out.push_str("</odoo>\n");
    out
}

fn view_record(
    out: &mut String,
    id: &str,
    model: &str,
    kind: &str,
    arch: impl FnOnce(&mut String),
) {
    let _ = write!(
        out,
        "    <record id=\"{id}\" model=\"ir.ui.view\">\n        \
         <field name=\"name\">{}.view.{kind}</field>\n        \
         <field name=\"model\">{}</field>\n        \
         <field name=\"arch\" type=\"xml\">\n",
        xml_text(model),
        xml_text(model),
    );
    arch(out);
    out.push_str("        </field>\n    </record>\n");
}

fn form_arch(out: &mut String, module: &CheckedModule, model: &CheckedModel) {
    let _ = writeln!(
        out,
        "            <form string=\"{}\">",
        xml_attr(&model.description)
    );
    out.push_str("                <sheet>\n");
    out.push_str("                    <div class=\"oe_title\">\n");
    out.push_str("                        <label for=\"name\"/>\n");
    out.push_str("                        <h1><field name=\"name\"/></h1>\n");
    out.push_str("                    </div>\n");
    let main: Vec<&CheckedField> = model
        .fields
        .iter()
        .filter(|f| f.spec.name != "name" && !on_page(f))
        .collect();
    if !main.is_empty() {
        let half = main.len().div_ceil(2);
        out.push_str("                    <group>\n");
        for column in main.chunks(half) {
            out.push_str("                        <group>\n");
            for field in column {
                let widget = if field.spec.field_type == FieldType::Many2many {
                    " widget=\"many2many_tags\""
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "                            <field name=\"{}\"{widget}/>",
                    field.spec.name
                );
            }
            out.push_str("                        </group>\n");
        }
        out.push_str("                    </group>\n");
    }
    let pages: Vec<&CheckedField> = model.fields.iter().filter(|f| on_page(f)).collect();
    if !pages.is_empty() {
        out.push_str("                    <notebook>\n");
        for field in pages {
            let name = &field.spec.name;
            let _ = writeln!(
                out,
                "                        <page string=\"{}\" name=\"{name}\">",
                xml_attr(&label(field))
            );
            let embedded = field.spec.field_type == FieldType::One2many;
            let target = field
                .spec
                .relation
                .as_deref()
                .and_then(|r| module.models.iter().find(|m| m.name == r));
            match (embedded, target) {
                (true, Some(target)) => {
                    // An editable embedded list without the inverse field: Odoo fills it in.
                    let list_tag = module.odoo_version.list_tag();
                    let _ = writeln!(out, "                            <field name=\"{name}\">");
                    let _ = writeln!(
                        out,
                        "                                <{list_tag} editable=\"bottom\">"
                    );
                    for column in list_columns(target, field.spec.inverse_name.as_deref()) {
                        let _ = writeln!(out, "                                    {column}");
                    }
                    let _ = writeln!(out, "                                </{list_tag}>");
                    out.push_str("                            </field>\n");
                }
                _ => {
                    let _ = writeln!(out, "                            <field name=\"{name}\"/>");
                }
            }
            out.push_str("                        </page>\n");
        }
        out.push_str("                    </notebook>\n");
    }
    out.push_str("                </sheet>\n            </form>\n");
}

fn search_arch(out: &mut String, model: &CheckedModel) {
    const SEARCH_FIELDS: usize = 6;
    out.push_str("            <search>\n");
    let searchable = model
        .fields
        .iter()
        .filter(|f| {
            matches!(
                f.spec.field_type,
                FieldType::Char | FieldType::Many2one | FieldType::Selection
            ) && !f.implied()
                || f.spec.name == "name"
        })
        .take(SEARCH_FIELDS);
    for field in searchable {
        let _ = writeln!(out, "                <field name=\"{}\"/>", field.spec.name);
    }
    let booleans: Vec<&CheckedField> = model
        .fields
        .iter()
        .filter(|f| f.spec.field_type == FieldType::Boolean)
        .collect();
    if !booleans.is_empty() {
        out.push_str("                <separator/>\n");
    }
    for field in booleans {
        let name = &field.spec.name;
        // `active` false is the interesting case: archived records are hidden by default.
        let (filter_label, value) = if name == "active" {
            ("Archived".to_owned(), "False")
        } else {
            (label(field), "True")
        };
        let _ = writeln!(
            out,
            "                <filter string=\"{}\" name=\"filter_{name}\" domain=\"[('{name}', '=', {value})]\"/>",
            xml_attr(&filter_label)
        );
    }
    let groupable: Vec<&CheckedField> = model
        .fields
        .iter()
        .filter(|f| {
            matches!(
                f.spec.field_type,
                FieldType::Selection | FieldType::Many2one
            ) && !f.implied()
        })
        .collect();
    if !groupable.is_empty() {
        out.push_str("                <group string=\"Group By\">\n");
        for field in groupable {
            let name = &field.spec.name;
            let _ = writeln!(
                out,
                "                    <filter string=\"{}\" name=\"groupby_{name}\" context=\"{{'group_by': '{name}'}}\"/>",
                xml_attr(&label(field))
            );
        }
        out.push_str("                </group>\n");
    }
    out.push_str("            </search>\n");
}

fn menus_xml(module: &CheckedModule) -> String {
    let root = format!("{}_menu_root", module.name);
    let mut out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<odoo>\n".to_owned();
    let _ = writeln!(
        out,
        "    <menuitem id=\"{root}\" name=\"{}\" sequence=\"100\"/>",
        xml_attr(&module.title)
    );
    for (i, model) in module.models.iter().enumerate() {
        let _ = writeln!(
            out,
            "    <menuitem\n        id=\"{table}_menu\"\n        name=\"{}\"\n        parent=\"{root}\"\n        action=\"{table}_action\"\n        sequence=\"{}\"\n    />",
            xml_attr(&model.description),
            (i + 1) * 10,
            table = model.table,
        );
    }
    out.push_str("</odoo>\n");
    out
}
