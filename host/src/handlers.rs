//! One function per request type: what the host does for each message.

use glossa_protocol::{
    ErrorCode, ErrorInfo, EventBody, RequestBody, PROTOCOL_VERSION,
};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::app::App;
use crate::native::EventSink;
use crate::pipeline;

pub const HOST_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Run one request. Intermediate events go to `sink`; returning `Ok` sends `done`,
/// `Err` sends the error. `control` carries follow-up messages (playhead moves).
pub async fn handle(
    body: RequestBody,
    app: &App,
    sink: &EventSink,
    control: UnboundedReceiver<RequestBody>,
) -> Result<(), ErrorInfo> {
    match body {
        RequestBody::Hello { extension_version, protocol } => {
            let compatible = protocol == PROTOCOL_VERSION;
            tracing::info!(%extension_version, protocol, compatible, "hello");
            sink.send(EventBody::Hello { host_version: HOST_VERSION.into(), protocol: PROTOCOL_VERSION, compatible });
            if compatible {
                Ok(())
            } else {
                Err(ErrorInfo::new(
                    ErrorCode::VersionMismatch,
                    format!(
                        "The Glossa host {HOST_VERSION} speaks protocol {PROTOCOL_VERSION}; the extension {extension_version} speaks {protocol}."
                    ),
                    "Update both to the same release, then run `glossa-host install`.",
                ))
            }
        }
        RequestBody::Ping => {
            sink.send(EventBody::Pong);
            Ok(())
        }
        RequestBody::GetSettings => {
            let (settings, warnings) = app.settings();
            sink.send(EventBody::Settings(settings.view(warnings)));
            Ok(())
        }
        RequestBody::PutSettings { values } => {
            app.store.put_settings(&values).map_err(|e| match e {
                crate::store::StoreError::InvalidSetting(msg) => {
                    ErrorInfo::new(ErrorCode::InvalidSetting, msg, "Nothing was saved; correct the value and save again.")
                }
                other => ErrorInfo::new(
                    ErrorCode::Storage,
                    format!("Settings could not be saved: {other}."),
                    "Run `glossa-host doctor` to check the database.",
                ),
            })?;
            let (settings, warnings) = app.settings();
            sink.send(EventBody::Settings(settings.view(warnings)));
            Ok(())
        }
        RequestBody::ListModels { provider } => {
            let (provider, _) = app.provider(provider);
            let models = provider.list_models().await.map_err(|e| e.info())?;
            sink.send(EventBody::Models { provider: provider.kind(), models });
            Ok(())
        }
        RequestBody::CheckProvider { provider } => {
            let (provider, settings) = app.provider(provider);
            let kind = provider.kind();
            let report = provider.check(settings.frame_model(kind), settings.subtitle_model(kind)).await;
            sink.send(EventBody::Check(report));
            Ok(())
        }
        RequestBody::TranslateFrame(request) => {
            let (provider, settings) = app.provider(None);
            let model = settings.frame_model(provider.kind()).to_owned();
            let mut on_delta = |text: &str| {
                sink.delta(text);
            };
            let (usage, ms) =
                pipeline::frame::translate(provider.as_ref(), &model, &request, settings.target_language(), &mut on_delta).await?;
            sink.send(EventBody::Done { usage: Some(usage), ms: Some(ms) });
            Ok(())
        }
        RequestBody::TranslateTrack(_) => {
            let _ = control;
            Err(not_yet("translate_track"))
        }
        RequestBody::ListLocalModels | RequestBody::PullModel { .. } => Err(not_yet("local models")),
        // Handled by the session itself.
        RequestBody::Cancel { .. } | RequestBody::Playhead { .. } => Ok(()),
    }
}

fn not_yet(what: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::UnknownType,
        format!("This host does not support {what} yet."),
        "Update glossa-host to the latest release.",
    )
}
