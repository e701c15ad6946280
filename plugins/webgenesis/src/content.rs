//! Composes the site's content from the params: which pages a template has, what each says
//! (the business's name, offer, audience and place, never filler text), the navigation, the
//! catalogue and the structured data. Pure: a [`Spec`] in, a [`Site`] out.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::i18n::{self, Ui, join_list};
use crate::legal::{self, LegalReport};
use crate::model::{
    Action, Block, Card, Inline, NavLink, Page, Section, Shop, ShopProduct, Site, Target,
};
use crate::params::{Language, Spec, Template, country_name, stable_hash};
use crate::theme::PALETTES;

/// A `tel:` URL: digits and a leading plus only.
pub fn tel_url(phone: &str) -> String {
    let mut out = String::from("tel:");
    for (i, c) in phone.trim().chars().enumerate() {
        if c.is_ascii_digit() || (i == 0 && c == '+') {
            out.push(c);
        }
    }
    out
}

/// Where the business is: its city (and country), else the region.
pub fn place(spec: &Spec) -> Option<String> {
    let country = spec
        .region_code
        .as_deref()
        .and_then(|c| country_name(c, spec.language))
        .map(str::to_owned);
    match (&spec.contact.city, country, &spec.region_text) {
        (Some(city), _, _) => Some(city.clone()),
        (None, Some(country), _) => Some(country),
        (None, None, Some(text)) => Some(text.clone()),
        (None, None, None) => None,
    }
}

/// The offer in a few words: services, else products, by name. English service names in
/// sentence case ("Same-day repair") are lowercased to sit inside a sentence; names with more
/// capitals ("IT Strategy", product names) are kept as they are.
fn offer_names(spec: &Spec) -> Vec<String> {
    if spec.services.is_empty() {
        return spec
            .products
            .iter()
            .take(4)
            .map(|p| p.name.clone())
            .collect();
    }
    spec.services
        .iter()
        .take(4)
        .map(|s| {
            let mut chars = s.name.chars();
            let first = chars.next().unwrap_or_default();
            let rest: String = chars.collect();
            let sentence_case = first.is_uppercase() && !rest.chars().any(char::is_uppercase);
            if spec.language == Language::En && sentence_case {
                first.to_lowercase().chain(rest.chars()).collect()
            } else {
                s.name.clone()
            }
        })
        .collect()
}

/// What the business offers, for whom and where, from the params alone (one or two sentences;
/// empty when the params say nothing beyond the name).
pub fn summary(spec: &Spec) -> String {
    let lang = spec.language;
    let offer = offer_names(spec);
    let offer: Vec<&str> = offer.iter().map(String::as_str).collect();
    let name = &spec.business_name;
    let audience = spec.audience.as_deref().map(|a| a.trim_end_matches('.'));
    let mut s = match (offer.is_empty(), audience, lang) {
        (false, Some(a), Language::En) => {
            format!("{name} offers {} for {a}.", join_list(&offer, lang))
        }
        (false, Some(a), Language::De) => {
            format!("{name} bietet {} für {a}.", join_list(&offer, lang))
        }
        (false, None, Language::En) => format!("{name} offers {}.", join_list(&offer, lang)),
        (false, None, Language::De) => format!("{name} bietet {}.", join_list(&offer, lang)),
        (true, Some(a), Language::En) => format!("{name} works for {a}."),
        (true, Some(a), Language::De) => format!("{name} ist für {a} da."),
        (true, None, _) => String::new(),
    };
    // The place, unless the audience already names it ("small firms in Berlin").
    if let Some(place) = place(spec)
        && !audience.is_some_and(|a| a.to_lowercase().contains(&place.to_lowercase()))
    {
        if !s.is_empty() {
            s.push(' ');
        }
        let _ = match lang {
            Language::En => write!(s, "Based in {place}."),
            Language::De => write!(s, "Unser Standort: {place}."),
        };
    }
    s
}

/// At most `max` characters, cut at a word boundary, with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!(
        "{}…",
        cut.trim_end_matches([',', ';', ':', '.', ' ', '–', '-'])
    )
}

fn paragraphs(text: &str) -> Vec<Block> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .map(|p| Block::Para {
            content: vec![Inline::text(p)],
        })
        .collect()
}

fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    if letters.is_empty() {
        "•".into()
    } else {
        letters
    }
}

fn contact_details(spec: &Spec, ui: &Ui) -> Vec<Vec<Inline>> {
    let c = &spec.contact;
    let mut lines = Vec::new();
    if let Some(e) = &c.email {
        lines.push(vec![
            Inline::text(format!("{}: ", ui.email)),
            Inline::link(e.clone(), Target::url(format!("mailto:{e}"))),
        ]);
    }
    if let Some(p) = &c.phone {
        lines.push(vec![
            Inline::text(format!("{}: ", ui.phone)),
            Inline::link(p.clone(), Target::url(tel_url(p))),
        ]);
    }
    let street = c.street.clone();
    let city = match (&c.postal_code, &c.city) {
        (Some(z), Some(city)) => Some(format!("{z} {city}")),
        (None, Some(city)) => Some(city.clone()),
        (Some(z), None) => Some(z.clone()),
        (None, None) => None,
    };
    if street.is_some() || city.is_some() {
        let name = c
            .legal_name
            .clone()
            .unwrap_or_else(|| spec.business_name.clone());
        lines.push(vec![
            Inline::strong(format!("{}: ", ui.address)),
            Inline::text(name),
        ]);
        lines.extend(
            street
                .into_iter()
                .chain(city)
                .map(|l| vec![Inline::text(l)]),
        );
    }
    lines
}

/// The contact section shared by the landing page, the shop's home and the contact page.
fn contact_blocks(spec: &Spec, ui: &Ui, with_form: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    let details = contact_details(spec, ui);
    if details.is_empty() {
        blocks.push(Block::Para {
            content: vec![Inline::text(ui.contact_lead)],
        });
    } else {
        blocks.push(Block::Lines { lines: details });
    }
    if with_form && let Some(email) = &spec.contact.email {
        blocks.push(Block::ContactForm {
            email: email.clone(),
        });
    }
    blocks
}

fn service_cards(spec: &Spec) -> Block {
    Block::Cards {
        cards: spec
            .services
            .iter()
            .map(|s| Card {
                title: s.name.clone(),
                text: s.description.clone(),
            })
            .collect(),
    }
}

struct PageDef<'a> {
    id: &'a str,
    file: &'a str,
    title: String,
    description: String,
    h1: String,
    lead: Option<String>,
    intro: Option<String>,
    actions: Vec<Action>,
    sections: Vec<Section>,
    noindex: bool,
}

fn page(def: PageDef<'_>) -> Page {
    let route = if def.id == "home" {
        "/".to_owned()
    } else {
        format!("/{}", def.file.trim_end_matches(".html"))
    };
    Page {
        id: def.id.into(),
        file: def.file.into(),
        dir: route.trim_start_matches('/').into(),
        route,
        title: def.title,
        description: clip(&def.description, 160),
        h1: def.h1,
        lead: def.lead,
        intro: def.intro,
        actions: def.actions,
        hero: def.id == "home",
        sections: def.sections,
        noindex: def.noindex,
        compact: false,
    }
}

fn sec(id: Option<&str>, heading: Option<&str>, blocks: Vec<Block>) -> Section {
    Section {
        id: id.map(str::to_owned),
        heading: heading.map(str::to_owned),
        alt: false,
        blocks,
    }
}

fn action(label: &str, target: Target, primary: bool) -> Action {
    Action {
        label: label.into(),
        target,
        primary,
    }
}

/// The site and the legal report for a spec.
pub fn build(spec: &Spec) -> (Site, LegalReport) {
    let lang = spec.language;
    let ui = i18n::ui(lang);
    let name = &spec.business_name;
    let summary = summary(spec);
    let description = match (&spec.tagline, summary.is_empty()) {
        (Some(t), false) => format!("{t} – {summary}"),
        (Some(t), true) => t.clone(),
        (None, false) => summary.clone(),
        (None, true) => spec.vision.clone().unwrap_or_else(|| name.clone()),
    };
    let title_home = match &spec.tagline {
        Some(t) => format!("{name} – {}", clip(t, 60)),
        None => name.clone(),
    };
    let intro = spec
        .tagline
        .is_some()
        .then(|| summary.clone())
        .filter(|s| !s.is_empty());
    let lead = spec
        .tagline
        .clone()
        .or_else(|| (!summary.is_empty()).then(|| summary.clone()));
    let sub = |label: &str| format!("{label} – {name}");

    let mut pages = Vec::new();
    let mut nav = Vec::new();
    let shop = spec.template == Template::EcommerceBasic;

    match spec.template {
        Template::StaticLanding => {
            let mut sections = Vec::new();
            if !spec.services.is_empty() {
                sections.push(sec(
                    Some("offer"),
                    Some(ui.offer_heading),
                    vec![service_cards(spec)],
                ));
                nav.push(NavLink {
                    label: ui.offer_heading.into(),
                    target: Target::anchor("home", "offer"),
                });
            }
            if let Some(v) = &spec.vision {
                sections.push(sec(Some("about"), Some(ui.about_heading), paragraphs(v)));
                nav.push(NavLink {
                    label: ui.about.into(),
                    target: Target::anchor("home", "about"),
                });
            }
            if let Some(a) = &spec.audience {
                sections.push(sec(
                    Some("audience"),
                    Some(ui.audience_heading),
                    vec![Block::Para {
                        content: vec![Inline::text(a)],
                    }],
                ));
            }
            sections.push(sec(
                Some("contact"),
                Some(ui.contact_heading),
                contact_blocks(spec, ui, true),
            ));
            nav.push(NavLink {
                label: ui.contact.into(),
                target: Target::anchor("home", "contact"),
            });
            let mut actions = vec![action(
                ui.cta_contact,
                Target::anchor("home", "contact"),
                true,
            )];
            if !spec.services.is_empty() {
                actions.push(action(
                    ui.offer_heading,
                    Target::anchor("home", "offer"),
                    false,
                ));
            }
            pages.push(page(PageDef {
                id: "home",
                file: "index.html",
                title: title_home,
                description: description.clone(),
                h1: name.clone(),
                lead: lead.clone(),
                intro,
                actions,
                sections,
                noindex: false,
            }));
        }
        Template::NextjsBusiness => {
            nav = vec![
                NavLink {
                    label: ui.home.into(),
                    target: Target::page("home"),
                },
                NavLink {
                    label: ui.about.into(),
                    target: Target::page("about"),
                },
                NavLink {
                    label: ui.services.into(),
                    target: Target::page("services"),
                },
                NavLink {
                    label: ui.contact.into(),
                    target: Target::page("contact"),
                },
            ];
            // Home: the offer at a glance, a taste of the story, the way to get in touch.
            let mut home = Vec::new();
            if !spec.services.is_empty() {
                home.push(sec(
                    Some("offer"),
                    Some(ui.offer_heading),
                    vec![
                        Block::Cards {
                            cards: spec
                                .services
                                .iter()
                                .map(|s| Card {
                                    title: s.name.clone(),
                                    text: s.description.as_deref().map(|d| clip(d, 180)),
                                })
                                .collect(),
                        },
                        Block::Actions {
                            actions: vec![action(ui.all_services, Target::page("services"), false)],
                        },
                    ],
                ));
            }
            if let Some(v) = &spec.vision {
                let first = v.split("\n\n").next().unwrap_or(v);
                home.push(sec(
                    Some("about"),
                    Some(ui.about_heading),
                    vec![
                        Block::Para {
                            content: vec![Inline::text(clip(
                                &first.split_whitespace().collect::<Vec<_>>().join(" "),
                                400,
                            ))],
                        },
                        Block::Actions {
                            actions: vec![action(ui.cta_about, Target::page("about"), false)],
                        },
                    ],
                ));
            }
            if let Some(a) = &spec.audience {
                home.push(sec(
                    Some("audience"),
                    Some(ui.audience_heading),
                    vec![Block::Para {
                        content: vec![Inline::text(a)],
                    }],
                ));
            }
            pages.push(page(PageDef {
                id: "home",
                file: "index.html",
                title: title_home,
                description: description.clone(),
                h1: name.clone(),
                lead: lead.clone(),
                intro: intro.clone(),
                actions: vec![
                    action(ui.cta_contact, Target::page("contact"), true),
                    action(ui.cta_services, Target::page("services"), false),
                ],
                sections: home,
                noindex: false,
            }));

            // About: the whole story, audience and place.
            let mut about = Vec::new();
            match &spec.vision {
                Some(v) => about.push(sec(None, None, paragraphs(v))),
                None if !summary.is_empty() => about.push(sec(
                    None,
                    None,
                    vec![Block::Para {
                        content: vec![Inline::text(&summary)],
                    }],
                )),
                None => {}
            }
            if let Some(a) = &spec.audience {
                about.push(sec(
                    Some("audience"),
                    Some(ui.audience_heading),
                    vec![Block::Para {
                        content: vec![Inline::text(a)],
                    }],
                ));
            }
            if let Some(p) = place(spec) {
                let text = match lang {
                    Language::En => format!("{name} is based in {p}."),
                    Language::De => format!("{name} ist in {p} zu Hause."),
                };
                about.push(sec(
                    Some("location"),
                    Some(ui.location_heading),
                    vec![Block::Para {
                        content: vec![Inline::text(text)],
                    }],
                ));
            }
            about.push(sec(
                None,
                None,
                vec![Block::Actions {
                    actions: vec![action(ui.cta_contact, Target::page("contact"), true)],
                }],
            ));
            pages.push(page(PageDef {
                id: "about",
                file: "about.html",
                title: sub(ui.about),
                description: spec.vision.clone().map_or_else(
                    || description.clone(),
                    |v| v.split_whitespace().collect::<Vec<_>>().join(" "),
                ),
                h1: match lang {
                    Language::En => format!("About {name}"),
                    Language::De => format!("Über {name}"),
                },
                lead: spec.tagline.clone(),
                intro: None,
                actions: Vec::new(),
                sections: about,
                noindex: false,
            }));

            // Services: one section per service.
            let mut services: Vec<Section> = spec
                .services
                .iter()
                .enumerate()
                .map(|(i, s)| Section {
                    id: Some(format!("service-{}", i + 1)),
                    heading: Some(s.name.clone()),
                    alt: i % 2 == 1,
                    blocks: s.description.as_deref().map(paragraphs).unwrap_or_default(),
                })
                .collect();
            if services.is_empty() {
                services.push(sec(
                    None,
                    None,
                    vec![Block::Para {
                        content: vec![Inline::text(ui.services_empty)],
                    }],
                ));
            }
            services.push(sec(
                None,
                None,
                vec![Block::Actions {
                    actions: vec![action(ui.cta_contact, Target::page("contact"), true)],
                }],
            ));
            let services_desc = if spec.services.is_empty() {
                description.clone()
            } else {
                let names: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
                format!("{}: {}.", sub(ui.services), join_list(&names, lang))
            };
            pages.push(page(PageDef {
                id: "services",
                file: "services.html",
                title: sub(ui.services),
                description: services_desc,
                h1: ui.services.into(),
                lead: Some(match &spec.audience {
                    Some(a) => format!("{} – {}", ui.services_lead, a.trim_end_matches('.')),
                    None => ui.services_lead.into(),
                }),
                intro: None,
                actions: Vec::new(),
                sections: services,
                noindex: false,
            }));

            pages.push(page(PageDef {
                id: "contact",
                file: "contact.html",
                title: sub(ui.contact),
                description: match lang {
                    Language::En => format!("Contact {name}: e-mail, phone and address."),
                    Language::De => format!("Kontakt zu {name}: E-Mail, Telefon und Anschrift."),
                },
                h1: ui.contact.into(),
                lead: Some(ui.contact_lead.into()),
                intro: None,
                actions: Vec::new(),
                sections: vec![sec(Some("contact"), None, contact_blocks(spec, ui, true))],
                noindex: false,
            }));
        }
        Template::EcommerceBasic => {
            nav = vec![
                NavLink {
                    label: ui.home.into(),
                    target: Target::page("home"),
                },
                NavLink {
                    label: ui.products.into(),
                    target: Target::page("products"),
                },
                NavLink {
                    label: ui.cart.into(),
                    target: Target::page("cart"),
                },
            ];
            let mut home = Vec::new();
            let mut featured = vec![Block::Products { limit: Some(3) }];
            if spec.products.len() > 3 {
                featured.push(Block::Actions {
                    actions: vec![action(ui.all_products, Target::page("products"), false)],
                });
            }
            home.push(sec(Some("offer"), Some(ui.offer_heading), featured));
            if let Some(v) = &spec.vision {
                home.push(sec(Some("about"), Some(ui.about_heading), paragraphs(v)));
            }
            if let Some(a) = &spec.audience {
                home.push(sec(
                    Some("audience"),
                    Some(ui.audience_heading),
                    vec![Block::Para {
                        content: vec![Inline::text(a)],
                    }],
                ));
            }
            home.push(sec(
                Some("contact"),
                Some(ui.contact_heading),
                contact_blocks(spec, ui, false),
            ));
            pages.push(page(PageDef {
                id: "home",
                file: "index.html",
                title: title_home,
                description: description.clone(),
                h1: name.clone(),
                lead: lead.clone(),
                intro: intro.clone(),
                actions: vec![action(ui.cta_shop, Target::page("products"), true)],
                sections: home,
                noindex: false,
            }));
            let names: Vec<&str> = spec
                .products
                .iter()
                .take(5)
                .map(|p| p.name.as_str())
                .collect();
            pages.push(page(PageDef {
                id: "products",
                file: "products.html",
                title: sub(ui.products),
                description: if names.is_empty() {
                    description.clone()
                } else {
                    format!("{}: {}.", sub(ui.products), join_list(&names, lang))
                },
                h1: ui.products.into(),
                lead: lead.clone(),
                intro: None,
                actions: Vec::new(),
                sections: vec![sec(
                    Some("catalogue"),
                    None,
                    vec![Block::Products { limit: None }],
                )],
                noindex: false,
            }));
            pages.push(page(PageDef {
                id: "cart",
                file: "cart.html",
                title: sub(ui.cart),
                description: format!("{} – {name}", ui.cart),
                h1: ui.cart.into(),
                lead: None,
                intro: None,
                actions: Vec::new(),
                sections: vec![sec(None, None, vec![Block::Cart])],
                noindex: true,
            }));
            pages.push(page(PageDef {
                id: "checkout",
                file: "checkout.html",
                title: sub(ui.checkout),
                description: format!("{} – {name}", ui.checkout),
                h1: ui.checkout.into(),
                lead: None,
                intro: None,
                actions: Vec::new(),
                sections: vec![sec(None, None, vec![Block::Checkout])],
                noindex: true,
            }));
        }
    }

    // Alternate the shading of content sections that have a heading.
    for p in &mut pages {
        let mut n = 0;
        for s in &mut p.sections {
            if s.heading.is_some() {
                s.alt = s.alt || n % 2 == 1;
                n += 1;
            }
        }
    }

    let (legal_pages, report) = legal::pages(spec, ui);
    let legal_nav = legal_pages
        .iter()
        .map(|p| NavLink {
            label: if p.id == "privacy" {
                ui.privacy.into()
            } else {
                p.h1.clone()
            },
            target: Target::page(&p.id),
        })
        .collect();
    pages.extend(legal_pages);

    let operator = spec
        .contact
        .legal_name
        .clone()
        .unwrap_or_else(|| name.clone());
    let mut footer = vec![vec![Inline::text(format!("© {operator}"))]];
    if let Some(e) = &spec.contact.email {
        footer.push(vec![Inline::link(
            e.clone(),
            Target::url(format!("mailto:{e}")),
        )]);
    }

    let shop_data = shop.then(|| Shop {
        currency: spec.currency.code.clone(),
        decimals: spec.currency.decimals,
        storage_key: format!("abp-cart:{}", spec.slug),
        products: spec
            .products
            .iter()
            .map(|p| ShopProduct {
                id: p.id.clone(),
                name: p.name.clone(),
                description: p.description.clone(),
                price: p.price_minor,
                price_text: spec.currency.format(p.price_minor, lang),
                sku: p.sku.clone(),
            })
            .collect(),
    });

    let site = Site {
        lang: lang.code(),
        locale: lang.locale(),
        og_locale: match lang {
            Language::En => "en_US",
            Language::De => "de_DE",
        },
        slug: spec.slug.clone(),
        name: name.clone(),
        base_url: spec.base_url(),
        nav,
        legal_nav,
        footer,
        pages,
        shop: shop_data,
        email: spec.contact.email.clone(),
        country: spec.contact.country.clone().or_else(|| {
            spec.region_code
                .as_deref()
                .and_then(|c| country_name(c, lang))
                .map(str::to_owned)
        }),
        json_ld: json_ld(spec, &description),
        palette: usize::try_from(stable_hash(name) % PALETTES.len() as u64).unwrap_or(0),
        initials: initials(name),
        ui,
    };
    (site, report)
}

fn json_ld(spec: &Spec, description: &str) -> Value {
    let c = &spec.contact;
    let kind = if spec.template == Template::EcommerceBasic {
        "Store"
    } else {
        "LocalBusiness"
    };
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": kind,
        "name": spec.business_name,
        "description": description,
    });
    if let Some(url) = spec.base_url() {
        v["url"] = json!(url);
    }
    if let Some(e) = &c.email {
        v["email"] = json!(e);
    }
    if let Some(p) = &c.phone {
        v["telephone"] = json!(p);
    }
    if c.street.is_some() || c.city.is_some() {
        let mut addr = json!({ "@type": "PostalAddress" });
        if let Some(s) = &c.street {
            addr["streetAddress"] = json!(s);
        }
        if let Some(z) = &c.postal_code {
            addr["postalCode"] = json!(z);
        }
        if let Some(city) = &c.city {
            addr["addressLocality"] = json!(city);
        }
        if let Some(code) = &spec.region_code {
            addr["addressCountry"] = json!(code);
        }
        v["address"] = addr;
    }
    if let Some(a) = &spec.audience {
        v["audience"] = json!({ "@type": "Audience", "audienceType": a });
    }
    if let Some(p) = place(spec) {
        v["areaServed"] = json!(p);
    }
    v
}
