//! The `webgenesis` node through the real host: plan, apply, refusal to overwrite another run's
//! site, rollback; and the deployed static site in headless Chromium (screenshots at phone and
//! desktop size under `target/test-artifacts/webgenesis/`, and the cart script run for real).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::Workspace;

const POLICY: &str = r#"
storage = "./storage"
[plugins.webgenesis]
mounts = { output = "generated_websites", deploy = "deployed_websites" }
"#;

fn site_graph(id: &str, params: &Value) -> Value {
    json!({ "graph_id": id, "nodes": [ { "node_id": "site", "node_type": "webgenesis", "depends_on": [], "params": params } ] })
}

fn shop_params() -> Value {
    json!({
        "template": "ecommerce-basic",
        "business_name": "Kaffeerösterei Bergmann",
        "tagline": "Frisch geröstet in Leipzig",
        "region": "DE",
        "domain": "roesterei-bergmann.test",
        "products": [
            { "name": "Espresso Bergmann", "description": "500 g Bohnen", "price": 16.9, "sku": "ESP-500" },
            { "name": "Filterkaffee Äthiopien", "description": "250 g", "price": 11.5, "sku": "FIL-250" }
        ],
        "contact": { "email": "bestellung@roesterei-bergmann.test", "city": "Leipzig" }
    })
}

fn business_params() -> Value {
    json!({
        "template": "nextjs-business",
        "business_name": "Acme Consulting",
        "tagline": "IT-Beratung für den Mittelstand",
        "services": [ { "name": "IT-Strategie" }, { "name": "Cloud-Migration", "description": "Sicherer Umzug in die Cloud." } ],
        "audience": "mittelständische Unternehmen",
        "region": "DE",
        "domain": "acme-consulting.test",
        "contact": { "email": "kontakt@acme-consulting.test", "legal_name": "Acme Consulting GmbH", "street": "Friedrichstraße 100", "postal_code": "10117", "city": "Berlin" }
    })
}

fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts/webgenesis");
    std::fs::create_dir_all(&dir).expect("create test-artifacts");
    dir
}

#[test]
fn apply_generates_and_deploys_a_site_and_rollback_removes_only_it() {
    let ws = Workspace::new(POLICY);
    let generated_root = ws.storage().join("generated_websites");
    let deployed_root = ws.storage().join("deployed_websites");
    std::fs::create_dir_all(deployed_root.join("neighbour")).unwrap();
    std::fs::write(deployed_root.join("neighbour/index.html"), "keep").unwrap();
    let graph = ws.graph("g.json", &site_graph("web", &business_params()));

    let (code, result) = ws.abp_json(&["apply", graph.to_str().unwrap()]);
    assert_eq!(code, 0, "{result:#}");
    let node = &result["node_results"]["site"];
    let out = &node["output"];
    assert_eq!(out["slug"], "acme-consulting");
    assert_eq!(out["generated_path"], "/mnt/output/acme-consulting");
    assert_eq!(out["deployed_path"], "/mnt/deploy/acme-consulting");
    assert_eq!(out["validation"]["ok"], true, "{out:#}");
    assert_eq!(
        out["pages"],
        json!([
            "home",
            "about",
            "services",
            "contact",
            "impressum",
            "privacy"
        ])
    );
    assert_eq!(
        out["legal"]["missing"],
        json!([
            "representative",
            "phone",
            "register_court",
            "register_number",
            "vat_id"
        ])
    );
    let generated = generated_root.join("acme-consulting");
    let deployed = deployed_root.join("acme-consulting");
    for f in [
        "site/index.html",
        "site/impressum.html",
        "site/datenschutz.html",
        "site/sitemap.xml",
        "nextjs/package.json",
        "nextjs/app/layout.tsx",
    ] {
        assert!(generated.join(f).is_file(), "{f}");
    }
    assert_eq!(
        std::fs::read(generated.join("site/index.html")).unwrap(),
        std::fs::read(deployed.join("index.html")).unwrap()
    );
    assert_eq!(
        ws.files_under(&generated.join("site")),
        ws.files_under(&deployed)
    );
    assert_eq!(
        node["artifacts"].as_array().map(Vec::len),
        Some(2),
        "{node:#}"
    );

    // A second run with the same slug must not take over the first run's site.
    let (code, second) = ws.abp_json(&["apply", graph.to_str().unwrap()]);
    assert_ne!(code, 0, "{second:#}");
    let run_id = result["run_id"].as_str().unwrap();
    let error = second.to_string();
    assert!(
        error.contains("/mnt/output/acme-consulting")
            && error.contains(run_id)
            && error.contains("slug"),
        "{second:#}"
    );
    assert!(
        deployed.join("index.html").is_file() && generated.join("nextjs/package.json").is_file(),
        "the first site is intact"
    );

    let (code, report) = ws.abp_json(&["rollback", run_id]);
    assert_eq!(code, 0, "{report:#}");
    assert!(!generated.exists() && !deployed.exists());
    assert_eq!(
        std::fs::read_to_string(deployed_root.join("neighbour/index.html")).unwrap(),
        "keep"
    );
}

#[test]
fn plan_previews_the_site_and_writes_nothing() {
    let ws = Workspace::new(POLICY);
    let graph = ws.graph("g.json", &site_graph("web-plan", &shop_params()));
    let (code, result) = ws.abp_json(&["plan", graph.to_str().unwrap()]);
    assert_eq!(code, 0, "{result:#}");
    let out = &result["node_results"]["site"]["output"];
    assert_eq!(out["dry_run"], true);
    let would = out["would_write"].as_array().unwrap();
    assert!(
        would
            .iter()
            .any(|f| f["path"] == "/mnt/output/kaffeeroesterei-bergmann/site/checkout.html"),
        "{would:?}"
    );
    assert!(
        would
            .iter()
            .all(|f| f["bytes"].as_u64().is_some_and(|b| b > 0))
    );
    let preview = out["preview_html"].as_str().unwrap();
    assert!(
        preview.starts_with("<!DOCTYPE html>")
            && preview.contains("Kaffeerösterei Bergmann")
            && preview.contains("16,90\u{a0}€")
    );
    for mount in ["generated_websites", "deployed_websites"] {
        assert!(
            ws.files_under(&ws.storage().join(mount)).is_empty(),
            "a dry run writes nothing into {mount}"
        );
    }
}

/// Runs headless Chromium with the flags that keep it off the network.
fn chromium(profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new("/usr/bin/chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
        ])
        .args([
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium")
}

#[test]
fn deployed_shop_renders_in_chromium_and_its_cart_computes_totals() {
    crate::support::ensure_debian_packages(
        &|| Path::new("/usr/bin/chromium").exists(),
        "chromium",
        "the browser tests",
    );
    let ws = Workspace::new(POLICY);
    let graph = ws.graph("g.json", &site_graph("web-browser", &shop_params()));
    let (code, result) = ws.abp_json(&["apply", graph.to_str().unwrap()]);
    assert_eq!(code, 0, "{result:#}");
    let deployed = ws
        .storage()
        .join("deployed_websites/kaffeeroesterei-bergmann");
    let profile = tempfile::tempdir().unwrap();
    let shots = artifacts_dir();
    for page in ["index", "products", "checkout", "impressum"] {
        for (size, label) in [("390,844", "phone"), ("1280,800", "desktop")] {
            let shot = shots.join(format!("shop-{page}-{label}.png"));
            let _ = std::fs::remove_file(&shot);
            let url = format!("file://{}/{page}.html", deployed.display());
            chromium(
                profile.path(),
                &[
                    &format!("--screenshot={}", shot.display()),
                    &format!("--window-size={size}"),
                    &url,
                ],
            );
            let png = std::fs::read(&shot).unwrap_or_default();
            assert!(
                png.len() > 5_000 && png.starts_with(b"\x89PNG"),
                "no screenshot of {page} at {size}"
            );
        }
    }

    // The cart for real: a copy of the site whose cart page first stores 2 + 1 items.
    let copy = tempfile::tempdir().unwrap();
    for f in ws.files_under(&deployed) {
        let to = copy.path().join(&f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(deployed.join(&f), to).unwrap();
    }
    std::fs::write(
        copy.path().join("assets/seed.js"),
        "window.localStorage.setItem(window.ABP_SHOP.storage_key, JSON.stringify({\"ESP-500\": 2, \"FIL-250\": 1, \"gone\": 5}));\n",
    )
    .unwrap();
    let cart = copy.path().join("cart.html");
    let html = std::fs::read_to_string(&cart).unwrap();
    let seeded = html.replace(
        "<script src=\"assets/shop.js\" defer></script>",
        "<script src=\"assets/seed.js\" defer></script>\n<script src=\"assets/shop.js\" defer></script>",
    );
    assert_ne!(html, seeded, "cart.html loads assets/shop.js");
    std::fs::write(&cart, seeded).unwrap();
    let out = chromium(
        profile.path(),
        &[
            "--virtual-time-budget=3000",
            "--dump-dom",
            &format!("file://{}", cart.display()),
        ],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    // 2 × 16,90 € + 1 × 11,50 € = 45,30 €; the unknown product id is ignored.
    assert!(
        dom.contains("<span data-cart-subtotal=\"\">45,30&nbsp;€</span>"),
        "subtotal missing in:\n{dom}"
    );
    assert!(
        dom.contains("33,80&nbsp;€") && dom.contains("Espresso Bergmann"),
        "{dom}"
    );
    assert_eq!(
        dom.matches("data-qty=").count(),
        2,
        "one row per known product: {dom}"
    );
    assert!(
        dom.contains("data-cart-count=\"\">3</span>"),
        "the header counts 3 items"
    );
}

/// Every template in English and German through the host: the deployed pages carry the
/// business name in their titles, every page is in the sitemap, German sites get the
/// Impressum and Datenschutzerklärung, English ones a privacy page, and rollback removes both
/// copies.
#[test]
fn every_template_in_english_and_german_deploys_and_rolls_back() {
    let ws = Workspace::new(POLICY);
    for template in ["static-landing", "nextjs-business", "ecommerce-basic"] {
        for language in ["en", "de"] {
            let slug = format!("{template}-{language}");
            let mut params = json!({
                "template": template,
                "slug": slug,
                "business_name": format!("Nordlicht {template} {language}"),
                "tagline": "Quality work, close to home",
                "language": language,
                "region": if language == "de" { "DE" } else { "GB" },
                "domain": format!("{slug}.test"),
                "services": [ { "name": "Planning" }, { "name": "Delivery" } ],
                "contact": { "email": "hello@nordlicht.test", "city": "Kiel" },
            });
            if template == "ecommerce-basic" {
                params["products"] =
                    json!([{ "name": "Lamp", "price": 49.0 }, { "name": "Chair", "price": 120.5 }]);
            }
            let graph = ws.graph(&format!("{slug}.json"), &site_graph(&slug, &params));
            let (code, result) = ws.abp_json(&["apply", graph.to_str().unwrap()]);
            assert_eq!(code, 0, "{slug}: {result:#}");
            let deployed = ws.storage().join("deployed_websites").join(&slug);
            let files = ws.files_under(&deployed);
            let pages: Vec<&String> = files
                .iter()
                .filter(|f| {
                    Path::new(f)
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("html"))
                        && !f.starts_with("404")
                })
                .collect();
            assert!(!pages.is_empty(), "{slug}: no pages in {files:?}");
            let sitemap =
                std::fs::read_to_string(deployed.join("sitemap.xml")).expect("sitemap.xml");
            for page in &pages {
                let html = std::fs::read_to_string(deployed.join(page)).unwrap();
                assert!(
                    html.contains(&format!("lang=\"{language}\"")),
                    "{slug}/{page}: lang"
                );
                let title = html
                    .split("<title>")
                    .nth(1)
                    .and_then(|t| t.split("</title>").next())
                    .unwrap_or_default();
                assert!(
                    title.contains("Nordlicht"),
                    "{slug}/{page}: title {title:?}"
                );
                let url = if page.as_str() == "index.html" {
                    String::new()
                } else {
                    (*page).clone()
                };
                let listed = sitemap.contains(&format!("https://{slug}.test/{url}"));
                // Pages marked `noindex` (cart, checkout) stay out of the sitemap; all others are in it.
                assert_eq!(
                    listed,
                    !html.contains("noindex"),
                    "{slug}: {page} and the sitemap disagree"
                );
            }
            let has = |needle: &str| files.iter().any(|f| f.contains(needle));
            if language == "de" {
                assert!(
                    has("impressum") && has("datenschutz"),
                    "{slug}: legal pages missing in {files:?}"
                );
            } else {
                assert!(has("privacy"), "{slug}: privacy page missing in {files:?}");
            }
            let run_id = result["run_id"].as_str().unwrap();
            assert_eq!(ws.abp_json(&["rollback", run_id]).0, 0);
            assert!(
                !deployed.exists(),
                "{slug}: rollback left the deployed copy"
            );
            assert!(
                !ws.storage().join("generated_websites").join(&slug).exists(),
                "{slug}: rollback left the generated copy"
            );
        }
    }
}
