//! Checks a [`ModuleSpec`] before anything is generated, written or sent, and resolves it into
//! a [`CheckedModule`]: defaults filled in, implied fields (`name`, currency fields) and
//! dependencies added, many2many tables named. Every problem is reported at once, each with
//! the path of the offending value (`models[1].fields[0].name`).
//!
//! Invariant: anything that reaches `generate.rs` through a [`CheckedModule`] is either a
//! validated identifier (module, model, field, selection key names) or free text that the
//! generator escapes; names never need escaping to be safe as paths, Python or XML.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::spec::{
    FieldSpec, FieldType, ModelSpec, ModuleSpec, OdooVersion, humanize, underscored,
};

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Where in the spec, e.g. `models[0].fields[2].name`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.path, self.message)
    }
}

/// Every problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(
            f,
            "module spec is invalid ({count} problem{}):",
            if count == 1 { "" } else { "s" }
        )?;
        for error in &self.0 {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

/// Odoo models that specs may point relations at, with the module that provides each (added
/// to `depends`). A spec model must not reuse one of these names.
pub const CORE_MODELS: &[(&str, &str)] = &[
    ("res.partner", "base"),
    ("res.partner.category", "base"),
    ("res.partner.industry", "base"),
    ("res.users", "base"),
    ("res.groups", "base"),
    ("res.company", "base"),
    ("res.currency", "base"),
    ("res.country", "base"),
    ("res.country.state", "base"),
    ("res.lang", "base"),
    ("res.bank", "base"),
    ("res.partner.bank", "base"),
    ("ir.attachment", "base"),
    ("uom.uom", "uom"),
    ("uom.category", "uom"),
    ("product.product", "product"),
    ("product.template", "product"),
    ("product.category", "product"),
    ("product.pricelist", "product"),
    ("project.project", "project"),
    ("project.task", "project"),
    ("project.tags", "project"),
    ("account.move", "account"),
    ("account.move.line", "account"),
    ("account.account", "account"),
    ("account.journal", "account"),
    ("account.tax", "account"),
    ("account.payment", "account"),
    ("account.payment.term", "account"),
    ("account.analytic.account", "analytic"),
    ("sale.order", "sale"),
    ("sale.order.line", "sale"),
    ("purchase.order", "purchase"),
    ("purchase.order.line", "purchase"),
    ("stock.warehouse", "stock"),
    ("stock.location", "stock"),
    ("stock.picking", "stock"),
    ("stock.move", "stock"),
    ("stock.lot", "stock"),
    ("hr.employee", "hr"),
    ("hr.department", "hr"),
    ("hr.job", "hr"),
    ("crm.lead", "crm"),
    ("crm.team", "sales_team"),
    ("crm.tag", "crm"),
    ("calendar.event", "calendar"),
    ("mail.activity", "mail"),
    ("utm.campaign", "utm"),
    ("utm.source", "utm"),
    ("resource.calendar", "resource"),
];

/// Namespaces of Odoo's own technical models; a new model there would collide sooner or later.
const RESERVED_MODEL_PREFIXES: &[&str] = &["ir.", "res.", "base.", "web.", "bus.", "mail.", "x_"];

/// Table name prefixes that belong to Odoo core (a model `res_foo` gets table `res_foo`).
const RESERVED_TABLE_PREFIXES: &[&str] = &["ir_", "res_", "base_", "bus_", "mail_", "x_"];

/// Odoo modules a generated module must not shadow: the addons path would hold two modules of
/// one name. Not exhaustive (Odoo ships hundreds); the install step also checks that the module
/// Odoo found is the generated one.
const CORE_MODULES: &[&str] = &[
    "account",
    "analytic",
    "auth_signup",
    "auth_totp",
    "base",
    "base_import",
    "base_setup",
    "board",
    "bus",
    "calendar",
    "contacts",
    "crm",
    "digest",
    "event",
    "fleet",
    "hr",
    "hr_expense",
    "hr_holidays",
    "hr_timesheet",
    "html_editor",
    "iap",
    "im_livechat",
    "l10n_generic_coa",
    "lunch",
    "mail",
    "maintenance",
    "mass_mailing",
    "mrp",
    "note",
    "odoo",
    "payment",
    "point_of_sale",
    "portal",
    "product",
    "project",
    "purchase",
    "repair",
    "resource",
    "sale",
    "sale_management",
    "sales_team",
    "spreadsheet",
    "stock",
    "survey",
    "uom",
    "utm",
    "web",
    "web_editor",
    "web_tour",
    "website",
    "website_sale",
];

/// Python keywords: a module, model file or field named like one does not compile.
const PYTHON_KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// Names a field must not take: Odoo's magic columns, attributes and public methods of every
/// model (a field would shadow them), and the names the generated class body itself uses.
const RESERVED_FIELD_NAMES: &[&str] = &[
    // magic columns and attributes
    "id",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "display_name",
    "env",
    "ids",
    "pool",
    "context",
    "uid",
    "su",
    "cr",
    "user",
    "company",
    "companies",
    // names the generated model file imports
    "api",
    "fields",
    "models",
    // public methods of BaseModel (17.0 and 18.0)
    "action_archive",
    "action_unarchive",
    "browse",
    "check_access",
    "check_access_rights",
    "check_access_rule",
    "check_field_access_rights",
    "clear_caches",
    "concat",
    "copy",
    "copy_data",
    "copy_multi",
    "copy_translations",
    "create",
    "default_get",
    "ensure_one",
    "exists",
    "export_data",
    "fetch",
    "fields_get",
    "filtered",
    "filtered_domain",
    "flush_model",
    "flush_recordset",
    "get_base_url",
    "get_external_id",
    "get_field_translations",
    "get_metadata",
    "get_property_definition",
    "get_views",
    "get_view",
    "grouped",
    "has_access",
    "init",
    "invalidate_model",
    "invalidate_recordset",
    "is_transient",
    "load",
    "load_views",
    "mapped",
    "modified",
    "name_create",
    "name_get",
    "name_search",
    "new",
    "onchange",
    "read",
    "read_group",
    "search",
    "search_count",
    "search_fetch",
    "search_read",
    "sorted",
    "sudo",
    "toggle_active",
    "union",
    "unlink",
    "update",
    "update_field_translations",
    "user_has_groups",
    "web_read",
    "web_read_group",
    "web_save",
    "web_search_read",
    "with_company",
    "with_context",
    "with_env",
    "with_prefetch",
    "with_user",
    "write",
];

/// Longest table/column name `PostgreSQL` keeps (longer ones are truncated and then collide).
const PG_NAME_MAX: usize = 63;
const MODULE_NAME_MAX: usize = 60;
const MODEL_NAME_MAX: usize = 50;
const SHORT_TEXT_MAX: usize = 200;
const LONG_TEXT_MAX: usize = 50_000;
const MAX_MODELS: usize = 200;
const MAX_FIELDS: usize = 400;
const MAX_SELECTION: usize = 500;

/// The author written into every manifest.
pub const AUTHOR: &str = "abp";

/// A spec that passed every check, with defaults and implied parts resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedModule {
    pub name: String,
    pub title: String,
    /// Full version, e.g. `17.0.1.0.0`.
    pub version: String,
    pub summary: String,
    pub description: Option<String>,
    pub category: String,
    /// `base` first, then the spec's, then implied ones, without duplicates.
    pub depends: Vec<String>,
    pub application: bool,
    pub odoo_version: OdooVersion,
    pub models: Vec<CheckedModel>,
}

/// A model that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedModel {
    pub name: String,
    pub description: String,
    /// `consulting_engagement`: table, file stem and xml id stem.
    pub table: String,
    /// `ConsultingEngagement`.
    pub class_name: String,
    /// `_order`, when one is sensible.
    pub order: Option<String>,
    /// The spec's fields in order, then the implied ones.
    pub fields: Vec<CheckedField>,
}

impl CheckedModel {
    pub fn field(&self, name: &str) -> Option<&CheckedField> {
        self.fields.iter().find(|f| f.spec.name == name)
    }
}

/// What a field's default is, when the generator sets one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldDefault {
    /// The first key of a required selection.
    SelectionKey(String),
    /// The company's currency, for the currency field of monetary fields.
    CompanyCurrency,
}

/// A field that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedField {
    pub spec: FieldSpec,
    /// Explicit `(relation, column1, column2)` for a many2many whose default table name would
    /// be ambiguous or too long; `None` means Odoo's own naming is safe.
    pub m2m_table: Option<(String, String, String)>,
    pub default: Option<FieldDefault>,
    /// Position in the spec's `fields`; `None` when the generator added the field.
    pub spec_index: Option<usize>,
}

impl CheckedField {
    pub fn implied(&self) -> bool {
        self.spec_index.is_none()
    }
}

/// Checks `spec` for `version` and resolves it; all problems at once.
pub fn check(spec: &ModuleSpec, version: OdooVersion) -> Result<CheckedModule, SpecErrors> {
    let mut cx = Checker::default();
    cx.module_name(&spec.name);
    cx.text("title", spec.title.as_deref(), TextKind::Line);
    cx.text("summary", spec.summary.as_deref(), TextKind::Line);
    cx.text("description", spec.description.as_deref(), TextKind::Long);
    cx.text("category", spec.category.as_deref(), TextKind::Line);
    let full_version = cx.version(spec.version.as_deref(), version);

    let mut depends = vec!["base".to_owned()];
    for (i, dep) in spec.depends.iter().enumerate() {
        let path = format!("depends[{i}]");
        if !is_identifier(dep) {
            cx.err(
                &path,
                format!("`{}` is not a module name (^[a-z][a-z0-9_]*$)", shown(dep)),
            );
        } else if *dep == spec.name {
            cx.err(&path, "a module cannot depend on itself");
        } else if !depends.contains(dep) {
            depends.push(dep.clone());
        }
    }

    if spec.models.len() > MAX_MODELS {
        cx.err(
            "models",
            format!(
                "{} models; at most {MAX_MODELS} are supported",
                spec.models.len()
            ),
        );
    }
    let spec_models: BTreeMap<&str, &ModelSpec> =
        spec.models.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut seen_models: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen_tables: BTreeMap<String, String> = BTreeMap::new();
    for (mi, model) in spec.models.iter().enumerate() {
        let path = format!("models[{mi}].name");
        if let Some(first) = seen_models.insert(&model.name, mi) {
            cx.err(
                &path,
                format!(
                    "model `{}` is defined twice (also `models[{first}]`)",
                    shown(&model.name)
                ),
            );
            continue;
        }
        if cx.model_name(&path, &model.name) {
            let table = underscored(&model.name);
            if let Some(other) = seen_tables.insert(table.clone(), model.name.clone()) {
                cx.err(
                    &path,
                    format!(
                        "`{}` and `{other}` both map to the table and file name `{table}`",
                        model.name
                    ),
                );
            }
        }
    }

    let mut models = Vec::new();
    for (mi, model) in spec.models.iter().enumerate() {
        let checked = cx.model(mi, model, &spec_models);
        for field in &checked.fields {
            let core = field
                .spec
                .relation
                .as_ref()
                .and_then(|r| CORE_MODELS.iter().find(|(name, _)| name == r));
            if let Some((_, module)) = core
                && !depends.iter().any(|d| d == module)
            {
                depends.push((*module).to_owned());
            }
        }
        models.push(checked);
    }
    name_many2many_tables(&mut models, &mut cx);

    if !cx.errors.is_empty() {
        return Err(SpecErrors(cx.errors));
    }
    let title = spec.title.clone().unwrap_or_else(|| humanize(&spec.name));
    Ok(CheckedModule {
        name: spec.name.clone(),
        summary: spec.summary.clone().unwrap_or_else(|| title.clone()),
        title,
        version: full_version,
        description: spec.description.clone(),
        category: spec
            .category
            .clone()
            .unwrap_or_else(|| "Uncategorized".to_owned()),
        depends,
        application: spec.application.unwrap_or(true),
        odoo_version: version,
        models,
    })
}

#[derive(Clone, Copy)]
enum TextKind {
    /// One line (labels, names, titles).
    Line,
    /// Any length, newlines allowed (descriptions, help).
    Long,
}

#[derive(Default)]
struct Checker {
    errors: Vec<SpecError>,
}

impl Checker {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(SpecError {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    fn module_name(&mut self, name: &str) {
        if !is_identifier(name) {
            let hint = if name.contains(['/', '\\', '.']) {
                " and is not a plain folder name"
            } else {
                ""
            };
            self.err(
                "name",
                format!(
                    "module name `{}` must match ^[a-z][a-z0-9_]*$ (lowercase letters, digits, underscores){hint}",
                    shown(name)
                ),
            );
        } else if name.len() > MODULE_NAME_MAX {
            self.err(
                "name",
                format!(
                    "module name is {} characters long; at most {MODULE_NAME_MAX}",
                    name.len()
                ),
            );
        } else if PYTHON_KEYWORDS.contains(&name) {
            self.err(
                "name",
                format!("module name `{name}` is a Python keyword; Odoo could not import it"),
            );
        } else if CORE_MODULES.contains(&name)
            || name.starts_with("l10n_")
            || name.starts_with("test_")
        {
            self.err(
                "name",
                format!("module name `{name}` is taken by an Odoo module; choose another name"),
            );
        }
    }

    /// Returns whether the name is well-formed (so later checks may rely on it).
    fn model_name(&mut self, path: &str, name: &str) -> bool {
        let well_formed = !name.is_empty() && name.split('.').all(is_identifier);
        if !well_formed {
            self.err(
                path,
                format!(
                    "model name `{}` must be dotted lowercase words like `consulting.engagement` (each part ^[a-z][a-z0-9_]*$)",
                    shown(name)
                ),
            );
            return false;
        }
        let table = underscored(name);
        if name.len() > MODEL_NAME_MAX {
            self.err(
                path,
                format!(
                    "model name is {} characters long; at most {MODEL_NAME_MAX}",
                    name.len()
                ),
            );
        } else if CORE_MODELS
            .iter()
            .any(|(core, _)| *core == name || underscored(core) == table)
        {
            self.err(
                path,
                format!(
                    "`{name}` is an existing Odoo model; extending it needs `_inherit`, which this node does not generate; name a new model instead"
                ),
            );
        } else if let Some(prefix) = RESERVED_MODEL_PREFIXES
            .iter()
            .find(|p| name.starts_with(*p))
        {
            self.err(
                path,
                format!("model names starting with `{prefix}` are reserved for Odoo itself"),
            );
        } else if let Some(prefix) = RESERVED_TABLE_PREFIXES
            .iter()
            .find(|p| table.starts_with(*p))
        {
            self.err(path, format!("model `{name}` would get table `{table}`; tables starting with `{prefix}` belong to Odoo"));
        } else if PYTHON_KEYWORDS.contains(&table.as_str()) {
            self.err(
                path,
                format!(
                    "model `{name}` would get the Python file `{table}.py`, a keyword; rename it"
                ),
            );
        } else {
            return true;
        }
        false
    }

    fn text(&mut self, path: &str, value: Option<&str>, kind: TextKind) {
        let Some(value) = value else { return };
        let max = match kind {
            TextKind::Line => SHORT_TEXT_MAX,
            TextKind::Long => LONG_TEXT_MAX,
        };
        if value.trim().is_empty() {
            self.err(path, "must not be empty (leave it out instead)");
        }
        let chars = value.chars().count();
        if chars > max {
            self.err(path, format!("is {chars} characters long; at most {max}"));
        }
        if let Some(c) = value.chars().find(|&c| !allowed_char(c, kind)) {
            let what = if matches!(c, '\n' | '\r') {
                "a line break"
            } else {
                "a control character"
            };
            self.err(
                path,
                format!(
                    "contains {what} (U+{:04X}), which a module cannot carry here",
                    u32::from(c)
                ),
            );
        }
    }

    fn version(&mut self, version: Option<&str>, odoo: OdooVersion) -> String {
        let raw = version.unwrap_or("1.0.0");
        let prefix = format!("{}.", odoo.series());
        let own = raw
            .strip_prefix(&prefix)
            .filter(|rest| rest.split('.').count() == 3)
            .unwrap_or(raw);
        let parts: Vec<&str> = own.split('.').collect();
        let numeric =
            |p: &&str| !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit());
        if !(1..=3).contains(&parts.len()) || !parts.iter().all(numeric) {
            self.err(
                "version",
                format!(
                    "version `{}` must be `x.y.z` (e.g. `1.0.0`) or `{}.x.y.z` for Odoo {odoo}",
                    shown(raw),
                    odoo.series()
                ),
            );
            return String::new();
        }
        let mut full = vec![odoo.series()];
        full.extend(parts.iter().copied());
        while full.len() < 4 {
            full.push("0");
        }
        full.join(".")
    }

    fn model(
        &mut self,
        mi: usize,
        model: &ModelSpec,
        spec_models: &BTreeMap<&str, &ModelSpec>,
    ) -> CheckedModel {
        let base = format!("models[{mi}]");
        self.text(
            &format!("{base}.description"),
            model.description.as_deref(),
            TextKind::Line,
        );
        if model.fields.len() > MAX_FIELDS {
            self.err(
                &format!("{base}.fields"),
                format!("{} fields; at most {MAX_FIELDS}", model.fields.len()),
            );
        }
        let mut fields = Vec::new();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (fi, field) in model.fields.iter().enumerate() {
            let path = format!("{base}.fields[{fi}]");
            if let Some(first) = seen.insert(&field.name, fi) {
                self.err(
                    &format!("{path}.name"),
                    format!(
                        "field `{}` is defined twice (also `fields[{first}]`)",
                        shown(&field.name)
                    ),
                );
                continue;
            }
            self.field(&path, field, model, spec_models);
            let default = match (&field.field_type, &field.selection) {
                (FieldType::Selection, Some(options)) if field.is_required() => options
                    .first()
                    .map(|(key, _)| FieldDefault::SelectionKey(key.clone())),
                _ => None,
            };
            fields.push(CheckedField {
                spec: field.clone(),
                m2m_table: None,
                default,
                spec_index: Some(fi),
            });
        }

        // The record's display name: Odoo uses a field `name` when there is one.
        if !seen.contains_key("name") {
            let mut name = FieldSpec::new("name", FieldType::Char);
            name.required = Some(true);
            fields.insert(
                0,
                CheckedField {
                    spec: name,
                    m2m_table: None,
                    default: None,
                    spec_index: None,
                },
            );
        }
        // Monetary fields need their currency field.
        let wanted: BTreeSet<String> = model
            .fields
            .iter()
            .filter(|f| f.field_type == FieldType::Monetary)
            .map(|f| {
                f.currency_field
                    .clone()
                    .unwrap_or_else(|| "currency_id".to_owned())
            })
            .collect();
        for currency in wanted {
            if fields.iter().any(|f| f.spec.name == currency) {
                continue;
            }
            let mut field = FieldSpec::new(&currency, FieldType::Many2one);
            field.relation = Some("res.currency".to_owned());
            // Distinct labels: Odoo warns about two fields of one model with the same label.
            let stem = currency.strip_suffix("_id").unwrap_or(&currency);
            field.string = Some(if stem == "currency" {
                "Currency".to_owned()
            } else {
                humanize(stem)
            });
            field.required = Some(true);
            fields.push(CheckedField {
                spec: field,
                m2m_table: None,
                default: Some(FieldDefault::CompanyCurrency),
                spec_index: None,
            });
        }

        let has = |name: &str, types: &[FieldType]| {
            fields
                .iter()
                .any(|f| f.spec.name == name && types.contains(&f.spec.field_type))
        };
        let order = if has("sequence", &[FieldType::Integer]) {
            Some("sequence, id".to_owned())
        } else if has("name", &[FieldType::Char]) {
            Some("name, id".to_owned())
        } else {
            None
        };
        CheckedModel {
            name: model.name.clone(),
            description: model
                .description
                .clone()
                .unwrap_or_else(|| humanize(&model.name)),
            table: underscored(&model.name),
            class_name: class_name(&model.name),
            order,
            fields,
        }
    }

    fn field(
        &mut self,
        path: &str,
        field: &FieldSpec,
        model: &ModelSpec,
        spec_models: &BTreeMap<&str, &ModelSpec>,
    ) {
        let name_path = format!("{path}.name");
        self.field_name(&name_path, &field.name);
        self.text(
            &format!("{path}.string"),
            field.string.as_deref(),
            TextKind::Line,
        );
        self.text(
            &format!("{path}.help"),
            field.help.as_deref(),
            TextKind::Long,
        );
        let kind = field.field_type;
        let type_name = kind.as_str();

        match (&field.relation, kind.is_relational()) {
            (None, true) => self.err(
                &format!("{path}.relation"),
                format!("a {type_name} field needs `relation` (the target model)"),
            ),
            (Some(_), false) => self.err(
                &format!("{path}.relation"),
                format!(
                    "`relation` only applies to many2one, one2many and many2many, not {type_name}"
                ),
            ),
            (Some(target), true) => self.relation(path, field, target, model, spec_models),
            (None, false) => {}
        }
        if field.inverse_name.is_some() && kind != FieldType::One2many {
            self.err(
                &format!("{path}.inverse_name"),
                format!("`inverse_name` only applies to one2many, not {type_name}"),
            );
        }
        if kind == FieldType::One2many && field.inverse_name.is_none() {
            self.err(
                &format!("{path}.inverse_name"),
                "a one2many field needs `inverse_name`: the many2one on the target model that points back",
            );
        }
        match (&field.selection, kind == FieldType::Selection) {
            (None, true) => self.err(
                &format!("{path}.selection"),
                "a selection field needs `selection`: [[key, label], ...]",
            ),
            (Some(_), false) => self.err(
                &format!("{path}.selection"),
                format!("`selection` only applies to selection fields, not {type_name}"),
            ),
            (Some(options), true) => self.selection(&format!("{path}.selection"), options),
            (None, false) => {}
        }
        if field.currency_field.is_some() && kind != FieldType::Monetary {
            self.err(
                &format!("{path}.currency_field"),
                format!("`currency_field` only applies to monetary fields, not {type_name}"),
            );
        }
        if kind == FieldType::Monetary {
            let currency = field.currency_field.as_deref().unwrap_or("currency_id");
            let currency_path = format!("{path}.currency_field");
            if field.currency_field.is_some() {
                self.field_name(&currency_path, currency);
            }
            if currency == field.name {
                self.err(
                    &currency_path,
                    "a monetary field cannot be its own currency field",
                );
            } else if let Some(existing) = model.fields.iter().find(|f| f.name == currency)
                && (existing.field_type != FieldType::Many2one
                    || existing.relation.as_deref() != Some("res.currency"))
            {
                self.err(
                    &currency_path,
                    format!(
                        "currency field `{currency}` exists but is not a many2one to `res.currency`"
                    ),
                );
            }
        }
        // Names Odoo gives a meaning of its own.
        match field.name.as_str() {
            "active" if kind != FieldType::Boolean => {
                self.err(
                    &name_path,
                    "`active` is Odoo's archive flag and must be boolean",
                );
            }
            "name" if matches!(kind, FieldType::One2many | FieldType::Many2many) => {
                self.err(
                    &name_path,
                    "`name` is the record's display name and cannot be a one2many or many2many",
                );
            }
            "company_id"
                if !(kind == FieldType::Many2one
                    && field.relation.as_deref() == Some("res.company")) =>
            {
                self.err(&name_path, "`company_id` is Odoo's multi-company field and must be a many2one to `res.company`");
            }
            "currency_id"
                if !(kind == FieldType::Many2one
                    && field.relation.as_deref() == Some("res.currency")) =>
            {
                self.err(&name_path, "`currency_id` is Odoo's currency field and must be a many2one to `res.currency`");
            }
            _ => {}
        }
    }

    fn field_name(&mut self, path: &str, name: &str) {
        if !is_identifier(name) {
            self.err(
                path,
                format!("field name `{}` must match ^[a-z][a-z0-9_]*$", shown(name)),
            );
        } else if name.len() > PG_NAME_MAX {
            self.err(
                path,
                format!(
                    "field name is {} characters long; at most {PG_NAME_MAX}",
                    name.len()
                ),
            );
        } else if PYTHON_KEYWORDS.contains(&name) {
            self.err(path, format!("field name `{name}` is a Python keyword"));
        } else if RESERVED_FIELD_NAMES.contains(&name) {
            self.err(
                path,
                format!(
                    "field name `{name}` is reserved by Odoo (a column or method every model has)"
                ),
            );
        } else if name.contains("__") {
            self.err(
                path,
                format!("field name `{name}` contains `__`, which Odoo reserves"),
            );
        }
    }

    fn relation(
        &mut self,
        path: &str,
        field: &FieldSpec,
        target: &str,
        model: &ModelSpec,
        spec_models: &BTreeMap<&str, &ModelSpec>,
    ) {
        let rel_path = format!("{path}.relation");
        let in_spec = spec_models.get(target);
        let core = CORE_MODELS.iter().any(|(name, _)| *name == target);
        if in_spec.is_none() && !core {
            let known: Vec<&str> = CORE_MODELS.iter().take(8).map(|(name, _)| *name).collect();
            self.err(
                &rel_path,
                format!(
                    "relation `{}` is neither a model of this spec nor a known Odoo model ({}, ...)",
                    shown(target),
                    known.join(", ")
                ),
            );
            return;
        }
        if field.field_type != FieldType::One2many {
            return;
        }
        let Some(inverse) = field.inverse_name.as_deref() else {
            return;
        };
        let inv_path = format!("{path}.inverse_name");
        match in_spec {
            None => self.err(
                &inv_path,
                format!(
                    "a one2many to `{target}` needs a many2one `{}` on `{target}` pointing to `{}`; adding one means inheriting `{target}`, which this node does not generate",
                    shown(inverse),
                    model.name
                ),
            ),
            Some(target_model) => match target_model.fields.iter().find(|f| f.name == inverse) {
                Some(f) if f.field_type == FieldType::Many2one && f.relation.as_deref() == Some(model.name.as_str()) => {}
                Some(_) => self.err(
                    &inv_path,
                    format!("`{target}.{inverse}` must be a many2one to `{}` to serve as the inverse", model.name),
                ),
                None => self.err(
                    &inv_path,
                    format!(
                        "`{target}` has no field `{}`; add a many2one `{}` to `{}` there",
                        shown(inverse),
                        shown(inverse),
                        model.name
                    ),
                ),
            },
        }
    }

    fn selection(&mut self, path: &str, options: &[(String, String)]) {
        if options.is_empty() {
            self.err(path, "a selection needs at least one [key, label] option");
        }
        if options.len() > MAX_SELECTION {
            self.err(
                path,
                format!("{} options; at most {MAX_SELECTION}", options.len()),
            );
        }
        let mut keys = BTreeSet::new();
        for (i, (key, label)) in options.iter().enumerate() {
            self.text(&format!("{path}[{i}][0]"), Some(key), TextKind::Line);
            self.text(&format!("{path}[{i}][1]"), Some(label), TextKind::Line);
            if !keys.insert(key.as_str()) {
                self.err(
                    &format!("{path}[{i}][0]"),
                    format!("selection key `{}` appears twice", shown(key)),
                );
            }
        }
    }
}

/// Names many2many tables: Odoo's default `<a>_<b>_rel` when it is unambiguous and short
/// enough (then two opposite many2many fields share it, as Odoo intends), otherwise an
/// explicit table per field. Reports tables that would collide with model tables.
fn name_many2many_tables(models: &mut [CheckedModel], cx: &mut Checker) {
    let table_of = |model: &str| underscored(model);
    // (source table, target table) -> number of many2many fields in that direction
    let mut direction: BTreeMap<(String, String), usize> = BTreeMap::new();
    for model in models.iter() {
        for field in &model.fields {
            if let (FieldType::Many2many, Some(target)) =
                (field.spec.field_type, &field.spec.relation)
            {
                *direction
                    .entry((model.table.clone(), table_of(target)))
                    .or_default() += 1;
            }
        }
    }
    // table -> (what owns it, whether it is Odoo's default many2many table)
    let mut tables: BTreeMap<String, (String, bool)> = models
        .iter()
        .map(|m| (m.table.clone(), (format!("model `{}`", m.name), false)))
        .collect();
    for (mi, model) in models.iter_mut().enumerate() {
        let source = model.table.clone();
        for field in &mut model.fields {
            let (FieldType::Many2many, Some(target)) =
                (field.spec.field_type, &field.spec.relation)
            else {
                continue;
            };
            let target = table_of(target);
            let (low, high) = if source <= target {
                (&source, &target)
            } else {
                (&target, &source)
            };
            let canonical = format!("{low}_{high}_rel");
            let count = |a: &String, b: &String| {
                direction.get(&(a.clone(), b.clone())).copied().unwrap_or(0)
            };
            let default_ok = source != target
                && count(&source, &target) == 1
                && count(&target, &source) <= 1
                && canonical.len() <= PG_NAME_MAX;
            let relation = if default_ok {
                canonical
            } else {
                let relation = pg_name(&format!("{source}_{}_rel", field.spec.name));
                let column1 = pg_name(&format!("{source}_id"));
                let column2 = if source == target {
                    pg_name(&format!("related_{target}_id"))
                } else {
                    pg_name(&format!("{target}_id"))
                };
                field.m2m_table = Some((relation.clone(), column1, column2));
                relation
            };
            match tables.get(&relation) {
                // Two opposite fields sharing Odoo's default table is what Odoo intends.
                Some((_, true)) if default_ok => {}
                Some((other, _)) => {
                    let path = format!(
                        "models[{mi}].fields[{}].name",
                        field.spec_index.unwrap_or_default()
                    );
                    cx.err(&path, format!("its table `{relation}` collides with {other}; rename the field or the model"));
                }
                None => {
                    let owner = format!("many2many `{}.{}`", model.name, field.spec.name);
                    tables.insert(relation, (owner, default_ok));
                }
            }
        }
    }
}

/// `name` if `PostgreSQL` keeps it whole, else a prefix plus a hash so distinct names stay
/// distinct.
fn pg_name(name: &str) -> String {
    if name.len() <= PG_NAME_MAX {
        return name.to_owned();
    }
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{}_{:08x}", &name[..PG_NAME_MAX - 9], hash & 0xffff_ffff)
}

/// `consulting.engagement_line` -> `ConsultingEngagementLine`.
fn class_name(model: &str) -> String {
    let name: String = humanize(model).split(' ').collect();
    // `none`, `true` and `false` would give the keywords `None`, `True` and `False`.
    if matches!(name.as_str(), "None" | "True" | "False") {
        format!("{name}Model")
    } else {
        name
    }
}

/// `^[a-z][a-z0-9_]*$`.
pub fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn allowed_char(c: char, kind: TextKind) -> bool {
    match c {
        '\t' => true,
        '\n' | '\r' => matches!(kind, TextKind::Long),
        // XML 1.0 cannot carry these at all, not even as character references.
        '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => false,
        _ => true,
    }
}

/// A name as it may appear in an error message: short, and with control characters escaped so
/// that a hostile spec cannot forge lines in the log.
fn shown(value: &str) -> String {
    let mut out: String = value
        .chars()
        .take(60)
        .flat_map(char::escape_default)
        .collect();
    if value.chars().count() > 60 {
        out.push_str("...");
    }
    out
}
