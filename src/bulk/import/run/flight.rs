//! Batches in flight ([`ImportIdentities::concurrency`]): each chunk's
//! request on a thread of its own while the calling thread reads, checks and
//! settles in input order; one at a time against Ory Network, and after a
//! 429 for batches sent side by side.

use std::sync::mpsc;

use super::ImportOutcomes;
use crate::bulk::import::chunk::{Part, Results};
use crate::client::IdentityClient;
use crate::error::Error;
use crate::http::response::RawResponse;

/// The answer to a batch request sent on a thread of its own.
pub(super) type Answer = mpsc::Receiver<Result<RawResponse, Error>>;

/// A chunk whose request is under way, with the inputs settled without
/// sending that were read with it.
pub(super) struct Flight {
    pub(super) chunk: Part,
    pub(super) settled: Results,
    /// `None` for a group of inputs settled without sending.
    pub(super) answer: Option<Answer>,
}

/// The batches an import may have in flight against this client's server:
/// one against Ory Network (`*.oryapis.com`), which refuses concurrent writes
/// to the same path, with a warning when more were asked for.
pub(super) fn effective_concurrency(client: &IdentityClient, asked: usize) -> usize {
    let asked = asked.max(1);
    let host = client.base_url();
    let host = host
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if asked > 1 && (host == "oryapis.com" || host.ends_with(".oryapis.com")) {
        log::warn!(
            "import: concurrency({asked}) asked for, but Ory Network refuses concurrent writes to the same path; sending one batch at a time"
        );
        return 1;
    }
    asked
}

impl<I: Iterator<Item = crate::models::CreateIdentityBody>> ImportOutcomes<I> {
    /// How many batches may be in flight now.
    pub(super) fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Sends no more than one batch at a time from now on, saying why.
    pub(super) fn one_at_a_time(&mut self, error: &Error) {
        if self.concurrency > 1 {
            log::warn!(
                "import: the server refused a batch sent beside others ({}); sending one batch at a time from now on",
                error.log_summary()
            );
            self.concurrency = 1;
        }
    }

    /// Waits until every chunk in flight has its answer (kept for when its
    /// turn comes), so that the server is handling none of them.
    pub(super) fn await_in_flight(&mut self) {
        for flight in &mut self.in_flight {
            if let Some(answer) = flight.answer.take() {
                let (sender, kept) = mpsc::channel();
                if let Ok(received) = answer.recv() {
                    let _ = sender.send(received);
                }
                flight.answer = Some(kept);
            }
        }
    }

    /// Starts sending a chunk on a thread of its own; its answer comes on
    /// the returned channel.
    pub(super) fn dispatch(&mut self, chunk: &mut Part) -> Answer {
        let (sender, answer) = mpsc::channel();
        match self.batch_request(chunk) {
            Ok(call) => {
                let client = self.job.client.clone();
                std::thread::spawn(move || {
                    // The receiver is gone only if the import was dropped.
                    let _ = sender.send(client.send_call(&call));
                });
            }
            Err(error) => {
                let _ = sender.send(Err(error));
            }
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ory_network_gets_one_batch_at_a_time() {
        let client = |url: &str| IdentityClient::new(url).unwrap();
        for (url, asked, given) in [
            ("http://my-slug.projects.oryapis.com", 4, 1),
            ("http://MY-SLUG.Projects.OryApis.com:443/prefix", 2, 1),
            ("http://oryapis.com", 2, 1),
            ("http://127.0.0.1:4434", 4, 4),
            ("http://oryapis.com.example.org", 3, 3),
            ("http://127.0.0.1:4434", 0, 1),
        ] {
            assert_eq!(effective_concurrency(&client(url), asked), given, "{url}");
        }
    }
}
