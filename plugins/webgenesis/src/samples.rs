//! Example params for each template in English and German: realistic businesses for the
//! `render` example, the benchmarks and the tests (inputs only; nothing here is an output).

use serde_json::{Value, json};

use crate::params::Template;

/// Params for `template` in `lang` (`en` or `de`), with full contact details.
pub fn params(template: Template, lang: &str) -> Value {
    let de = lang == "de";
    let mut v = match (template, de) {
        (Template::StaticLanding, false) => json!({
            "business_name": "Harbour Lane Bike Repair",
            "tagline": "Your bike fixed while you work",
            "vision": "We are two mechanics who got tired of bikes waiting a week for a simple repair. We collect your bike in the morning and bring it back ready to ride by the evening.\n\nFair prices, honest advice, and no upselling.",
            "services": [
                {"name": "Same-day repair", "description": "Brakes, gears, punctures and wheels, collected and returned the same day."},
                {"name": "Annual service", "description": "A full check of frame, drivetrain and brakes, with a written report."},
                {"name": "Commuter fleet care", "description": "Regular maintenance for company bike fleets."}
            ],
            "audience": "commuters and small companies in Bristol",
            "region": "GB",
            "domain": "harbourlane.example",
            "contact": {"email": "hello@harbourlane.example", "phone": "+44 117 496 0000", "street": "12 Harbour Lane", "postal_code": "BS1 4XX", "city": "Bristol", "legal_name": "Harbour Lane Cycles Ltd"}
        }),
        (Template::StaticLanding, true) => json!({
            "business_name": "Fahrradwerkstatt Hafenstraße",
            "tagline": "Ihr Rad repariert, während Sie arbeiten",
            "vision": "Wir sind zwei Mechaniker, die nicht mehr wollten, dass Räder eine Woche auf eine einfache Reparatur warten. Wir holen Ihr Rad morgens ab und bringen es abends fahrbereit zurück.",
            "services": [
                {"name": "Reparatur am selben Tag", "description": "Bremsen, Schaltung, Platten und Laufräder – abgeholt und am selben Tag zurück."},
                {"name": "Jahresinspektion", "description": "Rahmen, Antrieb und Bremsen im Check, mit schriftlichem Bericht."}
            ],
            "audience": "Pendlerinnen, Pendler und kleine Firmen in Hamburg",
            "region": "DE",
            "domain": "hafenrad.example",
            "contact": {"email": "hallo@hafenrad.example", "phone": "+49 40 1234567", "street": "Hafenstraße 12", "postal_code": "20359", "city": "Hamburg", "legal_name": "Jan Petersen"}
        }),
        (Template::NextjsBusiness, false) => json!({
            "business_name": "Northwind Tax Advisors",
            "tagline": "Clear numbers for growing businesses",
            "vision": "Northwind helps founders and small companies keep their books in order and their taxes predictable. We answer within a day, explain in plain words, and tell you what things cost before we start.",
            "services": [
                {"name": "Bookkeeping", "description": "Monthly bookkeeping with a short report you can actually read."},
                {"name": "Annual accounts", "description": "Year-end accounts and tax returns, filed on time."},
                {"name": "Payroll", "description": "Payroll for teams of 1 to 50 people, including pension enrolment."},
                {"name": "Start-up advice", "description": "Choosing a legal form, registering for VAT and setting up your first invoices."}
            ],
            "audience": "founders and small companies",
            "region": "IE",
            "domain": "northwind-tax.example",
            "contact": {"email": "office@northwind-tax.example", "phone": "+353 1 555 0100", "street": "4 Merrion Square", "postal_code": "D02 XY00", "city": "Dublin", "legal_name": "Northwind Tax Advisors Ltd", "representative": "Aoife Byrne", "register_number": "IE 654321", "vat_id": "IE1234567T"}
        }),
        (Template::NextjsBusiness, true) => json!({
            "business_name": "Acme Consulting",
            "tagline": "IT-Beratung für den Mittelstand",
            "vision": "Acme Consulting begleitet mittelständische Unternehmen bei der Digitalisierung: von der ersten Bestandsaufnahme bis zum laufenden Betrieb. Wir sprechen Klartext, arbeiten mit festen Preisen und bleiben, bis es läuft.",
            "services": [
                {"name": "IT-Strategie", "description": "Wir ordnen Ihre Systeme und planen die nächsten drei Jahre mit Ihnen."},
                {"name": "Cloud-Migration", "description": "Sicherer Umzug Ihrer Anwendungen in die Cloud – mit Plan B."},
                {"name": "Schulungen", "description": "Praxisnahe Schulungen für Ihr Team, vor Ort oder online."}
            ],
            "audience": "mittelständische Unternehmen in Berlin und Brandenburg",
            "region": "DE",
            "domain": "acme-consulting.test",
            "contact": {"email": "kontakt@acme-consulting.test", "phone": "+49 30 1234567", "street": "Friedrichstraße 100", "postal_code": "10117", "city": "Berlin", "legal_name": "Acme Consulting GmbH", "representative": "Erika Mustermann"}
        }),
        (Template::EcommerceBasic, false) => json!({
            "business_name": "Hilltop Tea Company",
            "tagline": "Single-estate teas, packed by hand",
            "vision": "We buy directly from three family estates and pack every order ourselves.",
            "products": [
                {"name": "Darjeeling First Flush", "description": "Bright, floral spring tea. 100 g loose leaf.", "price": 14.5, "currency": "USD", "sku": "TEA-DJ-100"},
                {"name": "Assam Breakfast", "description": "Strong and malty. 250 g loose leaf.", "price": 11, "currency": "USD", "sku": "TEA-AS-250"},
                {"name": "Sencha Kagoshima", "description": "Grassy green tea from southern Japan. 100 g.", "price": 16.9, "currency": "USD", "sku": "TEA-SE-100"},
                {"name": "Tea tasting set", "description": "Six teas, 20 g each, with brewing notes.", "price": 1249.99, "currency": "USD", "sku": "TEA-SET-6"}
            ],
            "audience": "tea lovers",
            "region": "US",
            "domain": "hilltop-tea.example",
            "contact": {"email": "orders@hilltop-tea.example", "phone": "+1 503 555 0142", "street": "210 Main Street", "postal_code": "97201", "city": "Portland", "legal_name": "Hilltop Tea Company LLC"}
        }),
        (Template::EcommerceBasic, true) => json!({
            "business_name": "Kaffeerösterei Bergmann",
            "tagline": "Frisch geröstet in Leipzig",
            "vision": "Wir rösten jede Woche in kleinen Chargen und verschicken am Tag nach der Röstung.",
            "products": [
                {"name": "Espresso Bergmann", "description": "Schokoladig, wenig Säure. 500 g Bohnen.", "price": 16.9, "sku": "ESP-500"},
                {"name": "Filterkaffee Äthiopien", "description": "Blumig und hell geröstet. 250 g.", "price": 11.5, "sku": "FIL-ETH-250"},
                {"name": "Probierset", "description": "Drei Sorten à 250 g.", "price": 29, "sku": "SET-3"}
            ],
            "audience": "Kaffeeliebhaber in ganz Deutschland",
            "region": "DE",
            "domain": "roesterei-bergmann.test",
            "contact": {"email": "bestellung@roesterei-bergmann.test", "phone": "+49 341 9876543", "street": "Karl-Liebknecht-Straße 5", "postal_code": "04107", "city": "Leipzig", "legal_name": "Kaffeerösterei Bergmann e.K.", "register_court": "Amtsgericht Leipzig", "register_number": "HRA 12345", "vat_id": "DE123456789"}
        }),
    };
    v["template"] = json!(template.name());
    v["language"] = json!(if de { "de" } else { "en" });
    v
}
