import { describe, expect, it, vi } from 'vitest';
import { watchIdle } from './idle';

describe('watchIdle', () => {
  it('fires once after the idle time, and activity postpones it', () => {
    vi.useFakeTimers();
    const onidle = vi.fn();
    const stop = watchIdle(60_000, onidle);
    vi.advanceTimersByTime(50_000);
    window.dispatchEvent(new MouseEvent('mousemove'));
    vi.advanceTimersByTime(50_000);
    expect(onidle).not.toHaveBeenCalled();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'x' }));
    vi.advanceTimersByTime(59_000);
    expect(onidle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(onidle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(600_000);
    expect(onidle).toHaveBeenCalledTimes(1);
    stop();
  });

  it('stops watching when told', () => {
    vi.useFakeTimers();
    const onidle = vi.fn();
    const stop = watchIdle(1_000, onidle);
    stop();
    vi.advanceTimersByTime(5_000);
    expect(onidle).not.toHaveBeenCalled();
  });
});
