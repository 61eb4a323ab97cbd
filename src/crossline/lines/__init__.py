"""The national line register: lines from confirmed analysis or by hand, and deconfliction.

So far: line records with their numbers, handsets, people, status history and
timeline (``services``), and the matches between organisations' lines on a
number or handset (``deconfliction``). Intelligence records and the national
picture are still to come (docs/lines.md).
"""
