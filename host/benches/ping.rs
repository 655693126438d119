//! Ping round trip through the real host process over pipes, beside the same framed
//! round trip through `cat` (a trivial echo) measured in the same run.
//! Goal: the host adds < 0.5 ms at p50.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use glossa_host::native::codec::{encode_frame, read_frame};
use glossa_protocol::MAX_OUTBOUND_FRAME;

const ROUNDS: usize = 3000;
const WARMUP: usize = 200;

/// Round-trip times for `ROUNDS` pings; `replies` frames are read per ping.
fn measure(mut cmd: Command, replies: usize) -> Vec<Duration> {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut times = Vec::with_capacity(ROUNDS);
    for i in 0..ROUNDS + WARMUP {
        let msg = encode_frame(format!(r#"{{"id":"{i}","type":"ping"}}"#).as_bytes());
        let t = Instant::now();
        stdin.write_all(&msg).unwrap();
        stdin.flush().unwrap();
        for _ in 0..replies {
            read_frame(&mut stdout, MAX_OUTBOUND_FRAME).expect("a frame").expect("peer closed");
        }
        if i >= WARMUP {
            times.push(t.elapsed());
        }
    }
    drop(stdin);
    let _ = child.wait();
    times.sort();
    times
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3
}

fn main() {
    let data = tempfile::tempdir().unwrap();
    let mut host = Command::new(env!("CARGO_BIN_EXE_glossa-host"));
    host.arg("chrome-extension://lngjifcmcijmogopcegelklfdnfabnkn/").env("GLOSSA_DATA_DIR", data.path()).env("GLOSSA_LOG", "warn");
    // The host answers a ping with `pong` then `done`.
    let host_times = measure(host, 2);
    let echo_times = measure(Command::new("cat"), 1);

    let (h50, h99, e50, e99) = (pct(&host_times, 0.5), pct(&host_times, 0.99), pct(&echo_times, 0.5), pct(&echo_times, 0.99));
    println!("ping round trip over pipes, {ROUNDS} rounds");
    println!("  echo (cat)   p50 {e50:.3} ms  p99 {e99:.3} ms");
    println!("  glossa-host  p50 {h50:.3} ms  p99 {h99:.3} ms");
    println!("  host adds    p50 {:.3} ms  (ratio {:.2}x; goal < 0.5 ms)", h50 - e50, h50 / e50);
}
