//! The OpenAPI document is generated from the code and checked in as `openapi.json`, so
//! that every change to the API shows in review. After an intended change:
//!
//!     UPDATE_OPENAPI=1 cargo test -p latchkey-api --test openapi

mod common;

use std::path::Path;

fn checked_in() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

#[tokio::test(flavor = "multi_thread")]
async fn served_document_matches_the_checked_in_one() {
    let s = common::server().await;
    let r = s
        .http
        .get(format!("{}/openapi.json", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let served = r.text().await.unwrap();
    assert_eq!(served, latchkey_api::openapi_json(), "served = generated");

    let path = checked_in();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &served).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == served,
        "{} differs from the API the code serves. If the change is intended, run\n\
         UPDATE_OPENAPI=1 cargo test -p latchkey-api --test openapi\n\
         and commit the new file.",
        path.display()
    );
}

#[test]
fn document_is_openapi_3_1_with_every_endpoint() {
    let doc: serde_json::Value = serde_json::from_str(&latchkey_api::openapi_json()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let ops: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    for want in [
        "POST /v1/auth",
        "GET /v1/account",
        "GET /v1/account/keys",
        "POST /v1/account/keys",
        "PATCH /v1/account/keys/{id}",
        "DELETE /v1/account/keys/{id}",
        "POST /v1/account/keys/{id}/regenerate",
        "POST /v1/keys/verify",
    ] {
        assert!(ops.iter().any(|o| o == want), "{want} missing from {ops:?}");
    }
    assert_eq!(ops.len(), 8, "{ops:?}");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["api_key"]["in"], "header");
    assert_eq!(schemes["api_key"]["name"], "X-API-Key");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
}

#[test]
fn every_operation_documents_what_the_server_itself_refuses() {
    let doc: serde_json::Value = serde_json::from_str(&latchkey_api::openapi_json()).unwrap();
    let shared = &doc["components"]["responses"];
    for (status, name) in [
        ("408", "RequestTimeout"),
        ("414", "UriTooLong"),
        ("431", "HeadTooLarge"),
        ("500", "InternalError"),
        ("503", "StoreUnavailable"),
    ] {
        let r = &shared[name];
        assert!(r["description"].is_string(), "{name}");
        assert_eq!(
            r["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorResponse",
            "{name} is an error in JSON"
        );
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let has_body = op.get("requestBody").is_some();
                if status == "408" && !has_body {
                    continue;
                }
                assert!(
                    op["responses"][status].is_object(),
                    "{method} {path} does not document {status}"
                );
            }
        }
    }
    assert!(shared["StoreUnavailable"]["headers"]["Retry-After"].is_object());
}
