// Quarry — QuarryEndToEnd tests.

import Testing
import QuarryCore
