//! The messages exchanged between the Glossa extension and `glossa-host`.
//!
//! This crate is compiled into both sides — the host (native) and the extension's
//! background/options page (wasm32) — so it holds only data types and pure helpers:
//! no I/O, no async runtime.
//!
//! Shape of a conversation (one JSON object per native-messaging frame):
//!
//! ```text
//! → {"id":"7","type":"translate_frame","image":"<base64>","to":"ja"}
//! ← {"id":"7","event":"delta","text":"Open "}            … more deltas …
//! ← {"id":"7","event":"done","usage":{…},"ms":{"first_token":412,"total":1880}}
//! → {"id":"8","type":"cancel","target":"7"}
//! → {"id":"9","type":"translate_track","track":"youtube:…","captions":{"format":"json3","text":"{…}"},"from":"en"}
//! ← {"id":"9","event":"track","cues":[{"id":"1","start":1.2,"end":4.0,"text":"…"},…]}
//! ← {"id":"9","event":"cues","cues":[{"id":"1","text":"…"},…]}   … more batches, then done
//! ← {"id":"9","event":"cost","used":{…},"rest":{…},"rest_units":120}   (paid providers)
//! → {"id":"10","type":"translate_track",…,"whole":true}          the user asked for all of it
//! → {"id":"11","type":"write_captions","format":"srt","cues":[…],"translations":[…]}
//! ← {"id":"11","event":"captions","format":"srt","text":"1\n00:00:01,200 --> …"}
//! → {"id":"12","type":"translate_frame","image":"<base64>","items":true,"title":"Tokyo at night"}
//! ← {"id":"12","event":"frame_item","original":"EXIT","translation":"出口","box":[0.6,0.4,0.2,0.1]}
//!                                        … one per text read (`delta` text if the model wrote prose)
//! ```
//!
//! A track request translates a window ahead of the playhead (10 minutes of playback by
//! default) and stays open while playback moves it on, taking `playhead` reports; it ends
//! once every line is translated (or was left far behind). `whole: true`, or a provider
//! built into the host, translates every line at once.
//!
//! Every request ends with exactly one terminal event, `done` or `error`; anything else
//! (`delta`, `settings`, `models`, `track`, `cues`, `progress`, …) comes before it. Between
//! the extension's pages and its background the same messages travel in the envelope of
//! [`ClientMessage`] / [`BackgroundMessage`].

mod chunk;
mod envelope;
mod settings;
pub mod text;

pub use chunk::{encode_event, ChunkAssembler, ChunkError};
pub use envelope::{request_with_id, BackgroundMessage, BurninBand, BurninLineEvent, ClientMessage, ClientRequestId};
pub use settings::*;
pub use text::{Arg, Text};

use serde::{Deserialize, Serialize};

/// Name the native host is registered under in every browser.
pub const HOST_NAME: &str = "dev.glossa.host";
/// The Chromium-family extension id, fixed by the public `key` in `extension/manifest.json`.
pub const CHROMIUM_EXTENSION_ID: &str = "lngjifcmcijmogopcegelklfdnfabnkn";
/// The Firefox add-on id (`browser_specific_settings.gecko.id`).
pub const FIREFOX_EXTENSION_ID: &str = "glossa@glossa.dev";
/// Bumped when a message changes incompatibly; `hello` compares it. 2: a track request
/// carries the caption file itself, answered first with the cues the host read from it.
pub const PROTOCOL_VERSION: u32 = 2;
/// Largest frame the host accepts from the browser (Chrome's own limit is 64 MiB).
pub const MAX_INBOUND_FRAME: usize = 64 * 1024 * 1024;
/// Chrome closes the port when a host→browser message exceeds 1 MiB. Larger events are
/// sent as `chunk` events (see [`split_into_chunks`]) that stay well below this.
pub const MAX_OUTBOUND_FRAME: usize = 1024 * 1024;
/// Size of the `data` of one `chunk` event; leaves room for the envelope and escaping.
pub const CHUNK_DATA_BYTES: usize = 256 * 1024;

/// Identifies one request and every event answering it. Chosen by the extension.
pub type RequestId = String;

/// A message from the extension to the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: RequestId,
    #[serde(flatten)]
    pub body: RequestBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RequestBody {
    /// Version handshake; answered with [`EventBody::Hello`].
    Hello {
        extension_version: String,
        protocol: u32,
    },
    Ping,
    /// Stop request `target` and the provider work behind it.
    Cancel {
        target: RequestId,
    },
    GetSettings,
    /// Set settings by key (`"ollama.url"`, `"anthropic.api_key"`, …); see [`SETTING_KEYS`].
    PutSettings {
        values: std::collections::BTreeMap<String, String>,
    },
    /// Models the provider offers (`None`: the configured provider).
    ListModels {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provider: Option<ProviderKind>,
    },
    /// Is the provider reachable, is the configured model there, can it read images?
    CheckProvider {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provider: Option<ProviderKind>,
    },
    TranslateFrame(FrameRequest),
    TranslateTrack(TrackRequest),
    /// The viewer moved: re-prioritise the track request `target`.
    Playhead {
        target: RequestId,
        time: f64,
        #[serde(default = "one")]
        rate: f64,
        /// The frame the viewer sees now, when the track's `track` event asked for them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keyframe: Option<Keyframe>,
    },
    /// A track as a WebVTT or SRT file: `cues` with their `translations` (by id) in
    /// place of the text; answered with [`EventBody::Captions`].
    WriteCaptions(WriteCaptionsRequest),
    /// GGUF files the built-in local backend can use.
    ListLocalModels,
    /// Download a model into the data dir, streaming `progress` events.
    PullModel {
        source: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
    },
    /// Delete an installed model (a file name in the models folder, never a path) and,
    /// for a catalogue model, its projector; answered with the new [`EventBody::LocalModels`].
    RemoveLocalModel {
        file: String,
    },
    /// Look for what the user already runs: Ollama, OpenAI-compatible servers on their
    /// usual ports, an Anthropic key in the host's environment; answered with
    /// [`EventBody::Detected`].
    DetectProviders,
    /// Save the API key of `provider` found in the host's environment (the page only ever
    /// saw its preview); answered with the new settings.
    UseEnvKey {
        provider: ProviderKind,
    },
    /// One burned-in subtitle line of a playing video (its caption strip's picture):
    /// answered with one [`EventBody::BurninLine`], from the cache when the same video's
    /// line at the same time was read before.
    TranslateBurninLine(BurninLineRequest),
    /// Keep a line (or a word of it) as a study card; answered with
    /// [`EventBody::StudySaved`].
    SaveStudyCard(StudyCardRequest),
    /// The study cards as an Anki import file; answered with [`EventBody::StudyExport`].
    /// For the extension's own pages only (a web page never reads the cards out).
    ExportStudyCards,
    /// The size to capture a `width`×`height` picture at for the frame model: the model's
    /// own image size, so the page draws and encodes no pixel the model would not read;
    /// answered with [`EventBody::CaptureSize`].
    CaptureSize {
        width: u32,
        height: u32,
    },
    /// What a word of a subtitle line means: answered with one [`EventBody::WordEntries`]
    /// at once (the offline dictionary's entries, possibly none), then the model's note on
    /// the word *in this line* as `delta` events (one, from the cache, when the same word
    /// in the same line was asked before), then `done`. A provider error after the entries
    /// leaves them shown.
    LookupWord(WordLookupRequest),
    /// A subtitle line's words as the host's analyser cuts it (the cut a [`RequestBody::LookupWord`]
    /// finds its dictionary form by), for a line that came without reading tokens and with
    /// [`TranslatedCue::host_words`]:
    /// answered with one [`EventBody::LineWords`], then `done`; an error when the language
    /// has no analyser or its data is not installed (the page keeps its own cut).
    LineWords(LineWordsRequest),
}

fn one() -> f64 {
    1.0
}

/// "What does this picture say, in my language?"
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameRequest {
    /// The encoded picture (JPEG, PNG, WebP or GIF), base64 without a `data:` prefix.
    pub image: String,
    /// Target language (BCP 47, e.g. `ja`, `en`, `zh-CN`); the setting when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Answer with the transcribed original as well as the translation.
    #[serde(default)]
    pub with_original: bool,
    /// Answer with a [`EventBody::FrameItem`] per piece of text the model read (each with
    /// its original and, when the model gave one, its region), and `delta` text only when
    /// the model did not answer in items. Without it (older extensions), items arrive as
    /// `delta` text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub items: bool,
    /// The video's title: context for the model (names, the show's language and topic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A word clicked in a subtitle line, with the line around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordLookupRequest {
    /// The word as it appears in the line (its surface form).
    pub word: String,
    /// The line's language (BCP 47, e.g. `ja`, `zh-Hans`); empty when the page does not
    /// know it (a live stream's caption DOM, a burned-in line): the host then takes the one
    /// the line's script says (kana `ja`, Han alone `zh`, Hangul `ko`, Cyrillic `ru`/`uk`,
    /// Greek `el`), and answers with an error when it cannot tell.
    pub lang: String,
    /// The language to explain it in (the user's target language).
    pub to: String,
    /// The whole subtitle line, as shown.
    pub line: String,
    /// Where the word starts in `line`, in UTF-16 code units (as the page counts), so a
    /// word that occurs twice is the one clicked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    /// The line's translation, as shown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub translation: String,
}

/// A subtitle line to cut into words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineWordsRequest {
    /// The line's language (BCP 47); empty when the page does not know it (a live stream's
    /// caption DOM, a burned-in line): the host then takes the one the line's script says,
    /// as for [`WordLookupRequest::lang`].
    pub lang: String,
    /// The line, as shown.
    pub text: String,
}

/// One dictionary entry for a looked-up word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DictEntry {
    /// The dictionary form (e.g. 食べる for 食べた).
    pub headword: String,
    /// Its reading (kana for Japanese, pinyin with tone marks for Chinese); empty when
    /// the headword is its own reading.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reading: String,
    /// Parts of speech, as the dictionary names them in words ("noun", "Godan verb").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pos: Vec<String>,
    /// Meanings, one per sense, in the dictionary's language.
    pub senses: Vec<String>,
    /// The language of `senses` (BCP 47; `en` for JMdict's and CC-CEDICT's glosses).
    pub senses_lang: String,
    /// Which dictionary it comes from ("JMdict", "CC-CEDICT"), for the credit line.
    pub source: String,
}

/// One piece of text read on a frame, with its translation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameItem {
    /// The text as it is written on the picture.
    pub original: String,
    pub translation: String,
    /// Where it is, as `[x, y, width, height]` in fractions (0–1) of the picture sent;
    /// `None` when the model gave no usable region.
    #[serde(rename = "box", default)]
    pub region: Option<[f64; 4]>,
}

/// A burned-in line to read and translate: the strip it is drawn in, and where it is in
/// which video (the cache key, so a re-watch or a seek back costs no call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurninLineRequest {
    /// The caption strip (JPEG, PNG, WebP or GIF), base64 without a `data:` prefix.
    pub image: String,
    /// Stable identity of the video, e.g. `youtube:<video id>`.
    pub video: String,
    /// When the line appeared, in seconds of the video.
    pub at: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// A line the learner saved while watching, or one word of it: what the card shows and
/// where in the video it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyCardRequest {
    /// The word saved (empty or absent: the card is the whole line).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub word: String,
    /// How the word (or line) is read; absent: the host reads the line itself when it
    /// has a reading for `lang`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reading: String,
    /// The word's meaning (word cards).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub meaning: String,
    /// The subtitle line, as shown.
    pub sentence: String,
    /// Its translation, as shown.
    #[serde(default)]
    pub translation: String,
    /// The line's language (BCP 47), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The YouTube video id.
    pub video: String,
    /// Where in the video the line was shown, in seconds.
    pub at: f64,
    /// A small JPEG of the frame, base64 without a `data:` prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

/// A whole caption track, translated ahead of the playhead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackRequest {
    /// Stable identity of the track, e.g. `youtube:<video id>:<lang>:<kind>`.
    pub track: String,
    /// `"captions":{…}` or `"cues":[…]`.
    #[serde(flatten)]
    pub source: TrackSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Auto-generated (ASR) captions whose words roll over from cue to cue. Only for
    /// `cues`: a caption file says so itself.
    #[serde(default)]
    pub auto_generated: bool,
    #[serde(default)]
    pub playhead: f64,
    #[serde(default = "one")]
    pub rate: f64,
    /// Translate every line now, not only a window ahead of the playhead (the user asked
    /// for the whole video, e.g. to download it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole: bool,
    /// The frame the viewer sees as the request starts (setting `subtitles.video_context`):
    /// context for the lines around it (who speaks, to whom, what is on screen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyframe: Option<Keyframe>,
}

/// One small picture of the video (a JPEG about [`KEYFRAME_EDGE`] px on its long side)
/// sent with subtitle lines as context, never translated itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keyframe {
    /// Base64 without a `data:` prefix.
    pub image: String,
    /// Where in the video it was taken, in seconds.
    pub at: f64,
}

/// The long side of a [`Keyframe`], px: enough to tell who is on screen and read a large
/// sign, at a few hundred image tokens.
pub const KEYFRAME_EDGE: u32 = 384;

/// "Give me this track as a subtitle file": the lines a track request answered with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteCaptionsRequest {
    /// `vtt` or `srt`.
    pub format: CaptionFormat,
    /// The lines as the `track` event gave them.
    pub cues: Vec<Cue>,
    /// Their translations; a cue without one keeps its text.
    #[serde(default)]
    pub translations: Vec<TranslatedCue>,
}

/// Where a track's lines come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackSource {
    /// The caption file the page fetched, as it came: the host reads it (the same reader
    /// as `glossa-host translate-subs`, so both number and word the cues alike and share
    /// the translation cache).
    Captions(CaptionFile),
    /// Lines read one at a time where there is no file (the player's caption DOM).
    Cues(Vec<Cue>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptionFile {
    pub format: CaptionFormat,
    pub text: String,
}

/// The caption formats Glossa reads (and, for `vtt` and `srt`, writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptionFormat {
    Vtt,
    Srt,
    /// YouTube's JSON timed text (`fmt=json3`).
    Json3,
    /// YouTube's XML timed text (`fmt=srv3`).
    Srv3,
}

impl CaptionFormat {
    /// The format a file name's extension says (`.vtt`, `.srt`, `.json3`/`.json`, `.srv3`).
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "vtt" => Some(CaptionFormat::Vtt),
            "srt" => Some(CaptionFormat::Srt),
            "json3" | "json" => Some(CaptionFormat::Json3),
            "srv3" => Some(CaptionFormat::Srv3),
            _ => None,
        }
    }
}

/// One caption line with its timing in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    pub id: String,
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// A translated caption line; `untranslated` when every attempt failed and the
/// original text is shown instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranslatedCue {
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub untranslated: bool,
    /// How the original line is read (furigana, pinyin, romanization), when the user
    /// asked for readings in its language: words whose surfaces make up the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<Vec<ReadingToken>>,
    /// The original line's words are the host's analyser's, which a browser's word
    /// segmentation cuts otherwise (Japanese, Chinese): a page showing the line as words
    /// without `reading` tokens asks for them with [`RequestBody::LineWords`], so a click
    /// looks up the word the host's lookup sees. Said by the host so its rule for which
    /// lines it cuts lives once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host_words: bool,
}

/// One word (or space, mark) of a line and how it is read; `reading` is empty where the
/// surface needs none. `ruby` cuts the word for ruby: (base, text over it) pairs whose bases
/// make up the surface, the text empty over kana (食べる: 食/た, べる/""), one syllable over
/// each hanzi; empty for the languages shown as a plain line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingToken {
    pub surface: String,
    #[serde(default)]
    pub reading: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ruby: Vec<(String, String)>,
}

/// A message from the host to the extension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: RequestId,
    #[serde(flatten)]
    pub body: EventBody,
}

impl Event {
    pub fn new(id: impl Into<RequestId>, body: EventBody) -> Self {
        Event { id: id.into(), body }
    }

    /// `done` or `error`: nothing follows for this id.
    pub fn is_terminal(&self) -> bool {
        matches!(self.body, EventBody::Done { .. } | EventBody::Error(_))
    }
}

// The settings and check reports are large, but an event is built, serialised once and
// dropped: boxing them would add indirection for no memory saved.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventBody {
    Hello {
        host_version: String,
        protocol: u32,
        /// False when the extension and host disagree on [`PROTOCOL_VERSION`].
        compatible: bool,
    },
    Pong,
    /// The next piece of streamed text.
    Delta {
        text: String,
    },
    /// A frame request's next piece of text read on the picture, sent as soon as the
    /// model has written it whole (only when the request asked for `items`).
    FrameItem(FrameItem),
    /// A track request's lines as the host read them, before any `cues`: the ids, times
    /// and original text the translated cues refer to.
    Track {
        cues: Vec<Cue>,
        /// Present when the host shows the subtitle model a frame of the video (the setting
        /// is on and the model reads images): the page then sends a [`Keyframe`] of this
        /// long side (px) with its `playhead` reports as playback moves on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keyframes: Option<u32>,
    },
    /// Translated caption lines, one batch at a time.
    Cues {
        cues: Vec<TranslatedCue>,
    },
    /// Tokens a track request has used and an estimate for the lines still untranslated;
    /// sent (after each batch, and once before the first) only for providers paid per token.
    Cost(TrackCost),
    /// A subtitle file written for [`RequestBody::WriteCaptions`].
    Captions {
        format: CaptionFormat,
        text: String,
    },
    Settings(SettingsView),
    Models {
        provider: ProviderKind,
        models: Vec<ModelInfo>,
    },
    Check(CheckReport),
    LocalModels {
        models: Vec<LocalModel>,
        /// The models Glossa can download for the built-in backend.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        catalogue: Vec<CatalogueModel>,
    },
    /// What `detect_providers` found running or configured on this machine.
    Detected {
        found: Vec<DetectedProvider>,
    },
    Progress {
        done: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<u64>,
    },
    /// The size to capture at, for [`RequestBody::CaptureSize`] (never larger than asked).
    CaptureSize {
        width: u32,
        height: u32,
    },
    /// A burned-in line as the frame model read it (both empty: the strip held no text).
    BurninLine {
        text: String,
        translation: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        cached: bool,
        /// How `text` is read, when the user asked for readings in its language (as a
        /// track's [`TranslatedCue::reading`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reading: Option<Vec<ReadingToken>>,
        /// `text`'s words are the host's analyser's (as [`TranslatedCue::host_words`]).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        host_words: bool,
    },
    /// The offline dictionary's entries for [`RequestBody::LookupWord`] (best first;
    /// empty when no dictionary knows the word or none exists for the language), and
    /// the dictionary form the host looked up.
    WordEntries {
        lemma: String,
        entries: Vec<DictEntry>,
        /// The language the word was looked up in: the request's, or the one the line's
        /// script says when the request named none.
        lang: String,
    },
    /// The words of the line of a [`RequestBody::LineWords`], in order: their surfaces
    /// concatenate to the line (spaces and marks are pieces of their own).
    LineWords {
        /// The language the line was cut in: the request's, or the one its script says.
        lang: String,
        words: Vec<String>,
    },
    /// A study card was kept: its id, and how many cards there are now.
    StudySaved {
        card: i64,
        cards: u64,
    },
    /// The study cards as a tab-separated file Anki imports (`#columns:` names the
    /// fields), and the folder the host wrote their pictures to (the user copies them
    /// into Anki's `collection.media`).
    StudyExport {
        tsv: String,
        cards: u64,
        pictures: u64,
        pictures_dir: String,
    },
    /// One piece of an event whose JSON exceeds [`CHUNK_DATA_BYTES`]; concatenating the
    /// `data` of `seq` 0..=last gives that event's JSON.
    Chunk {
        seq: u32,
        last: bool,
        data: String,
    },
    /// The request finished.
    Done {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        usage: Option<Usage>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ms: Option<Timings>,
    },
    /// The request failed; `message` says what happened, `hint` what to do.
    Error(ErrorInfo),
}

impl EventBody {
    pub fn done() -> Self {
        EventBody::Done { usage: None, ms: None }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Every prompt token, cached ones included.
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Of `input_tokens`, how many were read from the provider's prompt cache (billed at a
    /// tenth by Anthropic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// Of `input_tokens`, how many were written to the provider's prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// Subtitle requests: how many provider calls were made (0 when all came from cache).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_calls: Option<u64>,
    /// Subtitle requests: how many cues came from the translation cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached: Option<u64>,
    /// Frame requests: the tokens the picture itself cost (part of `input_tokens`), as the
    /// provider reported them or, when it does not, by its documented formula.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tokens: Option<u64>,
}

impl Usage {
    /// Add another call's tokens (prompt, answer and prompt cache) to these.
    pub fn add_tokens(&mut self, other: &Usage) {
        let sum = |a: Option<u64>, b: Option<u64>| if a.is_none() && b.is_none() { None } else { Some(a.unwrap_or(0) + b.unwrap_or(0)) };
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_read_input_tokens = sum(self.cache_read_input_tokens, other.cache_read_input_tokens);
        self.cache_creation_input_tokens = sum(self.cache_creation_input_tokens, other.cache_creation_input_tokens);
    }
}

/// What translating a track costs, in tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackCost {
    /// Spent by this request so far.
    pub used: Usage,
    /// Estimated for translating every line still untranslated (source tokens from the
    /// text's length, scaled by what the answered batches used).
    pub rest: Usage,
    /// Lines (units: a cue, or a sentence of auto-generated cues) still untranslated.
    pub rest_units: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_token: Option<u64>,
    pub total: u64,
}

/// What went wrong, for a person: `code` is stable (tests and UI logic use it),
/// `message` says what happened, `hint` what to do about it, both in English (the CLI,
/// logs, older extensions); `message_text`/`hint_text` say the same as `_locales` keys
/// with arguments, for the extension to show in the user's language (boxed: an error
/// travels in every `Result` of the pipeline and should stay small).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_text: Option<Box<Text>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint_text: Option<Box<Text>>,
}

impl ErrorInfo {
    /// An error in English only (the extension's own, already in the user's language).
    pub fn new(code: ErrorCode, message: impl Into<String>, hint: impl Into<String>) -> Self {
        ErrorInfo { code, message: message.into(), hint: hint.into(), message_text: None, hint_text: None }
    }

    /// An error the extension can translate; the English is the catalogue's.
    pub fn localized(code: ErrorCode, message: impl Into<Text>, hint: Option<Text>) -> Self {
        let message = message.into();
        ErrorInfo {
            code,
            message: message.english(),
            hint: hint.as_ref().map(Text::english).unwrap_or_default(),
            message_text: Some(Box::new(message)),
            hint_text: hint.map(Box::new),
        }
    }
}

impl std::fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.hint.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{} {}", self.message, self.hint)
        }
    }
}

/// Stable error codes. New codes may be added; existing ones never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The message was not valid JSON, or not an object.
    BadJson,
    /// The `type` is not one this host knows (often: the host is older than the extension).
    UnknownType,
    /// A field is missing or has the wrong type.
    BadRequest,
    /// The host and extension speak different protocol versions.
    VersionMismatch,
    /// An input (image, track) is larger than the host accepts.
    TooLarge,
    /// The picture is not JPEG, PNG, WebP or GIF.
    BadImage,
    /// A request id is already in flight.
    DuplicateId,
    Cancelled,
    /// A setting key or value was rejected.
    InvalidSetting,
    /// The settings database, or data the host reads from disk (the reading
    /// dictionaries), could not be read or written.
    Storage,
    ProviderUnreachable,
    ModelMissing,
    NoVision,
    AuthFailed,
    RateLimited,
    Overloaded,
    ConnectTimeout,
    IdleTimeout,
    /// The provider's stream ended before its terminator; partial text stays.
    StreamIncomplete,
    /// The provider answered with something that is not its API's format.
    BadResponse,
    ProviderError,
    /// A local model file is missing, truncated, not GGUF, or does not match its mmproj.
    BadModelFile,
    Download,
    Internal,
    /// The extension cannot reach glossa-host: not installed, not allowed, or it exited
    /// (produced by the extension itself, never sent by the host).
    HostUnavailable,
}

/// Which backend translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Built-in llama.cpp, no server needed.
    Local,
    Ollama,
    /// Any OpenAI-compatible server: llama-server, LM Studio, vLLM, llamafile, OpenAI.
    Openai,
    Anthropic,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] = [ProviderKind::Local, ProviderKind::Ollama, ProviderKind::Openai, ProviderKind::Anthropic];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Local => "local",
            ProviderKind::Ollama => "ollama",
            ProviderKind::Openai => "openai",
            ProviderKind::Anthropic => "anthropic",
        }
    }

    /// A name for people: "Ollama", "OpenAI-compatible server", …
    pub fn display_name(self) -> &'static str {
        self.name().english
    }

    /// The name as a translatable term, for an argument of a [`Text`].
    pub fn name(self) -> text::Message<0> {
        match self {
            ProviderKind::Local => text::PROVIDER_LOCAL,
            ProviderKind::Ollama => text::PROVIDER_OLLAMA,
            ProviderKind::Openai => text::PROVIDER_OPENAI,
            ProviderKind::Anthropic => text::PROVIDER_ANTHROPIC,
        }
    }
}

impl std::str::FromStr for ProviderKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProviderKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown provider `{s}`; use one of: local, ollama, openai, anthropic"))
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub name: String,
    /// `Some(true)` when the model reads images; `None` when the provider cannot tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vision: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    pub provider: ProviderKind,
    pub reachable: bool,
    /// e.g. "Ollama 0.5.7 at http://localhost:11434"
    pub detail: String,
    /// The same as a `_locales` key with arguments (see [`ErrorInfo`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_text: Option<Box<Text>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_model_present: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle_model_present: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_model_vision: Option<bool>,
    /// Problems found, each with what to do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ErrorInfo>,
    /// Things that work but deserve attention (e.g. a key sent over plain http).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The same warnings as `_locales` text, in the same order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warning_texts: Vec<Text>,
}

impl CheckReport {
    /// A report that has found nothing yet: not reachable, no model facts, no problems.
    pub fn new(provider: ProviderKind, detail: impl Into<Text>) -> Self {
        let detail = detail.into();
        CheckReport {
            provider,
            reachable: false,
            detail: detail.english(),
            detail_text: Some(Box::new(detail)),
            frame_model_present: None,
            subtitle_model_present: None,
            frame_model_vision: None,
            problems: Vec::new(),
            warnings: Vec::new(),
            warning_texts: Vec::new(),
        }
    }

    /// Add a warning, in English and as `_locales` text.
    pub fn warn(&mut self, warning: Text) {
        self.warnings.push(warning.english());
        self.warning_texts.push(warning);
    }

    /// Say what was found: `detail` in English and as `_locales` text.
    pub fn set_detail(&mut self, detail: Text) {
        self.detail = detail.english();
        self.detail_text = Some(Box::new(detail));
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalModel {
    pub file: String,
    pub size_bytes: u64,
    /// The projector file that gives this model vision, when one is installed beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mmproj: Option<String>,
}

/// A model the built-in backend can download (`pull_model` with its `id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueModel {
    pub id: String,
    pub description: String,
    /// Download size of the model and its projector together.
    pub size_bytes: u64,
    /// Memory it needs to run (weights, projector and context), roughly.
    pub memory_bytes: u64,
    /// It reads images (frames), not only text.
    pub vision: bool,
    pub model_file: String,
    /// Both files are in the models folder.
    pub installed: bool,
}

/// A provider found by `detect_providers`, ready to be chosen with one click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectedProvider {
    pub provider: ProviderKind,
    /// The server's address as the provider setting takes it; empty for a key-only find.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// What was found, for a person: "Ollama at http://localhost:11434".
    pub detail: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelInfo>,
    /// An API key found in the host's environment, as its `…last6` preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_preview: Option<String>,
}

/// Parse one inbound message, producing the error event to answer with on failure
/// (carrying the id when one could be read).
pub fn parse_request(bytes: &[u8]) -> Result<Request, Box<Event>> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        Box::new(Event::new(
            "",
            EventBody::Error(ErrorInfo::localized(
                ErrorCode::BadJson,
                text::ERR_BAD_JSON.with([e.to_string().into()]),
                Some(text::HINT_BAD_JSON.text()),
            )),
        ))
    })?;
    let id = value.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let kind = value.get("type").and_then(|v| v.as_str()).map(str::to_owned);
    if id.is_empty() {
        return Err(Box::new(Event::new(
            "",
            EventBody::Error(ErrorInfo::localized(ErrorCode::BadRequest, text::ERR_NO_ID, Some(text::HINT_NO_ID.text()))),
        )));
    }
    serde_json::from_value::<Request>(value).map_err(|e| {
        let known = kind.as_deref().is_some_and(|k| REQUEST_TYPES.contains(&k));
        let info = match kind {
            Some(k) if !known => {
                ErrorInfo::localized(ErrorCode::UnknownType, text::ERR_UNKNOWN_TYPE.with([k.into()]), Some(text::HINT_HOST_OLDER.text()))
            }
            None => ErrorInfo::localized(ErrorCode::BadRequest, text::ERR_NO_TYPE, None),
            Some(k) => ErrorInfo::localized(
                ErrorCode::BadRequest,
                text::ERR_MALFORMED.with([k.into(), e.to_string().into()]),
                Some(text::HINT_VERSIONS_MATCH.text()),
            ),
        };
        Box::new(Event::new(id, EventBody::Error(info)))
    })
}

/// Every `type` a [`Request`] can carry.
pub const REQUEST_TYPES: &[&str] = &[
    "hello",
    "ping",
    "cancel",
    "get_settings",
    "put_settings",
    "list_models",
    "check_provider",
    "translate_frame",
    "translate_track",
    "playhead",
    "write_captions",
    "list_local_models",
    "pull_model",
    "remove_local_model",
    "detect_providers",
    "use_env_key",
    "translate_burnin_line",
    "save_study_card",
    "export_study_cards",
    "capture_size",
    "lookup_word",
    "line_words",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trips_with_flat_type_tag() {
        let json = r#"{"id":"7","type":"translate_frame","image":"AAAA","to":"ja"}"#;
        let req = parse_request(json.as_bytes()).unwrap();
        assert_eq!(req.id, "7");
        assert!(matches!(&req.body, RequestBody::TranslateFrame(f) if f.to.as_deref() == Some("ja")));
        let back: serde_json::Value = serde_json::to_value(&req).unwrap();
        assert_eq!(back["type"], "translate_frame");
    }

    #[test]
    fn frame_items_are_flat_events_with_a_box() {
        let item = FrameItem { original: "Exit".into(), translation: "出口".into(), region: Some([0.1, 0.2, 0.3, 0.4]) };
        let v = serde_json::to_value(Event::new("4", EventBody::FrameItem(item.clone()))).unwrap();
        assert_eq!(v, serde_json::json!({"id":"4","event":"frame_item","original":"Exit","translation":"出口","box":[0.1,0.2,0.3,0.4]}));
        let none: Event = serde_json::from_str(r#"{"id":"4","event":"frame_item","original":"a","translation":"b","box":null}"#).unwrap();
        assert!(matches!(none.body, EventBody::FrameItem(FrameItem { region: None, .. })));
        let old = r#"{"id":"7","type":"translate_frame","image":"AAAA"}"#;
        assert!(matches!(
            parse_request(old.as_bytes()).unwrap().body,
            RequestBody::TranslateFrame(FrameRequest { items: false, title: None, .. })
        ));
    }

    #[test]
    fn events_use_event_tag_and_flatten_errors() {
        let ev = Event::new("3", EventBody::Error(ErrorInfo::new(ErrorCode::ProviderUnreachable, "no", "ollama serve")));
        let v = serde_json::to_value(&ev).unwrap();
        assert_eq!(v["event"], "error");
        assert_eq!(v["code"], "provider_unreachable");
        assert_eq!(v["hint"], "ollama serve");
        assert!(ev.is_terminal());
    }

    #[test]
    fn bad_messages_get_errors_with_the_id_when_readable() {
        let e = parse_request(b"not json").unwrap_err();
        assert!(matches!(&e.body, EventBody::Error(i) if i.code == ErrorCode::BadJson));
        let e = parse_request(br#"{"id":"9","type":"teleport"}"#).unwrap_err();
        assert_eq!(e.id, "9");
        assert!(matches!(&e.body, EventBody::Error(i) if i.code == ErrorCode::UnknownType));
        let e = parse_request(br#"{"id":"10","type":"cancel"}"#).unwrap_err();
        assert_eq!(e.id, "10");
        assert!(matches!(&e.body, EventBody::Error(i) if i.code == ErrorCode::BadRequest));
    }

    #[test]
    fn every_request_type_is_listed() {
        let samples = [
            r#"{"id":"1","type":"hello","extension_version":"1","protocol":1}"#,
            r#"{"id":"1","type":"ping"}"#,
            r#"{"id":"1","type":"cancel","target":"2"}"#,
            r#"{"id":"1","type":"get_settings"}"#,
            r#"{"id":"1","type":"put_settings","values":{}}"#,
            r#"{"id":"1","type":"list_models"}"#,
            r#"{"id":"1","type":"check_provider"}"#,
            r#"{"id":"1","type":"translate_frame","image":""}"#,
            r#"{"id":"1","type":"translate_track","track":"t","captions":{"format":"json3","text":"{}"}}"#,
            r#"{"id":"1","type":"playhead","target":"2","time":1.5}"#,
            r#"{"id":"1","type":"write_captions","format":"vtt","cues":[]}"#,
            r#"{"id":"1","type":"list_local_models"}"#,
            r#"{"id":"1","type":"pull_model","source":"x"}"#,
            r#"{"id":"1","type":"remove_local_model","file":"x.gguf"}"#,
            r#"{"id":"1","type":"detect_providers"}"#,
            r#"{"id":"1","type":"use_env_key","provider":"anthropic"}"#,
            r#"{"id":"1","type":"translate_burnin_line","image":"","video":"v","at":1.0}"#,
            r#"{"id":"1","type":"save_study_card","sentence":"s","video":"v","at":1.0}"#,
            r#"{"id":"1","type":"export_study_cards"}"#,
            r#"{"id":"1","type":"capture_size","width":640,"height":360}"#,
            r#"{"id":"1","type":"lookup_word","word":"w","lang":"","to":"en","line":"w"}"#,
            r#"{"id":"1","type":"line_words","lang":"ja","text":"今日"}"#,
        ];
        assert_eq!(samples.len(), REQUEST_TYPES.len());
        let mut variants = std::collections::BTreeSet::new();
        for s in samples {
            let r = parse_request(s.as_bytes()).unwrap();
            let t = serde_json::to_value(&r).unwrap()["type"].as_str().unwrap().to_owned();
            assert!(REQUEST_TYPES.contains(&t.as_str()), "{t}");
            // A new request type fails to compile here until it gets a sample above.
            variants.insert(match r.body {
                RequestBody::Hello { .. } => 0,
                RequestBody::Ping => 1,
                RequestBody::Cancel { .. } => 2,
                RequestBody::GetSettings => 3,
                RequestBody::PutSettings { .. } => 4,
                RequestBody::ListModels { .. } => 5,
                RequestBody::CheckProvider { .. } => 6,
                RequestBody::TranslateFrame(_) => 7,
                RequestBody::TranslateTrack(_) => 8,
                RequestBody::Playhead { .. } => 9,
                RequestBody::WriteCaptions(_) => 10,
                RequestBody::ListLocalModels => 11,
                RequestBody::PullModel { .. } => 12,
                RequestBody::RemoveLocalModel { .. } => 13,
                RequestBody::DetectProviders => 14,
                RequestBody::UseEnvKey { .. } => 15,
                RequestBody::TranslateBurninLine(_) => 16,
                RequestBody::SaveStudyCard(_) => 17,
                RequestBody::ExportStudyCards => 18,
                RequestBody::CaptureSize { .. } => 19,
                RequestBody::LookupWord(_) => 20,
                RequestBody::LineWords(_) => 21,
            });
        }
        assert_eq!(variants.len(), samples.len(), "one sample per request type");
    }

    #[test]
    fn a_lines_words_are_asked_for_by_language_and_text_and_come_as_surfaces() {
        let req = parse_request(r#"{"id":"5","type":"line_words","lang":"","text":"今日はいい天気ですね"}"#.as_bytes()).unwrap();
        assert_eq!(req.body, RequestBody::LineWords(LineWordsRequest { lang: String::new(), text: "今日はいい天気ですね".into() }));
        let words = ["今日", "は", "いい", "天気", "です", "ね"].map(String::from).to_vec();
        let v = serde_json::to_value(Event::new("5", EventBody::LineWords { lang: "ja".into(), words })).unwrap();
        assert_eq!(v, serde_json::json!({"id":"5","event":"line_words","lang":"ja","words":["今日","は","いい","天気","です","ね"]}));
        // A known type with a field missing is a malformed request, not one this host does not know.
        let e = parse_request(br#"{"id":"6","type":"line_words","lang":"ja"}"#).unwrap_err();
        assert!(matches!(&e.body, EventBody::Error(i) if i.code == ErrorCode::BadRequest), "{e:?}");
        let e = parse_request(br#"{"id":"7","type":"lookup_word","word":"w"}"#).unwrap_err();
        assert!(matches!(&e.body, EventBody::Error(i) if i.code == ErrorCode::BadRequest), "{e:?}");
    }

    #[test]
    fn a_cue_without_a_reading_parses_and_one_with_it_keeps_it() {
        let old: TranslatedCue = serde_json::from_str(r#"{"id":"1","text":"hi"}"#).unwrap();
        assert_eq!(old.reading, None);
        assert!(!serde_json::to_string(&old).unwrap().contains("reading"));
        let cue: TranslatedCue =
            serde_json::from_str(r#"{"id":"1","text":"bank","reading":[{"surface":"银行","reading":"yín háng"},{"surface":"。"}]}"#)
                .unwrap();
        let reading = cue.reading.unwrap();
        assert_eq!(reading[0].reading, "yín háng");
        assert_eq!(reading[1].reading, "");
        // Whose words the line's are: said only when they are the host's.
        assert!(!old.host_words && !serde_json::to_string(&old).unwrap().contains("host_words"));
        let cut = TranslatedCue { host_words: true, ..old };
        assert_eq!(serde_json::to_value(&cut).unwrap(), serde_json::json!({"id":"1","text":"hi","host_words":true}));
    }

    #[test]
    fn a_track_comes_as_a_caption_file_or_as_cues_never_neither() {
        let file = parse_request(
            br#"{"id":"1","type":"translate_track","track":"t","captions":{"format":"srv3","text":"<timedtext/>"},"from":"en","playhead":3}"#,
        )
        .unwrap();
        let RequestBody::TranslateTrack(track) = &file.body else { panic!() };
        assert_eq!(track.source, TrackSource::Captions(CaptionFile { format: CaptionFormat::Srv3, text: "<timedtext/>".into() }));
        assert_eq!((track.from.as_deref(), track.playhead, track.rate, track.whole), (Some("en"), 3.0, 1.0, false));
        let back = serde_json::to_value(&file).unwrap();
        assert!(back.get("whole").is_none(), "a window is the default and is not spelled out");
        assert_eq!(back["captions"]["format"], "srv3");
        assert!(back.get("cues").is_none());

        let cues = parse_request(br#"{"id":"2","type":"translate_track","track":"t","cues":[{"id":"d1","start":1,"end":2,"text":"hi"}]}"#)
            .unwrap();
        let RequestBody::TranslateTrack(track) = &cues.body else { panic!() };
        assert!(matches!(&track.source, TrackSource::Cues(c) if c[0].id == "d1"));

        let neither = parse_request(br#"{"id":"3","type":"translate_track","track":"t"}"#).unwrap_err();
        assert!(matches!(&neither.body, EventBody::Error(i) if i.code == ErrorCode::BadRequest));
        let bad_format =
            parse_request(br#"{"id":"4","type":"translate_track","track":"t","captions":{"format":"ttml","text":""}}"#).unwrap_err();
        assert!(matches!(&bad_format.body, EventBody::Error(i) if i.code == ErrorCode::BadRequest));
    }

    #[test]
    fn the_whole_track_is_asked_for_by_name_and_costs_travel_as_events() {
        let whole = parse_request(br#"{"id":"1","type":"translate_track","track":"t","cues":[],"whole":true}"#).unwrap();
        assert!(matches!(&whole.body, RequestBody::TranslateTrack(t) if t.whole));
        let cost = Event::new(
            "1",
            EventBody::Cost(TrackCost {
                used: Usage { input_tokens: 10, output_tokens: 5, ..Usage::default() },
                rest: Usage { input_tokens: 100, output_tokens: 50, ..Usage::default() },
                rest_units: 7,
            }),
        );
        let v = serde_json::to_value(&cost).unwrap();
        assert_eq!((v["event"].as_str(), v["used"]["input_tokens"].as_u64(), v["rest_units"].as_u64()), (Some("cost"), Some(10), Some(7)));
        assert!(!cost.is_terminal());
        let write = parse_request(
            br#"{"id":"2","type":"write_captions","format":"srt","cues":[{"id":"1","start":1,"end":2,"text":"hi"}],"translations":[{"id":"1","text":"salut"}]}"#,
        )
        .unwrap();
        assert!(
            matches!(&write.body, RequestBody::WriteCaptions(w) if w.format == CaptionFormat::Srt && w.translations[0].text == "salut")
        );
    }
}
