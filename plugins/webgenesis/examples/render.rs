//! Renders one template with the built-in example params and writes it to a directory:
//! `cargo run -p abp-node-webgenesis --example render -- <template> <outdir> [en|de] [params.json]`.
//! The directory then holds `site/` (servable as is) and, for Next.js templates, `nextjs/`
//! (build with `npm install && npx next build`). `RENDER_REPEAT=N` reports the mean of N renders.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use abp_node_webgenesis::{SiteParams, Template, render, samples};

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [template, outdir, rest @ ..] = args.as_slice() else {
        return Err("usage: render <static-landing|nextjs-business|ecommerce-basic> <outdir> [en|de] [params.json]".into());
    };
    let lang = rest.first().map_or("en", String::as_str);
    let template: Template = serde_json::from_value(serde_json::json!(template))
        .map_err(|e| format!("template: {e}"))?;
    let params = match rest.get(1) {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| format!("reading {file}: {e}"))?;
            serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))?
        }
        None => samples::params(template, lang),
    };
    let params: SiteParams = serde_json::from_value(params).map_err(|e| format!("params: {e}"))?;
    // RENDER_REPEAT=N renders N times and reports the mean (for timing; the output is the same).
    let repeat: u32 = std::env::var("RENDER_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let start = Instant::now();
    let mut rendered = render(&params)?;
    for _ in 1..repeat {
        rendered = render(&params)?;
    }
    let elapsed = start.elapsed() / repeat;
    if !rendered.validation.ok {
        return Err(format!(
            "validation failed:\n{}",
            rendered.validation.errors.join("\n")
        ));
    }
    let out = PathBuf::from(outdir);
    for f in &rendered.files {
        let path = out.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &f.contents)
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    println!(
        "{}: {} files, {} bytes, pages {:?}, rendered in {:.2} ms, written to {}",
        rendered.template.name(),
        rendered.files.len(),
        rendered.bytes(),
        rendered.pages,
        elapsed.as_secs_f64() * 1000.0,
        out.display()
    );
    if !rendered.legal.missing.is_empty() {
        println!(
            "legal details missing: {}",
            rendered.legal.missing.join(", ")
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
