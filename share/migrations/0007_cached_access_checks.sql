-- The access checks of 0004 in PL/pgSQL, with the same queries.
--
-- PostgreSQL 15 keeps no plan of a SQL function that it cannot inline
-- from one statement to the next, and a SECURITY DEFINER function is
-- never inlined. So every careteam statement planned these queries again:
-- require_member through access_level and session_staff_id, and each
-- policy through readable_organizations or writable_organizations. At a
-- million patients that planning took about 0.2 ms of a 1 ms search. A
-- PL/pgSQL function keeps its plans for the session.
--
-- CREATE OR REPLACE keeps each function's owner (careteam_auth), its
-- privileges, and its SECURITY DEFINER and search_path settings, which
-- are given again here all the same.

CREATE OR REPLACE FUNCTION careteam.session_staff_id()
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT id FROM staff WHERE role_name = session_user);
END
$$;

CREATE OR REPLACE FUNCTION careteam.mfa_verified(p_org bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    RETURN EXISTS (
        SELECT FROM mfa_sessions ms
          JOIN pg_stat_activity a
            ON a.pid = ms.backend_pid AND a.backend_start = ms.backend_start
         WHERE ms.organization_id = p_org
           AND ms.backend_pid = pg_backend_pid()
           AND ms.staff_id = session_staff_id());
END
$$;

CREATE OR REPLACE FUNCTION careteam.access_level(p_org bigint)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT m.access_level
              FROM memberships m
              JOIN staff s ON s.id = m.staff_id
              JOIN organizations o ON o.id = m.organization_id
             WHERE m.organization_id = p_org AND s.role_name = session_user
               AND (NOT o.require_mfa OR mfa_verified(p_org)));
END
$$;

CREATE OR REPLACE FUNCTION careteam.readable_organizations()
RETURNS bigint[]
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(m.organization_id), '{}')
              FROM memberships m
              JOIN staff s ON s.id = m.staff_id
              JOIN organizations o ON o.id = m.organization_id
             WHERE s.role_name = session_user
               AND (NOT o.require_mfa OR mfa_verified(o.id)));
END
$$;

CREATE OR REPLACE FUNCTION careteam.writable_organizations()
RETURNS bigint[]
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(m.organization_id), '{}')
              FROM memberships m
              JOIN staff s ON s.id = m.staff_id
              JOIN organizations o ON o.id = m.organization_id
             WHERE s.role_name = session_user
               AND m.access_level IN ('clinician', 'admin')
               AND (NOT o.require_mfa OR mfa_verified(o.id)));
END
$$;
