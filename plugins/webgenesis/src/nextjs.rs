//! The Next.js project beside the static site (templates `nextjs-business` and
//! `ecommerce-basic`): App Router, TypeScript, exact dependency versions, one folder per page.
//! The content is the same [`Site`] value the static site is rendered from, serialized as a
//! typed literal into `lib/`; generic components render it (JSX escapes every string), so the
//! project needs no edits to build: `npm install && npx next build`.

use serde_json::Value;

use crate::GeneratedFile;
use crate::model::Site;
use crate::theme;

/// Exact versions, tested together with `next build` on Node 20.
pub const NEXT_VERSION: &str = "15.5.29";
pub const REACT_VERSION: &str = "19.2.9";
const TYPES_REACT: &str = "19.2.18";
const TYPES_REACT_DOM: &str = "19.2.7";
const TYPESCRIPT: &str = "5.9.3";
const TYPES_NODE: &str = "20.19.43";

fn ts_literal(v: &Value) -> String {
    // JSON is a valid TypeScript expression; U+2028/2029 are legal in string literals since ES2019
    // but escaping them keeps older tooling happy.
    // `<` is escaped too, so a value can never become markup if someone pastes it into HTML.
    serde_json::to_string_pretty(v)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

const TYPES_TS: &str = r#"// Types of the site content in lib/site.ts (generated; the components render any value of them).

export type Target =
  | { kind: "page"; page: string; fragment: string | null }
  | { kind: "url"; url: string };

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "strong"; text: string }
  | { kind: "link"; text: string; target: Target }
  | { kind: "placeholder"; text: string };

export type Action = { label: string; target: Target; primary: boolean };

export type Card = { title: string; text: string | null };

export type Block =
  | { kind: "para"; content: Inline[] }
  | { kind: "list"; items: Inline[][] }
  | { kind: "lines"; lines: Inline[][] }
  | { kind: "subheading"; text: string }
  | { kind: "cards"; cards: Card[] }
  | { kind: "actions"; actions: Action[] }
  | { kind: "products"; limit: number | null }
  | { kind: "cart" }
  | { kind: "checkout" }
  | { kind: "contact_form"; email: string };

export type Section = { id: string | null; heading: string | null; alt: boolean; blocks: Block[] };

export type Page = {
  id: string;
  file: string;
  route: string;
  dir: string;
  title: string;
  description: string;
  h1: string;
  lead: string | null;
  intro: string | null;
  actions: Action[];
  hero: boolean;
  sections: Section[];
  noindex: boolean;
  compact: boolean;
};

export type NavLink = { label: string; target: Target };

export type ShopProduct = {
  id: string;
  name: string;
  description: string | null;
  /** Price in minor units (cents). */
  price: number;
  price_text: string;
  sku: string | null;
};

export type Shop = { currency: string; decimals: number; storage_key: string; products: ShopProduct[] };

export type Ui = Record<string, string>;

export type Site = {
  lang: string;
  locale: string;
  og_locale: string;
  slug: string;
  name: string;
  base_url: string | null;
  nav: NavLink[];
  legal_nav: NavLink[];
  footer: Inline[][];
  pages: Page[];
  shop: Shop | null;
  email: string | null;
  country: string | null;
  json_ld: Record<string, unknown>;
  initials: string;
  ui: Ui;
};
"#;

const CONTENT_TS: &str = r#"import type { Metadata } from "next";
import type { Page, Target } from "./types";
import { site } from "./site";

/** The page with this id (the ids are fixed by the generator). */
export function getPage(id: string): Page {
  const page = site.pages.find((p) => p.id === id);
  if (!page) {
    throw new Error(`no page with id ${id}`);
  }
  return page;
}

/** The URL of a link target inside this app. */
export function href(target: Target): string {
  if (target.kind === "url") {
    return target.url;
  }
  const page = site.pages.find((p) => p.id === target.page);
  const route = page ? page.route : "/";
  return target.fragment ? `${route}#${target.fragment}` : route;
}

/** Title, description, canonical URL and Open Graph tags of a page. */
export function pageMetadata(id: string): Metadata {
  const page = getPage(id);
  const url = site.base_url ? page.route : undefined;
  return {
    title: { absolute: page.title },
    description: page.description,
    alternates: url ? { canonical: url } : undefined,
    robots: page.noindex ? { index: false, follow: true } : undefined,
    openGraph: {
      type: "website",
      siteName: site.name,
      title: page.title,
      description: page.description,
      locale: site.og_locale,
      url,
    },
    twitter: { card: "summary", title: page.title, description: page.description },
  };
}
"#;

const LAYOUT_TSX: &str = r##"import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";
import { site } from "@/lib/site";

export const metadata: Metadata = {
  metadataBase: site.base_url ? new URL(site.base_url) : undefined,
  title: site.name,
  applicationName: site.name,
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "__LIGHT_BG__" },
    { media: "(prefers-color-scheme: dark)", color: "__DARK_BG__" },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang={site.lang}>
      <body>
        <a className="skip-link" href="#main">
          {site.ui.skip_link}
        </a>
        {children}
      </body>
    </html>
  );
}
"##;

const CHROME_TSX: &str = r#"import Link from "next/link";
import { site } from "@/lib/site";
import { href } from "@/lib/content";
import { InlineView } from "./Blocks";
__CART_COUNT_IMPORT__
/** The site header with the main navigation; `current` is the id of the page shown. */
export function Header({ current }: { current: string }) {
  return (
    <header className="site-header">
      <div className="wrap">
        <Link className="brand" href="/">
          {/* eslint-disable-next-line @next/next/no-img-element -- a 2 KB SVG needs no image optimisation */}
          <img src="/logo.svg" alt="" width={36} height={36} />
          <span>{site.name}</span>
        </Link>
        <nav className="site-nav" aria-label={site.ui.main_nav}>
          <ul>
            {site.nav.map((link) => {
              const isCurrent = link.target.kind === "page" && link.target.page === current && !link.target.fragment;
              const isCart = link.target.kind === "page" && link.target.page === "cart";
              return (
                <li key={link.label}>
                  <Link href={href(link.target)} aria-current={isCurrent ? "page" : undefined}>
                    {link.label}
                    {isCart ? __CART_COUNT__ : null}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      </div>
    </header>
  );
}

/** The footer: operator, contact and the legal pages. */
export function Footer({ current }: { current: string }) {
  return (
    <footer className="site-footer">
      <div className="wrap">
        <div>
          {site.footer.map((line, i) => (
            <p key={i}>
              <InlineView content={line} />
            </p>
          ))}
        </div>
        <nav aria-label={site.ui.legal_nav}>
          <ul>
            {site.legal_nav.map((link) => {
              const isCurrent = link.target.kind === "page" && link.target.page === current;
              return (
                <li key={link.label}>
                  <Link href={href(link.target)} aria-current={isCurrent ? "page" : undefined}>
                    {link.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      </div>
    </footer>
  );
}
"#;

const PAGE_VIEW_TSX: &str = r#"import { getPage } from "@/lib/content";
import { site } from "@/lib/site";
import { Actions, BlockView } from "./Blocks";
import { Footer, Header } from "./Chrome";

/** JSON for a script element: `<` escaped so no value can close the element. */
function jsonLd(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** A whole page: header, heading area, sections, footer. */
export function PageView({ id }: { id: string }) {
  const page = getPage(id);
  return (
    <>
      <Header current={id} />
      <main id="main" tabIndex={-1} className={page.compact ? "compact" : undefined}>
        <div className={page.hero ? "hero" : "page-head"}>
          <div className="wrap">
            <h1>{page.h1}</h1>
            {page.lead ? <p className="lead">{page.lead}</p> : null}
            {page.intro ? <p className="intro">{page.intro}</p> : null}
            {page.actions.length > 0 ? <Actions actions={page.actions} /> : null}
          </div>
        </div>
        {page.sections.map((section, i) => {
          const sectionId = section.id ?? `section-${i + 1}`;
          const className = section.alt ? "section alt" : "section";
          const level = section.heading ? 3 : 2;
          const views = section.blocks.map((block, j) => <BlockView key={j} block={block} level={level} />);
          // Contact details and the form sit side by side on wide screens.
          const blocks = section.blocks.some((b) => b.kind === "contact_form") ? <div className="contact-grid">{views}</div> : views;
          return section.heading ? (
            <section key={sectionId} className={className} id={sectionId} aria-labelledby={`${sectionId}-heading`}>
              <div className="wrap">
                <h2 id={`${sectionId}-heading`}>{section.heading}</h2>
                {blocks}
              </div>
            </section>
          ) : (
            <div key={sectionId} className={className} id={sectionId}>
              <div className="wrap">{blocks}</div>
            </div>
          );
        })}
      </main>
      <Footer current={id} />
      {id === "home" ? <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: jsonLd(site.json_ld) }} /> : null}
    </>
  );
}
"#;

const BLOCKS_TSX: &str = r#"import Link from "next/link";
import type { Action, Block, Inline } from "@/lib/types";
import { href } from "@/lib/content";
import { site } from "@/lib/site";
import { ContactForm } from "./ContactForm";
__SHOP_IMPORTS__
function Heading({ level, children }: { level: number; children: React.ReactNode }) {
  return level === 2 ? <h2>{children}</h2> : <h3>{children}</h3>;
}

function LinkTo({ target, className, children }: { target: Action["target"]; className?: string; children: React.ReactNode }) {
  if (target.kind === "url") {
    return (
      <a className={className} href={target.url}>
        {children}
      </a>
    );
  }
  return (
    <Link className={className} href={href(target)}>
      {children}
    </Link>
  );
}

/** Inline content: text, emphasis, links and highlighted placeholders. */
export function InlineView({ content }: { content: Inline[] }) {
  return (
    <>
      {content.map((item, i) => {
        switch (item.kind) {
          case "text":
            return <span key={i}>{item.text}</span>;
          case "strong":
            return <strong key={i}>{item.text}</strong>;
          case "link":
            return (
              <LinkTo key={i} target={item.target}>
                {item.text}
              </LinkTo>
            );
          case "placeholder":
            return (
              <mark key={i} className="placeholder">
                {item.text}
              </mark>
            );
        }
      })}
    </>
  );
}

/** Button-like links. */
export function Actions({ actions }: { actions: Action[] }) {
  return (
    <div className="actions">
      {actions.map((a) => (
        <LinkTo key={a.label} target={a.target} className={`button ${a.primary ? "primary" : "secondary"}`}>
          {a.label}
        </LinkTo>
      ))}
    </div>
  );
}

/** One block of a section; `level` is the heading level for headings inside it. */
export function BlockView({ block, level }: { block: Block; level: number }) {
  switch (block.kind) {
    case "para":
      return (
        <p>
          <InlineView content={block.content} />
        </p>
      );
    case "list":
      return (
        <ul>
          {block.items.map((item, i) => (
            <li key={i}>
              <InlineView content={item} />
            </li>
          ))}
        </ul>
      );
    case "lines":
      return (
        <div className="lines">
          {block.lines.map((line, i) => (
            <p key={i}>
              <InlineView content={line} />
            </p>
          ))}
        </div>
      );
    case "subheading":
      return <Heading level={level}>{block.text}</Heading>;
    case "cards":
      return (
        <ul className="cards">
          {block.cards.map((card) => (
            <li key={card.title} className="card">
              <Heading level={level}>{card.title}</Heading>
              {card.text ? <p>{card.text}</p> : null}
            </li>
          ))}
        </ul>
      );
    case "actions":
      return <Actions actions={block.actions} />;
    case "contact_form":
      return <ContactForm email={block.email} level={level} />;
__SHOP_CASES__
  }
}
"#;

const BLOCKS_SHOP_CASES: &str = r#"    case "products": {
      const products = site.shop ? site.shop.products.slice(0, block.limit ?? undefined) : [];
      if (products.length === 0) {
        return <p>{site.ui.products_empty}</p>;
      }
      return (
        <>
          <ul className="cards products">
            {products.map((p) => (
              <li key={p.id} className="card" id={`product-${p.id}`}>
                <Heading level={level}>{p.name}</Heading>
                {p.description ? <p>{p.description}</p> : null}
                <p className="price">{p.price_text}</p>
                <AddToCart id={p.id} name={p.name} />
              </li>
            ))}
          </ul>
          <PriceNote />
          <CartStatus />
        </>
      );
    }
    case "cart":
      return <CartView />;
    case "checkout":
      return <CheckoutView />;"#;

const BLOCKS_NO_SHOP_CASES: &str = r#"    case "products":
    case "cart":
    case "checkout":
      return null;"#;

const CONTACT_FORM_TSX: &str = r#""use client";

import type { FormEvent } from "react";
import { ui } from "@/lib/ui";

/** Composes an e-mail in the visitor's mail program; nothing is sent to a server. */
export function ContactForm({ email, level }: { email: string; level: number }) {
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    if (!form.checkValidity()) {
      form.reportValidity();
      return;
    }
    const data = new FormData(form);
    const value = (name: string) => String(data.get(name) ?? "").trim();
    const subject = `${ui.contact_subject} – ${value("sender_name")}`;
    const body = `${value("message")}\n\n${value("sender_name")}\n${value("sender_email")}`;
    window.location.href = `mailto:${email}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`;
  }
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <form className="contact-form" onSubmit={onSubmit} action={`mailto:${email}`} method="post" encType="text/plain">
      <Heading>{ui.write_us}</Heading>
      <div className="field">
        <label htmlFor="cf-name">{ui.form_name}</label>
        <input id="cf-name" name="sender_name" type="text" autoComplete="name" required />
      </div>
      <div className="field">
        <label htmlFor="cf-email">{ui.form_email}</label>
        <input id="cf-email" name="sender_email" type="email" autoComplete="email" required />
      </div>
      <div className="field">
        <label htmlFor="cf-message">{ui.form_message}</label>
        <textarea id="cf-message" name="message" required />
      </div>
      <p className="note" id="cf-hint">
        {ui.form_hint}
      </p>
      <button className="button primary" type="submit" aria-describedby="cf-hint">
        {ui.form_send}
      </button>
    </form>
  );
}
"#;

const CART_TS: &str = r#""use client";

// The cart: quantities by product id in this browser's localStorage (the same key and format
// as the static site), prices always from the catalogue.
import { useSyncExternalStore } from "react";
import { locale, shop } from "./catalog";

export type Cart = Record<string, number>;
export type Line = { id: string; sku: string; name: string; quantity: number; unit_price: number; total: number };

const KEY = shop.storage_key;
const CHANGE = "abp-cart-change";
const MAX_QTY = 99;
const EMPTY: Cart = {};
let cached: { raw: string | null; cart: Cart } = { raw: null, cart: EMPTY };

function sanitize(raw: unknown): Cart {
  const cart: Cart = {};
  if (raw && typeof raw === "object") {
    for (const [id, qty] of Object.entries(raw as Record<string, unknown>)) {
      const n = Math.floor(Number(qty));
      if (shop.products.some((p) => p.id === id) && n > 0) {
        cart[id] = Math.min(n, MAX_QTY);
      }
    }
  }
  return cart;
}

function read(): Cart {
  let raw: string | null = null;
  try {
    raw = window.localStorage.getItem(KEY);
  } catch {
    return cached.cart;
  }
  if (raw === cached.raw) {
    return cached.cart;
  }
  let parsed: unknown = {};
  try {
    parsed = JSON.parse(raw ?? "{}");
  } catch {
    parsed = {};
  }
  cached = { raw, cart: sanitize(parsed) };
  return cached.cart;
}

function write(cart: Cart) {
  const raw = JSON.stringify(cart);
  try {
    window.localStorage.setItem(KEY, raw);
  } catch {
    // Private mode without storage: keep the cart for this page view.
  }
  cached = { raw, cart };
  window.dispatchEvent(new Event(CHANGE));
}

function subscribe(callback: () => void) {
  window.addEventListener("storage", callback);
  window.addEventListener(CHANGE, callback);
  return () => {
    window.removeEventListener("storage", callback);
    window.removeEventListener(CHANGE, callback);
  };
}

/** The current cart; empty during server rendering. */
export function useCart(): Cart {
  return useSyncExternalStore(subscribe, read, () => EMPTY);
}

export function addToCart(id: string) {
  const cart = { ...read() };
  cart[id] = Math.min((cart[id] ?? 0) + 1, MAX_QTY);
  write(cart);
}

export function setQuantity(id: string, quantity: number) {
  const cart = { ...read() };
  if (!(quantity > 0)) {
    delete cart[id];
  } else {
    cart[id] = Math.min(Math.floor(quantity), MAX_QTY);
  }
  write(cart);
}

export function lines(cart: Cart): Line[] {
  return shop.products
    .filter((p) => cart[p.id])
    .map((p) => ({ id: p.id, sku: p.sku ?? p.id, name: p.name, quantity: cart[p.id], unit_price: p.price, total: p.price * cart[p.id] }));
}

export function count(cart: Cart): number {
  return Object.values(cart).reduce((n, q) => n + q, 0);
}

export function subtotal(cart: Cart): number {
  return lines(cart).reduce((s, l) => s + l.total, 0);
}

const money = new Intl.NumberFormat(locale, {
  style: "currency",
  currency: shop.currency,
  minimumFractionDigits: shop.decimals,
  maximumFractionDigits: shop.decimals,
});

/** Formats minor units (cents) as the shop's currency. */
export function formatMoney(minor: number): string {
  return money.format(minor / 10 ** shop.decimals);
}

/** `template` with `{name}` replaced. */
export function say(template: string, name: string): string {
  return template.replace("{name}", name);
}
"#;

const CART_COMPONENTS_TSX: &str = r#""use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { addToCart, count, formatMoney, lines, say, setQuantity, subtotal, useCart } from "@/lib/cart";
import { ui } from "@/lib/ui";
import { PriceNote } from "./PriceNote";
const STATUS = "abp-cart-status";

function announce(text: string) {
  window.dispatchEvent(new CustomEvent(STATUS, { detail: text }));
}

/** A polite live region that reads out what the cart buttons did. */
export function CartStatus() {
  const [text, setText] = useState("");
  useEffect(() => {
    const onStatus = (event: Event) => setText(String((event as CustomEvent).detail));
    window.addEventListener(STATUS, onStatus);
    return () => window.removeEventListener(STATUS, onStatus);
  }, []);
  return (
    <p className="status" role="status" aria-live="polite">
      {text}
    </p>
  );
}

export function AddToCart({ id, name }: { id: string; name: string }) {
  return (
    <button
      className="button primary"
      type="button"
      onClick={() => {
        addToCart(id);
        announce(say(ui.added_to_cart, name));
      }}
    >
      {ui.add_to_cart}
      <span className="visually-hidden">: {name}</span>
    </button>
  );
}

/** The number of items, next to the cart link. */
export function CartCount() {
  const n = count(useCart());
  if (n === 0) {
    return null;
  }
  return (
    <>
      {" "}
      <span className="count">{n}</span>
      <span className="visually-hidden"> {ui.cart_count_label}</span>
    </>
  );
}

export function CartView() {
  const cart = useCart();
  const items = lines(cart);
  return (
    <div className="cart">
      {items.length === 0 ? (
        <p>{ui.cart_empty}</p>
      ) : (
        <div>
          <table>
            <caption className="visually-hidden">{ui.cart}</caption>
            <thead>
              <tr>
                <th scope="col">{ui.product}</th>
                <th scope="col" className="num hide-sm">
                  {ui.unit_price}
                </th>
                <th scope="col">{ui.quantity}</th>
                <th scope="col" className="num">
                  {ui.line_total}
                </th>
                <th scope="col">
                  <span className="visually-hidden">{ui.remove}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((l) => (
                <tr key={l.id}>
                  <th scope="row">{l.name}</th>
                  <td className="num hide-sm">{formatMoney(l.unit_price)}</td>
                  <td>
                    <input
                      type="number"
                      min={1}
                      max={99}
                      step={1}
                      inputMode="numeric"
                      aria-label={say(ui.quantity_of, l.name)}
                      value={l.quantity}
                      onChange={(e) => {
                        const q = Number(e.target.value);
                        if (q > 0) {
                          setQuantity(l.id, q);
                        }
                      }}
                    />
                  </td>
                  <td className="num">{formatMoney(l.total)}</td>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      aria-label={say(ui.remove_of, l.name)}
                      onClick={() => {
                        setQuantity(l.id, 0);
                        announce(say(ui.removed_from_cart, l.name));
                      }}
                    >
                      {ui.remove}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="total">
            {ui.subtotal}: <span>{formatMoney(subtotal(cart))}</span>
          </p>
          <PriceNote />
        </div>
      )}
      <CartStatus />
      <div className="actions">
        {items.length > 0 ? (
          <Link className="button primary" href="/checkout">
            {ui.to_checkout}
          </Link>
        ) : null}
        <Link className="button secondary" href="/products">
          {ui.continue_shopping}
        </Link>
      </div>
    </div>
  );
}
"#;

const CHECKOUT_TSX: &str = r#""use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { formatMoney, lines, subtotal, useCart } from "@/lib/cart";
import { contactEmail, defaultCountry, privacyRoute } from "@/lib/catalog";
import { ui } from "@/lib/ui";
import { PriceNote } from "./PriceNote";

type Field = { name: string; label: string; type: string; autoComplete: string; required: boolean };

const FIELDS: Field[] = [
  { name: "name", label: ui.full_name, type: "text", autoComplete: "name", required: true },
  { name: "email", label: ui.email, type: "email", autoComplete: "email", required: true },
  { name: "phone", label: ui.phone_optional, type: "tel", autoComplete: "tel", required: false },
  { name: "street", label: ui.street, type: "text", autoComplete: "street-address", required: true },
  { name: "postal_code", label: ui.postal_code, type: "text", autoComplete: "postal-code", required: true },
  { name: "city", label: ui.city, type: "text", autoComplete: "address-level2", required: true },
  { name: "country", label: ui.country, type: "text", autoComplete: "country-name", required: true },
];

/** The order form. Payment is handed to /api/checkout, where a payment provider plugs in. */
export function CheckoutView() {
  const cart = useCart();
  const items = lines(cart);
  const [status, setStatus] = useState<{ text: string; error: boolean; mail: string | null }>({ text: "", error: false, mail: null });
  const [busy, setBusy] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    if (items.length === 0) {
      setStatus({ text: ui.checkout_empty, error: true, mail: null });
      return;
    }
    for (const el of Array.from(form.querySelectorAll("input, textarea"))) {
      const input = el as HTMLInputElement;
      input.setAttribute("aria-invalid", String(!input.checkValidity()));
    }
    if (!form.checkValidity()) {
      setStatus({ text: ui.check_fields, error: true, mail: null });
      form.reportValidity();
      return;
    }
    const data = new FormData(form);
    const value = (name: string) => String(data.get(name) ?? "").trim();
    const customer = Object.fromEntries([...FIELDS.map((f) => f.name), "note"].map((n) => [n, value(n)]));
    const order = { items: items.map((l) => ({ id: l.id, quantity: l.quantity })), customer };
    setBusy(true);
    try {
      const res = await fetch("/api/checkout", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(order),
      });
      const answer: unknown = await res.json().catch(() => null);
      const redirect = answer && typeof answer === "object" ? (answer as { redirect_url?: unknown }).redirect_url : undefined;
      if (res.ok && typeof redirect === "string") {
        window.location.assign(redirect);
        return;
      }
      setStatus({ text: ui.payment_not_configured, error: true, mail: orderMail(customer) });
    } catch {
      setStatus({ text: ui.payment_not_configured, error: true, mail: orderMail(customer) });
    } finally {
      setBusy(false);
    }
  }

  function orderMail(customer: Record<string, string>): string | null {
    if (!contactEmail) {
      return null;
    }
    const text = [ui.order_mail_intro, ""];
    for (const l of items) {
      text.push(`${l.quantity} × ${l.name} (${l.sku}) – ${formatMoney(l.total)}`);
    }
    text.push("", `${ui.subtotal}: ${formatMoney(subtotal(cart))}`, "");
    const c = customer;
    for (const v of [c.name, c.street, `${c.postal_code} ${c.city}`, c.country, c.email, c.phone, c.note]) {
      if (v && v.trim()) {
        text.push(v);
      }
    }
    return `mailto:${contactEmail}?subject=${encodeURIComponent(ui.order_mail_subject)}&body=${encodeURIComponent(text.join("\n"))}`;
  }

  return (
    <div className="checkout">
      <aside className="summary" aria-labelledby="summary-heading">
        <h2 id="summary-heading">{ui.order_summary}</h2>
        {items.length === 0 ? <p>{ui.checkout_empty}</p> : null}
        <ul>
          {items.map((l) => (
            <li key={l.id}>
              {l.quantity} × {l.name} – {formatMoney(l.total)}
            </li>
          ))}
        </ul>
        <p className="total">
          {ui.subtotal}: <span>{formatMoney(subtotal(cart))}</span>
        </p>
        <PriceNote />
      </aside>
      <form onSubmit={onSubmit} noValidate={false}>
        <h2>{ui.your_details}</h2>
        <p className="note">{ui.required_hint}</p>
        {FIELDS.map((f) => (
          <div className="field" key={f.name}>
            <label htmlFor={`co-${f.name}`}>
              {f.label}
              {f.required ? <span aria-hidden="true"> *</span> : null}
            </label>
            <input
              id={`co-${f.name}`}
              name={f.name}
              type={f.type}
              autoComplete={f.autoComplete}
              required={f.required}
              defaultValue={f.name === "country" ? (defaultCountry ?? undefined) : undefined}
            />
          </div>
        ))}
        <div className="field">
          <label htmlFor="co-note">{ui.note_optional}</label>
          <textarea id="co-note" name="note" />
        </div>
        <p className="note">{ui.payment_info}</p>
        <p className="note">
          {ui.privacy_hint} <Link href={privacyRoute}>{ui.privacy_title}</Link>.
        </p>
        <button className="button primary" type="submit" disabled={busy}>
          {ui.pay_button}
        </button>
        <div className={status.error ? "status error" : "status"} role="status" aria-live="polite">
          {status.text}
          {status.mail ? (
            <p>
              <a href={status.mail}>{ui.order_by_email}</a>
            </p>
          ) : null}
        </div>
      </form>
    </div>
  );
}
"#;

const PRICE_NOTE_TSX: &str = r#"import { ui } from "@/lib/ui";

/** The note on prices and shipping under catalogue, cart and order summary. */
export function PriceNote() {
  return (
    <p className="note">
      {ui.price_note} {ui.shipping_note}
    </p>
  );
}
"#;

const CHECKOUT_ROUTE_TS: &str = r#"import { NextResponse } from "next/server";
import { shop } from "@/lib/catalog";

type OrderItem = { id: string; quantity: number };

/**
 * Receives an order from the checkout page and starts the payment.
 *
 * Prices are recomputed here from the catalogue: never trust amounts sent by a browser.
 * To take payments, create a checkout session with your provider's SDK (Stripe Checkout,
 * Mollie, PayPal, ...) for `lines` and answer `{ redirect_url }` with its payment page; the
 * checkout page then sends the customer there. Until that is done this answers 501 and the
 * page tells the customer that nothing was ordered or charged.
 */
export async function POST(request: Request) {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return NextResponse.json({ error: "the order must be JSON" }, { status: 400 });
  }
  const raw = body && typeof body === "object" ? (body as { items?: unknown }).items : undefined;
  if (!Array.isArray(raw) || raw.length === 0) {
    return NextResponse.json({ error: "the order has no items" }, { status: 400 });
  }
  const problems: string[] = [];
  const lines = (raw as OrderItem[]).flatMap((item) => {
    const product = shop.products.find((p) => p.id === item?.id);
    const quantity = Math.floor(Number(item?.quantity));
    if (!product || !(quantity > 0 && quantity <= 99)) {
      problems.push(`unknown product or bad quantity: ${JSON.stringify(item)}`);
      return [];
    }
    return [{ id: product.id, sku: product.sku ?? product.id, name: product.name, quantity, unit_price: product.price, total: product.price * quantity }];
  });
  if (problems.length > 0) {
    return NextResponse.json({ error: "invalid order", problems }, { status: 400 });
  }
  const subtotal = lines.reduce((sum, l) => sum + l.total, 0);
  return NextResponse.json(
    { error: "payment_not_configured", currency: shop.currency, subtotal, lines },
    { status: 501 },
  );
}
"#;

fn page_tsx(id: &str, component: &str) -> String {
    format!(
        "import {{ PageView }} from \"@/components/PageView\";\nimport {{ pageMetadata }} from \"@/lib/content\";\n\n\
         export const metadata = pageMetadata({id:?});\n\n\
         export default function {component}() {{\n  return <PageView id={{{id:?}}} />;\n}}\n"
    )
}

fn component_name(id: &str) -> String {
    let mut name: String = id
        .split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    name.push_str("Page");
    name
}

fn not_found_tsx() -> String {
    r#"import Link from "next/link";
import { Footer, Header } from "@/components/Chrome";
import { site } from "@/lib/site";

export default function NotFound() {
  return (
    <>
      <Header current="404" />
      <main id="main" tabIndex={-1}>
        <div className="page-head">
          <div className="wrap">
            <h1>{site.ui.not_found_title}</h1>
            <p className="lead">{site.ui.not_found_text}</p>
            <div className="actions">
              <Link className="button primary" href="/">
                {site.ui.back_home}
              </Link>
            </div>
          </div>
        </div>
      </main>
      <Footer current="404" />
    </>
  );
}
"#
    .to_owned()
}

fn readme(site: &Site, shop: bool) -> String {
    let mut s = format!(
        "# {name}\n\nA Next.js {next} site (App Router, TypeScript), generated by abp's `webgenesis` node.\n\n\
         ## Run it\n\n```sh\nnpm install\nnpm run dev      # http://localhost:3000\nnpx next build   # production build\nnpm start        # serve the build\n```\n\n\
         Requires Node.js 18.18 or newer. A static version of the same site (plain HTML, no build step)\n\
         was generated beside this project in `../site/`.\n\n\
         ## Where things are\n\n\
         - `lib/site.ts`: all texts and pages (edit here; the components render whatever it holds).\n\
         - `app/<page>/page.tsx`: one folder per page; `app/layout.tsx` wraps them all.\n\
         - `app/globals.css`: the styles, with light and dark colours (`prefers-color-scheme`).\n\
         - `components/`: header and footer, the page renderer, the contact form.\n\n\
         Nothing is loaded from other servers (no web fonts, no CDNs, no trackers).\n",
        name = crate::html::escape(&site.name),
        next = NEXT_VERSION
    );
    if shop {
        s.push_str(
            "\n## The shop\n\n\
             - `lib/catalog.ts`: products and prices (in minor units, e.g. cents).\n\
             - The cart lives in the browser's `localStorage` (`lib/cart.ts`); no cookies.\n\
             - Checkout posts the order to `app/api/checkout/route.ts`, which recomputes the prices and is\n  \
             where a payment provider plugs in: create a checkout session there with your provider's SDK\n  \
             (Stripe, Mollie, PayPal, ...) and answer `{ redirect_url }`. Until then it answers 501 and the\n  \
             checkout page tells the customer that nothing was ordered or charged.\n\
             - A German shop also needs terms (AGB), a cancellation policy and shipping information.\n",
        );
    }
    s
}

/// All files of the Next.js project, with paths relative to the project root.
pub fn render(site: &Site) -> Vec<GeneratedFile> {
    let shop = site.shop.is_some();
    let palette = &theme::PALETTES[site.palette.min(theme::PALETTES.len() - 1)];
    let mut files = Vec::new();
    let mut add = |path: &str, contents: String| files.push(GeneratedFile::new(path, contents));

    let package = serde_json::json!({
        "name": site.slug,
        "version": "0.1.0",
        "private": true,
        "scripts": { "dev": "next dev", "build": "next build", "start": "next start" },
        "engines": { "node": ">=18.18.0" },
        "dependencies": { "next": NEXT_VERSION, "react": REACT_VERSION, "react-dom": REACT_VERSION },
        "devDependencies": {
            "@types/node": TYPES_NODE,
            "@types/react": TYPES_REACT,
            "@types/react-dom": TYPES_REACT_DOM,
            "typescript": TYPESCRIPT,
        },
    });
    add(
        "package.json",
        format!(
            "{}\n",
            serde_json::to_string_pretty(&package).unwrap_or_default()
        ),
    );
    add(
        "next.config.mjs",
        "/** @type {import('next').NextConfig} */\nconst nextConfig = {\n  reactStrictMode: true,\n  poweredByHeader: false,\n};\n\nexport default nextConfig;\n".into(),
    );
    add("tsconfig.json", TSCONFIG.into());
    add(
        "next-env.d.ts",
        "/// <reference types=\"next\" />\n/// <reference types=\"next/image-types/global\" />\n/// <reference path=\"./.next/types/routes.d.ts\" />\n\n// NOTE: This file should not be edited\n// see https://nextjs.org/docs/app/api-reference/config/typescript for more information.\n".into(),
    );
    add(
        ".gitignore",
        "/node_modules\n/.next/\n/out/\n*.tsbuildinfo\n.env*.local\n".into(),
    );
    add("README.md", readme(site, shop));

    // Content: the site value without ui and shop, which client components import separately
    // so the browser bundle carries only what it needs.
    let mut content = serde_json::to_value(site).unwrap_or(Value::Null);
    let ui = content
        .as_object_mut()
        .and_then(|o| o.remove("ui"))
        .unwrap_or(Value::Null);
    let shop_value = content
        .as_object_mut()
        .and_then(|o| o.remove("shop"))
        .unwrap_or(Value::Null);
    add("lib/types.ts", TYPES_TS.into());
    add(
        "lib/ui.ts",
        format!(
            "// UI strings of the site (generated).\nimport type {{ Ui }} from \"./types\";\n\nexport const ui: Ui = {};\n",
            ts_literal(&ui)
        ),
    );
    add(
        "lib/site.ts",
        format!(
            "// The site's content (generated from the business description; edit freely).\nimport type {{ Site }} from \"./types\";\nimport {{ ui }} from \"./ui\";\n{shop_import}\n\
             const content: Omit<Site, \"ui\" | \"shop\"> = {};\n\nexport const site: Site = {{ ...content, ui, shop: {shop_ref} }};\n",
            ts_literal(&content),
            shop_import = if shop {
                "import { shop } from \"./catalog\";\n"
            } else {
                ""
            },
            shop_ref = if shop { "shop" } else { "null" },
        ),
    );
    add("lib/content.ts", CONTENT_TS.into());
    if shop {
        let privacy = site.page("privacy").map_or("/", |p| p.route.as_str());
        let country = site.country.as_deref();
        add(
            "lib/catalog.ts",
            format!(
                "// The shop's catalogue (generated): prices in minor units of the currency.\nimport type {{ Shop }} from \"./types\";\n\n\
                 export const shop: Shop = {};\n\nexport const contactEmail: string | null = {};\n\nexport const defaultCountry: string | null = {};\n\nexport const privacyRoute = {};\n\nexport const locale = {};\n",
                ts_literal(&shop_value),
                ts_literal(&serde_json::json!(site.email)),
                ts_literal(&serde_json::json!(country)),
                ts_literal(&serde_json::json!(privacy)),
                ts_literal(&serde_json::json!(site.locale)),
            ),
        );
        add("lib/cart.ts", CART_TS.into());
        add("components/Cart.tsx", CART_COMPONENTS_TSX.into());
        add("components/Checkout.tsx", CHECKOUT_TSX.into());
        add("app/api/checkout/route.ts", CHECKOUT_ROUTE_TS.into());
        add("components/PriceNote.tsx", PRICE_NOTE_TSX.into());
    }

    add(
        "app/layout.tsx",
        LAYOUT_TSX
            .replace("__LIGHT_BG__", palette.light.bg)
            .replace("__DARK_BG__", palette.dark.bg),
    );
    add("app/globals.css", theme::css(site.palette));
    add(
        "app/icon.svg",
        theme::logo_svg(site.palette, &site.initials),
    );
    add(
        "public/logo.svg",
        theme::logo_svg(site.palette, &site.initials),
    );
    add("app/not-found.tsx", not_found_tsx());
    add(
        "components/Chrome.tsx",
        CHROME_TSX
            .replace(
                "__CART_COUNT_IMPORT__",
                if shop {
                    "import { CartCount } from \"./Cart\";\n"
                } else {
                    ""
                },
            )
            .replace(
                "__CART_COUNT__",
                if shop { "<CartCount />" } else { "null" },
            ),
    );
    add("components/PageView.tsx", PAGE_VIEW_TSX.into());
    add(
        "components/Blocks.tsx",
        BLOCKS_TSX
            .replace(
                "__SHOP_IMPORTS__",
                if shop {
                    "import { AddToCart, CartStatus, CartView } from \"./Cart\";\nimport { CheckoutView } from \"./Checkout\";\nimport { PriceNote } from \"./PriceNote\";\n"
                } else {
                    ""
                },
            )
            .replace("__SHOP_CASES__", if shop { BLOCKS_SHOP_CASES } else { BLOCKS_NO_SHOP_CASES }),
    );
    add("components/ContactForm.tsx", CONTACT_FORM_TSX.into());

    for p in &site.pages {
        let path = if p.dir.is_empty() {
            "app/page.tsx".to_owned()
        } else {
            format!("app/{}/page.tsx", p.dir)
        };
        add(&path, page_tsx(&p.id, &component_name(&p.id)));
    }

    let sitemap_pages: Vec<&str> = site
        .pages
        .iter()
        .filter(|p| !p.noindex)
        .map(|p| p.route.as_str())
        .collect();
    add(
        "app/robots.ts",
        format!(
            "import type {{ MetadataRoute }} from \"next\";\n\nexport default function robots(): MetadataRoute.Robots {{\n  return {{\n    rules: {{ userAgent: \"*\", allow: \"/\" }},\n{}  }};\n}}\n",
            site.base_url
                .as_ref()
                .map(|b| format!(
                    "    sitemap: {},\n",
                    ts_literal(&Value::String(format!("{b}sitemap.xml")))
                ))
                .unwrap_or_default()
        ),
    );
    if let Some(base) = &site.base_url {
        add(
            "app/sitemap.ts",
            format!(
                "import type {{ MetadataRoute }} from \"next\";\n\nconst BASE = {};\nconst ROUTES = {};\n\n\
                 export default function sitemap(): MetadataRoute.Sitemap {{\n  return ROUTES.map((route) => ({{ url: new URL(route.slice(1), BASE).toString() }}));\n}}\n",
                ts_literal(&Value::String(base.clone())),
                ts_literal(&serde_json::json!(sitemap_pages)),
            ),
        );
    }
    files
}

const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "target": "ES2017",
    "lib": ["dom", "dom.iterable", "esnext"],
    "allowJs": true,
    "skipLibCheck": true,
    "strict": true,
    "noEmit": true,
    "esModuleInterop": true,
    "module": "esnext",
    "moduleResolution": "bundler",
    "resolveJsonModule": true,
    "isolatedModules": true,
    "jsx": "preserve",
    "incremental": true,
    "plugins": [{ "name": "next" }],
    "paths": { "@/*": ["./*"] }
  },
  "include": ["next-env.d.ts", "**/*.ts", "**/*.tsx", ".next/types/**/*.ts"],
  "exclude": ["node_modules"]
}
"#;
