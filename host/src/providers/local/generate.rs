//! One model on its worker thread: loading it (after checking the files ourselves), then
//! for each request: chat template → prefill (text, or text + picture through mtmd) →
//! sample token by token, streaming each decoded piece as soon as it exists.

use std::ffi::CString;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use glossa_protocol::Usage;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::mtmd::{mtmd_default_marker, MtmdBitmap, MtmdContext, MtmdContextParams, MtmdInputText};
use llama_cpp_2::sampling::LlamaSampler;

use super::backend::backend;
use super::job::{GenEvent, Job, LoadParams};
use crate::models::{self, gguf};
use crate::providers::{MediaType, ProviderError};

/// Tokens per prefill batch (llama.cpp's default).
const N_BATCH: usize = 512;

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// A model or mmproj file that cannot be used, with the way to get a good one.
pub(super) fn bad_file(path: &Path, reason: impl Into<String>) -> ProviderError {
    let hint = match models::fix_command(&path.display().to_string()) {
        Some(cmd) => format!("Download it again with `{cmd}`, or choose another model in Glossa's options."),
        None => format!(
            "Download it again (`glossa-host model pull <URL or hf-repo/path>`), or choose another model in Glossa's options; models live in {}.",
            path.parent().map(|p| p.display().to_string()).unwrap_or_default()
        ),
    };
    ProviderError::BadModelFile { path: path.display().to_string(), reason: reason.into(), hint }
}

/// Check the file, then let llama.cpp load it.
pub(super) fn load(path: &Path, params: &LoadParams) -> Result<LlamaModel, ProviderError> {
    let summary = gguf::inspect(path).map_err(|e| bad_file(path, e.to_string()))?;
    if summary.is_mmproj() {
        return Err(ProviderError::BadModelFile {
            path: path.display().to_string(),
            reason: "it is a vision projector (mmproj), not a language model".into(),
            hint: "Choose the language model as the model, and set this file as `local.mmproj` (or leave that empty to pick it automatically).".into(),
        });
    }
    let backend = backend()?;
    let model_params = LlamaModelParams::default().with_n_gpu_layers(params.gpu_layers);
    LlamaModel::load_from_file(backend, path, &model_params).map_err(|e| {
        tracing::warn!(model = %path.display(), "llama.cpp refused the model: {e}");
        bad_file(
            path,
            format!(
                "llama.cpp cannot load it (architecture `{}` unsupported by this build, or damaged weights; the host log has details)",
                summary.architecture().unwrap_or("unknown")
            ),
        )
    })
}

/// A loaded model with its warm context and, once a picture was asked about, its mmproj.
pub(super) struct Loaded<'m> {
    model: &'m LlamaModel,
    model_path: PathBuf,
    pub params: LoadParams,
    ctx: LlamaContext<'m>,
    vision: Option<(PathBuf, MtmdContext)>,
}

impl<'m> Loaded<'m> {
    pub fn new(model: &'m LlamaModel, model_path: &Path, params: &LoadParams) -> Result<Self, ProviderError> {
        let ctx_params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(params.context_size))
            .with_n_batch(N_BATCH as u32)
            .with_n_threads(params.threads)
            .with_n_threads_batch(params.threads);
        let ctx = model.new_context(backend()?, ctx_params).map_err(|e| ProviderError::Local {
            message: format!("llama.cpp could not create a {}-token context for {}: {e}.", params.context_size, file_name(model_path)),
            hint: "Lower `local.context_size` in Glossa's options (e.g. 2048), or choose a smaller model.".into(),
        })?;
        Ok(Loaded { model, model_path: model_path.to_owned(), params: params.clone(), ctx, vision: None })
    }

    /// Load `mmproj` for this model unless it already is.
    fn ensure_vision(&mut self, mmproj: &Path) -> Result<(), ProviderError> {
        if self.vision.as_ref().is_some_and(|(p, _)| p != mmproj) {
            self.vision = None;
        }
        if self.vision.is_none() {
            let summary = gguf::inspect(mmproj).map_err(|e| bad_file(mmproj, e.to_string()))?;
            if !summary.is_mmproj() || !summary.has_vision_encoder() {
                return Err(bad_file(mmproj, "it is not a vision projector (mmproj) file"));
            }
            let mmproj_str = mmproj.to_str().ok_or_else(|| bad_file(mmproj, "its path is not valid UTF-8"))?;
            let params = MtmdContextParams {
                use_gpu: self.params.gpu_layers > 0,
                print_timings: false,
                n_threads: self.params.threads,
                media_marker: CString::new(mtmd_default_marker()).unwrap_or_default(),
                image_min_tokens: -1,
                image_max_tokens: -1,
            };
            let mtmd = MtmdContext::init_from_file(mmproj_str, self.model, &params).map_err(|e| {
                tracing::warn!(mmproj = %mmproj.display(), "mtmd refused the projector: {e}");
                let width = self.model.n_embd();
                let reason = match summary.projection_dim() {
                    Some(dim) if dim != width as u64 => format!(
                        "it does not belong to {}: it produces {dim}-wide embeddings, the model expects {width}",
                        file_name(&self.model_path)
                    ),
                    _ => format!("llama.cpp cannot use it with {} (see the host log)", file_name(&self.model_path)),
                };
                ProviderError::BadModelFile {
                    path: mmproj.display().to_string(),
                    reason,
                    hint: format!(
                        "Use the mmproj published with {}: set `local.mmproj` to it, or leave `local.mmproj` empty to pick the matching file automatically.",
                        file_name(&self.model_path)
                    ),
                }
            })?;
            if !mtmd.support_vision() {
                return Err(bad_file(mmproj, "it has no vision encoder"));
            }
            self.vision = Some((mmproj.to_owned(), mtmd));
        }
        Ok(())
    }
}

/// The conversation in the model's own chat format.
fn chat_prompt(model: &LlamaModel, system: &str, user: &str) -> Result<String, ProviderError> {
    let failed = |e: String| ProviderError::Local {
        message: format!("The model's chat template could not be applied: {e}."),
        hint: "Choose an instruct/chat model (its GGUF carries a chat template).".into(),
    };
    let mut messages = Vec::with_capacity(2);
    if !system.is_empty() {
        messages.push(LlamaChatMessage::new("system".into(), system.into()).map_err(|e| failed(e.to_string()))?);
    }
    messages.push(LlamaChatMessage::new("user".into(), user.into()).map_err(|e| failed(e.to_string()))?);
    let own = model.chat_template(None).ok().and_then(|t| model.apply_chat_template(&t, &messages, true).ok());
    match own {
        Some(prompt) => Ok(prompt),
        None => {
            // No (or an unrecognised) template in the file: ChatML is the common default.
            tracing::warn!("the model has no usable chat template; using ChatML");
            let chatml = LlamaChatTemplate::new("chatml").map_err(|e| failed(e.to_string()))?;
            model.apply_chat_template(&chatml, &messages, true).map_err(|e| failed(e.to_string()))
        }
    }
}

fn too_long(needed: usize, n_ctx: u32) -> ProviderError {
    ProviderError::Local {
        message: format!("The request is {needed} tokens, more than the model's context of {n_ctx}."),
        hint: "Raise `local.context_size` in Glossa's options (e.g. 8192), or translate smaller pieces.".into(),
    }
}

fn decode_failed(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::Local {
        message: format!("llama.cpp failed while generating: {e}."),
        hint: "Try again; if it keeps failing, lower `local.context_size` or choose a smaller model.".into(),
    }
}

/// Answer one request, sending text to `job.events` as it is sampled.
pub(super) fn run(loaded: &mut Loaded<'_>, job: &Job) -> Result<Usage, ProviderError> {
    let model = loaded.model;
    let user = match &job.image {
        // The picture goes first, where vision models were trained to see it.
        Some(_) => format!("{}\n{}", mtmd_default_marker(), job.user),
        None => job.user.clone(),
    };
    let prompt = chat_prompt(model, &job.system, &user)?;
    let n_ctx = loaded.ctx.n_ctx();
    loaded.ctx.clear_kv_cache();

    let (n_past, n_prompt, mut logits_idx) = match &job.image {
        Some(image) => {
            let mmproj = job
                .mmproj
                .as_deref()
                .ok_or_else(|| ProviderError::NoVision { model: file_name(&loaded.model_path), vision_models: vec![] })?;
            loaded.ensure_vision(mmproj)?;
            let Loaded { ctx, vision, .. } = &mut *loaded;
            let Some((_, mtmd)) = vision.as_mut() else {
                return Err(ProviderError::Other("The vision projector is not loaded.".into()));
            };
            if image.media_type == MediaType::Webp {
                return Err(ProviderError::Local {
                    message: "The built-in backend cannot read WebP pictures.".into(),
                    hint: "Capture the frame as JPEG or PNG (the extension does this by default).".into(),
                });
            }
            let bitmap = MtmdBitmap::from_buffer(mtmd, &image.bytes, false).map_err(|e| ProviderError::Local {
                message: format!("The picture ({}) could not be decoded: {e}.", image.media_type.mime()),
                hint: "Capture the frame again; if it keeps failing, reload the page.".into(),
            })?;
            let chunks = mtmd
                .tokenize(MtmdInputText { text: prompt, add_special: true, parse_special: true }, &[&bitmap])
                .map_err(|e| decode_failed(format!("{e:?}")))?;
            let needed = chunks.total_positions().max(0) as usize + 1;
            if needed > n_ctx as usize {
                return Err(too_long(needed, n_ctx));
            }
            let n_past = chunks.eval_chunks(mtmd, ctx, 0, 0, N_BATCH as i32, true).map_err(|e| decode_failed(format!("{e:?}")))?;
            (n_past, chunks.total_tokens(), -1)
        }
        None => {
            let tokens = model.vocab().tokenize(prompt.as_bytes(), true, true);
            if tokens.is_empty() {
                return Err(ProviderError::Other("The prompt is empty.".into()));
            }
            if tokens.len() + 1 > n_ctx as usize {
                return Err(too_long(tokens.len() + 1, n_ctx));
            }
            let mut batch = LlamaBatch::new(N_BATCH, 1);
            let last = tokens.len() - 1;
            for (chunk_index, chunk) in tokens.chunks(N_BATCH).enumerate() {
                if job.cancelled() {
                    return Ok(Usage::default());
                }
                batch.clear();
                for (i, token) in chunk.iter().enumerate() {
                    let pos = chunk_index * N_BATCH + i;
                    batch.add(*token, pos as i32, &[0], pos == last).map_err(decode_failed)?;
                }
                loaded.ctx.decode(&mut batch).map_err(decode_failed)?;
            }
            (tokens.len() as i32, tokens.len(), batch.n_tokens() - 1)
        }
    };

    let mut sampler = sampler(job, model);
    let vocab = model.vocab();
    // Token pieces can end mid-character (CJK, emoji): one decoder carries the rest over.
    let mut utf8 = encoding_rs::UTF_8.new_decoder();
    let mut piece = Vec::with_capacity(32);
    let mut text = String::with_capacity(64);
    let mut batch = LlamaBatch::new(1, 1);
    let mut pos = n_past;
    let mut n_gen: u64 = 0;
    while n_gen < u64::from(job.max_tokens) {
        if job.cancelled() {
            break;
        }
        if pos >= n_ctx as i32 {
            return Err(ProviderError::Local {
                message: format!("The answer filled the model's context of {n_ctx} tokens and was cut."),
                hint: "Raise `local.context_size` in Glossa's options (e.g. 8192).".into(),
            });
        }
        // `sample` also accepts the token into the sampler chain.
        let token = sampler.sample(&loaded.ctx, logits_idx);
        job.sampled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if vocab.is_eog(token) {
            break;
        }
        n_gen += 1;
        piece.clear();
        vocab.token_to_piece_into(token, &mut piece, false, None);
        text.clear();
        text.reserve(utf8.max_utf8_buffer_length(piece.len()).unwrap_or(piece.len() * 3 + 8));
        let _ = utf8.decode_to_string(&piece, &mut text, false);
        if !text.is_empty() && job.events.send(GenEvent::Delta(text.clone())).is_err() {
            break; // the requester is gone
        }
        batch.clear();
        batch.add(token, pos, &[0], true).map_err(decode_failed)?;
        pos += 1;
        loaded.ctx.decode(&mut batch).map_err(decode_failed)?;
        logits_idx = batch.n_tokens() - 1;
    }
    text.clear();
    text.reserve(utf8.max_utf8_buffer_length(0).unwrap_or(8));
    let _ = utf8.decode_to_string(&[], &mut text, true);
    if !text.is_empty() {
        let _ = job.events.send(GenEvent::Delta(text));
    }
    Ok(Usage { input_tokens: n_prompt as u64, output_tokens: n_gen, ..Usage::default() })
}

/// Greedy for temperature 0, else top-k/top-p sampling; behind the answer's grammar, when
/// there is one, so only tokens the schema allows are ever picked.
fn sampler(job: &Job, model: &LlamaModel) -> LlamaSampler {
    let grammar = job.grammar.as_deref().and_then(|grammar| match LlamaSampler::grammar(model, grammar, "root") {
        Ok(sampler) => Some(sampler),
        Err(e) => {
            tracing::warn!("llama.cpp refused the answer's grammar, answering free: {e}");
            None
        }
    });
    let choice = if job.temperature <= 0.0 {
        vec![LlamaSampler::greedy()]
    } else {
        let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        vec![LlamaSampler::top_k(40), LlamaSampler::top_p(0.95, 1), LlamaSampler::temp(job.temperature), LlamaSampler::dist(seed)]
    };
    LlamaSampler::chain_simple(grammar.into_iter().chain(choice))
}
