//! Colours and the stylesheet. A site gets one of a few accent palettes (chosen from its name,
//! so it is stable between runs), each defined for light and dark mode; the unit tests check
//! every text/background pair of every palette against WCAG AA (4.5:1 for text, 3:1 for the
//! focus ring). The CSS is framework-free: system fonts, CSS variables, a fluid grid.

/// One colour scheme (light or dark).
#[derive(Debug, Clone, Copy)]
pub struct Scheme {
    pub bg: &'static str,
    pub surface: &'static str,
    pub text: &'static str,
    pub muted: &'static str,
    pub border: &'static str,
    /// Links, primary buttons.
    pub accent: &'static str,
    /// Text on an accent background.
    pub on_accent: &'static str,
    /// Hero background.
    pub hero: &'static str,
    pub focus: &'static str,
    pub mark_bg: &'static str,
    pub mark_text: &'static str,
    pub error: &'static str,
}

/// A palette: light and dark scheme.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub name: &'static str,
    pub light: Scheme,
    pub dark: Scheme,
}

const fn light(accent: &'static str, hero: &'static str) -> Scheme {
    Scheme {
        bg: "#ffffff",
        surface: "#f4f5f7",
        text: "#1b1f24",
        muted: "#4b5563",
        border: "#8a94a3",
        accent,
        on_accent: "#ffffff",
        hero,
        focus: accent,
        mark_bg: "#fff1a8",
        mark_text: "#1b1f24",
        error: "#b42318",
    }
}

const fn dark(accent: &'static str, hero: &'static str) -> Scheme {
    Scheme {
        bg: "#121417",
        surface: "#1c1f24",
        text: "#eceff3",
        muted: "#b3bac5",
        border: "#6b7482",
        accent,
        on_accent: "#0e1013",
        hero,
        focus: accent,
        mark_bg: "#5a4a00",
        mark_text: "#fff7cc",
        error: "#ff8a80",
    }
}

pub const PALETTES: &[Palette] = &[
    Palette {
        name: "blue",
        light: light("#1d4ed8", "#e8effd"),
        dark: dark("#8fb3ff", "#18223a"),
    },
    Palette {
        name: "teal",
        light: light("#0f6b63", "#e3f4f1"),
        dark: dark("#5fd4c4", "#10302c"),
    },
    Palette {
        name: "green",
        light: light("#166534", "#e6f4ea"),
        dark: dark("#7fd99a", "#13301d"),
    },
    Palette {
        name: "violet",
        light: light("#6d28d9", "#f0e9fd"),
        dark: dark("#c4a8ff", "#281d3f"),
    },
    Palette {
        name: "rose",
        light: light("#be123c", "#fdeaee"),
        dark: dark("#ff9fb2", "#3a1820"),
    },
    Palette {
        name: "amber",
        light: light("#9a3f06", "#fbefe2"),
        dark: dark("#f9b872", "#35240f"),
    },
];

fn vars(s: &Scheme) -> String {
    format!(
        "--bg:{};--surface:{};--text:{};--muted:{};--border:{};--accent:{};--on-accent:{};--hero:{};--focus:{};--mark-bg:{};--mark-text:{};--error:{};",
        s.bg,
        s.surface,
        s.text,
        s.muted,
        s.border,
        s.accent,
        s.on_accent,
        s.hero,
        s.focus,
        s.mark_bg,
        s.mark_text,
        s.error
    )
}

/// The whole stylesheet for palette `index`.
pub fn css(index: usize) -> String {
    let p = PALETTES.get(index).unwrap_or(&PALETTES[0]);
    format!(
        "/* {name} palette; light and dark schemes follow the visitor's system setting. */\n\
         :root{{color-scheme:light dark;{light}}}\n\
         @media (prefers-color-scheme: dark){{:root{{{dark}}}}}\n{BASE_CSS}",
        name = p.name,
        light = vars(&p.light),
        dark = vars(&p.dark),
    )
}

const BASE_CSS: &str = r#"*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%;scroll-behavior:smooth}
@media (prefers-reduced-motion: reduce){html{scroll-behavior:auto}*{transition:none!important}}
body{margin:0;background:var(--bg);color:var(--text);font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif;font-size:1.0625rem;line-height:1.6;display:flex;flex-direction:column;min-height:100vh}
main{flex:1}
img,svg{max-width:100%;height:auto}
a{color:var(--accent);text-underline-offset:.15em}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--focus);outline-offset:3px;border-radius:2px}
h1,h2,h3{line-height:1.2;margin:0 0 .6em;overflow-wrap:anywhere}
h1{font-size:clamp(2rem,1.4rem + 3vw,3.25rem);letter-spacing:-.01em}
h2{font-size:clamp(1.5rem,1.2rem + 1.2vw,2rem)}
h3{font-size:1.2rem}
p,ul,ol{margin:0 0 1em}
.wrap{width:100%;max-width:72rem;margin:0 auto;padding:0 clamp(1rem,4vw,2rem)}
.skip-link{position:absolute;left:-9999px;top:.5rem;z-index:10;background:var(--accent);color:var(--on-accent);padding:.6rem 1rem;border-radius:.4rem;font-weight:600}
.skip-link:focus{left:.5rem}
.site-header{border-bottom:1px solid var(--border);background:var(--bg)}
.site-header .wrap{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1.5rem;padding-top:.75rem;padding-bottom:.75rem}
.brand{display:inline-flex;align-items:center;gap:.6rem;color:var(--text);text-decoration:none;font-weight:700;font-size:1.15rem}
.brand img{width:2.25rem;height:2.25rem;flex:none}
.site-nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
.site-nav a{display:inline-block;padding:.35rem .15rem;color:var(--text);text-decoration:none;border-bottom:2px solid transparent}
.site-nav a:hover{border-bottom-color:var(--border)}
.site-nav a[aria-current="page"]{border-bottom-color:var(--accent);font-weight:600}
.count{display:inline-block;min-width:1.5em;margin-left:.3em;padding:0 .4em;border-radius:1em;background:var(--accent);color:var(--on-accent);font-size:.85em;text-align:center;font-weight:600}
.hero{background:var(--hero);padding:clamp(3rem,8vw,6rem) 0}
.page-head{background:var(--hero);padding:clamp(1.75rem,4vw,2.75rem) 0}
.page-head h1{margin-bottom:.3em}
.page-head .lead:last-child{margin-bottom:0}
.lead{font-size:clamp(1.15rem,1rem + .6vw,1.4rem);color:var(--muted);max-width:42rem}
.hero .lead,.page-head .lead{color:var(--text)}
.intro{max-width:42rem;margin-top:-.25rem}
[hidden]{display:none!important}
.section{padding:clamp(2rem,6vw,4rem) 0}
.section.alt{background:var(--surface)}
.compact .section{padding:.5rem 0}
.compact .page-head + .section{padding-top:2.5rem}
.compact .section:last-child{padding-bottom:3.5rem}
.compact h2{font-size:1.35rem;margin-top:.75rem}
.section > .wrap > p,.section > .wrap > ul:not(.cards),.section > .wrap > .lines{max-width:46rem}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:1.5rem 0 0}
.button{display:inline-block;padding:.7rem 1.2rem;border-radius:.5rem;border:2px solid var(--accent);font-weight:600;text-decoration:none;font:inherit;font-weight:600;cursor:pointer;line-height:1.3}
.button.primary{background:var(--accent);color:var(--on-accent)}
.button.secondary{background:transparent;color:var(--accent)}
.button:hover{filter:brightness(1.08)}
.button[disabled]{opacity:.6;cursor:not-allowed}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,16rem),1fr));gap:1.25rem;list-style:none;padding:0;margin:0 0 1.25rem}
.card h2,.card h3{font-size:1.25rem}
.card{background:var(--bg);border:1px solid var(--border);border-radius:.75rem;padding:1.25rem 1.25rem .5rem;display:flex;flex-direction:column}
.section.alt .card{background:var(--bg)}
.card p{color:var(--muted)}
.card .price{color:var(--text);font-weight:700;font-size:1.2rem;margin-top:auto}
.card .button{margin:0 0 1rem;align-self:flex-start}
.lines{margin:0 0 1em}
.lines p{margin:0}
mark.placeholder{background:var(--mark-bg);color:var(--mark-text);padding:0 .2em;border-radius:.2em}
.note{color:var(--muted);font-size:.95rem}
form{max-width:40rem}
.contact-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,20rem),1fr));gap:1rem 3rem;align-items:start}
.contact-grid h3{margin-top:0}
.field{display:flex;flex-direction:column;gap:.3rem;margin:0 0 1rem}
.field-row{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,12rem),1fr));gap:0 1rem}
label{font-weight:600}
input,textarea,select{font:inherit;color:var(--text);background:var(--bg);border:1px solid var(--border);border-radius:.4rem;padding:.6rem .7rem;width:100%}
textarea{min-height:8rem;resize:vertical}
input:focus-visible,textarea:focus-visible,select:focus-visible{outline:3px solid var(--focus);outline-offset:1px}
input[aria-invalid="true"],textarea[aria-invalid="true"]{border-color:var(--error);border-width:2px}
.status{margin:1rem 0;padding:.8rem 1rem;border-left:4px solid var(--accent);background:var(--surface)}
.status:empty{display:none}
.status.error{border-left-color:var(--error)}
table{width:100%;border-collapse:collapse;margin:0 0 1rem}
th,td{text-align:left;padding:.6rem .5rem;border-bottom:1px solid var(--border);vertical-align:middle}
td.num,th.num{text-align:right;white-space:nowrap}
td input[type="number"]{width:5rem}
.link-button{background:none;border:none;padding:.2rem;color:var(--accent);text-decoration:underline;font:inherit;cursor:pointer}
.total{font-size:1.25rem;font-weight:700;text-align:right}
.checkout{display:grid;gap:2rem;align-items:start}
@media (min-width:48rem){.checkout{grid-template-columns:3fr 2fr}.checkout .summary{order:2;position:sticky;top:1rem}}
.summary{background:var(--surface);border:1px solid var(--border);border-radius:.75rem;padding:1.25rem}
.site-footer{border-top:1px solid var(--border);background:var(--surface);padding:2rem 0;font-size:.95rem}
.site-footer .wrap{display:flex;flex-wrap:wrap;justify-content:space-between;gap:1rem}
.site-footer ul{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;list-style:none;margin:0;padding:0}
.site-footer p{margin:0}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}
@media (max-width:40rem){th.hide-sm,td.hide-sm{display:none}}
@media print{.site-header nav,.skip-link,.actions{display:none}}
"#;

/// The logo: initials on the accent colour, as an SVG file.
pub fn logo_svg(index: usize, initials: &str) -> String {
    let p = PALETTES.get(index).unwrap_or(&PALETTES[0]);
    let size = if initials.chars().count() > 1 { 26 } else { 32 };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 64\" width=\"64\" height=\"64\">\
<rect width=\"64\" height=\"64\" rx=\"14\" fill=\"{}\"/>\
<text x=\"32\" y=\"33\" text-anchor=\"middle\" dominant-baseline=\"central\" font-family=\"system-ui,-apple-system,Segoe UI,Roboto,Arial,sans-serif\" font-size=\"{size}\" font-weight=\"700\" fill=\"#ffffff\">{}</text></svg>\n",
        p.light.accent,
        crate::html::escape(initials)
    )
}

/// WCAG relative luminance of `#rrggbb`.
pub fn luminance(hex: &str) -> Option<f64> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let channel = |i: usize| -> Option<f64> {
        let v = f64::from(u8::from_str_radix(h.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

/// WCAG contrast ratio between two colours.
pub fn contrast(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_palette_meets_wcag_aa_in_light_and_dark() {
        let mut failures = Vec::new();
        for p in PALETTES {
            for (mode, s) in [("light", &p.light), ("dark", &p.dark)] {
                let text_pairs = [
                    ("text/bg", s.text, s.bg),
                    ("text/surface", s.text, s.surface),
                    ("text/hero", s.text, s.hero),
                    ("muted/bg", s.muted, s.bg),
                    ("muted/surface", s.muted, s.surface),
                    ("accent/bg", s.accent, s.bg),
                    ("accent/surface", s.accent, s.surface),
                    ("accent/hero", s.accent, s.hero),
                    ("on-accent/accent", s.on_accent, s.accent),
                    ("mark", s.mark_text, s.mark_bg),
                    ("error/bg", s.error, s.bg),
                ];
                for (what, fg, bg) in text_pairs {
                    let ratio = contrast(fg, bg).unwrap();
                    if ratio < 4.5 {
                        failures.push(format!("{} {mode} {what}: {ratio:.2}", p.name));
                    }
                }
                for (what, fg, bg) in [
                    ("focus/bg", s.focus, s.bg),
                    ("focus/hero", s.focus, s.hero),
                    ("border/bg", s.border, s.bg),
                ] {
                    let ratio = contrast(fg, bg).unwrap();
                    if ratio < 3.0 {
                        failures.push(format!("{} {mode} {what}: {ratio:.2}", p.name));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "contrast below WCAG AA: {failures:#?}");
    }

    #[test]
    fn contrast_matches_known_values() {
        assert!((contrast("#000000", "#ffffff").unwrap() - 21.0).abs() < 0.01);
        assert!((contrast("#777777", "#ffffff").unwrap() - 4.48).abs() < 0.01);
    }

    #[test]
    fn stylesheet_has_dark_mode_and_no_external_urls() {
        let css = css(0);
        assert!(css.contains("@media (prefers-color-scheme: dark)"));
        assert!(!css.contains("url("), "no external or embedded resources");
        assert!(!css.contains("@import"));
    }
}
