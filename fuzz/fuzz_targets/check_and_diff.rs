//! libFuzzer over `check` and `diff`: the first byte chooses the settings, the rest is the file.
//! Seed it with the transforms' cases (`fuzz/seed-corpus.sh`). What must hold is in
//! `tests/fuzz/oracle.rs`, shared with the stable-toolchain fuzzer.
#![no_main]

use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // the mutator half is the stable fuzzer's
mod oracle {
    include!("../../tests/fuzz/oracle.rs");
}

static PYTHON: Mutex<Option<oracle::Python>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let Some((&choice, input)) = data.split_first() else {
        return;
    };
    let mut python = PYTHON.lock().unwrap();
    if python.is_none() {
        *python = oracle::Python::start();
    }
    if let Err(oracle::Failure(what)) =
        oracle::check_input(input, &oracle::settings_for(choice), python.as_mut())
    {
        panic!("{what}");
    }
});
