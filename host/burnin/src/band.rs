//! Where the caption strip is: the rows in the lower part of the picture whose text-like
//! edges change over time. A clock or a moving shape changes too, but a row crossing a
//! line of letters has dozens of edges and a row crossing a shape only a couple, so rows
//! are scored by how much their edge count changes between samples.

use crate::detect::Config;
use crate::edges::EdgeMap;
use crate::gray::GrayImage;

/// The caption strip, as fractions of the picture's height (the strip spans its width).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub top: f32,
    pub bottom: f32,
}

impl Band {
    /// The usual place of subtitles, for when nothing has been seen to change yet.
    pub const DEFAULT: Band = Band { top: 0.75, bottom: 0.97 };

    /// The strip's rows in a picture `height` pixels high: (first row, row count ≥ 1).
    pub fn rows(&self, height: usize) -> (usize, usize) {
        let top = ((self.top.clamp(0.0, 1.0) * height as f32) as usize).min(height.saturating_sub(1));
        let bottom = ((self.bottom.clamp(0.0, 1.0) * height as f32).ceil() as usize).clamp(top + 1, height.max(top + 1));
        (top, bottom - top)
    }
}

/// Subtitles sit in the lower part of the picture; the rest is not searched.
pub const SEARCH_FROM: f32 = 0.5;
/// Rows scoring at least this share of the best row belong to the band.
const ROW_SHARE: f32 = 0.2;
/// A band row changes by at least this many edges on average between samples …
const MIN_ROW_CHANGE: f32 = 2.0;
/// … and by at least this many at once somewhere (a line of text coming or going): a
/// shape sliding across the picture flips a few edges at its sides from sample to sample,
/// which over a few samples can average as much as text does over many.
const MIN_ROW_JUMP: usize = 8;

/// The band whose text changes across `frames` (whole-frame samples of one size, in time
/// order, a second or so apart), padded a little; `None` when no text changed there.
pub fn find_band(frames: &[GrayImage], config: &Config) -> Option<Band> {
    find_band_within(frames, Band { top: 0.0, bottom: 1.0 }, config)
}

/// As [`find_band`], for samples that show only the rows `covers` of the picture (the
/// player samples its lower part only).
pub fn find_band_within(frames: &[GrayImage], covers: Band, config: &Config) -> Option<Band> {
    let first = frames.first()?;
    if frames.iter().any(|f| (f.width, f.height) != (first.width, first.height)) {
        return None;
    }
    let counts: Vec<Vec<usize>> = frames.iter().map(|f| row_edges(f, config)).collect();
    band_of_row_edges(&counts, covers)
}

/// How many text-like edges each row of `frame` has: what [`band_of_row_edges`] compares
/// between samples (kept per sample by a caller that searches as samples come).
pub fn row_edges(frame: &GrayImage, config: &Config) -> Vec<usize> {
    EdgeMap::of(frame, config.edge_threshold, config.light_level).row_counts()
}

/// The band from the [`row_edges`] of samples of the rows `covers` of the picture, in time
/// order; `None` when no text changed in them (or they differ in height).
pub fn band_of_row_edges(counts: &[Vec<usize>], covers: Band) -> Option<Band> {
    let height = counts.first()?.len();
    if counts.len() < 2 || height < 4 || counts.iter().any(|c| c.len() != height) {
        return None;
    }
    let span = covers.bottom - covers.top;
    if span <= 0.0 {
        return None;
    }
    let from = (((SEARCH_FROM - covers.top) / span).max(0.0) * height as f32).ceil() as usize;
    let score: Vec<f32> = (0..height)
        .map(|r| {
            if r < from {
                return 0.0;
            }
            let change: usize = counts.windows(2).map(|w| w[0][r].abs_diff(w[1][r])).sum();
            change as f32 / (counts.len() - 1) as f32
        })
        .collect();
    let jumps = |r: usize| counts.windows(2).any(|w| w[0][r].abs_diff(w[1][r]) >= MIN_ROW_JUMP);
    let (best_row, &best) = score.iter().enumerate().filter(|(r, _)| jumps(*r)).max_by(|a, b| a.1.total_cmp(b.1))?;
    if best < MIN_ROW_CHANGE {
        return None;
    }
    // Grow from the best row while rows keep scoring, stepping over a gap of two rows
    // (the space between two lines of text, or between a letter's strokes).
    let keeps = |r: usize| score[r] >= best * ROW_SHARE;
    let (mut top, mut bottom) = (best_row, best_row);
    while let Some(r) = (1..=3).map(|d| top.wrapping_sub(d)).find(|&r| r >= from && r < height && keeps(r)) {
        top = r;
    }
    while let Some(r) = (1..=3).map(|d| bottom + d).find(|&r| r < height && keeps(r)) {
        bottom = r;
    }
    // Outlines and descenders reach past the strongest rows.
    let pad = ((bottom - top + 1) as f32 * 0.25).ceil() as usize + 1;
    let top = top.saturating_sub(pad);
    let bottom = (bottom + 1 + pad).min(height);
    let at = |row: usize| covers.top + row as f32 / height as f32 * span;
    Some(Band { top: at(top), bottom: at(bottom) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::tests::{frame_with, TextLine};

    #[test]
    fn finds_the_changing_text_not_the_clock_or_the_ball() {
        // 160×90 frames: a clock ticking at the top, a ball moving across the middle, and
        // lines of text coming and going at rows 72–80.
        let frames: Vec<GrayImage> = (0..12)
            .map(|i| {
                let text = (i % 3 != 2).then_some(TextLine { seed: i / 3, top: 72, height: 8, level: 255 });
                frame_with(160, 90, text, i)
            })
            .collect();
        let band = find_band(&frames, &Config::default()).expect("a band");
        let (top, rows) = band.rows(90);
        assert!((66..=72).contains(&top) && (72..=88).contains(&(top + rows)), "{band:?} → rows {top}..{}", top + rows);
    }

    #[test]
    fn finds_the_band_in_samples_of_the_lower_half() {
        // The same frames, cut to their lower half (rows 45–90) as the player samples them,
        // with the text higher up than usual (rows 56–64, 62–71 % of the picture).
        let frames: Vec<GrayImage> = (0..12)
            .map(|i| {
                let text = (i % 3 != 2).then_some(TextLine { seed: i / 3, top: 56, height: 8, level: 255 });
                frame_with(160, 90, text, i).rows(45, 45)
            })
            .collect();
        let band = find_band_within(&frames, Band { top: 0.5, bottom: 1.0 }, &Config::default()).expect("a band");
        let (top, rows) = band.rows(90);
        assert!((50..=56).contains(&top) && (64..=72).contains(&(top + rows)), "{band:?} → rows {top}..{}", top + rows);
    }

    #[test]
    fn a_shape_flickering_at_its_sides_is_no_band() {
        // Rows 50–60: a block whose sides are an edge in one sample and a soft step in the
        // next (as a box sliding across a downscaled picture is), 2–4 edges changing a row.
        let frames: Vec<GrayImage> = (0..6)
            .map(|i| {
                let mut f = frame_with(160, 90, None, 0);
                for y in 50..60 {
                    for x in 40..60 {
                        f.pixels[y * 160 + x] = 250;
                    }
                    if i % 2 == 1 {
                        // soft ramps: no step big enough to be an edge
                        for (dx, level) in [(1, 195), (2, 140), (3, 90)] {
                            f.pixels[y * 160 + 40 - dx] = level;
                            f.pixels[y * 160 + 59 + dx] = level;
                        }
                    }
                }
                f
            })
            .collect();
        assert_eq!(find_band(&frames, &Config::default()), None);
    }

    #[test]
    fn no_band_without_changing_text() {
        let frames: Vec<GrayImage> = (0..8).map(|i| frame_with(160, 90, None, i)).collect();
        assert_eq!(find_band(&frames, &Config::default()), None);
        assert_eq!(find_band(&frames[..1], &Config::default()), None);
    }

    #[test]
    fn rows_stay_inside_the_picture() {
        assert_eq!(Band { top: 0.9, bottom: 2.0 }.rows(100), (90, 10));
        assert_eq!(Band { top: 1.0, bottom: 1.0 }.rows(100), (99, 1));
    }
}
