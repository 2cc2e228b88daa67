-- Report runs are queued, then run in the background: they record when they
-- started, the grace period they used, and the software that computed them.
ALTER TABLE report_runs DROP CONSTRAINT report_runs_state_check;
ALTER TABLE report_runs
    ADD CONSTRAINT report_runs_state_check CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    ADD COLUMN start_time timestamptz,
    ADD COLUMN report_grace_days integer NOT NULL DEFAULT 30 CHECK (report_grace_days BETWEEN 0 AND 365),
    ADD COLUMN software_version text NOT NULL DEFAULT '';
-- ListReportRuns keyset: newest first.
CREATE INDEX report_runs_create_time_idx ON report_runs (create_time, id);
