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
