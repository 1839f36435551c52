//! Password hashing (argon2id, PHC strings) and the password rules.

use crate::model::policy::Argon2Params;
use crate::secret::Password;
use crate::{Error, Result};
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

/// The longest password accepted, in characters. Long enough for any passphrase, short
/// enough that hashing cannot be used to burn CPU.
pub const MAX_LEN: usize = 256;

use crate::crypto::count_run;
pub use crate::crypto::{argon2_runs, argon2_runs_in_process};

fn hasher(p: Argon2Params) -> Result<Argon2<'static>> {
    let params = Params::new(p.m_kib, p.t, p.p, None)
        .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A PHC string (`$argon2id$v=19$m=…`) for `password`, with a fresh random salt.
pub fn hash(password: &Password, p: Argon2Params) -> Result<String> {
    count_run();
    hasher(p)?
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("hashing failed: {e}")))
}

/// Checks `password` against a stored PHC string, in constant time (argon2 compares
/// its outputs with `subtle`).
pub fn verify(password: &Password, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    count_run();
    Argon2::default()
        .verify_password(password.expose().as_bytes(), &parsed)
        .is_ok()
}

/// True when the stored hash is weaker than the policy asks for now.
pub fn needs_rehash(phc: &str, wanted: Argon2Params) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(have) => {
            have.m_cost() < wanted.m_kib || have.t_cost() < wanted.t || have.p_cost() < wanted.p
        }
        Err(_) => true,
    }
}

/// A PHC string to verify against when the account does not exist, so that "no such
/// user" costs what "wrong password" costs: one argon2 run with the policy's parameters.
///
/// It is assembled rather than hashed (a random salt and a random 32-byte output), so
/// making it costs no argon2 run at all, and it is kept per parameter set. No password
/// can match it short of finding an argon2 preimage of random bytes.
pub fn decoy_hash(p: Argon2Params) -> Result<String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static DECOYS: OnceLock<Mutex<HashMap<Argon2Params, String>>> = OnceLock::new();
    let decoys = DECOYS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut decoys = decoys.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(phc) = decoys.get(&p) {
        return Ok(phc.clone());
    }
    let phc = assemble_decoy(p)?;
    decoys.insert(p, phc.clone());
    Ok(phc)
}

fn assemble_decoy(p: Argon2Params) -> Result<String> {
    use argon2::password_hash::phc::{Output, ParamsString, Salt};
    let bad = |e: &dyn std::fmt::Display| Error::internal(format!("decoy hash: {e}"));
    let params = Params::new(p.m_kib, p.t, p.p, None).map_err(|e| bad(&e))?;
    let salt = crate::crypto::random_bytes::<16>()?;
    let output = crate::crypto::random_bytes::<32>()?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| bad(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| bad(&e))?),
        hash: Some(Output::new(&output).map_err(|e| bad(&e))?),
    };
    Ok(phc.to_string())
}

/// The new password and its confirmation must be the same (compared in constant time):
/// the one check every form and prompt asking twice makes.
pub fn confirm(new: &Password, again: &Password) -> Result<()> {
    use subtle::ConstantTimeEq;
    if bool::from(new.expose().as_bytes().ct_eq(again.expose().as_bytes())) {
        Ok(())
    } else {
        Err(Error::invalid(
            "confirm password",
            "does not match the new password",
        ))
    }
}

/// The password rules: length, not the username or email, not a common password.
/// Composition rules are deliberately absent (NIST SP 800-63B).
pub fn check_rules(
    field: &'static str,
    password: &Password,
    min_len: usize,
    username: &str,
    email: Option<&str>,
) -> Result<()> {
    let pw = password.expose();
    let len = pw.chars().count();
    if len < min_len {
        return Err(Error::invalid(
            field,
            format!("must be at least {min_len} characters"),
        ));
    }
    if len > MAX_LEN {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_LEN} characters"),
        ));
    }
    let lowered = pw.to_lowercase();
    if lowered == username.to_lowercase() {
        return Err(Error::invalid(
            field,
            "must not be the same as the username",
        ));
    }
    if let Some(email) = email {
        let email = email.to_lowercase();
        let local = email.split('@').next().unwrap_or_default();
        if lowered == email || (!local.is_empty() && lowered == local) {
            return Err(Error::invalid(
                field,
                "must not be the same as the email address",
            ));
        }
    }
    if is_common(pw) {
        return Err(Error::invalid(
            field,
            "is in a list of commonly used passwords; choose another",
        ));
    }
    Ok(())
}

/// True when the whole password is one entry (or a l33t/reversed form of one) of the
/// common-password list that ships with zxcvbn.
pub fn is_common(pw: &str) -> bool {
    if pw.is_empty() || pw.chars().count() > 64 {
        return false;
    }
    let entropy = zxcvbn::zxcvbn(pw, &[]);
    let seq = entropy.sequence();
    seq.len() == 1
        && matches!(
            &seq[0].pattern,
            zxcvbn::matching::patterns::MatchPattern::Dictionary(d)
                // zxcvbn does not export the dictionary enum's path; its Debug name is stable.
                if format!("{:?}", d.dictionary_name) == "Passwords"
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const P: Argon2Params = Argon2Params::OWASP;

    #[test]
    fn hashes_are_argon2id_phc_with_owasp_parameters() {
        let h = hash(&Password::new("correct horse battery staple"), P).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(&Password::new("correct horse battery staple"), &h));
        assert!(!verify(&Password::new("correct horse battery stapl"), &h));
        assert!(!needs_rehash(&h, P));
        assert!(needs_rehash(&h, Argon2Params { m_kib: 32768, ..P }));
        assert!(needs_rehash(&h, Argon2Params { t: 3, ..P }));
        assert!(!verify(&Password::new("x"), "not a phc string"));
    }

    #[test]
    fn the_decoy_is_free_to_make_costs_one_run_to_check_and_matches_nothing() {
        let p = Argon2Params {
            m_kib: 19 * 1024 + 7,
            ..P
        };
        let before = argon2_runs();
        let decoy = decoy_hash(p).unwrap();
        assert_eq!(argon2_runs(), before, "making the decoy ran argon2");
        assert!(
            decoy.starts_with("$argon2id$v=19$m=19463,t=2,p=1$"),
            "{decoy}"
        );
        assert_eq!(decoy_hash(p).unwrap(), decoy, "kept per parameter set");
        assert!(!needs_rehash(&decoy, p), "same cost as a real hash");
        assert!(!verify(
            &Password::new("latchkey-decoy-password-never-valid"),
            &decoy
        ));
        assert!(!verify(&Password::new(""), &decoy));
        assert_eq!(argon2_runs(), before + 2);
        assert_ne!(decoy_hash(P).unwrap(), decoy);
    }

    #[rstest]
    #[case("short", "must be at least 8 characters")]
    #[case("alice-wonder", "must not be the same as the username")]
    #[case("ALICE-WONDER", "must not be the same as the username")]
    #[case("alice@example.org", "must not be the same as the email address")]
    #[case("password123", "commonly used")]
    #[case("qwertyuiop", "commonly used")]
    #[case("P@ssw0rd", "commonly used")]
    fn refused_passwords_say_why(#[case] pw: &str, #[case] why: &str) {
        let err = check_rules(
            "password",
            &Password::new(pw),
            8,
            "alice-wonder",
            Some("alice@example.org"),
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        let msg = err.to_string();
        assert!(msg.starts_with("password: "), "{msg}");
        assert!(msg.contains(why), "{msg}");
        assert!(
            !msg.contains(pw) || pw == "short",
            "the message must not echo the password: {msg}"
        );
    }

    #[rstest]
    #[case("correct horse battery staple")]
    #[case("tr0ub4dor&3-but-longer")]
    #[case("пароль-который-длинный")]
    #[case("🔑🔑🔑🔑🔑🔑🔑🔑")]
    fn good_passwords_pass(#[case] pw: &str) {
        check_rules(
            "password",
            &Password::new(pw),
            8,
            "alice",
            Some("alice@example.org"),
        )
        .unwrap();
    }

    #[test]
    fn length_counts_characters_and_has_a_ceiling() {
        let long = "a".repeat(MAX_LEN) + "b";
        let err = check_rules("password", &Password::new(long), 8, "u", None).unwrap_err();
        assert!(err.to_string().contains("at most 256"));
        check_rules(
            "password",
            &Password::new("é".repeat(128) + "xyz"),
            8,
            "u",
            None,
        )
        .unwrap();
    }
}
