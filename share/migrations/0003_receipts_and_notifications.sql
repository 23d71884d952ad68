-- Idempotency receipts, so a write whose reply was lost can be settled
-- without repeating it, and notifications of every committed change.

-- One row per write sent with an idempotency key, stored in the write's own
-- transaction. The primary key makes the key a fence: whoever inserts it
-- first decides whether the write can still happen.
CREATE TABLE careteam.write_receipts (
    organization_id   bigint NOT NULL REFERENCES careteam.organizations,
    idempotency_key   text NOT NULL CHECK (idempotency_key ~ '^[0-9a-f]{32}$'),
    action            text NOT NULL,
    -- md5 of the request (action, MRN, NPI, argument, expected version),
    -- so a key sent again with another request is rejected. NULL for the
    -- receipts settle_write makes.
    request_digest    text,
    -- A write_result outcome, or 'abandoned' when settle_write fenced the
    -- key before the write reached it.
    outcome           text NOT NULL,
    assignment_id     bigint,
    care_team_version bigint,
    other_provider    text,
    other_staff       text,
    other_at          timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, idempotency_key)
);

-- NOTE: receipts are only read while settling a lost reply, seconds after
-- the write, but nothing deletes old ones yet.
CREATE INDEX write_receipts_created_at
    ON careteam.write_receipts (created_at);

-- Runs one write by action name: assign, remove, set_role or
-- reassign_primary. p_argument is the role for assign and set_role and the
-- reason otherwise. With p_key set, the result is stored as a receipt, and
-- a key seen before returns its stored result instead of writing again.
CREATE FUNCTION careteam.write(p_action text, p_org bigint, p_mrn text,
                               p_npi text, p_argument text,
                               p_expected_version bigint, p_key text)
RETURNS careteam.write_result
LANGUAGE plpgsql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    r        write_result;
    v_stored write_receipts;
    v_digest text := md5(concat_ws(chr(31), p_action, p_mrn, p_npi,
                                   p_argument, p_expected_version));
BEGIN
    IF p_key IS NOT NULL THEN
        INSERT INTO write_receipts (organization_id, idempotency_key,
                                    action, request_digest, outcome)
        VALUES (p_org, p_key, p_action, v_digest, 'pending')
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            SELECT * INTO v_stored FROM write_receipts
             WHERE organization_id = p_org AND idempotency_key = p_key;
            IF v_stored.request_digest <> v_digest THEN
                RAISE EXCEPTION 'idempotency key % was used for another write',
                      p_key
                      USING ERRCODE = 'invalid_parameter_value';
            END IF;
            RETURN ROW(v_stored.outcome, v_stored.assignment_id,
                       v_stored.care_team_version, v_stored.other_provider,
                       v_stored.other_staff, v_stored.other_at);
        END IF;
    END IF;

    r := CASE p_action
         WHEN 'assign' THEN assign(p_org, p_mrn, p_npi, p_argument,
                                   p_expected_version)
         WHEN 'remove' THEN remove(p_org, p_mrn, p_npi, p_argument,
                                   p_expected_version)
         WHEN 'set_role' THEN set_role(p_org, p_mrn, p_npi, p_argument,
                                       p_expected_version)
         WHEN 'reassign_primary' THEN
             reassign_primary(p_org, p_mrn, p_npi, p_argument,
                              p_expected_version)
         END;
    IF r.outcome IS NULL THEN
        RAISE EXCEPTION 'unknown careteam write action %', p_action
              USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF p_key IS NOT NULL THEN
        UPDATE write_receipts
           SET outcome = r.outcome, assignment_id = r.assignment_id,
               care_team_version = r.care_team_version,
               other_provider = r.other_provider,
               other_staff = r.other_staff, other_at = r.other_at
         WHERE organization_id = p_org AND idempotency_key = p_key;
    END IF;
    RETURN r;
END
$$;

-- Settles a write whose reply was lost. If the write's transaction is
-- still running, this waits for it, because the write holds the key's
-- index entry. If the write never stored its receipt, this stores an
-- 'abandoned' one first, so the write can no longer apply later. Either
-- way the returned outcome is final.
CREATE FUNCTION careteam.settle_write(p_org bigint, p_key text)
RETURNS careteam.write_result
LANGUAGE plpgsql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    v_stored write_receipts;
BEGIN
    INSERT INTO write_receipts (organization_id, idempotency_key, action,
                                outcome)
    VALUES (p_org, p_key, 'unknown', 'abandoned')
    ON CONFLICT DO NOTHING;

    SELECT * INTO v_stored FROM write_receipts
     WHERE organization_id = p_org AND idempotency_key = p_key;
    RETURN ROW(v_stored.outcome, v_stored.assignment_id,
               v_stored.care_team_version, v_stored.other_provider,
               v_stored.other_staff, v_stored.other_at);
END
$$;

-- Sends a notification on channel careteam_care_team for every change to a
-- care team, whatever wrote it. The payload holds ids only, never names.
-- PostgreSQL sends identical payloads of one transaction once, so a
-- reassignment that touches three rows notifies once.
CREATE FUNCTION careteam.notify_care_team_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    v_row care_team_assignments := coalesce(NEW, OLD);
BEGIN
    PERFORM pg_notify('careteam_care_team',
                      json_build_object('organization_id',
                                        v_row.organization_id,
                                        'patient_id', v_row.patient_id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER care_team_assignments_notify
    AFTER INSERT OR UPDATE OR DELETE ON careteam.care_team_assignments
    FOR EACH ROW EXECUTE FUNCTION careteam.notify_care_team_change();
