//! Fixtures the Latchkey test suites share.

/// The first administrator's password in every fixture.
pub const ADMIN_PW: &str = "correct horse battery staple";
/// Every other fixture account's password.
pub const USER_PW: &str = "violet ostrich marmalade";
