"""pygreet: an abp node written in Python, built into a WebAssembly component with
componentize-py against the project's WIT (`wit/`, world `node`, package `abp:node@0.1.0`).

It does what the Rust template node does: writes a greeting into its `output` mount, checkpoints
before the write, returns a receipt, and undoes exactly that write on rollback. Without the Rust
SDK, the node parses its own params and returns its own JSON Schema; the host still validates
params against that schema before any node runs.
"""

import json
import os

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import host, types

NODE_TYPE = "pygreet"
VERSION = "0.1.0"
MOUNT = "/mnt/output"  # the host preopens each granted mount at /mnt/NAME

PARAMS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Params",
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "Who to greet."},
        "file": {"type": "string", "description": "File name inside the `output` mount.", "default": "greeting.txt"},
    },
    "required": ["name"],
    "additionalProperties": False,
}


def _params(invocation):
    try:
        params = json.loads(invocation.params)
    except ValueError as e:
        raise Err(types.NodeError_InvalidParams(f"params: {e}"))
    name = params.get("name")
    file = params.get("file", "greeting.txt")
    if not isinstance(name, str):
        raise Err(types.NodeError_InvalidParams("params: `name` must be a string"))
    if not isinstance(file, str) or file in ("", ".", "..") or "/" in file or "\\" in file:
        raise Err(types.NodeError_InvalidParams(f"`file` = {file!r} must be a plain file name"))
    return name, file


def _mount():
    if not os.path.isdir(MOUNT):
        raise Err(types.NodeError_Denied(
            "mount `output` is not granted; the policy must set `plugins.pygreet.mounts.output`"))
    return MOUNT


def _greeting(name):
    return f"Hello, {name}! (from Python)\n"


class ExecutionNode(exports.ExecutionNode):
    def describe(self):
        return types.NodeInfo(
            node_type=NODE_TYPE,
            version=VERSION,
            description="writes a greeting into its output mount (a Python node)",
            rollback=types.RollbackSupport.COMPENSATING,
            params_schema=json.dumps(PARAMS_SCHEMA),
        )

    def dry_run(self, invocation):
        name, file = _params(invocation)
        path = os.path.join(_mount(), file)
        output = {"would_write": path, "replaces_existing": os.path.exists(path), "content": _greeting(name)}
        return types.NodeOutput(output=json.dumps(output), receipt="null")

    def execute(self, invocation):
        name, file = _params(invocation)
        path = os.path.join(_mount(), file)
        previous = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                previous = f.read()
        receipt = {"path": path, "previous": previous}
        # Journaled before the write, so a run that dies right after it can still be undone.
        host.checkpoint(json.dumps(receipt))
        content = _greeting(name)
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)
        except OSError as e:
            raise Err(types.NodeError_Failed(f"writing {path}: {e}"))
        host.add_artifact(path)
        host.emit_audit_event("pygreet.greeting_written", json.dumps({"path": path}))
        host.log(host.Level.INFO, f"wrote {path}")
        return types.NodeOutput(output=json.dumps({"path": path, "bytes": len(content)}), receipt=json.dumps(receipt))

    def rollback(self, invocation, receipt):
        receipt = json.loads(receipt) if receipt else None
        if not isinstance(receipt, dict) or not isinstance(receipt.get("path"), str):
            return
        path = receipt["path"]
        try:
            if isinstance(receipt.get("previous"), str):
                with open(path, "w", encoding="utf-8") as f:
                    f.write(receipt["previous"])
            elif os.path.exists(path):
                os.remove(path)
                host.log(host.Level.INFO, f"removed {path}")
        except OSError as e:
            raise Err(types.NodeError_Failed(f"rolling back {path}: {e}"))
