DROP INDEX agreements_terminated_create_idx, agreements_terminated_title_idx,
    agreements_terminated_signed_idx, agreements_terminated_until_idx,
    agreements_cancelled_create_idx, agreements_cancelled_title_idx,
    agreements_cancelled_signed_idx, agreements_cancelled_until_idx;
