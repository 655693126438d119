//! Tokens a track request has used, and an estimate of what translating the rest of the
//! track would use, so the user of a paid provider can decide before asking for it whole.
//!
//! The rest's source text is counted from its length (about 4 characters a token); what
//! the prompts add around it (instructions, context lines, ids) and what the answers
//! cost are scaled from what the answered batches really used, or from priors until the
//! first batch answers.

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
    /// Per unit: still untranslated.
    rest: Vec<bool>,
    rest_source: u64,
}

impl Meter {
    /// A meter for a track whose `todo` units (those the cache did not have) are untranslated.
    pub fn new(units: &[Unit], todo: &[usize]) -> Self {
        let mut rest = vec![false; units.len()];
        todo.iter().for_each(|&u| rest[u] = true);
        Meter { used: Usage::default(), answered_source: 0, rest, rest_source: todo.iter().map(|&u| source_tokens(&units[u].text)).sum() }
    }

    /// A batch of `answered` units came back, having used `usage`.
    pub fn answered(&mut self, units: &[Unit], answered: &[usize], usage: Usage) {
        self.used.input_tokens += usage.input_tokens;
        self.used.output_tokens += usage.output_tokens;
        for &u in answered {
            if std::mem::take(&mut self.rest[u]) {
                let tokens = source_tokens(&units[u].text);
                self.answered_source += tokens;
                self.rest_source -= tokens;
            }
        }
    }

    /// Used so far, and the estimate for the units still untranslated.
    pub fn cost(&self) -> TrackCost {
        let observed = self.answered_source > 0 && self.used.input_tokens > 0;
        let (input_per_source, output_per_input) = if observed {
            let input = self.used.input_tokens as f64;
            (input / self.answered_source as f64, self.used.output_tokens as f64 / input)
        } else {
            (INPUT_PER_SOURCE_PRIOR, OUTPUT_PER_INPUT_PRIOR)
        };
        let input = (self.rest_source as f64 * input_per_source).round();
        TrackCost {
            used: self.used,
            rest: Usage { input_tokens: input as u64, output_tokens: (input * output_per_input).round() as u64, ..Usage::default() },
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
        let mut meter = Meter::new(&units, &[0, 1, 2, 3]);
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
    fn cached_units_are_not_part_of_the_rest() {
        let units = units(&["abcd", "abcdefgh"]);
        let meter = Meter::new(&units, &[1]);
        assert_eq!((meter.cost().rest_units, meter.cost().rest.input_tokens), (1, 4));
    }
}
