//! One function per request type: what the host does for each message. Requests that
//! translate go through `crate::resolve`, as the CLI's do; events go to an [`EventSink`].

use glossa_protocol::text;
use glossa_protocol::{ErrorCode, ErrorInfo, EventBody, RequestBody, Timings, TrackCost, TranslatedCue, Usage, PROTOCOL_VERSION};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::app::App;
use crate::detect;
use crate::dictionary::{lookup, DictionaryError};
use crate::models::{self, catalogue, download};
use crate::pipeline;
use crate::pipeline::frame_items::FramePiece;
use crate::pipeline::subtitles::{self, PlayheadUpdate, TrackSink};
use crate::pipeline::word_note::{self, WordInLine};
use crate::reading;
use crate::resolve;
use crate::sink::EventSink;
use crate::store::glossary::{glossary_key, Glossary};
use crate::store::study::{CardContent, Study};

pub const HOST_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How a request ended well: what its `done` event reports.
#[derive(Debug, Default)]
pub struct Finished {
    pub usage: Option<Usage>,
    pub ms: Option<Timings>,
}

/// Run one request. Intermediate events go to `sink`; `Ok` becomes the `done` event,
/// `Err` the `error` event. `control` carries follow-up messages (playhead moves).
pub async fn handle(
    body: RequestBody,
    app: &App,
    sink: &EventSink,
    control: UnboundedReceiver<RequestBody>,
) -> Result<Finished, ErrorInfo> {
    match body {
        RequestBody::Hello { extension_version, protocol } => {
            let compatible = protocol == PROTOCOL_VERSION;
            tracing::info!(%extension_version, protocol, compatible, "hello");
            sink.send(EventBody::Hello { host_version: HOST_VERSION.into(), protocol: PROTOCOL_VERSION, compatible });
            if compatible {
                Ok(Finished::default())
            } else {
                Err(ErrorInfo::localized(
                    ErrorCode::VersionMismatch,
                    text::ERR_VERSION_MISMATCH.with([
                        HOST_VERSION.into(),
                        PROTOCOL_VERSION.into(),
                        extension_version.into(),
                        protocol.into(),
                    ]),
                    Some(text::HINT_UPDATE_BOTH.text()),
                ))
            }
        }
        RequestBody::Ping => {
            sink.send(EventBody::Pong);
            Ok(Finished::default())
        }
        RequestBody::GetSettings => {
            let (settings, warnings) = app.settings().await;
            sink.send(EventBody::Settings(settings.view(warnings)));
            Ok(Finished::default())
        }
        RequestBody::PutSettings { values } => {
            app.put_settings(values).await.map_err(save_failed)?;
            let (settings, warnings) = app.settings().await;
            sink.send(EventBody::Settings(settings.view(warnings)));
            Ok(Finished::default())
        }
        RequestBody::ListModels { provider } => {
            let provider = app.providers.get(&app.config().await.provider(provider));
            let models = provider.list_models().await.map_err(|e| e.info())?;
            sink.send(EventBody::Models { provider: provider.kind(), models });
            Ok(Finished::default())
        }
        RequestBody::CheckProvider { provider } => {
            let config = app.config().await.provider(provider);
            let models = config.models();
            let report = app.providers.get(&config).check(&models.frame, &models.subtitle).await;
            sink.send(EventBody::Check(report));
            Ok(Finished::default())
        }
        RequestBody::TranslateFrame(request) => {
            let as_items = request.items;
            let frame = pipeline::frame::Frame::from_request(request)?;
            let job = resolve::frame(&app.config().await, &app.providers, &frame);
            let (usage, ms) = if as_items {
                let mut on_piece = |piece: FramePiece| match piece {
                    FramePiece::Item(item) => {
                        sink.send(EventBody::FrameItem(item));
                    }
                    FramePiece::Text(text) => {
                        sink.delta(text);
                    }
                };
                pipeline::frame::read(&job, &frame.image, frame.title.as_deref(), &mut on_piece).await?
            } else {
                let mut on_delta = |text: &str| {
                    sink.delta(text);
                };
                pipeline::frame::translate(&job, &frame.image, &mut on_delta).await?
            };
            Ok(Finished { usage: Some(usage), ms: Some(ms) })
        }
        RequestBody::CaptureSize { width, height } => {
            let config = app.config().await;
            let job = resolve::frame_model(&config, &app.providers, None, None, false);
            let (width, height) = job.provider.image_budget(&job.model).await.fit(width, height);
            sink.send(EventBody::CaptureSize { width, height });
            Ok(Finished::default())
        }
        RequestBody::LookupWord(request) => {
            let glossa_protocol::WordLookupRequest { word, lang, to, line, offset, translation } = request;
            let lang = word_lang(&lang, &line, &word)?;
            let found = look_up_word(app, &word, &lang, &line, offset).await;
            sink.send(EventBody::WordEntries { lemma: found.lemma.clone(), entries: found.entries, lang: lang.clone() });
            // Then the word's sense in this line, from the model (or the cache), in the
            // user's language; an error here leaves the entries shown.
            let job = resolve::text(&app.config().await, &app.providers, Some(&to), Some(&lang));
            let word = WordInLine { word: &word, lemma: &found.lemma, line: &line, translation: &translation };
            let mut on_delta = |text: &str| {
                sink.delta(text);
            };
            let usage = word_note::explain(&job, &word, Some(&app.cache()), &mut on_delta).await?;
            Ok(Finished { usage, ms: None })
        }
        RequestBody::LineWords(glossa_protocol::LineWordsRequest { lang, text }) => {
            let lang = word_lang(&lang, &text, "")?;
            let Some(reader_lang) = reading::Lang::from_tag(&lang) else {
                return Err(reading::ReadingError::Unsupported(lang).info());
            };
            // The analyser may load (or compile) on first use: off the async threads.
            let readers = app.readers.clone();
            let words = tokio::task::spawn_blocking(move || readers.words(reader_lang, &text))
                .await
                // The page only logs this error (it keeps its own cut): no text table entry.
                .map_err(|e| ErrorInfo::new(ErrorCode::Internal, format!("The word analyser stopped: {e}"), ""))?
                .map_err(|e| e.info())?;
            sink.send(EventBody::LineWords { lang, words });
            Ok(Finished::default())
        }
        RequestBody::TranslateBurninLine(request) => {
            let glossa_protocol::BurninLineRequest { image, video, at, to, from } = request;
            let frame = pipeline::frame::Frame::from_request(glossa_protocol::FrameRequest {
                image,
                to,
                from,
                with_original: false,
                items: false,
                title: None,
            })?;
            let job = resolve::frame(&app.config().await, &app.providers, &frame);
            let video = pipeline::burnin::video_name_digest(&video);
            let cache = app.cache();
            let (reading, usage) = pipeline::burnin::read_once(&job, &video, at, Some(&cache), || Some(frame.image.clone())).await?;
            // How the line is read, under it as under a track's cue (a dictionary may load
            // on first use: off the async threads).
            let readers = app.readers.clone();
            let wanted = app.settings().await.0.get("display.readings").to_owned();
            let (from, text) = (job.from.clone(), reading.text.clone());
            let line_reading =
                tokio::task::spawn_blocking(move || reading::for_line(&readers, from.as_deref(), &wanted, &text)).await.ok().flatten();
            sink.send(EventBody::BurninLine {
                // The page names no language for a burned-in line: its script says.
                host_words: reading::cut_by_host("", &reading.text),
                text: reading.text,
                translation: reading.translation,
                cached: usage.is_none(),
                reading: line_reading,
            });
            Ok(Finished { usage, ms: None })
        }
        RequestBody::TranslateTrack(request) => {
            let track = subtitles::captions::track_of(&request)?;
            let settings = app.settings().await.0;
            let config = crate::config::Config::from_settings(&settings);
            let mut job = resolve::track(&config, &app.providers, request.to.as_deref(), request.from.as_deref(), Some(app.cache()));
            let keyframes = subtitles::keyframe::wanted(settings.flag("subtitles.video_context"), job.provider.as_ref(), &job.model)
                .await
                .then(subtitles::keyframe::Keyframes::default);
            if let (Some(frames), Some(frame)) = (&keyframes, request.keyframe.clone()) {
                frames.put(frame);
            }
            if keyframes.is_some() {
                job.options = subtitles::keyframe::leave_room(job.options, job.provider.as_ref(), &job.model).await;
            }
            // The lines as the host read them: the ids and times the `cues` events refer to.
            sink.send(EventBody::Track {
                cues: track.cues.clone(),
                keyframes: keyframes.is_some().then_some(glossa_protocol::KEYFRAME_EDGE),
            });
            let readings = reading::CueReadings::wanted(&app.readers, job.from.as_deref(), settings.get("display.readings"), &track.cues);
            // Said with each cue, so the page keeps no copy of the rule: in the language the
            // page named (the one it asks `line_words` in), else by each line's script.
            let page_lang = request.from.as_deref().unwrap_or_default();
            let host_words = track.cues.iter().filter(|c| reading::cut_by_host(page_lang, &c.text)).map(|c| c.id.clone()).collect();
            if request.whole {
                job.options = job.options.whole_track();
            }
            job.glossary = Some(subtitles::glossary::TrackGlossary {
                glossary: Glossary::new(&app.store),
                key: glossary_key(&request.track, &job.to),
            });
            // The request stays open while playback moves its window on, fed by the playhead
            // reports the extension sends anyway (seek, rate, pause, play): one caption file
            // sent and read once, one plan and cache lookup, rather than the file again on
            // every step of the window.
            let start = PlayheadUpdate { time: request.playhead, rate: request.rate };
            let updates = playhead_updates(control, keyframes.clone());
            let summary = subtitles::translate_track_seeing(
                &job,
                &track,
                start,
                updates,
                keyframes.as_ref(),
                &mut TrackEvents { sink, readings, host_words },
            )
            .await?;
            tracing::info!(
                track = %request.track,
                cues = track.cues.len(),
                calls = summary.usage.provider_calls.unwrap_or(0),
                cached = summary.usage.cached.unwrap_or(0),
                untranslated = summary.untranslated,
                dropped = summary.dropped_units,
                "track translated"
            );
            Ok(Finished { usage: Some(summary.usage), ms: Some(summary.ms) })
        }
        RequestBody::WriteCaptions(request) => {
            let rolling = subtitles::captions::rolls(&request.cues);
            let cues = subtitles::captions::translated(&request.cues, request.translations, rolling);
            let text = subtitles::captions::write(&cues, request.format).ok_or_else(|| {
                ErrorInfo::new(ErrorCode::BadRequest, "Glossa writes subtitles as WebVTT (`vtt`) or SubRip (`srt`) only.", "")
            })?;
            sink.send(EventBody::Captions { format: request.format, text });
            Ok(Finished::default())
        }
        RequestBody::ListLocalModels => {
            sink.send(local_models(app).await?);
            Ok(Finished::default())
        }
        RequestBody::RemoveLocalModel { file } => {
            let dir = models::models_dir(&app.data_dir);
            let name = file.clone();
            tokio::task::spawn_blocking(move || models::remove_with_projector(&dir, &name))
                .await
                .map_err(|e| {
                    ErrorInfo::localized(
                        ErrorCode::Internal,
                        text::ERR_REMOVE_MODEL_FAILED.with([file.as_str().into(), e.to_string().into()]),
                        Some(text::HINT_TRY_AGAIN.text()),
                    )
                })?
                .map_err(|e| {
                    let code = if e.kind() == std::io::ErrorKind::InvalidInput { ErrorCode::BadRequest } else { ErrorCode::Storage };
                    ErrorInfo::localized(
                        code,
                        text::ERR_REMOVE_MODEL_FAILED.with([file.as_str().into(), e.to_string().into()]),
                        Some(text::HINT_RELOAD_MODELS.text()),
                    )
                })?;
            tracing::info!(%file, "model removed");
            sink.send(local_models(app).await?);
            Ok(Finished::default())
        }
        RequestBody::DetectProviders => {
            let found = detect::detect(&app.providers, &detect::Candidates::from_env()).await;
            sink.send(EventBody::Detected { found });
            Ok(Finished::default())
        }
        RequestBody::UseEnvKey { provider } => {
            let Some(key) = detect::key_from_env(provider) else {
                return Err(ErrorInfo::localized(
                    ErrorCode::InvalidSetting,
                    text::ERR_NO_ENV_KEY.with([provider.name().into()]),
                    Some(text::HINT_PASTE_KEY.text()),
                ));
            };
            let values = [(format!("{provider}.api_key"), key.expose().to_owned())].into_iter().collect();
            app.put_settings(values).await.map_err(save_failed)?;
            let (settings, warnings) = app.settings().await;
            sink.send(EventBody::Settings(settings.view(warnings)));
            Ok(Finished::default())
        }
        RequestBody::PullModel { source, sha256 } => {
            let targets = download::plan(&source, sha256.as_deref()).map_err(|e| e.info())?;
            // At most a few progress events a second, plus the last one.
            let mut last_sent: Option<std::time::Instant> = None;
            let mut on_progress = |p: download::Progress| {
                let finished = p.total == Some(p.done);
                if finished || last_sent.is_none_or(|t| t.elapsed() >= std::time::Duration::from_millis(250)) {
                    last_sent = Some(std::time::Instant::now());
                    sink.send(EventBody::Progress { done: p.done, total: p.total });
                }
            };
            let dir = models::models_dir(&app.data_dir);
            download::pull_all(&download::client(), &targets, &dir, &mut on_progress).await.map_err(|e| e.info())?;
            Ok(Finished::default())
        }
        RequestBody::SaveStudyCard(request) => {
            let mut content = study_card(request)?;
            let readers = app.readers.clone();
            let (card, cards) = app
                .store
                .blocking(move |store| {
                    // A dictionary may load on first use: off the async threads too.
                    if content.reading.trim().is_empty() && !content.lang.is_empty() {
                        let text = if content.word.is_empty() { &content.sentence } else { &content.word };
                        content.reading = readers.read(&content.lang, text).map(|tokens| reading::line(&tokens)).unwrap_or_default();
                    }
                    let study = Study::new(store);
                    let card = study.save(content)?;
                    Ok((card, study.count()?))
                })
                .await
                .map_err(|e| {
                    ErrorInfo::localized(
                        ErrorCode::Storage,
                        text::ERR_STUDY_NOT_SAVED.with([e.to_string().into()]),
                        Some(text::HINT_TRY_AGAIN.text()),
                    )
                })?;
            sink.send(EventBody::StudySaved { card, cards });
            Ok(Finished::default())
        }
        RequestBody::ExportStudyCards => {
            let dir = crate::study::pictures_dir(&app.data_dir);
            let export_failed = |detail: String| {
                ErrorInfo::localized(
                    ErrorCode::Storage,
                    text::ERR_STUDY_EXPORT_FAILED.with([detail.into()]),
                    Some(text::HINT_TRY_AGAIN.text()),
                )
            };
            let cards = app.store.blocking(|store| Study::new(store).list()).await.map_err(|e| export_failed(e.to_string()))?;
            let export = crate::study::anki_export(&cards);
            let pictures_dir = dir.clone();
            let export = tokio::task::spawn_blocking(move || export.write_pictures(&pictures_dir).map(|()| export))
                .await
                .map_err(|e| export_failed(e.to_string()))?
                .map_err(|e| export_failed(format!("{}: {e}", dir.display())))?;
            sink.send(EventBody::StudyExport {
                tsv: export.tsv,
                cards: cards.len() as u64,
                pictures: export.pictures.len() as u64,
                pictures_dir: dir.display().to_string(),
            });
            Ok(Finished::default())
        }
        // Handled by the session itself.
        RequestBody::Cancel { .. } | RequestBody::Playhead { .. } => Ok(Finished::default()),
    }
}

/// The language to look a word up in: the page's, or when it named none (a live stream's
/// caption DOM, a burned-in line) the one the line's script says. A script many languages
/// share (Latin letters) says none: then no language is named (no dictionary; the note's
/// model is told the source language setting, if any, or reads it from the line). A line
/// without a letter is an error, before any dictionary or model is asked.
fn word_lang(lang: &str, line: &str, word: &str) -> Result<String, ErrorInfo> {
    if !lang.trim().is_empty() {
        return Ok(lang.trim().to_owned());
    }
    let written = reading::written_around(line, word);
    if let Some(lang) = reading::script_lang(written) {
        return Ok(lang.tag().to_owned());
    }
    if written.chars().any(char::is_alphabetic) {
        return Ok(String::new());
    }
    Err(ErrorInfo::localized(ErrorCode::BadRequest, text::ERR_WORD_LANG_UNKNOWN.text(), Some(text::HINT_WORD_LANG_UNKNOWN.text())))
}

/// The dictionary's entries for a clicked word; none, with the word as it was clicked, when
/// no dictionary exists for the language or it is not installed (the note still comes).
async fn look_up_word(app: &App, word: &str, lang: &str, line: &str, offset: Option<u32>) -> lookup::Found {
    let (dictionaries, readers) = (app.dictionaries.clone(), app.readers.clone());
    let (w, l, li) = (word.to_owned(), lang.to_owned(), line.to_owned());
    // The dictionary and the analyser may load (or compile) on first use: off the async threads.
    let found = tokio::task::spawn_blocking(move || lookup::look_up(&dictionaries, &readers, &l, &w, &li, offset)).await;
    match found {
        Ok(Ok(found)) => found,
        Ok(Err(e @ DictionaryError::Unsupported(_))) => {
            tracing::debug!("{e}");
            lookup::Found { lemma: word.trim().to_owned(), entries: Vec::new() }
        }
        Ok(Err(e)) => {
            tracing::warn!("word looked up without a dictionary: {e}");
            lookup::Found { lemma: word.trim().to_owned(), entries: Vec::new() }
        }
        Err(e) => {
            tracing::warn!("word lookup failed: {e}");
            lookup::Found { lemma: word.trim().to_owned(), entries: Vec::new() }
        }
    }
}

/// A save request as a card, its picture decoded. A card without a reading gets the host's
/// reading of its line when the line's language has one.
fn study_card(request: glossa_protocol::StudyCardRequest) -> Result<CardContent, ErrorInfo> {
    use base64::Engine as _;
    let glossa_protocol::StudyCardRequest { word, reading, meaning, sentence, translation, lang, video, at, picture } = request;
    let picture = picture
        .map(|p| base64::engine::general_purpose::STANDARD.decode(p.trim()))
        .transpose()
        .map_err(|_| ErrorInfo::localized(ErrorCode::BadImage, text::ERR_STUDY_BAD_PICTURE.text(), None))?;
    let lang = lang.unwrap_or_default();
    let time_ms = if at.is_finite() && at > 0.0 { (at * 1000.0).round() as u64 } else { 0 };
    Ok(CardContent { word, reading, meaning, sentence, translation, lang, video_id: video, time_ms, picture })
}

/// Why settings could not be saved, and what to do.
fn save_failed(e: crate::store::StoreError) -> ErrorInfo {
    match e {
        crate::store::StoreError::InvalidSetting(msg) => {
            ErrorInfo::localized(ErrorCode::InvalidSetting, msg, Some(text::HINT_NOTHING_SAVED.text()))
        }
        crate::store::StoreError::ReadOnly { path } => ErrorInfo::localized(
            ErrorCode::Storage,
            text::ERR_SETTINGS_READ_ONLY.with([path.display().to_string().into()]),
            Some(text::HINT_READ_ONLY_SAVE.with([text::HINT_READ_ONLY_FIX.into()])),
        ),
        other => ErrorInfo::localized(
            ErrorCode::Storage,
            text::ERR_SETTINGS_NOT_SAVED.with([other.to_string().into()]),
            Some(text::HINT_RUN_DOCTOR.text()),
        ),
    }
}

/// The installed models and the catalogue, as the options page lists them.
async fn local_models(app: &App) -> Result<EventBody, ErrorInfo> {
    let dir = models::models_dir(&app.data_dir);
    tokio::task::spawn_blocking(move || EventBody::LocalModels { models: models::list(&dir), catalogue: catalogue::for_page(&dir) })
        .await
        .map_err(|e| {
            ErrorInfo::localized(
                ErrorCode::Internal,
                text::ERR_LIST_MODELS_FAILED.with([e.to_string().into()]),
                Some(text::HINT_TRY_AGAIN.text()),
            )
        })
}

/// A track's results as `cues` and `cost` events, each cue with its reading when asked and
/// whether its words are the host's.
struct TrackEvents<'s> {
    sink: &'s EventSink,
    readings: Option<reading::CueReadings<'s>>,
    /// The ids of the cues whose words the host cuts ([`reading::cut_by_host`]).
    host_words: std::collections::HashSet<String>,
}

impl TrackSink for TrackEvents<'_> {
    fn cues(&mut self, mut cues: Vec<TranslatedCue>) {
        if let Some(readings) = &self.readings {
            readings.attach(&mut cues);
        }
        for cue in &mut cues {
            cue.host_words = self.host_words.contains(&cue.id);
        }
        self.sink.send(EventBody::Cues { cues });
    }

    fn cost(&mut self, cost: TrackCost) {
        self.sink.send(EventBody::Cost(cost));
    }
}

/// The playhead reports the session routes to a running track request; the frames they
/// carry go to `keyframes` (dropped when the track shows the model none).
fn playhead_updates(
    control: UnboundedReceiver<RequestBody>,
    keyframes: Option<subtitles::keyframe::Keyframes>,
) -> impl futures::Stream<Item = PlayheadUpdate> + Unpin + Send {
    Box::pin(futures::stream::unfold((control, keyframes), |(mut control, keyframes)| async move {
        loop {
            if let RequestBody::Playhead { time, rate, keyframe, .. } = control.recv().await? {
                if let (Some(frames), Some(frame)) = (&keyframes, keyframe) {
                    frames.put(frame);
                }
                return Some((PlayheadUpdate { time, rate }, (control, keyframes)));
            }
        }
    }))
}
