-- Roles around the lines found: runners and holders (co-located with a deal
-- phone), controllers (phoned by the line), customers; and where everyone is.
-- Inputs: the tables of lines.sql, and `line_numbers` (line_id, n) registered
-- from the lines found.

-- step: daily_contacts
-- The lines' numbers day by day, to find the first day their evidence met the bar:
-- each party's contact with the number, and the number's calls to it, per day.
SELECT n, c, day,
       sum(events) AS events, sum(texts) AS texts, sum(answered) AS answered,
       sum(short_calls) AS short_calls, sum(night) AS night, sum(calls_out) AS calls_out
FROM (
    SELECT b AS n, a AS c, day, 1 AS events,
           CASE WHEN k = 'sms' THEN 1 ELSE 0 END AS texts,
           CASE WHEN k = 'call' AND d > 0 THEN 1 ELSE 0 END AS answered,
           CASE WHEN k = 'call' AND d > 0 AND d <= {short_call_s} THEN 1 ELSE 0 END AS short_calls,
           CASE WHEN h >= {night_from_hour} OR h < {night_to_hour} THEN 1 ELSE 0 END AS night,
           0 AS calls_out
    FROM ev WHERE b IN (SELECT n FROM line_numbers)
    UNION ALL
    SELECT a AS n, b AS c, day, 0, 0, 0, 0, 0, 1
    FROM ev WHERE k = 'call' AND a IN (SELECT n FROM line_numbers)
) x
GROUP BY n, c, day;

-- step: daily_broadcasts
SELECT n, day, max(recipients) AS most
FROM broadcasts
WHERE n IN (SELECT n FROM line_numbers)
GROUP BY n, day;

-- step: daily_market
SELECT ev.b AS n, ev.day, c.area, count(*) AS events
FROM ev
JOIN customers u ON u.n = ev.b AND u.c = ev.a
JOIN cells c ON c.cell_id = ev.a_cell
WHERE c.area IS NOT NULL AND ev.b IN (SELECT n FROM line_numbers)
GROUP BY ev.b, ev.day, c.area;

-- step: called_by_line
-- Numbers the line itself phones, on several days: it never phones customers.
SELECT l.line_id, ev.b AS n, count(DISTINCT ev.day) AS days
FROM ev JOIN line_numbers l ON l.n = ev.a
WHERE ev.k = 'call' AND ev.b NOT IN (SELECT n FROM line_numbers)
GROUP BY l.line_id, ev.b
HAVING count(DISTINCT ev.day) >= {controller_min_days};

-- step: network
-- The numbers the line phones (its controllers, and runners it instructs).
SELECT line_id, n FROM called_by_line;

-- step: network_contact
-- Days each other number was in touch with the line's network: a runner is, a
-- neighbour of the trap house is not.
SELECT w.line_id, x.n, count(DISTINCT x.day) AS days
FROM (SELECT a AS n, b AS other, day FROM ev UNION ALL SELECT b AS n, a AS other, day FROM ev) x
JOIN network w ON w.n = x.other
WHERE x.n NOT IN (SELECT n FROM line_numbers)
GROUP BY w.line_id, x.n
HAVING count(DISTINCT x.day) >= {controller_min_days};

-- step: around
SELECT n FROM line_numbers
UNION SELECT n FROM called_by_line
UNION SELECT n FROM network_contact;

-- step: presence
-- Where the numbers around the lines were: the caller at its cell, the called at its
-- own. Only the lines' numbers and those in touch with the line's network are placed:
-- a runner is in touch with it, and no one else has a role to find. A place is a
-- cell site's position to three decimals (about 100 m), rounded half up by the same
-- arithmetic on every engine.
SELECT e.a AS n, e.s, e.day, e.t,
       floor(c.lat * 1000 + 0.5) / 1000 AS lat, floor(c.lon * 1000 + 0.5) / 1000 AS lon, c.area
FROM ev e
JOIN cells c ON c.cell_id = e.a_cell
JOIN around w ON w.n = e.a
UNION ALL
SELECT e.b AS n, e.s, e.day, e.t,
       floor(c.lat * 1000 + 0.5) / 1000 AS lat, floor(c.lon * 1000 + 0.5) / 1000 AS lon, c.area
FROM ev e
JOIN cells c ON c.cell_id = e.b_cell
JOIN around w ON w.n = e.b;

-- step: line_presence
SELECT l.line_id, p.n, p.day, p.s // {colocation_window_s} AS slot,
       p.lat, p.lon
FROM presence p JOIN line_numbers l ON l.n = p.n;

-- step: colocated
-- Phones in the line's network in the deal phone's cell within the same hour, on
-- several days.
SELECT l.line_id, p.n, count(DISTINCT p.day) AS days
FROM presence p
JOIN line_presence l
  ON l.slot = p.s // {colocation_window_s} AND l.lat = p.lat AND l.lon = p.lon
WHERE p.n NOT IN (SELECT n FROM line_numbers)
GROUP BY l.line_id, p.n
HAVING count(DISTINCT p.day) >= {colocation_min_days};

-- step: line_county
-- Each line's market: the force area most of its customers' located contacts are in.
SELECT line_id, area
FROM (
    SELECT line_id, area, row_number() OVER (PARTITION BY line_id ORDER BY events DESC, area) AS r
    FROM (
        SELECT l.line_id, m.area, sum(m.events) AS events
        FROM market m JOIN line_numbers l ON l.n = m.n
        GROUP BY l.line_id, m.area
    ) t
) ranked
WHERE r = 1;

-- step: travellers
-- Numbers in touch with the line's network that are seen in its county and
-- elsewhere ("going country"): the runners of a line whose deal phone stays in the
-- hub are never with it, but they travel to its market.
SELECT c.line_id, c.n,
       count(DISTINCT CASE WHEN p.area = k.area THEN p.day END) AS county_days,
       count(DISTINCT CASE WHEN p.area <> k.area THEN p.day END) AS other_days
FROM network_contact c
JOIN line_county k ON k.line_id = c.line_id
JOIN presence p ON p.n = c.n
WHERE p.area IS NOT NULL
GROUP BY c.line_id, c.n;

-- step: bases
-- Where the deal phone and the phones with it meet: the line's bases (trap houses).
SELECT l.line_id, l.lat, l.lon, count(DISTINCT l.day) AS days
FROM line_presence l
JOIN presence p
  ON l.slot = p.s // {colocation_window_s} AND l.lat = p.lat AND l.lon = p.lon
JOIN colocated c ON c.line_id = l.line_id AND c.n = p.n
GROUP BY l.line_id, l.lat, l.lon;

-- step: areas_of
-- Where the people around the lines are, by force area.
SELECT p.n, p.area, count(*) AS events, count(DISTINCT p.day) AS days
FROM presence p
WHERE p.area IS NOT NULL
GROUP BY p.n, p.area;

-- step: movements
-- The located events of the possible runners, for their journeys.
SELECT r.line_id, p.n, p.s, p.lat, p.lon, p.area
FROM presence p
JOIN (
    SELECT c.line_id, c.n
    FROM colocated c JOIN network_contact w ON w.line_id = c.line_id AND w.n = c.n
    UNION
    SELECT line_id, n FROM travellers
    WHERE county_days >= {colocation_min_days} AND other_days >= 1
) r ON r.n = p.n;
