//! Escaping of free text for the three languages a module is written in: Python string
//! literals, XML (text and attributes) and reStructuredText. Each function returns text that
//! the target parser reads back as exactly the input, so no spec value can end a literal,
//! an element or a directive early and inject code.

use std::fmt::Write as _;

/// A double-quoted Python string literal whose value is `value`.
///
/// Backslashes, quotes and every control character are escaped; so are the Unicode line and
/// bidirectional-override characters, which do not change Python's parse but make code read
/// differently from how it runs ("trojan source").
pub fn py_str(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0}'..='\u{1f}' | '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `value` as XML character data.
pub fn xml_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
    out
}

/// `value` as the content of a double- or single-quoted XML attribute; whitespace characters
/// are written as references so that attribute-value normalization keeps them.
pub fn xml_attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            _ => out.push(c),
        }
    }
    out
}

/// `value` as inert reStructuredText: every ASCII punctuation character is backslash-escaped,
/// so no inline markup, reference or directive can form.
pub fn rst_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for c in value.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&str) -> String, input: &str, expected: &str) {
        assert_eq!(f(input), expected, "escaping {input:?}");
    }

    #[test]
    fn python_literals_escape_quotes_backslashes_and_control_characters() {
        check(py_str, "plain", "\"plain\"");
        check(py_str, "a\"b", "\"a\\\"b\"");
        check(py_str, "'''", "\"'''\"");
        check(py_str, "back\\slash", "\"back\\\\slash\"");
        check(py_str, "two\nlines\r\t", "\"two\\nlines\\r\\t\"");
        check(py_str, "nul\u{0}bell\u{7}", "\"nul\\x00bell\\x07\"");
        check(py_str, "rtl\u{202e}x", "\"rtl\\u202ex\"");
        check(py_str, "Ärger €", "\"Ärger €\"");
    }

    #[test]
    fn xml_text_escapes_markup() {
        check(
            xml_text,
            "</field><field name=\"x\">",
            "&lt;/field&gt;&lt;field name=\"x\"&gt;",
        );
        check(xml_text, "a & b", "a &amp; b");
    }

    #[test]
    fn xml_attributes_escape_both_quotes_and_keep_whitespace() {
        check(
            xml_attr,
            "say \"hi\" 'x'",
            "say &quot;hi&quot; &apos;x&apos;",
        );
        check(xml_attr, "a\nb\tc", "a&#10;b&#9;c");
        check(xml_attr, "<&>", "&lt;&amp;&gt;");
    }

    #[test]
    fn rst_text_escapes_all_markup_characters() {
        check(rst_text, ".. raw:: html", "\\.\\. raw\\:\\: html");
        check(rst_text, "*bold* `x`_", "\\*bold\\* \\`x\\`\\_");
    }
}
