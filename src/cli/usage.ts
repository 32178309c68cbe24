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

export const ADMIN_USAGE = `Usage: cloudstorage admin <command> [--data DIR] [--json]

  account create --email E --password P [--admin] [--quota SIZE] [--plan NAME]
                 [--access-key AK --secret-key SK]
  account list
  key create --email E [--name N] [--access-key AK --secret-key SK]
  key list --email E
  key revoke --access-key AK
  usage [--recompute]
  scrub
`

export const TUI_USAGE = `Usage: cloudstorage tui [--data DIR] [--url URL]

  --url URL     HTTP API (env CLOUDSTORAGE_URL, default http://127.0.0.1:9001)
  --data DIR    data dir, for its admin.token (env CLOUDSTORAGE_DATA, default ./data)

  Auth: <data>/admin.token; env CLOUDSTORAGE_ADMIN_TOKEN overrides it.
  Keys: 1 overview, 2 accounts (s suspend/activate, e quota, n new, d delete), q or Ctrl+C
  quit, r refresh now, ? help. Needs an interactive terminal.
`
