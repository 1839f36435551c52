import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import Combobox, { filterOptions, fold, type ComboOption } from './Combobox.svelte';
import ComboboxInModal from '../../test/ComboboxInModal.svelte';

const OPTIONS: ComboOption[] = [
  { value: 'AX', label: 'Åland Islands', detail: 'AX' },
  { value: 'DE', label: 'Germany', detail: 'DE' },
  { value: 'NL', label: 'Netherlands', detail: 'NL' },
  { value: 'NZ', label: 'New Zealand', detail: 'NZ' },
  { value: 'GB', label: 'United Kingdom of Great Britain and Northern Ireland', detail: 'GB' },
];

function open(value = '') {
  const onpick = vi.fn();
  render(Combobox, { id: 'country', testid: 'country', options: OPTIONS, value, onpick });
  const input = screen.getByTestId('country') as HTMLInputElement;
  input.focus();
  return { input, onpick };
}

const list = () => screen.getByRole('listbox', { hidden: true });
const shown = () => within(list()).queryAllByRole('option').map((o) => o.textContent?.replace(/\s+/g, ' ').trim());

describe('filterOptions', () => {
  it('folds case and accents', () => {
    expect(fold(' Åland ')).toBe('aland');
  });

  it('puts an exact code first, then names starting with the text, then words, then the rest', () => {
    expect(filterOptions(OPTIONS, 'nl').map((o) => o.value)).toEqual(['NL']);
    expect(filterOptions(OPTIONS, 'ne').map((o) => o.value)).toEqual(['NL', 'NZ']);
    expect(filterOptions(OPTIONS, 'zealand').map((o) => o.value)).toEqual(['NZ']);
    expect(filterOptions(OPTIONS, 'britain').map((o) => o.value)).toEqual(['GB']);
    expect(filterOptions(OPTIONS, 'land').map((o) => o.value)).toEqual(['AX', 'NL', 'NZ', 'GB']);
    expect(filterOptions(OPTIONS, 'i').map((o) => o.value)).toEqual(['AX', 'GB']);
    expect(filterOptions(OPTIONS, 'aland').map((o) => o.value)).toEqual(['AX', 'NZ']);
    expect(filterOptions(OPTIONS, '').length).toBe(OPTIONS.length);
  });
});

describe('Combobox', () => {
  it('is an ARIA combobox showing the chosen option’s label, its list closed', () => {
    const { input } = open('DE');
    expect(input).toHaveAttribute('role', 'combobox');
    expect(input).toHaveAttribute('aria-expanded', 'false');
    expect(input).toHaveAttribute('aria-autocomplete', 'list');
    expect(input).toHaveAttribute('aria-controls', list().id);
    expect(input).toHaveValue('Germany');
    expect(list()).not.toBeVisible();
  });

  it('filters as you type and picks with the arrow keys and Enter', async () => {
    const { input, onpick } = open('DE');
    await fireEvent.input(input, { target: { value: 'ne' } });
    expect(input).toHaveAttribute('aria-expanded', 'true');
    expect(shown()).toEqual(['Netherlands NL', 'New Zealand NZ']);
    // The first match is active, ready for Enter; Down moves on.
    const first = within(list()).getAllByRole('option')[0];
    expect(input).toHaveAttribute('aria-activedescendant', first.id);
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    const second = within(list()).getAllByRole('option')[1];
    expect(input).toHaveAttribute('aria-activedescendant', second.id);
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(input).toHaveAttribute('aria-activedescendant', first.id);
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(onpick).toHaveBeenCalledWith('NZ');
    expect(input).toHaveValue('New Zealand');
    expect(input).toHaveAttribute('aria-expanded', 'false');
  });

  it('opens the whole list on ArrowDown at the chosen option, marked selected', async () => {
    const { input } = open('NL');
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(shown()).toHaveLength(OPTIONS.length);
    const selected = within(list()).getByRole('option', { selected: true });
    expect(selected).toHaveTextContent('Netherlands');
    expect(input).toHaveAttribute('aria-activedescendant', selected.id);
  });

  it('Escape closes the list, then puts back the chosen label', async () => {
    const { input, onpick } = open('DE');
    await fireEvent.input(input, { target: { value: 'zz' } });
    expect(screen.getByText('No match')).toBeInTheDocument();
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(input).toHaveAttribute('aria-expanded', 'false');
    expect(input).toHaveValue('zz');
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(input).toHaveValue('Germany');
    expect(onpick).not.toHaveBeenCalled();
  });

  it('picks with the mouse', async () => {
    const { input, onpick } = open();
    await fireEvent.click(input);
    await fireEvent.click(within(list()).getByText('Germany'));
    expect(onpick).toHaveBeenCalledWith('DE');
    expect(input).toHaveValue('Germany');
  });

  it('on leaving, takes text naming one option exactly and puts back anything else', async () => {
    const { input, onpick } = open('DE');
    await fireEvent.input(input, { target: { value: 'netherlands' } });
    await fireEvent.blur(input);
    expect(onpick).toHaveBeenCalledWith('NL');
    expect(input).toHaveValue('Netherlands');
    await fireEvent.input(input, { target: { value: 'land' } });
    await fireEvent.blur(input);
    expect(input).toHaveValue('Netherlands');
    expect(onpick).toHaveBeenCalledTimes(1);
  });

  it('inside a dialog, Escape closes the list first and the dialog only after', async () => {
    const onclose = vi.fn();
    render(ComboboxInModal, { options: OPTIONS, onclose });
    const input = screen.getByTestId('pick');
    input.focus();
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(input).toHaveAttribute('aria-expanded', 'true');
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(input).toHaveAttribute('aria-expanded', 'false');
    expect(onclose).not.toHaveBeenCalled();
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
  });
});
