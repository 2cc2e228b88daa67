-- Lists of the rare ended states, in every order the list offers. A
-- TERMINATED or CANCELLED agreement has its date (the states filter,
-- `agreements::states_condition`, says `terminated_on <= day`, which
-- PostgreSQL knows implies the column is set), so these partial indexes hold
-- only those few rows (about 3 % each) and walk them in the list's order:
-- without them a list of terminated agreements by signing date read most of
-- the register to find its page (BENCHMARKS.md, "Lists at national scale").
CREATE INDEX agreements_terminated_create_idx ON agreements (create_time, id)
    WHERE terminated_on IS NOT NULL;
CREATE INDEX agreements_terminated_title_idx ON agreements (title, id)
    WHERE terminated_on IS NOT NULL;
CREATE INDEX agreements_terminated_signed_idx ON agreements ((coalesce(signed_on, '9999-12-31'::date)), id)
    WHERE terminated_on IS NOT NULL;
CREATE INDEX agreements_terminated_until_idx ON agreements ((coalesce(effective_until, '9999-12-31'::date)), id)
    WHERE terminated_on IS NOT NULL;
CREATE INDEX agreements_cancelled_create_idx ON agreements (create_time, id)
    WHERE cancelled_on IS NOT NULL;
CREATE INDEX agreements_cancelled_title_idx ON agreements (title, id)
    WHERE cancelled_on IS NOT NULL;
CREATE INDEX agreements_cancelled_signed_idx ON agreements ((coalesce(signed_on, '9999-12-31'::date)), id)
    WHERE cancelled_on IS NOT NULL;
CREATE INDEX agreements_cancelled_until_idx ON agreements ((coalesce(effective_until, '9999-12-31'::date)), id)
    WHERE cancelled_on IS NOT NULL;
