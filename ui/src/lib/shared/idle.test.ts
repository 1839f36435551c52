import { describe, expect, it, vi } from 'vitest';
import { reportActivity } from './idle';

const move = () => window.dispatchEvent(new MouseEvent('mousemove'));
const key = () => window.dispatchEvent(new KeyboardEvent('keydown', { key: 'x' }));

describe('reportActivity', () => {
  it('reports the first input at once, then at most once per interval', () => {
    vi.useFakeTimers();
    const report = vi.fn();
    const stop = reportActivity(report, 5_000);
    expect(report).not.toHaveBeenCalled();

    move();
    expect(report).toHaveBeenCalledTimes(1);
    // A burst of input inside the interval: one more report, at its end.
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(100);
      key();
    }
    expect(report).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(3_000);
    expect(report).toHaveBeenCalledTimes(2);

    // Quiet: nothing more is sent.
    vi.advanceTimersByTime(60_000);
    expect(report).toHaveBeenCalledTimes(2);
    // The next input after a quiet spell goes at once.
    move();
    expect(report).toHaveBeenCalledTimes(3);
    stop();
  });

  it('stops watching when told, dropping a pending report', () => {
    vi.useFakeTimers();
    const report = vi.fn();
    const stop = reportActivity(report, 5_000);
    move();
    move();
    stop();
    vi.advanceTimersByTime(10_000);
    move();
    expect(report).toHaveBeenCalledTimes(1);
  });
});
