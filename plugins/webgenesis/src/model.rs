//! The site as data: pages made of sections, blocks and inline text, independent of how they
//! are rendered. The static renderer (`html.rs`) turns it into HTML; the Next.js generator
//! (`nextjs.rs`) serializes the very same value into the project, whose components render it,
//! so both outputs always say the same thing. Text here is raw (never pre-escaped): each
//! renderer escapes for its own context.

use serde::Serialize;

use crate::i18n::Ui;

/// A whole site.
#[derive(Debug, Serialize)]
pub struct Site {
    /// `en` or `de` (the `lang` attribute).
    pub lang: &'static str,
    /// `en-US` or `de-DE` (number formatting).
    pub locale: &'static str,
    /// `en_US` or `de_DE` (Open Graph).
    pub og_locale: &'static str,
    pub slug: String,
    pub name: String,
    /// `https://domain/` when a domain was given.
    pub base_url: Option<String>,
    /// Main navigation, in order.
    pub nav: Vec<NavLink>,
    /// Footer links to the legal pages.
    pub legal_nav: Vec<NavLink>,
    /// Footer text lines (operator, contact).
    pub footer: Vec<Vec<Inline>>,
    pub pages: Vec<Page>,
    /// The catalogue, for shops.
    pub shop: Option<Shop>,
    /// Contact address for forms (mailto), when known.
    pub email: Option<String>,
    /// The business's country in the site's language (default for the checkout form).
    pub country: Option<String>,
    /// schema.org data for the home page (`application/ld+json`).
    pub json_ld: serde_json::Value,
    /// Palette index into `theme::PALETTES`.
    #[serde(skip)]
    pub palette: usize,
    /// Initials for the logo.
    pub initials: String,
    pub ui: &'static Ui,
}

/// A navigation entry: a page by id, or an anchor on the home page.
#[derive(Debug, Clone, Serialize)]
pub struct NavLink {
    pub label: String,
    pub target: Target,
}

/// Where a link goes.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// Another page of the site, by page id, with an optional fragment.
    Page {
        page: String,
        fragment: Option<String>,
    },
    /// Any other URL (`mailto:`, `tel:`, `https:`).
    Url { url: String },
}

impl Target {
    pub fn page(id: &str) -> Self {
        Self::Page {
            page: id.to_owned(),
            fragment: None,
        }
    }
    pub fn anchor(id: &str, fragment: &str) -> Self {
        Self::Page {
            page: id.to_owned(),
            fragment: Some(fragment.to_owned()),
        }
    }
    pub fn url(url: impl Into<String>) -> Self {
        Self::Url { url: url.into() }
    }
}

/// One page.
#[derive(Debug, Serialize)]
pub struct Page {
    /// Stable id: `home`, `about`, `services`, `contact`, `products`, `cart`, `checkout`,
    /// `impressum`, `privacy`.
    pub id: String,
    /// File in the static site, e.g. `about.html`.
    pub file: String,
    /// Route in the Next.js app, e.g. `/about` (`/` for home).
    pub route: String,
    /// Folder under `app/` in the Next.js project (empty for home).
    pub dir: String,
    /// The `<title>`.
    pub title: String,
    /// Meta and Open Graph description.
    pub description: String,
    pub h1: String,
    pub lead: Option<String>,
    /// A longer sentence under the lead (the home page's summary).
    pub intro: Option<String>,
    /// Buttons under the heading.
    pub actions: Vec<Action>,
    /// The home page gets the large hero.
    pub hero: bool,
    pub sections: Vec<Section>,
    /// Kept out of search engines and the sitemap (cart, checkout).
    pub noindex: bool,
    /// Tight spacing between sections (legal texts read as one document).
    pub compact: bool,
}

/// A button-like link.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub label: String,
    pub target: Target,
    pub primary: bool,
}

/// A part of a page with an optional `h2`.
#[derive(Debug, Serialize)]
pub struct Section {
    /// Fragment id, for in-page links.
    pub id: Option<String>,
    pub heading: Option<String>,
    /// Shaded background, to alternate sections.
    pub alt: bool,
    pub blocks: Vec<Block>,
}

/// Content inside a section.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Para {
        content: Vec<Inline>,
    },
    /// A bulleted list.
    List {
        items: Vec<Vec<Inline>>,
    },
    /// Lines kept together, like a postal address.
    Lines {
        lines: Vec<Vec<Inline>>,
    },
    /// Headed sub-part (`h3`), for legal texts.
    Subheading {
        text: String,
    },
    /// A grid of cards (services).
    Cards {
        cards: Vec<Card>,
    },
    /// Buttons.
    Actions {
        actions: Vec<Action>,
    },
    /// Product grid with add-to-cart buttons; `limit` shows only the first products.
    Products {
        limit: Option<usize>,
    },
    /// The interactive cart.
    Cart,
    /// The checkout form with order summary.
    Checkout,
    /// A form that composes an e-mail to `email`.
    ContactForm {
        email: String,
    },
}

/// A service card.
#[derive(Debug, Serialize)]
pub struct Card {
    pub title: String,
    pub text: Option<String>,
}

/// Inline text.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inline {
    Text {
        text: String,
    },
    Strong {
        text: String,
    },
    Link {
        text: String,
        target: Target,
    },
    /// A detail the operator still has to fill in; shown highlighted.
    Placeholder {
        text: String,
    },
}

impl Inline {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text { text: s.into() }
    }
    pub fn strong(s: impl Into<String>) -> Self {
        Self::Strong { text: s.into() }
    }
    pub fn link(s: impl Into<String>, target: Target) -> Self {
        Self::Link {
            text: s.into(),
            target,
        }
    }
    pub fn placeholder(s: impl Into<String>) -> Self {
        Self::Placeholder { text: s.into() }
    }
}

/// The shop's catalogue.
#[derive(Debug, Serialize)]
pub struct Shop {
    /// ISO 4217 code.
    pub currency: String,
    /// Minor-unit digits of the currency.
    pub decimals: u8,
    /// `localStorage` key of the cart.
    pub storage_key: String,
    pub products: Vec<ShopProduct>,
}

/// A product as the pages and the cart show it.
#[derive(Debug, Serialize)]
pub struct ShopProduct {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Price in minor units (cents).
    pub price: u64,
    /// Price formatted for the site's language.
    pub price_text: String,
    pub sku: Option<String>,
}

impl Site {
    pub fn page(&self, id: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.id == id)
    }
}

/// Plain text of inline content (for descriptions and tests).
pub fn plain(content: &[Inline]) -> String {
    content
        .iter()
        .map(|i| match i {
            Inline::Text { text }
            | Inline::Strong { text }
            | Inline::Link { text, .. }
            | Inline::Placeholder { text } => text.as_str(),
        })
        .collect()
}
