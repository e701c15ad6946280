//! Native tests of the dns node through `TestHost`: the pure pieces (names, values, zone file
//! parsing, the rollback rule) and full execute/rollback flows for each provider, with
//! in-memory stand-ins for the `PowerDNS` and Hetzner Cloud APIs that follow their documented
//! requests and responses.

mod hetzner_api;
mod pieces;
mod powerdns_api;
mod real_powerdns;
mod zonefile_flow;

use std::collections::BTreeMap;

use abp_node_sdk::testing::TestHost;
use abp_node_sdk::{Invocation, Node, NodeError, NodeOutput, Value};

use crate::{Dns, Params};

/// An invocation with JSON params and config, parsed as the WIT export parses them.
pub fn invocation(params: &Value, config: &Value) -> Invocation<Params> {
    Invocation {
        run_id: "run-test".into(),
        graph_id: "graph-test".into(),
        node_id: "dns".into(),
        params: abp_node_sdk::parse_params(&params.to_string()).unwrap_or_else(|e| panic!("{e}")),
        inputs: BTreeMap::new(),
        config: config.clone(),
    }
}

pub fn execute(host: &TestHost, params: &Value, config: &Value) -> Result<NodeOutput, NodeError> {
    Dns::execute(host, &invocation(params, config))
}

pub fn dry_run(host: &TestHost, params: &Value, config: &Value) -> Result<NodeOutput, NodeError> {
    Dns::dry_run(host, &invocation(params, config))
}

pub fn rollback(
    host: &TestHost,
    params: &Value,
    config: &Value,
    receipt: &Value,
) -> Result<(), NodeError> {
    Dns::rollback(host, &invocation(params, config), receipt)
}

/// The values of change `i` of an output (`before`/`after`).
pub fn values_of(change: &Value, side: &str) -> Vec<String> {
    change[side]["values"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
