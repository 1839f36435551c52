//! The JSON API, end to end: a real server on an ephemeral port, a real HTTP client.

mod common;

use common::*;
use latchkey_core::{Clock, PolicyUpdate};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::Duration;

// ---------------------------------------------------------------- verification

#[tokio::test(flavor = "multi_thread")]
async fn verify_reports_each_reason() {
    let s = server().await;
    let (user, key, id) = s.user_with_key("ada");

    let v = s.verify(&key).await;
    assert_eq!(v["valid"], true);
    assert_eq!(v["reason"], "valid");
    assert_eq!(v["account"], "ada");
    assert_eq!(v["environment"], "live");
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        v["permissions"],
        json!(["account:read", "account:write", "keys:read", "keys:write"])
    );
    // Exactly the SPEC's fields; never the key or its id.
    let mut fields: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "account",
            "environment",
            "expires_at",
            "permissions",
            "reason",
            "valid"
        ]
    );

    let v = s.verify("lk_live_not-a-key").await;
    assert_eq!(
        (v["valid"].clone(), v["reason"].clone()),
        (json!(false), json!("malformed"))
    );
    assert_eq!(v["account"], Value::Null);
    assert_eq!(v["permissions"], json!([]));

    let unknown = latchkey_core::keyformat::generate(latchkey_core::KeyKind::Live).unwrap();
    assert_eq!(s.verify(&unknown).await["reason"], "not_found");

    // A key of an account whose permissions shrink loses them at once.
    let admin = s.admin();
    s.lk.set_group_permissions(&admin, "ada-group", &["keys:read".to_string()])
        .unwrap();
    assert_eq!(s.verify(&key).await["permissions"], json!(["keys:read"]));

    s.lk.set_disabled(&admin, "ada", true).unwrap();
    let v = s.verify(&key).await;
    assert_eq!(
        (v["valid"].clone(), v["reason"].clone()),
        (json!(false), json!("account_disabled"))
    );
    assert_eq!(v["permissions"], json!([]));
    s.lk.set_disabled(&admin, "ada", false).unwrap();

    s.lk.revoke_key(&user, &latchkey_core::KeyId(id)).unwrap();
    assert_eq!(s.verify(&key).await["reason"], "revoked");

    let (short, _) = s.key(&user, "short", &[], Some(7));
    assert_eq!(s.verify(&short).await["reason"], "valid");
    s.advance(Duration::days(7) + Duration::seconds(1));
    let v = s.verify(&short).await;
    assert_eq!(
        (v["valid"].clone(), v["reason"].clone()),
        (json!(false), json!("expired"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_refuses_bad_bodies() {
    let s = server().await;
    let post = || s.req(Method::POST, "/v1/keys/verify");

    let r = post().send().await.unwrap();
    let e = expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    assert!(e["message"].as_str().unwrap().contains("body"), "{e}");

    let r = post().json(&json!({})).send().await.unwrap();
    let e = expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("missing field `key`"),
        "{e}"
    );

    let r = post().json(&json!({ "key": 42 })).send().await.unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;

    let r = post()
        .json(&json!({ "key": "lk_x", "extra": 1 }))
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    assert!(
        e["message"].as_str().unwrap().contains("unknown field"),
        "{e}"
    );

    let r = post()
        .header("content-type", "application/json")
        .body("{\"key\": ")
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    assert!(
        e["message"].as_str().unwrap().contains("not valid JSON"),
        "{e}"
    );

    let r = post()
        .header("content-type", "application/json")
        .body("{\"key\": \"lk_live_x\"} {}")
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    assert!(
        e["message"].as_str().unwrap().contains("not valid JSON"),
        "{e}"
    );

    // A form post, as a web page could send without a preflight, is refused.
    let r = post()
        .header("content-type", "text/plain")
        .body("{\"key\": \"lk_live_x\"}")
        .send()
        .await
        .unwrap();
    expect_error(
        r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_value_is_never_echoed() {
    let s = server().await;
    let secret = "lk_live_SECRETSECRETSECRET";
    for body in [
        json!({ "key": [secret] }),
        json!({ "key": { "k": secret } }),
    ] {
        let r = s
            .req(Method::POST, "/v1/keys/verify")
            .json(&body)
            .send()
            .await
            .unwrap();
        let text = r.text().await.unwrap();
        assert!(!text.contains("SECRET"), "{text}");
    }
}

// ---------------------------------------------------------------- keys in headers

#[tokio::test(flavor = "multi_thread")]
async fn account_with_either_header() {
    let s = server().await;
    let (_, key, id) = s.user_with_key("ada");

    for r in [
        s.with_key(Method::GET, "/v1/account", &key),
        s.req(Method::GET, "/v1/account").bearer_auth(&key),
        s.req(Method::GET, "/v1/account")
            .header("authorization", format!("bearer {key}")),
    ] {
        let v = ok_json(r.send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(v["account"]["username"], "ada");
        assert_eq!(v["account"]["email"], "ada@example.org");
        assert_eq!(v["account"]["is_admin"], false);
        assert_eq!(v["account"]["groups"], json!(["ada-group"]));
        assert_eq!(v["key_id"], id.as_str());
        assert_eq!(
            v["permissions"],
            json!(["account:read", "account:write", "keys:read", "keys:write"])
        );
        assert!(!v.to_string().contains(&key));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_invalid_expired_revoked_and_disabled_keys() {
    let s = server().await;
    let (user, key, id) = s.user_with_key("ada");

    let r = s.req(Method::GET, "/v1/account").send().await.unwrap();
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"latchkey\"");
    expect_error(r, StatusCode::UNAUTHORIZED, "missing_key").await;

    let r = s
        .req(Method::GET, "/v1/account")
        .header("authorization", format!("Basic {key}"))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::UNAUTHORIZED, "missing_key").await;

    let r = s
        .with_key(Method::GET, "/v1/account", "")
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::UNAUTHORIZED, "missing_key").await;

    let r = s
        .with_key(Method::GET, "/v1/account", "lk_live_garbage")
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::UNAUTHORIZED, "invalid_key").await;
    assert!(e["message"].as_str().unwrap().contains("malformed"), "{e}");

    let unknown = latchkey_core::keyformat::generate(latchkey_core::KeyKind::Test).unwrap();
    let r = s
        .with_key(Method::GET, "/v1/account", &unknown)
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::UNAUTHORIZED, "invalid_key").await;
    assert!(e["message"].as_str().unwrap().contains("not found"), "{e}");

    let admin = s.admin();
    s.lk.set_disabled(&admin, "ada", true).unwrap();
    let r = s
        .with_key(Method::GET, "/v1/account", &key)
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::UNAUTHORIZED, "invalid_key").await;
    assert!(
        e["message"].as_str().unwrap().contains("account disabled"),
        "{e}"
    );
    s.lk.set_disabled(&admin, "ada", false).unwrap();

    let (short, _) = s.key(&user, "short", &["account:read"], Some(7));
    let r = s
        .with_key(Method::GET, "/v1/account", &short)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.advance(Duration::days(8));
    let r = s
        .with_key(Method::GET, "/v1/account", &short)
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::UNAUTHORIZED, "invalid_key").await;
    assert!(e["message"].as_str().unwrap().contains("expired"), "{e}");

    s.lk.revoke_key(&user, &latchkey_core::KeyId(id)).unwrap();
    let r = s
        .with_key(Method::GET, "/v1/account/keys", &key)
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::UNAUTHORIZED, "invalid_key").await;
    assert!(e["message"].as_str().unwrap().contains("revoked"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn permissions_bound_what_a_key_may_do() {
    let s = server().await;
    let all = ["account:read", "account:write", "keys:read", "keys:write"];
    let user = s.user("ada", &all);
    let (none, _) = s.key(&user, "none", &[], Some(30));
    let (read, _) = s.key(&user, "read", &["keys:read"], Some(30));
    let (_, target) = s.key(&user, "target", &[], Some(30));

    let r = s
        .with_key(Method::GET, "/v1/account", &none)
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(
        e["message"].as_str().unwrap().contains("account:read"),
        "{e}"
    );

    let r = s
        .with_key(Method::GET, "/v1/account/keys", &none)
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(e["message"].as_str().unwrap().contains("keys:read"), "{e}");

    let r = s
        .with_key(Method::GET, "/v1/account/keys", &read)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let writes = [
        s.with_key(Method::POST, "/v1/account/keys", &read)
            .json(&json!({ "name": "new" })),
        s.with_key(Method::PATCH, &format!("/v1/account/keys/{target}"), &read)
            .json(&json!({ "name": "renamed" })),
        s.with_key(Method::DELETE, &format!("/v1/account/keys/{target}"), &read),
    ];
    for w in writes {
        let e = expect_error(w.send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;
        assert!(e["message"].as_str().unwrap().contains("keys:write"), "{e}");
    }
    // Nothing changed.
    let list = ok_json(
        s.with_key(Method::GET, "/v1/account/keys", &read)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["keys"].as_array().unwrap().len(), 3);

    // Even the account key is a key: no administration through it. (Its holder is an
    // administrator, so it can do everything a key can.)
    let r = s
        .with_key(Method::GET, "/v1/account", &s.admin_key)
        .send()
        .await
        .unwrap();
    let v = ok_json(r, StatusCode::OK).await;
    assert_eq!(v["account"]["is_admin"], true);
}

/// What a key may do is its own permissions intersected with its account's *now*: a
/// group that loses `keys:write` takes it from every member's keys at once.
#[tokio::test(flavor = "multi_thread")]
async fn management_follows_the_effective_permissions() {
    let s = server().await;
    let (ada, key, _) = s.user_with_key("ada");
    let (_, target) = s.key(&ada, "target", &["keys:read"], Some(30));
    let admin = s.admin();
    s.lk.set_group_permissions(
        &admin,
        "ada-group",
        &["account:read".into(), "keys:read".into()],
    )
    .unwrap();

    let writes = [
        s.with_key(Method::POST, "/v1/account/keys", &key)
            .json(&json!({ "name": "new", "permissions": ["keys:read"] })),
        s.with_key(Method::PATCH, &format!("/v1/account/keys/{target}"), &key)
            .json(&json!({ "name": "renamed" })),
        s.with_key(Method::DELETE, &format!("/v1/account/keys/{target}"), &key),
    ];
    for w in writes {
        let e = expect_error(w.send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;
        assert!(e["message"].as_str().unwrap().contains("keys:write"), "{e}");
    }
    let v = ok_json(
        s.with_key(Method::GET, "/v1/account", &key)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["permissions"], json!(["account:read", "keys:read"]));
    let verdict = s.verify(&key).await;
    assert_eq!(verdict["permissions"], json!(["account:read", "keys:read"]));
    // Nothing was written: still the two keys, the target neither renamed nor revoked.
    let list = ok_json(
        s.with_key(Method::GET, "/v1/account/keys", &key)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let keys = list["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let t = keys.iter().find(|k| k["id"] == target.as_str()).unwrap();
    assert_eq!(
        (t["name"].as_str(), t["status"].as_str()),
        (Some("target"), Some("active"))
    );

    // Given back, it works again at once.
    s.lk.set_group_permissions(
        &admin,
        "ada-group",
        &[
            "account:read".into(),
            "keys:read".into(),
            "keys:write".into(),
        ],
    )
    .unwrap();
    let r = s
        .with_key(Method::DELETE, &format!("/v1/account/keys/{target}"), &key)
        .send()
        .await
        .unwrap();
    assert_eq!(ok_json(r, StatusCode::OK).await["status"], "revoked");
}

// ---------------------------------------------------------------- key management

#[tokio::test(flavor = "multi_thread")]
async fn create_list_edit_revoke() {
    let s = server().await;
    let (_, key, own_id) = s.user_with_key("ada");

    let r = s
        .with_key(Method::POST, "/v1/account/keys", &key)
        .json(&json!({
            "name": "ci deploy",
            "permissions": ["keys:read"],
            "environment": "test",
            "expires": "7d"
        }))
        .send()
        .await
        .unwrap();
    let created = ok_json(r, StatusCode::CREATED).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("lk_test_"), "{secret}");
    let k = &created["key"];
    let id = k["id"].as_str().unwrap().to_owned();
    assert_eq!(k["name"], "ci deploy");
    assert_eq!(k["environment"], "test");
    assert_eq!(k["permissions"], json!(["keys:read"]));
    // A key made to live 7 days is flagged only in its last quarter.
    assert_eq!(k["status"], "active");
    assert_eq!(k["account"], "ada");
    assert_eq!(k["revealable"], false);
    assert_eq!(
        k["hint"],
        format!("lk_test_…{}", &secret[secret.len() - 4..])
    );
    let v = s.verify(&secret).await;
    assert_eq!(
        (v["valid"].clone(), v["environment"].clone()),
        (json!(true), json!("test"))
    );

    // Defaults: live, 30 days, no permissions.
    let r = s
        .with_key(Method::POST, "/v1/account/keys", &key)
        .json(&json!({ "name": "plain" }))
        .send()
        .await
        .unwrap();
    let plain = ok_json(r, StatusCode::CREATED).await;
    assert_eq!(plain["key"]["environment"], "live");
    assert_eq!(plain["key"]["permissions"], json!([]));
    assert_eq!(plain["key"]["status"], "active");

    // The list: every key, newest first, and never a secret.
    let r = s
        .with_key(Method::GET, "/v1/account/keys", &key)
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(!text.contains(&secret) && !text.contains(&key));
    let list: Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["plain", "ci deploy", "ada key"]);

    // Edit: rename and change permissions (bounded by the presenting key's).
    let path = format!("/v1/account/keys/{id}");
    let r = s
        .with_key(Method::PATCH, &path, &key)
        .json(&json!({ "name": "ci deploy 2", "permissions": ["keys:read", "account:read"] }))
        .send()
        .await
        .unwrap();
    let edited = ok_json(r, StatusCode::OK).await;
    assert_eq!(edited["name"], "ci deploy 2");
    assert_eq!(edited["permissions"], json!(["account:read", "keys:read"]));
    assert!(!edited.to_string().contains(&secret));
    let r = s
        .with_key(Method::PATCH, &path, &key)
        .json(&json!({ "permissions": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok_json(r, StatusCode::OK).await["permissions"], json!([]));

    // Revoke: gone at once; a second time is a conflict.
    let r = s
        .with_key(Method::DELETE, &path, &key)
        .send()
        .await
        .unwrap();
    let revoked = ok_json(r, StatusCode::OK).await;
    assert_eq!(revoked["status"], "revoked");
    assert!(revoked["revoked_at"].is_string());
    assert_eq!(s.verify(&secret).await["reason"], "revoked");
    let r = s
        .with_key(Method::DELETE, &path, &key)
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::CONFLICT, "conflict").await;
    let r = s
        .with_key(Method::PATCH, &path, &key)
        .json(&json!({ "name": "again" }))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::CONFLICT, "conflict").await;

    // A key can revoke itself; after that it is refused.
    let r = s
        .with_key(Method::DELETE, &format!("/v1/account/keys/{own_id}"), &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .with_key(Method::GET, "/v1/account/keys", &key)
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::UNAUTHORIZED, "invalid_key").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_and_edit_refusals() {
    let s = server().await;
    let user = s.user("ada", &["account:read", "keys:read", "keys:write"]);
    let (key, _) = s.key(&user, "narrow", &["keys:read", "keys:write"], Some(30));
    let (_, other_id) = s.key(&user, "other", &[], Some(30));
    let create = |body: Value| {
        s.with_key(Method::POST, "/v1/account/keys", &key)
            .json(&body)
            .send()
    };

    // A permission the presenting key lacks (though the account has it), one the account
    // lacks, and one that does not exist: each refused by name.
    for (perm, words) in [
        ("account:read", "account:read"),
        ("account:write", "account:write"),
        ("samples:read", "unknown permission samples:read"),
        ("nonsense", "resource:action"),
    ] {
        let r = create(json!({ "name": "x", "permissions": [perm] }))
            .await
            .unwrap();
        let e = expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
        assert_eq!(e["field"], "permissions");
        assert!(e["message"].as_str().unwrap().contains(words), "{e}");
    }

    for (body, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (json!({ "name": "narrow" }), "name"),
        (json!({ "name": "x", "expires": "45d" }), "expiry"),
        (json!({ "name": "x", "expires": "2001-01-01" }), "expiry"),
    ] {
        let r = create(body.clone()).await.unwrap();
        let e = expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
        assert_eq!(e["field"], field, "{body}: {e}");
    }
    for body in [
        json!({ "name": "x", "environment": "prod" }),
        json!({ "name": "x", "revealable": true }),
        json!({ "name": "x", "expiry": "7d" }),
        json!({ "permissions": [] }),
        json!([]),
    ] {
        let r = create(body.clone()).await.unwrap();
        expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    }

    // The policy's limit on active keys is a conflict with the store's state.
    let admin = s.admin();
    s.lk.set_policy(
        &admin,
        &PolicyUpdate {
            max_active_keys: Some(Some(2)),
            ..Default::default()
        },
    )
    .unwrap();
    let r = create(json!({ "name": "third" })).await.unwrap();
    expect_error(r, StatusCode::CONFLICT, "policy_violation").await;

    // Edits: nothing to change, bad ids, someone else's key, an unknown key.
    let edit = |id: &str, body: Value| {
        s.with_key(Method::PATCH, &format!("/v1/account/keys/{id}"), &key)
            .json(&body)
            .send()
    };
    let r = edit(&other_id, json!({})).await.unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    let r = edit("short", json!({ "name": "y" })).await.unwrap();
    let e = expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    assert_eq!(e["field"], "key id");
    let r = edit(&other_id, json!({ "name": "narrow" })).await.unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    let r = edit(&other_id, json!({ "permissions": ["account:read"] }))
        .await
        .unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    let r = edit("0000000000000000", json!({ "name": "y" }))
        .await
        .unwrap();
    expect_error(r, StatusCode::NOT_FOUND, "not_found").await;

    let bob = s.user("bob", &["keys:read"]);
    let (_, bobs) = s.key(&bob, "bob's", &[], Some(30));
    let r = edit(&bobs, json!({ "name": "mine now" })).await.unwrap();
    expect_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = s
        .with_key(Method::DELETE, &format!("/v1/account/keys/{bobs}"), &key)
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::NOT_FOUND, "not_found").await;

    // The account key cannot be revoked, only reset in the app.
    let admin_keys = s.lk.account_key(&admin).unwrap();
    let r = s
        .with_key(
            Method::DELETE,
            &format!("/v1/account/keys/{}", admin_keys.id),
            &s.admin_key,
        )
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(s.verify(&s.admin_key).await["valid"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn regenerate_needs_step_up() {
    let s = server().await;
    let (_, key, id) = s.user_with_key("ada");
    let path = format!("/v1/account/keys/{id}/regenerate");

    for r in [
        s.with_key(Method::POST, &path, &key),
        s.with_key(Method::POST, &path, &key)
            .json(&json!({ "grace": "1h" })),
        s.with_key(Method::POST, &path, &key).json(&Value::Null),
    ] {
        let e = expect_error(
            r.send().await.unwrap(),
            StatusCode::FORBIDDEN,
            "step_up_required",
        )
        .await;
        assert!(
            e["message"].as_str().unwrap().contains("confirm it's you"),
            "{e}"
        );
    }
    let r = s
        .with_key(Method::POST, &path, &key)
        .json(&json!({ "grace": "2h" }))
        .send()
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    assert!(
        e["message"].as_str().unwrap().starts_with("body.grace"),
        "{e}"
    );
    // Nothing was rolled: the key still works.
    assert_eq!(s.verify(&key).await["valid"], true);
    let r = s.req(Method::POST, &path).send().await.unwrap();
    expect_error(r, StatusCode::UNAUTHORIZED, "missing_key").await;
}

// ---------------------------------------------------------------- /v1/auth

#[tokio::test(flavor = "multi_thread")]
async fn auth_gives_account_and_the_admins_account_key() {
    let s = server().await;
    let r = s
        .req(Method::POST, "/v1/auth")
        .json(&json!({ "login": "admin", "password": ADMIN_PW }))
        .send()
        .await
        .unwrap();
    let v = ok_json(r, StatusCode::OK).await;
    assert_eq!(v["account"]["username"], "admin");
    assert_eq!(v["account"]["is_admin"], true);
    assert_eq!(v["account_key"], s.admin_key.as_str());
    assert!(!v.to_string().contains(ADMIN_PW));

    s.user("ada", &["keys:read"]);
    let r = s
        .req(Method::POST, "/v1/auth")
        .json(&json!({ "login": "ADA@example.org", "password": USER_PW }))
        .send()
        .await
        .unwrap();
    let v = ok_json(r, StatusCode::OK).await;
    assert_eq!(v["account"]["username"], "ada");
    assert_eq!(v["account_key"], Value::Null);

    // The audit log has the sign-ins and the account key's viewing.
    let events =
        s.lk.audit(&s.admin(), &latchkey_core::AuditFilter::default())
            .unwrap();
    assert!(events.iter().any(|e| e.action == "key.viewed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_takes_an_email_or_a_username_instead_of_login() {
    let s = server().await;
    s.user("ada", &[]);
    let auth = |body: Value| s.req(Method::POST, "/v1/auth").json(&body).send();
    for body in [
        json!({ "email": "ada@example.org", "password": USER_PW }),
        json!({ "username": "ada", "password": USER_PW }),
        json!({ "login": "ada", "password": USER_PW }),
    ] {
        let v = ok_json(auth(body.clone()).await.unwrap(), StatusCode::OK).await;
        assert_eq!(v["account"]["username"], "ada", "{body}");
    }
    // Each wrong shape names the field and the rule.
    for (body, field, rule) in [
        (json!({ "password": USER_PW }), "login", "required"),
        (
            json!({ "username": "ada", "email": "ada@example.org", "password": USER_PW }),
            "login",
            "only one",
        ),
        (
            json!({ "email": "ada", "password": USER_PW }),
            "email",
            "email address",
        ),
    ] {
        let e = expect_error(
            auth(body.clone()).await.unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        )
        .await;
        assert_eq!(e["field"], field, "{body}");
        assert!(e["message"].as_str().unwrap().contains(rule), "{body}: {e}");
    }
    // A wrong password by email is the same refusal as by username.
    let r = auth(json!({ "email": "ada@example.org", "password": "not the one" }))
        .await
        .unwrap();
    expect_error(r, StatusCode::UNAUTHORIZED, "bad_credentials").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_refusals_and_throttling() {
    let s = server().await;
    s.user("ada", &[]);
    let auth = |login: &str, pw: &str| {
        s.req(Method::POST, "/v1/auth")
            .json(&json!({ "login": login, "password": pw }))
            .send()
    };

    let r = auth("nobody", "whatever").await.unwrap();
    let e = expect_error(r, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    assert!(!e.to_string().contains("whatever"));
    let r = auth("  ", "whatever").await.unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;
    let r = s
        .req(Method::POST, "/v1/auth")
        .json(&json!({ "login": "ada" }))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_input").await;

    // Five failures are free; then each try must wait, growing.
    for _ in 0..5 {
        let r = auth("ada", "wrong password").await.unwrap();
        expect_error(r, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    let r = auth("ada", USER_PW).await.unwrap();
    assert_eq!(r.headers()["retry-after"], "30");
    let e = expect_error(r, StatusCode::TOO_MANY_REQUESTS, "throttled").await;
    assert_eq!(e["retry_after_secs"], 30);
    // Even the right password waits.
    s.advance(Duration::seconds(31));
    let r = auth("ada", "wrong again").await.unwrap();
    expect_error(r, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    let r = auth("ada", USER_PW).await.unwrap();
    assert_eq!(r.headers()["retry-after"], "60");
    expect_error(r, StatusCode::TOO_MANY_REQUESTS, "throttled").await;
    s.advance(Duration::seconds(61));
    let r = auth("ada", USER_PW).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A disabled account is told so (after the password proves who is asking).
    let admin = s.admin();
    s.lk.set_disabled(&admin, "ada", true).unwrap();
    let r = auth("ada", USER_PW).await.unwrap();
    expect_error(r, StatusCode::FORBIDDEN, "account_disabled").await;

    let events =
        s.lk.audit(&admin, &latchkey_core::AuditFilter::default())
            .unwrap();
    assert!(events
        .iter()
        .any(|e| e.action == "sign_in" && e.outcome == "throttled"));
}

// ---------------------------------------------------------------- the HTTP guards

#[tokio::test(flavor = "multi_thread")]
async fn only_localhost_hosts_are_served() {
    let s = server().await;
    let port = s.addr.port();
    for host in [
        "localhost".to_string(),
        format!("localhost:{port}"),
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{port}"),
    ] {
        let r = s
            .req(Method::GET, "/openapi.json")
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{host}");
    }
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("[::1]:{port}"),
        // Loopback names, but another port: not this server's address.
        format!("localhost:{}", port.wrapping_add(1)),
        format!("127.0.0.1:{}", port.wrapping_sub(1)),
        "localhost:80".to_string(),
    ] {
        let r = s
            .req(Method::POST, "/v1/keys/verify")
            .header("host", &host)
            .json(&json!({ "key": s.admin_key }))
            .send()
            .await
            .unwrap();
        let e = expect_error(r, StatusCode::MISDIRECTED_REQUEST, "invalid_host").await;
        assert!(!e.to_string().contains("lk_acct"));
    }
    // No Host at all (HTTP/1.0), and an absolute URI naming another host.
    let text = raw(s.addr, b"GET /openapi.json HTTP/1.0\r\n\r\n").await;
    assert!(
        text.starts_with("HTTP/1.0 400") || text.starts_with("HTTP/1.1 400"),
        "{text}"
    );
    assert!(text.contains("invalid_host"), "{text}");
    let req = format!(
        "GET http://evil.example/openapi.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    );
    let text = raw(s.addr, req.as_bytes()).await;
    assert!(text.starts_with("HTTP/1.1 421"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_over_64_kib_are_refused() {
    let s = server().await;
    // Exactly at the cap is read (and, not being a key, is malformed).
    let pad = 64 * 1024 - r#"{"key":""}"#.len();
    let body = format!(r#"{{"key":"{}"}}"#, "a".repeat(pad));
    assert_eq!(body.len(), 64 * 1024);
    let r = s
        .req(Method::POST, "/v1/keys/verify")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok_json(r, StatusCode::OK).await["reason"], "malformed");

    let body = format!(r#"{{"key":"{}"}}"#, "a".repeat(pad + 1));
    let r = s
        .req(Method::POST, "/v1/keys/verify")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;

    // The cap holds on every endpoint, and without a Content-Length (chunked).
    let r = s
        .with_key(Method::POST, "/v1/auth", &s.admin_key)
        .header("content-type", "application/json")
        .body(vec![b' '; 200 * 1024])
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;
    let mut req = b"POST /v1/keys/verify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    .to_vec();
    for _ in 0..20 {
        req.extend_from_slice(format!("{:x}\r\n", 8192).as_bytes());
        req.extend_from_slice(&[b' '; 8192]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let text = raw(s.addr, &req).await;
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("body_too_large"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_cannot_be_read_is_not_called_too_large() {
    let s = server().await;
    // A chunk size that is not hexadecimal: the body breaks off, small as it is.
    let text = raw(
        s.addr,
        b"POST /v1/keys/verify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("invalid_input"), "{text}");
    assert!(text.contains("could not be read"), "{text}");
    assert!(!text.contains("body_too_large"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panic_answers_json_500_and_the_server_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let lk = std::sync::Arc::new(latchkey_core::Latchkey::open(&dir.path().join("db")).unwrap());
    let app = latchkey_api::guarded(latchkey_api::routes(lk).route(
        "/boom",
        axum::routing::get(|| async {
            panic!("a handler bug");
            #[allow(unreachable_code)]
            ""
        }),
    ));
    let listener = latchkey_api::bind(0).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(latchkey_api::serve_router(
        listener,
        app,
        std::future::pending(),
    ));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    for _ in 0..3 {
        let r = http.get(format!("{url}/boom")).send().await.unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store");
        let e = expect_error(r, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;
        assert!(!e.to_string().contains("handler bug"), "{e}");
    }
    let r = http
        .get(format!("{url}/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_cors_headers_even_when_asked() {
    let s = server().await;
    let origin = "http://evil.example";
    let preflight = s
        .req(Method::OPTIONS, "/v1/account/keys")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-api-key, content-type")
        .send()
        .await
        .unwrap();
    assert_no_cors(&preflight);
    assert_eq!(preflight.status(), StatusCode::METHOD_NOT_ALLOWED);

    for r in [
        s.with_key(Method::GET, "/v1/account/keys", &s.admin_key)
            .header("origin", origin),
        s.req(Method::POST, "/v1/keys/verify")
            .header("origin", origin)
            .json(&json!({ "key": "x" })),
        s.req(Method::GET, "/openapi.json").header("origin", "null"),
        s.req(Method::GET, "/v1/account").header("origin", origin),
    ] {
        let r = r.send().await.unwrap();
        assert_no_cors(&r);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_paths_and_methods_answer_json() {
    let s = server().await;
    let r = s.req(Method::GET, "/v2/nothing").send().await.unwrap();
    expect_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = s.req(Method::GET, "/").send().await.unwrap();
    expect_error(r, StatusCode::NOT_FOUND, "not_found").await;

    let r = s.req(Method::PUT, "/v1/account").send().await.unwrap();
    let allow = r.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET"), "{allow}");
    expect_error(r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let r = s.req(Method::GET, "/v1/keys/verify").send().await.unwrap();
    expect_error(r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serving_refuses_other_interfaces() {
    let dir = tempfile::tempdir().unwrap();
    let lk = latchkey_core::Latchkey::open(&dir.path().join("db")).unwrap();
    let any = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let e = latchkey_api::serve(any, std::sync::Arc::new(lk))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    let l = latchkey_api::bind(0).await.unwrap();
    assert!(l.local_addr().unwrap().ip().is_loopback());
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_with_mfa_needs_the_code() {
    let s = server().await;
    let ada = s.user("ada", &[]);
    let enrollment = s.lk.mfa_enroll(&ada).unwrap();
    let code_now = |s: &Server| {
        latchkey_core::mfa::code_at(
            &enrollment.secret_base32,
            s.clock.now().unix_timestamp() as u64,
        )
        .unwrap()
    };
    s.lk.mfa_confirm(&ada, &code_now(&s)).unwrap();
    s.advance(Duration::seconds(30));
    let auth = |body: Value| s.req(Method::POST, "/v1/auth").json(&body).send();

    let r = auth(json!({ "login": "ada", "password": USER_PW }))
        .await
        .unwrap();
    expect_error(r, StatusCode::UNAUTHORIZED, "mfa_required").await;
    let r = auth(json!({ "login": "ada", "password": USER_PW, "code": "" }))
        .await
        .unwrap();
    expect_error(r, StatusCode::UNAUTHORIZED, "mfa_required").await;
    let r = auth(json!({ "login": "ada", "password": USER_PW, "code": "000000x" }))
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let r = auth(json!({ "login": "ada", "password": USER_PW, "code": code_now(&s) }))
        .await
        .unwrap();
    let v = ok_json(r, StatusCode::OK).await;
    assert_eq!(v["account"]["username"], "ada");
    // A wrong password with a right code is still a wrong password.
    s.advance(Duration::seconds(30));
    let r = auth(json!({ "login": "ada", "password": "nope nope", "code": code_now(&s) }))
        .await
        .unwrap();
    expect_error(r, StatusCode::UNAUTHORIZED, "bad_credentials").await;
}
