//! `ModuleSpec`: the Odoo module description shared by the intent (`custom_modules_spec`) and the
//! odoo node's params, field for field as in `briefs/params.md`, plus the small builders the
//! resolver uses to write its per-industry modules readably.

use serde::{Deserialize, Serialize};

/// One custom Odoo module to generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleSpec {
    /// Technical name, `^[a-z][a-z0-9_]*$`, not a core module name.
    pub name: String,
    pub title: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub depends: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<bool>,
    pub models: Vec<ModelSpec>,
}

/// One model of a module, e.g. `consulting.engagement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Dotted, lowercase: `consulting.engagement`.
    pub name: String,
    pub description: String,
    pub fields: Vec<FieldSpec>,
}

/// The Odoo field types the odoo node can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// Whether the field points at another model and so needs `relation`.
    pub fn is_relational(self) -> bool {
        matches!(self, Self::Many2one | Self::One2many | Self::Many2many)
    }
}

/// One field of a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub string: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Target model for many2one, one2many and many2many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    /// The many2one on the target model that a one2many mirrors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inverse_name: Option<String>,
    /// `[key, label]` pairs for selection fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Vec<[String; 2]>>,
    /// Currency field of a monetary field; the odoo node adds `currency_id` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_field: Option<String>,
}

impl FieldSpec {
    pub(crate) fn new(name: &str, field_type: FieldType, string: &str) -> Self {
        Self {
            name: name.to_owned(),
            field_type,
            string: string.to_owned(),
            required: None,
            help: None,
            relation: None,
            inverse_name: None,
            selection: None,
            currency_field: None,
        }
    }

    pub(crate) fn required(mut self) -> Self {
        self.required = Some(true);
        self
    }

    pub(crate) fn help(mut self, help: &str) -> Self {
        self.help = Some(help.to_owned());
        self
    }

    pub(crate) fn relation(mut self, model: &str) -> Self {
        self.relation = Some(model.to_owned());
        self
    }

    pub(crate) fn inverse(mut self, field: &str) -> Self {
        self.inverse_name = Some(field.to_owned());
        self
    }

    pub(crate) fn selection(mut self, options: &[(&str, &str)]) -> Self {
        self.selection = Some(
            options
                .iter()
                .map(|(key, label)| [(*key).to_owned(), (*label).to_owned()])
                .collect(),
        );
        self
    }
}
