//! Native tests of the whole node: rendering of every template in both languages, the legal
//! pages, escaping, the shop, the Next.js project, and the node's execute / dry run / rollback
//! against a `TestHost` whose mounts are temporary directories.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use abp_node_sdk::testing::{Call, TestHost, call, invocation};
use abp_node_sdk::{Node, NodeError, Value, json};

use crate::params::Template;
use crate::{Rendered, SiteParams, WebGenesis, render, samples};

const TEMPLATES: [Template; 3] = [
    Template::StaticLanding,
    Template::NextjsBusiness,
    Template::EcommerceBasic,
];

fn render_json(v: &Value) -> Result<Rendered, String> {
    let p: SiteParams = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    render(&p)
}

fn file<'a>(r: &'a Rendered, path: &str) -> &'a str {
    r.files
        .iter()
        .find(|f| f.path == path)
        .map_or_else(|| panic!("no file {path}"), |f| f.contents.as_str())
}

fn has(r: &Rendered, path: &str) -> bool {
    r.files.iter().any(|f| f.path == path)
}

fn site_pages(r: &Rendered) -> Vec<(&str, &str)> {
    r.files
        .iter()
        .filter(|f| {
            f.path.starts_with("site/")
                && Path::new(&f.path).extension().is_some_and(|e| e == "html")
        })
        .map(|f| (f.path.as_str(), f.contents.as_str()))
        .collect()
}

/// Renders a template sample and checks everything every site must have.
fn check(template: Template, lang: &str, expected_pages: &[&str]) -> Rendered {
    let params = samples::params(template, lang);
    let r = render_json(&params).unwrap();
    let label = format!("{} {lang}", template.name());
    assert!(r.validation.ok, "{label}: {:#?}", r.validation.errors);
    assert_eq!(r.pages, expected_pages, "{label}");
    assert_eq!(r.validation.page_count.expected, expected_pages.len());
    assert_eq!(r.validation.page_count.actual, expected_pages.len());

    let name = params["business_name"].as_str().unwrap();
    let domain = params["domain"].as_str().unwrap();
    let sitemap = file(&r, "site/sitemap.xml");
    assert!(
        file(&r, "site/robots.txt").contains(&format!("Sitemap: https://{domain}/sitemap.xml")),
        "{label}"
    );
    for (path, html) in site_pages(&r)
        .into_iter()
        .filter(|(p, _)| !p.ends_with("404.html"))
    {
        assert!(
            html.starts_with("<!DOCTYPE html>\n<html lang=\""),
            "{label} {path}"
        );
        assert!(
            html.contains(&format!("<html lang=\"{lang}\">")),
            "{label} {path}: lang"
        );
        assert!(
            html.contains("<meta charset=\"utf-8\">") && html.contains("name=\"viewport\""),
            "{label} {path}"
        );
        let title = html
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap();
        assert!(
            title.contains(&crate::html::escape(name)),
            "{label} {path}: title {title:?} lacks the name"
        );
        assert!(
            html.contains("<meta name=\"description\" content=\""),
            "{label} {path}"
        );
        for tag in [
            "og:title",
            "og:description",
            "og:type",
            "og:locale",
            "og:url",
            "og:site_name",
        ] {
            assert!(
                html.contains(&format!("property=\"{tag}\"")),
                "{label} {path}: {tag}"
            );
        }
        let file_name = path.trim_start_matches("site/");
        let url = if file_name == "index.html" {
            format!("https://{domain}/")
        } else {
            format!("https://{domain}/{file_name}")
        };
        assert!(
            html.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")),
            "{label} {path}: canonical"
        );
        let indexable = !html.contains("content=\"noindex");
        assert_eq!(
            sitemap.contains(&format!("<loc>{url}</loc>")),
            indexable,
            "{label} {path}: sitemap entry"
        );
        for landmark in [
            "<header",
            "<nav",
            "<main id=\"main\"",
            "<footer",
            "class=\"skip-link\" href=\"#main\"",
        ] {
            assert!(html.contains(landmark), "{label} {path}: {landmark}");
        }
        assert_eq!(html.matches("<h1>").count(), 1, "{label} {path}");
        assert_labelled_inputs(&label, path, html);
    }
    let css = file(&r, "site/assets/style.css");
    assert!(
        css.contains("prefers-color-scheme: dark") && css.contains(":focus-visible"),
        "{label}"
    );
    assert_no_external_requests(&label, &r);
    r
}

/// Every `<input id>` / `<textarea id>` has a `<label for>`.
fn assert_labelled_inputs(label: &str, path: &str, html: &str) {
    for tag in ["<input ", "<textarea "] {
        for part in html.split(tag).skip(1) {
            let id = part
                .split("id=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("{label} {path}: {tag} without id"));
            assert!(
                html.contains(&format!("<label for=\"{id}\">")),
                "{label} {path}: no label for {id}"
            );
        }
    }
}

/// Nothing in the static site loads from another origin.
fn assert_no_external_requests(label: &str, r: &Rendered) {
    for f in r.files.iter().filter(|f| f.path.starts_with("site/")) {
        for needle in [
            "src=\"http",
            "src=\"//",
            "@import",
            "url(",
            "fonts.googleapis",
            "cdn.",
        ] {
            assert!(
                !f.contents.contains(needle),
                "{label} {}: contains {needle}",
                f.path
            );
        }
        for line in f.contents.lines().filter(|l| l.contains("<link ")) {
            assert!(
                !line.contains("href=\"http") || line.contains("rel=\"canonical\""),
                "{label} {}: {line}",
                f.path
            );
        }
    }
}

#[test]
fn static_landing_renders_in_english_and_german() {
    check(Template::StaticLanding, "en", &["home", "privacy"]);
    let de = check(
        Template::StaticLanding,
        "de",
        &["home", "impressum", "privacy"],
    );
    assert!(has(&de, "site/impressum.html") && has(&de, "site/datenschutz.html"));
    assert!(
        !de.files.iter().any(|f| f.path.starts_with("nextjs/")),
        "static template has no Next.js project"
    );
}

#[test]
fn nextjs_business_renders_in_english_and_german() {
    let en = check(
        Template::NextjsBusiness,
        "en",
        &["home", "about", "services", "contact", "privacy"],
    );
    for f in [
        "site/about.html",
        "site/services.html",
        "site/contact.html",
        "site/privacy.html",
    ] {
        assert!(has(&en, f), "{f}");
    }
    check(
        Template::NextjsBusiness,
        "de",
        &[
            "home",
            "about",
            "services",
            "contact",
            "impressum",
            "privacy",
        ],
    );
}

#[test]
fn ecommerce_basic_renders_in_english_and_german() {
    check(
        Template::EcommerceBasic,
        "en",
        &["home", "products", "cart", "checkout", "privacy"],
    );
    check(
        Template::EcommerceBasic,
        "de",
        &[
            "home",
            "products",
            "cart",
            "checkout",
            "impressum",
            "privacy",
        ],
    );
}

#[test]
fn content_comes_from_the_params() {
    let r = render_json(&samples::params(Template::NextjsBusiness, "de")).unwrap();
    let home = file(&r, "site/index.html");
    for text in [
        "Acme Consulting",
        "IT-Beratung für den Mittelstand",
        "Cloud-Migration",
        "mittelständische Unternehmen",
        "Berlin",
    ] {
        assert!(home.contains(text), "home lacks {text}");
    }
    let services = file(&r, "site/services.html");
    assert!(services.contains("Sicherer Umzug Ihrer Anwendungen"));
    let all: String = r.files.iter().map(|f| f.contents.as_str()).collect();
    assert!(!all.to_lowercase().contains("lorem ipsum"));
}

#[test]
fn german_sites_use_german_ui_strings_only() {
    for template in TEMPLATES {
        let r = render_json(&samples::params(template, "de")).unwrap();
        for (path, html) in site_pages(&r) {
            for english in [
                "Skip to content",
                "Main navigation",
                "Privacy policy",
                "Add to cart",
                "Your cart",
                "Get in touch",
                "Legal notice",
                "Continue to payment",
                "Page not found",
            ] {
                assert!(
                    !html.contains(english),
                    "{} {path}: English `{english}`",
                    template.name()
                );
            }
        }
        let home = file(&r, "site/index.html");
        assert!(
            home.contains("Zum Inhalt springen") && home.contains("Datenschutz"),
            "{}",
            template.name()
        );
    }
}

#[test]
fn german_impressum_marks_missing_details_and_lists_them() {
    let r = render_json(&json!({
        "template": "static-landing", "business_name": "Blumen am Markt", "region": "DE",
        "contact": { "email": "info@blumen.test", "city": "Köln" }
    }))
    .unwrap();
    assert!(r.validation.ok, "{:?}", r.validation.errors);
    let imp = file(&r, "site/impressum.html");
    assert!(imp.contains("[Bitte ergänzen: Registergericht]"), "{imp}");
    assert!(imp.contains("[Bitte ergänzen: Straße und Hausnummer]"));
    assert!(imp.contains("Köln") && imp.contains("info@blumen.test"));
    for field in [
        "legal_name",
        "street",
        "postal_code",
        "phone",
        "representative",
        "register_court",
        "register_number",
    ] {
        assert!(
            r.legal.missing.iter().any(|m| m == field),
            "missing should list {field}: {:?}",
            r.legal.missing
        );
    }
    for given in ["email", "city"] {
        assert!(
            !r.legal.missing.iter().any(|m| m == given),
            "{given} was given"
        );
    }
    assert!(file(&r, "site/datenschutz.html").contains("Datenschutzerklärung"));
}

#[test]
fn complete_details_leave_no_placeholders() {
    let check_complete = |legal_name: &str, extra: Value| {
        let mut contact = json!({
            "email": "info@x.test", "phone": "+49 30 1", "street": "Weg 1", "postal_code": "10115",
            "city": "Berlin", "legal_name": legal_name
        });
        for (k, v) in extra.as_object().unwrap() {
            contact[k] = v.clone();
        }
        let r = render_json(&json!({ "template": "nextjs-business", "business_name": "X", "region": "DE", "contact": contact })).unwrap();
        assert!(
            r.legal.missing.is_empty(),
            "{legal_name}: {:?}",
            r.legal.missing
        );
        assert!(
            !file(&r, "site/impressum.html").contains("Bitte ergänzen"),
            "{legal_name}"
        );
    };
    // A sole trader needs no register entry, representative or VAT ID.
    check_complete("Erika Mustermann", json!({}));
    check_complete(
        "X GmbH",
        json!({"representative": "Erika Mustermann", "register_court": "Amtsgericht Charlottenburg", "register_number": "HRB 1", "vat_id": "DE1"}),
    );
}

#[test]
fn english_sites_get_a_privacy_page_without_impressum() {
    let r = render_json(&json!({"template": "static-landing", "business_name": "Bay Plumbing", "region": "US", "contact": {"email": "a@b.test"}})).unwrap();
    assert_eq!(r.pages, ["home", "privacy"]);
    assert!(file(&r, "site/privacy.html").contains("<h1>Privacy policy</h1>"));
    assert!(!has(&r, "site/impressum.html"));
    assert!(r.legal.missing.is_empty(), "{:?}", r.legal.missing);
}

#[test]
fn english_site_under_german_law_gets_a_legal_notice() {
    let r = render_json(&json!({"template": "static-landing", "business_name": "Berlin Tours", "region": "DE", "language": "en"})).unwrap();
    assert_eq!(r.language, "en");
    assert_eq!(r.pages, ["home", "impressum", "privacy"]);
    let imp = file(&r, "site/impressum.html");
    assert!(
        imp.contains("Legal notice (Impressum)") && imp.contains("[Please add: Register court]"),
        "{imp}"
    );
}

#[test]
fn hostile_values_are_escaped_everywhere() {
    let evil = "<script>alert(1)</script> \"Quote\" & 'Apos' </title><!--";
    let r = render_json(&json!({
        "template": "ecommerce-basic", "business_name": evil, "tagline": evil, "vision": evil, "audience": evil,
        "region": evil, "slug": "evil", "services": [{"name": evil, "description": evil}],
        "products": [{"name": evil, "description": evil, "price": 1, "sku": "<b>\"x\""}],
        "contact": {"street": evil, "city": evil, "legal_name": evil, "representative": evil}
    }))
    .unwrap();
    assert!(r.validation.ok, "{:#?}", r.validation.errors);
    for f in &r.files {
        assert!(
            !f.contents.contains("<script>alert"),
            "{} contains the raw script",
            f.path
        );
        assert!(
            !f.contents.contains("</title><!--"),
            "{} contains raw markup",
            f.path
        );
    }
    let home = file(&r, "site/index.html");
    assert!(
        home.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Quote&quot; &amp; &#39;Apos&#39;"
        )
    );
    assert!(home.contains("\\u003cscript\\u003e"), "JSON-LD escapes <");
    // The Next.js project carries the value as a JSON string literal; JSX escapes it when rendering.
    assert!(file(&r, "nextjs/lib/site.ts").contains("\"name\": \"\\u003cscript>alert(1)"));
}

#[test]
fn shop_formats_prices_per_language_and_currency() {
    let de = render_json(&samples::params(Template::EcommerceBasic, "de")).unwrap();
    assert!(file(&de, "site/products.html").contains("16,90\u{a0}€"));
    assert!(file(&de, "site/assets/catalog.js").contains("\"locale\": \"de-DE\""));
    let en = render_json(&samples::params(Template::EcommerceBasic, "en")).unwrap();
    let products = file(&en, "site/products.html");
    assert!(
        products.contains("$1,249.99") && products.contains("$14.50"),
        "{products}"
    );
    assert!(file(&en, "site/assets/catalog.js").contains("\"price\": 124999"));
}

#[test]
fn shop_has_a_cart_and_a_checkout_ready_for_payment() {
    for lang in ["en", "de"] {
        let r = render_json(&samples::params(Template::EcommerceBasic, lang)).unwrap();
        let products = file(&r, "site/products.html");
        assert_eq!(
            products.matches("data-add-to-cart=\"").count(),
            samples::params(Template::EcommerceBasic, lang)["products"]
                .as_array()
                .unwrap()
                .len()
        );
        let cart = file(&r, "site/cart.html");
        assert!(
            cart.contains("data-cart-rows")
                && cart.contains("data-cart-subtotal")
                && cart.contains("assets/shop.js")
        );
        let checkout = file(&r, "site/checkout.html");
        for field in [
            "co-name",
            "co-email",
            "co-street",
            "co-postal_code",
            "co-city",
            "co-country",
        ] {
            assert!(
                checkout.contains(&format!("id=\"{field}\"")),
                "{lang}: {field}"
            );
        }
        let all: String = r.files.iter().map(|f| f.contents.to_lowercase()).collect();
        for fake in [
            "payment successful",
            "zahlung erfolgreich",
            "order confirmed",
            "bestellung bestätigt",
        ] {
            assert!(!all.contains(fake), "{lang}: `{fake}`");
        }
        let shop_js = file(&r, "site/assets/shop.js");
        for needle in [
            "localStorage",
            "setQuantity",
            "payment_endpoint",
            "startPayment",
        ] {
            assert!(shop_js.contains(needle), "{needle}");
        }
        assert!(r.legal.missing.iter().any(|m| m == "payment_provider"));
        assert!(has(&r, "nextjs/app/api/checkout/route.ts") && has(&r, "nextjs/lib/cart.ts"));
    }
}

#[test]
fn shop_without_products_says_so_and_warns() {
    let r =
        render_json(&json!({"template": "ecommerce-basic", "business_name": "Soon Shop"})).unwrap();
    assert!(r.validation.ok);
    assert!(r.warnings.iter().any(|w| w.contains("no `products`")));
    assert!(file(&r, "site/products.html").contains("is being put together"));
}

#[test]
fn nextjs_project_is_complete_with_pinned_versions() {
    let check_project = |template: Template, dirs: &[&str]| {
        let r = render_json(&samples::params(template, "de")).unwrap();
        let pkg: Value = serde_json::from_str(file(&r, "nextjs/package.json")).unwrap();
        for section in ["dependencies", "devDependencies"] {
            for (name, version) in pkg[section].as_object().unwrap() {
                let v = version.as_str().unwrap();
                assert!(
                    v.split('.').count() == 3 && v.chars().all(|c| c.is_ascii_digit() || c == '.'),
                    "{name} {v} is not pinned"
                );
            }
        }
        assert!(
            pkg["dependencies"]["next"]
                .as_str()
                .unwrap()
                .starts_with("15.")
        );
        assert!(
            pkg["dependencies"]["react"]
                .as_str()
                .unwrap()
                .starts_with("19.")
        );
        for f in [
            "app/layout.tsx",
            "app/page.tsx",
            "app/globals.css",
            "next.config.mjs",
            "tsconfig.json",
            "next-env.d.ts",
            "lib/site.ts",
            "app/sitemap.ts",
            "app/robots.ts",
        ] {
            assert!(has(&r, &format!("nextjs/{f}")), "{}: {f}", template.name());
        }
        for d in dirs {
            assert!(
                has(&r, &format!("nextjs/app/{d}/page.tsx")),
                "{}: {d}",
                template.name()
            );
        }
    };
    check_project(
        Template::NextjsBusiness,
        &["about", "services", "contact", "impressum", "datenschutz"],
    );
    check_project(
        Template::EcommerceBasic,
        &["products", "cart", "checkout", "impressum", "datenschutz"],
    );
}

#[test]
fn without_a_domain_there_is_no_sitemap_and_the_output_says_so() {
    let r = render_json(&json!({"template": "nextjs-business", "business_name": "Nowhere Ltd"}))
        .unwrap();
    assert!(r.validation.ok);
    assert!(!has(&r, "site/sitemap.xml") && !has(&r, "nextjs/app/sitemap.ts"));
    assert!(file(&r, "site/robots.txt").contains("No sitemap"));
    assert!(!file(&r, "site/index.html").contains("rel=\"canonical\""));
    assert!(r.warnings.iter().any(|w| w.contains("no `domain`")));
}

#[test]
fn render_site_reports_bytes_for_benchmarks() {
    let bytes = crate::render_site(&samples::params(Template::EcommerceBasic, "en")).unwrap();
    assert!(bytes > 10_000);
    assert!(crate::render_site(&json!({"template": "nope"})).is_err());
}

// ---- the node against a TestHost ----

struct Mounts {
    _dir: tempfile::TempDir,
    output: std::path::PathBuf,
    deploy: std::path::PathBuf,
}

fn mounts() -> (TestHost, Mounts) {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    let deploy = dir.path().join("deploy");
    fs::create_dir_all(&output).unwrap();
    fs::create_dir_all(&deploy).unwrap();
    let host = TestHost::new()
        .with_mount("output", &output)
        .with_mount("deploy", &deploy);
    (
        host,
        Mounts {
            _dir: dir,
            output,
            deploy,
        },
    )
}

fn tree(dir: &Path) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.insert(
                    e.path()
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                    e.metadata().unwrap().len(),
                );
            }
        }
    }
    out
}

#[test]
fn execute_generates_validates_and_deploys() {
    let (host, m) = mounts();
    let params = samples::params(Template::NextjsBusiness, "de");
    let out = call::<WebGenesis>(&host, Call::Execute, &params).unwrap();
    let o = &out.output;
    let generated = m.output.join("acme-consulting");
    let dep = m.deploy.join("acme-consulting");
    assert_eq!(o["template"], "nextjs-business");
    assert_eq!(o["slug"], "acme-consulting");
    assert_eq!(o["generated_path"], generated.to_string_lossy().as_ref());
    assert_eq!(o["deployed_path"], dep.to_string_lossy().as_ref());
    assert_eq!(o["validation"]["ok"], true);
    assert_eq!(o["pages"].as_array().unwrap().len(), 6);
    assert_eq!(
        o["legal"]["missing"],
        json!(["register_court", "register_number", "vat_id"])
    );
    assert!(
        generated.join("site/index.html").is_file()
            && generated.join("nextjs/package.json").is_file()
    );
    assert_eq!(
        fs::read(generated.join("site/index.html")).unwrap(),
        fs::read(dep.join("index.html")).unwrap()
    );
    let generated_site = tree(&generated.join("site"));
    assert_eq!(
        generated_site,
        tree(&dep),
        "deploy is exactly the static site"
    );
    assert_eq!(
        usize::try_from(o["deployed_files"].as_u64().unwrap()).unwrap(),
        generated_site.len()
    );
    assert!(
        !dep.join("package.json").exists(),
        "the Next.js project is not deployed"
    );
    assert_eq!(
        usize::try_from(o["files"].as_u64().unwrap()).unwrap(),
        tree(&generated).len() - 1,
        "all files but the marker"
    );
    assert_eq!(
        out.receipt["created"],
        json!([generated.to_string_lossy(), dep.to_string_lossy()])
    );
    let checkpoints = host.checkpoints.borrow();
    assert_eq!(checkpoints.len(), 2, "one before output, one before deploy");
    assert_eq!(
        checkpoints[0]["created"],
        json!([generated.to_string_lossy()])
    );
    assert_eq!(
        *host.artifacts.borrow(),
        vec![generated.clone(), dep.clone()]
    );
    assert!(
        host.events
            .borrow()
            .iter()
            .any(|(e, _)| e == "webgenesis.site_deployed")
    );
}

#[test]
fn dry_run_writes_nothing_and_previews_the_home_page() {
    let (host, m) = mounts();
    let out = call::<WebGenesis>(
        &host,
        Call::DryRun,
        &samples::params(Template::EcommerceBasic, "en"),
    )
    .unwrap();
    assert!(tree(&m.output).is_empty() && tree(&m.deploy).is_empty());
    assert!(host.checkpoints.borrow().is_empty() && host.artifacts.borrow().is_empty());
    let o = &out.output;
    assert_eq!(o["dry_run"], true);
    let would = o["would_write"].as_array().unwrap();
    assert_eq!(
        would.len(),
        usize::try_from(o["files"].as_u64().unwrap()).unwrap()
    );
    assert!(would.iter().all(|f| {
        f["bytes"].as_u64().unwrap() > 0
            && f["path"]
                .as_str()
                .unwrap()
                .starts_with(m.output.to_str().unwrap())
    }));
    let preview = o["preview_html"].as_str().unwrap();
    assert!(
        preview.starts_with("<!DOCTYPE html>")
            && preview.contains("Hilltop Tea Company")
            && preview.ends_with("</html>\n")
    );
    assert_eq!(o["preview_truncated"], false);
    assert_eq!(out.receipt, Value::Null);
}

#[test]
fn dry_run_preview_is_truncated_at_64_kib() {
    let (host, _m) = mounts();
    let long = "Wir backen jeden Tag frisch. ".repeat(4000);
    let out = call::<WebGenesis>(
        &host,
        Call::DryRun,
        &json!({"template": "static-landing", "business_name": "Bäckerei", "vision": long}),
    )
    .unwrap();
    assert_eq!(out.output["preview_truncated"], true);
    assert!(out.output["preview_html"].as_str().unwrap().len() <= crate::PREVIEW_LIMIT);
}

#[test]
fn rollback_removes_exactly_what_was_created_and_is_idempotent() {
    let (host, m) = mounts();
    fs::create_dir_all(m.output.join("neighbour")).unwrap();
    fs::write(m.output.join("neighbour/index.html"), "keep").unwrap();
    fs::create_dir_all(m.deploy.join("neighbour")).unwrap();
    fs::write(m.deploy.join("keep.txt"), "keep").unwrap();
    let params = samples::params(Template::StaticLanding, "en");
    let out = call::<WebGenesis>(&host, Call::Execute, &params).unwrap();
    let inv = invocation::<WebGenesis>("node", &params).unwrap();
    WebGenesis::rollback(&host, &inv, &out.receipt).unwrap();
    assert!(
        !m.output.join("harbour-lane-bike-repair").exists()
            && !m.deploy.join("harbour-lane-bike-repair").exists()
    );
    assert_eq!(
        fs::read_to_string(m.output.join("neighbour/index.html")).unwrap(),
        "keep"
    );
    assert!(m.deploy.join("neighbour").is_dir() && m.deploy.join("keep.txt").is_file());
    WebGenesis::rollback(&host, &inv, &out.receipt).unwrap();
    // The first checkpoint alone (a run that died before deploying) rolls back too.
    WebGenesis::rollback(&host, &inv, &host.checkpoints.borrow()[0]).unwrap();
    WebGenesis::rollback(&host, &inv, &Value::Null).unwrap();
}

#[test]
fn rollback_refuses_paths_outside_its_mounts() {
    let (host, m) = mounts();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    fs::create_dir_all(&victim).unwrap();
    let inv =
        invocation::<WebGenesis>("node", &samples::params(Template::StaticLanding, "en")).unwrap();
    for path in [victim.clone(), m.output.clone(), m.output.join("a/b")] {
        let receipt = json!({ "created": [path.to_string_lossy()] });
        let err = WebGenesis::rollback(&host, &inv, &receipt).unwrap_err();
        assert!(err.message().contains("refusing to remove"), "{err}");
    }
    assert!(victim.is_dir() && m.output.is_dir());
}

#[test]
fn refuses_to_overwrite_a_slug_this_run_did_not_create() {
    let (host, m) = mounts();
    let params = samples::params(Template::StaticLanding, "de");
    let existing = m.output.join("fahrradwerkstatt-hafenstrasse");
    fs::create_dir_all(&existing).unwrap();
    fs::write(existing.join("index.html"), "someone else's").unwrap();
    for kind in [Call::DryRun, Call::Execute] {
        let err = call::<WebGenesis>(&host, kind, &params).unwrap_err();
        assert!(matches!(err, NodeError::Failed(_)), "{err}");
        assert!(
            err.message()
                .contains(&existing.to_string_lossy().into_owned())
                && err.message().contains("slug"),
            "{err}"
        );
    }
    assert_eq!(
        fs::read_to_string(existing.join("index.html")).unwrap(),
        "someone else's"
    );
    assert!(
        host.checkpoints.borrow().is_empty(),
        "nothing was journaled, so nothing is rolled back"
    );
    assert!(tree(&m.deploy).is_empty());

    // Another run's deployed copy is protected the same way.
    let (host, m) = mounts();
    let run_a = call::<WebGenesis>(&host, Call::Execute, &params).unwrap();
    fs::remove_dir_all(m.output.join("fahrradwerkstatt-hafenstrasse")).unwrap();
    let err = call::<WebGenesis>(&host, Call::Execute, &params).unwrap_err();
    assert!(
        err.message().contains(
            &m.deploy
                .join("fahrradwerkstatt-hafenstrasse")
                .to_string_lossy()
                .into_owned()
        ),
        "{err}"
    );
    assert!(run_a.receipt["deployed_path"].is_string());
}

#[test]
fn a_retry_of_the_same_node_in_the_same_run_replaces_its_own_output() {
    let (host, m) = mounts();
    let params = samples::params(Template::EcommerceBasic, "de");
    call::<WebGenesis>(&host, Call::Execute, &params).unwrap();
    fs::write(m.deploy.join("kaffeeroesterei-bergmann/stale.html"), "old").unwrap();
    let out = call::<WebGenesis>(&host, Call::Execute, &params).unwrap();
    assert_eq!(out.output["validation"]["ok"], true);
    assert!(
        !m.deploy
            .join("kaffeeroesterei-bergmann/stale.html")
            .exists()
    );
}

#[test]
fn rejects_bad_params_and_missing_mounts() {
    let (host, _m) = mounts();
    let err = call::<WebGenesis>(
        &host,
        Call::Execute,
        &json!({"template": "static-landing", "business_name": "X", "slug": "../../etc"}),
    )
    .unwrap_err();
    assert!(
        matches!(err, NodeError::InvalidParams(_)) && err.message().contains("slug"),
        "{err}"
    );
    let err = call::<WebGenesis>(
        &host,
        Call::Execute,
        &json!({"template": "wordpress", "business_name": "X"}),
    )
    .unwrap_err();
    assert!(matches!(err, NodeError::InvalidParams(_)), "{err}");
    let bare = TestHost::new();
    let err = call::<WebGenesis>(
        &bare,
        Call::Execute,
        &samples::params(Template::StaticLanding, "en"),
    )
    .unwrap_err();
    assert!(
        matches!(err, NodeError::Denied(_)) && err.message().contains("output"),
        "{err}"
    );
}

#[test]
fn params_schema_describes_the_contract() {
    let info = abp_node_sdk::info::<WebGenesis>();
    let schema = info.params_schema.to_string();
    for field in [
        "template",
        "business_name",
        "slug",
        "tagline",
        "vision",
        "services",
        "products",
        "audience",
        "region",
        "language",
        "domain",
        "contact",
        "register_court",
        "static-landing",
        "ecommerce-basic",
    ] {
        assert!(schema.contains(field), "schema lacks {field}");
    }
    assert_eq!(info.node_type, "webgenesis");
}
