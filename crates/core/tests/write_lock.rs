//! Argon2 never runs while the store's write lock is held: another process (or thread)
//! must not wait on a password hash. This binary holds one test only, because it watches
//! the process-wide count of argon2 runs.

mod common;

use latchkey_core::password::argon2_runs_in_process;
use latchkey_core::*;

/// While another connection holds the write lock, creating an account still gets through
/// all of its argon2 work (the password hash and the data-key wrapping key) and only then
/// waits for the lock.
#[test]
fn creating_an_account_runs_argon2_before_taking_the_write_lock() {
    let w = common::world();
    let admin = w.admin();
    let mut holder = w.raw();
    holder.hold_write_lock();
    let before = argon2_runs_in_process();
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            w.lk.create_account(
                &admin,
                &NewAccount {
                    username: "bob".into(),
                    ..Default::default()
                },
                &Password::new(common::USER_PW),
            )
        });
        // Generous: this is a bound on waiting for argon2, not a measurement of it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while argon2_runs_in_process() < before + 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let done_while_locked = argon2_runs_in_process() - before;
        assert!(!worker.is_finished(), "the write went through a held lock");
        holder.release_write_lock();
        worker.join().unwrap().unwrap();
        assert_eq!(
            done_while_locked, 2,
            "argon2 runs done before the lock was free"
        );
    });
    assert_eq!(argon2_runs_in_process() - before, 2, "and none after");
    w.sign_in("bob", common::USER_PW);
}
