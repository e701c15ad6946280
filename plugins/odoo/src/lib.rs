//! Node `odoo`: generates an installable Odoo module (manifest, models, views, actions and
//! menus, access rules) from a [`ModuleSpec`] for Odoo 17.0 or 18.0, writes it into the
//! `addons` mount (a folder on the Odoo server's addons path) and installs it over Odoo's
//! JSON-RPC API; rollback uninstalls it and removes exactly the generated files.
//!
//! The generator (`generate`, `validate`, `escape`) is pure; the RPC client (`rpc`, `install`)
//! works over a [`rpc::Transport`]; this file only wires them to the host.

pub mod escape;
pub mod files;
pub mod generate;
pub mod install;
pub mod rpc;
pub mod spec;
pub mod validate;

use std::path::PathBuf;

use abp_node_sdk::{
    Host, Invocation, JsonSchema, Node, NodeError, NodeOutput, RollbackSupport, Value, json,
};
use serde::Deserialize;

pub use generate::{GeneratedFile, generate, render};
pub use spec::{FieldSpec, FieldType, ModelSpec, ModuleSpec, OdooVersion};
pub use validate::{SpecError, SpecErrors, check};

use crate::files::{MARKER, Marker, Ownership};
use crate::install::{Poll, Uninstall};
use crate::rpc::{Client, Connection, HostTransport};
use crate::validate::CheckedModule;

/// The node's params (params.md, section `odoo`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The module to generate.
    pub module: ModuleSpec,
    /// Target Odoo version (default `17.0`).
    #[serde(default)]
    pub odoo_version: OdooVersion,
    /// Install the module after generating it (default true); only acts when the plugin
    /// config names an Odoo server.
    #[serde(default = "default_true")]
    pub install: bool,
}

fn default_true() -> bool {
    true
}

/// The plugin config (`[plugins.odoo.config]` in the policy): which Odoo server, if any.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Base URL of the Odoo server, e.g. `http://127.0.0.1:8069`; without it nothing is installed.
    pub url: Option<String>,
    pub database: Option<String>,
    pub login: Option<String>,
    /// Name of the secret that holds the password (default `odoo_password`).
    pub password_secret: Option<String>,
}

impl Config {
    /// Parses `inv.config`; `None` or `{}` means no server.
    pub fn parse(value: &Value) -> Result<Self, NodeError> {
        if value.is_null() {
            return Ok(Self::default());
        }
        serde_json::from_value(value.clone()).map_err(|e| {
            NodeError::invalid_params(format!("plugin config `plugins.odoo.config`: {e}"))
        })
    }

    /// The server to install on, if one is configured.
    pub fn connection(&self) -> Result<Option<Connection>, NodeError> {
        let Some(url) = self.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let mut problems = Vec::new();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            problems.push(format!("`url` `{url}` must start with http:// or https://"));
        }
        let database = self.database.clone().unwrap_or_default();
        if database.trim().is_empty() {
            problems.push("`database` is required when `url` is set".to_owned());
        }
        if !problems.is_empty() {
            return Err(NodeError::invalid_params(format!(
                "plugin config `plugins.odoo.config`: {}",
                problems.join("; ")
            )));
        }
        Ok(Some(Connection {
            url: url.trim_end_matches('/').to_owned(),
            database,
            login: self.login.clone().unwrap_or_else(|| "admin".to_owned()),
            password_secret: self
                .password_secret
                .clone()
                .unwrap_or_else(|| "odoo_password".to_owned()),
        }))
    }
}

/// `install` in the output when nothing is installed because no server is configured.
pub const SKIPPED_NO_SERVER: &str = "skipped (no Odoo server configured)";
/// `install` in the output when the params ask not to install.
pub const SKIPPED_BY_PARAMS: &str = "skipped (`install` is false)";
/// Timeout of one JSON-RPC request; an install runs inside one.
const REQUEST_TIMEOUT_MS: u32 = 240_000;

pub struct Odoo;

impl Node for Odoo {
    type Params = Params;
    const NODE_TYPE: &'static str = "odoo";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str =
        "generates an Odoo module from a spec and installs it over JSON-RPC";
    const ROLLBACK: RollbackSupport = RollbackSupport::Compensating;

    fn dry_run(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        let plan = Plan::new(host, inv)?;
        if let Ownership::Foreign(why) = plan.ownership(inv) {
            return Err(files::foreign_error(&plan.dir, &why));
        }
        let manifest = plan
            .files
            .iter()
            .find(|f| f.path == "__manifest__.py")
            .map(|f| f.content.clone());
        let install = match (&plan.conn, inv.params.install) {
            (None, _) => SKIPPED_NO_SERVER.to_owned(),
            (Some(_), false) => SKIPPED_BY_PARAMS.to_owned(),
            (Some(conn), true) => format!(
                "would install on {} (database `{}`)",
                conn.url, conn.database
            ),
        };
        let mut output = plan.summary();
        output["manifest"] = json!(manifest);
        output["install"] = json!(install);
        Ok(NodeOutput::new(output, Value::Null))
    }

    fn execute(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        let plan = Plan::new(host, inv)?;
        if let Ownership::Foreign(why) = plan.ownership(inv) {
            return Err(files::foreign_error(&plan.dir, &why));
        }
        let mut receipt = plan.receipt();
        host.checkpoint(&receipt);
        let marker = Marker {
            generator: "abp-node-odoo".to_owned(),
            module: plan.module.name.clone(),
            run_id: inv.run_id.clone(),
            node_id: inv.node_id.clone(),
        };
        files::write_module(&plan.dir, &marker, &plan.files)?;
        for file in &plan.files {
            host.add_artifact(&plan.dir.join(&file.path));
        }
        host.audit(
            "odoo.module_generated",
            &json!({ "module": plan.module.name, "path": plan.dir.to_string_lossy(), "files": plan.files.len(), "odoo_version": plan.module.odoo_version.series() }),
        );
        host.info(&format!(
            "wrote module `{}` ({} files) to {}",
            plan.module.name,
            plan.files.len(),
            plan.dir.display()
        ));

        let mut output = plan.summary();
        let conn = match (&plan.conn, inv.params.install) {
            (None, _) => {
                output["install"] = json!(SKIPPED_NO_SERVER);
                return Ok(NodeOutput::new(output, receipt));
            }
            (Some(_), false) => {
                output["install"] = json!(SKIPPED_BY_PARAMS);
                return Ok(NodeOutput::new(output, receipt));
            }
            (Some(conn), true) => conn.clone(),
        };

        let transport = HostTransport(host);
        let client = Client::new(&transport, conn.clone(), REQUEST_TIMEOUT_MS);
        let record = match install::prepare(&client, &plan.module.name, &plan.module.version) {
            Ok(record) => record,
            // Odoo was not asked to change anything yet: only the files are to undo.
            Err(error) => return Err(plan.clean_up_after_failed_install(host, None, error)),
        };
        receipt["install"] = json!("requested");
        receipt["module_id"] = json!(record.id);
        host.checkpoint(&receipt);
        let state = match install::install(&client, &plan.module.name, &record, Poll::default()) {
            Ok(state) => state,
            Err(error) => {
                return Err(plan.clean_up_after_failed_install(host, Some(&client), error));
            }
        };
        receipt["install"] = json!("installed");
        host.audit(
            "odoo.module_installed",
            &json!({ "module": plan.module.name, "url": conn.url, "database": conn.database, "module_id": record.id }),
        );
        host.info(&format!(
            "installed module `{}` in database `{}`",
            plan.module.name, conn.database
        ));
        output["install"] = json!("installed");
        output["odoo"] = json!({ "url": conn.url, "database": conn.database, "module_id": record.id, "state": state });
        Ok(NodeOutput::new(output, receipt))
    }

    fn rollback(
        host: &dyn Host,
        inv: &Invocation<Params>,
        receipt: &Value,
    ) -> Result<(), NodeError> {
        let Some(receipt) = Receipt::parse(receipt)? else {
            host.info("nothing to roll back: the receipt names no module");
            return Ok(());
        };
        let dir = host.require_mount("addons")?.join(&receipt.module);
        let touched_odoo = matches!(receipt.install.as_str(), "requested" | "installed");
        let conn = if touched_odoo {
            receipt
                .connection
                .clone()
                .or(Config::parse(&inv.config)?.connection()?)
        } else {
            None
        };
        let transport = HostTransport(host);
        let client = conn.map(|c| Client::new(&transport, c, REQUEST_TIMEOUT_MS));
        if let Some(client) = &client {
            let conn = client.connection();
            match install::uninstall(client, &receipt.module, Poll::default())? {
                Uninstall::Uninstalled => {
                    host.audit("odoo.module_uninstalled", &json!({ "module": receipt.module, "url": conn.url, "database": conn.database }));
                    host.info(&format!(
                        "uninstalled module `{}` from database `{}`",
                        receipt.module, conn.database
                    ));
                }
                Uninstall::NotInstalled(state) => host.info(&format!(
                    "module `{}` is not installed (state `{state}`)",
                    receipt.module
                )),
                Uninstall::Unknown => {
                    host.info(&format!("odoo has no module `{}`", receipt.module));
                }
            }
        }
        let removal = files::remove_module(&dir, &receipt.files, receipt.created_dir)?;
        if !removal.removed.is_empty() || removal.dir_removed {
            host.audit("odoo.module_files_removed", &json!({ "module": receipt.module, "path": dir.to_string_lossy(), "files": removal.removed.len(), "dir_removed": removal.dir_removed }));
        }
        host.info(&format!(
            "removed {} files of module `{}` ({} already gone){}",
            removal.removed.len(),
            receipt.module,
            removal.already_gone.len(),
            if removal.dir_removed {
                ", and its folder"
            } else {
                ""
            }
        ));
        if let Some(client) = &client {
            // A failure here only leaves a stale entry in Odoo's Apps list: reported, but the
            // rollback itself succeeded.
            match install::forget(client, &receipt.module) {
                Ok(true) => host.info(&format!(
                    "removed module `{}` from odoo's module list",
                    receipt.module
                )),
                Ok(false) => {}
                Err(e) => host.warn(e.message()),
            }
        }
        Ok(())
    }
}

/// What `dry_run` and `execute` share: the checked module, its files and where they go.
struct Plan {
    module: CheckedModule,
    files: Vec<GeneratedFile>,
    dir: PathBuf,
    conn: Option<Connection>,
}

impl Plan {
    /// Checks the config and the spec (all problems at once) before touching anything.
    fn new(host: &dyn Host, inv: &Invocation<Params>) -> Result<Self, NodeError> {
        let conn = Config::parse(&inv.config)?.connection()?;
        let module = check(&inv.params.module, inv.params.odoo_version)
            .map_err(|e| NodeError::invalid_params(e.to_string()))?;
        let files = render(&module);
        let dir = host.require_mount("addons")?.join(&module.name);
        Ok(Self {
            module,
            files,
            dir,
            conn,
        })
    }

    fn ownership(&self, inv: &Invocation<Params>) -> Ownership {
        files::ownership(&self.dir, &self.module.name, &inv.run_id, &inv.node_id)
    }

    fn file_list(&self) -> Vec<String> {
        let mut list: Vec<String> = self.files.iter().map(|f| f.path.clone()).collect();
        list.push(MARKER.to_owned());
        list
    }

    fn summary(&self) -> Value {
        json!({
            "module": self.module.name,
            "odoo_version": self.module.odoo_version.series(),
            "version": self.module.version,
            "module_dir": self.dir.to_string_lossy(),
            "files": self.files.iter().map(|f| &f.path).collect::<Vec<_>>(),
            "models": self.module.models.iter().map(|m| &m.name).collect::<Vec<_>>(),
            "depends": self.module.depends,
        })
    }

    fn receipt(&self) -> Value {
        json!({
            "module": self.module.name,
            "module_dir": self.dir.to_string_lossy(),
            "files": self.file_list(),
            "created_dir": true,
            "install": "not_started",
            "odoo": self.conn.as_ref().map(|c| json!({
                "url": c.url, "database": c.database, "login": c.login, "password_secret": c.password_secret,
            })),
        })
    }

    /// After a failed install: uninstall if Odoo was asked to install (`client` is then
    /// given) and got that far, and remove the files, so that a failed node leaves neither a
    /// failed module on the addons path nor a half-installed one; the error then says so.
    /// When Odoo cannot say whether the module is installed, the files stay for `rollback`.
    fn clean_up_after_failed_install(
        &self,
        host: &dyn Host,
        client: Option<&Client<'_>>,
        error: NodeError,
    ) -> NodeError {
        let undo = client
            .map_or(Ok(Uninstall::Unknown), |client| {
                install::uninstall(client, &self.module.name, Poll::default())
            })
            .and_then(|_| files::remove_module(&self.dir, &self.file_list(), true));
        if let (Ok(_), Some(client)) = (&undo, client)
            && let Err(e) = install::forget(client, &self.module.name)
        {
            host.warn(e.message());
        }
        match undo {
            Ok(_) => {
                host.info(&format!(
                    "removed the files of module `{}` after the failed install",
                    self.module.name
                ));
                let message = format!(
                    "{}; the generated files were removed again",
                    error.message()
                );
                match error {
                    NodeError::Denied(_) => NodeError::denied(message),
                    NodeError::Unavailable(_) => NodeError::unavailable(message),
                    NodeError::InvalidParams(_) => NodeError::invalid_params(message),
                    NodeError::Failed(_) => NodeError::failed(message),
                }
            }
            Err(cleanup) => {
                host.warn(&format!(
                    "cleaning up after the failed install: {}",
                    cleanup.message()
                ));
                error
            }
        }
    }
}

/// The parts of a receipt (or checkpoint) that `rollback` uses.
struct Receipt {
    module: String,
    files: Vec<String>,
    created_dir: bool,
    install: String,
    connection: Option<Connection>,
}

impl Receipt {
    fn parse(value: &Value) -> Result<Option<Self>, NodeError> {
        let Some(module) = value.get("module").and_then(Value::as_str) else {
            return Ok(None);
        };
        if !validate::is_identifier(module) {
            return Err(NodeError::failed(format!(
                "the receipt names the module `{module}`, which is not a module name"
            )));
        }
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let files = value
            .get("files")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let connection = value.get("odoo").filter(|o| o.is_object()).and_then(|o| {
            Some(Connection {
                url: text(o, "url")?,
                database: text(o, "database")?,
                login: text(o, "login")?,
                password_secret: text(o, "password_secret")?,
            })
        });
        Ok(Some(Self {
            module: module.to_owned(),
            files,
            created_dir: value
                .get("created_dir")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            install: text(value, "install").unwrap_or_default(),
            connection,
        }))
    }
}

abp_node_sdk::export_node!(Odoo);
