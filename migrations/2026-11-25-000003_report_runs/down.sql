DROP INDEX report_runs_create_time_idx;
ALTER TABLE report_runs DROP COLUMN software_version, DROP COLUMN report_grace_days, DROP COLUMN start_time;
ALTER TABLE report_runs DROP CONSTRAINT report_runs_state_check;
ALTER TABLE report_runs ADD CONSTRAINT report_runs_state_check CHECK (state IN ('RUNNING', 'SUCCEEDED', 'FAILED'));
