// Every file in migrations/ is listed here so `bun build --compile` embeds it in the binary.
// test/unit/migrations.test.ts fails when a file is missing from this list.
import m0001 from '../../migrations/0001_init.sql' with { type: 'text' }
import m0002 from '../../migrations/0002_webhooks.sql' with { type: 'text' }
import m0003 from '../../migrations/0003_webhook_secret_enc.sql' with { type: 'text' }
import m0004 from '../../migrations/0004_shares.sql' with { type: 'text' }
import m0005 from '../../migrations/0005_webhook_debugging.sql' with { type: 'text' }

export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: '0001_init.sql', sql: m0001 },
  { version: 2, name: '0002_webhooks.sql', sql: m0002 },
  { version: 3, name: '0003_webhook_secret_enc.sql', sql: m0003 },
  { version: 4, name: '0004_shares.sql', sql: m0004 },
  { version: 5, name: '0005_webhook_debugging.sql', sql: m0005 },
]
