from linli.points.tests.conftest import (  # noqa: F401 - fixtures shared with points tests
    dzj,
    neighbour,
    patrol_rule,
    stranger,
    suggestion_rule,
    version,
)
from linli.web.tests.activity_world import (  # noqa: F401 - fixtures of the activity pages
    elsewhere,
    live,
    member,
    signed_up,
    team,
    team_leader,
    upcoming,
    with_hours,
)
