//! Text preparation for keyword matching: folding (lowercase, `ä`→`ae`, `ß`→`ss`, accents
//! dropped), tokenization, and the per-token facts the matcher needs: which clause a token is
//! in, whether a negation cue governs it, whether it names the business's customers (after
//! "for"/"für") rather than the business itself, and whether it is in the head phrase (the first
//! noun phrase, which names what the business is). The word lists come from the `[grammar]`
//! table of `vocabulary.toml`.

use crate::vocabulary::Grammar;

/// Where a token came from; the audience field is weaker evidence than the vision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Vision,
    Audience,
}

/// One word of the input with what the matcher needs to know about it.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Folded form, e.g. `zahnarztpraxis`, `fuer`, `cafe`.
    pub norm: String,
    /// As written, e.g. `Zahnarztpraxis`, `für`, `Café`.
    pub surface: String,
    /// Byte range of `surface` in its source text.
    pub span: (usize, usize),
    /// Sentence-level clause (split at `. ; : ! ?`, brackets and dashes).
    pub clause: usize,
    /// Phrase segment: a clause further split at commas; negation does not cross it.
    pub segment: usize,
    /// Offset in a virtual text where tokens are one space apart; spans for overlap tests.
    pub offset: usize,
    /// A negation cue ("no", "kein", "ohne"...) precedes it closely in the same segment.
    pub negated: bool,
    /// It follows a customer marker ("for", "für", "serving"...) in the same clause.
    pub customer: bool,
    /// It is in the head phrase of the first clause.
    pub head: bool,
    pub source: Source,
}

/// Lowercases and folds one string: German umlauts to their two-letter forms, `ß` to `ss`,
/// other Latin accents to the bare letter. Everything else is lowercased as is.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        for lower in c.to_lowercase() {
            push_folded(&mut out, lower);
        }
    }
    out
}

fn push_folded(out: &mut String, c: char) {
    let replacement = match c {
        'ä' | 'æ' => "ae",
        'ö' | 'œ' => "oe",
        'ü' => "ue",
        'ß' => "ss",
        'à' | 'á' | 'â' | 'ã' | 'å' => "a",
        'ç' => "c",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ø' => "o",
        'ù' | 'ú' | 'û' => "u",
        'ý' | 'ÿ' => "y",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(replacement);
}

/// How a run of non-word characters separates two words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Break {
    None,
    Segment,
    Clause,
}

fn break_of(c: char) -> Break {
    match c {
        '.' | ';' | ':' | '!' | '?' | '\n' | '(' | ')' | '[' | ']' | '–' | '—' | '|' => {
            Break::Clause
        }
        ',' | '/' | '"' | '“' | '”' | '„' => Break::Segment,
        _ => Break::None,
    }
}

/// The words of a vocabulary phrase, split like input text: runs of letters and digits, and
/// `%` as a word of its own ("10 % of" is `10`, `%`, `of`).
pub(crate) fn phrase_words(folded: &str) -> Vec<String> {
    split_words(folded).into_iter().map(|w| w.text).collect()
}

struct Word {
    text: String,
    brk: Break,
    span: (usize, usize),
}

/// Splits `text` into words (runs of letters and digits, and `%` alone), remembering the
/// strongest break before each word and its byte range.
fn split_words(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut pending = Break::None;
    let mut previous_was_space = false;
    for (at, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if current.is_empty() {
                start = at;
            }
            current.push(c);
            previous_was_space = false;
            continue;
        }
        if !current.is_empty() {
            words.push(Word {
                text: std::mem::take(&mut current),
                brk: pending,
                span: (start, at),
            });
            pending = Break::None;
        }
        if c == '%' {
            words.push(Word {
                text: "%".to_owned(),
                brk: pending,
                span: (at, at + 1),
            });
            pending = Break::None;
            previous_was_space = false;
            continue;
        }
        // A hyphen between spaces is a dash ("clinic - no shop"); inside a word it joins parts.
        let this_break = if c == '-' && previous_was_space {
            Break::Clause
        } else {
            break_of(c)
        };
        pending = pending.max(this_break);
        previous_was_space = c.is_whitespace();
    }
    if !current.is_empty() {
        words.push(Word {
            text: current,
            brk: pending,
            span: (start, text.len()),
        });
    }
    words
}

/// Tokenizes the vision and the audience and annotates every token with negation, customer
/// and head facts. `offset` numbering continues across both sources.
pub(crate) fn tokenize(vision: &str, audience: Option<&str>, grammar: &Grammar) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut offset = 0;
    let mut clause = 0;
    let mut segment = 0;
    let sources = [(vision, Source::Vision)]
        .into_iter()
        .chain(audience.map(|a| (a, Source::Audience)));
    for (text, source) in sources {
        if !tokens.is_empty() {
            clause += 1;
            segment += 1;
        }
        let first_clause = clause;
        let mut annotator = Annotator::new(grammar, source == Source::Vision);
        for (
            index,
            Word {
                text: surface,
                brk,
                span,
            },
        ) in split_words(text).into_iter().enumerate()
        {
            if index > 0 {
                match brk {
                    Break::Clause => {
                        clause += 1;
                        segment += 1;
                    }
                    Break::Segment => segment += 1,
                    Break::None => {}
                }
            }
            let norm = fold(&surface);
            let facts = annotator.next(&norm, brk, index == 0, clause == first_clause);
            let len = norm.chars().count();
            tokens.push(Token {
                norm,
                surface,
                span,
                clause,
                segment,
                offset,
                negated: facts.negated,
                customer: facts.customer,
                head: facts.head,
                source,
            });
            offset += len + 1;
        }
    }
    mark_customer_exceptions(&mut tokens, grammar);
    tokens
}

/// A customer marker followed by an exception ("for sale", "for example") is not a marker: the
/// words after it are not customers. Undo the flag for the rest of that clause.
fn mark_customer_exceptions(tokens: &mut [Token], grammar: &Grammar) {
    for i in 0..tokens.len().saturating_sub(1) {
        let is_marker = grammar.customer_markers.contains(&tokens[i].norm)
            || grammar
                .customer_markers_after_offer
                .contains(&tokens[i].norm);
        let next = &tokens[i + 1];
        if is_marker
            && next.clause == tokens[i].clause
            && grammar.customer_marker_exceptions.contains(&next.norm)
        {
            let clause = tokens[i].clause;
            let was_customer = tokens[i].customer;
            for token in tokens[i + 1..]
                .iter_mut()
                .take_while(|t| t.clause == clause)
            {
                if grammar.customer_scope_end.contains(&token.norm) {
                    break;
                }
                token.customer = was_customer;
            }
        }
    }
}

struct Facts {
    negated: bool,
    customer: bool,
    head: bool,
}

/// Walks the words of one source left to right and tracks the negation window, the customer
/// scope and the head phrase.
#[allow(
    clippy::struct_excessive_bools,
    reason = "each flag is one piece of left-to-right parsing state"
)]
struct Annotator<'g> {
    grammar: &'g Grammar,
    /// Words since the last negation cue in this segment, if one is still in reach.
    since_cue: Option<usize>,
    customer: bool,
    head: bool,
    /// An offering verb ("sell", "offering") was seen in this clause.
    offered: bool,
    /// The previous word was a conjunction ("and").
    after_conjunction: bool,
}

impl<'g> Annotator<'g> {
    fn new(grammar: &'g Grammar, head_possible: bool) -> Self {
        Self {
            grammar,
            since_cue: None,
            customer: false,
            head: head_possible,
            offered: false,
            after_conjunction: false,
        }
    }

    fn next(&mut self, norm: &str, brk: Break, first: bool, in_first_clause: bool) -> Facts {
        let g = self.grammar;
        if !first {
            if brk >= Break::Segment {
                self.since_cue = None;
                // Commas end the head phrase ("Craft brewery producing beers, selling ...").
                self.head = false;
            }
            if brk == Break::Clause {
                self.customer = false;
                self.offered = false;
            }
        }
        if !in_first_clause {
            self.head = false;
        }
        if g.head_end.iter().any(|w| w == norm) {
            self.head = false;
        }
        if g.negation_breakers.iter().any(|w| w == norm) {
            self.since_cue = None;
        }
        if g.customer_scope_end.iter().any(|w| w == norm)
            || (self.after_conjunction
                && brk == Break::None
                && g.phrase_starters.iter().any(|w| w == norm))
        {
            self.customer = false;
        }
        self.after_conjunction = g.conjunctions.iter().any(|w| w == norm);

        let negated = self
            .since_cue
            .is_some_and(|n| n < g.negation_window && !g.negation_cues.iter().any(|c| c == norm));
        let facts = Facts {
            negated,
            customer: self.customer,
            head: self.head,
        };

        if g.negation_cues.iter().any(|c| c == norm) {
            self.since_cue = Some(0);
        } else if let Some(n) = self.since_cue.as_mut() {
            *n += 1;
        }
        let after_offer = self.offered && g.customer_markers_after_offer.iter().any(|m| m == norm);
        if after_offer || g.customer_markers.iter().any(|m| m == norm) {
            self.customer = true;
            self.head = false;
        }
        if g.offer_verbs.iter().any(|v| v == norm) {
            self.offered = true;
        }
        facts
    }
}

/// Counts German and English marker words (and umlauts) to decide the text's language.
/// Returns `(german, english)` evidence counts.
pub(crate) fn language_evidence(raw: &str, tokens: &[Token], grammar: &Grammar) -> (usize, usize) {
    let mut de = raw
        .chars()
        .filter(|c| matches!(c, 'ä' | 'ö' | 'ü' | 'Ä' | 'Ö' | 'Ü' | 'ß'))
        .count();
    let mut en = 0;
    for token in tokens.iter().filter(|t| t.source == Source::Vision) {
        if grammar.de_markers.contains(&token.norm) {
            de += 1;
        }
        if grammar.en_markers.contains(&token.norm) {
            en += 1;
        }
    }
    (de, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_umlauts_sharp_s_and_accents() {
        assert_eq!(
            fold("Größe Übersetzungsbüro Café"),
            "groesse uebersetzungsbuero cafe"
        );
    }

    #[test]
    fn hyphen_inside_a_word_splits_but_does_not_break_the_clause() {
        let words = split_words("Webdesign-Agentur - kein Shop");
        let breaks: Vec<Break> = words.iter().map(|w| w.brk).collect();
        assert_eq!(
            breaks,
            [Break::None, Break::None, Break::Clause, Break::None]
        );
    }

    #[test]
    fn percent_signs_are_words_and_spans_point_into_the_text() {
        let text = "take 10% of sales";
        let words = split_words(text);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["take", "10", "%", "of", "sales"]);
        assert!(words.iter().all(|w| text[w.span.0..w.span.1] == w.text));
    }
}
