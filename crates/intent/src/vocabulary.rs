//! The vocabulary: keyword tables, grammar word lists, risk and complexity weights and website
//! copy, all read from `vocabulary.toml`, which is embedded at build time and parsed and checked
//! once per process (`OnceLock`). The matcher here finds every vocabulary phrase in a token
//! stream: whole words (with English plurals and, in German text, German endings), multi-word
//! phrases, the same phrase written as one word ("online shop" in "Onlineshop"), and German
//! stems inside compounds ("zahnarzt" in "Zahnarztpraxis"). Longer matches hide shorter ones of
//! the same field ("online shop" hides "shop").

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{BusinessType, Industry, MonetizationType, WebsiteTemplate};
use crate::text::{Token, fold, phrase_words};

/// The reviewed data file; edit it, not the code, to teach the resolver new words.
const VOCABULARY_TOML: &str = include_str!("../vocabulary.toml");

/// The parsed vocabulary, or why the embedded file is invalid (a unit test keeps it valid).
pub(crate) fn vocabulary() -> Result<&'static Vocabulary, String> {
    static PARSED: OnceLock<Result<Vocabulary, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| Vocabulary::parse(VOCABULARY_TOML))
        .as_ref()
        .map_err(Clone::clone)
}

/// Word lists that steer negation, customer scope, head phrases and language detection.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Grammar {
    pub negation_cues: Vec<String>,
    pub negation_breakers: Vec<String>,
    pub negation_window: usize,
    pub post_negation: Vec<String>,
    pub customer_markers: Vec<String>,
    pub customer_markers_after_offer: Vec<String>,
    pub offer_verbs: Vec<String>,
    pub customer_marker_exceptions: Vec<String>,
    pub conjunctions: Vec<String>,
    pub phrase_starters: Vec<String>,
    pub customer_scope_end: Vec<String>,
    pub head_end: Vec<String>,
    pub de_markers: Vec<String>,
    pub en_markers: Vec<String>,
    pub min_compound_len: usize,
    pub de_endings: Vec<String>,
}

/// How one field treats its keyword evidence.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldPolicy {
    /// Multiplier for words after a customer marker ("IT services for *clinics*").
    pub customer_factor: f64,
    /// Multiplier for words in the head phrase ("*Zahnarztpraxis* in Graz").
    pub head_factor: f64,
    /// Multiplier for words from `target_audience`.
    pub audience_factor: f64,
    /// Multiplier for a match inside a German compound that another match of the same field
    /// ends ("praxis" in "Praxisverwaltungssoftware", where "software" is the head).
    #[serde(default = "one")]
    pub modifier_factor: f64,
    /// Multiplier for a head-phrase match followed closely by a strong match of the same field
    /// with another value ("hotel" in "hotel booking engine").
    #[serde(default = "one")]
    pub phrase_modifier_factor: f64,
    /// What a negated match does: `ignore` it, `veto` its value, or `flip` a yes/no value.
    pub negation: NegationPolicy,
    /// Tie-break order; earlier wins.
    #[serde(default)]
    pub tie_order: Vec<String>,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum NegationPolicy {
    Ignore,
    Veto,
    Flip,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldPolicies {
    pub business_type: FieldPolicy,
    pub monetization_type: FieldPolicy,
    pub industry: FieldPolicy,
    pub website_template: FieldPolicy,
    pub needs_erp: FieldPolicy,
    pub needs_website: FieldPolicy,
    pub feature: FieldPolicy,
}

impl FieldPolicies {
    pub(crate) fn get(&self, field: Field) -> &FieldPolicy {
        match field {
            Field::BusinessType => &self.business_type,
            Field::MonetizationType => &self.monetization_type,
            Field::Industry => &self.industry,
            Field::WebsiteTemplate => &self.website_template,
            Field::NeedsErp => &self.needs_erp,
            Field::NeedsWebsite => &self.needs_website,
            Field::Feature => &self.feature,
        }
    }
}

/// Decision thresholds and priors that are rules rather than keywords.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rules {
    pub hybrid_min_score: f64,
    pub hybrid_min_ratio: f64,
    pub industry_prior_weight: f64,
    pub industry_business_type: BTreeMap<Industry, BusinessType>,
    pub erp_prior: f64,
    pub website_prior: f64,
    pub ecommerce_min_score: f64,
    pub head_noun_min_weight: f64,
    pub monetization_defaults: BTreeMap<BusinessType, MonetizationType>,
    pub confidence_full_score: f64,
}

/// Risk weights (seed S8.1: `risk_score = business_type_weight + monetization_weight +
/// compliance_weight + industry_weight`) and the upper bounds of each level.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RiskWeights {
    pub business_type: BTreeMap<BusinessType, u32>,
    pub monetization_type: BTreeMap<MonetizationType, u32>,
    pub compliance: BTreeMap<String, u32>,
    pub industry: BTreeMap<Industry, u32>,
    pub low_max: u32,
    pub medium_max: u32,
    pub high_max: u32,
}

/// Complexity points per factor; see `[complexity]` in the TOML for the reasoning.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ComplexityWeights {
    pub business_type: BTreeMap<BusinessType, u32>,
    pub monetization_type: BTreeMap<MonetizationType, u32>,
    pub website_template: BTreeMap<WebsiteTemplate, u32>,
    pub risk: BTreeMap<String, u32>,
    pub erp: u32,
    pub per_standard_module: u32,
    pub standard_modules_max: u32,
    pub per_custom_model: u32,
    pub custom_models_max: u32,
    pub features_max: u32,
}

/// One offer shown on the website when the vision does not list any.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Offer {
    pub name: String,
    pub description: String,
}

/// Website copy per industry, in both languages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IndustryCopy {
    /// The name used when neither the input nor the vision gives one.
    pub name_en: String,
    pub name_de: String,
    pub label_en: String,
    pub label_de: String,
    pub tagline_en: String,
    pub tagline_de: String,
    pub en: Vec<Offer>,
    pub de: Vec<Offer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Naming {
    pub establishment_words: Vec<String>,
    pub business_suffix_en: String,
    pub name_skip: Vec<String>,
    pub fallback_en: String,
    pub fallback_de: String,
    pub offer_cues_en: Vec<String>,
    pub offer_cues_de: Vec<String>,
    pub offer_strip: Vec<String>,
}

/// The field a vocabulary entry gives evidence for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Field {
    BusinessType,
    MonetizationType,
    Industry,
    WebsiteTemplate,
    NeedsErp,
    NeedsWebsite,
    /// A complexity feature; `value` names it and `weight` is its points.
    Feature,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    field: Field,
    value: toml::Value,
    weight: f64,
    #[serde(default)]
    en: Vec<String>,
    #[serde(default)]
    de: Vec<String>,
    /// Force (`true`) or forbid (`false`) matching German phrases inside compounds.
    compound: Option<bool>,
    /// Compound matches are skipped in words containing one of these ("datenbank" for "bank").
    #[serde(default)]
    except: Vec<String>,
    /// Match the phrase only as written ("IT", not "it").
    #[serde(default)]
    case_sensitive: bool,
    /// Overrides the field's negation policy for this entry.
    negation: Option<NegationPolicy>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    version: u32,
    grammar: Grammar,
    fields: FieldPolicies,
    rules: Rules,
    risk: RiskWeights,
    complexity: ComplexityWeights,
    naming: Naming,
    copy: BTreeMap<Industry, IndustryCopy>,
    entry: Vec<EntryFile>,
}

/// A phrase ready for matching.
#[derive(Debug)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent facts about one phrase, read separately"
)]
pub(crate) struct Phrase {
    /// Folded words: `["online", "shop"]`.
    pub words: Vec<String>,
    /// The words run together: `onlineshop`.
    pub joined: String,
    /// The phrase as written in the TOML, for case-sensitive matching.
    pub written: String,
    /// From the `de` list: German endings and compounds apply.
    pub german: bool,
    /// German and not also listed in English: evidence that the text is German.
    pub german_only: bool,
    pub compound: bool,
    pub case_sensitive: bool,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub field: Field,
    pub value: String,
    pub weight: f64,
    pub phrases: Vec<Phrase>,
    pub except: Vec<String>,
    pub negation: Option<NegationPolicy>,
}

#[derive(Debug)]
pub(crate) struct Vocabulary {
    pub version: u32,
    pub grammar: Grammar,
    pub fields: FieldPolicies,
    pub rules: Rules,
    pub risk: RiskWeights,
    pub complexity: ComplexityWeights,
    pub naming: Naming,
    pub copy: BTreeMap<Industry, IndustryCopy>,
    pub entries: Vec<Entry>,
}

/// One place a vocabulary phrase occurs in the input.
#[derive(Debug, Clone)]
pub(crate) struct Match {
    pub entry: usize,
    pub field: Field,
    pub value: String,
    pub weight: f64,
    /// What the reader sees in an explanation: `online shop`, `zahnarzt (in "Zahnarztpraxis")`.
    pub shown: String,
    /// Span in the virtual token text, for overlap tests.
    pub start: usize,
    pub end: usize,
    pub first_token: usize,
    pub last_token: usize,
    pub negated: bool,
    /// Found inside a longer word (a German compound).
    pub compound: bool,
    pub german_only: bool,
}

impl Vocabulary {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let file: VocabularyFile =
            toml::from_str(text).map_err(|e| format!("vocabulary.toml does not parse: {e}"))?;
        let mut problems = Vec::new();
        let mut entries = Vec::with_capacity(file.entry.len());
        for (index, raw) in file.entry.iter().enumerate() {
            match compile_entry(raw, &file.grammar) {
                Ok(entry) => entries.push(entry),
                Err(problem) => problems.push(format!("entry #{}: {problem}", index + 1)),
            }
        }
        for industry in Industry::ALL {
            match file.copy.get(industry) {
                None => problems.push(format!("[copy.{industry}] is missing")),
                Some(copy) if copy.en.is_empty() || copy.de.is_empty() => {
                    problems.push(format!("[copy.{industry}] needs offers in en and de"));
                }
                Some(_) => {}
            }
        }
        check_complete(
            &mut problems,
            "risk.business_type",
            &file.risk.business_type,
            BusinessType::ALL,
        );
        check_complete(
            &mut problems,
            "risk.monetization_type",
            &file.risk.monetization_type,
            MonetizationType::ALL,
        );
        check_complete(
            &mut problems,
            "risk.industry",
            &file.risk.industry,
            Industry::ALL,
        );
        check_complete(
            &mut problems,
            "complexity.business_type",
            &file.complexity.business_type,
            BusinessType::ALL,
        );
        check_complete(
            &mut problems,
            "complexity.monetization_type",
            &file.complexity.monetization_type,
            MonetizationType::ALL,
        );
        check_complete(
            &mut problems,
            "complexity.website_template",
            &file.complexity.website_template,
            WebsiteTemplate::ALL,
        );
        check_complete(
            &mut problems,
            "rules.monetization_defaults",
            &file.rules.monetization_defaults,
            BusinessType::ALL,
        );
        for key in ["low", "medium", "high"] {
            if !file.risk.compliance.contains_key(key) {
                problems.push(format!("risk.compliance.{key} is missing"));
            }
        }
        for key in ["low", "medium", "high", "critical"] {
            if !file.complexity.risk.contains_key(key) {
                problems.push(format!("complexity.risk.{key} is missing"));
            }
        }
        if !(file.risk.low_max < file.risk.medium_max && file.risk.medium_max < file.risk.high_max)
        {
            problems.push("risk thresholds must rise: low_max < medium_max < high_max".to_owned());
        }
        if problems.is_empty() {
            Ok(Self {
                version: file.version,
                grammar: fold_grammar(file.grammar),
                fields: file.fields,
                rules: file.rules,
                risk: file.risk,
                complexity: file.complexity,
                naming: file.naming,
                copy: file.copy,
                entries,
            })
        } else {
            Err(problems.join("; "))
        }
    }

    /// Every non-overlapping match of every phrase in `tokens`. `german` enables German endings
    /// and compound matching for phrases from the `de` lists.
    pub(crate) fn find(&self, tokens: &[Token], german: bool) -> Vec<Match> {
        let mut candidates = Vec::new();
        for (entry_index, entry) in self.entries.iter().enumerate() {
            for phrase in &entry.phrases {
                self.find_phrase(tokens, german, entry_index, entry, phrase, &mut candidates);
            }
        }
        keep_longest(candidates)
    }

    fn find_phrase(
        &self,
        tokens: &[Token],
        german: bool,
        entry_index: usize,
        entry: &Entry,
        phrase: &Phrase,
        out: &mut Vec<Match>,
    ) {
        let g = &self.grammar;
        let endings_allowed = german && phrase.german;
        for (i, token) in tokens.iter().enumerate() {
            // The phrase as separate words.
            let n = phrase.words.len();
            let words_match = i + n <= tokens.len()
                && tokens[i..i + n].iter().all(|t| t.segment == token.segment)
                && phrase.words.iter().zip(&tokens[i..i + n]).all(|(word, t)| {
                    if phrase.case_sensitive {
                        t.surface == phrase.written
                    } else {
                        word_matches(&t.norm, word, endings_allowed, &g.de_endings)
                    }
                });
            if words_match {
                let last = &tokens[i + n - 1];
                let shown = tokens[i..i + n]
                    .iter()
                    .map(|t| t.surface.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let negated = token.negated || self.post_negated(tokens, i + n - 1, "");
                out.push(Match {
                    entry: entry_index,
                    field: entry.field,
                    value: entry.value.clone(),
                    weight: entry.weight,
                    shown,
                    start: token.offset,
                    end: last.offset + last.norm.chars().count(),
                    first_token: i,
                    last_token: i + n - 1,
                    negated,
                    compound: false,
                    german_only: phrase.german_only,
                });
                continue;
            }
            if phrase.case_sensitive {
                continue;
            }
            // A multi-word phrase written as one word ("Onlineshop").
            if n > 1 && word_matches(&token.norm, &phrase.joined, endings_allowed, &g.de_endings) {
                out.push(self.whole_token_match(tokens, i, entry_index, entry, phrase));
                continue;
            }
            // A German stem inside a compound ("zahnarzt" in "zahnarztpraxis").
            let found = (german && phrase.compound && token.norm != phrase.joined)
                .then(|| token.norm.find(&phrase.joined))
                .flatten();
            if let Some(at) = found {
                if entry.except.iter().any(|x| token.norm.contains(x.as_str())) {
                    continue;
                }
                let before = token.norm[..at].chars().count();
                let len = phrase.joined.chars().count();
                let rest = &token.norm[at + phrase.joined.len()..];
                out.push(Match {
                    entry: entry_index,
                    field: entry.field,
                    value: entry.value.clone(),
                    weight: entry.weight,
                    shown: format!("{} (in \"{}\")", phrase.joined, token.surface),
                    start: token.offset + before,
                    end: token.offset + before + len,
                    first_token: i,
                    last_token: i,
                    negated: token.negated || self.post_negated(tokens, i, rest),
                    compound: true,
                    german_only: phrase.german_only,
                });
            }
        }
    }

    fn whole_token_match(
        &self,
        tokens: &[Token],
        i: usize,
        entry_index: usize,
        entry: &Entry,
        phrase: &Phrase,
    ) -> Match {
        let token = &tokens[i];
        Match {
            entry: entry_index,
            field: entry.field,
            value: entry.value.clone(),
            weight: entry.weight,
            shown: token.surface.clone(),
            start: token.offset,
            end: token.offset + token.norm.chars().count(),
            first_token: i,
            last_token: i,
            negated: token.negated || self.post_negated(tokens, i, ""),
            compound: false,
            german_only: phrase.german_only,
        }
    }

    /// "ad-free", "werbefrei": a negation that follows the phrase, either as the next word in
    /// the same segment or as the rest of the compound.
    fn post_negated(&self, tokens: &[Token], last: usize, compound_rest: &str) -> bool {
        let cues = &self.grammar.post_negation;
        if !compound_rest.is_empty() {
            return cues.iter().any(|c| compound_rest.starts_with(c.as_str()));
        }
        tokens
            .get(last + 1)
            .is_some_and(|next| next.segment == tokens[last].segment && cues.contains(&next.norm))
    }
}

/// Does token `token` spell `word`, allowing English plurals always and German endings when
/// the phrase is German and the text is German?
fn word_matches(token: &str, word: &str, german_endings: bool, endings: &[String]) -> bool {
    if token == word {
        return true;
    }
    let Some(rest) = token.strip_prefix(word) else {
        return word
            .strip_suffix('y')
            .is_some_and(|stem| token.strip_prefix(stem) == Some("ies"));
    };
    matches!(rest, "s" | "es") || (german_endings && endings.iter().any(|e| e == rest))
}

/// Drops every match that overlaps a longer (or, at equal length, heavier or earlier) match of
/// the same field, then orders what is left by position.
fn keep_longest(mut candidates: Vec<Match>) -> Vec<Match> {
    candidates.sort_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then(b.weight.total_cmp(&a.weight))
            .then(a.entry.cmp(&b.entry))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Match> = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let overlaps = kept.iter().any(|k| {
            k.field == candidate.field && k.start < candidate.end && candidate.start < k.end
        });
        if !overlaps {
            kept.push(candidate);
        }
    }
    kept.sort_by(|a, b| a.start.cmp(&b.start).then(a.entry.cmp(&b.entry)));
    kept
}

fn fold_grammar(mut g: Grammar) -> Grammar {
    for list in [
        &mut g.negation_cues,
        &mut g.negation_breakers,
        &mut g.post_negation,
        &mut g.customer_markers,
        &mut g.customer_markers_after_offer,
        &mut g.offer_verbs,
        &mut g.customer_marker_exceptions,
        &mut g.conjunctions,
        &mut g.phrase_starters,
        &mut g.customer_scope_end,
        &mut g.head_end,
        &mut g.de_markers,
        &mut g.en_markers,
        &mut g.de_endings,
    ] {
        for word in list.iter_mut() {
            *word = fold(word);
        }
    }
    g
}

fn check_complete<K: Ord + std::fmt::Display, V>(
    problems: &mut Vec<String>,
    table: &str,
    map: &BTreeMap<K, V>,
    all: &[K],
) {
    for key in all {
        if !map.contains_key(key) {
            problems.push(format!("{table}.{key} is missing"));
        }
    }
}

fn compile_entry(raw: &EntryFile, grammar: &Grammar) -> Result<Entry, String> {
    let value = match (&raw.field, &raw.value) {
        (Field::NeedsErp | Field::NeedsWebsite, toml::Value::Boolean(b)) => b.to_string(),
        (Field::NeedsErp | Field::NeedsWebsite, other) => {
            return Err(format!("value {other} must be true or false"));
        }
        (_, toml::Value::String(s)) => s.clone(),
        (_, other) => return Err(format!("value {other} must be a string")),
    };
    let valid = match raw.field {
        Field::BusinessType => value.parse::<BusinessType>().map(|_| ()),
        Field::MonetizationType => value.parse::<MonetizationType>().map(|_| ()),
        Field::Industry => value.parse::<Industry>().map(|_| ()),
        Field::WebsiteTemplate => value.parse::<WebsiteTemplate>().map(|_| ()),
        Field::NeedsErp | Field::NeedsWebsite => Ok(()),
        Field::Feature => {
            if !value.is_empty() && value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                Ok(())
            } else {
                Err(format!(
                    "feature name {value:?} must be lowercase letters and `_`"
                ))
            }
        }
    };
    valid.map_err(|e| format!("{:?}: {e}", raw.field))?;
    if !(raw.weight.is_finite() && raw.weight > 0.0) {
        return Err(format!("weight {} must be a positive number", raw.weight));
    }
    if raw.en.is_empty() && raw.de.is_empty() {
        return Err(format!("value {value:?} has no phrases in `en` or `de`"));
    }
    let mut phrases = Vec::new();
    let english: Vec<String> = raw.en.iter().map(|p| fold(p)).collect();
    for (list, german) in [(&raw.en, false), (&raw.de, true)] {
        for written in list {
            let words = phrase_words(&fold(written));
            if words.is_empty() {
                return Err(format!("phrase {written:?} has no letters"));
            }
            let joined = words.concat();
            let compound = german
                && raw
                    .compound
                    .unwrap_or(joined.chars().count() >= grammar.min_compound_len);
            if raw.case_sensitive && words.len() != 1 {
                return Err(format!(
                    "case-sensitive phrase {written:?} must be one word"
                ));
            }
            phrases.push(Phrase {
                words,
                joined,
                written: written.clone(),
                german,
                german_only: german && !english.contains(&fold(written)),
                compound,
                case_sensitive: raw.case_sensitive,
            });
        }
    }
    Ok(Entry {
        field: raw.field,
        value,
        weight: raw.weight,
        phrases,
        except: raw.except.iter().map(|x| fold(x)).collect(),
        negation: raw.negation,
    })
}
