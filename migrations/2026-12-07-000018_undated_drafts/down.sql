DROP INDEX agreements_undated_create_idx, agreements_undated_title_idx,
    agreements_undated_signed_idx, agreements_undated_until_idx;
