//! The `dns` node: creates A, AAAA, CNAME, TXT and MX record sets for a domain through one of
//! three providers (an RFC 1035 zone file in a mount, the default; `PowerDNS`; Hetzner Cloud).
//! The zone is the existing one with the longest matching suffix. Before writing, the node
//! reads what is there, refuses to change an existing record set without `overwrite`, and
//! checkpoints a receipt with each record set's content before and after; it reads back what
//! it wrote. Rollback restores exactly the values it replaced and removes exactly the values
//! it added, so records someone else added in the meantime survive.
//!
//! The domain logic lives in plain modules (native unit tests); this file wires it to the
//! SDK's [`Node`] trait.

mod hetzner;
mod model;
mod names;
mod params;
mod powerdns;
mod provider;
mod values;
mod zonefile;

use std::collections::BTreeMap;

use abp_node_sdk::{Host, Invocation, Node, NodeError, NodeOutput, RollbackSupport, Value, json};

pub use model::{Action, Change, Receipt, RrData};
pub use params::{Config, Params, ProviderKind, RecordParams, RecordType};

use params::Validated;
use provider::{Provider, Write, Zone};
use zonefile::{NewZoneSettings, ZoneFiles};

pub struct Dns;

/// The provider a run uses; an enum rather than a box so the zone-file specifics (created
/// file, its path) stay reachable.
enum Backend<'h> {
    Zonefile(ZoneFiles),
    PowerDns(powerdns::PowerDns<'h>),
    Hetzner(hetzner::Hetzner<'h>),
}

impl<'h> Backend<'h> {
    fn open(
        host: &'h dyn Host,
        kind: ProviderKind,
        config: &Config,
        dry_run: bool,
    ) -> Result<Self, NodeError> {
        Ok(match kind {
            ProviderKind::Zonefile => {
                let dir = host.require_mount(&config.zonefile.mount)?;
                let settings = NewZoneSettings {
                    nameservers: config.zonefile.nameservers.clone(),
                    hostmaster: config.zonefile.hostmaster.clone(),
                    default_ttl: 3600,
                };
                Self::Zonefile(ZoneFiles::new(dir, settings, zonefile::today(), dry_run))
            }
            ProviderKind::Powerdns => {
                let cfg = config.powerdns.clone().ok_or_else(|| {
                    NodeError::unavailable(
                        "provider `powerdns` is not configured; set `plugins.dns.config.powerdns.url` (and `server_id`, `api_key_secret`)",
                    )
                })?;
                Self::PowerDns(powerdns::PowerDns::new(host, cfg))
            }
            ProviderKind::Hetzner => Self::Hetzner(hetzner::Hetzner::new(
                host,
                config.hetzner.clone().unwrap_or_default(),
            )),
        })
    }

    fn provider(&mut self) -> &mut dyn Provider {
        match self {
            Self::Zonefile(p) => p,
            Self::PowerDns(p) => p,
            Self::Hetzner(p) => p,
        }
    }
}

/// Finds the zone, reads what is there, and works out the change per record set; every
/// conflict is reported at once, before anything is written.
fn plan(
    provider: &mut dyn Provider,
    v: &Validated,
    overwrite: bool,
) -> Result<(Zone, Vec<Change>), NodeError> {
    let zone = provider.find_zone(&v.domain, v.zone.as_deref())?;
    let mut errors = Vec::new();
    for d in &v.records {
        if !names::is_within(&d.name, &zone.name) {
            errors.push(format!(
                "`{}` {} is outside zone `{}`",
                d.name, d.rtype, zone.name
            ));
        } else if d.rtype == "CNAME" && d.name == zone.name {
            errors.push(format!("`{}` is the apex of zone `{}`, where a CNAME is not allowed (SOA and NS live there)", d.name, zone.name));
        }
    }
    if !errors.is_empty() {
        return Err(NodeError::invalid_params(errors.join("; ")));
    }
    let mut existing = BTreeMap::new();
    for d in &v.records {
        if !existing.contains_key(&d.name) {
            existing.insert(d.name.clone(), provider.read_name(&zone, &d.name)?);
        }
    }
    let mut changes = Vec::new();
    for d in &v.records {
        let here: &[model::RrSet] = existing.get(&d.name).map_or(&[], Vec::as_slice);
        let others: Vec<&str> = here
            .iter()
            .filter(|s| {
                s.rtype != d.rtype && !matches!(s.rtype.as_str(), "RRSIG" | "NSEC" | "NSEC3")
            })
            .map(|s| s.rtype.as_str())
            .collect();
        if d.rtype == "CNAME" && !others.is_empty() {
            errors.push(format!(
                "`{}` already has {} records; a CNAME cannot coexist with other records at the same name",
                d.name,
                others.join(", ")
            ));
        } else if d.rtype != "CNAME" && others.contains(&"CNAME") {
            errors.push(format!(
                "`{}` is a CNAME; a {} record cannot be added next to it (remove the CNAME first)",
                d.name, d.rtype
            ));
        }
        let before = here
            .iter()
            .find(|s| s.rtype == d.rtype)
            .map(|s| s.data.clone());
        let action = match &before {
            None => Action::Create,
            Some(b) if params::unchanged(b, &d.data) => Action::Unchanged,
            Some(b) => {
                if !overwrite {
                    errors.push(format!(
                        "`{}` {} already exists with {} (ttl {}); set `overwrite: true` to replace it with {} (ttl {})",
                        d.name,
                        d.rtype,
                        b.values.join(", "),
                        b.ttl,
                        d.data.values.join(", "),
                        d.data.ttl
                    ));
                }
                Action::Update
            }
        };
        changes.push(Change {
            action,
            zone: zone.name.clone(),
            name: d.name.clone(),
            rtype: d.rtype.to_owned(),
            before,
            after: Some(d.data.clone()),
        });
    }
    if !errors.is_empty() {
        return Err(NodeError::failed(format!(
            "nothing was written: {}",
            errors.join("; ")
        )));
    }
    Ok((zone, changes))
}

/// The record set `name`/`rtype` as the provider holds it now.
fn current(
    provider: &mut dyn Provider,
    zone: &Zone,
    name: &str,
    rtype: &str,
) -> Result<Option<RrData>, NodeError> {
    Ok(provider
        .read_name(zone, name)?
        .into_iter()
        .find(|s| s.rtype == rtype)
        .map(|s| s.data))
}

/// Reads back every record set and compares it with what should be there.
fn verify(
    provider: &mut dyn Provider,
    zone: &Zone,
    expected: &[(String, String, Option<RrData>)],
) -> Result<(), NodeError> {
    let mut wrong = Vec::new();
    for (name, rtype, want) in expected {
        let got = current(provider, zone, name, rtype)?;
        let ok = match (&got, want) {
            (None, None) => true,
            (Some(g), Some(w)) => g.same_as(w),
            _ => false,
        };
        if !ok {
            let show = |d: &Option<RrData>| {
                d.as_ref().map_or_else(
                    || "nothing".to_owned(),
                    |d| format!("[{}] ttl {}", d.values.join(", "), d.ttl),
                )
            };
            wrong.push(format!(
                "`{name}` {rtype} holds {} instead of {}",
                show(&got),
                show(want)
            ));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(NodeError::failed(format!(
            "{}: read-back check failed: {}",
            provider.kind(),
            wrong.join("; ")
        )))
    }
}

fn output(
    kind: ProviderKind,
    v: &Validated,
    zone: &Zone,
    changes: &[Change],
    dry_run: bool,
    file: Option<String>,
) -> Value {
    let n_changed = changes
        .iter()
        .filter(|c| c.action != Action::Unchanged)
        .count();
    let mut out = json!({
        "provider": kind.as_str(),
        "domain": v.domain,
        "zone": zone.name,
        "dry_run": dry_run,
        "changed": n_changed,
        "unchanged": changes.len() - n_changed,
        "changes": changes,
    });
    if kind == ProviderKind::Zonefile {
        out["zone_file_exists"] = json!(zone.exists);
        if let Some(f) = file {
            out["file"] = json!(f);
        }
    }
    if !dry_run {
        out["verified"] = json!(true);
    }
    out
}

fn config(inv: &Invocation<Params>) -> Result<Config, NodeError> {
    Config::from_value(&inv.config)
}

impl Node for Dns {
    type Params = Params;
    const NODE_TYPE: &'static str = "dns";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "creates DNS records (A, AAAA, CNAME, TXT, MX) in a zone file, PowerDNS or Hetzner Cloud; rollback restores the record sets";
    const ROLLBACK: RollbackSupport = RollbackSupport::Compensating;

    fn dry_run(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        let v = params::validate(&inv.params)?;
        let cfg = config(inv)?;
        let mut backend = Backend::open(host, inv.params.provider, &cfg, true)?;
        let (zone, changes) = plan(backend.provider(), &v, inv.params.overwrite)?;
        let file = match &backend {
            Backend::Zonefile(z) => Some(z.path(&zone.name).to_string_lossy().into_owned()),
            _ => None,
        };
        Ok(NodeOutput::new(
            output(inv.params.provider, &v, &zone, &changes, true, file),
            Value::Null,
        ))
    }

    fn execute(host: &dyn Host, inv: &Invocation<Params>) -> Result<NodeOutput, NodeError> {
        let v = params::validate(&inv.params)?;
        let cfg = config(inv)?;
        let kind = inv.params.provider;
        let mut backend = Backend::open(host, kind, &cfg, false)?;
        let (zone, changes) = plan(backend.provider(), &v, inv.params.overwrite)?;
        let to_write: Vec<Change> = changes
            .iter()
            .filter(|c| c.action != Action::Unchanged)
            .cloned()
            .collect();
        let is_file = kind == ProviderKind::Zonefile;
        let receipt = Receipt {
            provider: kind.as_str().to_owned(),
            zone: zone.name.clone(),
            zone_id: zone.id.clone(),
            file: is_file.then(|| ZoneFiles::file_name(&zone.name)),
            created_file: is_file && !zone.exists,
            changes: to_write.clone(),
        };
        let receipt_json = serde_json::to_value(&receipt)
            .map_err(|e| NodeError::failed(format!("serializing the receipt: {e}")))?;
        if !to_write.is_empty() {
            host.checkpoint(&receipt_json);
            let writes: Vec<Write> = to_write
                .iter()
                .map(|c| Write {
                    name: c.name.clone(),
                    rtype: c.rtype.clone(),
                    current: c.before.clone(),
                    target: c.after.clone(),
                    replace: true,
                })
                .collect();
            backend.provider().write(&zone, &writes)?;
            let expected: Vec<_> = to_write
                .iter()
                .map(|c| (c.name.clone(), c.rtype.clone(), c.after.clone()))
                .collect();
            verify(backend.provider(), &zone, &expected)?;
            for c in &to_write {
                host.audit(
                    "dns.rrset_changed",
                    &json!({ "provider": kind.as_str(), "zone": zone.name, "name": c.name, "type": c.rtype,
                             "action": c.action, "before": c.before, "after": c.after }),
                );
            }
        }
        let file = match &backend {
            Backend::Zonefile(z) => {
                let path = z.path(&zone.name);
                if path.exists() {
                    host.add_artifact(&path);
                }
                Some(path.to_string_lossy().into_owned())
            }
            _ => None,
        };
        host.info(&format!(
            "dns: {} record set(s) changed in zone `{}` via {}",
            to_write.len(),
            zone.name,
            kind.as_str()
        ));
        Ok(NodeOutput::new(
            output(kind, &v, &zone, &changes, false, file),
            receipt_json,
        ))
    }

    fn rollback(
        host: &dyn Host,
        inv: &Invocation<Params>,
        receipt: &Value,
    ) -> Result<(), NodeError> {
        if receipt.is_null() || receipt.get("changes").is_none() {
            host.info("dns: nothing to roll back");
            return Ok(());
        }
        let receipt: Receipt = serde_json::from_value(receipt.clone())
            .map_err(|e| NodeError::failed(format!("dns receipt is not understood: {e}")))?;
        let kind = match receipt.provider.as_str() {
            "zonefile" => ProviderKind::Zonefile,
            "powerdns" => ProviderKind::Powerdns,
            "hetzner" => ProviderKind::Hetzner,
            other => {
                return Err(NodeError::failed(format!(
                    "dns receipt names unknown provider `{other}`"
                )));
            }
        };
        let cfg = config(inv)?;
        let mut backend = Backend::open(host, kind, &cfg, false)?;
        let Some(zone) = backend.provider().zone_named(&receipt.zone)? else {
            host.info(&format!(
                "dns: zone `{}` no longer exists; nothing to roll back",
                receipt.zone
            ));
            return Ok(());
        };
        let mut writes = Vec::new();
        for change in receipt.changes.iter().rev() {
            let now = current(backend.provider(), &zone, &change.name, &change.rtype)?;
            let target = model::rollback_target(change, now.as_ref());
            let same = match (&now, &target) {
                (None, None) => true,
                (Some(n), Some(t)) => n.same_as(t),
                _ => false,
            };
            if !same {
                writes.push(Write {
                    name: change.name.clone(),
                    rtype: change.rtype.clone(),
                    current: now,
                    target,
                    replace: false,
                });
            }
        }
        if !writes.is_empty() {
            backend.provider().write(&zone, &writes)?;
            let expected: Vec<_> = writes
                .iter()
                .map(|w| (w.name.clone(), w.rtype.clone(), w.target.clone()))
                .collect();
            verify(backend.provider(), &zone, &expected)?;
            for w in &writes {
                host.audit(
                    "dns.rrset_restored",
                    &json!({ "provider": kind.as_str(), "zone": zone.name, "name": w.name, "type": w.rtype,
                             "from": w.current, "to": w.target }),
                );
            }
        }
        if let Backend::Zonefile(files) = &backend
            && receipt.created_file
            && files.remove_if_bare(&zone.name)?
        {
            host.info(&format!(
                "dns: removed zone file {} created by this run",
                files.path(&zone.name).display()
            ));
        }
        host.info(&format!(
            "dns: rolled back {} record set(s) in zone `{}`",
            writes.len(),
            zone.name
        ));
        Ok(())
    }
}

abp_node_sdk::export_node!(Dns);

#[cfg(test)]
mod tests;
