//! Provider `local`: GGUF models run inside glossa-host by llama.cpp (llama-cpp-2), with
//! pictures through mtmd (a model + its mmproj). No server, no account.
//!
//! Models are file names in `<data dir>/models` (or absolute paths), from [`LocalConfig`].
//! Work runs on the [`LocalRuntime`]'s model threads; this side only resolves files,
//! queues the job and relays the tokens. Dropping the answer's stream (a cancelled request) raises the job's
//! cancel flag, which the generation loop checks between tokens.

mod backend;
mod generate;
mod job;
mod runtime;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use glossa_protocol::{CheckReport, ModelInfo, ProviderKind};

pub use job::LoadParams;
use job::{GenEvent, Job};
pub use runtime::LocalRuntime;

use super::{Billing, ChatRequest, Delta, ImageBudget, Provider, ProviderError, TokenStream};
use crate::config::LocalConfig;
use crate::models::{self, catalogue, gguf};

/// The GPU back-end compiled in, for `check` and `doctor`.
pub const ACCELERATOR: &str = if cfg!(feature = "cuda") {
    "CUDA"
} else if cfg!(feature = "vulkan") {
    "Vulkan"
} else if cfg!(feature = "metal") {
    "Metal"
} else {
    "CPU"
};

pub struct Local {
    runtime: Arc<LocalRuntime>,
    load: LoadParams,
    idle_unload: Duration,
    /// `local.mmproj`: empty to find the projector that matches the model.
    mmproj: String,
}

impl Local {
    pub fn new(runtime: Arc<LocalRuntime>, config: &LocalConfig) -> Self {
        Local { load: load_params(config), idle_unload: config.idle_unload, mmproj: config.mmproj.clone(), runtime }
    }

    fn models_dir(&self) -> &Path {
        self.runtime.models_dir()
    }

    /// The model file a setting names, or why it cannot be used.
    fn model_path(&self, name: &str) -> Result<PathBuf, ProviderError> {
        let path = models::resolve(self.models_dir(), name.trim());
        if !name.trim().is_empty() && path.is_file() {
            return Ok(path);
        }
        let installed: Vec<String> = models::list(self.models_dir()).into_iter().map(|m| m.file).collect();
        let hint = match catalogue::by_model_file(name.trim()) {
            Some(entry) => format!(
                "Download it with `glossa-host model pull {}` (about {:.1} GB with its vision projector), or choose an installed model in Glossa's options.",
                entry.id,
                entry.total_bytes() as f64 / 1e9
            ),
            None if installed.is_empty() => format!(
                "Download a model with `glossa-host model pull gemma-3-4b` (or any GGUF with `glossa-host model pull <URL or hf-repo/path>`), or put a .gguf file in {}.",
                self.models_dir().display()
            ),
            None => format!(
                "Choose one of the installed models ({}) in Glossa's options, or put the file in {}.",
                installed.join(", "),
                self.models_dir().display()
            ),
        };
        Err(ProviderError::ModelMissing {
            provider: ProviderKind::Local,
            model: if name.trim().is_empty() { "(none chosen)".into() } else { name.trim().into() },
            available: installed,
            hint: hint.into(),
        })
    }

    /// The vision projector for `model`: the setting, else the installed match.
    async fn mmproj_for(&self, model: &Path) -> Result<PathBuf, ProviderError> {
        if !self.mmproj.is_empty() {
            return Ok(models::resolve(self.models_dir(), &self.mmproj));
        }
        let (model, dir) = (model.to_owned(), self.models_dir().to_owned());
        let found = tokio::task::spawn_blocking(move || {
            let found = models::find_mmproj(&model);
            let vision_models = match found {
                Some(_) => vec![],
                None => models::list(&dir).into_iter().filter(|m| m.mmproj.is_some()).map(|m| m.file).collect(),
            };
            (found, vision_models, model)
        })
        .await;
        match found {
            Ok((Some(path), _, _)) => Ok(path),
            Ok((None, vision_models, model)) => Err(ProviderError::NoVision { model: display_name(&model), vision_models }),
            Err(e) => Err(ProviderError::Other(format!("Looking for the vision projector failed: {e}."))),
        }
    }
}

fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn load_params(config: &LocalConfig) -> LoadParams {
    let threads = match config.threads {
        0 => num_cpus::get_physical().max(1) as i32,
        n => n.min(512) as i32,
    };
    LoadParams { context_size: config.context_size, threads, gpu_layers: config.gpu_layers }
}

/// Raises the job's cancel flag when the answer's stream is dropped.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[async_trait]
impl Provider for Local {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Local
    }

    fn context_tokens(&self) -> Option<u32> {
        Some(self.load.context_size).filter(|&n| n > 0)
    }

    fn billing(&self) -> Billing {
        Billing::BuiltIn
    }

    /// The projector's own image size (its GGUF says it): mtmd scales a larger picture down
    /// to it anyway.
    async fn image_budget(&self, model: &str) -> ImageBudget {
        let Ok(path) = self.model_path(model) else { return ImageBudget::DEFAULT };
        let Ok(mmproj) = self.mmproj_for(&path).await else { return ImageBudget::DEFAULT };
        let read = tokio::task::spawn_blocking(move || {
            let summary = gguf::inspect(&mmproj).ok()?;
            Some(ImageBudget::for_projector(summary.vision_image_size()?, summary.projector_type()))
        });
        read.await.ok().flatten().unwrap_or(ImageBudget::DEFAULT)
    }

    async fn stream(&self, request: &ChatRequest) -> Result<TokenStream, ProviderError> {
        let model = self.model_path(&request.model)?;
        let mmproj = match request.image {
            Some(_) => Some(self.mmproj_for(&model).await?),
            None => None,
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let cancel_on_drop = CancelOnDrop(cancel.clone());
        let (events, answer) = tokio::sync::mpsc::unbounded_channel();
        self.runtime.submit(
            &model,
            Job {
                mmproj,
                load: self.load.clone(),
                idle_unload: self.idle_unload,
                system: request.system.clone(),
                user: request.user.clone(),
                image: request.image.clone(),
                max_tokens: request.max_tokens,
                temperature: request.temperature,
                grammar: request.answer_format.as_ref().and_then(answer_grammar),
                cancel,
                events,
                sampled: self.runtime.counter(),
            },
        );
        // The guard lives as long as the stream: dropping either cancels the job.
        Ok(Box::pin(futures::stream::unfold(Some((answer, cancel_on_drop)), |state| async move {
            let (mut answer, guard) = state?;
            match answer.recv().await {
                Some(GenEvent::Delta(text)) => Some((Ok(Delta::Text(text)), Some((answer, guard)))),
                Some(GenEvent::Finished(result)) => Some((result.map(Delta::Done), None)),
                None => {
                    Some((Err(ProviderError::Other("The built-in model stopped before finishing the answer; try again.".into())), None))
                }
            }
        })))
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
        let dir = self.models_dir().to_owned();
        let models = tokio::task::spawn_blocking(move || models::list(&dir))
            .await
            .map_err(|e| ProviderError::Other(format!("Listing the models failed: {e}.")))?;
        Ok(models
            .into_iter()
            .map(|m| ModelInfo { name: m.file, vision: Some(m.mmproj.is_some()), size_bytes: Some(m.size_bytes) })
            .collect())
    }

    async fn check(&self, frame_model: &str, subtitle_model: &str) -> CheckReport {
        let mut report = CheckReport::new(
            ProviderKind::Local,
            format!("Built-in llama.cpp ({ACCELERATOR}, {} threads), models in {}", self.load.threads, self.models_dir().display()),
        );
        report.reachable = true;
        if let Err(e) = backend::cpu_check() {
            report.reachable = false;
            report.problems.push(e.info());
        }
        let subtitle = self.check_model(subtitle_model).await;
        report.subtitle_model_present = Some(subtitle.is_ok());
        if let Err(e) = subtitle {
            report.problems.push(e.info());
        }
        match self.check_model(frame_model).await {
            Err(e) => {
                report.frame_model_present = Some(false);
                if frame_model.trim() != subtitle_model.trim() {
                    report.problems.push(e.info());
                }
            }
            Ok((path, summary)) => {
                report.frame_model_present = Some(true);
                let vision = self.check_vision(&path, &summary).await;
                report.frame_model_vision = Some(vision.is_ok());
                if let Err(e) = vision {
                    report.problems.push(e.info());
                }
            }
        }
        report
    }
}

impl Local {
    /// The model exists and its file is whole.
    async fn check_model(&self, name: &str) -> Result<(PathBuf, gguf::GgufSummary), ProviderError> {
        let path = self.model_path(name)?;
        let inspected = path.clone();
        let summary = tokio::task::spawn_blocking(move || gguf::inspect(&inspected))
            .await
            .map_err(|e| ProviderError::Other(e.to_string()))?
            .map_err(|e| generate::bad_file(&path, e.to_string()))?;
        if summary.is_mmproj() {
            return Err(generate::bad_file(&path, "it is a vision projector (mmproj), not a language model"));
        }
        Ok((path, summary))
    }

    /// The model has a whole mmproj made for its embedding width.
    async fn check_vision(&self, model: &Path, summary: &gguf::GgufSummary) -> Result<PathBuf, ProviderError> {
        let mmproj = self.mmproj_for(model).await?;
        let inspected = mmproj.clone();
        let projector = tokio::task::spawn_blocking(move || gguf::inspect(&inspected))
            .await
            .map_err(|e| ProviderError::Other(e.to_string()))?
            .map_err(|e| generate::bad_file(&mmproj, e.to_string()))?;
        if !projector.is_mmproj() {
            return Err(generate::bad_file(&mmproj, "it is not a vision projector (mmproj) file"));
        }
        match (projector.projection_dim(), summary.embedding_length()) {
            (Some(dim), Some(width)) if dim != width => Err(ProviderError::BadModelFile {
                path: mmproj.display().to_string(),
                reason: format!(
                    "it does not belong to {}: it produces {dim}-wide embeddings, the model expects {width}",
                    display_name(model)
                ),
                hint: format!(
                    "Use the mmproj published with {}: set `local.mmproj` to it, or leave `local.mmproj` empty to pick the matching file automatically.",
                    display_name(model)
                ),
            }),
            _ => Ok(mmproj),
        }
    }
}

/// The grammar holding the model to `format`'s JSON schema, as llama-server builds it for
/// `response_format`; a schema llama.cpp cannot turn into one leaves the answer free (the
/// caller reads free text too).
fn answer_grammar(format: &super::AnswerFormat) -> Option<String> {
    match llama_cpp_2::json_schema_to_grammar(&format.schema.to_string()) {
        Ok(grammar) => Some(grammar),
        Err(e) => {
            tracing::warn!(format = %format.name, "no grammar for the answer's schema, answering free: {e}");
            None
        }
    }
}
