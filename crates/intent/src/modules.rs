//! Odoo module selection: which standard Community modules a business needs (rules on business
//! type, monetization, template and industry) and which custom modules to generate for it (one
//! per industry, plus add-ons for marketplaces and recurring billing). Every custom module is a
//! `ModuleSpec` in the odoo node's params shape; the first one lists the standard modules in its
//! `depends`, so installing it installs them.
//!
//! Only Odoo Community modules are chosen: `sale_subscription` and `appointment` are Enterprise
//! modules and are named in the explanation, not installed.

use crate::model::{BusinessType, Industry, MonetizationType, WebsiteTemplate};
use crate::module_spec::{FieldSpec, FieldType as T, ModelSpec, ModuleSpec};

/// What module selection is decided from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profile {
    pub business_type: BusinessType,
    pub monetization: MonetizationType,
    pub industry: Industry,
    pub template: WebsiteTemplate,
    pub needs_erp: bool,
}

/// The selected modules with the reason for each.
#[derive(Debug)]
pub(crate) struct Selection {
    pub standard: Vec<String>,
    pub standard_reasons: Vec<String>,
    pub custom: Vec<ModuleSpec>,
    pub custom_reasons: Vec<String>,
}

pub(crate) fn select(profile: Profile) -> Selection {
    let mut selection = Selection {
        standard: Vec::new(),
        standard_reasons: Vec::new(),
        custom: Vec::new(),
        custom_reasons: Vec::new(),
    };
    if !profile.needs_erp {
        selection
            .standard_reasons
            .push("no ERP needed, so no Odoo modules".to_owned());
        return selection;
    }
    let mut add = |names: &[&str], reason: &str| {
        let mut added = Vec::new();
        for name in names {
            if !selection.standard.iter().any(|m| m == name) {
                selection.standard.push((*name).to_owned());
                added.push(*name);
            }
        }
        if !added.is_empty() {
            selection
                .standard_reasons
                .push(format!("{}: {reason}", added.join(", ")));
        }
    };

    add(
        &["contacts", "crm"],
        "every business keeps customers and leads",
    );
    add(&["account"], "invoicing (Odoo Community 'Invoicing')");
    let bt = profile.business_type;
    if matches!(bt, BusinessType::Service | BusinessType::Hybrid) {
        add(
            &["project", "hr_timesheet"],
            "service work is planned as projects and billed from timesheets",
        );
    }
    if matches!(bt, BusinessType::Product | BusinessType::Hybrid) {
        add(
            &["sale_management", "stock"],
            "selling goods needs quotations, orders and stock",
        );
    }
    if bt == BusinessType::Platform {
        add(
            &["sale_management"],
            "platform plans and orders are sold through sales orders",
        );
    }
    if profile.template == WebsiteTemplate::EcommerceBasic {
        add(
            &["website_sale"],
            "online shop: orders from the shop land in Odoo",
        );
    }
    match profile.monetization {
        MonetizationType::Subscription => add(
            &["sale_management"],
            "recurring plans are sold through sales orders",
        ),
        MonetizationType::Commission => add(
            &["sale_management", "purchase"],
            "commission: sales are recorded per order and partner payouts as vendor bills",
        ),
        _ => {}
    }
    match profile.industry {
        Industry::Manufacturing => add(
            &["mrp", "purchase", "stock"],
            "manufacturing orders, bills of materials, purchasing",
        ),
        Industry::Hospitality if bt != BusinessType::Platform => {
            add(
                &["point_of_sale"],
                "hospitality sells at the counter or table",
            );
        }
        Industry::Healthcare => add(
            &["calendar"],
            "appointments in the calendar (Odoo's `appointment` app is Enterprise-only)",
        ),
        Industry::Education => add(&["calendar"], "course dates in the calendar"),
        Industry::ProfessionalServices | Industry::Legal => {
            add(
                &["project", "hr_timesheet"],
                "client work is tracked per engagement with timesheets",
            );
        }
        _ => {}
    }

    if profile.monetization == MonetizationType::Subscription {
        selection.standard_reasons.push(
            "no sale_subscription: it is Odoo Enterprise-only, so recurring billing uses Community sales orders \
             plus generated plan and contract records (or the OCA `contract` module)"
                .to_owned(),
        );
    }
    let primary = primary_module(profile);
    selection.custom_reasons.push(primary.1.to_owned());
    let mut custom = vec![primary.0];
    if profile.monetization == MonetizationType::Commission && bt == BusinessType::Platform {
        custom.push(marketplace_commissions());
        selection
            .custom_reasons
            .push("marketplace_commissions: a commission platform tracks vendors and the commission on each sale".to_owned());
    }
    if profile.monetization == MonetizationType::Subscription
        && custom[0].name != "saas_subscriptions"
    {
        custom.push(recurring_contracts());
        selection.custom_reasons.push(
            "recurring_contracts: recurring billing without the Enterprise-only `sale_subscription`".to_owned(),
        );
    }
    // The first module depends on the standard modules so installing it installs them.
    let mut depends = vec!["base".to_owned()];
    for name in selection.standard.iter().chain(custom[0].depends.iter()) {
        if !depends.contains(name) {
            depends.push(name.clone());
        }
    }
    custom[0].depends = depends;
    selection.custom = custom;
    selection
}

fn primary_module(p: Profile) -> (ModuleSpec, &'static str) {
    match p.industry {
        Industry::ProfessionalServices => (
            consulting_engagements(),
            "consulting_engagements: professional services bill clients per engagement with time entries",
        ),
        Industry::Legal => (
            legal_matters(),
            "legal_matters: a law office works in matters with deadlines and billable time",
        ),
        Industry::Healthcare => (
            practice_appointments(),
            "practice_appointments: appointments and treatment types only; diagnoses are deliberately not stored",
        ),
        Industry::Technology if p.business_type == BusinessType::Platform => (
            saas_subscriptions(),
            "saas_subscriptions: a software platform sells plans to tenants",
        ),
        Industry::Technology => (
            it_service_desk(),
            "it_service_desk: IT services run on service contracts and support tickets",
        ),
        Industry::Retail => (
            product_catalog(),
            "product_catalog: shop collections and product care details",
        ),
        Industry::Manufacturing => (
            production_quality(),
            "production_quality: customer specifications and quality checks",
        ),
        Industry::Hospitality => (
            hospitality_reservations(),
            "hospitality_reservations: tables or rooms and their reservations",
        ),
        Industry::Education => (
            education_courses(),
            "education_courses: courses and enrollments",
        ),
        Industry::RealEstate => (
            estate_properties(),
            "estate_properties: property listings and viewings",
        ),
        Industry::Finance => (
            finance_mandates(),
            "finance_mandates: client mandates and documented advice meetings",
        ),
        Industry::Media => (
            media_publishing(),
            "media_publishing: publications and sponsorships",
        ),
        Industry::Other => match p.business_type {
            BusinessType::Platform => (
                saas_subscriptions(),
                "saas_subscriptions: a platform sells plans to its members",
            ),
            BusinessType::Product => (
                product_catalog(),
                "product_catalog: product collections and care details",
            ),
            BusinessType::Service | BusinessType::Hybrid => (
                service_jobs(),
                "service_jobs: on-site jobs with customer, schedule, hours and materials",
            ),
        },
    }
}

fn module(
    name: &str,
    title: &str,
    summary: &str,
    category: &str,
    depends: &[&str],
    models: Vec<ModelSpec>,
) -> ModuleSpec {
    ModuleSpec {
        name: name.to_owned(),
        title: title.to_owned(),
        version: "1.0.0".to_owned(),
        summary: Some(summary.to_owned()),
        description: None,
        category: Some(category.to_owned()),
        depends: depends.iter().map(|d| (*d).to_owned()).collect(),
        application: Some(true),
        models,
    }
}

fn model(name: &str, description: &str, fields: Vec<FieldSpec>) -> ModelSpec {
    ModelSpec {
        name: name.to_owned(),
        description: description.to_owned(),
        fields,
    }
}

fn f(name: &str, field_type: T, string: &str) -> FieldSpec {
    FieldSpec::new(name, field_type, string)
}

fn partner(name: &str, string: &str) -> FieldSpec {
    f(name, T::Many2one, string).relation("res.partner")
}

fn user(name: &str, string: &str) -> FieldSpec {
    f(name, T::Many2one, string).relation("res.users")
}

const STATES: &[(&str, &str)] = &[
    ("draft", "Draft"),
    ("active", "Active"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
];

fn consulting_engagements() -> ModuleSpec {
    module(
        "consulting_engagements",
        "Consulting Engagements",
        "Client engagements with budgets and billable time entries",
        "Services",
        &["base"],
        vec![
            model(
                "consulting.engagement",
                "Engagement",
                vec![
                    f("name", T::Char, "Engagement").required(),
                    partner("partner_id", "Client").required(),
                    user("user_id", "Engagement Lead"),
                    f("state", T::Selection, "Status").selection(STATES),
                    f("date_start", T::Date, "Start"),
                    f("date_end", T::Date, "End"),
                    f("budget", T::Monetary, "Budget"),
                    f("hourly_rate", T::Monetary, "Hourly Rate"),
                    f("description", T::Text, "Scope"),
                    f("entry_ids", T::One2many, "Time Entries")
                        .relation("consulting.time.entry")
                        .inverse("engagement_id"),
                ],
            ),
            model(
                "consulting.time.entry",
                "Time Entry",
                vec![
                    f("engagement_id", T::Many2one, "Engagement")
                        .relation("consulting.engagement")
                        .required(),
                    f("date", T::Date, "Date").required(),
                    user("user_id", "Consultant"),
                    f("hours", T::Float, "Hours").required(),
                    f("name", T::Char, "Description"),
                    f("billable", T::Boolean, "Billable"),
                ],
            ),
        ],
    )
}

fn legal_matters() -> ModuleSpec {
    module(
        "legal_matters",
        "Legal Matters",
        "Client matters, deadlines and billable time",
        "Services",
        &["base"],
        vec![
            model(
                "legal.matter",
                "Matter",
                vec![
                    f("name", T::Char, "Matter").required(),
                    partner("partner_id", "Client").required(),
                    f("opposing_party", T::Char, "Opposing Party"),
                    f("area", T::Selection, "Area of Law").selection(&[
                        ("civil", "Civil"),
                        ("commercial", "Commercial"),
                        ("employment", "Employment"),
                        ("family", "Family"),
                        ("criminal", "Criminal"),
                        ("other", "Other"),
                    ]),
                    user("user_id", "Responsible Lawyer"),
                    f("state", T::Selection, "Status").selection(&[
                        ("open", "Open"),
                        ("pending", "Pending"),
                        ("closed", "Closed"),
                    ]),
                    f("date_opened", T::Date, "Opened"),
                    f("next_deadline", T::Date, "Next Deadline"),
                    f("time_ids", T::One2many, "Time Entries")
                        .relation("legal.time.entry")
                        .inverse("matter_id"),
                ],
            ),
            model(
                "legal.time.entry",
                "Matter Time Entry",
                vec![
                    f("matter_id", T::Many2one, "Matter")
                        .relation("legal.matter")
                        .required(),
                    f("date", T::Date, "Date").required(),
                    user("user_id", "Lawyer"),
                    f("hours", T::Float, "Hours").required(),
                    f("name", T::Char, "Activity"),
                    f("billable", T::Boolean, "Billable"),
                ],
            ),
        ],
    )
}

fn practice_appointments() -> ModuleSpec {
    module(
        "practice_appointments",
        "Practice Appointments",
        "Appointments and treatment types, without clinical data",
        "Services",
        &["base"],
        vec![
            model(
                "practice.treatment.type",
                "Treatment Type",
                vec![
                    f("name", T::Char, "Treatment").required(),
                    f("duration", T::Float, "Duration (hours)"),
                    f("price", T::Monetary, "Price"),
                    f("active", T::Boolean, "Active"),
                ],
            ),
            model(
                "practice.appointment",
                "Appointment",
                vec![
                    f("name", T::Char, "Reference"),
                    partner("partner_id", "Patient").required(),
                    f("start", T::Datetime, "Start").required(),
                    f("duration", T::Float, "Duration (hours)"),
                    f("treatment_type_id", T::Many2one, "Treatment Type").relation("practice.treatment.type"),
                    user("user_id", "Practitioner"),
                    f("state", T::Selection, "Status").selection(&[
                        ("requested", "Requested"),
                        ("confirmed", "Confirmed"),
                        ("done", "Done"),
                        ("cancelled", "Cancelled"),
                        ("no_show", "No Show"),
                    ]),
                    f("note", T::Char, "Scheduling Note").help(
                        "Scheduling notes only; do not record diagnoses, findings or other health data here",
                    ),
                ],
            ),
        ],
    )
}

fn saas_subscriptions() -> ModuleSpec {
    module(
        "saas_subscriptions",
        "SaaS Subscriptions",
        "Plans, tenants and their subscriptions",
        "Sales",
        &["base"],
        vec![
            model(
                "saas.plan",
                "Plan",
                vec![
                    f("name", T::Char, "Plan").required(),
                    f("code", T::Char, "Code"),
                    f("price", T::Monetary, "Price").required(),
                    f("billing_period", T::Selection, "Billing Period")
                        .selection(&[("monthly", "Monthly"), ("yearly", "Yearly")]),
                    f("max_users", T::Integer, "Included Users"),
                    f("active", T::Boolean, "Active"),
                ],
            ),
            model(
                "saas.tenant",
                "Tenant",
                vec![
                    f("name", T::Char, "Tenant").required(),
                    partner("partner_id", "Customer").required(),
                    f("subdomain", T::Char, "Subdomain"),
                    f("state", T::Selection, "Status").selection(&[
                        ("trial", "Trial"),
                        ("active", "Active"),
                        ("suspended", "Suspended"),
                        ("cancelled", "Cancelled"),
                    ]),
                    f("trial_end", T::Date, "Trial Ends"),
                    f("subscription_ids", T::One2many, "Subscriptions")
                        .relation("saas.subscription")
                        .inverse("tenant_id"),
                ],
            ),
            model(
                "saas.subscription",
                "Subscription",
                vec![
                    f("tenant_id", T::Many2one, "Tenant")
                        .relation("saas.tenant")
                        .required(),
                    f("plan_id", T::Many2one, "Plan")
                        .relation("saas.plan")
                        .required(),
                    f("date_start", T::Date, "Start").required(),
                    f("next_invoice_date", T::Date, "Next Invoice"),
                    f("recurring_price", T::Monetary, "Recurring Price"),
                    f("state", T::Selection, "Status").selection(STATES),
                ],
            ),
        ],
    )
}

fn it_service_desk() -> ModuleSpec {
    module(
        "it_service_desk",
        "IT Service Desk",
        "Service contracts and support tickets",
        "Services",
        &["base"],
        vec![
            model(
                "it.service.contract",
                "Service Contract",
                vec![
                    f("name", T::Char, "Contract").required(),
                    partner("partner_id", "Customer").required(),
                    f("service_level", T::Selection, "Service Level").selection(&[
                        ("basic", "Basic"),
                        ("business", "Business"),
                        ("premium", "Premium"),
                    ]),
                    f("monthly_fee", T::Monetary, "Monthly Fee"),
                    f("date_start", T::Date, "Start"),
                    f("date_end", T::Date, "End"),
                    f("ticket_ids", T::One2many, "Tickets")
                        .relation("it.support.ticket")
                        .inverse("contract_id"),
                ],
            ),
            model(
                "it.support.ticket",
                "Support Ticket",
                vec![
                    f("name", T::Char, "Subject").required(),
                    partner("partner_id", "Customer").required(),
                    f("contract_id", T::Many2one, "Contract").relation("it.service.contract"),
                    f("priority", T::Selection, "Priority").selection(&[
                        ("low", "Low"),
                        ("normal", "Normal"),
                        ("urgent", "Urgent"),
                    ]),
                    f("state", T::Selection, "Status").selection(&[
                        ("new", "New"),
                        ("in_progress", "In Progress"),
                        ("solved", "Solved"),
                    ]),
                    user("user_id", "Assigned To"),
                    f("description", T::Text, "Description"),
                    f("hours", T::Float, "Hours Spent"),
                ],
            ),
        ],
    )
}

fn product_catalog() -> ModuleSpec {
    module(
        "product_catalog",
        "Product Catalogue",
        "Collections and care details for the product catalogue",
        "Sales",
        &["base", "product"],
        vec![
            model(
                "catalog.collection",
                "Collection",
                vec![
                    f("name", T::Char, "Collection").required(),
                    f("description", T::Html, "Description"),
                    f("season", T::Selection, "Season").selection(&[
                        ("all_year", "All Year"),
                        ("spring_summer", "Spring/Summer"),
                        ("autumn_winter", "Autumn/Winter"),
                    ]),
                    f("product_ids", T::Many2many, "Products").relation("product.template"),
                    f("published", T::Boolean, "Published"),
                ],
            ),
            model(
                "catalog.product.detail",
                "Product Detail",
                vec![
                    f("product_tmpl_id", T::Many2one, "Product")
                        .relation("product.template")
                        .required(),
                    f("material", T::Char, "Material"),
                    f("origin_country", T::Char, "Country of Origin"),
                    f("care_instructions", T::Text, "Care Instructions"),
                ],
            ),
        ],
    )
}

fn production_quality() -> ModuleSpec {
    module(
        "production_quality",
        "Production Quality",
        "Customer specifications and quality checks",
        "Manufacturing",
        &["base", "product"],
        vec![
            model(
                "production.customer.spec",
                "Customer Specification",
                vec![
                    f("name", T::Char, "Reference").required(),
                    partner("partner_id", "Customer").required(),
                    f("product_id", T::Many2one, "Product").relation("product.product"),
                    f("drawing_reference", T::Char, "Drawing"),
                    f("material", T::Char, "Material"),
                    f("tolerance", T::Char, "Tolerance"),
                    f("notes", T::Text, "Notes"),
                ],
            ),
            model(
                "production.quality.check",
                "Quality Check",
                vec![
                    f("name", T::Char, "Batch or Lot").required(),
                    f("product_id", T::Many2one, "Product").relation("product.product"),
                    f("spec_id", T::Many2one, "Specification").relation("production.customer.spec"),
                    f("check_date", T::Date, "Checked On").required(),
                    user("user_id", "Inspector"),
                    f("result", T::Selection, "Result")
                        .selection(&[("pass", "Pass"), ("fail", "Fail")]),
                    f("notes", T::Text, "Findings"),
                ],
            ),
        ],
    )
}

fn hospitality_reservations() -> ModuleSpec {
    module(
        "hospitality_reservations",
        "Reservations",
        "Tables or rooms and their reservations",
        "Services",
        &["base"],
        vec![
            model(
                "hospitality.space",
                "Table or Room",
                vec![
                    f("name", T::Char, "Name").required(),
                    f("space_type", T::Selection, "Type")
                        .selection(&[("table", "Table"), ("room", "Room")]),
                    f("capacity", T::Integer, "Capacity"),
                    f("area", T::Char, "Area"),
                    f("active", T::Boolean, "Active"),
                ],
            ),
            model(
                "hospitality.reservation",
                "Reservation",
                vec![
                    f("name", T::Char, "Guest Name").required(),
                    partner("partner_id", "Guest"),
                    f("phone", T::Char, "Phone"),
                    f("start", T::Datetime, "Arrival").required(),
                    f("end", T::Datetime, "Departure"),
                    f("party_size", T::Integer, "Guests"),
                    f("space_id", T::Many2one, "Table or Room").relation("hospitality.space"),
                    f("state", T::Selection, "Status").selection(&[
                        ("requested", "Requested"),
                        ("confirmed", "Confirmed"),
                        ("seated", "Arrived"),
                        ("cancelled", "Cancelled"),
                        ("no_show", "No Show"),
                    ]),
                    f("note", T::Text, "Note"),
                ],
            ),
        ],
    )
}

fn education_courses() -> ModuleSpec {
    module(
        "education_courses",
        "Courses",
        "Courses, sessions and enrollments",
        "Services",
        &["base"],
        vec![
            model(
                "education.course",
                "Course",
                vec![
                    f("name", T::Char, "Course").required(),
                    f("description", T::Html, "Description"),
                    user("teacher_id", "Teacher"),
                    f("level", T::Selection, "Level").selection(&[
                        ("beginner", "Beginner"),
                        ("intermediate", "Intermediate"),
                        ("advanced", "Advanced"),
                    ]),
                    f("date_start", T::Date, "Start"),
                    f("date_end", T::Date, "End"),
                    f("capacity", T::Integer, "Seats"),
                    f("price", T::Monetary, "Price"),
                    f("enrollment_ids", T::One2many, "Enrollments")
                        .relation("education.enrollment")
                        .inverse("course_id"),
                ],
            ),
            model(
                "education.enrollment",
                "Enrollment",
                vec![
                    f("course_id", T::Many2one, "Course")
                        .relation("education.course")
                        .required(),
                    partner("partner_id", "Student").required(),
                    partner("payer_id", "Paid By")
                        .help("Parent or company paying for the student, if any"),
                    f("date", T::Date, "Enrolled On"),
                    f("state", T::Selection, "Status").selection(&[
                        ("enrolled", "Enrolled"),
                        ("completed", "Completed"),
                        ("cancelled", "Cancelled"),
                    ]),
                    f("paid", T::Boolean, "Paid"),
                ],
            ),
        ],
    )
}

fn estate_properties() -> ModuleSpec {
    module(
        "estate_properties",
        "Property Listings",
        "Properties for sale or rent, owners and viewings",
        "Sales",
        &["base"],
        vec![
            model(
                "estate.property",
                "Property",
                vec![
                    f("name", T::Char, "Title").required(),
                    partner("owner_id", "Owner"),
                    f("property_type", T::Selection, "Type").selection(&[
                        ("apartment", "Apartment"),
                        ("house", "House"),
                        ("commercial", "Commercial"),
                        ("land", "Land"),
                    ]),
                    f("offer_type", T::Selection, "Offer")
                        .selection(&[("sale", "Sale"), ("rent", "Rent")]),
                    f("street", T::Char, "Street"),
                    f("zip", T::Char, "Postal Code"),
                    f("city", T::Char, "City"),
                    f("living_area", T::Float, "Living Area (m²)"),
                    f("rooms", T::Integer, "Rooms"),
                    f("price", T::Monetary, "Price"),
                    f("state", T::Selection, "Status").selection(&[
                        ("available", "Available"),
                        ("reserved", "Reserved"),
                        ("sold", "Sold or Let"),
                    ]),
                    f("viewing_ids", T::One2many, "Viewings")
                        .relation("estate.viewing")
                        .inverse("property_id"),
                ],
            ),
            model(
                "estate.viewing",
                "Viewing",
                vec![
                    f("property_id", T::Many2one, "Property")
                        .relation("estate.property")
                        .required(),
                    partner("partner_id", "Prospect").required(),
                    f("start", T::Datetime, "Date").required(),
                    user("user_id", "Agent"),
                    f("feedback", T::Text, "Feedback"),
                ],
            ),
        ],
    )
}

fn finance_mandates() -> ModuleSpec {
    module(
        "finance_mandates",
        "Client Mandates",
        "Client mandates and documented advice meetings",
        "Services",
        &["base"],
        vec![
            model(
                "finance.mandate",
                "Mandate",
                vec![
                    f("name", T::Char, "Reference").required(),
                    partner("partner_id", "Client").required(),
                    f("mandate_type", T::Selection, "Type").selection(&[
                        ("insurance", "Insurance"),
                        ("investment", "Investment"),
                        ("pension", "Pension"),
                        ("loan", "Loan"),
                        ("payment", "Payment Services"),
                        ("other", "Other"),
                    ]),
                    f("provider", T::Char, "Provider"),
                    f("date_start", T::Date, "Start"),
                    f("renewal_date", T::Date, "Renewal"),
                    f("fee", T::Monetary, "Fee"),
                    f("state", T::Selection, "Status").selection(STATES),
                    f("meeting_ids", T::One2many, "Advice Meetings")
                        .relation("finance.advice.meeting")
                        .inverse("mandate_id"),
                ],
            ),
            model(
                "finance.advice.meeting",
                "Advice Meeting",
                vec![
                    f("mandate_id", T::Many2one, "Mandate")
                        .relation("finance.mandate")
                        .required(),
                    f("date", T::Datetime, "Date").required(),
                    user("user_id", "Adviser"),
                    f("topic", T::Char, "Topic"),
                    f("summary", T::Text, "Summary")
                        .help("The documented advice, as the client received it"),
                    f(
                        "documentation_complete",
                        T::Boolean,
                        "Documentation Complete",
                    ),
                ],
            ),
        ],
    )
}

fn media_publishing() -> ModuleSpec {
    module(
        "media_publishing",
        "Publishing",
        "Publications, channels and sponsorships",
        "Marketing",
        &["base"],
        vec![
            model(
                "media.publication",
                "Publication",
                vec![
                    f("name", T::Char, "Title").required(),
                    f("channel", T::Selection, "Channel").selection(&[
                        ("article", "Article"),
                        ("podcast", "Podcast Episode"),
                        ("video", "Video"),
                        ("newsletter", "Newsletter"),
                        ("print", "Print"),
                    ]),
                    user("author_id", "Author"),
                    f("publish_date", T::Date, "Publish On"),
                    f("state", T::Selection, "Status").selection(&[
                        ("idea", "Idea"),
                        ("in_production", "In Production"),
                        ("scheduled", "Scheduled"),
                        ("published", "Published"),
                    ]),
                    f("sponsorship_id", T::Many2one, "Sponsorship").relation("media.sponsorship"),
                ],
            ),
            model(
                "media.sponsorship",
                "Sponsorship",
                vec![
                    f("name", T::Char, "Deal").required(),
                    partner("partner_id", "Sponsor").required(),
                    f("amount", T::Monetary, "Amount"),
                    f("date_start", T::Date, "Start"),
                    f("date_end", T::Date, "End"),
                    f("publication_ids", T::One2many, "Publications")
                        .relation("media.publication")
                        .inverse("sponsorship_id"),
                ],
            ),
        ],
    )
}

fn service_jobs() -> ModuleSpec {
    module(
        "service_jobs",
        "Service Jobs",
        "On-site jobs with schedule, hours and materials",
        "Services",
        &["base"],
        vec![model(
            "service.job",
            "Job",
            vec![
                f("name", T::Char, "Job").required(),
                partner("partner_id", "Customer").required(),
                f("address", T::Char, "Site Address"),
                f("scheduled", T::Datetime, "Scheduled For"),
                user("user_id", "Technician"),
                f("state", T::Selection, "Status").selection(&[
                    ("requested", "Requested"),
                    ("scheduled", "Scheduled"),
                    ("done", "Done"),
                    ("invoiced", "Invoiced"),
                    ("cancelled", "Cancelled"),
                ]),
                f("hours", T::Float, "Hours"),
                f("materials", T::Text, "Materials Used"),
                f("price", T::Monetary, "Price"),
                f("description", T::Text, "Work Done"),
            ],
        )],
    )
}

fn marketplace_commissions() -> ModuleSpec {
    module(
        "marketplace_commissions",
        "Marketplace Commissions",
        "Vendors and the commission on each sale",
        "Sales",
        &["base"],
        vec![
            model(
                "marketplace.vendor",
                "Vendor",
                vec![
                    f("name", T::Char, "Shop Name").required(),
                    partner("partner_id", "Vendor").required(),
                    f("commission_rate", T::Float, "Commission (%)").required(),
                    f("state", T::Selection, "Status").selection(&[
                        ("pending", "Pending Review"),
                        ("active", "Active"),
                        ("blocked", "Blocked"),
                    ]),
                    f("date_joined", T::Date, "Joined"),
                    f("commission_ids", T::One2many, "Commissions")
                        .relation("marketplace.commission")
                        .inverse("vendor_id"),
                ],
            ),
            model(
                "marketplace.commission",
                "Commission",
                vec![
                    f("vendor_id", T::Many2one, "Vendor")
                        .relation("marketplace.vendor")
                        .required(),
                    f("name", T::Char, "Order Reference").required(),
                    f("date", T::Date, "Date"),
                    f("sale_amount", T::Monetary, "Sale Amount"),
                    f("commission_amount", T::Monetary, "Commission"),
                    f("state", T::Selection, "Status").selection(&[
                        ("to_invoice", "To Invoice"),
                        ("invoiced", "Invoiced"),
                        ("paid", "Paid"),
                    ]),
                ],
            ),
        ],
    )
}

fn recurring_contracts() -> ModuleSpec {
    module(
        "recurring_contracts",
        "Recurring Contracts",
        "Plans and recurring customer contracts (Community alternative to sale_subscription)",
        "Sales",
        &["base"],
        vec![
            model(
                "recurring.plan",
                "Recurring Plan",
                vec![
                    f("name", T::Char, "Plan").required(),
                    f("price", T::Monetary, "Price").required(),
                    f("interval", T::Selection, "Interval").selection(&[
                        ("weekly", "Weekly"),
                        ("monthly", "Monthly"),
                        ("yearly", "Yearly"),
                    ]),
                    f("active", T::Boolean, "Active"),
                ],
            ),
            model(
                "recurring.contract",
                "Recurring Contract",
                vec![
                    f("name", T::Char, "Reference").required(),
                    partner("partner_id", "Customer").required(),
                    f("plan_id", T::Many2one, "Plan")
                        .relation("recurring.plan")
                        .required(),
                    f("date_start", T::Date, "Start").required(),
                    f("next_invoice_date", T::Date, "Next Invoice"),
                    f("recurring_price", T::Monetary, "Price"),
                    f("state", T::Selection, "Status").selection(STATES),
                ],
            ),
        ],
    )
}
