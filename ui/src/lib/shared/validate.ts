// Client-side checks that mirror the core's rules, so most mistakes are caught before a
// round trip. The core still decides; its field errors are shown the same way.

export function checkUsername(s: string): string | null {
  const v = s.trim();
  if (!v) return 'Enter a username.';
  if ([...v].length > 64) return 'Must be at most 64 characters.';
  if (!/^[\p{L}\p{N}._-]+$/u.test(v)) return "May contain only letters, digits, '.', '_' and '-'.";
  return null;
}

/** Email is optional; when given it must look like an address. */
export function checkEmail(s: string, required = false): string | null {
  const v = s.trim();
  if (!v) return required ? 'Enter an email address.' : null;
  if (v.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return 'Enter a valid email address, like ada@example.org.';
  return null;
}

export function checkPersonName(s: string): string | null {
  if ([...s.trim()].length > 100) return 'Must be at most 100 characters.';
  return null;
}

export function checkNewPassword(pw: string, min: number): string | null {
  if (!pw) return 'Enter a password.';
  if ([...pw].length < min) return `Must be at least ${min} characters.`;
  if ([...pw].length > 256) return 'Must be at most 256 characters.';
  return null;
}

export function checkConfirm(pw: string, confirm: string): string | null {
  if (!confirm) return 'Type the password again.';
  if (pw !== confirm) return 'Does not match the new password.';
  return null;
}

export function checkKeyName(s: string): string | null {
  const v = s.trim();
  if (!v) return 'Give the key a name, e.g. “lab-pipeline”.';
  if ([...v].length > 100) return 'Must be at most 100 characters.';
  return null;
}
