import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import AuditPage, { PAGE_SIZE } from './AuditPage.svelte';
import { backend, commands, fail, makeMe, type Call } from '../../test/fixtures';
import type { AuditEvent, AuditFilter } from '../shared/api';

const admin = makeMe({ username: 'ada', is_admin: true });
const member = makeMe({ username: 'grace', is_admin: false });

/** Events with ids n..1, newest (highest id) first, one a minute. */
function log(n: number): AuditEvent[] {
  const start = Date.parse('2025-03-10T12:00:00Z');
  return Array.from({ length: n }, (_, i) => {
    const id = n - i;
    return {
      id,
      at: new Date(start + id * 60_000).toISOString(),
      actor: id % 7 === 0 ? null : id % 2 ? 'ada' : 'grace',
      action: id % 3 ? 'key.created' : 'sign_in',
      target: `key k${id} (ci)`,
      outcome: id % 5 === 0 ? 'failed' : 'ok',
      detail: id % 4 === 0 ? 'live; samples:read' : '',
    };
  });
}

/** A backend paging through `events` like the core: `before`, `limit`, `more`. */
function pages(events: AuditEvent[], extra: Record<string, unknown> = {}) {
  return backend({
    audit_page: (a: { filter: AuditFilter }) => {
      const f = a.filter;
      const rest = events.filter((e) => f.before === undefined || e.id < f.before);
      const limit = f.limit ?? 100;
      return { events: rest.slice(0, limit), more: rest.length > limit };
    },
    ...extra,
  });
}

const filters = (calls: Call[]) => calls.filter((c) => c.cmd === 'audit_page').map((c) => c.args.filter as AuditFilter);
const rows = () => screen.queryAllByTestId('audit-row');

describe('AuditPage', () => {
  it('shows administrators the whole log, newest first, with each column', async () => {
    const calls = pages(log(3));
    render(AuditPage, { me: admin });
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Audit log');
    await vi.waitFor(() => expect(rows()).toHaveLength(3));
    expect(filters(calls)).toEqual([{ limit: PAGE_SIZE }]);

    const first = rows()[0];
    expect(first).toHaveAttribute('data-action', 'sign_in');
    expect(first).toHaveAttribute('data-outcome', 'ok');
    const cells = within(first).getAllByRole('cell');
    const at = new Date(Date.parse('2025-03-10T12:00:00Z') + 3 * 60_000);
    expect(cells[0]).toHaveTextContent(String(at.getFullYear()));
    expect(cells[0]).toHaveAttribute('title', at.toISOString());
    expect(cells[1]).toHaveTextContent('ada');
    expect(cells[2]).toHaveTextContent('sign_in');
    expect(cells[3]).toHaveTextContent('key k3 (ci)');
    expect(cells[4]).toHaveTextContent('ok');
    expect(within(cells[4]).getByText('ok')).toHaveClass('chip', 'out-ok');
    expect(screen.getByTestId('audit-filter-actor')).toBeInTheDocument();
    expect(screen.getByTestId('audit-range')).toHaveTextContent('1–3 of 3, newest first');
    // One page only: no pager.
    expect(screen.queryByTestId('audit-older')).toBeNull();
  });

  it('shows members “Your activity”, without the actor filter', async () => {
    const calls = pages(log(2));
    render(AuditPage, { me: member });
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Your activity');
    await vi.waitFor(() => expect(rows()).toHaveLength(2));
    expect(screen.queryByTestId('audit-filter-actor')).toBeNull();
    await fireEvent.input(screen.getByTestId('audit-filter-action'), { target: { value: 'key.' } });
    await fireEvent.click(screen.getByTestId('audit-apply'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(2));
    expect(filters(calls)[1]).toEqual({ action: 'key.', limit: PAGE_SIZE });
  });

  it('sends the filters as given, and only those filled in', async () => {
    const calls = pages(log(5));
    render(AuditPage, { me: admin });
    await vi.waitFor(() => expect(rows()).toHaveLength(5));
    await fireEvent.input(screen.getByTestId('audit-filter-actor'), { target: { value: 'grace' } });
    await fireEvent.input(screen.getByTestId('audit-filter-action'), { target: { value: 'key.' } });
    await fireEvent.change(screen.getByTestId('audit-filter-outcome'), { target: { value: 'failed' } });
    await fireEvent.input(screen.getByTestId('audit-filter-since'), { target: { value: '2025-03-01' } });
    await fireEvent.input(screen.getByTestId('audit-filter-until'), { target: { value: '2025-03-31' } });
    await fireEvent.input(screen.getByTestId('audit-filter-target'), { target: { value: 'k4' } });
    await fireEvent.click(screen.getByTestId('audit-apply'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(2));
    expect(filters(calls)[1]).toEqual({
      actor: 'grace',
      action: 'key.',
      outcome: 'failed',
      since: '2025-03-01',
      until: '2025-03-31',
      target: 'k4',
      limit: PAGE_SIZE,
    });

    await fireEvent.change(screen.getByTestId('audit-filter-outcome'), { target: { value: '' } });
    await fireEvent.input(screen.getByTestId('audit-filter-actor'), { target: { value: '' } });
    await fireEvent.click(screen.getByTestId('audit-apply'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(3));
    expect(filters(calls)[2]).toEqual({ action: 'key.', since: '2025-03-01', until: '2025-03-31', target: 'k4', limit: PAGE_SIZE });
  });

  it('shows a refused filter next to its field (dates the wrong way round) and keeps the rows shown', async () => {
    const events = log(4);
    const calls = backend({
      audit_page: (a: { filter: AuditFilter }) => {
        if (a.filter.since && a.filter.until && a.filter.since > a.filter.until)
          fail('invalid_input', 'since: must not be after until', { field: 'since' });
        return { events, more: false };
      },
      export_audit: { path: '/tmp/a.csv' },
    });
    render(AuditPage, { me: admin });
    await vi.waitFor(() => expect(rows()).toHaveLength(4));
    await fireEvent.input(screen.getByTestId('audit-filter-since'), { target: { value: '2025-04-02' } });
    await fireEvent.input(screen.getByTestId('audit-filter-until'), { target: { value: '2025-04-01' } });
    await fireEvent.click(screen.getByTestId('audit-apply'));
    const err = await screen.findByTestId('audit-filter-since-error');
    expect(err).toHaveTextContent('Must not be after until');
    expect(err).toHaveAttribute('role', 'alert');
    expect(screen.getByTestId('audit-filter-since')).toHaveAttribute('aria-invalid', 'true');
    expect(rows()).toHaveLength(4);
    // The refused filter did not become the one the rows and the export use.
    await fireEvent.click(screen.getByTestId('audit-export-csv'));
    await screen.findByTestId('audit-exported');
    expect(calls.find((c) => c.cmd === 'export_audit')?.args).toEqual({ filter: {}, format: 'csv' });
  });

  it('pages with before = the last event’s id, and goes back with Newer', async () => {
    const events = log(PAGE_SIZE * 2 + 7);
    const calls = pages(events);
    render(AuditPage, { me: admin });
    await vi.waitFor(() => expect(rows()).toHaveLength(PAGE_SIZE));
    expect(screen.getByTestId('audit-newer')).toBeDisabled();
    const lastOfFirst = Number(rows()[PAGE_SIZE - 1].getAttribute('data-id'));

    await fireEvent.click(screen.getByTestId('audit-older'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(2));
    expect(filters(calls)[1]).toEqual({ before: lastOfFirst, limit: PAGE_SIZE });
    await vi.waitFor(() => expect(rows()[0]).toHaveAttribute('data-id', String(lastOfFirst - 1)));
    expect(screen.getByTestId('audit-range')).toHaveTextContent(`${PAGE_SIZE + 1}–${PAGE_SIZE * 2}`);
    const lastOfSecond = Number(rows()[PAGE_SIZE - 1].getAttribute('data-id'));

    await fireEvent.click(screen.getByTestId('audit-older'));
    await vi.waitFor(() => expect(rows()).toHaveLength(7));
    expect(filters(calls)[2]).toEqual({ before: lastOfSecond, limit: PAGE_SIZE });
    expect(screen.getByTestId('audit-older')).toBeDisabled();

    await fireEvent.click(screen.getByTestId('audit-newer'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(4));
    expect(filters(calls)[3]).toEqual({ before: lastOfFirst, limit: PAGE_SIZE });
    await fireEvent.click(screen.getByTestId('audit-newer'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(5));
    expect(filters(calls)[4]).toEqual({ limit: PAGE_SIZE });
    await vi.waitFor(() => expect(rows()[0]).toHaveAttribute('data-id', String(events[0].id)));
    expect(screen.getByTestId('audit-newer')).toBeDisabled();
  });

  it('keeps the filter while paging, and starts again from the newest when it changes', async () => {
    const calls = pages(log(PAGE_SIZE + 3));
    render(AuditPage, { me: admin });
    await vi.waitFor(() => expect(rows()).toHaveLength(PAGE_SIZE));
    await fireEvent.input(screen.getByTestId('audit-filter-target'), { target: { value: 'ci' } });
    await fireEvent.click(screen.getByTestId('audit-apply'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(2));
    await fireEvent.click(await screen.findByTestId('audit-older'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(3));
    expect(filters(calls)[2]).toMatchObject({ target: 'ci', limit: PAGE_SIZE });
    expect(filters(calls)[2].before).toBeTypeOf('number');
    await fireEvent.click(screen.getByTestId('audit-apply'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(4));
    expect(filters(calls)[3]).toEqual({ target: 'ci', limit: PAGE_SIZE });
  });

  it('exports the filtered rows, without paging, and says where they were saved', async () => {
    const calls = pages(log(PAGE_SIZE + 3), {
      export_audit: (a: { format: string }) => (a.format === 'json' ? null : { path: '/home/ada/latchkey-audit.csv' }),
    });
    render(AuditPage, { me: admin });
    await vi.waitFor(() => expect(rows()).toHaveLength(PAGE_SIZE));
    await fireEvent.input(screen.getByTestId('audit-filter-action'), { target: { value: 'sign_in' } });
    await fireEvent.change(screen.getByTestId('audit-filter-outcome'), { target: { value: 'failed' } });
    await fireEvent.click(screen.getByTestId('audit-apply'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(2));
    await fireEvent.click(await screen.findByTestId('audit-older'));
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(3));

    await fireEvent.click(screen.getByTestId('audit-export-csv'));
    const saved = await screen.findByTestId('audit-exported');
    expect(saved).toHaveTextContent('Saved to /home/ada/latchkey-audit.csv');
    expect(saved).toHaveAttribute('role', 'status');
    const exports = calls.filter((c) => c.cmd === 'export_audit');
    expect(exports).toEqual([{ cmd: 'export_audit', args: { filter: { action: 'sign_in', outcome: 'failed' }, format: 'csv' } }]);

    await fireEvent.click(screen.getByTestId('audit-export-json'));
    await vi.waitFor(() => expect(screen.getByTestId('audit-exported')).toHaveTextContent('Export cancelled.'));
    expect(calls.filter((c) => c.cmd === 'export_audit')[1].args).toEqual({ filter: { action: 'sign_in', outcome: 'failed' }, format: 'json' });
  });

  it('shows a failed export', async () => {
    pages(log(2), { export_audit: () => fail('io_error', 'could not write the file') });
    render(AuditPage, { me: admin });
    await vi.waitFor(() => expect(rows()).toHaveLength(2));
    await fireEvent.click(screen.getByTestId('audit-export-json'));
    expect(await screen.findByTestId('audit-export-error')).toHaveTextContent('Could not write the file.');
  });

  it('says when nothing matches', async () => {
    pages([]);
    render(AuditPage, { me: admin });
    expect(await screen.findByTestId('audit-empty')).toHaveTextContent('Nothing has happened yet.');
    await fireEvent.input(screen.getByTestId('audit-filter-target'), { target: { value: 'zzz' } });
    await fireEvent.click(screen.getByTestId('audit-apply'));
    await vi.waitFor(() => expect(screen.getByTestId('audit-empty')).toHaveTextContent('No events match these filters.'));
  });

  it('shows a load error with a way to try again', async () => {
    let n = 0;
    const calls = backend({
      audit_page: () => (n++ === 0 ? fail('store_busy', 'the store is busy') : { events: log(1), more: false }),
    });
    render(AuditPage, { me: admin });
    expect(await screen.findByTestId('audit-error')).toHaveTextContent('The store is busy.');
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await vi.waitFor(() => expect(rows()).toHaveLength(1));
    expect(commands(calls)).toEqual(['audit_page', 'audit_page']);
  });

  it('labels every control', async () => {
    pages(log(PAGE_SIZE + 1));
    render(AuditPage, { me: admin });
    await vi.waitFor(() => expect(rows()).toHaveLength(PAGE_SIZE));
    for (const el of document.body.querySelectorAll<HTMLElement>('button, input, select')) {
      expect(el).toHaveAccessibleName();
    }
  });
});
