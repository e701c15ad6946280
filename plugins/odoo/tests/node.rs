//! The node through the SDK's `TestHost`: generation into the `addons` mount, the install over
//! JSON-RPC against a stand-in Odoo, failures reported with Odoo's own message, checkpoints,
//! rollback (uninstall, then exactly the generated files) and its idempotence.

mod support {
    pub mod odoo_standin;
    pub mod specs;
}

use std::fs;
use std::path::Path;

use abp_node_odoo::{Odoo, SKIPPED_NO_SERVER};
use abp_node_sdk::http::SecretPlacement;
use abp_node_sdk::testing::{TestHost, invocation};
use abp_node_sdk::{Invocation, Node, NodeError, NodeOutput, Value, json};
use support::odoo_standin::{OdooStandin, PASSWORD};
use support::specs::{consulting, with};

const MODULE: &str = "consulting_engagements";

fn server_config() -> Value {
    json!({ "url": "http://127.0.0.1:8069/", "database": "abp_test", "login": "admin", "password_secret": "odoo_password" })
}

fn inv(spec: &Value, config: Value) -> Invocation<<Odoo as Node>::Params> {
    let mut inv = invocation::<Odoo>(
        "odoo_module",
        &json!({ "module": spec, "odoo_version": "17.0" }),
    )
    .unwrap();
    inv.config = config;
    inv
}

/// A `TestHost` with the `addons` mount and a stand-in Odoo serving that folder.
fn setup() -> (tempfile::TempDir, TestHost, OdooStandin) {
    let addons = tempfile::tempdir().unwrap();
    let odoo = OdooStandin::new(addons.path().to_owned());
    let host = TestHost::new()
        .with_mount("addons", addons.path())
        .with_http(odoo.handler());
    (addons, host, odoo)
}

/// Every file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn execute(host: &TestHost, spec: &Value, config: Value) -> Result<NodeOutput, NodeError> {
    Odoo::execute(host, &inv(spec, config))
}

#[test]
fn without_a_server_it_generates_and_skips_the_install() {
    let (addons, host, odoo) = setup();
    let out = execute(&host, &consulting(), json!({})).unwrap();
    assert_eq!(out.output["install"], SKIPPED_NO_SERVER);
    assert_eq!(out.output["module"], MODULE);
    assert!(
        host.requests.borrow().is_empty(),
        "no HTTP without a server"
    );
    assert!(odoo.calls().is_empty());
    let files = tree(&addons.path().join(MODULE));
    assert_eq!(
        files,
        [
            ".abp-odoo.json",
            "README.rst",
            "__init__.py",
            "__manifest__.py",
            "models/__init__.py",
            "models/consulting_engagement.py",
            "security/ir.model.access.csv",
            "views/consulting_engagement_views.xml",
            "views/menus.xml",
        ]
    );
    assert_eq!(
        host.checkpoints.borrow().len(),
        1,
        "one checkpoint, before writing"
    );
    assert_eq!(host.artifacts.borrow().len(), 8);
    assert!(
        host.events
            .borrow()
            .iter()
            .any(|(name, _)| name == "odoo.module_generated")
    );
}

#[test]
fn dry_run_shows_files_and_manifest_and_writes_nothing() {
    let (addons, host, odoo) = setup();
    let out = Odoo::dry_run(&host, &inv(&consulting(), server_config())).unwrap();
    assert!(tree(addons.path()).is_empty(), "nothing written");
    assert!(odoo.calls().is_empty(), "no RPC in a dry run");
    assert!(host.checkpoints.borrow().is_empty());
    assert_eq!(out.output["files"].as_array().unwrap().len(), 8);
    let manifest = out.output["manifest"].as_str().unwrap();
    assert!(
        manifest.contains("\"version\": \"17.0.1.0.0\""),
        "{manifest}"
    );
    assert_eq!(
        out.output["install"],
        "would install on http://127.0.0.1:8069 (database `abp_test`)"
    );
    let without_server = Odoo::dry_run(&host, &inv(&consulting(), Value::Null)).unwrap();
    assert_eq!(without_server.output["install"], SKIPPED_NO_SERVER);
}

#[test]
fn installs_over_json_rpc_with_the_password_placed_by_the_host() {
    let (addons, host, odoo) = setup();
    let out = execute(&host, &consulting(), server_config()).unwrap();
    assert_eq!(out.output["install"], "installed");
    assert_eq!(out.output["odoo"]["state"], "installed");
    assert_eq!(odoo.state_of(MODULE).as_deref(), Some("installed"));
    assert_eq!(
        odoo.calls(),
        [
            "authenticate",
            "ir.module.module.update_list",
            "ir.module.module.search_read",
            "ir.module.module.button_immediate_install",
            "ir.module.module.search_read",
        ]
    );
    for request in host.requests.borrow().iter() {
        assert_eq!(request.method, "POST");
        assert_eq!(request.url, "http://127.0.0.1:8069/jsonrpc");
        let credential = request
            .credential
            .as_ref()
            .expect("every call carries the password by reference");
        assert_eq!(credential.secret, "odoo_password");
        assert!(
            matches!(&credential.placement, SecretPlacement::BodyPlaceholder(p) if p == "{{ODOO_PASSWORD}}")
        );
    }
    for body in &odoo.0.borrow().bodies {
        assert!(!body.contains(PASSWORD), "the node never sees the password");
    }
    // Checkpoints before writing and before installing; the receipt says installed.
    let checkpoints = host.checkpoints.borrow();
    assert_eq!(checkpoints.len(), 2);
    assert_eq!(checkpoints[0]["install"], "not_started");
    assert_eq!(checkpoints[1]["install"], "requested");
    assert_eq!(out.receipt["install"], "installed");
    assert!(!out.receipt.to_string().contains(PASSWORD));
    assert!(addons.path().join(MODULE).join("__manifest__.py").is_file());
    assert!(
        host.events
            .borrow()
            .iter()
            .any(|(name, _)| name == "odoo.module_installed")
    );
}

#[test]
fn install_false_generates_only() {
    let (_addons, host, odoo) = setup();
    let mut inv = inv(&consulting(), server_config());
    inv.params.install = false;
    let out = Odoo::execute(&host, &inv).unwrap();
    assert_eq!(out.output["install"], "skipped (`install` is false)");
    assert!(odoo.calls().is_empty());
}

#[test]
fn refused_login_is_reported_and_the_files_are_removed() {
    let (addons, host, odoo) = setup();
    let config = with(server_config(), "/login", json!("intruder"));
    let err = execute(&host, &consulting(), config).unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert!(
        err.message()
            .contains("refused the login `intruder` on database `abp_test`"),
        "{err}"
    );
    assert!(err.message().contains("`odoo_password` secret"), "{err}");
    assert!(err.message().contains("files were removed"), "{err}");
    assert!(!err.message().contains(PASSWORD));
    assert_eq!(odoo.calls(), ["authenticate"]);
    assert!(
        tree(addons.path()).is_empty(),
        "no module folder left behind: {:?}",
        tree(addons.path())
    );
}

#[test]
fn failed_install_reports_odoos_own_message() {
    let (addons, host, odoo) = setup();
    let message = "while parsing /mnt/extra-addons/consulting_engagements/views/menus.xml:4, Invalid field 'foo'";
    odoo.0.borrow_mut().install_error = Some(message.to_owned());
    let err = execute(&host, &consulting(), server_config()).unwrap_err();
    assert_eq!(err.kind(), "failed");
    assert!(
        err.message().contains(&format!(
            "odoo said: {message} (odoo.tools.convert.ParseError)"
        )),
        "{err}"
    );
    assert!(
        err.message()
            .starts_with("installing module `consulting_engagements`"),
        "{err}"
    );
    assert_eq!(odoo.state_of(MODULE), None, "nor in odoo's module list");
    assert!(
        tree(addons.path()).is_empty(),
        "a failed module is not left on the addons path"
    );
    // The checkpoint before the install lets a crashed run roll back.
    assert_eq!(
        host.checkpoints.borrow().last().unwrap()["install"],
        "requested"
    );
}

#[test]
fn waits_for_the_installed_state() {
    let (_addons, host, odoo) = setup();
    odoo.0.borrow_mut().slow_reads = 1;
    let out = execute(&host, &consulting(), server_config()).unwrap();
    assert_eq!(out.output["install"], "installed");
    let reads = odoo
        .calls()
        .iter()
        .filter(|c| c.ends_with("search_read"))
        .count();
    assert_eq!(reads, 3, "one lookup, then two state reads");
}

#[test]
fn unreachable_server_is_unavailable() {
    let addons = tempfile::tempdir().unwrap();
    let host = TestHost::new()
        .with_mount("addons", addons.path())
        .with_http(|_| {
            Err(abp_node_sdk::http::HttpError::Transport(
                "connection refused".into(),
            ))
        });
    let err = execute(&host, &consulting(), server_config()).unwrap_err();
    assert_eq!(err.kind(), "unavailable");
    assert!(
        err.message()
            .contains("odoo at http://127.0.0.1:8069 did not answer: connection refused"),
        "{err}"
    );
}

#[test]
fn wrong_url_says_it_is_not_json_rpc() {
    let (_addons, host, _odoo) = setup();
    let config = with(server_config(), "/url", json!("http://127.0.0.1:8069/web"));
    let err = execute(&host, &consulting(), config).unwrap_err();
    // `/web/jsonrpc` gets Odoo's HTML 404 page.
    assert!(
        err.message()
            .contains("HTTP 404 with a body that is not JSON-RPC"),
        "{err}"
    );
}

#[test]
fn rollback_uninstalls_then_removes_exactly_the_generated_files() {
    let (addons, host, odoo) = setup();
    let inv = inv(&consulting(), server_config());
    let out = Odoo::execute(&host, &inv).unwrap();
    // Someone adds a file of their own to the module folder after the run.
    let own = addons.path().join(MODULE).join("NOTES.txt");
    fs::write(&own, "mine").unwrap();
    let before = odoo.calls().len();
    Odoo::rollback(&host, &inv, &out.receipt).unwrap();
    assert_eq!(
        odoo.calls()[before..],
        [
            "authenticate",
            "ir.module.module.search_read",
            "ir.module.module.button_immediate_uninstall",
            "ir.module.module.search_read",
            "ir.module.module.search_read",
            "ir.module.module.unlink",
        ]
    );
    assert_eq!(
        odoo.state_of(MODULE),
        None,
        "odoo no longer lists the module"
    );
    assert_eq!(
        tree(addons.path()),
        [format!("{MODULE}/NOTES.txt")],
        "only the foreign file is left"
    );

    // Idempotent: again, nothing to uninstall and nothing to remove, and no error.
    let before = odoo.calls().len();
    Odoo::rollback(&host, &inv, &out.receipt).unwrap();
    assert!(
        !odoo.calls()[before..]
            .iter()
            .any(|c| c.contains("uninstall"))
    );
    assert!(own.is_file());
    assert!(
        host.events
            .borrow()
            .iter()
            .any(|(name, _)| name == "odoo.module_uninstalled")
    );
}

#[test]
fn rollback_removes_the_folder_when_it_is_empty() {
    let (addons, host, _odoo) = setup();
    let inv = inv(&consulting(), server_config());
    let out = Odoo::execute(&host, &inv).unwrap();
    Odoo::rollback(&host, &inv, &out.receipt).unwrap();
    assert!(tree(addons.path()).is_empty());
    assert!(!addons.path().join(MODULE).exists());
}

#[test]
fn rollback_from_a_checkpoint_tolerates_what_never_happened() {
    let (addons, host, odoo) = setup();
    let inv = inv(&consulting(), server_config());
    // The run died after the first checkpoint, before any file was written.
    let checkpoint = json!({
        "module": MODULE, "module_dir": "/mnt/addons/consulting_engagements",
        "files": ["__manifest__.py", "models/consulting_engagement.py", ".abp-odoo.json"],
        "created_dir": true, "install": "not_started", "odoo": null
    });
    Odoo::rollback(&host, &inv, &checkpoint).unwrap();
    assert!(
        odoo.calls().is_empty(),
        "odoo was never asked, so it is not asked now"
    );
    assert!(tree(addons.path()).is_empty());
    Odoo::rollback(&host, &inv, &Value::Null).unwrap();
}

#[test]
fn rollback_refuses_receipt_paths_outside_the_module() {
    let (addons, host, _odoo) = setup();
    let victim = addons.path().join("victim.txt");
    fs::write(&victim, "keep").unwrap();
    let inv = inv(&consulting(), Value::Null);
    for files in [json!(["../victim.txt"]), json!(["/etc/passwd"])] {
        let receipt = json!({ "module": MODULE, "files": files, "created_dir": true, "install": "not_started" });
        let err = Odoo::rollback(&host, &inv, &receipt).unwrap_err();
        assert!(err.message().contains("leaves the module folder"), "{err}");
    }
    let bad_module = json!({ "module": "../x", "files": [], "install": "not_started" });
    assert!(Odoo::rollback(&host, &inv, &bad_module).is_err());
    assert!(victim.is_file());
}

#[test]
fn refuses_a_module_folder_it_did_not_create() {
    let (addons, host, odoo) = setup();
    let existing = addons.path().join(MODULE);
    fs::create_dir_all(&existing).unwrap();
    fs::write(existing.join("__manifest__.py"), "{'name': 'Hand made'}").unwrap();
    for call in [Odoo::execute, Odoo::dry_run] {
        let err = call(&host, &inv(&consulting(), server_config())).unwrap_err();
        assert!(
            err.message().contains("was not generated by this node"),
            "{err}"
        );
        assert!(err.message().contains(MODULE), "{err}");
    }
    assert_eq!(
        fs::read_to_string(existing.join("__manifest__.py")).unwrap(),
        "{'name': 'Hand made'}"
    );
    assert_eq!(tree(addons.path()), [format!("{MODULE}/__manifest__.py")]);
    assert!(odoo.calls().is_empty());
    assert!(
        host.checkpoints.borrow().is_empty(),
        "refused before the first checkpoint"
    );
}

#[test]
fn refuses_a_module_folder_of_another_run_but_retries_its_own() {
    let (_addons, host, _odoo) = setup();
    let first = inv(&consulting(), Value::Null);
    Odoo::execute(&host, &first).unwrap();
    // The same invocation again (a retry) may rewrite its own folder.
    Odoo::execute(&host, &first).unwrap();
    let mut other = inv(&consulting(), Value::Null);
    other.run_id = "run-later".into();
    let err = Odoo::execute(&host, &other).unwrap_err();
    assert!(
        err.message()
            .contains("was generated by abp run `run-test`"),
        "{err}"
    );
    assert!(err.message().contains("abp rollback run-test"), "{err}");
}

#[test]
fn a_bad_spec_is_refused_with_every_problem_and_nothing_written() {
    let (addons, host, odoo) = setup();
    let spec = with(
        with(consulting(), "/name", json!("../../etc")),
        "/models/0/fields/0/name",
        json!("create_uid"),
    );
    let err = execute(&host, &spec, server_config()).unwrap_err();
    assert_eq!(err.kind(), "invalid-params");
    assert!(err.message().contains("2 problems"), "{err}");
    assert!(
        err.message().contains("`name`: module name `../../etc`"),
        "{err}"
    );
    assert!(
        err.message()
            .contains("`models[0].fields[0].name`: field name `create_uid` is reserved"),
        "{err}"
    );
    assert!(tree(addons.path()).is_empty());
    assert!(odoo.calls().is_empty());
    assert!(host.checkpoints.borrow().is_empty());
}

#[test]
fn a_bad_config_is_refused_before_anything_happens() {
    let (addons, host, _odoo) = setup();
    for (config, part) in [
        (
            json!({ "url": "ftp://odoo" }),
            "must start with http:// or https://",
        ),
        (
            json!({ "url": "http://odoo:8069" }),
            "`database` is required",
        ),
        (
            json!({ "url": "http://odoo:8069", "database": "x", "pasword": "oops" }),
            "unknown field `pasword`",
        ),
    ] {
        let err = execute(&host, &consulting(), config).unwrap_err();
        assert_eq!(err.kind(), "invalid-params");
        assert!(err.message().contains(part), "{err}");
    }
    assert!(tree(addons.path()).is_empty());
}

#[test]
fn without_the_addons_mount_it_is_denied() {
    let host = TestHost::new();
    let err = execute(&host, &consulting(), Value::Null).unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert!(
        err.message().contains("mount `addons` is not granted"),
        "{err}"
    );
}

#[test]
fn refuses_to_install_over_a_module_odoo_already_has_installed() {
    let (_addons, host, odoo) = setup();
    odoo.0.borrow_mut().modules.insert(
        MODULE.to_owned(),
        support::odoo_standin::ModuleRow {
            id: 7,
            state: "installed".into(),
            version: "17.0.1.0.0".into(),
        },
    );
    let err = execute(&host, &consulting(), server_config()).unwrap_err();
    assert!(
        err.message().contains("already in state `installed`"),
        "{err}"
    );
    assert!(!odoo.calls().iter().any(|c| c.contains("button_immediate")));
}

#[test]
fn params_schema_documents_the_contract() {
    let info = abp_node_sdk::info::<Odoo>();
    assert_eq!(info.node_type, "odoo");
    let schema = info.params_schema.to_string();
    for needle in [
        "\"module\"",
        "\"odoo_version\"",
        "\"install\"",
        "17.0",
        "18.0",
        "inverse_name",
        "currency_field",
    ] {
        assert!(schema.contains(needle), "schema lacks {needle}");
    }
}
