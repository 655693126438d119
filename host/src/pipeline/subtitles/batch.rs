//! Grouping a track's units into batches for the model: about 20–40 lines or ~1500
//! characters each, cut on sentence boundaries so no sentence is split between two calls,
//! and each sent with the last lines before it as context.

use super::Unit;

/// How big batches are. Defaults suit chat models with a few thousand tokens of context;
/// a caller (or a provider with other limits) can pass its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchSizes {
    /// Cut at the first sentence end once a batch has this many lines…
    pub min_units: usize,
    /// …or this many characters.
    pub target_chars: usize,
    /// Never more lines than this, sentence end or not.
    pub max_units: usize,
    /// Never more characters than this.
    pub max_chars: usize,
    /// Cut at the first sentence end (anywhere, in text without any) past this many
    /// seconds of video once the batch shows `min_units` cues (not lines, which may be
    /// sentences of several cues): a
    /// viewer who leaves mid-batch has paid for the rest of it, so sparse lines (sentences
    /// merged from auto-generated cues) make shorter batches, while each call still covers
    /// enough of what the viewer sees to spread its fixed cost.
    pub max_secs: f64,
    /// The batch under the playhead is first cut to about this many lines, so the lines
    /// on screen now come back after one short call instead of one long one.
    pub head_units: usize,
    /// …or about this many seconds of video, whichever comes first.
    pub head_secs: f64,
    /// Lines before a batch sent along as context (not translated).
    pub context_units: usize,
    /// From where playback starts, batches grow: the first is cut after about this many
    /// lines, each next one after twice as many as the one before, up to the sizes above.
    /// The first lines come back after a short call, and little is paid far ahead early
    /// on; the few extra calls are spread over a whole track of large batches.
    pub first_units: usize,
}

impl Default for BatchSizes {
    fn default() -> Self {
        BatchSizes {
            min_units: 20,
            target_chars: 1500,
            max_units: 40,
            max_chars: 2400,
            max_secs: 45.0,
            head_units: 6,
            head_secs: 15.0,
            context_units: 3,
            first_units: 4,
        }
    }
}

impl BatchSizes {
    /// These sizes, shrunk so that a batch's prompt and answer fit in `context_tokens`
    /// (a provider's small context, e.g. a local model's 4096). A batch costs about 400
    /// tokens of instructions and context lines, ~35 tokens of ids and JSON per line, and
    /// ~2.3 tokens per character (the line in the prompt, its translation in the answer).
    pub fn fitted(self, context_tokens: Option<u32>) -> BatchSizes {
        let Some(context) = context_tokens else { return self };
        let room = (f64::from(context) * 0.9 - 400.0).max(150.0);
        let max_units = ((room / 140.0) as usize).clamp(2, self.max_units);
        let max_chars = ((room / 3.0) as usize).clamp(80, self.max_chars);
        BatchSizes {
            max_units,
            max_chars,
            min_units: self.min_units.min(max_units * 2 / 3).max(1),
            target_chars: self.target_chars.min(max_chars * 2 / 3),
            head_units: self.head_units.min(max_units),
            first_units: self.first_units.min(max_units),
            ..self
        }
    }
}

/// Some units of a track, translated in one call. `units` are ascending indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub units: Vec<usize>,
    pub start: f64,
    pub end: f64,
}

impl Batch {
    pub fn new(units: Vec<usize>, all: &[Unit]) -> Batch {
        let start = units.iter().map(|&u| all[u].start).fold(f64::INFINITY, f64::min);
        let end = units.iter().map(|&u| all[u].end).fold(f64::NEG_INFINITY, f64::max);
        Batch { units, start, end }
    }

    pub fn contains_time(&self, t: f64) -> bool {
        self.start <= t && t < self.end
    }
}

/// Does this line end a sentence (or a sound description like `[Music]`)?
pub fn ends_sentence(text: &str) -> bool {
    let t = text.trim_end().trim_end_matches(['"', '\'', '”', '’', ')', '»', '」', '』']);
    t.ends_with(['.', '!', '?', '…', '。', '！', '？', '♪', ']', ';'])
}

/// Cut `todo` (ascending unit indices) into batches. Runs of consecutive indices are
/// batched separately: a gap means the lines between are already translated.
pub fn plan(units: &[Unit], todo: &[usize], sizes: &BatchSizes) -> Vec<Batch> {
    plan_from(units, todo, sizes, f64::INFINITY)
}

/// [`plan`], with batches growing from the playhead at `from` (see
/// [`BatchSizes::first_units`]); batches before it have the full sizes.
pub fn plan_from(units: &[Unit], todo: &[usize], sizes: &BatchSizes, from: f64) -> Vec<Batch> {
    let mut batches = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut chars = 0;
    let mut cues = 0;
    // Line limits of the batch being filled: (enough at a sentence end, full).
    let mut grown = 0u32;
    let limits = |grown: u32| {
        let cap = sizes.first_units.max(1).saturating_mul(1usize.checked_shl(grown).unwrap_or(usize::MAX));
        (sizes.min_units.min(cap), sizes.max_units.min(cap.saturating_mul(2)))
    };
    let push = |batch: Vec<usize>, batches: &mut Vec<Batch>, grown: &mut u32| {
        let batch = Batch::new(batch, units);
        if batch.end > from {
            *grown += 1;
        }
        batches.push(batch);
    };
    for &u in todo {
        if current.last().is_some_and(|&last| last + 1 != u) {
            push(std::mem::take(&mut current), &mut batches, &mut grown);
            (chars, cues) = (0, 0);
        }
        current.push(u);
        chars += units[u].text.chars().count();
        cues += units[u].parts.len();
        let growing = units[current[0]].end > from || units[u].end > from;
        let (min_units, max_units) = if growing { limits(grown) } else { (sizes.min_units, sizes.max_units) };
        let span = units[u].end - units[current[0]].start;
        // Long enough in time: cut at a sentence end, or anywhere in unpunctuated text
        // (auto-generated captions), where no sentence end will come.
        let long = span >= sizes.max_secs && cues >= sizes.min_units;
        let unpunctuated = !current.iter().any(|&v| ends_sentence(&units[v].text));
        let full = current.len() >= max_units || chars >= sizes.max_chars || (long && unpunctuated);
        let enough = current.len() >= min_units || chars >= sizes.target_chars || long;
        if full || (enough && ends_sentence(&units[u].text)) {
            push(std::mem::take(&mut current), &mut batches, &mut grown);
            (chars, cues) = (0, 0);
        }
    }
    if !current.is_empty() {
        push(current, &mut batches, &mut grown);
    }
    batches
}

/// Split a batch the playhead is in: the lines before the playhead, a short head from the
/// playhead to a sentence end (at most twice `head_units`), and the rest. Returns the
/// pieces in that order; the head is the one to translate first.
pub fn split_at_playhead(batch: &Batch, units: &[Unit], playhead: f64, sizes: &BatchSizes) -> (Option<Batch>, Batch, Option<Batch>) {
    let at = batch.units.iter().position(|&u| units[u].end > playhead).unwrap_or(0);
    let mut head_end = at;
    while head_end < batch.units.len() {
        head_end += 1;
        let n = head_end - at;
        let last = &units[batch.units[head_end - 1]];
        let span = last.end - units[batch.units[at]].start.max(playhead);
        if n >= sizes.head_units * 2 || span >= sizes.head_secs || (n >= sizes.head_units && ends_sentence(&last.text)) {
            break;
        }
    }
    let piece = |r: std::ops::Range<usize>| (!r.is_empty()).then(|| Batch::new(batch.units[r].to_vec(), units));
    let head = piece(at..head_end).unwrap_or_else(|| batch.clone());
    (piece(0..at), head, piece(head_end..batch.units.len()))
}

/// The text of up to `n` units before `first`, oldest first.
pub fn context(units: &[Unit], first: usize, n: usize) -> Vec<&str> {
    units[first.saturating_sub(n)..first].iter().map(|u| u.text.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(texts: &[&str]) -> Vec<Unit> {
        texts.iter().enumerate().map(|(i, t)| Unit::single(i, t.to_string(), i as f64 * 3.0, i as f64 * 3.0 + 3.0)).collect()
    }

    #[test]
    fn batches_end_on_sentence_boundaries() {
        let sizes = BatchSizes {
            min_units: 3,
            target_chars: 1000,
            max_units: 6,
            max_chars: 1000,
            max_secs: 60.0,
            head_units: 2,
            head_secs: 15.0,
            context_units: 2,
            first_units: 1,
        };
        let u = units(&["One two", "three.", "Four", "five", "six", "seven.", "eight", "nine."]);
        let all: Vec<usize> = (0..u.len()).collect();
        let b = plan(&u, &all, &sizes);
        assert_eq!(b.iter().map(|b| b.units.clone()).collect::<Vec<_>>(), vec![vec![0, 1, 2, 3, 4, 5], vec![6, 7]]);
        // No sentence end in sight: the hard limit cuts.
        let u = units(&["a"; 14]);
        let b = plan(&u, &(0..14).collect::<Vec<_>>(), &sizes);
        assert_eq!(b.iter().map(|b| b.units.len()).collect::<Vec<_>>(), vec![6, 6, 2]);
        assert_eq!((b[1].start, b[1].end), (18.0, 36.0));
        // Sparse lines: a batch ends at the first sentence end past `max_secs` of video once
        // it shows `min_units` cues, here two per line…
        let two_cues_each = |texts: &[&str]| {
            let mut u = units(texts);
            u.iter_mut().for_each(|u| u.parts.push(u.parts[0].clone()));
            u
        };
        let u = two_cues_each(&["a", "b.", "c.", "d", "e.", "f"]);
        let sizes = BatchSizes { max_secs: 5.0, min_units: 4, target_chars: 1000, max_units: 8, ..sizes };
        let lens = |b: Vec<Batch>| b.iter().map(|b| b.units.len()).collect::<Vec<_>>();
        assert_eq!(lens(plan(&u, &(0..6).collect::<Vec<_>>(), &sizes)), vec![2, 3, 1]);
        // …or anywhere in text without sentence ends (auto-generated captions).
        let u = two_cues_each(&["a"; 7]);
        assert_eq!(lens(plan(&u, &(0..7).collect::<Vec<_>>(), &sizes)), vec![2, 2, 2, 1]);
    }

    #[test]
    fn batches_shrink_to_fit_a_small_context() {
        let default = BatchSizes::default();
        assert_eq!(default.fitted(None), default);
        assert_eq!(default.fitted(Some(200_000)), default);
        for context in [1024u32, 2048, 4096, 8192] {
            let s = default.fitted(Some(context));
            assert!(s.min_units <= s.max_units && s.target_chars <= s.max_chars && s.head_units <= s.max_units);
            // Fitting again to the same context (the provider's, then its model's) changes nothing.
            assert_eq!(s.fitted(Some(context)), s);
            // The worst batch: prompt and answer budget within the context.
            let lines: Vec<(String, String)> = (0..s.max_units).map(|i| (i.to_string(), "x".repeat(s.max_chars / s.max_units))).collect();
            let refs: Vec<(String, &str)> = lines.iter().map(|(id, t)| (id.clone(), t.as_str())).collect();
            use crate::pipeline::subtitles::prompt::Surroundings;
            let around = Surroundings {
                before: ["context line one", "two", "three"].map(|l| (l.to_owned(), Some(format!("translated {l}")))).to_vec(),
                after: ["after one", "two", "three"].map(str::to_owned).to_vec(),
                glossary: Vec::new(),
                picture: None,
            };
            let prompt = crate::pipeline::subtitles::prompt::user_prompt(&around, &refs, false);
            let system = crate::pipeline::subtitles::prompt::system_prompt("ja", Some("en"), true);
            let prompt_tokens = (prompt.len() + system.len()) as u32 / 3;
            let total = prompt_tokens + crate::pipeline::subtitles::prompt::max_tokens(&refs);
            assert!(total <= context, "context {context}: {s:?} needs {total}");
        }
    }

    #[test]
    fn batches_grow_from_the_playhead() {
        let sizes = BatchSizes { min_units: 10, max_units: 12, first_units: 2, ..BatchSizes::default() };
        // Every line ends a sentence: each batch is cut as soon as it has enough lines.
        let u = units(&["a."; 40]);
        let all: Vec<usize> = (0..40).collect();
        let lens = |b: Vec<Batch>| b.iter().map(|b| b.units.len()).collect::<Vec<_>>();
        assert_eq!(lens(plan_from(&u, &all, &sizes, 0.0)), vec![2, 4, 8, 10, 10, 6]);
        // From the middle: full batches behind the playhead; the one reaching it is cut at the
        // first sentence end past it, and they grow from there.
        assert_eq!(lens(plan_from(&u, &all, &sizes, 45.0)), vec![10, 6, 4, 8, 10, 2]);
        // No sentence end: a growing batch is cut at twice its size.
        let u = units(&["a"; 20]);
        assert_eq!(lens(plan_from(&u, &(0..20).collect::<Vec<_>>(), &sizes, 0.0)), vec![4, 8, 8]);
        assert_eq!(lens(plan(&u, &(0..20).collect::<Vec<_>>(), &sizes)), vec![12, 8]);
    }

    #[test]
    fn gaps_of_cached_lines_cut_batches() {
        let u = units(&["a.", "b.", "c.", "d."]);
        let b = plan(&u, &[0, 1, 3], &BatchSizes::default());
        assert_eq!(b.iter().map(|b| b.units.clone()).collect::<Vec<_>>(), vec![vec![0, 1], vec![3]]);
    }

    #[test]
    fn playhead_split_puts_a_short_head_first() {
        let sizes = BatchSizes { head_units: 2, ..BatchSizes::default() };
        let u = units(&["a", "b", "c", "d.", "e", "f", "g", "h", "i"]);
        let batch = Batch::new((0..9).collect(), &u);
        let (before, head, rest) = split_at_playhead(&batch, &u, 4.0, &sizes);
        assert_eq!(before.unwrap().units, vec![0]);
        assert_eq!(head.units, vec![1, 2, 3]);
        assert_eq!(rest.unwrap().units, vec![4, 5, 6, 7, 8]);
        let (before, head, _) = split_at_playhead(&batch, &u, 0.0, &sizes);
        assert!(before.is_none());
        assert_eq!(head.units, vec![0, 1, 2, 3]);
    }

    #[test]
    fn sentence_ends_in_several_scripts() {
        for t in ["Done.", "Really?\"", "やった！", "[Music]", "so…", "(laughs.)"] {
            assert!(ends_sentence(t), "{t}");
        }
        for t in ["and then", "Mr", "1,"] {
            assert!(!ends_sentence(t), "{t}");
        }
    }
}
