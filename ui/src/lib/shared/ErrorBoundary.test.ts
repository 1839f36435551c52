import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import BoundaryHarness from '../../test/BoundaryHarness.svelte';

describe('ErrorBoundary', () => {
  it('shows a fallback instead of a blank window when rendering fails', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    render(BoundaryHarness);
    const fallback = screen.getByTestId('fatal-error');
    expect(fallback).toHaveAttribute('role', 'alert');
    expect(fallback).toHaveTextContent('Something went wrong in this window');
    expect(fallback).toHaveTextContent('render failed');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
    spy.mockRestore();
  });
});
