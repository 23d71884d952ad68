-- The database as the security boundary: staff log in as their own roles,
-- see only rows of organizations they belong to (row-level security), write
-- only through careteam's functions, prove a second factor where the
-- organization requires one, and leave an append-only audit trail.
--
-- Identity is session_user, the role that logged in. SET ROLE changes
-- current_user but not session_user, so nothing a client sets can change
-- whose access applies.
--
-- Roles:
--   careteam_owner  owns every object; not a superuser, cannot log in.
--   careteam_auth   owns the few functions that read memberships and MFA
--                   state for the policies; BYPASSRLS so the policies do
--                   not recurse; cannot log in.
--   careteam_staff  granted to every staff login role; reads through the
--                   policies and writes through SECURITY DEFINER functions.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'careteam_owner') THEN
        CREATE ROLE careteam_owner NOLOGIN NOSUPERUSER NOCREATEDB
            NOCREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'careteam_auth') THEN
        CREATE ROLE careteam_auth NOLOGIN NOSUPERUSER BYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'careteam_staff') THEN
        CREATE ROLE careteam_staff NOLOGIN NOSUPERUSER;
    END IF;
END
$$;

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;

ALTER TABLE careteam.organizations
    ADD COLUMN require_mfa boolean NOT NULL DEFAULT false,
    ADD COLUMN ticket_hours integer NOT NULL DEFAULT 10
        CHECK (ticket_hours BETWEEN 1 AND 24);

-- ---- MFA state, readable only by the owner and the auth role ----

CREATE TABLE careteam.mfa_secrets (
    staff_id    bigint PRIMARY KEY REFERENCES careteam.staff,
    secret      bytea NOT NULL CHECK (length(secret) >= 20),
    -- The last time step accepted, so one code cannot be used twice.
    last_step   bigint NOT NULL DEFAULT 0,
    -- When the lockout after five wrong codes ends. The count itself is
    -- in a sequence, see mfa_failure_counter.
    locked_until timestamptz,
    enrolled_at timestamptz NOT NULL DEFAULT now()
);

-- Backends that verified a code or resumed with a ticket. A pid is reused
-- by later backends, so the backend's start time is part of the key.
CREATE TABLE careteam.mfa_sessions (
    backend_pid     integer NOT NULL,
    backend_start   timestamptz NOT NULL,
    staff_id        bigint NOT NULL REFERENCES careteam.staff,
    organization_id bigint NOT NULL REFERENCES careteam.organizations,
    verified_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, backend_pid, backend_start)
);

CREATE TABLE careteam.session_tickets (
    organization_id bigint NOT NULL REFERENCES careteam.organizations,
    ticket_hash     bytea NOT NULL,
    staff_id        bigint NOT NULL REFERENCES careteam.staff,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (organization_id, ticket_hash)
);

-- ---- Audit ----

-- Append-only: a trigger rejects UPDATE, DELETE and TRUNCATE for every
-- role. organization_id is NULL only for a login before an organization
-- was chosen, so the key is the id alone.
CREATE TABLE careteam.audit_log (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    role_name        name NOT NULL DEFAULT session_user,
    staff_id         bigint REFERENCES careteam.staff,
    organization_id  bigint REFERENCES careteam.organizations,
    patient_id       bigint,
    action           text NOT NULL,
    before           jsonb,
    after            jsonb,
    application_name text NOT NULL
                     DEFAULT coalesce(current_setting('application_name', true),
                                      '')
);

CREATE INDEX audit_log_patient
    ON careteam.audit_log (organization_id, patient_id, id);

CREATE FUNCTION careteam.reject_audit_change()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'careteam.audit_log is append-only'
          USING ERRCODE = 'insufficient_privilege';
END
$$;

-- A statement trigger fires even when row-level security hides every row,
-- so the attempt itself fails rather than silently changing nothing.
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON careteam.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION careteam.reject_audit_change();

-- ---- Identity and access checks (owned by careteam_auth) ----

CREATE FUNCTION careteam.session_staff_id()
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT id FROM staff WHERE role_name = session_user
$$;

-- Returns whether this backend has proved the second factor for p_org.
CREATE FUNCTION careteam.mfa_verified(p_org bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT FROM mfa_sessions ms
          JOIN pg_stat_activity a
            ON a.pid = ms.backend_pid AND a.backend_start = ms.backend_start
         WHERE ms.organization_id = p_org
           AND ms.backend_pid = pg_backend_pid()
           AND ms.staff_id = session_staff_id())
$$;

-- Returns session_user's access level in p_org, or NULL when it is not a
-- member or the organization requires a second factor not yet proved.
CREATE FUNCTION careteam.access_level(p_org bigint)
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT m.access_level
      FROM memberships m
      JOIN staff s ON s.id = m.staff_id
      JOIN organizations o ON o.id = m.organization_id
     WHERE m.organization_id = p_org AND s.role_name = session_user
       AND (NOT o.require_mfa OR mfa_verified(p_org))
$$;

-- The organizations session_user may read, or write, right now. The
-- policies call these once per statement, as an InitPlan, rather than
-- access_level once per row.
CREATE FUNCTION careteam.readable_organizations()
RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(m.organization_id), '{}')
      FROM memberships m
      JOIN staff s ON s.id = m.staff_id
      JOIN organizations o ON o.id = m.organization_id
     WHERE s.role_name = session_user
       AND (NOT o.require_mfa OR mfa_verified(o.id))
$$;

CREATE FUNCTION careteam.writable_organizations()
RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(m.organization_id), '{}')
      FROM memberships m
      JOIN staff s ON s.id = m.staff_id
      JOIN organizations o ON o.id = m.organization_id
     WHERE s.role_name = session_user
       AND m.access_level IN ('clinician', 'admin')
       AND (NOT o.require_mfa OR mfa_verified(o.id))
$$;

CREATE FUNCTION careteam.can_read(p_org bigint)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT access_level(p_org) IS NOT NULL
$$;

CREATE FUNCTION careteam.can_write(p_org bigint)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT access_level(p_org) IN ('clinician', 'admin')
$$;

-- Returns whether staff member p_staff shares an organization with
-- session_user, so names of colleagues show and nobody else's do.
CREATE FUNCTION careteam.shares_organization(p_staff bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT FROM memberships theirs
          JOIN memberships mine
            ON mine.organization_id = theirs.organization_id
         WHERE theirs.staff_id = p_staff
           AND mine.staff_id = session_staff_id()
           AND can_read(mine.organization_id))
        OR p_staff = session_staff_id()
$$;

-- session_context (0002) lists session_user's memberships before MFA too,
-- so the program knows to ask for a code, which needs it to read past
-- row-level security as its owner, careteam_auth.
ALTER FUNCTION careteam.session_context(text) SECURITY DEFINER;

-- Checks membership of session_user, where 0002 checked current_user.
CREATE OR REPLACE FUNCTION careteam.require_member(p_org bigint, p_level text)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    v_level text := access_level(p_org);
BEGIN
    IF v_level IS NULL THEN
        RAISE EXCEPTION 'role % has no access to organization %',
              session_user, p_org
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_level IN ('clinician', 'admin') AND v_level = 'read-only'
       OR p_level = 'admin' AND v_level <> 'admin' THEN
        RAISE EXCEPTION 'role % lacks % access to organization %',
              session_user, p_level, p_org
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN session_staff_id();
END
$$;

-- ---- TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) ----

-- Returns the 6-digit code of a secret for one 30-second time step, with
-- the dynamic truncation of RFC 4226.
CREATE FUNCTION careteam.totp_code(p_secret bytea, p_step bigint)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = careteam, public, pg_catalog, pg_temp
AS $$
    -- PostgreSQL gives << and | the same precedence, left to right, so
    -- every shift needs its own parentheses.
    SELECT lpad(((((get_byte(mac, o) & 127)::bigint << 24)
                  | (get_byte(mac, o + 1) << 16)
                  | (get_byte(mac, o + 2) << 8)
                  | get_byte(mac, o + 3)) % 1000000)::text, 6, '0')
      FROM (SELECT hmac(int8send(p_step), p_secret, 'sha1') AS mac) h,
           LATERAL (SELECT get_byte(h.mac, 19) & 15 AS o) offsets
$$;

CREATE TYPE careteam.mfa_result AS (outcome text, ticket text,
                                    locked_until timestamptz);

CREATE FUNCTION careteam.audit(p_action text, p_org bigint, p_patient bigint,
                               p_before jsonb, p_after jsonb)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    INSERT INTO audit_log (staff_id, organization_id, patient_id, action,
                           before, after)
    VALUES (session_staff_id(), p_org, p_patient, p_action, p_before,
            p_after)
$$;

CREATE FUNCTION careteam.grant_mfa_session(p_org bigint, p_staff bigint)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    INSERT INTO mfa_sessions (backend_pid, backend_start, staff_id,
                              organization_id)
    SELECT pid, backend_start, p_staff, p_org
      FROM pg_stat_activity WHERE pid = pg_backend_pid()
    ON CONFLICT DO NOTHING
$$;

-- Wrong codes must count even when the caller rolls its transaction back,
-- for example by raising an error after each guess, so they are counted in
-- a sequence per enrolled staff member: nextval and setval are never rolled
-- back. The sequence holds the wrong codes since the last accepted one.
CREATE FUNCTION careteam.mfa_failure_counter(p_staff bigint)
RETURNS regclass
LANGUAGE sql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    SELECT format('careteam.mfa_failures_%s', p_staff)::regclass
$$;

-- Creates the counter with the secret, in the enrolling transaction, so no
-- verification can run before it exists.
CREATE FUNCTION careteam.create_mfa_failure_counter()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS careteam.mfa_failures_%s'
                   ' MINVALUE 0 START 0', NEW.staff_id);
    PERFORM setval(mfa_failure_counter(NEW.staff_id), 0, true);
    RETURN NULL;
END
$$;

CREATE TRIGGER mfa_secrets_counter
    AFTER INSERT OR UPDATE OF secret ON careteam.mfa_secrets
    FOR EACH ROW EXECUTE FUNCTION careteam.create_mfa_failure_counter();

-- Returns when the staff member's lockout ends, or NULL when there is none.
-- A lockout whose end time was rolled back away is restarted, so a caller
-- who keeps undoing its attempts stays locked out.
CREATE FUNCTION careteam.mfa_lock_end(p_staff bigint)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    v_failures bigint :=
        coalesce(pg_sequence_last_value(mfa_failure_counter(p_staff)), 0);
    v_until    timestamptz;
BEGIN
    IF v_failures < 5 THEN
        RETURN NULL;
    END IF;
    SELECT locked_until INTO v_until FROM mfa_secrets
     WHERE staff_id = p_staff;
    IF v_until IS NULL THEN
        v_until := now() + interval '15 minutes';
        UPDATE mfa_secrets SET locked_until = v_until
         WHERE staff_id = p_staff;
    ELSIF v_until <= now() THEN
        PERFORM setval(mfa_failure_counter(p_staff), 0, true);
        UPDATE mfa_secrets SET locked_until = NULL WHERE staff_id = p_staff;
        RETURN NULL;
    END IF;
    RETURN v_until;
END
$$;

-- Verifies a TOTP code for session_user in p_org, allowing one step of
-- clock drift either way. outcome is ok (ticket set), invalid, locked,
-- not_enrolled or not_member. Five wrong codes in a row lock the staff
-- member out for 15 minutes. Each wrong code and lockout also goes to the
-- server log, which a rollback cannot take back as it can the audit rows.
CREATE FUNCTION careteam.verify_mfa(p_org bigint, p_code text)
RETURNS careteam.mfa_result
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = careteam, public, pg_catalog, pg_temp
AS $$
DECLARE
    r          mfa_result;
    v_staff    bigint := session_staff_id();
    v_secret   mfa_secrets;
    v_step     bigint := floor(extract(epoch FROM now()) / 30);
    v_match    bigint;
    v_failures bigint;
    v_hours    integer;
BEGIN
    -- session_context reads past row-level security, which hides the
    -- organization until the code is proved.
    IF NOT EXISTS (SELECT FROM session_context(NULL) c
                    WHERE c.organization_id = p_org) THEN
        r.outcome := 'not_member';
        RETURN r;
    END IF;
    SELECT * INTO v_secret FROM mfa_secrets WHERE staff_id = v_staff
       FOR UPDATE;
    IF NOT FOUND THEN
        r.outcome := 'not_enrolled';
        RETURN r;
    END IF;
    r.locked_until := mfa_lock_end(v_staff);
    IF r.locked_until IS NOT NULL THEN
        PERFORM audit('mfa_locked', p_org, NULL, NULL, NULL);
        RAISE LOG 'careteam mfa_locked staff=% organization=%',
                  v_staff, p_org;
        r.outcome := 'locked';
        RETURN r;
    END IF;

    SELECT v_step + d INTO v_match FROM generate_series(-1, 1) d
     WHERE coalesce(p_code, '') ~ '^[0-9]{6}$'
       AND totp_code(v_secret.secret, v_step + d) = p_code
       AND v_step + d > v_secret.last_step
     LIMIT 1;

    IF v_match IS NULL THEN
        v_failures := nextval(mfa_failure_counter(v_staff));
        RAISE LOG 'careteam mfa_failed staff=% organization=% failures=%',
                  v_staff, p_org, v_failures;
        PERFORM audit('mfa_failed', p_org, NULL, NULL, NULL);
        r.locked_until := mfa_lock_end(v_staff);
        IF r.locked_until IS NOT NULL THEN
            RAISE LOG 'careteam mfa_lockout staff=% organization=% until=%',
                      v_staff, p_org, r.locked_until;
            PERFORM audit('mfa_lockout', p_org, NULL, NULL,
                          jsonb_build_object('locked_until', r.locked_until));
            r.outcome := 'locked';
        ELSE
            r.outcome := 'invalid';
        END IF;
        RETURN r;
    END IF;

    PERFORM setval(mfa_failure_counter(v_staff), 0, true);
    UPDATE mfa_secrets SET locked_until = NULL, last_step = v_match
     WHERE staff_id = v_staff;
    PERFORM grant_mfa_session(p_org, v_staff);

    -- Readable now that this backend holds an MFA session.
    SELECT ticket_hours INTO v_hours FROM organizations WHERE id = p_org;
    r.ticket := encode(gen_random_bytes(32), 'hex');
    INSERT INTO session_tickets (organization_id, ticket_hash, staff_id,
                                 expires_at)
    VALUES (p_org, digest(r.ticket, 'sha256'), v_staff,
            now() + make_interval(hours => v_hours));
    PERFORM audit('login_mfa', p_org, NULL, NULL, NULL);
    r.outcome := 'ok';
    RETURN r;
END
$$;

-- Marks this backend as verified with a ticket from an earlier verify_mfa,
-- so a reconnect needs no new code. Returns whether the ticket was valid.
-- A ticket does not work during a lockout.
CREATE FUNCTION careteam.resume_session(p_org bigint, p_ticket text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = careteam, public, pg_catalog, pg_temp
AS $$
DECLARE
    v_staff bigint := session_staff_id();
BEGIN
    IF NOT EXISTS (SELECT FROM session_tickets
                    WHERE organization_id = p_org
                      AND ticket_hash = digest(coalesce(p_ticket, ''),
                                               'sha256')
                      AND staff_id = v_staff AND expires_at > now())
       OR mfa_lock_end(v_staff) IS NOT NULL THEN
        PERFORM audit('ticket_rejected', p_org, NULL, NULL, NULL);
        RETURN false;
    END IF;
    PERFORM grant_mfa_session(p_org, v_staff);
    PERFORM audit('login_ticket', p_org, NULL, NULL, NULL);
    RETURN true;
END
$$;

-- Enrols p_role_name for TOTP with a new random secret and returns it.
-- Only an admin of an organization the staff member belongs to may do
-- this. Any earlier secret is replaced.
CREATE FUNCTION careteam.enroll_mfa(p_org bigint, p_role_name text)
RETURNS bytea
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = careteam, public, pg_catalog, pg_temp
AS $$
DECLARE
    v_staff  bigint;
    v_secret bytea := gen_random_bytes(20);
BEGIN
    PERFORM require_member(p_org, 'admin');
    SELECT s.id INTO v_staff FROM staff s
      JOIN memberships m ON m.staff_id = s.id AND m.organization_id = p_org
     WHERE s.role_name = p_role_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no staff member % in organization %',
              p_role_name, p_org
              USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO mfa_secrets (staff_id, secret) VALUES (v_staff, v_secret)
    ON CONFLICT (staff_id) DO UPDATE
       SET secret = EXCLUDED.secret, last_step = 0, locked_until = NULL,
           enrolled_at = now();
    PERFORM audit('mfa_enrolled', p_org, NULL, NULL,
                  jsonb_build_object('staff_id', v_staff));
    RETURN v_secret;
END
$$;

-- ---- Audit of changes and views ----

-- Writes one audit row per changed assignment. careteam.write names the
-- action in the transaction-local setting careteam.action; a change made
-- any other way is audited under the SQL command.
CREATE FUNCTION careteam.audit_assignment_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM audit(coalesce(nullif(current_setting('careteam.action', true),
                                  ''),
                           lower(TG_OP)),
                  NEW.organization_id, NEW.patient_id,
                  CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END,
                  to_jsonb(NEW));
    RETURN NULL;
END
$$;

CREATE TRIGGER care_team_assignments_audit
    AFTER INSERT OR UPDATE ON careteam.care_team_assignments
    FOR EACH ROW EXECUTE FUNCTION careteam.audit_assignment_change();

-- 0003's write becomes write_unaudited, and write now names the action for
-- the audit trigger before running it, as the owner.
ALTER FUNCTION careteam.write(text, bigint, text, text, text, bigint, text)
    RENAME TO write_unaudited;

CREATE FUNCTION careteam.write(p_action text, p_org bigint, p_mrn text,
                               p_npi text, p_argument text,
                               p_expected_version bigint, p_key text)
RETURNS careteam.write_result
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    -- Checked first, so a read-only member is told so rather than meeting
    -- the receipts table's row-level security.
    PERFORM require_member(p_org, 'clinician');
    PERFORM set_config('careteam.action', p_action, true);
    RETURN write_unaudited(p_action, p_org, p_mrn, p_npi, p_argument,
                           p_expected_version, p_key);
END
$$;

-- Staff have no privileges on write_receipts, so settling a lost reply
-- runs as the owner too.
ALTER FUNCTION careteam.settle_write(bigint, text) SECURITY DEFINER;

-- Loads a care team like careteam.care_team and records the view in the
-- audit log in the same statement.
CREATE FUNCTION careteam.open_care_team(p_org bigint, p_mrn text,
                                        p_include_removed boolean)
RETURNS TABLE (mrn text, family_name text, given_name text, birth_date date,
               care_team_version bigint, assignment_id bigint, role text,
               provider_npi text, provider_name text, specialty text,
               primary_panel_size bigint, assigned_at timestamptz,
               assigned_by text, removed_at timestamptz, removed_by text,
               removal_reason text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    v_patient bigint;
BEGIN
    PERFORM require_member(p_org, 'read-only');
    SELECT p.id INTO v_patient FROM patients p
     WHERE p.organization_id = p_org AND p.mrn = p_mrn;
    IF FOUND THEN
        PERFORM audit('view', p_org, v_patient, NULL, NULL);
    END IF;
    RETURN QUERY SELECT * FROM care_team(p_org, p_mrn, p_include_removed);
END
$$;

-- Records a login and returns the session context, with whether each
-- organization requires a second factor and whether this backend has
-- proved it.
CREATE FUNCTION careteam.begin_session()
RETURNS TABLE (staff_id bigint, staff_name text, organization_id bigint,
               organization_code text, organization_name text,
               access_level text, require_mfa boolean,
               mfa_verified boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    IF session_staff_id() IS NOT NULL THEN
        PERFORM audit('login', NULL, NULL, NULL, NULL);
    END IF;
    RETURN QUERY
        SELECT c.*, o.require_mfa, mfa_verified(c.organization_id)
          FROM session_context(NULL) c
          LEFT JOIN organizations o ON o.id = c.organization_id;
END
$$;

-- Returns the audit trail of one patient, or of the organization when
-- p_mrn is NULL, newest first.
CREATE FUNCTION careteam.audit_trail(p_org bigint, p_mrn text, p_limit integer)
RETURNS TABLE (id bigint, occurred_at timestamptz, staff_name text,
               role_name name, mrn text, action text, before jsonb,
               after jsonb, application_name text)
LANGUAGE plpgsql STABLE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM require_member(p_org, 'read-only');
    RETURN QUERY
        SELECT l.id, l.occurred_at, s.display_name, l.role_name, p.mrn,
               l.action, l.before, l.after, l.application_name
          FROM audit_log l
          LEFT JOIN staff s ON s.id = l.staff_id
          LEFT JOIN patients p
            ON p.organization_id = l.organization_id AND p.id = l.patient_id
         WHERE l.organization_id = p_org
           AND (p_mrn IS NULL OR p.mrn = p_mrn)
         ORDER BY l.id DESC
         LIMIT p_limit;
END
$$;

-- ---- Row-level security ----

ALTER TABLE careteam.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.organizations FORCE ROW LEVEL SECURITY;
ALTER TABLE careteam.staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.staff FORCE ROW LEVEL SECURITY;
ALTER TABLE careteam.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.memberships FORCE ROW LEVEL SECURITY;
ALTER TABLE careteam.providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.providers FORCE ROW LEVEL SECURITY;
ALTER TABLE careteam.patients ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.patients FORCE ROW LEVEL SECURITY;
ALTER TABLE careteam.care_team_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.care_team_assignments FORCE ROW LEVEL SECURITY;
ALTER TABLE careteam.write_receipts ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.write_receipts FORCE ROW LEVEL SECURITY;
ALTER TABLE careteam.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.audit_log FORCE ROW LEVEL SECURITY;

CREATE POLICY organizations_read ON careteam.organizations
    FOR SELECT
    USING (id = ANY ((SELECT careteam.readable_organizations())::bigint[]));
CREATE POLICY staff_read ON careteam.staff
    FOR SELECT USING (careteam.shares_organization(id));
CREATE POLICY memberships_read ON careteam.memberships
    FOR SELECT
    USING (organization_id = ANY
               ((SELECT careteam.readable_organizations())::bigint[]));
CREATE POLICY providers_read ON careteam.providers
    FOR SELECT
    USING (organization_id = ANY
               ((SELECT careteam.readable_organizations())::bigint[]));
CREATE POLICY patients_read ON careteam.patients
    FOR SELECT
    USING (organization_id = ANY
               ((SELECT careteam.readable_organizations())::bigint[]));
-- The write functions bump care_team_version through this policy.
CREATE POLICY patients_write ON careteam.patients
    FOR UPDATE
    USING (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]))
    WITH CHECK
        (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]));
CREATE POLICY assignments_read ON careteam.care_team_assignments
    FOR SELECT
    USING (organization_id = ANY
               ((SELECT careteam.readable_organizations())::bigint[]));
CREATE POLICY assignments_insert ON careteam.care_team_assignments
    FOR INSERT
    WITH CHECK
        (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]));
CREATE POLICY assignments_update ON careteam.care_team_assignments
    FOR UPDATE
    USING (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]))
    WITH CHECK
        (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]));
CREATE POLICY receipts_all ON careteam.write_receipts
    FOR ALL
    USING (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]))
    WITH CHECK
        (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]));
CREATE POLICY audit_read ON careteam.audit_log
    FOR SELECT
    USING (organization_id = ANY
               ((SELECT careteam.readable_organizations())::bigint[]));
-- Audit rows are written by the functions above, as the owner, for the
-- staff member logged in: a login before any organization, a failed code
-- in an organization the member has not unlocked yet, and every change.
CREATE POLICY audit_insert ON careteam.audit_log
    FOR INSERT WITH CHECK (staff_id IS NOT DISTINCT FROM
                           careteam.session_staff_id());

-- ---- Ownership and privileges ----

DO $$
DECLARE
    v_object record;
BEGIN
    EXECUTE 'ALTER SCHEMA careteam OWNER TO careteam_owner';
    FOR v_object IN
        SELECT c.relname, c.relkind FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'careteam' AND c.relkind IN ('r', 'v', 'S')
           AND NOT EXISTS (SELECT FROM pg_depend d
                            WHERE d.objid = c.oid AND d.deptype = 'i')
    LOOP
        EXECUTE format('ALTER %s careteam.%I OWNER TO careteam_owner',
                       CASE v_object.relkind WHEN 'S' THEN 'SEQUENCE'
                                             ELSE 'TABLE' END,
                       v_object.relname);
    END LOOP;
    FOR v_object IN
        SELECT p.oid::regprocedure AS signature, p.proname
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'careteam'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', v_object.signature,
                       CASE WHEN v_object.proname IN
                                 ('session_staff_id', 'mfa_verified',
                                  'access_level', 'shares_organization',
                                  'session_context', 'begin_session',
                                  'readable_organizations',
                                  'writable_organizations')
                            THEN 'careteam_auth'
                            ELSE 'careteam_owner' END);
    END LOOP;
    FOR v_object IN
        SELECT t.typname FROM pg_type t
          JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'careteam' AND t.typtype = 'c'
           AND NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = t.typrelid
                             AND c.relkind <> 'c')
    LOOP
        EXECUTE format('ALTER TYPE careteam.%I OWNER TO careteam_owner',
                       v_object.typname);
    END LOOP;
END
$$;

-- A temporary table is found before careteam's own when a query names a
-- table without its schema, unless pg_temp comes last in search_path, as
-- every careteam function sets it. Staff need no temporary tables at all.
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC',
                   current_database());
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA careteam FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA careteam FROM PUBLIC;
GRANT USAGE ON SCHEMA careteam TO careteam_staff, careteam_auth;

-- The auth role reads what the policies need, past row-level security.
GRANT SELECT ON careteam.staff, careteam.memberships, careteam.organizations,
      careteam.mfa_sessions, careteam.mfa_secrets TO careteam_auth;
GRANT INSERT ON careteam.audit_log TO careteam_auth;
-- pg_stat_activity shows backend_start of other roles' backends only to
-- members of pg_read_all_stats, and an MFA session is keyed by it.
GRANT pg_read_all_stats TO careteam_auth, careteam_owner;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA careteam TO careteam_auth, careteam_owner;

-- Staff read through the policies and write only through functions that
-- run as the owner. Secrets, MFA state and tickets stay with the owner.
GRANT SELECT ON careteam.organizations, careteam.staff, careteam.memberships,
      careteam.providers, careteam.patients, careteam.care_team_assignments,
      careteam.audit_log TO careteam_staff;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA careteam TO careteam_staff;
