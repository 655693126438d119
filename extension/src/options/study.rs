//! "Export study cards": the cards saved in the player, as the Anki import file the host
//! writes (`export_study_cards`), downloaded by the browser as `glossa-study-cards.txt`.
//! The pictures stay where the host wrote them (named on the page): a browser download
//! per picture would ask the user once for each, and Anki wants them copied into its
//! `collection.media` folder anyway.

use glossa_protocol::{EventBody, RequestBody};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

use super::{doc, el, on, request, set_text};
use crate::chrome::{self, tr};

/// The downloaded file's name (Anki's import dialog lists .txt and .tsv alike).
const FILE_NAME: &str = "glossa-study-cards.txt";

pub(super) fn wire() {
    on(&el("study-export"), "click", |_| spawn_local(export()));
}

async fn export() {
    let status = el("study-export-status");
    let _ = status.set_attribute("data-state", "exporting");
    set_text("study-export-status", "");
    let answer = request(RequestBody::ExportStudyCards).await.map(|events| {
        events.into_iter().find_map(|e| match e {
            EventBody::StudyExport { tsv, cards, pictures_dir, .. } => Some((tsv, cards, pictures_dir)),
            _ => None,
        })
    });
    match answer {
        Ok(Some((tsv, cards, pictures_dir))) => {
            if let Err(e) = download(&tsv) {
                set_text("study-export-status", &e);
                let _ = status.set_attribute("data-state", "error");
                return;
            }
            set_text("study-export-status", &tr("studyExported", &[&cards.to_string(), &pictures_dir]));
            let _ = status.set_attribute("data-state", "done");
        }
        Ok(None) => {
            let _ = status.set_attribute("data-state", "error");
        }
        Err(f) => {
            let (message, hint) = chrome::error_text(&f);
            set_text("study-export-status", &format!("{message} {hint}"));
            let _ = status.set_attribute("data-state", "error");
        }
    }
}

/// Hand `text` to the browser as a file download (a Blob URL on a clicked link).
fn download(text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/tab-separated-values;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let link: web_sys::HtmlAnchorElement =
        doc().create_element("a").map_err(|e| format!("{e:?}"))?.dyn_into().map_err(|_| "no <a>".to_owned())?;
    link.set_href(&url);
    link.set_download(FILE_NAME);
    let _ = link.set_attribute("data-glossa", "study-download");
    link.click();
    // The click started the download; the URL can go once the browser has read it.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
    Ok(())
}
