//! Tokens a track request has used, and an estimate of what translating the rest of the
//! track would use, so the user of a paid provider can decide before asking for it whole.
//!
//! The rest's source text is counted from its length (about 4 characters a token); what
//! the prompts add around it (instructions, context lines, ids) and what the answers
//! cost are scaled from what the answered batches really used, or from priors until the
//! first batch answers. What every call costs whatever its size (the instructions) is
//! counted apart, per batch still planned: batches grow, so the first, small ones cost
//! more per line than the rest will.

use glossa_protocol::{TrackCost, Usage};

use super::Unit;

/// Input tokens per source token before any batch answered: instructions, context lines
/// and JSON ids around each line roughly double the text (batches of 20–40 lines).
const INPUT_PER_SOURCE_PRIOR: f64 = 2.0;
/// Output tokens per input token before any batch answered: the answer is the lines again,
/// translated, in the same JSON, without the instructions.
const OUTPUT_PER_INPUT_PRIOR: f64 = 0.8;

/// Tokens of a line's text, estimated from its length.
pub fn source_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

pub struct Meter {
    used: Usage,
    /// Source tokens of the units answered so far (what `used` paid for).
    answered_source: u64,
    /// Input tokens every call costs whatever its size (the instructions).
    per_call_input: u64,
    /// Calls answered, and batches planned and not answered yet.
    answered_batches: u64,
    rest_batches: u64,
    /// Per unit: still untranslated.
    rest: Vec<bool>,
    rest_source: u64,
}

impl Meter {
    /// A meter for a track whose `todo` units (those the cache did not have) are
    /// untranslated, planned as `batches` calls, each sending `instructions` (the system prompt).
    pub fn new(units: &[Unit], todo: &[usize], batches: usize, instructions: &str) -> Self {
        let mut rest = vec![false; units.len()];
        todo.iter().for_each(|&u| rest[u] = true);
        Meter {
            used: Usage::default(),
            answered_source: 0,
            per_call_input: source_tokens(instructions),
            answered_batches: 0,
            rest_batches: batches as u64,
            rest,
            rest_source: todo.iter().map(|&u| source_tokens(&units[u].text)).sum(),
        }
    }

    /// Every call also sends about `tokens` besides its lines and the instructions (the
    /// lines around its batch, their translations, the glossary).
    pub fn with_per_call(self, tokens: u64) -> Self {
        Meter { per_call_input: self.per_call_input + tokens, ..self }
    }

    /// A batch of `answered` units came back, having used `usage`.
    pub fn answered(&mut self, units: &[Unit], answered: &[usize], usage: Usage) {
        self.used.add_tokens(&usage);
        for &u in answered {
            if std::mem::take(&mut self.rest[u]) {
                let tokens = source_tokens(&units[u].text);
                self.answered_source += tokens;
                self.rest_source -= tokens;
            }
        }
        self.answered_batches += 1;
        self.rest_batches = self.rest_batches.saturating_sub(1);
    }

    /// Used so far, and the estimate for the units still untranslated.
    pub fn cost(&self) -> TrackCost {
        let observed = self.answered_source > 0 && self.used.input_tokens > 0;
        let rest_source = self.rest_source as f64;
        let (input, output) = if observed && rest_source > 0.0 {
            let answered = self.answered_source as f64;
            let instructions = (self.answered_batches * self.per_call_input) as f64;
            let input_per_source = (self.used.input_tokens as f64 - instructions).max(0.0) / answered;
            let output_per_source = self.used.output_tokens as f64 / answered;
            let rest_instructions = (self.rest_batches.max(1) * self.per_call_input) as f64;
            ((rest_instructions + rest_source * input_per_source).round(), (rest_source * output_per_source).round())
        } else if observed {
            (0.0, 0.0)
        } else {
            let input = (rest_source * INPUT_PER_SOURCE_PRIOR).round();
            (input, (input * OUTPUT_PER_INPUT_PRIOR).round())
        };
        TrackCost {
            used: self.used,
            rest: Usage { input_tokens: input as u64, output_tokens: output as u64, ..Usage::default() },
            rest_units: self.rest.iter().filter(|&&r| r).count() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(texts: &[&str]) -> Vec<Unit> {
        texts.iter().enumerate().map(|(i, t)| Unit::single(i, (*t).into(), i as f64, i as f64 + 1.0)).collect()
    }

    #[test]
    fn the_rest_is_estimated_from_its_length_and_the_observed_ratios() {
        // 40 characters: 10 source tokens each.
        let line = "forty characters of subtitle text here!!";
        let units = units(&[line; 4]);
        let mut meter = Meter::new(&units, &[0, 1, 2, 3], 2, "");
        let before = meter.cost();
        assert_eq!((before.used.input_tokens, before.rest_units), (0, 4));
        assert_eq!(before.rest.input_tokens, 80, "prior: twice the 40 source tokens");
        assert_eq!(before.rest.output_tokens, 64);

        // Two lines (20 source tokens) cost 60 in, 30 out: 3 in per source token, out = in / 2.
        meter.answered(&units, &[0, 1], Usage { input_tokens: 60, output_tokens: 30, ..Usage::default() });
        let after = meter.cost();
        assert_eq!((after.used.input_tokens, after.used.output_tokens), (60, 30));
        assert_eq!((after.rest.input_tokens, after.rest.output_tokens, after.rest_units), (60, 30, 2));

        // A line answered twice (a repair) is not subtracted twice.
        meter.answered(&units, &[1, 2, 3], Usage::default());
        assert_eq!(meter.cost().rest, Usage::default());
        assert_eq!(meter.cost().rest_units, 0);
    }

    #[test]
    fn the_instructions_are_counted_per_call_apart_from_the_lines() {
        // 40 characters: 10 source tokens each; every call sends 100 tokens of instructions,
        // and costs 2 in and 1 out per source token.
        let line = "forty characters of subtitle text here!!";
        let units = units(&[line; 16]);
        let mut meter = Meter::new(&units, &(0..16).collect::<Vec<_>>(), 4, &"x".repeat(400));
        let usage = |lines: u64| Usage { input_tokens: 100 + 20 * lines, output_tokens: 10 * lines, ..Usage::default() };
        meter.answered(&units, &[0], usage(1));
        meter.answered(&units, &[1, 2, 3], usage(3));
        // Two batches of 6 lines left: 2 × 100 + 120 source tokens × 2 in, × 1 out.
        assert_eq!((meter.cost().rest.input_tokens, meter.cost().rest.output_tokens), (440, 120));
    }

    #[test]
    fn cached_units_are_not_part_of_the_rest() {
        let units = units(&["abcd", "abcdefgh"]);
        let meter = Meter::new(&units, &[1], 1, "");
        assert_eq!((meter.cost().rest_units, meter.cost().rest.input_tokens), (1, 4));
    }
}
