//! The module spec (params.md's `ModuleSpec`, also the element type of the intent's
//! `custom_modules_spec`) and the Odoo versions the generator targets. These are plain data:
//! every rule about what a valid spec is lives in `validate.rs`.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The Odoo major version the module is generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum OdooVersion {
    /// Odoo 17.0: list views are `<tree>`, actions use `view_mode` `tree,form`.
    #[default]
    #[serde(rename = "17.0")]
    V17,
    /// Odoo 18.0: list views are `<list>`, actions use `view_mode` `list,form`.
    #[serde(rename = "18.0")]
    V18,
}

impl OdooVersion {
    /// The series prefix of module versions, e.g. `17.0` in `17.0.1.0.0`.
    pub fn series(self) -> &'static str {
        match self {
            Self::V17 => "17.0",
            Self::V18 => "18.0",
        }
    }

    /// The root element of a list view.
    pub fn list_tag(self) -> &'static str {
        match self {
            Self::V17 => "tree",
            Self::V18 => "list",
        }
    }
}

impl fmt::Display for OdooVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.series())
    }
}

/// An Odoo module to generate: technical name, manifest data and models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleSpec {
    /// Technical name, e.g. `consulting_engagements`: `^[a-z][a-z0-9_]*$`, not a Python keyword
    /// and not the name of an Odoo core module. It is also the folder name in the addons path.
    pub name: String,
    /// Human name shown in the Apps list and as the root menu; derived from `name` when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// Module version `x.y.z` (default `1.0.0`); the manifest gets `<odoo series>.x.y.z`.
    #[serde(default)]
    pub version: Option<String>,
    /// One line for the Apps list; the title when absent.
    #[serde(default)]
    pub summary: Option<String>,
    /// Longer description; written to the module's `README.rst`.
    #[serde(default)]
    pub description: Option<String>,
    /// Apps category, e.g. `Services` or `Sales/CRM` (default `Uncategorized`).
    #[serde(default)]
    pub category: Option<String>,
    /// Modules this one depends on; `base` and the modules that provide the core models the
    /// fields refer to (e.g. `product` for `product.product`) are added when missing.
    #[serde(default)]
    pub depends: Vec<String>,
    /// Whether the module is an application in the Apps list (default true: it has its own
    /// root menu).
    #[serde(default)]
    pub application: Option<bool>,
    /// The new models the module defines.
    #[serde(default)]
    pub models: Vec<ModelSpec>,
}

/// One new model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Dotted lowercase name, e.g. `consulting.engagement`; must not be an existing Odoo model
    /// (extending one with `_inherit` is not supported).
    pub name: String,
    /// Human name (`_description`), e.g. `Engagement`; derived from `name` when absent.
    #[serde(default)]
    pub description: Option<String>,
    /// The fields; a required `name` Char field is added when the spec has no field `name`.
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
}

/// The field types the generator supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Char,
    Text,
    Integer,
    Float,
    Boolean,
    Date,
    Datetime,
    Selection,
    Many2one,
    One2many,
    Many2many,
    Monetary,
    Html,
}

impl FieldType {
    /// The class in `odoo.fields`.
    pub fn odoo_class(self) -> &'static str {
        match self {
            Self::Char => "Char",
            Self::Text => "Text",
            Self::Integer => "Integer",
            Self::Float => "Float",
            Self::Boolean => "Boolean",
            Self::Date => "Date",
            Self::Datetime => "Datetime",
            Self::Selection => "Selection",
            Self::Many2one => "Many2one",
            Self::One2many => "One2many",
            Self::Many2many => "Many2many",
            Self::Monetary => "Monetary",
            Self::Html => "Html",
        }
    }

    /// The name as the spec spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Char => "char",
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Float => "float",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Selection => "selection",
            Self::Many2one => "many2one",
            Self::One2many => "one2many",
            Self::Many2many => "many2many",
            Self::Monetary => "monetary",
            Self::Html => "html",
        }
    }

    pub fn is_relational(self) -> bool {
        matches!(self, Self::Many2one | Self::One2many | Self::Many2many)
    }
}

/// One field of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Technical name, e.g. `partner_id`: `^[a-z][a-z0-9_]*$`, not a Python keyword and not a
    /// name Odoo reserves (`id`, `create_uid`, `write_date`, `display_name`, `env`, ...).
    pub name: String,
    /// The field type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Label; Odoo derives one from the name when absent.
    #[serde(default)]
    pub string: Option<String>,
    /// Whether a value is mandatory.
    #[serde(default)]
    pub required: Option<bool>,
    /// Tooltip text.
    #[serde(default)]
    pub help: Option<String>,
    /// Target model of a many2one, one2many or many2many: a model of this spec or a well-known
    /// Odoo model (`res.partner`, `res.users`, `res.company`, `res.currency`, `product.product`,
    /// ...).
    #[serde(default)]
    pub relation: Option<String>,
    /// For a one2many: the many2one field on the target model that points back to this model.
    #[serde(default)]
    pub inverse_name: Option<String>,
    /// For a selection: `[key, label]` pairs, e.g. `[["draft", "Draft"], ["done", "Done"]]`.
    #[serde(default)]
    pub selection: Option<Vec<(String, String)>>,
    /// For a monetary field: the many2one to `res.currency` holding its currency (default
    /// `currency_id`, added to the model when missing).
    #[serde(default)]
    pub currency_field: Option<String>,
}

impl FieldSpec {
    /// A field of `field_type` with only a name set.
    pub fn new(name: &str, field_type: FieldType) -> Self {
        Self {
            name: name.to_owned(),
            field_type,
            string: None,
            required: None,
            help: None,
            relation: None,
            inverse_name: None,
            selection: None,
            currency_field: None,
        }
    }

    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(false)
    }
}

/// A model name as a Python/SQL identifier (`consulting.engagement` -> `consulting_engagement`):
/// the table name, the file name, and the stem of every xml id.
pub fn underscored(model: &str) -> String {
    model.replace('.', "_")
}

/// A human label from a technical name (`consulting.engagement_line` -> `Consulting Engagement
/// Line`).
pub fn humanize(name: &str) -> String {
    name.split(['.', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}
