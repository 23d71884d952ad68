-- Proposed migration 0006, measured by share/scripts/bench.sh but not
-- applied by careteam migrate: the patient search checks membership once,
-- then reads without the row-level security policies, so that the
-- trigram index can serve it.
--
-- Why. Staff log in as ordinary roles, so the policies of 0004 apply to
-- the search. PostgreSQL 15 evaluates a policy's quals before any qual of
-- the query that is not LEAKPROOF, and may not use such a qual as an index
-- condition. Neither LIKE nor pg_trgm's <% is LEAKPROOF, so the name
-- search scans every patient of the organization instead of using
-- patients_search_name_trgm, and the MRN search scans too, because it
-- shares the WHERE clause through an OR. docs/benchmarks.md has the plans.
--
-- The change. search_patients already begins with require_member, which
-- raises 42501 unless session_user may read the organization (and has
-- proved the second factor where one is required), and it filters on
-- p_org. Run as a role with BYPASSRLS, it therefore shows the caller no
-- row that the policies would hide. careteam_reader owns it, may only
-- read the three tables the search joins, and cannot log in. The
-- function's search_path already ends with pg_temp, as a SECURITY DEFINER
-- function's must.
--
-- Every statement can run again without harm, so the file can be applied
-- to a database where it was applied before.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'careteam_reader') THEN
        CREATE ROLE careteam_reader NOLOGIN NOSUPERUSER NOCREATEDB
            NOCREATEROLE BYPASSRLS;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA careteam TO careteam_reader;
GRANT SELECT ON careteam.patients, careteam.care_team_assignments,
      careteam.providers TO careteam_reader;
-- require_member and the functions it calls.
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA careteam TO careteam_reader;

ALTER FUNCTION careteam.search_patients(bigint, text, integer)
    OWNER TO careteam_reader;
ALTER FUNCTION careteam.search_patients(bigint, text, integer)
    SECURITY DEFINER;

-- The new owner takes over the old owner's entry in the function's
-- privileges, so the grants of 0004 are made again.
REVOKE ALL ON FUNCTION careteam.search_patients(bigint, text, integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION careteam.search_patients(bigint, text, integer)
    TO careteam_owner, careteam_auth, careteam_staff;
