//! The public data types of the resolver: what a user gives (`BusinessIntentInput`), what the
//! resolver answers (`ResolvedBusinessIntent` with its `Explanation`s), the closed value sets
//! (business type, monetization, industry, risk, template, language) and `IntentError`, which
//! lists every problem with an input at once. JSON field names and values follow the seed
//! (`sprint8-autonomous-business-pipeline.md`, S8.1) and the design brief, section 8.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::module_spec::ModuleSpec;

/// What a user asks for, as the HTTP API and the CLI receive it.
///
/// `monetization_type` and `compliance_sensitivity` are plain strings on purpose: a caller that
/// sends an unknown value gets it back in `IntentError` together with every other problem,
/// instead of a deserialization error that stops at the first one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessIntentInput {
    /// The business idea in natural language, English or German (required, non-empty).
    #[serde(default)]
    pub vision: String,
    /// Who the business serves, e.g. "small law firms in Bavaria".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_audience: Option<String>,
    /// ISO 3166 alpha-2 code ("DE") or a country name ("Germany", "Österreich").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Optional override, one of the `MonetizationType` values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monetization_type: Option<String>,
    /// `low`, `medium` or `high`; `medium` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance_sensitivity: Option<String>,
    /// The name to use on the website; derived from the vision when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// The domain the site will live under, e.g. "acme-consulting.test".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// Generates the closed value sets: serde names, `as_str`, `Display`, `FromStr` and `ALL`,
/// all from one list so they cannot drift apart.
macro_rules! value_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The JSON spelling of the value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;

            /// Accepts the JSON spelling, ignoring case, surrounding space and `-` versus `_`.
            fn from_str(s: &str) -> Result<Self, String> {
                let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().replace('-', "_") == wanted)
                    .ok_or_else(|| {
                        let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        format!("unknown value {s:?}; use one of {}", names.join(", "))
                    })
            }
        }
    };
}

value_enum! {
    /// How the business earns: by doing work, selling goods, running a platform, or both.
    BusinessType {
        Service => "service",
        Product => "product",
        Platform => "platform",
        Hybrid => "hybrid",
    }
}

value_enum! {
    /// How money comes in.
    MonetizationType {
        Subscription => "subscription",
        Transaction => "transaction",
        OneTime => "one_time",
        Commission => "commission",
        Advertising => "advertising",
        Freemium => "freemium",
    }
}

value_enum! {
    /// The business's own sector (not its customers' sector).
    Industry {
        Technology => "technology",
        Healthcare => "healthcare",
        Finance => "finance",
        Education => "education",
        Retail => "retail",
        Hospitality => "hospitality",
        RealEstate => "real_estate",
        Legal => "legal",
        Manufacturing => "manufacturing",
        Media => "media",
        ProfessionalServices => "professional_services",
        Other => "other",
    }
}

value_enum! {
    /// Operational and compliance risk of automating this business, from the weighted score.
    RiskLevel {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

value_enum! {
    /// How sensitive the data the business handles is, as the user states it.
    ComplianceSensitivity {
        Low => "low",
        Medium => "medium",
        High => "high",
    }
}

value_enum! {
    /// The webgenesis templates (params.md).
    WebsiteTemplate {
        StaticLanding => "static-landing",
        NextjsBusiness => "nextjs-business",
        EcommerceBasic => "ecommerce-basic",
    }
}

value_enum! {
    /// Language of the generated content.
    Language {
        En => "en",
        De => "de",
    }
}

/// Why a field has its value: the words that decided it, the rule applied, and how sure the
/// resolver is (0 to 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The `ResolvedBusinessIntent` field this explains, e.g. `industry`.
    pub field: String,
    /// The value the field got, as text (`"professional_services"`, `"true"`, `"42"`).
    pub value: String,
    /// The words in the input that counted, as they were written; empty when a default decided.
    pub matched: Vec<String>,
    /// The rule, in a sentence, with the scores that decided.
    pub rule: String,
    /// 0 to 1: how clearly the evidence points to this value.
    pub confidence: f64,
}

/// The structured intent the planner works from (seed S8.1, plus the input fields the planner
/// needs and the explanations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedBusinessIntent {
    /// `intent_` + the first 16 hex digits of the SHA-256 of the canonical normalized input.
    pub intent_id: String,
    /// The input's vision, whitespace-normalized.
    pub vision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_audience: Option<String>,
    /// `de` for German input text or a region in DE/AT/CH, else `en`.
    pub language: Language,
    pub compliance_sensitivity: ComplianceSensitivity,
    pub business_type: BusinessType,
    pub monetization_type: MonetizationType,
    pub industry: Industry,
    pub risk_level: RiskLevel,
    /// The sum of the four documented risk weights that `risk_level` was read from.
    pub risk_score: u32,
    pub needs_website: bool,
    pub needs_erp: bool,
    pub website_template: WebsiteTemplate,
    /// Standard Odoo Community modules, in install order.
    pub odoo_modules_required: Vec<String>,
    /// Custom modules to generate, exactly in the odoo node's `ModuleSpec` shape.
    pub custom_modules_spec: Vec<ModuleSpec>,
    /// 1 to 100, from the documented factors in `vocabulary.toml` `[complexity]`.
    pub estimated_complexity_score: u8,
    /// One entry per decided field.
    pub explanations: Vec<Explanation>,
}

impl ResolvedBusinessIntent {
    /// The explanation for `field`, if the resolver wrote one.
    pub fn explanation(&self, field: &str) -> Option<&Explanation> {
        self.explanations.iter().find(|e| e.field == field)
    }
}

/// One thing wrong with a `BusinessIntentInput`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum InputProblem {
    #[error(
        "`vision` is empty; describe the business in a sentence, e.g. \"I want a consulting business\""
    )]
    EmptyVision,
    #[error("`{field}` is {len} characters long; shorten it to at most {max}")]
    TooLong {
        field: String,
        len: usize,
        max: usize,
    },
    #[error("`domain` {domain:?} is not a valid domain name: {reason}")]
    InvalidDomain { domain: String, reason: String },
    #[error("`compliance_sensitivity` {value:?} is unknown; use one of low, medium, high")]
    UnknownComplianceSensitivity { value: String },
    #[error(
        "`monetization_type` {value:?} is unknown; use one of subscription, transaction, one_time, commission, advertising, freemium"
    )]
    UnknownMonetizationType { value: String },
    #[error("the embedded vocabulary is invalid ({message}); fix crates/intent/vocabulary.toml")]
    InvalidVocabulary { message: String },
}

/// Every problem found in one input; `resolve` never stops at the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("business intent input is invalid: {}", join_problems(.problems))]
pub struct IntentError {
    pub problems: Vec<InputProblem>,
}

fn join_problems(problems: &[InputProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
