// Quarry — QuarryTransform tests.

import Testing
@testable import QuarryTransform
