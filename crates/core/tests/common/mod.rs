//! The shared fixtures (crates/testkit), under the names these tests use.
#![allow(dead_code, unused_imports)]

pub use latchkey_core::Code;
pub use latchkey_testkit::{new_key as key, perms, Lab as World, ADMIN_PW, USER_PW};

pub fn world() -> World {
    latchkey_testkit::lab()
}
