-- explain_complaint: one complaint with every staged fact (for `complaints explain`).
-- Returns: all columns of stg_complaints (canonical columns, personal data included: the
--          caller masks them) for the complaint, or no row.
-- Grain: complaint (0 or 1 row).
-- Parameters: $complaint_id (varchar, exact).
select *
from stg_complaints
where complaint_id = $complaint_id
