#!/usr/bin/env bash
# cli-transcript.sh: a transcript of the `latchkey` command line, for comparing the CLI's
# behaviour and audit log before and after a refactor.
#
# It runs a scripted session on a fresh temporary store that covers every command and
# subcommand of crates/cli/src/args.rs (init, account, key, account-key, group, permission,
# policy, mfa, audit; `serve` only where it exits at once), in text mode and with --json,
# plus many error cases (bad input for each command, unknown users and keys, wrong
# passwords, duplicates, policy refusals, non-administrators doing administrators' work).
# For each command it records the command line (passwords and codes shown by name only),
# what was sent on standard input, the exit status, stdout and stderr; it ends with the
# administrator's `audit --json --limit 100000`. The whole output is then normalised so
# two runs, or two builds, can be diffed: API keys, key ids, TOTP secrets, recovery codes,
# key hints and audit ids become <KEY:n>, <ID:n>, <TOTP-SECRET:n>, <RECOVERY:n>,
# <HINT:KEY:n> and <AUDIT:n>, numbered by first appearance; the temporary directory
# becomes <TMP>; retry times become <N>; timestamps and dates become their distance from
# the start of the run (see normalise.py below for why they are not simply numbered).
#
#   scripts/cli-transcript.sh /tmp/latchkey-before /tmp/transcript-before.txt
#   scripts/cli-transcript.sh target/debug/latchkey /tmp/transcript-after.txt
#   diff -u /tmp/transcript-before.txt /tmp/transcript-after.txt
#
# Needs bash, python3 (standard library only) and oathtool (for TOTP codes). A run must
# take less than 15 minutes (it takes well under one) and should not straddle midnight UTC.
set -uo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 LATCHKEY_BINARY OUTPUT_FILE" >&2
    exit 2
fi
BIN=$(realpath "$1") || exit 2
OUTPUT=$2
[ -x "$BIN" ] || { echo "cli-transcript: $BIN is not an executable" >&2; exit 2; }
command -v oathtool >/dev/null || { echo "cli-transcript: oathtool is needed" >&2; exit 2; }
command -v python3 >/dev/null || { echo "cli-transcript: python3 is needed" >&2; exit 2; }

# The reference time for timestamps in the output: whole seconds, taken before anything
# runs, so that every timestamp of the run is at or after it.
T0=$(date -u +%s)
TODAY=$(date -u -d "@$T0" +%F)
in_days() { date -u -d "$TODAY + $1 days" +%F; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
unset LATCHKEY_DB LATCHKEY_USER RUST_BACKTRACE RUST_LIB_BACKTRACE
export LC_ALL=C.UTF-8 TZ=UTC
umask 022
# Run through a link named `latchkey`: clap names the program after argv[0] in its
# messages, and the binaries being compared need not be named alike.
mkdir "$WORK/bin" && ln -s "$BIN" "$WORK/bin/latchkey" || exit 1
LK="$WORK/bin/latchkey"

# The store of the whole session: a file, or (TRANSCRIPT_STORE=postgres://…, an empty
# database) the same session on PostgreSQL, shown as the file is, so the two can be diffed.
STORE="${TRANSCRIPT_STORE:-$WORK/store.db}"
OTHER="$WORK/other.db"      # a second store, initialised with --json
RAW="$WORK/raw.txt"
OUTF="$WORK/stdout"
ERRF="$WORK/stderr"
: >"$RAW"

declare -A PW=(
    [alice]='alice: correct horse battery 1'
    [olga]='olga: second store passphrase'
    [bob]='bob: builder passphrase 22'
    [carol]='carol: two-step passphrase 3'
    [dave]='dave: disabled-then-enabled 4'
    [erin]='erin: another administrator 5'
    [frank]='frank: throttled passphrase 6'
    [gina]='gina: json administrator 77'
    [henry]='henry: member of two groups'
)

N_CMDS=0
N_ERR=0
N_UNEXPECTED=0
UNEXPECTED=()
IN_SHOW=()
IN_VALS=()

# Standard input for the next command, one line each: what the transcript shows, and
# what is sent.
feed() { IN_SHOW+=("$1"); IN_VALS+=("$2"); }
pw() { feed "<password of $1>" "${PW[$1]}"; }
line() { feed "$1" "$1"; }   # a line that is no secret: shown as sent

quote() {
    if [[ $1 =~ ^[A-Za-z0-9_./:@=+,%-]+$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}

section() { printf '\n######## %s\n' "$*" >>"$RAW"; }

# ok ARGS... / err ARGS...: run `latchkey --db STORE --password-stdin ARGS...` with the
# lines fed so far on stdin, expecting success (exit 0) or failure (any other status).
# DB=path selects another store; PWS=0 leaves out --password-stdin.
ok() { _run success "$@"; }
err() { _run failure "$@"; }
_run() {
    local expect=$1
    shift
    N_CMDS=$((N_CMDS + 1))
    [ "$expect" = failure ] && N_ERR=$((N_ERR + 1))
    local args=(--db "${DB:-$STORE}")
    [ "${PWS:-1}" = 1 ] && args+=(--password-stdin)
    args+=("$@")
    local shown="latchkey" a
    for a in "${args[@]}"; do shown+=" $(quote "$a")"; done
    if [ ${#IN_VALS[@]} -gt 0 ]; then printf '%s\n' "${IN_VALS[@]}" >"$WORK/stdin"; else : >"$WORK/stdin"; fi
    timeout 120 "$LK" "${args[@]}" <"$WORK/stdin" >"$OUTF" 2>"$ERRF"
    local rc=$?
    {
        printf '\n==== [%d] $ %s\n' "$N_CMDS" "$shown"
        if [ ${#IN_SHOW[@]} -gt 0 ]; then
            local s
            for s in "${IN_SHOW[@]}"; do printf 'stdin> %s\n' "$s"; done
        fi
        printf 'expect: %s\nexit: %d\n' "$expect" "$rc"
        if { [ "$expect" = success ] && [ $rc -ne 0 ]; } || { [ "$expect" = failure ] && [ $rc -eq 0 ]; }; then
            printf '!! unexpected exit status\n'
        fi
        printf -- '--- stdout\n'
        cat "$OUTF"
        [ -s "$OUTF" ] && [ -n "$(tail -c1 "$OUTF")" ] && printf '\n(no newline at end)\n'
        printf -- '--- stderr\n'
        cat "$ERRF"
        [ -s "$ERRF" ] && [ -n "$(tail -c1 "$ERRF")" ] && printf '\n(no newline at end)\n'
    } >>"$RAW"
    if { [ "$expect" = success ] && [ $rc -ne 0 ]; } || { [ "$expect" = failure ] && [ $rc -eq 0 ]; }; then
        N_UNEXPECTED=$((N_UNEXPECTED + 1))
        UNEXPECTED+=("[$N_CMDS] expected $expect, exit $rc")
    fi
    IN_SHOW=()
    IN_VALS=()
    return 0
}

# What the last command printed.
out1() { head -n1 "$OUTF"; }
jget() {
    python3 - "$OUTF" "$1" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
for p in sys.argv[2].split("."):
    v = v[int(p)] if p.isdigit() else v[p]
print(v)
EOF
}
err_id() { sed -n 's/^id  *//p' "$ERRF" | head -n1; }
# A key file or other file written by the last command: its mode and its contents.
show_file() {
    {
        printf -- '--- file %s' "$1"
        if [ -e "$1" ]; then
            printf ' (mode %s)\n' "$(stat -c %a "$1")"
            cat "$1"
            [ -s "$1" ] && [ -n "$(tail -c1 "$1")" ] && printf '\n(no newline at end)\n'
        else
            printf ' (absent)\n'
        fi
    } >>"$RAW"
}
# TOTP codes. The store accepts the steps next to the current one and refuses a step at or
# before the last one used; confirming uses the current step, so the next step's code is
# always accepted for the one sign-in by authenticator code, without waiting for the clock.
# (The other sign-ins of the session use recovery codes, which do not depend on the time.)
totp() { oathtool --totp -b "$1"; }
totp_next() { oathtool --totp -b -N "@$(($(date -u +%s) + 30))" "$1"; }

########################################################################################
section "Before a store exists"

ok --version
ok --help
err frobnicate
err key verify lk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd34KlM6       # no store at the path
DB="$WORK/missing.db" err serve --port 0
line 'whatever'
err account show --user alice                                     # not initialised
err serve --port 0                                                # not initialised: exits
err --json serve --port 0
printf 'this is not a database\n' >"$WORK/foreign.db"
line 'whatever'
DB="$WORK/foreign.db" err account show --user alice
DB="$WORK/foreign.db" err key verify lk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd34KlM6
show_file "$WORK/foreign.db"

########################################################################################
section "init"

err init --username alice                                          # no password line
line 'short'
err init --username alice                                          # password too short
pw alice
err init --username 'bad name!'
pw alice
err init --username alice --email not-an-email
err init                                                           # --username missing
pw alice
ok init --username alice --email alice@example.org --first-name Alice --last-name Admin
ACCT_KEY1=$(out1)
pw alice
err init --username zed
pw alice
err --json init --username zed
pw olga
DB="$OTHER" ok --json init --username olga --email olga@example.org
OLGA_KEY=$(jget account_key.secret)
pw olga
DB="$OTHER" ok account show --user olga
err key verify "$OLGA_KEY"                                         # the other store's key

########################################################################################
section "Signing in"

line 'wrong password'
err account show --user alice
pw alice
err account show --user nosuch
line 'wrong password'
err --json account show --user alice
err account show --user alice                                      # no password line
PWS=0 err account show --user alice                                # no terminal, no --password-stdin
err account show                                                   # --user missing
pw alice
ok account show --user ALICE                                       # usernames fold case

########################################################################################
section "Accounts"

pw alice
ok account show --user alice
pw alice
ok --json account show --user alice
pw alice; pw bob
ok account create --user alice --username bob --email bob@example.org --first-name Bob --last-name Builder
pw alice; pw carol
ok --json account create --user alice --username carol --email carol@example.org
pw alice; pw dave
ok account create --user alice --username dave
pw alice; pw frank
ok account create --user alice --username frank
pw alice; pw erin
ok account create --user alice --username erin --admin --first-name Erin
ERIN_KEY=$(tail -n1 "$OUTF")                                       # printed after the account
pw alice; pw gina
ok --json account create --user alice --username gina --admin
pw alice; pw bob
err account create --user alice --username bob                     # duplicate
pw alice; pw bob
err account create --user alice --username BOB                     # duplicate, other case
pw alice; pw bob
err account create --user alice --username 'bad name!'
pw alice; pw bob
err account create --user alice --username "$(printf 'a%.0s' {1..65})"
pw alice; pw bob
err account create --user alice --username zoe --email 'not an email'
pw alice; line 'short'
err account create --user alice --username zoe                     # password too short
pw alice; pw bob
err account create --user alice --username zoe --group nosuch
pw alice
err account create --user alice --username zoe                     # no new-password line
pw bob; pw carol
err account create --user bob --username zoe                       # not an administrator
line 'wrong password'; pw bob
err account create --user alice --username zoe
pw alice
ok account list --user alice
pw alice
ok --json account list --user alice
pw bob
err account list --user bob
pw alice
ok account show --user alice bob
pw alice
ok --json account show --user alice carol
pw bob
ok account show --user bob
pw bob
err account show --user bob alice                                  # another account
pw alice
err account show --user alice nosuch
pw bob
ok account update --user bob --first-name Robert                   # own profile
pw alice
ok --json account update --user alice bob --email robert@example.org --last-name Builder
pw alice
ok account update --user alice bob --email ''                      # clears the email
pw alice
ok account update --user alice bob --email bob@example.org
pw bob
ok account update --user bob                                       # nothing to change
pw alice
err account update --user alice bob --email 'bad'
pw alice
err account update --user alice bob --first-name "$(printf 'x%.0s' {1..300})"
pw bob
err account update --user bob alice --first-name Mallory
pw alice
err account update --user alice nosuch --first-name X
pw alice
ok account admin --user alice bob --grant
pw alice
ok --json account admin --user alice bob --revoke
pw alice
ok account admin --user alice gina --revoke
pw alice
err account admin --user alice bob
pw bob
err account admin --user bob dave --grant
pw alice
err account admin --user alice nosuch --grant
pw erin
ok account admin --user erin erin --revoke                            # another administrator remains
pw alice
err account admin --user alice alice --revoke                         # the last administrator
pw alice
ok account disable --user alice dave
pw dave
err account show --user dave                                       # disabled
pw alice
err account disable --user alice alice
pw bob
err account disable --user bob frank
pw alice
err account disable --user alice nosuch
pw alice
ok --json account enable --user alice dave
pw dave
ok account show --user dave
pw bob
err account enable --user bob dave
pw alice
err account enable --user alice nosuch

section "account passwd"
NEW_BOB='bob: a new passphrase 23'
pw bob; pw bob; feed '<new password of bob>' "$NEW_BOB"; feed '<new password of bob>' "$NEW_BOB"
ok account passwd --user bob
PW[bob]=$NEW_BOB
line 'wrong password'
err account show --user bob                                        # the old password
pw bob; line 'not the current one'; line 'bob: another passphrase'; line 'bob: another passphrase'
err account passwd --user bob                                      # wrong current password
pw bob; pw bob; line 'bob: another passphrase'; line 'bob: a different one'
err account passwd --user bob                                      # repeat differs
pw bob; pw bob; line 'short'; line 'short'
err account passwd --user bob                                      # too short
pw bob; pw bob
err account passwd --user bob                                      # lines missing
pw bob; pw bob; pw bob; pw bob
err --json account passwd --user bob                               # same as the current
NEW_ALICE='alice: correct horse battery 2'
pw alice; pw alice; feed '<new password of alice>' "$NEW_ALICE"; feed '<new password of alice>' "$NEW_ALICE"
ok --json account passwd --user alice Alice                        # naming oneself: own change
PW[alice]=$NEW_ALICE
NEW_DAVE='dave: reset by the admin 44'
pw alice; feed '<new password of dave>' "$NEW_DAVE"
ok account passwd --user alice dave                                # reset, no viewable keys
PW[dave]=$NEW_DAVE
pw dave
ok account show --user dave
pw alice; line 'short'
err account passwd --user alice dave
pw bob; line 'bob resets dave 12345'
err account passwd --user bob dave
pw alice; line 'nobody: password 1234'
err account passwd --user alice nosuch

########################################################################################
section "Groups and permissions"

pw alice
ok group list --user alice
pw alice
ok permission list --user alice
pw alice
ok --json permission list --user alice
pw alice
ok permission create --user alice billing --description 'Invoices and payments'
pw alice
ok --json permission create --user alice reports
pw alice
err permission create --user alice billing                          # duplicate
pw alice
err permission create --user alice keys                             # built in
pw alice
err permission create --user alice 'Bad Name'
pw alice
err permission create --user alice billing:read
pw bob
err permission create --user bob audit
pw alice
ok group create --user alice devs --perm keys:read --perm keys:write
pw alice
ok --json group create --user alice ops --perm account:read
pw alice
ok group create --user alice empty
pw alice
err group create --user alice devs                                 # duplicate
pw alice
err group create --user alice ''
pw alice
err group create --user alice x --perm keys:delete
pw alice
err group create --user alice x --perm nosuch:read
pw alice
err group create --user alice x --perm keys
pw bob
err group create --user bob x
pw alice
ok group add-member --user alice devs bob
pw alice
ok --json group add-member --user alice devs carol
pw alice
ok group add-member --user alice ops bob
pw alice
ok group add-member --user alice devs dave
pw alice
ok group add-member --user alice devs bob                          # already a member
pw alice
err group add-member --user alice devs nosuch
pw alice
err group add-member --user alice nosuch bob
pw bob
err group add-member --user bob devs frank
pw alice
ok group grant --user alice devs account:read account:write billing:read reports:write
pw alice
ok --json group revoke --user alice devs account:write
pw alice
err group grant --user alice devs bad:perm
pw alice
err group grant --user alice devs keys
pw alice
err group grant --user alice nosuch keys:read
pw alice
err group revoke --user alice devs                                 # no permission given
pw alice
err group revoke --user alice nosuch keys:read
pw bob
err group grant --user bob devs account:write
pw alice
ok group remove-member --user alice ops bob
pw alice
err group remove-member --user alice ops bob                       # not a member
pw alice
err group remove-member --user alice nosuch bob
pw alice
err group remove-member --user alice ops nosuch
pw bob
err group remove-member --user bob devs carol
pw alice; pw henry
ok account create --user alice --username henry --group devs --group ops
pw alice
ok group list --user alice
pw alice
ok --json group list --user alice
pw bob
ok group list --user bob
pw alice
ok group delete --user alice empty
pw alice
err group delete --user alice empty                                # gone
pw bob
err group delete --user bob ops
pw alice
ok permission list --user alice

########################################################################################
section "Keys"

pw bob
ok key list --user bob                                             # none yet
pw bob
ok key create --user bob --name deploy --perm keys:read
K_DEPLOY=$(out1); ID_DEPLOY=$(err_id)
pw bob
ok --json key create --user bob --name ci --env test --expires 7d --perm keys:read --perm account:read
K_CI=$(jget secret); ID_CI=$(jget key.id)
pw bob
ok key create --user bob --name k30 --env live --expires 30d
ID_K30=$(err_id)
pw bob
ok key create --user bob --name k60 --expires 60d
ID_K60=$(err_id)
pw bob
ok --json key create --user bob --name k90 --expires 90d --perm reports:write
ID_K90=$(jget key.id)
DATE20=$(in_days 20)
pw bob
ok key create --user bob --name dated --expires "$DATE20" --env test
ID_DATED=$(err_id)
pw bob
ok key create --user bob --name forever --expires never --perm billing:read
K_FOREVER=$(out1); ID_FOREVER=$(err_id)
pw bob
ok key create --user bob --name viewable --revealable --perm keys:read
K_VIEW=$(out1); ID_VIEW=$(err_id)
pw bob
ok key create --user bob --name saved --perm keys:read --save "$WORK/saved.json"
show_file "$WORK/saved.json"
pw bob
ok --json key create --user bob --name saved-json --revealable --save "$WORK/saved-json.json"
ID_SAVEDJ=$(jget key.id)
show_file "$WORK/saved-json.json"
pw bob
err key create --user bob --name nosave --save "$WORK/no-such-dir/k.json"   # cannot write the file
pw bob
err key create --user bob --name bad --env prod
pw bob
err key create --user bob --name bad --expires 45d
pw bob
err key create --user bob --name bad --expires tomorrow
pw bob
err key create --user bob --name bad --expires 2000-01-01
pw bob
err key create --user bob --name bad --expires "$TODAY"
pw bob
err key create --user bob --name bad --expires 2031-02-30
pw bob
err key create --user bob --name bad --perm keys
pw bob
err key create --user bob --name bad --perm nosuch:read
pw bob
err key create --user bob --name bad --perm keys:delete
pw bob
err key create --user bob --name bad --perm account:write          # not granted to bob
pw bob
err key create --user bob --name ''
pw bob
err key create --user bob --name deploy                            # duplicate name
pw bob
err key create --user bob                                          # --name missing
pw frank
ok key create --user frank --name nope                             # in no group: a key without permissions
ID_FRANK=$(err_id)
pw bob
ok key list --user bob
pw bob
ok --json key list --user bob
pw bob
ok key show --user bob "$ID_DEPLOY"
pw bob
ok --json key show --user bob "$ID_CI"
pw bob
err key show --user bob xyz
pw bob
err key show --user bob AAAAAAAAAAAAAAAA
pw alice
err key show --user alice "$ID_DEPLOY"                             # another account's key
pw frank
ok key list --user frank
pw frank
ok key show --user frank "$ID_FRANK"
pw frank
ok key edit --user frank "$ID_FRANK" --name nope-renamed           # its own key
pw frank
ok key regenerate --user frank "$ID_FRANK"
ID_FRANK=$(err_id)
pw frank
ok key revoke --user frank "$ID_FRANK" --yes
pw bob
ok key edit --user bob "$ID_DEPLOY" --name deploy-prod
pw bob
ok --json key edit --user bob "$ID_DEPLOY" --perm keys:read --perm account:read
pw bob
ok key edit --user bob "$ID_K30" --no-perms
pw bob
ok key edit --user bob "$ID_K60" --name k60-renamed --perm billing:read
pw bob
err key edit --user bob "$ID_DEPLOY"                               # nothing to change
pw bob
err key edit --user bob "$ID_DEPLOY" --perm keys:read --no-perms
pw bob
err key edit --user bob "$ID_DEPLOY" --perm keys:nope
pw bob
err key edit --user bob "$ID_DEPLOY" --perm account:write
pw bob
err key edit --user bob "$ID_DEPLOY" --name ''
pw bob
err key edit --user bob "$ID_DEPLOY" --name ci                     # duplicate name
pw bob
err key edit --user bob nope --name x
pw bob
err key edit --user bob AAAAAAAAAAAAAAAA --name x

section "key regenerate"
pw bob
ok key regenerate --user bob "$ID_DEPLOY"                          # grace: now
K_DEPLOY2=$(out1); ID_DEPLOY2=$(err_id)
pw bob
ok --json key regenerate --user bob "$ID_CI" --grace 15m
K_CI2=$(jget secret); ID_CI2=$(jget key.id)
pw bob
ok key regenerate --user bob "$ID_K30" --grace 1h
pw bob
ok key regenerate --user bob "$ID_K60" --grace 6h
pw bob
ok key regenerate --user bob "$ID_K90" --grace 24h --save "$WORK/regenerated.json"
show_file "$WORK/regenerated.json"
pw bob
ok key regenerate --user bob "$ID_DATED" --grace immediately
pw bob
err key regenerate --user bob "$ID_DEPLOY2" --grace 2h
pw bob
err key regenerate --user bob "$ID_DEPLOY"                         # already replaced
pw bob
err key regenerate --user bob "$ID_CI"                             # rotating: already replaced
pw bob
err key regenerate --user bob nope
pw bob
err key regenerate --user bob AAAAAAAAAAAAAAAA
pw bob
ok key list --user bob
pw bob
ok key show --user bob "$ID_CI"                                    # rotating
pw bob
ok key show --user bob "$ID_DEPLOY"                                # replaced

section "key revoke"
pw bob
err key revoke --user bob "$ID_FOREVER"                            # no --yes
pw bob
ok key revoke --user bob "$ID_FOREVER" --yes
pw bob
err key revoke --user bob "$ID_FOREVER" --yes                      # again
pw bob
ok --json key revoke --user bob "$ID_CI" --yes                     # ends its grace period
pw bob
err key revoke --user bob "$ID_DEPLOY" --yes                       # replaced already
pw bob
err key revoke --user bob nope --yes
pw bob
err key revoke --user bob AAAAAAAAAAAAAAAA --yes
pw alice
err key revoke --user alice "$ID_K60" --yes                        # another account's key

section "key reveal"
pw bob
ok key reveal --user bob "$ID_VIEW"
pw bob
ok key reveal --user bob "$ID_VIEW" --save "$WORK/revealed.json"
show_file "$WORK/revealed.json"
pw bob
ok --json key reveal --user bob "$ID_SAVEDJ"
pw bob
err key reveal --user bob "$ID_DEPLOY2"                            # not revealable
pw bob
err key reveal --user bob "$ID_FOREVER"                            # revoked, and not revealable
pw bob
ok key regenerate --user bob "$ID_SAVEDJ" --grace 1h               # a revealable key
ID_SAVEDJ2=$(err_id)
pw bob
err key reveal --user bob "$ID_SAVEDJ"                             # regenerated
pw bob
ok key reveal --user bob "$ID_SAVEDJ2"                             # its replacement is revealable
pw bob
ok key revoke --user bob "$ID_SAVEDJ2" --yes
pw bob
err key reveal --user bob "$ID_SAVEDJ2"                            # revoked
pw bob
err key reveal --user bob nope
pw bob
err key reveal --user bob AAAAAAAAAAAAAAAA
pw frank
err key reveal --user frank "$ID_VIEW"

section "key verify"
ok key verify "$K_DEPLOY2"
line "$K_DEPLOY2"
ok key verify
line "$K_VIEW"
ok --json key verify
ok key verify "$K_CI2"                                             # a test key
ok key verify "$ACCT_KEY1"                                         # the account key
err key verify "$ERIN_KEY"                                         # revoked with erin's admin flag
err key verify "$K_DEPLOY"                                         # replaced (grace: now)
err key verify "$K_CI"                                             # revoked during its grace
err --json key verify "$K_FOREVER"                                 # revoked
err key verify lk_live_short
err key verify 'not a key at all'
err key verify lk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd34KlM7         # checksum wrong
err --json key verify lk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd34KlM6  # well formed, unknown
err key verify lk_prod_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd34KlM6
err key verify                                                     # empty stdin
line '   '
err key verify
pw dave
ok key create --user dave --name daves --perm keys:read
K_DAVE=$(out1)
pw alice
ok --json account disable --user alice dave
err key verify "$K_DAVE"                                           # account disabled
err --json key verify "$K_DAVE"
pw alice
ok account enable --user alice dave
ok key verify "$K_DAVE"

section "permission delete"
pw alice
err permission delete --user alice keys                            # built in
pw alice
err permission delete --user alice nosuch
pw bob
err permission delete --user bob billing
pw alice
ok permission delete --user alice billing
pw alice
ok --json permission delete --user alice reports
pw alice
err permission delete --user alice billing                         # gone
pw bob
ok key show --user bob "$ID_K60"                                   # had billing:read
pw alice
ok group list --user alice
pw bob
err key create --user bob --name gone --perm billing:read
pw alice
ok group create --user alice temp --perm keys:read
pw alice
ok --json group add-member --user alice temp frank
pw alice
ok --json group remove-member --user alice temp frank
pw alice
ok --json group delete --user alice temp

section "Password reset of an account with viewable keys"
pw alice; line 'bob: reset by alice 123'
err account passwd --user alice bob                                # viewable keys: needs --yes
pw alice; line 'bob: reset by alice 123'
ok account passwd --user alice bob --yes
PW[bob]='bob: reset by alice 123'
pw bob
ok key show --user bob "$ID_VIEW"
pw bob
err key reveal --user bob "$ID_VIEW"
ok key verify "$K_VIEW"                                            # still works

########################################################################################
section "account-key"

pw alice
ok account-key show --user alice
pw alice
ok --json account-key show --user alice
pw alice
ok account-key show --user alice --reveal
pw alice
ok --json account-key show --user alice --reveal
pw alice
ok account-key show --user alice --save "$WORK/account-key.json"
show_file "$WORK/account-key.json"
pw bob
err account-key show --user bob                                    # no account key
pw alice
ok key list --user alice                                           # the account key is not listed
pw alice
ok --json account-key show --user alice
ID_ACCT=$(jget id)
pw alice
ok key show --user alice "$ID_ACCT"
pw alice
err key revoke --user alice "$ID_ACCT" --yes
pw alice
err key regenerate --user alice "$ID_ACCT"
pw alice
ok key edit --user alice "$ID_ACCT" --name renamed                 # allowed, unlike revoke and regenerate
pw alice
err key edit --user alice "$ID_ACCT" --perm account:read           # its permissions are fixed
pw alice
ok account-key show --user alice
pw alice
err account-key reset --user alice                                 # no --yes
pw alice
ok account-key reset --user alice --yes
ACCT_KEY2=$(out1)
pw alice
ok --json account-key reset --user alice --yes --save "$WORK/account-key2.json"
ACCT_KEY3=$(jget secret)
show_file "$WORK/account-key2.json"
err key verify "$ACCT_KEY1"
err key verify "$ACCT_KEY2"
ok key verify "$ACCT_KEY3"
pw bob
err account-key reset --user bob --yes
pw gina
err account-key show --user gina                                   # administrator flag removed
pw erin
err account-key show --user erin                                   # not an administrator now

########################################################################################
section "Policy"

pw alice
ok policy show --user alice
pw alice
ok --json policy show --user alice
pw bob
ok policy show --user bob
pw alice
ok policy set --user alice                                         # nothing to change
pw alice
ok policy set --user alice --min-password-length 12
pw alice; line 'elevenchars'
err account create --user alice --username zoe                     # shorter than the policy
pw bob; pw bob; line 'elevenchars'; line 'elevenchars'
err account passwd --user bob
pw alice
ok policy set --user alice --max-key-lifetime 30
pw bob
err key create --user bob --name p1 --expires 60d
pw bob
err key create --user bob --name p1 --expires never
pw bob
err key create --user bob --name p1 --expires "$(in_days 40)"
pw bob
ok key create --user bob --name p30 --expires 30d
pw bob
ok key create --user bob --name pdate --expires "$(in_days 30)"
pw alice
ok --json policy set --user alice --max-key-lifetime none --allow-never-expiring false
pw bob
err key create --user bob --name p2 --expires never
pw alice
ok policy set --user alice --allow-never-expiring true
pw alice
ok policy set --user alice --max-active-keys 3
pw bob
err key create --user bob --name p3                                # too many active keys
pw alice
ok policy set --user alice --max-active-keys none --max-key-lifetime none
pw alice
ok policy set --user alice --argon2-memory 32768
pw alice
ok policy set --user alice --argon2-iterations 3
pw alice
ok policy set --user alice --argon2-lanes 2
pw alice
ok account show --user alice                                       # signs in under the new cost
pw alice
ok --json policy set --user alice --argon2-memory 19456 --argon2-iterations 2 --argon2-lanes 1 --min-password-length 8
for bad in '--min-password-length 7' '--min-password-length 129' '--max-key-lifetime abc' \
    '--max-key-lifetime 0' '--max-key-lifetime 3651' '--max-active-keys 0' '--max-active-keys x' \
    '--max-active-keys 10001' '--argon2-memory 1024' '--argon2-memory 2000000' \
    '--argon2-iterations 1' '--argon2-iterations 21' '--argon2-lanes 0' '--argon2-lanes 17' \
    '--allow-never-expiring maybe' '--min-password-length -1'; do
    pw alice
    # shellcheck disable=SC2086
    err policy set --user alice $bad
done
pw alice
err --json policy set --user alice --max-key-lifetime 0
pw bob
err policy set --user bob --max-active-keys 5
pw alice
ok policy show --user alice

########################################################################################
section "Two-step verification (carol)"

pw carol
ok mfa status --user carol
pw carol
ok --json mfa status --user carol
pw carol; line '123456'
err mfa confirm --user carol                                       # nothing started
pw carol
err mfa recovery-codes --user carol                                # not on
pw carol
ok mfa disable --user carol --yes                                  # already off
pw carol
ok mfa enroll --user carol
pw carol
ok mfa status --user carol                                         # pending
pw carol
ok --json mfa enroll --user carol --qr "$WORK/qr.png"              # starts again
SECRET=$(jget secret)
{
    printf -- '--- file %s (mode %s)' "$WORK/qr.png" "$(stat -c %a "$WORK/qr.png")"
    if [ "$(head -c 8 "$WORK/qr.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        printf ': a PNG image\n'
    else
        printf ': NOT a PNG image\n'
    fi
} >>"$RAW"
pw carol; line '000000'
err mfa confirm --user carol                                       # wrong code
pw carol
err mfa confirm --user carol                                       # no code line
pw carol; feed '<current code>' "$(totp "$SECRET")"
ok mfa confirm --user carol
mapfile -t RC1 <"$OUTF"
pw carol; line "${RC1[3]}"
err mfa enroll --user carol                                        # already on
pw carol
err mfa status --user carol                                        # no code line
line 'wrong password'
err mfa status --user carol
CODE=$(totp_next "$SECRET")
pw carol; feed '<next code>' "$CODE"
ok mfa status --user carol
pw carol; feed '<the same code again>' "$CODE"
err mfa status --user carol                                        # replayed
pw carol; line 'aaaa-bbbb-cccc-dddd'
err mfa status --user carol                                        # not a recovery code of hers
pw carol; line '12345'
err mfa status --user carol
pw carol; line "${RC1[0]}"
ok --json mfa status --user carol
pw carol; line "${RC1[0]}"
err mfa status --user carol                                        # used already
pw carol; line "${RC1[1]^^}"
ok --json mfa recovery-codes --user carol                          # a code in capitals
mapfile -t RC2 < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["recovery_codes"]))' "$OUTF")
pw carol; line "${RC1[2]}"
err mfa status --user carol                                        # the old set is void
pw carol; line "${RC2[0]//-/}"
ok key create --user carol --name carols --perm keys:read          # a code without dashes
ID_CAROL=$(err_id)
pw carol; line "${RC2[1]}"
ok key list --user carol
pw carol; line "${RC2[2]}"
ok key show --user carol "$ID_CAROL"
pw carol; line "${RC2[3]}"
ok key edit --user carol "$ID_CAROL" --name carols-key
pw carol; line "${RC2[4]}"
ok account show --user carol
pw carol; line "${RC2[5]}"
ok mfa status --user carol
pw carol; line "${RC2[6]}"
ok mfa status --user carol                                         # 3 left: a note
pw carol; line "${RC2[7]}"
err mfa disable --user carol                                       # no --yes
pw carol; line "${RC2[7]}"
ok --json mfa disable --user carol --yes
pw carol
ok mfa status --user carol
pw carol
ok mfa enroll --user carol
SECRET2=$(sed -n 's/^secret: *//p' "$OUTF")
pw carol; feed '<current code>' "$(totp "$SECRET2")"
ok --json mfa confirm --user carol
pw alice
err mfa reset --user alice carol                                   # no --yes
pw bob
err mfa reset --user bob carol --yes
pw alice
err mfa reset --user alice nosuch --yes
pw alice
err mfa reset --user alice alice --yes                             # one's own
pw alice
ok mfa reset --user alice carol --yes
pw carol
ok mfa status --user carol                                         # told of the reset
pw carol
ok mfa status --user carol                                         # told once
pw alice
ok --json mfa reset --user alice carol --yes                       # already off

########################################################################################
section "Throttling (frank)"

for i in 1 2 3 4 5; do
    line "wrong password $i"
    err account show --user frank
done
pw frank
err account show --user frank                                      # throttled
pw frank
err --json account show --user frank
pw alice
ok account show --user alice frank
NEW_FRANK='frank: reset after the throttle'
pw alice; feed '<new password of frank>' "$NEW_FRANK"
ok --json account passwd --user alice frank
PW[frank]=$NEW_FRANK
pw frank
ok account show --user frank                                       # a reset ends the wait

########################################################################################
section "audit"

pw alice
ok audit --user alice --limit 5
pw alice
ok audit --user alice --actor bob --limit 5
pw alice
ok audit --user alice --action key. --limit 5
pw alice
ok audit --user alice --actor frank --action sign_in --csv
pw alice
ok --json audit --user alice --action mfa. --limit 5
pw alice
ok audit --user alice --csv --limit 10
pw alice
ok audit --user alice --action password --limit 100
pw alice
ok audit --user alice --actor nosuch
pw alice
ok audit --user alice --limit 0
pw bob
ok audit --user bob --limit 5                                      # own events only
pw bob
ok audit --user bob --actor alice
pw alice
err audit --user alice --limit abc
pw alice
err audit --user alice --limit -1
pw alice
err audit --user nosuch

########################################################################################
section "The whole audit log, as the administrator sees it"

pw alice
ok --json audit --user alice --limit 100000

# A header with the counts goes first, so that the administrator's audit log ends the file.
{
    printf '# latchkey CLI transcript, written and normalised by scripts/cli-transcript.sh\n'
    printf '# commands run: %d\n# error cases (expected to fail): %d\n# unexpected exit statuses: %d\n' \
        "$N_CMDS" "$N_ERR" "$N_UNEXPECTED"
    for u in "${UNEXPECTED[@]}"; do printf '#   %s\n' "$u"; done
    cat "$RAW"
} >"$WORK/transcript.txt"

########################################################################################
# Normalisation.
cat >"$WORK/normalise.py" <<'PYEOF'
"""Normalises a raw transcript so that two runs, or two builds, can be diffed.

Secrets and random identifiers become placeholders numbered by first appearance, so the
structure (which key is which) is kept. Timestamps are not numbered that way: two events
of one run may share a second, or a minute, that they do not share in the next run, and
numbering would then differ. Each timestamp becomes its distance from the start of the
run (T0, whole seconds, taken before the first command), rounded down to 15 minutes:
everything that happens during the run is <TS:T0>, a 7-day expiry is <TS:T0+7d>, a 15
minute grace period <TS:T0+15m>. A timestamp at 23:59:59 (the end of a chosen day) is
shown as that day's distance from T0's day. Dates more than 4000 days away are fixed
dates the script gives on purpose and are left as they are. The prefix says the format: TS for RFC 3339,
WHEN for "YYYY-MM-DD HH:MM", DATE for a bare date.
"""
import datetime as dt
import json
import re
import sys

raw_path, out_path, t0, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
text = open(raw_path, encoding="utf-8", errors="replace").read()
text = text.replace(work, "<TMP>")
import os
if os.environ.get("TRANSCRIPT_STORE"):
    text = text.replace(os.environ["TRANSCRIPT_STORE"], "<TMP>/store.db")

T0 = dt.datetime.fromtimestamp(t0, dt.timezone.utc)
T0_DAY = T0.date()


class Numbers:
    def __init__(self, label):
        self.label, self.seen = label, {}

    def __call__(self, value):
        if value not in self.seen:
            self.seen[value] = len(self.seen) + 1
        return f"<{self.label}:{self.seen[value]}>"


KEYS = Numbers("KEY")
IDS = Numbers("ID")
TOTPS = Numbers("TOTP-SECRET")
RECOVERY = Numbers("RECOVERY")
HINTS = Numbers("HINT")
AUDIT = Numbers("AUDIT")

KEY_RE = re.compile(r"lk_(live|test|acct|inv)_[0-9A-Za-z]{36}")
HINT_RE = re.compile(r"lk_(live|test|acct|inv)_\u2026([0-9A-Za-z]{4})")
RECOVERY_RE = re.compile(r"(?<![0-9A-Za-z-])[a-hj-km-np-z2-9]{4}(?:-[a-hj-km-np-z2-9]{4}){3}(?![0-9A-Za-z-])", re.I)
ID_RE = re.compile(r"(?<![0-9A-Za-z_])[0-9A-Za-z]{16}(?![0-9A-Za-z_])")
TS_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
WHEN_RE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?![:\d])")
DATE_RE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\dT])")
THREAD_RE = re.compile(r"(thread '[^']*') \(\d+\)")
RETRY_RE = re.compile(r"\bin \d+ s\b")
RETRY_JSON_RE = re.compile(r'("retry_after_secs": )\d+')
CSV_AUDIT_RE = re.compile(r"^(\d+)(?=,\d{4}-\d{2}-\d{2}T)", re.M)

# Keys by kind and last four characters, for hints; TOTP secrets as printed by enrolment.
key_by_hint = {}
for m in KEY_RE.finditer(text):
    key_by_hint.setdefault((m.group(1), m.group(0)[-4:]), set()).add(m.group(0))
totp_secrets = set(re.findall(r"(?:secret: |\"secret\":\s*\"|[?&]secret=)([A-Z2-7]{16,})", text))
TOTP_RE = re.compile("|".join(sorted(totp_secrets, key=len, reverse=True))) if totp_secrets else None
# Recovery codes, by the form typed without dashes (the CLI accepts it).
recovery_by_bare = {c.lower().replace("-", ""): c.lower() for c in RECOVERY_RE.findall(text)}
# Key ids where they appear as ids (the generic rule below catches the rest).
known_ids = set(re.findall(r"(?:\"(?:id|key_id|replaced_by)\":\s*\"|^id +|key )([0-9A-Za-z]{16})\b", text, re.M))


def span(seconds):
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds) // 900 * 900
    if seconds == 0:
        return ""
    d, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m = rest // 60
    return sign + "".join(f"{n}{u}" for n, u in ((d, "d"), (h, "h"), (m, "m")) if n)


def day_span(day):
    n = (day - T0_DAY).days
    return f"day{n:+d}" if n else "day0"


def ts(m):
    s = m.group(0)
    t = dt.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    if (t.hour, t.minute, t.second) == (23, 59, 59):
        return f"<TS:{day_span(t.date())} 23:59:59>"
    return f"<TS:T0{span(int(t.timestamp()) - t0)}>"


def when(m):
    t = dt.datetime.strptime(m.group(0), "%Y-%m-%d %H:%M").replace(tzinfo=dt.timezone.utc)
    if (t.hour, t.minute) == (23, 59):
        return f"<WHEN:{day_span(t.date())} 23:59>"
    return f"<WHEN:T0{span(int(t.timestamp()) - (t0 - t0 % 60))}>"


def date(m):
    try:
        d = dt.date.fromisoformat(m.group(0))
    except ValueError:
        return m.group(0)  # not a date (an invalid one given on purpose)
    if abs((d - T0_DAY).days) > 4000:
        return m.group(0)  # a fixed date given on purpose, not one of the run's
    return f"<DATE:{day_span(d)}>"


def hint(m):
    keys = key_by_hint.get((m.group(1), m.group(2)), set())
    if len(keys) == 1:
        return f"<HINT:{KEYS(next(iter(keys)))[1:-1]}>"
    return f"lk_{m.group(1)}_\u2026{HINTS(m.group(1) + m.group(2))}"


def recovery(m):
    s = m.group(0)
    return RECOVERY(s.lower())[:-1] + (" in capitals>" if s != s.lower() else ">")


def key_id(m):
    s = m.group(0)
    if s.lower() in recovery_by_bare:
        code = RECOVERY(recovery_by_bare[s.lower()])[:-1]
        return code + (" without dashes>" if s == s.lower() else " without dashes, in capitals>")
    if s in known_ids or (re.search(r"[0-9A-Z]", s) and re.search(r"[a-z]", s) and not re.fullmatch(r"[0-9a-f]+", s)):
        return IDS(s)
    return s


def audit_ids(v):
    """Numbers the ids of audit events (objects with action, outcome and at)."""
    if isinstance(v, list):
        return [audit_ids(x) for x in v]
    if isinstance(v, dict):
        v = {k: audit_ids(x) for k, x in v.items()}
        if {"action", "outcome", "at"} <= v.keys() and isinstance(v.get("id"), int):
            v["id"] = AUDIT(v["id"])
        return v
    return v


def normalise(s):
    s = CSV_AUDIT_RE.sub(lambda m: AUDIT(int(m.group(1))), s)
    s = KEY_RE.sub(lambda m: KEYS(m.group(0)), s)
    s = HINT_RE.sub(hint, s)
    s = RECOVERY_RE.sub(recovery, s)
    if TOTP_RE:
        s = TOTP_RE.sub(lambda m: TOTPS(m.group(0)), s)
    s = ID_RE.sub(key_id, s)
    s = TS_RE.sub(ts, s)
    s = WHEN_RE.sub(when, s)
    s = DATE_RE.sub(date, s)
    s = THREAD_RE.sub(r"\1 (<N>)", s)
    s = RETRY_RE.sub("in <N> s", s)
    s = RETRY_JSON_RE.sub(r"\1<N>", s)
    return s


out = []
for line in text.split("\n"):
    stripped = line.strip()
    if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
        try:
            value = json.loads(stripped)
        except ValueError:
            value = None
        if value is not None:
            # JSON is shown indented, one field a line, so a diff points at the field.
            line = json.dumps(audit_ids(value), indent=2, ensure_ascii=False)
    out.append(normalise(line))

with open(out_path, "w", encoding="utf-8") as f:
    f.write("\n".join(out))
PYEOF

python3 "$WORK/normalise.py" "$WORK/transcript.txt" "$OUTPUT" "$T0" "$WORK" || exit 1
echo "cli-transcript: $N_CMDS commands ($N_ERR error cases, $N_UNEXPECTED unexpected exit statuses) in $(($(date -u +%s) - T0)) s; transcript in $OUTPUT" >&2
