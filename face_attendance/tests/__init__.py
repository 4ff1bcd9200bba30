from . import test_attendance_rules
from . import test_enrolment
from . import test_security
from . import test_crons
from . import test_ingest_xmlrpc
from . import test_api
