"""The line register's rules: reading lines, confirming findings, recording and changing lines.

The only place the register's rules live, split by workflow: ``reading``,
``confirming`` (findings of analysis into lines), ``recording`` (lines by
hand, their status, numbers and handsets), ``owners`` (lines owned by several
forces), ``changes`` (what every change is made of) and ``intelligence``
(graded intelligence records, linked to lines, numbers and people). Every
function checks the actor's permission; an organisation sees and changes only
the lines it owns, as lead or co-owner, and a national coordinator
(``lines.national``) reads every organisation's. Reading a line is a
consultation of personal data, creating one a collection and changing one an
alteration: each is audited in the same transaction (DOMAIN.md §AUDIT.s62).
Whenever a line gains a number or handset, other organisations' lines holding
it are found and both owners alerted (``crossline.lines.deconfliction``).
"""

from crossline.lines.services.confirming import (
    AlreadyInRegister,
    confirm_finding,
    findings_to_confirm,
)
from crossline.lines.services.intelligence import (
    NO_SUCH_INTELLIGENCE,
    get_intelligence,
    people_named,
    record_intelligence,
    regrade_intelligence,
    search_intelligence,
)
from crossline.lines.services.owners import add_owner, owner_names, remove_owner
from crossline.lines.services.reading import NO_SUCH_LINE, get_line, list_lines
from crossline.lines.services.recording import (
    add_handset,
    add_number,
    change_details,
    change_status,
    correct_closure,
    create_line,
    end_handset,
    end_number,
)

__all__ = [
    "NO_SUCH_INTELLIGENCE",
    "NO_SUCH_LINE",
    "AlreadyInRegister",
    "add_handset",
    "add_number",
    "add_owner",
    "change_details",
    "change_status",
    "confirm_finding",
    "correct_closure",
    "create_line",
    "end_handset",
    "end_number",
    "findings_to_confirm",
    "get_intelligence",
    "get_line",
    "list_lines",
    "owner_names",
    "people_named",
    "record_intelligence",
    "regrade_intelligence",
    "remove_owner",
    "search_intelligence",
]
