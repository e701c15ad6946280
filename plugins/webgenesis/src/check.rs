//! A small HTML checker for the generated pages (not a full HTML5 parser: it knows exactly
//! what the generator may produce). Per page it checks the document skeleton (doctype, `lang`,
//! charset, viewport, title), that non-void elements are balanced, that there is exactly one
//! `h1`, that images have `alt`, that `&` and `<` are escaped; across the site, that every
//! internal `href`/`src` (and `#fragment`) resolves to a generated file (and id), and that
//! nothing is loaded from another origin.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title"];

/// What one page contains, as far as the site-level checks need it.
#[derive(Debug, Default)]
pub struct PageScan {
    pub errors: Vec<String>,
    pub h1_count: usize,
    pub ids: BTreeSet<String>,
    /// (element, attribute, value) of every `href` and `src`.
    pub links: Vec<(String, String, String)>,
    pub title: Option<String>,
}

fn find_ci(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    (from..=h.len().saturating_sub(n.len())).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// Whether `&` at the start of `s` begins a character reference.
fn is_char_ref(s: &str) -> bool {
    let body: String = s[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
        .collect();
    !body.is_empty() && s[1 + body.len()..].starts_with(';')
}

fn check_text(text: &str, where_: &str, errors: &mut Vec<String>) {
    for (i, _) in text.match_indices('&') {
        if !is_char_ref(&text[i..]) {
            errors.push(format!("unescaped `&` in {where_}"));
            return;
        }
    }
}

/// Parses attributes from the inside of a start tag (after the name).
fn attributes(s: &str, errors: &mut Vec<String>, tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        if start == i {
            break;
        }
        let name = s[start..i].to_ascii_lowercase();
        if name.contains(['"', '\'', '<']) {
            errors.push(format!("malformed attribute `{name}` in <{tag}>"));
        }
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vs = i + 1;
                if let Some(len) = b[vs..].iter().position(|&c| c == q) {
                    s[vs..vs + len].clone_into(&mut value);
                    i = vs + len + 1;
                } else {
                    errors.push(format!("unterminated attribute value in <{tag}>"));
                    return out;
                }
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                s[vs..i].clone_into(&mut value);
                if value.contains(['"', '\'', '<', '=', '`']) {
                    errors.push(format!(
                        "unquoted attribute value with special characters in <{tag}>"
                    ));
                }
            }
            check_text(&value, &format!("attribute `{name}` of <{tag}>"), errors);
        }
        out.push((name, value));
    }
    out
}

fn decode(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Scans one HTML document.
pub fn scan(html: &str) -> PageScan {
    let mut r = PageScan::default();
    let mut stack: Vec<String> = Vec::new();
    let (mut doctype, mut lang, mut charset, mut viewport) = (false, false, false, false);
    let mut seen_element = false;
    let mut i = 0;
    let mut text_start = 0;
    while let Some(off) = html[i..].find('<') {
        let lt = i + off;
        check_text(&html[text_start..lt], "text", &mut r.errors);
        let rest = &html[lt..];
        if rest.starts_with("<!--") {
            if let Some(end) = rest.find("-->") {
                i = lt + end + 3;
            } else {
                r.errors.push("unterminated comment".into());
                return r;
            }
            text_start = i;
            continue;
        }
        let Some(gt) = rest.find('>') else {
            r.errors.push("unterminated tag at end of document".into());
            return r;
        };
        let inner = &rest[1..gt];
        i = lt + gt + 1;
        text_start = i;
        if let Some(d) = inner.strip_prefix('!') {
            if d.eq_ignore_ascii_case("doctype html") && !seen_element {
                doctype = true;
            } else {
                r.errors.push(format!("unexpected declaration `<{inner}>`"));
            }
            continue;
        }
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            match stack.iter().rposition(|n| *n == name) {
                Some(pos) => {
                    for unclosed in stack.drain(pos..).skip(1).collect::<Vec<_>>() {
                        r.errors
                            .push(format!("<{unclosed}> is not closed before </{name}>"));
                    }
                }
                None => r.errors.push(format!("</{name}> without an open <{name}>")),
            }
            continue;
        }
        let name_len = inner
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..name_len].to_ascii_lowercase();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            r.errors.push(format!(
                "unescaped `<` in text (`<{}`)",
                inner.chars().take(20).collect::<String>()
            ));
            continue;
        }
        seen_element = true;
        let attrs = attributes(&inner[name_len..], &mut r.errors, &name);
        let attr = |n: &str| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        for (k, v) in &attrs {
            if k == "href" || k == "src" {
                r.links.push((name.clone(), k.clone(), decode(v)));
            }
            if k == "id" && !r.ids.insert(decode(v)) {
                r.errors.push(format!("duplicate id `{v}`"));
            }
        }
        match name.as_str() {
            "html" => lang = attr("lang").is_some_and(|l| !l.is_empty()),
            "meta" if attr("charset").is_some_and(|c| c.eq_ignore_ascii_case("utf-8")) => {
                charset = true;
            }
            "meta" if attr("name") == Some("viewport") => viewport = true,
            "h1" => r.h1_count += 1,
            "img" if attr("alt").is_none() => r.errors.push(format!(
                "<img src=\"{}\"> has no alt attribute",
                attr("src").unwrap_or("")
            )),
            _ => {}
        }
        if VOID.contains(&name.as_str()) {
            continue;
        }
        if inner.ends_with('/') {
            r.errors
                .push(format!("self-closing syntax on non-void element <{name}/>"));
            continue;
        }
        if RAW_TEXT.contains(&name.as_str()) {
            let close = format!("</{name}");
            let Some(end) = find_ci(html, &close, i) else {
                r.errors.push(format!("<{name}> is never closed"));
                return r;
            };
            let body = &html[i..end];
            if name == "title" {
                check_text(body, "title", &mut r.errors);
                r.title = Some(decode(body));
            }
            if name == "textarea" {
                check_text(body, "textarea", &mut r.errors);
            }
            if let Some(gt) = html[end..].find('>') {
                i = end + gt + 1;
            } else {
                r.errors.push(format!("</{name}> is not terminated"));
                return r;
            }
            text_start = i;
            continue;
        }
        stack.push(name);
    }
    check_text(&html[text_start..], "text", &mut r.errors);
    for unclosed in stack {
        r.errors.push(format!("<{unclosed}> is never closed"));
    }
    if !doctype {
        r.errors
            .push("missing `<!DOCTYPE html>` at the start".into());
    }
    if !lang {
        r.errors.push("<html> has no lang attribute".into());
    }
    if !charset {
        r.errors.push("missing <meta charset=\"utf-8\">".into());
    }
    if !viewport {
        r.errors.push("missing <meta name=\"viewport\">".into());
    }
    if r.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        r.errors.push("missing or empty <title>".into());
    }
    if r.h1_count != 1 {
        r.errors.push(format!(
            "{} <h1> elements; a page needs exactly one",
            r.h1_count
        ));
    }
    r
}

/// The site-level verdict, as it appears in the node's output.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Validation {
    pub ok: bool,
    pub pages_checked: usize,
    pub page_count: PageCount,
    pub required_files: Vec<String>,
    pub missing_files: Vec<String>,
    pub links_checked: usize,
    pub errors: Vec<String>,
}

/// Pages the template promises against pages found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PageCount {
    pub expected: usize,
    pub actual: usize,
}

fn is_html(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html"))
}

fn is_external(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http:") || lower.starts_with("https:") || lower.starts_with("//")
}

/// Resolves `link` (without fragment) against the directory of `from`; `None` if it leaves the site.
fn resolve(from: &str, link: &str) -> Option<String> {
    let mut parts: Vec<&str> = if link.starts_with('/') {
        Vec::new()
    } else {
        let mut p: Vec<&str> = from.split('/').collect();
        p.pop();
        p
    };
    for seg in link.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let mut path = parts.join("/");
    if link.ends_with('/') || path.is_empty() {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Some(path)
}

/// Checks a static site given as (path relative to the site root, contents).
/// `pages` are the page files the template promises; `required` are other files that must exist.
pub fn validate_site(
    files: &BTreeMap<String, String>,
    pages: &[String],
    required: &[String],
) -> Validation {
    let mut errors = Vec::new();
    let mut scans = BTreeMap::new();
    for (path, body) in files.iter().filter(|(p, _)| is_html(p)) {
        let s = scan(body);
        errors.extend(s.errors.iter().map(|e| format!("{path}: {e}")));
        scans.insert(path.clone(), s);
    }
    let mut links_checked = 0;
    for (path, s) in &scans {
        for (element, attr, value) in &s.links {
            let lower = value.to_ascii_lowercase();
            if lower.starts_with("mailto:")
                || lower.starts_with("tel:")
                || lower.starts_with("data:")
            {
                continue;
            }
            if is_external(value) {
                // Canonical links are metadata, not requests; anything else would load from elsewhere.
                if element == "a" {
                    continue;
                }
                if element == "link" && body_has_canonical(files.get(path), value) {
                    continue;
                }
                errors.push(format!(
                    "{path}: <{element} {attr}=\"{value}\"> loads from another origin"
                ));
                continue;
            }
            links_checked += 1;
            let (target, fragment) = match value.split_once('#') {
                Some((t, f)) => (t, Some(f)),
                None => (value.as_str(), None),
            };
            let target = target.split('?').next().unwrap_or_default();
            let file = if target.is_empty() {
                Some(path.clone())
            } else {
                resolve(path, target)
            };
            let Some(file) = file else {
                errors.push(format!("{path}: `{value}` points outside the site"));
                continue;
            };
            if !files.contains_key(&file) {
                errors.push(format!(
                    "{path}: `{value}` does not resolve to a generated file ({file})"
                ));
                continue;
            }
            if let Some(f) = fragment.filter(|f| !f.is_empty())
                && scans.get(&file).is_some_and(|t| !t.ids.contains(f))
            {
                errors.push(format!(
                    "{path}: `{value}` names an id that {file} does not have"
                ));
            }
        }
    }
    let mut required_files: Vec<String> = pages.to_vec();
    required_files.extend(required.iter().cloned());
    let missing_files: Vec<String> = required_files
        .iter()
        .filter(|f| !files.contains_key(*f))
        .cloned()
        .collect();
    for m in &missing_files {
        errors.push(format!("required file {m} was not generated"));
    }
    let actual = pages.iter().filter(|p| scans.contains_key(*p)).count();
    Validation {
        ok: errors.is_empty(),
        pages_checked: scans.len(),
        page_count: PageCount {
            expected: pages.len(),
            actual,
        },
        required_files,
        missing_files,
        links_checked,
        errors,
    }
}

fn body_has_canonical(body: Option<&String>, url: &str) -> bool {
    body.is_some_and(|b| {
        b.contains(&format!(
            "<link rel=\"canonical\" href=\"{}\">",
            crate::html::escape(url)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"x\"><title>T &amp; U</title></head><body><main id=\"main\"><h1>Hi</h1><p>a<br>b</p><img src=\"a.svg\" alt=\"\"></main></body></html>";

    fn errors(html: &str) -> Vec<String> {
        scan(html).errors
    }

    #[test]
    fn accepts_a_well_formed_page() {
        assert_eq!(errors(OK), Vec::<String>::new());
    }

    #[test]
    fn finds_the_problems_a_page_can_have() {
        let check = |html: String, needle: &str| {
            let e = errors(&html);
            assert!(
                e.iter().any(|x| x.contains(needle)),
                "expected `{needle}` in {e:?}"
            );
        };
        check(OK.replace("<p>a", "<p><span>a"), "<span> is not closed");
        check(OK.replace("</main>", ""), "<main> is not closed");
        check(OK.replace("</body></html>", ""), "<html> is never closed");
        check(OK.replace("<h1>Hi</h1>", ""), "0 <h1>");
        check(OK.replace("<p>a", "<h1>x</h1><p>a"), "2 <h1>");
        check(OK.replace(" alt=\"\"", ""), "no alt");
        check(OK.replace("<!DOCTYPE html>", ""), "DOCTYPE");
        check(OK.replace(" lang=\"en\"", ""), "lang");
        check(OK.replace("a<br>b", "a & b"), "unescaped `&`");
        check(OK.replace("a<br>b", "1 < 2"), "unescaped `<`");
        check(OK.replace("<meta charset=\"utf-8\">", ""), "charset");
        check(OK.replace("</p>", "</div>"), "</div> without");
    }

    #[test]
    fn resolves_relative_and_root_links() {
        assert_eq!(
            resolve("index.html", "about.html").as_deref(),
            Some("about.html")
        );
        assert_eq!(resolve("a/b.html", "../c.html").as_deref(), Some("c.html"));
        assert_eq!(
            resolve("a/b.html", "/assets/x.css").as_deref(),
            Some("assets/x.css")
        );
        assert_eq!(
            resolve("index.html", "docs/").as_deref(),
            Some("docs/index.html")
        );
        assert_eq!(resolve("index.html", "../../etc/passwd"), None);
    }

    #[test]
    fn site_validation_reports_broken_links_and_external_requests() {
        let page = |body: &str| OK.replace("<p>a<br>b</p>", body);
        let files: BTreeMap<String, String> = [
            ("index.html".to_owned(), page("<a href=\"about.html#team\">x</a><a href=\"#main\">y</a>")),
            ("about.html".to_owned(), page("<a href=\"missing.html\">x</a><script src=\"https://cdn.example/x.js\"></script>")),
            ("a.svg".to_owned(), String::new()),
        ]
        .into_iter()
        .collect();
        let v = validate_site(
            &files,
            &[
                "index.html".into(),
                "about.html".into(),
                "contact.html".into(),
            ],
            &[],
        );
        assert!(!v.ok);
        let all = v.errors.join("\n");
        assert!(all.contains("id that about.html does not have"), "{all}");
        assert!(all.contains("missing.html"), "{all}");
        assert!(all.contains("another origin"), "{all}");
        assert!(all.contains("contact.html was not generated"), "{all}");
        assert_eq!(
            v.page_count,
            PageCount {
                expected: 3,
                actual: 2
            }
        );
    }
}
