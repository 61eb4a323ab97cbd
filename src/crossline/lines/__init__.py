"""The national line register: lines from confirmed analysis or by hand, and deconfliction.

So far: line records with their numbers, handsets, people, status history and
timeline (``services``), and the matches between organisations' lines on a
number or handset (``deconfliction``), and intelligence records graded 3x5x2
(``grading``, ``services.intelligence``). The national picture is still to
come (docs/lines.md).
"""
