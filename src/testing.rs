//! Test-only helpers: a deterministic pseudo-random source for the
//! property tests over arbitrary bytes, and query pairs written briefly.

/// xorshift64*: deterministic, so a failing case can be replayed by seed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Up to `max` bytes, drawn mostly from `alphabet`, sometimes any byte.
    pub(crate) fn bytes(&mut self, max: usize, alphabet: &[u8]) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len)
            .map(|_| match self.below(8) {
                0 => self.next() as u8,
                _ => alphabet[self.below(alphabet.len())],
            })
            .collect()
    }

    /// `seed` with a few random edits: flipped, inserted, deleted bytes, or a cut.
    pub(crate) fn mutate(&mut self, seed: &[u8]) -> Vec<u8> {
        let mut out = seed.to_vec();
        for _ in 0..1 + self.below(4) {
            let at = self.below(out.len() + 1);
            match self.below(4) {
                0 if at < out.len() => out[at] = self.next() as u8,
                1 => out.insert(at, b"\"{}[],:0-.eE\\u"[self.below(14)]),
                2 if at < out.len() => {
                    out.remove(at);
                }
                _ => out.truncate(at),
            }
        }
        out
    }
}

/// Runs `test` on its own thread and fails when it has not finished within
/// `limit`: a parser loop that stops advancing (a regression, or a planted
/// mutant) fails its test fast instead of hanging the suite. A panic in
/// `test` is passed on as it is.
pub(crate) fn within(limit: std::time::Duration, test: impl FnOnce() + Send + 'static) {
    use std::sync::mpsc::{RecvTimeoutError, channel};
    let (done, finished) = channel();
    let handle = std::thread::spawn(move || {
        test();
        let _ = done.send(());
    });
    match finished.recv_timeout(limit) {
        Ok(()) => {}
        Err(RecvTimeoutError::Disconnected) => {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(RecvTimeoutError::Timeout) => {
            panic!("did not finish within {limit:?}: a loop that no longer advances?")
        }
    }
}

/// Query pairs from `(key, value)` literals.
pub(crate) fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
