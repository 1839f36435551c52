import { describe, expect, it, vi } from 'vitest';
import * as api from './api';
import { backend } from '../../test/fixtures';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { EventBatch } from './bindings';

describe('api', () => {
  it('keeps field and retry_after_secs from command errors', () => {
    expect(api.toApiError({ code: 'invalid_input', message: 'name: bad', field: 'name' })).toEqual({
      code: 'invalid_input',
      message: 'name: bad',
      field: 'name',
    });
    expect(api.toApiError({ code: 'throttled', message: 'wait', retry_after_secs: 4 }).retry_after_secs).toBe(4);
    expect(api.toApiError(new Error('boom'))).toEqual({ code: 'internal_error', message: 'boom' });
    expect(api.toApiError(42)).toEqual({ code: 'internal_error', message: 'Something went wrong.' });
  });

  it('reads an argument Tauri refused as bad input for that field', () => {
    expect(
      api.toApiError('invalid args `expiry` for command `create_key`: expiry: must be a date YYYY-MM-DD'),
    ).toEqual({ code: 'invalid_input', message: 'expiry: must be a date YYYY-MM-DD', field: 'expiry' });
    expect(api.toApiError('invalid args `firstName` for command `setup`: invalid type').field).toBe('first name');
    expect(api.toApiError('the webview went away')).toEqual({ code: 'internal_error', message: 'the webview went away' });
  });

  it('passes the contract’s argument names', async () => {
    const calls = backend({
      change_password: null,
      edit_key: {},
      regenerate_key: {},
      set_avatar: {},
      set_settings: {},
      update_profile: {},
      copy_key: {},
      download_key: null,
      forget_secret: null,
      confirm_password: null,
    });
    await api.changePassword('a', 'b', 'c');
    await api.editKey('k1', { permissions: ['x:read'] });
    await api.regenerateKey('k1', 'hours6');
    await api.setAvatar([1, 2]);
    await api.setSettings({ clipboard_clear_secs: null, idle_lock_mins: 5 });
    await api.updateProfile('A', 'L', '');
    await api.copyKey('k1');
    await api.downloadKey('k1');
    await api.forgetSecret('k1');
    await api.confirmPassword('pw');
    expect(calls).toEqual([
      { cmd: 'change_password', args: { current: 'a', new: 'b', confirm: 'c' } },
      { cmd: 'edit_key', args: { id: 'k1', permissions: ['x:read'] } },
      { cmd: 'regenerate_key', args: { id: 'k1', grace: 'hours6' } },
      { cmd: 'set_avatar', args: { bytes: [1, 2] } },
      { cmd: 'set_settings', args: { settings: { clipboard_clear_secs: null, idle_lock_mins: 5 } } },
      { cmd: 'update_profile', args: { firstName: 'A', lastName: 'L', email: '' } },
      { cmd: 'copy_key', args: { id: 'k1' } },
      { cmd: 'download_key', args: { id: 'k1' } },
      { cmd: 'forget_secret', args: { id: 'k1' } },
      { cmd: 'confirm_password', args: { password: 'pw' } },
    ]);
  });

  it('asks Rust to lock now, with no arguments', async () => {
    const calls = backend({ lock_now: null });
    await expect(api.lockNow()).resolves.toBeNull();
    expect(calls).toEqual([{ cmd: 'lock_now', args: {} }]);
  });

  it('reports not_signed_in to the shell', async () => {
    backend({ me: () => { throw { code: 'not_signed_in', message: 'sign in first' }; } });
    const handler = vi.fn();
    api.onNotSignedIn(handler);
    await expect(api.me()).rejects.toEqual({ code: 'not_signed_in', message: 'sign in first' });
    expect(handler).toHaveBeenCalledTimes(1);
    api.onNotSignedIn(null);
  });

  describe('Rust events (the desktop_events long poll)', () => {
    /** A backend that answers each poll from a list the test fills, recording cursors. */
    function rust() {
      const cursors: (number | null)[] = [];
      const answers: ((b: EventBatch) => void)[] = [];
      mockIPC((cmd, args) => {
        if (cmd !== 'desktop_events') throw { code: 'internal_error', message: cmd };
        cursors.push((args as { cursor?: number | null }).cursor ?? null);
        if (cursors.length === 1) return { cursor: 7, events: [] };
        return new Promise((r) => answers.push(r));
      });
      const flush = () => new Promise((r) => setTimeout(r, 0));
      return { cursors, answer: (b: EventBatch) => answers.shift()!(b), flush };
    }

    it('starts from now, hands each event to the listeners of its name, and polls on from the cursor', async () => {
      const r = rust();
      const locks: unknown[] = [];
      const cleared: unknown[] = [];
      const stopLocks = api.onEvent('session-locked', (p) => locks.push(p));
      const stopCleared = api.onEvent('clipboard-cleared', (p) => cleared.push(p.reason));
      await r.flush();
      expect(r.cursors).toEqual([null, 7]);

      r.answer({
        cursor: 9,
        events: [
          { event: 'clipboard-cleared', payload: { reason: 'lock' } },
          { event: 'session-locked', payload: { reason: 'screen', idle_lock_mins: null } },
        ],
      });
      await r.flush();
      expect(cleared).toEqual(['lock']);
      expect(locks).toEqual([{ reason: 'screen', idle_lock_mins: null }]);
      expect(r.cursors).toEqual([null, 7, 9]);

      stopLocks();
      r.answer({ cursor: 10, events: [{ event: 'session-locked', payload: { reason: 'idle', idle_lock_mins: 5 } }] });
      await r.flush();
      expect(locks).toHaveLength(1);
      expect(r.cursors).toEqual([null, 7, 9, 10]);
      stopCleared();
    });

    it('keeps polling when a listener throws, and the other listeners still hear the event', async () => {
      const r = rust();
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      const heard: string[] = [];
      const stopBad = api.onEvent('clipboard-cleared', () => {
        throw new Error('a broken listener');
      });
      const stopGood = api.onEvent('clipboard-cleared', (p) => heard.push(p.reason));
      await r.flush();
      r.answer({ cursor: 8, events: [{ event: 'clipboard-cleared', payload: { reason: 'timer' } }] });
      await r.flush();
      r.answer({ cursor: 9, events: [{ event: 'clipboard-cleared', payload: { reason: 'lock' } }] });
      await r.flush();
      expect(heard).toEqual(['timer', 'lock']);
      expect(r.cursors).toEqual([null, 7, 8, 9]);
      expect(logged).toHaveBeenCalledTimes(2);
      expect(String(logged.mock.calls[0][0])).toContain('clipboard-cleared');
      logged.mockRestore();
      stopBad();
      stopGood();
    });

    it('stops polling when the last listener leaves', async () => {
      const r = rust();
      const heard = vi.fn();
      const stop = api.onEvent('session-locked', heard);
      await r.flush();
      stop();
      r.answer({ cursor: 8, events: [{ event: 'session-locked', payload: { reason: 'manual', idle_lock_mins: null } }] });
      await r.flush();
      expect(heard).not.toHaveBeenCalled();
      expect(r.cursors).toEqual([null, 7]);
    });
  });
});
