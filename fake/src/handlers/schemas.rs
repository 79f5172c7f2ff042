//! Identity schemas: list (offset tokens) and get (by id or its base64url form).

use serde_json::json;

use super::{Answer, Ctx, json, lock};
use crate::errors::ApiError;
use crate::paging::{PageLinks, base64_decode, migration_page, page_link};

/// `GET /schemas` on the public port (the admin port redirects here).
pub(crate) fn list(ctx: &Ctx<'_>) -> Answer {
    let (page, per_page) = migration_page(&ctx.query);
    let store = lock(&ctx.state.store);
    let total = store.schemas.len();
    // Kratos slices `[page·size, page·size + (page+1)·size)`: the end
    // offset is taken for the length, so page `p` holds up to `(p+1)·size`
    // schemas and repeats the next pages' (the Link header is right).
    let skip = usize::try_from(page.saturating_mul(per_page)).unwrap_or(usize::MAX);
    let take =
        usize::try_from(page.saturating_add(1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let items: Vec<_> = store
        .schemas
        .iter()
        .skip(skip)
        .take(take)
        .map(|(id, schema)| json!({"id": id, "schema": schema}))
        .collect();
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let link = page_link(
        PageLinks::OffsetTokens,
        &ctx.request.path,
        &ctx.query,
        total,
        page,
        per_page,
    );
    Ok(json(200, &items)
        .with_header("X-Total-Count", total.to_string())
        .with_header("Link", link))
}

/// `GET /schemas/{id}`: the raw JSON Schema; 404 for an unknown id.
pub(crate) fn get(ctx: &Ctx<'_>) -> Answer {
    let id = &ctx.params[0];
    let store = lock(&ctx.state.store);
    let decoded = base64_decode(id).and_then(|b| String::from_utf8(b).ok());
    let schema = store
        .schemas
        .get(id)
        .or_else(|| decoded.and_then(|d| store.schemas.get(&d)))
        .ok_or_else(|| {
            ApiError::resource_not_found(format!("Identity schema `{id}` could not be found."))
        })?;
    Ok(json(200, schema))
}
