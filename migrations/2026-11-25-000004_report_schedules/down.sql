DROP INDEX report_runs_tick_idx;
ALTER TABLE report_runs DROP COLUMN tables, DROP COLUMN scheduled_for, DROP COLUMN schedule_id;
DROP TABLE report_schedules;
