//! Native messaging: framing on the pipes the browser gave us, and the session that
//! turns frames into requests for the handlers and their events back into frames.

pub mod codec;
pub mod launch;
pub mod session;
pub mod stdio;

pub use codec::{encode_frame, FrameError, NativeCodec};
pub use session::serve;
