//! Reasoning models may wrap their thoughts in `<think>…</think>` before answering. The
//! user wants the answer only, and the tags can be split across streamed pieces, so this
//! filter is a small state machine fed one delta at a time.

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";

#[derive(Debug, Default)]
pub struct ThinkFilter {
    in_think: bool,
    /// Text held back because it may be the start of a tag.
    pending: String,
    /// Leading whitespace after a think block is dropped until real text comes.
    after_block: bool,
}

impl ThinkFilter {
    /// Feed a streamed piece; returns what can be shown now.
    pub fn push(&mut self, piece: &str) -> String {
        self.pending.push_str(piece);
        let mut out = String::new();
        loop {
            let tag = if self.in_think { CLOSE } else { OPEN };
            if let Some(pos) = self.pending.find(tag) {
                if !self.in_think {
                    self.emit(&mut out, pos);
                } else {
                    self.pending.drain(..pos);
                }
                self.pending.drain(..tag.len());
                self.in_think = !self.in_think;
                if !self.in_think {
                    self.after_block = true;
                }
                continue;
            }
            // Keep back a suffix that could begin the tag.
            let keep = (1..tag.len()).rev().find(|&n| self.pending.ends_with(&tag[..n])).unwrap_or(0);
            let cut = self.pending.len() - keep;
            if self.in_think {
                self.pending.drain(..cut);
            } else {
                self.emit(&mut out, cut);
            }
            return out;
        }
    }

    /// The stream ended: release anything held back (an unfinished think block is dropped).
    pub fn finish(&mut self) -> String {
        let rest = std::mem::take(&mut self.pending);
        if self.in_think {
            String::new()
        } else {
            rest
        }
    }

    fn emit(&mut self, out: &mut String, upto: usize) {
        let text: String = self.pending.drain(..upto).collect();
        let text = if self.after_block { text.trim_start().to_owned() } else { text };
        if !text.is_empty() {
            self.after_block = false;
        }
        out.push_str(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(pieces: &[&str]) -> String {
        let mut f = ThinkFilter::default();
        let mut s: String = pieces.iter().map(|p| f.push(p)).collect();
        s.push_str(&f.finish());
        s
    }

    #[test]
    fn strips_think_blocks_split_anywhere() {
        assert_eq!(run(&["<think>hmm</think>\n\nHello"]), "Hello");
        assert_eq!(run(&["<thi", "nk>a<", "/think", ">Bonjour"]), "Bonjour");
        assert_eq!(run(&["a < b and <t", "able>"]), "a < b and <table>");
        assert_eq!(run(&["no tags"]), "no tags");
        assert_eq!(run(&["<think>never closed"]), "");
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_answer(text in "[a-z<>/ ]{0,40}", cuts in prop::collection::vec(0usize..40, 0..6)) {
            let whole = format!("<think>x</think>{text}");
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c < whole.len()).collect();
            cuts.sort_unstable();
            cuts.dedup();
            let mut pieces = Vec::new();
            let mut last = 0;
            for c in cuts { pieces.push(&whole[last..c]); last = c; }
            pieces.push(&whole[last..]);
            prop_assert_eq!(run(&pieces), run(&[&whole]));
        }
    }
}
