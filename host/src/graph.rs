//! Execution graphs: the seed's `ExecutionGraphSpec`, validation that reports every problem at
//! once, Kahn ordering with a deterministic tie-break (declaration order), and references from
//! params to upstream outputs (`"${NODE_ID.output.a.b}"`).
//!
//! Invariant: pure. No I/O, no plugins: callers pass the params schemas of the known node types.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The seed's `ExecutionGraphSpec`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExecutionGraphSpec {
    pub graph_id: String,
    #[serde(default)]
    pub business_intent_id: String,
    pub nodes: Vec<ExecutionNodeSpec>,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default = "yes")]
    pub auto_rollback: bool,
    #[serde(default = "yes")]
    pub stop_on_first_error: bool,
}

fn yes() -> bool {
    true
}

/// The seed's `ExecutionNodeSpec`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExecutionNodeSpec {
    pub node_id: String,
    pub node_type: String,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default = "empty_object")]
    pub params: Value,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

impl ExecutionGraphSpec {
    /// Reads a spec from a `.json` or `.toml` file (by extension; JSON otherwise).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading graph {}", path.display()))?;
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        if is_toml {
            toml::from_str(&text).with_context(|| {
                format!("graph {} is not a valid ExecutionGraphSpec", path.display())
            })
        } else {
            serde_json::from_str(&text).with_context(|| {
                format!("graph {} is not a valid ExecutionGraphSpec", path.display())
            })
        }
    }
}

/// One problem found by [`validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GraphError {
    Empty,
    EmptyNodeId {
        index: usize,
    },
    DuplicateId {
        node_id: String,
    },
    UnknownNodeType {
        node_id: String,
        node_type: String,
        known: Vec<String>,
    },
    MissingDependency {
        node_id: String,
        missing: String,
    },
    SelfDependency {
        node_id: String,
    },
    Cycle {
        nodes: Vec<String>,
    },
    ParamsNotObject {
        node_id: String,
    },
    InvalidParams {
        node_id: String,
        path: String,
        message: String,
    },
    BadReference {
        node_id: String,
        reference: String,
        reason: String,
    },
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::Empty => write!(f, "the graph has no nodes"),
            GraphError::EmptyNodeId { index } => write!(f, "node #{index} has an empty `node_id`"),
            GraphError::DuplicateId { node_id } => {
                write!(f, "node id `{node_id}` is used more than once")
            }
            GraphError::UnknownNodeType {
                node_id,
                node_type,
                known,
            } => write!(
                f,
                "node `{node_id}`: unknown node type `{node_type}` (plugins loaded: {}); add its plugin directory with `--plugins DIR`",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
            GraphError::MissingDependency { node_id, missing } => {
                write!(
                    f,
                    "node `{node_id}` depends on `{missing}`, which is not in the graph"
                )
            }
            GraphError::SelfDependency { node_id } => {
                write!(f, "node `{node_id}` depends on itself")
            }
            GraphError::Cycle { nodes } => write!(f, "dependency cycle: {}", nodes.join(" -> ")),
            GraphError::ParamsNotObject { node_id } => {
                write!(f, "node `{node_id}`: `params` must be a JSON object")
            }
            GraphError::InvalidParams {
                node_id,
                path,
                message,
            } => {
                write!(f, "node `{node_id}`: params{path}: {message}")
            }
            GraphError::BadReference {
                node_id,
                reference,
                reason,
            } => {
                write!(f, "node `{node_id}`: reference `{reference}`: {reason}")
            }
        }
    }
}

/// A validated graph: indices into `spec.nodes`.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Kahn order; among ready nodes, declaration order decides.
    pub order: Vec<usize>,
    /// `deps[i]`: the nodes `i` depends on.
    pub deps: Vec<Vec<usize>>,
    /// `dependents[i]`: the nodes that depend on `i`.
    pub dependents: Vec<Vec<usize>>,
}

/// Checks everything that can be checked before a run and returns every problem found.
/// `schemas` maps each known node type to its params JSON Schema.
pub fn validate(
    spec: &ExecutionGraphSpec,
    schemas: &BTreeMap<String, Value>,
) -> Result<Plan, Vec<GraphError>> {
    let mut errors = Vec::new();
    if spec.nodes.is_empty() {
        errors.push(GraphError::Empty);
    }
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(spec.nodes.len());
    for (i, node) in spec.nodes.iter().enumerate() {
        if node.node_id.is_empty() {
            errors.push(GraphError::EmptyNodeId { index: i });
        } else if index.insert(node.node_id.as_str(), i).is_some() {
            errors.push(GraphError::DuplicateId {
                node_id: node.node_id.clone(),
            });
        }
    }
    let mut deps = vec![Vec::new(); spec.nodes.len()];
    let mut dependents = vec![Vec::new(); spec.nodes.len()];
    for (i, node) in spec.nodes.iter().enumerate() {
        let mut seen = HashSet::new();
        for dep in &node.depends_on {
            if !seen.insert(dep.as_str()) {
                continue;
            }
            if dep == &node.node_id {
                errors.push(GraphError::SelfDependency {
                    node_id: node.node_id.clone(),
                });
                continue;
            }
            match index.get(dep.as_str()) {
                Some(&j) => {
                    deps[i].push(j);
                    dependents[j].push(i);
                }
                None => errors.push(GraphError::MissingDependency {
                    node_id: node.node_id.clone(),
                    missing: dep.clone(),
                }),
            }
        }
    }
    let order = kahn(&deps, &dependents);
    if order.len() < spec.nodes.len() {
        for cycle in find_cycles(&deps, &order) {
            errors.push(GraphError::Cycle {
                nodes: cycle
                    .iter()
                    .map(|&i| spec.nodes[i].node_id.clone())
                    .collect(),
            });
        }
    }
    let known: Vec<String> = schemas.keys().cloned().collect();
    let mut validators: HashMap<&str, Result<jsonschema::Validator, String>> = HashMap::new();
    for (i, node) in spec.nodes.iter().enumerate() {
        let Some(schema) = schemas.get(&node.node_type) else {
            errors.push(GraphError::UnknownNodeType {
                node_id: node.node_id.clone(),
                node_type: node.node_type.clone(),
                known: known.clone(),
            });
            continue;
        };
        if !node.params.is_object() {
            errors.push(GraphError::ParamsNotObject {
                node_id: node.node_id.clone(),
            });
            continue;
        }
        let ancestors = ancestors(i, &deps);
        let mut ref_paths = Vec::new();
        collect_references(&node.params, "", &mut |path, reference| {
            ref_paths.push(path.to_owned());
            if let Err(reason) = check_reference(reference, |id| {
                index.get(id).is_some_and(|j| ancestors.contains(j))
            }) {
                errors.push(GraphError::BadReference {
                    node_id: node.node_id.clone(),
                    reference: reference.to_owned(),
                    reason,
                });
            }
        });
        // One compiled validator per node type, not per node: compiling dominates otherwise.
        let validator = validators
            .entry(node.node_type.as_str())
            .or_insert_with(|| jsonschema::validator_for(schema).map_err(|e| e.to_string()));
        for (path, message) in violations(validator, &node.params) {
            // A leaf that is a reference gets its value at run time; it is checked again then.
            if ref_paths.iter().any(|p| p == &path) {
                continue;
            }
            errors.push(GraphError::InvalidParams {
                node_id: node.node_id.clone(),
                path,
                message,
            });
        }
    }
    if errors.is_empty() {
        Ok(Plan {
            order,
            deps,
            dependents,
        })
    } else {
        Err(errors)
    }
}

/// JSON Schema violations of `params` as (JSON pointer, message) pairs.
pub fn schema_errors(schema: &Value, params: &Value) -> Vec<(String, String)> {
    violations(
        &jsonschema::validator_for(schema).map_err(|e| e.to_string()),
        params,
    )
}

/// Violations against an already compiled validator (or the reason it could not be compiled).
fn violations(
    validator: &Result<jsonschema::Validator, String>,
    params: &Value,
) -> Vec<(String, String)> {
    match validator {
        Ok(validator) => validator
            .iter_errors(params)
            .map(|e| (e.instance_path.to_string(), e.to_string()))
            .collect(),
        Err(e) => vec![(
            String::new(),
            format!("the node's params schema is invalid: {e}"),
        )],
    }
}

fn kahn(deps: &[Vec<usize>], dependents: &[Vec<usize>]) -> Vec<usize> {
    let mut in_degree: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<Reverse<usize>> = in_degree
        .iter()
        .enumerate()
        .filter(|(_, d)| **d == 0)
        .map(|(i, _)| Reverse(i))
        .collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &j in &dependents[i] {
            in_degree[j] -= 1;
            if in_degree[j] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    order
}

/// Cycles among the nodes Kahn could not order, each as a closed path `a, b, ..., a`.
fn find_cycles(deps: &[Vec<usize>], ordered: &[usize]) -> Vec<Vec<usize>> {
    let mut done: Vec<bool> = vec![false; deps.len()];
    for &i in ordered {
        done[i] = true;
    }
    let mut cycles = Vec::new();
    for start in 0..deps.len() {
        if done[start] {
            continue;
        }
        // Walk dependencies among unordered nodes until a node repeats; every unordered node
        // has at least one unordered dependency, so the walk always closes a cycle.
        let mut path = vec![start];
        let mut position: HashMap<usize, usize> = HashMap::from([(start, 0)]);
        let mut current = start;
        while let Some(&next) = deps[current].iter().find(|&&d| !done[d]) {
            if let Some(&at) = position.get(&next) {
                let mut cycle: Vec<usize> = path[at..].to_vec();
                cycle.push(next);
                for &n in &cycle {
                    done[n] = true;
                }
                cycles.push(cycle);
                break;
            }
            position.insert(next, path.len());
            path.push(next);
            current = next;
        }
        for &n in &path {
            done[n] = true;
        }
    }
    cycles
}

fn ancestors(i: usize, deps: &[Vec<usize>]) -> HashSet<usize> {
    let mut seen = HashSet::new();
    let mut stack = deps[i].clone();
    while let Some(j) = stack.pop() {
        if seen.insert(j) {
            stack.extend(deps[j].iter().copied());
        }
    }
    seen
}

/// Calls `f(json_pointer, reference)` for every `${...}` reference in string leaves.
fn collect_references(value: &Value, path: &str, f: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(s) => {
            for reference in references_in(s) {
                f(path, reference);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_references(item, &format!("{path}/{i}"), f);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                collect_references(
                    v,
                    &format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")),
                    f,
                );
            }
        }
        _ => {}
    }
}

/// The `${...}` bodies in `s`, skipping the `$${` escape.
fn references_in(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(at) = rest.find("${") {
        if at > 0 && rest.as_bytes()[at - 1] == b'$' {
            rest = &rest[at + 2..];
            continue;
        }
        let after = &rest[at + 2..];
        match after.find('}') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

fn check_reference(reference: &str, is_ancestor: impl Fn(&str) -> bool) -> Result<(), String> {
    let mut parts = reference.split('.');
    let node = parts.next().unwrap_or_default();
    if parts.next() != Some("output") {
        return Err("must have the form `NODE_ID.output[.FIELD...]`".into());
    }
    if !is_ancestor(node) {
        return Err(format!(
            "`{node}` is not a dependency of this node; add it to `depends_on`"
        ));
    }
    Ok(())
}

/// Replaces references with upstream outputs. A string that is exactly one reference takes
/// the referenced JSON value; references inside longer strings are interpolated as text.
pub fn resolve_references(
    params: &Value,
    outputs: &HashMap<String, Value>,
) -> Result<Value, String> {
    resolve(params, outputs, &mut None)
}

/// For a dry run: an upstream output only known after apply (a dry run's output is a preview)
/// becomes the text `(known after apply: REF)`, as Terraform shows it. Returns the params and
/// whether any reference was left unknown.
pub fn resolve_references_for_plan(
    params: &Value,
    outputs: &HashMap<String, Value>,
) -> (Value, bool) {
    let mut unknown = Some(false);
    let value = resolve(params, outputs, &mut unknown).unwrap_or_else(|_| params.clone());
    (value, unknown.unwrap_or(false))
}

fn resolve(
    params: &Value,
    outputs: &HashMap<String, Value>,
    unknown: &mut Option<bool>,
) -> Result<Value, String> {
    Ok(match params {
        Value::String(s) => resolve_string(s, outputs, unknown)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve(v, outputs, unknown))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), resolve(v, outputs, unknown)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn lookup_or_unknown(
    reference: &str,
    outputs: &HashMap<String, Value>,
    unknown: &mut Option<bool>,
) -> Result<Value, String> {
    match (lookup(reference, outputs), unknown.as_mut()) {
        (Err(_), Some(flag)) => {
            *flag = true;
            Ok(Value::String(format!("(known after apply: {reference})")))
        }
        (result, _) => result,
    }
}

fn lookup(reference: &str, outputs: &HashMap<String, Value>) -> Result<Value, String> {
    let mut parts = reference.split('.');
    let node = parts.next().unwrap_or_default();
    parts.next();
    let mut value = outputs
        .get(node)
        .ok_or_else(|| format!("`{reference}`: node `{node}` has no output"))?;
    for part in parts {
        value = match value {
            Value::Object(map) => map.get(part),
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
        .ok_or_else(|| format!("`{reference}`: the output of `{node}` has no `{part}`"))?;
    }
    Ok(value.clone())
}

fn resolve_string(
    s: &str,
    outputs: &HashMap<String, Value>,
    unknown: &mut Option<bool>,
) -> Result<Value, String> {
    let refs = references_in(s);
    if refs.len() == 1 && s.starts_with("${") && s.ends_with('}') && s.len() == refs[0].len() + 3 {
        return lookup_or_unknown(refs[0], outputs, unknown);
    }
    if refs.is_empty() {
        return Ok(Value::String(s.replace("$${", "${")));
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("${") {
        if at > 0 && rest.as_bytes()[at - 1] == b'$' {
            out.push_str(&rest[..at - 1]);
            out.push_str("${");
            rest = &rest[at + 2..];
            continue;
        }
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[at..]);
            rest = "";
            break;
        };
        match lookup_or_unknown(&after[..end], outputs, unknown)? {
            Value::String(v) => out.push_str(&v),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[allow(
        clippy::needless_pass_by_value,
        reason = "callers pass `json!` literals"
    )]
    fn spec(nodes: Value) -> ExecutionGraphSpec {
        serde_json::from_value(json!({ "graph_id": "g", "nodes": nodes })).unwrap()
    }

    fn schemas() -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("t".to_owned(), json!({ "type": "object" })),
            (
                "typed".to_owned(),
                json!({ "type": "object", "properties": { "n": { "type": "integer" } }, "required": ["n"] }),
            ),
        ])
    }

    /// Validates `nodes` and compares the order (as ids) or the error messages.
    fn check(nodes: Value, expect: Result<&[&str], &[&str]>) {
        let spec = spec(nodes);
        let got = validate(&spec, &schemas());
        match (got, expect) {
            (Ok(plan), Ok(order)) => {
                let ids: Vec<&str> = plan
                    .order
                    .iter()
                    .map(|&i| spec.nodes[i].node_id.as_str())
                    .collect();
                assert_eq!(ids, order);
            }
            (Err(errors), Err(messages)) => {
                let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
                assert_eq!(got.len(), messages.len(), "{got:#?}");
                for (g, m) in got.iter().zip(messages) {
                    assert!(g.contains(m), "`{g}` does not contain `{m}`");
                }
            }
            (got, expect) => panic!("got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn orders_by_dependencies_then_declaration() {
        check(
            json!([
                { "node_id": "c", "node_type": "t", "depends_on": ["a", "b"] },
                { "node_id": "b", "node_type": "t" },
                { "node_id": "a", "node_type": "t" },
                { "node_id": "d", "node_type": "t", "depends_on": ["b"] },
            ]),
            Ok(&["b", "a", "c", "d"]),
        );
    }

    #[test]
    fn reports_every_problem_at_once() {
        check(
            json!([
                { "node_id": "a", "node_type": "t", "depends_on": ["ghost"] },
                { "node_id": "a", "node_type": "t" },
                { "node_id": "x", "node_type": "nope" },
                { "node_id": "y", "node_type": "typed", "params": { "n": "five" } },
            ]),
            Err(&[
                "node id `a` is used more than once",
                "node `a` depends on `ghost`, which is not in the graph",
                "unknown node type `nope` (plugins loaded: t, typed)",
                "node `y`: params/n: \"five\" is not of type \"integer\"",
            ]),
        );
    }

    #[test]
    fn names_the_nodes_in_a_cycle() {
        check(
            json!([
                { "node_id": "start", "node_type": "t" },
                { "node_id": "a", "node_type": "t", "depends_on": ["start", "c"] },
                { "node_id": "b", "node_type": "t", "depends_on": ["a"] },
                { "node_id": "c", "node_type": "t", "depends_on": ["b"] },
            ]),
            Err(&["dependency cycle: a -> c -> b -> a"]),
        );
        check(
            json!([{ "node_id": "a", "node_type": "t", "depends_on": ["a"] }]),
            Err(&["depends on itself"]),
        );
    }

    #[test]
    fn references_must_point_at_ancestors() {
        check(
            json!([
                { "node_id": "a", "node_type": "t" },
                { "node_id": "b", "node_type": "typed", "depends_on": ["a"], "params": { "n": "${a.output.count}" } },
                { "node_id": "c", "node_type": "t", "params": { "x": "${a.output.count}", "y": "${b.count}" } },
            ]),
            Err(&["`a` is not a dependency of this node", "must have the form"]),
        );
    }

    #[test]
    fn resolves_whole_and_embedded_references() {
        let outputs = HashMap::from([(
            "web".to_owned(),
            json!({ "path": "/x", "pages": [1, 2], "n": 3 }),
        )]);
        let resolved = resolve_references(
            &json!({ "a": "${web.output.n}", "b": "at ${web.output.path}/${web.output.pages.1}", "c": "$${literal}" }),
            &outputs,
        )
        .unwrap();
        assert_eq!(
            resolved,
            json!({ "a": 3, "b": "at /x/2", "c": "${literal}" })
        );
        assert!(
            resolve_references(&json!("${web.output.missing}"), &outputs)
                .unwrap_err()
                .contains("no `missing`")
        );
    }

    #[test]
    fn orders_ten_thousand_nodes() {
        let nodes: Vec<Value> = (0..10_000)
            .map(|i| json!({ "node_id": format!("n{i}"), "node_type": "t", "depends_on": if i == 0 { vec![] } else { vec![format!("n{}", (i * 7) % i)] } }))
            .collect();
        let spec = spec(Value::Array(nodes));
        let plan = validate(&spec, &schemas()).unwrap();
        assert_eq!(plan.order.len(), 10_000);
        let pos: HashMap<usize, usize> = plan
            .order
            .iter()
            .enumerate()
            .map(|(p, &i)| (i, p))
            .collect();
        for (i, deps) in plan.deps.iter().enumerate() {
            for d in deps {
                assert!(pos[d] < pos[&i]);
            }
        }
    }
}
