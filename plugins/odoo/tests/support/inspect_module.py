"""Inspects a generated Odoo module for the tests: compiles every .py file, reads the
manifest with ast.literal_eval (after checking it is one bare dict expression), and describes
each model file's class body (assignments, field calls with literal arguments). Prints JSON."""
import ast
import json
import os
import py_compile
import sys
import tempfile

root = sys.argv[1]
out = {"compiled": [], "manifest": None, "models": {}}
with tempfile.TemporaryDirectory() as cache:
    for dirpath, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                py_compile.compile(path, cfile=os.path.join(cache, "x.pyc"), doraise=True)
                out["compiled"].append(os.path.relpath(path, root))

source = open(os.path.join(root, "__manifest__.py"), encoding="utf-8").read()
tree = ast.parse(source)
assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr), "manifest is not one expression"
assert isinstance(tree.body[0].value, ast.Dict), "manifest is not a dict"
out["manifest"] = ast.literal_eval(source)


def value(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return "<" + type(node).__name__ + ">"


models_dir = os.path.join(root, "models")
for name in sorted(os.listdir(models_dir)) if os.path.isdir(models_dir) else []:
    if not name.endswith(".py") or name == "__init__.py":
        continue
    tree = ast.parse(open(os.path.join(models_dir, name), encoding="utf-8").read())
    top = [type(n).__name__ for n in tree.body]
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    body = []
    for stmt in classes[0].body if classes else []:
        entry = {"kind": type(stmt).__name__}
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            entry["target"] = stmt.targets[0].id
            if isinstance(stmt.value, ast.Call):
                entry["call"] = ast.unparse(stmt.value.func)
                entry["args"] = [value(a) for a in stmt.value.args]
                entry["kwargs"] = {k.arg: value(k.value) for k in stmt.value.keywords}
            else:
                entry["value"] = value(stmt.value)
        body.append(entry)
    out["models"][name] = {"top": top, "class": classes[0].name if classes else None, "body": body}
print(json.dumps(out))
