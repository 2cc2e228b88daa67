-- Bureau workflows: the open register, spreadsheet imports, digests.

-- The open register publishes an agreement's budget and benefit figures only
-- when the bureau marks it public in full.
ALTER TABLE agreements ADD COLUMN public_in_full boolean NOT NULL DEFAULT false;
-- Imports match rows on the region's own document number.
CREATE INDEX agreements_document_number_idx ON agreements (region_code, document_number)
    WHERE delete_time IS NULL AND document_number <> '';

-- Report runs may also write the open register (public_register.csv/json, dcat.json).
ALTER TABLE report_runs ADD COLUMN public_register boolean NOT NULL DEFAULT false;

-- An import: the uploaded files, validated (a dry run), then committed in one
-- transaction. A run whose heartbeat stops (its server died) is FAILED by the
-- next look at it; nothing of an unfinished commit was written.
CREATE TABLE import_runs (
    id              uuid PRIMARY KEY,
    region_code     region_code NOT NULL,
    state           text NOT NULL CHECK (state IN ('VALIDATING', 'VALIDATED', 'INVALID', 'COMMITTING', 'SUCCEEDED', 'FAILED')),
    validate_only   boolean NOT NULL,
    actor           text NOT NULL,
    request_id      uuid,
    file_names      text[] NOT NULL,
    file_bytes      bigint NOT NULL CHECK (file_bytes >= 0),
    rows_total      bigint NOT NULL DEFAULT 0,
    rows_processed  bigint NOT NULL DEFAULT 0,
    created         bigint NOT NULL DEFAULT 0,
    updated         bigint NOT NULL DEFAULT 0,
    unchanged       bigint NOT NULL DEFAULT 0,
    conflicting     bigint NOT NULL DEFAULT 0,
    problem_count   bigint NOT NULL DEFAULT 0,
    -- Report lines beyond the 10 000 kept in import_rows.
    lines_not_listed bigint NOT NULL DEFAULT 0,
    error           text,
    heartbeat_at    timestamptz NOT NULL DEFAULT now(),
    committed_by    text,
    commit_time     timestamptz,
    version         bigint NOT NULL DEFAULT 1,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX import_runs_request_idx ON import_runs (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX import_runs_create_time_idx ON import_runs (create_time, id);

CREATE TABLE import_files (
    run_id       uuid NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
    position     smallint NOT NULL,
    region_code  region_code NOT NULL,
    name         text NOT NULL,
    content      bytea NOT NULL,
    PRIMARY KEY (run_id, position)
);

-- The per-row report of the last validation or commit (the first 10 000 entries).
CREATE TABLE import_rows (
    run_id       uuid NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
    seq          integer NOT NULL,
    region_code  region_code NOT NULL,
    sheet        text NOT NULL,
    row_number   integer,
    column_name  text,
    value        text NOT NULL DEFAULT '',
    outcome      text NOT NULL CHECK (outcome IN ('INVALID', 'CONFLICT', 'UPDATED', 'UNCHANGED')),
    message_id   text NOT NULL,
    message_en   text NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- Digests: who hears about what a unit owes. unit_code NULL is the bureau
-- (every unit of the region).
CREATE TABLE digest_recipients (
    id            uuid PRIMARY KEY,
    region_code   region_code NOT NULL,
    unit_code     text REFERENCES units (code),
    channel       text NOT NULL CHECK (channel IN ('EMAIL', 'WEBHOOK')),
    address       text NOT NULL CHECK (length(address) BETWEEN 3 AND 500),
    display_name  text NOT NULL DEFAULT '',
    -- HMAC-SHA256 key of a webhook endpoint.
    secret        text CHECK (channel = 'WEBHOOK' OR secret IS NULL),
    version       bigint NOT NULL DEFAULT 1,
    create_time   timestamptz NOT NULL DEFAULT now(),
    update_time   timestamptz NOT NULL DEFAULT now(),
    delete_time   timestamptz
);
CREATE INDEX digest_recipients_region_idx ON digest_recipients (region_code, create_time, id);

CREATE TABLE digest_schedules (
    id                   uuid PRIMARY KEY,
    region_code          region_code NOT NULL,
    display_name         text NOT NULL DEFAULT '',
    cron                 text NOT NULL,
    time_zone            text NOT NULL DEFAULT 'Asia/Jakarta',
    enabled              boolean NOT NULL DEFAULT true,
    -- Also send after each scheduled report run of the region.
    after_report_runs    boolean NOT NULL DEFAULT false,
    version              bigint NOT NULL DEFAULT 1,
    create_time          timestamptz NOT NULL DEFAULT now(),
    update_time          timestamptz NOT NULL DEFAULT now(),
    delete_time          timestamptz
);
CREATE INDEX digest_schedules_region_idx ON digest_schedules (region_code, create_time, id);

-- A tick is claimed by inserting its row: exactly one process fills the outbox for it.
CREATE TABLE digest_ticks (
    tick           text PRIMARY KEY,
    region_code    region_code NOT NULL,
    schedule_id    uuid REFERENCES digest_schedules (id) ON DELETE CASCADE,
    scheduled_for  timestamptz NOT NULL,
    as_of          date NOT NULL CHECK (as_of BETWEEN '1900-01-01' AND '2199-12-31'),
    create_time    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX digest_ticks_schedule_idx ON digest_ticks (schedule_id, scheduled_for);

-- The outbox: one row per (tick, recipient), content fixed when the tick is
-- claimed, so every attempt sends the same message under the same id.
CREATE TABLE digest_deliveries (
    id                uuid PRIMARY KEY,
    region_code       region_code NOT NULL,
    tick              text NOT NULL REFERENCES digest_ticks (tick) ON DELETE CASCADE,
    recipient_id      uuid NOT NULL REFERENCES digest_recipients (id),
    unit_code         text,
    channel           text NOT NULL CHECK (channel IN ('EMAIL', 'WEBHOOK')),
    address           text NOT NULL,
    subject           text NOT NULL,
    body_text         text NOT NULL,
    body_html         text NOT NULL,
    payload           jsonb NOT NULL,
    state             text NOT NULL CHECK (state IN ('PENDING', 'SENDING', 'DELIVERED', 'FAILED')),
    attempts          integer NOT NULL DEFAULT 0,
    max_attempts      integer NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 50),
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    lease_owner       text,
    lease_expires_at  timestamptz,
    last_error        text,
    delivered_at      timestamptz,
    create_time       timestamptz NOT NULL DEFAULT now(),
    update_time       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tick, recipient_id)
);
CREATE INDEX digest_deliveries_due_idx ON digest_deliveries (next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX digest_deliveries_lease_idx ON digest_deliveries (lease_expires_at) WHERE state = 'SENDING';
CREATE INDEX digest_deliveries_list_idx ON digest_deliveries (region_code, create_time, id);
