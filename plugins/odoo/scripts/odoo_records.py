"""Creates one record of each model of an installed module over Odoo's JSON-RPC API, filling
required fields (relations with an existing record), then prints what it created. Used by
odoo-real.sh after `abp run` installed the consulting module; exits non-zero on any error."""
import datetime
import json
import sys
import urllib.request

url, db, password, module = sys.argv[1:5]
state_only = "--state-only" in sys.argv[5:]


def call(service, method, *args):
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                       "params": {"service": service, "method": method, "args": list(args)}}).encode()
    req = urllib.request.Request(url + "/jsonrpc", body, {"Content-Type": "application/json"})
    reply = json.load(urllib.request.urlopen(req, timeout=120))
    if "error" in reply:
        raise SystemExit(f"odoo said: {reply['error'].get('data', {}).get('message') or reply['error']}")
    return reply["result"]


uid = call("common", "authenticate", db, "admin", password, {})
kw = lambda model, method, *args, **kwargs: call("object", "execute_kw", db, uid, password, model, method, list(args), kwargs)
state = kw("ir.module.module", "search_read", [["name", "=", module]], fields=["state"])
print(f"module {module}: {state}")
if state_only:
    if state and state[0]["state"] != "uninstalled":
        raise SystemExit(f"module {module} is still {state[0]['state']}")
    raise SystemExit(0)
# The models the module itself defines: its `ir.model` records in `ir.model.data`.
xmlids = kw("ir.model.data", "search_read", [["module", "=", module], ["model", "=", "ir.model"]], fields=["res_id"])
models = kw("ir.model", "read", [x["res_id"] for x in xmlids], fields=["model"])
created = {}
for m in sorted(x["model"] for x in models):
    fields = kw(m, "fields_get", attributes=["type", "required", "relation", "selection", "readonly"])
    vals = {}
    for name, f in fields.items():
        if not f.get("required") or f.get("readonly") or name in ("id",):
            continue
        t = f["type"]
        if t in ("char", "text", "html"):
            vals[name] = f"abp check {m}"
        elif t in ("integer", "float", "monetary"):
            vals[name] = 1
        elif t == "boolean":
            vals[name] = True
        elif t == "date":
            vals[name] = datetime.date.today().isoformat()
        elif t == "datetime":
            vals[name] = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        elif t == "selection" and f.get("selection"):
            vals[name] = f["selection"][0][0]
        elif t == "many2one":
            rel = f["relation"]
            ids = created.get(rel) and [created[rel]] or kw(rel, "search", [], limit=1)
            if not ids and rel == "res.partner":
                ids = [kw("res.partner", "create", {"name": "abp check client"})]
            vals[name] = ids[0]
    created[m] = kw(m, "create", vals)
    print(f"created {m} #{created[m]} with {sorted(vals)}")
print(json.dumps(created))
