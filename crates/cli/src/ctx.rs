//! What every command that acts for a person shares: the open store, the output mode,
//! the password prompter, and signing the acting user in.

use crate::args::Acting;
use crate::{output, prompt::Prompter};
use latchkey_core::{Error, IssuedKey, Latchkey, Session, SignInStep};
use std::path::Path;

pub struct Ctx {
    pub lk: Latchkey,
    pub json: bool,
    pub prompter: Prompter,
}

impl Ctx {
    /// Signs the acting user in (password, then a code when MFA is on) and tells them
    /// what the core says they should know.
    pub fn sign_in(&mut self, acting: &Acting) -> Result<Session, Error> {
        let pw = self
            .prompter
            .password(&format!("Password for {}", acting.user))?;
        let signed = match self.lk.begin_sign_in(&acting.user, &pw)? {
            SignInStep::Done(s) => *s,
            SignInStep::NeedsCode(pending) => {
                let code = self
                    .prompter
                    .password("Code from your authenticator app (or a recovery code)")?;
                self.lk.finish_sign_in(&pending, code.expose())?
            }
        };
        if let Some(left) = signed
            .recovery_codes_left
            .filter(|n| *n <= latchkey_core::mfa::RECOVERY_LOW)
        {
            eprintln!("Note: only {left} recovery code(s) left; make new ones with `latchkey mfa recovery-codes`.");
        }
        if signed.secrets_lost {
            eprintln!(
                "Note: an administrator reset your password, so keys marked viewable can no longer be shown. \
                 They still work; regenerate one to get a secret you can see."
            );
        }
        if signed.mfa_reset {
            eprintln!(
                "Note: an administrator turned off two-step verification for your account; \
                 set it up again with `latchkey mfa enroll`."
            );
        }
        for k in &signed.expiring_soon {
            eprintln!(
                "Note: key {} ({}) expires {}.",
                k.id,
                k.name,
                output::when(k.expires_at)
            );
        }
        Ok(signed.session)
    }

    /// Prints `text`, or `value` with `--json`.
    pub fn print(&self, text: String, value: serde_json::Value) {
        if self.json {
            println!("{value}");
        } else if !text.is_empty() {
            println!("{text}");
        }
    }

    /// Refuses a `--save` (or `--qr`) file that could not be written, before anything
    /// is changed: a key must not be issued into a file that will not take it.
    pub fn check_save(field: &'static str, save: Option<&Path>) -> Result<(), Error> {
        match save {
            Some(p) => latchkey_core::keyfile::check_destination(field, p),
            None => Ok(()),
        }
    }

    /// Shows a key just issued (or revealed), saving its key file first when asked. If
    /// the file still cannot be written (checked before the key was made, but disks fill
    /// up), the key is printed instead of lost, and the failure reported.
    pub fn issued(
        &self,
        session: &Session,
        issued: &IssuedKey,
        save: Option<&Path>,
    ) -> Result<(), Error> {
        if let Some(path) = save {
            if let Err(e) = self
                .lk
                .save_key_file(session, &issued.key, &issued.secret, path)
            {
                output::issued(issued, self.json)?;
                return Err(Error::Io(format!(
                    "the key file could not be written to {} ({e}); the key was printed \
                     above instead: store it now, it is not shown again",
                    path.display()
                )));
            }
            if !self.json {
                eprintln!("Key file written to {} (mode 0600).", path.display());
            }
        }
        output::issued(issued, self.json)
    }
}
