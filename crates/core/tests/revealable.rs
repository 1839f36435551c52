//! Keys that can be viewed again: what the store file holds for them, and what it takes
//! to open it.

mod common;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use common::{key, ADMIN_PW};
use latchkey_core::*;
use time::Duration;

/// What the store file holds for one revealable key and its account.
struct Stored {
    account_id: i64,
    dek_salt: Vec<u8>,
    dek_wrapped: Vec<u8>,
    dek_kdf: String,
    secret_ct: Option<Vec<u8>>,
}

fn stored(w: &common::World, id: &KeyId) -> Stored {
    let mut row = w
        .raw()
        .row_bytes(
            "SELECT a.id, a.dek_salt, a.dek_wrapped, a.dek_kdf, k.secret_ct
             FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.id = ?1",
            &[latchkey_testkit::raw::P::Text(&id.0)],
            5,
        )
        .into_iter();
    let mut next = || row.next().flatten();
    let text = |b: Option<Vec<u8>>| String::from_utf8(b.unwrap_or_default()).unwrap();
    Stored {
        account_id: text(next()).parse().unwrap(),
        dek_salt: next().unwrap(),
        dek_wrapped: next().unwrap(),
        dek_kdf: text(next()),
        secret_ct: next(),
    }
}

fn open(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    let (nonce, ct) = sealed.split_at(24);
    XChaCha20Poly1305::new(key.into())
        .decrypt(&XNonce::try_from(nonce).unwrap(), Payload { msg: ct, aad })
        .ok()
}

/// Opens a stored key secret from the raw columns alone, as the documented scheme says
/// (argon2id over the password and `dek_salt` gives the key that unwraps the account's
/// data key; that key opens `secret_ct`). Written here independently of the crate, so the
/// test checks the scheme the file follows, not the crate against itself.
fn open_with_password(s: &Stored, key_id: &KeyId, password: &str) -> Option<String> {
    let p: Vec<u32> = s.dek_kdf.split(',').map(|x| x.parse().unwrap()).collect();
    let params = argon2::Params::new(p[0], p[1], p[2], Some(32)).unwrap();
    let mut kek = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(password.as_bytes(), &s.dek_salt, &mut kek)
        .unwrap();
    let dek_aad = format!("latchkey/dek/v1/account/{}", s.account_id);
    let dek: [u8; 32] = open(&kek, &s.dek_wrapped, dek_aad.as_bytes())?
        .try_into()
        .unwrap();
    let secret_aad = format!("latchkey/key/v1/{key_id}");
    let plain = open(&dek, s.secret_ct.as_ref()?, secret_aad.as_bytes())?;
    Some(String::from_utf8(plain).unwrap())
}

/// The ciphertext in the file opens with the account's password and with nothing else.
#[test]
fn a_stored_secret_opens_with_the_password_and_not_with_a_wrong_one() {
    let w = common::world();
    let s = w.admin();
    let mut nk = key("viewable", &["keys:read"]);
    nk.revealable = true;
    let k = w.lk.create_key(&s, &nk).unwrap();
    let row = stored(&w, &k.key.id);
    let ct = row.secret_ct.as_ref().unwrap();
    let plain = k.secret.expose().as_bytes();
    assert!(!ct.windows(plain.len()).any(|win| win == plain));

    assert_eq!(
        open_with_password(&row, &k.key.id, ADMIN_PW).as_deref(),
        Some(k.secret.expose()),
        "the positive control: the scheme is read right"
    );
    for wrong in [
        "",
        "correct horse battery stapl",
        "Correct horse battery staple",
    ] {
        assert_eq!(
            open_with_password(&row, &k.key.id, wrong),
            None,
            "{wrong:?}"
        );
    }
    // Bound to its key: the same ciphertext under another key's id does not open.
    let other = w.lk.create_key(&s, &key("other", &[])).unwrap();
    assert_eq!(open_with_password(&row, &other.key.id, ADMIN_PW), None);

    // After an administrator's reset of the password, neither the old nor the new
    // password opens anything: the ciphertext is gone.
    let bob = w.user("bob", &[]);
    let mut nk = key("bob's", &[]);
    nk.revealable = true;
    let bk = w.lk.create_key(&bob, &nk).unwrap();
    w.lk.reset_password(&s, "bob", &Password::new("a brand new passphrase"))
        .unwrap();
    let row = stored(&w, &bk.key.id);
    assert!(row.secret_ct.is_none());
    assert!(w.lk.verify(bk.secret.expose()).unwrap().valid);
}

/// A regenerated key's plaintext is never viewable again, so its ciphertext is not kept,
/// even while the old key still works during its grace period.
#[test]
fn regenerating_a_viewable_key_drops_the_old_ciphertext() {
    let w = common::world();
    let s = w.admin();
    let mut nk = key("viewable", &[]);
    nk.revealable = true;
    let old = w.lk.create_key(&s, &nk).unwrap();
    let new = w.lk.regenerate_key(&s, &old.key.id, Grace::Hour1).unwrap();

    assert!(stored(&w, &old.key.id).secret_ct.is_none());
    let row = stored(&w, &new.key.id);
    assert_eq!(
        open_with_password(&row, &new.key.id, ADMIN_PW).as_deref(),
        Some(new.secret.expose())
    );
    assert!(
        w.lk.verify(old.secret.expose()).unwrap().valid,
        "grace period"
    );
    let info = w.lk.key(&s, &old.key.id).unwrap();
    assert!(info.revealable && !info.viewable);
    let e = w.lk.reveal_key(&s, &old.key.id).unwrap_err();
    assert_eq!(e.code(), "conflict");
    assert!(e.to_string().contains("regenerated"), "{e}");
    assert_eq!(
        w.lk.reveal_key(&s, &new.key.id).unwrap().expose(),
        new.secret.expose()
    );
    w.clock.advance(Duration::hours(1));
    assert_eq!(
        w.lk.verify(old.secret.expose()).unwrap().reason,
        Reason::Revoked
    );
}
