import React, { memo, useLayoutEffect, useRef } from 'react'
import { Box, measureElement, Text, type DOMElement } from 'ink'
import type { Account } from '../client'
import { formatBytes, formatCountShort, formatDay, formatPercent } from '../format'
import {
  accountRows, problemText, selectedIndex, shownAccounts, visibleRange,
  type AccountsMode, type AccountsView, type Notice,
} from '../state/accounts'
import { caption, emptyText, FilterLine } from '../components/Table'
import type { ScreenProps } from './types'
import { AccountDetail } from './AccountDetail'

/**
 * Column widths for a screen width; 0 hides a column. Email takes what is left, so on a narrow
 * terminal the least useful columns go first (created, then plan) before email gets too short.
 */
export interface Columns { email: number; plan: number; created: number }

const MARKER = 2
const ADMIN = 5
const STATUS = 9
const PLAN = 7
const USAGE = 16
const OBJECTS = 7
const CREATED = 10

export function columnsFor(width: number): Columns {
  // Each column after email is preceded by one space.
  const base = MARKER + (1 + ADMIN) + (1 + STATUS) + (1 + USAGE) + (1 + OBJECTS)
  const plan = width >= 70 ? PLAN : 0
  const created = width >= 80 ? CREATED : 0
  const fixed = base + (plan ? 1 + plan : 0) + (created ? 1 + created : 0)
  return { email: Math.max(8, width - fixed), plan, created }
}

/** Exactly `width` columns: cut with an ellipsis, or padded. */
function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const chars = [...text]
  if (chars.length > width) return chars.slice(0, Math.max(0, width - 1)).join('') + '…'
  return align === 'left' ? text.padEnd(width) : text.padStart(width)
}

function usageText(a: Account): string {
  return fit(`${formatBytes(a.usage.bytes, 'short')}/${formatBytes(a.quotaBytes, 'short')}`, USAGE - 5, 'right') + ' ' + fit(formatPercent(a.usage.bytes, a.quotaBytes), 4, 'right')
}

function usageColor(a: Account): string | undefined {
  if (a.quotaBytes <= 0) return undefined
  const ratio = a.usage.bytes / a.quotaBytes
  return ratio >= 1 ? 'red' : ratio >= 0.9 ? 'yellow' : undefined
}

/**
 * One Text per row (cheaper for Ink than a Box per cell), memoized: the reducer keeps an
 * account's object when a refresh brings the same values, so a poll re-renders no row, and a
 * cursor move re-renders two.
 */
const AccountRow = memo(function AccountRow({ account: a, selected, cols }: { account: Account; selected: boolean; cols: Columns }) {
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {selected ? '› ' : '  '}
      {fit(a.email, cols.email)}
      {' '}{fit(a.isAdmin ? 'yes' : '', ADMIN)}
      {' '}<Text color={a.status === 'active' ? 'green' : 'yellow'}>{fit(a.status, STATUS)}</Text>
      {cols.plan ? ' ' + fit(a.plan, cols.plan) : ''}
      {' '}<Text color={usageColor(a)}>{usageText(a)}</Text>
      {' '}{fit(formatCountShort(a.usage.objects), OBJECTS, 'right')}
      {cols.created ? ' ' + fit(formatDay(a.createdAt), cols.created) : ''}
    </Text>
  )
})

const TableHeader = memo(function TableHeader({ cols }: { cols: Columns }) {
  return (
    <Text wrap="truncate-end" bold dimColor>
      {'  '}{fit('email', cols.email)}
      {' '}{fit('admin', ADMIN)}
      {' '}{fit('status', STATUS)}
      {cols.plan ? ' ' + fit('plan', cols.plan) : ''}
      {' '}{fit('used/quota    %', USAGE, 'right')}
      {' '}{fit('objects', OBJECTS, 'right')}
      {cols.created ? ' ' + fit('created', cols.created) : ''}
    </Text>
  )
})

const NoticeBanner = memo(function NoticeBanner({ notice }: { notice: Notice }) {
  if (notice.tone === 'ok') return <Text color="green" wrap="truncate-end">✔ {notice.text}</Text>
  const p = notice.problem
  return (
    <Box flexDirection="column" flexShrink={0} borderStyle="round" borderColor="red" paddingX={1}>
      <Text color="red" bold wrap="truncate-end">✖ {notice.text}</Text>
      <Text wrap="truncate-end">{p ? problemText(p) : ''}{p?.requestId && p.kind === 'server' ? <Text dimColor> · request {p.requestId}</Text> : null}</Text>
    </Box>
  )
})

/** Typed text with a block cursor; a long value shows its end, where the typing happens. */
function Input({ label, value, focused = true }: { label: string; value: string; focused?: boolean }) {
  return (
    <Box>
      <Box flexShrink={0}><Text color={focused ? 'cyan' : undefined} bold={focused}>{label}</Text></Box>
      <Box flexGrow={1} flexShrink={1}>
        <Text wrap="truncate-start">{value}{focused ? <Text inverse> </Text> : null}</Text>
      </Box>
    </Box>
  )
}

function Dialog({ color, children }: { color: string; children: React.ReactNode }) {
  return <Box flexDirection="column" flexShrink={0} borderStyle="round" borderColor={color} paddingX={1}>{children}</Box>
}

/** The open dialog; every line is one terminal row (heights are fixed: see dialogHeight()). */
const ModeDialog = memo(function ModeDialog({ mode, busy }: { mode: AccountsMode; busy: boolean }) {
  switch (mode.kind) {
    case 'list':
      return null
    case 'status': {
      const suspend = mode.to === 'suspended'
      return (
        <Dialog color="yellow">
          <Text bold wrap="truncate-end">{suspend ? 'Suspend' : 'Activate'} {mode.email}?</Text>
          <Text wrap="truncate-end">
            {busy ? <Text dimColor>{suspend ? 'suspending…' : 'activating…'}</Text>
              : suspend ? 'It can no longer sign in or use its keys; its data stays. [y/N]' : 'It can sign in and use its keys again. [y/N]'}
          </Text>
        </Dialog>
      )
    }
    case 'quota':
      return (
        <Dialog color="cyan">
          <Text bold wrap="truncate-end">Quota for {mode.email} <Text dimColor>(now {formatBytes(mode.current)})</Text></Text>
          {busy ? <Text wrap="truncate-end">› {mode.text} <Text dimColor>saving…</Text></Text> : <Input label="› " value={mode.text} />}
          <Text dimColor wrap="truncate-end">A size such as 50GiB, 500MB or 1TiB; empty = the plan&apos;s quota.</Text>
        </Dialog>
      )
    case 'delete':
      return (
        <Dialog color="red">
          <Text bold color="red" wrap="truncate-end">Delete {mode.email} and ALL its data?</Text>
          {mode.mismatch ? <Text color="red" wrap="truncate-end">✖ That is not the account&apos;s email; type it exactly.</Text>
            : <Text dimColor wrap="truncate-end">Its buckets, objects and keys are removed for good.</Text>}
          {busy ? <Text wrap="truncate-end">deleting {mode.email}…</Text> : <Input label="Type the email to confirm: " value={mode.text} />}
        </Dialog>
      )
    case 'create': {
      // The focused field has a marker as well as a colour, so it shows without colours too.
      const focus = (field: string) => !busy && mode.field === field
      const label = (field: string, text: string) => `${focus(field) ? '›' : ' '} ${text.padEnd(10)}`
      return (
        <Dialog color="cyan">
          <Text bold wrap="truncate-end">New account{busy ? <Text dimColor> · creating…</Text> : null}</Text>
          <Input label={label('email', 'Email')} value={mode.email} focused={focus('email')} />
          <Input label={label('password', 'Password')} value={'•'.repeat([...mode.password].length)} focused={focus('password')} />
          <Box>
            <Text color={focus('admin') ? 'cyan' : undefined} bold={focus('admin')}>{label('admin', 'Admin')}</Text>
            <Text inverse={focus('admin')}>{mode.isAdmin ? 'yes' : 'no'}</Text>
            {focus('admin') ? <Text dimColor>  y/n</Text> : null}
          </Box>
        </Dialog>
      )
    }
    case 'secret':
      return (
        <Dialog color="green">
          <Text bold color="green" wrap="truncate-end">✔ Created {mode.email}</Text>
          <Text>Access key  {mode.accessKey}</Text>
          <Text>Secret key  {mode.secretKey}</Text>
          <Text wrap="truncate-end">Bucket      {mode.bucket}</Text>
          <Text bold color="yellow" wrap="truncate-end">⚠ The secret key is shown only this once: copy it now.</Text>
        </Dialog>
      )
  }
})

/** Rows before the screen has measured itself: the terminal minus header, hint bar and spare row. */
function estimatedHeight(terminalRows: number, problem: boolean): number {
  return Math.max(0, terminalRows - 4 - (problem ? 5 : 0))
}

export const Accounts = memo(function Accounts(props: ScreenProps) {
  if (props.state.accountDetail && props.state.accounts.mode.kind === 'list') return <AccountDetail {...props} />
  return <AccountsList {...props} />
})

const AccountsList = memo(function AccountsList({ state, url, dispatch, terminal, width }: ScreenProps) {
  const r = state.resources.accounts
  const measured = state.accounts
  const bounded = Number.isFinite(terminal.rows)
  const view: AccountsView = bounded && measured.height === null ? { ...measured, height: estimatedHeight(terminal.rows, state.problem !== null) } : measured
  const ref = useRef<DOMElement>(null)

  // The rows a list gets depend on the space Ink gave this screen (banners above it change that);
  // measured after layout. A change re-renders once; an unchanged size dispatches nothing.
  useLayoutEffect(() => {
    if (!bounded || !ref.current) return
    const h = measureElement(ref.current).height
    if (h !== measured.height) dispatch({ type: 'accounts/viewport', height: h })
  })

  const list = shownAccounts(state)
  const sel = selectedIndex(view, list)
  const range = visibleRange(view, list.length, sel)
  const cols = columnsFor(width)
  const busy = state.pending !== null

  let body: React.ReactNode
  if (r.data) {
    body = (
      <>
        <TableHeader cols={cols} />
        <Box flexDirection="column" flexGrow={1} flexShrink={1} overflow="hidden">
          {list.length === 0 && view.filter ? <Text dimColor>  {emptyText(view, '')}</Text> : null}
          {list.slice(range.start, range.end).map((row, i) => <AccountRow key={row.id} account={row.account} selected={range.start + i === sel} cols={cols} />)}
        </Box>
        {view.filtering ? <FilterLine filter={view.filter} /> : null}
        <Text dimColor wrap="truncate-end">{caption(list.length, accountRows(r.data).length, 'account', view, range, r.problem !== null)}</Text>
      </>
    )
  } else {
    // No data yet: the banner above says what is wrong, if anything.
    const text = state.connection === 'connecting' ? `connecting to ${url}…` : r.problem ? 'no data yet' : 'loading accounts…'
    body = <Box flexGrow={1} paddingX={1}><Text dimColor>{text}</Text></Box>
  }

  return (
    <Box ref={ref} flexDirection="column" flexGrow={1} flexShrink={1} overflow="hidden">
      {view.notice ? <NoticeBanner notice={view.notice} /> : null}
      {body}
      <ModeDialog mode={view.mode} busy={busy} />
    </Box>
  )
})
