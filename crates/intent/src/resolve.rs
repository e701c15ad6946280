//! `resolve`: from a `BusinessIntentInput` to a `ResolvedBusinessIntent`. Validation first (all
//! problems at once), then keyword evidence from the vocabulary, then one small, documented
//! decision per field, each recorded as an `Explanation`. Pure: no I/O, no clock, no randomness;
//! the same input always gives the same output and the same `intent_id`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{
    BusinessIntentInput, BusinessType, ComplianceSensitivity, Explanation, Industry, InputProblem,
    IntentError, Language, MonetizationType, ResolvedBusinessIntent, RiskLevel, WebsiteTemplate,
};
use crate::modules::{self, Profile};
use crate::text::{self, Source, Token};
use crate::vocabulary::{Field, Match, NegationPolicy, Vocabulary, vocabulary};

const MAX_VISION: usize = 5000;
const MAX_SHORT: usize = 300;
const MAX_AUDIENCE: usize = 1000;

/// Resolves a business idea into a structured intent.
///
/// Fails with every problem of the input at once (empty vision, bad domain, unknown
/// `compliance_sensitivity` or `monetization_type`, overlong fields).
pub fn resolve(input: &BusinessIntentInput) -> Result<ResolvedBusinessIntent, IntentError> {
    let mut problems = Vec::new();
    let normalized = normalize_input(input, &mut problems);
    let vocab = vocabulary()
        .map_err(|message| problems.push(InputProblem::InvalidVocabulary { message }))
        .ok();
    match vocab {
        Some(vocab) if problems.is_empty() => Ok(Resolver::new(vocab, normalized).run()),
        _ => Err(IntentError { problems }),
    }
}

/// The input after trimming, whitespace collapsing and parsing; what `intent_id` is hashed from.
#[derive(Debug, Clone)]
pub(crate) struct NormalizedInput {
    pub vision: String,
    pub target_audience: Option<String>,
    pub region: Option<String>,
    pub monetization: Option<MonetizationType>,
    pub compliance: ComplianceSensitivity,
    pub business_name: Option<String>,
    pub domain: Option<String>,
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn optional(text: Option<&String>) -> Option<String> {
    text.map(|t| collapse(t)).filter(|t| !t.is_empty())
}

fn check_len(problems: &mut Vec<InputProblem>, field: &str, value: Option<&str>, max: usize) {
    if let Some(len) = value.map(|v| v.chars().count()).filter(|len| *len > max) {
        problems.push(InputProblem::TooLong {
            field: field.to_owned(),
            len,
            max,
        });
    }
}

fn normalize_input(
    input: &BusinessIntentInput,
    problems: &mut Vec<InputProblem>,
) -> NormalizedInput {
    let vision = collapse(&input.vision);
    if !vision.chars().any(char::is_alphanumeric) {
        problems.push(InputProblem::EmptyVision);
    }
    check_len(problems, "vision", Some(&vision), MAX_VISION);
    let target_audience = optional(input.target_audience.as_ref());
    check_len(
        problems,
        "target_audience",
        target_audience.as_deref(),
        MAX_AUDIENCE,
    );
    let region = optional(input.region.as_ref());
    check_len(problems, "region", region.as_deref(), MAX_SHORT);
    let business_name = optional(input.business_name.as_ref());
    check_len(
        problems,
        "business_name",
        business_name.as_deref(),
        MAX_SHORT,
    );

    let monetization = optional(input.monetization_type.as_ref()).and_then(|value| {
        value
            .parse::<MonetizationType>()
            .map_err(|_| problems.push(InputProblem::UnknownMonetizationType { value }))
            .ok()
    });
    let compliance = match optional(input.compliance_sensitivity.as_ref()) {
        None => ComplianceSensitivity::Medium,
        Some(value) => parse_compliance(&value).unwrap_or_else(|| {
            problems.push(InputProblem::UnknownComplianceSensitivity { value });
            ComplianceSensitivity::Medium
        }),
    };
    let domain = optional(input.domain.as_ref()).and_then(|raw| match check_domain(&raw) {
        Ok(domain) => Some(domain),
        Err(reason) => {
            problems.push(InputProblem::InvalidDomain {
                domain: raw,
                reason,
            });
            None
        }
    });
    NormalizedInput {
        vision,
        target_audience,
        region,
        monetization,
        compliance,
        business_name,
        domain,
    }
}

/// `low|medium|high`, case-insensitive; the German words are accepted too.
fn parse_compliance(value: &str) -> Option<ComplianceSensitivity> {
    match text::fold(value.trim()).as_str() {
        "low" | "niedrig" | "gering" => Some(ComplianceSensitivity::Low),
        "medium" | "mittel" => Some(ComplianceSensitivity::Medium),
        "high" | "hoch" => Some(ComplianceSensitivity::High),
        _ => None,
    }
}

/// Checks a domain name (RFC 1035 host name syntax, at least two labels) and returns it in
/// lowercase without a trailing dot. Every reason it fails is named.
pub(crate) fn check_domain(raw: &str) -> Result<String, String> {
    let lower = raw.trim().to_ascii_lowercase();
    if lower.contains("://") {
        return Err("give the bare domain without a scheme, e.g. `example.com`".to_owned());
    }
    let domain = lower.strip_suffix('.').unwrap_or(&lower).to_owned();
    let mut reasons = Vec::new();
    if let Some(c) = domain.chars().find(|c| !c.is_ascii()) {
        reasons.push(format!(
            "contains {c:?}; give the punycode form (`xn--...`)"
        ));
    } else if let Some(c) = domain
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        reasons.push(format!(
            "contains {c:?}; only letters, digits, `-` and `.` are allowed"
        ));
    }
    if domain.len() > 253 {
        reasons.push(format!(
            "is {} characters long; at most 253 are allowed",
            domain.len()
        ));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        reasons.push("needs at least two labels, e.g. `example.com`".to_owned());
    }
    for label in &labels {
        if label.is_empty() {
            reasons.push("has an empty label (`..` or a leading dot)".to_owned());
        } else if label.len() > 63 {
            reasons.push(format!("label `{label}` is longer than 63 characters"));
        } else if label.starts_with('-') || label.ends_with('-') {
            reasons.push(format!("label `{label}` starts or ends with `-`"));
        }
    }
    if labels.len() >= 2
        && labels
            .last()
            .is_some_and(|tld| !tld.is_empty() && tld.bytes().all(|b| b.is_ascii_digit()))
    {
        reasons
            .push("the last label cannot be all digits (an IP address is not a domain)".to_owned());
    }
    if reasons.is_empty() {
        Ok(domain)
    } else {
        reasons.dedup();
        Err(reasons.join("; "))
    }
}

fn intent_id(n: &NormalizedInput) -> String {
    // Fields in alphabetical order: the canonical form is stable across serde versions.
    #[derive(Serialize)]
    struct Canonical<'a> {
        business_name: Option<&'a str>,
        compliance_sensitivity: &'a str,
        domain: Option<&'a str>,
        monetization_type: Option<&'a str>,
        region: Option<&'a str>,
        target_audience: Option<&'a str>,
        vision: &'a str,
    }
    let canonical = Canonical {
        business_name: n.business_name.as_deref(),
        compliance_sensitivity: n.compliance.as_str(),
        domain: n.domain.as_deref(),
        monetization_type: n.monetization.map(MonetizationType::as_str),
        region: n.region.as_deref(),
        target_audience: n.target_audience.as_deref(),
        vision: &n.vision,
    };
    // Serializing plain strings and options cannot fail; an empty fallback would still be stable.
    let json = serde_json::to_string(&canonical).unwrap_or_default();
    let digest = Sha256::digest(json.as_bytes());
    format!("intent_{}", &hex::encode(digest)[..16])
}

/// The ISO code for a DACH region written as a code or a country name, if it is one.
pub(crate) fn dach_region(region: &str) -> bool {
    matches!(
        text::fold(region.trim()).as_str(),
        "de" | "deu"
            | "germany"
            | "deutschland"
            | "at"
            | "aut"
            | "austria"
            | "oesterreich"
            | "ch"
            | "che"
            | "switzerland"
            | "schweiz"
            | "suisse"
            | "svizzera"
    )
}

/// Tokens and matches of one input, shared by the resolver and the planner's naming.
pub(crate) struct Analysis {
    pub tokens: Vec<Token>,
    pub matches: Vec<Match>,
    pub de_evidence: usize,
    pub en_evidence: usize,
}

pub(crate) fn analyze(vocab: &Vocabulary, vision: &str, audience: Option<&str>) -> Analysis {
    let tokens = text::tokenize(vision, audience, &vocab.grammar);
    let (de_evidence, en_evidence) = text::language_evidence(vision, &tokens, &vocab.grammar);
    // German endings and compounds apply unless the text is clearly English.
    let matches = vocab.find(&tokens, de_evidence >= en_evidence);
    Analysis {
        tokens,
        matches,
        de_evidence,
        en_evidence,
    }
}

/// One scored piece of evidence for a value.
struct Evidence {
    value: String,
    shown: String,
}

/// Keyword evidence for one field: scores per value, the words behind them, vetoed values.
struct Tally {
    scores: BTreeMap<String, f64>,
    evidence: Vec<Evidence>,
    vetoed: BTreeSet<String>,
    negated: Vec<String>,
    order: Vec<String>,
}

impl Tally {
    fn collect(field: Field, analysis: &Analysis, vocab: &Vocabulary) -> Self {
        let policy = vocab.fields.get(field);
        let mut tally = Self {
            scores: BTreeMap::new(),
            evidence: Vec::new(),
            vetoed: BTreeSet::new(),
            negated: Vec::new(),
            order: policy.tie_order.clone(),
        };
        let of_field: Vec<&Match> = analysis
            .matches
            .iter()
            .filter(|m| m.field == field)
            .collect();
        for m in &of_field {
            let token = &analysis.tokens[m.first_token];
            let (mut factor, mut note) = if token.source == Source::Audience {
                (policy.audience_factor, "target_audience".to_owned())
            } else if token.customer {
                (policy.customer_factor, "names customers".to_owned())
            } else if token.head {
                (policy.head_factor, "head phrase".to_owned())
            } else {
                (1.0, String::new())
            };
            let token_end = token.offset + token.norm.chars().count();
            let modifier = m.compound
                && m.end < token_end
                && of_field.iter().any(|o| {
                    o.first_token == m.first_token && o.end == token_end && o.start >= m.end
                });
            if modifier && (policy.modifier_factor - 1.0).abs() > f64::EPSILON {
                factor *= policy.modifier_factor;
                note = if note.is_empty() {
                    "compound modifier".to_owned()
                } else {
                    format!("{note}, compound modifier")
                };
            }
            let tokens = &analysis.tokens;
            let head_noun_follows = token.head
                && of_field.iter().any(|o| {
                    o.first_token > m.last_token
                        && o.first_token <= m.last_token + 2
                        && o.value != m.value
                        && o.weight >= vocab.rules.head_noun_min_weight
                        && tokens[o.first_token].head
                        && tokens[o.first_token].segment == token.segment
                        && (m.last_token + 1..o.first_token).all(|k| {
                            !vocab.grammar.en_markers.contains(&tokens[k].norm)
                                && !vocab.grammar.de_markers.contains(&tokens[k].norm)
                        })
                });
            if head_noun_follows && (policy.phrase_modifier_factor - 1.0).abs() > f64::EPSILON {
                factor *= policy.phrase_modifier_factor;
                note = format!("{note}, modifier of a later head noun");
            }
            if m.negated {
                tally.negated.push(format!("{} (negated)", m.shown));
                match vocab.entries[m.entry].negation.unwrap_or(policy.negation) {
                    NegationPolicy::Ignore => {}
                    NegationPolicy::Veto => {
                        tally.vetoed.insert(m.value.clone());
                    }
                    NegationPolicy::Flip => {
                        let opposite = if m.value == "true" { "false" } else { "true" };
                        tally.add(
                            opposite,
                            m.weight * factor,
                            format!("{} (negated)", m.shown),
                        );
                    }
                }
                continue;
            }
            if factor <= 0.0 {
                continue;
            }
            let shown = if note.is_empty() || (factor - 1.0).abs() < f64::EPSILON {
                m.shown.clone()
            } else {
                format!("{} ({note}, x{})", m.shown, round2(factor))
            };
            tally.add(&m.value, m.weight * factor, shown);
        }
        tally
    }

    fn add(&mut self, value: &str, points: f64, shown: String) {
        *self.scores.entry(value.to_owned()).or_insert(0.0) += points;
        self.evidence.push(Evidence {
            value: value.to_owned(),
            shown,
        });
    }

    fn score(&self, value: &str) -> f64 {
        if self.vetoed.contains(value) {
            0.0
        } else {
            self.scores.get(value).copied().unwrap_or(0.0)
        }
    }

    fn rank(&self, value: &str) -> usize {
        self.order
            .iter()
            .position(|v| v == value)
            .unwrap_or(usize::MAX)
    }

    /// The best value among `candidates` with a positive score; ties go to the earlier value in
    /// the field's `tie_order`.
    fn best<'a>(&self, candidates: impl IntoIterator<Item = &'a str>) -> Option<(String, f64)> {
        candidates
            .into_iter()
            .map(|v| (v, self.score(v)))
            .filter(|(_, s)| *s > 0.0)
            .min_by(|(va, sa), (vb, sb)| sb.total_cmp(sa).then(self.rank(va).cmp(&self.rank(vb))))
            .map(|(v, s)| (v.to_owned(), s))
    }

    fn winner(&self) -> Option<(String, f64)> {
        self.best(self.scores.keys().map(String::as_str))
    }

    /// `share * min(1, score / full)`: how much of the evidence agrees, times how much there is.
    fn confidence(&self, value: &str, full: f64) -> f64 {
        let total: f64 = self
            .scores
            .keys()
            .map(|v| self.score(v))
            .filter(|s| *s > 0.0)
            .sum();
        let score = self.score(value);
        if total <= 0.0 || score <= 0.0 {
            return 0.3;
        }
        round2((score / total) * (score / full).min(1.0)).max(0.05)
    }

    fn matched_for(&self, value: &str) -> Vec<String> {
        let mut matched: Vec<String> = self
            .evidence
            .iter()
            .filter(|e| e.value == value)
            .map(|e| e.shown.clone())
            .collect();
        matched.dedup();
        matched
    }

    fn summary(&self) -> String {
        let mut ranked: Vec<(&String, f64)> = self
            .scores
            .keys()
            .map(|v| (v, self.score(v)))
            .filter(|(_, s)| *s > 0.0)
            .collect();
        ranked.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(self.rank(a.0).cmp(&self.rank(b.0)))
        });
        let mut out = ranked
            .iter()
            .map(|(v, s)| format!("{v} {s:.2}"))
            .collect::<Vec<_>>()
            .join(", ");
        if !self.vetoed.is_empty() {
            let vetoed: Vec<&str> = self.vetoed.iter().map(String::as_str).collect();
            let _ = write!(out, "; ruled out by negation: {}", vetoed.join(", "));
        }
        if !self.negated.is_empty() {
            let _ = write!(out, "; negated: {}", self.negated.join(", "));
        }
        out
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn parse_or<T: std::str::FromStr>(value: &str, fallback: T) -> T {
    value.parse().unwrap_or(fallback)
}

struct Resolver<'v> {
    vocab: &'v Vocabulary,
    input: NormalizedInput,
    analysis: Analysis,
    explanations: Vec<Explanation>,
}

impl<'v> Resolver<'v> {
    fn new(vocab: &'v Vocabulary, input: NormalizedInput) -> Self {
        let analysis = analyze(vocab, &input.vision, input.target_audience.as_deref());
        Self {
            vocab,
            input,
            analysis,
            explanations: Vec::new(),
        }
    }

    fn explain(
        &mut self,
        field: &str,
        value: &str,
        matched: Vec<String>,
        rule: String,
        confidence: f64,
    ) {
        self.explanations.push(Explanation {
            field: field.to_owned(),
            value: value.to_owned(),
            matched,
            rule,
            confidence: round2(confidence.clamp(0.0, 1.0)),
        });
    }

    fn tally(&self, field: Field) -> Tally {
        Tally::collect(field, &self.analysis, self.vocab)
    }

    fn full(&self) -> f64 {
        self.vocab.rules.confidence_full_score
    }

    fn run(mut self) -> ResolvedBusinessIntent {
        let language = self.language();
        let (industry, industry_from_evidence) = self.industry();
        let business_type = self.business_type(industry, industry_from_evidence);
        let monetization = self.monetization(business_type);
        let needs_erp = self.needs_erp();
        let needs_website = self.needs_website();
        let template = self.template(business_type, industry, needs_erp);
        let (risk_level, risk_score) = self.risk(business_type, monetization, industry);
        let selection = modules::select(Profile {
            business_type,
            monetization,
            industry,
            template,
            needs_erp,
        });
        self.explain(
            "odoo_modules_required",
            &selection.standard.join(", "),
            Vec::new(),
            selection.standard_reasons.join("; "),
            1.0,
        );
        let custom_names: Vec<&str> = selection.custom.iter().map(|m| m.name.as_str()).collect();
        let custom_rule = if selection.custom.is_empty() {
            "no ERP needed, so no custom modules".to_owned()
        } else {
            format!(
                "{}; the first module depends on the standard modules, so installing it installs them",
                selection.custom_reasons.join("; ")
            )
        };
        self.explain(
            "custom_modules_spec",
            &custom_names.join(", "),
            Vec::new(),
            custom_rule,
            1.0,
        );
        let complexity = self.complexity(
            business_type,
            monetization,
            template,
            risk_level,
            needs_erp,
            &selection,
        );

        ResolvedBusinessIntent {
            intent_id: intent_id(&self.input),
            vision: self.input.vision.clone(),
            business_name: self.input.business_name.clone(),
            domain: self.input.domain.clone(),
            region: self.input.region.clone(),
            target_audience: self.input.target_audience.clone(),
            language,
            compliance_sensitivity: self.input.compliance,
            business_type,
            monetization_type: monetization,
            industry,
            risk_level,
            risk_score,
            needs_website,
            needs_erp,
            website_template: template,
            odoo_modules_required: selection.standard,
            custom_modules_spec: selection.custom,
            estimated_complexity_score: complexity,
            explanations: self.explanations,
        }
    }

    fn language(&mut self) -> Language {
        let (de, en) = (self.analysis.de_evidence, self.analysis.en_evidence);
        let german_only_matches: Vec<String> = self
            .analysis
            .matches
            .iter()
            .filter(|m| m.german_only)
            .map(|m| m.shown.clone())
            .collect();
        let dach = self.input.region.as_deref().is_some_and(dach_region);
        let (language, rule) = if de > en {
            (
                Language::De,
                format!("German text: {de} German markers against {en} English"),
            )
        } else if dach {
            (
                Language::De,
                format!(
                    "region {:?} is in Germany, Austria or Switzerland",
                    self.input.region.as_deref().unwrap_or("")
                ),
            )
        } else if de == en && !german_only_matches.is_empty() {
            (
                Language::De,
                "no clear marker words; the matched keywords are German".to_owned(),
            )
        } else {
            (
                Language::En,
                format!("English text: {en} English markers against {de} German"),
            )
        };
        let confidence = if de == en && !dach { 0.6 } else { 0.95 };
        self.explain(
            "language",
            language.as_str(),
            german_only_matches,
            rule,
            confidence,
        );
        language
    }

    fn industry(&mut self) -> (Industry, bool) {
        let tally = self.tally(Field::Industry);
        let policy = &self.vocab.fields.industry;
        let factors = format!(
            "head phrase x{}, words naming customers x{}, target_audience x{}",
            policy.head_factor, policy.customer_factor, policy.audience_factor
        );
        if let Some((value, _)) = tally.winner() {
            let industry = parse_or(&value, Industry::Other);
            self.explain(
                "industry",
                &value,
                tally.matched_for(&value),
                format!(
                    "keyword scores: {}; the highest wins ({factors})",
                    tally.summary()
                ),
                tally.confidence(&value, self.full()),
            );
            (industry, true)
        } else {
            self.explain(
                "industry",
                "other",
                Vec::new(),
                format!(
                    "no industry keyword matched ({}); default `other`",
                    tally.summary()
                ),
                0.3,
            );
            (Industry::Other, false)
        }
    }

    fn business_type(&mut self, industry: Industry, industry_from_evidence: bool) -> BusinessType {
        let mut tally = self.tally(Field::BusinessType);
        let rules = &self.vocab.rules;
        // Hybrid is read from the words alone, before the industry's usual type is added.
        let (product_words, service_words) = (tally.score("product"), tally.score("service"));
        let both = product_words >= rules.hybrid_min_score
            && service_words >= rules.hybrid_min_score
            && product_words.min(service_words) / product_words.max(service_words)
                >= rules.hybrid_min_ratio;
        let prior = rules
            .industry_business_type
            .get(&industry)
            .filter(|_| industry_from_evidence);
        if let Some(prior) = prior {
            tally.add(
                prior.as_str(),
                rules.industry_prior_weight,
                format!("industry {industry} (usually a {prior})"),
            );
        }
        let (service, product, platform, hybrid) = (
            tally.score("service"),
            tally.score("product"),
            tally.score("platform"),
            tally.score("hybrid"),
        );
        let best = tally.best(["platform", "product", "service"]);
        let (value, rule) = if hybrid > 0.0 && hybrid >= platform.max(product).max(service) {
            (
                "hybrid".to_owned(),
                "an explicit sell-and-serve phrase".to_owned(),
            )
        } else if platform > 0.0 && platform >= product.max(service) {
            (
                "platform".to_owned(),
                "platform evidence is the strongest".to_owned(),
            )
        } else if both {
            (
                "hybrid".to_owned(),
                format!(
                    "both product ({product_words:.2}) and service ({service_words:.2}) words reach {} and the weaker is at least {} of the stronger",
                    rules.hybrid_min_score, rules.hybrid_min_ratio
                ),
            )
        } else if let Some((value, _)) = &best {
            (value.clone(), "the highest score wins".to_owned())
        } else {
            (
                "service".to_owned(),
                "no business-type keyword matched; default `service`".to_owned(),
            )
        };
        let confidence = if best.is_none() && hybrid <= 0.0 {
            0.3
        } else if value == "hybrid" && hybrid <= 0.0 {
            round2(
                (product_words.min(service_words) / product_words.max(service_words)).min(1.0)
                    * 0.8,
            )
        } else {
            tally.confidence(&value, self.full())
        };
        let matched = if value == "hybrid" && hybrid <= 0.0 {
            let mut m = tally.matched_for("product");
            m.extend(tally.matched_for("service"));
            m
        } else {
            tally.matched_for(&value)
        };
        self.explain(
            "business_type",
            &value,
            matched,
            format!("{rule}; scores: {}", tally.summary()),
            confidence,
        );
        parse_or(&value, BusinessType::Service)
    }

    fn monetization(&mut self, business_type: BusinessType) -> MonetizationType {
        if let Some(given) = self.input.monetization {
            self.explain(
                "monetization_type",
                given.as_str(),
                Vec::new(),
                "given in the input (`monetization_type`)".to_owned(),
                1.0,
            );
            return given;
        }
        let tally = self.tally(Field::MonetizationType);
        if let Some((value, _)) = tally.winner() {
            self.explain(
                "monetization_type",
                &value,
                tally.matched_for(&value),
                format!("keyword scores: {}; the highest wins", tally.summary()),
                tally.confidence(&value, self.full()),
            );
            return parse_or(&value, MonetizationType::Transaction);
        }
        let default = self
            .vocab
            .rules
            .monetization_defaults
            .get(&business_type)
            .copied()
            .unwrap_or(MonetizationType::Transaction);
        // A negated default ("no subscriptions") falls to the next value in tie order that is not.
        let chosen = if tally.vetoed.contains(default.as_str()) {
            tally
                .order
                .iter()
                .rev()
                .find(|v| !tally.vetoed.contains(*v))
                .map_or(MonetizationType::Transaction, |v| {
                    parse_or(v, MonetizationType::Transaction)
                })
        } else {
            default
        };
        self.explain(
            "monetization_type",
            chosen.as_str(),
            Vec::new(),
            format!(
                "no monetization keyword decided ({}); default for a {business_type} business is `{default}`{}",
                tally.summary(),
                if chosen == default { String::new() } else { format!(", ruled out, so `{chosen}`") }
            ),
            0.4,
        );
        chosen
    }

    fn yes_no(&mut self, field: Field, name: &str, prior: f64, prior_reason: &str) -> bool {
        let mut tally = self.tally(field);
        tally.add("true", prior, prior_reason.to_owned());
        let value = tally.score("false") <= tally.score("true");
        let text = value.to_string();
        let matched: Vec<String> = tally
            .matched_for(&text)
            .into_iter()
            .filter(|m| m != prior_reason)
            .collect();
        self.explain(
            name,
            &text,
            matched,
            format!(
                "scores (assumption included): {}; `false` needs more evidence than `true`",
                tally.summary()
            ),
            tally.confidence(&text, self.full()),
        );
        value
    }

    fn needs_erp(&mut self) -> bool {
        let prior = self.vocab.rules.erp_prior;
        self.yes_no(
            Field::NeedsErp,
            "needs_erp",
            prior,
            "a business keeps customers and sends invoices",
        )
    }

    fn needs_website(&mut self) -> bool {
        let prior = self.vocab.rules.website_prior;
        self.yes_no(
            Field::NeedsWebsite,
            "needs_website",
            prior,
            "the pipeline builds a website unless told not to",
        )
    }

    fn template(
        &mut self,
        business_type: BusinessType,
        industry: Industry,
        needs_erp: bool,
    ) -> WebsiteTemplate {
        let tally = self.tally(Field::WebsiteTemplate);
        let shop = tally.score("ecommerce-basic");
        let simple = tally.score("static-landing");
        let rich = tally.score("nextjs-business");
        let shop_vetoed = tally.vetoed.contains("ecommerce-basic");
        let sells_goods = matches!(business_type, BusinessType::Product | BusinessType::Hybrid);
        let (template, rule) = if simple > 0.0 && simple >= shop && simple >= rich {
            (
                WebsiteTemplate::StaticLanding,
                "the text asks for a simple or one-page site",
            )
        } else if shop > 0.0
            && (shop >= self.vocab.rules.ecommerce_min_score || sells_goods)
            && shop >= rich
        {
            (WebsiteTemplate::EcommerceBasic, "the business sells online")
        } else if rich > 0.0 {
            (
                WebsiteTemplate::NextjsBusiness,
                "the text asks for app-like features (portal, login, dashboard)",
            )
        } else if business_type == BusinessType::Platform {
            (
                WebsiteTemplate::NextjsBusiness,
                "a platform needs a multi-page site with product and pricing pages",
            )
        } else if sells_goods && industry == Industry::Retail && !shop_vetoed {
            (
                WebsiteTemplate::EcommerceBasic,
                "a retailer of goods gets a shop",
            )
        } else if !needs_erp {
            (
                WebsiteTemplate::StaticLanding,
                "not a business with customers to manage: a single page is enough",
            )
        } else {
            (
                WebsiteTemplate::NextjsBusiness,
                "default for a business: a multi-page site with offers, about and contact pages",
            )
        };
        let value = template.as_str();
        let explicit = tally.score(value) > 0.0;
        let confidence = if explicit {
            tally.confidence(value, self.full())
        } else {
            0.5
        };
        let matched = if explicit {
            tally.matched_for(value)
        } else {
            Vec::new()
        };
        self.explain(
            "website_template",
            value,
            matched,
            format!("{rule}; scores: {}", tally.summary()),
            confidence,
        );
        template
    }

    fn risk(
        &mut self,
        bt: BusinessType,
        m: MonetizationType,
        industry: Industry,
    ) -> (RiskLevel, u32) {
        let w = &self.vocab.risk;
        let parts = [
            (
                "business_type",
                bt.as_str(),
                w.business_type.get(&bt).copied().unwrap_or(0),
            ),
            (
                "monetization",
                m.as_str(),
                w.monetization_type.get(&m).copied().unwrap_or(0),
            ),
            (
                "compliance",
                self.input.compliance.as_str(),
                w.compliance
                    .get(self.input.compliance.as_str())
                    .copied()
                    .unwrap_or(0),
            ),
            (
                "industry",
                industry.as_str(),
                w.industry.get(&industry).copied().unwrap_or(0),
            ),
        ];
        let score: u32 = parts.iter().map(|p| p.2).sum();
        let level = if score <= w.low_max {
            RiskLevel::Low
        } else if score <= w.medium_max {
            RiskLevel::Medium
        } else if score <= w.high_max {
            RiskLevel::High
        } else {
            RiskLevel::Critical
        };
        let sum = parts
            .iter()
            .map(|(name, value, points)| format!("{name} {value} {points}"))
            .collect::<Vec<_>>()
            .join(" + ");
        let rule = format!(
            "{sum} = {score}; low <= {}, medium <= {}, high <= {}, else critical",
            w.low_max, w.medium_max, w.high_max
        );
        // The score is exact arithmetic; its certainty is that of the weakest input field.
        let confidence = ["business_type", "monetization_type", "industry"]
            .iter()
            .filter_map(|f| self.explanations.iter().find(|e| e.field == *f))
            .map(|e| e.confidence)
            .fold(1.0_f64, f64::min);
        self.explain("risk_level", level.as_str(), Vec::new(), rule, confidence);
        (level, score)
    }

    fn complexity(
        &mut self,
        bt: BusinessType,
        m: MonetizationType,
        template: WebsiteTemplate,
        risk: RiskLevel,
        needs_erp: bool,
        selection: &modules::Selection,
    ) -> u8 {
        let c = &self.vocab.complexity;
        let mut parts: Vec<(String, u32)> = vec![
            (
                format!("business_type {bt}"),
                c.business_type.get(&bt).copied().unwrap_or(0),
            ),
            (
                format!("monetization {m}"),
                c.monetization_type.get(&m).copied().unwrap_or(0),
            ),
            (
                format!("template {template}"),
                c.website_template.get(&template).copied().unwrap_or(0),
            ),
            (
                format!("risk {risk}"),
                c.risk.get(risk.as_str()).copied().unwrap_or(0),
            ),
        ];
        if needs_erp {
            parts.push(("erp".to_owned(), c.erp));
            let standard = u32::try_from(selection.standard.len()).unwrap_or(u32::MAX);
            parts.push((
                format!("{standard} standard modules"),
                (standard.saturating_mul(c.per_standard_module)).min(c.standard_modules_max),
            ));
            let models: usize = selection.custom.iter().map(|s| s.models.len()).sum();
            let models = u32::try_from(models).unwrap_or(u32::MAX);
            parts.push((
                format!("{models} custom models"),
                (models.saturating_mul(c.per_custom_model)).min(c.custom_models_max),
            ));
        }
        // Each feature counts once, with its highest weight.
        let mut features: BTreeMap<&str, (f64, String)> = BTreeMap::new();
        for m in self
            .analysis
            .matches
            .iter()
            .filter(|m| m.field == Field::Feature && !m.negated)
        {
            let slot = features
                .entry(m.value.as_str())
                .or_insert((0.0, String::new()));
            if m.weight > slot.0 {
                *slot = (m.weight, m.shown.clone());
            }
        }
        let matched: Vec<String> = features.values().map(|(_, shown)| shown.clone()).collect();
        let feature_points: f64 = features.values().map(|(w, _)| *w).sum();
        if !features.is_empty() {
            let names: Vec<&str> = features.keys().copied().collect();
            let points = float_points(feature_points).min(c.features_max);
            parts.push((format!("features {}", names.join(", ")), points));
        }
        let total: u32 = parts.iter().map(|p| p.1).sum();
        let score = u8::try_from(total.clamp(1, 100)).unwrap_or(100);
        let breakdown = parts
            .iter()
            .map(|(name, points)| format!("{name} {points}"))
            .collect::<Vec<_>>()
            .join(" + ");
        self.explain(
            "estimated_complexity_score",
            &score.to_string(),
            matched,
            format!("{breakdown} = {total}, clamped to 1..100"),
            0.8,
        );
        score
    }
}

/// Rounds non-negative points from the vocabulary to whole points.
fn float_points(points: f64) -> u32 {
    let rounded = points.round();
    if rounded <= 0.0 {
        0
    } else if rounded >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        // In range and integral: the conversion is exact.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked range, integral value"
        )]
        let whole = rounded as u32;
        whole
    }
}
