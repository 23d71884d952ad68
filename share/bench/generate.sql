-- Synthetic data for the benchmarks: one organization with :patients
-- patients, their providers, staff and care teams. Every name is invented,
-- made by pairing a given and a family name drawn at random. share/scripts/
-- bench.sh runs this file with psql as the cluster's superuser, after the
-- migrations, on a database of its own:
--
--   psql -v patients=1000000 -v login_role=bench_clinician -f generate.sql
--
-- Each choice is a hash of the patient's or provider's number and a salt
-- (hashint8extended), so the same rows come out on every run whatever the
-- plan. Every table is filled by one set-based INSERT, and names are
-- looked up by joining small tables of names by rank.
--
-- Frequencies. Family names follow a power law: the rank of a patient's
-- family name is floor(M * u^2) for u uniform in [0, 1), over M = 6,400
-- names, so P(rank < k) = sqrt(k / M). The most common name is held by
-- about 1.25% of the patients and the 150 most common by about 15%. Those
-- 150 are common family names from many languages; the other 6,250 are
-- built from syllables. Given names follow the same law over a list of 90.
-- 7% of the patients have both names in a non-Latin script: Chinese,
-- Japanese, Korean, Arabic, Cyrillic, Greek, Hebrew, Devanagari or Thai.
-- Of the others, 5% have a hyphenated double family name, and 2% are
-- stored decomposed (NFD), as some systems send them. Dates of birth are
-- uniform over 1925 to 2024.
--
-- Care teams: 82% of the patients have an active PRIMARY, chosen from the
-- primary-care providers, and a quarter of the patients replaced an
-- earlier PRIMARY, whose ended assignment stays in the history. 60% have 1
-- to 3 active specialists or consultants, and 20% a referral that ended.
--
-- The contention runs reassign the PRIMARY of patients B0000001 to
-- B0001000 to providers 2000000001 to 2000000008, so those patients always
-- have a PRIMARY and those providers are active and in primary care.
--
-- It also fills bench.search_queries, the representative searches the
-- search benchmark runs. It creates a second login role, login_role with
-- _explain appended, which loads auto_explain and receives the plan of
-- every statement it runs as a NOTICE. The plans show row counts and
-- buffers but no per-node timing, whose overhead would multiply a slow
-- plan's time.

\set ON_ERROR_STOP on

SELECT :'patients' ~ '^[0-9]{4,7}$' AND :'patients'::integer >= 2000
       AS patients_ok
\gset
\if :patients_ok
\else
DO $$
BEGIN
    RAISE EXCEPTION 'patients must be a whole number from 2000 to 9999999'
          USING ERRCODE = 'invalid_parameter_value';
END
$$;
\endif

BEGIN;

-- The data below is generated consistent with every constraint, and the
-- foreign-key and audit triggers would make the load several times
-- slower. replica mode skips the foreign-key triggers and every ordinary
-- trigger, but unique and check constraints still apply. Only a superuser
-- may set it.
SET LOCAL session_replication_role = replica;
SET LOCAL synchronous_commit = off;
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB';

CREATE SCHEMA bench;

-- Returns a number in [0, 1) from the low 32 bits of the hash of n and
-- salt.
CREATE FUNCTION bench.unit(n bigint, salt bigint)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN (hashint8extended(n, salt) & 4294967295)
       / 4294967296.0::double precision;

-- ---- Names ----

-- Family names by rank, 0 the most common: the common names first, then
-- names built from a first syllable, a link and an ending, the first
-- syllable varying fastest so that neighbouring ranks differ at the start.
CREATE TABLE bench.family_names (
    rank integer PRIMARY KEY,
    name text NOT NULL
);

INSERT INTO bench.family_names (rank, name)
SELECT c.ord - 1, c.name
  FROM unnest(ARRAY['Smith', 'García', 'Nguyễn', 'Müller', 'Johnson',
                    'Rodríguez', 'Kowalski', 'Martínez', 'Brown', 'Hernández',
                    'Silva', 'Williams', 'Patel', 'Schmidt', 'López', 'Kim',
                    'Jones', 'González', 'Trần', 'Nowak', 'Pérez', 'Miller',
                    'Sánchez', 'Rossi', 'Fischer', 'Davis', 'Martin',
                    'Ramírez', 'Khan', 'Wilson', 'Lê', 'Jensen', 'Torres',
                    'Ferreira', 'O''Brien', 'Weber', 'Taylor', 'Flores',
                    'Nielsen', 'Anderson', 'Phạm', 'Wiśniewski', 'Gómez',
                    'Thomas', 'Díaz', 'Moreau', 'Singh', 'Meyer', 'Jackson',
                    'Álvarez', 'Yılmaz', 'Pereira', 'White', 'Lefèvre',
                    'Hansen', 'Romero', 'Harris', 'Santos', 'Wagner', 'Clark',
                    'Cruz', 'Novák', 'Lewis', 'Costa', 'Becker', 'Ruiz',
                    'Walker', 'Hoàng', 'Dubois', 'Hall', 'Mendoza', 'Schulz',
                    'Young', 'Kovačević', 'Ortiz', 'Allen', 'Andersson',
                    'Öztürk', 'Gutiérrez', 'King', 'Wright', 'Dvořák',
                    'Chávez', 'Hoffmann', 'Scott', 'Jiménez', 'Lindqvist',
                    'Green', 'Ødegård', 'Moreno', 'Baker', 'Sharma', 'O’Neill',
                    'Adams', 'Mensah', 'Nelson', 'Łukasiewicz', 'Castillo',
                    'Carter', 'Van der Berg', 'Mitchell', 'Ñúñez', 'Roberts',
                    'Şahin', 'Turner', 'Gonçalves', 'Phillips', 'Okafor',
                    'Campbell', 'Jovanović', 'Parker', 'Da Silva', 'Evans',
                    'Haddad', 'Edwards', 'Kaczmarek', 'Collins', 'Bianchi',
                    'Stewart', 'De la Cruz', 'Morris', 'Szabó', 'Rogers',
                    'Nakamura', 'Reed', 'Mbeki', 'Cook', 'Horváth', 'Morgan',
                    'Çelik', 'Bell', 'Ó Briain', 'Murphy', 'Bergström',
                    'Bailey', 'D''Angelo', 'Rivera', 'Sæther', 'Cooper',
                    'Ibrahim', 'Richardson', 'Popescu', 'Cox', 'Jørgensen',
                    'Howard', 'Petrović', 'Ward', 'MacLeod', 'Grünewald',
                    'Nakashima']) WITH ORDINALITY AS c (name, ord);

SELECT count(*) AS common_count FROM bench.family_names \gset

INSERT INTO bench.family_names (rank, name)
SELECT :common_count + j, f.name || l.name || e.name
  FROM generate_series(0, 6249) AS j
  JOIN unnest(ARRAY['Al', 'Bar', 'Cal', 'Dor', 'Ev', 'Fal', 'Gor', 'Hal', 'Is',
                    'Jor', 'Kal', 'Lor', 'Mar', 'Nor', 'Ol', 'Pel', 'Quin',
                    'Ros', 'Sal', 'Tor', 'Ul', 'Val', 'Wes', 'Yar', 'Zel'])
              WITH ORDINALITY AS f (name, ord) ON f.ord = 1 + j % 25
  JOIN unnest(ARRAY['a', 'e', 'i', 'o', 'u', 'an', 'en', 'in', 'or', 'ar'])
              WITH ORDINALITY AS l (name, ord) ON l.ord = 1 + j / 25 % 10
  JOIN unnest(ARRAY['berg', 'dóttir', 'escu', 'ez', 'feld', 'gård', 'hart',
                    'ian', 'ić', 'ides', 'ini', 'kov', 'ley', 'mann', 'nen',
                    'ov', 'quist', 'rud', 'sen', 'son', 'ström', 'ton', 'vik',
                    'wood', 'zák'])
              WITH ORDINALITY AS e (name, ord) ON e.ord = 1 + j / 250;

SELECT count(*) AS family_count FROM bench.family_names \gset

-- Given names by rank, most common first.
CREATE TABLE bench.given_names (
    rank integer PRIMARY KEY,
    name text NOT NULL
);

INSERT INTO bench.given_names (rank, name)
SELECT g.ord - 1, g.name
  FROM unnest(ARRAY['Maria', 'James', 'José', 'Mohammed', 'Anna', 'John',
                    'Sofia', 'David', 'Olivia', 'Ahmed', 'Emma', 'Luis',
                    'Fatima', 'Michael', 'Chloé', 'Daniel', 'Mia', 'Juan',
                    'Aisha', 'Robert', 'Zoë', 'Ali', 'Elena', 'Thomas', 'Léa',
                    'Carlos', 'Amara', 'William', 'Ingrid', 'Omar', 'Hannah',
                    'Łukasz', 'Nadia', 'Pedro', 'Siobhán', 'Peter', 'Priya',
                    'Ana', 'Minh', 'Laura', 'Søren', 'Yusuf', 'Isabel',
                    'Mateus', 'Aoife', 'Raúl', 'Inês', 'Chidi', 'Katarzyna',
                    'Björn', 'Elif', 'François', 'Hélène', 'Jürgen',
                    'Małgorzata', 'Arjun', 'Thảo', 'Joaquín', 'Åsa', 'Mehmet',
                    'Tomáš', 'Renée', 'Zofia', 'Dmitri', 'Olga', 'Kwame',
                    'Ngozi', 'Hiroshi', 'Yuki', 'Mei', 'Noor', 'Tariq',
                    'Oisín', 'Dagny', 'Esperanza', 'Nuno', 'Ewa', 'Gustavo',
                    'Birgit', 'Rafael', 'Ayşe', 'Kenji', 'Lucía', 'Ilse',
                    'Jérôme', 'Marisol', 'Tiago', 'Greta', 'Desmond', 'Halima'])
              WITH ORDINALITY AS g (name, ord);

SELECT count(*) AS given_count FROM bench.given_names \gset

-- Names in other scripts, 8 family and 8 given names per script. A patient
-- takes both names from one script.
CREATE TABLE bench.script_names (
    script integer NOT NULL,
    ord    integer NOT NULL,
    family text NOT NULL,
    given  text NOT NULL,
    PRIMARY KEY (script, ord)
);

INSERT INTO bench.script_names (script, ord, family, given)
SELECT s - 1, k - 1, a.family[s][k], a.given[s][k]
  FROM (SELECT ARRAY[['王', '李', '張', '劉', '陳', '楊', '黃', '趙'],
                     ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本',
                      '中村'],
                     ['김', '이', '박', '최', '정', '강', '조', '윤'],
                     ['حداد', 'العلي', 'الحسن', 'منصور', 'خليل', 'يوسف',
                      'ناصر', 'سعيد'],
                     ['Иванов', 'Смирнова', 'Кузнецов', 'Попова', 'Соколов',
                      'Лебедева', 'Козлов', 'Новикова'],
                     ['Παπαδόπουλος', 'Οικονόμου', 'Γεωργίου', 'Νικολάου',
                      'Παπαδάκη', 'Βασιλείου', 'Αθανασίου', 'Δημητρίου'],
                     ['כהן', 'לוי', 'מזרחי', 'פרץ', 'ביטון', 'אברהם', 'פרידמן',
                      'שפירא'],
                     ['शर्मा', 'वर्मा', 'गुप्ता', 'सिंह', 'पटेल', 'जोशी',
                      'मेहता', 'राव'],
                     ['ศรีสุข', 'สมบูรณ์', 'วงศ์ไทย', 'แสงทอง', 'บุญมา',
                      'ทองดี', 'ใจดี', 'สุขสวัสดิ์']]
               AS family,
               ARRAY[['芳', '偉', '秀英', '敏', '靜', '麗', '強', '磊'],
                     ['陽翔', '結衣', '蓮', '葵', '大翔', '凛', '陽菜', '湊'],
                     ['민준', '서연', '도윤', '하은', '시우', '지우', '서준',
                      '하윤'],
                     ['محمد', 'فاطمة', 'أحمد', 'مريم', 'عمر', 'ليلى', 'يوسف',
                      'نور'],
                     ['Алексей', 'Мария', 'Дмитрий', 'Анна', 'Сергей', 'Ольга',
                      'Иван', 'Екатерина'],
                     ['Γιώργος', 'Ελένη', 'Νίκος', 'Μαρία', 'Δημήτρης',
                      'Κατερίνα', 'Κώστας', 'Σοφία'],
                     ['נועה', 'יוסף', 'תמר', 'דוד', 'מיכל', 'אריאל', 'שירה',
                      'איתי'],
                     ['आरव', 'अनन्या', 'विवान', 'दिया', 'अर्जुन', 'सान्वी',
                      'रोहन', 'प्रिया'],
                     ['สมชาย', 'สมหญิง', 'ประยุทธ์', 'มาลี', 'อนันต์', 'วิไล',
                      'ชัยวัฒน์', 'นภา']]
               AS given) AS a
 CROSS JOIN generate_subscripts(a.family, 1) AS s
 CROSS JOIN generate_subscripts(a.family, 2) AS k;

-- ---- Organization, staff and the benchmark's login role ----

INSERT INTO careteam.organizations (code, name)
VALUES ('bench', 'Benchmark Health Network');

SELECT id AS org_id FROM careteam.organizations WHERE code = 'bench' \gset

-- The login role that runs the benchmarks as an ordinary staff member, so
-- that row-level security applies as in production.
SELECT format('CREATE ROLE %I LOGIN', :'login_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'login_role')
\gexec
SELECT format('GRANT careteam_staff TO %I', :'login_role') \gexec

SELECT :'login_role' || '_explain' AS explain_role \gset
SELECT format('CREATE ROLE %I LOGIN', :'explain_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'explain_role')
\gexec
SELECT format('GRANT careteam_staff TO %I', :'explain_role') \gexec
SELECT format('ALTER ROLE %I SET %s', :'explain_role', setting)
  FROM unnest(ARRAY['session_preload_libraries = ''auto_explain''',
                    'auto_explain.log_min_duration = 0',
                    'auto_explain.log_analyze = on',
                    'auto_explain.log_buffers = on',
                    'auto_explain.log_timing = off',
                    'auto_explain.log_nested_statements = on',
                    'auto_explain.log_level = notice']) AS setting
\gexec

INSERT INTO careteam.staff (role_name, display_name)
SELECT v.role_name, v.display_name
  FROM (VALUES (:'login_role', 'Bench Clinician'),
               (:'explain_role', 'Bench Plan Reader'),
               (session_user, 'Bench Administrator'),
               ('bench_writer_01', 'Amina Balogun'),
               ('bench_writer_02', 'Tobias Lindahl'),
               ('bench_writer_03', 'Marguerite Duval'),
               ('bench_writer_04', 'Kenta Morimoto'),
               ('bench_writer_05', 'Rosalía Ibarra'),
               ('bench_writer_06', 'Wojciech Zawada'),
               ('bench_writer_07', 'Eilidh Munro'),
               ('bench_writer_08', 'Faisal Qureshi'),
               ('bench_writer_09', 'Hedda Solberg'),
               ('bench_writer_10', 'Obinna Eze'))
       AS v (role_name, display_name)
ON CONFLICT (role_name) DO NOTHING;

INSERT INTO careteam.memberships (organization_id, staff_id, access_level)
SELECT :org_id, s.id, 'clinician'
  FROM careteam.staff s
 WHERE s.role_name IN (:'login_role', :'explain_role', session_user)
    OR s.role_name LIKE 'bench\_writer\_%'
ON CONFLICT (organization_id, staff_id) DO NOTHING;

-- The staff members the generated history names, by number from 0.
CREATE TABLE bench.writers AS
SELECT (row_number() OVER (ORDER BY s.id) - 1)::integer AS ord,
       s.id AS staff_id
  FROM careteam.staff s
 WHERE s.role_name LIKE 'bench\_writer\_%';

SELECT count(*) AS writer_count FROM bench.writers \gset

-- ---- Providers: one for every 800 patients, at least 60 ----

SELECT greatest(60, :'patients'::integer / 800) AS provider_count \gset

-- Specialties in 20 slots. Provider n takes slot n mod 20, so 9 in 20 are
-- in primary care.
CREATE TABLE bench.specialty_slots (
    slot         integer PRIMARY KEY,
    name         text NOT NULL,
    primary_care boolean NOT NULL
);

INSERT INTO bench.specialty_slots (slot, name, primary_care)
SELECT s.ord - 1, s.name, s.ord <= 9
  FROM unnest(ARRAY['Family medicine', 'Family medicine', 'Family medicine',
                    'Internal medicine', 'Internal medicine',
                    'Internal medicine', 'Pediatrics', 'Pediatrics',
                    'Geriatrics', 'Cardiology', 'Endocrinology', 'Nephrology',
                    'Oncology', 'Psychiatry', 'Dermatology', 'Pulmonology',
                    'Neurology', 'Rheumatology', 'Gastroenterology',
                    'Obstetrics and gynecology'])
       WITH ORDINALITY AS s (name, ord);

-- 3% of the providers are inactive, but never providers 1 to 8, to whom
-- the contention runs reassign PRIMARY.
INSERT INTO careteam.providers (organization_id, id, npi, display_name,
                                specialty, active)
OVERRIDING SYSTEM VALUE
SELECT :org_id, n, (2000000000 + n)::text,
       'Dr. ' || g.name || ' ' || f.name, sp.name,
       n <= 8 OR bench.unit(n, 303) >= 0.03
  FROM generate_series(1, :provider_count) AS n
  JOIN bench.specialty_slots sp ON sp.slot = n % 20
  JOIN bench.given_names g
    ON g.rank = floor(:given_count * bench.unit(n, 301))::integer
  JOIN bench.family_names f
    ON f.rank = floor(:family_count * bench.unit(n, 302))::integer
 ORDER BY n;

SELECT setval(pg_get_serial_sequence('careteam.providers', 'id'),
              :provider_count) AS provider_sequence \gset

-- The providers a choice is made from, numbered from 0 within each pool:
-- active primary-care providers (a current PRIMARY), all primary-care
-- providers (a former PRIMARY, who may have left since), and specialists.
CREATE TABLE bench.pools (
    pool        text NOT NULL,
    ord         integer NOT NULL,
    provider_id bigint NOT NULL,
    PRIMARY KEY (pool, ord)
);

INSERT INTO bench.pools (pool, ord, provider_id)
SELECT k.pool,
       (row_number() OVER (PARTITION BY k.pool ORDER BY p.id) - 1)::integer,
       p.id
  FROM careteam.providers p
  JOIN bench.specialty_slots sp ON sp.slot = p.id % 20
 CROSS JOIN LATERAL (
       VALUES ('primary', sp.primary_care AND p.active),
              ('former', sp.primary_care),
              ('specialist', NOT sp.primary_care)) AS k (pool, member)
 WHERE p.organization_id = :org_id AND k.member;

SELECT count(*) FILTER (WHERE pool = 'primary') AS primary_count,
       count(*) FILTER (WHERE pool = 'former') AS former_count,
       count(*) FILTER (WHERE pool = 'specialist') AS specialist_count
  FROM bench.pools \gset

-- ---- Patients and their care-team plan ----

-- One row per patient with every choice made, so that the patients and
-- their assignments agree. Days count from 2016-01-04.
CREATE TEMP TABLE plan ON COMMIT DROP AS
SELECT n,
       bench.unit(n, 1) < 0.07 AS other_script,
       floor(9 * bench.unit(n, 2))::integer AS script,
       floor(8 * bench.unit(n, 3))::integer AS script_family,
       floor(8 * bench.unit(n, 4) ^ 2)::integer AS script_given,
       floor(:family_count * bench.unit(n, 5) ^ 2)::integer AS family_rank,
       floor(:family_count * bench.unit(n, 6) ^ 2)::integer AS second_rank,
       bench.unit(n, 7) < 0.05 AS double_family,
       bench.unit(n, 8) < 0.02 AS decomposed,
       floor(:given_count * bench.unit(n, 9) ^ 2)::integer AS given_rank,
       date '1925-01-01' + floor(36500 * bench.unit(n, 10))::integer
           AS birth_date,
       n <= 1000 OR bench.unit(n, 11) < 0.82 AS has_primary,
       bench.unit(n, 12) < 0.25 AS had_previous,
       CASE WHEN bench.unit(n, 13) < 0.40 THEN 0
            WHEN bench.unit(n, 13) < 0.70 THEN 1
            WHEN bench.unit(n, 13) < 0.90 THEN 2
            ELSE 3 END AS specialists,
       bench.unit(n, 14) < 0.20 AS referral_ended,
       floor(1500 * bench.unit(n, 15))::integer AS previous_day,
       1 + floor(1500 * bench.unit(n, 16))::integer AS previous_length,
       floor(3500 * bench.unit(n, 17))::integer AS primary_day,
       floor(:primary_count * bench.unit(n, 18))::integer AS primary_ord,
       floor(:former_count * bench.unit(n, 19))::integer AS former_ord,
       floor(:specialist_count * bench.unit(n, 20))::integer AS specialist_ord,
       1 + floor((:specialist_count / 4 - 1) * bench.unit(n, 21))::integer
           AS specialist_step
  FROM generate_series(1, :'patients'::integer) AS n;

-- The assignment rows, one per slot: 1 the PRIMARY, 2 the PRIMARY before
-- it (ended), 3 to 5 specialists or consultants, 6 an ended referral. The
-- PRIMARY and the former PRIMARY come from primary care and the others
-- from the specialists. Slots 3 to 5 step through the specialist pool by
-- less than a third of it, so an active provider is never on a team twice.
-- A new PRIMARY starts the moment the former one ends.
CREATE TEMP TABLE plan_rows ON COMMIT DROP AS
SELECT r.n, r.slot, pool.provider_id, r.role, r.assigned_at,
       assigner.staff_id AS assigned_by, r.removed_at,
       CASE WHEN r.removed_at IS NOT NULL THEN remover.staff_id END
           AS removed_by,
       r.removal_reason
  FROM (SELECT p.n, s.slot,
               CASE s.slot WHEN 1 THEN 'primary' WHEN 2 THEN 'former'
                           ELSE 'specialist' END AS pool,
               CASE s.slot
                   WHEN 1 THEN p.primary_ord
                   WHEN 2 THEN p.former_ord
                   ELSE (p.specialist_ord + (s.slot - 3) * p.specialist_step)
                        % :specialist_count
               END AS pool_ord,
               CASE WHEN s.slot <= 2 THEN 'PRIMARY'
                    WHEN bench.unit(p.n * 8 + s.slot, 22) < 0.25
                         THEN 'CONSULTANT'
                    ELSE 'SPECIALIST' END AS role,
               timestamptz '2016-01-04 09:00:00+00' + make_interval(
                   days => CASE s.slot
                               WHEN 1 THEN CASE WHEN p.had_previous
                                   THEN p.previous_day + p.previous_length
                                   ELSE p.primary_day END
                               WHEN 2 THEN p.previous_day
                               WHEN 6 THEN p.previous_day
                               ELSE 1500 + floor(2000 * bench.unit(
                                   p.n * 8 + s.slot, 23))::integer
                           END,
                   mins => CASE WHEN s.slot = 1 AND p.had_previous THEN 480
                                ELSE floor(480 * bench.unit(p.n * 8 + s.slot,
                                                            24))::integer
                           END) AS assigned_at,
               CASE WHEN s.slot IN (2, 6)
                    THEN timestamptz '2016-01-04 09:00:00+00' + make_interval(
                             days => p.previous_day + CASE s.slot
                                 WHEN 2 THEN p.previous_length
                                 ELSE 30 + floor(300 * bench.unit(p.n, 25))
                                          ::integer END,
                             mins => 480)
               END AS removed_at,
               CASE s.slot
                   WHEN 2 THEN
                       CASE WHEN bench.unit(p.n, 26) < 0.6
                            THEN 'Patient requested a different provider'
                            ELSE 'Provider reduced clinic hours' END
                   WHEN 6 THEN 'Referral completed'
               END AS removal_reason,
               floor(:writer_count * bench.unit(p.n * 8 + s.slot, 27))::integer
                   AS assigner_ord,
               floor(:writer_count * bench.unit(p.n * 8 + s.slot, 28))::integer
                   AS remover_ord
          FROM plan p
          JOIN generate_series(1, 6) AS s (slot)
            ON CASE s.slot
                   WHEN 1 THEN p.has_primary
                   WHEN 2 THEN p.had_previous
                   WHEN 6 THEN p.referral_ended
                   ELSE p.specialists >= s.slot - 2
               END) AS r
  JOIN bench.pools pool ON pool.pool = r.pool AND pool.ord = r.pool_ord
  JOIN bench.writers assigner ON assigner.ord = r.assigner_ord
  JOIN bench.writers remover ON remover.ord = r.remover_ord;

-- care_team_version is the number of assignment rows, and the last change
-- is the latest assignment or removal among them.
CREATE TEMP TABLE plan_summary ON COMMIT DROP AS
SELECT n, count(*) AS changes,
       max(greatest(assigned_at, removed_at)) AS changed_at,
       (array_agg(CASE WHEN removed_at > assigned_at THEN removed_by
                       ELSE assigned_by END
                  ORDER BY greatest(assigned_at, removed_at) DESC))[1]
           AS changed_by
  FROM plan_rows
 GROUP BY n;

SELECT coalesce(max(id), 0) AS patient_base FROM careteam.patients \gset

-- Building an index once after the load is several times faster than
-- updating it row by row, the trigram index most of all. The indexes that
-- back no constraint are dropped here and created again below from their
-- own definitions, so they come back exactly as the migrations made them.
CREATE TEMP TABLE saved_index ON COMMIT DROP AS
SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid IN ('careteam.patients'::regclass,
                      'careteam.care_team_assignments'::regclass)
   AND NOT EXISTS (SELECT FROM pg_constraint k
                    WHERE k.conindid = i.indexrelid);

SELECT format('DROP INDEX careteam.%I', name) FROM saved_index \gexec

INSERT INTO careteam.patients (organization_id, id, mrn, family_name,
                               given_name, birth_date, care_team_version,
                               care_team_changed_by, care_team_changed_at,
                               created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT :org_id, :patient_base + p.n, 'B' || lpad(p.n::text, 7, '0'),
       CASE WHEN p.decomposed THEN normalize(nm.family, NFD)
            ELSE nm.family END,
       CASE WHEN p.decomposed THEN normalize(nm.given, NFD)
            ELSE nm.given END,
       p.birth_date, coalesce(s.changes, 0), s.changed_by, s.changed_at,
       timestamptz '2015-06-01 09:00:00+00'
           + make_interval(days => floor(200 * bench.unit(p.n, 29))::integer),
       coalesce(s.changed_at, timestamptz '2016-01-04 09:00:00+00')
  FROM plan p
  JOIN bench.family_names f1 ON f1.rank = p.family_rank
  JOIN bench.family_names f2 ON f2.rank = p.second_rank
  JOIN bench.given_names g ON g.rank = p.given_rank
  JOIN bench.script_names sn
    ON sn.script = p.script AND sn.ord = p.script_family
  JOIN bench.script_names sg
    ON sg.script = p.script AND sg.ord = p.script_given
 CROSS JOIN LATERAL (
       SELECT CASE WHEN p.other_script THEN sn.family
                   WHEN p.double_family THEN f1.name || '-' || f2.name
                   ELSE f1.name END AS family,
              CASE WHEN p.other_script THEN sg.given ELSE g.name END AS given)
       AS nm
  LEFT JOIN plan_summary s ON s.n = p.n
 ORDER BY p.n;

SELECT setval(pg_get_serial_sequence('careteam.patients', 'id'),
              :patient_base + :'patients'::integer) AS patient_sequence \gset

INSERT INTO careteam.care_team_assignments
       (organization_id, patient_id, provider_id, role, assigned_at,
        assigned_by, removed_at, removed_by, removal_reason, created_at,
        updated_at)
SELECT :org_id, :patient_base + r.n, r.provider_id, r.role, r.assigned_at,
       r.assigned_by, r.removed_at, r.removed_by, r.removal_reason,
       r.assigned_at, coalesce(r.removed_at, r.assigned_at)
  FROM plan_rows r
 ORDER BY r.n, r.slot;

SELECT definition FROM saved_index ORDER BY name \gexec

-- replica mode kept the name triggers of migration 0006 from firing, so
-- the search's word tables are filled here in one pass.
DO $$ BEGIN PERFORM careteam.rebuild_name_index(); END $$;

-- ---- What the benchmark programs read ----

-- 1,000 searches of six kinds, in a shuffled order. A prefix is the first
-- 3 to 5 letters of a family name as typed. A misspelt query is a family
-- name, or a given and a family name, with one letter missing. The others
-- are an accented name typed without its accents, an MRN, a date of birth
-- and a name in another script.
CREATE TABLE bench.search_queries (
    id    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind  text NOT NULL,
    query text NOT NULL
);

WITH patient AS (
    SELECT p.id, p.mrn, p.family_name, p.given_name, p.birth_date,
           p.search_name
      FROM careteam.patients p
     WHERE p.organization_id = :org_id
),
chosen AS (
    (SELECT 'prefix' AS kind,
            left(family_name, 3 + (id % 3)::integer) AS query, id
       FROM patient
      WHERE search_name ~ '^[a-z]'
      ORDER BY hashint8extended(id, 401) LIMIT 250)
    UNION ALL
    (SELECT 'misspelt',
            CASE WHEN m.id % 2 = 0 THEN ''
                 ELSE careteam.fold_name(m.given_name) || ' ' END
            || left(m.folded, 1 + (m.id % (length(m.folded) - 3))::integer)
            || substr(m.folded, 3 + (m.id % (length(m.folded) - 3))::integer),
            m.id
       FROM (SELECT id, given_name, lower(family_name) AS folded
               FROM patient
              WHERE family_name ~ '^[A-Za-z]{6,}$'
              ORDER BY hashint8extended(id, 402) LIMIT 200) AS m)
    UNION ALL
    (SELECT 'unaccented', search_name, id
       FROM patient
      WHERE search_name ~ '^[a-z]'
        AND public.unaccent(given_name || ' ' || family_name)
            <> given_name || ' ' || family_name
      ORDER BY hashint8extended(id, 403) LIMIT 200)
    UNION ALL
    (SELECT 'mrn', mrn, id
       FROM patient
      ORDER BY hashint8extended(id, 404) LIMIT 150)
    UNION ALL
    (SELECT 'date_of_birth', birth_date::text, id
       FROM patient
      ORDER BY hashint8extended(id, 405) LIMIT 150)
    UNION ALL
    (SELECT 'other_script',
            CASE WHEN id % 2 = 0 THEN family_name
                 ELSE family_name || ' ' || given_name END, id
       FROM patient
      WHERE search_name !~ '^[a-z]'
      ORDER BY hashint8extended(id, 406) LIMIT 50)
)
INSERT INTO bench.search_queries (kind, query)
SELECT kind, query FROM chosen ORDER BY hashint8extended(id, 407), kind;

COMMIT;
