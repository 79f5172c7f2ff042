//! Reading identities: list (keyset and legacy page numbers, the filters),
//! get, get by external id.

use std::collections::HashSet;

use uuid::Uuid;

use super::{Answer, Ctx, include_credential, json, lock};
use crate::errors::{ApiError, PAGE_TOKEN_INVALID};
use crate::paging::{PageLinks, keyset_link, keyset_size, page_link};
use crate::record::{CredentialsView, IdentityRecord, normalize_identifier};

/// The credential types whose identifiers `credentials_identifier` finds.
const IDENTIFIER_TYPES: [&str; 5] = ["password", "code", "webauthn", "oidc", "saml"];

/// The identity filters of `GET /admin/identities`.
#[derive(Debug, Default)]
struct Filter {
    ids: Option<HashSet<Uuid>>,
    organization: Option<Uuid>,
    identifier: Option<String>,
    similar: Option<String>,
}

impl Filter {
    fn matches(&self, record: &IdentityRecord) -> bool {
        if let Some(ids) = &self.ids {
            return ids.contains(&record.id);
        }
        if let Some(org) = self.organization {
            return record.organization_id() == Some(org);
        }
        let pairs = || record.credentials.iter().flatten();
        if let Some(wanted) = &self.identifier {
            return pairs().any(|(t, c)| {
                let wanted = normalize_identifier(t, wanted);
                c.identifiers()
                    .iter()
                    .any(|i| normalize_identifier(t, i) == wanted)
            });
        }
        if let Some(prefix) = &self.similar {
            return pairs().any(|(t, c)| {
                let prefix = normalize_identifier(t, prefix);
                c.identifiers()
                    .iter()
                    .any(|i| normalize_identifier(t, i).starts_with(&prefix))
            });
        }
        true
    }
}

/// `GET /admin/identities`.
pub(super) fn list(ctx: &Ctx<'_>) -> Answer {
    let q = &ctx.query;
    let mut filter = Filter::default();
    let mut filters = 0;
    let mut expand = false;
    let ids = q.all("ids");
    if !ids.is_empty() {
        filters += 1;
        let mut set = HashSet::new();
        for v in &ids {
            let id = Uuid::parse_str(v).map_err(|_| {
                ApiError::bad_request(format!("Invalid UUID value `{v}` for parameter `ids`."))
            })?;
            set.insert(id);
        }
        if ids.len() > 500 {
            return Err(ApiError::bad_request(
                "The number of ids to filter must not exceed 500.",
            ));
        }
        filter.ids = Some(set);
    }
    let org = q.get("organization_id");
    if !org.is_empty() {
        filters += 1;
        filter.organization = Some(Uuid::parse_str(org).map_err(|_| {
            ApiError::bad_request(format!(
                "Invalid UUID value `{org}` for parameter `organization_id`."
            ))
        })?);
    }
    let identifier = q.get("credentials_identifier");
    if !identifier.is_empty() {
        filters += 1;
        expand = true;
        filter.identifier = Some(identifier.to_string());
    }
    let similar = q.get("preview_credentials_identifier_similar");
    if !similar.is_empty() {
        filters += 1;
        expand = true;
        filter.similar = Some(similar.to_string());
    }
    let include = include_credential(q, ctx.state.version)?;
    expand |= q.has("include_credential");
    if filters > 1 {
        return Err(ApiError::bad_request(
            "You cannot combine multiple filters in this API",
        ));
    }
    let view = match expand {
        true => CredentialsView::Configs(&include),
        false => CredentialsView::Omit,
    };

    let store = lock(&ctx.state.store);
    // The identifier filter goes through the store's index, as Kratos's
    // query goes through its unique index: a lookup, not a scan of every
    // identity (a bulk import settling a chunk makes one per input).
    if let Some(wanted) = filter.identifier.clone()
        && filter.ids.is_none()
    {
        let found = IDENTIFIER_TYPES
            .iter()
            .filter_map(|t| store.by_identifier(&(t.to_string(), normalize_identifier(t, &wanted))))
            .map(|r| r.id)
            .collect();
        filter.ids = Some(found);
    }
    let path = &ctx.request.path;
    let keyset = q.has("page_token") || q.has("page_size");
    if !keyset && q.has("page") {
        // Legacy page numbers: 0-based `page`, `per_page` (default 250, at most 500).
        let page = q.get("page").parse::<i64>().unwrap_or(0).max(0);
        let per_page = match q.get("per_page").parse::<i64>() {
            Ok(n) => n.clamp(1, 500),
            Err(_) => 250,
        };
        if page.saturating_mul(per_page) > 1000 {
            return Err(ApiError::bad_request(
                "Legacy pagination is not supported for enumerating over 1000 items. \
                 Please switch to using page_token and page_size.",
            ));
        }
        let matching: Vec<&IdentityRecord> = store.iter().filter(|r| filter.matches(r)).collect();
        let skip = usize::try_from(page * per_page).unwrap_or(usize::MAX);
        let items: Vec<_> = matching
            .iter()
            .skip(skip)
            .take(usize::try_from(per_page).unwrap_or(250))
            .map(|r| r.view(view))
            .collect();
        // Kratos counts every identity unless credentials_identifier is set.
        let total = match filter.identifier {
            Some(_) => items.len(),
            None => store.len(),
        };
        let total = i64::try_from(total).unwrap_or(i64::MAX);
        let link = page_link(PageLinks::PageNumbers, path, q, total, page, per_page);
        return Ok(json(200, &items)
            .with_header("X-Total-Count", total.to_string())
            .with_header("Link", link));
    }

    // Keyset; a lone `per_page` is read as `page_size`.
    let mut link_query = q.clone();
    if !keyset && let Some(per_page) = q.first("per_page") {
        link_query.set("page_size", per_page);
        link_query.remove("per_page");
    }
    let size = keyset_size(link_query.get("page_size"), 500)?;
    let token = link_query.get("page_token");
    let after = match token {
        "" => Uuid::nil(),
        t => Uuid::parse_str(t).map_err(|_| ApiError::bad_request(PAGE_TOKEN_INVALID))?,
    };
    let mut page: Vec<&IdentityRecord> = store
        .after(after)
        .filter(|r| filter.matches(r))
        .take(size + 1)
        .collect();
    let next = match page.len() > size {
        true => {
            page.truncate(size);
            page.last().map(|r| r.id.to_string())
        }
        false => None,
    };
    let items: Vec<_> = page.iter().map(|r| r.view(view)).collect();
    let link = keyset_link(
        path,
        &link_query,
        size,
        &Uuid::nil().to_string(),
        next.as_deref(),
    );
    Ok(json(200, &items).with_header("Link", link))
}

/// `GET /admin/identities/{id}`: a non-UUID id is a 404, as in Kratos.
pub(super) fn get(ctx: &Ctx<'_>) -> Answer {
    let include = include_credential(&ctx.query, ctx.state.version)?;
    let store = lock(&ctx.state.store);
    let record = Uuid::parse_str(&ctx.params[0])
        .ok()
        .and_then(|id| store.get(&id))
        .ok_or_else(ApiError::not_found)?;
    Ok(json(200, &record.view(CredentialsView::Configs(&include))))
}

/// `GET /admin/identities/by/external/{externalID}`.
pub(super) fn get_by_external_id(ctx: &Ctx<'_>) -> Answer {
    let include = include_credential(&ctx.query, ctx.state.version)?;
    let store = lock(&ctx.state.store);
    let record = store
        .by_external_id(&ctx.params[0])
        .ok_or_else(ApiError::not_found)?;
    Ok(json(200, &record.view(CredentialsView::Configs(&include))))
}
