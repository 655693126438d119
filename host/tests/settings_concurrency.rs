//! Each browser tab may start its own host: several processes read and write one database.
//! `GLOSSA_SOAK_SECS` turns the fixed number of writes into a timed soak (tests/soak.sh
//! runs it for 10 minutes).

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::Host;

const KEYS: [&str; 3] = ["local.threads", "local.gpu_layers", "local.idle_unload_secs"];
const WRITES: u64 = 150;

#[test]
fn hosts_sharing_one_database_lose_no_write_and_show_no_lock_error() {
    let dir = tempfile::tempdir().unwrap();
    let soak = std::env::var("GLOSSA_SOAK_SECS").ok().and_then(|s| s.parse().ok()).map(Duration::from_secs);
    let started = Instant::now();
    let workers: Vec<_> = KEYS
        .into_iter()
        .map(|key| {
            let data = dir.path().to_owned();
            std::thread::spawn(move || -> (u64, u64) {
                let mut host = Host::start(&data);
                let mut last = 0;
                let mut reads = 0;
                for i in 1.. {
                    let more = match soak {
                        Some(d) => started.elapsed() < d,
                        None => i <= WRITES,
                    };
                    if !more {
                        break;
                    }
                    let ev = host.request(json!({"id": format!("w{i}"), "type":"put_settings","values":{ key: i.to_string() }}));
                    let end = ev.last().unwrap();
                    assert_eq!(end["event"], "done", "write {i} of {key} failed: {end}");
                    last = i;
                    // Mixed load: read back, as the options page does after saving.
                    let ev = host.request(json!({"id": format!("r{i}"), "type":"get_settings"}));
                    assert_eq!(ev[0]["event"], "settings", "read failed: {}", ev[0]);
                    assert!(ev[0].get("warnings").is_none(), "a user-visible warning: {}", ev[0]);
                    reads += 1;
                }
                (last, reads)
            })
        })
        .collect();
    let results: Vec<(u64, u64)> = workers.into_iter().map(|w| w.join().expect("a host saw an error")).collect();

    let mut host = Host::start(dir.path());
    let ev = host.request(json!({"id":"final","type":"get_settings"}));
    let local = &ev[0]["local"];
    for ((key, (last, reads)), field) in KEYS.iter().zip(&results).zip(["threads", "gpu_layers", "idle_unload_secs"]) {
        println!("{key}: {last} writes, {reads} reads");
        assert_eq!(local[field], *last, "{key}: the last write must be the stored value");
    }
}
