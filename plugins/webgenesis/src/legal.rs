//! The legal pages: the Impressum (provider identification, § 5 DDG in Germany, § 5 ECG in
//! Austria, Art. 3 UWG in Switzerland) for sites under German-speaking law, and a privacy policy
//! for every site. The operator's details come from `contact`; a detail the law requires but the
//! params lack becomes a visibly marked placeholder and is listed in [`LegalReport::missing`].
//!
//! Which details are required depends on the legal form read from the legal name: a `GmbH` needs
//! its register entry and representative, a sole trader (a plain personal name) does not. When
//! no legal name is known, the form is unknown and the register details are asked for too,
//! with a note that they only apply to registered businesses.

use serde::Serialize;

use crate::i18n::Ui;
use crate::model::{Block, Inline, Page, Section, Target};
use crate::params::{Language, Spec, Template, country_name};

/// What the output says about the legal pages.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LegalReport {
    /// Ids of the legal pages generated (`impressum`, `privacy`).
    pub pages: Vec<String>,
    /// Details the law requires that the params did not give (contact field names, plus
    /// `payment_provider` for shops); each appears on the pages as a marked placeholder.
    pub missing: Vec<String>,
    /// What the operator should still check.
    pub notes: Vec<String>,
}

/// The legal form, as far as the name tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Company in a commercial register (`GmbH`, UG, AG, KG, OHG, Ltd, ...).
    RegisteredEntity,
    /// Registered merchant (e.K.): register entry, no separate representative.
    RegisteredMerchant,
    /// Partnership without register (GbR): representatives, no register.
    Partnership,
    /// A person's name (sole trader, freelancer): neither.
    Person,
    /// No legal name given.
    Unknown,
}

/// The legal form suggested by a name's suffixes.
pub fn legal_form(name: &str) -> Option<Form> {
    let lower = name.to_lowercase();
    if lower.contains("gesellschaft mit beschränkter haftung")
        || lower.contains("aktiengesellschaft")
        || lower.contains("kommanditgesellschaft")
        || lower.contains("(haftungsbeschränkt)")
    {
        return Some(Form::RegisteredEntity);
    }
    for token in
        lower.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '&'))
    {
        let t = token.trim_end_matches('.');
        match t {
            "gmbh" | "ggmbh" | "mbh" | "ug" | "ag" | "kg" | "ohg" | "kgaa" | "se" | "eg"
            | "e.g" | "partg" | "partgmbb" | "e.v" | "ev" | "egbr" | "ltd" | "llc" | "inc"
            | "plc" | "llp" | "sarl" | "s.a.r.l" | "bv" | "b.v" | "nv" | "n.v" | "ab" | "as"
            | "a/s" | "oy" | "spa" | "s.p.a" | "srl" | "s.r.l" | "sa" | "s.a" => {
                return Some(Form::RegisteredEntity);
            }
            "e.k" | "e.kfm" | "e.kfr" | "ek" => return Some(Form::RegisteredMerchant),
            "gbr" => return Some(Form::Partnership),
            _ => {}
        }
    }
    None
}

fn t(lang: Language, en: &'static str, de: &'static str) -> &'static str {
    match lang {
        Language::En => en,
        Language::De => de,
    }
}

/// Tracks missing details while the pages are composed.
struct Missing<'a> {
    ui: &'a Ui,
    fields: Vec<String>,
}

impl Missing<'_> {
    /// The value, or a placeholder (and the field is recorded as missing).
    fn value(&mut self, value: Option<&String>, field: &str, label: &str) -> Inline {
        if let Some(v) = value {
            Inline::text(v.clone())
        } else {
            if !self.fields.iter().any(|f| f == field) {
                self.fields.push(field.to_owned());
            }
            Inline::placeholder(self.ui.placeholder.replace("{what}", label))
        }
    }
}

fn line(parts: Vec<Inline>) -> Vec<Inline> {
    parts
}

fn para(text: impl Into<String>) -> Block {
    Block::Para {
        content: vec![Inline::text(text)],
    }
}

fn section(heading: &str, blocks: Vec<Block>) -> Section {
    Section {
        id: None,
        heading: Some(heading.to_owned()),
        alt: false,
        blocks,
    }
}

/// The operator's name, address lines, with placeholders for what is missing.
fn operator_lines(
    spec: &Spec,
    m: &mut Missing<'_>,
    operator: Option<&String>,
    strict_address: bool,
) -> Vec<Vec<Inline>> {
    let lang = spec.language;
    let c = &spec.contact;
    let mut lines = vec![vec![m.value(
        operator,
        "legal_name",
        t(
            lang,
            "full name or company name with legal form",
            "vollständiger Name bzw. Firma mit Rechtsform",
        ),
    )]];
    if strict_address || c.street.is_some() || c.city.is_some() || c.postal_code.is_some() {
        lines.push(vec![m.value(
            c.street.as_ref(),
            "street",
            t(lang, "street and number", "Straße und Hausnummer"),
        )]);
        let mut city_line = vec![m.value(
            c.postal_code.as_ref(),
            "postal_code",
            t(lang, "postal code", "Postleitzahl"),
        )];
        city_line.push(Inline::text(" "));
        city_line.push(m.value(c.city.as_ref(), "city", t(lang, "city", "Ort")));
        lines.push(city_line);
    }
    let country = c.country.clone().or_else(|| {
        spec.region_code
            .as_deref()
            .and_then(|code| country_name(code, lang))
            .map(str::to_owned)
    });
    if let Some(country) = country {
        lines.push(vec![Inline::text(country)]);
    }
    lines
}

fn contact_lines(spec: &Spec, m: &mut Missing<'_>, need_phone: bool) -> Vec<Vec<Inline>> {
    let ui = m.ui;
    let lang = spec.language;
    let c = &spec.contact;
    let mut lines = Vec::new();
    if need_phone || c.phone.is_some() {
        let phone = match &c.phone {
            Some(p) => Inline::link(p.clone(), Target::url(crate::content::tel_url(p))),
            None => m.value(None, "phone", t(lang, "phone number", "Telefonnummer")),
        };
        lines.push(line(vec![Inline::text(format!("{}: ", ui.phone)), phone]));
    }
    let email = match &c.email {
        Some(e) => Inline::link(e.clone(), Target::url(format!("mailto:{e}"))),
        None => m.value(None, "email", t(lang, "e-mail address", "E-Mail-Adresse")),
    };
    lines.push(line(vec![Inline::text(format!("{}: ", ui.email)), email]));
    lines
}

/// Builds the Impressum (when the law asks for one) and the privacy policy.
pub fn pages(spec: &Spec, ui: &'static Ui) -> (Vec<Page>, LegalReport) {
    let mut m = Missing {
        ui,
        fields: Vec::new(),
    };
    let mut notes = Vec::new();
    let mut pages = Vec::new();
    let c = &spec.contact;

    // The legal name: given, or the business name when that already carries a legal form.
    let (operator, form) = match &c.legal_name {
        Some(name) => (Some(name.clone()), legal_form(name).unwrap_or(Form::Person)),
        None => match legal_form(&spec.business_name) {
            Some(form) => (Some(spec.business_name.clone()), form),
            None => (None, Form::Unknown),
        },
    };

    if spec.needs_impressum() {
        pages.push(impressum(
            spec,
            ui,
            &mut m,
            operator.as_ref(),
            form,
            &mut notes,
        ));
    }
    pages.push(privacy(spec, ui, &mut m, operator.as_ref(), &mut notes));

    if spec.template == Template::EcommerceBasic {
        notes.push("An online shop also needs terms and conditions, a cancellation (withdrawal) policy and shipping information; these pages are not generated.".into());
    }
    let report = LegalReport {
        pages: pages.iter().map(|p| p.id.clone()).collect(),
        missing: m.fields,
        notes,
    };
    (pages, report)
}

fn impressum(
    spec: &Spec,
    ui: &'static Ui,
    m: &mut Missing<'_>,
    operator: Option<&String>,
    form: Form,
    notes: &mut Vec<String>,
) -> Page {
    let lang = spec.language;
    let c = &spec.contact;
    let country = spec.region_code.as_deref().unwrap_or("DE");
    let basis = match (country, lang) {
        ("AT", Language::De) => {
            "Informationspflicht laut § 5 E-Commerce-Gesetz, § 14 Unternehmensgesetzbuch und § 25 Mediengesetz"
        }
        ("AT", Language::En) => {
            "Information pursuant to § 5 of the Austrian E-Commerce Act and § 25 of the Austrian Media Act"
        }
        ("CH", Language::De) => {
            "Angaben gemäß Art. 3 Abs. 1 lit. s des Bundesgesetzes gegen den unlauteren Wettbewerb (UWG)"
        }
        ("CH", Language::En) => {
            "Information pursuant to Art. 3(1)(s) of the Swiss Federal Act against Unfair Competition"
        }
        (_, Language::De) => "Angaben gemäß § 5 Digitale-Dienste-Gesetz (DDG)",
        (_, Language::En) => "Information pursuant to § 5 of the German Digital Services Act (DDG)",
    };
    let (court_label, number_label, vat_label, vat_short) = match (country, lang) {
        ("AT", Language::De) => (
            "Firmenbuchgericht",
            "Firmenbuchnummer",
            "UID-Nummer",
            "UID-Nummer",
        ),
        ("AT", Language::En) => (
            "Commercial register court",
            "Company register number",
            "VAT ID (UID)",
            "VAT ID",
        ),
        ("CH", Language::De) => (
            "Handelsregisteramt",
            "Unternehmens-Identifikationsnummer (UID)",
            "MWST-Nummer",
            "MWST-Nummer",
        ),
        ("CH", Language::En) => (
            "Commercial register office",
            "Business identification number (UID)",
            "VAT number",
            "VAT number",
        ),
        (_, Language::De) => (
            "Registergericht",
            "Registernummer",
            "Umsatzsteuer-Identifikationsnummer gemäß § 27a UStG",
            "USt-IdNr.",
        ),
        (_, Language::En) => (
            "Register court",
            "Register number",
            "VAT identification number (§ 27a UStG)",
            "VAT ID",
        ),
    };

    let mut sections = vec![section(
        t(lang, "Provider", "Anbieter"),
        vec![Block::Lines {
            lines: operator_lines(spec, m, operator, true),
        }],
    )];

    let needs_representative = matches!(
        form,
        Form::RegisteredEntity | Form::Partnership | Form::Unknown
    );
    if needs_representative || c.representative.is_some() {
        let rep = m.value(
            c.representative.as_ref(),
            "representative",
            t(
                lang,
                "represented by (managing director or owners)",
                "vertretungsberechtigte Person(en), z. B. Geschäftsführer",
            ),
        );
        sections.push(section(
            t(lang, "Represented by", "Vertreten durch"),
            vec![Block::Para { content: vec![rep] }],
        ));
    }

    sections.push(section(
        ui.contact,
        vec![Block::Lines {
            lines: contact_lines(spec, m, true),
        }],
    ));

    let needs_register = matches!(
        form,
        Form::RegisteredEntity | Form::RegisteredMerchant | Form::Unknown
    );
    if needs_register || c.register_court.is_some() || c.register_number.is_some() {
        let court = m.value(c.register_court.as_ref(), "register_court", court_label);
        let number = m.value(c.register_number.as_ref(), "register_number", number_label);
        sections.push(section(
            t(lang, "Register entry", "Registereintrag"),
            vec![Block::Lines {
                lines: vec![
                    vec![Inline::text(format!("{court_label}: ")), court],
                    vec![Inline::text(format!("{number_label}: ")), number],
                ],
            }],
        ));
        if form == Form::Unknown && (c.register_court.is_none() || c.register_number.is_none()) {
            notes.push("Register details are only needed if the business is entered in a commercial register; otherwise remove the \"Register entry\" section (or give `contact.legal_name`).".into());
        }
    }

    let needs_vat = matches!(form, Form::RegisteredEntity | Form::Unknown);
    if needs_vat || c.vat_id.is_some() {
        let vat = m.value(c.vat_id.as_ref(), "vat_id", vat_short);
        sections.push(section(
            t(lang, "VAT ID", "Umsatzsteuer-ID"),
            vec![Block::Para {
                content: vec![Inline::text(format!("{vat_label}: ")), vat],
            }],
        ));
        if c.vat_id.is_none() {
            notes.push(match lang {
                Language::De => {
                    "Eine USt-IdNr. muss nur angegeben werden, wenn das Unternehmen eine hat."
                        .into()
                }
                Language::En => "A VAT ID only has to be stated if the business has one.".into(),
            });
        }
    }

    if country == "DE" {
        sections.push(section(
            t(lang, "Consumer dispute resolution", "Verbraucherstreitbeilegung"),
            vec![para(t(
                lang,
                "We are neither willing nor obliged to take part in dispute resolution proceedings before a consumer arbitration board.",
                "Wir sind nicht bereit und nicht verpflichtet, an Streitbeilegungsverfahren vor einer Verbraucherschlichtungsstelle teilzunehmen.",
            ))],
        ));
        notes.push("Check the consumer dispute resolution statement (§ 36 VSBG): it states that the business does not take part in arbitration.".into());
    }

    Page {
        id: "impressum".into(),
        file: "impressum.html".into(),
        route: "/impressum".into(),
        dir: "impressum".into(),
        title: format!(
            "{} – {}",
            t(lang, "Legal notice (Impressum)", "Impressum"),
            spec.business_name
        ),
        description: match lang {
            Language::De => format!(
                "Impressum von {}: Anbieterkennzeichnung und Kontakt.",
                spec.business_name
            ),
            Language::En => format!(
                "Legal notice (Impressum) of {}: provider identification and contact details.",
                spec.business_name
            ),
        },
        h1: t(lang, "Legal notice (Impressum)", "Impressum").into(),
        lead: Some(basis.into()),
        intro: None,
        actions: Vec::new(),
        hero: false,
        sections,
        noindex: false,
        compact: true,
    }
}

fn privacy(
    spec: &Spec,
    ui: &'static Ui,
    m: &mut Missing<'_>,
    operator: Option<&String>,
    notes: &mut Vec<String>,
) -> Page {
    let lang = spec.language;
    let gdpr = spec.needs_impressum()
        || spec.region_code.is_none()
        || matches!(
            spec.region_code.as_deref(),
            Some(
                "AT" | "BE"
                    | "CZ"
                    | "DK"
                    | "ES"
                    | "FI"
                    | "FR"
                    | "IE"
                    | "IT"
                    | "LI"
                    | "LU"
                    | "NL"
                    | "NO"
                    | "PL"
                    | "PT"
                    | "SE"
                    | "GB"
            )
        );
    let shop = spec.template == Template::EcommerceBasic;
    let operator_or_brand = operator
        .cloned()
        .or_else(|| (!spec.needs_impressum()).then(|| spec.business_name.clone()));

    let mut sections = Vec::new();
    let mut controller = operator_lines(spec, m, operator_or_brand.as_ref(), gdpr);
    controller.extend(contact_lines(spec, m, false));
    sections.push(section(
        t(lang, "Who is responsible", "Verantwortlicher"),
        vec![
            para(t(
                lang,
                "Responsible for processing personal data on this website (the controller) is:",
                "Verantwortlich für die Verarbeitung personenbezogener Daten auf dieser Website ist:",
            )),
            Block::Lines { lines: controller },
        ],
    ));

    sections.push(section(
        t(lang, "In short", "Das Wichtigste in Kürze"),
        vec![para(t(
            lang,
            "This website uses no cookies, no tracking or analytics and no content from third parties such as web fonts, maps or videos. Every file is delivered by our own web server.",
            "Diese Website verwendet keine Cookies, kein Tracking und keine Analyse-Werkzeuge und bindet keine Inhalte Dritter wie Web-Schriftarten, Karten oder Videos ein. Alle Dateien werden von unserem eigenen Webserver ausgeliefert.",
        ))],
    ));

    let legal_basis_logs = if gdpr {
        t(
            lang,
            " (Art. 6(1)(f) GDPR)",
            " (Art. 6 Abs. 1 lit. f DSGVO)",
        )
    } else {
        ""
    };
    sections.push(section(
        t(lang, "Hosting and server log files", "Hosting und Server-Logfiles"),
        vec![
            para(format!(
                "{}{legal_basis_logs}. {}",
                t(
                    lang,
                    "When you open this website, the web server automatically processes the data your browser sends: IP address, date and time of the request, the page requested, the referring page, browser type and operating system. This is technically necessary to deliver the website and to keep it secure",
                    "Beim Aufruf dieser Website verarbeitet der Webserver automatisch die Daten, die Ihr Browser übermittelt: IP-Adresse, Datum und Uhrzeit des Abrufs, aufgerufene Seite, zuvor besuchte Seite, Browsertyp und Betriebssystem. Das ist technisch erforderlich, um die Website auszuliefern und ihre Sicherheit zu gewährleisten",
                ),
                t(
                    lang,
                    "These log files are kept only as long as needed for these purposes and are not combined with other data.",
                    "Diese Logfiles werden nur so lange gespeichert, wie es für diese Zwecke nötig ist, und nicht mit anderen Daten zusammengeführt.",
                ),
            )),
            para(if gdpr {
                t(
                    lang,
                    "If the website is run by a hosting provider, the provider processes these data on our behalf under a data processing agreement (Art. 28 GDPR).",
                    "Wird die Website bei einem Hosting-Anbieter betrieben, verarbeitet dieser die Daten in unserem Auftrag auf Grundlage eines Auftragsverarbeitungsvertrags (Art. 28 DSGVO).",
                )
            } else {
                t(lang, "If the website is run by a hosting provider, the provider processes these data on our behalf.", "")
            }),
        ],
    ));
    notes.push("Name the hosting provider in the privacy policy once it is chosen.".into());

    let legal_basis_contact = if gdpr {
        t(
            lang,
            " (Art. 6(1)(b) or (f) GDPR)",
            " (Art. 6 Abs. 1 lit. b bzw. f DSGVO)",
        )
    } else {
        ""
    };
    sections.push(section(
        t(lang, "When you contact us", "Wenn Sie uns kontaktieren"),
        vec![para(format!(
            "{}{legal_basis_contact}. {}",
            t(
                lang,
                "If you write to us or call us, we process the details you give us (such as your name, e-mail address and message) to answer your enquiry",
                "Wenn Sie uns schreiben oder anrufen, verarbeiten wir Ihre Angaben (etwa Name, E-Mail-Adresse und Nachricht), um Ihre Anfrage zu beantworten",
            ),
            t(
                lang,
                "The contact form on this website does not send anything itself: it opens your own e-mail program. We delete your data once your enquiry is settled, unless the law requires us to keep it.",
                "Das Kontaktformular dieser Website sendet selbst nichts, sondern öffnet Ihr eigenes E-Mail-Programm. Wir löschen Ihre Daten, sobald Ihre Anfrage erledigt ist, soweit keine gesetzlichen Aufbewahrungspflichten bestehen.",
            ),
        ))],
    ));

    if shop {
        let basis = if gdpr {
            t(
                lang,
                " (Art. 6(1)(b) and (c) GDPR)",
                " (Art. 6 Abs. 1 lit. b und c DSGVO)",
            )
        } else {
            ""
        };
        let provider = m.value(
            None,
            "payment_provider",
            t(
                lang,
                "name and privacy policy of the payment provider",
                "Name und Datenschutzhinweise des Zahlungsanbieters",
            ),
        );
        sections.push(section(
            t(lang, "Orders and payment", "Bestellungen und Zahlung"),
            vec![
                para(format!(
                    "{}{basis}.",
                    t(
                        lang,
                        "When you order, we process the details you enter at checkout (name, address, e-mail address, phone number if given, the products ordered) to fulfil the contract and to meet our statutory retention duties for commercial and tax records",
                        "Wenn Sie bestellen, verarbeiten wir die Angaben aus dem Bestellformular (Name, Anschrift, E-Mail-Adresse, gegebenenfalls Telefonnummer, bestellte Produkte), um den Vertrag zu erfüllen und die handels- und steuerrechtlichen Aufbewahrungspflichten einzuhalten",
                    )
                )),
                Block::Para {
                    content: vec![
                        Inline::text(t(
                            lang,
                            "To process the payment we pass the data needed for it to our payment provider: ",
                            "Zur Abwicklung der Zahlung geben wir die dafür nötigen Daten an unseren Zahlungsanbieter weiter: ",
                        )),
                        provider,
                    ],
                },
            ],
        ));
        sections.push(section(
            t(lang, "Shopping cart in your browser", "Warenkorb in Ihrem Browser"),
            vec![para(format!(
                "{}{}",
                t(
                    lang,
                    "Your shopping cart is stored only in your own browser (local storage); it is not sent to us until you order. No cookies are used.",
                    "Ihr Warenkorb wird nur in Ihrem eigenen Browser gespeichert (Local Storage) und erst mit einer Bestellung an uns übermittelt. Cookies werden dafür nicht verwendet.",
                ),
                match (gdpr, lang) {
                    (true, Language::De) => " Die Speicherung ist für den von Ihnen gewünschten Warenkorb unbedingt erforderlich (§ 25 Abs. 2 Nr. 2 TDDDG). Sie können sie jederzeit löschen, indem Sie den Warenkorb leeren oder die Website-Daten in Ihrem Browser entfernen.",
                    (true, Language::En) => " Storing it is strictly necessary for the cart you asked for (§ 25(2) no. 2 TDDDG). You can delete it at any time by emptying the cart or clearing this site's data in your browser.",
                    (false, Language::En) => " You can delete it at any time by emptying the cart or clearing this site's data in your browser.",
                    (false, Language::De) => " Sie können ihn jederzeit löschen, indem Sie den Warenkorb leeren oder die Website-Daten in Ihrem Browser entfernen.",
                }
            ))],
        ));
    }

    let rights: Vec<&str> = if gdpr {
        match lang {
            Language::De => vec![
                "Auskunft über die zu Ihrer Person gespeicherten Daten (Art. 15 DSGVO)",
                "Berichtigung unrichtiger Daten (Art. 16 DSGVO)",
                "Löschung (Art. 17 DSGVO) und Einschränkung der Verarbeitung (Art. 18 DSGVO)",
                "Datenübertragbarkeit (Art. 20 DSGVO)",
                "Widerspruch gegen Verarbeitungen auf Grundlage berechtigter Interessen (Art. 21 DSGVO)",
                "Beschwerde bei einer Datenschutz-Aufsichtsbehörde (Art. 77 DSGVO)",
            ],
            Language::En => vec![
                "access to the data we hold about you (Art. 15 GDPR)",
                "rectification of inaccurate data (Art. 16 GDPR)",
                "erasure (Art. 17 GDPR) and restriction of processing (Art. 18 GDPR)",
                "data portability (Art. 20 GDPR)",
                "objection to processing based on legitimate interests (Art. 21 GDPR)",
                "lodging a complaint with a data protection supervisory authority (Art. 77 GDPR)",
            ],
        }
    } else {
        vec![
            "access to the personal data we hold about you",
            "correction of inaccurate data",
            "deletion of your data",
            "objection to processing, where the law where you live provides for it",
        ]
    };
    sections.push(section(
        t(lang, "Your rights", "Ihre Rechte"),
        vec![
            para(t(
                lang,
                "You have the right to:",
                "Sie haben das Recht auf:",
            )),
            Block::List {
                items: rights.into_iter().map(|r| vec![Inline::text(r)]).collect(),
            },
            para(t(
                lang,
                "To exercise these rights, write to us at the contact details above.",
                "Wenden Sie sich dazu an die oben genannten Kontaktdaten.",
            )),
        ],
    ));

    Page {
        id: "privacy".into(),
        file: t(lang, "privacy.html", "datenschutz.html").into(),
        route: t(lang, "/privacy", "/datenschutz").into(),
        dir: t(lang, "privacy", "datenschutz").into(),
        title: format!("{} – {}", ui.privacy_title, spec.business_name),
        description: match lang {
            Language::De => format!(
                "Datenschutzerklärung von {}: welche Daten wir verarbeiten und welche Rechte Sie haben.",
                spec.business_name
            ),
            Language::En => format!(
                "Privacy policy of {}: which data we process and what rights you have.",
                spec.business_name
            ),
        },
        h1: ui.privacy_title.into(),
        lead: None,
        intro: None,
        actions: Vec::new(),
        hero: false,
        sections,
        noindex: false,
        compact: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_form_is_read_from_the_name() {
        let check = |name: &str, want: Option<Form>| assert_eq!(legal_form(name), want, "{name}");
        check("Acme Consulting GmbH", Some(Form::RegisteredEntity));
        check(
            "Müller UG (haftungsbeschränkt)",
            Some(Form::RegisteredEntity),
        );
        check("Muster GmbH & Co. KG", Some(Form::RegisteredEntity));
        check("Blumen Schmidt e.K.", Some(Form::RegisteredMerchant));
        check("Meier & Partner GbR", Some(Form::Partnership));
        check("Erika Mustermann", None);
        check("Agile Coaching", None);
    }
}
