-- Line analysis, written once in DuckDB's dialect; the Spark engine runs it
-- transpiled by sqlglot. Each step is materialised as a table named after it.
-- Inputs: `events` (the comms store's columns), `cells` (cell_id, lat, lon, area),
-- registered by the engine. {name} is a number from the parameters file.
-- Times: `s` is seconds since 1970 (UTC); {utc_offset} is the local clock's offset
-- from UTC at `s` in the parameters' time_zone, an expression of numbers worked out
-- from the time zone database for the period of the events (pipeline.local_offset),
-- so `day` (days since 1970) and `h` are local days and hours on any engine, with
-- no per-row time zone lookups.

-- step: ev
SELECT a, b, k, d, t, s, (s + {utc_offset}) // 86400 AS day,
       ((s + {utc_offset}) % 86400) // 3600 AS h, imei, a_cell, b_cell
FROM (
    SELECT a_number AS a, b_number AS b, event_type AS k, duration_s AS d, start_time AS t,
           CAST(epoch(start_time) AS BIGINT) AS s, a_imei AS imei, a_cell, b_cell
    FROM events
) e;

-- step: broadcasts
-- Many distinct recipients of one sender's texts inside one window (§LINES.signals).
-- Windows with too few texts to hold enough recipients are dropped first, so the
-- distinct count runs on the few that might be broadcasts.
SELECT e.a AS n, e.s // {broadcast_window_s} AS w, min(e.t) AS t, min(e.day) AS day,
       count(DISTINCT e.b) AS recipients
FROM ev e
JOIN (
    SELECT a, s // {broadcast_window_s} AS w
    FROM ev
    WHERE k = 'sms'
    GROUP BY a, s // {broadcast_window_s}
    HAVING count(*) >= {broadcast_min_recipients}
) busy ON busy.a = e.a AND busy.w = e.s // {broadcast_window_s}
WHERE e.k = 'sms'
GROUP BY e.a, e.s // {broadcast_window_s}
HAVING count(DISTINCT e.b) >= {broadcast_min_recipients};

-- step: contacts
-- One row per (number, party who started contact with it).
SELECT b AS n, a AS c, count(*) AS events, min(day) AS first_day, max(day) AS last_day,
       sum(CASE WHEN k = 'sms' THEN 1 ELSE 0 END) AS texts,
       sum(CASE WHEN k = 'call' AND d > 0 THEN 1 ELSE 0 END) AS answered,
       sum(CASE WHEN k = 'call' AND d > 0 AND d <= {short_call_s} THEN 1 ELSE 0 END) AS short_calls,
       sum(CASE WHEN h >= {night_from_hour} OR h < {night_to_hour} THEN 1 ELSE 0 END) AS night,
       sum(CASE WHEN k = 'call' THEN 1 ELSE 0 END) AS calls
FROM ev
GROUP BY b, a;

-- step: returners
-- Contacts the number never phones who came back on another day: possible customers.
SELECT i.n, i.c
FROM contacts i
LEFT JOIN contacts r ON r.n = i.c AND r.c = i.n
WHERE (i.last_day > i.first_day OR {customer_min_days} <= 1) AND coalesce(r.calls, 0) = 0;

-- step: customers
-- Repeat contacts the number never phones: its customer base when it is a line. A
-- returner came back on a second day; more days than two are counted, for the
-- returners only, when the parameters ask for more.
SELECT i.n, i.c, i.events, i.texts, i.answered, i.short_calls, i.night
FROM contacts i
JOIN returners r ON r.n = i.n AND r.c = i.c
LEFT JOIN (
    SELECT ev.b AS n, ev.a AS c, count(DISTINCT ev.day) AS days
    FROM ev JOIN returners x ON x.n = ev.b AND x.c = ev.a
    WHERE {customer_min_days} > 2
    GROUP BY ev.b, ev.a
) d ON d.n = i.n AND d.c = i.c
WHERE {customer_min_days} <= 2 OR d.days >= {customer_min_days};

-- step: candidates
-- Numbers with a customer base worth scoring, with their contacts' shape.
SELECT i.n,
       count(*) AS contacts_in,
       sum(CASE WHEN coalesce(r.calls, 0) = 0 THEN 1 ELSE 0 END) AS never_called,
       sum(i.events) AS events_in,
       sum(i.texts) AS texts_in,
       sum(i.answered) AS answered_in,
       sum(i.short_calls) AS short_calls_in,
       sum(i.night) AS night_in
FROM contacts i
LEFT JOIN contacts r ON r.n = i.c AND r.c = i.n
WHERE i.n IN (SELECT n FROM customers GROUP BY n HAVING count(*) >= {min_customers})
   OR i.n IN (SELECT n FROM broadcasts)
GROUP BY i.n;

-- step: base
SELECT n, count(*) AS customers FROM customers GROUP BY n;

-- step: broadcast_days
SELECT n, count(DISTINCT day) AS days, max(recipients) AS most_recipients
FROM broadcasts
GROUP BY n;

-- step: activity
-- When each candidate was used, and on which handsets.
SELECT n, min(t) AS first_seen, max(t) AS last_seen, count(*) AS events
FROM (SELECT a AS n, t FROM ev UNION ALL SELECT b AS n, t FROM ev) x
WHERE n IN (SELECT n FROM candidates)
GROUP BY n;

-- step: handsets
SELECT a AS n, imei, min(t) AS first_seen, max(t) AS last_seen, count(*) AS events
FROM ev
WHERE imei IS NOT NULL AND a IN (SELECT n FROM candidates)
GROUP BY a, imei;

-- step: market
-- Where a candidate's customers are when they get in touch (their own cell).
SELECT ev.b AS n, c.area, count(*) AS events
FROM ev
JOIN customers u ON u.n = ev.b AND u.c = ev.a
JOIN cells c ON c.cell_id = ev.a_cell
WHERE c.area IS NOT NULL
GROUP BY ev.b, c.area;

-- step: audience
-- Who a candidate deals with: its customers and the recipients of its broadcasts. A
-- line's new number texts the old number's customer list (§LINES.signals), so the
-- audiences of one line's numbers are much the same even when the new number has
-- had too few days for its customers to come back. Each row carries when the
-- number was first and last used (seconds since 1970).
SELECT u.n, u.c, CAST(epoch(a.first_seen) AS BIGINT) AS f, CAST(epoch(a.last_seen) AS BIGINT) AS l
FROM (
    SELECT n, c FROM customers WHERE n IN (SELECT n FROM candidates)
    UNION
    SELECT e.a AS n, e.b AS c
    FROM ev e
    JOIN broadcasts b ON b.n = e.a AND b.w = e.s // {broadcast_window_s}
    WHERE e.k = 'sms'
) u
JOIN activity a ON a.n = u.n;

-- step: audience_size
SELECT n, count(*) AS size FROM audience GROUP BY n;

-- step: shared_audience
-- Successor candidates through an inverted index: only pairs with someone in common
-- that could have followed one another (used side by side for at most
-- successor_max_overlap_days, and the later started within successor_max_gap_days
-- of the earlier's last use), and of those only pairs with enough of the smaller
-- audience in common. Numbers in use all along together (a school's and a taxi
-- firm's lists, say) are never paired, however many people they share.
SELECT p.n1, p.n2, p.shared
FROM (
    SELECT x.n AS n1, y.n AS n2, count(*) AS shared
    FROM audience x
    JOIN audience y
      ON x.c = y.c AND x.n < y.n
     AND least(x.l, y.l) - greatest(x.f, y.f) <= {successor_max_overlap_days} * 86400
     AND greatest(x.f, y.f) - least(x.l, y.l) <= {successor_max_gap_days} * 86400
    GROUP BY x.n, y.n
) p
JOIN audience_size s1 ON s1.n = p.n1
JOIN audience_size s2 ON s2.n = p.n2
WHERE p.shared >= {successor_min_overlap} * least(s1.size, s2.size);

-- step: shared_handsets
SELECT x.n AS n1, y.n AS n2, count(DISTINCT x.imei) AS shared
FROM handsets x
JOIN handsets y ON x.imei = y.imei AND x.n < y.n
GROUP BY x.n, y.n;
