//! The node's params (the `webgenesis` section of the params contract) and their
//! normalisation into a [`Spec`]: defaults filled in (slug, language, currency), text trimmed,
//! and every problem with the params collected into one error so the user fixes them at once.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::money::Currency;

/// Which site to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Template {
    /// One landing page (plus legal pages): plain HTML and CSS.
    StaticLanding,
    /// Home, about, services and contact; a static site plus a Next.js project.
    NextjsBusiness,
    /// Home, products, cart and checkout with a client-side cart; static site plus Next.js.
    EcommerceBasic,
}

impl Template {
    pub fn name(self) -> &'static str {
        match self {
            Self::StaticLanding => "static-landing",
            Self::NextjsBusiness => "nextjs-business",
            Self::EcommerceBasic => "ecommerce-basic",
        }
    }

    /// Whether the template also yields a Next.js project.
    pub fn has_nextjs(self) -> bool {
        !matches!(self, Self::StaticLanding)
    }
}

/// Language of every text on the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Language {
    /// English.
    #[serde(rename = "en", alias = "EN", alias = "en-US", alias = "en-GB")]
    En,
    /// German.
    #[serde(
        rename = "de",
        alias = "DE",
        alias = "de-DE",
        alias = "de-AT",
        alias = "de-CH"
    )]
    De,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
        }
    }
    /// The BCP 47 locale used for number formatting (here and in the browser's `Intl`).
    pub fn locale(self) -> &'static str {
        match self {
            Self::En => "en-US",
            Self::De => "de-DE",
        }
    }
}

/// A service the business offers.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceParam {
    /// Name of the service, e.g. "Website audits".
    pub name: String,
    /// One or two sentences on what the customer gets.
    #[serde(default)]
    pub description: Option<String>,
}

/// A product in the shop catalogue (`ecommerce-basic`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductParam {
    /// Product name.
    pub name: String,
    /// Short description shown in the catalogue.
    #[serde(default)]
    pub description: Option<String>,
    /// Gross price in the currency's major unit (e.g. 12.5 for 12,50 EUR).
    pub price: f64,
    /// ISO 4217 code; default "EUR". All products of a shop share one currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Stock-keeping unit; identifies the product in the cart (derived from the name when absent).
    #[serde(default)]
    pub sku: Option<String>,
}

/// The operator's details, used for the contact page, the Impressum and the privacy policy.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactParam {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    /// Full legal name: the company with its legal form ("Acme `GmbH`") or the owner's full name.
    pub legal_name: Option<String>,
    /// Who represents the company (managing director, owners).
    pub representative: Option<String>,
    /// Register court, e.g. "Amtsgericht Berlin-Charlottenburg".
    pub register_court: Option<String>,
    /// Register number, e.g. "HRB 123456 B".
    pub register_number: Option<String>,
    /// VAT identification number, e.g. "DE123456789".
    pub vat_id: Option<String>,
}

/// Params of the `webgenesis` node.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteParams {
    /// Site template: `static-landing` (home), `nextjs-business` (home, about, services,
    /// contact) or `ecommerce-basic` (home, products, cart, checkout).
    pub template: Template,
    /// The business's name as customers know it.
    pub business_name: String,
    /// Directory name for the site ([a-z0-9-]); derived from `business_name` when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// Short claim shown under the name.
    #[serde(default)]
    pub tagline: Option<String>,
    /// Longer description of the business: what it does and why.
    #[serde(default)]
    pub vision: Option<String>,
    /// Services offered.
    #[serde(default)]
    pub services: Vec<ServiceParam>,
    /// Products for the shop (`ecommerce-basic`).
    #[serde(default)]
    pub products: Vec<ProductParam>,
    /// Who the business serves.
    #[serde(default)]
    pub audience: Option<String>,
    /// ISO 3166 alpha-2 code like "DE", or a country name.
    #[serde(default)]
    pub region: Option<String>,
    /// `en` or `de`; default `de` when the region is DE, AT or CH, else `en`.
    #[serde(default)]
    pub language: Option<Language>,
    /// The domain the site will live at, e.g. "acme.de" (used for canonical URLs and the sitemap).
    #[serde(default)]
    pub domain: Option<String>,
    /// The operator's contact and legal details.
    #[serde(default)]
    pub contact: Option<ContactParam>,
}

/// A service after normalisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: String,
    pub description: Option<String>,
}

/// A product after normalisation: price in minor units, a unique id for the cart.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub price_minor: u64,
    pub sku: Option<String>,
}

/// The operator's details after normalisation (trimmed, empty strings dropped).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub legal_name: Option<String>,
    pub representative: Option<String>,
    pub register_court: Option<String>,
    pub register_number: Option<String>,
    pub vat_id: Option<String>,
}

/// Everything the renderers need, validated and with defaults applied.
#[derive(Debug, Clone)]
pub struct Spec {
    pub template: Template,
    pub business_name: String,
    pub slug: String,
    pub tagline: Option<String>,
    pub vision: Option<String>,
    pub services: Vec<Service>,
    pub products: Vec<Product>,
    pub currency: Currency,
    pub audience: Option<String>,
    /// ISO alpha-2 code when the region was recognised.
    pub region_code: Option<String>,
    /// The region as given, when it was not recognised as a country.
    pub region_text: Option<String>,
    pub language: Language,
    /// Lowercase ASCII host name, without scheme or path.
    pub domain: Option<String>,
    pub contact: Contact,
}

impl Spec {
    /// Base URL with a trailing slash, when a domain is known.
    pub fn base_url(&self) -> Option<String> {
        self.domain.as_ref().map(|d| format!("https://{d}/"))
    }

    /// Whether German law applies to the site (an Impressum is then mandatory).
    pub fn needs_impressum(&self) -> bool {
        matches!(self.region_code.as_deref(), Some("DE" | "AT" | "CH"))
            || self.language == Language::De
    }
}

fn clean(s: Option<&String>) -> Option<String> {
    s.map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Countries recognised by name or code: (alpha-2, English name, German name).
pub const COUNTRIES: &[(&str, &str, &str)] = &[
    ("DE", "Germany", "Deutschland"),
    ("AT", "Austria", "Österreich"),
    ("CH", "Switzerland", "Schweiz"),
    ("LI", "Liechtenstein", "Liechtenstein"),
    ("LU", "Luxembourg", "Luxemburg"),
    ("NL", "Netherlands", "Niederlande"),
    ("BE", "Belgium", "Belgien"),
    ("FR", "France", "Frankreich"),
    ("IT", "Italy", "Italien"),
    ("ES", "Spain", "Spanien"),
    ("PT", "Portugal", "Portugal"),
    ("PL", "Poland", "Polen"),
    ("CZ", "Czechia", "Tschechien"),
    ("DK", "Denmark", "Dänemark"),
    ("SE", "Sweden", "Schweden"),
    ("NO", "Norway", "Norwegen"),
    ("FI", "Finland", "Finnland"),
    ("IE", "Ireland", "Irland"),
    ("GB", "United Kingdom", "Vereinigtes Königreich"),
    ("US", "United States", "Vereinigte Staaten"),
    ("CA", "Canada", "Kanada"),
    ("AU", "Australia", "Australien"),
    ("NZ", "New Zealand", "Neuseeland"),
    ("IN", "India", "Indien"),
    ("JP", "Japan", "Japan"),
];

/// Other names people use for the same countries.
const COUNTRY_ALIASES: &[(&str, &str)] = &[
    ("uk", "GB"),
    ("great britain", "GB"),
    ("england", "GB"),
    ("usa", "US"),
    ("united states of america", "US"),
    ("america", "US"),
    ("the netherlands", "NL"),
    ("holland", "NL"),
    ("czech republic", "CZ"),
    ("germany", "DE"),
    ("bundesrepublik deutschland", "DE"),
    ("österreich", "AT"),
    ("oesterreich", "AT"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
    ("svizzera", "CH"),
];

/// The ISO alpha-2 code for a region given as a code or a country name.
pub fn country_code(region: &str) -> Option<&'static str> {
    let r = region.trim();
    let lower = r.to_lowercase();
    COUNTRIES
        .iter()
        .find(|(code, en, de)| {
            code.eq_ignore_ascii_case(r) || en.to_lowercase() == lower || de.to_lowercase() == lower
        })
        .map(|(code, _, _)| *code)
        .or_else(|| {
            COUNTRY_ALIASES
                .iter()
                .find(|(alias, _)| *alias == lower)
                .map(|(_, code)| *code)
        })
}

/// The country's name in `lang`, for a recognised code.
pub fn country_name(code: &str, lang: Language) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, en, de)| match lang {
            Language::En => *en,
            Language::De => *de,
        })
}

/// Turns free text into `[a-z0-9-]`, transliterating German umlauts and common accents.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match ch {
            'ä' | 'æ' => "ae",
            'ö' | 'ø' | 'œ' => "oe",
            'ü' => "ue",
            'ß' => "ss",
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' => "a",
            'ç' | 'č' | 'ć' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' => "o",
            'ù' | 'ú' | 'û' => "u",
            'ý' | 'ÿ' => "y",
            'ł' => "l",
            'š' | 'ś' => "s",
            'ž' | 'ź' | 'ż' => "z",
            '&' => "-und-",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "-",
        };
        out.push_str(mapped);
    }
    let mut slug = String::new();
    for part in out.split('-').filter(|p| !p.is_empty()) {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(part);
    }
    truncate_slug(&slug, 63)
}

fn truncate_slug(slug: &str, max: usize) -> String {
    if slug.len() <= max {
        return slug.to_owned();
    }
    slug[..max].trim_end_matches('-').to_owned()
}

fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 63
        && slug.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// A short stable hash (FNV-1a) for fallbacks that must not change between runs.
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Normalises a domain: strips a scheme, a path and a trailing dot; lowercases; checks labels.
fn normalise_domain(raw: &str) -> Result<String, String> {
    let mut d = raw.trim();
    for scheme in ["https://", "http://"] {
        if d.len() >= scheme.len() && d[..scheme.len()].eq_ignore_ascii_case(scheme) {
            d = &d[scheme.len()..];
        }
    }
    let d = d
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('.');
    let d = d.to_lowercase();
    let ascii = if d.is_ascii() {
        d.clone()
    } else {
        crate::punycode::domain_to_ascii(&d)?
    };
    let labels: Vec<&str> = ascii.split('.').collect();
    let valid = ascii.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if valid {
        Ok(ascii)
    } else {
        Err(format!(
            "`domain` {raw:?} is not a host name like \"example.com\" (labels of a-z, 0-9 and -, at least two)"
        ))
    }
}

fn is_plausible_email(email: &str) -> bool {
    let Some((local, host)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '"' || c == ',')
        && !host.contains('@')
}

/// Validates and normalises params; every problem is reported in one message.
pub fn normalise(p: &SiteParams) -> Result<Spec, String> {
    let mut problems: Vec<String> = Vec::new();

    let business_name = p
        .business_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if business_name.is_empty() {
        problems
            .push("`business_name` is empty; give the name customers know the business by".into());
    } else if business_name.chars().count() > 120 {
        problems.push("`business_name` is longer than 120 characters; shorten it".into());
    }

    let slug = match clean(p.slug.as_ref()) {
        Some(s) if is_valid_slug(&s) => s,
        Some(s) => {
            problems.push(format!(
                "`slug` {s:?} must be 1 to 63 characters of a-z, 0-9 and single hyphens (no path separators); \
                 or leave it out to derive it from the business name"
            ));
            String::new()
        }
        None => {
            let derived = slugify(&business_name);
            if derived.is_empty() {
                format!("site-{:08x}", stable_hash(&business_name) & 0xffff_ffff)
            } else {
                derived
            }
        }
    };

    let (region_code, region_text) = match clean(p.region.as_ref()) {
        Some(r) => match country_code(&r) {
            Some(code) => (Some(code.to_owned()), None),
            None => (None, Some(r)),
        },
        None => (None, None),
    };
    let language = p.language.unwrap_or(match region_code.as_deref() {
        Some("DE" | "AT" | "CH" | "LI") => Language::De,
        _ => Language::En,
    });

    let domain = match clean(p.domain.as_ref()) {
        Some(d) => match normalise_domain(&d) {
            Ok(d) => Some(d),
            Err(e) => {
                problems.push(e);
                None
            }
        },
        None => None,
    };

    let services: Vec<Service> = p
        .services
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let name = s.name.trim();
            if name.is_empty() {
                problems.push(format!(
                    "`services[{i}].name` is empty; give each service a name"
                ));
                return None;
            }
            Some(Service {
                name: name.to_owned(),
                description: clean(s.description.as_ref()),
            })
        })
        .collect();

    let mut currencies: BTreeSet<String> = BTreeSet::new();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut products = Vec::new();
    for (i, pr) in p.products.iter().enumerate() {
        let name = pr.name.trim();
        if name.is_empty() {
            problems.push(format!(
                "`products[{i}].name` is empty; give each product a name"
            ));
        }
        let code = clean(pr.currency.as_ref())
            .unwrap_or_else(|| "EUR".into())
            .to_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            currencies.insert(code.clone());
        } else {
            problems.push(format!(
                "`products[{i}].currency` {code:?} is not an ISO 4217 code like \"EUR\""
            ));
        }
        let decimals = Currency::new(&code).decimals;
        let scaled = pr.price * 10f64.powi(i32::from(decimals));
        let price_minor = if pr.price.is_finite() && pr.price >= 0.0 && scaled < 1e13 {
            // The cast cannot truncate: the value is finite, non-negative and below 1e13.
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "range checked above"
            )]
            let minor = scaled.round() as u64;
            minor
        } else {
            problems.push(format!(
                "`products[{i}].price` {} must be a non-negative amount below 10^{}",
                pr.price,
                13 - i32::from(decimals)
            ));
            0
        };
        let sku = clean(pr.sku.as_ref());
        let id = if let Some(s) = &sku {
            s.clone()
        } else {
            let base = match slugify(name) {
                s if s.is_empty() => format!("product-{}", i + 1),
                s => s,
            };
            let mut id = base.clone();
            let mut n = 2;
            while ids.contains(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            id
        };
        if !ids.insert(id.clone()) {
            problems.push(format!(
                "`products[{i}].sku` {id:?} is used by another product; SKUs must be unique"
            ));
        }
        products.push(Product {
            id,
            name: name.to_owned(),
            description: clean(pr.description.as_ref()),
            price_minor,
            sku,
        });
    }
    if currencies.len() > 1 {
        let list = currencies.iter().cloned().collect::<Vec<_>>().join(", ");
        problems.push(format!(
            "`products` use several currencies ({list}); one shop takes one currency, so give every product the same `currency`"
        ));
    }
    let currency = Currency::new(currencies.iter().next().map_or("EUR", String::as_str));

    let c = p.contact.clone().unwrap_or_default();
    let contact = Contact {
        email: clean(c.email.as_ref()),
        phone: clean(c.phone.as_ref()),
        street: clean(c.street.as_ref()),
        postal_code: clean(c.postal_code.as_ref()),
        city: clean(c.city.as_ref()),
        country: clean(c.country.as_ref()),
        legal_name: clean(c.legal_name.as_ref()),
        representative: clean(c.representative.as_ref()),
        register_court: clean(c.register_court.as_ref()),
        register_number: clean(c.register_number.as_ref()),
        vat_id: clean(c.vat_id.as_ref()),
    };
    if let Some(email) = &contact.email
        && !is_plausible_email(email)
    {
        problems.push(format!(
            "`contact.email` {email:?} is not an e-mail address like \"info@example.com\""
        ));
    }
    if let Some(phone) = &contact.phone
        && !phone.chars().any(|c| c.is_ascii_digit())
    {
        problems.push(format!("`contact.phone` {phone:?} contains no digits"));
    }

    if !problems.is_empty() {
        let mut msg = format!("{} problem(s) with the webgenesis params:", problems.len());
        for p in &problems {
            let _ = write!(msg, "\n- {p}");
        }
        return Err(msg);
    }

    Ok(Spec {
        template: p.template,
        business_name,
        slug,
        tagline: clean(p.tagline.as_ref()),
        vision: clean(p.vision.as_ref()),
        services,
        products,
        currency,
        audience: clean(p.audience.as_ref()),
        region_code,
        region_text,
        language,
        domain,
        contact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<Spec, String> {
        let p: SiteParams = serde_json::from_value(v).map_err(|e| e.to_string())?;
        normalise(&p)
    }

    #[test]
    fn slugify_transliterates_umlauts_and_collapses_separators() {
        let check = |input: &str, want: &str| assert_eq!(slugify(input), want, "{input}");
        check(
            "Bäckerei Müller & Söhne GmbH",
            "baeckerei-mueller-und-soehne-gmbh",
        );
        check("  Acme -- Consulting!! ", "acme-consulting");
        check("<script>alert(1)</script>", "script-alert-1-script");
        check("../../etc/passwd", "etc-passwd");
        check("東京", "");
    }

    #[test]
    fn language_defaults_to_german_for_dach_regions_only() {
        let check = |region: &str, want: Language| {
            let s = parse(json!({"template":"static-landing","business_name":"X","region":region}))
                .unwrap();
            assert_eq!(s.language, want, "{region}");
        };
        check("DE", Language::De);
        check("Deutschland", Language::De);
        check("austria", Language::De);
        check("US", Language::En);
        check("Atlantis", Language::En);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let err = parse(json!({
            "template": "ecommerce-basic", "business_name": "  ", "slug": "../evil",
            "domain": "not a domain", "contact": {"email": "nope"},
            "products": [{"name": "A", "price": -1}, {"name": "B", "price": 1, "currency": "USD"}]
        }))
        .unwrap_err();
        for needle in [
            "business_name",
            "slug",
            "domain",
            "contact.email",
            "products[0].price",
            "several currencies",
        ] {
            assert!(err.contains(needle), "missing {needle} in {err}");
        }
    }

    #[test]
    fn domain_is_normalised_from_urls_and_unicode() {
        let s = parse(json!({"template":"static-landing","business_name":"X","domain":"HTTPS://Acme.DE/start"})).unwrap();
        assert_eq!(s.domain.as_deref(), Some("acme.de"));
        let s = parse(
            json!({"template":"static-landing","business_name":"X","domain":"bäckerei-müller.de"}),
        )
        .unwrap();
        assert_eq!(s.domain.as_deref(), Some("xn--bckerei-mller-bfb28a.de"));
    }

    #[test]
    fn product_ids_are_unique_and_prices_in_minor_units() {
        let s = parse(json!({"template":"ecommerce-basic","business_name":"X","products":[
            {"name":"Tea","price":4.2},{"name":"Tea","price":1.005},{"name":"Yen thing","price":0}]}))
        .unwrap();
        let ids: Vec<_> = s.products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["tea", "tea-2", "yen-thing"]);
        assert_eq!(s.products[0].price_minor, 420);
    }

    #[test]
    fn rejects_duplicate_skus_and_unknown_fields() {
        let err = parse(
            json!({"template":"ecommerce-basic","business_name":"X","products":[
            {"name":"A","price":1,"sku":"S1"},{"name":"B","price":2,"sku":"S1"}]}),
        )
        .unwrap_err();
        assert!(err.contains("SKUs must be unique"), "{err}");
        assert!(
            parse(json!({"template":"static-landing","business_name":"X","colour":"red"})).is_err()
        );
    }
}
