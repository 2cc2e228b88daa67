-- Report schedules: cron expressions in a time zone; each tick runs exactly
-- once across replicas, claimed by the unique (schedule_id, scheduled_for).
CREATE TABLE report_schedules (
    id                 uuid PRIMARY KEY,
    -- NULL: reports over every region.
    region_code        region_code,
    display_name       text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
    -- Five-field cron (minute hour day-of-month month day-of-week).
    cron               text NOT NULL,
    time_zone          text NOT NULL DEFAULT 'Asia/Jakarta',
    period_rule        text NOT NULL CHECK (period_rule IN ('CURRENT_QUARTER', 'PREVIOUS_QUARTER',
        'CURRENT_MONTH', 'PREVIOUS_MONTH', 'YEAR_TO_DATE', 'PREVIOUS_YEAR')),
    -- Empty: every table.
    tables             text[] NOT NULL DEFAULT '{}',
    keep_runs          integer NOT NULL DEFAULT 12 CHECK (keep_runs BETWEEN 1 AND 1000),
    report_grace_days  integer NOT NULL DEFAULT 30 CHECK (report_grace_days BETWEEN 0 AND 365),
    enabled            boolean NOT NULL DEFAULT true,
    version            bigint NOT NULL DEFAULT 1,
    create_time        timestamptz NOT NULL DEFAULT now(),
    update_time        timestamptz NOT NULL DEFAULT now(),
    delete_time        timestamptz
);

ALTER TABLE report_runs
    ADD COLUMN schedule_id uuid REFERENCES report_schedules (id),
    ADD COLUMN scheduled_for timestamptz,
    ADD COLUMN tables text[] NOT NULL DEFAULT '{}',
    ADD CHECK ((schedule_id IS NULL) = (scheduled_for IS NULL));
CREATE UNIQUE INDEX report_runs_tick_idx ON report_runs (schedule_id, scheduled_for)
    WHERE schedule_id IS NOT NULL;
