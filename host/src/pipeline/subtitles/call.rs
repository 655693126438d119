//! One batch through the provider: ask for every line, check each item against its own
//! line (`check`: its `src` must repeat the line's start, it must not echo its source),
//! re-ask for just the lines missing or refused, then ask for each line still missing on
//! its own, in plain text. A line refused twice, or with no answer even then, stays
//! untranslated — a translation is never guessed onto a line.
//!
//! Lines are handed on as soon as they are taken, not when the batch ends: while an answer
//! streams in, an item is taken once it passed the checks and the item for the line after
//! it came aligned (so it cannot be the first half of a merge or split, which `check`
//! refuses on both sides); the rest when the answer is complete.

use std::future::Future;
use std::sync::Arc;

use glossa_protocol::Usage;
use serde::Serialize;

use super::answer::{check, parse_answer, parse_terms, ItemReader, Term};
use super::batch::Batch;
use super::check::{is_echo, src_matches, verify, Refusal};
use super::prompt::{answer_format, max_tokens, one_line_answer, one_line_user_prompt, user_prompt, Surroundings};
use super::Unit;
use crate::providers::{answer, AnswerFormat, ChatRequest, Provider, ProviderError};

/// How one line's answers were judged (for `translate-subs --report`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LineChecks {
    /// Whether the first item answered for this line repeated its start; `null` when no
    /// item for it carried a `src` (never answered, or a server that ignores the schema).
    pub src_matched: Option<bool>,
    /// Answers refused because they repeated the source.
    pub echo_refused: u32,
    /// Times the line was sent to the model.
    pub asked: u32,
}

/// A line is given up on once this many of its answers were refused.
const MAX_REFUSALS: u32 = 2;

/// What one batch came back with.
#[derive(Debug, Default)]
pub struct BatchAnswer {
    /// One per line asked for, in order; `None` when every attempt failed for it.
    pub texts: Vec<Option<String>>,
    /// One per line asked for, in order.
    pub checks: Vec<LineChecks>,
    /// Names and terms the model said it rendered, over all attempts.
    pub terms: Vec<Term>,
    pub calls: u64,
    pub usage: Usage,
    /// Ids the model made up, over all attempts (logged; they are ignored).
    pub invented: usize,
}

impl BatchAnswer {
    /// One call, counted with its tokens in this answer; returns the reply's text.
    async fn ask(
        &mut self,
        setup: &CallSetup,
        request: ChatRequest,
        on_piece: &mut (dyn FnMut(&str) + Send),
    ) -> Result<String, ProviderError> {
        self.calls += 1;
        let (reply, usage) = ask(setup.provider.as_ref(), &request, on_piece).await?;
        self.usage.add_tokens(&usage);
        Ok(reply)
    }
}

/// Everything a call needs besides the lines: the same for every batch of a track.
pub struct CallSetup {
    pub provider: Arc<dyn Provider>,
    pub model: String,
    pub system: String,
    /// The system prompt for asking one line in plain text.
    pub one_line_system: String,
    /// Follow-up calls for missing or refused lines after the first answer.
    pub repair_attempts: u32,
    /// Units before a batch that the model sees as context.
    pub context_units: usize,
}

impl CallSetup {
    /// A call for lines sent with `around`: its picture, if it has one, goes along.
    fn request(
        &self,
        system: &str,
        user: String,
        max_tokens: u32,
        answer_format: Option<AnswerFormat>,
        around: &Surroundings,
    ) -> ChatRequest {
        ChatRequest {
            model: self.model.clone(),
            system: system.to_owned(),
            user,
            image: around.picture.as_ref().map(|p| p.image.clone()),
            max_tokens,
            temperature: 0.2,
            answer_format,
        }
    }
}

/// `batch` of `units`, sent with `around`, as a call that owns what it needs, to run
/// beside others; each unit taken goes to `taken` with its translation at once, and the
/// batch comes back with its whole answer.
pub fn batch_call(
    setup: Arc<CallSetup>,
    units: &[Unit],
    batch: Batch,
    around: Surroundings,
    taken: futures::channel::mpsc::UnboundedSender<(usize, String)>,
) -> impl Future<Output = (Batch, Result<BatchAnswer, ProviderError>)> + Send + 'static {
    let lines: Vec<String> = batch.units.iter().map(|&u| units[u].text.clone()).collect();
    async move {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let unit_of = batch.units.clone();
        // A closed receiver (the track ended) only means nobody waits for the line.
        let mut on_line = |i: usize, text: &str| drop(taken.unbounded_send((unit_of[i], text.to_owned())));
        let answer = translate_lines(&setup, &around, &lines, &mut on_line).await;
        (batch, answer)
    }
}

/// Items taken while an answer streams in (see the module): positions in the lines asked.
struct Streamed<'a> {
    asked: &'a [(String, &'a str)],
    reader: ItemReader,
    /// A usable item waiting for the next line's item to confirm it.
    held: Option<(usize, String)>,
    taken: Vec<(usize, String)>,
}

impl<'a> Streamed<'a> {
    fn new(asked: &'a [(String, &'a str)]) -> Self {
        Streamed { asked, reader: ItemReader::default(), held: None, taken: Vec::new() }
    }

    /// The next piece of the answer; the items it lets be taken.
    fn piece(&mut self, piece: &str) -> Vec<(usize, String)> {
        let mut taken = Vec::new();
        for item in self.reader.push(piece) {
            let Some(pos) = self.asked.iter().position(|(id, _)| *id == item.id) else {
                // A made-up id with the held line's src: the held item is half that line.
                let split = |(held, _): &(usize, String)| {
                    item.src.as_deref().is_some_and(|src| src.chars().any(char::is_alphanumeric) && src_matches(src, self.asked[*held].1))
                };
                if self.held.as_ref().is_some_and(split) {
                    self.held = None;
                }
                continue;
            };
            let line = self.asked[pos].1;
            let aligned = item.src.as_deref().is_none_or(|src| src_matches(src, line));
            let text = item.text.trim();
            if let Some((held, held_text)) = self.held.take() {
                if aligned && held + 1 == pos && !self.taken.iter().any(|(p, _)| *p == held) {
                    self.taken.push((held, held_text.clone()));
                    taken.push((held, held_text));
                }
            }
            let usable = aligned && !text.is_empty() && !is_echo(text, line) && !self.taken.iter().any(|(p, _)| *p == pos);
            self.held = usable.then(|| (pos, text.to_owned()));
        }
        taken
    }
}

/// Translate `lines` (sent with `around`), handing each line to `on_line` (its index in
/// `lines`, its translation) as soon as it is taken. A provider error on the first call
/// is returned; on a later call the lines still missing stay untranslated.
pub async fn translate_lines(
    setup: &CallSetup,
    around: &Surroundings,
    lines: &[&str],
    on_line: &mut (dyn FnMut(usize, &str) + Send),
) -> Result<BatchAnswer, ProviderError> {
    let ids: Vec<String> = (1..=lines.len()).map(|i| i.to_string()).collect();
    let mut answer =
        BatchAnswer { texts: vec![None; lines.len()], checks: vec![LineChecks::default(); lines.len()], ..BatchAnswer::default() };
    let mut refusals = vec![0; lines.len()];
    let mut todo: Vec<usize> = (0..lines.len()).collect();
    for attempt in 0..=setup.repair_attempts {
        if todo.is_empty() {
            break;
        }
        let asked: Vec<(String, &str)> = todo.iter().map(|&i| (ids[i].clone(), lines[i])).collect();
        todo.iter().for_each(|&i| answer.checks[i].asked += 1);
        let user = user_prompt(around, &asked, attempt > 0);
        let mut streamed = Streamed::new(&asked);
        let mut on_piece = |piece: &str| {
            for (pos, text) in streamed.piece(piece) {
                on_line(todo[pos], &text);
            }
        };
        let request = setup.request(&setup.system, user, max_tokens(&asked), Some(answer_format()), around);
        let reply = answer.ask(setup, request, &mut on_piece).await;
        for (pos, text) in std::mem::take(&mut streamed.taken) {
            answer.texts[todo[pos]] = Some(text);
        }
        let reply = match reply {
            Ok(reply) => reply,
            Err(e) if attempt == 0 => return Err(e),
            Err(e) => {
                tracing::warn!("re-asking for {} subtitle lines failed: {e}", todo.len());
                todo.clear(); // the provider is failing: the rest stay untranslated
                break;
            }
        };
        let expected: Vec<String> = asked.iter().map(|(id, _)| id.clone()).collect();
        let checked = check(parse_answer(&reply), &expected);
        answer.invented += checked.invented;
        answer.terms.extend(parse_terms(&reply));
        let verdicts = verify(&checked, &asked);
        let mut refused = 0;
        for (&i, verdict) in todo.iter().zip(verdicts) {
            let checks = &mut answer.checks[i];
            checks.src_matched = checks.src_matched.or(verdict.src_matched);
            if answer.texts[i].is_some() {
                continue; // taken as it streamed in
            }
            match verdict.refused {
                // Asked again like a missing line: the fault may be its neighbour's.
                Some(Refusal::Unconfirmed) => {}
                Some(reason) => {
                    refused += 1;
                    refusals[i] += 1;
                    checks.echo_refused += u32::from(reason == Refusal::Echo);
                }
                None => {
                    if let Some(text) = &verdict.text {
                        on_line(i, text);
                    }
                    answer.texts[i] = verdict.text;
                }
            }
        }
        todo.retain(|&i| answer.texts[i].is_none() && refusals[i] < MAX_REFUSALS);
        if !todo.is_empty() || refused > 0 {
            tracing::info!(attempt, todo = todo.len(), refused, invented = checked.invented, "subtitle answer incomplete");
        }
    }
    for i in todo {
        answer.checks[i].asked += 1;
        let user = one_line_user_prompt(around, lines[i]);
        let request = setup.request(&setup.one_line_system, user, max_tokens(&[(ids[i].clone(), lines[i])]), None, around);
        match answer.ask(setup, request, &mut |_| {}).await {
            Ok(reply) => match one_line_answer(&reply, lines[i]) {
                Some(text) if is_echo(&text, lines[i]) => answer.checks[i].echo_refused += 1,
                Some(text) => {
                    on_line(i, &text);
                    answer.texts[i] = Some(text);
                }
                None => {}
            },
            Err(e) => {
                tracing::warn!("asking for a missing subtitle line on its own failed: {e}");
                break; // the provider is failing: the rest stay untranslated
            }
        }
    }
    Ok(answer)
}

/// One call, its streamed text collected (through the provider layers: reasoning blocks
/// are already removed). When the stream fails after some text (cut connection, a model
/// that filled its context), the text so far is kept: whole `{id, text}` objects in it
/// are good, the rest is asked again.
async fn ask(
    provider: &dyn Provider,
    request: &ChatRequest,
    on_piece: &mut (dyn FnMut(&str) + Send),
) -> Result<(String, Usage), ProviderError> {
    let mut reply = String::new();
    let result = answer(provider, request)
        .forward(&mut |piece: &str| {
            reply.push_str(piece);
            on_piece(piece);
        })
        .await;
    match result {
        Ok((usage, _)) => Ok((reply, usage)),
        Err(e) if !reply.trim().is_empty() => {
            tracing::warn!("subtitle answer broke off, keeping its first {} bytes: {e}", reply.len());
            Ok((reply, Usage::default()))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::scripted::{done, request, text, Attempt, Scripted};

    const LINES: [&str; 4] = ["Good morning, everyone.", "Today we are cooking rice.", "First, wash it well.", "Then boil the water."];
    const FR: [&str; 4] = ["Bonjour à tous.", "Aujourd'hui, du riz.", "D'abord, lavez-le bien.", "Puis faites bouillir l'eau."];

    /// An answer item: `id` with the `src` of line `src` and the translation of line `text`.
    fn item(id: usize, src: usize, text: &str) -> String {
        let words: Vec<&str> = LINES[src - 1].split_whitespace().take(3).collect();
        format!(r#"{{"id":"{id}","src":"{}","text":"{text}"}}"#, words.join(" "))
    }

    fn reply(items: &[String]) -> Attempt {
        Attempt::Items(vec![text(&format!(r#"{{"lines":[{}],"terms":[]}}"#, items.join(","))), done(10)])
    }

    /// Items for `ids`, each right.
    fn right(ids: &[usize]) -> Attempt {
        reply(&ids.iter().map(|&i| item(i, i, FR[i - 1])).collect::<Vec<_>>())
    }

    /// The calls' setup the tests share, around `provider`.
    fn setup_for(provider: Arc<Scripted>) -> CallSetup {
        CallSetup {
            provider,
            model: "m".into(),
            system: "system".into(),
            one_line_system: "one line".into(),
            repair_attempts: 1,
            context_units: 3,
        }
    }

    async fn translate(script: Vec<Attempt>) -> (BatchAnswer, usize) {
        translate_these(&LINES, script).await
    }

    async fn translate_these(lines: &[&str], script: Vec<Attempt>) -> (BatchAnswer, usize) {
        let provider = Arc::new(Scripted::new(script));
        let setup = setup_for(provider.clone());
        let answer = translate_lines(&setup, &Surroundings::default(), lines, &mut |_, _| {}).await.expect("an answer");
        (answer, provider.calls())
    }

    fn shown(answer: &BatchAnswer) -> Vec<Option<&str>> {
        answer.texts.iter().map(Option::as_deref).collect()
    }

    fn asked(answer: &BatchAnswer) -> Vec<u32> {
        answer.checks.iter().map(|c| c.asked).collect()
    }

    /// Lines as `translate_lines` hands them over: (index, text, ms after the start).
    async fn handed_over(script: Vec<Attempt>) -> (Vec<(usize, String, u128)>, BatchAnswer) {
        let provider = Arc::new(Scripted::new(script));
        let setup = setup_for(provider);
        let started = tokio::time::Instant::now();
        let mut got = Vec::new();
        let mut on_line = |i: usize, text: &str| got.push((i, text.to_owned(), started.elapsed().as_millis()));
        let answer = translate_lines(&setup, &Surroundings::default(), &LINES, &mut on_line).await.expect("an answer");
        (got, answer)
    }

    /// An answer whose items come a second apart.
    fn slowly(items: &[String]) -> Attempt {
        let mut pieces = vec![(0, Ok(crate::providers::Delta::Text("{\"lines\": [".into())))];
        for (n, item) in items.iter().enumerate() {
            let sep = if n + 1 < items.len() { "," } else { "]}" };
            pieces.push((1000, Ok(crate::providers::Delta::Text(format!("{item}{sep}")))));
        }
        pieces.push(done(10));
        Attempt::Items(pieces)
    }

    #[tokio::test(start_paused = true)]
    async fn lines_are_handed_over_as_their_items_stream_in() {
        let items: Vec<String> = (1..=4).map(|i| item(i, i, FR[i - 1])).collect();
        let (got, answer) = handed_over(vec![slowly(&items)]).await;
        // Each line once the next one's item confirmed it; the last with the whole answer.
        let when: Vec<(usize, u128)> = got.iter().map(|(i, _, ms)| (*i, *ms)).collect();
        assert_eq!(when, [(0, 2000), (1, 3000), (2, 4000), (3, 4000)]);
        assert_eq!(got.iter().map(|(_, t, _)| t.as_str()).collect::<Vec<_>>(), FR);
        assert_eq!(shown(&answer), FR.map(Some));
    }

    #[tokio::test(start_paused = true)]
    async fn a_line_before_a_break_is_never_handed_over_early() {
        // Item 3 carries line 4: items 2 and 3 are refused, even though item 2 looked fine.
        let first = slowly(&[item(1, 1, FR[0]), item(2, 2, "Aujourd'hui, du riz. D'abord, lavez-le."), item(3, 4, FR[3])]);
        let (got, answer) = handed_over(vec![first, right(&[2, 3, 4])]).await;
        let lines: Vec<(usize, &str)> = got.iter().map(|(i, t, _)| (*i, t.as_str())).collect();
        assert_eq!(lines, [(0, FR[0]), (1, FR[1]), (2, FR[2]), (3, FR[3])], "the merge never shown");
        assert_eq!(got[0].2, 2000, "line 1 as soon as line 2's item came aligned");
        assert_eq!(shown(&answer), FR.map(Some));
    }

    #[tokio::test(start_paused = true)]
    async fn a_shifted_answer_is_refused_and_asked_again() {
        // Each item carries the next line's start and translation; the last id is missing.
        let shifted = reply(&[item(1, 2, FR[1]), item(2, 3, FR[2]), item(3, 4, FR[3])]);
        let (answer, calls) = translate(vec![shifted, right(&[1, 2, 3, 4])]).await;
        assert_eq!(shown(&answer), FR.map(Some));
        assert_eq!((calls, asked(&answer)), (2, vec![2, 2, 2, 2]));
        let first: Vec<Option<bool>> = answer.checks.iter().map(|c| c.src_matched).collect();
        assert_eq!(first, [Some(false), Some(false), Some(false), Some(true)], "as first answered");
    }

    #[tokio::test(start_paused = true)]
    async fn a_frame_near_the_lines_goes_with_every_call_for_them_and_says_what_it_is_for() {
        let frame = crate::providers::Image::from_bytes(b"\xFF\xD8\xFF\xE0 a keyframe".to_vec()).expect("a JPEG header");
        let around = Surroundings { picture: Some(super::super::keyframe::Keyframe { at: 1.0, image: frame }), ..Surroundings::default() };
        let shifted = || reply(&[item(1, 2, FR[1]), item(2, 3, FR[2]), item(3, 4, FR[3])]);
        for (around, pictured) in [(around, true), (Surroundings::default(), false)] {
            let provider = Arc::new(Scripted::new(vec![shifted(), right(&[1, 2, 3, 4])]));
            let setup = setup_for(provider.clone());
            let answer = translate_lines(&setup, &around, &LINES, &mut |_, _| {}).await.expect("an answer");
            assert_eq!(shown(&answer), FR.map(Some));
            let seen = provider.seen.lock().unwrap();
            assert_eq!(seen.len(), 2, "the first call and the repair");
            for request in seen.iter() {
                assert_eq!(request.image.is_some(), pictured, "{}", request.user);
                assert_eq!(request.user.starts_with(super::super::prompt::PICTURE_NOTE), pictured, "{}", request.user);
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_merge_re_asks_only_the_lines_from_the_merge_on() {
        let merged = reply(&[item(1, 1, FR[0]), item(2, 2, "Aujourd'hui, du riz. D'abord, lavez-le."), item(3, 4, FR[3])]);
        let (answer, calls) = translate(vec![merged, right(&[2, 3, 4])]).await;
        assert_eq!(shown(&answer), FR.map(Some));
        assert_eq!((calls, asked(&answer)), (2, vec![1, 2, 2, 2]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_split_line_is_caught_at_its_second_half() {
        let split = reply(&[
            item(1, 1, FR[0]),
            item(2, 2, "Aujourd'hui,"),
            r#"{"id":"3","src":"cooking rice.","text":"du riz."}"#.into(),
            item(4, 3, FR[2]),
        ]);
        let (answer, calls) = translate(vec![split, right(&[2, 3, 4])]).await;
        assert_eq!(shown(&answer), FR.map(Some));
        assert_eq!((calls, asked(&answer)), (2, vec![1, 2, 2, 2]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_shift_onto_a_line_that_starts_the_same_is_caught_by_a_too_short_src() {
        // An auto-generated track repeats itself: line 2 is the start of line 1.
        let lines = ["to min-jun and his restaurant", "to min-jun", "to min-jun", "see you next week"];
        let ja = ["ミンジュンと彼のレストランへ", "ミンジュンへ", "ミンジュンに", "また来週"];
        let it = |id: usize, line: usize| format!(r#"{{"id":"{id}","src":"{}","text":"{}"}}"#, lines[line - 1], ja[line - 1]);
        let shifted = reply(&[it(1, 2), it(2, 3), it(3, 4)]);
        let again = reply(&[it(1, 1), it(2, 2), it(3, 3), it(4, 4)]);
        let (answer, calls) = translate_these(&lines, vec![shifted, again]).await;
        assert_eq!(shown(&answer), ja.map(Some), "line 2's translation never shown on line 1");
        assert_eq!((calls, asked(&answer)), (2, vec![2, 2, 2, 2]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_merge_at_the_end_of_an_answer_re_asks_the_line_that_swallowed_the_missing_one() {
        let merged = reply(&[item(1, 1, FR[0]), item(2, 2, FR[1]), item(3, 3, "D'abord, lavez-le bien. Puis faites bouillir l'eau.")]);
        let (answer, calls) = translate(vec![merged, right(&[3, 4])]).await;
        assert_eq!(shown(&answer), FR.map(Some));
        assert_eq!((calls, asked(&answer)), (2, vec![1, 1, 2, 2]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_last_line_split_onto_a_made_up_id_is_asked_again() {
        let split =
            reply(&[item(1, 1, FR[0]), item(2, 2, FR[1]), item(3, 3, FR[2]), item(4, 4, "Puis faites"), item(5, 4, "bouillir l'eau.")]);
        let (answer, calls) = translate(vec![split, right(&[4])]).await;
        assert_eq!(shown(&answer), FR.map(Some), "never the half line");
        assert_eq!((calls, asked(&answer)), (2, vec![1, 1, 1, 2]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_line_split_onto_a_made_up_id_is_never_handed_over_early() {
        let split = slowly(&[item(1, 1, FR[0]), item(2, 2, "Aujourd'hui,"), item(9, 2, "du riz."), item(3, 3, FR[2]), item(4, 4, FR[3])]);
        let (got, answer) = handed_over(vec![split, right(&[2])]).await;
        let lines: Vec<(usize, &str)> = got.iter().map(|(i, t, _)| (*i, t.as_str())).collect();
        assert_eq!(lines, [(0, FR[0]), (2, FR[2]), (3, FR[3]), (1, FR[1])], "the half line never shown");
        assert_eq!(shown(&answer), FR.map(Some));
    }

    #[tokio::test(start_paused = true)]
    async fn an_echo_refused_twice_stays_untranslated() {
        let echo = |ids: &[usize]| {
            reply(&ids.iter().map(|&i| if i == 1 { item(1, 1, LINES[0]) } else { item(i, i, FR[i - 1]) }).collect::<Vec<_>>())
        };
        let (answer, calls) = translate(vec![echo(&[1, 2, 3, 4]), echo(&[1])]).await;
        assert_eq!(shown(&answer), [None, Some(FR[1]), Some(FR[2]), Some(FR[3])]);
        assert_eq!((calls, asked(&answer)), (2, vec![2, 1, 1, 1]), "not asked a third time");
        assert_eq!(answer.checks[0].echo_refused, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_truncated_answer_re_asks_the_lines_it_lost() {
        let whole = format!(r#"{{"lines":[{},{},{}"#, item(1, 1, FR[0]), item(2, 2, FR[1]), item(3, 3, FR[2]));
        let cut = Attempt::Items(vec![text(&whole[..whole.len() - 12]), done(10)]);
        // Item 2, the last whole one, may hold line 3 too: asked again with the lines lost.
        let (answer, calls) = translate(vec![cut, right(&[2, 3, 4])]).await;
        assert_eq!(shown(&answer), FR.map(Some));
        assert_eq!((calls, asked(&answer)), (2, vec![1, 2, 2, 2]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_line_missing_twice_is_asked_alone_in_plain_text() {
        let (answer, calls) = translate(vec![right(&[2, 3, 4]), right(&[]), Attempt::Items(vec![text(FR[0]), done(3)])]).await;
        assert_eq!(shown(&answer), FR.map(Some));
        assert_eq!((calls, asked(&answer)), (3, vec![3, 1, 1, 1]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_line_before_one_missing_twice_is_asked_alone_too_never_given_up() {
        // Line 2 never answered: line 1, which may have swallowed it, stays in doubt.
        let alone = |i: usize| Attempt::Items(vec![text(FR[i]), done(3)]);
        let (answer, calls) = translate(vec![right(&[1, 3, 4]), right(&[1]), alone(0), alone(1)]).await;
        assert_eq!(shown(&answer), FR.map(Some));
        assert_eq!((calls, asked(&answer)), (4, vec![3, 3, 1, 1]));
    }

    #[tokio::test(start_paused = true)]
    async fn lines_misaligned_twice_are_given_up_never_asked_alone() {
        // Item 3 carries line 4 both times; item 2, on the broken boundary, goes with it.
        let first = reply(&[item(1, 1, FR[0]), item(2, 2, FR[1]), item(3, 4, FR[3]), item(4, 4, FR[3])]);
        let again = reply(&[item(2, 2, FR[1]), item(3, 4, FR[3])]);
        let (answer, calls) = translate(vec![first, again]).await;
        assert_eq!(shown(&answer), [Some(FR[0]), None, None, Some(FR[3])]);
        assert_eq!((calls, asked(&answer)), (2, vec![1, 2, 2, 1]));
    }

    #[tokio::test(start_paused = true)]
    async fn replies_have_reasoning_filtered_once() {
        // See `pipeline::stream`'s test: a second filter would leave only "z".
        let provider = Scripted::answering(&["<th<think>x</think>", "ink>y</think>z"]);
        let (reply, _) = ask(&provider, &request("hi"), &mut |_| {}).await.expect("reply");
        assert_eq!(reply, "<think>y</think>z");
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_that_breaks_off_keeps_its_text_and_is_not_asked_again() {
        let cut = ProviderError::StreamIncomplete { provider: glossa_protocol::ProviderKind::Anthropic };
        let provider = Scripted::new(vec![Attempt::Items(vec![text("[{\"id\":\"1\",\"text\":\"Bon"), (0, Err(cut))])]);
        let (reply, usage) = ask(&provider, &request("hi"), &mut |_| {}).await.expect("the partial reply");
        assert_eq!(reply, "[{\"id\":\"1\",\"text\":\"Bon");
        assert_eq!(usage, Usage::default());
        assert_eq!(provider.calls(), 1);
    }
}
