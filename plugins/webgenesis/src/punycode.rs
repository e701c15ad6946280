//! Punycode (RFC 3492) for internationalised domain names, so that `bäckerei-müller.de` becomes
//! the ASCII form that URLs in sitemaps and canonical links need. Only encoding is needed; the
//! input is lowercased already (a full IDNA mapping is out of scope: unusual characters simply
//! produce a label the host-name check then accepts or rejects).

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

fn adapt(mut delta: u32, num_points: u32, first: bool) -> u32 {
    delta /= if first { DAMP } else { 2 };
    delta += delta / num_points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn digit(d: u32) -> char {
    // 0..25 map to a..z, 26..35 to 0..9.
    let b = if d < 26 {
        b'a' + u8::try_from(d).unwrap_or(0)
    } else {
        b'0' + u8::try_from(d - 26).unwrap_or(0)
    };
    char::from(b)
}

/// Encodes one label's code points as Punycode (without the `xn--` prefix).
#[allow(
    clippy::many_single_char_names,
    reason = "the names follow RFC 3492's pseudocode (n, m, q, k, t)"
)]
fn encode_label(label: &str) -> Result<String, String> {
    let input: Vec<u32> = label.chars().map(u32::from).collect();
    let mut out: String = label.chars().filter(char::is_ascii).collect();
    let basic = u32::try_from(out.len()).map_err(|_| "label too long".to_owned())?;
    if basic > 0 {
        out.push('-');
    }
    let overflow = || format!("label {label:?} cannot be encoded as punycode");
    let (mut n, mut delta, mut bias, mut handled) = (INITIAL_N, 0u32, INITIAL_BIAS, basic);
    let total = u32::try_from(input.len()).map_err(|_| overflow())?;
    while handled < total {
        let m = input
            .iter()
            .copied()
            .filter(|&c| c >= n)
            .min()
            .ok_or_else(overflow)?;
        delta = delta
            .checked_add((m - n).checked_mul(handled + 1).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
        n = m;
        for &c in &input {
            if c < n {
                delta = delta.checked_add(1).ok_or_else(overflow)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    Ok(out)
}

/// The ASCII (A-label) form of a domain whose labels may contain non-ASCII letters.
pub fn domain_to_ascii(domain: &str) -> Result<String, String> {
    let labels: Result<Vec<String>, String> = domain
        .split('.')
        .map(|l| {
            if l.is_ascii() {
                Ok(l.to_owned())
            } else {
                encode_label(l).map(|e| format!("xn--{e}"))
            }
        })
        .collect();
    Ok(labels?.join("."))
}

#[cfg(test)]
mod tests {
    use super::domain_to_ascii;

    #[test]
    fn encodes_german_domains_like_idna() {
        let check = |input: &str, want: &str| assert_eq!(domain_to_ascii(input).unwrap(), want);
        check("münchen.de", "xn--mnchen-3ya.de");
        check("bäckerei-müller.de", "xn--bckerei-mller-bfb28a.de");
        check("example.com", "example.com");
        check("bücher.example", "xn--bcher-kva.example");
    }
}
