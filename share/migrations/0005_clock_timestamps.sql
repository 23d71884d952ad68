-- Stamp care-team changes with the time their write acquired the patient
-- lock, not the time their transaction began. A write that waited for the
-- lock began before the write it waited for committed, so with now() it
-- could end an assignment "before" it was assigned, which the check
-- constraint care_team_removed_after_assigned rejects. Every row one write
-- touches gets the same time, so a reassignment reads as one moment.

-- Returns the time lock_patient recorded for the current write, or the
-- current time outside a write.
CREATE FUNCTION careteam.write_time()
RETURNS timestamptz
LANGUAGE sql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT coalesce(nullif(current_setting('careteam.write_time', true),
                           '')::timestamptz,
                    clock_timestamp())
$$;

CREATE OR REPLACE FUNCTION careteam.lock_patient(p_org bigint, p_mrn text)
RETURNS careteam.patients
LANGUAGE plpgsql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    v_patient patients;
BEGIN
    SELECT * INTO v_patient FROM patients
     WHERE organization_id = p_org AND mrn = p_mrn
       FOR NO KEY UPDATE;
    -- Taken after the lock, so it is later than anything the writes this
    -- one waited for committed.
    PERFORM set_config('careteam.write_time', clock_timestamp()::text, true);
    RETURN v_patient;
END
$$;

ALTER TABLE careteam.care_team_assignments
    ALTER COLUMN assigned_at SET DEFAULT careteam.write_time();

-- greatest() keeps the constraint true even if the system clock stepped
-- back since the assignment was made.
CREATE OR REPLACE FUNCTION careteam.end_assignment(p_org bigint,
                                                   p_assignment bigint,
                                                   p_staff bigint,
                                                   p_reason text)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    UPDATE care_team_assignments
       SET removed_at = greatest(write_time(), assigned_at),
           removed_by = p_staff, removal_reason = p_reason
     WHERE organization_id = p_org AND id = p_assignment
$$;

CREATE OR REPLACE FUNCTION careteam.bump_version(p_org bigint,
                                                 p_patient bigint,
                                                 p_staff bigint)
RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    UPDATE patients
       SET care_team_version = care_team_version + 1,
           care_team_changed_by = p_staff,
           care_team_changed_at = write_time()
     WHERE organization_id = p_org AND id = p_patient
    RETURNING care_team_version
$$;

ALTER FUNCTION careteam.write_time() OWNER TO careteam_owner;
REVOKE ALL ON FUNCTION careteam.write_time() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION careteam.write_time()
    TO careteam_owner, careteam_auth, careteam_staff;
