//! Each browser tab may start its own host: several processes write one database.

mod common;

use common::Host;
use serde_json::json;

#[test]
fn two_hosts_writing_settings_concurrently_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    const WRITES: usize = 150;
    let workers: Vec<_> = [("display.font_size", 100usize), ("local.context_size", 5000)]
        .into_iter()
        .map(|(key, base)| {
            let data = dir.path().to_owned();
            std::thread::spawn(move || {
                let mut host = Host::start(&data);
                for i in 0..WRITES {
                    let id = format!("w{i}");
                    let ev = host.request(json!({"id": id, "type":"put_settings","values":{ key: (base + i).to_string() }}));
                    let last = ev.last().unwrap();
                    assert_eq!(last["event"], "done", "write {i} of {key} failed: {last}");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a writer saw an error");
    }
    let mut host = Host::start(dir.path());
    let ev = host.request(json!({"id":"r","type":"get_settings"}));
    assert_eq!(ev[0]["display"]["font_size"], 100 + WRITES - 1);
    assert_eq!(ev[0]["local"]["context_size"], 5000 + WRITES - 1);
}
