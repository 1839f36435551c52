import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import TabsHarness from '../../test/TabsHarness.svelte';

const tabs = () => screen.getAllByRole('tab');
const key = (k: string) => fireEvent.keyDown(document.activeElement!, { key: k });

describe('Tabs keyboard', () => {
  it('is a labelled tab list with one tab in the Tab order and its panel labelled by it', () => {
    render(TabsHarness);
    expect(screen.getByRole('tablist', { name: 'Sections' })).toBeInTheDocument();
    expect(tabs().map((t) => t.getAttribute('tabindex'))).toEqual(['0', '-1', '-1']);
    expect(screen.getByRole('tabpanel', { name: 'One' })).toHaveTextContent('Panel one');
  });

  it('arrow keys move the selection and the focus, wrapping at the ends', async () => {
    render(TabsHarness);
    tabs()[0].focus();
    await key('ArrowRight');
    expect(screen.getByRole('tab', { name: 'Two' })).toHaveFocus();
    expect(screen.getByRole('tab', { name: 'Two' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tabpanel', { name: 'Two' })).toHaveTextContent('Panel two');
    await key('ArrowRight');
    await key('ArrowRight');
    expect(screen.getByRole('tab', { name: 'One' })).toHaveFocus();
    await key('ArrowLeft');
    expect(screen.getByRole('tab', { name: 'Three' })).toHaveFocus();
    expect(screen.getByRole('tab', { name: 'Three' })).toHaveAttribute('aria-selected', 'true');
    expect(tabs().map((t) => t.getAttribute('tabindex'))).toEqual(['-1', '-1', '0']);
  });

  it('Home and End go to the first and last tab; other keys do nothing', async () => {
    render(TabsHarness);
    tabs()[1].focus();
    await key('End');
    expect(screen.getByRole('tab', { name: 'Three' })).toHaveFocus();
    await key('Home');
    expect(screen.getByRole('tab', { name: 'One' })).toHaveFocus();
    await key('ArrowDown');
    await key('a');
    expect(screen.getByRole('tab', { name: 'One' })).toHaveAttribute('aria-selected', 'true');
  });
});
