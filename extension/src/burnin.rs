//! Burned-in subtitle mode's detection, in the background: each tab's content script sends
//! small gray samples of the caption strip (it cannot run wasm under YouTube's CSP), and
//! the detector shared with the host (`glossa-burnin`) says which lines appeared or left.
//! Pure logic, unit-tested natively; `background.rs` wires it to the ports.

use std::collections::{HashMap, VecDeque};

use base64::Engine;
use glossa_burnin::{band_of_row_edges, row_edges, Band, Config, Detector, GrayImage, LineEvent};
use glossa_protocol::{BurninBand, BurninLineEvent, ClientRequestId};

use crate::routing::ClientId;

/// Search samples kept to replay into the detector once the strip is found (3 s at 4/s:
/// more than the detector looks back to date a line).
const SEARCH_REPLAYED: usize = 12;
/// A search that finds no changing text for this long settles for the usual band.
const SEARCH_SECS: f64 = 20.0;

/// One tab's detection: looking for the strip in taller samples, or watching it.
enum Watch {
    Searching {
        /// The rows of the picture the search samples show.
        covers: Band,
        /// Each search sample's edges per row, from the first on.
        row_edges: Vec<Vec<usize>>,
        /// The latest search samples, to run the detector over once the band is known.
        recent: VecDeque<(f64, GrayImage)>,
        since: f64,
    },
    Watching {
        band: Band,
        detector: Box<Detector>,
        /// Found by a search: said again to a page still sending search samples.
        found: bool,
    },
}

/// What a sample made of the detection: lines that appeared or left, and the band to
/// sample from now on when a search just found it.
#[derive(Debug, Default, PartialEq)]
pub struct SampleAnswer {
    pub lines: Vec<BurninLineEvent>,
    pub band: Option<BurninBand>,
}

/// One detection per tab, for its current detection id.
#[derive(Default)]
pub struct BurninDetectors {
    by_client: HashMap<ClientId, (ClientRequestId, Watch)>,
}

/// A sample as the page sends it: `width × height` base64 luma bytes showing the rows
/// `region` of the picture (the usual band when absent); `search` while the page does not
/// know where the strip is.
pub struct Sample<'a> {
    pub time: f64,
    pub width: u32,
    pub height: u32,
    pub gray: &'a str,
    pub region: Option<BurninBand>,
    pub search: bool,
}

impl BurninDetectors {
    /// Feed `client`'s sample; a new `id` starts over (another video, a seek). A sample that
    /// is not `width × height` base64 luma bytes is ignored.
    pub fn sample(&mut self, client: ClientId, id: &str, sample: Sample) -> SampleAnswer {
        let Ok(pixels) = base64::engine::general_purpose::STANDARD.decode(sample.gray) else { return SampleAnswer::default() };
        let Some(image) = GrayImage::new(sample.width as usize, sample.height as usize, pixels) else { return SampleAnswer::default() };
        let covers = sample.region.map_or(Band::DEFAULT, |r| Band { top: r.top, bottom: r.bottom });
        let fresh = || {
            if sample.search {
                Watch::Searching { covers, row_edges: Vec::new(), recent: VecDeque::new(), since: sample.time }
            } else {
                Watch::Watching { band: covers, detector: Box::new(Detector::new(Config::default())), found: false }
            }
        };
        let entry = self.by_client.entry(client).or_insert_with(|| (id.to_owned(), fresh()));
        if entry.0 != id {
            *entry = (id.to_owned(), fresh());
        }
        let watch = &mut entry.1;
        match watch {
            Watch::Watching { band, detector, found } => {
                let Some(strip) = crop(&image, covers, *band) else { return SampleAnswer::default() };
                let lines = detector.push(sample.time, &strip).into_iter().map(wire).collect();
                SampleAnswer { lines, band: (*found && sample.search).then(|| wire_band(*band)) }
            }
            Watch::Searching { covers: searched, row_edges: edges, recent, since } => {
                if covers != *searched || edges.first().is_some_and(|e| e.len() != image.height) {
                    return SampleAnswer::default(); // not a sample of this search
                }
                edges.push(row_edges(&image, &Config::default()));
                recent.push_back((sample.time, image));
                if recent.len() > SEARCH_REPLAYED {
                    recent.pop_front();
                }
                let band = match band_of_row_edges(edges, covers) {
                    Some(band) => band,
                    None if sample.time - *since >= SEARCH_SECS => Band::DEFAULT,
                    None => return SampleAnswer::default(),
                };
                // The detector runs over the samples kept, as if it had watched the band from them on.
                let mut detector = Detector::new(Config::default());
                let mut lines = Vec::new();
                for (time, image) in recent.iter() {
                    if let Some(strip) = crop(image, covers, band) {
                        lines.extend(detector.push(*time, &strip).into_iter().map(wire));
                    }
                }
                *watch = Watch::Watching { band, detector: Box::new(detector), found: true };
                SampleAnswer { lines, band: Some(wire_band(band)) }
            }
        }
    }

    /// The tab went away.
    pub fn gone(&mut self, client: ClientId) {
        self.by_client.remove(&client);
    }
}

fn wire_band(band: Band) -> BurninBand {
    BurninBand { top: band.top, bottom: band.bottom }
}

/// The rows of `band` out of `image`, which shows the rows `covers` of the picture; `None`
/// when it does not show them all. The page samples on a grid of whole rows, so a band cut
/// from a taller sample is the same picture as a sample of the band itself.
fn crop(image: &GrayImage, covers: Band, band: Band) -> Option<GrayImage> {
    let span = covers.bottom - covers.top;
    if span <= 0.0 {
        return None;
    }
    let row = |at: f32| ((at - covers.top) / span * image.height as f32).round();
    let (top, bottom) = (row(band.top), row(band.bottom));
    if top < 0.0 || bottom > image.height as f32 || bottom <= top {
        return None;
    }
    Some(image.rows(top as usize, (bottom - top) as usize))
}

fn wire(event: LineEvent) -> BurninLineEvent {
    match event {
        LineEvent::Appeared { id, at, seen_at, repeat_of, .. } => {
            BurninLineEvent::Appeared { line: id.0, at, seen_at, repeat_of: repeat_of.map(|r| r.0) }
        }
        LineEvent::Left { id, at } => BurninLineEvent::Left { line: id.0, at },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64×8 strip: plain, or light blocks placed by `seed`.
    fn strip(seed: Option<u64>) -> String {
        let pixels: Vec<u8> = (0..64 * 8)
            .map(|i: u64| match seed {
                Some(s) if (4..60).contains(&(i % 64)) && (2..6).contains(&(i / 64)) && ((i % 64) / 3 * 7 + s * 13) % 5 < 2 => 250,
                _ => 30,
            })
            .collect();
        base64::engine::general_purpose::STANDARD.encode(pixels)
    }

    fn band_sample(t: f64, height: u32, gray: &str) -> Sample<'_> {
        Sample { time: t, width: 64, height, gray, region: None, search: false }
    }

    #[test]
    fn samples_become_line_events_per_tab_and_detection() {
        let mut d = BurninDetectors::default();
        let feed = |d: &mut BurninDetectors, client, id: &str, seed, t| d.sample(client, id, band_sample(t, 8, &strip(seed))).lines;
        assert!(feed(&mut d, 1, "b1", None, 0.0).is_empty());
        assert!(feed(&mut d, 1, "b1", Some(1), 0.25).is_empty(), "one sample is not yet a line");
        assert_eq!(
            feed(&mut d, 1, "b1", Some(1), 0.5),
            vec![BurninLineEvent::Appeared { line: 0, at: 0.125, seen_at: 0.5, repeat_of: None }]
        );
        // Another tab has its own detector.
        assert!(feed(&mut d, 2, "x1", Some(1), 0.5).is_empty());
        assert_eq!(feed(&mut d, 1, "b1", None, 0.75), vec![BurninLineEvent::Left { line: 0, at: 0.625 }]);
        // A new detection id (a seek) starts over: line numbers from 0 again.
        assert!(feed(&mut d, 1, "b2", Some(1), 9.0).is_empty());
        assert!(matches!(feed(&mut d, 1, "b2", Some(1), 9.25)[..], [BurninLineEvent::Appeared { line: 0, .. }]));
        // Not a strip of that size, or not base64: ignored.
        assert_eq!(d.sample(1, "b2", band_sample(9.5, 9, &strip(None))), SampleAnswer::default());
        assert_eq!(d.sample(1, "b2", band_sample(9.5, 8, "***")), SampleAnswer::default());
        d.gone(1);
        assert!(!d.by_client.contains_key(&1));
    }

    /// A 64×32 sample of the lower half of the picture (rows 50–100 %) with the strip's
    /// 8 rows of [`strip`] at sample rows 12–20 (69–81 % of the picture, above the usual band).
    fn lower_half(seed: Option<u64>) -> String {
        let band = base64::engine::general_purpose::STANDARD.decode(strip(seed)).unwrap();
        let mut pixels = vec![30u8; 64 * 32];
        pixels[12 * 64..20 * 64].copy_from_slice(&band);
        base64::engine::general_purpose::STANDARD.encode(pixels)
    }

    #[test]
    fn a_search_finds_the_strip_and_the_lines_it_held_are_not_lost() {
        let mut d = BurninDetectors::default();
        let lower = Some(BurninBand { top: 0.5, bottom: 1.0 });
        let search = |d: &mut BurninDetectors, seed, t| {
            let gray = lower_half(seed);
            d.sample(1, "b1", Sample { time: t, width: 64, height: 32, gray: &gray, region: lower, search: true })
        };
        assert_eq!(search(&mut d, None, 0.0), SampleAnswer::default());
        assert_eq!(search(&mut d, None, 0.25), SampleAnswer::default(), "nothing changed yet");
        // The line appears: the band is found where it is …
        let found = search(&mut d, Some(1), 0.5);
        let band = found.band.expect("the band, once text changed");
        assert!(band.top <= 0.5 + 12.0 / 64.0 && band.top >= 0.5 && band.bottom >= 0.5 + 20.0 / 64.0 && band.bottom < 1.0, "{band:?}");
        assert!(found.lines.is_empty(), "one sample is not yet a line");
        // … and the next sample, still a search sample in flight, is cut to the band: the line, dated from its first sample.
        let next = search(&mut d, Some(1), 0.75);
        assert_eq!(next.lines, vec![BurninLineEvent::Appeared { line: 0, at: 0.375, seen_at: 0.75, repeat_of: None }]);
        assert_eq!(next.band, Some(band), "said again while the page still searches");
        // The page then samples the band alone, on the same grid: the same line, still on screen.
        let rows = |at: f32| ((at - 0.5) / 0.5 * 32.0).round() as usize;
        let (top, bottom) = (rows(band.top), rows(band.bottom));
        let pixels = base64::engine::general_purpose::STANDARD.decode(lower_half(Some(1))).unwrap();
        let gray = base64::engine::general_purpose::STANDARD.encode(&pixels[top * 64..bottom * 64]);
        let own = Sample { time: 1.0, width: 64, height: (bottom - top) as u32, gray: &gray, region: Some(band), search: false };
        assert_eq!(d.sample(1, "b1", own), SampleAnswer::default(), "no line left or appeared");
        let empty = base64::engine::general_purpose::STANDARD.encode(vec![30u8; 64 * (bottom - top)]);
        let own = Sample { time: 1.25, width: 64, height: (bottom - top) as u32, gray: &empty, region: Some(band), search: false };
        assert_eq!(d.sample(1, "b1", own).lines, vec![BurninLineEvent::Left { line: 0, at: 1.125 }]);
    }

    #[test]
    fn a_search_without_changing_text_settles_for_the_usual_band() {
        let mut d = BurninDetectors::default();
        let lower = Some(BurninBand { top: 0.5, bottom: 1.0 });
        let gray = lower_half(None);
        let at = |t: f64| Sample { time: t, width: 64, height: 32, gray: &gray, region: lower, search: true };
        assert_eq!(d.sample(1, "b1", at(0.0)).band, None);
        assert_eq!(d.sample(1, "b1", at(SEARCH_SECS - 0.25)).band, None);
        assert_eq!(d.sample(1, "b1", at(SEARCH_SECS)).band, Some(wire_band(Band::DEFAULT)));
    }
}
