import { describe, expect, it } from 'vitest';
import { lockMessage } from './lock';

describe('lockMessage', () => {
  it('says why the window locked', () => {
    expect(lockMessage('idle', 15)).toBe('Locked after 15 minutes without activity. Sign in to continue.');
    expect(lockMessage('idle', 1)).toBe('Locked after 1 minute without activity. Sign in to continue.');
    expect(lockMessage('screen', 15)).toBe('Locked because the screen locked.');
    expect(lockMessage('sleep', 15)).toBe('Locked before the computer went to sleep.');
    expect(lockMessage('manual', 15)).toBe('Locked.');
  });

  it('reads a missing reason as idle (an older event) and an unknown one as a plain lock', () => {
    expect(lockMessage(undefined, 5)).toBe('Locked after 5 minutes without activity. Sign in to continue.');
    expect(lockMessage('tray' as never, 5)).toBe('Locked.');
  });
});
