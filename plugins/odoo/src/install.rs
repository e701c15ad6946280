//! Module operations on a live Odoo through [`Client`]: refresh the module list and find the
//! generated module, install it with `button_immediate_install`, uninstall it with
//! `button_immediate_uninstall`, each followed by reading the state back (bounded polling).

use std::time::Duration;

use abp_node_sdk::{NodeError, Value, json};

use crate::rpc::{Client, RpcError};

const MODULE_MODEL: &str = "ir.module.module";

/// How long to wait for a state change that Odoo reports asynchronously.
#[derive(Clone, Copy)]
pub struct Poll {
    pub attempts: u32,
    pub interval: Duration,
    /// Waits between attempts; tests pass a no-op.
    pub sleep: fn(Duration),
}

impl Default for Poll {
    fn default() -> Self {
        Self {
            attempts: 30,
            interval: Duration::from_secs(1),
            sleep: std::thread::sleep,
        }
    }
}

impl std::fmt::Debug for Poll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poll")
            .field("attempts", &self.attempts)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// An `ir.module.module` record as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRecord {
    pub id: i64,
    /// `uninstalled`, `installed`, `to install`, `to upgrade`, `to remove`, `uninstallable`.
    pub state: String,
    /// The version Odoo reads from the module's manifest on disk (empty when unknown).
    pub disk_version: String,
}

/// Reads the module record by technical name.
pub fn find(client: &Client<'_>, module: &str) -> Result<Option<ModuleRecord>, RpcError> {
    let rows = client.execute_kw(
        MODULE_MODEL,
        "search_read",
        &json!([[["name", "=", module]]]),
        &json!({ "fields": ["name", "state", "installed_version"], "limit": 1 }),
    )?;
    let Some(row) = rows.as_array().and_then(|rows| rows.first()) else {
        return Ok(None);
    };
    let id = row.get("id").and_then(Value::as_i64).ok_or_else(|| {
        RpcError::Protocol(format!(
            "`search_read` on {MODULE_MODEL} returned a row without an id: {row}"
        ))
    })?;
    let text = |key: &str| {
        row.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Ok(Some(ModuleRecord {
        id,
        state: text("state"),
        disk_version: text("installed_version"),
    }))
}

/// Makes Odoo scan its addons path (`update_list`) and returns the generated module's record,
/// checking that it is the module this node wrote and that it can be installed.
pub fn prepare(
    client: &Client<'_>,
    module: &str,
    version: &str,
) -> Result<ModuleRecord, NodeError> {
    let conn = client.connection().clone();
    let what = format!("installing module `{module}`");
    client
        .authenticate()
        .map_err(|e| e.into_node_error(&what, &conn))?;
    client
        .execute_kw(MODULE_MODEL, "update_list", &json!([]), &json!({}))
        .map_err(|e| e.into_node_error(&format!("{what}: refreshing the module list"), &conn))?;
    let record = find(client, module).map_err(|e| e.into_node_error(&what, &conn))?.ok_or_else(|| {
        NodeError::failed(format!(
            "{what}: odoo at {} does not see the module after `update_list`; the `addons` mount must be a folder on that server's addons_path",
            conn.url
        ))
    })?;
    match record.state.as_str() {
        "uninstalled" | "to install" => {}
        "uninstallable" => {
            return Err(NodeError::failed(format!(
                "{what}: odoo marks it uninstallable, usually because a module in `depends` is not available on the server"
            )));
        }
        state => {
            return Err(NodeError::failed(format!(
                "{what}: a module of that name is already in state `{state}` in database `{}`; choose another module name",
                conn.database
            )));
        }
    }
    if !record.disk_version.is_empty() && record.disk_version != version {
        return Err(NodeError::failed(format!(
            "{what}: odoo loads another module of that name from its addons path (version {} instead of {version}); choose another module name",
            record.disk_version
        )));
    }
    Ok(record)
}

/// `button_immediate_install`, then reads the state back until it is `installed`.
pub fn install(
    client: &Client<'_>,
    module: &str,
    record: &ModuleRecord,
    poll: Poll,
) -> Result<String, NodeError> {
    let conn = client.connection().clone();
    let what = format!("installing module `{module}`");
    client
        .execute_kw(
            MODULE_MODEL,
            "button_immediate_install",
            &json!([[record.id]]),
            &json!({}),
        )
        .map_err(|e| e.into_node_error(&what, &conn))?;
    wait_for(client, module, &["installed"], poll).map_err(|e| e.into_node_error(&what, &conn))
}

/// What an uninstall found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uninstall {
    /// Odoo had no record of the module.
    Unknown,
    /// It was not installed; nothing to do.
    NotInstalled(String),
    /// It was installed and now is not.
    Uninstalled,
}

/// Uninstalls the module if it is installed (`button_immediate_uninstall`) and waits until it
/// is not; a module that is not installed is left alone.
pub fn uninstall(client: &Client<'_>, module: &str, poll: Poll) -> Result<Uninstall, NodeError> {
    let conn = client.connection().clone();
    let what = format!("uninstalling module `{module}`");
    let err = |e: RpcError| e.into_node_error(&what, &conn);
    let Some(record) = find(client, module).map_err(err)? else {
        return Ok(Uninstall::Unknown);
    };
    match record.state.as_str() {
        "installed" | "to upgrade" => {
            client
                .execute_kw(
                    MODULE_MODEL,
                    "button_immediate_uninstall",
                    &json!([[record.id]]),
                    &json!({}),
                )
                .map_err(err)?;
            wait_for(client, module, &["uninstalled", "uninstallable"], poll).map_err(err)?;
            Ok(Uninstall::Uninstalled)
        }
        // Left over from an install that died before Odoo finished it.
        "to install" => {
            client
                .execute_kw(
                    MODULE_MODEL,
                    "button_install_cancel",
                    &json!([[record.id]]),
                    &json!({}),
                )
                .map_err(err)?;
            Ok(Uninstall::NotInstalled("to install (cancelled)".to_owned()))
        }
        state => Ok(Uninstall::NotInstalled(state.to_owned())),
    }
}

/// Deletes Odoo's record of a module that is not installed (after its folder was removed,
/// `update_list` keeps the record, and the Apps list would offer a module that cannot be
/// installed). Returns whether a record was deleted.
pub fn forget(client: &Client<'_>, module: &str) -> Result<bool, NodeError> {
    let conn = client.connection().clone();
    let err = |e: RpcError| {
        e.into_node_error(
            &format!("removing module `{module}` from odoo's module list"),
            &conn,
        )
    };
    match find(client, module).map_err(err)? {
        Some(record) if matches!(record.state.as_str(), "uninstalled" | "uninstallable") => {
            client
                .execute_kw(MODULE_MODEL, "unlink", &json!([[record.id]]), &json!({}))
                .map_err(err)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Reads the module's state until it is one of `wanted`, at most `poll.attempts` times.
fn wait_for(
    client: &Client<'_>,
    module: &str,
    wanted: &[&str],
    poll: Poll,
) -> Result<String, RpcError> {
    let mut last = String::from("unknown");
    for attempt in 0..poll.attempts.max(1) {
        if attempt > 0 {
            (poll.sleep)(poll.interval);
        }
        match find(client, module)? {
            Some(record) if wanted.contains(&record.state.as_str()) => return Ok(record.state),
            Some(record) => last = record.state,
            None => "gone".clone_into(&mut last),
        }
    }
    Err(RpcError::Protocol(format!(
        "the module is still in state `{last}` after {} reads (wanted `{}`)",
        poll.attempts.max(1),
        wanted.join("` or `")
    )))
}
