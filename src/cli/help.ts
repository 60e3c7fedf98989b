import { VERIFF_KINDS } from '../delivery/samples.js';
import { QUARANTINE_USAGE } from './quarantine.js';
import { SEND_USAGE } from './send.js';
import { SHOW_USAGE } from './show.js';
import { REDRIVE_USAGE, REPLAY_USAGE, SINKS_USAGE } from './sinks.js';
import { TAIL_USAGE } from './tail.js';
import { KEYS_USAGE } from './keys.js';
import { AUDIT_USAGE } from './audit.js';
import { REKEY_USAGE } from './rekey.js';
import { BLOCK_USAGE, ERASE_USAGE, EXPORT_USAGE, UNBLOCK_USAGE } from './subject-commands.js';

export const MIGRATE_USAGE = 'migrate';

/** What `ine-webhooks <command> --help` prints: usage, what it does, its options and examples. */
export const COMMAND_HELP: Record<string, string> = {
  tail: `usage: ine-webhooks ${TAIL_USAGE}

The newest events of the log, oldest of them first; with --follow, every new one as it is stored.
A table on a terminal, JSON lines when piped (or with --json).

options:
  -f, --follow          keep printing new events until Ctrl-C
  --provider P          only veriff or only incode
  --limit N             how many of the newest events to show first (1-1000, default 20)
  --json | --table      force JSON lines or a table
  --interval MS         with --follow, how often to look for new events (default 1000, at least 50)

examples:
  ine-webhooks tail
  ine-webhooks tail --follow --provider incode
  DATA_DIR=data/demo ine-webhooks tail --json | jq .status`,
  show: `usage: ine-webhooks ${SHOW_USAGE}

What happened to one session (a Veriff session id or an Incode InterviewId), or to every session
of one customer reference (Veriff vendorData / Incode externalId): the derived state per vendor
and the events in order.

examples:
  ine-webhooks show f04bdb47-d3be-4b28-b028-a652feb060b5
  ine-webhooks show customer-42 --json`,
  send: `usage: ine-webhooks ${SEND_USAGE}

Sends one correctly authenticated test delivery to a running installation, as the vendor would,
prints the answer and what was sent (kind, session, reference, event id). Exit 0 only for a 200.

options:
  --url URL            where the service listens (default http://127.0.0.1:$PORT)
  --kind K             Veriff only: ${VERIFF_KINDS.join(', ')} (default ine_registry)
  --status S           Incode only: IN_PROGRESS or FINISHED (default FINISHED)
  --method M           Incode only: static-header, oauth or hmac (default: the first configured, in that order)
  --reference ID       the customer reference to put in the sample (vendorData / externalId)
  --file F             send this JSON file instead of a sample

examples:
  ine-webhooks send veriff --kind decision --reference customer-42
  ine-webhooks send incode --status IN_PROGRESS --method oauth --reference customer-42
  ine-webhooks send veriff --url https://webhooks.example.com --file payload.json`,
  quarantine: `usage: ine-webhooks ${QUARANTINE_USAGE}

Authentic deliveries kept because they were not valid JSON or failed their schema: when, why,
how often they came, and the exact bytes.

examples:
  ine-webhooks quarantine
  ine-webhooks quarantine list --json --limit 10
  ine-webhooks quarantine show 3f1c2a9e-…`,
  sinks: `usage: ine-webhooks ${SINKS_USAGE}

Where stored events are forwarded (FORWARD_URL, NATS_URL) and the follow-up fetches
(incode-score, veriff-decision), and how far along each is:
delivered, pending, parked, the age of the oldest pending event, the last error; then the parked
events (given up after FORWARD_MAX_ATTEMPTS or FORWARD_MAX_AGE). A table on a terminal, one JSON
object when piped (or with --json).

options:
  --sink S              only the parked events of this sink (http, nats, incode-score, veriff-decision)
  --limit N             how many parked events to list (1-1000, default 100)
  --json                print JSON

examples:
  ine-webhooks sinks
  ine-webhooks sinks --json | jq '.sinks[] | {name, pending, parked}'`,
  redrive: `usage: ine-webhooks ${REDRIVE_USAGE}

Queues parked events again, from their first attempt: one event (--id) or every parked one
(--all), for one sink (--sink http, nats, incode-score or veriff-decision) or for every sink. A running service sends them
within seconds, ahead of newer events. Exit 1 when --id matched nothing parked.

examples:
  ine-webhooks redrive --all
  ine-webhooks redrive --sink http --id 9f2a…`,
  replay: `usage: ine-webhooks ${REPLAY_USAGE}

Queues stored events again for one forwarding sink (http or nats), in seq order: for a sink added
after the fact, or a downstream that lost data. Events of blocked subjects, erased events and events
already queued for the sink are skipped. --since (inclusive) and --until (exclusive) take an ISO 8601
date or date-time and compare with the time each event was received; --type keeps one kind
(decision, ine_registry, ine_scraping, ...). --dry-run only counts, and changes nothing. Each replay
is one record of the audit trail.

examples:
  ine-webhooks replay --sink http --since 2026-11-01 --dry-run
  ine-webhooks replay --sink nats --type decision`,
  keys: `usage: ine-webhooks ${KEYS_USAGE}

Named access keys for the admin listener (and the console), each with a role:
  viewer    event and session metadata, quarantine reasons, sinks; never a payload
  support   payloads and raw bodies too (each read is recorded in the audit trail)
  operator  redrive (and replay) too
  admin     keys and the audit trail too
\`add\` prints the new key once, alone on standard output (capture it: it is never shown again;
only its hash is stored). \`revoke\` refuses the key on every replica from the next request on.
Every change is recorded in the audit trail as cli:<os user>.

examples:
  KEY=$(ine-webhooks keys add ana --role support)
  ine-webhooks keys list
  ine-webhooks keys revoke ana`,
  audit: `usage: ine-webhooks ${AUDIT_USAGE}

The audit trail, newest first: every read of a payload (API, CLI), every redrive, key change and
refused admin request, with its time, actor, role, subject (ids only), reason and outcome.
A table on a terminal, JSON lines when piped (or with --json).

options:
  --actor A       only this actor (a key's name, a proxy identity, admin-token, cli:<user>, unknown)
  --subject S     only this subject (an event id, session id, reference or key name)
  --limit N       how many records (1-1000, default 50)

examples:
  ine-webhooks audit
  ine-webhooks audit --actor ana --json`,
  block: `usage: ine-webhooks ${BLOCK_USAGE}

Blocks a subject (a customer reference with every session it names, or one session) until a date:
its payloads are kept but withheld from every read, export and page, and its queued forwarding is
held; new deliveries for it are stored and blocked too. At the date the retention sweep erases it.
Recorded in the audit trail with the reason.

example:
  ine-webhooks block --reference customer-42 --until 2027-06-30 --reason "ARCO cancellation, ticket 1234"`,
  unblock: `usage: ine-webhooks ${UNBLOCK_USAGE}

Lifts a block: payloads readable again, held forwarding sent.

example:
  ine-webhooks unblock --reference customer-42 --reason "ticket 1234 withdrawn"`,
  erase: `usage: ine-webhooks ${ERASE_USAGE}

Destroys the payload and raw body of every event (and quarantined delivery) of the subject; ids,
kinds, statuses and times stay, so redeliveries are still duplicates and session states do not
move. Pending forwarding of them is dropped, and one erasure event (ids only) is stored and
forwarded to every sink. On SQLite no byte of an erased body stays in any file of the data folder.

example:
  ine-webhooks erase --reference customer-42 --reason "ARCO cancellation, ticket 1234"`,
  export: `usage: ine-webhooks ${EXPORT_USAGE}

Everything held about the subject as one JSON document on standard output (the right of access):
its events with their payloads, session states, follow-up results, erasures and quarantined
deliveries. Refused while the subject is blocked. Recorded in the audit trail with the reason.

example:
  ine-webhooks export --reference customer-42 --reason "ARCO access request, ticket 1234" > customer-42.json`,
  rekey: `usage: ine-webhooks ${REKEY_USAGE}

Re-seals every stored body not sealed with the current key (the first of PAYLOAD_KEYS), including
bodies stored before encryption was turned on, --batch bodies per transaction (default 200),
while the service runs. Afterwards older keys can be dropped from PAYLOAD_KEYS.

example:
  PAYLOAD_KEYS=k2:…,k1:… ine-webhooks rekey`,
  migrate: `usage: ine-webhooks ${MIGRATE_USAGE}

Applies pending schema migrations to the configured store (DATABASE_URL, else SQLite in DATA_DIR)
and says which; run it before starting replicas with MIGRATE_ON_START=false.

example:
  DATABASE_URL=postgres://ine@db/ine ine-webhooks migrate`,
};

export const USAGE = `usage: ine-webhooks <command> [options]    (ine-webhooks <command> --help for more)

commands:
  ${TAIL_USAGE}
      the event log, newest last; a table on a terminal, JSON lines when piped
  ${SHOW_USAGE}
      one session's timeline, or every session of a customer reference
  ${SEND_USAGE}
      a correctly authenticated test delivery to a running installation (default http://127.0.0.1:$PORT)
  ${QUARANTINE_USAGE}
      authentic deliveries kept because they were not valid JSON or failed their schema
  ${SINKS_USAGE}
      forwarding: each sink's delivered, pending and parked events, and its last error
  ${REDRIVE_USAGE}
      queue parked events again for forwarding
  ${REPLAY_USAGE}
      queue stored events again for one sink (a new sink, a downstream that lost data)
  ${KEYS_USAGE}
      named access keys (with a role) for the admin listener
  ${AUDIT_USAGE}
      the audit trail: who read or changed what
  ${BLOCK_USAGE}
  ${UNBLOCK_USAGE}
  ${ERASE_USAGE}
  ${EXPORT_USAGE}
      personal data: block, unblock, erase or export a customer's data
  ${REKEY_USAGE}
      re-seal stored bodies under the current PAYLOAD_KEYS key
  ${MIGRATE_USAGE}
      apply pending schema migrations to the configured store
  --version
      print the version

examples:
  ine-webhooks tail --follow
  ine-webhooks show customer-42
  ine-webhooks send veriff --kind decision

Settings come from the environment and .env, as for the service (see .env.example).`;
