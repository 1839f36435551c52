//! The shared fixtures (crates/testkit): a real server on an ephemeral 127.0.0.1 port over
//! its own temporary store, and a real HTTP client.
#![allow(dead_code, unused_imports)]

pub use latchkey_testkit::server::*;
pub use latchkey_testkit::{ADMIN_PW, USER_PW};
