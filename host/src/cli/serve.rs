//! `abp serve`: the HTTP API on a local address. Loopback only unless `--allow-remote` (the API
//! speaks plain HTTP; anything else belongs behind a TLS proxy). Ctrl-C or SIGTERM stops taking
//! requests, then waits for the runs already started to finish.

use std::io::Write as _;
use std::net::SocketAddr;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::json;

use super::{Global, exit};
use crate::api::{self, ApiOptions, ApiState};
use crate::session::SessionOptions;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (host:port; port 0 picks a free one)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Allow a non-loopback address: other machines can then reach the API, in plain HTTP
    #[arg(long)]
    pub allow_remote: bool,
}

/// Every address `bind` names, refused when one is not loopback and remote access was not
/// asked for.
async fn addresses(args: &ServeArgs) -> Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(&args.bind)
        .await
        .with_context(|| format!("`--bind {}` is not a host:port address", args.bind))?
        .collect();
    if addrs.is_empty() {
        bail!("`--bind {}` resolves to no address", args.bind);
    }
    let remote: Vec<String> = addrs
        .iter()
        .filter(|a| !a.ip().is_loopback())
        .map(ToString::to_string)
        .collect();
    if !remote.is_empty() && !args.allow_remote {
        bail!(
            "refusing to listen on {}: other machines could reach the API, which speaks plain HTTP and can start live runs; bind a loopback address such as `127.0.0.1:8080`, or pass `--allow-remote` (and put a TLS proxy in front)",
            remote.join(", ")
        );
    }
    Ok(addrs)
}

pub async fn run(g: &Global, opts: &SessionOptions, args: &ServeArgs) -> Result<u8> {
    let addrs = addresses(args).await?;
    let state = ApiState::open(opts, ApiOptions::default()).await?;
    let session = state.session();
    let listener = tokio::net::TcpListener::bind(&addrs[..])
        .await
        .with_context(|| format!("listening on {}", args.bind))?;
    let local = listener.local_addr().context("reading the bound address")?;
    let live = if state.live_runs_enabled() {
        "enabled (bearer token from the policy's `api_token`)".to_owned()
    } else if session.policy.policy.api_token.is_none() {
        "disabled: the policy sets no `api_token`".to_owned()
    } else {
        format!("disabled: mode `{}`", state.mode().as_str())
    };
    if g.json {
        println!(
            "{}",
            json!({ "listening": format!("http://{local}"), "mode": state.mode().as_str(), "policy": session.policy.origin, "live_runs": state.live_runs_enabled() })
        );
        let _ = std::io::stdout().flush();
    } else {
        for (name, error) in session
            .registry
            .plugins
            .keys()
            .filter_map(|n| state.plugin_error(n).map(|e| (n, e)))
        {
            eprintln!("warning: plugin `{name}` is not available: {error}");
        }
        eprintln!(
            "abp: serving the API on http://{local} (policy: {}, mode: {}); live runs {live}; GET /api/openapi.json describes it; Ctrl-C stops",
            session.policy.origin,
            state.mode().as_str()
        );
    }
    let waiting = state.clone();
    let json_output = g.json;
    api::serve(listener, state, async move {
        shutdown_signal().await;
        if !json_output {
            let n = waiting.active_runs();
            if n > 0 {
                eprintln!("abp: stopping; waiting for {n} run(s) to finish");
            }
        }
    })
    .await?;
    if !g.json {
        eprintln!("abp: stopped");
    }
    Ok(exit::OK)
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
