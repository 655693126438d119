//! The line detector. Samples of the caption strip go in, in time order; out come
//! [`LineEvent`]s: a line appeared (with its picture, to be read once) or left.
//!
//! A strip with almost no text-like edges beyond what all its rows have is empty: a scene
//! starting or ending behind the strip changes it, but its edges cross every row alike,
//! while a line of text stands out from the rows above and below it. A line counts once
//! two samples in a row show the same edges ("stable for 2 samples"), so a fade-in or a
//! line being drawn is read once, finished. Its appearance is dated back to the first of
//! the samples just before that already show most of it (a fade's half-drawn samples
//! count, a changing background before the text does not), and its leaving to halfway
//! between the last sample that showed it and the first that did not, so both are off by
//! at most half a sample interval. A line that matches one of the recent lines is reported
//! as a repeat of it, so its reading is reused rather than asked for again.
//!
//! A line is its edges that stood still from one sample to the next: burned-in text stays
//! put while the picture behind it may pan or move, so the scene's edges, which move with
//! it, are no part of the line, and a camera pan behind one line does not make it two
//! (issue #16). When the scene behind starts or stops moving while a line is shown, what
//! stands still gains or loses the scene's edges; that is the same line as long as one
//! holds the other and both have as much text-like edge.

use std::collections::VecDeque;

use crate::edges::EdgeMap;
use crate::gray::GrayImage;

/// A line's number within one detector run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineId(pub u64);

/// Tuning; the defaults suit strips downscaled to [`Config::strip_width`].
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Samples are box-filtered to this width before anything else (the extension samples
    /// at this size to begin with).
    pub strip_width: usize,
    /// A luma jump at least this big is an edge …
    pub edge_threshold: u8,
    /// … when its lighter side is at least this light.
    pub light_level: u8,
    /// A strip with a smaller share of edge pixels beyond its quietest rows' shows no text
    /// ([`EdgeMap::text_density`]).
    pub empty_density: f32,
    /// Two strips with an edge distance up to this show the same line (one line going on
    /// from sample to sample, through compression noise and a fade: ≤ 0.07 on the rendered
    /// videos over a still picture, ≤ 0.21 over a panning one).
    pub same_distance: f32,
    /// A new line this close to an earlier one is that line shown again (its reading is
    /// reused, no call). Tighter than `same_distance`: a line re-drawn is nearly the same
    /// picture (0.00 on the rendered videos), while two lines of as many glyphs in one
    /// font can come within 0.34 of each other (0.38–0.45 there over a plain picture, 0.30
    /// over a busy one whose still edges both have; less through a blurrier browser
    /// downscale), and taking one for the other shows the wrong translation.
    pub repeat_distance: f32,
    /// How many past lines a new one is matched against.
    pub recent_lines: usize,
    /// An earlier sample holding this share of a new line's edges already showed the line.
    pub drawn_share: f32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            strip_width: 256,
            edge_threshold: 64,
            light_level: 160,
            empty_density: 0.004,
            same_distance: 0.3,
            repeat_distance: 0.15,
            recent_lines: 64,
            drawn_share: 0.5,
        }
    }
}

/// What the detector found.
#[derive(Debug, Clone, PartialEq)]
pub enum LineEvent {
    /// A line is on screen since `at`; `seen_at` is the sample whose `strip` shows it
    /// finished (the picture to read). `repeat_of`: the same line was shown before.
    Appeared { id: LineId, at: f64, seen_at: f64, repeat_of: Option<LineId>, strip: GrayImage },
    /// The line left the screen at `at`.
    Left { id: LineId, at: f64 },
}

/// A strip sample as the detector keeps it: when it was taken, halfway back to the sample
/// before (when what it shows appeared at the earliest), its edges and picture.
struct Seen {
    time: f64,
    since: f64,
    edges: EdgeMap,
    /// Its edges that stood still since the sample before (the text, over a moving scene).
    still: EdgeMap,
    strip: GrayImage,
}

/// Whether `still` shows the line whose edges are `line` over a scene that started or
/// stopped moving since the line was confirmed: one holds nearly all of the other (the
/// scene's still edges came or went, the text stayed), and both have about as much
/// text-like edge beyond what all their rows have (a line changing keeps little of it; a
/// scene comes and goes across every row alike).
fn same_text_over_another_scene(line: &EdgeMap, still: &EdgeMap, config: &Config) -> bool {
    let contained = line.found_in(still).max(still.found_in(line)) >= 1.0 - config.same_distance / 3.0;
    let (a, b) = (line.text_density(), still.text_density());
    contained && a.min(b) >= config.empty_density && a.min(b) >= (1.0 - config.same_distance) * a.max(b)
}

/// Samples since the strip last settled kept to date a line's appearance (2 s at 4/s).
const UNSETTLED_KEPT: usize = 8;

/// The line on screen, as the detector follows it.
struct ShownLine {
    id: LineId,
    /// Its edges: those that stood still when it was confirmed, narrowed since.
    edges: EdgeMap,
    /// Whether `edges` were narrowed to those the sample after the confirming one has too.
    narrowed: bool,
}

/// The line detector's state between samples.
pub struct Detector {
    config: Config,
    /// The line on screen.
    shown: Option<ShownLine>,
    /// Non-empty samples since the strip last settled (empty, or a line), the last one
    /// waiting for the next to confirm it.
    unsettled: VecDeque<Seen>,
    last_time: Option<f64>,
    /// The edges of the sample before, to tell what stood still since.
    last_edges: Option<EdgeMap>,
    recent: VecDeque<(LineId, EdgeMap)>,
    next_id: u64,
}

impl Detector {
    pub fn new(config: Config) -> Detector {
        Detector { config, shown: None, unsettled: VecDeque::new(), last_time: None, last_edges: None, recent: VecDeque::new(), next_id: 0 }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The edges of a strip sample as the detector sees them (downscaled first).
    pub fn edges(&self, strip: &GrayImage) -> EdgeMap {
        EdgeMap::of(&strip.downscale_to_width(self.config.strip_width), self.config.edge_threshold, self.config.light_level)
    }

    /// Feed the strip as sampled at `time` seconds (later than the previous sample).
    pub fn push(&mut self, time: f64, strip: &GrayImage) -> Vec<LineEvent> {
        let strip = strip.downscale_to_width(self.config.strip_width);
        let edges = EdgeMap::of(&strip, self.config.edge_threshold, self.config.light_level);
        let boundary = self.last_time.map_or(time, |last| (last + time) / 2.0);
        self.last_time = Some(time);
        let still = self.last_edges.as_ref().map_or_else(|| edges.clone(), |last| edges.still_since(last));
        self.last_edges = Some(edges.clone());
        let empty = edges.text_density() < self.config.empty_density;
        let mut events = Vec::new();

        // The line shown is compared with what stood still: a scene panning behind it
        // changes the sample's edges, not the line's.
        if let Some(line) = &mut self.shown {
            let same = line.edges.distance(&still) <= self.config.same_distance;
            if !empty && !same && same_text_over_another_scene(&line.edges, &still, &self.config) {
                // The scene behind started or stopped moving: the line is what both have.
                line.edges = line.edges.still_since(&still);
                return events;
            }
            if !empty && same {
                // What stood still in the sample that confirmed the line holds, over a
                // moving scene, a few of the scene's edges that fell on the sample before's
                // by chance; they do not fall on this one's too.
                if !line.narrowed {
                    line.edges = line.edges.still_since(&edges);
                    line.narrowed = true;
                }
                return events;
            }
            events.push(LineEvent::Left { id: line.id, at: boundary });
            self.shown = None;
        }
        if empty {
            self.unsettled.clear();
            return events;
        }
        let seen = Seen { time, since: boundary, edges, still, strip };
        let confirms = self.unsettled.back().is_some_and(|last| self.confirms(last, &seen));
        if !confirms {
            self.unsettled.push_back(seen);
            if self.unsettled.len() > UNSETTLED_KEPT {
                self.unsettled.pop_front();
            }
            return events;
        }
        // The line appeared with the earliest of the samples right before that already
        // show most of it.
        let at = self
            .unsettled
            .iter()
            .rev()
            .take_while(|s| seen.still.found_in(&s.edges) >= self.config.drawn_share)
            .last()
            .map_or(seen.since, |s| s.since);
        self.unsettled.clear();
        let id = LineId(self.next_id);
        self.next_id += 1;
        let repeat_of = self.recent.iter().rev().find(|(_, e)| e.distance(&seen.still) <= self.config.repeat_distance).map(|(id, _)| *id);
        self.recent.push_back((repeat_of.unwrap_or(id), seen.still.clone()));
        if self.recent.len() > self.config.recent_lines {
            self.recent.pop_front();
        }
        events.push(LineEvent::Appeared { id, at, seen_at: seen.time, repeat_of, strip: seen.strip });
        self.shown = Some(ShownLine { id, edges: seen.still, narrowed: false });
        events
    }

    /// Whether `seen` shows what the sample before it (`last`) showed, finished: the same
    /// edges, or, over a scene that moved between the two, text that stood still: nearly
    /// all of the text-like edges `seen` has beyond its quietest rows are still ones.
    fn confirms(&self, last: &Seen, seen: &Seen) -> bool {
        if last.edges.distance(&seen.edges) <= self.config.same_distance {
            return true;
        }
        let still_text = seen.still.text_density();
        still_text >= self.config.empty_density && still_text >= (1.0 - self.config.same_distance) * seen.edges.text_density()
    }

    /// The video ended (or the mode was turned off) at `time`: a line still shown leaves.
    pub fn finish(&mut self, time: f64) -> Vec<LineEvent> {
        self.unsettled.clear();
        self.shown.take().map(|line| LineEvent::Left { id: line.id, at: time }).into_iter().collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A line of made-up glyphs (blocks placed by `seed`), `level` light on whatever is behind.
    #[derive(Clone, Copy)]
    pub(crate) struct TextLine {
        pub seed: u64,
        pub top: usize,
        pub height: usize,
        pub level: u8,
    }

    fn hash(mut x: u64) -> u64 {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }

    fn draw_text(img: &mut GrayImage, text: TextLine) {
        let glyph_w = text.height; // square glyphs, as CJK
        let glyphs = img.width / 2 / glyph_w;
        let left = (img.width - glyphs * glyph_w) / 2;
        for g in 0..glyphs {
            for y in text.top..(text.top + text.height).min(img.height) {
                for x in left + g * glyph_w..left + (g + 1) * glyph_w - 1 {
                    // a 3×4 grid of cells per glyph, about half of them inked
                    let cell = (x - left - g * glyph_w) * 3 / glyph_w + (y - text.top) * 4 / text.height * 3;
                    if hash(text.seed * 1000 + g as u64 * 16 + cell as u64).is_multiple_of(2) {
                        img.pixels[y * img.width + x] = text.level;
                    }
                }
            }
        }
    }

    /// A 256×24 strip: `text` over a plain or (with `busy`) a busy dark background that
    /// changes with every sample.
    fn strip(text: Option<(u64, u8)>, busy: Option<u64>) -> GrayImage {
        let mut img = GrayImage::new(256, 24, vec![40; 256 * 24]).unwrap();
        if let Some(n) = busy {
            for (i, p) in img.pixels.iter_mut().enumerate() {
                *p = (hash(n * 100_000 + (i / 3) as u64) % 140) as u8;
            }
        }
        if let Some((seed, level)) = text {
            draw_text(&mut img, TextLine { seed, top: 4, height: 16, level });
        }
        img
    }

    /// A whole frame: a ticking clock at the top, a ball crossing the middle, and `text`.
    pub(crate) fn frame_with(w: usize, h: usize, text: Option<TextLine>, tick: u64) -> GrayImage {
        let mut img = GrayImage::new(w, h, vec![40; w * h]).unwrap();
        draw_text(&mut img, TextLine { seed: 10_000 + tick, top: 2, height: 6, level: 230 });
        let ball_x = (tick as usize * 13) % (w - 8);
        for y in h / 2..h / 2 + 8 {
            for x in ball_x..ball_x + 8 {
                img.pixels[y * w + x] = 250;
            }
        }
        if let Some(t) = text {
            draw_text(&mut img, t);
        }
        img
    }

    /// Run the detector over `strips`, one every 0.25 s from t = 0.
    fn run(strips: &[GrayImage]) -> Vec<LineEvent> {
        let mut d = Detector::new(Config::default());
        let mut events: Vec<LineEvent> = strips.iter().enumerate().flat_map(|(i, s)| d.push(i as f64 * 0.25, s)).collect();
        events.extend(d.finish(strips.len() as f64 * 0.25));
        events
    }

    /// (id, appeared, left, repeat_of) per line.
    fn lines(events: &[LineEvent]) -> Vec<(u64, f64, f64, Option<u64>)> {
        let mut out = Vec::new();
        for e in events {
            match e {
                LineEvent::Appeared { id, at, repeat_of, .. } => out.push((id.0, *at, f64::NAN, repeat_of.map(|r| r.0))),
                LineEvent::Left { id, at } => {
                    let line = out.iter_mut().find(|l| l.0 == id.0).expect("left after appeared");
                    line.2 = *at;
                }
            }
        }
        out
    }

    #[test]
    fn lines_with_gaps_are_timed_to_half_a_sample() {
        // empty 0–1 s, line A 1–2.5 s, empty, line B 3.5–5 s, empty.
        let mut strips = vec![strip(None, None); 4];
        strips.extend(vec![strip(Some((1, 255)), None); 6]);
        strips.extend(vec![strip(None, None); 4]);
        strips.extend(vec![strip(Some((2, 255)), None); 6]);
        strips.extend(vec![strip(None, None); 2]);
        let found = lines(&run(&strips));
        assert_eq!(found, vec![(0, 0.875, 2.375, None), (1, 3.375, 4.875, None)]);
    }

    #[test]
    fn back_to_back_lines_and_a_repeat() {
        let a = strip(Some((1, 255)), None);
        let b = strip(Some((2, 255)), None);
        let strips = [vec![a.clone(); 4], vec![b; 4], vec![a; 4]].concat();
        let found = lines(&run(&strips));
        assert_eq!(found, vec![(0, 0.0, 0.875, None), (1, 0.875, 1.875, None), (2, 1.875, 3.0, Some(0))]);
    }

    #[test]
    fn a_line_sharing_most_glyph_places_with_an_earlier_one_is_no_repeat_of_it() {
        // B: the first glyphs of A, then others (two lines of as many glyphs in one font
        // have edges in the same places): close, but not the same picture.
        let a = strip(Some((1, 255)), None);
        let other = strip(Some((2, 255)), None);
        let mut b = a.clone();
        for (i, p) in b.pixels.iter_mut().enumerate() {
            if i % 256 >= 64 + 16 * 5 {
                *p = other.pixels[i];
            }
        }
        let d = Detector::new(Config::default());
        let distance = d.edges(&a).distance(&d.edges(&b));
        assert!(distance > 0.15 && distance <= 0.3, "the case this covers: {distance}");
        let gap = strip(None, None);
        let strips = [vec![a.clone(); 4], vec![gap.clone(); 2], vec![b; 4], vec![gap; 2], vec![a; 4]].concat();
        let repeats: Vec<Option<u64>> = lines(&run(&strips)).iter().map(|l| l.3).collect();
        assert_eq!(repeats, [None, None, Some(0)], "B is a new line; A again is A");
    }

    #[test]
    fn a_fade_in_is_one_line_dated_from_its_start() {
        let mut strips = vec![strip(None, None); 2];
        for level in [110, 150, 200] {
            strips.push(strip(Some((3, level)), None));
        }
        strips.extend(vec![strip(Some((3, 255)), None); 4]);
        let events = run(&strips);
        let found = lines(&events);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1 >= 0.375 && found[0].1 <= 0.875, "appeared at {}", found[0].1);
        let LineEvent::Appeared { seen_at, .. } = &events[0] else { panic!("{events:?}") };
        assert!(*seen_at >= 1.0, "read only once finished, not at {seen_at}");
    }

    #[test]
    fn empty_and_flashing_strips_make_no_lines() {
        let strips = [vec![strip(None, None); 5], vec![strip(Some((4, 255)), None)], vec![strip(None, None); 5]].concat();
        assert!(run(&strips).is_empty());
        // A dark busy background alone is not text, changing or not.
        let busy: Vec<GrayImage> = (0..12).map(|i| strip(None, Some(i / 4))).collect();
        assert!(run(&busy).is_empty());
    }

    #[test]
    fn text_over_a_busy_background_is_one_line() {
        let strips: Vec<GrayImage> = (0..12).map(|i| strip((3..9).contains(&i).then_some((5, 255)), Some(i))).collect();
        let found = lines(&run(&strips));
        assert_eq!(found, vec![(0, 0.625, 2.125, None)]);
    }

    /// A light busy scene behind the strip, as a video's test pattern or a bookshelf is:
    /// bars and slanted stripes whose sharp, light boundaries cross every row of the strip
    /// alike, moved `shift` pixels to the right; `text` drawn over it.
    fn busy_scene(shift: usize, text: Option<u64>) -> GrayImage {
        let mut img = strip(None, None);
        for y in 0..img.height {
            for x in 0..img.width {
                let bar = [30, 150, 220, 20, 120, 200][(x + shift) * 6 / img.width % 6];
                let stripe = (x + shift + 2 * y) % 37 < 5;
                img.pixels[y * img.width + x] = if stripe { 235 } else { bar };
            }
        }
        if let Some(seed) = text {
            draw_text(&mut img, TextLine { seed, top: 4, height: 16, level: 255 });
        }
        img
    }

    #[test]
    fn a_busy_scene_starting_behind_the_empty_strip_is_no_line() {
        // Empty 0–1 s; a busy scene without text 1–2.5 s (still, then moving); a line over
        // the still scene 2.5–4 s; the scene alone again 4–5 s (moving), then still; empty.
        let mut strips = vec![strip(None, None); 4];
        strips.extend(vec![busy_scene(0, None); 3]);
        strips.extend((1..4).map(|i| busy_scene(i * 3, None)));
        strips.extend(vec![busy_scene(9, Some(8)); 6]);
        strips.extend((4..8).map(|i| busy_scene(i * 3, None)));
        strips.extend(vec![busy_scene(21, None); 3]);
        strips.extend(vec![strip(None, None); 2]);
        let found = lines(&run(&strips));
        assert_eq!(found, vec![(0, 2.375, 3.875, None)], "only the text is a line");
    }

    #[test]
    fn a_changing_light_background_before_the_text_does_not_date_it() {
        // A light, changing picture (not text, but edges) fills the strip from 0.5 s; the
        // text comes at 1.5 s.
        let light = |n: u64| {
            let mut img = strip(None, None);
            for (i, p) in img.pixels.iter_mut().enumerate() {
                *p = if hash(n * 7 + (i / 9) as u64).is_multiple_of(3) { 230 } else { 60 };
            }
            img
        };
        let with_text = |n: u64| {
            let mut img = light(n);
            draw_text(&mut img, TextLine { seed: 7, top: 4, height: 16, level: 255 });
            img
        };
        let mut strips = vec![strip(None, None); 2];
        strips.extend((0..4).map(light));
        strips.extend(vec![with_text(100); 6]);
        let found = lines(&run(&strips));
        let text_line = found.iter().find(|l| l.1 >= 1.0).unwrap_or_else(|| panic!("no text line in {found:?}"));
        assert_eq!(text_line.1, 1.375, "{found:?}");
    }

    /// A light textured scene (a sunlit wall: light patches with sharp dark marks, as the
    /// rendered videos' panning scene) moved `shift` pixels to the left, `text` over it
    /// with a dark outline, as subtitles are drawn.
    fn light_wall(shift: usize, text: Option<u64>) -> GrayImage {
        let mut img = strip(None, None);
        for y in 0..img.height {
            for x in 0..img.width {
                let (cx, cy) = ((x + shift) / 5, y / 4);
                let cell = hash(cx as u64 * 131 + cy as u64);
                img.pixels[y * img.width + x] = if cell.is_multiple_of(5) { 60 } else { 170 + (cell >> 8) as u8 % 70 };
            }
        }
        if let Some(seed) = text {
            let mut glyphs = GrayImage::new(img.width, img.height, vec![0; img.pixels.len()]).expect("size");
            draw_text(&mut glyphs, TextLine { seed, top: 4, height: 16, level: 255 });
            let inked = |x: usize, y: usize| glyphs.get(x, y) != 0;
            for y in 1..img.height - 1 {
                for x in 1..img.width - 1 {
                    if inked(x, y) {
                        img.pixels[y * img.width + x] = 255;
                    } else if (x - 1..=x + 1).any(|nx| (y - 1..=y + 1).any(|ny| inked(nx, ny))) {
                        img.pixels[y * img.width + x] = 20;
                    }
                }
            }
        }
        img
    }

    #[test]
    fn a_line_over_a_panning_light_background_is_one_line() {
        // A camera pans over a light wall, 5 px a sample (the rendered videos' 3 px a frame,
        // downscaled), from 0 s: the wall alone until 1 s, line A 1–4 s, line B right after
        // it until 6 s, then the wall alone again. What the viewer sees: two lines, each
        // read once, timed to half a sample; the moving wall behind them is no change.
        let texts = (0..28).map(|i| match i {
            4..16 => Some(11),
            16..24 => Some(12),
            _ => None,
        });
        let strips: Vec<GrayImage> = texts.enumerate().map(|(i, text)| light_wall(i * 5, text)).collect();
        let found = lines(&run(&strips));
        assert_eq!(found, vec![(0, 0.875, 3.875, None), (1, 3.875, 5.875, None)]);
    }

    #[test]
    fn a_pan_starting_and_stopping_under_a_line_keeps_it_one_line() {
        // One line from 0 s to 5 s over a light wall: still until 1.5 s, panning until
        // 3.5 s, still again; then the plain strip.
        let mut shift = 0;
        let strips: Vec<GrayImage> = (0..22)
            .map(|i| {
                if (6..14).contains(&i) {
                    shift += 5;
                }
                if i < 20 {
                    light_wall(shift, Some(11))
                } else {
                    strip(None, None)
                }
            })
            .collect();
        assert_eq!(lines(&run(&strips)), vec![(0, 0.0, 4.875, None)]);
    }

    #[test]
    fn samples_of_any_size_are_downscaled_first() {
        let big = strip(Some((6, 255)), None).resize_box(1024, 96);
        let d = Detector::new(Config::default());
        assert!(d.edges(&big).distance(&d.edges(&strip(Some((6, 255)), None))) < 0.3);
        assert_eq!(lines(&run(&[big.clone(), big])).len(), 1);
    }
}
