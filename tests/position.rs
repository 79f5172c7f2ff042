//! Where a walk stands (`Items::resume_position`, `Pages::resume_position`) and how a new
//! request continues from it (`RequestBuilder::resume`): what is sent on
//! resume, the items skipped, a page that changed meanwhile, items that did
//! not decode, prefetch on and off, the legacy page-number scheme, a
//! position through JSON, and whole listings against the fake Kratos,
//! stopped and resumed at many places.

mod common;

use common::logs;
use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse, Mock};
use kratos_identity::{Error, Identity, IdentityClient, InvalidInputKind, ListPosition};
use kratos_identity_fake::FakeKratos;
use log::{Level, LevelFilter};
use serde_json::{Value, json};
use uuid::Uuid;

// ------------------------------------------------------------------ helpers

const ORG_ID: &str = "5c1b3a40-6f0e-4b8e-9a61-2f4c1f0b7e11";
const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// The id of test identity `n`; ids sort as the numbers do, with room
/// between them for identities added later.
fn id(n: u32) -> Uuid {
    Uuid::parse_str(&format!("9f425a8d-7efc-4768-8f23-{:012x}", n)).unwrap()
}

/// Identity `n` as Kratos lists it.
fn identity(n: u32) -> Value {
    json!({
        "id": id(n),
        "schema_id": "default",
        "schema_url": "http://127.0.0.1:4433/schemas/ZGVmYXVsdA",
        "state": "active",
        "state_changed_at": "2024-03-01T10:15:42.098765432+02:00",
        "traits": {"email": format!("user{n}@example.com")},
        "verifiable_addresses": [{
            "id": Uuid::from_u128(u128::from(n) + 1000),
            "value": format!("user{n}@example.com"),
            "verified": false,
            "via": "email",
            "status": "sent",
            "created_at": "2024-03-01T10:15:42.101876Z",
            "updated_at": "2024-03-01T10:15:42.101876Z"
        }],
        "metadata_public": null,
        "metadata_admin": null,
        "created_at": "2024-03-01T10:15:42.098765432+02:00",
        "updated_at": "2024-03-01T10:15:42.098765432+02:00",
        "organization_id": ORG_ID
    })
}

/// Identity `n`, but with a `schema_id` that is not a string: it does not
/// decode into `Identity`, and its id stays readable.
fn odd_identity(n: u32) -> Value {
    let mut odd = identity(n);
    odd["schema_id"] = json!(42);
    odd
}

/// Decoded query pairs, in the order sent.
type Query = Vec<(String, String)>;

/// A listing of identities served at `/admin/identities` the way Kratos
/// serves it: keyset pages (the token is the id of the previous page's
/// last identity, every other query parameter carried into the links, a
/// full last page without `next`), or legacy `page`/`per_page` pages with
/// `X-Total-Count`. The identities can change between requests.
struct Listing {
    identities: Arc<Mutex<Vec<Value>>>,
    /// The query of every request, in order.
    requests: Arc<Mutex<Vec<Query>>>,
}

impl Listing {
    fn serve(server: &MockServer, identities: Vec<Value>) -> Listing {
        let listing = Listing {
            identities: Arc::new(Mutex::new(identities)),
            requests: Arc::new(Mutex::new(Vec::new())),
        };
        let (store, log) = (
            Arc::clone(&listing.identities),
            Arc::clone(&listing.requests),
        );
        server.mock(|when, then| {
            when.method(GET).path("/admin/identities");
            then.respond_with(move |req: &HttpMockRequest| {
                let query = req.query_params();
                log.lock().unwrap().push(query.clone());
                let mut all = store.lock().unwrap().clone();
                all.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
                answer(&query, &all)
            });
        });
        listing
    }

    /// Each request's query, sorted, as `k=v` joined with `&`.
    fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|query| {
                let mut pairs: Vec<String> =
                    query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                pairs.sort();
                pairs.join("&")
            })
            .collect()
    }

    fn clear_requests(&self) {
        self.requests.lock().unwrap().clear();
    }

    fn delete(&self, n: u32) {
        let gone = id(n).to_string();
        self.identities
            .lock()
            .unwrap()
            .retain(|i| i["id"].as_str() != Some(gone.as_str()));
    }

    fn add(&self, n: u32) {
        self.identities.lock().unwrap().push(identity(n));
    }
}

/// Kratos's answer to a list request over `all` (sorted by id).
fn answer(query: &[(String, String)], all: &[Value]) -> HttpMockResponse {
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let link = |pairs: &[(&str, String)], rel: &str| {
        let mut q: Vec<(String, String)> = query
            .iter()
            .filter(|(k, _)| !pairs.iter().any(|(p, _)| p == k))
            .cloned()
            .collect();
        q.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())));
        q.sort();
        let q: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("</admin/identities?{}>; rel=\"{rel}\"", q.join("&"))
    };
    let respond = |items: &[Value], links: Vec<String>, total: Option<usize>| {
        let mut response = HttpMockResponse::builder()
            .status(200)
            .header("content-type", "application/json; charset=utf-8")
            .header("link", links.join(","));
        if let Some(total) = total {
            response = response.header("x-total-count", total.to_string());
        }
        response
            .body(Value::Array(items.to_vec()).to_string())
            .build()
    };
    let keyset = get("page_token").is_some() || get("page_size").is_some();
    if !keyset && let Some(page) = get("page") {
        let page: usize = page.parse().unwrap_or(0);
        let per_page: usize = get("per_page").and_then(|p| p.parse().ok()).unwrap_or(250);
        let items: Vec<Value> = all
            .iter()
            .skip(page * per_page)
            .take(per_page)
            .cloned()
            .collect();
        let at = |p: usize| [("page", p.to_string()), ("per_page", per_page.to_string())];
        let mut links = vec![link(&at(0), "first")];
        if (page + 1) * per_page < all.len() {
            links.push(link(&at(page + 1), "next"));
        }
        return respond(&items, links, Some(all.len()));
    }
    let size: usize = get("page_size")
        .and_then(|s| s.parse().ok())
        .unwrap_or(250)
        .clamp(1, 500);
    let after = get("page_token").unwrap_or(NIL).to_string();
    let rest: Vec<&Value> = all
        .iter()
        .filter(|i| i["id"].as_str().is_some_and(|id| id > after.as_str()))
        .collect();
    let items: Vec<Value> = rest.iter().take(size).map(|i| (*i).clone()).collect();
    let at = |token: String| [("page_size", size.to_string()), ("page_token", token)];
    let mut links = vec![link(&at(NIL.to_string()), "first")];
    if rest.len() > size
        && let Some(last) = items.last()
    {
        links.push(link(
            &at(last["id"].as_str().unwrap_or("").to_string()),
            "next",
        ));
    }
    respond(&items, links, None)
}

/// Answers every request no earlier mock matched with a 418; zero calls on
/// it prove no unexpected request was made.
fn catch_all(server: &MockServer) -> Mock<'_> {
    server.mock(|when, then| {
        when.any_request();
        then.status(418).body("unexpected request");
    })
}

fn client(server: &MockServer) -> IdentityClient {
    IdentityClient::builder(server.base_url())
        .max_retries(0)
        .build()
        .unwrap()
}

/// The numbers of identities `from..=to`.
fn ids(range: std::ops::RangeInclusive<u32>) -> Vec<Uuid> {
    range.map(id).collect()
}

fn ids_of(iter: impl Iterator<Item = Result<Identity, Error>>) -> Vec<Uuid> {
    iter.map(|r| r.expect("no error while paginating").id)
        .collect()
}

/// A position through JSON and back, as a checkpoint file keeps it.
fn through_json(position: &ListPosition) -> ListPosition {
    let text = serde_json::to_string(position).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Keeps this crate's log records from now on.
fn capture_logs() {
    logs::capture(LevelFilter::Trace);
}

/// The records logged so far that mention `needle` (tests run in parallel
/// and share the logger: each looks for its own ids).
fn logged(needle: &str) -> Vec<(Level, String)> {
    logs::records()
        .into_iter()
        .filter(|(_, line)| line.contains(needle))
        .collect()
}

// ------------------------------------------------------- what is sent

#[test]
fn resume_refetches_the_positions_page_with_the_filters_and_skips_what_was_yielded() {
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=7).map(|n| identity(n * 10)).collect());
    let stray = catch_all(&server);
    let list = || {
        client(&server)
            .list_identities()
            .organization_id(ORG_ID)
            .page_size(3)
    };

    let mut first = list().items();
    let yielded = ids_of(first.by_ref().take(4));
    assert_eq!(yielded, [10, 20, 30, 40].map(id));
    let position = first.resume_position();
    assert_eq!(position.page_token(), Some(id(30).to_string().as_str()));
    assert_eq!(
        (
            position.page_number(),
            position.page_size(),
            position.offset()
        ),
        (None, Some(3), 1)
    );
    assert_eq!(position.last_id(), Some(id(40).to_string().as_str()));
    assert!(!position.is_finished());
    drop(first);
    listing.clear_requests();

    let rest = ids_of(list().resume(&through_json(&position)).items());
    assert_eq!(rest, [50, 60, 70].map(id));
    assert_eq!(
        listing.requests(),
        [
            format!("organization_id={ORG_ID}&page_size=3&page_token={}", id(30)),
            format!("organization_id={ORG_ID}&page_size=3&page_token={}", id(60)),
        ]
    );
    stray.assert_calls(0);
}

#[test]
fn a_position_at_the_end_of_a_page_refetches_it_and_follows_its_next_link() {
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=5).map(identity).collect());
    let stray = catch_all(&server);
    let mut first = client(&server).list_identities().page_size(2).items();
    assert_eq!(ids_of(first.by_ref().take(2)), ids(1..=2));
    let position = first.resume_position();
    // Still on page one, every item of it yielded.
    assert_eq!((position.page_token(), position.offset()), (None, 2));
    listing.clear_requests();

    let rest = ids_of(
        client(&server)
            .list_identities()
            .page_size(2)
            .resume(&position)
            .items(),
    );
    assert_eq!(rest, ids(3..=5));
    assert_eq!(
        listing.requests(),
        [
            "page_size=2".to_string(),
            format!("page_size=2&page_token={}", id(2)),
            format!("page_size=2&page_token={}", id(4)),
        ]
    );
    stray.assert_calls(0);
}

#[test]
fn the_positions_paging_replaces_the_builders() {
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=5).map(identity).collect());
    let mut first = client(&server).list_identities().page_size(2).items();
    first.by_ref().take(3).for_each(drop);
    let position = first.resume_position();
    listing.clear_requests();

    // Another page size and token, before and after: the position's win
    // (its offset counts within a page of its size).
    let rest = ids_of(
        client(&server)
            .list_identities()
            .page_size(100)
            .page_token("ignored")
            .resume(&position)
            .page_size(7)
            .items(),
    );
    assert_eq!(rest, ids(4..=5));
    assert_eq!(
        listing.requests()[0],
        format!("page_size=2&page_token={}", id(2))
    );
}

#[test]
fn every_position_resumes_exactly_with_and_without_prefetch() {
    let server = MockServer::start();
    let all: Vec<Value> = (1..=7).map(identity).collect();
    Listing::serve(&server, all);
    let stray = catch_all(&server);
    let list = || client(&server).list_identities().page_size(3);

    // The position after each item is the same with prefetch on and off.
    let positions = |prefetch: bool| {
        let mut iter = list().items().prefetch(prefetch);
        let mut positions = vec![iter.resume_position()];
        while let Some(item) = iter.next() {
            item.unwrap();
            positions.push(iter.resume_position());
        }
        positions
    };
    let plain = positions(false);
    assert_eq!(plain, positions(true));
    assert_eq!(plain.len(), 8);
    let offsets: Vec<usize> = plain.iter().map(ListPosition::offset).collect();
    assert_eq!(offsets, [0, 1, 2, 3, 1, 2, 3, 1]);
    assert!(plain[7].is_finished() && !plain[6].is_finished());

    // Each resumes with exactly the items after it, prefetching or not.
    for (k, position) in plain.iter().enumerate() {
        for prefetch in [false, true] {
            let rest = ids_of(
                list()
                    .resume(&through_json(position))
                    .items()
                    .prefetch(prefetch),
            );
            assert_eq!(
                rest,
                ids(k as u32 + 1..=7),
                "after {k} items, prefetch {prefetch}"
            );
        }
    }
    stray.assert_calls(0);
}

#[test]
fn a_resumed_walk_has_the_position_it_resumed_until_it_yields() {
    let server = MockServer::start();
    Listing::serve(&server, (1..=4).map(identity).collect());
    let mut first = client(&server).list_identities().page_size(2).items();
    first.next();
    let position = first.resume_position();

    let mut resumed = client(&server).list_identities().resume(&position).items();
    assert_eq!(resumed.resume_position(), position);
    assert_eq!(resumed.next().map(|r| r.unwrap().id), Some(id(2)));
    let now = resumed.resume_position();
    assert_eq!(
        (now.offset(), now.last_id()),
        (2, Some(id(2).to_string().as_str()))
    );
}

// ------------------------------------------------------- a page that changed

#[test]
fn an_identity_deleted_before_the_position_costs_nothing() {
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=7).map(|n| identity(n * 10)).collect());
    let list = || client(&server).list_identities().page_size(3);
    let mut first = list().items();
    assert_eq!(ids_of(first.by_ref().take(5)), [10, 20, 30, 40, 50].map(id));
    let position = first.resume_position();
    assert_eq!(position.offset(), 2);

    // 40 goes: page two (after 30) is now 50 60 70, and 50 is at offset 0.
    listing.delete(40);
    let rest = ids_of(list().resume(&position).items());
    assert_eq!(rest, [60, 70].map(id), "nothing repeated, nothing missed");
}

#[test]
fn an_identity_added_before_the_position_is_not_yielded_and_costs_nothing() {
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=7).map(|n| identity(n * 10)).collect());
    let list = || client(&server).list_identities().page_size(3);
    let mut first = list().items();
    assert_eq!(ids_of(first.by_ref().take(5)), [10, 20, 30, 40, 50].map(id));
    let position = first.resume_position();

    // 35 comes: page two is now 35 40 50, and 50 is at the end of it.
    listing.add(35);
    let rest = ids_of(list().resume(&position).items());
    assert_eq!(rest, [60, 70].map(id));
}

#[test]
fn the_last_identity_yielded_gone_goes_on_after_it_in_id_order_and_misses_nothing() {
    capture_logs();
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=7).map(|n| identity(n * 10 + 7)).collect());
    let list = || client(&server).list_identities().page_size(3);
    let mut first = list().items();
    assert_eq!(ids_of(first.by_ref().take(5)).len(), 5);
    let position = first.resume_position();
    let last = id(57).to_string();
    assert_eq!(position.last_id(), Some(last.as_str()));

    // 57 goes: page two is now 47 67 77. Kratos's identity pages are in id
    // order, so the walk goes on at the first identity after 57: 67 is not
    // missed.
    listing.delete(57);
    let rest = ids_of(list().resume(&position).items());
    assert_eq!(rest, [id(67), id(77)]);
    let lines = logged(&last);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let (level, line) = &lines[0];
    assert_eq!(*level, Level::Info);
    assert!(
        line.starts_with("list_identities (GET /admin/identities): resuming: "),
        "{line}"
    );
    assert!(line.contains("in id order, offset 1"), "{line}");
    assert!(!line.contains('@'), "no email in {line}");
}

#[test]
fn a_page_that_changed_is_logged_at_info_when_the_last_identity_is_found() {
    capture_logs();
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=4).map(|n| identity(n * 10 + 3)).collect());
    let list = || client(&server).list_identities().page_size(4);
    let mut first = list().items();
    first.by_ref().take(3).for_each(drop);
    let position = first.resume_position();
    // 13 goes: the page is 23 33 43, and 33, the last one yielded, moved
    // from offset 2 to 1.
    listing.delete(13);
    assert_eq!(ids_of(list().resume(&position).items()), [id(43)]);
    let lines = logged(&id(33).to_string());
    assert!(
        lines
            .iter()
            .any(|(level, line)| *level == Level::Info && line.contains("offset 2 instead of 3")),
        "{lines:?}"
    );
}

// ------------------------------------------------------- decode errors

#[test]
fn items_that_did_not_decode_count_in_the_offset_and_name_the_last_id() {
    let server = MockServer::start();
    // Item 5's id is no identifier (it has a space): it cannot be read.
    let mut anonymous = odd_identity(5);
    anonymous["id"] = json!(format!("{} ", id(5)));
    let store = vec![
        identity(1),
        odd_identity(2),
        identity(3),
        identity(4),
        anonymous,
        identity(6),
    ];
    Listing::serve(&server, store);
    let list = || client(&server).list_identities().page_size(3);

    let mut iter = list().items();
    let mut shape = Vec::new();
    let mut positions = Vec::new();
    while let Some(item) = iter.next() {
        shape.push(item.is_ok());
        positions.push(iter.resume_position());
    }
    assert_eq!(shape, [true, false, true, true, false, true]);
    let seen: Vec<(usize, Option<String>)> = positions
        .iter()
        .map(|p| (p.offset(), p.last_id().map(str::to_string)))
        .collect();
    let s = |n| Some(id(n).to_string());
    assert_eq!(
        seen,
        [
            (1, s(1)),
            (2, s(2)),
            (3, s(3)),
            (1, s(4)),
            (2, None),
            (3, s(6))
        ],
        "a bad item counts, with its id when it is readable"
    );

    // From right after the bad item: it does not come again.
    let rest: Vec<bool> = list()
        .resume(&positions[1])
        .items()
        .map(|r| r.is_ok())
        .collect();
    assert_eq!(rest, [true, true, false, true]);
    // From right before it: it comes again, as an error in its place.
    let rest: Vec<bool> = list()
        .resume(&positions[0])
        .items()
        .map(|r| r.is_ok())
        .collect();
    assert_eq!(rest, [false, true, true, false, true]);
    // After the item without a readable id: the walk goes on by offset.
    let rest = ids_of(list().resume(&positions[4]).items());
    assert_eq!(rest, [id(6)]);
}

// ------------------------------------------------------- finished, limits

#[test]
fn a_finished_position_resumes_to_an_empty_walk_without_a_request() {
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=3).map(identity).collect());
    let mut iter = client(&server).list_identities().page_size(2).items();
    assert_eq!(iter.by_ref().count(), 3);
    let done = iter.resume_position();
    assert!(done.is_finished());
    listing.clear_requests();

    let mut again = client(&server)
        .list_identities()
        .resume(&through_json(&done))
        .items()
        .prefetch(true);
    assert!(again.is_finished());
    assert!(again.next().is_none());
    assert_eq!(again.resume_position(), done);
    assert_eq!(again.resume_token(), None);
    let mut pages = client(&server).list_identities().resume(&done).pages();
    assert!(pages.next().is_none());
    assert!(pages.is_finished());
    assert!(listing.requests().is_empty());
}

#[test]
fn a_limit_stop_and_a_pages_walk_have_positions_too() {
    let server = MockServer::start();
    Listing::serve(&server, (1..=7).map(identity).collect());
    let list = || client(&server).list_identities().page_size(3);

    let mut limited = list().items().limit(2);
    assert_eq!(limited.by_ref().count(), 2);
    let position = limited.resume_position();
    assert_eq!((position.offset(), position.is_finished()), (2, false));
    assert_eq!(ids_of(list().resume(&position).items()), ids(3..=7));

    // pages(): a page cut by a limit, then the rest; and a resumed pages()
    // starts with the rest of the position's page.
    let mut pages = list().pages().limit(4);
    let lens: Vec<usize> = pages.by_ref().map(|p| p.unwrap().len()).collect();
    assert_eq!(lens, [3, 1]);
    let position = pages.resume_position();
    assert_eq!(
        (position.page_token(), position.offset()),
        (Some(id(3).to_string().as_str()), 1)
    );
    let lens: Vec<usize> = list()
        .resume(&position)
        .pages()
        .map(|p| p.unwrap().len())
        .collect();
    assert_eq!(lens, [2, 1]);
}

// ------------------------------------------------------- legacy, refusals

#[test]
fn legacy_page_numbers_resume_with_their_page_number() {
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=5).map(identity).collect());
    let stray = catch_all(&server);
    let list = || client(&server).list_identities().per_page(2).page(0);
    let mut first = list().items();
    assert_eq!(ids_of(first.by_ref().take(3)), ids(1..=3));
    let position = through_json(&first.resume_position());
    assert_eq!(
        (
            position.page_token(),
            position.page_number(),
            position.page_size(),
            position.offset()
        ),
        (None, Some(1), Some(2), 1)
    );
    listing.clear_requests();

    let rest = ids_of(list().resume(&position).items());
    assert_eq!(rest, ids(4..=5));
    assert_eq!(
        listing.requests(),
        ["page=1&per_page=2", "page=2&per_page=2"]
    );
    stray.assert_calls(0);
}

#[test]
fn send_refuses_a_position_and_so_does_a_position_no_walk_makes() {
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=3).map(identity).collect());
    let mut iter = client(&server).list_identities().page_size(2).items();
    iter.next();
    let position = iter.resume_position();
    listing.clear_requests();

    let error = client(&server)
        .list_identities()
        .resume(&position)
        .send()
        .unwrap_err();
    assert_eq!(error.invalid_input_kind(), Some(InvalidInputKind::Invalid));
    let shown = error.to_string();
    assert!(
        shown.starts_with("list_identities (GET /admin/identities): "),
        "{shown}"
    );
    assert!(shown.contains("send() fetches one whole page"), "{shown}");
    let lenient = client(&server)
        .list_sessions()
        .resume(&position)
        .send_lenient();
    assert!(matches!(lenient, Err(Error::InvalidInput { .. })));

    // A token and a page number at once: one error from the walk, no request.
    let mut odd = serde_json::to_value(&position).unwrap();
    odd["page_token"] = json!("t");
    odd["page_number"] = json!(3);
    let odd: ListPosition = serde_json::from_value(odd).unwrap();
    let results: Vec<_> = client(&server)
        .list_identities()
        .resume(&odd)
        .items()
        .collect();
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().unwrap_err();
    assert_eq!(error.invalid_input_kind(), Some(InvalidInputKind::Invalid));
    assert!(
        error
            .to_string()
            .starts_with("list_identities (GET /admin/identities): "),
        "{error}"
    );
    assert!(listing.requests().is_empty());
}

// ------------------------------------------------------- against the fake

/// Stops a walk over `total` items at pseudo-random places, saves the
/// position as JSON each time, and resumes a new walk from it, switching
/// prefetch on and off; returns every id yielded, in order.
fn stop_and_resume<T>(
    walk: impl Fn(Option<&ListPosition>, bool) -> kratos_identity::Items<T>,
    id_of: impl Fn(&T::Item) -> String,
    seed: u64,
) -> Vec<String>
where
    T: kratos_identity::Paginated + Send + 'static,
    T::Item: Send + 'static,
{
    let mut state = seed;
    let mut random = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let mut yielded = Vec::new();
    let mut saved: Option<String> = None;
    for run in 0..1000 {
        let position: Option<ListPosition> =
            saved.as_deref().map(|s| serde_json::from_str(s).unwrap());
        let mut items = walk(position.as_ref(), run % 2 == 1);
        let take = random(120) as usize;
        for item in items.by_ref().take(take) {
            yielded.push(id_of(&item.expect("no error while paginating")));
        }
        let position = items.resume_position();
        saved = Some(serde_json::to_string(&position).unwrap());
        if position.is_finished() {
            return yielded;
        }
    }
    panic!("not finished after 1000 runs");
}

#[test]
fn a_listing_of_the_fake_stopped_and_resumed_anywhere_yields_each_identity_once() {
    let kratos = FakeKratos::builder().identities(1000).seed(7).start();
    let client = kratos.client();
    let all: Vec<String> = client
        .list_identities()
        .page_size(500)
        .raw()
        .items()
        .map(|r| r.unwrap().get().to_string())
        .collect();
    assert_eq!(all.len(), 1000);

    let typed = stop_and_resume(
        |position, prefetch| {
            let list = client.list_identities().page_size(37);
            match position {
                Some(position) => list.resume(position),
                None => list,
            }
            .items()
            .prefetch(prefetch)
        },
        |identity| identity.id.to_string(),
        0x5EED,
    );
    let expected: Vec<String> = kratos
        .identities()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(typed, expected);

    // Raw, as an export reads them: every byte of every identity, once.
    let raw = stop_and_resume(
        |position, prefetch| {
            let list = client.list_identities().page_size(50).raw();
            match position {
                Some(position) => list.resume(position),
                None => list,
            }
            .items()
            .prefetch(prefetch)
        },
        |raw| raw.get().to_string(),
        0xC0FFEE,
    );
    assert_eq!(raw, all);
}

#[test]
fn the_fakes_listing_resumes_across_deletes_and_inserts_before_the_position() {
    let kratos = FakeKratos::builder().identities(120).seed(3).start();
    let client = kratos.client();
    let list = || client.list_identities().page_size(25);
    let mut first = list().items();
    let head: Vec<Uuid> = ids_of(first.by_ref().take(60));
    let position = first.resume_position();
    assert_eq!(position.offset(), 10);

    // Two deleted on the position's page before it, and an identity added
    // just before the last one yielded (it sorts before it: the walk passed
    // it): the last one moved from offset 9 to 8.
    client.delete_identity(head[52]).send().unwrap();
    client.delete_identity(head[55]).send().unwrap();
    let last = head[59].as_u128();
    let added = kratos.insert_identity(json!({
        "id": Uuid::from_u128(last - 1),
        "schema_id": "default",
        "traits": {"email": "late@example.com"}
    }));
    let tail = ids_of(list().resume(&through_json(&position)).items());
    let expected: Vec<Uuid> = kratos
        .identities()
        .iter()
        .map(|i| Uuid::parse_str(i["id"].as_str().unwrap()).unwrap())
        .filter(|id| id.as_u128() > last)
        .collect();
    assert_eq!(tail, expected);
    assert_eq!(head.len() + tail.len(), 120);
    assert!(!tail.contains(&added));
}

#[test]
fn sessions_resume_too_on_both_of_their_paging_schemes() {
    let kratos = FakeKratos::builder().identities(3).seed(11).start();
    let client = kratos.client();
    let owner = Uuid::parse_str(kratos.identities()[0]["id"].as_str().unwrap()).unwrap();
    let mut sessions: Vec<Uuid> = (0..7).map(|_| kratos.add_session(owner)).collect();
    for other in kratos.identities().iter().skip(1) {
        let other = Uuid::parse_str(other["id"].as_str().unwrap()).unwrap();
        sessions.push(kratos.add_session(other));
    }

    // An identity's sessions: Kratos's offset tokens, pages numbered from 1.
    let expected: Vec<String> = client
        .list_identity_sessions(owner)
        .page_size(100)
        .items()
        .map(|s| s.unwrap().id.to_string())
        .collect();
    assert_eq!(expected.len(), 7);
    let got = stop_and_resume(
        |position, prefetch| {
            let list = client.list_identity_sessions(owner).page_size(2);
            match position {
                Some(position) => list.resume(position),
                None => list,
            }
            .items()
            .prefetch(prefetch)
        },
        |session| session.id.to_string(),
        0xA11CE,
    );
    assert_eq!(got, expected);

    // All sessions: keyset tokens in base64.
    let expected: Vec<String> = client
        .list_sessions()
        .page_size(100)
        .items()
        .map(|s| s.unwrap().id.to_string())
        .collect();
    assert_eq!(expected.len(), 9);
    let got = stop_and_resume(
        |position, prefetch| {
            let list = client.list_sessions().page_size(2);
            match position {
                Some(position) => list.resume(position),
                None => list,
            }
            .items()
            .prefetch(prefetch)
        },
        |session| session.id.to_string(),
        0xB0B,
    );
    assert_eq!(got, expected);
}

#[test]
fn a_resumed_page_that_fails_leaves_the_position_where_it_was() {
    let server = MockServer::start();
    let listing = Listing::serve(&server, (1..=5).map(identity).collect());
    let mut first = client(&server).list_identities().page_size(2).items();
    first.by_ref().take(3).for_each(drop);
    let position = first.resume_position();

    // The same server, down for the page the position is on.
    let down = MockServer::start();
    down.mock(|when, then| {
        when.method(GET).path("/admin/identities");
        then.status(503).body("upstream connect error");
    });
    let mut failed = client(&down).list_identities().resume(&position).items();
    assert!(matches!(failed.next(), Some(Err(Error::Api(_)))));
    assert!(failed.next().is_none());
    assert_eq!(failed.resume_position(), position);
    assert_eq!(failed.resume_token().as_deref(), position.page_token());

    listing.clear_requests();
    let rest = ids_of(
        client(&server)
            .list_identities()
            .resume(&failed.resume_position())
            .items(),
    );
    assert_eq!(rest, ids(4..=5));
    assert_eq!(
        listing.requests().len(),
        2,
        "the position's page, then the last"
    );
}

/// An iterator can move to another thread (a worker that exports), and a
/// position can be shared.
#[test]
fn iterators_are_send_and_positions_send_and_sync() {
    fn send<T: Send>() {}
    fn shared<T: Send + Sync>() {}
    send::<kratos_identity::Items<kratos_identity::ListIdentities>>();
    send::<kratos_identity::Pages<kratos_identity::ListIdentitiesRaw>>();
    send::<kratos_identity::Items<kratos_identity::ListSessions>>();
    shared::<ListPosition>();
}

/// Issue 23: a position at the end of a page, then five identities created
/// whose ids sort inside that page (before the last one handed out): the
/// refetched page now ends before the last identity handed out, which moved
/// to the next page with four others already handed out. The walk goes on
/// strictly after the last identity handed out, whatever moved where.
#[test]
fn identities_created_inside_the_last_page_handed_out_are_not_handed_out_again() {
    for (offset_in_page, prefetch) in [(100, false), (100, true), (40, false), (1, true)] {
        let kratos = FakeKratos::builder().identities(300).seed(23).start();
        let client = kratos.client();
        let list = || client.list_identities().page_size(100);
        let mut first = list().items();
        let head: Vec<Uuid> = ids_of(first.by_ref().take(100 + offset_in_page));
        let position = first.resume_position();
        drop(first);
        // Five new ids between the second page's first item and the last
        // one handed out.
        let low = head[100].as_u128();
        let high = head[head.len() - 1].as_u128();
        let mut added = Vec::new();
        for k in 1..=5u128 {
            let id = Uuid::from_u128(low + (high - low) / 7 * k + 1);
            if id.as_u128() >= high || head.contains(&id) {
                continue;
            }
            added.push(kratos.insert_identity(json!({
                "id": id, "schema_id": "default",
                "traits": {"email": format!("inside{k}@example.com")}
            })));
        }
        let tail = ids_of(
            list()
                .resume(&through_json(&position))
                .items()
                .prefetch(prefetch),
        );
        let mut handed: Vec<Uuid> = head.clone();
        handed.extend(&tail);
        let unique: std::collections::HashSet<&Uuid> = handed.iter().collect();
        assert_eq!(
            unique.len(),
            handed.len(),
            "an identity was handed out twice (offset {offset_in_page}, prefetch {prefetch})"
        );
        assert_eq!(handed.len(), 300, "every identity present throughout, once");
        assert!(tail.iter().all(|id| id.as_u128() > high));
        assert!(tail.iter().all(|id| !added.contains(id)));
    }
}

/// A file that is not a saved list position must not resume a listing
/// from the start in silence: `{}`, `[]` and an import's position all read
/// as the start before; now they are refused, and a real position still
/// reads back.
#[test]
fn what_is_not_a_saved_list_position_does_not_read_as_one() {
    let import_position = r#"{"read":750,"unresolved":[500,501],"started":"2026-12-08T01:00:00Z"}"#;
    for text in [
        "{}",
        "[]",
        import_position,
        r#"{"offset":0,"colour":"red"}"#,
    ] {
        assert!(
            serde_json::from_str::<ListPosition>(text).is_err(),
            "{text} read as a list position"
        );
    }
    let saved = r#"{"page_token":"00000000-0000-0000-0000-000000000000","page_size":100,"offset":3,"finished":false,"last_id":null}"#;
    let position: ListPosition = serde_json::from_str(saved).unwrap();
    assert_eq!(
        position.page_token(),
        Some("00000000-0000-0000-0000-000000000000")
    );
}
