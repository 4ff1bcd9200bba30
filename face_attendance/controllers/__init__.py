from . import api_common
from . import api_system
from . import api_persons
from . import api_attendance
from . import api_events
