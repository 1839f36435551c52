mod common;

use common::USER_PW;
use latchkey_core::password::argon2_runs;
use latchkey_core::*;

/// How many argon2 runs `f` costs on this thread.
fn runs<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let before = argon2_runs();
    let out = f();
    (argon2_runs() - before, out)
}

/// Whether a username exists must not show in the work a failed sign-in does: an unknown
/// account and a wrong password each cost exactly one argon2 run, from the first try on.
#[test]
fn unknown_accounts_cost_one_argon2_run_like_a_wrong_password() {
    let w = common::world();
    w.user("bob", &[]);
    let wrong = Password::new("not the password at all");

    // A parameter set no other test uses, so no decoy was made for it before.
    let admin = w.admin();
    w.lk.set_policy(
        &admin,
        &PolicyUpdate {
            argon2: Some(Argon2Params {
                m_kib: 19 * 1024 + 3,
                t: 2,
                p: 1,
            }),
            ..Default::default()
        },
    )
    .unwrap();
    for who in ["nobody", "nobody-else@example.org", "bob", "nobody"] {
        let (n, r) = runs(|| w.lk.sign_in(who, &wrong));
        assert_eq!(r.unwrap_err().code(), "bad_credentials");
        assert_eq!(n, 1, "{who}: {n} argon2 runs");
    }
}
