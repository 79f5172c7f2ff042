//! This crate's log records, kept for the tests that read them: one logger
//! per test binary, installed by the first [`capture`]. Tests run in
//! parallel and share it: each looks for what is its own (its ids, its
//! URLs).

use std::sync::{Mutex, Once};

use log::{Level, LevelFilter, Log, Metadata, Record};

struct Capture(Mutex<Vec<(Level, String)>>);

impl Log for Capture {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }
    fn log(&self, record: &Record) {
        if record.target().starts_with("kratos_identity") {
            let line = format!("{}", record.args());
            self.0.lock().unwrap().push((record.level(), line));
        }
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

/// Keeps this crate's records up to `max` from now on (the first call of
/// the test binary decides the level).
pub fn capture(max: LevelFilter) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&CAPTURE).expect("the only logger of this test binary");
        log::set_max_level(max);
    });
}

/// Every record kept so far.
pub fn records() -> Vec<(Level, String)> {
    CAPTURE.0.lock().unwrap().clone()
}

/// Forgets the records kept so far.
pub fn clear() {
    CAPTURE.0.lock().unwrap().clear();
}
