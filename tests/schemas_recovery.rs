//! Identity schemas (including the admin port's redirect to the public port,
//! which must never carry the API key), account recovery, and the OIDC test
//! login flow.

mod common;

use std::time::Duration;

use common::{
    IDENTITY_ID, TOKEN, USER_AGENT, catch_all, client, default_headers, fixtures, json,
    json_request_headers, no_body, query_exactly, ts, uuid, value,
};
use httpmock::prelude::*;
use kratos_identity::{
    AuthenticatorAssuranceLevel, CreateRecoveryCodeForIdentityBody,
    CreateRecoveryLinkForIdentityBody, CreateTestLoginFlowBody,
};
use serde_json::json;

// ---------------------------------------------------------------- schemas

#[test]
fn list_identity_schemas_sends_every_paging_parameter() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = no_body(default_headers(when.method(GET).path("/schemas")));
        query_exactly(
            when,
            &[
                ("page_size", "2"),
                ("page_token", "2"),
                ("page", "1"),
                ("per_page", "2"),
            ],
        );
        json(then, 200, fixtures::SCHEMA_LIST)
            .header("x-total-count", "4")
            .header(
                "link",
                "</schemas?page=0&page_size=2&page_token=0&per_page=2>; rel=\"first\",\
                 </schemas?page=2&page_size=2&page_token=4&per_page=2>; rel=\"next\",\
                 </schemas?page=0&page_size=2&page_token=0&per_page=2>; rel=\"prev\",\
                 </schemas?page=1&page_size=2&page_token=2&per_page=2>; rel=\"last\"",
            );
    });

    let page = client(&server)
        .list_identity_schemas()
        .page_size(2)
        .page_token("2")
        .page(1)
        .per_page(2)
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(page.total_count(), Some(4));
    assert_eq!(page.next_page_token(), Some("4"));
    let ids: Vec<&str> = page.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["default", "customer"]);
    assert_eq!(
        page.as_slice()[0].schema["properties"]["traits"]["properties"]["email"]["ory.sh/kratos"]["credentials"]
            ["password"]["identifier"],
        true
    );
}

#[test]
fn list_identity_schemas_without_setters_sends_no_query() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        query_exactly(default_headers(when.method(GET).path("/schemas")), &[]);
        json(then, 200, fixtures::SCHEMA_LIST);
    });

    let page = client(&server).list_identity_schemas().send().unwrap();

    mock.assert();
    assert_eq!(page.len(), 2);
    assert_eq!(page.total_count(), None);
}

#[test]
fn get_identity_schema_returns_the_raw_schema() {
    let server = MockServer::start();
    let plain = server.mock(|when, then| {
        query_exactly(
            no_body(default_headers(when.method(GET).path("/schemas/default"))),
            &[],
        );
        json(then, 200, fixtures::SCHEMA_DEFAULT);
    });
    let base64 = server.mock(|when, then| {
        when.method(GET).path("/schemas/ZGVmYXVsdA");
        json(then, 200, fixtures::SCHEMA_DEFAULT);
    });
    let client = client(&server);

    let schema = client.get_identity_schema("default").send().unwrap();
    let same = client.get_identity_schema("ZGVmYXVsdA").send().unwrap();

    plain.assert();
    base64.assert();
    assert_eq!(schema, value(fixtures::SCHEMA_DEFAULT));
    assert_eq!(schema, same);
    assert_eq!(schema["title"], "Person");
}

#[test]
fn get_identity_schema_refuses_an_empty_id_and_encodes_others() {
    let server = MockServer::start();
    let encoded = server.mock(|when, then| {
        when.method(GET).path("/schemas/..%2Fadmin%2Fidentities");
        then.status(404);
    });
    let any = catch_all(&server);
    let client = client(&server);

    let empty = client.get_identity_schema("").send();
    assert!(
        matches!(empty, Err(kratos_identity::Error::InvalidInput { .. })),
        "{empty:?}"
    );
    let traversal = client
        .get_identity_schema("../admin/identities")
        .send()
        .unwrap_err();
    assert!(traversal.is_not_found(), "{traversal}");

    encoded.assert();
    any.assert_calls(0);
}

/// The self-hosted admin port answers `GET /schemas/{id}` with a 307 to the
/// public port: another origin, so the key must stay behind.
#[test]
fn get_identity_schema_follows_a_cross_origin_redirect_without_the_key() {
    let admin = MockServer::start();
    let public = MockServer::start();
    let redirect = admin.mock(|when, then| {
        default_headers(when.method(GET).path("/schemas/default"));
        then.status(307)
            .header("location", public.url("/schemas/default"));
    });
    let leaked = public.mock(|when, then| {
        when.header_exists("authorization");
        then.status(500).body("the API key reached another origin");
    });
    let served = public.mock(|when, then| {
        no_body(
            when.method(GET)
                .path("/schemas/default")
                .header_missing("authorization")
                .header("user-agent", USER_AGENT)
                .header("accept", "application/json"),
        );
        json(then, 200, fixtures::SCHEMA_DEFAULT);
    });

    let schema = client(&admin)
        .get_identity_schema("default")
        .send()
        .unwrap();

    redirect.assert();
    served.assert();
    leaked.assert_calls(0);
    assert_eq!(schema, value(fixtures::SCHEMA_DEFAULT));
}

#[test]
fn custom_headers_stay_with_the_configured_origin_on_a_redirect() {
    let admin = MockServer::start();
    let public = MockServer::start();
    admin.mock(|when, then| {
        when.method(GET)
            .path("/schemas/default")
            .header("x-tenant", "acme");
        then.status(307)
            .header("location", public.url("/schemas/default"));
    });
    let leaked = public.mock(|when, then| {
        when.header_exists("x-tenant");
        then.status(500)
            .body("a custom header reached another origin");
    });
    let served = public.mock(|when, then| {
        when.method(GET)
            .path("/schemas/default")
            .header_missing("x-tenant")
            .header_missing("authorization")
            .header("user-agent", "sync-job/2");
        json(then, 200, fixtures::SCHEMA_DEFAULT);
    });

    let client = kratos_identity::IdentityClient::builder(admin.base_url())
        .bearer_token(common::TOKEN)
        .header("X-Tenant", "acme")
        .user_agent("sync-job/2")
        .build()
        .unwrap();
    client.get_identity_schema("default").send().unwrap();

    served.assert();
    leaked.assert_calls(0);
}

#[test]
fn list_identity_schemas_follows_a_cross_origin_redirect_without_the_key() {
    let admin = MockServer::start();
    let public = MockServer::start();
    let redirect = admin.mock(|when, then| {
        when.method(GET)
            .path("/schemas")
            .query_param("page_size", "2");
        then.status(307)
            .header("location", public.url("/schemas?page_size=2"));
    });
    let leaked = public.mock(|when, then| {
        when.header_exists("authorization");
        then.status(500);
    });
    let served = public.mock(|when, then| {
        query_exactly(
            when.method(GET)
                .path("/schemas")
                .header_missing("authorization"),
            &[("page_size", "2")],
        );
        json(then, 200, fixtures::SCHEMA_LIST).header("x-total-count", "2");
    });

    let response = client(&admin)
        .list_identity_schemas()
        .page_size(2)
        .send_with_info()
        .unwrap();

    redirect.assert();
    served.assert();
    leaked.assert_calls(0);
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("X-Total-Count"), Some("2"));
    assert_eq!(response.body().len(), 2);
    assert_eq!(response.body().total_count(), Some(2));
}

#[test]
fn a_scheme_relative_redirect_to_another_port_drops_the_key() {
    let admin = MockServer::start();
    let public = MockServer::start();
    admin.mock(|when, then| {
        when.method(GET).path("/schemas/default");
        then.status(307).header(
            "location",
            format!("//{}:{}/schemas/default", public.host(), public.port()),
        );
    });
    let served = public.mock(|when, then| {
        when.method(GET)
            .path("/schemas/default")
            .header_missing("authorization");
        json(then, 200, fixtures::SCHEMA_DEFAULT);
    });

    client(&admin)
        .get_identity_schema("default")
        .send()
        .unwrap();

    served.assert();
}

#[test]
fn a_same_origin_redirect_keeps_the_key() {
    let server = MockServer::start();
    let absolute = server.mock(|when, then| {
        when.method(GET).path("/schemas/default");
        then.status(307)
            .header("location", server.url("/public/schemas/default"));
    });
    let relative = server.mock(|when, then| {
        when.method(GET).path("/schemas/customer");
        then.status(307)
            .header("location", "/public/schemas/customer");
    });
    let served_absolute = server.mock(|when, then| {
        default_headers(when.method(GET).path("/public/schemas/default"));
        json(then, 200, fixtures::SCHEMA_DEFAULT);
    });
    let served_relative = server.mock(|when, then| {
        default_headers(when.method(GET).path("/public/schemas/customer"));
        json(then, 200, r#"{"type":"object"}"#);
    });
    let client = client(&server);

    let default = client.get_identity_schema("default").send().unwrap();
    let customer = client.get_identity_schema("customer").send().unwrap();

    absolute.assert();
    relative.assert();
    served_absolute.assert();
    served_relative.assert();
    assert_eq!(default["title"], "Person");
    assert_eq!(customer, json!({"type": "object"}));
}

#[test]
fn every_redirect_status_is_followed_for_a_get() {
    let server = MockServer::start();
    let mut redirects = Vec::new();
    for status in [301u16, 302, 303, 307, 308] {
        let path = format!("/schemas/s{status}");
        let target = format!("/public/s{status}");
        redirects.push(server.mock(move |when, then| {
            when.method(GET).path(&path);
            then.status(status).header("location", &target);
        }));
    }
    let served = server.mock(|when, then| {
        default_headers(when.method(GET).path_prefix("/public/s"));
        json(then, 200, r#"{"type":"object"}"#);
    });
    let client = client(&server);

    for status in [301, 302, 303, 307, 308] {
        let schema = client
            .get_identity_schema(format!("s{status}"))
            .send()
            .unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(schema["type"], "object");
    }

    for mock in &redirects {
        mock.assert();
    }
    served.assert_calls(5);
}

#[test]
fn a_redirect_loop_stops_after_five_hops() {
    // Under a deadline: a hop limit that stops working fails here instead
    // of redirecting forever.
    common::within(std::time::Duration::from_secs(20), || {
        let server = MockServer::start();
        let looping = server.mock(|when, then| {
            when.method(GET).path("/schemas/loop");
            then.status(307).header("location", "/schemas/loop");
        });

        let err = client(&server)
            .get_identity_schema("loop")
            .send()
            .unwrap_err();

        assert_eq!(err.status(), Some(307), "{err}");
        assert!(
            err.to_string()
                .contains("HTTP 307 Temporary Redirect: redirected more than 5 times"),
            "{err}"
        );
        // The request and its five redirects.
        looping.assert_calls(6);
    });
}

#[test]
fn a_post_is_never_redirected() {
    let admin = MockServer::start();
    let elsewhere = MockServer::start();
    let redirect = admin.mock(|when, then| {
        when.method(POST).path("/admin/recovery/code");
        then.status(307)
            .header("location", elsewhere.url("/admin/recovery/code"));
    });
    let any = catch_all(&elsewhere);

    let err = client(&admin)
        .create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody::new(uuid(
            IDENTITY_ID,
        )))
        .send()
        .unwrap_err();

    assert_eq!(err.status(), Some(307), "{err}");
    // What a write sent to Kratos's public port meets: the message says
    // where to look (it read "HTTP 307 Temporary Redirect: empty body").
    assert!(
        err.to_string().contains(
            "HTTP 307 Temporary Redirect: the server redirects this call elsewhere, and only reads follow a redirect: is the base URL the admin API's"
        ),
        "{err}"
    );
    redirect.assert_calls(1);
    any.assert_calls(0);
}

// ---------------------------------------------------------------- recovery

#[test]
fn create_recovery_code_sends_the_body_and_decodes_the_code() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = json_request_headers(when.method(POST).path("/admin/recovery/code")).json_body(
            json!({"identity_id": IDENTITY_ID, "expires_in": "3600s", "flow_type": "browser"}),
        );
        query_exactly(when, &[]);
        json(then, 201, fixtures::RECOVERY_CODE);
    });

    let response = client(&server)
        .create_recovery_code_for_identity(
            CreateRecoveryCodeForIdentityBody::new(uuid(IDENTITY_ID))
                .expires_in(Duration::from_secs(3600))
                .flow_type("browser"),
        )
        .send_with_info()
        .unwrap();

    mock.assert();
    assert_eq!(response.status(), 201);
    let code = response.into_body();
    assert_eq!(code.recovery_code, "76453943");
    assert_eq!(
        code.recovery_link,
        "https://auth.example.com/self-service/recovery?flow=6e1f0c2a-9b8d-4c7e-a6f5-4d3c2b1a0f9e"
    );
    assert_eq!(
        code.expires_at,
        Some(ts("2026-11-23T15:02:11.381925417+01:00"))
    );
    let shown = format!("{code:?}");
    assert!(!shown.contains("76453943"), "{shown}");
}

#[test]
fn create_recovery_code_with_only_the_identity() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/admin/recovery/code")
            .json_body(json!({"identity_id": IDENTITY_ID}));
        json(then, 201, fixtures::RECOVERY_CODE);
    });

    client(&server)
        .create_recovery_code_for_identity(CreateRecoveryCodeForIdentityBody::new(uuid(
            IDENTITY_ID,
        )))
        .send()
        .unwrap();

    mock.assert();
}

#[test]
fn create_recovery_link_sends_return_to_and_the_body() {
    let server = MockServer::start();
    let return_to = "https://app.example.com/welcome back?from=recovery&lang=de";
    let mock = server.mock(|when, then| {
        let when = json_request_headers(when.method(POST).path("/admin/recovery/link"))
            .json_body(json!({"identity_id": IDENTITY_ID, "expires_in": "1500ms"}))
            .is_true(|req: &httpmock::HttpMockRequest| {
                // One query pair, its value fully escaped.
                req.uri().query()
                    == Some("return_to=https%3A%2F%2Fapp.example.com%2Fwelcome%20back%3Ffrom%3Drecovery%26lang%3Dde")
            });
        query_exactly(when, &[("return_to", return_to)]);
        json(then, 200, fixtures::RECOVERY_LINK);
    });

    let link = client(&server)
        .create_recovery_link_for_identity(
            CreateRecoveryLinkForIdentityBody::new(uuid(IDENTITY_ID))
                .expires_in(Duration::from_millis(1500)),
        )
        .return_to(return_to)
        .send()
        .unwrap();

    mock.assert();
    assert!(
        link.recovery_link
            .contains("token=Zb9FGjXqEv0pB1nnqTqXIQt3JqJxCvgv")
    );
    assert_eq!(
        link.expires_at,
        Some(ts("2026-11-23T15:02:11.381925417+01:00"))
    );
    let shown = format!("{link:?}");
    assert!(
        !shown.contains("Zb9FGjXqEv0pB1nnqTqXIQt3JqJxCvgv"),
        "{shown}"
    );
}

#[test]
fn create_recovery_link_without_return_to_sends_no_query() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = json_request_headers(when.method(POST).path("/admin/recovery/link"))
            .query_param_missing("return_to")
            .json_body(json!({"identity_id": IDENTITY_ID}));
        query_exactly(when, &[]);
        json(then, 200, fixtures::RECOVERY_LINK);
    });

    client(&server)
        .create_recovery_link_for_identity(CreateRecoveryLinkForIdentityBody::new(uuid(
            IDENTITY_ID,
        )))
        .send()
        .unwrap();

    mock.assert();
}

// ---------------------------------------------------------------- test login flow

#[test]
fn create_test_login_flow() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        let when = json_request_headers(when.method(POST).path("/admin/test-login-flows"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .json_body(json!({"provider_id": "google"}));
        query_exactly(when, &[]);
        json(then, 201, fixtures::LOGIN_FLOW_TEST);
    });

    let flow = client(&server)
        .create_test_login_flow(CreateTestLoginFlowBody::new("google"))
        .send()
        .unwrap();

    mock.assert();
    assert_eq!(flow.id, uuid("2f8f1f6e-1c55-4b1d-9b39-7d2a8e0f6a11"));
    assert_eq!(flow.flow_type.as_deref(), Some("browser"));
    assert_eq!(
        flow.request_url,
        "https://my-slug.projects.oryapis.com/self-service/login/browser"
    );
    assert_eq!(flow.active.as_deref(), Some("oidc"));
    assert_eq!(flow.organization_id, None);
    assert_eq!(flow.requested_aal, Some(AuthenticatorAssuranceLevel::Aal1));
    assert_eq!(flow.state, json!("choose_method"));
    assert_eq!(flow.ui["nodes"][0]["attributes"]["value"], "google");
    assert_eq!(flow.test_context, Some(json!({"provider_id": "google"})));
    assert_eq!(
        flow.expires_at,
        Some(ts("2026-11-23T15:00:00.123456+01:00"))
    );
}
