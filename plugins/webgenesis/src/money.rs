//! Prices: ISO 4217 currencies with their minor units, formatted the way the browser's
//! `Intl.NumberFormat` formats them for `en-US` and `de-DE`, so server-rendered prices and the
//! cart's client-side totals look the same.

use std::fmt::Write as _;

use crate::params::Language;

/// A currency with what formatting needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    /// ISO 4217 code, uppercase.
    pub code: String,
    /// Digits after the decimal separator.
    pub decimals: u8,
}

const ZERO_DECIMALS: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];
const THREE_DECIMALS: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/// Symbols `Intl` uses in both locales; other codes are shown as the code itself.
const SYMBOLS: &[(&str, &str)] = &[
    ("EUR", "€"),
    ("USD", "$"),
    ("GBP", "£"),
    ("JPY", "¥"),
    ("INR", "₹"),
    ("KRW", "₩"),
    ("ILS", "₪"),
    ("VND", "₫"),
    ("CAD", "CA$"),
    ("AUD", "A$"),
    ("NZD", "NZ$"),
    ("HKD", "HK$"),
    ("MXN", "MX$"),
    ("BRL", "R$"),
    ("CNY", "CN¥"),
    ("TWD", "NT$"),
];

impl Currency {
    pub fn new(code: &str) -> Self {
        let code = code.to_uppercase();
        let decimals = if ZERO_DECIMALS.contains(&code.as_str()) {
            0
        } else if THREE_DECIMALS.contains(&code.as_str()) {
            3
        } else {
            2
        };
        Self { code, decimals }
    }

    fn symbol(&self) -> Option<&'static str> {
        SYMBOLS
            .iter()
            .find(|(c, _)| *c == self.code)
            .map(|(_, s)| *s)
    }

    /// Formats an amount in minor units, e.g. 123450 EUR as "1.234,50 €" (de) or "€1,234.50" (en).
    /// Separators between amount and symbol are no-break spaces, as `Intl` emits them.
    pub fn format(&self, minor: u64, lang: Language) -> String {
        let scale = 10u64.pow(u32::from(self.decimals));
        let (major, fraction) = (minor / scale, minor % scale);
        let (group, point) = match lang {
            Language::En => (',', '.'),
            Language::De => ('.', ','),
        };
        let digits = major.to_string();
        let mut number = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                number.push(group);
            }
            number.push(ch);
        }
        if self.decimals > 0 {
            number.push(point);
            let _ = write!(
                number,
                "{fraction:0width$}",
                width = usize::from(self.decimals)
            );
        }
        match (lang, self.symbol()) {
            (Language::En, Some(sym)) => format!("{sym}{number}"),
            (Language::En, None) => format!("{}\u{a0}{number}", self.code),
            (Language::De, sym) => format!("{number}\u{a0}{}", sym.unwrap_or(&self.code)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_intl_number_format() {
        let check = |code: &str, minor: u64, lang: Language, want: &str| {
            assert_eq!(
                Currency::new(code).format(minor, lang),
                want.replace(' ', "\u{a0}"),
                "{code} {minor}"
            );
        };
        check("EUR", 123_450, Language::De, "1.234,50 €");
        check("EUR", 123_450, Language::En, "€1,234.50");
        check("CHF", 123_450, Language::En, "CHF 1,234.50");
        check("CHF", 5, Language::De, "0,05 CHF");
        check("JPY", 1234, Language::De, "1.234 ¥");
        check("KWD", 1_234_000, Language::De, "1.234,000 KWD");
        check("CAD", 123_400, Language::En, "CA$1,234.00");
        check("usd", 99, Language::En, "$0.99");
        check("EUR", 100_000_000, Language::De, "1.000.000,00 €");
    }
}
