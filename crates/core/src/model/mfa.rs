//! Two-step verification as shown: its state, and what enrolment shows once.

use std::fmt;

/// What enrolment shows once: the secret as text, the `otpauth://` URI and its QR code.
pub struct Enrollment {
    pub secret_base32: String,
    pub uri: String,
    pub qr_png: Vec<u8>,
}

impl fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Enrollment(<redacted>)")
    }
}

impl Drop for Enrollment {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret_base32.zeroize();
        self.uri.zeroize();
        // The QR code is the secret too, as a picture of the URI.
        self.qr_png.zeroize();
    }
}

/// Ten single-use codes, shown once.
pub struct RecoveryCodes(pub Vec<String>);

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecoveryCodes({} codes, <redacted>)", self.0.len())
    }
}

impl Drop for RecoveryCodes {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for c in &mut self.0 {
            c.zeroize();
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MfaStatus {
    pub enabled: bool,
    /// Enrolment started but not yet confirmed with a first code.
    pub pending: bool,
    pub recovery_codes_left: u32,
}

/// Which second factor a successful check used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    RecoveryCode { left: u32 },
}
