//! The static site's JavaScript: the contact form (composes an e-mail in the visitor's own mail
//! program) and the shop (a cart in `localStorage`, the checkout form, the payment hand-off).
//! The scripts are fixed text; everything site-specific reaches them as JSON in `catalog.js`,
//! which is escaped for a script context.

use serde_json::json;

use crate::html::json_for_script;
use crate::model::Site;

/// Progressive enhancement for every page: the contact form opens a prefilled e-mail.
pub const SITE_JS: &str = r#"/* Contact form: composes an e-mail in the visitor's mail program; nothing is sent to a server. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-contact-form]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!form.checkValidity()) {
        form.reportValidity();
        return;
      }
      var value = function (name) { return form.elements.namedItem(name).value.trim(); };
      var subject = form.getAttribute("data-subject") + " – " + value("sender_name");
      var body = value("message") + "\n\n" + value("sender_name") + "\n" + value("sender_email");
      window.location.href = "mailto:" + form.getAttribute("data-email") +
        "?subject=" + encodeURIComponent(subject) + "&body=" + encodeURIComponent(body);
    });
  });
})();
"#;

/// The cart and checkout. Quantities live in `localStorage` under the shop's key as
/// `{"product-id": quantity}`; prices always come from the catalogue, never from storage.
pub const SHOP_JS: &str = r#"/* Shopping cart and checkout. The cart lives in this browser's localStorage only. */
(function () {
  "use strict";
  var shop = window.ABP_SHOP;
  if (!shop) { return; }
  var ui = shop.ui;
  var MAX_QTY = 99;
  var byId = {};
  shop.products.forEach(function (p) { byId[p.id] = p; });
  var money = new Intl.NumberFormat(shop.locale, {
    style: "currency", currency: shop.currency,
    minimumFractionDigits: shop.decimals, maximumFractionDigits: shop.decimals
  });
  var scale = Math.pow(10, shop.decimals);
  function fmt(minor) { return money.format(minor / scale); }
  function say(template, product) { return template.replace("{name}", product.name); }

  var memory = {};
  function readRaw() {
    try { return JSON.parse(window.localStorage.getItem(shop.storage_key) || "{}"); }
    catch (e) { return memory; }
  }
  function load() {
    var raw = readRaw();
    var cart = {};
    if (raw && typeof raw === "object") {
      Object.keys(raw).forEach(function (id) {
        var qty = Math.floor(Number(raw[id]));
        if (byId[id] && qty > 0) { cart[id] = Math.min(qty, MAX_QTY); }
      });
    }
    return cart;
  }
  function save(cart) {
    memory = cart;
    try { window.localStorage.setItem(shop.storage_key, JSON.stringify(cart)); } catch (e) { /* private mode: keep it in memory */ }
    render();
  }
  function lines(cart) {
    return Object.keys(cart).map(function (id) {
      var p = byId[id];
      return { id: id, sku: p.sku || id, name: p.name, quantity: cart[id], unit_price: p.price, total: p.price * cart[id] };
    });
  }
  function count(cart) { return Object.keys(cart).reduce(function (n, id) { return n + cart[id]; }, 0); }
  function subtotal(cart) { return lines(cart).reduce(function (s, l) { return s + l.total; }, 0); }
  function status(root, text, isError) {
    var el = root.querySelector("[data-cart-status], [data-checkout-status]");
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("error", !!isError);
  }
  function all(selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); }

  function add(id) {
    var cart = load();
    cart[id] = Math.min((cart[id] || 0) + 1, MAX_QTY);
    save(cart);
  }
  function setQuantity(id, qty) {
    var cart = load();
    if (!(qty > 0)) { delete cart[id]; } else { cart[id] = Math.min(Math.floor(qty), MAX_QTY); }
    save(cart);
  }

  function renderCount(cart) {
    var n = count(cart);
    all("[data-cart-count]").forEach(function (el) { el.textContent = String(n); el.hidden = n === 0; });
    all("[data-cart-count-label]").forEach(function (el) { el.hidden = n === 0; });
  }

  function renderCart(cart) {
    var root = document.querySelector("[data-cart]");
    if (!root) { return; }
    var items = lines(cart);
    var focused = document.activeElement && document.activeElement.getAttribute("data-qty");
    root.querySelector("[data-cart-empty]").hidden = items.length > 0;
    root.querySelector("[data-cart-filled]").hidden = items.length === 0;
    root.querySelector("[data-cart-checkout]").hidden = items.length === 0;
    var body = root.querySelector("[data-cart-rows]");
    body.textContent = "";
    items.forEach(function (l) {
      var row = document.createElement("tr");
      var name = document.createElement("th");
      name.scope = "row";
      name.textContent = l.name;
      var unit = document.createElement("td");
      unit.className = "num hide-sm";
      unit.textContent = fmt(l.unit_price);
      var qtyCell = document.createElement("td");
      var qty = document.createElement("input");
      qty.type = "number"; qty.min = "1"; qty.max = String(MAX_QTY); qty.step = "1"; qty.inputMode = "numeric";
      qty.value = String(l.quantity);
      qty.setAttribute("aria-label", say(ui.quantity_of, l));
      qty.setAttribute("data-qty", l.id);
      qty.addEventListener("change", function () { setQuantity(l.id, Number(qty.value)); });
      qtyCell.appendChild(qty);
      var total = document.createElement("td");
      total.className = "num";
      total.textContent = fmt(l.total);
      var removeCell = document.createElement("td");
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = ui.remove;
      remove.setAttribute("aria-label", say(ui.remove_of, l));
      remove.addEventListener("click", function () {
        setQuantity(l.id, 0);
        status(root, say(ui.removed_from_cart, l));
        var heading = document.querySelector("h1");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
      });
      removeCell.appendChild(remove);
      [name, unit, qtyCell, total, removeCell].forEach(function (c) { row.appendChild(c); });
      body.appendChild(row);
    });
    root.querySelector("[data-cart-subtotal]").textContent = fmt(subtotal(cart));
    if (focused) {
      var again = root.querySelector('[data-qty="' + focused.replace(/["\\]/g, "") + '"]');
      if (again) { again.focus(); }
    }
  }

  function renderSummary(cart) {
    var root = document.querySelector("[data-checkout]");
    if (!root) { return; }
    var items = lines(cart);
    root.querySelector("[data-cart-empty]").hidden = items.length > 0;
    var list = root.querySelector("[data-summary-items]");
    list.textContent = "";
    items.forEach(function (l) {
      var li = document.createElement("li");
      li.textContent = l.quantity + " × " + l.name + " – " + fmt(l.total);
      list.appendChild(li);
    });
    root.querySelector("[data-cart-subtotal]").textContent = fmt(subtotal(cart));
  }

  function render() {
    var cart = load();
    renderCount(cart);
    renderCart(cart);
    renderSummary(cart);
  }

  function orderText(order) {
    var text = [ui.order_mail_intro, ""];
    order.items.forEach(function (l) { text.push(l.quantity + " × " + l.name + " (" + l.sku + ") – " + fmt(l.total)); });
    text.push("", ui.subtotal + ": " + fmt(order.subtotal), "");
    var c = order.customer;
    [c.name, c.street, c.postal_code + " " + c.city, c.country, c.email, c.phone, c.note].forEach(function (v) { if (v) { text.push(v); } });
    return text.join("\n");
  }

  /* The hand-off to a payment provider. Set payment_endpoint in catalog.js to a same-origin
     URL of your own server that creates a payment session with your provider (Stripe Checkout,
     Mollie, PayPal, ...) from this order, recomputing prices from its own catalogue, and answers
     {"redirect_url": "..."}. Until then nothing is sent and nothing is charged. */
  function startPayment(order, root, form) {
    if (shop.payment_endpoint) {
      return fetch(shop.payment_endpoint, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(order)
      }).then(function (res) {
        if (!res.ok) { throw new Error("HTTP " + res.status); }
        return res.json();
      }).then(function (data) {
        if (!data || typeof data.redirect_url !== "string") { throw new Error("no redirect_url"); }
        window.location.assign(data.redirect_url);
      });
    }
    status(root, ui.payment_not_configured, true);
    if (shop.email) {
      var link = document.createElement("a");
      link.href = "mailto:" + shop.email + "?subject=" + encodeURIComponent(ui.order_mail_subject) +
        "&body=" + encodeURIComponent(orderText(order));
      link.textContent = ui.order_by_email;
      var p = document.createElement("p");
      p.appendChild(link);
      root.querySelector("[data-checkout-status]").appendChild(p);
    }
    return Promise.resolve();
  }

  function bindCheckout() {
    var root = document.querySelector("[data-checkout]");
    if (!root) { return; }
    var form = root.querySelector("[data-checkout-form]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var cart = load();
      if (count(cart) === 0) { status(root, ui.checkout_empty, true); return; }
      var fields = Array.prototype.slice.call(form.querySelectorAll("input, textarea"));
      fields.forEach(function (f) { f.setAttribute("aria-invalid", String(!f.checkValidity())); });
      if (!form.checkValidity()) {
        status(root, ui.check_fields, true);
        form.reportValidity();
        return;
      }
      var value = function (name) { return form.elements.namedItem(name).value.trim(); };
      var order = {
        currency: shop.currency,
        items: lines(cart),
        subtotal: subtotal(cart),
        customer: {
          name: value("name"), email: value("email"), phone: value("phone"), street: value("street"),
          postal_code: value("postal_code"), city: value("city"), country: value("country"), note: value("note")
        }
      };
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      startPayment(order, root, form).catch(function () {
        status(root, ui.payment_not_configured, true);
      }).then(function () { button.disabled = false; });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-add-to-cart]") : null;
    if (!button) { return; }
    var product = byId[button.getAttribute("data-add-to-cart")];
    if (!product) { return; }
    add(product.id);
    var region = button.closest("section, main") || document;
    status(region, say(ui.added_to_cart, product));
  });
  window.addEventListener("storage", function (event) { if (event.key === shop.storage_key) { render(); } });
  bindCheckout();
  render();
})();
"#;

/// `catalog.js`: the site-specific data the shop script needs.
pub fn catalog_js(site: &Site) -> String {
    let Some(shop) = &site.shop else {
        return String::new();
    };
    let ui = site.ui;
    let data = json!({
        "storage_key": shop.storage_key,
        "locale": site.locale,
        "currency": shop.currency,
        "decimals": shop.decimals,
        "email": site.email,
        "payment_endpoint": "",
        "products": shop.products.iter().map(|p| json!({ "id": p.id, "sku": p.sku, "name": p.name, "price": p.price })).collect::<Vec<_>>(),
        "ui": {
            "quantity_of": ui.quantity_of,
            "remove": ui.remove,
            "remove_of": ui.remove_of,
            "removed_from_cart": ui.removed_from_cart,
            "added_to_cart": ui.added_to_cart,
            "subtotal": ui.subtotal,
            "payment_not_configured": ui.payment_not_configured,
            "order_by_email": ui.order_by_email,
            "order_mail_subject": ui.order_mail_subject,
            "order_mail_intro": ui.order_mail_intro,
            "checkout_empty": ui.checkout_empty,
            "check_fields": ui.check_fields,
        },
    });
    format!(
        "/* The shop's catalogue and settings, generated from the site's params.\n   \
         payment_endpoint: set it to a same-origin URL that creates a payment session with your\n   \
         provider and answers {{\"redirect_url\": \"...\"}}; empty means online payment is not set up. */\n\
         window.ABP_SHOP = {};\n",
        json_for_script(&data)
    )
}
