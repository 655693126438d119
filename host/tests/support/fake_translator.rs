//! A translation model in a box, for the subtitle tests and benchmark: it implements the
//! real `Provider` trait, reads the `{id, text}` lines out of the prompt like a model
//! would, and streams its answer with a realistic delay — a time to first token plus a
//! steady number of tokens per second (≈ 4 characters a token), on tokio's clock so
//! tests can run in paused, simulated time. A `Misbehaviour` makes it answer like a
//! weak model: lines reordered, dropped, invented, or JSON that is not JSON.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use glossa_host::providers::{Billing, ChatRequest, Delta, Provider, ProviderError, TokenStream};
use glossa_protocol::{CheckReport, ModelInfo, ProviderKind, Usage};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Misbehaviour {
    None,
    /// Lines come back in reverse order.
    Reorder,
    /// Every third line is left out of first answers (repairs are complete).
    DropSome,
    /// Extra ids nobody asked for.
    Invent,
    /// First answers are prose with a broken, truncated array; repairs are fine.
    Malformed,
    /// Lines containing "rivers" are never answered.
    Stubborn,
    /// A <think> block, a ```json fence and chatter around the array.
    Chatty,
    /// First answers break off halfway with a stream error (repairs are fine).
    CutMidway,
    /// Nothing listens: every call fails before any text.
    Unreachable,
    /// Cannot keep to a format: every batch is answered with prose (a tiny model); a line
    /// asked on its own gets a plain translation.
    ProseOnly,
}

/// One call as the fake saw it.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// tokio time since the translator was made.
    pub started: Duration,
    pub lines: Vec<String>,
    pub repair: bool,
    /// The user message as sent.
    pub user: String,
    pub prompt_tokens: u64,
    /// Tokens of the whole answer (also when the caller stops reading it early).
    pub output_tokens: u64,
}

pub struct FakeTranslator {
    pub first_token: Duration,
    pub tokens_per_sec: f64,
    pub misbehaviour: Misbehaviour,
    /// Who pays for it (a server the user runs, unless a test says otherwise).
    pub billing: Billing,
    epoch: tokio::time::Instant,
    calls: AtomicU64,
    prompt_tokens: AtomicU64,
    log: Mutex<Vec<CallRecord>>,
}

impl FakeTranslator {
    pub fn new(first_token: Duration, tokens_per_sec: f64, misbehaviour: Misbehaviour) -> Self {
        FakeTranslator {
            first_token,
            tokens_per_sec,
            misbehaviour,
            billing: Billing::OwnServer,
            epoch: tokio::time::Instant::now(),
            calls: AtomicU64::new(0),
            prompt_tokens: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        }
    }

    /// A hosted chat model: 0.5 s to the first token, 60 tokens/s.
    pub fn realistic(misbehaviour: Misbehaviour) -> Self {
        Self::new(Duration::from_millis(500), 60.0, misbehaviour)
    }

    /// tokio time since the translator was made (the clock of [`CallRecord::started`]).
    pub fn elapsed(&self) -> Duration {
        self.epoch.elapsed()
    }

    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn prompt_tokens(&self) -> u64 {
        self.prompt_tokens.load(Ordering::SeqCst)
    }

    pub fn log(&self) -> Vec<CallRecord> {
        self.log.lock().unwrap().clone()
    }

    /// What the fake "translates" `text` to, so tests can check every line by value.
    pub fn translation(to: &str, text: &str) -> String {
        format!("[{to}] {text}")
    }
}

pub fn tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

#[async_trait]
impl Provider for FakeTranslator {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Ollama
    }

    fn billing(&self) -> Billing {
        self.billing
    }

    async fn stream(&self, request: &ChatRequest) -> Result<TokenStream, ProviderError> {
        let started = self.epoch.elapsed();
        self.calls.fetch_add(1, Ordering::SeqCst);
        let prompt_tokens = tokens(&request.system) + tokens(&request.user);
        self.prompt_tokens.fetch_add(prompt_tokens, Ordering::SeqCst);
        let repair = request.user.contains("missed these lines");
        // "… into Japanese (ja)."
        let to = request
            .system
            .split(" into ")
            .nth(1)
            .and_then(|rest| rest.split_once('(')?.1.split_once(')'))
            .map_or("xx", |(code, _)| code)
            .to_owned();
        // The lines are the JSON array on the prompt's last line; a line asked on its own
        // comes after "Translate this line:" (the per-line baseline sends bare text).
        let last = match request.user.split_once("Translate this line:\n") {
            Some((_, line)) => line,
            None => request.user.lines().last().unwrap_or(""),
        };
        let lines: Vec<(String, String)> = match serde_json::from_str::<Vec<Value>>(last) {
            Ok(values) => {
                values.iter().map(|v| (v["id"].as_str().unwrap_or("").to_owned(), v["text"].as_str().unwrap_or("").to_owned())).collect()
            }
            Err(_) => vec![(String::new(), last.to_owned())],
        };
        let record = CallRecord {
            started,
            lines: lines.iter().map(|(_, t)| t.clone()).collect(),
            repair,
            user: request.user.clone(),
            prompt_tokens,
            output_tokens: 0,
        };
        let record_at = {
            let mut log = self.log.lock().unwrap();
            log.push(record);
            log.len() - 1
        };
        if self.misbehaviour == Misbehaviour::Unreachable {
            return Err(ProviderError::Unreachable { provider: ProviderKind::Ollama, url: "http://localhost:11434".into(), cause: None });
        }
        let reply = if lines.len() == 1 && lines[0].0.is_empty() {
            // One line in plain text (the per-line baseline, or the last resort for a line).
            match self.misbehaviour {
                Misbehaviour::Stubborn if lines[0].1.contains("rivers") => String::new(),
                _ => FakeTranslator::translation(&to, &lines[0].1),
            }
        } else if self.misbehaviour == Misbehaviour::ProseOnly {
            "Sure! These lines talk about a journey. The first one says hello.".to_owned()
        } else {
            self.answer(&to, lines, repair)
        };
        self.log.lock().unwrap()[record_at].output_tokens = tokens(&reply);
        // Stream in pieces of 4 tokens at the configured rate, after the first token's wait.
        let mut chars: Vec<char> = reply.chars().collect();
        let cut = self.misbehaviour == Misbehaviour::CutMidway && !repair;
        if cut {
            chars.truncate(chars.len() / 2);
        }
        let pieces: Vec<String> = chars.chunks(16).map(|piece| piece.iter().collect()).collect();
        let per_piece = Duration::from_secs_f64(4.0 / self.tokens_per_sec);
        let end = if cut {
            Err(ProviderError::StreamIncomplete { provider: ProviderKind::Ollama })
        } else {
            Ok(Delta::Done(Usage { input_tokens: prompt_tokens, output_tokens: tokens(&reply), ..Usage::default() }))
        };
        let first_token = self.first_token;
        let end_wait = if pieces.is_empty() { first_token } else { per_piece };
        let texts = futures::stream::iter(pieces.into_iter().enumerate()).then(move |(i, piece)| async move {
            // The first piece after the time to first token, each next one after the last's time.
            tokio::time::sleep(if i == 0 { first_token } else { per_piece }).await;
            Ok(Delta::Text(piece))
        });
        let last = futures::stream::once(async move {
            tokio::time::sleep(end_wait).await;
            end
        });
        Ok(texts.chain(last).boxed())
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
        Ok(vec![ModelInfo { name: "fake".into(), vision: Some(false), size_bytes: None }])
    }

    async fn check(&self, _: &str, _: &str) -> CheckReport {
        CheckReport { reachable: true, ..CheckReport::new(ProviderKind::Ollama, "fake") }
    }
}

impl FakeTranslator {
    fn answer(&self, to: &str, mut lines: Vec<(String, String)>, repair: bool) -> String {
        // `src`: the line's first words, up to 6 (as the prompt asks).
        let src = |text: &str| text.split_whitespace().take(6).collect::<Vec<_>>().join(" ");
        let item = |id: &str, text: &str| json!({"id": id, "src": src(text), "text": FakeTranslator::translation(to, text)});
        match self.misbehaviour {
            Misbehaviour::Reorder => lines.reverse(),
            Misbehaviour::DropSome if !repair => {
                lines = lines.into_iter().enumerate().filter(|(i, _)| i % 3 != 1).map(|(_, l)| l).collect();
            }
            Misbehaviour::Stubborn => lines.retain(|(_, t)| !t.contains("rivers")),
            _ => {}
        }
        let mut items: Vec<Value> = lines.iter().map(|(id, t)| item(id, t)).collect();
        if self.misbehaviour == Misbehaviour::Invent {
            items.insert(1, item("999", "a line nobody asked for"));
            items.push(item("0", "another"));
        }
        let array = serde_json::to_string_pretty(&items).unwrap();
        match self.misbehaviour {
            Misbehaviour::Malformed if !repair => {
                // Prose, then an array cut in the middle of its third object, missing commas.
                let cut: String = array.replacen("},", "}", 1).chars().take(array.len() * 2 / 3).collect();
                format!("Here are the translations you asked for:\n{cut}")
            }
            Misbehaviour::Chatty => format!(
                "<think>The user wants subtitles. Let me keep ids [1, 2].</think>Sure! Here you go:\n```json\n{array}\n```\nLet me know if you need anything else."
            ),
            // A model held to the schema answers its object, listing the names it rendered
            // (here: capitalised words inside a sentence).
            Misbehaviour::None => {
                let mut names: Vec<&str> = lines
                    .iter()
                    .flat_map(|(_, t)| t.split_whitespace().skip(1))
                    .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                    .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                    .collect();
                names.dedup();
                let terms: Vec<Value> = names.iter().map(|n| json!({"source": n, "target": FakeTranslator::translation(to, n)})).collect();
                format!("{{\"lines\": {array}, \"terms\": {}}}", serde_json::to_string(&terms).unwrap())
            }
            _ => array,
        }
    }
}
