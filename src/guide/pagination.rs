//! Pagination: every list, lazily, in constant memory, and resumable to the
//! item.
//!
//! The four lists ([`list_identities`](crate::IdentityClient::list_identities),
//! [`list_sessions`](crate::IdentityClient::list_sessions),
//! [`list_identity_sessions`](crate::IdentityClient::list_identity_sessions),
//! [`list_identity_schemas`](crate::IdentityClient::list_identity_schemas))
//! share one way of paging. Their builders can send in four ways:
//!
//! - [`send`](crate::RequestBuilder::send): one [`Page`](crate::Page), and
//!   only one whose every item decoded;
//! - [`send_lenient`](crate::RequestBuilder::send_lenient): one page that
//!   keeps the items that decode;
//! - [`items`](crate::RequestBuilder::items): a lazy iterator of
//!   `Result<T, Error>` over every item of every page ([`Items`](crate::Items));
//! - [`pages`](crate::RequestBuilder::pages): the same, a page at a time
//!   ([`Pages`](crate::Pages)).
//!
//! Both iterators take [`limit`](crate::Items::limit),
//! [`max_pages`](crate::Items::max_pages) and
//! [`prefetch`](crate::Items::prefetch), and say where to resume
//! ([`resume_position`](crate::Items::resume_position),
//! [`resume_token`](crate::Items::resume_token)) and whether the listing is
//! done ([`is_finished`](crate::Items::is_finished)).
//!
//! ```
//! # let server = httpmock::MockServer::start();
//! # server.mock(|when, then| { when.path("/admin/identities").query_param("organization_id", "4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11"); then.header("link", r#"</admin/identities?page_size=500>; rel="first""#).body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"ada@example.com"}}]"#); });
//! # let client = kratos_identity::IdentityClient::new(server.base_url())?;
//! let org = "4b1a9d3e-63c2-4f4e-9a8f-1f6f0c2b7e11";
//! for identity in client.list_identities().page_size(500).organization_id(org).items().prefetch(true) {
//!     let identity = identity?;
//!     println!("{}", identity.id);
//! }
//! # Ok::<(), kratos_identity::Error>(())
//! ```
//!
//! # How the next page is found
//!
//! From the `rel="next"` link of the server's `Link` header the client takes
//! only the paging parameters (`page_token`, `page_size`, `page`,
//! `per_page`) and sends your own request again, to your own base URL.
//! Kratos writes its links relative to its own root, which is wrong behind a
//! proxy with a path prefix; this way your filters stay on every page, and a
//! link can never send the request (or the key) to another host.
//!
//! `Link` values that are not pagination links (a CDN's
//! `<https://cdn.example/app.css>; rel=preload`) or that do not parse are
//! ignored; only a `next` link that exists and cannot be used fails the page
//! ([`PaginationErrorKind::BadNextLink`](crate::PaginationErrorKind::BadNextLink)).
//!
//! All of Kratos's schemes work through the same iterators: page tokens, the
//! legacy `page`/`per_page` numbers, offset tokens, and an identity's
//! sessions, which Kratos pages off by one (see
//! [`list_identity_sessions`](crate::IdentityClient::list_identity_sessions)).
//!
//! # One odd record
//!
//! [`send`](crate::RequestBuilder::send) of a list fails with
//! [`Error::Decode`](crate::Error::Decode) when any item does not decode (a
//! legacy identity whose traits do not fit your type, say; its page says
//! why). The iterators go on past such an item: [`items`](crate::RequestBuilder::items)
//! yields it as its own error, and [`pages`](crate::RequestBuilder::pages)
//! and [`send_lenient`](crate::RequestBuilder::send_lenient) give the page
//! with its good items in [`as_slice`](crate::Page::as_slice), its bad ones
//! in [`errors`](crate::Page::errors), and its next link intact. A page that
//! decodes costs exactly what it would without this: it is decoded in one
//! pass, and item by item only when that pass fails.
//!
//! # When a walk stops
//!
//! At the last page (no next link, or an empty page); at
//! [`limit`](crate::Items::limit) or [`max_pages`](crate::Items::max_pages),
//! which may be changed while iterating; after a page that fails as a whole
//! (its error is yielded once); on a page token the server already sent
//! ([`Error::Pagination`](crate::Error::Pagination) instead of a loop); and
//! after a full page without any `Link` header
//! ([`PaginationErrorKind::MissingLink`](crate::PaginationErrorKind::MissingLink)): the page's items
//! come, then the error, and [`is_finished`](crate::Items::is_finished)
//! stays `false`, so a backup behind a proxy that strips the header fails
//! instead of "finishing" with its first page.
//!
//! # Resuming, to the item
//!
//! [`Items::resume_position`](crate::Items::resume_position) is a
//! [`ListPosition`](crate::ListPosition) that serializes to a small JSON
//! object. Save it after you have written what was yielded, and
//! [`resume`](crate::RequestBuilder::resume) on the same request continues
//! after the last item handed out, in this process or another (its page
//! says what that guarantees while others write). A job that saves its
//! position beside its output:
//!
//! ```
//! # let server = httpmock::MockServer::start();
//! # server.mock(|when, then| { when.path("/admin/identities"); then.header("link", r#"</admin/identities?page_size=500>; rel="first""#).body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{}}]"#); });
//! # let client = kratos_identity::IdentityClient::new(server.base_url())?;
//! use kratos_identity::ListPosition;
//!
//! let path = std::env::temp_dir().join(format!("export-{}.position", std::process::id()));
//! let saved: Option<String> = std::fs::read_to_string(&path).ok();
//! let list = client.list_identities().page_size(500);
//! let list = match saved {
//!     Some(text) => list.resume(&serde_json::from_str::<ListPosition>(&text)?),
//!     None => list,
//! };
//! let mut identities = list.items();
//! while let Some(identity) = identities.next() {
//!     println!("{}", identity?.id);
//!     // A real job saves after each page it wrote, atomically (write, sync, rename).
//!     std::fs::write(&path, serde_json::to_string(&identities.resume_position())?)?;
//! }
//! # assert!(identities.resume_position().is_finished());
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `examples/export.rs` is a complete export built on this: it cuts its
//! output back to what the saved position recorded, so no identity is
//! written twice and none is missing after any stop.
//!
//! [`resume_token`](crate::Items::resume_token) is the coarser form: a
//! `page_token` to continue from, which in the middle of a page repeats that
//! page's first items.
//!
//! # Changing what you list while you list it
//!
//! A resumed identity listing is not thrown off by writers (see
//! [`resume`](crate::RequestBuilder::resume)). An identity's sessions are
//! paged by offset (as is the legacy `page`/`per_page` scheme): disabling
//! each session as it comes skips some. Collect first, then change: see
//! [`list_identity_sessions`](crate::IdentityClient::list_identity_sessions).
//!
//! # Memory, connections and prefetch
//!
//! Only one page is held at a time, and the pages come one after another
//! over the client's kept-alive connection. A failed page is retried with
//! the client's [`RetryPolicy`](crate::RetryPolicy), and the walk goes on
//! where it stopped.
//!
//! [`prefetch(true)`](crate::Items::prefetch) fetches the next page in the
//! background while you work through the current one (its page says what
//! stays exactly as without it). It pays when the server takes time to
//! answer and your loop has work to do; against a server that answers at
//! once, on a machine with few cores, the thread only competes for the
//! CPU.
//!
//! Against a local server that answers at once, decoding is what an export
//! costs: [`list_identities().raw()`](crate::RequestBuilder::raw) (each
//! identity as the JSON the server sent) costs little more than parsing the
//! pages; typed [`Identity`](crate::Identity) values cost the most, and
//! [`traits::<U>()`](crate::RequestBuilder::traits) with raw JSON or a small
//! struct of yours costs less than `serde_json::Value` (see the
//! [models](super::models) chapter). `DEVELOPMENT.md` in the repository has
//! the figures, and `cargo bench --bench export` measures them.
