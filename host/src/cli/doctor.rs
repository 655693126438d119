//! `glossa-host doctor`: everything that must be right for a translation, each failed
//! check with the command that fixes it.

use std::path::Path;

use crate::app::App;
use crate::cli::install::{each_browser, installed_manifest};
use crate::paths;
use crate::store::Store;

pub fn run(data_dir: &Path) -> anyhow::Result<()> {
    let mut failures = 0;
    let mut report = |ok: bool, what: String, fix: &str| {
        if ok {
            println!("ok    {what}");
        } else {
            failures += 1;
            println!("FAIL  {what}\n      fix: {fix}");
        }
    };

    let exe = std::env::current_exe().and_then(|p| p.canonicalize()).ok();
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_owned());
    let mut any_manifest = false;
    if let Some(home) = &home {
        for browser in each_browser() {
            if let Some(m) = installed_manifest(browser, home) {
                any_manifest = true;
                let points_here = exe.as_ref().is_some_and(|e| m["path"].as_str() == Some(&*e.to_string_lossy()));
                report(
                    points_here,
                    format!("{browser:?} manifest points at this binary"),
                    "run `glossa-host install` from the binary you want browsers to use",
                );
            }
        }
    }
    report(any_manifest, "host registered with at least one browser".into(), "run `glossa-host install`");

    let db = paths::database(data_dir);
    let store = match Store::open(&db) {
        Ok(s) => {
            report(true, format!("database {} opens", db.display()), "");
            for w in &s.warnings {
                println!("warn  {w}");
            }
            s
        }
        Err(e) => {
            report(false, format!("database {}: {e}", db.display()), "check the directory's permissions, or move the file aside");
            return Err(anyhow::anyhow!("{failures} check(s) failed"));
        }
    };

    // Only `glossa-host burnin` needs ffmpeg, so its absence is a warning.
    match crate::pipeline::burnin::video::ffmpeg_version() {
        Some(version) => report(true, format!("ffmpeg for `glossa-host burnin`: {version}"), ""),
        None => println!("warn  ffmpeg not found: `glossa-host burnin` decodes videos with it\n      fix: install the ffmpeg package"),
    }

    let app = App::new(store, data_dir);
    let config = crate::cli::block_on(app.config())?.provider(None);
    let kind = config.kind();
    let models = config.models();
    let check = crate::cli::block_on(app.providers.get(&config).check(&models.frame, &models.subtitle))?;
    report(check.reachable, format!("provider {}: {}", kind.display_name(), check.detail), "see the problems below");
    for p in &check.problems {
        report(false, p.message.clone(), &p.hint);
    }
    for w in &check.warnings {
        println!("warn  {w}");
    }
    if failures > 0 {
        anyhow::bail!("{failures} check(s) failed");
    }
    println!("All checks passed.");
    Ok(())
}
