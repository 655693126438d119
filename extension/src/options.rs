//! The options page (filled in below).
