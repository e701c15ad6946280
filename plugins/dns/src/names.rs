//! Domain names as this node handles them: normalized to lowercase ASCII (IDNA applied) without
//! the trailing dot, validated label by label, and related to zones (containment, relative
//! names, longest matching suffix).

/// Longest name in presentation form without the trailing dot (RFC 1035: 255 octets on the
/// wire, which is 253 characters here).
const MAX_NAME: usize = 253;
const MAX_LABEL: usize = 63;

/// Normalizes `input` (trailing dot optional) to lowercase ASCII without the trailing dot.
/// `*` is accepted as a whole first label only when `wildcard` is set; `_` is accepted
/// anywhere (service labels such as `_dmarc`).
pub fn normalize(input: &str, wildcard: bool) -> Result<String, String> {
    let trimmed = input.trim();
    let bare = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if bare.is_empty() {
        return Err("is empty".into());
    }
    let ascii = if bare.is_ascii() {
        bare.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(bare)
            .map_err(|_| format!("`{bare}` is not a valid internationalized name"))?
    };
    if ascii.len() > MAX_NAME {
        return Err(format!(
            "is {} characters long; a domain name has at most {MAX_NAME}",
            ascii.len()
        ));
    }
    for (i, label) in ascii.split('.').enumerate() {
        if label.is_empty() {
            return Err(format!("`{bare}` has an empty label"));
        }
        if label == "*" {
            if wildcard && i == 0 {
                continue;
            }
            return Err(format!(
                "`{bare}`: `*` is only allowed as the first label of a record name"
            ));
        }
        if label.len() > MAX_LABEL {
            return Err(format!(
                "label `{label}` is longer than {MAX_LABEL} characters"
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(format!(
                "`{bare}` contains `{c}`; labels use letters, digits, `-` and `_`"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label `{label}` starts or ends with `-`"));
        }
    }
    Ok(ascii)
}

/// Whether `name` is `zone` or lies below it (`a.example.com` in `example.com`, but not
/// `badexample.com`).
pub fn is_within(name: &str, zone: &str) -> bool {
    name == zone
        || name
            .strip_suffix(zone)
            .is_some_and(|head| head.ends_with('.') && head.len() > 1)
}

/// `name` relative to `zone`: `@` for the apex, `www` for `www.example.com`.
pub fn relative(name: &str, zone: &str) -> String {
    if name == zone {
        return "@".into();
    }
    name.strip_suffix(zone)
        .and_then(|head| head.strip_suffix('.'))
        .map_or_else(|| format!("{name}."), str::to_owned)
}

/// The owner name a record's `name` param denotes: `@` is `domain`, `fqdn.` is absolute, and
/// anything else is relative to `domain`.
pub fn resolve_owner(name: &str, domain: &str) -> Result<String, String> {
    let name = name.trim();
    if name == "@" || name.is_empty() {
        return Ok(domain.to_owned());
    }
    if name.ends_with('.') {
        return normalize(name, true);
    }
    let relative = normalize(name, true)?;
    normalize(&format!("{relative}.{domain}"), true)
}

/// The zone among `zones` with the longest suffix match for `domain`, if any.
pub fn longest_suffix<'a>(
    domain: &str,
    zones: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    zones
        .into_iter()
        .filter(|z| is_within(domain, z))
        .max_by_key(|z| z.len())
}

/// `domain` and each parent of it with at least two labels, longest first (the candidates a
/// provider is asked for, one by one).
pub fn suffixes(domain: &str) -> Vec<&str> {
    let mut out = vec![domain];
    let mut rest = domain;
    while let Some((_, parent)) = rest.split_once('.') {
        if !parent.contains('.') {
            break;
        }
        out.push(parent);
        rest = parent;
    }
    out
}
