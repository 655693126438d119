//! Burned-in subtitle mode's detection, in the background: each tab's content script sends
//! small gray samples of the caption strip (it cannot run wasm under YouTube's CSP), and
//! the detector shared with the host (`glossa-burnin`) says which lines appeared or left.
//! Pure logic, unit-tested natively; `background.rs` wires it to the ports.

use std::collections::HashMap;

use base64::Engine;
use glossa_burnin::{Config, Detector, GrayImage, LineEvent};
use glossa_protocol::{BurninLineEvent, ClientRequestId};

use crate::routing::ClientId;

/// One detector per tab, for its current detection id.
#[derive(Default)]
pub struct BurninDetectors {
    by_client: HashMap<ClientId, (ClientRequestId, Detector)>,
}

impl BurninDetectors {
    /// Feed `client`'s sample; a new `id` starts over (another video, a seek). A sample that
    /// is not `width × height` base64 luma bytes is ignored.
    pub fn sample(&mut self, client: ClientId, id: &str, time: f64, width: u32, height: u32, gray: &str) -> Vec<BurninLineEvent> {
        let Ok(pixels) = base64::engine::general_purpose::STANDARD.decode(gray) else { return Vec::new() };
        let Some(strip) = GrayImage::new(width as usize, height as usize, pixels) else { return Vec::new() };
        let entry = self.by_client.entry(client).or_insert_with(|| (id.to_owned(), Detector::new(Config::default())));
        if entry.0 != id {
            *entry = (id.to_owned(), Detector::new(Config::default()));
        }
        entry.1.push(time, &strip).into_iter().map(wire).collect()
    }

    /// The tab went away.
    pub fn gone(&mut self, client: ClientId) {
        self.by_client.remove(&client);
    }
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

    #[test]
    fn samples_become_line_events_per_tab_and_detection() {
        let mut d = BurninDetectors::default();
        let feed = |d: &mut BurninDetectors, client, id: &str, seed, t| d.sample(client, id, t, 64, 8, &strip(seed));
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
        assert!(d.sample(1, "b2", 9.5, 64, 9, &strip(None)).is_empty());
        assert!(d.sample(1, "b2", 9.5, 64, 8, "***").is_empty());
        d.gone(1);
        assert!(!d.by_client.contains_key(&1));
    }
}
