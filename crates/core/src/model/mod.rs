//! What the engine hands out and takes in: plain data, serializable, with no rule that
//! needs the store. The storage layer builds these; the rule modules decide with them;
//! the adapters (CLI, JSON API, window) show them. The window's TypeScript types are
//! generated from these (feature `ts`).

pub mod account;
pub mod audit;
pub mod group;
pub mod invitation;
pub mod key;
pub mod mfa;
pub mod org;
pub mod policy;
pub mod verification;
