-- A database with everything a plain dump must carry through
-- pgrestore-stream: quotes, semicolons, COPY escapes, routines, rules,
-- partitions, large objects. Loaded by tests/t-pgrestore*.sh with psql.
CREATE EXTENSION hstore;
CREATE SCHEMA "odd; schema";
CREATE TABLE public.kinds (
    id integer PRIMARY KEY,
    txt text,
    bin bytea,
    arr text[],
    js jsonb,
    kv hstore,
    price numeric(10,2)
);
INSERT INTO public.kinds VALUES
  (1, E'tab\there; semi; back\\slash', '\x00ff5c2e0a'::bytea, ARRAY['a;b', 'c"d', E'e\\f'], '{"k": "v;w", "n": [1, 2]}', 'a=>1, "b;c"=>"d''e"', 12.50),
  (2, E'line one\nline two\r\n', NULL, '{}', '[]', NULL, NULL),
  (3, E'\\.', '\x5c2e'::bytea, ARRAY[E'\\.'], '"\\\\."', NULL, 0),
  (4, E'\\.\nmore', NULL, NULL, NULL, NULL, NULL),
  (5, 'non-ASCII: été, 日本語, ñ; and ''quotes'' and $$dollars$$', NULL, NULL, '{"é": "ü"}', NULL, -1),
  (6, E'-- not a comment; /* nor this */', NULL, NULL, NULL, NULL, NULL);
CREATE TABLE "odd; schema"."Mixed Case" ("semi;col" text, "quote""d" int);
INSERT INTO "odd; schema"."Mixed Case" VALUES ('x;y', 1), (E'\\', 2);
CREATE SEQUENCE public.counter START 100;
SELECT setval('public.counter', 4242);
CREATE TABLE public.parent (id int PRIMARY KEY, name text UNIQUE);
CREATE TABLE public.child (id serial PRIMARY KEY, parent_id int REFERENCES public.parent(id), note text);
INSERT INTO public.parent SELECT g, 'p' || g FROM generate_series(1, 50) g;
INSERT INTO public.child (parent_id, note) SELECT 1 + g % 50, repeat('n;', g % 7) FROM generate_series(1, 200) g;
CREATE INDEX child_note_idx ON public.child (note);
CREATE TABLE public.measure (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE public.measure_2025 PARTITION OF public.measure FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE public.measure_2026 PARTITION OF public.measure FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO public.measure SELECT date '2025-06-01' + g, g FROM generate_series(0, 400) g;
CREATE INDEX measure_v_idx ON public.measure (v);
CREATE FUNCTION public.plfunc(a int) RETURNS text LANGUAGE plpgsql AS $body$
DECLARE r text := 'semi; colon'; -- a comment; here
BEGIN
  IF a > 0 THEN RETURN r || $$;$$; END IF;
  /* block; comment */
  RETURN 'neg;';
END;
$body$;
CREATE TABLE public.log (id serial PRIMARY KEY, msg text);
CREATE FUNCTION public.atomic_add(a int, b int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a IS NULL THEN 0 ELSE a END + b;
END;
CREATE PROCEDURE public.atomic_proc(x int) LANGUAGE sql
BEGIN ATOMIC
  INSERT INTO public.log (msg) VALUES ('one;' || x);
  INSERT INTO public.log (msg) VALUES ('two;' || x);
END;
CREATE TABLE public.ruled (id int, v text);
CREATE RULE ruled_ins AS ON INSERT TO public.ruled DO ALSO (
  INSERT INTO public.log (msg) VALUES ('rule a; ' || new.v);
  INSERT INTO public.log (msg) VALUES ('rule b; ' || new.v)
);
CREATE FUNCTION public.trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.note := coalesce(NEW.note, 'default;'); RETURN NEW; END;
$$;
CREATE TRIGGER child_trg BEFORE INSERT ON public.child FOR EACH ROW EXECUTE FUNCTION public.trg();
CREATE VIEW public.v_kinds AS SELECT id, txt FROM public.kinds WHERE txt LIKE '%;%';
CREATE MATERIALIZED VIEW public.mv_parent AS SELECT count(*) AS n FROM public.parent;
COMMENT ON TABLE public.kinds IS 'kinds; with ''quotes'' and $$ and -- dashes';
COMMENT ON FUNCTION public.plfunc(int) IS E'multi\nline; comment';
SELECT lo_from_bytea(0, '\x6c6f3b00ff'::bytea) IS NOT NULL;
SELECT lo_from_bytea(0, convert_to(repeat('big;', 5000), 'UTF8')) IS NOT NULL;
