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
            argon2_memory_kib: Some(19 * 1024 + 3),
            argon2_iterations: Some(2),
            argon2_lanes: Some(1),
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

/// Parallel wrong passwords for one account: the throttle is checked and the attempt
/// counted under one write lock before argon2 runs, so exactly the free attempts get
/// to argon2 and to "bad credentials"; every other one is throttled.
#[test]
fn parallel_wrong_passwords_cannot_get_past_the_throttle() {
    let w = common::world();
    w.user("bob", &[]);
    let threads = 12;
    let barrier = std::sync::Barrier::new(threads);
    let outcomes: Vec<(u64, &'static str)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    let (n, r) = runs(|| w.lk.sign_in("bob", &Password::new("guess guess guess")));
                    (n, r.unwrap_err().code().as_str())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let bad = outcomes.iter().filter(|o| o.1 == "bad_credentials").count();
    let throttled = outcomes.iter().filter(|o| o.1 == "throttled").count();
    let argon2: u64 = outcomes.iter().map(|o| o.0).sum();
    assert_eq!(
        (bad, throttled),
        (
            auth::FREE_ATTEMPTS as usize,
            threads - auth::FREE_ATTEMPTS as usize
        ),
        "{outcomes:?}"
    );
    assert_eq!(argon2, auth::FREE_ATTEMPTS as u64, "{outcomes:?}");
    // The right password is throttled too, without an argon2 run.
    let (n, r) = runs(|| w.lk.sign_in("bob", &Password::new(USER_PW)));
    assert_eq!((n, r.unwrap_err().code().as_str()), (0, "throttled"));

    let events = w.audit_of(Some("bob"), "sign_in");
    let count = |o: &str| common::World::attempts(&events, o);
    assert_eq!(count("failed"), auth::FREE_ATTEMPTS as usize);
    assert_eq!(
        count("throttled"),
        threads - auth::FREE_ATTEMPTS as usize + 1
    );
    // Repeats within a minute are one entry and a count, not an entry each.
    assert!(events.len() <= 5, "{events:?}");
}

/// A right password takes back the count it reserved: it neither adds a failure nor
/// wipes the failures before it (those also throttle the code step with MFA on).
#[test]
fn a_right_password_leaves_the_failure_count_as_it_was() {
    let w = common::world();
    w.user("bob", &[]);
    let wrong = Password::new("guess guess guess");
    for _ in 0..4 {
        w.lk.sign_in("bob", &wrong).unwrap_err();
    }
    let bob = w.sign_in("bob", USER_PW);
    // The sign-in finished, so the count was reset: five more free attempts.
    for _ in 0..5 {
        assert_eq!(
            w.lk.sign_in("bob", &wrong).unwrap_err().code(),
            "bad_credentials"
        );
    }
    assert_eq!(w.lk.sign_in("bob", &wrong).unwrap_err().code(), "throttled");
    drop(bob);

    // With MFA on, a right password alone (no code yet) does not reset the count.
    w.clock.advance(time::Duration::minutes(1));
    let carol = w.user("carol", &[]);
    let e = w.lk.mfa_enroll(&carol).unwrap();
    let t = w.clock.now().unix_timestamp() as u64;
    w.lk.mfa_confirm(&carol, &mfa::code_at(&e.secret_base32, t).unwrap())
        .unwrap();
    for _ in 0..4 {
        w.lk.sign_in("carol", &wrong).unwrap_err();
    }
    for _ in 0..3 {
        match w
            .lk
            .begin_sign_in("carol", &Password::new(USER_PW))
            .unwrap()
        {
            SignInStep::NeedsCode(_) => {}
            SignInStep::Done(_) => panic!("a code should be needed"),
        }
    }
    // 4 failures still stand: one more is free, the next waits.
    assert_eq!(
        w.lk.sign_in("carol", &wrong).unwrap_err().code(),
        "bad_credentials"
    );
    assert_eq!(
        w.lk.sign_in("carol", &wrong).unwrap_err().code(),
        "throttled"
    );
}

fn enrol(w: &common::World, who: &str) -> String {
    let s = w.user(who, &[]);
    let e = w.lk.mfa_enroll(&s).unwrap();
    let t = w.clock.now().unix_timestamp() as u64;
    w.lk.mfa_confirm(&s, &mfa::code_at(&e.secret_base32, t).unwrap())
        .unwrap();
    w.clock.advance(time::Duration::seconds(90));
    e.secret_base32.clone()
}

/// The same reservation guards codes: parallel wrong codes for one pending sign-in get
/// exactly the free attempts. Another process holds the write lock while they start, so
/// a check made outside that lock would see the same old count in every thread.
#[test]
fn parallel_wrong_codes_cannot_get_past_the_throttle() {
    let w = common::world();
    enrol(&w, "bob");
    let pending = match w.lk.begin_sign_in("bob", &Password::new(USER_PW)).unwrap() {
        SignInStep::NeedsCode(p) => p,
        SignInStep::Done(_) => panic!("a code should be needed"),
    };
    let threads = 12;
    let mut holder = w.raw();
    holder.hold_write_lock();
    let codes: Vec<&'static str> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    w.lk.finish_sign_in(&pending, "000000")
                        .unwrap_err()
                        .code()
                        .as_str()
                })
            })
            .collect();
        // Long enough for the threads to reach the store; releasing early would only
        // make the test weaker, never make it fail.
        std::thread::sleep(std::time::Duration::from_secs(1));
        holder.release_write_lock();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wrong = codes.iter().filter(|c| **c == "bad_credentials").count();
    let throttled = codes.iter().filter(|c| **c == "throttled").count();
    assert_eq!((wrong, throttled), (5, threads - 5), "{codes:?}");
}

/// Wrong codes while confirming enrolment are throttled and audited like sign-in codes,
/// and count toward the same throttle.
#[test]
fn wrong_enrolment_codes_are_throttled_and_audited() {
    let w = common::world();
    let bob = w.user("bob", &[]);
    let e = w.lk.mfa_enroll(&bob).unwrap();
    let t = w.clock.now().unix_timestamp() as u64;
    let right = mfa::code_at(&e.secret_base32, t).unwrap();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        assert_eq!(
            w.lk.mfa_confirm(&bob, wrong).unwrap_err().field(),
            Some("code")
        );
    }
    let err = w.lk.mfa_confirm(&bob, &right).unwrap_err();
    assert_eq!(err.code(), "throttled", "{err}");
    assert!(!w.lk.mfa_status(&bob).unwrap().enabled);
    // The same count guards the password.
    assert_eq!(
        w.lk.sign_in("bob", &Password::new(USER_PW))
            .unwrap_err()
            .code(),
        "throttled"
    );
    w.clock.advance(time::Duration::seconds(31));
    let t = w.clock.now().unix_timestamp() as u64;
    w.lk.mfa_confirm(&bob, &mfa::code_at(&e.secret_base32, t).unwrap())
        .unwrap();
    assert!(w.lk.mfa_status(&bob).unwrap().enabled);

    let events = w.audit_of(Some("bob"), "mfa.enabled");
    let count = |o: &str| common::World::attempts(&events, o);
    assert_eq!(
        (count("failed"), count("throttled"), count("ok")),
        (5, 1, 1),
        "{events:?}"
    );
    assert!(events.iter().all(|e| !e.detail.contains(&right)));
}
