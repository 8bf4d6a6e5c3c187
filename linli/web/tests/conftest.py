from linli.points.tests.conftest import (  # noqa: F401 - fixtures shared with points tests
    dzj,
    neighbour,
    patrol_rule,
    stranger,
    suggestion_rule,
    version,
)
