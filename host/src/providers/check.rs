//! The part of `Provider::check` every provider with a model list shares: are the
//! chosen models there, and does the frame model read images.

use glossa_protocol::{CheckReport, ErrorInfo, ModelInfo};

use super::ProviderError;

/// Mark in `report` whether the frame and subtitle models are among `models` (`find`
/// gives the index of the one a setting names, in the provider's own way of naming),
/// with `missing`'s problem for each one that is not (once when both settings name the
/// same model); then whether the frame model reads images, with a problem when it does not.
pub fn check_models(
    report: &mut CheckReport,
    models: &[ModelInfo],
    (frame_model, subtitle_model): (&str, &str),
    find: impl Fn(&str) -> Option<usize>,
    missing: impl Fn(&str) -> ErrorInfo,
) {
    report.frame_model_present = Some(find(frame_model).is_some());
    report.subtitle_model_present = Some(find(subtitle_model).is_some());
    let mut wanted = vec![frame_model];
    if subtitle_model != frame_model {
        wanted.push(subtitle_model);
    }
    report.problems.extend(wanted.into_iter().filter(|w| find(w).is_none()).map(missing));
    let frame = find(frame_model).map(|i| &models[i]);
    report.frame_model_vision = frame.and_then(|m| m.vision);
    if let Some(frame) = frame.filter(|m| m.vision == Some(false)) {
        let vision_models = models.iter().filter(|m| m.vision == Some(true)).map(|m| m.name.clone()).collect();
        // An empty setting stands for a listed model: name that one.
        let model = if frame_model.is_empty() { frame.name.clone() } else { frame_model.to_owned() };
        report.problems.push(ProviderError::NoVision { model, vision_models }.info());
    }
}

#[cfg(test)]
mod tests {
    use glossa_protocol::{ErrorCode, ProviderKind};

    use super::*;

    fn model(name: &str, vision: Option<bool>) -> ModelInfo {
        ModelInfo { name: name.into(), vision, size_bytes: None }
    }

    fn check(models: &[ModelInfo], frame: &str, subtitle: &str) -> CheckReport {
        let mut report = CheckReport::new(ProviderKind::Ollama, "test");
        let find = |wanted: &str| models.iter().position(|m| m.name == wanted);
        let missing = |wanted: &str| ErrorInfo::new(ErrorCode::ModelMissing, format!("no {wanted}"), "");
        check_models(&mut report, models, (frame, subtitle), find, missing);
        report
    }

    #[test]
    fn present_models_and_a_frame_model_that_reads_images_need_nothing() {
        let models = [model("seeing", Some(true)), model("text", Some(false))];
        let report = check(&models, "seeing", "text");
        assert_eq!(
            (report.frame_model_present, report.subtitle_model_present, report.frame_model_vision),
            (Some(true), Some(true), Some(true))
        );
        assert!(report.problems.is_empty(), "{report:?}");
    }

    #[test]
    fn each_missing_model_is_one_problem_and_a_blind_frame_model_another() {
        let models = [model("seeing", Some(true)), model("text", Some(false))];
        let report = check(&models, "gone", "gone");
        assert_eq!(report.problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>(), ["no gone"]);
        assert_eq!((report.frame_model_present, report.frame_model_vision), (Some(false), None));

        let report = check(&models, "text", "other");
        let codes: Vec<ErrorCode> = report.problems.iter().map(|p| p.code).collect();
        assert_eq!(codes, [ErrorCode::ModelMissing, ErrorCode::NoVision]);
        assert!(report.problems[1].hint.contains("seeing"), "{report:?}");
    }
}
