// Quarry — QuarryQualys tests.

import Testing
@testable import QuarryQualys
