//! Every pagination scheme over at least three pages, each item exactly
//! once: identities by page token and by legacy page numbers, sessions by
//! token, an identity's sessions by offset token, schemas.

use std::collections::{BTreeSet, HashSet};

use kratos_identity::uuid::Uuid;
use kratos_identity::{CreateIdentityBody, Error, IdentityClient};
use serde_json::json;

use crate::backend::{Backend, Cleanup, backends, login, run, schemas};

/// Creates `n` identities with passwords; returns `(id, email)` in order.
fn people(
    client: &IdentityClient,
    cleanup: &Cleanup,
    n: usize,
    password: &str,
) -> Vec<(Uuid, String)> {
    (0..n)
        .map(|_| {
            let email = run().email("page");
            let body =
                CreateIdentityBody::new("default", json!({"email": email})).password(password);
            (
                cleanup.add(client.create_identity(body).send().unwrap().id),
                email,
            )
        })
        .collect()
}

/// Asserts that `seen` has no repeats and holds every id of `ours`.
fn exactly_once(b: &Backend, what: &str, seen: &[Uuid], ours: &[Uuid]) {
    let mut unique = HashSet::new();
    for id in seen {
        assert!(unique.insert(id), "{b:?}: {what}: {id} came twice");
    }
    for id in ours {
        assert!(unique.contains(id), "{b:?}: {what}: {id} never came");
    }
}

#[test]
fn identities_by_page_token() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let ours: Vec<Uuid> = people(&b.admin, &cleanup, 7, "token-paging-1")
            .into_iter()
            .map(|p| p.0)
            .collect();
        // Only ours, two a page: four pages.
        let pages: Vec<_> = b
            .admin
            .list_identities()
            .ids(ours.clone())
            .page_size(2)
            .pages()
            .collect::<Result<_, Error>>()
            .unwrap();
        assert_eq!(
            pages.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [2, 2, 2, 1],
            "{b:?}"
        );
        let seen: Vec<Uuid> = pages.iter().flat_map(|p| p.iter().map(|i| i.id)).collect();
        exactly_once(b, "ids, by token", &seen, &ours);
        // Everyone, three a page: a server with other users is fine.
        let all: Vec<Uuid> = b
            .admin
            .list_identities()
            .page_size(3)
            .items()
            .map(|i| i.map(|i| i.id))
            .collect::<Result<_, Error>>()
            .unwrap();
        // Seven of ours make three pages or more; an otherwise empty server
        // holds only those.
        assert!(all.len() >= ours.len(), "{b:?}: {} listed", all.len());
        exactly_once(b, "everyone, by token", &all, &ours);
        // The same with the next page fetched ahead.
        let ahead: Vec<Uuid> = b
            .admin
            .list_identities()
            .page_size(3)
            .items()
            .prefetch(true)
            .map(|i| i.map(|i| i.id))
            .collect::<Result<_, Error>>()
            .unwrap();
        exactly_once(b, "everyone, prefetched", &ahead, &ours);
    }
}

#[test]
fn identities_by_legacy_page_numbers() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let ours: Vec<Uuid> = people(&b.admin, &cleanup, 7, "legacy-paging-1")
            .into_iter()
            .map(|p| p.0)
            .collect();
        let pages: Vec<_> = b
            .admin
            .list_identities()
            .ids(ours.clone())
            .page(0)
            .per_page(2)
            .pages()
            .collect::<Result<_, Error>>()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        assert_eq!(
            pages.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [2, 2, 2, 1],
            "{b:?}"
        );
        // X-Total-Count counts every identity, whatever the filter.
        assert!(
            pages[0].total_count() >= Some(7),
            "{b:?}: {:?}",
            pages[0].total_count()
        );
        let seen: Vec<Uuid> = pages.iter().flat_map(|p| p.iter().map(|i| i.id)).collect();
        exactly_once(b, "ids, by page number", &seen, &ours);
        // Beyond page * per_page = 1000 Kratos refuses.
        let err = b
            .admin
            .list_identities()
            .page(11)
            .per_page(100)
            .send()
            .unwrap_err();
        assert_eq!(err.status(), Some(400), "{b:?}: {err}");
    }
}

#[test]
fn sessions_by_page_token() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let people = people(&b.admin, &cleanup, 3, "session-paging-1");
        let mut ours = Vec::new();
        for (_, email) in &people {
            for _ in 0..3 {
                ours.push(
                    login(b, email, "session-paging-1")
                        .unwrap_or_else(|e| panic!("{b:?}: {e}"))
                        .session_id,
                );
            }
        }
        let pages: Vec<_> = b
            .admin
            .list_sessions()
            .page_size(2)
            .pages()
            .collect::<Result<_, Error>>()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        assert!(pages.len() >= 5, "{b:?}: {} pages", pages.len());
        let seen: Vec<Uuid> = pages.iter().flat_map(|p| p.iter().map(|s| s.id)).collect();
        exactly_once(b, "sessions, by token", &seen, &ours);
        // Lists carry no identity and no devices unless expanded.
        let page = b.admin.list_sessions().page_size(2).send().unwrap();
        assert!(
            page.iter()
                .all(|s| s.identity.is_none() && s.devices.is_empty()),
            "{b:?}"
        );
        let page = b
            .admin
            .list_sessions()
            .page_size(2)
            .expand(["identity", "devices"])
            .send()
            .unwrap();
        assert!(page.iter().all(|s| s.identity.is_some()), "{b:?}");
        // Only active ones.
        b.admin.disable_session(ours[0]).send().unwrap();
        let active: Vec<Uuid> = b
            .admin
            .list_sessions()
            .active(true)
            .page_size(500)
            .items()
            .map(|s| s.map(|s| s.id))
            .collect::<Result<_, Error>>()
            .unwrap();
        assert!(
            !active.contains(&ours[0]) && active.contains(&ours[1]),
            "{b:?}"
        );
    }
}

#[test]
fn an_identitys_sessions_by_offset_token_each_exactly_once() {
    for b in backends() {
        let cleanup = Cleanup::new(&b.admin);
        let (id, email) = people(&b.admin, &cleanup, 1, "offset-paging-1").remove(0);
        let ours: Vec<Uuid> = (0..5)
            .map(|_| {
                login(b, &email, "offset-paging-1")
                    .unwrap_or_else(|e| panic!("{b:?}: {e}"))
                    .session_id
            })
            .collect();
        // Kratos's own Link header repeats the first page and never reaches
        // the last one; the client must still see every session once.
        let pages: Vec<_> = b
            .admin
            .list_identity_sessions(id)
            .page_size(2)
            .pages()
            .collect::<Result<_, Error>>()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        let seen: Vec<Uuid> = pages.iter().flat_map(|p| p.iter().map(|s| s.id)).collect();
        assert_eq!(seen.len(), 5, "{b:?}: {seen:?}");
        exactly_once(b, "an identity's sessions", &seen, &ours);
        assert_eq!(pages.iter().filter(|p| !p.is_empty()).count(), 3, "{b:?}");
        let items: Vec<Uuid> = b
            .admin
            .list_identity_sessions(id)
            .page_size(2)
            .items()
            .prefetch(true)
            .map(|s| s.map(|s| s.id))
            .collect::<Result<_, Error>>()
            .unwrap();
        assert_eq!(
            items.iter().collect::<BTreeSet<_>>(),
            ours.iter().collect::<BTreeSet<_>>(),
            "{b:?}"
        );
        assert_eq!(items.len(), 5, "{b:?}");
        // Legacy page numbers on the same list.
        let legacy: Vec<Uuid> = b
            .admin
            .list_identity_sessions(id)
            .page(0)
            .per_page(2)
            .items()
            .map(|s| s.map(|s| s.id))
            .collect::<Result<_, Error>>()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        assert_eq!(
            legacy.iter().collect::<BTreeSet<_>>(),
            ours.iter().collect::<BTreeSet<_>>(),
            "{b:?}: {legacy:?}"
        );
        assert_eq!(legacy.len(), 5, "{b:?}: {legacy:?}");
        // An identity without sessions, and one that does not exist: `[]`.
        let (lonely, _) =
            crate::pagination::people(&b.admin, &cleanup, 1, "offset-paging-2").remove(0);
        assert!(
            b.admin
                .list_identity_sessions(lonely)
                .send()
                .unwrap()
                .is_empty(),
            "{b:?}"
        );
        assert!(
            b.admin
                .list_identity_sessions(crate::backend::fresh_id())
                .send()
                .unwrap()
                .is_empty(),
            "{b:?}"
        );
    }
}

#[test]
fn schemas_by_offset_token_in_configuration_order() {
    for b in backends() {
        let ids: Vec<String> = b
            .admin
            .list_identity_schemas()
            .page_size(1)
            .items()
            .map(|s| s.map(|s| s.id))
            .collect::<Result<_, Error>>()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        let want: Vec<String> = schemas()
            .into_iter()
            .map(|(id, _)| id.to_string())
            .collect();
        assert_eq!(ids, want, "{b:?}");
    }
}
