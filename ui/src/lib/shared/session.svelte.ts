// What the window knows about the signed-in account that dialogs far from App need:
// whether step-up asks for an authenticator code or the password. App keeps it in step
// with `me.mfa_enabled`; the Security tab updates it when MFA is turned on or off.
class SessionFacts {
  mfaEnabled = $state(false);
}

export const session = new SessionFacts();
