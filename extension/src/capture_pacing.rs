//! Spacing of tab screenshots (`tabs.captureVisibleTab`). Chromium allows an extension two
//! of them per second — a fixed one-second window opened by the first call after the last
//! window ended (`MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND`) — and fails the rest with an
//! error naming the quota. Alt+T pressed again and again must wait its turn instead.

/// Longer than Chromium's window, so a call never lands at its very edge.
pub const WINDOW_MS: f64 = 1050.0;

/// The times of the last two screenshots (booked, not necessarily taken yet).
#[derive(Debug, Default)]
pub struct CapturePacing {
    last_two: [f64; 2],
}

impl CapturePacing {
    /// Book the next screenshot asked for at `now` (ms): returns when to take it. Any three
    /// booked screenshots then span more than a window, so no window ever holds three.
    pub fn book(&mut self, now: f64) -> f64 {
        let at = now.max(self.last_two[0] + WINDOW_MS);
        self.last_two = [self.last_two[1], at];
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_go_at_once_the_third_waits_for_the_window() {
        let mut p = CapturePacing::default();
        assert_eq!(p.book(10_000.0), 10_000.0);
        assert_eq!(p.book(10_010.0), 10_010.0);
        assert_eq!(p.book(10_020.0), 10_000.0 + WINDOW_MS);
        assert_eq!(p.book(10_030.0), 10_010.0 + WINDOW_MS);
        assert_eq!(p.book(10_040.0), 10_000.0 + 2.0 * WINDOW_MS);
    }

    #[test]
    fn no_one_second_window_ever_holds_three() {
        let mut p = CapturePacing::default();
        let mut now = 50_000.0;
        let mut taken = Vec::new();
        for i in 0..200 {
            now += [0.0, 3.0, 400.0, 990.0, 0.5][i % 5];
            taken.push(p.book(now));
        }
        for w in taken.windows(3) {
            assert!(w[2] - w[0] > 1000.0, "{w:?}");
        }
    }

    #[test]
    fn a_quiet_spell_means_no_wait() {
        let mut p = CapturePacing::default();
        p.book(1_000.0);
        p.book(1_001.0);
        assert_eq!(p.book(5_000.0), 5_000.0);
    }
}
