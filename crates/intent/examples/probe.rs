//! A development aid. With arguments (`VISION [REGION [DOMAIN]]`) it prints the resolved intent
//! and the plan as JSON; without, it reads one vision per line from stdin and prints a one-line
//! summary for each: `cargo run -p abp-intent --example probe < visions.txt`.

use std::io::BufRead;

use abp_intent::{BusinessIntentInput, PlanOptions, plan, resolve};

fn main() {
    let mut args = std::env::args().skip(1);
    if let Some(vision) = args.next() {
        let input = BusinessIntentInput {
            vision,
            region: args.next().filter(|r| !r.is_empty()),
            domain: args.next().filter(|d| !d.is_empty()),
            ..BusinessIntentInput::default()
        };
        match resolve(&input) {
            Ok(intent) => {
                let graph = plan(&intent, &PlanOptions::default());
                let out = serde_json::json!({ "intent": intent, "plan": graph });
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(2);
            }
        }
        return;
    }
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let input = BusinessIntentInput {
            vision: line.clone(),
            ..BusinessIntentInput::default()
        };
        match resolve(&input) {
            Ok(i) => {
                let graph = plan(&i, &PlanOptions::default());
                let name = graph
                    .nodes
                    .first()
                    .map(|n| n.params["business_name"].to_string())
                    .unwrap_or_default();
                println!(
                    "{:<9} {:<22} {:<13} {:<16} erp={:<5} {:<3} risk={:<8} cx={:<3} {name}\n    {line}",
                    i.business_type,
                    i.industry,
                    i.monetization_type,
                    i.website_template,
                    i.needs_erp,
                    i.language,
                    i.risk_level,
                    i.estimated_complexity_score
                );
            }
            Err(e) => println!("ERROR {e}\n    {line}"),
        }
    }
}
