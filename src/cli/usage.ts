export const MAIN_USAGE = `Usage: cloudstorage [command] [flags]

Commands:
  serve                     run the appliance (default when no command is given)
  tui                       terminal admin UI for a running appliance
  admin account create|list manage accounts
  admin key create|list|revoke
                            manage access keys
  admin usage [--recompute] show (or recompute and repair) usage counters
  admin scrub               re-read every blob and report bit rot

Flags:
  --version                 print the version
  --help                    this help; '<command> --help' for a command's flags
`

export const SERVE_USAGE = `Usage: cloudstorage serve [flags]

  --data DIR              data directory (env CLOUDSTORAGE_DATA, default ./data)
  --host ADDR             listen address (env CLOUDSTORAGE_HOST, default 0.0.0.0)
  --s3-port N             S3 endpoint port (env CLOUDSTORAGE_S3_PORT, default 9000)
  --port N                HTTP API port (env CLOUDSTORAGE_PORT, default 9001)
  --region R              region (env CLOUDSTORAGE_REGION, default eu-central-1)
  --domain D              enable virtual-hosted-style bucket.D (env CLOUDSTORAGE_DOMAIN)
  --config FILE           config file, JSON/YAML/TOML (env CLOUDSTORAGE_CONFIG)
  --blob-backend fs|s3    blob backend (env CLOUDSTORAGE_BLOB_BACKEND, default fs)
  --master-key-file F     master key file (env CLOUDSTORAGE_MASTER_KEY holds the key itself)
  --log-format json|text  request log format (env CLOUDSTORAGE_LOG_FORMAT, default text)
  --self-test             check the database, blob store and image library, then exit
`

/** Flags every admin command takes. */
const ADMIN_COMMON = `Flags for every admin command:
  --data DIR           data directory (env CLOUDSTORAGE_DATA, default ./data)
  --config FILE        config file, JSON/YAML/TOML (env CLOUDSTORAGE_CONFIG; default: the one
                       the server running on DIR read, as recorded in DIR/server.json)
  --init               create the data directory (database, master key) if it holds no
                       CloudStorage data yet; without it such a directory is refused
  --master-key-file F  master key file (env CLOUDSTORAGE_MASTER_KEY holds the key itself)
  --json               print one JSON document; errors as {"error":{"code","message"}} on stderr
  --help               this help
`

export const ADMIN_USAGE = `Usage: cloudstorage admin <command> [flags]

Commands (each takes effect on a running server at once; 'admin <command> --help' for its flags):
  account create --email E (--password P | --password-stdin) [--admin] [--quota SIZE]
                 [--plan NAME] [--access-key AK --secret-key SK]
  account list
  key create --email E [--name N] [--access-key AK --secret-key SK]
  key list --email E
  key revoke --access-key AK
  usage [--recompute]
  scrub

${ADMIN_COMMON}`

/** `admin <command> --help`: each command's own flags, then the common ones. */
export const ADMIN_COMMAND_USAGE: Record<string, string> = {
  'account create': `Usage: cloudstorage admin account create --email E (--password P | --password-stdin) [flags]

Creates an account with its default bucket and first key pair, and prints the key pair.

  --email E            the account's email (its login)
  --password P         its password (at least 10 characters)
  --password-stdin     read the password from stdin instead (a trailing newline is removed)
  --admin              make it an admin account
  --quota SIZE         storage quota overriding the plan's, e.g. 50GiB
  --plan NAME          a plan defined in the config file (default: the default plan)
  --access-key AK      use this first key pair instead of a generated one (with --secret-key)
  --secret-key SK

${ADMIN_COMMON}`,
  'account list': `Usage: cloudstorage admin account list [flags]

Lists the accounts with plan, usage and quota.

${ADMIN_COMMON}`,
  'key create': `Usage: cloudstorage admin key create --email E [flags]

Adds a key pair to an account (at most 5 per account) and prints it.

  --email E            the account
  --name N             a label for the key
  --access-key AK      use this key pair instead of a generated one (with --secret-key)
  --secret-key SK

${ADMIN_COMMON}`,
  'key list': `Usage: cloudstorage admin key list --email E [flags]

Lists an account's access keys (never their secrets).

  --email E            the account

${ADMIN_COMMON}`,
  'key revoke': `Usage: cloudstorage admin key revoke --access-key AK [flags]

Revokes an access key; a running server refuses it at once.

  --access-key AK      the key to revoke

${ADMIN_COMMON}`,
  usage: `Usage: cloudstorage admin usage [--recompute] [flags]

Shows each account's usage counters.

  --recompute          recompute them from the stored rows and repair any drift

${ADMIN_COMMON}`,
  scrub: `Usage: cloudstorage admin scrub [flags]

Re-reads every blob, compares its SHA-256 and reports bit rot with bucket and key (exit 1 if any).

${ADMIN_COMMON}`,
}

export const TUI_USAGE = `Usage: cloudstorage tui [--data DIR] [--url URL] [--access-key AK --secret-key SK | --login [--email E]]

  (no flags)          the server running on ./data (its server.json): its URL and admin token
  --data DIR          that data dir instead (env CLOUDSTORAGE_DATA)
  --url URL           HTTP API of another appliance (env CLOUDSTORAGE_URL)
  --access-key AK     sign in as a remote account with an access key pair
  --secret-key SK       (env CLOUDSTORAGE_ACCESS_KEY / CLOUDSTORAGE_SECRET_KEY)
  --login             sign in with email and password (asked for; --email E sets the email)
  --interval SECONDS  between refreshes (default 2, or 10 as a remote account)

  Auth without keys or login: <data>/admin.token; env CLOUDSTORAGE_ADMIN_TOKEN overrides it.
  A remote account sees its own keys, buckets, files, Time Machine, webhooks and shares.
  Screens: 1 overview, 2 accounts (admins), 3 keys, 4 buckets, 5 files, 6 time machine,
  7 webhooks, 8 shares; Tab cycles. Enter drills in, Esc goes back, / filters, : runs a
  command (:buckets, :files bucket/dir/, :tm bucket/file), ? shows this screen's keys,
  q or Ctrl+C quits. Needs an interactive terminal (scripts: cloudstorage admin … --json).
`
