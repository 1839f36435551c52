import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import Lazy from './Lazy.svelte';

describe('Lazy', () => {
  it('says so, instead of a blank page, when a screen cannot be loaded', async () => {
    render(Lazy, {
      load: () => Promise.reject(new TypeError('Importing a module script failed.')),
      children: createRawSnippet(() => ({ render: () => '<p data-testid="screen">never</p>' })),
    });
    const error = await screen.findByTestId('screen-load-error');
    expect(error).toHaveAttribute('role', 'alert');
    expect(error).toHaveTextContent('This screen could not be loaded. Restart Latchkey');
    // The cause is for a developer's console, not the window.
    expect(error).not.toHaveTextContent('module script');
    expect(screen.queryByTestId('screen')).toBeNull();
  });

  it('shows the screen once it has loaded', async () => {
    render(Lazy, {
      load: () => import('../../test/Throws.svelte'),
      children: createRawSnippet(() => ({ render: () => '<p data-testid="screen">loaded</p>' })),
    });
    expect(await screen.findByTestId('screen')).toHaveTextContent('loaded');
    expect(screen.queryByTestId('screen-load-error')).toBeNull();
  });
});
