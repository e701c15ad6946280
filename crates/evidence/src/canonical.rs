//! RFC 8785 (JSON Canonicalization Scheme) serialization of `serde_json::Value`, and the SHA-256
//! helpers every digest in an evidence pack is built from.
//!
//! JCS fixes three things plain `serde_json::to_string` leaves open: object members are sorted by
//! the UTF-16 code units of their names (the workspace enables `preserve_order`, so maps keep
//! insertion order and we must sort ourselves), numbers are written the way ECMAScript's
//! `Number.prototype.toString` writes an IEEE-754 double, and strings are escaped exactly as
//! `JSON.stringify` escapes them. Two producers that agree on the data therefore agree on the
//! bytes, which is what makes the hashes in a pack reproducible by an independent verifier.

use serde_json::{Number, Value};
use sha2::{Digest, Sha256};

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// NaN and the infinities have no JSON form (reachable only when another crate in the build
    /// enables `serde_json/arbitrary_precision` and a number overflows a double).
    #[error(
        "number {number} at `{path}` is not a finite IEEE-754 double; JSON has no NaN or Infinity"
    )]
    NonFiniteNumber {
        /// JSON pointer of the number.
        path: String,
        /// The number as written.
        number: String,
    },
}

/// Serializes `v` as RFC 8785 canonical JSON.
///
/// One deliberate extension: an integer that an IEEE-754 double cannot hold exactly (beyond
/// 2^53, e.g. `9007199254740993` or `u64::MAX`) is written with all its digits. Strict JCS would
/// round it to the nearest double, so two different integers would hash alike and an edit of
/// one into the other would go unnoticed. No double's ECMAScript form is such a digit string,
/// so the output stays injective, and it equals strict JCS on every value a double can hold.
pub fn canonicalize(v: &Value) -> Result<String, CanonicalError> {
    let mut out = String::new();
    let mut path = String::new();
    write_value(v, &mut out, &mut path)?;
    Ok(out)
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

/// Lowercase hex SHA-256 of the canonical form of `v`.
pub fn digest_value(v: &Value) -> Result<String, CanonicalError> {
    canonicalize(v).map(sha256_hex)
}

/// Formats an IEEE-754 double as ECMAScript's `Number.prototype.toString` does (radix 10), the
/// form RFC 8785 section 3.2.2.3 prescribes. Returns `None` for NaN and the infinities.
pub fn format_number(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    // Both zeros print as "0" (ES: "If m is +0 or -0, return \"0\"").
    if value == 0.0 {
        return Some("0".to_owned());
    }
    let mut out = String::new();
    if value < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` without a precision prints the shortest digit string that round-trips, which
    // is the `s`/`k` of the ES algorithm; only the layout differs.
    let sci = format!("{:e}", value.abs());
    let (mantissa, exponent) = sci.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = prefer_even_on_tie(value.abs(), digits, exponent);
    let k = i32::try_from(digits.len()).ok()?;
    let n = exponent + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', usize::try_from(n - k).ok()?));
    } else if 0 < n && n <= 21 {
        let split = usize::try_from(n).ok()?;
        out.push_str(&digits[..split]);
        out.push('.');
        out.push_str(&digits[split..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', usize::try_from(-n).ok()?));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n - 1 < 0 { '-' } else { '+' });
        out.push_str(&(n - 1).abs().to_string());
    }
    Some(out)
}

/// ES breaks a tie between two equally close shortest digit strings by taking the even one;
/// Rust's shortest formatting rounds such ties up (0x43143ff3c1cb0959 is exactly
/// 1424953923781206.25: ES prints `...206.2`, Rust `...206.3`). Detect the tie from the exact
/// decimal expansion of the double and switch to the even neighbour when it round-trips too.
fn prefer_even_on_tie(value: f64, digits: String, exponent: i32) -> String {
    let k = digits.len();
    let odd = digits.bytes().last().is_some_and(|d| (d - b'0') % 2 == 1);
    if !odd {
        return digits;
    }
    // 767 significant digits hold any double's exact decimal expansion.
    let exact = format!("{value:.800e}");
    let Some((mantissa, exact_exponent)) = exact.split_once('e') else {
        return digits;
    };
    if exact_exponent.parse::<i32>().ok() != Some(exponent) {
        return digits;
    }
    let exact_digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let is_tie =
        exact_digits.get(k) == Some(&b'5') && exact_digits[k + 1..].iter().all(|&d| d == b'0');
    if !is_tie {
        return digits;
    }
    let lower = &exact_digits[..k];
    let candidate = if digits.as_bytes() == lower {
        // Rust rounded down to an odd digit; the even neighbour is one up (never a carry: a
        // lower neighbour ending in 9 would make the upper one shorter, and shortest wins).
        let mut up = lower.to_vec();
        match up.last_mut() {
            Some(last) if *last < b'9' => *last += 1,
            _ => return digits,
        }
        up
    } else {
        lower.to_vec()
    };
    let Ok(candidate) = String::from_utf8(candidate) else {
        return digits;
    };
    let text = if candidate.len() > 1 {
        format!("{}.{}e{exponent}", &candidate[..1], &candidate[1..])
    } else {
        format!("{candidate}e{exponent}")
    };
    if text.parse::<f64>().ok() == Some(value) {
        candidate
    } else {
        digits
    }
}

/// Writes `s` as a JSON string literal escaped the way `JSON.stringify` does.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let code = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[code >> 4]));
                out.push(char::from(HEX[code & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Orders object member names by their UTF-16 code units (RFC 8785 section 3.2.3).
pub(crate) fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Appends one JSON pointer token (RFC 6901 escaping) to `path`.
pub(crate) fn push_pointer(path: &str, token: &str) -> String {
    let mut p = String::with_capacity(path.len() + token.len() + 1);
    p.push_str(path);
    p.push('/');
    p.push_str(&token.replace('~', "~0").replace('/', "~1"));
    p
}

/// Writes the canonical form of `v`; `path` is the JSON pointer of `v`, used in errors.
pub(crate) fn write_value(
    v: &Value,
    out: &mut String,
    path: &mut String,
) -> Result<(), CanonicalError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n, path)?),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                write_value(item, out, path)?;
                path.truncate(len);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| utf16_order(a.0, b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                let len = path.len();
                *path = push_pointer(path, key);
                write_value(item, out, path)?;
                path.truncate(len);
            }
            out.push('}');
        }
    }
    Ok(())
}

/// 2^64 and 2^63 as doubles: casting a double at or above these back to an integer saturates, so
/// the round-trip test below would wrongly call `u64::MAX` exact without this bound.
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

fn number_text(n: &Number, path: &str) -> Result<String, CanonicalError> {
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "the casts are the exactness test: a lossy round trip keeps the exact digits"
    )]
    let value = if let Some(u) = n.as_u64() {
        let f = u as f64;
        if f >= TWO_POW_64 || f as u64 != u {
            return Ok(u.to_string());
        }
        f
    } else if let Some(i) = n.as_i64() {
        let f = i as f64;
        if f >= TWO_POW_63 || f as i64 != i {
            return Ok(i.to_string());
        }
        f
    } else {
        n.as_f64().unwrap_or(f64::NAN)
    };
    format_number(value).ok_or_else(|| CanonicalError::NonFiniteNumber {
        path: path.to_owned(),
        number: n.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(bits: u64, expected: Option<&str>) {
        assert_eq!(
            format_number(f64::from_bits(bits)).as_deref(),
            expected,
            "bits {bits:016x}"
        );
    }

    #[test]
    fn formats_rfc8785_appendix_b_numbers() {
        check(0x0000_0000_0000_0000, Some("0"));
        check(0x8000_0000_0000_0000, Some("0"));
        check(0x0000_0000_0000_0001, Some("5e-324"));
        check(0x8000_0000_0000_0001, Some("-5e-324"));
        check(0x7fef_ffff_ffff_ffff, Some("1.7976931348623157e+308"));
        check(0xffef_ffff_ffff_ffff, Some("-1.7976931348623157e+308"));
        check(0x4340_0000_0000_0000, Some("9007199254740992"));
        check(0xc340_0000_0000_0000, Some("-9007199254740992"));
        check(0x4430_0000_0000_0000, Some("295147905179352830000"));
        check(0x7fff_ffff_ffff_ffff, None);
        check(0x7ff0_0000_0000_0000, None);
        check(0x44b5_2d02_c7e1_4af5, Some("9.999999999999997e+22"));
        check(0x44b5_2d02_c7e1_4af6, Some("1e+23"));
        check(0x44b5_2d02_c7e1_4af7, Some("1.0000000000000001e+23"));
        check(0x444b_1ae4_d6e2_ef4e, Some("999999999999999700000"));
        check(0x444b_1ae4_d6e2_ef4f, Some("999999999999999900000"));
        check(0x444b_1ae4_d6e2_ef50, Some("1e+21"));
        check(0x3eb0_c6f7_a0b5_ed8c, Some("9.999999999999997e-7"));
        check(0x3eb0_c6f7_a0b5_ed8d, Some("0.000001"));
        check(0x41b3_de43_5555_5553, Some("333333333.3333332"));
        check(0x41b3_de43_5555_5554, Some("333333333.33333325"));
        check(0x41b3_de43_5555_5555, Some("333333333.3333333"));
        check(0x41b3_de43_5555_5556, Some("333333333.3333334"));
        check(0x41b3_de43_5555_5557, Some("333333333.33333343"));
        check(0xbecb_f647_612f_3696, Some("-0.0000033333333333333333"));
        check(0x4314_3ff3_c1cb_0959, Some("1424953923781206.2"));
    }

    #[test]
    fn keeps_every_digit_of_integers_a_double_cannot_hold() {
        let check =
            |v: Value, expected: &str| assert_eq!(canonicalize(&v).as_deref(), Ok(expected));
        check(json!(9_007_199_254_740_993_u64), "9007199254740993");
        check(json!(u64::MAX), "18446744073709551615");
        check(json!(i64::MAX), "9223372036854775807");
        check(json!(-9_007_199_254_740_993_i64), "-9007199254740993");
        // Integers a double holds exactly print in ECMAScript form, as strict JCS prints them.
        check(json!(1_u64 << 60), "1152921504606847000");
        check(json!(i64::MIN), "-9223372036854776000");
        check(json!(9_007_199_254_740_992_u64), "9007199254740992");
        // Neighbours that strict JCS would merge stay distinct.
        assert_ne!(
            canonicalize(&json!(9_007_199_254_740_993_u64)),
            canonicalize(&json!(9_007_199_254_740_992_u64))
        );
    }

    #[test]
    fn sha256_hex_is_lowercase_hex_of_the_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
