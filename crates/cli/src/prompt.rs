//! Where passwords and confirmations come from: a terminal prompt, or standard input
//! with --password-stdin. Never from an argument or the environment.

use latchkey_core::{Error, Password};
use std::io::{BufRead, IsTerminal};
use zeroize::Zeroize;

pub struct Prompter {
    stdin: Option<std::io::StdinLock<'static>>,
}

/// Room for the longest password and then some: a line that fits never makes the
/// buffer grow, and growing would leave copies of it behind that nobody wipes.
const LINE_ROOM: usize = 4096;

impl Prompter {
    pub fn new(from_stdin: bool) -> Self {
        Prompter {
            stdin: from_stdin.then(|| std::io::stdin().lock()),
        }
    }

    /// One password: the next stdin line, or a prompt on the terminal.
    pub fn password(&mut self, prompt: &str) -> Result<Password, Error> {
        if let Some(stdin) = self.stdin.as_mut() {
            let mut line = String::with_capacity(LINE_ROOM);
            return match stdin.read_line(&mut line) {
                // Trimmed in place: a trimmed copy would leave the line itself unwiped.
                Ok(n) if n > 0 => {
                    let kept = line.trim_end_matches(['\r', '\n']).len();
                    line.truncate(kept);
                    Ok(Password::new(line))
                }
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    line.zeroize();
                    Err(Error::invalid(
                        "password",
                        "is not valid UTF-8 text (check the encoding of standard input)",
                    ))
                }
                _ => {
                    line.zeroize();
                    Err(Error::invalid(
                        "password",
                        "expected one more line on standard input",
                    ))
                }
            };
        }
        if !std::io::stdin().is_terminal() {
            return Err(Error::invalid(
                "password",
                "no terminal to ask on; pass --password-stdin and send it on standard input",
            ));
        }
        rpassword::prompt_password(format!("{prompt}: "))
            .map(Password::new)
            .map_err(|e| Error::Io(format!("reading the password: {e}")))
    }

    /// A new password, asked twice at a prompt (stdin gives it once).
    pub fn new_password(&mut self, prompt: &str) -> Result<Password, Error> {
        let first = self.password(prompt)?;
        if self.stdin.is_none() {
            let again = self.password("Repeat it")?;
            latchkey_core::password::confirm(&first, &again)?;
        }
        Ok(first)
    }

    /// Whether the reader is standard input (no confirmation prompt is possible then).
    pub fn uses_stdin(&self) -> bool {
        self.stdin.is_some()
    }
}

/// Asks to type "yes" on the terminal; without one, `--yes` is required.
pub fn confirm(question: &str, yes_flag: bool, prompter: &Prompter) -> Result<(), Error> {
    if yes_flag {
        return Ok(());
    }
    if prompter.uses_stdin() || !std::io::stdin().is_terminal() {
        return Err(Error::invalid(
            "yes",
            format!("{question} Add --yes to confirm."),
        ));
    }
    eprint!("{question} Type yes to continue: ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::Io(e.to_string()))?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(Error::invalid("yes", "not confirmed; nothing was changed"))
    }
}
