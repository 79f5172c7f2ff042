//! Identity schemas: get by id and by its base64url form, the 404, and the
//! admin port's redirect to the public one.

use crate::backend::{backends, schemas};

#[test]
fn get_each_schema_by_id_and_by_base64() {
    for b in backends() {
        for (id, schema) in schemas() {
            let got = b
                .admin
                .get_identity_schema(id)
                .send()
                .unwrap_or_else(|e| panic!("{b:?}: {id}: {e}"));
            assert_eq!(got, schema, "{b:?}: {id}");
            let encoded = base64url(id);
            let got = b
                .admin
                .get_identity_schema(&encoded)
                .send()
                .unwrap_or_else(|e| panic!("{b:?}: {encoded}: {e}"));
            assert_eq!(got, schema, "{b:?}: {id} as {encoded}");
        }
        let err = b
            .admin
            .get_identity_schema("no-such-schema")
            .send()
            .unwrap_err();
        assert!(err.is_not_found(), "{b:?}: {err}");
        let containers = b.admin.list_identity_schemas().send().unwrap();
        let (id, schema) = &schemas()[0];
        assert_eq!(containers.as_slice()[0].id, *id, "{b:?}");
        assert_eq!(containers.as_slice()[0].schema, *schema, "{b:?}");
    }
}

#[test]
fn the_admin_port_redirects_schemas_to_the_public_port() {
    for b in backends() {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let response = agent
            .get(format!("{}/schemas/default", b.admin.base_url()))
            .call()
            .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        assert_eq!(response.status().as_u16(), 307, "{b:?}");
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default();
        assert_eq!(
            location,
            format!("{}/schemas/default", b.public_url),
            "{b:?}"
        );
    }
}

fn base64url(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}
