import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import CompanyPage from './CompanyPage.svelte';
import { backend, commands, fail, makeMe } from '../../test/fixtures';

const COUNTRIES = [
  { code: 'DE', name: 'Germany' },
  { code: 'NL', name: 'Netherlands' },
  { code: 'NZ', name: 'New Zealand' },
  { code: 'GB', name: 'United Kingdom of Great Britain and Northern Ireland' },
];
const ORG = { name: 'Analytical Engines Lab', country: 'GB' };

const admin = () => makeMe({ is_admin: true });

async function pickCountry(text: string, optionName: RegExp) {
  const input = screen.getByTestId('company-country');
  input.focus();
  await fireEvent.input(input, { target: { value: text } });
  await fireEvent.click(within(screen.getByRole('listbox')).getByRole('option', { name: optionName }));
}

describe('CompanyPage', () => {
  it('shows a member the details read-only, with the country’s name', async () => {
    backend({ organisation: ORG, countries: COUNTRIES });
    render(CompanyPage, { me: makeMe() });
    expect(await screen.findByTestId('company-name-value')).toHaveTextContent('Analytical Engines Lab');
    expect(screen.getByTestId('company-country-value')).toHaveTextContent(
      'United Kingdom of Great Britain and Northern Ireland GB',
    );
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(screen.queryByTestId('company-save')).toBeNull();
    expect(screen.getByText(/An administrator changes these details/)).toBeInTheDocument();
  });

  it('says “not set yet” to a member when nothing was set', async () => {
    backend({ organisation: { name: '', country: '' }, countries: COUNTRIES });
    render(CompanyPage, { me: makeMe() });
    expect(await screen.findByTestId('company-name-value')).toHaveTextContent('Not set yet');
    expect(screen.getByTestId('company-country-value')).toHaveTextContent('Not set yet');
  });

  it('lets an administrator change the name and pick a country by typing, then confirms', async () => {
    const calls = backend({
      organisation: ORG,
      countries: COUNTRIES,
      set_organisation: (a: { name: string; country: string }) => ({ name: a.name, country: a.country }),
    });
    render(CompanyPage, { me: admin() });
    const name = await screen.findByTestId('company-name');
    expect(name).toHaveValue('Analytical Engines Lab');
    expect(screen.getByTestId('company-country')).toHaveValue('United Kingdom of Great Britain and Northern Ireland');
    expect(screen.getByTestId('company-country-code')).toHaveTextContent('GB');
    expect(screen.getByTestId('company-save')).toBeDisabled();

    await fireEvent.input(name, { target: { value: '  Babbage Lab ' } });
    await pickCountry('zeal', /New Zealand/);
    expect(screen.getByTestId('company-country')).toHaveValue('New Zealand');
    expect(screen.getByTestId('company-country-code')).toHaveTextContent('NZ');
    await fireEvent.click(screen.getByTestId('company-save'));

    expect(await screen.findByTestId('company-saved')).toHaveTextContent('Company details saved.');
    expect(calls.at(-1)).toEqual({ cmd: 'set_organisation', args: { name: 'Babbage Lab', country: 'NZ' } });
    expect(screen.getByTestId('company-save')).toBeDisabled();
  });

  it('picks a country with the keyboard alone', async () => {
    const calls = backend({ organisation: ORG, countries: COUNTRIES, set_organisation: { name: ORG.name, country: 'DE' } });
    render(CompanyPage, { me: admin() });
    const input = await screen.findByTestId('company-country');
    input.focus();
    await fireEvent.input(input, { target: { value: 'ger' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(input).toHaveValue('Germany');
    await fireEvent.click(screen.getByTestId('company-save'));
    await screen.findByTestId('company-saved');
    expect(calls.at(-1)?.args).toEqual({ name: ORG.name, country: 'DE' });
  });

  it('refuses an empty name and no country before calling set_organisation', async () => {
    const calls = backend({ organisation: { name: 'Old', country: '' }, countries: COUNTRIES });
    render(CompanyPage, { me: admin() });
    const name = await screen.findByTestId('company-name');
    await fireEvent.input(name, { target: { value: '   ' } });
    await fireEvent.click(screen.getByTestId('company-save'));
    expect(screen.getByTestId('company-name-error')).toHaveTextContent('Enter the organisation’s name.');
    expect(screen.getByTestId('company-country-error')).toHaveTextContent('Choose a country from the list.');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByTestId('company-country')).toHaveAttribute('aria-invalid', 'true');
    expect(commands(calls)).toEqual(['organisation', 'countries']);
  });

  it('shows the core’s field errors next to the field they name', async () => {
    backend({
      organisation: ORG,
      countries: COUNTRIES,
      set_organisation: (a: { name: string }) =>
        a.name === 'bad'
          ? fail('invalid_input', 'name: must not contain control characters', { field: 'name' })
          : fail('invalid_input', 'country: must be an ISO 3166-1 alpha-2 code such as DE or NZ', { field: 'country' }),
    });
    render(CompanyPage, { me: admin() });
    const name = await screen.findByTestId('company-name');
    await fireEvent.input(name, { target: { value: 'bad' } });
    await fireEvent.click(screen.getByTestId('company-save'));
    expect(await screen.findByTestId('company-name-error')).toHaveTextContent('Must not contain control characters');
    expect(screen.queryByTestId('company-country-error')).toBeNull();

    await fireEvent.input(name, { target: { value: 'good' } });
    await fireEvent.click(screen.getByTestId('company-save'));
    expect(await screen.findByTestId('company-country-error')).toHaveTextContent(
      'Must be an ISO 3166-1 alpha-2 code such as DE or NZ',
    );
    expect(screen.queryByTestId('company-name-error')).toBeNull();
    expect(screen.queryByTestId('company-error')).toBeNull();
  });

  it('shows other refusals in a banner', async () => {
    backend({
      organisation: ORG,
      countries: COUNTRIES,
      set_organisation: () => fail('forbidden', 'not permitted: only administrators may change this'),
    });
    render(CompanyPage, { me: admin() });
    await fireEvent.input(await screen.findByTestId('company-name'), { target: { value: 'New name' } });
    await fireEvent.click(screen.getByTestId('company-save'));
    const banner = await screen.findByTestId('company-error');
    expect(banner).toHaveTextContent('Not permitted: only administrators may change this.');
    expect(banner).toHaveAttribute('data-code', 'forbidden');
    expect(screen.queryByTestId('company-saved')).toBeNull();
  });

  it('says when the details cannot be read, and tries again', async () => {
    let first = true;
    backend({
      organisation: () => {
        if (first) {
          first = false;
          fail('store_busy', 'the store is busy in another program; nothing was changed, try again');
        }
        return ORG;
      },
      countries: COUNTRIES,
    });
    render(CompanyPage, { me: makeMe() });
    expect(await screen.findByTestId('company-load-error')).toHaveTextContent('The store is busy');
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('company-name-value')).toHaveTextContent('Analytical Engines Lab');
  });
});
