-- Lists of drafts in every order the list offers. A draft as of today has
-- none of the four lifecycle dates (none is ever stored later than the day it
-- is written: the service refuses future signing, stage, termination and
-- cancellation dates), and the states filter says so
-- (`agreement_record::states_condition`), so these partial indexes hold only
-- the undated agreements (about 3 %) and walk them in the list's order:
-- without them a list of drafts by title read most of the title index
-- (BENCHMARKS.md, "Lists at national scale").
CREATE INDEX agreements_undated_create_idx ON agreements (create_time, id)
    WHERE signed_on IS NULL AND process_started_on IS NULL AND terminated_on IS NULL AND cancelled_on IS NULL;
CREATE INDEX agreements_undated_title_idx ON agreements (title, id)
    WHERE signed_on IS NULL AND process_started_on IS NULL AND terminated_on IS NULL AND cancelled_on IS NULL;
CREATE INDEX agreements_undated_signed_idx ON agreements ((coalesce(signed_on, '9999-12-31'::date)), id)
    WHERE signed_on IS NULL AND process_started_on IS NULL AND terminated_on IS NULL AND cancelled_on IS NULL;
CREATE INDEX agreements_undated_until_idx ON agreements ((coalesce(effective_until, '9999-12-31'::date)), id)
    WHERE signed_on IS NULL AND process_started_on IS NULL AND terminated_on IS NULL AND cancelled_on IS NULL;
