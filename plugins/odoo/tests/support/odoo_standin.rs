//! A stand-in for an Odoo server behind the abp host, as a `TestHost` HTTP handler. It plays
//! both parts the node talks to: the host (it places the `odoo_password` secret where the
//! request's body placeholder is, as the real host does) and Odoo's external JSON-RPC API
//! (`POST /jsonrpc`, services `common` and `object`) with Odoo's documented answers:
//! `authenticate` gives a uid or `false`; errors come as
//! `{"jsonrpc":"2.0","id":..,"error":{"code":200,"message":"Odoo Server Error","data":{"name","message","debug",..}}}`.
//!
//! Like Odoo, `update_list` scans the addons folder for module folders with a
//! `__manifest__.py`, so the node's files are what the stand-in installs.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

use abp_node_sdk::http::{HttpError, Request, Response, SecretPlacement};
use abp_node_sdk::{Value, json};

pub const PASSWORD: &str = "s3cret \"pw\" \\ with json";
pub const DATABASE: &str = "abp_test";
pub const UID: i64 = 2;

/// One module as Odoo's `ir.module.module` knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRow {
    pub id: i64,
    pub state: String,
    pub version: String,
}

/// The stand-in's state, shared between the handler and the test.
#[derive(Debug, Default)]
pub struct OdooState {
    pub addons: PathBuf,
    pub modules: BTreeMap<String, ModuleRow>,
    /// `(service, method, model-method)` of every call, in order.
    pub calls: Vec<String>,
    /// When set, `button_immediate_install` fails with this message, as Odoo does when a
    /// module's data does not load.
    pub install_error: Option<String>,
    /// How many state reads after an install still say `to install`.
    pub slow_reads: u32,
    /// Every body as the node sent it (before the secret was placed).
    pub bodies: Vec<String>,
}

#[derive(Clone)]
pub struct OdooStandin(pub Rc<RefCell<OdooState>>);

impl OdooStandin {
    pub fn new(addons: PathBuf) -> Self {
        Self(Rc::new(RefCell::new(OdooState {
            addons,
            ..OdooState::default()
        })))
    }

    pub fn calls(&self) -> Vec<String> {
        self.0.borrow().calls.clone()
    }

    pub fn state_of(&self, module: &str) -> Option<String> {
        self.0.borrow().modules.get(module).map(|m| m.state.clone())
    }

    /// The `TestHost` handler.
    pub fn handler(&self) -> impl Fn(&Request) -> Result<Response, HttpError> + 'static {
        let me = self.clone();
        move |request| Ok(me.handle(request))
    }

    fn handle(&self, request: &Request) -> Response {
        let path = request
            .url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]));
        if request.method != "POST" || path != Some("/jsonrpc") {
            return Response {
                status: 404,
                headers: vec![],
                body: b"<html>404 Not Found</html>".to_vec(),
            };
        }
        let text = String::from_utf8(request.body.clone()).unwrap();
        self.0.borrow_mut().bodies.push(text.clone());
        // The host's part: place the secret, escaped as JSON string content.
        let text = match &request.credential {
            Some(credential) if credential.secret == "odoo_password" => match &credential.placement
            {
                SecretPlacement::BodyPlaceholder(placeholder) => {
                    let escaped = serde_json::to_string(PASSWORD).unwrap();
                    text.replace(placeholder.as_str(), &escaped[1..escaped.len() - 1])
                }
                SecretPlacement::Header { .. } => text,
            },
            _ => text,
        };
        let body: Value = serde_json::from_str(&text).expect("the node sends JSON");
        let id = body["id"].clone();
        assert_eq!(body["jsonrpc"], "2.0");
        assert_eq!(body["method"], "call");
        let params = &body["params"];
        let answer = self.dispatch(
            params["service"].as_str().unwrap(),
            params["method"].as_str().unwrap(),
            &params["args"],
        );
        let envelope = match answer {
            Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
            Err((name, message)) => json!({
                "jsonrpc": "2.0",
                "id": id,
                "error": {
                    "code": 200,
                    "message": "Odoo Server Error",
                    "data": {
                        "name": name,
                        "debug": format!("Traceback (most recent call last):\n  ...\n{name}: {message}\n"),
                        "message": message,
                        "arguments": [message],
                        "context": {}
                    }
                }
            }),
        };
        Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_vec(&envelope).unwrap(),
        }
    }

    fn dispatch(
        &self,
        service: &str,
        method: &str,
        args: &Value,
    ) -> Result<Value, (String, String)> {
        let mut st = self.0.borrow_mut();
        match (service, method) {
            ("common", "authenticate") => {
                st.calls.push("authenticate".into());
                let ok = args[0] == DATABASE && args[1] == "admin" && args[2] == PASSWORD;
                Ok(if ok { json!(UID) } else { json!(false) })
            }
            ("object", "execute_kw") => {
                if args[0] != DATABASE || args[1] != UID || args[2] != PASSWORD {
                    return Err((
                        "odoo.exceptions.AccessDenied".into(),
                        "Access Denied".into(),
                    ));
                }
                let model = args[3].as_str().unwrap();
                let method = args[4].as_str().unwrap();
                st.calls.push(format!("{model}.{method}"));
                if model != "ir.module.module" {
                    return Err(("builtins.KeyError".into(), format!("'{model}'")));
                }
                st.module_method(method, &args[5], &args[6])
            }
            _ => Err((
                "builtins.KeyError".into(),
                format!("unknown service method {service}.{method}"),
            )),
        }
    }
}

impl OdooState {
    fn module_method(
        &mut self,
        method: &str,
        args: &Value,
        kwargs: &Value,
    ) -> Result<Value, (String, String)> {
        match method {
            "update_list" => Ok(json!(self.update_list())),
            "search_read" => {
                let domain = &args[0];
                assert_eq!(domain[0][0], "name");
                assert_eq!(domain[0][1], "=");
                let name = domain[0][2].as_str().unwrap();
                let fields: Vec<&str> = kwargs["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap())
                    .collect();
                if self.slow_reads > 0
                    && self
                        .modules
                        .get(name)
                        .is_some_and(|m| m.state == "installed")
                {
                    self.slow_reads -= 1;
                    let row = &self.modules[name];
                    return Ok(
                        json!([{ "id": row.id, "name": name, "state": "to install", "installed_version": row.version }]),
                    );
                }
                Ok(match self.modules.get(name) {
                    None => json!([]),
                    Some(row) => {
                        let mut out = json!({ "id": row.id });
                        for field in fields {
                            out[field] = match field {
                                "name" => json!(name),
                                "state" => json!(row.state),
                                "installed_version" => json!(row.version),
                                other => panic!("the stand-in does not know field {other}"),
                            };
                        }
                        json!([out])
                    }
                })
            }
            "button_immediate_install" => {
                let id = args[0][0].as_i64().unwrap();
                if let Some(message) = &self.install_error {
                    return Err(("odoo.tools.convert.ParseError".into(), message.clone()));
                }
                let row = self.by_id(id)?;
                if row.state != "uninstalled" {
                    return Err((
                        "odoo.exceptions.UserError".into(),
                        "module is not installable".into(),
                    ));
                }
                row.state = "installed".into();
                Ok(
                    json!({ "type": "ir.actions.client", "tag": "reload", "params": { "menu_id": 1 } }),
                )
            }
            "button_immediate_uninstall" => {
                let id = args[0][0].as_i64().unwrap();
                let row = self.by_id(id)?;
                if row.state != "installed" {
                    return Err((
                        "odoo.exceptions.UserError".into(),
                        "One or more of the selected modules have already been uninstalled, if you believe this to be an error, you may try again later or contact support.".into(),
                    ));
                }
                row.state = "uninstalled".into();
                Ok(
                    json!({ "type": "ir.actions.client", "tag": "reload", "params": { "menu_id": 1 } }),
                )
            }
            "unlink" => {
                let id = args[0][0].as_i64().unwrap();
                let row = self.by_id(id)?;
                if matches!(
                    row.state.as_str(),
                    "installed" | "to upgrade" | "to remove" | "to install"
                ) {
                    return Err((
                        "odoo.exceptions.UserError".into(),
                        "You are trying to remove a module that is installed or will be installed."
                            .into(),
                    ));
                }
                self.modules.retain(|_, m| m.id != id);
                Ok(json!(true))
            }
            "button_install_cancel" => {
                let id = args[0][0].as_i64().unwrap();
                self.by_id(id)?.state = "uninstalled".into();
                Ok(json!(true))
            }
            other => Err((
                "builtins.AttributeError".into(),
                format!("The method '{other}' does not exist on the model 'ir.module.module'"),
            )),
        }
    }

    fn by_id(&mut self, id: i64) -> Result<&mut ModuleRow, (String, String)> {
        self.modules
            .values_mut()
            .find(|m| m.id == id)
            .ok_or_else(|| ("odoo.exceptions.MissingError".into(), format!("Record does not exist or has been deleted.\n(Record: ir.module.module({id},))")))
    }

    /// Odoo's `update_list`: `[updated, added]`. Like Odoo 17, it only looks at the folders it
    /// finds: a module whose folder is gone keeps its record and state.
    fn update_list(&mut self) -> [u32; 2] {
        let mut added = 0;
        let mut updated = 0;
        let mut on_disk = BTreeMap::new();
        if let Ok(entries) = std::fs::read_dir(&self.addons) {
            for entry in entries.flatten() {
                let manifest = entry.path().join("__manifest__.py");
                if let Ok(text) = std::fs::read_to_string(&manifest) {
                    let version = text
                        .split("\"version\": \"")
                        .nth(1)
                        .and_then(|rest| rest.split('"').next())
                        .unwrap_or("1.0")
                        .to_owned();
                    on_disk.insert(entry.file_name().to_string_lossy().into_owned(), version);
                }
            }
        }
        let next_id = self.modules.values().map(|m| m.id).max().unwrap_or(100) + 1;
        for (offset, (name, version)) in on_disk.iter().enumerate() {
            if let Some(row) = self.modules.get_mut(name) {
                row.version.clone_from(version);
                updated += 1;
            } else {
                let id = next_id + i64::try_from(offset).unwrap();
                self.modules.insert(
                    name.clone(),
                    ModuleRow {
                        id,
                        state: "uninstalled".into(),
                        version: version.clone(),
                    },
                );
                added += 1;
            }
        }
        [updated, added]
    }
}
