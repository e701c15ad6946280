//! Node `webgenesis`: turns a business description into a website a small business can put
//! online. Templates `static-landing`, `nextjs-business` and `ecommerce-basic`; every template
//! yields a servable static site (`site/`), the Next.js templates also a Next.js project
//! (`nextjs/`), both rendered from the same content. `execute` generates into the `output`
//! mount (`/mnt/output/<slug>/`), validates, and deploys (copies `site/` to
//! `/mnt/deploy/<slug>/`); `rollback` removes both copies and nothing else.
//!
//! Rendering ([`render`]) is pure and runs natively, so it is unit-tested and benchmarked
//! without the sandbox; the node glue below only adds the file system and the host calls.

mod assets;
pub mod check;
pub mod content;
mod fsops;
pub mod html;
pub mod i18n;
pub mod legal;
pub mod model;
pub mod money;
pub mod nextjs;
pub mod params;
mod punycode;
pub mod samples;
#[cfg(test)]
mod tests;
pub mod theme;

use std::collections::BTreeMap;
use std::path::Path;

use abp_node_sdk::{Host, Invocation, Node, NodeError, NodeOutput, RollbackSupport, Value, json};

pub use check::Validation;
pub use legal::LegalReport;
pub use params::{SiteParams, Template};

/// One generated file; `path` is relative (`site/index.html`, `nextjs/package.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

impl GeneratedFile {
    pub fn new(path: &str, contents: String) -> Self {
        Self {
            path: path.to_owned(),
            contents,
        }
    }
}

/// Everything [`render`] produces, before anything touches a disk.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub template: Template,
    pub slug: String,
    /// `en` or `de`.
    pub language: &'static str,
    /// Page ids, in navigation order, legal pages last.
    pub pages: Vec<String>,
    /// The files under `<slug>/`: `site/...` and, for Next.js templates, `nextjs/...`.
    pub files: Vec<GeneratedFile>,
    /// The home page's HTML.
    pub home_html: String,
    pub legal: LegalReport,
    /// The static site checked in memory.
    pub validation: Validation,
    /// `https://domain/` when a domain was given.
    pub url: Option<String>,
    /// Things the user should know (no domain, no products, ...).
    pub warnings: Vec<String>,
}

impl Rendered {
    /// Total size of all files in bytes.
    pub fn bytes(&self) -> usize {
        self.files.iter().map(|f| f.contents.len()).sum()
    }
}

/// Renders the site for `params`: pure, no I/O. Errors are invalid params (all listed).
pub fn render(params: &SiteParams) -> Result<Rendered, String> {
    let spec = params::normalise(params)?;
    let (site, legal) = content::build(&spec);
    let site_files = html::render(&site);

    let mut warnings = Vec::new();
    if spec.domain.is_none() {
        warnings.push(
            "no `domain` given: pages have no canonical URL or og:url, sitemap.xml is omitted (sitemaps need absolute URLs) \
             and robots.txt says so; give `domain` to get them"
                .to_owned(),
        );
    }
    if spec.template == Template::EcommerceBasic && spec.products.is_empty() {
        warnings.push("no `products` given: the catalogue says the range is being put together; add products and run again".into());
    }
    if spec.template != Template::EcommerceBasic && !spec.products.is_empty() {
        warnings.push(format!(
            "`products` are only used by `ecommerce-basic`; template `{}` ignores them",
            spec.template.name()
        ));
    }
    if spec.contact.email.is_none() {
        warnings.push("no `contact.email`: the site has no contact form and no e-mail link".into());
    }
    if !legal.missing.is_empty() {
        warnings.push(format!(
            "legal details missing (marked as placeholders on the legal pages): {}",
            legal.missing.join(", ")
        ));
    }

    let site_map: BTreeMap<String, String> = site_files
        .iter()
        .map(|f| (f.path.clone(), f.contents.clone()))
        .collect();
    let page_files: Vec<String> = site.pages.iter().map(|p| p.file.clone()).collect();
    let mut required = vec![
        "404.html".to_owned(),
        "robots.txt".to_owned(),
        "assets/style.css".to_owned(),
    ];
    if spec.domain.is_some() {
        required.push("sitemap.xml".into());
    }
    let validation = check::validate_site(&site_map, &page_files, &required);

    let mut files: Vec<GeneratedFile> = site_files
        .into_iter()
        .map(|f| GeneratedFile {
            path: format!("site/{}", f.path),
            contents: f.contents,
        })
        .collect();
    if spec.template.has_nextjs() {
        files.extend(nextjs::render(&site).into_iter().map(|f| GeneratedFile {
            path: format!("nextjs/{}", f.path),
            contents: f.contents,
        }));
    }

    Ok(Rendered {
        template: spec.template,
        slug: spec.slug.clone(),
        language: spec.language.code(),
        pages: site.pages.iter().map(|p| p.id.clone()).collect(),
        home_html: html::home_html(&site),
        files,
        legal,
        validation,
        url: spec.base_url(),
        warnings,
    })
}

/// For benchmarks: renders from JSON params and returns the number of bytes produced.
pub fn render_site(params: &serde_json::Value) -> Result<usize, String> {
    let params: SiteParams =
        serde_json::from_value(params.clone()).map_err(|e| format!("params: {e}"))?;
    render(&params).map(|r| r.bytes())
}

/// Largest home-page preview in a dry run's output.
pub const PREVIEW_LIMIT: usize = 64 * 1024;

fn preview(html: &str) -> (String, bool) {
    if html.len() <= PREVIEW_LIMIT {
        return (html.to_owned(), false);
    }
    let mut end = PREVIEW_LIMIT;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    (html[..end].to_owned(), true)
}

fn rendered_or_error(params: &SiteParams) -> Result<Rendered, NodeError> {
    let r = render(params).map_err(NodeError::InvalidParams)?;
    if !r.validation.ok {
        // A bug in the generator, not in the params: say exactly what is wrong.
        let list: Vec<&str> = r
            .validation
            .errors
            .iter()
            .take(20)
            .map(String::as_str)
            .collect();
        return Err(NodeError::failed(format!(
            "the generated site failed validation ({} problem(s)); nothing was written:\n- {}",
            r.validation.errors.len(),
            list.join("\n- ")
        )));
    }
    Ok(r)
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn base_output(r: &Rendered, generated: &Path, deployed: &Path) -> Value {
    let site_files = r
        .files
        .iter()
        .filter(|f| f.path.starts_with("site/"))
        .count();
    json!({
        "template": r.template.name(),
        "slug": r.slug,
        "language": r.language,
        "pages": r.pages,
        "files": r.files.len(),
        "site_files": site_files,
        "bytes": r.bytes(),
        "generated_path": path_str(generated),
        "site_path": path_str(&generated.join("site")),
        "nextjs_path": r.template.has_nextjs().then(|| path_str(&generated.join("nextjs"))),
        "deployed_path": path_str(deployed),
        "url": r.url,
        "legal": r.legal,
        "validation": r.validation,
        "warnings": r.warnings,
    })
}

/// The node.
pub struct WebGenesis;

impl Node for WebGenesis {
    type Params = SiteParams;
    const NODE_TYPE: &'static str = "webgenesis";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "generates a business website (static site, and a Next.js project for the Next.js templates) and deploys it";
    const ROLLBACK: RollbackSupport = RollbackSupport::Compensating;

    fn dry_run(host: &dyn Host, inv: &Invocation<SiteParams>) -> Result<NodeOutput, NodeError> {
        let r = rendered_or_error(&inv.params)?;
        let generated = host.require_mount("output")?.join(&r.slug);
        let deployed = host.require_mount("deploy")?.join(&r.slug);
        // Execute would refuse these; say so now rather than after the plan was approved.
        fsops::ensure_free(&generated, &deployed, &inv.run_id, &inv.node_id)?;
        let (html, truncated) = preview(&r.home_html);
        let mut out = base_output(&r, &generated, &deployed);
        out["dry_run"] = json!(true);
        out["would_write"] = json!(
            r.files.iter().map(|f| json!({ "path": path_str(&generated.join(&f.path)), "bytes": f.contents.len() })).collect::<Vec<_>>()
        );
        out["would_deploy"] = json!({
            "from": path_str(&generated.join("site")),
            "to": path_str(&deployed),
            "files": r.files.iter().filter(|f| f.path.starts_with("site/")).count(),
        });
        out["preview_html"] = json!(html);
        out["preview_truncated"] = json!(truncated);
        host.info(&format!(
            "would generate {} files for `{}` ({})",
            r.files.len(),
            r.slug,
            r.template.name()
        ));
        Ok(NodeOutput::new(out, Value::Null))
    }

    fn execute(host: &dyn Host, inv: &Invocation<SiteParams>) -> Result<NodeOutput, NodeError> {
        let r = rendered_or_error(&inv.params)?;
        let generated = host.require_mount("output")?.join(&r.slug);
        let deployed = host.require_mount("deploy")?.join(&r.slug);
        fsops::ensure_free(&generated, &deployed, &inv.run_id, &inv.node_id)?;
        // A retry of this very node (same run) may find its own earlier copies: replace them.
        fsops::remove_own(&generated, &deployed, &inv.run_id, &inv.node_id)?;

        let mut receipt = json!({
            "generated_path": path_str(&generated),
            "deployed_path": Value::Null,
            "created": [path_str(&generated)],
        });
        host.checkpoint(&receipt);
        if let Err(e) = fsops::claim_dir(&generated) {
            // Nothing was created: the journal must not remember a directory that is not ours.
            host.checkpoint(&json!({ "generated_path": path_str(&generated), "deployed_path": Value::Null, "created": [] }));
            return Err(e);
        }
        let written = fsops::write_files(&generated, &r.files, &inv.run_id, &inv.node_id)?;
        let on_disk = fsops::verify(&generated, &r.files);
        if !on_disk.is_empty() {
            return Err(NodeError::failed(format!(
                "files in {} do not match what was rendered: {}",
                generated.display(),
                on_disk.join("; ")
            )));
        }
        host.add_artifact(&generated);
        host.audit(
            "webgenesis.site_generated",
            &json!({ "path": path_str(&generated), "template": r.template.name(), "files": r.files.len(), "bytes": written }),
        );
        host.info(&format!(
            "generated {} files ({written} bytes) in {}",
            r.files.len(),
            generated.display()
        ));

        receipt["deployed_path"] = json!(path_str(&deployed));
        receipt["created"] = json!([path_str(&generated), path_str(&deployed)]);
        host.checkpoint(&receipt);
        if let Err(e) = fsops::claim_dir(&deployed) {
            receipt["created"] = json!([path_str(&generated)]);
            host.checkpoint(&receipt);
            return Err(e);
        }
        let copied = fsops::copy_tree(&generated.join("site"), &deployed)?;
        let site_files: Vec<GeneratedFile> = r
            .files
            .iter()
            .filter_map(|f| {
                f.path
                    .strip_prefix("site/")
                    .map(|p| GeneratedFile::new(p, f.contents.clone()))
            })
            .collect();
        let deploy_problems = fsops::verify(&deployed, &site_files);
        if !deploy_problems.is_empty() {
            return Err(NodeError::failed(format!(
                "deployed copy in {} is incomplete: {}",
                deployed.display(),
                deploy_problems.join("; ")
            )));
        }
        host.add_artifact(&deployed);
        host.audit(
            "webgenesis.site_deployed",
            &json!({ "path": path_str(&deployed), "files": copied }),
        );
        host.info(&format!(
            "deployed {copied} files to {}",
            deployed.display()
        ));

        let mut out = base_output(&r, &generated, &deployed);
        out["deployed_files"] = json!(copied);
        out["validation"]["on_disk"] =
            json!({ "generated_files": r.files.len(), "deployed_files": copied, "mismatches": 0 });
        Ok(NodeOutput::new(out, receipt))
    }

    fn rollback(
        host: &dyn Host,
        _inv: &Invocation<SiteParams>,
        receipt: &Value,
    ) -> Result<(), NodeError> {
        let mut paths: Vec<String> = receipt
            .get("created")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        // Deployed copy first: it is what the public sees.
        paths.sort_by_key(|p| {
            i32::from(receipt.get("generated_path").and_then(Value::as_str) == Some(p.as_str()))
        });
        let mounts: Vec<_> = ["output", "deploy"]
            .iter()
            .filter_map(|m| host.mount(m))
            .collect();
        let mut problems = Vec::new();
        for p in &paths {
            match fsops::remove_site_dir(Path::new(p), &mounts) {
                Ok(true) => {
                    host.info(&format!("removed {p}"));
                    host.audit("webgenesis.site_removed", &json!({ "path": p }));
                }
                Ok(false) => host.info(&format!("{p} already gone")),
                Err(e) => problems.push(e),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(NodeError::failed(problems.join("; ")))
        }
    }
}

abp_node_sdk::export_node!(WebGenesis);
