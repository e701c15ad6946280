//! Record values in one canonical presentation form, so that what the params ask for, what a
//! zone file holds and what `PowerDNS` or Hetzner return compare equal when they mean the same:
//! addresses in their standard text form, names absolute with a trailing dot, MX as
//! `prio host.`, TXT as quoted strings of at most 255 bytes with one escaping policy.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::names;

/// Longest TXT value accepted (all strings together); DNS messages must stay deliverable.
pub const MAX_TXT_BYTES: usize = 4000;
const MAX_TXT_STRING: usize = 255;

/// How a name without a trailing dot is read.
#[derive(Debug, Clone, Copy)]
pub enum Relative<'a> {
    /// Params: `mail` is `mail.<domain>`; a name with a dot is already fully qualified.
    Params { domain: &'a str },
    /// Zone data (files, providers): relative to the zone origin, as RFC 1035 says.
    Origin(&'a str),
}

/// The canonical form of a value of type `rtype` (uppercase), or why it is invalid. Types
/// this node does not create keep their text with whitespace collapsed.
pub fn canonical(rtype: &str, value: &str, rel: Relative<'_>) -> Result<String, String> {
    let value = value.trim();
    match rtype {
        "A" => value
            .parse::<Ipv4Addr>()
            .map(|ip| ip.to_string())
            .map_err(|_| format!("`{value}` is not an IPv4 address")),
        "AAAA" => value
            .parse::<Ipv6Addr>()
            .map(|ip| ip.to_string())
            .map_err(|_| format!("`{value}` is not an IPv6 address")),
        "CNAME" | "NS" | "PTR" | "DNAME" => target(value, rel),
        "MX" => {
            let mut parts = value.split_whitespace();
            let (Some(prio), Some(host), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(format!(
                    "`{value}` is not `priority host` (e.g. `10 mail.example.com`)"
                ));
            };
            let prio: u16 = prio
                .parse()
                .map_err(|_| format!("MX priority `{prio}` is not a number from 0 to 65535"))?;
            // RFC 7505 "null MX": `0 .` says the domain accepts no mail.
            let host = if host == "." {
                ".".to_owned()
            } else {
                target(host, rel)?
            };
            Ok(format!("{prio} {host}"))
        }
        "TXT" | "SPF" => txt(value, matches!(rel, Relative::Params { .. })),
        _ => Ok(value.split_whitespace().collect::<Vec<_>>().join(" ")),
    }
}

/// A host name value, absolute with a trailing dot.
fn target(value: &str, rel: Relative<'_>) -> Result<String, String> {
    let absolute = if value == "@" {
        match rel {
            Relative::Params { domain } | Relative::Origin(domain) => domain.to_owned(),
        }
    } else if value.ends_with('.') {
        names::normalize(value, false).map_err(|e| format!("host name `{value}` {e}"))?
    } else {
        let base = match rel {
            Relative::Params { .. } if value.contains('.') => None,
            Relative::Params { domain } | Relative::Origin(domain) => Some(domain),
        };
        let full = match base {
            Some(base) => format!("{value}.{base}"),
            None => value.to_owned(),
        };
        names::normalize(&full, false).map_err(|e| format!("host name `{value}` {e}"))?
    };
    Ok(format!("{absolute}."))
}

/// TXT: presentation form (one or more `"quoted"` strings, or bare words) is parsed; from
/// params, text that does not start with a quote is taken literally and split into strings
/// of at most 255 bytes.
fn txt(value: &str, from_params: bool) -> Result<String, String> {
    let strings = if from_params && !value.starts_with('"') {
        value
            .as_bytes()
            .chunks(MAX_TXT_STRING)
            .map(<[u8]>::to_vec)
            .collect()
    } else {
        parse_character_strings(value)?
    };
    let total: usize = strings.iter().map(Vec::len).sum();
    if total > MAX_TXT_BYTES {
        return Err(format!(
            "TXT value is {total} bytes; at most {MAX_TXT_BYTES} are accepted"
        ));
    }
    if let Some(long) = strings.iter().find(|s| s.len() > MAX_TXT_STRING) {
        return Err(format!(
            "a quoted TXT string is {} bytes; each string holds at most {MAX_TXT_STRING} (split it into several quoted strings)",
            long.len()
        ));
    }
    if strings.is_empty() {
        return Ok("\"\"".into());
    }
    Ok(strings
        .iter()
        .map(|s| render_character_string(s))
        .collect::<Vec<_>>()
        .join(" "))
}

/// Parses RFC 1035 `<character-string>`s: quoted or bare, with `\X` and `\DDD` escapes.
pub fn parse_character_strings(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let quoted = bytes[i] == b'"';
        if quoted {
            i += 1;
        }
        let mut current = Vec::new();
        let mut closed = !quoted;
        while i < bytes.len() {
            let b = bytes[i];
            if quoted && b == b'"' {
                closed = true;
                i += 1;
                break;
            }
            if !quoted && b.is_ascii_whitespace() {
                break;
            }
            if b == b'\\' {
                let digits = bytes
                    .get(i + 1..i + 4)
                    .filter(|d| d.iter().all(u8::is_ascii_digit));
                if let Some(d) = digits {
                    let n = u32::from(d[0] - b'0') * 100
                        + u32::from(d[1] - b'0') * 10
                        + u32::from(d[2] - b'0');
                    let byte = u8::try_from(n)
                        .map_err(|_| format!("escape `\\{n}` is above 255 in `{text}`"))?;
                    current.push(byte);
                    i += 4;
                } else if let Some(&next) = bytes.get(i + 1) {
                    current.push(next);
                    i += 2;
                } else {
                    return Err(format!("`{text}` ends with a lone backslash"));
                }
                continue;
            }
            current.push(b);
            i += 1;
        }
        if !closed {
            return Err(format!("`{text}` has an unterminated quoted string"));
        }
        out.push(current);
    }
    Ok(out)
}

/// One quoted string: printable ASCII as is (`"` and `\` escaped), every other byte `\DDD`.
fn render_character_string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                s.push('\\');
                s.push(char::from(b));
            }
            0x20..=0x7e => s.push(char::from(b)),
            _ => {
                let _ = write!(s, "\\{b:03}");
            }
        }
    }
    s.push('"');
    s
}
