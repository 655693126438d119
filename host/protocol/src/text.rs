//! Sentences the host shows a person, as a stable `_locales` key plus arguments.
//!
//! The extension renders a [`Text`] with `chrome.i18n.getMessage(key, args)` in the
//! browser's language; the host (CLI, logs, older extensions) renders the English
//! template of the same entry in [`CATALOGUE`]. `extension/_locales/en/messages.json`
//! holds the same English, and a test checks every locale has every key with the same
//! placeholders. A key the extension does not know (a newer host) falls back to the
//! English `message`/`hint` that travel beside it.

use serde::{Deserialize, Serialize};

/// A sentence: a key of [`CATALOGUE`] (and of every `messages.json`) with its arguments,
/// in the order of the entry's placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub key: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Arg>,
}

/// One argument: a value shown as it is (a URL, a model name, a number), or a sentence
/// or term that is itself translated (a provider's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    Plain(String),
    Text(Text),
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Plain(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Plain(s.to_owned())
    }
}

impl From<Text> for Arg {
    fn from(t: Text) -> Self {
        Arg::Text(t)
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Plain(n.to_string())
            }
        }
    )*};
}
number_args!(u16, u32, u64, usize);

/// A text that comes from elsewhere in English (a server's own error, a file's reason)
/// and is shown as it is.
impl From<String> for Text {
    fn from(s: String) -> Self {
        AS_IS.with([s.into()])
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        AS_IS.with([s.into()])
    }
}

impl Text {
    /// The sentence in English: the catalogue's template with the arguments put in. An
    /// unknown key (a newer peer) gives the key and its arguments, so nothing is lost.
    pub fn english(&self) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| match a {
                Arg::Plain(s) => s.clone(),
                Arg::Text(t) => t.english(),
            })
            .collect();
        match CATALOGUE.iter().find(|e| e.key == self.key) {
            Some(entry) => fill(entry.english, entry.placeholders, &args),
            None if args.is_empty() => self.key.clone(),
            None => format!("{} ({})", self.key, args.join(", ")),
        }
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

/// Put `args` in for `$NAME$` (each of `names`, written upper-case in the template).
fn fill(template: &str, names: &[&str], args: &[String]) -> String {
    let mut out = template.to_owned();
    for (name, value) in names.iter().zip(args) {
        out = out.replace(&format!("${}$", name.to_ascii_uppercase()), value);
    }
    out
}

/// A catalogue entry with `N` arguments; [`Message::with`] checks the count at compile time.
#[derive(Debug, Clone, Copy)]
pub struct Message<const N: usize> {
    pub key: &'static str,
    pub placeholders: [&'static str; N],
    pub english: &'static str,
}

impl<const N: usize> Message<N> {
    pub fn with(&self, args: [Arg; N]) -> Text {
        Text { key: self.key.to_owned(), args: args.into() }
    }
}

impl Message<0> {
    pub fn text(&self) -> Text {
        self.with([])
    }
}

impl From<Message<0>> for Text {
    fn from(m: Message<0>) -> Self {
        m.text()
    }
}

impl From<Message<0>> for Arg {
    fn from(m: Message<0>) -> Self {
        Arg::Text(m.text())
    }
}

/// One entry of [`CATALOGUE`], its argument count erased.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub key: &'static str,
    pub placeholders: &'static [&'static str],
    pub english: &'static str,
}

macro_rules! catalogue {
    ($($(#[$doc:meta])* $name:ident = $key:literal ($($p:ident),*) $english:literal;)*) => {
        $(
            $(#[$doc])*
            pub const $name: Message<{ let names: &[&str] = &[$(stringify!($p)),*]; names.len() }> =
                Message { key: $key, placeholders: [$(stringify!($p)),*], english: $english };
        )*
        /// Every sentence the host sends, key → placeholders → English.
        pub const CATALOGUE: &[Entry] = &[$(Entry { key: $key, placeholders: &[$(stringify!($p)),*], english: $english }),*];
    };
}

catalogue! {
    /// Text from elsewhere, shown as it is.
    AS_IS = "hostAsIs" (text) "$TEXT$";

    PROVIDER_LOCAL = "providerLocal" () "Built-in local model";
    PROVIDER_OLLAMA = "providerOllama" () "Ollama";
    PROVIDER_OPENAI = "providerOpenai" () "OpenAI-compatible server";
    PROVIDER_ANTHROPIC = "providerAnthropic" () "Anthropic";
    NONE = "termNone" () "none";
    FIRST_LISTED = "termFirstListed" () "(first listed)";

    // Providers.
    ERR_UNREACHABLE = "errUnreachable" (provider, url) "Cannot connect to $PROVIDER$ at $URL$.";
    HINT_UNREACHABLE_OLLAMA = "hintUnreachableOllama" () "Make sure it's running (`ollama serve`).";
    HINT_UNREACHABLE_ANTHROPIC = "hintUnreachableAnthropic" () "Check your internet connection and the Anthropic URL in Glossa's options.";
    HINT_UNREACHABLE_SERVER = "hintUnreachableServer" () "Make sure the server is running and its URL in Glossa's options is right.";
    /// A hint followed by the technical cause.
    HINT_WITH_CAUSE = "hintWithCause" (hint, cause) "$HINT$ ($CAUSE$)";
    ERR_MODEL_NOT_INSTALLED = "errModelNotInstalled" (model) "Model $MODEL$ is not installed.";
    ERR_MODEL_NOT_AVAILABLE = "errModelNotAvailable" (model) "Model $MODEL$ is not available.";
    HINT_OLLAMA_PULL = "hintOllamaPull" (model) "Run: `ollama pull $MODEL$`";
    HINT_SERVER_LISTS_NO_MODELS = "hintServerListsNoModels" () "The server lists no models; load one into it (for llama-server: `-m model.gguf`).";
    HINT_SERVER_HAS_NO_MODEL = "hintServerHasNoModel" (model) "The server has no model $MODEL$; load it there or choose another in Glossa's options.";
    HINT_SERVER_MODELS_AVAILABLE = "hintServerModelsAvailable" (model, available) "The server has no model $MODEL$; available: $AVAILABLE$. Choose one in Glossa's options.";
    HINT_ANTHROPIC_NO_MODEL = "hintAnthropicNoModel" (model) "Anthropic has no model $MODEL$; choose one such as claude-sonnet-4-5 or claude-haiku-4-5 in Glossa's options.";
    ERR_OLLAMA_NO_MODELS = "errOllamaNoModels" () "Ollama has no models installed.";
    ERR_SERVER_NO_MODEL = "errServerNoModel" (model) "The server has no model $MODEL$.";
    ERR_ANTHROPIC_NO_MODEL = "errAnthropicNoModel" (model) "Anthropic has no model $MODEL$.";
    HINT_AVAILABLE_CHOOSE = "hintAvailableChoose" (available) "Available: $AVAILABLE$. Choose one in Glossa's options.";
    ERR_NO_VISION = "errNoVision" (model) "Model $MODEL$ cannot read images.";
    HINT_NO_VISION_NONE = "hintNoVisionNone" () "Choose a vision model for frames (built-in: `glossa-host model pull gemma-3-4b`; Ollama: `ollama pull gemma3:12b`).";
    HINT_NO_VISION_INSTALLED = "hintNoVisionInstalled" (models) "Choose a model that reads images for frames; installed: $MODELS$.";
    ERR_AUTH = "errAuth" (provider, status) "$PROVIDER$ rejected the API key (HTTP $STATUS$).";
    HINT_SET_API_KEY = "hintSetApiKey" (provider) "Set your $PROVIDER$ API key in Glossa's options.";
    HINT_CHECK_API_KEY = "hintCheckApiKey" (provider) "Check the $PROVIDER$ API key in Glossa's options; it was refused.";
    ERR_RATE_LIMITED = "errRateLimited" (provider, status) "$PROVIDER$ is rate limiting requests (HTTP $STATUS$).";
    HINT_WAIT_RETRY = "hintWaitRetry" () "Wait a moment and try again.";
    HINT_WAIT_RETRY_ASKED = "hintWaitRetryAsked" (seconds) "Wait a moment and try again (the server asked to wait $SECONDS$s).";
    HINT_RETRIED_ONCE_WAIT = "hintRetriedOnceWait" () "Tried 1 more time; wait a moment and try again.";
    HINT_RETRIED_ONCE_WAIT_ASKED = "hintRetriedOnceWaitAsked" (seconds) "Tried 1 more time (the server asked to wait $SECONDS$s); wait a moment and try again.";
    HINT_RETRIED_WAIT = "hintRetriedWait" (count) "Tried $COUNT$ more times; wait a moment and try again.";
    HINT_RETRIED_WAIT_ASKED = "hintRetriedWaitAsked" (count, seconds) "Tried $COUNT$ more times (the server asked to wait $SECONDS$s); wait a moment and try again.";
    ERR_OVERLOADED = "errOverloaded" (provider) "$PROVIDER$ is overloaded.";
    HINT_TRY_IN_A_MINUTE = "hintTryInAMinute" () "Try again in a minute.";
    HINT_RETRIED_ONCE_MINUTE = "hintRetriedOnceMinute" () "Tried 1 more time; try again in a minute.";
    HINT_RETRIED_MINUTE = "hintRetriedMinute" (count) "Tried $COUNT$ more times; try again in a minute.";
    ERR_CONNECT_TIMEOUT = "errConnectTimeout" (provider, url, seconds) "Connecting to $PROVIDER$ at $URL$ timed out after $SECONDS$s.";
    HINT_CHECK_URL_SERVER_UP = "hintCheckUrlServerUp" () "Check the URL in Glossa's options and that the server is up.";
    ERR_IDLE_TIMEOUT = "errIdleTimeout" (provider, seconds) "$PROVIDER$ stopped sending for $SECONDS$s.";
    HINT_MODEL_TOO_SLOW = "hintModelTooSlow" () "The model may be overloaded or too large for this machine; try again or choose a smaller model.";
    ERR_FIRST_TOKEN_TIMEOUT = "errFirstTokenTimeout" (provider, seconds) "$PROVIDER$ did not start answering within $SECONDS$s.";
    HINT_FIRST_TOKEN_TIMEOUT = "hintFirstTokenTimeout" (seconds) "The model may still be loading, or the request is long for this machine: try again, allow it longer (`glossa-host settings set timeouts.first_token_secs $SECONDS$`), or choose a smaller model.";
    ERR_STREAM_INCOMPLETE = "errStreamIncomplete" (provider) "The answer from $PROVIDER$ ended before it was complete.";
    HINT_TEXT_KEPT = "hintTextKept" () "The text so far is kept; try again.";
    ERR_BAD_RESPONSE = "errBadResponse" (provider, detail) "$PROVIDER$ sent a reply that is not its API's format: $DETAIL$";
    HINT_CHECK_API_URL = "hintCheckApiUrl" () "Check the URL points at the API itself, not a web page or proxy.";
    ERR_PROVIDER_REPORTED = "errProviderReported" (provider, message) "$PROVIDER$ reported an error: $MESSAGE$";
    ERR_BAD_MODEL_FILE = "errBadModelFile" (path, reason) "The model file $PATH$ cannot be used: $REASON$.";
    ERR_NOT_BUILT_IN = "errNotBuiltIn" (provider) "This glossa-host was built without the $PROVIDER$ provider; rebuild with `--features local` or choose another provider.";
    ERR_BAD_URL = "errBadUrl" (provider, detail) "The $PROVIDER$ URL is not usable: $DETAIL$. Correct it in Glossa's options.";

    // Requests and settings.
    ERR_VERSION_MISMATCH = "errVersionMismatch" (host_version, host_protocol, extension_version, extension_protocol) "The Glossa host $HOST_VERSION$ speaks protocol $HOST_PROTOCOL$; the extension $EXTENSION_VERSION$ speaks $EXTENSION_PROTOCOL$.";
    HINT_UPDATE_BOTH = "hintUpdateBoth" () "Update both to the same release, then run `glossa-host install`.";
    ERR_UNKNOWN_SETTING = "errUnknownSetting" (key, known) "Unknown setting `$KEY$`. Known settings: $KNOWN$.";
    ERR_SETTING_INVALID = "errSettingInvalid" (key, detail) "`$KEY$`: $DETAIL$";
    ERR_UNKNOWN_PROVIDER = "errUnknownProvider" (name) "unknown provider `$NAME$`; use one of: local, ollama, openai, anthropic";
    ERR_SETTING_WHOLE_NUMBER = "errSettingWholeNumber" (key, value) "`$KEY$` must be a whole number, not `$VALUE$`.";
    ERR_SETTING_SECONDS = "errSettingSeconds" (key, value) "`$KEY$` must be a number of seconds from 1 to 3600, not `$VALUE$`.";
    ERR_SETTING_BOOL = "errSettingBool" (key, value) "`$KEY$` must be true or false, not `$VALUE$`.";
    ERR_SETTING_POSITION = "errSettingPosition" (key, value) "`$KEY$` must be bottom or top, not `$VALUE$`.";
    ERR_TARGET_LANGUAGE_EMPTY = "errTargetLanguageEmpty" () "`target_language` cannot be empty (e.g. en, ja, zh-CN).";
    HINT_NOTHING_SAVED = "hintNothingSaved" () "Nothing was saved; correct the value and save again.";
    ERR_SETTINGS_READ_ONLY = "errSettingsReadOnly" (path) "Settings could not be saved: the database $PATH$ is read-only for this user.";
    /// What to do about a database this user cannot write (in warnings and errors).
    HINT_READ_ONLY_FIX = "hintReadOnlyFix" () "Make the file and its folder writable for you (e.g. `chmod u+w`, or fix their owner), then reload the extension.";
    HINT_READ_ONLY_SAVE = "hintReadOnlySave" (fix) "$FIX$ Then save again.";
    ERR_SETTINGS_NOT_SAVED = "errSettingsNotSaved" (detail) "Settings could not be saved: $DETAIL$.";
    HINT_RUN_DOCTOR = "hintRunDoctor" () "Run `glossa-host doctor` to check the database.";
    ERR_LIST_MODELS_FAILED = "errListModelsFailed" (detail) "Listing the models failed: $DETAIL$.";
    HINT_TRY_AGAIN = "hintTryAgain" () "Try again.";
    ERR_STUDY_NOT_SAVED = "errStudyNotSaved" (detail) "The study card could not be saved: $DETAIL$.";
    ERR_STUDY_EXPORT_FAILED = "errStudyExportFailed" (detail) "The study cards could not be exported: $DETAIL$.";
    ERR_STUDY_BAD_PICTURE = "errStudyBadPicture" () "The card's picture is not base64.";
    ERR_REMOVE_MODEL_FAILED = "errRemoveModelFailed" (file, detail) "$FILE$ could not be removed: $DETAIL$.";
    HINT_RELOAD_MODELS = "hintReloadModels" () "Reload the page to see the models that are installed.";
    ERR_NO_ENV_KEY = "errNoEnvKey" (provider) "glossa-host has no $PROVIDER$ key in its environment.";
    HINT_PASTE_KEY = "hintPasteKey" () "Paste the key into the API key field instead.";
    // Readings (furigana, pinyin, romanization).
    ERR_READING_UNSUPPORTED = "errReadingUnsupported" (lang, supported) "No reading for language \"$LANG$\"; supported: $SUPPORTED$.";
    ERR_READING_DATA_MISSING = "errReadingDataMissing" (what, dir) "The $WHAT$ for readings is not installed (looked in $DIR$).";
    HINT_READING_DATA = "hintReadingData" (dir) "Run tests/tools/fetch-reading-data.sh and point GLOSSA_READING_DATA at its output, or copy that to $DIR$.";
    ERR_READING_DATA_UNREADABLE = "errReadingDataUnreadable" (what, path, reason) "Cannot load the $WHAT$ for readings from $PATH$: $REASON$.";
    TERM_JAPANESE_DICTIONARY = "termJapaneseDictionary" () "Japanese dictionary (IPADIC)";
    TERM_CHINESE_PINYIN_TABLE = "termChinesePinyinTable" () "Chinese pinyin table";
    // A word's meaning.
    ERR_WORD_LANG_UNKNOWN = "errWordLangUnknown" () "Glossa cannot tell which language this line is in.";
    HINT_WORD_LANG_UNKNOWN = "hintWordLangUnknown" () "Click a word written in letters.";
    ERR_CANCELLED = "errCancelled" () "The request was cancelled.";
    ERR_NO_SUCH_TRACK = "errNoSuchTrack" (target) "No track request `$TARGET$` is running.";
    HINT_PLAYHEAD_TARGET = "hintPlayheadTarget" () "Send the playhead for a translate_track request that has not finished.";
    ERR_DUPLICATE_ID = "errDuplicateId" (id) "A request with id `$ID$` is already running.";
    HINT_FRESH_ID = "hintFreshId" () "Use a fresh id for every request.";
    ERR_BAD_JSON = "errBadJson" (detail) "The message is not valid JSON: $DETAIL$.";
    HINT_BAD_JSON = "hintBadJson" () "This is a bug in the extension or a corrupted pipe; reload the extension.";
    ERR_NO_ID = "errNoId" () "The message has no string `id`.";
    HINT_NO_ID = "hintNoId" () "Every request needs an id so its answers can be matched to it.";
    ERR_UNKNOWN_TYPE = "errUnknownType" (kind) "This host does not understand requests of type `$KIND$`.";
    HINT_HOST_OLDER = "hintHostOlder" () "The host is probably older than the extension: update it and run `glossa-host install` again.";
    ERR_NO_TYPE = "errNoType" () "The message has no `type`.";
    ERR_MALFORMED = "errMalformed" (kind, detail) "The `$KIND$` request is malformed: $DETAIL$.";
    HINT_VERSIONS_MATCH = "hintVersionsMatch" () "Check the extension and host versions match (`glossa-host doctor`).";

    // Frames and subtitles.
    ERR_PICTURE_TOO_LARGE = "errPictureTooLarge" (size, limit) "The picture is $SIZE$ MiB; the limit is $LIMIT$ MiB.";
    HINT_SMALLER_REGION = "hintSmallerRegion" () "Select a smaller region of the video, or lower the capture size.";
    ERR_PICTURE_BASE64 = "errPictureBase64" (detail) "The picture is not valid base64: $DETAIL$.";
    HINT_RELOAD_EXTENSION = "hintReloadExtension" () "Reload the extension and try again.";
    ERR_PICTURE_FORMAT = "errPictureFormat" () "The picture is not a JPEG, PNG, WebP or GIF image.";
    HINT_CAPTURE_AGAIN = "hintCaptureAgain" () "Capture the frame again; if it keeps failing, reload the page.";
    ERR_TRACK_TOO_LARGE = "errTrackTooLarge" (cues, kib, max_cues, max_kib) "The caption track has $CUES$ cues ($KIB$ KiB of text); the limit is $MAX_CUES$ cues and $MAX_KIB$ KiB.";
    HINT_SHORTER_TRACK = "hintShorterTrack" () "Translate a shorter track, or split the file.";
    ERR_DUPLICATE_CUE = "errDuplicateCue" (id) "Two cues of the track have the id `$ID$`.";
    HINT_DUPLICATE_CUE = "hintDuplicateCue" () "Every cue needs its own id so its translation can be matched to it; this is a bug in the caller.";
    ERR_CAPTION_FILE_TOO_LARGE = "errCaptionFileTooLarge" (size, limit) "The caption file is $SIZE$ MiB; the limit is $LIMIT$ MiB.";
    ERR_CAPTIONS_UNREADABLE = "errCaptionsUnreadable" (track, detail) "The caption track `$TRACK$` could not be read: $DETAIL$.";
    HINT_CAPTION_FORMAT = "hintCaptionFormat" () "YouTube may have changed its caption format: update Glossa, or report the video.";

    // What a provider check found.
    CHECK_AT = "checkAt" (provider, url) "$PROVIDER$ at $URL$";
    CHECK_OLLAMA_VERSION = "checkOllamaVersion" (version, url) "Ollama $VERSION$ at $URL$";
    CHECK_ANTHROPIC_MODELS = "checkAnthropicModels" (url, count) "Anthropic at $URL$ ($COUNT$ models)";
    CHECK_SERVING = "checkServing" (provider, url, models) "$PROVIDER$ at $URL$ serving $MODELS$";
    NO_MODELS = "termNoModels" () "no models";
    CHECK_NOT_BUILT_IN = "checkNotBuiltIn" () "not built into this host";

    // Warnings.
    WARN_CLEARTEXT = "warnCleartext" (url) "$URL$ uses plain http to another machine: use https if you can.";
    WARN_CLEARTEXT_KEY = "warnCleartextKey" (url) "$URL$ uses plain http to another machine, so your API key travels unencrypted: use https if you can.";
    WARN_DB_DAMAGED = "warnDbDamaged" (path, aside) "The settings database $PATH$ was damaged; it was kept as $ASIDE$ and settings were reset to defaults.";
    WARN_DB_READ_ONLY = "warnDbReadOnly" (path, fix) "The settings database $PATH$ is read-only for this user: your saved settings are used, but changes cannot be saved and translations are not cached. $FIX$";
    WARN_SETTINGS_NOT_SAVED = "warnSettingsNotSaved" (detail) "$DETAIL$. Settings will not be saved; run `glossa-host doctor`.";
    WARN_SETTINGS_UNREADABLE = "warnSettingsUnreadable" (detail) "Settings could not be read ($DETAIL$); defaults are used.";

    // Model downloads.
    ERR_DOWNLOAD_BAD_SOURCE = "errDownloadBadSource" (source) "`$SOURCE$` is not something Glossa can download.";
    HINT_DOWNLOAD_BAD_SOURCE = "hintDownloadBadSource" (catalogue) "Give a https:// URL of a .gguf file, a Hugging Face path like `ggml-org/gemma-3-4b-it-GGUF/gemma-3-4b-it-Q4_K_M.gguf`, or one of: $CATALOGUE$.";
    ERR_DOWNLOAD_NETWORK = "errDownloadNetwork" (url, detail) "Downloading $URL$ failed: $DETAIL$.";
    HINT_DOWNLOAD_NETWORK = "hintDownloadNetwork" () "Check the network connection and run the same pull again: it resumes where it stopped.";
    ERR_DOWNLOAD_HTTP = "errDownloadHttp" (status, url) "The server answered HTTP $STATUS$ for $URL$.";
    HINT_DOWNLOAD_NOT_FOUND = "hintDownloadNotFound" () "Check the repository and file name; the file is not at that address.";
    HINT_DOWNLOAD_LOGIN = "hintDownloadLogin" () "The file needs a login or licence acceptance on its model page; download it in a browser and put it in the models folder.";
    HINT_TRY_LATER = "hintTryLater" () "Try again later; the server may be busy.";
    ERR_CHECKSUM = "errChecksum" (file, expected, actual) "$FILE$ does not match its checksum (expected sha256 $EXPECTED$, got $ACTUAL$); it was deleted.";
    HINT_CHECKSUM = "hintChecksum" () "Pull it again; if it fails again, check the --sha256 value against the model page.";
    ERR_NOT_A_MODEL = "errNotAModel" (file, reason) "The downloaded $FILE$ is not a usable model: $REASON$; it was deleted.";
    HINT_NOT_A_MODEL = "hintNotAModel" () "Check that the address points at a .gguf file, not a web page.";
    ERR_DOWNLOAD_IO = "errDownloadIo" (path, detail) "Cannot write $PATH$: $DETAIL$; the partial download was deleted.";
    HINT_DISK_SPACE = "hintDiskSpace" () "Free some disk space (models need several GB) and pull again.";
    ERR_DOWNLOAD_BUSY = "errDownloadBusy" (file) "$FILE$ is already being downloaded by another Glossa process or window.";
    HINT_DOWNLOAD_BUSY = "hintDownloadBusy" () "Wait for that download to finish; `glossa-host model list` shows the model once it is in place.";
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn english_fills_the_arguments_in_and_translates_terms() {
        let t = ERR_UNREACHABLE.with([PROVIDER_OPENAI.into(), "http://localhost:8080".into()]);
        assert_eq!(t.english(), "Cannot connect to OpenAI-compatible server at http://localhost:8080.");
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json, serde_json::json!({"key": "errUnreachable", "args": [{"key": "providerOpenai"}, "http://localhost:8080"]}));
        assert_eq!(serde_json::from_value::<Text>(json).unwrap(), t);
        assert_eq!(Text::from("a server's own words").english(), "a server's own words");
    }

    #[test]
    fn an_unknown_key_keeps_its_arguments() {
        let t = Text { key: "errFromTheFuture".into(), args: vec!["x".into()] };
        assert_eq!(t.english(), "errFromTheFuture (x)");
    }

    #[test]
    fn keys_are_unique_and_templates_name_each_placeholder_once() {
        let mut seen = std::collections::HashSet::new();
        for e in CATALOGUE {
            assert!(seen.insert(e.key), "{} twice", e.key);
            assert!(e.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{}", e.key);
            assert_eq!(placeholders_of(e.english), e.placeholders.iter().map(|p| p.to_ascii_uppercase()).collect(), "{}", e.key);
        }
    }

    /// The `$NAME$` placeholders a template or a `messages.json` message uses, upper-cased.
    fn placeholders_of(message: &str) -> std::collections::BTreeSet<String> {
        let parts: Vec<&str> = message.split('$').collect();
        // Between an odd and the following even `$` lies a name; `$1` style is not used.
        parts.iter().skip(1).step_by(2).take(parts.len() / 2).map(|p| p.to_ascii_uppercase()).collect()
    }

    fn locales() -> BTreeMap<String, serde_json::Map<String, serde_json::Value>> {
        // At run time: a binary built from another checkout sharing the target directory (CI's clone) is fresh for cargo, and `env!` names that checkout.
        let dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), std::path::PathBuf::from)
            .join("../../extension/_locales");
        let mut out = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(path.join("messages.json")).unwrap();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.insert(path.file_name().unwrap().to_string_lossy().into_owned(), json.as_object().unwrap().clone());
        }
        out
    }

    /// `name → "$n"` of a messages.json entry.
    fn positions(entry: &serde_json::Value) -> BTreeMap<String, String> {
        entry
            .get("placeholders")
            .and_then(|p| p.as_object())
            .map(|p| p.iter().map(|(k, v)| (k.to_ascii_uppercase(), v["content"].as_str().unwrap_or_default().to_owned())).collect())
            .unwrap_or_default()
    }

    #[test]
    fn english_locale_says_what_the_catalogue_says() {
        let en = &locales()["en"];
        for e in CATALOGUE {
            let entry = en.get(e.key).unwrap_or_else(|| panic!("en/messages.json lacks {}", e.key));
            assert_eq!(entry["message"], e.english, "{}", e.key);
            let expected: BTreeMap<String, String> =
                e.placeholders.iter().enumerate().map(|(i, p)| (p.to_ascii_uppercase(), format!("${}", i + 1))).collect();
            assert_eq!(positions(entry), expected, "placeholders of {}", e.key);
        }
    }

    #[test]
    fn every_locale_has_every_message_with_the_same_placeholders() {
        let all = locales();
        let en = &all["en"];
        for want in ["en", "ja", "zh_CN", "ko", "es", "fr", "de", "pt_BR", "ru"] {
            assert!(all.contains_key(want), "no _locales/{want}");
        }
        for (lang, messages) in &all {
            for (key, entry) in en {
                let theirs = messages.get(key).unwrap_or_else(|| panic!("{lang}/messages.json lacks {key}"));
                let message = theirs["message"].as_str().unwrap_or_else(|| panic!("{lang}: {key} has no message"));
                assert!(!message.trim().is_empty(), "{lang}: {key} is empty");
                assert_eq!(positions(theirs), positions(entry), "{lang}: placeholders of {key}");
                assert_eq!(
                    placeholders_of(message),
                    placeholders_of(entry["message"].as_str().unwrap()),
                    "{lang}: {key} uses other placeholders"
                );
            }
            for key in messages.keys() {
                assert!(en.contains_key(key), "{lang}/messages.json has {key}, which en does not");
            }
        }
    }
}
