//! Frames of a local video file, decoded by the system's `ffmpeg`: the whole picture small
//! and gray (to find the caption band), or the caption strip in colour (to detect lines in
//! and to show the model).

use std::io::Read;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

/// What `ffprobe` says about a video's picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoInfo {
    pub width: u32,
    pub height: u32,
    /// Seconds (0 when the container does not say).
    pub duration: f64,
}

/// A rectangle of the picture, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Region {
    /// `x,y,w,h` as the command line takes it.
    pub fn parse(text: &str) -> Option<Region> {
        let n: Vec<u32> = text.split(',').map(|p| p.trim().parse().ok()).collect::<Option<_>>()?;
        match n[..] {
            [x, y, width, height] if width > 0 && height > 0 => Some(Region { x, y, width, height }),
            _ => None,
        }
    }

    /// The part of this region inside a `width × height` picture (`None`: nothing is).
    pub fn within(self, width: u32, height: u32) -> Option<Region> {
        let x = self.x.min(width);
        let y = self.y.min(height);
        let w = self.width.min(width - x);
        let h = self.height.min(height - y);
        (w >= 2 && h >= 2).then_some(Region { x, y, width: w, height: h })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("ffmpeg is not installed: `glossa-host burnin` decodes videos with it (install the ffmpeg package)")]
    NoFfmpeg,
    #[error("ffprobe cannot read {0}: {1}")]
    Probe(String, String),
    #[error("ffmpeg stopped decoding: {0}")]
    Decode(String),
    #[error("reading ffmpeg's output: {0}")]
    Io(#[from] std::io::Error),
}

fn spawn_error(e: std::io::Error) -> VideoError {
    if e.kind() == std::io::ErrorKind::NotFound {
        VideoError::NoFfmpeg
    } else {
        VideoError::Io(e)
    }
}

/// Is `ffmpeg` on the PATH (for `doctor`)? Its version line when it is.
pub fn ffmpeg_version() -> Option<String> {
    let out = Command::new("ffmpeg").arg("-version").stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    out.status.success().then(|| text.lines().next().unwrap_or("ffmpeg").to_owned())
}

pub fn probe(path: &Path) -> Result<VideoInfo, VideoError> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height:format=duration", "-of", "json"])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(spawn_error)?;
    let shown = path.display().to_string();
    if !out.status.success() {
        return Err(VideoError::Probe(shown, String::from_utf8_lossy(&out.stderr).trim().to_owned()));
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| VideoError::Probe(shown.clone(), e.to_string()))?;
    let stream = &json["streams"][0];
    let (Some(width), Some(height)) = (stream["width"].as_u64(), stream["height"].as_u64()) else {
        return Err(VideoError::Probe(shown, "no video stream".into()));
    };
    let duration = json["format"]["duration"].as_str().and_then(|d| d.parse().ok()).unwrap_or(0.0);
    Ok(VideoInfo { width: width as u32, height: height as u32, duration })
}

/// Frames from an `ffmpeg` process, in time order: (seconds, pixels).
pub struct Frames {
    child: Child,
    stdout: ChildStdout,
    frame_bytes: usize,
    fps: f64,
    index: u64,
    pub width: usize,
    pub height: usize,
}

impl Frames {
    /// The whole picture `width` pixels wide, gray, `fps` frames a second.
    pub fn gray(path: &Path, info: VideoInfo, fps: f64, width: u32) -> Result<Frames, VideoError> {
        let width = width.min(info.width).max(2);
        let height = (u64::from(info.height) * u64::from(width) / u64::from(info.width)).max(2) as u32;
        Self::spawn(path, &format!("fps={fps},scale={width}:{height}"), "gray", fps, width, height, 1)
    }

    /// `region` of the picture at most `max_width` pixels wide, RGB, `fps` frames a second.
    pub fn strip(path: &Path, region: Region, fps: f64, max_width: u32) -> Result<Frames, VideoError> {
        let width = region.width.min(max_width).max(2);
        let height = (u64::from(region.height) * u64::from(width) / u64::from(region.width)).max(2) as u32;
        let Region { x, y, width: w, height: h } = region;
        let filter = format!("fps={fps},crop={w}:{h}:{x}:{y},scale={width}:{height}");
        Self::spawn(path, &filter, "rgb24", fps, width, height, 3)
    }

    fn spawn(path: &Path, filter: &str, pix_fmt: &str, fps: f64, width: u32, height: u32, channels: usize) -> Result<Frames, VideoError> {
        let mut child = Command::new("ffmpeg")
            .args(["-v", "error", "-nostdin", "-i"])
            .arg(path)
            .args(["-an", "-sn", "-vf", filter, "-pix_fmt", pix_fmt, "-f", "rawvideo", "-"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_error)?;
        let stdout = child.stdout.take().ok_or_else(|| VideoError::Decode("no output pipe".into()))?;
        let (width, height) = (width as usize, height as usize);
        Ok(Frames { child, stdout, frame_bytes: width * height * channels, fps, index: 0, width, height })
    }

    fn finish(&mut self) -> Option<Result<(f64, Vec<u8>), VideoError>> {
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        match self.child.wait() {
            Ok(status) if status.success() => None,
            Ok(_) => Some(Err(VideoError::Decode(stderr.trim().to_owned()))),
            Err(e) => Some(Err(VideoError::Io(e))),
        }
    }
}

impl Iterator for Frames {
    type Item = Result<(f64, Vec<u8>), VideoError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut frame = vec![0; self.frame_bytes];
        let mut filled = 0;
        while filled < frame.len() {
            match self.stdout.read(&mut frame[filled..]) {
                Ok(0) => return self.finish(),
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Some(Err(e.into())),
            }
        }
        let time = self.index as f64 / self.fps;
        self.index += 1;
        Some(Ok((time, frame)))
    }
}

impl Drop for Frames {
    fn drop(&mut self) {
        // Stopped early (an error, Ctrl-C): do not leave ffmpeg decoding into a closed pipe.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_parse_and_clamp() {
        assert_eq!(Region::parse("0, 400,854,80"), Some(Region { x: 0, y: 400, width: 854, height: 80 }));
        assert_eq!(Region::parse("0,400,854"), None);
        assert_eq!(Region::parse("0,400,0,80"), None);
        assert_eq!(Region::parse("a,b,c,d"), None);
        let r = Region { x: 0, y: 400, width: 900, height: 100 };
        assert_eq!(r.within(854, 480), Some(Region { x: 0, y: 400, width: 854, height: 80 }));
        assert_eq!(r.within(854, 300), None);
    }
}
