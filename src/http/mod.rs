//! The HTTP layer: the only code that talks to ureq (`transport`), the one
//! path every request takes (`send`: URL, origin-only headers, redirects,
//! retries), URLs, retry policy and the response type.

pub(crate) mod response;
pub(crate) mod retry;
pub(crate) mod send;
pub(crate) mod transport;
pub(crate) mod url;
