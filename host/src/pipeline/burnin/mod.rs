//! Burned-in subtitles as a caption source: the caption strip of a video → lines (the
//! detector shared with the extension, `glossa-burnin`) → each new line read once by the
//! frame model → one timed cue per line.
//!
//! - [`video`]: frames from the system's ffmpeg.
//! - [`reading`]: the prompt, the answer's shape and its cache key.

pub mod reading;
pub mod video;

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use glossa_burnin::{find_band, Config, Detector, GrayImage, LineEvent};
use glossa_protocol::{text, Cue, ErrorCode, ErrorInfo, Usage};
use sha2::{Digest, Sha256};

use self::reading::Reading;
use self::video::{Frames, Region, VideoError, VideoInfo};
use super::frame::FrameJob;
use super::subtitles::cache::TranslationCache;
use crate::providers::Image;

/// Samples a second the detector sees by default (its timing is within half of 1/fps).
pub const DEFAULT_FPS: f64 = 4.0;
/// The strip is decoded (and shown to the model) at most this wide.
pub const STRIP_MAX_WIDTH: u32 = 960;
/// How much of the video is looked at to find the band, and how often.
const BAND_SECONDS: f64 = 120.0;
const BAND_FPS: f64 = 2.0;
const BAND_WIDTH: u32 = 320;
/// Two lines reading the same, this close in time, are one line drawn twice (a re-render
/// over a changing background).
const MERGE_GAP: f64 = 0.3;

/// One burned-in line: when it was on screen, and the picture to read (absent for a
/// repeat, which takes the reading of the line it repeats).
#[derive(Debug, Clone)]
pub struct Line {
    pub start: f64,
    pub end: f64,
    pub repeat_of: Option<usize>,
    pub picture: Option<StripPicture>,
}

/// The strip in colour as decoded, for the model.
#[derive(Debug, Clone)]
pub struct StripPicture {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

impl StripPicture {
    pub fn png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Encoding into memory fails only on a size mismatch, which `Frames` rules out.
        if let Ok(mut writer) = encoder.write_header() {
            let _ = writer.write_image_data(&self.rgb);
        }
        out
    }
}

/// The caption strip of the video: the band whose text changes, across the whole width.
/// `None` when no text was seen changing in the first minutes.
pub fn find_region(path: &Path, info: VideoInfo, config: &Config) -> Result<Option<Region>, VideoError> {
    let frames = Frames::gray(path, info, BAND_FPS, BAND_WIDTH)?;
    let (width, height) = (frames.width, frames.height);
    let mut samples = Vec::new();
    for frame in frames.take((BAND_SECONDS * BAND_FPS) as usize) {
        let (_, pixels) = frame?;
        samples.extend(GrayImage::new(width, height, pixels));
    }
    Ok(find_band(&samples, config).map(|band| {
        let (top, rows) = band.rows(info.height as usize);
        Region { x: 0, y: top as u32, width: info.width, height: rows as u32 }
    }))
}

/// Run the detector over `region` of the video at `fps` samples a second. `on_progress`
/// hears the position reached (seconds) and the lines found so far.
pub fn detect_lines(
    path: &Path,
    region: Region,
    fps: f64,
    config: Config,
    on_progress: &mut dyn FnMut(f64, usize),
) -> Result<Vec<Line>, VideoError> {
    let frames = Frames::strip(path, region, fps, STRIP_MAX_WIDTH)?;
    let (width, height) = (frames.width, frames.height);
    let mut detector = Detector::new(config);
    let mut lines = Lines::default();
    // Pictures by sample time for the samples the detector may still confirm a line at.
    let mut recent: Vec<(f64, Vec<u8>)> = Vec::new();
    let mut last = 0.0;
    for frame in frames {
        let (time, rgb) = frame?;
        let Some(gray) = GrayImage::from_rgb(width, height, &rgb) else { continue };
        recent.push((time, rgb));
        if recent.len() > 2 {
            recent.remove(0);
        }
        for event in detector.push(time, &gray) {
            lines.apply(event, &recent, width, height);
        }
        last = time;
        on_progress(time, lines.0.len());
    }
    for event in detector.finish(last + 1.0 / fps) {
        lines.apply(event, &recent, width, height);
    }
    Ok(lines.0)
}

/// Lines as the detector's events build them (ids are in order from 0).
#[derive(Default)]
struct Lines(Vec<Line>);

impl Lines {
    fn apply(&mut self, event: LineEvent, recent: &[(f64, Vec<u8>)], width: usize, height: usize) {
        match event {
            LineEvent::Appeared { at, seen_at, repeat_of, .. } => {
                let picture = match repeat_of {
                    Some(_) => None,
                    None => recent.iter().find(|(t, _)| *t == seen_at).map(|(_, rgb)| StripPicture { width, height, rgb: rgb.clone() }),
                };
                self.0.push(Line { start: at, end: at, repeat_of: repeat_of.map(|r| r.0 as usize), picture });
            }
            LineEvent::Left { id, at } => {
                if let Some(line) = self.0.get_mut(id.0 as usize) {
                    line.end = at;
                }
            }
        }
    }
}

/// A digest naming the video file in the cache: its size and its first and last MiB (a
/// whole-file hash of a film would cost more than the detection).
pub fn video_digest(path: &Path) -> std::io::Result<[u8; 32]> {
    const PART: u64 = 1 << 20;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut h = Sha256::new();
    h.update(len.to_le_bytes());
    let mut buf = Vec::new();
    (&mut file).take(PART).read_to_end(&mut buf)?;
    h.update(&buf);
    if len > PART {
        buf.clear();
        file.seek(SeekFrom::Start(len.saturating_sub(PART).max(PART)))?;
        file.take(PART).read_to_end(&mut buf)?;
        h.update(&buf);
    }
    Ok(h.finalize().into())
}

/// What reading the lines cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadSummary {
    pub provider_calls: u64,
    pub cached: u64,
    pub repeats: u64,
}

/// Read every line: a repeat takes its original's reading, a line read before (same video,
/// time, model and language) comes from `cache`, the rest go to the model one by one.
/// `on_read` hears each line done.
pub async fn read_lines(
    job: &FrameJob,
    lines: &[Line],
    video: &[u8; 32],
    cache: Option<&TranslationCache>,
    on_read: &mut (dyn FnMut(usize) + Send),
) -> Result<(Vec<Reading>, ReadSummary), ErrorInfo> {
    let mut readings: Vec<Reading> = Vec::with_capacity(lines.len());
    let mut summary = ReadSummary::default();
    for (i, line) in lines.iter().enumerate() {
        let reading = match (line.repeat_of, &line.picture) {
            (Some(original), _) if original < i => {
                summary.repeats += 1;
                readings[original].clone()
            }
            (_, Some(picture)) => {
                let (reading, usage) = read_once(job, video, line.start, cache, || Image::from_bytes(picture.png())).await?;
                match usage {
                    Some(_) => summary.provider_calls += 1,
                    None => summary.cached += 1,
                }
                reading
            }
            _ => Reading::default(),
        };
        readings.push(reading);
        on_read(i);
    }
    Ok((readings, summary))
}

/// Readings are cached on this grid of appearance times (milliseconds) …
const TIME_GRID_MS: u64 = 10;
/// … and a reading cached up to this far from a line's time is that line's: the browser
/// measures a line's appearance between two samples, so another watch, whose samples fall
/// elsewhere, puts it half a sample interval (at 4 samples/s, 125 ms) away — more when a
/// busy page delays a sample. Two different lines do not appear this close together.
const SAME_LINE_MS: u64 = 300;

/// The grid times to look a line at `at` seconds up under, nearest first.
fn nearby_times_ms(at: f64) -> Vec<u64> {
    let ms = ((at.max(0.0) * 1000.0 / TIME_GRID_MS as f64).round() as u64) * TIME_GRID_MS;
    let mut out = vec![ms];
    for step in 1..=SAME_LINE_MS / TIME_GRID_MS {
        out.push(ms + step * TIME_GRID_MS);
        if let Some(before) = ms.checked_sub(step * TIME_GRID_MS) {
            out.push(before);
        }
    }
    out
}

/// The reading of the line that appeared at `at` seconds into `video`: from `cache` when it
/// was read before at about that time (usage `None`), else from the model (then cached).
pub async fn read_once(
    job: &FrameJob,
    video: &[u8; 32],
    at: f64,
    cache: Option<&TranslationCache>,
    image: impl FnOnce() -> Option<Image>,
) -> Result<(Reading, Option<Usage>), ErrorInfo> {
    let keys: Vec<_> =
        nearby_times_ms(at).into_iter().map(|ms| reading::cache_key(video, ms, job.provider.kind(), &job.model, &job.to)).collect();
    let key = keys[0];
    let cached = match cache {
        Some(c) => c.get_many(&keys).await.ok().and_then(|v| v.into_iter().flatten().next()),
        None => None,
    };
    if let Some(reading) = cached.and_then(|json| serde_json::from_str::<Reading>(&json).ok()) {
        return Ok((reading, None));
    }
    let image = image().ok_or_else(|| ErrorInfo::localized(ErrorCode::Internal, text::ERR_PICTURE_FORMAT, None))?;
    let (reading, usage) = reading::read(job, &image).await?;
    if let (Some(c), Ok(json)) = (cache, serde_json::to_string(&reading)) {
        // A cache that cannot be written only costs a call next time.
        let _ = c.put_many(vec![(key, json)]).await;
    }
    Ok((reading, Some(usage)))
}

/// The cache's name for a video known by a name (`youtube:<id>`) rather than a file.
pub fn video_name_digest(name: &str) -> [u8; 32] {
    Sha256::digest(name.as_bytes()).into()
}

/// One cue per line that held text: the translation (below the original with `dual`).
/// Lines that read the same and touch are one cue; lines read as empty (no subtitle after
/// all) are dropped.
pub fn cues(lines: &[Line], readings: &[Reading], dual: bool) -> Vec<Cue> {
    let mut out: Vec<(Cue, &str)> = Vec::new();
    for (line, reading) in lines.iter().zip(readings) {
        if reading.is_empty() {
            continue;
        }
        if let Some((last, last_text)) = out.last_mut() {
            if *last_text == reading.text && !reading.text.is_empty() && line.start - last.end <= MERGE_GAP {
                last.end = line.end;
                continue;
            }
        }
        let text = if dual && !reading.text.is_empty() {
            format!("{}\n{}", reading.text, reading.translation)
        } else {
            reading.translation.clone()
        };
        out.push((Cue { id: String::new(), start: line.start, end: line.end, text }, &reading.text));
    }
    out.into_iter()
        .enumerate()
        .map(|(i, (mut cue, _))| {
            cue.id = (i + 1).to_string();
            cue
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(start: f64, end: f64) -> Line {
        Line { start, end, repeat_of: None, picture: None }
    }

    fn reading(text: &str, translation: &str) -> Reading {
        Reading { text: text.into(), translation: translation.into() }
    }

    #[test]
    fn one_cue_per_line_merging_redraws_dropping_empty() {
        let lines = [line(1.0, 2.0), line(2.0, 3.0), line(3.5, 4.0), line(5.0, 6.0), line(6.1, 7.0)];
        let readings = [reading("猫", "cat"), reading("猫", "cat"), reading("", ""), reading("犬", "dog"), reading("猫", "cat")];
        let cues = cues(&lines, &readings, false);
        let got: Vec<(f64, f64, &str)> = cues.iter().map(|c| (c.start, c.end, c.text.as_str())).collect();
        assert_eq!(got, vec![(1.0, 3.0, "cat"), (5.0, 6.0, "dog"), (6.1, 7.0, "cat")]);
        assert_eq!(cues.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["1", "2", "3"]);
        assert_eq!(super::cues(&lines[3..4], &readings[3..4], true)[0].text, "犬\ndog");
    }

    #[test]
    fn a_line_is_looked_up_near_its_time_nearest_first() {
        let times = nearby_times_ms(12.3449);
        assert_eq!(&times[..5], &[12_340, 12_350, 12_330, 12_360, 12_320]);
        assert_eq!((times.iter().min(), times.iter().max()), (Some(&12_040), Some(&12_640)));
        assert_eq!(nearby_times_ms(0.0)[..3], [0, 10, 20], "never before the video's start");
    }

    #[test]
    fn strip_pictures_encode_as_png() {
        let picture = StripPicture { width: 3, height: 2, rgb: vec![200; 18] };
        let png = picture.png();
        assert_eq!(Image::from_bytes(png).map(|i| i.media_type.mime()), Some("image/png"));
    }
}
