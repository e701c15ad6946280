//! Accuracy of `resolve` on the labelled business descriptions in
//! `tests/data/intent/labelled.jsonl` (English and German). Each line labels only the fields
//! that are unambiguous for it. Lines marked `"split": "dev"` were used to tune the vocabulary;
//! `"split": "holdout"` lines were written before any rule and never tuned on, so their figures
//! estimate accuracy on descriptions the vocabulary has not seen.
//!
//! Run `cargo test -p abp-intent --test evaluation -- --nocapture` for the table. Dev mistakes
//! are always listed; holdout mistakes only with `ABP_INTENT_SHOW_HOLDOUT=1`, so that tuning
//! does not drift onto the holdout by accident.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use abp_intent::{BusinessIntentInput, ResolvedBusinessIntent, resolve};
use serde::Deserialize;

const FIELDS: [&str; 5] = [
    "business_type",
    "industry",
    "monetization_type",
    "website_template",
    "needs_erp",
];

/// Floors, per split, for the share of all labels that must be right (micro average over the
/// five fields). Measured when the floors were set (vocabulary version 1, 109 dev and 68
/// holdout lines): dev 322/322 = 1.000, holdout 209/213 = 0.981. The dev floor sits three points
/// under the tuned figure, so an edit that breaks tuned cases fails. The holdout floor sits five
/// points under the measured figure: the holdout is small (213 labels, one label is 0.5
/// points) and was written by the same person as the vocabulary, so the figure is optimistic and
/// noisy; five points lets ordinary vocabulary growth move it, while a broken matcher, negation
/// or "for" rule (each of which costs well over ten points on this set) cannot pass.
const FLOOR_DEV: f64 = 0.97;
const FLOOR_HOLDOUT: f64 = 0.93;
/// No single field may fall below this on either split.
const FLOOR_FIELD: f64 = 0.75;

#[derive(Deserialize)]
struct Line {
    id: String,
    split: String,
    lang: String,
    input: BusinessIntentInput,
    labels: BTreeMap<String, serde_json::Value>,
}

fn predicted(intent: &ResolvedBusinessIntent, field: &str) -> serde_json::Value {
    match field {
        "business_type" => serde_json::json!(intent.business_type),
        "industry" => serde_json::json!(intent.industry),
        "monetization_type" => serde_json::json!(intent.monetization_type),
        "website_template" => serde_json::json!(intent.website_template),
        "needs_erp" => serde_json::json!(intent.needs_erp),
        other => panic!("the evaluation does not know field {other}"),
    }
}

#[derive(Default)]
struct Score {
    right: usize,
    total: usize,
}

impl Score {
    fn share(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            #[allow(clippy::cast_precision_loss, reason = "counts are small")]
            let share = self.right as f64 / self.total as f64;
            share
        }
    }
}

#[test]
fn labelled_descriptions_resolve_above_the_accuracy_floors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/intent/labelled.jsonl"
    );
    let data = std::fs::read_to_string(path).expect("read tests/data/intent/labelled.jsonl");
    let show_holdout = std::env::var_os("ABP_INTENT_SHOW_HOLDOUT").is_some();
    // (split, field) -> score; (split, lang) -> score
    let mut by_field: BTreeMap<(String, &str), Score> = BTreeMap::new();
    let mut by_lang: BTreeMap<(String, String), Score> = BTreeMap::new();
    let mut lines_per_split: BTreeMap<String, usize> = BTreeMap::new();
    let mut mistakes = String::new();
    for (number, raw) in data
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line: Line =
            serde_json::from_str(raw).unwrap_or_else(|e| panic!("line {}: {e}", number + 1));
        assert!(
            line.split == "dev" || line.split == "holdout",
            "{}: split must be dev or holdout",
            line.id
        );
        *lines_per_split.entry(line.split.clone()).or_default() += 1;
        let intent = resolve(&line.input).unwrap_or_else(|e| panic!("{}: {e}", line.id));
        for (field, expected) in &line.labels {
            let field = FIELDS
                .iter()
                .find(|f| *f == field)
                .unwrap_or_else(|| panic!("{}: unknown label {field}", line.id));
            let got = predicted(&intent, field);
            let ok = got == *expected;
            for score in [
                by_field.entry((line.split.clone(), *field)).or_default(),
                by_lang
                    .entry((line.split.clone(), line.lang.clone()))
                    .or_default(),
            ] {
                score.total += 1;
                score.right += usize::from(ok);
            }
            if !ok && (line.split == "dev" || show_holdout) {
                let why = intent
                    .explanation(field)
                    .map(|e| e.rule.clone())
                    .unwrap_or_default();
                let _ = writeln!(
                    mistakes,
                    "  {} {field}: expected {expected}, got {got}  [{}]\n      {why}",
                    line.id, line.input.vision
                );
            }
        }
    }

    let mut table = String::from("\nfield               dev               holdout\n");
    let mut totals: BTreeMap<String, Score> = BTreeMap::new();
    let mut failures = Vec::new();
    for field in FIELDS {
        let _ = write!(table, "{field:<20}");
        for split in ["dev", "holdout"] {
            let score = by_field
                .remove(&(split.to_owned(), field))
                .unwrap_or_default();
            let _ = write!(
                table,
                "{:>3}/{:<3} {:>6.1}%     ",
                score.right,
                score.total,
                score.share() * 100.0
            );
            if score.share() < FLOOR_FIELD {
                failures.push(format!(
                    "{split} {field} {:.3} < {FLOOR_FIELD}",
                    score.share()
                ));
            }
            let total = totals.entry(split.to_owned()).or_default();
            total.right += score.right;
            total.total += score.total;
        }
        table.push('\n');
    }
    let _ = write!(table, "{:<20}", "all fields");
    for split in ["dev", "holdout"] {
        let score = &totals[split];
        let _ = write!(
            table,
            "{:>3}/{:<3} {:>6.1}%     ",
            score.right,
            score.total,
            score.share() * 100.0
        );
    }
    table.push('\n');
    for lang in ["en", "de"] {
        let _ = write!(table, "{:<20}", format!("  language {lang}"));
        for split in ["dev", "holdout"] {
            let score = by_lang
                .remove(&(split.to_owned(), lang.to_owned()))
                .unwrap_or_default();
            let _ = write!(
                table,
                "{:>3}/{:<3} {:>6.1}%     ",
                score.right,
                score.total,
                score.share() * 100.0
            );
        }
        table.push('\n');
    }
    let _ = writeln!(
        table,
        "lines: dev {}, holdout {}",
        lines_per_split.get("dev").unwrap_or(&0),
        lines_per_split.get("holdout").unwrap_or(&0)
    );
    println!("{table}");
    if !mistakes.is_empty() {
        println!("mistakes:\n{mistakes}");
    }

    for (split, floor) in [("dev", FLOOR_DEV), ("holdout", FLOOR_HOLDOUT)] {
        let share = totals[split].share();
        if share < floor {
            failures.push(format!("{split} overall {share:.3} < {floor}"));
        }
    }
    let lines: usize = lines_per_split.values().sum();
    assert!(
        lines >= 150,
        "the labelled set needs at least 150 lines, has {lines}"
    );
    assert!(
        failures.is_empty(),
        "accuracy below the floor: {failures:?}\n{table}"
    );
}
