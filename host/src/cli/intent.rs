//! `abp resolve`, `abp plan --idea` and `abp run`: from a sentence to a plan to a running
//! business. Resolution and planning are pure (`abp-intent`); running goes through the same
//! session and executor as `plan FILE` and `apply FILE`.

use anyhow::{Result, anyhow};
use clap::Args;
use serde_json::{Value, json};

use super::{Global, exit, print_result, progress_printer, result_code};
use crate::executor::RunOptions;
use crate::graph::ExecutionGraphSpec;
use crate::session::{Session, SessionOptions};
use abp_intent::{BusinessIntentInput, PlanOptions, ResolvedBusinessIntent};

/// The business idea and the input's other fields.
#[derive(Debug, Clone, Args)]
pub struct IdeaArgs {
    /// Where the business operates: ISO code (`DE`) or country name
    #[arg(long)]
    pub region: Option<String>,
    /// Who it serves, e.g. "small law firms in Bavaria"
    #[arg(long)]
    pub audience: Option<String>,
    /// `subscription`, `transaction`, `one_time`, `commission`, `advertising` or `freemium`
    #[arg(long)]
    pub monetization: Option<String>,
    /// `low`, `medium` or `high`
    #[arg(long)]
    pub compliance: Option<String>,
    /// The business's name (derived from the idea when absent)
    #[arg(long)]
    pub name: Option<String>,
    /// The domain the site will live under; adds DNS records
    #[arg(long)]
    pub domain: Option<String>,
    /// Address for the domain's A record
    #[arg(long, default_value = "127.0.0.1")]
    pub ip: std::net::Ipv4Addr,
    /// Odoo version the module is generated for: 17.0 or 18.0
    #[arg(long, default_value = "17.0")]
    pub odoo_version: String,
}

impl IdeaArgs {
    fn input(&self, vision: &str) -> BusinessIntentInput {
        BusinessIntentInput {
            vision: vision.to_owned(),
            target_audience: self.audience.clone(),
            region: self.region.clone(),
            monetization_type: self.monetization.clone(),
            compliance_sensitivity: self.compliance.clone(),
            business_name: self.name.clone(),
            domain: self.domain.clone(),
        }
    }
}

/// Resolves and plans; the graph comes back as the executor's spec type.
pub fn plan_idea(
    vision: &str,
    args: &IdeaArgs,
    dry_run: bool,
) -> Result<(ResolvedBusinessIntent, ExecutionGraphSpec)> {
    let intent = abp_intent::resolve(&args.input(vision)).map_err(|e| anyhow!("{e}"))?;
    let opts = PlanOptions {
        site_ipv4: args.ip,
        odoo_version: args.odoo_version.clone(),
        dry_run,
        ..PlanOptions::default()
    };
    let planned = abp_intent::plan(&intent, &opts);
    let spec: ExecutionGraphSpec = serde_json::from_value(serde_json::to_value(&planned)?)?;
    Ok((intent, spec))
}

/// `abp resolve VISION`.
pub fn resolve(g: &Global, vision: &str, args: &IdeaArgs) -> Result<u8> {
    let intent = abp_intent::resolve(&args.input(vision)).map_err(|e| anyhow!("{e}"))?;
    if g.json {
        println!("{}", serde_json::to_string_pretty(&intent)?);
        return Ok(exit::OK);
    }
    print_intent(&intent);
    Ok(exit::OK)
}

fn print_intent(intent: &ResolvedBusinessIntent) {
    println!("Intent {} for {:?}", intent.intent_id, intent.vision);
    let value = serde_json::to_value(intent).unwrap_or(Value::Null);
    for e in &intent.explanations {
        let matched = if e.matched.is_empty() {
            String::new()
        } else {
            format!(" [{}]", e.matched.join(", "))
        };
        println!(
            "  {:<28} {:<22} {:>4.0}%  {}{matched}",
            e.field,
            e.value,
            e.confidence * 100.0,
            e.rule
        );
    }
    if let Some(modules) = value.get("odoo_modules_required") {
        println!("  odoo modules: {modules}");
    }
    for m in &intent.custom_modules_spec {
        println!("  custom module `{}`: {} model(s)", m.name, m.models.len());
    }
}

/// `abp plan --idea VISION`: the intent, the graph, and every node's dry run.
pub async fn plan(g: &Global, opts: &SessionOptions, vision: &str, args: &IdeaArgs) -> Result<u8> {
    let (intent, spec) = plan_idea(vision, args, true)?;
    if !g.json {
        print_intent(&intent);
        println!();
    }
    let mut session = Session::open(opts)?;
    let prepared = session.prepare(spec).await?;
    let progress = if g.json {
        None
    } else {
        Some(progress_printer(g.verbose))
    };
    let result = session
        .run(
            &prepared,
            RunOptions {
                dry_run: true,
                intent: Some(serde_json::to_value(&intent)?),
                progress,
                run_id: None,
            },
        )
        .await?;
    if g.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "intent": intent, "graph": prepared.spec, "result": result })
            )?
        );
    } else {
        print_result(&result, &session.policy.runs_dir());
    }
    Ok(result_code(&result))
}

/// `abp run VISION`: resolve, plan, show the plan (a dry run), apply it live, and say where
/// everything is and how to roll it back.
pub async fn run(g: &Global, opts: &SessionOptions, vision: &str, args: &IdeaArgs) -> Result<u8> {
    let (intent, spec) = plan_idea(vision, args, false)?;
    let mut session = Session::open(opts)?;
    let prepared = session.prepare(spec).await?;
    let intent_value = serde_json::to_value(&intent)?;
    if !g.json {
        print_intent(&intent);
        eprintln!("\nPlanning (dry run) ...");
    }
    let progress = if g.json {
        None
    } else {
        Some(progress_printer(g.verbose))
    };
    let plan = session
        .run(
            &prepared,
            RunOptions {
                dry_run: true,
                intent: Some(intent_value.clone()),
                progress: progress.clone(),
                run_id: None,
            },
        )
        .await?;
    if !plan.success {
        if g.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "intent": intent, "plan": plan }))?
            );
        } else {
            print_result(&plan, &session.policy.runs_dir());
        }
        return Ok(result_code(&plan));
    }
    if !g.json {
        println!(
            "\nPlan: {}",
            plan.execution_order
                .iter()
                .map(|id| format!("{id} ({})", plan.node_results[id].node_type))
                .collect::<Vec<_>>()
                .join(" -> ")
        );
        eprintln!("\nApplying ...");
    }
    let result = session
        .run(
            &prepared,
            RunOptions {
                dry_run: false,
                intent: Some(intent_value),
                progress,
                run_id: None,
            },
        )
        .await?;
    if g.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "intent": intent, "plan_run_id": plan.run_id, "result": result })
            )?
        );
        return Ok(result_code(&result));
    }
    print_result(&result, &session.policy.runs_dir());
    if result.success {
        println!("\nWhere everything is:");
        for id in &result.execution_order {
            let r = &result.node_results[id];
            println!("  {id} ({}):", r.node_type);
            for a in &r.artifacts {
                println!("    {a}");
            }
            if let Some(install) = r.output.as_ref().and_then(|o| o.get("install")) {
                println!(
                    "    install: {}",
                    install
                        .as_str()
                        .map_or_else(|| install.to_string(), str::to_owned)
                );
            }
        }
    }
    Ok(result_code(&result))
}
