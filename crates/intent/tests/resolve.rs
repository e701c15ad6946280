//! Specification tests for `resolve`: phrases over words, negation, the business's activity over
//! its customers, German compounds and spellings, determinism, validation, risk, modules and
//! explanations. Most cases go through `check(input, expectations)`.

use abp_intent::{
    BusinessIntentInput, FieldType, InputProblem, ModuleSpec, ResolvedBusinessIntent, resolve,
};
use serde_json::Value;

fn input(vision: &str) -> BusinessIntentInput {
    BusinessIntentInput {
        vision: vision.to_owned(),
        ..BusinessIntentInput::default()
    }
}

/// Resolves `input` and asserts each `(field, value)`; a value starting with `!` must differ.
fn check(input: &BusinessIntentInput, expect: &[(&str, &str)]) -> ResolvedBusinessIntent {
    let intent = resolve(input).unwrap_or_else(|e| panic!("{:?}: {e}", input.vision));
    let json = serde_json::to_value(&intent).expect("intent serializes");
    for (field, want) in expect {
        let got = match &json[*field] {
            Value::String(s) => s.clone(),
            Value::Null => panic!("no field {field}"),
            other => other.to_string(),
        };
        let why = intent
            .explanation(field)
            .map(|e| format!("{} {:?}", e.rule, e.matched))
            .unwrap_or_default();
        match want.strip_prefix('!') {
            Some(not) => assert_ne!(got, not, "{field} for {:?}\n  {why}", input.vision),
            None => assert_eq!(got, *want, "{field} for {:?}\n  {why}", input.vision),
        }
    }
    intent
}

fn check_all(cases: &[(&str, &[(&str, &str)])]) {
    for (vision, expect) in cases {
        check(&input(vision), expect);
    }
}

#[test]
fn consulting_example_is_a_professional_service_with_engagements() {
    let intent = check(
        &input("I want a consulting business"),
        &[
            ("business_type", "service"),
            ("industry", "professional_services"),
            ("needs_website", "true"),
            ("needs_erp", "true"),
            ("website_template", "nextjs-business"),
            ("language", "en"),
            ("risk_level", "low"),
        ],
    );
    let module = &intent.custom_modules_spec[0];
    assert_eq!(module.name, "consulting_engagements");
    let engagement = module
        .models
        .iter()
        .find(|m| m.name == "consulting.engagement")
        .expect("engagement model");
    let client = engagement
        .fields
        .iter()
        .find(|f| f.name == "partner_id")
        .expect("client field");
    assert_eq!(client.field_type, FieldType::Many2one);
    assert_eq!(client.relation.as_deref(), Some("res.partner"));
    assert!(
        module
            .models
            .iter()
            .any(|m| m.name == "consulting.time.entry")
    );
    for standard in ["crm", "project", "hr_timesheet", "account"] {
        assert!(
            intent.odoo_modules_required.iter().any(|m| m == standard),
            "{standard} missing"
        );
    }
}

#[test]
fn multi_word_phrases_beat_their_single_words() {
    let intent = check(
        &input("We run an online shop for loose-leaf teas"),
        &[
            ("website_template", "ecommerce-basic"),
            ("business_type", "product"),
        ],
    );
    let matched = &intent
        .explanation("website_template")
        .expect("explained")
        .matched;
    assert!(matched.iter().any(|m| m == "online shop"), "{matched:?}");
    assert!(!matched.iter().any(|m| m == "shop"), "{matched:?}");
    check_all(&[
        (
            "Coffee shop with homemade cakes",
            &[("industry", "hospitality"), ("business_type", "service")],
        ),
        (
            "Real estate agency in Leeds",
            &[("industry", "real_estate")],
        ),
        (
            "Software development for logistics firms",
            &[("business_type", "service"), ("industry", "technology")],
        ),
    ]);
}

#[test]
fn negated_words_are_not_matches() {
    check_all(&[
        (
            "Physiotherapy clinic, no online shop, just appointments",
            &[("website_template", "!ecommerce-basic")],
        ),
        (
            "Kanzlei für Arbeitsrecht, kein Onlineshop",
            &[("website_template", "!ecommerce-basic")],
        ),
        (
            "Language tutoring app without subscriptions",
            &[("monetization_type", "!subscription")],
        ),
        (
            "Nachhilfe ohne Abo, bezahlt wird pro Stunde",
            &[("monetization_type", "!subscription")],
        ),
        (
            "An ad-free podcast about gardening, paid for by listener memberships",
            &[("monetization_type", "subscription")],
        ),
        (
            "Dachdeckerei, wir brauchen nur eine Website, kein ERP",
            &[("needs_erp", "false")],
        ),
    ]);
    // The same sentences without the negation do match, so the cases above can fail.
    check_all(&[
        (
            "Physiotherapy clinic with an online shop",
            &[("website_template", "ecommerce-basic")],
        ),
        (
            "Language tutoring app with subscriptions",
            &[("monetization_type", "subscription")],
        ),
        ("Nachhilfe im Abo", &[("monetization_type", "subscription")]),
    ]);
}

#[test]
fn the_business_activity_beats_its_customers() {
    check_all(&[
        (
            "IT services for dental practices",
            &[("industry", "technology"), ("business_type", "service")],
        ),
        (
            "Software für Steuerberater und Anwälte",
            &[("industry", "technology"), ("business_type", "platform")],
        ),
        (
            "Marketing agency for restaurants and hotels",
            &[("industry", "professional_services")],
        ),
        (
            "Strategy consulting for hospitals",
            &[("industry", "professional_services")],
        ),
        (
            "Webentwicklung fuer Zahnarztpraxen",
            &[("industry", "technology")],
        ),
        (
            "We sell packaging machines to food manufacturers",
            &[("business_type", "product")],
        ),
        // Control: without a competing activity the words after "for" still decide.
        (
            "Dental practice for the whole family",
            &[("industry", "healthcare")],
        ),
    ]);
}

#[test]
fn the_last_noun_of_the_head_phrase_decides() {
    check_all(&[
        (
            "Hotel booking engine for small hotels, charging 3% per booking",
            &[
                ("industry", "technology"),
                ("business_type", "platform"),
                ("monetization_type", "commission"),
            ],
        ),
        (
            "Accounting software for freelancers",
            &[("industry", "technology"), ("business_type", "platform")],
        ),
        // A generic head ("agency") does not override the specific word before it.
        ("Insurance agency for farmers", &[("industry", "finance")]),
        (
            "Sewing workshops for beginners and a small fabric shop",
            &[("business_type", "hybrid")],
        ),
        (
            "We take 10% of every sale on our marketplace",
            &[("monetization_type", "commission")],
        ),
    ]);
}

#[test]
fn german_compounds_and_spellings_match_their_stems() {
    check_all(&[
        (
            "Steuerberatungskanzlei in Köln",
            &[
                ("industry", "professional_services"),
                ("business_type", "service"),
            ],
        ),
        (
            "Zahnarztpraxis in Berlin-Mitte",
            &[("industry", "healthcare"), ("business_type", "service")],
        ),
        (
            "Onlineshop für Tee",
            &[
                ("website_template", "ecommerce-basic"),
                ("business_type", "product"),
            ],
        ),
        (
            "Webdesign-Agentur in Hamburg",
            &[("business_type", "service"), ("language", "de")],
        ),
        (
            "Rechtsanwaltskanzlei für Mietrecht",
            &[("industry", "legal")],
        ),
        (
            "Praxisverwaltungssoftware im Monatsabo",
            &[
                ("business_type", "platform"),
                ("monetization_type", "subscription"),
            ],
        ),
    ]);
    for (a, b) in [
        (
            "Übersetzungsbüro für Fachtexte",
            "Uebersetzungsbuero fuer Fachtexte",
        ),
        ("Bäckerei mit Café", "Baeckerei mit Cafe"),
        (
            "Großhandel für Gastronomiebedarf",
            "Grosshandel fuer Gastronomiebedarf",
        ),
    ] {
        let (x, y) = (resolve(&input(a)).expect(a), resolve(&input(b)).expect(b));
        assert_eq!(
            (x.industry, x.business_type, x.website_template),
            (y.industry, y.business_type, y.website_template),
            "{a} / {b}"
        );
    }
}

#[test]
fn resolution_is_deterministic_and_the_id_follows_the_input() {
    let base = BusinessIntentInput {
        vision: "Boutique hotel with twelve rooms".to_owned(),
        region: Some("GB".to_owned()),
        domain: Some("harbour-hotel.test".to_owned()),
        ..BusinessIntentInput::default()
    };
    let first = resolve(&base).expect("valid");
    let second = resolve(&base).expect("valid");
    assert_eq!(first, second);
    let round_trip: ResolvedBusinessIntent =
        serde_json::from_value(serde_json::to_value(&first).expect("json")).expect("deserializes");
    assert_eq!(round_trip, first);
    assert_eq!(
        serde_json::to_string(&first).expect("json"),
        serde_json::to_string(&second).expect("json")
    );
    let id = &first.intent_id;
    assert!(id.starts_with("intent_") && id.len() == 23, "{id}");
    assert!(
        id[7..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{id}"
    );

    // Whitespace and case of the domain are normalized away; content changes are not.
    let spaced = BusinessIntentInput {
        vision: "  Boutique   hotel with twelve rooms ".to_owned(),
        domain: Some("Harbour-Hotel.test.".to_owned()),
        ..base.clone()
    };
    assert_eq!(resolve(&spaced).expect("valid").intent_id, *id);
    for changed in [
        BusinessIntentInput {
            vision: "Boutique hotel with ten rooms".to_owned(),
            ..base.clone()
        },
        BusinessIntentInput {
            domain: Some("other-hotel.test".to_owned()),
            ..base.clone()
        },
        BusinessIntentInput {
            compliance_sensitivity: Some("high".to_owned()),
            ..base.clone()
        },
    ] {
        assert_ne!(
            resolve(&changed).expect("valid").intent_id,
            *id,
            "{changed:?}"
        );
    }
}

#[test]
fn invalid_input_reports_every_problem_at_once() {
    let bad = BusinessIntentInput {
        vision: "   ".to_owned(),
        domain: Some("https://acme.test".to_owned()),
        compliance_sensitivity: Some("extreme".to_owned()),
        monetization_type: Some("barter".to_owned()),
        ..BusinessIntentInput::default()
    };
    let error = resolve(&bad).expect_err("invalid");
    assert_eq!(error.problems.len(), 4, "{error}");
    assert!(error.problems.contains(&InputProblem::EmptyVision));
    let message = error.to_string();
    for needle in [
        "`vision` is empty",
        "without a scheme",
        "\"extreme\"",
        "\"barter\"",
    ] {
        assert!(message.contains(needle), "{needle} not in {message}");
    }
    assert!(!message.ends_with('.'));
}

#[test]
fn domains_are_checked_and_normalized() {
    let with_domain = |domain: &str| {
        resolve(&BusinessIntentInput {
            domain: Some(domain.to_owned()),
            ..input("Law firm")
        })
    };
    assert_eq!(
        with_domain(" Acme-Consulting.TEST. ")
            .expect("valid")
            .domain
            .as_deref(),
        Some("acme-consulting.test")
    );
    for bad in [
        "localhost",
        "-acme.test",
        "acme-.test",
        "ac me.test",
        "bücher.de",
        "10.0.0.1",
        "a..test",
        "acme.test/path",
    ] {
        let error = with_domain(bad).expect_err(bad);
        assert!(
            matches!(&error.problems[..], [InputProblem::InvalidDomain { .. }]),
            "{bad}: {error}"
        );
    }
}

#[test]
fn language_follows_the_text_or_a_dach_region() {
    let with_region = |vision: &str, region: Option<&str>| BusinessIntentInput {
        region: region.map(str::to_owned),
        ..input(vision)
    };
    check(
        &with_region("Wir sind eine kleine Bäckerei in Bremen", None),
        &[("language", "de")],
    );
    check(
        &with_region("Small bakery in Vienna", Some("AT")),
        &[("language", "de")],
    );
    check(
        &with_region("Small bakery in Zurich", Some("Schweiz")),
        &[("language", "de")],
    );
    check(
        &with_region("Small bakery in Leeds", Some("GB")),
        &[("language", "en")],
    );
    check(
        &with_region("Small bakery in Leeds", None),
        &[("language", "en")],
    );
}

#[test]
fn risk_adds_the_documented_weights() {
    let high = BusinessIntentInput {
        compliance_sensitivity: Some("high".to_owned()),
        ..input("Psychotherapy practice with online sessions")
    };
    let intent = check(
        &high,
        &[("risk_level", "critical"), ("industry", "healthcare")],
    );
    // service 5 + transaction 10 + high 35 + healthcare 30
    assert_eq!(intent.risk_score, 80);
    let rule = &intent.explanation("risk_level").expect("explained").rule;
    assert!(
        rule.contains("compliance high 35") && rule.contains("= 80"),
        "{rule}"
    );
    let low = BusinessIntentInput {
        compliance_sensitivity: Some("low".to_owned()),
        ..input("I want a consulting business")
    };
    check(&low, &[("risk_level", "low")]);
    check(
        &input("Peer-to-peer lending marketplace taking a commission"),
        &[("risk_level", "critical")],
    );
}

#[test]
fn a_given_monetization_overrides_the_text() {
    let given = BusinessIntentInput {
        monetization_type: Some("Subscription".to_owned()),
        ..input("Online shop for handmade soap")
    };
    let intent = check(&given, &[("monetization_type", "subscription")]);
    let explanation = intent.explanation("monetization_type").expect("explained");
    assert!((explanation.confidence - 1.0).abs() < f64::EPSILON);
    assert!(
        intent
            .custom_modules_spec
            .iter()
            .any(|m| m.name == "recurring_contracts")
    );
}

#[test]
fn subscriptions_use_community_modules_and_say_why() {
    let intent = check(
        &input("SaaS platform for gyms, billed monthly per location"),
        &[
            ("business_type", "platform"),
            ("monetization_type", "subscription"),
            ("industry", "technology"),
        ],
    );
    assert!(
        !intent
            .odoo_modules_required
            .iter()
            .any(|m| m == "sale_subscription")
    );
    assert!(
        intent
            .odoo_modules_required
            .iter()
            .any(|m| m == "sale_management")
    );
    let rule = &intent
        .explanation("odoo_modules_required")
        .expect("explained")
        .rule;
    assert!(rule.contains("Enterprise-only"), "{rule}");
    assert_eq!(intent.custom_modules_spec[0].name, "saas_subscriptions");
}

#[test]
fn a_personal_site_needs_no_erp_and_a_single_page() {
    let intent = check(
        &input("Personal blog about hiking in the Alps, not a business, just a website"),
        &[
            ("needs_erp", "false"),
            ("website_template", "static-landing"),
            ("needs_website", "true"),
        ],
    );
    assert!(intent.odoo_modules_required.is_empty());
    assert!(intent.custom_modules_spec.is_empty());
}

#[test]
fn every_decided_field_is_explained_with_a_confidence() {
    let intent = resolve(&input(
        "Orthodontist clinic with online booking and a customer portal",
    ))
    .expect("valid");
    for field in [
        "language",
        "industry",
        "business_type",
        "monetization_type",
        "needs_erp",
        "needs_website",
        "website_template",
        "risk_level",
        "odoo_modules_required",
        "custom_modules_spec",
        "estimated_complexity_score",
    ] {
        let e = intent
            .explanation(field)
            .unwrap_or_else(|| panic!("{field} not explained"));
        assert!(
            (0.0..=1.0).contains(&e.confidence),
            "{field}: {}",
            e.confidence
        );
        assert!(!e.rule.is_empty(), "{field}");
    }
    let industry = intent.explanation("industry").expect("explained");
    assert!(
        industry.matched.iter().any(|m| m.contains("Orthodontist")),
        "{:?}",
        industry.matched
    );
    let complexity = intent
        .explanation("estimated_complexity_score")
        .expect("explained");
    assert!(
        complexity.rule.contains("features booking, portal"),
        "{}",
        complexity.rule
    );
    assert!((1..=100).contains(&intent.estimated_complexity_score));
}

#[test]
fn complexity_grows_with_moving_parts() {
    let simple = resolve(&input("Hairdresser in a small town")).expect("valid");
    let complex = resolve(&input(
        "Marketplace app connecting dog walkers with owners, commission on every booking, online payments and a customer portal",
    ))
    .expect("valid");
    assert!(
        simple.estimated_complexity_score + 30 < complex.estimated_complexity_score,
        "{} vs {}",
        simple.estimated_complexity_score,
        complex.estimated_complexity_score
    );
}

/// Odoo core module names a generated module must not shadow.
const RESERVED: &[&str] = &[
    "base",
    "web",
    "mail",
    "sale",
    "account",
    "crm",
    "project",
    "stock",
    "product",
    "contacts",
    "website",
    "hr",
    "purchase",
    "mrp",
    "point_of_sale",
    "calendar",
    "sale_management",
    "hr_timesheet",
    "website_sale",
    "event",
];

fn is_identifier(name: &str) -> bool {
    name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn validate(module: &ModuleSpec) -> Vec<String> {
    let mut problems = Vec::new();
    if !is_identifier(&module.name) || RESERVED.contains(&module.name.as_str()) {
        problems.push(format!("module name {}", module.name));
    }
    if !module.depends.iter().any(|d| d == "base")
        || !module.depends.iter().all(|d| is_identifier(d))
    {
        problems.push(format!("{} depends {:?}", module.name, module.depends));
    }
    for model in &module.models {
        let dotted = model.name.contains('.')
            && model
                .name
                .split('.')
                .all(|part| !part.is_empty() && is_identifier(part));
        if !dotted {
            problems.push(format!("model name {}", model.name));
        }
        let mut names = std::collections::BTreeSet::new();
        for field in &model.fields {
            let at = format!("{}.{}", model.name, field.name);
            if !is_identifier(&field.name) || !names.insert(field.name.clone()) {
                problems.push(format!("field name {at}"));
            }
            if field.field_type.is_relational() != field.relation.is_some() {
                problems.push(format!("relation of {at}"));
            }
            if (field.field_type == FieldType::Selection)
                != field.selection.as_ref().is_some_and(|s| !s.is_empty())
            {
                problems.push(format!("selection of {at}"));
            }
            if field.field_type == FieldType::One2many {
                let target = module
                    .models
                    .iter()
                    .find(|m| Some(&m.name) == field.relation.as_ref());
                let inverse_ok = target.is_some_and(|t| {
                    t.fields.iter().any(|f| {
                        Some(&f.name) == field.inverse_name.as_ref()
                            && f.field_type == FieldType::Many2one
                            && f.relation.as_deref() == Some(model.name.as_str())
                    })
                });
                if !inverse_ok {
                    problems.push(format!("inverse of {at}"));
                }
            }
        }
    }
    problems
}

#[test]
fn custom_modules_follow_the_params_contract_for_every_kind_of_business() {
    let visions = [
        "I want a consulting business",
        "Law firm for family law",
        "Dental practice with online booking",
        "SaaS for invoicing, monthly plans",
        "IT support for small offices",
        "Online shop for sneakers",
        "We manufacture steel parts",
        "Italian restaurant with terrace",
        "Language school for adults",
        "Estate agency selling houses, paid by commission",
        "Insurance broker for freelancers",
        "Podcast funded by sponsors",
        "Plumber in Leeds",
        "Marketplace for handmade jewellery with 10% commission",
        "Flower subscription delivered weekly",
        "Community app for gamers",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for vision in visions {
        let intent = resolve(&input(vision)).expect(vision);
        assert!(
            !intent.custom_modules_spec.is_empty(),
            "{vision}: no module"
        );
        for module in &intent.custom_modules_spec {
            let problems = validate(module);
            assert!(problems.is_empty(), "{vision}: {problems:?}");
            seen.insert(module.name.clone());
        }
        // The first module pulls in the standard modules.
        let first = &intent.custom_modules_spec[0];
        for standard in &intent.odoo_modules_required {
            assert!(
                first.depends.contains(standard),
                "{vision}: {standard} not in depends"
            );
        }
    }
    assert!(
        seen.len() >= 12,
        "expected a module per kind of business, got {seen:?}"
    );
}

#[test]
fn health_modules_do_not_store_diagnoses() {
    let intent = resolve(&input("Hausarztpraxis mit Online-Terminbuchung")).expect("valid");
    let module = &intent.custom_modules_spec[0];
    assert_eq!(module.name, "practice_appointments");
    for field in module.models.iter().flat_map(|m| &m.fields) {
        let text = format!("{} {}", field.name, field.string).to_lowercase();
        assert!(
            !text.contains("diagnos") && !text.contains("finding"),
            "{}",
            field.name
        );
    }
}
