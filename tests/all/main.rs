//! One integration-test binary (wasmtime style): every module is a group of tests that run the
//! real `abp` host against the real components built from `plugins/`.

mod api;
mod dns;
mod egress;
mod evidence;
mod hetzner_standin;
mod host;
mod odoo;
mod pdns;
mod pipeline;
mod sdk;
mod support;
mod test_server;
mod webgenesis;
