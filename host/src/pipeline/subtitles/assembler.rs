//! From translated units back to cues: each cue shows whole translated units (a cue's
//! line, or the sentences of a rolling ASR track: see [`rolling::shown_units`]) and is
//! handed over once every unit it shows has been translated (or given up on); and the
//! [`Delivery`] of finished cues to the caller, counted for the summary.

use std::time::Instant;

use glossa_protocol::{Cue, TrackCost, TranslatedCue};

use super::cache::CacheKey;
use super::plan::Plan;
use super::{rolling, TrackSink, Unit};

pub struct Assembler<'c> {
    cues: &'c [Cue],
    /// The units each cue shows.
    shows: Vec<Vec<usize>>,
    /// The cues that show each unit.
    shown_on: Vec<Vec<usize>>,
    /// Each unit's text once done, and whether it is untranslated (its original).
    done: Vec<Option<(String, bool)>>,
    /// Units still to come, per cue.
    pending: Vec<usize>,
}

impl<'c> Assembler<'c> {
    pub fn new(cues: &'c [Cue], units: &[Unit]) -> Self {
        let shows = rolling::shown_units(cues, units);
        let mut shown_on = vec![Vec::new(); units.len()];
        for (c, us) in shows.iter().enumerate() {
            for &u in us {
                shown_on[u].push(c);
            }
        }
        let pending = shows.iter().map(Vec::len).collect();
        Assembler { cues, shows, shown_on, done: vec![None; units.len()], pending }
    }

    /// What is ready before any model call: cues with nothing to translate, and those
    /// whose units all came from the cache.
    pub fn from_cache(&mut self, plan: &Plan) -> Vec<TranslatedCue> {
        let mut ready = self.empty_cues();
        for (u, text) in plan.hits() {
            ready.extend(self.resolve(u, &plan.units[u], Some(text)));
        }
        ready
    }

    /// A batch's answer (`texts` in the order of `units`): the cues it completes (of units
    /// not [`Self::taken`] before), and the new translations for the cache.
    pub fn answered(&mut self, plan: &Plan, units: &[usize], texts: &[Option<String>]) -> (Vec<TranslatedCue>, Vec<(CacheKey, String)>) {
        let mut fresh = Vec::new();
        let mut ready = Vec::new();
        for (&u, text) in units.iter().zip(texts) {
            if let Some(text) = text {
                fresh.push((plan.keys[u], text.clone()));
            }
            if self.done[u].is_none() {
                ready.extend(self.resolve(u, &plan.units[u], text.as_deref()));
            }
        }
        (ready, fresh)
    }

    /// Unit `u` was translated ahead of its batch's whole answer (taken as it streamed in):
    /// the cues it completes. A unit already done is not done again.
    pub fn taken(&mut self, plan: &Plan, u: usize, text: &str) -> Vec<TranslatedCue> {
        if self.done[u].is_some() {
            return Vec::new();
        }
        self.resolve(u, &plan.units[u], Some(text))
    }

    /// Cues that show nothing (blank ones).
    pub fn empty_cues(&self) -> Vec<TranslatedCue> {
        (0..self.cues.len())
            .filter(|&c| self.shows[c].is_empty())
            .map(|c| TranslatedCue {
                id: self.cues[c].id.clone(),
                text: String::new(),
                untranslated: false,
                reading: None,
                host_words: false,
            })
            .collect()
    }

    /// Unit `u` is done (`None`: it failed, it shows its original text); returns the
    /// cues that are now complete.
    pub fn resolve(&mut self, u: usize, unit: &Unit, translation: Option<&str>) -> Vec<TranslatedCue> {
        self.done[u] = Some(match translation {
            Some(t) => (t.trim().to_owned(), false),
            None => (unit.text.clone(), true),
        });
        let mut ready = Vec::new();
        for c in self.shown_on[u].clone() {
            self.pending[c] = self.pending[c].saturating_sub(1);
            if self.pending[c] == 0 {
                ready.push(self.finish(c));
            }
        }
        ready
    }

    fn finish(&self, c: usize) -> TranslatedCue {
        let done: Vec<&(String, bool)> = self.shows[c].iter().filter_map(|&u| self.done[u].as_ref()).collect();
        let untranslated = done.iter().any(|(_, bad)| *bad);
        let texts: Vec<&str> = done.iter().map(|(t, _)| t.as_str()).filter(|t| !t.is_empty()).collect();
        let joiner = if texts.iter().all(|t| rolling::is_unspaced_script(t)) { "" } else { " " };
        TranslatedCue { id: self.cues[c].id.clone(), text: texts.join(joiner), untranslated, reading: None, host_words: false }
    }
}

/// Finished cues on their way to the caller, counted as they go.
pub struct Delivery<'e> {
    sink: &'e mut dyn TrackSink,
    started: Instant,
    /// Milliseconds from `started` to the first cue handed over.
    pub first: Option<u64>,
    pub cues_sent: usize,
    pub untranslated: usize,
}

impl<'e> Delivery<'e> {
    pub fn new(sink: &'e mut dyn TrackSink, started: Instant) -> Self {
        Delivery { sink, started, first: None, cues_sent: 0, untranslated: 0 }
    }

    pub fn send(&mut self, cues: Vec<TranslatedCue>) {
        if cues.is_empty() {
            return;
        }
        self.first.get_or_insert_with(|| self.started.elapsed().as_millis() as u64);
        self.cues_sent += cues.len();
        self.untranslated += cues.iter().filter(|c| c.untranslated).count();
        self.sink.cues(cues);
    }

    pub fn cost(&mut self, cost: TrackCost) {
        self.sink.cost(cost);
    }

    pub fn lines(&mut self, lines: Vec<super::LineReport>) {
        if !lines.is_empty() {
            self.sink.lines(lines);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::subtitles::Part;

    fn cue(i: usize, text: &str) -> Cue {
        Cue { id: format!("c{i}"), start: i as f64, end: i as f64 + 1.0, text: text.into() }
    }

    fn unit(parts: &[(usize, &str)]) -> Unit {
        let text = parts.iter().map(|(_, t)| *t).collect::<Vec<_>>().join(" ");
        Unit { text, start: 0.0, end: 1.0, parts: parts.iter().map(|&(cue, t)| Part { cue, text: t.into() }).collect() }
    }

    fn done(id: &str, text: &str, untranslated: bool) -> TranslatedCue {
        TranslatedCue { id: id.into(), text: text.into(), untranslated, reading: None, host_words: false }
    }

    #[test]
    fn a_cue_of_one_unit_is_ready_with_it_and_blank_cues_at_once() {
        let cues = [cue(0, "Hello."), cue(1, " ")];
        let units = [unit(&[(0, "Hello.")])];
        let mut assembler = Assembler::new(&cues, &units);
        assert_eq!(assembler.empty_cues(), vec![done("c1", "", false)]);
        assert_eq!(assembler.resolve(0, &units[0], Some("Bonjour.")), vec![done("c0", "Bonjour.", false)]);
    }

    #[test]
    fn a_sentence_over_several_cues_is_shown_whole_on_each_never_in_pieces() {
        // Rolling ASR: "It was late." runs over cues 0–1, "We left." over cues 1–2.
        let cues = [cue(0, "It was"), cue(1, "late. We"), cue(2, "left.")];
        let units = [unit(&[(0, "It was"), (1, "late.")]), unit(&[(1, "We"), (2, "left.")])];
        let mut assembler = Assembler::new(&cues, &units);
        assert!(assembler.empty_cues().is_empty());
        // Cue 1 shows the sentence starting in it, cue 2 the one still being spoken: both
        // are complete with the second sentence, whichever comes back first.
        let second = assembler.resolve(1, &units[1], Some("Nous partîmes."));
        assert_eq!(second, vec![done("c1", "Nous partîmes.", false), done("c2", "Nous partîmes.", false)]);
        let first = assembler.resolve(0, &units[0], Some(" Il était tard. "));
        assert_eq!(first, vec![done("c0", "Il était tard.", false)]);
    }

    #[test]
    fn a_failed_unit_shows_its_original_sentence_marked_untranslated() {
        let cues = [cue(0, "It was"), cue(1, "late. We"), cue(2, "left.")];
        let units = [unit(&[(0, "It was"), (1, "late.")]), unit(&[(1, "We"), (2, "left.")])];
        let mut assembler = Assembler::new(&cues, &units);
        assembler.resolve(0, &units[0], Some("Il était tard."));
        let ready = assembler.resolve(1, &units[1], None);
        assert_eq!(ready, vec![done("c1", "We left.", true), done("c2", "We left.", true)]);
    }

    #[test]
    fn a_cue_starting_two_sentences_shows_both_when_both_are_back() {
        let cues = [cue(0, "Hi. It was"), cue(1, "late.")];
        let units = [unit(&[(0, "Hi.")]), unit(&[(0, "It was"), (1, "late.")])];
        let mut assembler = Assembler::new(&cues, &units);
        assert_eq!(assembler.resolve(0, &units[0], Some("Salut.")), vec![]);
        let ready = assembler.resolve(1, &units[1], Some("Il était tard."));
        assert_eq!(ready, vec![done("c0", "Salut. Il était tard.", false), done("c1", "Il était tard.", false)]);
    }

    #[tokio::test]
    async fn cached_units_and_answers_complete_cues_and_answers_go_to_the_cache() {
        use glossa_protocol::ProviderKind;
        let cues = [cue(0, "One."), cue(1, ""), cue(2, "Two."), cue(3, "Three.")];
        let scope =
            super::super::cache::CacheScope { provider: ProviderKind::Ollama, model: "m".into(), from: String::new(), to: "fr".into() };
        let mut plan = Plan::new(&cues, false, &scope, 2, None).await;
        plan.cached[1] = Some("Deux.".into()); // unit 1 is cue 2
        let mut assembler = Assembler::new(&cues, &plan.units);
        assert_eq!(assembler.from_cache(&plan), vec![done("c1", "", false), done("c2", "Deux.", false)]);
        let (ready, fresh) = assembler.answered(&plan, &[0, 2], &[Some("Un.".into()), None]);
        assert_eq!(ready, vec![done("c0", "Un.", false), done("c3", "Three.", true)]);
        assert_eq!(fresh, vec![(plan.keys[0], "Un.".to_owned())], "a failed line is not cached");
    }

    #[test]
    fn delivery_counts_what_it_hands_over_and_skips_nothing_to_send() {
        let mut got = Vec::new();
        let mut emit = |cues: Vec<TranslatedCue>| got.push(cues.len());
        let mut delivery = Delivery::new(&mut emit, Instant::now());
        delivery.send(vec![]);
        assert_eq!(delivery.first, None);
        delivery.send(vec![done("a", "A", false), done("b", "b", true)]);
        assert_eq!((delivery.cues_sent, delivery.untranslated), (2, 1));
        assert!(delivery.first.is_some());
        assert_eq!(got, vec![2], "an empty group is not emitted");
    }

    #[test]
    fn sentences_in_scripts_without_spaces_are_joined_without_one() {
        let cues = [cue(0, "a"), cue(1, "b")];
        let units = [unit(&[(0, "a")]), unit(&[(0, "b"), (1, "c")])];
        let mut assembler = Assembler::new(&cues, &units);
        assembler.resolve(0, &units[0], Some("今日は"));
        let ready = assembler.resolve(1, &units[1], Some("いい天気"));
        let c0 = ready.iter().find(|c| c.id == "c0").expect("cue 0 ready");
        assert_eq!(c0.text, "今日はいい天気");
    }
}
