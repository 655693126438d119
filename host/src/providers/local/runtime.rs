//! The host's llama.cpp engine: one worker thread per loaded model, each with a queue, so a
//! model runs one generation at a time, stays warm between requests, and is unloaded
//! (thread and memory gone) after `local.idle_unload_secs` without work.
//!
//! llama.cpp's context borrows its model and is not `Sync`, so everything touching a model
//! lives on that model's own OS thread; requests reach it over a channel and tokens come
//! back over another, as they are sampled.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::generate::{self, Loaded};
use super::job::Job;
use crate::providers::ProviderError;

pub struct LocalRuntime {
    models_dir: PathBuf,
    workers: Arc<Mutex<HashMap<PathBuf, mpsc::Sender<Job>>>>,
    sampled: Arc<AtomicU64>,
}

impl LocalRuntime {
    pub fn new(models_dir: PathBuf) -> Self {
        LocalRuntime { models_dir, workers: Arc::default(), sampled: Arc::default() }
    }

    /// Tokens sampled by every model since start (shows that a cancelled generation stopped).
    pub fn tokens_sampled(&self) -> u64 {
        self.sampled.load(Ordering::Relaxed)
    }

    pub(super) fn counter(&self) -> Arc<AtomicU64> {
        self.sampled.clone()
    }

    pub fn models_dir(&self) -> &Path {
        &self.models_dir
    }

    /// Models currently loaded (each with its worker thread).
    pub fn loaded_models(&self) -> Vec<PathBuf> {
        self.workers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).keys().cloned().collect()
    }

    /// Queue `job` on the worker of `model`, starting one if the model is not loaded.
    pub fn submit(&self, model: &Path, job: Job) {
        let mut workers = self.workers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Sending under the lock: a worker only retires under the same lock after
        // finding its queue empty, so a job can never land on a retired worker.
        let job = match workers.get(model) {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(mpsc::SendError(job)) => job, // its thread died; start another
            },
            None => job,
        };
        let (tx, rx) = mpsc::channel();
        let _ = tx.send(job);
        workers.insert(model.to_owned(), tx);
        let registry = self.workers.clone();
        let key = model.to_owned();
        let spawned = std::thread::Builder::new().name("glossa-llama".into()).spawn(move || worker(key, rx, registry));
        if let Err(e) = spawned {
            let tx = workers.remove(model);
            drop(tx);
            tracing::error!("cannot start a model thread: {e}");
        }
    }
}

/// A model's thread: load, serve jobs while they come, unload when idle, retire.
fn worker(model_path: PathBuf, rx: mpsc::Receiver<Job>, registry: Arc<Mutex<HashMap<PathBuf, mpsc::Sender<Job>>>>) {
    let mut next = rx.recv().ok();
    while let Some(job) = next.take() {
        next = if job.cancelled() {
            None
        } else {
            match generate::load(&model_path, &job.load) {
                Err(e) => {
                    job.finish(Err(e));
                    None
                }
                Ok(model) => {
                    tracing::info!(model = %model_path.display(), "model loaded");
                    let next = serve(&model, &model_path, job, &rx);
                    drop(model);
                    tracing::info!(model = %model_path.display(), "model unloaded");
                    next
                }
            }
        };
        if next.is_none() {
            next = wait_or_retire(&model_path, &rx, &registry, Duration::ZERO);
        }
    }
}

/// Run jobs on the loaded `model` until it has been idle too long (returns `None`) or a
/// job needs it loaded differently (returns that job).
fn serve(model: &llama_cpp_2::model::LlamaModel, model_path: &Path, first: Job, rx: &mpsc::Receiver<Job>) -> Option<Job> {
    let mut loaded = match Loaded::new(model, model_path, &first.load) {
        Ok(l) => l,
        Err(e) => {
            first.finish(Err(e));
            return None;
        }
    };
    let mut job = first;
    loop {
        if job.load != loaded.params {
            return Some(job);
        }
        let idle = job.idle_unload;
        if !job.cancelled() {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| generate::run(&mut loaded, &job)));
            match outcome {
                Ok(result) => job.finish(result),
                Err(_) => {
                    job.finish(Err(ProviderError::Other(
                        "The built-in model stopped unexpectedly; it will be reloaded on the next request.".into(),
                    )));
                    return None;
                }
            }
        }
        job = match rx.recv_timeout(idle) {
            Ok(j) => j,
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => return None,
        };
    }
}

/// With nothing loaded: take the next job if one is queued within `wait`, else take this
/// worker out of the registry and let the thread end.
fn wait_or_retire(
    model_path: &Path,
    rx: &mpsc::Receiver<Job>,
    registry: &Mutex<HashMap<PathBuf, mpsc::Sender<Job>>>,
    wait: Duration,
) -> Option<Job> {
    if let Ok(job) = rx.recv_timeout(wait) {
        return Some(job);
    }
    let mut workers = registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match rx.try_recv() {
        Ok(job) => Some(job),
        Err(_) => {
            workers.remove(model_path);
            None
        }
    }
}
