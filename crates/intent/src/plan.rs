//! The planner: turns a `ResolvedBusinessIntent` into the execution graph the host runs (the
//! seed's `ExecutionGraphSpec`): a `website` node (webgenesis) with content drawn from the
//! intent, a `dns` node when a domain is given, and one `odoo` node per custom module, chained so
//! that two installs never run against the same Odoo at once. Pure and deterministic: the same
//! intent and options give the same graph, and `graph_id` follows from the intent id.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::model::{Language, ResolvedBusinessIntent};
use crate::resolve::{Analysis, analyze};
use crate::text::{Token, fold};
use crate::vocabulary::{Field, Vocabulary, vocabulary};

/// How the graph should run and where the site will live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanOptions {
    /// The address the `@` A record points at.
    pub site_ipv4: Ipv4Addr,
    /// `17.0` or `18.0`; passed to every odoo node.
    pub odoo_version: String,
    /// Default `true`: planning is for looking before leaping; a live run opts in.
    pub dry_run: bool,
    pub auto_rollback: bool,
    pub stop_on_first_error: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            site_ipv4: Ipv4Addr::LOCALHOST,
            odoo_version: "17.0".to_owned(),
            dry_run: true,
            auto_rollback: true,
            stop_on_first_error: true,
        }
    }
}

/// The graph spec (seed `ExecutionGraphSpec`; field names as in `briefs/params.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedGraph {
    pub graph_id: String,
    pub business_intent_id: String,
    pub dry_run: bool,
    pub auto_rollback: bool,
    pub stop_on_first_error: bool,
    pub nodes: Vec<PlannedNode>,
}

/// One node (seed `ExecutionNodeSpec`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedNode {
    pub node_id: String,
    /// `webgenesis`, `dns` or `odoo`.
    pub node_type: String,
    pub depends_on: Vec<String>,
    pub params: Value,
}

/// Plans the website, DNS and Odoo nodes for `intent`.
///
/// - `website` (webgenesis) when the intent needs a website;
/// - `dns` (zonefile) when a domain is given and there is a website to point at: `@ A
///   <site_ipv4>` and `www CNAME <domain>.`, after `website`;
/// - `odoo_<module>` per custom module when the intent needs an ERP, each after the previous one.
pub fn plan(intent: &ResolvedBusinessIntent, opts: &PlanOptions) -> PlannedGraph {
    let vocab = vocabulary().ok();
    let mut nodes = Vec::new();
    if intent.needs_website {
        nodes.push(PlannedNode {
            node_id: "website".to_owned(),
            node_type: "webgenesis".to_owned(),
            depends_on: Vec::new(),
            params: website_params(intent, vocab),
        });
        if let Some(domain) = &intent.domain {
            nodes.push(PlannedNode {
                node_id: "dns".to_owned(),
                node_type: "dns".to_owned(),
                depends_on: vec!["website".to_owned()],
                params: json!({
                    "provider": "zonefile",
                    "domain": domain,
                    "records": [
                        { "name": "@", "type": "A", "values": [opts.site_ipv4.to_string()] },
                        { "name": "www", "type": "CNAME", "values": [format!("{domain}.")] },
                    ],
                }),
            });
        }
    }
    if intent.needs_erp {
        let mut previous: Option<String> = None;
        for module in &intent.custom_modules_spec {
            let node_id = format!("odoo_{}", module.name);
            nodes.push(PlannedNode {
                node_id: node_id.clone(),
                node_type: "odoo".to_owned(),
                depends_on: previous.iter().cloned().collect(),
                params: json!({ "module": module, "odoo_version": opts.odoo_version }),
            });
            previous = Some(node_id);
        }
    }
    PlannedGraph {
        graph_id: graph_id(&intent.intent_id),
        business_intent_id: intent.intent_id.clone(),
        dry_run: opts.dry_run,
        auto_rollback: opts.auto_rollback,
        stop_on_first_error: opts.stop_on_first_error,
        nodes,
    }
}

fn graph_id(intent_id: &str) -> String {
    let digest = Sha256::digest(format!("abp-graph-v1\n{intent_id}").as_bytes());
    format!("graph_{}", &hex::encode(digest)[..16])
}

fn website_params(intent: &ResolvedBusinessIntent, vocab: Option<&Vocabulary>) -> Value {
    let de = intent.language == Language::De;
    let copy = vocab.and_then(|v| v.copy.get(&intent.industry));
    let mut params = Map::new();
    params.insert("template".to_owned(), json!(intent.website_template));
    params.insert(
        "business_name".to_owned(),
        json!(business_name(intent, vocab)),
    );
    if let Some(tagline) = tagline(intent, vocab) {
        params.insert("tagline".to_owned(), json!(tagline));
    }
    params.insert("vision".to_owned(), json!(intent.vision));
    let mut services: Vec<Value> = vocab
        .map(|v| offers_from_vision(&intent.vision, v))
        .unwrap_or_default()
        .into_iter()
        .map(|name| json!({ "name": name }))
        .collect();
    if services.len() < 2 {
        services = copy
            .map(|c| if de { &c.de } else { &c.en })
            .into_iter()
            .flatten()
            .map(|o| json!({ "name": o.name, "description": o.description }))
            .collect();
    }
    if !services.is_empty() {
        params.insert("services".to_owned(), Value::Array(services));
    }
    if let Some(audience) = &intent.target_audience {
        params.insert("audience".to_owned(), json!(audience));
    }
    if let Some(region) = &intent.region {
        params.insert("region".to_owned(), json!(region));
    }
    params.insert("language".to_owned(), json!(intent.language));
    if let Some(domain) = &intent.domain {
        params.insert("domain".to_owned(), json!(domain));
    }
    Value::Object(params)
}

/// The input's name, else one derived from the vision's head phrase: an establishment word with
/// its modifier ("Surf school" gives "Surf School", "Zahnarztpraxis" stays), else the strongest
/// industry word there ("consulting" gives "Consulting Business"), else the industry's neutral
/// name from the vocabulary.
pub(crate) fn business_name(intent: &ResolvedBusinessIntent, vocab: Option<&Vocabulary>) -> String {
    if let Some(name) = &intent.business_name {
        return name.clone();
    }
    let de = intent.language == Language::De;
    let Some(vocab) = vocab else {
        return if de {
            "Mein Unternehmen"
        } else {
            "My Business"
        }
        .to_owned();
    };
    let analysis = analyze(vocab, &intent.vision, None);
    establishment_name(&analysis.tokens, vocab, &intent.vision)
        .or_else(|| keyword_name(&analysis, intent, vocab))
        .unwrap_or_else(|| {
            let copy = vocab.copy.get(&intent.industry);
            match (copy, de) {
                (Some(c), true) => c.name_de.clone(),
                (Some(c), false) => c.name_en.clone(),
                (None, true) => vocab.naming.fallback_de.clone(),
                (None, false) => vocab.naming.fallback_en.clone(),
            }
        })
}

/// Usable in a name: a word of the head phrase, not negated, not a customer, letters only.
fn nameable(token: &Token) -> bool {
    token.head
        && !token.negated
        && !token.customer
        && token.surface.chars().all(char::is_alphabetic)
}

/// One modifier word before `index` if it belongs to the same phrase and is not a function word.
fn modifier_before(tokens: &[Token], index: usize, vocab: &Vocabulary) -> Option<usize> {
    let before = index.checked_sub(1)?;
    let (left, token) = (&tokens[before], &tokens[index]);
    let g = &vocab.grammar;
    let starts_upper = |t: &Token| t.surface.chars().next().is_some_and(char::is_uppercase);
    // "entwickeln Lernsoftware": a lowercase word before a capitalized German noun is a verb.
    let skip = (starts_upper(token) && !starts_upper(left))
        || g.en_markers.contains(&left.norm)
        || g.de_markers.contains(&left.norm)
        || g.negation_cues.contains(&left.norm)
        || vocab.naming.name_skip.iter().any(|w| fold(w) == left.norm);
    (left.segment == token.segment && nameable(left) && !skip).then_some(before)
}

fn is_establishment(token: &Token, vocab: &Vocabulary) -> bool {
    vocab
        .naming
        .establishment_words
        .iter()
        .any(|e| token.norm.ends_with(&fold(e)))
}

fn establishment_name(tokens: &[Token], vocab: &Vocabulary, vision: &str) -> Option<String> {
    let index = tokens
        .iter()
        .position(|t| nameable(t) && is_establishment(t, vocab))?;
    let exact = vocab
        .naming
        .establishment_words
        .iter()
        .any(|e| fold(e) == tokens[index].norm);
    // A compound ("Zahnarztpraxis", "bookshop") already says what kind; a bare "school" takes
    // its modifier ("Surf school").
    let start = if exact {
        modifier_before(tokens, index, vocab).unwrap_or(index)
    } else {
        index
    };
    let start = hyphen_start(tokens, start, vision);
    Some(title(&tokens[start..=index], vision))
}

fn keyword_name(
    analysis: &Analysis,
    intent: &ResolvedBusinessIntent,
    vocab: &Vocabulary,
) -> Option<String> {
    let de = intent.language == Language::De;
    let m = analysis.matches.iter().find(|m| {
        m.field == Field::Industry
            && m.value == intent.industry.as_str()
            && m.weight >= 3.0
            && nameable(&analysis.tokens[m.first_token])
    })?;
    let first = m.first_token;
    let words = if m.compound {
        1
    } else {
        m.shown.split_whitespace().count()
    };
    let last = (first + words).min(analysis.tokens.len()).saturating_sub(1);
    let start = modifier_before(&analysis.tokens, first, vocab).unwrap_or(first);
    let start = hyphen_start(&analysis.tokens, start, &intent.vision);
    let slice = &analysis.tokens[start..=last];
    let head = &slice[slice.len() - 1];
    if de && !head.surface.chars().next().is_some_and(char::is_uppercase) {
        // German nouns are capitalized; a lowercase match is a verb or an adjective.
        return None;
    }
    let mut name = title(slice, &intent.vision);
    if !de && !is_establishment(head, vocab) {
        name.push(' ');
        name.push_str(&vocab.naming.business_suffix_en);
    }
    Some(name)
}

/// Moves `start` back over words joined to it by hyphens ("Co-working").
fn hyphen_start(tokens: &[Token], mut start: usize, vision: &str) -> usize {
    while start > 0 {
        let (left, right) = (&tokens[start - 1], &tokens[start]);
        let joined = vision.get(left.span.1..right.span.0) == Some("-");
        if !(joined && left.segment == right.segment) {
            break;
        }
        start -= 1;
    }
    start
}

/// The words as written in the vision, hyphens kept ("Co-working space"), each capitalized.
fn title(tokens: &[Token], vision: &str) -> String {
    let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
        return String::new();
    };
    vision
        .get(first.span.0..last.span.1)
        .unwrap_or(&first.surface)
        .split_whitespace()
        .map(capitalize)
        .collect::<Vec<_>>()
        .join(" ")
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn tagline(intent: &ResolvedBusinessIntent, vocab: Option<&Vocabulary>) -> Option<String> {
    let copy = vocab?.copy.get(&intent.industry)?;
    let de = intent.language == Language::De;
    Some(match &intent.target_audience {
        Some(audience) if audience.chars().count() <= 80 => {
            if de {
                format!("{} für {audience}", copy.label_de)
            } else {
                format!("{} for {audience}", copy.label_en)
            }
        }
        _ if de => copy.tagline_de.clone(),
        _ => copy.tagline_en.clone(),
    })
}

/// Offers the vision lists itself: the items after "offering", "with", "mit", a colon...
/// ("Dental practice offering check-ups, hygiene and implants" gives three). At most six.
pub(crate) fn offers_from_vision(vision: &str, vocab: &Vocabulary) -> Vec<String> {
    let naming = &vocab.naming;
    let cues: Vec<String> = naming
        .offer_cues_en
        .iter()
        .chain(&naming.offer_cues_de)
        .map(|c| fold(c))
        .collect();
    let strip: Vec<String> = naming.offer_strip.iter().map(|w| fold(w)).collect();
    let negations = &vocab.grammar.negation_cues;
    let mut offers: Vec<String> = Vec::new();
    for sentence in vision.split(['.', ';', '!', '?', '\n']) {
        let Some(rest) = after_cue(sentence, &cues) else {
            continue;
        };
        for item in split_items(rest) {
            let mut words: Vec<&str> = item.split_whitespace().collect();
            while words.first().is_some_and(|w| strip.contains(&fold(w))) {
                words.remove(0);
            }
            // "Frühstück in Leipzig": drop a trailing place.
            if words.len() >= 3 {
                let n = words.len();
                let place = words[n - 1].chars().next().is_some_and(char::is_uppercase);
                if place && matches!(fold(words[n - 2]).as_str(), "in" | "im" | "at") {
                    words.truncate(n - 2);
                }
            }
            let Some(first) = words.first() else { continue };
            if negations.contains(&fold(first)) || words.len() > 6 {
                continue;
            }
            let text = words.join(" ");
            let len = text.chars().count();
            if !(3..=60).contains(&len) || !text.chars().any(char::is_alphabetic) {
                continue;
            }
            let offer = capitalize(&text);
            if !offers.iter().any(|o| fold(o) == fold(&offer)) {
                offers.push(offer);
            }
            if offers.len() == 6 {
                return offers;
            }
        }
    }
    offers
}

/// The part of `sentence` after its first offer cue (a cue phrase or a colon).
fn after_cue<'s>(sentence: &'s str, cues: &[String]) -> Option<&'s str> {
    let mut best: Option<usize> = sentence.find(':').map(|at| at + 1);
    // Cue phrases are matched on word boundaries in the folded sentence; folding can change
    // lengths (ä -> ae), so positions are mapped back through the char indices.
    let words: Vec<(usize, &str)> = word_spans(sentence);
    for (i, &(start, _)) in words.iter().enumerate() {
        for cue in cues {
            let cue_words: Vec<&str> = cue.split_whitespace().collect();
            let n = cue_words.len();
            if i + n <= words.len()
                && cue_words
                    .iter()
                    .zip(&words[i..i + n])
                    .all(|(c, (_, w))| fold(w) == *c)
            {
                let (last_start, last_word) = words[i + n - 1];
                let end = last_start + last_word.len();
                if best.is_none_or(|b| start < b) {
                    best = Some(end);
                }
            }
        }
    }
    best.map(|at| &sentence[at..])
        .filter(|rest| !rest.trim().is_empty())
}

fn word_spans(text: &str) -> Vec<(usize, &str)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            spans.push((s, &text[s..i]));
        }
    }
    if let Some(s) = start {
        spans.push((s, &text[s..]));
    }
    spans
}

fn split_items(text: &str) -> Vec<String> {
    let mut items = vec![text.to_owned()];
    for separator in [
        ",", " and ", " und ", " & ", " sowie ", " or ", " oder ", "/",
    ] {
        items = items
            .iter()
            .flat_map(|item| item.split(separator).map(str::to_owned).collect::<Vec<_>>())
            .collect();
    }
    items
        .into_iter()
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .collect()
}
