//! Egress policy decisions for the host's HTTP import, as pure functions (no I/O, no DNS):
//! may this plugin send this request ([`check_url`]), may the connection go to the address
//! the name resolved to ([`check_ip`]), may it follow this redirect ([`check_redirect`]), and
//! may this secret travel to this host ([`check_secret`]).
//!
//! URLs are parsed the WHATWG way (the `url` crate, which the HTTP client uses too), so what
//! is checked is exactly what would be sent: `http://0x7f.1/` is the IP literal 127.0.0.1 and
//! `http://allowed.example@evil.example/` goes to `evil.example`. Every [`Denial`] names what
//! was refused, the rules it failed, and the policy key that would allow it.

mod addr;
mod rule;

use std::fmt;
use std::net::IpAddr;

use url::Url;

pub use addr::{SpecialClass, classify};
pub use rule::{EgressRule, Host, RuleError, Scheme};

/// What kind of request was refused; callers and tests branch on it, humans read
/// [`Denial::message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenialKind {
    /// Not an absolute URL.
    InvalidUrl,
    /// Not `http` or `https`.
    UnsupportedScheme,
    /// The URL carries `user[:password]@` (never allowed; secrets go by reference).
    Userinfo,
    /// No rule names the host.
    HostNotAllowed,
    /// Some rule names the host, but for another scheme or port.
    WrongSchemeOrPort,
    /// The host is an IP literal no rule lists.
    IpLiteral,
    /// The name resolved to a special address no rule lists.
    SpecialAddress(SpecialClass),
    /// A redirect from `https` to `http`.
    Downgrade,
    /// The secret is not granted to this plugin.
    SecretNotGranted,
    /// The secret may not be sent to this host.
    SecretNotBound,
}

/// A refused request: the kind, the reason, and how the policy could allow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub kind: DenialKind,
    reason: String,
    fix: Fix,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Fix {
    /// "`{action}` `plugins.NAME.{key}`".
    Policy { action: String, key: String },
    /// The request cannot be allowed by policy; the text says what to do instead.
    Never(String),
}

impl Denial {
    fn new(kind: DenialKind, reason: String, fix: Fix) -> Self {
        Self { kind, reason, fix }
    }

    /// The full message for plugin `plugin`: what was refused, why, and the policy key to set.
    pub fn message(&self, plugin: &str) -> String {
        match &self.fix {
            Fix::Policy { action, key } => {
                format!(
                    "plugin `{plugin}`: {}; {action} `plugins.{plugin}.{key}`",
                    self.reason
                )
            }
            Fix::Never(what) => format!("plugin `{plugin}`: {}; {what}", self.reason),
        }
    }

    /// The reason alone, without the plugin and the fix.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The policy key under `plugins.<plugin>.` that would allow the request, if any.
    pub fn policy_key(&self) -> Option<&str> {
        match &self.fix {
            Fix::Policy { key, .. } => Some(key),
            Fix::Never(_) => None,
        }
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message("<name>"))
    }
}

impl std::error::Error for Denial {}

/// A URL that passed [`check_url`]: send exactly [`CheckedUrl::url`] (not the original text),
/// then [`check_ip`] every address its host resolves to before connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUrl {
    url: Url,
    scheme: Scheme,
    host: Host,
    port: u16,
    rule: String,
}

impl CheckedUrl {
    /// The parsed URL, as the HTTP client should send it.
    pub fn url(&self) -> &Url {
        &self.url
    }
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
    /// The normalized host (no trailing dot; IPv4-mapped IPv6 folded to IPv4).
    pub fn host(&self) -> &Host {
        &self.host
    }
    /// The port, with the scheme's default filled in.
    pub fn port(&self) -> u16 {
        self.port
    }
    /// The rule that allowed the request, as written in the policy.
    pub fn rule(&self) -> &str {
        &self.rule
    }
    /// Whether `other` has the same scheme, host and port (a redirect that stays on the
    /// origin may keep its credential; any other must be re-checked with [`check_secret`]).
    pub fn same_origin(&self, other: &CheckedUrl) -> bool {
        self.scheme == other.scheme && self.host == other.host && self.port == other.port
    }
}

/// A secret and the hosts it may be sent to (`plugins.NAME.secrets.SECRET.hosts`). A host is
/// a name (`api.hetzner.cloud`), `*.domain` for its subdomains, or an IP address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretBinding {
    pub name: String,
    pub hosts: Vec<String>,
}

impl SecretBinding {
    /// Checks every host pattern, reporting all bad ones at once (for policy loading).
    pub fn validate(&self) -> Result<(), Vec<RuleError>> {
        let errors: Vec<RuleError> = self
            .hosts
            .iter()
            .filter_map(|h| {
                rule::HostPattern::parse(h).err().map(|reason| RuleError {
                    rule: format!("secrets.{}.hosts: {h}", self.name),
                    reason,
                })
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Longest URL text quoted in a message; a hostile URL must not flood the log.
const MAX_SHOWN: usize = 200;

fn shown(text: &str) -> String {
    match text.char_indices().nth(MAX_SHOWN) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

fn list_rules<'a>(rules: impl Iterator<Item = &'a EgressRule>) -> String {
    let all: Vec<String> = rules.map(|r| format!("`{r}`")).collect();
    match all.len() {
        0 => "none".to_owned(),
        n if n > 6 => format!("{}, and {} more", all[..6].join(", "), n - 6),
        _ => all.join(", "),
    }
}

/// `scheme://host` with the port only when it is not the default, as a rule would be written.
fn origin_text(scheme: Scheme, host: &Host, port: u16) -> String {
    if port == scheme.default_port() {
        format!("{}://{host}", scheme.as_str())
    } else {
        format!("{}://{host}:{port}", scheme.as_str())
    }
}

/// Checks a request URL against the allowlist: http/https only, no userinfo, and a rule
/// matching scheme, host (case-insensitive, IDNA, trailing dot ignored) and port. IP literal
/// hosts pass only when a rule lists that address (or a range containing it).
pub fn check_url(url: &str, rules: &[EgressRule]) -> Result<CheckedUrl, Denial> {
    let parsed = Url::parse(url.trim()).map_err(|e| {
        Denial::new(
            DenialKind::InvalidUrl,
            format!("`{}` is not an absolute URL ({e})", shown(url)),
            Fix::Never("send an absolute `https://` URL".into()),
        )
    })?;
    check_parsed(parsed, rules)
}

fn check_parsed(url: Url, rules: &[EgressRule]) -> Result<CheckedUrl, Denial> {
    let Some(scheme) = Scheme::parse(url.scheme()) else {
        return Err(Denial::new(
            DenialKind::UnsupportedScheme,
            format!(
                "scheme `{}` of `{}` is not allowed",
                url.scheme(),
                shown(redacted(&url).as_str())
            ),
            Fix::Never("only `http` and `https` requests can be sent".into()),
        ));
    };
    let Some(raw_host) = url.host() else {
        return Err(Denial::new(
            DenialKind::InvalidUrl,
            format!("`{}` has no host", shown(url.as_str())),
            Fix::Never("send an absolute `https://` URL".into()),
        ));
    };
    let host = match raw_host {
        url::Host::Domain(d) => Host::Name(d.strip_suffix('.').unwrap_or(d).to_owned()),
        url::Host::Ipv4(v4) => Host::Ip(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Host::Ip(IpAddr::V6(v6).to_canonical()),
    };
    if !url.username().is_empty() || url.password().is_some() {
        // The text before `@` is userinfo, not the host: `http://allowed.example@evil.example/`
        // goes to evil.example. Never echo the userinfo (it is often a credential).
        return Err(Denial::new(
            DenialKind::Userinfo,
            format!(
                "`{}` (userinfo removed) carries userinfo before `@`; the host it would really reach is `{host}`",
                shown(redacted(&url).as_str())
            ),
            Fix::Never(
                "URLs with userinfo are never sent; pass credentials as a secret reference".into(),
            ),
        ));
    }
    let port = url
        .port_or_known_default()
        .unwrap_or_else(|| scheme.default_port());
    if let Some(rule) = rules.iter().find(|r| r.allows(scheme, &host, port)) {
        return Ok(CheckedUrl {
            rule: rule.as_str().to_owned(),
            url,
            scheme,
            host,
            port,
        });
    }
    let wanted = origin_text(scheme, &host, port);
    let text = shown(url.as_str());
    Err(match &host {
        Host::Ip(ip) => Denial::new(
            DenialKind::IpLiteral,
            format!(
                "`{text}` names the IP address {ip} ({}) directly, and IP literal hosts are denied unless a rule lists that address (rules: {})",
                classify(*ip).map_or("public address", SpecialClass::describe),
                list_rules(rules.iter())
            ),
            Fix::Policy {
                action: format!("to allow it, add `{wanted}` or `{ip}` to"),
                key: "egress".into(),
            },
        ),
        Host::Name(name) if rules.iter().any(|r| r.names_host(&host)) => Denial::new(
            DenialKind::WrongSchemeOrPort,
            format!(
                "`{text}` is {} on port {port}, but `{name}` is allowed only as {}",
                scheme.as_str(),
                list_rules(rules.iter().filter(|r| r.names_host(&host)))
            ),
            Fix::Policy {
                action: format!("to allow it, add `{wanted}` to"),
                key: "egress".into(),
            },
        ),
        Host::Name(name) => Denial::new(
            DenialKind::HostNotAllowed,
            format!(
                "host `{name}` of `{text}` matches no egress rule (rules: {})",
                list_rules(rules.iter())
            ),
            Fix::Policy {
                action: format!("to allow it, add `{wanted}` to"),
                key: "egress".into(),
            },
        ),
    })
}

fn redacted(url: &Url) -> Url {
    let mut url = url.clone();
    // Both setters only fail for URLs that cannot have userinfo, which then has none.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

/// Checks an address `host` resolved to (or an IP literal host) before connecting: loopback,
/// private, link-local, shared, metadata, documentation, multicast and other special
/// addresses (also in IPv4-mapped, compatible, NAT64 and 6to4 forms) are denied unless a rule
/// lists that address or a range containing it (`127.0.0.1`, `10.0.0.0/8`, or an origin
/// rule on the literal such as `http://127.0.0.1:*`).
pub fn check_ip(ip: IpAddr, host: &str, rules: &[EgressRule]) -> Result<(), Denial> {
    let Some(class) = classify(ip) else {
        return Ok(());
    };
    if rules.iter().any(|r| r.lists_ip(ip)) {
        return Ok(());
    }
    let canonical = ip.to_canonical();
    let subject = if host.trim_matches(['[', ']']) == ip.to_string() {
        format!("address {ip}")
    } else {
        format!("`{}` resolved to {ip}, which", shown(host))
    };
    Err(Denial::new(
        DenialKind::SpecialAddress(class),
        format!(
            "{subject} is a {} address, denied unless a rule lists it or a range containing it",
            class.describe()
        ),
        Fix::Policy {
            action: format!("if this is intended, add `{canonical}` to"),
            key: "egress".into(),
        },
    ))
}

/// Checks a redirect hop: `location` is resolved against `from` (relative Locations work),
/// then checked like any request; a redirect from `https` to `http` is denied.
pub fn check_redirect(
    from: &CheckedUrl,
    location: &str,
    rules: &[EgressRule],
) -> Result<CheckedUrl, Denial> {
    let next = from.url.join(location.trim()).map_err(|e| {
        Denial::new(
            DenialKind::InvalidUrl,
            format!(
                "redirect from `{}` to `{}` is not a valid location ({e})",
                from.as_str(),
                shown(location)
            ),
            Fix::Never("the server sent a broken `Location` header".into()),
        )
    })?;
    if from.scheme == Scheme::Https && next.scheme() == "http" {
        return Err(Denial::new(
            DenialKind::Downgrade,
            format!(
                "redirect from `{}` to `{}` downgrades https to http",
                from.as_str(),
                shown(redacted(&next).as_str())
            ),
            Fix::Never(
                "downgrades are never followed; request the final https URL directly".into(),
            ),
        ));
    }
    check_parsed(next, rules).map_err(|d| Denial {
        reason: format!("redirect from `{}`: {}", from.as_str(), d.reason),
        ..d
    })
}

/// Checks that `secret` may be attached to a request to `url`: granted to this plugin
/// (`granted`) and bound to the URL's host (`bindings`).
pub fn check_secret(
    secret: &str,
    url: &CheckedUrl,
    bindings: &[SecretBinding],
    granted: &[String],
) -> Result<(), Denial> {
    if !granted.iter().any(|g| g == secret) {
        return Err(Denial::new(
            DenialKind::SecretNotGranted,
            format!("secret `{secret}` is not granted to this plugin"),
            Fix::Policy {
                action: "to grant it, set (with `env` and `hosts`)".into(),
                key: format!("secrets.{secret}"),
            },
        ));
    }
    let hosts: &[String] = bindings
        .iter()
        .find(|b| b.name == secret)
        .map_or(&[], |b| &b.hosts);
    let bound = hosts
        .iter()
        .filter_map(|h| rule::HostPattern::parse(h).ok())
        .any(|pattern| pattern.matches(&url.host));
    if bound {
        return Ok(());
    }
    let allowed = if hosts.is_empty() {
        "no host".to_owned()
    } else {
        hosts
            .iter()
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(Denial::new(
        DenialKind::SecretNotBound,
        format!(
            "secret `{secret}` may only be sent to {allowed}, not to `{}` (`{}`)",
            url.host,
            url.as_str()
        ),
        Fix::Policy {
            action: format!("if `{}` should receive it, add it to", url.host),
            key: format!("secrets.{secret}.hosts"),
        },
    ))
}

#[cfg(test)]
mod tests;
