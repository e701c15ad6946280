//! Egress rules as a deployment's policy writes them (`plugins.NAME.egress`), parsed once:
//! origin rules (`https://api.hetzner.cloud`, `http://127.0.0.1:*`, `https://*.example.com`)
//! that allow a scheme, host and port, and address grants (`10.0.0.0/8`, `::1`) that allow
//! special addresses explicitly.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::addr::in_net;

/// The two schemes a plugin may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "http" => Some(Self::Http),
            "https" => Some(Self::Https),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// A request's host after WHATWG parsing: a normalized name (lowercase ASCII, IDNA applied,
/// no trailing dot) or an IP address (IPv4-mapped IPv6 folded to IPv4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Name(String),
    Ip(IpAddr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::Ip(IpAddr::V6(v6)) => write!(f, "[{v6}]"),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostPattern {
    Name(String),
    /// `*.suffix`: strict subdomains of `suffix` (not `suffix` itself).
    Subdomains(String),
    Ip(IpAddr),
}

impl HostPattern {
    /// A host as a rule or a secret binding writes it: a name, `*.domain`, or an IP.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        parse_host_pattern(text.trim())
    }

    pub(crate) fn matches(&self, host: &Host) -> bool {
        host_matches(self, host)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortPattern {
    Any,
    Exact(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum RuleKind {
    Origin {
        scheme: Scheme,
        host: HostPattern,
        port: PortPattern,
    },
    Addresses {
        net: IpAddr,
        prefix: u8,
    },
}

/// One allowlist entry, parsed; [`fmt::Display`] gives back the text the policy wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressRule {
    kind: RuleKind,
    source: String,
}

/// Why a rule string is not a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub rule: String,
    pub reason: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "egress rule `{}`: {}", self.rule, self.reason)
    }
}

impl std::error::Error for RuleError {}

impl FromStr for EgressRule {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, RuleError> {
        Self::parse(s)
    }
}

impl fmt::Display for EgressRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl EgressRule {
    /// Parses `scheme://host[:port|:*]`, `scheme://*.domain[:port]`, an IP address or a CIDR
    /// range. Names are lowercased, IDNA-mapped and lose a trailing dot; ports default to the
    /// scheme's.
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let source = text.trim().to_owned();
        let fail = |reason: String| RuleError {
            rule: source.clone(),
            reason,
        };
        let kind = match source.split_once("://") {
            Some((scheme, rest)) => parse_origin(scheme, rest).map_err(fail)?,
            None => parse_addresses(&source).map_err(fail)?,
        };
        Ok(Self { kind, source })
    }

    /// Parses every rule, reporting all bad ones at once.
    pub fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Self>, Vec<RuleError>> {
        let (rules, errors): (Vec<_>, Vec<_>) = texts
            .iter()
            .map(|t| Self::parse(t.as_ref()))
            .partition(Result::is_ok);
        if errors.is_empty() {
            Ok(rules.into_iter().filter_map(Result::ok).collect())
        } else {
            Err(errors.into_iter().filter_map(Result::err).collect())
        }
    }

    /// The rule as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether this rule allows `scheme://host:port`.
    pub(crate) fn allows(&self, scheme: Scheme, host: &Host, port: u16) -> bool {
        match &self.kind {
            RuleKind::Origin {
                scheme: s,
                host: h,
                port: p,
            } => *s == scheme && port_matches(*p, port) && host_matches(h, host),
            // An address grant allows its addresses directly, on any port of http or https.
            RuleKind::Addresses { net, prefix } => match host {
                Host::Ip(ip) => contains(*net, *prefix, *ip),
                Host::Name(_) => false,
            },
        }
    }

    /// Whether this rule names `host` at all (whatever the scheme and port), so a denial can
    /// say "right host, wrong port or scheme".
    pub(crate) fn names_host(&self, host: &Host) -> bool {
        match &self.kind {
            RuleKind::Origin { host: h, .. } => host_matches(h, host),
            RuleKind::Addresses { .. } => false,
        }
    }

    /// Whether this rule explicitly lists `ip`: an address grant containing it, or an origin
    /// rule whose host is that IP literal (`http://127.0.0.1:*` lists 127.0.0.1).
    pub(crate) fn lists_ip(&self, ip: IpAddr) -> bool {
        match &self.kind {
            RuleKind::Origin {
                host: HostPattern::Ip(listed),
                ..
            } => same_ip(*listed, ip),
            RuleKind::Origin { .. } => false,
            RuleKind::Addresses { net, prefix } => contains(*net, *prefix, ip),
        }
    }
}

fn port_matches(pattern: PortPattern, port: u16) -> bool {
    match pattern {
        PortPattern::Any => true,
        PortPattern::Exact(p) => p == port,
    }
}

fn host_matches(pattern: &HostPattern, host: &Host) -> bool {
    match (pattern, host) {
        (HostPattern::Name(n), Host::Name(h)) => n == h,
        (HostPattern::Subdomains(suffix), Host::Name(h)) => h
            .strip_suffix(suffix.as_str())
            .and_then(|head| head.strip_suffix('.'))
            .is_some_and(|label| !label.is_empty()),
        (HostPattern::Ip(listed), Host::Ip(ip)) => same_ip(*listed, *ip),
        _ => false,
    }
}

fn same_ip(a: IpAddr, b: IpAddr) -> bool {
    a.to_canonical() == b.to_canonical()
}

/// Range membership that also sees through IPv4-mapped IPv6 (`::ffff:10.0.0.1` is in
/// `10.0.0.0/8`, and `10.0.0.1` is in `::ffff:0:0/96`).
fn contains(net: IpAddr, prefix: u8, ip: IpAddr) -> bool {
    let mapped = match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V6(v4.to_ipv6_mapped()),
        v6 @ IpAddr::V6(_) => v6,
    };
    in_net(ip, net, prefix) || in_net(ip.to_canonical(), net, prefix) || in_net(mapped, net, prefix)
}

fn parse_origin(scheme: &str, rest: &str) -> Result<RuleKind, String> {
    let scheme = Scheme::parse(&scheme.to_ascii_lowercase())
        .ok_or_else(|| format!("scheme `{scheme}` is not supported; use `http` or `https`"))?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if let Some(at) = rest.find(['/', '?', '#']) {
        return Err(format!(
            "a rule names scheme, host and port only; drop `{}` (paths are not part of egress policy)",
            &rest[at..]
        ));
    }
    if rest.contains('@') {
        return Err(
            "a rule must not carry userinfo (`user@`); secrets go in `plugins.<name>.secrets`"
                .into(),
        );
    }
    let (host, port) = split_host_port(rest)?;
    let port = match port {
        None => PortPattern::Exact(scheme.default_port()),
        Some("*") => PortPattern::Any,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => PortPattern::Exact(n),
            _ => return Err(format!("port `{p}` is not a port (1-65535) nor `*`")),
        },
    };
    let host = parse_host_pattern(host)?;
    Ok(RuleKind::Origin { scheme, host, port })
}

fn split_host_port(rest: &str) -> Result<(&str, Option<&str>), String> {
    if rest.starts_with('[') {
        let end = rest.find(']').ok_or("an IPv6 host needs its closing `]`")?;
        let (host, after) = rest.split_at(end + 1);
        return match after {
            "" => Ok((host, None)),
            _ => after
                .strip_prefix(':')
                .map(|p| (host, Some(p)))
                .ok_or_else(|| format!("unexpected `{after}` after the IPv6 host")),
        };
    }
    Ok(match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    })
}

fn parse_host_pattern(host: &str) -> Result<HostPattern, String> {
    if host.is_empty() {
        return Err("the rule names no host".into());
    }
    if host == "*" {
        return Err(
            "`*` alone would allow every host; name the host, or `*.domain` for its subdomains"
                .into(),
        );
    }
    if let Some(suffix) = host.strip_prefix("*.") {
        if suffix.contains('*') {
            return Err("`*` may only be the whole first label, as in `*.example.com`".into());
        }
        return match normalize_host(suffix)? {
            Host::Name(name) if name.contains('.') => Ok(HostPattern::Subdomains(name)),
            Host::Name(name) => Err(format!(
                "`*.{name}` would cover a whole top-level domain; name a registered domain"
            )),
            Host::Ip(_) => Err("`*.` needs a domain name, not an IP address".into()),
        };
    }
    if host.contains('*') {
        return Err("`*` may only be the whole first label, as in `*.example.com`".into());
    }
    Ok(match normalize_host(host)? {
        Host::Name(name) => HostPattern::Name(name),
        Host::Ip(ip) => HostPattern::Ip(ip),
    })
}

/// WHATWG host parsing (IDNA, lowercase, IPv4 number forms), then trailing dot stripped and
/// IPv4-mapped IPv6 folded to IPv4.
pub(crate) fn normalize_host(host: &str) -> Result<Host, String> {
    // Secret bindings may write a bare IPv6 address; URLs and rules bracket it.
    if let Ok(v6) = host.parse::<std::net::Ipv6Addr>() {
        return Ok(Host::Ip(IpAddr::V6(v6).to_canonical()));
    }
    match url::Host::parse(host) {
        Ok(url::Host::Domain(d)) => {
            let name = d.strip_suffix('.').unwrap_or(&d);
            if name.is_empty() || name.contains("..") {
                Err(format!("`{host}` is not a valid host name"))
            } else {
                Ok(Host::Name(name.to_owned()))
            }
        }
        Ok(url::Host::Ipv4(v4)) => Ok(Host::Ip(IpAddr::V4(v4))),
        Ok(url::Host::Ipv6(v6)) => Ok(Host::Ip(IpAddr::V6(v6).to_canonical())),
        Err(e) => Err(format!("`{host}` is not a valid host: {e}")),
    }
}

fn parse_addresses(text: &str) -> Result<RuleKind, String> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr = addr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(addr);
    let Ok(net) = addr.parse::<IpAddr>() else {
        let hint = if text.contains('.') && !text.contains('/') {
            format!("; for a host write `https://{text}`")
        } else {
            String::new()
        };
        return Err(format!(
            "neither a URL rule (`https://host[:port]`) nor an IP address or CIDR range (`10.0.0.0/8`){hint}"
        ));
    };
    let max = if net.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => match p.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => return Err(format!("prefix length `/{p}` must be 0 to {max}")),
        },
    };
    // A range with host bits set is ambiguous (a typo for a host, or for the network?).
    if !is_network_address(net, prefix) {
        return Err(format!(
            "`{addr}/{prefix}` has host bits set; write the network address"
        ));
    }
    Ok(RuleKind::Addresses { net, prefix })
}

fn is_network_address(net: IpAddr, prefix: u8) -> bool {
    match net {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(v4) & !mask == 0
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(v6) & !mask == 0
        }
    }
}
