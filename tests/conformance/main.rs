//! `cargo test -p rsalt-tests --test conformance [-- OPTIONS] [CASE...]`:
//! the conformance runner as a test (harness = false). Options as for
//! `cargo xtask conformance`; libtest's own flags are accepted and ignored.

use std::process::ExitCode;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "conformance", about = "Run the rsalt conformance cases")]
struct Cli {
    #[command(flatten)]
    opts: rsalt_tests::Options,
}

/// libtest flags cargo may pass to every test binary (`cargo test -- --nocapture`).
const LIBTEST_FLAGS: &[&str] = &[
    "--nocapture",
    "--show-output",
    "--ignored",
    "--include-ignored",
    "--exact",
    "--quiet",
    "-q",
    "--test",
    "--bench",
];
const LIBTEST_VALUE_FLAGS: &[&str] = &["--test-threads", "--color", "--format", "-Z", "--skip"];

fn main() -> ExitCode {
    let mut args = Vec::new();
    let mut it = std::env::args();
    args.extend(it.next());
    while let Some(a) = it.next() {
        if a == "--list" {
            // `cargo test -- --list`: one test named conformance
            println!("conformance: test");
            return ExitCode::SUCCESS;
        }
        if LIBTEST_FLAGS.contains(&a.as_str()) {
            continue;
        }
        let key = a.split('=').next().unwrap_or("");
        if LIBTEST_VALUE_FLAGS.contains(&key) {
            if !a.contains('=') {
                it.next();
            }
            continue;
        }
        args.push(a);
    }
    let cli = Cli::parse_from(args);
    let mut out = std::io::stdout();
    match rsalt_tests::run(&cli.opts, &mut out) {
        Ok(s) if s.failed == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("conformance: {e}");
            ExitCode::FAILURE
        }
    }
}
