-- Server-side functions behind every careteam action. Each action is one
-- statement, so it costs one round trip and runs in one transaction: a write
-- either applies whole or not at all.
--
-- Write functions return careteam.write_result. outcome is one of:
--   ok, invalid_role, invalid_reason, patient_not_found, provider_not_found,
--   provider_inactive, not_on_team, unchanged, primary_taken, duplicate,
--   no_primary, stale.
-- A staff member who is not a writer of the organization gets SQLSTATE 42501.

CREATE TYPE careteam.write_result AS (
    outcome           text,
    assignment_id     bigint,
    care_team_version bigint,
    -- The provider, staff member and time behind a conflict or stale result,
    -- so the message can say who did what.
    other_provider    text,
    other_staff       text,
    other_at          timestamptz
);

-- Returns the staff row of session_user, the role that logged in, and its
-- memberships. With p_org_code set, only that organization's membership is
-- returned.
CREATE FUNCTION careteam.session_context(p_org_code text)
RETURNS TABLE (staff_id bigint, staff_name text, organization_id bigint,
               organization_code text, organization_name text,
               access_level text)
LANGUAGE sql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT s.id, s.display_name, o.id, o.code, o.name, m.access_level
      FROM staff s
      LEFT JOIN memberships m ON m.staff_id = s.id
      LEFT JOIN organizations o ON o.id = m.organization_id
     WHERE s.role_name = session_user
       AND (p_org_code IS NULL OR o.code = p_org_code)
     ORDER BY o.code
$$;

-- Returns the staff id of current_user when it holds at least p_level in
-- p_org, and raises insufficient_privilege (42501) otherwise.
CREATE FUNCTION careteam.require_member(p_org bigint, p_level text)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    v_staff bigint;
    v_level text;
BEGIN
    SELECT s.id, m.access_level INTO v_staff, v_level
      FROM staff s
      JOIN memberships m ON m.staff_id = s.id AND m.organization_id = p_org
     WHERE s.role_name = current_user;

    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % is not a member of organization %',
              current_user, p_org
              USING ERRCODE = 'insufficient_privilege';
    END IF;

    IF p_level = 'clinician' AND v_level = 'read-only' THEN
        RAISE EXCEPTION 'role % has read-only access to organization %',
              current_user, p_org
              USING ERRCODE = 'insufficient_privilege';
    END IF;

    RETURN v_staff;
END
$$;

-- Searches one organization's patients. A query of the form YYYY-MM-DD
-- matches the date of birth. Any other query matches the MRN exactly, or the
-- folded name by substring or by trigram word similarity, which tolerates a
-- typo. Exact MRN matches sort first, then the closest names.
CREATE FUNCTION careteam.search_patients(p_org bigint, p_query text,
                                         p_limit integer)
RETURNS TABLE (mrn text, family_name text, given_name text, birth_date date,
               primary_provider text, care_team_version bigint)
LANGUAGE plpgsql STABLE
SET search_path = careteam, public, pg_catalog, pg_temp
SET pg_trgm.word_similarity_threshold = 0.5
AS $$
DECLARE
    v_query  text := btrim(coalesce(p_query, ''));
    v_folded text;
    v_like   text;
    v_date   date;
BEGIN
    PERFORM require_member(p_org, 'read-only');

    IF v_query = '' THEN
        RETURN;
    END IF;

    IF v_query ~ '^\d{4}-\d{2}-\d{2}$' THEN
        v_date := v_query::date;
        RETURN QUERY
            SELECT p.mrn, p.family_name, p.given_name, p.birth_date,
                   pr.display_name, p.care_team_version
              FROM patients p
              LEFT JOIN care_team_assignments a
                ON a.organization_id = p.organization_id
               AND a.patient_id = p.id
               AND a.role = 'PRIMARY' AND a.removed_at IS NULL
              LEFT JOIN providers pr
                ON pr.organization_id = a.organization_id
               AND pr.id = a.provider_id
             WHERE p.organization_id = p_org AND p.birth_date = v_date
             ORDER BY p.family_name, p.given_name, p.mrn
             LIMIT p_limit;
        RETURN;
    END IF;

    v_folded := fold_name(v_query);
    v_like := '%' || replace(replace(replace(v_folded, '\', '\\'),
                                     '%', '\%'), '_', '\_') || '%';

    RETURN QUERY
        SELECT p.mrn, p.family_name, p.given_name, p.birth_date,
               pr.display_name, p.care_team_version
          FROM patients p
          LEFT JOIN care_team_assignments a
            ON a.organization_id = p.organization_id
           AND a.patient_id = p.id
           AND a.role = 'PRIMARY' AND a.removed_at IS NULL
          LEFT JOIN providers pr
            ON pr.organization_id = a.organization_id
           AND pr.id = a.provider_id
         WHERE p.organization_id = p_org
           AND (p.mrn = v_query
                OR p.search_name LIKE v_like
                OR v_folded <% p.search_name)
         ORDER BY p.mrn = v_query DESC,
                  p.search_name LIKE v_like DESC,
                  word_similarity(v_folded, p.search_name) DESC,
                  p.family_name, p.given_name, p.mrn
         LIMIT p_limit;
END
$$;

-- Loads one patient's care team in one query. The first row always carries
-- the patient; assignment columns are NULL when the team is empty. Active
-- assignments come first, PRIMARY before SPECIALIST before CONSULTANT, then
-- removed ones, newest removal first. Removed rows only come with
-- p_include_removed.
CREATE FUNCTION careteam.care_team(p_org bigint, p_mrn text,
                                   p_include_removed boolean)
RETURNS TABLE (mrn text, family_name text, given_name text, birth_date date,
               care_team_version bigint, assignment_id bigint, role text,
               provider_npi text, provider_name text, specialty text,
               primary_panel_size bigint, assigned_at timestamptz,
               assigned_by text, removed_at timestamptz, removed_by text,
               removal_reason text)
LANGUAGE plpgsql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM require_member(p_org, 'read-only');

    RETURN QUERY
        SELECT p.mrn, p.family_name, p.given_name, p.birth_date,
               p.care_team_version, a.id, a.role, pr.npi, pr.display_name,
               pr.specialty,
               (SELECT count(*) FROM care_team_assignments panel
                 WHERE panel.organization_id = pr.organization_id
                   AND panel.provider_id = pr.id
                   AND panel.role = 'PRIMARY' AND panel.removed_at IS NULL),
               a.assigned_at, assigner.display_name, a.removed_at,
               remover.display_name, a.removal_reason
          FROM patients p
          LEFT JOIN care_team_assignments a
            ON a.organization_id = p.organization_id
           AND a.patient_id = p.id
           AND (p_include_removed OR a.removed_at IS NULL)
          LEFT JOIN providers pr
            ON pr.organization_id = a.organization_id
           AND pr.id = a.provider_id
          LEFT JOIN staff assigner ON assigner.id = a.assigned_by
          LEFT JOIN staff remover ON remover.id = a.removed_by
         WHERE p.organization_id = p_org AND p.mrn = p_mrn
         ORDER BY a.removed_at IS NOT NULL,
                  a.removed_at DESC,
                  array_position(ARRAY['PRIMARY', 'SPECIALIST', 'CONSULTANT'],
                                 a.role),
                  a.assigned_at, a.id;
END
$$;

-- Lists an organization's providers with their PRIMARY panel size. The
-- optional query matches the folded name, the specialty or the exact NPI.
CREATE FUNCTION careteam.list_providers(p_org bigint, p_query text,
                                        p_active_only boolean)
RETURNS TABLE (npi text, display_name text, specialty text, active boolean,
               primary_panel_size bigint)
LANGUAGE plpgsql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    v_query text := btrim(coalesce(p_query, ''));
    v_like  text;
BEGIN
    PERFORM require_member(p_org, 'read-only');

    v_like := '%' || replace(replace(replace(fold_name(v_query), '\', '\\'),
                                     '%', '\%'), '_', '\_') || '%';

    RETURN QUERY
        SELECT pr.npi, pr.display_name, pr.specialty, pr.active,
               (SELECT count(*) FROM care_team_assignments panel
                 WHERE panel.organization_id = pr.organization_id
                   AND panel.provider_id = pr.id
                   AND panel.role = 'PRIMARY' AND panel.removed_at IS NULL)
          FROM providers pr
         WHERE pr.organization_id = p_org
           AND (NOT p_active_only OR pr.active)
           AND (v_query = ''
                OR pr.npi = v_query
                OR fold_name(pr.display_name) LIKE v_like
                OR fold_name(pr.specialty) LIKE v_like)
         ORDER BY fold_name(pr.display_name), pr.npi;
END
$$;

-- Locks the patient's row for the rest of the transaction and returns it.
-- Every write calls this first, so two writes to one patient's team never
-- interleave: the second waits here and then sees what the first committed.
-- Under SERIALIZABLE, a row changed by a concurrent write raises 40001 here
-- instead, and the client retries.
CREATE FUNCTION careteam.lock_patient(p_org bigint, p_mrn text)
RETURNS careteam.patients
LANGUAGE sql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT * FROM patients
     WHERE organization_id = p_org AND mrn = p_mrn
       FOR NO KEY UPDATE
$$;

-- Returns a stale result, naming who changed the team last and when, if
-- the client expected another version. Returns NULL otherwise, and also when
-- the client sent no expected version.
CREATE FUNCTION careteam.stale_result(p_patient careteam.patients,
                                      p_expected bigint)
RETURNS careteam.write_result
LANGUAGE sql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    -- other_provider names the assignment changed last, with its role now
    -- or "removed", such as "Dr. Ada Okafor (PRIMARY)".
    SELECT ROW('stale', NULL, p_patient.care_team_version, last.label,
               s.display_name, p_patient.care_team_changed_at)::write_result
      FROM (SELECT 1) one
      LEFT JOIN staff s ON s.id = p_patient.care_team_changed_by
      LEFT JOIN LATERAL (
          SELECT pr.display_name || ' ('
                 || CASE WHEN a.removed_at IS NULL THEN a.role
                         ELSE 'removed' END || ')' AS label
            FROM care_team_assignments a
            JOIN providers pr
              ON pr.organization_id = a.organization_id
             AND pr.id = a.provider_id
           WHERE a.organization_id = p_patient.organization_id
             AND a.patient_id = p_patient.id
           ORDER BY coalesce(a.removed_at, a.assigned_at) DESC, a.id DESC
           LIMIT 1) last ON true
     WHERE p_expected IS NOT NULL
       AND p_expected <> p_patient.care_team_version
$$;

-- Records a committed change to the patient's team and returns the new
-- version.
CREATE FUNCTION careteam.bump_version(p_org bigint, p_patient bigint,
                                      p_staff bigint)
RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    UPDATE patients
       SET care_team_version = care_team_version + 1,
           care_team_changed_by = p_staff,
           care_team_changed_at = now()
     WHERE organization_id = p_org AND id = p_patient
    RETURNING care_team_version
$$;

-- Returns the active assignment of a provider on a patient's team, with who
-- assigned it.
CREATE FUNCTION careteam.active_assignment(p_org bigint, p_patient bigint,
                                           p_provider bigint,
                                           OUT assignment_id bigint,
                                           OUT role text,
                                           OUT assigned_at timestamptz,
                                           OUT assigned_by text)
LANGUAGE sql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT a.id, a.role, a.assigned_at, s.display_name
      FROM care_team_assignments a
      JOIN staff s ON s.id = a.assigned_by
     WHERE a.organization_id = p_org AND a.patient_id = p_patient
       AND a.provider_id = p_provider AND a.removed_at IS NULL
$$;

-- Returns the patient's active PRIMARY, with the provider's name and who
-- assigned it.
CREATE FUNCTION careteam.active_primary(p_org bigint, p_patient bigint,
                                        OUT assignment_id bigint,
                                        OUT provider_id bigint,
                                        OUT provider_name text,
                                        OUT assigned_at timestamptz,
                                        OUT assigned_by text)
LANGUAGE sql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT a.id, a.provider_id, pr.display_name, a.assigned_at, s.display_name
      FROM care_team_assignments a
      JOIN providers pr
        ON pr.organization_id = a.organization_id AND pr.id = a.provider_id
      JOIN staff s ON s.id = a.assigned_by
     WHERE a.organization_id = p_org AND a.patient_id = p_patient
       AND a.role = 'PRIMARY' AND a.removed_at IS NULL
$$;

CREATE FUNCTION careteam.end_assignment(p_org bigint, p_assignment bigint,
                                        p_staff bigint, p_reason text)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    UPDATE care_team_assignments
       SET removed_at = now(), removed_by = p_staff, removal_reason = p_reason
     WHERE organization_id = p_org AND id = p_assignment
$$;

CREATE FUNCTION careteam.valid_reason(p_reason text)
RETURNS boolean
LANGUAGE sql IMMUTABLE
RETURN p_reason IS NOT NULL AND p_reason ~ '[^[:space:][:cntrl:]]'
       AND length(p_reason) <= 500;

-- Adds a provider to a patient's active team with the given role.
CREATE FUNCTION careteam.assign(p_org bigint, p_mrn text, p_npi text,
                                p_role text, p_expected_version bigint)
RETURNS careteam.write_result
LANGUAGE plpgsql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    r          write_result;
    v_staff    bigint;
    v_patient  patients;
    v_provider providers;
    v_current  record;
BEGIN
    IF p_role IS NULL OR p_role NOT IN ('PRIMARY', 'SPECIALIST', 'CONSULTANT')
    THEN
        r.outcome := 'invalid_role';
        RETURN r;
    END IF;

    v_staff := require_member(p_org, 'clinician');

    v_patient := lock_patient(p_org, p_mrn);
    IF v_patient.id IS NULL THEN
        r.outcome := 'patient_not_found';
        RETURN r;
    END IF;
    r := stale_result(v_patient, p_expected_version);
    IF r.outcome IS NOT NULL THEN
        RETURN r;
    END IF;
    r.care_team_version := v_patient.care_team_version;

    SELECT * INTO v_provider FROM providers
     WHERE organization_id = p_org AND npi = p_npi;
    IF NOT FOUND THEN
        r.outcome := 'provider_not_found';
        RETURN r;
    END IF;
    r.other_provider := v_provider.display_name;
    IF NOT v_provider.active THEN
        r.outcome := 'provider_inactive';
        RETURN r;
    END IF;

    SELECT * INTO v_current
      FROM active_assignment(p_org, v_patient.id, v_provider.id);
    IF v_current.assignment_id IS NOT NULL THEN
        r.outcome := 'duplicate';
        r.other_staff := v_current.assigned_by;
        r.other_at := v_current.assigned_at;
        RETURN r;
    END IF;

    IF p_role = 'PRIMARY' THEN
        SELECT * INTO v_current FROM active_primary(p_org, v_patient.id);
        IF v_current.assignment_id IS NOT NULL THEN
            r.outcome := 'primary_taken';
            r.other_provider := v_current.provider_name;
            r.other_staff := v_current.assigned_by;
            r.other_at := v_current.assigned_at;
            RETURN r;
        END IF;
    END IF;

    INSERT INTO care_team_assignments
           (organization_id, patient_id, provider_id, role, assigned_by)
    VALUES (p_org, v_patient.id, v_provider.id, p_role, v_staff)
    RETURNING id INTO r.assignment_id;

    r.care_team_version := bump_version(p_org, v_patient.id, v_staff);
    r.outcome := 'ok';
    RETURN r;
END
$$;

-- Ends a provider's active assignment. Nothing is deleted: removed_at,
-- removed_by and the reason keep the history.
CREATE FUNCTION careteam.remove(p_org bigint, p_mrn text, p_npi text,
                                p_reason text, p_expected_version bigint)
RETURNS careteam.write_result
LANGUAGE plpgsql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    r          write_result;
    v_staff    bigint;
    v_patient  patients;
    v_provider providers;
    v_current  record;
BEGIN
    IF NOT valid_reason(p_reason) THEN
        r.outcome := 'invalid_reason';
        RETURN r;
    END IF;

    v_staff := require_member(p_org, 'clinician');

    v_patient := lock_patient(p_org, p_mrn);
    IF v_patient.id IS NULL THEN
        r.outcome := 'patient_not_found';
        RETURN r;
    END IF;
    r := stale_result(v_patient, p_expected_version);
    IF r.outcome IS NOT NULL THEN
        RETURN r;
    END IF;
    r.care_team_version := v_patient.care_team_version;

    SELECT * INTO v_provider FROM providers
     WHERE organization_id = p_org AND npi = p_npi;
    IF NOT FOUND THEN
        r.outcome := 'provider_not_found';
        RETURN r;
    END IF;
    r.other_provider := v_provider.display_name;

    SELECT * INTO v_current
      FROM active_assignment(p_org, v_patient.id, v_provider.id);
    IF v_current.assignment_id IS NULL THEN
        r.outcome := 'not_on_team';
        RETURN r;
    END IF;

    PERFORM end_assignment(p_org, v_current.assignment_id, v_staff,
                           btrim(p_reason));
    r.assignment_id := v_current.assignment_id;
    r.care_team_version := bump_version(p_org, v_patient.id, v_staff);
    r.outcome := 'ok';
    RETURN r;
END
$$;

-- Changes the role of a provider on a patient's team. The old assignment is
-- ended with the reason "Role changed to ROLE" and a new one begins, so the
-- history keeps every role the provider held.
CREATE FUNCTION careteam.set_role(p_org bigint, p_mrn text, p_npi text,
                                  p_role text, p_expected_version bigint)
RETURNS careteam.write_result
LANGUAGE plpgsql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    r          write_result;
    v_staff    bigint;
    v_patient  patients;
    v_provider providers;
    v_current  record;
    v_primary  record;
BEGIN
    IF p_role IS NULL OR p_role NOT IN ('PRIMARY', 'SPECIALIST', 'CONSULTANT')
    THEN
        r.outcome := 'invalid_role';
        RETURN r;
    END IF;

    v_staff := require_member(p_org, 'clinician');

    v_patient := lock_patient(p_org, p_mrn);
    IF v_patient.id IS NULL THEN
        r.outcome := 'patient_not_found';
        RETURN r;
    END IF;
    r := stale_result(v_patient, p_expected_version);
    IF r.outcome IS NOT NULL THEN
        RETURN r;
    END IF;
    r.care_team_version := v_patient.care_team_version;

    SELECT * INTO v_provider FROM providers
     WHERE organization_id = p_org AND npi = p_npi;
    IF NOT FOUND THEN
        r.outcome := 'provider_not_found';
        RETURN r;
    END IF;
    r.other_provider := v_provider.display_name;

    SELECT * INTO v_current
      FROM active_assignment(p_org, v_patient.id, v_provider.id);
    IF v_current.assignment_id IS NULL THEN
        r.outcome := 'not_on_team';
        RETURN r;
    END IF;
    IF v_current.role = p_role THEN
        r.outcome := 'unchanged';
        r.assignment_id := v_current.assignment_id;
        RETURN r;
    END IF;

    IF p_role = 'PRIMARY' THEN
        IF NOT v_provider.active THEN
            r.outcome := 'provider_inactive';
            RETURN r;
        END IF;
        SELECT * INTO v_primary FROM active_primary(p_org, v_patient.id);
        IF v_primary.assignment_id IS NOT NULL THEN
            r.outcome := 'primary_taken';
            r.other_provider := v_primary.provider_name;
            r.other_staff := v_primary.assigned_by;
            r.other_at := v_primary.assigned_at;
            RETURN r;
        END IF;
    END IF;

    PERFORM end_assignment(p_org, v_current.assignment_id, v_staff,
                           'Role changed to ' || p_role);
    INSERT INTO care_team_assignments
           (organization_id, patient_id, provider_id, role, assigned_by)
    VALUES (p_org, v_patient.id, v_provider.id, p_role, v_staff)
    RETURNING id INTO r.assignment_id;

    r.care_team_version := bump_version(p_org, v_patient.id, v_staff);
    r.outcome := 'ok';
    RETURN r;
END
$$;

-- Ends the patient's current PRIMARY with the reason and makes the given
-- provider PRIMARY, in one transaction. A provider already on the team as
-- SPECIALIST or CONSULTANT moves to PRIMARY. When the patient has no PRIMARY
-- any more (another user removed it), nothing changes and the outcome is
-- no_primary, so the user decides again on the current team.
CREATE FUNCTION careteam.reassign_primary(p_org bigint, p_mrn text,
                                          p_npi text, p_reason text,
                                          p_expected_version bigint)
RETURNS careteam.write_result
LANGUAGE plpgsql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    r          write_result;
    v_staff    bigint;
    v_patient  patients;
    v_provider providers;
    v_current  record;
    v_primary  record;
BEGIN
    IF NOT valid_reason(p_reason) THEN
        r.outcome := 'invalid_reason';
        RETURN r;
    END IF;

    v_staff := require_member(p_org, 'clinician');

    v_patient := lock_patient(p_org, p_mrn);
    IF v_patient.id IS NULL THEN
        r.outcome := 'patient_not_found';
        RETURN r;
    END IF;
    r := stale_result(v_patient, p_expected_version);
    IF r.outcome IS NOT NULL THEN
        RETURN r;
    END IF;
    r.care_team_version := v_patient.care_team_version;

    SELECT * INTO v_provider FROM providers
     WHERE organization_id = p_org AND npi = p_npi;
    IF NOT FOUND THEN
        r.outcome := 'provider_not_found';
        RETURN r;
    END IF;
    r.other_provider := v_provider.display_name;
    IF NOT v_provider.active THEN
        r.outcome := 'provider_inactive';
        RETURN r;
    END IF;

    SELECT * INTO v_primary FROM active_primary(p_org, v_patient.id);
    IF v_primary.assignment_id IS NULL THEN
        r.outcome := 'no_primary';
        RETURN r;
    END IF;
    IF v_primary.provider_id = v_provider.id THEN
        r.outcome := 'unchanged';
        r.assignment_id := v_primary.assignment_id;
        RETURN r;
    END IF;

    PERFORM end_assignment(p_org, v_primary.assignment_id, v_staff,
                           btrim(p_reason));

    SELECT * INTO v_current
      FROM active_assignment(p_org, v_patient.id, v_provider.id);
    IF v_current.assignment_id IS NOT NULL THEN
        PERFORM end_assignment(p_org, v_current.assignment_id, v_staff,
                               'Role changed to PRIMARY');
    END IF;

    INSERT INTO care_team_assignments
           (organization_id, patient_id, provider_id, role, assigned_by)
    VALUES (p_org, v_patient.id, v_provider.id, 'PRIMARY', v_staff)
    RETURNING id INTO r.assignment_id;

    r.other_provider := v_primary.provider_name;
    r.care_team_version := bump_version(p_org, v_patient.id, v_staff);
    r.outcome := 'ok';
    RETURN r;
END
$$;
