//! The HTTP layer: the only code that talks to ureq (`transport`), the one
//! path every request takes (`send`: URL, origin-only headers, redirects,
//! retries, pacing, request logs), URLs and their percent-encoding, the
//! retry policy, the rate-limit pacing and the response types.

pub(crate) mod pacing;
pub(crate) mod percent;
pub(crate) mod response;
pub(crate) mod retry;
pub(crate) mod send;
pub(crate) mod transport;
pub(crate) mod url;
