//! A fuzzer on the stable toolchain: inputs made from the transforms' cases by random edits
//! (spliced lines, brackets, indentation, random bytes, CRLF, a BOM, a coding declaration) go
//! through `check` and `diff` with varied settings. No panic, a rewrite that parses (and
//! compiles when its input does), and a second pass that changes nothing: `fuzz/oracle.rs`.
//!
//! `cargo test --test fuzz` runs a short fixed sequence. A long run, with its own seed:
//!
//! ```sh
//! CORRAL_FUZZ_RUNS=2000000 CORRAL_FUZZ_SEED=7 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! `CORRAL_FUZZ_SECONDS=3600` stops it after an hour, whatever the count. A saved input runs
//! again with `CORRAL_FUZZ_REPLAY=target/tmp/fuzz/failures/<name>.py`.
//!
//! Failing inputs are written to `target/tmp/fuzz/failures/`, and the input being run to
//! `target/tmp/fuzz/current.py`, so that one that aborts the process is not lost.

use std::time::{Duration, Instant};

include!("fuzz/oracle.rs");

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name} is a number")))
        .unwrap_or(default)
}

#[test]
fn mutated_cases_never_panic_and_their_rewrites_parse_and_settle() {
    if let Ok(path) = std::env::var("CORRAL_FUZZ_REPLAY") {
        let input = std::fs::read(&path).unwrap();
        // The settings are in the name the run saved it under: `...-settings<choice>.py`.
        let choice = path
            .rsplit("-settings")
            .next()
            .and_then(|rest| rest.trim_end_matches(".py").parse().ok())
            .unwrap_or(0);
        let result = check_input(&input, &settings_for(choice), Python::start().as_mut());
        assert!(result.is_ok(), "{path}: {result:?}");
        return;
    }
    let runs = env_number("CORRAL_FUZZ_RUNS", 400);
    let seed = env_number("CORRAL_FUZZ_SEED", 1);
    let long = runs > 10_000;
    let deadline = std::env::var("CORRAL_FUZZ_SECONDS")
        .ok()
        .map(|_| Duration::from_secs(env_number("CORRAL_FUZZ_SECONDS", 0)));
    let mut done = 0;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz");
    std::fs::create_dir_all(dir.join("failures")).unwrap();
    let seeds = seeds();
    let mut rng = Rng::new(seed);
    let mut python = Python::start();
    let mut failures: Vec<String> = Vec::new();
    let mut reached: std::collections::BTreeMap<Reached, u64> = Default::default();
    let mut slowest = (Duration::ZERO, Vec::new(), 0u8);
    let started = Instant::now();
    for run in 0..runs {
        if deadline.is_some_and(|d| started.elapsed() > d) {
            break;
        }
        done += 1;
        let input = generate(&seeds, &mut rng);
        let choice = rng.word() as u8;
        if long {
            std::fs::write(dir.join("current.py"), &input).unwrap();
            std::fs::write(dir.join("current.settings"), choice.to_string()).unwrap();
        }
        let settings = settings_for(choice);
        let began = Instant::now();
        let result = check_input(&input, &settings, python.as_mut());
        let took = began.elapsed();
        if took > slowest.0 {
            slowest = (took, input.clone(), choice);
        }
        match result {
            Ok(how_far) => *reached.entry(how_far).or_default() += 1,
            Err(Failure(what)) => {
                let name = format!("seed{seed}-run{run}-settings{choice}");
                std::fs::write(dir.join("failures").join(format!("{name}.py")), &input).unwrap();
                failures.push(format!("{name}: {what}"));
            }
        }
        if long && run % 20_000 == 0 {
            eprintln!(
                "fuzz: {run} runs, {} failures, {:.0} s",
                failures.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    if long {
        std::fs::write(dir.join("slowest.py"), &slowest.1).unwrap();
        eprintln!(
            "fuzz: {done} runs (seed {seed}) in {:.0} s, {} failures, {reached:?}; slowest \
             input {:.3} s (settings {}), saved as slowest.py",
            started.elapsed().as_secs_f64(),
            failures.len(),
            slowest.0.as_secs_f64(),
            slowest.2
        );
    }
    // The edits must leave enough inputs whole for the rewrites to be tried, not only skips.
    let rewritten = reached.get(&Reached::Rewritten).copied().unwrap_or(0);
    assert!(
        failures.len() as u64 + rewritten >= done / 20,
        "only {rewritten} of {done} inputs were rewritten: {reached:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {done} inputs failed (saved in {}):\n{}",
        failures.len(),
        dir.join("failures").display(),
        failures.join("\n")
    );
}
