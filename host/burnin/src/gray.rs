//! A grayscale picture: what every step of detection works on (colour tells nothing about
//! where text is that luma does not).

/// Luma pixels, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl GrayImage {
    /// `None` when `pixels` does not hold `width × height` values.
    pub fn new(width: usize, height: usize, pixels: Vec<u8>) -> Option<GrayImage> {
        (width.checked_mul(height)? == pixels.len()).then_some(GrayImage { width, height, pixels })
    }

    /// From RGBA bytes (a canvas's `getImageData`); `None` when the length does not match.
    pub fn from_rgba(width: usize, height: usize, rgba: &[u8]) -> Option<GrayImage> {
        Self::from_interleaved(width, height, rgba, 4)
    }

    /// From RGB bytes (ffmpeg's `rgb24`); `None` when the length does not match.
    pub fn from_rgb(width: usize, height: usize, rgb: &[u8]) -> Option<GrayImage> {
        Self::from_interleaved(width, height, rgb, 3)
    }

    fn from_interleaved(width: usize, height: usize, data: &[u8], channels: usize) -> Option<GrayImage> {
        if width.checked_mul(height)?.checked_mul(channels)? != data.len() {
            return None;
        }
        // BT.601 luma in integers.
        let pixels = data
            .chunks_exact(channels)
            .map(|p| ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2])) >> 8) as u8)
            .collect();
        Some(GrayImage { width, height, pixels })
    }

    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }

    /// Rows `top..top + height` (clamped to the picture).
    pub fn rows(&self, top: usize, height: usize) -> GrayImage {
        let top = top.min(self.height);
        let height = height.min(self.height - top);
        GrayImage { width: self.width, height, pixels: self.pixels[top * self.width..(top + height) * self.width].to_vec() }
    }

    /// Box-filtered down to `width` columns, keeping the aspect ratio (never up).
    pub fn downscale_to_width(&self, width: usize) -> GrayImage {
        if width == 0 || width >= self.width || self.height == 0 {
            return self.clone();
        }
        let height = (self.height * width).div_ceil(self.width).max(1);
        self.resize_box(width, height)
    }

    /// Box filter into `width × height` (each output pixel the mean of the source pixels it covers).
    pub fn resize_box(&self, width: usize, height: usize) -> GrayImage {
        let mut pixels = Vec::with_capacity(width * height);
        for oy in 0..height {
            let (y0, y1) = span(oy, height, self.height);
            for ox in 0..width {
                let (x0, x1) = span(ox, width, self.width);
                let mut sum = 0u32;
                for y in y0..y1 {
                    sum += self.pixels[y * self.width + x0..y * self.width + x1].iter().map(|&p| u32::from(p)).sum::<u32>();
                }
                pixels.push((sum / ((y1 - y0) * (x1 - x0)) as u32) as u8);
            }
        }
        GrayImage { width, height, pixels }
    }
}

/// The source range output index `i` of `n` covers in a source of `len` (never empty).
fn span(i: usize, n: usize, len: usize) -> (usize, usize) {
    let start = i * len / n;
    let end = ((i + 1) * len / n).max(start + 1).min(len);
    (start.min(len - 1), end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked() {
        assert!(GrayImage::from_rgba(2, 2, &[0; 15]).is_none());
        assert!(GrayImage::from_rgb(2, 2, &[0; 12]).is_some());
        assert!(GrayImage::new(3, 3, vec![0; 8]).is_none());
    }

    #[test]
    fn white_is_white_and_downscale_averages() {
        let white = GrayImage::from_rgb(1, 1, &[255, 255, 255]).unwrap();
        assert!(white.pixels[0] >= 254);
        let img = GrayImage::new(4, 2, vec![0, 200, 100, 100, 0, 200, 100, 100]).unwrap();
        let small = img.downscale_to_width(2);
        assert_eq!((small.width, small.height), (2, 1));
        assert_eq!(small.pixels, vec![100, 100]);
        assert_eq!(img.rows(1, 5).pixels, vec![0, 200, 100, 100]);
    }
}
