import { describe, expect, it } from 'vitest';
import {
  avatarColour,
  codeMessage,
  fieldFor,
  fieldMessage,
  formatInstant,
  initials,
  relative,
  rotatingUntil,
  sentence,
} from './format';
import { makeKey } from '../../test/fixtures';

describe('format', () => {
  it('makes initials from names, or from the username', () => {
    expect(initials({ first_name: 'Ada', last_name: 'Lovelace', username: 'x' })).toBe('AL');
    expect(initials({ first_name: '', last_name: '', username: 'grace.hopper' })).toBe('GH');
    expect(initials({ first_name: '', last_name: '', username: 'root' })).toBe('RO');
  });

  it('picks the same avatar colour for the same username', () => {
    expect(avatarColour('ada')).toBe(avatarColour('ADA'));
    expect(avatarColour('ada')).toMatch(/^#[0-9a-f]{6}$/);
    const many = new Set(['ada', 'grace', 'alan', 'barbara', 'edsger', 'donald', 'frances', 'ken'].map(avatarColour));
    expect(many.size).toBeGreaterThan(3);
  });

  it('strips the field prefix from validation messages', () => {
    expect(fieldMessage({ code: 'invalid_input', message: 'email: must be valid', field: 'email' })).toBe('Must be valid');
    expect(fieldMessage({ code: 'invalid_input', message: 'new password: too short', field: 'password' })).toBe('Too short');
  });

  it('routes only invalid_input errors to fields', () => {
    expect(fieldFor({ code: 'invalid_input', message: '', field: 'Email' }, { email: 'e' })).toBe('e');
    expect(fieldFor({ code: 'conflict', message: '', field: 'email' }, { email: 'e' })).toBeNull();
    expect(fieldFor({ code: 'invalid_input', message: '' }, { email: 'e' })).toBeNull();
  });

  it('writes an audit instant to the second, and passes on what is not a date', () => {
    const at = '2025-06-01T12:34:56Z';
    const shown = formatInstant(at);
    expect(shown).toContain('2025');
    expect(shown).toContain(String(new Date(at).getSeconds()).padStart(2, '0'));
    expect(formatInstant('not a date')).toBe('not a date');
  });

  it('writes relative times', () => {
    const now = Date.parse('2025-06-01T12:00:00Z');
    expect(relative('2025-06-04T12:00:00Z', now)).toBe('in 3 days');
    expect(relative('2025-06-01T10:00:00Z', now)).toBe('2 h ago');
    expect(relative('2025-06-01T11:59:50Z', now)).toBe('just now');
  });

  it('knows when a regenerated key is still rotating', () => {
    const now = Date.now();
    const k = makeKey({ name: 'x', replaced_by: 'y', revoked_at: new Date(now + 60_000).toISOString() });
    expect(rotatingUntil(k, now)).toBe(k.revoked_at);
    expect(rotatingUntil({ ...k, status: 'revoked' }, now)).toBeNull();
    expect(rotatingUntil({ ...k, replaced_by: null }, now)).toBeNull();
    expect(rotatingUntil({ ...k, revoked_at: new Date(now - 1).toISOString() }, now)).toBeNull();
  });

  it('turns messages into sentences', () => {
    expect(sentence('the store is busy')).toBe('The store is busy.');
    expect(sentence('Done!')).toBe('Done!');
  });

  it('words a refused code as a sentence about the code', () => {
    expect(codeMessage({ code: 'invalid_input', field: 'code', message: 'code: is not correct, or was already used' })).toBe(
      'That code is not correct, or was already used.',
    );
    expect(codeMessage({ code: 'invalid_input', field: 'code', message: 'code: came too late; sign in again' })).toBe(
      'Came too late; sign in again.',
    );
  });
});
