//! The command line, as clap sees it.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Latchkey: accounts and API keys in a local store.
///
/// Passwords are read from a terminal prompt, or with --password-stdin one per line from
/// standard input (the acting user's password first, then its MFA code when two-step
/// verification is on, then any new password or code). Never from arguments.
#[derive(Debug, Parser)]
#[command(name = "latchkey", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// The store: a file, or a postgres:// URL (its password from PGPASSFILE or
    /// ~/.pgpass, not the URL) [default: the platform data dir's latchkey/latchkey.db]
    #[arg(long, global = true, env = "LATCHKEY_DB", value_name = "PATH|URL")]
    pub db: Option<String>,

    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,

    /// Read passwords from standard input, one per line, instead of prompting
    #[arg(long, global = true)]
    pub password_stdin: bool,

    #[command(subcommand)]
    pub command: Command,
}

pub const EXIT_CODES: &str = "Exit codes:
  0  success (for `key verify`: the key is valid; for `scan`: no live key found)
  1  `key verify`: the key is not valid; `scan`: a live key was found
  2  usage error
  3  invalid input (the message names the field and the rule)
  4  sign-in failed, throttled, or the account is disabled
  5  not permitted, or a fresh proof of identity is needed
  6  not found
  7  refused by the current state or the policy (duplicate, revoked, limit reached)
  8  the store could not be used (foreign, corrupt, newer, busy) or another failure";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the store and its first administrator
    Init(InitArgs),
    /// Accounts
    #[command(subcommand)]
    Account(AccountCmd),
    /// API keys
    #[command(subcommand)]
    Key(KeyCmd),
    /// An administrator's account key
    #[command(subcommand, name = "account-key")]
    AccountKey(AccountKeyCmd),
    /// Groups and the permissions they grant (administrators)
    #[command(subcommand)]
    Group(GroupCmd),
    /// Custom permission resources (administrators)
    #[command(subcommand)]
    Permission(PermissionCmd),
    /// Password, key lifetime and key count policies
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Two-step verification (TOTP) for the acting user
    #[command(subcommand)]
    Mfa(MfaCmd),
    /// The audit log (administrators see everyone's events)
    Audit(AuditArgs),
    /// Serve the loopback JSON API on 127.0.0.1 until interrupted
    Serve(ServeArgs),
    /// Company details: the organisation's name and country
    #[command(subcommand)]
    Org(OrgCmd),
    /// Invitations to join the store (redeeming one needs no account)
    #[command(subcommand)]
    Invite(InviteCmd),
    /// The store itself: copy a whole store to another engine
    #[command(subcommand)]
    Store(StoreCmd),
    /// Copy the whole store to FILE while it stays in use (a consistent snapshot, mode
    /// 0600, written atomically); needs no account, only access to the store file
    Backup(BackupArgs),
    /// Replace the store with the backup FILE, after checking it; the replaced store is
    /// kept beside it. Refused while another program has the store open
    Restore(RestoreArgs),
    /// Set a new password for USERNAME without signing in, for whoever can write the
    /// store file (the only administrator lost their password or authenticator): turns
    /// two-step verification off and makes the account's viewable keys unviewable
    #[command(name = "recover-account")]
    RecoverAccount(RecoverArgs),
    /// Find keys in files, folders (recursively, without .git and binary files) or
    /// standard input, and whether each is live in the store; exit 1 when one is
    Scan(ScanArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file (an existing file is replaced once the copy is complete)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A backup made by `latchkey backup` (or the window's "Back up now")
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    pub username: String,
    /// Confirm without a prompt (required with --password-stdin)
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and folders to scan; standard input when none is given (or for `-`)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// The organisation's name and country (any member)
    Show {
        #[command(flatten)]
        acting: Acting,
    },
    /// Set them (administrators)
    Set {
        #[command(flatten)]
        acting: Acting,
        /// 1–100 characters
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-2, such as DE or NZ
        #[arg(long)]
        country: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum InviteCmd {
    /// Invite an email address; prints the code once (administrators)
    Create {
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        email: String,
        /// A group the new account joins (repeat for several)
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// The new account is an administrator
        #[arg(long)]
        admin: bool,
    },
    /// Every invitation with its status: pending, accepted, expired, revoked
    List {
        #[command(flatten)]
        acting: Acting,
    },
    /// Withdraw a pending invitation: its code stops working
    Revoke {
        #[command(flatten)]
        acting: Acting,
        id: String,
    },
    /// A new code for a pending or expired invitation (the old code stops); printed once
    Reissue {
        #[command(flatten)]
        acting: Acting,
        id: String,
    },
    /// Accept an invitation: CODE (or the first line of stdin), then the new password
    /// (twice at a prompt; with --password-stdin, the next line)
    Redeem {
        /// The code (better on stdin: an argument is visible to other local users)
        code: Option<String>,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Copy a whole store (accounts, keys, audit log …) into an empty one, in one
    /// transaction: SQLite to PostgreSQL, or back
    Copy {
        /// The store to copy: a file or a postgres:// URL
        #[arg(long, value_name = "PATH|URL")]
        from: String,
        /// The empty store to copy into (created if need be)
        #[arg(long, value_name = "PATH|URL")]
        to: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port on 127.0.0.1 (0 picks a free one; the address is printed on stdout)
    #[arg(long, default_value_t = latchkey_api::DEFAULT_PORT)]
    pub port: u16,
}

#[derive(Debug, Args)]
pub struct Acting {
    /// The acting account (its password is asked for)
    #[arg(long, short = 'u', env = "LATCHKEY_USER", value_name = "USERNAME")]
    pub user: String,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long, default_value = "")]
    pub first_name: String,
    #[arg(long, default_value = "")]
    pub last_name: String,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub first_name: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// Show an account (your own unless you name another, as an administrator)
    Show {
        #[command(flatten)]
        acting: Acting,
        username: Option<String>,
    },
    /// List accounts
    List {
        #[command(flatten)]
        acting: Acting,
    },
    /// Create an account (its password is asked for after yours)
    Create {
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        username: String,
        #[command(flatten)]
        profile: ProfileArgs,
        /// Make it an administrator
        #[arg(long)]
        admin: bool,
        /// Put it in this group (repeatable)
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
    },
    /// Change profile fields (an empty --email clears it)
    Update {
        #[command(flatten)]
        acting: Acting,
        username: Option<String>,
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// Disable an account: it cannot sign in and its keys stop working
    Disable {
        #[command(flatten)]
        acting: Acting,
        username: String,
    },
    /// Enable a disabled account
    Enable {
        #[command(flatten)]
        acting: Acting,
        username: String,
    },
    /// Grant (--grant) or remove (--revoke) the administrator role; one of them is required
    Admin {
        #[command(flatten)]
        acting: Acting,
        username: String,
        /// Make the account an administrator
        #[arg(long, conflicts_with = "revoke", required_unless_present = "revoke")]
        grant: bool,
        /// Take the administrator role away (never from the last administrator)
        #[arg(long)]
        revoke: bool,
    },
    /// Change your password, or (administrators) reset another account's
    Passwd {
        #[command(flatten)]
        acting: Acting,
        username: Option<String>,
        /// Confirm a reset that makes the account's viewable keys unrecoverable
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Create a key; its secret is printed once
    Create {
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        name: String,
        /// A permission such as keys:read (repeatable)
        #[arg(long = "perm", value_name = "RESOURCE:ACTION")]
        perms: Vec<String>,
        #[arg(long = "env", default_value = "live", value_name = "live|test")]
        environment: String,
        /// 7d, 30d, 60d, 90d, a date YYYY-MM-DD, or never
        /// [default: 30d]
        #[arg(long)]
        expires: Option<String>,
        /// Keep it encrypted so it can be viewed again after confirming your identity
        #[arg(long)]
        revealable: bool,
        /// Also write the key file (JSON, mode 0600) here
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
    },
    /// List your keys
    List {
        #[command(flatten)]
        acting: Acting,
    },
    /// Show one key
    Show {
        #[command(flatten)]
        acting: Acting,
        id: String,
    },
    /// Rename a key or replace its permissions
    Edit {
        #[command(flatten)]
        acting: Acting,
        id: String,
        #[arg(long)]
        name: Option<String>,
        /// The new permissions (repeatable); replaces the old set
        #[arg(long = "perm", value_name = "RESOURCE:ACTION")]
        perms: Vec<String>,
        /// Remove all permissions
        #[arg(long, conflicts_with = "perms")]
        no_perms: bool,
    },
    /// Roll a key: new secret, same settings; the old one stops now or after a grace period
    Regenerate {
        #[command(flatten)]
        acting: Acting,
        id: String,
        /// now, 15m, 1h, 6h or 24h
        #[arg(long, default_value = "now")]
        grace: String,
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
    },
    /// Revoke a key for good (a new key will be needed)
    Revoke {
        #[command(flatten)]
        acting: Acting,
        id: String,
        #[arg(long)]
        yes: bool,
    },
    /// Show a revealable key's secret again
    Reveal {
        #[command(flatten)]
        acting: Acting,
        id: String,
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
    },
    /// Check a key (argument or standard input): exit 0 if valid, 1 if not
    Verify { key: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum AccountKeyCmd {
    /// Describe the account key; --reveal prints its secret
    Show {
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        reveal: bool,
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
    },
    /// Replace the account key; the old one stops working at once
    Reset {
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        yes: bool,
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    List {
        #[command(flatten)]
        acting: Acting,
    },
    /// Rename a group (its members and grants stay)
    Rename {
        #[command(flatten)]
        acting: Acting,
        name: String,
        new_name: String,
    },
    Create {
        #[command(flatten)]
        acting: Acting,
        name: String,
        #[arg(long = "perm", value_name = "RESOURCE:ACTION")]
        perms: Vec<String>,
    },
    Delete {
        #[command(flatten)]
        acting: Acting,
        name: String,
    },
    /// Add permissions to a group
    Grant {
        #[command(flatten)]
        acting: Acting,
        name: String,
        #[arg(required = true, value_name = "RESOURCE:ACTION")]
        perms: Vec<String>,
    },
    /// Remove permissions from a group (and so from its members' keys)
    Revoke {
        #[command(flatten)]
        acting: Acting,
        name: String,
        #[arg(required = true, value_name = "RESOURCE:ACTION")]
        perms: Vec<String>,
    },
    AddMember {
        #[command(flatten)]
        acting: Acting,
        name: String,
        username: String,
    },
    RemoveMember {
        #[command(flatten)]
        acting: Acting,
        name: String,
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PermissionCmd {
    List {
        #[command(flatten)]
        acting: Acting,
    },
    /// Add RESOURCE, giving RESOURCE:read and RESOURCE:write
    Create {
        #[command(flatten)]
        acting: Acting,
        resource: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    Delete {
        #[command(flatten)]
        acting: Acting,
        resource: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    Show {
        #[command(flatten)]
        acting: Acting,
    },
    Set {
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        min_password_length: Option<u32>,
        /// Days, or "none"
        #[arg(long)]
        max_key_lifetime: Option<String>,
        #[arg(long, value_parser = clap::builder::BoolishValueParser::new())]
        allow_never_expiring: Option<bool>,
        /// A number, or "none"
        #[arg(long)]
        max_active_keys: Option<String>,
        /// argon2id memory in KiB (at least 19456)
        #[arg(long)]
        argon2_memory: Option<u32>,
        #[arg(long)]
        argon2_iterations: Option<u32>,
        #[arg(long)]
        argon2_lanes: Option<u32>,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub acting: Acting,
    /// Only events by this username
    #[arg(long)]
    pub actor: Option<String>,
    /// Only actions starting with this (e.g. key. or sign_in)
    #[arg(long)]
    pub action: Option<String>,
    /// Only this outcome: ok, failed, throttled or refused
    #[arg(long)]
    pub outcome: Option<String>,
    /// Only events at or after this date (YYYY-MM-DD, UTC) or RFC 3339 time
    #[arg(long)]
    pub since: Option<String>,
    /// Only events at or before this date (YYYY-MM-DD: to its end) or RFC 3339 time
    #[arg(long)]
    pub until: Option<String>,
    /// Only events whose target contains this text (any case)
    #[arg(long)]
    pub target: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Print CSV instead of a table
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Subcommand)]
pub enum MfaCmd {
    /// Whether two-step verification is on, and recovery codes left
    Status {
        #[command(flatten)]
        acting: Acting,
    },
    /// Start setting it up: prints the secret and the otpauth:// URI for an authenticator app
    Enroll {
        #[command(flatten)]
        acting: Acting,
        /// Also write the QR code as a PNG here (mode 0600)
        #[arg(long, value_name = "FILE")]
        qr: Option<PathBuf>,
    },
    /// Finish setting it up with a first code (asked for after the password); prints the
    /// recovery codes once
    Confirm {
        #[command(flatten)]
        acting: Acting,
    },
    /// Turn it off
    Disable {
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        yes: bool,
    },
    /// Replace the recovery codes (the old ones stop working); prints the new ones once
    RecoveryCodes {
        #[command(flatten)]
        acting: Acting,
    },
    /// Administrators: turn another account's two-step verification off
    Reset {
        #[command(flatten)]
        acting: Acting,
        username: String,
        #[arg(long)]
        yes: bool,
    },
}
