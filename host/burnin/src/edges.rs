//! The text-like edges of a strip: pixels where luma jumps sharply, as it does at the
//! outline of burned-in letters (light text, dark border) and rarely in soft video. Two
//! strips show the same line when their edge maps overlap, allowing a pixel of jitter from
//! compression; a line changing or leaving moves most of its edges. The edges that stood
//! still since the sample before ([`EdgeMap::still_since`]) are the text's over a moving scene.

use crate::gray::GrayImage;

/// Which pixels of a strip are edges and which way each one goes, and the same map grown by
/// one pixel (the tolerance [`EdgeMap::distance`] compares against). The direction (towards
/// the right or downwards, getting lighter or darker) keeps two different lines of text from
/// matching just because their strokes fall on the same columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeMap {
    pub width: usize,
    pub height: usize,
    /// One bit per direction (0 = no edge).
    edges: Vec<u8>,
    /// The directions found at or next to each pixel.
    grown: Vec<u8>,
    count: usize,
    /// How many pixels have each set of directions, in `edges` and in `grown` (for the
    /// share of edges that would match by chance).
    edge_sets: [u32; 16],
    grown_sets: [u32; 16],
}

impl EdgeMap {
    /// Pixels whose right or lower neighbour differs by at least `threshold`, the lighter
    /// side being at least `light` (subtitles are light letters with a dark outline, or dark
    /// letters on a light box; most edges of a busy picture are darker than either).
    pub fn of(image: &GrayImage, threshold: u8, light: u8) -> EdgeMap {
        let (w, h) = (image.width, image.height);
        let mut edges = vec![0u8; w * h];
        let direction = |p: u8, q: u8, lighter: u8, darker: u8| {
            if p.max(q) >= light && p.abs_diff(q) >= threshold {
                if q > p {
                    lighter
                } else {
                    darker
                }
            } else {
                0
            }
        };
        for y in 0..h {
            let row = &image.pixels[y * w..(y + 1) * w];
            let next = image.pixels.get((y + 1) * w..(y + 2) * w);
            for x in 0..w {
                let p = row[x];
                let right = if x + 1 < w { direction(p, row[x + 1], 1, 2) } else { 0 };
                let below = next.map_or(0, |next| direction(p, next[x], 4, 8));
                edges[y * w + x] = right | below;
            }
        }
        EdgeMap::from_edges(w, h, edges)
    }

    fn from_edges(width: usize, height: usize, edges: Vec<u8>) -> EdgeMap {
        let (w, h) = (width, height);
        let count = edges.iter().filter(|&&e| e != 0).count();
        // Each pixel's 3×3 neighbourhood, in two passes: along the rows, then the columns.
        let mut across = edges.clone();
        for (row, out) in edges.chunks_exact(w.max(1)).zip(across.chunks_exact_mut(w.max(1))) {
            for x in 0..w {
                out[x] = row[x] | row[x.saturating_sub(1)] | row[(x + 1).min(w - 1)];
            }
        }
        let mut grown = across.clone();
        for y in 0..h {
            let (up, down) = (y.saturating_sub(1) * w, (y + 1).min(h - 1) * w);
            for x in 0..w {
                grown[y * w + x] |= across[up + x] | across[down + x];
            }
        }
        let sets = |v: &[u8]| {
            let mut n = [0u32; 16];
            for &e in v {
                n[usize::from(e & 15)] += 1;
            }
            n
        };
        let (edge_sets, grown_sets) = (sets(&edges), sets(&grown));
        EdgeMap { width: w, height: h, edges, grown, count, edge_sets, grown_sets }
    }

    /// The edges that stood still since `previous` (the sample before): those `previous`
    /// had at the same pixel, going the same way. Burned-in text stays put from sample to
    /// sample while a scene behind it pans or moves, so this is the text (with whatever of
    /// the scene stood still, and the few of its edges that land on one of the sample
    /// before's by chance). All of them when the sizes differ (nothing to tell by).
    pub fn still_since(&self, previous: &EdgeMap) -> EdgeMap {
        if (self.width, self.height) != (previous.width, previous.height) {
            return self.clone();
        }
        let edges = self.edges.iter().zip(&previous.edges).map(|(&e, &p)| e & p).collect();
        EdgeMap::from_edges(self.width, self.height, edges)
    }

    /// The share of the strip's pixels that are edges (0 for a plain strip).
    pub fn density(&self) -> f32 {
        if self.edges.is_empty() {
            0.0
        } else {
            self.count as f32 / self.edges.len() as f32
        }
    }

    /// The share of the strip's pixels that are edges beyond what its quietest rows have: a
    /// line of text crosses a band of rows and leaves the rows above and below it (the strip
    /// is found, or drawn by hand, around the text) with what is behind it, while the
    /// boundaries of a scene behind the strip (bars, stripes, a slant) cross every row about
    /// alike, so a strip showing only such a scene has about none. The same as
    /// [`EdgeMap::density`] over a plain background.
    pub fn text_density(&self) -> f32 {
        let rows = self.row_counts();
        if rows.is_empty() {
            return 0.0;
        }
        // The background: the quietest eighth of the rows (not the very quietest, which a
        // scene can leave bare by chance), the last row left out as it has no row below to
        // differ from. A row is above it by more than the spread of edges scattered at random.
        let mut quiet = rows[..rows.len().saturating_sub(1).max(1)].to_vec();
        quiet.sort_unstable();
        let background = quiet[(rows.len() / 8).min(quiet.len() - 1)] as f32;
        let level = background + background.sqrt();
        let above: f32 = rows.iter().map(|&n| (n as f32 - level).max(0.0)).sum();
        above / (rows.len() * self.width) as f32
    }

    /// 0 when every edge of each map lies within a pixel of an edge of the other going the
    /// same way, 1 when no more do than chance would have (or the sizes differ): a busy
    /// picture with edges nearly everywhere matches anything by chance, so that is taken off.
    pub fn distance(&self, other: &EdgeMap) -> f32 {
        if (self.width, self.height) != (other.width, other.height) {
            return 1.0;
        }
        let total = self.count + other.count;
        if total == 0 {
            return 0.0;
        }
        let agreed = self.found_in(other) * self.count as f32 + other.found_in(self) * other.count as f32;
        1.0 - agreed / total as f32
    }

    /// The share of this map's edges that `other` has too (within a pixel, same direction),
    /// above what chance gives: how much of a line an earlier sample already shows.
    pub fn found_in(&self, other: &EdgeMap) -> f32 {
        if (self.width, self.height) != (other.width, other.height) || self.count == 0 {
            return 0.0;
        }
        let found = self.edges.iter().zip(&other.grown).filter(|(&e, &g)| e != 0 && e & g == e).count() as f32 / self.count as f32;
        // The chance that a pixel of `other`'s grown map holds a given set of directions.
        let pixels = other.grown.len().max(1) as f32;
        let holds = |set: usize| (0..16).filter(|g| g & set == set).map(|g| other.grown_sets[g]).sum::<u32>() as f32 / pixels;
        let chance = (1..16).map(|set| self.edge_sets[set] as f32 * holds(set)).sum::<f32>() / self.count as f32;
        if chance >= 1.0 {
            return 0.0;
        }
        ((found - chance) / (1.0 - chance)).clamp(0.0, 1.0)
    }

    /// How many horizontal transitions each row has: text rows have many, a moving shape
    /// a couple (used to find the caption band).
    pub fn row_counts(&self) -> Vec<usize> {
        self.edges.chunks(self.width.max(1)).map(|row| row.iter().filter(|&&e| e != 0).count()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(w: usize, h: usize, f: impl Fn(usize, usize) -> u8) -> GrayImage {
        GrayImage::new(w, h, (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).map(|(x, y)| f(x, y)).collect()).unwrap()
    }

    #[test]
    fn plain_strip_has_no_edges() {
        let map = EdgeMap::of(&image(40, 10, |_, _| 90), 60, 160);
        assert_eq!(map.density(), 0.0);
        assert_eq!(map.distance(&map), 0.0);
    }

    #[test]
    fn one_pixel_shift_is_near_a_different_pattern_is_far() {
        let bars = |shift: usize| image(40, 10, move |x, _| if (x + shift) % 8 < 3 { 250 } else { 10 });
        let a = EdgeMap::of(&bars(0), 60, 160);
        assert!(a.distance(&EdgeMap::of(&bars(1), 60, 160)) < 0.1, "{}", a.distance(&EdgeMap::of(&bars(1), 60, 160)));
        // Blocks at scattered places: few of their edges are near the bars'.
        let blocks =
            EdgeMap::of(&image(40, 10, |x, y| if (x * 7 / 3 + y / 4 * 5) % 11 == 0 && y > 2 && y < 8 { 250 } else { 10 }), 60, 160);
        assert!(a.distance(&blocks) > 0.4, "{}", a.distance(&blocks));
        // Dark detail (a busy background) is not text-like.
        let dark = EdgeMap::of(&image(40, 10, |x, y| ((x * 37 + y * 91) % 7 * 20) as u8), 60, 160);
        assert_eq!(dark.density(), 0.0);
    }

    #[test]
    fn a_scene_crossing_every_row_alike_has_no_text_density_text_over_it_has() {
        // Light bars and a slanted stripe, their boundaries in every row of a 64×16 strip.
        let scene = |x: usize, y: usize| if (x + y) % 21 < 3 { 240 } else { [30, 220, 40, 200][x * 4 / 64] };
        let map = EdgeMap::of(&image(64, 16, scene), 60, 160);
        assert!(map.density() > 0.05, "{}", map.density());
        assert!(map.text_density() < 0.004, "{}", map.text_density());
        // Blocks of text in rows 5–10 stand out from the rows above and below.
        let text = |x: usize, y: usize| if (5..11).contains(&y) && x % 6 < 2 { 255 } else { scene(x, y) };
        let with_text = EdgeMap::of(&image(64, 16, text), 60, 160);
        assert!(with_text.text_density() > 0.02, "{}", with_text.text_density());
        // Over a plain background, every edge counts.
        let plain = EdgeMap::of(&image(64, 16, |x, y| if (5..11).contains(&y) && x % 6 < 2 { 255 } else { 30 }), 60, 160);
        assert_eq!(plain.text_density(), plain.density());
    }
}
