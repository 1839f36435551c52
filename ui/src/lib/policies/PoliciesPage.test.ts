import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import PoliciesPage from './PoliciesPage.svelte';
import { policyFrom, toInputs } from './policyForm';
import { backend, commands, fail, makeMe, makePolicy, type Call } from '../../test/fixtures';
import type { Policy } from '../shared/api';

const me = makeMe({ is_admin: true });
const of = (calls: Call[], cmd: string) => calls.filter((c) => c.cmd === cmd);

async function open(handlers: Record<string, unknown> = {}, policy: Policy = makePolicy({ max_active_keys: 10 })) {
  const calls = backend({ policy, argon2_cost: 84, ...handlers });
  render(PoliciesPage, { me, costDelay: 20 });
  await screen.findByTestId('policy-save');
  return calls;
}

const input = (id: string, value: string) => fireEvent.input(screen.getByTestId(id), { target: { value } });

describe('policy form values', () => {
  it('round-trips a policy, with empty limits as none', () => {
    const p = makePolicy({ max_key_lifetime_days: null, max_active_keys: 3, argon2: { m_kib: 65536, t: 3, p: 2 } });
    expect(toInputs(p)).toMatchObject({ lifetime: '', keys: '3', memoryMib: '64' });
    expect(policyFrom(toInputs(p)).policy).toEqual(p);
  });

  it('refuses what the core refuses', () => {
    const bad = policyFrom({ min: '7', lifetime: '0', allowNever: false, keys: '1.5', memoryMib: '18', passes: '1', lanes: '0' });
    expect(bad.policy).toBeNull();
    expect(Object.keys(bad.errors).sort()).toEqual(['keys', 'lanes', 'lifetime', 'memory', 'min', 'passes']);
  });
});

describe('PoliciesPage', () => {
  it('reads the policy when it opens and shows the sign-in cost of its argon2 parameters', async () => {
    const calls = await open();
    expect(commands(calls)[0]).toBe('policy');
    expect(screen.getByTestId('policy-min-password')).toHaveValue(12);
    expect(screen.getByTestId('policy-max-lifetime')).toHaveValue(null);
    expect(screen.getByTestId('policy-allow-never')).toBeChecked();
    expect(screen.getByTestId('policy-max-keys')).toHaveValue(10);
    expect(screen.getByTestId('policy-argon2-memory')).toHaveValue(19);
    expect(screen.getByTestId('policy-argon2-passes')).toHaveValue(2);
    expect(screen.getByTestId('policy-argon2-lanes')).toHaveValue(1);
    const cost = screen.getByTestId('policy-cost');
    await vi.waitFor(() => expect(cost).toHaveAttribute('data-state', 'done'));
    expect(cost).toHaveTextContent('about 84 ms');
    expect(of(calls, 'argon2_cost')).toEqual([{ cmd: 'argon2_cost', args: { params: { m_kib: 19456, t: 2, p: 1 } } }]);
  });

  it('measures again when the argon2 inputs change, once they rest, saying "measuring…" meanwhile', async () => {
    let answer: (ms: number) => void = () => {};
    const calls = await open({ argon2_cost: (a: { params: { m_kib: number } }) => (a.params.m_kib === 19456 ? 84 : new Promise((r) => (answer = r))) });
    await vi.waitFor(() => expect(screen.getByTestId('policy-cost')).toHaveAttribute('data-state', 'done'));

    await input('policy-argon2-memory', '6');
    await input('policy-argon2-memory', '64');
    await input('policy-argon2-passes', '3');
    expect(screen.getByTestId('policy-cost')).toHaveTextContent('measuring…');
    await vi.waitFor(() => expect(of(calls, 'argon2_cost')).toHaveLength(2));
    expect(of(calls, 'argon2_cost')[1].args).toEqual({ params: { m_kib: 65536, t: 3, p: 1 } });
    expect(screen.getByTestId('policy-cost')).toHaveTextContent('measuring…');
    answer(1460);
    await vi.waitFor(() => expect(screen.getByTestId('policy-cost')).toHaveTextContent('about 1.5 s'));
    expect(screen.getByTestId('policy-cost')).toHaveTextContent('Slow');
    // The quick "6" on the way to "64" was never measured.
    expect(of(calls, 'argon2_cost')).toHaveLength(2);
  });

  it('shows parameters below OWASP’s minimum as field errors, measures nothing and saves nothing', async () => {
    const calls = await open();
    await vi.waitFor(() => expect(of(calls, 'argon2_cost')).toHaveLength(1));
    await input('policy-argon2-memory', '16');
    await input('policy-argon2-passes', '1');
    const memErr = await screen.findByTestId('policy-argon2-memory-error');
    expect(memErr).toHaveTextContent('Must be from 19 MiB (OWASP’s minimum for argon2id) to 1024 MiB.');
    expect(memErr).toHaveAttribute('role', 'alert');
    expect(screen.getByTestId('policy-argon2-passes-error')).toHaveTextContent('from 2 (OWASP’s minimum)');
    expect(screen.getByTestId('policy-argon2-memory')).toHaveAttribute('aria-invalid', 'true');
    await fireEvent.click(screen.getByTestId('policy-save'));
    expect(of(calls, 'argon2_cost')).toHaveLength(1);
    expect(commands(calls)).not.toContain('set_policy');
  });

  it('shows a refusal of the cost measurement next to its field', async () => {
    const calls = await open({
      argon2_cost: (a: { params: { p: number } }) =>
        a.params.p === 1 ? 84 : fail('invalid_input', 'argon2 lanes: must be between 1 and 16', { field: 'argon2 lanes' }),
    });
    await vi.waitFor(() => expect(of(calls, 'argon2_cost')).toHaveLength(1));
    await input('policy-argon2-lanes', '4');
    expect(await screen.findByTestId('policy-argon2-lanes-error')).toHaveTextContent('Must be between 1 and 16');
  });

  it('saves after step-up: the refused save runs again once the proof is given', async () => {
    let proven = false;
    const saved = makePolicy({ min_password_length: 14, max_key_lifetime_days: 90, allow_never_expiring: false, max_active_keys: 1, argon2: { m_kib: 65536, t: 3, p: 2 } });
    const calls = await open({
      set_policy: (a: { policy: Policy }) => (proven ? a.policy : fail('step_up_required', "confirm it's you")),
      confirm_password: () => {
        proven = true;
        return null;
      },
      argon2_cost: 120,
    });
    await input('policy-min-password', '14');
    await input('policy-max-lifetime', '90');
    await fireEvent.click(screen.getByTestId('policy-allow-never'));
    await input('policy-max-keys', '1');
    await input('policy-argon2-memory', '64');
    await input('policy-argon2-passes', '3');
    await input('policy-argon2-lanes', '2');
    await fireEvent.click(screen.getByTestId('policy-save'));

    const prompt = await screen.findByRole('alertdialog', { name: 'Confirm it’s you' });
    expect(prompt).toHaveTextContent('To change the policy, enter your password again.');
    expect(screen.queryByTestId('policy-saved')).toBeNull();
    await fireEvent.input(within(prompt).getByTestId('stepup-password'), { target: { value: 'pw' } });
    await fireEvent.click(within(prompt).getByTestId('stepup-submit'));

    expect(await screen.findByTestId('policy-saved')).toHaveTextContent('Policy saved.');
    const sets = of(calls, 'set_policy');
    expect(sets).toHaveLength(2);
    expect(sets[0].args).toEqual({ policy: saved });
    expect(sets[1].args).toEqual({ policy: saved });
    expect(commands(calls).filter((c) => c === 'set_policy' || c === 'confirm_password')).toEqual(['set_policy', 'confirm_password', 'set_policy']);
  });

  it('cancelling the step-up saves nothing', async () => {
    const calls = await open({ set_policy: () => fail('step_up_required', "confirm it's you") });
    await fireEvent.click(screen.getByTestId('policy-save'));
    await screen.findByRole('alertdialog', { name: 'Confirm it’s you' });
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(of(calls, 'set_policy')).toHaveLength(1);
    expect(screen.queryByTestId('policy-saved')).toBeNull();
  });

  it.each([
    ['argon2 memory', 'argon2 memory: must be between 19456 and 1048576 KiB', 'policy-argon2-memory-error', 'Must be between 19456 and 1048576 KiB'],
    ['argon2 iterations', 'argon2 iterations: must be between 2 and 20', 'policy-argon2-passes-error', 'Must be between 2 and 20'],
    ['max key lifetime', 'max key lifetime: must be between 1 and 3650 days', 'policy-max-lifetime-error', 'Must be between 1 and 3650 days'],
    ['min password length', 'min password length: must be between 8 and 128', 'policy-min-password-error', 'Must be between 8 and 128'],
    ['max active keys', 'max active keys: must be between 1 and 10000', 'policy-max-keys-error', 'Must be between 1 and 10000'],
  ])('shows the core’s refusal of %s next to the field', async (field, message, testid, text) => {
    await open({ set_policy: () => fail('invalid_input', message, { field }) });
    await fireEvent.click(screen.getByTestId('policy-save'));
    const err = await screen.findByTestId(testid);
    expect(err).toHaveTextContent(text);
    expect(err).toHaveAttribute('role', 'alert');
  });

  it('sends empty limits as none, and explains a limit of one key', async () => {
    const calls = await open({ set_policy: (a: { policy: Policy }) => a.policy });
    await input('policy-max-keys', '1');
    expect(screen.getByTestId('policy-one-key')).toHaveTextContent('One token at a time: a member must delete their key before making another.');
    expect(screen.getByTestId('policy-max-keys')).toHaveAccessibleDescription(/One token at a time/);
    await input('policy-max-keys', '');
    expect(screen.queryByTestId('policy-one-key')).toBeNull();
    await fireEvent.click(screen.getByTestId('policy-save'));
    await screen.findByTestId('policy-saved');
    expect(of(calls, 'set_policy')[0].args).toEqual({ policy: makePolicy({ max_active_keys: null, max_key_lifetime_days: null }) });
  });

  it('says "never" has no effect while a maximum lifetime is set', async () => {
    await open();
    expect(screen.getByTestId('policy-allow-never-hint')).toHaveTextContent('Only meaningful with no maximum lifetime');
    await input('policy-max-lifetime', '30');
    expect(screen.getByTestId('policy-allow-never-hint')).toHaveTextContent('Has no effect while a maximum lifetime is set');
  });

  it('keeps a memory set in KiB elsewhere exactly when its MiB is not touched', async () => {
    const p = makePolicy({ argon2: { m_kib: 20000, t: 2, p: 1 } });
    const calls = await open({ set_policy: (a: { policy: Policy }) => a.policy }, p);
    expect(screen.getByTestId('policy-argon2-memory')).toHaveValue(19.53);
    await fireEvent.click(screen.getByTestId('policy-save'));
    await screen.findByTestId('policy-saved');
    expect((of(calls, 'set_policy')[0].args.policy as Policy).argon2.m_kib).toBe(20000);
  });

  it('shows a load error with a way to try again', async () => {
    let n = 0;
    backend({ policy: () => (n++ === 0 ? fail('store_busy', 'the store is busy') : makePolicy()), argon2_cost: 80 });
    render(PoliciesPage, { me, costDelay: 20 });
    expect(await screen.findByTestId('policy-load-error')).toHaveTextContent('The store is busy.');
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('policy-save')).toBeInTheDocument();
  });

  it('labels every control', async () => {
    await open();
    for (const el of document.body.querySelectorAll<HTMLElement>('button, input, select')) {
      expect(el).toHaveAccessibleName();
    }
  });
});
