//! abp-intent: the business intent resolver and the planner of the autonomous business
//! pipeline (seed S8.1 and the graph spec of S8.2), as a pure library.
//!
//! [`resolve`] turns a [`BusinessIntentInput`] (a business idea in English or German) into a
//! [`ResolvedBusinessIntent`]: business type, monetization, industry, risk, website and ERP
//! needs, the Odoo modules to install and the custom modules to generate, a complexity score,
//! and an [`Explanation`] for every field. [`plan`] turns that intent into a [`PlannedGraph`]
//! of webgenesis, dns and odoo nodes.
//!
//! Architecture invariants: no I/O, no clock, no randomness and no model at run time. The
//! vocabulary (`vocabulary.toml`) is embedded at build time and parsed once; all keyword
//! knowledge and all weights live there, the code holds only the matching and decision rules.
//! The same input always yields the same output and the same `intent_id`.
//!
//! # Decisions, in short
//!
//! - Keyword evidence: every vocabulary phrase found in the vision scores its weight for its
//!   field's value, times 1.5 in the head phrase, 0.3 after "for"/"für"/"serving" (customers,
//!   not the business), 0.3 as the modifier of a later head noun ("*Hotel* booking engine",
//!   "*Praxis*verwaltungssoftware"); negated phrases ("no online shop", "ohne Abo") are ignored,
//!   rule their value out, or flip a yes/no field, per field. Highest score wins.
//! - `business_type`: the industry lends its usual type one point; `hybrid` when product and
//!   service words both reach 2 and the weaker is at least half the stronger.
//! - `risk_level` (seed S8.1): `risk_score = business_type + monetization + compliance +
//!   industry` with the weights service 5, product 10, hybrid 15, platform 20; `one_time` 5,
//!   transaction/subscription/advertising/freemium 10, commission 15; compliance low 0,
//!   medium 15, high 35; healthcare/finance 30, legal 20, education and `real_estate` 15,
//!   technology/retail/hospitality/manufacturing/media 10, `professional_services` and other 5.
//!   Score <= 35 is low, <= 55 medium, <= 75 high, above critical. The weights live in
//!   `vocabulary.toml` `[risk]`; this list documents the shipped values.
//! - `estimated_complexity_score`: business type (15..38) + monetization (0..10) + template
//!   (0..10) + risk (0..12) + ERP (6, plus 2 per standard module up to 16, 3 per custom model
//!   up to 15) + features named in the text (booking, payments, portal, ... up to 25), clamped
//!   to 1..100 (`[complexity]`).
//! - Odoo: Community modules only (`sale_subscription` and `appointment` are Enterprise and are
//!   named in the explanation instead); one custom module per industry plus marketplace and
//!   recurring-billing add-ons (`src/modules.rs`).
//!
//! ```
//! use abp_intent::{BusinessIntentInput, PlanOptions, plan, resolve};
//!
//! let input = BusinessIntentInput {
//!     vision: "I want a consulting business".to_owned(),
//!     domain: Some("acme-consulting.test".to_owned()),
//!     ..BusinessIntentInput::default()
//! };
//! let intent = resolve(&input).expect("valid input");
//! assert_eq!(intent.industry.as_str(), "professional_services");
//! let graph = plan(&intent, &PlanOptions::default());
//! assert_eq!(graph.nodes[0].node_id, "website");
//! ```

mod model;
mod module_spec;
mod modules;
mod plan;
mod resolve;
mod text;
mod vocabulary;

pub use model::{
    BusinessIntentInput, BusinessType, ComplianceSensitivity, Explanation, Industry, InputProblem,
    IntentError, Language, MonetizationType, ResolvedBusinessIntent, RiskLevel, WebsiteTemplate,
};
pub use module_spec::{FieldSpec, FieldType, ModelSpec, ModuleSpec};
pub use plan::{PlanOptions, PlannedGraph, PlannedNode, plan};
pub use resolve::resolve;

/// The version of the embedded vocabulary, for evidence and reproducibility records; `None` if
/// the embedded file is invalid (a unit test keeps it valid).
pub fn vocabulary_version() -> Option<u32> {
    vocabulary::vocabulary().ok().map(|v| v.version)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::vocabulary::{Vocabulary, vocabulary};

    #[test]
    fn embedded_vocabulary_parses_and_validates() {
        if let Err(problem) = vocabulary() {
            panic!("{problem}");
        }
    }

    #[test]
    fn no_phrase_is_listed_twice_for_one_field() {
        let vocab: &Vocabulary = vocabulary().expect("vocabulary");
        let mut seen = BTreeSet::new();
        let mut duplicates = Vec::new();
        for entry in &vocab.entries {
            for phrase in &entry.phrases {
                let key = (entry.field, phrase.words.join(" "), phrase.case_sensitive);
                // The same word may be listed once in `en` and once in `de` for the same value.
                let full = (key.clone(), entry.value.clone(), phrase.german);
                if !seen.insert(full) {
                    duplicates.push(format!("{:?} {:?}", entry.field, phrase.words.join(" ")));
                }
            }
        }
        let mut by_field: std::collections::BTreeMap<_, BTreeSet<String>> =
            std::collections::BTreeMap::new();
        for entry in &vocab.entries {
            for phrase in &entry.phrases {
                let key = (entry.field, phrase.words.join(" "), phrase.case_sensitive);
                by_field.entry(key).or_default().insert(entry.value.clone());
            }
        }
        for ((field, words, _), values) in by_field {
            if values.len() > 1 {
                duplicates.push(format!("{field:?} {words:?} maps to {values:?}"));
            }
        }
        assert!(duplicates.is_empty(), "duplicate phrases: {duplicates:#?}");
    }
}
