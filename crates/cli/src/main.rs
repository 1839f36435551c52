//! `latchkey`: the command line over latchkey-core. Each command parses its arguments,
//! signs the acting user in, calls one engine method, and prints the result.

mod args;
mod output;
mod prompt;

use args::*;
use clap::Parser;
use latchkey_core::{
    Error, Expiry, Grace, IssuedKey, KeyEdit, KeyFile, KeyId, Latchkey, NewAccount, NewKey,
    PolicyUpdate, ProfileUpdate, Session,
};
use prompt::{confirm, Prompter};
use serde_json::json;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Invalid { .. } => 3,
        Error::BadCredentials
        | Error::Throttled { .. }
        | Error::AccountDisabled
        | Error::MfaRequired => 4,
        Error::Forbidden(_) | Error::StepUpRequired => 5,
        Error::NotFound(_) => 6,
        Error::Conflict(_)
        | Error::Policy(_)
        | Error::AlreadyInitialized
        | Error::NotInitialized => 7,
        _ => 8,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json_mode = cli.json;
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if json_mode {
                println!("{}", json!({ "error": e.body() }));
            } else {
                eprintln!("latchkey: {e}");
            }
            ExitCode::from(exit_code(&e))
        }
    }
}

struct Ctx {
    lk: Latchkey,
    json: bool,
    prompter: Prompter,
}

impl Ctx {
    fn sign_in(&mut self, acting: &Acting) -> Result<Session, Error> {
        let pw = self
            .prompter
            .password(&format!("Password for {}", acting.user))?;
        let signed = match self.lk.begin_sign_in(&acting.user, &pw)? {
            latchkey_core::SignInStep::Done(s) => *s,
            latchkey_core::SignInStep::NeedsCode(pending) => {
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

    fn print(&self, text: String, value: serde_json::Value) {
        if self.json {
            println!("{value}");
        } else if !text.is_empty() {
            println!("{text}");
        }
    }

    fn issued(
        &self,
        session: &Session,
        issued: &IssuedKey,
        save: Option<&Path>,
    ) -> Result<(), Error> {
        if let Some(path) = save {
            let api_url = self.lk.key_file_api_url();
            KeyFile::new(&issued.key, &issued.secret, &api_url).write(path)?;
            self.lk.record_key_use(
                session,
                &issued.key.id,
                latchkey_core::keys::KeyUse::Downloaded,
            )?;
            if !self.json {
                eprintln!("Key file written to {} (mode 0600).", path.display());
            }
        }
        output::issued(issued, self.json)
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

fn run(cli: Cli) -> Result<u8, Error> {
    let path = match cli.db {
        Some(p) => p,
        None => latchkey_core::store::path_from_env()?,
    };
    // `key verify` is the only command without an acting user.
    if let Command::Key(KeyCmd::Verify { key }) = &cli.command {
        // Never a new empty store at a mistyped path: every key would be "not found".
        let lk = Latchkey::open_existing(&path)?;
        let text = match key {
            Some(k) => k.clone(),
            None => {
                let mut s = String::new();
                std::io::stdin().take(4096).read_to_string(&mut s)?;
                s
            }
        };
        let v = lk.verify(&text)?;
        if cli.json {
            println!("{}", to_json(&v));
        } else {
            println!("{}", output::verification(&v));
        }
        return Ok(if v.valid { 0 } else { 1 });
    }

    // `serve` needs no acting user either: every request brings its own key.
    if let Command::Serve(a) = &cli.command {
        serve(Latchkey::open_existing(&path)?, a.port, cli.json)?;
        return Ok(0);
    }

    let mut ctx = Ctx {
        lk: Latchkey::open(&path)?,
        json: cli.json,
        prompter: Prompter::new(cli.password_stdin),
    };

    match cli.command {
        Command::Init(a) => {
            let pw = ctx
                .prompter
                .new_password(&format!("New password for {}", a.username))?;
            let (acct, key) = ctx.lk.init(
                &NewAccount {
                    username: a.username,
                    first_name: a.first_name,
                    last_name: a.last_name,
                    email: a.email,
                    is_admin: true,
                    groups: vec![],
                },
                &pw,
            )?;
            if ctx.json {
                output::print_secret_json(&output::AccountWithKey {
                    account: to_json(&acct),
                    account_key: Some(output::issued_json(&key)),
                })?;
            } else {
                eprintln!(
                    "Store created at {}.\n{}\n",
                    ctx.lk.path().display(),
                    output::account(&acct)
                );
                eprintln!("This is the administrator's account key. Copy it now; view it later with `latchkey account-key show --reveal`:");
                println!("{}", key.secret.expose());
            }
        }

        Command::Account(cmd) => account(&mut ctx, cmd)?,
        Command::Key(cmd) => return key(&mut ctx, cmd),
        Command::AccountKey(cmd) => match cmd {
            AccountKeyCmd::Show {
                acting,
                reveal,
                save,
            } => {
                let s = ctx.sign_in(&acting)?;
                let info = ctx.lk.account_key(&s)?;
                if reveal || save.is_some() {
                    let secret = ctx.lk.reveal_key(&s, &info.id)?;
                    let issued = IssuedKey { key: info, secret };
                    ctx.issued(&s, &issued, save.as_deref())?;
                } else {
                    ctx.print(output::key(&info), output::key_json(&info));
                }
            }
            AccountKeyCmd::Reset { acting, yes, save } => {
                confirm(
                    "The current account key will stop working at once.",
                    yes,
                    &ctx.prompter,
                )?;
                let s = ctx.sign_in(&acting)?;
                let issued = ctx.lk.reset_account_key(&s)?;
                ctx.issued(&s, &issued, save.as_deref())?;
            }
        },
        Command::Group(cmd) => group(&mut ctx, cmd)?,
        Command::Mfa(cmd) => mfa(&mut ctx, cmd)?,
        Command::Permission(cmd) => match cmd {
            PermissionCmd::List { acting } => {
                let s = ctx.sign_in(&acting)?;
                let list = ctx.lk.list_permissions(&s)?;
                ctx.print(output::permissions(&list), to_json(&list));
            }
            PermissionCmd::Create {
                acting,
                resource,
                description,
            } => {
                let s = ctx.sign_in(&acting)?;
                let p = ctx.lk.create_resource(&s, &resource, &description)?;
                ctx.print(
                    format!("Created {0}:read and {0}:write.", p.resource),
                    to_json(&p),
                );
            }
            PermissionCmd::Delete { acting, resource } => {
                let s = ctx.sign_in(&acting)?;
                ctx.lk.delete_resource(&s, &resource)?;
                ctx.print(
                    format!("Deleted {resource}; no group or key has it any more."),
                    json!({ "deleted": resource }),
                );
            }
        },
        Command::Policy(cmd) => match cmd {
            PolicyCmd::Show { acting } => {
                ctx.sign_in(&acting)?;
                let p = ctx.lk.policy()?;
                ctx.print(output::policy(&p), to_json(&p));
            }
            PolicyCmd::Set {
                acting,
                min_password_length,
                max_key_lifetime,
                allow_never_expiring,
                max_active_keys,
                argon2_memory,
                argon2_iterations,
                argon2_lanes,
            } => {
                let s = ctx.sign_in(&acting)?;
                let current = ctx.lk.policy()?;
                let argon2 = if argon2_memory.is_some()
                    || argon2_iterations.is_some()
                    || argon2_lanes.is_some()
                {
                    Some(latchkey_core::Argon2Params {
                        m_kib: argon2_memory.unwrap_or(current.argon2.m_kib),
                        t: argon2_iterations.unwrap_or(current.argon2.t),
                        p: argon2_lanes.unwrap_or(current.argon2.p),
                    })
                } else {
                    None
                };
                let update = PolicyUpdate {
                    min_password_length,
                    max_key_lifetime_days: max_key_lifetime
                        .as_deref()
                        .map(|v| optional_number("max key lifetime", v))
                        .transpose()?,
                    allow_never_expiring,
                    max_active_keys: max_active_keys
                        .as_deref()
                        .map(|v| optional_number("max active keys", v))
                        .transpose()?,
                    argon2,
                };
                let p = ctx.lk.set_policy(&s, &update)?;
                ctx.print(output::policy(&p), to_json(&p));
            }
        },
        // Handled in `run` before any acting user is needed.
        Command::Serve(_) => {}
        Command::Audit(a) => {
            let s = ctx.sign_in(&a.acting)?;
            let events = ctx.lk.audit(
                &s,
                &latchkey_core::AuditFilter {
                    actor: a.actor,
                    action: a.action,
                    limit: Some(a.limit),
                },
            )?;
            if a.csv {
                print!("{}", latchkey_core::audit::to_csv(&events));
            } else {
                ctx.print(output::audit(&events), to_json(&events));
            }
        }
    }
    Ok(0)
}

/// Serves the loopback JSON API until Ctrl-C or SIGTERM. The address goes to stdout (so
/// a script that asked for port 0 can read it), the notes to stderr.
fn serve(mut lk: Latchkey, port: u16, json_mode: bool) -> Result<(), Error> {
    if !lk.is_initialized()? {
        return Err(Error::NotInitialized);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let listener = rt
        .block_on(latchkey_api::bind(port))
        .map_err(|e| Error::Io(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    // Key files saved from now on, by any process, name this address.
    if let Err(e) = lk.serving_on(listener.local_addr()?.port()) {
        eprintln!(
            "Note: key files will not name this address: the store could not record it ({e})."
        );
    }
    let url = lk.api_url().to_owned();
    let lk = std::sync::Arc::new(lk);
    rt.block_on(async move {
        if json_mode {
            println!("{}", json!({ "listening": url, "store": lk.path() }));
        } else {
            println!("{url}");
            eprintln!(
                "Serving the Latchkey API for {} (OpenAPI document at {url}/openapi.json). Ctrl-C stops it.",
                lk.path().display()
            );
        }
        latchkey_api::serve_with_shutdown(listener, lk, stop_signal())
            .await
            .map_err(Error::from)
    })
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn optional_number(field: &'static str, v: &str) -> Result<Option<u32>, Error> {
    if v.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    v.parse::<u32>().map(Some).map_err(|_| Error::Invalid {
        field,
        rule: "must be a whole number or none".into(),
    })
}

fn account(ctx: &mut Ctx, cmd: AccountCmd) -> Result<(), Error> {
    match cmd {
        AccountCmd::Show { acting, username } => {
            let s = ctx.sign_in(&acting)?;
            let a = match username {
                Some(u) => ctx.lk.account(&s, &u)?,
                None => ctx.lk.me(&s)?,
            };
            ctx.print(output::account(&a), to_json(&a));
        }
        AccountCmd::List { acting } => {
            let s = ctx.sign_in(&acting)?;
            let list = ctx.lk.list_accounts(&s)?;
            ctx.print(output::accounts(&list), to_json(&list));
        }
        AccountCmd::Create {
            acting,
            username,
            profile,
            admin,
            groups,
        } => {
            let s = ctx.sign_in(&acting)?;
            let pw = ctx
                .prompter
                .new_password(&format!("New password for {username}"))?;
            let (a, key) = ctx.lk.create_account(
                &s,
                &NewAccount {
                    username,
                    first_name: profile.first_name.unwrap_or_default(),
                    last_name: profile.last_name.unwrap_or_default(),
                    email: profile.email,
                    is_admin: admin,
                    groups,
                },
                &pw,
            )?;
            if ctx.json {
                output::print_secret_json(&output::AccountWithKey {
                    account: to_json(&a),
                    account_key: key.as_ref().map(output::issued_json),
                })?;
            } else {
                println!("{}", output::account(&a));
                if let Some(k) = key {
                    eprintln!("\nThe new administrator's account key (shown once here):");
                    println!("{}", k.secret.expose());
                }
            }
        }
        AccountCmd::Update {
            acting,
            username,
            profile,
        } => {
            let s = ctx.sign_in(&acting)?;
            let target = username.unwrap_or_else(|| acting.user.clone());
            let update = ProfileUpdate {
                first_name: profile.first_name,
                last_name: profile.last_name,
                email: profile
                    .email
                    .map(|e| if e.trim().is_empty() { None } else { Some(e) }),
            };
            let a = ctx.lk.update_profile(&s, &target, &update)?;
            ctx.print(output::account(&a), to_json(&a));
        }
        AccountCmd::Disable { acting, username } => {
            let s = ctx.sign_in(&acting)?;
            let a = ctx.lk.set_disabled(&s, &username, true)?;
            ctx.print(
                format!(
                    "Disabled {}: it cannot sign in and its keys no longer verify.",
                    a.username
                ),
                to_json(&a),
            );
        }
        AccountCmd::Enable { acting, username } => {
            let s = ctx.sign_in(&acting)?;
            let a = ctx.lk.set_disabled(&s, &username, false)?;
            ctx.print(format!("Enabled {}.", a.username), to_json(&a));
        }
        AccountCmd::Admin {
            acting,
            username,
            on,
        } => {
            let s = ctx.sign_in(&acting)?;
            let a = ctx.lk.set_admin(&s, &username, on)?;
            ctx.print(output::account(&a), to_json(&a));
        }
        AccountCmd::Passwd {
            acting,
            username,
            yes,
        } => {
            let s = ctx.sign_in(&acting)?;
            // "Is this me" in the core's own case fold (Unicode, as usernames compare).
            let me = latchkey_core::validate::fold(&acting.user);
            match username.filter(|u| latchkey_core::validate::fold(u) != me) {
                None => {
                    // The current password was just given to sign in; ask it again so
                    // an unattended terminal cannot be used to change it.
                    let current = ctx.prompter.password("Current password")?;
                    let new = ctx.prompter.password("New password")?;
                    let again = ctx.prompter.password("Repeat the new password")?;
                    ctx.lk.change_password(&s, &current, &new, &again)?;
                    ctx.print("Password changed.".into(), json!({ "changed": true }));
                }
                Some(target) => {
                    let lost = ctx.lk.reset_password_impact(&s, &target)?;
                    if lost > 0 {
                        confirm(
                            &format!("{target} has {lost} key(s) marked viewable; after a reset they can no longer be viewed (they keep working)."),
                            yes,
                            &ctx.prompter,
                        )?;
                    }
                    let new = ctx
                        .prompter
                        .new_password(&format!("New password for {target}"))?;
                    let lost = ctx.lk.reset_password(&s, &target, &new)?;
                    ctx.print(
                        format!("Password of {target} reset. {lost} viewable secret(s) made unrecoverable."),
                        json!({ "reset": target, "secrets_made_unrecoverable": lost }),
                    );
                }
            }
        }
    }
    Ok(())
}

fn key(ctx: &mut Ctx, cmd: KeyCmd) -> Result<u8, Error> {
    match cmd {
        KeyCmd::Create {
            acting,
            name,
            perms,
            environment,
            expires,
            revealable,
            save,
        } => {
            let new = NewKey {
                name,
                permissions: perms,
                environment: environment.parse()?,
                expiry: expires.parse::<Expiry>()?,
                revealable,
            };
            let s = ctx.sign_in(&acting)?;
            let issued = ctx.lk.create_key(&s, &new)?;
            ctx.issued(&s, &issued, save.as_deref())?;
        }
        KeyCmd::List { acting } => {
            let s = ctx.sign_in(&acting)?;
            let list = ctx.lk.list_keys(&s)?;
            ctx.print(output::keys(&list), to_json(&list));
        }
        KeyCmd::Show { acting, id } => {
            let id = KeyId::parse(&id)?;
            let s = ctx.sign_in(&acting)?;
            let k = ctx.lk.key(&s, &id)?;
            ctx.print(output::key(&k), output::key_json(&k));
        }
        KeyCmd::Edit {
            acting,
            id,
            name,
            perms,
            no_perms,
        } => {
            let id = KeyId::parse(&id)?;
            let permissions = if no_perms {
                Some(vec![])
            } else if perms.is_empty() {
                None
            } else {
                Some(perms)
            };
            if name.is_none() && permissions.is_none() {
                return Err(Error::Invalid {
                    field: "edit",
                    rule: "give --name, --perm or --no-perms".into(),
                });
            }
            let s = ctx.sign_in(&acting)?;
            let k = ctx.lk.edit_key(&s, &id, &KeyEdit { name, permissions })?;
            ctx.print(output::key(&k), output::key_json(&k));
        }
        KeyCmd::Regenerate {
            acting,
            id,
            grace,
            save,
        } => {
            let id = KeyId::parse(&id)?;
            let grace: Grace = grace.parse()?;
            let s = ctx.sign_in(&acting)?;
            let issued = ctx.lk.regenerate_key(&s, &id, grace)?;
            ctx.issued(&s, &issued, save.as_deref())?;
        }
        KeyCmd::Revoke { acting, id, yes } => {
            let id = KeyId::parse(&id)?;
            confirm(
                "Revoking is permanent: programs using this key will stop working and a new key will be needed.",
                yes,
                &ctx.prompter,
            )?;
            let s = ctx.sign_in(&acting)?;
            let k = ctx.lk.revoke_key(&s, &id)?;
            ctx.print(
                format!("Revoked {} ({}).", k.id, k.name),
                output::key_json(&k),
            );
        }
        KeyCmd::Reveal { acting, id, save } => {
            let id = KeyId::parse(&id)?;
            let s = ctx.sign_in(&acting)?;
            let info = ctx.lk.key(&s, &id)?;
            let secret = ctx.lk.reveal_key(&s, &id)?;
            ctx.issued(&s, &IssuedKey { key: info, secret }, save.as_deref())?;
        }
        // Handled in `run` before any acting user is needed.
        KeyCmd::Verify { .. } => {}
    }
    Ok(0)
}

fn group(ctx: &mut Ctx, cmd: GroupCmd) -> Result<(), Error> {
    let result = match cmd {
        GroupCmd::List { acting } => {
            let s = ctx.sign_in(&acting)?;
            let list = ctx.lk.list_groups(&s)?;
            ctx.print(output::groups(&list), to_json(&list));
            return Ok(());
        }
        GroupCmd::Create {
            acting,
            name,
            perms,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.create_group(&s, &name, &perms)?
        }
        GroupCmd::Delete { acting, name } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.delete_group(&s, &name)?;
            ctx.print(format!("Deleted group {name}."), json!({ "deleted": name }));
            return Ok(());
        }
        GroupCmd::Grant {
            acting,
            name,
            perms,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.change_group_permissions(&s, &name, &perms, &[])?
        }
        GroupCmd::Revoke {
            acting,
            name,
            perms,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.change_group_permissions(&s, &name, &[], &perms)?
        }
        GroupCmd::AddMember {
            acting,
            name,
            username,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.add_member(&s, &name, &username)?
        }
        GroupCmd::RemoveMember {
            acting,
            name,
            username,
        } => {
            let s = ctx.sign_in(&acting)?;
            ctx.lk.remove_member(&s, &name, &username)?
        }
    };
    ctx.print(
        output::groups(std::slice::from_ref(&result)),
        to_json(&result),
    );
    Ok(())
}

fn print_codes(ctx: &Ctx, codes: &latchkey_core::RecoveryCodes) -> Result<(), Error> {
    if ctx.json {
        #[derive(serde::Serialize)]
        struct Codes<'a> {
            recovery_codes: &'a [String],
        }
        output::print_secret_json(&Codes {
            recovery_codes: &codes.0,
        })?;
    } else {
        eprintln!("Recovery codes: each works once in place of a code. They are shown only now; keep them safe.");
        for c in &codes.0 {
            println!("{c}");
        }
    }
    Ok(())
}

fn mfa(ctx: &mut Ctx, cmd: MfaCmd) -> Result<(), Error> {
    match cmd {
        MfaCmd::Status { acting } => {
            let s = ctx.sign_in(&acting)?;
            let st = ctx.lk.mfa_status(&s)?;
            let text = match (st.enabled, st.pending) {
                (true, _) => format!(
                    "Two-step verification is on; {} recovery code(s) left.",
                    st.recovery_codes_left
                ),
                (false, true) => {
                    "Set-up started but not confirmed: run `latchkey mfa confirm`.".into()
                }
                (false, false) => "Two-step verification is off.".into(),
            };
            ctx.print(text, to_json(&st));
        }
        MfaCmd::Enroll { acting, qr } => {
            let s = ctx.sign_in(&acting)?;
            let e = ctx.lk.mfa_enroll(&s)?;
            if let Some(path) = &qr {
                latchkey_core::keyfile::write_private(path, &e.qr_png)?;
            }
            if ctx.json {
                #[derive(serde::Serialize)]
                struct Enrolled<'a> {
                    secret: &'a str,
                    uri: &'a str,
                }
                output::print_secret_json(&Enrolled {
                    secret: &e.secret_base32,
                    uri: &e.uri,
                })?;
            } else {
                eprintln!(
                    "Add this to your authenticator app (scan the QR code{} or type the secret),",
                    qr.as_ref()
                        .map(|p| format!(" in {}", p.display()))
                        .unwrap_or_default()
                );
                eprintln!(
                    "then run `latchkey mfa confirm --user {}` with its first code.\n",
                    acting.user
                );
                println!("secret: {}", e.secret_base32);
                println!("uri:    {}", e.uri);
            }
        }
        MfaCmd::Confirm { acting } => {
            let s = ctx.sign_in(&acting)?;
            let code = ctx
                .prompter
                .password("First code from your authenticator app")?;
            let codes = ctx.lk.mfa_confirm(&s, code.expose())?;
            print_codes(ctx, &codes)?;
        }
        MfaCmd::Disable { acting, yes } => {
            confirm(
                "Two-step verification will be turned off and the recovery codes voided.",
                yes,
                &ctx.prompter,
            )?;
            let s = ctx.sign_in(&acting)?;
            ctx.lk.mfa_disable(&s)?;
            ctx.print(
                "Two-step verification is off.".into(),
                json!({ "enabled": false }),
            );
        }
        MfaCmd::RecoveryCodes { acting } => {
            let s = ctx.sign_in(&acting)?;
            let codes = ctx.lk.mfa_new_recovery_codes(&s)?;
            print_codes(ctx, &codes)?;
        }
        MfaCmd::Reset {
            acting,
            username,
            yes,
        } => {
            confirm(
                &format!("{username} will sign in with the password alone until they set two-step verification up again."),
                yes,
                &ctx.prompter,
            )?;
            let s = ctx.sign_in(&acting)?;
            ctx.lk.reset_mfa(&s, &username)?;
            ctx.print(
                format!("Two-step verification of {username} is off."),
                json!({ "reset": username }),
            );
        }
    }
    Ok(())
}
