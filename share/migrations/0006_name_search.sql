-- Patient search by name words, fast at a million patients.
--
-- The search of 0002 ranked every patient whose folded name contained the
-- query or was word-similar to it. At a million patients that meant
-- ranking tens of thousands of rows for a three-letter prefix, and under
-- the row-level security of 0004 PostgreSQL could not use the trigram
-- index at all: a policy's quals run before any qual that is not
-- LEAKPROOF, and neither LIKE nor <% is. docs/benchmarks.md has the plans.
--
-- The search now works on words. Each patient's folded name is split into
-- words, and every query word must match one of them: exactly, as a
-- prefix, or with one typing slip (a letter missing, added, changed, or
-- two neighbours swapped) in a word of four letters or more. Three tables
-- derived from patients serve it, kept current by triggers:
--
--   patient_words   one row per word of each patient, in name order, so
--                   that a one-word query reads its first rows from one
--                   index range and stops at the limit;
--   name_lexicon    the distinct words of each organization, to expand a
--                   prefix into the words it covers;
--   name_variants   each word of four letters or more under itself and
--                   every form with one letter deleted. Two words one slip
--                   apart share such a form, so a typo is found with a few
--                   index lookups instead of a scan.
--
-- A query of several words uses a GIN index on patients.name_keys, the
-- patient's words qualified by organization, so one organization's search
-- never reads another's postings.
--
-- search_patients reads these tables as careteam_reader, which bypasses
-- row-level security and may only read. It checks membership first with
-- require_member and filters every statement on the organization asked
-- for, so it returns no row the policies would hide.

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'careteam_reader') THEN
        CREATE ROLE careteam_reader NOLOGIN NOSUPERUSER NOCREATEDB
            NOCREATEROLE NOINHERIT BYPASSRLS;
    END IF;
END
$$;

-- ---- Words ----

-- The words of a folded name. fold_name splits at whitespace, which in
-- PostgreSQL's regular expressions leaves out the no-break spaces, so
-- they are turned into spaces here. Plain expressions, so that PostgreSQL
-- inlines them: a query, or a generated column, pays no function call.
CREATE FUNCTION careteam.name_words(name text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN array_remove(
    string_to_array(translate(careteam.fold_name(name),
                              U&'\00A0\2007\202F', '   '), ' '),
    '');

-- The words of a patient's name, each prefixed with the organization id
-- and a colon.
CREATE FUNCTION careteam.name_keys(organization_id bigint, given_name text,
                                   family_name text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN string_to_array(
    organization_id::text || ':'
    || array_to_string(careteam.name_words(given_name || ' ' || family_name),
                       ' ' || organization_id::text || ':'),
    ' ');

-- A word, with letter_at 0, and, when it has four letters or more, every
-- form of it with one letter deleted, with the position of that letter
-- (from 1) in letter_at and the letter itself.
CREATE FUNCTION careteam.word_variants(word text)
RETURNS TABLE (variant text, letter_at integer, letter text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT word, 0, ''
    UNION ALL
    SELECT left(word, i - 1) || substr(word, i + 1), i, substr(word, i, 1)
      FROM generate_series(1, length(word)) AS i
     WHERE length(word) >= 4
$$;

-- Whether a query word is looked for with a typing slip: it has four
-- characters or more and no digit, since an MRN or a number is typed from
-- a record and a slip in it would find the wrong patient.
CREATE FUNCTION careteam.has_slips(word text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN length(word) >= 4 AND word !~ '[0-9]';

-- The first string of byte order above every string that begins with
-- prefix: a range from prefix up to it holds exactly those strings.
CREATE FUNCTION careteam.prefix_end(prefix text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN prefix || U&'\+10FFFF';

-- Whether every one of prefixes begins at least one of keys.
CREATE FUNCTION careteam.keys_have_prefixes(keys text[], prefixes text[])
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN NOT EXISTS (SELECT FROM unnest(prefixes) AS q
                    WHERE NOT EXISTS (SELECT FROM unnest(keys) AS k
                                       WHERE starts_with(k, q)));

-- ---- Columns and tables ----

-- sort_name orders search results: family name, then given name, folded,
-- in byte order, the same in every path of the search.
ALTER TABLE careteam.patients
    ADD COLUMN name_keys text[] GENERATED ALWAYS AS
        (careteam.name_keys(organization_id, given_name, family_name)) STORED,
    ADD COLUMN sort_name text COLLATE "C" GENERATED ALWAYS AS
        (careteam.fold_name(family_name || ' ' || given_name)) STORED;

DROP INDEX careteam.patients_search_name_trgm;
CREATE INDEX patients_name_keys ON careteam.patients USING gin (name_keys);
-- An MRN is found whatever the letter case it is typed in.
CREATE INDEX patients_mrn_folded
    ON careteam.patients (organization_id, lower(mrn));

CREATE TABLE careteam.patient_words (
    organization_id bigint NOT NULL,
    word            text COLLATE "C" NOT NULL,
    sort_name       text COLLATE "C" NOT NULL,
    patient_id      bigint NOT NULL,
    PRIMARY KEY (organization_id, word, sort_name, patient_id)
);
-- Finds a patient's rows when the name changes or the patient goes.
CREATE INDEX patient_words_by_patient
    ON careteam.patient_words (organization_id, patient_id);

CREATE TABLE careteam.name_lexicon (
    organization_id bigint NOT NULL,
    word            text COLLATE "C" NOT NULL,
    PRIMARY KEY (organization_id, word)
);

-- letter_at and letter tell which letter of word was deleted to give
-- variant: 0 and '' for the word itself.
CREATE TABLE careteam.name_variants (
    organization_id bigint NOT NULL,
    variant         text COLLATE "C" NOT NULL,
    word            text COLLATE "C" NOT NULL,
    letter_at       integer NOT NULL,
    letter          text NOT NULL,
    PRIMARY KEY (organization_id, variant, word, letter_at)
);

-- ---- Keeping them current ----

-- Adds words to the lexicon of p_org, with the variants of those that are
-- new. Words are never taken out again: one that no patient has any more
-- only costs an index entry, and matches nobody.
CREATE FUNCTION careteam.learn_words(p_org bigint, p_words text[])
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
    WITH added AS (
        -- In byte order, so that two statements adding the same new words
        -- take their index entries in the same order and cannot deadlock.
        INSERT INTO name_lexicon (organization_id, word)
        SELECT DISTINCT p_org, w COLLATE "C" FROM unnest(p_words) AS w
         ORDER BY 2
        ON CONFLICT DO NOTHING
        RETURNING word
    )
    INSERT INTO name_variants (organization_id, variant, word, letter_at,
                               letter)
    SELECT p_org, v.variant, a.word, v.letter_at, v.letter
      FROM added a CROSS JOIN LATERAL word_variants(a.word) AS v
    ON CONFLICT DO NOTHING
$$;

-- Statement triggers, so that a bulk load indexes its rows in one pass.
CREATE FUNCTION careteam.index_new_patients()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO patient_words (organization_id, word, sort_name, patient_id)
    SELECT DISTINCT n.organization_id, w, n.sort_name, n.id
      FROM new_patients n
     CROSS JOIN LATERAL unnest(name_words(n.given_name || ' ' || n.family_name))
           AS w;
    PERFORM learn_words(n.organization_id, array_agg(DISTINCT w))
       FROM new_patients n
      CROSS JOIN LATERAL
            unnest(name_words(n.given_name || ' ' || n.family_name)) AS w
      GROUP BY n.organization_id;
    RETURN NULL;
END
$$;

CREATE FUNCTION careteam.unindex_old_patients()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM patient_words w
     USING old_patients o
     WHERE w.organization_id = o.organization_id AND w.patient_id = o.id;
    RETURN NULL;
END
$$;

-- A row trigger, because PostgreSQL allows no transition tables on a
-- trigger limited to some columns, and the care-team writes update every
-- patient row they touch without changing the name.
CREATE FUNCTION careteam.reindex_renamed_patient()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = careteam, pg_catalog, pg_temp
AS $$
DECLARE
    v_words text[] := name_words(NEW.given_name || ' ' || NEW.family_name);
BEGIN
    DELETE FROM patient_words
     WHERE organization_id = OLD.organization_id AND patient_id = OLD.id;
    INSERT INTO patient_words (organization_id, word, sort_name, patient_id)
    SELECT DISTINCT NEW.organization_id, w, NEW.sort_name, NEW.id
      FROM unnest(v_words) AS w;
    PERFORM learn_words(NEW.organization_id, v_words);
    RETURN NULL;
END
$$;

CREATE TRIGGER patients_index_names AFTER INSERT ON careteam.patients
    REFERENCING NEW TABLE AS new_patients
    FOR EACH STATEMENT EXECUTE FUNCTION careteam.index_new_patients();
CREATE TRIGGER patients_unindex_names AFTER DELETE ON careteam.patients
    REFERENCING OLD TABLE AS old_patients
    FOR EACH STATEMENT EXECUTE FUNCTION careteam.unindex_old_patients();
CREATE TRIGGER patients_reindex_names
    AFTER UPDATE OF family_name, given_name ON careteam.patients
    FOR EACH ROW
    WHEN (OLD.family_name IS DISTINCT FROM NEW.family_name
          OR OLD.given_name IS DISTINCT FROM NEW.given_name)
    EXECUTE FUNCTION careteam.reindex_renamed_patient();

-- Fills the three tables again from every patient. The migration calls
-- it for the patients already there. Call it, as the owner or a superuser,
-- after loading patients with triggers disabled
-- (session_replication_role = replica), as share/bench/generate.sql does.
CREATE FUNCTION careteam.rebuild_name_index()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = careteam, pg_catalog, pg_temp
AS $$
BEGIN
    TRUNCATE patient_words, name_lexicon, name_variants;
    -- In key order, so that the primary key grows at its right edge.
    INSERT INTO patient_words (organization_id, word, sort_name, patient_id)
    SELECT DISTINCT p.organization_id, w, p.sort_name, p.id
      FROM patients p
     CROSS JOIN LATERAL unnest(name_words(p.given_name || ' ' || p.family_name))
           AS w
     ORDER BY 1, 2, 3, 4;
    PERFORM learn_words(organization_id, array_agg(DISTINCT word))
       FROM patient_words
      GROUP BY organization_id;
    ANALYZE patient_words, name_lexicon, name_variants;
END
$$;

DO $$
BEGIN
    PERFORM careteam.rebuild_name_index();
END
$$;

-- ---- The search ----

-- The search functions use generic plans. Their statements take the
-- organization, words and ids as parameters, and one plan suits every
-- value, while a custom plan would be made again on every call: at these
-- row counts, planning took longer than running.

-- Returns the words of p_org one typing slip from p_word: a letter
-- missing, added or changed, or two neighbours swapped. Two such words
-- share a form with one letter deleted. Sharing one is not enough on its
-- own ("masri" and "marin" both give "mari"), so the deleted letters must
-- also sit at the same position, or at neighbouring positions and be the
-- same letter, unless one of the two words is that form itself.
CREATE FUNCTION careteam.slip_words(p_org bigint, p_word text)
RETURNS SETOF text
LANGUAGE plpgsql STABLE
SET search_path = careteam, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_forms text[] := ARRAY(SELECT f.variant FROM word_variants(p_word) AS f);
BEGIN
    -- The forms as an array, so that the plan looks each up in the index
    -- (as a join it could not know how few there are), then the rule on
    -- the few words found.
    RETURN QUERY
        SELECT DISTINCT v.word::text
          FROM name_variants v
         WHERE v.organization_id = p_org
           AND v.variant = ANY (v_forms)
           AND v.word <> p_word
           AND EXISTS (SELECT FROM word_variants(p_word) AS q
                        WHERE q.variant = v.variant
                          AND (v.letter_at = 0 OR q.letter_at = 0
                               OR v.letter_at = q.letter_at
                               OR (abs(v.letter_at - q.letter_at) = 1
                                   AND v.letter = q.letter)));
END
$$;

-- Returns up to p_limit patients of p_org, not in p_skip, who have a word
-- beginning with p_word and, for each of p_others, a key beginning with
-- it. They come in the order of that word, then sort_name. When p_word
-- has four letters or more, patients with a word one slip from it follow.
-- With p_rows_max, at most that many rows of patient_words are read, and
-- the result is NULL when they found fewer than p_limit patients but more
-- rows remained.
CREATE FUNCTION careteam.search_by_word(p_org bigint, p_word text,
                                        p_others text[], p_limit integer,
                                        p_skip bigint[],
                                        p_rows_max integer DEFAULT NULL)
RETURNS bigint[]
LANGUAGE plpgsql STABLE
SET search_path = careteam, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_ids   bigint[] := '{}';
    v_id    bigint;
    v_slip  text;
BEGIN
    -- A patient with two words of the same prefix comes up twice. The
    -- loop keeps the first and stops at the limit, so the index range is
    -- read no further than needed.
    FOR v_id IN
        SELECT w.patient_id
          FROM (SELECT w.organization_id, w.word, w.sort_name, w.patient_id
                  FROM patient_words w
                 WHERE w.organization_id = p_org
                   AND w.word >= p_word AND w.word < prefix_end(p_word)
                 ORDER BY w.word, w.sort_name, w.patient_id
                 LIMIT p_rows_max) AS w
         WHERE p_others IS NULL
            OR EXISTS (SELECT FROM patients p
                        WHERE p.organization_id = w.organization_id
                          AND p.id = w.patient_id
                          AND keys_have_prefixes(p.name_keys, p_others))
         ORDER BY w.word, w.sort_name, w.patient_id
    LOOP
        CONTINUE WHEN v_id = ANY (v_ids) OR v_id = ANY (p_skip);
        v_ids := v_ids || v_id;
        IF cardinality(v_ids) >= p_limit THEN
            RETURN v_ids;
        END IF;
    END LOOP;

    IF p_rows_max IS NOT NULL
       AND (SELECT count(*) FROM (SELECT FROM patient_words w
                                   WHERE w.organization_id = p_org
                                     AND w.word >= p_word
                                     AND w.word < prefix_end(p_word)
                                   LIMIT p_rows_max + 1) AS r) > p_rows_max
    THEN
        RETURN NULL;
    END IF;

    IF NOT has_slips(p_word) OR p_others IS NOT NULL THEN
        RETURN v_ids;
    END IF;

    FOR v_slip IN
        SELECT DISTINCT w COLLATE "C"
          FROM slip_words(p_org, p_word) AS w
         WHERE NOT starts_with(w, p_word)
         ORDER BY 1
    LOOP
        FOR v_id IN
            SELECT w.patient_id
              FROM patient_words w
             WHERE w.organization_id = p_org AND w.word = v_slip
             ORDER BY w.sort_name, w.patient_id
        LOOP
            CONTINUE WHEN v_id = ANY (v_ids) OR v_id = ANY (p_skip);
            v_ids := v_ids || v_id;
            IF cardinality(v_ids) >= p_limit THEN
                RETURN v_ids;
            END IF;
        END LOOP;
    END LOOP;
    RETURN v_ids;
END
$$;

-- The most words one prefix may expand to before it is checked row by row
-- instead of through the GIN index.
CREATE FUNCTION careteam.prefix_expansion_max()
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 64;

-- The most rows of patient_words a search walks for a short prefix
-- before it turns to the GIN index instead.
CREATE FUNCTION careteam.walk_rows_max()
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 4000;

-- Returns up to p_limit patients of p_org, not in p_skip, who match every
-- word of p_words, exactly or as a prefix. With p_slips 1, a word that is
-- not a name as typed may also be one slip away; with 2, any word may. A slip never turns one query
-- word into another, so that "maria marin" does not match every Maria. Patients whose words include
-- every query word exactly come first, then the others, each in sort_name
-- order.
CREATE FUNCTION careteam.search_by_words(p_org bigint, p_words text[],
                                         p_slips integer, p_limit integer,
                                         p_skip bigint[])
RETURNS bigint[]
LANGUAGE plpgsql STABLE
SET search_path = careteam, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_org     text := p_org::text || ':';
    v_word    text;
    v_longest text := '';
    v_keys    text[];
    v_exact   text[] := '{}';
    v_broad   text[] := '{}';
    v_walk    text := '';
    v_slipped boolean := false;
    -- The keys each other word expands to, one array literal per word.
    v_narrow  text[] := '{}';
    v_ids     bigint[];
BEGIN
    FOREACH v_word IN ARRAY p_words LOOP
        v_exact := v_exact || (v_org || v_word);
        IF length(v_word) > length(v_longest) THEN
            v_longest := v_word;
        END IF;
    END LOOP;

    FOREACH v_word IN ARRAY p_words LOOP
        v_keys := ARRAY(SELECT v_org || l.word
                          FROM name_lexicon l
                         WHERE l.organization_id = p_org
                           AND l.word >= v_word
                           AND l.word < prefix_end(v_word)
                         ORDER BY l.word
                         LIMIT prefix_expansion_max() + 1);
        IF cardinality(v_keys) > prefix_expansion_max() THEN
            v_broad := v_broad || (v_org || v_word);
            IF length(v_word) > length(v_walk) THEN
                v_walk := v_word;
            END IF;
            CONTINUE;
        END IF;
        -- A slip is looked for only in a word that is not a name as
        -- typed: "maria" is most likely meant, and its slips (marie,
        -- mario, marta) would bring in thousands of other patients. The
        -- word itself, when it is a name, comes first in its range.
        IF p_slips > 0 AND has_slips(v_word)
           AND (p_slips = 2 OR v_keys[1] IS DISTINCT FROM v_org || v_word)
        THEN
            v_keys := v_keys
                      || ARRAY(SELECT DISTINCT v_org || w
                                 FROM slip_words(p_org, v_word) AS w
                                WHERE w <> ALL (p_words));
            v_slipped := true;
        END IF;
        IF cardinality(v_keys) = 0 THEN
            RETURN '{}';
        END IF;
        v_narrow := v_narrow || v_keys::text;
    END LOOP;

    -- With no word to correct, the words as typed were searched already.
    IF p_slips > 0 AND NOT v_slipped THEN
        RETURN '{}';
    END IF;

    -- Only short prefixes: walk the longest in name order and check the
    -- others on each patient, which stops at the limit.
    IF cardinality(v_narrow) = 0 THEN
        IF p_slips > 0 THEN
            RETURN '{}';
        END IF;
        RETURN search_by_word(p_org, v_longest,
                              array_remove(v_broad, v_org || v_longest),
                              p_limit, p_skip);
    END IF;

    -- A short prefix beside a common word ("maria g") would leave the
    -- index tens of thousands of candidates. Walking the prefix in name
    -- order and checking every word as a prefix on each patient usually
    -- fills the limit within a few thousand rows; only when it does not
    -- does the index take over.
    IF cardinality(v_broad) > 0 AND p_slips = 0 THEN
        v_ids := search_by_word(p_org, v_walk,
                                array_remove(v_exact, v_org || v_walk),
                                p_limit, p_skip, walk_rows_max());
        IF v_ids IS NOT NULL THEN
            RETURN v_ids;
        END IF;
    END IF;

    -- The GIN index intersects the first two words. A single word is
    -- given twice, which the index reads once. Further words and short
    -- prefixes are checked on each candidate.
    v_ids := ARRAY(
        SELECT p.id
          FROM patients p
         WHERE p.organization_id = p_org
           AND p.name_keys && v_narrow[1]::text[]
           AND p.name_keys && coalesce(v_narrow[2], v_narrow[1])::text[]
           AND p.id <> ALL (p_skip)
           AND (cardinality(v_narrow) <= 2
                OR NOT EXISTS (SELECT FROM unnest(v_narrow[3:]) AS k
                                WHERE NOT (p.name_keys && k::text[])))
           AND (cardinality(v_broad) = 0
                OR keys_have_prefixes(p.name_keys, v_broad))
         ORDER BY p.name_keys @> v_exact DESC, p.sort_name, p.id
         LIMIT p_limit);
    RETURN v_ids;
END
$$;

-- Searches one organization's patients. A query of the form YYYY-MM-DD
-- matches the date of birth. Any other query matches the MRN, in any
-- letter case, and the name by words: see search_by_word and
-- search_by_words. Exact MRN matches come first.
CREATE OR REPLACE FUNCTION careteam.search_patients(p_org bigint,
                                                    p_query text,
                                                    p_limit integer)
RETURNS TABLE (mrn text, family_name text, given_name text, birth_date date,
               primary_provider text, care_team_version bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = careteam, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_query text := btrim(coalesce(p_query, ''));
    v_limit integer := greatest(coalesce(p_limit, 0), 0);
    v_words text[];
    v_ids   bigint[];
    v_found integer;
    v_level integer;
BEGIN
    PERFORM require_member(p_org, 'read-only');

    IF v_query = '' OR v_limit = 0 THEN
        RETURN;
    END IF;

    IF v_query ~ '^\d{4}-\d{2}-\d{2}$' THEN
        v_ids := ARRAY(SELECT p.id FROM patients p
                        WHERE p.organization_id = p_org
                          AND p.birth_date = v_query::date
                        ORDER BY p.sort_name, p.id
                        LIMIT v_limit);
    ELSE
        v_ids := ARRAY(SELECT p.id FROM patients p
                        WHERE p.organization_id = p_org
                          AND lower(p.mrn) = lower(v_query)
                        ORDER BY p.mrn = v_query DESC, p.mrn
                        LIMIT v_limit);
        v_words := name_words(v_query);
        IF cardinality(v_words) = 1 AND cardinality(v_ids) < v_limit THEN
            v_ids := v_ids || search_by_word(p_org, v_words[1], NULL,
                                             v_limit - cardinality(v_ids),
                                             v_ids);
        ELSIF cardinality(v_words) > 1 THEN
            -- Typing slips are looked for only when the words as typed
            -- leave room, first in the words that are not names. A word
            -- that is a name is corrected only when nothing else is found,
            -- since a slip may turn one name into another.
            v_found := cardinality(v_ids);
            FOR v_level IN 0 .. 2 LOOP
                EXIT WHEN cardinality(v_ids) >= v_limit
                          OR (v_level = 2 AND cardinality(v_ids) > v_found);
                v_ids := v_ids || search_by_words(p_org, v_words, v_level,
                                                  v_limit - cardinality(v_ids),
                                                  v_ids);
            END LOOP;
        END IF;
    END IF;

    RETURN QUERY
        SELECT p.mrn, p.family_name, p.given_name, p.birth_date,
               pr.display_name, p.care_team_version
          FROM unnest(v_ids) WITH ORDINALITY AS r(id, position)
          JOIN patients p ON p.organization_id = p_org AND p.id = r.id
          LEFT JOIN care_team_assignments a
            ON a.organization_id = p.organization_id
           AND a.patient_id = p.id
           AND a.role = 'PRIMARY' AND a.removed_at IS NULL
          LEFT JOIN providers pr
            ON pr.organization_id = a.organization_id
           AND pr.id = a.provider_id
         ORDER BY r.position;
END
$$;

-- ---- Security ----

ALTER TABLE careteam.patient_words OWNER TO careteam_owner;
ALTER TABLE careteam.name_lexicon OWNER TO careteam_owner;
ALTER TABLE careteam.name_variants OWNER TO careteam_owner;

-- Only search_patients reads these tables, past the policies, as
-- careteam_reader. The policies hold for everyone else, the owner
-- included, as on every table of an organization's data.
ALTER TABLE careteam.patient_words ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.patient_words FORCE ROW LEVEL SECURITY;
ALTER TABLE careteam.name_lexicon ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.name_lexicon FORCE ROW LEVEL SECURITY;
ALTER TABLE careteam.name_variants ENABLE ROW LEVEL SECURITY;
ALTER TABLE careteam.name_variants FORCE ROW LEVEL SECURITY;

CREATE POLICY patient_words_write ON careteam.patient_words
    FOR ALL
    USING (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]))
    WITH CHECK
        (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]));
CREATE POLICY name_lexicon_write ON careteam.name_lexicon
    FOR ALL
    USING (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]))
    WITH CHECK
        (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]));
CREATE POLICY name_variants_write ON careteam.name_variants
    FOR ALL
    USING (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]))
    WITH CHECK
        (organization_id = ANY
               ((SELECT careteam.writable_organizations())::bigint[]));

REVOKE ALL ON careteam.patient_words, careteam.name_lexicon,
       careteam.name_variants FROM PUBLIC;

ALTER FUNCTION careteam.name_words(text) OWNER TO careteam_owner;
ALTER FUNCTION careteam.name_keys(bigint, text, text) OWNER TO careteam_owner;
ALTER FUNCTION careteam.word_variants(text) OWNER TO careteam_owner;
ALTER FUNCTION careteam.slip_words(bigint, text) OWNER TO careteam_reader;
ALTER FUNCTION careteam.prefix_end(text) OWNER TO careteam_owner;
ALTER FUNCTION careteam.has_slips(text) OWNER TO careteam_owner;
ALTER FUNCTION careteam.keys_have_prefixes(text[], text[])
    OWNER TO careteam_owner;
ALTER FUNCTION careteam.prefix_expansion_max() OWNER TO careteam_owner;
ALTER FUNCTION careteam.walk_rows_max() OWNER TO careteam_owner;
ALTER FUNCTION careteam.learn_words(bigint, text[]) OWNER TO careteam_owner;
ALTER FUNCTION careteam.index_new_patients() OWNER TO careteam_owner;
ALTER FUNCTION careteam.unindex_old_patients() OWNER TO careteam_owner;
ALTER FUNCTION careteam.reindex_renamed_patient() OWNER TO careteam_owner;
ALTER FUNCTION careteam.rebuild_name_index() OWNER TO careteam_owner;
ALTER FUNCTION careteam.search_by_word(bigint, text, text[], integer, bigint[], integer)
    OWNER TO careteam_reader;
ALTER FUNCTION careteam.search_by_words(bigint, text[], integer, integer, bigint[])
    OWNER TO careteam_reader;
ALTER FUNCTION careteam.search_patients(bigint, text, integer)
    OWNER TO careteam_reader;

REVOKE ALL ON FUNCTION careteam.name_words(text),
       careteam.name_keys(bigint, text, text), careteam.word_variants(text),
       careteam.prefix_end(text), careteam.has_slips(text),
       careteam.keys_have_prefixes(text[], text[]),
       careteam.prefix_expansion_max(), careteam.walk_rows_max(),
       careteam.learn_words(bigint, text[]),
       careteam.index_new_patients(), careteam.unindex_old_patients(),
       careteam.reindex_renamed_patient(), careteam.rebuild_name_index(),
       careteam.slip_words(bigint, text),
       careteam.search_by_word(bigint, text, text[], integer, bigint[], integer),
       careteam.search_by_words(bigint, text[], integer, integer, bigint[]),
       careteam.search_patients(bigint, text, integer)
    FROM PUBLIC;

-- The pure functions evaluate the generated columns, for whoever writes a
-- patient row.
GRANT EXECUTE ON FUNCTION careteam.name_words(text),
      careteam.name_keys(bigint, text, text), careteam.word_variants(text),
      careteam.prefix_end(text), careteam.has_slips(text),
      careteam.keys_have_prefixes(text[], text[]),
      careteam.prefix_expansion_max(), careteam.walk_rows_max()
    TO careteam_owner, careteam_auth, careteam_staff, careteam_reader;
GRANT EXECUTE ON FUNCTION careteam.learn_words(bigint, text[]),
      careteam.index_new_patients(), careteam.unindex_old_patients(),
      careteam.reindex_renamed_patient(), careteam.rebuild_name_index()
    TO careteam_owner;
GRANT EXECUTE ON FUNCTION careteam.search_patients(bigint, text, integer)
    TO careteam_owner, careteam_auth, careteam_staff;

-- What careteam_reader needs: the membership check and the tables the
-- search joins, to read only.
GRANT USAGE ON SCHEMA careteam TO careteam_reader;
GRANT EXECUTE ON FUNCTION careteam.require_member(bigint, text),
      careteam.access_level(bigint), careteam.session_staff_id(),
      careteam.fold_name(text)
    TO careteam_reader;
GRANT SELECT ON careteam.patients, careteam.care_team_assignments,
      careteam.providers, careteam.patient_words, careteam.name_lexicon,
      careteam.name_variants
    TO careteam_reader;
