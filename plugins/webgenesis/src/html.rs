//! The static renderer: turns a [`Site`] into plain HTML pages, a stylesheet, a little
//! JavaScript, `robots.txt` and `sitemap.xml`, servable by any static server and from disk.
//! Every value from the params passes through [`escape`] (or [`json_for_script`] inside
//! `<script>`); links between pages are relative, so the site works under any path prefix.

use std::fmt::Write as _;

use crate::GeneratedFile;
use crate::model::{Action, Block, Inline, Page, Site, Target};
use crate::theme;

/// Escapes text for HTML text and double- or single-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that is safe inside a `<script>` element: `<`, `>` and `&` become `\u` escapes, so
/// no value can close the element or open a comment.
pub fn json_for_script(v: &serde_json::Value) -> String {
    let s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The content security policy of every page: nothing may load from anywhere but the site.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self' mailto:";

/// How links are written: relative to the page (`about.html`) or to the site root (`/about.html`,
/// for the 404 page, which a server shows at any path).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Base {
    Relative,
    Root,
}

struct Ctx<'a> {
    site: &'a Site,
    page_id: &'a str,
    base: Base,
}

impl Ctx<'_> {
    fn asset(&self, path: &str) -> String {
        match self.base {
            Base::Relative => path.to_owned(),
            Base::Root => format!("/{path}"),
        }
    }

    fn href(&self, target: &Target) -> String {
        match target {
            Target::Url { url } => url.clone(),
            Target::Page { page, fragment } => {
                let file = self
                    .site
                    .page(page)
                    .map_or("index.html", |p| p.file.as_str());
                match fragment {
                    Some(f) if page == self.page_id && self.base == Base::Relative => {
                        format!("#{f}")
                    }
                    Some(f) => format!("{}#{f}", self.asset(file)),
                    None => self.asset(file),
                }
            }
        }
    }
}

fn inline(ctx: &Ctx<'_>, content: &[Inline]) -> String {
    let mut out = String::new();
    for i in content {
        match i {
            Inline::Text { text } => out.push_str(&escape(text)),
            Inline::Strong { text } => {
                let _ = write!(out, "<strong>{}</strong>", escape(text));
            }
            Inline::Link { text, target } => {
                let _ = write!(
                    out,
                    "<a href=\"{}\">{}</a>",
                    escape(&ctx.href(target)),
                    escape(text)
                );
            }
            Inline::Placeholder { text } => {
                let _ = write!(out, "<mark class=\"placeholder\">{}</mark>", escape(text));
            }
        }
    }
    out
}

fn actions(ctx: &Ctx<'_>, list: &[Action]) -> String {
    let mut out = String::from("<div class=\"actions\">");
    for a in list {
        let class = if a.primary { "primary" } else { "secondary" };
        let _ = write!(
            out,
            "<a class=\"button {class}\" href=\"{}\">{}</a>",
            escape(&ctx.href(&a.target)),
            escape(&a.label)
        );
    }
    out.push_str("</div>\n");
    out
}

fn block(ctx: &Ctx<'_>, b: &Block, level: u8, out: &mut String) {
    let ui = ctx.site.ui;
    match b {
        Block::Para { content } => {
            let _ = writeln!(out, "<p>{}</p>", inline(ctx, content));
        }
        Block::List { items } => {
            out.push_str("<ul>\n");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", inline(ctx, item));
            }
            out.push_str("</ul>\n");
        }
        Block::Lines { lines } => {
            out.push_str("<div class=\"lines\">\n");
            for l in lines {
                let _ = writeln!(out, "<p>{}</p>", inline(ctx, l));
            }
            out.push_str("</div>\n");
        }
        Block::Subheading { text } => {
            let _ = writeln!(out, "<h{level}>{}</h{level}>", escape(text));
        }
        Block::Cards { cards } => {
            out.push_str("<ul class=\"cards\">\n");
            for c in cards {
                let _ = write!(
                    out,
                    "<li class=\"card\"><h{level}>{}</h{level}>",
                    escape(&c.title)
                );
                if let Some(t) = &c.text {
                    let _ = write!(out, "<p>{}</p>", escape(t));
                }
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        }
        Block::Actions { actions: list } => out.push_str(&actions(ctx, list)),
        Block::Products { limit } => products(ctx, *limit, level, out),
        Block::Cart => cart(ctx, out),
        Block::Checkout => checkout(ctx, out),
        Block::ContactForm { email } => {
            let _ = write!(
                out,
                "<form class=\"contact-form\" data-contact-form data-email=\"{email}\" data-subject=\"{subject}\" action=\"mailto:{email}\" method=\"post\" enctype=\"text/plain\">\n\
                 <h{level}>{write_us}</h{level}>\n\
                 <div class=\"field\"><label for=\"cf-name\">{name}</label><input id=\"cf-name\" name=\"sender_name\" type=\"text\" autocomplete=\"name\" required></div>\n\
                 <div class=\"field\"><label for=\"cf-email\">{mail}</label><input id=\"cf-email\" name=\"sender_email\" type=\"email\" autocomplete=\"email\" required></div>\n\
                 <div class=\"field\"><label for=\"cf-message\">{message}</label><textarea id=\"cf-message\" name=\"message\" required></textarea></div>\n\
                 <p class=\"note\" id=\"cf-hint\">{hint}</p>\n\
                 <button class=\"button primary\" type=\"submit\" aria-describedby=\"cf-hint\">{send}</button>\n\
                 </form>\n",
                email = escape(email),
                subject = escape(ui.contact_subject),
                write_us = escape(ui.write_us),
                name = escape(ui.form_name),
                mail = escape(ui.form_email),
                message = escape(ui.form_message),
                hint = escape(ui.form_hint),
                send = escape(ui.form_send),
            );
        }
    }
}

fn price_notes(ctx: &Ctx<'_>) -> String {
    let ui = ctx.site.ui;
    format!(
        "<p class=\"note\">{} {}</p>\n",
        escape(ui.price_note),
        escape(ui.shipping_note)
    )
}

fn products(ctx: &Ctx<'_>, limit: Option<usize>, level: u8, out: &mut String) {
    let ui = ctx.site.ui;
    let Some(shop) = &ctx.site.shop else { return };
    if shop.products.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(ui.products_empty));
        return;
    }
    out.push_str("<ul class=\"cards products\">\n");
    for p in shop.products.iter().take(limit.unwrap_or(usize::MAX)) {
        let _ = write!(
            out,
            "<li class=\"card\" id=\"product-{}\"><h{level}>{}</h{level}>",
            escape(&p.id),
            escape(&p.name)
        );
        if let Some(d) = &p.description {
            let _ = write!(out, "<p>{}</p>", escape(d));
        }
        let _ = writeln!(
            out,
            "<p class=\"price\">{}</p><button class=\"button primary\" type=\"button\" data-add-to-cart=\"{}\">{}<span class=\"visually-hidden\">: {}</span></button></li>",
            escape(&p.price_text),
            escape(&p.id),
            escape(ui.add_to_cart),
            escape(&p.name)
        );
    }
    out.push_str("</ul>\n");
    out.push_str(&price_notes(ctx));
    let _ = writeln!(
        out,
        "<p class=\"status\" role=\"status\" aria-live=\"polite\" data-cart-status></p>"
    );
    let _ = writeln!(
        out,
        "<noscript><p class=\"note\">{}</p></noscript>",
        escape(ui.needs_js)
    );
}

fn cart(ctx: &Ctx<'_>, out: &mut String) {
    let ui = ctx.site.ui;
    let products = ctx.href(&Target::page("products"));
    let checkout = ctx.href(&Target::page("checkout"));
    let _ = write!(
        out,
        "<div class=\"cart\" data-cart>\n\
         <p data-cart-empty>{empty}</p>\n\
         <div data-cart-filled hidden>\n\
         <table>\n<caption class=\"visually-hidden\">{cart}</caption>\n\
         <thead><tr><th scope=\"col\">{product}</th><th scope=\"col\" class=\"num hide-sm\">{unit}</th><th scope=\"col\">{qty}</th><th scope=\"col\" class=\"num\">{line}</th><th scope=\"col\"><span class=\"visually-hidden\">{remove}</span></th></tr></thead>\n\
         <tbody data-cart-rows></tbody>\n\
         </table>\n\
         <p class=\"total\">{subtotal}: <span data-cart-subtotal></span></p>\n\
         {notes}\
         </div>\n\
         <p class=\"status\" role=\"status\" aria-live=\"polite\" data-cart-status></p>\n\
         <div class=\"actions\"><a class=\"button primary\" href=\"{checkout}\" data-cart-checkout hidden>{to_checkout}</a><a class=\"button secondary\" href=\"{products}\">{continue_shopping}</a></div>\n\
         <noscript><p class=\"note\">{needs_js}</p></noscript>\n\
         </div>\n",
        empty = escape(ui.cart_empty),
        cart = escape(ui.cart),
        product = escape(ui.product),
        unit = escape(ui.unit_price),
        qty = escape(ui.quantity),
        line = escape(ui.line_total),
        remove = escape(ui.remove),
        subtotal = escape(ui.subtotal),
        notes = price_notes(ctx),
        checkout = escape(&checkout),
        to_checkout = escape(ui.to_checkout),
        products = escape(&products),
        continue_shopping = escape(ui.continue_shopping),
        needs_js = escape(ui.needs_js),
    );
}

fn field(
    id: &str,
    label: &str,
    kind: &str,
    autocomplete: &str,
    required: bool,
    value: Option<&str>,
) -> String {
    let star = if required {
        " <span aria-hidden=\"true\">*</span>"
    } else {
        ""
    };
    let req = if required { " required" } else { "" };
    let value = value
        .map(|v| format!(" value=\"{}\"", escape(v)))
        .unwrap_or_default();
    format!(
        "<div class=\"field\"><label for=\"co-{id}\">{}{star}</label><input id=\"co-{id}\" name=\"{id}\" type=\"{kind}\" autocomplete=\"{autocomplete}\"{req}{value}></div>\n",
        escape(label)
    )
}

fn checkout(ctx: &Ctx<'_>, out: &mut String) {
    let ui = ctx.site.ui;
    let privacy = ctx.href(&Target::page("privacy"));
    let country = ctx.site.country.as_deref();
    let _ = write!(
        out,
        "<div class=\"checkout\" data-checkout>\n\
         <aside class=\"summary\" aria-labelledby=\"summary-heading\">\n\
         <h2 id=\"summary-heading\">{summary}</h2>\n\
         <p data-cart-empty>{empty}</p>\n\
         <ul data-summary-items></ul>\n\
         <p class=\"total\">{subtotal}: <span data-cart-subtotal></span></p>\n\
         {notes}\
         </aside>\n\
<form data-checkout-form>\n\
         <h2>{details}</h2>\n\
         <p class=\"note\">{required_hint}</p>\n\
         {name}{email}{phone}{street}<div class=\"field-row\">{postal}{city}</div>{country}\
         <div class=\"field\"><label for=\"co-note\">{note}</label><textarea id=\"co-note\" name=\"note\"></textarea></div>\n\
         <p class=\"note\">{payment_info}</p>\n\
         <p class=\"note\">{privacy_hint} <a href=\"{privacy}\">{privacy_title}</a>.</p>\n\
         <button class=\"button primary\" type=\"submit\">{pay}</button>\n\
         <div class=\"status\" role=\"status\" aria-live=\"polite\" data-checkout-status></div>\n\
         </form>\n\
                  <noscript><p class=\"note\">{needs_js}</p></noscript>\n\
         </div>\n",
        details = escape(ui.your_details),
        required_hint = escape(ui.required_hint),
        name = field("name", ui.full_name, "text", "name", true, None),
        email = field("email", ui.email, "email", "email", true, None),
        phone = field("phone", ui.phone_optional, "tel", "tel", false, None),
        street = field("street", ui.street, "text", "street-address", true, None),
        postal = field(
            "postal_code",
            ui.postal_code,
            "text",
            "postal-code",
            true,
            None
        ),
        city = field("city", ui.city, "text", "address-level2", true, None),
        country = field("country", ui.country, "text", "country-name", true, country),
        note = escape(ui.note_optional),
        payment_info = escape(ui.payment_info),
        privacy_hint = escape(ui.privacy_hint),
        privacy = escape(&privacy),
        privacy_title = escape(ui.privacy_title),
        pay = escape(ui.pay_button),
        summary = escape(ui.order_summary),
        empty = escape(ui.checkout_empty),
        subtotal = escape(ui.subtotal),
        notes = price_notes(ctx),
        needs_js = escape(ui.needs_js),
    );
}

fn absolute_url(site: &Site, page: &Page) -> Option<String> {
    site.base_url.as_ref().map(|base| {
        if page.id == "home" {
            base.clone()
        } else {
            format!("{base}{}", page.file)
        }
    })
}

fn head(ctx: &Ctx<'_>, page: &Page, out: &mut String) {
    let site = ctx.site;
    let p = &theme::PALETTES[site.palette.min(theme::PALETTES.len() - 1)];
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n\
         <meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <title>{title}</title>\n\
         <meta name=\"description\" content=\"{desc}\">\n",
        lang = site.lang,
        csp = CSP,
        title = escape(&page.title),
        desc = escape(&page.description),
    );
    if page.noindex {
        out.push_str("<meta name=\"robots\" content=\"noindex, follow\">\n");
    }
    let url = absolute_url(site, page);
    if let Some(url) = &url {
        let _ = writeln!(out, "<link rel=\"canonical\" href=\"{}\">", escape(url));
    }
    let _ = write!(
        out,
        "<meta property=\"og:type\" content=\"website\">\n\
         <meta property=\"og:site_name\" content=\"{name}\">\n\
         <meta property=\"og:title\" content=\"{title}\">\n\
         <meta property=\"og:description\" content=\"{desc}\">\n\
         <meta property=\"og:locale\" content=\"{locale}\">\n",
        name = escape(&site.name),
        title = escape(&page.title),
        desc = escape(&page.description),
        locale = site.og_locale,
    );
    if let Some(url) = &url {
        let _ = writeln!(
            out,
            "<meta property=\"og:url\" content=\"{}\">",
            escape(url)
        );
    }
    let _ = write!(
        out,
        "<meta name=\"twitter:card\" content=\"summary\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"theme-color\" content=\"{light}\" media=\"(prefers-color-scheme: light)\">\n\
         <meta name=\"theme-color\" content=\"{dark}\" media=\"(prefers-color-scheme: dark)\">\n\
         <link rel=\"icon\" href=\"{logo}\" type=\"image/svg+xml\">\n\
         <link rel=\"stylesheet\" href=\"{css}\">\n",
        light = p.light.bg,
        dark = p.dark.bg,
        logo = ctx.asset("assets/logo.svg"),
        css = ctx.asset("assets/style.css"),
    );
    if page.id == "home" {
        let _ = writeln!(
            out,
            "<script type=\"application/ld+json\">{}</script>",
            json_for_script(&site.json_ld)
        );
    }
    if site.shop.is_some() {
        let _ = writeln!(
            out,
            "<script src=\"{}\" defer></script>",
            ctx.asset("assets/catalog.js")
        );
        let _ = writeln!(
            out,
            "<script src=\"{}\" defer></script>",
            ctx.asset("assets/shop.js")
        );
    }
    let _ = writeln!(
        out,
        "<script src=\"{}\" defer></script>",
        ctx.asset("assets/site.js")
    );
    out.push_str("</head>\n");
}

fn header(ctx: &Ctx<'_>, out: &mut String) {
    let site = ctx.site;
    let ui = site.ui;
    let _ = write!(
        out,
        "<a class=\"skip-link\" href=\"#main\">{skip}</a>\n\
         <header class=\"site-header\">\n<div class=\"wrap\">\n\
         <a class=\"brand\" href=\"{home}\"><img src=\"{logo}\" alt=\"\" width=\"36\" height=\"36\"><span>{name}</span></a>\n\
         <nav class=\"site-nav\" aria-label=\"{nav_label}\">\n<ul>\n",
        skip = escape(ui.skip_link),
        home = escape(&ctx.href(&Target::page("home"))),
        logo = ctx.asset("assets/logo.svg"),
        name = escape(&site.name),
        nav_label = escape(ui.main_nav),
    );
    for link in &site.nav {
        let current =
            matches!(&link.target, Target::Page { page, fragment: None } if page == ctx.page_id);
        let aria = if current {
            " aria-current=\"page\""
        } else {
            ""
        };
        let count = if matches!(&link.target, Target::Page { page, .. } if page == "cart") {
            format!(
                " <span class=\"count\" data-cart-count hidden>0</span><span class=\"visually-hidden\" data-cart-count-label hidden> {}</span>",
                escape(ui.cart_count_label)
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<li><a href=\"{}\"{aria}>{}{count}</a></li>",
            escape(&ctx.href(&link.target)),
            escape(&link.label)
        );
    }
    out.push_str("</ul>\n</nav>\n</div>\n</header>\n");
}

fn footer(ctx: &Ctx<'_>, out: &mut String) {
    let site = ctx.site;
    out.push_str("<footer class=\"site-footer\">\n<div class=\"wrap\">\n<div>\n");
    for line in &site.footer {
        let _ = writeln!(out, "<p>{}</p>", inline(ctx, line));
    }
    let _ = write!(
        out,
        "</div>\n<nav aria-label=\"{}\">\n<ul>\n",
        escape(site.ui.legal_nav)
    );
    for link in &site.legal_nav {
        let current =
            matches!(&link.target, Target::Page { page, fragment: None } if page == ctx.page_id);
        let aria = if current {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<li><a href=\"{}\"{aria}>{}</a></li>",
            escape(&ctx.href(&link.target)),
            escape(&link.label)
        );
    }
    out.push_str("</ul>\n</nav>\n</div>\n</footer>\n");
}

fn render_page(site: &Site, page: &Page, base: Base) -> String {
    let ctx = Ctx {
        site,
        page_id: &page.id,
        base,
    };
    let mut out = String::with_capacity(16 * 1024);
    head(&ctx, page, &mut out);
    out.push_str("<body>\n");
    header(&ctx, &mut out);
    out.push_str(if page.compact {
        "<main id=\"main\" tabindex=\"-1\" class=\"compact\">\n"
    } else {
        "<main id=\"main\" tabindex=\"-1\">\n"
    });
    let class = if page.hero { "hero" } else { "page-head" };
    let _ = write!(
        out,
        "<div class=\"{class}\">\n<div class=\"wrap\">\n<h1>{}</h1>\n",
        escape(&page.h1)
    );
    if let Some(lead) = &page.lead {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", escape(lead));
    }
    if let Some(intro) = &page.intro {
        let _ = writeln!(out, "<p class=\"intro\">{}</p>", escape(intro));
    }
    if !page.actions.is_empty() {
        out.push_str(&actions(&ctx, &page.actions));
    }
    out.push_str("</div>\n</div>\n");
    for (i, s) in page.sections.iter().enumerate() {
        let class = if s.alt { "section alt" } else { "section" };
        let id = s.id.clone().unwrap_or_else(|| format!("section-{}", i + 1));
        match &s.heading {
            Some(h) => {
                let _ = write!(
                    out,
                    "<section class=\"{class}\" id=\"{id}\" aria-labelledby=\"{id}-heading\">\n<div class=\"wrap\">\n<h2 id=\"{id}-heading\">{}</h2>\n",
                    escape(h),
                    id = escape(&id)
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<div class=\"{class}\" id=\"{}\">\n<div class=\"wrap\">\n",
                    escape(&id)
                );
            }
        }
        let level = if s.heading.is_some() { 3 } else { 2 };
        // Contact details and the form sit side by side on wide screens.
        let grid = s
            .blocks
            .iter()
            .any(|b| matches!(b, Block::ContactForm { .. }));
        if grid {
            out.push_str("<div class=\"contact-grid\">\n");
        }
        for b in &s.blocks {
            block(&ctx, b, level, &mut out);
        }
        if grid {
            out.push_str("</div>\n");
        }
        out.push_str(if s.heading.is_some() {
            "</div>\n</section>\n"
        } else {
            "</div>\n</div>\n"
        });
    }
    out.push_str("</main>\n");
    footer(&ctx, &mut out);
    out.push_str("</body>\n</html>\n");
    out
}

/// The home page's HTML (for the dry-run preview).
pub fn home_html(site: &Site) -> String {
    site.page("home")
        .map(|p| render_page(site, p, Base::Relative))
        .unwrap_or_default()
}

fn not_found(site: &Site) -> String {
    let ui = site.ui;
    let page = Page {
        id: "404".into(),
        file: "404.html".into(),
        route: "/404".into(),
        dir: String::new(),
        title: format!("{} – {}", ui.not_found_title, site.name),
        description: ui.not_found_text.into(),
        h1: ui.not_found_title.into(),
        lead: Some(ui.not_found_text.into()),
        intro: None,
        actions: vec![Action {
            label: ui.back_home.into(),
            target: Target::page("home"),
            primary: true,
        }],
        hero: false,
        sections: Vec::new(),
        noindex: true,
        compact: false,
    };
    render_page(site, &page, Base::Root)
}

/// `robots.txt`, and `sitemap.xml` when the domain is known (sitemaps need absolute URLs).
pub fn robots_and_sitemap(site: &Site) -> (String, Option<String>) {
    let Some(base) = &site.base_url else {
        return (
            "# No sitemap: the site was generated without a domain, and sitemaps need absolute URLs.\nUser-agent: *\nAllow: /\n".into(),
            None,
        );
    };
    let robots = format!("User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n");
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for p in site.pages.iter().filter(|p| !p.noindex) {
        if let Some(url) = absolute_url(site, p) {
            let _ = writeln!(sitemap, "  <url><loc>{}</loc></url>", escape(&url));
        }
    }
    sitemap.push_str("</urlset>\n");
    (robots, Some(sitemap))
}

/// All files of the static site, with paths relative to the site root.
pub fn render(site: &Site) -> Vec<GeneratedFile> {
    let mut files: Vec<GeneratedFile> = site
        .pages
        .iter()
        .map(|p| GeneratedFile::new(&p.file, render_page(site, p, Base::Relative)))
        .collect();
    files.push(GeneratedFile::new("404.html", not_found(site)));
    files.push(GeneratedFile::new(
        "assets/style.css",
        theme::css(site.palette),
    ));
    files.push(GeneratedFile::new(
        "assets/logo.svg",
        theme::logo_svg(site.palette, &site.initials),
    ));
    files.push(GeneratedFile::new(
        "assets/site.js",
        crate::assets::SITE_JS.to_owned(),
    ));
    if site.shop.is_some() {
        files.push(GeneratedFile::new(
            "assets/catalog.js",
            crate::assets::catalog_js(site),
        ));
        files.push(GeneratedFile::new(
            "assets/shop.js",
            crate::assets::SHOP_JS.to_owned(),
        ));
    }
    let (robots, sitemap) = robots_and_sitemap(site);
    files.push(GeneratedFile::new("robots.txt", robots));
    if let Some(sitemap) = sitemap {
        files.push(GeneratedFile::new("sitemap.xml", sitemap));
    }
    files
}
