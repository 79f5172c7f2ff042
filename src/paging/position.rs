//! [`ListPosition`]: where a walk over a listing stands, to the item, in a
//! form that outlives the process; and how a new walk picks up there
//! ([`RequestBuilder::resume`](crate::RequestBuilder::resume)).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::api::operation::Operation;
use crate::error::{Error, InvalidInputKind};
use crate::models::{Identity, IdentitySchemaContainer, Session};
use crate::paging::paginated::Paging;
use uuid::Uuid;

/// Where an [`Items`](crate::Items) (or [`Pages`](crate::Pages)) walk
/// stands, to the item: enough to continue it exactly, in another process
/// too, with [`RequestBuilder::resume`](crate::RequestBuilder::resume).
///
/// It holds the page the walk is on (the `page_token` that page was
/// requested with, or its number in the legacy page-number scheme), how
/// many of that page's items were handed out (those that did not decode
/// count: they were yielded as errors), the page size, whether the listing
/// is finished, and the `id` of the last item handed out. It serializes
/// (serde) to a small JSON object, to be saved beside an export's output
/// after each page:
///
/// ```
/// # let server = httpmock::MockServer::start();
/// # server.mock(|when, then| { when.path("/admin/identities").query_param_missing("page_token"); then.header("link", r#"</admin/identities?page_size=2&page_token=0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1>; rel="next""#).body(r#"[{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{}},{"id":"0f0c6d1e-3b8a-4e8e-9a53-54c1b3c7e0a1","schema_id":"default","schema_url":"","traits":{}}]"#); });
/// # let client = kratos_identity::IdentityClient::new(server.base_url())?;
/// use kratos_identity::ListPosition;
///
/// let mut identities = client.list_identities().page_size(2).items();
/// let first = identities.next().transpose()?;
/// # let _ = first;
/// let position = identities.resume_position();
/// assert_eq!(
///     (position.page_token(), position.offset(), position.page_size()),
///     (None, 1, Some(2))
/// );
/// assert_eq!(position.last_id(), Some("9f425a8d-7efc-4768-8f23-7647a74fdf13"));
///
/// let saved = serde_json::to_string(&position)?;
/// let loaded: ListPosition = serde_json::from_str(&saved)?;
/// assert_eq!(loaded, position);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A position says nothing of the request's filters: resume it with the
/// same request it was taken from (same operation, same filters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// A file that is not a saved list position (`{}`, another job's
// checkpoint) must not read as "from the start": `offset` is always
// written, so it is required, and unknown fields are refused.
#[serde(deny_unknown_fields)]
pub struct ListPosition {
    /// The `page_token` the current page was requested with.
    #[serde(default)]
    page_token: Option<String>,
    /// The legacy scheme's 0-based `page` the current page was requested
    /// with (then `page_token` is `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page_number: Option<u32>,
    /// `page_size` (`per_page` in the legacy scheme) as sent; `None` for the
    /// server's default.
    #[serde(default)]
    page_size: Option<u32>,
    /// The position on the server's page of the next item to hand out.
    offset: usize,
    #[serde(default)]
    finished: bool,
    /// The `id` of the last item handed out, on this page or an earlier one.
    #[serde(default)]
    last_id: Option<String>,
}

impl ListPosition {
    /// The `page_token` the current page was requested with; `None` for the
    /// first page of a listing (and in the legacy page-number scheme).
    pub fn page_token(&self) -> Option<&str> {
        self.page_token.as_deref()
    }

    /// In the deprecated page-number scheme (`page`/`per_page`), the 0-based
    /// number of the current page; `None` in the token scheme.
    pub fn page_number(&self) -> Option<u32> {
        self.page_number
    }

    /// The page size the walk was requested with (`page_size`, or
    /// `per_page` in the legacy scheme); `None` when none was sent and the
    /// server's default applied. A resumed walk requests the same.
    pub fn page_size(&self) -> Option<u32> {
        self.page_size
    }

    /// How many items of the current page were handed out, which is the
    /// position on the server's page of the next one: items that did not
    /// decode count, as they were yielded as errors.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// `true` once the listing has ended and every item was handed out: a
    /// walk resumed here yields nothing and sends no request.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The `id` of the last item handed out (identities, sessions and
    /// schemas have one; for an item that did not decode, the `id` read
    /// from its JSON, when readable); `None` before the first item. A
    /// resumed walk checks it to notice that the page changed meanwhile.
    pub fn last_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// The position before the first item of a page requested with these
    /// query pairs (those of a call, or of a builder's paging parameters).
    pub(crate) fn at_page(query: &[(String, String)]) -> Self {
        let mut position = ListPosition {
            page_token: None,
            page_number: None,
            page_size: None,
            offset: 0,
            finished: false,
            last_id: None,
        };
        position.move_to_page(query);
        position
    }

    /// Moves to the start of the page requested with these query pairs,
    /// keeping the last id. The legacy scheme is the one Kratos reads: a
    /// `page` without `page_token` or `page_size`; otherwise a lone
    /// `per_page` is the page size.
    pub(crate) fn move_to_page(&mut self, query: &[(String, String)]) {
        let get = |name: &str| {
            query
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let size = |v: Option<&str>| v.and_then(|v| v.trim().parse::<u32>().ok());
        let legacy = get("page_token").is_none() && get("page_size").is_none();
        match get("page").filter(|_| legacy) {
            Some(page) => {
                self.page_token = None;
                // Kratos reads a negative or unreadable page as 0.
                self.page_number = Some(page.trim().parse::<u32>().unwrap_or(0));
                self.page_size = size(get("per_page"));
            }
            None => {
                self.page_token = get("page_token").map(str::to_string);
                self.page_number = None;
                self.page_size = size(get("page_size")).or(size(get("per_page")));
            }
        }
        self.offset = 0;
    }

    /// This position, with whether the walk is finished.
    pub(crate) fn finished(mut self, finished: bool) -> Self {
        self.finished = finished;
        self
    }

    pub(crate) fn set_offset(&mut self, offset: usize) {
        self.offset = offset;
    }

    pub(crate) fn set_last_id(&mut self, last: Option<&ItemKey>) {
        self.last_id = last.map(ItemKey::to_string);
    }

    /// Where a walk resumed here goes on in the page it refetched, whose
    /// items have these ids: after `offset` items, unless the item before
    /// that is not the last one handed out (an item was added or deleted
    /// before it since). Then it goes on after that item wherever it is on
    /// the page now; if it is not on the page any more, after where it was
    /// in id order when the page is in id order (Kratos's identity pages
    /// are), else at `offset`, with a warning (an item near it may be
    /// missed or come twice).
    pub(crate) fn resume_offset(&self, ids: &[Option<ItemKey>], operation: Operation) -> usize {
        let offset = self.offset.min(ids.len());
        let last = self.last_id.as_deref().filter(|_| self.offset > 0);
        let Some(last) = last.and_then(ItemKey::of_text) else {
            return offset;
        };
        let before = self.offset.checked_sub(1).and_then(|i| ids.get(i));
        if before.and_then(Option::as_ref) == Some(&last) {
            return self.offset;
        }
        match ids.iter().position(|id| id.as_ref() == Some(&last)) {
            Some(found) => {
                log::info!(
                    "{operation}: resuming: the page changed since the position was taken; going on after item {last}, now at offset {found} instead of {}",
                    self.offset - 1
                );
                found + 1
            }
            // Gone (deleted since). On a page in id order (Kratos keyset
            // pages of identities are), the walk goes on at the first item
            // after it in that order: nothing is missed or repeated.
            None => match first_after_in_id_order(ids, &last) {
                Some(next) => {
                    log::info!(
                        "{operation}: resuming: item {last}, the last one handed out, is no longer on its page (deleted since?); going on at the first item after it in id order, offset {next}"
                    );
                    next
                }
                None => {
                    log::warn!(
                        "{operation}: resuming: item {last}, the last one handed out, is no longer on its page (deleted since?); going on at offset {offset} of {}, so an item near it may be missed or come twice",
                        ids.len()
                    );
                    offset
                }
            },
        }
    }
}

/// The index of the first id after `last` on a page whose ids are all
/// UUIDs in ascending order, as `last` is; `None` when the page is not in
/// id order, so its order says nothing about where `last` was.
fn first_after_in_id_order(ids: &[Option<ItemKey>], last: &ItemKey) -> Option<usize> {
    let ItemKey::Uuid(last) = last else {
        return None;
    };
    let uuids: Option<Vec<Uuid>> = ids
        .iter()
        .map(|id| match id {
            Some(ItemKey::Uuid(u)) => Some(*u),
            _ => None,
        })
        .collect();
    let uuids = uuids?;
    if uuids.len() < 2 || !uuids.windows(2).all(|w| w[0] < w[1]) {
        return None;
    }
    Some(uuids.partition_point(|u| u < last))
}

impl Paging {
    /// Moves a position set with [`resume`](crate::RequestBuilder::resume)
    /// into the paging parameters: its page token or page number and its
    /// page size replace any set on the builder. Returns the position.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a position that holds both a page token
    /// and a page number (no walk makes one).
    pub(crate) fn take_resume(&mut self) -> Result<Option<ListPosition>, Error> {
        let Some(position) = self.resume.take() else {
            return Ok(None);
        };
        if position.page_token.is_some() && position.page_number.is_some() {
            return Err(Error::invalid(
                InvalidInputKind::Invalid,
                "the position to resume holds both a page_token and a legacy page number; no walk takes such a position",
            ));
        }
        self.page_token.clone_from(&position.page_token);
        self.page = position.page_number;
        if position.page_number.is_some() {
            self.page_size = None;
            self.per_page = position.page_size;
        } else {
            self.page_size = position.page_size;
            self.per_page = None;
        }
        Ok(Some(position))
    }

    /// The paging parameters as query pairs, as [`apply`](Self::apply) adds them.
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut add = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                pairs.push((name.to_string(), value));
            }
        };
        add("page_size", self.page_size.map(|n| n.to_string()));
        add("page_token", self.page_token.clone());
        add("page", self.page.map(|n| n.to_string()));
        add("per_page", self.per_page.map(|n| n.to_string()));
        pairs
    }
}

pub(crate) mod sealed {
    /// The `id` of a listed item, for [`ListPosition::last_id`](super::ListPosition::last_id).
    pub trait ItemId {
        /// The item's `id`, or `None` when it has none worth recording.
        fn item_id(&self) -> Option<super::ItemKey>;
    }
}
pub(crate) use sealed::ItemId;

/// An item's `id` as the walk keeps it after every item: most ids are
/// UUIDs, kept without formatting or allocating; the string form is made
/// only for [`ListPosition::last_id`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKey {
    /// A UUID (identities, sessions, and raw items whose id is one).
    Uuid(Uuid),
    /// Any other id that reads as an identifier (schema ids).
    Text(String),
}

impl ItemKey {
    /// The key of an id read as text: a hyphenated UUID is kept as one, so
    /// that an id read from JSON and one decoded compare equal; anything
    /// else that reads as an identifier (see [`plain_id`]) as text.
    pub(crate) fn of_text(id: &str) -> Option<ItemKey> {
        match canonical_uuid(id.as_bytes()) {
            Some(uuid) => Some(ItemKey::Uuid(uuid)),
            None => plain_id(id).map(ItemKey::Text),
        }
    }
}

impl std::fmt::Display for ItemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemKey::Uuid(uuid) => uuid.fmt(f),
            ItemKey::Text(text) => f.write_str(text),
        }
    }
}

impl<T> ItemId for Identity<T> {
    fn item_id(&self) -> Option<ItemKey> {
        Some(ItemKey::Uuid(self.id))
    }
}

impl ItemId for Session {
    fn item_id(&self) -> Option<ItemKey> {
        Some(ItemKey::Uuid(self.id))
    }
}

impl ItemId for IdentitySchemaContainer {
    fn item_id(&self) -> Option<ItemKey> {
        ItemKey::of_text(&self.id)
    }
}

/// The top-level `id` of a raw item. Kratos writes it first, so a UUID
/// there is read in place; any other shape is parsed.
impl ItemId for Box<RawValue> {
    fn item_id(&self) -> Option<ItemKey> {
        const PREFIX: &[u8] = br#"{"id":""#;
        let json = self.get().as_bytes();
        let quick = json
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.get(..37))
            .filter(|id| id[36] == b'"')
            .and_then(|id| canonical_uuid(&id[..36]));
        if let Some(uuid) = quick {
            return Some(ItemKey::Uuid(uuid));
        }
        #[derive(Deserialize)]
        struct Probe<'a> {
            #[serde(borrow, default)]
            id: Option<Cow<'a, str>>,
        }
        let probe: Probe<'_> = serde_json::from_str(self.get()).ok()?;
        ItemKey::of_text(&probe.id?)
    }
}

/// A UUID in its hyphenated form (36 bytes, either case; it prints in
/// lower case, as Kratos writes it).
fn canonical_uuid(id: &[u8]) -> Option<Uuid> {
    match id.len() {
        36 => Uuid::try_parse_ascii(id).ok(),
        _ => None,
    }
}

/// `id` when it reads as an identifier (letters, digits, `-_.:/`, at most
/// 128 bytes), so that what a position records and a log shows is never
/// free text.
fn plain_id(id: &str) -> Option<String> {
    let plain = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b));
    plain.then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::operation::LIST_IDENTITIES;

    use crate::testing::query as q;

    fn ids(ids: &[&str]) -> Vec<Option<ItemKey>> {
        ids.iter().map(|id| ItemKey::of_text(id)).collect()
    }

    fn at(offset: usize, last: Option<&str>) -> ListPosition {
        let mut position = ListPosition::at_page(&q(&[("page_size", "3"), ("page_token", "t")]));
        position.offset = offset;
        position.last_id = last.map(str::to_string);
        position
    }

    #[test]
    fn the_page_is_read_from_the_query_as_kratos_reads_it() {
        let p = ListPosition::at_page(&q(&[("page_size", "250"), ("page_token", "abc")]));
        assert_eq!(
            (p.page_token(), p.page_number(), p.page_size()),
            (Some("abc"), None, Some(250))
        );
        let p = ListPosition::at_page(&q(&[]));
        assert_eq!(
            (p.page_token(), p.page_number(), p.page_size()),
            (None, None, None)
        );
        let p = ListPosition::at_page(&q(&[("page", "3"), ("per_page", "100")]));
        assert_eq!(
            (p.page_token(), p.page_number(), p.page_size()),
            (None, Some(3), Some(100))
        );
        let p = ListPosition::at_page(&q(&[("page", "-1")]));
        assert_eq!((p.page_number(), p.page_size()), (Some(0), None));
        // A lone per_page is the keyset page size.
        let p = ListPosition::at_page(&q(&[("per_page", "7")]));
        assert_eq!((p.page_number(), p.page_size()), (None, Some(7)));
        // The offset scheme's computed links carry all four: the token wins.
        let p = ListPosition::at_page(&q(&[
            ("page_size", "2"),
            ("page_token", "eyJvZmZzZXQiOiI0IiwidiI6Mn0"),
            ("page", "2"),
            ("per_page", "2"),
        ]));
        assert_eq!(
            (p.page_token(), p.page_number(), p.page_size()),
            (Some("eyJvZmZzZXQiOiI0IiwidiI6Mn0"), None, Some(2))
        );
    }

    #[test]
    fn resume_goes_on_after_the_last_item_wherever_it_is_now() {
        let page = ids(&["a", "b", "c"]);
        // Unchanged.
        assert_eq!(at(2, Some("b")).resume_offset(&page, LIST_IDENTITIES), 2);
        assert_eq!(at(3, Some("c")).resume_offset(&page, LIST_IDENTITIES), 3);
        // No id to check: the offset.
        assert_eq!(at(2, None).resume_offset(&page, LIST_IDENTITIES), 2);
        assert_eq!(at(0, Some("z")).resume_offset(&page, LIST_IDENTITIES), 0);
        // An item deleted before it: it moved one ahead.
        assert_eq!(
            at(3, Some("c")).resume_offset(&ids(&["b", "c", "d"]), LIST_IDENTITIES),
            2
        );
        // One added before it: one back.
        assert_eq!(
            at(1, Some("a")).resume_offset(&ids(&["0", "a", "b"]), LIST_IDENTITIES),
            2
        );
        // Gone: the offset, cut to the page.
        assert_eq!(
            at(2, Some("b")).resume_offset(&ids(&["a", "c", "d"]), LIST_IDENTITIES),
            2
        );
        assert_eq!(
            at(3, Some("c")).resume_offset(&ids(&["a"]), LIST_IDENTITIES),
            1
        );
        // An item without a readable id does not match.
        assert_eq!(
            at(2, Some("b")).resume_offset(&ids(&["a", "", "b"]), LIST_IDENTITIES),
            3
        );
    }

    #[test]
    fn a_position_serializes_to_a_small_object_and_back() {
        let mut position = at(2, Some("9f425a8d-7efc-4768-8f23-7647a74fdf13"));
        let json = serde_json::to_value(&position).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "page_token": "t", "page_size": 3, "offset": 2, "finished": false,
                "last_id": "9f425a8d-7efc-4768-8f23-7647a74fdf13"
            })
        );
        assert_eq!(
            serde_json::from_value::<ListPosition>(json).unwrap(),
            position
        );
        position.move_to_page(&q(&[("page", "1"), ("per_page", "2")]));
        let json = serde_json::to_string(&position).unwrap();
        assert!(json.contains(r#""page_number":1"#), "{json}");
        assert_eq!(
            serde_json::from_str::<ListPosition>(&json).unwrap(),
            position
        );
        // Optional fields may be missing; `offset`, always written, may
        // not: `{}` is no saved position (it read as the start).
        let start: ListPosition = serde_json::from_str(r#"{"offset":0}"#).unwrap();
        assert_eq!(start, ListPosition::at_page(&[]));
        assert!(serde_json::from_str::<ListPosition>("{}").is_err());
    }

    #[test]
    fn raw_items_give_their_top_level_id_and_nothing_else() {
        let raw = |json: &str| {
            let key = RawValue::from_string(json.to_string()).unwrap().item_id();
            key.map(|key| key.to_string())
        };
        let id = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
        let quick = raw(&format!(r#"{{"id":"{id}","traits":{{}}}}"#));
        assert_eq!(quick.as_deref(), Some(id));
        let parsed = raw(&format!(r#"{{ "traits": {{"id":"x"}}, "id" : "{id}" }}"#));
        assert_eq!(parsed.as_deref(), Some(id));
        // A UUID in upper case is the same UUID.
        let upper = raw(r#"{"id":"9F425A8D-7EFC-4768-8F23-7647A74FDF13"}"#);
        assert_eq!(upper.as_deref(), Some(id));
        // Braced, it is no plain id.
        assert_eq!(raw(&format!(r#"{{"id":"{{{id}}}"}}"#)), None);
        assert_eq!(raw(r#"{"id":"rec-4"}"#).as_deref(), Some("rec-4"));
        assert_eq!(raw(r#"{"traits":{"id":"x"}}"#), None);
        assert_eq!(raw(r#"{"id":"ada@example.com"}"#), None);
        assert_eq!(raw(r#"{"id":"a\"b"}"#), None);
        assert_eq!(raw(r#"{"id":7}"#), None);
        assert_eq!(raw("[1]"), None);
        assert_eq!(
            plain_id("preset://email").as_deref(),
            Some("preset://email")
        );
        assert_eq!(plain_id(""), None);
        assert_eq!(plain_id(&"a".repeat(129)), None);
        // Both forms of a UUID compare equal.
        let uuid = Uuid::parse_str(id).unwrap();
        assert_eq!(ItemKey::of_text(id), Some(ItemKey::Uuid(uuid)));
    }

    #[test]
    fn a_gone_last_item_on_a_page_out_of_id_order_falls_back_to_the_offset() {
        let key = |n: u128| Some(ItemKey::Uuid(Uuid::from_u128(n)));
        let position = ListPosition {
            page_token: Some("t".into()),
            page_number: None,
            page_size: Some(3),
            offset: 2,
            finished: false,
            last_id: Some(Uuid::from_u128(5).to_string()),
        };
        let op = crate::api::operation::LIST_SESSIONS;
        // In id order: after 5 comes 6, at index 1.
        assert_eq!(position.resume_offset(&[key(4), key(6), key(7)], op), 1);
        // Not in id order (newest first, say): the offset, with a warning.
        assert_eq!(position.resume_offset(&[key(9), key(6), key(3)], op), 2);
    }
}
