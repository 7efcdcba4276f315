// Quarry — QuarryLoad tests.

import Testing
@testable import QuarryLoad
